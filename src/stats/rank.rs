//! Average ranks (ties share the mean of their positions, 1-based), as
//! `scipy.stats.rankdata` and pandas' `rank()` give them; Spearman's rho is
//! Pearson's r of these ranks.

use rayon::prelude::*;

use super::pearson::pearson;

/// Ranks of the values of one slice (NaN stays NaN and is not ranked).
pub(crate) fn rank_slice(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).filter(|&i| !v[i].is_nan()).collect();
    idx.sort_by(|&a, &b| v[a].partial_cmp(&v[b]).unwrap_or(std::cmp::Ordering::Equal));
    let mut out = vec![f64::NAN; v.len()];
    let mut k = 0;
    while k < idx.len() {
        let mut e = k + 1;
        while e < idx.len() && v[idx[e]] == v[idx[k]] {
            e += 1;
        }
        // Positions k..e (0-based) share rank mean(k+1..=e).
        let r = (k + 1 + e) as f64 / 2.0;
        for &i in &idx[k..e] {
            out[i] = r;
        }
        k = e;
    }
    out
}

/// Every row replaced by its ranks.
pub fn rank_rows(x: &[f64], n: usize, d: usize) -> Vec<f64> {
    let mut out = vec![0.0; n * d];
    if d == 0 {
        return out;
    }
    out.par_chunks_mut(d)
        .zip(x.par_chunks(d))
        .for_each(|(o, row)| o.copy_from_slice(&rank_slice(row)));
    out
}

/// `n × n` Spearman correlation of the rows of `x`.
pub fn spearman(x: &[f64], n: usize, d: usize) -> Vec<f64> {
    pearson(&rank_rows(x, n, d), n, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_share_average_rank() {
        assert_eq!(
            rank_slice(&[10.0, 20.0, 10.0, 5.0]),
            vec![2.5, 4.0, 2.5, 1.0]
        );
        let r = rank_slice(&[f64::NAN, 1.0]);
        assert!(r[0].is_nan() && r[1] == 1.0);
    }
}
