//! Reading matrices and annotation tables, writing data outputs.

pub mod annotations;
pub(crate) mod arrow_ipc;
pub mod atomic;
pub mod compress;
pub(crate) mod delimited;
pub mod format;
pub(crate) mod gct;
pub(crate) mod geo;
pub(crate) mod hdf5;
pub(crate) mod mtx;
pub mod npy;
pub(crate) mod pandas_meta;
pub(crate) mod parquet_rows;
pub(crate) mod rows;
pub(crate) mod table;
pub(crate) mod text;
pub(crate) mod tsv;
pub(crate) mod xlsx;

use std::path::Path;

pub use atomic::{write_atomic, write_atomic_with};
pub use format::{Format, ReadOptions};
pub use rows::Selection;

use crate::error::Result;
use crate::matrix::Matrix;

/// What `heatmill inspect` reports about an input.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Inspection {
    /// The input file, as given.
    pub path: String,
    /// The format read (`csv`, `tsv`, `parquet`, `arrow`, `hdf5`).
    pub format: String,
    /// The layout found: "wide table", "AnnData X csr_matrix (obs x var)", ...
    pub layout: String,
    /// Rows of the matrix as read (after any transpose).
    pub rows: usize,
    /// Columns of the matrix as read.
    pub cols: usize,
    /// Where the row labels came from (a column, or HDF5 datasets).
    pub label_column: String,
    /// The stored value types found (e.g. `f64`, `i64`).
    pub dtypes: Vec<String>,
    /// Chunking and compression of the stored values.
    pub storage: String,
    /// Fraction of zero cells (stored zeros included for dense inputs).
    pub sparsity: f64,
    /// Explicitly stored entries of a sparse layout.
    pub stored_nonzeros: Option<u64>,
    /// How the file was read: memory-mapped, streamed, or parsed.
    pub access: String,
    /// Cells that are NaN (missing) in the matrix as read.
    pub missing: usize,
    /// Row labels that occur more than once.
    pub duplicate_row_labels: Vec<String>,
    /// The first (up to 5) row labels.
    pub first_rows: Vec<String>,
    /// The first (up to 5) column labels.
    pub first_cols: Vec<String>,
    /// HDF5 only: an AnnData file's obs and var columns, or a plain file's
    /// 1-D datasets that could name rows or columns (one line each).
    pub side_data: Vec<String>,
}

impl Inspection {
    /// The report `heatmill inspect` prints: one `field: value` per line.
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let _ = writeln!(s, "file:          {}", self.path);
        let _ = writeln!(s, "format:        {}", self.format);
        let _ = writeln!(s, "layout:        {}", self.layout);
        let _ = writeln!(
            s,
            "shape:         {} rows x {} columns",
            self.rows, self.cols
        );
        let _ = writeln!(s, "storage:       {}", self.storage);
        let _ = writeln!(s, "access:        {}", self.access);
        let _ = match self.stored_nonzeros {
            Some(nnz) => writeln!(
                s,
                "sparsity:      {:.1}% zeros ({nnz} stored entries)",
                100.0 * self.sparsity
            ),
            None => writeln!(s, "sparsity:      {:.1}% zeros", 100.0 * self.sparsity),
        };
        let _ = writeln!(
            s,
            "row labels:    {} (first: {})",
            self.label_column,
            self.first_rows.join(", ")
        );
        let _ = writeln!(s, "column labels: {}", self.first_cols.join(", "));
        let _ = writeln!(s, "dtypes:        {}", self.dtypes.join(", "));
        let _ = writeln!(s, "missing cells: {}", self.missing);
        for line in &self.side_data {
            let _ = writeln!(s, "{line}");
        }
        if !self.duplicate_row_labels.is_empty() {
            let _ = writeln!(
                s,
                "duplicate row labels: {}",
                self.duplicate_row_labels.join(", ")
            );
        }
        s
    }
}

/// What the readers of the formats added by issue #19 (Matrix Market,
/// GCT, GEO, loom, xlsx) tell `inspect` besides the matrix.
#[derive(Debug, Clone, Default)]
pub(crate) struct Described {
    /// The layout found.
    pub layout: String,
    /// Where the row (and column) labels came from.
    pub label_column: String,
    /// The stored value types.
    pub dtypes: Vec<String>,
    /// Compression, chunking, entries.
    pub storage: String,
    /// Explicitly stored entries of a sparse layout.
    pub nnz: Option<u64>,
    /// How the file was read.
    pub access: String,
    /// Annotation columns the file offers for colour strips, one line each.
    pub side_data: Vec<String>,
}

/// The matrix of one of the formats of [`Described`], and its description.
fn read_described(path: &Path, format: Format, opts: &ReadOptions) -> Result<(Matrix, Described)> {
    match format {
        Format::Mtx => mtx::read(path, opts.transpose),
        Format::Gct => gct::read(path, opts.transpose),
        Format::Geo => geo::read(path, opts.transpose),
        Format::Xlsx => xlsx::read(path, opts),
        Format::Loom => {
            let (m, info) = read_hdf5(path, opts, None)?;
            Ok((m, hdf5_described(path, info)?))
        }
        other => Err(crate::error::Error::Internal(format!(
            "{} is not read by read_described",
            other.name()
        ))),
    }
}

/// A loom file's description.
fn hdf5_described(path: &Path, info: hdf5::H5Info) -> Result<Described> {
    Ok(Described {
        layout: info.layout,
        label_column: info.names,
        dtypes: vec![info.dtype],
        storage: format!(
            "stored {}x{}, {}",
            info.stored_shape.0, info.stored_shape.1, info.storage
        ),
        nnz: info.nnz,
        access: "streamed: metadata and only the touched chunks read (positional reads), sparse rows densified per block".to_string(),
        side_data: hdf5::loom::side_data(path)?,
    })
}

/// Reads the matrix in `path`, whatever its format.
pub fn read_matrix(path: &Path, opts: &ReadOptions) -> Result<Matrix> {
    read_selected(path, opts, None).map(|(m, _)| m)
}

/// Reads the matrix, applying `sel` (log transform + top-N variable rows)
/// while streaming when the format allows. Returns whether `sel` was
/// applied; when it was not, the caller applies it to the full matrix.
pub fn read_selected(
    path: &Path,
    opts: &ReadOptions,
    sel: Option<&Selection>,
) -> Result<(Matrix, bool)> {
    let format = format::resolve(path, opts)?;
    match format {
        Format::Parquet if sel.is_some() => {
            let (store, rl, cl) = parquet_rows::open(path, opts.index_col.as_deref())?;
            let m = assemble(&store, rl, cl, opts.transpose, sel)?;
            Ok((m, true))
        }
        Format::Csv | Format::Tsv | Format::Parquet => Ok((table::read_matrix(path, opts)?, false)),
        Format::Arrow => Ok((read_arrow(path, opts, sel)?.0, sel.is_some())),
        Format::Hdf5 | Format::Loom => Ok((read_hdf5(path, opts, sel)?.0, sel.is_some())),
        Format::Mtx | Format::Gct | Format::Geo | Format::Xlsx => {
            Ok((read_described(path, format, opts)?.0, false))
        }
    }
}

/// The matrix of an Arrow file, and what was found in it.
fn read_arrow(
    path: &Path,
    opts: &ReadOptions,
    sel: Option<&Selection>,
) -> Result<(Matrix, arrow_ipc::ArrowInfo)> {
    let mut t = arrow_ipc::open(path, opts.index_col.as_deref())?;
    // The labels move into the matrix; the store needs only the columns.
    let rl = std::mem::take(&mut t.row_labels);
    let cl = std::mem::take(&mut t.col_labels);
    let m = assemble(&t, rl, cl, opts.transpose, sel)?;
    Ok((m, t.info))
}

/// The matrix of Arrow record batches held in memory (an Arrow C stream
/// from polars, pyarrow, DuckDB), laid out as an Arrow file is
/// ([`arrow_ipc::from_batches`]: row labels from `index_col`, pandas'
/// index or the first text column; numeric columns as the matrix's
/// columns, nulls as missing values), and what was found (the label
/// columns). The values are copied once, into the matrix; `source` names
/// the object in errors.
pub fn read_arrow_batches(
    source: &Path,
    schema: &arrow_schema::Schema,
    batches: Vec<arrow_array::RecordBatch>,
    index_col: Option<&str>,
) -> Result<(Matrix, arrow_ipc::ArrowInfo)> {
    let mut t = arrow_ipc::from_batches(source, schema, batches, index_col)?;
    let rl = std::mem::take(&mut t.row_labels);
    let cl = std::mem::take(&mut t.col_labels);
    let m = assemble(&t, rl, cl, false, None)?;
    Ok((m, t.info))
}

/// The matrix of an HDF5 file (plain, AnnData or 10x), and its layout.
fn read_hdf5(
    path: &Path,
    opts: &ReadOptions,
    sel: Option<&Selection>,
) -> Result<(Matrix, hdf5::H5Info)> {
    let h = if format::resolve(path, opts)? == Format::Loom {
        hdf5::loom::open(path, opts)?
    } else {
        hdf5::open(path, opts)?
    };
    let m = assemble(
        h.store.as_ref(),
        h.row_labels,
        h.col_labels,
        h.transposed,
        sel,
    )?;
    Ok((m, h.info))
}

/// The columns `pick` chooses of an HDF5 matrix (an `.h5ad`'s genes;
/// plain and 10x files too), every row, read without holding the whole
/// matrix: CSR walked one block of rows at a time keeping only the chosen
/// columns' stored values, CSC (and any transposed store) one chosen
/// column at a time, dense one block of rows at a time. `pick` gets the
/// logical column labels and returns the indices to keep, in order (or
/// an error naming what is wrong). `None` when `path` is not an HDF5
/// input (read it whole). The values are bit for bit those of
/// [`read_matrix`]'s columns.
///
/// Errors: as [`read_matrix`]; whatever `pick` returns.
pub fn read_columns(
    path: &Path,
    opts: &ReadOptions,
    pick: &mut dyn FnMut(&[String]) -> Result<Vec<usize>>,
) -> Result<Option<Matrix>> {
    if format::resolve(path, opts)? != Format::Hdf5 {
        return Ok(None);
    }
    let h = hdf5::open(path, opts)?;
    let (rl, cl) = if h.transposed {
        (h.col_labels, h.row_labels)
    } else {
        (h.row_labels, h.col_labels)
    };
    let cols = pick(&cl)?;
    let values = rows::build_columns(h.store.as_ref(), h.transposed, &cols)?;
    let labels = cols.iter().map(|&j| cl[j].clone()).collect();
    Matrix::new(rl, labels, values).map(Some)
}

/// Reads the matrix and applies `prep`, streaming its log transform and
/// top-N selection when the format allows (the result is the same either
/// way, to the bit).
pub fn read_prepped(path: &Path, opts: &ReadOptions, prep: &crate::prep::Prep) -> Result<Matrix> {
    prep.validate()?;
    let sel = prep.top_variable.map(|top| Selection {
        transform: prep.value_transform(),
        top,
    });
    let (m, applied) = read_selected(path, opts, sel.as_ref())?;
    // The steps of `prep.apply`: the read stage (log, top-N) unless the
    // reader applied it while streaming, then the scaling — checked on the
    // matrix it scales (linkage and corr cannot take NaN).
    let m = if applied {
        prep.check_transformed(&m)?;
        m
    } else {
        crate::prep::Prep {
            z_score: None,
            standard_scale: None,
            ..prep.clone()
        }
        .apply(m)?
    };
    prep.check_scaling(&m)?;
    crate::prep::Prep {
        log1p: false,
        log2p1: false,
        top_variable: None,
        ..prep.clone()
    }
    .apply(m)
}

/// Builds the labelled matrix from a row store.
fn assemble(
    src: &dyn rows::RowSource,
    row_labels: Vec<String>,
    col_labels: Vec<String>,
    transposed: bool,
    sel: Option<&Selection>,
) -> Result<Matrix> {
    let built = rows::build(src, transposed, sel)?;
    let (rl, cl) = if transposed {
        (col_labels, row_labels)
    } else {
        (row_labels, col_labels)
    };
    if built.rows.len() == rl.len() {
        return Matrix::new(rl, cl, built.values);
    }
    let rows = built.rows.iter().map(|&i| rl[i].clone()).collect();
    Matrix::new(rows, cl, built.values)?.with_row_positions(built.rows)
}

/// Reads `path` and describes it.
pub fn inspect(path: &Path, opts: &ReadOptions) -> Result<Inspection> {
    let format = format::resolve(path, opts)?;
    let mut side = vec![];
    let (m, layout, label_column, dtypes, storage, nnz, access) = match format {
        Format::Csv | Format::Tsv | Format::Parquet => {
            let (m, info) = table::read_with_info(path, opts)?;
            let compression = compress::sniff(path)?;
            let access = if format == Format::Parquet {
                "read by polars (column chunks decoded)"
            } else if compression != compress::Compression::None {
                "streamed: decompressed while parsed, one record at a time (no copy of the text)"
            } else {
                "read into memory and parsed"
            };
            (
                m,
                "wide table (label column + numeric columns)".to_string(),
                format!("column '{}'", info.label_column),
                info.dtypes,
                if format == Format::Parquet {
                    parquet_rows::describe(path)?
                } else if compression != compress::Compression::None {
                    format!("text, {} compressed", compression.name())
                } else {
                    "text".to_string()
                },
                None,
                access.to_string(),
            )
        }
        Format::Arrow => {
            let (m, i) = read_arrow(path, opts, None)?;
            (
                m,
                "Arrow IPC file, wide table (label column + numeric columns)".to_string(),
                format!("column '{}'", i.label_column),
                i.dtypes,
                format!("{} record batch(es), {}", i.batches, i.compression),
                None,
                if i.zero_copy {
                    "memory-mapped; numeric buffers used in place (zero-copy), one copy into the matrix"
                } else {
                    "memory-mapped; compressed buffers decoded one batch at a time"
                }
                .to_string(),
            )
        }
        Format::Hdf5 => {
            let (m, info) = read_hdf5(path, opts, None)?;
            (
                m,
                info.layout,
                info.names,
                vec![info.dtype],
                format!(
                    "stored {}x{}, {}",
                    info.stored_shape.0, info.stored_shape.1, info.storage
                ),
                info.nnz,
                "streamed: metadata and only the touched chunks read (positional reads), sparse rows densified per block".to_string(),
            )
        }
        Format::Mtx | Format::Gct | Format::Geo | Format::Xlsx | Format::Loom => {
            let (m, d) = read_described(path, format, opts)?;
            side = d.side_data;
            (
                m,
                d.layout,
                d.label_column,
                d.dtypes,
                d.storage,
                d.nnz,
                d.access,
            )
        }
    };
    let cells = (m.nrows() * m.ncols()).max(1) as f64;
    let zeros = m.values().iter().filter(|v| **v == 0.0).count() as f64;
    Ok(Inspection {
        path: path.display().to_string(),
        format: format.name().to_string(),
        layout,
        rows: m.nrows(),
        cols: m.ncols(),
        label_column,
        dtypes,
        storage,
        sparsity: zeros / cells,
        stored_nonzeros: nnz,
        access,
        missing: m.values().iter().filter(|v| v.is_nan()).count(),
        duplicate_row_labels: m.duplicate_row_labels(),
        first_rows: m.row_labels().iter().take(5).cloned().collect(),
        first_cols: m.col_labels().iter().take(5).cloned().collect(),
        side_data: if format == Format::Hdf5 {
            hdf5::side_data(path)?
        } else {
            side
        },
    })
}
