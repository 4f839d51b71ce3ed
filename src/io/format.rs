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
    /// Matrix Market coordinate file (`.mtx`), alone or in a Cell Ranger
    /// `filtered_feature_bc_matrix/` folder (`matrix.mtx.gz`,
    /// `features.tsv.gz` or Cell Ranger 2's `genes.tsv`, `barcodes.tsv.gz`).
    Mtx,
    /// GCT 1.2 / 1.3 (GSEA, GenePattern, Morpheus, CMap): `#1.2` or
    /// `#1.3`, a dimensions line, then the table.
    Gct,
    /// A GEO series matrix (`GSE…_series_matrix.txt.gz`): `!` metadata
    /// lines, the table between `!series_matrix_table_begin` and `_end`.
    Geo,
    /// Loom (HDF5, loom spec 3.0): `/matrix` genes x cells, `/layers`,
    /// `/row_attrs`, `/col_attrs`.
    Loom,
    /// An Excel workbook (`.xlsx`, `.xlsm`): one sheet holding a wide table.
    Xlsx,
}

/// Extensions of compressed files; the name before them tells the format
/// inside (`counts.tsv.gz` is a TSV). The compression itself is told by
/// the file's first bytes, not by the name.
pub const COMPRESSED_EXTENSIONS: [&str; 4] = ["gz", "bz2", "zst", "zstd"];

impl Format {
    /// The format's name, as `--format` takes it and `inspect` prints it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Parquet => "parquet",
            Format::Arrow => "arrow",
            Format::Hdf5 => "hdf5",
            Format::Mtx => "mtx",
            Format::Gct => "gct",
            Format::Geo => "geo",
            Format::Loom => "loom",
            Format::Xlsx => "xlsx",
        }
    }

    /// From the file name: its extension, after a compression extension
    /// (`counts.tsv.gz` → TSV); `*_series_matrix.txt[.gz]` is a GEO series
    /// matrix; a folder holding `matrix.mtx[.gz]` is a Cell Ranger folder.
    pub fn detect(path: &Path) -> Option<Format> {
        if path.is_dir() {
            return super::mtx::find_matrix(path).map(|_| Format::Mtx);
        }
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let inner = match name.rsplit_once('.') {
            Some((stem, ext)) if COMPRESSED_EXTENSIONS.contains(&ext) => stem,
            _ => name.as_str(),
        };
        if inner.ends_with("_series_matrix.txt") {
            return Some(Format::Geo);
        }
        let (_, ext) = inner.rsplit_once('.')?;
        match ext {
            "csv" => Some(Format::Csv),
            "tsv" | "tab" | "txt" => Some(Format::Tsv),
            "parquet" | "pq" => Some(Format::Parquet),
            "arrow" | "feather" | "ipc" => Some(Format::Arrow),
            "h5" | "hdf5" | "he5" | "h5ad" => Some(Format::Hdf5),
            "mtx" => Some(Format::Mtx),
            "gct" => Some(Format::Gct),
            "loom" => Some(Format::Loom),
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            _ => None,
        }
    }

    /// From the file's first bytes (decompressed when compressed): `#1.2`
    /// / `#1.3` is GCT, `!Series_` a GEO series matrix, `%%MatrixMarket`
    /// Matrix Market; HDF5, Parquet, Arrow and zip (xlsx) signatures.
    /// `None` when they say nothing (a plain table).
    pub fn sniff(path: &Path) -> Option<Format> {
        use std::io::Read;
        let mut head = Vec::with_capacity(64);
        let raw = {
            let mut f = std::fs::File::open(path).ok()?;
            let mut b = [0u8; 8];
            let n = f.read(&mut b).ok()?;
            b[..n].to_vec()
        };
        if raw.starts_with(b"\x89HDF\r\n\x1a\n") {
            return Some(Format::Hdf5);
        }
        if raw.starts_with(b"PAR1") {
            return Some(Format::Parquet);
        }
        if raw.starts_with(b"ARROW1") {
            return Some(Format::Arrow);
        }
        if raw.starts_with(b"PK\x03\x04") {
            return Some(Format::Xlsx);
        }
        let (mut r, _) = super::compress::open(path).ok()?;
        r.by_ref().take(64).read_to_end(&mut head).ok()?;
        let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&head);
        if head.starts_with(b"#1.2") || head.starts_with(b"#1.3") {
            Some(Format::Gct)
        } else if head.starts_with(b"!Series_") {
            Some(Format::Geo)
        } else if head.starts_with(b"%%MatrixMarket") {
            Some(Format::Mtx)
        } else {
            None
        }
    }

    /// A `--format` value: `csv`, `tsv`, `parquet`, `arrow` (or `feather`,
    /// `ipc`), `hdf5` (or `h5`, `h5ad`), `mtx` (or `10x-mtx`), `gct`,
    /// `geo` (or `series-matrix`), `loom`, `xlsx`.
    ///
    /// Errors: the message naming the accepted values, for an unknown word.
    pub fn parse(s: &str) -> std::result::Result<Format, String> {
        match s {
            "csv" => Ok(Format::Csv),
            "tsv" => Ok(Format::Tsv),
            "parquet" => Ok(Format::Parquet),
            "arrow" | "feather" | "ipc" => Ok(Format::Arrow),
            "hdf5" | "h5" | "h5ad" => Ok(Format::Hdf5),
            "mtx" | "10x-mtx" => Ok(Format::Mtx),
            "gct" => Ok(Format::Gct),
            "geo" | "series-matrix" => Ok(Format::Geo),
            "loom" => Ok(Format::Loom),
            "xlsx" => Ok(Format::Xlsx),
            _ => Err(format!(
                "unknown format '{s}' (expected csv, tsv, parquet, arrow, hdf5, mtx, gct, geo, loom or xlsx)"
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
    /// or the genome group of a Cell Ranger 2 file holding several;
    /// xlsx: the sheet (default: the first).
    pub dataset: Option<String>,
    /// HDF5: path of the 1-D dataset of row names.
    pub row_names: Option<String>,
    /// HDF5: path of the 1-D dataset of column names.
    pub col_names: Option<String>,
    /// AnnData: read `layers/NAME` instead of `X`; loom: `/layers/NAME`
    /// instead of `/matrix`.
    pub layer: Option<String>,
}

/// The format of `path`: the one asked for, else the extension's, else
/// (for `.txt` and unknown extensions) the one its first bytes show; and
/// the file must exist.
pub fn resolve(path: &Path, opts: &ReadOptions) -> Result<Format> {
    if !path.exists() {
        return Err(Error::read(
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        ));
    }
    let by_name = Format::detect(path);
    let sniffed = || {
        if path.is_file() {
            Format::sniff(path)
        } else {
            None
        }
    };
    let format = opts
        .format
        .or_else(|| match by_name {
            // A `.txt` (or `.txt.gz`) may be a GCT or a series matrix.
            Some(Format::Tsv) | None => sniffed().or(by_name),
            known => known,
        })
        .ok_or_else(|| {
            Error::format(
                path,
                "unknown",
                format!(
                    "cannot tell the format from the extension; use .csv, .tsv (also .gz, .bz2, .zst), .parquet, .arrow/.feather, .h5/.h5ad, .mtx or a Cell Ranger folder, .gct, _series_matrix.txt, .loom, .xlsx, or set {}",
                    crate::error::key_and_flag("format")
                ),
            )
        })?;
    if path.is_dir() && format != Format::Mtx {
        return Err(Error::read(
            path,
            std::io::Error::other(
                "is a folder; a folder is read only as Cell Ranger output (matrix.mtx.gz, features.tsv.gz, barcodes.tsv.gz)",
            ),
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
        // (key, given, the formats it applies to, said in a message)
        let options = [
            (
                "dataset",
                self.dataset.is_some(),
                "HDF5 inputs (.h5, .h5ad; a dataset) and workbooks (.xlsx; a sheet)",
            ),
            ("row_names", self.row_names.is_some(), "HDF5 inputs (.h5)"),
            ("col_names", self.col_names.is_some(), "HDF5 inputs (.h5)"),
            (
                "layer",
                self.layer.is_some(),
                "AnnData (.h5ad) and loom inputs",
            ),
            (
                "index_col",
                self.index_col.is_some(),
                "CSV, TSV, Parquet, Arrow and xlsx inputs",
            ),
        ];
        let applies = |k: &str| match format {
            Format::Hdf5 => k != "index_col",
            Format::Loom => k == "layer",
            Format::Xlsx => k == "dataset" || k == "index_col",
            Format::Csv | Format::Tsv | Format::Parquet | Format::Arrow => k == "index_col",
            Format::Mtx | Format::Gct | Format::Geo => false,
        };
        if let Some((k, _, to)) = options.iter().find(|(k, g, _)| *g && !applies(k)) {
            let names = match format {
                Format::Hdf5 | Format::Loom => format!(
                    "; an HDF5 file names its rows with {}",
                    crate::error::key_and_flag("row_names")
                ),
                Format::Mtx => "; a Cell Ranger folder names rows and columns with barcodes.tsv and features.tsv".into(),
                Format::Gct => "; a GCT file names its rows in its first column".into(),
                Format::Geo => "; a series matrix names its rows in its ID_REF column".into(),
                _ => String::new(),
            };
            return Err(Error::Usage(format!(
                "{}: {} applies to {to}, not to this {} file{}",
                path.display(),
                crate::error::key_and_flag(k),
                format.name(),
                if *k == "index_col" {
                    names.as_str()
                } else {
                    ""
                }
            )));
        }
        Ok(())
    }
}
