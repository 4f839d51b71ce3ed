//! Loom files (HDF5, loom file format specification 3.0, linnarssonlab):
//! `/matrix` holds genes x cells (N x M), `/layers/NAME` more N x M
//! matrices, `/row_attrs/NAME` one value per gene, `/col_attrs/NAME` one
//! per cell. Read as cells x genes, the orientation of `anndata.read_loom`
//! and of the other single-cell readers (`transpose` gives genes x cells);
//! `layer` picks `/layers/NAME` instead of `/matrix`.
//!
//! Names follow `anndata.read_loom`'s defaults, `var_names="Gene"` and
//! `obs_names="CellID"` (loompy's conventions), then `var_names` /
//! `obs_names` (what `AnnData.write_loom` writes for an unnamed index),
//! else numbered from 0. Unlike `read_loom` a `spliced` layer does not
//! replace `/matrix` (ask for it with `layer`). Row and column attributes
//! are annotation columns for colour strips (`file.loom:col_attrs/Cluster`).
//! Streamed like any dense HDF5 dataset: only the touched chunks are read.

use std::path::Path;

use hdf5_pure::File;

use super::store::{h5err, DenseStore};
use super::{dtype_name, names, open_file, storage_of, H5Info, H5Matrix};
use crate::error::{Error, Result};
use crate::io::annotations::Annotation;

const FMT: &str = "loom";
const ROW_NAMES: [&str; 4] = ["Gene", "var_names", "gene_names", "Accession"];
const COL_NAMES: [&str; 3] = ["CellID", "obs_names", "cell_names"];

/// The datasets in group `g` of the file (none when it has no such group).
fn listed(path: &Path, file: &File, g: &str) -> Result<Vec<String>> {
    let (groups, _) = super::members(path, &file.root(), "/")?;
    if !groups.iter().any(|x| x == g) {
        return Ok(vec![]);
    }
    let grp = file.group(g).map_err(|e| h5err(path, g, e))?;
    Ok(super::members(path, &grp, g)?.1)
}

/// The attribute naming the rows (genes) or columns (cells), if any.
fn name_attr(path: &Path, file: &File, group: &str, candidates: &[&str]) -> Result<Option<String>> {
    let have = listed(path, file, group)?;
    Ok(candidates
        .iter()
        .find(|c| have.iter().any(|h| h == *c))
        .map(|c| format!("{group}/{c}")))
}

/// Opens the loom matrix (or `layers/NAME`).
pub(crate) fn open(path: &Path, opts: &crate::io::ReadOptions) -> Result<H5Matrix> {
    let file = open_file(path)?;
    let (_, root_ds) = super::members(path, &file.root(), "/")?;
    if !root_ds.iter().any(|d| d == "matrix") {
        return Err(Error::format(
            path,
            FMT,
            "no /matrix dataset: not a loom file (loom spec 3.0 keeps the main matrix in /matrix)",
        ));
    }
    let name = match &opts.layer {
        Some(l) => {
            let layers = listed(path, &file, "layers")?;
            super::layer_path(path, FMT, &layers, l)?
        }
        None => "matrix".to_string(),
    };
    let ds = file.dataset(&name).map_err(|e| h5err(path, &name, e))?;
    let dtype = ds.dtype().map_err(|e| h5err(path, &name, e))?;
    let storage = storage_of(&ds);
    let store = DenseStore::new(path, &name, ds)?;
    let (n_genes, n_cells) = store.shape;
    let rows = name_attr(path, &file, "row_attrs", &ROW_NAMES)?;
    let cols = name_attr(path, &file, "col_attrs", &COL_NAMES)?;
    let row_labels = match &rows {
        Some(p) => names(path, &file, p, n_genes)?,
        None => (0..n_genes).map(|i| i.to_string()).collect(),
    };
    let col_labels = match &cols {
        Some(p) => names(path, &file, p, n_cells)?,
        None => (0..n_cells).map(|i| i.to_string()).collect(),
    };
    Ok(H5Matrix {
        store: Box::new(store),
        row_labels,
        col_labels,
        // Stored genes x cells; read as cells x genes.
        transposed: !opts.transpose,
        info: H5Info {
            layout: format!("loom /{name} (genes x cells; read as cells x genes)"),
            dtype: dtype_name(&dtype),
            stored_shape: (n_genes, n_cells),
            nnz: None,
            storage,
            names: format!(
                "cells: {}, genes: {}",
                cols.as_deref().unwrap_or("numbered"),
                rows.as_deref().unwrap_or("numbered")
            ),
        },
    })
}

/// What `inspect` lists: the row and column attributes and the layers.
pub(crate) fn side_data(path: &Path) -> Result<Vec<String>> {
    let file = open_file(path)?;
    let show = |v: Vec<String>| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    Ok(vec![
        format!(
            "col_attrs (cells; FILE.loom:col_attrs/NAME): {}",
            show(listed(path, &file, "col_attrs")?)
        ),
        format!(
            "row_attrs (genes; FILE.loom:row_attrs/NAME): {}",
            show(listed(path, &file, "row_attrs")?)
        ),
        format!("layers: {}", show(listed(path, &file, "layers")?)),
    ])
}

/// One row or column attribute as an annotation, keyed by the gene or cell
/// names. `column` is `col_attrs/NAME`, `row_attrs/NAME`, or `NAME`
/// (looked up in col_attrs, then row_attrs).
///
/// Errors: no such attribute (listing them), none named.
pub(crate) fn read_annotation(path: &Path, column: Option<&str>) -> Result<Annotation> {
    let file = open_file(path)?;
    let col = listed(path, &file, "col_attrs")?;
    let row = listed(path, &file, "row_attrs")?;
    let list = || {
        format!(
            "col_attrs: {}; row_attrs: {}",
            col.join(", "),
            row.join(", ")
        )
    };
    let Some(column) = column else {
        return Err(Error::format(
            path,
            FMT,
            format!(
                "name the attribute: FILE.loom:col_attrs/NAME or FILE.loom:row_attrs/NAME ({})",
                list()
            ),
        ));
    };
    let (group, name) = match column.split_once('/') {
        Some((g @ ("col_attrs" | "row_attrs"), n)) => (g, n),
        _ if col.iter().any(|c| c == column) => ("col_attrs", column),
        _ if row.iter().any(|c| c == column) => ("row_attrs", column),
        _ => {
            return Err(Error::format(
                path,
                FMT,
                format!("no attribute '{column}' ({})", list()),
            ))
        }
    };
    let have = if group == "col_attrs" { &col } else { &row };
    if !have.iter().any(|c| c == name) {
        return Err(Error::format(
            path,
            FMT,
            format!("no attribute '{group}/{name}' ({})", list()),
        ));
    }
    let key_attr = if group == "col_attrs" {
        name_attr(path, &file, group, &COL_NAMES)?
    } else {
        name_attr(path, &file, group, &ROW_NAMES)?
    };
    let p = format!("{group}/{name}");
    let ds = file.dataset(&p).map_err(|e| h5err(path, &p, e))?;
    let values = super::text_values(path, &p, &ds)?;
    let keys = match key_attr {
        Some(k) => names(path, &file, &k, values.len())?,
        None => (0..values.len()).map(|i| i.to_string()).collect(),
    };
    Annotation::from_pairs(
        path,
        FMT,
        name.to_string(),
        keys.into_iter().zip(values),
        None,
        |i| format!("{p} entry {i}"),
    )
}
