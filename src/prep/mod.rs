//! Preprocessing with seaborn's semantics: log transforms, top-N variable
//! rows, z-scoring and standard scaling (per row or per column), and the
//! missing-value policy. Every step works in place on the one working copy.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::matrix::Matrix;

mod spread;
pub(crate) use spread::scale_exponent;
pub use spread::Spread;

/// Rows or columns.
///
/// Written `rows`/`cols` (also `row`, `col`, `columns`), or seaborn's and
/// numpy's axis numbers `0`/`1`, on the command line and in a config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Axis {
    /// Each row is one vector (axis 0 in seaborn's `z_score`).
    Rows,
    /// Each column is one vector (axis 1).
    Cols,
}

impl<'de> serde::Deserialize<'de> for Axis {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(i64),
            S(String),
        }
        match <Raw as serde::Deserialize>::deserialize(d)? {
            Raw::N(n) => n.to_string(),
            Raw::S(s) => s,
        }
        .parse()
        .map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Axis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Axis::Rows => "rows",
            Axis::Cols => "cols",
        })
    }
}

impl FromStr for Axis {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            // scanpy's `standard_scale` words: "group" scales each group
            // (a row of a matrixplot), "var" each gene (a column).
            "rows" | "row" | "0" | "group" => Ok(Axis::Rows),
            "cols" | "columns" | "col" | "1" | "var" => Ok(Axis::Cols),
            _ => Err(format!("unknown axis '{s}' (expected rows or cols)")),
        }
    }
}

/// Applies `f` to every row (`Axis::Rows`) or column of `m` as a vector.
fn for_each_line(m: &mut Matrix, axis: Axis, mut f: impl FnMut(&mut [f64])) {
    let (r, c) = (m.nrows(), m.ncols());
    match axis {
        Axis::Rows => m.values_mut().chunks_mut(c.max(1)).for_each(f),
        Axis::Cols => {
            let mut buf = vec![0.0; r];
            let v = m.values_mut();
            for j in 0..c {
                for i in 0..r {
                    buf[i] = v[i * c + j];
                }
                f(&mut buf);
                for i in 0..r {
                    v[i * c + j] = buf[i];
                }
            }
        }
    }
}

/// Mean and sample standard deviation (ddof = 1) of the non-NaN values.
fn mean_std(x: &[f64]) -> (f64, f64) {
    let vals = x.iter().filter(|v| !v.is_nan());
    let (s, k) = vals.clone().fold((0.0, 0usize), |(s, k), v| (s + v, k + 1));
    if k == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = s / k as f64;
    let ss: f64 = vals.map(|v| (v - mean) * (v - mean)).sum();
    (mean, std_from(ss, k))
}

/// The mean from a sum of `k` values added in order from 0.0. Readers that
/// stream columns accumulate the same sums so their statistics are
/// bit-identical to [`row_variances`] on the materialised matrix.
pub(crate) fn mean_from(sum: f64, k: usize) -> f64 {
    if k == 0 {
        f64::NAN
    } else {
        sum / k as f64
    }
}

/// Sample standard deviation from the sum of squared deviations of `k` values.
pub(crate) fn std_from(ss: f64, k: usize) -> f64 {
    if k > 1 {
        (ss / (k - 1) as f64).sqrt()
    } else {
        f64::NAN
    }
}

/// Sample variance (ddof = 1) exactly as [`row_variances`] computes it.
pub(crate) fn variance_from(ss: f64, k: usize) -> f64 {
    std_from(ss, k).powi(2)
}

/// seaborn's `z_score`: `(x - mean) / std` along `axis` (pandas std, ddof=1).
pub fn z_score(m: &mut Matrix, axis: Axis) {
    for_each_line(m, axis, |line| {
        // z is scale-free: an exact power of two keeps squares finite.
        let s = crate::dtype::pow2_scale(line);
        if s != 1.0 {
            line.iter_mut().for_each(|v| *v *= s);
        }
        let (mean, std) = mean_std(line);
        line.iter_mut().for_each(|v| *v = (*v - mean) / std);
    });
}

/// seaborn's `standard_scale`: `(x - min) / (max - min)` along `axis`.
pub fn standard_scale(m: &mut Matrix, axis: Axis) {
    for_each_line(m, axis, |line| {
        // Scale-free: an exact power of two keeps max - min finite.
        let s = crate::dtype::pow2_scale(line);
        if s != 1.0 {
            line.iter_mut().for_each(|v| *v *= s);
        }
        let min = line
            .iter()
            .copied()
            .filter(|v| !v.is_nan())
            .fold(f64::INFINITY, f64::min);
        let max = line
            .iter()
            .copied()
            .filter(|v| !v.is_nan())
            .fold(f64::NEG_INFINITY, f64::max);
        line.iter_mut().for_each(|v| *v = (*v - min) / (max - min));
    });
}

/// `ln(1 + x)`.
pub fn log1p(m: &mut Matrix) {
    m.values_mut().iter_mut().for_each(|v| *v = v.ln_1p());
}

/// `log2(1 + x)`.
pub fn log2p1(m: &mut Matrix) {
    m.values_mut()
        .iter_mut()
        .for_each(|v| *v = v.ln_1p() / std::f64::consts::LN_2);
}

/// Sample variance (ddof = 1) of each row, ignoring NaN, as a [`Spread`]
/// (exact where the variance itself would overflow or underflow).
pub fn row_spreads(m: &Matrix) -> Vec<Spread> {
    (0..m.nrows()).map(|i| Spread::of(m.row(i))).collect()
}

/// Sample variance (ddof = 1) of one line, ignoring NaN.
pub fn variance(x: &[f64]) -> f64 {
    mean_std(x).1.powi(2)
}

/// Keeps the `n` rows of highest variance, in their original order. Ties
/// are broken by row position (earlier wins); NaN variances rank last.
/// Variances are compared exactly even where they leave `f64`'s range
/// ([`Spread`]): a row of `1e200`s outranks one of `1e199`s, where numpy's
/// `var` gives `inf` for both.
pub fn top_variable(m: &Matrix, n: usize) -> Matrix {
    if n >= m.nrows() {
        return m.clone();
    }
    m.select_rows(&top_indices(&row_spreads(m), n))
}

/// The positions of the `n` largest spreads, ascending (the ranking of
/// [`top_variable`], shared with the streaming readers).
pub(crate) fn top_indices(var: &[Spread], n: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..var.len()).collect();
    idx.sort_by(|&a, &b| Spread::rank(var[a], var[b]).then(a.cmp(&b)));
    let mut keep = idx[..n.min(var.len())].to_vec();
    keep.sort_unstable();
    keep
}

/// Refuses ±Inf anywhere, and NaN unless `allow_nan`: the error names the
/// first offending cell and how many there are.
pub fn check_finite(m: &Matrix, source: &str, allow_nan: bool) -> Result<()> {
    // The common case first: one branch-free (vectorised) pass over blocks
    // on every thread; the cell-by-cell search only when it fails.
    use rayon::prelude::*;
    let clean = |b: &[f64]| {
        if allow_nan {
            b.iter().fold(true, |ok, v| ok & (v.abs() != f64::INFINITY))
        } else {
            b.iter().fold(true, |ok, v| ok & v.is_finite())
        }
    };
    if m.values().par_chunks(1 << 16).all(clean) {
        return Ok(());
    }
    let c = m.ncols().max(1);
    let mut first_inf = None;
    let mut n_inf = 0;
    for (k, v) in m.values().iter().enumerate() {
        if v.is_infinite() {
            n_inf += 1;
            first_inf.get_or_insert(k);
        }
    }
    if let Some(k) = first_inf {
        return Err(cell_error(m, source, k / c, k % c, format!(
            "value is {} ({n_inf} infinite cell(s) in total); infinite values cannot be coloured or clustered: fix or remove them",
            m.values()[k]
        )));
    }
    if !allow_nan {
        if let Some(((i, j), count)) = m.first_nan() {
            return Err(cell_error(m, source, i, j, format!(
                "value is missing ({count} missing cell(s) in total); clustering and correlation need complete data: impute or drop them, or use {} for correlations",
                crate::error::hint("missing", "pairwise")
            )));
        }
    }
    Ok(())
}

fn cell_error(m: &Matrix, source: &str, i: usize, j: usize, message: String) -> Error {
    Error::Cell {
        path: source.into(),
        row: m.row_labels()[i].clone(),
        column: m.col_labels()[j].clone(),
        message,
    }
}

/// Drops rows whose variance is zero (or undefined). Returns the kept
/// rows — `None` when nothing was dropped, so no copy of a large matrix is
/// made — and the labels dropped, for the caller's warning.
pub fn drop_constant_rows(m: &Matrix) -> (Option<Matrix>, Vec<String>) {
    let (kept, dropped, _) = drop_rows(m, Undefined::ZeroVariance);
    (kept, dropped)
}

/// The rows on which a metric or a correlation is undefined: each has its
/// own rule (scipy's `correlation` distance divides by the centred norm,
/// `cosine` by the plain norm).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undefined {
    /// All values equal (or none): Pearson correlation, `correlation`
    /// distance.
    ZeroVariance,
    /// All values zero (or none): `cosine` distance. A constant non-zero
    /// row is fine (scipy clusters `5, 5, 5` with `4, 4, 5`).
    ZeroNorm,
}

impl Undefined {
    /// True when `row` (NaN ignored) is one this rule refuses.
    pub fn of(self, row: &[f64]) -> bool {
        let mut vals = row.iter().copied().filter(|v| !v.is_nan());
        match self {
            Undefined::ZeroVariance => match vals.next() {
                None => true,
                Some(f) => vals.all(|v| v == f),
            },
            Undefined::ZeroNorm => vals.all(|v| v == 0.0),
        }
    }

    /// How a warning describes such rows: `without variance`, `of zero norm`.
    pub fn describe(self) -> &'static str {
        match self {
            Undefined::ZeroVariance => "without variance",
            Undefined::ZeroNorm => "of zero norm",
        }
    }
}

/// Drops the rows `rule` refuses; returns the rest (`None` when none was
/// dropped, so no copy is made), the dropped rows' labels, and the
/// positions in `m` of the rows kept (what exports report, so an index
/// always refers to the input).
pub fn drop_rows(m: &Matrix, rule: Undefined) -> (Option<Matrix>, Vec<String>, Vec<usize>) {
    let mut keep = Vec::with_capacity(m.nrows());
    let mut dropped = Vec::new();
    for i in 0..m.nrows() {
        if rule.of(m.row(i)) {
            dropped.push(m.row_labels()[i].clone());
        } else {
            keep.push(i);
        }
    }
    if dropped.is_empty() {
        (None, dropped, keep)
    } else {
        (Some(m.select_rows(&keep)), dropped, keep)
    }
}

/// All preprocessing options, applied in a fixed order: log, top-N,
/// then z-score or standard-scale.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prep {
    /// Replace every value `x` by `ln(1 + x)` (numpy's `log1p`) first.
    #[serde(default)]
    pub log1p: bool,
    /// Replace every value `x` by `log2(1 + x)` first (exclusive with `log1p`).
    #[serde(default)]
    pub log2p1: bool,
    /// Keep the `N` rows of highest sample variance (ddof = 1, NaN ignored),
    /// in their original order ([`top_variable`]).
    pub top_variable: Option<usize>,
    /// seaborn's `z_score` along an axis ([`z_score`]).
    pub z_score: Option<Axis>,
    /// seaborn's `standard_scale` along an axis ([`standard_scale`]);
    /// exclusive with `z_score`.
    pub standard_scale: Option<Axis>,
}

impl Prep {
    /// The element-wise log transform asked for, if any (applied before
    /// the top-N selection, so streaming readers apply it while reading).
    pub fn value_transform(&self) -> Option<fn(f64) -> f64> {
        // A value at or below -1 becomes -inf, the mark
        // [`check_transformed`](Self::check_transformed) reports (a read
        // input never holds -inf: it is refused as not finite).
        if self.log1p {
            Some(|v: f64| {
                if v <= -1.0 {
                    f64::NEG_INFINITY
                } else {
                    v.ln_1p()
                }
            })
        } else if self.log2p1 {
            Some(|v: f64| {
                if v <= -1.0 {
                    f64::NEG_INFINITY
                } else {
                    v.ln_1p() / std::f64::consts::LN_2
                }
            })
        } else {
            None
        }
    }

    /// Refuses `z_score` / `standard_scale` of `m` where a row or column
    /// has no variance (its scaled values would be undefined, NaN), naming
    /// the transform and the lines — for consumers that cannot take NaN
    /// (clustering, complete correlation), so the error blames the
    /// transform rather than reporting a missing input value.
    ///
    /// Errors: [`Error::Invalid`].
    pub fn check_scaling(&self, m: &Matrix) -> Result<()> {
        let (key, axis) = match (self.z_score, self.standard_scale) {
            (Some(a), _) => ("z_score", a),
            (None, Some(a)) => ("standard_scale", a),
            (None, None) => return Ok(()),
        };
        let lines = match axis {
            Axis::Rows => std::borrow::Cow::Borrowed(m),
            Axis::Cols => std::borrow::Cow::Owned(m.transposed()),
        };
        let bad: Vec<&str> = (0..lines.nrows())
            .filter(|&i| Undefined::ZeroVariance.of(lines.row(i)))
            .filter(|&i| !lines.row(i).iter().all(|v| v.is_nan()))
            .map(|i| lines.row_labels()[i].as_str())
            .collect();
        if bad.is_empty() {
            return Ok(());
        }
        let what = match axis {
            Axis::Rows => "rows",
            Axis::Cols => "columns",
        };
        Err(Error::Invalid(format!(
            "{}: {} {what} have no variance, so their scaled values are undefined (NaN): {}{}; drop them or leave out {}",
            crate::error::key_and_flag(key),
            bad.len(),
            bad.iter().take(10).copied().collect::<Vec<_>>().join(", "),
            if bad.len() > 10 { ", …" } else { "" },
            crate::error::key_and_flag(key)
        )))
    }

    /// After a reader applied [`value_transform`](Self::value_transform)
    /// while streaming: a value outside the log's domain is reported as
    /// the transform's fault, naming the row and column.
    ///
    /// Errors: [`Error::Invalid`].
    pub fn check_transformed(&self, m: &Matrix) -> Result<()> {
        let name = match (self.log1p, self.log2p1) {
            (true, _) => "log1p",
            (_, true) => "log2p1",
            _ => return Ok(()),
        };
        if let Some(k) = m.values().iter().position(|&v| v == f64::NEG_INFINITY) {
            let (i, j) = (k / m.ncols().max(1), k % m.ncols().max(1));
            return Err(Error::Invalid(format!(
                "{} of row '{}', column '{}': the value is not above -1, where log(1 + x) is defined; shift the data or drop {}",
                crate::error::key_and_flag(name),
                m.row_labels()[i],
                m.col_labels()[j],
                crate::error::key_and_flag(name),
            )));
        }
        Ok(())
    }

    /// Rejects contradictory options before any work.
    ///
    /// Errors: [`Error::Invalid`] for `z_score` with `standard_scale`, or
    /// `log1p` with `log2p1`.
    pub fn validate(&self) -> Result<()> {
        if self.z_score.is_some() && self.standard_scale.is_some() {
            return Err(Error::Invalid(
                "z-score and standard-scale are mutually exclusive (as in seaborn): pick one"
                    .into(),
            ));
        }
        if self.log1p && self.log2p1 {
            return Err(Error::Invalid(
                "log1p and log2p1 are mutually exclusive".into(),
            ));
        }
        Ok(())
    }

    /// Applies the steps to `m` in order (log, top-N, scaling); the shape
    /// stays `n × m` except that top-N keeps `min(N, n)` rows.
    ///
    /// Errors: those of [`Prep::validate`].
    pub fn apply(&self, m: Matrix) -> Result<Matrix> {
        self.validate()?;
        let mut m = m;
        if self.log1p || self.log2p1 {
            // A log transform is defined above -1: a value at or below it
            // is the transform's fault, not a missing or infinite input.
            let name = if self.log1p { "log1p" } else { "log2p1" };
            if let Some(k) = m.values().iter().position(|&v| v <= -1.0) {
                let (i, j) = (k / m.ncols().max(1), k % m.ncols().max(1));
                return Err(Error::Invalid(format!(
                    "{} of row '{}', column '{}': the value {} is not above -1, where log(1 + x) is defined; shift the data or drop {}",
                    crate::error::key_and_flag(name),
                    m.row_labels()[i],
                    m.col_labels()[j],
                    m.values()[k],
                    crate::error::key_and_flag(name),
                )));
            }
        }
        if self.log1p {
            log1p(&mut m);
        }
        if self.log2p1 {
            log2p1(&mut m);
        }
        if let Some(n) = self.top_variable {
            m = top_variable(&m, n);
        }
        if let Some(a) = self.z_score {
            z_score(&mut m, a);
        }
        if let Some(a) = self.standard_scale {
            standard_scale(&mut m, a);
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m() -> Matrix {
        Matrix::from_values(3, 3, vec![1.0, 2.0, 3.0, 5.0, 5.0, 5.0, 0.0, 10.0, 20.0]).unwrap()
    }

    #[test]
    fn a_streamed_log_outside_its_domain_is_blamed_on_the_transform() {
        let p = Prep {
            log1p: true,
            ..Default::default()
        };
        let f = p.value_transform().unwrap();
        assert_eq!(f(-1.0), f64::NEG_INFINITY);
        assert_eq!(f(-3.0), f64::NEG_INFINITY);
        assert_eq!(f(1.0), 1f64.ln_1p());
        let m = Matrix::from_values(1, 3, vec![0.0, f(-2.0), 1.0]).unwrap();
        let e = p.check_transformed(&m).unwrap_err().to_string();
        assert!(
            e.contains("log1p (--log1p) of row 'r0', column 'c1'"),
            "{e}"
        );
        assert!(Prep::default().check_transformed(&m).is_ok());
    }

    #[test]
    fn top_variable_keeps_order() {
        let t = top_variable(&m(), 2);
        assert_eq!(t.row_labels(), &["r0".to_string(), "r2".to_string()]);
    }

    #[test]
    fn constant_rows_are_dropped_and_named() {
        let (k, d) = drop_constant_rows(&m());
        assert_eq!(k.map(|k| k.nrows()), Some(2));
        assert!(drop_constant_rows(&top_variable(&m(), 1)).0.is_none());
        assert_eq!(d, vec!["r1".to_string()]);
    }

    #[test]
    fn log_transforms_and_the_fixed_order_of_steps() {
        let mut x = Matrix::from_values(1, 3, vec![0.0, 1.0, 3.0]).unwrap();
        log2p1(&mut x);
        assert_eq!(x.values(), &[0.0, 1.0, 2.0]);
        let mut y = Matrix::from_values(1, 2, vec![0.0, std::f64::consts::E - 1.0]).unwrap();
        log1p(&mut y);
        assert!((y.values()[1] - 1.0).abs() < 1e-15);
        // log, then top-N, then z-score: the z-scored kept row has mean 0.
        let p = Prep {
            log1p: true,
            top_variable: Some(1),
            z_score: Some(Axis::Rows),
            ..Default::default()
        };
        let out = p.apply(m()).unwrap();
        assert_eq!(out.row_labels(), &["r2".to_string()]);
        assert!(out.values().iter().sum::<f64>().abs() < 1e-12);
        assert!(Prep {
            log1p: true,
            log2p1: true,
            ..Default::default()
        }
        .validate()
        .is_err());
    }

    #[test]
    fn nan_error_names_the_cell() {
        let mut x = m();
        x.values_mut()[4] = f64::NAN;
        let e = check_finite(&x, "in.csv", false).unwrap_err().to_string();
        assert!(
            e.contains("row 'r1'") && e.contains("column 'c1'") && e.contains("1 missing"),
            "{e}"
        );
        assert!(check_finite(&x, "in.csv", true).is_ok());
        x.values_mut()[0] = f64::INFINITY;
        assert!(check_finite(&x, "in.csv", true)
            .unwrap_err()
            .to_string()
            .contains("infinite"));
    }

    #[test]
    fn a_bad_cell_deep_in_a_large_matrix_is_found() {
        // Past the first block of the fast pass, on the last thread's share.
        let (n, d) = (40_000, 5);
        let vals: Vec<f64> = (0..n * d).map(|k| (k % 7) as f64).collect();
        let mk = |v: Vec<f64>| {
            Matrix::new(
                (0..n).map(|i| format!("r{i}")).collect(),
                (0..d).map(|j| format!("c{j}")).collect(),
                v,
            )
            .unwrap()
        };
        assert!(check_finite(&mk(vals.clone()), "in.csv", false).is_ok());
        for (bad, allow_nan, what) in [
            (f64::NAN, false, "missing"),
            (f64::NEG_INFINITY, true, "infinite"),
            (f64::INFINITY, false, "infinite"),
        ] {
            let mut v = vals.clone();
            v[199_998] = bad;
            let e = check_finite(&mk(v), "in.csv", allow_nan)
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("row 'r39999'") && e.contains("column 'c3'") && e.contains(what),
                "{e}"
            );
        }
        let mut v = vals;
        v[123_456] = f64::NAN;
        assert!(check_finite(&mk(v), "in.csv", true).is_ok());
    }
}
