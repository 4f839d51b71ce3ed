"""bench_core.py — time heatmill's corr/linkage against numpy, scipy and fastcluster.

Usage (from the repo root; the wrapper sets up the venv and builds heatmill):
    bash scripts/bench_core.sh [--quick] [--repeats N]
    HEATMILL=/path/to/heatmill bash scripts/bench_core.sh --quick
    bash scripts/bench_core.sh --pearson-sizes 20000x500 --no-linkage --name pearson20k
or directly, with an existing venv and binary:
    scripts/.venv/bin/python scripts/bench_core.py --heatmill target/release/heatmill

Cases (data: seeded standard normal, written once per case as Parquet with a string
"gene" column followed by float64 columns; rows are the variables/observations):
    pearson  5000x200, 20000x50      np.corrcoef(X)  vs  heatmill corr --timings
    linkage  n=2000/5000/10000 x 50  scipy linkage(X, m), fastcluster.linkage(X, m),
             ward and average,       fastcluster.linkage_vector(X, 'ward') (ward only)
             euclidean               vs  heatmill linkage --method m --timings

Timing: best of --repeats runs (default 3; --quick: smallest size of each case, 1 run).
    reference s           in-process time of the numpy/scipy/fastcluster call on the
                          in-memory array (scipy/fastcluster linkage include pdist)
    heatmill compute s    heatmill's own stage timings: `correlate` for pearson,
                          `distance + link` for linkage
    heatmill wall s       whole subprocess (start, Parquet read, compute, .npy write)
    ratio                 reference s / heatmill compute s (>1: heatmill is faster)
    peak RSS heatmill MB  max resident set of the heatmill process (GNU /usr/bin/time
                          %M when present, else a small Python wrapper's os.wait4)

Parity (heatmill output of the last run against the reference):
    pearson  max |R_heatmill - R_numpy| <= 1e-12
    linkage  vs scipy: columns 0, 1, 3 identical, heights within 1e-9 relative, and
             scipy leaves_list(Z_heatmill) == leaves_list(Z_scipy)

Outputs: a Markdown report on stdout and in bench-results/core.md, all raw numbers
(every repeat, every heatmill stage, machine and library info) in bench-results/core.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import cpu_model, git_rev  # noqa: E402

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import scipy
from scipy.cluster.hierarchy import leaves_list
from scipy.cluster.hierarchy import linkage as scipy_linkage

import fastcluster

ROOT = Path(__file__).resolve().parent.parent
SEED = 20240611
GNU_TIME = "/usr/bin/time"

PEARSON_SIZES = [(5000, 200), (20000, 50)]
LINKAGE_SIZES = [2000, 5000, 10000]
LINKAGE_COLS = 50
LINKAGE_METHODS = ["ward", "average"]
PEARSON_TOL = 1e-12
HEIGHT_RTOL = 1e-9


# ---------------------------------------------------------------- data & machine


def make_case(tmp: Path, name: str, n: int, p: int) -> tuple[np.ndarray, Path]:
    """Seeded standard-normal n x p matrix, written as Parquet (gene + float64 cols)."""
    rng = np.random.default_rng([SEED, n, p])
    x = rng.standard_normal((n, p))
    cols = {"gene": pa.array([f"G{i + 1}" for i in range(n)], pa.string())}
    for j in range(p):
        cols[f"S{j + 1}"] = pa.array(x[:, j], pa.float64())
    path = tmp / f"{name}.parquet"
    pq.write_table(pa.table(cols), path)
    return x, path


def blas_info() -> list[dict]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [
        {k: lib.get(k) for k in ("user_api", "internal_api", "version",
                                 "architecture", "num_threads", "filepath")}
        for lib in threadpool_info()
    ]


def machine_info(heatmill: str) -> dict:
    try:
        hm_version = subprocess.run([heatmill, "--version"], capture_output=True,
                                    text=True).stdout.strip()
    except OSError:
        hm_version = "unknown"
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "loadavg_at_start": list(os.getloadavg()),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "fastcluster": fastcluster.__version__,
        "pyarrow": pa.__version__,
        "blas": blas_info(),
        "heatmill": heatmill,
        "heatmill_version": hm_version,
        "git": git_rev(),
        "rss_method": "gnu-time" if os.access(GNU_TIME, os.X_OK) else "python-wait4",
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                                "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                                "RAYON_NUM_THREADS")},
    }


# ---------------------------------------------------------------- timing


def best_of(fn, repeats: int):
    """(best seconds, all seconds, result of the last call); earlier results are
    dropped before the next call so big outputs don't pile up in memory."""
    times, out = [], None
    for _ in range(repeats):
        out = None
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), times, out


# Fallback when GNU time is missing: a small Python process spawns heatmill and reports
# that child's own rusage. Spawning heatmill straight from this process would not do:
# Linux carries the pre-exec high-water RSS of the (v)forked child — i.e. this big
# process's peak — into the child's ru_maxrss.
RSS_WRAPPER = """
import json, os, subprocess, sys, time
t0 = time.perf_counter()
p = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL)
_, status, ru = os.wait4(p.pid, 0)
wall = time.perf_counter() - t0
with open(sys.argv[1], "w") as f:
    json.dump({"wall": wall, "maxrss_kb": ru.ru_maxrss}, f)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_heatmill_once(cmd: list[str]) -> dict:
    """One heatmill run: wall seconds, stage timings, peak RSS (MB)."""
    with tempfile.NamedTemporaryFile("w+", suffix=".rss") as rss:
        gnu_time = os.access(GNU_TIME, os.X_OK)
        if gnu_time:
            full = [GNU_TIME, "-f", "%M", "-o", rss.name, *cmd]
        else:
            full = [sys.executable, "-c", RSS_WRAPPER, rss.name, *cmd]
        t0 = time.perf_counter()
        proc = subprocess.run(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"heatmill failed ({proc.returncode}): {' '.join(cmd)}\n"
                               f"{proc.stderr}")
        if gnu_time:
            rss_kb = int(Path(rss.name).read_text().strip().splitlines()[-1])
        else:
            rep = json.loads(Path(rss.name).read_text())
            wall, rss_kb = rep["wall"], rep["maxrss_kb"]  # excludes the wrapper's startup
    stages = None
    for line in proc.stderr.splitlines():
        if line.startswith("timings: "):
            stages = json.loads(line[len("timings: "):])
    if stages is None:
        raise RuntimeError(f"no 'timings:' line on heatmill's stderr:\n{proc.stderr}")
    return {"wall": wall, "stages": stages, "rss_mb": rss_kb / 1024.0}


def run_heatmill(cmd: list[str], compute_stages: list[str], repeats: int) -> dict:
    runs = [run_heatmill_once(cmd) for _ in range(repeats)]
    for r in runs:
        r["compute"] = sum(r["stages"].get(s, 0.0) for s in compute_stages)
    all_stages = {s for r in runs for s in r["stages"]}
    return {
        "cmd": cmd,
        "compute_stages": compute_stages,
        "compute": min(r["compute"] for r in runs),
        "wall": min(r["wall"] for r in runs),
        "rss_mb": max(r["rss_mb"] for r in runs),
        "best_stages": {s: min(r["stages"].get(s, 0.0) for r in runs)
                        for s in sorted(all_stages)},
        "runs": runs,
    }


# ---------------------------------------------------------------- parity


def pearson_parity(r_ref: np.ndarray, npy: Path) -> dict:
    r_hm = np.load(npy, mmap_mode="r")
    if r_hm.shape != r_ref.shape:
        return {"ok": False, "detail": f"shape {r_hm.shape} != {r_ref.shape}"}
    worst = 0.0
    for i in range(0, r_ref.shape[0], 1000):  # blockwise: the 20000^2 case is 3.2 GB
        d = float(np.max(np.abs(np.asarray(r_hm[i:i + 1000]) - r_ref[i:i + 1000])))
        worst = d if np.isnan(d) else max(worst, d)  # a NaN mismatch sticks
        if np.isnan(worst):
            break
    ok = bool(worst <= PEARSON_TOL)
    return {"ok": ok, "max_abs_diff": worst, "detail": f"max abs dR {worst:.1e}"}


def linkage_parity(z_ref: np.ndarray, npy: Path) -> dict:
    z_hm = np.load(npy)
    if z_hm.shape != z_ref.shape:
        return {"ok": False, "detail": f"shape {z_hm.shape} != {z_ref.shape}"}
    problems = []
    merges = np.all(z_hm[:, [0, 1, 3]] == z_ref[:, [0, 1, 3]], axis=1)
    if not merges.all():
        i = int(np.argmin(merges))
        problems.append(f"{int((~merges).sum())} merges differ, first at step {i}: "
                        f"heatmill {z_hm[i].tolist()} scipy {z_ref[i].tolist()}")
    h_hm, h_ref = z_hm[:, 2], z_ref[:, 2]
    rel = np.abs(h_hm - h_ref) / np.maximum(np.abs(h_ref), np.finfo(float).tiny)
    max_rel = float(np.max(rel))
    if not max_rel <= HEIGHT_RTOL:
        i = int(np.argmax(rel))
        problems.append(f"height rel diff {max_rel:.2e} at step {i} "
                        f"({h_hm[i]!r} vs {h_ref[i]!r})")
    try:
        leaves_ok = bool(np.array_equal(leaves_list(z_hm), leaves_list(z_ref)))
    except (ValueError, TypeError) as e:
        leaves_ok = False
        problems.append(f"leaves_list(Z_heatmill) failed: {e}")
    else:
        if not leaves_ok:
            problems.append("leaves_list differs")
    ok = not problems
    return {
        "ok": ok,
        "merges_equal": bool(merges.all()),
        "max_height_rel_diff": max_rel,
        "leaves_equal": leaves_ok,
        "detail": f"max rel dh {max_rel:.1e}" if ok else "; ".join(problems),
    }


# ---------------------------------------------------------------- cases


def bench_pearson(tmp: Path, heatmill: str, n: int, p: int, repeats: int) -> dict:
    case = f"pearson {n}x{p}"
    print(f"[bench] {case} ...", file=sys.stderr, flush=True)
    x, inp = make_case(tmp, f"pearson_{n}x{p}", n, p)
    out = tmp / "R.npy"
    hm = run_heatmill([heatmill, "corr", str(inp), "-o", str(out), "--timings"],
                      ["correlate"], repeats)
    ref_s, ref_all, r_ref = best_of(lambda: np.corrcoef(x), repeats)
    parity = pearson_parity(r_ref, out)
    del r_ref
    out.unlink()
    inp.unlink()
    return {"case": case, "kind": "pearson", "n": n, "p": p, "heatmill": hm,
            "refs": [{"tool": "numpy.corrcoef", "best": ref_s, "runs": ref_all}],
            "parity": parity}


def bench_linkage(tmp: Path, heatmill: str, n: int, method: str, repeats: int) -> dict:
    p = LINKAGE_COLS
    case = f"{method} {n}x{p}"
    print(f"[bench] {case} ...", file=sys.stderr, flush=True)
    x, inp = make_case(tmp, f"linkage_{n}x{p}", n, p)
    out = tmp / "Z.npy"
    hm = run_heatmill([heatmill, "linkage", str(inp), "-o", str(out), "--method", method,
                       "--timings"], ["distance", "link"], repeats)
    refs = []
    s, runs, z_scipy = best_of(lambda: scipy_linkage(x, method=method, metric="euclidean"),
                               repeats)
    refs.append({"tool": "scipy linkage", "best": s, "runs": runs})
    s, runs, _ = best_of(lambda: fastcluster.linkage(x, method=method, metric="euclidean"),
                         repeats)
    refs.append({"tool": "fastcluster.linkage", "best": s, "runs": runs})
    if method == "ward":
        s, runs, _ = best_of(lambda: fastcluster.linkage_vector(x, method="ward"), repeats)
        refs.append({"tool": "fastcluster.linkage_vector", "best": s, "runs": runs})
    parity = linkage_parity(z_scipy, out)
    out.unlink()
    inp.unlink()
    return {"case": case, "kind": "linkage", "n": n, "p": p, "method": method,
            "heatmill": hm, "refs": refs, "parity": parity}


# ---------------------------------------------------------------- report


def fmt_s(s: float) -> str:
    return f"{s:.4f}" if s < 1 else f"{s:.3f}"


def markdown(info: dict, results: list[dict], repeats: int, quick: bool) -> str:
    blas = "; ".join(f"{Path(b['filepath'] or '?').parent.name}: {b['internal_api']} "
                     f"{b['version']} ({b['architecture']}, {b['num_threads']} threads)"
                     for b in info["blas"]) or "unknown"
    lines = [
        "# heatmill core benchmark",
        "",
        f"- date: {info['date']}, git {info['git']}, {info['heatmill_version']}"
        f" (`{info['heatmill']}`)",
        f"- machine: {info['nproc']} CPUs, {info['cpu']}, load avg at start "
        + ", ".join(f"{v:.2f}" for v in info["loadavg_at_start"]),
        f"- python {info['python']}, numpy {info['numpy']}, scipy {info['scipy']}, "
        f"fastcluster {info['fastcluster']}, pyarrow {info['pyarrow']}",
        f"- BLAS: {blas}",
        f"- best of {repeats} run(s){' (--quick)' if quick else ''}; heatmill compute = "
        "`correlate` (pearson) or `distance + link` (linkage) stage time; wall = whole "
        f"process incl. Parquet read and .npy write; peak RSS via {info['rss_method']}",
        "",
        "| case | reference tool | reference s | heatmill compute s | heatmill wall s "
        "| ratio (ref/heatmill compute) | peak RSS heatmill MB | parity |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        hm, par = r["heatmill"], r["parity"]
        parity = (("OK" if par["ok"] else "FAIL") + f" ({par['detail']})").replace("|", "/")
        for ref in r["refs"]:
            ratio = ref["best"] / hm["compute"] if hm["compute"] > 0 else float("inf")
            lines.append(
                f"| {r['case']} | {ref['tool']} | {fmt_s(ref['best'])} "
                f"| {fmt_s(hm['compute'])} | {fmt_s(hm['wall'])} | {ratio:.2f}x "
                f"| {hm['rss_mb']:.0f} | {parity} |")
    lines += ["", "heatmill stages (best of runs, s):", "",
              "| case | stages |", "|---|---|"]
    for r in results:
        st = ", ".join(f"{k} {v:.4f}" for k, v in r["heatmill"]["best_stages"].items())
        lines.append(f"| {r['case']} | {st} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--heatmill", default=os.environ.get("HEATMILL",
                                                         str(ROOT / "target/release/heatmill")),
                    help="heatmill binary (default: $HEATMILL or target/release/heatmill)")
    ap.add_argument("--repeats", type=int, default=3, help="runs per measurement (best of)")
    ap.add_argument("--linkage-sizes", type=int, nargs="*", default=None,
                    help=f"linkage row counts (default {LINKAGE_SIZES})")
    ap.add_argument("--methods", nargs="*", default=None,
                    help=f"linkage methods (default {LINKAGE_METHODS})")
    ap.add_argument("--no-pearson", action="store_true", help="skip the Pearson cases")
    ap.add_argument("--no-linkage", action="store_true", help="skip the linkage cases")
    ap.add_argument("--pearson-sizes", nargs="*", default=None, metavar="NxD",
                    help="Pearson shapes (default 5000x200 20000x50), e.g. 20000x500")
    ap.add_argument("--name", default="core", help="output file stem in --out-dir")
    ap.add_argument("--quick", action="store_true",
                    help="smallest size of each case, 1 repeat (smoke test)")
    ap.add_argument("--out-dir", type=Path, default=ROOT / "bench-results",
                    help="where core.md and core.json go (default: bench-results/)")
    args = ap.parse_args()

    heatmill = shutil.which(args.heatmill) or args.heatmill
    if not os.access(heatmill, os.X_OK):
        ap.error(f"heatmill binary not found: {heatmill}")
    repeats = 1 if args.quick else args.repeats
    if repeats < 1:
        ap.error("--repeats must be >= 1")
    if args.pearson_sizes:
        try:
            pearson_sizes = [tuple(int(v) for v in x.split("x")) for x in args.pearson_sizes]
        except ValueError:
            ap.error("--pearson-sizes takes NxD shapes such as 20000x500")
    else:
        pearson_sizes = PEARSON_SIZES
    pearson = [] if args.no_pearson else pearson_sizes[:1] if args.quick else pearson_sizes
    sizes = [] if args.no_linkage else (
        args.linkage_sizes or (LINKAGE_SIZES[:1] if args.quick else LINKAGE_SIZES))
    methods = args.methods or LINKAGE_METHODS

    info = machine_info(heatmill)
    results = []
    with tempfile.TemporaryDirectory(prefix="heatmill-bench-") as td:
        tmp = Path(td)
        for n, p in pearson:
            results.append(bench_pearson(tmp, heatmill, n, p, repeats))
        for n in sizes:
            for method in methods:
                results.append(bench_linkage(tmp, heatmill, n, method, repeats))

    md = markdown(info, results, repeats, args.quick)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / f"{args.name}.md").write_text(md)
    (args.out_dir / f"{args.name}.json").write_text(json.dumps(
        {"machine": info, "repeats": repeats, "quick": args.quick, "seed": SEED,
         "tolerances": {"pearson_abs": PEARSON_TOL, "height_rel": HEIGHT_RTOL},
         "results": results}, indent=2) + "\n")
    print(md, end="")
    return 0 if all(r["parity"]["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
