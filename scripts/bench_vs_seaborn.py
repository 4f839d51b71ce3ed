"""bench_vs_seaborn.py — heatmill's figures side by side with seaborn's.

Usage (from the repo root; the wrapper sets up the venv and builds heatmill):
    bash scripts/bench_vs_seaborn.sh [--quick] [--repeats N] [--batch-n N] [--skip-corr-cluster]
    bash scripts/bench_vs_seaborn.sh --only "clustermap 20000x50" --name vs_seaborn_cm20k
    HEATMILL=/path/to/heatmill bash scripts/bench_vs_seaborn.sh --quick
or directly, with an existing venv and binary:
    scripts/.venv/bin/python scripts/bench_vs_seaborn.py --heatmill target/release/heatmill

Data: the seaborn tutorial's recipe scaled to any size —
    np.random.seed(42); X = np.random.randn(n_genes, n_samples)
    X[:n_genes//3, :n_samples//2] += 2.5; X[n_genes//3:2*n_genes//3, n_samples//2:] += 2.0
rows Gene_1.., columns Sample_1.., groups Tumor (first half) / Normal (second half);
30x12 is exactly data-samples/seed.parquet. Each case's matrix is written once as Parquet
(string "gene" column first, then float64 columns); both sides read that file.

Cases (quick: the first size of each, no corr clustermap, batch N=20, 1 repeat):
    heatmap 30x12            sns.heatmap(df, cmap='RdBu_r', center=0, xticklabels=True,
                             yticklabels=True, linewidths=.5), figsize 10x8,
                             plt.tight_layout() as in the tutorial
                             vs heatmill heatmap --cmap RdBu_r --center 0 --xticklabels all
                             --yticklabels all --linewidths 0.5 --figsize 10,8
    clustermap 1000x100, 5000x100, 20000x50
                             sns.clustermap(df, method='ward', cmap='RdBu_r', center=0,
                             figsize=(10,10)) (fastcluster installed: seaborn calls
                             fastcluster.linkage_vector for ward)
                             vs heatmill clustermap --method ward --cmap RdBu_r --center 0
                             --figsize 10,10
    corrmap 2000x200, 5000x200
                             corr; mask = np.triu(np.ones_like(corr, bool), k=1);
                             sns.heatmap(corr, mask=mask, cmap='coolwarm', center=0,
                             square=True, cbar_kws={'shrink': .8, 'label': 'Pearson r'}),
                             figsize 10x8, plt.tight_layout() as in the tutorial; corr two ways: `df.T.corr()` (pandas) and
                             `pd.DataFrame(np.corrcoef(df.values), ...)` (numpy); the
                             faster is the reference
                             vs heatmill corrmap --mask upper --cbar-shrink 0.8 --figsize 10,8
    clustermap 200000x50     heatmill clustermap --method ward ... only: seaborn's
                             fastcluster.linkage_vector would take ~1.6 h (O(n^2 d),
                             359 s at 50 000), pheatmap/ComplexHeatmap 160 GB of distances
    masked corrmap 10000x50, 20000x50, 100000x50
                             heatmill corrmap --mask upper --cbar-shrink 0.8 --figsize 10,8
                             only: seaborn is not run (it would need ~15 float64 copies
                             of the n x n matrix: 12 GB at 10 000 genes, 1.2 TB at 100 000)
    clustered corrmap ward|average 2000x50, 4000x50, 10000x50, 20000x50
                             heatmill corrmap --cluster --method M --figsize 10,10 vs
                             sns.clustermap(np.corrcoef -> DataFrame, method=M, ...) at
                             2000 and 4000 (one fresh run; leaf order and merge heights
                             compared with --export-dir), seaborn marked infeasible above
    corr clustermap 4000x200 (optional, full run only; killed after --corr-cluster-timeout s)
                             sns.clustermap(np.corrcoef -> DataFrame, cmap='coolwarm',
                             center=0, figsize=(10,10)) (average/euclidean, rows AND cols)
                             vs heatmill corrmap --cluster --figsize 10,10 (clusters the
                             rows of R once, average/euclidean, same order on both axes)
    batch N x 3              the tutorial's three figures for N datasets (30x12, seeds
                             42..42+N-1) — one Python process looping over the files
                             (SNS_BATCH_SCRIPT below) vs `heatmill run CONFIG.toml` with a
                             generated config (glob dataset, samples table for col_colors);
                             plus `heatmill run` again with everything up to date, and one
                             run with --threads 1

Timing:
    heatmill wall s       whole process (`/usr/bin/time heatmill ...`), best of --repeats
                          (default 2); includes start-up, Parquet read, render, PNG write
    seaborn warm s        seaborn call + fig.savefig(png, dpi=100) timed with perf_counter
                          in ONE long-lived Python worker that has imported seaborn and
                          drawn a warm-up figure; data already in memory as a DataFrame;
                          best of --repeats when one run takes < 5 s, else a single run
    seaborn fresh         each seaborn case once more in a fresh Python process under
                          /usr/bin/time: its peak RSS, its wall time, and the
                          call+savefig time it prints itself (imports and Parquet read
                          excluded; first figure of the process, so no warm-up)
    ratio                 seaborn warm s / heatmill wall s (>1: heatmill is faster)
    batch                 both sides are whole processes (seaborn: python start-up and
                          imports included; its in-loop time is reported too)

All figures are saved with plain Figure.savefig(png, dpi=100) (no bbox_inches='tight',
which seaborn's ClusterGrid.savefig would add), so both sides produce figsize x 100 px.

Outputs: Markdown on stdout and in bench-results/vs_seaborn.md; every number (each
repeat, heatmill --timings stages, seaborn stages, machine and library info) in
bench-results/vs_seaborn.json; one PNG per tool and case in bench-results/vs_seaborn_png/.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import cpu_model, git_rev  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GNU_TIME = "/usr/bin/time"
RESULT_TAG = "@@RESULT "
SEED = 42

HEATMAP_SIZES = [(30, 12)]
CLUSTERMAP_SIZES = [(1000, 100), (5000, 100), (20000, 50)]
CORRMAP_SIZES = [(2000, 200), (5000, 200)]
CORR_CLUSTER_SIZE = (4000, 200)
# Clustered correlation maps (#18): heatmill clusters the rows of R as points
# in p dimensions and streams the picture; seaborn is run where it can be
# (clustermap(df.corr(), method=...): pdist of the n-dimensional rows of R,
# rows and columns) and its leaf order and heights compared with heatmill's.
SCALE_CORR_CLUSTER_SIZES = [(2000, 50), (4000, 50), (10000, 50), (20000, 50)]
SCALE_CORR_CLUSTER_SEABORN_MAX = 4000
# seaborn's clustermap of 4000x200 peaked at 2174 MB (bench-results/
# vs_seaborn_corr_cluster.md): ~17 float64 copies of the n x n matrix.


def seaborn_corr_clustermap_bytes(n: int) -> float:
    """What seaborn's clustermap(df.corr()) of n genes needs (~17 n x n float64)."""
    return 17 * n * n * 8
# Masked correlation maps beyond seaborn's reach (#18): heatmill streams the
# picture; seaborn needs ~15 float64 copies of the n x n matrix (corr, mask,
# matplotlib's masked array, colours): 12 GB at 10 000 genes, measured.
SCALE_CORRMAP_SIZES = [(10000, 50), (20000, 50), (100000, 50)]


# Clustermaps beyond seaborn's reach in time (#18): seaborn's ward is
# fastcluster.linkage_vector, O(n^2 d) time: 359 s at 50 000 x 50 here
# (bench-results/ward200k_profile.md), so ~16x that at 200 000; pheatmap and
# ComplexHeatmap would store the n(n-1)/2 distances (160 GB at 200 000).
SCALE_CLUSTERMAP_SIZES = [(200000, 50)]
FASTCLUSTER_VECTOR_50K_S = 359.0


def seaborn_corrmap_bytes(n: int) -> float:
    """What seaborn's masked corrmap of n genes needs (15 n x n float64)."""
    return 15 * n * n * 8
BATCH_N = 200
BATCH_N_QUICK = 20
SLOW_S = 5.0  # seaborn warm cases slower than this are run once


# ====================================================================== seaborn side
# Everything in this section runs in the seaborn worker processes, never in the
# orchestrator (which stays small and does not import matplotlib).


def _sns_import():
    t0 = time.perf_counter()
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd
    import seaborn as sns
    return time.perf_counter() - t0, plt, np, pd, sns


def _sns_read(pd, path: str):
    df = pd.read_parquet(path).set_index("gene")
    df.index.name = None  # like the tutorial's expr_df (no index name, no axis label)
    return df


def _sns_case(spec: dict, df, plt, np, pd, sns) -> dict:
    """One timed seaborn figure. Returns stage times; 'total' is the reference time."""
    kind, out = spec["kind"], spec["output"]
    st: dict[str, float] = {}
    if kind == "heatmap":
        t0 = time.perf_counter()
        fig = plt.figure(figsize=(10, 8))
        sns.heatmap(df, cmap="RdBu_r", center=0, xticklabels=True, yticklabels=True,
                    linewidths=.5)
        t1 = time.perf_counter()
        plt.tight_layout()  # the tutorial's layout (heatmill lays out the same way)
        t2 = time.perf_counter()
        fig.savefig(out, dpi=100)
        t3 = time.perf_counter()
        plt.close(fig)
        st = {"call": t1 - t0, "layout": t2 - t1, "savefig": t3 - t2, "total": t3 - t0}
    elif kind == "clustermap":
        t0 = time.perf_counter()
        g = sns.clustermap(df, method="ward", cmap="RdBu_r", center=0, figsize=(10, 10))
        t1 = time.perf_counter()
        g.figure.savefig(out, dpi=100)
        t2 = time.perf_counter()
        plt.close(g.figure)
        st = {"call": t1 - t0, "savefig": t2 - t1, "total": t2 - t0}
        if spec.get("leaves_out"):  # leaf orders for the parity check (untimed)
            with open(spec["leaves_out"], "w") as f:
                json.dump({"rows": [int(i) for i in g.dendrogram_row.reordered_ind],
                           "cols": [int(i) for i in g.dendrogram_col.reordered_ind]}, f)
    elif kind == "corrmap":
        variant = spec["corr"]  # "numpy", "pandas", or "both" (pandas timed, numpy drawn)
        if variant == "both":
            t0 = time.perf_counter()
            c = df.T.corr()
            st["corr_pandas"] = time.perf_counter() - t0
            del c
            gc.collect()
        t0 = time.perf_counter()
        if variant == "pandas":
            corr = df.T.corr()
        else:
            corr = pd.DataFrame(np.corrcoef(df.to_numpy()), index=df.index,
                                columns=df.index)
        t1 = time.perf_counter()
        mask = np.triu(np.ones_like(corr, dtype=bool), k=1)
        fig = plt.figure(figsize=(10, 8))
        sns.heatmap(corr, mask=mask, cmap="coolwarm", center=0, square=True,
                    cbar_kws={"shrink": .8, "label": "Pearson r"})
        t2 = time.perf_counter()
        plt.tight_layout()  # the tutorial's layout (heatmill lays out the same way)
        t3 = time.perf_counter()
        fig.savefig(out, dpi=100)
        t4 = time.perf_counter()
        plt.close(fig)
        st.update({"corr_" + ("pandas" if variant == "pandas" else "numpy"): t1 - t0,
                   "call": t2 - t1, "layout": t3 - t2, "savefig": t4 - t3,
                   "render": t4 - t1, "total": t4 - t0})
        if variant == "both":
            st["total_pandas_composed"] = st["corr_pandas"] + st["render"]
    elif kind == "corr_clustermap":
        t0 = time.perf_counter()
        corr = pd.DataFrame(np.corrcoef(df.to_numpy()), index=df.index, columns=df.index)
        t1 = time.perf_counter()
        g = sns.clustermap(corr, method=spec.get("method", "average"), cmap="coolwarm",
                           center=0, figsize=(10, 10))
        t2 = time.perf_counter()
        g.figure.savefig(out, dpi=100)
        t3 = time.perf_counter()
        plt.close(g.figure)
        st = {"corr_numpy": t1 - t0, "call": t2 - t1, "savefig": t3 - t2, "total": t3 - t0}
        if spec.get("leaves_out"):  # leaf order and heights for the parity check (untimed)
            with open(spec["leaves_out"], "w") as f:
                json.dump({"rows": [int(i) for i in g.dendrogram_row.reordered_ind],
                           "heights": [float(h) for h in g.dendrogram_row.linkage[:, 2]]}, f)
    else:
        raise ValueError(f"unknown seaborn case kind {kind!r}")
    return st


def _sns_warmup(plt, np, pd, sns, tmpdir: str) -> float:
    t0 = time.perf_counter()
    rs = np.random.RandomState(0)
    df = pd.DataFrame(rs.randn(12, 6), index=[f"g{i}" for i in range(12)],
                      columns=[f"s{j}" for j in range(6)])
    _sns_case({"kind": "heatmap", "output": os.path.join(tmpdir, "warm1.png")},
              df, plt, np, pd, sns)
    _sns_case({"kind": "clustermap", "output": os.path.join(tmpdir, "warm2.png")},
              df, plt, np, pd, sns)
    _sns_case({"kind": "corrmap", "corr": "numpy",
               "output": os.path.join(tmpdir, "warm3.png")}, df, plt, np, pd, sns)
    plt.close("all")
    gc.collect()
    return time.perf_counter() - t0


def sns_worker_main() -> int:
    """Persistent warm worker: one JSON case per stdin line, one tagged JSON per reply."""
    imp, plt, np, pd, sns = _sns_import()
    with tempfile.TemporaryDirectory(prefix="sns-warm-") as td:
        warm = _sns_warmup(plt, np, pd, sns, td)
    print(RESULT_TAG + json.dumps({"ready": True, "import_s": imp, "warmup_s": warm}),
          flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        spec = json.loads(line)
        try:
            t0 = time.perf_counter()
            df = _sns_read(pd, spec["input"])
            read_s = time.perf_counter() - t0
            runs = []
            for i in range(spec.get("max_repeats", 1)):
                runs.append(_sns_case(spec, df, plt, np, pd, sns))
                gc.collect()
                if runs[0]["total"] >= spec.get("slow_s", SLOW_S):
                    break
            del df
            gc.collect()
            reply = {"read_s": read_s, "runs": runs}
        except Exception:  # noqa: BLE001 — report, keep serving
            plt.close("all")
            reply = {"error": traceback.format_exc()}
        print(RESULT_TAG + json.dumps(reply), flush=True)
    return 0


def sns_fresh_main(spec_json: str) -> int:
    """One case in a fresh process (run under /usr/bin/time by the orchestrator)."""
    spec = json.loads(spec_json)
    imp, plt, np, pd, sns = _sns_import()
    t0 = time.perf_counter()
    df = _sns_read(pd, spec["input"])
    read_s = time.perf_counter() - t0
    st = _sns_case(spec, df, plt, np, pd, sns)
    print(RESULT_TAG + json.dumps({"import_s": imp, "read_s": read_s, "stages": st}),
          flush=True)
    return 0


# The tutorial's three figures for every dataset, in one Python process. Written into
# the batch directory and run as `python sns_batch.py DATA_DIR SAMPLES.tsv OUT_DIR`.
SNS_BATCH_SCRIPT = r'''
import sys, time, json
t_start = time.perf_counter()
from pathlib import Path
import numpy as np
import pandas as pd
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import seaborn as sns
t_imported = time.perf_counter()

data_dir, samples_tsv, out_dir = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
samples = pd.read_csv(samples_tsv, sep="\t", index_col=0)
palette = {"Tumor": "#e63946", "Normal": "#457b9d"}
n_figs = 0
for path in sorted(data_dir.glob("*.parquet")):
    expr_df = pd.read_parquet(path).set_index("gene")
    expr_df.index.name = None
    out = out_dir / path.stem
    out.mkdir(parents=True, exist_ok=True)

    # 1. heatmap
    plt.figure(figsize=(10, 8))
    sns.heatmap(expr_df, cmap='RdBu_r', center=0, xticklabels=True,
                yticklabels=True, linewidths=0.5)
    plt.title('Gene Expression Heatmap')
    plt.xlabel('Samples')
    plt.ylabel('Genes')
    plt.tight_layout()
    plt.savefig(out / "heatmap.png", dpi=100)
    plt.close()

    # 2. clustered heatmap with sample colours
    col_colors = samples.loc[expr_df.columns, "group"].map(palette)
    g = sns.clustermap(expr_df, cmap='RdBu_r', center=0, figsize=(10, 10),
                       col_colors=col_colors, method='ward', linewidths=0.3,
                       dendrogram_ratio=0.15)
    g.ax_heatmap.set_xlabel('Samples')
    g.ax_heatmap.set_ylabel('Genes')
    g.figure.suptitle('Clustered Gene Expression Heatmap')
    g.figure.savefig(out / "clustermap.png", dpi=100)
    plt.close(g.figure)

    # 3. masked gene-gene correlation map
    corr = expr_df.T.corr()
    mask = np.triu(np.ones_like(corr, dtype=bool), k=1)
    plt.figure(figsize=(10, 8))
    sns.heatmap(corr, mask=mask, cmap='coolwarm', center=0, square=True,
                linewidths=0.5, cbar_kws={'shrink': 0.8, 'label': 'Pearson r'})
    plt.title('Gene-Gene Correlation Matrix')
    plt.tight_layout()
    plt.savefig(out / "corrmap.png", dpi=100)
    plt.close()
    n_figs += 3

t_end = time.perf_counter()
print("@@RESULT " + json.dumps({"import_s": t_imported - t_start,
                                "loop_s": t_end - t_imported, "n_figs": n_figs}))
'''

BATCH_CONFIG = """# generated by scripts/bench_vs_seaborn.py: the tutorial's three figures
# (as configs/seed.toml) for every Parquet file in data/
[output]
dir = "out"
formats = ["png"]

[defaults]
cmap = "RdBu_r"
center = 0

[[dataset]]
path = "data/*.parquet"
col_colors = ["samples.tsv:group"]

[[figure]]
name = "heatmap"
kind = "heatmap"
xticklabels = "all"
yticklabels = "all"
linewidths = 0.5
title = "Gene Expression Heatmap"
xlabel = "Samples"
ylabel = "Genes"
figsize = [10, 8]

[[figure]]
name = "clustermap"
kind = "clustermap"
method = "ward"
linewidths = 0.3
dendrogram_ratio = [0.15, 0.15]
figsize = [10, 10]
xlabel = "Samples"
ylabel = "Genes"
title = "Clustered Gene Expression Heatmap"
palette = { Tumor = "#e63946", Normal = "#457b9d" }

[[figure]]
name = "corrmap"
kind = "corrmap"
cmap = "coolwarm"
mask = "upper"
square = true
linewidths = 0.5
cbar_shrink = 0.8
cbar_label = "Pearson r"
title = "Gene-Gene Correlation Matrix"
figsize = [10, 8]
"""


# ====================================================================== orchestrator


def tutorial_matrix(n: int, p: int, seed: int = SEED):
    import numpy as np
    np.random.seed(seed)
    x = np.random.randn(n, p)
    x[:n // 3, :p // 2] += 2.5
    x[n // 3:2 * n // 3, p // 2:] += 2.0
    return x


def write_parquet(x, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq
    n, p = x.shape
    cols = {"gene": pa.array([f"Gene_{i + 1}" for i in range(n)], pa.string())}
    for j in range(p):
        cols[f"Sample_{j + 1}"] = pa.array(x[:, j], pa.float64())
    pq.write_table(pa.table(cols), path, compression="snappy")


def write_samples(p: int, path: Path) -> None:
    with open(path, "w", newline="\n") as f:
        f.write("sample\tgroup\n")
        for j in range(p):
            f.write(f"Sample_{j + 1}\t{'Tumor' if j < p // 2 else 'Normal'}\n")


def machine_info(heatmill: str) -> dict:
    from importlib.metadata import version
    try:
        hm_version = subprocess.run([heatmill, "--version"], capture_output=True,
                                    text=True).stdout.strip()
    except OSError:
        hm_version = "unknown"
    libs = {}
    for name in ("numpy", "scipy", "pandas", "pyarrow", "matplotlib", "seaborn",
                 "fastcluster", "pillow"):
        try:
            libs[name] = version(name)
        except Exception:  # noqa: BLE001
            libs[name] = None
    try:
        import numpy  # noqa: F401
        from threadpoolctl import threadpool_info
        blas = [{k: lib.get(k) for k in ("user_api", "internal_api", "version",
                                         "architecture", "num_threads", "filepath")}
                for lib in threadpool_info()]
    except ImportError:
        blas = []
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "mem_total_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
                              / 2**30, 1),
        "loadavg_at_start": list(os.getloadavg()),
        "python": platform.python_version(),
        "libs": libs,
        "blas": blas,
        "matplotlib_backend": "Agg",
        "heatmill": heatmill,
        "heatmill_version": hm_version,
        # The git revision below is the work tree's; the binary may be older.
        "heatmill_mtime": datetime.fromtimestamp(os.stat(heatmill).st_mtime, timezone.utc)
        .isoformat(timespec="seconds"),
        "git": git_rev(),
        "rss_method": "gnu-time" if os.access(GNU_TIME, os.X_OK) else "python-wait4",
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                                "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                                "RAYON_NUM_THREADS", "MPLBACKEND")},
    }


# Fallback when GNU time is missing (see bench_core.py for why a wrapper is needed).
RSS_WRAPPER = """
import json, os, subprocess, sys, time
t0 = time.perf_counter()
p = subprocess.Popen(sys.argv[2:])
_, status, ru = os.wait4(p.pid, 0)
wall = time.perf_counter() - t0
with open(sys.argv[1], "w") as f:
    json.dump({"wall": wall, "maxrss_kb": ru.ru_maxrss}, f)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(cmd: list[str], timeout: float | None = None) -> dict:
    """Run cmd under GNU time: wall s, peak RSS MB, rc, stdout, stderr (or timeout)."""
    with tempfile.NamedTemporaryFile("w+", suffix=".rss") as rss:
        gnu_time = os.access(GNU_TIME, os.X_OK)
        if gnu_time:
            full = [GNU_TIME, "-f", "%M", "-o", rss.name, *cmd]
        else:
            full = [sys.executable, "-c", RSS_WRAPPER, rss.name, *cmd]
        t0 = time.perf_counter()
        proc = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return {"cmd": cmd, "timeout": True, "wall": time.perf_counter() - t0,
                    "rc": None, "rss_mb": None, "stdout": "", "stderr": ""}
        wall = time.perf_counter() - t0
        rss_mb = None
        try:
            text = Path(rss.name).read_text().strip()
            if gnu_time:
                rss_mb = int(text.splitlines()[-1]) / 1024.0
            else:
                rep = json.loads(text)
                wall, rss_mb = rep["wall"], rep["maxrss_kb"] / 1024.0
        except (ValueError, IndexError, OSError):
            pass
    return {"cmd": cmd, "timeout": False, "wall": wall, "rc": proc.returncode,
            "rss_mb": rss_mb, "stdout": out, "stderr": err}


def tagged(stdout: str) -> dict | None:
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_TAG):
            return json.loads(line[len(RESULT_TAG):])
    return None


# R side (#18): pheatmap and ComplexHeatmap on the clustermap cases, ward.D2
# (= scipy's ward) on Euclidean rows and columns, 1000 x 1000 px PNG. Each is one
# Rscript process, end to end (R start-up, TSV read, clustering, drawing), under
# /usr/bin/time; the script also reports its own read and cluster+draw times.
# ComplexHeatmap rasterises matrices of more than 2 000 rows; its default
# rasteriser (magick) wrote an empty frame here and failed, so it rasterises
# through R's own png device (`raster_by_magick = FALSE`).
R_TIMEOUT_S = 900.0
R_SCRIPTS = {
    "pheatmap": """
suppressPackageStartupMessages(library(pheatmap))
a <- commandArgs(TRUE); t0 <- proc.time()[["elapsed"]]
x <- as.matrix(read.delim(a[1], row.names = 1, check.names = FALSE))
t1 <- proc.time()[["elapsed"]]
pheatmap(x, clustering_method = "ward.D2", show_rownames = FALSE,
         filename = a[2], width = 10, height = 10)
t2 <- proc.time()[["elapsed"]]
cat(sprintf("@@RESULT {\\"read\\": %f, \\"cluster_draw\\": %f}\\n", t1 - t0, t2 - t1))
""",
    "ComplexHeatmap": """
suppressPackageStartupMessages(library(ComplexHeatmap))
a <- commandArgs(TRUE); t0 <- proc.time()[["elapsed"]]
x <- as.matrix(read.delim(a[1], row.names = 1, check.names = FALSE))
t1 <- proc.time()[["elapsed"]]
png(a[2], width = 1000, height = 1000)
draw(Heatmap(x, clustering_method_rows = "ward.D2", clustering_method_columns = "ward.D2",
             show_row_names = FALSE, use_raster = TRUE, raster_by_magick = FALSE))
invisible(dev.off())
t2 <- proc.time()[["elapsed"]]
cat(sprintf("@@RESULT {\\"read\\": %f, \\"cluster_draw\\": %f}\\n", t1 - t0, t2 - t1))
""",
}


def r_cases(inp: Path, tmp: Path, slug: str, pngdir: Path, timeout: float) -> dict:
    """pheatmap and ComplexHeatmap on the case's matrix (a TSV written untimed)."""
    rscript = shutil.which("Rscript")
    if not rscript:
        return {tool: {"ok": False, "not_installed": "Rscript"} for tool in R_SCRIPTS}
    import pandas as pd
    tsv = tmp / f"{slug}.tsv"
    pd.read_parquet(inp).set_index("gene").to_csv(tsv, sep="\t")
    out = {}
    for tool, code in R_SCRIPTS.items():
        script, png = tmp / f"{slug}_{tool}.R", tmp / f"{slug}_{tool}.png"
        script.write_text(code)
        print(f"[bench]   R {tool} ...", file=sys.stderr, flush=True)
        r = run_measured([rscript, str(script), str(tsv), str(png)], timeout=timeout)
        rep = tagged(r["stdout"]) if not r["timeout"] else None
        res = {"wall": r["wall"], "rss_mb": r["rss_mb"], "rc": r["rc"],
               "timeout": r["timeout"], "ok": r["rc"] == 0 and rep is not None,
               "stages": rep}
        if not res["ok"] and not r["timeout"]:
            res["error"] = (r["stderr"] + r["stdout"])[-4000:]
            if "there is no package called" in res["error"]:
                res["not_installed"] = tool
        if png.exists():
            res["png"] = png_info(png)
            shutil.copyfile(png, pngdir / f"{slug}_{tool}.png")
        out[tool] = res
    return out


def run_heatmill(cmd: list[str], repeats: int, before_each=None) -> dict:
    """Best-of-`repeats` heatmill process; failures are recorded, not raised."""
    runs = []
    for _ in range(repeats):
        if before_each:
            before_each()
        r = run_measured(cmd)
        stages = None
        for line in r["stderr"].splitlines():
            if line.startswith("timings: "):
                try:
                    stages = json.loads(line[len("timings: "):])
                except ValueError:
                    pass
        run = {"wall": r["wall"], "rss_mb": r["rss_mb"], "rc": r["rc"], "stages": stages}
        if r["rc"] != 0:
            run["stderr"] = r["stderr"][-4000:]
            runs.append(run)
            print(f"[bench] heatmill FAILED ({r['rc']}): {' '.join(cmd)}\n{r['stderr']}",
                  file=sys.stderr, flush=True)
            break
        runs.append(run)
    ok = [r for r in runs if r["rc"] == 0]
    res = {"cmd": cmd, "runs": runs, "ok": len(ok) == len(runs) and bool(ok)}
    if ok:
        best = min(ok, key=lambda r: r["wall"])
        res.update({"wall": best["wall"], "rss_mb": max(r["rss_mb"] or 0 for r in ok),
                    "best_stages": best["stages"]})
    else:
        res["error"] = runs[-1].get("stderr", "") if runs else "not run"
    return res


class SnsWorker:
    """The long-lived warm seaborn process."""

    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--sns-worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.info = self._read()

    def _read(self) -> dict:
        for line in self.proc.stdout:
            if line.startswith(RESULT_TAG):
                return json.loads(line[len(RESULT_TAG):])
        raise RuntimeError(f"seaborn worker exited ({self.proc.wait()})")

    def run(self, spec: dict) -> dict:
        self.proc.stdin.write(json.dumps(spec) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=60)


def sns_fresh(spec: dict, timeout: float | None = None) -> dict:
    r = run_measured([sys.executable, str(Path(__file__).resolve()), "--sns-fresh",
                      json.dumps(spec)], timeout=timeout)
    res = {"wall": r["wall"], "rss_mb": r["rss_mb"], "rc": r["rc"],
           "timeout": r["timeout"]}
    rep = tagged(r["stdout"]) if not r["timeout"] else None
    if rep is None:
        res["error"] = ("timeout" if r["timeout"] else r["stderr"][-4000:])
        res["ok"] = False
    else:
        res.update(rep)
        res["ok"] = r["rc"] == 0
    return res


def png_info(path: Path) -> dict | None:
    try:
        import numpy as np
        from PIL import Image
        with Image.open(path) as im:
            a = np.asarray(im.convert("RGB"), dtype=np.int16)
            size, mode = im.size, im.mode
    except Exception as e:  # noqa: BLE001
        return {"error": str(e)}
    ink = float(np.mean(np.any(a < 235, axis=2)))  # share of pixels that aren't ~white
    mean = [round(float(v), 1) for v in a.reshape(-1, 3).mean(axis=0)]
    return {"width": size[0], "height": size[1], "mode": mode,
            "bytes": path.stat().st_size, "ink_fraction": round(ink, 3), "mean_rgb": mean}


# ---------------------------------------------------------------- cases


def leaf_order_check(args, inp: Path, export: Path, sns_leaves: Path) -> dict:
    """Untimed: heatmill clustermap --export-dir leaf orders vs seaborn's reordered_ind."""
    if not sns_leaves.exists():
        return {"ok": False, "detail": "no seaborn leaf orders"}
    r = run_measured([args.heatmill, "clustermap", str(inp), "-o", str(export / "x.png"),
                      "--method", "ward", "--export-dir", str(export)])
    if r["rc"] != 0:
        return {"ok": False, "detail": "heatmill --export-dir failed: " + r["stderr"][-500:]}
    sns_orders = json.loads(sns_leaves.read_text())
    out = {}
    for axis in ("rows", "cols"):
        tsv = export / f"{axis[:3]}_order.tsv"
        hm = [int(line.split("\t")[0]) for line in tsv.read_text().splitlines()[1:] if line]
        out[axis] = hm == sns_orders[axis]
    shutil.rmtree(export, ignore_errors=True)
    ok = all(out.values())
    return {"ok": ok, **out, "detail": "same leaf order as seaborn (rows, cols)" if ok else
            "leaf order differs: " + ", ".join(a for a, v in out.items() if not v)}


def corr_leaf_order_check(args, inp: Path, hm_opts: list[str], export: Path,
                          sns_leaves: Path) -> dict:
    """Untimed: heatmill corrmap --cluster --export-dir leaf order and merge
    heights vs seaborn's dendrogram_row (reordered_ind, linkage[:, 2])."""
    if not sns_leaves.exists():
        return {"ok": False, "detail": "no seaborn leaf order"}
    import numpy as np
    r = run_measured([args.heatmill, "corrmap", str(inp), "-o", str(export / "x.png"),
                      *hm_opts, "--export-dir", str(export)])
    if r["rc"] != 0:
        return {"ok": False, "detail": "heatmill --export-dir failed: " + r["stderr"][-500:]}
    sns = json.loads(sns_leaves.read_text())
    hm = [int(line.split("\t")[0])
          for line in (export / "order.tsv").read_text().splitlines()[1:] if line]
    h_hm = np.load(export / "linkage.npy")[:, 2]
    h_sns = np.asarray(sns["heights"])
    same = hm == sns["rows"]
    rel = float(np.max(np.abs(h_hm - h_sns) / np.maximum(np.abs(h_sns), 1e-300)))
    shutil.rmtree(export, ignore_errors=True)
    return {"ok": same, "rows": same, "max_rel_height_diff": rel,
            "detail": ("same leaf order as seaborn" if same else "leaf order differs")
            + f"; merge heights within {rel:.1e} relative"}


def figure_case(args, worker: SnsWorker, tmp: Path, pngdir: Path, name: str, kind: str,
                n: int, p: int, hm_opts: list[str], sns_spec: dict,
                warm: bool = True, fresh_timeout: float | None = None,
                infeasible: str | None = None) -> dict:
    slug = name.replace(" ", "_")
    print(f"[bench] {name} ...", file=sys.stderr, flush=True)
    load = list(os.getloadavg())
    inp = tmp / f"{slug}.parquet"
    write_parquet(tutorial_matrix(n, p), inp)
    hm_png = tmp / f"{slug}_heatmill.png"
    hm_cmd = [args.heatmill, kind, str(inp), "-o", str(hm_png), *hm_opts, "--timings"]
    hm = run_heatmill(hm_cmd, args.repeats)
    res = {"case": name, "kind": sns_spec["kind"], "n": n, "p": p, "loadavg": load,
           "heatmill": hm}

    sns_png = tmp / f"{slug}_seaborn.png"
    ref_variant = sns_spec.get("corr")
    if infeasible:
        # seaborn is not run: it cannot hold the matrices (the reason says
        # how much it would need).
        res["seaborn_fresh"] = {"ok": False, "infeasible": infeasible}
    elif warm:
        spec = dict(sns_spec, input=str(inp), output=str(sns_png),
                    max_repeats=args.repeats, slow_s=SLOW_S,
                    leaves_out=str(tmp / f"{slug}_leaves.json"))
        w = worker.run(spec)
        res["seaborn_warm"] = w
        if "error" in w:
            print(f"[bench] seaborn (warm) FAILED on {name}:\n{w['error']}",
                  file=sys.stderr, flush=True)
        else:
            w["best"] = min(r["total"] for r in w["runs"])
            if sns_spec["kind"] == "corrmap":
                numpy_best = w["best"]
                pandas_best = min(r["total_pandas_composed"] for r in w["runs"])
                w["variants"] = {"numpy": numpy_best, "pandas": pandas_best}
                ref_variant = "numpy" if numpy_best <= pandas_best else "pandas"
                w["reference_variant"] = ref_variant
                w["reference"] = w["variants"][ref_variant]
            else:
                w["reference"] = w["best"]
    fspec = dict(sns_spec, input=str(inp), output=str(tmp / f"{slug}_fresh.png"))
    if sns_spec["kind"] == "corr_clustermap":
        fspec["leaves_out"] = str(tmp / f"{slug}_leaves.json")
    if ref_variant:
        fspec["corr"] = ref_variant
    f = res["seaborn_fresh"] if infeasible else sns_fresh(fspec, timeout=fresh_timeout)
    res["seaborn_fresh"] = f
    if not f["ok"] and not infeasible:
        print(f"[bench] seaborn (fresh) {'TIMED OUT' if f['timeout'] else 'FAILED'} "
              f"on {name}: {f.get('error', '')}", file=sys.stderr, flush=True)
    if not warm and f["ok"]:
        sns_png = tmp / f"{slug}_fresh.png"
        res["seaborn_warm"] = {"runs": [f["stages"]], "best": f["stages"]["total"],
                               "reference": f["stages"]["total"],
                               "from_fresh_process": True}

    if sns_spec["kind"] == "clustermap" and not args.skip_r:
        res["r"] = r_cases(inp, tmp, slug, pngdir, args.r_timeout)
    if sns_spec["kind"] == "clustermap":
        res["leaf_order"] = leaf_order_check(args, inp, tmp / f"{slug}_export",
                                             tmp / f"{slug}_leaves.json")
    if sns_spec["kind"] == "corr_clustermap" and not infeasible:
        res["leaf_order"] = corr_leaf_order_check(args, inp, hm_opts, tmp / f"{slug}_export",
                                                  tmp / f"{slug}_leaves.json")

    # PNG sanity check, and keep one PNG per tool.
    res["png"] = {"heatmill": png_info(hm_png) if hm_png.exists() else None,
                  "seaborn": png_info(sns_png) if sns_png.exists() else None}
    for tool, src in (("heatmill", hm_png), ("seaborn", sns_png)):
        if src.exists():
            shutil.copyfile(src, pngdir / f"{slug}_{tool}.png")
    for pth in tmp.glob(f"{slug}*"):
        if pth.is_dir():
            shutil.rmtree(pth, ignore_errors=True)
        else:
            pth.unlink()
    gc.collect()
    return res


def batch_case(args, tmp: Path, pngdir: Path, n_sets: int) -> dict:
    name = f"batch {n_sets} datasets x 3 figures"
    print(f"[bench] {name} ...", file=sys.stderr, flush=True)
    bdir = tmp / "batch"
    (bdir / "data").mkdir(parents=True)
    for i in range(n_sets):
        write_parquet(tutorial_matrix(30, 12, SEED + i), bdir / "data" / f"ds_{i:04d}.parquet")
    write_samples(12, bdir / "samples.tsv")
    cfg = bdir / "config.toml"
    cfg.write_text(BATCH_CONFIG)
    (bdir / "sns_batch.py").write_text(SNS_BATCH_SCRIPT)
    n_figs = 3 * n_sets
    out = bdir / "out"
    res = {"case": name, "datasets": n_sets, "figures": n_figs,
           "loadavg": list(os.getloadavg())}

    def clean():
        shutil.rmtree(out, ignore_errors=True)

    hm = run_heatmill([args.heatmill, "run", str(cfg), "--quiet"], args.repeats,
                      before_each=clean)
    hm["pngs"] = len(list(out.glob("*/*.png")))
    if hm["ok"] and hm["pngs"] != n_figs:
        hm["ok"] = False
        hm["error"] = f"expected {n_figs} PNGs, found {hm['pngs']}"
    try:
        man = json.loads((out / "manifest.json").read_text())
        statuses: dict[str, int] = {}
        for job in man.get("jobs", {}).values():
            statuses[job.get("status")] = statuses.get(job.get("status"), 0) + 1
        hm["manifest_statuses"] = statuses
    except (OSError, ValueError) as e:
        hm["manifest_statuses"] = {"error": str(e)}
    res["heatmill"] = hm
    res["heatmill_rerun"] = run_heatmill([args.heatmill, "run", str(cfg)], args.repeats)
    if res["heatmill_rerun"]["ok"]:
        res["heatmill_rerun"]["stderr_tail"] = run_measured(
            [args.heatmill, "run", str(cfg)])["stderr"].strip().splitlines()[-1:]
    first = out / "ds_0000"
    keep = {}
    for fig in ("heatmap", "clustermap", "corrmap"):
        if (first / f"{fig}.png").exists():
            shutil.copyfile(first / f"{fig}.png", pngdir / f"batch_{fig}_heatmill.png")
            keep[fig] = png_info(first / f"{fig}.png")
    clean()
    res["heatmill_threads1"] = run_heatmill(
        [args.heatmill, "run", str(cfg), "--quiet", "--threads", "1"], 1, before_each=clean)
    clean()

    sout = bdir / "out_sns"
    r = run_measured([sys.executable, str(bdir / "sns_batch.py"), str(bdir / "data"),
                      str(bdir / "samples.tsv"), str(sout)])
    rep = tagged(r["stdout"])
    sn = {"wall": r["wall"], "rss_mb": r["rss_mb"], "rc": r["rc"],
          "ok": r["rc"] == 0 and rep is not None,
          "pngs": len(list(sout.glob("*/*.png")))}
    if rep:
        sn.update(rep)
    else:
        sn["error"] = r["stderr"][-4000:]
        print(f"[bench] seaborn batch FAILED:\n{r['stderr']}", file=sys.stderr, flush=True)
    res["seaborn"] = sn
    sfirst = sout / "ds_0000"
    res["png"] = {}
    for fig in ("heatmap", "clustermap", "corrmap"):
        res["png"][fig] = {"heatmill": keep.get(fig),
                           "seaborn": png_info(sfirst / f"{fig}.png")
                           if (sfirst / f"{fig}.png").exists() else None}
        if (sfirst / f"{fig}.png").exists():
            shutil.copyfile(sfirst / f"{fig}.png", pngdir / f"batch_{fig}_seaborn.png")
    shutil.rmtree(bdir, ignore_errors=True)
    return res


# ---------------------------------------------------------------- report


def fs(s) -> str:
    if s is None:
        return "–"
    return f"{s:.4f}" if s < 1 else f"{s:.3f}" if s < 100 else f"{s:.1f}"


def fm(mb) -> str:
    return "–" if mb is None else f"{mb:.0f}"


def markdown(info: dict, results: list[dict], batch: dict | None, args,
             skipped: list[str]) -> str:
    libs = info["libs"]
    blas = "; ".join(f"{Path(b['filepath'] or '?').parent.name}: {b['internal_api']} "
                     f"{b['version']} ({b['architecture']}, {b['num_threads']} threads)"
                     for b in info["blas"]) or "unknown"
    lines = [
        "# heatmill vs seaborn",
        "",
        f"- date: {info['date']}, work tree git {info['git']}, {info['heatmill_version']}"
        f" (`{info['heatmill']}`, built {info['heatmill_mtime']})",
        f"- machine: {info['nproc']} CPUs, {info['cpu']}, {info['mem_total_gb']} GB RAM, "
        "load avg at start " + ", ".join(f"{v:.2f}" for v in info["loadavg_at_start"]),
        f"- python {info['python']}, " + ", ".join(f"{k} {v}" for k, v in libs.items())
        + f"; matplotlib backend {info['matplotlib_backend']}",
        f"- BLAS: {blas}",
        f"- heatmill: whole process, best of {args.repeats}; seaborn warm: call + "
        "`fig.savefig(png, dpi=100)` in one warm Python process (data in memory), best of "
        f"{args.repeats} when < {SLOW_S:.0f} s else 1 run; seaborn fresh: the same case "
        "once in a new process under /usr/bin/time (its own call+savefig time, imports "
        "and Parquet read excluded, and its peak RSS); peak RSS via "
        f"{info['rss_method']}{'; --quick' if args.quick else ''}",
        "",
        "| case | heatmill wall s | seaborn warm s | ratio (seaborn/heatmill) "
        "| seaborn fresh call+savefig s | seaborn fresh process wall s "
        "| peak RSS heatmill MB | peak RSS seaborn MB | notes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        hm, w, f = r["heatmill"], r.get("seaborn_warm", {}), r["seaborn_fresh"]
        notes = []
        hm_wall = hm.get("wall") if hm["ok"] else None
        ref = w.get("reference")
        if not hm["ok"]:
            notes.append("heatmill FAILED")
        if "error" in w:
            notes.append("seaborn warm FAILED")
        if w.get("from_fresh_process"):
            notes.append("single seaborn run: the fresh process's time")
        if r["kind"] == "corrmap" and "variants" in w:
            v = w["variants"]
            notes.append(f"reference = {w['reference_variant']} corr; numpy corrcoef "
                         f"variant {fs(v['numpy'])} s, pandas .corr() variant "
                         f"{fs(v['pandas'])} s (its corr {fs(min(x['corr_pandas'] for x in w['runs']))}"
                         " s + same render)")
        if f.get("infeasible"):
            notes.append(f"seaborn not run: {f['infeasible']}")
        elif not f["ok"]:
            notes.append("seaborn fresh TIMED OUT" if f.get("timeout")
                         else "seaborn fresh FAILED")
        if r["loadavg"][0] > 1.5:
            notes.append(f"load {r['loadavg'][0]:.1f} at start")
        ratio = f"{ref / hm_wall:.1f}x" if (ref and hm_wall) else "–"
        fstage = f.get("stages", {}).get("total") if f["ok"] else None
        lines.append(
            f"| {r['case']} | {fs(hm_wall)} | {fs(ref)} | {ratio} | {fs(fstage)} "
            f"| {fs(f['wall']) if f['ok'] else '–'} | {fm(hm.get('rss_mb'))} "
            f"| {fm(f['rss_mb']) if f['ok'] else '–'} | {'; '.join(notes)} |")
    for s in skipped:
        lines.append(f"| {s} | – | – | – | – | – | – | – | skipped |")

    if batch:
        hm, rr, t1, sn = (batch["heatmill"], batch["heatmill_rerun"],
                          batch["heatmill_threads1"], batch["seaborn"])
        nf = batch["figures"]
        lines += ["", f"Batch: {batch['datasets']} datasets (30x12, seeds {SEED}.."
                  f"{SEED + batch['datasets'] - 1}) x 3 figures = {nf} figures; both sides "
                  "are whole processes", "",
                  "| run | wall s | figures/s | peak RSS MB | ratio (seaborn wall / this) "
                  "| notes |", "|---|---:|---:|---:|---:|---|"]
        sw = sn.get("wall") if sn["ok"] else None

        def row(label, r, figs, note=""):
            ok = r["ok"]
            wall = r.get("wall") if ok else None
            rate = f"{figs / wall:.1f}" if (wall and figs) else "–"
            ratio = f"{sw / wall:.1f}x" if (sw and wall) else "–"
            lines.append(f"| {label} | {fs(wall)} | {rate} | {fm(r.get('rss_mb'))} "
                         f"| {ratio} | {note if ok else 'FAILED ' + note} |")

        row(f"heatmill run (best of {args.repeats}, all cores)", hm, nf,
            f"{hm.get('pngs', 0)} PNGs; manifest {hm.get('manifest_statuses')}")
        row("heatmill run --threads 1 (1 run)", t1, nf)
        row("heatmill rerun (all up to date)", rr, 0,
            "; ".join(rr.get("stderr_tail", [])))
        loop = sn.get("loop_s")
        row("seaborn, one Python process (1 run)", sn, nf,
            f"{sn.get('pngs', 0)} PNGs; imports {fs(sn.get('import_s'))} s, loop "
            f"{fs(loop)} s ({nf / loop:.1f} fig/s in the loop)" if loop else "")
        if batch["loadavg"][0] > 1.5:
            lines.append(f"\n(load avg {batch['loadavg'][0]:.1f} when the batch case started)")

    rr = [r for r in results if "r" in r]
    if rr:
        lines += ["", "R (ward.D2 rows and columns, 1000 x 1000 px PNG; one Rscript process "
                  "each, end to end: R start-up + TSV read + clustering + drawing, under "
                  "/usr/bin/time; heatmill's wall time is the whole process too):", "",
                  "| case | tool | wall s | read s | cluster+draw s | peak RSS MB "
                  "| ratio (tool/heatmill) | notes |", "|---|---|---:|---:|---:|---:|---:|---|"]
        for r in rr:
            hw = r["heatmill"].get("wall") if r["heatmill"]["ok"] else None
            for tool, t in r["r"].items():
                st = t.get("stages") or {}
                if t.get("not_installed"):
                    note = f"not installed ({t['not_installed']})"
                elif t.get("timeout"):
                    note = f"timed out after {args.r_timeout:.0f} s"
                elif not t["ok"]:
                    note = "FAILED"
                else:
                    note = ""
                ok = t["ok"]
                ratio = f"{t['wall'] / hw:.1f}x" if (ok and hw) else "–"
                lines.append(
                    f"| {r['case']} | {tool} | {fs(t.get('wall')) if ok else '–'} "
                    f"| {fs(st.get('read'))} | {fs(st.get('cluster_draw'))} "
                    f"| {fm(t.get('rss_mb')) if ok else '–'} | {ratio} | {note} |")

    lines += ["", "heatmill stages (`--timings`, best run, s):", "", "| case | stages |",
              "|---|---|"]
    for r in results:
        st = r["heatmill"].get("best_stages") or {}
        lines.append(f"| {r['case']} | "
                     + ", ".join(f"{k} {v:.4f}" for k, v in st.items()) + " |")
    lines += ["", "seaborn stages (warm reference run, s; clustermap `call` includes "
              "the linkage):", "", "| case | stages |", "|---|---|"]
    for r in results:
        w = r.get("seaborn_warm", {})
        if w.get("runs"):
            best = min(w["runs"], key=lambda x: x["total"])
            lines.append(f"| {r['case']} | "
                         + ", ".join(f"{k} {v:.4f}" for k, v in best.items()) + " |")

    lines += ["", "PNG check (pixels, share of non-white pixels):", "",
              "| case | heatmill | seaborn |", "|---|---|---|"]

    def pi(d):
        if not d:
            return "–"
        if "error" in d:
            return "error: " + d["error"]
        return f"{d['width']}x{d['height']} {d['mode']}, ink {d['ink_fraction']:.2f}"

    for r in results:
        lines.append(f"| {r['case']} | {pi(r['png']['heatmill'])} "
                     f"| {pi(r['png']['seaborn'])} |")
    if batch:
        for fig, d in batch["png"].items():
            lines.append(f"| batch ds_0000 {fig} | {pi(d['heatmill'])} | {pi(d['seaborn'])} |")
    lo = [r for r in results if "leaf_order" in r]
    if lo:
        lines += ["", "Clustermap leaf orders (heatmill `--export-dir` row/col order vs "
                  "seaborn's `dendrogram_row/col.reordered_ind`, untimed extra run):", ""]
        lines += [f"- {r['case']}: {'OK' if r['leaf_order']['ok'] else 'not checked' if r['leaf_order']['detail'].startswith('no seaborn') else 'DIFFERENT'} "
                  f"({r['leaf_order']['detail']})" for r in lo]

    errors = []
    for r in results + ([batch] if batch else []):
        for key in ("heatmill", "heatmill_rerun", "heatmill_threads1"):
            h = r.get(key)
            if h and not h["ok"]:
                errors.append(f"- {r['case']} ({key}): `{' '.join(h['cmd'])}`\n\n```\n"
                              f"{h.get('error', '').strip()}\n```")
        for key in ("seaborn_warm", "seaborn_fresh", "seaborn"):
            s = r.get(key)
            if s and "error" in s:
                errors.append(f"- {r['case']} ({key}):\n\n```\n{s['error'].strip()}\n```")
    if errors:
        lines += ["", "Failures:", ""] + errors
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--heatmill", default=os.environ.get("HEATMILL",
                                                         str(ROOT / "target/release/heatmill")),
                    help="heatmill binary (default: $HEATMILL or target/release/heatmill)")
    ap.add_argument("--repeats", type=int, default=2,
                    help="heatmill runs per case, and seaborn warm runs for fast cases")
    ap.add_argument("--quick", action="store_true",
                    help="first size of each case, no corr clustermap, batch N=20, 1 repeat")
    ap.add_argument("--batch-n", type=int, default=None,
                    help=f"datasets in the batch case (default {BATCH_N}, quick {BATCH_N_QUICK})")
    ap.add_argument("--skip-corr-cluster", action="store_true",
                    help="skip the optional 4000x4000 correlation clustermap")
    ap.add_argument("--corr-cluster-timeout", type=float, default=200.0,
                    help="kill seaborn's correlation clustermap after this many s")
    ap.add_argument("--out-dir", type=Path, default=ROOT / "bench-results",
                    help="where NAME.md/.json go (default: bench-results/)")
    ap.add_argument("--skip-r", action="store_true",
                    help="do not run pheatmap / ComplexHeatmap (R) on the clustermap cases")
    ap.add_argument("--r-timeout", type=float, default=R_TIMEOUT_S,
                    help="seconds before an R process is killed (reported as timed out)")
    ap.add_argument("--only", nargs="*", default=None, metavar="SUBSTR",
                    help="run only the cases whose name contains one of these "
                         "(e.g. 'clustermap 20000x50', 'batch')")
    ap.add_argument("--name", default="vs_seaborn",
                    help="output file stem (default vs_seaborn; use another with --only)")
    ap.add_argument("--sns-worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--sns-fresh", metavar="SPEC", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.sns_worker:
        return sns_worker_main()
    if args.sns_fresh:
        return sns_fresh_main(args.sns_fresh)

    args.heatmill = shutil.which(args.heatmill) or args.heatmill
    if not os.access(args.heatmill, os.X_OK):
        ap.error(f"heatmill binary not found: {args.heatmill}")
    if args.quick:
        args.repeats = 1
    if args.repeats < 1:
        ap.error("--repeats must be >= 1")
    n_batch = args.batch_n or (BATCH_N_QUICK if args.quick else BATCH_N)
    first = (lambda xs: xs[:1]) if args.quick else (lambda xs: xs)

    def wanted(case):
        return args.only is None or any(o in case for o in args.only)

    t_start = time.perf_counter()
    info = machine_info(args.heatmill)
    pngdir = args.out_dir / f"{args.name}_png"
    shutil.rmtree(pngdir, ignore_errors=True)
    pngdir.mkdir(parents=True)
    results, skipped, batch = [], [], None
    worker = SnsWorker()
    info["seaborn_worker"] = worker.info
    try:
        with tempfile.TemporaryDirectory(prefix="heatmill-vs-sns-") as td:
            tmp = Path(td)
            for n, p in first(HEATMAP_SIZES):
                if not wanted(f"heatmap {n}x{p}"):
                    continue
                results.append(figure_case(
                    args, worker, tmp, pngdir, f"heatmap {n}x{p}", "heatmap", n, p,
                    ["--cmap", "RdBu_r", "--center", "0", "--xticklabels", "all",
                     "--yticklabels", "all", "--linewidths", "0.5", "--figsize", "10,8"],
                    {"kind": "heatmap"}))
            for n, p in first(CLUSTERMAP_SIZES):
                if not wanted(f"clustermap {n}x{p}"):
                    continue
                results.append(figure_case(
                    args, worker, tmp, pngdir, f"clustermap {n}x{p}", "clustermap", n, p,
                    ["--method", "ward", "--cmap", "RdBu_r", "--center", "0",
                     "--figsize", "10,10"],
                    {"kind": "clustermap"}))
            for n, p in first(SCALE_CLUSTERMAP_SIZES):
                if args.quick or not wanted(f"clustermap {n}x{p}"):
                    continue
                est_h = FASTCLUSTER_VECTOR_50K_S * (n / 50000) ** 2 / 3600
                results.append(figure_case(
                    args, worker, tmp, pngdir, f"clustermap {n}x{p}", "clustermap", n, p,
                    ["--method", "ward", "--cmap", "RdBu_r", "--center", "0",
                     "--figsize", "10,10"],
                    {"kind": "clustermap_scale"}, warm=False,
                    infeasible=f"fastcluster.linkage_vector (seaborn's ward) is O(n^2 d): "
                               f"~{est_h:.1f} h from its 359 s at 50 000 rows; pheatmap and "
                               f"ComplexHeatmap would store {n * (n - 1) / 2 * 8 / 1e9:.0f} GB "
                               f"of distances"))
            for n, p in first(CORRMAP_SIZES):
                if not wanted(f"corrmap {n}x{p}"):
                    continue
                results.append(figure_case(
                    args, worker, tmp, pngdir, f"corrmap {n}x{p}", "corrmap", n, p,
                    ["--mask", "upper", "--cbar-shrink", "0.8", "--figsize", "10,8"],
                    {"kind": "corrmap", "corr": "both"}))
            for n, p in first(SCALE_CORRMAP_SIZES):
                if not wanted(f"masked corrmap {n}x{p}"):
                    continue
                need = seaborn_corrmap_bytes(n)
                results.append(figure_case(
                    args, worker, tmp, pngdir, f"masked corrmap {n}x{p}", "corrmap", n, p,
                    ["--mask", "upper", "--cbar-shrink", "0.8", "--figsize", "10,8"],
                    {"kind": "corrmap", "corr": "both"}, warm=False,
                    infeasible=f"needs ~{need / 1e9:.0f} GB ({n} x {n} float64 x 15; "
                               f"this machine has {info['mem_total_gb']} GB)"))
            for n, p in first(SCALE_CORR_CLUSTER_SIZES):
                for method in ("ward", "average"):
                    name = f"clustered corrmap {method} {n}x{p}"
                    if not wanted(name):
                        continue
                    need = seaborn_corr_clustermap_bytes(n)
                    infeasible = None
                    if n > SCALE_CORR_CLUSTER_SEABORN_MAX:
                        infeasible = (f"needs ~{need / 1e9:.0f} GB ({n} x {n} float64 x 17; "
                                      f"this machine has {info['mem_total_gb']} GB) and "
                                      f"pdist of {n} rows of {n} values, rows and columns")
                    results.append(figure_case(
                        args, worker, tmp, pngdir, name, "corrmap", n, p,
                        ["--cluster", "--method", method, "--figsize", "10,10"],
                        {"kind": "corr_clustermap", "method": method}, warm=False,
                        fresh_timeout=args.corr_cluster_timeout, infeasible=infeasible))
            worker.close()
            n, p = CORR_CLUSTER_SIZE
            if args.quick or args.skip_corr_cluster or not wanted(f"corr clustermap {n}x{p}"):
                skipped.append(f"corr clustermap {n}x{p}")
            else:
                results.append(figure_case(
                    args, worker, tmp, pngdir, f"corr clustermap {n}x{p}", "corrmap", n, p,
                    ["--cluster", "--figsize", "10,10"], {"kind": "corr_clustermap"},
                    warm=False, fresh_timeout=args.corr_cluster_timeout))
            if wanted(f"batch {n_batch}"):
                batch = batch_case(args, tmp, pngdir, n_batch)
            else:
                skipped.append("batch")
    finally:
        worker.close()

    info["total_bench_s"] = time.perf_counter() - t_start
    md = markdown(info, results, batch, args, skipped)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / f"{args.name}.md").write_text(md)
    (args.out_dir / f"{args.name}.json").write_text(json.dumps(
        {"machine": info, "repeats": args.repeats, "quick": args.quick, "seed": SEED,
         "slow_s": SLOW_S, "skipped": skipped, "results": results, "batch": batch,
         "seaborn_batch_script": SNS_BATCH_SCRIPT, "batch_config": BATCH_CONFIG},
        indent=2) + "\n")
    print(md, end="")
    print(f"[bench] total {info['total_bench_s']:.0f} s", file=sys.stderr)
    failed = any(not r["heatmill"]["ok"] for r in results) or (
        batch is not None and not (batch["heatmill"]["ok"] and batch["heatmill_rerun"]["ok"]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
