//! Bar-plot annotation tracks (ComplexHeatmap's `anno_barplot`,
//! `col_bars`/`row_bars`): one bar per column (row) at the centre of its
//! cell, [`BAR_WIDTH`] of the cell wide, from a baseline at 0 (negative
//! values the other way), grey (`#CCCCCC`) with a black outline, in a
//! bordered track whose value axis spans the data's range and 0 extended
//! by [`EXTEND`] on both sides — `anno_barplot`'s defaults (`baseline = 0`,
//! `bar_width = 0.6`, `gp = gpar(fill = "#CCCCCC")`, `border = TRUE`,
//! `extend = 0.05`). [`crate::pipeline::side_colors`] builds them from
//! annotation tables; `figure::clustermap` places and draws them.

use super::axes::{BLACK, FONT_PT};
use super::ticks::{auto_ticks, tick_labels};
use crate::render::colormap::Rgb;
use crate::render::fonts::Fonts;
use crate::render::scene::Scene;
use crate::render::text::{self, HAlign, VAlign};

/// A bar's width as a share of its cell (`anno_barplot(bar_width = 0.6)`).
pub const BAR_WIDTH: f64 = 0.6;

/// The share of the value range added beyond it on both sides
/// (`anno_barplot(extend = 0.05)`).
pub const EXTEND: f64 = 0.05;

/// The bars' fill (`gpar(fill = "#CCCCCC")`).
pub const FILL: Rgb = [0xCC, 0xCC, 0xCC];

/// Size of the value axis' tick labels, points.
pub(crate) const AXIS_PT: f64 = 8.0;

/// Space between tracks, and between the tracks and the colour strips
/// (or the heatmap), points.
pub(crate) const GAP_PT: f64 = 4.0;

/// The thinnest track drawn, points: thinner, the layout leaves an axis'
/// tracks out (with a warning).
pub(crate) const MIN_PT: f64 = 8.0;

/// Length of a value tick, points; its label starts 2 pt beyond it.
const TICK_PT: f64 = 3.0;

/// One bar track: a number per observation.
#[derive(Debug, Clone, PartialEq)]
pub struct Bars {
    /// The track's title (the annotation column's name).
    pub name: String,
    /// One value per observation, input order; NaN draws no bar (a
    /// missing value, or a label the table lacks).
    pub values: Vec<f64>,
    /// Labels that had no entry in the table (drawn without a bar).
    pub unmatched: Vec<String>,
}

impl Bars {
    /// The value axis' limits `(lo, hi)`: the finite values' range and the
    /// baseline 0, extended by [`EXTEND`] of its length on both sides;
    /// `(0, 1)` when that range is empty (no values, all 0).
    pub fn limits(&self) -> (f64, f64) {
        let (lo, hi) = self
            .values
            .iter()
            .filter(|v| v.is_finite())
            .fold((0.0f64, 0.0f64), |(a, b), &v| (a.min(v), b.max(v)));
        if hi > lo {
            let e = (hi - lo) * EXTEND;
            (lo - e, hi + e)
        } else {
            (0.0, 1.0)
        }
    }

    /// The value ticks within [`Bars::limits`] for a track `thick_pt`
    /// points across, and their labels (the colour bar's locator: at
    /// least two bins).
    pub fn ticks(&self, thick_pt: f64) -> Vec<(f64, String)> {
        let (lo, hi) = self.limits();
        let t = auto_ticks(lo, hi, thick_pt.max(4.0 * AXIS_PT), AXIS_PT);
        let l = tick_labels(&t);
        t.into_iter().zip(l).collect()
    }
}

/// The bars of one track along one slice of an axis: `(along0, along1,
/// across0, across1)` pixels per drawn bar, for the observations `order`
/// (input indices, display order) filling `len` pixels from `start`, the
/// value `v` at `near - (v - lo) / (hi - lo) * thick` (the baseline side
/// is `near`; larger values away from it).
pub(crate) fn bar_boxes(
    b: &Bars,
    order: &[usize],
    (start, len): (f64, f64),
    near: f64,
    thick: f64,
) -> Vec<(f64, f64, f64, f64)> {
    let (lo, hi) = b.limits();
    let at = |v: f64| near - (v - lo) / (hi - lo) * thick;
    let n = order.len().max(1) as f64;
    let cell = len / n;
    order
        .iter()
        .enumerate()
        .filter_map(|(i, &o)| {
            let v = b.values[o];
            v.is_finite().then(|| {
                let c = start + (i as f64 + 0.5) * cell;
                let half = BAR_WIDTH * cell / 2.0;
                let (a, z) = (at(0.0), at(v));
                (c - half, c + half, a.min(z), a.max(z))
            })
        })
        .collect()
}

/// Width (pixels) of what a column track shows right of its end: value
/// ticks, their labels, the track's name.
pub(crate) fn col_side_width(fonts: &Fonts, bars: &[Bars], thick_pt: f64, k: f64) -> f64 {
    bars.iter()
        .map(|b| {
            let labels = b
                .ticks(thick_pt)
                .iter()
                .map(|(_, l)| text::width(fonts, l, AXIS_PT * k))
                .fold(0.0, f64::max);
            (TICK_PT + 2.0) * k + labels + 5.0 * k + text::width(fonts, &b.name, FONT_PT * k)
        })
        .fold(0.0, f64::max)
}

/// Height (pixels) of a row track's value axis above the heatmap: ticks
/// and one line of labels.
pub(crate) fn row_axis_height(fonts: &Fonts, k: f64) -> f64 {
    (TICK_PT + 2.0) * k + text::line_height(fonts, AXIS_PT * k)
}

/// Height (pixels) of the row tracks' names below the heatmap (turned, as
/// the strips' names, after a 7 pt tick).
pub(crate) fn row_name_height(fonts: &Fonts, bars: &[Bars], k: f64) -> f64 {
    bars.iter()
        .map(|b| 7.0 * k + text::width(fonts, &b.name, FONT_PT * k))
        .fold(0.0, f64::max)
}

/// A track's geometry along its axis: the slices' `(start, length)`
/// pixels and sizes, and the display order (input indices).
pub(crate) struct Along<'a> {
    /// Each slice's start and length, pixels.
    pub spans: &'a [(f64, f64)],
    /// Each slice's number of observations.
    pub sizes: &'a [usize],
    /// Input indices in display order.
    pub order: &'a [usize],
}

/// Draws the bars, the bordered box of each slice and each bar's outline
/// (where a bar is at least 3 px wide); `vertical` bars stand on a column
/// track, else they lie along a row track.
fn draw_track(
    canvas: &mut Scene,
    b: &Bars,
    along: &Along,
    near: f64,
    thick: f64,
    vertical: bool,
    k: f64,
) {
    let line = 0.5 * k;
    let mut at = 0;
    for (&span, &n) in along.spans.iter().zip(along.sizes) {
        let order = &along.order[at..at + n];
        at += n;
        for (a0, a1, c0, c1) in bar_boxes(b, order, span, near, thick) {
            if vertical {
                canvas.fill_rect(a0, c0, a1, c1, FILL);
            } else {
                canvas.fill_rect(c0, a0, c1, a1, FILL);
            }
            if a1 - a0 >= 3.0 {
                for a in [a0, a1] {
                    if vertical {
                        canvas.vline(a, c0, c1, line, BLACK);
                    } else {
                        canvas.hline(c0, c1, a, line, BLACK);
                    }
                }
                for c in [c0, c1] {
                    if vertical {
                        canvas.hline(a0, a1, c, line, BLACK);
                    } else {
                        canvas.vline(c, a0, a1, line, BLACK);
                    }
                }
            }
        }
        // The track's border (`border = TRUE`).
        let (s, l) = span;
        let far = near - thick;
        if vertical {
            canvas.hline(s, s + l, near, line, BLACK);
            canvas.hline(s, s + l, far, line, BLACK);
            canvas.vline(s, far, near, line, BLACK);
            canvas.vline(s + l, far, near, line, BLACK);
        } else {
            canvas.vline(near, s, s + l, line, BLACK);
            canvas.vline(far, s, s + l, line, BLACK);
            canvas.hline(far, near, s, line, BLACK);
            canvas.hline(far, near, s + l, line, BLACK);
        }
    }
}

/// Of labels `(centre, half extent)` along an axis, in order, those that
/// keep 2 px from the previous one kept, each moved inside `[lo, hi]`.
fn spaced(items: Vec<(f64, f64)>, lo: f64, hi: f64) -> Vec<Option<f64>> {
    let mut last = f64::NEG_INFINITY;
    items
        .into_iter()
        .map(|(c, half)| {
            let c = if hi - lo > 2.0 * half {
                c.clamp(lo + half, hi - half)
            } else {
                (lo + hi) / 2.0
            };
            (c - half >= last + 2.0).then(|| {
                last = c + half;
                c
            })
        })
        .collect()
}

/// Draws a column track (bars standing up) from `top`, `thick` pixels
/// tall, along the columns' slices; its value axis right of `axis_x` (the
/// heatmap's right edge) with the track's name beyond the tick labels.
pub(crate) fn draw_col(
    canvas: &mut Scene,
    b: &Bars,
    along: &Along,
    top: f64,
    thick: f64,
    axis_x: f64,
    k: f64,
) {
    let near = top + thick;
    draw_track(canvas, b, along, near, thick, true, k);
    let fonts = canvas.fonts.clone();
    let (lo, hi) = b.limits();
    let ticks = b.ticks(thick / k);
    let lh = text::line_height(&fonts, AXIS_PT * k);
    let y = |v: f64| near - (v - lo) / (hi - lo) * thick;
    // Low values (bottom) first, so the labels are kept from the baseline
    // side up (positions negated: increasing upwards).
    let items: Vec<(f64, f64)> = ticks.iter().map(|(v, _)| (-y(*v), lh / 2.0)).collect();
    let kept = spaced(items, -near, -top);
    for ((v, l), at) in ticks.iter().zip(kept) {
        canvas.hline(axis_x, axis_x + TICK_PT * k, y(*v), 0.8 * k, BLACK);
        if let Some(cy) = at {
            canvas.text(
                l,
                axis_x + (TICK_PT + 2.0) * k,
                -cy,
                AXIS_PT * k,
                BLACK,
                HAlign::Left,
                VAlign::Center,
                false,
            );
        }
    }
    let all_w = ticks
        .iter()
        .map(|(_, l)| text::width(&fonts, l, AXIS_PT * k))
        .fold(0.0, f64::max);
    canvas.text(
        &b.name,
        axis_x + (TICK_PT + 2.0) * k + all_w + 5.0 * k,
        top + thick / 2.0,
        FONT_PT * k,
        BLACK,
        HAlign::Left,
        VAlign::Center,
        false,
    );
}

/// Draws a row track (bars growing leftwards, away from the heatmap) from
/// `left`, `thick` pixels wide, along the rows' slices; its value axis
/// above `axis_y` (the heatmap's top), the tick labels kept within
/// `labels_within` (x from, to; pixels), and its name turned below
/// `name_y` (the heatmap's bottom), as the strips' names.
#[allow(clippy::too_many_arguments)]
pub(crate) fn draw_row(
    canvas: &mut Scene,
    b: &Bars,
    along: &Along,
    (left, thick): (f64, f64),
    labels_within: (f64, f64),
    axis_y: f64,
    name_y: f64,
    k: f64,
) {
    let near = left + thick;
    draw_track(canvas, b, along, near, thick, false, k);
    let fonts = canvas.fonts.clone();
    let (lo, hi) = b.limits();
    let ticks = b.ticks(thick / k);
    let x = |v: f64| near - (v - lo) / (hi - lo) * thick;
    // Low values (right, at the heatmap) first.
    let items: Vec<(f64, f64)> = ticks
        .iter()
        .map(|(v, l)| (-x(*v), text::width(&fonts, l, AXIS_PT * k) / 2.0))
        .collect();
    let kept = spaced(items, -labels_within.1, -labels_within.0);
    for ((v, l), at) in ticks.iter().zip(kept) {
        canvas.vline(x(*v), axis_y - TICK_PT * k, axis_y, 0.8 * k, BLACK);
        if let Some(cx) = at {
            canvas.text(
                l,
                -cx,
                axis_y - (TICK_PT + 2.0) * k,
                AXIS_PT * k,
                BLACK,
                HAlign::Center,
                VAlign::Bottom,
                false,
            );
        }
    }
    let lx = left + thick / 2.0;
    canvas.vline(lx, name_y, name_y + 3.5 * k, 0.8 * k, BLACK);
    canvas.text(
        &b.name,
        lx,
        name_y + 7.0 * k,
        FONT_PT * k,
        BLACK,
        HAlign::Center,
        VAlign::Top,
        true,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bars(values: &[f64]) -> Bars {
        Bars {
            name: "depth".into(),
            values: values.to_vec(),
            unmatched: vec![],
        }
    }

    #[test]
    fn limits_hold_zero_and_extend_five_percent() {
        // anno_barplot: range(c(range(x), baseline)) + c(-1, 1) * 0.05 * diff.
        assert_eq!(bars(&[2.0, 10.0, f64::NAN]).limits(), (-0.5, 10.5));
        assert_eq!(bars(&[-4.0, 6.0]).limits(), (-4.5, 6.5));
        assert_eq!(bars(&[-2.0, -1.0]).limits(), (-2.1, 0.1));
        assert_eq!(bars(&[0.0, f64::NAN]).limits(), (0.0, 1.0));
        assert_eq!(bars(&[]).limits(), (0.0, 1.0));
        let t = bars(&[2.0, 10.0]).ticks(28.35);
        assert!(t.len() >= 2, "{t:?}");
        assert!(t.iter().all(|(v, _)| (-0.5..=10.5).contains(v)), "{t:?}");
        assert_eq!(t[0], (0.0, "0".to_string()));
    }

    #[test]
    fn bars_sit_at_cell_centres_from_the_baseline_and_nan_draws_none() {
        // Four cells over 40 px from x = 100: centres 105, 115, 125, 135;
        // 0.6 of a 10 px cell = 6 px wide. Values -1, NaN, 3, 0 over
        // limits (-1.2, 3.2), 44 px across from near = 200 (upwards).
        let b = bars(&[-1.0, f64::NAN, 3.0, 0.0]);
        let (lo, hi) = b.limits();
        assert!((lo + 1.2).abs() < 1e-12 && (hi - 3.2).abs() < 1e-12);
        let got = bar_boxes(&b, &[0, 1, 2, 3], (100.0, 40.0), 200.0, 44.0);
        assert_eq!(got.len(), 3, "no bar for NaN: {got:?}");
        let px = |v: f64| 200.0 - (v + 1.2) / 4.4 * 44.0;
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        let (a0, a1, c0, c1) = got[0];
        assert!(close(a0, 102.0) && close(a1, 108.0));
        // A negative bar hangs below the baseline.
        assert!(close(c0, px(0.0)) && close(c1, px(-1.0)) && c1 > c0);
        let (a0, a1, c0, c1) = got[1];
        assert!(close(a0, 122.0) && close(a1, 128.0));
        assert!(close(c0, px(3.0)) && close(c1, px(0.0)) && c1 > c0);
        // A zero draws an empty bar at the baseline.
        let (a0, _, c0, c1) = got[2];
        assert!(close(a0, 132.0) && close(c0, c1));
        // The display order picks the values: reversed, the NaN is third.
        let got = bar_boxes(&b, &[3, 2, 1, 0], (100.0, 40.0), 200.0, 44.0);
        assert!(close(got[0].0, 102.0) && close(got[1].0, 112.0) && close(got[2].0, 132.0));
    }

    #[test]
    fn labels_too_close_are_dropped_and_kept_inside() {
        // Three labels 6 px wide (half 3) at 0, 4 and 20 within [0, 30]:
        // the first moved in to 3, the second too close, the third kept.
        let got = spaced(vec![(0.0, 3.0), (4.0, 3.0), (20.0, 3.0)], 0.0, 30.0);
        assert_eq!(got, vec![Some(3.0), None, Some(20.0)]);
    }
}
