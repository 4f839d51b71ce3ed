//! Pearson correlation of rows by one Gram matrix. Rows are centred and
//! scaled to unit norm once (one working copy), then `R = Z·Zᵀ` is formed
//! block by block, upper triangle only, and mirrored. Matches
//! `numpy.corrcoef` to ~1e-15; rows without variance give NaN as numpy does.

use rayon::prelude::*;

use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::{Accum, MatMut, MatRef};

use super::gram::par;

/// Centres each row and scales it to unit L2 norm (NaN for constant rows).
pub fn standardise_rows(x: &[f64], n: usize, d: usize) -> Vec<f64> {
    let mut z = x[..n * d].to_vec();
    if d == 0 {
        return z;
    }
    z.par_chunks_mut(d).for_each(|row| {
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
    let z = standardise_rows(x, n, d);
    symmetric_gram(&z, n, d, true)
}

/// `Z·Zᵀ` as a square matrix: the lower triangle by one triangular GEMM
/// written straight into the output, then mirrored tile by tile in
/// parallel. With `clamp`, values are clipped to [-1, 1] and the diagonal
/// of a non-degenerate row is exactly 1. The result is exactly symmetric.
pub fn symmetric_gram(z: &[f64], n: usize, d: usize, clamp: bool) -> Vec<f64> {
    let mut out = crate::bigbuf::zeroed(n * n);
    if n == 0 {
        return out;
    }
    if d > 0 {
        let lhs = MatRef::from_row_major_slice(&z[..n * d], n, d);
        let dst = MatMut::from_row_major_slice_mut(&mut out, n, n);
        triangular::matmul(
            dst,
            BlockStructure::TriangularLower,
            Accum::Replace,
            lhs,
            BlockStructure::Rectangular,
            lhs.transpose(),
            BlockStructure::Rectangular,
            1.0,
            par(),
        );
    }
    let fix = move |v: f64, diag: bool| -> f64 {
        if !clamp || v.is_nan() {
            v
        } else if diag {
            1.0
        } else {
            v.clamp(-1.0, 1.0)
        }
    };
    // One pass, tile by tile: the task of block-row I owns the lower tiles
    // (J, I), J >= I, and the upper tiles (I, J): it fixes each lower value
    // (writing back only when clamping changed it) and mirrors it upward.
    // No other task touches those tiles, and the column reads stay in cache.
    const TILE: usize = 64;
    let shared = Shared(out.as_mut_ptr());
    (0..n.div_ceil(TILE)).into_par_iter().for_each(|b| {
        let p = shared;
        let (c0, c1) = (b * TILE, ((b + 1) * TILE).min(n));
        for r0 in (c0..n).step_by(TILE) {
            let r1 = (r0 + TILE).min(n);
            for r in r0..r1 {
                for c in c0..c1.min(r + 1) {
                    // SAFETY: in bounds; lower entry (r, c) with c in this
                    // task's column block and its mirror (c, r) belong to
                    // this task alone (see above).
                    unsafe {
                        let low = p.0.add(r * n + c);
                        let v = fix(*low, r == c);
                        if v.to_bits() != (*low).to_bits() {
                            *low = v;
                        }
                        if r != c {
                            *p.0.add(c * n + r) = v;
                        }
                    }
                }
            }
        }
    });
    out
}

#[derive(Clone, Copy)]
struct Shared(*mut f64);
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

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
    fn constant_row_gives_nan() {
        let x = vec![1.0, 2.0, 3.0, 5.0, 5.0, 5.0, 0.0, 1.0, 0.5];
        let r = pearson(&x, 3, 3);
        assert!(r[3].is_nan() && r[4].is_nan());
        assert_eq!(r[0], 1.0);
    }
}
