"""Large-input benchmark (issue: Large inputs). Generates the files once into
bench-data/ (gitignored), then in one run:

1. Arrow IPC 20 000 x 1 000 f64, uncompressed and LZ4: heatmill's read stage
   (`heatmill corr --timings`, "read") against `cat FILE > /dev/null` on the
   same warm file, and pyarrow.feather.read_table for reference.
2. AnnData CSR 5 000 cells x 30 000 genes (90 % zeros) read as genes x cells
   with `--top-variable 2000` (the 2 000 most variable genes): heatmill's
   time and peak RSS against anndata.read_h5ad + the same selection in numpy.
3. Plain HDF5 30 000 x 5 000 f64 (chunked) and Parquet 30 000 x 5 000
   (row groups of 1 000) with `--top-variable 2000`.

Peak memory is the child's max RSS (getrusage). Writes bench-results/io.{json,md}.

    bash scripts/bench_io.sh            # builds heatmill --release first
"""
import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench_common import peak_of

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench-data"
OUT = ROOT / "bench-results"


def read_stage(stderr):
    for line in stderr.splitlines():
        if line.startswith("timings: "):
            return json.loads(line[len("timings: "):]).get("read")
    return None


def make_arrow():
    import pyarrow as pa
    import pyarrow.feather as feather

    paths = {"plain": DATA / "arrow_20000x1000.arrow", "lz4": DATA / "arrow_20000x1000_lz4.arrow"}
    if all(p.exists() for p in paths.values()):
        return paths
    rng = np.random.default_rng(1)
    x = rng.standard_normal((20000, 1000))
    cols = {"gene": pa.array([f"g{i}" for i in range(20000)])}
    for j in range(1000):
        cols[f"s{j}"] = pa.array(x[:, j])
    t = pa.table(cols)
    feather.write_feather(t, paths["plain"], compression="uncompressed")
    feather.write_feather(t, paths["lz4"], compression="lz4")
    return paths


def make_h5():
    import anndata as ad
    import h5py
    import scipy.sparse as sp

    h5ad = DATA / "cells_5000x30000_csr.h5ad"
    plain = DATA / "genes_30000x5000.h5"
    rng = np.random.default_rng(2)
    if not h5ad.exists():
        m = sp.random(5000, 30000, density=0.1, format="csr", dtype=np.float32, random_state=rng)
        m.data = np.floor(m.data * 20 + 1).astype(np.float32)
        obs = [f"c{i}" for i in range(5000)]
        var = [f"g{j}" for j in range(30000)]
        import pandas as pd

        a = ad.AnnData(X=m, obs=pd.DataFrame(index=obs), var=pd.DataFrame(index=var))
        a.write_h5ad(h5ad)
    if not plain.exists():
        with h5py.File(plain, "w") as f:
            d = f.create_dataset("expression", shape=(30000, 5000), dtype="f8", chunks=(100, 5000))
            for i in range(0, 30000, 1000):
                d[i : i + 1000] = rng.standard_normal((1000, 5000))
    return h5ad, plain


def make_parquet():
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = DATA / "genes_30000x5000.parquet"
    if path.exists():
        return path
    rng = np.random.default_rng(3)
    schema = pa.schema([("gene", pa.string())] + [(f"s{j}", pa.float64()) for j in range(5000)])
    with pq.ParquetWriter(path, schema, compression="snappy") as w:
        for i in range(0, 30000, 1000):
            x = rng.standard_normal((1000, 5000))
            cols = [pa.array([f"g{k}" for k in range(i, i + 1000)])] + [pa.array(x[:, j]) for j in range(5000)]
            w.write_table(pa.Table.from_arrays(cols, schema=schema))
    return path


def best(f, repeats):
    return min(f() for _ in range(repeats))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--heatmill", required=True)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    hm = a.heatmill
    DATA.mkdir(exist_ok=True)
    OUT.mkdir(exist_ok=True)
    rows = []
    scratch = DATA / "out.npy"

    arrow = make_arrow()
    for kind, path in arrow.items():
        size = path.stat().st_size
        subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL)  # warm the page cache

        def cat():
            t = time.perf_counter()
            subprocess.run(f"cat {path} > /dev/null", shell=True, check=True)
            return time.perf_counter() - t

        def hm_read():
            # corr of the columns is 1000 x 1000: cheap next to the read.
            p = subprocess.run(
                [hm, "corr", str(path), "--axis", "cols", "--timings", "-o", str(scratch)],
                capture_output=True, text=True, check=True,
            )
            return read_stage(p.stderr)

        def pa_read():
            import pyarrow.feather as feather

            t = time.perf_counter()
            tb = feather.read_table(path, memory_map=True)
            np.column_stack([tb.column(j).to_numpy() for j in range(1, tb.num_columns)])
            return time.perf_counter() - t

        c, h, p = best(cat, a.repeats), best(hm_read, a.repeats), best(pa_read, a.repeats)
        _, rss, _ = peak_of([hm, "corr", str(path), "--axis", "cols", "-o", str(scratch)])
        rows.append({
            "case": f"Arrow 20000x1000 f64 {kind} ({size / 2**20:.0f} MiB)",
            "heatmill_s": h, "cat_s": c, "ratio_vs_cat": h / c,
            "pyarrow_to_numpy_s": p, "heatmill_peak_mib": rss,
        })
        print(rows[-1], flush=True)

    h5ad, plain = make_h5()
    parquet = make_parquet()
    for name, cmd_extra, path in [
        ("h5ad CSR 5000 cells x 30000 genes -> top 2000 genes", ["--transpose"], h5ad),
        ("plain HDF5 30000x5000 f64 -> top 2000 rows", [], plain),
        ("Parquet 30000x5000 f64 (row groups of 1000) -> top 2000 rows", [], parquet),
    ]:
        cmd = [hm, "corr", str(path), *cmd_extra, "--top-variable", "2000", "--timings", "-o", str(scratch)]
        wall, rss, err = peak_of(cmd)
        full_wall, full_rss, _ = peak_of([hm, "inspect", str(path), *cmd_extra])
        row = {
            "case": name,
            "heatmill_s": wall,
            "heatmill_read_s": read_stage(err),
            "heatmill_peak_mib": rss,
            "full_read_peak_mib": full_rss,
            "file_mib": path.stat().st_size / 2**20,
        }
        if path.suffix == ".h5ad":
            code = (
                "import anndata as ad, numpy as np, sys;"
                "a=ad.read_h5ad(sys.argv[1]);X=a.X.T.toarray().astype(np.float64);"
                "v=X.var(axis=1,ddof=1);k=np.sort(np.argsort(-v,kind='stable')[:2000]);"
                "np.corrcoef(X[k])"
            )
            py_wall, py_rss, _ = peak_of([sys.executable, "-c", code, str(path)])
            row.update({"anndata_numpy_s": py_wall, "anndata_numpy_peak_mib": py_rss})
        rows.append(row)
        print(row, flush=True)

    (OUT / "io.json").write_text(json.dumps(rows, indent=1) + "\n")
    md = ["| case | heatmill | reference | peak RSS heatmill | notes |", "|---|---|---|---|---|"]
    for r in rows:
        if "cat_s" in r:
            md.append(
                f"| {r['case']} | read {r['heatmill_s']:.3f} s | cat {r['cat_s']:.3f} s "
                f"(x{r['ratio_vs_cat']:.2f}); pyarrow->numpy {r['pyarrow_to_numpy_s']:.3f} s "
                f"| {r['heatmill_peak_mib']:.0f} MiB | |"
            )
        else:
            ref = (
                f"anndata+numpy {r['anndata_numpy_s']:.2f} s, {r['anndata_numpy_peak_mib']:.0f} MiB"
                if "anndata_numpy_s" in r else "-"
            )
            md.append(
                f"| {r['case']} | {r['heatmill_s']:.2f} s (read+select {r['heatmill_read_s']:.2f} s) "
                f"| {ref} | {r['heatmill_peak_mib']:.0f} MiB | full read: {r['full_read_peak_mib']:.0f} MiB, "
                f"file {r['file_mib']:.0f} MiB |"
            )
    (OUT / "io.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
