//! Text in PDF and SVG is text: poppler extracts every label from the PDF
//! and lists its font as embedded, subset, with a Unicode map; a headless
//! Chromium loads the SVG's embedded font and finds labels in it; labels
//! a main font lacks come from a fallback font, and a character no font
//! has is warned about once per figure.
//!
//! poppler-utils and chromium come from Debian (`.ci/run` installs them).
//! Where they are missing the checks that need them are skipped with a
//! note, except under CI (`CI` set), where they must run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{bin, root, samples, scratch, stderr};

/// True when `tool` runs here; under CI a missing tool fails the test.
fn have(tool: &str) -> bool {
    let ok = Command::new(tool)
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success() || !o.stderr.is_empty() || !o.stdout.is_empty());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "{tool} is needed under CI (.ci/run installs it)"
        );
        eprintln!("note: {tool} not installed; its checks are skipped");
    }
    ok
}

fn tool_out(tool: &str, args: &[&str]) -> String {
    let o = Command::new(tool).args(args).output().unwrap();
    assert!(
        o.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn heatmap(out: &Path, input: &Path, extra: &[&str], home: Option<&Path>) -> String {
    let mut c = bin();
    c.arg("heatmap")
        .arg(input)
        .arg("-o")
        .arg(out)
        .args(["--yticklabels", "all", "--xticklabels", "all"])
        .args(extra);
    if let Some(h) = home {
        c.env("HOME", h);
    }
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    stderr(&o)
}

fn seed_labels() -> Vec<String> {
    let mut l: Vec<String> = (1..=30).map(|i| format!("Gene_{i}")).collect();
    l.extend((1..=12).map(|j| format!("Sample_{j}")));
    l
}

#[test]
fn pdf_labels_are_text_in_an_embedded_subset_font() {
    let dir = scratch("pdf");
    let pdf = dir.join("h.pdf");
    let title = "Gene Expression Heatmap";
    heatmap(&pdf, &samples().join("seed.csv"), &["--title", title], None);
    let bytes = std::fs::read(&pdf).unwrap();
    // A seed figure stays small, and carries its fonts and document info.
    assert!(bytes.len() < 60_000, "{} bytes", bytes.len());
    let raw = String::from_utf8_lossy(&bytes);
    for key in [
        "/FontFile2",
        "/ToUnicode",
        "/Identity-H",
        "/Title",
        "/Creator",
    ] {
        assert!(raw.contains(key), "no {key}");
    }
    let paths = dir.join("p.pdf");
    heatmap(
        &paths,
        &samples().join("seed.csv"),
        &["--text", "paths"],
        None,
    );
    let p = std::fs::read(&paths).unwrap();
    assert!(!String::from_utf8_lossy(&p).contains("/FontFile"));
    if !have("pdftotext") {
        return;
    }
    let text = tool_out("pdftotext", &[pdf.to_str().unwrap(), "-"]);
    let words: Vec<&str> = text.split_whitespace().collect();
    for l in seed_labels() {
        assert!(words.contains(&l.as_str()), "pdftotext lacks {l}: {text}");
    }
    assert!(text.contains(title), "{text}");
    // Row labels read top to bottom, in order.
    let at = |l: &str| words.iter().position(|w| *w == l).unwrap();
    assert!(at("Gene_1") < at("Gene_2") && at("Gene_2") < at("Gene_30"));
    let fonts = tool_out("pdffonts", &[pdf.to_str().unwrap()]);
    let line = fonts.lines().nth(2).unwrap_or_default();
    assert!(
        line.contains("+DejaVuSans") && line.contains("CID TrueType") && yes_yes_yes(line),
        "{fonts}"
    );
    let info = tool_out("pdfinfo", &[pdf.to_str().unwrap()]);
    assert!(
        info.contains(&format!("Title:           {title}")),
        "{info}"
    );
    assert!(info.contains("Creator:         heatmill "), "{info}");
    // Outlines: nothing to extract.
    let none = tool_out("pdftotext", &[paths.to_str().unwrap(), "-"]);
    assert!(none.trim().is_empty(), "{none}");
}

/// pdffonts' `emb sub uni` columns of a font's line all say `yes`.
fn yes_yes_yes(line: &str) -> bool {
    let cols: Vec<&str> = line.split_whitespace().collect();
    cols.len() >= 5 && cols[cols.len() - 5..cols.len() - 2] == ["yes", "yes", "yes"]
}

#[test]
fn svg_labels_are_text_a_browser_finds_in_the_embedded_font() {
    let dir = scratch("svg");
    let svg_path = dir.join("h.svg");
    heatmap(
        &svg_path,
        &samples().join("seed.csv"),
        &["--title", "Gene Expression Heatmap"],
        None,
    );
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    for l in seed_labels() {
        assert!(svg.contains(&format!(">{l}</text>")), "no <text> for {l}");
    }
    assert!(svg.contains("@font-face{font-family:hm0;src:url(data:font/ttf;base64,"));
    let paths = dir.join("p.svg");
    heatmap(
        &paths,
        &samples().join("seed.csv"),
        &["--text", "paths"],
        None,
    );
    let p = std::fs::read_to_string(&paths).unwrap();
    assert!(
        !p.contains("<text") && !p.contains("@font-face") && p.contains("<title>Gene_30</title>")
    );
    if !have("chromium") {
        return;
    }
    // The SVG inline in a page: once the fonts are ready, the title says
    // whether the embedded face loaded (the browser's sanitiser accepted
    // it) and whether find sees the labels.
    std::fs::write(
        dir.join("find.html"),
        "<!doctype html><title>pending</title><div id=s></div><script>\
         fetch('h.svg').then(r => r.text()).then(async t => {\
           document.getElementById('s').innerHTML = t;\
           await document.fonts.ready;\
           const f = [...document.fonts].map(f => f.family + ':' + f.status).join(',');\
           const found = ['Gene_30', 'Sample_12', 'Gene Expression Heatmap'].every(w => window.find(w, false, false, true));\
           document.title = 'fonts=' + f + ' find=' + found;\
         });</script>",
    )
    .unwrap();
    let url = format!("file://{}", dir.join("find.html").display());
    let o = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--allow-file-access-from-files",
            "--virtual-time-budget=10000",
            "--dump-dom",
            &url,
        ])
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&o.stdout);
    assert!(
        dom.contains("<title>fonts=hm0:loaded find=true</title>"),
        "{dom}"
    );
}

/// A home directory whose `.fonts/` holds the test font (box glyphs for
/// ASCII and 基 因 细 胞): the system fallback finds it there.
fn home_with_test_font(dir: &Path) -> PathBuf {
    let home = dir.join("home");
    std::fs::create_dir_all(home.join(".fonts")).unwrap();
    std::fs::copy(test_font(), home.join(".fonts/heatmill-test.ttf")).unwrap();
    home
}

fn test_font() -> PathBuf {
    root().join("tests/fixtures/fonts/heatmill-test.ttf")
}

#[test]
fn labels_the_main_font_lacks_come_from_a_fallback_or_are_warned_about() {
    let dir = scratch("fallback");
    let input = dir.join("cjk.csv");
    std::fs::write(&input, "gene,S1,S2\n基因A,1,2\n细胞B,3,1\nGene_3,2,2.5\n").unwrap();
    // DejaVu Sans has no CJK: the system's fonts (here the test font in
    // ~/.fonts) draw it, embedded beside DejaVu Sans. No warning.
    let home = home_with_test_font(&dir);
    let pdf = dir.join("f.pdf");
    let err = heatmap(&pdf, &input, &[], Some(&home));
    assert!(!err.contains("no font has"), "{err}");
    let raw = String::from_utf8_lossy(&std::fs::read(&pdf).unwrap()).into_owned();
    assert_eq!(
        raw.matches("/FontFile2").count() + raw.matches("/FontFile3").count(),
        2
    );
    let svg = dir.join("f.svg");
    heatmap(&svg, &input, &[], Some(&home));
    let s = std::fs::read_to_string(&svg).unwrap();
    // Each run in the face the layout took it from.
    assert!(
        s.contains("基因</tspan><tspan") && s.contains(">A</tspan></text>"),
        "{s}"
    );
    // The font option makes the test font the main one: every label set
    // in it, DejaVu Sans only where it lacks a glyph (none here).
    let main = dir.join("m.pdf");
    let f = test_font();
    heatmap(&main, &input, &["--font", f.to_str().unwrap()], None);
    let raw = String::from_utf8_lossy(&std::fs::read(&main).unwrap()).into_owned();
    assert!(
        raw.contains("+HeatmillTest-Regular"),
        "the test font is embedded"
    );
    // No font has U+10FFFD: one warning naming the character and label.
    let odd = dir.join("odd.csv");
    std::fs::write(&odd, "gene,S1,S2\nG\u{10FFFD}x,1,2\nGene_2,3,1\n").unwrap();
    let empty_home = dir.join("empty-home");
    std::fs::create_dir_all(&empty_home).unwrap();
    let err = heatmap(&dir.join("o.png"), &odd, &[], Some(&empty_home));
    assert_eq!(err.matches("no font has").count(), 1, "{err}");
    assert!(
        err.contains("U+10FFFD") && err.contains("'G\u{10FFFD}x'") && err.contains("--font"),
        "{err}"
    );
    if have("pdftotext") {
        let text = tool_out("pdftotext", &[pdf.to_str().unwrap(), "-"]);
        assert!(text.contains("基因A") && text.contains("细胞B"), "{text}");
    }
}

#[test]
fn a_font_that_is_not_there_is_refused_before_work() {
    let dir = scratch("nofont");
    let o = bin()
        .args(["heatmap", samples().join("seed.csv").to_str().unwrap()])
        .args(["-o", dir.join("x.png").to_str().unwrap()])
        .args(["--font", "/no/such/font.ttf"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
    assert!(!dir.join("x.png").exists());
}

#[test]
fn angled_labels_stay_text_turned_in_pdf_and_svg() {
    let dir = scratch("angled");
    let seed = samples().join("seed.csv");
    let args = [
        "--xticklabels-rotation",
        "45",
        "--yticklabels-rotation",
        "-20",
    ];
    let svg_path = dir.join("a.svg");
    heatmap(&svg_path, &seed, &args, None);
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    // Each label a <text>, turned about its baseline's start (SVG turns
    // clockwise: -45 is 45° counter-clockwise).
    for l in seed_labels() {
        assert!(svg.contains(&format!(">{l}</text>")), "no <text> for {l}");
    }
    let turned = |deg: &str| {
        svg.lines()
            .filter(|l| l.contains(&format!(r#"transform="rotate({deg} "#)))
            .count()
    };
    assert_eq!(turned("-45.0000"), 12, "column labels");
    assert_eq!(turned("20.0000"), 30, "row labels");
    // Outlines: turned paths, no text.
    let paths = dir.join("p.svg");
    heatmap(
        &paths,
        &seed,
        &[&args[..], &["--text", "paths"]].concat(),
        None,
    );
    let p = std::fs::read_to_string(&paths).unwrap();
    assert!(!p.contains("<text") && p.contains("<title>Sample_12</title>"));
    let pdf = dir.join("a.pdf");
    heatmap(&pdf, &seed, &args, None);
    if !have("pdftotext") {
        return;
    }
    // Searchable: the labels are text with their Unicode map. poppler
    // extracts the -20° row labels as words; 45° text it splits into
    // characters (as it does matplotlib's own 45° labels: it groups text
    // by the four right angles), in order, so the labels read whole once
    // the spaces go.
    let raw = tool_out("pdftotext", &["-raw", pdf.to_str().unwrap(), "-"]);
    let words: Vec<&str> = raw.split_whitespace().collect();
    for j in 1..=30 {
        let l = format!("Gene_{j}");
        assert!(words.contains(&l.as_str()), "pdftotext lacks {l}: {raw}");
    }
    let joined: String = words.concat();
    let columns: String = (1..=12).map(|j| format!("Sample_{j}")).collect();
    assert!(joined.contains(&columns), "{raw}");
}
