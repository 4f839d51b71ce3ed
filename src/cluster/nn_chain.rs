//! Nearest-neighbour chain linkage for the reducible methods (single,
//! complete, average, weighted, ward): Θ(n²) time on one condensed matrix.
//!
//! Tie rule (scipy's `nn_chain`, which we follow step for step so tied data
//! gives scipy's tree): the chain starts at the lowest live cluster; the
//! nearest neighbour of the chain's tip is searched in increasing index
//! order, starting from the previous chain element as the incumbent, and is
//! replaced only on a strictly smaller distance. Of a merged pair, the
//! higher index survives and carries the new cluster.
//!
//! Speed: each step is one scan of a row of the matrix (half of it
//! scattered down a column) plus one Lance–Williams update of that row.
//! Both are split across two threads when enough clusters are alive (the
//! combination keeps "smallest distance, lowest index"; the second thread
//! is a spinning helper, see `par::spin_join`), and the update formula is specialised
//! per method outside the loop.

use super::condensed::{index, row_start, Condensed};
use super::linkage::Linkage;
use super::method::Method;
use crate::dtype::Storage;
use crate::par::SharedMut;
use crate::par::{with_spin_join, SpinJoin};

/// Below this many live clusters a step is too small to split.
const PAR_MIN: usize = 3000;

/// Clusters the `n` points of `dist` (n(n−1)/2 distances, consumed: it
/// becomes scratch space) with a reducible `method` (single, complete,
/// average, weighted, ward): scipy's `nn_chain`, `n − 1` merges sorted by
/// height. Distances must be finite.
pub fn nn_chain<T: Storage>(mut dist: Condensed<T>, method: Method) -> Linkage {
    nn_chain_in(&mut dist, method)
}

/// [`nn_chain`] updating `dist` in place: its values are the algorithm's
/// working state afterwards, not distances (refill it to use it again).
pub fn nn_chain_in<T: Storage>(dist: &mut Condensed<T>, method: Method) -> Linkage {
    debug_assert!(method.is_reducible());
    match method {
        Method::Single => run(dist, |a, b, c, x, y, z| {
            Method::Single.update(a, b, c, x, y, z)
        }),
        Method::Complete => run(dist, |a, b, c, x, y, z| {
            Method::Complete.update(a, b, c, x, y, z)
        }),
        Method::Average => run(dist, |a, b, c, x, y, z| {
            Method::Average.update(a, b, c, x, y, z)
        }),
        Method::Weighted => run(dist, |a, b, c, x, y, z| {
            Method::Weighted.update(a, b, c, x, y, z)
        }),
        _ => run(dist, |a, b, c, x, y, z| {
            Method::Ward.update(a, b, c, x, y, z)
        }),
    }
}

#[inline(always)]
fn pair(n: usize, i: usize, j: usize) -> usize {
    if i < j {
        index(n, i, j)
    } else {
        index(n, j, i)
    }
}

/// How many live clusters ahead the column reads are prefetched.
const AHEAD: usize = 32;

/// Prefetches `d(live[k], x)` when it lies in column `x` (rows above it):
/// those reads stride through the whole matrix and would otherwise wait
/// on memory one after another.
#[inline(always)]
fn prefetch_column<T>(base: *const T, n: usize, x: usize, live: &[usize], k: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(&i) = live.get(k) {
        if i < x {
            // SAFETY: the index is inside the condensed buffer (i < x < n),
            // and a prefetch never faults or changes memory.
            unsafe {
                let p = base.add(index(n, i, x)) as *const i8;
                std::arch::x86_64::_mm_prefetch(p, std::arch::x86_64::_MM_HINT_T0);
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (base, n, x, live, k);
}

/// Smallest `d(x, i)` over live `i != x` in `live` (ascending), earliest
/// index on ties: `(distance, index)`.
fn scan<T: Storage>(
    d: &[T],
    n: usize,
    x: usize,
    live: &[usize],
    size: &[usize],
    duo: &SpinJoin,
) -> (f64, usize) {
    if live.len() >= PAR_MIN {
        let mid = live.len() / 2;
        let (a, b) = duo.join(
            || scan_part(d, n, x, &live[..mid], size),
            || scan_part(d, n, x, &live[mid..], size),
        );
        // Left half holds the lower indices: it wins ties.
        return if b.0 < a.0 { b } else { a };
    }
    scan_part(d, n, x, live, size)
}

fn scan_part<T: Storage>(
    d: &[T],
    n: usize,
    x: usize,
    live: &[usize],
    size: &[usize],
) -> (f64, usize) {
    let rx = row_start(n, x);
    let mut best = (f64::INFINITY, usize::MAX);
    for (k, &i) in live.iter().enumerate() {
        prefetch_column(d.as_ptr(), n, x, live, k + AHEAD);
        if i == x || size[i] == 0 {
            continue;
        }
        let v = if i < x {
            d[index(n, i, x)]
        } else {
            d[rx + (i - x - 1)]
        }
        .to_f64();
        if v < best.0 {
            best = (v, i);
        }
    }
    best
}

/// One merge: `x` (which dies) and `y` (which carries the new cluster) at
/// distance `dxy`, with their sizes before the merge.
#[derive(Clone, Copy)]
struct Merge {
    x: usize,
    y: usize,
    dxy: f64,
    nx: f64,
    ny: f64,
}

/// Lance–Williams update of every live `i` against the merged pair; the
/// entries written, `(i, y)`, differ for every `i`.
fn update<T: Storage, F: Fn(f64, f64, f64, f64, f64, f64) -> f64 + Sync>(
    d: SharedMut<T>,
    n: usize,
    m: Merge,
    live: &[usize],
    size: &[usize],
    f: &F,
    duo: &SpinJoin,
) {
    if live.len() >= PAR_MIN {
        let mid = live.len() / 2;
        duo.join(
            || update_part(d, n, m, &live[..mid], size, f),
            || update_part(d, n, m, &live[mid..], size, f),
        );
        return;
    }
    update_part(d, n, m, live, size, f)
}

fn update_part<T: Storage, F: Fn(f64, f64, f64, f64, f64, f64) -> f64 + Sync>(
    d: SharedMut<T>,
    n: usize,
    m: Merge,
    live: &[usize],
    size: &[usize],
    f: &F,
) {
    let Merge { x, y, dxy, nx, ny } = m;
    for (k, &i) in live.iter().enumerate() {
        prefetch_column(d.0, n, x, live, k + AHEAD);
        prefetch_column(d.0, n, y, live, k + AHEAD);
        let ni = size[i];
        if ni == 0 || i == y {
            continue;
        }
        let (ix, iy) = (pair(n, i, x), pair(n, i, y));
        // SAFETY: `ix`/`iy` are in bounds of the n(n-1)/2 buffer; entry
        // `iy` is written only by the task holding `i`, and entries `ix`
        // (the dead cluster's) are only read.
        unsafe {
            let p = d.0;
            let v = f(
                (*p.add(ix)).to_f64(),
                (*p.add(iy)).to_f64(),
                dxy,
                nx,
                ny,
                ni as f64,
            );
            *p.add(iy) = T::from_f64(v);
        }
    }
}

fn run<T: Storage, F: Fn(f64, f64, f64, f64, f64, f64) -> f64 + Sync>(
    dist: &mut Condensed<T>,
    f: F,
) -> Linkage {
    // Small inputs never split a step: no helper thread for them.
    if dist.n() < PAR_MIN {
        return chain(dist, &f, &SpinJoin::single());
    }
    with_spin_join(|duo| chain(dist, &f, duo))
}

fn chain<T: Storage, F: Fn(f64, f64, f64, f64, f64, f64) -> f64 + Sync>(
    dist: &mut Condensed<T>,
    f: &F,
    duo: &SpinJoin,
) -> Linkage {
    let n = dist.n();
    if n < 2 {
        return Linkage::from_steps(n, vec![]);
    }
    let mut size = vec![1usize; n];
    let mut chain: Vec<usize> = Vec::with_capacity(n);
    let mut merges = Vec::with_capacity(n - 1);
    // Live clusters in increasing order, compacted lazily: scanning only
    // live ids keeps the late rounds (few clusters) cheap.
    let mut live: Vec<usize> = (0..n).collect();
    let mut dead_since_compact = 0usize;

    for _ in 0..n - 1 {
        if chain.is_empty() {
            let first = live.iter().copied().find(|&i| size[i] > 0).unwrap_or(0);
            chain.push(first);
        }
        let (x, y, current_min) = loop {
            let d = dist.as_slice();
            let x = chain[chain.len() - 1];
            let prev = (chain.len() > 1).then(|| chain[chain.len() - 2]);
            let (mut m, mut i) = scan(d, n, x, &live, &size, duo);
            if i == usize::MAX {
                // Every distance from x is +inf or NaN (a Lance–Williams
                // update overflowed): take the lowest live cluster so the
                // tree completes; `linkage_condensed` refuses the height.
                i = live
                    .iter()
                    .copied()
                    .find(|&c| c != x && size[c] > 0)
                    .unwrap_or(x);
                m = d[pair(n, x, i)].to_f64();
            }
            // scipy starts from the previous element as the incumbent and
            // replaces it only on a strictly smaller distance.
            let (y, current_min) = match prev {
                Some(p) => {
                    let dp = d[pair(n, x, p)].to_f64();
                    if m < dp {
                        (i, m)
                    } else {
                        (p, dp)
                    }
                }
                None => (i, m),
            };
            if prev == Some(y) {
                break (x, y, current_min);
            }
            chain.push(y);
        };
        chain.truncate(chain.len() - 2);
        let (x, y) = if x > y { (y, x) } else { (x, y) };
        let (nx, ny) = (size[x], size[y]);
        merges.push((x, y, current_min));
        size[x] = 0;
        size[y] = nx + ny;
        let shared = SharedMut(dist.as_mut_slice().as_mut_ptr());
        let merge = Merge {
            x,
            y,
            dxy: current_min,
            nx: nx as f64,
            ny: ny as f64,
        };
        update(shared, n, merge, &live, &size, f, duo);
        dead_since_compact += 1;
        if dead_since_compact * 8 > live.len() {
            live.retain(|&i| size[i] > 0);
            dead_since_compact = 0;
        }
    }
    Linkage::from_unlabelled(n, merges, true)
}
