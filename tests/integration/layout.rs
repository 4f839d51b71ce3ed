//! Layout without collisions (#16 item 8): at any figure size, with short
//! or 60-character labels, the elements of a figure (heatmap body, tick
//! labels, axis labels, title, colour bar, legend, dendrograms, colour
//! strips and their names) never overlap one another and stay inside the
//! figure. Every drawing operation is tagged with its element
//! (`render::scene::Part`); this checks their boxes pairwise.

use heatmill::matrix::Matrix;
use heatmill::options::{FigureOptions, Kind};
use heatmill::pipeline::{Annotations, Cache};
use heatmill::render::scene::{Part, Scene};

use crate::util::{scratch, Rng};

/// Overlaps thinner than this (pixels) are anti-aliasing, not collisions:
/// a tick touching the body's edge, a strip name's tick meeting its name.
const SLACK: f64 = 1.5;

fn overlap(a: &[f64; 4], b: &[f64; 4]) -> bool {
    let w = a[2].min(b[2]) - a[0].max(b[0]);
    let h = a[3].min(b[3]) - a[1].max(b[1]);
    w > SLACK && h > SLACK
}

/// Every pair of boxes of different parts that overlap, and every box
/// outside the figure, described.
pub fn collisions(scene: &Scene) -> Vec<String> {
    let boxes = scene.boxes();
    let (w, h) = (scene.width as f64, scene.height as f64);
    let mut out = Vec::new();
    for (p, b) in &boxes {
        if b[0] < -SLACK || b[1] < -SLACK || b[2] > w + SLACK || b[3] > h + SLACK {
            out.push(format!("{p:?} {b:?} leaves the {w}×{h} figure"));
        }
    }
    // The heatmap keeps a useful size whatever else the figure holds.
    let body = boxes
        .iter()
        .filter(|(p, _)| *p == Part::Body)
        .map(|(_, b)| (b[2] - b[0], b[3] - b[1]))
        .fold((0.0f64, 0.0f64), |a, b| (a.0.max(b.0), a.1.max(b.1)));
    // (A square one is as wide as it is tall, whatever the figure's shape;
    // a 3-inch figure holding a title, a bar on top, named strips and axis
    // labels keeps about a tenth of its height for the cells.)
    let side = w.min(h);
    if body.0 < 0.1 * side || body.1 < 0.1 * side || body.0.max(body.1) < 0.2 * side {
        out.push(format!(
            "the heatmap ({body:?}) is small for the {w}×{h} figure"
        ));
    }
    // Sort by left edge and sweep: boxes are many (one per label).
    let mut order: Vec<usize> = (0..boxes.len()).collect();
    order.sort_by(|&i, &j| boxes[i].1[0].total_cmp(&boxes[j].1[0]));
    for (a, &i) in order.iter().enumerate() {
        let (pi, bi) = &boxes[i];
        for &j in &order[a + 1..] {
            let (pj, bj) = &boxes[j];
            if bj[0] >= bi[2] {
                break;
            }
            if pi != pj && overlap(bi, bj) {
                out.push(format!("{pi:?} {bi:?} overlaps {pj:?} {bj:?}"));
            }
        }
    }
    out
}

/// A `rows × cols` random matrix labelled `prefix0…`, padded to `len`
/// characters, with a two-group column annotation and a 12-category row
/// annotation written beside it, and a numeric `depth` for both (bar
/// tracks; negative and positive).
fn data(dir: &std::path::Path, rows: usize, cols: usize, len: usize) -> (Matrix, String) {
    let mut rng = Rng(7 + rows as u64 + len as u64);
    let label = |p: &str, i: usize| {
        let s = format!("{p}{i}");
        if s.len() >= len {
            s
        } else {
            format!("{s}{}", "x".repeat(len - s.len()))
        }
    };
    let rl: Vec<String> = (0..rows).map(|i| label("gene", i)).collect();
    let cl: Vec<String> = (0..cols).map(|i| label("sample", i)).collect();
    let values: Vec<f64> = (0..rows * cols).map(|_| rng.normal()).collect();
    let mut ann = String::from("label\tgroup\tbatch\tdepth\n");
    for (i, c) in cl.iter().enumerate() {
        ann.push_str(&format!(
            "{c}\t{}\tb{}\t{}\n",
            ["Tumor", "Normal"][i % 2],
            i % 3,
            1000.0 * i as f64 - 2500.0
        ));
    }
    for (i, r) in rl.iter().enumerate() {
        ann.push_str(&format!("{r}\tpathway_{}\t\t{}\n", i % 12, 0.37 * i as f64));
    }
    let path = dir.join("ann.tsv");
    std::fs::write(&path, ann).unwrap();
    (
        Matrix::new(rl, cl, values).unwrap(),
        path.to_string_lossy().into_owned(),
    )
}

fn scene(kind: Kind, m: &Matrix, config: &str) -> Scene {
    let table: toml::Table = toml::from_str(config).unwrap();
    let opts = FigureOptions::from_table(kind, &toml::Table::new(), &table)
        .unwrap_or_else(|e| panic!("{config}: {e:?}"));
    let (fig, _) = heatmill::batch::run::figure_in_memory(
        kind,
        m,
        &opts,
        &Annotations::default(),
        &Cache::default(),
        Some(1),
        None,
    )
    .unwrap_or_else(|e| panic!("{config}: {e}"));
    fig.scene
}

/// The sizes of the grid: small, tall, wide, seaborn's defaults, large.
const SIZES: [(f64, f64); 6] = [
    (3.0, 3.0),
    (4.0, 8.0),
    (8.0, 4.0),
    (6.0, 6.0),
    (10.0, 10.0),
    (20.0, 20.0),
];

/// Renders `kind` over [`SIZES`] × short and 60-character labels with
/// `extra` options (`{gene3}` and `{gene30}` stand for those rows'
/// labels), colour strips on rows and columns when `strips`, and fails
/// listing every collision.
fn check(kind: Kind, extra: &str, rows: usize, cols: usize, strips: bool) {
    check_at(kind, extra, rows, cols, strips, &SIZES);
}

/// [`check`] over the figure sizes `sizes` (inches).
fn check_at(kind: Kind, extra: &str, rows: usize, cols: usize, strips: bool, sizes: &[(f64, f64)]) {
    let dir = scratch(&format!("{}-{rows}x{cols}-{}", kind.name(), extra.len()));
    let mut failures = Vec::new();
    for len in [6, 60] {
        let (m, ann) = data(&dir, rows, cols, len);
        let extra = extra
            .replace("{ann}", &ann)
            .replace("{gene3}", &m.row_labels()[3])
            .replace(
                "{gene30}",
                m.row_labels().get(30).map_or("gene0", |s| s.as_str()),
            );
        for &(fw, fh) in sizes {
            let strips = match kind {
                _ if !strips => String::new(),
                Kind::Corrmap => String::new(),
                _ => format!(
                    "col_colors = [\"{ann}:group\", \"{ann}:batch\"]\nrow_colors = \"{ann}:group\"\n"
                ),
            };
            let config = format!(
                "figsize = [{fw}, {fh}]\ndpi = 72.0\ntitle = \"A title for the figure\"\nxlabel = \"Samples\"\nylabel = \"Genes\"\ncbar_label = \"log2 TPM\"\n{strips}{extra}"
            );
            let s = scene(kind, &m, &config);
            for c in collisions(&s) {
                failures.push(format!(
                    "{} {fw}×{fh} in, {len}-char labels, {}: {c}",
                    kind.name(),
                    extra.replace('\n', "; ")
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} collisions, first ones:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_checker_sees_a_collision() {
    // A colour bar placed over the heatmap on purpose must be reported.
    let dir = scratch("checker");
    let (m, _) = data(&dir, 20, 8, 6);
    let s = scene(Kind::Clustermap, &m, "cbar_pos = [0.4, 0.4, 0.05, 0.2]\n");
    let found = collisions(&s);
    assert!(
        found
            .iter()
            .any(|c| c.contains("Colorbar") && c.contains("Body")),
        "{found:?}"
    );
    let parts: std::collections::BTreeSet<Part> = s.boxes().iter().map(|b| b.0).collect();
    for p in [Part::Body, Part::XTicks, Part::YTicks, Part::Colorbar] {
        assert!(parts.contains(&p), "{p:?} not tagged: {parts:?}");
    }
}

/// The colour bar where each kind puts it, on each side, and shorter.
const PLACES: [&str; 6] = [
    "",
    "cbar_location = \"right\"\n",
    "cbar_location = \"left\"\n",
    "cbar_location = \"top\"\n",
    "cbar_location = \"bottom\"\ncbar_shrink = 0.5\n",
    "na_color = \"grey\"\ncbar_shrink = 0.7\n",
];

#[test]
fn clustermap_elements_never_overlap_at_any_size() {
    for place in PLACES {
        check(Kind::Clustermap, place, 40, 12, true);
    }
    check(
        Kind::Clustermap,
        "mark_rows = [\"{gene3}\", \"{gene30}\"]\n",
        40,
        12,
        false,
    );
}

#[test]
fn heatmap_elements_never_overlap_at_any_size() {
    for place in PLACES {
        check(Kind::Heatmap, place, 40, 12, false);
        check(Kind::Heatmap, place, 40, 12, true);
    }
}

#[test]
fn corrmap_elements_never_overlap_at_any_size() {
    for place in PLACES {
        check(
            Kind::Corrmap,
            &format!("mask = \"upper\"\n{place}"),
            30,
            12,
            false,
        );
    }
}

/// A bar track on each axis beside colour strips (and without), with the
/// colour bar on each side, thicker (`bars_size`), two tracks on each
/// axis; and split rows (k-means) and columns at 20 in (splits with
/// strips and 60-character labels collide at 3 and 6 in without tracks,
/// and leave a small heatmap at 10 in with them).
#[test]
fn bar_tracks_never_overlap_at_any_size() {
    let one = "col_bars = \"{ann}:depth\"\nrow_bars = \"{ann}:depth\"\n";
    let bars = "col_bars = [\"{ann}:depth\", \"{ann}:depth\"]\nrow_bars = [\"{ann}:depth\", \"{ann}:depth\"]\n";
    for place in PLACES {
        check(Kind::Clustermap, &format!("{one}{place}"), 40, 12, true);
    }
    check(
        Kind::Clustermap,
        &format!("{one}bars_size = 60\n"),
        40,
        12,
        true,
    );
    check(Kind::Clustermap, bars, 40, 12, true);
    check(Kind::Heatmap, bars, 40, 12, false);
    check(Kind::Heatmap, bars, 40, 12, true);
    check_at(
        Kind::Clustermap,
        &format!("{one}kmeans_rows = 3\ncol_split = \"{{ann}}:group\"\n"),
        40,
        12,
        true,
        &[(20.0, 20.0)],
    );
    // The tracks are tagged, so the checker sees them.
    let dir = scratch("bars-parts");
    let (m, ann) = data(&dir, 20, 8, 6);
    let s = scene(Kind::Clustermap, &m, &bars.replace("{ann}", &ann));
    let parts: std::collections::BTreeSet<Part> = s.boxes().iter().map(|b| b.0).collect();
    for p in [Part::ColBars, Part::RowBars] {
        assert!(parts.contains(&p), "{p:?} not tagged: {parts:?}");
    }
}

/// The row bars follow the clustered rows: each bar sits on its row's
/// label (its centre on the label's line) and is as long as the label's
/// value (`depth = 0.37 × i` for row `i`) says, the baseline at the
/// heatmap side.
#[test]
fn row_bars_follow_the_leaves_and_scale_with_their_values() {
    use heatmill::render::scene::Op;
    let dir = scratch("bars-leaves");
    let (m, ann) = data(&dir, 40, 8, 6);
    let s = scene(
        Kind::Clustermap,
        &m,
        &format!("figsize = [8.0, 16.0]\nyticklabels = \"all\"\nrow_bars = \"{ann}:depth\"\n"),
    );
    // Each op with its part.
    let mut part_of = Vec::with_capacity(s.ops.len());
    for (k, &(start, part)) in s.parts.iter().enumerate() {
        let end = s.parts.get(k + 1).map_or(s.ops.len(), |p| p.0);
        part_of.resize(start, None);
        part_of.extend(std::iter::repeat_n(Some(part), end - start));
    }
    let bars: Vec<[f64; 4]> = s
        .ops
        .iter()
        .zip(&part_of)
        .filter_map(|(op, p)| match op {
            Op::Rect {
                x0,
                y0,
                x1,
                y1,
                color: [0xCC, 0xCC, 0xCC],
                ..
            } if *p == Some(Part::RowBars) => Some([*x0, *y0, *x1, *y1]),
            _ => None,
        })
        .collect();
    // Row 0's value is 0: an empty bar, not drawn.
    assert_eq!(bars.len(), 39);
    let labels: Vec<(String, f64)> = s
        .ops
        .iter()
        .zip(&part_of)
        .filter_map(|(op, p)| match op {
            Op::Text { text, y, .. } if *p == Some(Part::YTicks) => Some((text.clone(), *y)),
            _ => None,
        })
        .collect();
    assert_eq!(labels.len(), 40, "every row labelled");
    let right = bars.iter().map(|b| b[2]).fold(f64::NAN, f64::max);
    let unit = {
        let b = bars.iter().find(|b| b[2] == right).unwrap();
        let (label, _) = labels
            .iter()
            .min_by(|a, c| {
                let mid = (b[1] + b[3]) / 2.0;
                (a.1 - mid).abs().total_cmp(&(c.1 - mid).abs())
            })
            .unwrap();
        let i: f64 = label
            .trim_start_matches("gene")
            .trim_end_matches('x')
            .parse()
            .unwrap();
        (b[2] - b[0]) / (0.37 * i)
    };
    let order_is_input = labels.windows(2).all(|w| {
        let n = |s: &str| {
            s.trim_start_matches("gene")
                .trim_end_matches('x')
                .parse::<usize>()
                .unwrap()
        };
        n(&w[0].0) < n(&w[1].0)
    });
    assert!(!order_is_input, "the rows are clustered");
    for b in &bars {
        let mid = (b[1] + b[3]) / 2.0;
        let (label, y) = labels
            .iter()
            .min_by(|a, c| (a.1 - mid).abs().total_cmp(&(c.1 - mid).abs()))
            .unwrap();
        assert!(
            (y - mid).abs() < 0.5,
            "bar at {mid} is not on a label ({label} at {y})"
        );
        let i: f64 = label
            .trim_start_matches("gene")
            .trim_end_matches('x')
            .parse()
            .unwrap();
        let len = b[2] - b[0];
        assert!(
            (len - unit * 0.37 * i).abs() < 1e-6 * len.max(1.0),
            "{label}: bar {len} px, expected {}",
            unit * 0.37 * i
        );
        // Every bar starts at the baseline (heatmap side), all values ≥ 0.
        assert!((b[2] - right).abs() < 1e-9, "{label}");
    }
}

/// Tracks that would leave a small figure no heatmap are left out, and
/// said; a large figure keeps them.
#[test]
fn bar_tracks_too_thick_for_a_small_figure_are_left_out_with_a_warning() {
    let dir = scratch("bars-small");
    let (m, ann) = data(&dir, 40, 12, 6);
    let bars = format!("col_bars = \"{ann}:depth\"\nrow_bars = \"{ann}:depth\"\n");
    let figure = |config: &str| {
        let table: toml::Table = toml::from_str(config).unwrap();
        let opts =
            FigureOptions::from_table(Kind::Clustermap, &toml::Table::new(), &table).unwrap();
        heatmill::batch::run::figure_in_memory(
            Kind::Clustermap,
            &m,
            &opts,
            &Annotations::default(),
            &Cache::default(),
            Some(1),
            None,
        )
        .unwrap()
        .0
    };
    let parts =
        |s: &Scene| -> std::collections::BTreeSet<Part> { s.boxes().iter().map(|b| b.0).collect() };
    // Three inches, with strips whose names stack beside them.
    let strips =
        format!("col_colors = [\"{ann}:group\", \"{ann}:batch\"]\nrow_colors = \"{ann}:group\"\n");
    let small = figure(&format!("figsize = [3.0, 3.0]\ndpi = 72.0\n{bars}{strips}"));
    for key in ["col_bars", "row_bars"] {
        assert!(
            small
                .warnings
                .iter()
                .any(|w| w.contains(&format!("the {key} tracks")) && w.contains("left out")),
            "{:?}",
            small.warnings
        );
    }
    let p = parts(&small.scene);
    assert!(
        !p.contains(&Part::ColBars) && !p.contains(&Part::RowBars),
        "{p:?}"
    );
    let large = figure(&format!(
        "figsize = [10.0, 10.0]\ndpi = 72.0\n{bars}{strips}"
    ));
    assert!(large.warnings.is_empty(), "{:?}", large.warnings);
    let p = parts(&large.scene);
    assert!(
        p.contains(&Part::ColBars) && p.contains(&Part::RowBars),
        "{p:?}"
    );
}

/// Labels at an angle (`xticklabels_rotation`, `yticklabels_rotation`):
/// down-left, down-right, upside down, with the colour bar below.
const ANGLES: [&str; 4] = [
    "xticklabels_rotation = 45\n",
    "xticklabels_rotation = -30\nyticklabels_rotation = 20\n",
    "xticklabels_rotation = 135\nyticklabels_rotation = -45\ncbar_location = \"bottom\"\n",
    "xticklabels_rotation = 60\nyticklabels_rotation = 160\ncbar_location = \"bottom\"\ncbar_shrink = 0.5\n",
];

#[test]
fn angled_labels_never_overlap_at_any_size() {
    for angles in ANGLES {
        check(Kind::Clustermap, angles, 40, 12, true);
        check(Kind::Heatmap, angles, 40, 12, true);
    }
    // Split panels: the labels follow the slices' cells. (Without the
    // colour bar: at 3 in, seaborn's corner bar meets the row slices'
    // titles whatever the labels.)
    check(
        Kind::Clustermap,
        "xticklabels_rotation = 45\nyticklabels_rotation = 30\ncol_split = \"cut\"\ncut_cols = 2\nkmeans_rows = 3\ncbar = false\n",
        40,
        12,
        true,
    );
    check(
        Kind::Corrmap,
        "mask = \"upper\"\nxticklabels_rotation = 45\n",
        30,
        12,
        false,
    );
}

/// The union box of each run of `part`'s boxes in drawing order: one per
/// element drawn in one go (each colour bar of a heatmap list).
fn runs(scene: &Scene, part: Part) -> Vec<[f64; 4]> {
    let mut out: Vec<[f64; 4]> = Vec::new();
    let mut last: Option<Part> = None;
    for (p, b) in scene.boxes() {
        if p == part {
            match out.last_mut() {
                Some(u) if last == Some(part) => {
                    *u = [
                        u[0].min(b[0]),
                        u[1].min(b[1]),
                        u[2].max(b[2]),
                        u[3].max(b[3]),
                    ];
                }
                _ => out.push(b),
            }
        }
        last = Some(p);
    }
    out
}

#[test]
fn heatmap_list_elements_never_overlap_and_its_colour_bars_stack() {
    use heatmill::pipeline::heatmap_list::{figure, Following};
    let dir = scratch("heatmap_list_layout");
    let mut failures = Vec::new();
    for len in [6, 60] {
        let (m, _) = data(&dir, 40, 10, len);
        // Two more heatmaps of the same rows: other values, other widths.
        let (other, _) = data(&dir, 40, 4, len + 1);
        let other = Matrix::new(
            m.row_labels().to_vec(),
            other.col_labels().to_vec(),
            other.values().to_vec(),
        )
        .unwrap();
        for (fw, fh) in SIZES {
            let main: toml::Table = toml::from_str(&format!(
                "figsize = [{fw}, {fh}]\ndpi = 72.0\ntitle = \"Expression of the genes\"\ncbar_label = \"log2 TPM\"\nmethod = \"ward\"\n"
            ))
            .unwrap();
            let opts =
                FigureOptions::from_table(Kind::HeatmapList, &toml::Table::new(), &main).unwrap();
            let part = |t: &str| {
                let t: toml::Table = toml::from_str(t).unwrap();
                FigureOptions::from_table(Kind::HeatmapList, &toml::Table::new(), &t).unwrap()
            };
            let others = [
                Following {
                    matrix: &other,
                    options: part("cmap = \"viridis\"\ntitle = \"Methylation (beta)\"\ncbar_label = \"beta\"\n"),
                    source: "meth".into(),
                },
                Following {
                    matrix: &m,
                    options: part("cmap = \"mako\"\ncol_cluster = false\nna_color = \"grey\"\n"),
                    source: "copy".into(),
                },
            ];
            let cache = Cache::default();
            let ctx = heatmill::pipeline::Context {
                source: "main",
                name: "list",
                base: &dir,
                cache: &cache,
                max_memory: None,
            };
            let mut t = heatmill::timings::Timings::default();
            let s = figure(&m, &opts, &others, &ctx, &mut t)
                .unwrap_or_else(|e| panic!("{fw}x{fh}: {e}"))
                .scene;
            // The heatmaps share the width: their union keeps a useful
            // size (each alone may be narrow in a small figure).
            let mut found: Vec<String> = collisions(&s)
                .into_iter()
                .filter(|c| !c.contains("is small"))
                .collect();
            let side = fw.min(fh) * 72.0;
            let all = runs(&s, Part::Body);
            let (x0, x1) = (all[0][0], all[all.len() - 1][2]);
            if x1 - x0 < 0.1 * side || all[0][3] - all[0][1] < 0.1 * side {
                found.push(format!("the heatmaps {all:?} are small"));
            }
            let bars = runs(&s, Part::Colorbar);
            if bars.len() != 3 {
                found.push(format!("{} colour bars, not 3", bars.len()));
            }
            for (i, a) in bars.iter().enumerate() {
                for b in &bars[i + 1..] {
                    if overlap(a, b) {
                        found.push(format!("colour bars {a:?} and {b:?} overlap"));
                    }
                }
            }
            let bodies = runs(&s, Part::Body);
            if bodies.len() != 3 || bodies.windows(2).any(|w| w[0][2] > w[1][0]) {
                found.push(format!("bodies not side by side: {bodies:?}"));
            }
            for c in found {
                failures.push(format!("{fw}×{fh} in, {len}-char labels: {c}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} collisions, first ones:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
