//! A row's sample variance as a ranking key that cannot overflow or
//! underflow, for `top_variable`.
//!
//! numpy's `var` (and pandas') of a row near `1e200` is `inf` (its squared
//! deviations overflow, as does the sum of `8e307, 1.6e308`); a row of
//! `1e-200`s has variance 0. Ranking on those numbers keeps the wrong
//! rows: every `inf` ties, and the tiny rows tie at 0. Variance scales exactly with a power of two
//! (`var(2^-e·x) = 4^-e·var(x)`), so a row outside `[2^-400, 2^400]` is
//! first brought into `[1, 2)` by [`crate::dtype::pow2_scale`] and its
//! variance kept with the exponent: the key is `var(2^-e·x)·4^e`, compared
//! exactly. Rows in the ordinary range keep their variance to the bit.

use std::cmp::Ordering;

/// The sample variance (ddof = 1, NaN ignored) of a row `x` as
/// `var · 4^e`, with `var` finite (or NaN: fewer than two values).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// Variance of the row scaled by `2^-e`.
    var: f64,
    /// The scaling exponent (0 for rows in the ordinary range).
    e: i32,
}

impl Spread {
    /// The spread of `x` (length m, NaN ignored), as [`super::variance`]
    /// computes a variance, after the exact scaling.
    pub fn of(x: &[f64]) -> Spread {
        let e = scale_exponent(x);
        if e == 0 {
            return Spread {
                var: super::variance(x),
                e,
            };
        }
        let s = 2f64.powi(-e);
        let y: Vec<f64> = x.iter().map(|v| v * s).collect();
        Spread {
            var: super::variance(&y),
            e,
        }
    }

    /// From the sum `ss` of squared deviations of `k` values that were
    /// scaled by `2^-e` (what a streaming reader accumulates); equal to
    /// [`Spread::of`] on the row when the sums run in the row's order.
    pub(crate) fn from_sums(ss: f64, k: usize, e: i32) -> Spread {
        Spread {
            var: super::variance_from(ss, k),
            e,
        }
    }

    /// The variance itself, `inf` or 0 where it leaves `f64`'s range.
    pub fn value(self) -> f64 {
        self.var * 4f64.powi(self.e)
    }

    /// `(binary exponent, significand in [1, 2))` of the variance, `None`
    /// for NaN; a zero variance sorts below every positive one.
    fn key(self) -> Option<(i64, f64)> {
        if self.var.is_nan() {
            return None;
        }
        if self.var == 0.0 {
            return Some((i64::MIN, 0.0));
        }
        let (mut v, mut shift) = (self.var, 0i64);
        if v < f64::MIN_POSITIVE {
            v *= 2f64.powi(64);
            shift = -64;
        }
        let bits = v.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i64 - 1023;
        let sig = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
        Some((exp + shift + 2 * self.e as i64, sig))
    }

    /// Larger spread first, NaN last (equal spreads compare equal; the
    /// caller breaks ties by row position).
    pub fn rank(a: Spread, b: Spread) -> Ordering {
        match (a.key(), b.key()) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(ka), Some(kb)) => {
                kb.0.cmp(&ka.0)
                    .then(kb.1.partial_cmp(&ka.1).unwrap_or(Ordering::Equal))
            }
        }
    }
}

/// `e` with [`crate::dtype::pow2_scale`]`(x) = 2^-e` (0 for the ordinary
/// range).
pub(crate) fn scale_exponent(x: &[f64]) -> i32 {
    let s = crate::dtype::pow2_scale(x);
    -(s.log2() as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extreme_rows_rank_by_their_true_variance() {
        // c · [0, 1, 2] has variance c²; numpy gives inf (1e200, 3e200,
        // and 8e307, whose sum overflows) and 0 (1e-200, 2e-200): ties.
        let cs = [1e-200, 8e307, 1.0, 3e200, 2e-200, 1e200, 0.5];
        let spreads: Vec<Spread> = cs.iter().map(|&c| Spread::of(&[0.0, c, 2.0 * c])).collect();
        let naive: Vec<f64> = cs
            .iter()
            .map(|&c| super::super::variance(&[0.0, c, 2.0 * c]))
            .collect();
        assert!(naive[3].is_infinite() && naive[1].is_infinite() && naive[0] == 0.0);
        let mut idx: Vec<usize> = (0..cs.len()).collect();
        idx.sort_by(|&a, &b| Spread::rank(spreads[a], spreads[b]));
        let mut want = idx.clone();
        want.sort_by(|&a, &b| cs[b].partial_cmp(&cs[a]).unwrap());
        assert_eq!(idx, want);
        // Ordinary rows keep their variance to the bit.
        assert_eq!(spreads[2].value().to_bits(), naive[2].to_bits());
        assert_eq!(
            spreads[6],
            Spread {
                var: naive[6],
                e: 0
            }
        );
        let nan = Spread::of(&[f64::NAN, 1.0]);
        assert_eq!(Spread::rank(nan, spreads[0]), Ordering::Greater);
        assert_eq!(
            Spread::rank(Spread::of(&[2.0, 2.0]), spreads[0]),
            Ordering::Greater
        );
    }
}
