//! Several heatmaps side by side sharing their rows (ComplexHeatmap's
//! `HeatmapList`, `ht1 + ht2`): the main (first) heatmap's row dendrogram
//! once on the left, each heatmap with its own colour scale, column
//! dendrogram, column labels and title, the row labels once on the right
//! of the last, and one colour bar per heatmap stacked top to bottom in a
//! column at the right edge. Heatmaps are `heatmap_gap` points apart
//! (ComplexHeatmap's `ht_gap`, 2 mm) and as wide as their column counts
//! say.

use super::axes::{shown_labels, Rect, Side, Ticks, BLACK, FONT_PT};
use super::colorbar::{self, TickSide};
use super::dendrogram::{self, Orientation};
use super::heatmap::{edge_pad, MAX_LABELS};
use super::panel::{self, Grid};
use crate::cluster::Linkage;
use crate::error::Result;
use crate::options::{FigureOptions, TickLabels};
use crate::render::scale::ColorScale;
use crate::render::scene::{Part, Scene};
use crate::render::text::{self, HAlign, VAlign};

/// One heatmap of the list, in display order.
#[derive(Debug)]
pub struct ListPanel<'a> {
    /// `rows × cols` values, row-major, rows and columns in drawn order.
    pub values: &'a [f64],
    /// Number of columns.
    pub cols: usize,
    /// Column labels, input order.
    pub col_labels: &'a [String],
    /// The drawn order of the columns (indices into `col_labels`).
    pub col_order: &'a [usize],
    /// The column tree (its leaves are the drawn order), drawn above.
    pub col_tree: Option<&'a Linkage>,
    /// This heatmap's colour options (`cmap`, `center`, `vmin`, `vmax`,
    /// `robust`, `na_color`), `title`, `cbar_label` and `xticklabels`.
    pub options: &'a FigureOptions,
}

/// A heatmap list: rows shared by every panel.
#[derive(Debug)]
pub struct ListData<'a> {
    /// Number of rows of every panel.
    pub rows: usize,
    /// Row labels, input order.
    pub row_labels: &'a [String],
    /// The drawn order of the rows (indices into `row_labels`).
    pub row_order: &'a [usize],
    /// The main heatmap's row tree (its leaves are the drawn order).
    pub row_tree: Option<&'a Linkage>,
    /// The heatmaps, left to right; the first is the main one.
    pub panels: &'a [ListPanel<'a>],
}

/// Lays out and draws the list; `opts` are the figure's (size, dpi,
/// fonts, `yticklabels`, `dendrogram_ratio`, `heatmap_gap`, lines).
///
/// Errors: a colour option of a panel cannot be resolved (an unknown
/// `cmap`, `vmin` above `vmax`); the font cannot be read.
pub fn render(d: &ListData, opts: &FigureOptions) -> Result<Scene> {
    let (mut canvas, k, w, h) = super::canvas(opts)?;
    canvas.title = None;
    let fonts = canvas.fonts.clone();
    let font = FONT_PT * k;
    let lh = text::line_height(&fonts, font);
    let pad = edge_pad(k);
    let gap = opts.heatmap_gap * k;
    let n = d.panels.len().max(1) as f64;
    let scales = d
        .panels
        .iter()
        .map(|p| ColorScale::resolve(&p.options.color(), p.values.iter().copied()))
        .collect::<Result<Vec<_>>>()?;
    // Titles above the column dendrograms, one line each.
    let any_title = d
        .panels
        .iter()
        .any(|p| p.options.title.as_deref().is_some_and(|t| !t.is_empty()));
    let title_h = if any_title { lh + 4.0 * k } else { 0.0 };
    let any_col_tree = d.panels.iter().any(|p| p.col_tree.is_some());
    let (dr_row, dr_col) = opts.dendrogram_ratio;
    let col_dend_h = if any_col_tree { dr_col * h } else { 0.0 };
    let row_dend_w = if d.row_tree.is_some() {
        dr_row * w
    } else {
        0.0
    };
    // The colour bars: one column at the right edge, stacked, each at
    // most a fifth of the figure tall.
    let top = pad + title_h + col_dend_h;
    let bar_gap = 2.0 * lh;
    let bar_len = ((h - top - pad - (n - 1.0) * bar_gap) / n)
        .min(0.2 * h)
        .max(1.0);
    let bar_thick = (0.02 * w).max(4.0 * k);
    let deco = d
        .panels
        .iter()
        .zip(&scales)
        .map(|(p, s)| {
            colorbar::decorations(
                &fonts,
                s,
                bar_len,
                p.options.cbar_label.as_deref(),
                TickSide::Right,
                k,
            )
        })
        .fold(0.0, f64::max);
    let bars_w = bar_thick + deco + 8.0 * k;
    // Row labels once, right of the last heatmap.
    let body_h_guess = (h - top - pad - 0.2 * h).max(20.0);
    // Given labels (input order) follow the rows, as the data's own do.
    let row_shown: Vec<String> = {
        let own = shown_labels(d.row_labels, &opts.yticklabels, "yticklabels", "rows")?;
        d.row_order.iter().map(|&i| own[i].clone()).collect()
    };
    let yt = Ticks::choose(
        Side::Right,
        &row_shown,
        &opts.yticklabels,
        body_h_guess,
        k,
        &fonts,
    )
    .fit(MAX_LABELS * w);
    let left = pad + row_dend_w;
    let right = w - pad - bars_w - yt.extent();
    let total_cols: usize = d.panels.iter().map(|p| p.cols).sum();
    let width = (right - left - (n - 1.0) * gap).max(20.0);
    let mut x = left;
    let spans: Vec<(f64, f64)> = d
        .panels
        .iter()
        .map(|p| {
            let pw = width * p.cols as f64 / total_cols.max(1) as f64;
            let s = (x, pw);
            x += pw + gap;
            s
        })
        .collect();
    let col_ticks = d
        .panels
        .iter()
        .zip(&spans)
        .map(|(p, &(_, pw))| {
            let own = shown_labels(
                p.col_labels,
                &p.options.xticklabels,
                "xticklabels",
                "columns",
            )?;
            let shown: Vec<String> = p.col_order.iter().map(|&i| own[i].clone()).collect();
            Ok(
                Ticks::choose(Side::Bottom, &shown, &p.options.xticklabels, pw, k, &fonts)
                    .fit(MAX_LABELS * h),
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let bottom = col_ticks.iter().map(Ticks::extent).fold(0.0, f64::max);
    let body_h = (h - pad - bottom - top).max(20.0);
    let no_rows = Ticks::choose(Side::Right, &[], &TickLabels::None, body_h, k, &fonts);
    let line = 0.5 * k;
    let last = d.panels.len().saturating_sub(1);
    for (i, ((p, scale), (&(px, pw), xt))) in d
        .panels
        .iter()
        .zip(&scales)
        .zip(spans.iter().zip(&col_ticks))
        .enumerate()
    {
        let missing: Vec<bool> = p.values.iter().map(|v| v.is_nan()).collect();
        let grid = Grid {
            values: p.values,
            rows: d.rows,
            cols: p.cols,
            missing: Some(&missing),
            text: None,
            streamed: None,
        };
        let mut o = p.options.clone();
        o.dpi = opts.dpi;
        o.linewidths = opts.linewidths;
        o.linecolor = opts.linecolor.clone();
        o.xlabel = None;
        o.ylabel = None;
        let yt = if i == last { &yt } else { &no_rows };
        let rect = Rect::new(px, top, pw, body_h);
        let (body, _) = panel::draw_panel(
            &mut canvas,
            rect,
            &grid,
            scale,
            &o,
            xt,
            yt,
            Side::Right,
            0.0,
        )?;
        if let Some(t) = p.col_tree {
            canvas.begin(Part::ColDendrogram);
            let dend = Rect::new(body.x, pad + title_h, body.w, col_dend_h - 2.0 * k);
            dendrogram::draw(&mut canvas, dend, t, Orientation::Top, line);
        }
        if let Some(t) = p.options.title.as_deref().filter(|t| !t.is_empty()) {
            canvas.begin(Part::Title);
            let t = super::axes::shorten(&fonts, t, font, body.w.max(lh));
            canvas.text(
                &t,
                body.x + body.w / 2.0,
                pad + title_h - 4.0 * k,
                font,
                BLACK,
                HAlign::Center,
                VAlign::Bottom,
                false,
            );
        }
        // This heatmap's colour bar, i-th from the top.
        canvas.begin(Part::Colorbar);
        let bar = Rect::new(
            w - pad - deco - bar_thick,
            top + i as f64 * (bar_len + bar_gap),
            bar_thick,
            bar_len,
        );
        colorbar::draw(
            &mut canvas,
            bar,
            scale,
            p.options.cbar_label.as_deref(),
            TickSide::Right,
            p.options.na_color()?,
            k,
        );
    }
    if let Some(t) = d.row_tree {
        canvas.begin(Part::RowDendrogram);
        let dend = Rect::new(pad, top, row_dend_w - 2.0 * k, body_h);
        dendrogram::draw(&mut canvas, dend, t, Orientation::Left, line);
    }
    Ok(canvas)
}
