//! Progress: on a terminal, an indicatif bar for the whole run plus one
//! line per running dataset showing its current stage; plain lines on
//! stderr when stderr is not a terminal (CI, Slurm logs), where indicatif
//! draws nothing; silence with `--quiet`.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

/// Reports job completions and the stages of running datasets.
#[derive(Debug)]
pub struct Progress {
    multi: Option<MultiProgress>,
    bar: Option<ProgressBar>,
    stages: Mutex<HashMap<String, ProgressBar>>,
    lines: bool,
    total: usize,
    done: std::sync::atomic::AtomicUsize,
}

impl Progress {
    /// Reporting for `total` jobs: a bar on a terminal, plain lines on a
    /// non-terminal stderr, nothing when `quiet`.
    pub fn new(total: usize, quiet: bool) -> Progress {
        let tty = std::io::stderr().is_terminal();
        let multi = (!quiet && tty).then(MultiProgress::new);
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
            lines: !quiet && !tty,
            total,
            done: std::sync::atomic::AtomicUsize::new(0),
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
    }

    /// A message that must reach the user whatever the mode (not --quiet).
    pub fn note(&self, msg: &str) {
        match &self.bar {
            Some(b) => b.println(msg),
            None if self.lines => eprintln!("{msg}"),
            None => {}
        }
    }
}
