//! 10x Genomics feature-barcode matrices (`filtered_feature_bc_matrix.h5`).
//! The file stores features x barcodes in CSC, which is the CSR matrix of
//! barcodes x features — cells x genes, the orientation scanpy's
//! `read_10x_h5` gives — so rows are read straight from `indptr` ranges.

use std::path::Path;

use hdf5_pure::File;

use super::store::{h5err, CsrStore};
use super::{dtype_name, names, storage_of, H5Info, H5Matrix};
use crate::error::{Error, Result};

/// The 10x matrix of `file`, or `None` when the file is not a 10x file.
/// `genome` (the `dataset` read option) picks one genome group of a Cell
/// Ranger 2 file holding several; without it such a file is refused,
/// listing them. A `genome` that is no genome group gives `None` (it may
/// be a plain dataset).
pub fn detect(
    path: &Path,
    file: &File,
    transpose: bool,
    genome: Option<&str>,
) -> Result<Option<H5Matrix>> {
    let root = file.root();
    let (groups, _) = super::members(path, &root, "/")?;
    if genome.is_none() && groups.iter().any(|g| g == "matrix") {
        let g = file.group("matrix").map_err(|e| h5err(path, "matrix", e))?;
        let (sub, ds) = super::members(path, &g, "matrix")?;
        if ds.iter().any(|d| d == "indptr") && ds.iter().any(|d| d == "barcodes") {
            let feature = if sub.iter().any(|x| x == "features") {
                "matrix/features/name"
            } else {
                return Err(Error::format(
                    path,
                    "10x-h5",
                    "matrix/ has no features/ group: unsupported 10x layout (expected Cell Ranger 3 or later)",
                ));
            };
            return open(path, file, "matrix", feature, "10x Genomics v3", transpose).map(Some);
        }
    }
    // Cell Ranger 2: one group per genome holding genes/gene_names.
    let genomes = genomes(path, file)?;
    let g = match (genome, genomes.as_slice()) {
        (_, []) => return Ok(None),
        (Some(want), _) => match genomes.iter().find(|g| g.trim_matches('/') == want.trim_matches('/')) {
            Some(g) => g,
            None => return Ok(None),
        },
        (None, [one]) => one,
        (None, many) => {
            return Err(Error::format(
                path,
                "10x-h5",
                format!(
                    "a Cell Ranger 2 file with {} genomes ({}); choose one with the dataset read option, e.g. {}",
                    many.len(),
                    many.join(", "),
                    crate::error::hint("dataset", &many[0])
                ),
            ))
        }
    };
    let genes = format!("{g}/gene_names");
    open(path, file, g, &genes, "10x Genomics v2", transpose).map(Some)
}

/// The genome groups of a Cell Ranger 2 file, for messages and `inspect`.
fn genomes(path: &Path, file: &File) -> Result<Vec<String>> {
    let (groups, _) = super::members(path, &file.root(), "/")?;
    let mut out = Vec::new();
    for g in &groups {
        let grp = file.group(g).map_err(|e| h5err(path, g, e))?;
        let (_, ds) = super::members(path, &grp, g)?;
        if ["indptr", "barcodes", "gene_names"]
            .iter()
            .all(|n| ds.iter().any(|d| d == n))
        {
            out.push(g.clone());
        }
    }
    Ok(out)
}

fn open(
    path: &Path,
    file: &File,
    group: &str,
    feature_names: &str,
    layout: &str,
    transpose: bool,
) -> Result<H5Matrix> {
    let ds = |n: &str| {
        let p = format!("{group}/{n}");
        file.dataset(&p).map_err(|e| h5err(path, &p, e))
    };
    let shape = ds("shape")?
        .read_i64()
        .map_err(|e| h5err(path, &format!("{group}/shape"), e))?;
    let [n_features, n_barcodes] = shape[..] else {
        return Err(Error::format(
            path,
            "10x-h5",
            format!("{group}/shape holds {} numbers, expected 2", shape.len()),
        ));
    };
    if n_features < 0 || n_barcodes < 0 {
        return Err(Error::format(
            path,
            "10x-h5",
            "negative matrix shape: corrupt file",
        ));
    }
    let (n_features, n_barcodes) = (n_features as usize, n_barcodes as usize);
    let data = ds("data")?;
    let dtype = data.dtype().map_err(|e| h5err(path, "data", e))?;
    let storage = storage_of(&data);
    let store = CsrStore::new(
        path,
        group,
        data,
        ds("indices")?,
        ds("indptr")?,
        (n_barcodes, n_features),
    )?;
    let nnz = store.nnz();
    let barcodes = names(path, file, &format!("{group}/barcodes"), n_barcodes)?;
    let features = names(path, file, feature_names, n_features)?;
    Ok(H5Matrix {
        store: Box::new(store),
        row_labels: barcodes,
        col_labels: features,
        transposed: transpose,
        info: H5Info {
            layout: format!("{layout} (features x barcodes, CSC; read as barcodes x features)"),
            dtype: dtype_name(&dtype),
            stored_shape: (n_features, n_barcodes),
            nnz: Some(nnz),
            storage,
            names: format!("barcodes: {group}/barcodes, features: {feature_names}"),
        },
    })
}
