//! From config to jobs: datasets expanded (a glob gives one dataset per
//! file, named by its stem), crossed with the figures that apply, in a
//! stable order; every output path is a pure function of the config and
//! the dataset name, so shards and reruns agree on them.

use std::path::{Path, PathBuf};

use super::config::{valid_name, Config, DatasetConfig, FigureConfig};
use crate::error::{Error, Result};

/// One input file with its resolved name.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Name used in output paths: the configured name, else the file stem.
    pub name: String,
    /// The file, resolved against the config's directory.
    pub path: PathBuf,
    /// The `[[dataset]]` entry it came from.
    pub config: DatasetConfig,
}

/// One figure of one dataset and the files it writes.
#[derive(Debug, Clone)]
pub struct Job {
    /// `dataset/figure`, unique.
    pub id: String,
    /// Index into [`Plan::datasets`].
    pub dataset: usize,
    /// Index into [`Plan::figures`].
    pub figure: usize,
    /// Figure files, one per format.
    pub outputs: Vec<PathBuf>,
    /// Directory for data exports (orders, linkages, clusters); `None`
    /// writes none (a single-figure command without `--export-dir`).
    pub export_dir: Option<PathBuf>,
}

/// Every job of a config.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Directory every output path lies under.
    pub out_dir: PathBuf,
    /// Datasets, globs expanded (one per file), in config order.
    pub datasets: Vec<Dataset>,
    /// Figures, as in the config.
    pub figures: Vec<FigureConfig>,
    /// Every (dataset, figure) pair that applies, dataset-major.
    pub jobs: Vec<Job>,
}

/// A dataset's name from its file: the stem, without a compression
/// suffix (`cohortA.tsv.gz` → `cohortA`).
fn stem(f: &Path) -> String {
    let name = f
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let base = [".gz", ".bz2", ".zst"]
        .iter()
        .find_map(|c| name.strip_suffix(c))
        .unwrap_or(&name);
    Path::new(base)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl Plan {
    /// Plans `config`, writing under `out` (default: the config's dir).
    pub fn new(config: &Config, out: Option<&Path>) -> Result<Plan> {
        let out_dir = match out {
            Some(o) => o.to_path_buf(),
            None => clean(&config.base.join(&config.output.dir)),
        };
        let mut datasets: Vec<Dataset> = Vec::new();
        for (i, d) in config.datasets.iter().enumerate() {
            let line = |key: &str| {
                config
                    .lines
                    .dataset(i, key)
                    .or(config.lines.dataset_start(i))
            };
            let pattern = clean(&config.base.join(&d.path));
            let files = if has_wildcard(&d.path) {
                if d.name.is_some() {
                    return Err(Error::config(
                        &config.path,
                        line("name"),
                        Some("name"),
                        format!(
                            "dataset '{}': a glob names each file by its stem; remove 'name'",
                            d.path
                        ),
                    ));
                }
                let m = expand_glob(&pattern)?;
                if m.is_empty() {
                    return Err(Error::config(
                        &config.path,
                        line("path"),
                        Some("path"),
                        format!("dataset glob '{}' matches no file", d.path),
                    ));
                }
                m
            } else {
                // A missing file is a config error, found before any work.
                // A Cell Ranger matrix folder is one dataset too.
                let tenx_folder = pattern.is_dir()
                    && crate::io::Format::detect(&pattern) == Some(crate::io::Format::Mtx);
                if !pattern.is_file() && !tenx_folder {
                    return Err(Error::config(
                        &config.path,
                        line("path"),
                        Some("path"),
                        format!(
                            "dataset '{}': {} {}",
                            d.name.as_deref().unwrap_or(&d.path),
                            pattern.display(),
                            if pattern.exists() {
                                "is not a file (nor a Cell Ranger folder holding matrix.mtx.gz)"
                            } else {
                                "does not exist (paths are relative to the config's directory)"
                            }
                        ),
                    ));
                }
                vec![pattern]
            };
            for f in files {
                let name = match &d.name {
                    Some(n) => n.clone(),
                    None => stem(&f),
                };
                // A name from `name`, or from the file's stem.
                let key = if d.name.is_some() { "name" } else { "path" };
                if !valid_name(&name) {
                    return Err(Error::config(
                        &config.path,
                        line(key),
                        Some(key),
                        format!(
                            "dataset name '{name}' is not a safe file name (letters, digits, '-', '_', '.'){}",
                            if d.name.is_some() { "" } else { " (it is the file's stem: give the dataset a name)" }
                        ),
                    ));
                }
                if datasets.iter().any(|x| x.name == name) {
                    return Err(Error::config(
                        &config.path,
                        line(key),
                        Some(key),
                        format!(
                            "two datasets are named '{name}' ({} and {}); give them distinct names",
                            datasets
                                .iter()
                                .find(|x| x.name == name)
                                .map(|x| x.path.display().to_string())
                                .unwrap_or_default(),
                            f.display()
                        ),
                    ));
                }
                datasets.push(Dataset {
                    name,
                    path: f,
                    config: d.clone(),
                });
            }
        }
        // Every file a strip or mark list names must exist before work
        // starts, reported at its key (as a dataset's path is).
        let missing = |spec: &str| -> Option<PathBuf> {
            let p = match spec.strip_prefix("file:") {
                Some(p) => PathBuf::from(p),
                None => crate::io::annotations::parse_spec(spec).0,
            };
            let full = clean(&config.base.join(&p));
            (!full.exists()).then_some(full)
        };
        let refuse = |line: Option<usize>, key: &str, spec: &str, full: PathBuf| {
            Error::config(
                &config.path,
                line,
                Some(key),
                format!(
                    "{spec}: {} does not exist (paths are relative to the config's directory)",
                    full.display()
                ),
            )
        };
        for (i, d) in config.datasets.iter().enumerate() {
            for (key, specs) in [("col_colors", &d.col_colors), ("row_colors", &d.row_colors)] {
                for spec in specs {
                    if let Some(full) = missing(spec) {
                        let line = config
                            .lines
                            .dataset(i, key)
                            .or(config.lines.dataset_start(i));
                        return Err(refuse(line, key, spec, full));
                    }
                }
            }
        }
        for (fi, fig) in config.figures.iter().enumerate() {
            let o = &fig.options;
            // Tables named TABLE:COLUMN; of `groupby` only those (its
            // `obs/COLUMN` is the input's own); of the splits all but `cut`.
            let table = |s: &Option<String>| -> Vec<String> {
                s.iter().filter(|s| s.contains(':')).cloned().collect()
            };
            for (key, specs) in [
                ("col_colors", &o.col_colors),
                ("row_colors", &o.row_colors),
                ("col_bars", &o.col_bars),
                ("row_bars", &o.row_bars),
                ("mark_rows", &o.mark_rows),
                ("genes", &o.genes),
                ("groupby", &table(&o.groupby)),
                ("row_split", &table(&o.row_split)),
                ("col_split", &table(&o.col_split)),
                ("row_linkage", &o.row_linkage.iter().cloned().collect()),
                ("col_linkage", &o.col_linkage.iter().cloned().collect()),
            ] {
                for spec in specs {
                    if matches!(key, "mark_rows" | "genes") && !spec.starts_with("file:") {
                        continue;
                    }
                    if matches!(key, "col_colors" | "row_colors" | "col_bars" | "row_bars")
                        && !spec.contains(':')
                        && (spec.starts_with("obs/") || spec.starts_with("var/"))
                    {
                        continue; // the input's own obs/var column
                    }
                    if let Some(full) = missing(spec) {
                        let line = config.lines.figure(fi, key).or(config.lines.defaults(key));
                        return Err(refuse(line, key, spec, full));
                    }
                }
            }
        }
        // Every dataset a figure names must exist (a typo would silently
        // make nothing).
        for (fi, fig) in config.figures.iter().enumerate() {
            for name in &fig.datasets {
                if !datasets.iter().any(|d| &d.name == name) {
                    let known: Vec<&str> = datasets.iter().map(|d| d.name.as_str()).collect();
                    return Err(Error::config(
                        &config.path,
                        config.lines.figure(fi, "datasets"),
                        Some("datasets"),
                        format!(
                            "figure '{}' names dataset '{name}', which the config does not have (datasets: {})",
                            fig.name,
                            known.join(", ")
                        ),
                    ));
                }
            }
        }
        let mut jobs = Vec::new();
        for (di, ds) in datasets.iter().enumerate() {
            for (fi, fig) in config.figures.iter().enumerate() {
                if !fig.datasets.is_empty() && !fig.datasets.contains(&ds.name) {
                    continue;
                }
                let outputs = config
                    .output
                    .formats
                    .iter()
                    .map(|fmt| {
                        let rel = config
                            .output
                            .naming
                            .replace("{dataset}", &ds.name)
                            .replace("{figure}", &fig.name)
                            .replace("{kind}", fig.kind.name())
                            .replace("{ext}", fmt.ext());
                        out_dir.join(rel)
                    })
                    .collect();
                jobs.push(Job {
                    id: format!("{}/{}", ds.name, fig.name),
                    dataset: di,
                    figure: fi,
                    outputs,
                    export_dir: Some(out_dir.join(&ds.name).join(format!("{}_data", fig.name))),
                });
            }
        }
        let plan = Plan {
            out_dir,
            datasets,
            figures: config.figures.clone(),
            jobs,
        };
        // The datasets of a heatmap list's heatmaps must exist.
        for (fi, fig) in plan.figures.iter().enumerate() {
            for e in &fig.heatmaps {
                if let Some(n) = &e.dataset {
                    if !plan.datasets.iter().any(|d| &d.name == n) {
                        let known: Vec<&str> =
                            plan.datasets.iter().map(|d| d.name.as_str()).collect();
                        return Err(Error::config(
                            &config.path,
                            config.lines.figure(fi, "heatmaps"),
                            Some("heatmaps"),
                            format!(
                                "figure '{}': heatmaps names dataset '{n}', which the config does not have (datasets: {})",
                                fig.name,
                                known.join(", ")
                            ),
                        ));
                    }
                }
            }
        }
        // The figure an order comes from must be made for that dataset.
        for job in &plan.jobs {
            for key in super::config::ORDER_FROM_KEYS {
                let fig = &plan.figures[job.figure];
                let Some(from) = fig.order_from(key) else {
                    continue;
                };
                if plan.leader(job, key).is_some() {
                    continue;
                }
                let ds = from
                    .dataset
                    .as_deref()
                    .unwrap_or(&plan.datasets[job.dataset].name);
                let msg = if plan.datasets.iter().any(|d| d.name == ds) {
                    format!(
                        "figure '{}' (dataset '{}'): {key} names figure '{}' of dataset '{ds}', which is not made for that dataset (see its datasets); name a figure made for '{ds}'",
                        fig.name, plan.datasets[job.dataset].name, from.figure
                    )
                } else {
                    let known: Vec<&str> = plan.datasets.iter().map(|d| d.name.as_str()).collect();
                    format!(
                        "figure '{}': {key} names dataset '{ds}', which the config does not have (datasets: {})",
                        fig.name,
                        known.join(", ")
                    )
                };
                return Err(Error::config(
                    &config.path,
                    config.lines.figure(job.figure, key),
                    Some(key),
                    msg,
                ));
            }
        }
        Ok(plan)
    }

    /// The index in [`Plan::jobs`] of the job whose order `job` takes
    /// (`key`: `row_order_from` or `col_order_from`); `None` when its
    /// figure names none, or names one not made for that dataset (refused
    /// by [`Plan::new`]).
    pub fn leader(&self, job: &Job, key: &str) -> Option<usize> {
        let from = self.figures[job.figure].order_from(key)?;
        let ds = match &from.dataset {
            Some(d) => self.datasets.iter().position(|x| &x.name == d)?,
            None => job.dataset,
        };
        self.jobs
            .iter()
            .position(|j| j.dataset == ds && self.figures[j.figure].name == from.figure)
    }

    /// Every job `job` takes an order from, directly or through a chain,
    /// nearest first, each once (the config refuses cycles).
    pub fn leaders(&self, job: &Job) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        let mut todo = vec![job];
        while let Some(j) = todo.pop() {
            for key in super::config::ORDER_FROM_KEYS {
                if let Some(l) = self.leader(j, key) {
                    if !out.contains(&l) {
                        out.push(l);
                        todo.push(&self.jobs[l]);
                    }
                }
            }
        }
        out
    }

    /// The files a job reads besides its own dataset's: the datasets of
    /// the figures it takes an order from (`row_order_from`, directly or
    /// through a chain: a run that does not find their result makes it
    /// again from their input) and the other datasets of a
    /// `heatmap_list`. Plan order, each once.
    pub fn other_inputs(&self, job: &Job) -> Vec<PathBuf> {
        let mut ds: Vec<usize> = self
            .leaders(job)
            .into_iter()
            .map(|l| self.jobs[l].dataset)
            .collect();
        for e in &self.figures[job.figure].heatmaps {
            if let Some(name) = &e.dataset {
                if let Some(d) = self.datasets.iter().position(|x| &x.name == name) {
                    ds.push(d);
                }
            }
        }
        ds.sort_unstable();
        ds.dedup();
        ds.into_iter()
            .filter(|&d| d != job.dataset)
            .map(|d| self.datasets[d].path.clone())
            .collect()
    }

    /// One job as JSON: `id`, `dataset`, `input`, `figure`, `kind`,
    /// `outputs`, and `export_dir` when asked.
    fn job_json(&self, j: &Job, export_dir: bool) -> serde_json::Value {
        let mut v = serde_json::json!({
            "id": j.id,
            "dataset": self.datasets[j.dataset].name,
            "input": self.datasets[j.dataset].path,
            "figure": self.figures[j.figure].name,
            "kind": self.figures[j.figure].kind.name(),
            "outputs": j.outputs,
        });
        if export_dir {
            v["export_dir"] = serde_json::json!(j.export_dir);
        }
        v
    }

    /// The jobs as `heatmill plan` prints them: JSON (`id`, `dataset`,
    /// `input`, `figure`, `kind`, `outputs` per job), or one
    /// `id<TAB>input<TAB>outputs` line per job.
    pub fn describe(&self, json: bool) -> String {
        if json {
            let jobs: Vec<_> = self.jobs.iter().map(|j| self.job_json(j, true)).collect();
            serde_json::to_string_pretty(&jobs).unwrap_or_default() + "\n"
        } else {
            let mut s = String::new();
            for j in &self.jobs {
                let outs: Vec<String> = j.outputs.iter().map(|p| p.display().to_string()).collect();
                s.push_str(&format!(
                    "{}\t{}\t{}\n",
                    j.id,
                    self.datasets[j.dataset].path.display(),
                    outs.join(",")
                ));
            }
            s
        }
    }

    /// The plan for a Snakemake workflow (`heatmill plan --format
    /// snakemake`), as JSON: `outputs`, the figure files of one job as
    /// Snakemake patterns over the `wildcards` (`dataset`, `figure`, and
    /// `kind` when the naming uses it) for a rule running `heatmill run
    /// --only {dataset}/{figure}`; `wildcard_constraints` (names are safe
    /// file names, never `/`); `inputs`, each dataset's file;
    /// `other_inputs`, by job id, the other datasets a job reads
    /// ([`Plan::other_inputs`]); `jobs`, every
    /// job with its explicit outputs (the targets of `rule all`). Output
    /// paths are known before anything runs.
    pub fn snakemake(&self, naming: &str, formats: &[&str]) -> String {
        let escape = |s: &str| s.replace('{', "{{").replace('}', "}}");
        let base = escape(&self.out_dir.display().to_string());
        let mut wildcards = vec!["dataset", "figure"];
        if naming.contains("{kind}") {
            wildcards.push("kind");
        }
        let outputs: Vec<String> = formats
            .iter()
            .map(|ext| {
                let rel = naming.replace("{ext}", ext);
                format!("{base}/{rel}")
            })
            .collect();
        let name = "[A-Za-z0-9._-]+";
        let constraints: serde_json::Map<String, serde_json::Value> = wildcards
            .iter()
            .map(|w| (w.to_string(), serde_json::Value::from(name)))
            .collect();
        let inputs: serde_json::Map<String, serde_json::Value> = self
            .datasets
            .iter()
            .map(|d| (d.name.clone(), serde_json::json!(d.path)))
            .collect();
        let jobs: Vec<_> = self.jobs.iter().map(|j| self.job_json(j, false)).collect();
        // `DATASET/FIGURE` → the other datasets it reads, for the jobs
        // that read any: Snakemake reruns them when those files change.
        let other_inputs: serde_json::Map<String, serde_json::Value> = self
            .jobs
            .iter()
            .filter_map(|j| {
                let o = self.other_inputs(j);
                (!o.is_empty()).then(|| (j.id.clone(), serde_json::json!(o)))
            })
            .collect();
        let v = serde_json::json!({
            "out_dir": self.out_dir,
            "wildcards": wildcards,
            "outputs": outputs,
            "wildcard_constraints": constraints,
            "inputs": inputs,
            "other_inputs": other_inputs,
            "jobs": jobs,
        });
        serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
    }

    /// Indices into [`Plan::datasets`] of the datasets in shard `k`
    /// (1-based, `1 ≤ k ≤ n`) of `n`: datasets are dealt round-robin in
    /// plan order, so all figures of a dataset run in the same shard (read
    /// once) and the split is the same on every run.
    pub fn shard_datasets(&self, k: usize, n: usize) -> Vec<usize> {
        (0..self.datasets.len())
            .filter(|d| d % n == k - 1)
            .collect()
    }
}

/// Removes `.` and `dir/..` pairs lexically, so paths in plans and
/// manifests read naturally (`configs/../out` → `out`).
pub(crate) fn clean(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            _ => out.push(c),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

fn has_wildcard(s: &str) -> bool {
    s.contains('*') || s.contains('?')
}

/// Expands `*` and `?` in the last path component, sorted by name.
pub(crate) fn expand_glob(pattern: &Path) -> Result<Vec<PathBuf>> {
    let dir = pattern.parent().unwrap_or(Path::new("."));
    let pat = pattern
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if has_wildcard(&dir.to_string_lossy()) {
        return Err(Error::Invalid(format!(
            "{}: wildcards are supported in the file name only",
            pattern.display()
        )));
    }
    let rd = std::fs::read_dir(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    })
    .map_err(|e| Error::read(dir, e))?;
    let mut out: Vec<PathBuf> = rd
        .filter_map(|e| e.ok())
        // `is_file` follows symlinks: Nextflow and Snakemake stage inputs
        // as links.
        .filter(|e| e.path().is_file())
        .filter(|e| wildcard_match(&pat, &e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .collect();
    out.sort();
    Ok(out)
}

/// `*` matches any run, `?` any one character.
pub(crate) fn wildcard_match(pat: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pat.chars().collect(), name.chars().collect());
    let (mut i, mut j) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    while i < p.len() && p[i] == '*' {
        i += 1;
    }
    i == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dataset_names_drop_the_compression_suffix() {
        assert_eq!(stem(Path::new("d/cohortA.tsv.gz")), "cohortA");
        assert_eq!(stem(Path::new("x.csv.bz2")), "x");
        assert_eq!(stem(Path::new("counts.h5ad")), "counts");
        assert_eq!(
            stem(Path::new("GSE1_series_matrix.txt.zst")),
            "GSE1_series_matrix"
        );
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("*.parquet", "a.parquet"));
        assert!(wildcard_match("s?_*.csv", "s1_x.csv"));
        assert!(!wildcard_match("*.csv", "a.tsv"));
        assert!(wildcard_match("*", ""));
    }
}
