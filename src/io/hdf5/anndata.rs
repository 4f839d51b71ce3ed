//! AnnData `.h5ad` files as written by anndata ≥ 0.7 (encoding-type
//! attributes): `X` or `layers/NAME` dense or CSR/CSC, observation and
//! variable names from the `_index` column of `obs` and `var`, and `obs` /
//! `var` columns (categorical, string, numeric, boolean) as annotations for
//! colour strips. Older files (obs/var as compound datasets) are refused
//! with what to do.

use std::path::Path;

use hdf5_pure::{File, Group};

use super::store::{h5err, CsrStore, DenseStore};
use super::{attr_ints, attr_str, dtype_name, open_file, storage_of, H5Info, H5Matrix};
use crate::error::{Error, Result};
use crate::io::annotations::Annotation;

const FMT: &str = "h5ad";

pub fn is_anndata(path: &Path, file: &File) -> Result<bool> {
    let root = file.root();
    if let Ok(a) = root.attrs() {
        if a.get("encoding-type").and_then(attr_str).as_deref() == Some("anndata") {
            return Ok(true);
        }
    }
    let all = super::children(path, &root, "/")?;
    let has = |n: &str| all.iter().any(|x| x == n);
    Ok(has("X") && has("obs"))
}

fn old_layout(path: &Path, file: &File) -> Result<()> {
    let (_, d) = super::members(path, &file.root(), "/")?;
    if d.iter().any(|x| x == "obs" || x == "var") {
        return Err(Error::format(
            path,
            FMT,
            "unsupported layout: obs/var are compound datasets (written by anndata < 0.7); re-save it with a current anndata: anndata.read_h5ad(f).write_h5ad(f)",
        ));
    }
    Ok(())
}

/// The index (names) of the `obs` or `var` dataframe.
/// The dataset holding a dataframe's index (its `_index` attribute).
fn index_name(g: &Group) -> String {
    g.attrs()
        .ok()
        .and_then(|a| a.get("_index").and_then(attr_str))
        .unwrap_or_else(|| "_index".into())
}

fn index_of(path: &Path, file: &File, frame: &str) -> Result<Vec<String>> {
    let g = file
        .group(frame)
        .map_err(|e| h5err(path, &format!("{frame} (AnnData dataframe)"), e))?;
    let name = format!("{frame}/{}", index_name(&g));
    let ds = file.dataset(&name).map_err(|e| h5err(path, &name, e))?;
    ds.read_string().map_err(|e| h5err(path, &name, e))
}

pub fn open(path: &Path, file: &File, opts: &crate::io::ReadOptions) -> Result<H5Matrix> {
    old_layout(path, file)?;
    let x = match &opts.layer {
        Some(l) => {
            let layers = if super::children(path, &file.root(), "/")?
                .iter()
                .any(|x| x == "layers")
            {
                let g = file.group("layers").map_err(|e| h5err(path, "layers", e))?;
                super::children(path, &g, "layers")?
            } else {
                vec![]
            };
            super::layer_path(path, FMT, &layers, l)?
        }
        None => "X".to_string(),
    };
    let obs = index_of(path, file, "obs")?;
    let var = index_of(path, file, "var")?;
    let root = file.root();
    let is_dense = match x.split_once('/') {
        Some((g, name)) => {
            let grp = file.group(g).map_err(|e| h5err(path, g, e))?;
            super::members(path, &grp, g)?.1.iter().any(|d| d == name)
        }
        None => super::members(path, &root, "/")?.1.iter().any(|d| d == &x),
    };
    if is_dense {
        let ds = file.dataset(&x).map_err(|e| h5err(path, &x, e))?;
        let dtype = ds.dtype().map_err(|e| h5err(path, &x, e))?;
        let storage = storage_of(&ds);
        let store = DenseStore::new(path, &x, ds)?;
        check_shape(path, &x, store.shape, (obs.len(), var.len()))?;
        return Ok(H5Matrix {
            info: H5Info {
                layout: format!("AnnData {x} dense (obs x var)"),
                dtype: dtype_name(&dtype),
                stored_shape: store.shape,
                nnz: None,
                storage,
                names: "obs and var indexes".into(),
            },
            store: Box::new(store),
            row_labels: obs,
            col_labels: var,
            transposed: opts.transpose,
        });
    }
    let g = file.group(&x).map_err(|e| h5err(path, &x, e))?;
    sparse(path, file, &g, &x, obs, var, opts.transpose)
}

fn check_shape(path: &Path, x: &str, got: (usize, usize), want: (usize, usize)) -> Result<()> {
    if got != want {
        return Err(Error::format(
            path,
            FMT,
            format!(
                "{x} is {}x{} but obs/var name {} x {} entries",
                got.0, got.1, want.0, want.1
            ),
        ));
    }
    Ok(())
}

fn sparse(
    path: &Path,
    file: &File,
    g: &Group,
    x: &str,
    obs: Vec<String>,
    var: Vec<String>,
    transpose: bool,
) -> Result<H5Matrix> {
    let attrs = g.attrs().map_err(|e| h5err(path, x, e))?;
    // anndata ≥ 0.7 writes encoding-type; 0.6-era sparse groups used h5sparse_*.
    let kind = attrs
        .get("encoding-type")
        .and_then(attr_str)
        .or_else(|| {
            attrs
                .get("h5sparse_format")
                .and_then(attr_str)
                .map(|f| format!("{f}_matrix"))
        })
        .unwrap_or_default();
    let shape = attrs
        .get("shape")
        .or_else(|| attrs.get("h5sparse_shape"))
        .and_then(attr_ints)
        .filter(|s| s.len() == 2 && s.iter().all(|&v| v >= 0))
        .ok_or_else(|| Error::format(path, FMT, format!("{x} has no valid 'shape' attribute")))?;
    let (n_obs, n_var) = (shape[0] as usize, shape[1] as usize);
    check_shape(path, x, (n_obs, n_var), (obs.len(), var.len()))?;
    let ds = |n: &str| {
        let p = format!("{x}/{n}");
        file.dataset(&p).map_err(|e| h5err(path, &p, e))
    };
    let data = ds("data")?;
    let dtype = data.dtype().map_err(|e| h5err(path, x, e))?;
    let storage = storage_of(&data);
    let (store_shape, csc) = match kind.as_str() {
        "csr_matrix" => ((n_obs, n_var), false),
        "csc_matrix" => ((n_var, n_obs), true),
        other => {
            return Err(Error::format(
                path,
                FMT,
                format!(
                    "unsupported layout: {x} is a group of encoding '{}' (expected a dense array, csr_matrix or csc_matrix)",
                    if other.is_empty() { "unknown" } else { other }
                ),
            ))
        }
    };
    let store = CsrStore::new(path, x, data, ds("indices")?, ds("indptr")?, store_shape)?;
    let nnz = store.nnz();
    let (rows, cols) = if csc { (var, obs) } else { (obs, var) };
    Ok(H5Matrix {
        store: Box::new(store),
        row_labels: rows,
        col_labels: cols,
        // A CSC store holds var x obs: the obs x var matrix is its transpose.
        transposed: transpose != csc,
        info: H5Info {
            layout: format!("AnnData {x} {kind} (obs x var)"),
            dtype: dtype_name(&dtype),
            stored_shape: (n_obs, n_var),
            nnz: Some(nnz),
            storage,
            names: "obs and var indexes".into(),
        },
    })
}

/// The columns of the `obs` or `var` dataframe (not its index, nor
/// anndata's private members such as `__categories`).
pub(crate) fn frame_columns(path: &Path, file: &File, frame: &str) -> Result<Vec<String>> {
    let g = file.group(frame).map_err(|e| h5err(path, frame, e))?;
    let index = index_name(&g);
    Ok(super::children(path, &g, frame)?
        .into_iter()
        .filter(|c| *c != index && !c.starts_with("__"))
        .collect())
}

/// A list for a message: every name up to 20, then how many more.
fn shown_list(names: &[String]) -> String {
    match names.len() {
        0 => "none".into(),
        n if n <= 20 => names.join(", "),
        n => format!("{}, … ({n} in all)", names[..20].join(", ")),
    }
}

/// One `obs` or `var` column of an `.h5ad` as an annotation keyed by the
/// dataframe's index. `column` is `obs/NAME`, `var/NAME`, or `NAME` (looked
/// up in obs, then var).
pub fn read_annotation(path: &Path, column: Option<&str>) -> Result<Annotation> {
    let file = open_file(path)?;
    old_layout(path, &file)?;
    let listing = || -> Result<String> {
        Ok(format!(
            "obs columns: {}; var columns: {}",
            shown_list(&frame_columns(path, &file, "obs")?),
            shown_list(&frame_columns(path, &file, "var")?)
        ))
    };
    let Some(column) = column else {
        return Err(Error::format(
            path,
            FMT,
            format!(
                "name the column: FILE.h5ad:obs/COLUMN or FILE.h5ad:var/COLUMN ({})",
                listing()?
            ),
        ));
    };
    let (frame, name) = match column.split_once('/') {
        Some((f @ ("obs" | "var"), n)) => (f.to_string(), n.to_string()),
        _ => {
            let in_frame = |f: &str| -> Result<bool> {
                let g = file.group(f).map_err(|e| h5err(path, f, e))?;
                Ok(super::children(path, &g, f)?.iter().any(|x| x == column))
            };
            let f = if in_frame("obs")? {
                "obs"
            } else if in_frame("var")? {
                "var"
            } else {
                return Err(Error::format(
                    path,
                    FMT,
                    format!("no column '{column}' in obs or var ({})", listing()?),
                ));
            };
            (f.to_string(), column.to_string())
        }
    };
    let columns = frame_columns(path, &file, &frame)?;
    if !columns.contains(&name) {
        return Err(Error::format(
            path,
            FMT,
            format!(
                "no column '{name}' in {frame} ({frame} columns: {})",
                shown_list(&columns)
            ),
        ));
    }
    let index = index_of(path, &file, &frame)?;
    let p = format!("{frame}/{name}");
    let g = file.group(&frame).map_err(|e| h5err(path, &frame, e))?;
    let (values, categories) = if super::members(path, &g, &frame)?
        .0
        .iter()
        .any(|x| x == &name)
    {
        categorical(path, &file, &p)?
    } else {
        let ds = file.dataset(&p).map_err(|e| h5err(path, &p, e))?;
        let is_bool = matches!(ds.dtype(), Ok(hdf5_pure::DType::Enum(_)));
        let v: Vec<Option<String>> = if is_bool {
            ds.read_i64()
                .map_err(|e| h5err(path, &p, e))?
                .into_iter()
                .map(|x| Some(if x != 0 { "True" } else { "False" }.to_string()))
                .collect()
        } else {
            super::text_values(path, &p, &ds)?
        };
        (v, None)
    };
    if values.len() != index.len() {
        return Err(Error::format(
            path,
            FMT,
            format!("{p} has {} entries for {} names", values.len(), index.len()),
        ));
    }
    let index_place = format!("{frame} index entry");
    let mut a = Annotation::from_pairs(
        path,
        FMT,
        name.clone(),
        index.into_iter().zip(values),
        categories,
        |i| format!("{index_place} {i}"),
    )?;
    // scanpy keeps a categorical's colours in uns/<column>_colors, one per
    // category: the user's UMAP colours, used when they fit.
    let uns = format!("uns/{name}_colors");
    if let Ok(colors) = file.dataset(&uns).and_then(|d| d.read_string()) {
        if colors.len() == a.categories.len() {
            a.colors = Some(colors);
        }
    }
    Ok(a)
}

/// A categorical `obs`/`var` column of an `.h5ad` as stored: one code per
/// entry of the frame's index (in file order), into `categories`; a code
/// outside `0..categories.len()` (pandas' −1) is missing.
#[derive(Debug, Clone)]
pub struct CategoricalColumn {
    /// The column's name (without `obs/`).
    pub name: String,
    /// The frame's index, file order (the matrix's rows for `obs`).
    pub index: Vec<String>,
    /// One code per index entry.
    pub codes: Vec<i64>,
    /// The categories, in the categorical's own order.
    pub categories: Vec<String>,
    /// `uns/<name>_colors` when it has one colour per category.
    pub colors: Option<Vec<String>>,
}

/// The column `spec` (`obs/NAME` or `var/NAME`) of an `.h5ad` as codes, by
/// position: what grouping a million cells needs without a map keyed by
/// cell name. `None` when the column is not a pandas categorical (or not
/// there: [`read_annotation`] then says what is wrong).
///
/// Errors: the file or the column's datasets cannot be read.
pub fn read_categorical_codes(path: &Path, spec: &str) -> Result<Option<CategoricalColumn>> {
    let Some((frame @ ("obs" | "var"), name)) = spec.split_once('/') else {
        return Ok(None);
    };
    let file = open_file(path)?;
    old_layout(path, &file)?;
    let g = file.group(frame).map_err(|e| h5err(path, frame, e))?;
    if !super::members(path, &g, frame)?.0.iter().any(|x| x == name) {
        return Ok(None);
    }
    let p = format!("{frame}/{name}");
    let read = |what: &str| -> Result<hdf5_pure::Dataset> {
        let q = format!("{p}/{what}");
        file.dataset(&q).map_err(|e| h5err(path, &q, e))
    };
    let categories = read("categories")?
        .read_string()
        .map_err(|e| h5err(path, &p, e))?;
    let codes = read("codes")?.read_i64().map_err(|e| h5err(path, &p, e))?;
    let index = index_of(path, &file, frame)?;
    if codes.len() != index.len() {
        return Ok(None);
    }
    let colors = file
        .dataset(&format!("uns/{name}_colors"))
        .and_then(|d| d.read_string())
        .ok()
        .filter(|c| c.len() == categories.len());
    Ok(Some(CategoricalColumn {
        name: name.to_string(),
        index,
        codes,
        categories,
        colors,
    }))
}

/// A pandas categorical: `codes` into `categories`, -1 = missing.
#[allow(clippy::type_complexity)]
fn categorical(
    path: &Path,
    file: &File,
    p: &str,
) -> Result<(Vec<Option<String>>, Option<Vec<String>>)> {
    let cats_p = format!("{p}/categories");
    let codes_p = format!("{p}/codes");
    let cats = file
        .dataset(&cats_p)
        .and_then(|d| d.read_string())
        .map_err(|e| h5err(path, &cats_p, e))?;
    let codes = file
        .dataset(&codes_p)
        .and_then(|d| d.read_i64())
        .map_err(|e| h5err(path, &codes_p, e))?;
    let values = codes
        .into_iter()
        .map(|c| usize::try_from(c).ok().and_then(|c| cats.get(c)).cloned())
        .collect();
    Ok((values, Some(cats)))
}
