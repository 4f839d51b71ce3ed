//! Pairwise-complete correlation (pandas `DataFrame.corr()` with NaN): each
//! pair uses only the columns where both rows are present. Pearson is
//! computed with four GEMMs instead of a loop over pairs:
//! `N = M·Mᵀ`, `Sx = X·Mᵀ`, `Sxx = (X∘X)·Mᵀ`, `Sxy = X·Xᵀ` (X with NaN → 0,
//! M the presence mask), then
//! `r = (N·Sxy − Sx∘Sxᵀ) / √((N·Sxx − Sx²)∘(N·Sxxᵀ − Sxᵀ²))`.
//! Rows are first centred by their own mean so the differences don't
//! cancel.

use rayon::prelude::*;

use super::gram::par;
use super::rank::rank_slice;
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef};

fn product(a: &[f64], b: &[f64], n: usize, d: usize) -> Vec<f64> {
    let mut out = vec![0.0; n * n];
    if d > 0 && n > 0 {
        let lhs = MatRef::from_row_major_slice(a, n, d);
        let rhs = MatRef::from_row_major_slice(b, n, d);
        let dst = MatMut::from_row_major_slice_mut(&mut out, n, n);
        matmul(dst, Accum::Replace, lhs, rhs.transpose(), 1.0, par());
    }
    out
}

/// `n × n` pairwise-complete Pearson correlation (pandas, `min_periods=1`):
/// NaN where a pair shares fewer than 2 present columns or one side is
/// constant on the shared columns.
pub fn pairwise_pearson(x: &[f64], n: usize, d: usize) -> Vec<f64> {
    let mut x0 = x[..n * d].to_vec();
    let mut mask = vec![0.0; n * d];
    if d > 0 {
        x0.par_chunks_mut(d)
            .zip(mask.par_chunks_mut(d))
            .for_each(|(row, m)| {
                // r is scale-free: an exact power of two keeps the sums of
                // squares finite (pandas' .corr() overflows to 0 or NaN).
                let k = crate::dtype::pow2_scale(row);
                if k != 1.0 {
                    row.iter_mut().for_each(|v| *v *= k);
                }
                let (s, c) = row
                    .iter()
                    .filter(|v| !v.is_nan())
                    .fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
                let mean = if c > 0 { s / c as f64 } else { 0.0 };
                for (v, mk) in row.iter_mut().zip(m.iter_mut()) {
                    if v.is_nan() {
                        *v = 0.0;
                    } else {
                        *v -= mean;
                        *mk = 1.0;
                    }
                }
            });
    }
    let sq: Vec<f64> = x0.iter().map(|v| v * v).collect();
    let nn = product(&mask, &mask, n, d);
    let sx = product(&x0, &mask, n, d);
    let sxx = product(&sq, &mask, n, d);
    let sxy = product(&x0, &x0, n, d);
    let mut out = vec![0.0; n * n];
    out.par_chunks_mut(n.max(1))
        .enumerate()
        .for_each(|(i, row)| {
            for j in 0..n {
                let (k_ij, k_ji) = (i * n + j, j * n + i);
                let cnt = nn[k_ij];
                let num = cnt * sxy[k_ij] - sx[k_ij] * sx[k_ji];
                let vx = cnt * sxx[k_ij] - sx[k_ij] * sx[k_ij];
                let vy = cnt * sxx[k_ji] - sx[k_ji] * sx[k_ji];
                row[j] = if cnt < 2.0 || vx <= 0.0 || vy <= 0.0 {
                    f64::NAN
                } else {
                    (num / (vx.sqrt() * vy.sqrt())).clamp(-1.0, 1.0)
                };
            }
        });
    out
}

/// `n × n` pairwise-complete Spearman correlation: pairs of complete rows
/// use the precomputed ranks; a pair involving missing values is re-ranked
/// on its shared columns (pandas' definition).
pub fn pairwise_spearman(x: &[f64], n: usize, d: usize) -> Vec<f64> {
    let rows: Vec<&[f64]> = (0..n).map(|i| &x[i * d..(i + 1) * d]).collect();
    let complete: Vec<bool> = rows.iter().map(|r| r.iter().all(|v| !v.is_nan())).collect();
    let ranks: Vec<Vec<f64>> = rows.iter().map(|r| rank_slice(r)).collect();
    let mut out = vec![0.0; n * n];
    out.par_chunks_mut(n.max(1))
        .enumerate()
        .for_each(|(i, row)| {
            for j in 0..n {
                row[j] = if complete[i] && complete[j] {
                    corr_or_nan(&ranks[i], &ranks[j])
                } else {
                    let (a, b): (Vec<f64>, Vec<f64>) = rows[i]
                        .iter()
                        .zip(rows[j])
                        .filter(|(p, q)| !p.is_nan() && !q.is_nan())
                        .map(|(p, q)| (*p, *q))
                        .unzip();
                    corr_or_nan(&rank_slice(&a), &rank_slice(&b))
                };
            }
        });
    out
}

fn corr_or_nan(a: &[f64], b: &[f64]) -> f64 {
    if a.len() < 2 {
        return f64::NAN;
    }
    let r = super::pearson::pearson_pair(a, b);
    if r.is_finite() {
        r.clamp(-1.0, 1.0)
    } else {
        f64::NAN
    }
}
