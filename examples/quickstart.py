"""heatmill from Python: the seaborn tutorial's clustermap, in process.

    pip install ./python          # from the repository root (needs a Rust toolchain)
    python examples/quickstart.py # → clustermap.png; in Jupyter the figure shows inline
"""

import pandas as pd

import heatmill

expr = pd.read_csv("data-samples/seed.csv", index_col=0)           # genes x samples
groups = pd.read_csv("data-samples/samples.tsv", sep="\t", index_col=0)["group"]

g = heatmill.clustermap(
    expr, cmap="RdBu_r", center=0, method="ward", linewidths=0.3,
    dendrogram_ratio=0.15, figsize=(10, 10), col_colors=groups,
    palette={"Tumor": "#e63946", "Normal": "#457b9d"},
    title="Clustered Gene Expression Heatmap",
)
g                                             # a notebook cell shows it (HiDPI PNG)
print(g.dendrogram_row.reordered_ind[:5])     # as seaborn's ClusterGrid
print(g.row_linkage[:2])                      # scipy's linkage matrix
g.save("clustermap.png")                      # .svg / .pdf by the extension, atomic
print("wrote clustermap.png")
