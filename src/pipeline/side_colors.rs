//! The colour strips (seaborn's `row_colors` / `col_colors`) a figure
//! shows, built from annotation tables (`TABLE:COLUMN`) and from flat
//! clusters (`cut_rows`/`cut_cols`); `figure::strips` draws them. Also
//! the bar tracks (`row_bars`/`col_bars`) from numeric columns, matched
//! by label the same way; `figure::bars` draws them.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::figure::bars::Bars;
use crate::figure::strips::{Strip, MISSING, MISSING_LABEL, UNMATCHED};
use crate::io::annotations::{parse_number, Annotation};
use crate::render::colormap::{categorical, parse_color, Colormap, Rgb};

/// The colours handed to the categories of one figure's strips, in
/// order, so no two categories of a figure share a colour (a `group`
/// strip, a `batch` strip and the tree cut's clusters all differ): sized
/// by the number of categories that need one, as seaborn's
/// `color_palette` sizes a palette ([`categorical`]).
#[derive(Debug, Clone)]
pub struct StripPalette {
    colors: Vec<Rgb>,
    next: usize,
}

impl StripPalette {
    /// A palette for `n` categories.
    ///
    /// Errors: none in practice (the built-in palettes are known).
    pub fn for_count(n: usize) -> Result<StripPalette> {
        let mut colors = categorical(n)?;
        // Handed out so that neighbours differ, whichever strip takes
        // them: tab20's dark colours before its light partners (a 3-level
        // batch after 12 patients is not three shades of pink), husl's
        // hues in golden-ratio steps rather than round the wheel.
        if colors.len() == 20 {
            colors = (0..20).map(|i| colors[(i % 10) * 2 + i / 10]).collect();
        } else if colors.len() > 20 {
            let n = colors.len();
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| {
                let key = |i: usize| (i as f64 * 0.618_033_988_749_895).fract();
                key(a).total_cmp(&key(b))
            });
            // `order[k]` is the k-th hue round the wheel of the step
            // sequence; invert it: step k takes hue `inv[k]`.
            let mut inv = vec![0; n];
            for (k, &i) in order.iter().enumerate() {
                inv[i] = k;
            }
            colors = (0..n).map(|i| colors[inv[i]]).collect();
        }
        Ok(StripPalette { colors, next: 0 })
    }

    fn take(&mut self) -> Rgb {
        let c = self.colors[self.next % self.colors.len()];
        self.next += 1;
        c
    }
}

/// How many palette colours the strip of `a` takes: none for a numeric
/// column or one whose source gives its colours, else one per category
/// the user's `palette` does not colour.
pub fn colors_needed(a: &Annotation, explicit: &BTreeMap<String, String>) -> usize {
    if a.numeric().is_some() || a.colors.is_some() {
        return 0;
    }
    a.categories
        .iter()
        .filter(|c| !explicit.contains_key(*c))
        .count()
}

/// Builds a strip for `labels` (the axis's labels, drawn order) from an
/// annotation.
///
/// A numeric column ([`Annotation::numeric`]) is drawn with `viridis`
/// over its range and gets a colour bar in the legend. Categories take,
/// in the annotation's category order, the user's `palette` colour, else
/// the source's own (`uns/<column>_colors`), else the next colour of the
/// figure's `pal`. Missing values take no colour: they are drawn
/// [`MISSING`] (the background, as seaborn draws them) with one legend
/// entry; labels absent from the table [`UNMATCHED`].
///
/// Errors: a `palette` or source colour that is not a colour.
pub fn from_annotation(
    a: &Annotation,
    labels: &[String],
    explicit: &BTreeMap<String, String>,
    pal: &mut StripPalette,
) -> Result<Strip> {
    let mut unmatched = Vec::new();
    let mut any_missing = false;
    if let Some(nums) = a.numeric() {
        let lo = nums.values().copied().fold(f64::INFINITY, f64::min);
        let hi = nums.values().copied().fold(f64::NEG_INFINITY, f64::max);
        let cmap = Colormap::by_name("viridis")?;
        let colors = labels
            .iter()
            .map(|l| match (a.values.get(l), nums.get(l.as_str())) {
                (Some(_), Some(&x)) => cmap.at(if hi > lo { (x - lo) / (hi - lo) } else { 0.5 }),
                (Some(_), None) => {
                    any_missing = true;
                    MISSING
                }
                (None, _) => {
                    unmatched.push(l.clone());
                    UNMATCHED
                }
            })
            .collect();
        let mut legend = vec![];
        if any_missing {
            legend.push((MISSING_LABEL.into(), MISSING));
        }
        if !unmatched.is_empty() {
            legend.push(("(not in table)".into(), UNMATCHED));
        }
        return Ok(Strip {
            name: a.name.clone(),
            colors,
            legend,
            range: Some((lo, hi)),
            unmatched,
        });
    }
    let mut assigned: Vec<(String, Rgb)> = Vec::with_capacity(a.categories.len());
    for (i, cat) in a.categories.iter().enumerate() {
        let c = match (explicit.get(cat), a.colors.as_ref().map(|v| &v[i])) {
            (Some(hex), _) | (None, Some(hex)) => parse_color(hex)?,
            (None, None) => pal.take(),
        };
        assigned.push((cat.clone(), c));
    }
    let mut colors = Vec::with_capacity(labels.len());
    let mut used = vec![false; assigned.len()];
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
        range: None,
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
    labels_note(a, &s.unmatched, "drawn grey", spec, what, n, other)
}

/// [`unmatched_note`] for a bar track ([`bars_from_annotation`]): its
/// unmatched labels draw no bar.
pub fn bars_note(
    a: &Annotation,
    b: &Bars,
    spec: &str,
    what: &str,
    n: usize,
    other: &[String],
) -> Option<String> {
    labels_note(a, &b.unmatched, "no bar", spec, what, n, other)
}

/// The warning for `unmatched` labels of `n` (drawn as `drawn` says).
fn labels_note(
    a: &Annotation,
    unmatched: &[String],
    drawn: &str,
    spec: &str,
    what: &str,
    n: usize,
    other: &[String],
) -> Option<String> {
    if unmatched.is_empty() {
        return None;
    }
    let shown = unmatched[..unmatched.len().min(SHOWN)].join(", ");
    let more = if unmatched.len() > SHOWN { ", …" } else { "" };
    let mut msg = format!(
        "{} of {n} {what} labels not in {spec} ({drawn}): {shown}{more}",
        unmatched.len()
    );
    let matched = n - unmatched.len();
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

/// A bar track (`row_bars`/`col_bars`, given as `spec` to option `key`)
/// for `labels` (the axis's labels, input order) from a numeric column:
/// each label's value, NaN for a missing value and for a label absent
/// from the table (listed in [`Bars::unmatched`], warned by
/// [`bars_note`], as a strip's).
///
/// Errors: a value in the column that is not a finite number
/// ([`Error::Usage`], naming the option, the table, the column, the value
/// and its line), whether or not its label is drawn.
pub fn bars_from_annotation(
    a: &Annotation,
    labels: &[String],
    spec: &str,
    key: &str,
) -> Result<Bars> {
    if let Some((v, place)) = &a.first_text {
        return Err(Error::Usage(format!(
            "{} {spec}: column '{}' holds '{v}' ({place}), not a number; a bar track needs numbers: fix that value, leave it empty or NA for no bar, or show the column as a colour strip ({})",
            crate::error::key_and_flag(key),
            a.name,
            crate::error::key_and_flag(if key == "row_bars" {
                "row_colors"
            } else {
                "col_colors"
            })
        )));
    }
    let mut unmatched = Vec::new();
    let values = labels
        .iter()
        .map(|l| match a.values.get(l) {
            Some(Some(v)) => parse_number(v).unwrap_or(f64::NAN),
            Some(None) => f64::NAN,
            None => {
                unmatched.push(l.clone());
                f64::NAN
            }
        })
        .collect();
    Ok(Bars {
        name: a.name.clone(),
        values,
        unmatched,
    })
}

/// A strip of flat-cluster ids (1-based, `k` clusters at most), their
/// colours the next `k` of the figure's `pal`.
pub fn from_clusters(name: &str, clusters: &[usize], k: usize, pal: &mut StripPalette) -> Strip {
    let colors: Vec<Rgb> = (0..k.max(1)).map(|_| pal.take()).collect();
    let n = clusters.iter().copied().max().unwrap_or(0);
    Strip {
        name: name.to_string(),
        colors: clusters
            .iter()
            .map(|&c| colors[(c.max(1) - 1) % colors.len()])
            .collect(),
        legend: (1..=n)
            .map(|c| (format!("{c}"), colors[(c - 1) % colors.len()]))
            .collect(),
        range: None,
        unmatched: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    pub(super) fn pal() -> StripPalette {
        StripPalette::for_count(3).unwrap()
    }

    #[test]
    fn strips_of_one_figure_never_share_a_colour() {
        let ann = |name: &str, cats: &[&str]| Annotation {
            name: name.into(),
            values: cats
                .iter()
                .enumerate()
                .map(|(i, c)| (format!("s{i}"), Some(c.to_string())))
                .collect(),
            categories: {
                let mut c: Vec<String> = cats.iter().map(|c| c.to_string()).collect();
                c.dedup();
                c
            },
            colors: None,
            categorical: false,
            first_text: None,
        };
        let labels: Vec<String> = (0..3).map(|i| format!("s{i}")).collect();
        let (g, b) = (
            ann("group", &["Normal", "Tumor", "Tumor"]),
            ann("batch", &["b1", "b2", "b3"]),
        );
        let none = BTreeMap::new();
        let need = colors_needed(&g, &none) + colors_needed(&b, &none) + 4;
        assert_eq!(need, 2 + 3 + 4);
        let mut p = StripPalette::for_count(need).unwrap();
        let s1 = from_annotation(&g, &labels, &none, &mut p).unwrap();
        let s2 = from_annotation(&b, &labels, &none, &mut p).unwrap();
        let s3 = from_clusters("row cluster", &[1, 2, 3, 4], 4, &mut p);
        let mut all: Vec<Rgb> = [s1.legend, s2.legend, s3.legend]
            .concat()
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        assert_eq!(all.len(), 9);
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 9, "nine categories, nine colours");
        // 12 patients then a 3-level batch (tab20): the batch levels are
        // three different hues, not a colour and its light partner.
        let mut p = StripPalette::for_count(15).unwrap();
        let patients: Vec<Rgb> = (0..12).map(|_| p.take()).collect();
        let batch: Vec<Rgb> = (0..3).map(|_| p.take()).collect();
        let tab20 = categorical(20).unwrap();
        let partner = |c: Rgb| {
            let i = tab20.iter().position(|x| *x == c).unwrap();
            tab20[i ^ 1]
        };
        assert!(
            batch.iter().all(|b| !batch.contains(&partner(*b))),
            "{batch:?}"
        );
        assert_eq!(patients.len(), 12);
        // Past 20 categories: husl, still all distinct.
        let many: Vec<String> = (0..25).map(|i| format!("Batch_{i}")).collect();
        let m = ann(
            "batch",
            &many.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        let mut p = StripPalette::for_count(25).unwrap();
        let labels: Vec<String> = (0..25).map(|i| format!("s{i}")).collect();
        let s = from_annotation(&m, &labels, &none, &mut p).unwrap();
        let mut c = s.colors.clone();
        c.sort();
        c.dedup();
        assert_eq!(c.len(), 25);
    }

    #[test]
    fn numeric_columns_are_continuous_and_source_colours_are_kept() {
        let mut a = Annotation::from_pairs(
            std::path::Path::new("t.tsv"),
            "tsv",
            "depth".into(),
            [("s0", "0.5"), ("s1", "2.5"), ("s2", "NA")]
                .iter()
                .map(|(l, v)| (l.to_string(), Some(v.to_string()))),
            None,
            |i| format!("line {i}"),
        )
        .unwrap();
        let labels: Vec<String> = (0..3).map(|i| format!("s{i}")).collect();
        let none = BTreeMap::new();
        assert_eq!(colors_needed(&a, &none), 0);
        let s = from_annotation(&a, &labels, &none, &mut pal()).unwrap();
        let v = Colormap::by_name("viridis").unwrap();
        assert_eq!(s.range, Some((0.5, 2.5)));
        assert_eq!(s.colors, vec![v.at(0.0), v.at(1.0), MISSING]);
        // AnnData's uns colours win over the palette, the user's palette
        // over both.
        a.name = "cell_type".into();
        a.values = labels
            .iter()
            .map(|l| (l.clone(), Some("T".to_string())))
            .collect();
        a.categories = vec!["T".into()];
        a.colors = Some(vec!["#123456".into()]);
        let s = from_annotation(&a, &labels, &none, &mut pal()).unwrap();
        assert_eq!(s.colors[0], [0x12, 0x34, 0x56]);
        let mine = BTreeMap::from([("T".to_string(), "#ff0000".to_string())]);
        let s = from_annotation(&a, &labels, &mine, &mut pal()).unwrap();
        assert_eq!(s.colors[0], [255, 0, 0]);
    }

    #[test]
    fn explicit_palette_and_unmatched_labels() {
        let a = Annotation {
            name: "group".into(),
            values: HashMap::from([
                ("s1".to_string(), Some("Tumor".to_string())),
                ("s2".into(), Some("Normal".into())),
            ]),
            categories: vec!["Tumor".into(), "Normal".into()],
            colors: None,
            categorical: false,
            first_text: None,
        };
        let pal = BTreeMap::from([("Tumor".to_string(), "#e63946".to_string())]);
        let s = from_annotation(
            &a,
            &["s2".into(), "s1".into(), "s9".into()],
            &pal,
            &mut super::tests::pal(),
        )
        .unwrap();
        assert_eq!(s.colors[1], [0xe6, 0x39, 0x46]);
        assert_eq!(s.colors[0], categorical(2).unwrap()[0]);
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
            colors: None,
            categorical: false,
            first_text: None,
        };
        let s = from_annotation(
            &a,
            &["s1".into(), "s2".into(), "s3".into()],
            &BTreeMap::new(),
            &mut pal(),
        )
        .unwrap();
        assert_eq!(s.colors, vec![MISSING, categorical(2).unwrap()[0], MISSING]);
        assert_eq!(
            s.legend,
            vec![
                ("Normal".to_string(), categorical(2).unwrap()[0]),
                (MISSING_LABEL.to_string(), MISSING)
            ]
        );
        assert!(s.unmatched.is_empty());
    }

    #[test]
    fn bars_take_numbers_by_label_and_refuse_text_naming_its_line() {
        let table = |vals: &[(&str, &str)]| {
            Annotation::from_pairs(
                std::path::Path::new("stats.tsv"),
                "tsv",
                "depth".into(),
                vals.iter()
                    .map(|(l, v)| (l.to_string(), Some(v.to_string()))),
                None,
                |i| format!("line {}", i + 2),
            )
            .unwrap()
        };
        let a = table(&[("s1", "2.5"), ("s2", "NA"), ("s3", "-1"), ("s4", "7")]);
        let labels: Vec<String> = ["s3", "s2", "s9", "s1"].map(String::from).to_vec();
        let b = bars_from_annotation(&a, &labels, "stats.tsv:depth", "col_bars").unwrap();
        assert_eq!(b.name, "depth");
        assert_eq!(b.values[0], -1.0);
        assert!(
            b.values[1].is_nan() && b.values[2].is_nan(),
            "{:?}",
            b.values
        );
        assert_eq!(b.values[3], 2.5);
        assert_eq!(b.unmatched, vec!["s9".to_string()]);
        let w = bars_note(&a, &b, "stats.tsv:depth", "column", 4, &[]).unwrap();
        assert!(
            w.starts_with("1 of 4 column labels not in stats.tsv:depth (no bar): s9"),
            "{w}"
        );
        // Integer columns are numbers too (a strip would read them as
        // categories).
        let a = table(&[("s1", "3"), ("s2", "12")]);
        let b = bars_from_annotation(&a, &labels, "t", "row_bars").unwrap();
        assert_eq!(b.values[3], 3.0);
        // Text anywhere in the column is refused, naming the option, the
        // table, the column, the value and its line.
        let a = table(&[("s1", "2.5"), ("s2", "high"), ("s3", "low")]);
        let e = bars_from_annotation(&a, &labels, "stats.tsv:depth", "row_bars")
            .unwrap_err()
            .to_string();
        for part in [
            "row_bars (--row-bars) stats.tsv:depth",
            "column 'depth' holds 'high' (line 3), not a number",
            "row_colors (--row-colors)",
        ] {
            assert!(e.contains(part), "{part}: {e}");
        }
        assert_eq!(
            crate::error::Error::Usage(String::new()).exit_code(),
            2,
            "a usage error"
        );
    }

    #[test]
    fn unmatched_note_counts_shows_a_few_and_suggests_transpose() {
        let a = Annotation {
            name: "cell_type".into(),
            values: (0..3)
                .map(|i| (format!("c{i}"), Some("T".to_string())))
                .collect(),
            categories: vec!["T".into()],
            colors: None,
            categorical: false,
            first_text: None,
        };
        let genes: Vec<String> = (0..765).map(|i| format!("Gene_{i}")).collect();
        let cells: Vec<String> = (0..3).map(|i| format!("c{i}")).collect();
        let s = from_annotation(&a, &genes, &BTreeMap::new(), &mut pal()).unwrap();
        let w = unmatched_note(&a, &s, "cells.h5ad:obs/cell_type", "column", 765, &cells).unwrap();
        assert!(w.starts_with("765 of 765 column labels"), "{w}");
        assert!(w.contains("Gene_4, …") && !w.contains("Gene_5"), "{w}");
        assert!(w.contains("transpose (--transpose)"), "{w}");
        // No suggestion when the other axis matches no better.
        let w = unmatched_note(&a, &s, "t", "column", 765, &genes[..2]).unwrap();
        assert!(!w.contains("transpose"), "{w}");
        // Nothing to say when everything matches.
        let s = from_annotation(&a, &cells, &BTreeMap::new(), &mut pal()).unwrap();
        assert_eq!(unmatched_note(&a, &s, "t", "row", 3, &genes), None);
    }
}
