//! Blocks of the Gram matrix `X·Xᵀ` through faer's GEMM. Every quadratic
//! statistic (Pearson, Euclidean, cosine) is a Gram matrix of suitably
//! scaled rows; computing it in row blocks keeps the memory at one output
//! (condensed or square) plus one block.

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};

/// The parallelism faer should use: all of rayon's threads.
pub fn par() -> Par {
    let t = rayon::current_num_threads();
    if t <= 1 {
        Par::Seq
    } else {
        Par::rayon(t)
    }
}

/// `out[(i - i0) * (n - j0) + (j - j0)] = x_i · x_j` for `i in i0..i1`,
/// `j in j0..n`, where `x` is `n × d` row-major; `rows = (i0, i1, j0)`.
/// Parallelism is explicit (`Par::Seq` when the caller already runs
/// blocks in parallel).
pub fn gram_block_with(
    x: &[f64],
    n: usize,
    d: usize,
    rows: (usize, usize, usize),
    out: &mut Vec<f64>,
    par: Par,
) {
    let (i0, i1, j0) = rows;
    let (b, m) = (i1 - i0, n - j0);
    out.clear();
    out.resize(b * m, 0.0);
    if b == 0 || m == 0 || d == 0 {
        return;
    }
    let lhs = MatRef::from_row_major_slice(&x[i0 * d..i1 * d], b, d);
    let rhs = MatRef::from_row_major_slice(&x[j0 * d..n * d], m, d);
    let dst = MatMut::from_row_major_slice_mut(out.as_mut_slice(), b, m);
    matmul(dst, Accum::Replace, lhs, rhs.transpose(), 1.0, par);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_equals_naive_dot_products() {
        let (n, d) = (37, 5);
        let x: Vec<f64> = (0..n * d)
            .map(|k| ((k * 7919) % 101) as f64 / 13.0 - 3.0)
            .collect();
        let mut out = Vec::new();
        gram_block_with(&x, n, d, (3, 20, 5), &mut out, par());
        for i in 3..20 {
            for j in 5..n {
                let naive: f64 = (0..d).map(|k| x[i * d + k] * x[j * d + k]).sum();
                let got = out[(i - 3) * (n - 5) + (j - 5)];
                assert!((naive - got).abs() <= 1e-12 * naive.abs().max(1.0));
            }
        }
    }
}
