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
        // swap status of (u, w) for this node only: (swap_l, swap_r).
        let mut status = vec![(0u8, 0u8); (l_hi - l_lo) * width];
        for (sl, (&uc, &mc)) in u_cl.iter().zip(&m_cl).enumerate() {
            for (sr, (&wc, &kc)) in w_cl.iter().zip(&k_cl).enumerate() {
                let (u_lo, u_hi) = range[uc];
                let (m_lo, m_hi) = range[mc];
                let (w_lo, w_hi) = range[wc];
                let (k_lo, k_hi) = range[kc];
                let mut min_km = BIG;
                // Per-m minimum over the k's: a tighter bound than scipy's
                // global one (see `best_cost`).
                let mut min_k_of_m = vec![f64::INFINITY; m_hi - m_lo];
                for mi in m_lo..m_hi {
                    for ki in k_lo..k_hi {
                        let v = d(mi, ki);
                        if v < min_km as f64 {
                            min_km = v as f32;
                        }
                        if v < min_k_of_m[mi - m_lo] {
                            min_k_of_m[mi - m_lo] = v;
                        }
                    }
                }
                // Candidate m's for each u, sorted by M[m, u].
                let m_lists: Vec<Vec<usize>> = (u_lo..u_hi)
                    .into_par_iter()
                    .map(|u| sorted_by(&m, n, m_lo..m_hi, u))
                    .collect();
                let mref = &m;
                let cols: Vec<Vec<f32>> = (w_lo..w_hi)
                    .into_par_iter()
                    .map(|w| {
                        let k_list = sorted_by(mref, n, k_lo..k_hi, w);
                        (u_lo..u_hi)
                            .map(|u| {
                                best_cost(
                                    mref,
                                    n,
                                    (u, w),
                                    (&m_lists[u - u_lo], &k_list),
                                    (min_km, &min_k_of_m, m_lo),
                                    &d,
                                )
                            })
                            .collect()
                    })
                    .collect();
                for (wi, col) in cols.into_iter().enumerate() {
                    let w = w_lo + wi;
                    for (ui, cost) in col.into_iter().enumerate() {
                        let u = u_lo + ui;
                        m[u * n + w] = cost;
                        m[w * n + u] = cost;
                        status[(u - l_lo) * width + (w - r_lo)] = (sl as u8, sr as u8);
                    }
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
    (m_list, k_list): (&[usize], &[usize]),
    (min_km, min_k_of_m, m_lo): (f32, &[f64], usize),
    d: &impl Fn(usize, usize) -> f64,
) -> f32 {
    let mut cur = BIG;
    let k0 = k_list[0];
    let wk0 = m[w * n + k0];
    for &mi in m_list {
        let um = m[u * n + mi];
        if um + wk0 + min_km >= cur {
            break;
        }
        let floor = min_k_of_m[mi - m_lo];
        if (((um + wk0) as f64) + floor) as f32 >= cur {
            continue;
        }
        for &ki in k_list {
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
fn sorted_by(m: &[f32], n: usize, range: std::ops::Range<usize>, col: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = range.clone().collect();
    // M is symmetric: read row `col` (contiguous) rather than column `col`.
    let mut vals: Vec<f32> = range.map(|i| m[col * n + i]).collect();
    simultaneous_sort(&mut vals, &mut idx);
    idx
}

/// Median-of-three quicksort (scikit-learn's, used by scipy's OLO),
/// iterative so no input can exhaust the stack.
fn simultaneous_sort(vals: &mut [f32], idx: &mut [usize]) {
    let mut stack = vec![(0usize, vals.len())];
    while let Some((lo, size)) = stack.pop() {
        let v = &mut vals[lo..lo + size];
        let ix = &mut idx[lo..lo + size];
        let swap = |v: &mut [f32], ix: &mut [usize], a: usize, b: usize| {
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
        let mut ix: Vec<usize> = (0..v.len()).collect();
        simultaneous_sort(&mut v, &mut ix);
        assert!(v.windows(2).all(|w| w[0] <= w[1]));
        let orig = [3.0f32, 1.0, 2.0, 2.0, 5.0, 0.0, 2.0, 9.0, 1.0];
        for (k, &i) in ix.iter().enumerate() {
            assert_eq!(orig[i], v[k]);
        }
    }
}
