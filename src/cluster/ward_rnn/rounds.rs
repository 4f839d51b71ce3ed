//! The rounds: clusters by slot (double-double centroids, sizes), their
//! candidate lists and how those are forwarded through merges, the scans
//! that refill them, and the loop that decides and merges reciprocal
//! nearest neighbours round by round.

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use rayon::prelude::*;

use super::dd::{dd_add, dd_div, dd_mul, norm2_f32, sqdist0, sqdist_dd, two_sum};
use super::kernel::{Panels, LANES, ROWS};
use super::screen::{ColState, Partial, Screen};
use super::{CB, K, QB, TILE, U64};
use crate::cluster::linkage::Linkage;

/// One candidate: a cluster (slot and the version the cost was computed
/// for) and its exact cost.
#[derive(Debug, Clone, Copy)]
struct Entry {
    slot: u32,
    version: u32,
    cost: f64,
}

/// A cluster's nearest candidates (ascending cost, then slot) and a lower
/// bound on its cost to every live cluster not listed.
#[derive(Debug, Clone, Default)]
struct List {
    e: Vec<Entry>,
    lb: f64,
}

/// Which partner a rounding margin is for; see [`Rounds::margin`].
#[derive(Clone, Copy)]
enum Partner {
    This,
    Any,
}

/// A cluster waiting for a scan and a lower bound on its nearest cost.
type Waiting = (u32, f64);

/// What a list says about its owner's nearest neighbour.
enum Verdict {
    Nearest(Entry),
    Rescan,
    Tied,
}

/// A merge: the two slots, the height and its rounding margin.
type Merge = (usize, usize, f64, f64);

/// What a new cluster starts from: its parents' lists and a lower bound
/// on its cost to every live cluster in neither ([`merged_bound`]).
type Parents = (List, List, f64);

/// The clusters a round made (their slots) and what each starts from.
type Born = (Vec<u32>, Vec<Parents>);

/// What the rounds have decided so far, by slot.
struct Decisions {
    /// A cluster's certified nearest neighbour (valid while `cert`).
    nn: Vec<Entry>,
    /// The cluster's nearest neighbour is certified.
    cert: Vec<bool>,
    /// Clusters whose list could not decide, with a lower bound on their
    /// nearest cost: scanned only once a decision may need them.
    waiting: Vec<Waiting>,
    /// The round a slot's cluster was last the nearest neighbour of a
    /// certified cluster.
    wanted: Vec<u32>,
}

impl Decisions {
    fn new(n: usize) -> Self {
        let none = Entry {
            slot: u32::MAX,
            version: 0,
            cost: f64::INFINITY,
        };
        Decisions {
            nn: vec![none; n],
            cert: vec![false; n],
            waiting: vec![],
            wanted: vec![0; n],
        }
    }
}

/// Centroids and sizes by slot: a merged cluster lives in the larger slot
/// of its two parts (scipy's convention); the smaller slot forwards to it.
pub(super) struct Rounds {
    /// Number of observations, and of slots.
    n: usize,
    /// Number of features.
    pub(super) d: usize,
    /// The power of two the centred data were multiplied by.
    scale: f64,
    /// Row stride of `centroid_hi` and `centroid_lo`: `d` padded to a
    /// multiple of 8 for the eight-lane `sqdist_dd`.
    stride: usize,
    /// Centroids by slot as double-doubles `centroid_hi + centroid_lo`:
    /// differences of nearby centroids keep full precision however far
    /// they are from the origin, so our costs are as exact as scipy's
    /// pdist (no cancellation error to budget for). This is the high part.
    centroid_hi: Vec<f64>,
    /// The low part of each centroid coordinate (see `centroid_hi`).
    centroid_lo: Vec<f64>,
    /// Cluster size by slot; 0 once the slot's cluster merged away.
    size: Vec<u32>,
    /// Depth of each slot's cluster in the tree (a leaf is 0).
    depth: Vec<u32>,
    /// Bumped at each merge into the slot: entries of an older version are stale.
    version: Vec<u32>,
    /// For a merged-away slot, the slot its cluster merged into.
    merged_into: Vec<u32>,
    /// The largest depth so far.
    depth_max: u32,
    /// The slot of each row of the compact candidate matrix (the live
    /// slots when it was last rebuilt).
    pub(super) live: Vec<u32>,
    /// Each slot's row in the compact matrix (`u32::MAX` if it was dead
    /// when the matrix was last rebuilt).
    pub(super) pos: Vec<u32>,
    /// Compact matrix: the row's centroid rounded to `f32` (`d` per row).
    centroid_f32: Vec<f32>,
    /// Compact matrix again, in the fused kernel's panels.
    panels: Panels,
    /// Compact matrix: the squared norm of the row's `f32` centroid, in
    /// `f64` (`∞` for a dead row).
    pub(super) norm2: Vec<f64>,
    /// `norm2` rounded to `f32`, for the `f32` pre-test.
    pub(super) norm2_f32: Vec<f32>,
    /// Compact matrix: `1 / size` of the row's cluster (1 for a dead row).
    pub(super) inv_size: Vec<f64>,
    /// `inv_size` rounded to `f32`, for the `f32` pre-test.
    pub(super) inv_size_f32: Vec<f32>,
    /// Two orthonormal directions (the data's first two principal axes,
    /// shortened by 1e-9 so rounding cannot lengthen them): the length of
    /// `c_a − c_b` projected on their plane is a lower bound on
    /// `‖c_a − c_b‖`, which lets scans skip panels.
    axes: [Vec<f64>; 2],
    /// Compact matrix: the row's centroid projected on the axes; the
    /// compact rows are in slabs along the first, each slab along the
    /// second, when rebuilt (`Rounds::compact`).
    proj: Vec<[f64; 2]>,
    /// Compact matrix: the least `1 / (1/n + 1/n_l)` over any partner,
    /// `1 / (1/n + 1)`, `n` the row's cluster size.
    wmin: Vec<f64>,
    /// Per panel of the compact matrix: the box of `proj` of its rows,
    /// widened as merged centroids move in (never narrowed until rebuilt).
    panel_range: Vec<Box2>,
    /// Scans may take the fused kernel where the CPU has it (tests turn
    /// it off to compare with the GEMM path).
    pub(super) fused: bool,
    /// Rows of the compact matrix killed since it was last rebuilt.
    dead_rows: usize,
    /// Each live slot's candidate list.
    lists: Vec<List>,
    /// A round's new centroids (`hi` then `lo`, `stride` each, per pair),
    /// kept between rounds so its pages are not cleared again.
    merged: Vec<f64>,
}

impl Rounds {
    pub(super) fn new(x: &[f64], n: usize, d: usize) -> Option<Self> {
        // Centring cannot change a Ward distance but shrinks centroid
        // norms, which the f32 screen's error bound is proportional to.
        // The centred rows are kept exactly, as double-doubles.
        let mut mean = vec![0.0; d];
        for row in x[..n * d].chunks_exact(d) {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += v;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        let stride = d.div_ceil(8) * 8;
        let mut centroid_hi = crate::mem::zeroed(n * stride);
        let mut centroid_lo = crate::mem::zeroed(n * stride);
        centroid_hi
            .par_chunks_mut(stride)
            .zip(centroid_lo.par_chunks_mut(stride))
            .zip(x[..n * d].par_chunks(d))
            .for_each(|((hi, lo), src)| {
                for (k, (v, m)) in src.iter().zip(&mean).enumerate() {
                    (hi[k], lo[k]) = two_sum(*v, -m);
                }
            });
        // Scale by a power of two (exact) so the largest row has a norm in
        // [0.5, 1): the f32 screen then neither overflows nor underflows.
        let r_max = centroid_hi
            .par_chunks(stride)
            .map(|r| sqdist0(r).sqrt())
            .reduce(|| 0.0, f64::max);
        if !(r_max > 1e-150 && r_max < 1e150) {
            return None;
        }
        let scale = 2f64.powi(-(r_max.log2().floor() as i32) - 1);
        centroid_hi.par_iter_mut().for_each(|v| *v *= scale);
        centroid_lo.par_iter_mut().for_each(|v| *v *= scale);
        let mut r = Rounds {
            scale,
            n,
            d,
            stride,
            centroid_hi,
            centroid_lo,
            size: vec![1; n],
            depth: vec![0; n],
            version: vec![0; n],
            merged_into: (0..n as u32).collect(),
            depth_max: 0,
            live: vec![],
            pos: vec![u32::MAX; n],
            centroid_f32: vec![],
            panels: Panels::default(),
            norm2: vec![],
            norm2_f32: vec![],
            inv_size: vec![],
            inv_size_f32: vec![],
            dead_rows: 0,
            axes: [vec![], vec![]],
            proj: vec![],
            wmin: vec![],
            panel_range: vec![],
            fused: true,
            lists: vec![List::default(); n],
            merged: vec![],
        };
        let first = principal_axis(&r.centroid_hi, (n, d, stride), None);
        let second = principal_axis(&r.centroid_hi, (n, d, stride), Some(&first));
        r.axes = [first, second];
        r.compact();
        Some(r)
    }

    fn row(&self, slot: usize) -> (&[f64], &[f64]) {
        let at = slot * self.stride..(slot + 1) * self.stride;
        (&self.centroid_hi[at.clone()], &self.centroid_lo[at])
    }

    fn cost(&self, a: usize, b: usize) -> f64 {
        let (na, nb) = (self.size[a] as f64, self.size[b] as f64);
        na * nb / (na + nb) * sqdist_dd(self.row(a), self.row(b))
    }

    fn entry(&self, a: usize, b: usize) -> Entry {
        Entry {
            slot: b as u32,
            version: self.version[b],
            cost: self.cost(a, b),
        }
    }

    /// The live slot holding the cluster that absorbed `slot`.
    fn root(&self, mut slot: usize) -> usize {
        while self.size[slot] == 0 {
            slot = self.merged_into[slot] as usize;
        }
        slot
    }

    fn valid(&self, e: &Entry) -> bool {
        self.size[e.slot as usize] > 0 && self.version[e.slot as usize] == e.version
    }

    /// Relative margin within which scipy's cost and ours for `(k, ·)`
    /// may be ordered differently. Ours is within a few rounding errors
    /// of the exact cost (double-double centroids, one rounded sum of `d`
    /// squares); scipy's starts as exact (pdist on the rows) and gains a
    /// few per Lance–Williams level, the ward update amplifying earlier
    /// errors at most 3-fold and typically not at all. 64 rounding errors
    /// per level of both trees plus the sums of squares, generous by
    /// design: a refused decision only costs a fallback.
    ///
    /// `Partner::Any` sizes it for every cluster costing at least `best`
    /// (the deepest tree), `Partner::This` for `best` itself.
    fn margin(&self, k: usize, best: &Entry, partner: Partner) -> f64 {
        let b = best.slot as usize;
        if best.cost.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            return f64::INFINITY;
        }
        let depth = match partner {
            Partner::This => self.depth[b],
            Partner::Any => self.depth_max,
        };
        let levels = (self.depth[k] + depth + 2) as f64;
        U64 * (64.0 * levels + 8.0 * (self.d as f64 + 2.0))
    }

    fn verdict(&self, k: usize, list: &List) -> Verdict {
        let Some(best) = list.e.first().copied() else {
            return if list.lb == f64::INFINITY {
                Verdict::Tied // no other live cluster: cannot happen mid-run
            } else {
                Verdict::Rescan
            };
        };
        let m = self.margin(k, &best, Partner::Any);
        let above = best.cost * (1.0 + m);
        let second = list.e.get(1).map_or(f64::INFINITY, |e| e.cost);
        if !below(above, second * (1.0 - m)) {
            return Verdict::Tied;
        }
        if above < list.lb * (1.0 - m) {
            Verdict::Nearest(best)
        } else {
            Verdict::Rescan
        }
    }

    /// Slot `s`'s centroid projected on the axes (its high part; each
    /// within [`PROJ_EPS`] / 2 of the exact projection: norms are below 1).
    fn project(&self, s: usize) -> [f64; 2] {
        let row = &self.centroid_hi[s * self.stride..s * self.stride + self.d];
        self.axes
            .each_ref()
            .map(|a| row.iter().zip(a).map(|(x, y)| x * y).sum())
    }

    /// Whether every column of panel `p` (compact, within `j0..j1`; their
    /// states `cols` from `j0`) is too far to matter from every row of a
    /// register block whose box lies `√gap2` from the panel's ([`far`]).
    fn cols_far(&self, gap2: f64, p: usize, (j0, j1): (usize, usize), cols: &[Partial]) -> bool {
        let c = p * LANES..((p + 1) * LANES).min(j1);
        let w = self.wmin[c.clone()]
            .iter()
            .fold(f64::INFINITY, |a, &b| a.min(b));
        far(
            gap2,
            w,
            cols[c.start - j0..c.end - j0]
                .iter()
                .map(Partial::threshold),
        )
    }

    /// Rebuilds the compact candidate matrix from the live slots.
    fn compact(&mut self) {
        let unsorted: Vec<u32> = (0..self.n as u32)
            .filter(|&s| self.size[s as usize] > 0)
            .collect();
        // Slabs along the first axis, each in order along the second: rows
        // near in the compact matrix are near in the axes' plane, so a
        // panel's box is small and far panels can be skipped
        // (`Rounds::far`). About as many slabs as tiles per slab.
        let key: Vec<[f64; 2]> = unsorted
            .par_iter()
            .map(|&s| self.project(s as usize))
            .collect();
        let mut order: Vec<usize> = (0..unsorted.len()).collect();
        let (key_ref, slots) = (&key, &unsorted);
        let by = |k: usize| {
            move |&a: &usize, &b: &usize| {
                key_ref[a][k]
                    .total_cmp(&key_ref[b][k])
                    .then(slots[a].cmp(&slots[b]))
            }
        };
        order.sort_by(by(0));
        let slab = (((unsorted.len() * TILE) as f64).sqrt() as usize)
            .div_ceil(TILE)
            .max(1)
            * TILE;
        order.chunks_mut(slab).for_each(|c| c.sort_by(by(1)));
        let live: Vec<u32> = order.iter().map(|&i| unsorted[i]).collect();
        self.proj = order.iter().map(|&i| key[i]).collect();
        self.panel_range = self.proj.chunks(LANES).map(bounding_box).collect();
        self.wmin = live
            .iter()
            .map(|&s| 1.0 / (1.0 / self.size[s as usize] as f64 + 1.0))
            .collect();
        let d = self.d;
        let mut centroid_f32 = vec![0.0f32; live.len() * d];
        centroid_f32
            .par_chunks_mut(d)
            .zip(&live)
            .for_each(|(dst, &s)| {
                let at = s as usize * self.stride;
                let src = &self.centroid_hi[at..at + d];
                dst.iter_mut().zip(src).for_each(|(o, v)| *o = *v as f32);
            });
        self.pos.iter_mut().for_each(|p| *p = u32::MAX);
        for (i, &s) in live.iter().enumerate() {
            self.pos[s as usize] = i as u32;
        }
        self.norm2 = centroid_f32.par_chunks(d).map(norm2_f32).collect();
        self.norm2_f32 = self.norm2.iter().map(|&v| v as f32).collect();
        self.inv_size = live
            .iter()
            .map(|&s| 1.0 / self.size[s as usize] as f64)
            .collect();
        self.inv_size_f32 = self.inv_size.iter().map(|&v| v as f32).collect();
        self.panels = Panels::new(&centroid_f32, live.len(), d);
        self.centroid_f32 = centroid_f32;
        self.live = live;
        self.dead_rows = 0;
    }

    /// Writes slot `s`'s current centroid into its compact row.
    fn refresh_row(&mut self, s: usize) {
        let p = self.pos[s] as usize;
        let d = self.d;
        for k in 0..d {
            self.centroid_f32[p * d + k] = self.centroid_hi[s * self.stride + k] as f32;
        }
        self.panels.set(p, &self.centroid_f32[p * d..(p + 1) * d]);
        let x = self.project(s);
        self.proj[p] = x;
        let b = &mut self.panel_range[p / LANES];
        for (r, v) in b.iter_mut().zip(x) {
            *r = (r.0.min(v), r.1.max(v));
        }
        self.wmin[p] = 1.0 / (1.0 / self.size[s] as f64 + 1.0);
        self.norm2[p] = norm2_f32(&self.centroid_f32[p * d..(p + 1) * d]);
        self.norm2_f32[p] = self.norm2[p] as f32;
        self.inv_size[p] = 1.0 / self.size[s] as f64;
        self.inv_size_f32[p] = self.inv_size[p] as f32;
    }

    fn kill_row(&mut self, s: usize) {
        let p = self.pos[s] as usize;
        self.norm2[p] = f64::INFINITY;
        self.norm2_f32[p] = f32::INFINITY;
        self.inv_size[p] = 1.0;
        self.inv_size_f32[p] = 1.0;
        self.dead_rows += 1;
    }

    /// Round after round, decides every cluster's nearest neighbour it can
    /// certify, scans the waiting ones a decision may need and merges every
    /// certified reciprocal pair, until one cluster is left.
    pub(super) fn run(mut self) -> Option<Linkage> {
        let n = self.n;
        let mut merges: Vec<Merge> = Vec::with_capacity(n - 1);
        let mut dec = Decisions::new(n);
        for (i, list) in self.scan_first()?.into_iter().enumerate() {
            let k = self.live[i] as usize;
            self.lists[k] = list;
        }
        let mut pending: Vec<u32> = self.live.clone();
        let mut n_live = n;
        let mut round = 0u32;
        loop {
            round += 1;
            self.decide(&pending, &mut dec)?;
            self.scan_waiting(round, &mut dec)?;
            let (born, parents) = self.merge_round(&mut dec, &mut merges)?;
            n_live -= born.len();
            if n_live <= 1 {
                break;
            }
            if self.dead_rows * 4 > self.live.len() {
                self.compact();
            }
            pending = self.renew_lists(born, parents, &mut dec);
        }
        check_order(&merges)?;
        let merges = merges.into_iter().map(|(a, b, h, _)| (a, b, h)).collect();
        Some(Linkage::from_unlabelled(n, merges, true))
    }

    /// A round's first step: decides from the lists of `pending` where
    /// they can; the others wait for a scan. `None` on a tie.
    fn decide(&self, pending: &[u32], dec: &mut Decisions) -> Option<()> {
        let verdicts: Vec<(u32, Verdict)> = pending
            .par_iter()
            .map(|&k| (k, self.verdict(k as usize, &self.lists[k as usize])))
            .collect();
        for (k, v) in verdicts {
            match v {
                Verdict::Nearest(e) => {
                    dec.nn[k as usize] = e;
                    dec.cert[k as usize] = true;
                }
                Verdict::Rescan => {
                    let l = &self.lists[k as usize];
                    let lower = l.e.first().map_or(l.lb, |e| e.cost.min(l.lb));
                    dec.waiting.push((k, lower));
                }
                Verdict::Tied => return None,
            }
        }
        Some(())
    }

    /// A round's second step: scans a waiting cluster when a certified
    /// one points to it (it may be its reciprocal pair) or when it may hold
    /// the cheapest pair of all (then the round is sure to merge it).
    /// `None` when a scanned list cannot decide.
    fn scan_waiting(&mut self, round: u32, dec: &mut Decisions) -> Option<()> {
        let mut cheapest = f64::INFINITY;
        for &k in &self.live {
            let k = k as usize;
            if self.size[k] > 0 && dec.cert[k] {
                cheapest = cheapest.min(dec.nn[k].cost);
                dec.wanted[dec.nn[k].slot as usize] = round;
            }
        }
        let (now, later): (Vec<Waiting>, Vec<Waiting>) = dec
            .waiting
            .iter()
            .partition(|&&(k, lower)| dec.wanted[k as usize] == round || lower <= cheapest);
        dec.waiting = later;
        if !now.is_empty() {
            let mut ids: Vec<u32> = now.iter().map(|p| p.0).collect();
            // Neighbours along the axis share register blocks: their
            // far panels are skipped together.
            ids.sort_by_key(|&k| self.pos[k as usize]);
            // Exact costs to live clusters bound the K-th cheapest.
            let seed: Vec<f64> = ids
                .par_iter()
                .map(|&k| {
                    let l = &self.lists[k as usize];
                    let f = self.forward(k as usize, &l.e, l.lb, false);
                    f.e.get(K - 1).map_or(f64::INFINITY, |e| e.cost)
                })
                .collect();
            let lists = self.scan(&ids, &seed)?;
            for (&k, list) in ids.iter().zip(lists) {
                // After a full scan the bound is at least the second
                // cost: anything short of a decision is a tie.
                match self.verdict(k as usize, &list) {
                    Verdict::Nearest(e) => {
                        dec.nn[k as usize] = e;
                        dec.cert[k as usize] = true;
                    }
                    Verdict::Rescan | Verdict::Tied => return None,
                }
                self.lists[k as usize] = list;
            }
        }
        Some(())
    }

    /// A round's third step: merges every certified reciprocal pair,
    /// recording each merge. `None` when there is no pair.
    fn merge_round(&mut self, dec: &mut Decisions, merges: &mut Vec<Merge>) -> Option<Born> {
        let pairs: Vec<(usize, usize)> = self
            .live
            .iter()
            .map(|&s| s as usize)
            .filter(|&k| self.size[k] > 0 && dec.cert[k])
            .filter_map(|k| {
                let j = dec.nn[k].slot as usize;
                (k < j && dec.cert[j] && dec.nn[j].slot as usize == k).then_some((k, j))
            })
            .collect();
        if pairs.is_empty() {
            return None; // only possible through rounding: be safe
        }
        // The new centroids first, on every thread (the pairs are
        // disjoint); then the merges one by one.
        let stride = self.stride;
        let mut centroids = std::mem::take(&mut self.merged);
        centroids.resize(pairs.len() * 2 * stride, 0.0);
        centroids
            .par_chunks_mut(2 * stride)
            .with_min_len(16)
            .zip(pairs.par_iter())
            .for_each(|(out, &(a, b))| {
                let (hi, lo) = out.split_at_mut(stride);
                self.merged_centroid(a, b, hi, lo);
            });
        let mut born: Vec<u32> = Vec::with_capacity(pairs.len());
        let mut parents: Vec<Parents> = Vec::with_capacity(pairs.len());
        for (&(a, b), c) in pairs.iter().zip(centroids.chunks_exact(2 * stride)) {
            let e = dec.nn[a];
            let m = self.margin(a, &e, Partner::This);
            // Scaling by a power of two commutes with every operation:
            // undoing it is exact.
            merges.push((a, b, (2.0 * e.cost).sqrt() / self.scale, m));
            let (la, lb) = (
                std::mem::take(&mut self.lists[a]),
                std::mem::take(&mut self.lists[b]),
            );
            let sizes = (self.size[a] as f64, self.size[b] as f64);
            // The pair's cost as either side computed it: the larger one
            // keeps the bound below the exact value.
            let bound = merged_bound(sizes, (la.lb, lb.lb), e.cost.max(dec.nn[b].cost));
            self.merge(a, b, c.split_at(stride));
            dec.cert[a] = false;
            dec.cert[b] = false;
            parents.push((la, lb, bound));
            born.push(b as u32);
        }
        self.merged = centroids;
        Some((born, parents))
    }

    /// A round's last step: new clusters start from their parents'
    /// candidates; the certified ones whose nearest neighbour merged
    /// forward theirs (new clusters are not certified yet). Returns the
    /// clusters to decide next round.
    fn renew_lists(
        &mut self,
        born: Vec<u32>,
        parents: Vec<Parents>,
        dec: &mut Decisions,
    ) -> Vec<u32> {
        let stale: Vec<u32> = self
            .live
            .iter()
            .copied()
            .filter(|&k| {
                let k = k as usize;
                self.size[k] > 0 && dec.cert[k] && !self.valid(&dec.nn[k])
            })
            .collect();
        for &k in &stale {
            dec.cert[k as usize] = false;
        }
        let fresh: Vec<List> = born
            .par_iter()
            .zip(parents.par_iter())
            .map(|(&c, (la, lb, bound))| self.inherit(c as usize, la, lb, *bound))
            .collect();
        let forwarded: Vec<List> = stale
            .par_iter()
            .map(|&k| {
                let l = &self.lists[k as usize];
                self.forward(k as usize, &l.e, l.lb, false)
            })
            .collect();
        for (&c, l) in born.iter().zip(fresh) {
            self.lists[c as usize] = l;
        }
        for (&k, l) in stale.iter().zip(forwarded) {
            self.lists[k as usize] = l;
        }
        let mut pending = born;
        pending.extend(stale);
        pending
    }

    /// The centroid of clusters `a` and `b` merged,
    /// `(n_a·c_a + n_b·c_b) / (n_a + n_b)` in double-double, into `hi` and
    /// `lo` (the first `d` of each; `stride` long).
    fn merged_centroid(&self, a: usize, b: usize, hi: &mut [f64], lo: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if super::dd::wide() {
            // SAFETY: `wide` found AVX-512F and FMA.
            return unsafe { self.merged_centroid_avx512(a, b, hi, lo) };
        }
        self.merged_centroid_any(a, b, hi, lo)
    }

    /// [`Rounds::merged_centroid`] with the products' exact errors from
    /// FMA instructions rather than calls (the same bits: `mul_add` is
    /// correctly rounded either way).
    ///
    /// # Safety
    /// The CPU must have AVX-512F and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,fma")]
    unsafe fn merged_centroid_avx512(&self, a: usize, b: usize, hi: &mut [f64], lo: &mut [f64]) {
        self.merged_centroid_any(a, b, hi, lo)
    }

    #[inline(always)]
    fn merged_centroid_any(&self, a: usize, b: usize, hi: &mut [f64], lo: &mut [f64]) {
        let (na, nb) = (self.size[a] as f64, self.size[b] as f64);
        let ((ah, al), (bh, bl)) = (self.row(a), self.row(b));
        for k in 0..self.d {
            let pa = dd_mul(ah[k], al[k], na);
            let pb = dd_mul(bh[k], bl[k], nb);
            (hi[k], lo[k]) = dd_div(dd_add(pa, pb), na + nb);
        }
    }

    /// Merges `a < b` into `b` on its own (tests; rounds merge in batches).
    #[cfg(test)]
    fn merge_pair(&mut self, a: usize, b: usize) {
        let mut c = vec![0.0; 2 * self.stride];
        let (hi, lo) = c.split_at_mut(self.stride);
        self.merged_centroid(a, b, hi, lo);
        self.merge(a, b, (hi, lo));
    }

    /// Merges clusters `a < b` into slot `b` (scipy's convention), whose
    /// centroid becomes `(hi, lo)` ([`Rounds::merged_centroid`]).
    fn merge(&mut self, a: usize, b: usize, (hi, lo): (&[f64], &[f64])) {
        let at = b * self.stride..(b + 1) * self.stride;
        self.centroid_hi[at.clone()].copy_from_slice(hi);
        self.centroid_lo[at].copy_from_slice(lo);
        self.size[b] += self.size[a];
        self.size[a] = 0;
        self.depth[b] = self.depth[a].max(self.depth[b]) + 1;
        self.depth_max = self.depth_max.max(self.depth[b]);
        self.version[b] += 1;
        self.merged_into[a] = b as u32;
        self.refresh_row(b);
        self.kill_row(a);
    }

    /// A new cluster's list from its parents' lists, with `bound` (see
    /// [`merged_bound`]) for the clusters in neither.
    fn inherit(&self, c: usize, la: &List, lb: &List, bound: f64) -> List {
        let mut e = la.e.clone();
        e.extend_from_slice(&lb.e);
        self.forward(c, &e, bound, true)
    }

    /// Replaces entries whose cluster merged by the cluster that absorbed
    /// it (exact cost recomputed), drops `k` itself and duplicates. `new`:
    /// `k` is a new cluster, every cost is recomputed.
    fn forward(&self, k: usize, entries: &[Entry], lb: f64, new: bool) -> List {
        let mut out: Vec<Entry> = Vec::with_capacity(entries.len());
        for e in entries {
            let r = self.root(e.slot as usize);
            if r == k || out.iter().any(|o| o.slot as usize == r) {
                continue;
            }
            out.push(if !new && self.valid(e) {
                *e
            } else {
                self.entry(k, r)
            });
        }
        out.sort_by(|a, b| a.cost.total_cmp(&b.cost).then(a.slot.cmp(&b.slot)));
        let mut lb = lb;
        if out.len() > K {
            // Dropped entries are no longer listed: the bound must cover them.
            lb = lb.min(out[K].cost);
            out.truncate(K);
        }
        List { e: out, lb }
    }

    /// The first scan, every cluster against every other: each tile
    /// `(I, J)`, `J ≤ I`, of `X·Xᵀ` is one GEMM screened twice, rows of `I`
    /// against candidates `J` and rows of `J` against candidates `I`, so
    /// the product costs half of what one-sided scans would. Each task
    /// keeps a screening state for every query (tiles of any row block
    /// reach it); the states are merged per query, and the lists do not
    /// depend on how the tiles were split (every state keeps all
    /// candidates under its own threshold, never under the final one).
    fn scan_first(&self) -> Option<Vec<List>> {
        let m = self.live.len();
        let nb = m.div_ceil(TILE);
        let sc = Screen::new(self);
        // First the diagonal tiles, each alone: every query's threshold
        // from the clusters nearest it along the axis.
        let diagonal: Vec<Partial> = (0..nb)
            .into_par_iter()
            .map_init(
                || (Vec::<f32>::new(), ColState::default()),
                |(g, col), b| {
                    let (i0, i1) = (b * TILE, ((b + 1) * TILE).min(m));
                    let mut st: Vec<Partial> =
                        (i0..i1).map(|_| Partial::new(f64::INFINITY)).collect();
                    self.first_tile(&sc, (i0, i1), (i0, i1), (&mut st, i0), (g, col));
                    st
                },
            )
            .flatten()
            .collect();
        // Then the others, seeded with those thresholds, nearest tiles
        // first, rows dealt round-robin to the groups (each group keeps a
        // state for every query: tiles of any row block reach it).
        let groups = rayon::current_num_threads().clamp(1, nb);
        let states: Vec<Vec<Partial>> = (0..groups)
            .into_par_iter()
            .map(|gi| {
                let mut st: Vec<Partial> = diagonal
                    .iter()
                    .map(|p| Partial::new(p.threshold()))
                    .collect();
                let (mut g, mut col) = (Vec::<f32>::new(), ColState::default());
                for bi in (1..nb).filter(|bi| bi % groups == gi) {
                    let (i0, i1) = (bi * TILE, ((bi + 1) * TILE).min(m));
                    for bj in (0..bi).rev() {
                        let (j0, j1) = (bj * TILE, ((bj + 1) * TILE).min(m));
                        self.first_tile(&sc, (i0, i1), (j0, j1), (&mut st, 0), (&mut g, &mut col));
                    }
                }
                st
            })
            .collect();
        (0..m)
            .into_par_iter()
            .map(|i| {
                let q = self.live[i] as usize;
                let parts = std::iter::once(&diagonal[i]).chain(states.iter().map(|s| &s[i]));
                self.finish(q, f64::INFINITY, parts)
            })
            .collect()
    }

    /// One tile `(I, J)`, `J ≤ I`, of the first scan: rows `i0..i1`
    /// against the candidates `j0..j1`, screened by row and, off the
    /// diagonal, by column. `st[k]` is the state of compact row
    /// `base + k`; `g` and `col` are scratch.
    fn first_tile(
        &self,
        sc: &Screen,
        (i0, i1): (usize, usize),
        (j0, j1): (usize, usize),
        (st, base): (&mut [Partial], usize),
        (g, col): (&mut Vec<f32>, &mut ColState),
    ) {
        #[cfg(target_arch = "x86_64")]
        if sc.fused() {
            // SAFETY: `fused` records that the CPU has AVX-512F.
            unsafe { self.first_tile_fused(sc, (i0, i1), (j0, j1), (st, base), col) };
            return;
        }
        let d = self.d;
        let (h, w) = (i1 - i0, j1 - j0);
        g.clear();
        g.resize(h * w, 0.0);
        let lhs = MatRef::from_row_major_slice(&self.centroid_f32[i0 * d..i1 * d], h, d);
        let rhs = MatRef::from_row_major_slice(&self.centroid_f32[j0 * d..j1 * d], w, d);
        let dst = MatMut::from_row_major_slice_mut(g.as_mut_slice(), h, w);
        matmul(dst, Accum::Replace, lhs, rhs.transpose(), 1.0, Par::Seq);
        for r in 0..h {
            let q = self.live[i0 + r] as usize;
            sc.row(self, q, &g[r * w..(r + 1) * w], j0, &mut st[i0 + r - base]);
        }
        if i0 != j0 {
            sc.cols(
                self,
                g,
                (i0, h),
                (j0, w),
                &mut st[j0 - base..j1 - base],
                col,
            );
        }
    }

    /// Full scans: each query's `K` cheapest live clusters (exact costs)
    /// and a bound on all others, from an `f32` GEMM against the compact
    /// candidate matrix. `seed[i]`, when finite, is an exact cost bound on
    /// query `i`'s `K`-th cheapest candidate (from its forwarded list): it
    /// makes the screen tight from the first block.
    fn scan(&self, queries: &[u32], seed: &[f64]) -> Option<Vec<List>> {
        let (d, m) = (self.d, self.live.len());
        let nq = queries.len();
        let mut query_f32 = vec![0.0f32; nq * d];
        for (dst, &q) in query_f32.chunks_exact_mut(d).zip(queries) {
            let p = self.pos[q as usize] as usize;
            dst.copy_from_slice(&self.centroid_f32[p * d..(p + 1) * d]);
        }
        let q_blocks = nq.div_ceil(QB);
        let c_blocks = m.div_ceil(CB);
        // Enough tasks to balance two or more cores, independent of the
        // thread count so the result is too.
        let parts = (16usize.div_ceil(q_blocks)).clamp(1, c_blocks);
        let per_part = c_blocks.div_ceil(parts);
        let tasks: Vec<(usize, usize)> = (0..q_blocks)
            .flat_map(|b| (0..parts).map(move |p| (b, p)))
            .collect();
        let sc = Screen::new(self);
        let partial: Vec<Vec<Partial>> = tasks
            .par_iter()
            .map_init(Vec::<f32>::new, |g, &(bq, part)| {
                let (q0, q1) = (bq * QB, ((bq + 1) * QB).min(nq));
                let mut out: Vec<Partial> = (q0..q1).map(|i| Partial::new(seed[i])).collect();
                let (cb0, cb1) = (part * per_part, ((part + 1) * per_part).min(c_blocks));
                for cb in cb0..cb1 {
                    let (c0, c1) = (cb * CB, ((cb + 1) * CB).min(m));
                    #[cfg(target_arch = "x86_64")]
                    if sc.fused() {
                        let (qs, q) = (&queries[q0..q1], &query_f32[q0 * d..q1 * d]);
                        // SAFETY: `fused` records that the CPU has AVX-512F.
                        unsafe { self.scan_block(&sc, (qs, q), (c0, c1), &mut out) };
                        continue;
                    }
                    let (h, w) = (q1 - q0, c1 - c0);
                    g.clear();
                    g.resize(h * w, 0.0);
                    let lhs = MatRef::from_row_major_slice(&query_f32[q0 * d..q1 * d], h, d);
                    let rhs =
                        MatRef::from_row_major_slice(&self.centroid_f32[c0 * d..c1 * d], w, d);
                    let dst = MatMut::from_row_major_slice_mut(g.as_mut_slice(), h, w);
                    matmul(dst, Accum::Replace, lhs, rhs.transpose(), 1.0, Par::Seq);
                    for (r, st) in out.iter_mut().enumerate() {
                        let q = queries[q0 + r] as usize;
                        sc.row(self, q, &g[r * w..(r + 1) * w], c0, st);
                    }
                }
                out
            })
            .collect();
        (0..nq)
            .into_par_iter()
            .map(|i| {
                let (bq, r) = (i / QB, i % QB);
                let parts_of = &partial[bq * parts..(bq + 1) * parts];
                self.finish(queries[i] as usize, seed[i], parts_of.iter().map(|p| &p[r]))
            })
            .collect()
    }

    /// [`Rounds::first_tile`] through the fused kernel, skipping panels
    /// whose every pair is too far along the axis to matter: rows
    /// `i0..i1` against the candidates `j0..j1`, screened by row and, off
    /// the diagonal, by column (`st`: every query's state).
    ///
    /// # Safety
    /// The CPU must have AVX-512F.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn first_tile_fused(
        &self,
        sc: &Screen,
        (i0, i1): (usize, usize),
        (j0, j1): (usize, usize),
        (st, base): (&mut [Partial], usize),
        col: &mut ColState,
    ) {
        let diagonal = i0 == j0;
        // Off the diagonal the columns come before the rows: disjoint states.
        let (before, from_i0) = st.split_at_mut(i0 - base);
        let rows = &mut from_i0[..i1 - i0];
        let cols = &mut before[(j0 - base).min(i0 - base)..(j1 - base).min(i0 - base)];
        if !diagonal {
            // A tile far from its mirror for every row and column is
            // skipped whole, before its columns' thresholds are set up.
            let boxes = |a: usize, b: usize| {
                let panels = &self.panel_range[a / LANES..b.div_ceil(LANES)];
                let w = self.wmin[a..b].iter().fold(f64::INFINITY, |x, &y| x.min(y));
                (panels.iter().fold(EMPTY_BOX, |x, y| union(x, *y)), w)
            };
            let ((rows_box, w_rows), (cols_box, w_cols)) = (boxes(i0, i1), boxes(j0, j1));
            let gap2 = box_gap2(rows_box, cols_box);
            if far(gap2, w_rows, rows.iter().map(Partial::threshold))
                && far(gap2, w_cols, cols.iter().map(Partial::threshold))
            {
                return;
            }
            sc.cols_setup(self, j0, cols, col);
        }
        let mut i = i0;
        while i < i1 {
            let h = (i1 - i).min(ROWS);
            let qs = &self.live[i..i + h];
            let rst = &mut rows[i - i0..i - i0 + h];
            match h {
                8 => self.tile_rows::<8>(sc, (i, qs, rst), (j0, j1), diagonal, (cols, col)),
                7 => self.tile_rows::<7>(sc, (i, qs, rst), (j0, j1), diagonal, (cols, col)),
                6 => self.tile_rows::<6>(sc, (i, qs, rst), (j0, j1), diagonal, (cols, col)),
                5 => self.tile_rows::<5>(sc, (i, qs, rst), (j0, j1), diagonal, (cols, col)),
                4 => self.tile_rows::<4>(sc, (i, qs, rst), (j0, j1), diagonal, (cols, col)),
                3 => self.tile_rows::<3>(sc, (i, qs, rst), (j0, j1), diagonal, (cols, col)),
                2 => self.tile_rows::<2>(sc, (i, qs, rst), (j0, j1), diagonal, (cols, col)),
                _ => self.tile_rows::<1>(sc, (i, qs, rst), (j0, j1), diagonal, (cols, col)),
            }
            i += h;
        }
    }

    /// `R` rows of a first-scan tile (compact `i..i + R`, slots `qs`,
    /// states `rst`) against its columns `j0..j1`, panel by panel.
    ///
    /// # Safety
    /// The CPU must have AVX-512F.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn tile_rows<const R: usize>(
        &self,
        sc: &Screen,
        (i, qs, rst): (usize, &[u32], &mut [Partial]),
        (j0, j1): (usize, usize),
        diagonal: bool,
        (cols, col): (&mut [Partial], &mut ColState),
    ) {
        let d = self.d;
        let q = &self.centroid_f32[i * d..(i + R) * d];
        let mut tb = sc.row_bounds::<R>(self, qs, rst);
        let rows_box = bounding_box(&self.proj[i..i + R]);
        let w = self.wmin[i..i + R]
            .iter()
            .fold(f64::INFINITY, |a, &b| a.min(b));
        for p in j0 / LANES..j1.div_ceil(LANES) {
            let gap2 = box_gap2(rows_box, self.panel_range[p]);
            let rows_far = far(gap2, w, rst.iter().map(Partial::threshold));
            if rows_far && (diagonal || self.cols_far(gap2, p, (j0, j1), cols)) {
                continue;
            }
            let acc = super::kernel::dots::<R>(q, d, self.panels.panel(p));
            sc.rows_block::<R>(self, &acc, qs, p * LANES, (&mut *rst, &mut tb));
            if !diagonal {
                sc.cols_block::<R>(self, &acc, i, (j0, p * LANES), (&mut *cols, &mut *col));
            }
        }
    }

    /// A block of a later scan through the fused kernel: the queries `qs`
    /// (`q`: their `f32` centroids, row-major) against the candidates
    /// `c0..c1` (compact, `c0` a multiple of [`LANES`]).
    ///
    /// # Safety
    /// The CPU must have AVX-512F.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn scan_block(
        &self,
        sc: &Screen,
        (qs, q): (&[u32], &[f32]),
        (c0, c1): (usize, usize),
        out: &mut [Partial],
    ) {
        let d = self.d;
        let mut i = 0;
        while i < qs.len() {
            let h = (qs.len() - i).min(ROWS);
            let (qi, qv, st) = (&qs[i..i + h], &q[i * d..(i + h) * d], &mut out[i..i + h]);
            match h {
                8 => self.scan_rows::<8>(sc, (qi, qv, st), (c0, c1)),
                7 => self.scan_rows::<7>(sc, (qi, qv, st), (c0, c1)),
                6 => self.scan_rows::<6>(sc, (qi, qv, st), (c0, c1)),
                5 => self.scan_rows::<5>(sc, (qi, qv, st), (c0, c1)),
                4 => self.scan_rows::<4>(sc, (qi, qv, st), (c0, c1)),
                3 => self.scan_rows::<3>(sc, (qi, qv, st), (c0, c1)),
                2 => self.scan_rows::<2>(sc, (qi, qv, st), (c0, c1)),
                _ => self.scan_rows::<1>(sc, (qi, qv, st), (c0, c1)),
            }
            i += h;
        }
    }

    /// `R` queries of [`Rounds::scan_block`] against its candidates.
    ///
    /// # Safety
    /// The CPU must have AVX-512F.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn scan_rows<const R: usize>(
        &self,
        sc: &Screen,
        (qs, q, st): (&[u32], &[f32], &mut [Partial]),
        (c0, c1): (usize, usize),
    ) {
        let d = self.d;
        let mut tb = sc.row_bounds::<R>(self, qs, st);
        let at: [usize; R] = std::array::from_fn(|r| self.pos[qs[r] as usize] as usize);
        let rows_box = bounding_box(&at.map(|p| self.proj[p]));
        let w = at.iter().fold(f64::INFINITY, |a, &p| a.min(self.wmin[p]));
        for p in c0 / LANES..c1.div_ceil(LANES) {
            let gap2 = box_gap2(rows_box, self.panel_range[p]);
            if far(gap2, w, st.iter().map(Partial::threshold)) {
                continue;
            }
            let acc = super::kernel::dots::<R>(q, d, self.panels.panel(p));
            sc.rows_block::<R>(self, &acc, qs, p * LANES, (&mut *st, &mut tb));
        }
    }

    /// Exact costs of the survivors of a query's screens.
    fn finish<'a>(
        &self,
        q: usize,
        seed: f64,
        parts: impl Iterator<Item = &'a Partial>,
    ) -> Option<List> {
        let parts: Vec<&Partial> = parts.collect();
        if parts.iter().any(|p| p.overflow) {
            return None;
        }
        let mut his: Vec<f64> = parts.iter().flat_map(|p| p.his().iter().copied()).collect();
        his.sort_by(f64::total_cmp);
        let t = his.get(K - 1).copied().unwrap_or(f64::INFINITY).min(seed);
        let mut e: Vec<Entry> = parts
            .iter()
            .flat_map(|p| p.cand.iter())
            .filter(|c| c.0 as f64 <= t)
            .map(|c| self.entry(q, c.1 as usize))
            .collect();
        e.sort_by(|a, b| a.cost.total_cmp(&b.cost).then(a.slot.cmp(&b.slot)));
        let mut lb = t;
        if e.len() > K {
            lb = lb.min(e[K].cost);
            e.truncate(K);
        }
        Some(List { e, lb })
    }
}

/// Rounding allowance of a gap between two projections on the axis:
/// each is a sum of `d` products of values below 1 in magnitude, within
/// `γ_d` of exact, plus the centroids' low parts.
const PROJ_EPS: f64 = 1e-13;

/// A box in the axes' plane: the range along each axis.
type Box2 = [(f64, f64); 2];

/// The squared distance between the boxes `a` and `b` in the axes'
/// plane, each side's gap less the projections' rounding ([`PROJ_EPS`]):
/// a lower bound on `‖c_a − c_b‖²` for any centroids projected into them.
#[inline(always)]
fn box_gap2(a: Box2, b: Box2) -> f64 {
    let g = |k: usize| ((b[k].0 - a[k].1).max(a[k].0 - b[k].1) - PROJ_EPS).max(0.0);
    let (g0, g1) = (g(0), g(1));
    g0 * g0 + g1 * g1
}

/// Whether clusters whose centroids lie `√gap2` apart (at least) along
/// the axes' plane, with least pair weight `w`, cost more than every one
/// of `thresholds`: `Δ = w_pair·‖c − c_l‖² ≥ w·gap2`, lowered by a few
/// roundings. Then no pair of them can enter a query's list.
#[inline(always)]
fn far(gap2: f64, w: f64, thresholds: impl Iterator<Item = f64>) -> bool {
    let lb = w * gap2 * (1.0 - 1e-9);
    let far = gap2 > 0.0 && thresholds.fold(true, |all, t| all & (lb > t));
    #[cfg(test)]
    if far {
        tests::SKIPPED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    far
}

/// The box holding nothing.
const EMPTY_BOX: Box2 = [(f64::INFINITY, f64::NEG_INFINITY); 2];

/// The smallest box holding the boxes `a` and `b`.
fn union(a: Box2, b: Box2) -> Box2 {
    [0, 1].map(|k| (a[k].0.min(b[k].0), a[k].1.max(b[k].1)))
}

/// The smallest box holding the points `p`.
fn bounding_box(p: &[[f64; 2]]) -> Box2 {
    p.iter()
        .fold(EMPTY_BOX, |b, x| union(b, [(x[0], x[0]), (x[1], x[1])]))
}

/// The first principal axis of the `n` centred rows of `x` (stride
/// `stride`, `d` used), or with `against` the first one orthogonal to
/// it (the second), by power iteration from a fixed start, shortened by
/// 1e-9 (only a bound's quality depends on the axes: any two orthogonal
/// directions of length ≤ 1 keep the bounds valid; Gram–Schmidt leaves
/// them orthogonal to ~1e-16, which the shortening covers).
/// Deterministic: the row chunks are summed in order, whatever the
/// thread count.
fn principal_axis(
    x: &[f64],
    (n, d, stride): (usize, usize, usize),
    against: Option<&[f64]>,
) -> Vec<f64> {
    const CHUNK: usize = 4096;
    let orthogonal = |v: &mut Vec<f64>| {
        if let Some(u) = against {
            let dot: f64 = v.iter().zip(u).map(|(a, b)| a * b).sum();
            v.iter_mut().zip(u).for_each(|(a, b)| *a -= dot * b);
        }
    };
    let mut v: Vec<f64> = (0..d).map(|k| 1.0 + k as f64 / d as f64).collect();
    orthogonal(&mut v);
    for _ in 0..12 {
        let parts: Vec<Vec<f64>> = x[..n * stride]
            .par_chunks(CHUNK * stride)
            .map(|block| {
                let mut acc = vec![0.0; d];
                for row in block.chunks_exact(stride) {
                    let s: f64 = row[..d].iter().zip(&v).map(|(a, b)| a * b).sum();
                    acc.iter_mut().zip(&row[..d]).for_each(|(o, a)| *o += s * a);
                }
                acc
            })
            .collect();
        let mut w = vec![0.0; d];
        for p in &parts {
            w.iter_mut().zip(p).for_each(|(o, a)| *o += a);
        }
        orthogonal(&mut w);
        let norm = w.iter().map(|a| a * a).sum::<f64>().sqrt();
        if !(norm > 0.0 && norm.is_finite()) {
            break;
        }
        v = w.iter().map(|a| a / norm).collect();
    }
    orthogonal(&mut v);
    let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
    if !(norm > 0.0 && norm.is_finite()) {
        return vec![0.0; d]; // d = 1 has no second axis: no bound from it
    }
    v.iter().map(|a| a / norm * (1.0 - 1e-9)).collect()
}

/// A lower bound on `Δ(a∪b, l)` for every live `l` in neither parent's
/// list, from the parents' sizes `(n_a, n_b)`, their lists' bounds
/// `(lb_a, lb_b)` (`Δ(a, l) ≥ lb_a`, `Δ(b, l) ≥ lb_b`) and the pair's
/// cost `Δ(a, b)`.
///
/// Ward's Lance–Williams update is an identity on these costs:
/// `Δ(a∪b, l) = ((n_a+n_l)·Δ(a,l) + (n_b+n_l)·Δ(b,l) − n_l·Δ(a,b)) / (n_a+n_b+n_l)`.
/// It grows with `Δ(a, l)` and `Δ(b, l)`, so putting in the bounds bounds
/// it; as a function of `n_l ≥ 1` it is a ratio of linear functions,
/// monotone, so its least value is at `n_l = 1` or as `n_l → ∞`
/// (`lb_a + lb_b − Δ(a, b)`). Reducibility alone gives `min(lb_a, lb_b)`,
/// which this never falls below (`Δ(a, b) ≤ min(lb_a, lb_b)`: `a` and `b`
/// were each other's certified nearest), and which it beats by up to a
/// third when the pair is close: the costs of a new cluster grow with its
/// size, and so does this bound, so fewer new clusters need a scan.
/// Evaluated in `f64` and lowered by a few roundings (the subtraction can
/// cancel at most half of the sum).
fn merged_bound((na, nb): (f64, f64), (lb_a, lb_b): (f64, f64), cost_ab: f64) -> f64 {
    let reducible = lb_a.min(lb_b);
    if !reducible.is_finite() {
        return reducible;
    }
    let at_one = ((na + 1.0) * lb_a + (nb + 1.0) * lb_b - cost_ab) / (na + nb + 1.0);
    let at_inf = lb_a + lb_b - cost_ab;
    let lw = at_one.min(at_inf) * (1.0 - 32.0 * U64);
    reducible.max(lw)
}

/// The sorted heights must be apart by their margins, or scipy's order of
/// two nearly equal merges could differ from ours.
fn check_order(merges: &[Merge]) -> Option<()> {
    let mut by: Vec<(f64, f64)> = merges.iter().map(|m| (m.2, m.3)).collect();
    by.sort_by(|a, b| a.0.total_cmp(&b.0));
    for w in by.windows(2) {
        // Heights are square roots of costs: half the relative margin.
        let m = 0.5 * w[0].1.max(w[1].1);
        if !below(w[0].0 * (1.0 + m), w[1].0 * (1.0 - m)) {
            return None;
        }
    }
    Some(())
}

/// `a < b`, false when either is NaN: a decision is only taken on a
/// strict, comparable difference.
fn below(a: f64, b: f64) -> bool {
    a < b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::ward_rnn::tests::data;

    /// Panels the fused scans skipped as too far ([`far`]), all tests.
    pub(super) static SKIPPED: std::sync::atomic::AtomicUsize =
        std::sync::atomic::AtomicUsize::new(0);

    fn same_lists(a: &[List], b: &[List]) {
        assert_eq!(a.len(), b.len());
        for (k, (x, y)) in a.iter().zip(b).enumerate() {
            let ex: Vec<(u32, u64)> = x.e.iter().map(|e| (e.slot, e.cost.to_bits())).collect();
            let ey: Vec<(u32, u64)> = y.e.iter().map(|e| (e.slot, e.cost.to_bits())).collect();
            assert_eq!(ex, ey, "list of query {k}");
            assert_eq!(x.lb.to_bits(), y.lb.to_bits(), "bound of query {k}");
        }
    }

    /// A round's merged centroids compiled with FMA instructions equal the
    /// portable code's, bit for bit, on rows of clusters of every size.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn merged_centroids_with_fma_are_the_portable_bits() {
        if !super::super::dd::wide() {
            return;
        }
        let (n, d) = (600, 21);
        let x = data(n, d, 5);
        let mut r = Rounds::new(&x, n, d).unwrap();
        // Clusters of sizes 1 to ~20, so the products n_a·c_a round.
        for k in (0..n / 2).step_by(2) {
            r.merge_pair(k, k + 1);
            if k % 6 == 0 && k + 3 < n / 2 {
                r.merge_pair(k + 1, k + 3);
            }
        }
        let live: Vec<usize> = (0..n).filter(|&k| r.size[k] > 0).collect();
        let stride = r.stride;
        for w in live.windows(2) {
            let (a, b) = (w[0], w[1]);
            let (mut p, mut q) = (vec![0.0; 2 * stride], vec![0.0; 2 * stride]);
            let (ph, pl) = p.split_at_mut(stride);
            let (qh, ql) = q.split_at_mut(stride);
            r.merged_centroid_any(a, b, ph, pl);
            // SAFETY: `wide` found AVX-512F and FMA.
            unsafe { r.merged_centroid_avx512(a, b, qh, ql) };
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&p), bits(&q), "pair ({a}, {b})");
        }
    }

    /// The fused kernel visits candidates in another order than the GEMM
    /// path and skips panels too far along the axes' plane, but a list
    /// holds the `K` cheapest and a bound that depend on neither: both
    /// paths must give the same bits, in the first scan (row and column
    /// screens, a partial last panel) and in later scans (seeded and not,
    /// a partial last query block, centroids moved by merges).
    #[test]
    fn fused_and_gemm_scans_give_the_same_lists() {
        let skipped = SKIPPED.load(std::sync::atomic::Ordering::Relaxed);
        for &(n, d) in &[(997usize, 13usize), (1500, 50), (700, 3)] {
            let x = data(n, d, n as u64);
            let mut a = Rounds::new(&x, n, d).unwrap();
            let mut b = Rounds::new(&x, n, d).unwrap();
            (a.fused, b.fused) = (true, false);
            same_lists(&a.scan_first().unwrap(), &b.scan_first().unwrap());
            // Merge some pairs so the compact matrix has dead rows and
            // refreshed centroids, as in later rounds.
            for k in (0..n / 3).step_by(3) {
                a.merge_pair(k, k + 1);
                b.merge_pair(k, k + 1);
            }
            let queries: Vec<u32> = (0..n as u32)
                .filter(|&k| a.size[k as usize] > 0)
                .take(203)
                .collect();
            let seed: Vec<f64> = queries
                .iter()
                .enumerate()
                .map(|(i, &q)| {
                    if i % 2 == 0 {
                        f64::INFINITY
                    } else {
                        a.cost(q as usize, (q as usize + 5) % n)
                    }
                })
                .collect();
            same_lists(
                &a.scan(&queries, &seed).unwrap(),
                &b.scan(&queries, &seed).unwrap(),
            );
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f") {
            let now = SKIPPED.load(std::sync::atomic::Ordering::Relaxed);
            assert!(now > skipped, "no panel was skipped");
        }
    }

    #[test]
    fn the_merged_bound_is_below_every_cost_it_covers() {
        // Exact Lance–Williams on random costs obeying the bounds.
        let mut s = 7u64;
        let mut next = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        for _ in 0..10_000 {
            let (na, nb) = ((1.0 + 20.0 * next()).floor(), (1.0 + 20.0 * next()).floor());
            let (la, lb) = (1.0 + next(), 1.0 + next());
            let ab = la.min(lb) * next();
            let bound = merged_bound((na, nb), (la, lb), ab);
            assert!(bound >= la.min(lb));
            for nl in [1.0, 2.0, 5.0, 100.0, 1e6] {
                let (ca, cb) = (la * (1.0 + next()), lb * (1.0 + next()));
                let c = ((na + nl) * ca + (nb + nl) * cb - nl * ab) / (na + nb + nl);
                assert!(bound <= c, "{bound} > {c}");
            }
        }
    }
}
