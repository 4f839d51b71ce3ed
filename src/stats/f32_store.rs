//! Correlation matrices stored as `f32` (the user's choice, `corr --dtype
//! f32`): every product is accumulated in `f64` by the same GEMM, then
//! rounded once into the `f32` output, so each value is the `f64` result
//! correctly rounded to `f32` (≤ 6e-8 relative) while the n × n output —
//! the peak of a large correlation — takes half the memory (1.6 GB instead
//! of 3.2 GB at 20 000 rows). Blocks of rows go through an `f64` scratch of
//! `BLOCK × n` values.

use rayon::prelude::*;

use super::gram::{gram_block_with, par};
use super::pearson::standardise_rows;
use super::rank::rank_rows;
use super::CorrMethod;

const BLOCK: usize = 512;

/// Pearson (or Spearman: Pearson of the ranks) of the rows of the
/// row-major `n × d` matrix `x`, as a square row-major `f32` matrix.
pub fn correlate_f32(x: &[f64], n: usize, d: usize, method: CorrMethod) -> Vec<f32> {
    let z = match method {
        CorrMethod::Pearson => standardise_rows(x, n, d),
        CorrMethod::Spearman => standardise_rows(&rank_rows(x, n, d), n, d),
    };
    let mut out = vec![0.0f32; n * n];
    let mut block = Vec::new();
    for i0 in (0..n).step_by(BLOCK) {
        let i1 = (i0 + BLOCK).min(n);
        // Rows i0..i1 against rows 0..i1: the lower triangle of this band.
        gram_block_with(&z[..i1 * d], i1, d, (i0, i1, 0), &mut block, par());
        out[i0 * n..i1 * n]
            .par_chunks_mut(n)
            .zip(block.par_chunks(i1))
            .enumerate()
            .for_each(|(k, (row, vals))| {
                let i = i0 + k;
                for (j, &v) in vals[..=i].iter().enumerate() {
                    row[j] = fix(v, i == j) as f32;
                }
            });
    }
    // Mirror the lower triangle into the upper one, tile by tile.
    const TILE: usize = 64;
    let shared = Shared(out.as_mut_ptr());
    (0..n.div_ceil(TILE)).into_par_iter().for_each(|b| {
        let p = shared;
        let (c0, c1) = (b * TILE, ((b + 1) * TILE).min(n));
        for r in c0..n {
            for c in c0..c1.min(r) {
                // SAFETY: in bounds; the task of column block b alone writes
                // the upper entries (c, r) with c in c0..c1, and reads lower
                // entries nobody writes any more.
                unsafe { *p.0.add(c * n + r) = *p.0.add(r * n + c) };
            }
        }
    });
    out
}

/// NaN stays (a constant row); the diagonal is exactly 1; rounding never
/// leaves [-1, 1] (the `f64` path's rule).
fn fix(v: f64, diag: bool) -> f64 {
    if v.is_nan() {
        v
    } else if diag {
        1.0
    } else {
        v.clamp(-1.0, 1.0)
    }
}

#[derive(Clone, Copy)]
struct Shared(*mut f32);
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

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
                // Both accumulate in f64 (blockings may differ in the last
                // bits), so b is a rounded to f32 up to one f32 step.
                assert!(
                    (a - b as f64).abs() <= 1.2e-7 * a.abs().max(1e-3),
                    "{k}: {a} {b}"
                );
            }
            for i in 0..n {
                for j in 0..i {
                    assert_eq!(r32[i * n + j].to_bits(), r32[j * n + i].to_bits());
                }
            }
        }
    }
}
