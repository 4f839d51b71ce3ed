//! The dot plot (scanpy's `pl.dotplot`): one row per group, one column
//! per gene, each cell a dot whose colour is the group's mean of the gene
//! and whose area is the share of the group's cells expressing it; group
//! names left, gene names below (turned), and to the right, in scanpy's
//! 1.5-inch legend column, the size legend above the colour bar.
//!
//! Sizes are scanpy's: the share is clipped to `[dot_min, dot_max]`,
//! rescaled to `[0, 1]` (when the range is not already that), raised to
//! the power 1.5 and mapped linearly to an area between `smallest_dot`
//! and `largest_dot` points² (matplotlib's scatter `s`); each dot has a
//! 0.2 pt black edge.

use super::axes::{label_room, Rect, BLACK, FONT_PT, TITLE_PT};
use super::colorbar;
use super::heatmap::edge_pad;
use crate::error::Result;
use crate::options::FigureOptions;
use crate::render::scale::ColorScale;
use crate::render::scene::{Part, Scene};
use crate::render::text::{self, HAlign, VAlign};

/// What a dot plot shows: groups × genes, row-major, display order.
#[derive(Debug)]
pub struct DotplotData<'a> {
    /// The dot colours' values (scanpy's `dot_color_df`: the mean).
    pub color: &'a [f64],
    /// The share of each group's cells expressing each gene, in `[0, 1]`
    /// (scanpy's `dot_size_df`).
    pub fraction: &'a [f64],
    /// Number of groups (rows).
    pub rows: usize,
    /// Number of genes (columns).
    pub cols: usize,
    /// Group names.
    pub row_labels: &'a [String],
    /// Gene names.
    pub col_labels: &'a [String],
    /// Marker sets bracketed above the genes: `(name, first, last)`
    /// column positions (scanpy's `var_group_positions`); empty for none.
    pub col_sets: &'a [(String, usize, usize)],
}

/// scanpy's dot edge width, points (`DEFAULT_DOT_EDGELW`).
const EDGE_PT: f64 = 0.2;
/// scanpy's size exponent (`DEFAULT_SIZE_EXPONENT`).
const SIZE_EXPONENT: f64 = 1.5;
/// scanpy's legend column, inches (`DEFAULT_LEGENDS_WIDTH`).
const LEGENDS_IN: f64 = 1.5;
/// The size legend's dots are grey, as scanpy's.
const GREY: [u8; 3] = [128, 128, 128];
/// The size legend's title, on one line.
pub const SIZE_TITLE: &str = "Fraction of cells in group (%)";

/// The `(dot_min, dot_max)` scanpy uses: the given ones, else 0 and the
/// largest share rounded up to a tenth.
pub fn dot_range(fraction: &[f64], opts: &FigureOptions) -> (f64, f64) {
    let largest = fraction
        .iter()
        .copied()
        .filter(|f| f.is_finite())
        .fold(0.0, f64::max);
    let hi = opts
        .dot_max
        .unwrap_or_else(|| (largest * 10.0).ceil() / 10.0);
    (opts.dot_min.unwrap_or(0.0), hi)
}

/// A dot's area in points² for a share `f` (scanpy's `_dotplot`).
pub fn dot_area(f: f64, (lo, hi): (f64, f64), opts: &FigureOptions) -> f64 {
    let mut f = f;
    if lo != 0.0 || hi != 1.0 {
        f = (f.clamp(lo, hi) - lo) / (hi - lo);
    }
    f.powf(SIZE_EXPONENT) * (opts.largest_dot - opts.smallest_dot) + opts.smallest_dot
}

/// The shares the size legend shows, smallest first (scanpy's
/// `_plot_size_legend`: steps of 0.05, 0.1 or 0.2 down from `dot_max`,
/// as `np.arange(dot_max, dot_min, -step)[::-1]`).
pub fn legend_shares((lo, hi): (f64, f64)) -> Vec<f64> {
    let diff = hi - lo;
    let step = if diff > 0.3 && diff <= 0.6 {
        0.1
    } else if diff <= 0.3 {
        0.05
    } else {
        0.2
    };
    let n = ((lo - hi) / -step).ceil().max(0.0) as usize;
    (0..n).map(|i| hi - i as f64 * step).rev().collect()
}

/// Renders the figure.
/// scanpy's width of a gene's column, inches (`DEFAULT_CATEGORY_WIDTH`):
/// the side of a square cell when the figure is sized to its dots.
const CELL_IN: f64 = 0.37;
/// scanpy's smallest figure height, inches (`MIN_FIGURE_HEIGHT`).
const MIN_HEIGHT_IN: f64 = 2.5;

/// The room around the cells, pixels: what the labels, title, marker-set
/// brackets and the legend column take whatever the figure's size.
struct Margins {
    left: f64,
    top: f64,
    /// Below the cells: the column labels, x label and edge.
    below: f64,
    legends_w: f64,
    /// The legend column's height: the size legend, the colour bar's
    /// title and the shortest bar drawn.
    legends_h: f64,
}

fn margins(d: &DotplotData, opts: &FigureOptions, fonts: &crate::render::fonts::Fonts) -> Margins {
    let k = opts.dpi / 72.0;
    let font = FONT_PT * k;
    let small = FONT_PT * 0.833 * k;
    let pad = edge_pad(k);
    let (title_h, xlabel_h, ylabel_w) = label_room(
        fonts,
        opts.title.as_deref(),
        opts.xlabel.as_deref(),
        opts.ylabel.as_deref(),
        6.0,
        k,
    );
    let tick = (3.5 + 3.5) * k;
    let widest = |labels: &[String]| {
        labels
            .iter()
            .map(|l| text::width(fonts, l, font))
            .fold(0.0, f64::max)
    };
    let lh = text::line_height(fonts, small);
    let largest = (2.0 * (opts.largest_dot / std::f64::consts::PI).sqrt() * k).max(lh);
    let bar_title = opts.cbar_label.as_deref().is_some_and(|l| !l.is_empty());
    Margins {
        left: pad + ylabel_w + tick + widest(d.row_labels),
        top: pad
            + title_h
            + super::brackets::height(fonts, d.col_sets, k, opts.figsize.1 * opts.dpi),
        below: pad + xlabel_h + tick + widest(d.col_labels),
        legends_w: (LEGENDS_IN * opts.dpi)
            .max(text::width(fonts, SIZE_TITLE, small) + 4.0 * k)
            .max(text::width(fonts, opts.cbar_label.as_deref().unwrap_or(""), small) + 4.0 * k),
        legends_h: lh * 1.4
            + largest
            + 3.0 * k
            + lh
            + if opts.cbar {
                14.0 * k + if bar_title { lh + 6.0 * k } else { 0.0 } + 40.0 * k + lh
            } else {
                0.0
            },
    }
}

/// The figure size, inches, that holds the dots in square cells of
/// scanpy's 0.37 in, the labels and the legend column (at least scanpy's
/// 2.5 in tall): what a dot plot without `figsize` is drawn at.
pub fn natural_size(d: &DotplotData, opts: &FigureOptions) -> Result<(f64, f64)> {
    let fonts = opts.fonts()?;
    let m = margins(d, opts, &fonts);
    let k = opts.dpi / 72.0;
    let cell = CELL_IN * opts.dpi;
    let w = m.left + cell * d.cols as f64 + 10.0 * k + m.legends_w + edge_pad(k);
    let h = (m.top + cell * d.rows as f64 + m.below)
        .max(m.top + m.legends_h + edge_pad(k))
        .max(MIN_HEIGHT_IN * opts.dpi);
    Ok((w / opts.dpi, h / opts.dpi))
}

/// Draws the dot plot at `opts.figsize`, or at [`natural_size`] when the
/// dot plot's figsize is unset ([`FigureOptions::AUTO_FIGSIZE`]).
///
/// Errors: the colour map or fonts cannot be resolved.
pub fn render(d: &DotplotData, opts: &FigureOptions) -> Result<Scene> {
    let sized;
    let opts = if opts.figsize == FigureOptions::AUTO_FIGSIZE {
        sized = FigureOptions {
            figsize: natural_size(d, opts)?,
            ..opts.clone()
        };
        &sized
    } else {
        opts
    };
    let (mut canvas, k, w, h) = super::canvas(opts)?;
    let fonts = canvas.fonts.clone();
    let font = FONT_PT * k;
    let small = FONT_PT * 0.833 * k;
    let pad = edge_pad(k);
    let tick = (3.5 + 3.5) * k;
    let scale = ColorScale::resolve(&opts.color(), d.color.iter().copied())?;
    let range = dot_range(d.fraction, opts);
    let m = margins(d, opts, &fonts);
    let (left, top, legends_w) = (m.left, m.top, m.legends_w);
    let bottom = h - m.below;
    let avail = Rect::new(
        left,
        top,
        (w - pad - legends_w - 10.0 * k - left).max(10.0),
        (bottom - top).max(10.0),
    );
    // Square cells, the block at the top left of its slot (scanpy sizes
    // the figure to the cells; here the figure is given).
    let cell = (avail.w / d.cols as f64).min(avail.h / d.rows as f64);
    let body = Rect::new(avail.x, avail.y, cell * d.cols as f64, cell * d.rows as f64);
    let edge = EDGE_PT * k;
    let diameter = |area_pt2: f64| 2.0 * (area_pt2 / std::f64::consts::PI).sqrt() * k;
    let dot = |canvas: &mut Scene, x: f64, y: f64, area: f64, c: [u8; 3]| {
        let dia = diameter(area);
        if dia > 0.0 {
            canvas.dot(x, y, dia + edge, BLACK);
            canvas.dot(x, y, (dia - edge).max(0.0), c);
        }
    };
    for r in 0..d.rows {
        for c in 0..d.cols {
            let i = r * d.cols + c;
            let Some(color) = scale.color(d.color[i]) else {
                continue;
            };
            let (x, y) = (
                body.x + (c as f64 + 0.5) * cell,
                body.y + (r as f64 + 0.5) * cell,
            );
            dot(
                &mut canvas,
                x,
                y,
                dot_area(d.fraction[i], range, opts),
                color,
            );
        }
    }
    // The frame, ticks and labels.
    let lw = 0.8 * k;
    canvas.hline(body.x, body.right(), body.y, lw, BLACK);
    canvas.hline(body.x, body.right(), body.bottom(), lw, BLACK);
    canvas.vline(body.x, body.y, body.bottom(), lw, BLACK);
    canvas.vline(body.right(), body.y, body.bottom(), lw, BLACK);
    for (r, l) in d.row_labels.iter().enumerate() {
        let y = body.y + (r as f64 + 0.5) * cell;
        canvas.hline(body.x - 3.5 * k, body.x, y, lw, BLACK);
        canvas.text(
            l,
            body.x - tick,
            y,
            font,
            BLACK,
            HAlign::Right,
            VAlign::Center,
            false,
        );
    }
    for (c, l) in d.col_labels.iter().enumerate() {
        let x = body.x + (c as f64 + 0.5) * cell;
        canvas.vline(x, body.bottom(), body.bottom() + 3.5 * k, lw, BLACK);
        canvas.text(
            l,
            x,
            body.bottom() + tick,
            font,
            BLACK,
            HAlign::Center,
            VAlign::Top,
            true,
        );
    }
    if let Some(l) = opts.ylabel.as_deref().filter(|l| !l.is_empty()) {
        canvas.text(
            l,
            pad,
            body.y + body.h / 2.0,
            font,
            BLACK,
            HAlign::Left,
            VAlign::Center,
            true,
        );
    }
    if let Some(l) = opts.xlabel.as_deref().filter(|l| !l.is_empty()) {
        canvas.text(
            l,
            body.x + body.w / 2.0,
            h - pad,
            font,
            BLACK,
            HAlign::Center,
            VAlign::Bottom,
            false,
        );
    }
    // The legend column: the size legend, then the colour bar below it.
    let lx = body.right() + 10.0 * k;
    let lh = text::line_height(&fonts, small);
    canvas.text(
        SIZE_TITLE,
        lx,
        body.y,
        small,
        BLACK,
        HAlign::Left,
        VAlign::Top,
        false,
    );
    let shares = legend_shares(range);
    let largest = diameter(opts.largest_dot).max(lh);
    let step = (legends_w / shares.len().max(1) as f64).min(largest * 1.6);
    let cy = body.y + lh * 1.4 + largest / 2.0;
    for (i, s) in shares.iter().enumerate() {
        let x = lx + (i as f64 + 0.5) * step;
        dot(&mut canvas, x, cy, dot_area(*s, range, opts), GREY);
        canvas.text(
            &format!("{}", (s * 100.0).round_ties_even() as i64),
            x,
            cy + largest / 2.0 + 3.0 * k,
            small,
            BLACK,
            HAlign::Center,
            VAlign::Top,
            false,
        );
    }
    if opts.cbar {
        // The bar's title above it, as scanpy's, so a long title never
        // runs past a short bar into the size legend.
        let mut cb_top = cy + largest / 2.0 + 3.0 * k + lh + 14.0 * k;
        if let Some(l) = opts.cbar_label.as_deref().filter(|l| !l.is_empty()) {
            canvas.text(
                l,
                lx,
                cb_top,
                small,
                BLACK,
                HAlign::Left,
                VAlign::Top,
                false,
            );
            cb_top += lh + 6.0 * k;
        }
        let cb_h = (body.bottom() - cb_top).min(body.h * 0.5).max(20.0 * k);
        let cb = Rect::new(lx, cb_top, 0.15 * opts.dpi, cb_h);
        colorbar::draw(
            &mut canvas,
            cb,
            &scale,
            None,
            colorbar::TickSide::Right,
            None,
            k,
        );
    }
    super::brackets::draw(&mut canvas, body, d.cols, d.col_sets, k);
    if let Some(t) = opts.title.as_ref().filter(|t| !t.is_empty()) {
        canvas.begin(Part::Title);
        canvas.text(
            t,
            body.x + body.w / 2.0,
            body.y - 6.0 * k - super::brackets::height(&fonts, d.col_sets, k, h),
            TITLE_PT * k,
            BLACK,
            HAlign::Center,
            VAlign::Bottom,
            false,
        );
    }
    Ok(canvas)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_legend_are_scanpys() {
        let o = FigureOptions::default();
        // dot_max: the largest share rounded up to a tenth.
        assert_eq!(dot_range(&[0.04, 0.71, 0.3], &o), (0.0, 0.8));
        let r = (0.0, 0.8);
        assert_eq!(dot_area(0.8, r, &o), 200.0);
        assert_eq!(dot_area(0.9, r, &o), 200.0, "clipped to dot_max");
        assert!((dot_area(0.4, r, &o) - 0.5f64.powf(1.5) * 200.0).abs() < 1e-12);
        // np.arange(0.8, 0, -0.2)[::-1]
        let s = legend_shares(r);
        assert_eq!(s.len(), 4);
        assert!((s[0] - 0.2).abs() < 1e-12 && s[3] == 0.8);
        // np.arange(1.0, 0, -0.2)[::-1]: 0.2 .. 1.0, and a share of 1 is not rescaled.
        assert_eq!(legend_shares((0.0, 1.0)).len(), 5);
        assert_eq!(dot_area(0.25, (0.0, 1.0), &o), 0.125 * 200.0);
        // A narrow range steps by 0.05: np.arange(0.3, 0.1, -0.05) has 4.
        assert_eq!(legend_shares((0.1, 0.3)).len(), 4);
    }
}
