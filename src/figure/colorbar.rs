//! The colour bar: a vertical gradient from vmin (bottom) to vmax (top),
//! ticks from matplotlib's locator on the right, optional label, no
//! outline (seaborn sets the outline width to 0).

use super::axes::{Rect, BLACK, FONT_PT, LABEL_PAD_PT, TICK_LEN_PT, TICK_PAD_PT, TICK_WIDTH_PT};
use super::ticks::{auto_ticks, tick_labels};
use crate::render::fonts::Fonts;
use crate::render::scale::ColorScale;
use crate::render::scene::Scene;
use crate::render::text::{self, HAlign, VAlign};

/// Width the ticks, tick labels and label of a bar of height `h` need to
/// the right of the bar.
pub fn decorations_width(
    fonts: &Fonts,
    scale: &ColorScale,
    h: f64,
    label: Option<&str>,
    px_per_pt: f64,
) -> f64 {
    let font = FONT_PT * px_per_pt;
    let ticks = auto_ticks(scale.vmin, scale.vmax, h / px_per_pt, FONT_PT);
    let widest = tick_labels(&ticks)
        .iter()
        .map(|l| text::width(fonts, l, font))
        .fold(0.0, f64::max);
    let mut w = (TICK_LEN_PT + TICK_PAD_PT) * px_per_pt + widest;
    if label.is_some_and(|l| !l.is_empty()) {
        w += LABEL_PAD_PT * px_per_pt + text::line_height(fonts, font);
    }
    w
}

/// Draws the bar in `rect`, and records its ticks in
/// [`Scene::colorbar_ticks`].
pub fn draw(
    canvas: &mut Scene,
    rect: Rect,
    scale: &ColorScale,
    label: Option<&str>,
    px_per_pt: f64,
) {
    let (x0, y0, w, h) = rect.snapped();
    let mut rgb = Vec::with_capacity(w * h * 3);
    for py in 0..h {
        // Row py (from the top) shows the value at its centre.
        let t = 1.0 - (py as f64 + 0.5) / h as f64;
        let c = scale.cmap.at(t);
        for _ in 0..w {
            rgb.extend_from_slice(&c);
        }
    }
    canvas.image(x0, y0, w, h, rgb, None, None);
    let font = FONT_PT * px_per_pt;
    let ticks = auto_ticks(scale.vmin, scale.vmax, h as f64 / px_per_pt, FONT_PT);
    let labels = tick_labels(&ticks);
    let right = (x0 + w) as f64;
    let (tl, tp) = (TICK_LEN_PT * px_per_pt, TICK_PAD_PT * px_per_pt);
    let mut widest: f64 = 0.0;
    for (t, l) in ticks.iter().zip(&labels) {
        let frac = if scale.vmax > scale.vmin {
            (t - scale.vmin) / (scale.vmax - scale.vmin)
        } else {
            0.5
        };
        let y = y0 as f64 + h as f64 * (1.0 - frac);
        canvas.hline(right, right + tl, y, TICK_WIDTH_PT * px_per_pt, BLACK);
        canvas.text(
            l,
            right + tl + tp,
            y,
            font,
            BLACK,
            HAlign::Left,
            VAlign::Center,
            false,
        );
        widest = widest.max(text::width(&canvas.fonts, l, font));
    }
    canvas.colorbar_ticks = ticks.iter().copied().zip(labels.iter().cloned()).collect();
    if let Some(l) = label.filter(|l| !l.is_empty()) {
        let x = right + tl + tp + widest + LABEL_PAD_PT * px_per_pt;
        canvas.text(
            l,
            x,
            y0 as f64 + h as f64 / 2.0,
            font,
            BLACK,
            HAlign::Left,
            VAlign::Center,
            true,
        );
    }
}
