"""Snakemake wrapper for heatmill: the figures of one dataset, or one figure
of one dataset, of a heatmill config (`heatmill run --only`)."""

__author__ = "heatmill contributors"
__license__ = "MIT"

from snakemake.shell import shell

log = snakemake.log_fmt_shell(stdout=True, stderr=True)
extra = snakemake.params.get("extra", "")
only = snakemake.params.get("only", "")
out = snakemake.params.get("out", "")
if not only:
    raise ValueError("params.only must name DATASET or DATASET/FIGURE")

mem_mb = snakemake.resources.get("mem_mb")
memory = f"--max-memory {int(mem_mb)}M" if mem_mb else ""
out_dir = f"--out {out!r}" if out else ""

shell(
    "heatmill run {snakemake.input.config:q} {out_dir} --only {only:q}"
    " --threads {snakemake.threads} {memory} --quiet {extra} {log}"
)
