//! The single-heatmap figure (`sns.heatmap` in `plt.subplots(figsize)` with
//! `tight_layout`), used by `heatmap` and `corrmap`: title on top, y tick
//! labels left, x tick labels below (turned when they would overlap), the
//! colour bar in matplotlib's default slot (15 % of the axes width, 5 %
//! pad, 1:20 aspect, `shrink` of the height, centred).

use super::axes::{label_room, seaborn_heatmap_extent, Rect, Side, Ticks, FONT_PT, TITLE_PT};
use super::colorbar;
use super::panel::{self, Grid};
use crate::error::Result;
use crate::options::FigureOptions;
use crate::render::mesh::StreamedCells;
use crate::render::scale::ColorScale;
use crate::render::scene::Scene;
use crate::render::text::{HAlign, VAlign};

/// What a heatmap figure shows: values in display order (NaN = masked),
/// with their labels.
#[derive(Debug)]
pub struct HeatmapData<'a> {
    /// The `rows × cols` values, row-major, in display order.
    pub values: &'a [f64],
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// `rows` labels, display order.
    pub row_labels: &'a [String],
    /// `cols` labels, display order.
    pub col_labels: &'a [String],
    /// A matrix drawn from its rows instead of `values` (then empty): the
    /// colour range and the body come from it (see `panel::Grid`).
    pub streamed: Option<&'a dyn StreamedCells>,
}

/// Padding tight_layout leaves at the figure edge (1.08 × font size).
pub(crate) fn edge_pad(px_per_pt: f64) -> f64 {
    1.08 * FONT_PT * px_per_pt
}

/// Renders the figure.
pub fn render(data: &HeatmapData, opts: &FigureOptions) -> Result<Scene> {
    let k = opts.dpi / 72.0;
    let (w, h) = (
        (opts.figsize.0 * opts.dpi).round(),
        (opts.figsize.1 * opts.dpi).round(),
    );
    let mut canvas = Scene::new(w as usize, h as usize);
    canvas.fonts = opts.fonts()?;
    canvas.title = opts.title.clone();
    canvas.text_mode = opts.text;
    let fonts = canvas.fonts.clone();
    let pad = edge_pad(k);
    let (title_h, xlabel_h, ylabel_w) = label_room(
        &fonts,
        opts.title.as_deref(),
        opts.xlabel.as_deref(),
        opts.ylabel.as_deref(),
        6.0,
        k,
    );
    let cbar_label = opts.cbar_label.as_deref();

    // Which labels show, and which way they turn, is decided for the axes
    // seaborn measures (before tight_layout grows them); their extents
    // then size the axes. Where the drawn axes come out shorter than that
    // (square cells, long labels), seaborn's labels would overlap: those
    // axes are thinned again for the length they have, so labels stay
    // legible (seaborn's choice everywhere else).
    let thin = seaborn_heatmap_extent(opts.figsize, opts.cbar);
    let (thin_w, thin_h) = (thin.0 * opts.dpi, thin.1 * opts.dpi);
    let layout = |scale: &ColorScale, thin_w: f64, thin_h: f64| {
        let xt = Ticks::choose(
            Side::Bottom,
            data.col_labels,
            opts.xticklabels,
            thin_w,
            k,
            &fonts,
        );
        let yt = Ticks::choose(
            Side::Left,
            data.row_labels,
            opts.yticklabels,
            thin_h,
            k,
            &fonts,
        )
        .with_marks(data.row_labels, &opts.mark_rows);
        let left = pad + ylabel_w + yt.extent();
        let top = pad + title_h;
        let bottom = h - pad - xlabel_h - xt.extent();
        let avail_h = (bottom - top).max(10.0);
        let avail_w = (w - pad - left).max(10.0);
        let (heat_w, cbar_rect) = if opts.cbar {
            let cb_h = avail_h * opts.cbar_shrink;
            let cb_w = cb_h / 20.0;
            let deco = colorbar::decorations_width(&fonts, scale, cb_h, cbar_label, k);
            // Parent keeps 80 % of the axes width; the bar's slot starts at 85 %.
            let total = ((avail_w - cb_w - deco) / 0.85).min(avail_w);
            let slot_x = left + total * 0.85;
            let cb_y = top + (avail_h - cb_h) / 2.0;
            (total * 0.8, Some(Rect::new(slot_x, cb_y, cb_w, cb_h)))
        } else {
            (avail_w, None)
        };
        let mut axes = Rect::new(left, top, heat_w.max(10.0), avail_h);
        if opts.square == Some(true) {
            // Equal-aspect cells, box centred in its slot (matplotlib anchor "C").
            let cell = (axes.w / data.cols as f64).min(axes.h / data.rows as f64);
            let (nw, nh) = (cell * data.cols as f64, cell * data.rows as f64);
            axes = Rect::new(
                axes.x + (axes.w - nw) / 2.0,
                axes.y + (axes.h - nh) / 2.0,
                nw,
                nh,
            );
        }
        (xt, yt, axes, cbar_rect)
    };
    let place = |scale: &ColorScale| {
        let (mut thin_w, mut thin_h) = (thin_w, thin_h);
        let (mut xt, mut yt, mut axes, mut cbar_rect) = layout(scale, thin_w, thin_h);
        if axes.w < thin_w || axes.h < thin_h {
            (thin_w, thin_h) = (thin_w.min(axes.w), thin_h.min(axes.h));
            (xt, yt, axes, cbar_rect) = layout(scale, thin_w, thin_h);
        }
        (xt, yt, axes, cbar_rect)
    };
    let scale = match data.streamed {
        Some(s) => {
            // One pass over the matrix gives the colour range and, for
            // the body laid out with a first guess at that range, the
            // pixels (used when the range's own layout has the same body).
            let guess = ColorScale::from_range(&opts.color(), s.range_guess())?;
            let (_, _, w, h) = place(&guess).2.snapped();
            ColorScale::from_range(&opts.color(), s.range_with(w, h, opts.aggregate))?
        }
        None => ColorScale::resolve(&opts.color(), data.values.iter().copied())?,
    };
    let (xt, yt, axes, cbar_rect) = place(&scale);
    let grid = Grid {
        values: data.values,
        rows: data.rows,
        cols: data.cols,
        streamed: data.streamed,
    };
    let (body, _) =
        panel::draw_panel(&mut canvas, axes, &grid, &scale, opts, &xt, &yt, Side::Left)?;
    if let Some(t) = opts.title.as_ref().filter(|t| !t.is_empty()) {
        canvas.text(
            t,
            body.x + body.w / 2.0,
            body.y - 6.0 * k,
            TITLE_PT * k,
            [0, 0, 0],
            HAlign::Center,
            VAlign::Bottom,
            false,
        );
    }
    if let Some(cb) = cbar_rect {
        colorbar::draw(&mut canvas, cb, &scale, cbar_label, k);
    }
    Ok(canvas)
}
