//! The data files a clustering leaves next to its figure, or that
//! `heatmill linkage` writes: one function per file, so a figure's
//! `_data/` folder and the `linkage` command write the same bytes.
//!
//! - `{prefix}linkage.npy`: scipy's linkage matrix Z, `(n − 1) × 4`
//!   float64, row-major (`np.load` gives what `scipy.cluster.hierarchy.linkage`
//!   returns);
//! - `{prefix}order.tsv`: a header `index<TAB>label`, then one line per
//!   leaf in `leaves_list(Z)` order (index = 0-based input row);
//! - `{prefix}clusters.tsv`: `label<TAB>cluster` in input order with a
//!   header, ids as scipy's `fcluster`;
//! - `{prefix}tree.nwk`: the tree as Newick, branch lengths from heights.

use crate::cluster::Linkage;
use crate::io::{npy, tsv};

/// One export: file name and bytes.
pub type Export = (String, Vec<u8>);

/// The linkage matrix (`{prefix}linkage.npy`) and leaf order
/// (`{prefix}order.tsv`) of `tree` over `labels` (length `tree.n()`).
pub fn tree(prefix: &str, tree: &Linkage, labels: &[String], positions: &[usize]) -> Vec<Export> {
    vec![
        order(prefix, tree, labels, positions),
        linkage(prefix, tree),
    ]
}

/// `{prefix}order.tsv`: `index<TAB>label` in `leaves_list` order.
///
/// The index is the observation's input position, `positions[leaf]`.
pub fn order(prefix: &str, tree: &Linkage, labels: &[String], positions: &[usize]) -> Export {
    (
        format!("{prefix}order.tsv"),
        tsv::order_tsv(&tree.leaves(), labels, positions).into_bytes(),
    )
}

/// `{prefix}linkage.npy`: Z as an `(n − 1) × 4` float64 array.
pub fn linkage(prefix: &str, tree: &Linkage) -> Export {
    (
        format!("{prefix}linkage.npy"),
        npy::encode_f64(&[tree.n().saturating_sub(1), 4], &tree.to_scipy()),
    )
}

/// `{prefix}clusters.tsv`: flat cluster ids (1-based, as `fcluster`) of
/// `labels`, in input order.
pub fn clusters(prefix: &str, clusters: &[usize], labels: &[String]) -> Export {
    (
        format!("{prefix}clusters.tsv"),
        tsv::clusters_tsv(clusters, labels).into_bytes(),
    )
}

/// `{prefix}tree.nwk`: the tree as Newick.
pub fn newick(prefix: &str, tree: &Linkage, labels: &[String]) -> Export {
    (
        format!("{prefix}tree.nwk"),
        tree.to_newick(labels).into_bytes(),
    )
}
