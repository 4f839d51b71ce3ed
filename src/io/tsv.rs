//! Small tab-separated outputs: leaf orders (`leaves_list`) and flat
//! cluster assignments (`fcluster`), as text the caller writes atomically.

use std::fmt::Write as _;

/// `index<TAB>label` per line, in `order`.
pub fn order_tsv(order: &[usize], labels: &[String]) -> String {
    let mut s = String::with_capacity(order.len() * 16);
    for &i in order {
        let _ = writeln!(s, "{i}\t{}", labels[i]);
    }
    s
}

/// `label<TAB>cluster` per line, in input order, with a header.
pub fn clusters_tsv(clusters: &[usize], labels: &[String]) -> String {
    let mut s = String::from("label\tcluster\n");
    for (l, c) in labels.iter().zip(clusters) {
        let _ = writeln!(s, "{l}\t{c}");
    }
    s
}
