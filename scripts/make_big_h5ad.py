"""Writes a large single-cell AnnData file for the grouped-figure benchmark
(scripts/bench_grouped.py), into a scratch directory (never committed):

    DIR/big_<N>.h5ad     N cells x 2000 genes, X CSR float32 (~5 % stored:
                         ~100 stored values a cell, log1p of Poisson counts),
                         obs cell_type: a categorical of 20 cell types; each
                         type expresses its own two marker genes in ~60 % of
                         its cells (Gene_0..Gene_39), Gene_40..Gene_49 in ~30 %
                         of every cell
    DIR/markers_50.txt   SET<TAB>GENE: the 50 marker genes (type_k: Gene_2k,
                         Gene_2k+1; shared: Gene_40..Gene_49)

Seeded (numpy default_rng(16)): the same N gives the same file.

    bash scripts/pyenv.sh && scripts/.venv/bin/python scripts/make_big_h5ad.py DIR [--cells N]
"""
import argparse
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

N_GENES = 2000
N_TYPES = 20
BASE_P = 0.05


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--cells", type=int, default=1_000_000)
    a = ap.parse_args()
    out = Path(a.dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(16)
    n = a.cells
    types = rng.integers(0, N_TYPES, size=n)
    # Per type, the probability that a gene is stored in a cell.
    p = np.full((N_TYPES, N_GENES), BASE_P, dtype=np.float32)
    for t in range(N_TYPES):
        p[t, 2 * t : 2 * t + 2] = 0.6
    p[:, 40:50] = 0.3
    indptr = [np.zeros(1, dtype=np.int64)]
    indices, data = [], []
    done = 0
    step = 20_000
    for start in range(0, n, step):
        t = types[start : start + step]
        keep = rng.random((len(t), N_GENES), dtype=np.float32) < p[t]
        r, c = np.nonzero(keep)  # row-major: columns ascending in each row
        counts = np.bincount(r, minlength=len(t))
        indptr.append(done + np.cumsum(counts))
        done += len(c)
        indices.append(c.astype(np.int32))
        data.append(np.log1p(rng.poisson(3.0, size=len(c)) + 1).astype(np.float32))
    X = sp.csr_matrix(
        (np.concatenate(data), np.concatenate(indices), np.concatenate(indptr)),
        shape=(n, N_GENES),
    )
    names = [f"type_{k}" for k in range(N_TYPES)]
    obs = pd.DataFrame(
        {"cell_type": pd.Categorical.from_codes(types, categories=names)},
        index=[f"cell{i}" for i in range(n)],
    )
    var = pd.DataFrame(index=[f"Gene_{j}" for j in range(N_GENES)])
    path = out / f"big_{n}.h5ad"
    ad.AnnData(X=X, obs=obs, var=var).write_h5ad(path)
    lines = [f"type_{k}\tGene_{2 * k + i}" for k in range(N_TYPES) for i in range(2)]
    lines += [f"shared\tGene_{j}" for j in range(40, 50)]
    (out / "markers_50.txt").write_text("\n".join(lines) + "\n")
    print(f"{path}: {n} cells x {N_GENES} genes, {X.nnz} stored values")


if __name__ == "__main__":
    main()
