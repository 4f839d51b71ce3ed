//! One pipeline for every job, whether it comes from `heatmill run` or a
//! single-figure command: the matrix (already read, maybe with the top-N
//! selection streamed by the reader) is prepared, analysed (correlations,
//! linkages, `fcluster` cuts, colour strips from annotation tables), and
//! the analysed data are handed to a figure layout (`figure::heatmap`,
//! `figure::clustermap`), which only lays them out. Data exports (leaf
//! orders, linkage matrices, clusters) come from [`exports`], the same
//! bytes for a figure's `_data/` folder and for `heatmill linkage`.
//!
//! Each figure kind's analysis is what seaborn does for it:
//! - heatmap: `sns.heatmap(data)`; with `z_score`/`standard_scale` or
//!   colour strips it is `sns.clustermap(data, row_cluster=False,
//!   col_cluster=False, …)`, as seaborn users get them;
//! - clustermap: `sns.clustermap` (scipy `linkage` per axis);
//! - corrmap: `sns.heatmap(df.T.corr())`, or
//!   `sns.clustermap(df.T.corr())` ordering with `cluster`.

pub mod cache;
pub mod exports;
pub mod grouped;
pub mod heatmap_list;
pub mod matrix_jobs;
pub mod side_colors;
pub mod splits;
pub mod streamed;

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

pub use cache::Cache;

use crate::analysis;
use crate::cluster::{self, fcluster, Condensed, Criterion, Dtype, Linkage, Method, Metric};
use crate::dtype::Storage;
use crate::error::{Error, Result};
use crate::figure::{clustermap, dotplot, heatmap, CellText, FigureOptions, Kind, LabelMask};
use crate::io::annotations;
use crate::matrix::Matrix;
use crate::options::{Annot, ClusterDistance, MaskSpec, Missing, TickLabels};
use crate::prep::{self, Axis};
use crate::render::scene::Scene;
use crate::stats::CorrMethod;
use crate::timings::Timings;

/// A finished figure and its data exports (file name, bytes).
#[derive(Debug)]
pub struct Figure {
    /// The drawing, replayable as PNG, SVG or PDF.
    pub scene: Scene,
    /// Files for the job's export folder: `(file name, bytes)`.
    pub exports: Vec<(String, Vec<u8>)>,
    /// Things the user should know (dropped rows, unmatched labels).
    pub warnings: Vec<String>,
    /// The analysed data behind the drawing, for library callers: the
    /// trees, the labels they index and the tree cuts (the same numbers
    /// as the exports, unencoded).
    pub analysed: Analysed,
}

/// What a figure's analysis produced, per axis: the labels of the
/// observations analysed (after any dropped as undefined; input order),
/// the tree over them (`None` when the axis is not clustered) and the
/// flat clusters of a `cut_rows`/`cut_cols` (`fcluster` ids, input
/// order). A correlation map's rows and columns are its genes.
#[derive(Debug, Clone, Default)]
pub struct Analysed {
    /// Row labels analysed, input order.
    pub row_labels: Vec<String>,
    /// Column labels analysed, input order.
    pub col_labels: Vec<String>,
    /// The row tree (indices into `row_labels`).
    pub row_tree: Option<Arc<Linkage>>,
    /// The column tree (indices into `col_labels`).
    pub col_tree: Option<Arc<Linkage>>,
    /// `cut_rows`' clusters of `row_labels`.
    pub row_clusters: Option<Vec<usize>>,
    /// `cut_cols`' clusters of `col_labels`.
    pub col_clusters: Option<Vec<usize>>,
}

/// Colour strips given as data rather than `TABLE:COLUMN` files (a
/// library caller's in-memory annotations, e.g. from Python): drawn after
/// the options' `row_colors`/`col_colors`, matched by label like them,
/// sharing the figure's one palette. Also a cell mask given as data.
#[derive(Debug, Clone, Default)]
pub struct Annotations {
    /// Strips beside the rows.
    pub rows: Vec<annotations::Annotation>,
    /// Strips above the columns.
    pub cols: Vec<annotations::Annotation>,
    /// Cells not drawn, as `mask = "file:PATH"` reads them but in memory:
    /// a table by row label (first index) and column label, non-zero
    /// hides; for a correlation map, gene × gene. Matched by label, so it
    /// follows the rows and columns through clustering (seaborn reorders
    /// a clustermap's `mask` with its data). Used in place of a
    /// `file:PATH` mask; the geometric masks (`upper`, …) still apply.
    pub mask: Option<Matrix>,
    /// The `groupby` column given as data (scanpy's `groupby` of an
    /// in-memory AnnData's `obs`): by row label, in its categories'
    /// order, with its colours. Used in place of reading the option's
    /// `obs/COLUMN` or `TABLE:COLUMN`; it turns grouping on by itself.
    pub groupby: Option<annotations::Annotation>,
    /// The rows in another figure's order (a batch config's
    /// `row_order_from`), matched by label.
    pub row_order: Option<FollowedOrder>,
    /// The columns in another figure's order (`col_order_from`).
    pub col_order: Option<FollowedOrder>,
}

/// An axis order taken from another figure (a batch config's
/// `row_order_from`/`col_order_from`, ComplexHeatmap's main heatmap
/// ordering the others of a list): the labels that figure analysed, in
/// its input order, and its tree over them when it clustered that axis.
/// The following figure draws its own rows matched to these labels by
/// name: in the tree's leaf order, under the same dendrogram when it is
/// a clustermap clustering that axis, else in the order given.
#[derive(Debug, Clone)]
pub struct FollowedOrder {
    /// The figure it comes from, for messages (`figure 'expr' of dataset 'cohortA'`).
    pub from: String,
    /// The labels, indexed by the tree's leaves (drawn order when there
    /// is no tree).
    pub labels: Vec<String>,
    /// The tree over `labels`; `None`: `labels` is the drawn order.
    pub tree: Option<Arc<Linkage>>,
}

impl FollowedOrder {
    /// The row order that a figure's analysis produced (`from` names the
    /// figure in messages).
    pub fn of_rows(analysed: &Analysed, from: String) -> FollowedOrder {
        FollowedOrder {
            from,
            labels: analysed.row_labels.clone(),
            tree: analysed.row_tree.clone(),
        }
    }

    /// The column order, as [`FollowedOrder::of_rows`].
    pub fn of_cols(analysed: &Analysed, from: String) -> FollowedOrder {
        FollowedOrder {
            from,
            labels: analysed.col_labels.clone(),
            tree: analysed.col_tree.clone(),
        }
    }
}

impl Annotations {
    /// True when there are no strips.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty() && self.cols.is_empty()
    }

    /// The options with `groupby` set to the in-memory column's name when
    /// one is given as data, so the grouped figure is made.
    fn grouping_options(&self, opts: &FigureOptions) -> Option<FigureOptions> {
        let a = self.groupby.as_ref()?;
        Some(FigureOptions {
            groupby: Some(a.name.clone()),
            ..opts.clone()
        })
    }
}

/// Where a job runs: the input's name for messages, the directory that
/// relative annotation/mask paths are read from, the dataset's shared
/// results, and the memory the job may use.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The input, as named in messages.
    pub source: &'a str,
    /// The job's name in reports (`dataset/figure` in a batch run): the
    /// id of its MultiQC section.
    pub name: &'a str,
    /// Directory for relative paths in options (the config's directory,
    /// or the working directory on the command line).
    pub base: &'a Path,
    /// Linkages and correlations shared by the figures of one dataset.
    pub cache: &'a Cache,
    /// `--max-memory`, in bytes: bounds the stored distance matrix (ward
    /// clusters the vectors instead when it would not fit).
    pub max_memory: Option<u64>,
}

/// The log transform and top-N selection of `opts`, for readers that can
/// apply them while streaming (`None` when there is no top-N to gain from).
pub fn selection(opts: &FigureOptions) -> Option<crate::io::Selection> {
    let pre = opts.read_prep();
    opts.top_variable.map(|top| crate::io::Selection {
        transform: pre.value_transform(),
        top,
    })
}

/// The genes a figure of `kind` draws when they are the only columns it
/// reads: a grouped heatmap (`groupby`), a `reduce` matrixplot or a
/// `dotplot` with `genes` given, and no `top_variable` (which ranks rows
/// over every column). The reader then reads only these columns
/// ([`crate::io::read_columns`]); the figure is the same to the bit, as
/// the log transforms act value by value and everything else acts on
/// the chosen genes. `None`: the figure needs the whole matrix.
///
/// Errors: a `genes` file cannot be read ([`grouped::gene_list`]).
pub fn chosen_columns(
    kind: Kind,
    opts: &FigureOptions,
    base: &Path,
) -> Result<Option<Vec<String>>> {
    let grouped = match kind {
        Kind::Dotplot => true,
        Kind::Heatmap => opts.groupby.is_some(),
        Kind::Clustermap | Kind::Corrmap | Kind::HeatmapList => false,
    };
    if !grouped || opts.genes.is_empty() || opts.top_variable.is_some() {
        return Ok(None);
    }
    Ok(Some(grouped::gene_list(&opts.genes, base)?.0))
}

/// [`make_figure`] of a matrix read in full, for library callers: relative
/// paths in `opts` (annotation tables, masks) are read from `base`, and
/// `cache` shares linkages and correlations between calls on the same
/// matrix.
///
/// Errors: as [`make_figure`].
pub fn build(
    kind: Kind,
    m: &Matrix,
    opts: &FigureOptions,
    source: &str,
    base: &Path,
    cache: &Cache,
    t: &mut Timings,
) -> Result<Figure> {
    let ctx = Context {
        source,
        name: source,
        base,
        cache,
        max_memory: None,
    };
    make_figure(kind, m, opts, false, &ctx, t)
}

/// Makes the figure `kind` of `m` (rows × columns, as read). `selected`
/// says the reader already applied [`selection`], so the log and top-N
/// steps are skipped.
///
/// Errors: the options do not fit `kind` ([`Error::Usage`]); the matrix
/// is empty, or holds values the analysis refuses (NaN in clustering,
/// fewer than 2 observations) ([`Error::Invalid`], [`Error::Cell`]); an
/// annotation table or mask file cannot be read.
pub fn make_figure(
    kind: Kind,
    m: &Matrix,
    opts: &FigureOptions,
    selected: bool,
    ctx: &Context,
    t: &mut Timings,
) -> Result<Figure> {
    make_figure_with(kind, m, opts, selected, ctx, &Annotations::default(), t)
}

/// [`make_figure`] with colour strips given as data (`strips`), besides
/// those the options name as files. Strips on a heatmap make it seaborn's
/// unclustered clustermap, as `row_colors`/`col_colors` do.
///
/// Errors: as [`make_figure`]; strips on a correlation map
/// ([`Error::Usage`]).
pub fn make_figure_with(
    kind: Kind,
    m: &Matrix,
    opts: &FigureOptions,
    selected: bool,
    ctx: &Context,
    strips: &Annotations,
    t: &mut Timings,
) -> Result<Figure> {
    let given_groups = strips.grouping_options(opts);
    let opts = given_groups.as_ref().unwrap_or(opts);
    opts.validate_for(kind)?;
    if kind == Kind::Corrmap && (!strips.is_empty() || strips.groupby.is_some()) {
        return Err(Error::Usage(
            "row_colors/col_colors apply to heatmap and clustermap figures, not to corrmap".into(),
        ));
    }
    if m.nrows() == 0 || m.ncols() == 0 {
        return Err(Error::Invalid(format!(
            "{}: the matrix is empty",
            ctx.source
        )));
    }
    let pre = opts.read_prep();
    let transformed;
    if selected {
        pre.check_transformed(m)?;
    }
    let m = if selected || pre == prep::Prep::default() {
        m
    } else {
        transformed = t.time("prep", || pre.apply(m.clone()))?;
        &transformed
    };
    // `row_order`/`col_order`: the matrix in the order given, that axis
    // not clustered.
    let (ordered, unclustered);
    let (m, opts) = if opts.row_order.is_none() && opts.col_order.is_none() {
        (m, opts)
    } else {
        let mut o = m.clone();
        if let Some(p) = &opts.row_order {
            let idx = given_order(o.row_labels(), p, ctx.base, "row_order", "row")?;
            o = o.select_rows(&idx);
        }
        if let Some(p) = &opts.col_order {
            let idx = given_order(o.col_labels(), p, ctx.base, "col_order", "column")?;
            o = o.select_cols(&idx);
        }
        ordered = o;
        unclustered = FigureOptions {
            row_cluster: opts.row_cluster && opts.row_order.is_none(),
            col_cluster: opts.col_cluster && opts.col_order.is_none(),
            ..opts.clone()
        };
        (&ordered, &unclustered)
    };
    // `row_order_from`/`col_order_from`: the axis in another figure's
    // order, matched by label; a clustermap clustering that axis takes
    // that figure's tree (`clustermap_figure`), any other draws its leaf
    // order unclustered.
    let (followed, following);
    let (m, opts) = if strips.row_order.is_none() && strips.col_order.is_none() {
        (m, opts)
    } else {
        let mut o = m.clone();
        let mut fo = opts.clone();
        for (axis, given) in [
            (Axis::Rows, &strips.row_order),
            (Axis::Cols, &strips.col_order),
        ] {
            let Some(f) = given else { continue };
            let rows = axis == Axis::Rows;
            let labels = if rows { o.row_labels() } else { o.col_labels() };
            let idx = followed_order(labels, f, axis, ctx.source)?;
            o = if rows {
                o.select_rows(&idx)
            } else {
                o.select_cols(&idx)
            };
            let cluster = if rows {
                &mut fo.row_cluster
            } else {
                &mut fo.col_cluster
            };
            match &f.tree {
                Some(_) if kind == Kind::Clustermap && *cluster => {}
                tree => {
                    if let Some(tree) = tree {
                        let leaves = tree.leaves();
                        o = if rows {
                            o.select_rows(&leaves)
                        } else {
                            o.select_cols(&leaves)
                        };
                    }
                    *cluster = false;
                }
            }
        }
        followed = o;
        following = fo;
        (&followed, &following)
    };
    // `mark_rows` entries `file:PATH` become the labels the file lists;
    // `xticklabels`/`yticklabels = "file:PATH"` the labels it holds.
    let marked;
    let opts = if opts.mark_rows.is_empty()
        && !matches!(opts.xticklabels, TickLabels::File(_))
        && !matches!(opts.yticklabels, TickLabels::File(_))
    {
        opts
    } else {
        marked = FigureOptions {
            mark_rows: marked_rows(&opts.mark_rows, ctx.base)?,
            xticklabels: tick_label_file(&opts.xticklabels, ctx.base)?,
            yticklabels: tick_label_file(&opts.yticklabels, ctx.base)?,
            ..opts.clone()
        };
        &marked
    };
    let mut fig = match kind {
        Kind::Heatmap if opts.groupby.is_some() || !opts.genes.is_empty() => {
            grouped_figure(m, opts, ctx, strips, t)
        }
        Kind::Heatmap => heatmap_figure(m, opts, ctx, strips, t, &[]),
        Kind::Clustermap => clustermap_figure(m, opts, ctx, strips, t, &[], &[]),
        Kind::Corrmap => corrmap_figure(m, opts, ctx, strips.mask.as_ref(), t),
        Kind::Dotplot => dotplot_figure(m, opts, ctx, strips, t),
        Kind::HeatmapList => heatmap_list::figure(m, opts, &[], ctx, t),
    }?;
    let absent: Vec<&String> = opts
        .mark_rows
        .iter()
        .filter(|l| !m.row_labels().contains(l))
        .collect();
    if !absent.is_empty() {
        fig.warnings.push(format!(
            "{} of {} mark_rows labels are not rows of {}: {}{}",
            absent.len(),
            opts.mark_rows.len(),
            ctx.source,
            absent
                .iter()
                .take(5)
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            if absent.len() > 5 { ", …" } else { "" }
        ));
    }
    if let Some(w) = missing_glyphs(&fig.scene) {
        fig.warnings.push(w);
    }
    Ok(fig)
}

/// One warning for the characters of the figure's text that no font has
/// (drawn as empty boxes), naming the labels they are in, as matplotlib
/// warns "Glyph … missing from font(s)".
fn missing_glyphs(scene: &crate::render::scene::Scene) -> Option<String> {
    let mut chars: Vec<char> = Vec::new();
    let mut labels: Vec<&str> = Vec::new();
    for op in &scene.ops {
        if let crate::render::scene::Op::Text { text, .. } = op {
            let missing = scene.fonts.missing(text);
            if missing.is_empty() {
                continue;
            }
            for c in missing {
                if !chars.contains(&c) {
                    chars.push(c);
                }
            }
            if !labels.contains(&text.as_str()) {
                labels.push(text);
            }
        }
    }
    if chars.is_empty() {
        return None;
    }
    let shown: Vec<String> = chars
        .iter()
        .take(10)
        .map(|c| format!("'{c}' (U+{:04X})", *c as u32))
        .collect();
    Some(format!(
        "no font has {} {} (drawn as empty boxes) in {} label(s): {}{}; name a font that has them with {}",
        if chars.len() == 1 { "the character" } else { "the characters" },
        shown.join(", "),
        labels.len(),
        labels
            .iter()
            .take(5)
            .map(|l| format!("'{l}'"))
            .collect::<Vec<_>>()
            .join(", "),
        if labels.len() > 5 { ", …" } else { "" },
        crate::error::hint("font", "PATH-OR-FAMILY")
    ))
}

/// Python refuses the integer code `d` for a float; seaborn's `fmt="d"`
/// works on whole numbers only. A value with a fraction is refused here,
/// naming its cell, rather than rounded.
fn check_fmt(values: &[f64], rows: &[String], cols: &[String], opts: &FigureOptions) -> Result<()> {
    if opts.annot != Annot::Values {
        return Ok(());
    }
    let is_d = crate::render::pyformat::parse(&opts.fmt).is_ok_and(|s| s.kind() == Some('d'));
    if !is_d {
        return Ok(());
    }
    let n = cols.len().max(1);
    if let Some(k) = values
        .iter()
        .position(|v| v.is_finite() && v.fract() != 0.0)
    {
        return Err(Error::Usage(format!(
            "{} '{}' writes whole numbers, but row '{}', column '{}' holds {}; use a float format such as '.0f' or '.2g'",
            crate::error::key_and_flag("fmt"),
            opts.fmt,
            rows[k / n],
            cols[k % n],
            values[k]
        )));
    }
    Ok(())
}

/// `z_score` / `standard_scale` of `m`. A row or column without variance
/// scales to NaN (seaborn draws it blank); where the figure clusters that
/// axis (`cluster_rows`, `cluster_cols`), it is refused naming the
/// transform and the rows, not reported later as a missing input value.
///
/// Without either, `m` itself (borrowed: no copy of the matrix).
fn scaled<'a>(
    m: &'a Matrix,
    opts: &FigureOptions,
    cluster_rows: bool,
    cluster_cols: bool,
    t: &mut Timings,
) -> Result<Cow<'a, Matrix>> {
    if opts.z_score.is_none() && opts.standard_scale.is_none() {
        return Ok(Cow::Borrowed(m));
    }
    let p = prep::Prep {
        z_score: opts.z_score,
        standard_scale: opts.standard_scale,
        ..Default::default()
    };
    if cluster_rows || cluster_cols {
        p.check_scaling(m)?;
    }
    let out = t.time("prep", || p.apply(m.clone()))?;
    Ok(Cow::Owned(out))
}

/// A heatmap; `col_sets` brackets marker sets above the columns.
fn heatmap_figure(
    m: &Matrix,
    opts: &FigureOptions,
    ctx: &Context,
    strips: &Annotations,
    t: &mut Timings,
    col_sets: &[(String, usize, usize)],
) -> Result<Figure> {
    if !opts.row_colors.is_empty()
        || !opts.col_colors.is_empty()
        || !opts.row_bars.is_empty()
        || !opts.col_bars.is_empty()
        || !strips.is_empty()
        || opts.row_split.is_some()
        || opts.col_split.is_some()
        || opts.kmeans_rows.is_some()
    {
        // seaborn's way to a heatmap with colour strips: a clustermap with
        // both clusterings off (splits are drawn by that layout too).
        let mut o = opts.clone();
        as_heatmap(&mut o);
        return clustermap_figure(m, &o, ctx, strips, t, &[], col_sets);
    }
    let m = scaled(m, opts, false, false, t)?;
    prep::check_finite(&m, ctx.source, true)?;
    let mut values = m.values().to_vec();
    let missing: Vec<bool> = values.iter().map(|v| v.is_nan()).collect();
    apply_mask(&mut values, m.nrows(), m.ncols(), opts);
    if let Some(lm) = load_label_mask(opts, ctx.base, strips.mask.as_ref())? {
        lm.apply(&mut values, m.row_labels(), m.col_labels());
    }
    check_fmt(&values, m.row_labels(), m.col_labels(), opts)?;
    let mut warnings = Vec::new();
    let text = load_cell_text(
        opts,
        ctx.base,
        (m.row_labels(), m.col_labels()),
        &mut warnings,
    )?
    .map(|t| t.display(m.row_labels(), m.col_labels()));
    let data = heatmap::HeatmapData {
        values: &values,
        rows: m.nrows(),
        cols: m.ncols(),
        row_labels: m.row_labels(),
        col_labels: m.col_labels(),
        missing: Some(&missing),
        text: text.as_deref(),
        col_sets,
        streamed: None,
    };
    let scene = t.time("render", || heatmap::render(&data, opts))?;
    Ok(Figure {
        scene,
        exports: vec![],
        warnings,
        analysed: Analysed {
            row_labels: m.row_labels().to_vec(),
            col_labels: m.col_labels().to_vec(),
            ..Default::default()
        },
    })
}

/// A `heatmap` drawn by the clustermap layout (for its strips, splits or
/// groups): no clustering, no room for dendrograms, and the colour bar on
/// the right as a heatmap's (unless `cbar_location`/`cbar_pos` say
/// otherwise) — not a clustermap with its trees taken out.
fn as_heatmap(o: &mut FigureOptions) {
    o.row_cluster = false;
    o.col_cluster = false;
    o.dendrogram_ratio = (0.0, 0.0);
    let horizontal = o.cbar_orientation == Some(crate::options::CbarOrientation::Horizontal);
    if o.cbar_location.is_none() && o.cbar_pos.is_none() && !horizontal {
        o.cbar_location = Some(crate::options::CbarLocation::Right);
    }
}

/// A grouped heatmap (scanpy's `pl.heatmap`: cells grouped by
/// `groupby`, a group bar and the group names; `viridis` unless `cmap` is
/// given, as scanpy), or with `reduce` one row per group (scanpy's
/// `pl.matrixplot`), over the `genes` chosen (all columns when none).
fn grouped_figure(
    m: &Matrix,
    opts: &FigureOptions,
    ctx: &Context,
    strips: &Annotations,
    t: &mut Timings,
) -> Result<Figure> {
    let mut warnings = Vec::new();
    let (picked, sets) = picked_genes(m, opts, ctx)?;
    let m = picked.as_ref().unwrap_or(m);
    let mut o = opts.clone();
    o.groupby = None;
    o.reduce = None;
    o.genes.clear();
    let Some(spec) = &opts.groupby else {
        return heatmap_figure(m, &o, ctx, strips, t, &sets);
    };
    let (a, g) = grouping(m, spec, ctx, strips, &mut warnings)?;
    o.cmap = o.cmap.or(Some("viridis".into()));
    let mut fig = match opts.reduce {
        Some(how) => {
            let r = t.time("reduce", || grouped::reduce(m, &g, how))?;
            o.cbar_label = o.cbar_label.or(Some(
                match how {
                    crate::options::Reduce::Mean => "Mean expression in group",
                    crate::options::Reduce::Median => "Median expression in group",
                    crate::options::Reduce::FractionNonzero => "Fraction of cells in group",
                }
                .into(),
            ));
            let mut fig = heatmap_figure(&r, &o, ctx, strips, t, &sets)?;
            let name = match how {
                crate::options::Reduce::Mean => "aggregate_mean",
                crate::options::Reduce::Median => "aggregate_median",
                crate::options::Reduce::FractionNonzero => "aggregate_fraction_nonzero",
            };
            fig.exports.push(exports::grouped_table(name, &r));
            fig
        }
        None => {
            let ordered = m.select_rows(&g.order());
            as_heatmap(&mut o);
            if o.yticklabels == crate::options::TickLabels::Auto {
                // scanpy names the groups, never the cells.
                o.yticklabels = crate::options::TickLabels::None;
            }
            // The group bar: the column as a strip (read by label when it
            // was grouped by position).
            let a = match a {
                Some(a) => a,
                None => grouped::read_groupby(spec, ctx.source, ctx.base)?,
            };
            let mut s = strips.clone();
            s.rows.push(a);
            let mut fig = clustermap_figure(&ordered, &o, ctx, &s, t, &g.spans(), &sets)?;
            fig.exports.push(exports::groups(&g.groups, m.row_labels()));
            fig
        }
    };
    fig.warnings.splice(0..0, warnings);
    Ok(fig)
}

/// The columns `genes` names (`None`: no `genes`, every column) and the
/// marker sets they form.
fn picked_genes(
    m: &Matrix,
    opts: &FigureOptions,
    ctx: &Context,
) -> Result<(Option<Matrix>, grouped::GeneSets)> {
    let (genes, sets) = grouped::gene_list(&opts.genes, ctx.base)?;
    // Already these columns (the genes read alone): no copy.
    if genes.is_empty() || genes.as_slice() == m.col_labels() {
        return Ok((None, sets));
    }
    Ok((Some(grouped::pick_genes(m, &genes, ctx.source)?), sets))
}

/// The `groupby` column (`strips.groupby` when given as data, else read
/// from `spec`) and the rows of `m` it groups; rows left out are warned
/// about.
///
/// Errors: the column cannot be read; no row has a group
/// ([`Error::Invalid`], saying to transpose when the columns match).
fn grouping(
    m: &Matrix,
    spec: &str,
    ctx: &Context,
    strips: &Annotations,
    warnings: &mut Vec<String>,
) -> Result<(Option<annotations::Annotation>, grouped::Grouping)> {
    // An .h5ad's own categorical obs column is read by position: its
    // index is the matrix's rows (a million cells are not hashed by name).
    let spec = &grouped::groupby_spec(spec, ctx.source, ctx.base);
    let own_h5ad = strips.groupby.is_none()
        && !spec.contains(':')
        && (spec.starts_with("obs/") || spec.starts_with("var/"))
        && Path::new(ctx.source)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("h5ad"));
    let by_position = if own_h5ad {
        crate::io::hdf5::read_categorical_codes(Path::new(ctx.source), spec)
            .ok()
            .flatten()
            .and_then(|c| grouped::Grouping::from_codes(&c, m.row_labels()))
    } else {
        None
    };
    let (a, g) = match by_position {
        Some(g) if !g.groups.is_empty() => (None, g),
        _ => {
            let a = match &strips.groupby {
                Some(a) => a.clone(),
                None => grouped::read_groupby(spec, ctx.source, ctx.base)?,
            };
            let g = grouped::Grouping::new(&a, m.row_labels());
            (Some(a), g)
        }
    };
    if g.groups.is_empty() {
        let cols_match = a
            .as_ref()
            .is_some_and(|a| m.col_labels().iter().any(|l| a.values.contains_key(l)));
        return Err(Error::Invalid(format!(
            "{} {spec}: no row of {} has a group (rows {}, …){}",
            crate::error::key_and_flag("groupby"),
            ctx.source,
            m.row_labels()
                .iter()
                .take(3)
                .map(|l| format!("'{l}'"))
                .collect::<Vec<_>>()
                .join(", "),
            if cols_match {
                "; its labels are the columns: groupby groups the rows (an .h5ad as stored has cells as rows: drop transpose; a genes x cells table needs transpose = true, --transpose)"
            } else {
                ""
            }
        )));
    }
    if !g.left_out.is_empty() {
        warnings.push(format!(
            "{}: {} of {} rows have no {} and are left out: {}{}",
            crate::error::key_and_flag("groupby"),
            g.left_out.len(),
            m.nrows(),
            g.name,
            g.left_out
                .iter()
                .take(5)
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            if g.left_out.len() > 5 { ", …" } else { "" }
        ));
    }
    Ok((a, g))
}

/// scanpy's `pl.dotplot`: the groups' means as colours (`Reds` unless
/// `cmap` is given; `standard_scale` scales them, a constant gene or
/// group to 0 as scanpy's `fillna(0)`), the shares of cells above
/// `expression_cutoff` as dot areas.
fn dotplot_figure(
    m: &Matrix,
    opts: &FigureOptions,
    ctx: &Context,
    strips: &Annotations,
    t: &mut Timings,
) -> Result<Figure> {
    let mut warnings = Vec::new();
    let (picked, sets) = picked_genes(m, opts, ctx)?;
    let m = picked.as_ref().unwrap_or(m);
    let spec = opts.groupby.as_deref().unwrap_or_default();
    let (_, g) = grouping(m, spec, ctx, strips, &mut warnings)?;
    let (color, share) = t.time("reduce", || {
        grouped::dot_values(m, &g, opts.expression_cutoff, opts.mean_only_expressed)
    })?;
    let color = if opts.standard_scale.is_some() {
        let mut c = scaled(&color, opts, false, false, t)?.into_owned();
        for v in c.values_mut() {
            if v.is_nan() {
                *v = 0.0;
            }
        }
        c
    } else {
        color
    };
    let mut o = opts.clone();
    o.cmap = o.cmap.or(Some("Reds".into()));
    o.cbar_label = o.cbar_label.or(Some("Mean expression in group".into()));
    let d = dotplot::DotplotData {
        color: color.values(),
        fraction: share.values(),
        rows: color.nrows(),
        cols: color.ncols(),
        row_labels: color.row_labels(),
        col_labels: color.col_labels(),
        col_sets: &sets,
    };
    let scene = t.time("render", || dotplot::render(&d, &o))?;
    Ok(Figure {
        scene,
        exports: vec![
            exports::grouped_table("dot_color", &color),
            exports::grouped_table("dot_size", &share),
        ],
        warnings,
        analysed: Analysed {
            row_labels: color.row_labels().to_vec(),
            col_labels: color.col_labels().to_vec(),
            ..Default::default()
        },
    })
}

/// `annot = "stars"`: each off-diagonal correlation of the `n × n`
/// display-order matrix `r` marked by its p-value
/// ([`crate::stats::pvalue::correlation_p`] with the number of samples of
/// `m`, the columns its rows were correlated over).
///
/// Errors: pairwise-complete correlations of a matrix with missing values
/// (each pair has its own sample count, which the figure does not keep).
fn significance_stars(
    r: &[f64],
    n: usize,
    m: &Matrix,
    opts: &FigureOptions,
) -> Result<Vec<Option<String>>> {
    if opts.missing == Missing::Pairwise && m.values().iter().any(|v| v.is_nan()) {
        return Err(Error::Usage(format!(
            "{} needs one sample count for every pair, but the matrix has missing values and {} correlates each pair over its own samples; fill or drop them first",
            crate::error::hint("annot", "stars"),
            crate::error::hint("missing", "pairwise")
        )));
    }
    let samples = m.ncols();
    Ok((0..n * n)
        .map(|k| {
            let (i, j) = (k / n, k % n);
            let s = crate::stats::pvalue::stars(crate::stats::pvalue::correlation_p(r[k], samples));
            (i != j && !s.is_empty()).then(|| s.to_string())
        })
        .collect())
}

/// Reads the `annot = "file:PATH"` table (relative to `base`): numbers
/// written in `fmt` (as seaborn formats an `annot` array), other text as
/// is; `None` for the other `annot` values.
///
/// Errors: the table cannot be read ([`crate::io::annotations::read_text_table`]).
fn load_cell_text(
    opts: &FigureOptions,
    base: &Path,
    (rows, cols): (&[String], &[String]),
    warnings: &mut Vec<String>,
) -> Result<Option<CellText>> {
    let Annot::File(p) = &opts.annot else {
        return Ok(None);
    };
    let path = resolve(base, Path::new(p));
    let t = crate::io::annotations::read_text_table(&path)
        .map_err(|e| e.about_option("annot", &format!("file:{p}")))?;
    // A table whose labels are not the matrix's draws no text: refused
    // when nothing matches, told when some labels do not.
    let shown = |l: &[&String]| {
        l.iter()
            .take(3)
            .map(|s| format!("'{s}'"))
            .collect::<Vec<_>>()
            .join(", ")
            + if l.len() > 3 { ", …" } else { "" }
    };
    for (what, table, matrix) in [("row", &t.rows, rows), ("column", &t.cols, cols)] {
        let known: std::collections::HashSet<&String> = matrix.iter().collect();
        let unknown: Vec<&String> = table.iter().filter(|l| !known.contains(l)).collect();
        if !table.is_empty() && unknown.len() == table.len() {
            return Err(Error::Invalid(format!(
                "{} {}: none of its {what} labels ({}) is a {what} of the matrix ({}); the table holds row labels in its first column and column labels in its header",
                crate::error::key_and_flag("annot"),
                path.display(),
                shown(&unknown),
                shown(&matrix.iter().collect::<Vec<_>>())
            )));
        }
        if !unknown.is_empty() {
            warnings.push(format!(
                "annot {}: {} of its {} {what}s are not in the matrix, their text is not drawn: {}",
                path.display(),
                unknown.len(),
                table.len(),
                shown(&unknown)
            ));
        }
    }
    let cells = t
        .cells
        .into_iter()
        .map(|c| {
            c.map(|s| match s.trim().parse::<f64>() {
                Ok(v) if v.is_finite() => crate::figure::format_value(v, &opts.fmt),
                _ => s,
            })
        })
        .collect();
    Ok(Some(CellText::new(&t.rows, &t.cols, cells)))
}

/// The mask given as data (`given`), else reads a `file:PATH` mask
/// (relative to `base`); `None` for the others.
fn load_label_mask(
    opts: &FigureOptions,
    base: &Path,
    given: Option<&Matrix>,
) -> Result<Option<LabelMask>> {
    if let Some(table) = given {
        return Ok(Some(LabelMask::new(table.clone())));
    }
    let Some(MaskSpec::File(p)) = &opts.mask else {
        return Ok(None);
    };
    let path = resolve(base, Path::new(p));
    let table = crate::io::read_matrix(&path, &Default::default())?;
    Ok(Some(LabelMask::new(table)))
}

/// The labels `mark_rows` names: each entry as is, or for `file:PATH` (relative
/// to the config) the first field of each line of the file (blank lines
/// and `#` comments skipped), in order, each once.
///
/// Errors: the file cannot be read ([`Error::Read`]).
fn marked_rows(entries: &[String], base: &Path) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for e in entries {
        let labels: Vec<String> = match e.strip_prefix("file:") {
            Some(p) => {
                let path = resolve(base, Path::new(p));
                let text = std::fs::read_to_string(&path).map_err(|err| Error::read(&path, err))?;
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .filter_map(|l| l.split(['\t', ',', ' ']).next().map(str::to_string))
                    .collect()
            }
            None => vec![e.clone()],
        };
        for l in labels {
            if !out.contains(&l) {
                out.push(l);
            }
        }
    }
    Ok(out)
}

/// The positions of `labels` in the order the file at `path` (relative to
/// the config) lists them: heatmill's `order.tsv` (a header
/// `index<TAB>label`, the label in the second field) or one label per
/// line (blank lines skipped). `key` is the option, `what` the axis's
/// cells (`row`, `column`) for messages.
///
/// Errors: the file cannot be read ([`Error::Read`]); labels of the file
/// that are not the axis's, labels of the axis the file lacks, a label
/// listed twice, or an axis whose labels repeat ([`Error::Invalid`],
/// naming up to five).
fn given_order(
    labels: &[String],
    path: &str,
    base: &Path,
    key: &str,
    what: &str,
) -> Result<Vec<usize>> {
    let file = resolve(base, Path::new(path));
    let text = std::fs::read_to_string(&file).map_err(|err| Error::read(&file, err))?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty()).peekable();
    let tsv = lines.peek().is_some_and(|l| *l == "index\tlabel");
    if tsv {
        lines.next();
    }
    let listed: Vec<&str> = lines
        .map(|l| {
            if tsv {
                l.split_once('\t').map_or(l, |(_, b)| b)
            } else {
                l
            }
        })
        .collect();
    let fail = |msg: String| {
        Error::Invalid(format!(
            "{} in {}: {msg}",
            crate::error::key_and_flag(key),
            file.display()
        ))
    };
    match match_labels(labels, &listed) {
        Matched::Order(idx) => Ok(idx),
        Matched::Repeated(r) => Err(fail(format!(
            "the data's {what} labels repeat ({}), so an order by label is ambiguous; give each {what} a distinct label",
            some_labels(&r)
        ))),
        Matched::Unknown(u) => Err(fail(format!(
            "{} label(s) are not {what}s of the data: {}; list only the data's {what} labels",
            u.len(),
            some_labels(&u)
        ))),
        Matched::Twice(t) => Err(fail(format!(
            "{} listed more than once; list each {what} once",
            some_labels(&t)
        ))),
        Matched::Missing(m) => Err(fail(format!(
            "{} of the data's {} {what}s are missing: {}; list every {what} once",
            m.len(),
            labels.len(),
            some_labels(&m)
        ))),
    }
}

/// The positions of `labels` (the `axis` of `source`) in the order of
/// the figure `f` comes from: the same labels, matched by name.
///
/// Errors ([`Error::Invalid`], naming up to five labels): labels of that
/// figure this data lacks, labels of this data that figure lacks, or
/// labels that repeat (an order by label is ambiguous).
fn followed_order(
    labels: &[String],
    f: &FollowedOrder,
    axis: Axis,
    source: &str,
) -> Result<Vec<usize>> {
    let key = match axis {
        Axis::Rows => "row_order_from",
        Axis::Cols => "col_order_from",
    };
    matched_order(labels, f, key, axis, source)
}

/// [`followed_order`] for the option `key` (in messages).
fn matched_order(
    labels: &[String],
    f: &FollowedOrder,
    key: &str,
    axis: Axis,
    source: &str,
) -> Result<Vec<usize>> {
    let what = match axis {
        Axis::Rows => "row",
        Axis::Cols => "column",
    };
    let listed: Vec<&str> = f.labels.iter().map(String::as_str).collect();
    let fail = |msg: String| {
        Error::Invalid(format!(
            "{key} ({}): {msg}; a figure following another draws the same {what}s, matched by label (same labels, same top_variable)",
            f.from
        ))
    };
    match match_labels(labels, &listed) {
        Matched::Order(idx) => Ok(idx),
        Matched::Repeated(r) => Err(fail(format!(
            "the {what} labels of {source} repeat ({})",
            some_labels(&r)
        ))),
        Matched::Unknown(u) => Err(fail(format!(
            "{} of its {} {what}s are not {what}s of {source}: {}",
            u.len(),
            listed.len(),
            some_labels(&u)
        ))),
        Matched::Twice(t) => Err(fail(format!(
            "its {what} labels repeat ({})",
            some_labels(&t)
        ))),
        Matched::Missing(m) => Err(fail(format!(
            "{} of the {} {what}s of {source} are not in it: {}",
            m.len(),
            labels.len(),
            some_labels(&m)
        ))),
    }
}

/// Up to five labels, comma-separated, "…" when there are more.
fn some_labels(v: &[&str]) -> String {
    let mut s = v.iter().take(5).copied().collect::<Vec<_>>().join(", ");
    if v.len() > 5 {
        s.push_str(", …");
    }
    s
}

/// How a list of labels matches an axis's labels.
enum Matched<'a> {
    /// Every axis label listed once: its positions in the listed order.
    Order(Vec<usize>),
    /// The axis's own labels repeat (an order by label is ambiguous).
    Repeated(Vec<&'a str>),
    /// Listed labels the axis does not have.
    Unknown(Vec<&'a str>),
    /// Labels listed more than once.
    Twice(Vec<&'a str>),
    /// Axis labels not listed.
    Missing(Vec<&'a str>),
}

/// The positions of `labels` in the order `listed` gives them, or the
/// first thing that stops it (checked in the order of [`Matched`]).
fn match_labels<'a>(labels: &'a [String], listed: &[&'a str]) -> Matched<'a> {
    let mut at: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut repeated: Vec<&str> = Vec::new();
    for (i, l) in labels.iter().enumerate() {
        if at.insert(l.as_str(), i).is_some() {
            repeated.push(l);
        }
    }
    if !repeated.is_empty() {
        return Matched::Repeated(repeated);
    }
    let mut seen = vec![false; labels.len()];
    let (mut unknown, mut twice, mut idx) = (Vec::new(), Vec::new(), Vec::new());
    for l in listed {
        match at.get(l) {
            None => unknown.push(*l),
            Some(&i) if seen[i] => twice.push(*l),
            Some(&i) => {
                seen[i] = true;
                idx.push(i);
            }
        }
    }
    if !unknown.is_empty() {
        return Matched::Unknown(unknown);
    }
    if !twice.is_empty() {
        return Matched::Twice(twice);
    }
    let missing: Vec<&str> = labels
        .iter()
        .zip(&seen)
        .filter(|(_, s)| !**s)
        .map(|(l, _)| l.as_str())
        .collect();
    if !missing.is_empty() {
        return Matched::Missing(missing);
    }
    Matched::Order(idx)
}

/// `xticklabels`/`yticklabels = "file:PATH"` (relative to the config) as
/// the labels the file holds, one per line (every line one label, `\r\n`
/// accepted); any other value as is.
///
/// Errors: the file cannot be read ([`Error::Read`]).
fn tick_label_file(mode: &TickLabels, base: &Path) -> Result<TickLabels> {
    let TickLabels::File(p) = mode else {
        return Ok(mode.clone());
    };
    let path = resolve(base, Path::new(p));
    let text = std::fs::read_to_string(&path).map_err(|err| Error::read(&path, err))?;
    Ok(TickLabels::Labels(
        text.lines().map(str::to_string).collect(),
    ))
}

fn resolve(base: &Path, p: &Path) -> std::path::PathBuf {
    if p.is_relative() {
        base.join(p)
    } else {
        p.to_path_buf()
    }
}

/// True for `obs/COLUMN` or `var/COLUMN` alone (no `TABLE:`): a column of
/// the input `.h5ad` itself, as scanpy names it.
pub fn is_own_column(spec: &str) -> bool {
    !spec.contains(':') && (spec.starts_with("obs/") || spec.starts_with("var/"))
}

/// The table and column a `TABLE:COLUMN` option entry names (`key`, for
/// messages): the table relative to `base`, or for `obs/COLUMN` /
/// `var/COLUMN` alone the input `.h5ad` itself (`source`).
///
/// Errors: `obs/…` alone when the input is not an `.h5ad`
/// ([`Error::Usage`], naming the option and what to write instead).
pub fn table_of(
    spec: &str,
    key: &str,
    source: &str,
    base: &Path,
) -> Result<(std::path::PathBuf, Option<String>)> {
    if is_own_column(spec) {
        let p = std::path::PathBuf::from(source);
        if !p
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("h5ad"))
        {
            return Err(Error::Usage(format!(
                "{} '{spec}' names a column of the input, but {source} is not an .h5ad: give the table as TABLE:COLUMN (e.g. cells.tsv:cell_type)",
                crate::error::key_and_flag(key)
            )));
        }
        return Ok((p, Some(spec.to_string())));
    }
    let (p, c) = annotations::parse_spec(spec);
    Ok((resolve(base, &p), c))
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

/// Drops the observations of `axis` that `rule` refuses (where `what` is
/// undefined for them), with the warning the user sees.
fn drop_undefined<'a>(
    data: Cow<'a, Matrix>,
    axis: Axis,
    rule: prep::Undefined,
    what: &str,
    warnings: &mut Vec<String>,
) -> Cow<'a, Matrix> {
    let oriented = analysis::oriented(&data, axis);
    match prep::drop_rows(&oriented, rule) {
        (Some(kept), dropped, _) => {
            warnings.push(format!(
                "dropped {} {} {} ({what} undefined): {}",
                dropped.len(),
                match axis {
                    Axis::Rows => "rows",
                    Axis::Cols => "columns",
                },
                rule.describe(),
                dropped.join(", ")
            ));
            Cow::Owned(match axis {
                Axis::Rows => kept,
                Axis::Cols => kept.transposed(),
            })
        }
        (None, _, _) => data,
    }
}

#[allow(clippy::too_many_arguments)]
/// A clustermap; `row_groups` (`(name, rows)` in drawn order, empty for
/// none) labels runs of rows as groups (a grouped heatmap); `col_sets`
/// brackets marker sets above the columns.
fn clustermap_figure(
    m: &Matrix,
    opts: &FigureOptions,
    ctx: &Context,
    strips: &Annotations,
    t: &mut Timings,
    row_groups: &[(String, usize)],
    col_sets: &[(String, usize, usize)],
) -> Result<Figure> {
    let mut warnings = Vec::new();
    let mut data = scaled(m, opts, opts.row_cluster, opts.col_cluster, t)?;
    let method = opts.method.unwrap_or(Method::Average);
    let metric = opts.metric.unwrap_or(Metric::Euclidean);
    if let Some(rule) = analysis::undefined_rows(metric) {
        let what = format!("{metric} distance");
        if opts.row_cluster {
            data = drop_undefined(data, Axis::Rows, rule, &what, &mut warnings);
        }
        if opts.col_cluster {
            data = drop_undefined(data, Axis::Cols, rule, &what, &mut warnings);
        }
    }
    // Input positions of what is drawn, for the exports.
    let (row_pos, col_pos) = (data.row_positions(), data.col_positions());
    let mut exports = Vec::new();
    let key = opts.analysis_key();
    let spec = analysis::ClusterSpec {
        method,
        metric,
        optimal_ordering: opts.optimal_ordering,
        precision: opts.precision,
        max_condensed: ctx.max_memory,
    };
    let cluster_one = |axis: Axis, on: bool, t: &mut Timings| -> Result<Option<Arc<Linkage>>> {
        let n = match axis {
            Axis::Rows => data.nrows(),
            Axis::Cols => data.ncols(),
        };
        if !on || n < 2 {
            return Ok(None);
        }
        // `row_order_from`: the followed figure's tree, the matrix
        // already in its labels' order.
        let followed = match axis {
            Axis::Rows => &strips.row_order,
            Axis::Cols => &strips.col_order,
        };
        if let Some((f, tree)) = followed.as_ref().and_then(|f| Some((f, f.tree.as_ref()?))) {
            if tree.n() != n {
                return Err(Error::Invalid(format!(
                    "{} ({}): its tree has {} leaves, but {n} {axis} of {} are drawn ({axis} undefined for the metric were dropped); follow a figure drawing the same {axis}",
                    if axis == Axis::Rows { "row_order_from" } else { "col_order_from" },
                    f.from,
                    tree.n(),
                    ctx.source
                )));
            }
            return Ok(Some(tree.clone()));
        }
        // seaborn's row_linkage / col_linkage: a tree from outside.
        let given = match axis {
            Axis::Rows => &opts.row_linkage,
            Axis::Cols => &opts.col_linkage,
        };
        if let Some(p) = given {
            let path = resolve(ctx.base, Path::new(p.strip_prefix("file:").unwrap_or(p)));
            let key = format!("{}_linkage", if axis == Axis::Rows { "row" } else { "col" });
            let z = crate::io::npy::read(&path)?;
            let bad = |m: String| {
                Error::Usage(format!(
                    "{} {}: {m}",
                    crate::error::key_and_flag(&key),
                    path.display()
                ))
            };
            if z.shape != [n.saturating_sub(1), 4] {
                return Err(bad(format!(
                    "is {:?}, but the {axis} drawn need ({}, 4): one row per merge of {n} {axis}",
                    z.shape,
                    n - 1
                )));
            }
            let tree = Linkage::from_scipy_checked(&z.data).map_err(bad)?;
            return Ok(Some(Arc::new(tree)));
        }
        let z = ctx.cache.linkage(&format!("{axis}/{key}"), || {
            analysis::cluster_axis(&data, axis, spec, ctx.source, t).map(|c| c.linkage)
        })?;
        Ok(Some(z))
    };
    // An axis split by an annotation is clustered slice by slice (below),
    // not as a whole.
    let by_annotation = |s: &Option<String>| s.as_deref().is_some_and(|s| s != "cut");
    let rows_on = opts.row_cluster && !by_annotation(&opts.row_split) && opts.kmeans_rows.is_none();
    let cols_on = opts.col_cluster && !by_annotation(&opts.col_split);
    // The two trees are independent: when the smaller one needs little
    // memory they are built at once (its scan fills the other's serial
    // steps), else one after the other; the same trees either way.
    let need = |on: bool, n: usize, d: usize| {
        if on {
            analysis::cluster_bytes(n, d, &spec)
        } else {
            0
        }
    };
    let (_, at_once) = analysis::both_axes_bytes(
        need(rows_on, data.nrows(), data.ncols()),
        need(cols_on, data.ncols(), data.nrows()),
    );
    let (row_tree, col_tree) = if at_once {
        let (mut t_rows, mut t_cols) = (Timings::default(), Timings::default());
        let (r, c) = rayon::join(
            || cluster_one(Axis::Rows, rows_on, &mut t_rows),
            || cluster_one(Axis::Cols, cols_on, &mut t_cols),
        );
        t.extend(&t_rows);
        t.extend(&t_cols);
        (r?, c?)
    } else {
        let r = cluster_one(Axis::Rows, rows_on, t)?;
        (r, cluster_one(Axis::Cols, cols_on, t)?)
    };

    let mut row_strips = Vec::new();
    let mut col_strips = Vec::new();
    // The annotations first, and the tree cuts: together they size the
    // figure's one palette, so no two strips share a colour.
    let mut tables: Vec<(String, Cow<annotations::Annotation>, bool)> = Vec::new();
    for (specs, is_col, key) in [
        (&opts.col_colors, true, "col_colors"),
        (&opts.row_colors, false, "row_colors"),
    ] {
        for spec in specs {
            let (path, column) = table_of(spec, key, ctx.source, ctx.base)?;
            let a = annotations::read(&path, column.as_deref())
                .map_err(|e| e.about_option(key, spec))?;
            tables.push((spec.clone(), Cow::Owned(a), is_col));
        }
    }
    for (given, is_col) in [(&strips.cols, true), (&strips.rows, false)] {
        for a in given {
            tables.push((a.name.clone(), Cow::Borrowed(a), is_col));
        }
    }
    let cuts: Vec<(&str, Vec<usize>, usize)> = [
        ("row", &row_tree, opts.cut_rows),
        ("col", &col_tree, opts.cut_cols),
    ]
    .into_iter()
    .filter_map(|(axis, tree, k)| {
        Some((axis, fcluster(tree.as_ref()?, Criterion::MaxClust(k?)), k?))
    })
    .collect();
    let needed: usize = tables
        .iter()
        .map(|(_, a, _)| side_colors::colors_needed(a, &opts.palette))
        .sum::<usize>()
        + cuts.iter().map(|(_, _, k)| k).sum::<usize>();
    let mut pal = side_colors::StripPalette::for_count(needed)?;
    // A palette entry no strip has is most likely a typo (`Tumour`).
    let unused: Vec<&String> = opts
        .palette
        .keys()
        .filter(|k| !tables.iter().any(|(_, a, _)| a.categories.contains(k)))
        .collect();
    if !unused.is_empty() && !tables.is_empty() {
        let mut known: Vec<&String> = tables.iter().flat_map(|(_, a, _)| &a.categories).collect();
        known.dedup();
        warnings.push(format!(
            "{} names {} no strip has: {} (the strips' categories: {})",
            crate::error::key_and_flag("palette"),
            if unused.len() == 1 {
                "a category"
            } else {
                "categories"
            },
            unused
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            known
                .iter()
                .take(12)
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for (spec, a, is_col) in &tables {
        let (labels, other, what, out) = if *is_col {
            (
                data.col_labels(),
                data.row_labels(),
                "column",
                &mut col_strips,
            )
        } else {
            (data.row_labels(), data.col_labels(), "row", &mut row_strips)
        };
        let s = side_colors::from_annotation(a, labels, &opts.palette, &mut pal)?;
        if let Some(w) = side_colors::unmatched_note(a, &s, spec, what, labels.len(), other) {
            warnings.push(w);
        }
        out.push(s);
    }
    // Bar tracks (`row_bars`/`col_bars`): numeric columns, matched by
    // label as the strips are.
    let mut bar_tracks: [Vec<crate::figure::bars::Bars>; 2] = [Vec::new(), Vec::new()];
    for (i, (specs, key)) in [(&opts.row_bars, "row_bars"), (&opts.col_bars, "col_bars")]
        .into_iter()
        .enumerate()
    {
        let (labels, other, what) = if i == 0 {
            (data.row_labels(), data.col_labels(), "row")
        } else {
            (data.col_labels(), data.row_labels(), "column")
        };
        for spec in specs {
            let (path, column) = table_of(spec, key, ctx.source, ctx.base)?;
            let a = annotations::read(&path, column.as_deref())
                .map_err(|e| e.about_option(key, spec))?;
            let b = side_colors::bars_from_annotation(&a, labels, spec, key)?;
            if let Some(w) = side_colors::bars_note(&a, &b, spec, what, labels.len(), other) {
                warnings.push(w);
            }
            bar_tracks[i].push(b);
        }
    }
    let cut_of = |axis: &str| {
        cuts.iter()
            .find(|(a, _, _)| *a == axis)
            .map(|(_, c, _)| c.clone())
    };
    let analysed = Analysed {
        row_labels: data.row_labels().to_vec(),
        col_labels: data.col_labels().to_vec(),
        row_tree: row_tree.clone(),
        col_tree: col_tree.clone(),
        row_clusters: cut_of("row"),
        col_clusters: cut_of("col"),
    };
    for (axis, tree, k, labels, positions, strips_out) in [
        (
            "row",
            &row_tree,
            opts.cut_rows,
            data.row_labels(),
            &row_pos,
            &mut row_strips,
        ),
        (
            "col",
            &col_tree,
            opts.cut_cols,
            data.col_labels(),
            &col_pos,
            &mut col_strips,
        ),
    ] {
        if let Some(tree) = tree {
            exports.extend(exports::tree(&format!("{axis}_"), tree, labels, positions));
            if let Some((_, clusters, k)) = cuts.iter().find(|(a, _, _)| *a == axis) {
                exports.push(exports::clusters(&format!("{axis}_"), clusters, labels));
                strips_out.push(side_colors::from_clusters(
                    &format!("{axis} cluster"),
                    clusters,
                    *k,
                    &mut pal,
                ));
            }
        } else if k.is_some() {
            return Err(Error::Usage(format!(
                "{} needs {axis} clustering on",
                crate::error::key_and_flag(&format!("cut_{axis}s"))
            )));
        }
    }
    // Splits: the slices of each axis, and the tree drawn over them.
    let mut slices: [Option<clustermap::Slices>; 2] = [None, None];
    let mut drawn_trees = [row_tree.clone(), col_tree.clone()];
    for (i, (axis, key, split, on, labels, positions)) in [
        (
            Axis::Rows,
            "row",
            &opts.row_split,
            opts.row_cluster,
            data.row_labels(),
            &row_pos,
        ),
        (
            Axis::Cols,
            "col",
            &opts.col_split,
            opts.col_cluster,
            data.col_labels(),
            &col_pos,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let kmeans = opts.kmeans_rows.filter(|_| axis == Axis::Rows);
        let s = if split.as_deref() == Some("cut") {
            let tree = drawn_trees[i]
                .as_ref()
                .expect("validated: a cut needs the tree");
            let clusters = cut_of(key).expect("validated: a cut is given");
            splits::from_cut(tree, &clusters)
        } else {
            let groups = if let Some(k) = kmeans {
                let ids = t.time("kmeans", || {
                    kmeans_rows(&data, k, opts.kmeans_seed, ctx.source)
                })?;
                exports.push(exports::kmeans(&ids, labels, positions));
                splits::from_clusters(&ids)
            } else if let Some(spec) = split {
                let (path, column) = table_of(spec, &format!("{key}_split"), ctx.source, ctx.base)?;
                let a = annotations::read(&path, column.as_deref())
                    .map_err(|e| e.about_option(&format!("{key}_split"), spec))?;
                splits::from_annotation(&a, labels, spec, &format!("{key}_split"))?
            } else {
                continue;
            };
            let clustering = on.then_some(splits::SliceClustering {
                spec: analysis::ClusterSpec {
                    method,
                    metric,
                    optimal_ordering: opts.optimal_ordering,
                    precision: opts.precision,
                    max_condensed: ctx.max_memory,
                },
                source: ctx.source,
            });
            let (s, tree) = splits::split(&data, axis, &groups, clustering, t)?;
            drawn_trees[i] = tree.map(Arc::new);
            exports.push(exports::order_of(
                &format!("{key}_"),
                &s.order,
                labels,
                positions,
            ));
            s
        };
        exports.push(exports::slices(&format!("{key}_"), &s, labels, positions));
        slices[i] = Some(s);
    }
    check_fmt(data.values(), data.row_labels(), data.col_labels(), opts)?;
    let d = clustermap::ClustermapData {
        values: data.values(),
        rows: data.nrows(),
        cols: data.ncols(),
        row_labels: data.row_labels(),
        col_labels: data.col_labels(),
        row_tree: drawn_trees[0].as_deref(),
        col_tree: drawn_trees[1].as_deref(),
        row_strips: &row_strips,
        col_strips: &col_strips,
        row_bars: &bar_tracks[0],
        col_bars: &bar_tracks[1],
        label_mask: load_label_mask(opts, ctx.base, strips.mask.as_ref())?,
        cell_text: load_cell_text(
            opts,
            ctx.base,
            (data.row_labels(), data.col_labels()),
            &mut warnings,
        )?,
        row_slices: slices[0].as_ref(),
        col_slices: slices[1].as_ref(),
        row_groups,
        col_sets,
    };
    let mut scene = t.time("render", || clustermap::render(&d, opts))?;
    warnings.append(&mut scene.warnings);
    Ok(Figure {
        scene,
        exports,
        warnings,
        analysed,
    })
}

/// `kmeans_rows`: the k-means cluster (1-based) of each row of `data`,
/// k-means++ seeded by `seed`, then Lloyd (scikit-learn's defaults).
///
/// Errors: more clusters than rows ([`Error::Usage`]); a missing value
/// ([`Error::Cell`]).
fn kmeans_rows(data: &Matrix, k: usize, seed: u64, source: &str) -> Result<Vec<usize>> {
    if k > data.nrows() {
        return Err(Error::Usage(format!(
            "{} is {k}, but {source} has {} rows: give at most {}",
            crate::error::key_and_flag("kmeans_rows"),
            data.nrows(),
            data.nrows()
        )));
    }
    prep::check_finite(data, source, false)?;
    let r = cluster::kmeans::kmeans(data.values(), data.nrows(), data.ncols(), k, seed);
    Ok(r.labels.iter().map(|&c| c + 1).collect())
}

/// The tree of a correlation map's `cluster`: the rows of `r` (`n × n`,
/// row-major) as vectors (what `sns.clustermap(df.corr())` does) or
/// `1 − r` directly, the distances stored as `T`.
fn cluster_correlation<T: Storage>(
    r: &[f64],
    n: usize,
    opts: &FigureOptions,
    t: &mut Timings,
) -> Result<Linkage> {
    let link = opts.method.unwrap_or(Method::Average);
    let metric = opts.metric.unwrap_or(Metric::Euclidean);
    if opts.cluster_distance == ClusterDistance::Rows {
        cluster::check_method_metric(link, metric)?;
    }
    // `1 − r` writes every entry: the same for a fresh or a used buffer.
    let one_minus_r = |dist: &mut Condensed<T>| {
        for i in 0..n {
            for j in i + 1..n {
                dist.set(i, j, 1.0 - r[i * n + j]);
            }
        }
    };
    let mut dist = match opts.cluster_distance {
        ClusterDistance::Rows => t.time("distance", || {
            cluster::distance::pdist_as::<T>(r, n, n, metric)
        }),
        ClusterDistance::OneMinusR => {
            let mut dist = Condensed::<T>::zeros(n);
            one_minus_r(&mut dist);
            dist
        }
    };
    if opts.optimal_ordering {
        // The tree uses the matrix as scratch: the ordering gets the
        // distances refilled in the same buffer, not a copy.
        let z = t.time("link", || cluster::linkage_condensed_in(&mut dist, link))?;
        match opts.cluster_distance {
            // Refilled in the same buffer; the ordering copies it into leaf
            // order (permuting the rows of R instead would copy n × n).
            ClusterDistance::Rows => {
                t.time("distance", || {
                    cluster::distance::pdist_into(r, n, metric, &mut dist)
                });
                Ok(t.time("order", || cluster::olo::optimal_leaf_ordering(&z, &dist)))
            }
            // 1 − r written straight in leaf order: no copy.
            ClusterDistance::OneMinusR => {
                let leaves = z.leaves();
                t.time("distance", || {
                    for (p, &i) in leaves.iter().enumerate() {
                        for (q, &j) in leaves.iter().enumerate().skip(p + 1) {
                            dist.set(p, q, 1.0 - r[i * n + j]);
                        }
                    }
                });
                Ok(t.time("order", || {
                    cluster::olo::optimal_leaf_ordering_sorted(&z, &dist)
                }))
            }
        }
    } else {
        t.time("link", || cluster::linkage_condensed(dist, link))
    }
}

/// Whether a correlation map's `cluster` can cluster the rows of `R` as
/// points in `d` dimensions ([`correlation_rows_tree`]): rows of `R` as
/// vectors under the Euclidean metric, complete data, fewer samples than
/// genes.
pub(crate) fn correlation_rows_in_m(opts: &FigureOptions, n: usize, d: usize) -> bool {
    opts.cluster_distance == ClusterDistance::Rows
        && opts.metric.unwrap_or(Metric::Euclidean) == Metric::Euclidean
        && opts.missing != Missing::Pairwise
        && d > 0
        && d < n
}

/// The tree of `sns.clustermap(df.corr())` over the rows of `m` (`n`
/// genes × `d` samples, complete, without constant genes) without the
/// n-dimensional distances: the rows of `R` are the points
/// `stats::pearson::correlation_rows_factor` gives in `d` dimensions (the
/// same Euclidean distances to ~1e-15), clustered as vectors (ward:
/// the O(n·d) certified rounds; others: their condensed distances from
/// an n × d product instead of an n × n × n one).
fn correlation_rows_tree(
    m: &Matrix,
    method: CorrMethod,
    opts: &FigureOptions,
    ctx: &Context,
    t: &mut Timings,
) -> Result<Linkage> {
    let (n, d) = (m.nrows(), m.ncols());
    let y = t.time("distance", || {
        let z = crate::stats::gram_factor(m.values(), n, d, method);
        crate::stats::pearson::correlation_rows_factor(&z, n, d)
    });
    let points = Matrix::new(
        m.row_labels().to_vec(),
        (0..d).map(|k| format!("dim{k}")).collect(),
        y,
    )?;
    let spec = analysis::ClusterSpec {
        method: opts.method.unwrap_or(Method::Average),
        metric: Metric::Euclidean,
        optimal_ordering: opts.optimal_ordering,
        precision: opts.precision,
        max_condensed: ctx.max_memory,
    };
    analysis::cluster_axis(&points, Axis::Rows, spec, ctx.source, t).map(|c| c.linkage)
}

/// A clustered correlation map drawn without its correlation matrix
/// ([`streamed::clustered_streams`]): the tree from the rows of `R` in
/// `d` dimensions ([`correlation_rows_tree`]), then the picture of `R`
/// with both axes in leaf order, which is the correlation of the genes
/// taken in leaf order, streamed tile by tile into the pixels
/// ([`streamed::StreamedCorr`]); a triangle `mask` hides the triangle of
/// the picture, as on the full matrix. The same tree, exports, labels
/// and bytes as the full-matrix path (tested); memory: the input, its
/// `n × d` factors, the tree's own need, one band, the pixels.
fn clustered_streamed(
    m: &Matrix,
    opts: &FigureOptions,
    ctx: &Context,
    t: &mut Timings,
    method: CorrMethod,
    warnings: Vec<String>,
) -> Result<Figure> {
    prep::check_finite(m, ctx.source, false)?;
    let (n, d) = (m.nrows(), m.ncols());
    let z = correlation_rows_tree(m, method, opts, ctx, t)?;
    let labels = m.row_labels();
    let exports = exports::tree("", &z, labels, &m.row_positions());
    let order = z.leaves();
    let cells = t.time("correlate", || {
        let mut x = Vec::with_capacity(n * d);
        for &i in &order {
            x.extend_from_slice(&m.values()[i * d..(i + 1) * d]);
        }
        streamed::StreamedCorr::new(&x, n, d, method, opts.mask.clone())
    });
    let ordered: Vec<String> = order.iter().map(|&i| labels[i].clone()).collect();
    let tree = Some(Arc::new(z));
    let o = corrmap_options(opts, method);
    let data = heatmap::HeatmapData {
        values: &[],
        rows: n,
        cols: n,
        row_labels: &ordered,
        col_labels: &ordered,
        missing: None,
        text: None,
        col_sets: &[],
        streamed: Some(&cells),
    };
    let scene = t.time("render", || heatmap::render(&data, &o))?;
    let mut warnings = warnings;
    if opts.multiqc {
        warnings.push(format!(
            "multiqc: {n} rows is more than a MultiQC heatmap shows well ({}): no corr_mqc.json; use top_variable",
            exports::MULTIQC_MAX
        ));
    }
    Ok(Figure {
        scene,
        exports,
        warnings,
        analysed: Analysed {
            row_labels: labels.to_vec(),
            col_labels: labels.to_vec(),
            row_tree: tree.clone(),
            col_tree: tree,
            row_clusters: None,
            col_clusters: None,
        },
    })
}

fn corrmap_figure(
    m: &Matrix,
    opts: &FigureOptions,
    ctx: &Context,
    given_mask: Option<&Matrix>,
    t: &mut Timings,
) -> Result<Figure> {
    corrmap_figure_as(m, opts, ctx, given_mask, t, true)
}

/// The options a correlation map is drawn with: seaborn's corrmap
/// conventions where the user set nothing.
fn corrmap_options(opts: &FigureOptions, method: CorrMethod) -> FigureOptions {
    let mut o = opts.clone();
    o.cmap = o.cmap.or(Some("coolwarm".into()));
    o.center = o.center.or(Some(0.0));
    o.square = o.square.or(Some(true));
    o.cbar_label = o.cbar_label.or(Some(match method {
        CorrMethod::Pearson => "Pearson r".into(),
        CorrMethod::Spearman => "Spearman \u{3c1}".into(),
    }));
    o
}

/// [`corrmap_figure`]; `may_stream: false` keeps the full matrix where the
/// picture could be streamed (the tests compare the two).
fn corrmap_figure_as(
    m: &Matrix,
    opts: &FigureOptions,
    ctx: &Context,
    given_mask: Option<&Matrix>,
    t: &mut Timings,
    may_stream: bool,
) -> Result<Figure> {
    let method = opts.corr_method.unwrap_or(CorrMethod::Pearson);
    // A mask given as data hides cells by label, as a mask file does.
    if may_stream
        && given_mask.is_none()
        && !opts.cluster
        && streamed::streams(opts, m.nrows(), m.ncols())
    {
        prep::check_finite(m, ctx.source, false)?;
        let n = m.nrows();
        let cells = t.time("correlate", || {
            streamed::StreamedCorr::new(m.values(), n, m.ncols(), method, opts.mask.clone())
        });
        let o = corrmap_options(opts, method);
        let data = heatmap::HeatmapData {
            values: &[],
            rows: n,
            cols: n,
            row_labels: m.row_labels(),
            col_labels: m.row_labels(),
            missing: None,
            text: None,
            col_sets: &[],
            streamed: Some(&cells),
        };
        let scene = t.time("render", || heatmap::render(&data, &o))?;
        let mut warnings = Vec::new();
        if opts.multiqc {
            warnings.push(format!(
                "multiqc: {n} rows is more than a MultiQC heatmap shows well ({}): no corr_mqc.json; use top_variable",
                exports::MULTIQC_MAX
            ));
        }
        return Ok(Figure {
            scene,
            exports: vec![],
            warnings,
            analysed: Analysed {
                row_labels: m.row_labels().to_vec(),
                col_labels: m.row_labels().to_vec(),
                ..Default::default()
            },
        });
    }
    let mut warnings = Vec::new();
    let mut m = Cow::Borrowed(m);
    if opts.cluster {
        m = drop_undefined(
            m,
            Axis::Rows,
            prep::Undefined::ZeroVariance,
            "correlation",
            &mut warnings,
        );
    }
    if may_stream
        && given_mask.is_none()
        && opts.cluster
        && streamed::clustered_streams(opts, m.nrows(), m.ncols())
    {
        return clustered_streamed(&m, opts, ctx, t, method, warnings);
    }
    let positions = m.row_positions();
    let shared = ctx
        .cache
        .correlation(&format!("corr/{}", opts.analysis_key()), || {
            let pairwise = opts.missing == Missing::Pairwise;
            analysis::correlate_axis(&m, Axis::Rows, method, pairwise, ctx.source, t)
        })?;
    let (r, labels) = (&shared.0, &shared.1);
    let n = labels.len();
    let mut exports = Vec::new();
    let mut tree = None;
    let order: Vec<usize> = if opts.cluster && n >= 2 {
        let z = if correlation_rows_in_m(opts, n, m.ncols()) {
            correlation_rows_tree(&m, method, opts, ctx, t)?
        } else {
            match opts.precision {
                Dtype::F64 => cluster_correlation::<f64>(r, n, opts, t)?,
                Dtype::F32 => cluster_correlation::<f32>(r, n, opts, t)?,
            }
        };
        exports.extend(exports::tree("", &z, labels, &positions));
        let leaves = z.leaves();
        tree = Some(Arc::new(z));
        leaves
    } else {
        (0..n).collect()
    };
    let analysed = Analysed {
        row_labels: labels.clone(),
        col_labels: labels.clone(),
        row_tree: tree.clone(),
        col_tree: tree,
        row_clusters: None,
        col_clusters: None,
    };
    let mut values = Vec::with_capacity(n * n);
    for &i in &order {
        for &j in &order {
            values.push(r[i * n + j]);
        }
    }
    let ordered: Vec<String> = order.iter().map(|&i| labels[i].clone()).collect();
    let o = corrmap_options(opts, method);
    if opts.multiqc {
        // The matrix as drawn (ordered, unmasked) for MultiQC's heatmap.
        if n <= exports::MULTIQC_MAX {
            exports.push(exports::multiqc_heatmap(
                ctx.name,
                o.title.as_deref(),
                &ordered,
                &values,
            ));
            exports.push(exports::multiqc_versions());
        } else {
            warnings.push(format!(
                "multiqc: {n} rows is more than a MultiQC heatmap shows well ({}): no corr_mqc.json; use top_variable",
                exports::MULTIQC_MAX
            ));
        }
    }
    let missing: Vec<bool> = values.iter().map(|v| v.is_nan()).collect();
    let text = match &o.annot {
        Annot::File(_) => load_cell_text(&o, ctx.base, (&ordered, &ordered), &mut warnings)?
            .map(|t| t.display(&ordered, &ordered)),
        Annot::Stars => Some(significance_stars(&values, n, &m, opts)?),
        _ => None,
    };
    apply_mask(&mut values, n, n, &o);
    if let Some(lm) = load_label_mask(&o, ctx.base, given_mask)? {
        lm.apply(&mut values, &ordered, &ordered);
    }
    check_fmt(&values, &ordered, &ordered, &o)?;
    let data = heatmap::HeatmapData {
        values: &values,
        rows: n,
        cols: n,
        row_labels: &ordered,
        col_labels: &ordered,
        missing: Some(&missing),
        text: text.as_deref(),
        col_sets: &[],
        streamed: None,
    };
    let scene = t.time("render", || heatmap::render(&data, &o))?;
    Ok(Figure {
        scene,
        exports,
        warnings,
        analysed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A figure without `z_score` or `standard_scale` works on the input
    /// matrix itself, not on a copy of it; with one, on a scaled copy.
    #[test]
    fn an_unscaled_figure_does_not_copy_the_matrix() {
        let m = Matrix::from_values(3, 2, vec![1.0, 2.0, 3.0, 5.0, 4.0, 0.0]).unwrap();
        let mut t = Timings::default();
        let plain = FigureOptions::default();
        let same = scaled(&m, &plain, true, true, &mut t).unwrap();
        assert!(matches!(same, Cow::Borrowed(b) if std::ptr::eq(b, &m)));
        let z = FigureOptions {
            z_score: Some(Axis::Rows),
            ..FigureOptions::default()
        };
        let copy = scaled(&m, &z, true, true, &mut t).unwrap();
        assert!(matches!(copy, Cow::Owned(_)));
        // seaborn's z_score: (x − mean) / std with pandas' ddof = 1.
        let h = std::f64::consts::FRAC_1_SQRT_2;
        assert!((copy.values()[0] + h).abs() < 1e-15 && (copy.values()[1] - h).abs() < 1e-15);
    }
}
