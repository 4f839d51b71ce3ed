//! The `f32` screen of a scan: which candidates of a GEMM row (or, in
//! the first scan, column) may be among a query's `K` cheapest, with a
//! rigorous bound on the `f32` error, vectorised and compiled for AVX2 and
//! FMA where the CPU has them.

use super::kernel::LANES;
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
    /// The CPU has AVX-512F: the scans run the fused kernel.
    avx512: bool,
    kappa: f64,
    slack: f32,
    /// `N_l·(1 − s)` per compact candidate (`∞` for a dead row), padded
    /// with `∞` to whole panels of the fused kernel.
    na: Vec<f32>,
    /// `1 / n_l` in `f32` per compact candidate, padded with 1 likewise.
    inv: Vec<f32>,
}

impl Screen {
    pub(super) fn new(r: &Rounds) -> Self {
        let kappa = (r.d as f64 + 8.0) * U32 * 1.02 + 1e-15;
        let slack = (kappa + 2e-6) as f32;
        let m = r.norm2_f32.len();
        let padded = m.div_ceil(LANES) * LANES;
        let mut na: Vec<f32> = r.norm2_f32.iter().map(|&v| v * (1.0 - slack)).collect();
        na.resize(padded, f32::INFINITY);
        let mut inv = r.inv_size_f32.clone();
        inv.resize(padded, 1.0);
        #[cfg(target_arch = "x86_64")]
        let avx2 = std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma");
        #[cfg(target_arch = "x86_64")]
        let avx512 = r.fused && std::arch::is_x86_feature_detected!("avx512f");
        #[cfg(not(target_arch = "x86_64"))]
        let avx512 = false;
        #[cfg(not(target_arch = "x86_64"))]
        let avx2 = false;
        Screen {
            avx2,
            avx512,
            kappa,
            slack,
            na,
            inv,
        }
    }

    /// The CPU runs the fused kernel ([`super::kernel`]).
    pub(super) fn fused(&self) -> bool {
        self.avx512
    }

    /// Each query's `f32` pre-test threshold and right-hand side (see
    /// [`Screen::bounds`]) for the fused screens: `qs` are slots.
    pub(super) fn row_bounds<const R: usize>(
        &self,
        r: &Rounds,
        qs: &[u32],
        st: &[Partial],
    ) -> [(f32, f32); R] {
        std::array::from_fn(|i| self.bounds(r, r.pos[qs[i] as usize] as usize, st[i].threshold()))
    }

    /// The fused row screen of a register block: queries `qs` (slots;
    /// their states `st`, their pre-test bounds `tb`, kept up to date)
    /// against the panel of candidates `c0..c0 + LANES` (compact), whose
    /// dot products are `acc`.
    ///
    /// # Safety
    /// The CPU must have AVX-512F; inlined into the fused kernel's
    /// callers, which are compiled for it.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    pub(super) unsafe fn rows_block<const R: usize>(
        &self,
        r: &Rounds,
        acc: &[[std::arch::x86_64::__m512; 2]; R],
        qs: &[u32],
        c0: usize,
        (st, tb): (&mut [Partial], &mut [(f32, f32); R]),
    ) {
        use std::arch::x86_64::*;
        let two = _mm512_set1_ps(2.0);
        for h in 0..2 {
            let cb = c0 + 16 * h;
            let na = _mm512_loadu_ps(self.na.as_ptr().add(cb));
            let inv = _mm512_loadu_ps(self.inv.as_ptr().add(cb));
            for i in 0..R {
                let (t32, bound) = tb[i];
                let x = _mm512_fnmadd_ps(_mm512_set1_ps(t32), inv, na);
                let x = _mm512_fnmadd_ps(two, acc[i][h], x);
                let mut mask = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(x, _mm512_set1_ps(bound));
                if mask == 0 {
                    continue;
                }
                let mut gs = [0.0f32; 16];
                _mm512_storeu_ps(gs.as_mut_ptr(), acc[i][h]);
                let q = qs[i] as usize;
                let p = r.pos[q] as usize;
                while mask != 0 {
                    let b = mask.trailing_zeros() as usize;
                    mask &= mask - 1;
                    if self.consider(r, q, p, cb + b, gs[b], &mut st[i]) {
                        tb[i] = self.bounds(r, p, st[i].threshold());
                    }
                }
            }
        }
    }

    /// The fused column screen of a register block of the first scan:
    /// the block's rows (compact `i0..i0 + R`) are candidates for its
    /// columns (compact `c0..c0 + LANES`, queries), each column with the
    /// threshold kept in `col` from column `j0` on; `st` are the states
    /// of the columns from `j0`.
    ///
    /// # Safety
    /// The CPU must have AVX-512F (inlined into callers compiled for it);
    /// `col` was set up by [`Screen::cols_setup`] for the tile.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    pub(super) unsafe fn cols_block<const R: usize>(
        &self,
        r: &Rounds,
        acc: &[[std::arch::x86_64::__m512; 2]; R],
        i0: usize,
        (j0, c0): (usize, usize),
        (st, col): (&mut [Partial], &mut ColState),
    ) {
        use std::arch::x86_64::*;
        let two = _mm512_set1_ps(2.0);
        for h in 0..2 {
            let kb = c0 - j0 + 16 * h;
            let mut t32 = _mm512_loadu_ps(col.t32.as_ptr().add(kb));
            let mut bound = _mm512_loadu_ps(col.bound.as_ptr().add(kb));
            for (i, a) in acc.iter().enumerate() {
                let ci = i0 + i;
                let x = _mm512_fnmadd_ps(
                    t32,
                    _mm512_set1_ps(self.inv[ci]),
                    _mm512_set1_ps(self.na[ci]),
                );
                let x = _mm512_fnmadd_ps(two, a[h], x);
                let mut mask = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(x, bound);
                if mask == 0 {
                    continue;
                }
                let mut gs = [0.0f32; 16];
                _mm512_storeu_ps(gs.as_mut_ptr(), a[h]);
                let mut moved = false;
                while mask != 0 {
                    let b = mask.trailing_zeros() as usize;
                    mask &= mask - 1;
                    let k = kb + b;
                    let p = j0 + k;
                    if self.consider(r, r.live[p] as usize, p, ci, gs[b], &mut st[k]) {
                        (col.t32[k], col.bound[k]) = self.bounds(r, p, st[k].threshold());
                        moved = true;
                    }
                }
                if moved {
                    t32 = _mm512_loadu_ps(col.t32.as_ptr().add(kb));
                    bound = _mm512_loadu_ps(col.bound.as_ptr().add(kb));
                }
            }
        }
    }

    /// Sets `col` up for the columns `j0..j0 + st.len()` of a tile: their
    /// current thresholds, padded to whole panels with lanes that never
    /// pass.
    pub(super) fn cols_setup(&self, r: &Rounds, j0: usize, st: &[Partial], col: &mut ColState) {
        col.t32.clear();
        col.bound.clear();
        for (k, s) in st.iter().enumerate() {
            let (t32, b) = self.bounds(r, j0 + k, s.threshold());
            col.t32.push(t32);
            col.bound.push(b);
        }
        let padded = st.len().div_ceil(LANES) * LANES;
        col.t32.resize(padded, 0.0);
        col.bound.resize(padded, f32::NEG_INFINITY);
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
        let Some(&nlj) = r.norm2.get(cj) else {
            return false; // a padding lane of the fused kernel
        };
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
        // The padding past `w` is never read: the pre-test zips with `g`.
        self.cols_setup(r, j0, st, col);
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
    /// Candidates by compact slot, each with its lower bound rounded
    /// down to `f32` (still a lower bound; 8 bytes an entry: the first
    /// scan keeps a state per query and per thread).
    pub(super) cand: Vec<(f32, u32)>,
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
            prune_at: 2 * K,
            overflow: false,
            seed,
        }
    }

    pub(super) fn his(&self) -> &[f64] {
        &self.his[..self.len]
    }

    #[inline]
    pub(super) fn threshold(&self) -> f64 {
        // `his` is padded with ∞: the K-th entry is the threshold once
        // K candidates were seen.
        self.his[K - 1].min(self.seed)
    }

    #[inline]
    fn push(&mut self, lo: f64, hi: f64, slot: u32) {
        if self.overflow {
            return;
        }
        let lo32 = lo as f32;
        self.cand.push((
            if lo32 as f64 > lo {
                lo32.next_down()
            } else {
                lo32
            },
            slot,
        ));
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
            self.cand.retain(|c| (c.0 as f64) < t);
            self.prune_at = (2 * self.cand.len()).max(2 * K);
            if self.cand.len() > MAX_SURVIVORS {
                self.overflow = true;
                self.cand = vec![];
            }
        }
    }
}
