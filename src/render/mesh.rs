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
struct Span {
    first: usize,
    weights: Vec<f64>,
}

/// For each of `pixels` output pixels, the cells of `cells` it covers.
fn plan(cells: usize, pixels: usize) -> Vec<Span> {
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
