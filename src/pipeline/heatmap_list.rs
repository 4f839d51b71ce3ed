//! A heatmap list (ComplexHeatmap's `HeatmapList`, `ht1 + ht2`): the
//! main heatmap (the figure's own dataset and options) clusters its rows
//! with the figure's `method`/`metric` and orders every heatmap by that
//! tree; the heatmaps following it (other datasets of the same genes)
//! have their rows matched to the main one's by label and keep their own
//! colour scale, `z_score`/`standard_scale` and column clustering.

use std::borrow::Cow;
use std::sync::Arc;

use super::{exports, matched_order, scaled, Analysed, Context, Figure, FollowedOrder};
use crate::analysis;
use crate::cluster::{Linkage, Method, Metric};
use crate::error::Result;
use crate::figure::heatmap_list::{self, ListPanel};
use crate::matrix::Matrix;
use crate::options::FigureOptions;
use crate::prep::Axis;
use crate::timings::Timings;

/// A heatmap after the main one: its matrix as read, its own options
/// (colour, `title`, `cbar_label`, `col_cluster`, scaling, `xticklabels`)
/// and its input's name for messages.
#[derive(Debug)]
pub struct Following<'a> {
    /// The matrix, rows matched to the main one's by label.
    pub matrix: &'a Matrix,
    /// Its options.
    pub options: FigureOptions,
    /// Its input, as named in messages.
    pub source: String,
}

/// The heatmap list of `main` (with the figure's options `opts`) and
/// `others`, left to right.
///
/// Errors: a following matrix's rows are not the main one's (labels
/// missing or extra, named, [`crate::error::Error::Invalid`]); the
/// clustering refuses a matrix (missing values, fewer than 2 rows); a
/// colour option cannot be resolved.
pub fn figure(
    main: &Matrix,
    opts: &FigureOptions,
    others: &[Following],
    ctx: &Context,
    t: &mut Timings,
) -> Result<Figure> {
    opts.validate_for(crate::options::Kind::HeatmapList)?;
    let spec = analysis::ClusterSpec {
        method: opts.method.unwrap_or(Method::Average),
        metric: opts.metric.unwrap_or(Metric::Euclidean),
        optimal_ordering: opts.optimal_ordering,
        precision: opts.precision,
        max_condensed: ctx.max_memory,
    };
    let data = scaled(main, opts, opts.row_cluster, opts.col_cluster, t)?;
    let row_tree: Option<Arc<Linkage>> = if opts.row_cluster && data.nrows() >= 2 {
        let c = analysis::cluster_axis(&data, Axis::Rows, spec, ctx.source, t)?;
        Some(Arc::new(c.linkage))
    } else {
        None
    };
    let row_order: Vec<usize> = row_tree
        .as_ref()
        .map_or_else(|| (0..data.nrows()).collect(), |z| z.leaves());
    let main_rows = FollowedOrder {
        from: format!("the main heatmap, {}", ctx.source),
        labels: data.row_labels().to_vec(),
        tree: None,
    };
    // Every heatmap's values with the main one's rows, in input order.
    let mut parts: Vec<(Cow<Matrix>, &FigureOptions, &str)> =
        vec![(data.clone(), opts, ctx.source)];
    for f in others {
        let m = scaled(f.matrix, &f.options, false, f.options.col_cluster, t)?;
        let idx = matched_order(
            m.row_labels(),
            &main_rows,
            "heatmaps",
            Axis::Rows,
            &f.source,
        )?;
        parts.push((
            Cow::Owned(m.select_rows(&idx)),
            &f.options,
            f.source.as_str(),
        ));
    }
    let mut col_trees: Vec<Option<Linkage>> = Vec::new();
    let mut shown: Vec<(Vec<f64>, Vec<usize>)> = Vec::new();
    for (m, o, source) in &parts {
        let tree = if o.col_cluster && m.ncols() >= 2 {
            Some(analysis::cluster_axis(m, Axis::Cols, spec, source, t)?.linkage)
        } else {
            None
        };
        let cols: Vec<usize> = tree
            .as_ref()
            .map_or_else(|| (0..m.ncols()).collect(), |z| z.leaves());
        let nc = m.ncols();
        let mut values = Vec::with_capacity(row_order.len() * nc);
        for &r in &row_order {
            for &c in &cols {
                values.push(m.values()[r * nc + c]);
            }
        }
        shown.push((values, cols));
        col_trees.push(tree);
    }
    let panels: Vec<ListPanel> = parts
        .iter()
        .zip(&shown)
        .zip(&col_trees)
        .map(|(((m, o, _), (values, order)), tree)| ListPanel {
            values,
            cols: m.ncols(),
            col_labels: m.col_labels(),
            col_order: order,
            col_tree: tree.as_ref(),
            options: o,
        })
        .collect();
    let d = heatmap_list::ListData {
        rows: data.nrows(),
        row_labels: data.row_labels(),
        row_order: &row_order,
        row_tree: row_tree.as_deref(),
        panels: &panels,
    };
    let scene = t.time("render", || heatmap_list::render(&d, opts))?;
    let mut exports = Vec::new();
    if let Some(z) = &row_tree {
        exports.extend(exports::tree(
            "row_",
            z,
            data.row_labels(),
            &data.row_positions(),
        ));
    }
    Ok(Figure {
        scene,
        exports,
        warnings: vec![],
        analysed: Analysed {
            row_labels: data.row_labels().to_vec(),
            col_labels: data.col_labels().to_vec(),
            row_tree,
            ..Default::default()
        },
    })
}
