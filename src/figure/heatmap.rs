//! The single-heatmap figure (`sns.heatmap` in `plt.subplots(figsize)` with
//! `tight_layout`), used by `heatmap` and `corrmap`: title on top, y tick
//! labels left, x tick labels below (turned when they would overlap), the
//! colour bar in matplotlib's default slot (15 % of the axes width, 5 %
//! pad, 1:20 aspect, `shrink` of the height, centred).

use super::axes::{
    label_room, seaborn_heatmap_extent, shown_labels, Rect, Side, Ticks, FONT_PT, TITLE_PT,
};
use super::colorbar::{self, Placement, TickSide};
use super::panel::{self, Grid};
use crate::error::Result;
use crate::options::FigureOptions;
use crate::render::mesh::StreamedCells;
use crate::render::scale::ColorScale;
use crate::render::scene::{Part, Scene};
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
    /// `rows × cols` flags, display order: missing in the data (drawn in
    /// `na_color`), as opposed to masked.
    pub missing: Option<&'a [bool]>,
    /// `rows × cols` cell texts, display order (`annot` = a table or stars).
    pub text: Option<&'a [Option<String>]>,
    /// Marker sets bracketed above the columns: `(name, first, last)`
    /// column positions (scanpy's `var_group_positions`); empty for none.
    pub col_sets: &'a [(String, usize, usize)],
    /// A matrix drawn from its rows instead of `values` (then empty): the
    /// colour range and the body come from it (see `panel::Grid`).
    pub streamed: Option<&'a dyn StreamedCells>,
}

/// Tick labels take at most this fraction of the figure's width (y labels)
/// or height (x labels); longer ones are shortened with "…".
pub(crate) const MAX_LABELS: f64 = 0.3;

/// Angled tick labels lean past their tick along the axis by at most this
/// fraction of the figure's width (x labels) or height (y labels); longer
/// ones are shortened with "…".
pub(crate) const MAX_LEAN: f64 = 0.2;

/// Padding tight_layout leaves at the figure edge (1.08 × font size).
pub(crate) fn edge_pad(px_per_pt: f64) -> f64 {
    1.08 * FONT_PT * px_per_pt
}

/// Renders the figure.
pub fn render(data: &HeatmapData, opts: &FigureOptions) -> Result<Scene> {
    let (mut canvas, k, w, h) = super::canvas(opts)?;
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
    let place = colorbar::placement(opts);
    let x_shown = shown_labels(data.col_labels, &opts.xticklabels, "xticklabels", "columns")?;
    let y_shown = shown_labels(data.row_labels, &opts.yticklabels, "yticklabels", "rows")?;

    // Which labels show, and which way they turn, is decided for the axes
    // seaborn measures (before tight_layout grows them); their extents
    // then size the axes. Where the drawn axes come out shorter than that
    // (square cells, long labels), seaborn's labels would overlap: those
    // axes are thinned again for the length they have, so labels stay
    // legible (seaborn's choice everywhere else).
    let thin = seaborn_heatmap_extent(opts.figsize, opts.cbar);
    let (thin_w, thin_h) = (thin.0 * opts.dpi, thin.1 * opts.dpi);
    // `drop`: extra room above the axes, for a title the colour bar's top
    // tick label would otherwise run into.
    // `more`: extra room (left, right, bottom) for angled labels reaching
    // past the ends of their axis, and (`more[1]`) how far x labels may
    // lean past their tick along the axis, pixels.
    let layout = |scale: &ColorScale, thin_w: f64, thin_h: f64, drop: f64, more: [f64; 4]| {
        let xt = Ticks::choose(Side::Bottom, x_shown, &opts.xticklabels, thin_w, k, &fonts)
            .with_rotation(opts.xticklabels_rotation)
            .fit(MAX_LABELS * h)
            .fit_along(more[1].min(MAX_LEAN * w));
        let yt = Ticks::choose(Side::Left, y_shown, &opts.yticklabels, thin_h, k, &fonts)
            .with_marks(data.row_labels, y_shown, &opts.mark_rows)
            .with_rotation(opts.yticklabels_rotation)
            .fit(MAX_LABELS * w)
            .fit_along(MAX_LEAN * h);
        let mut left = pad + ylabel_w + yt.extent() + more[0];
        let mut top = pad + title_h + drop + super::brackets::height(&fonts, data.col_sets, k, h);
        let mut bottom = h - pad - xlabel_h - xt.extent() - more[3];
        let mut right = w - pad - more[2];
        // A bar beside the heatmap on a chosen side takes a strip of the
        // figure there: matplotlib's `fraction` slot, the bar 1/20 of its
        // length thick, 5 % of the axes' size between them.
        let side_bar = match place {
            Placement::Beside(side) => Some(side),
            _ => None,
        };
        let mut beside = None;
        if let Some(side) = side_bar {
            let along = if side.horizontal() {
                right - left
            } else {
                bottom - top
            };
            // The end tick labels may reach past the bar's ends by `over`:
            // keep them within the side they run along.
            let over = colorbar::overhang(&fonts, scale, along, cbar_label, side, k);
            let len = (along * opts.cbar_shrink).min(along - 2.0 * over).max(1.0);
            // matplotlib's aspect 20, at most 3 % of the figure across.
            let thick = (len / 20.0).min(0.03 * if side.horizontal() { h } else { w });
            let deco = colorbar::decorations(&fonts, scale, len, cbar_label, side, k);
            let gap = 0.05 * along;
            let room = gap + thick + deco;
            match side {
                TickSide::Right => right -= room,
                TickSide::Left => left += room,
                TickSide::Top => top += room,
                TickSide::Bottom => bottom -= room,
            }
            beside = Some((side, len, thick, deco, gap, over));
        }
        let avail_h = (bottom - top).max(10.0);
        let avail_w = (right - left).max(10.0);
        let (heat_w, cbar_rect) = match (place, beside) {
            (Placement::Default, _) => {
                let cb_h = avail_h * opts.cbar_shrink;
                let cb_w = cb_h / 20.0;
                let deco =
                    colorbar::decorations(&fonts, scale, cb_h, cbar_label, TickSide::Right, k);
                // Parent keeps 80 % of the axes width; the bar's slot starts at 85 %.
                let total = ((avail_w - cb_w - deco) / 0.85).min(avail_w);
                let slot_x = left + total * 0.85;
                let cb_y = top + (avail_h - cb_h) / 2.0;
                (
                    total * 0.8,
                    Some((Rect::new(slot_x, cb_y, cb_w, cb_h), TickSide::Right)),
                )
            }
            (Placement::Beside(_), Some((side, len, thick, deco, gap, _))) => {
                let (mid_y, mid_x) = (top + (avail_h - len) / 2.0, left + (avail_w - len) / 2.0);
                let r = match side {
                    TickSide::Right => Rect::new(right + gap, mid_y, thick, len),
                    TickSide::Left => Rect::new(pad + deco, mid_y, thick, len),
                    TickSide::Top => Rect::new(mid_x, top - gap - thick, len, thick),
                    TickSide::Bottom => {
                        Rect::new(mid_x, bottom + xt.extent() + xlabel_h + gap, len, thick)
                    }
                };
                (avail_w, Some((r, side)))
            }
            (Placement::At(b, side), _) => (avail_w, Some((colorbar::at_rect(b, w, h), side))),
            _ => (avail_w, None),
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
    let arrange = |scale: &ColorScale, drop: f64| {
        let (mut thin_w, mut thin_h) = (thin_w, thin_h);
        let mut more = [0.0, f64::INFINITY, 0.0, 0.0];
        let (mut xt, mut yt, mut axes, mut cbar_rect) = layout(scale, thin_w, thin_h, drop, more);
        if axes.w < thin_w || axes.h < thin_h {
            (thin_w, thin_h) = (thin_w.min(axes.w), thin_h.min(axes.h));
            (xt, yt, axes, cbar_rect) = layout(scale, thin_w, thin_h, drop, more);
        }
        // Angled labels reach past the ends of their axis: x labels left
        // of the figure's edge (or right of it), y labels below the x
        // labels (and the figure). Make room and lay out
        // again (the axes shrink a little, the reach grows with them:
        // a few rounds settle it).
        for _ in 0..4 {
            let (xb, xa) = xt.overhang(axes.w, data.cols);
            let (_, ya) = yt.overhang(axes.h, data.rows);
            let need = [
                xb - (axes.x - pad),
                0.0,
                axes.right() + xa - (w - pad),
                ya - xt.extent() - xlabel_h - more[3],
            ];
            if need.iter().all(|&n| n <= 0.5) {
                break;
            }
            for (m, n) in more.iter_mut().zip(need) {
                *m += n.max(0.0) + if n > 0.5 { 1.0 } else { 0.0 };
            }
            // At most a twentieth of the figure more on the left (the rest is
            // the labels' to give up, below).
            more[0] = more[0].min(0.05 * w);
            (xt, yt, axes, cbar_rect) = layout(scale, thin_w, thin_h, drop, more);
            // Leaning labels that would still pass the figure's left edge
            // (a small figure) are shortened to end there.
            if more[0] >= 0.05 * w {
                if let Some(&(i, _)) = xt.labels.first() {
                    let c = (i as f64 + 0.5) / data.cols as f64 * axes.w;
                    more[1] = more[1].min((axes.x - pad + c - 1.0).max(0.0));
                    (xt, yt, axes, cbar_rect) = layout(scale, thin_w, thin_h, drop, more);
                }
            }
        }
        // Row labels leaning down stay above the column labels.
        yt = yt.fit_below(axes.h, data.rows, xt.tick_len + xt.tick_pad);
        (xt, yt, axes, cbar_rect)
    };
    let scale = match data.streamed {
        Some(s) => {
            // One pass over the matrix gives the colour range and, for
            // the body laid out with a first guess at that range, the
            // pixels (used when the range's own layout has the same body).
            let guess = ColorScale::from_range(&opts.color(), s.range_guess())?;
            let (_, _, w, h) = arrange(&guess, 0.0).2.snapped();
            ColorScale::from_range(&opts.color(), s.range_with(w, h, opts.aggregate))?
        }
        None => ColorScale::resolve(&opts.color(), data.values.iter().copied())?,
    };
    let mut drop = 0.0;
    let (mut xt, mut yt, mut axes, mut cbar_rect) = arrange(&scale, drop);
    // matplotlib lets the bar's end labels reach past its ends, and a
    // square heatmap sits lower than its bar; a title above the axes that
    // spans the bar goes above the bar's top label instead, the axes
    // moving down where the title band has no room for it.
    let spans = |axes: &Rect, cb: &Rect| -> Option<f64> {
        let t = opts.title.as_deref().filter(|t| !t.is_empty())?;
        let tw = crate::render::text::width(&fonts, t, TITLE_PT * k);
        let mid = axes.x + axes.w / 2.0;
        let deco = colorbar::decorations(&fonts, &scale, cb.h, cbar_label, TickSide::Right, k);
        let over = colorbar::overhang(&fonts, &scale, cb.h, cbar_label, TickSide::Right, k);
        (mid + tw / 2.0 > cb.x - deco && mid - tw / 2.0 < cb.right() + deco).then_some(over)
    };
    if let Some((cb, TickSide::Right | TickSide::Left)) = cbar_rect {
        if let Some(over) = spans(&axes, &cb) {
            if cb.y - over < pad + title_h {
                drop = over;
                (xt, yt, axes, cbar_rect) = arrange(&scale, drop);
            }
        }
    }
    let grid = Grid {
        values: data.values,
        rows: data.rows,
        cols: data.cols,
        missing: data.missing,
        text: data.text,
        streamed: data.streamed,
    };
    let (body, _) = panel::draw_panel(
        &mut canvas,
        axes,
        &grid,
        &scale,
        opts,
        &xt,
        &yt,
        Side::Left,
        0.0,
    )?;
    super::brackets::draw(&mut canvas, body, data.cols, data.col_sets, k);
    if let Some(t) = opts.title.as_ref().filter(|t| !t.is_empty()) {
        canvas.begin(Part::Title);
        // Above the heatmap, or above a colour bar placed on top of it or
        // reaching above the heatmap beneath the title.
        let y = match cbar_rect {
            Some((_, TickSide::Top)) => pad + title_h,
            Some((cb, TickSide::Right | TickSide::Left)) => match spans(&body, &cb) {
                Some(over) => body.y.min(cb.y - over),
                None => body.y,
            },
            _ => body.y,
        };
        // Centred on the heatmap, kept inside the figure.
        let tw = crate::render::text::width(&fonts, t, TITLE_PT * k);
        let x = (body.x + body.w / 2.0)
            .min(w - pad - tw / 2.0)
            .max(pad + tw / 2.0);
        canvas.text(
            t,
            x,
            y - 6.0 * k - super::brackets::height(&fonts, data.col_sets, k, h),
            TITLE_PT * k,
            [0, 0, 0],
            HAlign::Center,
            VAlign::Bottom,
            false,
        );
    }
    if let Some((cb, side)) = cbar_rect {
        canvas.begin(Part::Colorbar);
        colorbar::draw(
            &mut canvas,
            cb,
            &scale,
            cbar_label,
            side,
            opts.na_color()?,
            k,
        );
    }
    Ok(canvas)
}
