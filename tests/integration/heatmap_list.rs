//! `kind = "heatmap_list"` (ComplexHeatmap's `ht1 + ht2`): the main
//! heatmap's row tree orders every heatmap, rows matched by label (a
//! shuffled dataset draws the same figure), each heatmap its own colours;
//! the same bytes whatever the thread count; bad entries refused by name.

use std::path::Path;

use crate::order_from::{labels_of, run, two_datasets, write};
use crate::util::{scratch, stderr};

const LIST: &str = r#"
[[figure]]
name = "list"
kind = "heatmap_list"
datasets = ["expr"]
method = "ward"
z_score = "rows"
cmap = "RdBu_r"
center = 0
title = "expression"

[[figure.heatmaps]]
dataset = "meth"
cmap = "viridis"
title = "methylation"
col_cluster = false

[[figure]]
name = "main"
kind = "clustermap"
datasets = ["expr"]
method = "ward"
z_score = "rows"
"#;

/// `meth.csv`'s rows sorted by gene number, as `meth_sorted.csv`.
fn sorted_copy(dir: &Path) {
    let text = std::fs::read_to_string(dir.join("meth.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    lines.sort_by_key(|l| l.split(',').next().unwrap()[1..].parse::<usize>().unwrap());
    std::fs::write(
        dir.join("meth_sorted.csv"),
        format!("{header}\n{}\n", lines.join("\n")),
    )
    .unwrap();
}

#[test]
fn the_main_heatmap_orders_every_heatmap_and_rows_match_by_label() {
    let dir = scratch("heatmap_list");
    two_datasets(&dir);
    sorted_copy(&dir);
    let cfg = write(&dir, "list.toml", LIST);
    let out = dir.join("out");
    let o = run(&cfg, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The rows are clustered as the main heatmap alone would be: the
    // clustermap of the same options has the same tree.
    let list = out.join("expr/list_data");
    let main = out.join("expr/main_data");
    assert_eq!(
        std::fs::read(list.join("row_linkage.npy")).unwrap(),
        std::fs::read(main.join("row_linkage.npy")).unwrap()
    );
    assert_eq!(
        labels_of(&std::fs::read(list.join("row_order.tsv")).unwrap()),
        labels_of(&std::fs::read(main.join("row_order.tsv")).unwrap())
    );
    // meth's rows are shuffled: matched by label, the figure is the one
    // drawn from the same table in gene order.
    let sorted = write(
        &dir,
        "sorted.toml",
        &LIST.replace("dataset = \"meth\"", "dataset = \"meth_sorted\""),
    );
    let text = std::fs::read_to_string(&sorted).unwrap().replace(
        "path = \"meth.csv\"",
        "path = \"meth.csv\"\n\n[[dataset]]\nname = \"meth_sorted\"\npath = \"meth_sorted.csv\"",
    );
    std::fs::write(&sorted, text).unwrap();
    let sorted_out = dir.join("sorted_out");
    let o = run(&sorted, &sorted_out, &["--threads", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let png = std::fs::read(out.join("expr/list.png")).unwrap();
    assert_eq!(
        std::fs::read(sorted_out.join("expr/list.png")).unwrap(),
        png
    );
    // The following heatmap is drawn with its own colours.
    let recoloured = write(
        &dir,
        "recoloured.toml",
        &LIST.replace("cmap = \"viridis\"", "cmap = \"magma\""),
    );
    let other = dir.join("recoloured_out");
    assert!(run(&recoloured, &other, &[]).status.success());
    assert_ne!(std::fs::read(other.join("expr/list.png")).unwrap(), png);
}

#[test]
fn unmatched_rows_and_bad_entries_are_refused_by_name() {
    let dir = scratch("heatmap_list_errors");
    two_datasets(&dir);
    let out = dir.join("out");
    let refused = |figures: &str, want: &[&str]| {
        let cfg = write(&dir, "bad.toml", figures);
        let o = run(&cfg, &out, &[]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        for w in want {
            assert!(err.contains(w), "{w:?} not in: {err}");
        }
    };
    refused(
        "[[figure]]\nname = \"l\"\nkind = \"heatmap_list\"\n",
        &["a heatmap_list needs the heatmaps after the main one"],
    );
    refused(
        "[[figure]]\nname = \"l\"\nkind = \"clustermap\"\n\n[[figure.heatmaps]]\ndataset = \"meth\"\n",
        &["heatmaps applies to kind = \"heatmap_list\" figures, not to clustermap"],
    );
    refused(
        "[[figure]]\nname = \"l\"\nkind = \"heatmap_list\"\n\n[[figure.heatmaps]]\ndataset = \"meth\"\nmethod = \"ward\"\n",
        &["heatmaps entry 1: 'method' is not a key of one heatmap of a list (dataset, cmap,"],
    );
    refused(
        "[[figure]]\nname = \"l\"\nkind = \"heatmap_list\"\n\n[[figure.heatmaps]]\ndataset = \"mteh\"\n",
        &["heatmaps names dataset 'mteh', which the config does not have (datasets: expr, meth)"],
    );
    refused(
        "[[figure]]\nname = \"l\"\nkind = \"heatmap_list\"\nmask = \"upper\"\n\n[[figure.heatmaps]]\ndataset = \"meth\"\n",
        &["mask", "heatmap_list"],
    );
    // A gene the main heatmap lacks is named.
    let mut extra = std::fs::read_to_string(dir.join("meth.csv")).unwrap();
    extra.push_str("G_extra,1,2,3,4,5,6,7,8\n");
    std::fs::write(dir.join("meth.csv"), extra).unwrap();
    let cfg = write(&dir, "extra.toml", LIST);
    let o = run(&cfg, &out, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("heatmaps (the main heatmap, ") && err.contains("are not in it: G_extra"),
        "{err}"
    );
}

#[test]
fn the_example_config_runs() {
    let out = scratch("heatmap_list_example");
    let o = crate::util::bin()
        .arg("run")
        .arg(crate::util::root().join("configs/heatmap_list.toml"))
        .args(["--out", out.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("seed/expression_list.png").is_file());
    assert!(out
        .join("seed/expression_list_data/row_linkage.npy")
        .is_file());
}

#[test]
fn given_row_labels_follow_the_main_tree() {
    let dir = scratch("heatmap_list_labels");
    two_datasets(&dir);
    // One label per row of expr, input order (G0 … G23 → n0 … n23).
    let names: Vec<String> = (0..24).map(|i| format!("\"n{i}\"")).collect();
    let figures = LIST.replace(
        "title = \"expression\"",
        &format!(
            "title = \"expression\"\nyticklabels = [{}]\nfigsize = [8, 8]",
            names.join(", ")
        ),
    );
    let cfg = write(&dir, "labels.toml", &figures);
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("dir = \"out\"", "dir = \"out\"\nformats = [\"svg\"]");
    std::fs::write(&cfg, text).unwrap();
    let out = dir.join("out");
    let o = run(&cfg, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let svg = std::fs::read_to_string(out.join("expr/list.svg")).unwrap();
    let y_of = |i: usize| -> f64 {
        let at = svg
            .find(&format!(">n{i}</text>"))
            .unwrap_or_else(|| panic!("n{i} not drawn"));
        let y = svg[..at].rfind(" y=\"").unwrap() + 4;
        let end = y + svg[y..].find('"').unwrap();
        svg[y..end].parse().unwrap()
    };
    let mut drawn: Vec<usize> = (0..24).collect();
    drawn.sort_by(|&a, &b| y_of(a).total_cmp(&y_of(b)));
    let order: Vec<usize> =
        labels_of(&std::fs::read(out.join("expr/list_data/row_order.tsv")).unwrap())
            .iter()
            .map(|l| l[1..].parse().unwrap())
            .collect();
    assert_eq!(drawn, order);
    assert_ne!(order, (0..24).collect::<Vec<_>>());
}
