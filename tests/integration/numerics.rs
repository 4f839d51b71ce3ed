//! Trust at the edges, numerics (#13): scale-free statistics never
//! overflow into a plausible number, each metric refuses only the rows it
//! is undefined on, and the tie-free scipy answer stands.

use heatmill::cluster::{self, Method, Metric};
use heatmill::io::npy;
use heatmill::matrix::Matrix;
use heatmill::prep;

use crate::util::{bin, scratch, stderr};

fn corr_of(csv: &str, name: &str) -> Vec<f64> {
    let dir = scratch(name);
    let input = dir.join("m.csv");
    std::fs::write(&input, csv).unwrap();
    let out = dir.join("r.npy");
    let o = bin()
        .arg("corr")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    npy::read(&out).unwrap().data
}

#[test]
fn pearson_of_huge_and_tiny_rows_is_the_true_r() {
    // numpy squares 1e155 into inf; the true r of these rows is 0.96077.
    let r = corr_of(
        "gene,a,b,c\ng1,1e155,2e155,3e155\ng2,-1e155,5e154,1e155\n",
        "huge",
    );
    let small = corr_of("gene,a,b,c\ng1,1,2,3\ng2,-1,0.5,1\n", "huge-ref");
    assert!((r[1] - 0.960768922830522).abs() < 1e-12, "{r:?}");
    // 1e155 is not 2^k × 1 exactly, so the two agree to rounding.
    assert!((r[1] - small[1]).abs() < 1e-15, "{} vs {}", r[1], small[1]);
    // The other end: squares that underflow to 0.
    let r = corr_of(
        "gene,a,b,c\ng1,1e-170,2e-170,3e-170\ng2,-1e-170,5e-171,1e-170\n",
        "tiny",
    );
    assert!((r[1] - 0.960768922830522).abs() < 1e-12, "{r:?}");
}

#[test]
fn scale_free_distances_and_z_scores_ignore_the_magnitude() {
    // The same rows, one of them times 2^600: cosine and correlation trees
    // and z-scores are unchanged (bit for bit: the scaling is exact).
    let base = [1.0, 4.0, 2.0, 8.0, 3.0, 1.0, 2.0, 2.5, 7.0, 5.0, 5.0, 1.0];
    let mut big = base;
    let k = 2f64.powi(600);
    big[4..8].iter_mut().for_each(|v| *v *= k);
    for metric in [Metric::Cosine, Metric::Correlation] {
        let a = cluster::linkage(&base, 3, 4, Method::Average, metric).unwrap();
        let b = cluster::linkage(&big, 3, 4, Method::Average, metric).unwrap();
        assert_eq!(a.to_scipy(), b.to_scipy(), "{metric}");
    }
    let labels = |n: usize, p: &str| (0..n).map(|i| format!("{p}{i}")).collect::<Vec<_>>();
    let mut m1 = Matrix::new(labels(3, "r"), labels(4, "c"), base.to_vec()).unwrap();
    let mut m2 = Matrix::new(labels(3, "r"), labels(4, "c"), big.to_vec()).unwrap();
    prep::z_score(&mut m1, prep::Axis::Rows);
    prep::z_score(&mut m2, prep::Axis::Rows);
    assert_eq!(m1.values(), m2.values());
    assert!(m2.values().iter().all(|v| v.is_finite()));
}

#[test]
fn each_metric_refuses_only_the_rows_it_is_undefined_on() {
    // cosine: a constant non-zero row is fine (scipy joins 5,5,5 with 4,4,5
    // at 0.005865); only a zero row is undefined.
    let dir = scratch("degenerate");
    let input = dir.join("m.csv");
    std::fs::write(
        &input,
        "gene,a,b,c\nflat,5,5,5\nnear,4,4,5\nfar,1,9,2\nzero,0,0,0\n",
    )
    .unwrap();
    let run = |metric: &str| {
        let z = dir.join(format!("{metric}.npy"));
        let order = dir.join(format!("{metric}.tsv"));
        let o = bin()
            .args([
                "linkage",
                input.to_str().unwrap(),
                "-o",
                z.to_str().unwrap(),
            ])
            .args(["--metric", metric, "--order", order.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        (
            npy::read(&z).unwrap().data,
            std::fs::read_to_string(order).unwrap(),
            stderr(&o),
        )
    };
    let (z, order, warn) = run("cosine");
    assert!(
        warn.contains("dropped 1 rows of zero norm (undefined cosine distance): zero"),
        "{warn}"
    );
    assert!(order.contains("flat"), "{order}");
    // flat (0) and near (1) join first, at scipy's 0.005865.
    assert_eq!((z[0], z[1]), (0.0, 1.0));
    assert!((z[2] - 0.005865).abs() < 1e-6, "{}", z[2]);
    let (_, order, warn) = run("correlation");
    assert!(
        warn.contains("rows without variance (undefined correlation distance): flat, zero"),
        "{warn}"
    );
    assert!(
        !order.contains("flat") && !order.contains("zero"),
        "{order}"
    );
    // Euclidean is defined everywhere: nothing dropped.
    let (_, order, warn) = run("euclidean");
    assert!(!warn.contains("dropped"), "{warn}");
    assert_eq!(order.lines().count(), 1 + 4);
}

#[test]
fn exports_refer_to_the_input() {
    // Gene_2 is constant: dropped under the correlation metric. The order
    // file's index is the input position (Gene_4 → 3, not 2), in the
    // linkage command and in a clustermap's export alike.
    let dir = scratch("positions");
    let input = dir.join("m.csv");
    std::fs::write(
        &input,
        "gene,a,b,c,d\nGene_1,1,2,3,5\nGene_2,4,4,4,4\nGene_3,2,1,4,3\nGene_4,9,7,8,1\n",
    )
    .unwrap();
    let order = dir.join("order.tsv");
    let o = bin()
        .args([
            "linkage",
            input.to_str().unwrap(),
            "-o",
            dir.join("z.npy").to_str().unwrap(),
        ])
        .args([
            "--metric",
            "correlation",
            "--order",
            order.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let check = |text: &str| {
        assert!(text.starts_with("index\tlabel\n"), "{text}");
        for line in text.lines().skip(1) {
            let (i, label) = line.split_once('\t').unwrap();
            let want = label.trim_start_matches("Gene_").parse::<usize>().unwrap() - 1;
            assert_eq!(i.parse::<usize>().unwrap(), want, "{text}");
        }
        assert!(!text.contains("Gene_2"));
    };
    check(&std::fs::read_to_string(&order).unwrap());
    let ex = dir.join("ex");
    let o = bin()
        .args([
            "clustermap",
            input.to_str().unwrap(),
            "-o",
            dir.join("cm.png").to_str().unwrap(),
        ])
        .args([
            "--metric",
            "correlation",
            "--export-dir",
            ex.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    check(&std::fs::read_to_string(ex.join("row_order.tsv")).unwrap());
}

#[test]
fn corr_says_which_rows_it_holds() {
    let dir = scratch("corr-labels");
    let input = crate::util::samples().join("seed.csv");
    let out = dir.join("r.npy");
    let o = bin()
        .args(["corr", input.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .args(["--top-variable", "5"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let labels = std::fs::read_to_string(dir.join("r.labels.tsv")).unwrap();
    assert_eq!(labels.lines().count(), 6);
    assert!(labels.starts_with("index\tlabel\n"), "{labels}");
    // A .csv output is text, labelled, and holds the .npy's numbers.
    let csv = dir.join("r.csv");
    let o = bin()
        .args(["corr", input.to_str().unwrap(), "-o", csv.to_str().unwrap()])
        .args(["--top-variable", "5"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&csv).unwrap();
    let r = npy::read(&out).unwrap().data;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 6);
    let header: Vec<&str> = lines[0].split(',').collect();
    for (i, line) in lines[1..].iter().enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[0], header[i + 1]);
        for (j, c) in cells[1..].iter().enumerate() {
            assert_eq!(c.parse::<f64>().unwrap().to_bits(), r[i * 5 + j].to_bits());
        }
    }
}

#[test]
fn a_transform_that_cannot_apply_says_which_and_why() {
    let dir = scratch("blame");
    let input = dir.join("m.csv");
    std::fs::write(&input, "gene,a,b,c\ng1,1,2,3\ng2,0,0,0\ng3,5,1,2\n").unwrap();
    let err = |args: &[&str]| {
        let o = bin()
            .arg("clustermap")
            .arg(&input)
            .args(["-o", dir.join("x.png").to_str().unwrap()])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        stderr(&o)
    };
    // z-scoring a row of zeros: the transform is blamed, not the file.
    let e = err(&["--z-score", "rows"]);
    assert!(
        e.contains("z_score (--z-score): 1 rows have no variance") && e.contains("g2"),
        "{e}"
    );
    assert!(!e.contains("missing"), "{e}");
    // log1p of -1: the transform's domain, naming row and column.
    std::fs::write(&input, "gene,a,b,c\ng1,1,2,3\ng2,0,-1,4\ng3,5,1,2\n").unwrap();
    let e = err(&["--log1p"]);
    assert!(
        e.contains("log1p (--log1p) of row 'g2', column 'b'") && e.contains("not above -1"),
        "{e}"
    );
    assert!(!e.contains("inf"), "{e}");
    // A plain heatmap draws the undefined z-scores blank, as seaborn does.
    std::fs::write(&input, "gene,a,b,c\ng1,1,2,3\ng2,0,0,0\ng3,5,1,2\n").unwrap();
    let o = bin()
        .arg("heatmap")
        .arg(&input)
        .args([
            "-o",
            dir.join("h.png").to_str().unwrap(),
            "--z-score",
            "rows",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn pairwise_correlation_and_standard_scale_do_not_overflow_either() {
    // pandas' pairwise .corr() gives 0 / NaN here; the true r is 0.98116.
    let r = {
        let dir = scratch("pairwise-huge");
        let input = dir.join("m.csv");
        std::fs::write(
            &input,
            "gene,a,b,c,d\ng0,1e155,2e155,3e155,4e155\ng1,-1e155,5e154,1e155,2e155\ng2,1,2,3,5\n",
        )
        .unwrap();
        let out = dir.join("r.npy");
        let o = bin()
            .args([
                "corr",
                input.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--missing",
                "pairwise",
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        npy::read(&out).unwrap().data
    };
    assert!((r[1] - 0.981_155_78).abs() < 1e-8, "{r:?}");
    assert!((r[2] - 0.982_707_63).abs() < 1e-8, "{r:?}");
    assert_eq!(r[0], 1.0);
    // standard_scale of a row whose max - min overflows.
    let labels = |n: usize, p: &str| (0..n).map(|i| format!("{p}{i}")).collect::<Vec<_>>();
    let mut m = Matrix::new(
        labels(1, "r"),
        labels(4, "c"),
        vec![-1e308, 0.0, 1e308, 5e307],
    )
    .unwrap();
    prep::standard_scale(&mut m, prep::Axis::Rows);
    assert_eq!(m.values(), &[0.0, 0.5, 1.0, 0.75]);
}

#[test]
fn scaling_a_constant_row_is_blamed_in_linkage_and_corr_too() {
    let dir = scratch("blame-matrix-jobs");
    let input = dir.join("m.csv");
    std::fs::write(&input, "gene,a,b,c\ng0,1,2,3\ng1,0,0,0\ng2,5,1,2\n").unwrap();
    for (cmd, flag) in [
        ("linkage", "--z-score"),
        ("corr", "--z-score"),
        ("linkage", "--standard-scale"),
    ] {
        let o = bin()
            .args([
                cmd,
                input.to_str().unwrap(),
                "-o",
                dir.join("o.npy").to_str().unwrap(),
                flag,
                "rows",
            ])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2));
        let e = stderr(&o);
        assert!(
            e.contains("1 rows have no variance") && e.contains("g1"),
            "{cmd} {flag}: {e}"
        );
        assert!(!e.contains("missing"), "{e}");
    }
}

#[test]
fn top_variable_exports_name_input_rows() {
    // `--top-variable` keeps 7 of the seed's 30 genes (Gene_k is input row
    // k − 1). Every index file names input rows, whether the reader
    // selected while streaming (Parquet) or after a whole read (CSV).
    let dir = scratch("top-positions");
    let check = |text: &str, n: usize| {
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("index\tlabel"), "{text}");
        let rest: Vec<&str> = lines.collect();
        assert_eq!(rest.len(), n, "{text}");
        let mut beyond = false;
        for line in rest {
            let (i, label) = line.split_once('\t').unwrap();
            let want = label.trim_start_matches("Gene_").parse::<usize>().unwrap() - 1;
            let i = i.parse::<usize>().unwrap();
            assert_eq!(i, want, "{text}");
            beyond |= i >= n;
        }
        assert!(beyond, "the selection skips early rows: {text}");
    };
    for ext in ["csv", "parquet"] {
        let input = crate::util::samples().join(format!("seed.{ext}"));
        let input = input.to_str().unwrap();
        let r = dir.join(format!("r_{ext}.npy"));
        let o = bin()
            .args([
                "corr",
                input,
                "-o",
                r.to_str().unwrap(),
                "--top-variable",
                "7",
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        check(
            &std::fs::read_to_string(dir.join(format!("r_{ext}.labels.tsv"))).unwrap(),
            7,
        );
        let order = dir.join(format!("order_{ext}.tsv"));
        let o = bin()
            .args(["linkage", input, "-o", dir.join("z.npy").to_str().unwrap()])
            .args(["--top-variable", "7", "--order", order.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        check(&std::fs::read_to_string(&order).unwrap(), 7);
        let ex = dir.join(format!("ex_{ext}"));
        let o = bin()
            .args([
                "clustermap",
                input,
                "-o",
                dir.join("cm.png").to_str().unwrap(),
            ])
            .args(["--top-variable", "7", "--export-dir", ex.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        check(
            &std::fs::read_to_string(ex.join("row_order.tsv")).unwrap(),
            7,
        );
        let ex = dir.join(format!("corrmap_{ext}"));
        let o = bin()
            .args(["corrmap", input, "-o", dir.join("c.png").to_str().unwrap()])
            .args([
                "--top-variable",
                "7",
                "--cluster",
                "--export-dir",
                ex.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        check(&std::fs::read_to_string(ex.join("order.tsv")).unwrap(), 7);
    }
}

#[test]
fn top_variable_ranks_rows_whose_variance_leaves_f64s_range() {
    // numpy's var is inf for big (1e200, and 8e307, whose sum overflows)
    // and 0 for tiny (1e-200) rows here, so a ranking on it ties them.
    // The true order is by the scale c of each row c·(0, 1, 2, 0.5).
    let dir = scratch("top-extreme");
    let cs = [
        "1e-200", "1e199", "8e307", "1", "3e200", "2e-200", "1e200", "0.5",
    ];
    let mut text = String::from("gene,a,b,c,d\n");
    for (i, c) in cs.iter().enumerate() {
        let c: f64 = c.parse().unwrap();
        text += &format!("g{i},0,{:e},{:e},{:e}\n", c, 2.0 * c, 0.5 * c);
    }
    let input = dir.join("m.csv");
    std::fs::write(&input, text).unwrap();
    let out = dir.join("r.npy");
    let o = bin()
        .args(["corr", input.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .args(["--top-variable", "3"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let labels = std::fs::read_to_string(dir.join("r.labels.tsv")).unwrap();
    // (A ranking on numpy's inf keeps g1, g2, g4: the first of four ties.)
    assert_eq!(labels, "index\tlabel\n2\tg2\n4\tg4\n6\tg6\n");
}
