"""bench_splits.py — splits and k-means rows at size, beside scikit-learn in one run.

Usage (from the repo root):
    cargo build --release
    bash scripts/pyenv.sh && scripts/.venv/bin/python scripts/bench_splits.py \
        --heatmill target/release/heatmill [--rows 20000] [--cols 50] [--k 10]

Makes a rows x cols matrix (standard normal, k planted modules of rows, each up
by 2 in its own tenth of the columns), written as Parquet with a module table,
then times, each in a fresh process with its peak resident memory
(/usr/bin/time's %M):
  - heatmill clustermap (average linkage of the whole axis),
  - the same with row_split by module (each slice clustered alone, slices
    ordered by the tree of their means),
  - the same with kmeans_rows = k (k-means, then each cluster clustered alone),
  - scikit-learn's KMeans(n_clusters=k, n_init=1, algorithm="lloyd") fit on the
    same matrix (what kmeans_rows' own stage does), in this process.
heatmill's --timings gives its k-means stage alone. Prints one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import cpu_model, git_rev  # noqa: E402


def run(cmd: list[str]) -> dict:
    # /usr/bin/time -f %M: the peak of heatmill alone (a child forked from
    # this Python process would start its ru_maxrss at Python's size).
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "maxrss_kb %M", *cmd], capture_output=True,
                       text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{p.stderr}")
    timings, rss = {}, float("nan")
    for line in p.stderr.splitlines():
        if line.startswith("timings: "):
            timings = json.loads(line[len("timings: "):])
        if line.startswith("maxrss_kb "):
            rss = int(line.split()[1]) / 1024
    return {"seconds": round(wall, 3), "peak_rss_mb": round(rss, 1), "stages": timings}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--heatmill", required=True)
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--cols", type=int, default=50)
    ap.add_argument("--k", type=int, default=10)
    a = ap.parse_args()
    n, d, k = a.rows, a.cols, a.k
    rng = np.random.default_rng(16)
    x = rng.standard_normal((n, d))
    module = np.arange(n) % k
    for m in range(k):
        cols = slice(m * d // k, (m + 1) * d // k)
        x[np.ix_(module == m, np.arange(d)[cols])] += 2.0
    genes = [f"g{i}" for i in range(n)]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        df = pd.DataFrame(x, index=pd.Index(genes, name="gene"),
                          columns=[f"s{j}" for j in range(d)])
        df.reset_index().to_parquet(tmp / "m.parquet")
        pd.DataFrame({"gene": genes, "module": [f"m{m}" for m in module]}).to_csv(
            tmp / "genes.tsv", sep="\t", index=False)
        base = [a.heatmill, "clustermap", str(tmp / "m.parquet"), "-o", str(tmp / "f.png"),
                "--timings", "--yticklabels", "none", "--xticklabels", "none"]
        out = {"rows": n, "cols": d, "k": k, "cpu": cpu_model(), "cpus": os.cpu_count(),
               "revision": git_rev()}
        out["heatmill_clustermap"] = run(base)
        out["heatmill_row_split"] = run(base + ["--row-split", f"{tmp / 'genes.tsv'}:module"])
        out["heatmill_kmeans_rows"] = run(base + ["--kmeans-rows", str(k)])
        from sklearn import __version__ as skv
        from sklearn.cluster import KMeans
        t = time.perf_counter()
        km = KMeans(n_clusters=k, n_init=1, algorithm="lloyd", random_state=1).fit(x)
        out["sklearn_kmeans_fit"] = {"seconds": round(time.perf_counter() - t, 3),
                                     "n_iter": int(km.n_iter_), "version": skv}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
