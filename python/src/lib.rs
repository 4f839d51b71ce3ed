//! `heatmill._heatmill`: the compiled half of the `heatmill` Python
//! package. The pure-Python layer (`heatmill/__init__.py`) turns
//! DataFrames, AnnData objects and seaborn's keyword values into plain
//! arrays, labels and a table of option values; this module runs them
//! through the library exactly as the CLI does (`FigureOptions::from_table`,
//! `batch::run::figure_in_memory` → `pipeline::make_figure_with`,
//! `batch::run::write_figure`), with the GIL released during compute.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::RecordBatchReader;
use heatmill::batch::{self, config::Config, run::RunOptions};
use heatmill::cluster::Linkage;
use heatmill::error::Class;
use heatmill::figure::{FigureOptions, Kind};
use heatmill::io::annotations::Annotation;
use heatmill::options::{ValueKind, OPTIONS};
use heatmill::pipeline::{Analysed, Annotations, Cache};
use heatmill::prep::Axis;
use heatmill::render::encode::ImageFormat;
use heatmill::render::scene::Scene;
use heatmill::stats::CorrMethod;
use heatmill::timings::Timings;
use heatmill::{analysis, Error, Matrix};
use numpy::ndarray::ArrayView2;
use numpy::prelude::*;
use numpy::{PyArray1, PyArray2, PyReadonlyArray2};
use pyo3::exceptions::{
    PyFileNotFoundError, PyKeyboardInterrupt, PyOSError, PyRuntimeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyBytes, PyCapsule, PyCapsuleMethods, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple,
};

/// The engine's allocator, as in the `heatmill` binary: mimalloc reuses
/// freed memory rather than clearing fresh pages for each buffer (the
/// extension's own allocations only; Python's stay with Python).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The library's error as the Python exception its class calls for:
/// usage, config and input errors → `ValueError`; files that cannot be
/// read or written → `OSError` (`FileNotFoundError` when missing); a bug
/// → `RuntimeError`.
fn py_err(e: Error) -> PyErr {
    let msg = e.to_string();
    match &e {
        Error::Read { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            PyFileNotFoundError::new_err(msg)
        }
        Error::Read { .. } | Error::Write { .. } => PyOSError::new_err(msg),
        _ => match e.class() {
            Class::Usage | Class::Config | Class::Input => PyValueError::new_err(msg),
            Class::Output => PyOSError::new_err(msg),
            Class::JobsFailed | Class::Internal => PyRuntimeError::new_err(msg),
            // SIGINT/SIGTERM stopped a run between jobs: Python's Ctrl-C.
            Class::Stopped => PyKeyboardInterrupt::new_err(msg),
        },
    }
}

fn kind_of(name: &str) -> PyResult<Kind> {
    match name {
        "heatmap" => Ok(Kind::Heatmap),
        "clustermap" => Ok(Kind::Clustermap),
        "corrmap" => Ok(Kind::Corrmap),
        "dotplot" => Ok(Kind::Dotplot),
        _ => Err(PyValueError::new_err(format!(
            "unknown figure kind '{name}' (heatmap, clustermap, corrmap, dotplot)"
        ))),
    }
}

/// A Python value (bool, int, float, str, list/tuple, dict — the Python
/// layer has already turned numpy scalars and seaborn's shapes into
/// these) as the TOML value a config would hold for it.
fn to_toml(key: &str, v: &Bound<'_, PyAny>) -> PyResult<toml::Value> {
    use toml::Value as V;
    if v.is_instance_of::<PyBool>() {
        return Ok(V::Boolean(v.extract()?));
    }
    if v.is_instance_of::<PyInt>() {
        return Ok(V::Integer(v.extract()?));
    }
    if v.is_instance_of::<PyFloat>() {
        return Ok(V::Float(v.extract()?));
    }
    if v.is_instance_of::<PyString>() {
        return Ok(V::String(v.extract()?));
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut t = toml::Table::new();
        for (k, x) in d.iter() {
            t.insert(k.str()?.to_string(), to_toml(key, &x)?);
        }
        return Ok(V::Table(t));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let items: Vec<Bound<'_, PyAny>> = v.try_iter()?.collect::<PyResult<_>>()?;
        return Ok(V::Array(
            items
                .iter()
                .map(|x| to_toml(key, x))
                .collect::<PyResult<_>>()?,
        ));
    }
    Err(PyValueError::new_err(format!(
        "{key}: cannot take a value of type {}",
        v.get_type().name()?
    )))
}

/// The options of a figure of `kind` from keyword values, through the
/// one option table (`FigureOptions::from_table`), as the CLI and the
/// config take them.
fn options_from(kind: Kind, kw: &Bound<'_, PyDict>) -> PyResult<FigureOptions> {
    let mut table = toml::Table::new();
    for (k, v) in kw.iter() {
        let k: String = k.extract()?;
        table.insert(k.clone(), to_toml(&k, &v)?);
    }
    FigureOptions::from_table(kind, &toml::Table::new(), &table).map_err(|e| py_err(e.into()))
}

/// A 2-D float array as the library's row-major matrix. A C-contiguous
/// f64 array is read in place and copied once into the matrix (which
/// owns its values); other layouts and float32 are converted in the same
/// pass. Runs without the GIL.
fn matrix_of(
    py: Python<'_>,
    values: &Bound<'_, PyAny>,
    rows: Vec<String>,
    cols: Vec<String>,
) -> PyResult<Matrix> {
    if let Ok(a) = values.extract::<PyReadonlyArray2<'_, f64>>() {
        let view: ArrayView2<'_, f64> = a.as_array();
        let v: Vec<f64> = py.detach(|| match view.as_slice() {
            Some(s) => s.to_vec(),
            None => view.iter().copied().collect(),
        });
        return Matrix::new(rows, cols, v).map_err(py_err);
    }
    if let Ok(a) = values.extract::<PyReadonlyArray2<'_, f32>>() {
        let view = a.as_array();
        let v: Vec<f64> = py.detach(|| view.iter().map(|&x| x as f64).collect());
        return Matrix::new(rows, cols, v).map_err(py_err);
    }
    Err(PyValueError::new_err(
        "data must be a 2-D float64 or float32 array",
    ))
}

/// The matrix of an object exposing the Arrow PyCapsule stream interface
/// (`__arrow_c_stream__`: a polars or pyarrow DataFrame/Table, a DuckDB
/// relation), imported by arrow-rs's C stream interface and laid out as
/// the CLI lays out an Arrow file (`io::read_arrow_batches`: the first text
/// column, or pandas' index, as row labels; numeric columns as data).
/// Returns `(values, row_labels, col_labels, label_columns)`, the values
/// a float64 array owning the matrix's buffer (moved, not copied),
/// `label_columns` the columns the row labels came from. The stream is
/// read without the GIL.
#[pyfunction]
fn arrow_matrix<'py>(py: Python<'py>, obj: &Bound<'py, PyAny>) -> PyResult<ArrowMatrix<'py>> {
    let ty = obj.get_type();
    let name = format!("{}.{}", ty.module()?, ty.name()?);
    let capsule = obj.call_method0("__arrow_c_stream__")?;
    let capsule = capsule.cast::<PyCapsule>().map_err(|_| {
        PyValueError::new_err(format!(
            "{name}.__arrow_c_stream__() did not return a PyCapsule"
        ))
    })?;
    let ptr = capsule.pointer_checked(Some(c"arrow_array_stream"))?;
    // SAFETY: the capsule is named "arrow_array_stream", so by the Arrow
    // PyCapsule interface it holds an `ArrowArrayStream`. `from_raw` moves
    // the stream out and leaves a released one behind, which the
    // capsule's destructor then skips.
    let reader =
        unsafe { RecordBatchStreamReader::from_raw(ptr.as_ptr().cast::<FFI_ArrowArrayStream>()) }
            .map_err(|e| {
            PyValueError::new_err(format!("{name}: cannot import its Arrow stream: {e}"))
        })?;
    let source = PathBuf::from(&name);
    let (m, info) = py
        .detach(|| {
            let schema = reader.schema();
            let batches = reader.collect::<Result<Vec<_>, _>>().map_err(|e| {
                Error::format(&source, "arrow", format!("reading its Arrow stream: {e}"))
            })?;
            heatmill::io::read_arrow_batches(&source, &schema, batches, None)
        })
        .map_err(py_err)?;
    let (n, d) = (m.nrows(), m.ncols());
    let (rows, cols, values) = m.into_parts();
    let a = PyArray1::from_vec(py, values).reshape([n, d])?;
    Ok((a, rows, cols, info.label_columns))
}

type ArrowMatrix<'py> = (
    Bound<'py, PyArray2<f64>>,
    Vec<String>,
    Vec<String>,
    Vec<String>,
);

/// `(name, labels, values, categories, colors)` from the Python layer as
/// an annotation: `values[i]` is the category of `labels[i]` (`None`:
/// missing); `categories` the order (a pandas categorical's), else
/// natural order; `colors` one colour per category when the strip was
/// given as colours.
type StripTuple = (
    String,
    Vec<String>,
    Vec<Option<String>>,
    Option<Vec<String>>,
    Option<Vec<String>>,
);

fn annotation_of(s: StripTuple) -> PyResult<Annotation> {
    let (name, labels, values, categories, colors) = s;
    if labels.len() != values.len() {
        return Err(PyValueError::new_err(format!(
            "colour strip '{name}': {} labels but {} values",
            labels.len(),
            values.len()
        )));
    }
    let mut a = Annotation::from_pairs(
        Path::new("<data>"),
        "python",
        name,
        labels.into_iter().zip(values),
        categories,
        |i| format!("entry {i}"),
    )
    .map_err(py_err)?;
    if let Some(c) = colors {
        if c.len() != a.categories.len() {
            return Err(PyValueError::new_err(format!(
                "colour strip '{}': {} colours for {} categories",
                a.name,
                c.len(),
                a.categories.len()
            )));
        }
        a.colors = Some(c);
    }
    Ok(a)
}

/// A figure made by `heatmap`, `clustermap` or `corrmap`: its drawing,
/// the analysed data (trees, leaf orders, cuts) and warnings.
#[pyclass(module = "heatmill._heatmill", name = "Figure", frozen)]
struct PyFigure {
    kind: Kind,
    scene: Scene,
    analysed: Analysed,
    warnings: Vec<String>,
    options: FigureOptions,
    // Kept to draw the figure again at another resolution (`_repr_png_`
    // at twice the dpi) with the analysis taken from `cache`.
    matrix: Arc<Matrix>,
    strips: Arc<Annotations>,
    cache: Arc<Cache>,
    threads: Option<usize>,
    timings: Vec<(String, f64)>,
}

fn linkage_array<'py>(
    py: Python<'py>,
    z: &Option<Arc<Linkage>>,
) -> PyResult<Option<Bound<'py, PyArray2<f64>>>> {
    z.as_ref()
        .map(|z| PyArray1::from_vec(py, z.to_scipy()).reshape([z.n().saturating_sub(1), 4]))
        .transpose()
}

fn leaves(z: &Option<Arc<Linkage>>) -> Option<Vec<usize>> {
    z.as_ref().map(|z| z.leaves())
}

fn encode_as(py: Python<'_>, scene: &Scene, format: ImageFormat, dpi: f64) -> PyResult<Vec<u8>> {
    let name = PathBuf::from(format!("figure.{}", format.ext()));
    py.detach(|| heatmill::render::encode::encode(scene, &name, dpi))
        .map_err(py_err)
}

#[pymethods]
impl PyFigure {
    /// The figure kind: `heatmap`, `clustermap`, `corrmap` or `dotplot`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.kind.name()
    }

    /// The PNG bytes, at the figure's dpi.
    fn png<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let b = encode_as(py, &self.scene, ImageFormat::Png, self.options.dpi)?;
        Ok(PyBytes::new(py, &b))
    }

    /// The SVG document, as bytes (UTF-8).
    fn svg<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let b = encode_as(py, &self.scene, ImageFormat::Svg, self.options.dpi)?;
        Ok(PyBytes::new(py, &b))
    }

    /// The one-page PDF, as bytes.
    fn pdf<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let b = encode_as(py, &self.scene, ImageFormat::Pdf, self.options.dpi)?;
        Ok(PyBytes::new(py, &b))
    }

    /// Writes the figure to `path` (PNG, SVG or PDF by the extension)
    /// atomically: a temp file beside it, then a rename. Returns the
    /// number of bytes written.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<usize> {
        let dpi = self.options.dpi;
        let scene = &self.scene;
        py.detach(|| {
            let mut t = Timings::default();
            batch::run::write_figure(scene, &path, dpi, &mut t).map(|b| b.len())
        })
        .map_err(py_err)
    }

    /// The PNG drawn again at `scale` times the dpi (the analysis is not
    /// repeated), and its size in pixels at 1x: `(bytes, width, height)`.
    /// `_repr_png_` uses scale 2 for HiDPI screens.
    fn png_scaled<'py>(
        &self,
        py: Python<'py>,
        scale: f64,
    ) -> PyResult<(Bound<'py, PyBytes>, usize, usize)> {
        if !(scale.is_finite() && scale > 0.0) {
            return Err(PyValueError::new_err("scale must be a positive number"));
        }
        let mut o = self.options.clone();
        o.dpi *= scale;
        let (m, strips, cache) = (&*self.matrix, &*self.strips, &*self.cache);
        let (kind, threads) = (self.kind, self.threads);
        let bytes = py
            .detach(|| {
                let (fig, _) =
                    batch::run::figure_in_memory(kind, m, &o, strips, cache, threads, None)?;
                fig.scene.rasterize().to_png(o.dpi)
            })
            .map_err(py_err)?;
        let (w, h) = self.size_px();
        Ok((PyBytes::new(py, &bytes), w, h))
    }

    /// `(width, height)` in pixels at the figure's dpi.
    fn size_px(&self) -> (usize, usize) {
        (self.scene.width, self.scene.height)
    }

    /// Things the user should know (dropped rows, unmatched strip labels).
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }

    /// Stage times in seconds, `[(stage, seconds), …]`.
    #[getter]
    fn timings(&self) -> Vec<(String, f64)> {
        self.timings.clone()
    }

    /// Row labels analysed (input order; rows dropped as undefined for the
    /// metric are left out).
    #[getter]
    fn row_labels(&self) -> Vec<String> {
        self.analysed.row_labels.clone()
    }

    /// Column labels analysed (input order).
    #[getter]
    fn col_labels(&self) -> Vec<String> {
        self.analysed.col_labels.clone()
    }

    /// scipy's linkage matrix of the rows, `(n − 1) × 4` float64, or None.
    #[getter]
    fn row_linkage<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyArray2<f64>>>> {
        linkage_array(py, &self.analysed.row_tree)
    }

    /// scipy's linkage matrix of the columns, or None.
    #[getter]
    fn col_linkage<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyArray2<f64>>>> {
        linkage_array(py, &self.analysed.col_tree)
    }

    /// `leaves_list` of the row tree (seaborn's
    /// `dendrogram_row.reordered_ind`), or None.
    #[getter]
    fn row_leaves(&self) -> Option<Vec<usize>> {
        leaves(&self.analysed.row_tree)
    }

    /// `leaves_list` of the column tree, or None.
    #[getter]
    fn col_leaves(&self) -> Option<Vec<usize>> {
        leaves(&self.analysed.col_tree)
    }

    /// `cut_rows`' flat clusters (fcluster ids) in row order, or None.
    #[getter]
    fn row_clusters(&self) -> Option<Vec<usize>> {
        self.analysed.row_clusters.clone()
    }

    /// `cut_cols`' flat clusters in column order, or None.
    #[getter]
    fn col_clusters(&self) -> Option<Vec<usize>> {
        self.analysed.col_clusters.clone()
    }

    /// The colour bar's ticks as drawn, bottom to top: `[(value, label)]`
    /// (labels with U+2212 minus, as matplotlib prints them); empty when
    /// the figure has no colour bar.
    #[getter]
    fn cbar_ticks(&self) -> Vec<(f64, String)> {
        self.scene.colorbar_ticks.clone()
    }

    /// The figure's dpi.
    #[getter]
    fn dpi(&self) -> f64 {
        self.options.dpi
    }
}

/// A cell mask as data: `(row labels, column labels, cells)`, `cells` a
/// float64 array (non-zero hides).
type MaskTuple<'py> = (Vec<String>, Vec<String>, PyReadonlyArray2<'py, f64>);

/// Makes a figure of `kind` from a 2-D float array with its labels,
/// keyword options (config keys), in-memory colour strips and an optional
/// cell mask matched by label (`pipeline::Annotations::mask`).
#[pyfunction]
#[pyo3(signature = (kind, values, row_labels, col_labels, options, row_strips, col_strips, threads=None, mask=None, groupby=None))]
#[allow(clippy::too_many_arguments)]
fn figure(
    py: Python<'_>,
    kind: &str,
    values: &Bound<'_, PyAny>,
    row_labels: Vec<String>,
    col_labels: Vec<String>,
    options: &Bound<'_, PyDict>,
    row_strips: Vec<StripTuple>,
    col_strips: Vec<StripTuple>,
    threads: Option<usize>,
    mask: Option<MaskTuple<'_>>,
    groupby: Option<StripTuple>,
) -> PyResult<PyFigure> {
    let kind = kind_of(kind)?;
    let opts = options_from(kind, options)?;
    let strips = Annotations {
        rows: row_strips
            .into_iter()
            .map(annotation_of)
            .collect::<PyResult<_>>()?,
        cols: col_strips
            .into_iter()
            .map(annotation_of)
            .collect::<PyResult<_>>()?,
        mask: mask
            .map(|(rows, cols, cells)| matrix_of(py, cells.as_any(), rows, cols))
            .transpose()?,
        groupby: groupby
            .map(|g| {
                annotation_of(g).map(|mut a| {
                    // scanpy groups by a categorical (a plain column becomes one).
                    a.categorical = true;
                    a
                })
            })
            .transpose()?,
        ..Default::default()
    };
    let m = Arc::new(matrix_of(py, values, row_labels, col_labels)?);
    let strips = Arc::new(strips);
    let cache = Arc::new(Cache::default());
    let (fig, t) = py
        .detach(|| batch::run::figure_in_memory(kind, &m, &opts, &strips, &cache, threads, None))
        .map_err(py_err)?;
    Ok(PyFigure {
        kind,
        scene: fig.scene,
        analysed: fig.analysed,
        warnings: fig.warnings,
        options: opts,
        matrix: m,
        strips,
        cache,
        threads,
        timings: timings_list(&t),
    })
}

fn timings_list(t: &Timings) -> Vec<(String, f64)> {
    match t.to_json() {
        serde_json::Value::Object(o) => o
            .into_iter()
            .filter_map(|(k, v)| Some((k, v.as_f64()?)))
            .collect(),
        _ => vec![],
    }
}

/// scipy's `linkage(y, method, metric, optimal_ordering)`: `y` a 2-D
/// float array of observations (rows; distances by `metric`) or a 1-D
/// float64 condensed distance vector of length n(n − 1)/2 (`pdist`'s
/// layout; `metric` unused, as in scipy). Returns the `(n − 1) × 4`
/// float64 linkage matrix. Refuses what scipy refuses, in its words.
#[pyfunction]
#[pyo3(signature = (x, method="average", metric="euclidean", optimal_ordering=false, threads=None))]
fn linkage<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    method: &str,
    metric: &str,
    optimal_ordering: bool,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let method: heatmill::cluster::Method = method.parse().map_err(PyValueError::new_err)?;
    let metric: heatmill::cluster::Metric = metric.parse().map_err(PyValueError::new_err)?;
    let shape: Vec<usize> = x.getattr("shape")?.extract()?;
    let z = match shape.as_slice() {
        [len] => linkage_condensed(py, x, *len, method, optimal_ordering, threads)?,
        [n, d] => linkage_observations(py, x, (*n, *d), method, metric, optimal_ordering, threads)?,
        _ => return Err(PyValueError::new_err("`y` must be 1 or 2 dimensional.")),
    };
    PyArray1::from_vec(py, z.to_scipy()).reshape([z.n() - 1, 4])
}

/// The tree of a condensed distance vector of `len` entries.
fn linkage_condensed(
    py: Python<'_>,
    y: &Bound<'_, PyAny>,
    len: usize,
    method: heatmill::cluster::Method,
    optimal_ordering: bool,
    threads: Option<usize>,
) -> PyResult<Linkage> {
    use heatmill::cluster::{self, Condensed};
    if len == 0 {
        return Err(PyValueError::new_err(
            "The number of observations cannot be determined on an empty distance matrix.",
        ));
    }
    // n(n − 1)/2 = len: n = (1 + √(1 + 8 len)) / 2, checked exactly.
    let n = ((1.0 + (1.0 + 8.0 * len as f64).sqrt()) / 2.0).round() as usize;
    if n * n.saturating_sub(1) / 2 != len {
        return Err(PyValueError::new_err(
            "Length n of condensed distance matrix 'y' must be a binomial coefficient, i.e. there must be a k such that (k \\choose 2)=n)!",
        ));
    }
    let a = y
        .extract::<numpy::PyReadonlyArray1<'_, f64>>()
        .map_err(|_| PyValueError::new_err("a condensed distance matrix must be float64"))?;
    let view = a.as_array();
    let v: Vec<f64> = py.detach(|| view.iter().copied().collect());
    if v.iter().any(|d| !d.is_finite()) {
        return Err(PyValueError::new_err(
            "The condensed distance matrix must contain only finite values.",
        ));
    }
    py.detach(|| {
        let threads = heatmill::env::threads(threads)?;
        heatmill::env::with_threads(threads, || {
            let dist = Condensed::from_vec(n, v).expect("length checked");
            let keep = optimal_ordering.then(|| dist.clone());
            let z = cluster::linkage_condensed(dist, method)?;
            Ok(match keep {
                Some(d) => cluster::olo::optimal_leaf_ordering(&z, &d),
                None => z,
            })
        })?
    })
    .map_err(py_err)
}

/// The tree of the rows of an `n × d` array of observations.
fn linkage_observations(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    (n, d): (usize, usize),
    method: heatmill::cluster::Method,
    metric: heatmill::cluster::Metric,
    optimal_ordering: bool,
    threads: Option<usize>,
) -> PyResult<Linkage> {
    let spec = analysis::ClusterSpec {
        optimal_ordering,
        ..analysis::ClusterSpec::new(method, metric)
    };
    let m = matrix_of(
        py,
        x,
        (0..n).map(|i| i.to_string()).collect(),
        (0..d).map(|j| j.to_string()).collect(),
    )?;
    let c = py
        .detach(|| {
            let threads = heatmill::env::threads(threads)?;
            heatmill::env::with_threads(threads, || {
                analysis::cluster_axis(&m, Axis::Rows, spec, "X", &mut Timings::default())
            })?
        })
        .map_err(py_err)?;
    if !c.dropped.is_empty() {
        return Err(PyValueError::new_err(format!(
            "the {} distance is undefined for {} row(s) without variance (e.g. row {}); scipy would give NaN distances",
            metric.name(),
            c.dropped.len(),
            c.dropped[0]
        )));
    }
    Ok(c.linkage)
}

fn shape2(x: &Bound<'_, PyAny>) -> PyResult<(usize, usize)> {
    let shape: Vec<usize> = x.getattr("shape")?.extract()?;
    match shape.as_slice() {
        [n, d] => Ok((*n, *d)),
        _ => Err(PyValueError::new_err(format!(
            "expected a 2-D array, got shape {shape:?}"
        ))),
    }
}

/// numpy's `corrcoef(X)`: Pearson correlation between the rows of a 2-D
/// float array (an n × n float64 array). A C-contiguous float64 array is
/// read in place.
#[pyfunction]
#[pyo3(signature = (x, threads=None))]
fn corrcoef<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (n, d) = shape2(x)?;
    let compute = |v: &[f64]| -> heatmill::Result<Vec<f64>> {
        if let Some(k) = v.iter().position(|x| !x.is_finite()) {
            return Err(Error::Invalid(format!(
                "X[{}, {}] is {} (corrcoef needs finite values)",
                k / d.max(1),
                k % d.max(1),
                v[k]
            )));
        }
        let threads = heatmill::env::threads(threads)?;
        heatmill::env::with_threads(threads, || {
            heatmill::stats::correlate(v, n, d, CorrMethod::Pearson, false)
        })
    };
    let r = match x.extract::<PyReadonlyArray2<'_, f64>>() {
        Ok(a) if a.is_c_contiguous() => {
            let s = a
                .as_slice()
                .map_err(|e| PyValueError::new_err(e.to_string()))?;
            py.detach(|| compute(s))
        }
        _ => {
            let m = matrix_of(py, x, vec![String::new(); n], vec![String::new(); d])?;
            py.detach(|| compute(m.values()))
        }
    }
    .map_err(py_err)?;
    PyArray1::from_vec(py, r).reshape([n, n])
}

/// `(ok, skipped, failed [(job, message)], manifest)` of a batch run.
type RunResult = (usize, usize, Vec<(String, String)>, PathBuf);

/// The run's progress events as calls of a Python callable
/// `progress(event, done, total, job, status, secs)` (`event`: `start`,
/// `job` or `end`). The run works without the GIL; the hook takes it only
/// to make the call. An exception the callable raises is reported as
/// unraisable (`sys.unraisablehook`) and the run goes on.
fn progress_hook(callback: Py<PyAny>) -> heatmill::batch::ProgressHook {
    use heatmill::batch::RunEvent;
    heatmill::batch::ProgressHook::new(move |e| {
        let (event, done, total, job, status, secs) = match e {
            RunEvent::Start { total } => ("start", 0, total, "", "", 0.0),
            RunEvent::Job {
                done,
                total,
                job,
                status,
                secs,
            } => ("job", done, total, job, status, secs),
            RunEvent::End { done, total } => ("end", done, total, "", "", 0.0),
        };
        Python::attach(|py| {
            if let Err(err) = callback.call1(py, (event, done, total, job, status, secs)) {
                err.write_unraisable(py, Some(callback.bind(py)));
            }
        });
    })
}

/// Runs a batch config (`heatmill run`): `path` a TOML/JSON file, or
/// `text` a JSON document read as if it were `<dict>.json` in the working
/// directory. `progress`: a callable taking the run's events (see
/// [`progress_hook`]) in place of the stderr lines. Returns `(ok, skipped,
/// failed [(job, message)], manifest)`.
#[pyfunction]
#[pyo3(signature = (path=None, text=None, out=None, threads=None, force=false, quiet=false, shard=None, max_memory=None, progress=None))]
#[allow(clippy::too_many_arguments)]
fn run(
    py: Python<'_>,
    path: Option<PathBuf>,
    text: Option<String>,
    out: Option<PathBuf>,
    threads: Option<usize>,
    force: bool,
    quiet: bool,
    shard: Option<(usize, usize)>,
    max_memory: Option<u64>,
    progress: Option<Py<PyAny>>,
) -> PyResult<RunResult> {
    let config = match (path, text) {
        (Some(p), None) => py.detach(|| Config::load(&p)),
        (None, Some(t)) => py.detach(|| Config::parse(Path::new("<dict>.json"), &t)),
        _ => return Err(PyValueError::new_err("give a config path or a config dict")),
    }
    .map_err(py_err)?;
    let opts = RunOptions {
        out,
        threads,
        shard,
        force,
        quiet,
        max_memory,
        only: None,
        progress: progress.map(progress_hook),
    };
    let s = py
        .detach(|| batch::run::run(&config, &opts))
        .map_err(py_err)?;
    Ok((s.ok, s.skipped, s.failed, s.manifest))
}

/// The option table: one dict per option (key, value kind, the figure
/// kinds it applies to, accepted words, default, help, seaborn's name).
#[pyfunction]
fn options(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyDict>>> {
    OPTIONS
        .iter()
        .map(|s| {
            let d = PyDict::new(py);
            d.set_item("key", s.key)?;
            d.set_item(
                "value",
                match s.value {
                    ValueKind::Flag => "flag",
                    ValueKind::Number => "number",
                    ValueKind::Count => "count",
                    ValueKind::Text => "text",
                    ValueKind::Pair => "pair",
                    ValueKind::NumberOrPair => "number_or_pair",
                    ValueKind::Bounds => "bounds",
                    ValueKind::FlagOrText => "flag_or_text",
                    ValueKind::List => "list",
                    ValueKind::TextOrList => "text_or_list",
                    ValueKind::Map => "map",
                },
            )?;
            d.set_item(
                "kinds",
                s.kinds.iter().map(|k| k.name()).collect::<Vec<_>>(),
            )?;
            d.set_item("choices", s.choices.to_vec())?;
            d.set_item("default", s.default)?;
            d.set_item("help", s.help)?;
            d.set_item("seaborn", s.seaborn)?;
            Ok(d)
        })
        .collect()
}

/// The threads a call uses when `threads` is not given: Slurm's CPUs,
/// else the CPUs this process may run on.
#[pyfunction]
fn default_threads() -> PyResult<usize> {
    heatmill::env::threads(None).map_err(py_err)
}

#[pymodule]
fn _heatmill(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<PyFigure>()?;
    m.add_function(wrap_pyfunction!(figure, m)?)?;
    m.add_function(wrap_pyfunction!(linkage, m)?)?;
    m.add_function(wrap_pyfunction!(arrow_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(corrcoef, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(options, m)?)?;
    m.add_function(wrap_pyfunction!(default_threads, m)?)?;
    Ok(())
}
