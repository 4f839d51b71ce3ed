//! What the process learns from its environment, in one place: the
//! thread count (flag, else Slurm's CPUs, else the machine's cores), the
//! shard of a Slurm job array, and the physical memory. Nothing else in
//! the library reads environment variables.

use crate::error::{Error, Result};

/// The worker threads to use: `requested` when given (must be ≥ 1), else
/// `SLURM_CPUS_PER_TASK`, else the cores available to the process.
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

    #[test]
    fn the_pool_has_the_requested_threads() {
        assert_eq!(with_threads(3, rayon::current_num_threads).unwrap(), 3);
        assert_eq!(with_threads(1, rayon::current_num_threads).unwrap(), 1);
    }
}
