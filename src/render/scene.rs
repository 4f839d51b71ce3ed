//! A figure as a list of drawing operations, recorded once and replayed
//! onto any surface: the pixel canvas for PNG, SVG and PDF writers for
//! vector output (text and lines stay vectors; the heatmap body is an
//! embedded image, or one rectangle per cell when there are few cells).

use super::canvas::Canvas;
use super::colormap::Rgb;
use super::fonts::Fonts;
use super::text::{self, HAlign, Rotation, VAlign};

/// A filled cell: `(x0, y0, x1, y1, colour)`.
pub type Cell = (f64, f64, f64, f64, Rgb);

/// One drawing operation, in pixel coordinates (origin top-left).
#[derive(Debug, Clone)]
pub enum Op {
    /// A filled rectangle, `[x0, x1) × [y0, y1)` in pixels.
    Rect {
        /// Left edge, pixels.
        x0: f64,
        /// Top edge, pixels.
        y0: f64,
        /// Right edge, pixels (`x1 > x0`).
        x1: f64,
        /// Bottom edge, pixels (`y1 > y0`).
        y1: f64,
        /// Fill colour.
        color: Rgb,
        /// Raster output paints whole pixels whose centre lies inside (a
        /// matplotlib `pcolormesh` cell, not anti-aliased), so cells of
        /// one colour meet without a seam; otherwise edges are
        /// anti-aliased by coverage.
        crisp: bool,
    },
    /// An axis-aligned line `width` px wide through `at` (x of a vertical
    /// line, y of a horizontal one) from `from` to `to` along it. Raster
    /// output snaps it to pixels as matplotlib's Agg snaps rectilinear
    /// paths; vector output draws it where it is.
    Rule {
        /// Vertical (else horizontal).
        vertical: bool,
        /// Position across the line, pixels.
        at: f64,
        /// Start along the line, pixels.
        from: f64,
        /// End along the line, pixels (`to >= from`).
        to: f64,
        /// Width, pixels.
        width: f64,
        /// Colour.
        color: Rgb,
        /// Anti-aliased (matplotlib's lines and ticks) or not (the edges
        /// of `pcolormesh` cells, which seaborn's `linewidths` draws).
        aa: bool,
    },
    /// A straight line of any direction (the links of marked labels),
    /// anti-aliased, round ends; pixels.
    Segment {
        /// Start x.
        x0: f64,
        /// Start y.
        y0: f64,
        /// End x.
        x1: f64,
        /// End y.
        y1: f64,
        /// Width, pixels.
        width: f64,
        /// Colour.
        color: Rgb,
    },
    /// An RGB image placed at integer pixels; `mask` marks drawn pixels.
    Image {
        /// Left edge, pixels.
        x: usize,
        /// Top edge, pixels.
        y: usize,
        /// Width, pixels.
        w: usize,
        /// Height, pixels.
        h: usize,
        /// RGB bytes, row-major: `w × h × 3`.
        rgb: Vec<u8>,
        /// `w × h` flags, row-major: false pixels are not drawn (NaN or masked
        /// cells); `None` draws every pixel.
        mask: Option<Vec<bool>>,
        /// Per-cell rectangles with the same content, for vector output of
        /// small matrices (crisper and editable).
        cells: Option<Vec<Cell>>,
    },
    /// A single line of text in the scene's fonts.
    Text {
        /// The text.
        text: String,
        /// Anchor x, pixels.
        x: f64,
        /// Anchor y, pixels.
        y: f64,
        /// Font size (em), pixels.
        px: f64,
        /// Text colour.
        color: Rgb,
        /// Which point of the box `x` is.
        h: HAlign,
        /// Which line of the box `y` is.
        v: VAlign,
        /// How the text turns: not, 90° (reads bottom to top, matplotlib
        /// `rotation=90`; the anchors apply to the turned box), or any
        /// angle about the anchor point ([`Rotation::Anchored`]).
        rotation: Rotation,
    },
}

/// How PDF and SVG output carry text (matplotlib's `pdf.fonttype` /
/// `svg.fonttype`): as text in an embedded subset of the font, which a
/// reader can search, copy and edit, or as glyph outlines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextMode {
    /// Text objects in an embedded font subset (`pdf.fonttype 42`,
    /// `svg.fonttype 'none'` with the font embedded).
    #[default]
    Text,
    /// Filled glyph outlines (`svg.fonttype 'path'`): no font, no text.
    Paths,
}

impl std::str::FromStr for TextMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" => Ok(TextMode::Text),
            "paths" => Ok(TextMode::Paths),
            _ => Err(format!("unknown text mode '{s}' (expected text or paths)")),
        }
    }
}

impl Op {
    /// A [`Op::Rule`]'s rectangle `(x0, y0, x1, y1)` where it is (vector
    /// output); `None` for other operations.
    pub fn rule_rect(&self) -> Option<(f64, f64, f64, f64)> {
        match *self {
            Op::Rule {
                vertical,
                at,
                from,
                to,
                width,
                ..
            } => Some(if vertical {
                (at - width / 2.0, from, at + width / 2.0, to)
            } else {
                (from, at - width / 2.0, to, at + width / 2.0)
            }),
            _ => None,
        }
    }
}

/// Which element of a figure an operation belongs to, so the layout can
/// be checked for collisions ([`Scene::boxes`]): no two elements may
/// overlap, at any figure size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    /// The heatmap body: cells, cell edges, cell text.
    Body,
    /// The x axis: ticks and tick labels.
    XTicks,
    /// The y axis: ticks and tick labels (or marked labels and their links).
    YTicks,
    /// The x axis label.
    XLabel,
    /// The y axis label.
    YLabel,
    /// The title.
    Title,
    /// The colour bar: gradient, ticks, tick labels, label.
    Colorbar,
    /// The legend of the colour strips.
    Legend,
    /// The row dendrogram.
    RowDendrogram,
    /// The column dendrogram.
    ColDendrogram,
    /// The colour strips beside the rows.
    RowStrips,
    /// The colour strips above the columns.
    ColStrips,
    /// The names of the colour strips, with their ticks.
    StripNames,
    /// Marker-set brackets and their names above the columns (scanpy's
    /// `var_group_positions`).
    MarkerSets,
    /// The bar tracks above the columns (`col_bars`): bars, border, value
    /// axis and the tracks' names.
    ColBars,
    /// The bar tracks beside the rows (`row_bars`), as [`Part::ColBars`].
    RowBars,
}

/// The recorded figure.
#[derive(Debug, Clone)]
pub struct Scene {
    /// Width, pixels.
    pub width: usize,
    /// Height, pixels.
    pub height: usize,
    /// The operations, drawn in order (later ones on top).
    pub ops: Vec<Op>,
    /// The fonts the text is set in.
    pub fonts: Fonts,
    /// The figure's title, for a PDF's document information.
    pub title: Option<String>,
    /// How PDF and SVG carry the text.
    pub text_mode: TextMode,
    /// `(first op, part)`: the operations from that index on belong to
    /// that element (until the next entry); see [`Scene::begin`].
    pub parts: Vec<(usize, Part)>,
    /// What the layout left out, for the user (a legend too big for the
    /// figure).
    pub warnings: Vec<String>,
    /// The colour bar's ticks as drawn, bottom to top: `(value, label)`,
    /// the label as printed (U+2212 minus); empty when there is no bar.
    /// For library callers comparing with matplotlib's
    /// `cbar.get_ticks()` and tick labels.
    pub colorbar_ticks: Vec<(f64, String)>,
}

impl Scene {
    /// An empty scene of `width × height` pixels (white background).
    pub fn new(width: usize, height: usize) -> Scene {
        Scene {
            width,
            height,
            ops: Vec::new(),
            fonts: Fonts::default(),
            title: None,
            text_mode: TextMode::Text,
            parts: Vec::new(),
            warnings: Vec::new(),
            colorbar_ticks: Vec::new(),
        }
    }

    /// The operations recorded from now on belong to `part`.
    pub fn begin(&mut self, part: Part) {
        self.parts.push((self.ops.len(), part));
    }

    /// The box `(x0, y0, x1, y1)`, pixels, of every operation that belongs
    /// to a [`Part`], with its part, in drawing order: rectangles and
    /// images as placed, lines with their width, text by its logical box
    /// ([`text::bounds`]; turned text by the axis-aligned box around it).
    pub fn boxes(&self) -> Vec<(Part, [f64; 4])> {
        let mut out = Vec::with_capacity(self.ops.len());
        for (k, &(start, part)) in self.parts.iter().enumerate() {
            let end = self.parts.get(k + 1).map_or(self.ops.len(), |p| p.0);
            for op in &self.ops[start..end] {
                let b = match op {
                    Op::Rect { x0, y0, x1, y1, .. } => [*x0, *y0, *x1, *y1],
                    Op::Rule { .. } => {
                        let (a, b, c, d) = op.rule_rect().unwrap_or_default();
                        [a, b, c, d]
                    }
                    Op::Segment {
                        x0,
                        y0,
                        x1,
                        y1,
                        width,
                        ..
                    } => {
                        let r = width / 2.0;
                        [
                            x0.min(*x1) - r,
                            y0.min(*y1) - r,
                            x0.max(*x1) + r,
                            y0.max(*y1) + r,
                        ]
                    }
                    Op::Image { x, y, w, h, .. } => {
                        [*x as f64, *y as f64, (x + w) as f64, (y + h) as f64]
                    }
                    Op::Text {
                        text: t,
                        x,
                        y,
                        px,
                        h,
                        v,
                        rotation,
                        ..
                    } => {
                        let (a, b, c, d) =
                            text::bounds(&self.fonts, t, *x, *y, *px, *h, *v, *rotation);
                        [a, b, c, d]
                    }
                };
                out.push((part, b));
            }
        }
        out
    }

    /// Records a filled rectangle between corners (`x0`, `y0`) and (`x1`,
    /// `y1`), pixels, in either order; an empty one records nothing.
    pub fn fill_rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, color: Rgb) {
        self.rect(x0, y0, x1, y1, color, false);
    }

    /// Records a cell between corners (`x0`, `y0`) and (`x1`, `y1`),
    /// pixels: in raster output whole pixels, as `pcolormesh` fills
    /// (see [`Op::Rect`]).
    pub fn fill_cell(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, color: Rgb) {
        self.rect(x0, y0, x1, y1, color, true);
    }

    fn rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, color: Rgb, crisp: bool) {
        if x1 != x0 && y1 != y0 {
            self.ops.push(Op::Rect {
                x0: x0.min(x1),
                y0: y0.min(y1),
                x1: x0.max(x1),
                y1: y0.max(y1),
                color,
                crisp,
            });
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn rule(&mut self, vertical: bool, at: f64, a: f64, b: f64, width: f64, color: Rgb, aa: bool) {
        if a != b && width > 0.0 {
            self.ops.push(Op::Rule {
                vertical,
                at,
                from: a.min(b),
                to: a.max(b),
                width,
                color,
                aa,
            });
        }
    }

    /// A horizontal line of `width` px centred on `y` (anti-aliased, as
    /// matplotlib draws ticks and dendrogram lines).
    pub fn hline(&mut self, x0: f64, x1: f64, y: f64, width: f64, color: Rgb) {
        self.rule(false, y, x0, x1, width, color, true);
    }

    /// A vertical line of `width` px centred on `x` (anti-aliased).
    pub fn vline(&mut self, x: f64, y0: f64, y1: f64, width: f64, color: Rgb) {
        self.rule(true, x, y0, y1, width, color, true);
    }

    /// A straight line from (`x0`, `y0`) to (`x1`, `y1`), `width` px.
    pub fn segment(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, width: f64, color: Rgb) {
        if width > 0.0 {
            self.ops.push(Op::Segment {
                x0,
                y0,
                x1,
                y1,
                width,
                color,
            });
        }
    }

    /// A filled disc of `diameter` px centred on (`x`, `y`) (a dot plot's
    /// dot): a zero-length segment with round ends, which the raster,
    /// SVG and PDF outputs all draw as a disc.
    pub fn dot(&mut self, x: f64, y: f64, diameter: f64, color: Rgb) {
        self.segment(x, y, x, y, diameter, color);
    }

    /// A horizontal cell edge (`pcolormesh`'s `linewidths`): not
    /// anti-aliased in raster output.
    pub fn edge_hline(&mut self, x0: f64, x1: f64, y: f64, width: f64, color: Rgb) {
        self.rule(false, y, x0, x1, width, color, false);
    }

    /// A vertical cell edge: not anti-aliased in raster output.
    pub fn edge_vline(&mut self, x: f64, y0: f64, y1: f64, width: f64, color: Rgb) {
        self.rule(true, x, y0, y1, width, color, false);
    }

    /// Records an RGB image of `w × h` pixels at (`x`, `y`): `rgb` holds
    /// `w × h × 3` bytes, `mask` (if any) `w × h` flags, `cells` the same
    /// content as rectangles for small matrices' vector output.
    #[allow(clippy::too_many_arguments)]
    pub fn image(
        &mut self,
        x: usize,
        y: usize,
        w: usize,
        h: usize,
        rgb: Vec<u8>,
        mask: Option<Vec<bool>>,
        cells: Option<Vec<Cell>>,
    ) {
        self.ops.push(Op::Image {
            x,
            y,
            w,
            h,
            rgb,
            mask,
            cells,
        });
    }

    /// Records `text` anchored at (`x`, `y`) pixels, `px` pixels high
    /// (em size), aligned by `h`/`v`, turned by `rotation` (`true`: 90°,
    /// `false`: not; or a [`Rotation`]); empty text records nothing.
    #[allow(clippy::too_many_arguments)]
    pub fn text(
        &mut self,
        text: &str,
        x: f64,
        y: f64,
        px: f64,
        color: Rgb,
        h: HAlign,
        v: VAlign,
        rotation: impl Into<Rotation>,
    ) {
        if !text.is_empty() {
            self.ops.push(Op::Text {
                text: text.to_string(),
                x,
                y,
                px,
                color,
                h,
                v,
                rotation: rotation.into(),
            });
        }
    }

    /// Replays the scene onto a white canvas.
    pub fn rasterize(&self) -> Canvas {
        let mut c = Canvas::new(self.width, self.height);
        for op in &self.ops {
            match op {
                Op::Rect {
                    x0,
                    y0,
                    x1,
                    y1,
                    color,
                    crisp,
                } => {
                    if *crisp {
                        c.fill_cell(*x0, *y0, *x1, *y1, *color)
                    } else {
                        c.fill_rect(*x0, *y0, *x1, *y1, *color)
                    }
                }
                Op::Rule {
                    vertical,
                    at,
                    from,
                    to,
                    width,
                    color,
                    aa,
                } => c.rule(*vertical, *at, *from, *to, *width, *color, *aa),
                Op::Segment {
                    x0,
                    y0,
                    x1,
                    y1,
                    width,
                    color,
                } => c.segment(*x0, *y0, *x1, *y1, *width, *color),
                Op::Image {
                    x,
                    y,
                    w,
                    h,
                    rgb,
                    mask,
                    ..
                } => c.blit(*x, *y, *w, *h, rgb, mask.as_deref()),
                Op::Text {
                    text: t,
                    x,
                    y,
                    px,
                    color,
                    h,
                    v,
                    rotation,
                } => text::draw(
                    &mut c,
                    &self.fonts,
                    t,
                    *x,
                    *y,
                    *px,
                    *color,
                    *h,
                    *v,
                    *rotation,
                ),
            }
        }
        c
    }
}
