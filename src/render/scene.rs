//! A figure as a list of drawing operations, recorded once and replayed
//! onto any surface: the pixel canvas for PNG, SVG and PDF writers for
//! vector output (text and lines stay vectors; the heatmap body is an
//! embedded image, or one rectangle per cell when there are few cells).

use super::canvas::Canvas;
use super::colormap::Rgb;
use super::text::{self, HAlign, VAlign};

/// A filled cell: `(x0, y0, x1, y1, colour)`.
pub type Cell = (f64, f64, f64, f64, Rgb);

/// One drawing operation, in pixel coordinates (origin top-left).
#[derive(Debug, Clone)]
pub enum Op {
    Rect {
        x0: f64,
        y0: f64,
        x1: f64,
        y1: f64,
        color: Rgb,
    },
    /// An RGB image placed at integer pixels; `mask` marks drawn pixels.
    Image {
        x: usize,
        y: usize,
        w: usize,
        h: usize,
        rgb: Vec<u8>,
        mask: Option<Vec<bool>>,
        /// Per-cell rectangles with the same content, for vector output of
        /// small matrices (crisper and editable).
        cells: Option<Vec<Cell>>,
    },
    Text {
        text: String,
        x: f64,
        y: f64,
        px: f64,
        color: Rgb,
        h: HAlign,
        v: VAlign,
        rotated: bool,
    },
}

/// The recorded figure.
#[derive(Debug, Clone)]
pub struct Scene {
    pub width: usize,
    pub height: usize,
    pub ops: Vec<Op>,
}

impl Scene {
    pub fn new(width: usize, height: usize) -> Scene {
        Scene {
            width,
            height,
            ops: Vec::new(),
        }
    }

    pub fn fill_rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, color: Rgb) {
        if x1 != x0 && y1 != y0 {
            self.ops.push(Op::Rect {
                x0: x0.min(x1),
                y0: y0.min(y1),
                x1: x0.max(x1),
                y1: y0.max(y1),
                color,
            });
        }
    }

    /// A horizontal line of `width` px centred on `y`.
    pub fn hline(&mut self, x0: f64, x1: f64, y: f64, width: f64, color: Rgb) {
        self.fill_rect(x0, y - width / 2.0, x1, y + width / 2.0, color);
    }

    /// A vertical line of `width` px centred on `x`.
    pub fn vline(&mut self, x: f64, y0: f64, y1: f64, width: f64, color: Rgb) {
        self.fill_rect(x - width / 2.0, y0, x + width / 2.0, y1, color);
    }

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
        rotated: bool,
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
                rotated,
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
                } => c.fill_rect(*x0, *y0, *x1, *y1, *color),
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
                    rotated,
                } => text::draw(&mut c, t, *x, *y, *px, *color, *h, *v, *rotated),
            }
        }
        c
    }
}
