"""Writes the small files of the "trust at the edges" tests (issue #13) into
tests/fixtures/edges/:

    pandas_int_index.{parquet,feather}    pandas index 10, 20, 30 stored as __index_level_0__
    pandas_named_index.{parquet,feather}  an integer index named probe_id, stored after the data
    pandas_range_index.{parquet,feather}  RangeIndex(5, 11, 2): metadata only, no column
    cr2_two_genomes.h5                    Cell Ranger 2 layout with genomes hg19/ and mm10/
    obs_missing.h5ad                      obs/cell_type categorical with a missing value (code -1),
                                          obs/depth float with a NaN
    obs_conflict.h5ad                     obs names c1, c2, c1 with cell_type T, B, B

    bash scripts/pyenv.sh && scripts/.venv/bin/python scripts/make_edge_samples.py
"""
import warnings
from pathlib import Path

import anndata as ad
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
for name, df in frames.items():
    df.to_parquet(out / f"{name}.parquet")
    feather.write_feather(pa.Table.from_pandas(df), out / f"{name}.feather",
                          compression="uncompressed")

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
ad.AnnData(X=X, obs=obs, var=var).write_h5ad(out / "obs_missing.h5ad")

obs = pd.DataFrame(
    {"cell_type": pd.Categorical(["T", "B", "B"])}, index=["c1", "c2", "c1"]
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    ad.AnnData(X=X[:3], obs=obs, var=var).write_h5ad(out / "obs_conflict.h5ad")
