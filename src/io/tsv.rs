//! Small tab-separated outputs: leaf orders (`leaves_list`) and flat
//! cluster assignments (`fcluster`), as text the caller writes atomically.

use std::fmt::Write as _;

/// A header `index<TAB>label`, then one line per leaf in `order`; the
/// index is the observation's 0-based position in the input,
/// `positions[i]` for leaf `i` (rows dropped before clustering, or left
/// out by `top_variable`, do not shift it).
pub fn order_tsv(order: &[usize], labels: &[String], positions: &[usize]) -> String {
    let mut s = String::with_capacity(order.len() * 16 + 12);
    s.push_str("index\tlabel\n");
    for &i in order {
        let _ = writeln!(s, "{}\t{}", positions[i], labels[i]);
    }
    s
}

/// A square labelled matrix as text: a header of labels, then one line per
/// row, its label first; `sep` between fields (`,` for `.csv`, tab for
/// `.tsv`). Values in Rust's shortest round-trip form (what pandas'
/// `read_csv` reads back to the same bits); NaN as `NaN`.
pub fn labelled_matrix(labels: &[String], values: &[f64], sep: char) -> String {
    let n = labels.len();
    let mut s = String::with_capacity(n * n * 20 + n * 16);
    s.push_str("label");
    for l in labels {
        let _ = write!(s, "{sep}{l}");
    }
    s.push('\n');
    for (i, l) in labels.iter().enumerate() {
        s.push_str(l);
        for v in &values[i * n..(i + 1) * n] {
            if v.is_nan() {
                let _ = write!(s, "{sep}NaN");
            } else {
                let _ = write!(s, "{sep}{v:?}");
            }
        }
        s.push('\n');
    }
    s
}

/// A labelled `rows × cols` matrix (`values` row-major) as tab-separated
/// text: a header `corner<TAB>col…`, then one line per row, its label
/// first; values as [`labelled_matrix`] writes them (shortest round-trip,
/// `NaN`). What `pandas.read_csv(sep="\t", index_col=0)` reads back.
pub fn table_tsv(corner: &str, rows: &[String], cols: &[String], values: &[f64]) -> String {
    let mut s = String::with_capacity(values.len() * 20 + (rows.len() + cols.len()) * 16);
    s.push_str(corner);
    for c in cols {
        let _ = write!(s, "\t{c}");
    }
    s.push('\n');
    for (i, r) in rows.iter().enumerate() {
        s.push_str(r);
        for v in &values[i * cols.len()..(i + 1) * cols.len()] {
            if v.is_nan() {
                s.push_str("\tNaN");
            } else {
                let _ = write!(s, "\t{v:?}");
            }
        }
        s.push('\n');
    }
    s
}

/// A header `index<TAB>label`, then one line per row of a written matrix,
/// in its order: the row's 0-based position in the input
/// (`positions[i]`) and its label.
pub fn labels_tsv(labels: &[String], positions: &[usize]) -> String {
    let mut s = String::with_capacity(labels.len() * 16 + 12);
    s.push_str("index\tlabel\n");
    for (l, i) in labels.iter().zip(positions) {
        let _ = writeln!(s, "{i}\t{l}");
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
