//! The one option table, end to end: every option a figure subcommand's
//! `--help` lists changes that figure (its image or its data exports),
//! every option of another kind is refused with exit 2 naming the kinds it
//! applies to, the config reference is generated from the table, and the
//! exit code follows the error's class.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use heatmill::figure::Kind;
use heatmill::options::{markdown_table, ValueKind, OPTIONS};

use crate::util::{bin, root, samples, scratch, stderr, Rng};

/// The long flags `heatmill KIND --help` lists.
fn help_flags(kind: &str) -> BTreeSet<String> {
    let o = bin().args([kind, "--help"]).output().unwrap();
    assert!(o.status.success());
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let l = l.strip_prefix("-o, ").unwrap_or(l);
            l.strip_prefix("--").map(|f| {
                f.split([' ', '[', '=', '<'])
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
        })
        .collect()
}

/// What a run produced: exit status, figure bytes, export files.
#[derive(PartialEq, Debug)]
struct Result_ {
    ok: bool,
    figure: Vec<u8>,
    exports: Vec<(String, Vec<u8>)>,
}

fn make(dir: &Path, kind: &str, input: &Path, args: &[String]) -> Result_ {
    make_to(dir, kind, input, args, "f.png")
}

/// [`make`] to the output file `name` (its extension picks the format).
fn make_to(dir: &Path, kind: &str, input: &Path, args: &[String], name: &str) -> Result_ {
    let out = dir.join(name);
    let ex = dir.join("ex");
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_dir_all(&ex);
    let o = bin()
        .arg(kind)
        .arg(input)
        .arg("-o")
        .arg(&out)
        .arg("--export-dir")
        .arg(&ex)
        .args(args)
        .output()
        .unwrap();
    let mut exports = vec![];
    if let Ok(rd) = std::fs::read_dir(&ex) {
        for e in rd.flatten() {
            exports.push((
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            ));
        }
    }
    exports.sort();
    Result_ {
        ok: o.status.success(),
        figure: std::fs::read(&out).unwrap_or_default(),
        exports,
    }
}

/// Inputs where each option has something to act on.
struct Fixture {
    seed: PathBuf,
    /// 1 500 × 40: cells smaller than a pixel (aggregate).
    dense: PathBuf,
    /// The seed with one missing value (missing = pairwise).
    holes: PathBuf,
    /// Sample groups (columns) and gene groups (rows).
    col_table: String,
    row_table: String,
}

fn fixture(dir: &Path) -> Fixture {
    let seed_csv = std::fs::read_to_string(samples().join("seed.csv")).unwrap();
    let mut lines: Vec<String> = seed_csv.lines().map(str::to_string).collect();
    let genes: Vec<String> = lines[1..]
        .iter()
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    let mut row_table = String::from("gene\tpathway\n");
    for (i, g) in genes.iter().enumerate() {
        row_table.push_str(&format!("{g}\t{}\n", ["A", "B", "C"][i % 3]));
    }
    std::fs::write(dir.join("genes.tsv"), row_table).unwrap();
    // One missing value.
    let mut cells: Vec<&str> = lines[3].split(',').collect();
    cells[4] = "";
    lines[3] = cells.join(",");
    std::fs::write(dir.join("holes.csv"), lines.join("\n") + "\n").unwrap();
    let mut rng = Rng(7);
    let mut dense = String::from("gene");
    for j in 0..40 {
        dense.push_str(&format!(",s{j}"));
    }
    dense.push('\n');
    for i in 0..1500 {
        dense.push_str(&format!("g{i}"));
        for j in 0..40 {
            dense.push_str(&format!(
                ",{:.4}",
                rng.normal() + (i % 7 + j % 3) as f64 * 0.3
            ));
        }
        dense.push('\n');
    }
    std::fs::write(dir.join("dense.csv"), dense).unwrap();
    Fixture {
        seed: samples().join("seed.parquet"),
        dense: dir.join("dense.csv"),
        holes: dir.join("holes.csv"),
        col_table: format!("{}:group", samples().join("samples.tsv").display()),
        row_table: format!("{}:pathway", dir.join("genes.tsv").display()),
    }
}

/// The input, the flags both runs share, and the value(s) to try for
/// `key` on `kind` (several: any one that changes the output counts).
fn case(f: &Fixture, kind: Kind, key: &str) -> (PathBuf, Vec<String>, Vec<String>, &'static str) {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let spec = heatmill::options::spec(key).unwrap();
    let mut input = f.seed.clone();
    let mut base: Vec<String> = vec![];
    let mut values: Vec<String> = match spec.value {
        ValueKind::Flag => s(&["true", "false"]),
        _ => vec![spec.example.to_string()],
    };
    match key {
        "aggregate" => {
            input = f.dense.clone();
            base = s(&[
                "--dpi",
                "40",
                "--xticklabels",
                "none",
                "--yticklabels",
                "none",
            ]);
        }
        "missing" => input = f.holes.clone(),
        "fmt" => base = s(&["--annot"]),
        "linecolor" => base = s(&["--linewidths", "2"]),
        "palette" => {
            base = vec!["--col-colors".into(), f.col_table.clone()];
            values = s(&["Tumor=#000000"]);
        }
        "colors_ratio" | "legend" => base = vec!["--col-colors".into(), f.col_table.clone()],
        "col_colors" | "col_split" => values = vec![f.col_table.clone()],
        "row_split" => values = vec![f.row_table.clone()],
        "kmeans_seed" => base = s(&["--kmeans-rows", "4"]),
        "split_gap" => base = vec!["--row-split".into(), f.row_table.clone()],
        "groupby" => values = vec![f.row_table.clone()],
        "reduce" => base = vec!["--groupby".into(), f.row_table.clone()],
        "genes" => values = s(&["Sample_3"]),
        "row_colors" => values = vec![f.row_table.clone()],
        "col_bars" => {
            values = vec![format!(
                "{}:mean",
                samples().join("sample_stats.tsv").display()
            )]
        }
        "row_bars" => {
            values = vec![format!(
                "{}:neg_log10_p",
                samples().join("gene_stats.tsv").display()
            )]
        }
        "bars_size" => {
            base = vec![
                "--row-bars".into(),
                format!("{}:mean_diff", samples().join("gene_stats.tsv").display()),
            ]
        }
        "optimal_ordering" => base = s(&["--method", "single"]),
        // The seed's rows (columns) in reverse: order.tsv's form for rows,
        // one label per line for columns.
        "row_order" | "col_order" => {
            let file = f.dense.with_file_name(format!("{key}.tsv"));
            let text = if key == "row_order" {
                let rows: Vec<String> = (1..=30).rev().map(|i| format!("Gene_{i}")).collect();
                let mut t = String::from("index\tlabel\n");
                for (k, r) in rows.iter().enumerate() {
                    t.push_str(&format!("{k}\t{r}\n"));
                }
                t
            } else {
                (1..=12).rev().map(|j| format!("Sample_{j}\n")).collect()
            };
            std::fs::write(&file, text).unwrap();
            values = vec![file.display().to_string()];
        }
        // A tree from `heatmill linkage` (single, not the default average).
        "row_linkage" | "col_linkage" => {
            let z = f.dense.with_file_name(format!("{key}.npy"));
            let axis = if key == "row_linkage" { "rows" } else { "cols" };
            let o = bin()
                .arg("linkage")
                .arg(&f.seed)
                .args([
                    "-o",
                    z.to_str().unwrap(),
                    "--method",
                    "single",
                    "--axis",
                    axis,
                ])
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", stderr(&o));
            values = vec![z.display().to_string()];
        }
        // A font every machine has: the test font (box glyphs).
        "font" => {
            values = vec![crate::util::root()
                .join("tests/fixtures/fonts/heatmill-test.ttf")
                .display()
                .to_string()]
        }
        // Text or outlines: a vector format's business.
        "text" => return (input, base, values, "f.svg"),
        _ => {}
    }
    if kind == Kind::Corrmap
        && [
            "method",
            "metric",
            "optimal_ordering",
            "precision",
            "cluster_distance",
        ]
        .contains(&key)
    {
        base.push("--cluster".into());
    }
    (input, base, values, "f.png")
}

#[test]
fn every_listed_option_changes_the_figure_and_the_others_are_refused() {
    let dir = scratch("every");
    let f = fixture(&dir);
    let mut failures = vec![];
    for kind in [Kind::Heatmap, Kind::Clustermap, Kind::Corrmap] {
        let listed = help_flags(kind.name());
        for spec in OPTIONS {
            let flag = spec.flag()[2..].to_string();
            if !spec.applies_to(kind) {
                if listed.contains(&flag) {
                    failures.push(format!(
                        "{}: --help lists --{flag}, which does not apply",
                        kind.name()
                    ));
                }
                let arg = match spec.value {
                    ValueKind::Flag => format!("--{flag}"),
                    _ => format!("--{flag}={}", spec.example),
                };
                let o = bin()
                    .arg(kind.name())
                    .arg(&f.seed)
                    .args(["-o", dir.join("refused.png").to_str().unwrap(), &arg])
                    .output()
                    .unwrap();
                let err = stderr(&o);
                if o.status.code() != Some(2)
                    || !err.contains(&format!(
                        "(--{flag}) applies to {} figures",
                        spec.kinds_text()
                    ))
                    || dir.join("refused.png").exists()
                {
                    failures.push(format!("{} {arg}: not refused by name: {err}", kind.name()));
                }
                continue;
            }
            if !listed.contains(&flag) {
                failures.push(format!("{}: --help does not list --{flag}", kind.name()));
            }
            let (input, base, values, out) = case(&f, kind, spec.key);
            let default = make_to(&dir, kind.name(), &input, &base, out);
            let changed = values.iter().any(|v| {
                let mut args = base.clone();
                args.push(format!("--{flag}={v}"));
                make_to(&dir, kind.name(), &input, &args, out) != default
            });
            if !changed {
                failures.push(format!(
                    "{} --{flag}={:?} changes nothing (base {base:?})",
                    kind.name(),
                    values
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_config_reference_is_generated_from_the_option_table() {
    let path = root().join("configs/README.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let (begin, end) = (
        "<!-- options table: generated from src/options.rs -->\n",
        "<!-- end of options table -->",
    );
    let table = markdown_table();
    let got = doc
        .split_once(begin)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(t, _)| t);
    if std::env::var_os("HEATMILL_BLESS").is_some() {
        let (head, rest) = doc.split_once(begin).expect("marker");
        let (_, tail) = rest.split_once(end).expect("end marker");
        std::fs::write(&path, format!("{head}{begin}{table}{end}{tail}")).unwrap();
        return;
    }
    assert_eq!(
        got,
        Some(table.as_str()),
        "configs/README.md's option table differs from the option table; regenerate it with HEATMILL_BLESS=1 cargo test --test integration options::"
    );
}

#[test]
fn config_and_flags_take_the_same_spellings() {
    let dir = scratch("spellings");
    let f = fixture(&dir);
    // dendrogram_ratio as one number on both sides; booleans both ways.
    let via_flags = make(
        &dir,
        "clustermap",
        &f.seed,
        &[
            "--dendrogram-ratio".into(),
            "0.1".into(),
            "--no-cbar".into(),
        ],
    );
    assert!(via_flags.ok);
    let cfg = dir.join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            "[output]\ndir = \"out\"\n[[dataset]]\nname = \"d\"\npath = \"{}\"\n[[figure]]\nname = \"f\"\nkind = \"clustermap\"\ndendrogram_ratio = 0.1\ncbar = false\n",
            f.seed.display()
        ),
    )
    .unwrap();
    let o = bin()
        .args(["run", cfg.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let from_config = std::fs::read(dir.join("out/d/f.png")).unwrap();
    assert_eq!(from_config, via_flags.figure);
    let with_eq = make(
        &dir,
        "clustermap",
        &f.seed,
        &["--dendrogram-ratio=0.1,0.1".into(), "--cbar=false".into()],
    );
    assert_eq!(with_eq.figure, via_flags.figure);
    // A --no-square for corrmap.
    let square = make(&dir, "corrmap", &f.seed, &[]);
    let not_square = make(&dir, "corrmap", &f.seed, &["--no-square".into()]);
    assert!(square.ok && not_square.ok && square.figure != not_square.figure);
    // A config key of another kind is refused with its line.
    std::fs::write(
        &cfg,
        format!(
            "[[dataset]]\nname = \"d\"\npath = \"{}\"\n[[figure]]\nname = \"f\"\nkind = \"heatmap\"\nmethod = \"ward\"\n",
            f.seed.display()
        ),
    )
    .unwrap();
    let o = bin()
        .args(["run", cfg.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("line 7")
            && err.contains(
                "applies to clustermap, corrmap and heatmap_list figures, not to heatmap"
            ),
        "{err}"
    );
    // ...but the same key in [defaults] only reaches the kinds it applies to.
    std::fs::write(
        &cfg,
        format!(
            "[output]\ndir = \"out2\"\n[defaults]\nmethod = \"ward\"\n[[dataset]]\nname = \"d\"\npath = \"{}\"\n[[figure]]\nname = \"f\"\nkind = \"heatmap\"\n",
            f.seed.display()
        ),
    )
    .unwrap();
    let o = bin()
        .args(["run", cfg.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn exit_codes_follow_the_error_class() {
    let dir = scratch("exit");
    let code = |args: &[&str]| {
        let o = bin().args(args).output().unwrap();
        (o.status.code(), stderr(&o))
    };
    let out = dir.join("x.png");
    let out = out.to_str().unwrap();
    // Missing input → 2, naming the file.
    let (c, e) = code(&["heatmap", "/no/such/input.csv", "-o", out]);
    assert_eq!(c, Some(2), "{e}");
    assert!(e.contains("/no/such/input.csv"), "{e}");
    // Missing config → 2.
    let (c, e) = code(&["run", "/no/such/config.toml"]);
    assert_eq!(c, Some(2), "{e}");
    // Missing annotation table → 2.
    let seed = samples().join("seed.parquet");
    let (c, e) = code(&[
        "clustermap",
        seed.to_str().unwrap(),
        "-o",
        out,
        "--col-colors",
        "/no/such.tsv:group",
    ]);
    assert_eq!(c, Some(2), "{e}");
    // A glob that matches nothing → 2.
    let cfg = dir.join("glob.toml");
    std::fs::write(
        &cfg,
        "[[dataset]]\npath = \"nothing/*.csv\"\n[[figure]]\nname = \"h\"\nkind = \"heatmap\"\n",
    )
    .unwrap();
    let (c, e) = code(&["run", cfg.to_str().unwrap()]);
    assert_eq!(c, Some(2), "{e}");
    // Bad usage → 2: threads 0, a memory size without a unit.
    let (c, _) = code(&[
        "heatmap",
        seed.to_str().unwrap(),
        "-o",
        out,
        "--threads",
        "0",
    ]);
    assert_eq!(c, Some(2));
    let (c, e) = code(&[
        "heatmap",
        seed.to_str().unwrap(),
        "-o",
        out,
        "--max-memory",
        "8000",
    ]);
    assert_eq!(c, Some(2));
    assert!(e.contains("no unit"), "{e}");
    assert!(!Path::new(out).exists());
    // One corrupt dataset in a batch → 1, the other's figure complete.
    std::fs::write(dir.join("bad.csv"), "gene,a,b\ng1,1,x\ng2,2,3\n").unwrap();
    std::fs::copy(samples().join("seed.csv"), dir.join("good.csv")).unwrap();
    let cfg = dir.join("batch.toml");
    std::fs::write(
        &cfg,
        "[output]\ndir = \"out\"\n[[dataset]]\npath = \"*.csv\"\n[[figure]]\nname = \"h\"\nkind = \"heatmap\"\n",
    )
    .unwrap();
    let (c, e) = code(&["run", cfg.to_str().unwrap(), "--quiet"]);
    assert_eq!(c, Some(1), "{e}");
    assert!(e.contains("1 job(s) failed"), "{e}");
    assert!(dir.join("out/good/h.png").exists());
    assert!(!dir.join("out/bad/h.png").exists());
}

#[test]
fn max_memory_charges_ward_on_vectors_what_it_needs() {
    // 3 000 rows: the condensed matrix would be 36 MB; ward on the vectors
    // needs a few MB, so a 30 MB budget lets the job run (the stored-matrix
    // estimate refused it).
    let dir = scratch("memory");
    let mut rng = Rng(11);
    let mut csv = String::from("gene,a,b,c,d,e,f\n");
    for i in 0..3000 {
        csv.push_str(&format!("g{i}"));
        for _ in 0..6 {
            csv.push_str(&format!(",{:.6}", rng.normal()));
        }
        csv.push('\n');
    }
    let input = dir.join("m.csv");
    std::fs::write(&input, csv).unwrap();
    let out = dir.join("cm.png");
    let o = bin()
        .args([
            "clustermap",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .args([
            "--method",
            "ward",
            "--max-memory",
            "30M",
            "--no-col-cluster",
            "--dpi",
            "30",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // Average linkage stores the matrix: refused under the same budget,
    // naming what it needs.
    let cfg = dir.join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            "[output]\ndir = \"out\"\n[[dataset]]\nname = \"m\"\npath = \"{}\"\n[[figure]]\nname = \"cm\"\nkind = \"clustermap\"\ncol_cluster = false\ndpi = 30\n",
            input.display()
        ),
    )
    .unwrap();
    let o = bin()
        .args([
            "run",
            cfg.to_str().unwrap(),
            "--quiet",
            "--max-memory",
            "30M",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("--max-memory"), "{}", stderr(&o));
    let cfg_ward = std::fs::read_to_string(&cfg).unwrap().replace(
        "col_cluster = false",
        "col_cluster = false\nmethod = \"ward\"",
    );
    std::fs::write(&cfg, cfg_ward).unwrap();
    let o = bin()
        .args([
            "run",
            cfg.to_str().unwrap(),
            "--quiet",
            "--max-memory",
            "30M",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn threads_always_take_effect() {
    // The same figure on 1 and 3 threads: identical bytes, both accepted
    // (the pool is the run's own, not a process-wide one set earlier).
    let dir = scratch("threads");
    let seed = samples().join("seed.parquet");
    let mut outs = vec![];
    for n in ["1", "3"] {
        let out = dir.join(format!("t{n}.png"));
        let o = bin()
            .args([
                "clustermap",
                seed.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--threads",
                n,
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        outs.push(std::fs::read(out).unwrap());
    }
    assert_eq!(outs[0], outs[1]);
    assert_eq!(
        heatmill::env::with_threads(3, rayon::current_num_threads).unwrap(),
        3
    );
}

#[test]
fn the_preparation_flags_of_linkage_and_corr_change_their_output() {
    let dir = scratch("prep-flags");
    let seed = samples().join("seed.csv");
    // seed.csv has negative values: log1p of those is NaN, which linkage
    // and corr refuse; shift the data up so every prep flag can act.
    let text = std::fs::read_to_string(&seed).unwrap();
    let mut shifted = String::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 {
            shifted.push_str(line);
        } else {
            let mut cells = line.split(',');
            shifted.push_str(cells.next().unwrap());
            for c in cells {
                shifted.push_str(&format!(",{}", c.parse::<f64>().unwrap() + 10.0));
            }
        }
        shifted.push('\n');
    }
    let input = dir.join("shifted.csv");
    std::fs::write(&input, shifted).unwrap();
    let npy = |cmd: &str, args: &[&str]| {
        let out = dir.join("o.npy");
        let _ = std::fs::remove_file(&out);
        let o = bin()
            .arg(cmd)
            .arg(&input)
            .arg("-o")
            .arg(&out)
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{cmd} {args:?}: {}", stderr(&o));
        std::fs::read(&out).unwrap()
    };
    for cmd in ["linkage", "corr"] {
        let listed = help_flags(cmd);
        let default = npy(cmd, &[]);
        for (flag, tries) in [
            ("log1p", vec![vec!["--log1p"]]),
            ("log2p1", vec![vec!["--log2p1"]]),
            ("top-variable", vec![vec!["--top-variable", "5"]]),
            (
                "z-score",
                vec![vec!["--z-score", "rows"], vec!["--z-score", "cols"]],
            ),
            (
                "standard-scale",
                vec![
                    vec!["--standard-scale", "rows"],
                    vec!["--standard-scale", "cols"],
                ],
            ),
        ] {
            assert!(listed.contains(flag), "{cmd} --help lists --{flag}");
            assert!(
                tries.iter().any(|a| npy(cmd, a) != default),
                "{cmd} --{flag} changes nothing"
            );
        }
    }
}

#[test]
fn numbers_are_checked_and_config_errors_speak_plainly() {
    let dir = scratch("plain");
    let seed = samples().join("seed.parquet");
    let out = dir.join("x.png");
    // Non-finite and out-of-range numbers are refused at parse time.
    for args in [
        &["--vmin", "nan"][..],
        &["--vmax", "inf"],
        &["--figsize", "10,inf"],
        &["--top-variable", "0"],
        &["--center", "-inf"],
    ] {
        let o = bin()
            .args([
                "heatmap",
                seed.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
            ])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!out.exists());
    }
    // Config values of the wrong kind: file, line, key, plain words.
    let cases = [
        (
            "figsize = \"10,8\"",
            "line 7, key 'figsize'",
            "expects two finite numbers [W, H]",
        ),
        (
            "vmin = nan",
            "line 7, key 'vmin'",
            "expects a finite number",
        ),
        (
            "top_variable = 0",
            "line 7, key 'top_variable'",
            "at least 1",
        ),
        (
            "cbar = \"no\"",
            "line 7, key 'cbar'",
            "expects true or false",
        ),
        (
            "aggregate = \"median\"",
            "line 7, key 'aggregate'",
            "expects one of mean, max, absmax",
        ),
    ];
    for (line, at, words) in cases {
        let cfg = dir.join("c.toml");
        std::fs::write(
            &cfg,
            format!(
                "[[dataset]]\nname = \"d\"\npath = \"{}\"\n[[figure]]\nname = \"f\"\nkind = \"heatmap\"\n{line}\n",
                seed.display()
            ),
        )
        .unwrap();
        let o = bin()
            .args(["run", cfg.to_str().unwrap(), "--quiet"])
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{line}: {err}");
        assert!(err.contains(at) && err.contains(words), "{line}: {err}");
        for jargon in ["tuple", "variant", "f64", "sequence", "invalid type"] {
            assert!(!err.contains(jargon), "{line}: {err}");
        }
    }
    // A duplicate figure name is reported where the second one is named.
    let cfg = dir.join("dup.toml");
    std::fs::write(
        &cfg,
        format!(
            "[[dataset]]\nname = \"d\"\npath = \"{}\"\n[[figure]]\nname = \"f\"\nkind = \"heatmap\"\n\n[[figure]]\nname = \"f\"\nkind = \"corrmap\"\n",
            seed.display()
        ),
    )
    .unwrap();
    let o = bin().args(["run", cfg.to_str().unwrap()]).output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("line 9, key 'name'") && err.contains("used twice"),
        "{err}"
    );
    // [output] keys of the wrong kind name their key too.
    std::fs::write(
        &cfg,
        format!(
            "[output]\nformats = \"png\"\n[[dataset]]\nname = \"d\"\npath = \"{}\"\n[[figure]]\nname = \"f\"\nkind = \"heatmap\"\n",
            seed.display()
        ),
    )
    .unwrap();
    let o = bin().args(["run", cfg.to_str().unwrap()]).output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("line 2, key 'formats'") && !err.contains("sequence"),
        "{err}"
    );
}

#[test]
fn an_empty_colour_range_is_widened_in_cells_and_bar_alike() {
    // --vmin 5 --vmax 5 on -10, 0, 30: the cells of 30 take the top
    // colour (seaborn: the colour bar widens the norm to 4.5..5.5).
    let dir = scratch("flat");
    let input = dir.join("m.csv");
    std::fs::write(&input, "gene,a,b,c\ng1,-10,0,30\n").unwrap();
    let png = |args: &[&str]| {
        let out = dir.join("f.png");
        let o = bin()
            .args([
                "heatmap",
                input.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--cmap",
                "viridis",
            ])
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read(out).unwrap()
    };
    let top = [0xfd, 0xe7, 0x25]; // viridis(1.0)
    for args in [
        &["--vmin", "5", "--vmax", "5"][..],
        &["--vmin", "5", "--vmax", "5", "--no-cbar"],
    ] {
        let bytes = png(args);
        let img = image_rgb(&bytes);
        // A whole cell (tens of thousands of pixels), not just the bar's end.
        let n = img.chunks(3).filter(|p| *p == top).count();
        assert!(n > 10_000, "{args:?}: {n} pixels in the top colour");
    }
}

fn image_rgb(bytes: &[u8]) -> Vec<u8> {
    let dec = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut r = dec.read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    buf
}

#[test]
fn fmt_takes_pythons_format_spec_and_refuses_the_rest() {
    let dir = scratch("fmt");
    let seed = samples().join("seed.parquet");
    for (spec, ok) in [
        (",.0f", true),
        ("+08.2e", true),
        ("_.1%", true),
        ("zz", false),
        (".2d", false),
    ] {
        let out = dir.join("f.png");
        let _ = std::fs::remove_file(&out);
        let o = bin()
            .args([
                "heatmap",
                seed.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--annot",
            ])
            .arg(format!("--fmt={spec}"))
            .output()
            .unwrap();
        if ok {
            assert!(o.status.success(), "{spec}: {}", stderr(&o));
        } else {
            assert_eq!(o.status.code(), Some(2), "{spec}");
            assert!(stderr(&o).contains("fmt (--fmt)"), "{}", stderr(&o));
            assert!(!out.exists());
        }
    }
}

#[test]
fn what_a_new_user_trips_on_is_caught_or_understood() {
    let dir = scratch("newuser");
    let seed = samples().join("seed.csv");
    let code_err = |args: &[&str]| {
        let o = bin().args(args).output().unwrap();
        (o.status.code(), stderr(&o))
    };
    // A figure naming a dataset the config does not have: exit 2 before work.
    let cfg = dir.join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            "[output]\ndir = \"out\"\n[[dataset]]\npath = \"{}\"\n[[figure]]\nname = \"h\"\nkind = \"heatmap\"\ndatasets = [\"c\"]\n",
            seed.display()
        ),
    )
    .unwrap();
    let (c, e) = code_err(&["run", cfg.to_str().unwrap(), "--quiet"]);
    assert_eq!(c, Some(2), "{e}");
    assert!(
        e.contains("names dataset 'c'") && e.contains("datasets: seed"),
        "{e}"
    );
    // A dataset file that does not exist: exit 2, a config error, no job run.
    std::fs::write(
        &cfg,
        "[output]\ndir = \"out\"\n[[dataset]]\nname = \"a\"\npath = \"nope.csv\"\n[[figure]]\nname = \"h\"\nkind = \"heatmap\"\n",
    )
    .unwrap();
    let (c, e) = code_err(&["run", cfg.to_str().unwrap(), "--quiet"]);
    assert_eq!(c, Some(2), "{e}");
    assert!(
        e.contains("nope.csv") && e.contains("does not exist"),
        "{e}"
    );
    assert!(!dir.join("out/manifest.json").exists());
    // --snake_case flags work, and a typo gets the right suggestion.
    let out = dir.join("x.png");
    let (c, e) = code_err(&[
        "heatmap",
        seed.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--z_score",
        "rows",
    ]);
    assert_eq!(c, Some(0), "{e}");
    let (c, e) = code_err(&[
        "heatmap",
        seed.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--zscore",
        "rows",
    ]);
    assert_eq!(c, Some(2));
    assert!(e.contains("'--z-score'"), "{e}");
    // linkage writes .npy only.
    let (c, e) = code_err(&[
        "linkage",
        seed.to_str().unwrap(),
        "-o",
        dir.join("z.csv").to_str().unwrap(),
    ]);
    assert_eq!(c, Some(2), "{e}");
    assert!(e.contains("Z.npy"), "{e}");
    // An unknown key in [defaults] is reported there, at its line.
    std::fs::write(
        &cfg,
        format!(
            "[defaults]\ncmapp = \"x\"\n[[dataset]]\npath = \"{}\"\n[[figure]]\nname = \"h\"\nkind = \"heatmap\"\n",
            seed.display()
        ),
    )
    .unwrap();
    let (c, e) = code_err(&["run", cfg.to_str().unwrap()]);
    assert_eq!(c, Some(2), "{e}");
    assert!(e.contains("line 2, key 'cmapp': in [defaults]"), "{e}");
    // Range errors name the option and the value.
    let (c, e) = code_err(&[
        "clustermap",
        seed.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--dendrogram-ratio",
        "0.7",
    ]);
    assert_eq!(c, Some(2));
    assert!(
        e.contains("dendrogram_ratio (--dendrogram-ratio)") && e.contains("0.7"),
        "{e}"
    );
}

#[test]
fn configs_sharing_an_output_directory_keep_each_others_jobs() {
    // Two configs, one output directory: running the second keeps the
    // first's jobs in the manifest, so a rerun of the first skips them.
    let dir = scratch("shared-out");
    let seed = samples().join("seed.csv");
    for (name, fig) in [("one", "h1"), ("two", "h2")] {
        std::fs::write(
            dir.join(format!("{name}.toml")),
            format!(
                "[output]\ndir = \"out\"\n[[dataset]]\nname = \"d\"\npath = \"{}\"\n[[figure]]\nname = \"{fig}\"\nkind = \"heatmap\"\n",
                seed.display()
            ),
        )
        .unwrap();
    }
    let run = |name: &str| {
        let o = bin()
            .args(["run", dir.join(format!("{name}.toml")).to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        stderr(&o)
    };
    run("one");
    run("two");
    let again = run("one");
    assert!(again.contains("0 done, 1 up to date"), "{again}");
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/manifest.json")).unwrap())
            .unwrap();
    assert!(
        m["jobs"]["d/h1"].is_object() && m["jobs"]["d/h2"].is_object(),
        "{m}"
    );
}

#[test]
fn linkage_numbers_and_unused_defaults_are_checked_too() {
    let dir = scratch("linkage-numbers");
    let seed = samples().join("seed.csv");
    let z = dir.join("z.npy");
    let c = dir.join("c.tsv");
    for args in [
        &["--cut", "0"][..],
        &["--cut-height", "nan"],
        &["--cut-height", "1e400"],
    ] {
        let o = bin()
            .args([
                "linkage",
                seed.to_str().unwrap(),
                "-o",
                z.to_str().unwrap(),
                "--clusters",
                c.to_str().unwrap(),
            ])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
    // A bad value in [defaults] is refused even when no figure of its kind
    // is in the config.
    let cfg = dir.join("d.toml");
    std::fs::write(
        &cfg,
        format!(
            "[defaults]\nmethod = \"wardd\"\n[[dataset]]\npath = \"{}\"\n[[figure]]\nname = \"h\"\nkind = \"heatmap\"\n",
            seed.display()
        ),
    )
    .unwrap();
    let o = bin().args(["run", cfg.to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("line 2, key 'method'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn every_config_error_names_file_line_and_key_in_toml_and_json() {
    let dir = scratch("config_lines");
    let seed = samples().join("seed.csv");
    let seed = seed.to_str().unwrap();
    let ds = format!("[[dataset]]\nname = \"d\"\npath = \"{seed}\"\n");
    let fig = "[[figure]]\nname = \"f\"\nkind = \"heatmap\"\n";
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "range.toml",
            format!("{ds}\n{fig}vmin = 5\nvmax = 1\n"),
            "line 9, key 'vmax'",
            "vmin (5) is above vmax (1)",
        ),
        (
            "dpi.toml",
            format!("{ds}\n{fig}dpi = 100000\n"),
            "line 8, key 'dpi'",
            "dpi must be between 10 and 1200",
        ),
        (
            "big.toml",
            format!("{ds}\n{fig}vmax = 1e400\n"),
            "line 8, key 'vmax'",
            "too large",
        ),
        (
            "defaults.toml",
            format!("[defaults]\nvmin = 3\nvmax = 2\n\n{ds}{fig}"),
            "line 3, key 'vmax'",
            "in [defaults]",
        ),
        (
            "dupdata.toml",
            format!("{ds}\n[[dataset]]\nname = \"d\"\npath = \"{seed}\"\n{fig}"),
            "line 6, key 'name'",
            "two datasets are named 'd'",
        ),
        (
            "unsafe.toml",
            format!("[[dataset]]\n\nname = \"../d\"\npath = \"{seed}\"\n{fig}"),
            "line 3, key 'name'",
            "not a safe file name",
        ),
        (
            "nopath.toml",
            format!("{ds}\n# the second\n[[dataset]]\nname = \"e\"\n{fig}"),
            "line 6, key 'path'",
            "missing key `path`",
        ),
        (
            "nofile.toml",
            format!("{ds}[[dataset]]\nname = \"e\"\n\npath = \"nope.csv\"\n{fig}"),
            "line 7, key 'path'",
            "does not exist",
        ),
        (
            "nostrip.toml",
            format!("{ds}col_colors = [\"nope.tsv:batch\"]\n{fig}"),
            "line 4, key 'col_colors'",
            "does not exist",
        ),
        (
            "nomarks.toml",
            format!("{ds}{fig}\nmark_rows = [\"file:markers-missing.txt\"]\n"),
            "line 8, key 'mark_rows'",
            "does not exist",
        ),
        (
            "typo.toml",
            format!("{ds}{fig}methd = \"ward\"\n"),
            "line 7, key 'methd'",
            "did you mean 'method'?",
        ),
        (
            "dpi.json",
            format!(
                "{{\"dataset\": [{{\"name\": \"d\", \"path\": \"{seed}\"}}],\n\"figure\": [{{\"name\": \"f\",\n \"kind\": \"heatmap\",\n \"dpi\": 0}}]}}\n"
            ),
            "line 4, key 'dpi'",
            "dpi must be between 10 and 1200",
        ),
        (
            "big.json",
            format!(
                "{{\"dataset\": [{{\"name\": \"d\", \"path\": \"{seed}\"}}],\n\"figure\": [{{\"name\": \"f\", \"kind\": \"heatmap\",\n\n \"vmax\": 1e400}}]}}\n"
            ),
            "line 4, key 'vmax'",
            "too large",
        ),
        (
            "dupdata.json",
            format!(
                "{{\"dataset\": [{{\"name\": \"d\", \"path\": \"{seed}\"}},\n {{\"path\": \"{seed}\",\n  \"name\": \"d\"}}],\n\"figure\": [{{\"name\": \"f\", \"kind\": \"heatmap\"}}]}}\n"
            ),
            "line 3, key 'name'",
            "two datasets are named 'd'",
        ),
        (
            "nopath.json",
            format!(
                "{{\"dataset\": [{{\"name\": \"d\", \"path\": \"{seed}\"}},\n\n {{\"name\": \"e\"}}],\n\"figure\": [{{\"name\": \"f\", \"kind\": \"heatmap\"}}]}}\n"
            ),
            "line 3, key 'path'",
            "missing key `path`",
        ),
        (
            "figsize.json",
            format!(
                "{{\"dataset\": [{{\"name\": \"d\", \"path\": \"{seed}\"}}],\n\"figure\": [{{\"name\": \"f\", \"kind\": \"heatmap\",\n\n\n \"figsize\": \"10,8\"}}]}}\n"
            ),
            "line 5, key 'figsize'",
            "two finite numbers",
        ),
    ];
    for (name, text, at, words) in cases {
        let cfg = dir.join(name);
        std::fs::write(&cfg, text).unwrap();
        let o = bin()
            .args(["run", cfg.to_str().unwrap(), "--dry-run"])
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(name), "{name}: {err}");
        assert!(err.contains(at) && err.contains(words), "{name}: {err}");
        // A config user reads keys, not flags or serde's words.
        for jargon in [
            "(--",
            "tuple",
            "variant",
            "f64",
            "invalid type",
            " at line ",
        ] {
            assert!(!err.contains(jargon), "{name}: {jargon}: {err}");
        }
    }
}

#[test]
fn label_angles_must_be_finite_and_are_refused_in_the_users_words() {
    let table = |s: &str| -> toml::Table { toml::from_str(s).unwrap() };
    let opts = |s: &str| {
        heatmill::options::FigureOptions::from_table(Kind::Heatmap, &toml::Table::new(), &table(s))
    };
    let o = opts("xticklabels_rotation = 405\nyticklabels_rotation = -30").unwrap();
    assert_eq!(
        (o.xticklabels_rotation, o.yticklabels_rotation),
        (Some(405.0), Some(-30.0))
    );
    for (config, key) in [
        (
            "xticklabels_rotation = nan",
            "xticklabels_rotation (--xticklabels-rotation)",
        ),
        (
            "yticklabels_rotation = inf",
            "yticklabels_rotation (--yticklabels-rotation)",
        ),
    ] {
        let e = format!("{:?}", opts(config).unwrap_err());
        assert!(e.contains(key) && e.contains("finite number"), "{e}");
    }
    let e = format!(
        "{:?}",
        opts("yticklabels_rotation = 30\nmark_rows = [\"Gene_3\"]").unwrap_err()
    );
    assert!(
        e.contains("mark_rows (--mark-rows)") && e.contains("give one of the two"),
        "{e}"
    );
    // The command line: a flag that is not a number is refused, exit 2.
    let dir = scratch("angle");
    let o = bin()
        .args([
            "heatmap",
            crate::util::samples().join("seed.csv").to_str().unwrap(),
        ])
        .args([
            "-o",
            dir.join("f.png").to_str().unwrap(),
            "--xticklabels-rotation",
            "steep",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--xticklabels-rotation expects a finite number"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.join("f.png").exists());
}
