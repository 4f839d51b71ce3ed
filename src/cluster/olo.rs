//! Optimal leaf ordering (Bar-Joseph, Gifford & Jaakkola 2001): flip the
//! children of internal nodes so the sum of distances between adjacent
//! leaves is minimal. The result equals scipy's `optimal_leaf_ordering`,
//! including its choices among equal-cost orders: like scipy we keep the
//! dynamic-programming table in `f32`, visit candidates in the order its
//! quicksort leaves them, and break ties by first occurrence.
//!
//! Faster than scipy by construction: scipy re-sorts the candidate list of
//! the right subtree for every (u, w) pair and builds an n × n ancestor
//! matrix; we sort each list once per node and only as deep as it is read
//! (`Lazy`, the same quicksort), skip candidates that provably cannot be
//! strictly better (per m: min_k D[m,k], then the least M[w,k] + D[m,k]
//! of its (w, m), `least_sum`; for all the m's still to come: the least
//! M[w,k] + min_m D[m,k], `least_sum_over_m`; and dominance along the
//! sorted k's: `Front`), evaluate the (u, w) pairs of a node in parallel
//! bands, and
//! derive the flips with one O(n) pass. Memory: per-node blocks instead of
//! scipy's two dense n × n tables (see [`optimal_leaf_ordering`]).

use rayon::prelude::*;

use super::condensed::{row_start, Condensed};
use super::linkage::Linkage;
use crate::dtype::Storage;
use crate::par::SharedMut;

const BIG: f32 = 1_073_741_824.0; // 2^30, scipy's "infinity" here

/// Work (pairs) above which a node's loops are spread over threads; below
/// it the hand-off costs more than the work (same result either way: every
/// (u, w) is computed alone from finished subtrees).
const PAR_WORK: usize = 4096;

/// Columns w done together by a band (rows are written in runs this long).
const TILE: usize = 16;

/// Returns `z` with children swapped so that `z.leaves()` is the optimal
/// leaf order for the distances `dist` (over the original leaf ids; the
/// `n` points `z` was built on, n(n−1)/2 entries): scipy's
/// `optimal_leaf_ordering(Z, y)`, same order, ties included.
///
/// The distances are first copied into the order of `z.leaves()` (one more
/// n(n−1)/2 matrix); a caller that can compute them in that order (from
/// the observations, rows permuted) calls [`optimal_leaf_ordering_sorted`]
/// instead and saves the copy.
pub fn optimal_leaf_ordering<T: Storage>(z: &Linkage, dist: &Condensed<T>) -> Linkage {
    let n = z.n();
    if n < 3 {
        return z.clone();
    }
    let leaves = z.leaves();
    let mut sorted = Condensed::<T>::zeros(n);
    let out = sorted.as_mut_slice();
    let mut k = 0;
    for (p, &a) in leaves.iter().enumerate() {
        for &b in &leaves[p + 1..] {
            out[k] = T::from_f64(dist.get(a, b));
            k += 1;
        }
    }
    optimal_leaf_ordering_sorted(z, &sorted)
}

/// [`optimal_leaf_ordering`] given `sorted`, the distances between the
/// leaves in the order of `z.leaves()`: entry (p, q) is the distance
/// between leaves `z.leaves()[p]` and `z.leaves()[q]` (n(n−1)/2 entries,
/// scipy's condensed layout over positions).
///
/// In that order the leaves under any node are a run of positions, so the
/// distances the dynamic programme reads for a node, D between its left
/// and right subtrees, are a block of contiguous row segments of `sorted`,
/// read in place.
///
/// Memory: scipy holds two dense n × n tables (its `sorted_D` in f64 and
/// `M` in f32). Here, besides `sorted`, only M is held: for each subtree
/// whose parent is not done yet, M between the leaves of its two children
/// (|L| × |R| f32, freed once the parent is done). The blocks of all
/// nodes together are n(n−1)/2 entries, so the peak is at most n²/4
/// entries (a balanced root) and usually far less.
pub fn optimal_leaf_ordering_sorted<T: Storage>(z: &Linkage, sorted: &Condensed<T>) -> Linkage {
    let n = z.n();
    if n < 3 {
        return z.clone();
    }
    debug_assert_eq!(sorted.n(), n);
    let leaves = z.leaves();
    let mut pos = vec![0usize; n];
    for (p, &leaf) in leaves.iter().enumerate() {
        pos[leaf] = p;
    }
    // Tree over sorted positions: leaves renamed to their position.
    let map = |c: usize| if c < n { pos[c] } else { c };
    let sz: Vec<(usize, usize)> = z.steps().iter().map(|s| (map(s.a), map(s.b))).collect();
    let mut range = vec![(0usize, 0usize); 2 * n - 1];
    for (i, r) in range.iter_mut().enumerate().take(n) {
        *r = (i, i + 1);
    }
    for (k, &(a, b)) in sz.iter().enumerate() {
        range[n + k] = (range[a].0, range[b].1);
    }
    let tree = Tree {
        n,
        sz: &sz,
        range: &range,
    };
    // M of each finished node whose parent is not done yet (see `Tree::m_row`).
    let mut blocks: Vec<Vec<f32>> = vec![Vec::new(); n - 1];
    // Freed blocks, reused: fresh memory is slow to touch the first time.
    let mut spare = Spare(Vec::new());
    let mut must_swap = vec![false; n - 1];
    let data = sorted.as_slice();

    for (node, &(vl, vr)) in sz.iter().enumerate() {
        let (l_lo, l_hi) = range[vl];
        let (r_lo, r_hi) = range[vr];
        let (wl, wr) = (l_hi - l_lo, r_hi - r_lo);
        // scipy's `sorted_D` restricted to this node: row u − l_lo, column
        // w − r_lo (u left of w, so the rows are the left subtree's leaves),
        // in place in `sorted`.
        let d = Block {
            data,
            n,
            l_lo,
            r_lo,
            wr,
        };
        // The left choices (u's subtree, m's subtree) and the right ones
        // (w's, k's), in scipy's order.
        let left = tree.choices(vl, false);
        let right = tree.choices(vr, true);
        // Columns of each right choice's k's.
        let k_cols: Vec<(usize, usize)> = right.parts[..right.len]
            .iter()
            .map(|&(_, kc)| (range[kc].0 - r_lo, range[kc].1 - r_lo))
            .collect();
        // Each row m: per right choice min_k D[m, k].
        let mut row_min = vec![[f64::INFINITY; 2]; wl];
        let fill = |(i, mins): (usize, &mut [f64; 2])| {
            let row = d.row(i);
            for (slot, &(k0, k1)) in mins.iter_mut().zip(&k_cols) {
                *slot = row[k0..k1].iter().fold(f64::INFINITY, |x, v| {
                    let v = v.to_f64();
                    if v < x {
                        v
                    } else {
                        x
                    }
                });
            }
        };
        if wl * wr >= PAR_WORK {
            row_min.par_iter_mut().enumerate().for_each(fill);
        } else {
            row_min.iter_mut().enumerate().for_each(fill);
        }
        // Per right choice the minimum of D[m, k] over k for each row m,
        // and per (right, left) choice scipy's global min of D[m, k] in f32
        // (its fold, `v < min as f64` then `min = v as f32`, ends at the
        // f32 of the least v whatever the order, so rows' minima suffice).
        let min_k_of_m: Vec<Vec<f64>> = (0..right.len)
            .map(|sr| row_min.iter().map(|r| r[sr]).collect())
            .collect();
        let mut min_km = [[BIG; 2]; 2];
        for (sr, mins) in min_k_of_m.iter().enumerate() {
            for (mi, &v) in mins.iter().enumerate() {
                // m lies in the inner subtree of the other left choice.
                let sl = (left.of(&range, l_lo + mi) + 1) % left.len;
                let g = &mut min_km[sr][sl];
                if v < *g as f64 {
                    *g = v as f32;
                }
            }
        }
        // M for this node, row-major: M[u, w] at (u − l_lo)·wr + (w − r_lo);
        // the root's is never read, so not kept.
        let keep = node + 1 < n - 1;
        let mut mblk = if keep {
            spare.take(wl * wr)
        } else {
            Vec::new()
        };
        // Per left choice, per column k: min D[m, k] over its m's (the
        // inner subtree), for each w's bound on every m at once.
        let mut col_min = [vec![f64::INFINITY; wr], vec![f64::INFINITY; wr]];
        for i in 0..wl {
            let sl = (left.of(&range, l_lo + i) + 1) % left.len;
            for (c, v) in col_min[sl].iter_mut().zip(d.row(i)) {
                let v = v.to_f64();
                if v < *c {
                    *c = v;
                }
            }
        }
        let (min_k_of_m, col_min) = (&min_k_of_m, &col_min);
        let (tree, blocks_ref) = (&tree, &blocks);
        // One band per thread. Each band builds the candidate lists of the
        // side it does not split, so the bands split the larger side: rows
        // u dealt one by one, or (right subtree larger) tiles of columns w
        // dealt one by one; either way their costs even out.
        let bands = if wl * wr >= PAR_WORK {
            rayon::current_num_threads().clamp(1, wl.max(wr.div_ceil(TILE)))
        } else {
            1
        };
        let by_w = bands > 1 && wr > wl;
        let tiles = wr.div_ceil(TILE);
        let m_out = SharedMut(mblk.as_mut_ptr());
        let band = |bi: usize| -> (f32, usize, usize) {
            // The whole handle (a closure would capture just its pointer).
            let m_out = &m_out;
            let us: Vec<usize> = if by_w {
                (l_lo..l_hi).collect()
            } else {
                (l_lo + bi..l_hi).step_by(bands).collect()
            };
            let mut m_lists: Vec<Lazy> = us
                .iter()
                .map(|&u| {
                    let mc = left.parts[left.of(&range, u)].1;
                    tree.lazy(blocks_ref, vl, u, range[mc], l_lo)
                })
                .collect();
            let sls: Vec<usize> = us.iter().map(|&u| left.of(&range, u)).collect();
            // Columns in tiles (`tb`: the tile's M, row-major), so each row
            // of the band is written in runs; per (w, m) of a tile, the kept
            // minima (`Front`, by index).
            let (mut index, mut arena) = (Vec::<u32>::new(), Vec::<Front>::new());
            let mut tb = vec![0f32; us.len() * TILE];
            let (mut cur, mut bu, mut bw) = (BIG, 0usize, 0usize);
            let my_tiles = (0..tiles).filter(|t| !by_w || t % bands == bi);
            for t in my_tiles {
                let w0 = r_lo + t * TILE;
                let w1 = (w0 + TILE).min(r_hi);
                let tw = w1 - w0;
                let mut k_lists: Vec<(usize, Lazy, [f64; 2])> = (w0..w1)
                    .map(|w| {
                        let sr = right.of(&range, w);
                        let kc = right.parts[sr].1;
                        let k_list = tree.lazy(blocks_ref, vr, w, range[kc], r_lo);
                        let h = [0, 1].map(|sl| least_sum_over_m(&k_list, &col_min[sl]));
                        (sr, k_list, h)
                    })
                    .collect();
                index.clear();
                index.resize(tw * wl, u32::MAX);
                arena.clear();
                for (ui, m_list) in m_lists.iter_mut().enumerate() {
                    let sl = sls[ui];
                    let row = &mut tb[ui * tw..(ui + 1) * tw];
                    for ((slot, (sr, k_list, h)), ix) in
                        row.iter_mut().zip(&mut k_lists).zip(index.chunks_mut(wl))
                    {
                        *slot = best_cost(
                            m_list,
                            k_list,
                            (min_km[*sr][sl], &min_k_of_m[*sr], h[sl]),
                            &d,
                            (ix, &mut arena),
                        );
                    }
                    // The first minimum in (u, w) order, tile by tile:
                    // the least cost, then the least u, then the least w.
                    let u = us[ui] - l_lo;
                    for (wi, &c) in row.iter().enumerate() {
                        let w = w0 - r_lo + wi;
                        if c < cur || (c == cur && (u, w) < (bu, bw)) {
                            (cur, bu, bw) = (c, u, w);
                        }
                    }
                    if keep {
                        // SAFETY: M[u, w0..w1] lies inside the wl × wr
                        // block, and (u, tile) belongs to this band alone.
                        unsafe {
                            std::ptr::copy_nonoverlapping(
                                row.as_ptr(),
                                m_out.0.add(u * wr + (w0 - r_lo)),
                                tw,
                            );
                        }
                    }
                }
            }
            (cur, bu, bw)
        };
        let found: Vec<(f32, usize, usize)> = if bands > 1 {
            (0..bands).into_par_iter().map(band).collect()
        } else {
            vec![band(0)]
        };
        // scipy's scan for the first minimum in (u, w) order, from the
        // bands' own.
        let (mut cur, mut bu, mut bw) = (BIG, 0usize, 0usize);
        for &(c, u, w) in &found {
            if c < cur || (c == cur && (u, w) < (bu, bw)) {
                (cur, bu, bw) = (c, u, w);
            }
        }
        if vl >= n {
            must_swap[vl - n] = left.of(&range, l_lo + bu) == 1;
            spare.put(std::mem::take(&mut blocks[vl - n]));
        }
        if vr >= n {
            must_swap[vr - n] = right.of(&range, r_lo + bw) == 1;
            spare.put(std::mem::take(&mut blocks[vr - n]));
        }
        if keep {
            blocks[node] = mblk;
        }
    }

    // A node is flipped when an odd number of its ancestors-or-self must
    // swap (scipy's ancestor-matrix parity, computed top-down in O(n)).
    let mut parity = vec![false; n - 1];
    for k in (0..n - 1).rev() {
        let p = parity[k] ^ must_swap[k];
        parity[k] = p;
        let (a, b) = sz[k];
        for c in [a, b] {
            if c >= n {
                parity[c - n] = p;
            }
        }
    }
    let mut out = z.clone();
    for (k, s) in out.steps_mut().iter_mut().enumerate() {
        if parity[k] {
            std::mem::swap(&mut s.a, &mut s.b);
        }
    }
    out
}

/// The tree over leaf positions: children of merge k (`sz`) and the
/// positions each cluster covers (`range`, half-open; a left child's range
/// ends where its sibling's begins).
struct Tree<'a> {
    n: usize,
    sz: &'a [(usize, usize)],
    range: &'a [(usize, usize)],
}

/// One side of a node: its choices, each (the subtree of the outer leaf,
/// the subtree of the inner leaf), in the order scipy loops over them.
struct Choices {
    parts: [(usize, usize); 2],
    len: usize,
}

impl Choices {
    /// The choice whose outer subtree holds position `x`.
    fn of(&self, range: &[(usize, usize)], x: usize) -> usize {
        if self.len == 2 && x >= range[self.parts[1].0].0 && x < range[self.parts[1].0].1 {
            1
        } else {
            0
        }
    }
}

impl Tree<'_> {
    /// scipy's choices for child `v` of a node: a leaf is its own outer and
    /// inner leaf; a left cluster (a, b) has u in a, m in b, then u in b,
    /// m in a; a right cluster has w in b, k in a, then w in a, k in b.
    fn choices(&self, v: usize, right: bool) -> Choices {
        if v < self.n {
            return Choices {
                parts: [(v, v); 2],
                len: 1,
            };
        }
        let (a, b) = self.sz[v - self.n];
        let parts = if right {
            [(b, a), (a, b)]
        } else {
            [(a, b), (b, a)]
        };
        Choices { parts, len: 2 }
    }

    /// M[x, y] for y in `ys`, where `x` and the `ys` are leaves under the
    /// two different children of `v` (or `v` is the leaf x itself: M = 0),
    /// read from `v`'s block: M[u, w] (u under the left child, w under
    /// the right one) at (u − lo)·|right| + (w − mid).
    fn m_row(
        &self,
        blocks: &[Vec<f32>],
        v: usize,
        x: usize,
        ys: (usize, usize),
        out: &mut Vec<f32>,
    ) {
        out.clear();
        if v < self.n {
            out.push(0.0);
            return;
        }
        let (a, b) = self.sz[v - self.n];
        let (lo, mid, hi) = (self.range[a].0, self.range[b].0, self.range[b].1);
        let wr = hi - mid;
        let blk = &blocks[v - self.n];
        if x < mid {
            out.extend_from_slice(&blk[(x - lo) * wr + ys.0 - mid..(x - lo) * wr + ys.1 - mid]);
        } else {
            out.extend((ys.0..ys.1).map(|y| blk[(y - lo) * wr + x - mid]));
        }
    }

    /// The y's of `ys` by M[x, y] in the order of scipy's quicksort, as
    /// indices relative to `base`, sorted as far as they are read.
    fn lazy(
        &self,
        blocks: &[Vec<f32>],
        v: usize,
        x: usize,
        ys: (usize, usize),
        base: usize,
    ) -> Lazy {
        let mut vals = Vec::with_capacity(ys.1 - ys.0);
        self.m_row(blocks, v, x, ys, &mut vals);
        let idx: Vec<u32> = (ys.0 - base..ys.1 - base).map(|i| i as u32).collect();
        Lazy::new(vals, idx)
    }
}

/// D between the left and right subtrees of a node, in place in the
/// leaf-ordered condensed matrix: row `i` is left position `l_lo + i`,
/// column `j` right position `r_lo + j` (`wr` of them; every left position
/// precedes every right one, so each row is a contiguous run).
struct Block<'a, T> {
    data: &'a [T],
    n: usize,
    l_lo: usize,
    r_lo: usize,
    wr: usize,
}

impl<T> Block<'_, T> {
    #[inline(always)]
    fn row(&self, i: usize) -> &[T] {
        let p = self.l_lo + i;
        let start = row_start(self.n, p) + self.r_lo - p - 1;
        &self.data[start..start + self.wr]
    }
}

/// Freed M blocks kept for reuse (a few of the largest).
struct Spare(Vec<Vec<f32>>);

impl Spare {
    /// A block of `len` values (zeros or old ones: every entry is written
    /// before it is read), reusing a freed one when one is big enough.
    fn take(&mut self, len: usize) -> Vec<f32> {
        match self.0.iter().position(|b| b.capacity() >= len) {
            Some(i) => {
                let mut v = self.0.swap_remove(i);
                v.resize(len, 0.0);
                v
            }
            None => vec![0.0; len],
        }
    }

    /// Keeps `v` for reuse (at most four, the largest).
    fn put(&mut self, v: Vec<f32>) {
        self.0.push(v);
        self.0.sort_by_key(|b| std::cmp::Reverse(b.capacity()));
        self.0.truncate(4);
    }
}

/// The DP step for one (u, w): min over m, k of M[u,m] + M[w,k] + D[m,k],
/// with scipy's early exits and its float arithmetic; `m_list` and `k_list`
/// hold M[u, ·] and M[w, ·] in scipy's candidate order, their indices the
/// row and column of D in `d` (row length `wr`); `fronts` is w's kept
/// minima (an index per m into the tile's [`Front`]s). Candidates are skipped only when they provably cannot
/// be strictly better than the running minimum, so it — hence the result —
/// is exactly scipy's:
/// - a per-m bound, the same expression with D[m,k] replaced by
///   min_k D[m,k] ≤ D[m,k] (rounding is monotone);
/// - dominance: with k's visited in order of M[w,k] (ascending), a k whose
///   D[m,k] is not below that of an earlier k (which was evaluated, since
///   scipy's exits only cut the tail) costs at least as much, again by
///   monotone rounding. Only the k's where D[m, ·] reaches a new minimum
///   along the list are evaluated; they are found once per (w, m) and kept.
fn best_cost<T: Storage>(
    m_list: &mut Lazy,
    k_list: &mut Lazy,
    (min_km, min_k_of_m, h): (f32, &[f64], f64),
    d: &Block<T>,
    fronts: (&mut [u32], &mut Vec<Front>),
) -> f32 {
    let (index, arena) = fronts;
    let mut cur = BIG;
    k_list.ensure(0);
    let wk0 = k_list.vals[0];
    'm: for j in 0..m_list.vals.len() {
        m_list.ensure(j);
        let (um, mi) = (m_list.vals[j], m_list.idx[j] as usize);
        if um + wk0 + min_km >= cur {
            break;
        }
        // Nor can any later m (see `least_sum_over_m`).
        if um >= 0.0 && ((um as f64) + h) * (1.0 - SLACK) >= cur as f64 {
            break;
        }
        let floor = min_k_of_m[mi];
        if (((um + wk0) as f64) + floor) as f32 >= cur {
            continue;
        }
        let row = d.row(mi);
        if index[mi] == u32::MAX {
            index[mi] = arena.len() as u32;
            let g = if wk0 >= 0.0 && floor >= 0.0 {
                least_sum(k_list, row, floor)
            } else {
                f64::NEG_INFINITY
            };
            arena.push(Front {
                g,
                ..Front::default()
            });
        }
        let f = &mut arena[index[mi] as usize];
        // No k can do better for this m (see `least_sum`).
        if um >= 0.0 && ((um as f64) + f.g) * (1.0 - SLACK) >= cur as f64 {
            continue;
        }
        // scipy's two exits as one test (monotone in M[w,k], so checking
        // only the kept k's finds the exit no later than it matters).
        let exit = |s: f32, cur: f32| (s + min_km >= cur) | ((((s as f64) + floor) as f32) >= cur);
        for &q in &f.recs[..f.len as usize] {
            let q = q as usize;
            let s = um + k_list.vals[q];
            if exit(s, cur) {
                continue 'm;
            }
            let current = ((s as f64) + row[k_list.idx[q] as usize].to_f64()) as f32;
            if current < cur {
                cur = current;
            }
        }
        // On from where the kept part ends, keeping new minima while there
        // is room (after that, this (w, m) is scanned from there each time).
        let mut best = f.best;
        let mut q = f.scanned as usize;
        while q < k_list.vals.len() {
            k_list.ensure(q);
            let end = k_list.done;
            while q < end {
                let s = um + k_list.vals[q];
                if exit(s, cur) {
                    continue 'm;
                }
                let dq = row[k_list.idx[q] as usize].to_f64();
                let grows = q == f.scanned as usize;
                if dq < best {
                    best = dq;
                    let current = ((s as f64) + dq) as f32;
                    if current < cur {
                        cur = current;
                    }
                    if grows && (f.len as usize) < RECS {
                        f.recs[f.len as usize] = q as u32;
                        f.len += 1;
                        f.best = dq;
                        f.scanned += 1;
                    }
                } else if grows {
                    f.scanned += 1;
                }
                q += 1;
            }
        }
    }
    cur
}

/// Kept minima per (w, m) of a tile.
const RECS: usize = 6;

/// Relative slack of the bound from [`least_sum`]: covers the f32 sum
/// M[u,m] + M[w,k] (2⁻²⁴), the f64 sums (2⁻⁵³ each) and the cut below.
const SLACK: f64 = 1.0 / (1u64 << 20) as f64;

/// min over w's k's of M[w,k] + min_m D[m,k] in f64 (`col_min[k]`: the
/// least D[m, k] over the m's of one left choice), or −∞ when a value is
/// negative: the [`least_sum`] of every m of that choice is at least this,
/// so once M[u,m] + it (with the same slack) reaches the running minimum,
/// no m from there on (M[u,m] ascending) has a candidate strictly better.
fn least_sum_over_m(k_list: &Lazy, col_min: &[f64]) -> f64 {
    let mut h = f64::INFINITY;
    for (&v, &k) in k_list.vals.iter().zip(&k_list.idx) {
        let c = col_min[k as usize];
        if v < 0.0 || c < 0.0 {
            return f64::NEG_INFINITY;
        }
        let x = v as f64 + c;
        if x < h {
            h = x;
        }
    }
    h
}

/// min over w's k's of M[w,k] + D[m,k] in f64 (`row` is D[m, ·], `k_list`
/// holds M[w, ·] ascending, every value ≥ 0, `floor` = min_k D[m,k]),
/// scanning k's until M[w,k] + floor reaches the running minimum (no later
/// k can go below it). When M[u,m] ≥ 0 too, every candidate of this m costs
/// at least (M[u,m] + g)·(1 − SLACK) in scipy's arithmetic (relative
/// rounding errors of non-negative sums), so an m whose bound is not below
/// the running minimum is skipped: none of its candidates is strictly
/// better, which leaves the running minimum, hence scipy's exits and
/// result, unchanged.
fn least_sum<T: Storage>(k_list: &mut Lazy, row: &[T], floor: f64) -> f64 {
    let mut g = f64::INFINITY;
    let mut q = 0;
    while q < k_list.vals.len() {
        k_list.ensure(q);
        let end = k_list.done;
        while q < end {
            let wk = k_list.vals[q] as f64;
            if wk + floor >= g {
                return g;
            }
            let v = wk + row[k_list.idx[q] as usize].to_f64();
            if v < g {
                g = v;
            }
            q += 1;
        }
    }
    g
}

/// For one (w, m): the first positions in w's k list where D[m, k] reaches
/// a new minimum (`recs`), how far the list has been scanned for them, and
/// the minimum so far.
#[derive(Clone, Copy)]
struct Front {
    recs: [u32; RECS],
    len: u32,
    scanned: u32,
    best: f64,
    /// [`least_sum`] of this (w, m), or −∞ when a value is negative.
    g: f64,
}

impl Default for Front {
    fn default() -> Self {
        Front {
            recs: [0; RECS],
            len: 0,
            scanned: 0,
            best: f64::INFINITY,
            g: f64::NEG_INFINITY,
        }
    }
}

/// Values with their indices, sorted by scipy's quicksort (the median-of-
/// three quicksort of scikit-learn that scipy's OLO uses; the order of
/// equal values matters for ties, so the algorithm is mirrored) only as far
/// as they are read: a part is partitioned when an element in it is first
/// needed. Parts are disjoint, so the order each element ends in is the one
/// a full sort gives, whatever the order in which parts are done.
struct Lazy {
    vals: Vec<f32>,
    idx: Vec<u32>,
    /// Parts still to sort, (start, length), leftmost on top.
    todo: Vec<(usize, usize)>,
    /// Elements before this are in their final place.
    done: usize,
}

impl Lazy {
    fn new(vals: Vec<f32>, idx: Vec<u32>) -> Self {
        debug_assert_eq!(vals.len(), idx.len());
        let todo = vec![(0, vals.len())];
        Lazy {
            vals,
            idx,
            todo,
            done: 0,
        }
    }

    /// Sorts until element `j` is in its final place.
    #[inline]
    fn ensure(&mut self, j: usize) {
        if j >= self.done {
            self.advance(j);
        }
    }

    #[inline(never)]
    fn advance(&mut self, j: usize) {
        while let Some(&(lo, size)) = self.todo.last() {
            if lo > j {
                break;
            }
            self.todo.pop();
            self.split(lo, size);
        }
        self.done = self.todo.last().map_or(self.vals.len(), |t| t.0);
    }

    /// One quicksort step on the part (lo, size): small parts sorted,
    /// larger ones partitioned around the median of three, their two sides
    /// (when longer than one) left to do.
    fn split(&mut self, lo: usize, size: usize) {
        let v = &mut self.vals[lo..lo + size];
        let ix = &mut self.idx[lo..lo + size];
        let swap = |v: &mut [f32], ix: &mut [u32], a: usize, b: usize| {
            v.swap(a, b);
            ix.swap(a, b);
        };
        match size {
            0 | 1 => {}
            2 => {
                if v[0] > v[1] {
                    swap(v, ix, 0, 1);
                }
            }
            3 => {
                if v[0] > v[1] {
                    swap(v, ix, 0, 1);
                }
                if v[1] > v[2] {
                    swap(v, ix, 1, 2);
                    if v[0] > v[1] {
                        swap(v, ix, 0, 1);
                    }
                }
            }
            _ => {
                let mid = size / 2;
                if v[0] > v[size - 1] {
                    swap(v, ix, 0, size - 1);
                }
                if v[size - 1] > v[mid] {
                    swap(v, ix, size - 1, mid);
                    if v[0] > v[size - 1] {
                        swap(v, ix, 0, size - 1);
                    }
                }
                let pivot = v[size - 1];
                let mut store = 0;
                for i in 0..size - 1 {
                    if v[i] < pivot {
                        swap(v, ix, i, store);
                        store += 1;
                    }
                }
                swap(v, ix, store, size - 1);
                // Right side first, so the left one is on top.
                if store + 2 < size {
                    self.todo.push((lo + store + 1, size - store - 1));
                }
                if store > 1 {
                    self.todo.push((lo, store));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The previous implementation (dense n × n `sorted_D` and `M` as
    /// scipy's, M read through the table), kept as the reference the
    /// blocked one must match exactly, ties included.
    mod reference {
        use rayon::prelude::*;

        use super::super::BIG;
        use crate::cluster::condensed::Condensed;
        use crate::cluster::linkage::Linkage;
        use crate::dtype::Storage;

        /// Returns `z` with children swapped so that `z.leaves()` is the optimal
        /// leaf order for the distances `dist` (over the original leaf ids; the
        /// `n` points `z` was built on, n(n−1)/2 entries): scipy's
        /// `optimal_leaf_ordering(Z, y)`, same order, ties included.
        pub(super) fn optimal_leaf_ordering<T: Storage>(
            z: &Linkage,
            dist: &Condensed<T>,
        ) -> Linkage {
            let n = z.n();
            if n < 3 {
                return z.clone();
            }
            let leaves = z.leaves();
            let mut pos = vec![0usize; n];
            for (p, &leaf) in leaves.iter().enumerate() {
                pos[leaf] = p;
            }
            // Tree over sorted positions: leaves renamed to their position.
            let map = |c: usize| if c < n { pos[c] } else { c };
            let sz: Vec<(usize, usize)> = z.steps().iter().map(|s| (map(s.a), map(s.b))).collect();
            let mut range = vec![(0usize, 0usize); 2 * n - 1];
            for (i, r) in range.iter_mut().enumerate().take(n) {
                *r = (i, i + 1);
            }
            for (k, &(a, b)) in sz.iter().enumerate() {
                range[n + k] = (range[a].0, range[b].1);
            }
            // Distances in leaf-order positions, as a dense matrix (scipy's
            // `sorted_D`): the DP reads it at random, which a condensed lookup
            // through the leaf permutation makes several times slower.
            let mut sd = vec![0.0f64; n * n];
            sd.par_chunks_mut(n).enumerate().for_each(|(i, row)| {
                for (j, v) in row.iter_mut().enumerate() {
                    if i != j {
                        *v = dist.get(leaves[i], leaves[j]);
                    }
                }
            });
            let d = |i: usize, j: usize| -> f64 { sd[i * n + j] };
            let mut m = vec![0f32; n * n];
            let mut must_swap = vec![false; n - 1];

            for &(vl, vr) in &sz {
                let (l_lo, l_hi) = range[vl];
                let (r_lo, r_hi) = range[vr];
                let (u_cl, m_cl): (Vec<usize>, Vec<usize>) = if vl < n {
                    (vec![vl], vec![vl])
                } else {
                    let (a, b) = sz[vl - n];
                    (vec![a, b], vec![b, a])
                };
                let (w_cl, k_cl): (Vec<usize>, Vec<usize>) = if vr < n {
                    (vec![vr], vec![vr])
                } else {
                    let (a, b) = sz[vr - n];
                    (vec![b, a], vec![a, b])
                };
                let width = r_hi - r_lo;
                // Work above which a node's loops are spread over threads; below
                // it the hand-off costs more than the work (same result either way:
                // every (u, w) is computed alone from finished subtrees).
                const PAR_WORK: usize = 4096;
                // swap status of (u, w) for this node only: (swap_l, swap_r).
                let mut status = vec![(0u8, 0u8); (l_hi - l_lo) * width];
                // Candidate m's for each u, sorted by M[m, u]: computed once per
                // left choice and shared by both right choices.
                let m_lists: Vec<Vec<Vec<u32>>> = u_cl
                    .iter()
                    .zip(&m_cl)
                    .map(|(&uc, &mc)| {
                        let (u_lo, u_hi) = range[uc];
                        let (m_lo, m_hi) = range[mc];
                        let par = (u_hi - u_lo) * (m_hi - m_lo) >= PAR_WORK;
                        map_range(u_lo..u_hi, par, |u| sorted_by(&m, n, m_lo..m_hi, u))
                    })
                    .collect();
                for (sr, (&wc, &kc)) in w_cl.iter().zip(&k_cl).enumerate() {
                    let (w_lo, w_hi) = range[wc];
                    let (k_lo, k_hi) = range[kc];
                    // Per left choice: scipy's global min of D[m, k], and the
                    // per-m minimum over the k's (a tighter bound, see `best_cost`).
                    let bounds: Vec<(f32, Vec<f64>, usize)> = m_cl
                        .iter()
                        .map(|&mc| {
                            let (m_lo, m_hi) = range[mc];
                            let mut min_km = BIG;
                            let mut min_k_of_m = vec![f64::INFINITY; m_hi - m_lo];
                            for mi in m_lo..m_hi {
                                let row = &sd[mi * n + k_lo..mi * n + k_hi];
                                let slot = &mut min_k_of_m[mi - m_lo];
                                for &v in row {
                                    if v < min_km as f64 {
                                        min_km = v as f32;
                                    }
                                    if v < *slot {
                                        *slot = v;
                                    }
                                }
                            }
                            (min_km, min_k_of_m, m_lo)
                        })
                        .collect();
                    let mref = &m;
                    let (m_lists, bounds) = (&m_lists, &bounds);
                    let par = (w_hi - w_lo) * (l_hi - l_lo) >= PAR_WORK;
                    // Each w's candidate k's are sorted once and used for every u
                    // of both left choices.
                    let cols: Vec<Vec<(f32, u8)>> = map_range(w_lo..w_hi, par, |w| {
                        let k_list = sorted_by(mref, n, k_lo..k_hi, w);
                        let mut col = Vec::with_capacity(l_hi - l_lo);
                        for (sl, &uc) in u_cl.iter().enumerate() {
                            let (u_lo, u_hi) = range[uc];
                            let (min_km, ref min_k_of_m, m_lo) = bounds[sl];
                            for u in u_lo..u_hi {
                                let cost = best_cost(
                                    mref,
                                    n,
                                    (u, w),
                                    (&m_lists[sl][u - u_lo], &k_list),
                                    (min_km, min_k_of_m, m_lo),
                                    &d,
                                );
                                col.push((cost, sl as u8));
                            }
                        }
                        col
                    });
                    // u_cl's ranges are adjacent and in order, so the column runs
                    // over l_lo..l_hi.
                    for (wi, col) in cols.into_iter().enumerate() {
                        let w = w_lo + wi;
                        for (ui, (cost, sl)) in col.into_iter().enumerate() {
                            let u = l_lo + ui;
                            m[u * n + w] = cost;
                            m[w * n + u] = cost;
                            status[(u - l_lo) * width + (w - r_lo)] = (sl, sr as u8);
                        }
                    }
                }
                let mut cur = BIG;
                let (mut bu, mut bw) = (l_lo, r_lo);
                for u in l_lo..l_hi {
                    for w in r_lo..r_hi {
                        if m[u * n + w] < cur {
                            cur = m[u * n + w];
                            bu = u;
                            bw = w;
                        }
                    }
                }
                let (sl, sr) = status[(bu - l_lo) * width + (bw - r_lo)];
                if vl >= n {
                    must_swap[vl - n] = sl == 1;
                }
                if vr >= n {
                    must_swap[vr - n] = sr == 1;
                }
            }

            // A node is flipped when an odd number of its ancestors-or-self must
            // swap (scipy's ancestor-matrix parity, computed top-down in O(n)).
            let mut parity = vec![false; n - 1];
            for k in (0..n - 1).rev() {
                let p = parity[k] ^ must_swap[k];
                parity[k] = p;
                let (a, b) = sz[k];
                for c in [a, b] {
                    if c >= n {
                        parity[c - n] = p;
                    }
                }
            }
            let mut out = z.clone();
            for (k, s) in out.steps_mut().iter_mut().enumerate() {
                if parity[k] {
                    std::mem::swap(&mut s.a, &mut s.b);
                }
            }
            out
        }

        /// `f` over `r`, in order; on the thread pool when `par`.
        fn map_range<R: Send>(
            r: std::ops::Range<usize>,
            par: bool,
            f: impl Fn(usize) -> R + Sync + Send,
        ) -> Vec<R> {
            if par {
                r.into_par_iter().map(f).collect()
            } else {
                r.map(f).collect()
            }
        }

        /// The DP step for one (u, w): min over m, k of M[u,m] + M[w,k] + D[m,k],
        /// with scipy's early exits and its float arithmetic. On top of scipy's
        /// exits, candidates are skipped with a per-m bound built from the same
        /// expression with D[m,k] replaced by min_k D[m,k] ≤ D[m,k]: rounding is
        /// monotone, so a skipped candidate could never have been strictly better,
        /// and the running minimum — hence the result — is exactly scipy's.
        fn best_cost(
            m: &[f32],
            n: usize,
            (u, w): (usize, usize),
            (m_list, k_list): (&[u32], &[u32]),
            (min_km, min_k_of_m, m_lo): (f32, &[f64], usize),
            d: &impl Fn(usize, usize) -> f64,
        ) -> f32 {
            let mut cur = BIG;
            let k0 = k_list[0] as usize;
            let wk0 = m[w * n + k0];
            for &mi in m_list {
                let mi = mi as usize;
                let um = m[u * n + mi];
                if um + wk0 + min_km >= cur {
                    break;
                }
                let floor = min_k_of_m[mi - m_lo];
                if (((um + wk0) as f64) + floor) as f32 >= cur {
                    continue;
                }
                for &ki in k_list {
                    let ki = ki as usize;
                    let wk = m[w * n + ki];
                    if um + wk + min_km >= cur {
                        break;
                    }
                    if (((um + wk) as f64) + floor) as f32 >= cur {
                        break;
                    }
                    let current = ((um + wk) as f64 + d(mi, ki)) as f32;
                    if current < cur {
                        cur = current;
                    }
                }
            }
            cur
        }

        /// Indices of `range` sorted by `M[i, col]` with scipy's quicksort (the
        /// order of equal values matters for ties, so the algorithm is mirrored).
        fn sorted_by(m: &[f32], n: usize, range: std::ops::Range<usize>, col: usize) -> Vec<u32> {
            let mut idx: Vec<u32> = range.clone().map(|i| i as u32).collect();
            // M is symmetric: read row `col` (contiguous) rather than column `col`.
            let mut vals: Vec<f32> = range.map(|i| m[col * n + i]).collect();
            simultaneous_sort(&mut vals, &mut idx);
            idx
        }

        /// Median-of-three quicksort (scikit-learn's, used by scipy's OLO),
        /// iterative so no input can exhaust the stack.
        pub(super) fn simultaneous_sort(vals: &mut [f32], idx: &mut [u32]) {
            let mut stack = vec![(0usize, vals.len())];
            while let Some((lo, size)) = stack.pop() {
                let v = &mut vals[lo..lo + size];
                let ix = &mut idx[lo..lo + size];
                let swap = |v: &mut [f32], ix: &mut [u32], a: usize, b: usize| {
                    v.swap(a, b);
                    ix.swap(a, b);
                };
                match size {
                    0 | 1 => {}
                    2 => {
                        if v[0] > v[1] {
                            swap(v, ix, 0, 1);
                        }
                    }
                    3 => {
                        if v[0] > v[1] {
                            swap(v, ix, 0, 1);
                        }
                        if v[1] > v[2] {
                            swap(v, ix, 1, 2);
                            if v[0] > v[1] {
                                swap(v, ix, 0, 1);
                            }
                        }
                    }
                    _ => {
                        let mid = size / 2;
                        if v[0] > v[size - 1] {
                            swap(v, ix, 0, size - 1);
                        }
                        if v[size - 1] > v[mid] {
                            swap(v, ix, size - 1, mid);
                            if v[0] > v[size - 1] {
                                swap(v, ix, 0, size - 1);
                            }
                        }
                        let pivot = v[size - 1];
                        let mut store = 0;
                        for i in 0..size - 1 {
                            if v[i] < pivot {
                                swap(v, ix, i, store);
                                store += 1;
                            }
                        }
                        swap(v, ix, store, size - 1);
                        if store > 1 {
                            stack.push((lo, store));
                        }
                        if store + 2 < size {
                            stack.push((lo + store + 1, size - store - 1));
                        }
                    }
                }
            }
        }
    }

    /// A small deterministic generator (splitmix64) for test data.
    fn splitmix(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// scipy's loop for one (u, w), as written there: m's and k's in
    /// quicksort order of M[u, ·] and M[w, ·], its two exits with `min_km`,
    /// every other candidate evaluated.
    fn scipy_cost(um: &[f32], wk: &[f32], d: &[Vec<f64>], min_km: f32) -> f32 {
        let sorted = |v: &[f32]| {
            let mut l = Lazy::new(v.to_vec(), (0..v.len() as u32).collect());
            l.ensure(v.len() - 1);
            l
        };
        let (ms, ks) = (sorted(um), sorted(wk));
        let mut cur = BIG;
        for (&u, &m) in ms.vals.iter().zip(&ms.idx) {
            if u + ks.vals[0] + min_km >= cur {
                break;
            }
            for (&w, &k) in ks.vals.iter().zip(&ks.idx) {
                if u + w + min_km >= cur {
                    break;
                }
                let c = (((u + w) as f64) + d[m as usize][k as usize]) as f32;
                if c < cur {
                    cur = c;
                }
            }
        }
        cur
    }

    /// `best_cost` skips candidates by its own bounds (per-m floor, kept
    /// minima, the least M[w,k] + D[m,k] of each (w, m)) and keeps per-(w, m)
    /// state across u's; none of it may change a cost. Several u's share
    /// one w (as rows of a tile do), on values with exact ties, continuous
    /// values, values close together (a bound that is a little loose skips
    /// the winner) and values a few f32 ulps apart (so does one that is off
    /// by one rounding).
    #[test]
    fn best_cost_is_scipys_loop() {
        let mut state = 11u64;
        let unit = |state: &mut u64| (splitmix(state) >> 11) as f64 / (1u64 << 53) as f64;
        let mut checked = 0;
        for trial in 0..4000 {
            let kind = trial % 4;
            let nm = 1 + (splitmix(&mut state) % 24) as usize;
            let nk = 1 + (splitmix(&mut state) % 24) as usize;
            let value = |state: &mut u64| -> f64 {
                match kind {
                    0 => (splitmix(state) % 4) as f64,
                    1 => unit(state),
                    2 => 1.0 + unit(state) / 64.0,
                    _ => 1.0 + (splitmix(state) % 6) as f64 * f64::from(f32::EPSILON),
                }
            };
            let d: Vec<Vec<f64>> = (0..nm)
                .map(|_| (0..nk).map(|_| value(&mut state)).collect())
                .collect();
            let wk: Vec<f32> = (0..nk).map(|_| value(&mut state) as f32).collect();
            // D in a condensed matrix over nm + nk points: rows the m's,
            // columns nm.. the k's.
            let n = nm + nk;
            let mut data = vec![0f64; n * (n - 1) / 2];
            for (i, row) in d.iter().enumerate() {
                let start = row_start(n, i) + nm - i - 1;
                data[start..start + nk].copy_from_slice(row);
            }
            let block = Block {
                data: &data,
                n,
                l_lo: 0,
                r_lo: nm,
                wr: nk,
            };
            let min_k_of_m: Vec<f64> = d
                .iter()
                .map(|r| r.iter().copied().fold(f64::INFINITY, f64::min))
                .collect();
            let mut min_km = BIG;
            for &v in &min_k_of_m {
                if v < min_km as f64 {
                    min_km = v as f32;
                }
            }
            let mut col_min = vec![f64::INFINITY; nk];
            for row in &d {
                for (c, &v) in col_min.iter_mut().zip(row) {
                    *c = c.min(v);
                }
            }
            let mut k_list = Lazy::new(wk.clone(), (0..nk as u32).collect());
            let h = least_sum_over_m(&k_list, &col_min);
            let (mut index, mut arena) = (vec![u32::MAX; nm], Vec::new());
            for _u in 0..6 {
                let um: Vec<f32> = (0..nm).map(|_| value(&mut state) as f32).collect();
                let want = scipy_cost(&um, &wk, &d, min_km);
                let mut m_list = Lazy::new(um.clone(), (0..nm as u32).collect());
                let got = best_cost(
                    &mut m_list,
                    &mut k_list,
                    (min_km, &min_k_of_m, h),
                    &block,
                    (&mut index, &mut arena),
                );
                assert_eq!(
                    got.to_bits(),
                    want.to_bits(),
                    "trial {trial}: {got} vs {want}"
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 24000);
    }

    /// Random trees at several sizes, on points with small integer
    /// coordinates (many equal distances, so many equal-cost orders) and on
    /// continuous points, under every method: the blocked implementation
    /// gives the reference's tree exactly.
    #[test]
    fn matches_the_dense_reference_with_ties() {
        use crate::cluster::{linkage_condensed, pdist, Method, Metric};
        let methods = [
            Method::Average,
            Method::Single,
            Method::Complete,
            Method::Weighted,
            Method::Ward,
        ];
        let mut state = 7u64;
        let mut checked = 0;
        for &n in &[3usize, 4, 5, 6, 9, 17, 40, 101, 260, 700] {
            for ties in [true, false] {
                let d = 3;
                let x: Vec<f64> = (0..n * d)
                    .map(|_| {
                        let r = splitmix(&mut state);
                        if ties {
                            (r % 4) as f64
                        } else {
                            (r >> 11) as f64 / (1u64 << 53) as f64
                        }
                    })
                    .collect();
                let dist = pdist(&x, n, d, Metric::Euclidean);
                for (i, &method) in methods.iter().enumerate() {
                    if n >= 260 && i % 2 == 1 {
                        continue; // keep the test quick at the larger sizes
                    }
                    let z = linkage_condensed(dist.clone(), method).unwrap();
                    let want = reference::optimal_leaf_ordering(&z, &dist);
                    let got = optimal_leaf_ordering(&z, &dist);
                    assert_eq!(got, want, "n={n} ties={ties} {method:?}");
                    // Whatever the number of threads (bands differ).
                    if n >= 101 && i == 0 {
                        for threads in [1, 3] {
                            let pool = rayon::ThreadPoolBuilder::new()
                                .num_threads(threads)
                                .build()
                                .unwrap();
                            let other = pool.install(|| optimal_leaf_ordering(&z, &dist));
                            assert_eq!(other, want, "n={n} ties={ties} threads={threads}");
                        }
                    }
                    if want != z {
                        checked += 1;
                    }
                }
            }
        }
        // The test means something only if the ordering flipped nodes.
        assert!(checked > 20, "{checked}");
    }

    #[test]
    fn quicksort_sorts_with_duplicates() {
        let mut v = vec![3.0f32, 1.0, 2.0, 2.0, 5.0, 0.0, 2.0, 9.0, 1.0];
        let mut ix: Vec<u32> = (0..v.len() as u32).collect();
        reference::simultaneous_sort(&mut v, &mut ix);
        assert!(v.windows(2).all(|w| w[0] <= w[1]));
        let orig = [3.0f32, 1.0, 2.0, 2.0, 5.0, 0.0, 2.0, 9.0, 1.0];
        for (k, &i) in ix.iter().enumerate() {
            assert_eq!(orig[i as usize], v[k]);
        }
    }

    /// The lazy quicksort puts every element read where the whole sort
    /// puts it (so the order of equal values is scipy's), read in full or
    /// only a prefix, at lengths around the small-part cases.
    #[test]
    fn lazy_sort_matches_the_whole_sort() {
        let mut state = 3u64;
        for len in (0..40).chain([97, 256, 1000]) {
            for levels in [2u64, 5, 1 << 20] {
                let vals: Vec<f32> = (0..len)
                    .map(|_| (splitmix(&mut state) % levels) as f32)
                    .collect();
                let idx: Vec<u32> = (0..len as u32).collect();
                let (mut wv, mut wi) = (vals.clone(), idx.clone());
                reference::simultaneous_sort(&mut wv, &mut wi);
                for read in [len, len / 3, 1] {
                    let mut l = Lazy::new(vals.clone(), idx.clone());
                    for j in 0..read.min(len) {
                        l.ensure(j);
                        assert_eq!((l.vals[j], l.idx[j]), (wv[j], wi[j]), "len {len} j {j}");
                    }
                }
            }
        }
    }
}
