"""make_ward_fixture.py — scipy's ward tree of a matrix large enough for heatmill's fast ward.

Usage (from the repo root):
    bash scripts/pyenv.sh && scripts/.venv/bin/python scripts/make_ward_fixture.py

heatmill clusters ward on vectors from 2 000 rows on by rounds of reciprocal nearest
neighbours over centroids, each decision certified against rounding (src/cluster/
ward_rnn/). The small fixtures of make_fixtures.py never reach that size through the CLI;
this one does. The matrix is the seaborn tutorial's recipe (standard normal, +2.5 on the
first third of the rows x first half of the columns, +2.0 on the second third x second half)
at 2 400 x 16, rounded to 1/1024 so the .npy is exact in any reader. Written to
tests/fixtures/ward_large/: X.npy (float64), Z.npy (scipy.cluster.hierarchy.linkage(X,
"ward")), leaves.npy (leaves_list(Z)). tests/integration/parity.rs holds heatmill to all three, through
the library and through `heatmill linkage`.
"""
from pathlib import Path

import numpy as np
from scipy.cluster.hierarchy import leaves_list, linkage

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "ward_large"


def main():
    n, d = 2400, 16
    rng = np.random.default_rng(2400)
    x = rng.standard_normal((n, d))
    x[: n // 3, : d // 2] += 2.5
    x[n // 3 : 2 * n // 3, d // 2 :] += 2.0
    x = np.round(x * 1024.0) / 1024.0
    z = linkage(x, "ward")
    OUT.mkdir(parents=True, exist_ok=True)
    np.save(OUT / "X.npy", np.ascontiguousarray(x, dtype=np.float64))
    np.save(OUT / "Z.npy", z)
    np.save(OUT / "leaves.npy", leaves_list(z).astype(np.float64))
    print(f"wrote {OUT}: X {x.shape}, Z {z.shape}")


if __name__ == "__main__":
    main()
