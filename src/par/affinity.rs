//! Keeping the pool's threads on different cores.
//!
//! The VMs this tool is measured on (and some cloud kernels) pack the threads of a process
//! onto as few virtual CPUs as they can until the load has been high for a while, so that
//! idle vCPUs can be given back to the host. A build lasts tens of milliseconds: `perf sched`
//! showed the main thread and the pool thread taking turns on one vCPU for most of the
//! parse while the other vCPU sat idle (and a pool thread spinning for its next step then
//! takes time from the thread it waits for). Pinning each thread to a CPU of its own makes
//! the parallel steps parallel: 100-service build, 40 alternating runs, median
//! 25.4 -> 21.9 ms.
//!
//! Threads are pinned only when the process may run on exactly as many CPUs as it starts
//! threads (every CPU it may use gets one thread, which is what a scheduler spreading the
//! load would do anyway). On a larger machine, where the pool uses 8 of many CPUs, which
//! of them are idle is the scheduler's business and nothing is pinned. A thread started by
//! a pinned thread inherits its CPU; the build starts no threads but the pool's.

/// The CPUs to pin `n` threads to, the calling thread's own CPU first; empty when the
/// threads should not be pinned (the process may run on more or fewer than `n` CPUs, or
/// the platform does not tell).
pub fn places(n: usize) -> Vec<usize> {
    let Some(allowed) = sys::allowed() else {
        return Vec::new();
    };
    if n < 2 || allowed.len() != n {
        return Vec::new();
    }
    let here = sys::current().filter(|c| allowed.contains(c));
    let first = here.unwrap_or(allowed[0]);
    let mut out = vec![first];
    out.extend(allowed.into_iter().filter(|&c| c != first));
    out
}

/// Pins the calling thread to `cpu`; false when the platform refused (the thread then
/// runs wherever the scheduler puts it, as without pinning).
pub fn pin(cpu: usize) -> bool {
    sys::pin(cpu)
}

#[cfg(target_os = "linux")]
mod sys {
    use std::ffi::c_int;

    /// Bytes of glibc's `cpu_set_t` (1,024 CPUs).
    const SET_BYTES: usize = 128;

    unsafe extern "C" {
        fn sched_getaffinity(pid: c_int, size: usize, mask: *mut u8) -> c_int;
        fn sched_setaffinity(pid: c_int, size: usize, mask: *const u8) -> c_int;
        fn sched_getcpu() -> c_int;
    }

    /// The CPUs the calling thread may run on, in increasing order.
    pub fn allowed() -> Option<Vec<usize>> {
        let mut mask = [0u8; SET_BYTES];
        // SAFETY: `mask` is a writable buffer of the size passed; pid 0 is this thread.
        if unsafe { sched_getaffinity(0, SET_BYTES, mask.as_mut_ptr()) } != 0 {
            return None;
        }
        Some(
            (0..SET_BYTES * 8)
                .filter(|&c| mask[c / 8] & (1 << (c % 8)) != 0)
                .collect(),
        )
    }

    /// The CPU the calling thread is running on.
    pub fn current() -> Option<usize> {
        // SAFETY: no arguments; returns -1 on failure.
        let c = unsafe { sched_getcpu() };
        usize::try_from(c).ok()
    }

    pub fn pin(cpu: usize) -> bool {
        if cpu >= SET_BYTES * 8 {
            return false;
        }
        let mut mask = [0u8; SET_BYTES];
        mask[cpu / 8] |= 1 << (cpu % 8);
        // SAFETY: `mask` is a readable buffer of the size passed; pid 0 is this thread.
        unsafe { sched_setaffinity(0, SET_BYTES, mask.as_ptr()) == 0 }
    }
}

#[cfg(not(target_os = "linux"))]
mod sys {
    pub fn allowed() -> Option<Vec<usize>> {
        None
    }

    pub fn current() -> Option<usize> {
        None
    }

    pub fn pin(_cpu: usize) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_cover_every_allowed_cpu_once() {
        let Some(allowed) = sys::allowed() else {
            return;
        };
        let n = allowed.len();
        let p = places(n);
        if n < 2 {
            assert!(p.is_empty());
            return;
        }
        let mut sorted = p.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, allowed, "{p:?}");
        // more or fewer threads than CPUs: nothing is pinned
        assert!(places(n + 1).is_empty());
        assert!(places(n - 1).is_empty());
        assert!(places(1).is_empty());
    }

    #[test]
    fn a_pinned_thread_runs_where_it_was_pinned() {
        let Some(allowed) = sys::allowed() else {
            return;
        };
        let Some(&last) = allowed.last() else { return };
        let ran_on = std::thread::spawn(move || {
            assert!(pin(last));
            // the kernel moves the thread before `sched_setaffinity` returns
            (sys::current(), sys::allowed())
        })
        .join()
        .ok();
        let Some((cpu, mask)) = ran_on else {
            panic!("pinned thread panicked")
        };
        assert_eq!(cpu, Some(last));
        assert_eq!(mask, Some(vec![last]));
        assert!(!pin(usize::MAX));
    }
}
