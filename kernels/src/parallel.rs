//! Fork-join for the kernels, with the calling thread taking part.
//!
//! A [`Pool`] of `threads` runs work on the caller plus `threads - 1` rayon workers: the
//! caller computes the first piece itself while the workers take the others. With
//! `ThreadPool::install` the caller would sleep while every piece waits for a worker
//! to wake; measured on the 2-vCPU machine here, that hand-off made a 64x784x128
//! product on 2 threads slower than on 1 whenever it ran between other work (as in an
//! inference). Pieces are contiguous ranges of independent outputs, so results do not
//! depend on how many threads run them.
//!
//! The caller does not block while the workers finish, either: rayon parks a thread
//! from outside the pool on a condition variable, and waking it took about 30 us on
//! this machine's vCPUs, so an even split (64 rows as 32 + 32) ran 3x slower than an
//! uneven one that let the caller finish last. After its own piece the caller spins
//! on a counter of finished pieces ([`SPIN_LIMIT`] at most), so the scope's closing
//! wait finds the work done.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rayon::{Scope, ThreadPool, ThreadPoolBuilder};

use crate::error::KernelError;

/// The caller plus `threads - 1` workers.
pub(crate) struct Pool {
    workers: ThreadPool,
    threads: usize,
}

impl Pool {
    /// A pool for `threads` (at least 2) threads, the caller included.
    pub(crate) fn new(threads: usize) -> Result<Pool, KernelError> {
        let workers = ThreadPoolBuilder::new()
            .num_threads(threads.saturating_sub(1).max(1))
            .thread_name(|i| format!("adead-kernels-{i}"))
            .build()
            .map_err(|e| KernelError::Threads(e.to_string()))?;
        Ok(Pool { workers, threads })
    }

    /// Threads that take part, the caller included.
    pub(crate) fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `f(i)` for every `i` in `0..pieces`: piece 0 on the calling thread, the
    /// others on the workers. Returns when all are done.
    pub(crate) fn for_each_index(&self, pieces: usize, f: impl Fn(usize) + Sync) {
        let (f, finished) = (&f, &Finished::default());
        self.fork_join(finished, |scope| {
            for i in 1..pieces {
                scope.spawn(move |_| finished.after(|| f(i)));
            }
            if pieces > 0 {
                f(0);
            }
            pieces.saturating_sub(1)
        });
    }

    /// Runs `f(first_chunk_index, group)` over `data` cut into chunks of `chunk`
    /// elements, the chunks grouped into one contiguous run per thread.
    pub(crate) fn for_each_chunk<T: Send>(
        &self,
        data: &mut [T],
        chunk: usize,
        f: impl Fn(usize, &mut [T]) + Sync,
    ) {
        if data.is_empty() || chunk == 0 {
            return;
        }
        let chunks = data.len().div_ceil(chunk);
        let per_group = chunks.div_ceil(self.threads);
        let (f, finished) = (&f, &Finished::default());
        self.fork_join(finished, |scope| {
            let mut groups = data.chunks_mut(per_group * chunk).enumerate();
            let first = groups.next();
            let mut spawned = 0;
            for (g, group) in groups {
                scope.spawn(move |_| finished.after(|| f(g * per_group, group)));
                spawned += 1;
            }
            if let Some((_, group)) = first {
                f(0, group);
            }
            spawned
        });
    }

    /// Runs `body` in a scope of the workers; `body` spawns pieces that report to
    /// `finished`, runs its own share and returns how many it spawned. The caller then
    /// spins until they have all finished (see the module docs).
    fn fork_join<'s>(&self, finished: &Finished, body: impl FnOnce(&Scope<'s>) -> usize) {
        self.workers.in_place_scope(|scope| {
            let spawned = body(scope);
            finished.wait_for(spawned);
        });
    }
}

/// How long the caller spins for the workers before it lets rayon park it: far longer
/// than a wake-up, far shorter than a time slice of an oversubscribed machine.
const SPIN_LIMIT: Duration = Duration::from_micros(500);

/// A count of the pieces the workers have finished.
#[derive(Default)]
struct Finished(AtomicUsize);

impl Finished {
    /// Runs `f`, then counts it as finished.
    fn after(&self, f: impl FnOnce()) {
        f();
        self.0.fetch_add(1, Ordering::Release);
    }

    /// Spins until `count` pieces have finished, or for [`SPIN_LIMIT`].
    fn wait_for(&self, count: usize) {
        let start = Instant::now();
        while self.0.load(Ordering::Acquire) < count && start.elapsed() < SPIN_LIMIT {
            std::hint::spin_loop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn every_index_and_chunk_runs_once() {
        for threads in [2, 3] {
            let pool = Pool::new(threads).unwrap();
            let hits: Vec<AtomicUsize> = (0..7).map(|_| AtomicUsize::new(0)).collect();
            pool.for_each_index(7, |i| {
                hits[i].fetch_add(1, Ordering::Relaxed);
            });
            assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 1));
            let mut data: Vec<usize> = vec![0; 23];
            pool.for_each_chunk(&mut data, 4, |first, group| {
                for (j, chunk) in group.chunks_mut(4).enumerate() {
                    chunk.fill(first + j + 1);
                }
            });
            let expected: Vec<usize> = (0..23).map(|i| i / 4 + 1).collect();
            assert_eq!(data, expected, "threads {threads}");
        }
    }
}
