//! Annotation tables for colour strips: the first column holds the labels
//! of the matrix's rows or columns, the other columns hold categories
//! (sample group, batch, ...). Matched by label, as seaborn reindexes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::format::Format;
use super::table::read_frame;
use crate::error::{Error, Result};

/// One annotation column: label → category.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    /// The column's name (shown next to the strip and as legend title).
    pub name: String,
    /// Matrix label → its category in this column; `None` when the value
    /// is missing (an empty/`NA` cell, a categorical's code −1, a NaN).
    pub values: HashMap<String, Option<String>>,
    /// Categories (never the missing value), in the source's order: a
    /// categorical's own order, else natural order (`B2` before `B10`).
    pub categories: Vec<String>,
    /// Colours the source gives its categories (`#rrggbb`, one per entry
    /// of `categories`): an AnnData file's `uns/<column>_colors`, as scanpy
    /// stores them, so figures match the user's UMAP.
    pub colors: Option<Vec<String>>,
    /// The source declares the column categorical (a pandas Categorical in
    /// an `.h5ad`): never read as numbers, whatever the labels look like
    /// (scanpy's `leiden` clusters `0`…`24`).
    pub categorical: bool,
    /// The first value, in table order, that is not a finite number, and
    /// where it stands (`place` of [`Annotation::from_pairs`], e.g. "line
    /// 5"): what a bar track (`row_bars`/`col_bars`), which needs numbers,
    /// names when it refuses the column. `None` when every value is one.
    pub first_text: Option<(String, String)>,
}

impl Annotation {
    /// Builds an annotation from `(label, value)` pairs in table order,
    /// the one way every source (TSV/CSV, h5ad obs/var) does it: a label
    /// given two different values is refused naming `path`, the label and
    /// both places (`place(i)` says where entry `i` is, e.g. "line 3");
    /// identical repeats pass. `categories`, when given, is the source's
    /// own order (a categorical); otherwise first appearance.
    pub fn from_pairs(
        path: &Path,
        format: &'static str,
        name: String,
        pairs: impl IntoIterator<Item = (String, Option<String>)>,
        categories: Option<Vec<String>>,
        place: impl Fn(usize) -> String,
    ) -> Result<Annotation> {
        let mut values: HashMap<String, Option<String>> = HashMap::new();
        let mut first_at: HashMap<String, usize> = HashMap::new();
        let mut seen = Vec::new();
        let mut first_text = None;
        for (i, (label, value)) in pairs.into_iter().enumerate() {
            // One rule for every source: the tokens a table reader reads as
            // missing are missing here too (an h5ad category "" included).
            let value = value.filter(|v| !is_missing(v));
            if let Some(v) = &value {
                if first_text.is_none() && parse_number(v).is_none() {
                    first_text = Some((v.clone(), place(i)));
                }
            }
            if let Some(v) = &value {
                if !seen.contains(v) {
                    seen.push(v.clone());
                }
            }
            match values.get(&label) {
                Some(old) if *old != value => {
                    let shown = |v: &Option<String>| match v {
                        Some(v) => format!("'{v}'"),
                        None => "a missing value".to_string(),
                    };
                    return Err(Error::format(
                        path,
                        format,
                        format!(
                            "column '{name}' gives label '{label}' two values: {} ({}) and {} ({}); give each label one value",
                            shown(old),
                            place(first_at[&label]),
                            shown(&value),
                            place(i)
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    first_at.insert(label.clone(), i);
                    values.insert(label, value);
                }
            }
        }
        let categorical = categories.is_some();
        let categories = match categories {
            Some(c) => c.into_iter().filter(|x| !is_missing(x)).collect(),
            None => {
                seen.sort_by(|a, b| natural_cmp(a, b));
                seen
            }
        };
        Ok(Annotation {
            name,
            values,
            categories,
            colors: None,
            categorical,
            first_text,
        })
    }

    /// The values as numbers when the column is a measurement rather than
    /// categories: not declared categorical, every value a finite number,
    /// and more than 10 distinct values or a fractional one (a few integer codes, `batch = 1, 2, 3`,
    /// stay categories). `None` otherwise.
    pub fn numeric(&self) -> Option<HashMap<&str, f64>> {
        if self.categorical {
            return None;
        }
        let mut out = HashMap::with_capacity(self.values.len());
        let mut fractional = false;
        for (label, v) in &self.values {
            if let Some(v) = v {
                let x = parse_number(v)?;
                fractional |= x.fract() != 0.0;
                out.insert(label.as_str(), x);
            }
        }
        (!out.is_empty() && (fractional || self.categories.len() > 10)).then_some(out)
    }
}

/// Natural order: runs of digits compare as numbers (`Batch_2` <
/// `Batch_10`), the rest as text.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut x, mut y) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (x.peek().copied(), y.peek().copied()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) if p.is_ascii_digit() && q.is_ascii_digit() => {
                let take = |it: &mut std::iter::Peekable<std::str::Chars>| {
                    let mut s = String::new();
                    while let Some(c) = it.peek().copied().filter(char::is_ascii_digit) {
                        s.push(c);
                        it.next();
                    }
                    s
                };
                let (m, n) = (take(&mut x), take(&mut y));
                let (mt, nt) = (m.trim_start_matches('0'), n.trim_start_matches('0'));
                let o = mt
                    .len()
                    .cmp(&nt.len())
                    .then(mt.cmp(nt))
                    .then(m.len().cmp(&n.len()));
                if o != Ordering::Equal {
                    return o;
                }
            }
            (Some(p), Some(q)) => {
                if p != q {
                    return p.cmp(&q);
                }
                x.next();
                y.next();
            }
        }
    }
}

/// A value as a finite number (surrounding spaces ignored), the reading
/// [`Annotation::numeric`] and the bar tracks share; `None` for text,
/// `inf` and `nan`.
pub fn parse_number(v: &str) -> Option<f64> {
    v.trim().parse::<f64>().ok().filter(|x| x.is_finite())
}

/// The values read as missing, as in a matrix: empty, `NA`, `N/A`, `NaN`,
/// `nan` (surrounding spaces ignored).
pub fn is_missing(v: &str) -> bool {
    matches!(v.trim(), "" | "NA" | "N/A" | "NaN" | "nan")
}

/// Parses `TABLE:COLUMN` (the column may be omitted when the table has
/// exactly one category column).
pub fn parse_spec(spec: &str) -> (PathBuf, Option<String>) {
    // `cells.h5ad:obs/group`, `cells.loom:col_attrs/Cluster`: the column
    // part may hold a '/'.
    for ext in [".h5ad:", ".loom:"] {
        if let Some(i) = spec.find(ext) {
            let (p, c) = spec.split_at(i + ext.len() - 1);
            return (PathBuf::from(p), Some(c[1..].to_string()));
        }
    }
    // Split on the last ':' that is followed by no path separator.
    match spec.rsplit_once(':') {
        Some((p, c)) if !c.contains('/') && !p.is_empty() => {
            (PathBuf::from(p), Some(c.to_string()))
        }
        _ => (PathBuf::from(spec), None),
    }
}

/// Reads one category column of an annotation table: a TSV/CSV (maybe
/// compressed) whose first column holds the labels, or the metadata a
/// matrix file carries — an `.h5ad`'s obs/var columns, a loom file's
/// `col_attrs`/`row_attrs`, a GCT's row and (1.3) column metadata, a GEO
/// series matrix's `!Sample_` lines, a Cell Ranger folder's
/// `features.tsv` columns (`gene_ids`, `feature_types`).
pub fn read(path: &Path, column: Option<&str>) -> Result<Annotation> {
    let is_h5ad = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("h5ad"));
    if is_h5ad {
        return super::hdf5::read_annotation(path, column);
    }
    if !path.exists() {
        return Err(Error::read(
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        ));
    }
    let detected = Format::detect(path).or_else(|| {
        if path.is_file() {
            Format::sniff(path)
        } else {
            None
        }
    });
    let detected = match detected {
        Some(Format::Tsv) => Format::sniff(path).or(detected),
        d => d,
    };
    match detected {
        Some(Format::Loom) => return super::hdf5::loom::read_annotation(path, column),
        Some(Format::Gct) => return super::gct::read_annotation(path, column),
        Some(Format::Geo) => return super::geo::read_annotation(path, column),
        Some(Format::Mtx) => return tenx_features(path, column),
        _ => {}
    }
    let format = detected
        .filter(|f| matches!(f, Format::Csv | Format::Tsv))
        .unwrap_or(Format::Tsv);
    let table = read_frame(path, format)?;
    let names = &table.names;
    if names.len() < 2 {
        return Err(Error::format(
            path,
            format.name(),
            "an annotation table needs a label column and at least one category column",
        ));
    }
    let idx = match column {
        Some(c) => names.iter().position(|n| n == c).ok_or_else(|| {
            Error::format(
                path,
                format.name(),
                format!("no column '{c}' (columns: {})", names[1..].join(", ")),
            )
        })?,
        None if names.len() == 2 => 1,
        None => {
            return Err(Error::format(
                path,
                format.name(),
                format!(
                    "say which column to use as TABLE:COLUMN (columns: {})",
                    names[1..].join(", ")
                ),
            ))
        }
    };
    Annotation::from_pairs(
        path,
        format.name(),
        names[idx].clone(),
        table.rows.iter().enumerate().map(|(r, row)| {
            (
                row[0].clone().unwrap_or_else(|| format!("row{}", r + 1)),
                row[idx].clone(),
            )
        }),
        None,
        |i| format!("line {}", table.lines[i]),
    )
}

/// A column of a Cell Ranger folder's features.tsv, keyed by gene name
/// (the symbols made unique, as the matrix's columns are named).
fn tenx_features(path: &Path, column: Option<&str>) -> Result<Annotation> {
    let (names, cols) = super::mtx::features_table(path)?;
    let list = || {
        cols.iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(c) = column else {
        return Err(Error::format(
            path,
            "mtx",
            format!(
                "say which features.tsv column to use as FOLDER:COLUMN (columns: {})",
                list()
            ),
        ));
    };
    let Some((name, values)) = cols.iter().find(|(n, _)| n == c) else {
        return Err(Error::format(
            path,
            "mtx",
            format!("no features.tsv column '{c}' (columns: {})", list()),
        ));
    };
    Annotation::from_pairs(
        path,
        "mtx",
        name.clone(),
        names.into_iter().zip(values.iter().cloned().map(Some)),
        None,
        |i| format!("features.tsv line {}", i + 1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_and_numeric_columns() {
        let mut v = vec!["Batch_10", "Batch_2", "b", "Batch_1", "a01", "a1"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["Batch_1", "Batch_2", "Batch_10", "a1", "a01", "b"]);
        let a = |vals: &[&str]| {
            Annotation::from_pairs(
                Path::new("t.tsv"),
                "tsv",
                "c".into(),
                vals.iter()
                    .enumerate()
                    .map(|(i, v)| (format!("s{i}"), Some(v.to_string()))),
                None,
                |i| format!("line {i}"),
            )
            .unwrap()
        };
        assert!(
            a(&["1", "2", "3", "1"]).numeric().is_none(),
            "integer codes"
        );
        assert!(a(&["0.5", "2", "NA"]).numeric().is_some(), "a fraction");
        let many: Vec<String> = (0..12).map(|i| i.to_string()).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(a(&many).numeric().is_some(), "many values");
        assert!(a(&["1.5", "x"]).numeric().is_none(), "text");
        assert_eq!(a(&["T10", "T2"]).categories, ["T2", "T10"]);
        // A declared categorical stays categories: scanpy's leiden 0..24.
        let leiden: Vec<String> = (0..25).map(|i| i.to_string()).collect();
        let c = Annotation::from_pairs(
            Path::new("x.h5ad"),
            "h5ad",
            "leiden".into(),
            leiden.iter().map(|v| (format!("c{v}"), Some(v.clone()))),
            Some(leiden.clone()),
            |i| format!("entry {i}"),
        )
        .unwrap();
        assert!(c.categorical && c.numeric().is_none());
    }

    #[test]
    fn missing_tokens_are_missing_from_every_source() {
        // An h5ad categorical whose category is "" (or NA) is missing, as
        // an empty TSV cell is: no category, no palette slot.
        let a = Annotation::from_pairs(
            Path::new("x.h5ad"),
            "h5ad",
            "batch".into(),
            [
                ("c1".to_string(), Some("b1".to_string())),
                ("c2".to_string(), Some("".to_string())),
                ("c3".to_string(), Some("NA".to_string())),
                ("c4".to_string(), None),
            ],
            Some(vec!["".into(), "b1".into()]),
            |i| format!("entry {i}"),
        )
        .unwrap();
        assert_eq!(a.categories, vec!["b1".to_string()]);
        assert_eq!(a.values["c2"], None);
        assert_eq!(a.values["c3"], None);
        assert_eq!(a.values["c1"].as_deref(), Some("b1"));
    }
}

/// A table of text by row and column label (the `annot = "file:PATH"`
/// table): row labels in the first column, column labels in the header,
/// cells `rows × cols` row-major; missing cells (empty, `NA`) are `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct TextTable {
    /// The row labels, file order.
    pub rows: Vec<String>,
    /// The column labels, header order (the first column's name excluded).
    pub cols: Vec<String>,
    /// `rows × cols` cells, row-major.
    pub cells: Vec<Option<String>>,
}

/// Reads a [`TextTable`] from a CSV or TSV file (compressed or not).
///
/// Errors: the file cannot be read ([`Error::Read`]); it has no column
/// besides the labels, or a row label appears twice ([`Error::Format`],
/// naming both lines).
pub fn read_text_table(path: &Path) -> Result<TextTable> {
    if !path.exists() {
        return Err(Error::read(
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        ));
    }
    let format = Format::detect(path)
        .or_else(|| Format::sniff(path))
        .filter(|f| matches!(f, Format::Csv | Format::Tsv))
        .unwrap_or(Format::Tsv);
    let table = read_frame(path, format)?;
    if table.names.len() < 2 {
        return Err(Error::format(
            path,
            format.name(),
            "a cell-text table needs the row labels in its first column and one column per matrix column",
        ));
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut rows = Vec::with_capacity(table.rows.len());
    let mut cells = Vec::with_capacity(table.rows.len() * (table.names.len() - 1));
    for (i, row) in table.rows.iter().enumerate() {
        let label = row[0].clone().unwrap_or_default();
        if let Some(first) = seen.insert(label.clone(), table.lines[i]) {
            return Err(Error::format(
                path,
                format.name(),
                format!(
                    "row '{label}' appears twice (lines {first} and {}): give each row once",
                    table.lines[i]
                ),
            ));
        }
        rows.push(label);
        cells.extend(row[1..].iter().cloned());
    }
    Ok(TextTable {
        rows,
        cols: table.names[1..].to_vec(),
        cells,
    })
}
