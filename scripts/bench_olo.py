"""Optimal leaf ordering: heatmill vs scipy on the same data, one run.

    bash scripts/pyenv.sh && HEATMILL=target/release/heatmill \\
        scripts/.venv/bin/python scripts/bench_olo.py [--sizes 1000 2000 4000 10000]

For each n and each kind of data (--data: `tutorial`, the tutorial's three
blocks of genes, seed 42, as bench_vs_seaborn.py makes them; `normal`,
standard-normal rows, seed n; both by default): n x 20, average linkage;
times scipy's
`optimal_leaf_ordering(Z, pdist(X))` and heatmill's `order` stage
(`heatmill linkage --optimal-ordering --timings`), and checks that the leaf
orders are identical. Also the whole heatmill process: wall time and peak
RSS (/usr/bin/time -v). scipy is skipped above --scipy-max (its ordering is
O(n^3) with large constants: minutes at 10 000).
"""
import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering
from scipy.spatial.distance import pdist

ap = argparse.ArgumentParser()
ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000])
ap.add_argument("--heatmill", default=os.environ.get("HEATMILL", "target/release/heatmill"))
ap.add_argument("--scipy-max", type=int, default=5000, help="largest n scipy is timed at")
ap.add_argument("--data", nargs="+", choices=["tutorial", "normal"], default=["tutorial", "normal"])
ap.add_argument("--repeats", type=int, default=2, help="heatmill runs per case (best kept)")
args = ap.parse_args()
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import peak_of  # noqa: E402
from bench_vs_seaborn import tutorial_matrix  # noqa: E402


def matrix(kind: str, n: int):
    if kind == "tutorial":
        return tutorial_matrix(n, 20)
    return np.random.default_rng(n).standard_normal((n, 20))


rows = []
with tempfile.TemporaryDirectory() as tmp:
    for kind, n in [(k, n) for k in args.data for n in args.sizes]:
        X = matrix(kind, n)
        df = pd.DataFrame(X, index=[f"g{i}" for i in range(n)], columns=[f"s{j}" for j in range(20)])
        path = Path(tmp) / f"x{n}.parquet"
        df.rename_axis("gene").reset_index().to_parquet(path)
        out = Path(tmp) / "z.npy"
        order = Path(tmp) / "o.tsv"
        best = None
        for _ in range(max(1, args.repeats)):
            wall, rss, err = peak_of(
                [args.heatmill, "linkage", str(path), "-o", str(out), "--optimal-ordering", "--order", str(order), "--timings"]
            )
            t = json.loads(err.split("timings: ", 1)[1].splitlines()[0])
            if best is None or wall < best[0]:
                best = (wall, rss, t)
        wall, rss, t = best
        ours = [int(l.split("\t")[0]) for l in order.read_text().splitlines()[1:]]  # header: index, label
        if n <= args.scipy_max:
            Z = linkage(X, "average")
            D = pdist(X)
            t0 = time.perf_counter()
            Zo = optimal_leaf_ordering(Z, D)
            t_scipy = time.perf_counter() - t0
            same = "yes" if ours == leaves_list(Zo).tolist() else "NO"
            ratio = f"{t_scipy / t['order']:.1f}x"
            t_scipy = f"{t_scipy:.3f}"
        else:
            t_scipy, ratio, same = "–", "–", "–"
        rows.append((kind, n, t_scipy, t["order"], ratio, same, wall, rss))
        print(f"{kind} n={n}: scipy {t_scipy} s, heatmill order {t['order']:.3f} s ({ratio}), same order: {same}; "
              f"heatmill process {wall:.2f} s, peak {rss:.0f} MiB", flush=True)

print(f"\nbest of {args.repeats} heatmill runs (whole process) per case")
print("\n| data | n | scipy optimal_leaf_ordering s | heatmill order stage s | ratio | identical leaf order | heatmill process s | peak RSS MiB |")
print("|---|---:|---:|---:|---:|---|---:|---:|")
for kind, n, a, b, r, same, wall, rss in rows:
    print(f"| {kind} | {n} | {a} | {b:.3f} | {r} | {same} | {wall:.2f} | {rss:.0f} |")
