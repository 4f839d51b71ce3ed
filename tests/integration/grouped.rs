//! Grouped single-cell figures (#16 item 3): `groupby` (scanpy's
//! `pl.heatmap`), `reduce` (scanpy's `pl.matrixplot`, `sc.get.aggregate`)
//! and `genes` on `data-samples/grouped/cells.h5ad`, against scanpy 1.11's
//! numbers in `tests/fixtures/grouped/expected.json`
//! (`scripts/make_grouped_samples.py`).

use std::path::{Path, PathBuf};

use heatmill::matrix::Matrix;
use heatmill::options::{FigureOptions, Kind, Reduce};
use heatmill::pipeline::grouped::{self, Grouping};
use heatmill::prep::{Axis, Prep};
use heatmill::render::scene::Op;

use crate::util::{close, root, run, samples, scratch, stderr};

fn cells() -> PathBuf {
    samples().join("grouped/cells.h5ad")
}

fn expected() -> serde_json::Value {
    let p = root().join("tests/fixtures/grouped/expected.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// The marker genes of `markers.txt`, grouped by cell type, as read.
fn marker_matrix() -> (Matrix, Grouping) {
    let m = heatmill::io::read_matrix(&cells(), &Default::default()).unwrap();
    let (genes, sets) =
        grouped::gene_list(&["file:markers.txt".into()], &samples().join("grouped")).unwrap();
    assert_eq!(sets.len(), 6);
    let m = grouped::pick_genes(&m, &genes, "cells.h5ad").unwrap();
    let a =
        grouped::read_groupby("obs/cell_type", cells().to_str().unwrap(), Path::new(".")).unwrap();
    let g = Grouping::new(&a, m.row_labels());
    (m, g)
}

/// `got` equals scanpy's frame `name`: same rows, columns and values to
/// `rel` (scanpy reduces float32 data in float32: ~1e-7).
fn check(got: &Matrix, name: &str, rel: f64) {
    let e = &expected()[name];
    let labels = |k: &str| -> Vec<String> {
        e[k].as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(got.row_labels(), labels("rows").as_slice(), "{name}");
    assert_eq!(got.col_labels(), labels("cols").as_slice(), "{name}");
    let want: Vec<f64> = e["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(got.values().len(), want.len());
    for (i, (a, b)) in got.values().iter().zip(&want).enumerate() {
        assert!(close(*a, *b, rel, 1e-7), "{name}[{i}]: {a} vs scanpy {b}");
    }
}

#[test]
fn group_means_medians_and_fractions_are_scanpys() {
    let (m, g) = marker_matrix();
    // The categorical's own order, not alphabetical.
    assert_eq!(g.groups[0].0, "CD4 T");
    assert_eq!(g.groups.last().unwrap().0, "Dendritic");
    assert!(g.left_out.is_empty() && g.empty.is_empty());
    let mean = grouped::reduce(&m, &g, Reduce::Mean).unwrap();
    check(&mean, "mean", 2e-6);
    check(&mean, "dotplot_color", 2e-6);
    check(
        &grouped::reduce(&m, &g, Reduce::Median).unwrap(),
        "median",
        1e-12,
    );
    check(
        &grouped::reduce(&m, &g, Reduce::FractionNonzero).unwrap(),
        "dotplot_size",
        1e-12,
    );
    // matrixplot's standard_scale: 'var' scales each gene (a column of
    // the groups x genes matrix), 'group' each group (a row).
    for (axis, name) in [
        (Axis::Cols, "mean_standard_scale_var"),
        (Axis::Rows, "mean_standard_scale_group"),
    ] {
        let p = Prep {
            standard_scale: Some(axis),
            ..Default::default()
        };
        check(&p.apply(mean.clone()).unwrap(), name, 1e-5);
    }
}

#[test]
fn dotplot_colours_and_sizes_are_scanpys() {
    let (m, g) = marker_matrix();
    let (color, share) = grouped::dot_values(&m, &g, 0.0, false).unwrap();
    check(&color, "dotplot_color", 2e-6);
    check(&share, "dotplot_size", 1e-12);
    // mean_only_expressed: the mean over the cells above the cutoff.
    let (only, _) = grouped::dot_values(&m, &g, 0.0, true).unwrap();
    let (mean, frac) = (color.values(), share.values());
    for i in 0..mean.len() {
        if frac[i] > 0.0 {
            assert!(close(only.values()[i], mean[i] / frac[i], 1e-12, 1e-12));
        } else {
            assert_eq!(only.values()[i], 0.0);
        }
    }
}

#[test]
fn every_dotplot_option_changes_the_dotplot() {
    let dir = scratch("dot_options");
    let c = cells();
    let base = |out: &Path| -> Vec<String> {
        [
            "dotplot",
            c.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--groupby",
            "obs/cell_type",
            "--genes",
            "file:data-samples/grouped/markers.txt",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let make = |extra: &[&str], name: &str| -> Vec<u8> {
        let out = dir.join(name);
        let mut args = base(&out);
        args.extend(extra.iter().map(|s| s.to_string()));
        let r = crate::util::bin()
            .args(&args)
            .current_dir(root())
            .output()
            .unwrap();
        assert!(r.status.success(), "{extra:?}: {}", stderr(&r));
        std::fs::read(out).unwrap()
    };
    let default = make(&[], "default.png");
    for spec in heatmill::options::OPTIONS {
        if spec.kinds != [Kind::Dotplot] {
            continue;
        }
        let arg = match spec.value {
            heatmill::options::ValueKind::Flag => format!("--{}", spec.key.replace('_', "-")),
            _ => format!("--{}={}", spec.key.replace('_', "-"), spec.example),
        };
        assert!(
            make(&[&arg], &format!("{}.png", spec.key)) != default,
            "{arg} changes nothing"
        );
    }
    // The colour options it shares with the heatmap apply too.
    assert!(make(&["--cmap", "viridis"], "cmap.png") != default);
    assert!(make(&["--standard-scale", "cols"], "scaled.png") != default);
}

fn texts(fig: &heatmill::pipeline::Figure) -> Vec<String> {
    fig.scene
        .ops
        .iter()
        .filter_map(|op| match op {
            Op::Text { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

fn figure(opts: FigureOptions) -> heatmill::pipeline::Figure {
    let m = heatmill::io::read_matrix(&cells(), &Default::default()).unwrap();
    let cache = heatmill::pipeline::Cache::default();
    heatmill::pipeline::build(
        Kind::Heatmap,
        &m,
        &opts,
        cells().to_str().unwrap(),
        &samples().join("grouped"),
        &cache,
        &mut Default::default(),
    )
    .unwrap()
}

#[test]
fn a_grouped_heatmap_names_its_groups_in_order_and_not_its_cells() {
    let fig = figure(FigureOptions {
        groupby: Some("obs/cell_type".into()),
        genes: vec!["file:markers.txt".into()],
        ..Default::default()
    });
    let t = texts(&fig);
    // The marker sets (B, NK are sets too) are drawn first; from the
    // first group name on, each group once (not in a legend as well).
    let first = t.iter().position(|s| s == "CD4 T").unwrap();
    let order: Vec<&String> = t[first..]
        .iter()
        .filter(|s| {
            expected()["mean"]["rows"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r == *s)
        })
        .collect();
    assert_eq!(
        order,
        [
            "CD4 T",
            "CD8 T",
            "B",
            "NK",
            "CD14 Mono",
            "FCGR3A Mono",
            "Dendritic"
        ]
        .iter()
        .collect::<Vec<_>>(),
        "group labels once each, in category order (not in a legend too)"
    );
    assert!(
        !t.iter()
            .any(|s| s.starts_with("cell0") || s.starts_with("cell1")),
        "no cell labels"
    );
    assert!(t.iter().any(|s| s == "CST3") && t.iter().any(|s| s == "cell_type"));
    // The marker sets of markers.txt bracketed above their genes.
    for set in ["T", "CD8", "B", "NK", "Mono", "DC"] {
        assert!(t.iter().any(|s| s == set), "marker set {set} named");
    }
    // Drawn by group: the first rows are CD4 T cells whatever the file's order.
    assert!(fig.analysed.row_labels.len() == 480);
}

#[test]
fn a_matrixplot_has_one_row_per_group_and_scanpys_colour_bar_title() {
    let fig = figure(FigureOptions {
        groupby: Some("obs/cell_type".into()),
        genes: vec!["CD3E".into(), "MS4A1".into()],
        reduce: Some(Reduce::Mean),
        ..Default::default()
    });
    assert_eq!(fig.analysed.row_labels.len(), 7);
    assert_eq!(fig.analysed.col_labels, vec!["CD3E", "MS4A1"]);
    let t = texts(&fig);
    assert!(t.contains(&"Mean expression in group".to_string()));
    assert!(!t.contains(&"T".to_string()), "no sets, no brackets");
}

#[test]
fn grouped_mistakes_are_named_in_the_users_words() {
    let dir = scratch("mistakes");
    let out = dir.join("x.png");
    let (c, o) = (cells(), out.to_str().unwrap());
    let c = c.to_str().unwrap();
    let r = run(&[
        "heatmap",
        c,
        "-o",
        o,
        "--groupby",
        "obs/cell_type",
        "--genes",
        "CD3E",
        "--genes",
        "CD3Z",
    ]);
    let e = stderr(&r);
    assert_eq!(r.status.code(), Some(2), "{e}");
    assert!(
        e.contains("genes (--genes)") && e.contains("'CD3Z' (did you mean 'CD3E'?)"),
        "{e}"
    );
    let r = run(&["heatmap", c, "-o", o, "--reduce", "mean"]);
    let e = stderr(&r);
    assert_eq!(r.status.code(), Some(2), "{e}");
    assert!(e.contains("groupby = \"obs/cell_type\""), "{e}");
    let seed = samples().join("seed.csv");
    let r = run(&[
        "heatmap",
        seed.to_str().unwrap(),
        "-o",
        o,
        "--groupby",
        "obs/cell_type",
    ]);
    let e = stderr(&r);
    assert_eq!(r.status.code(), Some(2), "{e}");
    assert!(e.contains("is not an .h5ad"), "{e}");
    let r = run(&["heatmap", c, "-o", o, "--groupby", "obs/nope"]);
    assert_eq!(r.status.code(), Some(2), "{}", stderr(&r));
    assert!(
        stderr(&r).contains("cell_type"),
        "lists the columns: {}",
        stderr(&r)
    );
    let r = run(&["dotplot", c, "-o", o]);
    let e = stderr(&r);
    assert_eq!(r.status.code(), Some(2), "{e}");
    assert!(e.contains("a dotplot draws one row per group"), "{e}");
    let r = run(&[
        "dotplot",
        c,
        "-o",
        o,
        "--groupby",
        "obs/cell_type",
        "--dot-max",
        "2",
    ]);
    let e = stderr(&r);
    assert_eq!(r.status.code(), Some(2), "{e}");
    assert!(e.contains("dot_max (--dot-max) is a share of cells"), "{e}");
    let r = run(&[
        "dotplot",
        c,
        "-o",
        o,
        "--groupby",
        "obs/cell_type",
        "--annot",
    ]);
    assert_eq!(r.status.code(), Some(2), "{}", stderr(&r));
    assert!(!out.exists());
    // Grouping by a column of the other axis says to transpose.
    let r = run(&[
        "heatmap",
        c,
        "-o",
        o,
        "--transpose",
        "--groupby",
        &format!("{c}:obs/cell_type"),
    ]);
    let e = stderr(&r);
    assert_eq!(r.status.code(), Some(2), "{e}");
    assert!(e.contains("--transpose"), "{e}");
}

#[test]
fn grouped_figures_are_deterministic_across_threads() {
    let dir = scratch("threads");
    let c = cells();
    let mut outs = vec![];
    for threads in ["1", "2"] {
        let p = dir.join(format!("m{threads}.png"));
        let r = run(&[
            "heatmap",
            c.to_str().unwrap(),
            "-o",
            p.to_str().unwrap(),
            "--groupby",
            "obs/cell_type",
            "--threads",
            threads,
        ]);
        assert!(r.status.success(), "{}", stderr(&r));
        outs.push(std::fs::read(p).unwrap());
    }
    assert_eq!(outs[0], outs[1]);
}

/// The columns read alone (`io::read_columns`: CSR by row blocks, CSC one
/// column at a time, dense by row blocks) are the full read's columns,
/// bit for bit, in the order asked, a column asked twice given twice.
#[test]
fn columns_read_alone_are_the_full_reads_bit_for_bit() {
    let files = [
        cells(),
        samples().join("formats/counts_csr.h5ad"),
        samples().join("formats/counts_csc.h5ad"),
        samples().join("formats/counts_dense.h5ad"),
    ];
    for f in files {
        let full = heatmill::io::read_matrix(&f, &Default::default()).unwrap();
        let pick = vec![5, 0, full.ncols() - 1, 5, 3];
        let got = heatmill::io::read_columns(&f, &Default::default(), &mut |labels| {
            assert_eq!(labels, full.col_labels());
            Ok(pick.clone())
        })
        .unwrap()
        .expect("an HDF5 input is read by columns");
        let want = full.select_cols(&pick);
        assert_eq!(got.row_labels(), want.row_labels(), "{}", f.display());
        assert_eq!(got.col_labels(), want.col_labels(), "{}", f.display());
        let bits = |m: &Matrix| m.values().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&got), bits(&want), "{}", f.display());
        assert!(want.values().iter().any(|&v| v != 0.0), "{}", f.display());
    }
    // Not HDF5: read whole, as before.
    let csv = samples().join("formats/counts.csv");
    let r = heatmill::io::read_columns(&csv, &Default::default(), &mut |_| Ok(vec![0])).unwrap();
    assert!(r.is_none());
}

/// Which figures read only their genes.
#[test]
fn only_grouped_figures_with_genes_read_their_genes_alone() {
    let base = samples().join("grouped");
    let with = |f: FigureOptions| FigureOptions {
        groupby: Some("obs/cell_type".into()),
        genes: vec!["file:markers.txt".into()],
        ..f
    };
    let chosen = |k: Kind, o: &FigureOptions| heatmill::pipeline::chosen_columns(k, o, &base);
    let dot = chosen(Kind::Dotplot, &with(Default::default()))
        .unwrap()
        .unwrap();
    assert_eq!(dot[..3], ["CD3D", "CD3E", "IL7R"].map(String::from));
    let mp = with(FigureOptions {
        reduce: Some(Reduce::Median),
        ..Default::default()
    });
    assert!(chosen(Kind::Heatmap, &mp).unwrap().is_some());
    // top_variable ranks cells over every gene; a plain heatmap or a
    // clustermap draws every column; no genes: every gene.
    let top = FigureOptions {
        top_variable: Some(10),
        ..mp.clone()
    };
    assert!(chosen(Kind::Heatmap, &top).unwrap().is_none());
    let plain = FigureOptions {
        groupby: None,
        ..mp.clone()
    };
    assert!(chosen(Kind::Heatmap, &plain).unwrap().is_none());
    assert!(chosen(Kind::Clustermap, &mp).unwrap().is_none());
    let all = FigureOptions {
        genes: vec![],
        ..mp
    };
    assert!(chosen(Kind::Dotplot, &all).unwrap().is_none());
}

/// A matrixplot or dot plot run from the command line (its genes read
/// alone) is byte-identical to the same figure made from the full matrix,
/// on CSR, CSC and dense `.h5ad` files.
#[test]
fn figures_from_the_genes_read_alone_equal_the_full_reads() {
    let dir = scratch("columns");
    let markers = samples().join("grouped/markers.txt");
    let marker_spec = format!("file:{}", markers.display());
    // (input, groupby, kind, reduce, genes)
    type Case = (PathBuf, &'static str, Kind, Option<Reduce>, Vec<String>);
    let cases: Vec<Case> = vec![
        (
            cells(),
            "obs/cell_type",
            Kind::Heatmap,
            Some(Reduce::Mean),
            vec![marker_spec.clone()],
        ),
        (
            cells(),
            "obs/cell_type",
            Kind::Heatmap,
            Some(Reduce::Median),
            vec![marker_spec.clone()],
        ),
        (
            cells(),
            "obs/cell_type",
            Kind::Heatmap,
            Some(Reduce::FractionNonzero),
            vec![marker_spec.clone()],
        ),
        (
            cells(),
            "obs/cell_type",
            Kind::Dotplot,
            None,
            vec![marker_spec.clone()],
        ),
        (
            samples().join("formats/counts_csc.h5ad"),
            "obs/group",
            Kind::Dotplot,
            None,
            ["Gene_7", "Gene_1", "Gene_7", "Gene_30"]
                .map(String::from)
                .to_vec(),
        ),
        (
            samples().join("formats/counts_dense.h5ad"),
            "obs/group",
            Kind::Heatmap,
            Some(Reduce::Median),
            ["Gene_7", "Gene_1", "Gene_30"].map(String::from).to_vec(),
        ),
    ];
    for (i, (input, groupby, kind, reduce, genes)) in cases.into_iter().enumerate() {
        let opts = FigureOptions {
            groupby: Some(groupby.into()),
            reduce,
            genes: genes.clone(),
            // What the command line gives a dot plot without --figsize.
            figsize: if kind == Kind::Dotplot {
                FigureOptions::AUTO_FIGSIZE
            } else {
                FigureOptions::default().figsize
            },
            ..Default::default()
        };
        let full = heatmill::io::read_matrix(&input, &Default::default()).unwrap();
        let cache = heatmill::pipeline::Cache::default();
        let fig = heatmill::pipeline::build(
            kind,
            &full,
            &opts,
            input.to_str().unwrap(),
            Path::new("."),
            &cache,
            &mut Default::default(),
        )
        .unwrap();
        let want_path = dir.join(format!("full{i}.png"));
        let want = heatmill::batch::run::write_figure(
            &fig.scene,
            &want_path,
            opts.dpi,
            &mut Default::default(),
        )
        .unwrap();
        let out = dir.join(format!("cols{i}.png"));
        let mut args = vec![
            match kind {
                Kind::Dotplot => "dotplot",
                _ => "heatmap",
            }
            .to_string(),
            input.display().to_string(),
            "-o".into(),
            out.display().to_string(),
            "--groupby".into(),
            groupby.into(),
        ];
        if let Some(r) = reduce {
            args.push("--reduce".into());
            args.push(
                match r {
                    Reduce::Mean => "mean",
                    Reduce::Median => "median",
                    Reduce::FractionNonzero => "fraction_nonzero",
                }
                .into(),
            );
        }
        for g in &genes {
            args.push("--genes".into());
            args.push(g.clone());
        }
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run(&argv);
        assert!(r.status.success(), "case {i}: {}", stderr(&r));
        assert!(
            std::fs::read(&out).unwrap() == want,
            "case {i} ({}): the figure from the genes read alone differs",
            input.display()
        );
    }
}

#[test]
fn genes_come_as_one_comma_list_or_as_repeated_flags() {
    let dir = scratch("genes_comma");
    let c = cells();
    let make = |genes: &[&str], name: &str| -> Vec<u8> {
        let out = dir.join(name);
        let mut args: Vec<String> = ["dotplot", c.to_str().unwrap(), "-o", out.to_str().unwrap()]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.extend(["--groupby".into(), "obs/cell_type".into()]);
        for g in genes {
            args.extend(["--genes".into(), g.to_string()]);
        }
        let r = crate::util::bin().args(&args).output().unwrap();
        assert!(r.status.success(), "{genes:?}: {}", stderr(&r));
        std::fs::read(out).unwrap()
    };
    let listed = make(&["CD3D,CD8A", "IL7R"], "listed.png");
    assert_eq!(listed, make(&["CD3D", "CD8A", "IL7R"], "repeated.png"));
    assert_ne!(listed, make(&["CD3D", "IL7R"], "fewer.png"));
}

#[test]
fn a_groupby_column_given_as_data_is_the_one_read_from_the_file() {
    // What the Python package passes for `groupby=` of an in-memory
    // AnnData: the obs column as data, not as `obs/COLUMN`.
    let path = cells();
    let m = heatmill::io::read_matrix(&path, &Default::default()).unwrap();
    let column = grouped::read_groupby("obs/cell_type", path.to_str().unwrap(), &root()).unwrap();
    let cache = heatmill::pipeline::Cache::default();
    let base = samples().join("grouped");
    let ctx = heatmill::pipeline::Context {
        source: "data",
        name: "data",
        base: &base,
        cache: &cache,
        max_memory: None,
    };
    for (kind, reduce) in [
        (Kind::Heatmap, None),
        (Kind::Heatmap, Some(Reduce::Mean)),
        (Kind::Dotplot, None),
    ] {
        let genes = vec!["file:markers.txt".to_string()];
        let from_file = FigureOptions {
            groupby: Some("obs/cell_type".into()),
            reduce,
            genes: genes.clone(),
            ..Default::default()
        };
        let file_ctx = heatmill::pipeline::Context {
            source: path.to_str().unwrap(),
            ..ctx
        };
        let read = heatmill::pipeline::make_figure(
            kind,
            &m,
            &from_file,
            false,
            &file_ctx,
            &mut Default::default(),
        )
        .unwrap();
        let as_data = FigureOptions {
            reduce,
            genes,
            ..Default::default()
        };
        let strips = heatmill::pipeline::Annotations {
            groupby: Some(column.clone()),
            ..Default::default()
        };
        let given = heatmill::pipeline::make_figure_with(
            kind,
            &m,
            &as_data,
            false,
            &ctx,
            &strips,
            &mut Default::default(),
        )
        .unwrap();
        assert_eq!(texts(&given), texts(&read), "{kind:?} {reduce:?}");
        let png = |f: &heatmill::pipeline::Figure| {
            heatmill::render::encode::encode(&f.scene, Path::new("f.png"), 100.0).unwrap()
        };
        assert_eq!(png(&given), png(&read), "{kind:?} {reduce:?}");
    }
}

#[test]
fn grouped_figures_export_their_numbers() {
    let dir = scratch("grouped_exports");
    let c = cells();
    let m = heatmill::io::read_matrix(&c, &Default::default()).unwrap();
    let (genes, _) =
        grouped::gene_list(&["file:markers.txt".into()], &samples().join("grouped")).unwrap();
    let picked = grouped::pick_genes(&m, &genes, "cells").unwrap();
    let column = grouped::read_groupby("obs/cell_type", c.to_str().unwrap(), &root()).unwrap();
    let g = Grouping::new(&column, picked.row_labels());
    let export = |kind: &str, extra: &[&str], name: &str| -> String {
        let ex = dir.join(format!("{kind}{}", extra.len()));
        let out = dir.join(format!("{kind}{}.png", extra.len()));
        let mut args: Vec<String> = [
            kind,
            c.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--groupby",
            "obs/cell_type",
            "--genes",
            "file:data-samples/grouped/markers.txt",
            "--export-dir",
            ex.to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        let r = crate::util::bin()
            .args(&args)
            .current_dir(root())
            .output()
            .unwrap();
        assert!(r.status.success(), "{kind} {extra:?}: {}", stderr(&r));
        std::fs::read_to_string(ex.join(name)).unwrap()
    };
    // pandas' to_csv(sep="\t") layout, with Rust's round-trip floats.
    let table = |m: &Matrix| {
        let mut s = format!("group\t{}\n", m.col_labels().join("\t"));
        for (i, r) in m.row_labels().iter().enumerate() {
            let row = &m.values()[i * m.ncols()..(i + 1) * m.ncols()];
            let cells: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
            s.push_str(&format!("{r}\t{}\n", cells.join("\t")));
        }
        s
    };
    let mean = grouped::reduce(&picked, &g, Reduce::Mean).unwrap();
    assert_eq!(
        export("heatmap", &["--reduce", "mean"], "aggregate_mean.tsv"),
        table(&mean)
    );
    let (color, size) = grouped::dot_values(&picked, &g, 0.0, false).unwrap();
    assert_eq!(export("dotplot", &[], "dot_color.tsv"), table(&color));
    assert_eq!(export("dotplot", &[], "dot_size.tsv"), table(&size));
    let groups = export("heatmap", &[], "groups.tsv");
    let lines: Vec<&str> = groups.lines().collect();
    assert_eq!(lines[0], "index\tlabel\tgroup");
    let first = &g.groups[0];
    assert_eq!(
        lines[1],
        format!(
            "{}\t{}\t{}",
            first.1[0],
            picked.row_labels()[first.1[0]],
            first.0
        )
    );
    assert_eq!(
        lines.len() - 1,
        g.groups.iter().map(|(_, r)| r.len()).sum::<usize>()
    );
}

#[test]
fn long_marker_set_names_are_turned_and_collide_with_nothing() {
    // scanpy turns the names 90° when one is longer than 4 characters:
    // two-gene sets named "NK cells" would otherwise run into each other.
    let long: Vec<String> = [
        "T cells\tCD3D",
        "T cells\tCD3E",
        "B cells\tMS4A1",
        "B cells\tCD79A",
        "NK cells\tGNLY",
        "NK cells\tNKG7",
        // Shortened with "…" rather than taking the cells' room.
        "Monocytes, classical and non-classical (CD14+ and FCGR3A+)\tLYZ",
    ]
    .map(String::from)
    .to_vec();
    let turned = |fig: &heatmill::pipeline::Figure, name: &str| -> bool {
        fig.scene
            .ops
            .iter()
            .find_map(|op| match op {
                Op::Text { text, rotation, .. } if text == name => {
                    Some(*rotation == heatmill::render::text::Rotation::Vertical)
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("no '{name}' drawn"))
    };
    for reduce in [None, Some(Reduce::Mean)] {
        for figsize in [(4.0, 4.0), (6.0, 6.0), (10.0, 8.0)] {
            let fig = figure(FigureOptions {
                groupby: Some("obs/cell_type".into()),
                reduce,
                genes: long.clone(),
                figsize,
                ..Default::default()
            });
            assert!(turned(&fig, "NK cells"), "{reduce:?} {figsize:?}");
            let c = crate::layout::collisions(&fig.scene);
            assert!(c.is_empty(), "{reduce:?} {figsize:?}: {c:#?}");
        }
    }
    // Short names (≤ 4 characters) stay level.
    let fig = figure(FigureOptions {
        groupby: Some("obs/cell_type".into()),
        genes: vec!["file:markers.txt".into()],
        ..Default::default()
    });
    assert!(!turned(&fig, "NK"));
}

#[test]
fn scanpys_words_work_on_the_command_line() {
    let dir = scratch("scanpy_words");
    let c = cells();
    let make = |args: &[&str], name: &str| -> Vec<u8> {
        let out = dir.join(name);
        let mut all: Vec<&str> = vec![args[0], c.to_str().unwrap(), "-o", out.to_str().unwrap()];
        all.extend(&args[1..]);
        let r = crate::util::bin().args(&all).output().unwrap();
        assert!(r.status.success(), "{args:?}: {}", stderr(&r));
        std::fs::read(out).unwrap()
    };
    // groupby="cell_type" and standard_scale="var" as scanpy writes them.
    assert_eq!(
        make(
            &[
                "heatmap",
                "--groupby",
                "cell_type",
                "--reduce",
                "mean",
                "--genes",
                "CD3D,MS4A1,LYZ",
                "--standard-scale",
                "var"
            ],
            "scanpy.png"
        ),
        make(
            &[
                "heatmap",
                "--groupby",
                "obs/cell_type",
                "--reduce",
                "mean",
                "--genes",
                "CD3D,MS4A1,LYZ",
                "--standard-scale",
                "cols"
            ],
            "heatmill.png"
        )
    );
    // A strip from the input's own obs column.
    let own = format!("{}:obs/cell_type", c.display());
    assert_eq!(
        make(&["heatmap", "--row-colors", "obs/cell_type"], "own.png"),
        make(&["heatmap", "--row-colors", &own], "table.png")
    );
}
