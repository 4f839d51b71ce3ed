//! `heatmill run`: many datasets × figures, failures isolated, resumable
//! after a kill, deterministic, shardable with identical bytes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::util::{bin, root, samples, scratch, stderr, Rng};

/// Writes `n` small cohorts (CSV) into `dir/data`, and a config making
/// three figures of each.
fn cohort(dir: &Path, n: usize, rows: usize) -> PathBuf {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let mut rng = Rng(42);
    for k in 0..n {
        let mut s = String::from("gene");
        for j in 0..8 {
            s.push_str(&format!(",S{j}"));
        }
        s.push('\n');
        for i in 0..rows {
            s.push_str(&format!("G{i}"));
            for _ in 0..8 {
                s.push_str(&format!(",{}", rng.normal()));
            }
            s.push('\n');
        }
        std::fs::write(data.join(format!("cohort{k:03}.csv")), s).unwrap();
    }
    let mut groups = String::from("sample\tgroup\n");
    for j in 0..8 {
        groups.push_str(&format!("S{j}\t{}\n", if j < 4 { "A" } else { "B" }));
    }
    std::fs::write(dir.join("groups.tsv"), groups).unwrap();
    let cfg = dir.join("run.toml");
    std::fs::write(
        &cfg,
        r#"[output]
dir = "out"

[defaults]
figsize = [4, 4]
dpi = 60

[[dataset]]
path = "data/cohort*.csv"
col_colors = ["groups.tsv:group"]

[[figure]]
name = "heat"
kind = "heatmap"
cmap = "viridis"

[[figure]]
name = "clust"
kind = "clustermap"
method = "ward"
cut_rows = 3

[[figure]]
name = "corr"
kind = "corrmap"
mask = "upper"
cluster = true
"#,
    )
    .unwrap();
    cfg
}

/// `heatmill run CFG EXTRA…`
fn run_config(cfg: &Path, extra: &[&str]) -> Output {
    let mut c = bin();
    c.arg("run").arg(cfg).args(extra);
    c.output().unwrap()
}

/// Every file under `dir` (relative path → bytes), manifests excluded.
pub(crate) fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                if !rel.starts_with("manifest") {
                    out.insert(rel, std::fs::read(&p).unwrap());
                }
            }
        }
    }
    out
}

/// Runs a shipped example config into a scratch directory; returns it.
fn run_example(config: &str, name: &str) -> PathBuf {
    let dir = scratch(name);
    let o = bin()
        .args([
            "run",
            root().join("configs").join(config).to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
            "--quiet",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{config}: {}", stderr(&o));
    dir
}

#[test]
fn seed_config_makes_the_three_tutorial_figures() {
    let dir = run_example("seed.toml", "seed");
    for f in [
        "seed/heatmap.png",
        "seed/clustermap.png",
        "seed/corrmap.png",
        "manifest.json",
    ] {
        assert!(dir.join(f).exists(), "{f}");
    }
}

#[test]
fn anndata_example_config_runs() {
    let dir = run_example("anndata.toml", "anndata");
    for f in ["top_genes.png", "top_genes.pdf", "top_genes_corr.png"] {
        assert!(dir.join("counts").join(f).exists(), "{f}");
    }
}

#[test]
fn large_corrmap_example_config_runs() {
    let dir = run_example("large_corrmap.toml", "large_corrmap");
    for f in [
        "corrmap.png",
        "corrmap.pdf",
        "corrmap_clustered.png",
        "corrmap_clustered.pdf",
    ] {
        assert!(dir.join("genes").join(f).exists(), "{f}");
    }
}

#[test]
fn many_datasets_one_corrupt_the_rest_complete() {
    let dir = scratch("corrupt");
    let cfg = cohort(&dir, 12, 30);
    std::fs::write(
        dir.join("data/cohort005.csv"),
        "gene,S0,S1\nG0,1,2\nG1,3,oops\n",
    )
    .unwrap();
    let o = run_config(&cfg, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cohort005.csv") && err.contains("oops"),
        "{err}"
    );
    assert!(err.contains("33 done") && err.contains("3 failed"), "{err}");
    let files = tree(&dir.join("out"));
    let pngs = files.keys().filter(|k| k.ends_with(".png")).count();
    assert_eq!(pngs, 33);
    assert!(
        !files.keys().any(|k| k.contains(".tmp")),
        "temp files left: {:?}",
        files.keys()
    );
    assert!(
        !files.keys().any(|k| k.starts_with("cohort005")),
        "partial output of the bad dataset"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["jobs"]["cohort005/heat"]["status"], "failed");
    assert_eq!(manifest["jobs"]["cohort004/clust"]["status"], "ok");
    // Cluster exports are there for the good ones.
    assert!(files.contains_key("cohort004/clust_data/row_clusters.tsv"));
}

#[test]
fn rerun_skips_done_jobs_and_redoes_missing_ones_with_same_bytes() {
    let dir = scratch("resume");
    let cfg = cohort(&dir, 4, 25);
    let o = run_config(&cfg, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let first = tree(&dir.join("out"));
    std::fs::remove_file(dir.join("out/cohort002/corr.png")).unwrap();
    let o = run_config(&cfg, &[]);
    let err = stderr(&o);
    assert!(err.contains("1 done, 11 up to date"), "{err}");
    assert_eq!(tree(&dir.join("out")), first, "rerun changed bytes");
    let o = run_config(&cfg, &["--force"]);
    assert!(stderr(&o).contains("12 done"), "{}", stderr(&o));
    assert_eq!(tree(&dir.join("out")), first, "--force changed bytes");
    // A changed option reruns only that figure.
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("cmap = \"viridis\"", "cmap = \"magma\"");
    std::fs::write(&cfg, text).unwrap();
    let o = run_config(&cfg, &[]);
    assert!(
        stderr(&o).contains("4 done, 8 up to date"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn killed_run_finishes_only_missing_jobs() {
    let dir = scratch("kill");
    let cfg = cohort(&dir, 30, 120);
    let mut child = bin()
        .arg("run")
        .arg(&cfg)
        .arg("--threads")
        .arg("1")
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    let _ = child.kill();
    let _ = child.wait();
    let o = run_config(&cfg, &[]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    let last = err.lines().last().unwrap_or("");
    // done + up to date = all 90 jobs, and nothing half-written remains.
    let nums: Vec<usize> = last
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|t| t.parse().ok())
        .collect();
    assert!(nums.len() >= 2 && nums[0] + nums[1] == 90, "{last}");
    let files = tree(&dir.join("out"));
    assert_eq!(files.keys().filter(|k| k.ends_with(".png")).count(), 90);
    assert!(!files.keys().any(|k| k.contains(".tmp")));
}

#[test]
fn shards_give_exactly_the_files_of_one_run() {
    let dir = scratch("shards");
    let cfg = cohort(&dir, 7, 20);
    let whole = dir.join("whole");
    let o = run_config(&cfg, &["--out", whole.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let sharded = dir.join("sharded");
    let mut manifests = Vec::new();
    for k in 1..=3 {
        let o = run_config(
            &cfg,
            &[
                "--out",
                sharded.to_str().unwrap(),
                "--shard",
                &format!("{k}/3"),
                "--quiet",
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        manifests.push(sharded.join(format!("manifest.shard-{k}-of-3.json")));
    }
    // The Slurm way: --shards N with SLURM_ARRAY_TASK_ID picks the same split.
    let slurm = dir.join("slurm");
    for task in 0..3 {
        let o = bin()
            .arg("run")
            .arg(&cfg)
            .args(["--out", slurm.to_str().unwrap(), "--shards", "3", "--quiet"])
            .env("SLURM_ARRAY_TASK_ID", task.to_string())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
    }
    // A stepped array (`sbatch --array=0-4:2`, ids 0, 2, 4) runs shards
    // 1, 2, 3 (not 1, 3, 2 twice over), each once.
    let stepped = dir.join("stepped");
    for task in [0, 2, 4] {
        let o = bin()
            .arg("run")
            .arg(&cfg)
            .args([
                "--out",
                stepped.to_str().unwrap(),
                "--shards",
                "3",
                "--quiet",
            ])
            .env("SLURM_ARRAY_TASK_ID", task.to_string())
            .env("SLURM_ARRAY_TASK_MIN", "0")
            .env("SLURM_ARRAY_TASK_STEP", "2")
            .env("SLURM_ARRAY_TASK_COUNT", "3")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
    }
    for k in 1..=3 {
        assert!(
            stepped
                .join(format!("manifest.shard-{k}-of-3.json"))
                .exists(),
            "shard {k}"
        );
    }
    // An array larger than --shards would run shards twice: refused.
    let o = bin()
        .arg("run")
        .arg(&cfg)
        .args([
            "--out",
            stepped.to_str().unwrap(),
            "--shards",
            "3",
            "--quiet",
        ])
        .env("SLURM_ARRAY_TASK_ID", "1")
        .env("SLURM_ARRAY_TASK_COUNT", "4")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let w = tree(&whole);
    assert_eq!(tree(&sharded), w);
    assert_eq!(tree(&slurm), w);
    let mut st = tree(&stepped);
    st.retain(|k, _| !k.starts_with("manifest"));
    let mut w_files = w.clone();
    w_files.retain(|k, _| !k.starts_with("manifest"));
    assert_eq!(st, w_files);
    let mut c = bin();
    c.arg("merge-manifests")
        .args(&manifests)
        .arg("-o")
        .arg(sharded.join("manifest.json"));
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let merged: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sharded.join("manifest.json")).unwrap())
            .unwrap();
    let single: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(whole.join("manifest.json")).unwrap())
            .unwrap();
    let ids = |m: &serde_json::Value| {
        m["jobs"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&merged), ids(&single));
    for id in ids(&single) {
        assert_eq!(
            merged["jobs"][&id]["outputs"], single["jobs"][&id]["outputs"],
            "{id}"
        );
    }
}

#[test]
fn plan_lists_jobs_in_stable_order_and_config_errors_exit_2() {
    let dir = scratch("plan");
    let cfg = cohort(&dir, 3, 10);
    let o = bin().arg("plan").arg(&cfg).output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    let ids: Vec<&str> = text
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(
        ids[..4],
        [
            "cohort000/heat",
            "cohort000/clust",
            "cohort000/corr",
            "cohort001/heat"
        ]
    );
    assert_eq!(ids.len(), 9);
    // --dry-run lists the same jobs and writes nothing.
    let o = run_config(&cfg, &["--dry-run"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), text);
    assert!(!dir.join("out").exists());
    // A custom naming pattern shapes every output path.
    let custom = dir.join("custom.toml");
    let t = std::fs::read_to_string(&cfg).unwrap().replace(
        "dir = \"out\"",
        "dir = \"out\"\nnaming = \"{figure}/{dataset}-{kind}.{ext}\"",
    );
    std::fs::write(&custom, t).unwrap();
    let o = bin().arg("plan").arg(&custom).output().unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("out/heat/cohort000-heatmap.png"));
    // A pattern that could make two jobs write one file is refused.
    let t = std::fs::read_to_string(&cfg).unwrap().replace(
        "dir = \"out\"",
        "dir = \"out\"\nnaming = \"{dataset}.{ext}\"",
    );
    std::fs::write(&custom, t).unwrap();
    assert_eq!(
        bin()
            .arg("plan")
            .arg(&custom)
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[[dataset]]\npath = \"data/cohort000.csv\"\n[[figure]]\nname = \"x\"\nkind = \"heatmap\"\nlinewidth = 1\n").unwrap();
    let o = run_config(&bad, &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("bad.toml") && err.contains("line 6") && err.contains("linewidth"),
        "{err}"
    );
    assert!(!dir.join("out").exists() || tree(&dir.join("out")).is_empty());
}

#[test]
fn memory_budget_refuses_what_cannot_fit() {
    let dir = scratch("budget");
    let cfg = cohort(&dir, 2, 40);
    let o = run_config(&cfg, &["--max-memory", "10K"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("--max-memory"), "{err}");
    let o = run_config(&cfg, &["--max-memory", "4G"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_tight_memory_budget_queues_datasets_instead_of_failing() {
    // Room for about one dataset at a time, two workers: the second must
    // wait for the first, and the run must finish (no deadlock).
    let dir = scratch("queue");
    let cfg = cohort(&dir, 6, 40);
    let mut child = bin()
        .arg("run")
        .arg(&cfg)
        .args(["--max-memory", "1.2M", "--threads", "2", "--quiet"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("run did not finish within 60 s under a tight budget");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success());
    assert_eq!(
        tree(&dir.join("out"))
            .keys()
            .filter(|k| k.ends_with(".png"))
            .count(),
        18
    );
}

#[test]
fn every_configured_format_is_written() {
    let dir = scratch("formats");
    let cfg = cohort(&dir, 1, 12);
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "dir = \"out\"",
        "dir = \"out\"\nformats = [\"png\", \"svg\", \"pdf\"]",
    );
    std::fs::write(&cfg, text).unwrap();
    let o = run_config(&cfg, &["--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let files = tree(&dir.join("out"));
    for ext in ["png", "svg", "pdf"] {
        assert_eq!(
            files.keys().filter(|k| k.ends_with(ext)).count(),
            3,
            "{ext}: {:?}",
            files.keys()
        );
    }
    assert!(files["cohort000/clust.pdf"].starts_with(b"%PDF"));
}

#[test]
fn json_config_is_accepted_and_plans_like_toml() {
    let dir = scratch("json");
    let toml_cfg = cohort(&dir, 2, 10);
    let json = dir.join("run.json");
    std::fs::write(
        &json,
        r#"{
  "output": {"dir": "out"},
  "defaults": {"figsize": [4, 4], "dpi": 60},
  "dataset": [{"path": "data/cohort*.csv", "col_colors": ["groups.tsv:group"]}],
  "figure": [
    {"name": "heat", "kind": "heatmap", "cmap": "viridis"},
    {"name": "clust", "kind": "clustermap", "method": "ward", "cut_rows": 3},
    {"name": "corr", "kind": "corrmap", "mask": "upper", "cluster": true}
  ]
}"#,
    )
    .unwrap();
    let plan = |cfg: &Path| {
        String::from_utf8(bin().arg("plan").arg(cfg).output().unwrap().stdout).unwrap()
    };
    assert_eq!(plan(&json), plan(&toml_cfg));
    let o = run_config(&json, &["--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        tree(&dir.join("out"))
            .keys()
            .filter(|k| k.ends_with(".png"))
            .count(),
        6
    );
    // A JSON syntax error names the file and line.
    std::fs::write(&json, "{\n  \"dataset\": [\n}").unwrap();
    let o = run_config(&json, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("run.json") && stderr(&o).contains("line 3"),
        "{}",
        stderr(&o)
    );
}

/// The same matrix as CSV and as AnnData CSR (cells x genes, read with
/// `transpose`): figures with a shared `top_variable` are streamed from the
/// h5ad and must come out byte-identical to the CSV's; obs columns work as
/// colour strips in a config.
#[test]
fn h5ad_dataset_streams_top_variable_to_identical_figures() {
    let dir = scratch("h5ad");
    let formats = samples().join("formats");
    let figures = r#"
[[figure]]
name = "top"
kind = "clustermap"
log1p = true
top_variable = 15
z_score = "rows"

[[figure]]
name = "topcorr"
kind = "corrmap"
log1p = true
top_variable = 15
"#;
    let mut trees = Vec::new();
    for (name, dataset) in [
        (
            "csv",
            format!("path = \"{}\"", formats.join("counts.csv").display()),
        ),
        (
            "h5ad",
            format!(
                "path = \"{}\"\ntranspose = true",
                formats.join("counts_csr.h5ad").display()
            ),
        ),
    ] {
        let cfg = dir.join(format!("{name}.toml"));
        std::fs::write(
            &cfg,
            format!(
                "[output]\ndir = \"out-{name}\"\n\n[[dataset]]\nname = \"counts\"\n{dataset}\n{figures}"
            ),
        )
        .unwrap();
        let o = run_config(&cfg, &["--quiet"]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        trees.push(tree(&dir.join(format!("out-{name}"))));
    }
    let pngs = |t: &BTreeMap<String, Vec<u8>>| t.keys().filter(|k| k.ends_with(".png")).count();
    assert_eq!(pngs(&trees[0]), 2, "{:?}", trees[0].keys());
    assert_eq!(
        trees[0].keys().collect::<Vec<_>>(),
        trees[1].keys().collect::<Vec<_>>()
    );
    for (k, v) in &trees[0] {
        if k.ends_with(".png") {
            assert!(&trees[1][k] == v, "{k}: h5ad figure differs from the CSV's");
        }
    }

    // obs/var columns as strips, from the dataset's own file.
    let h5ad = formats.join("counts_csr.h5ad");
    let cfg = dir.join("strips.toml");
    std::fs::write(
        &cfg,
        format!(
            "[output]\ndir = \"out-strips\"\n\n[[dataset]]\npath = \"{p}\"\ntranspose = true\ncol_colors = [\"{p}:obs/group\"]\nrow_colors = [\"{p}:var/chrom\"]\n\n[[figure]]\nname = \"cm\"\nkind = \"clustermap\"\nlog1p = true\n",
            p = h5ad.display()
        ),
    )
    .unwrap();
    let o = run_config(&cfg, &["--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("unmatched"), "{}", stderr(&o));
}

/// Starts `heatmill run CFG --threads 1 EXTRA…`, waits until its journal
/// records `jobs` finished jobs, sends `signal`, and returns its output.
fn run_and_signal(cfg: &Path, out: &Path, jobs: usize, signal: i32) -> Output {
    let child = bin()
        .arg("run")
        .arg(cfg)
        .args(["--threads", "1", "--out", out.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let journal = out.join("manifest.json.journal");
    let t0 = std::time::Instant::now();
    loop {
        let n = std::fs::read_to_string(&journal)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if n >= jobs {
            break;
        }
        assert!(
            t0.elapsed().as_secs() < 60,
            "no job recorded within a minute"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
    child.wait_with_output().unwrap()
}

#[test]
fn sigterm_stops_between_jobs_and_a_rerun_finishes_with_the_same_bytes() {
    let dir = scratch("sigterm");
    // Big enough to take a few seconds on one thread (the signal must
    // arrive while jobs remain).
    let cfg = cohort(&dir, 40, 1000);
    let whole = dir.join("whole");
    let o = run_config(&cfg, &["--out", whole.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = dir.join("out");
    let o = run_and_signal(&cfg, &out, 2, libc::SIGTERM);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(143), "{err}");
    assert!(
        err.contains("stopped by SIGTERM") && err.contains("not started"),
        "{err}"
    );
    let files = tree(&out);
    assert!(
        !files.keys().any(|k| k.contains(".tmp-")),
        "temp files left: {:?}",
        files.keys()
    );
    // The manifest is flushed and names exactly the finished jobs, whose
    // files are complete; no journal is left.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let done = manifest["jobs"].as_object().unwrap();
    let pngs = files.keys().filter(|k| k.ends_with(".png")).count();
    assert!(done.len() >= 2 && done.len() < 120, "{}", done.len());
    assert_eq!(pngs, done.len());
    assert!(done.values().all(|j| j["status"] == "ok"));
    assert!(!out.join("manifest.json.journal").exists());
    // The rerun does only the rest and gives the uninterrupted run's bytes.
    let o = run_config(&cfg, &["--out", out.to_str().unwrap()]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains(&format!(
            "{} done, {} up to date",
            120 - done.len(),
            done.len()
        )),
        "{err}"
    );
    assert_eq!(tree(&out), tree(&whole));
}

#[test]
fn sigint_exits_130_with_nothing_half_written() {
    let dir = scratch("sigint");
    let cfg = cohort(&dir, 30, 1000);
    let out = dir.join("out");
    let o = run_and_signal(&cfg, &out, 1, libc::SIGINT);
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert!(!tree(&out).keys().any(|k| k.contains(".tmp-")));
    assert!(out.join("manifest.json").exists());
}

#[test]
fn only_runs_one_dataset_or_one_figure_with_its_own_manifest() {
    let dir = scratch("only");
    let cfg = cohort(&dir, 3, 20);
    let o = run_config(&cfg, &["--only", "cohort001", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let files = tree(&dir.join("out"));
    let pngs: Vec<&String> = files.keys().filter(|k| k.ends_with(".png")).collect();
    assert_eq!(
        pngs,
        [
            "cohort001/clust.png",
            "cohort001/corr.png",
            "cohort001/heat.png"
        ]
    );
    assert!(dir.join("out/manifest.only-cohort001.json").exists());
    let o = run_config(&cfg, &["--only", "cohort002/corr", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.join("out/cohort002/corr.png").exists());
    assert!(!dir.join("out/cohort002/heat.png").exists());
    assert!(dir.join("out/manifest.only-cohort002@corr.json").exists());
    // Unknown names are refused listing what there is (exit 2).
    let o = run_config(&cfg, &["--only", "cohort009"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cohort000, cohort001, cohort002"));
    let o = run_config(&cfg, &["--only", "cohort000/nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("heat, clust, corr"), "{}", stderr(&o));
}

#[test]
fn plan_formats_for_workflow_engines() {
    let dir = scratch("plan_formats");
    let cfg = cohort(&dir, 2, 10);
    let plan = |args: &[&str]| {
        let o = bin().arg("plan").arg(&cfg).args(args).output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        String::from_utf8(o.stdout).unwrap()
    };
    assert_eq!(plan(&["--format", "json"]), plan(&["--json"]));
    assert_eq!(plan(&["--format", "tsv"]), plan(&[]));
    let jobs: serde_json::Value = serde_json::from_str(&plan(&["--json"])).unwrap();
    assert_eq!(jobs.as_array().unwrap().len(), 6);
    let sm: serde_json::Value = serde_json::from_str(&plan(&["--format", "snakemake"])).unwrap();
    let out = dir.join("out").display().to_string();
    assert_eq!(
        sm["outputs"][0],
        format!("{out}/{{dataset}}/{{figure}}.png")
    );
    assert_eq!(sm["wildcards"], serde_json::json!(["dataset", "figure"]));
    assert_eq!(sm["jobs"].as_array().unwrap().len(), 6);
    assert_eq!(
        sm["jobs"][1]["outputs"][0],
        format!("{out}/cohort000/clust.png")
    );
    assert!(sm["inputs"]["cohort001"]
        .as_str()
        .unwrap()
        .ends_with("cohort001.csv"));
    let o = bin()
        .arg("plan")
        .arg(&cfg)
        .args(["--format", "yaml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_glob_matches_symlinked_inputs_as_workflow_engines_stage_them() {
    let dir = scratch("symlinks");
    let cfg = cohort(&dir, 2, 10);
    let linked = dir.join("linked");
    std::fs::create_dir_all(&linked).unwrap();
    for k in 0..2 {
        let name = format!("cohort{k:03}.csv");
        std::os::unix::fs::symlink(dir.join("data").join(&name), linked.join(&name)).unwrap();
    }
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("data/cohort*.csv", "linked/cohort*.csv");
    std::fs::write(&cfg, text).unwrap();
    let o = bin().arg("plan").arg(&cfg).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 6);
}

#[test]
fn run_prints_each_jobs_warnings_and_counts_them() {
    // Warnings are the user's to see, not only the manifest's: a strip
    // table that matches no sample, a misspelled palette entry.
    let dir = crate::util::scratch("run_warnings");
    let seed = crate::util::samples().join("seed.csv");
    std::fs::write(dir.join("ann.tsv"), "sample\tbatch\nX1\tb1\nX2\tb2\n").unwrap();
    let cfg = dir.join("w.toml");
    std::fs::write(
        &cfg,
        format!(
            "[output]\ndir = \"out\"\n[[dataset]]\nname = \"seed\"\npath = \"{}\"\ncol_colors = [\"ann.tsv:batch\"]\n[[figure]]\nname = \"cm\"\nkind = \"clustermap\"\npalette = {{ Tumour = \"#e63946\" }}\n",
            seed.display()
        ),
    )
    .unwrap();
    let o = crate::util::bin()
        .args(["run", cfg.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    let err = crate::util::stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("heatmill: warning: seed/cm: 12 of 12 column labels not in"),
        "{err}"
    );
    assert!(
        err.contains("names a category no strip has: Tumour"),
        "{err}"
    );
    let o = crate::util::bin()
        .args(["run", cfg.to_str().unwrap(), "--force"])
        .output()
        .unwrap();
    assert!(
        crate::util::stderr(&o).contains("1 done (1 with warnings)"),
        "{}",
        crate::util::stderr(&o)
    );
}

#[test]
fn a_progress_hook_gets_every_job_in_place_of_the_bar() {
    use heatmill::batch::{self, Config, ProgressHook, RunEvent, RunOptions};
    use std::sync::{Arc, Mutex};
    let dir = scratch("progress-hook");
    let cfg = Config::load(&cohort(&dir, 3, 12)).unwrap();
    // (kind, done, total, job, status) of every event, in order.
    type Seen = Vec<(&'static str, usize, usize, String, String)>;
    let run = |seen: Arc<Mutex<Seen>>| {
        let hook = ProgressHook::new(move |e| {
            let row = match e {
                RunEvent::Start { total } => ("start", 0, total, String::new(), String::new()),
                RunEvent::Job {
                    done,
                    total,
                    job,
                    status,
                    secs,
                } => {
                    assert!(secs >= 0.0);
                    ("job", done, total, job.to_string(), status.to_string())
                }
                RunEvent::End { done, total } => ("end", done, total, String::new(), String::new()),
            };
            seen.lock().unwrap().push(row);
        });
        let opts = RunOptions {
            threads: Some(2),
            progress: Some(hook),
            ..Default::default()
        };
        batch::run(&cfg, &opts).unwrap()
    };
    for (pass, want) in [(1, "ok"), (2, "skipped")] {
        let seen = Arc::new(Mutex::new(Seen::new()));
        let s = run(seen.clone());
        let seen = seen.lock().unwrap().clone();
        assert_eq!(s.ok + s.skipped, 9, "pass {pass}");
        assert_eq!(seen.len(), 11, "pass {pass}: {seen:?}");
        assert_eq!(seen[0].0, "start");
        assert_eq!(seen[0].2, 9);
        assert_eq!(seen[10].0, "end");
        assert_eq!((seen[10].1, seen[10].2), (9, 9));
        let mut jobs: Vec<String> = seen[1..10]
            .iter()
            .enumerate()
            .map(|(k, (kind, done, total, job, status))| {
                assert_eq!((*kind, *done, *total), ("job", k + 1, 9));
                assert_eq!(status, want, "{job}");
                job.clone()
            })
            .collect();
        jobs.sort();
        let mut planned: Vec<String> = batch::Plan::new(&cfg, None)
            .unwrap()
            .jobs
            .iter()
            .map(|j| j.id.clone())
            .collect();
        planned.sort();
        assert_eq!(jobs, planned, "pass {pass}");
    }
}

#[test]
fn a_jobs_error_names_the_config_key_and_line_not_the_flag() {
    let dir = scratch("config_words");
    let cells = samples().join("grouped").join("cells.h5ad");
    let genes = samples().join("genes.tsv");
    let cfg = dir.join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            "[output]\ndir = \"out\"\nformats = [\"png\"]\n\n\
             [[dataset]]\nname = \"cells\"\npath = \"{}\"\n\n\
             [[figure]]\nname = \"dots\"\nkind = \"dotplot\"\ngroupby = \"obs/cell_type\"\n\
             genes = [\"CD3D\", \"CD3Z\"]\n\n\
             [[figure]]\nname = \"strips\"\nkind = \"heatmap\"\n\
             row_colors = [\"{}:nocol\"]\n",
            cells.display(),
            genes.display()
        ),
    )
    .unwrap();
    let r = run_config(&cfg, &[]);
    assert_eq!(r.status.code(), Some(1), "{}", stderr(&r));
    let e = stderr(&r);
    // genes is on line 13, row_colors on line 18 of the config.
    assert!(
        e.contains("genes (c.toml line 13): 1 of 2 genes") && e.contains("'CD3Z'"),
        "{e}"
    );
    assert!(
        e.contains("row_colors (c.toml line 18) '") && e.contains("no column 'nocol'"),
        "{e}"
    );
    assert!(
        !e.contains("(--genes") && !e.contains("(--row-colors"),
        "{e}"
    );
}
