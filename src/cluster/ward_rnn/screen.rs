//! The `f32` screen of a scan: which candidates of a GEMM row (or, in
//! the first scan, column) may be among a query's `K` cheapest, with a
//! rigorous bound on the `f32` error, vectorised and compiled for AVX2 and
//! FMA where the CPU has them.

use super::rounds::Rounds;
use super::{K, MAX_SURVIVORS, U32, W};

/// The per-scan constants of the screen of one row of `q · Lᵀ`.
///
/// For candidate `l` the exact test is `lo < t` with
/// `lo = w·(sq − κ·(N_q + N_l))`, `w = 1 / (1/n_q + 1/n_l)`,
/// `sq = N_q + N_l − 2g` (`N` squared norms of the `f32` centroids, `g`
/// their `f32` dot product, `κ·(N_q + N_l)` a bound on the error of `sq`
/// against the `f64` centroids: the dot product's rounding, `(d + 2)·u`,
/// and the `f32` rounding of the centroids). First an `f32` pre-test,
/// vectorised [`W`] candidates at a time and looser by a relative slack
/// covering its own rounding, rewritten without a division:
/// `N_l·(1 − s) − t·(1/n_l) − 2g < t/n_q + s·N_q − N_q·(1 − κ)`.
pub(super) struct Screen {
    /// The CPU has AVX2 and FMA: the screens run compiled for them
    /// (chosen once per scan; the slack covers either rounding).
    avx2: bool,
    kappa: f64,
    slack: f32,
    /// `N_l·(1 − s)` per compact candidate (`∞` for a dead row).
    na: Vec<f32>,
}

impl Screen {
    pub(super) fn new(r: &Rounds) -> Self {
        let kappa = (r.d as f64 + 8.0) * U32 * 1.02 + 1e-15;
        let slack = (kappa + 2e-6) as f32;
        let na = r.norm2_f32.iter().map(|&v| v * (1.0 - slack)).collect();
        #[cfg(target_arch = "x86_64")]
        let avx2 = std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma");
        #[cfg(not(target_arch = "x86_64"))]
        let avx2 = false;
        Screen {
            avx2,
            kappa,
            slack,
            na,
        }
    }

    /// The `f32` pre-test's threshold and right-hand side for query
    /// (compact index) `p` at threshold `t`.
    fn bounds(&self, r: &Rounds, p: usize, t: f64) -> (f32, f32) {
        if !t.is_finite() {
            return (f32::INFINITY, f32::INFINITY);
        }
        let (nq, rq) = (r.norm2[p], r.inv_size[p]);
        let t32 = (t * (1.0 + 1e-5)) as f32;
        let bound =
            (t * rq) as f32 + self.slack * nq as f32 + 1e-30 - (nq * (1.0 - self.kappa)) as f32;
        (t32, bound)
    }

    /// The exact test of candidate `cj` (compact) for query `q` (compact
    /// `p`) whose `f32` product is `g`; true when it was kept.
    #[inline(always)]
    fn consider(
        &self,
        r: &Rounds,
        q: usize,
        p: usize,
        cj: usize,
        g: f32,
        st: &mut Partial,
    ) -> bool {
        let nlj = r.norm2[cj];
        if !nlj.is_finite() || r.live[cj] as usize == q {
            return false;
        }
        let sum = r.norm2[p] + nlj;
        let sq = sum - 2.0 * g as f64;
        let err = self.kappa * sum + 1e-30;
        let w = 1.0 / (r.inv_size[p] + r.inv_size[cj]);
        let lo = w * (sq - err);
        if lo < st.threshold() {
            st.push(lo, w * (sq + err), r.live[cj]);
            true
        } else {
            false
        }
    }

    /// Screens query `q`'s row `g` (candidates `c0..c0 + g.len()`).
    pub(super) fn row(&self, r: &Rounds, q: usize, g: &[f32], c0: usize, st: &mut Partial) {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` records that the CPU has AVX2 and FMA.
            return unsafe { self.row_avx2(r, q, g, c0, st) };
        }
        self.row_impl(r, q, g, c0, st)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn row_avx2(&self, r: &Rounds, q: usize, g: &[f32], c0: usize, st: &mut Partial) {
        self.row_impl(r, q, g, c0, st)
    }

    #[inline(always)]
    fn row_impl(&self, r: &Rounds, q: usize, g: &[f32], c0: usize, st: &mut Partial) {
        let p = r.pos[q] as usize;
        let na = &self.na[c0..c0 + g.len()];
        let inv_size_f32 = &r.inv_size_f32[c0..c0 + g.len()];
        let mut flags = [0u8; W];
        for (ci, ((gc, nc), rc)) in g
            .chunks(W)
            .zip(na.chunks(W))
            .zip(inv_size_f32.chunks(W))
            .enumerate()
        {
            let (t32, bound) = self.bounds(r, p, st.threshold());
            let hits = pretest(gc, nc, rc, t32, bound, &mut flags[..gc.len()]);
            if hits == 0 {
                continue;
            }
            for j in set_flags(&flags[..gc.len()]) {
                self.consider(r, q, p, c0 + ci * W + j, gc[j], st);
            }
        }
    }

    /// The transposed screen of a tile: the rows `i0..i0 + h` of `g` are
    /// candidates for the queries `j0..j0 + w` (its columns), vectorised
    /// across the queries with one threshold per query.
    pub(super) fn cols(
        &self,
        r: &Rounds,
        g: &[f32],
        rows: (usize, usize),
        cols: (usize, usize),
        st: &mut [Partial],
        col: &mut ColState,
    ) {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` records that the CPU has AVX2 and FMA.
            return unsafe { self.cols_avx2(r, g, rows, cols, st, col) };
        }
        self.cols_impl(r, g, rows, cols, st, col)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn cols_avx2(
        &self,
        r: &Rounds,
        g: &[f32],
        rows: (usize, usize),
        cols: (usize, usize),
        st: &mut [Partial],
        col: &mut ColState,
    ) {
        self.cols_impl(r, g, rows, cols, st, col)
    }

    #[inline(always)]
    fn cols_impl(
        &self,
        r: &Rounds,
        g: &[f32],
        (i0, h): (usize, usize),
        (j0, w): (usize, usize),
        st: &mut [Partial],
        col: &mut ColState,
    ) {
        col.t32.clear();
        col.bound.clear();
        for (k, s) in st.iter().enumerate() {
            let (t32, b) = self.bounds(r, j0 + k, s.threshold());
            col.t32.push(t32);
            col.bound.push(b);
        }
        let mut flags = std::mem::take(&mut col.flags);
        flags.clear();
        flags.resize(w, 0);
        for ri in 0..h {
            let ci = i0 + ri;
            let row = &g[ri * w..(ri + 1) * w];
            let hits = pretest_cols(
                row,
                self.na[ci],
                r.inv_size_f32[ci],
                &col.t32,
                &col.bound,
                &mut flags,
            );
            if hits == 0 {
                continue;
            }
            for k in set_flags(&flags) {
                let p = j0 + k;
                let q = r.live[p] as usize;
                if self.consider(r, q, p, ci, row[k], &mut st[k]) {
                    let (t32, b) = self.bounds(r, p, st[k].threshold());
                    col.t32[k] = t32;
                    col.bound[k] = b;
                }
            }
        }
        col.flags = flags;
    }
}

/// Per-query thresholds of [`Screen::cols`], reused across tiles.
#[derive(Default)]
pub(super) struct ColState {
    t32: Vec<f32>,
    bound: Vec<f32>,
    flags: Vec<u8>,
}

/// Indices of the non-zero bytes of `flags`, eight at a time (most chunks
/// that pass at all pass one or two candidates).
fn set_flags(flags: &[u8]) -> impl Iterator<Item = usize> + '_ {
    flags.chunks(8).enumerate().flat_map(|(i, w)| {
        let mut b = [0u8; 8];
        b[..w.len()].copy_from_slice(w);
        let mut bits = u64::from_le_bytes(b);
        std::iter::from_fn(move || {
            (bits != 0).then(|| {
                let at = bits.trailing_zeros() as usize / 8;
                bits &= !(0xffu64 << (at * 8));
                i * 8 + at
            })
        })
    })
}

/// The pre-test of [`Screen::cols`]: one candidate (`na`, `inv_size`) against a
/// row of queries, each with its own threshold.
#[inline(always)]
fn pretest_cols(
    g: &[f32],
    na: f32,
    inv_size: f32,
    t32: &[f32],
    bound: &[f32],
    flags: &mut [u8],
) -> u32 {
    let mut hits = 0u32;
    for (((f, &gv), &tv), &bv) in flags.iter_mut().zip(g).zip(t32).zip(bound) {
        let pass = na - tv * inv_size - 2.0 * gv < bv;
        *f = pass as u8;
        hits += pass as u32;
    }
    hits
}

/// The `f32` pre-test of [`Screen::row`] over one chunk: sets `flags[j]`
/// and returns how many passed.
#[inline(always)]
fn pretest(g: &[f32], na: &[f32], inv_size: &[f32], t32: f32, bound: f32, flags: &mut [u8]) -> u32 {
    let mut hits = 0u32;
    for (((f, &gv), &nv), &rv) in flags.iter_mut().zip(g).zip(na).zip(inv_size) {
        let pass = nv - t32 * rv - 2.0 * gv < bound;
        *f = pass as u8;
        hits += pass as u32;
    }
    hits
}

/// One query's screening state over part of the candidates: the `K`
/// smallest upper bounds seen (the running threshold) and every candidate
/// whose lower bound was under the threshold when seen.
pub(super) struct Partial {
    /// The `len` smallest upper bounds so far, ascending.
    his: [f64; K],
    len: usize,
    pub(super) cand: Vec<(f64, u32)>,
    /// Prune `cand` when it grows past this (doubling: amortised).
    prune_at: usize,
    /// More than [`MAX_SURVIVORS`] candidates could not be told apart
    /// from the `K` cheapest (duplicate rows, clusters far tighter than
    /// `f32` resolves): the scan gives up rather than grow.
    pub(super) overflow: bool,
    seed: f64,
}

impl Partial {
    pub(super) fn new(seed: f64) -> Self {
        Partial {
            his: [f64::INFINITY; K],
            len: 0,
            cand: vec![],
            prune_at: 8 * K,
            overflow: false,
            seed,
        }
    }

    pub(super) fn his(&self) -> &[f64] {
        &self.his[..self.len]
    }

    #[inline]
    fn threshold(&self) -> f64 {
        // `his` is padded with ∞: the K-th entry is the threshold once
        // K candidates were seen.
        self.his[K - 1].min(self.seed)
    }

    #[inline]
    fn push(&mut self, lo: f64, hi: f64, slot: u32) {
        if self.overflow {
            return;
        }
        self.cand.push((lo, slot));
        if hi < self.his[K - 1] {
            let mut at = K - 1;
            while at > 0 && self.his[at - 1] > hi {
                self.his[at] = self.his[at - 1];
                at -= 1;
            }
            self.his[at] = hi;
            self.len = (self.len + 1).min(K);
        }
        if self.cand.len() > self.prune_at {
            let t = self.threshold();
            self.cand.retain(|c| c.0 < t);
            self.prune_at = (2 * self.cand.len()).max(8 * K);
            if self.cand.len() > MAX_SURVIVORS {
                self.overflow = true;
                self.cand = vec![];
            }
        }
    }
}
