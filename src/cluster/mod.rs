//! Hierarchical clustering with scipy's exact results.
//!
//! Dispatch follows `scipy.cluster.hierarchy.linkage`: single → minimum
//! spanning tree, complete/average/weighted/ward → nearest-neighbour chain,
//! centroid/median → the generic algorithm. Each algorithm takes the same
//! steps as scipy's, so merges, heights and leaf order agree, ties included
//! (see `nn_chain` for the rule). `primitive` is the naive O(n³) reference
//! the tests hold the fast algorithms to.
//!
//! Ward on observations with many rows first tries `ward_rnn`: rounds of
//! reciprocal nearest neighbours (RNN) over centroids with `f32` GEMM
//! scans, every decision certified against rounding, so its tree is scipy's
//! (heights to ~1e-15); where a decision is within rounding of a tie it
//! declines and the exact algorithms run.

pub mod condensed;
pub mod distance;
pub mod fcluster;
pub mod generic;
mod heap;
pub mod kmeans;
pub mod linkage;
pub mod method;
pub mod mst;
mod nearest;
pub mod nn_chain;
pub mod olo;
pub mod primitive;
pub mod ward_rnn;
pub mod ward_vector;

pub use crate::dtype::Dtype;
pub use condensed::Condensed;
pub use distance::{pdist, Metric};
pub use fcluster::{fcluster, Criterion};
pub use linkage::{Linkage, Step};
pub use method::Method;

use crate::dtype::Storage;
use crate::error::{Error, Result};

/// Clusters a condensed distance matrix of `n` points (n(n−1)/2 entries,
/// scipy's `pdist` layout; consumed as scratch space): scipy's
/// `linkage(y, method)`, `n − 1` merges. Single → minimum spanning tree,
/// centroid/median → the generic algorithm, the rest → the NN-chain.
///
/// Errors ([`Error::Invalid`]): a distance is NaN or ±Inf (scipy refuses
/// them too; an `f32` store says when the value overflowed `f32`), or a
/// merge height overflows (ward and centroid square distances).
pub fn linkage_condensed<T: Storage>(mut dist: Condensed<T>, method: Method) -> Result<Linkage> {
    linkage_condensed_in(&mut dist, method)
}

/// [`linkage_condensed`] on a borrowed matrix, which the algorithms use
/// as scratch: its values are not distances afterwards (except for
/// single linkage), but the buffer is the caller's to refill
/// ([`distance::pdist_into`]) where the distances are needed again, as
/// optimal leaf ordering does, instead of keeping a copy.
///
/// Errors: as [`linkage_condensed`].
pub fn linkage_condensed_in<T: Storage>(
    dist: &mut Condensed<T>,
    method: Method,
) -> Result<Linkage> {
    if let Some(k) = dist.as_slice().iter().position(|v| !v.to_f64().is_finite()) {
        let n = dist.n();
        let (i, j) = pair_of(n, k);
        let v = dist.as_slice()[k].to_f64();
        if v.is_infinite() && T::DTYPE == crate::dtype::Dtype::F32 {
            return Err(Error::Invalid(format!(
                "the distance between observations {i} and {j} exceeds f32's range (3.4e38): use {}",
                crate::error::hint("precision", "f64")
            )));
        }
        return Err(Error::Invalid(format!(
            "the distance between observations {i} and {j} is {v} (every distance must be finite: remove rows without variance for correlation/cosine, or NaN/Inf values)"
        )));
    }
    let z = match method {
        Method::Single => mst::mst_single(dist),
        Method::Centroid | Method::Median => generic::generic(dist, method),
        _ => nn_chain::nn_chain_in(dist, method),
    };
    // A Lance–Williams update can overflow although every input distance
    // fitted (ward and centroid square them): refuse rather than return
    // infinite heights.
    if z.steps().iter().any(|s| !s.height.is_finite()) {
        return Err(Error::Invalid(if T::DTYPE == crate::dtype::Dtype::F32 {
            format!(
                "a merge height exceeds f32's range (3.4e38): use {}",
                crate::error::hint("precision", "f64")
            )
        } else {
            "a merge height overflows f64 (distances near 1e154 squared by the method's update): rescale the data".into()
        }));
    }
    Ok(z)
}

/// Clusters the rows of the row-major `n × d` matrix `x`: scipy's
/// `linkage(x, method, metric)` (distances by [`pdist`], stored as `f64`).
///
/// Errors ([`Error::Invalid`]): ward, centroid or median with a metric
/// other than euclidean ([`check_method_metric`]); non-finite distances
/// or heights, as [`linkage_condensed`].
pub fn linkage(x: &[f64], n: usize, d: usize, method: Method, metric: Metric) -> Result<Linkage> {
    check_method_metric(method, metric)?;
    linkage_condensed(pdist(x, n, d, metric), method)
}

/// scipy refuses ward/centroid/median with a non-Euclidean metric on
/// observations; so do we, with the reason.
///
/// Errors: [`Error::Invalid`] for that combination.
pub fn check_method_metric(method: Method, metric: Metric) -> Result<()> {
    if method.needs_euclidean() && metric != Metric::Euclidean {
        return Err(Error::Invalid(format!(
            "method '{method}' is only defined for the euclidean metric (got '{metric}'); for ward on correlation, z-score the rows and use {}",
            crate::error::hint("metric", "euclidean")
        )));
    }
    Ok(())
}

/// `(i, j)` of the `k`-th condensed entry.
fn pair_of(n: usize, k: usize) -> (usize, usize) {
    let mut i = 0;
    let mut start = 0;
    while start + (n - i - 1) <= k {
        start += n - i - 1;
        i += 1;
    }
    (i, i + 1 + (k - start))
}
