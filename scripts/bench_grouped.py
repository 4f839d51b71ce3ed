"""Grouped single-cell figures on a large CSR .h5ad: heatmill vs scanpy, in
one run, on the same file and the same 50 marker genes (scanpy's
pl.matrixplot and pl.dotplot with a var_names dict grouped by obs
cell_type, each drawn and saved as PNG in its own process, from
read_h5ad on; heatmill's `heatmap --groupby --reduce mean` and `dotplot`,
which read only the 50 gene columns). Wall time and peak RSS of every
process come from /usr/bin/time -v. Writes bench-results/grouped.md.

The input comes from scripts/make_big_h5ad.py (into --data, a scratch
directory; generated when missing).

    bash scripts/bench_grouped.sh [--cells N] [--data DIR]
"""
import argparse
import subprocess
import sys
from pathlib import Path

from bench_common import cpu_model, git_rev, peak_of

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench-results"

SCANPY = r"""
import sys
import anndata as ad
import matplotlib
matplotlib.use("Agg")
import scanpy as sc
path, markers, kind, png = sys.argv[1:5]
sets = {}
for line in open(markers):
    s, g = line.rstrip("\n").split("\t")
    sets.setdefault(s, []).append(g)
adata = sc.read_h5ad(path)
f = sc.pl.matrixplot if kind == "matrixplot" else sc.pl.dotplot
p = f(adata, sets, groupby="cell_type", show=False, return_fig=True)
p.savefig(png, dpi=100)
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--heatmill", required=True)
    ap.add_argument("--cells", type=int, default=1_000_000)
    ap.add_argument("--data", default="/tmp/heatmill-bench-grouped")
    a = ap.parse_args()
    data = Path(a.data)
    h5ad = data / f"big_{a.cells}.h5ad"
    markers = data / "markers_50.txt"
    if not h5ad.exists() or not markers.exists():
        subprocess.run([sys.executable, str(Path(__file__).parent / "make_big_h5ad.py"),
                        str(data), "--cells", str(a.cells)], check=True)
    png = data / "png"
    png.mkdir(exist_ok=True)
    rows = []
    for kind, hm_args in [
        ("matrixplot", ["heatmap", "--groupby", "obs/cell_type", "--reduce", "mean"]),
        ("dotplot", ["dotplot", "--groupby", "obs/cell_type"]),
    ]:
        out = png / f"heatmill_{kind}.png"
        hm = peak_of([a.heatmill, hm_args[0], str(h5ad), "-o", str(out), *hm_args[1:],
                      "--genes", f"file:{markers}"])[:2]
        sp = peak_of([sys.executable, "-c", SCANPY, str(h5ad), str(markers), kind,
                      str(png / f"scanpy_{kind}.png")])[:2]
        rows.append((kind, hm, sp))
        print(f"{kind}: heatmill {hm[0]:.2f} s {hm[1]:.0f} MiB; scanpy {sp[0]:.2f} s {sp[1]:.0f} MiB",
              file=sys.stderr)
    size = h5ad.stat().st_size / 2**20
    lines = [
        "# Grouped single-cell figures: heatmill vs scanpy",
        "",
        f"`bash scripts/bench_grouped.sh --cells {a.cells}` on {cpu_model()}, heatmill {git_rev()};",
        f"input: {a.cells} cells x 2000 genes, X CSR float32, ~100 stored values a cell",
        f"({size:.0f} MiB .h5ad, scripts/make_big_h5ad.py), obs cell_type of 20 types,",
        "50 marker genes in 21 sets. One process per figure, from reading the file to",
        "the saved PNG; wall time and peak RSS from /usr/bin/time -v.",
        "",
        "| figure | heatmill s | heatmill peak MiB | scanpy s | scanpy peak MiB | time ratio | memory ratio |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for kind, hm, sp in rows:
        lines.append(f"| {kind} | {hm[0]:.2f} | {hm[1]:.0f} | {sp[0]:.2f} | {sp[1]:.0f} | "
                     f"{sp[0] / hm[0]:.1f}x | {sp[1] / hm[1]:.1f}x |")
    lines.append("")
    OUT.mkdir(exist_ok=True)
    (OUT / "grouped.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
