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
