//! Pairwise distances between rows, scipy `pdist` semantics and layout.
//!
//! Two paths, one result:
//! - **direct**: every pair evaluated with scipy's own operation order
//!   (sequential sums, numpy's pairwise mean for centring, the cosine clip),
//!   so distances are bit-identical to scipy's and tied data stays tied.
//!   Used whenever `n²·d/2` is small (the pass costs under ~0.1 s) and for
//!   city-block and Chebyshev.
//! - **GEMM**: Euclidean (`‖x‖² + ‖y‖² − 2x·y`), cosine and correlation (Gram
//!   matrix of normalised rows) through faer, in row blocks. GEMM cancels
//!   badly for near-identical rows, so any squared distance that is small
//!   relative to the norms is recomputed directly (duplicates come out
//!   exactly 0, as in scipy); and exact duplicate rows are made to share
//!   their distances bit for bit, so the ties they create are scipy's ties.

use std::fmt;
use std::str::FromStr;

use rayon::prelude::*;

use super::condensed::Condensed;
use crate::dtype::Storage;
use crate::stats::gram::gram_block_with;
use faer::Par;

/// A `pdist` metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// `sqrt(Σ (x − y)²)`: scipy's `euclidean`.
    Euclidean,
    /// `Σ (x − y)²`: scipy's `sqeuclidean`.
    Sqeuclidean,
    /// `1 − r`, `r` Pearson's correlation of the two rows (centred, then
    /// cosine): scipy's `correlation`, in `[0, 2]`; undefined for a row
    /// without variance.
    Correlation,
    /// `1 − x·y / (‖x‖ ‖y‖)`: scipy's `cosine`, in `[0, 2]`; undefined for a
    /// zero row.
    Cosine,
    /// `Σ |x − y|`: scipy's `cityblock` (Manhattan).
    Cityblock,
    /// `max |x − y|`: scipy's `chebyshev`.
    Chebyshev,
}

impl Metric {
    /// Every metric, in declaration order (for help texts and tests).
    pub const ALL: [Metric; 6] = [
        Metric::Euclidean,
        Metric::Sqeuclidean,
        Metric::Correlation,
        Metric::Cosine,
        Metric::Cityblock,
        Metric::Chebyshev,
    ];

    /// scipy's name for the metric (`"euclidean"`, ...), as [`FromStr`]
    /// parses and [`Display`](fmt::Display) prints it.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Euclidean => "euclidean",
            Metric::Sqeuclidean => "sqeuclidean",
            Metric::Correlation => "correlation",
            Metric::Cosine => "cosine",
            Metric::Cityblock => "cityblock",
            Metric::Chebyshev => "chebyshev",
        }
    }

    /// Metrics that divide by a row's norm (`cosine`) or centred norm
    /// (`correlation`), and are undefined where it is zero.
    pub fn needs_norms(self) -> bool {
        matches!(self, Metric::Correlation | Metric::Cosine)
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Metric {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Metric::ALL.into_iter().find(|m| m.name() == s).ok_or_else(|| {
            format!(
                "unknown metric '{s}' (expected one of: euclidean, sqeuclidean, correlation, cosine, cityblock, chebyshev)"
            )
        })
    }
}

/// Work (multiply-adds) below which every pair is computed directly.
pub(crate) const DIRECT_LIMIT: usize = 1 << 27;

/// Distances between the `n` rows of the row-major `n × d` matrix `x`.
pub fn pdist(x: &[f64], n: usize, d: usize, metric: Metric) -> Condensed {
    pdist_as(x, n, d, metric)
}

/// [`pdist`] stored as `T` (each distance computed in `f64`, rounded once).
pub fn pdist_as<T: Storage>(x: &[f64], n: usize, d: usize, metric: Metric) -> Condensed<T> {
    // Fresh zeroed pages: nothing to clear (clearing would first-touch
    // the whole matrix on one thread before the parallel fill).
    let mut out = Condensed::zeros(n);
    fill_scaled(x, d, metric, &mut out);
    out
}

/// [`pdist_as`] written into `out` (`n` points, any contents): the same
/// bits as a fresh call. A caller that needs the distances again after an
/// algorithm consumed them refills the buffer it already has, instead of
/// keeping a copy (fresh pages cost ~1 s per GB to first touch on some
/// VMs).
pub fn pdist_into<T: Storage>(x: &[f64], d: usize, metric: Metric, out: &mut Condensed<T>) {
    out.as_mut_slice().fill(T::from_f64(0.0));
    fill_scaled(x, d, metric, out)
}

/// [`pdist_as`] into a zeroed `out` of `out.n()` points.
fn fill_scaled<T: Storage>(x: &[f64], d: usize, metric: Metric, out: &mut Condensed<T>) {
    let n = out.n();
    let direct_ok = n * n.saturating_sub(1) / 2 * d.max(1) <= DIRECT_LIMIT;
    // cosine and correlation are scale-free: rows near the ends of f64's
    // range are brought to [1, 2) by an exact power of two, so no norm
    // overflows to ∞ (or underflows to 0) and gives a plausible wrong
    // distance. Ordinary inputs are not copied.
    if metric.needs_norms() && d > 0 {
        let scales: Vec<f64> = x[..n * d].chunks(d).map(crate::dtype::pow2_scale).collect();
        if scales.iter().any(|&s| s != 1.0) {
            let mut y = x[..n * d].to_vec();
            y.chunks_mut(d).zip(&scales).for_each(|(row, &s)| {
                row.iter_mut().for_each(|v| *v *= s);
            });
            return fill_with(&y, d, metric, direct_ok, out);
        }
    }
    fill_with(x, d, metric, direct_ok, out)
}

/// [`pdist`] with the path chosen by the caller (`direct = false` forces
/// GEMM where the metric has a GEMM form; tests compare the two).
pub fn pdist_with<T: Storage>(
    x: &[f64],
    n: usize,
    d: usize,
    metric: Metric,
    direct: bool,
) -> Condensed<T> {
    let mut out = Condensed::zeros(n);
    fill_with(x, d, metric, direct, &mut out);
    out
}

/// [`pdist_with`] into a zeroed `out` of `out.n()` points.
fn fill_with<T: Storage>(
    x: &[f64],
    d: usize,
    metric: Metric,
    direct: bool,
    out: &mut Condensed<T>,
) {
    let n = out.n();
    if n < 2 {
        return;
    }
    let use_direct = direct || matches!(metric, Metric::Cityblock | Metric::Chebyshev);
    if use_direct {
        let prepared = Prepared::new(x, n, d, metric);
        fill_direct(&prepared, out);
        return;
    }
    match metric {
        Metric::Euclidean | Metric::Sqeuclidean => {
            euclidean_gemm(x, n, d, metric == Metric::Euclidean, out)
        }
        Metric::Cosine | Metric::Correlation => {
            let z = normalised_rows(x, n, d, metric == Metric::Correlation);
            one_minus_gram(&z, n, d, out);
        }
        Metric::Cityblock | Metric::Chebyshev => unreachable!("handled by the direct path"),
    }
    share_duplicates(x, n, d, metric, out);
}

/// Rows as scipy sees them for a metric (centred for correlation) plus
/// their norms (cosine, correlation).
struct Prepared<'a> {
    rows: std::borrow::Cow<'a, [f64]>,
    norms: Vec<f64>,
    d: usize,
    metric: Metric,
}

impl<'a> Prepared<'a> {
    fn new(x: &'a [f64], n: usize, d: usize, metric: Metric) -> Self {
        let rows: std::borrow::Cow<[f64]> = if metric == Metric::Correlation {
            let mut c = x[..n * d].to_vec();
            if d > 0 {
                c.par_chunks_mut(d).for_each(|row| {
                    let mean = numpy_sum(row) / d as f64;
                    row.iter_mut().for_each(|v| *v -= mean);
                });
            }
            std::borrow::Cow::Owned(c)
        } else {
            std::borrow::Cow::Borrowed(&x[..n * d])
        };
        let norms = if metric.needs_norms() {
            (0..n)
                .map(|i| dot(&rows[i * d..(i + 1) * d], &rows[i * d..(i + 1) * d]).sqrt())
                .collect()
        } else {
            vec![]
        };
        Prepared {
            rows,
            norms,
            d,
            metric,
        }
    }

    fn row(&self, i: usize) -> &[f64] {
        &self.rows[i * self.d..(i + 1) * self.d]
    }

    /// scipy's value for the pair (i, j), same operations in the same order.
    #[inline]
    fn pair(&self, i: usize, j: usize) -> f64 {
        let (a, b) = (self.row(i), self.row(j));
        let acc = match self.metric {
            Metric::Euclidean => a.iter().zip(b).fold(0.0, |s, (p, q)| {
                let t = (p - q).abs();
                s + t * t
            }),
            Metric::Sqeuclidean => a.iter().zip(b).fold(0.0, |s, (p, q)| {
                let t = p - q;
                s + t * t
            }),
            Metric::Cityblock => a.iter().zip(b).fold(0.0, |s, (p, q)| s + (p - q).abs()),
            Metric::Chebyshev => a.iter().zip(b).fold(0.0, |m: f64, (p, q)| {
                let t = (p - q).abs();
                if t > m {
                    t
                } else {
                    m
                }
            }),
            Metric::Cosine | Metric::Correlation => dot(a, b),
        };
        self.finish(i, j, acc)
    }

    /// The distance from the accumulated sum (or maximum) of pair (i, j).
    #[inline]
    fn finish(&self, i: usize, j: usize, acc: f64) -> f64 {
        match self.metric {
            Metric::Euclidean => acc.sqrt(),
            Metric::Sqeuclidean | Metric::Cityblock | Metric::Chebyshev => acc,
            Metric::Cosine | Metric::Correlation => {
                let mut c = acc / (self.norms[i] * self.norms[j]);
                if c.abs() > 1.0 {
                    c = 1.0f64.copysign(c);
                }
                1.0 - c
            }
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |s, (p, q)| s + p * q)
}

/// numpy's pairwise summation (`np.add.reduce` on a contiguous row), so
/// means used for centring round exactly as numpy's do.
pub(crate) fn numpy_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut r = 0.0;
        for v in a {
            r += v;
        }
        r
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - (n % 8) {
            for k in 0..8 {
                r[k] += a[i + k];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += a[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        numpy_sum(&a[..n2]) + numpy_sum(&a[n2..])
    }
}

/// Rows per lane block of [`fill_direct`].
const LANES: usize = 8;

/// Largest input (bytes) [`fill_direct`] copies into lane blocks.
const LANES_BUDGET: usize = 256 << 20;

/// Every pair by scipy's own sums, eight pairs at a time: the rows are
/// interleaved in blocks of eight (`lanes[b][k][l]` = element `k` of row
/// `8b + l`), so row `i` meets eight rows at once and each pair still
/// accumulates its terms one by one in scipy's order (no reassociation, no
/// fused multiply-add) — the result is bit for bit [`Prepared::pair`],
/// while the eight independent sums vectorise (a scalar sum is one long
/// dependency chain).
fn fill_direct<T: Storage>(p: &Prepared, out: &mut Condensed<T>) {
    fill_direct_within(p, out, LANES_BUDGET)
}

/// [`fill_direct`] with the lane copy allowed up to `budget` bytes.
fn fill_direct_within<T: Storage>(p: &Prepared, out: &mut Condensed<T>, budget: usize) {
    let (n, d) = (out.n(), p.d);
    if n * d * std::mem::size_of::<f64>() > budget {
        // The interleaved copy would be a second large matrix (cityblock
        // and Chebyshev come here at any size): pair by pair instead.
        rows_mut(out)
            .into_par_iter()
            .enumerate()
            .for_each(|(i, row)| {
                for (k, v) in row.iter_mut().enumerate() {
                    *v = T::from_f64(p.pair(i, i + 1 + k));
                }
            });
        return;
    }
    let blocks = n.div_ceil(LANES);
    let mut lanes = vec![0.0f64; blocks * d * LANES];
    for (j, row) in p.rows[..n * d].chunks_exact(d.max(1)).enumerate().take(n) {
        let (b, l) = (j / LANES, j % LANES);
        for (k, &v) in row.iter().enumerate() {
            lanes[(b * d + k) * LANES + l] = v;
        }
    }
    rows_mut(out)
        .into_par_iter()
        .enumerate()
        .for_each(|(i, row)| {
            let xi = p.row(i);
            for b in (i + 1) / LANES..blocks {
                let block = &lanes[b * d * LANES..(b + 1) * d * LANES];
                let acc = match p.metric {
                    Metric::Euclidean => eight(xi, block, |s, a, y| {
                        let t = (a - y).abs();
                        s + t * t
                    }),
                    Metric::Sqeuclidean => eight(xi, block, |s, a, y| {
                        let t = a - y;
                        s + t * t
                    }),
                    Metric::Cityblock => eight(xi, block, |s, a, y| s + (a - y).abs()),
                    Metric::Chebyshev => eight(xi, block, |m, a, y| {
                        let t = (a - y).abs();
                        if t > m {
                            t
                        } else {
                            m
                        }
                    }),
                    Metric::Cosine | Metric::Correlation => eight(xi, block, |s, a, y| s + a * y),
                };
                for (l, &v) in acc.iter().enumerate() {
                    let j = b * LANES + l;
                    if j <= i || j >= n {
                        continue;
                    }
                    row[j - i - 1] = T::from_f64(p.finish(i, j, v));
                }
            }
        });
}

/// Eight running sums (or maxima) of `step(acc, x_k, y_lk)` over `k`.
#[inline(always)]
fn eight(xi: &[f64], block: &[f64], step: impl Fn(f64, f64, f64) -> f64) -> [f64; LANES] {
    let mut acc = [0.0f64; LANES];
    for (k, &a) in xi.iter().enumerate() {
        let y = &block[k * LANES..(k + 1) * LANES];
        for l in 0..LANES {
            acc[l] = step(acc[l], a, y[l]);
        }
    }
    acc
}

/// Exact duplicate rows (bitwise) take the distances of their first copy,
/// and the distance between copies is computed directly: GEMM rounding may
/// otherwise differ by position and turn scipy's exact ties into near-ties.
fn share_duplicates<T: Storage>(
    x: &[f64],
    n: usize,
    d: usize,
    metric: Metric,
    out: &mut Condensed<T>,
) {
    let mut first: std::collections::HashMap<Vec<u64>, usize> = std::collections::HashMap::new();
    let mut rep = vec![usize::MAX; n];
    for i in 0..n {
        let key: Vec<u64> = x[i * d..(i + 1) * d].iter().map(|v| v.to_bits()).collect();
        let r = *first.entry(key).or_insert(i);
        if r != i {
            rep[i] = r;
        }
    }
    if rep.iter().all(|&r| r == usize::MAX) {
        return;
    }
    let prepared = Prepared::new(x, n, d, metric);
    for j in 0..n {
        let r = rep[j];
        if r == usize::MAX {
            continue;
        }
        for k in 0..n {
            if k != j && k != r {
                let v = out.get(r, k);
                out.set(j, k, v);
            }
        }
        out.set(r, j, prepared.pair(r, j));
    }
}

/// Splits the condensed storage into one mutable slice per row `i`
/// (entries `(i, i+1..n)`), so rows can be filled in parallel.
fn rows_mut<T: Storage>(out: &mut Condensed<T>) -> Vec<&mut [T]> {
    let n = out.n();
    let mut rest = out.as_mut_slice();
    let mut rows = Vec::with_capacity(n);
    for i in 0..n {
        let (row, tail) = rest.split_at_mut(n - i - 1);
        rows.push(row);
        rest = tail;
    }
    rows
}

fn sq_direct(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |s, (p, q)| {
        let t = (p - q).abs();
        s + t * t
    })
}

/// Rows per GEMM block in the distance kernels.
const DIST_BLOCK: usize = 64;

/// Columns per GEMM chunk: a 64 × 512 Gram chunk (256 KiB) stays in L2
/// while it is turned into distances. (Whole 64 × n blocks were 10 MB at
/// n = 20 000, written to memory by the GEMM and read back.)
const DIST_CHUNK: usize = 512;

/// Runs `fill(i, j0, gram, row)` over every condensed row `i` in pieces:
/// `row[k]` is the entry `(i, j0 + k)` and `gram[k]` the product
/// `z_i · z_(j0+k)`. Each block of rows is one task (rayon balances their
/// unequal lengths) doing one sequential GEMM per column chunk.
fn by_gram_blocks<T: Storage>(
    z: &[f64],
    n: usize,
    d: usize,
    out: &mut Condensed<T>,
    fill: impl Fn(usize, usize, &[f64], &mut [T]) + Sync,
) {
    let mut rows = rows_mut(out);
    rows.par_chunks_mut(DIST_BLOCK)
        .enumerate()
        .for_each(|(b, chunk)| {
            let i0 = b * DIST_BLOCK;
            let i1 = i0 + chunk.len();
            let mut g = Vec::new();
            // Columns from i0 + 1: the block's first row starts there.
            for c0 in (i0 + 1..n).step_by(DIST_CHUNK) {
                let c1 = (c0 + DIST_CHUNK).min(n);
                let w = c1 - c0;
                gram_block_with(&z[..c1 * d], c1, d, (i0, i1, c0), &mut g, Par::Seq);
                for (bi, row) in chunk.iter_mut().enumerate() {
                    let i = i0 + bi;
                    // This row's entries j in max(i + 1, c0)..c1.
                    let j0 = (i + 1).max(c0);
                    if j0 >= c1 {
                        continue;
                    }
                    let (from, to) = (j0 - (i + 1), c1 - (i + 1));
                    fill(
                        i,
                        j0,
                        &g[bi * w + (j0 - c0)..(bi + 1) * w],
                        &mut row[from..to],
                    );
                }
            }
        });
}

/// Whether a squared distance `‖x‖² + ‖y‖² − 2x·y = s` must be recomputed
/// directly: it is a small fraction of the norms (cancellation; relative
/// error would exceed ~1e-12), or NaN (the norms overflowed, inf − inf).
#[inline(always)]
fn lost_digits(s: f64, norms: f64) -> bool {
    s.is_nan() || s <= 1e-3 * norms
}

fn euclidean_gemm<T: Storage>(
    x: &[f64],
    n: usize,
    d: usize,
    take_sqrt: bool,
    out: &mut Condensed<T>,
) {
    let sq: Vec<f64> = (0..n)
        .map(|i| x[i * d..(i + 1) * d].iter().map(|v| v * v).sum())
        .collect();
    by_gram_blocks(x, n, d, out, |i, j0, gram, row| {
        let sq_j = &sq[j0..j0 + row.len()];
        // Branch-free first pass (it vectorises; the sqrt dominates
        // otherwise) that only flags rows with entries to recompute.
        let mut cancelled = false;
        for ((v, &g), &sj) in row.iter_mut().zip(gram).zip(sq_j) {
            let norms = sq[i] + sj;
            let s = norms - 2.0 * g;
            cancelled |= lost_digits(s, norms);
            let s = s.max(0.0);
            *v = T::from_f64(if take_sqrt { s.sqrt() } else { s });
        }
        if !cancelled {
            return;
        }
        for (k, (v, &g)) in row.iter_mut().zip(gram).enumerate() {
            let j = j0 + k;
            let norms = sq[i] + sq[j];
            if lost_digits(norms - 2.0 * g, norms) {
                let s = sq_direct(&x[i * d..(i + 1) * d], &x[j * d..(j + 1) * d]).max(0.0);
                *v = T::from_f64(if take_sqrt { s.sqrt() } else { s });
            }
        }
    });
}

/// Rows centred (for correlation) and scaled to unit L2 norm; rows of zero
/// norm become NaN, as scipy's 0/0 does.
fn normalised_rows(x: &[f64], n: usize, d: usize, centre: bool) -> Vec<f64> {
    let mut z = x.to_vec();
    z.par_chunks_mut(d.max(1)).take(n).for_each(|row| {
        if centre {
            let mean = row.iter().sum::<f64>() / d as f64;
            row.iter_mut().for_each(|v| *v -= mean);
        }
        let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt();
        row.iter_mut().for_each(|v| *v /= norm);
    });
    z
}

fn one_minus_gram<T: Storage>(z: &[f64], n: usize, d: usize, out: &mut Condensed<T>) {
    by_gram_blocks(z, n, d, out, |_, _, gram, row| {
        for (v, &c) in row.iter_mut().zip(gram) {
            // scipy clips the cosine to [-1, 1] before `1 - c`.
            *v = T::from_f64(if c.is_nan() {
                f64::NAN
            } else {
                1.0 - c.clamp(-1.0, 1.0)
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pairs_distance_does_not_depend_on_where_its_rows_sit() {
        // The optimal ordering refills the matrix from the rows in leaf
        // order and relies on the same bits as the original order: every
        // metric, both paths, f64 and f32 storage.
        let (n, d) = (700usize, 7usize);
        let x: Vec<f64> = (0..n * d)
            .map(|k| ((k * 7919) % 1013) as f64 / 101.0 - 5.0 + (k % 3) as f64 * 1e-3)
            .collect();
        // A fixed scramble of the rows.
        let perm: Vec<usize> = (0..n).map(|p| (p * 389 + 17) % n).collect();
        let moved: Vec<f64> = perm
            .iter()
            .flat_map(|&i| &x[i * d..(i + 1) * d])
            .copied()
            .collect();
        for metric in Metric::ALL {
            for direct in [true, false] {
                let a = pdist_with::<f64>(&x, n, d, metric, direct);
                let b = pdist_with::<f64>(&moved, n, d, metric, direct);
                let a32 = pdist_with::<f32>(&x, n, d, metric, direct);
                let b32 = pdist_with::<f32>(&moved, n, d, metric, direct);
                for p in 0..n {
                    for q in p + 1..n {
                        let (i, j) = (perm[p], perm[q]);
                        assert_eq!(
                            a.get(i, j).to_bits(),
                            b.get(p, q).to_bits(),
                            "{metric:?} direct={direct} ({i}, {j})"
                        );
                        assert_eq!(a32.get(i, j).to_bits(), b32.get(p, q).to_bits());
                    }
                }
            }
        }
    }

    #[test]
    fn refilling_a_used_buffer_gives_the_fresh_bits() {
        // Both paths (direct below DIRECT_LIMIT, GEMM above), a metric
        // with norms, and duplicate rows (shared distances).
        for &(n, d) in &[(40usize, 3usize), (3000, 40)] {
            let mut x: Vec<f64> = (0..n * d)
                .map(|k| ((k * 7919) % 1013) as f64 / 101.0 - 5.0)
                .collect();
            x.copy_within(0..d, d); // row 1 = row 0
            for metric in [Metric::Euclidean, Metric::Cosine] {
                let fresh = pdist(&x, n, d, metric);
                let mut used = Condensed::<f64>::zeros(n);
                used.as_mut_slice()
                    .iter_mut()
                    .enumerate()
                    .for_each(|(k, v)| *v = k as f64);
                pdist_into(&x, d, metric, &mut used);
                let bits =
                    |c: &Condensed| c.as_slice().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&fresh), bits(&used), "{n} x {d}, {metric:?}");
            }
        }
    }

    #[test]
    fn eight_lane_direct_pass_is_the_scalar_pass_bit_for_bit() {
        // 37 rows (the last lane block partial), duplicates, a constant row,
        // NaN and signed zeros: every metric, every pair, same bits as the
        // one-pair-at-a-time evaluation in scipy's order.
        let (n, d) = (37, 7);
        let mut x: Vec<f64> = (0..n * d)
            .map(|k| ((k * 7919 + 11) % 83) as f64 / 7.0 - 5.0)
            .collect();
        x.copy_within(3 * d..4 * d, 20 * d);
        x[9 * d..10 * d].iter_mut().for_each(|v| *v = 1.5);
        x[12 * d + 2] = f64::NAN;
        x[30 * d] = -0.0;
        x[31 * d] = 0.0;
        for metric in Metric::ALL {
            let p = Prepared::new(&x, n, d, metric);
            let got: Condensed = pdist_with(&x, n, d, metric, true);
            // Over the lane budget: the pair-by-pair pass, same bits.
            let mut scalar = Condensed::<f64>::zeros(n);
            fill_direct_within(&p, &mut scalar, 0);
            for i in 0..n {
                for j in i + 1..n {
                    let (a, b) = (got.get(i, j), p.pair(i, j));
                    assert!(
                        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                        "{metric} ({i}, {j}): {a} vs {b}"
                    );
                    let c = scalar.get(i, j);
                    assert!(c.to_bits() == b.to_bits() || (c.is_nan() && b.is_nan()));
                }
            }
        }
    }
}
