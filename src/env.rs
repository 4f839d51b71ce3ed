//! What the process learns from its environment, in one place: the
//! thread count (flag, else Slurm's CPUs, else the machine's cores), the
//! shard of a Slurm job array, the memory it may use (Slurm's allocation,
//! else its cgroup's limit), the physical memory, and the stop signals
//! (SIGTERM/SIGINT) a scheduler sends. Nothing else in the library reads
//! environment variables or handles signals.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};

/// The worker threads to use: `requested` when given (must be ≥ 1), else
/// `SLURM_CPUS_PER_TASK`, else `SLURM_CPUS_ON_NODE` (a Slurm job without
/// `--cpus-per-task`), else the cores available to the process.
///
/// Errors: `requested == Some(0)` ([`Error::Usage`]).
pub fn threads(requested: Option<usize>) -> Result<usize> {
    match requested {
        Some(0) => Err(Error::Usage(
            "--threads must be at least 1 (leave it out to use every core)".into(),
        )),
        Some(n) => Ok(n),
        None => Ok(var_usize("SLURM_CPUS_PER_TASK")
            .filter(|&n| n > 0)
            .or_else(|| var_usize("SLURM_CPUS_ON_NODE").filter(|&n| n > 0))
            .unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(1)
            })),
    }
}

/// Runs `f` on a rayon pool of exactly `threads` workers, so every
/// parallel loop inside (GEMM, distances, rendering, datasets) uses that
/// many threads whatever pools exist already in the process.
///
/// Errors: the pool cannot be created ([`Error::Internal`]).
pub fn with_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> Result<R> {
    Ok(pool(threads)?.install(f))
}

/// A rayon pool of exactly `threads` workers (see [`with_threads`]).
///
/// Errors: the pool cannot be created ([`Error::Internal`]).
pub fn pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| Error::Internal(format!("cannot start {threads} worker threads: {e}")))
}

/// The shard `(k, n)` (1-based k of n) this process runs, from an explicit
/// `--shard K/N`, or from `--shards N` with the array index (`--array-index`
/// or Slurm's `SLURM_ARRAY_TASK_ID`).
///
/// The index of a Slurm array task is turned into a shard through the
/// array's own numbering (`SLURM_ARRAY_TASK_MIN` and `_STEP`), so a
/// stepped array (`--array=0-7:2`) gives shards 1, 2, 3, 4, not 1, 3, 1, 3.
/// An explicit `--array-index I` is read as `I mod N + 1`.
///
/// Errors ([`Error::Usage`]): `--shards 0`; `--shards` without an index;
/// a Slurm array larger than `--shards` (tasks would share a shard).
pub fn shard(
    explicit: Option<(usize, usize)>,
    shards: Option<usize>,
    array_index: Option<usize>,
) -> Result<Option<(usize, usize)>> {
    if let Some(s) = explicit {
        return Ok(Some(s));
    }
    let Some(n) = shards else { return Ok(None) };
    if n == 0 {
        return Err(Error::Usage("--shards must be at least 1".into()));
    }
    if let Some(i) = array_index {
        return Ok(Some((i % n + 1, n)));
    }
    let id = var_usize("SLURM_ARRAY_TASK_ID").ok_or_else(|| {
        Error::Usage(
            "--shards needs --array-index I or a Slurm array task (SLURM_ARRAY_TASK_ID)".into(),
        )
    })?;
    let min = var_usize("SLURM_ARRAY_TASK_MIN").unwrap_or(0);
    let step = var_usize("SLURM_ARRAY_TASK_STEP")
        .filter(|&s| s > 0)
        .unwrap_or(1);
    let position = id.saturating_sub(min) / step;
    if let Some(count) = var_usize("SLURM_ARRAY_TASK_COUNT") {
        if count > n {
            return Err(Error::Usage(format!(
                "the Slurm array has {count} tasks but --shards is {n}: tasks would run the same shard twice; use --shards {count}"
            )));
        }
    }
    Ok(Some((position % n + 1, n)))
}

/// The machine's physical memory in bytes (`None` where unknown).
#[cfg(target_os = "linux")]
pub fn physical_memory() -> Option<u64> {
    // SAFETY: sysconf has no preconditions.
    let (pages, size) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    (pages > 0 && size > 0).then(|| pages as u64 * size as u64)
}

/// The machine's physical memory in bytes (`None` where unknown).
#[cfg(not(target_os = "linux"))]
pub fn physical_memory() -> Option<u64> {
    None
}

/// The memory this process may use, and where that number came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryLimit {
    /// Bytes.
    pub bytes: u64,
    /// Where it came from, in the words of the user who set it
    /// (`SLURM_MEM_PER_NODE=600`, `SLURM_MEM_PER_CPU=300 x 2 CPUs`, the
    /// cgroup file).
    pub source: String,
}

/// The memory this process may use, when something limits it: Slurm's
/// allocation (`SLURM_MEM_PER_NODE` MB, else `SLURM_MEM_PER_CPU` MB x
/// the task's CPUs: `SLURM_CPUS_PER_TASK`, else `SLURM_CPUS_ON_NODE`,
/// else 1), else the cgroup's limit (v2 `memory.max`, v1
/// `memory.limit_in_bytes`, the smallest along the cgroup's path). `None`
/// when nothing limits the process below the machine's memory.
pub fn memory_limit() -> Option<MemoryLimit> {
    let cgroup = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    memory_limit_from(
        &|name| std::env::var(name).ok(),
        Path::new("/sys/fs/cgroup"),
        &cgroup,
    )
    // Else the machine itself: an allocation past it cannot succeed, and
    // is refused before work instead of aborting the process.
    .or_else(|| {
        physical_memory().map(|bytes| MemoryLimit {
            bytes,
            source: "the machine's physical memory".into(),
        })
    })
}

/// [`memory_limit`] from an injected environment, cgroup mount and
/// `/proc/self/cgroup` text (for tests).
pub fn memory_limit_from(
    var: &dyn Fn(&str) -> Option<String>,
    cgroup_root: &Path,
    proc_cgroup: &str,
) -> Option<MemoryLimit> {
    let num = |name: &str| -> Option<u64> {
        var(name)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|&n| n > 0)
    };
    const MB: u64 = 1024 * 1024; // Slurm's "M" is MiB
    if let Some(mb) = num("SLURM_MEM_PER_NODE") {
        return Some(MemoryLimit {
            bytes: mb * MB,
            source: format!("SLURM_MEM_PER_NODE={mb}"),
        });
    }
    if let Some(mb) = num("SLURM_MEM_PER_CPU") {
        let (cpus, which) = match (num("SLURM_CPUS_PER_TASK"), num("SLURM_CPUS_ON_NODE")) {
            (Some(c), _) => (c, "SLURM_CPUS_PER_TASK"),
            (None, Some(c)) => (c, "SLURM_CPUS_ON_NODE"),
            (None, None) => (1, "1 CPU"),
        };
        return Some(MemoryLimit {
            bytes: mb * MB * cpus,
            source: format!("SLURM_MEM_PER_CPU={mb} x {which}={cpus}"),
        });
    }
    cgroup_limit(cgroup_root, proc_cgroup)
}

/// The smallest memory limit along this process's cgroup path (v2
/// `0::PATH` → `ROOT/PATH/memory.max`; v1 `N:…memory…:PATH` →
/// `ROOT/memory/PATH/memory.limit_in_bytes`). "max" and the v1
/// "unlimited" value (close to `i64::MAX`) are no limit.
fn cgroup_limit(root: &Path, proc_cgroup: &str) -> Option<MemoryLimit> {
    let mut best: Option<(u64, PathBuf)> = None;
    for line in proc_cgroup.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let (base, file) = if id == "0" && controllers.is_empty() {
            (root.to_path_buf(), "memory.max")
        } else if controllers.split(',').any(|c| c == "memory") {
            (root.join("memory"), "memory.limit_in_bytes")
        } else {
            continue;
        };
        // The cgroup and each of its ancestors, up to the mount's root (in
        // a container the path may name cgroups the mount does not show).
        let mut dir = PathBuf::from(path.trim_start_matches('/'));
        loop {
            let f = base.join(&dir).join(file);
            if let Some(v) = std::fs::read_to_string(&f)
                .ok()
                .and_then(|t| t.trim().parse::<u64>().ok())
                .filter(|&v| v < 1 << 60)
            {
                if best.as_ref().is_none_or(|(b, _)| v < *b) {
                    best = Some((v, f));
                }
            }
            if !dir.pop() {
                break;
            }
        }
    }
    best.map(|(bytes, f)| MemoryLimit {
        bytes,
        source: format!("the cgroup limit {}", f.display()),
    })
}

/// The signal that asked this run to stop (`SIGTERM` 15, `SIGINT` 2), 0
/// while none has.
static STOP: AtomicUsize = AtomicUsize::new(0);

/// Makes SIGTERM and SIGINT request a graceful stop instead of killing
/// the process: [`stop_requested`] then returns the signal, and a batch
/// run takes no new job, lets running ones finish (their writes are
/// atomic), writes its manifest and ends with exit 128 + signal (143 for
/// SIGTERM, 130 for SIGINT). A second signal ends the process at once with
/// that code. Process-global: the binary calls it for `heatmill run` only.
///
/// Errors: the handlers cannot be installed ([`Error::Internal`]).
#[cfg(unix)]
pub fn catch_stop_signals() -> Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::low_level::{exit, register};
    for sig in [SIGTERM, SIGINT] {
        // SAFETY: the handler only does async-signal-safe work: an atomic
        // swap, and `_exit` (signal_hook's `exit`) on a second signal.
        unsafe {
            register(sig, move || {
                if STOP.swap(sig as usize, Ordering::SeqCst) != 0 {
                    exit(128 + sig);
                }
            })
        }
        .map_err(|e| Error::Internal(format!("cannot install the signal handler: {e}")))?;
    }
    Ok(())
}

/// No signals to catch off Unix.
#[cfg(not(unix))]
pub fn catch_stop_signals() -> Result<()> {
    Ok(())
}

/// The signal number that asked the run to stop, if one has.
pub fn stop_requested() -> Option<i32> {
    match STOP.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s as i32),
    }
}

/// Asks the run to stop as signal `sig` would (tests, embedding programs).
pub fn request_stop(sig: i32) {
    STOP.store(sig.max(1) as usize, Ordering::SeqCst);
}

/// Clears a stop request (tests, embedding programs that run again).
pub fn clear_stop() {
    STOP.store(0, Ordering::SeqCst);
}

fn var_usize(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_shards_and_indices() {
        assert_eq!(shard(Some((2, 4)), None, None).unwrap(), Some((2, 4)));
        assert_eq!(shard(None, Some(4), Some(5)).unwrap(), Some((2, 4)));
        assert_eq!(shard(None, None, None).unwrap(), None);
        assert_eq!(shard(None, Some(0), Some(1)).unwrap_err().exit_code(), 2);
        assert_eq!(threads(Some(0)).unwrap_err().exit_code(), 2);
        assert_eq!(threads(Some(3)).unwrap(), 3);
    }

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn memory_from_slurm_per_node_then_per_cpu() {
        let none = Path::new("/nonexistent-cgroup");
        let m = memory_limit_from(
            &env(&[("SLURM_MEM_PER_NODE", "600"), ("SLURM_MEM_PER_CPU", "1")]),
            none,
            "",
        )
        .unwrap();
        assert_eq!(m.bytes, 600 << 20);
        assert_eq!(m.source, "SLURM_MEM_PER_NODE=600");
        let m = memory_limit_from(
            &env(&[("SLURM_MEM_PER_CPU", "300"), ("SLURM_CPUS_PER_TASK", "2")]),
            none,
            "",
        )
        .unwrap();
        assert_eq!(m.bytes, 600 << 20);
        assert!(m.source.contains("SLURM_CPUS_PER_TASK=2"), "{}", m.source);
        let m = memory_limit_from(
            &env(&[("SLURM_MEM_PER_CPU", "300"), ("SLURM_CPUS_ON_NODE", "3")]),
            none,
            "",
        )
        .unwrap();
        assert_eq!(m.bytes, 900 << 20);
        let m = memory_limit_from(&env(&[("SLURM_MEM_PER_CPU", "300")]), none, "").unwrap();
        assert_eq!(m.bytes, 300 << 20);
        assert_eq!(memory_limit_from(&env(&[]), none, "0::/\n"), None);
    }

    #[test]
    fn memory_from_cgroup_v2_and_v1() {
        let root = std::env::temp_dir().join(format!("heatmill-cgroup-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        // v2: the job's cgroup is unlimited, its parent (the Slurm step)
        // is not: the smallest along the path counts.
        let job = root.join("v2/slurm/job_7/step_0");
        std::fs::create_dir_all(&job).unwrap();
        std::fs::write(job.join("memory.max"), "max\n").unwrap();
        std::fs::write(root.join("v2/slurm/job_7/memory.max"), "629145600\n").unwrap();
        std::fs::write(root.join("v2/memory.max"), "max\n").unwrap();
        let m = memory_limit_from(&env(&[]), &root.join("v2"), "0::/slurm/job_7/step_0\n").unwrap();
        assert_eq!(m.bytes, 629145600);
        assert!(m.source.contains("job_7/memory.max"), "{}", m.source);
        // v1: memory controller line; the "unlimited" value is no limit.
        let v1 = root.join("v1/memory/docker/abc");
        std::fs::create_dir_all(&v1).unwrap();
        std::fs::write(v1.join("memory.limit_in_bytes"), "1073741824\n").unwrap();
        std::fs::write(
            root.join("v1/memory/memory.limit_in_bytes"),
            "9223372036854771712\n",
        )
        .unwrap();
        let text = "4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n";
        let m = memory_limit_from(&env(&[]), &root.join("v1"), text).unwrap();
        assert_eq!(m.bytes, 1 << 30);
        std::fs::write(v1.join("memory.limit_in_bytes"), "9223372036854771712\n").unwrap();
        assert_eq!(memory_limit_from(&env(&[]), &root.join("v1"), text), None);
        // Slurm's numbers win over the cgroup's.
        let m = memory_limit_from(
            &env(&[("SLURM_MEM_PER_NODE", "100")]),
            &root.join("v2"),
            "0::/slurm/job_7/step_0\n",
        )
        .unwrap();
        assert_eq!(m.bytes, 100 << 20);
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn the_pool_has_the_requested_threads() {
        assert_eq!(with_threads(3, rayon::current_num_threads).unwrap(), 3);
        assert_eq!(with_threads(1, rayon::current_num_threads).unwrap(), 1);
    }
}
