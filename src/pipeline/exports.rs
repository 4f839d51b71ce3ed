//! The data files a clustering leaves next to its figure, or that
//! `heatmill linkage` writes: one function per file, so a figure's
//! `_data/` folder and the `linkage` command write the same bytes.
//!
//! - `{prefix}linkage.npy`: scipy's linkage matrix Z, `(n − 1) × 4`
//!   float64, row-major (`np.load` gives what `scipy.cluster.hierarchy.linkage`
//!   returns);
//! - `{prefix}order.tsv`: a header `index<TAB>label`, then one line per
//!   leaf in `leaves_list(Z)` order (index = 0-based input row);
//! - `{prefix}slices.tsv` (`row_split`, `col_split`, `kmeans_rows`):
//!   `index<TAB>label<TAB>slice` in display order, with a header;
//! - `kmeans.tsv` (`kmeans_rows`): `index<TAB>label<TAB>cluster`, input
//!   order, with a header;
//! - `{prefix}clusters.tsv`: `label<TAB>cluster` in input order with a
//!   header, ids as scipy's `fcluster`;
//! - `{prefix}tree.nwk`: the tree as Newick, branch lengths from heights;
//! - grouped figures (`groupby`): `groups.tsv` (`index<TAB>label<TAB>group`
//!   in display order, the cells of a grouped heatmap); `aggregate_{mean,
//!   median,fraction_nonzero}.tsv` (`reduce`: groups × genes, as
//!   `sc.get.aggregate`'s layer); `dot_color.tsv` and `dot_size.tsv` (a
//!   dot plot's groups × genes colours and fractions, scanpy's
//!   `DotPlot.dot_color_df`/`dot_size_df`);
//! - `corr_mqc.json`, `heatmill_mqc_versions.yml` (`multiqc = true`): the
//!   correlation matrix as a MultiQC custom-content heatmap, and the
//!   version MultiQC lists under software versions.

use crate::cluster::Linkage;
use crate::figure::clustermap::Slices;
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

/// `{prefix}order.tsv` of a display order given as is (split slices):
/// `index<TAB>label`, index = input position `positions[i]`.
pub fn order_of(prefix: &str, order: &[usize], labels: &[String], positions: &[usize]) -> Export {
    (
        format!("{prefix}order.tsv"),
        tsv::order_tsv(order, labels, positions).into_bytes(),
    )
}

/// `{prefix}slices.tsv`: `index<TAB>label<TAB>slice` in display order,
/// each observation with the title of its slice (`row_split`'s category,
/// the cut's or k-means' cluster id).
pub fn slices(prefix: &str, s: &Slices, labels: &[String], positions: &[usize]) -> Export {
    use std::fmt::Write;
    let mut out = String::from("index\tlabel\tslice\n");
    let mut at = 0;
    for (title, &n) in s.titles.iter().zip(&s.sizes) {
        for &i in &s.order[at..at + n] {
            let _ = writeln!(out, "{}\t{}\t{title}", positions[i], labels[i]);
        }
        at += n;
    }
    (format!("{prefix}slices.tsv"), out.into_bytes())
}

/// `kmeans.tsv` (`kmeans_rows`): `index<TAB>label<TAB>cluster` in input
/// order, clusters 1-based.
pub fn kmeans(clusters: &[usize], labels: &[String], positions: &[usize]) -> Export {
    use std::fmt::Write;
    let mut out = String::from("index\tlabel\tcluster\n");
    for (i, c) in clusters.iter().enumerate() {
        let _ = writeln!(out, "{}\t{}\t{c}", positions[i], labels[i]);
    }
    ("kmeans.tsv".to_string(), out.into_bytes())
}

/// `groups.tsv`: `index<TAB>label<TAB>group` for the grouped rows in
/// display order (`groups`: each group's name and row indices into
/// `labels`, in order).
pub fn groups(groups: &[(String, Vec<usize>)], labels: &[String]) -> Export {
    use std::fmt::Write;
    let mut out = String::from("index\tlabel\tgroup\n");
    for (name, rows) in groups {
        for &i in rows {
            let _ = writeln!(out, "{i}\t{}\t{name}", labels[i]);
        }
    }
    ("groups.tsv".to_string(), out.into_bytes())
}

/// `{name}.tsv`: a groups × genes matrix (`m`: rows the groups, columns
/// the genes), `group` in the header's corner.
pub fn grouped_table(name: &str, m: &crate::matrix::Matrix) -> Export {
    (
        format!("{name}.tsv"),
        tsv::table_tsv("group", m.row_labels(), m.col_labels(), m.values()).into_bytes(),
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

/// The most rows a MultiQC heatmap export takes (a browser draws each
/// cell).
pub const MULTIQC_MAX: usize = 500;

/// `corr_mqc.json`: `labels.len()²` values (row-major, as drawn) as a
/// MultiQC custom-content heatmap (`plot_type: heatmap`, `xcats`/`ycats`,
/// a −1…1 scale), its section named after the job `name`.
pub fn multiqc_heatmap(
    name: &str,
    title: Option<&str>,
    labels: &[String],
    values: &[f64],
) -> Export {
    let n = labels.len();
    let id: String = format!("heatmill_{name}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let rows: Vec<Vec<serde_json::Value>> = (0..n)
        .map(|i| {
            values[i * n..(i + 1) * n]
                .iter()
                .map(|&v| {
                    serde_json::Number::from_f64(v)
                        .map_or(serde_json::Value::Null, serde_json::Value::Number)
                })
                .collect()
        })
        .collect();
    let doc = serde_json::json!({
        "id": id,
        "section_name": format!("heatmill: {name}"),
        "description": title.unwrap_or("Correlation matrix (heatmill)"),
        "plot_type": "heatmap",
        "pconfig": {
            "id": format!("{id}_plot"),
            "title": format!("heatmill: {name}"),
            "min": -1,
            "max": 1,
            "square": true,
        },
        "xcats": labels,
        "ycats": labels,
        "data": rows,
    });
    (
        "corr_mqc.json".into(),
        serde_json::to_vec_pretty(&doc).unwrap_or_default(),
    )
}

/// `heatmill_mqc_versions.yml`: `heatmill: <version>`, MultiQC's software
/// versions file.
pub fn multiqc_versions() -> Export {
    (
        "heatmill_mqc_versions.yml".into(),
        concat!("heatmill: \"", env!("CARGO_PKG_VERSION"), "\"\n")
            .as_bytes()
            .to_vec(),
    )
}
