//! Text in a figure's [`Fonts`] (the embedded DejaVu Sans, matplotlib's
//! default face, unless the `font` option names another; fallbacks for
//! characters it lacks). Glyphs are placed at fractional positions with
//! kerning and rasterised by coverage; labels turned 90° are drawn into a
//! mask and turned, labels at other angles ([`Rotation::Anchored`]) by
//! rasterising their turned glyph outlines.

use std::sync::OnceLock;

use ab_glyph::Font;

use super::canvas::Canvas;
use super::colormap::Rgb;
use super::fonts::Fonts;

/// Horizontal anchor of a text box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HAlign {
    /// `x` is the box's left edge.
    Left,
    /// `x` is the box's centre.
    Center,
    /// `x` is the box's right edge.
    Right,
}

/// Vertical anchor of a text box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VAlign {
    /// `y` is the box's top (ascent above the baseline).
    Top,
    /// `y` is the box's vertical centre.
    Center,
    /// `y` is the baseline.
    Baseline,
    /// `y` is the box's bottom (descent below the baseline).
    Bottom,
}

/// How a text turns (matplotlib's `rotation`, counter-clockwise on the
/// page).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rotation {
    /// Reads left to right (0°).
    None,
    /// Reads bottom to top (90°); the anchors apply to the turned box, as
    /// matplotlib's default `rotation_mode` aligns it.
    Vertical,
    /// Turned this many degrees counter-clockwise about the anchor point,
    /// the anchors applied to the box before it turns (matplotlib's
    /// `rotation_mode="anchor"`): with `HAlign::Right`, `VAlign::Top` and
    /// 45°, the text's top right corner sits at the anchor and the text
    /// runs down to the left. Any finite angle.
    Anchored(f64),
}

impl From<bool> for Rotation {
    /// `true`: [`Rotation::Vertical`]; `false`: [`Rotation::None`].
    fn from(vertical: bool) -> Rotation {
        if vertical {
            Rotation::Vertical
        } else {
            Rotation::None
        }
    }
}

/// Font metrics at `px`: (ascent, descent as a positive number), pixels.
pub(crate) fn metrics(fonts: &Fonts, px: f64) -> (f64, f64) {
    fonts.metrics(px)
}

/// Advance width of `text` at `px`, pixels.
pub(crate) fn width(fonts: &Fonts, text: &str, px: f64) -> f64 {
    fonts.width(text, px)
}

/// Width in points of `text` at `size_pt` as matplotlib measures it when
/// seaborn decides whether tick labels overlap: laid out at the figure's
/// 100 dpi with hinted glyphs, whose advances are whole pixels. Summing
/// each advance rounded at 100 dpi (plus kerning) reproduces matplotlib's
/// width exactly for labels of letters, digits and `_` without kerned
/// pairs — the usual gene and sample names — and to about a pixel
/// otherwise.
pub(crate) fn matplotlib_width_pt(fonts: &Fonts, text: &str, size_pt: f64) -> f64 {
    const DPI: f64 = 100.0;
    let glyphs = fonts.layout(text, size_pt * DPI / 72.0);
    let mut w = 0.0f64;
    let mut end = 0.0f64;
    for g in &glyphs {
        // Kerning: how far this glyph starts from the previous one's end.
        w += g.x - end + g.advance.round();
        end = g.x + g.advance;
    }
    w * 72.0 / DPI
}

/// Height of a line of text (ascent + descent), pixels.
pub(crate) fn line_height(fonts: &Fonts, px: f64) -> f64 {
    let (a, d) = metrics(fonts, px);
    a + d
}

/// A rasterised label: width, height, coverage.
type Mask = (usize, usize, Vec<f32>);

/// Labels repeat across the figures of a batch (gene names, sample names,
/// tick numbers): rasterise each (text, size) once per process.
fn cached_mask(fonts: &Fonts, text: &str, px: f64) -> std::sync::Arc<Mask> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    type Masks = Mutex<HashMap<(String, u64, usize), Arc<Mask>>>;
    static CACHE: OnceLock<Masks> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let key = (text.to_string(), px.to_bits(), fonts.key());
    if let Some(m) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return m;
    }
    let m = Arc::new(mask(fonts, text, px));
    if let Ok(mut c) = cache.lock() {
        if c.len() > 50_000 {
            c.clear();
        }
        c.insert(key, m.clone());
    }
    m
}

/// Coverage mask of `text`: width, height, alpha values; baseline at
/// `ascent` from the top.
fn mask(fonts: &Fonts, text: &str, px: f64) -> Mask {
    let (asc, desc) = metrics(fonts, px);
    let w = width(fonts, text, px).ceil() as usize + 2;
    let h = (asc + desc).ceil() as usize + 2;
    let mut buf = vec![0f32; w * h];
    // The pen in f32 from 1.0, as the glyphs' positions have always been
    // added up (the golden figures' text to the bit).
    let mut pen = 1.0f32;
    for g in fonts.layout(text, px) {
        pen += g.kern as f32;
        let glyph = g
            .glyph
            .with_scale_and_position(g.face.scale(px), ab_glyph::point(pen, asc as f32 + 1.0));
        pen += g.advance as f32;
        if let Some(outline) = g.face.font().outline_glyph(glyph) {
            let b = outline.px_bounds();
            outline.draw(|gx, gy, c| {
                let x = b.min.x as i64 + gx as i64;
                let y = b.min.y as i64 + gy as i64;
                if x >= 0 && y >= 0 && (x as usize) < w && (y as usize) < h {
                    let k = y as usize * w + x as usize;
                    buf[k] = (buf[k] + c).min(1.0);
                }
            });
        }
    }
    (w, h, buf)
}

/// The logical box of `text` anchored at (x, y): (left, top, advance
/// width, ascent). With `rotated` the box is the turned one, as matplotlib
/// aligns rotated text. ([`Rotation::Anchored`] text has its own frame:
/// [`anchored`].)
#[allow(clippy::too_many_arguments)]
fn text_box(
    fonts: &Fonts,
    text: &str,
    x: f64,
    y: f64,
    px: f64,
    h: HAlign,
    v: VAlign,
    rotated: bool,
) -> (f64, f64, f64, f64) {
    let (asc, desc) = metrics(fonts, px);
    let lw = width(fonts, text, px);
    let lh = asc + desc;
    let (bw, bh) = if rotated { (lh, lw) } else { (lw, lh) };
    let left = match h {
        HAlign::Left => x,
        HAlign::Center => x - bw / 2.0,
        HAlign::Right => x - bw,
    };
    let top = match v {
        VAlign::Top => y,
        VAlign::Center => y - bh / 2.0,
        VAlign::Bottom => y - bh,
        VAlign::Baseline if rotated => y - bh,
        VAlign::Baseline => y - asc,
    };
    (left, top, lw, asc)
}

/// A turned text's frame: the unturned box's left and top relative to the
/// anchor (pixels along the baseline and down from it), its advance
/// width, ascent and line height, and the map from that frame to the page.
struct Frame {
    left: f64,
    top: f64,
    lw: f64,
    asc: f64,
    lh: f64,
    x: f64,
    y: f64,
    cos: f64,
    sin: f64,
}

impl Frame {
    /// Text-frame (u along the baseline, v down, from the anchor) → page
    /// pixels, turned counter-clockwise on the page (y down).
    fn map(&self, u: f64, v: f64) -> (f64, f64) {
        (
            self.x + u * self.cos + v * self.sin,
            self.y - u * self.sin + v * self.cos,
        )
    }
}

/// The frame of `text` anchored at (x, y) by `h`/`v` before turning
/// `deg` degrees about that point (matplotlib's `rotation_mode="anchor"`).
#[allow(clippy::too_many_arguments)]
fn anchored(
    fonts: &Fonts,
    text: &str,
    x: f64,
    y: f64,
    px: f64,
    h: HAlign,
    v: VAlign,
    deg: f64,
) -> Frame {
    let (asc, desc) = metrics(fonts, px);
    let lw = width(fonts, text, px);
    let lh = asc + desc;
    let left = match h {
        HAlign::Left => 0.0,
        HAlign::Center => -lw / 2.0,
        HAlign::Right => -lw,
    };
    let top = match v {
        VAlign::Top => 0.0,
        VAlign::Center => -lh / 2.0,
        VAlign::Bottom => -lh,
        VAlign::Baseline => -asc,
    };
    let r = deg.to_radians();
    Frame {
        left,
        top,
        lw,
        asc,
        lh,
        x,
        y,
        cos: r.cos(),
        sin: r.sin(),
    }
}

/// The box `(x0, y0, x1, y1)`, pixels, that `text` anchored at (x, y)
/// takes: its advance width by its line height (ascent + descent), turned
/// by `rotation` — the box matplotlib's `get_window_extent` gives (for
/// [`Rotation::Anchored`], the axis-aligned box around the turned one).
#[allow(clippy::too_many_arguments)]
pub fn bounds(
    fonts: &Fonts,
    text: &str,
    x: f64,
    y: f64,
    px: f64,
    h: HAlign,
    v: VAlign,
    rotation: Rotation,
) -> (f64, f64, f64, f64) {
    let rotated = match rotation {
        Rotation::Anchored(deg) => {
            let f = anchored(fonts, text, x, y, px, h, v, deg);
            let corners = [
                f.map(f.left, f.top),
                f.map(f.left + f.lw, f.top),
                f.map(f.left, f.top + f.lh),
                f.map(f.left + f.lw, f.top + f.lh),
            ];
            let (mut b0, mut b1) = (corners[0], corners[0]);
            for (cx, cy) in corners {
                b0 = (b0.0.min(cx), b0.1.min(cy));
                b1 = (b1.0.max(cx), b1.1.max(cy));
            }
            return (b0.0, b0.1, b1.0, b1.1);
        }
        r => r == Rotation::Vertical,
    };
    let (left, top, lw, _) = text_box(fonts, text, x, y, px, h, v, rotated);
    let lh = line_height(fonts, px);
    let (bw, bh) = if rotated { (lh, lw) } else { (lw, lh) };
    (left, top, left + bw, top + bh)
}

/// The baseline origin (pixels) of `text` anchored at (x, y), where
/// glyph outlines and PDF text start: the box's left end of the baseline,
/// or for vertical text its bottom end (the text reads upwards); for
/// [`Rotation::Anchored`] text the turned start of its baseline.
#[allow(clippy::too_many_arguments)]
pub(crate) fn baseline_origin(
    fonts: &Fonts,
    text: &str,
    x: f64,
    y: f64,
    px: f64,
    h: HAlign,
    v: VAlign,
    rotation: Rotation,
) -> (f64, f64) {
    let rotated = match rotation {
        Rotation::Anchored(deg) => {
            let f = anchored(fonts, text, x, y, px, h, v, deg);
            return f.map(f.left, f.top + f.asc);
        }
        r => r == Rotation::Vertical,
    };
    let (left, top, lw, asc) = text_box(fonts, text, x, y, px, h, v, rotated);
    if rotated {
        (left + asc, top + lw)
    } else {
        (left, top + asc)
    }
}

/// Draws `text` anchored at (x, y). With [`Rotation::Vertical`], the text
/// reads bottom to top (matplotlib `rotation=90`) and the anchors apply to
/// the rotated box, as matplotlib's default rotation mode does; at other
/// angles ([`Rotation::Anchored`]) the glyph outlines are turned and
/// rasterised by coverage where they land (no turned bitmap).
#[allow(clippy::too_many_arguments)]
pub(crate) fn draw(
    canvas: &mut Canvas,
    fonts: &Fonts,
    text: &str,
    x: f64,
    y: f64,
    px: f64,
    color: Rgb,
    h: HAlign,
    v: VAlign,
    rotation: Rotation,
) {
    if text.is_empty() {
        return;
    }
    let rotated = match rotation {
        Rotation::Anchored(_) => {
            draw_outlines(canvas, fonts, text, x, y, px, color, h, v, rotation);
            return;
        }
        r => r == Rotation::Vertical,
    };
    let cached = cached_mask(fonts, text, px);
    let (mw, mh, m) = (cached.0, cached.1, &cached.2);
    let (left, top, _, _) = text_box(fonts, text, x, y, px, h, v, rotated);
    // Integer offset for the mask, keeping the fractional part small:
    // glyph coverage was computed on the mask's own pixel grid.
    let (ox, oy) = (left.round() as i64 - 1, top.round() as i64 - 1);
    for my in 0..mh {
        for mx in 0..mw {
            let a = m[my * mw + mx];
            if a <= 0.0 {
                continue;
            }
            let (cx, cy) = if rotated {
                // 90° counter-clockwise: (mx, my) -> (my, mw - 1 - mx).
                (ox + my as i64, oy + (mw - 1 - mx) as i64)
            } else {
                (ox + mx as i64, oy + my as i64)
            };
            canvas.blend(cx, cy, color, a as f64);
        }
    }
}

/// Rasterises the outlines of `text` (placed as [`outline`] places them)
/// by coverage with ab_glyph's rasteriser, the one its glyphs are drawn
/// with elsewhere, on the canvas's pixel grid.
#[allow(clippy::too_many_arguments)]
fn draw_outlines(
    canvas: &mut Canvas,
    fonts: &Fonts,
    text: &str,
    x: f64,
    y: f64,
    px: f64,
    color: Rgb,
    h: HAlign,
    v: VAlign,
    rotation: Rotation,
) {
    let segs = outline(fonts, text, x, y, px, h, v, rotation);
    let (b0, b1, b2, b3) = bounds(fonts, text, x, y, px, h, v, rotation);
    // The ink may pass the logical box by a little (italic overhangs,
    // accents): a margin of a quarter em.
    let m = (px / 4.0).ceil() + 1.0;
    let (ox, oy) = ((b0 - m).floor(), (b1 - m).floor());
    let (w, hh) = (
        ((b2 + m).ceil() - ox).max(1.0) as usize,
        ((b3 + m).ceil() - oy).max(1.0) as usize,
    );
    if w.saturating_mul(hh) > 64 << 20 {
        return;
    }
    let mut r = ab_glyph_rasterizer::Rasterizer::new(w, hh);
    let p = |x: f64, y: f64| ab_glyph_rasterizer::point((x - ox) as f32, (y - oy) as f32);
    let (mut start, mut cur) = ((0.0, 0.0), (0.0, 0.0));
    for s in &segs {
        match *s {
            Seg::Move(mx, my) => {
                start = (mx, my);
                cur = start;
            }
            Seg::Line(lx, ly) => {
                r.draw_line(p(cur.0, cur.1), p(lx, ly));
                cur = (lx, ly);
            }
            Seg::Cubic(a, b, c, d, ex, ey) => {
                r.draw_cubic(p(cur.0, cur.1), p(a, b), p(c, d), p(ex, ey));
                cur = (ex, ey);
            }
            Seg::Close => {
                if cur != start {
                    r.draw_line(p(cur.0, cur.1), p(start.0, start.1));
                }
                cur = start;
            }
        }
    }
    r.for_each_pixel_2d(|gx, gy, a| {
        canvas.blend(
            ox as i64 + gx as i64,
            oy as i64 + gy as i64,
            color,
            a as f64,
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matplotlib_widths_of_plain_labels() {
        // matplotlib 3.11 (Agg, 100 dpi, 10 pt DejaVu Sans) window extents:
        // 80, 79, 63, 15 and 90 px.
        for (t, px) in [
            ("r6_abcdefg", 80.0),
            ("Sample_10", 79.0),
            ("Gene_30", 63.0),
            ("r0", 15.0),
            ("Gene_12345", 90.0),
        ] {
            assert!(
                (matplotlib_width_pt(&Fonts::dejavu_only(), t, 10.0) - px * 0.72).abs() < 1e-9,
                "{t}"
            );
        }
    }

    #[test]
    fn an_anchored_45_degree_label_hangs_down_left_from_its_top_right_corner() {
        // matplotlib's rotation=45, ha="right", va="top",
        // rotation_mode="anchor": the unturned box's top right corner at the
        // anchor, the box turned about it.
        let f = Fonts::dejavu_only();
        let (w, lh) = (width(&f, "Gene_10", 14.0), line_height(&f, 14.0));
        let r = std::f64::consts::FRAC_1_SQRT_2;
        let b = bounds(
            &f,
            "Gene_10",
            100.0,
            50.0,
            14.0,
            HAlign::Right,
            VAlign::Top,
            Rotation::Anchored(45.0),
        );
        let want = (100.0 - w * r, 50.0, 100.0 + lh * r, 50.0 + (w + lh) * r);
        for (got, want) in [(b.0, want.0), (b.1, want.1), (b.2, want.2), (b.3, want.3)] {
            assert!((got - want).abs() < 1e-9, "{b:?} vs {want:?}");
        }
        // The baseline starts down-left of the anchor, one ascent below the
        // turned top edge.
        let (asc, _) = metrics(&f, 14.0);
        let (ox, oy) = baseline_origin(
            &f,
            "Gene_10",
            100.0,
            50.0,
            14.0,
            HAlign::Right,
            VAlign::Top,
            Rotation::Anchored(45.0),
        );
        assert!((ox - (100.0 - w * r + asc * r)).abs() < 1e-9, "{ox}");
        assert!((oy - (50.0 + w * r + asc * r)).abs() < 1e-9, "{oy}");
    }

    #[test]
    fn anchored_0_and_90_degrees_are_the_plain_and_vertical_boxes() {
        let f = Fonts::dejavu_only();
        let close = |a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)| {
            [a.0 - b.0, a.1 - b.1, a.2 - b.2, a.3 - b.3]
                .iter()
                .all(|d| d.abs() < 1e-9)
        };
        let at = |h, v, r| bounds(&f, "Sample_3", 40.0, 30.0, 14.0, h, v, r);
        for (h, v) in [(HAlign::Left, VAlign::Top), (HAlign::Right, VAlign::Center)] {
            assert!(close(
                at(h, v, Rotation::None),
                at(h, v, Rotation::Anchored(0.0))
            ));
        }
        // Text ending at the anchor, centred on it, reading upwards: the
        // vertical box hung from its top centre.
        assert!(close(
            at(HAlign::Center, VAlign::Top, Rotation::Vertical),
            at(HAlign::Right, VAlign::Center, Rotation::Anchored(90.0))
        ));
        // The outlines agree too (where SVG/PDF paths and the raster come from).
        let a = outline(
            &f,
            "Ag",
            10.0,
            20.0,
            14.0,
            HAlign::Left,
            VAlign::Top,
            Rotation::None,
        );
        let b = outline(
            &f,
            "Ag",
            10.0,
            20.0,
            14.0,
            HAlign::Left,
            VAlign::Top,
            Rotation::Anchored(0.0),
        );
        assert_eq!(a.len(), b.len());
        for (s, t) in a.iter().zip(&b) {
            let (p, q) = (format!("{s:?}"), format!("{t:?}"));
            assert!(p == q || seg_close(s, t), "{p} {q}");
        }
    }

    fn seg_close(a: &Seg, b: &Seg) -> bool {
        let v = |s: &Seg| -> Vec<f64> {
            match *s {
                Seg::Move(x, y) | Seg::Line(x, y) => vec![x, y],
                Seg::Cubic(a, b, c, d, e, f) => vec![a, b, c, d, e, f],
                Seg::Close => vec![],
            }
        };
        let (p, q) = (v(a), v(b));
        std::mem::discriminant(a) == std::mem::discriminant(b)
            && p.iter().zip(&q).all(|(x, y)| (x - y).abs() < 1e-9)
    }

    #[test]
    fn angled_text_is_inked_along_its_turned_box() {
        let f = Fonts::dejavu_only();
        let ink = |r: Rotation| {
            let mut c = Canvas::new(200, 200);
            draw(
                &mut c,
                &f,
                "Gene_10",
                120.0,
                60.0,
                14.0,
                [0, 0, 0],
                HAlign::Right,
                VAlign::Top,
                r,
            );
            let mut px = vec![];
            for y in 0..200 {
                for x in 0..200 {
                    let v = c.pixels[(y * 200 + x) * 3];
                    if v < 255 {
                        px.push((x as f64 + 0.5, y as f64 + 0.5, 1.0 - v as f64 / 255.0));
                    }
                }
            }
            px
        };
        let turned = ink(Rotation::Anchored(45.0));
        let flat = ink(Rotation::Anchored(0.0));
        let mass = |p: &[(f64, f64, f64)]| p.iter().map(|q| q.2).sum::<f64>();
        // As much ink as the unturned label (coverage, not a turned bitmap).
        let (m45, m0) = (mass(&turned), mass(&flat));
        assert!(m45 > 30.0 && (m45 / m0 - 1.0).abs() < 0.03, "{m45} {m0}");
        // All of it inside the turned box, its centre down-left of the
        // anchor along the 45° line (the text runs down to the left).
        let b = bounds(
            &f,
            "Gene_10",
            120.0,
            60.0,
            14.0,
            HAlign::Right,
            VAlign::Top,
            Rotation::Anchored(45.0),
        );
        for &(x, y, _) in &turned {
            assert!(
                x > b.0 - 2.0 && x < b.2 + 2.0 && y > b.1 - 2.0 && y < b.3 + 2.0,
                "ink at {x},{y} outside {b:?}"
            );
        }
        let cx = turned.iter().map(|q| q.0 * q.2).sum::<f64>() / m45 - 120.0;
        let cy = turned.iter().map(|q| q.1 * q.2).sum::<f64>() / m45 - 60.0;
        assert!(cx < -10.0 && cy > 10.0, "{cx} {cy}");
        // Across the text's direction the centre sits about half a line
        // below its top edge: (cx, cy) · (sin, cos) = ink below the top.
        let r = std::f64::consts::FRAC_1_SQRT_2;
        let below = cx * r + cy * r;
        assert!(below > 2.0 && below < line_height(&f, 14.0), "{below}");
    }

    #[test]
    fn text_draws_ink_where_anchored() {
        let mut c = Canvas::new(200, 60);
        let f = Fonts::dejavu_only();
        draw(
            &mut c,
            &f,
            "Gene_10",
            100.0,
            30.0,
            14.0,
            [0, 0, 0],
            HAlign::Center,
            VAlign::Center,
            Rotation::None,
        );
        let dark = c.pixels.chunks(3).filter(|p| p[0] < 128).count();
        assert!(dark > 30, "{dark}");
        let w = width(&f, "Gene_10", 14.0);
        assert!(w > 40.0 && w < 70.0, "{w}");
        // Nothing far from the anchor.
        for y in 0..60 {
            for x in 0..20 {
                assert_eq!(c.pixels[(y * 200 + x) * 3], 255);
            }
        }
    }
}

/// One segment of a glyph outline, in pixels on the canvas.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Seg {
    /// Starts a new contour at (x, y).
    Move(f64, f64),
    /// A straight line to (x, y).
    Line(f64, f64),
    /// Cubic Bézier: two control points and the end point.
    Cubic(f64, f64, f64, f64, f64, f64),
    /// Closes the contour.
    Close,
}

/// The outlines of `text` placed exactly as [`draw`] places it, as path
/// segments in canvas pixels: what SVG and PDF output draw instead of
/// bitmaps, so text stays sharp at any zoom and needs no font file.
#[allow(clippy::too_many_arguments)]
pub(crate) fn outline(
    fonts: &Fonts,
    text: &str,
    x: f64,
    y: f64,
    px: f64,
    h: HAlign,
    v: VAlign,
    rotation: Rotation,
) -> Vec<Seg> {
    let frame = match rotation {
        Rotation::Anchored(deg) => Some(anchored(fonts, text, x, y, px, h, v, deg)),
        _ => None,
    };
    let rotated = rotation == Rotation::Vertical;
    let (left, top, lw, asc) = match &frame {
        Some(f) => (f.left, f.top, f.lw, f.asc),
        None => text_box(fonts, text, x, y, px, h, v, rotated),
    };
    // Text-local (tx along the baseline from the box's start, ty down from
    // the box's top) → canvas.
    let map = |tx: f64, ty: f64| -> (f64, f64) {
        if let Some(f) = &frame {
            f.map(left + tx, top + ty)
        } else if rotated {
            (left + ty, top + (lw - tx))
        } else {
            (left + tx, top + ty)
        }
    };
    let mut segs = Vec::new();
    for g in fonts.layout(text, px) {
        // Font units → pixels for this glyph's face.
        let k = px / g.face.units_per_em();
        let (sx, sy) = (k, k);
        let pen = g.x;
        if let Some(o) = g.face.font().outline(g.glyph) {
            // Font units, y up → text-local pixels, y down from the top.
            let pt = |p: ab_glyph::Point| map(pen + p.x as f64 * sx, asc - p.y as f64 * sy);
            let mut last: Option<ab_glyph::Point> = None;
            for c in &o.curves {
                let (start, end) = match c {
                    ab_glyph::OutlineCurve::Line(a, b) => (*a, *b),
                    ab_glyph::OutlineCurve::Quad(a, _, b) => (*a, *b),
                    ab_glyph::OutlineCurve::Cubic(a, _, _, b) => (*a, *b),
                };
                if last != Some(start) {
                    if last.is_some() {
                        segs.push(Seg::Close);
                    }
                    let (mx, my) = pt(start);
                    segs.push(Seg::Move(mx, my));
                }
                match c {
                    ab_glyph::OutlineCurve::Line(_, b) => {
                        let (lx, ly) = pt(*b);
                        segs.push(Seg::Line(lx, ly));
                    }
                    ab_glyph::OutlineCurve::Quad(a, c1, b) => {
                        // Degree elevation: quadratic → cubic.
                        let (p0, p1, p2) = (pt(*a), pt(*c1), pt(*b));
                        let c1 = (
                            p0.0 + 2.0 / 3.0 * (p1.0 - p0.0),
                            p0.1 + 2.0 / 3.0 * (p1.1 - p0.1),
                        );
                        let c2 = (
                            p2.0 + 2.0 / 3.0 * (p1.0 - p2.0),
                            p2.1 + 2.0 / 3.0 * (p1.1 - p2.1),
                        );
                        segs.push(Seg::Cubic(c1.0, c1.1, c2.0, c2.1, p2.0, p2.1));
                    }
                    ab_glyph::OutlineCurve::Cubic(_, c1, c2, b) => {
                        let (a1, a2, e) = (pt(*c1), pt(*c2), pt(*b));
                        segs.push(Seg::Cubic(a1.0, a1.1, a2.0, a2.1, e.0, e.1));
                    }
                }
                last = Some(end);
            }
            if last.is_some() {
                segs.push(Seg::Close);
            }
        }
    }
    segs
}
