//! Building the matrix from a store read a block of rows at a time, and the
//! streaming top-N-variable selection: statistics in a pass over row
//! blocks, then only the kept rows materialised. Used by the Arrow and HDF5
//! readers, so a 30 000 x 5 000 file with `top_variable = 2000` never holds
//! more than the 2000 kept rows, a block, and O(rows + cols) statistics.

use rayon::prelude::*;

use crate::error::Result;
use crate::prep;

/// A stored matrix, readable by blocks of rows (dense, row-major, missing
/// values as NaN). Sparse stores densify only the block asked for.
pub trait RowSource: std::fmt::Debug {
    /// Stored (rows, columns).
    fn shape(&self) -> (usize, usize);

    /// Writes stored rows `[start, start + count)` into `out`, row-major
    /// (`out.len() == count * ncols`).
    fn fill_rows(&self, start: usize, count: usize, out: &mut [f64]) -> Result<()>;

    /// Rows per block for streaming passes: about 8 MiB of values.
    fn block_rows(&self) -> usize {
        let ncols = self.shape().1.max(1);
        ((8 << 20) / (8 * ncols)).max(1)
    }

    /// Writes the stored columns `cols` (indices into the stored columns,
    /// in the order wanted) of stored rows `[start, start + count)` into
    /// `out`, row-major (`out.len() == count * cols.len()`), with the
    /// values [`RowSource::fill_rows`] gives. This default densifies the
    /// rows asked for, then picks: callers ask for at most
    /// [`RowSource::block_rows`] rows; sparse stores scatter only the
    /// chosen columns.
    fn fill_rows_cols(
        &self,
        start: usize,
        count: usize,
        cols: &[usize],
        out: &mut [f64],
    ) -> Result<()> {
        let m = self.shape().1;
        let mut buf = vec![0.0; count * m];
        self.fill_rows(start, count, &mut buf)?;
        for (row, dst) in buf
            .chunks_exact(m.max(1))
            .zip(out.chunks_exact_mut(cols.len().max(1)))
        {
            for (d, &j) in dst.iter_mut().zip(cols) {
                *d = row[j];
            }
        }
        Ok(())
    }
}

/// The logical columns `cols` of `src` (read as stored, or transposed:
/// logical rows are stored columns), every logical row, row-major
/// (`rows × cols.len()`), bit for bit the columns [`build`] would give,
/// never holding more than one block of stored rows besides the result:
/// as stored, blocks of rows through [`RowSource::fill_rows_cols`];
/// transposed, one stored row per chosen column.
pub fn build_columns(src: &dyn RowSource, transposed: bool, cols: &[usize]) -> Result<Vec<f64>> {
    let (ns, ms) = src.shape();
    let k = cols.len();
    if transposed {
        let mut out = vec![0.0; ms * k];
        let mut row = vec![0.0; ms];
        for (c, &j) in cols.iter().enumerate() {
            src.fill_rows(j, 1, &mut row)?;
            for (i, &v) in row.iter().enumerate() {
                out[i * k + c] = v;
            }
        }
        return Ok(out);
    }
    let mut out = vec![0.0; ns * k];
    let step = src.block_rows().max(1);
    let mut start = 0;
    while start < ns {
        let count = step.min(ns - start);
        src.fill_rows_cols(start, count, cols, &mut out[start * k..(start + count) * k])?;
        start += count;
    }
    Ok(out)
}

/// The streaming part of the preprocessing: an element-wise transform
/// (log1p / log2p1) then the `top` rows of highest variance, exactly as
/// [`prep::Prep::apply`] would do them on the full matrix.
#[derive(Debug, Clone, Copy)]
pub struct Selection {
    /// Element-wise transform applied first (`ln(1 + x)` or `log2(1 + x)`),
    /// or none.
    pub transform: Option<fn(f64) -> f64>,
    /// How many rows of highest variance to keep (ties keep the earlier
    /// row, as [`prep::top_variable`]).
    pub top: usize,
}

/// The matrix read from `src` — as stored, or transposed (`transposed`:
/// logical rows are stored columns) — and the logical rows it holds.
#[derive(Debug)]
pub struct Built {
    /// The kept logical rows, row-major: `rows.len()` rows of every
    /// logical column.
    pub values: Vec<f64>,
    /// Which logical rows were kept (indices, ascending).
    pub rows: Vec<usize>,
}

/// Reads `src` into a row-major logical matrix, applying `sel` if given.
pub fn build(src: &dyn RowSource, transposed: bool, sel: Option<&Selection>) -> Result<Built> {
    let (ns, ms) = src.shape();
    let n = if transposed { ms } else { ns };
    let built = match sel {
        Some(s) if s.top < n => {
            if transposed {
                top_of_columns(src, s)?
            } else {
                top_of_rows(src, s)?
            }
        }
        _ => {
            let mut values = if transposed {
                transposed_full(src)?
            } else {
                let mut v = crate::mem::zeroed(ns * ms);
                src.fill_rows(0, ns, &mut v)?;
                v
            };
            if let Some(f) = sel.and_then(|s| s.transform) {
                values.iter_mut().for_each(|v| *v = f(*v));
            }
            Built {
                values,
                rows: (0..n).collect(),
            }
        }
    };
    Ok(built)
}

/// Calls `f(first_row, block)` for consecutive blocks of stored rows.
fn for_each_block(
    src: &dyn RowSource,
    mut f: impl FnMut(usize, &mut [f64]) -> Result<()>,
) -> Result<()> {
    let (ns, ms) = src.shape();
    let step = src.block_rows().max(1);
    let mut buf = vec![0.0; step.min(ns) * ms];
    let mut start = 0;
    while start < ns {
        let count = step.min(ns - start);
        let block = &mut buf[..count * ms];
        src.fill_rows(start, count, block)?;
        f(start, block)?;
        start += count;
    }
    Ok(())
}

fn transposed_full(src: &dyn RowSource) -> Result<Vec<f64>> {
    let (ns, ms) = src.shape();
    let mut out = vec![0.0; ns * ms];
    for_each_block(src, |start, block| {
        for (r, row) in block.chunks_exact(ms).enumerate() {
            let i = start + r;
            for (j, &v) in row.iter().enumerate() {
                out[j * ns + i] = v;
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// Top-N of the stored rows in one pass: the `top` best rows so far
/// (variance descending, earlier row first on ties, NaN last — the order
/// of [`prep::top_indices`]) are kept in a slab; a better row replaces the
/// worst kept one. Memory is the kept rows plus one block.
fn top_of_rows(src: &dyn RowSource, sel: &Selection) -> Result<Built> {
    let (_, ms) = src.shape();
    let top = sel.top;
    // Rank key: larger spread first, NaN last, earlier row on ties.
    let better = |a: (prep::Spread, usize), b: (prep::Spread, usize)| -> bool {
        prep::Spread::rank(a.0, b.0).then(a.1.cmp(&b.1)) == std::cmp::Ordering::Less
    };
    let mut slab = vec![0.0; top * ms];
    // kept[s] = (spread, row) held in slab slot s.
    let mut kept: Vec<(prep::Spread, usize)> = Vec::with_capacity(top);
    let mut worst = 0usize;
    let mut var = Vec::new();
    for_each_block(src, |start, block| {
        // Transform and variances in parallel across the block's rows;
        // the ranking below is sequential, so the result does not depend
        // on the thread count.
        block
            .par_chunks_exact_mut(ms)
            .map(|row| {
                if let Some(f) = sel.transform {
                    row.iter_mut().for_each(|v| *v = f(*v));
                }
                prep::Spread::of(row)
            })
            .collect_into_vec(&mut var);
        for (r, row) in block.chunks_exact(ms).enumerate() {
            let key = (var[r], start + r);
            let slot = if kept.len() < top {
                kept.push(key);
                kept.len() - 1
            } else if better(key, kept[worst]) {
                kept[worst] = key;
                worst
            } else {
                continue;
            };
            slab[slot * ms..(slot + 1) * ms].copy_from_slice(row);
            if kept.len() == top {
                worst = (0..top)
                    .reduce(|a, b| if better(kept[a], kept[b]) { b } else { a })
                    .unwrap_or(0);
            }
        }
        Ok(())
    })?;
    let mut slots: Vec<usize> = (0..kept.len()).collect();
    slots.sort_by_key(|&s| kept[s].1);
    let mut values = Vec::with_capacity(kept.len() * ms);
    for &s in &slots {
        values.extend_from_slice(&slab[s * ms..(s + 1) * ms]);
    }
    Ok(Built {
        values,
        rows: slots.iter().map(|&s| kept[s].1).collect(),
    })
}

/// Top-N of the stored columns. The per-column sums run in stored-row
/// order, the order [`prep::variance`] adds a materialised row in, and a
/// column outside the ordinary range is scaled by the power of two
/// [`prep::Spread::of`] uses, so the spreads — and the rows kept — are the
/// same to the bit.
fn top_of_columns(src: &dyn RowSource, sel: &Selection) -> Result<Built> {
    let (ns, ms) = src.shape();
    let t = |v: f64| sel.transform.map_or(v, |f| f(v));
    // Columns are split into ranges across threads; within a range each
    // column still adds its values in row order, so the sums do not
    // depend on the split.
    const COLS: usize = 512;
    let mut sum = vec![0.0f64; ms];
    let mut k = vec![0usize; ms];
    let mut max = vec![0.0f64; ms];
    for_each_block(src, |_, block| {
        sum.par_chunks_mut(COLS)
            .zip(k.par_chunks_mut(COLS))
            .zip(max.par_chunks_mut(COLS))
            .enumerate()
            .for_each(|(c, ((sum, k), max))| {
                let j0 = c * COLS;
                for row in block.chunks_exact(ms) {
                    for (q, &v) in row[j0..j0 + sum.len()].iter().enumerate() {
                        let v = t(v);
                        if !v.is_nan() {
                            sum[q] += v;
                            k[q] += 1;
                            if v.is_finite() {
                                max[q] = max[q].max(v.abs());
                            }
                        }
                    }
                }
            });
        Ok(())
    })?;
    // The exponent of each column's scaling (0 in the ordinary range, so
    // ordinary columns keep their sums); the rare scaled columns are
    // summed again, scaled.
    let e: Vec<i32> = max.iter().map(|&x| prep::scale_exponent(&[x])).collect();
    let scaled: Vec<usize> = (0..ms).filter(|&j| e[j] != 0).collect();
    if !scaled.is_empty() {
        scaled.iter().for_each(|&j| sum[j] = 0.0);
        for_each_block(src, |_, block| {
            for row in block.chunks_exact(ms) {
                for &j in &scaled {
                    let v = t(row[j]);
                    if !v.is_nan() {
                        sum[j] += v * 2f64.powi(-e[j]);
                    }
                }
            }
            Ok(())
        })?;
    }
    let mean: Vec<f64> = (0..ms).map(|j| prep::mean_from(sum[j], k[j])).collect();
    let scale: Vec<f64> = e.iter().map(|&e| 2f64.powi(-e)).collect();
    let mut ss = vec![0.0f64; ms];
    for_each_block(src, |_, block| {
        ss.par_chunks_mut(COLS).enumerate().for_each(|(c, ss)| {
            let j0 = c * COLS;
            for row in block.chunks_exact(ms) {
                for (q, &v) in row[j0..j0 + ss.len()].iter().enumerate() {
                    let v = t(v);
                    if !v.is_nan() {
                        let j = j0 + q;
                        let v = if e[j] == 0 { v } else { v * scale[j] };
                        let d = v - mean[j];
                        ss[q] += d * d;
                    }
                }
            }
        });
        Ok(())
    })?;
    let var: Vec<prep::Spread> = (0..ms)
        .map(|j| prep::Spread::from_sums(ss[j], k[j], e[j]))
        .collect();
    let keep = prep::top_indices(&var, sel.top);
    let mut values = vec![0.0; keep.len() * ns];
    for_each_block(src, |start, block| {
        let rows = block.len() / ms;
        values
            .par_chunks_mut(ns)
            .zip(keep.par_iter())
            .for_each(|(out, &j)| {
                for r in 0..rows {
                    out[start + r] = t(block[r * ms + j]);
                }
            });
        Ok(())
    })?;
    Ok(Built { values, rows: keep })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::Matrix;

    /// A dense store that hands out small blocks, to exercise block edges.
    #[derive(Debug)]
    struct Dense {
        n: usize,
        m: usize,
        v: Vec<f64>,
    }

    impl RowSource for Dense {
        fn shape(&self) -> (usize, usize) {
            (self.n, self.m)
        }
        fn fill_rows(&self, start: usize, count: usize, out: &mut [f64]) -> Result<()> {
            out.copy_from_slice(&self.v[start * self.m..(start + count) * self.m]);
            Ok(())
        }
        fn block_rows(&self) -> usize {
            3
        }
    }

    fn store(n: usize, m: usize) -> Dense {
        let mut x = 0x2545f491u64;
        let v = (0..n * m)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if i % 11 == 5 {
                    f64::NAN
                } else {
                    (x % 1000) as f64 / 7.0 * ((i % 5) as f64 + 1.0)
                }
            })
            .collect();
        Dense { n, m, v }
    }

    fn reference(d: &Dense, transposed: bool, p: &prep::Prep) -> Matrix {
        let m = Matrix::from_values(d.n, d.m, d.v.clone()).unwrap();
        let m = if transposed { m.transposed() } else { m };
        p.apply(m).unwrap()
    }

    #[test]
    fn streaming_selection_equals_prep_on_the_full_matrix() {
        let d = store(23, 17);
        for transposed in [false, true] {
            for log1p in [false, true] {
                for top in [1, 5, 16, 40] {
                    let p = prep::Prep {
                        log1p,
                        top_variable: Some(top),
                        ..Default::default()
                    };
                    let want = reference(&d, transposed, &p);
                    let sel = Selection {
                        transform: p.value_transform(),
                        top,
                    };
                    let got = build(&d, transposed, Some(&sel)).unwrap();
                    let wl = if transposed { d.n } else { d.m };
                    assert_eq!(got.values.len(), got.rows.len() * wl);
                    assert_eq!(got.rows.len(), want.nrows(), "t={transposed} top={top}");
                    for (a, b) in got.values.iter().zip(want.values()) {
                        assert!(a.to_bits() == b.to_bits(), "{a} vs {b}");
                    }
                    let labels: Vec<String> = got
                        .rows
                        .iter()
                        .map(|&r| {
                            if transposed {
                                format!("c{r}")
                            } else {
                                format!("r{r}")
                            }
                        })
                        .collect();
                    assert_eq!(labels, want.row_labels());
                }
            }
        }
    }

    #[test]
    fn ties_and_nan_variances_rank_like_prep() {
        // Rows repeat every 4 (equal variances), one row all-NaN, one
        // constant: the earlier row must win every tie, NaN rank last.
        let (n, m) = (30, 6);
        let mut v: Vec<f64> = (0..n * m).map(|k| ((k / m) % 4 * (k % m)) as f64).collect();
        v[7 * m..8 * m].iter_mut().for_each(|x| *x = f64::NAN);
        let d = Dense { n, m, v };
        for top in [1, 3, 8, 9, 29] {
            let p = prep::Prep {
                top_variable: Some(top),
                ..Default::default()
            };
            let want = reference(&d, false, &p);
            let sel = Selection {
                transform: None,
                top,
            };
            let got = build(&d, false, Some(&sel)).unwrap();
            let labels: Vec<String> = got.rows.iter().map(|r| format!("r{r}")).collect();
            assert_eq!(labels, want.row_labels(), "top={top}");
        }
    }

    #[test]
    fn extreme_variances_rank_like_prep() {
        // Rows c·(pattern) whose variances numpy gives as inf (1e200),
        // NaN (8e307: the sum overflows) or 0 (1e-200): streamed by rows
        // or by columns, the kept rows are the true top ones, with the
        // bits of the materialised matrix.
        let cs = [1e-200, 8e307, 1.0, 3e200, 2e-200, 1e200, 0.5, 1e199];
        let m = 5;
        let v: Vec<f64> = cs
            .iter()
            .flat_map(|&c| (0..m).map(move |j| c * [0.0, 1.0, 2.0, 0.5, 1.5][j]))
            .collect();
        let d = Dense { n: cs.len(), m, v };
        let dt = Dense {
            n: m,
            m: cs.len(),
            v: Matrix::from_values(cs.len(), m, d.v.clone())
                .unwrap()
                .transposed()
                .values()
                .to_vec(),
        };
        for top in 1..cs.len() {
            let mut want: Vec<usize> = (0..cs.len()).collect();
            want.sort_by(|&a, &b| cs[b].partial_cmp(&cs[a]).unwrap());
            want.truncate(top);
            want.sort_unstable();
            let p = prep::Prep {
                top_variable: Some(top),
                ..Default::default()
            };
            let whole = reference(&d, false, &p);
            let sel = Selection {
                transform: None,
                top,
            };
            for (store, transposed) in [(&d, false), (&dt, true)] {
                let got = build(store, transposed, Some(&sel)).unwrap();
                assert_eq!(got.rows, want, "top={top} t={transposed}");
                assert!(got
                    .values
                    .iter()
                    .zip(whole.values())
                    .all(|(a, b)| a.to_bits() == b.to_bits()));
            }
            assert_eq!(whole.row_positions(), want);
        }
    }

    #[test]
    fn full_reads_in_both_orientations() {
        let d = store(10, 4);
        let got = build(&d, false, None).unwrap();
        assert!(got
            .values
            .iter()
            .zip(&d.v)
            .all(|(a, b)| a.to_bits() == b.to_bits()));
        let got = build(&d, true, None).unwrap();
        let want = Matrix::from_values(10, 4, d.v.clone())
            .unwrap()
            .transposed();
        assert!(got
            .values
            .iter()
            .zip(want.values())
            .all(|(a, b)| a.to_bits() == b.to_bits()));
    }
}
