//! One heatmap panel: the body (rasterised, aggregated when cells are
//! smaller than pixels), cell borders when cells are big enough to show
//! them, and annotations with seaborn's text-colour rule.

use super::axes::{axis_label, Rect, Side, Ticks, FONT_PT, LABEL_PAD_PT};
use super::ticks::format_value;
use crate::options::FigureOptions;
use crate::render::colormap::Rgb;
use crate::render::mesh::{aggregate, colorize, Aggregate, StreamedCells};
use crate::render::scale::ColorScale;
use crate::render::scene::{Part, Scene};
use crate::render::text::{self, HAlign, VAlign};

/// Values to draw, row-major, already in display order; NaN = not drawn.
#[derive(Debug)]
pub struct Grid<'a> {
    /// The `rows × cols` values, row-major.
    pub values: &'a [f64],
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// `rows × cols` flags, row-major: the value is missing in the data
    /// (drawn in `na_color` when one is given), as opposed to masked.
    pub missing: Option<&'a [bool]>,
    /// `rows × cols` texts, row-major, written instead of the values when
    /// `annot` names a table or stars.
    pub text: Option<&'a [Option<String>]>,
    /// The cells drawn from a source too large to hold (`values` then
    /// empty): only the body is drawn from it, neither cell borders,
    /// annotations nor vector cells (the caller keeps those cases on
    /// `values`).
    pub streamed: Option<&'a dyn StreamedCells>,
}

/// Cell-border settings.
#[derive(Debug)]
pub struct Borders {
    /// Line width, pixels (seaborn's `linewidths`, converted).
    pub width_px: f64,
    /// Line colour (seaborn's `linecolor`).
    pub color: Rgb,
}

/// Up to this many cells, vector output draws one rectangle per cell.
pub const VECTOR_CELLS: usize = 40_000;

/// Draws the body; returns the snapped pixel rectangle it used.
pub fn draw_body(
    canvas: &mut Scene,
    rect: Rect,
    grid: &Grid,
    scale: &ColorScale,
    how: Aggregate,
) -> Rect {
    let (x0, y0, w, h) = rect.snapped();
    let agg = match grid.streamed {
        Some(s) => s.aggregate(w, h, how),
        None => aggregate(grid.values, grid.rows, grid.cols, w, h, how),
    };
    let (rgb, drawn) = colorize(&agg, scale);
    let snapped = Rect::new(x0 as f64, y0 as f64, w as f64, h as f64);
    // Vector formats draw few cells as rectangles (editable, crisp); the
    // raster image serves PNG and large matrices.
    let cells = (grid.streamed.is_none() && grid.rows * grid.cols <= VECTOR_CELLS).then(|| {
        let (cw, ch) = (snapped.w / grid.cols as f64, snapped.h / grid.rows as f64);
        let mut v = Vec::new();
        for r in 0..grid.rows {
            for c in 0..grid.cols {
                if let Some(col) = scale.color(grid.values[r * grid.cols + c]) {
                    let (cx, cy) = (snapped.x + c as f64 * cw, snapped.y + r as f64 * ch);
                    // A hair of overlap hides anti-aliasing seams that
                    // viewers draw between abutting rectangles.
                    let x1 = (cx + cw + 0.3).min(snapped.right());
                    let y1 = (cy + ch + 0.3).min(snapped.bottom());
                    v.push((cx, cy, x1, y1, col));
                }
            }
        }
        v
    });
    canvas.image(x0, y0, w, h, rgb, Some(drawn), cells);
    snapped
}

/// Paints the pixels of `rect` that show at least one missing cell in
/// `color` (beneath the body, which covers pixels with values).
pub fn draw_missing(canvas: &mut Scene, rect: Rect, grid: &Grid, missing: &[bool], color: Rgb) {
    let (x0, y0, w, h) = rect.snapped();
    let flags: Vec<f64> = missing
        .iter()
        .map(|&m| if m { 1.0 } else { f64::NAN })
        .collect();
    let agg = aggregate(&flags, grid.rows, grid.cols, w, h, Aggregate::Mean);
    let drawn: Vec<bool> = agg.iter().map(|v| !v.is_nan()).collect();
    let rgb: Vec<u8> = drawn.iter().flat_map(|_| color).collect();
    let snapped = Rect::new(x0 as f64, y0 as f64, w as f64, h as f64);
    let cells = (grid.rows * grid.cols <= VECTOR_CELLS).then(|| {
        let (cw, ch) = (snapped.w / grid.cols as f64, snapped.h / grid.rows as f64);
        let mut v = Vec::new();
        for r in 0..grid.rows {
            for c in 0..grid.cols {
                if missing[r * grid.cols + c] {
                    let (cx, cy) = (snapped.x + c as f64 * cw, snapped.y + r as f64 * ch);
                    let x1 = (cx + cw + 0.3).min(snapped.right());
                    let y1 = (cy + ch + 0.3).min(snapped.bottom());
                    v.push((cx, cy, x1, y1, color));
                }
            }
        }
        v
    });
    canvas.image(x0, y0, w, h, rgb, Some(drawn), cells);
}

/// Cell borders, drawn only between/around visible cells and only when
/// cells are at least 3 px (below that they would hide the data).
pub fn draw_borders(canvas: &mut Scene, rect: Rect, grid: &Grid, b: &Borders) {
    if b.width_px <= 0.0 || grid.streamed.is_some() {
        return;
    }
    let (cw, ch) = (rect.w / grid.cols as f64, rect.h / grid.rows as f64);
    if cw < 3.0 || ch < 3.0 {
        return;
    }
    let visible = |r: usize, c: usize| {
        let i = r * grid.cols + c;
        !grid.values[i].is_nan() || grid.missing.is_some_and(|m| m[i])
    };
    // Horizontal boundaries.
    for k in 0..=grid.rows {
        let y = rect.y + k as f64 * ch;
        for c in 0..grid.cols {
            let above = k > 0 && visible(k - 1, c);
            let below = k < grid.rows && visible(k, c);
            if above || below {
                let x = rect.x + c as f64 * cw;
                canvas.edge_hline(x, x + cw, y, b.width_px, b.color);
            }
        }
    }
    for k in 0..=grid.cols {
        let x = rect.x + k as f64 * cw;
        for r in 0..grid.rows {
            let left = k > 0 && visible(r, k - 1);
            let right = k < grid.cols && visible(r, k);
            if left || right {
                let y = rect.y + r as f64 * ch;
                canvas.edge_vline(x, y, y + ch, b.width_px, b.color);
            }
        }
    }
}

/// W3C relative luminance of an sRGB colour (seaborn's `relative_luminance`).
pub fn relative_luminance(c: Rgb) -> f64 {
    let lin = |v: u8| {
        let s = v as f64 / 255.0;
        if s <= 0.03928 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
}

/// Writes each visible cell's value (Python format `fmt`) at its centre,
/// or the cell's text from `grid.text` when given: dark text (".15") on
/// light cells, white on dark ones (seaborn's rule, on `na` for missing
/// cells). Skipped when the text would not fit the cell.
pub fn draw_annotations(
    canvas: &mut Scene,
    rect: Rect,
    grid: &Grid,
    scale: &ColorScale,
    fmt: &str,
    na: Option<Rgb>,
    px_per_pt: f64,
) {
    let font = FONT_PT * px_per_pt;
    let (cw, ch) = (rect.w / grid.cols as f64, rect.h / grid.rows as f64);
    if ch < text::line_height(&canvas.fonts, font) * 0.8 {
        return;
    }
    for r in 0..grid.rows {
        for c in 0..grid.cols {
            let i = r * grid.cols + c;
            let v = grid.values[i];
            let color = match (scale.color(v), grid.missing, na) {
                (Some(col), ..) => col,
                (None, Some(m), Some(na)) if m[i] => na,
                _ => continue,
            };
            let s = match grid.text {
                Some(t) => match &t[i] {
                    Some(s) => s.clone(),
                    None => continue,
                },
                None => format_value(v, fmt),
            };
            if text::width(&canvas.fonts, &s, font) > cw * 1.05 {
                continue;
            }
            let ink = if relative_luminance(color) > 0.408 {
                [38, 38, 38]
            } else {
                [255, 255, 255]
            };
            let (x, y) = (
                rect.x + (c as f64 + 0.5) * cw,
                rect.y + (r as f64 + 0.5) * ch,
            );
            canvas.text(&s, x, y, font, ink, HAlign::Center, VAlign::Center, false);
        }
    }
}

/// The x label below the x tick labels (and below `below` pixels of other
/// elements under the body) and the y label beyond the y tick labels on
/// `y_side`.
fn axis_labels(
    canvas: &mut Scene,
    body: Rect,
    opts: &FigureOptions,
    (xt, yt): (&Ticks, &Ticks),
    y_side: Side,
    below: f64,
) {
    let k = opts.dpi / 72.0;
    let font = FONT_PT * k;
    if let Some(l) = &opts.xlabel {
        canvas.begin(Part::XLabel);
        let offset = xt.extent().max(below) + LABEL_PAD_PT * k;
        axis_label(canvas, l, body, Side::Bottom, offset, font);
    }
    if let Some(l) = &opts.ylabel {
        canvas.begin(Part::YLabel);
        let offset = yt.extent() + LABEL_PAD_PT * k;
        axis_label(canvas, l, body, y_side, offset, font);
    }
}

/// The heatmap panel of a figure: body, borders, annotations, ticks with
/// their labels, and the x and y axis labels (`y_side` = where the y
/// labels go: left for `heatmap`, right for `clustermap`; `below`: how far
/// other elements reach under the body, pixels — the x label goes below
/// them and the x tick labels). Returns the body's pixel rectangle and the
/// borders (colour strips reuse them).
#[allow(clippy::too_many_arguments)]
pub fn draw_panel(
    canvas: &mut Scene,
    rect: Rect,
    grid: &Grid,
    scale: &ColorScale,
    opts: &FigureOptions,
    xt: &Ticks,
    yt: &Ticks,
    y_side: Side,
    below: f64,
) -> crate::error::Result<(Rect, Borders)> {
    let k = opts.dpi / 72.0;
    canvas.begin(Part::Body);
    let na = opts.na_color()?;
    if let (Some(color), Some(missing)) = (na, grid.missing) {
        draw_missing(canvas, rect, grid, missing, color);
    }
    let body = draw_body(canvas, rect, grid, scale, opts.aggregate);
    let borders = Borders {
        width_px: opts.linewidths * k,
        color: crate::render::colormap::parse_color(&opts.linecolor)?,
    };
    draw_borders(canvas, body, grid, &borders);
    if opts.annot.is_on() && grid.streamed.is_none() {
        draw_annotations(canvas, body, grid, scale, &opts.fmt, na, k);
    }
    canvas.begin(Part::XTicks);
    xt.draw(canvas, body, grid.cols);
    canvas.begin(Part::YTicks);
    yt.draw(canvas, body, grid.rows);
    axis_labels(canvas, body, opts, (xt, yt), y_side, below);
    Ok((body, borders))
}

/// The heatmap panel of a split figure: one body per (row slice, column
/// slice) block at its span (`(start, length)` pixels along each axis,
/// with the number of cells each holds), borders and annotations per
/// block, tick labels at the cells' centres across the gaps, and the axis
/// labels around the whole. `grid` holds all values in display order.
/// Returns the bounding rectangle of the blocks and the borders.
#[allow(clippy::too_many_arguments)]
pub fn draw_split_panel(
    canvas: &mut Scene,
    grid: &Grid,
    rows: (&[(f64, f64)], &[usize]),
    cols: (&[(f64, f64)], &[usize]),
    scale: &ColorScale,
    opts: &FigureOptions,
    (xt, yt): (&Ticks, &Ticks),
    y_side: Side,
    below: f64,
) -> crate::error::Result<(Rect, Borders)> {
    let k = opts.dpi / 72.0;
    let borders = Borders {
        width_px: opts.linewidths * k,
        color: crate::render::colormap::parse_color(&opts.linecolor)?,
    };
    let mut row_centres = Vec::with_capacity(grid.rows);
    let mut col_centres = Vec::with_capacity(grid.cols);
    let (mut x0, mut y0, mut x1, mut y1) = (f64::INFINITY, f64::INFINITY, 0.0f64, 0.0f64);
    let mut r0 = 0;
    for (ri, (&(y, h), &nr)) in rows.0.iter().zip(rows.1).enumerate() {
        let mut c0 = 0;
        for (&(x, w), &nc) in cols.0.iter().zip(cols.1) {
            let mut values = Vec::with_capacity(nr * nc);
            let mut missing = Vec::new();
            let mut texts = Vec::new();
            for r in r0..r0 + nr {
                let cells = r * grid.cols + c0..r * grid.cols + c0 + nc;
                values.extend_from_slice(&grid.values[cells.clone()]);
                if let Some(m) = grid.missing {
                    missing.extend_from_slice(&m[cells.clone()]);
                }
                if let Some(t) = grid.text {
                    texts.extend_from_slice(&t[cells]);
                }
            }
            let sub = Grid {
                values: &values,
                rows: nr,
                cols: nc,
                missing: grid.missing.map(|_| missing.as_slice()),
                text: grid.text.map(|_| texts.as_slice()),
                streamed: None,
            };
            let na = opts.na_color()?;
            canvas.begin(Part::Body);
            if let (Some(color), Some(m)) = (na, sub.missing) {
                draw_missing(canvas, Rect::new(x, y, w, h), &sub, m, color);
            }
            let body = draw_body(canvas, Rect::new(x, y, w, h), &sub, scale, opts.aggregate);
            draw_borders(canvas, body, &sub, &borders);
            if opts.annot.is_on() {
                draw_annotations(canvas, body, &sub, scale, &opts.fmt, na, k);
            }
            (x0, y0) = (x0.min(body.x), y0.min(body.y));
            (x1, y1) = (x1.max(body.right()), y1.max(body.bottom()));
            if ri == 0 {
                col_centres.extend((0..nc).map(|i| body.x + (i as f64 + 0.5) / nc as f64 * body.w));
            }
            if c0 == 0 {
                row_centres.extend((0..nr).map(|i| body.y + (i as f64 + 0.5) / nr as f64 * body.h));
            }
            c0 += nc;
        }
        r0 += nr;
    }
    let body = Rect::new(x0, y0, x1 - x0, y1 - y0);
    canvas.begin(Part::XTicks);
    xt.draw_at(canvas, body, |i| col_centres[i]);
    canvas.begin(Part::YTicks);
    yt.draw_at(canvas, body, |i| row_centres[i]);
    axis_labels(canvas, body, opts, (xt, yt), y_side, below);
    Ok((body, borders))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luminance_threshold_matches_seaborn() {
        assert!(relative_luminance([255, 255, 255]) > 0.408);
        assert!(relative_luminance([0, 0, 0]) < 0.408);
        assert!((relative_luminance([128, 128, 128]) - 0.2158).abs() < 1e-3);
    }
}
