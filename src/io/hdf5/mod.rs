//! HDF5 inputs through the pure-Rust `hdf5-pure` (no libhdf5 to install),
//! opened for streaming: metadata and only the chunks a read touches are
//! fetched, never the whole file. Three layouts, told apart by content:
//!
//! * **10x Genomics** `.h5`: `matrix/{data,indices,indptr,shape,barcodes,
//!   features/name}` (Cell Ranger ≥ 3) or `<genome>/{...,genes,gene_names}`
//!   (Cell Ranger 2): features x barcodes stored CSC, read as cells x genes.
//! * **AnnData** `.h5ad` (anndata ≥ 0.7): `X` (or `layers/NAME`) dense or
//!   CSR/CSC, names from `obs`/`var` `_index`; cells x genes.
//! * **plain**: one 2-D numeric dataset (`--dataset`, or the only one), with
//!   optional `--row-names` / `--col-names` datasets.

mod anndata;
pub(crate) mod loom;
mod store;
mod tenx;

use std::path::Path;

use hdf5_pure::{AttrValue, File, Group};

pub use anndata::{read_annotation, read_categorical_codes, CategoricalColumn};
use store::{h5err, DenseStore};

use crate::error::{Error, Result};
use crate::io::rows::RowSource;

/// A matrix found in an HDF5 file, ready to be read by rows.
#[derive(Debug)]
pub struct H5Matrix {
    /// The stored matrix, read a block of rows at a time.
    pub store: Box<dyn RowSource>,
    /// Names of the stored rows and columns.
    pub row_labels: Vec<String>,
    /// One name per stored column.
    pub col_labels: Vec<String>,
    /// True when the logical matrix is the transpose of the store (the
    /// user's `transpose` already folded in).
    pub transposed: bool,
    /// What `inspect` reports.
    pub info: H5Info,
}

/// What `inspect` reports.
#[derive(Debug, Clone, Default)]
pub struct H5Info {
    /// The layout found (`plain dataset /X`, `AnnData X csr_matrix (obs x var)`,
    /// `10x Genomics ...`).
    pub layout: String,
    /// The stored element type (`f32`, `i64`, ...).
    pub dtype: String,
    /// Stored `(rows, columns)`, before any transpose.
    pub stored_shape: (usize, usize),
    /// Stored non-zeros, for sparse layouts.
    pub nnz: Option<u64>,
    /// Chunking and compression of the stored values.
    pub storage: String,
    /// Where the row and column names came from.
    pub names: String,
}

/// Opens `path` and finds its matrix.
pub fn open(path: &Path, opts: &crate::io::ReadOptions) -> Result<H5Matrix> {
    let file = open_file(path)?;
    let plain_only = |layout: &str, keys: &[(&str, bool)]| -> Result<()> {
        match keys.iter().find(|(_, g)| *g) {
            Some((k, _)) => Err(Error::Usage(format!(
                "{}: {} does not apply to {layout} files ({})",
                path.display(),
                crate::error::key_and_flag(k),
                if *k == "layer" {
                    "only AnnData files have layers"
                } else {
                    "their names come from the file's own index; it is for plain HDF5 datasets"
                }
            ))),
            None => Ok(()),
        }
    };
    if let Some(m) = tenx::detect(path, &file, opts.transpose, opts.dataset.as_deref())? {
        plain_only(
            "10x Genomics",
            &[
                ("row_names", opts.row_names.is_some()),
                ("col_names", opts.col_names.is_some()),
                ("layer", opts.layer.is_some()),
            ],
        )?;
        return Ok(m);
    }
    if let Some(name) = &opts.dataset {
        return plain(path, &file, name, opts);
    }
    if anndata::is_anndata(path, &file)? {
        plain_only(
            "AnnData",
            &[
                ("row_names", opts.row_names.is_some()),
                ("col_names", opts.col_names.is_some()),
            ],
        )?;
        return anndata::open(path, &file, opts);
    }
    if opts.layer.is_some() {
        return Err(Error::format(
            path,
            "hdf5",
            format!(
                "{} is for AnnData files, and this is not one (no X and obs/var)",
                crate::error::key_and_flag("layer")
            ),
        ));
    }
    let candidates = matrices(path, &file)?;
    match candidates.as_slice() {
        [one] => plain(path, &file, one, opts),
        [] => Err(Error::format(
            path,
            "hdf5",
            "no 2-D numeric dataset found (looked at the root and its groups); not AnnData or 10x either",
        )),
        many => Err(Error::format(
            path,
            "hdf5",
            format!(
                "several 2-D datasets ({}); say which with {}",
                many.join(", "),
                crate::error::key_and_flag("dataset")
            ),
        )),
    }
}

pub(crate) fn open_file(path: &Path) -> Result<File> {
    truncation(path)?;
    let props = hdf5_pure::FileAccessProperties::new()
        .with_metadata_cache(hdf5_pure::MetadataCacheConfig::new(8 << 20));
    File::open_streaming_with_options(path, props).map_err(|e| {
        Error::format(
            path,
            "hdf5",
            format!("cannot open: {e} (truncated, or not an HDF5 file?)"),
        )
    })
}

/// Refuses a file shorter than the end-of-file address its superblock
/// records — a truncated copy or download — as h5py/libhdf5 does
/// ("truncated file: eof = …, stored_eof = …"), before any read fails
/// somewhere inside it.
fn truncation(path: &Path) -> Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path).map_err(|e| Error::read(path, e))?;
    let len = f.metadata().map_err(|e| Error::read(path, e))?.len();
    // The superblock sits at 0, 512, 1024, 2048, … (a user block before it).
    let mut at = 0u64;
    while at + 64 <= len {
        let mut head = [0u8; 96];
        f.seek(SeekFrom::Start(at))
            .map_err(|e| Error::read(path, e))?;
        let n = f.read(&mut head).map_err(|e| Error::read(path, e))?;
        if head[..8] == *b"\x89HDF\r\n\x1a\n" {
            if let Some((base, eof)) = stored_eof(&head[..n]) {
                let end = base.saturating_add(eof);
                if end > len {
                    return Err(Error::format(
                        path,
                        "hdf5",
                        format!(
                            "truncated file: it has {len} bytes but its header says {end}; copy or download it again"
                        ),
                    ));
                }
            }
            return Ok(());
        }
        at = if at == 0 { 512 } else { at * 2 };
    }
    Ok(())
}

/// `(base address, end-of-file address)` from a superblock (format
/// versions 0–3, HDF5 File Format Specification §II.A).
fn stored_eof(sb: &[u8]) -> Option<(u64, u64)> {
    let read = |at: usize, size: usize| -> Option<u64> {
        let b = sb.get(at..at + size)?;
        Some(b.iter().rev().fold(0u64, |v, &x| (v << 8) | u64::from(x)))
    };
    match *sb.get(8)? {
        v @ (0 | 1) => {
            let o = usize::from(*sb.get(13)?);
            // 24 bytes of fixed fields; version 1 adds 4 (indexed storage K).
            let base_at = if v == 0 { 24 } else { 28 };
            Some((read(base_at, o)?, read(base_at + 2 * o, o)?))
        }
        2 | 3 => {
            let o = usize::from(*sb.get(9)?);
            Some((read(12, o)?, read(12 + 2 * o, o)?))
        }
        _ => None,
    }
}

/// The groups and the datasets directly inside `g` (named `what` in
/// messages). A listing that fails is an error naming the group, never an
/// empty list (which would turn a damaged file into "not found").
pub(crate) fn members(path: &Path, g: &Group, what: &str) -> Result<(Vec<String>, Vec<String>)> {
    let groups = g
        .groups()
        .map_err(|e| h5err(path, &format!("listing {what}"), e))?;
    let datasets = g
        .datasets()
        .map_err(|e| h5err(path, &format!("listing {what}"), e))?;
    Ok((groups, datasets))
}

/// Everything directly inside `g`, groups and datasets.
pub(crate) fn children(path: &Path, g: &Group, what: &str) -> Result<Vec<String>> {
    let (mut v, d) = members(path, g, what)?;
    v.extend(d);
    Ok(v)
}

/// What `inspect` lists besides the matrix: an AnnData file's obs and var
/// columns (usable as colour strips, `file.h5ad:obs/NAME`), or a plain
/// file's 1-D datasets with their lengths (usable as `row_names` /
/// `col_names`).
///
/// Errors: the file cannot be opened or listed.
pub(crate) fn side_data(path: &Path) -> Result<Vec<String>> {
    let file = open_file(path)?;
    if anndata::is_anndata(path, &file)? {
        let mut out = vec![];
        for frame in ["obs", "var"] {
            let cols = anndata::frame_columns(path, &file, frame).unwrap_or_default();
            out.push(format!(
                "{frame} columns: {}",
                if cols.is_empty() {
                    "none".to_string()
                } else {
                    cols.join(", ")
                }
            ));
        }
        return Ok(out);
    }
    let mut names = vec![];
    let mut visit = |prefix: &str, g: &Group| -> Result<()> {
        let (_, datasets) = members(path, g, if prefix.is_empty() { "/" } else { prefix })?;
        for name in datasets {
            if let Ok(ds) = g.dataset(&name) {
                if let Ok(shape) = ds.shape() {
                    if shape.len() == 1 {
                        names.push(format!("{prefix}{name} ({})", shape[0]));
                    }
                }
            }
        }
        Ok(())
    };
    let root = file.root();
    visit("", &root)?;
    for g in members(path, &root, "/")?.0 {
        if let Ok(sub) = root.group(&g) {
            visit(&format!("{g}/"), &sub)?;
        }
    }
    Ok(vec![format!(
        "1-D datasets (for --row-names / --col-names): {}",
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    )])
}

/// Paths of the 2-D numeric datasets at the root and one level down.
fn matrices(path: &Path, file: &File) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut visit = |prefix: &str, g: &Group| -> Result<()> {
        let (_, datasets) = members(path, g, if prefix.is_empty() { "/" } else { prefix })?;
        for name in datasets {
            if let Ok(ds) = g.dataset(&name) {
                let two_d = ds.shape().map(|s| s.len() == 2).unwrap_or(false);
                if two_d && ds.dtype().map(|d| numeric(&d)).unwrap_or(false) {
                    out.push(format!("{prefix}{name}"));
                }
            }
        }
        Ok(())
    };
    let root = file.root();
    visit("", &root)?;
    for g in members(path, &root, "/")?.0 {
        let sub = root.group(&g).map_err(|e| h5err(path, &g, e))?;
        visit(&format!("{g}/"), &sub)?;
    }
    Ok(out)
}

fn numeric(d: &hdf5_pure::DType) -> bool {
    use hdf5_pure::DType as D;
    matches!(
        d,
        D::F32 | D::F64 | D::I8 | D::I16 | D::I32 | D::I64 | D::U8 | D::U16 | D::U32 | D::U64
    )
}

fn plain(path: &Path, file: &File, name: &str, opts: &crate::io::ReadOptions) -> Result<H5Matrix> {
    let ds = file.dataset(name).map_err(|e| {
        // Say what the file does hold: the 2-D numeric datasets.
        let have = matrices(path, file)
            .map(|m| {
                if m.is_empty() {
                    "none".to_string()
                } else {
                    m.join(", ")
                }
            })
            .unwrap_or_else(|_| "unknown".into());
        h5err(
            path,
            &format!(
                "{} {name} (the 2-D numeric datasets in this file: {have})",
                crate::error::key_and_flag("dataset")
            ),
            e,
        )
    })?;
    let dtype = ds.dtype().map_err(|e| h5err(path, name, e))?;
    if !numeric(&dtype) {
        return Err(Error::format(
            path,
            "hdf5",
            format!("{name} holds {dtype:?}, not numbers"),
        ));
    }
    let storage = storage_of(&ds);
    let store = DenseStore::new(path, name, ds)?;
    let (n, m) = store.shape;
    let row_labels = match &opts.row_names {
        Some(p) => names(path, file, p, n)?,
        None => (0..n).map(|i| i.to_string()).collect(),
    };
    let col_labels = match &opts.col_names {
        Some(p) => names(path, file, p, m)?,
        None => (0..m).map(|j| j.to_string()).collect(),
    };
    Ok(H5Matrix {
        store: Box::new(store),
        row_labels,
        col_labels,
        transposed: opts.transpose,
        info: H5Info {
            layout: format!("plain dataset /{}", name.trim_start_matches('/')),
            dtype: dtype_name(&dtype),
            stored_shape: (n, m),
            nnz: None,
            storage,
            names: format!(
                "rows: {}, columns: {}",
                opts.row_names.as_deref().unwrap_or("numbered"),
                opts.col_names.as_deref().unwrap_or("numbered")
            ),
        },
    })
}

/// Reads a 1-D string dataset of exactly `len` names.
pub(crate) fn names(path: &Path, file: &File, name: &str, len: usize) -> Result<Vec<String>> {
    let ds = file.dataset(name).map_err(|e| {
        let have = side_data(path).map(|l| l.join("; ")).unwrap_or_default();
        h5err(path, &format!("{name} ({have})"), e)
    })?;
    let v = ds.read_string().or_else(|_| {
        ds.read_i64()
            .map(|v| v.into_iter().map(|x| x.to_string()).collect())
    });
    let v = v.map_err(|e| h5err(path, name, e))?;
    if v.len() != len {
        return Err(Error::format(
            path,
            "hdf5",
            format!("{name} holds {} names for {len} entries", v.len()),
        ));
    }
    Ok(v)
}

/// "chunks 8x16, gzip" and the like.
pub(crate) fn storage_of(ds: &hdf5_pure::Dataset) -> String {
    let chunks = match ds.chunk_shape().ok().flatten() {
        Some(c) => format!(
            "chunks {}",
            c.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("x")
        ),
        None => "contiguous".into(),
    };
    let filters: Vec<&str> = ds
        .filters()
        .iter()
        .map(|f| match f {
            1 => "gzip",
            2 => "shuffle",
            3 => "fletcher32",
            4 => "szip",
            6 => "scale-offset",
            32000 => "lzf",
            _ => "other filter",
        })
        .collect();
    if filters.is_empty() {
        chunks
    } else {
        format!("{chunks}, {}", filters.join("+"))
    }
}

pub(crate) fn dtype_name(d: &hdf5_pure::DType) -> String {
    format!("{d:?}").to_lowercase()
}

/// A string attribute, whatever string form it was written in.
pub(crate) fn attr_str(v: &AttrValue) -> Option<String> {
    match v {
        AttrValue::String(s) | AttrValue::AsciiString(s) | AttrValue::VarLenString(s) => {
            Some(s.clone())
        }
        AttrValue::StringSized { value, .. } | AttrValue::AsciiStringSized { value, .. } => {
            Some(value.clone())
        }
        AttrValue::StringArray(a)
        | AttrValue::AsciiStringArray(a)
        | AttrValue::VarLenAsciiCharArray(a)
        | AttrValue::VarLenStringArray(a)
            if a.len() == 1 =>
        {
            Some(a[0].clone())
        }
        _ => None,
    }
}

/// An integer-array attribute (AnnData's `shape`).
pub(crate) fn attr_ints(v: &AttrValue) -> Option<Vec<i64>> {
    Some(match v {
        AttrValue::I64Array(a) => a.clone(),
        AttrValue::I32Array(a) => a.iter().map(|&x| x as i64).collect(),
        AttrValue::U64Array(a) => a.iter().map(|&x| x as i64).collect(),
        AttrValue::U32Array(a) => a.iter().map(|&x| x as i64).collect(),
        _ => return None,
    })
}

/// A 1-D dataset's values as text: strings as they are, numbers as Rust
/// prints them, NaN (pandas' missing value in a numeric column) as
/// missing.
///
/// Errors: the dataset is neither strings nor numbers.
pub(crate) fn text_values(
    path: &Path,
    p: &str,
    ds: &hdf5_pure::Dataset,
) -> Result<Vec<Option<String>>> {
    Ok(match ds.read_string() {
        Ok(v) => v.into_iter().map(Some).collect(),
        Err(_) => ds
            .read_f64()
            .map_err(|e| h5err(path, p, e))?
            .into_iter()
            .map(|x| (!x.is_nan()).then(|| format!("{x}")))
            .collect(),
    })
}

/// `layers/<l>` when `layers` (the file's layers) holds `l`.
///
/// Errors: no such layer, listing the ones there are.
pub(crate) fn layer_path(
    path: &Path,
    fmt: &'static str,
    layers: &[String],
    l: &str,
) -> Result<String> {
    if layers.iter().any(|x| x == l) {
        return Ok(format!("layers/{l}"));
    }
    Err(Error::format(
        path,
        fmt,
        format!(
            "no layer '{l}' (layers: {})",
            if layers.is_empty() {
                "none".to_string()
            } else {
                layers.join(", ")
            }
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::stored_eof;

    #[test]
    fn superblock_eof_of_every_version() {
        // Version 2/3: sig, version, offset size 8, length size 8, flags,
        // base address, extension address, end-of-file address.
        let mut sb = b"\x89HDF\r\n\x1a\n".to_vec();
        sb.extend([3, 8, 8, 0]);
        sb.extend(0u64.to_le_bytes());
        sb.extend(u64::MAX.to_le_bytes());
        sb.extend(4096u64.to_le_bytes());
        assert_eq!(stored_eof(&sb), Some((0, 4096)));
        // Version 0: 16 bytes of versions and sizes (offsets of 4 bytes
        // here), K values and flags, then base, free space, EOF.
        let mut sb = b"\x89HDF\r\n\x1a\n".to_vec();
        sb.extend([0, 0, 0, 0, 0, 4, 8, 0]);
        sb.extend([4, 0, 16, 0, 0, 0, 0, 0]);
        sb.extend(512u32.to_le_bytes());
        sb.extend(u32::MAX.to_le_bytes());
        sb.extend(800u32.to_le_bytes());
        assert_eq!(stored_eof(&sb), Some((512, 800)));
        // Version 1 has 4 more bytes before the addresses.
        sb[8] = 1;
        sb.splice(24..24, [0, 0, 0, 0]);
        assert_eq!(stored_eof(&sb), Some((512, 800)));
        assert_eq!(stored_eof(&sb[..30]), None);
    }
}
