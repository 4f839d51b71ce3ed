//! The clustered heatmap (`sns.clustermap`): a grid of [row dendrogram,
//! row colour strips, heatmap] × [column dendrogram, column strips,
//! heatmap] sized by `dendrogram_ratio` and `colors_ratio`, y tick labels
//! and y label on the right, the colour bar at seaborn's `cbar_pos`
//! (.02, .8, .05, .18 of the figure), and a legend for the colour strips.

use super::axes::{
    label_room, seaborn_clustermap_extent, Rect, Side, Ticks, BLACK, FONT_PT, TITLE_PT,
};
use super::colorbar;
use super::dendrogram::{self, Orientation};
use super::heatmap::edge_pad;
use super::panel::{self, Borders, Grid};
use super::strips::{self, Strip};
use crate::cluster::Linkage;
use crate::error::Result;
use crate::options::FigureOptions;
use crate::render::scale::ColorScale;
use crate::render::scene::Scene;
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
    /// A file mask, applied by label after reordering.
    pub label_mask: Option<super::LabelMask>,
}

/// Renders the figure.
pub fn render(d: &ClustermapData, opts: &FigureOptions) -> Result<Scene> {
    let k = opts.dpi / 72.0;
    let (w, h) = (
        (opts.figsize.0 * opts.dpi).round(),
        (opts.figsize.1 * opts.dpi).round(),
    );
    let mut canvas = Scene::new(w as usize, h as usize);
    canvas.fonts = opts.fonts()?;
    canvas.title = opts.title.clone();
    canvas.text_mode = opts.text;
    let fonts = canvas.fonts.clone();
    let font = FONT_PT * k;
    let pad = edge_pad(k);
    let row_order: Vec<usize> = d
        .row_tree
        .map_or_else(|| (0..d.rows).collect(), |t| t.leaves());
    let col_order: Vec<usize> = d
        .col_tree
        .map_or_else(|| (0..d.cols).collect(), |t| t.leaves());
    let mut values = Vec::with_capacity(d.rows * d.cols);
    for &r in &row_order {
        for &c in &col_order {
            values.push(d.values[r * d.cols + c]);
        }
    }
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
    let all_strips: Vec<&Strip> = d.col_strips.iter().chain(d.row_strips.iter()).collect();
    let owned: Vec<Strip> = all_strips.iter().map(|s| (*s).clone()).collect();
    let (legend_w, legend_h) = if owned.is_empty() || !opts.legend {
        (0.0, 0.0)
    } else {
        strips::legend_size(&fonts, &owned, k)
    };

    let (dr_row, dr_col) = opts.dendrogram_ratio;
    let n_row_strips = d.row_strips.len() as f64;
    let n_col_strips = d.col_strips.len() as f64;
    let strip_label_w = d
        .col_strips
        .iter()
        .map(|s| text::width(&fonts, &s.name, font))
        .fold(0.0, f64::max);
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
    let cbar_rect = Rect::new(
        0.02 * w,
        0.02 * h + title_h,
        0.05 * w,
        0.18 * h * opts.cbar_shrink,
    );
    let cbar_right = if opts.cbar {
        let deco =
            colorbar::decorations_width(&fonts, &scale, cbar_rect.h, opts.cbar_label.as_deref(), k);
        cbar_rect.right() + deco + 4.0 * k
    } else {
        0.0
    };
    let layout = |thin_w: f64, thin_h: f64| {
        let yt = Ticks::choose(
            Side::Right,
            &row_labels,
            opts.yticklabels,
            thin_h,
            k,
            &fonts,
        )
        .with_marks(&row_labels, &opts.mark_rows);
        let xt = Ticks::choose(
            Side::Bottom,
            &col_labels,
            opts.xticklabels,
            thin_w,
            k,
            &fonts,
        );
        let tick_ext = (TICK_PAD_LABEL * k) + strip_label_w;
        let labels_w = (yt.extent() + ylabel_w).max(tick_ext);
        let strip_bottom = if n_row_strips > 0.0 {
            (TICK_PAD_LABEL * k) + strip_label_h
        } else {
            0.0
        };
        let bottom_margin = (xt.extent() + xlabel_h).max(strip_bottom);
        let gx0 = pad;
        let gy0 = pad + title_h;
        let gh = (h - pad - bottom_margin - gy0).max(20.0);
        let legend_beside = legend_h > gh * dr_col;
        let right_margin = if legend_beside {
            labels_w + legend_w + 12.0 * k
        } else {
            labels_w.max(legend_w + 6.0 * k)
        };
        let gw = (w - pad - right_margin - gx0).max(20.0);
        let grid_box = Rect::new(gx0, gy0, gw, gh);
        // The column dendrogram and strips start right of the colour bar
        // and its tick labels. (Below it, seaborn lets the bar reach into
        // the row dendrogram's box, whose top holds only the short leaf
        // branches at its right edge: kept, as the tutorial's figure.)
        let left = (gw * (dr_row + n_row_strips * opts.colors_ratio)).max(cbar_right - gx0);
        let top = gh * (dr_col + n_col_strips * opts.colors_ratio);
        let heat = Rect::new(gx0 + left, gy0 + top, gw - left, gh - top);
        (yt, xt, labels_w, legend_beside, grid_box, heat)
    };
    let (mut yt, mut xt, mut labels_w, mut legend_beside, mut grid_box, mut heat) =
        layout(thin_w, thin_h);
    if heat.w < thin_w || heat.h < thin_h {
        (thin_w, thin_h) = (thin_w.min(heat.w), thin_h.min(heat.h));
        (yt, xt, labels_w, legend_beside, grid_box, heat) = layout(thin_w, thin_h);
    }
    let gw = grid_box.w;
    let gh = grid_box.h;
    let strip_w = gw * opts.colors_ratio;
    let strip_h = gh * opts.colors_ratio;
    // The dendrograms fill what is left of the margins beside the strips.
    let row_dend = Rect::new(
        grid_box.x,
        heat.y,
        heat.x - grid_box.x - n_row_strips * strip_w,
        heat.h,
    );
    let col_dend = Rect::new(
        heat.x,
        grid_box.y,
        heat.w,
        heat.y - grid_box.y - n_col_strips * strip_h,
    );

    let grid = Grid {
        values: &values,
        rows: d.rows,
        cols: d.cols,
        streamed: None,
    };
    let (body, borders) = panel::draw_panel(
        &mut canvas,
        heat,
        &grid,
        &scale,
        opts,
        &xt,
        &yt,
        Side::Right,
    )?;
    // Column strips, top to bottom, right above the heatmap. Their names
    // sit in the row labels' column: each at its strip, or, where strips
    // are thinner than a line of text, stacked upwards from above the
    // first row label so none overlap.
    let lh = text::line_height(&fonts, font);
    let first_label = match (yt.marked, yt.labels.first()) {
        (false, Some((i, _))) if !yt.rotated => {
            Some(body.y + (*i as f64 + 0.5) / d.rows as f64 * body.h)
        }
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
        let rect = Rect::new(body.x, y, body.w, strip_h);
        let colors: Vec<_> = col_order.iter().map(|&c| s.colors[c]).collect();
        draw_strip(&mut canvas, rect, &colors, false, &borders);
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
    for (i, s) in d.row_strips.iter().enumerate() {
        let x = body.x - (n_row_strips - i as f64) * strip_w;
        let rect = Rect::new(x, body.y, strip_w, body.h);
        let colors: Vec<_> = row_order.iter().map(|&r| s.colors[r]).collect();
        draw_strip(&mut canvas, rect, &colors, true, &borders);
        let lx = x + strip_w / 2.0;
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
    let line = 0.5 * k;
    if let Some(t) = d.row_tree {
        dendrogram::draw(&mut canvas, row_dend, t, Orientation::Left, line);
    }
    if let Some(t) = d.col_tree {
        dendrogram::draw(&mut canvas, col_dend, t, Orientation::Top, line);
    }
    if opts.cbar {
        colorbar::draw(
            &mut canvas,
            cbar_rect,
            &scale,
            opts.cbar_label.as_deref(),
            k,
        );
    }
    if opts.legend && !owned.is_empty() {
        let x = if legend_beside {
            body.right() + labels_w + 12.0 * k
        } else {
            body.right() + 6.0 * k
        };
        strips::draw_legend(&mut canvas, &owned, x, grid_box.y, k);
    }
    if let Some(t) = opts.title.as_ref().filter(|t| !t.is_empty()) {
        canvas.text(
            t,
            w / 2.0,
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
