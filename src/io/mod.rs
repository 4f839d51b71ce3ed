//! Reading matrices and annotation tables, writing data outputs.

pub mod annotations;
pub mod atomic;
pub mod npy;
pub mod table;
pub mod text;

use std::path::Path;

pub use atomic::{write_atomic, write_atomic_with};
pub use table::{read_matrix, Format, ReadOptions};

use crate::error::Result;
use crate::matrix::Matrix;

/// What `heatmill inspect` reports about an input.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Inspection {
    pub path: String,
    pub format: String,
    pub rows: usize,
    pub cols: usize,
    pub label_column: String,
    pub dtypes: Vec<String>,
    pub missing: usize,
    pub duplicate_row_labels: Vec<String>,
    pub first_rows: Vec<String>,
    pub first_cols: Vec<String>,
}

/// Reads `path` and describes it.
pub fn inspect(path: &Path, opts: &ReadOptions) -> Result<Inspection> {
    let (m, info) = table::read_with_info(path, opts)?;
    Ok(describe(path, &m, info))
}

fn describe(path: &Path, m: &Matrix, info: table::TableInfo) -> Inspection {
    Inspection {
        path: path.display().to_string(),
        format: info.format.name().to_string(),
        rows: m.nrows(),
        cols: m.ncols(),
        label_column: info.label_column,
        dtypes: info.dtypes,
        missing: m.values().iter().filter(|v| v.is_nan()).count(),
        duplicate_row_labels: m.duplicate_row_labels(),
        first_rows: m.row_labels().iter().take(5).cloned().collect(),
        first_cols: m.col_labels().iter().take(5).cloned().collect(),
    }
}
