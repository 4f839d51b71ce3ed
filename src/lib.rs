//! # heatmill
//!
//! A batch engine for expression heatmaps whose numbers are scipy's and
//! numpy's: hierarchical clustering identical to
//! `scipy.cluster.hierarchy.linkage` (same merges, heights, leaf order),
//! correlation identical to `numpy.corrcoef`, computed with GEMMs and
//! parallel across cores.
//!
//! Data flows one way: [`io`] reads a [`matrix::Matrix`], [`prep`]
//! transforms it, [`stats`] and [`cluster`] analyse it.
//!
//! ```
//! use heatmill::cluster::{linkage, Method, Metric};
//! // Four points on a line: 0, 1, 5, 6.
//! let x = [0.0, 1.0, 5.0, 6.0];
//! let z = linkage(&x, 4, 1, Method::Average, Metric::Euclidean).unwrap();
//! assert_eq!(z.to_scipy(), vec![
//!     0.0, 1.0, 1.0, 2.0,
//!     2.0, 3.0, 1.0, 2.0,
//!     4.0, 5.0, 5.0, 4.0,
//! ]);
//! assert_eq!(z.leaves(), vec![0, 1, 2, 3]);
//! ```
//!
//! Guarantees: for finite input, linkage heights agree with scipy to
//! ~1e-15 relative (distances come from GEMM with a direct recomputation of
//! small distances); ties are broken exactly as scipy breaks them.

// Index loops mirror scipy's reference code; keeping their shape makes
// the correspondence (and the tie rules) easy to check.
#![allow(clippy::needless_range_loop)]
#![warn(missing_docs)]

pub mod analysis;
pub mod batch;
pub mod cluster;
pub mod dtype;
pub mod env;
pub mod error;
pub mod figure;
pub mod io;
pub mod matrix;
pub mod mem;
pub mod options;
pub(crate) mod par;
pub mod pipeline;
pub mod prep;
pub mod render;
pub mod stats;
pub mod timings;

pub use error::{Error, Result};
pub use matrix::Matrix;
