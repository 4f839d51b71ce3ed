//! Each live cluster's few nearest neighbours, kept between the steps of
//! the nearest-neighbour chain so that a step rarely rescans a row.
//!
//! Order: a neighbour is the key `(distance, index)`, compared
//! lexicographically — what a scan in increasing index order with a strict
//! `<` returns first (smallest distance, lowest index on ties). Only finite
//! distances are ever listed; a scan never picks `+∞` or NaN either.
//!
//! Invariant of a [`Near`] list: every listed key is ≤ its bound, every
//! live cluster not listed has a key > the bound (or a distance no scan
//! picks). So while the list is not empty its first key is exactly what a
//! scan would return. A merge removes the two merged clusters from every
//! list and offers the merged cluster's new distance to each (inserted only
//! at or below the bound, so the invariant holds); an empty list means
//! "rescan". Related ideas: fastcluster's generic algorithm keeps one
//! nearest neighbour per cluster (and rescans when it merges); our
//! certified Ward rounds keep several candidates under a lower bound.
//! Here the lists are exact, because the stored distances are known.

use super::condensed::row_start;
use crate::dtype::Storage;
use crate::par::{SharedMut, SpinJoin};

/// How many neighbours a list keeps (4: one 64-byte line per cluster).
const K: usize = 4;

/// No index (an empty slot, or "the rest is unpickable" in a bound).
const NONE: u32 = u32::MAX;

/// The smallest keys seen so far, pushed in increasing index order
/// (a scan's or an update's pass over live clusters).
#[derive(Clone, Copy, Debug)]
pub(super) struct Top {
    ds: [f64; K],
    ids: [u32; K],
    len: usize,
}

impl Top {
    pub(super) fn new() -> Top {
        Top {
            ds: [f64::INFINITY; K],
            ids: [NONE; K],
            len: 0,
        }
    }

    /// Offers `(v, i)`; `i` must exceed every index pushed before, so an
    /// equal distance ranks after the listed ones.
    #[inline(always)]
    pub(super) fn push(&mut self, v: f64, i: usize) {
        // ds[K-1] is +∞ until full: one compare rejects nearly everything.
        if v < self.ds[K - 1] {
            let mut p = self.len.min(K - 1);
            while p > 0 && v < self.ds[p - 1] {
                self.ds[p] = self.ds[p - 1];
                self.ids[p] = self.ids[p - 1];
                p -= 1;
            }
            self.ds[p] = v;
            self.ids[p] = i as u32;
            self.len = (self.len + 1).min(K);
        }
    }

    /// The smallest key, as a scan returns it: `(+∞, usize::MAX)` if none.
    pub(super) fn first(&self) -> (f64, usize) {
        if self.len == 0 {
            (f64::INFINITY, usize::MAX)
        } else {
            (self.ds[0], self.ids[0] as usize)
        }
    }

    /// The `K` smallest of two passes over disjoint index sets.
    pub(super) fn merge(a: Top, b: Top) -> Top {
        let mut out = Top::new();
        let (mut p, mut q) = (0, 0);
        while out.len < K && (p < a.len || q < b.len) {
            let take_a =
                q == b.len || (p < a.len && less((a.ds[p], a.ids[p]), (b.ds[q], b.ids[q])));
            let (v, i) = if take_a {
                p += 1;
                (a.ds[p - 1], a.ids[p - 1])
            } else {
                q += 1;
                (b.ds[q - 1], b.ids[q - 1])
            };
            out.ds[out.len] = v;
            out.ids[out.len] = i;
            out.len += 1;
        }
        out
    }
}

#[inline(always)]
fn less(a: (f64, u32), b: (f64, u32)) -> bool {
    a.0 < b.0 || (a.0 == b.0 && a.1 < b.1)
}

/// One cluster's list (see the module doc for its invariant).
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub(super) struct Near {
    ds: [f64; K],
    ids: [u32; K],
    bound: f64,
    bound_id: u32,
    len: u32,
}

impl Near {
    /// A list that knows nothing (bounded below every key, so no offer
    /// enters it): rescan before use.
    pub(super) fn unknown() -> Near {
        Near {
            ds: [f64::INFINITY; K],
            ids: [NONE; K],
            bound: f64::NEG_INFINITY,
            bound_id: 0,
            len: 0,
        }
    }

    /// The list a whole pass over the live clusters found: bounded by its
    /// last key when full (everything else is larger), else by nothing
    /// (everything else is unpickable).
    pub(super) fn from_top(t: Top) -> Near {
        let (bound, bound_id) = if t.len == K {
            (t.ds[K - 1], t.ids[K - 1])
        } else {
            (f64::INFINITY, NONE)
        };
        Near {
            ds: t.ds,
            ids: t.ids,
            bound,
            bound_id,
            len: t.len as u32,
        }
    }

    /// The summary an update reads (the bound rounded up: a value above it
    /// is above the bound).
    fn hot(&self) -> Hot {
        let mut bound = self.bound as f32;
        if (bound as f64) < self.bound {
            bound = bound.next_up();
        }
        Hot {
            ids: self.ids,
            bound,
        }
    }

    /// The nearest neighbour `(distance, index)`, if the list still knows it.
    #[inline]
    pub(super) fn first(&self) -> Option<(f64, usize)> {
        (self.len > 0).then(|| (self.ds[0], self.ids[0] as usize))
    }

    /// After `x` and `y` merged into `y` at new distance `v` from this
    /// cluster: drops both, then lists `(v, y)` if it is at or below the
    /// bound. Keeps the invariant; may leave the list empty.
    #[inline(always)]
    pub(super) fn merged(&mut self, x: usize, y: usize, v: f64) {
        let (x, y32) = (x as u32, y as u32);
        // Fast path (nearly every call): neither merged cluster listed
        // (empty slots hold NONE, never an index) and the new value above
        // the bound.
        let hit = self
            .ids
            .iter()
            .fold(false, |h, &id| h | (id == x) | (id == y32));
        let offer = v < f64::INFINITY && !less((self.bound, self.bound_id), (v, y32));
        if !hit && !offer {
            return;
        }
        let len = self.len as usize;
        let mut w = 0;
        for r in 0..len {
            let id = self.ids[r];
            if id != x && id != y32 {
                self.ds[w] = self.ds[r];
                self.ids[w] = id;
                w += 1;
            }
        }
        self.ids[w..].fill(NONE);
        let mut len = w;
        if offer {
            // Insert in key order. A full list keeps the K smallest of its
            // keys and this one, and is then bounded by its new last key
            // (the key left out is above it, the unlisted ones above the
            // old bound).
            let key = (v, y32);
            let full = len == K;
            if !full || less(key, (self.ds[K - 1], self.ids[K - 1])) {
                let mut p = len.min(K - 1);
                while p > 0 && less(key, (self.ds[p - 1], self.ids[p - 1])) {
                    self.ds[p] = self.ds[p - 1];
                    self.ids[p] = self.ids[p - 1];
                    p -= 1;
                }
                self.ds[p] = v;
                self.ids[p] = y32;
                len = (len + 1).min(K);
            }
            if full {
                self.bound = self.ds[K - 1];
                self.bound_id = self.ids[K - 1];
            }
        }
        self.len = len as u32;
    }
}

/// What an update reads of every live cluster's list: its ids (`NONE` in
/// empty slots) and its bound rounded up to `f32`. 20 bytes instead of the
/// list's 64: the update streams this array once per merge, next to the
/// matrix, and most clusters need nothing more (neither merged cluster
/// listed, the new distance above the bound).
#[derive(Clone, Copy, Debug)]
#[repr(C)]
struct Hot {
    ids: [u32; K],
    bound: f32,
}

/// Every cluster's list, and its [`Hot`] summary.
pub(super) struct Lists {
    near: Vec<Near>,
    hot: Vec<Hot>,
}

impl Lists {
    /// `n` lists that know nothing (the chain rescans every step).
    pub(super) fn unknown(n: usize) -> Lists {
        Lists::from(vec![Near::unknown(); n])
    }

    /// Every point's list from one pass over the condensed matrix: see
    /// [`all_lists`].
    pub(super) fn all<T: Storage>(d: &[T], n: usize, duo: &SpinJoin) -> Lists {
        Lists::from(all_lists(d, n, duo))
    }

    fn from(near: Vec<Near>) -> Lists {
        let hot = near.iter().map(Near::hot).collect();
        Lists { near, hot }
    }

    /// Cluster `i`'s nearest neighbour `(distance, index)`, if its list
    /// still knows it.
    #[inline]
    pub(super) fn first(&self, i: usize) -> Option<(f64, usize)> {
        self.near[i].first()
    }

    /// Cluster `i`'s list from a whole pass over the live clusters.
    pub(super) fn set(&mut self, i: usize, t: Top) {
        self.near[i] = Near::from_top(t);
        self.hot[i] = self.near[i].hot();
    }

    /// A handle for the update's threads.
    pub(super) fn shared(&mut self) -> SharedLists {
        SharedLists {
            near: SharedMut(self.near.as_mut_ptr()),
            hot: SharedMut(self.hot.as_mut_ptr()),
        }
    }
}

/// [`Lists`] shared by the update's two tasks, each touching only the
/// clusters it holds.
#[derive(Clone, Copy)]
pub(super) struct SharedLists {
    near: SharedMut<Near>,
    hot: SharedMut<Hot>,
}

impl SharedLists {
    /// [`Near::merged`] for cluster `i`, reading only its [`Hot`] summary
    /// when nothing changes.
    ///
    /// # Safety
    /// `i` is below the `n` the lists were made for, and no other task
    /// touches cluster `i`'s list meanwhile.
    #[inline(always)]
    pub(super) unsafe fn merged(self, i: usize, x: usize, y: usize, v: f64) {
        // SAFETY: in bounds and exclusive, by the caller's contract.
        let h = unsafe { &mut *self.hot.0.add(i) };
        let (x32, y32) = (x as u32, y as u32);
        let hit = h
            .ids
            .iter()
            .fold(false, |a, &id| a | (id == x32) | (id == y32));
        // NaN fails the compare: never listed.
        let may_enter = v <= h.bound as f64;
        if !hit && !may_enter {
            return;
        }
        // SAFETY: as above.
        let near = unsafe { &mut *self.near.0.add(i) };
        near.merged(x, y, v);
        *h = near.hot();
    }
}

/// Every point's list from one pass over the condensed matrix `d` of `n`
/// points (all live): each stored distance, read once in storage order, is
/// offered to both of its points. On two threads the rows are split at
/// half the entries; each keeps lists for the points its rows reach, and
/// the two are merged. Replaces the first scan of every point (n scans
/// of ~n entries, half of them down a column).
fn all_lists<T: Storage>(d: &[T], n: usize, duo: &SpinJoin) -> Vec<Near> {
    if n < 2 {
        return vec![Near::from_top(Top::new()); n];
    }
    // First row of the second half: the rows before it hold half the entries.
    let half = d.len() / 2;
    let a = (0..n).find(|&i| row_start(n, i) >= half).unwrap_or(n);
    let (lo, hi) = duo.join(|| sweep(d, n, 0..a, 0), || sweep(d, n, a..n, a));
    lo.iter()
        .enumerate()
        .map(|(j, &t)| Near::from_top(if j >= a { Top::merge(t, hi[j - a]) } else { t }))
        .collect()
}

/// The lists of points `offset..n` from rows `rows` (`offset` = the first
/// row; earlier points get nothing from these rows).
fn sweep<T: Storage>(d: &[T], n: usize, rows: std::ops::Range<usize>, offset: usize) -> Vec<Top> {
    let mut tops = vec![Top::new(); n - offset];
    for i in rows {
        let r = row_start(n, i);
        let (head, tail) = tops.split_at_mut(i + 1 - offset);
        let mut own = head[i - offset];
        for (k, (v, other)) in d[r..r + (n - i - 1)].iter().zip(tail).enumerate() {
            let v = v.to_f64();
            // Rows run in index order: both receive ascending indices.
            own.push(v, i + 1 + k);
            other.push(v, i);
        }
        head[i - offset] = own;
    }
    tops
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key a full scan of `d` (one value per index, NaN/∞ skipped)
    /// returns, given which indices are live.
    fn scan(d: &[f64], live: &[bool]) -> Option<(f64, usize)> {
        let mut best: Option<(f64, usize)> = None;
        for (i, &v) in d.iter().enumerate() {
            if live[i] && v < best.map_or(f64::INFINITY, |b| b.0) {
                best = Some((v, i));
            }
        }
        best
    }

    #[test]
    fn a_list_agrees_with_a_scan_through_merges() {
        // Random merges against one cluster's distances (few levels, and
        // values off the f32 grid near them, so ties are everywhere and
        // the summary's rounded bound is tested; plus NaN and ∞): whenever the list knows its
        // first key, it is the scan's; when it empties, a rescan refills it.
        let mut state = 12345u64;
        let mut rnd = |m: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % m
        };
        let mut rescans = 0;
        for _ in 0..300 {
            let n = 3 + rnd(40) as usize;
            let mut d: Vec<f64> = (0..n)
                .map(|_| match rnd(12) {
                    0 => f64::NAN,
                    1 => f64::INFINITY,
                    2 => 5.0 + 1e-12,
                    3 => 5.0 - 1e-12,
                    r => r as f64,
                })
                .collect();
            let mut live = vec![true; n];
            let rebuild = |d: &[f64], live: &[bool]| {
                let mut t = Top::new();
                for i in (0..d.len()).filter(|&i| live[i] && d[i] < f64::INFINITY) {
                    t.push(d[i], i);
                }
                t
            };
            // One cluster's list, through the update's path (its summary
            // first, the list when the summary cannot decide).
            let mut lists = Lists::unknown(1);
            lists.set(0, rebuild(&d, &live));
            while live.iter().filter(|&&l| l).count() > 1 {
                let alive: Vec<usize> = (0..n).filter(|&i| live[i]).collect();
                let a = alive[rnd(alive.len() as u64) as usize];
                let b = loop {
                    let b = alive[rnd(alive.len() as u64) as usize];
                    if b != a {
                        break b;
                    }
                };
                let (x, y) = (a.min(b), a.max(b));
                live[x] = false;
                d[y] = match rnd(12) {
                    0 => f64::NAN,
                    1 => f64::INFINITY,
                    2 => 5.0 + 1e-12,
                    3 => 5.0 - 1e-12,
                    r => r as f64,
                };
                // SAFETY: cluster 0 of one list, on this thread only.
                unsafe { lists.shared().merged(0, x, y, d[y]) };
                if lists.first(0).is_none() {
                    rescans += 1;
                    lists.set(0, rebuild(&d, &live));
                }
                assert_eq!(lists.first(0), scan(&d, &live), "{d:?} {live:?}");
            }
        }
        assert!(rescans > 0);
    }

    #[test]
    fn one_pass_gives_every_points_scan() {
        // Few levels (ties), NaN and ∞; 1 and 2 threads; n around K.
        let mut state = 777u64;
        for n in [2, 3, 5, 9, 40, 301] {
            let len = n * (n - 1) / 2;
            let d: Vec<f64> = (0..len)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    match (state >> 33) % 9 {
                        0 => f64::NAN,
                        1 => f64::INFINITY,
                        r => r as f64,
                    }
                })
                .collect();
            let c = crate::cluster::Condensed::from_vec(n, d.clone()).unwrap();
            let check = |lists: Vec<Near>| {
                for (i, l) in lists.iter().enumerate() {
                    let row: Vec<f64> = (0..n)
                        .map(|j| if j == i { f64::NAN } else { c.get(i, j) })
                        .collect();
                    assert_eq!(l.first(), scan(&row, &vec![true; n]), "n {n} point {i}");
                }
            };
            check(all_lists(&d, n, &SpinJoin::single()));
            crate::par::with_spin_join(|duo| check(all_lists(&d, n, duo)));
        }
    }

    #[test]
    fn an_unknown_list_takes_no_offer() {
        let mut l = Near::unknown();
        l.merged(0, 1, 0.5);
        assert_eq!(l.first(), None);
    }

    #[test]
    fn merged_halves_keep_the_smallest_keys() {
        let mut a = Top::new();
        let mut b = Top::new();
        for (i, v) in [3.0, 1.0, 2.0, 1.0, 5.0].into_iter().enumerate() {
            a.push(v, i);
        }
        for (i, v) in [1.0, 0.5, 2.0].into_iter().enumerate() {
            b.push(v, 10 + i);
        }
        let m = Top::merge(a, b);
        assert_eq!(&m.ids[..], &[11, 1, 3, 10]);
        assert_eq!(m.first(), (0.5, 11));
    }
}
