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

/// One line of the legend.
enum Line<'a> {
    /// A strip's name.
    Title(&'a str),
    /// A numeric strip's colour bar and range.
    Bar((f64, f64)),
    /// A category's swatch and name.
    Entry(&'a str, Rgb),
    /// The space after a strip's entries (half a line).
    Gap,
}

/// The legend's lines, each with its width, pixels.
fn lines<'a>(fonts: &Fonts, strips: &'a [Strip], font: f64) -> Vec<(Line<'a>, f64)> {
    let mut out = Vec::new();
    for s in strips {
        out.push((Line::Title(&s.name), text::width(fonts, &s.name, font)));
        if let Some(r) = s.range {
            let w = BAR_EMS * font + 0.5 * font + text::width(fonts, &range_text(r), font);
            out.push((Line::Bar(r), w));
        }
        for (l, c) in &s.legend {
            out.push((
                Line::Entry(l, *c),
                font + 0.5 * font + text::width(fonts, l, font),
            ));
        }
        out.push((Line::Gap, 0.0));
    }
    out
}

/// The legend's lines flowed into columns at most `max_h` pixels tall
/// (a column holds at least one line): per column, its lines (indices)
/// and its width.
fn columns(lines: &[(Line, f64)], lh: f64, max_h: f64) -> Vec<(Vec<usize>, f64)> {
    let mut cols: Vec<(Vec<usize>, f64)> = vec![(Vec::new(), 0.0)];
    let mut h = 0.0;
    for (i, (line, w)) in lines.iter().enumerate() {
        let step = if matches!(line, Line::Gap) {
            lh * 0.5
        } else {
            lh
        };
        let col = cols.last_mut().expect("one column");
        if h + step > max_h && !col.0.is_empty() && !matches!(line, Line::Gap) {
            cols.push((Vec::new(), 0.0));
            h = 0.0;
        }
        let col = cols.last_mut().expect("one column");
        if col.0.is_empty() && matches!(line, Line::Gap) {
            continue;
        }
        col.0.push(i);
        col.1 = col.1.max(*w);
        h += step;
    }
    cols
}

/// Size of the legend block for `strips` (width, height) in pixels, its
/// lines flowed into as many columns as keep it within `max_h` pixels.
pub(crate) fn legend_size(
    fonts: &Fonts,
    strips: &[Strip],
    px_per_pt: f64,
    max_h: f64,
) -> (f64, f64) {
    let font = FONT_PT * px_per_pt;
    let lh = text::line_height(fonts, font) * 1.15;
    let ls = lines(fonts, strips, font);
    let cols = columns(&ls, lh, max_h);
    let w = cols.iter().map(|c| c.1).sum::<f64>() + font * (cols.len() - 1) as f64;
    let h = cols
        .iter()
        .map(|c| {
            c.0.iter()
                .map(|&i| {
                    if matches!(ls[i].0, Line::Gap) {
                        lh * 0.5
                    } else {
                        lh
                    }
                })
                .sum::<f64>()
        })
        .fold(0.0, f64::max);
    (w, h)
}

/// Draws the legend with its top-left corner at (x, y), in columns at
/// most `max_h` pixels tall (see [`legend_size`]).
pub(crate) fn draw_legend(
    canvas: &mut Scene,
    strips: &[Strip],
    x: f64,
    y: f64,
    px_per_pt: f64,
    max_h: f64,
) {
    let font = FONT_PT * px_per_pt;
    let lh = text::line_height(&canvas.fonts, font) * 1.15;
    let sw = font;
    let fonts = canvas.fonts.clone();
    let ls = lines(&fonts, strips, font);
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
    let mut x = x;
    for (idx, width) in columns(&ls, lh, max_h) {
        let mut cy = y;
        for i in idx {
            match &ls[i].0 {
                Line::Title(name) => {
                    line(canvas, name, x, cy);
                    cy += lh;
                }
                Line::Bar(range) => {
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
                    line(canvas, &range_text(*range), x + bw + 0.5 * font, cy);
                    cy += lh;
                }
                Line::Entry(l, c) => {
                    let r = Rect::new(x, cy + (lh - sw) / 2.0, sw, sw);
                    canvas.fill_rect(r.x, r.y, r.right(), r.bottom(), *c);
                    line(canvas, l, x + sw + 0.5 * font, cy);
                    cy += lh;
                }
                Line::Gap => cy += lh * 0.5,
            }
        }
        x += width + font;
    }
}
