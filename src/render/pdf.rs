//! PDF output of a [`Scene`], written directly (no PDF library): one page,
//! rectangles and glyph outlines as filled vector paths (no font to embed),
//! images as Flate-compressed XObjects with a soft mask for masked cells.
//! No dates or IDs, so equal scenes give equal files.

use std::fmt::Write as _;
use std::io::Write as _;

use flate2::write::ZlibEncoder;
use flate2::Compression;

use super::colormap::Rgb;
use super::scene::{Op, Scene};
use super::text::{outline, Seg};
use crate::error::{Error, Result};

fn deflate(data: &[u8]) -> Result<Vec<u8>> {
    let mut e = ZlibEncoder::new(Vec::new(), Compression::fast());
    e.write_all(data)
        .map_err(|e| Error::Invalid(format!("PDF compression failed: {e}")))?;
    e.finish()
        .map_err(|e| Error::Invalid(format!("PDF compression failed: {e}")))
}

fn rg(c: Rgb) -> String {
    let f = |v: u8| {
        let s = format!("{:.4}", v as f64 / 255.0);
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    format!("{} {} {} rg", f(c[0]), f(c[1]), f(c[2]))
}

/// The scene as a one-page PDF at `dpi` (1 px = 72/dpi pt).
pub fn to_pdf(scene: &Scene, dpi: f64) -> Result<Vec<u8>> {
    let k = 72.0 / dpi;
    let (wpt, hpt) = (scene.width as f64 * k, scene.height as f64 * k);
    // Objects: 1 catalog, 2 pages, 3 page, 4 content, then images.
    let mut images: Vec<Vec<u8>> = Vec::new(); // finished object bodies
    let mut content = String::new();
    // Pixel space, origin top-left, y down.
    let _ = writeln!(content, "{k:.6} 0 0 {:.6} 0 {hpt:.4} cm", -k);
    let _ = writeln!(
        content,
        "1 1 1 rg 0 0 {} {} re f",
        scene.width, scene.height
    );
    let mut next_obj = 5;
    let mut xobjects = String::new();
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
                    content,
                    "{} {x0:.3} {y0:.3} {:.3} {:.3} re f",
                    rg(*color),
                    x1 - x0,
                    y1 - y0
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
            } => {
                if let Some(cells) = cells {
                    for (x0, y0, x1, y1, c) in cells {
                        let _ = writeln!(
                            content,
                            "{} {x0:.3} {y0:.3} {:.3} {:.3} re f",
                            rg(*c),
                            x1 - x0,
                            y1 - y0
                        );
                    }
                    continue;
                }
                let img_id = next_obj;
                let mut smask_ref = String::new();
                if let Some(m) = mask {
                    let alpha: Vec<u8> = m.iter().map(|&b| if b { 255 } else { 0 }).collect();
                    let data = deflate(&alpha)?;
                    let sid = img_id + 1;
                    images.push(stream_obj(
                        sid,
                        &format!("/Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode"),
                        &data,
                    ));
                    smask_ref = format!(" /SMask {sid} 0 R");
                }
                let data = deflate(rgb)?;
                images.push(stream_obj(
                    img_id,
                    &format!("/Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode{smask_ref}"),
                    &data,
                ));
                next_obj += if mask.is_some() { 2 } else { 1 };
                let _ = write!(xobjects, " /Im{img_id} {img_id} 0 R");
                let _ = writeln!(
                    content,
                    "q {w} 0 0 {} {x} {} cm /Im{img_id} Do Q",
                    -(*h as f64),
                    y + h
                );
            }
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
                let segs = outline(text, *x, *y, *px, *h, *v, *rotated);
                if segs.is_empty() {
                    continue;
                }
                let _ = writeln!(content, "{}", rg(*color));
                for s in &segs {
                    let _ = match s {
                        Seg::Move(x, y) => writeln!(content, "{x:.3} {y:.3} m"),
                        Seg::Line(x, y) => writeln!(content, "{x:.3} {y:.3} l"),
                        Seg::Cubic(a, b, c, d, x, y) => {
                            writeln!(content, "{a:.3} {b:.3} {c:.3} {d:.3} {x:.3} {y:.3} c")
                        }
                        Seg::Close => writeln!(content, "h"),
                    };
                }
                let _ = writeln!(content, "f");
            }
        }
    }
    let content_obj = stream_obj(4, "/Filter /FlateDecode", &deflate(content.as_bytes())?);
    let mut objs: Vec<Vec<u8>> = vec![
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n".to_vec(),
        b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n".to_vec(),
        format!(
            "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {wpt:.4} {hpt:.4}] /Resources << /XObject <<{xobjects} >> >> /Contents 4 0 R >>\nendobj\n"
        )
        .into_bytes(),
        content_obj,
    ];
    // Image objects were numbered from 5 in creation order; the soft mask
    // is created before its image, so sort by object number.
    images.sort_by_key(|o| obj_number(o));
    objs.extend(images);
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::with_capacity(objs.len());
    for o in &objs {
        offsets.push(out.len());
        out.extend_from_slice(o);
    }
    let xref = out.len();
    let _ = write!(out, "xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1);
    for off in offsets {
        let _ = writeln!(out, "{off:010} 00000 n ");
    }
    let _ = write!(
        out,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objs.len() + 1
    );
    Ok(out)
}

fn stream_obj(id: usize, dict: &str, data: &[u8]) -> Vec<u8> {
    let mut o = format!("{id} 0 obj\n<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    o.extend_from_slice(data);
    o.extend_from_slice(b"\nendstream\nendobj\n");
    o
}

fn obj_number(o: &[u8]) -> usize {
    let end = o.iter().position(|&b| b == b' ').unwrap_or(0);
    std::str::from_utf8(&o[..end])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}
