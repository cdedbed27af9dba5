//! Data parallelism for the stages where it pays. Work is handed out to one thread per
//! core (at most 8): the calling thread and `threads() - 1` pool threads that are started
//! once, when a build starts ([`start_with`]) or at the first parallel step, and live as
//! long as the process. Where the process has exactly one CPU per thread, each thread is
//! pinned to its own ([`affinity`]). Results come back in input order, so callers stay
//! deterministic.
//!
//! Why a pool and not a thread per step: a build takes some forty parallel steps, and a
//! fresh thread costs its creation and, worse, a fresh allocator heap that takes its
//! memory from pages the kernel has to fault in; pool threads keep theirs warm.
mod affinity;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};

/// Fewest items worth spreading over threads.
pub const MIN_ITEMS: usize = 8;

/// Threads worth running: the cores this process may use, at most 8. Asked once per
/// process: on Linux the standard library answers by reading the cgroup files (four system
/// calls each time), and a build asks at every parallel step.
pub fn threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get().min(8)))
}

/// `f` applied to every item, in parallel when there are enough items and cores; the
/// results are in the order of `items`. A worker that panics loses its results, which
/// come back as `None` (callers redo those items on the calling thread, where the panic
/// is reported as usual).
pub fn map_ordered<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<Option<R>> {
    map_ordered_from(MIN_ITEMS, items, f)
}

/// [`map_ordered`] for items that are each worth a thread's share: spread over threads
/// from `min_items` items on (pieces of one long file, rather than small objects).
pub fn map_ordered_from<T: Sync, R: Send>(
    min_items: usize,
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
) -> Vec<Option<R>> {
    if items.len() < min_items.max(2) {
        return items.iter().map(|t| Some(f(t))).collect();
    }
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(items.len()));
    let ran = broadcast(&|| {
        let mut mine = Vec::new();
        // a panic stops this thread's share; what it finished is kept, the rest is left
        // to the other threads or comes back as `None`
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(t) = items.get(i) else { break };
                mine.push((i, f(t)));
            }
        }));
        if let Ok(mut all) = done.lock() {
            all.append(&mut mine);
        }
    });
    if !ran {
        return items.iter().map(|t| Some(f(t))).collect();
    }
    let mut out: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    let done = done
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    for (i, r) in done {
        if let Some(slot) = out.get_mut(i) {
            *slot = Some(r);
        }
    }
    out
}

/// [`map_ordered`] for callers that need every result: an item whose worker panicked is
/// done again on the calling thread, where the panic surfaces.
pub fn map_all<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_ordered(items, &f)
        .into_iter()
        .zip(items)
        .map(|(r, t)| r.unwrap_or_else(|| f(t)))
        .collect()
}

/// Smallest share of a thread for work of a few microseconds per item (setting a label,
/// rewriting an image): below twice this, handing work out costs more than it saves.
pub const LIGHT_CHUNK: usize = 256;
/// Smallest share of a thread for work of tens of microseconds per item (a strategic
/// merge of a Deployment).
pub const HEAVY_CHUNK: usize = 16;

/// Runs `f` on every item, in parallel chunks of at least `min_chunk` items when there
/// are enough items and cores ([`LIGHT_CHUNK`], [`HEAVY_CHUNK`]). Returns the error of the
/// first failing item in slice order (as a sequential loop would, though later items may
/// also have been changed, which callers abandon anyway). A panic in `f` reaches the
/// caller, after every thread has let go of the items.
pub fn for_each_mut<T: Send, E: Send>(
    items: &mut [T],
    min_chunk: usize,
    f: impl Fn(&mut T) -> Result<(), E> + Sync,
) -> Result<(), E> {
    let threads = threads();
    let min_chunk = min_chunk.max(1);
    if threads < 2 || items.len() < 2 * min_chunk || in_job() {
        return items.iter_mut().try_for_each(f);
    }
    // a few chunks per thread, so a thread slowed by the machine does not hold up the rest
    let chunk = items.len().div_ceil(threads * 4).max(min_chunk);
    // each chunk with the first error its items gave
    let parts: Vec<Mutex<(&mut [T], Option<E>)>> = items
        .chunks_mut(chunk)
        .map(|c| Mutex::new((c, None)))
        .collect();
    let next = AtomicUsize::new(0);
    let panicked: Mutex<Option<Box<dyn std::any::Any + Send>>> = Mutex::new(None);
    let ran = broadcast(&|| loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(part) = parts.get(i) else { break };
        let Ok(mut part) = part.lock() else { break };
        let (chunk, error) = &mut *part;
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            chunk.iter_mut().try_for_each(&f).err()
        }));
        match run {
            Ok(e) => *error = e,
            Err(payload) => {
                if let Ok(mut first) = panicked.lock() {
                    first.get_or_insert(payload);
                }
            }
        }
    });
    if !ran {
        drop(parts);
        return items.iter_mut().try_for_each(f);
    }
    if let Some(payload) = panicked.into_inner().ok().flatten() {
        std::panic::resume_unwind(payload);
    }
    match parts
        .into_iter()
        .find_map(|p| p.into_inner().ok().and_then(|(_, e)| e))
    {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

// --- the pool ------------------------------------------------------------------------------------

thread_local! {
    /// Set while this thread runs its share of a parallel step: a step started from inside
    /// one runs inline (the pool threads are taken).
    static IN_JOB: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn in_job() -> bool {
    IN_JOB.with(|c| c.get())
}

/// A job as the pool threads see it: the caller's closure with its lifetime erased.
/// [`broadcast`] does not return (nor unwind) before every pool thread that took the job
/// has finished it, so the pointer never outlives what it points to.
#[derive(Clone, Copy)]
struct Job(*const (dyn Fn() + Sync + 'static));
// SAFETY: the closure is `Sync`, so calling it from several threads is allowed; the
// pointer is only dereferenced while `broadcast` keeps the closure alive (see `Job`).
unsafe impl Send for Job {}

struct State {
    job: Option<Job>,
    /// Counts the jobs handed out, so a pool thread takes each job once.
    serial: u64,
    /// Pool threads inside the current job.
    running: usize,
}

struct Pool {
    state: Mutex<State>,
    posted: Condvar,
    finished: Condvar,
    /// Held by the thread whose job the pool runs; others run inline instead of waiting.
    busy: Mutex<()>,
    /// `State::serial` and `State::running`, readable without the lock, for threads that
    /// spin a little before they sleep (see [`spin_until`]).
    posted_serial: AtomicU64,
    running_hint: AtomicUsize,
}

/// Something for a pool thread to do before it takes its first step.
type FirstJob = Box<dyn FnOnce() + Send>;

/// Starts the pool now, if it is not running yet, and has its first thread run `first`
/// before anything else (a warm-up that the build's later steps wait for only if they get
/// there first). When the pool was already started, or there is none, `first` is dropped
/// without running: what it warms up is then built when first needed.
pub fn start_with(first: impl FnOnce() + Send + 'static) {
    if threads() >= 2 {
        let _ = pool_starting(Some(Box::new(first)));
    }
}

fn pool() -> Option<&'static Pool> {
    pool_starting(None)
}

fn pool_starting(mut first: Option<FirstJob>) -> Option<&'static Pool> {
    static POOL: OnceLock<Option<&'static Pool>> = OnceLock::new();
    *POOL.get_or_init(|| {
        let workers = threads().saturating_sub(1);
        if workers == 0 {
            return None;
        }
        let pool: &'static Pool = Box::leak(Box::new(Pool {
            state: Mutex::new(State {
                job: None,
                serial: 0,
                running: 0,
            }),
            posted: Condvar::new(),
            finished: Condvar::new(),
            busy: Mutex::new(()),
            posted_serial: AtomicU64::new(0),
            running_hint: AtomicUsize::new(0),
        }));
        // one CPU per thread where the process has exactly that many (see `affinity`):
        // the thread that starts the pool stays on its CPU, each pool thread gets another
        let places = affinity::places(workers + 1);
        if let Some(&here) = places.first() {
            affinity::pin(here);
        }
        let mut started = 0;
        for n in 0..workers {
            let cpu = places.get(n + 1).copied();
            let job = first.take();
            let spawned = std::thread::Builder::new()
                .name(format!("stackgen-par-{n}"))
                .spawn(move || {
                    if let Some(cpu) = cpu {
                        affinity::pin(cpu);
                    }
                    if let Some(job) = job {
                        // like a step's panic: the job's loss, not the thread's
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                    }
                    work(pool)
                });
            if spawned.is_ok() {
                started += 1;
            }
        }
        (started > 0).then_some(pool)
    })
}

/// The pool's state, also after a panic elsewhere: nothing panics while holding it, and
/// the bookkeeping must go on (a caller is waiting for it).
fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// How long a thread looks for what it waits on before it sleeps.
const SPIN: std::time::Duration = std::time::Duration::from_micros(250);

/// Waits, awake, until `done` holds or [`SPIN`] has passed (the caller checks again
/// under its lock either way).
fn spin_until(done: impl Fn() -> bool) {
    let start = std::time::Instant::now();
    while start.elapsed() <= SPIN {
        for _ in 0..64 {
            if done() {
                return;
            }
            std::hint::spin_loop();
        }
    }
}

/// A pool thread: waits for a job it has not run yet, runs it, reports back.
fn work(pool: &'static Pool) {
    IN_JOB.with(|c| c.set(true));
    let mut seen = 0;
    loop {
        let job = {
            let mut state = lock(&pool.state);
            let mut spun = false;
            loop {
                match state.job {
                    Some(job) if state.serial != seen => {
                        seen = state.serial;
                        state.running += 1;
                        pool.running_hint.store(state.running, Ordering::Release);
                        break job;
                    }
                    _ if !spun => {
                        // the next step usually follows within microseconds: look for it
                        // awake before going to sleep (waking a sleeping thread costs more
                        // than many such steps on this machine kind)
                        drop(state);
                        spin_until(|| pool.posted_serial.load(Ordering::Acquire) != seen);
                        spun = true;
                        state = lock(&pool.state);
                    }
                    _ => state = pool.posted.wait(state).unwrap_or_else(|p| p.into_inner()),
                }
            }
        };
        // SAFETY: `broadcast` keeps the closure alive until `running` is back to zero.
        let f = unsafe { &*job.0 };
        // a panic is the job's business (it records what it lost); the thread carries on
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let mut state = lock(&pool.state);
        state.running -= 1;
        pool.running_hint.store(state.running, Ordering::Release);
        if state.running == 0 {
            pool.finished.notify_all();
        }
    }
}

/// Runs `f` on this thread and on every pool thread that is free to take it, and returns
/// when all of them are done. `f` shares out the work itself (an atomic counter), so it
/// does not matter how many threads join in. Returns false, without running `f`, when
/// there is no pool or it is in use (a parallel step inside another, or another thread's
/// step): the caller then does the work inline.
fn broadcast(f: &(dyn Fn() + Sync)) -> bool {
    if in_job() {
        return false;
    }
    let Some(pool) = pool() else { return false };
    let Ok(_busy) = pool.busy.try_lock() else {
        return false;
    };
    // SAFETY: only the lifetime is erased; `Finish` below waits, also when `f` panics on
    // this thread, until no pool thread uses the pointer any more.
    let job = Job(unsafe {
        std::mem::transmute::<*const (dyn Fn() + Sync + '_), *const (dyn Fn() + Sync + 'static)>(f)
    });
    {
        let mut state = lock(&pool.state);
        state.job = Some(job);
        state.serial += 1;
        pool.posted_serial.store(state.serial, Ordering::Release);
    }
    pool.posted.notify_all();

    /// Withdraws the job and waits for the pool threads that took it.
    struct Finish(&'static Pool);
    impl Drop for Finish {
        fn drop(&mut self) {
            IN_JOB.with(|c| c.set(false));
            let mut state = lock(&self.0.state);
            state.job = None;
            if state.running > 0 {
                drop(state);
                spin_until(|| self.0.running_hint.load(Ordering::Acquire) == 0);
                state = lock(&self.0.state);
            }
            while state.running > 0 {
                state = self
                    .0
                    .finished
                    .wait(state)
                    .unwrap_or_else(|p| p.into_inner());
            }
        }
    }
    let finish = Finish(pool);
    IN_JOB.with(|c| c.set(true));
    f();
    drop(finish);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_input_order() {
        let items: Vec<u32> = (0..1000).collect();
        let out = map_ordered(&items, |x| x * 2);
        assert_eq!(out.len(), 1000);
        for (i, r) in out.iter().enumerate() {
            assert_eq!(*r, Some(i as u32 * 2));
        }
    }

    #[test]
    fn for_each_mut_changes_all_and_reports_the_first_error() {
        let mut items: Vec<u32> = (0..5000).collect();
        for_each_mut(&mut items, LIGHT_CHUNK, |x| {
            *x += 1;
            Ok::<(), ()>(())
        })
        .unwrap();
        assert!(items.iter().enumerate().all(|(i, x)| *x == i as u32 + 1));
        let e = for_each_mut(&mut items, HEAVY_CHUNK, |x| {
            if *x % 1000 == 0 { Err(*x) } else { Ok(()) }
        });
        assert_eq!(e, Err(1000));
    }

    #[test]
    fn map_all_gives_every_result_in_order() {
        let items: Vec<u32> = (0..100).collect();
        assert_eq!(map_all(&items, |x| x + 1), (1..101).collect::<Vec<u32>>());
    }

    #[test]
    fn few_items_run_inline() {
        let out = map_ordered(&[1, 2, 3], |x| x + 1);
        assert_eq!(out, vec![Some(2), Some(3), Some(4)]);
    }

    #[test]
    fn nested_steps_run_inline_and_stay_correct() {
        let outer: Vec<u32> = (0..64).collect();
        let sums = map_all(&outer, |&n| {
            let inner: Vec<u32> = (0..n + 8).collect();
            map_all(&inner, |x| x * 2).iter().sum::<u32>()
        });
        for (n, s) in outer.iter().zip(sums) {
            assert_eq!(s, (0..n + 8).map(|x| x * 2).sum::<u32>());
        }
    }

    #[test]
    fn steps_from_several_threads_at_once_all_finish() {
        std::thread::scope(|scope| {
            let runs: Vec<_> = (0..4u32)
                .map(|t| {
                    scope.spawn(move || {
                        for round in 0..50u32 {
                            let items: Vec<u32> = (0..200).collect();
                            let out = map_all(&items, |x| x + t + round);
                            assert!(
                                out.iter()
                                    .enumerate()
                                    .all(|(i, x)| *x == i as u32 + t + round)
                            );
                            let mut more = items.clone();
                            for_each_mut(&mut more, 16, |x| {
                                *x += 1;
                                Ok::<(), ()>(())
                            })
                            .unwrap();
                            assert!(more.iter().enumerate().all(|(i, x)| *x == i as u32 + 1));
                        }
                    })
                })
                .collect();
            for r in runs {
                r.join().unwrap();
            }
        });
    }

    #[test]
    fn a_panic_in_a_step_reaches_the_caller_and_the_pool_carries_on() {
        let mut items: Vec<u32> = (0..4000).collect();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            for_each_mut(&mut items, 16, |x| {
                if *x == 3999 {
                    panic!("item 3999");
                }
                Ok::<(), ()>(())
            })
        }));
        let payload = caught.unwrap_err();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"item 3999"));
        // map_all redoes what a panicking worker lost; the item that panics does so inline
        let items: Vec<u32> = (0..1000).collect();
        let flaky = std::sync::atomic::AtomicBool::new(true);
        let out = map_all(&items, |x| {
            if *x == 500 && flaky.swap(false, Ordering::Relaxed) {
                panic!("once");
            }
            x + 1
        });
        assert_eq!(out, (1..1001).collect::<Vec<u32>>());
        assert_eq!(map_all(&items, |x| x * 3)[999], 2997);
    }
}
