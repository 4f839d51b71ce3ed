"""Writes the seed matrix as Parquet with every codec pyarrow offers, plus
integer and float32 columns, into tests/fixtures/parquet/ (the reader must
give identical matrices for all of them).

    bash scripts/pyenv.sh && scripts/.venv/bin/python scripts/make_parquet_codecs.py
"""
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

root = Path(__file__).resolve().parent.parent
out = root / "tests" / "fixtures" / "parquet"
out.mkdir(parents=True, exist_ok=True)
df = pd.read_csv(root / "data-samples" / "seed.csv", float_precision="round_trip")
table = pa.Table.from_pandas(df, preserve_index=False)
for codec in ["none", "snappy", "gzip", "brotli", "lz4", "zstd"]:
    pq.write_table(table, out / f"seed_{codec}.parquet", compression=codec)
# Mixed numeric types: int64, int32, float32 columns, and a second text
# column that must be refused with a clear message unless it is the index.
mixed = pd.DataFrame(
    {
        "gene": ["a", "b", "c"],
        "i64": pd.array([1, 2, 3], dtype="int64"),
        "i32": pd.array([4, 5, 6], dtype="int32"),
        "f32": pd.array([0.5, 1.5, 2.5], dtype="float32"),
    }
)
pq.write_table(pa.Table.from_pandas(mixed, preserve_index=False), out / "mixed_types.parquet")
print("wrote", sorted(p.name for p in out.iterdir()))
