//! Helpers shared by the integration test modules: the `heatmill` binary,
//! paths into the repository, scratch directories, fixture loading, and a
//! small deterministic random generator (no external crates).

use std::panic::Location;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use heatmill::io::npy;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `data-samples/`: the shipped sample inputs.
pub fn samples() -> PathBuf {
    root().join("data-samples")
}

/// The `heatmill` binary Cargo built for these tests.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_heatmill"))
}

/// Runs `heatmill ARGS…` to the end.
pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run heatmill")
}

/// What a run wrote to standard error.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh, empty scratch directory for one test:
/// `heatmill-MODULE-PID-NAME` in the temp directory, where MODULE is the
/// file that calls it (`batch`, `cli`, …): all modules run in one
/// process, so a `name` only has to be unique within its module.
#[track_caller]
pub fn scratch(name: &str) -> PathBuf {
    let caller = Path::new(Location::caller().file());
    let module = caller.file_stem().unwrap().to_string_lossy();
    let d = std::env::temp_dir().join(format!("heatmill-{module}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `tests/fixtures/`: one folder per scipy/numpy/seaborn function the
/// files pin down (see `scripts/make_fixtures.py`), plus the fixtures of
/// other scripts (`formats/`, `parquet/`, `ticks/`, `ward_large/`).
pub fn fixtures() -> PathBuf {
    root().join("tests/fixtures")
}

/// `tests/fixtures/index.json`: every case and the files holding it.
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

/// `a` and `b` agree to `abs + rel * max(|a|, |b|)`, or are both NaN.
pub fn close(a: f64, b: f64, rel: f64, abs: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= abs + rel * a.abs().max(b.abs())
}
