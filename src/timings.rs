//! Wall-clock time per pipeline stage (read, prep, correlate, distance,
//! link, order, render, encode, write), for `--timings` and manifests.
//! Stages run at once on two threads (a clustermap's two trees) each
//! count in full.

use std::time::Instant;

/// Stage durations in seconds, in the order they ran. Work done at once
/// on two threads (a clustermap's row and column trees) counts in full
/// in each of its stages, so the stages may add up to more than the run.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Timings {
    /// `(stage, seconds)` pairs, first run first; each stage once.
    pub stages: Vec<(String, f64)>,
}

impl Timings {
    /// Runs `f`, recording its duration under `stage` (durations of a
    /// repeated stage add up).
    pub fn time<T>(&mut self, stage: &str, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let out = f();
        self.add(stage, t.elapsed().as_secs_f64());
        out
    }

    /// Adds `secs` seconds to `stage` (appended when new).
    pub fn add(&mut self, stage: &str, secs: f64) {
        match self.stages.iter_mut().find(|(s, _)| s == stage) {
            Some((_, v)) => *v += secs,
            None => self.stages.push((stage.to_string(), secs)),
        }
    }

    /// Appends another set of timings.
    pub fn extend(&mut self, other: &Timings) {
        for (s, v) in &other.stages {
            self.add(s, *v);
        }
    }

    /// Seconds over all stages.
    pub fn total(&self) -> f64 {
        self.stages.iter().map(|(_, v)| v).sum()
    }

    /// `{"read": 0.01, ...}` as one JSON object.
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        for (s, v) in &self.stages {
            m.insert(s.clone(), serde_json::json!(v));
        }
        serde_json::Value::Object(m)
    }
}
