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
//! Speed: a merge costs one Lance–Williams update of the merged row (half
//! of it scattered down a column), and a chain step at most one scan of a
//! row. Every live cluster keeps its few nearest neighbours (`nearest`:
//! exact, smallest distance then lowest index, what a scan returns),
//! maintained by the update that walks the changed row anyway: only the
//! merged pair's values change, so each list drops the pair and is offered
//! the new value, and the merged cluster gets its list from the row just
//! written. A cluster is rescanned only when the chain reaches it with its
//! list emptied. Scans and updates are split across two threads when
//! enough clusters are alive, at the point where both halves cost the same
//! (an entry down a column costs a cache line, one along a row a fraction
//! of one; splitting the live list in the middle left one thread with most
//! of the column); the combination keeps "smallest distance, lowest index",
//! and the second thread is a spinning helper, see `par::spin_join`. The
//! update formula is specialised per method outside the loop.

use super::condensed::{index, row_start, Condensed};
use super::linkage::Linkage;
use super::method::Method;
use super::nearest::{Lists, SharedLists, Top};
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

/// Relative cost of an entry read down a column (a cache line each) and
/// along a row (eight to a line, prefetched by the hardware).
const COLUMN: usize = 4;
const ROW: usize = 1;

/// Where to split `live` (ascending ids) so both halves cost the same:
/// `costs` lists `(up to id, cost per live id below it)` in increasing id
/// order — a step's entries below the scanned cluster lie down its column.
fn balanced_split(live: &[usize], costs: &[(usize, usize)]) -> usize {
    let mut bounds = [0usize; 4];
    let mut total = 0;
    let mut from = 0;
    for (k, &(upto, c)) in costs.iter().enumerate() {
        let to = live.partition_point(|&i| i < upto);
        bounds[k] = to;
        total += (to - from) * c;
        from = to;
    }
    let (mut from, mut acc) = (0, 0);
    for (k, &(_, c)) in costs.iter().enumerate() {
        let piece = (bounds[k] - from) * c;
        if 2 * (acc + piece) >= total {
            return from + (total / 2 - acc) / c.max(1);
        }
        acc += piece;
        from = bounds[k];
    }
    live.len() / 2
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

/// The few (`nearest`'s K) smallest `d(x, i)` over live `i != x` in `live` (ascending),
/// earliest index on ties; the first is `(distance, index)`.
fn scan<T: Storage>(
    d: &[T],
    n: usize,
    x: usize,
    live: &[usize],
    size: &[usize],
    duo: &SpinJoin,
) -> Top {
    if live.len() >= PAR_MIN {
        let mid = balanced_split(live, &[(x, COLUMN), (usize::MAX, ROW)]);
        let (a, b) = duo.join(
            || scan_part(d, n, x, &live[..mid], size),
            || scan_part(d, n, x, &live[mid..], size),
        );
        return Top::merge(a, b);
    }
    scan_part(d, n, x, live, size)
}

fn scan_part<T: Storage>(d: &[T], n: usize, x: usize, live: &[usize], size: &[usize]) -> Top {
    let rx = row_start(n, x);
    let mut best = Top::new();
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
        best.push(v, i);
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
/// entries written, `(i, y)`, differ for every `i`. Keeps each `i`'s
/// list of nearest neighbours (`near[i]`) and returns the merged cluster's
/// own nearest.
#[allow(clippy::too_many_arguments)]
fn update<T: Storage, F: Fn(f64, f64, f64, f64, f64, f64) -> f64 + Sync>(
    d: SharedMut<T>,
    n: usize,
    m: Merge,
    live: &[usize],
    size: &[usize],
    near: SharedLists,
    f: &F,
    duo: &SpinJoin,
) -> Top {
    if live.len() >= PAR_MIN {
        let costs = [
            (m.x, 2 * COLUMN),
            (m.y, COLUMN + ROW),
            (usize::MAX, 2 * ROW),
        ];
        let mid = balanced_split(live, &costs);
        let (a, b) = duo.join(
            || update_part(d, n, m, &live[..mid], size, near, f),
            || update_part(d, n, m, &live[mid..], size, near, f),
        );
        return Top::merge(a, b);
    }
    update_part(d, n, m, live, size, near, f)
}

fn update_part<T: Storage, F: Fn(f64, f64, f64, f64, f64, f64) -> f64 + Sync>(
    d: SharedMut<T>,
    n: usize,
    m: Merge,
    live: &[usize],
    size: &[usize],
    near: SharedLists,
    f: &F,
) -> Top {
    let Merge { x, y, dxy, nx, ny } = m;
    let mut best = Top::new();
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
        // (the dead cluster's) are only read. `near[i]` (i < n) is likewise
        // touched only by the task holding `i`.
        let v = unsafe {
            let p = d.0;
            let v = f(
                (*p.add(ix)).to_f64(),
                (*p.add(iy)).to_f64(),
                dxy,
                nx,
                ny,
                ni as f64,
            );
            let stored = T::from_f64(v);
            *p.add(iy) = stored;
            // What a later scan reads back.
            let v = stored.to_f64();
            near.merged(i, x, y, v);
            v
        };
        best.push(v, i);
    }
    best
}

fn run<T: Storage, F: Fn(f64, f64, f64, f64, f64, f64) -> f64 + Sync>(
    dist: &mut Condensed<T>,
    f: F,
) -> Linkage {
    // Small inputs never split a step: no helper thread for them.
    if dist.n() < PAR_MIN {
        return chain(dist, &f, &SpinJoin::single(), true);
    }
    with_spin_join(|duo| chain(dist, &f, duo, true))
}

/// The chain; `cached` keeps nearest neighbours between steps (the tests
/// run it without, the plain scan of every step, to compare).
fn chain<T: Storage, F: Fn(f64, f64, f64, f64, f64, f64) -> f64 + Sync>(
    dist: &mut Condensed<T>,
    f: &F,
    duo: &SpinJoin,
    cached: bool,
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
    let mut near = if cached {
        Lists::all(dist.as_slice(), n, duo)
    } else {
        Lists::unknown(n)
    };

    for _ in 0..n - 1 {
        if chain.is_empty() {
            let first = live.iter().copied().find(|&i| size[i] > 0).unwrap_or(0);
            chain.push(first);
        }
        let (x, y, current_min) = loop {
            let d = dist.as_slice();
            let x = chain[chain.len() - 1];
            let prev = (chain.len() > 1).then(|| chain[chain.len() - 2]);
            let (mut m, mut i) = match near.first(x) {
                Some(first) => first,
                None => {
                    let found = scan(d, n, x, &live, &size, duo);
                    if cached {
                        near.set(x, found);
                    }
                    found.first()
                }
            };
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
        let lists = near.shared();
        let own = update(shared, n, merge, &live, &size, lists, f, duo);
        if cached {
            near.set(y, own);
        }
        dead_since_compact += 1;
        if dead_since_compact * 8 > live.len() {
            live.retain(|&i| size[i] > 0);
            dead_since_compact = 0;
        }
    }
    Linkage::from_unlabelled(n, merges, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small-integer distances (many ties) or continuous ones, stored as `T`.
    fn data<T: Storage>(n: usize, seed: u64, levels: u64) -> Condensed<T> {
        let mut state = seed;
        let mut c = Condensed::<T>::zeros(n);
        for v in c.as_mut_slice() {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let r = state >> 33;
            *v = T::from_f64(if levels > 0 {
                (1 + r % levels) as f64
            } else {
                r as f64 / (1u64 << 31) as f64
            });
        }
        c
    }

    fn both<T: Storage>(dist: &Condensed<T>, method: Method, duo: &SpinJoin) {
        let f = |a, b, c, x, y, z| method.update(a, b, c, x, y, z);
        let plain = chain(&mut dist.clone(), &f, duo, false).to_scipy();
        let cached = chain(&mut dist.clone(), &f, duo, true).to_scipy();
        let same = plain
            .iter()
            .zip(&cached)
            .all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(same, "{method}, n = {}", dist.n());
    }

    #[test]
    fn the_split_balances_column_and_row_reads() {
        let live: Vec<usize> = (0..1000).collect();
        // A scan of 600 (its own entry counted too): 600 column reads at
        // 4, 400 row reads at 1.
        let mid = balanced_split(&live, &[(600, COLUMN), (usize::MAX, ROW)]);
        assert_eq!(mid, (600 * 4 + 400) / 2 / 4);
        // Everything along rows: the middle.
        assert_eq!(
            balanced_split(&live, &[(0, COLUMN), (usize::MAX, ROW)]),
            500
        );
        let costs = [
            (100, 2 * COLUMN),
            (900, COLUMN + ROW),
            (usize::MAX, 2 * ROW),
        ];
        let mid = balanced_split(&live, &costs);
        let cost = |a: usize, b: usize| -> usize {
            (a..b)
                .map(|i| {
                    if i < 100 {
                        8
                    } else if i < 900 {
                        5
                    } else {
                        2
                    }
                })
                .sum()
        };
        assert!(cost(0, mid).abs_diff(cost(mid, 1000)) <= 10, "{mid}");
    }

    #[test]
    fn cached_neighbours_give_the_plain_chain_bit_for_bit() {
        // Ties (4 or 40 distinct distances) exercise the lowest-index rule,
        // f32 storage the rounding a scan reads back, n above PAR_MIN the
        // two-thread update's combination.
        let methods = [
            Method::Single,
            Method::Complete,
            Method::Average,
            Method::Weighted,
            Method::Ward,
        ];
        for (n, levels) in [(60, 4), (300, 40), (500, 0)] {
            for method in methods {
                both(
                    &data::<f64>(n, n as u64, levels),
                    method,
                    &SpinJoin::single(),
                );
                both(
                    &data::<f32>(n, 7 + n as u64, levels),
                    method,
                    &SpinJoin::single(),
                );
            }
        }
        with_spin_join(|duo| {
            for (levels, method) in [(6, Method::Average), (0, Method::Complete)] {
                both(&data::<f64>(PAR_MIN + 200, 3, levels), method, duo);
            }
        });
    }
}
