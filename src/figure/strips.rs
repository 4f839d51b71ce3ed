//! Colour strips (seaborn's `row_colors` / `col_colors`) built from
//! annotation tables, and the legend seaborn never drew for them.

use super::axes::{Rect, BLACK, FONT_PT};
use crate::error::Result;
use crate::io::annotations::Annotation;
use crate::render::colormap::{palette, parse_color, Rgb};
use crate::render::scene::Scene;
use crate::render::text::{self, HAlign, VAlign};
use std::collections::BTreeMap;

/// Colour for labels absent from the annotation table.
pub const UNMATCHED: Rgb = [221, 221, 221];

/// One strip: a colour per observation (input order) and its legend.
#[derive(Debug, Clone)]
pub struct Strip {
    /// The strip's name (the annotation column, or the cut's name): its
    /// tick label beside the strip and its legend title.
    pub name: String,
    /// One colour per observation, input order ([`UNMATCHED`] for labels
    /// absent from the table).
    pub colors: Vec<Rgb>,
    /// `(category, colour)` in order of first appearance, for the legend.
    pub legend: Vec<(String, Rgb)>,
    /// Labels that had no entry in the table.
    pub unmatched: Vec<String>,
}

/// Builds a strip for `labels` from an annotation: explicit `palette`
/// colours first, the rest from tab10 in order of first appearance.
pub fn from_annotation(
    a: &Annotation,
    labels: &[String],
    explicit: &BTreeMap<String, String>,
) -> Result<Strip> {
    let defaults = palette("tab10")?;
    let mut assigned: Vec<(String, Rgb)> = Vec::new();
    let mut next_default = 0;
    let mut color_of = |cat: &str, assigned: &mut Vec<(String, Rgb)>| -> Result<Rgb> {
        if let Some((_, c)) = assigned.iter().find(|(n, _)| n == cat) {
            return Ok(*c);
        }
        let c = match explicit.get(cat) {
            Some(hex) => parse_color(hex)?,
            None => {
                let c = defaults[next_default % defaults.len()];
                next_default += 1;
                c
            }
        };
        assigned.push((cat.to_string(), c));
        Ok(c)
    };
    // Assign in the table's category order so colours don't depend on
    // the data's order.
    for cat in &a.categories {
        color_of(cat, &mut assigned)?;
    }
    let mut colors = Vec::with_capacity(labels.len());
    let mut unmatched = Vec::new();
    let mut used = vec![false; assigned.len()];
    for l in labels {
        match a.values.get(l) {
            Some(cat) => {
                let i = assigned.iter().position(|(n, _)| n == cat).unwrap_or(0);
                used[i] = true;
                colors.push(assigned[i].1);
            }
            None => {
                unmatched.push(l.clone());
                colors.push(UNMATCHED);
            }
        }
    }
    let mut legend: Vec<(String, Rgb)> = assigned
        .into_iter()
        .zip(used)
        .filter(|(_, u)| *u)
        .map(|(e, _)| e)
        .collect();
    if !unmatched.is_empty() {
        legend.push(("(not in table)".into(), UNMATCHED));
    }
    Ok(Strip {
        name: a.name.clone(),
        colors,
        legend,
        unmatched,
    })
}

/// A strip of flat-cluster ids (1-based), coloured with tab10.
pub fn from_clusters(name: &str, clusters: &[usize]) -> Result<Strip> {
    let pal = palette("tab10")?;
    let k = clusters.iter().copied().max().unwrap_or(0);
    Ok(Strip {
        name: name.to_string(),
        colors: clusters
            .iter()
            .map(|&c| pal[(c.max(1) - 1) % pal.len()])
            .collect(),
        legend: (1..=k)
            .map(|c| (format!("{c}"), pal[(c - 1) % pal.len()]))
            .collect(),
        unmatched: vec![],
    })
}

/// Size of the legend block for `strips` (width, height) in pixels.
pub(crate) fn legend_size(strips: &[Strip], px_per_pt: f64) -> (f64, f64) {
    let font = FONT_PT * px_per_pt;
    let lh = text::line_height(font) * 1.15;
    let sw = font;
    let mut w: f64 = 0.0;
    let mut h = 0.0;
    for s in strips {
        w = w.max(text::width(&s.name, font));
        h += lh;
        for (l, _) in &s.legend {
            w = w.max(sw + 0.5 * font + text::width(l, font));
            h += lh;
        }
        h += lh * 0.5;
    }
    (w, h)
}

/// Draws the legend with its top-left corner at (x, y).
pub(crate) fn draw_legend(canvas: &mut Scene, strips: &[Strip], x: f64, y: f64, px_per_pt: f64) {
    let font = FONT_PT * px_per_pt;
    let lh = text::line_height(font) * 1.15;
    let sw = font;
    let mut cy = y;
    for s in strips {
        canvas.text(
            &s.name,
            x,
            cy + lh / 2.0,
            font,
            BLACK,
            HAlign::Left,
            VAlign::Center,
            false,
        );
        cy += lh;
        for (l, c) in &s.legend {
            let r = Rect::new(x, cy + (lh - sw) / 2.0, sw, sw);
            canvas.fill_rect(r.x, r.y, r.right(), r.bottom(), *c);
            canvas.text(
                l,
                x + sw + 0.5 * font,
                cy + lh / 2.0,
                font,
                BLACK,
                HAlign::Left,
                VAlign::Center,
                false,
            );
            cy += lh;
        }
        cy += lh * 0.5;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn explicit_palette_and_unmatched_labels() {
        let a = Annotation {
            name: "group".into(),
            values: HashMap::from([
                ("s1".to_string(), "Tumor".to_string()),
                ("s2".into(), "Normal".into()),
            ]),
            categories: vec!["Tumor".into(), "Normal".into()],
        };
        let pal = BTreeMap::from([("Tumor".to_string(), "#e63946".to_string())]);
        let s = from_annotation(&a, &["s2".into(), "s1".into(), "s9".into()], &pal).unwrap();
        assert_eq!(s.colors[1], [0xe6, 0x39, 0x46]);
        assert_eq!(s.colors[0], palette("tab10").unwrap()[0]);
        assert_eq!(s.colors[2], UNMATCHED);
        assert_eq!(s.unmatched, vec!["s9".to_string()]);
        assert_eq!(s.legend.len(), 3);
    }
}
