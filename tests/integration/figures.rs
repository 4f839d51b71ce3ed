//! Figures: golden images (with a tolerance), layout (panels where seaborn
//! puts them), masking, big-matrix aggregation, determinism.
//!
//! Re-bless the goldens after an intended change with
//! `HEATMILL_BLESS=1 cargo test --test integration figures::` and look at
//! them.

use std::path::Path;

use heatmill::figure::{FigureOptions, Kind};
use heatmill::io;
use heatmill::matrix::Matrix;
use heatmill::pipeline::{self, Cache};
use heatmill::timings::Timings;

use crate::util::{fixtures, root, samples, scratch, Rng};

fn seed() -> Matrix {
    io::read_matrix(&samples().join("seed.parquet"), &Default::default()).unwrap()
}

fn opts(toml_text: &str) -> FigureOptions {
    let t: toml::Table = toml::from_str(toml_text).unwrap();
    toml::Value::Table(t).try_into().unwrap()
}

fn render(kind: Kind, m: &Matrix, o: &FigureOptions) -> heatmill::pipeline::Figure {
    pipeline::build(
        kind,
        m,
        o,
        "test",
        &root(),
        &Cache::default(),
        &mut Timings::default(),
    )
    .unwrap()
}

/// (width, height, rgb)
fn decode(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let dec = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut r = dec.read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info.width as usize, info.height as usize, buf)
}

fn px(c: &heatmill::render::canvas::Canvas, x: usize, y: usize) -> [u8; 3] {
    let k = (y * c.width + x) * 3;
    [c.pixels[k], c.pixels[k + 1], c.pixels[k + 2]]
}

const BASIC: &str = r#"cmap = "RdBu_r"
center = 0
xticklabels = "all"
yticklabels = "all"
linewidths = 0.5
title = "Gene Expression Heatmap"
xlabel = "Samples"
ylabel = "Genes"
"#;

const CLUSTERED: &str = r##"cmap = "RdBu_r"
center = 0
figsize = [10, 10]
method = "ward"
linewidths = 0.3
dendrogram_ratio = [0.15, 0.15]
col_colors = ["data-samples/samples.tsv:group"]
palette = { Tumor = "#e63946", Normal = "#457b9d" }
xlabel = "Samples"
ylabel = "Genes"
title = "Clustered Gene Expression Heatmap"
"##;

const CORR: &str = r#"mask = "upper"
linewidths = 0.5
cbar_shrink = 0.8
title = "Gene-Gene Correlation Matrix"
"#;

/// Compares with the committed golden image: same size, and at most
/// 0.5 % of pixels differing by more than 8 levels in any channel (font
/// rasterisation may move by a bit across platforms; layout may not).
fn check_golden(name: &str, bytes: &[u8]) {
    let path = root().join("tests/golden").join(name);
    if std::env::var("HEATMILL_BLESS").is_ok() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        return;
    }
    let golden =
        std::fs::read(&path).unwrap_or_else(|_| panic!("missing golden {}", path.display()));
    let (w1, h1, a) = decode(bytes);
    let (w2, h2, b) = decode(&golden);
    assert_eq!((w1, h1), (w2, h2), "{name}: size");
    let differing = a
        .chunks(3)
        .zip(b.chunks(3))
        .filter(|(p, q)| {
            p.iter()
                .zip(q.iter())
                .any(|(x, y)| (*x as i32 - *y as i32).abs() > 8)
        })
        .count();
    let frac = differing as f64 / (w1 * h1) as f64;
    assert!(
        frac < 0.005,
        "{name}: {:.3} % of pixels differ from the golden image",
        frac * 100.0
    );
}

#[test]
fn tutorial_figures_match_goldens() {
    let m = seed();
    for (name, kind, o) in [
        ("seed_basic.png", Kind::Heatmap, BASIC),
        ("seed_clustered.png", Kind::Clustermap, CLUSTERED),
        ("seed_corr.png", Kind::Corrmap, CORR),
    ] {
        let f = render(kind, &m, &opts(o));
        check_golden(name, &f.scene.rasterize().to_png(100.0).unwrap());
    }
}

/// Runs of one colour at least 12 px long along `line` (pixels, RGB),
/// and what lies between neighbouring runs: (width, pure-white pixels).
fn separators(line: &[[u8; 3]]) -> Vec<(usize, usize)> {
    let mut runs = vec![];
    let mut i = 0;
    while i < line.len() {
        let j = i + line[i..].iter().take_while(|p| **p == line[i]).count();
        if j - i >= 12 && line[i] != [255, 255, 255] {
            runs.push((i, j));
        }
        i = j;
    }
    runs.windows(2)
        .filter(|w| w[1].0 - w[0].1 <= 5)
        .map(|w| {
            let gap = &line[w[0].1..w[1].0];
            (
                gap.len(),
                gap.iter().filter(|p| **p == [255, 255, 255]).count(),
            )
        })
        .collect()
}

#[test]
fn cell_edges_are_whole_white_pixels_as_in_seaborns_figures() {
    // Measured on seaborn's renderings of the tutorial (matplotlib Agg,
    // 100 dpi): linewidths 0.5 draws 1 px pure-white lines between cells,
    // 0.3 (the clustermap) 2 px, and the clustermap's colour strip sits
    // 2 px of white above the body. Anti-aliased lines at fractional
    // positions left no pure-white pixel at all.
    let m = seed();
    for (kind, o, width) in [
        (Kind::Heatmap, BASIC, 1),
        (Kind::Clustermap, CLUSTERED, 2),
        (Kind::Corrmap, CORR, 1),
    ] {
        let c = render(kind, &m, &opts(o)).scene.rasterize();
        let px = |x: usize, y: usize| -> [u8; 3] {
            let k = (y * c.width + x) * 3;
            [c.pixels[k], c.pixels[k + 1], c.pixels[k + 2]]
        };
        // The first row of pixels crossing at least 8 cells.
        let (y, seps) = (0..c.height)
            .map(|y| {
                (
                    y,
                    separators(&(0..c.width).map(|x| px(x, y)).collect::<Vec<_>>()),
                )
            })
            .find(|(_, s)| s.len() >= 6)
            .unwrap_or_else(|| panic!("{kind:?}: no row crosses the body"));
        assert!(
            seps.iter().all(|&s| s == (width, width)),
            "{kind:?} row {y}: {seps:?}"
        );
        if kind == Kind::Clustermap {
            // Down a column through the middle of the figure: the first
            // gap is between the strip and the body.
            let x = c.width / 2 + 3;
            let col: Vec<[u8; 3]> = (0..c.height).map(|yy| px(x, yy)).collect();
            assert_eq!(
                separators(&col).first(),
                Some(&(2, 2)),
                "strip gap at x {x}"
            );
        }
    }
}

#[test]
fn rendering_is_deterministic() {
    let m = seed();
    let a = render(Kind::Clustermap, &m, &opts(CLUSTERED))
        .scene
        .rasterize()
        .to_png(100.0)
        .unwrap();
    let b = render(Kind::Clustermap, &m, &opts(CLUSTERED))
        .scene
        .rasterize()
        .to_png(100.0)
        .unwrap();
    assert_eq!(a, b);
    let f = render(Kind::Clustermap, &m, &opts(CLUSTERED));
    let svg1 = heatmill::render::svg::to_svg(&f.scene, 100.0).unwrap();
    let pdf1 = heatmill::render::pdf::to_pdf(&f.scene, 100.0).unwrap();
    let f = render(Kind::Clustermap, &m, &opts(CLUSTERED));
    assert_eq!(
        svg1,
        heatmill::render::svg::to_svg(&f.scene, 100.0).unwrap()
    );
    assert_eq!(
        pdf1,
        heatmill::render::pdf::to_pdf(&f.scene, 100.0).unwrap()
    );
}

#[test]
fn vector_formats_keep_text_as_paths_and_embed_big_bodies() {
    let m = seed();
    let f = render(Kind::Heatmap, &m, &opts(BASIC));
    let svg = heatmill::render::svg::to_svg(&f.scene, 100.0).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    // 30 x 12 cells are vector rectangles; labels are text.
    assert!(svg.matches("<rect").count() > 360);
    assert!(svg.contains(">Gene_30</text>") && svg.contains(">Gene Expression Heatmap</text>"));
    let pdf = heatmill::render::pdf::to_pdf(&f.scene, 100.0).unwrap();
    assert!(pdf.starts_with(b"%PDF-") && pdf.ends_with(b"%%EOF"));
    // xref offsets point at the objects.
    let text = String::from_utf8_lossy(&pdf);
    let xref_at: usize = text
        .rsplit("startxref\n")
        .next()
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(pdf[xref_at..].starts_with(b"xref"));
    // A big matrix: the body is one embedded image, and files stay small.
    let (n, d) = (20_000, 50);
    let mut rng = Rng(5);
    let big = Matrix::from_values(n, d, (0..n * d).map(|_| rng.normal()).collect()).unwrap();
    let f = render(Kind::Heatmap, &big, &opts("figsize = [8, 10]\n"));
    let svg = heatmill::render::svg::to_svg(&f.scene, 100.0).unwrap();
    assert_eq!(svg.matches("<image").count(), 2, "body and colour bar");
    assert!(
        svg.len() < 8_000_000,
        "SVG of 20 000 rows is {} bytes",
        svg.len()
    );
    let pdf = heatmill::render::pdf::to_pdf(&f.scene, 100.0).unwrap();
    assert!(
        pdf.len() < 5_000_000,
        "PDF of 20 000 rows is {} bytes",
        pdf.len()
    );
}

/// Finds the bounding box of pixels that satisfy `pred`.
fn bbox(
    c: &heatmill::render::canvas::Canvas,
    pred: impl Fn([u8; 3]) -> bool,
) -> Option<(usize, usize, usize, usize)> {
    bbox_in(c, c.width, pred)
}

/// [`bbox`] restricted to columns left of `max_x` (keeps legends and
/// colour bars out of the search).
fn bbox_in(
    c: &heatmill::render::canvas::Canvas,
    max_x: usize,
    pred: impl Fn([u8; 3]) -> bool,
) -> Option<(usize, usize, usize, usize)> {
    let mut b: Option<(usize, usize, usize, usize)> = None;
    for y in 0..c.height {
        for x in 0..max_x.min(c.width) {
            if pred(px(c, x, y)) {
                b = Some(match b {
                    None => (x, y, x, y),
                    Some((x0, y0, x1, y1)) => (x0.min(x), y0.min(y), x1.max(x), y1.max(y)),
                });
            }
        }
    }
    b
}

#[test]
fn clustermap_panels_sit_where_seaborn_puts_them() {
    let f = render(Kind::Clustermap, &seed(), &opts(CLUSTERED));
    let canvas = f.scene.rasterize();
    let c = &canvas;
    assert_eq!((c.width, c.height), (1000, 1000));
    // The Tumor strip colour occupies the right half of the strip row, the
    // Normal one the left half (ward puts the normal samples first).
    // (The legend, top right, repeats both colours: search left of it.)
    let tumor = bbox_in(c, 880, |p| p == [0xe6, 0x39, 0x46]).expect("tumor strip");
    let normal = bbox_in(c, 880, |p| p == [0x45, 0x7b, 0x9d]).expect("normal strip");
    assert!(
        normal.2 < tumor.0 + 5,
        "normal {normal:?} left of tumor {tumor:?}"
    );
    // Strips are above the heatmap's first row and below the column tree:
    // between 15 % and 25 % of the height.
    assert!(tumor.1 > 150 && tumor.3 < 250, "{tumor:?}");
    // The colour bar is in the top-left corner (cbar_pos .02, .8, .05, .18).
    // Its ends (RdBu_r's darkest red and the blue at vmin) sit there.
    let bar = bbox_in(c, 100, |p| p == [103, 0, 31]).expect("colour bar top");
    assert!(bar.0 >= 15 && bar.2 <= 75 && bar.1 < 60, "{bar:?}");
    let heat_top = bbox_in(c, 880, |p| p == [103, 0, 31])
        .map(|b| b.0)
        .unwrap_or(0);
    assert!(heat_top < 100, "bar found left of everything else");
    // The row dendrogram's lines are left of the heatmap.
    // (Its 0.5 pt lines are anti-aliased grey; nothing else is drawn in the
    // left margin below the colour bar.)
    let grey = (300..c.height)
        .flat_map(|y| (0..60).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let p = px(c, x, y);
            p[0] == p[1] && p[1] == p[2] && p[0] < 230
        })
        .count();
    assert!(
        grey > 100,
        "no dendrogram left of the heatmap ({grey} grey pixels)"
    );
    // Exports: orders and linkages of both axes.
    let names: Vec<&str> = f.exports.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "row_order.tsv",
            "row_linkage.npy",
            "col_order.tsv",
            "col_linkage.npy"
        ]
    );
    let row_order = String::from_utf8(f.exports[0].1.clone()).unwrap();
    assert!(row_order.starts_with("index\tlabel\n1\tGene_2\n6\tGene_7\n8\tGene_9\n"));
}

#[test]
fn corrmap_masks_the_upper_triangle_and_keeps_cells_square() {
    let f = render(Kind::Corrmap, &seed(), &opts(CORR));
    let canvas = f.scene.rasterize();
    let c = &canvas;
    // Diagonal cells are 1.0 = coolwarm's top colour (180, 4, 38).
    // (The colour bar, right of x = 820, has the same top colour.)
    let diag = bbox_in(c, 820, |p| p == [180, 4, 38]).expect("diagonal");
    let (w, h) = (diag.2 - diag.0, diag.3 - diag.1);
    assert!((w as i64 - h as i64).abs() <= 3, "square: {w} x {h}");
    // Upper-right corner of the heatmap body (above the diagonal) is white.
    let (x, y) = (diag.2 - 5, diag.1 + 5);
    assert_eq!(px(c, x, y), [255, 255, 255]);
    // Lower-left corner is drawn.
    assert_ne!(px(c, diag.0 + 5, diag.3 - 5), [255, 255, 255]);
}

#[test]
fn sixty_thousand_rows_keep_every_row() {
    // One extreme row among 60 000: with max aggregation it must show up.
    let (n, d) = (60_000, 20);
    let mut v = vec![0.0; n * d];
    for j in 0..d {
        v[31_337 * d + j] = 10.0;
    }
    let m = Matrix::from_values(n, d, v).unwrap();
    let o = opts("aggregate = \"max\"\ncmap = \"Greys\"\nvmin = 0\nvmax = 10\nfigsize = [6, 8]\n");
    let f = render(Kind::Heatmap, &m, &o);
    let black = bbox(&f.scene.rasterize(), |p| p == [0, 0, 0]);
    assert!(black.is_some(), "the extreme row vanished");
    // Labels were thinned: far fewer than 60 000 drawn.
    let o = opts("figsize = [6, 8]\n");
    let f2 = render(Kind::Heatmap, &m, &o);
    assert_eq!((f2.scene.width, f2.scene.height), (600, 800));
}

#[test]
fn cut_rows_adds_a_cluster_strip_and_export() {
    let o = opts("method = \"ward\"\ncut_rows = 3\n");
    let f = render(Kind::Clustermap, &seed(), &o);
    let clusters = f
        .exports
        .iter()
        .find(|(n, _)| n == "row_clusters.tsv")
        .expect("clusters export");
    let text = String::from_utf8(clusters.1.clone()).unwrap();
    let ids: std::collections::BTreeSet<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split('\t').nth(1).unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    // tab10's first colour marks cluster 1 in the strip.
    assert!(bbox(&f.scene.rasterize(), |p| p == [0x1f, 0x77, 0xb4]).is_some());
}

#[test]
fn bad_options_are_refused() {
    let m = seed();
    let o = opts("cmap = \"notamap\"\n");
    assert!(pipeline::build(
        Kind::Heatmap,
        &m,
        &o,
        "t",
        Path::new("."),
        &Cache::default(),
        &mut Timings::default()
    )
    .is_err());
    let o = opts("z_score = \"rows\"\nstandard_scale = \"cols\"\n");
    assert!(o.validate().is_err());
}

#[test]
fn preprocessing_options_and_pairwise_correlation() {
    let m = seed();
    let cache = Cache::default();
    let mut t = Timings::default();
    // Two corrmaps of one dataset with different top_variable must not
    // share a cached correlation.
    let small = pipeline::build(
        Kind::Corrmap,
        &m,
        &opts("top_variable = 10\n"),
        "t",
        &root(),
        &cache,
        &mut t,
    )
    .unwrap();
    let full = pipeline::build(
        Kind::Corrmap,
        &m,
        &opts("cluster = true\n"),
        "t",
        &root(),
        &cache,
        &mut t,
    )
    .unwrap();
    let n_small = String::from_utf8(
        pipeline::build(
            Kind::Corrmap,
            &m,
            &opts("top_variable = 10\ncluster = true\n"),
            "t",
            &root(),
            &cache,
            &mut t,
        )
        .unwrap()
        .exports[0]
            .1
            .clone(),
    )
    .unwrap()
    .lines()
    .count();
    assert_eq!(n_small, 1 + 10);
    assert_eq!(
        String::from_utf8(full.exports[0].1.clone())
            .unwrap()
            .lines()
            .count(),
        1 + 30
    );
    assert_eq!(small.scene.width, full.scene.width);
    // Missing values: refused by default, pairwise on request.
    let mut v = m.values().to_vec();
    v[5] = f64::NAN;
    let holes = Matrix::new(m.row_labels().to_vec(), m.col_labels().to_vec(), v).unwrap();
    let e = pipeline::build(
        Kind::Corrmap,
        &holes,
        &opts(""),
        "t",
        &root(),
        &Cache::default(),
        &mut t,
    );
    assert!(e.is_err());
    let ok = pipeline::build(
        Kind::Corrmap,
        &holes,
        &opts("missing = \"pairwise\"\n"),
        "t",
        &root(),
        &Cache::default(),
        &mut t,
    );
    assert!(ok.is_ok());
}

#[test]
fn file_masks_hide_cells_by_label() {
    let m = seed();
    let dir = scratch("mask");
    // Hide every cell of Gene_3, by label.
    let mut text = String::from("gene");
    for c in m.col_labels() {
        text.push('\t');
        text.push_str(c);
    }
    text.push('\n');
    for r in m.row_labels() {
        text.push_str(r);
        for _ in m.col_labels() {
            text.push_str(if r == "Gene_3" { "\t1" } else { "\t0" });
        }
        text.push('\n');
    }
    let path = dir.join("mask.tsv");
    std::fs::write(&path, text).unwrap();
    let masked = render(
        Kind::Heatmap,
        &m,
        &opts(&format!("mask = \"file:{}\"\n", path.display())),
    );
    let mut v = m.values().to_vec();
    for j in 0..m.ncols() {
        v[2 * m.ncols() + j] = f64::NAN;
    }
    let holes = Matrix::new(m.row_labels().to_vec(), m.col_labels().to_vec(), v).unwrap();
    let expected = render(Kind::Heatmap, &holes, &opts(""));
    assert_eq!(
        masked.scene.rasterize().pixels,
        expected.scene.rasterize().pixels
    );
    // Clustermap: the mask follows the reordering (display only; the
    // clustering still sees the data).
    let o = opts(&format!(
        "mask = \"file:{}\"\nmethod = \"ward\"\n",
        path.display()
    ));
    let c = render(Kind::Clustermap, &m, &o);
    let plain = render(Kind::Clustermap, &m, &opts("method = \"ward\"\n"));
    assert_eq!(c.exports[0].1, plain.exports[0].1, "same tree");
    assert_ne!(c.scene.rasterize().pixels, plain.scene.rasterize().pixels);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Tick labels of a figure read back from the text it draws: kept column
/// and row indices (columns are labelled `c{j}{tail}`, rows `r{i}{tail}`)
/// and whether each axis's labels are turned 90°.
struct Drawn {
    x: Vec<usize>,
    y: Vec<usize>,
    x_rotated: Option<bool>,
    y_rotated: Option<bool>,
    /// Numbers drawn (the colour bar's tick labels), ascending.
    numbers: Vec<f64>,
}

fn drawn_ticks(f: &heatmill::pipeline::Figure, tail: &str) -> Drawn {
    let mut d = Drawn {
        x: vec![],
        y: vec![],
        x_rotated: None,
        y_rotated: None,
        numbers: vec![],
    };
    let index =
        |t: &str, p: char| -> Option<usize> { t.strip_prefix(p)?.strip_suffix(tail)?.parse().ok() };
    for op in &f.scene.ops {
        if let heatmill::render::scene::Op::Text { text, rotation, .. } = op {
            let rotated = &(*rotation == heatmill::render::text::Rotation::Vertical);
            if let Some(j) = index(text, 'c') {
                d.x.push(j);
                d.x_rotated = Some(*rotated);
            } else if let Some(i) = index(text, 'r') {
                d.y.push(i);
                d.y_rotated = Some(*rotated);
            } else if let Ok(v) = text.replace('\u{2212}', "-").parse::<f64>() {
                d.numbers.push(v);
            }
        }
    }
    d.x.sort_unstable();
    d.y.sort_unstable();
    d.numbers.sort_by(f64::total_cmp);
    d
}

#[test]
fn auto_tick_labels_are_the_ones_seaborn_keeps() {
    // tests/fixtures/ticks/auto_ticks.json: seaborn's own choice for
    // heatmaps and clustermaps of several shapes and figure sizes (made by
    // scripts/make_tick_fixtures.py).
    let text = std::fs::read_to_string(fixtures().join("ticks/auto_ticks.json")).unwrap();
    let fx: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = fx["cases"].as_array().unwrap();
    assert!(cases.len() >= 20);
    let dir = scratch("ticks");
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let (n, p) = (
            case["rows"].as_u64().unwrap() as usize,
            case["cols"].as_u64().unwrap() as usize,
        );
        let tail = case["tail"].as_str().unwrap();
        let rows: Vec<String> = (0..n).map(|i| format!("r{i}{tail}")).collect();
        let cols: Vec<String> = (0..p).map(|j| format!("c{j}{tail}")).collect();
        // Values spanning seaborn's data range exactly (the colour bar's
        // ticks depend on it).
        let (lo, hi) = (
            case["vmin"].as_f64().unwrap(),
            case["vmax"].as_f64().unwrap(),
        );
        let mut values: Vec<f64> = (0..n * p)
            .map(|k| lo + (hi - lo) * ((k * 7919) % 1000) as f64 / 999.0)
            .collect();
        values[0] = lo;
        values[n * p - 1] = hi;
        let m = Matrix::new(rows, cols, values).unwrap();
        let fs = case["figsize"].as_array().unwrap();
        let kw = &case["kwargs"];
        let mut toml = format!(
            "figsize = [{}, {}]\ndpi = 40\n",
            fs[0].as_f64().unwrap(),
            fs[1].as_f64().unwrap()
        );
        if kw["cbar"] == serde_json::Value::Bool(false) {
            toml += "cbar = false\n";
        }
        if kw["square"] == serde_json::Value::Bool(true) {
            toml += "square = true\ncbar_shrink = 0.8\n";
        }
        if let Some(r) = kw["dendrogram_ratio"].as_array() {
            toml += &format!(
                "dendrogram_ratio = [{}, {}]\n",
                r[0].as_f64().unwrap(),
                r[1].as_f64().unwrap()
            );
        }
        let kind = if case["kind"] == "heatmap" {
            Kind::Heatmap
        } else {
            toml += "row_cluster = false\ncol_cluster = false\n";
            Kind::Clustermap
        };
        if kw.get("row_colors").is_some() {
            let (rt, ct) = (dir.join("rows.tsv"), dir.join("cols.tsv"));
            let table = |labels: &[String], path: &std::path::Path| {
                let mut s = String::from("label\tgroup\n");
                for l in labels {
                    s += &format!("{l}\tA\n");
                }
                std::fs::write(path, s).unwrap();
            };
            table(m.row_labels(), &rt);
            table(m.col_labels(), &ct);
            toml += &format!(
                "row_colors = [\"{}:group\"]\ncol_colors = [\"{}:group\"]\n",
                rt.display(),
                ct.display()
            );
        }
        let f = render(kind, &m, &opts(&toml));
        let want = |k: &str| -> Vec<usize> {
            case[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as usize)
                .collect()
        };
        let d = drawn_ticks(&f, tail);
        assert_eq!(d.x, want("x"), "{name}: column labels");
        assert_eq!(d.y, want("y"), "{name}: row labels");
        let turned = |k: &str| case[k].as_f64().map(|deg| deg == 90.0);
        assert_eq!(d.x_rotated, turned("x_rotation"), "{name}: x labels turned");
        assert_eq!(d.y_rotated, turned("y_rotation"), "{name}: y labels turned");
        let bar: Vec<f64> = case["cbar_ticks"]
            .as_array()
            .map(|t| t.iter().map(|v| v.as_f64().unwrap()).collect())
            .unwrap_or_default();
        assert_eq!(d.numbers, bar, "{name}: colour bar ticks");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn square_heatmaps_never_overlap_their_labels() {
    // 600 x 600 square cells in a 10 x 10 in figure: seaborn thins for the
    // 7.7 in box it measures before the aspect is applied (55 labels) and
    // then draws them on a ~7 in square, where they overlap. We keep
    // seaborn's choice only while it fits: one label per font height.
    let n: usize = 600;
    let labels: Vec<String> = (0..n).map(|i| format!("r{i}")).collect();
    let values: Vec<f64> = (0..n * n).map(|k| ((k * 7919) % 1000) as f64).collect();
    let m = Matrix::new(labels.clone(), labels, values).unwrap();
    let f = render(
        Kind::Heatmap,
        &m,
        &opts("figsize = [10, 10]\nsquare = true\n"),
    );
    let mut ys: Vec<f64> = f
        .scene
        .ops
        .iter()
        .filter_map(|op| match op {
            heatmill::render::scene::Op::Text {
                text, y, rotation, ..
            } if text.starts_with('r') && *rotation == heatmill::render::text::Rotation::None => {
                Some(*y)
            }
            _ => None,
        })
        .collect();
    ys.sort_by(f64::total_cmp);
    assert!(ys.len() > 30, "{} row labels", ys.len());
    let font_px = 10.0 * 100.0 / 72.0;
    let closest = ys
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(f64::INFINITY, f64::min);
    assert!(
        closest >= font_px - 1e-6,
        "labels {closest:.2} px apart, font {font_px:.2} px"
    );
}

#[test]
fn f32_distances_draw_the_same_clustermap_order() {
    // --precision f32 changes heights in the 7th digit, not the tutorial's
    // tree: both axes keep their leaf order, and the exported linkage is
    // the f64 one to f32 precision.
    let m = seed();
    let export = |precision: &str| {
        let o = opts(&format!(
            "method = \"ward\"\ncenter = 0.0\nprecision = \"{precision}\"\n"
        ));
        render(Kind::Clustermap, &m, &o).exports
    };
    let (a, b) = (export("f64"), export("f32"));
    let get = |e: &[(String, Vec<u8>)], name: &str| {
        e.iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no {name} export"))
            .1
            .clone()
    };
    for axis in ["row", "col"] {
        let name = format!("{axis}_order.tsv");
        assert_eq!(get(&a, &name), get(&b, &name), "{name}");
        let z64 = heatmill::io::npy::decode(&get(&a, &format!("{axis}_linkage.npy"))).unwrap();
        let z32 = heatmill::io::npy::decode(&get(&b, &format!("{axis}_linkage.npy"))).unwrap();
        let mut rounded = false;
        for (p, q) in z64.data.chunks(4).zip(z32.data.chunks(4)) {
            assert_eq!((p[0], p[1], p[3]), (q[0], q[1], q[3]));
            assert!((p[2] - q[2]).abs() <= 1e-6 * p[2].abs());
            rounded |= p[2] != q[2];
        }
        assert!(rounded, "{axis}: f32 heights are rounded");
    }
}

#[test]
fn marked_rows_are_the_only_row_labels_spread_apart_and_linked() {
    use heatmill::render::scene::Op;
    // 2 000 rows; 31 neighbours near the top, one far down, one absent.
    let (n, d) = (2_000, 8);
    let mut rng = Rng(11);
    let mut m = Matrix::from_values(n, d, (0..n * d).map(|_| rng.normal()).collect()).unwrap();
    let rows: Vec<String> = (0..n).map(|i| format!("gene{i}")).collect();
    m = Matrix::new(rows, m.col_labels().to_vec(), m.values().to_vec()).unwrap();
    let dir = crate::util::scratch("marks");
    let list = dir.join("marks.txt");
    let mut marks: Vec<String> = (100..131).map(|i| format!("gene{i}")).collect();
    marks.push("gene1500".into());
    std::fs::write(
        &list,
        format!("# markers\n{}\n\nnot_a_gene\n", marks.join("\n")),
    )
    .unwrap();
    for kind in [Kind::Heatmap, Kind::Clustermap] {
        let o = opts(&format!(
            "figsize = [6, 6]\nmark_rows = [\"file:{}\"]\n",
            list.display()
        ));
        let f = render(kind, &m, &o);
        assert!(
            f.warnings
                .iter()
                .any(|w| w.contains("1 of 33 mark_rows labels") && w.contains("not_a_gene")),
            "{:?}",
            f.warnings
        );
        let mut ys: Vec<f64> = f
            .scene
            .ops
            .iter()
            .filter_map(|op| match op {
                Op::Text { text, y, .. } if text.starts_with("gene") => Some(*y),
                _ => None,
            })
            .collect();
        assert_eq!(
            ys.len(),
            marks.len(),
            "{kind:?}: only the marked rows are labelled"
        );
        ys.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let lh = 10.0 * 100.0 / 72.0; // 10 pt at 100 dpi: labels never closer
        assert!(ys.windows(2).all(|w| w[1] - w[0] >= lh), "{kind:?}: {ys:?}");
        let links = f
            .scene
            .ops
            .iter()
            .filter(|op| matches!(op, Op::Segment { .. }))
            .count();
        assert_eq!(links, marks.len(), "{kind:?}: one link per label");
    }
}

#[test]
fn multiqc_export_is_a_custom_content_heatmap_with_the_version() {
    let m = seed();
    let f = render(Kind::Corrmap, &m, &opts("multiqc = true\ncluster = true\n"));
    let get = |name: &str| {
        f.exports
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .1
            .clone()
    };
    let doc: serde_json::Value = serde_json::from_slice(&get("corr_mqc.json")).unwrap();
    assert_eq!(doc["plot_type"], "heatmap");
    assert_eq!(doc["id"], "heatmill_test");
    let cats = doc["xcats"].as_array().unwrap();
    assert_eq!(cats.len(), 30);
    assert_eq!(doc["ycats"], doc["xcats"]);
    let data = doc["data"].as_array().unwrap();
    assert_eq!(data.len(), 30);
    // Ordered as drawn (clustered), unmasked: a symmetric matrix, 1 on
    // the diagonal.
    for (i, row) in data.iter().enumerate() {
        assert_eq!(row[i].as_f64(), Some(1.0));
        for (j, v) in row.as_array().unwrap().iter().enumerate() {
            assert_eq!(*v, data[j][i]);
        }
    }
    let order = String::from_utf8(get("order.tsv")).unwrap();
    let first = order.lines().nth(1).unwrap().split('\t').nth(1).unwrap();
    assert_eq!(cats[0], first);
    let v = String::from_utf8(get("heatmill_mqc_versions.yml")).unwrap();
    assert_eq!(v, format!("heatmill: \"{}\"\n", env!("CARGO_PKG_VERSION")));
    // Too many rows for a browser heatmap: a warning, no export.
    let mut rng = Rng(3);
    let big = Matrix::from_values(600, 5, (0..3000).map(|_| rng.normal()).collect()).unwrap();
    let f = render(Kind::Corrmap, &big, &opts("multiqc = true\n"));
    assert!(!f.exports.iter().any(|(n, _)| n == "corr_mqc.json"));
    assert!(
        f.warnings.iter().any(|w| w.contains("multiqc: 600 rows")),
        "{:?}",
        f.warnings
    );
}

#[test]
fn a_linkage_from_outside_orders_the_clustermap_as_seaborn_does() {
    // seaborn's row_linkage: the tree is taken, not computed. Feeding back
    // the exported linkage gives the same figure; a single-linkage tree
    // gives its leaf order; a tree of the wrong size is refused.
    let dir = crate::util::scratch("row_linkage");
    let m = seed();
    let f = render(Kind::Clustermap, &m, &opts(CLUSTERED));
    let get = |f: &heatmill::pipeline::Figure, n: &str| {
        f.exports.iter().find(|(x, _)| x == n).unwrap().1.clone()
    };
    let z = dir.join("row_Z.npy");
    std::fs::write(&z, get(&f, "row_linkage.npy")).unwrap();
    let again = render(
        Kind::Clustermap,
        &m,
        &opts(&format!("{CLUSTERED}\nrow_linkage = \"{}\"\n", z.display())),
    );
    assert_eq!(
        f.scene.rasterize().to_png(100.0).unwrap(),
        again.scene.rasterize().to_png(100.0).unwrap()
    );
    // Single linkage from the library, as `heatmill linkage` writes it.
    let spec = heatmill::analysis::ClusterSpec {
        method: heatmill::cluster::Method::Single,
        metric: heatmill::cluster::Metric::Euclidean,
        optimal_ordering: false,
        precision: heatmill::cluster::Dtype::F64,
        max_condensed: None,
    };
    let single = heatmill::analysis::cluster_axis(
        &m,
        heatmill::prep::Axis::Rows,
        spec,
        "t",
        &mut Timings::default(),
    )
    .unwrap()
    .linkage;
    std::fs::write(
        &z,
        heatmill::io::npy::encode_f64(&[29, 4], &single.to_scipy()),
    )
    .unwrap();
    let s = render(
        Kind::Clustermap,
        &m,
        &opts(&format!("row_linkage = \"{}\"\n", z.display())),
    );
    let order = String::from_utf8(get(&s, "row_order.tsv")).unwrap();
    let leaves: Vec<usize> = order
        .lines()
        .skip(1)
        .map(|l| l.split('\t').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(leaves, single.leaves());
    std::fs::write(&z, heatmill::io::npy::encode_f64(&[11, 4], &vec![0.0; 44])).unwrap();
    let e = pipeline::build(
        Kind::Clustermap,
        &m,
        &opts(&format!("row_linkage = \"{}\"\n", z.display())),
        "t",
        &root(),
        &Cache::default(),
        &mut Timings::default(),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        e.contains("row_linkage") && e.contains("need (29, 4)"),
        "{e}"
    );
}

#[test]
fn small_clustermaps_keep_the_colour_bar_and_strip_names_clear() {
    use heatmill::render::scene::Op;
    use heatmill::render::text::{HAlign, VAlign};
    // 3 × 3 to 6 × 6 inches with a colour strip: the colour bar's tick
    // labels never run into a dendrogram line or strip, and the strip's
    // name never into the first row label.
    let m = seed();
    let dir = crate::util::scratch("small_cm");
    let groups = dir.join("g.tsv");
    let mut t = String::from("sample\tgroup\n");
    for (j, c) in m.col_labels().iter().enumerate() {
        t += &format!("{c}\t{}\n", if j < 6 { "Tumor" } else { "Normal" });
    }
    std::fs::write(&groups, t).unwrap();
    for size in [3.0, 4.0, 6.0] {
        let o = opts(&format!(
            "figsize = [{size}, {size}]\ncol_colors = [\"{}:group\"]\n",
            groups.display()
        ));
        let f = render(Kind::Clustermap, &m, &o);
        let s = &f.scene;
        let (bx, by, bw, bh) = s
            .ops
            .iter()
            .filter_map(|op| match op {
                Op::Image { x, y, w, h, .. } => Some((*x as f64, *y as f64, *w as f64, *h as f64)),
                _ => None,
            })
            .min_by(|a, b| a.2.total_cmp(&b.2))
            .unwrap();
        // The bar's tick labels: left-aligned text just right of it.
        let labels: Vec<(f64, f64, f64, f64)> = s
            .ops
            .iter()
            .filter_map(|op| match op {
                Op::Text {
                    text,
                    x,
                    y,
                    px,
                    h: HAlign::Left,
                    v: VAlign::Center,
                    ..
                } if *x > bx + bw
                    && *x < bx + bw + 20.0
                    && *y >= by - 1.0
                    && *y <= by + bh + 1.0 =>
                {
                    let w = s.fonts.width(text, *px);
                    Some((*x, y - px / 2.0, x + w, y + px / 2.0))
                }
                _ => None,
            })
            .collect();
        assert!(!labels.is_empty(), "{size}: no colour-bar labels found");
        let right = labels.iter().map(|l| l.2).fold(bx + bw, f64::max);
        for op in &s.ops {
            let hit = match op {
                // Dendrogram lines (dark grey) and strip cells.
                Op::Rule {
                    color: [51, 51, 51],
                    ..
                } => op.rule_rect().is_some_and(|(x0, y0, x1, y1)| {
                    x0 < right && x1 > bx && y0 < by + bh && y1 > by
                }),
                Op::Rect {
                    x0,
                    y0,
                    x1,
                    y1,
                    crisp: true,
                    ..
                } => *x0 < right && *x1 > bx && *y0 < by + bh && *y1 > by,
                _ => false,
            };
            assert!(
                !hit,
                "{size} in: {op:?} runs into the colour bar (x {bx}..{right})"
            );
        }
        // The strip's name and the first row label do not overlap.
        let texts: Vec<(String, f64, f64)> = s
            .ops
            .iter()
            .filter_map(|op| match op {
                Op::Text { text, y, px, .. } if text == "group" || text.starts_with("Gene_") => {
                    Some((text.clone(), *y, *px))
                }
                _ => None,
            })
            .collect();
        let g = texts.iter().find(|t| t.0 == "group").unwrap();
        let first = texts
            .iter()
            .filter(|t| t.0 != "group")
            .map(|t| t.1)
            .fold(f64::INFINITY, f64::min);
        assert!(
            first - g.1 >= g.2,
            "{size} in: strip name at {} vs first row label at {first}",
            g.1
        );
    }
}

#[test]
fn given_tick_labels_replace_the_own_ones_and_follow_the_leaves() {
    use heatmill::render::scene::Op;
    let m = seed();
    let (nr, nc) = (m.nrows(), m.ncols());
    let dir = crate::util::scratch("ticklabels");
    let cols = dir.join("cols.txt");
    let col_names: Vec<String> = (0..nc).map(|j| format!("sample {j}")).collect();
    std::fs::write(&cols, format!("{}\n", col_names.join("\n"))).unwrap();
    let rows: Vec<String> = (0..nr).map(|i| format!("\"r{i}\"")).collect();
    let text = format!(
        "{CLUSTERED}yticklabels = [{}]\nxticklabels = \"file:{}\"\n",
        rows.join(", "),
        cols.display()
    );
    let f = render(Kind::Clustermap, &m, &opts(&text));
    let texts = |prefix: &str, by_y: bool| -> Vec<String> {
        let mut v: Vec<(f64, String)> = f
            .scene
            .ops
            .iter()
            .filter_map(|op| match op {
                Op::Text { text, x, y, .. } if text.starts_with(prefix) => {
                    Some((if by_y { *y } else { *x }, text.clone()))
                }
                _ => None,
            })
            .collect();
        v.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
        v.into_iter().map(|(_, t)| t).collect()
    };
    // Every row shows its given label, in the leaves' order (seaborn's
    // `plot_matrix` reorders a list by `reordered_ind`); none of its own.
    let leaves = f.analysed.row_tree.as_ref().unwrap().leaves();
    let want: Vec<String> = leaves.iter().map(|&i| format!("r{i}")).collect();
    assert_eq!(texts("r", true), want);
    assert!(texts(&m.row_labels()[0], true).is_empty());
    let col_leaves = f.analysed.col_tree.as_ref().unwrap().leaves();
    let want: Vec<String> = col_leaves.iter().map(|&j| col_names[j].clone()).collect();
    assert_eq!(texts("sample ", false), want);
    // heatmap: input order.
    let f = render(Kind::Heatmap, &m, &opts(&text));
    let want: Vec<String> = (0..nr).map(|i| format!("r{i}")).collect();
    let mut got: Vec<(f64, String)> = f
        .scene
        .ops
        .iter()
        .filter_map(|op| match op {
            Op::Text { text, y, .. } if text.starts_with('r') => Some((*y, text.clone())),
            _ => None,
        })
        .collect();
    got.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
    assert_eq!(got.into_iter().map(|(_, t)| t).collect::<Vec<_>>(), want);
    // A list of the wrong length is refused, naming both lengths.
    let short = format!("yticklabels = [{}]\n", rows[..3].join(", "));
    for kind in [Kind::Heatmap, Kind::Clustermap] {
        let e = match pipeline::build(
            kind,
            &m,
            &opts(&short),
            "test",
            &root(),
            &Cache::default(),
            &mut Timings::default(),
        ) {
            Ok(_) => panic!("{kind:?}: a short list was accepted"),
            Err(e) => e,
        };
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.to_string().contains(&format!(
                "yticklabels (--yticklabels) gives 3 labels for {nr} rows"
            )),
            "{e}"
        );
    }
}

#[test]
fn a_given_row_order_is_drawn_unclustered_and_bad_files_are_refused_by_label() {
    use heatmill::render::scene::Op;
    let m = seed();
    let dir = crate::util::scratch("row_order");
    let file = dir.join("order.tsv");
    // order.tsv's form: every third row first, then the rest reversed.
    let mut order: Vec<usize> = (0..m.nrows()).step_by(3).collect();
    order.extend((0..m.nrows()).rev().filter(|i| i % 3 != 0));
    let mut text = String::from("index\tlabel\n");
    for (k, &i) in order.iter().enumerate() {
        text.push_str(&format!("{k}\t{}\n", m.row_labels()[i]));
    }
    std::fs::write(&file, &text).unwrap();
    let want: Vec<String> = order.iter().map(|&i| m.row_labels()[i].clone()).collect();
    let rows_drawn = |f: &heatmill::pipeline::Figure| {
        let mut v: Vec<(f64, String)> = f
            .scene
            .ops
            .iter()
            .filter_map(|op| match op {
                Op::Text { text, y, .. } if m.row_labels().contains(text) => {
                    Some((*y, text.clone()))
                }
                _ => None,
            })
            .collect();
        v.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
        v.into_iter().map(|(_, t)| t).collect::<Vec<_>>()
    };
    for kind in [Kind::Heatmap, Kind::Clustermap] {
        let o = opts(&format!(
            "figsize = [8, 10]\nrow_order = \"{}\"\n",
            file.display()
        ));
        let f = render(kind, &m, &o);
        assert_eq!(rows_drawn(&f), want, "{kind:?}");
        assert!(
            f.analysed.row_tree.is_none(),
            "{kind:?}: rows not clustered"
        );
        if kind == Kind::Clustermap {
            assert!(f.analysed.col_tree.is_some(), "columns still clustered");
        }
    }
    // One label per line works too; unknown and missing labels are named.
    let cases = [
        (format!("{}\n", want.join("\n")), None),
        (
            format!("{}\nnot_a_gene\n", want.join("\n")),
            Some("1 label(s) are not rows of the data: not_a_gene".to_string()),
        ),
        (
            format!("{}\n", want[1..].join("\n")),
            Some(format!("1 of the data's 30 rows are missing: {}", want[0])),
        ),
    ];
    for (text, err) in cases {
        std::fs::write(&file, text).unwrap();
        let o = opts(&format!("row_order = \"{}\"\n", file.display()));
        let r = pipeline::build(
            Kind::Heatmap,
            &m,
            &o,
            "test",
            &root(),
            &Cache::default(),
            &mut Timings::default(),
        );
        match (r, err) {
            (Ok(f), None) => assert_eq!(rows_drawn(&f), want),
            (Err(e), Some(msg)) => {
                assert_eq!(e.exit_code(), 2);
                assert!(e.to_string().contains("row_order (--row-order) in "), "{e}");
                assert!(e.to_string().contains(&msg), "{e}");
            }
            (Ok(_), Some(msg)) => panic!("accepted; expected {msg}"),
            (Err(e), None) => panic!("{e}"),
        }
    }
}
