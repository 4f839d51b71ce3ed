//! From data to colour range: seaborn's `_determine_cmap_params`. Masked
//! and NaN cells are excluded from the range; `robust` uses the 2nd and
//! 98th percentiles (numpy's linear interpolation) for the bounds not given;
//! a `center` re-centres the map (`Colormap::centered`).

use super::colormap::{Colormap, Rgb};
use crate::error::Result;

/// The user's colour options.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ColorOptions {
    /// Colour map name (matplotlib/seaborn, `NAME_r` reversed); default
    /// `rocket`, `icefire` when `center` is set (seaborn's defaults).
    pub cmap: Option<String>,
    /// Value at the bottom of the bar; default the data's minimum.
    pub vmin: Option<f64>,
    /// Value at the top of the bar; default the data's maximum.
    pub vmax: Option<f64>,
    /// Value at the map's midpoint (seaborn's `center`).
    pub center: Option<f64>,
    /// Unset bounds from the 2nd and 98th percentiles instead of the
    /// extremes (seaborn's `robust`).
    #[serde(default)]
    pub robust: bool,
}

/// A resolved colour scale: values in `[vmin, vmax]` map onto `cmap`.
#[derive(Debug, Clone)]
pub struct ColorScale {
    /// Value mapped to the map's first colour.
    pub vmin: f64,
    /// Value mapped to the map's last colour.
    pub vmax: f64,
    /// The colour map (already re-centred for `center`).
    pub cmap: Colormap,
}

impl ColorScale {
    /// Resolves options against the visible values (NaN = not visible).
    pub fn resolve(opts: &ColorOptions, visible: impl Iterator<Item = f64>) -> Result<ColorScale> {
        let mut vals: Vec<f64> = visible.filter(|v| !v.is_nan()).collect();
        let need_data = opts.vmin.is_none() || opts.vmax.is_none();
        let mut range = None;
        if need_data && !vals.is_empty() {
            if opts.robust {
                vals.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
                range = Some((
                    percentile_sorted(&vals, 2.0),
                    percentile_sorted(&vals, 98.0),
                ));
            } else {
                range = Some((
                    vals.iter().copied().fold(f64::INFINITY, f64::min),
                    vals.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                ));
            }
        }
        ColorScale::from_range(opts, range)
    }

    /// [`ColorScale::resolve`] given the data's range instead of its values:
    /// `range` is (smallest, largest) visible value, `None` when no value
    /// is visible. `robust` is not applied (it needs the values).
    pub fn from_range(opts: &ColorOptions, range: Option<(f64, f64)>) -> Result<ColorScale> {
        let need_data = opts.vmin.is_none() || opts.vmax.is_none();
        let (lo, hi) = match range {
            Some(r) if need_data => r,
            _ => (0.0, 1.0),
        };
        // seaborn re-centres the map on the range as given (before
        // matplotlib's colour bar widens an empty one), so an empty range
        // with a `center` paints every cell one colour.
        let (given_lo, given_hi) = (opts.vmin.unwrap_or(lo), opts.vmax.unwrap_or(hi));
        let (vmin, vmax) = nonsingular(given_lo, given_hi);
        let name = opts.cmap.clone().unwrap_or_else(|| {
            if opts.center.is_some() {
                "icefire".into()
            } else {
                "rocket".into()
            }
        });
        let mut cmap = Colormap::by_name(&name)?;
        if let Some(c) = opts.center {
            cmap = cmap.centered(given_lo, given_hi, c);
        }
        Ok(ColorScale { vmin, vmax, cmap })
    }

    /// Position of `v` in [0, 1] on the bar (matplotlib's `Normalize`; the
    /// range is never flat after [`nonsingular`]).
    #[inline]
    pub fn norm(&self, v: f64) -> f64 {
        if self.vmax > self.vmin {
            let span = self.vmax - self.vmin;
            if span.is_finite() {
                (v - self.vmin) / span
            } else {
                // A range wider than f64 (vmin -1e308, vmax 1e308): halves.
                (v * 0.5 - self.vmin * 0.5) / (self.vmax * 0.5 - self.vmin * 0.5)
            }
        } else {
            0.0
        }
    }

    /// The colour of `v`, `None` for NaN (not drawn).
    #[inline]
    pub fn color(&self, v: f64) -> Option<Rgb> {
        if v.is_nan() {
            None
        } else {
            Some(self.cmap.at(self.norm(v)))
        }
    }
}

/// matplotlib's `transforms.nonsingular(vmin, vmax, expander=0.1)`, which
/// the colour bar applies to the norm (so seaborn's cells follow it): an
/// empty range `v, v` widens to `v − 0.1|v|, v + 0.1|v|` (`−0.1, 0.1` at
/// zero); a proper range is returned as is.
pub(crate) fn nonsingular(vmin: f64, vmax: f64) -> (f64, f64) {
    const EXPANDER: f64 = 0.1;
    const TINY: f64 = 1e-15;
    let max_abs = vmin.abs().max(vmax.abs());
    if max_abs < (1e6 / TINY) * f64::MIN_POSITIVE {
        return (-EXPANDER, EXPANDER);
    }
    if vmax - vmin <= max_abs * TINY {
        if vmax == 0.0 && vmin == 0.0 {
            return (-EXPANDER, EXPANDER);
        }
        return (vmin - EXPANDER * vmin.abs(), vmax + EXPANDER * vmax.abs());
    }
    (vmin, vmax)
}

/// numpy's `percentile` with linear interpolation on sorted data.
pub(crate) fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let pos = q / 100.0 * (n - 1) as f64;
    let i = pos.floor() as usize;
    let frac = pos - i as f64;
    if i + 1 >= n {
        sorted[n - 1]
    } else {
        sorted[i] + (sorted[i + 1] - sorted[i]) * frac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_range_widens_as_matplotlibs_colour_bar_widens_it() {
        // --vmin 5 --vmax 5 on -10, 0, 30: seaborn's colour bar makes the
        // norm 4.5..5.5, so -10 and 0 take the bottom colour, 30 the top.
        let o = ColorOptions {
            cmap: Some("viridis".into()),
            vmin: Some(5.0),
            vmax: Some(5.0),
            center: None,
            robust: false,
        };
        let s = ColorScale::resolve(&o, [-10.0, 0.0, 30.0].into_iter()).unwrap();
        assert_eq!((s.vmin, s.vmax), (4.5, 5.5));
        let (bottom, top) = (s.cmap.at(0.0), s.cmap.at(1.0));
        assert_eq!(s.color(-10.0), Some(bottom));
        assert_eq!(s.color(0.0), Some(bottom));
        assert_eq!(s.color(30.0), Some(top));
        // A constant matrix (the data's own range is empty) and zero.
        assert_eq!(nonsingular(-2.0, -2.0), (-2.2, -1.8));
        assert_eq!(nonsingular(0.0, 0.0), (-0.1, 0.1));
        assert_eq!(nonsingular(1.0, 3.0), (1.0, 3.0));
    }

    #[test]
    fn an_empty_range_with_a_center_is_one_colour_as_in_seaborn() {
        // seaborn re-centres icefire on 5..5 about 0 (every entry
        // icefire(1.0)), then the colour bar widens the norm: every cell,
        // -10 and 30 alike, is icefire(1.0). With center = 5 matplotlib's
        // Normalize(5, 5) maps everything to 0: icefire(0.0).
        let icefire = Colormap::by_name("icefire").unwrap();
        for (center, want) in [(0.0, icefire.at(1.0)), (5.0, icefire.at(0.0))] {
            let o = ColorOptions {
                vmin: Some(5.0),
                vmax: Some(5.0),
                center: Some(center),
                ..Default::default()
            };
            let s = ColorScale::resolve(&o, [-10.0, 0.0, 30.0].into_iter()).unwrap();
            assert_eq!((s.vmin, s.vmax), (4.5, 5.5));
            for v in [-10.0, 0.0, 5.0, 30.0] {
                assert_eq!(s.color(v), Some(want), "center {center}, value {v}");
            }
        }
        // A constant matrix with a center: the same rule from the data.
        let o = ColorOptions {
            center: Some(0.0),
            ..Default::default()
        };
        let s = ColorScale::resolve(&o, [2.0, 2.0].into_iter()).unwrap();
        assert_eq!(s.color(2.0), Some(icefire.at(1.0)));
    }

    #[test]
    fn defaults_follow_seaborn() {
        let s = ColorScale::resolve(&ColorOptions::default(), [1.0, f64::NAN, 3.0].into_iter())
            .unwrap();
        assert_eq!((s.vmin, s.vmax), (1.0, 3.0));
        assert_eq!(s.cmap, Colormap::by_name("rocket").unwrap());
        let o = ColorOptions {
            center: Some(0.0),
            ..Default::default()
        };
        let s = ColorScale::resolve(&o, [-1.0, 3.0].into_iter()).unwrap();
        assert_eq!(s.cmap.len(), 256);
        assert_eq!((s.vmin, s.vmax), (-1.0, 3.0));
    }

    #[test]
    fn robust_uses_numpy_percentiles() {
        let v: Vec<f64> = (0..101).map(|i| i as f64).collect();
        assert_eq!(percentile_sorted(&v, 2.0), 2.0);
        assert_eq!(percentile_sorted(&[0.0, 10.0], 98.0), 9.8);
    }
}
