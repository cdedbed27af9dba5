//! Data parallelism for the few places where it pays: reading and parsing many input
//! files. Work is handed out item by item to one thread per core (at most 8) and the
//! results come back in input order, so callers stay deterministic.
use std::sync::atomic::{AtomicUsize, Ordering};

/// Fewest items worth spreading over threads.
pub const MIN_ITEMS: usize = 8;

/// Threads worth running: the cores this process may use, at most 8. Asked once per
/// process: on Linux the standard library answers by reading the cgroup files (four system
/// calls each time), and a build asks at every parallel step.
pub fn threads() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get().min(8)))
}

/// `f` applied to every item, in parallel when there are enough items and cores; the
/// results are in the order of `items`. A worker that panics loses its results, which
/// come back as `None` (callers redo those items on the calling thread, where the panic
/// is reported as usual).
pub fn map_ordered<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<Option<R>> {
    let threads = threads();
    if items.len() < MIN_ITEMS || threads < 2 {
        return items.iter().map(|t| Some(f(t))).collect();
    }
    let next = AtomicUsize::new(0);
    let done: Vec<Vec<(usize, R)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.min(items.len()))
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(t) = items.get(i) else { break };
                        mine.push((i, f(t)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .collect()
    });
    let mut out: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    for (i, r) in done.into_iter().flatten() {
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
/// rewriting an image): below twice this, spawning threads costs more than it saves.
pub const LIGHT_CHUNK: usize = 256;
/// Smallest share of a thread for work of tens of microseconds per item (a strategic
/// merge of a Deployment).
pub const HEAVY_CHUNK: usize = 16;

/// Runs `f` on every item, in parallel chunks of at least `min_chunk` items when there
/// are enough items and cores ([`LIGHT_CHUNK`], [`HEAVY_CHUNK`]). Returns the error of the
/// first failing item in slice order (as a sequential loop would, though later items may
/// also have been changed, which callers abandon anyway).
pub fn for_each_mut<T: Send, E: Send>(
    items: &mut [T],
    min_chunk: usize,
    f: impl Fn(&mut T) -> Result<(), E> + Sync,
) -> Result<(), E> {
    let threads = threads();
    let min_chunk = min_chunk.max(1);
    if threads < 2 || items.len() < 2 * min_chunk {
        return items.iter_mut().try_for_each(f);
    }
    let chunk = items.len().div_ceil(threads).max(min_chunk);
    let f = &f;
    let errors: Vec<Option<E>> = std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks_mut(chunk)
            .map(|part| scope.spawn(move || part.iter_mut().try_for_each(f).err()))
            .collect();
        workers
            .into_iter()
            .map(|w| match w.join() {
                Ok(e) => e,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    match errors.into_iter().flatten().next() {
        Some(e) => Err(e),
        None => Ok(()),
    }
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
}
