//! Splits with gaps (`row_split`, `col_split`, `split_gap`; #16 item 2):
//! the order each slice gets against a naive reference (each slice
//! clustered alone by the definition, slices ordered by the
//! complete-linkage tree of their means), the gaps in pixels at a known
//! dpi, and the refusals.

use heatmill::cluster::distance::pdist;
use heatmill::cluster::primitive::primitive;
use heatmill::cluster::{Method, Metric};

use crate::util::{bin, samples, scratch, stderr};

/// seed.csv as (labels, row-major values, ncols).
fn seed() -> (Vec<String>, Vec<f64>, usize) {
    let text = std::fs::read_to_string(samples().join("seed.csv")).unwrap();
    let mut labels = vec![];
    let mut values = vec![];
    let mut d = 0;
    for line in text.lines().skip(1) {
        let mut f = line.split(',');
        labels.push(f.next().unwrap().to_string());
        let row: Vec<f64> = f.map(|x| x.parse().unwrap()).collect();
        d = row.len();
        values.extend(row);
    }
    (labels, values, d)
}

fn read_tsv(path: &std::path::Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

#[test]
fn row_split_clusters_each_slice_alone_and_orders_slices_by_their_means() {
    let dir = scratch("order");
    let out = dir.join("f.png");
    let data = dir.join("data");
    let o = bin()
        .arg("clustermap")
        .arg(samples().join("seed.csv"))
        .args(["-o", out.to_str().unwrap(), "--no-col-cluster"])
        .args(["--export-dir", data.to_str().unwrap()])
        .arg("--row-split")
        .arg(format!("{}:module", samples().join("genes.tsv").display()))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // The naive reference: modules as the table gives them.
    let (labels, values, d) = seed();
    let module = |i: usize| ["tumor_up", "normal_up", "background"][(i / 10).min(2)];
    let titles = ["background", "normal_up", "tumor_up"];
    let members: Vec<Vec<usize>> = titles
        .iter()
        .map(|t| (0..labels.len()).filter(|&i| module(i) == *t).collect())
        .collect();
    let rows_of = |idx: &[usize]| -> Vec<f64> {
        idx.iter()
            .flat_map(|&i| values[i * d..(i + 1) * d].to_vec())
            .collect()
    };
    let within: Vec<Vec<usize>> = members
        .iter()
        .map(|m| {
            let z = primitive(
                pdist(&rows_of(m), m.len(), d, Metric::Euclidean),
                Method::Average,
            );
            z.leaves().iter().map(|&l| m[l]).collect()
        })
        .collect();
    let means: Vec<f64> = members
        .iter()
        .flat_map(|m| {
            (0..d)
                .map(|j| m.iter().map(|&i| values[i * d + j]).sum::<f64>() / m.len() as f64)
                .collect::<Vec<_>>()
        })
        .collect();
    let slice_order = primitive(pdist(&means, 3, d, Metric::Euclidean), Method::Complete).leaves();
    let expected: Vec<usize> = slice_order
        .iter()
        .flat_map(|&s| within[s].clone())
        .collect();
    let order: Vec<usize> = read_tsv(&data.join("row_order.tsv"))
        .iter()
        .map(|r| r[0].parse().unwrap())
        .collect();
    assert_eq!(order, expected);
    let slices = read_tsv(&data.join("row_slices.tsv"));
    assert_eq!(slices.len(), 30);
    for (r, &i) in slices.iter().zip(&expected) {
        assert_eq!(r[0], i.to_string());
        assert_eq!(r[1], labels[i]);
        assert_eq!(r[2], module(i));
    }
    // No scipy tree of the whole axis exists for a split by annotation.
    assert!(!data.join("row_linkage.npy").exists());
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

/// Runs of (is white, length) along a line of pixels.
fn runs(pixels: impl Iterator<Item = [u8; 3]>) -> Vec<(bool, usize)> {
    let mut out: Vec<(bool, usize)> = vec![];
    for p in pixels {
        let white = p == [255, 255, 255];
        match out.last_mut() {
            Some((w, n)) if *w == white => *n += 1,
            _ => out.push((white, 1)),
        }
    }
    out
}

#[test]
fn slices_are_drawn_split_gap_points_apart() {
    let dir = scratch("gaps");
    let out = dir.join("f.png");
    let o = bin()
        .arg("heatmap")
        .arg(samples().join("seed.csv"))
        .args([
            "-o",
            out.to_str().unwrap(),
            "--cmap",
            "viridis",
            "--dpi",
            "100",
        ])
        .args(["--split-gap", "10", "--no-cbar"])
        .arg("--row-split")
        .arg(format!("{}:module", samples().join("genes.tsv").display()))
        .arg("--col-split")
        .arg(format!("{}:group", samples().join("samples.tsv").display()))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let (w, h, rgb) = decode(&std::fs::read(&out).unwrap());
    let at = |x: usize, y: usize| {
        let k = (y * w + x) * 3;
        [rgb[k], rgb[k + 1], rgb[k + 2]]
    };
    // 10 pt at 100 dpi = 13.9 px; each block is snapped to whole pixels.
    let gaps_ok = |r: &[(bool, usize)], long: usize| {
        let body: Vec<_> = r
            .iter()
            .skip_while(|(white, n)| *white || *n < long)
            .collect();
        let end = body
            .iter()
            .rposition(|(white, n)| !*white && *n >= long)
            .unwrap();
        let inner = &body[..=end];
        let gaps: Vec<usize> = inner.iter().filter(|(w, _)| *w).map(|(_, n)| *n).collect();
        (gaps, inner.iter().filter(|(w, _)| !*w).count())
    };
    // Down a column through the body: three slices, two gaps.
    let col = runs((0..h).map(|y| at(w * 3 / 4, y)));
    let (gaps, blocks) = gaps_ok(&col, 100);
    assert_eq!(blocks, 3, "{col:?}");
    assert_eq!(gaps.len(), 2, "{col:?}");
    assert!(gaps.iter().all(|&g| (13..=15).contains(&g)), "{gaps:?}");
    // Across a row through the body: two slices, one gap.
    let row = runs((0..w).map(|x| at(x, h / 2)));
    let (gaps, blocks) = gaps_ok(&row, 100);
    assert_eq!(blocks, 2, "{row:?}");
    assert!(gaps.len() == 1 && (13..=15).contains(&gaps[0]), "{gaps:?}");
}

#[test]
fn bad_splits_are_refused_naming_the_option_and_what_to_do() {
    let dir = scratch("refused");
    let out = dir.join("f.png");
    let genes = samples().join("genes.tsv");
    let partial = dir.join("partial.tsv");
    std::fs::write(&partial, "gene\tmodule\nGene_1\ta\nGene_2\tb\n").unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["--row-split".into(), format!("{}:nope", genes.display())],
            "nope",
        ),
        (
            vec![
                "--row-split".into(),
                format!("{}:module", partial.display()),
            ],
            "28 of the 30 rows have no value in column 'module': Gene_3",
        ),
        (
            vec!["--row-split".into(), "cut".into()],
            "cut_rows (--cut-rows), which is not given",
        ),
        (
            vec![
                "--row-split".into(),
                format!("{}:module", genes.display()),
                "--cut-rows".into(),
                "2".into(),
            ],
            "splits by an annotation",
        ),
        (
            vec!["--split-gap".into(), "-1".into()],
            "split_gap (--split-gap) is in points and must be at least 0",
        ),
    ];
    for (args, expected) in cases {
        let o = bin()
            .arg("clustermap")
            .arg(samples().join("seed.csv"))
            .args(["-o", out.to_str().unwrap()])
            .args(&args)
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(!out.exists());
    }
}

#[test]
fn kmeans_rows_slices_the_rows_by_cluster_and_exports_membership() {
    let dir = scratch("kmeans");
    let run = |threads: &str, name: &str| {
        let out = dir.join(format!("{name}.png"));
        let data = dir.join(format!("{name}_data"));
        let o = bin()
            .arg("heatmap")
            .arg(samples().join("seed.csv"))
            .args(["-o", out.to_str().unwrap(), "--kmeans-rows", "3"])
            .args(["--threads", threads])
            .args(["--export-dir", data.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        (std::fs::read(out).unwrap(), data)
    };
    let (png1, data) = run("1", "one");
    let (png2, _) = run("2", "two");
    assert!(
        png1 == png2,
        "the same seed gives the same figure at any thread count"
    );
    let km = read_tsv(&data.join("kmeans.tsv"));
    assert_eq!(km.len(), 30);
    let cluster: Vec<usize> = km.iter().map(|r| r[2].parse().unwrap()).collect();
    for (i, r) in km.iter().enumerate() {
        assert_eq!(r[0], i.to_string());
        assert_eq!(r[1], format!("Gene_{}", i + 1));
    }
    // The planted blocks of the seed matrix are the clusters.
    for block in cluster.chunks(10) {
        assert!(block.iter().all(|&c| c == block[0]), "{cluster:?}");
    }
    let mut ids = cluster.clone();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids, vec![1, 2, 3]);
    // A heatmap: slices in cluster id order, input order inside.
    let slices = read_tsv(&data.join("row_slices.tsv"));
    let mut expected: Vec<usize> = (0..30).collect();
    expected.sort_by_key(|&i| cluster[i]);
    let got: Vec<usize> = slices.iter().map(|r| r[0].parse().unwrap()).collect();
    assert_eq!(got, expected);
    for r in &slices {
        let i: usize = r[0].parse().unwrap();
        assert_eq!(r[2], cluster[i].to_string());
    }
    // Refused: more clusters than rows; with a split of its own.
    for (args, expected) in [
        (
            vec!["--kmeans-rows", "31"],
            "kmeans_rows (--kmeans-rows) is 31, but",
        ),
        (
            vec!["--kmeans-rows", "3", "--cut-rows", "2"],
            "so cut_rows (--cut-rows) does not apply with it",
        ),
    ] {
        let o = bin()
            .arg("clustermap")
            .arg(samples().join("seed.csv"))
            .args(["-o", dir.join("x.png").to_str().unwrap()])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(expected), "{}", stderr(&o));
    }
}
