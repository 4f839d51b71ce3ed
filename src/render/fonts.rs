//! The fonts a figure's text is set in, and where each glyph comes from.
//!
//! The main face is DejaVu Sans (embedded; matplotlib's default), or the
//! face the `font` option names: a font file (`.ttf`, `.otf`, `.ttc`) or a
//! family installed on the system (found with `fontdb`). A character the
//! main face lacks is taken from the next face that has it: DejaVu Sans,
//! then the system's fonts (Noto CJK, WenQuanYi, …) in path order, so the
//! same machine always picks the same face. A character no face has is
//! drawn as the main face's empty box and reported once per figure
//! ([`Fonts::missing`]), as matplotlib warns "Glyph … missing from font".

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use ab_glyph::{Font, FontArc, FontRef, GlyphId, PxScale, ScaleFont};

use crate::error::{Error, Result};

/// One font face: its bytes (kept for embedding a subset in PDF/SVG) and
/// the parsed font.
pub struct Face {
    /// PostScript-style name for embedding (no spaces): `DejaVuSans`.
    pub name: String,
    /// The whole font file.
    pub data: &'static [u8],
    /// The face's index in a collection (`.ttc`), else 0.
    pub index: u32,
    font: FontArc,
}

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Face({}#{})", self.name, self.index)
    }
}

impl Face {
    /// Parses `data` (face `index` of a collection). The bytes live for
    /// the process: faces are loaded once and cached.
    fn parse(data: &'static [u8], index: u32) -> Option<Face> {
        let font = FontRef::try_from_slice_and_index(data, index).ok()?;
        let name = ps_name(data, index).unwrap_or_else(|| "Font".into());
        Some(Face {
            name,
            data,
            index,
            font: FontArc::new(font),
        })
    }

    /// The glyph of `c`, `None` when the face has none.
    pub fn glyph(&self, c: char) -> Option<GlyphId> {
        let g = self.font.glyph_id(c);
        (g.0 != 0).then_some(g)
    }

    /// ab_glyph's scale for an em of `px` pixels in this face.
    pub fn scale(&self, px: f64) -> PxScale {
        PxScale::from((px * self.font.height_unscaled() as f64 / self.units_per_em()) as f32)
    }

    /// Font units per em.
    pub fn units_per_em(&self) -> f64 {
        self.font.units_per_em().unwrap_or(2048.0) as f64
    }

    /// Advance of glyph `g`, font units.
    pub fn advance_units(&self, g: GlyphId) -> f64 {
        self.font.h_advance_unscaled(g) as f64
    }

    /// (ascent, descent) in font units, descent negative.
    pub fn vertical_units(&self) -> (f64, f64) {
        (
            self.font.ascent_unscaled() as f64,
            self.font.descent_unscaled() as f64,
        )
    }

    /// True when the outlines are CFF (OpenType `.otf`), not TrueType.
    pub fn is_cff(&self) -> bool {
        owned_ttf_parser::Face::parse(self.data, self.index)
            .map(|f| f.tables().cff.is_some())
            .unwrap_or(false)
    }

    /// The parsed font.
    pub fn font(&self) -> &FontArc {
        &self.font
    }
}

/// The PostScript name (name id 6) or the family (id 1), ASCII without
/// spaces, as PDF's `BaseFont` wants it.
fn ps_name(data: &[u8], index: u32) -> Option<String> {
    let face = owned_ttf_parser::Face::parse(data, index).ok()?;
    let pick = |id: u16| {
        face.names()
            .into_iter()
            .filter(|n| n.name_id == id && n.is_unicode())
            .find_map(|n| n.to_string())
    };
    let n = pick(6).or_else(|| pick(1))?;
    let n: String = n.chars().filter(|c| c.is_ascii_graphic()).collect();
    (!n.is_empty()).then_some(n)
}

type FaceCache = Mutex<HashMap<(PathBuf, u32), Arc<Face>>>;

/// Faces loaded in this process, by file and index.
fn cache() -> &'static FaceCache {
    static C: OnceLock<FaceCache> = OnceLock::new();
    C.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The embedded DejaVu Sans.
pub fn dejavu() -> Arc<Face> {
    static F: OnceLock<Arc<Face>> = OnceLock::new();
    F.get_or_init(|| {
        Arc::new(
            Face::parse(dejavu::sans::regular(), 0).expect("embedded DejaVu Sans is a valid font"),
        )
    })
    .clone()
}

/// Face `index` of the font file at `path`, loaded once per process.
fn load(path: &Path, index: u32) -> Option<Arc<Face>> {
    let key = (path.to_path_buf(), index);
    if let Some(f) = cache().lock().ok()?.get(&key) {
        return Some(f.clone());
    }
    let bytes = std::fs::read(path).ok()?;
    // Faces live for the process: a batch reuses them across figures.
    let data: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    let face = Arc::new(Face::parse(data, index)?);
    cache().lock().ok()?.insert(key, face.clone());
    Some(face)
}

/// One of the system's font faces: file, index in it, family, and how
/// far it is from a regular upright face (0 for Regular/Book).
type SystemFace = (PathBuf, u32, String, u32);

/// The system's font faces, regular faces first, then in path order;
/// scanned once per process, and only when a character needs a fallback
/// or a family is named.
fn system_faces() -> &'static [SystemFace] {
    static S: OnceLock<Vec<SystemFace>> = OnceLock::new();
    S.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_system_fonts();
        let mut out: Vec<SystemFace> = db
            .faces()
            .filter_map(|f| match &f.source {
                fontdb::Source::File(p) => {
                    // matplotlib's font.family picks the normal weight,
                    // upright, normal width: rank faces by distance to it.
                    let off = (f.weight.0 as i32 - 400).unsigned_abs()
                        + if f.style == fontdb::Style::Normal {
                            0
                        } else {
                            1000
                        }
                        + if f.stretch == fontdb::Stretch::Normal {
                            0
                        } else {
                            500
                        };
                    Some((
                        p.clone(),
                        f.index,
                        f.families
                            .first()
                            .map(|(n, _)| n.clone())
                            .unwrap_or_default(),
                        off,
                    ))
                }
                _ => None,
            })
            .collect();
        out.sort_by(|a, b| {
            a.3.cmp(&b.3)
                .then_with(|| a.0.cmp(&b.0))
                .then(a.1.cmp(&b.1))
        });
        out.dedup();
        out
    })
}

/// The first system face (in path order) that has `c`, cached per
/// character for the process.
fn system_fallback(c: char) -> Option<Arc<Face>> {
    type Hits = Mutex<HashMap<char, Option<Arc<Face>>>>;
    static C: OnceLock<Hits> = OnceLock::new();
    let cache = C.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(hit) = cache.lock().ok()?.get(&c) {
        return hit.clone();
    }
    let found = system_faces()
        .iter()
        .filter_map(|(p, i, _, _)| load(p, *i))
        .find(|f| f.glyph(c).is_some());
    cache.lock().ok()?.insert(c, found.clone());
    found
}

/// A figure's faces: the main one first, then the fallbacks.
#[derive(Debug, Clone)]
pub struct Fonts {
    faces: Vec<Arc<Face>>,
    /// Also look through the system's fonts for a missing character.
    system_fallback: bool,
}

impl Default for Fonts {
    fn default() -> Self {
        Fonts {
            faces: vec![dejavu()],
            system_fallback: true,
        }
    }
}

impl PartialEq for Fonts {
    fn eq(&self, other: &Fonts) -> bool {
        self.system_fallback == other.system_fallback
            && self.faces.len() == other.faces.len()
            && self
                .faces
                .iter()
                .zip(&other.faces)
                .all(|(a, b)| Arc::ptr_eq(a, b))
    }
}

/// One placed glyph of a line of text.
#[derive(Debug, Clone)]
pub struct Placed {
    /// The face it comes from.
    pub face: Arc<Face>,
    /// Glyph id in that face (0: the missing-glyph box).
    pub glyph: GlyphId,
    /// Pen position of the glyph's origin, pixels from the line's start.
    pub x: f64,
    /// Advance, pixels.
    pub advance: f64,
    /// Kerning applied before this glyph (added to the pen), pixels.
    pub kern: f64,
    /// The character drawn.
    pub ch: char,
}

impl Fonts {
    /// DejaVu Sans, with the system's fonts as fallbacks.
    pub fn new() -> Fonts {
        Fonts::default()
    }

    /// Only the embedded DejaVu Sans, no system fallback: the same glyphs
    /// on every machine (tests).
    pub fn dejavu_only() -> Fonts {
        Fonts {
            faces: vec![dejavu()],
            system_fallback: false,
        }
    }

    /// `spec` (a font file, or a family installed on the system) as the
    /// main face, then DejaVu Sans and the system's fonts.
    ///
    /// Errors: [`Error::Usage`] when the file is missing or not a font
    /// heatmill can read, or no installed family has that name (listing a
    /// few that are).
    pub fn with_font(spec: &str) -> Result<Fonts> {
        let main = Fonts::find(spec)?;
        Ok(Fonts {
            faces: vec![main, dejavu()],
            system_fallback: true,
        })
    }

    fn find(spec: &str) -> Result<Arc<Face>> {
        let p = Path::new(spec);
        let is_file_like = p.extension().is_some_and(|e| {
            matches!(
                e.to_ascii_lowercase().to_str(),
                Some("ttf" | "otf" | "ttc" | "otc")
            )
        });
        if is_file_like || p.is_file() {
            return load(p, 0).ok_or_else(|| {
                Error::Usage(format!(
                    "{}: {spec} {}",
                    crate::error::key_and_flag("font"),
                    if p.is_file() {
                        "is not a font file heatmill can read (TrueType or OpenType)"
                    } else {
                        "does not exist"
                    }
                ))
            });
        }
        let faces = system_faces();
        // The family's regular face (faces are ranked regular first).
        if let Some(face) = faces
            .iter()
            .filter(|(_, _, f, _)| f.eq_ignore_ascii_case(spec))
            .find_map(|(path, index, _, _)| load(path, *index))
        {
            return Ok(face);
        }
        let mut families: Vec<&str> = faces.iter().map(|(_, _, f, _)| f.as_str()).collect();
        families.sort_unstable();
        families.dedup();
        Err(Error::Usage(format!(
            "{}: no font family '{spec}' is installed{}; give a font file's path instead",
            crate::error::key_and_flag("font"),
            if families.is_empty() {
                String::new()
            } else {
                format!(
                    " (installed: {}{})",
                    families[..families.len().min(8)].join(", "),
                    if families.len() > 8 { ", …" } else { "" }
                )
            }
        )))
    }

    /// Identifies the set (its faces and fallback rule) for caches of
    /// rendered text.
    pub fn key(&self) -> usize {
        let mut k = self.system_fallback as usize;
        for f in &self.faces {
            k = k.wrapping_mul(31).wrapping_add(Arc::as_ptr(f) as usize);
        }
        k
    }

    /// The main face.
    pub fn main(&self) -> &Arc<Face> {
        &self.faces[0]
    }

    /// The face and glyph that draw `c`: the first face of the set that
    /// has it, else (when allowed) the first system font that has it;
    /// `None` when none does.
    fn pick(&self, c: char) -> Option<(Arc<Face>, GlyphId)> {
        if let Some(hit) = self
            .faces
            .iter()
            .find_map(|f| f.glyph(c).map(|g| (f.clone(), g)))
        {
            return Some(hit);
        }
        if !self.system_fallback || c.is_control() {
            return None;
        }
        let face = system_fallback(c)?;
        let g = face.glyph(c)?;
        Some((face, g))
    }

    /// The characters of `text` that no face has (each once, in order).
    pub fn missing(&self, text: &str) -> Vec<char> {
        let mut out: Vec<char> = Vec::new();
        for c in text.chars() {
            if !c.is_whitespace() && !c.is_control() && !out.contains(&c) && self.pick(c).is_none()
            {
                out.push(c);
            }
        }
        out
    }

    /// `text` laid out at an em of `px` pixels: each glyph from the first
    /// face that has it, kerned within a face (the font's `kern` pairs).
    pub fn layout(&self, text: &str, px: f64) -> Vec<Placed> {
        let mut out: Vec<Placed> = Vec::with_capacity(text.len());
        let mut pen = 0.0f64;
        for ch in text.chars() {
            let (face, glyph) = self
                .pick(ch)
                .unwrap_or_else(|| (self.faces[0].clone(), GlyphId(0)));
            let s = face.font.as_scaled(face.scale(px));
            let kern = match out.last() {
                Some(prev) if Arc::ptr_eq(&prev.face, &face) => s.kern(prev.glyph, glyph) as f64,
                _ => 0.0,
            };
            pen += kern;
            let advance = s.h_advance(glyph) as f64;
            out.push(Placed {
                face,
                glyph,
                x: pen,
                advance,
                kern,
                ch,
            });
            pen += advance;
        }
        out
    }

    /// Advance width of `text` at `px`, pixels.
    pub fn width(&self, text: &str, px: f64) -> f64 {
        self.layout(text, px)
            .last()
            .map_or(0.0, |g| g.x + g.advance)
    }

    /// The main face's (ascent, descent as a positive number) at `px`.
    pub fn metrics(&self, px: f64) -> (f64, f64) {
        let f = &self.faces[0];
        let s = f.font.as_scaled(f.scale(px));
        (s.ascent() as f64, -s.descent() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dejavu_lays_out_with_kerning_and_reports_what_no_face_has() {
        let f = Fonts::dejavu_only();
        let g = f.layout("AV", 20.0);
        assert_eq!(g.len(), 2);
        // DejaVu kerns A-V: the V starts before A's full advance.
        assert!(g[1].x < g[0].advance, "{g:?}");
        assert_eq!(f.width("", 10.0), 0.0);
        assert!(f.missing("Gene_1 αβ é").is_empty());
        assert_eq!(f.missing("基因 A 基"), vec!['基', '因']);
        assert_eq!(f.main().name, "DejaVuSans");
    }

    #[test]
    fn a_family_names_its_regular_face() {
        // matplotlib's font.family: Book/Regular, not Bold or Oblique
        // (skipped where the family is not installed).
        for (family, ps) in [
            ("DejaVu Serif", "DejaVuSerif"),
            ("DejaVu Sans", "DejaVuSans"),
        ] {
            if let Ok(f) = Fonts::with_font(family) {
                assert_eq!(f.main().name, ps, "{family}");
            }
        }
    }

    #[test]
    fn a_font_that_does_not_exist_is_a_usage_error() {
        let e = Fonts::with_font("/nonexistent/font.ttf")
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not exist"), "{e}");
        let e = Fonts::with_font("No Such Family 123")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no font family 'No Such Family 123'"), "{e}");
    }
}
