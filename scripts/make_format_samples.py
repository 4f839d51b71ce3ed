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
print("wrote", sorted(p.name for p in out.iterdir()), f"sparsity {sparsity:.2f}")
