//! Ward linkage on the observations themselves: the nearest-neighbour
//! chain over cluster centroids, O(n·d) memory instead of the n(n−1)/2
//! condensed matrix — for inputs whose matrix would not fit (a 50 000-row
//! condensed matrix is 10 GB). Time is O(n²·d), so for inputs that fit,
//! the stored-matrix path is faster.
//!
//! Ward distance between clusters A and B (scipy's convention, equal to
//! the Euclidean distance for two singletons):
//! `d(A, B) = sqrt(2·|A||B| / (|A|+|B|)) · ‖c_A − c_B‖`.
//! The chain follows scipy's tie rule (see `nn_chain`); heights come from
//! centroids rather than the Lance–Williams recurrence, so they agree with
//! scipy to rounding (~1e-15 relative) and merges agree on tie-free data.

use rayon::prelude::*;

use super::dendrogram::Linkage;

/// Below this many live clusters a scan runs on one thread.
const PAR_MIN: usize = 2000;

/// Ward clustering of the rows of the row-major `n × d` matrix `x`.
pub fn ward_vector(x: &[f64], n: usize, d: usize) -> Linkage {
    if n < 2 {
        return Linkage::from_steps(n, vec![]);
    }
    let mut centroid = x[..n * d].to_vec();
    let mut size = vec![1usize; n];
    let mut chain: Vec<usize> = Vec::with_capacity(n);
    let mut merges = Vec::with_capacity(n - 1);
    let mut live: Vec<usize> = (0..n).collect();
    let dist = |c: &[f64], size: &[usize], a: usize, b: usize| -> f64 {
        let (ca, cb) = (&c[a * d..(a + 1) * d], &c[b * d..(b + 1) * d]);
        let sq: f64 = ca.iter().zip(cb).map(|(p, q)| (p - q) * (p - q)).sum();
        let (na, nb) = (size[a] as f64, size[b] as f64);
        (2.0 * na * nb / (na + nb) * sq).sqrt()
    };
    for _ in 0..n - 1 {
        if chain.is_empty() {
            chain.push(live[0]);
        }
        let (x_, y_, h) = loop {
            let tip = chain[chain.len() - 1];
            let prev = (chain.len() > 1).then(|| chain[chain.len() - 2]);
            let scan = |part: &[usize]| -> (f64, usize) {
                part.iter().fold((f64::INFINITY, usize::MAX), |best, &i| {
                    if i == tip {
                        return best;
                    }
                    let v = dist(&centroid, &size, tip, i);
                    if v < best.0 {
                        (v, i)
                    } else {
                        best
                    }
                })
            };
            let (m, i) = if live.len() >= PAR_MIN {
                live.par_chunks(live.len().div_ceil(rayon::current_num_threads().max(1)))
                    .map(scan)
                    .collect::<Vec<_>>()
                    .into_iter()
                    // Chunks are in index order: the earliest wins ties.
                    .fold(
                        (f64::INFINITY, usize::MAX),
                        |a, b| if b.0 < a.0 { b } else { a },
                    )
            } else {
                scan(&live)
            };
            let (y, h) = match prev {
                Some(p) => {
                    let dp = dist(&centroid, &size, tip, p);
                    if m < dp {
                        (i, m)
                    } else {
                        (p, dp)
                    }
                }
                None => (i, m),
            };
            if prev == Some(y) {
                break (tip, y, h);
            }
            chain.push(y);
        };
        chain.truncate(chain.len() - 2);
        let (a, b) = if x_ < y_ { (x_, y_) } else { (y_, x_) };
        let (na, nb) = (size[a] as f64, size[b] as f64);
        for k in 0..d {
            centroid[b * d + k] = (na * centroid[a * d + k] + nb * centroid[b * d + k]) / (na + nb);
        }
        size[b] += size[a];
        size[a] = 0;
        merges.push((a, b, h));
        let pos = live.binary_search(&a).unwrap_or_else(|p| p);
        live.remove(pos);
    }
    Linkage::from_unlabelled(n, merges, true)
}
