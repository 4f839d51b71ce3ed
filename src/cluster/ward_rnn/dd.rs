//! Double-double arithmetic (an unevaluated sum `hi + lo` of two `f64`)
//! for the centroids, and the sums of squares the costs and the screen
//! are built from.

/// `a + b` as an unevaluated sum `(s, e)`, exactly (Knuth).
#[inline(always)]
pub(super) fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// Double-double `(hi, lo) · m`, `m` an integer-valued `f64`.
#[inline(always)]
pub(super) fn dd_mul(hi: f64, lo: f64, m: f64) -> (f64, f64) {
    let p = hi * m;
    let e = hi.mul_add(m, -p);
    two_sum(p, e + lo * m)
}

/// Double-double `a + b`.
#[inline(always)]
pub(super) fn dd_add(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    let (s, e) = two_sum(a.0, b.0);
    let (hi, lo) = two_sum(s, e + a.1 + b.1);
    (hi, lo)
}

/// Double-double `(hi, lo) / m`.
#[inline(always)]
pub(super) fn dd_div(a: (f64, f64), m: f64) -> (f64, f64) {
    let q = a.0 / m;
    let p = q * m;
    let pe = q.mul_add(m, -p);
    let r = ((a.0 - p) - pe) + a.1;
    two_sum(q, r / m)
}

/// The CPU has AVX-512F and FMA (checked once, then a cached flag).
#[cfg(target_arch = "x86_64")]
#[inline]
pub(super) fn wide() -> bool {
    std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("fma")
}

/// `‖a − b‖²` of double-double vectors (lengths a multiple of 8), each
/// difference to full precision, summed in eight lanes.
#[inline]
pub(super) fn sqdist_dd((ah, al): (&[f64], &[f64]), (bh, bl): (&[f64], &[f64])) -> f64 {
    let mut acc = [0.0f64; 8];
    for (((x, xl), y), yl) in ah
        .chunks_exact(8)
        .zip(al.chunks_exact(8))
        .zip(bh.chunks_exact(8))
        .zip(bl.chunks_exact(8))
    {
        for l in 0..8 {
            let (s, e) = two_sum(x[l], -y[l]);
            let t = s + (e + (xl[l] - yl[l]));
            acc[l] += t * t;
        }
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
}

/// Squared norm of an `f64` vector.
#[inline]
pub(super) fn sqdist0(a: &[f64]) -> f64 {
    a.iter().map(|v| v * v).sum()
}

/// Squared norm of an `f32` vector, in `f64`.
#[inline]
pub(super) fn norm2_f32(a: &[f32]) -> f64 {
    a.iter().map(|&v| v as f64 * v as f64).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `v · 2^k` as an integer, rounded toward zero; `exact` says no bit
    /// of `v` lay below `2^-k`.
    fn fixed(v: f64, k: i32) -> (i128, bool) {
        let bits = v.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i32;
        let frac = (bits & ((1u64 << 52) - 1)) as i128;
        let (mant, e2) = if exp == 0 {
            (frac, -1074)
        } else {
            (frac | 1 << 52, exp - 1075)
        };
        let shift = e2 + k;
        assert!(shift < 127 - 53, "{v} · 2^{k} overflows");
        let (mag, exact) = if shift >= 0 {
            (mant << shift, true)
        } else if shift > -64 {
            (mant >> -shift, mant & ((1 << -shift) - 1) == 0)
        } else {
            (0, mant == 0)
        };
        (if v < 0.0 { -mag } else { mag }, exact)
    }

    /// `v · 2^k`, which must be an integer.
    fn exact(v: f64, k: i32) -> i128 {
        let (x, ok) = fixed(v, k);
        assert!(ok, "{v:e} has bits below 2^-{k}");
        x
    }

    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 11 // 53 bits
        }

        /// `±m · 2^e` with `m` a random integer of exactly `bits` bits.
        fn dyadic(&mut self, bits: u32, e: i32) -> f64 {
            let m = (self.next() >> (53 - bits)) | 1 << (bits - 1);
            let sign = if self.next() & 1 == 0 { 1.0 } else { -1.0 };
            sign * m as f64 * 2f64.powi(e)
        }

        /// A random integer in `1..=max`.
        fn int(&mut self, max: u64) -> f64 {
            (1 + self.next() % max) as f64
        }
    }

    /// A double-double `hi + lo`: `|hi|` in `[1, 2^10)`, `lo` a multiple
    /// of `2^-100` under `2^-60` (below half an ulp of `hi`).
    fn dd(rng: &mut Lcg) -> (f64, f64) {
        let e = (rng.next() % 10) as i32;
        (rng.dyadic(53, e - 52), rng.dyadic(40, -100))
    }

    #[test]
    fn two_sum_error_term_is_exact() {
        let mut rng = Lcg(1);
        let mut lossy = 0;
        for _ in 0..10_000 {
            // |a| in [1, 2^20), |b| in [2^-30, 1): every bit of both, and
            // of their sum, is a multiple of 2^-82.
            let (ea, eb) = ((rng.next() % 20) as i32, (rng.next() % 30) as i32);
            let a = rng.dyadic(53, ea - 52);
            let b = rng.dyadic(53, eb - 82);
            for (x, y) in [(a, b), (b, a)] {
                let (s, e) = two_sum(x, y);
                assert_eq!(s, x + y);
                assert_eq!(exact(x, 82) + exact(y, 82), exact(s, 82) + exact(e, 82));
                assert_eq!(s + e, s, "e is below half an ulp of s");
            }
            lossy += (two_sum(a, b).1 != 0.0) as u32;
        }
        // The rounded sum lost bits nearly every time: e carried them.
        assert!(lossy > 9_000, "{lossy}");
    }

    #[test]
    fn dd_mul_is_exact_for_a_single_double() {
        let mut rng = Lcg(2);
        let mut lossy = 0;
        for _ in 0..10_000 {
            let e = (rng.next() % 10) as i32;
            let hi = rng.dyadic(53, e - 52);
            let m = rng.int(1 << 12);
            let (s, e) = dd_mul(hi, 0.0, m);
            // The rounded product and its error, by one FMA.
            assert_eq!(s, hi * m);
            assert_eq!(e, hi.mul_add(m, -(hi * m)));
            assert_eq!(exact(s, 52) + exact(e, 52), exact(hi, 52) * m as i128);
            lossy += (e != 0.0) as u32;
        }
        assert!(lossy > 9_000, "{lossy}");
    }

    #[test]
    fn dd_mul_keeps_double_double_precision() {
        let mut rng = Lcg(3);
        for _ in 0..10_000 {
            let (hi, lo) = dd(&mut rng);
            let m = rng.int(1 << 12);
            let (s, e) = dd_mul(hi, lo, m);
            let want = (exact(hi, 100) + exact(lo, 100)) * m as i128;
            let err = exact(s, 100) + exact(e, 100) - want;
            assert!(err.abs() <= want.abs() >> 104, "{hi:e} {lo:e} × {m}: {err}");
            assert!(e.abs() <= s.abs() * f64::EPSILON / 2.0);
        }
    }

    #[test]
    fn dd_add_keeps_both_low_parts() {
        // 1 + 2^-60 and -1 + 2^-70: the high parts cancel, the sum is in
        // the low parts only.
        let lo = 2f64.powi(-60) + 2f64.powi(-70);
        assert_eq!(
            dd_add((1.0, 2f64.powi(-60)), (-1.0, 2f64.powi(-70))),
            (lo, 0.0)
        );
        let mut rng = Lcg(4);
        for _ in 0..10_000 {
            let (a, b) = (dd(&mut rng), dd(&mut rng));
            let (s, e) = dd_add(a, b);
            let want = exact(a.0, 100) + exact(a.1, 100) + exact(b.0, 100) + exact(b.1, 100);
            let err = exact(s, 100) + exact(e, 100) - want;
            // Dropping a low part would be off by up to 2^-60, rounding
            // the sum of the high parts by up to 2^-43.
            let scale = exact(a.0.abs().max(b.0.abs()), 100);
            assert!(err.abs() <= scale >> 102, "{a:?} + {b:?}: {err}");
        }
    }

    #[test]
    fn dd_div_keeps_double_double_precision() {
        let mut rng = Lcg(5);
        for _ in 0..10_000 {
            let a = dd(&mut rng);
            let m = rng.int(1 << 8);
            let (s, e) = dd_div(a, m);
            // (s + e) · m against a, at 2^-112 (the bits of e below it
            // are truncated: at most m units).
            let want = exact(a.0, 112) + exact(a.1, 112);
            let got = (exact(s, 112) + fixed(e, 112).0) * m as i128;
            assert!(
                (got - want).abs() <= (want.abs() >> 100) + m as i128,
                "{a:?} / {m}: {}",
                got - want
            );
        }
    }

    #[test]
    fn fma_instructions_give_the_same_bits_as_calls() {
        // The merge's steps compiled with FMA instructions against the
        // portable code (which calls `fma`), on values of every scale,
        // with and without low parts.
        #[cfg(target_arch = "x86_64")]
        if wide() {
            let mut rng = Lcg(17);
            for case in 0..20_000 {
                let h = rng.dyadic(53, -52) * 2f64.powi(case % 41 - 20);
                let l = match case % 3 {
                    0 => 0.0,
                    _ => h * rng.dyadic(20, -20) * 1.2e-16,
                };
                let m = (1 + case % 97) as f64;
                // SAFETY: `wide` found AVX-512F and FMA.
                let (p, q) = unsafe { dd_ops_fma(h, l, m) };
                let t = dd_div(dd_add(dd_mul(h, l, m), dd_mul(l, h, 3.0)), m + 3.0);
                assert_eq!((p.to_bits(), q.to_bits()), (t.0.to_bits(), t.1.to_bits()));
            }
        }
    }

    /// The merge's double-double steps compiled with FMA instructions.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,fma")]
    unsafe fn dd_ops_fma(h: f64, l: f64, m: f64) -> (f64, f64) {
        dd_div(dd_add(dd_mul(h, l, m), dd_mul(l, h, 3.0)), m + 3.0)
    }

    #[test]
    fn sqdist_dd_uses_the_low_parts() {
        // Centroids near 2^20 (ulp 2^-32) whose high parts differ by a few
        // ulps or not at all: the low parts decide the distance.
        let mut rng = Lcg(6);
        for _ in 0..1_000 {
            let d = 16;
            let (mut ah, mut al, mut bh, mut bl) = (vec![], vec![], vec![], vec![]);
            let mut want = 0.0;
            let mut naive = 0.0;
            for _ in 0..d {
                let x = rng.dyadic(53, 20 - 52);
                let y = x + (rng.next() % 5) as f64 * 2f64.powi(-32) * x.signum();
                let (xl, yl) = (rng.dyadic(40, -80), rng.dyadic(40, -80));
                ah.push(x);
                al.push(xl);
                bh.push(y);
                bl.push(yl);
                // The exact difference, rounded once.
                let diff = (exact(x, 80) + exact(xl, 80) - exact(y, 80) - exact(yl, 80)) as f64
                    * 2f64.powi(-80);
                want += diff * diff;
                naive += (x - y) * (x - y);
            }
            let got = sqdist_dd((&ah, &al), (&bh, &bl));
            assert!((got - want).abs() <= 1e-14 * want, "{got:e} vs {want:e}");
            // The high parts alone are far off.
            assert!((naive - want).abs() > 1e-9 * want, "{naive:e} vs {want:e}");
        }
    }

    #[test]
    fn norm2_f32_squares_in_f64() {
        // (1 + 2^-23)² needs 47 bits: f32 would drop the 2^-46.
        let v = 1.0 + f32::EPSILON;
        assert_eq!(norm2_f32(&[v]), 1.0 + 2f64.powi(-22) + 2f64.powi(-46));
        assert_eq!(sqdist0(&[3.0, 4.0]), 25.0);
    }
}
