//! Colour strips (seaborn's `row_colors` / `col_colors`) as drawn, and the
//! legend seaborn never drew for them; [`crate::pipeline::side_colors`]
//! builds them from annotation tables and flat clusters.

use super::axes::{Rect, BLACK, FONT_PT};
use crate::render::colormap::Rgb;
use crate::render::fonts::Fonts;
use crate::render::scene::Scene;
use crate::render::text::{self, HAlign, VAlign};

/// Colour for labels absent from the annotation table.
pub const UNMATCHED: Rgb = [221, 221, 221];

/// Colour of a missing value (empty/`NA` cell, categorical code −1): the
/// axes' background, as seaborn draws a NaN in `row_colors`/`col_colors`
/// (no palette slot).
pub const MISSING: Rgb = [255, 255, 255];

/// Legend entry of [`MISSING`].
pub const MISSING_LABEL: &str = "(missing)";

/// One strip: a colour per observation (input order) and its legend.
#[derive(Debug, Clone)]
pub struct Strip {
    /// The strip's name (the annotation column, or the cut's name): its
    /// tick label beside the strip and its legend title.
    pub name: String,
    /// One colour per observation, input order ([`UNMATCHED`] for labels
    /// absent from the table, [`MISSING`] for missing values).
    pub colors: Vec<Rgb>,
    /// `(category, colour)` in order of first appearance, for the legend.
    pub legend: Vec<(String, Rgb)>,
    /// A numeric strip: its values' range, drawn with `viridis` and shown
    /// in the legend as a small colour bar instead of categories.
    pub range: Option<(f64, f64)>,
    /// Labels that had no entry in the table.
    pub unmatched: Vec<String>,
}

/// Length of a numeric strip's legend bar, in font sizes.
const BAR_EMS: f64 = 5.0;

/// A numeric strip's range as its legend says it: `0.5 – 2.5`.
fn range_text((lo, hi): (f64, f64)) -> String {
    format!(
        "{} – {}",
        super::ticks::format_value(lo, ".3g"),
        super::ticks::format_value(hi, ".3g")
    )
}

/// Size of the legend block for `strips` (width, height) in pixels.
pub(crate) fn legend_size(fonts: &Fonts, strips: &[Strip], px_per_pt: f64) -> (f64, f64) {
    let font = FONT_PT * px_per_pt;
    let lh = text::line_height(fonts, font) * 1.15;
    let sw = font;
    let mut w: f64 = 0.0;
    let mut h = 0.0;
    for s in strips {
        w = w.max(text::width(fonts, &s.name, font));
        h += lh;
        if let Some(r) = s.range {
            w = w.max(BAR_EMS * font + 0.5 * font + text::width(fonts, &range_text(r), font));
            h += lh;
        }
        for (l, _) in &s.legend {
            w = w.max(sw + 0.5 * font + text::width(fonts, l, font));
            h += lh;
        }
        h += lh * 0.5;
    }
    (w, h)
}

/// Draws the legend with its top-left corner at (x, y).
pub(crate) fn draw_legend(canvas: &mut Scene, strips: &[Strip], x: f64, y: f64, px_per_pt: f64) {
    let font = FONT_PT * px_per_pt;
    let lh = text::line_height(&canvas.fonts, font) * 1.15;
    let sw = font;
    // One legend line: `t` from `tx`, centred on the line starting at `cy`.
    let line = |canvas: &mut Scene, t: &str, tx: f64, cy: f64| {
        canvas.text(
            t,
            tx,
            cy + lh / 2.0,
            font,
            BLACK,
            HAlign::Left,
            VAlign::Center,
            false,
        );
    };
    let mut cy = y;
    for s in strips {
        line(canvas, &s.name, x, cy);
        cy += lh;
        if let Some(range) = s.range {
            // A small horizontal colour bar, low to high, and the range.
            let cmap = crate::render::colormap::Colormap::by_name("viridis");
            let bw = BAR_EMS * font;
            let steps = bw.ceil().max(1.0) as usize;
            if let Ok(cmap) = cmap {
                for i in 0..steps {
                    let t = (i as f64 + 0.5) / steps as f64;
                    let x0 = x + bw * i as f64 / steps as f64;
                    let x1 = x + bw * (i + 1) as f64 / steps as f64;
                    canvas.fill_cell(
                        x0,
                        cy + (lh - sw) / 2.0,
                        x1,
                        cy + (lh + sw) / 2.0,
                        cmap.at(t),
                    );
                }
            }
            line(canvas, &range_text(range), x + bw + 0.5 * font, cy);
            cy += lh;
        }
        for (l, c) in &s.legend {
            let r = Rect::new(x, cy + (lh - sw) / 2.0, sw, sw);
            canvas.fill_rect(r.x, r.y, r.right(), r.bottom(), *c);
            line(canvas, l, x + sw + 0.5 * font, cy);
            cy += lh;
        }
        cy += lh * 0.5;
    }
}
