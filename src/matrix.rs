//! The in-memory matrix: row labels, column labels, contiguous row-major
//! `f64` values. Every stage after I/O hands this (or a view of it) along.

use crate::error::{Error, Result};

/// A labelled dense matrix, row-major. Rows are observations (genes in the
/// seed data), columns are variables (samples).
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    rows: Vec<String>,
    cols: Vec<String>,
    values: Vec<f64>,
    /// Input positions of the rows when they are not `0..nrows` (after
    /// `top_variable` or a dropped row), so every export can name the
    /// row of the file.
    row_pos: Option<Vec<usize>>,
    /// Input positions of the columns, likewise.
    col_pos: Option<Vec<usize>>,
}

impl Matrix {
    /// Builds a matrix from its labels and `rows.len() × cols.len()`
    /// row-major values.
    ///
    /// Errors: [`Error::Invalid`] when the value count does not match.
    pub fn new(rows: Vec<String>, cols: Vec<String>, values: Vec<f64>) -> Result<Self> {
        if rows.len() * cols.len() != values.len() {
            return Err(Error::Invalid(format!(
                "matrix of {} rows x {} columns needs {} values, got {}",
                rows.len(),
                cols.len(),
                rows.len() * cols.len(),
                values.len()
            )));
        }
        Ok(Matrix {
            rows,
            cols,
            values,
            row_pos: None,
            col_pos: None,
        })
    }

    /// The row labels, column labels and row-major values, moved out
    /// (no copy): for a front end handing the values on as its own array.
    pub fn into_parts(self) -> (Vec<String>, Vec<String>, Vec<f64>) {
        (self.rows, self.cols, self.values)
    }

    /// The same matrix, its rows being input rows `positions` (length
    /// `nrows()`, one per row): what a reader that kept only some rows
    /// (the streamed `top_variable`) says.
    ///
    /// Errors: [`Error::Invalid`] when the length does not match.
    pub fn with_row_positions(mut self, positions: Vec<usize>) -> Result<Self> {
        if positions.len() != self.nrows() {
            return Err(Error::Invalid(format!(
                "{} row positions for {} rows",
                positions.len(),
                self.nrows()
            )));
        }
        self.row_pos = compose(None, &positions);
        Ok(self)
    }

    /// For each row, its 0-based position in the input as read (after
    /// `transpose`, before `top_variable` and dropped rows): `0..nrows()`
    /// unless rows were selected. Length `nrows()`.
    pub fn row_positions(&self) -> Vec<usize> {
        self.row_pos
            .clone()
            .unwrap_or_else(|| (0..self.nrows()).collect())
    }

    /// For each column, its 0-based position in the input as read.
    /// Length `ncols()`.
    pub fn col_positions(&self) -> Vec<usize> {
        self.col_pos
            .clone()
            .unwrap_or_else(|| (0..self.ncols()).collect())
    }

    /// A matrix with generated labels `r0..`, `c0..` (tests, benches).
    pub fn from_values(nrows: usize, ncols: usize, values: Vec<f64>) -> Result<Self> {
        let rows = (0..nrows).map(|i| format!("r{i}")).collect();
        let cols = (0..ncols).map(|j| format!("c{j}")).collect();
        Matrix::new(rows, cols, values)
    }

    /// Number of rows (observations).
    pub fn nrows(&self) -> usize {
        self.rows.len()
    }

    /// Number of columns (variables).
    pub fn ncols(&self) -> usize {
        self.cols.len()
    }

    /// The `nrows()` row labels.
    pub fn row_labels(&self) -> &[String] {
        &self.rows
    }

    /// The `ncols()` column labels.
    pub fn col_labels(&self) -> &[String] {
        &self.cols
    }

    /// All values, row-major (`nrows × ncols`).
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// All values, row-major, mutable (`nrows × ncols`).
    pub fn values_mut(&mut self) -> &mut [f64] {
        &mut self.values
    }

    /// Row `i` as a slice.
    pub fn row(&self, i: usize) -> &[f64] {
        let c = self.ncols();
        &self.values[i * c..(i + 1) * c]
    }

    /// The value at row `i`, column `j` (panics when out of range).
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.values[i * self.ncols() + j]
    }

    /// The transpose as a new matrix (one copy; cache-blocked so that tall
    /// matrices transpose at memory speed).
    pub fn transposed(&self) -> Matrix {
        let (r, c) = (self.nrows(), self.ncols());
        let mut out = vec![0.0; r * c];
        const B: usize = 32;
        for i0 in (0..r).step_by(B) {
            for j0 in (0..c).step_by(B) {
                for i in i0..(i0 + B).min(r) {
                    for j in j0..(j0 + B).min(c) {
                        out[j * r + i] = self.values[i * c + j];
                    }
                }
            }
        }
        Matrix {
            rows: self.cols.clone(),
            cols: self.rows.clone(),
            values: out,
            row_pos: self.col_pos.clone(),
            col_pos: self.row_pos.clone(),
        }
    }

    /// Keeps the rows at `idx`, in that order.
    pub fn select_rows(&self, idx: &[usize]) -> Matrix {
        let c = self.ncols();
        let mut values = Vec::with_capacity(idx.len() * c);
        for &i in idx {
            values.extend_from_slice(self.row(i));
        }
        Matrix {
            rows: idx.iter().map(|&i| self.rows[i].clone()).collect(),
            cols: self.cols.clone(),
            values,
            row_pos: compose(self.row_pos.as_deref(), idx),
            col_pos: self.col_pos.clone(),
        }
    }

    /// Keeps the columns at `idx`, in that order.
    pub fn select_cols(&self, idx: &[usize]) -> Matrix {
        let mut values = Vec::with_capacity(idx.len() * self.nrows());
        for i in 0..self.nrows() {
            let row = self.row(i);
            values.extend(idx.iter().map(|&j| row[j]));
        }
        Matrix {
            rows: self.rows.clone(),
            cols: idx.iter().map(|&j| self.cols[j].clone()).collect(),
            values,
            row_pos: self.row_pos.clone(),
            col_pos: compose(self.col_pos.as_deref(), idx),
        }
    }

    /// Indices of every row labelled `label` (duplicates are kept, never
    /// silently collapsed).
    pub fn find_rows(&self, label: &str) -> Vec<usize> {
        positions(&self.rows, label)
    }

    /// Indices of every column labelled `label`.
    pub fn find_cols(&self, label: &str) -> Vec<usize> {
        positions(&self.cols, label)
    }

    /// Labels that occur more than once, in first-seen order.
    pub fn duplicate_row_labels(&self) -> Vec<String> {
        duplicates(&self.rows)
    }

    /// The first cell that is NaN, with the total count of NaN cells.
    pub fn first_nan(&self) -> Option<((usize, usize), usize)> {
        let c = self.ncols().max(1);
        let mut first = None;
        let mut count = 0;
        for (k, v) in self.values.iter().enumerate() {
            if v.is_nan() {
                count += 1;
                first.get_or_insert((k / c, k % c));
            }
        }
        first.map(|f| (f, count))
    }

    /// True when any value is NaN.
    pub fn has_nan(&self) -> bool {
        self.values.iter().any(|v| v.is_nan())
    }
}

/// Input positions of the entries `idx` of an axis whose positions are
/// `pos` (`None`: the identity).
/// `None` when the result is `0..idx.len()`, so equal matrices compare
/// equal however they were selected.
fn compose(pos: Option<&[usize]>, idx: &[usize]) -> Option<Vec<usize>> {
    let out: Vec<usize> = match pos {
        Some(p) => idx.iter().map(|&i| p[i]).collect(),
        None => idx.to_vec(),
    };
    (!out.iter().enumerate().all(|(k, &i)| k == i)).then_some(out)
}

fn positions(labels: &[String], label: &str) -> Vec<usize> {
    labels
        .iter()
        .enumerate()
        .filter(|(_, l)| l.as_str() == label)
        .map(|(i, _)| i)
        .collect()
}

fn duplicates(labels: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashMap::new();
    let mut out = Vec::new();
    for l in labels {
        let c = seen.entry(l.as_str()).or_insert(0usize);
        *c += 1;
        if *c == 2 {
            out.push(l.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_follow_selection_and_transpose() {
        let m = Matrix::from_values(5, 3, (0..15).map(|v| v as f64).collect()).unwrap();
        assert_eq!(m.row_positions(), vec![0, 1, 2, 3, 4]);
        let s = m.select_rows(&[1, 3, 4]).select_rows(&[0, 2]);
        assert_eq!(s.row_positions(), vec![1, 4]);
        assert_eq!(s.row_labels(), ["r1", "r4"]);
        let t = s.select_cols(&[2, 0]).transposed();
        assert_eq!(
            (t.row_positions(), t.col_positions()),
            (vec![2, 0], vec![1, 4])
        );
        // Selecting everything in order is the identity: equal matrices.
        assert_eq!(m.select_rows(&[0, 1, 2, 3, 4]), m);
        assert!(m.clone().with_row_positions(vec![0]).is_err());
    }

    #[test]
    fn transpose_round_trips() {
        let m = Matrix::from_values(3, 70, (0..210).map(|v| v as f64).collect()).unwrap();
        let t = m.transposed();
        assert_eq!(t.nrows(), 70);
        assert_eq!(t.get(5, 2), m.get(2, 5));
        assert_eq!(t.transposed(), m);
    }

    #[test]
    fn duplicate_labels_are_reported_not_dropped() {
        let m = Matrix::new(
            vec!["a".into(), "b".into(), "a".into()],
            vec!["x".into()],
            vec![1.0, 2.0, 3.0],
        )
        .unwrap();
        assert_eq!(m.find_rows("a"), vec![0, 2]);
        assert_eq!(m.duplicate_row_labels(), vec!["a".to_string()]);
    }

    #[test]
    fn shape_mismatch_is_an_error() {
        assert!(Matrix::from_values(2, 2, vec![1.0; 3]).is_err());
    }
}
