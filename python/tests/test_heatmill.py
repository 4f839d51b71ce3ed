"""The Python package against scipy, numpy and seaborn, live, and against
the CLI's golden figures (the same pipeline must give the same bytes)."""

import os
import threading
import time

import numpy as np
import pandas as pd
import pytest
import scipy.cluster.hierarchy as sch
import scipy.sparse as sp

import heatmill

from conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"
TUTORIAL = dict(cmap="RdBu_r", center=0)


@pytest.fixture(scope="module")
def expr():
    # The config's input (Parquet), read by pandas: the same float64 values.
    df = pd.read_parquet(ROOT / "data-samples" / "seed.parquet")
    return df.set_index("gene") if "gene" in df.columns else df


# --- scipy / numpy ---------------------------------------------------------

METHODS = ["single", "complete", "average", "weighted", "centroid", "median", "ward"]
METRICS = ["euclidean", "cityblock", "chebyshev", "cosine", "correlation", "sqeuclidean"]


@pytest.mark.parametrize("method", METHODS)
def test_linkage_equals_scipy(method, rng):
    x = rng.normal(size=(80, 7))
    z = heatmill.linkage(x, method=method)
    ref = sch.linkage(x, method=method)
    assert z.shape == ref.shape and z.dtype == np.float64
    np.testing.assert_allclose(z, ref, rtol=1e-12, atol=1e-12)
    assert list(sch.leaves_list(z)) == list(sch.leaves_list(ref))


@pytest.mark.parametrize("metric", METRICS)
def test_linkage_metrics_equal_scipy(metric, rng):
    x = rng.normal(size=(50, 6))
    z = heatmill.linkage(x, method="average", metric=metric)
    ref = sch.linkage(x, method="average", metric=metric)
    np.testing.assert_allclose(z, ref, rtol=1e-12, atol=1e-12)


def test_linkage_optimal_ordering_and_layouts(rng):
    x = rng.normal(size=(40, 5))
    ref = sch.linkage(x, method="complete", optimal_ordering=True)
    for arr in (x, np.asfortranarray(x), pd.DataFrame(x)):
        z = heatmill.linkage(arr, method="complete", optimal_ordering=True)
        np.testing.assert_allclose(z, ref, rtol=1e-12, atol=1e-12)
        assert list(sch.leaves_list(z)) == list(sch.leaves_list(ref))


def test_corrcoef_equals_numpy(rng):
    x = rng.normal(size=(60, 25))
    ref = np.corrcoef(x)
    for arr in (x, np.asfortranarray(x), x[:, ::2]):
        r = heatmill.corrcoef(arr)
        np.testing.assert_allclose(r, np.corrcoef(arr), rtol=1e-12, atol=1e-12)
    r32 = heatmill.corrcoef(x.astype(np.float32))
    np.testing.assert_allclose(r32, np.corrcoef(x.astype(np.float32).astype(np.float64)),
                               rtol=1e-12, atol=1e-12)
    assert heatmill.corrcoef(x).shape == ref.shape


# --- seaborn, live -------------------------------------------------------------


@pytest.mark.parametrize("kw", [dict(method="ward"), dict(method="average", metric="correlation"),
                                dict(method="complete", z_score=0),
                                dict(method="average", standard_scale=1)])
def test_clustermap_order_equals_seaborn(expr, kw):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    g = sns.clustermap(expr, yticklabels=True, xticklabels=True, **kw)
    h = heatmill.clustermap(expr, yticklabels=True, xticklabels=True, **kw)
    assert h.dendrogram_row.reordered_ind == g.dendrogram_row.reordered_ind
    assert h.dendrogram_col.reordered_ind == g.dendrogram_col.reordered_ind
    np.testing.assert_allclose(h.row_linkage, g.dendrogram_row.linkage, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h.col_linkage, g.dendrogram_col.linkage, rtol=1e-12, atol=1e-12)
    # The labelled rows and columns, top to bottom / left to right.
    assert h.drawn_row_labels == [t.get_text() for t in g.ax_heatmap.get_yticklabels()]
    assert h.drawn_col_labels == [t.get_text() for t in g.ax_heatmap.get_xticklabels()]
    plt.close("all")


def test_corrmap_cluster_order_equals_seaborn_clustermap_of_corr(expr):
    import matplotlib.pyplot as plt
    import seaborn as sns

    g = sns.clustermap(expr.T.corr(), method="average")
    h = heatmill.corrmap(expr, cluster=True, method="average")
    assert h.dendrogram_row.reordered_ind == g.dendrogram_row.reordered_ind
    plt.close("all")


# --- the CLI's figures, byte for byte ----------------------------------------------


def test_tutorial_figures_equal_the_cli_goldens(expr, samples):
    heat = heatmill.heatmap(expr, **TUTORIAL, xticklabels=True, yticklabels=True,
                            linewidths=0.5, title="Gene Expression Heatmap",
                            xlabel="Samples", ylabel="Genes", figsize=(10, 8))
    assert heat.png() == (GOLDEN / "seed_basic.png").read_bytes()
    clus = heatmill.clustermap(expr, **TUTORIAL, method="ward", linewidths=0.3,
                               dendrogram_ratio=0.15, figsize=(10, 10),
                               col_colors=samples["group"],
                               palette={"Tumor": "#e63946", "Normal": "#457b9d"},
                               xlabel="Samples", ylabel="Genes",
                               title="Clustered Gene Expression Heatmap")
    assert clus.png() == (GOLDEN / "seed_clustered.png").read_bytes()
    corr = heatmill.corrmap(expr, cmap="coolwarm", center=0,
                            mask=np.triu(np.ones((30, 30), dtype=bool), k=1), square=True,
                            linewidths=0.5, cbar_kws={"shrink": 0.8, "label": "Pearson r"},
                            title="Gene-Gene Correlation Matrix", figsize=(10, 8))
    assert corr.png() == (GOLDEN / "seed_corr.png").read_bytes()


def test_strip_as_series_equals_strip_from_file(expr, samples):
    spec = f"{ROOT / 'data-samples' / 'samples.tsv'}:group"
    a = heatmill.clustermap(expr, col_colors=spec).png()
    b = heatmill.clustermap(expr, col_colors=samples["group"]).png()
    c = heatmill.clustermap(expr, col_colors=samples[["group"]]).png()
    assert a == b == c


def test_strips_as_colours_lists_and_categories(expr):
    n = expr.shape[0]
    colours = ["red" if i % 2 else "#00ff00" for i in range(n)]
    f = heatmill.clustermap(expr, row_colors=colours)
    assert f.png().startswith(b"\x89PNG")
    cats = pd.Series(pd.Categorical(["b", "a"] * (n // 2), categories=["b", "a"]),
                     index=expr.index, name="kind")
    g = heatmill.heatmap(expr, row_colors=cats, col_colors=[(0.1, 0.2, 0.3)] * expr.shape[1])
    assert g.png() != heatmill.heatmap(expr).png()
    with pytest.raises(ValueError, match="entries for"):
        heatmill.clustermap(expr, row_colors=["red"] * 3)


def test_multiindex_labels_joined_like_seaborn(rng):
    idx = pd.MultiIndex.from_tuples([("a", 1), ("b", 2), ("c", 3)], names=["g", "n"])
    df = pd.DataFrame(rng.normal(size=(3, 4)), index=idx, columns=list("wxyz"))
    f = heatmill.clustermap(df)
    assert sorted(f.row_labels) == ["a-1", "b-2", "c-3"]


def test_cut_clusters_equal_fcluster(expr):
    f = heatmill.clustermap(expr, method="ward", cut_rows=3)
    ref = sch.fcluster(sch.linkage(expr.to_numpy(), "ward"), 3, "maxclust")
    assert list(f.row_clusters) == list(ref)


def test_threads_do_not_change_the_figure(expr):
    a = heatmill.clustermap(expr, method="ward", threads=1).png()
    b = heatmill.clustermap(expr, method="ward", threads=2).png()
    assert a == b


def test_gil_is_released_during_compute(rng):
    x = rng.normal(size=(3000, 30))
    ticks = []
    done = threading.Event()

    def count():
        while not done.is_set():
            ticks.append(1)
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    try:
        before = len(ticks)
        heatmill.linkage(x, method="average")
        during = len(ticks) - before
    finally:
        done.set()
        t.join()
    assert during > 5


# --- results ------------------------------------------------------------------------


def test_save_formats_and_atomic(expr, tmp_path):
    f = heatmill.heatmap(expr)
    for ext, magic in (("png", b"\x89PNG"), ("svg", b"<svg"), ("pdf", b"%PDF")):
        p = tmp_path / f"fig.{ext}"
        f.save(p)
        head = p.read_bytes()[:200]
        assert magic in head
    assert f.pdf().startswith(b"%PDF") and b"<svg" in f.svg()[:200]
    assert sorted(os.listdir(tmp_path)) == ["fig.pdf", "fig.png", "fig.svg"]  # no temp files
    # Overwrites in place (rename), and a failed write leaves the old file.
    p = tmp_path / "fig.png"
    heatmill.heatmap(expr, cmap="viridis").save(p)
    assert p.read_bytes() == heatmill.heatmap(expr, cmap="viridis").png()
    with pytest.raises(ValueError, match="unsupported figure format"):
        f.save(tmp_path / "fig.jpg")
    with pytest.raises(OSError):
        f.save(tmp_path / "fig.pdf" / "under-a-file.png")
    assert p.read_bytes()[:4] == b"\x89PNG"


def test_repr_png_is_hidpi(expr):
    f = heatmill.heatmap(expr)
    data, meta = f._repr_png_()
    assert data.startswith(b"\x89PNG")
    w = int.from_bytes(data[16:20], "big")
    h = int.from_bytes(data[20:24], "big")
    assert (w, h) == (2 * meta["width"], 2 * meta["height"]) == (2000, 1600)


# --- errors ---------------------------------------------------------------------------


def test_errors_map_to_python_exceptions(expr):
    with pytest.raises(ValueError, match="'methdo'.*method"):
        heatmill.clustermap(expr, methdo="ward")
    with pytest.raises(ValueError, match="applies to clustermap"):
        heatmill.heatmap(expr, method="ward")
    with pytest.raises(ValueError, match="method"):
        heatmill.clustermap(expr, method="wards")
    with pytest.raises(ValueError):
        heatmill.clustermap(expr, method="ward", metric="cityblock")
    with pytest.raises(FileNotFoundError):
        heatmill.clustermap(expr, col_colors="no/such/table.tsv:group")
    bad = expr.copy()
    bad.iloc[2, 3] = np.nan
    with pytest.raises(ValueError, match="NaN|missing|finite"):
        heatmill.clustermap(bad)
    with pytest.raises(ValueError):
        heatmill.linkage(np.zeros((3, 3, 3)))


# --- AnnData ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def adata(rng):
    import anndata as ad

    counts = rng.poisson(1.0, size=(40, 60)).astype(np.float64)
    counts[:, :5] *= rng.integers(0, 20, size=(40, 1))  # a few variable genes
    obs = pd.DataFrame({"group": pd.Categorical(["T", "N"] * 20)},
                       index=[f"cell{i}" for i in range(40)])
    var = pd.DataFrame({"chrom": ["chr1", "chr2", "chr3"] * 20},
                       index=[f"g{j}" for j in range(60)])
    a = ad.AnnData(X=counts, obs=obs, var=var)
    a.uns["group_colors"] = ["#ff0000", "#0000ff"]
    a.layers["counts"] = counts.copy()
    return a


@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
def test_anndata_sparse_equals_dense(adata, fmt):
    a = adata.copy()
    if fmt != "dense":
        a.X = getattr(sp, f"{fmt}_matrix")(a.X)
    kw = dict(transpose=True, log1p=True, top_variable=10, z_score=0, method="ward",
              col_colors="group", row_colors="chrom")
    f = heatmill.clustermap(a, **kw)
    dense = adata.to_df().T
    g = heatmill.clustermap(dense, log1p=True, top_variable=10, z_score=0, method="ward")
    assert f.row_labels == g.row_labels
    np.testing.assert_array_equal(f.row_linkage, g.row_linkage)


def test_anndata_layer_groupby(adata):
    f = heatmill.heatmap(adata, layer="counts", groupby="group")
    # Categories N, T (pandas sorts them): the N cells first, in their order.
    assert f.row_labels[:20] == [f"cell{i}" for i in range(1, 40, 2)]


# --- batch -----------------------------------------------------------------------------


def test_run_from_dict(tmp_path):
    cfg = {
        "output": {"dir": str(tmp_path), "formats": ["png"]},
        "dataset": [{"name": "seed", "path": str(ROOT / "data-samples" / "seed.csv")}],
        "figure": [{"name": "h", "kind": "heatmap"}, {"name": "c", "kind": "clustermap"}],
    }
    s = heatmill.run(cfg, quiet=True)
    assert (s.ok, s.skipped, s.failed) == (2, 0, [])
    s2 = heatmill.run(cfg, quiet=True)
    assert s2.skipped == 2
    with pytest.raises(ValueError):
        heatmill.run({"figure": [{"name": "x", "kind": "nope"}]}, quiet=True)
    with pytest.raises(FileNotFoundError):
        heatmill.run(tmp_path / "none.toml")


def test_version_is_the_crates():
    text = (ROOT / "Cargo.toml").read_text()
    assert f'version = "{heatmill.__version__}"' in text
