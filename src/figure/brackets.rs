//! Marker-set brackets above the columns (scanpy's `var_group_positions`
//! and `var_group_labels`, drawn when `genes` comes in sets): a bracket
//! over each set's columns, its name centred above.

use super::axes::{Rect, BLACK, FONT_PT};
use crate::render::fonts::Fonts;
use crate::render::scene::{Part, Scene};
use crate::render::text::{self, HAlign, VAlign};

/// True when the names are drawn turned 90° (reading upwards): scanpy's
/// rule, any name longer than 4 characters (`_plot_var_groups_brackets`
/// with `rotation=None`), so names of narrow sets do not run into each
/// other.
fn upright(sets: &[(String, usize, usize)]) -> bool {
    sets.iter().any(|(n, _, _)| n.chars().count() > 4)
}

/// A turned name's longest extent: a tenth of the figure's height
/// (`fig_h`, pixels) plus an inch — longer names are shortened with "…",
/// as long tick labels are, so the cells keep their room.
fn longest(fig_h: f64, px_per_pt: f64) -> f64 {
    0.1 * fig_h + 72.0 * px_per_pt
}

/// Height the brackets and their names take above the body, pixels (0
/// without sets): a line of text, or the longest name when they are
/// turned (at most [`longest`] of a figure `fig_h` pixels tall).
pub fn height(fonts: &Fonts, sets: &[(String, usize, usize)], px_per_pt: f64, fig_h: f64) -> f64 {
    if sets.is_empty() {
        return 0.0;
    }
    let font = FONT_PT * px_per_pt;
    let names = if upright(sets) {
        sets.iter()
            .map(|(n, _, _)| text::width(fonts, n, font))
            .fold(0.0, f64::max)
            .min(longest(fig_h, px_per_pt))
    } else {
        text::line_height(fonts, font)
    };
    names + 8.0 * px_per_pt
}

/// Draws the brackets of `sets` (`(name, first, last)` column positions)
/// above `body`, whose `ncols` columns are equally wide.
pub fn draw(
    canvas: &mut Scene,
    body: Rect,
    ncols: usize,
    sets: &[(String, usize, usize)],
    px_per_pt: f64,
) {
    let k = px_per_pt;
    let cw = body.w / ncols.max(1) as f64;
    let y = body.y - 3.0 * k;
    let arm = 4.0 * k;
    let turned = upright(sets);
    let fonts = canvas.fonts.clone();
    if !sets.is_empty() {
        canvas.begin(Part::MarkerSets);
    }
    for (name, first, last) in sets {
        let x0 = body.x + (*first as f64 + 0.2) * cw;
        let x1 = body.x + (*last as f64 + 0.8) * cw;
        canvas.hline(x0, x1, y - arm, 0.8 * k, BLACK);
        canvas.vline(x0, y - arm, y, 0.8 * k, BLACK);
        canvas.vline(x1, y - arm, y, 0.8 * k, BLACK);
        let name = if turned {
            super::axes::shorten(&fonts, name, FONT_PT * k, longest(canvas.height as f64, k))
        } else {
            name.clone()
        };
        canvas.text(
            &name,
            (x0 + x1) / 2.0,
            y - arm - 2.0 * k,
            FONT_PT * k,
            BLACK,
            HAlign::Center,
            VAlign::Bottom,
            turned,
        );
    }
}
