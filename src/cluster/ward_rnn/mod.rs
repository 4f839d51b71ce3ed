//! Ward linkage of many observations in O(n·d) memory and close to GEMM
//! speed: rounds of reciprocal nearest neighbours over cluster centroids,
//! each decision certified to be the one scipy makes.
//!
//! Why: the stored-matrix NN-chain reads one cache line per live cluster
//! down a column of the condensed matrix at every step; at 20 000 rows
//! that is ~3 s of memory traffic after 0.6 s of distances, and no
//! reordering of the chain changes it. Ward's distance between clusters
//! only needs their centroids and sizes,
//! `Δ(A, B) = |A||B| / (|A|+|B|) · ‖c_A − c_B‖²` (half the squared height),
//! so nearest neighbours can be found by matrix products instead.
//!
//! How:
//! - Ward is reducible: merging a reciprocal-nearest-neighbour (RNN) pair
//!   never brings the new cluster closer to anyone than its parts were.
//!   So every RNN pair of a round can merge at once, and the hierarchy is
//!   the one the NN-chain (scipy) finds — when no two compared distances
//!   are tied.
//! - Every live cluster keeps its `K` nearest candidates with exact
//!   (`f64`, from centroids) costs and a lower bound `lb` on the cost to any
//!   other live cluster. When its nearest neighbour merges, the candidates
//!   are forwarded to the clusters that absorbed them (reducibility keeps
//!   the bound valid), so most clusters never rescan. New clusters start
//!   from their parents' candidates, bound `min(lb_a, lb_b)`.
//! - A scan (new clusters, exhausted lists, the first round) is one `f32`
//!   GEMM of the queries against all live centroids in cache-sized blocks,
//!   screened with a rigorous bound on the `f32` error; only the few
//!   survivors get an exact cost. The first scan computes each pair once
//!   (symmetric tiles screened by row and by column). Later, a cluster
//!   whose list cannot decide waits, with a lower bound on its nearest
//!   cost, until a certified cluster points to it or it may hold the
//!   cheapest pair of all — which guarantees every round merges — so
//!   a cluster is scanned about once per merge it takes part in.
//!
//! - The scans' products run in a fused kernel where the CPU has
//!   AVX-512F (`kernel`): 8 queries × 32 candidates in registers,
//!   screened before the next panel; candidates stay in panels between
//!   rounds. Compact rows are ordered in slabs along the data's first two
//!   principal axes, and a panel whose box in that plane is farther from
//!   a register block's box than every threshold allows is skipped
//!   (projections onto orthonormal axes never lengthen a distance).
//!   New clusters start from a Lance–Williams bound on their parents'
//!   bounds, tighter than reducibility's `min(lb_a, lb_b)`.
//!
//! Certified, not approximate: centroids are double-doubles, so our costs
//! are exact to a few roundings however far the clusters lie from the
//! origin; heights come from centroids, not the Lance–Williams
//! recurrence, so they equal scipy's to rounding (~1e-15 relative). A
//! decision is only taken when the two costs compared differ by more than
//! a bound on both rounding errors (ours, and scipy's, which grow with
//! tree depth), and the final sort by height needs consecutive heights
//! apart by that margin. Where any decision is closer (duplicate rows,
//! tied integer data) the function returns `None` and the caller runs the
//! exact stored-matrix algorithm, whose steps are scipy's own. So the
//! output is always scipy's tree: same merges, same order, same leaves,
//! heights to ~1e-15; and it does not depend on the thread count.
//!
//! 20 000 × 50: 0.66–0.75 s on 2 cores (the stored-matrix chain took
//! 3.3–4.8 s with its distances), 110 MB instead of 1.6 GB; 200 000 × 50:
//! see `bench-results/ward200k_profile.md`.

mod dd;
mod kernel;
mod rounds;
mod screen;

use super::linkage::Linkage;
use rounds::Rounds;

/// From this many observations on, ward on vectors tries this algorithm
/// first (below it the stored-matrix chain is as fast and bit-identical).
pub const MIN_ROWS: usize = 2000;

/// Candidates kept per cluster. Larger lists survive more merges of
/// their members before a rescan, but each entry costs one exact cost
/// (d double-double differences) whenever it is inherited or forwarded.
/// Measured (50 000 × 50 tutorial and standard-normal rows, 20 000-row
/// clustermap): 3 is fastest once the scans are fused and skip far
/// panels (K = 8 before: 0.63–0.76 s vs 0.48–0.51 s at 20 000 rows).
const K: usize = 3;
/// Queries per GEMM block.
const QB: usize = 64;
/// Candidates per GEMM block: a 64 × 2048 `f32` product (512 KiB) stays
/// in L2 while it is screened.
const CB: usize = 2048;
/// Unit roundoff of `f32` and `f64`.
const U32: f64 = 1.0 / 16_777_216.0;
const U64: f64 = f64::EPSILON / 2.0;
/// Candidates per chunk of the vectorised `f32` pre-test of a screened row.
const W: usize = 32;
/// Side of the square tiles of the first scan (256 × 256 `f32`: 256 KiB).
const TILE: usize = 256;
/// Survivors of one query's screen beyond which the scan gives up
/// (independent of `K`: a cluster tighter than `f32` resolves, or rows
/// duplicated hundreds of times).
const MAX_SURVIVORS: usize = 512;

/// Working memory of [`ward_certified`] on `n × d` observations, in bytes
/// (besides the input): centroids as double-doubles (two `f64` per
/// coordinate, rows padded to a multiple of 8), a round's merged
/// centroids (at most n/2 pairs of such rows), two `f32` copies (the
/// compact matrix and the kernel's panels), the candidate lists (`K`
/// entries per cluster), and per-task scan tiles. Measured: 100–150 MB
/// for the whole process at 20 000 × 50.
pub fn memory_bytes(n: usize, d: usize) -> u64 {
    let (n, d) = (n as u64, d as u64);
    let stride = d.div_ceil(8) * 8;
    let centroids = n * stride * 8 * 3 + n * d * 4 * 2;
    let lists = n * (K as u64) * 32;
    let tiles = 4 * (TILE * TILE * 4) as u64;
    centroids + lists + tiles
}

/// Ward clustering of the rows of the row-major `n × d` matrix `x`, or
/// `None` when some decision is within rounding of a tie (the caller then
/// runs the exact algorithm). Needs `n ≥ 2`.
pub fn ward_certified(x: &[f64], n: usize, d: usize) -> Option<Linkage> {
    if n < 2 || d == 0 || n > u32::MAX as usize / 2 {
        return None;
    }
    Rounds::new(x, n, d)?.run()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{linkage, Method, Metric};

    /// Seeded uniform rows, every third shifted by 3 in each feature
    /// (three groups), row-major `n × d`.
    pub(super) fn data(n: usize, d: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n * d)
            .map(|k| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let u = (s >> 11) as f64 / (1u64 << 53) as f64;
                u * 4.0 - 2.0 + if (k / d).is_multiple_of(3) { 3.0 } else { 0.0 }
            })
            .collect()
    }

    #[test]
    fn equals_the_exact_chain_on_continuous_data() {
        for &(n, d, seed) in &[(300, 5, 1u64), (700, 50, 2), (1500, 3, 3), (2500, 20, 4)] {
            let x = data(n, d, seed);
            let exact = linkage(&x, n, d, Method::Ward, Metric::Euclidean).unwrap();
            let fast = ward_certified(&x, n, d).expect("continuous data certifies");
            for (r, (p, q)) in exact.steps().iter().zip(fast.steps()).enumerate() {
                assert_eq!((p.a, p.b, p.size), (q.a, q.b, q.size), "n={n} step {r}");
                assert!(
                    (p.height - q.height).abs() <= 1e-12 * p.height,
                    "n={n} step {r}"
                );
            }
            assert_eq!(exact.leaves(), fast.leaves());
        }
    }

    #[test]
    fn same_tree_on_any_number_of_threads() {
        // The screens split work by thread count in the first scan; the
        // lists (and so every decision and height) must not depend on it.
        let (n, d) = (3000, 12);
        let x = data(n, d, 11);
        let on = |t: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
                .install(|| ward_certified(&x, n, d).expect("certifies"))
        };
        let one = on(1);
        assert_eq!(one, on(3));
        assert_eq!(one, on(2));
    }

    #[test]
    fn refuses_duplicate_rows() {
        let (n, d) = (400, 4);
        let mut x = data(n, d, 9);
        let dup = x[10 * d..11 * d].to_vec();
        x[200 * d..201 * d].copy_from_slice(&dup);
        assert!(ward_certified(&x, n, d).is_none());
    }
}
