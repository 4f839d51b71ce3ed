//! Running a plan: datasets in parallel (rayon), each read once with its
//! linkages and correlations shared by its figures; every output written
//! atomically; the manifest updated after each job; a failing dataset or
//! figure recorded and reported while all other jobs complete.

use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::Instant;

use super::config::{canonical, Config};
use super::manifest::{
    files_intact, journal_path, relative, sha256_bytes, sha256_file, FileEntry, JobEntry, Journal,
    Manifest,
};
use super::plan::{Job, Plan};
use super::progress::Progress;
use crate::error::{Error, Result};
use crate::figure::{self, Cache, Kind};
use crate::io::{self, annotations};
use crate::matrix::Matrix;
use crate::output;
use crate::timings::Timings;

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Output directory override.
    pub out: Option<PathBuf>,
    /// Worker threads (0 = all available).
    pub threads: usize,
    /// `(k, n)`: run shard k (1-based) of n.
    pub shard: Option<(usize, usize)>,
    pub force: bool,
    pub quiet: bool,
    /// Refuse datasets whose estimated working memory exceeds this.
    pub max_memory: Option<u64>,
}

/// What happened.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub ok: usize,
    pub skipped: usize,
    pub failed: Vec<(String, String)>,
    pub manifest: PathBuf,
}

/// The manifest file for a shard (or the whole run).
pub fn manifest_path(out_dir: &Path, shard: Option<(usize, usize)>) -> PathBuf {
    match shard {
        Some((k, n)) => out_dir.join(format!("manifest.shard-{k}-of-{n}.json")),
        None => out_dir.join("manifest.json"),
    }
}

/// A byte budget that datasets reserve before their heavy stages, so that
/// parallel jobs queue instead of exhausting memory together.
struct Budget {
    total: u64,
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
    let datasets: Vec<usize> = match opts.shard {
        Some((k, n)) => plan.shard_datasets(k, n),
        None => (0..plan.datasets.len()).collect(),
    };
    let jobs_of = |d: usize| -> Vec<&Job> { plan.jobs.iter().filter(|j| j.dataset == d).collect() };
    let total: usize = datasets.iter().map(|&d| jobs_of(d).len()).sum();
    std::fs::create_dir_all(&plan.out_dir).map_err(|e| Error::io(&plan.out_dir, e))?;
    let mpath = manifest_path(&plan.out_dir, opts.shard);
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
    // name): clear those of this shard's datasets and of its manifest.
    for &d in &datasets {
        for job in jobs_of(d) {
            for dir in job
                .outputs
                .iter()
                .filter_map(|p| p.parent())
                .chain([job.export_dir.as_path()])
            {
                remove_stale_temps(dir);
            }
        }
    }
    if let Some(name) = mpath.file_name() {
        remove_stale_temps_named(&plan.out_dir, &name.to_string_lossy());
    }
    let manifest = Mutex::new(Manifest::new(&config.path, shard_label));
    // Start the journal afresh: what it held is now in `previous`.
    let _ = std::fs::remove_file(&jpath);
    let journal = Mutex::new(Journal::open(&jpath)?);
    let progress = Progress::new(total, opts.quiet);
    let budget = opts.max_memory.map(|total| Budget {
        total,
        used: Mutex::new(0),
        freed: Condvar::new(),
    });
    let summary = Mutex::new(Summary {
        manifest: mpath.clone(),
        ..Default::default()
    });
    let threads = if opts.threads == 0 {
        default_threads()
    } else {
        opts.threads
    };
    // Inner loops (GEMM, distances, rendering) run on rayon's global pool,
    // sized once per process; it is already sized when a library user or an
    // earlier run built it, which is fine.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global();
    let record = |entry: JobEntry, status: &str, secs: f64| {
        progress.finish(&entry.id, status, secs);
        let mut s = summary.lock().unwrap_or_else(|e| e.into_inner());
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
    // order. (Not rayon tasks: a rayon worker waiting inside a dataset's
    // parallel loop would start other whole datasets on its stack, holding
    // many matrices at once and deadlocking on the memory budget.)
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = threads.min(datasets.len()).max(1);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(&d) = datasets.get(k) else { break };
                run_dataset(
                    &plan,
                    config,
                    d,
                    &jobs_of(d),
                    previous.as_ref(),
                    budget.as_ref(),
                    &progress,
                    &record,
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

/// Threads to use: `SLURM_CPUS_PER_TASK` when set, else all cores.
pub fn default_threads() -> usize {
    std::env::var("SLURM_CPUS_PER_TASK")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
}

/// Hash of everything a job's output depends on besides the input bytes.
fn params_of(plan: &Plan, config: &Config, job: &Job) -> (serde_json::Value, String) {
    let fig = &plan.figures[job.figure];
    let ds = &plan.datasets[job.dataset];
    let v = serde_json::json!({
        "version": env!("CARGO_PKG_VERSION"),
        "kind": fig.kind.name(),
        "options": serde_json::to_value(effective_options(plan, job)).unwrap_or_default(),
        "raw": serde_json::from_str::<serde_json::Value>(&canonical(&fig.raw)).unwrap_or_default(),
        "read": serde_json::to_value(ds.config.read_options()).unwrap_or_default(),
        "formats": serde_json::to_value(&config.output.formats).unwrap_or_default(),
        "naming": config.output.naming,
    });
    let h = sha256_bytes(v.to_string().as_bytes());
    (v, h)
}

/// Figure options with the dataset's colour strips added for clustermaps.
fn effective_options(plan: &Plan, job: &Job) -> figure::FigureOptions {
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
            let (p, _) = annotations::parse_spec(spec);
            let p = if p.is_relative() {
                config.base.join(p)
            } else {
                p
            };
            parts.push(sha256_file(&p)?);
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
    progress: &Progress,
    record: &(dyn Fn(JobEntry, &str, f64) + Sync),
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
    progress.stage(&ds.name, "read");
    let mut read_t = Timings::default();
    // When every figure to draw selects the same top-N rows (after the same
    // log transform), the reader streams that selection instead of
    // materialising the whole matrix.
    let keys: Vec<(bool, bool, Option<usize>)> = todo
        .iter()
        .map(|j| {
            let o = &plan.figures[j.figure].options;
            (o.log1p, o.log2p1, o.top_variable)
        })
        .collect();
    let shared = keys.windows(2).all(|w| w[0] == w[1]);
    let sel = if shared {
        figure::selection(&plan.figures[todo[0].figure].options)
    } else {
        None
    };
    let matrix = match read_t.time("read", || {
        io::read_selected(&ds.path, &ds.config.read_options(), sel.as_ref())
    }) {
        Ok(m) => m,
        Err(e) => {
            let msg = e.to_string();
            for job in &todo {
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
    let need = estimate_bytes(&matrix, &todo, plan);
    if let Some(b) = budget {
        if need > b.total {
            let msg = format!(
                "needs about {} of working memory ({} x {} matrix and its distance/correlation matrices) but --max-memory is {}; raise it, or reduce the data (top_variable)",
                human(need),
                matrix.nrows(),
                matrix.ncols(),
                human(b.total)
            );
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
        match run_job(plan, config, job, &matrix, selected, &cache, &mut t) {
            Ok((outputs, exports, warnings)) => {
                en.status = "ok".into();
                en.outputs = outputs;
                en.exports = exports;
                en.warnings = warnings;
                en.timings = t.to_json();
                record(en, "ok", t0.elapsed().as_secs_f64());
            }
            Err(e) => {
                let msg = e.to_string();
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

type JobFiles = (Vec<FileEntry>, Vec<FileEntry>, Vec<String>);

fn run_job(
    plan: &Plan,
    config: &Config,
    job: &Job,
    m: &Matrix,
    selected: bool,
    cache: &Cache,
    t: &mut Timings,
) -> Result<JobFiles> {
    let fig_cfg = &plan.figures[job.figure];
    let opts = effective_options(plan, job);
    let source = plan.datasets[job.dataset].path.display().to_string();
    let fig = figure::build_with(
        fig_cfg.kind,
        m,
        &opts,
        selected,
        &source,
        &config.base,
        cache,
        t,
    )?;
    let mut outputs = Vec::new();
    for path in &job.outputs {
        let bytes = t.time("encode", || output::encode(&fig, path, opts.dpi))?;
        t.time("write", || io::write_atomic(path, &bytes))?;
        outputs.push(FileEntry {
            path: relative(path, &plan.out_dir),
            sha256: sha256_bytes(&bytes),
            bytes: bytes.len() as u64,
        });
    }
    let mut exports = Vec::new();
    for (name, bytes) in &fig.exports {
        let path = job.export_dir.join(name);
        t.time("write", || io::write_atomic(&path, bytes))?;
        exports.push(FileEntry {
            path: relative(&path, &plan.out_dir),
            sha256: sha256_bytes(bytes),
            bytes: bytes.len() as u64,
        });
    }
    Ok((outputs, exports, fig.warnings))
}

/// Working memory of a dataset's jobs: two copies of the matrix plus the
/// largest square or condensed matrix a figure needs.
pub fn estimate_bytes(m: &Matrix, jobs: &[&Job], plan: &Plan) -> u64 {
    let (r, c) = (m.nrows() as u64, m.ncols() as u64);
    let base = 2 * r * c * 8;
    let extra = jobs
        .iter()
        .map(|j| {
            let f = &plan.figures[j.figure];
            let px = (f.options.figsize.0 * f.options.dpi * f.options.figsize.1 * f.options.dpi)
                as u64
                * 12;
            px + match f.kind {
                Kind::Heatmap => 0,
                Kind::Clustermap => {
                    r * r.saturating_sub(1) / 2 * 8 + c * c.saturating_sub(1) / 2 * 8
                }
                Kind::Corrmap => {
                    2 * r * r * 8
                        + if f.options.cluster {
                            r * r.saturating_sub(1) / 2 * 8
                        } else {
                            0
                        }
                }
            }
        })
        .max()
        .unwrap_or(0);
    base + extra
}

/// "3.2 GB"
pub fn human(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.0} MB", b / 1e6)
    } else {
        format!("{:.0} kB", b / 1e3)
    }
}

/// Parses "4G", "512M", "2.5GB", "1000000".
pub fn parse_bytes(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim().to_ascii_uppercase();
    let t = t.trim_end_matches('B');
    let (num, mult) = match t.chars().last() {
        Some('K') => (&t[..t.len() - 1], 1e3),
        Some('M') => (&t[..t.len() - 1], 1e6),
        Some('G') => (&t[..t.len() - 1], 1e9),
        Some('T') => (&t[..t.len() - 1], 1e12),
        _ => (t, 1.0),
    };
    num.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| *v > 0.0)
        .map(|v| (v * mult) as u64)
        .ok_or_else(|| format!("'{s}' is not a size (e.g. 4G, 512M)"))
}
