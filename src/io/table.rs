//! Wide tables — one text column of row labels, numeric columns — from
//! CSV, TSV and Parquet, through polars. Only the label column and numeric
//! columns are materialised, straight into one row-major `f64` buffer.

use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;

use super::compress::Compression;
use super::format::{Format, ReadOptions};
use super::pandas_meta::PandasIndex;
use crate::error::{Error, Result};
use crate::matrix::Matrix;

/// What the reader found besides the values.
#[derive(Debug, Clone)]
pub struct TableInfo {
    /// The column the row labels came from.
    pub label_column: String,
    /// The distinct polars dtypes of the numeric columns.
    pub dtypes: Vec<String>,
}

/// Reads a wide table into a [`Matrix`].
pub fn read_matrix(path: &Path, opts: &ReadOptions) -> Result<Matrix> {
    read_with_info(path, opts).map(|(m, _)| m)
}

/// Reads a wide table and reports the layout found.
pub fn read_with_info(path: &Path, opts: &ReadOptions) -> Result<(Matrix, TableInfo)> {
    let format = super::format::resolve(path, opts)?;
    let compression = super::compress::sniff(path)?;
    if matches!(format, Format::Csv | Format::Tsv) && compression != Compression::None {
        // Decompressed while parsing: never a full copy of the text.
        let (w, _) = super::text::read_delimited_stream(path, format, opts.index_col.as_deref())?;
        let m = Matrix::new(w.row_labels, w.col_labels, w.values)?;
        let info = TableInfo {
            label_column: w.label_column,
            dtypes: vec!["f64".into()],
        };
        return Ok((if opts.transpose { m.transposed() } else { m }, info));
    }
    let (df, names) = match format {
        Format::Csv | Format::Tsv => read_delimited(path, format)?,
        Format::Parquet => {
            let (df, labels, pandas, levels) = read_parquet(path, opts.index_col.as_deref())?;
            // Column labels as pandas means them (a MultiIndex: `a-x`).
            let names: Vec<String> = df
                .columns()
                .iter()
                .map(|c| super::pandas_meta::column_label(c.name(), levels))
                .collect();
            let (m, info) = frame_to_matrix(path, format, &df, &names, &labels, pandas.as_ref())?;
            return Ok((if opts.transpose { m.transposed() } else { m }, info));
        }
        other => {
            return Err(Error::Invalid(format!(
                "{}: {} is not a table format",
                path.display(),
                other.name()
            )))
        }
    };
    let index: Vec<String> = opts.index_col.iter().cloned().collect();
    let (m, info) = frame_to_matrix(path, format, &df, &names, &index, None)?;
    Ok((if opts.transpose { m.transposed() } else { m }, info))
}

pub(crate) fn fmt_err(path: &Path, format: Format, e: impl Into<crate::error::Cause>) -> Error {
    // polars' messages run over several lines; the first says what.
    let cause = e.into();
    let msg = cause.to_string();
    let first = msg.lines().next().unwrap_or("").to_string();
    Error::Format {
        path: path.to_path_buf(),
        format: format.name(),
        message: in_words(format, &first),
        cause: Some(cause),
    }
}

/// A reader's message in the user's words where we know what it means.
fn in_words(format: Format, msg: &str) -> String {
    if format == Format::Parquet && msg.contains("must end with PAR1") {
        // Parquet's footer is the file's last bytes: a cut-off copy loses it.
        return "the file is truncated (or not Parquet): it does not end with Parquet's footer ('PAR1'); copy or write it again".into();
    }
    if let Some(rest) = msg.split("column with name '").nth(1) {
        if msg.contains("more than one occurrence") {
            let name = rest.split('\'').next().unwrap_or(rest);
            return format!(
                "two columns are named '{name}'; pandas and pyarrow cannot read such a file either: rename one (pyarrow's Table.rename_columns) and write it again"
            );
        }
    }
    msg.to_string()
}

/// Parses a CSV/TSV file; returns the frame and the header's names as
/// written (polars renames repeated names; the frame's columns are in the
/// header's order).
fn read_delimited(path: &Path, format: Format) -> Result<(DataFrame, Vec<String>)> {
    // A compressed annotation table is decompressed straight from the
    // decoder (matrices take the streaming reader instead).
    let mut bytes = super::compress::read_all(path, format.name())?;
    if bytes.starts_with(b"\xef\xbb\xbf") {
        bytes.drain(..3);
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::format(path, format.name(), "the file is empty"));
    }
    // Blank lines are skipped, as pandas' read_csv skips them (polars would
    // make a row of missing values).
    if bytes.windows(2).any(|w| w == b"\n\n" || w == b"\n\r") {
        let mut kept = Vec::with_capacity(bytes.len());
        for line in bytes.split_inclusive(|&b| b == b'\n') {
            if !line
                .iter()
                .all(|b| matches!(b, b'\n' | b'\r' | b' ' | b'\t'))
                || line.is_empty()
            {
                kept.extend_from_slice(line);
            }
        }
        bytes = kept;
    }
    let sep = if format == Format::Tsv { b'\t' } else { b',' };
    let parse = CsvParseOptions::default()
        .with_separator(sep)
        .with_quote_char(Some(b'"'))
        .with_null_values(Some(NullValues::AllColumns(vec![
            "NA".into(),
            "".into(),
            "NaN".into(),
            "nan".into(),
            "N/A".into(),
        ])))
        .with_missing_is_null(true);
    let names = super::delimited::header(&bytes, sep);
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(None)
        .with_parse_options(parse)
        .into_reader_with_file_handle(std::io::Cursor::new(&bytes))
        .finish()
        .map_err(|e| {
            super::delimited::explain(path, format, &bytes, sep)
                .unwrap_or_else(|| fmt_err(path, format, e))
        })?;
    if let Some(e) = super::delimited::comment_line(path, format, &bytes, sep) {
        return Err(e);
    }
    if names.len() != df.width() {
        return Err(Error::Internal(format!(
            "{}: the header has {} names, polars read {} columns",
            path.display(),
            names.len(),
            df.width()
        )));
    }
    Ok((df, names))
}

/// What the `pandas` metadata of a Parquet file says, when pandas wrote
/// it: its row index, and how many levels its column index has.
pub(crate) fn parquet_pandas_index<R: polars::io::mmap::MmapBytesReader>(
    path: &Path,
    reader: &mut ParquetReader<R>,
) -> Result<(Option<PandasIndex>, usize)> {
    let meta = reader
        .get_metadata()
        .map_err(|e| fmt_err(path, Format::Parquet, e))?;
    let json = meta
        .key_value_metadata
        .iter()
        .flatten()
        .find(|kv| kv.key == "pandas")
        .and_then(|kv| kv.value.as_deref());
    Ok((
        super::pandas_meta::index(json),
        super::pandas_meta::column_levels(json),
    ))
}

/// Reads the label column and the numeric columns; returns the frame, the
/// label column chosen and pandas' index.
fn read_parquet(
    path: &Path,
    index_col: Option<&str>,
) -> Result<(DataFrame, Vec<String>, Option<PandasIndex>, usize)> {
    let file = std::fs::File::open(path).map_err(|e| Error::read(path, e))?;
    let mut reader = ParquetReader::new(file);
    let (pandas, column_levels) = parquet_pandas_index(path, &mut reader)?;
    let schema = reader
        .schema()
        .map_err(|e| fmt_err(path, Format::Parquet, e))?;
    // Read only the label columns and numeric columns.
    let labels = parquet_labels(path, &schema, index_col, pandas.as_ref())?;
    let keep: Vec<PlSmallStr> = schema
        .iter()
        .filter(|(n, f)| labels.iter().any(|l| l == n.as_str()) || is_numeric_arrow(f.dtype()))
        .map(|(n, _)| n.clone())
        .collect();
    let file = std::fs::File::open(path).map_err(|e| Error::read(path, e))?;
    let cols: Vec<String> = keep.iter().map(|s| s.to_string()).collect();
    let df = ParquetReader::new(file)
        .with_columns(Some(cols))
        .finish()
        .map_err(|e| fmt_err(path, Format::Parquet, e))?;
    Ok((df, labels, pandas, column_levels))
}

/// The label columns of a Parquet file ([`pick_labels`]), refused when
/// they hold dates or times ([`check_label_types`]).
pub(crate) fn parquet_labels(
    path: &Path,
    schema: &ArrowSchema,
    index_col: Option<&str>,
    pandas: Option<&PandasIndex>,
) -> Result<Vec<String>> {
    let labels = pick_labels(
        schema.iter().map(|(n, f)| (n.as_str(), f.dtype())),
        index_col,
        pandas,
    );
    check_label_types(
        path,
        labels
            .iter()
            .filter_map(|l| schema.get(l).map(|f| (l, f.dtype()))),
    )?;
    Ok(labels)
}

/// Label columns polars cannot turn into text here (dates and times:
/// a pandas `DatetimeIndex`) are refused with what to do.
pub(crate) fn check_label_types<'a>(
    path: &Path,
    labels: impl Iterator<Item = (&'a String, &'a ArrowDataType)>,
) -> Result<()> {
    use ArrowDataType as A;
    for (name, dt) in labels {
        if matches!(
            dt,
            A::Timestamp(..) | A::Date32 | A::Date64 | A::Time32(_) | A::Time64(_) | A::Duration(_)
        ) {
            return Err(Error::format(
                path,
                "parquet",
                format!(
                    "the row labels (column '{name}') are dates or times ({dt:?}), which heatmill reads from Feather but not from Parquet; write them as text (df.index = df.index.astype(str)), or save the frame with to_feather"
                ),
            ));
        }
    }
    Ok(())
}

pub(crate) fn is_numeric_arrow(dt: &ArrowDataType) -> bool {
    use ArrowDataType as A;
    matches!(
        dt,
        A::Int8
            | A::Int16
            | A::Int32
            | A::Int64
            | A::UInt8
            | A::UInt16
            | A::UInt32
            | A::UInt64
            | A::Float16
            | A::Float32
            | A::Float64
    )
}

fn is_text_arrow(dt: &ArrowDataType) -> bool {
    matches!(
        dt,
        ArrowDataType::Utf8
            | ArrowDataType::LargeUtf8
            | ArrowDataType::Utf8View
            | ArrowDataType::Dictionary(..)
    )
}

/// The row-label columns: `index_col` when given, else the columns pandas
/// stored its index in (any dtype; several for a `MultiIndex`), else the
/// first text column. Empty: rows are numbered.
pub(crate) fn pick_labels<'a>(
    cols: impl Iterator<Item = (&'a str, &'a ArrowDataType)>,
    index_col: Option<&str>,
    pandas: Option<&PandasIndex>,
) -> Vec<String> {
    if let Some(ix) = index_col {
        return vec![ix.to_string()];
    }
    let levels = super::pandas_meta::index_columns(pandas);
    if !levels.is_empty() {
        return levels.to_vec();
    }
    cols.into_iter()
        .find(|(_, dt)| is_text_arrow(dt))
        .map(|(n, _)| vec![n.to_string()])
        .unwrap_or_default()
}

fn frame_to_matrix(
    path: &Path,
    format: Format,
    df: &DataFrame,
    names: &[String],
    index_cols: &[String],
    pandas: Option<&PandasIndex>,
) -> Result<(Matrix, TableInfo)> {
    let columns = df.columns();
    if columns.is_empty() {
        return Err(Error::format(path, format.name(), "no columns"));
    }
    // The label columns: those named (one, or a MultiIndex's levels),
    // else the first text column.
    let label_idx: Vec<usize> = if index_cols.is_empty() {
        columns
            .iter()
            .position(|c| matches!(c.dtype(), DataType::String))
            .into_iter()
            .collect()
    } else {
        index_cols
            .iter()
            .map(|name| {
                names.iter().position(|c| c == name).ok_or_else(|| {
                    Error::format(
                        path,
                        format.name(),
                        format!(
                            "{} '{name}' is not a column (columns: {})",
                            crate::error::key_and_flag("index_col"),
                            names[..names.len().min(8)].join(", ")
                        ),
                    )
                })
            })
            .collect::<Result<_>>()?
    };
    let nrows = df.height();
    if nrows == 0 {
        return Err(Error::format(
            path,
            format.name(),
            "no data rows (header only?)",
        ));
    }
    let labels: Vec<String> = if label_idx.is_empty() {
        super::pandas_meta::numbered(nrows, pandas)
    } else {
        super::pandas_meta::join_levels(
            label_idx
                .iter()
                .map(|&i| label_texts(path, format, &columns[i]))
                .collect::<Result<_>>()?,
        )
    };
    let mut value_cols = Vec::new();
    let mut dtypes = Vec::new();
    for (j, c) in columns.iter().enumerate() {
        if label_idx.contains(&j) {
            continue;
        }
        if c.dtype().is_primitive_numeric() || matches!(c.dtype(), DataType::Null) {
            value_cols.push(j);
            dtypes.push(format!("{}", c.dtype()));
        } else {
            return Err(bad_text_cell(path, format, c, &names[j], &labels));
        }
    }
    if value_cols.is_empty() {
        return Err(Error::format(path, format.name(), "no numeric columns"));
    }
    let ncols = value_cols.len();
    let mut values = vec![0.0f64; nrows * ncols];
    // Column-major frame to the row-major matrix: a group of columns at a
    // time (a contiguous `f64` column without nulls is borrowed; others
    // are cast, and with nulls or several chunks copied, one group at a
    // time, so at most 2 × `GROUP` extra columns are held), filled by
    // blocks of rows that stay in cache, on every thread.
    const GROUP: usize = 16;
    const BLOCK: usize = 1024;
    for (g, group) in value_cols.chunks(GROUP).enumerate() {
        let cast: Vec<Series> = group
            .iter()
            .map(|&j| {
                columns[j]
                    .as_materialized_series()
                    .cast(&DataType::Float64)
                    .map_err(|e| fmt_err(path, format, e))
            })
            .collect::<Result<_>>()?;
        let cols: Vec<std::borrow::Cow<[f64]>> = cast
            .iter()
            .map(|s| {
                let ca = s.f64().map_err(|e| fmt_err(path, format, e))?;
                Ok(match ca.cont_slice() {
                    Ok(v) => std::borrow::Cow::Borrowed(v),
                    Err(_) => ca.iter().map(|v| v.unwrap_or(f64::NAN)).collect(),
                })
            })
            .collect::<Result<_>>()?;
        let k0 = g * GROUP;
        values
            .par_chunks_mut(BLOCK * ncols)
            .enumerate()
            .for_each(|(b, rows)| {
                let r0 = b * BLOCK;
                for (dk, col) in cols.iter().enumerate() {
                    let src = &col[r0..r0 + rows.len() / ncols];
                    for (dst, v) in rows[k0 + dk..].iter_mut().step_by(ncols).zip(src) {
                        *dst = *v;
                    }
                }
            });
    }
    let col_labels = value_cols.iter().map(|&j| names[j].clone()).collect();
    let label_column = if label_idx.is_empty() {
        "(row numbers)".into()
    } else {
        // Shown as `column '{label_column}'`: levels as 'a' + 'b'.
        label_idx
            .iter()
            .map(|&i| names[i].as_str())
            .collect::<Vec<_>>()
            .join("' + '")
    };
    let m = Matrix::new(labels, col_labels, values)?;
    Ok((
        m,
        TableInfo {
            label_column,
            dtypes: dedup(dtypes),
        },
    ))
}

/// The label column as text; a missing label becomes `row<N>` (1-based).
pub(crate) fn label_texts(path: &Path, format: Format, c: &Column) -> Result<Vec<String>> {
    let s = c
        .cast(&DataType::String)
        .map_err(|e| fmt_err(path, format, e))?;
    let ca = s.str().map_err(|e| fmt_err(path, format, e))?;
    Ok(ca
        .iter()
        .enumerate()
        .map(|(r, v)| {
            v.map(|s| s.to_string())
                .unwrap_or_else(|| format!("row{}", r + 1))
        })
        .collect())
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// Where data row `r` (0-based, after the header) is: its line in a
/// CSV/TSV file (blank lines and quoted line breaks counted, as an editor
/// shows them), else its row number.
fn data_row_place(path: &Path, format: Format, r: usize) -> String {
    if matches!(format, Format::Csv | Format::Tsv) {
        let sep = if format == Format::Tsv { b'\t' } else { b',' };
        if let Ok(bytes) = std::fs::read(path) {
            if let Some(rec) = super::delimited::records(&bytes, sep, r + 2).get(r + 1) {
                return format!("line {}", rec.line);
            }
        }
    }
    format!("data row {}", r + 1)
}

/// A non-numeric column besides the labels: name its first bad cell.
fn bad_text_cell(path: &Path, format: Format, c: &Column, name: &str, labels: &[String]) -> Error {
    if let Ok(s) = c.cast(&DataType::String) {
        if let Ok(ca) = s.str() {
            for (r, v) in ca.iter().enumerate() {
                if let Some(t) = v {
                    if t.trim().parse::<f64>().is_err() {
                        return Error::Cell {
                            path: path.to_path_buf(),
                            row: labels.get(r).cloned().unwrap_or_default(),
                            column: name.to_string(),
                            message: format!(
                                "'{t}' is not a number ({}); fix the cell, or mark it missing as NA or empty",
                                data_row_place(path, format, r)
                            ),
                        };
                    }
                }
            }
        }
    }
    if name.trim().is_empty() && c.null_count() == c.len() {
        // `a,b,` rows: the delimiter at the end of each line makes an
        // unnamed column with nothing in it.
        return Error::format(
            path,
            format.name(),
            format!(
                "the last column has no name and no values: every line ends in '{}'; remove the delimiter at the end of the lines",
                if format == Format::Tsv { "\\t" } else { "," }
            ),
        );
    }
    if c.null_count() == c.len() {
        // A header with more names than the lines have fields: polars gives
        // the extra names empty columns.
        return Error::format(
            path,
            format.name(),
            format!(
                "column '{name}' is empty on every line: the header names more columns than the lines have fields; remove '{name}' from the header or add its values"
            ),
        );
    }
    Error::format(
        path,
        format.name(),
        format!(
            "column '{}' has type {} and is not numeric; only the label column may hold text",
            name,
            c.dtype()
        ),
    )
}

/// A small table read entirely as text: for annotation tables, not
/// matrices.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The header's names as written.
    pub names: Vec<String>,
    /// Rows of cells; missing cells (empty, `NA`, `NaN`) are `None`.
    pub rows: Vec<Vec<Option<String>>>,
    /// The 1-based file line of each row.
    pub lines: Vec<usize>,
}

/// Reads a small delimited table entirely as text ([`Frame`]).
pub fn read_frame(path: &Path, format: Format) -> Result<Frame> {
    let (df, names) = read_delimited(path, format)?;
    let mut cols = Vec::with_capacity(names.len());
    for c in df.columns() {
        let s = c
            .cast(&DataType::String)
            .map_err(|e| fmt_err(path, format, e))?;
        let ca = s.str().map_err(|e| fmt_err(path, format, e))?.clone();
        cols.push(ca.iter().map(|v| v.map(str::to_string)).collect::<Vec<_>>());
    }
    let rows = (0..df.height())
        .map(|r| cols.iter().map(|c| c[r].clone()).collect())
        .collect();
    let bytes = super::compress::read_all(path, format.name())?;
    let sep = if format == Format::Tsv { b'\t' } else { b',' };
    let mut lines: Vec<usize> = super::delimited::records(&bytes, sep, usize::MAX)
        .iter()
        .skip(1)
        .map(|r| r.line)
        .collect();
    if lines.len() != df.height() {
        lines = (0..df.height()).map(|r| r + 2).collect();
    }
    Ok(Frame { names, rows, lines })
}
