//! A font subset a browser can use, for SVG's embedded `@font-face`.
//!
//! `subsetter` makes the PDF subsets; by design its fonts have no `cmap`
//! (a PDF maps codes to glyphs itself) and no `OS/2`, which a browser's
//! font sanitiser requires. This adds the two to a subset: a `cmap` built
//! from the characters drawn (format 4 for the Basic Multilingual Plane,
//! format 12 for all, as the OpenType spec recommends) and the original
//! face's `OS/2`, then rewrites the table directory (OpenType spec,
//! "Organization of an OpenType font"; checksums and `head`'s
//! `checkSumAdjustment`). `write-fonts` could do this, at 64 s of cold
//! build on 2 cores; this is the one table format we need.

use std::collections::BTreeMap;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// An sfnt's tables: tag → bytes.
type Tables = BTreeMap<[u8; 4], Vec<u8>>;

/// The tables of an sfnt font, and its version tag.
fn tables(font: &[u8]) -> Option<(u32, Tables)> {
    let version = u32_at(font, 0)?;
    let n = u16_at(font, 4)? as usize;
    let mut out = BTreeMap::new();
    for i in 0..n {
        let r = 12 + 16 * i;
        let tag: [u8; 4] = font.get(r..r + 4)?.try_into().ok()?;
        let off = u32_at(font, r + 8)? as usize;
        let len = u32_at(font, r + 12)? as usize;
        out.insert(tag, font.get(off..off + len)?.to_vec());
    }
    Some((version, out))
}

/// The table `tag` of face `index` of `font` (a font file or collection).
pub fn table(font: &[u8], index: u32, tag: &[u8; 4]) -> Option<Vec<u8>> {
    let face = owned_ttf_parser::Face::parse(font, index).ok()?;
    face.raw_face()
        .table(owned_ttf_parser::Tag::from_bytes(tag))
        .map(<[u8]>::to_vec)
}

fn checksum(b: &[u8]) -> u32 {
    b.chunks(4).fold(0u32, |s, c| {
        let mut w = [0u8; 4];
        w[..c.len()].copy_from_slice(c);
        s.wrapping_add(u32::from_be_bytes(w))
    })
}

/// `font` with `add` added (replacing tables of the same tag).
pub fn with_tables(font: &[u8], add: Vec<([u8; 4], Vec<u8>)>) -> Option<Vec<u8>> {
    let (version, mut t) = tables(font)?;
    for (tag, data) in add {
        t.insert(tag, data);
    }
    if let Some(head) = t.get_mut(b"head") {
        // checkSumAdjustment is computed over the font with it zeroed.
        head.get_mut(8..12)?.copy_from_slice(&[0; 4]);
    }
    let n = t.len();
    let log = (usize::BITS - 1 - n.leading_zeros()) as u16;
    let search = 16u16 << log;
    let mut out = Vec::new();
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&(n as u16).to_be_bytes());
    out.extend_from_slice(&search.to_be_bytes());
    out.extend_from_slice(&log.to_be_bytes());
    out.extend_from_slice(&((n as u16) * 16 - search).to_be_bytes());
    let mut offset = 12 + 16 * n;
    let mut head_at = None;
    let mut body = Vec::new();
    for (tag, data) in &t {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        if tag == b"head" {
            head_at = Some(offset);
        }
        body.extend_from_slice(data);
        while body.len() % 4 != 0 {
            body.push(0);
        }
        offset = 12 + 16 * n + body.len();
    }
    out.extend_from_slice(&body);
    if let Some(h) = head_at {
        let adj = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out.get_mut(h + 8..h + 12)?
            .copy_from_slice(&adj.to_be_bytes());
    }
    Some(out)
}

/// A `cmap` table mapping each character to its glyph: a (3, 1) format 4
/// subtable for the characters below U+10000 and a (3, 10) format 12
/// subtable for all of them.
pub fn cmap(map: &BTreeMap<char, u16>) -> Vec<u8> {
    let bmp: Vec<(u16, u16)> = map
        .iter()
        .filter(|(c, _)| (**c as u32) < 0xFFFF)
        .map(|(c, g)| (*c as u32 as u16, *g))
        .collect();
    // Format 4: one segment per character, then the closing 0xFFFF one.
    let seg = bmp.len() + 1;
    let log = (usize::BITS - 1 - seg.leading_zeros()) as u16;
    let search = 2u16 << log;
    let mut f4 = Vec::new();
    let len4 = 16 + 8 * seg;
    for v in [
        4u16,
        len4 as u16,
        0,
        (seg * 2) as u16,
        search,
        log,
        (seg * 2) as u16 - search,
    ] {
        f4.extend_from_slice(&v.to_be_bytes());
    }
    for &(c, _) in &bmp {
        f4.extend_from_slice(&c.to_be_bytes());
    }
    f4.extend_from_slice(&0xFFFFu16.to_be_bytes());
    f4.extend_from_slice(&0u16.to_be_bytes()); // reservedPad
    for &(c, _) in &bmp {
        f4.extend_from_slice(&c.to_be_bytes());
    }
    f4.extend_from_slice(&0xFFFFu16.to_be_bytes());
    for &(c, g) in &bmp {
        f4.extend_from_slice(&g.wrapping_sub(c).to_be_bytes());
    }
    f4.extend_from_slice(&1u16.to_be_bytes());
    for _ in 0..seg {
        f4.extend_from_slice(&0u16.to_be_bytes());
    }
    // Format 12: one group per character.
    let mut f12 = Vec::new();
    f12.extend_from_slice(&12u16.to_be_bytes());
    f12.extend_from_slice(&0u16.to_be_bytes());
    f12.extend_from_slice(&((16 + 12 * map.len()) as u32).to_be_bytes());
    f12.extend_from_slice(&0u32.to_be_bytes());
    f12.extend_from_slice(&(map.len() as u32).to_be_bytes());
    for (c, g) in map {
        let c = *c as u32;
        f12.extend_from_slice(&c.to_be_bytes());
        f12.extend_from_slice(&c.to_be_bytes());
        f12.extend_from_slice(&(*g as u32).to_be_bytes());
    }
    let mut out = Vec::new();
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&2u16.to_be_bytes());
    let (o4, o12) = (4 + 16, 4 + 16 + f4.len());
    for (pid, eid, off) in [(3u16, 1u16, o4), (3, 10, o12)] {
        out.extend_from_slice(&pid.to_be_bytes());
        out.extend_from_slice(&eid.to_be_bytes());
        out.extend_from_slice(&(off as u32).to_be_bytes());
    }
    out.extend_from_slice(&f4);
    out.extend_from_slice(&f12);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ab_glyph::Font;

    #[test]
    fn a_dejavu_subset_with_cmap_maps_each_character_to_its_outline() {
        let data = dejavu::sans::regular();
        let orig = ab_glyph::FontRef::try_from_slice(data).unwrap();
        let text = "Gene_12 αβ";
        let mut remap = subsetter::GlyphRemapper::new();
        let mut map = BTreeMap::new();
        for c in text.chars() {
            map.insert(c, remap.remap(orig.glyph_id(c).0));
        }
        let sub = subsetter::subset(data, 0, &remap).unwrap();
        let os2 = table(data, 0, b"OS/2").unwrap();
        let font = with_tables(&sub, vec![(*b"cmap", cmap(&map)), (*b"OS/2", os2)]).unwrap();
        assert!(font.len() < data.len() / 20, "{}", font.len());
        let f = ab_glyph::FontRef::try_from_slice(&font).unwrap();
        for c in text.chars() {
            let (a, b) = (orig.glyph_id(c), f.glyph_id(c));
            assert_eq!(b.0, map[&c], "{c}");
            assert_eq!(orig.h_advance_unscaled(a), f.h_advance_unscaled(b), "{c}");
            let (oa, ob) = (orig.outline(a), f.outline(b));
            assert_eq!(
                oa.map(|o| o.curves.len()),
                ob.map(|o| o.curves.len()),
                "{c}"
            );
        }
        // The whole font's checksum is the magic number (head adjusted).
        assert_eq!(checksum(&font), 0xB1B0_AFBA);
        assert_eq!(f.glyph_id('Z').0, 0);
    }
}
