//! Correlation matrices stored as `f32` (the user's choice, `corr --dtype
//! f32`): every product is accumulated in `f64` by the same GEMM, then
//! rounded once into the `f32` output, so each value is the `f64` result
//! correctly rounded to `f32` (≤ 6e-8 relative) while the n × n output —
//! the peak of a large correlation — takes half the memory (1.6 GB instead
//! of 3.2 GB at 20 000 rows). The products go through the same `f64`
//! tiles as the `f64` path (`gram::symmetric_into`).

use super::gram::symmetric_into;
use super::pearson::{fix, standardise_rows};
use super::rank::rank_rows;
use super::CorrMethod;

/// Pearson (or Spearman: Pearson of the ranks) of the rows of the
/// row-major `n × d` matrix `x`, as a square row-major `f32` matrix.
pub fn correlate_f32(x: &[f64], n: usize, d: usize, method: CorrMethod) -> Vec<f32> {
    if d == 0 {
        return vec![f32::NAN; n * n];
    }
    let z = match method {
        CorrMethod::Pearson => standardise_rows(x, n, d),
        CorrMethod::Spearman => standardise_rows(&rank_rows(x, n, d), n, d),
    };
    let mut out = vec![0.0f32; n * n];
    symmetric_into(&z, n, d, &mut out, |v, diag| fix(v, diag, true));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f32_output_is_the_f64_result_rounded() {
        let (n, d) = (1300, 9);
        let mut s = 99u64;
        let mut x: Vec<f64> = (0..n * d)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
            })
            .collect();
        x[5 * d..6 * d].iter_mut().for_each(|v| *v = 2.0); // a constant row
        for method in [CorrMethod::Pearson, CorrMethod::Spearman] {
            let r64 = super::super::correlate(&x, n, d, method, false);
            let r32 = correlate_f32(&x, n, d, method);
            for (k, (&a, &b)) in r64.iter().zip(&r32).enumerate() {
                if a.is_nan() {
                    assert!(b.is_nan(), "{k}");
                    continue;
                }
                // Same tiles, same f64 products: b is a rounded once.
                assert_eq!(b, a as f32, "{k}");
            }
            for i in 0..n {
                for j in 0..i {
                    assert_eq!(r32[i * n + j].to_bits(), r32[j * n + i].to_bits());
                }
            }
        }
    }
}
