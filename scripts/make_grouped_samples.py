"""Writes the grouped single-cell sample and scanpy's numbers for it:

    data-samples/grouped/cells.h5ad      AnnData, 480 cells x 60 genes, X CSR float32
                                         (log1p of normalised counts, ~35 % stored),
                                         obs cell_type (a categorical in its own, not
                                         alphabetical, order; uns/cell_type_colors as
                                         scanpy stores them) and batch
    data-samples/grouped/markers.txt     SET<TAB>GENE marker genes (scanpy's var_names dict)
    tests/fixtures/grouped/expected.json scanpy 1.11's numbers on it: pl.matrixplot's
                                         values_df (mean; standard_scale 'var' and 'group'),
                                         pl.dotplot's dot_color_df / dot_size_df, and
                                         pandas' groupby median, for the marker genes

With --png DIR it also saves scanpy's pl.heatmap / pl.matrixplot / pl.dotplot
of the sample in DIR, to compare heatmill's figures with by eye.

    bash scripts/pyenv.sh && scripts/.venv/bin/python scripts/make_grouped_samples.py [--png DIR]
"""
import importlib.metadata
import json
import sys
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import scanpy as sc
import scipy.sparse as sp

root = Path(__file__).resolve().parent.parent
out = root / "data-samples" / "grouped"
fix = root / "tests" / "fixtures" / "grouped"
out.mkdir(parents=True, exist_ok=True)
fix.mkdir(parents=True, exist_ok=True)

rng = np.random.default_rng(16)
types = ["CD4 T", "CD8 T", "B", "NK", "CD14 Mono", "FCGR3A Mono", "Dendritic"]
sizes = [110, 80, 70, 60, 90, 45, 25]
markers = {
    "T": ["CD3D", "CD3E", "IL7R"],
    "CD8": ["CD8A", "CD8B"],
    "B": ["MS4A1", "CD79A", "CD79B"],
    "NK": ["GNLY", "NKG7"],
    "Mono": ["CD14", "LYZ", "FCGR3A", "MS4A7"],
    "DC": ["FCER1A", "CST3"],
}
expressed_by = {
    "CD4 T": ["CD3D", "CD3E", "IL7R"],
    "CD8 T": ["CD3D", "CD3E", "CD8A", "CD8B", "NKG7"],
    "B": ["MS4A1", "CD79A", "CD79B"],
    "NK": ["GNLY", "NKG7"],
    "CD14 Mono": ["CD14", "LYZ", "CST3"],
    "FCGR3A Mono": ["FCGR3A", "MS4A7", "LYZ", "CST3"],
    "Dendritic": ["FCER1A", "CST3", "LYZ"],
}
marker_genes = [g for gs in markers.values() for g in gs]
others = [f"GENE{i:02d}" for i in range(1, 60 - len(marker_genes) + 1)]
genes = marker_genes + others
n_cells = sum(sizes)
labels = np.repeat(types, sizes)
perm = rng.permutation(n_cells)  # cells are not stored group by group
labels = labels[perm]
base = rng.gamma(0.6, 1.0, size=len(genes))
counts = np.zeros((n_cells, len(genes)))
for i, t in enumerate(labels):
    lam = base.copy()
    for g in expressed_by[t]:
        lam[genes.index(g)] += rng.uniform(4, 9)
    counts[i] = rng.poisson(lam * rng.uniform(0.3, 0.8))
lib = counts.sum(axis=1, keepdims=True)
X = np.log1p(counts / np.maximum(lib, 1) * 1e3).astype(np.float32)
obs = pd.DataFrame(
    {
        "cell_type": pd.Categorical(labels, categories=types),
        "batch": pd.Categorical(rng.choice(["b1", "b2", "b10"], size=n_cells),
                                categories=["b1", "b2", "b10"]),
    },
    index=[f"cell{i:03d}" for i in range(n_cells)],
)
var = pd.DataFrame(index=genes)
a = ad.AnnData(sp.csr_matrix(X), obs=obs, var=var)
a.uns["cell_type_colors"] = np.array(
    ["#1f77b4", "#aec7e8", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"], dtype=object
)
a.write_h5ad(out / "cells.h5ad", compression="gzip")
with open(out / "markers.txt", "w") as f:
    f.write("# marker set<TAB>gene (scanpy's var_names dict), in order\n")
    for s, gs in markers.items():
        for g in gs:
            f.write(f"{s}\t{g}\n")

b = ad.read_h5ad(out / "cells.h5ad")
frame = lambda df: {"rows": [str(r) for r in df.index], "cols": [str(c) for c in df.columns],
                    "values": np.asarray(df, dtype=np.float64).ravel().tolist()}
mp = sc.pl.matrixplot(b, markers, "cell_type", return_fig=True)
mp_var = sc.pl.matrixplot(b, markers, "cell_type", standard_scale="var", return_fig=True)
mp_group = sc.pl.matrixplot(b, markers, "cell_type", standard_scale="group", return_fig=True)
dp = sc.pl.dotplot(b, markers, "cell_type", return_fig=True)
dense = pd.DataFrame(b[:, marker_genes].X.toarray().astype(np.float64), index=b.obs_names,
                     columns=marker_genes)
dense["cell_type"] = b.obs["cell_type"].values
median = dense.groupby("cell_type", observed=True).median()
expected = {
    "scanpy": importlib.metadata.version("scanpy"),
    "genes": marker_genes,
    "mean": frame(mp.values_df),
    "mean_standard_scale_var": frame(mp_var.values_df),
    "mean_standard_scale_group": frame(mp_group.values_df),
    "median": frame(median),
    "dotplot_color": frame(dp.dot_color_df),
    "dotplot_size": frame(dp.dot_size_df),
}
(fix / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")

if "--png" in sys.argv:
    d = Path(sys.argv[sys.argv.index("--png") + 1])
    d.mkdir(parents=True, exist_ok=True)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    sc.pl.heatmap(b, markers, "cell_type", show=False)
    plt.savefig(d / "scanpy_heatmap.png", dpi=100)
    sc.pl.matrixplot(b, markers, "cell_type", show=False)
    plt.savefig(d / "scanpy_matrixplot.png", dpi=100)
    sc.pl.dotplot(b, markers, "cell_type", show=False)
    plt.savefig(d / "scanpy_dotplot.png", dpi=100)
