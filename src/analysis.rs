//! The numeric pipeline a command or a figure needs, assembled from the
//! stages: read → prep → (correlate | cluster). Kept in the library so the
//! CLI and the batch runner share one implementation.

use std::borrow::Cow;

use crate::cluster::{self, Dtype, Linkage, Method, Metric};
use crate::dtype::Storage;
use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::prep::{self, Axis};
use crate::stats::{self, CorrMethod};
use crate::timings::Timings;

/// A clustering of one axis: the tree, and the labels of the observations
/// it was built on (constant rows may have been dropped for correlation).
#[derive(Debug, Clone)]
pub struct Clustering {
    /// The tree over `labels.len()` observations (scipy's `Z`, `n − 1` merges).
    pub linkage: Linkage,
    /// Labels of the clustered observations, in input order (leaf `i` of
    /// `linkage` is `labels[i]`).
    pub labels: Vec<String>,
    /// Labels of the observations left out because their distance is
    /// undefined (no variance for correlation, zero norm for cosine).
    pub dropped: Vec<String>,
    /// Position along `axis` of the input of each clustered observation
    /// (leaf `i` is input row/column `positions[i]`).
    pub positions: Vec<usize>,
}

/// The rows `metric` is undefined on (`None`: defined on every row).
pub fn undefined_rows(metric: Metric) -> Option<prep::Undefined> {
    match metric {
        Metric::Correlation => Some(prep::Undefined::ZeroVariance),
        Metric::Cosine => Some(prep::Undefined::ZeroNorm),
        _ => None,
    }
}

/// Orients `m` so the observations of `axis` are rows (borrowed when
/// they already are: no copy of a large matrix just to read it).
pub fn oriented(m: &Matrix, axis: Axis) -> Cow<'_, Matrix> {
    match axis {
        Axis::Rows => Cow::Borrowed(m),
        Axis::Cols => Cow::Owned(m.transposed()),
    }
}

/// How to cluster one axis: scipy's `method` and `metric`, optional
/// optimal leaf ordering, and how the condensed matrix stores distances.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterSpec {
    /// scipy's `method`.
    pub method: Method,
    /// scipy's `metric` (ward, centroid and median need euclidean).
    pub metric: Metric,
    /// Reorder the leaves with scipy's `optimal_leaf_ordering` (needs the
    /// condensed matrix, so ward never takes the O(n·d) vector path with it).
    pub optimal_ordering: bool,
    /// Element type of the condensed distance matrix, n(n−1)/2 entries:
    /// `f64` (scipy's numbers) or `f32` (half the bytes).
    pub precision: Dtype,
    /// The most the stored (condensed) distance matrix may take, in bytes
    /// (a job's `--max-memory`); past it, and past 40 % of the machine's
    /// memory, ward on euclidean clusters the vectors (O(n·d)) instead.
    pub max_condensed: Option<u64>,
}

impl ClusterSpec {
    /// Ward on euclidean observations without optimal ordering: the case
    /// that can cluster the vectors themselves (O(n·d) memory) instead of a
    /// stored distance matrix.
    pub fn ward_on_vectors(&self) -> bool {
        self.method == Method::Ward && self.metric == Metric::Euclidean && !self.optimal_ordering
    }

    /// `method` and `metric` with scipy's numbers (`f64`), no reordering.
    pub fn new(method: Method, metric: Metric) -> Self {
        ClusterSpec {
            method,
            metric,
            optimal_ordering: false,
            precision: Dtype::F64,
            max_condensed: None,
        }
    }
}

/// Clusters the observations along `axis`. For correlation and cosine,
/// observations without variance are dropped (their distance is undefined)
/// and reported in `dropped`.
pub fn cluster_axis(
    m: &Matrix,
    axis: Axis,
    spec: ClusterSpec,
    source: &str,
    t: &mut Timings,
) -> Result<Clustering> {
    let ClusterSpec {
        method,
        metric,
        precision,
        max_condensed,
        ..
    } = spec;
    cluster::check_method_metric(method, metric)?;
    prep::check_finite(m, source, false)?;
    let mut obs = oriented(m, axis);
    let mut dropped = vec![];
    if let Some(rule) = undefined_rows(metric) {
        let (kept, d, _) = prep::drop_rows(&obs, rule);
        if let Some(kept) = kept {
            obs = Cow::Owned(kept);
        }
        dropped = d;
    }
    // Input positions: selection (`top_variable`) and drops compose.
    let positions = obs.row_positions();
    if obs.nrows() < 2 {
        return Err(Error::Invalid(format!(
            "{source}: clustering {axis} needs at least 2 observations, found {}",
            obs.nrows()
        )));
    }
    let n = obs.nrows();
    let ward_on_vectors = spec.ward_on_vectors();
    if ward_on_vectors && n >= cluster::ward_rnn::MIN_ROWS {
        // Certified to be scipy's tree, or None (near-ties): then the
        // exact algorithms below.
        let fast = t.time("link", || {
            cluster::ward_rnn::ward_certified(obs.values(), n, obs.ncols())
        });
        if let Some(linkage) = fast {
            return Ok(Clustering {
                linkage,
                labels: obs.row_labels().to_vec(),
                dropped,
                positions,
            });
        }
    }
    let within_budget = max_condensed.is_none_or(|b| precision.condensed_bytes(n) as u64 <= b);
    if ward_on_vectors && !(condensed_fits(n, precision) && within_budget) {
        // The condensed matrix would not fit: cluster the vectors instead.
        let linkage = t.time("link", || {
            cluster::ward_vector::ward_vector(obs.values(), n, obs.ncols())
        });
        return Ok(Clustering {
            linkage,
            labels: obs.row_labels().to_vec(),
            dropped,
            positions,
        });
    }
    let linkage = match precision {
        Dtype::F64 => link_rows::<f64>(&obs, spec, t)?,
        Dtype::F32 => link_rows::<f32>(&obs, spec, t)?,
    };
    Ok(Clustering {
        linkage,
        labels: obs.row_labels().to_vec(),
        dropped,
        positions,
    })
}

/// Distances between the rows of `obs` stored as `T`, then the tree.
fn link_rows<T: Storage>(obs: &Matrix, spec: ClusterSpec, t: &mut Timings) -> Result<Linkage> {
    let n = obs.nrows();
    let dist = t.time("distance", || {
        cluster::distance::pdist_as::<T>(obs.values(), n, obs.ncols(), spec.metric)
    });
    Ok(if spec.optimal_ordering {
        // The tree uses the matrix as scratch; the ordering needs the
        // distances again: refilled in the same buffer (the same bits:
        // a pair's distance does not depend on where its rows sit), which
        // costs less than a copy's fresh pages.
        let mut dist = dist;
        let z = t.time("link", || {
            cluster::linkage_condensed_in(&mut dist, spec.method)
        })?;
        // Refilled in leaf order (rows permuted: an n × m copy), so the
        // ordering reads each node's distances as contiguous runs.
        let d = obs.ncols();
        t.time("distance", || {
            let x = obs.values();
            let permuted: Vec<f64> = z
                .leaves()
                .iter()
                .flat_map(|&i| &x[i * d..(i + 1) * d])
                .copied()
                .collect();
            cluster::distance::pdist_into(&permuted, d, spec.metric, &mut dist)
        });
        t.time("order", || {
            cluster::olo::optimal_leaf_ordering_sorted(&z, &dist)
        })
    } else {
        t.time("link", || cluster::linkage_condensed(dist, spec.method))?
    })
}

/// Correlation between the observations along `axis` (square, row-major).
pub fn correlate_axis(
    m: &Matrix,
    axis: Axis,
    method: CorrMethod,
    pairwise: bool,
    source: &str,
    t: &mut Timings,
) -> Result<(Vec<f64>, Vec<String>)> {
    prep::check_finite(m, source, pairwise)?;
    let obs = oriented(m, axis);
    let r = t.time("correlate", || {
        stats::correlate(obs.values(), obs.nrows(), obs.ncols(), method, pairwise)
    });
    Ok((r, obs.row_labels().to_vec()))
}

/// [`correlate_axis`] stored as `f32` (f64 accumulation, half the memory);
/// complete data only.
pub fn correlate_axis_f32(
    m: &Matrix,
    axis: Axis,
    method: CorrMethod,
    source: &str,
    t: &mut Timings,
) -> Result<(Vec<f32>, Vec<String>)> {
    prep::check_finite(m, source, false)?;
    let obs = oriented(m, axis);
    let r = t.time("correlate", || {
        stats::f32_store::correlate_f32(obs.values(), obs.nrows(), obs.ncols(), method)
    });
    Ok((r, obs.row_labels().to_vec()))
}

/// Working memory of [`cluster_axis`] on `n` observations of `d` values
/// for the path it will take, in bytes, besides the input matrix: ward on
/// euclidean (no optimal ordering) is O(n·d) from
/// `ward_rnn::MIN_ROWS` rows on (the certified rounds, or the chain over
/// centroids when they decline and the stored matrix is over `spec.max_condensed`);
/// every other clustering stores the condensed matrix, n(n−1)/2 entries
/// of `precision`.
pub fn cluster_bytes(n: usize, d: usize, spec: &ClusterSpec) -> u64 {
    let condensed = spec.precision.condensed_bytes(n) as u64;
    let vectors = cluster::ward_rnn::memory_bytes(n, d);
    if spec.ward_on_vectors()
        && (n >= cluster::ward_rnn::MIN_ROWS || spec.max_condensed.is_some_and(|b| condensed > b))
    {
        vectors
    } else {
        condensed
    }
}

/// The most working memory the smaller of a clustermap's two clusterings
/// may need for both to run at once ([`both_axes_bytes`]): 8 MiB, a
/// condensed matrix of ~1 450 observations — fast, and below the size at
/// which the chain takes a second thread of its own.
pub const CONCURRENT_AXIS_BYTES: u64 = 8 << 20;

/// Working memory of clustering both axes of an `r × c` matrix, given
/// each axis's own need in bytes ([`cluster_bytes`]; 0 for an axis not
/// clustered), and whether the two run at once: they do when the smaller
/// needs at most [`CONCURRENT_AXIS_BYTES`] (the usual genes × samples
/// clustermap, whose sample tree takes milliseconds beside the gene
/// tree), so the peak is their sum; otherwise one after the other, and
/// the peak is the larger. (The column tree's transposed copy of the
/// matrix, r·c values, is the working copy callers count with the
/// matrix itself, as `batch::run`'s estimate does.)
pub fn both_axes_bytes(rows: u64, cols: u64) -> (u64, bool) {
    let at_once = rows > 0 && cols > 0 && rows.min(cols) <= CONCURRENT_AXIS_BYTES;
    if at_once {
        (rows + cols, true)
    } else {
        (rows.max(cols), false)
    }
}

/// Whether an n-point condensed matrix fits comfortably: at most 40 % of
/// the machine's physical memory (unknown memory: assume it fits). Past
/// that, ward on euclidean switches to the O(n·d) vector algorithm.
pub(crate) fn condensed_fits(n: usize, precision: Dtype) -> bool {
    condensed_fits_in(n, precision, physical_memory())
}

/// [`condensed_fits`] for a given memory size.
pub(crate) fn condensed_fits_in(n: usize, precision: Dtype, memory: Option<u64>) -> bool {
    match memory {
        Some(m) => (precision.condensed_bytes(n) as u64) <= m / 5 * 2,
        None => true,
    }
}

fn physical_memory() -> Option<u64> {
    crate::env::physical_memory()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_axes_run_at_once_only_beside_a_small_tree() {
        let mib = 1u64 << 20;
        // Genes x samples: the samples' tree is tiny, both at once.
        assert_eq!(both_axes_bytes(300 * mib, mib), (301 * mib, true));
        assert_eq!(both_axes_bytes(mib, 300 * mib), (301 * mib, true));
        // Two large trees (a square matrix): one after the other.
        assert_eq!(both_axes_bytes(800 * mib, 700 * mib), (800 * mib, false));
        // A smaller tree of 3 000 observations (36 MB condensed) is not
        // run beside the larger one.
        let spec = ClusterSpec {
            method: Method::Average,
            metric: Metric::Euclidean,
            optimal_ordering: false,
            precision: Dtype::F64,
            max_condensed: None,
        };
        let small = cluster_bytes(3000, 20_000, &spec);
        assert!(!both_axes_bytes(cluster_bytes(20_000, 3000, &spec), small).1);
        assert!(both_axes_bytes(small, cluster_bytes(50, 20_000, &spec)).1);
        // One axis not clustered: nothing to run beside it.
        assert_eq!(both_axes_bytes(0, 5 * mib), (5 * mib, false));
        assert_eq!(both_axes_bytes(5 * mib, 0), (5 * mib, false));
    }

    #[test]
    fn big_condensed_matrices_switch_ward_to_vectors() {
        let gib = 1u64 << 30;
        // 20 000 rows: 1.6 GB condensed, fits in 24 GiB.
        assert!(condensed_fits_in(20_000, Dtype::F64, Some(24 * gib)));
        // 60 000 rows: 14.4 GB, more than 40 % of 24 GiB; in f32 7.2 GB fits.
        assert!(!condensed_fits_in(60_000, Dtype::F64, Some(24 * gib)));
        assert!(condensed_fits_in(60_000, Dtype::F32, Some(24 * gib)));
        assert!(condensed_fits_in(60_000, Dtype::F64, None));
    }
}
