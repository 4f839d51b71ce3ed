//! Shared helpers for integration tests: fixture loading and a small
//! deterministic random generator (no external crates).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use heatmill::io::npy;

/// `tests/fixtures/`: one folder per scipy/numpy/seaborn function the
/// files pin down (see `scripts/make_fixtures.py`), plus the fixtures of
/// other scripts (`formats/`, `parquet/`, `ticks/`, `ward_large/`).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// `tests/fixtures/index.json`: every case and the file holding it.
pub fn index() -> serde_json::Value {
    let text = std::fs::read_to_string(fixtures().join("index.json")).expect("fixtures/index.json");
    serde_json::from_str(&text).expect("valid index.json")
}

/// A fixture by its path under `tests/fixtures/`, as `index.json` names
/// it (`"linkage/Z_seed_30x12_ward_euclidean.npy"`).
pub fn load(file: &str) -> npy::NpyArray {
    npy::read(&fixtures().join(file)).unwrap_or_else(|e| panic!("{e}"))
}

/// The input matrix `name` of the fixtures (`inputs/X_{name}.npy`).
pub fn input(name: &str) -> npy::NpyArray {
    load(&format!("inputs/X_{name}.npy"))
}

/// splitmix64: deterministic, seedable, good enough for test data.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform().max(1e-300), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

pub fn close(a: f64, b: f64, rel: f64, abs: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= abs + rel * a.abs().max(b.abs())
}
