//! Correlation: Pearson as one GEMM of centred, unit-norm rows; Spearman as
//! Pearson of average ranks; pairwise-complete variants for missing data.

pub mod f32_store;
pub(crate) mod gram;
pub mod pairwise;
pub mod pearson;
pub mod pvalue;
pub mod rank;

use std::fmt;
use std::str::FromStr;

pub use pairwise::{pairwise_pearson, pairwise_spearman};
pub use pearson::pearson;
pub use rank::{rank_rows, spearman};

/// Which correlation coefficient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CorrMethod {
    /// Pearson's r (`numpy.corrcoef`, pandas `DataFrame.corr()`).
    Pearson,
    /// Spearman's ρ: Pearson's r of average ranks (`scipy.stats.spearmanr`,
    /// `DataFrame.corr(method="spearman")`).
    Spearman,
}

impl fmt::Display for CorrMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CorrMethod::Pearson => "pearson",
            CorrMethod::Spearman => "spearman",
        })
    }
}

impl FromStr for CorrMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pearson" => Ok(CorrMethod::Pearson),
            "spearman" => Ok(CorrMethod::Spearman),
            _ => Err(format!(
                "unknown correlation method '{s}' (expected pearson or spearman)"
            )),
        }
    }
}

/// The rows of `x` (`n × d`, row-major, finite) as the correlation's
/// Gram factor `Z`: centred and scaled to unit norm (NaN for a row
/// without variance), after ranking for Spearman; `Z·Zᵀ` fixed by
/// [`corr_fix`] is [`correlate`]'s matrix, bit for bit, when formed by the
/// same tiles (`gram::symmetric_bands`, `gram::symmetric_range`).
pub fn gram_factor(x: &[f64], n: usize, d: usize, method: CorrMethod) -> Vec<f64> {
    match method {
        CorrMethod::Pearson => pearson::standardise_rows(x, n, d),
        CorrMethod::Spearman => pearson::standardise_rows(&rank_rows(x, n, d), n, d),
    }
}

/// Pearson's rule for a Gram value of [`gram_factor`] rows: the diagonal
/// of a defined row is exactly 1, others are clipped to [-1, 1], NaN stays.
#[inline]
pub fn corr_fix(v: f64, diagonal: bool) -> f64 {
    pearson::fix(v, diagonal, true)
}

/// Working memory of [`correlate`] on `n` rows of `d` values, in bytes:
/// the `n × n` output (`dtype`) and one standardised working copy of the
/// input (`f64`). Pairwise-complete correlation also keeps the mask and
/// three further `n × n` GEMM results.
pub fn correlate_bytes(n: usize, d: usize, dtype: crate::dtype::Dtype, pairwise: bool) -> u64 {
    let (n, d) = (n as u64, d as u64);
    let out = n
        * n
        * if dtype == crate::dtype::Dtype::F32 {
            4
        } else {
            8
        };
    let extra = if pairwise {
        3 * n * n * 8 + 2 * n * d * 8
    } else {
        0
    };
    out + n * d * 8 + extra
}

/// Correlation between the `n` rows of the row-major `n × d` matrix `x`,
/// as a square row-major `n × n` matrix (`numpy.corrcoef(x)` for Pearson).
/// With `pairwise`, each pair uses the columns where both rows are
/// non-NaN (pandas' `DataFrame.corr`); without, values must be finite. A
/// row without variance gives NaN entries, as numpy does.
pub fn correlate(x: &[f64], n: usize, d: usize, method: CorrMethod, pairwise: bool) -> Vec<f64> {
    match (method, pairwise) {
        (CorrMethod::Pearson, false) => pearson(x, n, d),
        (CorrMethod::Spearman, false) => spearman(x, n, d),
        (CorrMethod::Pearson, true) => pairwise_pearson(x, n, d),
        (CorrMethod::Spearman, true) => pairwise_spearman(x, n, d),
    }
}
