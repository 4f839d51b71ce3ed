//! The two stored matrix layouts found in HDF5 files, as [`RowSource`]s:
//! a dense 2-D dataset, and a compressed sparse row matrix given by its
//! `data`, `indices` and `indptr` datasets (a CSC matrix is the CSR matrix
//! of its transpose, so the caller flips the orientation instead).
//! Both read only the rows asked for: dense by row windows, sparse by the
//! `indptr` range of those rows, densified one block at a time.

use std::path::{Path, PathBuf};

use hdf5_pure::Dataset;

use crate::error::{Error, Result};
use crate::io::rows::RowSource;

pub(crate) fn h5err(path: &Path, what: &str, e: impl Into<crate::error::Cause>) -> Error {
    Error::format_caused(path, "hdf5", what, e)
}

/// A dense 2-D dataset.
#[derive(Debug)]
pub(crate) struct DenseStore {
    pub path: PathBuf,
    pub name: String,
    pub ds: Dataset,
    pub shape: (usize, usize),
    pub chunk_rows: usize,
}

impl DenseStore {
    pub(crate) fn new(path: &Path, name: &str, ds: Dataset) -> Result<DenseStore> {
        let shape = ds.shape().map_err(|e| h5err(path, name, e))?;
        if shape.len() != 2 {
            return Err(Error::format(
                path,
                "hdf5",
                format!("{name} has {} dimensions; a matrix needs 2", shape.len()),
            ));
        }
        let chunk_rows = ds
            .chunk_shape()
            .ok()
            .flatten()
            .and_then(|c| c.first().copied())
            .unwrap_or(1) as usize;
        Ok(DenseStore {
            path: path.to_path_buf(),
            name: name.to_string(),
            ds,
            shape: (shape[0] as usize, shape[1] as usize),
            chunk_rows: chunk_rows.max(1),
        })
    }
}

impl RowSource for DenseStore {
    fn shape(&self) -> (usize, usize) {
        self.shape
    }

    fn fill_rows(&self, start: usize, count: usize, out: &mut [f64]) -> Result<()> {
        let m = self.shape.1;
        let step = self.block_rows();
        let mut done = 0;
        while done < count {
            let n = step.min(count - done);
            let v = self
                .ds
                .read_f64_rows((start + done) as u64, n as u64)
                .map_err(|e| h5err(&self.path, &self.name, e))?;
            if v.len() != n * m {
                return Err(Error::format(
                    &self.path,
                    "hdf5",
                    format!(
                        "{}: rows {}..{} gave {} values, expected {}: truncated file?",
                        self.name,
                        start + done,
                        start + done + n,
                        v.len(),
                        n * m
                    ),
                ));
            }
            out[done * m..(done + n) * m].copy_from_slice(&v);
            done += n;
        }
        Ok(())
    }

    /// Whole chunks, about 8 MiB of values.
    fn block_rows(&self) -> usize {
        let want = ((8 << 20) / (8 * self.shape.1.max(1))).max(1);
        want.div_ceil(self.chunk_rows) * self.chunk_rows
    }
}

/// A CSR matrix: row `i` holds `data[indptr[i]..indptr[i+1]]` at columns
/// `indices[...]`.
#[derive(Debug)]
pub(crate) struct CsrStore {
    pub path: PathBuf,
    pub name: String,
    pub data: Dataset,
    pub indices: Dataset,
    pub indptr: Vec<u64>,
    pub shape: (usize, usize),
}

impl CsrStore {
    /// Checks `indptr` against the shape and the data length.
    pub(crate) fn new(
        path: &Path,
        name: &str,
        data: Dataset,
        indices: Dataset,
        indptr: Dataset,
        shape: (usize, usize),
    ) -> Result<CsrStore> {
        let bad = |msg: String| Error::format(path, "hdf5", format!("{name}: {msg}"));
        let indptr = indptr
            .read_i64()
            .map_err(|e| h5err(path, &format!("{name}/indptr"), e))?;
        let nnz = data
            .shape()
            .map_err(|e| h5err(path, &format!("{name}/data"), e))?
            .first()
            .copied()
            .unwrap_or(0);
        let nnz_idx = indices
            .shape()
            .map_err(|e| h5err(path, &format!("{name}/indices"), e))?
            .first()
            .copied()
            .unwrap_or(0);
        if indptr.len() != shape.0 + 1 {
            return Err(bad(format!(
                "indptr has {} entries for {} rows (needs rows + 1)",
                indptr.len(),
                shape.0
            )));
        }
        if nnz != nnz_idx {
            return Err(bad(format!(
                "data has {nnz} values but indices has {nnz_idx}"
            )));
        }
        let mut prev = 0i64;
        for (i, &p) in indptr.iter().enumerate() {
            if p < prev || p as u64 > nnz || (i == 0 && p != 0) {
                return Err(bad(format!(
                    "indptr[{i}] = {p} is out of order or beyond the {nnz} stored values: corrupt file"
                )));
            }
            prev = p;
        }
        if *indptr.last().unwrap_or(&0) as u64 != nnz {
            return Err(bad(format!(
                "indptr ends at {} but {nnz} values are stored",
                indptr.last().unwrap_or(&0)
            )));
        }
        Ok(CsrStore {
            path: path.to_path_buf(),
            name: name.to_string(),
            data,
            indices,
            indptr: indptr.into_iter().map(|p| p as u64).collect(),
            shape,
        })
    }

    pub(crate) fn nnz(&self) -> u64 {
        *self.indptr.last().unwrap_or(&0)
    }
}

impl CsrStore {
    /// The stored values and column indices of rows `[start, start + count)`
    /// and the offset of the first (`indptr[start]`).
    fn stored(&self, start: usize, count: usize) -> Result<(Vec<f64>, Vec<i64>, u64)> {
        let (lo, hi) = (self.indptr[start], self.indptr[start + count]);
        if hi == lo {
            return Ok((vec![], vec![], lo));
        }
        let data = self
            .data
            .read_f64_rows(lo, hi - lo)
            .map_err(|e| h5err(&self.path, &format!("{}/data", self.name), e))?;
        let idx = self
            .indices
            .read_i64_rows(lo, hi - lo)
            .map_err(|e| h5err(&self.path, &format!("{}/indices", self.name), e))?;
        if data.len() as u64 != hi - lo || idx.len() as u64 != hi - lo {
            return Err(Error::format(
                &self.path,
                "hdf5",
                format!("{}: stored values end early: truncated file?", self.name),
            ));
        }
        Ok((data, idx, lo))
    }

    fn bad_index(&self, row: usize, j: i64) -> Error {
        Error::format(
            &self.path,
            "hdf5",
            format!(
                "{}: row {row} has column index {j}, outside 0..{}: corrupt file",
                self.name, self.shape.1
            ),
        )
    }
}

impl RowSource for CsrStore {
    fn shape(&self) -> (usize, usize) {
        self.shape
    }

    /// Only the chosen columns are written: each stored value is added to
    /// its column's place when that column is chosen, in stored order (the
    /// sums of duplicate entries as [`RowSource::fill_rows`] makes them).
    fn fill_rows_cols(
        &self,
        start: usize,
        count: usize,
        cols: &[usize],
        out: &mut [f64],
    ) -> Result<()> {
        let m = self.shape.1;
        let k = cols.len();
        // place[j]: the output positions of stored column j (a column may
        // be chosen twice).
        let mut place: Vec<Vec<usize>> = vec![Vec::new(); m];
        for (c, &j) in cols.iter().enumerate() {
            place[j].push(c);
        }
        out.fill(0.0);
        let (data, idx, lo) = self.stored(start, count)?;
        for r in 0..count {
            let (a, b) = (
                (self.indptr[start + r] - lo) as usize,
                (self.indptr[start + r + 1] - lo) as usize,
            );
            let row = &mut out[r * k..(r + 1) * k];
            for t in a..b {
                let j = idx[t];
                if j < 0 || j as usize >= m {
                    return Err(self.bad_index(start + r, j));
                }
                for &c in &place[j as usize] {
                    row[c] += data[t];
                }
            }
        }
        Ok(())
    }

    fn fill_rows(&self, start: usize, count: usize, out: &mut [f64]) -> Result<()> {
        let m = self.shape.1;
        out.fill(0.0);
        let (data, idx, lo) = self.stored(start, count)?;
        for r in 0..count {
            let (a, b) = (
                (self.indptr[start + r] - lo) as usize,
                (self.indptr[start + r + 1] - lo) as usize,
            );
            let row = &mut out[r * m..(r + 1) * m];
            for k in a..b {
                let j = idx[k];
                if j < 0 || j as usize >= m {
                    return Err(self.bad_index(start + r, j));
                }
                // Duplicate entries add up, as scipy.sparse does.
                row[j as usize] += data[k];
            }
        }
        Ok(())
    }
}
