//! The condensed distance matrix: the upper triangle of an `n × n`
//! symmetric matrix stored row by row, exactly scipy's `pdist` layout, so a
//! matrix written by us reads in scipy and the other way round.

use crate::dtype::Storage;

/// Upper-triangle distances `d(i, j)`, `i < j`, row-major (scipy layout),
/// stored as `f64` (scipy's numbers) or, on request, `f32` (half the
/// memory; see [`Dtype`](crate::dtype::Dtype)).
#[derive(Debug, Clone, PartialEq)]
pub struct Condensed<T: Storage = f64> {
    n: usize,
    data: Vec<T>,
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

impl<T: Storage> Condensed<T> {
    /// Wraps scipy-layout data; `data.len()` must be `n(n-1)/2`.
    pub fn from_vec(n: usize, data: Vec<T>) -> Option<Self> {
        (data.len() == n * n.saturating_sub(1) / 2).then_some(Condensed { n, data })
    }

    /// A matrix of zeros.
    pub fn zeros(n: usize) -> Self {
        Condensed {
            n,
            data: crate::mem::zeroed_of(n * n.saturating_sub(1) / 2),
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
        self.data[index(self.n, a, b)].to_f64()
    }

    /// Sets the distance between `i` and `j` (rounded to `T`).
    #[inline]
    pub fn set(&mut self, i: usize, j: usize, v: f64) {
        let (a, b) = if i < j { (i, j) } else { (j, i) };
        let n = self.n;
        self.data[index(n, a, b)] = T::from_f64(v);
    }

    /// The n(n−1)/2 stored distances, in scipy's order.
    pub fn as_slice(&self) -> &[T] {
        &self.data
    }

    /// The n(n−1)/2 stored distances, mutable (the algorithms update them
    /// in place).
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.data
    }

    /// The n(n−1)/2 stored distances, consumed: the vector scipy's `pdist`
    /// returns.
    pub fn into_vec(self) -> Vec<T> {
        self.data
    }

    /// Bytes this matrix occupies for `n` points, for memory budgets.
    pub fn bytes_for(n: usize) -> usize {
        n * n.saturating_sub(1) / 2 * std::mem::size_of::<T>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::Dtype;

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

    #[test]
    fn f32_storage_halves_the_bytes_and_rounds_once() {
        assert_eq!(Dtype::F64.condensed_bytes(20_000), 1_599_920_000);
        assert_eq!(Dtype::F32.condensed_bytes(20_000), 799_960_000);
        let mut c = Condensed::<f32>::zeros(3);
        c.set(2, 0, 0.1);
        assert_eq!(c.get(0, 2), 0.1f32 as f64);
        assert_eq!(c.as_slice(), &[0.0, 0.1f32, 0.0]);
    }
}
