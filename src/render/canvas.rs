//! An RGB pixel buffer with the few anti-aliased primitives figures need
//! (filled rectangles with fractional edges, masked image copies), and
//! deterministic PNG encoding.

use super::colormap::Rgb;
use crate::error::{Error, Result};

/// A white RGB canvas, row-major, 3 bytes per pixel.
#[derive(Debug, Clone)]
pub struct Canvas {
    /// Width, pixels.
    pub width: usize,
    /// Height, pixels.
    pub height: usize,
    /// RGB bytes, row-major from the top-left: `width × height × 3`.
    pub pixels: Vec<u8>,
}

impl Canvas {
    /// A white canvas of `width × height` pixels.
    pub fn new(width: usize, height: usize) -> Canvas {
        Canvas {
            width,
            height,
            pixels: vec![255; width * height * 3],
        }
    }

    /// Blends `color` into pixel (x, y) with coverage `alpha` in [0, 1].
    #[inline]
    pub(crate) fn blend(&mut self, x: i64, y: i64, color: Rgb, alpha: f64) {
        if x < 0 || y < 0 || x as usize >= self.width || y as usize >= self.height || alpha <= 0.0 {
            return;
        }
        let k = (y as usize * self.width + x as usize) * 3;
        let a = alpha.min(1.0);
        for c in 0..3 {
            let old = self.pixels[k + c] as f64;
            self.pixels[k + c] = (old + (color[c] as f64 - old) * a).round() as u8;
        }
    }

    /// Fills the pixels whose centres lie in `[x0, x1) × [y0, y1)`, solid
    /// (a `pcolormesh` cell as Agg fills it without anti-aliasing: edges
    /// snapped to `floor(v + 0.5)`), so neighbouring cells meet without a
    /// seam.
    pub(crate) fn fill_cell(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, color: Rgb) {
        let snap = |v: f64| (v + 0.5).floor() as i64;
        let (xs, xe) = (snap(x0).max(0), snap(x1).min(self.width as i64));
        let (ys, ye) = (snap(y0).max(0), snap(y1).min(self.height as i64));
        for y in ys..ye {
            for x in xs..xe {
                self.blend(x, y, color, 1.0);
            }
        }
    }

    /// An axis-aligned line as matplotlib's Agg draws one: its vertices
    /// snapped to `floor(v + 0.5) + s`, with `s` = 0.5 when the width
    /// rounds to an odd number of pixels (so a 1 px line fills one pixel
    /// column) and 0 otherwise; then, anti-aliased, the `width`-wide band
    /// by coverage (butt ends), or, not anti-aliased (`pcolormesh` edges),
    /// every pixel the band touches, solid, the ends reaching `width / 2`
    /// beyond the vertices (the joins of a cell's outline). Widths and
    /// positions in pixels.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn rule(
        &mut self,
        vertical: bool,
        at: f64,
        from: f64,
        to: f64,
        width: f64,
        color: Rgb,
        aa: bool,
    ) {
        let s = if ((width + 0.5).floor() as i64) % 2 == 1 {
            0.5
        } else {
            0.0
        };
        let snap = |v: f64| (v + 0.5).floor() + s;
        let (c, a, b) = (snap(at), snap(from), snap(to));
        let h = width / 2.0;
        if aa {
            if vertical {
                self.fill_rect(c - h, a, c + h, b, color);
            } else {
                self.fill_rect(a, c - h, b, c + h, color);
            }
            return;
        }
        // Pixels the band touches: i < hi and i + 1 > lo.
        let touched = |lo: f64, hi: f64| ((lo.floor() as i64), (hi.ceil() as i64));
        let (c0, c1) = touched(c - h, c + h);
        let (a0, a1) = touched(a - h, b + h);
        for i in c0..c1 {
            for j in a0..a1 {
                let (x, y) = if vertical { (i, j) } else { (j, i) };
                self.blend(x, y, color, 1.0);
            }
        }
    }

    /// A line from (`x0`, `y0`) to (`x1`, `y1`), `width` px, round ends:
    /// each pixel blended by how far its centre lies inside the stroke
    /// (a one-pixel ramp at the edge).
    pub(crate) fn segment(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, width: f64, color: Rgb) {
        let h = width / 2.0 + 0.5;
        let (xs, xe) = (
            (x0.min(x1) - h).floor() as i64,
            (x0.max(x1) + h).ceil() as i64,
        );
        let (ys, ye) = (
            (y0.min(y1) - h).floor() as i64,
            (y0.max(y1) + h).ceil() as i64,
        );
        let (dx, dy) = (x1 - x0, y1 - y0);
        let len2 = dx * dx + dy * dy;
        for y in ys..ye {
            for x in xs..xe {
                let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
                let t = if len2 > 0.0 {
                    (((px - x0) * dx + (py - y0) * dy) / len2).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                let d = ((px - x0 - t * dx).powi(2) + (py - y0 - t * dy).powi(2)).sqrt();
                self.blend(x, y, color, (width / 2.0 + 0.5 - d).clamp(0.0, 1.0));
            }
        }
    }

    /// Fills the rectangle `[x0, x1) × [y0, y1)` (pixel units, fractional
    /// edges anti-aliased by area coverage).
    pub(crate) fn fill_rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, color: Rgb) {
        let (x0, x1) = (x0.min(x1), x0.max(x1));
        let (y0, y1) = (y0.min(y1), y0.max(y1));
        let xs = x0.floor().max(0.0) as i64;
        let xe = (x1.ceil() as i64).min(self.width as i64);
        let ys = y0.floor().max(0.0) as i64;
        let ye = (y1.ceil() as i64).min(self.height as i64);
        for y in ys..ye {
            let cy = (y1.min(y as f64 + 1.0) - y0.max(y as f64)).max(0.0);
            for x in xs..xe {
                let cx = (x1.min(x as f64 + 1.0) - x0.max(x as f64)).max(0.0);
                self.blend(x, y, color, cx * cy);
            }
        }
    }

    /// Copies an RGB image with its top-left corner at (x, y).
    pub(crate) fn blit(
        &mut self,
        x: usize,
        y: usize,
        w: usize,
        h: usize,
        rgb: &[u8],
        mask: Option<&[bool]>,
    ) {
        for r in 0..h {
            let ty = y + r;
            if ty >= self.height {
                break;
            }
            for c in 0..w {
                let tx = x + c;
                if tx >= self.width {
                    break;
                }
                if let Some(m) = mask {
                    if !m[r * w + c] {
                        continue;
                    }
                }
                let s = (r * w + c) * 3;
                let d = (ty * self.width + tx) * 3;
                self.pixels[d..d + 3].copy_from_slice(&rgb[s..s + 3]);
            }
        }
    }

    /// PNG bytes: RGB8, fast compression (encoding must not dominate a
    /// batch), a pHYs chunk with the dpi; no timestamps, so equal canvases
    /// give equal files.
    pub fn to_png(&self, dpi: f64) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, self.width as u32, self.height as u32);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            enc.set_compression(png::Compression::Fast);
            let ppm = (dpi / 0.0254).round() as u32;
            enc.set_pixel_dims(Some(png::PixelDimensions {
                xppu: ppm,
                yppu: ppm,
                unit: png::Unit::Meter,
            }));
            let mut w = enc.write_header().map_err(png_err)?;
            w.write_image_data(&self.pixels).map_err(png_err)?;
        }
        Ok(out)
    }
}

fn png_err(e: png::EncodingError) -> Error {
    Error::Invalid(format!("PNG encoding failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_edges_cover_the_pixels_matplotlibs_agg_paints() {
        // White pixel columns of a pcolormesh edge at x = b (b = 102.2
        // and 102.6; r = floor(b + 0.5)) for each line width in pixels, as
        // matplotlib 3.11's Agg drew them (linewidths = w·72/100 at 100
        // dpi): (w, first, last) relative to r.
        for (w, first, last) in [
            (0.3, -1, 0),
            (0.42, -1, 0),
            (0.69, 0, 0),
            (1.0, 0, 0),
            (1.39, -1, 1),
            (2.0, -1, 0),
            (2.78, -1, 1),
            (3.2, -2, 2),
            (4.0, -2, 1),
        ] {
            for b in [102.2, 102.6] {
                let mut c = Canvas::new(200, 10);
                c.rule(true, b, 2.0, 8.0, w, [0, 0, 0], false);
                let r = (b + 0.5f64).floor() as i64;
                let painted: Vec<i64> = (0..200)
                    .filter(|&x| c.pixels[(5 * 200 + x as usize) * 3] == 0)
                    .map(|x| x - r)
                    .collect();
                assert_eq!(painted, (first..=last).collect::<Vec<_>>(), "w {w}, b {b}");
            }
        }
    }

    #[test]
    fn cells_meet_without_a_seam() {
        let mut c = Canvas::new(20, 4);
        c.fill_cell(0.0, 0.0, 7.3, 4.0, [10, 20, 30]);
        c.fill_cell(7.3, 0.0, 14.6, 4.0, [10, 20, 30]);
        assert!(c.pixels[..14 * 3].chunks(3).all(|p| p == [10, 20, 30]));
        assert_eq!(&c.pixels[15 * 3..15 * 3 + 3], &[255, 255, 255]);
    }

    #[test]
    fn half_covered_pixel_is_half_blended() {
        let mut c = Canvas::new(4, 4);
        c.fill_rect(1.0, 1.0, 2.5, 2.0, [0, 0, 0]);
        assert_eq!(&c.pixels[(4 + 1) * 3..(4 + 1) * 3 + 3], &[0, 0, 0]);
        assert_eq!(c.pixels[(4 + 2) * 3], 128);
        assert_eq!(c.pixels[(4 + 3) * 3], 255);
        let png = c.to_png(100.0).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        assert_eq!(png, c.to_png(100.0).unwrap());
    }
}
