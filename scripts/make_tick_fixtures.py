"""make_tick_fixtures.py — which tick labels seaborn's "auto" thinning keeps.

Usage (from the repo root):
    bash scripts/pyenv.sh && scripts/.venv/bin/python scripts/make_tick_fixtures.py

seaborn (0.13.2, matplotlib 3.11.2, Agg, default rcParams) draws heatmaps and clustermaps
of labelled all-zero-variance-free matrices of several shapes and figure sizes with
xticklabels/yticklabels="auto", and records the labels it kept on each axis. The result,
tests/fixtures/ticks/auto_ticks.json, is what tests/integration/figures.rs holds heatmill's choice to:
one label per font height of the axes *as seaborn sizes them when it thins* (before
tight_layout, after the colour bar took its share), and the colour bar's ticks (chosen when
the figure is drawn, after tight_layout; heatmaps here call plt.tight_layout() as the
tutorial does).

Each case: {"name", "kind": "heatmap"|"clustermap", "rows", "cols", "figsize": [w, h],
"tail", "kwargs": {...seaborn keyword arguments...}, "x": [kept column indices], "y": [kept
row indices], "x_rotation", "y_rotation": degrees, "vmin", "vmax": the data range,
"cbar_ticks": the colour bar's ticks inside it (null without a bar)}. Row i is labelled "r{i}{tail}", column j
"c{j}{tail}" (a tail makes labels long enough to test when seaborn turns them: x labels go
vertical when they overlap, y labels stay vertical unless they overlap, both decided at the
same pre-layout size); the data are a fixed random matrix, and clustermaps are drawn with
row_cluster=col_cluster=False so indices are positions.
"""
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "ticks" / "auto_ticks.json"

CASES = [
    # name, kind, rows, cols, figsize, tail, kwargs
    ("heatmap_300x40", "heatmap", 300, 40, (10, 8), "", {}),
    ("heatmap_2000x150", "heatmap", 2000, 150, (10, 8), "", {}),
    ("heatmap_2000x150_nocbar", "heatmap", 2000, 150, (10, 8), "", {"cbar": False}),
    ("heatmap_800x800_square", "heatmap", 800, 800, (10, 8), "",
     {"square": True, "cbar_kws": {"shrink": 0.8}}),
    ("heatmap_500x90_small", "heatmap", 500, 90, (6, 4), "", {}),
    ("clustermap_1000x50", "clustermap", 1000, 50, (10, 10), "", {}),
    ("clustermap_20000x50", "clustermap", 20000, 50, (10, 10), "", {}),
    ("clustermap_3000x200_ratios", "clustermap", 3000, 200, (8, 12), "",
     {"dendrogram_ratio": (0.1, 0.3)}),
    ("clustermap_1000x120_colors", "clustermap", 1000, 120, (10, 10), "",
     {"row_colors": "rows", "col_colors": "cols"}),
] + [
    # Around the sizes where long labels start to overlap: horizontal x and
    # vertical y labels that fit the final axes but not the pre-layout ones.
    (f"heatmap_{n}x{n}_long", "heatmap", n, n, (10, 8), "_abcdefg", {})
    for n in (3, 6, 7, 8, 9, 10, 12)
] + [
    (f"clustermap_{n}x{n}_long", "clustermap", n, n, (10, 10), "_abcdefg", {})
    for n in (3, 6, 7, 8, 9, 10)
] + [
    # Square cells in a box of another shape: the labels overlap (or not)
    # in the box the aspect leaves.
    (f"heatmap_{r}x{c}_square_long", "heatmap", r, c, (10, 8), "_abcdefg", {"square": True})
    for r, c in ((5, 10), (10, 5), (4, 12), (12, 4))
]


def kept(labels, n, prefix, tail):
    out = []
    for t in labels:
        s = t.get_text()
        if s:
            assert s.startswith(prefix) and s.endswith(tail), s
            out.append(int(s[len(prefix):len(s) - len(tail)]))
    assert all(0 <= i < n for i in out)
    return out


def main():
    rng = np.random.default_rng(5)
    cases = []
    for name, kind, n, p, figsize, tail, kwargs in CASES:
        df = pd.DataFrame(rng.standard_normal((n, p)),
                          index=[f"r{i}{tail}" for i in range(n)],
                          columns=[f"c{j}{tail}" for j in range(p)])
        kw = dict(kwargs)
        if kind == "heatmap":
            fig = plt.figure(figsize=figsize)
            ax = sns.heatmap(df, **kw)
            plt.tight_layout()  # the tutorial's flow (and heatmill's layout)
        else:
            if kw.get("row_colors") == "rows":
                kw["row_colors"] = pd.Series(["#e63946"] * n, index=df.index)
            if kw.get("col_colors") == "cols":
                kw["col_colors"] = pd.Series(["#457b9d"] * p, index=df.columns)
            g = sns.clustermap(df, row_cluster=False, col_cluster=False, figsize=figsize, **kw)
            fig, ax = g.figure, g.ax_heatmap
        cax = g.ax_cbar if kind == "clustermap" else (
            ax.collections[0].colorbar.ax if ax.collections[0].colorbar else None)
        vmin, vmax = float(df.values.min()), float(df.values.max())
        if cax is not None:
            fig.canvas.draw()
            cbar_ticks = [float(t) for t in cax.get_yticks() if vmin <= t <= vmax]
        else:
            cbar_ticks = None
        xtl, ytl = ax.get_xticklabels(), ax.get_yticklabels()
        x = kept(xtl, p, "c", tail)
        y = kept(ytl, n, "r", tail)
        x_rot = float(xtl[0].get_rotation()) if xtl else None
        y_rot = float(ytl[0].get_rotation()) if ytl else None
        plt.close(fig)
        cases.append({"name": name, "kind": kind, "rows": n, "cols": p,
                      "figsize": list(figsize), "tail": tail, "kwargs": kwargs, "x": x, "y": y,
                      "x_rotation": x_rot, "y_rotation": y_rot,
                      "vmin": vmin, "vmax": vmax, "cbar_ticks": cbar_ticks})
        print(f"{name}: {len(x)} x labels (every {x[1] - x[0] if len(x) > 1 else '-'}), "
              f"{len(y)} y labels (every {y[1] - y[0] if len(y) > 1 else '-'}), "
              f"rotation x {x_rot} y {y_rot}, colour bar {cbar_ticks}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"seaborn": sns.__version__, "matplotlib": matplotlib.__version__,
                               "cases": cases}, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
