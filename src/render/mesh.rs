//! The heatmap mesh (matplotlib's `pcolormesh` / `QuadMesh`), rasterised straight into pixels. When cells are at
//! least a pixel, each pixel takes the cell under its centre (sharp cell
//! edges, like matplotlib's pcolormesh without antialiasing). When there
//! are more rows or columns than pixels, every pixel takes the
//! area-weighted, NaN-aware mean of the cells it covers (or their max /
//! max-by-magnitude), so no row is dropped the way pcolormesh aliases
//! them away. Pixel rows are computed in parallel bands.

use rayon::prelude::*;

use super::colormap::Rgb;
use super::scale::ColorScale;

/// How cells smaller than a pixel are combined.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Aggregate {
    /// The area-weighted mean of the covered cells, NaN cells ignored.
    #[default]
    Mean,
    /// The largest covered value (peaks stay visible).
    Max,
    /// The covered value of largest magnitude, sign kept.
    Absmax,
}

impl std::str::FromStr for Aggregate {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "mean" => Ok(Aggregate::Mean),
            "max" => Ok(Aggregate::Max),
            "absmax" => Ok(Aggregate::Absmax),
            _ => Err(format!(
                "unknown aggregate '{s}' (expected mean, max or absmax)"
            )),
        }
    }
}

/// Which cells (with weights) feed one output pixel along one axis.
#[derive(Debug, Clone)]
pub struct Span {
    /// The first cell covered.
    pub first: usize,
    /// The covered share of each cell from `first` on.
    pub weights: Vec<f64>,
}

/// For each of `pixels` output pixels, the cells of `cells` it covers.
pub fn plan(cells: usize, pixels: usize) -> Vec<Span> {
    let per = cells as f64 / pixels as f64;
    (0..pixels)
        .map(|p| {
            if per <= 1.0 {
                // Cell under the pixel centre; a boundary through a pixel
                // centre gives the pixel to the next cell, as Agg fills a
                // pcolormesh (its vertices snap to floor(b + 0.5)):
                // exact in integers, (2p + 1)·cells / (2·pixels).
                let (num, den) = ((2 * p + 1) * cells, 2 * pixels);
                let mut c = num / den;
                if num % den == 0 && c > 0 {
                    c -= 1;
                }
                let c = c.min(cells - 1);
                Span {
                    first: c,
                    weights: vec![1.0],
                }
            } else {
                let (a, b) = (p as f64 * per, (p as f64 + 1.0) * per);
                let first = a.floor() as usize;
                let last = (b.ceil() as usize).min(cells);
                let weights = (first..last)
                    .map(|c| (b.min(c as f64 + 1.0) - a.max(c as f64)).max(0.0))
                    .collect();
                Span { first, weights }
            }
        })
        .collect()
}

/// Aggregated values of the `rows × cols` matrix on a `width × height`
/// pixel grid (NaN where no visible cell contributes).
pub(crate) fn aggregate(
    values: &[f64],
    rows: usize,
    cols: usize,
    width: usize,
    height: usize,
    how: Aggregate,
) -> Vec<f64> {
    let mut f = Folder::new(rows, cols, width, height, how);
    f.fold_band(0, values, |_| (0, cols));
    f.finish()
}

/// A matrix too large to hold, drawn from its rows: what a figure needs
/// of it without the values themselves (a correlation map of 100 000
/// genes is computed band by band and folded into the pixels).
pub trait StreamedCells: Sync + std::fmt::Debug {
    /// The smallest and largest visible (non-NaN) cell, `None` when no
    /// cell is visible (what the colour bar's range is taken from).
    fn range(&self) -> Option<(f64, f64)>;
    /// Exactly what [`aggregate`] returns for the whole matrix on a
    /// `width × height` grid (the same bits).
    fn aggregate(&self, width: usize, height: usize, how: Aggregate) -> Vec<f64>;
    /// A cheap first guess at [`StreamedCells::range`] (from a sample),
    /// to lay the figure out before the pass over the matrix.
    fn range_guess(&self) -> Option<(f64, f64)> {
        self.range()
    }
    /// [`StreamedCells::range`], and the pixels of
    /// `aggregate(width, height, how)` in the same pass, kept for that call.
    fn range_with(&self, width: usize, height: usize, how: Aggregate) -> Option<(f64, f64)> {
        let _ = (width, height, how);
        self.range()
    }
}

/// [`aggregate`] fed with bands of consecutive rows, in order: the pixel
/// values equal those of the whole matrix at once, bit for bit (each
/// pixel row combines its rows in the same order; a pixel row whose rows
/// straddle two bands carries its partial sums over). Memory: the pixels
/// plus two `cols`-vectors per pixel row in flight.
#[derive(Debug)]
pub struct Folder {
    rows: usize,
    cols: usize,
    width: usize,
    how: Aggregate,
    ys: Vec<Span>,
    xs: Vec<Span>,
    /// Every pixel shows one cell (no arithmetic).
    copy: bool,
    out: Vec<f64>,
    /// Partial (acc, wsum) of pixel rows begun in an earlier band.
    carry: Vec<(usize, Vec<f64>, Vec<f64>)>,
}

impl Folder {
    /// A folder for a `rows × cols` matrix drawn on `width × height` pixels.
    pub fn new(rows: usize, cols: usize, width: usize, height: usize, how: Aggregate) -> Folder {
        let empty = rows == 0 || cols == 0 || width == 0 || height == 0;
        Folder {
            rows,
            cols,
            width,
            how,
            ys: if empty { vec![] } else { plan(rows, height) },
            xs: if empty { vec![] } else { plan(cols, width) },
            copy: rows <= height && cols <= width,
            out: vec![f64::NAN; width * height],
            carry: Vec::new(),
        }
    }

    /// Adds rows `r0 .. r0 + band.len() / cols` (row-major, NaN = not
    /// drawn). Bands must come in order, without gaps, from row 0. Of row
    /// `r`, only columns `extent(r) = (lo, hi)`, `lo..hi`, are drawn: the
    /// others count as NaN and are not read (a masked triangle).
    pub fn fold_band(
        &mut self,
        r0: usize,
        band: &[f64],
        extent: impl Fn(usize) -> (usize, usize) + Sync,
    ) {
        if self.ys.is_empty() || band.is_empty() {
            return;
        }
        let (cols, width, how) = (self.cols, self.width, self.how);
        let r1 = r0 + band.len() / cols;
        let row = |r: usize| &band[(r - r0) * cols..(r - r0 + 1) * cols];
        let xs = &self.xs;
        if self.copy {
            // Every pixel shows the one cell under its centre (weight 1),
            // which is what the general path below computes; skip its
            // arithmetic.
            self.out
                .par_chunks_mut(width)
                .zip(self.ys.par_iter())
                .filter(|(_, span)| (r0..r1).contains(&span.first))
                .for_each(|(line, span)| {
                    let row = row(span.first);
                    let (lo, hi) = extent(span.first);
                    for (px, x) in line.iter_mut().zip(xs) {
                        if (lo..hi).contains(&x.first) {
                            *px = row[x.first];
                        }
                    }
                });
            return;
        }
        // Pixel rows touching this band: those whose rows end after r0
        // and begin before r1; those begun in an earlier band continue
        // from their carried sums.
        let lo = self.ys.partition_point(|s| s.first + s.weights.len() <= r0);
        let hi = self.ys.partition_point(|s| s.first < r1).max(lo);
        let mut carry = std::mem::take(&mut self.carry);
        let states: Vec<Option<(Vec<f64>, Vec<f64>)>> = (lo..hi)
            .map(|p| {
                carry.iter().position(|c| c.0 == p).map(|k| {
                    let (_, a, w) = carry.swap_remove(k);
                    (a, w)
                })
            })
            .collect();
        let ys = &self.ys;
        self.carry = self.out[lo * width..hi * width]
            .par_chunks_mut(width)
            .zip(&ys[lo..hi])
            .zip(states)
            .enumerate()
            .filter_map(|(k, ((line, span), state))| {
                let (mut acc, mut wsum) =
                    state.unwrap_or_else(|| (vec![0.0f64; cols], vec![0.0f64; cols]));
                // Stage 1: combine the covered rows, column by column.
                for (k, &w) in span.weights.iter().enumerate() {
                    let r = span.first + k;
                    if w <= 0.0 || r < r0 || r >= r1 {
                        continue;
                    }
                    let (lo, hi) = extent(r);
                    let (lo, hi) = (lo.min(cols), hi.min(cols));
                    if lo >= hi {
                        continue;
                    }
                    accumulate_row(&mut acc[lo..hi], &mut wsum[lo..hi], &row(r)[lo..hi], w, how);
                }
                if span.first + span.weights.len() > r1 {
                    return Some((lo + k, acc, wsum));
                }
                combine_columns(line, &acc, &wsum, xs, how);
                None
            })
            .collect();
        debug_assert!(carry.is_empty(), "bands out of order");
    }

    /// Rows of the matrix being folded.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The pixel values, row-major (`width × height`).
    pub fn finish(self) -> Vec<f64> {
        debug_assert!(self.carry.is_empty(), "rows missing");
        self.out
    }
}

/// Stage 1 for one covered row of weight `w`: its values `vals` into the
/// per-column sums `acc` (mean: weighted sums; max/absmax: the best
/// value) and weights `wsum`, NaN cells skipped.
#[inline]
pub fn accumulate_row(acc: &mut [f64], wsum: &mut [f64], vals: &[f64], w: f64, how: Aggregate) {
    match how {
        Aggregate::Mean => {
            // Branch-free: a NaN cell adds +0.0, which leaves the sums'
            // bits as skipping it would (they start at +0.0 and never
            // become -0.0).
            for ((a, ws), &v) in acc.iter_mut().zip(wsum.iter_mut()).zip(vals) {
                let seen = !v.is_nan();
                *a += if seen { w * v } else { 0.0 };
                *ws += if seen { w } else { 0.0 };
            }
        }
        _ => {
            for ((a, ws), &v) in acc.iter_mut().zip(wsum.iter_mut()).zip(vals) {
                if v.is_nan() {
                    continue;
                }
                if *ws == 0.0 || better(how, v, *a) {
                    *a = v;
                }
                *ws = 1.0;
            }
        }
    }
}

/// Stage 2: combine the covered columns (per-column sums `acc`, weights
/// `wsum`) into each pixel of one line.
pub fn combine_columns(line: &mut [f64], acc: &[f64], wsum: &[f64], xs: &[Span], how: Aggregate) {
    for (px, xspan) in line.iter_mut().zip(xs) {
        let (mut a, mut ws) = (0.0, 0.0);
        for (k, &w) in xspan.weights.iter().enumerate() {
            let c = xspan.first + k;
            if w <= 0.0 || wsum[c] == 0.0 {
                continue;
            }
            match how {
                Aggregate::Mean => {
                    a += w * acc[c];
                    ws += w * wsum[c];
                }
                _ => {
                    if ws == 0.0 || better(how, acc[c], a) {
                        a = acc[c];
                    }
                    ws = 1.0;
                }
            }
        }
        *px = if ws > 0.0 {
            match how {
                Aggregate::Mean => a / ws,
                _ => a,
            }
        } else {
            f64::NAN
        };
    }
}

#[inline]
fn better(how: Aggregate, v: f64, cur: f64) -> bool {
    match how {
        Aggregate::Max => v > cur,
        Aggregate::Absmax => v.abs() > cur.abs(),
        Aggregate::Mean => false,
    }
}

/// Colours for an aggregated grid: RGB bytes plus which pixels are drawn.
pub(crate) fn colorize(grid: &[f64], scale: &ColorScale) -> (Vec<u8>, Vec<bool>) {
    let mut rgb = vec![255u8; grid.len() * 3];
    let mut drawn = vec![false; grid.len()];
    // Blocks of pixels per task; within a block, runs of equal values
    // (an upsampled cell spans many pixels) reuse the last lookup.
    const BLOCK: usize = 4096;
    rgb.par_chunks_mut(3 * BLOCK)
        .zip(drawn.par_chunks_mut(BLOCK))
        .zip(grid.par_chunks(BLOCK))
        .for_each(|((px, d), vals)| {
            let mut last: Option<(u64, Option<Rgb>)> = None;
            for ((p, d), &v) in px.chunks_exact_mut(3).zip(d.iter_mut()).zip(vals) {
                let c = match last {
                    Some((bits, c)) if bits == v.to_bits() => c,
                    _ => {
                        let c = scale.color(v);
                        last = Some((v.to_bits(), c));
                        c
                    }
                };
                if let Some(c) = c {
                    p.copy_from_slice(&c);
                    *d = true;
                }
            }
        });
    (rgb, drawn)
}

#[cfg(test)]
/// The one-pass aggregation [`Folder`] replaced (the tests hold the
/// banded folding to it, bit for bit).
fn aggregate_whole(
    values: &[f64],
    rows: usize,
    cols: usize,
    width: usize,
    height: usize,
    how: Aggregate,
) -> Vec<f64> {
    let mut out = vec![f64::NAN; width * height];
    if rows == 0 || cols == 0 || width == 0 || height == 0 {
        return out;
    }
    let ys = plan(rows, height);
    let xs = plan(cols, width);
    if rows <= height && cols <= width {
        // Every pixel shows the one cell under its centre (weight 1), which
        // is what the general path below computes; skip its arithmetic.
        out.par_chunks_mut(width)
            .zip(ys.par_iter())
            .for_each(|(line, span)| {
                let row = &values[span.first * cols..(span.first + 1) * cols];
                for (px, x) in line.iter_mut().zip(&xs) {
                    *px = row[x.first];
                }
            });
        return out;
    }
    out.par_chunks_mut(width)
        .zip(ys.par_iter())
        .for_each(|(line, span)| {
            // Stage 1: combine the covered rows, column by column.
            let mut acc = vec![0.0f64; cols];
            let mut wsum = vec![0.0f64; cols];
            for (k, &w) in span.weights.iter().enumerate() {
                if w <= 0.0 {
                    continue;
                }
                let row = &values[(span.first + k) * cols..(span.first + k + 1) * cols];
                for c in 0..cols {
                    let v = row[c];
                    if v.is_nan() {
                        continue;
                    }
                    match how {
                        Aggregate::Mean => {
                            acc[c] += w * v;
                            wsum[c] += w;
                        }
                        _ => {
                            if wsum[c] == 0.0 || better(how, v, acc[c]) {
                                acc[c] = v;
                            }
                            wsum[c] = 1.0;
                        }
                    }
                }
            }
            // Stage 2: combine the covered columns for each pixel.
            for (px, xspan) in line.iter_mut().zip(&xs) {
                let (mut a, mut ws) = (0.0, 0.0);
                for (k, &w) in xspan.weights.iter().enumerate() {
                    let c = xspan.first + k;
                    if w <= 0.0 || wsum[c] == 0.0 {
                        continue;
                    }
                    match how {
                        Aggregate::Mean => {
                            a += w * acc[c];
                            ws += w * wsum[c];
                        }
                        _ => {
                            if ws == 0.0 || better(how, acc[c], a) {
                                a = acc[c];
                            }
                            ws = 1.0;
                        }
                    }
                }
                *px = if ws > 0.0 {
                    match how {
                        Aggregate::Mean => a / ws,
                        _ => a,
                    }
                } else {
                    f64::NAN
                };
            }
        });
    out
}

/// Reference: per pixel, the exact area-weighted mean over all cells
/// (O(pixels × cells)); the tests hold [`aggregate`] to it.
#[cfg(test)]
fn aggregate_naive(
    values: &[f64],
    rows: usize,
    cols: usize,
    width: usize,
    height: usize,
) -> Vec<f64> {
    let (ry, rx) = (rows as f64 / height as f64, cols as f64 / width as f64);
    let overlap = |p: usize, per: f64, c: usize, cells: usize| -> f64 {
        if per <= 1.0 {
            let centre = (((p as f64 + 0.5) * per) as usize).min(cells - 1);
            if c == centre {
                1.0
            } else {
                0.0
            }
        } else {
            let (a, b) = (p as f64 * per, (p as f64 + 1.0) * per);
            (b.min(c as f64 + 1.0) - a.max(c as f64)).max(0.0)
        }
    };
    let mut out = vec![f64::NAN; width * height];
    for py in 0..height {
        for px in 0..width {
            let (mut s, mut w) = (0.0, 0.0);
            for r in 0..rows {
                let wy = overlap(py, ry, r, rows);
                if wy == 0.0 {
                    continue;
                }
                for c in 0..cols {
                    let wx = overlap(px, rx, c, cols);
                    let v = values[r * cols + c];
                    if wx > 0.0 && !v.is_nan() {
                        s += wy * wx * v;
                        w += wy * wx;
                    }
                }
            }
            if w > 0.0 {
                out[py * width + px] = s / w;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(rows: usize, cols: usize) -> Vec<f64> {
        (0..rows * cols)
            .map(|k| {
                if k % 17 == 3 {
                    f64::NAN
                } else {
                    ((k * 7919) % 113) as f64 / 7.0 - 8.0
                }
            })
            .collect()
    }

    #[test]
    fn aggregation_equals_naive_mean() {
        for &(rows, cols, w, h) in &[
            (1000, 37, 20, 64),
            (7, 5, 30, 40),
            (333, 333, 100, 90),
            (50, 3000, 41, 17),
        ] {
            let v = data(rows, cols);
            let fast = aggregate(&v, rows, cols, w, h, Aggregate::Mean);
            let slow = aggregate_naive(&v, rows, cols, w, h);
            for (k, (a, b)) in fast.iter().zip(&slow).enumerate() {
                assert!(
                    (a.is_nan() && b.is_nan()) || (a - b).abs() < 1e-9,
                    "{rows}x{cols} -> {w}x{h} pixel {k}: {a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn folding_in_bands_gives_the_same_bits() {
        for &(rows, cols, w, h) in &[
            (1000, 1000, 97, 101),
            (2000, 2000, 700, 700),
            (333, 333, 100, 90),
            (300, 300, 700, 650),
            (50, 3000, 41, 17),
            (3000, 20, 40, 700),
        ] {
            let v = data(rows, cols);
            for how in [Aggregate::Mean, Aggregate::Max, Aggregate::Absmax] {
                let want = aggregate_whole(&v, rows, cols, w, h, how);
                for band in [1, 7, 336, rows] {
                    let mut f = Folder::new(rows, cols, w, h, how);
                    for r0 in (0..rows).step_by(band) {
                        let r1 = (r0 + band).min(rows);
                        f.fold_band(r0, &v[r0 * cols..r1 * cols], |_| (0, cols));
                    }
                    let got = f.finish();
                    assert!(
                        got.iter()
                            .zip(&want)
                            .all(|(a, b)| a.to_bits() == b.to_bits()),
                        "{rows}x{cols} -> {w}x{h} {how:?} in bands of {band}"
                    );
                    // A masked triangle (j > i) as extents, against NaN cells.
                    let mut masked = v.clone();
                    for r in 0..rows {
                        for c in r + 1..cols {
                            masked[r * cols + c] = f64::NAN;
                        }
                    }
                    let want = aggregate_whole(&masked, rows, cols, w, h, how);
                    let mut f = Folder::new(rows, cols, w, h, how);
                    for r0 in (0..rows).step_by(band) {
                        let r1 = (r0 + band).min(rows);
                        f.fold_band(r0, &v[r0 * cols..r1 * cols], |r| (0, r + 1));
                    }
                    let got = f.finish();
                    assert!(
                        got.iter()
                            .zip(&want)
                            .all(|(a, b)| a.to_bits() == b.to_bits()),
                        "{rows}x{cols} -> {w}x{h} {how:?} in bands of {band}"
                    );
                }
            }
        }
    }

    #[test]
    fn max_keeps_a_single_extreme_row() {
        let (rows, cols) = (10_000, 1);
        let mut v = vec![0.0; rows];
        v[4321] = 5.0;
        let g = aggregate(&v, rows, cols, 1, 100, Aggregate::Max);
        assert_eq!(g.iter().filter(|&&x| x == 5.0).count(), 1);
        let m = aggregate(&v, rows, cols, 1, 100, Aggregate::Mean);
        assert!(m.iter().any(|&x| x > 0.0), "mean still shows the row");
    }
}
