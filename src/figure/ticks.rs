//! Numbers on axes: matplotlib's `MaxNLocator` (the colour bar's
//! `AutoLocator`), its `ScalarFormatter` look (same decimals on every
//! tick, a real minus sign), and Python format specs for annotations.

/// Tick positions within `[vmin, vmax]` for an axis `length_pt` long with
/// tick labels of `label_pt` (matplotlib: `nbins = clip(length/(2·size), 1, 9)`
/// for a vertical axis, steps 1, 2, 2.5, 5, 10).
pub fn auto_ticks(vmin: f64, vmax: f64, length_pt: f64, label_pt: f64) -> Vec<f64> {
    if vmax.partial_cmp(&vmin) != Some(std::cmp::Ordering::Greater)
        || !vmin.is_finite()
        || !vmax.is_finite()
    {
        return if vmin.is_finite() { vec![vmin] } else { vec![] };
    }
    let nbins = ((length_pt / (2.0 * label_pt)).floor() as usize).clamp(1, 9);
    let ticks = max_n_locator(vmin, vmax, nbins);
    let eps = (vmax - vmin) * 1e-10;
    ticks
        .into_iter()
        .filter(|&t| t >= vmin - eps && t <= vmax + eps)
        .collect()
}

fn scale_range(vmin: f64, vmax: f64, n: usize) -> (f64, f64) {
    let dv = (vmax - vmin).abs();
    let meanv = (vmax + vmin) / 2.0;
    let offset = if meanv.abs() / dv < 100.0 {
        0.0
    } else {
        10f64.powf(meanv.abs().log10().floor()).copysign(meanv)
    };
    let scale = 10f64.powf((dv / n as f64).log10().floor());
    (scale, offset)
}

fn max_n_locator(vmin: f64, vmax: f64, nbins: usize) -> Vec<f64> {
    let (scale, offset) = scale_range(vmin, vmax, nbins);
    let (lo, hi) = (vmin - offset, vmax - offset);
    let base = [0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0, 20.0];
    let steps: Vec<f64> = base.iter().map(|s| s * scale).collect();
    let raw = (hi - lo) / nbins as f64;
    // The smallest step at least `raw`. (matplotlib narrows this further
    // only under `axes.autolimit_mode = "round_numbers"`; the default is
    // "data".)
    let istep = steps
        .iter()
        .position(|&s| s >= raw)
        .unwrap_or(steps.len() - 1);
    let tol = if offset > 0.0 {
        let digits = (offset / steps[istep]).log10();
        (10f64.powf(digits - 12.0)).clamp(1e-10, 0.4999)
    } else {
        1e-10
    };
    let mut best = Vec::new();
    for &step in steps[..=istep].iter().rev() {
        let best_vmin = (lo / step).floor() * step;
        let le = |x: f64| {
            let (d, m) = (x.div_euclid(step), x.rem_euclid(step));
            if (m / step - 1.0).abs() < tol {
                d + 1.0
            } else {
                d
            }
        };
        let ge = |x: f64| {
            let (d, m) = (x.div_euclid(step), x.rem_euclid(step));
            if (m / step).abs() < tol {
                d
            } else {
                d + 1.0
            }
        };
        let (low, high) = (le(lo - best_vmin), ge(hi - best_vmin));
        let ticks: Vec<f64> = (low as i64..=high as i64)
            .map(|k| k as f64 * step + best_vmin)
            .collect();
        let n = ticks.iter().filter(|&&t| t <= hi && t >= lo).count();
        best = ticks;
        if n >= 2 {
            break;
        }
    }
    best.into_iter().map(|t| t + offset).collect()
}

/// Labels for `ticks` with a common number of decimals (the fewest that
/// show every tick exactly), and U+2212 for negatives, as matplotlib does.
pub fn tick_labels(ticks: &[f64]) -> Vec<String> {
    let decimals = (0..=8)
        .find(|&k| {
            let p = 10f64.powi(k);
            ticks
                .iter()
                .all(|t| ((t * p).round() / p - t).abs() <= 1e-9 * t.abs().max(1e-12))
        })
        .unwrap_or(8) as usize;
    ticks
        .iter()
        .map(|&t| {
            let t = if t.abs() < 1e-12 { 0.0 } else { t };
            let s = format!("{t:.decimals$}");
            s.replace('-', "\u{2212}")
        })
        .collect()
}

/// Formats `v` with a Python format spec (seaborn's `fmt`: `.2g`,
/// `,.0f`, `+.1%`, …): Python's `format(v, spec)`, see
/// [`crate::render::pyformat`].
pub fn format_value(v: f64, spec: &str) -> String {
    crate::render::pyformat::format(v, spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colourbar_ticks_like_matplotlib() {
        // seed heatmap: data range about [-3.24, 4.97], bar 620 px at 100 dpi.
        let t = auto_ticks(-3.24, 4.97, 620.0 * 0.72, 10.0);
        assert_eq!(t, vec![-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0]);
        let t = auto_ticks(-0.88, 1.0, 500.0 * 0.72, 10.0);
        assert_eq!(t, vec![-0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(tick_labels(&t)[0], "\u{2212}0.75");
        assert_eq!(tick_labels(&[0.0, 2.0])[1], "2");
        // seaborn's clustermap bar (0.18 x 10 in = 129.6 pt, 6 bins) over
        // [-4.85, 7.0]: step 2, although 6 steps of 2 from -6 stop short
        // of 7 (that constraint is matplotlib's non-default
        // "round_numbers" mode).
        let t = auto_ticks(-4.85, 7.0, 129.6, 10.0);
        assert_eq!(t, vec![-4.0, -2.0, 0.0, 2.0, 4.0, 6.0]);
    }

    #[test]
    fn python_format_specs() {
        assert_eq!(format_value(0.12345, ".2f"), "0.12");
        assert_eq!(format_value(0.12345, ".2g"), "0.12");
        assert_eq!(format_value(1234.5, ".2g"), "1.2e+03");
        assert_eq!(format_value(0.00001234, ".2g"), "1.2e-05");
        assert_eq!(format_value(2.0, ".2g"), "2");
        assert_eq!(format_value(-1.5, ".1e"), "-1.5e+00");
        assert_eq!(format_value(3.7, "d"), "4");
    }
}
