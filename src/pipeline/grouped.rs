//! Grouped single-cell figures, as scanpy draws them: the rows (cells)
//! grouped by a category column (`groupby`, scanpy's `pl.heatmap`), or
//! reduced to one row per group (`reduce`, scanpy's `pl.matrixplot` and
//! `sc.get.aggregate`), over a chosen, ordered set of columns (`genes`,
//! scanpy's `var_names`).
//!
//! The rows are the observations as read (an `.h5ad`'s cells; a table of
//! genes × samples is grouped by its genes unless read with `transpose`).

use std::path::Path;

use crate::error::{Error, Result};
use crate::io::annotations::{self, Annotation};
use crate::matrix::Matrix;
use crate::options::Reduce;

/// The rows of a matrix split into groups: one entry per category that
/// has rows, in the column's category order (an h5ad categorical's own
/// order, else natural order), each with its rows in input order.
#[derive(Debug, Clone, PartialEq)]
pub struct Grouping {
    /// The column's name (scanpy's `groupby` key).
    pub name: String,
    /// `(category, row indices)` of every category with at least one row.
    pub groups: Vec<(String, Vec<usize>)>,
    /// Rows left out: no value in the column (missing) or absent from it.
    pub left_out: Vec<String>,
    /// Categories the column declares that no row has.
    pub empty: Vec<String>,
}

impl Grouping {
    /// Groups `labels` (the matrix's rows) by `a`.
    pub fn new(a: &Annotation, labels: &[String]) -> Grouping {
        let index: std::collections::HashMap<&str, usize> = a
            .categories
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect();
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); a.categories.len()];
        let mut left_out = Vec::new();
        for (r, l) in labels.iter().enumerate() {
            match a.values.get(l).and_then(|v| v.as_deref()) {
                Some(v) => match index.get(v) {
                    Some(&g) => members[g].push(r),
                    None => left_out.push(l.clone()),
                },
                None => left_out.push(l.clone()),
            }
        }
        Grouping::from_members(&a.name, &a.categories, members, left_out)
    }

    /// The grouping of each category's `members` (row indices), the
    /// categories without rows listed apart.
    fn from_members(
        name: &str,
        categories: &[String],
        members: Vec<Vec<usize>>,
        left_out: Vec<String>,
    ) -> Grouping {
        let mut groups = Vec::new();
        let mut empty = Vec::new();
        for (c, m) in categories.iter().zip(members) {
            if m.is_empty() {
                empty.push(c.clone());
            } else {
                groups.push((c.clone(), m));
            }
        }
        Grouping {
            name: name.to_string(),
            groups,
            left_out,
            empty,
        }
    }

    /// Groups `labels` by a categorical column read by position
    /// ([`crate::io::hdf5::read_categorical_codes`]), when its index is
    /// `labels` in order (an `.h5ad`'s own `obs`); `None` otherwise. The
    /// same grouping as [`Grouping::new`] over the column as an
    /// annotation, without hashing a million cell names.
    pub fn from_codes(
        c: &crate::io::hdf5::CategoricalColumn,
        labels: &[String],
    ) -> Option<Grouping> {
        if c.index.as_slice() != labels {
            return None;
        }
        let k = c.categories.len();
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
        let mut left_out = Vec::new();
        for (r, &code) in c.codes.iter().enumerate() {
            match usize::try_from(code).ok().filter(|&g| g < k) {
                Some(g) => members[g].push(r),
                None => left_out.push(labels[r].clone()),
            }
        }
        Some(Grouping::from_members(
            &c.name,
            &c.categories,
            members,
            left_out,
        ))
    }

    /// The rows in drawn order: group by group.
    pub fn order(&self) -> Vec<usize> {
        self.groups
            .iter()
            .flat_map(|(_, m)| m.iter().copied())
            .collect()
    }

    /// `(category, number of rows)` in drawn order.
    pub fn spans(&self) -> Vec<(String, usize)> {
        self.groups
            .iter()
            .map(|(c, m)| (c.clone(), m.len()))
            .collect()
    }
}

/// Reads the `groupby` column. `obs/COLUMN` or `var/COLUMN` alone names a
/// column of the input itself (`source`, an `.h5ad`); anything else is
/// `TABLE:COLUMN` as `row_colors` takes it, relative to `base`. The
/// column is read as categories whatever its values look like (scanpy's
/// `leiden` clusters `0`…`24`).
///
/// Errors: the table or column cannot be read; `obs/…` on an input that
/// is not an `.h5ad` ([`Error::Usage`]).
pub fn read_groupby(spec: &str, source: &str, base: &Path) -> Result<Annotation> {
    let spec = &groupby_spec(spec, source, base);
    let (path, column) = super::table_of(spec, "groupby", source, base)?;
    let mut a =
        annotations::read(&path, column.as_deref()).map_err(|e| e.about_option("groupby", spec))?;
    a.categorical = true;
    Ok(a)
}

/// `groupby` as written, or for a bare name on an `.h5ad` input
/// (scanpy's `groupby="cell_type"`) its obs column, `obs/cell_type` —
/// unless a file of that name exists.
pub fn groupby_spec(spec: &str, source: &str, base: &Path) -> String {
    let h5ad = Path::new(source)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("h5ad"));
    if h5ad
        && !spec.contains(':')
        && !super::is_own_column(spec)
        && !super::resolve(base, Path::new(spec)).exists()
    {
        format!("obs/{spec}")
    } else {
        spec.to_string()
    }
}

/// Marker sets over a gene list: `(name, first, last)` positions.
pub type GeneSets = Vec<(String, usize, usize)>;

/// The genes `genes` names, in order, and the marker sets they form:
/// each entry as is, or for `file:PATH` (relative to `base`) one gene per
/// line, or `SET<TAB>GENE` lines (scanpy's `var_names` dict: the set's
/// genes in file order, sets in order of first appearance); an entry may
/// itself be a `SET<TAB>GENE` line. Blank lines
/// and `#` comments are skipped. Sets are `(name, first, last)` positions
/// in the returned list, empty when no line names a set.
///
/// Errors: a file cannot be read ([`Error::Read`]); a line with more than
/// two fields ([`Error::Usage`], naming file and line).
pub fn gene_list(entries: &[String], base: &Path) -> Result<(Vec<String>, GeneSets)> {
    let mut pairs: Vec<(Option<String>, String)> = Vec::new();
    for e in entries {
        match e.strip_prefix("file:") {
            Some(p) => {
                let path = super::resolve(base, Path::new(p));
                let text = std::fs::read_to_string(&path).map_err(|err| Error::read(&path, err))?;
                for (i, line) in text.lines().enumerate() {
                    let line = line.trim();
                    if line.is_empty() || line.starts_with('#') {
                        continue;
                    }
                    let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
                    match fields.as_slice() {
                        [g] => pairs.push((None, g.to_string())),
                        [s, g] if !g.is_empty() => pairs.push((Some(s.to_string()), g.to_string())),
                        _ => {
                            return Err(Error::Usage(format!(
                                "{}: line {}: expected a gene, or SET<TAB>GENE, got '{line}'",
                                path.display(),
                                i + 1
                            )))
                        }
                    }
                }
            }
            // An entry `SET<TAB>GENE` is a file's line given inline (a
            // scanpy `var_names` dict from the Python package).
            None => match e.split_once('\t') {
                Some((s, g)) if !s.trim().is_empty() && !g.trim().is_empty() => {
                    pairs.push((Some(s.trim().to_string()), g.trim().to_string()))
                }
                // `--genes "CD3E, MS4A1"`: the space is not part of a name.
                _ => pairs.push((None, e.trim().to_string())),
            },
        }
    }
    if pairs.iter().all(|(s, _)| s.is_none()) {
        return Ok((pairs.into_iter().map(|(_, g)| g).collect(), vec![]));
    }
    // Genes of one set together, sets in order of first appearance.
    let mut names: Vec<String> = Vec::new();
    for (s, _) in &pairs {
        let s = s.clone().unwrap_or_default();
        if !names.contains(&s) {
            names.push(s);
        }
    }
    let mut genes = Vec::new();
    let mut sets = Vec::new();
    for n in names {
        let first = genes.len();
        genes.extend(
            pairs
                .iter()
                .filter(|(s, _)| s.as_deref().unwrap_or("") == n)
                .map(|(_, g)| g.clone()),
        );
        sets.push((n, first, genes.len() - 1));
    }
    Ok((genes, sets))
}

/// The columns of `m` named `genes`, in that order (a gene listed twice is
/// drawn twice, as scanpy draws a gene of two marker sets).
///
/// Errors: genes that are not columns ([`Error::Usage`]), each named with
/// the closest column label when one is close.
pub fn pick_genes(m: &Matrix, genes: &[String], source: &str) -> Result<Matrix> {
    let idx = gene_columns(m.col_labels(), genes, source)?;
    Ok(m.select_cols(&idx))
}

/// The positions in `columns` (a matrix's column labels) of `genes`, in
/// order: the first column of each name, as [`Matrix::find_cols`].
///
/// Errors: as [`pick_genes`].
pub fn gene_columns(columns: &[String], genes: &[String], source: &str) -> Result<Vec<usize>> {
    let mut first: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (j, c) in columns.iter().enumerate() {
        first.entry(c.as_str()).or_insert(j);
    }
    let mut idx = Vec::with_capacity(genes.len());
    let mut unknown = Vec::new();
    for g in genes {
        match first.get(g.as_str()) {
            Some(&j) => idx.push(j),
            None => unknown.push(g),
        }
    }
    if !unknown.is_empty() {
        let shown: Vec<String> = unknown
            .iter()
            .take(10)
            .map(|g| {
                // The same name in other case first (cd3e → CD3E), then
                // the closest spelling.
                let close = columns
                    .iter()
                    .find(|c| c.eq_ignore_ascii_case(g))
                    .map(|c| (1.0, c))
                    .or_else(|| {
                        columns
                            .iter()
                            .map(|c| (strsim::jaro_winkler(g, c), c))
                            .filter(|(d, _)| *d >= 0.85)
                            .max_by(|a, b| a.0.total_cmp(&b.0))
                    });
                match close {
                    Some((_, c)) => format!("'{g}' (did you mean '{c}'?)"),
                    None => format!("'{g}'"),
                }
            })
            .collect();
        return Err(Error::Usage(format!(
            "{}: {} of {} genes are not columns of {source}: {}{}; the columns are genes when the rows are cells (an .h5ad as stored; a genes x samples table needs transpose)",
            crate::error::key_and_flag("genes"),
            unknown.len(),
            genes.len(),
            shown.join(", "),
            if unknown.len() > 10 { ", …" } else { "" }
        )));
    }
    Ok(idx)
}

/// One row per group of `g`: for each column, `how` over the group's rows
/// (NaN stays NaN in a mean or median, as numpy's; a fraction counts
/// values above 0 over all the group's rows). Rows are labelled by the
/// categories.
///
/// Errors: none in practice (the shape is the grouping's).
pub fn reduce(m: &Matrix, g: &Grouping, how: Reduce) -> Result<Matrix> {
    let nc = m.ncols();
    let mut values = Vec::with_capacity(g.groups.len() * nc);
    let mut column = Vec::new();
    for (_, rows) in &g.groups {
        let n = rows.len() as f64;
        match how {
            // Row by row (each row read once, in memory order); each
            // column's sum still adds its values in the group's row order.
            Reduce::Mean | Reduce::FractionNonzero => {
                let mut acc = vec![0.0; nc];
                for &r in rows {
                    for (a, &v) in acc.iter_mut().zip(m.row(r)) {
                        *a += match how {
                            Reduce::Mean => v,
                            _ => f64::from(u8::from(v > 0.0)),
                        };
                    }
                }
                values.extend(acc.into_iter().map(|a| a / n));
            }
            Reduce::Median => {
                for j in 0..nc {
                    column.clear();
                    column.extend(rows.iter().map(|&r| m.get(r, j)));
                    values.push(median(&mut column));
                }
            }
        }
    }
    Matrix::new(
        g.groups.iter().map(|(c, _)| c.clone()).collect(),
        m.col_labels().to_vec(),
        values,
    )
}

/// scanpy's `pl.dotplot` numbers per group and column: the colour (the
/// mean over the group's rows, or with `mean_only_expressed` over those
/// above `cutoff`, 0 where none is) and the share of the group's rows
/// above `cutoff`. Returns `(colour, share)`, both groups × columns.
///
/// Errors: none in practice (the shape is the grouping's).
pub fn dot_values(
    m: &Matrix,
    g: &Grouping,
    cutoff: f64,
    mean_only_expressed: bool,
) -> Result<(Matrix, Matrix)> {
    let nc = m.ncols();
    let mut color = Vec::with_capacity(g.groups.len() * nc);
    let mut share = Vec::with_capacity(g.groups.len() * nc);
    // Row by row, as `reduce`: each column's sums in the group's row order.
    let (mut sum, mut sum_on, mut n_on) = (vec![0.0; nc], vec![0.0; nc], vec![0usize; nc]);
    for (_, rows) in &g.groups {
        sum.fill(0.0);
        sum_on.fill(0.0);
        n_on.fill(0);
        for &r in rows {
            for (j, &v) in m.row(r).iter().enumerate() {
                sum[j] += v;
                if v > cutoff {
                    sum_on[j] += v;
                    n_on[j] += 1;
                }
            }
        }
        let n_all = rows.len() as f64;
        for j in 0..nc {
            share.push(n_on[j] as f64 / n_all);
            color.push(match (mean_only_expressed, n_on[j]) {
                (false, _) => sum[j] / n_all,
                (true, 0) => 0.0,
                (true, n) => sum_on[j] / n as f64,
            });
        }
    }
    let rows: Vec<String> = g.groups.iter().map(|(c, _)| c.clone()).collect();
    Ok((
        Matrix::new(rows.clone(), m.col_labels().to_vec(), color)?,
        Matrix::new(rows, m.col_labels().to_vec(), share)?,
    ))
}

/// numpy's `median`: the middle value, or the mean of the two middle
/// values of an even count; NaN when any value is NaN.
fn median(v: &mut [f64]) -> f64 {
    if v.iter().any(|x| x.is_nan()) || v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn annotation(pairs: &[(&str, Option<&str>)], categories: &[&str]) -> Annotation {
        Annotation {
            name: "cell_type".into(),
            values: pairs
                .iter()
                .map(|(l, v)| (l.to_string(), v.map(str::to_string)))
                .collect::<HashMap<_, _>>(),
            categories: categories.iter().map(|c| c.to_string()).collect(),
            colors: None,
            categorical: true,
            first_text: None,
        }
    }

    #[test]
    fn rows_group_in_category_order_and_the_ungrouped_are_left_out() {
        let a = annotation(
            &[
                ("c1", Some("T")),
                ("c2", Some("B")),
                ("c3", None),
                ("c4", Some("T")),
            ],
            &["T", "B", "NK"],
        );
        let labels: Vec<String> = ["c1", "c2", "c3", "c4", "c5"].map(String::from).to_vec();
        let g = Grouping::new(&a, &labels);
        assert_eq!(g.order(), vec![0, 3, 1]);
        assert_eq!(g.spans(), vec![("T".into(), 2), ("B".into(), 1)]);
        assert_eq!(g.left_out, vec!["c3".to_string(), "c5".to_string()]);
        assert_eq!(g.empty, vec!["NK".to_string()]);
    }

    #[test]
    fn grouping_by_position_is_grouping_by_label() {
        let labels: Vec<String> = ["c1", "c2", "c3", "c4", "c5"].map(String::from).to_vec();
        let c = crate::io::hdf5::CategoricalColumn {
            name: "cell_type".into(),
            index: labels.clone(),
            codes: vec![0, 1, -1, 0, 7],
            categories: ["T", "B", "NK"].map(String::from).to_vec(),
            colors: None,
        };
        let a = annotation(
            &[
                ("c1", Some("T")),
                ("c2", Some("B")),
                ("c3", None),
                ("c4", Some("T")),
                ("c5", None),
            ],
            &["T", "B", "NK"],
        );
        let by_label = Grouping::new(&a, &labels);
        let by_position = Grouping::from_codes(&c, &labels).unwrap();
        assert_eq!(by_position.groups, by_label.groups);
        assert_eq!(by_position.left_out, by_label.left_out);
        assert_eq!(by_position.empty, by_label.empty);
        // Another row order is not the column's: no positional grouping.
        let mut other = labels.clone();
        other.swap(0, 1);
        assert!(Grouping::from_codes(&c, &other).is_none());
    }

    #[test]
    fn reductions_are_numpys() {
        let m = Matrix::new(
            ["a", "b", "c", "d"].map(String::from).to_vec(),
            vec!["g1".into(), "g2".into()],
            vec![1.0, 0.0, 4.0, 2.0, 2.0, -1.0, 7.0, 0.0],
        )
        .unwrap();
        let g = Grouping {
            name: "x".into(),
            groups: vec![("A".into(), vec![0, 1, 2]), ("B".into(), vec![3])],
            left_out: vec![],
            empty: vec![],
        };
        let mean = reduce(&m, &g, Reduce::Mean).unwrap();
        assert_eq!(mean.values(), &[7.0 / 3.0, 1.0 / 3.0, 7.0, 0.0]);
        let med = reduce(&m, &g, Reduce::Median).unwrap();
        assert_eq!(med.values(), &[2.0, 0.0, 7.0, 0.0]);
        let frac = reduce(&m, &g, Reduce::FractionNonzero).unwrap();
        assert_eq!(frac.values(), &[1.0, 1.0 / 3.0, 1.0, 0.0]);
        assert_eq!(frac.row_labels(), &["A".to_string(), "B".to_string()]);
        let mut even = vec![4.0, 1.0, 3.0, 2.0];
        assert_eq!(median(&mut even), 2.5);
    }

    #[test]
    fn unknown_genes_are_named_with_the_closest_column() {
        let m = Matrix::new(
            vec!["c1".into()],
            vec!["CD3E".into(), "MS4A1".into()],
            vec![1.0, 2.0],
        )
        .unwrap();
        let e = pick_genes(&m, &["MS4A1".into(), "CD3D".into()], "x.h5ad").unwrap_err();
        let s = e.to_string();
        assert!(
            s.contains("1 of 2 genes") && s.contains("'CD3D' (did you mean 'CD3E'?)"),
            "{s}"
        );
        let e = pick_genes(&m, &["cd3e".into()], "x.h5ad").unwrap_err();
        assert!(
            e.to_string().contains("'cd3e' (did you mean 'CD3E'?)"),
            "{e}"
        );
        let p = pick_genes(&m, &["MS4A1".into(), "CD3E".into()], "x.h5ad").unwrap();
        assert_eq!(p.col_labels(), &["MS4A1".to_string(), "CD3E".to_string()]);
    }

    #[test]
    fn a_marker_file_groups_genes_by_set() {
        let dir = std::env::temp_dir().join(format!("heatmill-genes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("m.txt"),
            "# markers\nT\tCD3E\nB\tMS4A1\nT\tCD3D\n\nB\tCD79A\n",
        )
        .unwrap();
        let (genes, sets) = gene_list(&["file:m.txt".into()], &dir).unwrap();
        assert_eq!(genes, ["CD3E", "CD3D", "MS4A1", "CD79A"].map(String::from));
        assert_eq!(sets, vec![("T".into(), 0, 1), ("B".into(), 2, 3)]);
        std::fs::write(dir.join("bad.txt"), "T\tCD3E\tx\n").unwrap();
        let e = gene_list(&["file:bad.txt".into()], &dir).unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
        let (genes, sets) = gene_list(&["A".into(), " B".into()], &dir).unwrap();
        assert_eq!(
            (genes.as_slice(), sets.len()),
            (&["A".to_string(), "B".to_string()][..], 0)
        );
        // Inline SET<TAB>GENE entries group as a file's lines do.
        let inline: Vec<String> = ["T\tCD3E", "B\tMS4A1", "T\tCD3D"]
            .map(String::from)
            .to_vec();
        let (genes, sets) = gene_list(&inline, &dir).unwrap();
        assert_eq!(genes, ["CD3E", "CD3D", "MS4A1"].map(String::from));
        assert_eq!(sets, vec![("T".into(), 0, 1), ("B".into(), 2, 2)]);
    }
}
