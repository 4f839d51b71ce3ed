//! Blocks of the Gram matrix `X·Xᵀ` through faer's GEMM. Every quadratic
//! statistic (Pearson, Euclidean, cosine) is a Gram matrix of suitably
//! scaled rows; computing it in row blocks keeps the memory at one output
//! (condensed or square) plus one block.

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use rayon::prelude::*;

use crate::dtype::Storage;
use crate::par::SharedMut;

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

/// Side of the square tiles of [`symmetric_into`]: a 336 × 336 `f64`
/// tile (882 KiB) stays in a core's L2 while it is stored twice, and 336
/// is a multiple of every row count faer's `f64` kernels take at once
/// (48 with AVX-512, 24/12 with AVX2, 8, 16): with 256 rows a 16-row
/// remainder went through a half-empty kernel, a quarter of the GEMM time
/// for 6 % of the work. Pearson 20 000 × 500: 2.62–2.90 s at 336 against
/// 2.96 s at 256 (240 and 288: 2.71 s; 384: 2.65 s; 480: 2.82 s).
const TILE: usize = 336;

/// Writes `fix(Z·Zᵀ)` into the square row-major `out` (`n × n`), `z`
/// being `n × d` row-major.
///
/// Why tiles: a triangular GEMM into the output followed by a mirroring
/// pass writes the lower triangle, then reads it back from memory to
/// write the upper one. Here each tile `(I, J)`, `J ≤ I`, is one
/// sequential GEMM into a cache-resident scratch and is stored at once
/// at `(I, J)` and, transposed, at `(J, I)`: every output value is
/// written once and never read, and the tiles spread evenly over the
/// cores (Pearson of 20 000 × 500: 2.9–3.2 s instead of 3.1–3.9 s,
/// against 2.0–2.3 s for faer's parallel triangular GEMM into a warm
/// output). `fix(v, diagonal)` is applied in the
/// scratch. The result is exactly symmetric: a diagonal tile stores its
/// lower half and mirrors it, and it does not depend on the scheduling
/// (each tile is one sequential product).
pub fn symmetric_into<T: Storage>(
    z: &[f64],
    n: usize,
    d: usize,
    out: &mut [T],
    fix: impl Fn(f64, bool) -> f64 + Sync,
) {
    assert_eq!(out.len(), n * n, "output must be n x n");
    let nb = n.div_ceil(TILE);
    let tiles: Vec<(usize, usize)> = (0..nb).flat_map(|i| (0..=i).map(move |j| (i, j))).collect();
    let shared = SharedMut(out.as_mut_ptr());
    tiles
        .par_iter()
        .for_each_init(Vec::<f64>::new, |scratch, &(bi, bj)| {
            let p = shared;
            let (i0, h, j0, w) = tile(z, n, d, (bi, bj), scratch, &fix);
            // SAFETY: tile (bi, bj) alone writes rows i0..i1 × columns
            // j0..j1 and rows j0..j1 × columns i0..i1 (for bi == bj the
            // same square); all indices are < n·n.
            unsafe {
                for r in 0..h {
                    let row = std::slice::from_raw_parts_mut(p.0.add((i0 + r) * n + j0), w);
                    for (o, &v) in row.iter_mut().zip(&scratch[r * w..(r + 1) * w]) {
                        *o = T::from_f64(v);
                    }
                }
                if bi != bj {
                    for c in 0..w {
                        let row = std::slice::from_raw_parts_mut(p.0.add((j0 + c) * n + i0), h);
                        for (r, o) in row.iter_mut().enumerate() {
                            *o = T::from_f64(scratch[r * w + c]);
                        }
                    }
                }
            }
        });
}

/// Tile `(bi, bj)`, `bj ≤ bi`, of `fix(Z·Zᵀ)` into `scratch` (`h × w`,
/// row-major): rows `i0..i0 + h`, columns `j0..j0 + w`; returns
/// `(i0, h, j0, w)`. See [`tile_into`].
fn tile(
    z: &[f64],
    n: usize,
    d: usize,
    (bi, bj): (usize, usize),
    scratch: &mut Vec<f64>,
    fix: &(impl Fn(f64, bool) -> f64 + Sync),
) -> (usize, usize, usize, usize) {
    let (i0, h, j0, w) = tile_shape(n, bi, bj);
    // No fill: the product replaces every value.
    scratch.resize(h * w, 0.0);
    // SAFETY: scratch holds h·w values, row stride w.
    unsafe { tile_into(z, n, d, (bi, bj), scratch.as_mut_ptr(), w, fix) };
    (i0, h, j0, w)
}

/// `(i0, h, j0, w)` of tile `(bi, bj)`.
fn tile_shape(n: usize, bi: usize, bj: usize) -> (usize, usize, usize, usize) {
    let (i0, i1) = (bi * TILE, ((bi + 1) * TILE).min(n));
    let (j0, j1) = (bj * TILE, ((bj + 1) * TILE).min(n));
    (i0, i1 - i0, j0, j1 - j0)
}

/// Tile `(bi, bj)`, `bj ≤ bi`, of `fix(Z·Zᵀ)` written at `dst` (`h`
/// rows of `w` values, `stride` apart). One sequential GEMM of fixed
/// shape, so a tile has the same bits whoever computes it and wherever it
/// is stored ([`symmetric_into`], [`symmetric_bands`],
/// [`symmetric_range`]). A diagonal tile is fixed on its lower half and
/// mirrored (exactly symmetric).
///
/// # Safety
/// `dst` must be valid for writes of `h` rows of `w` values `stride`
/// apart, and nothing else may access them meanwhile.
unsafe fn tile_into(
    z: &[f64],
    n: usize,
    d: usize,
    (bi, bj): (usize, usize),
    dst: *mut f64,
    stride: usize,
    fix: &(impl Fn(f64, bool) -> f64 + Sync),
) {
    let (i0, h, j0, w) = tile_shape(n, bi, bj);
    let at = |r: usize, c: usize| dst.add(r * stride + c);
    if d > 0 && h > 0 && w > 0 {
        let lhs = MatRef::from_row_major_slice(&z[i0 * d..(i0 + h) * d], h, d);
        let rhs = MatRef::from_row_major_slice(&z[j0 * d..(j0 + w) * d], w, d);
        let out = MatMut::from_raw_parts_mut(dst, h, w, stride as isize, 1);
        matmul(out, Accum::Replace, lhs, rhs.transpose(), 1.0, Par::Seq);
    } else {
        for r in 0..h {
            for c in 0..w {
                *at(r, c) = 0.0;
            }
        }
    }
    if bi == bj {
        // The lower half, fixed, mirrored onto the upper half.
        for r in 0..h {
            for c in 0..=r {
                let v = fix(*at(r, c), r == c);
                *at(r, c) = v;
                *at(c, r) = v;
            }
        }
    } else {
        for r in 0..h {
            let row = std::slice::from_raw_parts_mut(at(r, 0), w);
            row.iter_mut().for_each(|v| *v = fix(*v, false));
        }
    }
}

/// Rows of a band of [`symmetric_bands`]: the tile side.
pub const BAND_ROWS: usize = TILE;

/// Tile `(bi, bj)` of `fix(Z·Zᵀ)` (rows of tile row `bi`, columns of
/// tile column `bj`, either side of the diagonal) into `scratch`, `h × w`
/// row-major; returns `(i0, h, j0, w)`. The bits of [`symmetric_into`]'s
/// cells: above the diagonal the transpose of tile `(bj, bi)` (`spare`
/// holds it meanwhile).
pub fn tile_of(
    z: &[f64],
    n: usize,
    d: usize,
    (bi, bj): (usize, usize),
    scratch: &mut Vec<f64>,
    spare: &mut Vec<f64>,
    fix: impl Fn(f64, bool) -> f64 + Sync,
) -> (usize, usize, usize, usize) {
    if bj <= bi {
        return tile(z, n, d, (bi, bj), scratch, &fix);
    }
    let (j0, hj, i0, h) = tile(z, n, d, (bj, bi), spare, &fix);
    scratch.resize(h * hj, 0.0);
    for r in 0..h {
        for (c, o) in scratch[r * hj..(r + 1) * hj].iter_mut().enumerate() {
            *o = spare[c * h + r];
        }
    }
    (i0, h, j0, hj)
}

/// `fix(Z·Zᵀ)` (`n × n`, `z` being `n × d` row-major) handed to `each`
/// one band of [`BAND_ROWS`] rows at a time, in order, as
/// `each(first_row, band)` (`band` is `rows × n`, row-major) — the same
/// bits as [`symmetric_into`] writes, without ever holding more than one
/// band: the tiles are [`symmetric_into`]'s, a tile above the diagonal
/// being its mirror image's transpose. `need(bi, bj)` says whether band
/// `bi` needs tile column `bj` at all (a masked triangle does not); the
/// columns of tiles not needed are NaN. Within a band the tiles run in
/// parallel (rayon's threads).
///
/// Memory: the band (`BAND_ROWS × n` f64) and one tile per thread.
pub fn symmetric_bands(
    z: &[f64],
    n: usize,
    d: usize,
    need: impl Fn(usize, usize) -> bool + Sync,
    fix: impl Fn(f64, bool) -> f64 + Sync,
    mut each: impl FnMut(usize, &mut [f64]),
) {
    let nb = n.div_ceil(TILE);
    let mut band: Vec<f64> = Vec::new();
    // Tile columns holding values of an earlier band (the band is reused:
    // no n-wide fill per band).
    let mut dirty = vec![false; nb];
    for bi in 0..nb {
        let (i0, i1) = (bi * TILE, ((bi + 1) * TILE).min(n));
        let h = i1 - i0;
        band.resize(h * n, f64::NAN);
        let cols: Vec<usize> = (0..nb).filter(|&bj| need(bi, bj)).collect();
        for bj in 0..nb {
            if dirty[bj] && !cols.contains(&bj) {
                let (j0, j1) = (bj * TILE, ((bj + 1) * TILE).min(n));
                band.chunks_mut(n)
                    .for_each(|row| row[j0..j1].fill(f64::NAN));
            }
            dirty[bj] = cols.contains(&bj);
        }
        let shared = SharedMut(band.as_mut_ptr());
        cols.par_iter()
            .for_each_init(Vec::<f64>::new, |scratch, &bj| {
                let p = shared;
                if bj <= bi {
                    let j0 = bj * TILE;
                    // SAFETY: tile column bj alone writes columns
                    // j0..j0 + w of the band's h rows (row stride n); all
                    // < h·n.
                    unsafe { tile_into(z, n, d, (bi, bj), p.0.add(j0), n, &fix) };
                } else {
                    // Tile (bj, bi) below the diagonal, transposed.
                    let (j0, hj, _, w) = tile(z, n, d, (bj, bi), scratch, &fix);
                    debug_assert_eq!(w, h);
                    // SAFETY: as above, columns j0..j0 + hj.
                    unsafe {
                        for r in 0..h {
                            let row = std::slice::from_raw_parts_mut(p.0.add(r * n + j0), hj);
                            for (c, o) in row.iter_mut().enumerate() {
                                *o = scratch[c * w + r];
                            }
                        }
                    }
                }
            });
        each(i0, &mut band);
    }
}

/// The smallest and largest non-NaN value of `fix(Z·Zᵀ)` (the matrix is
/// exactly symmetric: the tiles on and below the diagonal), its diagonal
/// included or not; `None` when there is none. The same values as
/// [`symmetric_into`]'s, never all held.
pub fn symmetric_range(
    z: &[f64],
    n: usize,
    d: usize,
    fix: impl Fn(f64, bool) -> f64 + Sync,
    diagonal: bool,
) -> Option<(f64, f64)> {
    let nb = n.div_ceil(TILE);
    let tiles: Vec<(usize, usize)> = (0..nb).flat_map(|i| (0..=i).map(move |j| (i, j))).collect();
    let (lo, hi) = tiles
        .par_iter()
        .map_init(Vec::<f64>::new, |scratch, &(bi, bj)| {
            let (_, h, _, w) = tile(z, n, d, (bi, bj), scratch, &fix);
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for r in 0..h {
                let row = &scratch[r * w..(r + 1) * w];
                let upto = match (bi == bj, diagonal) {
                    (false, _) => w,
                    (true, true) => r + 1,
                    (true, false) => r,
                };
                for &v in &row[..upto] {
                    // NaN compares false: skipped.
                    if v < lo {
                        lo = v;
                    }
                    if v > hi {
                        hi = v;
                    }
                }
            }
            (lo, hi)
        })
        .reduce(
            || (f64::INFINITY, f64::NEG_INFINITY),
            |a, b| (a.0.min(b.0), a.1.max(b.1)),
        );
    (lo <= hi).then_some((lo, hi))
}

/// The smallest and largest non-NaN value of `fix(Z·Zᵀ)` over the rows
/// `rows` (all columns): a guess at [`symmetric_range`] for a fraction of
/// its work (one `rows.len() × n` product). `None` when all are NaN.
pub fn sample_range(
    z: &[f64],
    n: usize,
    d: usize,
    rows: &[usize],
    fix: impl Fn(f64, bool) -> f64 + Sync,
) -> Option<(f64, f64)> {
    let zs: Vec<f64> = rows
        .iter()
        .flat_map(|&i| z[i * d..(i + 1) * d].iter().copied())
        .collect();
    let b = rows.len();
    let mut out = vec![0.0; b * n];
    if b == 0 || n == 0 || d == 0 {
        return None;
    }
    let lhs = MatRef::from_row_major_slice(&zs, b, d);
    let rhs = MatRef::from_row_major_slice(&z[..n * d], n, d);
    let dst = MatMut::from_row_major_slice_mut(out.as_mut_slice(), b, n);
    matmul(dst, Accum::Replace, lhs, rhs.transpose(), 1.0, par());
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (k, row) in out.chunks(n).enumerate() {
        for (j, &v) in row.iter().enumerate() {
            let v = fix(v, j == rows[k]);
            if v < lo {
                lo = v;
            }
            if v > hi {
                hi = v;
            }
        }
    }
    (lo <= hi).then_some((lo, hi))
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

    #[test]
    fn tiled_symmetric_product_is_exact_symmetric_and_fixed() {
        // Three tiles per side, the last one partial.
        let (n, d) = (TILE * 2 + 37, 6);
        let x: Vec<f64> = (0..n * d)
            .map(|k| ((k * 7919 + 13) % 211) as f64 / 17.0 - 6.0)
            .collect();
        let mut out = vec![f64::NAN; n * n];
        symmetric_into(&x, n, d, &mut out, |v, diag| if diag { -1.0 } else { v });
        let mut low = vec![0.0f32; n * n];
        symmetric_into(&x, n, d, &mut low, |v, _| v);
        for i in 0..n {
            assert_eq!(out[i * n + i], -1.0);
            for j in 0..i {
                let naive: f64 = (0..d).map(|k| x[i * d + k] * x[j * d + k]).sum();
                let got = out[i * n + j];
                assert!(
                    (naive - got).abs() <= 1e-12 * naive.abs().max(1.0),
                    "{i},{j}"
                );
                assert_eq!(got.to_bits(), out[j * n + i].to_bits(), "{i},{j}");
                assert_eq!(low[i * n + j], got as f32);
                assert_eq!(low[j * n + i], got as f32);
            }
        }
    }

    #[test]
    fn bands_and_range_have_the_bits_of_the_whole_matrix() {
        // Partial last tiles, a one-row last tile (faer takes another
        // kernel for it), NaN rows (a constant gene).
        for &(n, d) in &[(TILE * 2 + 37, 6), (TILE * 3 + 1, 50), (90, 3)] {
            let mut x: Vec<f64> = (0..n * d)
                .map(|k| ((k * 7919 + 13) % 211) as f64 / 17.0 - 6.0)
                .collect();
            x[5 * d..6 * d].fill(f64::NAN);
            let fix = |v: f64, diag: bool| {
                if v.is_nan() {
                    v
                } else if diag {
                    1.0
                } else {
                    v.clamp(-0.9, 0.9)
                }
            };
            let mut full = vec![0.0f64; n * n];
            symmetric_into(&x, n, d, &mut full, fix);
            type Need = fn(usize, usize) -> bool;
            let needs: [Need; 3] = [|_, _| true, |i, j| j <= i, |i, j| j >= i];
            for need in needs {
                let mut next = 0;
                symmetric_bands(&x, n, d, need, fix, |i0, band| {
                    assert_eq!(i0, next);
                    let h = band.len() / n;
                    for r in 0..h {
                        for j in 0..n {
                            let (got, want) = (band[r * n + j], full[(i0 + r) * n + j]);
                            if need((i0 + r) / TILE, j / TILE) {
                                assert_eq!(got.to_bits(), want.to_bits(), "{n}: {},{j}", i0 + r);
                            } else {
                                assert!(got.is_nan());
                            }
                        }
                    }
                    next += h;
                });
                assert_eq!(next, n);
            }
            for diagonal in [true, false] {
                let vals = (0..n)
                    .flat_map(|i| (0..n).map(move |j| (i, j)))
                    .filter(|&(i, j)| diagonal || i != j)
                    .map(|(i, j)| full[i * n + j])
                    .filter(|v| !v.is_nan());
                let lo = vals.clone().fold(f64::INFINITY, f64::min);
                let hi = vals.fold(f64::NEG_INFINITY, f64::max);
                assert_eq!(symmetric_range(&x, n, d, fix, diagonal), Some((lo, hi)));
            }
        }
    }
}
