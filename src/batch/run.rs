//! Running a plan: datasets in parallel (rayon), each read once with its
//! linkages and correlations shared by its figures; every output written
//! atomically; the manifest updated after each job; a failing dataset or
//! figure recorded and reported while all other jobs complete.

use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::Instant;

use super::config::{canonical, Config, DatasetConfig, FigureConfig};
use super::manifest::{
    files_intact, journal_path, relative, sha256_bytes, sha256_file, FileEntry, JobEntry, Journal,
    Manifest,
};
use super::plan::{Dataset, Job, Plan};
use super::progress::Progress;
use crate::analysis;
use crate::error::{Error, Result};
use crate::figure::{FigureOptions, Kind};
use crate::io::{self, annotations, ReadOptions};
use crate::matrix::Matrix;
use crate::pipeline::{self, Cache, Context};
use crate::render::encode;
use crate::timings::Timings;

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Output directory override.
    pub out: Option<PathBuf>,
    /// Worker threads (`None`: `SLURM_CPUS_PER_TASK`, else every core);
    /// every parallel loop of the run uses exactly this many.
    pub threads: Option<usize>,
    /// `(k, n)`: run shard k (1-based) of n.
    pub shard: Option<(usize, usize)>,
    /// Rerun every job, ignoring the manifest of a previous run.
    pub force: bool,
    /// No progress output (errors and the summary still print).
    pub quiet: bool,
    /// Refuse datasets whose estimated working memory exceeds this
    /// (`None`: the Slurm allocation or cgroup limit, [`crate::env::memory_limit`],
    /// when there is one).
    pub max_memory: Option<u64>,
    /// Run only the jobs of one dataset (`DATASET`) or one figure of one
    /// dataset (`DATASET/FIGURE`): one job of a Snakemake or Nextflow
    /// workflow. Its manifest is `manifest.only-DATASET[@FIGURE].json`, so
    /// such runs can share an output directory.
    pub only: Option<String>,
    /// Report progress to this hook instead of the bar and lines on
    /// stderr (a library caller's own display; the Python package's).
    pub progress: Option<super::progress::ProgressHook>,
}

/// What happened.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Jobs that ran and succeeded.
    pub ok: usize,
    /// Jobs skipped: inputs, parameters and outputs unchanged since the
    /// previous run's manifest.
    pub skipped: usize,
    /// Failed jobs: `(job id, error message)`.
    pub failed: Vec<(String, String)>,
    /// Warnings of the jobs that ran (also in the manifest): `(job id,
    /// warning)`, in job order.
    pub warnings: Vec<(String, String)>,
    /// The manifest written.
    pub manifest: PathBuf,
    /// The signal (15 SIGTERM, 2 SIGINT) that stopped the run before every
    /// job had started; the jobs not started are `not_started`, and a rerun
    /// does them.
    pub stopped: Option<i32>,
    /// Jobs not started because the run was stopped.
    pub not_started: usize,
}

/// The manifest file for a shard, a `--only` selection, or the whole run.
pub(crate) fn manifest_path(
    out_dir: &Path,
    shard: Option<(usize, usize)>,
    only: Option<&str>,
) -> PathBuf {
    match (shard, only) {
        (_, Some(sel)) => out_dir.join(format!("manifest.only-{}.json", sel.replace('/', "@"))),
        (Some((k, n)), None) => out_dir.join(format!("manifest.shard-{k}-of-{n}.json")),
        (None, None) => out_dir.join("manifest.json"),
    }
}

/// The datasets and figures of `plan` selected by `--only DATASET[/FIGURE]`
/// (`None`: all).
///
/// Errors ([`Error::Usage`]): a dataset or figure the plan does not have,
/// or a figure that does not apply to the dataset; the message lists what
/// there is.
pub(crate) fn select_only(plan: &Plan, only: &str) -> Result<(usize, Option<usize>)> {
    let (ds, fig) = match only.split_once('/') {
        Some((d, f)) => (d, Some(f)),
        None => (only, None),
    };
    let d = plan
        .datasets
        .iter()
        .position(|x| x.name == ds)
        .ok_or_else(|| {
            let names: Vec<&str> = plan.datasets.iter().map(|x| x.name.as_str()).collect();
            Error::Usage(format!(
                "--only {only}: the config has no dataset '{ds}' (datasets: {})",
                names.join(", ")
            ))
        })?;
    let f = match fig {
        None => None,
        Some(f) => {
            let applies: Vec<&str> = plan
                .jobs
                .iter()
                .filter(|j| j.dataset == d)
                .map(|j| plan.figures[j.figure].name.as_str())
                .collect();
            let fi = plan
                .jobs
                .iter()
                .find(|j| j.dataset == d && plan.figures[j.figure].name == f)
                .map(|j| j.figure)
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "--only {only}: dataset '{ds}' has no figure '{f}' (its figures: {})",
                        applies.join(", ")
                    ))
                })?;
            Some(fi)
        }
    };
    Ok((d, f))
}

/// A byte budget that datasets reserve before their heavy stages, so that
/// parallel jobs queue instead of exhausting memory together.
struct Budget {
    total: u64,
    /// Where the limit came from, for messages (`--max-memory is 4 GB`).
    what: String,
    used: Mutex<u64>,
    freed: Condvar,
}

impl Budget {
    fn acquire(&self, bytes: u64) {
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        while *used > 0 && *used + bytes > self.total {
            used = self.freed.wait(used).unwrap_or_else(|e| e.into_inner());
        }
        *used += bytes;
    }
    fn release(&self, bytes: u64) {
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        *used = used.saturating_sub(bytes);
        self.freed.notify_all();
    }
}

/// Runs every job of `config` (or of one shard).
pub fn run(config: &Config, opts: &RunOptions) -> Result<Summary> {
    let plan = Plan::new(config, opts.out.as_deref())?;
    let only = match &opts.only {
        Some(sel) => Some(select_only(&plan, sel)?),
        None => None,
    };
    let datasets: Vec<usize> = match (only, opts.shard) {
        (Some((d, _)), _) => vec![d],
        (None, Some((k, n))) => plan.shard_datasets(k, n),
        (None, None) => (0..plan.datasets.len()).collect(),
    };
    let jobs_of = |d: usize| -> Vec<&Job> {
        plan.jobs
            .iter()
            .filter(|j| j.dataset == d && only.is_none_or(|(_, f)| f.is_none_or(|f| j.figure == f)))
            .collect()
    };
    let total: usize = datasets.iter().map(|&d| jobs_of(d).len()).sum();
    let threads = crate::env::threads(opts.threads)?;
    let pool = crate::env::pool(threads)?;
    std::fs::create_dir_all(&plan.out_dir).map_err(|e| Error::write(&plan.out_dir, e))?;
    let mpath = manifest_path(&plan.out_dir, opts.shard, opts.only.as_deref());
    let shard_label = opts.shard.map(|(k, n)| format!("{k}/{n}"));
    let jpath = journal_path(&mpath);
    let previous = if opts.force {
        let _ = std::fs::remove_file(&jpath);
        None
    } else {
        let mut m = Manifest::load(&mpath)?;
        if jpath.exists() {
            let mut base = m.unwrap_or_else(|| Manifest::new(&config.path, None));
            base.replay(&jpath);
            m = Some(base);
        }
        m
    };
    // A killed run may have left temp files behind (never under a final
    // name): clear those of this run's own outputs, exports and manifest
    // (only those: runs of other shards or `--only` selections may be
    // writing beside them).
    for &d in &datasets {
        for job in jobs_of(d) {
            for out in &job.outputs {
                if let (Some(dir), Some(name)) = (out.parent(), out.file_name()) {
                    remove_stale_temps_named(dir, &name.to_string_lossy());
                }
            }
            if let Some(dir) = &job.export_dir {
                remove_stale_temps(dir);
            }
        }
    }
    if let Some(name) = mpath.file_name() {
        remove_stale_temps_named(&plan.out_dir, &name.to_string_lossy());
    }
    let mut fresh = Manifest::new(&config.path, shard_label);
    // Jobs of other configs writing to the same directory (their ids are
    // not in this plan) stay recorded: running one config never makes
    // another's up-to-date outputs look stale.
    if let Ok(Some(old)) = Manifest::load(&mpath) {
        let planned: std::collections::HashSet<&str> =
            plan.jobs.iter().map(|j| j.id.as_str()).collect();
        for (id, entry) in old.jobs {
            if !planned.contains(id.as_str()) {
                fresh.jobs.insert(id, entry);
            }
        }
    }
    let manifest = Mutex::new(fresh);
    // Start the journal afresh: what it held is now in `previous`.
    let _ = std::fs::remove_file(&jpath);
    let journal = Mutex::new(Journal::open(&jpath)?);
    let progress = Progress::new(total, opts.quiet, opts.progress.clone());
    let limit = memory_budget(opts.max_memory);
    let budget = limit.map(|(total, what)| Budget {
        total,
        what,
        used: Mutex::new(0),
        freed: Condvar::new(),
    });
    let summary = Mutex::new(Summary {
        manifest: mpath.clone(),
        ..Default::default()
    });
    let record = |entry: JobEntry, status: &str, secs: f64| {
        progress.finish(&entry.id, status, secs);
        let mut s = summary.lock().unwrap_or_else(|e| e.into_inner());
        for w in &entry.warnings {
            s.warnings.push((entry.id.clone(), w.clone()));
        }
        match status {
            "ok" => s.ok += 1,
            "skipped" => s.skipped += 1,
            _ => s
                .failed
                .push((entry.id.clone(), entry.error.clone().unwrap_or_default())),
        }
        drop(s);
        if let Err(e) = journal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .append(&entry)
        {
            progress.note(&format!(
                "heatmill: warning: cannot write the job journal: {e}"
            ));
        }
        manifest
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .jobs
            .insert(entry.id.clone(), entry);
    };
    // Datasets run on plain worker threads taking the next dataset in plan
    // order; their reads and jobs run on the run's own pool of `threads`
    // workers (`pool.install`), and they wait for the memory budget on
    // their own thread, outside the pool. (A pool worker waiting inside a
    // dataset's parallel loop may pick up another dataset's read or job;
    // were that job waiting for the budget the first holds, they would
    // deadlock.)
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = threads.min(datasets.len()).max(1);
    // The analyses of the jobs other figures take an order from, as they
    // finish (any dataset's worker may read them).
    let leaders = Leaders {
        jobs: plan.jobs.iter().flat_map(|j| plan.leaders(j)).collect(),
        done: Mutex::new(std::collections::HashMap::new()),
        running: Mutex::new(std::collections::HashSet::new()),
        ended: Condvar::new(),
    };
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                // A stop signal: take no new dataset (running jobs finish).
                if crate::env::stop_requested().is_some() {
                    break;
                }
                let k = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(&d) = datasets.get(k) else { break };
                run_dataset(
                    &plan,
                    config,
                    d,
                    &jobs_of(d),
                    previous.as_ref(),
                    budget.as_ref(),
                    &pool,
                    &progress,
                    &record,
                    &leaders,
                );
                progress.end(&plan.datasets[d].name);
            });
        }
    });
    progress.close();
    manifest
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .save(&mpath)?;
    journal
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .remove();
    let mut s = summary.into_inner().unwrap_or_else(|e| e.into_inner());
    s.failed.sort();
    s.warnings.sort();
    s.not_started = total.saturating_sub(s.ok + s.skipped + s.failed.len());
    if s.not_started > 0 {
        s.stopped = crate::env::stop_requested();
    }
    Ok(s)
}

fn remove_stale_temps(dir: &Path) {
    remove_stale_temps_named(dir, "");
}

/// Removes `.NAME*.tmp-PID` files left by `write_atomic` in `dir`.
fn remove_stale_temps_named(dir: &Path, name: &str) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let f = e.file_name().to_string_lossy().into_owned();
        if f.starts_with(&format!(".{name}")) && f.contains(".tmp-") {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Hash of everything a job's output depends on besides the input bytes:
/// its own parameters and, for a figure taking an order from others
/// (`row_order_from`), theirs.
fn params_of(plan: &Plan, config: &Config, job: &Job) -> (serde_json::Value, String) {
    let mut v = own_params(plan, config, job);
    let leaders = plan.leaders(job);
    if !leaders.is_empty() {
        let fig = &plan.figures[job.figure];
        v["row_order_from"] = serde_json::json!(fig.row_order_from);
        v["col_order_from"] = serde_json::json!(fig.col_order_from);
        v["order_from"] = leaders
            .iter()
            .map(|&l| {
                let lj = &plan.jobs[l];
                serde_json::json!({ "id": lj.id, "params": own_params(plan, config, lj) })
            })
            .collect();
    }
    let h = sha256_bytes(v.to_string().as_bytes());
    (v, h)
}

/// A job's own parameters (see [`params_of`]).
fn own_params(plan: &Plan, config: &Config, job: &Job) -> serde_json::Value {
    let fig = &plan.figures[job.figure];
    let ds = &plan.datasets[job.dataset];
    let mut v = serde_json::json!({
        "version": env!("CARGO_PKG_VERSION"),
        "kind": fig.kind.name(),
        "options": serde_json::to_value(effective_options(plan, job)).unwrap_or_default(),
        "raw": serde_json::from_str::<serde_json::Value>(&canonical(&fig.raw)).unwrap_or_default(),
        "read": serde_json::to_value(ds.config.read_options()).unwrap_or_default(),
        "formats": serde_json::to_value(&config.output.formats).unwrap_or_default(),
        "naming": config.output.naming,
    });
    // A heatmap list's other heatmaps (absent for other kinds, whose
    // hashes stay as they were).
    if !fig.heatmaps.is_empty() {
        v["heatmaps"] = fig
            .heatmaps
            .iter()
            .map(|e| {
                serde_json::from_str::<serde_json::Value>(&canonical(&e.raw)).unwrap_or_default()
            })
            .collect();
    }
    v
}

/// Figure options with the dataset's colour strips added for clustermaps.
fn effective_options(plan: &Plan, job: &Job) -> FigureOptions {
    let fig = &plan.figures[job.figure];
    let ds = &plan.datasets[job.dataset];
    let mut o = fig.options.clone();
    if fig.kind == Kind::Clustermap {
        if o.col_colors.is_empty() {
            o.col_colors = ds.config.col_colors.clone();
        }
        if o.row_colors.is_empty() {
            o.row_colors = ds.config.row_colors.clone();
        }
    }
    o
}

/// Hash of the input file plus every annotation table its jobs read.
fn input_hash(plan: &Plan, config: &Config, d: usize, jobs: &[&Job]) -> Result<String> {
    let mut parts = vec![sha256_file(&plan.datasets[d].path)?];
    for j in jobs {
        let o = effective_options(plan, j);
        for spec in o.col_colors.iter().chain(&o.row_colors) {
            if crate::pipeline::is_own_column(spec) {
                continue; // a column of the input, hashed above
            }
            let (p, _) = annotations::parse_spec(spec);
            let p = if p.is_relative() {
                config.base.join(p)
            } else {
                p
            };
            parts.push(sha256_file(&p)?);
        }
        // The other datasets of a heatmap list.
        for e in &plan.figures[j.figure].heatmaps {
            if let Some(other) = list_dataset(plan, j, e).filter(|&o| o != d) {
                parts.push(sha256_file(&plan.datasets[other].path)?);
            }
        }
        // The input of a figure of another dataset an order comes from.
        for l in plan.leaders(j) {
            let other = plan.jobs[l].dataset;
            if other != d {
                parts.push(sha256_file(&plan.datasets[other].path)?);
            }
        }
    }
    Ok(sha256_bytes(parts.join(",").as_bytes()))
}

#[allow(clippy::too_many_arguments)]
fn run_dataset(
    plan: &Plan,
    config: &Config,
    d: usize,
    jobs: &[&Job],
    previous: Option<&Manifest>,
    budget: Option<&Budget>,
    pool: &rayon::ThreadPool,
    progress: &Progress,
    record: &(dyn Fn(JobEntry, &str, f64) + Sync),
    leaders: &Leaders,
) {
    let ds = &plan.datasets[d];
    let started = Instant::now();
    let entry_for = |job: &Job, input_sha: &str| -> JobEntry {
        let fig = &plan.figures[job.figure];
        let (params, params_sha) = params_of(plan, config, job);
        JobEntry {
            id: job.id.clone(),
            dataset: ds.name.clone(),
            figure: fig.name.clone(),
            kind: fig.kind.name().into(),
            status: "failed".into(),
            input: relative(&ds.path, &config.base),
            input_sha256: input_sha.to_string(),
            params_sha256: params_sha,
            params,
            outputs: vec![],
            exports: vec![],
            timings: serde_json::json!({}),
            warnings: vec![],
            error: None,
        }
    };
    let fail_all = |msg: String, input_sha: &str| {
        for job in jobs {
            let mut e = entry_for(job, input_sha);
            e.error = Some(msg.clone());
            record(
                e,
                &format!("FAILED: {msg}"),
                started.elapsed().as_secs_f64(),
            );
        }
    };
    let input_sha = match input_hash(plan, config, d, jobs) {
        Ok(h) => h,
        Err(e) => return fail_all(e.to_string(), ""),
    };
    // Skip jobs whose inputs, parameters and outputs are unchanged.
    let mut todo = Vec::new();
    for job in jobs {
        let fresh = entry_for(job, &input_sha);
        let reuse = previous.and_then(|m| m.jobs.get(&job.id)).filter(|old| {
            old.status == "ok"
                && old.input_sha256 == fresh.input_sha256
                && old.params_sha256 == fresh.params_sha256
                && files_intact(&old.outputs, &plan.out_dir)
                && files_intact(&old.exports, &plan.out_dir)
        });
        match reuse {
            Some(old) => record(old.clone(), "skipped", 0.0),
            None => todo.push(*job),
        }
    }
    if todo.is_empty() {
        return;
    }
    // A figure after those it takes an order from (a longer chain of
    // leaders runs later).
    todo.sort_by_key(|j| plan.leaders(j).len());
    progress.stage(&ds.name, "read");
    let mut read_t = Timings::default();
    let matrix = match pool.install(|| read_for(plan, ds, &todo, &config.base, &mut read_t)) {
        Ok(m) => m,
        Err(e) => {
            for job in &todo {
                let msg = config.in_config_words(job.figure, &e.to_string());
                let mut en = entry_for(job, &input_sha);
                en.error = Some(msg.clone());
                en.timings = read_t.to_json();
                record(
                    en,
                    &format!("FAILED: {msg}"),
                    started.elapsed().as_secs_f64(),
                );
            }
            return;
        }
    };
    let (matrix, selected) = matrix;
    let need = estimate_bytes(&matrix, &todo, plan, budget.map(|b| b.total));
    if let Some(b) = budget {
        if need > b.total {
            let msg = too_big(need, &matrix, &b.what, &todo, plan);
            for job in &todo {
                let mut en = entry_for(job, &input_sha);
                en.error = Some(msg.clone());
                record(
                    en,
                    &format!("FAILED: {msg}"),
                    started.elapsed().as_secs_f64(),
                );
            }
            return;
        }
        b.acquire(need);
    }
    let cache = Cache::default();
    for job in &todo {
        // A stop signal: leave the dataset's remaining jobs for the rerun.
        if crate::env::stop_requested().is_some() {
            break;
        }
        let t0 = Instant::now();
        let mut en = entry_for(job, &input_sha);
        let mut t = read_t.clone();
        progress.stage(
            &ds.name,
            &format!(
                "{} ({})",
                plan.figures[job.figure].name,
                plan.figures[job.figure].kind.name()
            ),
        );
        let job_name = format!("{}/{}", ds.name, plan.figures[job.figure].name);
        let ctx = Context {
            source: &ds.path.display().to_string(),
            name: &job_name,
            base: &config.base,
            cache: &cache,
            max_memory: budget.map(|b| b.total),
        };
        // A figure whose order this one takes and that another worker is
        // making now is waited for, here on the dataset's own thread (never
        // inside the pool, where a waiting worker could hold the very job
        // it waits for); a job marked running waits for nothing.
        leaders.wait_for(&plan.leaders(job));
        let lead = plan
            .jobs
            .iter()
            .position(|j| j.id == job.id)
            .filter(|k| leaders.jobs.contains(k));
        if let Some(k) = lead {
            leaders.start(k);
        }
        let run = pool.install(|| {
            let follow = followed(plan, config, job, leaders, &mut t)?;
            run_job(plan, job, &matrix, selected, &ctx, &follow, &mut t)
        });
        if let Some(k) = lead {
            leaders.end(k, run.as_ref().ok().map(|(_, a)| a.clone()));
        }
        match run {
            Ok((files, _)) => {
                en.status = "ok".into();
                en.outputs = files.outputs;
                en.exports = files.exports;
                en.warnings = files.warnings;
                en.timings = t.to_json();
                record(en, "ok", t0.elapsed().as_secs_f64());
            }
            Err(e) => {
                let msg = config.in_config_words(job.figure, &e.to_string());
                en.error = Some(msg.clone());
                en.timings = t.to_json();
                record(en, &format!("FAILED: {msg}"), t0.elapsed().as_secs_f64());
            }
        }
        read_t = Timings::default();
    }
    if let Some(b) = budget {
        b.release(need);
    }
}

/// Reads a dataset for the jobs `todo`. When every figure selects the
/// same top-N rows (after the same log transform), the reader streams that
/// selection instead of materialising the whole matrix; the flag says so.
///
/// When every figure reads only some genes ([`pipeline::chosen_columns`]:
/// grouped figures with `genes`) and the input is HDF5 (`.h5ad`), only
/// those columns are read ([`io::read_columns`]): cells × chosen genes,
/// never cells × all genes.
fn read_for(
    plan: &Plan,
    ds: &Dataset,
    todo: &[&Job],
    base: &Path,
    t: &mut Timings,
) -> Result<(Matrix, bool)> {
    if let Some(m) = read_chosen_columns(plan, ds, todo, base, t)? {
        return Ok((m, false));
    }
    let keys: Vec<_> = todo
        .iter()
        .map(|j| plan.figures[j.figure].options.read_prep())
        .collect();
    let shared = keys.windows(2).all(|w| w[0] == w[1]);
    let sel = match todo.first() {
        Some(j) if shared => pipeline::selection(&plan.figures[j.figure].options),
        _ => None,
    };
    t.time("read", || {
        io::read_selected(&ds.path, &ds.config.read_options(), sel.as_ref())
    })
}

/// The union of the genes `todo`'s figures draw (first appearance
/// order), read alone when all of them draw chosen genes of an HDF5 input.
fn read_chosen_columns(
    plan: &Plan,
    ds: &Dataset,
    todo: &[&Job],
    base: &Path,
    t: &mut Timings,
) -> Result<Option<Matrix>> {
    let mut genes: Vec<String> = Vec::new();
    for j in todo {
        let fig = &plan.figures[j.figure];
        let opts = effective_options(plan, j);
        match pipeline::chosen_columns(fig.kind, &opts, base)? {
            Some(g) => {
                for x in g {
                    if !genes.contains(&x) {
                        genes.push(x);
                    }
                }
            }
            None => return Ok(None),
        }
    }
    if genes.is_empty() {
        return Ok(None);
    }
    let source = ds.path.display().to_string();
    t.time("read", || {
        io::read_columns(&ds.path, &ds.config.read_options(), &mut |labels| {
            pipeline::grouped::gene_columns(labels, &genes, &source)
        })
    })
}

/// The analyses of the jobs that other jobs take an order from
/// (`row_order_from`), shared by the run's dataset workers: a job's is
/// kept when it finishes; a follower whose leader is being made waits
/// for it, and one not finding it (not run yet, failed, not in this run)
/// makes it again ([`analyse_again`]), which gives the same analysis.
struct Leaders {
    /// Indices into [`Plan::jobs`] of the jobs some job follows.
    jobs: std::collections::HashSet<usize>,
    /// Their analyses, once made.
    done: Mutex<std::collections::HashMap<usize, pipeline::Analysed>>,
    /// Those being made now.
    running: Mutex<std::collections::HashSet<usize>>,
    /// Signalled when one of them ends.
    ended: Condvar,
}

impl Leaders {
    fn get(&self, k: usize) -> Option<pipeline::Analysed> {
        self.done
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&k)
            .cloned()
    }
    fn put(&self, k: usize, a: pipeline::Analysed) {
        self.done
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(k, a);
    }
    /// Job `k` is being made.
    fn start(&self, k: usize) {
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(k);
    }
    /// Job `k` ended, with its analysis when it succeeded.
    fn end(&self, k: usize, a: Option<pipeline::Analysed>) {
        if let Some(a) = a {
            self.put(k, a);
        }
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&k);
        self.ended.notify_all();
    }
    /// Waits until none of `jobs` is being made.
    fn wait_for(&self, jobs: &[usize]) {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        while jobs.iter().any(|k| running.contains(k)) {
            running = self.ended.wait(running).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// The orders `job` takes from other figures (`row_order_from`,
/// `col_order_from`) as pipeline annotations. A figure this run has
/// already made gives its analysis from `done`; any other (not made yet
/// by another dataset's worker, or not run by this run: skipped as up to
/// date, in another shard, outside `--only`) is read and made again, so
/// the order is the same whichever jobs a run does.
///
/// Errors: the figure named fails (its error, saying so).
fn followed(
    plan: &Plan,
    config: &Config,
    job: &Job,
    done: &Leaders,
    t: &mut Timings,
) -> Result<pipeline::Annotations> {
    let mut out = pipeline::Annotations::default();
    for (key, rows) in [("row_order_from", true), ("col_order_from", false)] {
        let Some(l) = plan.leader(job, key) else {
            continue;
        };
        let lj = &plan.jobs[l];
        let from = format!(
            "figure '{}' of dataset '{}'",
            plan.figures[lj.figure].name, plan.datasets[lj.dataset].name
        );
        let a = match done.get(l) {
            Some(a) => a,
            None => {
                let a = analyse_again(plan, config, lj, done, t).map_err(|e| {
                    Error::Invalid(format!(
                        "{key}: {from}, which this figure takes its order from, failed: {e}"
                    ))
                })?;
                done.put(l, a.clone());
                a
            }
        };
        if rows {
            out.row_order = Some(pipeline::FollowedOrder::of_rows(&a, from));
        } else {
            out.col_order = Some(pipeline::FollowedOrder::of_cols(&a, from));
        }
    }
    Ok(out)
}

/// The analysis of `job` made from its input (read again, a cache of its
/// own), for a figure following it.
fn analyse_again(
    plan: &Plan,
    config: &Config,
    job: &Job,
    done: &Leaders,
    t: &mut Timings,
) -> Result<pipeline::Analysed> {
    let ds = &plan.datasets[job.dataset];
    let (m, selected) = read_for(plan, ds, &[job], &config.base, t)?;
    let follow = followed(plan, config, job, done, t)?;
    let cache = Cache::default();
    let name = job.id.clone();
    let ctx = Context {
        source: &ds.path.display().to_string(),
        name: &name,
        base: &config.base,
        cache: &cache,
        max_memory: None,
    };
    let opts = effective_options(plan, job);
    let fig = pipeline::make_figure_with(
        plan.figures[job.figure].kind,
        &m,
        &opts,
        selected,
        &ctx,
        &follow,
        t,
    )?;
    Ok(fig.analysed)
}

/// What one job wrote: figure files, export files, warnings.
#[derive(Debug, Clone, Default)]
pub struct JobFiles {
    /// The figure files (one per format), relative to the output directory.
    pub outputs: Vec<FileEntry>,
    /// The data exports.
    pub exports: Vec<FileEntry>,
    /// Things the user should know (dropped rows, unmatched labels).
    pub warnings: Vec<String>,
}

/// Makes one job's figure and writes its files (each atomically: a temp
/// file, then a rename).
fn run_job(
    plan: &Plan,
    job: &Job,
    m: &Matrix,
    selected: bool,
    ctx: &Context,
    follow: &pipeline::Annotations,
    t: &mut Timings,
) -> Result<(JobFiles, pipeline::Analysed)> {
    let fig_cfg = &plan.figures[job.figure];
    let opts = effective_options(plan, job);
    let fig = if fig_cfg.kind == Kind::HeatmapList {
        list_figure(plan, job, m, &opts, ctx, t)?
    } else {
        pipeline::make_figure_with(fig_cfg.kind, m, &opts, selected, ctx, follow, t)?
    };
    let mut files = JobFiles {
        warnings: fig.warnings,
        ..Default::default()
    };
    for path in &job.outputs {
        let bytes = write_figure(&fig.scene, path, opts.dpi, t)?;
        files.outputs.push(FileEntry {
            path: relative(path, &plan.out_dir),
            sha256: sha256_bytes(&bytes),
            bytes: bytes.len() as u64,
        });
    }
    if let Some(dir) = &job.export_dir {
        for (name, bytes) in &fig.exports {
            let path = dir.join(name);
            t.time("write", || io::write_atomic(&path, bytes))?;
            files.exports.push(FileEntry {
                path: relative(&path, &plan.out_dir),
                sha256: sha256_bytes(bytes),
                bytes: bytes.len() as u64,
            });
        }
    }
    Ok((files, fig.analysed))
}

/// A `heatmap_list` job: the main heatmap of `m` (the job's dataset),
/// the others of the datasets its `heatmaps` name, each read whole (the
/// job's own dataset not again).
///
/// Errors: a dataset cannot be read; as [`pipeline::heatmap_list::figure`].
fn list_figure(
    plan: &Plan,
    job: &Job,
    m: &Matrix,
    opts: &FigureOptions,
    ctx: &Context,
    t: &mut Timings,
) -> Result<pipeline::Figure> {
    let entries = &plan.figures[job.figure].heatmaps;
    let mut read: Vec<(Option<Matrix>, String)> = Vec::new();
    for e in entries {
        let d = list_dataset(plan, job, e).ok_or_else(|| {
            Error::Internal(format!("heatmaps: dataset {:?} not planned", e.dataset))
        })?;
        let ds = &plan.datasets[d];
        let own = if d == job.dataset {
            None
        } else {
            Some(t.time("read", || {
                io::read_selected(&ds.path, &ds.config.read_options(), None).map(|(m, _)| m)
            })?)
        };
        read.push((own, ds.path.display().to_string()));
    }
    let others: Vec<pipeline::heatmap_list::Following> = entries
        .iter()
        .zip(&read)
        .map(|(e, (own, source))| pipeline::heatmap_list::Following {
            matrix: own.as_ref().unwrap_or(m),
            options: e.options.clone(),
            source: source.clone(),
        })
        .collect();
    pipeline::heatmap_list::figure(m, opts, &others, ctx, t)
}

/// The index in [`Plan::datasets`] of the dataset a `heatmaps` entry of
/// `job`'s figure draws (`None`: not a dataset of the plan).
fn list_dataset(plan: &Plan, job: &Job, e: &super::config::ListEntry) -> Option<usize> {
    match &e.dataset {
        None => Some(job.dataset),
        Some(n) => plan.datasets.iter().position(|d| &d.name == n),
    }
}

/// Encodes `scene` in the format of `path`'s extension (`.png`, `.svg`,
/// `.pdf`) and writes it atomically (a temp file, then a rename); returns
/// the bytes written. Every figure file goes through here: batch jobs,
/// the single-figure commands and the Python package's `save`.
///
/// Errors: an unsupported extension ([`Error::Usage`]); the file cannot
/// be written ([`Error::Write`]).
pub fn write_figure(
    scene: &crate::render::scene::Scene,
    path: &Path,
    dpi: f64,
    t: &mut Timings,
) -> Result<Vec<u8>> {
    let bytes = t.time("encode", || encode::encode(scene, path, dpi))?;
    t.time("write", || io::write_atomic(path, &bytes))?;
    Ok(bytes)
}

/// One figure of a matrix already in memory (a library caller's data,
/// e.g. a Python DataFrame): the pipeline of [`run_single`] after its
/// read — the same options, [`pipeline::make_figure_with`], context and
/// thread pool — with colour strips given as data. `cache` keeps the
/// linkages and correlations for later calls on the same matrix (a
/// re-rendering at another dpi); relative paths in `options` are read
/// from the working directory.
///
/// Errors: as [`pipeline::make_figure`]; `threads == Some(0)`.
pub fn figure_in_memory(
    kind: Kind,
    m: &Matrix,
    options: &FigureOptions,
    strips: &pipeline::Annotations,
    cache: &Cache,
    threads: Option<usize>,
    max_memory: Option<u64>,
) -> Result<(pipeline::Figure, Timings)> {
    let threads = crate::env::threads(threads)?;
    crate::env::with_threads(threads, || {
        let mut t = Timings::default();
        let ctx = Context {
            source: "data",
            name: "data",
            base: Path::new("."),
            cache,
            max_memory,
        };
        let fig = pipeline::make_figure_with(kind, m, options, false, &ctx, strips, &mut t)?;
        Ok((fig, t))
    })?
}

/// One figure of one input, outside a config: what `heatmill heatmap`,
/// `clustermap` and `corrmap` run.
#[derive(Debug, Clone)]
pub struct SingleJob {
    /// The input matrix file.
    pub input: PathBuf,
    /// How to read it.
    pub read: ReadOptions,
    /// The figure.
    pub kind: Kind,
    /// Its options (relative paths in them are read from the working
    /// directory).
    pub options: FigureOptions,
    /// The figure file; the format follows the extension.
    pub output: PathBuf,
    /// Where to write the data exports (none when `None`).
    pub export_dir: Option<PathBuf>,
    /// Worker threads (`None`: Slurm's CPUs, else every core).
    pub threads: Option<usize>,
    /// `--max-memory` in bytes: bounds the stored distance matrix
    /// (`None`: the Slurm allocation or cgroup limit, when there is one).
    pub max_memory: Option<u64>,
}

/// Runs one job through the same plan, reader, pipeline and atomic writes
/// as [`run`], without a manifest; returns what it wrote and the stage
/// times, or the job's error with its class (input errors exit 2).
pub fn run_single(job: &SingleJob) -> Result<(JobFiles, Timings)> {
    let name = job
        .input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "input".into());
    let ds = Dataset {
        name: name.clone(),
        path: job.input.clone(),
        config: DatasetConfig::from_read(&job.input, &job.read),
    };
    let fig = FigureConfig {
        name: job.kind.name().into(),
        kind: job.kind,
        datasets: vec![],
        row_order_from: None,
        col_order_from: None,
        heatmaps: vec![],
        options: job.options.clone(),
        raw: toml::Table::new(),
    };
    let out_dir = job
        .output
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let plan = Plan {
        out_dir,
        datasets: vec![ds],
        figures: vec![fig],
        jobs: vec![Job {
            id: format!("{name}/{}", job.kind.name()),
            dataset: 0,
            figure: 0,
            outputs: vec![job.output.clone()],
            export_dir: job.export_dir.clone(),
        }],
    };
    let threads = crate::env::threads(job.threads)?;
    crate::env::with_threads(threads, || {
        let mut t = Timings::default();
        let todo = [&plan.jobs[0]];
        let (m, selected) = read_for(&plan, &plan.datasets[0], &todo, Path::new("."), &mut t)?;
        // Refused before work, as in a run: never an allocation that
        // cannot succeed.
        let budget = memory_budget(job.max_memory);
        if let Some((total, what)) = &budget {
            let need = estimate_bytes(&m, &todo, &plan, Some(*total));
            if need > *total {
                return Err(Error::Invalid(format!(
                    "{}: {}",
                    job.input.display(),
                    too_big(need, &m, what, &todo, &plan)
                )));
            }
        }
        let cache = Cache::default();
        let name = job
            .output
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let ctx = Context {
            source: &job.input.display().to_string(),
            name: &name,
            base: Path::new("."),
            cache: &cache,
            max_memory: budget.map(|(total, _)| total),
        };
        let (files, _) = run_job(
            &plan,
            &plan.jobs[0],
            &m,
            selected,
            &ctx,
            &pipeline::Annotations::default(),
            &mut t,
        )?;
        Ok((files, t))
    })?
}

/// The memory a run may use and how to say where that number comes from:
/// `--max-memory`, else the Slurm allocation, cgroup limit or the
/// machine's memory ([`crate::env::memory_limit`]).
fn memory_budget(max_memory: Option<u64>) -> Option<(u64, String)> {
    match max_memory {
        Some(total) => Some((total, format!("--max-memory is {}", human(total)))),
        None => crate::env::memory_limit().map(|m| {
            (
                m.bytes,
                format!(
                    "the memory limit ({}) is {}; ask for more memory (sbatch --mem, mem_mb, task.memory) or pass --max-memory",
                    m.source,
                    human(m.bytes)
                ),
            )
        }),
    }
}

/// The refusal of a dataset whose jobs need `need` bytes beyond `what`,
/// with what would shrink it: `precision = "f32"` where a clustering
/// stores its condensed distances as f64, and fewer rows.
fn too_big(need: u64, m: &Matrix, what: &str, jobs: &[&Job], plan: &Plan) -> String {
    let stores_f64 = jobs.iter().any(|j| {
        let o = &plan.figures[j.figure].options;
        let clusters = match plan.figures[j.figure].kind {
            Kind::Corrmap => o.cluster,
            Kind::Clustermap => o.row_cluster || o.col_cluster,
            _ => false,
        };
        clusters
            && o.precision == crate::dtype::Dtype::F64
            && o.method.unwrap_or(crate::cluster::Method::Average) != crate::cluster::Method::Ward
    });
    let f32 = if stores_f64 {
        "; precision = \"f32\" (--precision f32) halves the clustering's distances"
    } else {
        ""
    };
    format!(
        "needs about {} of working memory ({} x {} matrix and its distance/correlation matrices) but {what}{f32}; or reduce the data (top_variable)",
        human(need),
        m.nrows(),
        m.ncols(),
    )
}

/// Working memory of a dataset's jobs: two copies of the matrix, the
/// largest figure raster, and the largest analysis a figure needs, each
/// for the path it will take (`analysis::cluster_bytes`: O(n·d) for ward
/// on vectors, the condensed matrix otherwise; a correlation map: the
/// n × n correlation matrix, and its distances when clustered, or when
/// drawn streamed, its Gram factor, one band and the pixels, plus the
/// tree's own need when clustered).
pub(crate) fn estimate_bytes(m: &Matrix, jobs: &[&Job], plan: &Plan, budget: Option<u64>) -> u64 {
    let (r, c) = (m.nrows(), m.ncols());
    let base = 2 * (r as u64) * (c as u64) * 8;
    let extra = jobs
        .iter()
        .map(|j| {
            let f = &plan.figures[j.figure];
            let o = &f.options;
            let px = (o.figsize.0 * o.dpi * o.figsize.1 * o.dpi) as u64 * 12;
            let spec = analysis::ClusterSpec {
                method: o.method.unwrap_or(crate::cluster::Method::Average),
                metric: o.metric.unwrap_or(crate::cluster::Metric::Euclidean),
                optimal_ordering: o.optimal_ordering,
                precision: o.precision,
                max_condensed: budget,
            };
            px + match f.kind {
                Kind::Heatmap | Kind::Dotplot => 0,
                Kind::HeatmapList => analysis::cluster_bytes(r, c, &spec),
                Kind::Clustermap => {
                    let rows = if o.row_cluster {
                        analysis::cluster_bytes(r, c, &spec)
                    } else {
                        0
                    };
                    let cols = if o.col_cluster {
                        analysis::cluster_bytes(c, r, &spec)
                    } else {
                        0
                    };
                    analysis::both_axes_bytes(rows, cols).0
                }
                Kind::Corrmap if !o.cluster && pipeline::streamed::streams(o, r, c) => {
                    pipeline::streamed::bytes(r, c, px / 12)
                }
                Kind::Corrmap if o.cluster && pipeline::streamed::clustered_streams(o, r, c) => {
                    // The genes in leaf order, the rows of R as r points
                    // in c dimensions and their clustering, the picture.
                    pipeline::streamed::bytes(r, c, px / 12)
                        + 2 * (r as u64) * (c as u64) * 8
                        + analysis::cluster_bytes(
                            r,
                            c,
                            &analysis::ClusterSpec {
                                metric: crate::cluster::Metric::Euclidean,
                                ..spec
                            },
                        )
                }
                Kind::Corrmap => {
                    crate::stats::correlate_bytes(
                        r,
                        c,
                        crate::dtype::Dtype::F64,
                        o.missing == crate::options::Missing::Pairwise,
                    ) + (r as u64) * (r as u64) * 8
                        + if !o.cluster {
                            0
                        } else if pipeline::correlation_rows_in_m(o, r, c) {
                            // The rows of R as r points in c dimensions.
                            (r as u64) * (c as u64) * 8
                                + analysis::cluster_bytes(
                                    r,
                                    c,
                                    &analysis::ClusterSpec {
                                        metric: crate::cluster::Metric::Euclidean,
                                        ..spec
                                    },
                                )
                        } else {
                            o.precision.condensed_bytes(r) as u64
                        }
                }
            }
        })
        .max()
        .unwrap_or(0);
    base + extra
}

/// "3.2 GB"
pub(crate) fn human(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.0} MB", b / 1e6)
    } else {
        format!("{:.0} kB", b / 1e3)
    }
}

/// Parses a memory size with its unit: "4G", "512M", "2.5GB", "800MiB"
/// (K, M, G, T are powers of 1000; `KiB`/`MiB`/`GiB`/`TiB` are powers of 1024). A bare number is
/// refused: bytes or megabytes would be a guess.
pub fn parse_bytes(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim().to_ascii_uppercase();
    let (t, base) = match t.strip_suffix("IB") {
        Some(rest) => (rest.to_string(), 1024f64),
        None => (t.trim_end_matches('B').to_string(), 1000f64),
    };
    let (num, mult) = match t.chars().last() {
        Some('K') => (&t[..t.len() - 1], base),
        Some('M') => (&t[..t.len() - 1], base.powi(2)),
        Some('G') => (&t[..t.len() - 1], base.powi(3)),
        Some('T') => (&t[..t.len() - 1], base.powi(4)),
        _ => {
            return Err(format!(
                "'{s}' has no unit: write it with one, e.g. 8G, 512M or 16GiB"
            ))
        }
    };
    num.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| *v > 0.0 && v.is_finite())
        .map(|v| (v * mult) as u64)
        .ok_or_else(|| format!("'{s}' is not a size (e.g. 8G, 512M, 16GiB)"))
}
