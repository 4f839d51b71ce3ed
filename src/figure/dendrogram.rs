//! Dendrograms in scipy's geometry: leaf i at the centre of cell i in leaf
//! order, each merge drawn as a ⊓ from its children's heights to its own,
//! height axis from 0 to 1.05 × the largest merge; 0.5 pt lines in
//! (0.2, 0.2, 0.2), as seaborn draws them. Iterative, any depth.

use super::axes::Rect;
use crate::cluster::Linkage;
use crate::render::scene::Scene;

const LINE: [u8; 3] = [51, 51, 51];

/// Where the root points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    /// Column tree above the heatmap: leaves at the bottom.
    Top,
    /// Row tree left of the heatmap: leaves at the right.
    Left,
}

/// Draws `z` in `rect`; `line_px` is the line width.
pub fn draw(canvas: &mut Scene, rect: Rect, z: &Linkage, orientation: Orientation, line_px: f64) {
    let n = z.n();
    draw_with(
        canvas,
        rect,
        z,
        orientation,
        line_px,
        |k| k as f64 + 0.5,
        n as f64,
    );
}

/// Draws `z` in `rect` with the leaf in display position `k` at
/// `leaf_at(k)` along the leaf axis, out of `span` for the rect's length
/// (split slices: the leaves' pixel centres with the gaps between slices).
pub fn draw_with(
    canvas: &mut Scene,
    rect: Rect,
    z: &Linkage,
    orientation: Orientation,
    line_px: f64,
    leaf_at: impl Fn(usize) -> f64,
    span: f64,
) {
    let n = z.n();
    if n < 2 {
        return;
    }
    let leaves = z.leaves();
    let mut pos = vec![0.0f64; 2 * n - 1];
    let mut height = vec![0.0f64; 2 * n - 1];
    for (k, &leaf) in leaves.iter().enumerate() {
        pos[leaf] = leaf_at(k);
    }
    let max_h = z.steps().iter().map(|s| s.height).fold(0.0, f64::max);
    let top = if max_h > 0.0 { max_h * 1.05 } else { 1.0 };
    // Map (leaf-axis position in cells, height) to pixels.
    let map = |p: f64, h: f64| -> (f64, f64) {
        match orientation {
            Orientation::Top => (rect.x + p / span * rect.w, rect.bottom() - h / top * rect.h),
            Orientation::Left => (rect.right() - h / top * rect.w, rect.y + p / span * rect.h),
        }
    };
    for (k, s) in z.steps().iter().enumerate() {
        let id = n + k;
        let (pa, pb) = (pos[s.a], pos[s.b]);
        let (ha, hb) = (height[s.a], height[s.b]);
        pos[id] = (pa + pb) / 2.0;
        height[id] = s.height;
        let (xa0, ya0) = map(pa, ha);
        let (xa1, ya1) = map(pa, s.height);
        let (xb0, yb0) = map(pb, hb);
        let (xb1, yb1) = map(pb, s.height);
        match orientation {
            Orientation::Top => {
                canvas.vline(xa0, ya1.min(ya0), ya1.max(ya0), line_px, LINE);
                canvas.vline(xb0, yb1.min(yb0), yb1.max(yb0), line_px, LINE);
                canvas.hline(xa1.min(xb1), xa1.max(xb1), ya1, line_px, LINE);
            }
            Orientation::Left => {
                canvas.hline(xa1.min(xa0), xa1.max(xa0), ya0, line_px, LINE);
                canvas.hline(xb1.min(xb0), xb1.max(xb0), yb0, line_px, LINE);
                canvas.vline(xa1, ya1.min(yb1), ya1.max(yb1), line_px, LINE);
            }
        }
    }
}
