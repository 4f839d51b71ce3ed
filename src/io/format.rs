//! Which reader a file goes to, and the options every reader shares.

use std::path::Path;

use crate::error::{Error, Result};

/// Input formats. HDF5 files are told apart by their content (plain
/// dataset, AnnData, 10x) once opened; the extension only says "HDF5".
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Comma-separated text (`.csv`).
    Csv,
    /// Tab-separated text (`.tsv`, `.tab`, `.txt`).
    Tsv,
    /// Apache Parquet (`.parquet`, `.pq`).
    Parquet,
    /// Arrow IPC file format (Feather v2).
    Arrow,
    /// HDF5: a plain 2-D dataset, AnnData `.h5ad` or 10x Genomics `.h5`.
    Hdf5,
}

impl Format {
    /// The format's name, as `--format` takes it and `inspect` prints it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Parquet => "parquet",
            Format::Arrow => "arrow",
            Format::Hdf5 => "hdf5",
        }
    }

    /// From the file extension.
    pub fn detect(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "tsv" | "tab" | "txt" => Some(Format::Tsv),
            "parquet" | "pq" => Some(Format::Parquet),
            "arrow" | "feather" | "ipc" => Some(Format::Arrow),
            "h5" | "hdf5" | "he5" | "h5ad" => Some(Format::Hdf5),
            _ => None,
        }
    }

    /// A `--format` value: `csv`, `tsv`, `parquet`, `arrow` (or `feather`,
    /// `ipc`), `hdf5` (or `h5`, `h5ad`).
    ///
    /// Errors: the message naming the accepted values, for an unknown word.
    pub fn parse(s: &str) -> std::result::Result<Format, String> {
        match s {
            "csv" => Ok(Format::Csv),
            "tsv" => Ok(Format::Tsv),
            "parquet" => Ok(Format::Parquet),
            "arrow" | "feather" | "ipc" => Ok(Format::Arrow),
            "hdf5" | "h5" | "h5ad" => Ok(Format::Hdf5),
            _ => Err(format!(
                "unknown format '{s}' (expected csv, tsv, parquet, arrow or hdf5)"
            )),
        }
    }
}

/// How to read a matrix. Every field is optional so a config or a command
/// line only names what differs from the defaults.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReadOptions {
    /// Name of the row-label column; default: the first text column.
    pub index_col: Option<String>,
    /// Override the format detected from the extension.
    pub format: Option<Format>,
    /// Flip rows and columns. For AnnData and 10x files the matrix is read
    /// as cells x genes (AnnData's convention); `transpose` gives genes x cells.
    pub transpose: bool,
    /// HDF5: path of the 2-D dataset (default: the only 2-D numeric one),
    /// or the genome group of a Cell Ranger 2 file holding several.
    pub dataset: Option<String>,
    /// HDF5: path of the 1-D dataset of row names.
    pub row_names: Option<String>,
    /// HDF5: path of the 1-D dataset of column names.
    pub col_names: Option<String>,
    /// AnnData: read `layers/NAME` instead of `X`.
    pub layer: Option<String>,
}

/// The format of `path`: the one asked for, else the extension's; and the
/// file must exist.
pub fn resolve(path: &Path, opts: &ReadOptions) -> Result<Format> {
    let format = opts.format.or_else(|| Format::detect(path)).ok_or_else(|| {
        Error::format(
            path,
            "unknown",
            format!(
                "cannot tell the format from the extension; use .csv, .tsv, .parquet, .arrow/.feather, .h5/.h5ad, or set {}",
                crate::error::key_and_flag("format")
            ),
        )
    })?;
    if !path.exists() {
        return Err(Error::read(
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        ));
    }
    opts.check_for(path, format)?;
    Ok(format)
}

impl ReadOptions {
    /// Refuses options that do not apply to `format` (an HDF5 option on a
    /// CSV, a label column on HDF5), naming the option, the file and the
    /// formats it applies to, rather than ignoring them.
    ///
    /// Errors: [`Error::Usage`] (exit 2).
    pub fn check_for(&self, path: &Path, format: Format) -> Result<()> {
        let hdf5_only = [
            ("dataset", self.dataset.is_some()),
            ("row_names", self.row_names.is_some()),
            ("col_names", self.col_names.is_some()),
            ("layer", self.layer.is_some()),
        ];
        let given = |list: &[(&'static str, bool)]| list.iter().find(|(_, g)| *g).map(|(k, _)| *k);
        if format != Format::Hdf5 {
            if let Some(k) = given(&hdf5_only) {
                return Err(Error::Usage(format!(
                    "{}: {} applies to HDF5 inputs (.h5, .h5ad), not to this {} file",
                    path.display(),
                    crate::error::key_and_flag(k),
                    format.name()
                )));
            }
        } else if self.index_col.is_some() {
            return Err(Error::Usage(format!(
                "{}: {} applies to CSV, TSV, Parquet and Arrow inputs; an HDF5 file names its rows with {}",
                path.display(),
                crate::error::key_and_flag("index_col"),
                crate::error::key_and_flag("row_names")
            )));
        }
        Ok(())
    }
}
