//! The colour bar: a gradient from vmin to vmax (bottom to top when
//! vertical, left to right when horizontal), ticks from matplotlib's
//! locator on its outer side, optional label beyond them, no outline
//! (seaborn sets the outline width to 0).

use super::axes::{Rect, BLACK, FONT_PT, LABEL_PAD_PT, TICK_LEN_PT, TICK_PAD_PT, TICK_WIDTH_PT};
use super::ticks::{auto_ticks, tick_labels};
use crate::render::fonts::Fonts;
use crate::render::scale::ColorScale;
use crate::render::scene::Scene;
use crate::render::text::{self, HAlign, VAlign};

/// Which side of the bar its ticks and labels go: `Right` (matplotlib's
/// vertical default) or `Left` make a vertical bar, `Bottom` (the
/// horizontal default) or `Top` a horizontal one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TickSide {
    /// Vertical bar, ticks on its right.
    Right,
    /// Vertical bar, ticks on its left (`location="left"`).
    Left,
    /// Horizontal bar, ticks below.
    Bottom,
    /// Horizontal bar, ticks above (`location="top"`).
    Top,
}

impl TickSide {
    /// The bar runs left to right.
    pub fn horizontal(self) -> bool {
        matches!(self, TickSide::Bottom | TickSide::Top)
    }
}

/// The tick values of a bar `length_px` long: matplotlib's `MaxNLocator`
/// with the tick space of the colour bar's long axis (a y axis allows a
/// tick per 2 label heights, an x axis per 3).
fn ticks(scale: &ColorScale, length_px: f64, horizontal: bool, px_per_pt: f64) -> Vec<f64> {
    let per = if horizontal { 1.5 } else { 1.0 };
    auto_ticks(scale.vmin, scale.vmax, length_px / px_per_pt, FONT_PT * per)
}

/// How far (pixels) the ticks, tick labels and label of a bar
/// `length_px` long reach out from the bar on its tick side: a width for
/// a vertical bar, a height for a horizontal one.
pub fn decorations(
    fonts: &Fonts,
    scale: &ColorScale,
    length_px: f64,
    label: Option<&str>,
    side: TickSide,
    px_per_pt: f64,
) -> f64 {
    let font = FONT_PT * px_per_pt;
    let lh = text::line_height(fonts, font);
    let labels = tick_labels(&ticks(scale, length_px, side.horizontal(), px_per_pt));
    let across = if side.horizontal() {
        if labels.is_empty() {
            0.0
        } else {
            lh
        }
    } else {
        labels
            .iter()
            .map(|l| text::width(fonts, l, font))
            .fold(0.0, f64::max)
    };
    let mut w = (TICK_LEN_PT + TICK_PAD_PT) * px_per_pt + across;
    if label.is_some_and(|l| !l.is_empty()) {
        w += LABEL_PAD_PT * px_per_pt + lh;
    }
    w
}

/// How far (pixels) tick labels and the label stick out past the ends of
/// a bar `length_px` long: half the end labels' extent along the bar (a
/// horizontal bar's labels are centred on their ticks; a vertical bar's
/// half a line), or half of what the label is longer than the bar.
pub fn overhang(
    fonts: &Fonts,
    scale: &ColorScale,
    length_px: f64,
    label: Option<&str>,
    side: TickSide,
    px_per_pt: f64,
) -> f64 {
    let font = FONT_PT * px_per_pt;
    let labels = tick_labels(&ticks(scale, length_px, side.horizontal(), px_per_pt));
    let long = label.map_or(0.0, |l| (text::width(fonts, l, font) - length_px) / 2.0);
    long.max(if side.horizontal() {
        labels
            .iter()
            .map(|l| text::width(fonts, l, font) / 2.0)
            .fold(0.0, f64::max)
    } else if labels.is_empty() {
        0.0
    } else {
        text::line_height(fonts, font) / 2.0
    })
}

/// Draws the bar in `rect` with its ticks on `side`. With `na` (the
/// `na_color`), the low end of `rect` holds a square of that colour
/// labelled "NA" instead of gradient (below a vertical bar, right of a
/// horizontal one — ComplexHeatmap's NA legend entry). Records its ticks
/// in [`Scene::colorbar_ticks`].
pub fn draw(
    canvas: &mut Scene,
    rect: Rect,
    scale: &ColorScale,
    label: Option<&str>,
    side: TickSide,
    na: Option<crate::render::colormap::Rgb>,
    px_per_pt: f64,
) {
    let font = FONT_PT * px_per_pt;
    let lh = text::line_height(&canvas.fonts, font);
    let full = rect;
    let mut rect = rect;
    if let Some(color) = na {
        let horizontal = side.horizontal();
        let thick = if horizontal { rect.h } else { rect.w };
        let gap = lh;
        let swatch = if horizontal {
            let r = Rect::new(rect.right() - thick, rect.y, thick, thick);
            rect.w = (rect.w - thick - gap).max(1.0);
            r
        } else {
            let r = Rect::new(rect.x, rect.bottom() - thick, thick, thick);
            rect.h = (rect.h - thick - gap).max(1.0);
            r
        };
        canvas.fill_rect(swatch.x, swatch.y, swatch.right(), swatch.bottom(), color);
        let (tl, tp) = (TICK_LEN_PT * px_per_pt, TICK_PAD_PT * px_per_pt);
        let (cx, cy) = (swatch.x + swatch.w / 2.0, swatch.y + swatch.h / 2.0);
        let (x, y, ha, va) = match side {
            TickSide::Right => (swatch.right() + tl + tp, cy, HAlign::Left, VAlign::Center),
            TickSide::Left => (swatch.x - tl - tp, cy, HAlign::Right, VAlign::Center),
            TickSide::Bottom => (cx, swatch.bottom() + tl + tp, HAlign::Center, VAlign::Top),
            TickSide::Top => (cx, swatch.y - tl - tp, HAlign::Center, VAlign::Bottom),
        };
        canvas.text("NA", x, y, font, BLACK, ha, va, false);
    }
    let (x0, y0, w, h) = rect.snapped();
    let horizontal = side.horizontal();
    let mut rgb = Vec::with_capacity(w * h * 3);
    for py in 0..h {
        for px in 0..w {
            // Each pixel shows the value at its centre.
            let t = if horizontal {
                (px as f64 + 0.5) / w as f64
            } else {
                1.0 - (py as f64 + 0.5) / h as f64
            };
            rgb.extend_from_slice(&scale.cmap.at(t));
        }
    }
    canvas.image(x0, y0, w, h, rgb, None, None);
    let length = if horizontal { w } else { h } as f64;
    let ticks = ticks(scale, length, horizontal, px_per_pt);
    let labels = tick_labels(&ticks);
    let (x0, y0, w, h) = (x0 as f64, y0 as f64, w as f64, h as f64);
    let (tl, tp) = (TICK_LEN_PT * px_per_pt, TICK_PAD_PT * px_per_pt);
    let tw = TICK_WIDTH_PT * px_per_pt;
    let mut widest: f64 = 0.0;
    for (t, l) in ticks.iter().zip(&labels) {
        let frac = if scale.vmax > scale.vmin {
            (t - scale.vmin) / (scale.vmax - scale.vmin)
        } else {
            0.5
        };
        match side {
            TickSide::Right | TickSide::Left => {
                let y = y0 + h * (1.0 - frac);
                let (edge, dir, align) = if side == TickSide::Right {
                    (x0 + w, 1.0, HAlign::Left)
                } else {
                    (x0, -1.0, HAlign::Right)
                };
                canvas.hline(edge, edge + dir * tl, y, tw, BLACK);
                let x = edge + dir * (tl + tp);
                canvas.text(l, x, y, font, BLACK, align, VAlign::Center, false);
                widest = widest.max(text::width(&canvas.fonts, l, font));
            }
            TickSide::Bottom | TickSide::Top => {
                let x = x0 + w * frac;
                let (edge, dir, align) = if side == TickSide::Bottom {
                    (y0 + h, 1.0, VAlign::Top)
                } else {
                    (y0, -1.0, VAlign::Bottom)
                };
                canvas.vline(x, edge, edge + dir * tl, tw, BLACK);
                let y = edge + dir * (tl + tp);
                canvas.text(l, x, y, font, BLACK, HAlign::Center, align, false);
                widest = lh;
            }
        }
    }
    canvas.colorbar_ticks = ticks.iter().copied().zip(labels.iter().cloned()).collect();
    let Some(l) = label.filter(|l| !l.is_empty()) else {
        return;
    };
    // Centred on the bar as drawn, or with an NA square on bar and square.
    let full = if na.is_some() {
        full
    } else {
        Rect::new(x0, y0, w, h)
    };
    let reach = tl + tp + widest + LABEL_PAD_PT * px_per_pt;
    match side {
        TickSide::Right => {
            let x = x0 + w + reach;
            let y = full.y + full.h / 2.0;
            canvas.text(l, x, y, font, BLACK, HAlign::Left, VAlign::Center, true);
        }
        TickSide::Left => {
            let x = x0 - reach;
            let y = full.y + full.h / 2.0;
            canvas.text(l, x, y, font, BLACK, HAlign::Right, VAlign::Center, true);
        }
        TickSide::Bottom => {
            let y = y0 + h + reach;
            let x = full.x + full.w / 2.0;
            canvas.text(l, x, y, font, BLACK, HAlign::Center, VAlign::Top, false);
        }
        TickSide::Top => {
            let y = y0 - reach;
            let x = full.x + full.w / 2.0;
            canvas.text(l, x, y, font, BLACK, HAlign::Center, VAlign::Bottom, false);
        }
    }
}

/// Where a figure's colour bar goes, from the options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Placement {
    /// No colour bar (`cbar = false`).
    Off,
    /// At `cbar_pos` (`[left, bottom, width, height]`, figure fractions,
    /// origin bottom-left), ticks on that side; the layout leaves room for
    /// nothing.
    At([f64; 4], TickSide),
    /// Along the heatmap's side (`cbar_location`), its ticks facing out;
    /// the layout makes room for it.
    Beside(TickSide),
    /// The figure kind's own place (seaborn's: the clustermap's top-left
    /// corner; the heatmap's right side).
    Default,
}

/// The placement `opts` ask for: `cbar_pos` first, then `cbar_location`,
/// then `cbar_orientation` alone (horizontal = below, as matplotlib's
/// `orientation="horizontal"` puts it).
pub fn placement(opts: &crate::options::FigureOptions) -> Placement {
    use crate::options::{CbarLocation, CbarOrientation};
    if !opts.cbar {
        return Placement::Off;
    }
    let horizontal = opts.cbar_orientation == Some(CbarOrientation::Horizontal);
    if let Some(&[l, bo, w, h]) = opts.cbar_pos.as_deref() {
        let side = if horizontal {
            TickSide::Bottom
        } else {
            TickSide::Right
        };
        return Placement::At([l, bo, w, h], side);
    }
    match opts.cbar_location {
        Some(CbarLocation::Right) => Placement::Beside(TickSide::Right),
        Some(CbarLocation::Left) => Placement::Beside(TickSide::Left),
        Some(CbarLocation::Top) => Placement::Beside(TickSide::Top),
        Some(CbarLocation::Bottom) => Placement::Beside(TickSide::Bottom),
        None if horizontal => Placement::Beside(TickSide::Bottom),
        None => Placement::Default,
    }
}

/// The pixel rectangle of a `cbar_pos` box in a `w × h` pixel figure.
pub fn at_rect(b: [f64; 4], w: f64, h: f64) -> Rect {
    Rect::new(b[0] * w, h - (b[1] + b[3]) * h, b[2] * w, b[3] * h)
}
