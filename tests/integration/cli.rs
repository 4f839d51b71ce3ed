//! The `heatmill` binary end to end: outputs scipy would give, and clean
//! failures (exit code, one line naming file and cell, no output file).

use heatmill::io::npy;

use crate::util::{self, bin, root, run, samples, scratch, stderr};

#[test]
fn linkage_of_seed_equals_scipy_ward() {
    let dir = scratch("ward");
    let z = dir.join("Z.npy");
    let order = dir.join("order.tsv");
    let o = run(&[
        "linkage",
        samples().join("seed.parquet").to_str().unwrap(),
        "-o",
        z.to_str().unwrap(),
        "--method",
        "ward",
        "--order",
        order.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let got = npy::read(&z).unwrap();
    let want = util::load("linkage/Z_seed_30x12_ward_euclidean.npy");
    assert_eq!(got.shape, vec![29, 4]);
    for (a, b) in got.data.iter().zip(&want.data) {
        assert!(util::close(*a, *b, 1e-12, 1e-12));
    }
    let leaves = util::load("leaves_list/L_seed_30x12_ward_euclidean.npy").data;
    let text = std::fs::read_to_string(&order).unwrap();
    let first: Vec<usize> = text
        .lines()
        .skip(1)
        .map(|l| l.split('\t').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        first,
        leaves.iter().map(|&v| v as usize).collect::<Vec<_>>()
    );
    assert!(text.starts_with("index\tlabel\n1\tGene_2\n"), "{text}");
}

#[test]
fn every_input_format_gives_identical_bytes() {
    let dir = scratch("formats");
    let mut outputs = Vec::new();
    for f in [
        "seed.csv",
        "seed.tsv",
        "seed.parquet",
        "seed_pandas_index.parquet",
    ] {
        for (cmd, extra) in [("corr", vec![]), ("linkage", vec!["--method", "average"])] {
            let out = dir.join(format!("{f}.{cmd}.npy"));
            let mut args = vec![cmd, "-o", out.to_str().unwrap()];
            let input = samples().join(f);
            args.insert(1, input.to_str().unwrap());
            args.extend(extra);
            let o = run(&args);
            assert!(o.status.success(), "{f} {cmd}: {}", stderr(&o));
            outputs.push((format!("{f} {cmd}"), std::fs::read(&out).unwrap()));
        }
    }
    for pair in outputs.chunks(2).skip(1) {
        assert_eq!(
            pair[0].1, outputs[0].1,
            "{} differs from csv corr",
            pair[0].0
        );
        assert_eq!(
            pair[1].1, outputs[1].1,
            "{} differs from csv linkage",
            pair[1].0
        );
    }
}

#[test]
fn corr_of_columns_with_spearman() {
    let dir = scratch("spearman");
    let out = dir.join("R.npy");
    let input = samples().join("seed.csv");
    let o = run(&[
        "corr",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--method",
        "spearman",
        "--axis",
        "cols",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = npy::read(&out).unwrap();
    assert_eq!(r.shape, vec![12, 12]);
    assert_eq!(r.data[0], 1.0);
}

#[test]
fn csv_with_bom_crlf_quotes_and_missing_tokens_reads() {
    let dir = scratch("bom");
    let p = dir.join("m.csv");
    std::fs::write(
        &p,
        b"\xef\xbb\xbf\"gene\",s1,s2\r\n\"A, one\",1.5,NA\r\nB,2,\r\nC,NaN,4\r\n",
    )
    .unwrap();
    let m = heatmill::io::read_matrix(&p, &Default::default()).unwrap();
    assert_eq!(
        m.row_labels(),
        &["A, one".to_string(), "B".into(), "C".into()]
    );
    assert_eq!(m.col_labels(), &["s1".to_string(), "s2".into()]);
    assert_eq!(m.get(0, 0), 1.5);
    assert!(m.get(0, 1).is_nan() && m.get(1, 1).is_nan() && m.get(2, 0).is_nan());
    // Pairwise correlation accepts the gaps; the default refuses them.
    let out = dir.join("R.npy");
    let o = run(&[
        "corr",
        p.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--axis",
        "cols",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());
    let o = run(&[
        "corr",
        p.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--missing",
        "pairwise",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Each bad input: exit code 2, one line naming the file (and the cell when
/// there is one), no panic, no output file.
#[test]
fn bad_inputs_fail_cleanly() {
    let dir = scratch("bad");
    let parquet = std::fs::read(samples().join("seed.parquet")).unwrap();
    let cases: Vec<(&str, Vec<u8>, Vec<&str>)> = vec![
        ("empty.csv", vec![], vec!["empty"]),
        ("header.csv", b"gene,a,b\n".to_vec(), vec!["no data rows"]),
        (
            "text.csv",
            b"gene,a,b\nx,1,2\ny,3,oops\n".to_vec(),
            vec!["row 'y'", "column 'b'", "'oops'"],
        ),
        (
            "inf.tsv",
            b"gene\ta\tb\nx\t1\t2\ny\t-inf\t3\n".to_vec(),
            vec!["row 'y'", "column 'a'", "infinite"],
        ),
        (
            "nan.csv",
            b"gene,a,b\nx,1,2\ny,3,NA\n".to_vec(),
            vec!["row 'y'", "column 'b'", "missing"],
        ),
        (
            "trunc.parquet",
            parquet[..parquet.len() / 2].to_vec(),
            vec!["parquet"],
        ),
        ("noext.dat", b"gene,a\nx,1\n".to_vec(), vec!["format"]),
    ];
    for (name, bytes, needles) in cases {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        for cmd in ["corr", "linkage"] {
            let out = dir.join(format!("{name}.{cmd}.npy"));
            let o = run(&[cmd, p.to_str().unwrap(), "-o", out.to_str().unwrap()]);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{name} {cmd}: {err}");
            assert_eq!(err.trim_end().lines().count(), 1, "{name}: one line: {err}");
            assert!(err.contains(name), "{name}: names the file: {err}");
            for n in &needles {
                assert!(err.contains(n), "{name} {cmd}: expected '{n}' in: {err}");
            }
            assert!(!err.contains("panicked"), "{err}");
            assert!(!out.exists(), "{name}: output left behind");
        }
    }
}

#[test]
fn cut_and_newick_exports() {
    let dir = scratch("cut");
    let input = samples().join("seed.tsv");
    let (z, cl, nw) = (dir.join("Z.npy"), dir.join("c.tsv"), dir.join("t.nwk"));
    let o = run(&[
        "linkage",
        input.to_str().unwrap(),
        "-o",
        z.to_str().unwrap(),
        "--method",
        "average",
        "--cut",
        "3",
        "--clusters",
        cl.to_str().unwrap(),
        "--newick",
        nw.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let want = util::load("fcluster/F_seed_30x12_average_maxclust3.npy").data;
    let got: Vec<f64> = std::fs::read_to_string(&cl)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split('\t').nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(got, want);
    let newick = std::fs::read_to_string(&nw).unwrap();
    assert!(newick.ends_with(");") && newick.matches("Gene_").count() == 30);
}

#[test]
fn correlation_metric_drops_constant_rows_with_a_warning() {
    let dir = scratch("const");
    let p = dir.join("c.csv");
    std::fs::write(&p, "gene,a,b,c\nx,1,2,3\nflat,5,5,5\ny,3,1,2\nz,0,1,0\n").unwrap();
    let z = dir.join("Z.npy");
    let o = run(&[
        "linkage",
        p.to_str().unwrap(),
        "-o",
        z.to_str().unwrap(),
        "--metric",
        "correlation",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("flat"));
    assert_eq!(npy::read(&z).unwrap().shape, vec![2, 4]);
    // Ward with a non-euclidean metric is refused before any work.
    let o = run(&[
        "linkage",
        p.to_str().unwrap(),
        "-o",
        z.to_str().unwrap(),
        "--method",
        "ward",
        "--metric",
        "cosine",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn parquet_of_every_codec_and_integer_types_reads() {
    let dir = util::fixtures().join("parquet");
    let want = heatmill::io::read_matrix(&samples().join("seed.csv"), &Default::default()).unwrap();
    for codec in ["none", "snappy", "gzip", "brotli", "lz4", "zstd"] {
        let m = heatmill::io::read_matrix(
            &dir.join(format!("seed_{codec}.parquet")),
            &Default::default(),
        )
        .unwrap_or_else(|e| panic!("{codec}: {e}"));
        assert_eq!(m, want, "{codec}");
    }
    let m =
        heatmill::io::read_matrix(&dir.join("mixed_types.parquet"), &Default::default()).unwrap();
    assert_eq!(
        m.col_labels(),
        &["i64".to_string(), "i32".into(), "f32".into()]
    );
    assert_eq!(m.row(1), &[2.0, 5.0, 1.5]);
}

#[test]
fn corr_f32_storage_is_the_f64_result_rounded() {
    let dir = scratch("f32");
    let seed = samples().join("seed.csv");
    let (a, b) = (dir.join("r64.npy"), dir.join("r32.npy"));
    for (out, dtype) in [(&a, "f64"), (&b, "f32")] {
        let o = run(&[
            "corr",
            seed.to_str().unwrap(),
            "--dtype",
            dtype,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let (r64, r32) = (npy::read(&a).unwrap(), npy::read(&b).unwrap());
    assert_eq!(r64.shape, r32.shape);
    // Half the bytes (plus the same 128-byte header).
    assert_eq!(
        std::fs::metadata(&b).unwrap().len() - 128,
        (std::fs::metadata(&a).unwrap().len() - 128) / 2
    );
    // The f32 values are the f64 results rounded once (same f64 tiles).
    for (x, y) in r64.data.iter().zip(&r32.data) {
        assert_eq!(*x as f32 as f64, *y, "{x} vs {y}");
    }
    let o = run(&[
        "corr",
        seed.to_str().unwrap(),
        "--dtype",
        "f32",
        "--missing",
        "pairwise",
        "-o",
        dir.join("p.npy").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--dtype f64"), "{}", stderr(&o));
}

#[test]
fn linkage_with_f32_distances_keeps_scipys_tree() {
    let dir = scratch("precision");
    let seed = samples().join("seed.parquet");
    let (z, order) = (dir.join("Z.npy"), dir.join("order.tsv"));
    let o = run(&[
        "linkage",
        seed.to_str().unwrap(),
        "-o",
        z.to_str().unwrap(),
        "--method",
        "ward",
        "--precision",
        "f32",
        "--order",
        order.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The seed's merge heights are far apart: same merges and leaf order as
    // scipy, heights to f32's ~7 digits (not scipy's last bits).
    let (got, want) = (
        npy::read(&z).unwrap(),
        util::load("linkage/Z_seed_30x12_ward_euclidean.npy"),
    );
    let mut exact = true;
    for (row, (a, b)) in got.data.chunks(4).zip(want.data.chunks(4)).enumerate() {
        assert_eq!((a[0], a[1], a[3]), (b[0], b[1], b[3]), "merge {row}");
        assert!(util::close(a[2], b[2], 1e-6, 0.0), "height {row}");
        exact &= a[2] == b[2];
    }
    assert!(!exact, "f32 storage must actually round the heights");
    let leaves = util::load("leaves_list/L_seed_30x12_ward_euclidean.npy").data;
    let first: Vec<f64> = std::fs::read_to_string(&order)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split('\t').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(first, leaves);
    let o = run(&[
        "linkage",
        seed.to_str().unwrap(),
        "-o",
        dir.join("bad.npy").to_str().unwrap(),
        "--precision",
        "f16",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("expected f64 or f32"), "{}", stderr(&o));
    assert!(!dir.join("bad.npy").exists());
}

#[test]
fn the_readme_tutorial_commands_give_the_golden_figures() {
    // The three commands of README "The tutorial's three figures, as
    // commands", flag for seaborn keyword: byte-identical to the config
    // run's figures kept in tests/golden/.
    let dir = scratch("tutorial");
    let seed = samples().join("seed.csv");
    let groups = format!("{}:group", samples().join("samples.tsv").display());
    let out = |n: &str| dir.join(n).display().to_string();
    let cases: [(&str, Vec<String>, &str); 3] = [
        (
            "heatmap",
            [
                "--cmap",
                "RdBu_r",
                "--center",
                "0",
                "--xticklabels",
                "all",
                "--yticklabels",
                "all",
                "--linewidths",
                "0.5",
                "--title",
                "Gene Expression Heatmap",
                "--xlabel",
                "Samples",
                "--ylabel",
                "Genes",
            ]
            .map(String::from)
            .to_vec(),
            "seed_basic.png",
        ),
        (
            "clustermap",
            [
                "--cmap",
                "RdBu_r",
                "--center",
                "0",
                "--method",
                "ward",
                "--linewidths",
                "0.3",
                "--dendrogram-ratio",
                "0.15",
                "--figsize",
                "10,10",
                "--col-colors",
                &groups,
                "--palette",
                "Tumor=#e63946,Normal=#457b9d",
                "--xlabel",
                "Samples",
                "--ylabel",
                "Genes",
                "--title",
                "Clustered Gene Expression Heatmap",
            ]
            .map(String::from)
            .to_vec(),
            "seed_clustered.png",
        ),
        (
            "corrmap",
            [
                "--mask",
                "upper",
                "--linewidths",
                "0.5",
                "--cbar-shrink",
                "0.8",
                "--title",
                "Gene-Gene Correlation Matrix",
            ]
            .map(String::from)
            .to_vec(),
            "seed_corr.png",
        ),
    ];
    for (kind, args, golden) in cases {
        let o = bin()
            .arg(kind)
            .arg(&seed)
            .args(["-o", &out(golden)])
            .args(&args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let want = std::fs::read(root().join("tests/golden").join(golden)).unwrap();
        assert!(
            std::fs::read(out(golden)).unwrap() == want,
            "{kind} differs from tests/golden/{golden}"
        );
    }
}

#[test]
fn read_options_that_do_not_apply_to_the_input_are_refused() {
    // Accepted and ignored would be a silent wrong answer: each is refused
    // with exit 2, naming the option and the file.
    let f = samples().join("formats");
    let seed = samples().join("seed.csv");
    let cases: [(&std::path::Path, &[&str], &str); 5] = [
        (
            &seed,
            &["--layer", "counts"],
            "layer (--layer) applies to AnnData (.h5ad) and loom inputs",
        ),
        (
            &seed,
            &["--dataset", "X"],
            "dataset (--dataset) applies to HDF5 inputs",
        ),
        (
            &f.join("counts_dense.h5ad"),
            &["--index-col", "gene"],
            "index_col (--index-col) applies to CSV",
        ),
        (
            &f.join("counts_csr.h5ad"),
            &["--row-names", "obs/_index"],
            "row_names (--row-names) does not apply to AnnData",
        ),
        (
            &f.join("counts_10x.h5"),
            &["--layer", "x"],
            "layer (--layer) does not apply to 10x Genomics",
        ),
    ];
    let dir = scratch("read-options");
    for (input, args, want) in cases {
        let out = dir.join("r.npy");
        let o = bin()
            .arg("corr")
            .arg(input)
            .arg("-o")
            .arg(&out)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
        assert!(!out.exists());
    }
}

#[test]
fn a_correlation_map_is_drawn_without_its_matrix() {
    // 6 000 genes: the correlation matrix is 288 MB, refused with 100 MB
    // before the picture was streamed; now the need is the Gram factor,
    // one band of 336 rows and the pixels (~35 MB), and it is drawn.
    let dir = scratch("streamed_corrmap");
    let mut rng = crate::util::Rng(11);
    let mut text = String::from("gene,a,b,c,d,e\n");
    for i in 0..6000 {
        text += &format!("g{i}");
        for _ in 0..5 {
            text += &format!(",{:.3}", rng.normal());
        }
        text += "\n";
    }
    let input = dir.join("m.csv");
    std::fs::write(&input, text).unwrap();
    let out = dir.join("c.png");
    let args = |max: &'static str, extra: &'static str| {
        let mut a = vec![
            "corrmap".to_string(),
            input.to_str().unwrap().to_string(),
            "-o".into(),
            out.to_str().unwrap().to_string(),
            "--mask".into(),
            "upper".into(),
            "--max-memory".into(),
            max.into(),
        ];
        if !extra.is_empty() {
            a.push(extra.into());
        }
        a
    };
    let o = bin().args(args("100M", "")).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read(&out).unwrap().starts_with(b"\x89PNG"));
    // robust needs the percentiles of every cell: the whole matrix.
    std::fs::remove_file(&out).unwrap();
    let o = bin().args(args("100M", "--robust")).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!out.exists());
}

#[test]
fn a_clustered_correlation_map_is_drawn_without_its_matrix() {
    // 6 000 genes: R is 288 MB and was formed twice (as computed, then
    // in leaf order). Now ward's tree comes from the rows of R in 5
    // dimensions and the picture is streamed: it fits in 120 MB. Average
    // needs the condensed distances of those rows (144 MB as f64): refused
    // before work, and drawn with --precision f32 (72 MB).
    let dir = scratch("streamed_clustered_corrmap");
    let mut rng = crate::util::Rng(12);
    let mut text = String::from("gene,a,b,c,d,e\n");
    for i in 0..6000 {
        text += &format!("g{i}");
        for _ in 0..5 {
            text += &format!(",{:.3}", rng.normal());
        }
        text += "\n";
    }
    let input = dir.join("m.csv");
    std::fs::write(&input, text).unwrap();
    let out = dir.join("c.png");
    let exports = dir.join("exports");
    let run_with = |extra: &[&str]| {
        let mut a = vec![
            "corrmap",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--cluster",
            "--max-memory",
            "120M",
            "--export-dir",
            exports.to_str().unwrap(),
        ];
        a.extend_from_slice(extra);
        bin().args(&a).output().unwrap()
    };
    let o = run_with(&["--method", "ward"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read(&out).unwrap().starts_with(b"\x89PNG"));
    let order = std::fs::read_to_string(exports.join("order.tsv")).unwrap();
    assert_eq!(order.lines().count(), 6001, "{order:.200}");
    std::fs::remove_file(&out).unwrap();
    let o = run_with(&["--method", "average"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        e.contains("needs about")
            && e.contains("--max-memory is 120")
            && e.contains("--precision f32"),
        "{e}"
    );
    assert!(!out.exists());
    let o = run_with(&["--method", "average", "--precision", "f32"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read(&out).unwrap().starts_with(b"\x89PNG"));
}

#[test]
fn a_figure_too_big_for_the_memory_is_refused_before_work() {
    // 2 000 genes: the correlation matrix alone is 32 MB. With 8 MB to
    // use, the single-figure command refuses it up front (exit 2, what it
    // needs, what it has, what to do) instead of aborting on allocation.
    let dir = scratch("too_big");
    let mut rng = crate::util::Rng(9);
    let mut text = String::from("gene,a,b,c,d,e\n");
    for i in 0..2000 {
        text += &format!("g{i}");
        for _ in 0..5 {
            text += &format!(",{:.3}", rng.normal());
        }
        text += "\n";
    }
    let input = dir.join("m.csv");
    std::fs::write(&input, text).unwrap();
    let out = dir.join("c.png");
    let o = run(&[
        "corrmap",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--max-memory",
        "8M",
    ]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        e.contains("needs about") && e.contains("--max-memory is 8") && e.contains("top_variable"),
        "{e}"
    );
    assert!(!out.exists());
}

#[test]
fn bar_tracks_refuse_text_warn_unmatched_labels_and_stay_off_corrmaps() {
    let dir = scratch("bars-cli");
    let seed = samples().join("seed.csv");
    let table = |t: &str| samples().join(t).display().to_string();
    let out = dir.join("b.png");
    let args = |bars: &str, kind: &str| {
        vec![
            kind.to_string(),
            seed.display().to_string(),
            "--row-bars".into(),
            bars.to_string(),
            "-o".into(),
            out.display().to_string(),
        ]
    };
    let go = |a: Vec<String>| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        run(&a)
    };
    // A text column: exit 2, naming flag, table, column, value and line.
    let spec = format!("{}:module", table("genes.tsv"));
    let o = go(args(&spec, "clustermap"));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for part in [
        "row_bars (--row-bars)",
        "column 'module' holds 'tumor_up' (line 2), not a number",
    ] {
        assert!(err.contains(part), "{part}: {err}");
    }
    // The samples' table beside the genes: drawn without bars, warned,
    // with the hint that the matrix may be the other way round.
    let spec = format!("{}:mean", table("sample_stats.tsv"));
    let o = go(args(&spec, "heatmap"));
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("30 of 30 row labels not in") && err.contains("(no bar)"),
        "{err}"
    );
    assert!(err.contains("transpose"), "{err}");
    // Same input, same bytes.
    let spec = format!("{}:neg_log10_p", table("gene_stats.tsv"));
    let o = go(args(&spec, "clustermap"));
    assert!(o.status.success(), "{}", stderr(&o));
    let first = std::fs::read(&out).unwrap();
    let o = go(args(&spec, "clustermap"));
    assert!(o.status.success());
    assert_eq!(first, std::fs::read(&out).unwrap());
    // A correlation map has no tracks.
    let o = go(args(&spec, "corrmap"));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("row_bars"), "{}", stderr(&o));
}
