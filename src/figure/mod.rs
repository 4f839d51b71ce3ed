//! Figures: heatmap, clustermap and correlation map, from a matrix and
//! options to a finished canvas (plus the data a user may want next to the
//! figure: leaf orders, linkages, flat clusters).

pub mod axes;
pub mod cache;
pub mod clustermap;
pub mod colorbar;
pub mod dendrogram;
pub mod heatmap;
pub mod options;
pub mod panel;
pub mod strips;
pub mod ticks;

use std::path::Path;
use std::sync::Arc;

pub use cache::Cache;
pub use options::{FigureOptions, Kind};

use crate::analysis;
use crate::bigbuf::Element;
use crate::cluster::{self, cut, Condensed, Linkage, Method, Metric, Precision};
use crate::error::{Error, Result};
use crate::io::{annotations, npy, text as text_out};
use crate::matrix::Matrix;
use crate::prep::{self, Axis};
use crate::render::scene::Scene;
use crate::stats::CorrMethod;
use crate::timings::Timings;

/// A finished figure and its data exports (file name, bytes).
pub struct Figure {
    /// The drawing, replayable as PNG, SVG or PDF.
    pub scene: Scene,
    pub exports: Vec<(String, Vec<u8>)>,
    /// Things the user should know (dropped rows, unmatched labels).
    pub warnings: Vec<String>,
}

/// Builds the figure `kind` of `m`. `source` names the input in messages;
/// annotation tables named in the options are read relative to `base`.
pub fn build(
    kind: Kind,
    m: &Matrix,
    opts: &FigureOptions,
    source: &str,
    base: &Path,
    cache: &Cache,
    t: &mut Timings,
) -> Result<Figure> {
    build_with(kind, m, opts, false, source, base, cache, t)
}

/// The log transform and top-N selection of `opts`, for readers that can
/// apply them while streaming (`None` when there is no top-N to gain from).
pub fn selection(opts: &FigureOptions) -> Option<crate::io::Selection> {
    let pre = prep::Prep {
        log1p: opts.log1p,
        log2p1: opts.log2p1,
        ..Default::default()
    };
    opts.top_variable.map(|top| crate::io::Selection {
        transform: pre.value_transform(),
        top,
    })
}

/// [`build`], for a matrix a reader may already have applied
/// [`selection`] to (`selected`), so the log and top-N steps are skipped.
#[allow(clippy::too_many_arguments)]
pub fn build_with(
    kind: Kind,
    m: &Matrix,
    opts: &FigureOptions,
    selected: bool,
    source: &str,
    base: &Path,
    cache: &Cache,
    t: &mut Timings,
) -> Result<Figure> {
    opts.validate()?;
    if m.nrows() == 0 || m.ncols() == 0 {
        return Err(Error::Invalid(format!("{source}: the matrix is empty")));
    }
    let pre = prep::Prep {
        log1p: opts.log1p,
        log2p1: opts.log2p1,
        top_variable: opts.top_variable,
        ..Default::default()
    };
    let transformed;
    let m = if selected || pre == prep::Prep::default() {
        m
    } else {
        transformed = t.time("prep", || pre.apply(m.clone()))?;
        &transformed
    };
    match kind {
        Kind::Heatmap => heatmap_figure(m, opts, source, base, t),
        Kind::Clustermap => clustermap_figure(m, opts, source, base, cache, t),
        Kind::Corrmap => corrmap_figure(m, opts, source, base, cache, t),
    }
}

fn heatmap_figure(
    m: &Matrix,
    opts: &FigureOptions,
    source: &str,
    base: &Path,
    t: &mut Timings,
) -> Result<Figure> {
    prep::check_finite(m, source, true)?;
    let mut values = m.values().to_vec();
    apply_mask(&mut values, m.nrows(), m.ncols(), opts);
    if let Some(lm) = LabelMask::load(opts, base)? {
        lm.apply(&mut values, m.row_labels(), m.col_labels());
    }
    let data = heatmap::HeatmapData {
        values: &values,
        rows: m.nrows(),
        cols: m.ncols(),
        row_labels: m.row_labels(),
        col_labels: m.col_labels(),
    };
    let scene = t.time("render", || heatmap::render(&data, opts))?;
    Ok(Figure {
        scene,
        exports: vec![],
        warnings: vec![],
    })
}

/// The preprocessing that shapes the matrix every cached result is
/// computed from (part of each cache key).
fn prep_key(o: &FigureOptions) -> String {
    format!("{}/{}/{:?}", o.log1p, o.log2p1, o.top_variable)
}

/// A mask read from a file, looked up by row and column label.
pub struct LabelMask {
    rows: std::collections::HashMap<String, usize>,
    cols: std::collections::HashMap<String, usize>,
    table: Matrix,
}

impl LabelMask {
    /// Reads `file:PATH` masks (relative to `base`); `None` for the others.
    pub fn load(opts: &FigureOptions, base: &Path) -> Result<Option<LabelMask>> {
        let Some(options::MaskSpec::File(p)) = &opts.mask else {
            return Ok(None);
        };
        let path = Path::new(p);
        let path = if path.is_relative() {
            base.join(path)
        } else {
            path.to_path_buf()
        };
        let table = crate::io::read_matrix(&path, &Default::default())?;
        let index = |labels: &[String]| {
            labels
                .iter()
                .enumerate()
                .map(|(i, l)| (l.clone(), i))
                .collect()
        };
        Ok(Some(LabelMask {
            rows: index(table.row_labels()),
            cols: index(table.col_labels()),
            table,
        }))
    }

    /// Hidden when the table has a non-zero (or missing) value there;
    /// labels absent from the table stay visible.
    pub fn hides(&self, row: &str, col: &str) -> bool {
        match (self.rows.get(row), self.cols.get(col)) {
            (Some(&i), Some(&j)) => {
                let v = self.table.get(i, j);
                v != 0.0
            }
            _ => false,
        }
    }

    /// Sets hidden cells of a display-order matrix to NaN.
    pub fn apply(&self, values: &mut [f64], rows: &[String], cols: &[String]) {
        for (r, rl) in rows.iter().enumerate() {
            for (c, cl) in cols.iter().enumerate() {
                if self.hides(rl, cl) {
                    values[r * cols.len() + c] = f64::NAN;
                }
            }
        }
    }
}

fn apply_mask(values: &mut [f64], rows: usize, cols: usize, opts: &FigureOptions) {
    if let Some(mask) = &opts.mask {
        for r in 0..rows {
            for c in 0..cols {
                if mask.hides(r, c) {
                    values[r * cols + c] = f64::NAN;
                }
            }
        }
    }
}

fn clustermap_figure(
    m: &Matrix,
    opts: &FigureOptions,
    source: &str,
    base: &Path,
    cache: &Cache,
    t: &mut Timings,
) -> Result<Figure> {
    let mut warnings = Vec::new();
    let prep_opts = prep::Prep {
        z_score: opts.z_score,
        standard_scale: opts.standard_scale,
        ..Default::default()
    };
    let mut data = t.time("prep", || prep_opts.apply(m.clone()))?;
    let method = opts.method.unwrap_or(Method::Average);
    let metric = opts.metric.unwrap_or(Metric::Euclidean);
    if metric.needs_variance() && opts.row_cluster {
        if let (Some(kept), dropped) = prep::drop_constant_rows(&data) {
            warnings.push(format!(
                "dropped {} rows without variance ({metric} distance undefined): {}",
                dropped.len(),
                dropped.join(", ")
            ));
            data = kept;
        }
    }
    if metric.needs_variance() && opts.col_cluster {
        if let (Some(kept), dropped) = prep::drop_constant_rows(&data.transposed()) {
            warnings.push(format!(
                "dropped {} columns without variance ({metric} distance undefined): {}",
                dropped.len(),
                dropped.join(", ")
            ));
            data = kept.transposed();
        }
    }
    let mut exports = Vec::new();
    let cluster_one = |axis: Axis, on: bool, t: &mut Timings| -> Result<Option<Arc<Linkage>>> {
        if !on || oriented_len(&data, axis) < 2 {
            return Ok(None);
        }
        let key = format!(
            "{}/{:?}/{:?}/{method}/{metric}/{axis}/{}/{}/{}/{}",
            prep_key(opts),
            opts.z_score,
            opts.standard_scale,
            opts.optimal_ordering,
            opts.row_cluster,
            opts.col_cluster,
            opts.precision
        );
        let spec = analysis::ClusterSpec {
            method,
            metric,
            optimal_ordering: opts.optimal_ordering,
            precision: opts.precision,
        };
        let z = cache.linkage(&key, || {
            analysis::cluster_axis(&data, axis, spec, source, t).map(|c| c.linkage)
        })?;
        Ok(Some(z))
    };
    let row_tree = cluster_one(Axis::Rows, opts.row_cluster, t)?;
    let col_tree = cluster_one(Axis::Cols, opts.col_cluster, t)?;

    let mut row_strips = Vec::new();
    let mut col_strips = Vec::new();
    for (specs, labels, what, out) in [
        (
            &opts.col_colors,
            data.col_labels(),
            "column",
            &mut col_strips,
        ),
        (&opts.row_colors, data.row_labels(), "row", &mut row_strips),
    ] {
        for spec in specs {
            let s = load_strip(spec, labels, opts, base)?;
            if !s.unmatched.is_empty() {
                warnings.push(format!(
                    "{} {what} labels not in {spec}: {}",
                    s.unmatched.len(),
                    s.unmatched.join(", ")
                ));
            }
            out.push(s);
        }
    }
    for (axis, tree, k, labels, strips_out) in [
        (
            "row",
            &row_tree,
            opts.cut_rows,
            data.row_labels(),
            &mut row_strips,
        ),
        (
            "col",
            &col_tree,
            opts.cut_cols,
            data.col_labels(),
            &mut col_strips,
        ),
    ] {
        if let Some(tree) = tree {
            let leaves = tree.leaves();
            exports.push((
                format!("{axis}_order.tsv"),
                text_out::order_tsv(&leaves, labels).into_bytes(),
            ));
            exports.push((
                format!("{axis}_linkage.npy"),
                npy::encode_f64(&[tree.n() - 1, 4], &tree.to_scipy()),
            ));
            if let Some(k) = k {
                let clusters = cut::cut_into(tree, k);
                exports.push((
                    format!("{axis}_clusters.tsv"),
                    text_out::clusters_tsv(&clusters, labels).into_bytes(),
                ));
                strips_out.push(strips::from_clusters(
                    &format!("{axis} cluster"),
                    &clusters,
                )?);
            }
        } else if k.is_some() {
            return Err(Error::Invalid(format!(
                "cut_{axis}s needs {axis} clustering on"
            )));
        }
    }
    let d = clustermap::ClustermapData {
        values: data.values(),
        rows: data.nrows(),
        cols: data.ncols(),
        row_labels: data.row_labels(),
        col_labels: data.col_labels(),
        row_tree: row_tree.as_deref(),
        col_tree: col_tree.as_deref(),
        row_strips: &row_strips,
        col_strips: &col_strips,
        label_mask: LabelMask::load(opts, base)?,
    };
    let scene = t.time("render", || clustermap::render(&d, opts))?;
    Ok(Figure {
        scene,
        exports,
        warnings,
    })
}

fn oriented_len(m: &Matrix, axis: Axis) -> usize {
    match axis {
        Axis::Rows => m.nrows(),
        Axis::Cols => m.ncols(),
    }
}

fn load_strip(
    spec: &str,
    labels: &[String],
    opts: &FigureOptions,
    base: &Path,
) -> Result<strips::Strip> {
    let (path, column) = annotations::parse_spec(spec);
    let path = if path.is_relative() {
        base.join(path)
    } else {
        path
    };
    let a = annotations::read(&path, column.as_deref())?;
    strips::from_annotation(&a, labels, &opts.palette)
}

/// The tree of a correlation map's `--cluster`: the rows of `r` as
/// vectors (what `sns.clustermap(df.corr())` does) or `1 − r` directly,
/// the distances stored as `T`.
fn cluster_correlation<T: Element>(
    r: &[f64],
    n: usize,
    opts: &FigureOptions,
    t: &mut Timings,
) -> Result<Linkage> {
    let link = opts.method.unwrap_or(Method::Average);
    let dist = match opts.cluster_distance {
        options::ClusterDistance::Rows => {
            let metric = opts.metric.unwrap_or(Metric::Euclidean);
            cluster::check_method_metric(link, metric)?;
            t.time("distance", || {
                cluster::distance::pdist_as::<T>(r, n, n, metric)
            })
        }
        options::ClusterDistance::OneMinusR => {
            let mut dist = Condensed::<T>::zeros(n);
            for i in 0..n {
                for j in i + 1..n {
                    dist.set(i, j, 1.0 - r[i * n + j]);
                }
            }
            dist
        }
    };
    t.time("link", || cluster::linkage_condensed(dist, link))
}

fn corrmap_figure(
    m: &Matrix,
    opts: &FigureOptions,
    source: &str,
    base: &Path,
    cache: &Cache,
    t: &mut Timings,
) -> Result<Figure> {
    let mut warnings = Vec::new();
    let method = opts.corr_method.unwrap_or(CorrMethod::Pearson);
    let mut m = std::borrow::Cow::Borrowed(m);
    if opts.cluster {
        if let (Some(kept), dropped) = prep::drop_constant_rows(&m) {
            warnings.push(format!(
                "dropped {} rows without variance (correlation undefined): {}",
                dropped.len(),
                dropped.join(", ")
            ));
            m = std::borrow::Cow::Owned(kept);
        }
    }
    let key = format!(
        "{}/{method}/{}/{:?}",
        prep_key(opts),
        opts.cluster,
        opts.missing
    );
    let shared = cache.correlation(&key, || {
        let pairwise = opts.missing == options::Missing::Pairwise;
        analysis::correlate_axis(&m, Axis::Rows, method, pairwise, source, t)
    })?;
    let (r, labels) = (&shared.0, &shared.1);
    let n = labels.len();
    let mut exports = Vec::new();
    let order: Vec<usize> = if opts.cluster && n >= 2 {
        let tree = match opts.precision {
            Precision::F64 => cluster_correlation::<f64>(r, n, opts, t)?,
            Precision::F32 => cluster_correlation::<f32>(r, n, opts, t)?,
        };
        let leaves = tree.leaves();
        exports.push((
            "order.tsv".to_string(),
            text_out::order_tsv(&leaves, labels).into_bytes(),
        ));
        exports.push((
            "linkage.npy".to_string(),
            npy::encode_f64(&[n - 1, 4], &tree.to_scipy()),
        ));
        leaves
    } else {
        (0..n).collect()
    };
    let mut values = Vec::with_capacity(n * n);
    for &i in &order {
        for &j in &order {
            values.push(r[i * n + j]);
        }
    }
    let ordered: Vec<String> = order.iter().map(|&i| labels[i].clone()).collect();
    let mut o = opts.clone();
    o.cmap = o.cmap.or(Some("coolwarm".into()));
    o.center = o.center.or(Some(0.0));
    o.square = o.square.or(Some(true));
    o.cbar_label = o.cbar_label.or(Some(match method {
        CorrMethod::Pearson => "Pearson r".into(),
        CorrMethod::Spearman => "Spearman \u{3c1}".into(),
    }));
    apply_mask(&mut values, n, n, &o);
    if let Some(lm) = LabelMask::load(&o, base)? {
        lm.apply(&mut values, &ordered, &ordered);
    }
    let data = heatmap::HeatmapData {
        values: &values,
        rows: n,
        cols: n,
        row_labels: &ordered,
        col_labels: &ordered,
    };
    let scene = t.time("render", || heatmap::render(&data, &o))?;
    Ok(Figure {
        scene,
        exports,
        warnings,
    })
}
