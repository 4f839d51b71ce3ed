//! Large zeroed `f64` buffers backed by transparent huge pages where the
//! kernel offers them (Linux, `madvise` mode). The linkage scans walk down
//! columns of a condensed matrix of hundreds of MB: with 4 KiB pages
//! nearly every step is a TLB miss; 2 MiB pages cut the link time at
//! n = 10 000 markedly (see README, Speed).

/// A zeroed vector of `len` values; its pages are advised as huge before
/// they are first touched.
pub fn zeroed(len: usize) -> Vec<f64> {
    zeroed_of(len)
}

/// [`zeroed`] for any element type we store large matrices in.
pub fn zeroed_of<T: Element>(len: usize) -> Vec<T> {
    let v = T::zeros(len);
    advise_huge(&v);
    v
}

/// A raw pointer into a large buffer, shared by parallel tasks that each
/// write a disjoint part of it (Gram tiles, the halves of an NN-chain
/// update). The caller's `unsafe` block states why the parts are disjoint.
pub struct SharedMut<T>(pub *mut T);

impl<T> Clone for SharedMut<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for SharedMut<T> {}
// SAFETY: only a pointer is shared; every use writes a part of the buffer
// no other task touches (stated at each use).
unsafe impl<T: Send> Send for SharedMut<T> {}
unsafe impl<T: Send> Sync for SharedMut<T> {}

/// An element type of a large matrix: `f64`, or `f32` where the user asks
/// for half the memory. Arithmetic always happens in `f64`; values are
/// converted once on store.
pub trait Element: Copy + Send + Sync + PartialEq + std::fmt::Debug + 'static {
    /// The name users choose it by (`--precision f32`).
    const NAME: &'static str;
    fn from_f64(v: f64) -> Self;
    fn to_f64(self) -> f64;
    /// `len` zeros, allocated zeroed (calloc: pages untouched until used).
    fn zeros(len: usize) -> Vec<Self>;
}

impl Element for f64 {
    const NAME: &'static str = "f64";
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    fn zeros(len: usize) -> Vec<Self> {
        vec![0.0; len]
    }
}

impl Element for f32 {
    const NAME: &'static str = "f32";
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn zeros(len: usize) -> Vec<Self> {
        vec![0.0; len]
    }
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

/// Lets the allocator keep and reuse freed blocks of up to 64 MiB instead
/// of returning each to the kernel. Streaming readers allocate a window of
/// a few MiB per block; with glibc's defaults every window is a fresh
/// mapping the kernel must zero page by page, which made reading a 1 GB
/// HDF5 dataset spend 3.6 of its 4 s in the kernel. Blocks above 64 MiB
/// (matrices) still get their own mappings, so they can be huge pages.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn keep_freed_blocks() {
    // SAFETY: mallopt only tunes glibc's allocator; called before threads start.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn keep_freed_blocks() {}
