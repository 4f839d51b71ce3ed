//! GEO series matrix files (`GSE…_series_matrix.txt.gz`), read to GEO's
//! published layout (NCBI GEO, "Series Matrix File" in the SOFT / MINiML
//! documentation): tab-separated `!Series_…` and `!Sample_…` metadata
//! lines (values in double quotes, one per sample), then the expression
//! table between `!series_matrix_table_begin` and
//! `!series_matrix_table_end`, whose header is `"ID_REF"` and the GSM
//! sample accessions. Rows are probes/genes (`ID_REF`), columns samples;
//! empty cells, `null` and `NA` are missing.
//!
//! The `!Sample_…` lines are annotation columns for colour strips, keyed
//! by `!Sample_geo_accession`: each `!Sample_characteristics_ch1` cell
//! `key: value` gives a column named `key` (`tissue`, `disease state`, …;
//! a sample without that key is missing), any other `!Sample_NAME` line a
//! column `NAME` (`title`, `source_name_ch1`). Usually gzip-compressed:
//! read as a stream.

use std::collections::HashMap;
use std::path::Path;

use super::annotations::Annotation;
use super::text::{read_wide, LabelRule, Records};
use super::Described;
use crate::error::{Error, Result};
use crate::matrix::Matrix;

const FMT: &str = "geo";
const BEGIN: &str = "!series_matrix_table_begin";
const END: &str = "!series_matrix_table_end";

/// The sample annotation columns of the metadata lines, in file order:
/// (name, accession → value).
type Columns = Vec<(String, HashMap<String, Option<String>>)>;

/// Reads the metadata lines up to the table's begin marker (the current
/// record is then the marker); returns the sample columns and the
/// accessions in order.
fn metadata(rec: &mut Records) -> Result<(Columns, Vec<String>)> {
    let mut sample_lines: Vec<(String, Vec<String>, usize)> = vec![];
    let mut series = false;
    loop {
        if !rec.next_record()? {
            return Err(Error::format(
                &rec.path,
                FMT,
                format!(
                    "no '{BEGIN}' line{}: the expression table of a series matrix sits between '{BEGIN}' and '{END}'; download the file again (or it is a SOFT/MINiML file, not a series matrix)",
                    if series { " after the !Series_ metadata" } else { "" }
                ),
            ));
        }
        let key = rec.field(0).trim().to_string();
        if key.eq_ignore_ascii_case(BEGIN) {
            break;
        }
        if key.eq_ignore_ascii_case(END) {
            return Err(rec.error(format!(
                "'{END}' with no '{BEGIN}' line before it: the table's begin marker is missing; download the file again"
            )));
        }
        if key.starts_with("!Series_") {
            series = true;
        } else if let Some(name) = key.strip_prefix("!Sample_") {
            let vals = (1..rec.len()).map(|i| rec.field(i).to_string()).collect();
            sample_lines.push((name.to_string(), vals, rec.line()));
        }
    }
    let accessions = sample_lines
        .iter()
        .find(|(n, _, _)| n == "geo_accession")
        .map(|(_, v, _)| v.clone())
        .unwrap_or_default();
    let mut cols: Columns = vec![];
    let put = |cols: &mut Columns, name: &str, acc: &str, v: Option<String>| {
        let i = match cols.iter().position(|(n, _)| n == name) {
            Some(i) => i,
            None => {
                cols.push((name.to_string(), HashMap::new()));
                cols.len() - 1
            }
        };
        cols[i].1.entry(acc.to_string()).or_insert(v);
    };
    for (name, vals, _) in &sample_lines {
        if name == "geo_accession" {
            continue;
        }
        for (acc, v) in accessions.iter().zip(vals) {
            if name.starts_with("characteristics_") {
                match v.split_once(':') {
                    Some((k, x)) => put(&mut cols, k.trim(), acc, Some(x.trim().to_string())),
                    None if v.trim().is_empty() => {}
                    None => put(&mut cols, name, acc, Some(v.trim().to_string())),
                }
            } else {
                put(&mut cols, name, acc, Some(v.clone()));
            }
        }
    }
    Ok((cols, accessions))
}

/// Reads the table of a series matrix: ID_REF x samples, then `transpose`.
///
/// Errors ([`Error::Format`], naming the file and line): no
/// `!series_matrix_table_begin` line, a table without its
/// `!series_matrix_table_end` line (a truncated download), the errors of
/// a wide table (text in a value cell, a row longer than the header).
pub(crate) fn read(path: &Path, transpose: bool) -> Result<(Matrix, Described)> {
    let mut rec = Records::open(path, FMT, b'\t')?;
    let (cols, accessions) = metadata(&mut rec)?;
    let begin = rec.line();
    if !rec.next_record()? || rec.field(0).eq_ignore_ascii_case(END) {
        return Err(Error::format(
            path,
            FMT,
            format!("the table that begins on line {begin} is empty (no ID_REF header and rows)"),
        ));
    }
    let header = rec.fields();
    let w = read_wide(&mut rec, &header, &LabelRule::Fixed(0), &[], Some(END))?;
    if !w.stopped {
        return Err(Error::format(
            path,
            FMT,
            format!(
                "the table that begins on line {begin} has no '{END}' line (last row on line {}): the file is truncated; download it again",
                w.lines.1
            ),
        ));
    }
    let m = Matrix::new(w.row_labels, w.col_labels, w.values)?;
    let d = Described {
        layout: format!(
            "GEO series matrix (table between lines {begin} and {}; {} samples described)",
            w.lines.1 + 1,
            accessions.len()
        ),
        label_column: format!("column '{}'", header[0]),
        dtypes: vec!["f64".into()],
        storage: rec.compression.storage(),
        nnz: None,
        access: rec.compression.access(),
        side_data: vec![format!(
            "sample annotations (for colour strips, FILE:NAME): {}",
            if cols.is_empty() {
                "none".to_string()
            } else {
                cols.iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        )],
    };
    Ok((if transpose { m.transposed() } else { m }, d))
}

/// One sample annotation of a series matrix (see the module doc), keyed
/// by GSM accession.
///
/// Errors: no such annotation (listing them), none named, no
/// `!Sample_geo_accession` line.
pub(crate) fn read_annotation(path: &Path, column: Option<&str>) -> Result<Annotation> {
    let mut rec = Records::open(path, FMT, b'\t')?;
    let (cols, accessions) = metadata(&mut rec)?;
    if accessions.is_empty() {
        return Err(Error::format(
            path,
            FMT,
            "no !Sample_geo_accession line: the sample annotations cannot be matched to the columns",
        ));
    }
    let list = || {
        cols.iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(name) = column else {
        return Err(Error::format(
            path,
            FMT,
            format!(
                "say which sample annotation to use as FILE:NAME (annotations: {})",
                list()
            ),
        ));
    };
    let Some((_, map)) = cols.iter().find(|(n, _)| n == name) else {
        return Err(Error::format(
            path,
            FMT,
            format!("no sample annotation '{name}' (annotations: {})", list()),
        ));
    };
    Annotation::from_pairs(
        path,
        FMT,
        name.to_string(),
        accessions
            .iter()
            .map(|a| (a.clone(), map.get(a).cloned().flatten())),
        None,
        |i| format!("sample {}", i + 1),
    )
}
