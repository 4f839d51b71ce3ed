"""Optimal leaf ordering: heatmill vs scipy on the same data, one run.

    bash scripts/pyenv.sh && HEATMILL=target/release/heatmill \\
        scripts/.venv/bin/python scripts/bench_olo.py [--sizes 1000 2000 4000]

For each n: n x 20 standard-normal rows, average linkage; times scipy's
`optimal_leaf_ordering(Z, pdist(X))` and heatmill's `order` stage
(`heatmill linkage --optimal-ordering --timings`), and checks that the leaf
orders are identical.
"""
import argparse
import json
import os
import subprocess
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
args = ap.parse_args()

rows = []
with tempfile.TemporaryDirectory() as tmp:
    for n in args.sizes:
        rng = np.random.default_rng(n)
        X = rng.standard_normal((n, 20))
        df = pd.DataFrame(X, index=[f"g{i}" for i in range(n)], columns=[f"s{j}" for j in range(20)])
        path = Path(tmp) / f"x{n}.parquet"
        df.rename_axis("gene").reset_index().to_parquet(path)
        Z = linkage(X, "average")
        D = pdist(X)
        t0 = time.perf_counter()
        Zo = optimal_leaf_ordering(Z, D)
        t_scipy = time.perf_counter() - t0
        out = Path(tmp) / "z.npy"
        order = Path(tmp) / "o.tsv"
        r = subprocess.run(
            [args.heatmill, "linkage", str(path), "-o", str(out), "--optimal-ordering", "--order", str(order), "--timings"],
            capture_output=True, text=True, check=True,
        )
        t = json.loads(r.stderr.split("timings: ", 1)[1])
        ours = [int(l.split("\t")[0]) for l in order.read_text().splitlines()[1:]]  # header: index, label
        same = ours == leaves_list(Zo).tolist()
        rows.append((n, t_scipy, t["order"], t_scipy / t["order"], same))
        print(f"n={n}: scipy {t_scipy:.3f} s, heatmill {t['order']:.3f} s, {t_scipy / t['order']:.1f}x, same order: {same}", flush=True)

print("\n| n | scipy optimal_leaf_ordering s | heatmill order stage s | ratio | identical leaf order |")
print("|---:|---:|---:|---:|---|")
for n, a, b, r, same in rows:
    print(f"| {n} | {a:.3f} | {b:.3f} | {r:.1f}x | {'yes' if same else 'NO'} |")
