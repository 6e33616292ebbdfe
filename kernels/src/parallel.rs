//! Fork-join for the kernels, with the calling thread taking part.
//!
//! A [`Pool`] of `threads` runs work on the caller plus `threads - 1` rayon workers: the
//! caller computes the first piece itself while the workers take the others. With
//! `ThreadPool::install` the caller would sleep while every piece waits for a worker
//! to wake; measured on the 2-vCPU machine here, that hand-off made a 64x784x128
//! product on 2 threads slower than on 1 whenever it ran between other work (as in an
//! inference). Pieces are contiguous ranges of independent outputs, so results do not
//! depend on how many threads run them.

use rayon::{ThreadPool, ThreadPoolBuilder};

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
        let f = &f;
        self.workers.in_place_scope(|scope| {
            for i in 1..pieces {
                scope.spawn(move |_| f(i));
            }
            if pieces > 0 {
                f(0);
            }
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
        let f = &f;
        self.workers.in_place_scope(|scope| {
            let mut groups = data.chunks_mut(per_group * chunk).enumerate();
            let first = groups.next();
            for (g, group) in groups {
                scope.spawn(move |_| f(g * per_group, group));
            }
            if let Some((_, group)) = first {
                f(0, group);
            }
        });
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
