//! Single linkage through a minimum spanning tree (Prim's algorithm on the
//! dense matrix), scipy's `mst_single_linkage` step for step: Θ(n²) time,
//! O(n) memory beyond the distances, which are only read.

use super::condensed::Condensed;
use super::linkage::Linkage;
use crate::dtype::Storage;

/// Single-linkage clustering of the `n` points of `dist` (n(n−1)/2
/// distances, only read): scipy's `mst_single_linkage`, `n − 1` merges
/// sorted by height. Distances must be finite.
pub fn mst_single<T: Storage>(dist: &Condensed<T>) -> Linkage {
    let n = dist.n();
    if n < 2 {
        return Linkage::from_steps(n, vec![]);
    }
    let mut merged = vec![false; n];
    let mut best = vec![f64::INFINITY; n];
    let mut merges = Vec::with_capacity(n - 1);
    let mut x = 0usize;
    for _ in 0..n - 1 {
        let mut current_min = f64::INFINITY;
        let mut y = 0usize;
        merged[x] = true;
        for i in 0..n {
            if merged[i] {
                continue;
            }
            let v = dist.get(x, i);
            if best[i] > v {
                best[i] = v;
            }
            if best[i] < current_min {
                y = i;
                current_min = best[i];
            }
        }
        merges.push((x, y, current_min));
        x = y;
    }
    Linkage::from_unlabelled(n, merges, true)
}
