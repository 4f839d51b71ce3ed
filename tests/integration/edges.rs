//! Trust at the edges (issue #13): labels kept verbatim, what the file
//! says about itself (pandas' index, Cell Ranger 2 genomes), missing
//! annotation values, parser errors in the user's words. Fixtures from
//! `scripts/make_edge_samples.py` in `tests/fixtures/edges/`; small text
//! files are written here.

use std::path::{Path, PathBuf};

use heatmill::io::{self, annotations, ReadOptions, Selection};

use crate::util::{fixtures, run, samples, scratch, stderr};

fn edges() -> PathBuf {
    fixtures().join("edges")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn read(p: &Path) -> heatmill::matrix::Matrix {
    io::read_matrix(p, &ReadOptions::default()).unwrap()
}

fn err(p: &Path) -> String {
    io::read_matrix(p, &ReadOptions::default())
        .unwrap_err()
        .to_string()
}

// --- 7. labels kept verbatim -------------------------------------------

#[test]
fn repeated_column_names_are_kept_verbatim_in_csv_and_tsv() {
    let dir = scratch("edges_dup_cols");
    let csv = write(&dir, "d.csv", "gene,S0,S0,S1\ng1,1,2,3\ng2,4,5,6\n");
    let tsv = write(&dir, "d.tsv", "gene\tS0\tS1\tS1\ng1\t1\t2\t3\n");
    assert_eq!(read(&csv).col_labels(), ["S0", "S0", "S1"]);
    assert_eq!(read(&tsv).col_labels(), ["S0", "S1", "S1"]);
    // Quoted names are unquoted, and still kept twice.
    let q = write(&dir, "q.csv", "gene,\"S,0\",\"S,0\"\ng1,1,2\n");
    assert_eq!(read(&q).col_labels(), ["S,0", "S,0"]);
    // index_col matches the verbatim name.
    let o = ReadOptions {
        index_col: Some("gene".into()),
        ..Default::default()
    };
    assert_eq!(
        io::read_matrix(&csv, &o).unwrap().row_labels(),
        ["g1", "g2"]
    );
}

#[test]
fn annotation_giving_a_label_two_values_is_refused() {
    let dir = scratch("edges_ann_conflict");
    let t = write(
        &dir,
        "groups.tsv",
        "sample\tgroup\nS0\tTumor\nS1\tTumor\n\nS1\tNormal\n",
    );
    let e = annotations::read(&t, Some("group"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("groups.tsv"), "{e}");
    assert!(e.contains("'S1'") && e.contains("'Tumor' (line 3)"), "{e}");
    assert!(e.contains("'Normal' (line 5)"), "{e}");
    // The same value twice is no conflict.
    let ok = write(&dir, "same.tsv", "sample\tgroup\nS1\tTumor\nS1\tTumor\n");
    let a = annotations::read(&ok, None).unwrap();
    assert_eq!(a.values["S1"].as_deref(), Some("Tumor"));
    assert_eq!(a.categories, ["Tumor"]);
    // A value and a missing value are two values.
    let m = write(&dir, "miss.csv", "sample,group\nS1,Tumor\nS1,\n");
    let e = annotations::read(&m, None).unwrap_err().to_string();
    assert!(e.contains("a missing value (line 3)"), "{e}");
}

#[test]
fn h5ad_obs_label_with_two_values_is_refused() {
    let p = edges().join("obs_conflict.h5ad");
    let e = annotations::read(&p, Some("obs/cell_type"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("obs_conflict.h5ad"), "{e}");
    assert!(
        e.contains("'c1'") && e.contains("'T'") && e.contains("'B'"),
        "{e}"
    );
    assert!(e.contains("obs index entry 2"), "{e}");
}

// --- 8. what the file says about its index and genomes -----------------

#[test]
fn pandas_index_is_read_from_parquet_and_feather_metadata() {
    for (stem, rows) in [
        ("pandas_int_index", ["10", "20", "30"]),
        ("pandas_named_index", ["7", "8", "9"]),
        ("pandas_range_index", ["5", "7", "9"]),
    ] {
        for ext in ["parquet", "feather"] {
            let p = edges().join(format!("{stem}.{ext}"));
            let m = read(&p);
            assert_eq!(m.row_labels(), rows, "{stem}.{ext}");
            assert_eq!(m.col_labels(), ["S0", "S1"], "{stem}.{ext}");
            assert_eq!(m.row(2), [4.0, 9.0], "{stem}.{ext}");
            // The streamed top-N path labels rows the same way.
            let sel = Selection {
                transform: None,
                top: 2,
            };
            let (top, _) = io::read_selected(&p, &ReadOptions::default(), Some(&sel)).unwrap();
            assert_eq!(top.row_labels(), [rows[1], rows[2]], "{stem}.{ext} top-N");
        }
    }
}

#[test]
fn pandas_frames_are_labelled_as_seaborn_labels_them() {
    // MultiIndex rows and columns joined with '-', a DatetimeIndex as
    // numpy prints it: what sns.heatmap drew for each frame (recorded by
    // scripts/make_edge_samples.py), from Parquet and Feather, whole and
    // streamed.
    let want: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(edges().join("seaborn_labels.json")).unwrap(),
    )
    .unwrap();
    let texts = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    let mut checked = 0;
    for (stem, labels) in want.as_object().unwrap() {
        let (rows, cols) = (texts(&labels["rows"]), texts(&labels["cols"]));
        for ext in ["parquet", "feather"] {
            let p = edges().join(format!("{stem}.{ext}"));
            if stem == "pandas_dt_index" && ext == "parquet" {
                // polars here cannot decode Parquet timestamps: refused
                // with what to do, never read as something else.
                let e = err(&p);
                assert!(
                    e.contains("dates or times") && e.contains("astype(str)"),
                    "{e}"
                );
                continue;
            }
            let m = read(&p);
            assert_eq!(m.row_labels(), rows, "{stem}.{ext}");
            assert_eq!(m.col_labels(), cols, "{stem}.{ext}");
            let sel = Selection {
                transform: None,
                top: 2,
            };
            let (top, _) = io::read_selected(&p, &ReadOptions::default(), Some(&sel)).unwrap();
            assert_eq!(top.col_labels(), cols, "{stem}.{ext} top-N");
            for r in top.row_labels() {
                assert!(rows.contains(r), "{stem}.{ext} top-N: {r}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 11);
    assert!(want["pandas_multi_index"]["rows"][0] == "g1-1");
}

#[test]
fn parquet_files_pandas_cannot_read_are_refused_in_words() {
    let e = err(&edges().join("dup_columns.parquet"));
    assert!(e.contains("two columns are named 'S0'"), "{e}");
    let e = err(&edges().join("truncated.parquet"));
    assert!(e.contains("truncated"), "{e}");
    assert!(!e.contains("out of specification"), "{e}");
}

#[test]
fn cell_ranger2_with_two_genomes_needs_a_choice() {
    let p = edges().join("cr2_two_genomes.h5");
    let e = err(&p);
    assert!(e.contains("hg19") && e.contains("mm10"), "{e}");
    assert!(
        e.contains("--dataset hg19") && e.contains("dataset = \"hg19\""),
        "{e}"
    );
    for (genome, genes) in [
        ("mm10", vec!["Cd3e", "Ms4a1"]),
        ("hg19", vec!["CD3E", "MS4A1", "LYZ"]),
    ] {
        let o = ReadOptions {
            dataset: Some(genome.into()),
            ..Default::default()
        };
        let m = io::read_matrix(&p, &o).unwrap();
        assert_eq!(m.col_labels(), genes);
        assert_eq!(m.row_labels()[0], format!("{genome}_BC0"));
    }
    // The CLI refuses with exit code 2 and reads the chosen genome.
    let o = run(&["inspect", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = run(&["inspect", p.to_str().unwrap(), "--dataset", "mm10"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

// --- 9. missing annotation values ---------------------------------------

#[test]
fn missing_annotation_values_are_missing_in_tsv_and_h5ad() {
    let dir = scratch("edges_missing");
    let t = write(
        &dir,
        "g.tsv",
        "sample\tgroup\nS0\tTumor\nS1\t\nS2\tNA\nS3\tNormal\n",
    );
    let a = annotations::read(&t, None).unwrap();
    assert_eq!(a.values["S1"], None);
    assert_eq!(a.values["S2"], None);
    // Natural order (a TSV has no category order of its own).
    assert_eq!(a.categories, ["Normal", "Tumor"]);
    let h = edges().join("obs_missing.h5ad");
    let a = annotations::read(&h, Some("obs/cell_type")).unwrap();
    assert_eq!(a.values["c2"], None);
    assert_eq!(a.values["c1"].as_deref(), Some("T"));
    assert_eq!(a.categories, ["B", "T"]);
    // scanpy's uns/cell_type_colors come along, one per category.
    assert_eq!(
        a.colors,
        Some(vec!["#1f77b4".to_string(), "#ff7f0e".to_string()])
    );
    let a = annotations::read(&h, Some("obs/depth")).unwrap();
    assert_eq!(a.values["c2"], None);
    assert!(!a.categories.iter().any(|c| c == "NaN" || c == "nan"));
}

#[test]
fn missing_annotation_values_draw_no_palette_colour() {
    use heatmill::figure::strips::{MISSING, MISSING_LABEL};
    use heatmill::pipeline::side_colors::{from_annotation, StripPalette};
    // The same column from an h5ad (code -1) and a TSV (empty cell), in
    // the same category order: the same strip, the same figure.
    let dir = scratch("edges_missing_fig");
    let h5ad = edges().join("obs_missing.h5ad");
    let tsv = write(
        &dir,
        "ct.tsv",
        "cell\tcell_type\nc3\tB\nc1\tT\nc2\t\nc4\tT\n",
    );
    let labels: Vec<String> = ["c1", "c2", "c3", "c4"].map(String::from).to_vec();
    let pal = Default::default();
    let a = annotations::read(&h5ad, Some("obs/cell_type")).unwrap();
    let b = annotations::read(&tsv, Some("cell_type")).unwrap();
    let (sa, sb) = (
        from_annotation(&a, &labels, &pal, &mut StripPalette::for_count(2).unwrap()).unwrap(),
        from_annotation(&b, &labels, &pal, &mut StripPalette::for_count(2).unwrap()).unwrap(),
    );
    for s in [&sa, &sb] {
        assert_eq!(s.colors[1], MISSING);
        assert_eq!(s.legend.len(), 3, "{:?}", s.legend);
        assert_eq!(s.legend[2], (MISSING_LABEL.to_string(), MISSING));
        // B and T keep the first two palette colours.
        assert_eq!(s.colors[0], s.colors[3]);
        assert_ne!(s.colors[0], s.colors[2]);
    }
    assert_eq!(sa.colors, sb.colors);
    let fig = |colors: &str, name: &str| {
        let out = dir.join(name);
        let o = run(&[
            "clustermap",
            h5ad.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--row-colors",
            colors,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read(out).unwrap()
    };
    let from_h5ad = fig(&format!("{}:obs/cell_type", h5ad.display()), "a.png");
    let from_tsv = fig(&format!("{}:cell_type", tsv.display()), "b.png");
    assert!(from_h5ad == from_tsv, "the two sources draw differently");
}

// --- 11. parser errors in the user's words ------------------------------

#[test]
fn parser_errors_name_the_file_line_and_cause() {
    let dir = scratch("edges_parse");
    for (name, text, want) in [
        (
            "trail.csv",
            "gene,S0,S1\ng1,1,2,\ng2,3,4,\n",
            "line 2 ends in ','",
        ),
        (
            "comment.csv",
            "# exported by tool\ngene,S0,S1\ng1,1,2\n",
            "line 1 starts with '#'",
        ),
        (
            "short.tsv",
            "S0\tS1\ng1\t1\t2\ng2\t3\t4\n",
            "no name for the label column",
        ),
        (
            "ragged.csv",
            "gene,S0,S1\ng1,1,2\ng2,3,4,5\n",
            "line 3 has 4 fields",
        ),
        // A comment line mid-file: pandas and polars read it as a row of
        // missing values named '# batch 2'; refuse it by its line.
        (
            "midcomment.tsv",
            "gene\tS0\tS1\ng1\t1\t2\n# batch 2\ng2\t3\t4\n",
            "line 3 starts with '#'",
        ),
        // A text cell is named by the line an editor shows (the blank
        // line counted).
        (
            "text.csv",
            "gene,S0,S1\ng1,1,2\n\ng2,five,3\n",
            "'five' is not a number (line 4)",
        ),
        (
            "unclosed.csv",
            "gene,S0,S1\ng1,1,2\n\"g2,3,4\ng3,5,6\n",
            "opened on line 3 is never closed",
        ),
    ] {
        let p = write(&dir, name, text);
        let o = run(&["inspect", p.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{name}");
        let e = stderr(&o);
        assert!(e.contains(name), "{e}");
        assert!(e.contains(want), "{name}: {e}");
        assert!(!e.contains("Schema"), "{name}: polars' words leaked: {e}");
    }
}

// --- 13. hints where the user is one step away --------------------------

#[test]
fn strip_on_the_wrong_axis_counts_shows_a_few_and_suggests_transpose() {
    let dir = scratch("edges_wrong_axis");
    let h5ad = crate::util::samples().join("formats/counts_csr.h5ad");
    let out = dir.join("cm.png");
    let spec = format!("{}:obs/group", h5ad.display());
    // cells x genes as stored: obs/group labels the rows, not the columns.
    let o = run(&[
        "clustermap",
        h5ad.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--col-colors",
        &spec,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("40 of 40 column labels not in"), "{e}");
    assert!(e.contains("Gene_5, …") && !e.contains("Gene_6"), "{e}");
    assert!(e.contains("16 of the 16 row labels are in it"), "{e}");
    assert!(e.contains("transpose (--transpose)"), "{e}");
    // With --transpose the strip matches: no warning.
    let o = run(&[
        "clustermap",
        h5ad.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--transpose",
        "--col-colors",
        &spec,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("not in"), "{}", stderr(&o));
}

#[test]
fn missing_obs_or_var_column_lists_the_columns() {
    let h5ad = crate::util::samples().join("formats/counts_csr.h5ad");
    let e = annotations::read(&h5ad, Some("obs/cell_type"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no column 'cell_type' in obs (obs columns: batch, group, depth)"),
        "{e}"
    );
    let e = annotations::read(&h5ad, Some("cell_type"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("var columns: chrom, highly_variable"), "{e}");
    let e = annotations::read(&h5ad, None).unwrap_err().to_string();
    assert!(e.contains("obs columns: batch, group, depth"), "{e}");
}

#[test]
fn truncated_hdf5_says_truncated() {
    let dir = scratch("edges_truncated");
    for name in ["counts.h5", "counts_csr.h5ad", "counts_10x.h5"] {
        let bytes = std::fs::read(crate::util::samples().join("formats").join(name)).unwrap();
        for keep in [bytes.len() / 2, bytes.len() - 1] {
            let p = write_bytes(&dir, name, &bytes[..keep]);
            let o = run(&["inspect", p.to_str().unwrap()]);
            assert_eq!(o.status.code(), Some(2), "{name}");
            let e = stderr(&o);
            assert!(
                e.contains(&format!(
                    "truncated file: it has {keep} bytes but its header says {}",
                    bytes.len()
                )),
                "{name}: {e}"
            );
        }
    }
    // Annotations from a truncated .h5ad say so too.
    let p = dir.join("counts_csr.h5ad");
    let e = annotations::read(&p, Some("obs/group"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("truncated file"), "{e}");
}

fn write_bytes(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn inspect_lists_what_can_name_rows_or_colour_strips() {
    // AnnData: the obs and var columns usable as strips; a plain HDF5 file:
    // the 1-D datasets usable as --row-names / --col-names.
    let f = crate::util::samples().join("formats");
    let o = crate::util::bin()
        .arg("inspect")
        .arg(f.join("counts_csr.h5ad"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", crate::util::stderr(&o));
    assert!(
        text.contains("obs columns: ") && text.contains("group") && text.contains("batch"),
        "{text}"
    );
    assert!(
        text.contains("var columns: ") && text.contains("chrom"),
        "{text}"
    );
    let o = crate::util::bin()
        .arg("inspect")
        .arg(f.join("counts.h5"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", crate::util::stderr(&o));
    assert!(
        text.contains("1-D datasets (for --row-names / --col-names): "),
        "{text}"
    );
    assert!(
        !text.contains("1-D datasets (for --row-names / --col-names): none"),
        "{text}"
    );
}

#[test]
fn lines_ending_in_the_delimiter_are_named_as_such() {
    let dir = scratch("trailing-delimiter");
    for (name, text, want) in [
        (
            "t.csv",
            "gene,a,b,\ng1,1,2,\ng2,3,4,\n",
            "every line ends in ','",
        ),
        (
            "t.tsv",
            "gene\ta\tb\t\ng1\t1\t2\t\ng2\t3\t4\t\n",
            "every line ends in '\\t'",
        ),
    ] {
        let input = dir.join(name);
        std::fs::write(&input, text).unwrap();
        let o = crate::util::bin()
            .arg("corr")
            .arg(&input)
            .arg("-o")
            .arg(dir.join("r.npy"))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2));
        let e = stderr(&o);
        assert!(e.contains(want) && e.contains(name), "{e}");
    }
}

#[test]
fn blank_lines_are_skipped_and_fmt_d_takes_whole_numbers_only() {
    let dir = scratch("blank-d");
    let input = dir.join("m.csv");
    std::fs::write(&input, "gene,a,b\ng1,1,2\n\ng2,3,4\n\n").unwrap();
    let o = crate::util::bin()
        .arg("inspect")
        .arg(&input)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("2 rows x 2 columns") && text.contains("missing cells: 0"),
        "{text}"
    );
    // Python refuses 'd' for floats: a fraction is refused naming its cell;
    // whole numbers print as integers.
    std::fs::write(&input, "gene,a,b\ng1,2.7,1\ng2,3,4\n").unwrap();
    let run = |args: &[&str]| {
        crate::util::bin()
            .args([
                "heatmap",
                input.to_str().unwrap(),
                "-o",
                dir.join("h.png").to_str().unwrap(),
            ])
            .args(args)
            .output()
            .unwrap()
    };
    let o = run(&["--annot", "--fmt", "d"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("row 'g1', column 'a' holds 2.7"),
        "{}",
        stderr(&o)
    );
    std::fs::write(&input, "gene,a,b\ng1,2,1\ng2,3,4\n").unwrap();
    assert!(run(&["--annot", "--fmt", "d"]).status.success());
}

#[test]
fn a_missing_hdf5_dataset_lists_what_the_file_holds() {
    let f = crate::util::samples().join("formats").join("counts.h5");
    for (args, want) in [
        (
            &["--dataset", "exprs"][..],
            "2-D numeric datasets in this file: expression",
        ),
        (&["--row-names", "gens"], "genes (40), samples (16)"),
    ] {
        let o = crate::util::bin()
            .arg("inspect")
            .arg(&f)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains(want), "{}", stderr(&o));
    }
}

#[test]
fn a_header_longer_than_the_lines_says_so() {
    let dir = scratch("long-header");
    let input = dir.join("m.csv");
    std::fs::write(&input, "gene,a,b,c,d\ng1,1,2,3\ng2,4,5,7\n").unwrap();
    let o = crate::util::bin()
        .args([
            "corr",
            input.to_str().unwrap(),
            "-o",
            dir.join("r.npy").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("column 'd' is empty on every line")
            && e.contains("more columns than the lines have fields"),
        "{e}"
    );
}

#[test]
fn an_annot_table_that_is_not_the_matrixs_is_refused_or_warned_about() {
    let dir = scratch("annot-table");
    let seed = samples().join("seed.csv");
    // genes.tsv's one column is not a sample: nothing would be written.
    let o = run(&[
        "heatmap",
        seed.to_str().unwrap(),
        "-o",
        dir.join("none.png").to_str().unwrap(),
        &format!("--annot=file:{}", samples().join("genes.tsv").display()),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("none of its column labels") && e.contains("'module'"),
        "{e}"
    );
    assert!(!dir.join("none.png").exists());
    // One unknown gene among known ones: drawn, and said.
    let table = dir.join("calls.tsv");
    let mut text = std::fs::read_to_string(samples().join("calls.tsv")).unwrap();
    text.push_str("Gene_999\tMUT\t\t\t\t\t\t\t\t\t\t\t\n");
    std::fs::write(&table, text).unwrap();
    let o = run(&[
        "heatmap",
        seed.to_str().unwrap(),
        "-o",
        dir.join("some.png").to_str().unwrap(),
        &format!("--annot=file:{}", table.display()),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("1 of its 6 rows are not in the matrix")
            && stderr(&o).contains("'Gene_999'"),
        "{}",
        stderr(&o)
    );
}
