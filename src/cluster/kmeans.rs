//! k-means (Lloyd's algorithm) with k-means++ seeding, as scikit-learn's
//! `KMeans(algorithm="lloyd", n_init=1)` runs it: each step assigns every
//! point to its nearest centre (squared Euclidean, lowest index on ties),
//! then moves each centre to the mean of its points; it stops when no
//! label changes (strict convergence) or when the squared centre shift,
//! summed, is at most `tol` × the mean variance of the features; after a
//! stop that is not strict the labels are assigned once more to the final
//! centres. An empty cluster takes the point farthest from its centre
//! (scikit-learn's relocation). Sequential sums in point order: the same
//! input gives the same bits.
//!
//! The seeding is scikit-learn's greedy k-means++ (`2 + ⌊ln k⌋` candidates
//! per centre, the one that lowers the potential most), driven by our own
//! seeded generator (SplitMix64): deterministic for a seed, but not
//! scikit-learn's random stream, so scikit-learn parity is tested from a
//! given initialisation.

/// The result of [`lloyd`] / [`kmeans`].
#[derive(Debug, Clone, PartialEq)]
pub struct KMeans {
    /// Cluster of each point (0-based), input order.
    pub labels: Vec<usize>,
    /// The `k × d` centres, row-major.
    pub centers: Vec<f64>,
    /// Sum of squared distances of the points to their centres.
    pub inertia: f64,
    /// Lloyd iterations run.
    pub n_iter: usize,
}

fn sq(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Nearest centre of each point and the squared distance to it.
fn assign(x: &[f64], d: usize, centers: &[f64], labels: &mut [usize], dist: &mut [f64]) {
    for (i, p) in x.chunks_exact(d).enumerate() {
        let (mut best, mut bd) = (0, f64::INFINITY);
        for (j, c) in centers.chunks_exact(d).enumerate() {
            let v = sq(p, c);
            if v < bd {
                (best, bd) = (j, v);
            }
        }
        labels[i] = best;
        dist[i] = bd;
    }
}

/// Lloyd's iterations from the `k × d` centres `init` over the `n × d`
/// points `x` (row-major), at most `max_iter` steps, `tol` relative to
/// the mean feature variance (scikit-learn's default 1e-4).
pub fn lloyd(x: &[f64], n: usize, d: usize, init: &[f64], max_iter: usize, tol: f64) -> KMeans {
    let k = init.len() / d.max(1);
    let mut centers = init.to_vec();
    let mut labels = vec![0; n];
    let mut old = vec![usize::MAX; n];
    let mut dist = vec![0.0; n];
    // scikit-learn's _tolerance: mean over features of the variance.
    let mut var_sum = 0.0;
    for j in 0..d {
        let mean = (0..n).map(|i| x[i * d + j]).sum::<f64>() / n as f64;
        var_sum += (0..n).map(|i| (x[i * d + j] - mean).powi(2)).sum::<f64>() / n as f64;
    }
    let tol = tol * var_sum / d.max(1) as f64;
    let mut strict = false;
    let mut n_iter = 0;
    for _ in 0..max_iter {
        n_iter += 1;
        assign(x, d, &centers, &mut labels, &mut dist);
        let mut sums = vec![0.0; k * d];
        let mut counts = vec![0usize; k];
        for (i, p) in x.chunks_exact(d).enumerate() {
            counts[labels[i]] += 1;
            for (s, v) in sums[labels[i] * d..(labels[i] + 1) * d].iter_mut().zip(p) {
                *s += v;
            }
        }
        // Empty clusters take the points farthest from their centres.
        let empty: Vec<usize> = (0..k).filter(|&c| counts[c] == 0).collect();
        if !empty.is_empty() {
            let mut far: Vec<usize> = (0..n).collect();
            far.sort_by(|&a, &b| dist[b].total_cmp(&dist[a]).then(a.cmp(&b)));
            for (&c, &i) in empty.iter().zip(&far) {
                let from = labels[i];
                let p = &x[i * d..(i + 1) * d];
                for j in 0..d {
                    sums[from * d + j] -= p[j];
                    sums[c * d + j] = p[j];
                }
                counts[from] -= 1;
                counts[c] = 1;
                labels[i] = c;
            }
        }
        let mut shift = 0.0;
        for c in 0..k {
            if counts[c] == 0 {
                continue;
            }
            for j in 0..d {
                let v = sums[c * d + j] / counts[c] as f64;
                shift += (v - centers[c * d + j]).powi(2);
                centers[c * d + j] = v;
            }
        }
        if labels == old {
            strict = true;
            break;
        }
        if shift <= tol {
            break;
        }
        old.copy_from_slice(&labels);
    }
    if !strict {
        assign(x, d, &centers, &mut labels, &mut dist);
    } else {
        // The labels are those of the centres before the last move; the
        // inertia is to the final centres, as scikit-learn reports it.
        for (i, p) in x.chunks_exact(d).enumerate() {
            dist[i] = sq(p, &centers[labels[i] * d..(labels[i] + 1) * d]);
        }
    }
    KMeans {
        labels,
        centers,
        inertia: dist.iter().sum(),
        n_iter,
    }
}

/// SplitMix64: a small seeded generator (Steele, Lea & Flood 2014).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 53 bits.
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// k-means++ seeding (scikit-learn's greedy variant): the first centre a
/// uniformly drawn point, each next one the best of `2 + ⌊ln k⌋`
/// candidates drawn with probability proportional to the squared distance
/// to the nearest centre so far. `k ≤ n`.
pub fn kmeans_plus_plus(x: &[f64], n: usize, d: usize, k: usize, seed: u64) -> Vec<f64> {
    let mut rng = SplitMix(seed);
    let trials = 2 + (k as f64).ln().floor() as usize;
    let mut centers = Vec::with_capacity(k * d);
    let first = ((rng.uniform() * n as f64) as usize).min(n - 1);
    centers.extend_from_slice(&x[first * d..(first + 1) * d]);
    let mut closest: Vec<f64> = x.chunks_exact(d).map(|p| sq(p, &centers[..d])).collect();
    for _ in 1..k {
        let pot: f64 = closest.iter().sum();
        let mut best: Option<(f64, usize, Vec<f64>)> = None;
        for _ in 0..trials {
            let target = rng.uniform() * pot;
            let mut acc = 0.0;
            let mut pick = n - 1;
            for (i, &c) in closest.iter().enumerate() {
                acc += c;
                if acc > target {
                    pick = i;
                    break;
                }
            }
            let cand = &x[pick * d..(pick + 1) * d];
            let next: Vec<f64> = x
                .chunks_exact(d)
                .zip(&closest)
                .map(|(p, &c)| c.min(sq(p, cand)))
                .collect();
            let p: f64 = next.iter().sum();
            if best.as_ref().is_none_or(|(bp, _, _)| p < *bp) {
                best = Some((p, pick, next));
            }
        }
        let (_, pick, next) = best.expect("at least two trials");
        centers.extend_from_slice(&x[pick * d..(pick + 1) * d]);
        closest = next;
    }
    centers
}

/// k-means of the `n × d` points `x`: k-means++ seeding from `seed`, then
/// [`lloyd`] (300 iterations at most, tol 1e-4: scikit-learn's defaults).
/// `k` is clamped to `n`.
pub fn kmeans(x: &[f64], n: usize, d: usize, k: usize, seed: u64) -> KMeans {
    let k = k.clamp(1, n.max(1));
    let init = kmeans_plus_plus(x, n, d, k, seed);
    lloyd(x, n, d, &init, 300, 1e-4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_obvious_groups_are_found_whatever_the_seed() {
        let x = [0.0, 0.0, 0.1, 0.0, 0.0, 0.1, 5.0, 5.0, 5.1, 5.0, 5.0, 5.1];
        for seed in 0..20 {
            let r = kmeans(&x, 6, 2, 2, seed);
            assert_eq!(r.labels[0], r.labels[1]);
            assert_eq!(r.labels[0], r.labels[2]);
            assert_eq!(r.labels[3], r.labels[4]);
            assert_ne!(r.labels[0], r.labels[3]);
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_bits() {
        let mut s = SplitMix(3);
        let x: Vec<f64> = (0..400).map(|_| s.uniform()).collect();
        let a = kmeans(&x, 100, 4, 5, 42);
        let b = kmeans(&x, 100, 4, 5, 42);
        assert_eq!(a, b);
        assert_eq!(a.inertia.to_bits(), b.inertia.to_bits());
    }
}
