//! Memory: large zeroed buffers backed by transparent huge pages where
//! the kernel offers them (Linux, `madvise` mode). (The allocator itself
//! is chosen by the `heatmill` binary and the Python extension: mimalloc,
//! which keeps and reuses freed memory instead of having the kernel clear
//! fresh pages for every buffer.) The linkage scans walk down
//! columns of a condensed matrix of hundreds of MB: with 4 KiB pages
//! nearly every step is a TLB miss; 2 MiB pages cut the link time at
//! n = 10 000 markedly (see README, Speed).

use crate::dtype::Storage;

/// A zeroed vector of `len` values, its pages advised as huge right after
/// allocation (before first touch when the allocator maps fresh memory for
/// it, as for any large block; memory it reuses is already mapped).
pub(crate) fn zeroed(len: usize) -> Vec<f64> {
    zeroed_of(len)
}

/// [`zeroed`] for any element type we store large matrices in.
pub(crate) fn zeroed_of<T: Storage>(len: usize) -> Vec<T> {
    let v = T::zeros(len);
    advise_huge(&v);
    v
}

#[cfg(target_os = "linux")]
fn advise_huge<T>(v: &[T]) {
    const HUGE: usize = 2 << 20;
    let bytes = std::mem::size_of_val(v);
    if bytes < 4 * HUGE {
        return;
    }
    let start = v.as_ptr() as usize;
    let aligned = start.div_ceil(HUGE) * HUGE;
    let end = (start + bytes) / HUGE * HUGE;
    if end > aligned {
        // SAFETY: the range lies inside the vector's allocation; MADV_HUGEPAGE
        // only changes how the kernel backs it, never its contents.
        unsafe {
            libc::madvise(
                aligned as *mut libc::c_void,
                end - aligned,
                libc::MADV_HUGEPAGE,
            );
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge<T>(_: &[T]) {}

/// Drops `v`, first handing its whole pages back to the kernel, so the
/// memory leaves the process now rather than when the allocator next
/// purges (mimalloc keeps freed memory ~10 ms or until reused: a loop
/// moving blocks of a large matrix would otherwise hold them all).
pub(crate) fn drop_now<T: Copy>(v: Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        let page = if page > 0 { page as usize } else { 1 << 16 };
        let bytes = v.capacity() * std::mem::size_of::<T>();
        let start = v.as_ptr() as usize;
        let (a, e) = (start.div_ceil(page) * page, (start + bytes) / page * page);
        if bytes >= 16 * page && e > a {
            // SAFETY: `a..e` is whole pages of the kernel's page size, all
            // inside `v`'s allocation, which nothing else uses. On private
            // anonymous memory (what Rust's allocators hand out) the kernel
            // drops the pages and a later touch reads zeros; on any other
            // mapping the advice at worst changes those bytes, which are
            // never read again: `v` is freed just below.
            unsafe {
                libc::madvise(a as *mut libc::c_void, e - a, libc::MADV_DONTNEED);
            }
        }
    }
    drop(v);
}
