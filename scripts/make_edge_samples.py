"""Writes the small files of the "trust at the edges" tests (issue #13) into
tests/fixtures/edges/:

    pandas_int_index.{parquet,feather}    pandas index 10, 20, 30 stored as __index_level_0__
    pandas_named_index.{parquet,feather}  an integer index named probe_id, stored after the data
    pandas_range_index.{parquet,feather}  RangeIndex(5, 11, 2): metadata only, no column
    cr2_two_genomes.h5                    Cell Ranger 2 layout with genomes hg19/ and mm10/
    obs_missing.h5ad                      obs/cell_type categorical with a missing value (code -1),
                                          obs/depth float with a NaN, uns/cell_type_colors
    obs_conflict.h5ad                     obs names c1, c2, c1 with cell_type T, B, B
    pandas_multi_index.{parquet,feather}  rows by a MultiIndex (gene, iso) with a text and an int level
    pandas_col_multi.{parquet,feather}    columns by a MultiIndex: pyarrow names them "('a', 'x')"
    pandas_dt_index.{parquet,feather}     a DatetimeIndex (ns) named day
    dup_columns.parquet                   columns gene, S0, S0, S1 (pyarrow; pandas cannot read it)
    truncated.parquet                     pandas_multi_index.parquet cut in half
    seaborn_labels.json                   the tick labels sns.heatmap draws for each pandas_* frame

    bash scripts/pyenv.sh && scripts/.venv/bin/python scripts/make_edge_samples.py
"""
import warnings
from pathlib import Path

import json

import anndata as ad
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import seaborn as sns
import h5py
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq

root = Path(__file__).resolve().parent.parent
out = root / "tests" / "fixtures" / "edges"
out.mkdir(parents=True, exist_ok=True)

values = {"S0": [1.0, 2.0, 4.0], "S1": [3.0, 5.0, 9.0]}
frames = {
    "pandas_int_index": pd.DataFrame(values, index=pd.Index([10, 20, 30])),
    "pandas_named_index": pd.DataFrame(values, index=pd.Index([7, 8, 9], name="probe_id")),
    "pandas_range_index": pd.DataFrame(values, index=pd.RangeIndex(5, 11, 2)),
}
v = np.array([[1.0, 3.0, 0.5], [2.0, 5.0, 0.25], [4.0, 9.0, 8.0], [7.0, 1.0, 2.0]])
frames.update({
    "pandas_multi_index": pd.DataFrame(
        v, columns=["S0", "S1", "S2"],
        index=pd.MultiIndex.from_arrays([["g1", "g1", "g2", "g2"], [1, 2, 1, 2]],
                                        names=["gene", "iso"])),
    "pandas_col_multi": pd.DataFrame(
        v, index=["r0", "r1", "r2", "r3"],
        columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y"), ("b", "x")])),
    "pandas_dt_index": pd.DataFrame(
        v, columns=["S0", "S1", "S2"],
        index=pd.date_range("2020-01-01", periods=4, freq="D", name="day")),
})
labels = {}
for name, df in frames.items():
    df.to_parquet(out / f"{name}.parquet")
    feather.write_feather(pa.Table.from_pandas(df), out / f"{name}.feather",
                          compression="uncompressed")
    ax = sns.heatmap(df, yticklabels=True, xticklabels=True)
    labels[name] = {"rows": [t.get_text() for t in ax.get_yticklabels()],
                    "cols": [t.get_text() for t in ax.get_xticklabels()]}
    plt.close("all")
(out / "seaborn_labels.json").write_text(json.dumps(labels, indent=1) + "\n")

pq.write_table(pa.table([pa.array(["g1", "g2"]), pa.array([1.0, 2.0]), pa.array([3.0, 4.0]),
                         pa.array([5.0, 6.0])], names=["gene", "S0", "S0", "S1"]),
               out / "dup_columns.parquet")
whole = (out / "pandas_multi_index.parquet").read_bytes()
(out / "truncated.parquet").write_bytes(whole[: len(whole) // 2])

# Cell Ranger 2: <genome>/{barcodes,data,indices,indptr,shape,genes,gene_names};
# features x barcodes in CSC (indptr over barcodes).
with h5py.File(out / "cr2_two_genomes.h5", "w") as f:
    for genome, genes, seed in [("hg19", ["CD3E", "MS4A1", "LYZ"], 1),
                                ("mm10", ["Cd3e", "Ms4a1"], 2)]:
        g = f.create_group(genome)
        n_bc = 4
        dense = np.random.default_rng(seed).integers(0, 5, size=(len(genes), n_bc))
        data, indices, indptr = [], [], [0]
        for j in range(n_bc):
            for i in range(len(genes)):
                if dense[i, j]:
                    data.append(dense[i, j])
                    indices.append(i)
            indptr.append(len(data))
        g["barcodes"] = np.array([f"{genome}_BC{j}".encode() for j in range(n_bc)])
        g["data"] = np.array(data, dtype=np.int32)
        g["indices"] = np.array(indices, dtype=np.int64)
        g["indptr"] = np.array(indptr, dtype=np.int64)
        g["shape"] = np.array([len(genes), n_bc], dtype=np.int32)
        g["genes"] = np.array([f"ENS{genome}{i}".encode() for i in range(len(genes))])
        g["gene_names"] = np.array([s.encode() for s in genes])

X = np.arange(12, dtype=np.float32).reshape(4, 3)
var = pd.DataFrame({"chrom": ["chr1", "chr2", "chr3"]}, index=["g1", "g2", "g3"])
obs = pd.DataFrame(
    {
        "cell_type": pd.Categorical(["T", None, "B", "T"], categories=["B", "T"]),
        "depth": [1.0, np.nan, 3.0, 4.0],
    },
    index=["c1", "c2", "c3", "c4"],
)
adata = ad.AnnData(X=X, obs=obs, var=var)
# scanpy's colours of cell_type (B, T), as sc.pl.umap stores them (its
# default palette for two categories).
adata.uns["cell_type_colors"] = np.array(["#1f77b4", "#ff7f0e"], dtype=object)
adata.write_h5ad(out / "obs_missing.h5ad")

obs = pd.DataFrame(
    {"cell_type": pd.Categorical(["T", "B", "B"])}, index=["c1", "c2", "c1"]
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    ad.AnnData(X=X[:3], obs=obs, var=var).write_h5ad(out / "obs_conflict.h5ad")
