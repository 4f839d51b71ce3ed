//! Splits (ComplexHeatmap's `row_split` / `column_split`): the rows or
//! columns of a figure cut into slices drawn apart, by an annotation
//! column, by a tree cut (`cut_rows`) or by k-means clusters
//! (`kmeans_rows`).
//!
//! With the axis clustered, each slice is clustered on its own (the
//! figure's method and metric) and the slices are ordered by a tree of
//! their mean vectors, as ComplexHeatmap's `cluster_row_slices = TRUE`
//! does (`hclust(dist(t(slice_mean)))`: Euclidean distance, complete
//! linkage; the order is scipy's `leaves_list` of that tree). The drawn
//! tree joins the slice trees under the slice tree, its heights raised by
//! the tallest slice tree (ComplexHeatmap's `merge_dendrogram`). Without
//! clustering, slices come in category order and keep the input order
//! inside. A tree cut keeps the whole tree: its clusters are runs of its
//! leaf order.

use crate::analysis;
use crate::cluster::{self, Linkage, Method, Metric, Step};
use crate::error::{Error, Result};
use crate::figure::clustermap::Slices;
use crate::io::annotations::Annotation;
use crate::matrix::Matrix;
use crate::prep::Axis;
use crate::timings::Timings;

/// Observations of an axis assigned to groups: `group[i]` is the slice of
/// observation `i` (input order), an index into `titles`.
#[derive(Debug, Clone, PartialEq)]
pub struct Groups {
    /// Slice index of each observation, input order.
    pub group: Vec<usize>,
    /// Each slice's title, in the groups' own order (category order).
    pub titles: Vec<String>,
}

/// The groups an annotation column gives the `labels` of an axis: one per
/// category that occurs, in the column's category order (a categorical's
/// own order, else natural order). `spec` (`TABLE:COLUMN`) and `key`
/// (`row_split`/`col_split`) name it in messages.
///
/// Errors: a label the table does not list, or lists without a value
/// ([`Error::Usage`], naming up to five of them and what to do).
pub fn from_annotation(a: &Annotation, labels: &[String], spec: &str, key: &str) -> Result<Groups> {
    let missing: Vec<&str> = labels
        .iter()
        .filter(|l| !matches!(a.values.get(*l), Some(Some(_))))
        .map(|l| l.as_str())
        .collect();
    if !missing.is_empty() {
        let what = if key == "row_split" {
            "rows"
        } else {
            "columns"
        };
        return Err(Error::Usage(format!(
            "{} {spec}: {} of the {} {what} have no value in column '{}': {}{}; every {} needs a slice: add them to the table (or drop them from the matrix)",
            crate::error::key_and_flag(key),
            missing.len(),
            labels.len(),
            a.name,
            missing[..missing.len().min(5)].join(", "),
            if missing.len() > 5 { ", …" } else { "" },
            &what[..what.len() - 1]
        )));
    }
    let used: Vec<&String> = a
        .categories
        .iter()
        .filter(|c| labels.iter().any(|l| a.values[l].as_ref() == Some(*c)))
        .collect();
    let group = labels
        .iter()
        .map(|l| {
            let v = a.values[l].as_ref().expect("checked above");
            used.iter().position(|c| *c == v).expect("a category")
        })
        .collect();
    Ok(Groups {
        group,
        titles: used.into_iter().cloned().collect(),
    })
}

/// The groups of flat clusters (`fcluster` or k-means ids, 1-based): one
/// per id that occurs, titled by it, in id order.
pub fn from_clusters(clusters: &[usize]) -> Groups {
    let mut ids: Vec<usize> = clusters.to_vec();
    ids.sort_unstable();
    ids.dedup();
    Groups {
        group: clusters
            .iter()
            .map(|c| ids.binary_search(c).expect("an id"))
            .collect(),
        titles: ids.iter().map(|c| c.to_string()).collect(),
    }
}

/// The slices of a tree cut: the whole tree's leaf order, cut where the
/// cluster changes (a `maxclust` cluster is a subtree, so a run of
/// leaves), each slice titled by its cluster id.
pub fn from_cut(tree: &Linkage, clusters: &[usize]) -> Slices {
    let order = tree.leaves();
    let mut sizes: Vec<usize> = Vec::new();
    let mut titles: Vec<String> = Vec::new();
    let mut last = None;
    for &i in &order {
        if last == Some(clusters[i]) {
            *sizes.last_mut().expect("a slice") += 1;
        } else {
            sizes.push(1);
            titles.push(clusters[i].to_string());
            last = Some(clusters[i]);
        }
    }
    Slices {
        order,
        sizes,
        titles,
    }
}

/// How each slice is clustered, when the axis is.
#[derive(Debug, Clone, Copy)]
pub struct SliceClustering<'a> {
    /// The figure's linkage method, metric and storage.
    pub spec: analysis::ClusterSpec,
    /// The input's name, for messages.
    pub source: &'a str,
}

/// The slices of `axis` of `data` in `groups`, and (clustered) the tree
/// drawn over them: each slice's own tree joined under the tree of slice
/// means, whose leaf order is the slices' display order.
///
/// Errors: as [`analysis::cluster_axis`] for a slice (NaN values, a
/// method/metric pair scipy refuses).
pub fn split(
    data: &Matrix,
    axis: Axis,
    groups: &Groups,
    clustering: Option<SliceClustering>,
    t: &mut Timings,
) -> Result<(Slices, Option<Linkage>)> {
    let n_slices = groups.titles.len();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_slices];
    for (i, &g) in groups.group.iter().enumerate() {
        members[g].push(i);
    }
    let Some(c) = clustering else {
        let order = members.concat();
        return Ok((
            Slices {
                order,
                sizes: members.iter().map(Vec::len).collect(),
                titles: groups.titles.clone(),
            },
            None,
        ));
    };
    let mut trees: Vec<Option<Linkage>> = Vec::with_capacity(n_slices);
    for m in &members {
        if m.len() < 2 {
            trees.push(None);
            continue;
        }
        let sub = match axis {
            Axis::Rows => data.select_rows(m),
            Axis::Cols => data.select_cols(m),
        };
        let got = analysis::cluster_axis(&sub, axis, c.spec, c.source, t)?;
        if !got.dropped.is_empty() {
            return Err(Error::Invalid(format!(
                "{}: a slice holds {} without variance, which the {} distance cannot place",
                c.source,
                got.dropped.join(", "),
                c.spec.metric
            )));
        }
        trees.push(Some(got.linkage));
    }
    let slice_tree = (n_slices >= 2).then(|| slice_means_tree(data, axis, &members));
    let slice_order: Vec<usize> = slice_tree
        .as_ref()
        .map_or_else(|| (0..n_slices).collect(), |z| z.leaves());
    let tree = join(groups.group.len(), &members, &trees, slice_tree.as_ref());
    let order = tree.leaves();
    Ok((
        Slices {
            order,
            sizes: slice_order.iter().map(|&s| members[s].len()).collect(),
            titles: slice_order
                .iter()
                .map(|&s| groups.titles[s].clone())
                .collect(),
        },
        Some(tree),
    ))
}

/// ComplexHeatmap's slice tree: the mean vector of each slice (over the
/// other axis), Euclidean distances, complete linkage.
fn slice_means_tree(data: &Matrix, axis: Axis, members: &[Vec<usize>]) -> Linkage {
    let d = match axis {
        Axis::Rows => data.ncols(),
        Axis::Cols => data.nrows(),
    };
    let mut means = vec![0.0; members.len() * d];
    for (s, m) in members.iter().enumerate() {
        let out = &mut means[s * d..(s + 1) * d];
        for &i in m {
            for (j, o) in out.iter_mut().enumerate() {
                *o += match axis {
                    Axis::Rows => data.get(i, j),
                    Axis::Cols => data.get(j, i),
                };
            }
        }
        for o in out.iter_mut() {
            *o /= m.len() as f64;
        }
    }
    let dist = cluster::distance::pdist_as::<f64>(&means, members.len(), d, Metric::Euclidean);
    cluster::linkage_condensed(dist, Method::Complete).expect("complete linkage of finite means")
}

/// One tree over all `n` observations: slice `s`'s tree (over
/// `members[s]`, local ids) relabelled to input ids, the slice tree on
/// top with its heights raised by the tallest slice tree. Its leaf order
/// is the slices' in the slice tree's order, each in its own tree's order.
/// Merges keep left-to-right order (`a` drawn first), so ids of a slice
/// tree's merge may come in either order: a tree for drawing, not a scipy
/// linkage matrix.
fn join(
    n: usize,
    members: &[Vec<usize>],
    trees: &[Option<Linkage>],
    slice_tree: Option<&Linkage>,
) -> Linkage {
    let mut steps: Vec<Step> = Vec::with_capacity(n.saturating_sub(1));
    let mut roots = Vec::with_capacity(members.len());
    let mut top: f64 = 0.0;
    for (m, z) in members.iter().zip(trees) {
        let Some(z) = z else {
            roots.push(m[0]);
            continue;
        };
        let (k, base) = (z.n(), n + steps.len());
        let id = |local: usize| {
            if local < k {
                m[local]
            } else {
                base + local - k
            }
        };
        for s in z.steps() {
            let (a, b) = (id(s.a), id(s.b));
            top = top.max(s.height);
            steps.push(Step {
                a,
                b,
                height: s.height,
                size: s.size,
            });
        }
        roots.push(n + steps.len() - 1);
    }
    if let Some(st) = slice_tree {
        let k = st.n();
        let base = n + steps.len();
        let mut sizes: Vec<usize> = members.iter().map(Vec::len).collect();
        for s in st.steps() {
            let node = |x: usize| if x < k { roots[x] } else { base + x - k };
            let joined = sizes[s.a] + sizes[s.b];
            steps.push(Step {
                a: node(s.a),
                b: node(s.b),
                height: s.height + top,
                size: joined,
            });
            sizes.push(joined);
        }
    }
    Linkage::from_steps(n, steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(rows: &[&[f64]]) -> Matrix {
        let n = rows.len();
        let d = rows[0].len();
        Matrix::new(
            (0..n).map(|i| format!("r{i}")).collect(),
            (0..d).map(|j| format!("c{j}")).collect(),
            rows.concat(),
        )
        .unwrap()
    }

    #[test]
    fn clusters_give_one_slice_per_id_in_id_order() {
        let g = from_clusters(&[3, 1, 3, 2]);
        assert_eq!(g.group, vec![2, 0, 2, 1]);
        assert_eq!(g.titles, vec!["1", "2", "3"]);
    }

    #[test]
    fn unclustered_slices_keep_category_then_input_order() {
        let m = matrix(&[&[0.0], &[1.0], &[2.0], &[3.0]]);
        let g = Groups {
            group: vec![1, 0, 1, 0],
            titles: vec!["a".into(), "b".into()],
        };
        let (s, tree) = split(&m, Axis::Rows, &g, None, &mut Timings::default()).unwrap();
        assert!(tree.is_none());
        assert_eq!(s.order, vec![1, 3, 0, 2]);
        assert_eq!(s.sizes, vec![2, 2]);
        assert_eq!(s.titles, vec!["a", "b"]);
    }

    /// The joined tree's leaves are each slice's own clustering, in the
    /// slice tree's order; checked against a naive reference: each slice
    /// clustered alone, the slices ordered by the complete-linkage tree of
    /// their means.
    #[test]
    fn each_slice_is_clustered_alone_and_slices_follow_their_means() {
        // Slice "lo" (rows 0, 2, 4) near 0, slice "hi" (1, 3) near 10,
        // slice "mid" (5, 6, 7) near 4: means 0 < 4 < 10.
        let rows: &[&[f64]] = &[
            &[0.0, 0.1],
            &[10.0, 10.0],
            &[0.5, 0.4],
            &[12.0, 11.0],
            &[0.05, 0.1],
            &[4.0, 4.0],
            &[6.0, 6.0],
            &[4.1, 4.0],
        ];
        let m = matrix(rows);
        let g = Groups {
            group: vec![0, 1, 0, 1, 0, 2, 2, 2],
            titles: vec!["lo".into(), "hi".into(), "mid".into()],
        };
        let spec = analysis::ClusterSpec::new(Method::Average, Metric::Euclidean);
        let c = SliceClustering { spec, source: "t" };
        let (s, tree) = split(&m, Axis::Rows, &g, Some(c), &mut Timings::default()).unwrap();
        let tree = tree.unwrap();
        assert_eq!(tree.leaves(), s.order);
        // Naive: each slice alone.
        let alone = |idx: &[usize]| -> Vec<usize> {
            let sub = m.select_rows(idx);
            let z = analysis::cluster_axis(&sub, Axis::Rows, spec, "t", &mut Timings::default())
                .unwrap()
                .linkage;
            z.leaves().iter().map(|&l| idx[l]).collect()
        };
        let (lo, hi, mid) = (alone(&[0, 2, 4]), alone(&[1, 3]), alone(&[5, 6, 7]));
        // Means: lo ≈ (0.18, 0.2), mid ≈ (4.7, 4.67), hi = (11, 10.5):
        // complete linkage joins lo (id 0) and mid (2) into cluster 3,
        // then hi (1) with 3; scipy's leaves_list puts the lower id first:
        // hi, then lo before mid.
        let expected: Vec<usize> = [hi, lo, mid].concat();
        assert_eq!(s.order, expected);
        assert_eq!(s.titles, vec!["hi", "lo", "mid"]);
        assert_eq!(s.sizes, vec![2, 3, 3]);
        // Slice-level merges sit above every slice merge.
        let steps = tree.steps();
        let slice_top = steps[..5].iter().map(|s| s.height).fold(0.0, f64::max);
        assert!(steps[5..].iter().all(|s| s.height > slice_top));
        assert_eq!(steps.last().unwrap().size, 8);
    }

    #[test]
    fn a_cut_slices_the_leaf_order_at_cluster_changes() {
        let m = matrix(&[&[0.0], &[10.0], &[0.2], &[10.5], &[20.0]]);
        let spec = analysis::ClusterSpec::new(Method::Single, Metric::Euclidean);
        let z = analysis::cluster_axis(&m, Axis::Rows, spec, "t", &mut Timings::default())
            .unwrap()
            .linkage;
        let clusters = cluster::fcluster(&z, cluster::Criterion::MaxClust(3));
        let s = from_cut(&z, &clusters);
        assert_eq!(s.order, z.leaves());
        assert_eq!(s.sizes.iter().sum::<usize>(), 5);
        assert_eq!(s.sizes.len(), 3);
        let mut at = 0;
        for (size, title) in s.sizes.iter().zip(&s.titles) {
            for &i in &s.order[at..at + size] {
                assert_eq!(clusters[i].to_string(), *title);
            }
            at += size;
        }
    }

    #[test]
    fn rows_without_a_slice_are_refused_by_name() {
        let a = Annotation {
            name: "pathway".into(),
            values: [("g1".to_string(), Some("A".to_string()))]
                .into_iter()
                .collect(),
            categories: vec!["A".into()],
            colors: None,
            categorical: false,
            first_text: None,
        };
        let labels = vec!["g1".to_string(), "g2".to_string()];
        let e = from_annotation(&a, &labels, "genes.tsv:pathway", "row_split")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("row_split (--row-split) genes.tsv:pathway"),
            "{e}"
        );
        assert!(
            e.contains("1 of the 2 rows have no value in column 'pathway': g2"),
            "{e}"
        );
    }
}
