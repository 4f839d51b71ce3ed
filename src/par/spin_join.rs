//! A two-way fork-join for the linkage loops: the calling thread and one
//! helper thread that waits for work by spinning. The NN-chain splits
//! tens of thousands of short steps (10–50 µs each) in two; handing each
//! half to a rayon worker that has gone to sleep costs a futex wake and a
//! reschedule per step, which measured ~15 % of the link time at 20 000
//! rows. The helper here spins briefly, then yields, so an idle helper
//! gives its core back to other work.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The fork-join handle; see [`with_spin_join`].
#[derive(Debug)]
pub struct SpinJoin {
    helper: bool,
    posted: AtomicUsize,
    done: AtomicUsize,
    panicked: AtomicBool,
    stop: AtomicBool,
    /// The posted job; valid from `posted` until `done` reaches its number.
    job: UnsafeCell<Option<*const (dyn Fn() + Sync)>>,
}

// SAFETY: `job` is written only by the caller of `join` before it posts the
// job and read only by the helper between the post and its `done` store;
// `join` does not return (and the job does not die) before `done`.
unsafe impl Sync for SpinJoin {}

fn pause(spins: &mut u32) {
    *spins += 1;
    if *spins < 4000 {
        std::hint::spin_loop();
    } else {
        std::thread::yield_now();
    }
}

impl SpinJoin {
    /// A handle without a helper: `join` runs both halves here.
    pub fn single() -> SpinJoin {
        SpinJoin {
            helper: false,
            posted: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            panicked: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            job: UnsafeCell::new(None),
        }
    }

    /// Runs `left` here and `right` on the helper (both here when there is
    /// no helper); returns both results.
    pub fn join<A, B: Send>(
        &self,
        left: impl FnOnce() -> A,
        right: impl Fn() -> B + Sync,
    ) -> (A, B) {
        if !self.helper {
            let a = left();
            return (a, right());
        }
        let mut out: Option<B> = None;
        let slot = &mut out as *mut Option<B> as usize;
        let task = move || {
            // SAFETY: `out` outlives the job: `join` waits for `done`.
            unsafe { *(slot as *mut Option<B>) = Some(right()) };
        };
        let task: &(dyn Fn() + Sync) = &task;
        // SAFETY: the lifetime is erased only for the span in which `join`
        // blocks below, so the helper never sees a dangling job.
        let task: *const (dyn Fn() + Sync) = unsafe { std::mem::transmute(task) };
        // SAFETY: no job is in flight (the previous join waited for it).
        unsafe { *self.job.get() = Some(task) };
        let k = self.posted.load(Ordering::Relaxed) + 1;
        self.posted.store(k, Ordering::Release);
        // Even if `left` panics, wait for the helper before unwinding: its
        // job borrows this frame.
        let a = std::panic::catch_unwind(std::panic::AssertUnwindSafe(left));
        let mut spins = 0;
        while self.done.load(Ordering::Acquire) != k {
            pause(&mut spins);
        }
        let a = match a {
            Ok(a) => a,
            Err(e) => std::panic::resume_unwind(e),
        };
        if self.panicked.swap(false, Ordering::Relaxed) {
            panic!("a linkage helper task panicked");
        }
        (a, out.expect("the helper ran the job"))
    }

    fn helper_loop(&self) {
        let mut seen = 0;
        loop {
            let mut spins = 0;
            let k = loop {
                let k = self.posted.load(Ordering::Acquire);
                if k != seen {
                    break k;
                }
                if self.stop.load(Ordering::Relaxed) {
                    return;
                }
                pause(&mut spins);
            };
            // SAFETY: a job was posted and stays alive until `done` = k.
            if let Some(job) = unsafe { *self.job.get() } {
                let job = unsafe { &*job };
                if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
                    self.panicked.store(true, Ordering::Relaxed);
                }
            }
            seen = k;
            self.done.store(k, Ordering::Release);
        }
    }
}

/// Calls `f` with a [`SpinJoin`] whose helper thread lives for the call, when
/// the rayon pool has at least two threads (a `--threads 1` run stays on
/// one core).
pub fn with_spin_join<R>(f: impl FnOnce(&SpinJoin) -> R) -> R {
    let duo = SpinJoin {
        helper: rayon::current_num_threads() >= 2,
        ..SpinJoin::single()
    };
    if !duo.helper {
        return f(&duo);
    }
    /// Stops the helper however `f` ends, a panic included.
    struct Stop<'a>(&'a AtomicBool);
    impl Drop for Stop<'_> {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
        }
    }
    std::thread::scope(|s| {
        s.spawn(|| duo.helper_loop());
        let _stop = Stop(&duo.stop);
        f(&duo)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_return_both_halves_in_order() {
        with_spin_join(|duo| {
            let v: Vec<u64> = (0..10_000).collect();
            for step in 1..200u64 {
                let (a, b) = duo.join(
                    || v[..5000].iter().map(|x| x * step).sum::<u64>(),
                    || v[5000..].iter().map(|x| x * step).sum::<u64>(),
                );
                assert_eq!(a + b, step * 49_995_000);
            }
        });
    }

    #[test]
    fn a_panicking_half_becomes_a_panic_of_the_caller() {
        let left = std::panic::catch_unwind(|| {
            with_spin_join(|duo| duo.join(|| -> u32 { panic!("left half") }, || 1u32))
        });
        assert!(left.is_err());
        let right = std::panic::catch_unwind(|| {
            with_spin_join(|duo| duo.join(|| 1u32, || -> u32 { panic!("right half") }))
        });
        assert!(right.is_err());
        // The helper is usable again after a caught panic of a job.
        with_spin_join(|duo| {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                duo.join(|| 0u8, || -> u8 { panic!("once") })
            }));
            assert!(r.is_err());
            assert_eq!(duo.join(|| 2u8, || 3u8), (2, 3));
        });
    }
}
