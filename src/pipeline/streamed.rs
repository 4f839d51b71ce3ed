//! A correlation map drawn without its correlation matrix: the picture of
//! `n` genes is ~700 × 700 pixels, so the `n × n` matrix (3.2 GB at 20 000
//! genes, 80 GB at 100 000) is formed one band of rows at a time from the
//! same GEMM tiles as `stats::correlate` (the same bits), masked, folded
//! into the pixels (`render::mesh::Folder`) and dropped. The colour bar's
//! range comes from the same pass (the figure is laid out first with a
//! range guessed from a sample of genes; a second pass only when the true
//! range's layout differs). Where pixels cover several cells, each tile
//! is folded while in cache; otherwise (few genes) a band of rows at a
//! time. Memory: the input's Gram factor (`n × d`), at most one band
//! (`gram::BAND_ROWS × n`), the pixels.
//!
//! Where the picture needs the cells themselves (annotations, cell
//! borders, vector cells, `robust`'s percentiles, a mask file, pairwise
//! missing data, the MultiQC export) the correlation map keeps the full
//! matrix: [`streams`] says which.

use std::sync::Mutex;

use rayon::prelude::*;

use crate::figure::FigureOptions;
use crate::options::{MaskSpec, Missing};
use crate::render::mesh::{self, Aggregate, Folder, StreamedCells};
use crate::stats::{self, gram, CorrMethod};

/// Pixels computed ahead: `(width, height, how, pixels)`.
type Kept = (usize, usize, Aggregate, Vec<f64>);

/// A pixel row in flight: (pixel row, per-column sums, weights).
type OpenRow = (usize, Vec<f64>, Vec<f64>);

/// One tile column's share of the open rows' sums.
type BlockSums<'a> = Vec<(usize, &'a mut [f64], &'a mut [f64])>;

/// The correlation matrix of `n` rows of `d` values, in display order.
#[derive(Debug)]
pub struct StreamedCorr {
    z: Vec<f64>,
    n: usize,
    d: usize,
    mask: Option<MaskSpec>,
    /// The pixels of the last [`StreamedCells::range_with`] pass:
    /// `(width, height, how, pixels)`.
    kept: Mutex<Option<Kept>>,
}

impl StreamedCorr {
    /// The correlation between the rows of `x` (`n × d`, row-major,
    /// finite, already in display order) by `method`, masked by a
    /// triangle `mask` (a mask file is not streamed).
    pub fn new(x: &[f64], n: usize, d: usize, method: CorrMethod, mask: Option<MaskSpec>) -> Self {
        StreamedCorr {
            z: stats::gram_factor(x, n, d, method),
            n,
            d,
            mask,
            kept: Mutex::new(None),
        }
    }

    /// Whether band `bi` shows anything of tile column `bj`.
    fn needs(&self, bi: usize, bj: usize) -> bool {
        match self.mask {
            Some(MaskSpec::Upper | MaskSpec::UpperK0) => bj <= bi,
            Some(MaskSpec::Lower | MaskSpec::LowerK0) => bj >= bi,
            _ => true,
        }
    }

    /// The columns of row `i` the mask leaves visible, `lo..hi`
    /// (`MaskSpec::hides`: upper hides `j > i`, k=0 also `j = i`).
    fn extent(&self, i: usize) -> (usize, usize) {
        let n = self.n;
        match self.mask {
            Some(MaskSpec::Upper) => (0, i + 1),
            Some(MaskSpec::UpperK0) => (0, i),
            Some(MaskSpec::Lower) => (i, n),
            Some(MaskSpec::LowerK0) => (i + 1, n),
            _ => (0, n),
        }
    }
}

impl StreamedCells for StreamedCorr {
    fn range(&self) -> Option<(f64, f64)> {
        // Every off-diagonal value shows once in either triangle.
        let diagonal = !matches!(self.mask, Some(MaskSpec::UpperK0 | MaskSpec::LowerK0));
        gram::symmetric_range(&self.z, self.n, self.d, stats::corr_fix, diagonal)
    }

    fn aggregate(&self, width: usize, height: usize, how: Aggregate) -> Vec<f64> {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((w, h, a, _)) = kept.as_ref() {
            if (*w, *h, *a) == (width, height, how) {
                return kept.take().map(|k| k.3).unwrap_or_default();
            }
        }
        drop(kept);
        self.pass(width, height, how).1
    }

    fn range_guess(&self) -> Option<(f64, f64)> {
        // 256 genes spread over the matrix against all: 1/80 of the
        // products at 20 000 genes.
        let k = self.n.min(256);
        let rows: Vec<usize> = (0..k).map(|i| i * self.n / k).collect();
        gram::sample_range(&self.z, self.n, self.d, &rows, stats::corr_fix)
    }

    fn range_with(&self, width: usize, height: usize, how: Aggregate) -> Option<(f64, f64)> {
        let (range, pixels) = self.pass(width, height, how);
        *self.kept.lock().unwrap_or_else(|e| e.into_inner()) = Some((width, height, how, pixels));
        range
    }
}

impl StreamedCorr {
    /// One pass over the visible tiles: the range of the visible cells
    /// (the values [`gram::symmetric_range`] takes, every off-diagonal
    /// pair once in either triangle) and the pixels.
    fn pass(&self, width: usize, height: usize, how: Aggregate) -> (Option<(f64, f64)>, Vec<f64>) {
        let n = self.n;
        if n > height || n > width {
            return self.tiled_pass(width, height, how);
        }
        let mut folder = Folder::new(n, n, width, height, how);
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        gram::symmetric_bands(
            &self.z,
            n,
            self.d,
            |bi, bj| self.needs(bi, bj),
            stats::corr_fix,
            |i0, band| {
                let (l, h) = band
                    .par_chunks(n)
                    .enumerate()
                    .map(|(r, row)| {
                        let (a, b) = self.extent(i0 + r);
                        min_max(&row[a..b])
                    })
                    .reduce(
                        || (f64::INFINITY, f64::NEG_INFINITY),
                        |x, y| (x.0.min(y.0), x.1.max(y.1)),
                    );
                (lo, hi) = (lo.min(l), hi.max(h));
                folder.fold_band(i0, band, |i| self.extent(i));
            },
        );
        ((lo <= hi).then_some((lo, hi)), folder.finish())
    }
}

impl StreamedCorr {
    /// [`StreamedCorr::pass`] where pixels cover several cells: each tile
    /// is folded into the pixel rows in flight while it is in cache (the
    /// band of rows is never formed). Per pixel row and column the rows
    /// add up in the same order as `mesh::Folder`'s, through the same
    /// `mesh::accumulate_row` and `mesh::combine_columns`: the same bits.
    /// Memory: two `n`-vectors per pixel row in flight, a tile per thread.
    fn tiled_pass(
        &self,
        width: usize,
        height: usize,
        how: Aggregate,
    ) -> (Option<(f64, f64)>, Vec<f64>) {
        let (n, d) = (self.n, self.d);
        let mut out = vec![f64::NAN; width * height];
        if n == 0 || width == 0 || height == 0 {
            return (None, out);
        }
        let ys = mesh::plan(n, height);
        let xs = mesh::plan(n, width);
        let side = gram::BAND_ROWS;
        let nb = n.div_ceil(side);
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        // Pixel rows begun and not finished: (pixel row, acc, wsum).
        let mut open: Vec<OpenRow> = Vec::new();
        for bi in 0..nb {
            let (r0, r1) = (bi * side, ((bi + 1) * side).min(n));
            let first = ys.partition_point(|s| s.first + s.weights.len() <= r0);
            let last = ys.partition_point(|s| s.first < r1).max(first);
            for p in first..last {
                if !open.iter().any(|o| o.0 == p) {
                    open.push((p, vec![0.0; n], vec![0.0; n]));
                }
            }
            open.sort_by_key(|o| o.0);
            // Split every open row's sums by tile column: task bj owns
            // columns bj·side.. of each.
            let mut blocks: Vec<BlockSums> = (0..nb).map(|_| Vec::new()).collect();
            for (p, acc, wsum) in open.iter_mut() {
                for (bj, (a, w)) in acc.chunks_mut(side).zip(wsum.chunks_mut(side)).enumerate() {
                    blocks[bj].push((*p, a, w));
                }
            }
            let (l, h) = blocks
                .into_par_iter()
                .enumerate()
                .filter(|(bj, _)| self.needs(bi, *bj))
                .map_init(
                    || (Vec::<f64>::new(), Vec::<f64>::new()),
                    |(scratch, spare), (bj, mut rows)| {
                        let (i0, th, j0, tw) =
                            gram::tile_of(&self.z, n, d, (bi, bj), scratch, spare, stats::corr_fix);
                        let (mut l, mut h) = (f64::INFINITY, f64::NEG_INFINITY);
                        for r in 0..th {
                            let (a, b) = self.extent(i0 + r);
                            let (a, b) = (a.max(j0), b.min(j0 + tw));
                            if a < b {
                                let (x, y) = min_max(&scratch[r * tw + a - j0..r * tw + b - j0]);
                                (l, h) = (l.min(x), h.max(y));
                            }
                        }
                        for (p, acc, wsum) in rows.iter_mut() {
                            let span = &ys[*p];
                            for (k, &w) in span.weights.iter().enumerate() {
                                let r = span.first + k;
                                if w <= 0.0 || r < i0 || r >= i0 + th {
                                    continue;
                                }
                                let (a, b) = self.extent(r);
                                let (a, b) = (a.max(j0), b.min(j0 + tw));
                                if a >= b {
                                    continue;
                                }
                                let row = &scratch[(r - i0) * tw..(r - i0 + 1) * tw];
                                mesh::accumulate_row(
                                    &mut acc[a - j0..b - j0],
                                    &mut wsum[a - j0..b - j0],
                                    &row[a - j0..b - j0],
                                    w,
                                    how,
                                );
                            }
                        }
                        (l, h)
                    },
                )
                .reduce(
                    || (f64::INFINITY, f64::NEG_INFINITY),
                    |x, y| (x.0.min(y.0), x.1.max(y.1)),
                );
            (lo, hi) = (lo.min(l), hi.max(h));
            // Pixel rows whose rows all came: their line.
            let (done, rest): (Vec<_>, Vec<_>) = open
                .into_iter()
                .partition(|o| ys[o.0].first + ys[o.0].weights.len() <= r1);
            open = rest;
            let mut lines: Vec<(&mut [f64], &OpenRow)> = Vec::new();
            let mut chunks = out.chunks_mut(width).enumerate();
            for o in &done {
                let line = chunks.by_ref().find(|(p, _)| *p == o.0).map(|(_, l)| l);
                if let Some(line) = line {
                    lines.push((line, o));
                }
            }
            lines.into_par_iter().for_each(|(line, (_, acc, wsum))| {
                mesh::combine_columns(line, acc, wsum, &xs, how);
            });
        }
        ((lo <= hi).then_some((lo, hi)), out)
    }
}

/// The smallest and largest non-NaN value of `v` (±∞ when none), in
/// eight lanes the compiler vectorises.
fn min_max(v: &[f64]) -> (f64, f64) {
    let (mut lo, mut hi) = ([f64::INFINITY; 8], [f64::NEG_INFINITY; 8]);
    let chunks = v.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..8 {
            // NaN compares false: skipped.
            lo[k] = if c[k] < lo[k] { c[k] } else { lo[k] };
            hi[k] = if c[k] > hi[k] { c[k] } else { hi[k] };
        }
    }
    for (k, &x) in rest.iter().enumerate() {
        lo[k] = if x < lo[k] { x } else { lo[k] };
        hi[k] = if x > hi[k] { x } else { hi[k] };
    }
    (
        lo.iter().copied().fold(f64::INFINITY, f64::min),
        hi.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    )
}

/// Whether a correlation map of `n` genes of `d` values with `opts` is
/// drawn streamed: more cells than vector output draws one by one, no
/// annotations (values, a table, stars), cell borders, `robust`, an
/// `na_color` (missing cells drawn apart), mask file or pairwise missing
/// data, and no MultiQC export of the matrix.
pub fn streams(opts: &FigureOptions, n: usize, d: usize) -> bool {
    n * n > crate::figure::panel::VECTOR_CELLS
        && d > 0
        && !opts.annot.is_on()
        && opts.na_color.is_none()
        && opts.linewidths == 0.0
        && !opts.robust
        && !matches!(opts.mask, Some(MaskSpec::File(_)))
        && opts.missing != Missing::Pairwise
        && !(opts.multiqc && n <= super::exports::MULTIQC_MAX)
}

/// Whether a clustered correlation map (`cluster`) of `n` genes of `d`
/// values is drawn streamed: its picture [`streams`] and its tree comes
/// from the rows of `R` in `d` dimensions
/// (`pipeline::correlation_rows_in_m`: rows as vectors, Euclidean,
/// complete data, `d < n`), so that nothing needs the `n × n` matrix.
pub fn clustered_streams(opts: &FigureOptions, n: usize, d: usize) -> bool {
    streams(opts, n, d) && super::correlation_rows_in_m(opts, n, d)
}

/// Working memory of a streamed correlation map, in bytes, besides the
/// input (an upper bound): the Gram factor, one band, the pixels.
pub fn bytes(n: usize, d: usize, pixels: u64) -> u64 {
    let (n, d) = (n as u64, d as u64);
    n * d * 8 + gram::BAND_ROWS as u64 * n * 8 + pixels * 8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figure::Kind;
    use crate::matrix::Matrix;
    use crate::pipeline::{corrmap_figure_as, Cache, Context};
    use crate::render::encode::encode;
    use crate::timings::Timings;
    use std::path::Path;

    /// Genes in three correlated blocks plus noise, one constant gene.
    fn genes(n: usize, d: usize) -> Matrix {
        let mut s = 7u64;
        let mut rnd = move || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let mut v = Vec::with_capacity(n * d);
        for i in 0..n {
            for j in 0..d {
                let block = if (i * 3 / n) == (j * 3 / d) { 1.5 } else { 0.0 };
                v.push(if i == 17 { 2.0 } else { block + rnd() });
            }
        }
        let rows = (0..n).map(|i| format!("g{i}")).collect();
        let cols = (0..d).map(|j| format!("s{j}")).collect();
        Matrix::new(rows, cols, v).unwrap()
    }

    fn opts(extra: &str) -> FigureOptions {
        let t: toml::Table = toml::from_str(&format!("figsize = [5.0, 4.0]\n{extra}")).unwrap();
        FigureOptions::from_table(Kind::Corrmap, &toml::Table::new(), &t).unwrap()
    }

    /// The streamed picture's PNG, SVG and PDF bytes are those of the
    /// picture drawn from the whole matrix: downsampled (more genes than
    /// pixels) and not, every triangle mask, given and data ranges,
    /// every aggregation, Spearman.
    #[test]
    fn streamed_picture_has_the_bytes_of_the_full_matrix() {
        let cases: &[(usize, &str)] = &[
            (1100, ""),
            (1100, "mask = \"upper\""),
            (1100, "mask = \"lower\"\naggregate = \"max\""),
            (1100, "mask = \"upper-k0\"\naggregate = \"absmax\""),
            (1100, "mask = \"lower-k0\"\nvmin = -0.5\nvmax = 0.8"),
            (1100, "corr_method = \"spearman\"\ncenter = 0.2"),
            (700, "mask = \"upper\"\nvmax = 0.5"),
            (250, "mask = \"upper\""),
            (250, ""),
        ];
        for &(n, extra) in cases {
            let m = genes(n, 12);
            let o = opts(extra);
            assert!(streams(&o, n, 12), "{n} {extra}");
            let (streamed, full) = streamed_and_full(&m, &o);
            same_encodings(&streamed, &full, o.dpi, &format!("{n} genes, {extra:?}"));
        }
    }

    /// The correlation map of `m` drawn streamed and from the full matrix.
    fn streamed_and_full(
        m: &Matrix,
        o: &FigureOptions,
    ) -> (crate::pipeline::Figure, crate::pipeline::Figure) {
        let cache = Cache::default();
        let ctx = Context {
            source: "genes",
            name: "genes",
            base: Path::new("."),
            cache: &cache,
            max_memory: None,
        };
        let mut t = Timings::default();
        let streamed = corrmap_figure_as(m, o, &ctx, None, &mut t, true).unwrap();
        let full = corrmap_figure_as(m, o, &ctx, None, &mut t, false).unwrap();
        (streamed, full)
    }

    /// Asserts the two figures encode to the same PNG, SVG and PDF bytes.
    fn same_encodings(
        a: &crate::pipeline::Figure,
        b: &crate::pipeline::Figure,
        dpi: f64,
        what: &str,
    ) {
        for ext in ["png", "svg", "pdf"] {
            let p = Path::new("x").with_extension(ext);
            assert!(
                encode(&a.scene, &p, dpi).unwrap() == encode(&b.scene, &p, dpi).unwrap(),
                "{what}: {ext} differs"
            );
        }
    }

    /// The clustered correlation map drawn streamed (genes in leaf order,
    /// tiles folded into the pixels) has the PNG, SVG and PDF bytes, the
    /// exports (linkage, order), warnings and tree of the picture built
    /// from the full matrix reordered by the leaves: ward, average,
    /// complete, single, optimal ordering, every triangle mask (hiding
    /// the triangle of the reordered picture), Spearman, downsampled or
    /// not. Gene 17 is constant: dropped by both, with the same warning.
    #[test]
    fn streamed_clustered_picture_has_the_bytes_of_the_full_reordered_matrix() {
        let cases: &[(usize, &str)] = &[
            (1100, "method = \"ward\""),
            (1100, "method = \"average\"\nmask = \"upper\""),
            (
                1100,
                "method = \"complete\"\nmask = \"lower-k0\"\naggregate = \"absmax\"",
            ),
            (
                700,
                "method = \"ward\"\ncorr_method = \"spearman\"\nmask = \"lower\"",
            ),
            (250, "method = \"average\"\noptimal_ordering = true"),
            (
                250,
                "method = \"single\"\nmask = \"upper-k0\"\nvmin = -0.5\nvmax = 0.9",
            ),
        ];
        for &(n, extra) in cases {
            let m = genes(n, 12);
            let o = opts(&format!("cluster = true\n{extra}"));
            assert!(clustered_streams(&o, n - 1, 12), "{n} {extra}");
            let (streamed, full) = streamed_and_full(&m, &o);
            assert_eq!(streamed.exports, full.exports, "{n} {extra}");
            assert_eq!(streamed.warnings, full.warnings, "{n} {extra}");
            assert_eq!(streamed.warnings.len(), 1, "{n} {extra}");
            let leaves =
                |f: &crate::pipeline::Figure| f.analysed.row_tree.as_ref().unwrap().leaves();
            assert_eq!(leaves(&streamed), leaves(&full), "{n} {extra}");
            assert_eq!(streamed.analysed.row_labels, full.analysed.row_labels);
            same_encodings(&streamed, &full, o.dpi, &format!("{n} genes, {extra:?}"));
        }
    }

    /// A clustered map whose tree or picture needs the `n × n` matrix
    /// keeps the full-matrix path.
    #[test]
    fn clustered_maps_that_need_the_matrix_keep_it() {
        assert!(clustered_streams(&opts("cluster = true"), 600, 12));
        for extra in [
            "cluster_distance = \"one-minus-r\"",
            "metric = \"cityblock\"",
            "missing = \"pairwise\"",
            "annot = true",
            "robust = true",
        ] {
            let o = opts(&format!("cluster = true\n{extra}"));
            assert!(!clustered_streams(&o, 600, 12), "{extra}");
        }
        // d >= n: the rows of R do not live in fewer dimensions.
        assert!(!clustered_streams(&opts("cluster = true"), 600, 600));
    }

    #[test]
    fn cells_the_picture_needs_keep_the_full_matrix() {
        for extra in [
            "annot = true",
            "annot = \"stars\"",
            "na_color = \"grey\"",
            "robust = true",
            "linewidths = 1",
            "mask = \"file:m.tsv\"",
            "missing = \"pairwise\"",
            "multiqc = true",
        ] {
            assert!(!streams(&opts(extra), 300, 12), "{extra}");
        }
        assert!(!streams(&opts(""), 200, 12));
        assert!(streams(&opts("multiqc = true"), 600, 12));
    }

    /// `cluster` over the rows of R in d dimensions gives the tree of the
    /// n-dimensional rows (scipy's pdist of `df.corr()`): the same merges
    /// and leaves, heights within 1e-10 relative, on tie-free data.
    #[test]
    fn rows_of_r_in_d_dimensions_give_the_tree_of_the_rows_of_r() {
        use crate::cluster::Method;
        let (n, d) = (400, 12);
        let m = genes(n, d);
        // The constant gene 17 is dropped by both paths.
        for method in ["average", "complete", "single", "weighted", "ward"] {
            for olo in [false, true] {
                let o = opts(&format!(
                    "cluster = true\nmethod = \"{method}\"\noptimal_ordering = {olo}"
                ));
                assert!(crate::pipeline::correlation_rows_in_m(&o, n - 1, d));
                let cache = Cache::default();
                let ctx = Context {
                    source: "genes",
                    name: "genes",
                    base: Path::new("."),
                    cache: &cache,
                    max_memory: None,
                };
                let mut t = Timings::default();
                let fig = corrmap_figure_as(&m, &o, &ctx, None, &mut t, false).unwrap();
                let low = fig.analysed.row_tree.unwrap();
                // The direct path: pdist of the n-dimensional rows of R.
                let kept = crate::prep::drop_rows(&m, crate::prep::Undefined::ZeroVariance)
                    .0
                    .unwrap();
                let k = kept.nrows();
                let r = stats::pearson(kept.values(), k, d);
                let dist = crate::cluster::distance::pdist_as::<f64>(
                    &r,
                    k,
                    k,
                    crate::cluster::Metric::Euclidean,
                );
                let link: Method = method.parse().unwrap();
                let mut full = crate::cluster::linkage_condensed(dist.clone(), link).unwrap();
                if olo {
                    full = crate::cluster::olo::optimal_leaf_ordering(&full, &dist);
                }
                assert_eq!(low.leaves(), full.leaves(), "{method} olo={olo}");
                let (a, b) = (low.to_scipy(), full.to_scipy());
                for (row, (x, y)) in a.chunks(4).zip(b.chunks(4)).enumerate() {
                    assert_eq!(
                        (x[0], x[1], x[3]),
                        (y[0], y[1], y[3]),
                        "{method} merge {row}"
                    );
                    assert!(
                        (x[2] - y[2]).abs() <= 1e-10 * y[2].abs().max(1e-300),
                        "{method} merge {row}: {} vs {}",
                        x[2],
                        y[2]
                    );
                }
            }
        }
    }
}
