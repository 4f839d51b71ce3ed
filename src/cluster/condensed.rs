//! The condensed distance matrix: the upper triangle of an `n × n`
//! symmetric matrix stored row by row, exactly scipy's `pdist` layout, so a
//! matrix written by us reads in scipy and the other way round.

/// Upper-triangle distances `d(i, j)`, `i < j`, row-major (scipy layout).
#[derive(Debug, Clone, PartialEq)]
pub struct Condensed {
    n: usize,
    data: Vec<f64>,
}

/// Offset of `(i, j)`, `i < j`, in a condensed matrix of `n` points.
#[inline(always)]
pub fn index(n: usize, i: usize, j: usize) -> usize {
    debug_assert!(i < j && j < n);
    n * i - i * (i + 1) / 2 + (j - i - 1)
}

/// Offset of the first entry of row `i`, i.e. of `(i, i + 1)`.
#[inline(always)]
pub fn row_start(n: usize, i: usize) -> usize {
    n * i - i * (i + 1) / 2
}

impl Condensed {
    /// Wraps scipy-layout data; `data.len()` must be `n(n-1)/2`.
    pub fn from_vec(n: usize, data: Vec<f64>) -> Option<Self> {
        (data.len() == n * n.saturating_sub(1) / 2).then_some(Condensed { n, data })
    }

    /// A matrix of zeros.
    pub fn zeros(n: usize) -> Self {
        Condensed {
            n,
            data: crate::bigbuf::zeroed(n * n.saturating_sub(1) / 2),
        }
    }

    /// Number of points.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The distance between `i` and `j` (any order, `i != j`).
    #[inline]
    pub fn get(&self, i: usize, j: usize) -> f64 {
        let (a, b) = if i < j { (i, j) } else { (j, i) };
        self.data[index(self.n, a, b)]
    }

    /// Sets the distance between `i` and `j`.
    #[inline]
    pub fn set(&mut self, i: usize, j: usize, v: f64) {
        let (a, b) = if i < j { (i, j) } else { (j, i) };
        let n = self.n;
        self.data[index(n, a, b)] = v;
    }

    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    pub fn as_mut_slice(&mut self) -> &mut [f64] {
        &mut self.data
    }

    pub fn into_vec(self) -> Vec<f64> {
        self.data
    }

    /// Bytes this matrix occupies, for memory budgets.
    pub fn bytes_for(n: usize) -> usize {
        n * n.saturating_sub(1) / 2 * std::mem::size_of::<f64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_matches_scipy_layout() {
        // scipy: for n=4 the order is (0,1),(0,2),(0,3),(1,2),(1,3),(2,3).
        let n = 4;
        let mut k = 0;
        for i in 0..n {
            for j in i + 1..n {
                assert_eq!(index(n, i, j), k);
                k += 1;
            }
        }
        assert_eq!(row_start(n, 2), 5);
    }
}
