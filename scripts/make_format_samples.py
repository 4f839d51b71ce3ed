"""Writes one small count matrix in every input layout heatmill reads, so the
tests can check that each gives the same matrix (and byte-identical `corr`
and `linkage` outputs):

    data-samples/formats/counts.{csv,tsv,parquet}   genes x samples, wide
    data-samples/formats/counts.arrow                Arrow IPC file (Feather v2), uncompressed
    data-samples/formats/counts_lz4.arrow            the same, LZ4-frame compressed buffers
    data-samples/formats/counts_zstd.arrow           the same, ZSTD compressed buffers
    data-samples/formats/counts.h5                   plain HDF5: /expression (genes x samples,
                                                     chunked + gzip), /genes, /samples
    data-samples/formats/counts_dense.h5ad           AnnData, X dense float32 (samples x genes)
    data-samples/formats/counts_csr.h5ad             AnnData, X CSR float32, layer "doubled"
    data-samples/formats/counts_csc.h5ad             AnnData, X CSC float32
    data-samples/formats/counts_10x.h5               10x Genomics v3 (features x barcodes, CSC int32)
    tests/fixtures/formats/old_layout.h5ad           AnnData < 0.7 (obs/var as compound
                                                     datasets): must be refused clearly
    tests/fixtures/formats/expected.json             the matrix, obs/var columns, for the tests

Inputs as they come from sequencers, labs and public repositories (#19),
the same matrix again, each written by the tool its users use or to the
format's published spec:

    data-samples/formats/counts.tsv.gz               counts.tsv, gzip (Python's gzip, mtime 0)
    data-samples/formats/counts_10x_mtx/             Cell Ranger 3 folder: matrix.mtx.gz (scipy.io.mmwrite,
                                                     features x barcodes), features.tsv.gz, barcodes.tsv.gz;
                                                     checked against scanpy.read_10x_mtx
    data-samples/formats/counts.gct                  GCT 1.2 (GenePattern spec)
    data-samples/formats/GSE000000_series_matrix.txt.gz   GEO series matrix (GEO's layout), gzip
    data-samples/formats/counts.loom                 loom 3.0 by anndata.AnnData.write_loom (loompy);
                                                     checked against anndata.read_loom
    data-samples/formats/counts.xlsx                 pandas DataFrame.to_excel (openpyxl), sheet "counts"
    tests/fixtures/formats/counts.csv.bz2, counts.tsv.zst, gzipped_named.tsv
                                                     bzip2 (Python's bz2), zstd (pyarrow), gzip without .gz
    tests/fixtures/formats/counts_13.gct             GCT 1.3 with row (chrom) and column (group, batch) metadata
    tests/fixtures/formats/tenx_v2/                  Cell Ranger 2 folder: matrix.mtx, genes.tsv, barcodes.tsv
    tests/fixtures/formats/tenx_dups/                Cell Ranger 3 folder with repeated gene symbols and an
                                                     Antibody Capture feature; scanpy's reading of it in
                                                     tests/fixtures/formats/expected_10x.json
    tests/fixtures/formats/merged_header.xlsx        openpyxl workbook whose header cells are merged

AnnData and 10x store cells (here: samples) as rows, as scanpy does, so
`heatmill ... --transpose` gives the genes x samples matrix of the CSV.
Counts are small integers, exact in float32 and int32, so every layout holds
exactly the same numbers.

    bash scripts/pyenv.sh && scripts/.venv/bin/python scripts/make_format_samples.py
"""
import json
from pathlib import Path

import anndata as ad
import h5py
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import scipy.sparse as sp

root = Path(__file__).resolve().parent.parent
out = root / "data-samples" / "formats"
fix = root / "tests" / "fixtures" / "formats"
out.mkdir(parents=True, exist_ok=True)
fix.mkdir(parents=True, exist_ok=True)

rng = np.random.default_rng(7)
n_genes, n_samples = 40, 16
genes = [f"Gene_{i + 1}" for i in range(n_genes)]
samples = [f"S{j + 1:02d}" for j in range(n_samples)]
group = np.array(["Tumor"] * 8 + ["Normal"] * 8)
# Negative-binomial counts with gene-specific means; the first 10 genes are
# up in tumours, the next 10 in normals, so the clustering has structure.
mu = rng.gamma(1.2, 4.0, size=n_genes)[:, None] * np.ones((1, n_samples))
mu[:10, :8] *= 6
mu[10:20, 8:] *= 6
counts = rng.negative_binomial(2, 2 / (2 + mu)).astype(np.float64)
# No constant rows: correlations need variance in every gene.
for i in range(n_genes):
    if counts[i].min() == counts[i].max():
        counts[i, i % n_samples] += 1
sparsity = float((counts == 0).mean())

df = pd.DataFrame(counts, columns=samples)
df.insert(0, "gene", genes)
df.to_csv(out / "counts.csv", index=False, float_format="%.17g")
df.to_csv(out / "counts.tsv", index=False, sep="\t", float_format="%.17g")
table = pa.Table.from_pandas(df, preserve_index=False)
pq.write_table(table, out / "counts.parquet")
feather.write_feather(table, out / "counts.arrow", compression="uncompressed")
feather.write_feather(table, out / "counts_lz4.arrow", compression="lz4")
feather.write_feather(table, out / "counts_zstd.arrow", compression="zstd")

with h5py.File(out / "counts.h5", "w") as f:
    f.create_dataset("expression", data=counts, chunks=(8, n_samples), compression="gzip")
    f.create_dataset("genes", data=np.array(genes, dtype=object), dtype=h5py.string_dtype())
    f.create_dataset("samples", data=np.array([s.encode() for s in samples], dtype="S8"))

obs = pd.DataFrame(
    {
        "group": pd.Categorical(group),
        "batch": [f"b{1 + j % 3}" for j in range(n_samples)],
        "depth": counts.sum(axis=0),
    },
    index=pd.Index(samples, name="sample"),
)
var = pd.DataFrame(
    {
        "chrom": pd.Categorical([f"chr{1 + i % 4}" for i in range(n_genes)]),
        "highly_variable": counts.var(axis=1, ddof=1) > np.median(counts.var(axis=1, ddof=1)),
    },
    index=pd.Index(genes, name="gene"),
)
X = counts.T.astype(np.float32)  # samples x genes, AnnData's cells x genes
ad.AnnData(X=X, obs=obs, var=var).write_h5ad(out / "counts_dense.h5ad")
csr = ad.AnnData(X=sp.csr_matrix(X), obs=obs, var=var)
csr.layers["doubled"] = sp.csr_matrix(2 * X)
csr.write_h5ad(out / "counts_csr.h5ad", compression="gzip")
ad.AnnData(X=sp.csc_matrix(X), obs=obs, var=var).write_h5ad(out / "counts_csc.h5ad")

# 10x Genomics v3 (Cell Ranger >= 3): matrix/ holds features x barcodes in
# CSC, i.e. one compressed column per barcode.
m10 = sp.csc_matrix(counts.astype(np.int32))  # genes x samples
with h5py.File(out / "counts_10x.h5", "w") as f:
    g = f.create_group("matrix")
    g.create_dataset("barcodes", data=np.array([s.encode() for s in samples]))
    g.create_dataset("data", data=m10.data, compression="gzip")
    g.create_dataset("indices", data=m10.indices.astype(np.int64), compression="gzip")
    g.create_dataset("indptr", data=m10.indptr.astype(np.int64))
    g.create_dataset("shape", data=np.array([n_genes, n_samples], dtype=np.int32))
    fe = g.create_group("features")
    fe.create_dataset("id", data=np.array([f"ENSG{i:011d}".encode() for i in range(n_genes)]))
    fe.create_dataset("name", data=np.array([s.encode() for s in genes]))
    fe.create_dataset("feature_type", data=np.array([b"Gene Expression"] * n_genes))
    fe.create_dataset("genome", data=np.array([b"GRCh38"] * n_genes))

# AnnData before 0.7 wrote obs and var as compound (record) datasets.
with h5py.File(fix / "old_layout.h5ad", "w") as f:
    f.create_dataset("X", data=X)
    rec = np.array([(s.encode(),) for s in samples], dtype=[("index", "S8")])
    f.create_dataset("obs", data=rec)
    rec = np.array([(g.encode(),) for g in genes], dtype=[("index", "S16")])
    f.create_dataset("var", data=rec)

expected = {
    "genes": genes,
    "samples": samples,
    "values": counts.tolist(),
    "sparsity": sparsity,
    "obs": {"group": list(group), "batch": list(obs["batch"]), "depth": obs["depth"].tolist()},
    "var": {"chrom": list(var["chrom"].astype(str))},
    "versions": {
        "anndata": ad.__version__,
        "h5py": h5py.__version__,
        "pyarrow": pa.__version__,
        "numpy": np.__version__,
    },
}
(fix / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")

# ---- #19: inputs as they come from sequencers, labs and repositories ----
import bz2
import gzip
import io

import openpyxl
import scanpy as sc
import scipy.io


def gz(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as f:
        f.write(data)
    return buf.getvalue()


tsv_text = (out / "counts.tsv").read_bytes()
(out / "counts.tsv.gz").write_bytes(gz(tsv_text))
(fix / "counts.csv.bz2").write_bytes(bz2.compress((out / "counts.csv").read_bytes()))
with pa.CompressedOutputStream(str(fix / "counts.tsv.zst"), "zstd") as f:
    f.write(tsv_text)
(fix / "gzipped_named.tsv").write_bytes(gz(tsv_text))


def write_10x(folder: Path, ids, symbols, types, barcodes, m, legacy=False):
    """A Cell Ranger folder: m is features x barcodes (scipy sparse)."""
    folder.mkdir(parents=True, exist_ok=True)
    for p in folder.iterdir():
        p.unlink()
    mm = io.BytesIO()
    scipy.io.mmwrite(mm, sp.coo_matrix(m), field="integer")
    if legacy:
        (folder / "matrix.mtx").write_bytes(mm.getvalue())
        (folder / "genes.tsv").write_text("".join(f"{i}\t{s}\n" for i, s in zip(ids, symbols)))
        (folder / "barcodes.tsv").write_text("".join(f"{b}\n" for b in barcodes))
    else:
        (folder / "matrix.mtx.gz").write_bytes(gz(mm.getvalue()))
        feats = "".join(f"{i}\t{s}\t{t}\n" for i, s, t in zip(ids, symbols, types))
        (folder / "features.tsv.gz").write_bytes(gz(feats.encode()))
        (folder / "barcodes.tsv.gz").write_bytes(gz("".join(f"{b}\n" for b in barcodes).encode()))


gene_ids = [f"ENSG{i:011d}" for i in range(n_genes)]
m_int = sp.csc_matrix(counts.astype(np.int64))  # genes x samples
write_10x(out / "counts_10x_mtx", gene_ids, genes, ["Gene Expression"] * n_genes, samples, m_int)
a = sc.read_10x_mtx(out / "counts_10x_mtx")
assert list(a.obs_names) == samples and list(a.var_names) == genes
assert np.array_equal(a.X.toarray(), counts.T)
write_10x(fix / "tenx_v2", gene_ids, genes, None, samples, m_int, legacy=True)
a = sc.read_10x_mtx(fix / "tenx_v2")
assert list(a.var_names) == genes and np.array_equal(a.X.toarray(), counts.T)

# Repeated symbols (A, A, A-1 taken, A) and one antibody feature, which
# scanpy's gex_only=True leaves out.
dup_symbols = ["Actb", "Actb", "Actb-1", "Actb", "CD3_TotalSeqB", "Gapdh"]
dup_types = ["Gene Expression"] * 4 + ["Antibody Capture", "Gene Expression"]
dup_ids = [f"ENSMUSG{i:08d}" for i in range(len(dup_symbols))]
dup_bc = [f"AAACCTGAGC{i:02d}-1" for i in range(5)]
dup_m = sp.csc_matrix(rng.integers(0, 4, size=(len(dup_symbols), len(dup_bc))))
write_10x(fix / "tenx_dups", dup_ids, dup_symbols, dup_types, dup_bc, dup_m)
a = sc.read_10x_mtx(fix / "tenx_dups")
(fix / "expected_10x.json").write_text(
    json.dumps(
        {
            "obs_names": list(a.obs_names),
            "var_names": list(a.var_names),
            "X": a.X.toarray().astype(float).tolist(),
            "gene_ids": list(a.var["gene_ids"]),
            "scanpy": sc.__version__,
        },
        indent=1,
    )
    + "\n"
)

# GCT 1.2 (GenePattern): #1.2, rows cols, Name Description samples.
fmt = lambda v: repr(float(v)) if v != int(v) else str(int(v))
lines = ["#1.2", f"{n_genes}\t{n_samples}", "\t".join(["Name", "Description"] + samples)]
for g, row in zip(genes, counts):
    lines.append("\t".join([g, "na"] + [fmt(v) for v in row]))
(out / "counts.gct").write_text("\n".join(lines) + "\n")
# GCT 1.3 (CMap): rows cols row-meta col-meta; id + row fields; one line per column field.
chrom = [f"chr{1 + i % 4}" for i in range(n_genes)]
lines = ["#1.3", f"{n_genes}\t{n_samples}\t1\t2", "\t".join(["id", "chrom"] + samples)]
lines.append("\t".join(["group", "na"] + list(group)))
lines.append("\t".join(["batch", "na"] + list(obs["batch"])))
for g, c, row in zip(genes, chrom, counts):
    lines.append("\t".join([g, c] + [fmt(v) for v in row]))
(fix / "counts_13.gct").write_text("\n".join(lines) + "\n")

# GEO series matrix: quoted metadata, then the table between the markers.
q = lambda xs: "\t".join(f'"{x}"' for x in xs)
lines = [
    '!Series_title\t"heatmill sample series"',
    '!Series_geo_accession\t"GSE000000"',
    '!Series_platform_id\t"GPL00000"',
    "",
    "!Sample_title\t" + q([f"{g} sample {s}" for g, s in zip(group, samples)]),
    "!Sample_geo_accession\t" + q(samples),
    "!Sample_source_name_ch1\t" + q(["tissue"] * n_samples),
    "!Sample_characteristics_ch1\t" + q([f"group: {g}" for g in group]),
    "!Sample_characteristics_ch1\t" + q([f"batch: {b}" for b in obs["batch"]]),
    "!series_matrix_table_begin",
    q(["ID_REF"] + samples),
]
for g, row in zip(genes, counts):
    lines.append(f'"{g}"\t' + "\t".join(fmt(v) for v in row))
lines.append("!series_matrix_table_end")
(out / "GSE000000_series_matrix.txt.gz").write_bytes(gz(("\n".join(lines) + "\n").encode()))

# loom by anndata (loompy): /matrix genes x cells; Gene / CellID attributes.
lobs = obs.copy()
lobs.index.name = "CellID"
lvar = var.copy()
lvar.index.name = "Gene"
loom_path = out / "counts.loom"
if loom_path.exists():
    loom_path.unlink()
ad.AnnData(X=X, obs=lobs, var=lvar).write_loom(loom_path)
back = ad.read_loom(loom_path, sparse=False)
assert list(back.obs_names) == samples and list(back.var_names) == genes
assert np.array_equal(back.X, X)

# xlsx by pandas (openpyxl), and a workbook with a merged header cell.
df.to_excel(out / "counts.xlsx", sheet_name="counts", index=False, engine="openpyxl")
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "counts"
ws.append(["gene", "Tumor", None, "Normal", None])
ws.append(["gene", "S01", "S02", "S03", "S04"])
ws.merge_cells("B1:C1")
ws.merge_cells("D1:E1")
for g, row in zip(genes[:3], counts[:3]):
    ws.append([g] + [float(v) for v in row[:4]])
wb.save(fix / "merged_header.xlsx")
print("wrote", sorted(p.name for p in out.iterdir()), f"sparsity {sparsity:.2f}")
