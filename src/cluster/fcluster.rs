//! Flat clusters cut from a tree: scipy's `fcluster` with the `maxclust`
//! and `distance` criteria, numbered the way scipy numbers them (1-based,
//! in the order of its iterative tree walk), so exported cluster ids match.

use super::linkage::Linkage;

/// How [`fcluster`] cuts the tree (scipy's `criterion` and `t`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Criterion {
    /// At most `k` clusters, at the lowest threshold that gives at most
    /// `k` (`criterion='maxclust'`, `t=k`).
    MaxClust(usize),
    /// No cluster's largest merge height above `t`
    /// (`criterion='distance'`).
    Distance(f64),
}

/// scipy's `fcluster(Z, t, criterion)`: the flat cluster id (1-based, in
/// scipy's numbering) of each of the `z.n()` leaves, in input order.
pub fn fcluster(z: &Linkage, criterion: Criterion) -> Vec<usize> {
    match criterion {
        Criterion::MaxClust(k) => cut_into(z, k),
        Criterion::Distance(t) => cut_at_height(z, t),
    }
}

/// Cluster id (1-based) of every leaf when the tree is cut so that no
/// cluster's largest merge height exceeds `t` (`criterion="distance"`).
pub(crate) fn cut_at_height(z: &Linkage, t: f64) -> Vec<usize> {
    let md = z.max_heights();
    monocrit(z, &md, t)
}

/// Cluster id (1-based) of every leaf when the tree is cut into at most
/// `k` clusters (`criterion="maxclust"`), choosing the lowest threshold
/// that gives at most `k` — scipy ≥ 1.15's `cluster_maxclust_monocrit`:
/// `k ≥ n` gives `n` singletons numbered in input order, and the search
/// starts below the lowest merge height (index −1, "−∞"), so the lowest
/// height itself can be chosen (scipy < 1.15 could not: points 1, 4, 5 with
/// single linkage and k = 2 gave one cluster).
pub(crate) fn cut_into(z: &Linkage, k: usize) -> Vec<usize> {
    let n = z.n();
    if k >= n {
        return (1..=n).collect();
    }
    if n < 2 {
        return vec![1; n];
    }
    let md = z.max_heights();
    let steps = z.steps();
    // Binary search over thresholds MD[i] as scipy does (MD is sorted for
    // monotone trees); `lower` starts at −1, which is never evaluated.
    let (mut lower, mut upper) = (-1isize, n as isize - 1);
    let mut visited = vec![false; 2 * n - 1];
    let mut stack = Vec::with_capacity(n);
    while upper - lower > 1 {
        let i = (lower + upper) >> 1;
        let thresh = md[i as usize];
        visited.iter_mut().for_each(|v| *v = false);
        let mut nc = 0usize;
        stack.clear();
        stack.push(2 * n - 2);
        'walk: while let Some(&top) = stack.last() {
            let root = top - n;
            let (lc, rc) = (steps[root].a, steps[root].b);
            if md[root] <= thresh {
                nc += 1;
                if nc > k {
                    break 'walk;
                }
                stack.pop();
                visited[lc] = true;
                visited[rc] = true;
                continue;
            }
            let mut descended = false;
            for c in [lc, rc] {
                if !visited[c] {
                    visited[c] = true;
                    if c >= n {
                        stack.push(c);
                        descended = true;
                        break;
                    }
                    nc += 1;
                    if nc > k {
                        break 'walk;
                    }
                }
            }
            if !descended {
                stack.pop();
            }
        }
        if nc > k {
            lower = i;
        } else {
            upper = i;
        }
    }
    // scipy reads MC[n-1], past the end of its (n-1)-entry criterion,
    // when no tested threshold gave <= k clusters; the intended meaning is
    // "one cluster", i.e. a cutoff above every merge.
    let thresh = if upper >= n as isize - 1 {
        f64::INFINITY
    } else {
        md[upper as usize]
    };
    monocrit(z, &md, thresh)
}

/// scipy's `cluster_monocrit`: walk the tree, a subtree whose criterion is
/// `<= cutoff` becomes one cluster; numbering follows the walk.
fn monocrit(z: &Linkage, mc: &[f64], cutoff: f64) -> Vec<usize> {
    let n = z.n();
    if n == 1 {
        return vec![1];
    }
    let steps = z.steps();
    let mut t = vec![0usize; n];
    let mut visited = vec![false; 2 * n - 1];
    let mut stack = vec![2 * n - 2];
    let mut n_cluster = 0usize;
    let mut leader: Option<usize> = None;
    while let Some(&top) = stack.last() {
        let root = top - n;
        let (lc, rc) = (steps[root].a, steps[root].b);
        if leader.is_none() && mc[root] <= cutoff {
            leader = Some(root);
            n_cluster += 1;
        }
        if lc >= n && !visited[lc] {
            visited[lc] = true;
            stack.push(lc);
            continue;
        }
        if rc >= n && !visited[rc] {
            visited[rc] = true;
            stack.push(rc);
            continue;
        }
        for c in [lc, rc] {
            if c < n {
                if leader.is_none() {
                    n_cluster += 1;
                }
                t[c] = n_cluster;
            }
        }
        if leader == Some(root) {
            leader = None;
        }
        stack.pop();
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{linkage, Method, Metric};

    #[test]
    fn maxclust_follows_scipy_1_15() {
        // Points 1, 4, 5 (one column), single linkage: scipy >= 1.15 can
        // choose the lowest height (k = 2 → [2, 1, 1]); k >= n gives
        // singletons in input order.
        let z = linkage(&[1.0, 4.0, 5.0], 3, 1, Method::Single, Metric::Euclidean).unwrap();
        assert_eq!(fcluster(&z, Criterion::MaxClust(2)), vec![2, 1, 1]);
        assert_eq!(fcluster(&z, Criterion::MaxClust(3)), vec![1, 2, 3]);
        assert_eq!(fcluster(&z, Criterion::MaxClust(7)), vec![1, 2, 3]);
        assert_eq!(fcluster(&z, Criterion::MaxClust(1)), vec![1, 1, 1]);
    }

    #[test]
    fn maxclust_gives_k_clusters_up_to_n() {
        // Ten rows in general position: every k from 1 to 10 is reachable,
        // so maxclust must give exactly k clusters (scipy < 1.15 gave 8 for
        // k = 9 and 9 for k = 10).
        let x: Vec<f64> = (0..30)
            .map(|i| ((i * 7919) % 101) as f64 / 10.0 + i as f64 * 0.013)
            .collect();
        for method in [
            Method::Single,
            Method::Average,
            Method::Complete,
            Method::Ward,
        ] {
            let z = linkage(&x, 10, 3, method, Metric::Euclidean).unwrap();
            for k in 1..=10 {
                let ids = fcluster(&z, Criterion::MaxClust(k));
                let distinct: std::collections::BTreeSet<_> = ids.iter().collect();
                assert_eq!(distinct.len(), k, "{method:?} k={k}: {ids:?}");
            }
        }
    }
}
