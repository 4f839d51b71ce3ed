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
    /// Hex SHA-256 of the file's bytes (64 characters).
    pub sha256: String,
    /// File size in bytes.
    pub bytes: u64,
}

/// One job's record.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct JobEntry {
    /// `dataset/figure`, the job's unique id (the key in [`Manifest::jobs`]).
    pub id: String,
    /// Dataset name.
    pub dataset: String,
    /// Figure name.
    pub figure: String,
    /// Figure kind (`heatmap`, `clustermap`, `corrmap`).
    pub kind: String,
    /// "ok" or "failed".
    pub status: String,
    /// Input file, relative to the config's directory.
    pub input: String,
    /// Hex SHA-256 of the input file and of every annotation table the
    /// job reads.
    pub input_sha256: String,
    /// Hex SHA-256 of `params`: a change reruns the job.
    pub params_sha256: String,
    /// Everything besides the input bytes the outputs depend on: version,
    /// kind, effective options, read options, formats, naming.
    pub params: serde_json::Value,
    /// The figure files written (one per format).
    pub outputs: Vec<FileEntry>,
    /// The data exports written (orders, linkages, clusters).
    pub exports: Vec<FileEntry>,
    /// Seconds per stage (`read`, `distance`, `link`, ...), as
    /// [`crate::timings::Timings::to_json`] writes them.
    pub timings: serde_json::Value,
    /// Things the user should know (dropped rows, unmatched labels).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// The error message of a failed job.
    pub error: Option<String>,
}

/// The whole manifest.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// Always `heatmill`.
    pub tool: String,
    /// The heatmill version that wrote it.
    pub version: String,
    /// The config file the run read.
    pub config: String,
    /// `k/n` for a shard's manifest, `None` for a whole run.
    pub shard: Option<String>,
    /// Jobs by id (sorted: stable file contents).
    pub jobs: BTreeMap<String, JobEntry>,
}

impl Manifest {
    /// An empty manifest for a run of `config` (shard `k/n` or `None`).
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
            Err(e) => Err(Error::read(path, e)),
        }
    }

    /// Applies the jobs recorded in a journal (one JSON entry per line, as
    /// [`Journal`] writes them); a torn last line from a killed run is
    /// ignored.
    pub(crate) fn replay(&mut self, journal: &Path) {
        if let Ok(text) = std::fs::read_to_string(journal) {
            for line in text.lines() {
                if let Ok(e) = serde_json::from_str::<JobEntry>(line) {
                    self.jobs.insert(e.id.clone(), e);
                }
            }
        }
    }

    /// Writes the manifest as pretty JSON, atomically (temp file, rename).
    ///
    /// Errors: [`Error::Write`] when the file cannot be written.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(|e| Error::Invalid(e.to_string()))?;
        write_atomic(path, text.as_bytes())
    }

    /// Joins shard manifests into one (later files win on duplicate ids).
    /// Reads the shard manifests `paths` and writes their union to `out`
    /// (default: `manifest.json` beside the first); returns where it went,
    /// how many manifests and jobs.
    ///
    /// Errors: a manifest is missing or unreadable ([`Error::Read`], exit 2)
    /// or corrupt ([`Error::Format`]); the result cannot be written.
    pub fn merge_files(paths: &[PathBuf], out: Option<&Path>) -> Result<(PathBuf, usize, usize)> {
        let mut parts = Vec::new();
        for p in paths {
            parts.push(Manifest::load(p)?.ok_or_else(|| {
                Error::read(
                    p,
                    std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
                )
            })?);
        }
        let merged = Manifest::merge(&parts);
        let out = match out {
            Some(o) => o.to_path_buf(),
            None => paths
                .first()
                .and_then(|p| p.parent())
                .unwrap_or(Path::new("."))
                .join("manifest.json"),
        };
        merged.save(&out)?;
        Ok((out, parts.len(), merged.jobs.len()))
    }

    /// The union of shard manifests (later entries win).
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

/// Hex SHA-256 of a file's bytes (streamed); of a folder (a Cell Ranger
/// matrix folder), the names and hashes of its files in name order.
pub(crate) fn sha256_file(path: &Path) -> Result<String> {
    if path.is_dir() {
        let mut names: Vec<std::path::PathBuf> = std::fs::read_dir(path)
            .map_err(|e| Error::read(path, e))?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        names.sort();
        let mut parts = vec![];
        for p in &names {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            parts.push(format!("{}={}", name.unwrap_or_default(), sha256_file(p)?));
        }
        return Ok(sha256_bytes(parts.join(",").as_bytes()));
    }
    let mut f = std::fs::File::open(path).map_err(|e| Error::read(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::read(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

/// Hex SHA-256 of bytes.
pub(crate) fn sha256_bytes(b: &[u8]) -> String {
    hex(&Sha256::digest(b))
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// `path` relative to `base` when inside it, for portable manifests.
pub(crate) fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Whether the files recorded in `entries` are still there, unchanged.
pub(crate) fn files_intact(entries: &[FileEntry], base: &Path) -> bool {
    entries.iter().all(|e| {
        let p: PathBuf = base.join(&e.path);
        std::fs::metadata(&p)
            .map(|m| m.len() == e.bytes)
            .unwrap_or(false)
            && sha256_file(&p).map(|h| h == e.sha256).unwrap_or(false)
    })
}

/// Append-only record of finished jobs, one JSON line each, flushed as
/// each job ends: O(1) per job where rewriting the manifest would be
/// O(jobs). The manifest proper is written at the end; a rerun after a
/// kill replays the journal.
#[derive(Debug)]
pub(crate) struct Journal {
    path: PathBuf,
    file: std::fs::File,
}

impl Journal {
    /// Opens `path` for appending, creating it if needed.
    ///
    /// Errors: [`Error::Write`] when it cannot be opened.
    pub(crate) fn open(path: &Path) -> Result<Journal> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| Error::write(path, e))?;
        Ok(Journal {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Appends `e` as one JSON line.
    ///
    /// Errors: [`Error::Write`] when the line cannot be written.
    pub(crate) fn append(&mut self, e: &JobEntry) -> Result<()> {
        use std::io::Write;
        let mut line = serde_json::to_string(e).map_err(|e| Error::Invalid(e.to_string()))?;
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .map_err(|err| Error::write(&self.path, err))
    }

    /// Removes the journal once the manifest holds everything.
    pub(crate) fn remove(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The journal that goes with a manifest file.
pub(crate) fn journal_path(manifest: &Path) -> PathBuf {
    let mut s = manifest.as_os_str().to_owned();
    s.push(".journal");
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str) -> JobEntry {
        JobEntry {
            id: id.into(),
            dataset: "d".into(),
            figure: "f".into(),
            kind: "heatmap".into(),
            status: "ok".into(),
            input: "in.csv".into(),
            input_sha256: "x".into(),
            params_sha256: "y".into(),
            params: serde_json::json!({}),
            outputs: vec![],
            exports: vec![],
            timings: serde_json::json!({}),
            warnings: vec![],
            error: None,
        }
    }

    #[test]
    fn journal_replays_and_ignores_a_torn_last_line() {
        let dir = std::env::temp_dir().join(format!("heatmill-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let jp = journal_path(&dir.join("manifest.json"));
        let _ = std::fs::remove_file(&jp);
        let mut j = Journal::open(&jp).unwrap();
        j.append(&entry("a/x")).unwrap();
        j.append(&entry("b/x")).unwrap();
        drop(j);
        // A kill in the middle of a write leaves half a line.
        let mut text = std::fs::read_to_string(&jp).unwrap();
        text.push_str("{\"id\": \"c/x\", \"data");
        std::fs::write(&jp, text).unwrap();
        let mut m = Manifest::new(Path::new("c.toml"), None);
        m.replay(&jp);
        assert_eq!(m.jobs.keys().collect::<Vec<_>>(), ["a/x", "b/x"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
