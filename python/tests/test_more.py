"""Arrow streams, batch progress, colour-bar ticks against seaborn, condensed
linkages and seaborn's masks on clustermap and corrmap."""

import os
import sys
import threading
import time
import types

import numpy as np
import pandas as pd
import pytest
import scipy.cluster.hierarchy as sch
from scipy.spatial.distance import pdist

import heatmill

from conftest import ROOT


@pytest.fixture(scope="module")
def expr():
    df = pd.read_parquet(ROOT / "data-samples" / "seed.parquet")
    return df.set_index("gene") if "gene" in df.columns else df


# --- Arrow PyCapsule streams ---------------------------------------------------


def test_arrow_streams_give_the_pandas_figure(expr):
    pa = pytest.importorskip("pyarrow")
    pl = pytest.importorskip("polars")
    kw = dict(method="ward", cmap="RdBu_r", center=0)
    ref = heatmill.clustermap(expr, **kw)
    table = pa.Table.from_pandas(expr)                    # pandas' index in the metadata
    frame = pl.from_pandas(expr.reset_index())            # 'gene' a Utf8View column
    moved = frame.select(frame.columns[3:] + frame.columns[:3])  # labels not first
    batches = pa.RecordBatchReader.from_batches(
        table.schema, table.to_batches(max_chunksize=7))  # a stream of 5 batches
    moved_ref = heatmill.clustermap(expr[[c for c in moved.columns if c != "gene"]], **kw)
    for obj, want in ((table, ref), (frame, ref), (moved, moved_ref), (batches, ref)):
        f = heatmill.clustermap(obj, **kw)
        assert (f.row_labels, f.col_labels) == (want.row_labels, want.col_labels), type(obj)
        np.testing.assert_array_equal(f.row_linkage, want.row_linkage)
        assert f.png() == want.png(), type(obj)


def test_arrow_stream_types_nulls_and_errors():
    pl = pytest.importorskip("polars")
    df = pl.DataFrame({"g": ["a", "b", "c"], "x": [1, 2, 3], "y": [0.5, None, 1.5],
                       "z": pl.Series([1.0, 2.0, 4.0], dtype=pl.Float32)})
    f = heatmill.heatmap(df, annot=True)
    assert f.row_labels == ["a", "b", "c"] and f.col_labels == ["x", "y", "z"]
    # The null is a missing cell, as NaN is from pandas.
    pdf = pd.DataFrame({"x": [1.0, 2, 3], "y": [0.5, np.nan, 1.5], "z": [1.0, 2, 4]},
                       index=pd.Index(["a", "b", "c"], name="g"))
    assert f.png() == heatmill.heatmap(pdf, annot=True).png()
    with pytest.raises(ValueError, match=r"column 'n' has type .* not numeric"):
        heatmill.heatmap(pl.DataFrame({"g": ["a"], "n": ["x"], "v": [1.0]}))
    with pytest.raises(ValueError, match="no data rows"):
        heatmill.heatmap(pl.DataFrame({"g": pl.Series([], dtype=pl.String),
                                       "v": pl.Series([], dtype=pl.Float64)}))


# --- batch progress -------------------------------------------------------------


def _config(tmp_path, n=3):
    return {
        "output": {"dir": str(tmp_path / "out"), "formats": ["png"]},
        "defaults": {"figsize": [3, 3], "dpi": 50},
        "dataset": [{"name": f"d{k}", "path": str(ROOT / "data-samples" / "seed.csv")}
                    for k in range(n)],
        "figure": [{"name": "h", "kind": "heatmap"}, {"name": "c", "kind": "clustermap"}],
    }


def _hide_tqdm(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)


def test_run_progress_lines_for_each_job_and_silent_when_asked(tmp_path, capfd, monkeypatch):
    _hide_tqdm(monkeypatch)
    cfg = _config(tmp_path)
    s = heatmill.run(cfg, threads=2)
    err = capfd.readouterr().err
    lines = [l for l in err.splitlines() if l.startswith("[")]
    assert (s.ok, len(lines)) == (6, 6), err
    assert sorted(int(l[1:l.index("/")]) for l in lines) == list(range(1, 7))
    assert {l.split()[1] for l in lines} == {f"d{k}/{f}" for k in range(3) for f in "hc"}
    assert all(l.split()[2] == "ok" and l.endswith(" s)") for l in lines)
    s = heatmill.run(cfg, force=True, progress=False)
    assert s.ok == 6 and capfd.readouterr().err == ""
    s = heatmill.run(cfg, quiet=True)
    assert s.skipped == 6 and capfd.readouterr().err == ""


def test_run_progress_uses_tqdm_when_installed(tmp_path, monkeypatch):
    events = []

    class FakeTqdm:
        def __init__(self, total, unit, desc):
            events.append(("open", total))

        def update(self, k):
            events.append(("update", k))

        def set_postfix_str(self, s, refresh=True):
            events.append(("job", s))

        def write(self, s):
            events.append(("write", s))

        def close(self):
            events.append(("close",))

    auto = types.ModuleType("tqdm.auto")
    auto.tqdm = FakeTqdm
    monkeypatch.setitem(sys.modules, "tqdm", types.ModuleType("tqdm"))
    monkeypatch.setitem(sys.modules, "tqdm.auto", auto)
    cfg = _config(tmp_path, 2)
    (tmp_path / "bad.csv").write_text("gene,a,b\ng1,1,x\n")
    cfg["dataset"].append({"name": "bad", "path": str(tmp_path / "bad.csv")})
    with pytest.warns(UserWarning, match="job bad/. failed"):
        s = heatmill.run(cfg)
    assert (s.ok, len(s.failed)) == (4, 2)
    assert events[0] == ("open", 6) and events[-1] == ("close",)
    assert events.count(("update", 1)) == 6
    assert sorted(e[1] for e in events if e[0] == "job") == sorted(
        f"{d}/{f}" for d in ("d0", "d1", "bad") for f in "hc")
    # A failure is written above the bar, as the CLI's bar prints it.
    assert sorted(e[1].split(":")[0] for e in events if e[0] == "write") == ["bad/c", "bad/h"]


def test_run_progress_does_not_hold_the_gil(tmp_path, monkeypatch):
    _hide_tqdm(monkeypatch)
    cfg = _config(tmp_path, 4)
    cfg["defaults"] = {"figsize": [6, 6], "dpi": 150}
    ticks, done = [], threading.Event()

    def count():
        while not done.is_set():
            ticks.append(1)
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    try:
        s = heatmill.run(cfg, threads=1)
    finally:
        done.set()
        t.join()
    assert s.ok == 8 and len(ticks) > 5


# --- the colour bar's ticks, against seaborn live -------------------------------------


def _drawn_ticks(cax):
    """matplotlib's colour-bar ticks inside the bar, and their labels as drawn."""
    cax.figure.canvas.draw()
    lo, hi = sorted(cax.get_ylim())
    eps = (hi - lo) * 1e-10
    pairs = [(t, l.get_text()) for t, l in zip(cax.get_yticks(), cax.get_yticklabels())
             if lo - eps <= t <= hi + eps]
    return [t for t, _ in pairs], [l for _, l in pairs]


HEAT_RANGES = [dict(cmap="RdBu_r", center=0), dict(vmin=-2, vmax=2), dict(vmin=0, vmax=1),
               dict(robust=True), dict(robust=True, center=0), dict(center=1, vmin=-1, vmax=5),
               dict(vmin=-0.3, vmax=0.45), dict(vmin=100, vmax=1000)]


@pytest.mark.parametrize("kw", HEAT_RANGES)
def test_heatmap_cbar_ticks_equal_seaborn(expr, kw):
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(10, 8))
    sns.heatmap(expr, ax=ax, **kw)
    ticks, labels = _drawn_ticks(ax.collections[0].colorbar.ax)
    plt.close(fig)
    h = heatmill.heatmap(expr, figsize=(10, 8), **kw)
    np.testing.assert_allclose(h.cbar_ticks, ticks, rtol=0, atol=1e-12)
    assert h.cbar_ticklabels == labels


def test_tutorial_cbar_ticks_equal_seaborn(expr, samples):
    import matplotlib.pyplot as plt
    import seaborn as sns

    # Heatmap.
    fig, ax = plt.subplots(figsize=(10, 8))
    sns.heatmap(expr, cmap="RdBu_r", center=0, linewidths=0.5, ax=ax)
    want = _drawn_ticks(ax.collections[0].colorbar.ax)
    plt.close(fig)
    h = heatmill.heatmap(expr, cmap="RdBu_r", center=0, linewidths=0.5, figsize=(10, 8),
                         title="Gene Expression Heatmap", xlabel="Samples", ylabel="Genes")
    assert (list(h.cbar_ticks), h.cbar_ticklabels) == want
    # Clustermap (the colour bar seaborn puts top left).
    pal = {"Tumor": "#e63946", "Normal": "#457b9d"}
    g = sns.clustermap(expr, cmap="RdBu_r", center=0, method="ward", linewidths=0.3,
                       dendrogram_ratio=0.15, figsize=(10, 10),
                       col_colors=samples["group"].map(pal))
    want = _drawn_ticks(g.ax_cbar)
    plt.close("all")
    c = heatmill.clustermap(expr, cmap="RdBu_r", center=0, method="ward", linewidths=0.3,
                            dendrogram_ratio=0.15, figsize=(10, 10),
                            col_colors=samples["group"], palette=pal)
    assert (list(c.cbar_ticks), c.cbar_ticklabels) == want
    # Masked correlation map.
    corr = expr.T.corr()
    mask = np.triu(np.ones_like(corr, dtype=bool), k=1)
    fig, ax = plt.subplots(figsize=(10, 8))
    sns.heatmap(corr, mask=mask, cmap="coolwarm", center=0, square=True, linewidths=0.5,
                cbar_kws={"shrink": 0.8}, ax=ax)
    want = _drawn_ticks(ax.collections[0].colorbar.ax)
    plt.close(fig)
    r = heatmill.corrmap(expr, mask=mask, cmap="coolwarm", center=0, square=True,
                         linewidths=0.5, cbar_kws={"shrink": 0.8, "label": "Pearson r"},
                         title="Gene-Gene Correlation Matrix", figsize=(10, 8))
    np.testing.assert_allclose(r.cbar_ticks, want[0], rtol=0, atol=1e-12)
    assert r.cbar_ticklabels == want[1]


def test_no_colour_bar_no_ticks(expr):
    f = heatmill.heatmap(expr, cbar=False)
    assert len(f.cbar_ticks) == 0 and f.cbar_ticklabels == []


# --- linkage of a condensed distance vector --------------------------------------------


@pytest.mark.parametrize("method", ["single", "complete", "average", "weighted", "centroid",
                                    "median", "ward"])
def test_linkage_of_condensed_distances_equals_scipy(method, rng):
    x = rng.normal(size=(60, 5))
    for metric in ("euclidean", "cityblock"):
        y = pdist(x, metric)
        for oo in (False, True):
            z = heatmill.linkage(y, method=method, optimal_ordering=oo)
            ref = sch.linkage(y, method=method, optimal_ordering=oo)
            np.testing.assert_allclose(z, ref, rtol=1e-12, atol=1e-12)
            assert list(sch.leaves_list(z)) == list(sch.leaves_list(ref))
    # float32 and strided vectors are read as float64, as scipy does.
    y = pdist(x)
    np.testing.assert_allclose(heatmill.linkage(np.repeat(y, 2)[::2], method=method),
                               sch.linkage(y, method=method), rtol=1e-12, atol=1e-12)


def test_linkage_refuses_what_scipy_refuses():
    for y in (np.ones(4), np.array([1.0, np.nan, 2.0]), np.array([]), np.ones((2, 2, 2))):
        with pytest.raises(ValueError) as ours:
            heatmill.linkage(y)
        with pytest.raises(ValueError) as scipys:
            sch.linkage(y)
        assert str(ours.value) == str(scipys.value)


# --- seaborn's mask on clustermap and corrmap ----------------------------------------------


def test_clustermap_mask_moves_with_the_data_as_seaborns(expr, rng, tmp_path):
    import matplotlib.pyplot as plt
    import seaborn as sns

    mask = rng.random(expr.shape) < 0.2
    g = sns.clustermap(expr, mask=mask, method="average")
    # seaborn reorders the mask with the data: the cells it leaves out.
    drawn = g.ax_heatmap.collections[0].get_array()
    sb_hidden = np.ma.getmaskarray(drawn).reshape(expr.shape)
    plt.close("all")
    f = heatmill.clustermap(expr, mask=mask, method="average")
    r, c = f.row_reordered_ind, f.col_reordered_ind
    assert r == g.dendrogram_row.reordered_ind
    np.testing.assert_array_equal(mask[np.ix_(r, c)], sb_hidden)
    # The same figure from a DataFrame mask and from a mask file by label.
    mdf = pd.DataFrame(mask, index=expr.index, columns=expr.columns)
    assert heatmill.clustermap(expr, mask=mdf, method="average").png() == f.png()
    mdf.astype(int).to_csv(tmp_path / "mask.tsv", sep="\t")
    by_file = heatmill.clustermap(expr, mask=f"file:{tmp_path / 'mask.tsv'}", method="average")
    assert by_file.png() == f.png()
    assert f.png() != heatmill.clustermap(expr, method="average").png()
    # Hidden cells are out of the colour range, as in seaborn.
    big = expr.copy()
    big.iloc[0, 0] = 50.0
    hide = np.zeros(expr.shape, dtype=bool)
    hide[0, 0] = True
    f2 = heatmill.clustermap(big, mask=hide, method="average", row_cluster=False,
                             col_cluster=False)
    assert f2.cbar_ticks.max() < 10


def test_mask_shape_and_labels_are_checked(expr):
    with pytest.raises(ValueError, match="same shape as data"):
        heatmill.clustermap(expr, mask=np.zeros((3, 3), dtype=bool))
    with pytest.raises(ValueError, match="same index and columns"):
        heatmill.clustermap(expr, mask=pd.DataFrame(False, index=expr.index[::-1],
                                                    columns=expr.columns))
    with pytest.raises(ValueError, match="gene x gene"):
        heatmill.corrmap(expr, mask=np.zeros(expr.shape, dtype=bool))
    dup = expr.copy()
    dup.index = ["g"] * len(dup)
    with pytest.raises(ValueError, match="label 'g' is on more than one"):
        heatmill.clustermap(dup, mask=np.zeros(dup.shape, dtype=bool), row_cluster=False)
    # A heatmap draws in input order: duplicates are fine there.
    heatmill.heatmap(dup, mask=np.eye(*dup.shape, dtype=bool))


def test_corrmap_mask_as_seaborn(expr, rng):
    import matplotlib.pyplot as plt
    import seaborn as sns

    corr = expr.T.corr()
    n = len(corr)
    mask = rng.random((n, n)) < 0.3
    # Unclustered: sns.heatmap(corr, mask=...): the same cells, in place.
    f = heatmill.corrmap(expr, mask=mask)
    a = heatmill.corrmap(expr, mask=pd.DataFrame(mask, index=corr.index, columns=corr.columns))
    assert f.png() == a.png() != heatmill.corrmap(expr).png()
    # Clustered: sns.clustermap(corr, mask=...) moves the mask with the genes.
    g = sns.clustermap(corr, mask=mask, method="average")
    sb_hidden = np.ma.getmaskarray(g.ax_heatmap.collections[0].get_array()).reshape(n, n)
    plt.close("all")
    h = heatmill.corrmap(expr, mask=mask, cluster=True, method="average")
    order = h.row_reordered_ind
    assert order == g.dendrogram_row.reordered_ind
    np.testing.assert_array_equal(mask[np.ix_(order, order)], sb_hidden)
    # The tutorial's triangle stays the display triangle when not clustered.
    tri = np.triu(np.ones((n, n), dtype=bool), k=1)
    assert heatmill.corrmap(expr, mask=tri).png() == heatmill.corrmap(expr, mask="upper").png()


# --- the README's example ------------------------------------------------------------------


def test_quickstart_example_runs_and_draws_the_clustermap(tmp_path):
    import runpy

    (tmp_path / "data-samples").symlink_to(ROOT / "data-samples")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        ns = runpy.run_path(str(ROOT / "examples" / "quickstart.py"), run_name="__main__")
    finally:
        os.chdir(cwd)
    png = (tmp_path / "clustermap.png").read_bytes()
    g = ns["g"]
    assert png == g.png() and png.startswith(b"\x89PNG")
    assert g.kind == "clustermap" and g.dendrogram_row.reordered_ind is not None
    data, meta = g._repr_png_()
    assert data.startswith(b"\x89PNG") and meta["width"] == 1000


# --- scanpy's grouped figures from an in-memory AnnData ---------------------------


@pytest.fixture
def cells():
    ad = pytest.importorskip("anndata")
    rng = np.random.default_rng(7)
    x = rng.poisson(1.5, size=(60, 8)).astype(np.float32)
    obs = pd.DataFrame({"cell_type": pd.Categorical(
        rng.choice(["T", "B", "NK"], size=60), categories=["T", "B", "NK"])},
        index=[f"c{i}" for i in range(60)])
    a = ad.AnnData(X=x, obs=obs, var=pd.DataFrame(index=[f"G{j}" for j in range(8)]))
    a.uns["cell_type_colors"] = ["#1f77b4", "#ff7f0e", "#279e68"]
    return a


def _from_file(tmp_path, a, figure):
    """The same figure made by a config run over the AnnData written to disk."""
    path = tmp_path / "cells.h5ad"
    a.write_h5ad(path)
    cfg = {"output": {"dir": str(tmp_path / "out"), "formats": ["png"]},
           "dataset": [{"name": "cells", "path": str(path)}],
           "figure": [dict(figure, name="f")]}
    s = heatmill.run(cfg, quiet=True)
    assert s.failed == []
    (png,) = list((tmp_path / "out").rglob("*.png"))
    return png.read_bytes()


def test_matrixplot_of_an_anndata_is_the_configs(cells, tmp_path):
    f = heatmill.matrixplot(cells, ["G3", "G1", "G5"], groupby="cell_type")
    assert f.row_labels == ["T", "B", "NK"]          # the categorical's order
    assert f.col_labels == ["G3", "G1", "G5"]
    ref = _from_file(tmp_path, cells, {"kind": "heatmap", "groupby": "obs/cell_type",
                                       "reduce": "mean", "genes": ["G3", "G1", "G5"]})
    assert f.png() == ref
    # reduce passes through (it was dropped when Python grouped the rows).
    med = heatmill.heatmap(cells, groupby="cell_type", reduce="median", genes=["G3", "G1"])
    assert med.row_labels == ["T", "B", "NK"] and med.png() != f.png()


def test_dotplot_takes_scanpys_var_names_dict(cells, tmp_path):
    sets = {"first": ["G0", "G2"], "second": "G4"}
    f = heatmill.dotplot(cells, sets, groupby="cell_type")
    assert f.kind == "dotplot"
    assert f.col_labels == ["G0", "G2", "G4"]
    markers = tmp_path / "markers.txt"
    markers.write_text("first\tG0\nfirst\tG2\nsecond\tG4\n")
    ref = _from_file(tmp_path, cells, {"kind": "dotplot", "groupby": "obs/cell_type",
                                       "genes": [f"file:{markers}"]})
    assert f.png() == ref
    with pytest.raises(ValueError, match="groupby"):
        heatmill.dotplot(cells, sets, groupby="celltype")


def test_groupby_as_a_series_and_labels_as_a_list(cells):
    by = cells.obs["cell_type"].rename("kind")
    f = heatmill.heatmap(cells.to_df(), groupby=by, genes=["G0", "G1"])
    assert f.row_labels[: (by == "T").sum()] == list(by.index[by == "T"])
    g = heatmill.heatmap(cells.to_df().iloc[:4, :3], xticklabels=["a", "b", "c"])
    assert g.png() != heatmill.heatmap(cells.to_df().iloc[:4, :3]).png()
    with pytest.raises(ValueError, match="3"):
        heatmill.heatmap(cells.to_df().iloc[:4, :3], xticklabels=["a", "b"])


def test_label_angles_and_bar_tracks_pass_through(expr, tmp_path):
    base = heatmill.clustermap(expr)
    turned = heatmill.clustermap(expr, xticklabels_rotation=45)
    assert turned.png() != base.png()
    with pytest.raises(ValueError, match="xticklabels_rotation"):
        heatmill.clustermap(expr, xticklabels_rotation=float("nan"))
    depth = tmp_path / "depth.tsv"
    depth.write_text("sample\tdepth\n" + "".join(f"{c}\t{i + 1}\n" for i, c in enumerate(expr.columns)))
    bars = heatmill.clustermap(expr, col_bars=f"{depth}:depth")
    assert bars.png() != base.png()
