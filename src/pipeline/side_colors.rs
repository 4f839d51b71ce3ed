//! The colour strips (seaborn's `row_colors` / `col_colors`) a figure
//! shows, built from annotation tables (`TABLE:COLUMN`) and from flat
//! clusters (`cut_rows`/`cut_cols`); `figure::strips` draws them.

use std::collections::BTreeMap;

use crate::error::Result;
use crate::figure::strips::{Strip, MISSING, MISSING_LABEL, UNMATCHED};
use crate::io::annotations::Annotation;
use crate::render::colormap::{palette, parse_color, Rgb};

/// Builds a strip for `labels` from an annotation: explicit `palette`
/// colours first, the rest from tab10 in order of first appearance.
/// Missing values take no palette slot: they are drawn [`MISSING`] (the
/// background, as seaborn draws them) with one legend entry.
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
    let mut any_missing = false;
    for l in labels {
        match a.values.get(l) {
            Some(None) => {
                any_missing = true;
                colors.push(MISSING);
            }
            Some(Some(cat)) => {
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
    if any_missing {
        legend.push((MISSING_LABEL.into(), MISSING));
    }
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

/// How many unmatched labels a warning shows.
const SHOWN: usize = 5;

/// The warning for a strip whose `what` labels (`n` of them) are not all
/// in the annotation `a` (given as `spec`): how many, the first few, and —
/// when the matrix's `other` axis matches more of the table — that the
/// strip is most likely meant for that axis (`transpose`).
pub fn unmatched_note(
    a: &Annotation,
    s: &Strip,
    spec: &str,
    what: &str,
    n: usize,
    other: &[String],
) -> Option<String> {
    if s.unmatched.is_empty() {
        return None;
    }
    let shown = s.unmatched[..s.unmatched.len().min(SHOWN)].join(", ");
    let more = if s.unmatched.len() > SHOWN {
        ", …"
    } else {
        ""
    };
    let mut msg = format!(
        "{} of {n} {what} labels not in {spec} (drawn grey): {shown}{more}",
        s.unmatched.len()
    );
    let matched = n - s.unmatched.len();
    let other_matched = other.iter().filter(|l| a.values.contains_key(*l)).count();
    if other_matched > matched {
        let other_what = if what == "row" { "column" } else { "row" };
        msg.push_str(&format!(
            "; {other_matched} of the {} {other_what} labels are in it: the matrix is probably the other way round — switch {} (on if it is off, off if it is on), or put the strip on the other axis",
            other.len(),
            crate::error::key_and_flag("transpose")
        ));
    }
    Some(msg)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn explicit_palette_and_unmatched_labels() {
        let a = Annotation {
            name: "group".into(),
            values: HashMap::from([
                ("s1".to_string(), Some("Tumor".to_string())),
                ("s2".into(), Some("Normal".into())),
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

    #[test]
    fn missing_values_take_no_palette_slot_and_one_legend_entry() {
        let a = Annotation {
            name: "group".into(),
            values: HashMap::from([
                ("s1".to_string(), None),
                ("s2".into(), Some("Normal".into())),
                ("s3".into(), None),
            ]),
            categories: vec!["Normal".into()],
        };
        let s = from_annotation(
            &a,
            &["s1".into(), "s2".into(), "s3".into()],
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(
            s.colors,
            vec![MISSING, palette("tab10").unwrap()[0], MISSING]
        );
        assert_eq!(
            s.legend,
            vec![
                ("Normal".to_string(), palette("tab10").unwrap()[0]),
                (MISSING_LABEL.to_string(), MISSING)
            ]
        );
        assert!(s.unmatched.is_empty());
    }

    #[test]
    fn unmatched_note_counts_shows_a_few_and_suggests_transpose() {
        let a = Annotation {
            name: "cell_type".into(),
            values: (0..3)
                .map(|i| (format!("c{i}"), Some("T".to_string())))
                .collect(),
            categories: vec!["T".into()],
        };
        let genes: Vec<String> = (0..765).map(|i| format!("Gene_{i}")).collect();
        let cells: Vec<String> = (0..3).map(|i| format!("c{i}")).collect();
        let s = from_annotation(&a, &genes, &BTreeMap::new()).unwrap();
        let w = unmatched_note(&a, &s, "cells.h5ad:obs/cell_type", "column", 765, &cells).unwrap();
        assert!(w.starts_with("765 of 765 column labels"), "{w}");
        assert!(w.contains("Gene_4, …") && !w.contains("Gene_5"), "{w}");
        assert!(w.contains("transpose (--transpose)"), "{w}");
        // No suggestion when the other axis matches no better.
        let w = unmatched_note(&a, &s, "t", "column", 765, &genes[..2]).unwrap();
        assert!(!w.contains("transpose"), "{w}");
        // Nothing to say when everything matches.
        let s = from_annotation(&a, &cells, &BTreeMap::new()).unwrap();
        assert_eq!(unmatched_note(&a, &s, "t", "row", 3, &genes), None);
    }
}
