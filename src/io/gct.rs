//! GCT 1.2 and 1.3, the expression format of GSEA, GenePattern, Morpheus
//! and CMap, read to their published specs (GenePattern "File Formats
//! Guide", GCT; CMap/cmapPy "GCT 1.3"):
//!
//! ```text
//! #1.2                       #1.3
//! 40  16                     40  16  1  1          rows cols [row-meta col-meta]
//! Name  Description  S01 …   id  chrom  S01 …      the header
//!                            group  na  Tumor …    1.3: one line per column field
//! Gene_1  na  3  0 …         Gene_1  chr1  3  0 …  one line per row
//! ```
//!
//! Rows are the genes (`Name` / `id`), columns the samples; missing values
//! are empty cells or `NA`/`NaN`. The row metadata (1.2: `Description`;
//! 1.3: the columns between `id` and the samples) and, in 1.3, the column
//! metadata lines are annotation columns for colour strips
//! (`file.gct:chrom`, `file.gct:group`). The dimensions line must agree
//! with the table. Tab-separated; may be compressed (read as a stream).

use std::path::Path;

use super::annotations::Annotation;
use super::text::{read_wide, LabelRule, Records};
use super::Described;
use crate::error::{Error, Result};
use crate::matrix::Matrix;

const FMT: &str = "gct";

/// The lines before the data rows.
#[derive(Debug)]
struct Preamble {
    version: &'static str,
    rows: usize,
    cols: usize,
    /// Row metadata fields (1.2: `Description`).
    row_meta: Vec<String>,
    /// The sample ids.
    samples: Vec<String>,
    /// 1.3 column metadata: (field, one value per sample).
    col_meta: Vec<(String, Vec<String>)>,
    header: Vec<String>,
    dims_line: usize,
}

fn preamble(rec: &mut Records) -> Result<Preamble> {
    let path = rec.path.clone();
    if !rec.next_record()? {
        return Err(Error::format(&path, FMT, "the file is empty"));
    }
    let version = match rec.field(0).trim() {
        "#1.2" => "1.2",
        "#1.3" => "1.3",
        other => {
            return Err(rec.error(format!(
                "'{other}' is not a GCT version line; a GCT file starts with #1.2 or #1.3"
            )))
        }
    };
    if !rec.next_record()? {
        return Err(Error::format(
            &path,
            FMT,
            "no dimensions line after the version line",
        ));
    }
    let dims_line = rec.line();
    let want = if version == "1.2" { 2 } else { 4 };
    let nums: Vec<Option<usize>> = (0..rec.len())
        .map(|i| rec.field(i).trim())
        .filter(|f| !f.is_empty())
        .map(|f| f.parse().ok())
        .collect();
    if nums.len() != want || nums.iter().any(Option::is_none) {
        return Err(rec.error(format!(
            "GCT {version} needs a dimensions line of {want} whole numbers ({}), not '{}'",
            if version == "1.2" {
                "rows, columns"
            } else {
                "rows, columns, row metadata fields, column metadata fields"
            },
            rec.fields().join("\t")
        )));
    }
    let nums: Vec<usize> = nums.into_iter().flatten().collect();
    let (rows, cols) = (nums[0], nums[1]);
    let (nrm, ncm) = if version == "1.2" {
        (1, 0)
    } else {
        (nums[2], nums[3])
    };
    if !rec.next_record()? {
        return Err(Error::format(
            &path,
            FMT,
            "no header line after the dimensions line",
        ));
    }
    let header = rec.fields();
    let hl = rec.line();
    if header.len() != 1 + nrm + cols {
        let found = header.len().saturating_sub(1 + nrm);
        return Err(Error::format(
            &path,
            FMT,
            format!(
                "the dimensions line (line {dims_line}) says {cols} columns but the header (line {hl}) names {found} samples after {}; fix the dimensions line or the header",
                if version == "1.2" {
                    "Name and Description".to_string()
                } else {
                    format!("id and {nrm} row metadata field(s)")
                }
            ),
        ));
    }
    let row_meta = header[1..1 + nrm].to_vec();
    let samples = header[1 + nrm..].to_vec();
    let mut col_meta = vec![];
    for k in 0..ncm {
        if !rec.next_record()? {
            return Err(Error::format(
                &path,
                FMT,
                format!(
                    "the dimensions line (line {dims_line}) says {ncm} column metadata lines, the file ends after {k}"
                ),
            ));
        }
        if rec.len() != header.len() {
            return Err(rec.error(format!(
                "column metadata line {} has {} fields, the header (line {hl}) {}",
                k + 1,
                rec.len(),
                header.len()
            )));
        }
        col_meta.push((
            rec.field(0).to_string(),
            (1 + nrm..header.len())
                .map(|i| rec.field(i).to_string())
                .collect(),
        ));
    }
    Ok(Preamble {
        version,
        rows,
        cols,
        row_meta,
        samples,
        col_meta,
        header,
        dims_line,
    })
}

/// Reads a GCT file: genes x samples, then `transpose`.
///
/// Errors ([`Error::Format`] naming the file and line): no `#1.2`/`#1.3`
/// line, a dimensions line that disagrees with the header or with the
/// number of data rows, the errors of a wide table (text in a value
/// cell, a row longer than the header).
pub(crate) fn read(path: &Path, transpose: bool) -> Result<(Matrix, Described)> {
    let mut rec = Records::open(path, FMT, b'\t')?;
    let p = preamble(&mut rec)?;
    let skip: Vec<usize> = (1..1 + p.row_meta.len()).collect();
    let w = read_wide(&mut rec, &p.header, &LabelRule::Fixed(0), &skip, None)?;
    if w.row_labels.len() != p.rows {
        return Err(Error::format(
            path,
            FMT,
            format!(
                "the dimensions line (line {}) says {} rows but the table has {} (lines {}–{}); fix the dimensions line, or the file is truncated",
                p.dims_line,
                p.rows,
                w.row_labels.len(),
                w.lines.0,
                w.lines.1
            ),
        ));
    }
    let m = Matrix::new(w.row_labels, w.col_labels, w.values)?;
    let mut fields: Vec<String> = p.row_meta.clone();
    fields.extend(p.col_meta.iter().map(|(n, _)| n.clone()));
    let d = Described {
        layout: format!(
            "GCT {} ({} rows x {} columns{})",
            p.version,
            p.rows,
            p.cols,
            if p.version == "1.3" {
                format!(
                    ", {} row and {} column metadata fields",
                    p.row_meta.len(),
                    p.col_meta.len()
                )
            } else {
                String::new()
            }
        ),
        label_column: format!("column '{}'", p.header[0]),
        dtypes: vec!["f64".into()],
        storage: rec.compression.storage(),
        nnz: None,
        access: rec.compression.access(),
        side_data: vec![format!(
            "metadata (for colour strips, FILE.gct:FIELD): {}",
            if fields.is_empty() {
                "none".to_string()
            } else {
                fields.join(", ")
            }
        )],
    };
    Ok((if transpose { m.transposed() } else { m }, d))
}

/// One metadata field of a GCT file as an annotation: a row field (1.2:
/// `Description`; 1.3: the header's fields between `id` and the samples)
/// keyed by row id, or a 1.3 column field keyed by sample id.
///
/// Errors: no such field (listing them), or none named while there are
/// several.
pub(crate) fn read_annotation(path: &Path, column: Option<&str>) -> Result<Annotation> {
    let mut rec = Records::open(path, FMT, b'\t')?;
    let p = preamble(&mut rec)?;
    let mut all: Vec<&String> = p.row_meta.iter().collect();
    all.extend(p.col_meta.iter().map(|(n, _)| n));
    let list = || {
        all.iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let name = match column {
        Some(c) => c.to_string(),
        None if all.len() == 1 => all[0].clone(),
        None => {
            return Err(Error::format(
                path,
                FMT,
                format!(
                    "say which metadata field to use as FILE.gct:FIELD (fields: {})",
                    list()
                ),
            ))
        }
    };
    if let Some((_, values)) = p.col_meta.iter().find(|(n, _)| *n == name) {
        let hl = p.dims_line + 1;
        return Annotation::from_pairs(
            path,
            FMT,
            name,
            p.samples
                .iter()
                .cloned()
                .zip(values.iter().cloned().map(Some)),
            None,
            |i| format!("sample {} of the header (line {hl})", i + 1),
        );
    }
    let Some(k) = p.row_meta.iter().position(|n| *n == name) else {
        return Err(Error::format(
            path,
            FMT,
            format!("no metadata field '{name}' (fields: {})", list()),
        ));
    };
    let mut pairs = vec![];
    let mut lines = vec![];
    while rec.next_record()? {
        pairs.push((rec.field(0).to_string(), Some(rec.field(1 + k).to_string())));
        lines.push(rec.line());
    }
    Annotation::from_pairs(path, FMT, name, pairs, None, |i| {
        format!("line {}", lines[i])
    })
}
