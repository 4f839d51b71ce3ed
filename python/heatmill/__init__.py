"""heatmill: seaborn's heatmap, clustermap and correlation map on heatmill's
Rust engine (scipy-exact clustering, numpy-exact correlation), in process.

>>> import heatmill
>>> g = heatmill.clustermap(df, cmap="RdBu_r", center=0, method="ward")
>>> g                                   # shows in Jupyter
>>> g.dendrogram_row.reordered_ind      # as seaborn's ClusterGrid
>>> g.save("clustermap.pdf")

Keyword names come from heatmill's one option table (the CLI's flags and the
config's keys), which uses seaborn's names where seaborn has them; the table
is ``heatmill.options()``. This module only turns Python objects (numpy
arrays, pandas DataFrames and Series, AnnData objects, seaborn's keyword
shapes) into arrays, labels and option values; everything else runs in the
library, as the ``heatmill`` command runs it.
"""

from __future__ import annotations

import difflib
import json
import os
import sys
import warnings as _warnings
from collections import namedtuple
from types import SimpleNamespace

import numpy as np

from . import _heatmill

__version__ = _heatmill.__version__

__all__ = [
    "heatmap",
    "clustermap",
    "corrmap",
    "matrixplot",
    "dotplot",
    "linkage",
    "corrcoef",
    "run",
    "options",
    "Figure",
    "RunSummary",
]

_OPTIONS = {o["key"]: o for o in _heatmill.options()}

# Keywords handled here rather than in the option table: seaborn's
# dictionaries and data-shaped values, the thread count, AnnData's views.
_PY_ONLY = {"threads", "cbar_kws", "layer", "transpose", "groupby", "var_names"}


def options():
    """The option table: one dict per keyword (key, value kind, the figures
    it applies to, accepted values, default, help, seaborn's name)."""
    return [dict(o) for o in _OPTIONS.values()]


# ---------------------------------------------------------------------------
# Inputs


def _is_pandas(obj, name):
    mod = type(obj).__module__
    return mod.startswith("pandas") and type(obj).__name__ == name


def _is_anndata(obj):
    return type(obj).__module__.startswith("anndata") and hasattr(obj, "obs")


def _labels(index):
    """Tick labels as seaborn makes them: a MultiIndex's levels joined with '-'."""
    if getattr(index, "nlevels", 1) > 1:
        return ["-".join(map(str, t)) for t in index]
    return [str(x) for x in index]


def _axis_name(index):
    """The axis label seaborn takes from an index's name(s), or None."""
    names = [n for n in getattr(index, "names", [None]) if n is not None]
    if not names:
        return None
    return "-".join(map(str, names))


def _float_array(values):
    a = np.asarray(values)
    if a.dtype not in (np.float64, np.float32):
        a = a.astype(np.float64)
    if a.ndim != 2:
        raise ValueError(f"data must be 2-D (rows x columns), got {a.ndim}-D")
    return a


class _Data:
    """A matrix as the engine takes it: values (2-D float array), labels,
    the axis names seaborn would draw, and per-axis annotations (AnnData)."""

    def __init__(self, values, rows, cols, row_name=None, col_name=None,
                 row_meta=None, col_meta=None, uns=None):
        self.values = values
        self.rows = rows
        self.cols = cols
        self.row_name = row_name
        self.col_name = col_name
        self.row_meta = row_meta  # a DataFrame indexed like rows (AnnData obs/var)
        self.col_meta = col_meta
        self.uns = uns or {}


def _to_data(data, kw):
    if _is_anndata(data):
        return _from_anndata(data, kw)
    if _is_pandas(data, "DataFrame"):
        # A frame of one float dtype gives its block without a copy (often
        # Fortran-ordered: the engine reads it in logical order, one pass).
        values = _float_array(data.to_numpy())
        return _Data(values, _labels(data.index), _labels(data.columns),
                     _axis_name(data.index), _axis_name(data.columns))
    if hasattr(data, "__arrow_c_stream__") and not isinstance(data, np.ndarray):
        # An Arrow PyCapsule stream (polars, pyarrow, DuckDB): imported by
        # arrow-rs's C stream interface, laid out as the CLI lays out an
        # Arrow file (the first text column as the row labels; numeric
        # columns as data). The label column names the row axis, as the
        # index's name does for a DataFrame (pandas' unnamed index is
        # stored as __index_level_0__).
        values, rows, cols, label_cols = _heatmill.arrow_matrix(data)
        names = [c for c in label_cols if not c.startswith("__index_level_")]
        return _Data(values, rows, cols, "-".join(names) if names else None)
    values = _float_array(data)
    n, d = values.shape
    return _Data(values, [str(i) for i in range(n)], [str(j) for j in range(d)])


def _sparse_rows_var(x):
    """Sample variance (ddof=1) of each row of a scipy sparse matrix."""
    x = x.tocsr()
    n = x.shape[1]
    mean = np.asarray(x.sum(axis=1)).ravel() / n
    sq = np.asarray(x.multiply(x).sum(axis=1)).ravel() / n
    return (sq - mean * mean) * n / max(n - 1, 1)


def _from_anndata(adata, kw):
    """AnnData → the engine's matrix, cells x genes as stored (``transpose=True``:
    genes x cells, as the CLI's --transpose). A sparse X (CSR/CSC) is densified
    only where needed: with ``top_variable`` only the candidate rows (ranked
    on the sparse matrix, then chosen exactly by the engine) are densified."""
    layer = kw.pop("layer", None)
    transpose = bool(kw.pop("transpose", False))
    x = adata.layers[layer] if layer is not None else adata.X
    rows, cols = _labels(adata.obs_names), _labels(adata.var_names)
    row_meta, col_meta = adata.obs, adata.var
    if transpose:
        x = x.T
        rows, cols, row_meta, col_meta = cols, rows, col_meta, row_meta
    top = kw.get("top_variable")
    if hasattr(x, "toarray"):  # scipy.sparse
        if top is not None and top < x.shape[0]:
            xs = x.tocsr().astype(np.float64)
            if kw.get("log1p"):
                xs = xs.log1p()
            elif kw.get("log2p1"):
                xs = xs.log1p() / np.log(2.0)
            var = _sparse_rows_var(xs)
            var = np.where(np.isnan(var), -np.inf, var)
            # Candidates: every row within rounding of the N-th variance, so
            # the engine's exact ranking among them is its ranking of all.
            nth = np.sort(var)[::-1][top - 1]
            keep = np.flatnonzero(var >= nth - abs(nth) * 1e-9 - 1e-300)
            x = x.tocsr()[keep]
            rows = [rows[i] for i in keep]
            row_meta = row_meta.iloc[keep]
        values = np.asarray(x.toarray(), dtype=np.float64)
    else:
        values = _float_array(x)
    return _Data(values, rows, cols, row_meta=row_meta, col_meta=col_meta,
                 uns=getattr(adata, "uns", {}))


# ---------------------------------------------------------------------------
# Colour strips


def _hex(c):
    try:
        from matplotlib.colors import to_hex
    except ImportError:  # pragma: no cover - matplotlib is seaborn's dependency
        return c if isinstance(c, str) and c.startswith("#") else None
    try:
        return to_hex(c)
    except (ValueError, TypeError):
        return None


def _is_colour(v):
    if isinstance(v, (bool, np.bool_)):
        return False
    if isinstance(v, (int, float, np.number)):
        return False
    if isinstance(v, tuple) and not all(isinstance(x, (int, float, np.number)) for x in v):
        return False
    return _hex(v) is not None


def _missing(v):
    if v is None:
        return True
    try:
        return bool(v != v)  # NaN, pd.NA-like
    except (TypeError, ValueError):
        return False


def _strip(name, labels, values, categories=None, colors=None):
    """One strip as the engine takes it. Colours (names, hex, RGB tuples) are
    drawn as given, as seaborn draws them; anything else is a category given
    a colour from the figure's palette (numbers with fractions, or more than
    ten, are drawn with viridis)."""
    values = list(values)
    present = [v for v in values if not _missing(v)]
    if present and colors is None and all(_is_colour(v) for v in present):
        hexes = [None if _missing(v) else _hex(v) for v in values]
        cats = list(dict.fromkeys(h for h in hexes if h is not None))
        return (str(name), list(labels), hexes, cats, cats), True
    vals = [None if _missing(v) else _text(v) for v in values]
    if categories is not None:
        categories = [_text(c) for c in categories]
    return (str(name), list(labels), vals, categories, colors), False


def _text(v):
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return repr(float(v))
    if isinstance(v, np.generic):
        v = v.item()
    return str(v)


def _strips_from(spec, labels, meta, uns, default_name):
    """``row_colors``/``col_colors`` as seaborn takes them → (file specs,
    strip tuples, all given as colours?). A str names a ``TABLE:COLUMN`` file
    (for an AnnData input, an obs/var column); a Series or DataFrame is
    matched by its index; a list (or list of lists) is positional."""
    if spec is None:
        return [], [], True
    if isinstance(spec, str):
        if meta is not None and spec in getattr(meta, "columns", []):
            return _meta_strips([spec], labels, meta, uns)
        return [spec], [], False
    if isinstance(spec, (list, tuple)) and spec and all(isinstance(s, str) for s in spec) \
            and meta is not None and all(s in meta.columns for s in spec):
        return _meta_strips(list(spec), labels, meta, uns)
    if _is_pandas(spec, "DataFrame"):
        out, all_colours = [], True
        idx = _labels(spec.index)
        for c in spec.columns:
            col = spec[c]
            cats = list(col.cat.categories) if str(col.dtype) == "category" else None
            s, colours = _strip(c, idx, col.tolist(), cats)
            out.append(s)
            all_colours &= colours
        return [], out, all_colours
    if _is_pandas(spec, "Series"):
        cats = list(spec.cat.categories) if str(spec.dtype) == "category" else None
        s, colours = _strip(spec.name if spec.name is not None else default_name,
                            _labels(spec.index), spec.tolist(), cats)
        return [], [s], colours
    seq = list(spec)
    nested = seq and all(isinstance(x, (list, tuple, np.ndarray)) and len(x) == len(labels)
                         and not _is_colour(tuple(x)) for x in seq)
    if nested:
        out, all_colours = [], True
        for i, x in enumerate(seq):
            s, colours = _strip(f"{default_name} {i + 1}", labels, list(x))
            out.append(s)
            all_colours &= colours
        return [], out, all_colours
    if len(seq) != len(labels):
        raise ValueError(
            f"{default_name} has {len(seq)} entries for {len(labels)} labels; "
            "give one per row/column, or a Series/DataFrame indexed by label")
    s, colours = _strip(default_name, labels, seq)
    return [], [s], colours


def _meta_strips(columns, labels, meta, uns):
    out = []
    for c in columns:
        col = meta[c]
        cats = colors = None
        if str(col.dtype) == "category":
            cats = [str(x) for x in col.cat.categories]
            given = uns.get(f"{c}_colors") if hasattr(uns, "get") else None
            if given is not None and len(given) == len(cats):
                colors = [_hex(x) or str(x) for x in given]
        s, _ = _strip(c, labels, col.tolist(), cats, colors)
        out.append(s)
    return [], out, False


# ---------------------------------------------------------------------------
# Keywords


def _plain(v):
    """numpy scalars and arrays, tuples → Python values the option table takes."""
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return [_plain(x) for x in v.tolist()]
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, os.PathLike):
        return os.fspath(v)
    return v


def _genes(v):
    """scanpy's ``var_names``: a gene, a list of genes, or a dict of marker
    sets (set name → genes), passed as the ``genes`` option's entries (a
    set's genes as ``SET<TAB>GENE`` lines, as a marker file holds them)."""
    if isinstance(v, str):
        return [v]
    if isinstance(v, dict):
        out = []
        for name, genes in v.items():
            for g in ([genes] if isinstance(genes, str) else list(genes)):
                out.append(f"{name}\t{g}")
        return out
    return [str(g) for g in v]


def _ticklabels(v, key):
    if v is True:
        return "all"
    if v is False:
        return "none"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, str):
        return v
    if isinstance(v, (list, tuple, np.ndarray)) or _is_pandas(v, "Index"):
        return [str(x) for x in v]
    raise ValueError(f"{key}: heatmill takes True, False, 'auto', an int N (every N-th label) "
                     "or a list of labels (one per row/column)")


def _mask_spec(mask):
    """seaborn's boolean mask → the option's words where it is one of the
    triangles (np.triu/np.tril), else None."""
    m = np.asarray(mask, dtype=bool)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        return None
    ones = np.ones(m.shape, dtype=bool)
    for words, ref in (("upper", np.triu(ones, k=1)), ("upper-k0", np.triu(ones)),
                       ("lower", np.tril(ones, k=-1)), ("lower-k0", np.tril(ones))):
        if np.array_equal(m, ref):
            return words
    return None


def _mask(mask, kind, d, values, opts, clustered):
    """seaborn's ``mask`` → (values, mask table or None), setting ``opts['mask']``
    for the option's words. A string is the option (``upper``, …, ``file:PATH``:
    heatmill's, in display order). A boolean array or DataFrame is seaborn's:
    cell (i, j) of the data (a correlation map: of the gene x gene matrix, in
    the data's row order) is hidden wherever it is drawn; a clustermap moves
    the mask with the rows and columns, as seaborn does. Where the drawn
    order is the input order, a triangle is passed as the option's words."""
    if isinstance(mask, str):
        opts["mask"] = mask
        return values, None
    rows, cols = d.rows, (d.rows if kind == "corrmap" else d.cols)
    shape = (len(rows), len(cols))
    if _is_pandas(mask, "DataFrame"):
        if _labels(mask.index) != rows or _labels(mask.columns) != cols:
            raise ValueError("Mask must have the same index and columns as data."
                             + (" (a corrmap's mask is gene x gene: the data's rows on both"
                                " axes)" if kind == "corrmap" else ""))
        m = mask.to_numpy()
    else:
        m = np.asarray(mask)
    if m.shape != shape:
        what = "the gene x gene correlation matrix" if kind == "corrmap" else "data"
        raise ValueError(f"Mask must have the same shape as {what}: mask {m.shape}, "
                         f"{what} {shape}")
    try:
        m = m.astype(bool)
    except (TypeError, ValueError) as e:
        raise ValueError(f"mask: cannot read it as booleans ({e})") from None
    if not clustered:
        words = _mask_spec(m)
        if words is not None:
            opts["mask"] = words
            return values, None
    dup = _first_duplicate(rows) or _first_duplicate(cols)
    if dup is None:
        return values, (list(rows), list(cols), m.astype(np.float64))
    if kind == "heatmap":
        # Drawn in input order: a hidden cell is what a missing value is
        # to the engine (not drawn, out of the colour range), as in seaborn.
        return np.where(m, np.nan, values), None
    raise ValueError(f"mask: a {kind} matches the mask to cells by label, and the label "
                     f"'{dup}' is on more than one row or column; give unique labels")


def _first_duplicate(labels):
    seen = set()
    for x in labels:
        if x in seen:
            return x
        seen.add(x)
    return None


def _unknown(keys):
    known = sorted(set(_OPTIONS) | _PY_ONLY)
    parts = []
    for k in keys:
        close = difflib.get_close_matches(k, known, n=3)
        parts.append(f"'{k}'" + (f" (did you mean {', '.join(close)}?)" if close else ""))
    return ValueError(
        f"unknown keyword argument{'s' if len(keys) > 1 else ''}: {'; '.join(parts)}; "
        "heatmill.options() lists them")


def _groupby_strip(groupby, d):
    """scanpy's ``groupby``: a column of the rows' annotations (AnnData obs,
    or var with ``transpose=True``) by name, or a Series indexed by row label
    (a file's ``obs/COLUMN``/``TABLE:COLUMN`` also works, as in a config)."""
    if _is_pandas(groupby, "Series"):
        cats = list(groupby.cat.categories) if str(groupby.dtype) == "category" else None
        s, _ = _strip(groupby.name if groupby.name is not None else "groupby",
                      _labels(groupby.index), groupby.tolist(), cats)
        return s
    if not isinstance(groupby, str):
        raise ValueError("groupby: give a column name of the rows' annotations "
                         "(AnnData obs) or a pandas Series indexed by row label")
    if d.row_meta is not None and groupby.startswith("obs/") \
            and groupby[4:] in d.row_meta.columns:
        groupby = groupby[4:]  # scanpy's key as heatmill's config writes it
    if d.row_meta is not None and groupby in d.row_meta.columns:
        _, strips, _ = _meta_strips([groupby], d.rows, d.row_meta, d.uns)
        return strips[0]
    if ":" in groupby or groupby.startswith(("obs/", "var/")):
        return None  # a file's column, read by the engine as a config's
    known = list(d.row_meta.columns) if d.row_meta is not None else []
    raise ValueError(f"groupby: '{groupby}' is not a column of the rows' annotations "
                     f"(AnnData obs, or var with transpose=True){': ' + ', '.join(known) if known else ''}")


def _figure(kind, data, kw):
    bad = [k for k in kw if k not in _OPTIONS and k not in _PY_ONLY]
    if bad:
        raise _unknown(bad)
    kw = dict(kw)
    threads = kw.pop("threads", None)
    groupby = kw.pop("groupby", None)
    d = _to_data(data, kw)
    kw.pop("layer", None)
    kw.pop("transpose", None)
    opts = {}
    cbar_kws = kw.pop("cbar_kws", None) or {}
    for k, v in cbar_kws.items():
        if k == "shrink":
            opts["cbar_shrink"] = float(v)
        elif k == "label":
            opts["cbar_label"] = str(v)
        elif k in ("location", "orientation"):
            opts["cbar_" + k] = str(v)
        else:
            raise ValueError(
                f"cbar_kws: heatmill takes 'shrink', 'label', 'location' and 'orientation', not '{k}'"
            )
    values = d.values
    mask_table = None
    mask = kw.pop("mask", None)
    if mask is not None:
        values, mask_table = _mask(mask, kind, d, values, opts,
                                   clustered=kind == "clustermap"
                                   or (kind == "corrmap" and bool(kw.get("cluster"))))
    row_specs, row_strips, row_colours = _strips_from(
        kw.pop("row_colors", None), d.rows, d.row_meta, d.uns, "row_colors")
    col_specs, col_strips, col_colours = _strips_from(
        kw.pop("col_colors", None), d.cols, d.col_meta, d.uns, "col_colors")
    groupby_strip = _groupby_strip(groupby, d) if groupby is not None else None
    if groupby is not None:
        # The column's name (the engine uses the data given) or a file's column.
        opts["groupby"] = groupby_strip[0] if groupby_strip is not None else groupby
    var_names = kw.pop("var_names", None)
    if var_names is not None:
        if "genes" in kw:
            raise ValueError("give var_names (scanpy's name) or genes, not both")
        kw["genes"] = var_names
    if "genes" in kw:
        kw["genes"] = _genes(kw["genes"])
    if row_specs:
        opts["row_colors"] = row_specs
    if col_specs:
        opts["col_colors"] = col_specs
    if (row_strips or col_strips) and row_colours and col_colours and not (row_specs or col_specs):
        # Strips given as colours: seaborn draws no legend for them.
        kw.setdefault("legend", False)
    for k, v in kw.items():
        v = _plain(v)
        if v is None:
            continue
        if k in ("xticklabels", "yticklabels"):
            v = _ticklabels(v, k)
        elif k in ("z_score", "standard_scale") and isinstance(v, int):
            v = str(v)
        elif k == "cmap" and not isinstance(v, str):
            v = getattr(v, "name", v)
        elif k == "palette" and isinstance(v, dict):
            v = {str(a): (_hex(c) or str(c)) for a, c in v.items()}
        elif _OPTIONS[k]["value"] == "number" and isinstance(v, int) and not isinstance(v, bool):
            v = float(v)
        elif _OPTIONS[k]["value"] in ("pair", "number_or_pair", "bounds") and isinstance(v, (list, tuple)):
            v = [float(x) for x in v]
        elif _OPTIONS[k]["value"] == "number_or_pair" and isinstance(v, int):
            v = float(v)
        opts[k] = v
    # seaborn labels the axes with the index and column names.
    if kind in ("heatmap", "clustermap"):
        if d.row_name is not None and "ylabel" not in opts:
            opts["ylabel"] = d.row_name
        if d.col_name is not None and "xlabel" not in opts:
            opts["xlabel"] = d.col_name
    inner = _heatmill.figure(kind, values, d.rows, d.cols, opts, row_strips, col_strips,
                             threads, mask_table, groupby_strip)
    for w in inner.warnings:
        _warnings.warn(w, stacklevel=3)
    return Figure(inner)


class _Dendrogram(SimpleNamespace):
    """seaborn's ``_DendrogramPlotter`` attributes: ``linkage``, ``reordered_ind``."""


class Figure:
    """A figure: ``save(path)``, ``png()``/``svg()``/``pdf()`` bytes, shown in
    Jupyter (HiDPI PNG); for a clustermap (and a clustered corrmap) the trees:
    ``row_linkage``/``col_linkage`` (scipy's layout), ``dendrogram_row`` /
    ``dendrogram_col`` with ``reordered_ind`` as seaborn's ClusterGrid, and
    the flat clusters of ``cut_rows``/``cut_cols``."""

    def __init__(self, inner):
        self._f = inner

    kind = property(lambda self: self._f.kind)
    warnings = property(lambda self: list(self._f.warnings))
    timings = property(lambda self: dict(self._f.timings))
    row_labels = property(lambda self: list(self._f.row_labels),
                          doc="row labels analysed, input order")
    col_labels = property(lambda self: list(self._f.col_labels),
                          doc="column labels analysed, input order")
    row_linkage = property(lambda self: self._f.row_linkage,
                           doc="scipy linkage matrix of the rows, (n-1) x 4 float64, or None")
    col_linkage = property(lambda self: self._f.col_linkage)
    row_clusters = property(lambda self: _opt_array(self._f.row_clusters),
                            doc="cut_rows' fcluster ids, row order, or None")
    col_clusters = property(lambda self: _opt_array(self._f.col_clusters))

    @property
    def cbar_ticks(self):
        """The colour bar's tick values as drawn, bottom to top (matplotlib's
        ``cbar.get_ticks()``); empty when there is no colour bar."""
        return np.array([v for v, _ in self._f.cbar_ticks], dtype=np.float64)

    @property
    def cbar_ticklabels(self):
        """The colour bar's tick labels as drawn (U+2212 minus, as
        matplotlib's ScalarFormatter prints them)."""
        return [t for _, t in self._f.cbar_ticks]

    @property
    def row_reordered_ind(self):
        """leaves_list of the row tree (seaborn's dendrogram_row.reordered_ind)."""
        return self._f.row_leaves

    @property
    def col_reordered_ind(self):
        return self._f.col_leaves

    @property
    def reordered_ind(self):
        """``(rows, cols)`` leaf orders (None for an axis not clustered)."""
        return self._f.row_leaves, self._f.col_leaves

    @property
    def dendrogram_row(self):
        z = self._f.row_linkage
        return None if z is None else _Dendrogram(linkage=z, reordered_ind=self._f.row_leaves)

    @property
    def dendrogram_col(self):
        z = self._f.col_linkage
        return None if z is None else _Dendrogram(linkage=z, reordered_ind=self._f.col_leaves)

    @property
    def drawn_row_labels(self):
        """Row labels top to bottom as drawn."""
        rows, order = self.row_labels, self._f.row_leaves
        return rows if order is None else [rows[i] for i in order]

    @property
    def drawn_col_labels(self):
        cols, order = self.col_labels, self._f.col_leaves
        return cols if order is None else [cols[i] for i in order]

    def save(self, path):
        """Writes the figure (PNG, SVG or PDF by the extension) atomically."""
        self._f.save(os.fspath(path))
        return path

    def png(self):
        return self._f.png()

    def svg(self):
        return self._f.svg()

    def pdf(self):
        return self._f.pdf()

    def _repr_png_(self):
        data, w, h = self._f.png_scaled(2.0)
        return data, {"width": w, "height": h}

    def __repr__(self):
        w, h = self._f.size_px()
        return f"<heatmill.Figure {self.kind} {w}x{h} px>"


def _opt_array(v):
    return None if v is None else np.asarray(v)


def heatmap(data, **kw):
    """``sns.heatmap(data, **kw)``: data a DataFrame, 2-D array or AnnData."""
    return _figure("heatmap", data, kw)


def clustermap(data, **kw):
    """``sns.clustermap(data, **kw)``: the returned Figure has seaborn's
    ``dendrogram_row.reordered_ind`` and ``.linkage``."""
    return _figure("clustermap", data, kw)


def corrmap(data, **kw):
    """``sns.heatmap(data.T.corr(), …)`` of the rows (genes) of ``data``;
    ``cluster=True`` orders them as ``sns.clustermap(data.T.corr())``."""
    return _figure("corrmap", data, kw)


def matrixplot(data, var_names=None, groupby=None, **kw):
    """scanpy's ``sc.pl.matrixplot(adata, var_names, groupby)``: one row per
    group, each gene's mean over the group's cells (``reduce="median"`` or
    ``"fraction_nonzero"`` for the others); ``var_names`` a list or a dict
    of marker sets."""
    kw.setdefault("reduce", "mean")
    return _figure("heatmap", data, dict(kw, var_names=var_names, groupby=groupby))


def dotplot(data, var_names=None, groupby=None, **kw):
    """scanpy's ``sc.pl.dotplot(adata, var_names, groupby)``: colour = the
    group's mean, dot size = the share of its cells above
    ``expression_cutoff``; ``var_names`` a list or a dict of marker sets."""
    return _figure("dotplot", data, dict(kw, var_names=var_names, groupby=groupby))


def _matrix_arg(x):
    if _is_pandas(x, "DataFrame"):
        x = x.to_numpy()
    return _float_array(x)


def linkage(y, method="average", metric="euclidean", optimal_ordering=False, threads=None):
    """``scipy.cluster.hierarchy.linkage(y, method, metric, optimal_ordering)``:
    ``y`` a 2-D array of observations (rows; a DataFrame too) or a 1-D
    condensed distance vector of length n(n-1)/2 (``pdist``'s layout; then
    ``metric`` is unused, as in scipy). Returns the (n-1) x 4 float64 linkage
    matrix; refuses what scipy refuses (ValueError, scipy's words)."""
    if _is_pandas(y, "DataFrame"):
        y = y.to_numpy()
    a = np.asarray(y)
    if a.ndim == 1:
        a = np.ascontiguousarray(a, dtype=np.float64)
    elif a.ndim == 2:
        a = _float_array(a)
    else:
        raise ValueError("`y` must be 1 or 2 dimensional.")
    return _heatmill.linkage(a, method, metric, bool(optimal_ordering), threads)


def corrcoef(X, threads=None):
    """``numpy.corrcoef(X)``: Pearson correlation of the rows of a 2-D array."""
    return _heatmill.corrcoef(_matrix_arg(X), threads)


RunSummary = namedtuple("RunSummary", "ok skipped failed manifest")


class _RunProgress:
    """A batch run's progress in a notebook or a terminal: a tqdm bar
    (``tqdm.auto``: the widget in Jupyter) when tqdm is installed, else one
    line per job on stderr, as the CLI writes them to a log."""

    def __init__(self):
        try:
            from tqdm.auto import tqdm
        except ImportError:
            tqdm = None
        self._tqdm = tqdm
        self._bar = None

    def __call__(self, event, done, total, job, status, secs):
        if event == "start":
            if self._tqdm is not None:
                self._bar = self._tqdm(total=total, unit="job", desc="heatmill run")
        elif event == "job":
            if self._bar is not None:
                self._bar.update(1)
                self._bar.set_postfix_str(job, refresh=False)
                if status not in ("ok", "skipped"):
                    self._bar.write(f"{job}: {status}")
            else:
                sys.stderr.write(f"[{done}/{total}] {job} {status} ({secs:.2f} s)\n")
                sys.stderr.flush()
        elif event == "end" and self._bar is not None:
            self._bar.close()


def run(config, out=None, threads=None, force=False, quiet=False, shard=None,
        max_memory=None, progress=True):
    """``heatmill run``: a batch config from a path (TOML/JSON) or a dict (as
    the JSON config would hold it; relative paths from the working
    directory). ``progress=True`` shows a tqdm bar when tqdm is installed
    (a widget in Jupyter), else a line per job on stderr; ``progress=False``
    (or ``quiet=True``) is silent. Returns ``RunSummary(ok, skipped, failed,
    manifest)``; failed jobs are also reported as warnings."""
    if isinstance(config, dict):
        args = dict(path=None, text=json.dumps(config))
    else:
        args = dict(path=os.fspath(config), text=None)
    if isinstance(max_memory, str):
        raise ValueError("max_memory: give a number of bytes")
    report = _RunProgress() if progress and not quiet else None
    ok, skipped, failed, manifest = _heatmill.run(
        out=None if out is None else os.fspath(out), threads=threads, force=bool(force),
        quiet=bool(quiet) or not progress, shard=shard, max_memory=max_memory,
        progress=report, **args)
    for job, msg in failed:
        _warnings.warn(f"heatmill: job {job} failed: {msg}", stacklevel=2)
    return RunSummary(ok, skipped, list(failed), manifest)
