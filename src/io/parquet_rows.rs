//! Parquet read a block of rows at a time, for the streaming top-N
//! selection: each block is a row slice, for which polars decodes only the
//! row groups it overlaps. The columns and labels are chosen exactly as the
//! whole-file reader (`table.rs`) chooses them, and cells are converted the
//! same way, so both paths give the same matrix to the bit.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::format::Format;
use super::rows::RowSource;
use super::table::{fmt_err, is_numeric_arrow, label_texts, parquet_labels, parquet_pandas_index};
use crate::error::{Error, Result};

/// A Parquet file's numeric columns, read by row slices.
#[derive(Debug)]
pub struct ParquetStore {
    path: PathBuf,
    columns: Vec<String>,
    nrows: usize,
    block: usize,
}

/// Row labels, column labels and the store of `path`.
pub fn open(
    path: &Path,
    index_col: Option<&str>,
) -> Result<(ParquetStore, Vec<String>, Vec<String>)> {
    let err = |e: PolarsError| fmt_err(path, Format::Parquet, e);
    let file = || std::fs::File::open(path).map_err(|e| Error::read(path, e));
    let mut reader = ParquetReader::new(file()?);
    let (pandas, levels) = parquet_pandas_index(path, &mut reader)?;
    let schema = reader.schema().map_err(err)?;
    let labels = parquet_labels(path, &schema, index_col, pandas.as_ref())?;
    for l in &labels {
        if !schema.iter().any(|(n, _)| n.as_str() == l) {
            return Err(Error::format(
                path,
                "parquet",
                format!(
                    "{} '{l}' is not a column",
                    crate::error::key_and_flag("index_col")
                ),
            ));
        }
    }
    let columns: Vec<String> = schema
        .iter()
        .filter(|(n, f)| !labels.iter().any(|l| l == n.as_str()) && is_numeric_arrow(f.dtype()))
        .map(|(n, _)| n.to_string())
        .collect();
    if columns.is_empty() {
        return Err(Error::format(path, "parquet", "no numeric columns"));
    }
    let nrows = reader.num_rows().map_err(err)?;
    if nrows == 0 {
        return Err(Error::format(path, "parquet", "no data rows"));
    }
    let first_group = reader
        .get_metadata()
        .map_err(err)?
        .row_groups
        .first()
        .map(|g| g.num_rows())
        .unwrap_or(nrows);
    let want = ((8 << 20) / (8 * columns.len())).max(1);
    // Whole row groups when they are not huge: no group decoded twice.
    let block = if first_group * columns.len() * 8 <= (64 << 20) {
        first_group.max(1) * want.div_ceil(first_group.max(1))
    } else {
        want
    };
    let row_labels = if labels.is_empty() {
        super::pandas_meta::numbered(nrows, pandas.as_ref())
    } else {
        let df = ParquetReader::new(file()?)
            .with_columns(Some(labels.clone()))
            .finish()
            .map_err(err)?;
        super::pandas_meta::join_levels(
            labels
                .iter()
                .map(|l| label_texts(path, Format::Parquet, df.column(l).map_err(err)?))
                .collect::<Result<_>>()?,
        )
    };
    let store = ParquetStore {
        path: path.to_path_buf(),
        columns: columns.clone(),
        nrows,
        block,
    };
    let col_labels = columns
        .iter()
        .map(|c| super::pandas_meta::column_label(c, levels))
        .collect();
    Ok((store, row_labels, col_labels))
}

impl RowSource for ParquetStore {
    fn shape(&self) -> (usize, usize) {
        (self.nrows, self.columns.len())
    }

    fn fill_rows(&self, start: usize, count: usize, out: &mut [f64]) -> Result<()> {
        let path = &self.path;
        let err = |e: PolarsError| fmt_err(path, Format::Parquet, e);
        let file = std::fs::File::open(path).map_err(|e| Error::read(path, e))?;
        let df = ParquetReader::new(file)
            .with_columns(Some(self.columns.clone()))
            .with_slice(Some((start, count)))
            .finish()
            .map_err(err)?;
        if df.height() != count {
            return Err(Error::format(
                path,
                "parquet",
                format!(
                    "rows {start}..{} came back short: truncated file?",
                    start + count
                ),
            ));
        }
        let m = self.columns.len();
        for (k, name) in self.columns.iter().enumerate() {
            let c = df.column(name).map_err(err)?;
            let s = c.cast(&DataType::Float64).map_err(err)?;
            let ca = s.f64().map_err(err)?;
            for (r, v) in ca.iter().enumerate() {
                out[r * m + k] = v.unwrap_or(f64::NAN);
            }
        }
        Ok(())
    }

    fn block_rows(&self) -> usize {
        self.block
    }
}

/// "3 row group(s) of up to 1000 rows, Snappy" for `inspect`.
pub fn describe(path: &Path) -> Result<String> {
    let file = std::fs::File::open(path).map_err(|e| Error::read(path, e))?;
    let mut reader = ParquetReader::new(file);
    let md = reader
        .get_metadata()
        .map_err(|e| fmt_err(path, Format::Parquet, e))?;
    let groups = &md.row_groups;
    let largest = groups.iter().map(|g| g.num_rows()).max().unwrap_or(0);
    let mut codecs: Vec<String> = groups
        .iter()
        .flat_map(|g| {
            g.parquet_columns()
                .iter()
                .map(|c| format!("{:?}", c.compression()))
        })
        .collect();
    codecs.sort();
    codecs.dedup();
    Ok(format!(
        "{} row group(s) of up to {largest} rows, {}",
        groups.len(),
        codecs.join("+").to_lowercase()
    ))
}
