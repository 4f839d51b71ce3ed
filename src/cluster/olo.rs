//! Optimal leaf ordering (Bar-Joseph, Gifford & Jaakkola 2001): flip the
//! children of internal nodes so the sum of distances between adjacent
//! leaves is minimal. The result equals scipy's `optimal_leaf_ordering`,
//! including its choices among equal-cost orders: like scipy we keep the
//! dynamic-programming table in `f32`, visit candidates in the order its
//! quicksort leaves them, and break ties by first occurrence.
//!
//! Faster than scipy by construction: scipy re-sorts the candidate list of
//! the right subtree for every (u, w) pair and builds an n × n ancestor
//! matrix; we sort each list once per node, evaluate the (u, w) pairs of a
//! node in parallel, and derive the flips with one O(n) pass.

use rayon::prelude::*;

use super::condensed::Condensed;
use super::linkage::Linkage;
use crate::dtype::Storage;

const BIG: f32 = 1_073_741_824.0; // 2^30, scipy's "infinity" here

/// Returns `z` with children swapped so that `z.leaves()` is the optimal
/// leaf order for the distances `dist` (over the original leaf ids; the
/// `n` points `z` was built on, n(n−1)/2 entries): scipy's
/// `optimal_leaf_ordering(Z, y)`, same order, ties included.
pub fn optimal_leaf_ordering<T: Storage>(z: &Linkage, dist: &Condensed<T>) -> Linkage {
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
fn simultaneous_sort(vals: &mut [f32], idx: &mut [u32]) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quicksort_sorts_with_duplicates() {
        let mut v = vec![3.0f32, 1.0, 2.0, 2.0, 5.0, 0.0, 2.0, 9.0, 1.0];
        let mut ix: Vec<u32> = (0..v.len() as u32).collect();
        simultaneous_sort(&mut v, &mut ix);
        assert!(v.windows(2).all(|w| w[0] <= w[1]));
        let orig = [3.0f32, 1.0, 2.0, 2.0, 5.0, 0.0, 2.0, 9.0, 1.0];
        for (k, &i) in ix.iter().enumerate() {
            assert_eq!(orig[i as usize], v[k]);
        }
    }
}
