//! PDF output of a [`Scene`] with `pdf-writer`: one page; rectangles as
//! filled paths; images as Flate-compressed XObjects with a soft mask for
//! masked cells; text as real PDF text (matplotlib's `pdf.fonttype 42`):
//! each face's used glyphs embedded as a TrueType subset (`subsetter`) in
//! a CID font with a `ToUnicode` map, so readers search and copy the
//! labels and editors (Inkscape, Illustrator) edit them. With
//! [`TextMode::Paths`] text is drawn as glyph outlines instead.
//!
//! The document information names the title and `heatmill <version>`;
//! no dates or IDs, so equal scenes give equal files.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::sync::Arc;

use flate2::write::ZlibEncoder;
use flate2::Compression;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::colormap::Rgb;
use super::fonts::{Face, Placed};
use super::scene::{Op, Scene, TextMode};
use super::text::{self, outline, Rotation, Seg};
use crate::error::{Error, Result};

fn deflate(data: &[u8]) -> Result<Vec<u8>> {
    let mut e = ZlibEncoder::new(Vec::new(), Compression::fast());
    e.write_all(data)
        .map_err(|e| Error::Invalid(format!("PDF compression failed: {e}")))?;
    e.finish()
        .map_err(|e| Error::Invalid(format!("PDF compression failed: {e}")))
}

fn fill(c: &mut Content, color: Rgb) {
    c.set_fill_rgb(
        color[0] as f32 / 255.0,
        color[1] as f32 / 255.0,
        color[2] as f32 / 255.0,
    );
}

/// A face used by the page: its glyphs, numbered as the subset will
/// number them (the CIDs the content shows), with the character each
/// was first drawn for and its advance.
struct UsedFace {
    face: Arc<Face>,
    remap: subsetter::GlyphRemapper,
    /// New glyph id → (character, advance in thousandths of an em).
    glyphs: BTreeMap<u16, (char, f32)>,
}

/// Hands out object ids in order.
struct Ids(i32);

impl Ids {
    fn next(&mut self) -> Ref {
        self.0 += 1;
        Ref::new(self.0)
    }
}

/// The scene as a one-page PDF at `dpi` (1 px = 72/dpi pt).
///
/// Errors: [`Error::Invalid`] when a font cannot be subset or a stream
/// cannot be compressed.
pub fn to_pdf(scene: &Scene, dpi: f64) -> Result<Vec<u8>> {
    let k = 72.0 / dpi;
    let (wpt, hpt) = (scene.width as f64 * k, scene.height as f64 * k);
    let mut pdf = Pdf::new();
    let mut ids = Ids(0);
    let (catalog, pages, page, content_id, info) =
        (ids.next(), ids.next(), ids.next(), ids.next(), ids.next());
    let mut c = Content::new();
    // Pixel space, origin top-left, y down.
    c.transform([k as f32, 0.0, 0.0, -k as f32, 0.0, hpt as f32]);
    fill(&mut c, [255, 255, 255]);
    c.rect(0.0, 0.0, scene.width as f32, scene.height as f32);
    c.fill_nonzero();
    let mut images: Vec<(Name<'static>, Ref)> = Vec::new();
    let mut image_names: Vec<String> = Vec::new();
    let mut faces: Vec<UsedFace> = Vec::new();
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
                fill(&mut c, *color);
                c.rect(*x0 as f32, *y0 as f32, (x1 - x0) as f32, (y1 - y0) as f32);
                c.fill_nonzero();
            }
            Op::Segment {
                x0,
                y0,
                x1,
                y1,
                width,
                color,
            } => {
                c.set_stroke_rgb(
                    color[0] as f32 / 255.0,
                    color[1] as f32 / 255.0,
                    color[2] as f32 / 255.0,
                );
                c.set_line_width(*width as f32);
                c.set_line_cap(pdf_writer::types::LineCapStyle::RoundCap);
                c.move_to(*x0 as f32, *y0 as f32);
                c.line_to(*x1 as f32, *y1 as f32);
                c.stroke();
            }
            Op::Rule { color, .. } => {
                if let Some((x0, y0, x1, y1)) = op.rule_rect() {
                    fill(&mut c, *color);
                    c.rect(x0 as f32, y0 as f32, (x1 - x0) as f32, (y1 - y0) as f32);
                    c.fill_nonzero();
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
            } => {
                if let Some(cells) = cells {
                    for (x0, y0, x1, y1, col) in cells {
                        fill(&mut c, *col);
                        c.rect(*x0 as f32, *y0 as f32, (x1 - x0) as f32, (y1 - y0) as f32);
                        c.fill_nonzero();
                    }
                    continue;
                }
                let img = ids.next();
                let smask = match mask {
                    Some(m) => {
                        let alpha: Vec<u8> = m.iter().map(|&b| if b { 255 } else { 0 }).collect();
                        let data = deflate(&alpha)?;
                        let sid = ids.next();
                        let mut s = pdf.image_xobject(sid, &data);
                        s.filter(Filter::FlateDecode);
                        s.width(*w as i32).height(*h as i32).bits_per_component(8);
                        s.color_space().device_gray();
                        s.finish();
                        Some(sid)
                    }
                    None => None,
                };
                let data = deflate(rgb)?;
                let mut s = pdf.image_xobject(img, &data);
                s.filter(Filter::FlateDecode);
                s.width(*w as i32).height(*h as i32).bits_per_component(8);
                s.color_space().device_rgb();
                if let Some(sid) = smask {
                    s.s_mask(sid);
                }
                s.finish();
                image_names.push(format!("Im{}", img.get()));
                let name = image_names.last().cloned().unwrap_or_default();
                c.save_state();
                c.transform([*w as f32, 0.0, 0.0, -(*h as f32), *x as f32, (y + h) as f32]);
                c.x_object(Name(name.as_bytes()));
                c.restore_state();
                images.push((Name(b""), img));
            }
            Op::Text {
                text: t,
                x,
                y,
                px,
                color,
                h,
                v,
                rotation,
            } => {
                fill(&mut c, *color);
                if scene.text_mode == TextMode::Paths {
                    let segs = outline(&scene.fonts, t, *x, *y, *px, *h, *v, *rotation);
                    if segs.is_empty() {
                        continue;
                    }
                    for s in &segs {
                        match *s {
                            Seg::Move(x, y) => c.move_to(x as f32, y as f32),
                            Seg::Line(x, y) => c.line_to(x as f32, y as f32),
                            Seg::Cubic(a, b, cc, d, x, y) => c.cubic_to(
                                a as f32, b as f32, cc as f32, d as f32, x as f32, y as f32,
                            ),
                            Seg::Close => c.close_path(),
                        };
                    }
                    c.fill_nonzero();
                    continue;
                }
                let glyphs = scene.fonts.layout(t, *px);
                let (ox, oy) =
                    text::baseline_origin(&scene.fonts, t, *x, *y, *px, *h, *v, *rotation);
                show_text(&mut c, &mut faces, &glyphs, ox, oy, *px, *rotation);
            }
        }
    }
    // Fonts: one Type 0 font per face, its used glyphs subset.
    let mut font_refs: Vec<(String, Ref)> = Vec::new();
    for (i, used) in faces.iter().enumerate() {
        let r = write_font(&mut pdf, &mut ids, used)?;
        font_refs.push((format!("F{i}"), r));
    }
    let content = deflate(&c.finish())?;
    pdf.stream(content_id, &content).filter(Filter::FlateDecode);
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([page]).count(1);
    let mut p = pdf.page(page);
    p.parent(pages)
        .media_box(Rect::new(0.0, 0.0, wpt as f32, hpt as f32))
        .contents(content_id);
    let mut res = p.resources();
    {
        let mut xo = res.x_objects();
        for (name, (_, r)) in image_names.iter().zip(&images) {
            xo.pair(Name(name.as_bytes()), *r);
        }
    }
    {
        let mut fo = res.fonts();
        for (name, r) in &font_refs {
            fo.pair(Name(name.as_bytes()), *r);
        }
    }
    res.finish();
    p.finish();
    let mut di = pdf.document_info(info);
    if let Some(t) = scene.title.as_deref().filter(|t| !t.is_empty()) {
        di.title(TextStr(t));
    }
    di.creator(TextStr(concat!("heatmill ", env!("CARGO_PKG_VERSION"))));
    di.producer(TextStr(concat!("heatmill ", env!("CARGO_PKG_VERSION"))));
    di.finish();
    Ok(pdf.finish())
}

/// Shows `glyphs` with the baseline origin at (`ox`, `oy`) pixels, each
/// face in its font, glyph ids as the subset will number them
/// (`Identity-H`), kerning as `TJ` adjustments.
fn show_text(
    c: &mut Content,
    faces: &mut Vec<UsedFace>,
    glyphs: &[Placed],
    ox: f64,
    oy: f64,
    px: f64,
    rotation: Rotation,
) {
    if glyphs.is_empty() {
        return;
    }
    c.begin_text();
    let mut k = 0;
    while k < glyphs.len() {
        // A run of glyphs from one face.
        let face = &glyphs[k].face;
        let end = k + glyphs[k..]
            .iter()
            .take_while(|g| Arc::ptr_eq(&g.face, face))
            .count();
        let fi = match faces.iter().position(|u| Arc::ptr_eq(&u.face, face)) {
            Some(i) => i,
            None => {
                faces.push(UsedFace {
                    face: face.clone(),
                    remap: subsetter::GlyphRemapper::new(),
                    glyphs: BTreeMap::new(),
                });
                faces.len() - 1
            }
        };
        let name = format!("F{fi}");
        c.set_font(Name(name.as_bytes()), px as f32);
        // Text space: x along the baseline, y up; the page is y down.
        let start = glyphs[k].x;
        let m = match rotation {
            Rotation::None => [1.0, 0.0, 0.0, -1.0, (ox + start) as f32, oy as f32],
            Rotation::Vertical => [0.0, -1.0, -1.0, 0.0, ox as f32, (oy - start) as f32],
            // Turned counter-clockwise on the page (whose y runs down):
            // the baseline along (cos, -sin), the text's up along
            // (-sin, -cos).
            Rotation::Anchored(deg) => {
                let (s, c) = deg.to_radians().sin_cos();
                [
                    c as f32,
                    -s as f32,
                    -s as f32,
                    -c as f32,
                    (ox + start * c) as f32,
                    (oy - start * s) as f32,
                ]
            }
        };
        c.set_text_matrix(m);
        let upem = face.units_per_em();
        let mut bytes: Vec<u8> = Vec::new();
        let mut items: Vec<(Vec<u8>, f32)> = Vec::new();
        let mut pen = start;
        for g in &glyphs[k..end] {
            let used = &mut faces[fi];
            let cid = used.remap.remap(g.glyph.0);
            let adv = face.advance_units(g.glyph) / upem * 1000.0;
            used.glyphs.entry(cid).or_insert((g.ch, adv as f32));
            // Where the font's own advance leaves the pen vs our layout
            // (kerning): a TJ adjustment in thousandths of an em.
            let gap = g.x - pen;
            if gap.abs() > 1e-9 {
                items.push((std::mem::take(&mut bytes), (-gap / px * 1000.0) as f32));
            }
            bytes.extend_from_slice(&cid.to_be_bytes());
            pen = g.x + face.advance_units(g.glyph) / upem * px;
        }
        items.push((bytes, 0.0));
        let mut sp = c.show_positioned();
        let mut it = sp.items();
        for (b, adj) in &items {
            if !b.is_empty() {
                it.show(Str(b));
            }
            if *adj != 0.0 {
                it.adjust(*adj);
            }
        }
        it.finish();
        sp.finish();
        k = end;
    }
    c.end_text();
}

/// Writes `used` as a Type 0 font: the subset of its glyphs (CIDs are
/// the subset's glyph ids), widths, and a `ToUnicode` map; returns the
/// font's reference. TrueType outlines go in as `FontFile2`, CFF ones
/// (OpenType `.otf`, Noto CJK) as an OpenType `FontFile3`.
fn write_font(pdf: &mut Pdf, ids: &mut Ids, used: &UsedFace) -> Result<Ref> {
    let face = &used.face;
    let subset = subsetter::subset(face.data, face.index, &used.remap).map_err(|e| {
        Error::Invalid(format!("font {}: cannot subset it for PDF: {e}", face.name))
    })?;
    let cff = face.is_cff();
    let (type0, cid, desc, file, cmap) =
        (ids.next(), ids.next(), ids.next(), ids.next(), ids.next());
    // A subset's name carries a six-letter tag (PDF 32000, 9.6.4), here
    // from the glyph set so equal figures get equal names.
    let tag: String = {
        let mut h: u32 = 2166136261;
        for &(ch, _) in used.glyphs.values() {
            h = (h ^ ch as u32).wrapping_mul(16777619);
        }
        (0..6)
            .map(|i| (b'A' + ((h >> (i * 5)) % 26) as u8) as char)
            .collect()
    };
    let base = format!("{tag}+{}", face.name);
    let info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    pdf.type0_font(type0)
        .base_font(Name(base.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);
    let mut cf = pdf.cid_font(cid);
    cf.subtype(if cff {
        CidFontType::Type0
    } else {
        CidFontType::Type2
    })
    .base_font(Name(base.as_bytes()))
    .system_info(info)
    .font_descriptor(desc)
    .default_width(0.0);
    if !cff {
        cf.cid_to_gid_map_predefined(Name(b"Identity"));
    }
    {
        let mut w = cf.widths();
        for (&g, &(_, adv)) in &used.glyphs {
            w.consecutive(g, [adv]);
        }
    }
    cf.finish();
    let upem = face.units_per_em();
    let (asc, desc_u) = face.vertical_units();
    let s = 1000.0 / upem;
    let mut fd = pdf.font_descriptor(desc);
    fd.name(Name(base.as_bytes()))
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(
            0.0,
            (desc_u * s) as f32,
            1000.0,
            (asc * s) as f32,
        ))
        .italic_angle(0.0)
        .ascent((asc * s) as f32)
        .descent((desc_u * s) as f32)
        .cap_height((asc * s * 0.9) as f32)
        .stem_v(80.0);
    if cff {
        fd.font_file3(file);
    } else {
        fd.font_file2(file);
    }
    fd.finish();
    let data = deflate(&subset)?;
    let mut st = pdf.stream(file, &data);
    st.filter(Filter::FlateDecode);
    if cff {
        st.pair(Name(b"Subtype"), Name(b"OpenType"));
    }
    st.finish();
    let mut uc: UnicodeCmap<u16> = UnicodeCmap::new(Name(b"Custom"), info);
    for (&g, &(ch, _)) in &used.glyphs {
        if g != 0 {
            uc.pair(g, ch);
        }
    }
    let uc = uc.finish();
    pdf.cmap(cmap, &deflate(uc.as_slice())?)
        .filter(Filter::FlateDecode);
    Ok(type0)
}
