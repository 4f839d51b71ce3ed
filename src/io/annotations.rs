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
    /// Matrix label → its category in this column.
    pub values: HashMap<String, String>,
    /// Categories in order of first appearance in the table.
    pub categories: Vec<String>,
}

/// Parses `TABLE:COLUMN` (the column may be omitted when the table has
/// exactly one category column).
pub fn parse_spec(spec: &str) -> (PathBuf, Option<String>) {
    // `cells.h5ad:obs/group`: the column part may hold a '/'.
    if let Some(i) = spec.find(".h5ad:") {
        let (p, c) = spec.split_at(i + 5);
        return (PathBuf::from(p), Some(c[1..].to_string()));
    }
    // Split on the last ':' that is followed by no path separator.
    match spec.rsplit_once(':') {
        Some((p, c)) if !c.contains('/') && !p.is_empty() => {
            (PathBuf::from(p), Some(c.to_string()))
        }
        _ => (PathBuf::from(spec), None),
    }
}

/// Reads one category column of an annotation table.
pub fn read(path: &Path, column: Option<&str>) -> Result<Annotation> {
    let is_h5ad = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("h5ad"));
    if is_h5ad {
        return super::hdf5::read_annotation(path, column);
    }
    let format = Format::detect(path)
        .filter(|f| *f != Format::Parquet)
        .unwrap_or(Format::Tsv);
    let table = read_frame(path, format)?;
    let names = &table.0;
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
    let mut values = HashMap::new();
    let mut categories = Vec::new();
    for row in &table.1 {
        let label = row[0].clone();
        let cat = row[idx].clone();
        if !categories.contains(&cat) {
            categories.push(cat.clone());
        }
        values.insert(label, cat);
    }
    Ok(Annotation {
        name: names[idx].clone(),
        values,
        categories,
    })
}
