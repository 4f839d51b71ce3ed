//! SVG output of a [`Scene`]: rectangles and glyph outlines as vectors, the
//! heatmap body as one embedded PNG (or one `<rect>` per cell when there
//! are few), so files stay small at any matrix size. Deterministic text.

use std::fmt::Write as _;

use base64::Engine as _;

use super::colormap::Rgb;
use super::scene::{Op, Scene};
use super::text::{outline, Seg};
use crate::error::Result;

fn hex(c: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

/// Path data for glyph segments.
pub(crate) fn path_data(segs: &[Seg]) -> String {
    let mut d = String::new();
    for s in segs {
        let _ = match s {
            Seg::Move(x, y) => write!(d, "M{x:.2} {y:.2}"),
            Seg::Line(x, y) => write!(d, "L{x:.2} {y:.2}"),
            Seg::Cubic(a, b, c, e, x, y) => write!(d, "C{a:.2} {b:.2} {c:.2} {e:.2} {x:.2} {y:.2}"),
            Seg::Close => write!(d, "Z"),
        };
    }
    d
}

/// RGBA PNG of an image op (masked pixels transparent).
pub(crate) fn image_png(w: usize, h: usize, rgb: &[u8], mask: Option<&[bool]>) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w as u32, h as u32);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        let mut wr = enc
            .write_header()
            .map_err(|e| crate::Error::Invalid(format!("PNG encoding failed: {e}")))?;
        let mut rgba = Vec::with_capacity(w * h * 4);
        for k in 0..w * h {
            rgba.extend_from_slice(&rgb[k * 3..k * 3 + 3]);
            rgba.push(if mask.is_none_or(|m| m[k]) { 255 } else { 0 });
        }
        wr.write_image_data(&rgba)
            .map_err(|e| crate::Error::Invalid(format!("PNG encoding failed: {e}")))?;
    }
    Ok(out)
}

/// The scene as an SVG document (pixel units; `dpi` sets the physical size).
pub fn to_svg(scene: &Scene, dpi: f64) -> Result<String> {
    let (w, h) = (scene.width, scene.height);
    let (wi, hi) = (w as f64 / dpi, h as f64 / dpi);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{wi:.3}in" height="{hi:.3}in" viewBox="0 0 {w} {h}">"#
    );
    let _ = writeln!(s, r##"<rect width="{w}" height="{h}" fill="#ffffff"/>"##);
    for op in &scene.ops {
        match op {
            Op::Rect {
                x0,
                y0,
                x1,
                y1,
                color,
            } => {
                let _ = writeln!(
                    s,
                    r#"<rect x="{x0:.2}" y="{y0:.2}" width="{:.2}" height="{:.2}" fill="{}"/>"#,
                    x1 - x0,
                    y1 - y0,
                    hex(*color)
                );
            }
            Op::Image {
                x,
                y,
                w,
                h,
                rgb,
                mask,
                cells,
            } => match cells {
                Some(cells) => {
                    for (x0, y0, x1, y1, c) in cells {
                        let _ = writeln!(
                            s,
                            r#"<rect x="{x0:.2}" y="{y0:.2}" width="{:.2}" height="{:.2}" fill="{}"/>"#,
                            x1 - x0,
                            y1 - y0,
                            hex(*c)
                        );
                    }
                }
                None => {
                    let png = image_png(*w, *h, rgb, mask.as_deref())?;
                    let b64 = base64::engine::general_purpose::STANDARD.encode(png);
                    let _ = writeln!(
                        s,
                        r#"<image x="{x}" y="{y}" width="{w}" height="{h}" preserveAspectRatio="none" style="image-rendering:pixelated" href="data:image/png;base64,{b64}"/>"#
                    );
                }
            },
            Op::Text {
                text,
                x,
                y,
                px,
                color,
                h,
                v,
                rotated,
            } => {
                let d = path_data(&outline(text, *x, *y, *px, *h, *v, *rotated));
                let esc = text
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;");
                let _ = writeln!(
                    s,
                    r#"<path fill="{}" d="{d}"><title>{esc}</title></path>"#,
                    hex(*color)
                );
            }
        }
    }
    s.push_str("</svg>\n");
    Ok(s)
}
