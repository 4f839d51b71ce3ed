//! Marker-set brackets above the columns (scanpy's `var_group_positions`
//! and `var_group_labels`, drawn when `genes` comes in sets): a bracket
//! over each set's columns, its name centred above.

use super::axes::{Rect, BLACK, FONT_PT};
use crate::render::fonts::Fonts;
use crate::render::scene::Scene;
use crate::render::text::{self, HAlign, VAlign};

/// Height the brackets and their names take above the body, pixels (0
/// without sets).
pub fn height(fonts: &Fonts, sets: &[(String, usize, usize)], px_per_pt: f64) -> f64 {
    if sets.is_empty() {
        return 0.0;
    }
    text::line_height(fonts, FONT_PT * px_per_pt) + 8.0 * px_per_pt
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
    for (name, first, last) in sets {
        let x0 = body.x + (*first as f64 + 0.2) * cw;
        let x1 = body.x + (*last as f64 + 0.8) * cw;
        canvas.hline(x0, x1, y - arm, 0.8 * k, BLACK);
        canvas.vline(x0, y - arm, y, 0.8 * k, BLACK);
        canvas.vline(x1, y - arm, y, 0.8 * k, BLACK);
        canvas.text(
            name,
            (x0 + x1) / 2.0,
            y - arm - 2.0 * k,
            FONT_PT * k,
            BLACK,
            HAlign::Center,
            VAlign::Bottom,
            false,
        );
    }
}
