//! SVG output of a [`Scene`]: rectangles as vectors, the heatmap body as
//! one embedded PNG (or one `<rect>` per cell when there are few), so
//! files stay small at any matrix size. Text is `<text>` (a browser's find
//! and a screen reader see it; Inkscape edits it), set in the fonts the
//! figure was laid out with, embedded as subsets in `@font-face` data
//! URIs so it looks the same in every viewer, each glyph at the position
//! the layout gave it; or, with [`TextMode::Paths`], glyph outlines with
//! a `<title>`. Deterministic text.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use base64::Engine as _;

use super::colormap::Rgb;
use super::fonts::Face;
use super::scene::{Op, Scene, TextMode};
use super::text::{self, outline, Rotation, Seg};
use crate::error::{Error, Result};

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
    // Faces used by the text, with the characters drawn in each.
    let mut faces: Vec<(Arc<Face>, BTreeMap<char, u16>)> = Vec::new();
    for op in &scene.ops {
        match op {
            Op::Rect {
                x0,
                y0,
                x1,
                y1,
                color,
                ..
            } => {
                let _ = writeln!(
                    s,
                    r#"<rect x="{x0:.2}" y="{y0:.2}" width="{:.2}" height="{:.2}" fill="{}"/>"#,
                    x1 - x0,
                    y1 - y0,
                    hex(*color)
                );
            }
            Op::Segment {
                x0,
                y0,
                x1,
                y1,
                width,
                color,
            } => {
                let _ = writeln!(
                    s,
                    r#"<line x1="{x0:.2}" y1="{y0:.2}" x2="{x1:.2}" y2="{y1:.2}" stroke="{}" stroke-width="{width:.2}" stroke-linecap="round"/>"#,
                    hex(*color)
                );
            }
            Op::Rule { color, .. } => {
                if let Some((x0, y0, x1, y1)) = op.rule_rect() {
                    let _ = writeln!(
                        s,
                        r#"<rect x="{x0:.2}" y="{y0:.2}" width="{:.2}" height="{:.2}" fill="{}"/>"#,
                        x1 - x0,
                        y1 - y0,
                        hex(*color)
                    );
                }
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
                rotation,
            } => {
                let esc = escape(text);
                if scene.text_mode == TextMode::Paths {
                    let d = path_data(&outline(&scene.fonts, text, *x, *y, *px, *h, *v, *rotation));
                    let _ = writeln!(
                        s,
                        r#"<path fill="{}" d="{d}"><title>{esc}</title></path>"#,
                        hex(*color)
                    );
                    continue;
                }
                let glyphs = scene.fonts.layout(text, *px);
                let (ox, oy) =
                    text::baseline_origin(&scene.fonts, text, *x, *y, *px, *h, *v, *rotation);
                let mut xs = String::new();
                // Runs of glyphs from one face: (face number, text).
                let mut runs: Vec<(usize, String)> = Vec::new();
                for g in &glyphs {
                    let fi = match faces.iter().position(|(f, _)| Arc::ptr_eq(f, &g.face)) {
                        Some(i) => i,
                        None => {
                            faces.push((g.face.clone(), BTreeMap::new()));
                            faces.len() - 1
                        }
                    };
                    faces[fi].1.insert(g.ch, g.glyph.0);
                    match runs.last_mut() {
                        Some((f, t)) if *f == fi => t.push(g.ch),
                        _ => runs.push((fi, g.ch.to_string())),
                    }
                    let _ = write!(
                        xs,
                        "{}{:.2}",
                        if xs.is_empty() { "" } else { " " },
                        ox + g.x
                    );
                }
                // One face: the text as is; several: a span per run, each
                // in the face the layout took its glyphs from.
                let body = if runs.len() > 1 {
                    runs.iter()
                        .map(|(f, t)| {
                            format!(r#"<tspan font-family="hm{f}">{}</tspan>"#, escape(t))
                        })
                        .collect()
                } else {
                    esc.clone()
                };
                let family = runs.first().map_or(0, |r| r.0);
                // Turned text is laid out along x from its origin, then
                // turned about it (SVG turns clockwise).
                let turn = match rotation {
                    Rotation::None => String::new(),
                    Rotation::Vertical => format!(r#" transform="rotate(-90 {ox:.2} {oy:.2})""#),
                    Rotation::Anchored(deg) => {
                        format!(r#" transform="rotate({:.4} {ox:.2} {oy:.2})""#, -deg)
                    }
                };
                let _ = writeln!(
                    s,
                    r#"<text x="{xs}" y="{oy:.2}" font-family="hm{family}" font-size="{px:.2}" fill="{}"{turn}>{body}</text>"#,
                    hex(*color)
                );
            }
        }
    }
    s.push_str("</svg>\n");
    if faces.is_empty() {
        return Ok(s);
    }
    // The fonts, as subsets of what was drawn, before the first shape.
    let mut style = String::from("<style>");
    for (i, (face, chars)) in faces.iter().enumerate() {
        let (mime, data) = web_subset(face, chars)?;
        let b64 = base64::engine::general_purpose::STANDARD.encode(data);
        let _ = write!(
            style,
            "@font-face{{font-family:hm{i};src:url(data:{mime};base64,{b64})}}"
        );
    }
    style.push_str("text{white-space:pre}</style>\n");
    let at = s.find('\n').map_or(0, |i| i + 1);
    s.insert_str(at, &style);
    Ok(s)
}

fn escape(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A subset of `face` holding the glyphs of `chars` (character → original
/// glyph id), with the `cmap` and `OS/2` a browser needs; and its MIME
/// type.
///
/// Errors: [`Error::Invalid`] when the font cannot be subset.
fn web_subset(face: &Face, chars: &BTreeMap<char, u16>) -> Result<(&'static str, Vec<u8>)> {
    let mut remap = subsetter::GlyphRemapper::new();
    let map: BTreeMap<char, u16> = chars
        .iter()
        .filter(|(_, &g)| g != 0)
        .map(|(&c, &g)| (c, remap.remap(g)))
        .collect();
    let err =
        |m: String| Error::Invalid(format!("font {}: cannot subset it for SVG: {m}", face.name));
    let sub = subsetter::subset(face.data, face.index, &remap).map_err(|e| err(e.to_string()))?;
    let mut add = vec![(*b"cmap", super::sfnt::cmap(&map))];
    if let Some(os2) = super::sfnt::table(face.data, face.index, b"OS/2") {
        add.push((*b"OS/2", os2));
    }
    let font = super::sfnt::with_tables(&sub, add).ok_or_else(|| err("malformed tables".into()))?;
    Ok((
        if face.is_cff() {
            "font/otf"
        } else {
            "font/ttf"
        },
        font,
    ))
}
