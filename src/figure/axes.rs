//! Axis furniture in matplotlib's default style: tick marks (3.5 pt long,
//! 0.8 pt wide), tick labels (10 pt, 3.5 pt from the tick), axis labels
//! (4 pt from the labels), and seaborn's choice of which labels to show.

use crate::error::{Error, Result};
use crate::options::TickLabels;
use crate::render::fonts::Fonts;
use crate::render::scene::Scene;
use crate::render::text::{self, HAlign, Rotation, VAlign};

/// Black, the colour of ticks, labels and dendrogram lines.
pub const BLACK: [u8; 3] = [0, 0, 0];
/// Tick label and axis label size, points (matplotlib's 10 pt default).
pub const FONT_PT: f64 = 10.0;
/// Title size, points ("large" = 1.2 × 10 pt).
pub const TITLE_PT: f64 = 12.0;
/// Tick mark length, points (matplotlib's `xtick.major.size`).
pub const TICK_LEN_PT: f64 = 3.5;
/// Gap between a tick mark and its label, points (`xtick.major.pad`).
pub const TICK_PAD_PT: f64 = 3.5;
/// Tick mark line width, points (`xtick.major.width`).
pub const TICK_WIDTH_PT: f64 = 0.8;
/// Gap between tick labels and the axis label, points
/// (`axes.labelpad`).
pub const LABEL_PAD_PT: f64 = 4.0;

/// A rectangle in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge, pixels from the figure's left.
    pub x: f64,
    /// Top edge, pixels from the figure's top.
    pub y: f64,
    /// Width, pixels (≥ 0).
    pub w: f64,
    /// Height, pixels (≥ 0).
    pub h: f64,
}

impl Rect {
    /// The rectangle at (`x`, `y`) of size `w × h` pixels; a negative size
    /// becomes 0.
    pub fn new(x: f64, y: f64, w: f64, h: f64) -> Rect {
        Rect {
            x,
            y,
            w: w.max(0.0),
            h: h.max(0.0),
        }
    }
    /// Right edge, pixels (`x + w`).
    pub fn right(&self) -> f64 {
        self.x + self.w
    }
    /// Bottom edge, pixels (`y + h`).
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }
    /// Snapped to whole pixels (bodies are drawn on the pixel grid).
    pub fn snapped(&self) -> (usize, usize, usize, usize) {
        let x0 = self.x.round().max(0.0);
        let y0 = self.y.round().max(0.0);
        let x1 = self.right().round().max(x0 + 1.0);
        let y1 = self.bottom().round().max(y0 + 1.0);
        (
            x0 as usize,
            y0 as usize,
            (x1 - x0) as usize,
            (y1 - y0) as usize,
        )
    }
}

/// Room taken by a figure's title (with a `gap` in points below it) and by
/// its x and y axis labels, in pixels: `(title_h, xlabel_h, ylabel_w)`.
pub fn label_room(
    fonts: &Fonts,
    title: Option<&str>,
    xlabel: Option<&str>,
    ylabel: Option<&str>,
    gap_pt: f64,
    px_per_pt: f64,
) -> (f64, f64, f64) {
    let k = px_per_pt;
    let font = FONT_PT * k;
    let title_h = match title {
        Some(t) if !t.is_empty() => text::line_height(fonts, TITLE_PT * k) + gap_pt * k,
        _ => 0.0,
    };
    let axis =
        |l: Option<&str>| l.map_or(0.0, |_| text::line_height(fonts, font) + LABEL_PAD_PT * k);
    (title_h, axis(xlabel), axis(ylabel))
}

/// `label` as it fits in `max_px` pixels at `font_px`: whole, or its
/// longest prefix followed by "…".
pub(crate) fn shorten(fonts: &Fonts, label: &str, font_px: f64, max_px: f64) -> String {
    if text::width(fonts, label, font_px) <= max_px {
        return label.to_string();
    }
    let chars: Vec<char> = label.chars().collect();
    let with = |n: usize| chars[..n].iter().collect::<String>() + "…";
    let (mut lo, mut hi) = (0, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if text::width(fonts, &with(mid), font_px) <= max_px {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    with(lo)
}

/// `deg` degrees as the same angle in (-180, 180] (matplotlib takes any
/// angle modulo 360).
pub fn normalized_angle(deg: f64) -> f64 {
    let a = deg.rem_euclid(360.0);
    if a > 180.0 {
        a - 360.0
    } else {
        a
    }
}

/// Which of `n` labels to show on an axis `len_px` long (seaborn's
/// `_auto_ticks`: one label per font height; `every = n // max + 1`).
/// Given labels (a list, `file:PATH`) are all shown, as seaborn's list-like.
pub fn tick_indices(n: usize, mode: &TickLabels, len_px: f64, font_px: f64) -> Vec<usize> {
    match mode {
        TickLabels::None => vec![],
        TickLabels::All | TickLabels::Labels(_) | TickLabels::File(_) => (0..n).collect(),
        TickLabels::Every(k) => (0..n).step_by((*k).max(1)).collect(),
        TickLabels::Auto => {
            let max_ticks = (len_px / font_px).floor() as usize;
            if max_ticks == 0 {
                return vec![];
            }
            let every = n / max_ticks + 1;
            (0..n).step_by(every).collect()
        }
    }
}

/// The texts an axis shows for its `n` cells, in the axis's input order:
/// `own` (the data's labels), or the labels `mode` gives in their place
/// (seaborn's list-like `xticklabels`), which must be one per cell.
/// `key` is the option (`xticklabels`/`yticklabels`), `what` the cells
/// (`rows`, `columns`) for the message.
///
/// Errors: a list whose length is not `own.len()` ([`Error::Invalid`],
/// naming both lengths); an unread `file:PATH` ([`Error::Internal`]: the
/// pipeline reads it before the layout).
pub fn shown_labels<'a>(
    own: &'a [String],
    mode: &'a TickLabels,
    key: &str,
    what: &str,
) -> Result<&'a [String]> {
    match mode {
        TickLabels::Labels(v) if v.len() == own.len() => Ok(v),
        TickLabels::Labels(v) => Err(Error::Invalid(format!(
            "{} gives {} labels for {} {what}: give exactly one label per {}, in the input's order",
            crate::error::key_and_flag(key),
            v.len(),
            own.len(),
            what.trim_end_matches('s'),
        ))),
        TickLabels::File(p) => Err(Error::Internal(format!(
            "{key} file '{p}' was not read before the layout"
        ))),
        _ => Ok(own),
    }
}

/// matplotlib's default subplot box (`figure.subplot.*`) and grid gaps.
const SUBPLOT_LEFT: f64 = 0.125;
const SUBPLOT_RIGHT: f64 = 0.9;
const SUBPLOT_BOTTOM: f64 = 0.11;
const SUBPLOT_TOP: f64 = 0.88;
const GRID_SPACE: f64 = 0.2;
/// What `figure.colorbar(ax=…)` takes from its parent's width
/// (`fraction` + `pad`).
const CBAR_TAKES: f64 = 0.15 + 0.05;

/// The heatmap axes size in inches, (width, height), at the moment
/// seaborn's "auto" thinning measures it. Why not the final size: seaborn
/// thins inside `heatmap()`, before the caller's (or clustermap's own)
/// `tight_layout` grows the axes, so it keeps one label per font height of
/// the *default* subplot box — for a 10 × 8 in heatmap 6.16 in of rows, not
/// the ~7 in drawn. Showing the same labels as seaborn needs that size
/// (checked against seaborn in `tests/fixtures/ticks/`).
pub fn seaborn_heatmap_extent(figsize: (f64, f64), cbar: bool) -> (f64, f64) {
    let w = (SUBPLOT_RIGHT - SUBPLOT_LEFT) * figsize.0;
    let h = (SUBPLOT_TOP - SUBPLOT_BOTTOM) * figsize.1;
    (if cbar { w * (1.0 - CBAR_TAKES) } else { w }, h)
}

/// [`seaborn_heatmap_extent`] for `clustermap`: the last cell of its
/// GridSpec (dendrogram, optional colour strips, heatmap) inside the
/// default subplot box, with matplotlib's 0.2 gaps between cells.
pub fn seaborn_clustermap_extent(
    figsize: (f64, f64),
    dendrogram_ratio: (f64, f64),
    row_strips: usize,
    col_strips: usize,
    colors_ratio: f64,
) -> (f64, f64) {
    // seaborn's `dim_ratios`: [dendrogram, strips (if any), the rest].
    let last_cell = |total: f64, dendrogram: f64, strips: usize| {
        let mut ratios = vec![dendrogram];
        if strips > 0 {
            ratios.push(strips as f64 * colors_ratio);
        }
        ratios.push(1.0 - ratios.iter().sum::<f64>());
        let n = ratios.len() as f64;
        let cell = total / (n + GRID_SPACE * (n - 1.0));
        cell * n * ratios[ratios.len() - 1] / ratios.iter().sum::<f64>()
    };
    (
        last_cell(
            (SUBPLOT_RIGHT - SUBPLOT_LEFT) * figsize.0,
            dendrogram_ratio.0,
            row_strips,
        ),
        last_cell(
            (SUBPLOT_TOP - SUBPLOT_BOTTOM) * figsize.1,
            dendrogram_ratio.1,
            col_strips,
        ),
    )
}

/// Where tick labels sit relative to their axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Labels left of the axes (y axis of a heatmap).
    Left,
    /// Labels right of the axes (y axis of a clustermap).
    Right,
    /// Labels below the axes (x axis).
    Bottom,
}

/// Tick labels chosen for an axis, with their orientation.
#[derive(Debug, Clone)]
pub struct Ticks {
    /// Which side of the axes the labels sit on.
    pub side: Side,
    /// (cell index, label)
    pub labels: Vec<(usize, String)>,
    /// Labels turned 90° (x labels that would overlap; y labels that fit
    /// vertically, as seaborn decides; or as `*ticklabels_rotation` asks).
    pub rotated: bool,
    /// Labels turned by this angle, degrees counter-clockwise in
    /// (-180, 180] other than 0 and 90, about their end at the tick
    /// (`xticklabels_rotation`, `yticklabels_rotation`; see
    /// [`Ticks::with_rotation`]); `None`: as `rotated` says.
    pub angle: Option<f64>,
    /// Label font size, pixels.
    pub font_px: f64,
    /// Tick mark length, pixels.
    pub tick_len: f64,
    /// Gap between tick mark and label, pixels.
    pub tick_pad: f64,
    /// Tick mark line width, pixels.
    pub tick_width: f64,
    /// The fonts the labels are set in.
    pub fonts: Fonts,
    /// Only some labels, set apart from their rows and linked to them
    /// (`mark_rows`, ComplexHeatmap's `anno_mark`).
    pub marked: bool,
    /// A cell's length along the axis at the size the labels were chosen
    /// for, pixels (as `thin_px` of [`Ticks::choose`]).
    pub cell_px: f64,
    /// The labels were thinned automatically (`auto`): turning them may
    /// thin them further so turned labels do not overlap.
    pub auto: bool,
}

impl Ticks {
    /// Chooses labels for `n` cells and their orientation for an axis
    /// `thin_px` long — the size seaborn measures, not the final one (see
    /// [`seaborn_heatmap_extent`]), so the choice is seaborn's whatever the
    /// layout around the axes.
    pub fn choose(
        side: Side,
        all: &[String],
        mode: &TickLabels,
        thin_px: f64,
        px_per_pt: f64,
        fonts: &Fonts,
    ) -> Ticks {
        let font_px = FONT_PT * px_per_pt;
        let idx = tick_indices(all.len(), mode, thin_px, font_px);
        let labels: Vec<(usize, String)> = idx.iter().map(|&i| (i, all[i].clone())).collect();
        // Whether labels overlap is decided, like the thinning, at the size
        // seaborn measures, with matplotlib's widths (seaborn's
        // `axis_ticklabels_overlap` on the drawn text boxes).
        let overlap = if idx.len() > 1 {
            let spacing_pt = thin_px / px_per_pt / all.len() as f64 * (idx[1] - idx[0]) as f64;
            let widths: Vec<f64> = labels
                .iter()
                .map(|(_, l)| text::matplotlib_width_pt(fonts, l, FONT_PT))
                .collect();
            // An exact touch (80 px labels 80 px apart at 100 dpi, the
            // 7-row clustermap fixture) came out as an overlap in
            // matplotlib — its box positions carry rounding — so a touch
            // counts, within a tolerance that keeps it from flipping on
            // ours.
            widths
                .windows(2)
                .any(|w| (w[0] + w[1]) / 2.0 >= spacing_pt * (1.0 - 1e-9))
        } else {
            false
        };
        // A label longer than the whole axis cannot run along it.
        let too_long = labels
            .iter()
            .any(|(_, l)| text::width(fonts, l, font_px) > thin_px);
        let overlap = overlap || (idx.len() == 1 && too_long);
        let rotated = match side {
            // x labels go vertical when horizontal ones would overlap.
            Side::Bottom => overlap,
            // y labels are vertical unless vertical ones would overlap.
            Side::Left | Side::Right => !overlap && !labels.is_empty(),
        };
        Ticks {
            fonts: fonts.clone(),
            marked: false,
            side,
            labels,
            rotated,
            angle: None,
            font_px,
            tick_len: TICK_LEN_PT * px_per_pt,
            tick_pad: TICK_PAD_PT * px_per_pt,
            tick_width: TICK_WIDTH_PT * px_per_pt,
            cell_px: thin_px / all.len().max(1) as f64,
            auto: *mode == TickLabels::Auto,
        }
    }

    /// Shows only the cells labelled in `marks` (every cell with such a
    /// label, in axis order), horizontally, each linked to its cell by an
    /// elbow line, spread so none overlap: the way to name 30 genes on a
    /// 20 000-row heatmap. `all` are the axis's labels in drawn order. No
    /// marks: unchanged.
    /// `shown` are the texts drawn for them (the same, or given
    /// `yticklabels`), `all` the labels marks are matched against.
    pub fn with_marks(mut self, all: &[String], shown: &[String], marks: &[String]) -> Ticks {
        if marks.is_empty() || self.side == Side::Bottom {
            return self;
        }
        self.labels = all
            .iter()
            .enumerate()
            .filter(|(_, l)| marks.contains(l))
            .map(|(i, _)| (i, shown[i].clone()))
            .collect();
        self.rotated = false;
        self.angle = None;
        self.marked = true;
        self
    }

    /// The labels at `deg` degrees counter-clockwise (matplotlib's
    /// `rotation`, taken into (-180, 180]) instead of seaborn's choice:
    /// 0 horizontal, 90 vertical as seaborn turns them (centred on the
    /// tick), any other angle about the label's end at its tick, the text
    /// running away from the heatmap ([`Ticks::anchor`]). `None` and
    /// marked labels: unchanged.
    pub fn with_rotation(mut self, deg: Option<f64>) -> Ticks {
        let Some(deg) = deg.filter(|d| d.is_finite()) else {
            return self;
        };
        if self.marked {
            return self;
        }
        let a = normalized_angle(deg);
        self.angle = None;
        if a == 0.0 {
            self.rotated = false;
        } else if a == 90.0 {
            self.rotated = true;
        } else {
            self.angle = Some(a);
        }
        if a != 0.0 {
            self.thin_for_angle(a);
        }
        self
    }

    /// Thins automatically chosen labels turned by `a` degrees until no
    /// two overlap: neighbours `s` pixels apart along the axis are clear
    /// when they are a line apart across their direction or a label's
    /// length apart along it (x labels: `s·|sin a|` ≥ a line or
    /// `s·|cos a|` ≥ the widest label; y labels with sin and cos swapped).
    /// Given labels (`all`, `N`, a list) are left as asked.
    fn thin_for_angle(&mut self, a: f64) {
        if !self.auto || self.labels.len() < 2 {
            return;
        }
        let lh = text::line_height(&self.fonts, self.font_px);
        let widest = self
            .labels
            .iter()
            .map(|(_, l)| text::width(&self.fonts, l, self.font_px))
            .fold(0.0, f64::max);
        let (sin, cos) = (a.to_radians().sin().abs(), a.to_radians().cos().abs());
        let (across, along) = match self.side {
            Side::Bottom => (sin, cos),
            Side::Left | Side::Right => (cos, sin),
        };
        let need = |x: f64, over: f64| if over > 1e-9 { x / over } else { f64::INFINITY };
        let needed = need(lh, across).min(need(widest, along));
        let s = self.cell_px * (self.labels[1].0 - self.labels[0].0) as f64;
        if needed <= s || !needed.is_finite() || s <= 0.0 {
            return;
        }
        let k = (needed / s).ceil() as usize;
        self.labels = self.labels.iter().step_by(k).cloned().collect();
    }

    /// How the labels turn as drawn.
    pub fn rotation(&self) -> Rotation {
        match self.angle {
            Some(a) => Rotation::Anchored(a),
            None => self.rotated.into(),
        }
    }

    /// Which point of an angled label's unturned box sits at its anchor
    /// (the tick's end plus the pad), so that the turned label runs away
    /// from the heatmap: for x labels at 0 < a < 90 the top right corner
    /// (matplotlib's `ha="right", rotation_mode="anchor"` with the x
    /// labels' `va="top"`: the text runs down to the left), at -90 < a < 0
    /// the top left; past ±90 the text is upside down and hangs from its
    /// bottom edge. y labels are anchored by their end at the tick and
    /// their vertical centre (their start past ±90).
    pub fn anchor(&self, a: f64) -> (HAlign, VAlign) {
        let steep = a.abs() > 90.0;
        match self.side {
            Side::Bottom => (
                if a > 0.0 { HAlign::Right } else { HAlign::Left },
                if a.abs() == 90.0 {
                    VAlign::Center
                } else if steep {
                    VAlign::Bottom
                } else {
                    VAlign::Top
                },
            ),
            Side::Left if a.abs() == 90.0 => (
                HAlign::Center,
                if a > 0.0 { VAlign::Bottom } else { VAlign::Top },
            ),
            Side::Right if a.abs() == 90.0 => (
                HAlign::Center,
                if a > 0.0 { VAlign::Top } else { VAlign::Bottom },
            ),
            Side::Left => (
                if steep { HAlign::Left } else { HAlign::Right },
                VAlign::Center,
            ),
            Side::Right => (
                if steep { HAlign::Right } else { HAlign::Left },
                VAlign::Center,
            ),
        }
    }

    /// The box of angled label `l` anchored at (`x`, `y`): `(x0, y0, x1,
    /// y1)` pixels, as drawn.
    fn angled_box(&self, l: &str, a: f64, x: f64, y: f64) -> (f64, f64, f64, f64) {
        let (h, v) = self.anchor(a);
        text::bounds(
            &self.fonts,
            l,
            x,
            y,
            self.font_px,
            h,
            v,
            Rotation::Anchored(a),
        )
    }

    /// How far angled labels reach past the ends of their axis, pixels
    /// `(before, after)`: x labels left of the first cell's left edge and
    /// right of the last cell's right edge, y labels above the first row
    /// and below the last, for `n` cells evenly over `len_px` pixels.
    /// `(0, 0)` for labels that are not angled.
    pub fn overhang(&self, len_px: f64, n: usize) -> (f64, f64) {
        let Some(a) = self.angle else {
            return (0.0, 0.0);
        };
        if n == 0 {
            return (0.0, 0.0);
        }
        let (mut before, mut after) = (0.0f64, 0.0f64);
        let out = self.tick_len + self.tick_pad;
        for (i, l) in &self.labels {
            let c = (*i as f64 + 0.5) / n as f64 * len_px;
            let (b0, b1, b2, b3) = match self.side {
                Side::Bottom => self.angled_box(l, a, c, out),
                Side::Left => self.angled_box(l, a, -out, c),
                Side::Right => self.angled_box(l, a, out, c),
            };
            let (lo, hi) = if self.side == Side::Bottom {
                (b0, b2)
            } else {
                (b1, b3)
            };
            before = before.max(-lo);
            after = after.max(hi - len_px);
        }
        (before, after)
    }

    /// Labels whose extent out from the axis would pass `max_px` pixels
    /// shortened to fit, ending in "…" (the y labels' width when they are
    /// horizontal, the x labels' when they are turned), so long labels
    /// leave room for the heatmap in small figures.
    pub fn fit(mut self, max_px: f64) -> Ticks {
        if let Some(a) = self.angle {
            // Out from the axis, a label of width W at angle a reaches
            // W·|sin a| + H·|cos a| below an x axis (W·|cos a| + H·|sin a|
            // beside a y axis): shorten W to keep that within `max_px`.
            let (s, c) = a.to_radians().sin_cos();
            let (along, across) = match self.side {
                Side::Bottom => (s.abs(), c.abs()),
                Side::Left | Side::Right => (c.abs(), s.abs()),
            };
            let lh = text::line_height(&self.fonts, self.font_px);
            let room = max_px - self.tick_len - self.tick_pad - lh * across;
            if along > 1e-9 {
                let w = (room / along).max(self.font_px);
                for (_, l) in &mut self.labels {
                    *l = shorten(&self.fonts, l, self.font_px, w);
                }
            }
            return self;
        }
        let across = self.marked
            || match self.side {
                Side::Bottom => self.rotated,
                Side::Left | Side::Right => !self.rotated,
            };
        if !across {
            return self;
        }
        let room =
            (max_px - self.tick_len - self.tick_pad - if self.marked { self.link() } else { 0.0 })
                .max(self.font_px);
        for (_, l) in &mut self.labels {
            *l = shorten(&self.fonts, l, self.font_px, room);
        }
        self
    }

    /// Angled labels whose reach along the axis (`W·|cos a|` for x labels,
    /// `W·|sin a|` for y labels) would pass `max_px` pixels shortened to
    /// fit, ending in "…", so labels leaning past the heatmap's end leave
    /// it room in small figures; other labels: unchanged.
    pub fn fit_along(mut self, max_px: f64) -> Ticks {
        let Some(a) = self.angle else {
            return self;
        };
        let (s, c) = a.to_radians().sin_cos();
        let along = match self.side {
            Side::Bottom => c.abs(),
            Side::Left | Side::Right => s.abs(),
        };
        if along > 1e-9 {
            let w = (max_px / along).max(self.font_px);
            for (_, l) in &mut self.labels {
                *l = shorten(&self.fonts, l, self.font_px, w);
            }
        }
        self
    }

    /// Angled y labels leaning down past the last of `n` cells spread over
    /// `len_px` pixels shortened (each as needed, ending in "…"; left out
    /// where not even "…" fits) so that none reaches more than `max_px`
    /// below the axis's end: the x labels start there. Other labels:
    /// unchanged.
    pub fn fit_below(mut self, len_px: f64, n: usize, max_px: f64) -> Ticks {
        let Some(a) = self.angle else {
            return self;
        };
        if self.side == Side::Bottom || n == 0 {
            return self;
        }
        let (s, c) = a.to_radians().sin_cos();
        if s.abs() < 1e-9 {
            return self;
        }
        let half = 0.5 * text::line_height(&self.fonts, self.font_px) * c.abs();
        for k in 0..self.labels.len() {
            let (i, l) = &self.labels[k];
            let centre = (*i as f64 + 0.5) / n as f64 * len_px;
            let (_, _, _, b3) = self.angled_box(l, a, 0.0, centre);
            if b3 > len_px + max_px {
                // Reach below the anchor: W·|sin a| + H/2·|cos a|.
                let w = (len_px + max_px - centre - half) / s.abs();
                // No room even for "…": the label is left out (its tick
                // stays).
                let short = if w < text::width(&self.fonts, "…", self.font_px) {
                    String::new()
                } else {
                    shorten(&self.fonts, l, self.font_px, w)
                };
                self.labels[k].1 = short;
            }
        }
        self
    }

    /// Length of a marked label's link beyond its tick, pixels.
    fn link(&self) -> f64 {
        2.5 * self.font_px
    }

    /// Where marked labels go along the axis (`lo..hi`, pixels): each at
    /// its cell's centre `targets[k]` when it can, else pushed apart to one
    /// line height (forward from the top, then back from the bottom).
    fn spread(&self, targets: &[f64], lo: f64, hi: f64) -> Vec<f64> {
        let lh = text::line_height(&self.fonts, self.font_px) * 1.05;
        let mut p: Vec<f64> = Vec::with_capacity(targets.len());
        for &t in targets {
            let min = p.last().map_or(lo + lh / 2.0, |q| q + lh);
            p.push(t.max(min));
        }
        let mut max = hi - lh / 2.0;
        for q in p.iter_mut().rev() {
            *q = q.min(max);
            max = *q - lh;
        }
        p
    }

    /// How far the ticks and labels reach out from the axis, in pixels.
    pub fn extent(&self) -> f64 {
        if self.labels.is_empty() {
            return 0.0;
        }
        if self.marked {
            let widest = self
                .labels
                .iter()
                .map(|(_, l)| text::width(&self.fonts, l, self.font_px))
                .fold(0.0, f64::max);
            return self.tick_len + self.link() + self.tick_pad + widest;
        }
        if let Some(a) = self.angle {
            // The turned boxes' reach out from the tick's end.
            let reach = self
                .labels
                .iter()
                .map(|(_, l)| {
                    let (b0, _, b2, b3) = self.angled_box(l, a, 0.0, 0.0);
                    match self.side {
                        Side::Bottom => b3,
                        Side::Left => -b0,
                        Side::Right => b2,
                    }
                })
                .fold(0.0, f64::max);
            return self.tick_len + self.tick_pad + reach;
        }
        let widest = self
            .labels
            .iter()
            .map(|(_, l)| text::width(&self.fonts, l, self.font_px))
            .fold(0.0, f64::max);
        let across = match (self.side, self.rotated) {
            (Side::Bottom, true) | (Side::Left | Side::Right, false) => widest,
            _ => text::line_height(&self.fonts, self.font_px),
        };
        self.tick_len + self.tick_pad + across
    }

    /// Draws ticks and labels for cells spanning `rect` along the axis.
    pub fn draw(&self, canvas: &mut Scene, rect: Rect, n: usize) {
        let along = match self.side {
            Side::Bottom => (rect.x, rect.w),
            Side::Left | Side::Right => (rect.y, rect.h),
        };
        self.draw_at(canvas, rect, |i| {
            along.0 + (i as f64 + 0.5) / n as f64 * along.1
        });
    }

    /// Draws ticks and labels beside `rect`, the cell in display position
    /// `i` centred at `centre(i)` pixels along the axis (split slices: the
    /// cells with the gaps between slices).
    pub fn draw_at(&self, canvas: &mut Scene, rect: Rect, centre: impl Fn(usize) -> f64) {
        if self.marked {
            let targets: Vec<f64> = self.labels.iter().map(|(i, _)| centre(*i)).collect();
            let at = self.spread(&targets, rect.y, rect.bottom());
            let (x, dir, h) = if self.side == Side::Left {
                (rect.x, -1.0, HAlign::Right)
            } else {
                (rect.right(), 1.0, HAlign::Left)
            };
            let (x1, x2) = (
                x + dir * self.tick_len,
                x + dir * (self.tick_len + self.link()),
            );
            for (((_, label), &y), &ly) in self.labels.iter().zip(&targets).zip(&at) {
                canvas.hline(x, x1, y, self.tick_width, BLACK);
                canvas.segment(
                    x1,
                    y,
                    x2 - dir * 0.3 * self.link(),
                    ly,
                    self.tick_width,
                    BLACK,
                );
                canvas.hline(x2 - dir * 0.3 * self.link(), x2, ly, self.tick_width, BLACK);
                canvas.text(
                    label,
                    x2 + dir * self.tick_pad,
                    ly,
                    self.font_px,
                    BLACK,
                    h,
                    VAlign::Center,
                    false,
                );
            }
            return;
        }
        for (i, label) in &self.labels {
            match self.side {
                Side::Bottom => {
                    let x = centre(*i);
                    let y = rect.bottom();
                    canvas.vline(x, y, y + self.tick_len, self.tick_width, BLACK);
                    let ly = y + self.tick_len + self.tick_pad;
                    if let Some(a) = self.angle {
                        let (h, v) = self.anchor(a);
                        canvas.text(label, x, ly, self.font_px, BLACK, h, v, self.rotation());
                        continue;
                    }
                    canvas.text(
                        label,
                        x,
                        ly,
                        self.font_px,
                        BLACK,
                        HAlign::Center,
                        VAlign::Top,
                        self.rotated,
                    );
                }
                Side::Left | Side::Right => {
                    let y = centre(*i);
                    let (x, dir, h) = if self.side == Side::Left {
                        (rect.x, -1.0, HAlign::Right)
                    } else {
                        (rect.right(), 1.0, HAlign::Left)
                    };
                    canvas.hline(x, x + dir * self.tick_len, y, self.tick_width, BLACK);
                    let lx = x + dir * (self.tick_len + self.tick_pad);
                    if let Some(a) = self.angle {
                        let (h, v) = self.anchor(a);
                        canvas.text(label, lx, y, self.font_px, BLACK, h, v, self.rotation());
                        continue;
                    }
                    canvas.text(
                        label,
                        lx,
                        y,
                        self.font_px,
                        BLACK,
                        h,
                        VAlign::Center,
                        self.rotated,
                    );
                }
            }
        }
    }
}

/// Draws an axis label centred on `rect`'s side, `offset` px beyond it.
pub fn axis_label(
    canvas: &mut Scene,
    label: &str,
    rect: Rect,
    side: Side,
    offset: f64,
    font_px: f64,
) {
    match side {
        Side::Bottom => canvas.text(
            label,
            rect.x + rect.w / 2.0,
            rect.bottom() + offset,
            font_px,
            BLACK,
            HAlign::Center,
            VAlign::Top,
            false,
        ),
        Side::Left => canvas.text(
            label,
            rect.x - offset,
            rect.y + rect.h / 2.0,
            font_px,
            BLACK,
            HAlign::Right,
            VAlign::Center,
            true,
        ),
        Side::Right => canvas.text(
            label,
            rect.right() + offset,
            rect.y + rect.h / 2.0,
            font_px,
            BLACK,
            HAlign::Left,
            VAlign::Center,
            true,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_thins_to_one_label_per_font_height() {
        // 30 rows on 620 px with 13.9 px text: all fit (seaborn shows all).
        assert_eq!(tick_indices(30, &TickLabels::Auto, 620.0, 13.9).len(), 30);
        // 20 000 rows on 800 px: every 347th.
        let t = tick_indices(20_000, &TickLabels::Auto, 800.0, 13.9);
        assert_eq!(t[1], 20_000 / 57 + 1);
        assert_eq!(
            tick_indices(5, &TickLabels::None, 100.0, 10.0),
            Vec::<usize>::new()
        );
        assert_eq!(
            tick_indices(5, &TickLabels::Every(2), 100.0, 10.0),
            vec![0, 2, 4]
        );
    }

    #[test]
    fn angles_are_taken_into_minus_180_to_180() {
        for (a, want) in [
            (45.0, 45.0),
            (-45.0, -45.0),
            (180.0, 180.0),
            (-180.0, 180.0),
            (270.0, -90.0),
            (405.0, 45.0),
            (-330.0, 30.0),
            (0.0, 0.0),
            (360.0, 0.0),
        ] {
            assert_eq!(normalized_angle(a), want, "{a}");
        }
    }

    fn ticks(side: Side, labels: &[&str], rotation: Option<f64>) -> Ticks {
        let all: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
        Ticks::choose(
            side,
            &all,
            &TickLabels::All,
            600.0,
            100.0 / 72.0,
            &Fonts::dejavu_only(),
        )
        .with_rotation(rotation)
    }

    #[test]
    fn turned_auto_labels_are_thinned_until_none_overlap() {
        let all: Vec<String> = (0..60).map(|i| format!("Sample_number_{i}")).collect();
        let f = Fonts::dejavu_only();
        let k = 100.0 / 72.0;
        let px = FONT_PT * k;
        let lh = text::line_height(&f, px);
        let choose = |side, mode: &TickLabels, deg| {
            Ticks::choose(side, &all, mode, 600.0, k, &f).with_rotation(Some(deg))
        };
        for (side, deg) in [
            (Side::Bottom, 30.0),
            (Side::Bottom, -45.0),
            (Side::Left, 90.0),
            (Side::Left, 60.0),
        ] {
            let upright = Ticks::choose(side, &all, &TickLabels::Auto, 600.0, k, &f);
            let t = choose(side, &TickLabels::Auto, deg);
            assert!(
                t.labels.len() < upright.labels.len(),
                "{side:?} {deg}: not thinned"
            );
            let s = 10.0 * (t.labels[1].0 - t.labels[0].0) as f64;
            let w = text::width(&f, &all[59], px);
            let (sin, cos) = (
                f64::to_radians(deg).sin().abs(),
                f64::to_radians(deg).cos().abs(),
            );
            let (across, along) = if side == Side::Bottom {
                (sin, cos)
            } else {
                (cos, sin)
            };
            assert!(
                s * across >= lh || s * along >= w,
                "{side:?} {deg}: {s} px apart"
            );
        }
        // Labels asked for (all) are all drawn, turned or not.
        assert_eq!(
            choose(Side::Bottom, &TickLabels::All, 30.0).labels.len(),
            60
        );
    }

    #[test]
    fn angled_labels_reserve_their_turned_reach_and_run_away_from_the_axes() {
        let labels = ["Gene_1", "A_much_longer_label", "g"];
        let f = Fonts::dejavu_only();
        let px = FONT_PT * 100.0 / 72.0;
        let (w, lh) = (text::width(&f, labels[1], px), text::line_height(&f, px));
        // 0 and 90 are seaborn's horizontal and vertical labels.
        let t = ticks(Side::Bottom, &labels, Some(360.0));
        assert!(!t.rotated && t.angle.is_none());
        let t = ticks(Side::Bottom, &labels, Some(-270.0));
        assert!(t.rotated && t.angle.is_none());
        assert_eq!(t.rotation(), Rotation::Vertical);
        // 45° below the axis: the widest label's W·sin + H·cos.
        let t = ticks(Side::Bottom, &labels, Some(45.0));
        assert_eq!(t.rotation(), Rotation::Anchored(45.0));
        let r = std::f64::consts::FRAC_1_SQRT_2;
        let want = t.tick_len + t.tick_pad + (w + lh) * r;
        assert!((t.extent() - want).abs() < 1e-9, "{} {want}", t.extent());
        // 30° is lower: less reach than 45°, more than horizontal.
        let flat = ticks(Side::Bottom, &labels, Some(0.0)).extent();
        let t30 = ticks(Side::Bottom, &labels, Some(30.0)).extent();
        assert!(flat < t30 && t30 < t.extent());
        // The first label, its end at its tick, reaches left of the axis;
        // right, only the last box's corner a line's height·sin past its tick
        // (the text runs down to the left).
        let (before, after) = t.overhang(60.0, 3);
        let want = labels
            .iter()
            .enumerate()
            .map(|(i, l)| text::width(&f, l, px) * r - (i as f64 + 0.5) * 20.0)
            .fold(0.0, f64::max);
        assert!(
            want > 50.0 && (before - want).abs() < 1e-9,
            "{before} {want}"
        );
        assert!((after - (lh * r - 10.0)).abs() < 1e-9, "{after}");
        // -45°: down to the right, past the right end.
        let (before, after) = ticks(Side::Bottom, &labels, Some(-45.0)).overhang(60.0, 3);
        assert!(before < lh * r && after > 50.0, "{before} {after}");
        // Every angle keeps x labels below the tick's end and y labels
        // beside theirs: nothing reaches back over the axes.
        for deg in [
            -179.0, -135.0, -90.0, -60.0, -1.0, 1.0, 30.0, 89.0, 91.0, 150.0, 180.0,
        ] {
            for side in [Side::Bottom, Side::Left, Side::Right] {
                let t = ticks(side, &labels, Some(deg));
                let a = t.angle.unwrap();
                for l in labels {
                    let (x0, y0, x1, _) = t.angled_box(l, a, 0.0, 0.0);
                    // y labels hang from their vertical centre: a corner of
                    // the box reaches back H/2·|sin a| (less than the tick
                    // pad below 60°).
                    let back = 0.5 * lh * a.to_radians().sin().abs() + 1e-9;
                    let ok = match side {
                        Side::Bottom => y0 > -1e-9,
                        Side::Left => x1 < back,
                        Side::Right => x0 > -back,
                    };
                    assert!(
                        ok,
                        "{deg}° {side:?} {l}: {:?}",
                        t.angled_box(l, a, 0.0, 0.0)
                    );
                }
            }
        }
    }

    #[test]
    fn angled_labels_are_shortened_along_their_direction() {
        let long = "L".repeat(80);
        let f = Fonts::dejavu_only();
        let px = FONT_PT * 100.0 / 72.0;
        for deg in [45.0, 30.0, -60.0] {
            let t = ticks(Side::Bottom, &[&long, "short"], Some(deg)).fit(150.0);
            // The reach out from the axis keeps within the room...
            assert!(t.extent() <= 150.0 + 1e-9, "{deg}: {}", t.extent());
            assert!(t.labels[0].1.ends_with('…') && t.labels[1].1 == "short");
            // ...and uses it: one more character would not fit.
            let w = text::width(&f, &t.labels[0].1, px);
            let s = deg.to_radians().sin().abs();
            let c = deg.to_radians().cos().abs();
            let lh = text::line_height(&f, px);
            let room = 150.0 - t.tick_len - t.tick_pad - lh * c;
            assert!(
                w <= room / s + 1e-9 && w > room / s - 2.0 * px,
                "{deg}: {w}"
            );
        }
        // A y label at 20° keeps its reach beside the axis within the room.
        let t = ticks(Side::Left, &[&long], Some(20.0)).fit(200.0);
        assert!(t.extent() <= 200.0 + 1e-9 && t.labels[0].1.ends_with('…'));
        // Along the axis too: a 30° label leans at most 100 px past its tick.
        let t = ticks(Side::Bottom, &[&long], Some(30.0)).fit_along(100.0);
        let w = text::width(&f, &t.labels[0].1, px);
        let c = 30f64.to_radians().cos();
        assert!(w * c <= 100.0 + 1e-9 && w * c > 100.0 - 2.0 * px, "{w}");
        let same = ticks(Side::Bottom, &[&long], None).fit_along(100.0);
        assert_eq!(same.labels[0].1, long);
    }

    #[test]
    fn seaborn_measures_the_axes_before_tight_layout() {
        let close = |a: (f64, f64), b: (f64, f64)| {
            assert!(
                (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9,
                "{a:?} {b:?}"
            )
        };
        // 10 x 8 in: 0.775 x 0.77 of the figure, the colour bar takes 20 %.
        close(seaborn_heatmap_extent((10.0, 8.0), true), (6.2, 6.16));
        close(seaborn_heatmap_extent((10.0, 8.0), false), (7.75, 6.16));
        // clustermap 10 x 10: two grid cells, 0.2 gap, ratios 0.2 / 0.8.
        close(
            seaborn_clustermap_extent((10.0, 10.0), (0.2, 0.2), 0, 0, 0.03),
            (7.75 / 2.2 * 1.6, 7.7 / 2.2 * 1.6),
        );
        // One strip each way: three cells, ratios 0.2 / 0.03 / 0.77.
        close(
            seaborn_clustermap_extent((10.0, 10.0), (0.2, 0.2), 1, 1, 0.03),
            (7.75 / 3.4 * 3.0 * 0.77, 7.7 / 3.4 * 3.0 * 0.77),
        );
    }
}
