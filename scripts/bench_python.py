"""bench_python.py — the Python package beside seaborn in one process, and
beside the CLI on the same figure.

Usage (from the repo root, in the venv of scripts/python_tests.sh, which has
heatmill built into it):
    python/.venv/bin/python scripts/bench_python.py --heatmill "$CARGO_TARGET_DIR/debug/heatmill"
    ... --quick       # the tutorial figures and the 5 000-gene corrmap only

Data: the tutorial's recipe at any size (as scripts/bench_vs_seaborn.py):
    np.random.seed(42); X = np.random.randn(n_genes, n_samples)
    X[:n//3, :d//2] += 2.5; X[n//3:2n//3, d//2:] += 2.0
Each case times the call and the PNG written at 100 dpi, for heatmill
(`heatmill.<kind>(df, **kw).save(png)`, best of --repeats) and for seaborn
(`sns.<call>(…); fig.savefig(png)`, once for the 20 000-row clustermap, best
of --repeats otherwise). The overhead case runs the same clustermap through
the CLI (`heatmill clustermap data.parquet -o out.png …`, wall time of the
process, and its own stage times without the read) and through Python from a
DataFrame already in memory.

Writes bench-results/python.{md,json}.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

import heatmill  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def data(n, d):
    np.random.seed(42)
    x = np.random.randn(n, d)
    x[: n // 3, : d // 2] += 2.5
    x[n // 3: 2 * n // 3, d // 2:] += 2.0
    df = pd.DataFrame(x, index=[f"Gene_{i + 1}" for i in range(n)],
                      columns=[f"Sample_{j + 1}" for j in range(d)])
    df.index.name = "gene"
    groups = pd.Series(["Tumor" if j < d // 2 else "Normal" for j in range(d)],
                       index=df.columns, name="group")
    return df, groups


def best(f, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--heatmill", required=True, help="the CLI binary (same profile as the extension)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "bench-results" / "python"))
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="heatmill-bench-"))
    rows = []

    def case(name, hm, sb, sb_repeats=None):
        th = best(hm, args.repeats)
        ts = best(sb, sb_repeats or args.repeats)
        plt.close("all")
        rows.append(dict(case=name, heatmill_s=th, seaborn_s=ts, speedup=ts / th))
        print(f"{name:40s} heatmill {th:8.3f} s   seaborn {ts:8.3f} s   x{ts / th:7.1f}",
              flush=True)

    df, groups = data(30, 12)
    pal = {"Tumor": "#e63946", "Normal": "#457b9d"}

    def sb_heat():
        fig = plt.figure(figsize=(10, 8))
        sns.heatmap(df, cmap="RdBu_r", center=0, xticklabels=True, yticklabels=True,
                    linewidths=0.5)
        plt.tight_layout()
        fig.savefig(tmp / "sb.png", dpi=100)
        plt.close(fig)

    case("tutorial heatmap 30x12",
         lambda: heatmill.heatmap(df, cmap="RdBu_r", center=0, xticklabels=True,
                                  yticklabels=True, linewidths=0.5).save(tmp / "h.png"),
         sb_heat)

    def sb_clus():
        g = sns.clustermap(df, cmap="RdBu_r", center=0, figsize=(10, 10), method="ward",
                           linewidths=0.3, dendrogram_ratio=0.15,
                           col_colors=groups.map(pal))
        g.savefig(tmp / "sb.png", dpi=100)
        plt.close(g.fig)

    case("tutorial clustermap 30x12",
         lambda: heatmill.clustermap(df, cmap="RdBu_r", center=0, figsize=(10, 10),
                                     method="ward", linewidths=0.3, dendrogram_ratio=0.15,
                                     col_colors=groups, palette=pal).save(tmp / "c.png"),
         sb_clus)

    def corr_case(n, d):
        big, _ = data(n, d)
        mask = np.triu(np.ones((n, n), dtype=bool), k=1)

        def sb():
            corr = pd.DataFrame(np.corrcoef(big.values), index=big.index, columns=big.index)
            fig = plt.figure(figsize=(10, 8))
            sns.heatmap(corr, mask=mask, cmap="coolwarm", center=0, square=True,
                        linewidths=0.5 if n <= 100 else 0,
                        cbar_kws={"shrink": 0.8, "label": "Pearson r"})
            plt.tight_layout()
            fig.savefig(tmp / "sb.png", dpi=100)
            plt.close(fig)

        case(f"masked corrmap {n} genes x {d}",
             lambda: heatmill.corrmap(big, mask=mask, square=True,
                                      linewidths=0.5 if n <= 100 else 0,
                                      cbar_kws={"shrink": 0.8, "label": "Pearson r"},
                                      figsize=(10, 8)).save(tmp / "r.png"),
             sb, sb_repeats=1 if n > 1000 else None)

    corr_case(30, 12)
    corr_case(5000, 200)

    overhead = None
    if not args.quick:
        big, _ = data(20000, 50)

        def sb_big():
            g = sns.clustermap(big, method="ward", cmap="RdBu_r", center=0, figsize=(10, 10))
            g.savefig(tmp / "sb.png", dpi=100)
            plt.close(g.fig)

        kw = dict(method="ward", cmap="RdBu_r", center=0, figsize=(10, 10))
        case("clustermap 20000x50 (ward)",
             lambda: heatmill.clustermap(big, **kw).save(tmp / "big.png"), sb_big, sb_repeats=1)

        # The Python layer against the CLI on the same figure.
        pq = tmp / "big.parquet"
        big.to_parquet(pq)
        # Axis labels given on both sides (the Python layer would otherwise
        # label the rows with the index name, as seaborn does; the CLI does not).
        kw = dict(kw, xlabel="Samples", ylabel="Genes")
        cmd = [args.heatmill, "clustermap", str(pq), "-o", str(tmp / "cli.png"),
               "--method", "ward", "--cmap", "RdBu_r", "--center", "0", "--figsize", "10,10",
               "--xlabel", "Samples", "--ylabel", "Genes", "--timings"]
        cli, cli_compute = [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            p = subprocess.run(cmd, capture_output=True, text=True, check=True)
            cli.append(time.perf_counter() - t0)
            stages = {}
            for line in p.stderr.splitlines():
                if line.startswith("timings: "):
                    stages = json.loads(line[len("timings: "):])
            cli_compute.append(sum(v for k, v in stages.items()
                                   if k != "read" and isinstance(v, (int, float))))
        py_call = best(lambda: heatmill.clustermap(big, **kw).save(tmp / "py.png"), args.repeats)
        same = (tmp / "py.png").read_bytes() == (tmp / "cli.png").read_bytes()
        overhead = dict(cli_wall_s=min(cli), cli_stages_without_read_s=min(cli_compute),
                        python_s=py_call, same_png=same,
                        overhead_vs_cli_wall=py_call / min(cli) - 1,
                        overhead_vs_cli_stages=(py_call / min(cli_compute) - 1)
                        if min(cli_compute) > 0 else None)
        print(json.dumps(overhead, indent=1))

    env = dict(python=sys.version.split()[0], platform=platform.platform(),
               cpus=os.cpu_count(), heatmill=heatmill.__version__,
               threads=heatmill._heatmill.default_threads(), seaborn=sns.__version__,
               numpy=np.__version__, pandas=pd.__version__)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(dict(env=env, cases=rows, overhead=overhead),
                                                   indent=1))
    lines = ["| case | heatmill (s) | seaborn (s) | speed-up |", "| --- | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| {r['case']} | {r['heatmill_s']:.3f} | {r['seaborn_s']:.3f} | "
                     f"{r['speedup']:.1f}x |")
    if overhead:
        lines += ["", "| clustermap 20000x50, same figure | seconds |", "| --- | ---: |",
                  f"| CLI, process wall time (reads Parquet) | {overhead['cli_wall_s']:.3f} |",
                  f"| CLI, its stages without the read | {overhead['cli_stages_without_read_s']:.3f} |",
                  f"| Python, DataFrame in memory → PNG | {overhead['python_s']:.3f} |",
                  f"| same PNG bytes | {overhead['same_png']} |"]
    lines += ["", f"Environment: {json.dumps(env)}"]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
