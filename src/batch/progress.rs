//! Progress: an indicatif bar on a terminal; plain lines on stderr when
//! stderr is not a terminal (CI, Slurm logs), where indicatif draws
//! nothing; silence with `--quiet`.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// Reports job completions.
pub struct Progress {
    bar: Option<ProgressBar>,
    lines: bool,
    total: usize,
    done: std::sync::atomic::AtomicUsize,
}

impl Progress {
    pub fn new(total: usize, quiet: bool) -> Progress {
        let tty = std::io::stderr().is_terminal();
        let bar = (!quiet && tty).then(|| {
            let b = ProgressBar::new(total as u64);
            if let Ok(style) = ProgressStyle::with_template(
                "{bar:40.cyan/blue} {pos}/{len} {elapsed_precise} eta {eta} {wide_msg}",
            ) {
                b.set_style(style);
            }
            b
        });
        Progress {
            bar,
            lines: !quiet && !tty,
            total,
            done: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// A stage of a running job started (shown on the bar only).
    pub fn stage(&self, job: &str, stage: &str) {
        if let Some(b) = &self.bar {
            b.set_message(format!("{job}: {stage}"));
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

    pub fn close(&self) {
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
