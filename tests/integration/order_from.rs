//! `row_order_from`/`col_order_from`: a figure drawn in another figure's
//! order (ComplexHeatmap's main heatmap ordering the others): equal to the
//! same figure given that order as a file, the tree shared, identical
//! whether the run is whole, sharded or `--only`, and bad names, cycles
//! and unmatched labels refused by name.

use std::path::{Path, PathBuf};

use crate::util::{bin, scratch, stderr, Rng};

/// Writes `name.csv` into `dir`: the genes `G0…G{rows-1}` (in the order
/// `perm` gives) × 8 samples, seeded random values.
pub(crate) fn table(dir: &Path, name: &str, perm: &[usize], seed: u64) -> PathBuf {
    let mut rng = Rng(seed);
    let mut s = String::from("gene");
    for j in 0..8 {
        s.push_str(&format!(",S{j}"));
    }
    s.push('\n');
    for &i in perm {
        s.push_str(&format!("G{i}"));
        for j in 0..8 {
            // Two blocks of genes, so the tree has structure.
            let shift = if (i < perm.len() / 2) == (j < 4) {
                2.0
            } else {
                0.0
            };
            s.push_str(&format!(",{}", rng.normal() + shift));
        }
        s.push('\n');
    }
    let p = dir.join(format!("{name}.csv"));
    std::fs::write(&p, s).unwrap();
    p
}

/// Two datasets of the same 24 genes: `expr` in order, `meth` shuffled
/// with other values.
pub(crate) fn two_datasets(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let order: Vec<usize> = (0..24).collect();
    table(dir, "expr", &order, 7);
    let shuffled: Vec<usize> = (0..24).map(|i| (i * 7 + 3) % 24).collect();
    table(dir, "meth", &shuffled, 11);
}

pub(crate) const HEAD: &str = r#"[output]
dir = "out"

[defaults]
figsize = [4, 5]
dpi = 50

[[dataset]]
name = "expr"
path = "expr.csv"

[[dataset]]
name = "meth"
path = "meth.csv"
"#;

pub(crate) fn write(dir: &Path, name: &str, figures: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("{HEAD}\n{figures}")).unwrap();
    p
}

pub(crate) fn run(cfg: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    bin()
        .arg("run")
        .arg(cfg)
        .args(["--out", out.to_str().unwrap(), "--quiet"])
        .args(extra)
        .output()
        .unwrap()
}

const FOLLOWING: &str = r#"
[[figure]]
name = "follow_heat"
kind = "heatmap"
datasets = ["meth"]
row_order_from = "expr/main"

[[figure]]
name = "follow_tree"
kind = "clustermap"
datasets = ["meth"]
row_order_from = "expr/main"

[[figure]]
name = "follow_flat"
kind = "clustermap"
datasets = ["meth"]
row_cluster = false
row_order_from = "expr/main"

[[figure]]
name = "follow_cols"
kind = "heatmap"
datasets = ["expr"]
col_order_from = "main"

[[figure]]
name = "main"
kind = "clustermap"
datasets = ["expr"]
method = "ward"
"#;

pub(crate) fn labels_of(order_tsv: &[u8]) -> Vec<String> {
    String::from_utf8(order_tsv.to_vec())
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split('\t').nth(1).unwrap().to_string())
        .collect()
}

#[test]
fn a_figure_takes_another_datasets_row_order_and_tree_by_label() {
    let dir = scratch("order_from");
    two_datasets(&dir);
    let cfg = write(&dir, "follow.toml", FOLLOWING);
    let out = dir.join("out");
    let o = run(&cfg, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let main = out.join("expr/main_data");
    let tree = out.join("meth/follow_tree_data");
    // The follower clustermap draws the main figure's tree over its own
    // rows, matched by label (meth's rows are shuffled): the same linkage
    // and the same labels in leaf order.
    let main_order = labels_of(&std::fs::read(main.join("row_order.tsv")).unwrap());
    assert_eq!(
        labels_of(&std::fs::read(tree.join("row_order.tsv")).unwrap()),
        main_order
    );
    assert_eq!(
        std::fs::read(tree.join("row_linkage.npy")).unwrap(),
        std::fs::read(main.join("row_linkage.npy")).unwrap()
    );
    // meth's own clustering would give another order: the order is taken.
    let own = write(
        &dir,
        "own.toml",
        "[[figure]]\nname = \"own\"\nkind = \"clustermap\"\ndatasets = [\"meth\"]\n",
    );
    let own_out = dir.join("own_out");
    assert!(run(&own, &own_out, &[]).status.success());
    assert_ne!(
        labels_of(&std::fs::read(own_out.join("meth/own_data/row_order.tsv")).unwrap()),
        main_order
    );
    // The heatmap and unclustered clustermap that follow are the figures
    // drawn with that order given as a file (`row_order`), to the byte.
    std::fs::write(dir.join("order.txt"), main_order.join("\n") + "\n").unwrap();
    let col_order = labels_of(&std::fs::read(main.join("col_order.tsv")).unwrap());
    // Not the input order, so following it is seen.
    assert_ne!(
        col_order,
        (0..8).map(|j| format!("S{j}")).collect::<Vec<_>>()
    );
    std::fs::write(dir.join("cols.txt"), col_order.join("\n") + "\n").unwrap();
    let given = write(
        &dir,
        "given.toml",
        r#"
[[figure]]
name = "follow_heat"
kind = "heatmap"
datasets = ["meth"]
row_order = "order.txt"

[[figure]]
name = "follow_flat"
kind = "clustermap"
datasets = ["meth"]
row_cluster = false
row_order = "order.txt"

[[figure]]
name = "follow_cols"
kind = "heatmap"
datasets = ["expr"]
col_order = "cols.txt"
"#,
    );
    let given_out = dir.join("given_out");
    let o = run(&given, &given_out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "meth/follow_heat.png",
        "meth/follow_flat.png",
        "expr/follow_cols.png",
    ] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(given_out.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn shards_only_and_resumed_runs_give_the_same_bytes_and_follow_a_changed_main() {
    let dir = scratch("order_from_shards");
    two_datasets(&dir);
    let cfg = write(&dir, "follow.toml", FOLLOWING);
    let whole = dir.join("whole");
    assert!(run(&cfg, &whole, &[]).status.success());
    let all = crate::batch::tree(&whole);
    // expr and meth fall in different shards: meth's shard makes the
    // main figure's order itself.
    let sharded = dir.join("sharded");
    for k in 1..=2 {
        let o = run(&cfg, &sharded, &["--shard", &format!("{k}/2")]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert_eq!(crate::batch::tree(&sharded), all);
    let only = dir.join("only");
    let o = run(&cfg, &only, &["--only", "meth/follow_tree"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let got = crate::batch::tree(&only);
    assert!(!got.is_empty());
    for (k, v) in &got {
        assert_eq!(Some(v), all.get(k), "{k}");
    }
    // A rerun skips everything; a changed main figure reruns its
    // followers too (their parameters include the main figure's).
    let o = run(&cfg, &whole, &[]);
    assert!(o.status.success());
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(whole.join("manifest.json")).unwrap()).unwrap();
    let before = m["jobs"]["meth/follow_tree"]["params_sha256"].clone();
    let changed = write(
        &dir,
        "follow.toml",
        &FOLLOWING.replace("method = \"ward\"", "method = \"complete\""),
    );
    let o = run(&changed, &whole, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(whole.join("manifest.json")).unwrap()).unwrap();
    assert_ne!(m["jobs"]["meth/follow_tree"]["params_sha256"], before);
    let fresh = dir.join("fresh");
    assert!(run(&changed, &fresh, &[]).status.success());
    assert_eq!(crate::batch::tree(&whole), crate::batch::tree(&fresh));
    assert_ne!(crate::batch::tree(&fresh), all);
}

#[test]
fn unknown_names_cycles_and_unmatched_labels_are_refused_by_name() {
    let dir = scratch("order_from_errors");
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
        "[[figure]]\nname = \"a\"\nkind = \"heatmap\"\nrow_order_from = \"mian\"\n",
        &[
            "line 19, key 'row_order_from'",
            "row_order_from names figure 'mian', which the config does not have (figures: a)",
        ],
    );
    refused(
        "[[figure]]\nname = \"a\"\nkind = \"heatmap\"\nrow_order_from = \"b\"\n\n[[figure]]\nname = \"b\"\nkind = \"clustermap\"\nrow_order_from = \"a\"\n",
        &["line 19, key 'row_order_from'", "cycle (a -> b -> a)"],
    );
    // Through the columns of one and the rows of the other, too.
    refused(
        "[[figure]]\nname = \"a\"\nkind = \"heatmap\"\nrow_order_from = \"b\"\n\n[[figure]]\nname = \"b\"\nkind = \"clustermap\"\ncol_order_from = \"a\"\n",
        &["line 19, key 'row_order_from'", "cycle (a -> b -> a)"],
    );
    refused(
        "[[figure]]\nname = \"a\"\nkind = \"heatmap\"\nrow_order_from = \"nope/b\"\n\n[[figure]]\nname = \"b\"\nkind = \"clustermap\"\n",
        &["line 19, key 'row_order_from'", "names dataset 'nope'", "(datasets: expr, meth)"],
    );
    refused(
        "[[figure]]\nname = \"a\"\nkind = \"heatmap\"\nrow_order_from = \"expr/b\"\n\n[[figure]]\nname = \"b\"\nkind = \"clustermap\"\ndatasets = [\"meth\"]\n",
        &["line 19, key 'row_order_from'", "not made for that dataset"],
    );
    refused(
        "[[figure]]\nname = \"a\"\nkind = \"clustermap\"\nrow_order_from = \"b\"\nrow_linkage = \"z.npy\"\n\n[[figure]]\nname = \"b\"\nkind = \"clustermap\"\n",
        &["row_order_from", "row_linkage does not apply with it"],
    );
    refused(
        "[[figure]]\nname = \"a\"\nkind = \"corrmap\"\nrow_order_from = \"b\"\n\n[[figure]]\nname = \"b\"\nkind = \"clustermap\"\n",
        &["line 19, key 'row_order_from'", "not to corrmap"],
    );
    // Rows matched by label: a gene the main figure lacks is named.
    let mut extra = std::fs::read_to_string(dir.join("meth.csv")).unwrap();
    extra.push_str("G_extra,1,2,3,4,5,6,7,8\n");
    std::fs::write(dir.join("meth.csv"), extra).unwrap();
    let cfg = write(&dir, "extra.toml", FOLLOWING);
    let o = run(&cfg, &out, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("row_order_from (figure 'main' of dataset 'expr'): 1 of the 25 rows of")
            && err.contains("are not in it: G_extra"),
        "{err}"
    );
}

#[test]
fn the_example_config_draws_three_figures_in_one_row_order() {
    let out = scratch("order_from_example");
    let o = bin()
        .arg("run")
        .arg(crate::util::root().join("configs/order_from.toml"))
        .args(["--out", out.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let main = std::fs::read(out.join("seed/main_data/row_order.tsv")).unwrap();
    let follower = std::fs::read(out.join("seed/raw_values_data/row_order.tsv")).unwrap();
    assert_eq!(labels_of(&follower), labels_of(&main));
    assert!(out.join("seed_missing/missing_cells.png").is_file());
}

#[test]
fn the_snakemake_plan_lists_the_other_datasets_a_figure_reads() {
    let plan = |config: &str| -> serde_json::Value {
        let r = crate::util::bin()
            .args(["plan", config, "--format", "snakemake"])
            .current_dir(crate::util::root())
            .output()
            .unwrap();
        assert!(r.status.success(), "{}", crate::util::stderr(&r));
        serde_json::from_slice(&r.stdout).unwrap()
    };
    let name = |v: &serde_json::Value| {
        std::path::Path::new(v.as_str().unwrap())
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    // A follower on another dataset reads the main figure's dataset;
    // one on its own dataset reads nothing more.
    let p = plan("configs/order_from.toml");
    let other = p["other_inputs"].as_object().unwrap();
    assert_eq!(other.len(), 1, "{other:?}");
    let follower = other["seed_missing/missing_cells"].as_array().unwrap();
    assert_eq!(
        follower.iter().map(name).collect::<Vec<_>>(),
        ["seed.parquet"]
    );
    // A heatmap list reads its other datasets.
    let p = plan("configs/heatmap_list.toml");
    let other = p["other_inputs"].as_object().unwrap();
    let (_, list) = other.iter().next().expect("the list's other datasets");
    assert_eq!(
        list.as_array()
            .unwrap()
            .iter()
            .map(name)
            .collect::<Vec<_>>(),
        ["seed_missing.csv"]
    );
}
