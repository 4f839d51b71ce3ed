//! Pearson correlation of rows by one Gram matrix. Rows are centred and
//! scaled to unit norm once (one working copy), then `R = Z·Zᵀ` is formed
//! block by block, upper triangle only, and mirrored. Matches
//! `numpy.corrcoef` to ~1e-15; rows without variance give NaN as numpy does.

use rayon::prelude::*;

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};

use super::gram::symmetric_into;

/// Centres each row and scales it to unit L2 norm (NaN for constant rows).
pub(crate) fn standardise_rows(x: &[f64], n: usize, d: usize) -> Vec<f64> {
    let mut z = x[..n * d].to_vec();
    if d == 0 {
        return z;
    }
    z.par_chunks_mut(d).for_each(|row| {
        // Exact power-of-two scaling: no sum of squares overflows (r is
        // scale-free; ordinary rows are untouched).
        let s = crate::dtype::pow2_scale(row);
        if s != 1.0 {
            row.iter_mut().for_each(|v| *v *= s);
        }
        let mean = row.iter().sum::<f64>() / d as f64;
        row.iter_mut().for_each(|v| *v -= mean);
        let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt();
        let inv = if norm > 0.0 { 1.0 / norm } else { f64::NAN };
        row.iter_mut().for_each(|v| *v *= inv);
    });
    z
}

/// `n × n` Pearson correlation of the rows of `x` (`n × d`, row-major).
pub fn pearson(x: &[f64], n: usize, d: usize) -> Vec<f64> {
    if d == 0 {
        // No observations: undefined everywhere (numpy: all NaN).
        return vec![f64::NAN; n * n];
    }
    let z = standardise_rows(x, n, d);
    symmetric_gram(&z, n, d, true)
}

/// `Z·Zᵀ` as a square matrix, by symmetric tiles (`gram::symmetric_into`).
/// With `clamp`, values are clipped to [-1, 1] and the diagonal of a
/// non-degenerate row is exactly 1. The result is exactly symmetric.
pub(crate) fn symmetric_gram(z: &[f64], n: usize, d: usize, clamp: bool) -> Vec<f64> {
    let mut out = crate::mem::zeroed(n * n);
    symmetric_into(z, n, d, &mut out, move |v, diag| fix(v, diag, clamp));
    out
}

/// Pearson's rule for a Gram value: NaN stays (a constant row); with
/// `clamp`, the diagonal is exactly 1 and rounding never leaves [-1, 1].
#[inline]
pub(crate) fn fix(v: f64, diag: bool, clamp: bool) -> f64 {
    if !clamp || v.is_nan() {
        v
    } else if diag {
        1.0
    } else {
        v.clamp(-1.0, 1.0)
    }
}

/// The rows of a correlation matrix as points in `d` dimensions: with
/// `z` the `n × d` Gram factor (centred, unit-norm rows, no NaN) and
/// `R = Z·Zᵀ`, row `i` of `R` is `Z·zᵢ`, so the Euclidean distance between
/// rows `i` and `j` of `R` is `‖Z (zᵢ − zⱼ)‖ = ‖Rq (zᵢ − zⱼ)‖` where
/// `Z = Q·Rq` (thin QR, `Rq` `d × d`). Returns `Y = Z·Rqᵀ` (`n × d`,
/// row-major): Euclidean distances between its rows are those between
/// the rows of `R` (to rounding: ~1e-15 relative), at O(n·d) memory
/// instead of the `n × n` matrix (`sns.clustermap(df.corr())` clusters
/// those rows). Meaningful for `d < n` (otherwise `R` is no larger).
pub fn correlation_rows_factor(z: &[f64], n: usize, d: usize) -> Vec<f64> {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::qr::no_pivoting::factor::{
        qr_in_place, qr_in_place_scratch, recommended_block_size,
    };
    let zm = MatRef::from_row_major_slice(&z[..n * d], n, d);
    // Householder QR, sequential: the same bits whatever the threads
    // (faer's `qr()` takes the global parallelism).
    let mut qr = zm.to_owned();
    let block = recommended_block_size::<f64>(n, d);
    let mut coeff = faer::Mat::<f64>::zeros(block, n.min(d));
    let mut buf = MemBuffer::new(qr_in_place_scratch::<f64>(
        n,
        d,
        block,
        Par::Seq,
        Default::default(),
    ));
    qr_in_place(
        qr.as_mut(),
        coeff.as_mut(),
        Par::Seq,
        MemStack::new(&mut buf),
        Default::default(),
    );
    let k = n.min(d);
    let mut rq = faer::Mat::<f64>::zeros(d, d);
    for i in 0..k {
        for j in i..d {
            rq[(i, j)] = qr[(i, j)];
        }
    }
    let mut y = vec![0.0; n * d];
    let dst = MatMut::from_row_major_slice_mut(&mut y, n, d);
    matmul(dst, Accum::Replace, zm, rq.transpose(), 1.0, Par::Seq);
    y
}

/// Straightforward two-pass Pearson of two slices (the test reference).
pub fn pearson_pair(a: &[f64], b: &[f64]) -> f64 {
    let k = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / k, b.iter().sum::<f64>() / k);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        let (p, q) = (x - ma, y - mb);
        sab += p * q;
        saa += p * p;
        sbb += q * q;
    }
    sab / (saa.sqrt() * sbb.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gemm_pearson_equals_two_pass() {
        let (n, d) = (300, 17);
        let mut s = 12345u64;
        let x: Vec<f64> = (0..n * d)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 11) as f64 / (1u64 << 53) as f64 * 10.0 - 5.0
            })
            .collect();
        let r = pearson(&x, n, d);
        for i in (0..n).step_by(7) {
            for j in (0..n).step_by(11) {
                let want = if i == j {
                    1.0
                } else {
                    pearson_pair(&x[i * d..(i + 1) * d], &x[j * d..(j + 1) * d])
                };
                assert!((r[i * n + j] - want).abs() < 1e-13, "{i},{j}");
            }
        }
    }

    #[test]
    fn same_bits_on_one_thread_and_many() {
        // Each tile is one sequential product, so the result cannot depend
        // on how rayon schedules the tiles (`--threads 1` = default).
        let (n, d) = (700, 23);
        let x: Vec<f64> = (0..n * d)
            .map(|k| ((k * 2654435761usize) % 1009) as f64 / 97.0 - 5.0)
            .collect();
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| pearson(&x, n, d));
        let many = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap()
            .install(|| pearson(&x, n, d));
        assert!(one
            .iter()
            .zip(&many)
            .all(|(a, b)| a.to_bits() == b.to_bits()));
    }

    #[test]
    fn constant_row_gives_nan() {
        let x = vec![1.0, 2.0, 3.0, 5.0, 5.0, 5.0, 0.0, 1.0, 0.5];
        let r = pearson(&x, 3, 3);
        assert!(r[3].is_nan() && r[4].is_nan());
        assert_eq!(r[0], 1.0);
        assert!(pearson(&[], 2, 0).iter().all(|v| v.is_nan()));
    }

    #[test]
    fn correlation_rows_factor_keeps_the_distances_between_rows_of_r() {
        let (n, d) = (120, 9);
        let x: Vec<f64> = (0..n * d)
            .map(|k| ((k * 2654435761usize) % 1009) as f64 / 97.0 - 5.0)
            .collect();
        let z = standardise_rows(&x, n, d);
        let r = pearson(&x, n, d);
        let y = correlation_rows_factor(&z, n, d);
        for i in (0..n).step_by(7) {
            for j in (0..n).step_by(5) {
                let full: f64 = (0..n)
                    .map(|k| (r[i * n + k] - r[j * n + k]).powi(2))
                    .sum::<f64>()
                    .sqrt();
                let low: f64 = (0..d)
                    .map(|k| (y[i * d + k] - y[j * d + k]).powi(2))
                    .sum::<f64>()
                    .sqrt();
                assert!(
                    (full - low).abs() <= 1e-12 * full.max(1.0),
                    "{i},{j}: {full} {low}"
                );
            }
        }
    }

    #[test]
    fn correlation_rows_factor_has_the_same_bits_on_any_thread_count() {
        let (n, d) = (3000, 8);
        let x: Vec<f64> = (0..n * d)
            .map(|k| ((k * 2654435761usize) % 1009) as f64 / 97.0 - 5.0)
            .collect();
        let z = standardise_rows(&x, n, d);
        let on = |t: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
                .install(|| correlation_rows_factor(&z, n, d))
        };
        let (one, many) = (on(1), on(3));
        assert!(one
            .iter()
            .zip(&many)
            .all(|(a, b)| a.to_bits() == b.to_bits()));
    }
}
