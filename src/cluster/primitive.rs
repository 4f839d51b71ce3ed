//! The naive O(n³) agglomerative algorithm: at every step merge the globally
//! closest pair. Too slow for real data; it exists so tests can check every
//! fast algorithm against the definition (kodama's `primitive`, same idea).

use super::condensed::Condensed;
use super::linkage::{Linkage, Step};
use super::method::Method;

/// Reference linkage of the `n` points of `dist` (n(n−1)/2 distances,
/// consumed): global minimum each step (lowest `(i, j)` on ties), the
/// higher index carries the merged cluster. O(n³); for tests.
pub fn primitive(mut dist: Condensed, method: Method) -> Linkage {
    let n = dist.n();
    if n < 2 {
        return Linkage::from_steps(n, vec![]);
    }
    let mut size = vec![1usize; n];
    let mut id: Vec<usize> = (0..n).collect();
    let mut merges = Vec::with_capacity(n - 1);
    let mut steps = Vec::with_capacity(n - 1);
    for k in 0..n - 1 {
        let mut best = (0, 0, f64::INFINITY);
        for i in 0..n {
            if size[i] == 0 {
                continue;
            }
            for j in i + 1..n {
                if size[j] > 0 && dist.get(i, j) < best.2 {
                    best = (i, j, dist.get(i, j));
                }
            }
        }
        let (x, y, h) = best;
        let (nx, ny) = (size[x], size[y]);
        for i in 0..n {
            if size[i] == 0 || i == x || i == y {
                continue;
            }
            let v = method.update(
                dist.get(i, x),
                dist.get(i, y),
                h,
                nx as f64,
                ny as f64,
                size[i] as f64,
            );
            dist.set(i, y, v);
        }
        merges.push((x, y, h));
        let (a, b) = if id[x] < id[y] {
            (id[x], id[y])
        } else {
            (id[y], id[x])
        };
        steps.push(Step {
            a,
            b,
            height: h,
            size: nx + ny,
        });
        size[x] = 0;
        size[y] = nx + ny;
        id[y] = n + k;
    }
    if method.is_reducible() {
        Linkage::from_unlabelled(n, merges, true)
    } else {
        Linkage::from_steps(n, steps)
    }
}
