//! Figure layouts: the heatmap (`sns.heatmap`), the clustered heatmap
//! (`sns.clustermap`) and the dot plot (scanpy's `pl.dotplot`), with their axes, tick labels, colour bar,
//! dendrograms and colour strips. A layout receives analysed data (values
//! in display order or with their trees, strips, masks) from
//! [`crate::pipeline`] and lays them out on a [`crate::render::scene::Scene`];
//! it computes nothing about the data and reads no file.

pub(crate) mod axes;
pub mod bars;
pub(crate) mod brackets;
pub mod clustermap;
pub(crate) mod colorbar;
pub(crate) mod dendrogram;
pub mod dotplot;
pub mod heatmap;
pub mod heatmap_list;
pub(crate) mod panel;
pub mod strips;
pub(crate) mod ticks;

pub use crate::options::{FigureOptions, Kind};
pub use ticks::format_value;

use crate::matrix::Matrix;

/// A mask read from a file, looked up by row and column label.
#[derive(Debug)]
pub struct LabelMask {
    rows: std::collections::HashMap<String, usize>,
    cols: std::collections::HashMap<String, usize>,
    table: Matrix,
}

impl LabelMask {
    /// A mask from a table with the matrix's row labels in its first
    /// column and its column labels as header; non-zero (or missing) cells
    /// are hidden.
    pub fn new(table: Matrix) -> LabelMask {
        let index = |labels: &[String]| {
            labels
                .iter()
                .enumerate()
                .map(|(i, l)| (l.clone(), i))
                .collect()
        };
        LabelMask {
            rows: index(table.row_labels()),
            cols: index(table.col_labels()),
            table,
        }
    }

    /// Hidden when the table has a non-zero (or missing) value there;
    /// labels absent from the table stay visible.
    pub fn hides(&self, row: &str, col: &str) -> bool {
        match (self.rows.get(row), self.cols.get(col)) {
            (Some(&i), Some(&j)) => {
                let v = self.table.get(i, j);
                v != 0.0
            }
            _ => false,
        }
    }

    /// Sets hidden cells of a display-order matrix to NaN.
    pub fn apply(&self, values: &mut [f64], rows: &[String], cols: &[String]) {
        for (r, rl) in rows.iter().enumerate() {
            for (c, cl) in cols.iter().enumerate() {
                if self.hides(rl, cl) {
                    values[r * cols.len() + c] = f64::NAN;
                }
            }
        }
    }
}

/// Text for the cells (`annot = "file:PATH"`, significance stars), looked
/// up by row and column label so it follows any reordering.
#[derive(Debug, Clone, Default)]
pub struct CellText {
    rows: std::collections::HashMap<String, usize>,
    cols: std::collections::HashMap<String, usize>,
    cells: Vec<Option<String>>,
}

impl CellText {
    /// Text for `rows × cols` labelled cells, row-major (`None`: no text).
    pub fn new(rows: &[String], cols: &[String], cells: Vec<Option<String>>) -> CellText {
        let index = |labels: &[String]| {
            labels
                .iter()
                .enumerate()
                .map(|(i, l)| (l.clone(), i))
                .collect()
        };
        CellText {
            rows: index(rows),
            cols: index(cols),
            cells,
        }
    }

    /// The text of each cell of a display-order matrix with these labels,
    /// row-major; cells whose row or column the table lacks get none.
    pub fn display(&self, rows: &[String], cols: &[String]) -> Vec<Option<String>> {
        let n = self.cols.len();
        let mut out = Vec::with_capacity(rows.len() * cols.len());
        for r in rows {
            for c in cols {
                out.push(match (self.rows.get(r), self.cols.get(c)) {
                    (Some(&i), Some(&j)) => self.cells[i * n + j].clone(),
                    _ => None,
                });
            }
        }
        out
    }
}

/// The empty figure `opts` ask for: a `figsize × dpi` pixel scene with
/// its fonts, title (for a PDF's information) and text mode, and the
/// pixels per point `k`, width `w` and height `h` (pixels) layouts use.
///
/// Errors: the `font` option names a font that cannot be found or read.
pub(crate) fn canvas(
    opts: &FigureOptions,
) -> crate::error::Result<(crate::render::scene::Scene, f64, f64, f64)> {
    let k = opts.dpi / 72.0;
    let (w, h) = (
        (opts.figsize.0 * opts.dpi).round(),
        (opts.figsize.1 * opts.dpi).round(),
    );
    let mut canvas = crate::render::scene::Scene::new(w as usize, h as usize);
    canvas.fonts = opts.fonts()?;
    canvas.title = opts.title.clone();
    canvas.text_mode = opts.text;
    Ok((canvas, k, w, h))
}
