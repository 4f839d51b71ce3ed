//! Progress: on a terminal, an indicatif bar for the whole run plus one
//! line per running dataset showing its current stage; plain lines on
//! stderr when stderr is not a terminal (CI, Slurm logs), where indicatif
//! draws nothing; silence with `--quiet`. A library caller (the Python
//! package) may take the reports instead through a [`ProgressHook`]: the
//! run's start, each job's end (jobs done / total, its name and status)
//! and the run's end, in place of the bar and the lines.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

/// What a run reports to a [`ProgressHook`] as it goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RunEvent<'a> {
    /// The run starts; `total` jobs are planned (after `shard`/`only`).
    Start {
        /// Jobs to do or skip.
        total: usize,
    },
    /// A job ended: the `done`-th of `total` (in the order jobs end,
    /// which varies with threads), its id (`DATASET/FIGURE`), its status
    /// (`ok`, `skipped` or `FAILED: message`) and its time in seconds.
    Job {
        /// Jobs ended so far, this one included.
        done: usize,
        /// Jobs planned.
        total: usize,
        /// The job's id, `DATASET/FIGURE`.
        job: &'a str,
        /// `ok`, `skipped`, or `FAILED: message`.
        status: &'a str,
        /// Wall-clock seconds the job took.
        secs: f64,
    },
    /// The run ended (`done < total` when it was stopped by a signal).
    End {
        /// Jobs ended.
        done: usize,
        /// Jobs planned.
        total: usize,
    },
}

/// A caller's progress report: called from the run's worker threads
/// (never two at once), in place of the terminal bar and the stderr
/// lines. Keep it short: the worker waits for it.
#[derive(Clone)]
pub struct ProgressHook(Arc<dyn Fn(RunEvent<'_>) + Send + Sync>);

impl ProgressHook {
    /// A hook calling `f` for each [`RunEvent`].
    pub fn new(f: impl Fn(RunEvent<'_>) + Send + Sync + 'static) -> ProgressHook {
        ProgressHook(Arc::new(f))
    }
}

impl std::fmt::Debug for ProgressHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressHook")
    }
}

/// Reports job completions and the stages of running datasets.
#[derive(Debug)]
pub struct Progress {
    multi: Option<MultiProgress>,
    bar: Option<ProgressBar>,
    stages: Mutex<HashMap<String, ProgressBar>>,
    lines: bool,
    total: usize,
    done: std::sync::atomic::AtomicUsize,
    /// The caller's hook, and a lock so that it is never called twice at
    /// once (nor a job's report before the start's).
    hook: Option<(ProgressHook, Mutex<()>)>,
    quiet: bool,
}

impl Progress {
    /// Reporting for `total` jobs: to `hook` when given (the run's start
    /// is reported now); else a bar on a terminal, plain lines on a
    /// non-terminal stderr, nothing when `quiet`.
    pub fn new(total: usize, quiet: bool, hook: Option<ProgressHook>) -> Progress {
        let tty = std::io::stderr().is_terminal();
        let draw = !quiet && hook.is_none();
        if let Some(h) = &hook {
            (h.0)(RunEvent::Start { total });
        }
        let multi = (draw && tty).then(MultiProgress::new);
        let bar = multi.as_ref().map(|m| {
            let b = m.add(ProgressBar::new(total as u64));
            if let Ok(style) = ProgressStyle::with_template(
                "{bar:40.cyan/blue} {pos}/{len} jobs {elapsed_precise} eta {eta}",
            ) {
                b.set_style(style);
            }
            b
        });
        Progress {
            multi,
            bar,
            stages: Mutex::new(HashMap::new()),
            lines: draw && !tty,
            total,
            done: std::sync::atomic::AtomicUsize::new(0),
            hook: hook.map(|h| (h, Mutex::new(()))),
            quiet,
        }
    }

    /// `dataset` entered `stage` (shown on its own line on a terminal).
    pub fn stage(&self, dataset: &str, stage: &str) {
        let Some(m) = &self.multi else { return };
        let mut stages = self.stages.lock().unwrap_or_else(|e| e.into_inner());
        let pb = stages.entry(dataset.to_string()).or_insert_with(|| {
            let pb = m.add(ProgressBar::new_spinner());
            if let Ok(style) = ProgressStyle::with_template("  {spinner} {prefix}: {msg}") {
                pb.set_style(style);
            }
            pb.set_prefix(dataset.to_string());
            pb.enable_steady_tick(std::time::Duration::from_millis(120));
            pb
        });
        pb.set_message(stage.to_string());
    }

    /// `dataset` has no more running jobs: drop its line.
    pub fn end(&self, dataset: &str) {
        if let Some(pb) = self
            .stages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(dataset)
        {
            pb.finish_and_clear();
        }
    }

    /// A job ended with `status` ("ok", "skipped", "FAILED: ...").
    pub fn finish(&self, job: &str, status: &str, secs: f64) {
        if let Some((h, lock)) = &self.hook {
            let _one = lock.lock().unwrap_or_else(|e| e.into_inner());
            let done = self.done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            (h.0)(RunEvent::Job {
                done,
                total: self.total,
                job,
                status,
                secs,
            });
            return;
        }
        let k = self.done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        if let Some(b) = &self.bar {
            b.inc(1);
            if status != "ok" && status != "skipped" {
                b.println(format!("{job}: {status}"));
            }
        } else if self.lines {
            eprintln!("[{k}/{}] {job} {status} ({secs:.2} s)", self.total);
        }
    }

    /// Clears the bar and every stage line (call once the run ends).
    pub fn close(&self) {
        for (_, pb) in self
            .stages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
        {
            pb.finish_and_clear();
        }
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
        if let Some((h, lock)) = &self.hook {
            let _one = lock.lock().unwrap_or_else(|e| e.into_inner());
            (h.0)(RunEvent::End {
                done: self.done.load(std::sync::atomic::Ordering::SeqCst),
                total: self.total,
            });
        }
    }

    /// A message that must reach the user whatever the mode (not --quiet).
    pub fn note(&self, msg: &str) {
        match &self.bar {
            Some(b) => b.println(msg),
            None if self.lines || (self.hook.is_some() && !self.quiet) => eprintln!("{msg}"),
            None => {}
        }
    }
}
