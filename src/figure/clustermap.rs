//! The clustered heatmap (`sns.clustermap`): a grid of [row dendrogram,
//! row colour strips, heatmap] × [column dendrogram, column strips,
//! heatmap] sized by `dendrogram_ratio` and `colors_ratio`, y tick labels
//! and y label on the right, the colour bar at seaborn's `cbar_pos`
//! (.02, .8, .05, .18 of the figure), and a legend for the colour strips.

use super::axes::{
    label_room, seaborn_clustermap_extent, shown_labels, Rect, Side, Ticks, BLACK, FONT_PT,
    TITLE_PT,
};
use super::bars::{self, Along, Bars};
use super::colorbar::{self, Placement, TickSide};
use super::dendrogram::{self, Orientation};
use super::heatmap::{edge_pad, MAX_LABELS, MAX_LEAN};
use super::panel::{self, Borders, Grid};
use super::strips::{self, Strip};
use crate::cluster::Linkage;
use crate::error::Result;
use crate::options::FigureOptions;
use crate::render::scale::ColorScale;
use crate::render::scene::{Part, Scene};
use crate::render::text::{self, HAlign, VAlign};

/// Everything a clustermap shows, in input order; the orders come from the
/// trees (or identity when an axis isn't clustered).
#[derive(Debug)]
pub struct ClustermapData<'a> {
    /// The `rows × cols` values, row-major, in input order (NaN = not drawn).
    pub values: &'a [f64],
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// `rows` labels, input order.
    pub row_labels: &'a [String],
    /// `cols` labels, input order.
    pub col_labels: &'a [String],
    /// The tree over the `rows` rows (its leaf order is the display order);
    /// `None` keeps input order and draws no row dendrogram.
    pub row_tree: Option<&'a Linkage>,
    /// The tree over the `cols` columns; `None` as for `row_tree`.
    pub col_tree: Option<&'a Linkage>,
    /// Colour strips beside the rows (seaborn's `row_colors`), one colour
    /// per row in input order.
    pub row_strips: &'a [Strip],
    /// Colour strips above the columns (`col_colors`), one colour per column
    /// in input order.
    pub col_strips: &'a [Strip],
    /// Bar tracks beside the rows (`row_bars`), left of the row strips,
    /// first given outermost; one value per row in input order.
    pub row_bars: &'a [Bars],
    /// Bar tracks above the columns (`col_bars`), above the column
    /// strips, first given outermost; one value per column in input order.
    pub col_bars: &'a [Bars],
    /// A file mask, applied by label after reordering.
    pub label_mask: Option<super::LabelMask>,
    /// Cell texts by label (`annot` = a table), applied after reordering.
    pub cell_text: Option<super::CellText>,
    /// The rows cut into slices drawn apart (`row_split`, `kmeans_rows`):
    /// their order replaces `row_tree`'s leaves (which it equals when the
    /// tree is given); `None` draws one block.
    pub row_slices: Option<&'a Slices>,
    /// The columns' slices (`col_split`), as `row_slices`.
    pub col_slices: Option<&'a Slices>,
    /// Runs of rows drawn as groups (scanpy's `pl.heatmap(groupby=…)`):
    /// `(name, number of rows)` in drawn order, covering every row; the
    /// last row strip is their group bar. Each name is drawn left of the
    /// bar at its group's middle, a line separates the groups, and the
    /// bar is left out of the legend. Empty: no groups.
    pub row_groups: &'a [(String, usize)],
    /// Marker sets bracketed above the columns (in the column
    /// dendrogram's room; with `col_cluster` off): `(name, first, last)`
    /// positions in drawn order. Empty: none.
    pub col_sets: &'a [(String, usize, usize)],
}

/// An axis cut into slices (ComplexHeatmap's `row_split`): the display
/// order and, along it, the size and title of each slice.
#[derive(Debug, Clone, PartialEq)]
pub struct Slices {
    /// Indices into the axis's input order, in display order.
    pub order: Vec<usize>,
    /// Number of observations in each slice, in display order (they sum to
    /// `order.len()`).
    pub sizes: Vec<usize>,
    /// Each slice's title (its category, cluster id), display order.
    pub titles: Vec<String>,
}

/// Where the slices of `sizes` go along an axis starting at `start`,
/// `len` pixels long, `gap` pixels apart: `(start, length)` of each, sized
/// by their counts. Gaps give way (to at most half the axis) when the axis
/// is short.
pub fn slice_spans(start: f64, len: f64, sizes: &[usize], gap: f64) -> Vec<(f64, f64)> {
    let n: usize = sizes.iter().sum();
    let gaps = sizes.len().saturating_sub(1) as f64;
    let gap = if gaps > 0.0 {
        gap.min(len * 0.5 / gaps)
    } else {
        0.0
    };
    let cells = len - gap * gaps;
    let mut at = start;
    sizes
        .iter()
        .map(|&k| {
            let l = cells * k as f64 / n.max(1) as f64;
            let span = (at, l);
            at += l + gap;
            span
        })
        .collect()
}

/// The pixel centre of each display position along an axis cut into
/// `spans` of `sizes` cells.
fn cell_centres(spans: &[(f64, f64)], sizes: &[usize]) -> Vec<f64> {
    let mut out = Vec::with_capacity(sizes.iter().sum());
    for (&(s, l), &k) in spans.iter().zip(sizes) {
        out.extend((0..k).map(|i| s + (i as f64 + 0.5) / k as f64 * l));
    }
    out
}

/// Renders the figure.
pub fn render(d: &ClustermapData, opts: &FigureOptions) -> Result<Scene> {
    let (mut canvas, k, w, h) = super::canvas(opts)?;
    let fonts = canvas.fonts.clone();
    let font = FONT_PT * k;
    let pad = edge_pad(k);
    let row_order: Vec<usize> = match d.row_slices {
        Some(s) => s.order.clone(),
        None => d
            .row_tree
            .map_or_else(|| (0..d.rows).collect(), |t| t.leaves()),
    };
    let col_order: Vec<usize> = match d.col_slices {
        Some(s) => s.order.clone(),
        None => d
            .col_tree
            .map_or_else(|| (0..d.cols).collect(), |t| t.leaves()),
    };
    let mut values = Vec::with_capacity(d.rows * d.cols);
    for &r in &row_order {
        for &c in &col_order {
            values.push(d.values[r * d.cols + c]);
        }
    }
    // Missing in the data, before any mask hides cells.
    let missing: Vec<bool> = values.iter().map(|v| v.is_nan()).collect();
    if let Some(m) = &opts.mask {
        for r in 0..d.rows {
            for c in 0..d.cols {
                if m.hides(r, c) {
                    values[r * d.cols + c] = f64::NAN;
                }
            }
        }
    }
    let row_labels: Vec<String> = row_order.iter().map(|&i| d.row_labels[i].clone()).collect();
    let col_labels: Vec<String> = col_order.iter().map(|&i| d.col_labels[i].clone()).collect();
    // Given tick labels follow the leaves, as seaborn's `plot_matrix`
    // reorders a list-like `xticklabels` by `reordered_ind`.
    let row_shown: Vec<String> = {
        let own = shown_labels(d.row_labels, &opts.yticklabels, "yticklabels", "rows")?;
        row_order.iter().map(|&i| own[i].clone()).collect()
    };
    let col_shown: Vec<String> = {
        let own = shown_labels(d.col_labels, &opts.xticklabels, "xticklabels", "columns")?;
        col_order.iter().map(|&i| own[i].clone()).collect()
    };
    if let Some(lm) = &d.label_mask {
        lm.apply(&mut values, &row_labels, &col_labels);
    }
    let scale = ColorScale::resolve(&opts.color(), values.iter().copied())?;

    let (title_h, xlabel_h, ylabel_w) = label_room(
        &fonts,
        opts.title.as_deref(),
        opts.xlabel.as_deref(),
        opts.ylabel.as_deref(),
        8.0,
        k,
    );
    // The legend's columns run at most from below the title to the bottom.
    let legend_max_h = h - 2.0 * pad - title_h;
    // A group bar is named by its group labels, not in the legend.
    let legend_rows = if d.row_groups.is_empty() {
        d.row_strips
    } else {
        &d.row_strips[..d.row_strips.len().saturating_sub(1)]
    };
    let all_strips: Vec<&Strip> = d.col_strips.iter().chain(legend_rows.iter()).collect();
    let group_label_w = d
        .row_groups
        .iter()
        .map(|(g, _)| text::width(&fonts, g, font))
        .fold(0.0, f64::max);
    let group_w = if d.row_groups.is_empty() {
        0.0
    } else {
        group_label_w + (TICK_PAD_LABEL + 2.0) * k
    };
    let owned: Vec<Strip> = all_strips.iter().map(|s| (*s).clone()).collect();
    let (mut legend_w, mut legend_h) = if owned.is_empty() || !opts.legend {
        (0.0, 0.0)
    } else {
        strips::legend_size(&fonts, &owned, k, legend_max_h)
    };
    // A legend wider than half the figure, even in columns, leaves no room
    // for the heatmap: left out, and said.
    let show_legend = opts.legend && !owned.is_empty() && legend_w <= 0.5 * w;
    if opts.legend && !owned.is_empty() && !show_legend {
        canvas.warnings.push(format!(
            "the colour strips' legend ({} entries) needs {:.1} in but the figure is {:.1} in wide: left out; give a larger figsize, fewer categories, or legend = false",
            owned.iter().map(|s| s.legend.len()).sum::<usize>(),
            legend_w / opts.dpi,
            opts.figsize.0
        ));
        (legend_w, legend_h) = (0.0, 0.0);
    }

    let (dr_row, dr_col) = opts.dendrogram_ratio;
    let n_row_strips = d.row_strips.len() as f64;
    let n_col_strips = d.col_strips.len() as f64;
    let strip_label_w = d
        .col_strips
        .iter()
        .map(|s| text::width(&fonts, &s.name, font))
        .fold(0.0, f64::max);
    let lh = text::line_height(&fonts, font);
    let strip_label_h = d
        .row_strips
        .iter()
        .map(|s| text::width(&fonts, &s.name, font))
        .fold(0.0, f64::max);

    // Which labels show, and which way they turn, is decided for the
    // GridSpec cell seaborn measures (before tight_layout); their extents
    // then size the grid. Where the drawn heatmap comes out shorter than
    // that cell (long labels, a legend beside), seaborn's labels would
    // overlap: that axis is thinned again for the length it has.
    let thin = seaborn_clustermap_extent(
        opts.figsize,
        opts.dendrogram_ratio,
        d.row_strips.len(),
        d.col_strips.len(),
        opts.colors_ratio,
    );
    let (mut thin_w, mut thin_h) = (thin.0 * opts.dpi, thin.1 * opts.dpi);
    // The legend sits in the corner above the row labels, right of the
    // column dendrogram, when it fits there; a taller one (many strips or
    // categories) gets its own column right of the row labels instead of
    // running over them.
    // seaborn's colour bar sits in the top-left corner (cbar_pos 0.02,
    // 0.8, 0.05, 0.18). Where the corner is too small for it and its tick
    // labels (small figures, no strips), the dendrograms start beyond it
    // instead of running under it.
    let place = colorbar::placement(opts);
    let cbar_label = opts.cbar_label.as_deref();
    // seaborn's corner, moved down where its top tick label would reach
    // into the title.
    let corner_over = colorbar::overhang(
        &fonts,
        &scale,
        0.18 * h * opts.cbar_shrink,
        cbar_label,
        TickSide::Right,
        k,
    );
    let corner = Rect::new(
        0.02 * w,
        (0.02 * h + title_h).max(if title_h > 0.0 {
            pad + title_h - 8.0 * k + corner_over + 1.0
        } else {
            0.0
        }),
        0.05 * w,
        0.18 * h * opts.cbar_shrink,
    );
    let corner_bottom = corner.bottom() + corner_over;
    let cbar_right = if place == Placement::Default {
        let deco = colorbar::decorations(&fonts, &scale, corner.h, cbar_label, TickSide::Right, k);
        corner.right() + deco + 4.0 * k
    } else {
        0.0
    };
    // A bar along a side of the heatmap (`cbar_location`): 1/20 of its
    // length thick (at most 3 % of the figure), 8 pt from what it follows,
    // its ticks facing out.
    let bar_gap = 8.0 * k;
    let beside = |heat: &Rect, side: TickSide| {
        let along = if side.horizontal() { heat.w } else { heat.h };
        let over = colorbar::overhang(&fonts, &scale, along, cbar_label, side, k);
        let len = (along * opts.cbar_shrink).min(along - 2.0 * over).max(1.0);
        let deco = colorbar::decorations(&fonts, &scale, len, cbar_label, side, k);
        // matplotlib's aspect 20, at most 3 % of the figure across.
        let thick = (len / 20.0).min(0.03 * if side.horizontal() { h } else { w });
        (len, thick, deco)
    };
    // Bar tracks (`col_bars`/`row_bars`): each `bars_size` points thick,
    // GAP_PT apart and from the strips; the column tracks' band also
    // holds half a tick label above the first, their axes and names go
    // right of the heatmap; the row tracks' axes above the heatmap, their
    // names below it. The tracks of an axis, their gaps and the room the
    // strips' stacked names need beyond the strips together take at most
    // 15 % of the grid, so a small figure keeps its heatmap; where
    // that leaves a track less than MIN_PT, that axis' tracks are left
    // out, and said.
    let track_gap = bars::GAP_PT * k;
    // Strips thinner than a line of text stack their names beyond them:
    // with bar tracks beyond the strips, the strips' room holds the stack.
    let col_stack = |strip_h: f64| {
        if n_col_strips > 0.0 && strip_h < lh {
            (n_col_strips * strip_h).max((n_col_strips + 0.5) * lh)
        } else {
            n_col_strips * strip_h
        }
    };
    // The row strips' names stack leftwards from the first column label's
    // left end (at most half its width, or half a line when turned, left
    // of the heatmap).
    let row_stack = |strip_w: f64, xt: &Ticks| {
        if n_row_strips > 0.0 && strip_w < lh {
            let reach = xt.labels.first().map_or(0.0, |(_, l)| {
                if xt.rotated {
                    lh / 2.0
                } else {
                    text::width(&fonts, l, font) / 2.0
                }
            });
            (n_row_strips * strip_w).max((n_row_strips + 0.5) * lh + reach)
        } else {
            n_row_strips * strip_w
        }
    };
    // A track's thickness for `n` tracks in a grid `grid` pixels long,
    // `extra` pixels of it taken by stacked strip names.
    let thick_in = |n: usize, grid: f64, extra: f64| {
        let n = n.max(1) as f64;
        (opts.bars_size * k).min((0.15 * grid - extra - n * track_gap) / n)
    };
    // The grid as the heatmap's labels leave it, roughly (seaborn's
    // GridSpec cell), to decide whether the tracks fit.
    let bar_beside = |horizontal: bool| match place {
        Placement::Beside(s) if s.horizontal() == horizontal => 0.1,
        _ => 0.0,
    };
    let (gh_est, gw_est) = (
        h - 2.0 * pad - title_h - xlabel_h - (0.1 + bar_beside(true)) * h,
        w - 2.0 * pad - ylabel_w - (0.15 + bar_beside(false)) * w,
    );
    let col_extra =
        |gh: f64| col_stack(gh * opts.colors_ratio) - n_col_strips * gh * opts.colors_ratio;
    let min_thick = bars::MIN_PT * k;
    let fits_col =
        d.col_bars.is_empty() || thick_in(d.col_bars.len(), gh_est, col_extra(gh_est)) >= min_thick;
    let row_extra_est = if n_row_strips > 0.0 && gw_est * opts.colors_ratio < lh {
        ((n_row_strips + 0.5) * lh + lh - n_row_strips * gw_est * opts.colors_ratio).max(0.0)
    } else {
        0.0
    };
    let fits_row =
        d.row_bars.is_empty() || thick_in(d.row_bars.len(), gw_est, row_extra_est) >= min_thick;
    for (fits, key) in [(fits_col, "col_bars"), (fits_row, "row_bars")] {
        if !fits {
            canvas.warnings.push(format!(
                "the {key} tracks leave too little of a {:.1} × {:.1} in figure for the heatmap: left out; give a larger figsize or fewer tracks",
                opts.figsize.0, opts.figsize.1
            ));
        }
    }
    let col_bars: &[Bars] = if fits_col { d.col_bars } else { &[] };
    let row_bars: &[Bars] = if fits_row { d.row_bars } else { &[] };
    let (has_col_bars, has_row_bars) = (!col_bars.is_empty(), !row_bars.is_empty());
    let col_strip_room = |strip_h: f64| {
        if has_col_bars {
            col_stack(strip_h)
        } else {
            n_col_strips * strip_h
        }
    };
    let row_strip_room = |strip_w: f64, xt: &Ticks| {
        if has_row_bars {
            row_stack(strip_w, xt)
        } else {
            n_row_strips * strip_w
        }
    };
    let col_thick = |gh: f64| thick_in(col_bars.len(), gh, col_extra(gh)).max(k);
    let row_thick = |gw: f64, xt: &Ticks| {
        let strip_w = gw * opts.colors_ratio;
        let extra = row_stack(strip_w, xt) - n_row_strips * strip_w;
        thick_in(row_bars.len(), gw, extra).max(k)
    };
    let col_bars_band = |gh: f64| {
        if has_col_bars {
            col_bars.len() as f64 * (col_thick(gh) + track_gap)
                + text::line_height(&fonts, bars::AXIS_PT * k) / 2.0
                // Without strips, clear of the first row label (half a
                // line above the heatmap at most).
                + if n_col_strips == 0.0 {
                    (lh / 2.0 + k - track_gap).max(0.0)
                } else {
                    0.0
                }
        } else {
            0.0
        }
    };
    let row_bars_band =
        |gw: f64, xt: &Ticks| row_bars.len() as f64 * (row_thick(gw, xt) + track_gap);
    let col_bars_w = bars::col_side_width(&fonts, col_bars, opts.bars_size, k)
        .max(bars::col_side_width(&fonts, col_bars, 0.0, k));
    let row_axis_h = if has_row_bars {
        bars::row_axis_height(&fonts, k)
    } else {
        0.0
    };
    // Everything left of the heatmap beside the rows: strips, and the
    // bar tracks left of the group names.
    let beside_rows = |gw: f64, xt: &Ticks| {
        row_strip_room(gw * opts.colors_ratio, xt)
            + if has_row_bars {
                group_w + row_bars_band(gw, xt)
            } else {
                0.0
            }
    };
    let strip_bottom = if n_row_strips > 0.0 {
        (TICK_PAD_LABEL * k) + strip_label_h
    } else {
        0.0
    }
    .max(bars::row_name_height(&fonts, row_bars, k));
    // `room`: the strip a bar beside the heatmap takes on its side;
    // `more`: extra room (left, right, bottom) for angled labels reaching
    // past the ends of their axis; `lean`: how far x labels may lean
    // past their tick along the axis, pixels.
    let layout = |thin_w: f64, thin_h: f64, room: f64, more: [f64; 3], lean: f64| {
        let side = match place {
            Placement::Beside(s) => Some(s),
            _ => None,
        };
        let on = |s: TickSide| if side == Some(s) { room } else { 0.0 };
        let yt = Ticks::choose(
            Side::Right,
            &row_shown,
            &opts.yticklabels,
            thin_h,
            k,
            &fonts,
        )
        .with_marks(&row_labels, &row_shown, &opts.mark_rows)
        .with_rotation(opts.yticklabels_rotation)
        .fit(MAX_LABELS * w)
        .fit_along(MAX_LEAN * h);
        let xt = Ticks::choose(
            Side::Bottom,
            &col_shown,
            &opts.xticklabels,
            thin_w,
            k,
            &fonts,
        )
        .with_rotation(opts.xticklabels_rotation)
        .fit(MAX_LABELS * h)
        .fit_along(lean.min(MAX_LEAN * w));
        let tick_ext = ((TICK_PAD_LABEL * k) + strip_label_w).max(col_bars_w);
        let labels_w = (yt.extent() + ylabel_w).max(tick_ext);
        let bottom_margin =
            xt.extent().max(strip_bottom) + xlabel_h + on(TickSide::Bottom) + more[2];
        let gx0 = pad + on(TickSide::Left) + more[0];
        let gy0 = pad + title_h + on(TickSide::Top);
        let gh = (h - pad - bottom_margin - gy0).max(20.0);
        // The legend beside the row labels (or above them, in the corner,
        // when it is short enough), if labels, legend and a bar on the
        // right leave 45 % of the figure for the rest.
        let beside = legend_h > gh * dr_col;
        let with_legend = if beside {
            labels_w + legend_w + 12.0 * k
        } else {
            labels_w.max(legend_w + 6.0 * k)
        } + on(TickSide::Right);
        let legend_fits = legend_w == 0.0 || with_legend <= 0.55 * w;
        let legend_beside = legend_fits && beside;
        let right_margin = if legend_fits {
            with_legend
        } else {
            labels_w + on(TickSide::Right)
        };
        let gw = (w - pad - right_margin - more[1] - gx0).max(20.0);
        let grid_box = Rect::new(gx0, gy0, gw, gh);
        // The column dendrogram and strips start right of the colour bar
        // and its tick labels. (Below it, seaborn lets the bar reach into
        // the row dendrogram's box, whose top holds only the short leaf
        // branches at its right edge: kept, as the tutorial's figure.)
        // At least room for the slice titles beside the strips, when the
        // dendrograms have none (a heatmap drawn by this layout).
        let titles = |on: bool| if on { lh + 2.0 * k } else { 0.0 };
        // Strips thinner than a line of text have their names stacked
        // beside them: room for the stack too (a clustermap's dendrogram
        // gives it; a heatmap drawn by this layout has none).
        let stack = |n: f64, strip: f64, pad: f64| if strip < lh { (n + pad) * lh } else { 0.0 };
        let col_room = col_strip_room(gh * opts.colors_ratio) + col_bars_band(gh);
        let top = (gh * dr_col + col_room)
            .max(titles(d.col_slices.is_some()) + col_room)
            // The marker-set brackets (drawn where no column tree is).
            .max(if d.col_tree.is_none() && !d.col_sets.is_empty() {
                super::brackets::height(&fonts, d.col_sets, k, h) + 3.0 * k + col_room
            } else {
                0.0
            })
            .max(if dr_col == 0.0 {
                stack(n_col_strips, gh * opts.colors_ratio, 0.5) + col_bars_band(gh)
            } else {
                0.0
            })
            .max(row_axis_h);
        let rows_room = beside_rows(gw, &xt);
        let mut left = (gw * dr_row + rows_room)
            .max(cbar_right - gx0)
            .max(if has_row_bars { 0.0 } else { group_w } + rows_room)
            .max(titles(d.row_slices.is_some()) + rows_room)
            .max(stack(n_row_strips, gw * opts.colors_ratio, 0.5));
        if cbar_right > 0.0 && corner_bottom > gy0 + top - row_axis_h {
            // The bar reaches down beside the rows (or the row tracks'
            // axis): the row strips and tracks start right of it too.
            left = left.max(cbar_right - gx0 + rows_room);
        }
        let heat = Rect::new(gx0 + left, gy0 + top, gw - left, gh - top);
        (yt, xt, labels_w, legend_beside, grid_box, heat, legend_fits)
    };
    let mut room = 0.0;
    if let Placement::Beside(side) = place {
        let (_, _, _, _, _, heat, _) = layout(thin_w, thin_h, 0.0, [0.0; 3], f64::INFINITY);
        let (_, thick, deco) = beside(&heat, side);
        room = bar_gap + thick + deco;
    }
    let mut more = [0.0; 3];
    let mut lean = f64::INFINITY;
    let (mut yt, mut xt, mut labels_w, mut legend_beside, mut grid_box, mut heat, mut legend_fits) =
        layout(thin_w, thin_h, room, more, lean);
    if heat.w < thin_w || heat.h < thin_h {
        (thin_w, thin_h) = (thin_w.min(heat.w), thin_h.min(heat.h));
        (yt, xt, labels_w, legend_beside, grid_box, heat, legend_fits) =
            layout(thin_w, thin_h, room, more, lean);
    }
    // Angled labels reach past the ends of their axis: x labels left of
    // the figure's edge (with the row strips' names stacked left of them)
    // or right of it, y labels below the x labels. Make room and lay out
    // again (a few rounds settle it).
    for _ in 0..4 {
        let (xb, xa) = xt.overhang(heat.w, d.cols);
        let (_, ya) = yt.overhang(heat.h, d.rows);
        let names = if xt.angle.is_some() {
            n_row_strips * lh
        } else {
            0.0
        };
        let need = [
            xb + names - (heat.x - pad),
            heat.right() + xa - (w - pad),
            ya - xt.extent().max(strip_bottom) - xlabel_h - more[2],
        ];
        if need.iter().all(|&n| n <= 0.5) {
            break;
        }
        for (m, n) in more.iter_mut().zip(need) {
            *m += n.max(0.0) + if n > 0.5 { 1.0 } else { 0.0 };
        }
        // At most a twentieth of the figure more on the left (the rest is
        // the labels' to give up, below).
        more[0] = more[0].min(0.05 * w);
        (yt, xt, labels_w, legend_beside, grid_box, heat, legend_fits) =
            layout(thin_w, thin_h, room, more, lean);
        // Leaning labels that would still pass the figure's left edge (a
        // small figure) are shortened to end there.
        if more[0] >= 0.05 * w {
            if let Some(&(i, _)) = xt.labels.first() {
                let c = (i as f64 + 0.5) / d.cols as f64 * heat.w;
                lean = lean.min((heat.x - pad - names + c - 1.0).max(0.0));
                (yt, xt, labels_w, legend_beside, grid_box, heat, legend_fits) =
                    layout(thin_w, thin_h, room, more, lean);
            }
        }
    }
    // Row labels leaning down stay above the column labels.
    yt = yt.fit_below(heat.h, d.rows, xt.tick_len + xt.tick_pad);
    // Row labels leaning up past the heatmap's top leave room above them
    // for the column strips' names stacked there, below the title.
    if let (Some(a), Some(&(i, _))) = (yt.angle, yt.labels.first()) {
        let names = n_col_strips * lh;
        let allowed = heat.y - grid_box.y - names;
        if yt.overhang(heat.h, d.rows).0 > allowed + 0.5 {
            let c = (i as f64 + 0.5) / d.rows as f64 * heat.h;
            let half = 0.5 * lh * a.to_radians().cos().abs();
            yt = yt.fit_along(allowed + c - half);
        }
    }
    if show_legend && !legend_fits {
        canvas.warnings.push(format!(
            "the colour strips' legend needs {:.1} in beside the row labels, more than a {:.1} in wide figure leaves: left out; give a larger figsize, shorter labels, or legend = false",
            legend_w / opts.dpi,
            opts.figsize.0
        ));
    }
    let show_legend = show_legend && legend_fits;
    let gw = grid_box.w;
    let gh = grid_box.h;
    let strip_w = gw * opts.colors_ratio;
    let strip_h = gh * opts.colors_ratio;
    // The dendrograms fill what is left of the margins beside the strips
    // (less a line for the slice titles when an axis is split).
    let title_room = |on: bool| if on { lh + 2.0 * k } else { 0.0 };
    let (row_title_w, col_title_h) = (
        title_room(d.row_slices.is_some()),
        title_room(d.col_slices.is_some()),
    );
    let col_room = col_strip_room(strip_h);
    let rows_room = beside_rows(gw, &xt);
    let col_bars_band = col_bars_band(gh);
    let (col_thick, row_thick) = (col_thick(gh), row_thick(gw, &xt));
    let row_dend = Rect::new(
        grid_box.x + row_title_w,
        heat.y,
        heat.x - grid_box.x - rows_room - row_title_w,
        heat.h,
    );
    let col_dend = Rect::new(
        heat.x,
        grid_box.y + col_title_h,
        heat.w,
        heat.y - grid_box.y - col_room - col_bars_band - col_title_h,
    );

    let cell_text = d
        .cell_text
        .as_ref()
        .map(|t| t.display(&row_labels, &col_labels));
    let grid = Grid {
        values: &values,
        rows: d.rows,
        cols: d.cols,
        missing: Some(&missing),
        text: cell_text.as_deref(),
        streamed: None,
    };
    let gap = opts.split_gap * k;
    let one = |n: usize| vec![n];
    let row_sizes = d
        .row_slices
        .map_or_else(|| one(d.rows), |s| s.sizes.clone());
    let col_sizes = d
        .col_slices
        .map_or_else(|| one(d.cols), |s| s.sizes.clone());
    let (body, borders, row_spans, col_spans) = if d.row_slices.is_none() && d.col_slices.is_none()
    {
        let (body, borders) = panel::draw_panel(
            &mut canvas,
            heat,
            &grid,
            &scale,
            opts,
            &xt,
            &yt,
            Side::Right,
            strip_bottom,
        )?;
        (
            body,
            borders,
            vec![(body.y, body.h)],
            vec![(body.x, body.w)],
        )
    } else {
        let row_spans = slice_spans(heat.y, heat.h, &row_sizes, gap);
        let col_spans = slice_spans(heat.x, heat.w, &col_sizes, gap);
        let (body, borders) = panel::draw_split_panel(
            &mut canvas,
            &grid,
            (&row_spans, &row_sizes),
            (&col_spans, &col_sizes),
            &scale,
            opts,
            (&xt, &yt),
            Side::Right,
            strip_bottom,
        )?;
        (body, borders, row_spans, col_spans)
    };
    let row_centres = cell_centres(&row_spans, &row_sizes);
    let col_centres = cell_centres(&col_spans, &col_sizes);
    // Column strips, top to bottom, right above the heatmap. Their names
    // sit in the row labels' column: each at its strip, or, where strips
    // are thinner than a line of text, stacked upwards from above the
    // first row label so none overlap.
    let first_label = match (yt.marked, yt.labels.first()) {
        // Angled labels: above the highest one's reach.
        (false, Some(_)) if yt.angle.is_some() => {
            Some(body.y - yt.overhang(body.h, d.rows).0 + lh / 2.0)
        }
        (false, Some((i, _))) if !yt.rotated => Some(if d.row_slices.is_some() {
            row_centres[*i]
        } else {
            body.y + (*i as f64 + 0.5) / d.rows as f64 * body.h
        }),
        _ => None,
    };
    let mut floor = first_label.map_or(f64::INFINITY, |y| y - lh);
    let mut name_y = vec![0.0; d.col_strips.len()];
    for i in (0..d.col_strips.len()).rev() {
        let center = body.y - (n_col_strips - i as f64) * strip_h + strip_h / 2.0;
        name_y[i] = center.min(floor);
        floor = name_y[i] - lh;
    }
    for (i, s) in d.col_strips.iter().enumerate() {
        let y = body.y - (n_col_strips - i as f64) * strip_h;
        canvas.begin(Part::ColStrips);
        let mut at = 0;
        for (&(x, len), &n) in col_spans.iter().zip(&col_sizes) {
            let rect = Rect::new(x, y, len, strip_h);
            let colors: Vec<_> = col_order[at..at + n].iter().map(|&c| s.colors[c]).collect();
            draw_strip(&mut canvas, rect, &colors, false, &borders);
            at += n;
        }
        canvas.begin(Part::StripNames);
        let ly = name_y[i];
        canvas.hline(body.right(), body.right() + 3.5 * k, ly, 0.8 * k, BLACK);
        canvas.text(
            &s.name,
            body.right() + 7.0 * k,
            ly,
            font,
            BLACK,
            HAlign::Left,
            VAlign::Center,
            false,
        );
    }
    // The row strips' names end left of the heatmap and of its first
    // column label (a turned label may reach left of the heatmap).
    let names_right = xt.labels.first().map_or(body.x, |(i, l)| {
        let c = body.x + (*i as f64 + 0.5) / d.cols as f64 * body.w;
        if xt.angle.is_some() {
            // Angled labels: left of every one's reach.
            return body.x.min(body.x - xt.overhang(body.w, d.cols).0);
        }
        let half = if xt.rotated {
            lh / 2.0
        } else {
            text::width(&fonts, l, font) / 2.0
        };
        body.x.min(c - half)
    });
    for (i, s) in d.row_strips.iter().enumerate() {
        let x = body.x - (n_row_strips - i as f64) * strip_w;
        canvas.begin(Part::RowStrips);
        let mut at = 0;
        for (&(y, len), &n) in row_spans.iter().zip(&row_sizes) {
            let rect = Rect::new(x, y, strip_w, len);
            let colors: Vec<_> = row_order[at..at + n].iter().map(|&r| s.colors[r]).collect();
            draw_strip(&mut canvas, rect, &colors, true, &borders);
            at += n;
        }
        canvas.begin(Part::StripNames);
        // Each name under its strip, or, where strips are thinner than a
        // line of text, stacked leftwards from the heatmap's edge so none
        // runs under the column labels.
        let lx = (x + strip_w / 2.0).min(names_right - (n_row_strips - i as f64 - 0.5) * lh);
        canvas.vline(lx, body.bottom(), body.bottom() + 3.5 * k, 0.8 * k, BLACK);
        canvas.text(
            &s.name,
            lx,
            body.bottom() + 7.0 * k,
            font,
            BLACK,
            HAlign::Center,
            VAlign::Top,
            true,
        );
    }
    // Bar tracks: the columns' above their strips, the rows' left of
    // theirs (and of the group names), first given outermost.
    for (i, b) in col_bars.iter().enumerate() {
        canvas.begin(Part::ColBars);
        let along = Along {
            spans: &col_spans,
            sizes: &col_sizes,
            order: &col_order,
        };
        let top = body.y - col_room - col_bars_band
            + text::line_height(&fonts, bars::AXIS_PT * k) / 2.0
            + i as f64 * (col_thick + track_gap);
        bars::draw_col(&mut canvas, b, &along, top, col_thick, body.right(), k);
    }
    for (i, b) in row_bars.iter().enumerate() {
        canvas.begin(Part::RowBars);
        let along = Along {
            spans: &row_spans,
            sizes: &row_sizes,
            order: &row_order,
        };
        let left = body.x - rows_room + i as f64 * (row_thick + track_gap);
        // The tick labels may reach into the gaps beside the track (2 pt
        // from its neighbour's); the innermost track's up to the heatmap
        // (nothing is above the row strips).
        let last = i + 1 == row_bars.len();
        let reach = track_gap / 2.0 - k;
        let within = (
            left - reach,
            if last {
                body.x - 2.0 * k
            } else {
                left + row_thick + reach
            },
        );
        bars::draw_row(
            &mut canvas,
            b,
            &along,
            (left, row_thick),
            within,
            body.y,
            body.bottom(),
            k,
        );
    }
    if d.col_tree.is_none() {
        let top = Rect::new(body.x, body.y - col_room - col_bars_band, body.w, body.h);
        super::brackets::draw(&mut canvas, top, d.cols, d.col_sets, k);
    }
    if !d.row_groups.is_empty() {
        canvas.begin(Part::RowStrips);
        // scanpy's pl.heatmap: the group names left of the group bar, a
        // black line between groups across the bar and the heatmap.
        let bar_left = body.x - n_row_strips * strip_w;
        let mut start = 0usize;
        for (i, (name, n)) in d.row_groups.iter().enumerate() {
            let y = body.y + (start as f64 + *n as f64 / 2.0) / d.rows as f64 * body.h;
            canvas.hline(bar_left, bar_left - 3.5 * k, y, 0.8 * k, BLACK);
            canvas.text(
                name,
                bar_left - 7.0 * k,
                y,
                font,
                BLACK,
                HAlign::Right,
                VAlign::Center,
                false,
            );
            if i > 0 {
                let yb = body.y + start as f64 / d.rows as f64 * body.h;
                canvas.hline(bar_left, body.right(), yb, k, BLACK);
            }
            start += n;
        }
    }
    let line = 0.5 * k;
    canvas.begin(Part::RowDendrogram);
    match (d.row_tree, d.row_slices) {
        (Some(t), None) => dendrogram::draw(&mut canvas, row_dend, t, Orientation::Left, line),
        (Some(t), Some(_)) => dendrogram::draw_with(
            &mut canvas,
            row_dend,
            t,
            Orientation::Left,
            line,
            |i| row_centres[i] - row_dend.y,
            row_dend.h,
        ),
        _ => {}
    }
    canvas.begin(Part::ColDendrogram);
    match (d.col_tree, d.col_slices) {
        (Some(t), None) => dendrogram::draw(&mut canvas, col_dend, t, Orientation::Top, line),
        (Some(t), Some(_)) => dendrogram::draw_with(
            &mut canvas,
            col_dend,
            t,
            Orientation::Top,
            line,
            |i| col_centres[i] - col_dend.x,
            col_dend.w,
        ),
        _ => {}
    }
    // Slice titles (ComplexHeatmap's row_title / column_title): the rows'
    // turned, left of the row dendrogram; the columns' above theirs.
    if let Some(s) = d.row_slices {
        for (t, &(y, len)) in s.titles.iter().zip(&row_spans) {
            canvas.text(
                t,
                grid_box.x + row_title_w / 2.0,
                y + len / 2.0,
                font,
                BLACK,
                HAlign::Center,
                VAlign::Center,
                true,
            );
        }
    }
    if let Some(s) = d.col_slices {
        for (t, &(x, len)) in s.titles.iter().zip(&col_spans) {
            canvas.text(
                t,
                x + len / 2.0,
                grid_box.y + col_title_h / 2.0,
                font,
                BLACK,
                HAlign::Center,
                VAlign::Center,
                false,
            );
        }
    }
    let bar = match place {
        Placement::Off => None,
        Placement::Default => Some((corner, TickSide::Right)),
        Placement::At(b, side) => Some((colorbar::at_rect(b, w, h), side)),
        Placement::Beside(side) => {
            let (len, thick, deco) = beside(&heat, side);
            let thick = thick.min(room - bar_gap - deco).max(1.0);
            let (mid_x, mid_y) = (heat.x + (heat.w - len) / 2.0, heat.y + (heat.h - len) / 2.0);
            Some((
                match side {
                    TickSide::Right => Rect::new(w - pad - deco - thick, mid_y, thick, len),
                    TickSide::Left => Rect::new(pad + deco, mid_y, thick, len),
                    TickSide::Top => Rect::new(mid_x, pad + title_h + deco, len, thick),
                    TickSide::Bottom => Rect::new(mid_x, h - pad - deco - thick, len, thick),
                },
                side,
            ))
        }
    };
    if let Some((rect, side)) = bar {
        canvas.begin(Part::Colorbar);
        colorbar::draw(
            &mut canvas,
            rect,
            &scale,
            cbar_label,
            side,
            opts.na_color()?,
            k,
        );
    }
    if show_legend {
        let x = if legend_beside {
            body.right() + labels_w + 12.0 * k
        } else {
            body.right() + 6.0 * k
        };
        canvas.begin(Part::Legend);
        // From below the title (a bar on top spans only the heatmap's width).
        strips::draw_legend(&mut canvas, &owned, x, pad + title_h, k, legend_max_h);
    }
    if let Some(t) = opts.title.as_ref().filter(|t| !t.is_empty()) {
        canvas.begin(Part::Title);
        // Centred on the figure; where the strips' names climb into the
        // title's band (small figures), moved left of them.
        let tw = text::width(&fonts, t, TITLE_PT * k);
        let names_top = name_y.first().map_or(f64::INFINITY, |y| y - lh / 2.0);
        let x = if names_top < pad + title_h - 8.0 * k {
            (w / 2.0)
                .min(body.right() + 3.0 * k - tw / 2.0)
                .max(pad + tw / 2.0)
        } else {
            w / 2.0
        };
        canvas.text(
            t,
            x,
            pad + title_h - 8.0 * k,
            TITLE_PT * k,
            BLACK,
            HAlign::Center,
            VAlign::Bottom,
            false,
        );
    }
    Ok(canvas)
}

/// Room for a strip's name next to its tick (3.5 pt tick + 3.5 pt pad).
const TICK_PAD_LABEL: f64 = 7.0;

fn draw_strip(
    canvas: &mut Scene,
    rect: Rect,
    colors: &[[u8; 3]],
    vertical: bool,
    borders: &Borders,
) {
    let n = colors.len().max(1) as f64;
    for (i, c) in colors.iter().enumerate() {
        let (x0, y0, x1, y1) = if vertical {
            (
                rect.x,
                rect.y + rect.h * i as f64 / n,
                rect.right(),
                rect.y + rect.h * (i + 1) as f64 / n,
            )
        } else {
            (
                rect.x + rect.w * i as f64 / n,
                rect.y,
                rect.x + rect.w * (i + 1) as f64 / n,
                rect.bottom(),
            )
        };
        canvas.fill_cell(x0, y0, x1, y1, *c);
    }
    let cell = if vertical { rect.h / n } else { rect.w / n };
    if borders.width_px > 0.0 && cell >= 3.0 {
        for i in 0..=colors.len() {
            if vertical {
                canvas.edge_hline(
                    rect.x,
                    rect.right(),
                    rect.y + rect.h * i as f64 / n,
                    borders.width_px,
                    borders.color,
                );
            } else {
                canvas.edge_vline(
                    rect.x + rect.w * i as f64 / n,
                    rect.y,
                    rect.bottom(),
                    borders.width_px,
                    borders.color,
                );
            }
        }
        canvas.edge_hline(
            rect.x,
            rect.right(),
            rect.y,
            borders.width_px,
            borders.color,
        );
        canvas.edge_hline(
            rect.x,
            rect.right(),
            rect.bottom(),
            borders.width_px,
            borders.color,
        );
    }
}
