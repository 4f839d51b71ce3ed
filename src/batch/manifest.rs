//! The run manifest: for every job, its inputs (with hashes), resolved
//! parameters, outputs (with hashes), timings and status. It is rewritten
//! atomically after every job, so a killed run leaves a manifest that
//! names exactly the jobs that finished; the next run skips those whose
//! inputs, parameters and outputs are unchanged.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::io::write_atomic;

/// One output file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FileEntry {
    /// Relative to the output directory.
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

/// One job's record.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct JobEntry {
    pub id: String,
    pub dataset: String,
    pub figure: String,
    pub kind: String,
    /// "ok" or "failed".
    pub status: String,
    pub input: String,
    pub input_sha256: String,
    pub params_sha256: String,
    pub params: serde_json::Value,
    pub outputs: Vec<FileEntry>,
    pub exports: Vec<FileEntry>,
    pub timings: serde_json::Value,
    #[serde(default)]
    pub warnings: Vec<String>,
    pub error: Option<String>,
}

/// The whole manifest.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub tool: String,
    pub version: String,
    pub config: String,
    pub shard: Option<String>,
    /// Jobs by id (sorted: stable file contents).
    pub jobs: BTreeMap<String, JobEntry>,
}

impl Manifest {
    pub fn new(config: &Path, shard: Option<String>) -> Manifest {
        Manifest {
            tool: "heatmill".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            config: config.display().to_string(),
            shard,
            jobs: BTreeMap::new(),
        }
    }

    /// Loads a manifest; a missing file gives `None`, a corrupt one an error.
    pub fn load(path: &Path) -> Result<Option<Manifest>> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
                Error::format(path, "manifest", format!("{e}; delete it or use --force"))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(|e| Error::Invalid(e.to_string()))?;
        write_atomic(path, text.as_bytes())
    }

    /// Joins shard manifests into one (later files win on duplicate ids).
    pub fn merge(parts: &[Manifest]) -> Manifest {
        let mut out = Manifest::default();
        for p in parts {
            out.tool = p.tool.clone();
            out.version = p.version.clone();
            out.config = p.config.clone();
            out.jobs
                .extend(p.jobs.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        out
    }
}

/// Hex SHA-256 of a file's bytes (streamed).
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

/// Hex SHA-256 of bytes.
pub fn sha256_bytes(b: &[u8]) -> String {
    hex(&Sha256::digest(b))
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// `path` relative to `base` when inside it, for portable manifests.
pub fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Whether the files recorded in `entries` are still there, unchanged.
pub fn files_intact(entries: &[FileEntry], base: &Path) -> bool {
    entries.iter().all(|e| {
        let p: PathBuf = base.join(&e.path);
        std::fs::metadata(&p)
            .map(|m| m.len() == e.bytes)
            .unwrap_or(false)
            && sha256_file(&p).map(|h| h == e.sha256).unwrap_or(false)
    })
}
