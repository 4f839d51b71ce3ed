//! Nearest-neighbour chain linkage for the reducible methods (single,
//! complete, average, weighted, ward): Θ(n²) time on one condensed matrix.
//!
//! Tie rule (scipy's `nn_chain`, which we follow step for step so tied data
//! gives scipy's tree): the chain starts at the lowest live cluster; the
//! nearest neighbour of the chain's tip is searched in increasing index
//! order, starting from the previous chain element as the incumbent, and is
//! replaced only on a strictly smaller distance. Of a merged pair, the
//! higher index survives and carries the new cluster.

use super::condensed::{index, row_start, Condensed};
use super::dendrogram::Linkage;
use super::method::Method;

/// Clusters the points of `dist` (consumed: it becomes scratch space).
pub fn nn_chain(mut dist: Condensed, method: Method) -> Linkage {
    let n = dist.n();
    debug_assert!(method.is_reducible());
    if n < 2 {
        return Linkage::from_steps(n, vec![]);
    }
    let d = dist.as_mut_slice();
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
            let x = *chain.last().unwrap_or(&0);
            let (mut y, mut current_min) = if chain.len() > 1 {
                let p = chain[chain.len() - 2];
                (p, d[pair(n, x, p)])
            } else {
                (usize::MAX, f64::INFINITY)
            };
            let rx = row_start(n, x);
            for &i in &live {
                if size[i] == 0 || i == x {
                    continue;
                }
                let v = if i < x {
                    d[index(n, i, x)]
                } else {
                    d[rx + (i - x - 1)]
                };
                if v < current_min {
                    current_min = v;
                    y = i;
                }
            }
            if chain.len() > 1 && y == chain[chain.len() - 2] {
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
        let (fx, fy) = (nx as f64, ny as f64);
        for &i in &live {
            let ni = size[i];
            if ni == 0 || i == y {
                continue;
            }
            let ix = pair(n, i, x);
            let iy = pair(n, i, y);
            d[iy] = method.update(d[ix], d[iy], current_min, fx, fy, ni as f64);
        }
        dead_since_compact += 1;
        if dead_since_compact * 8 > live.len() {
            live.retain(|&i| size[i] > 0);
            dead_since_compact = 0;
        }
    }
    Linkage::from_unlabelled(n, merges, true)
}

#[inline(always)]
fn pair(n: usize, i: usize, j: usize) -> usize {
    if i < j {
        index(n, i, j)
    } else {
        index(n, j, i)
    }
}
