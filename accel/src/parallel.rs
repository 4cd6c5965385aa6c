//! How a kernel may run in parallel, passed to kernels as an argument.
//!
//! Kernels never call rayon directly: they ask the strategy to map, join or visit
//! chunks. [`Parallelism::Sequential`] is the portable reference that every parallel run
//! is tested against.

use rayon::prelude::*;

/// The parallel strategy of a kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parallelism {
    /// Everything on the calling thread.
    Sequential,
    /// Work split over the current rayon pool (the CPU backend installs its own).
    Rayon,
}

impl Parallelism {
    /// Number of workers this strategy can keep busy.
    pub fn workers(self) -> usize {
        match self {
            Parallelism::Sequential => 1,
            Parallelism::Rayon => rayon::current_num_threads(),
        }
    }

    /// `f(0), …, f(n-1)`, in order.
    pub fn map<R: Send>(self, n: usize, f: impl Fn(usize) -> R + Sync + Send) -> Vec<R> {
        match self {
            Parallelism::Sequential => (0..n).map(f).collect(),
            Parallelism::Rayon => (0..n).into_par_iter().map(f).collect(),
        }
    }

    /// `f(&mut scratch, 0), …, f(&mut scratch, n-1)`, in order, with one `scratch` from
    /// `init` per worker: each worker takes the next index until none is left, so uneven
    /// jobs balance and a worker's buffers serve all its jobs instead of being allocated
    /// (and page-faulted) once per job.
    pub fn map_with<S, R: Send>(
        self,
        n: usize,
        init: impl Fn() -> S + Sync,
        f: impl Fn(&mut S, usize) -> R + Sync,
    ) -> Vec<R> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let workers = self.workers().min(n);
        if workers <= 1 {
            let mut scratch = init();
            return (0..n).map(|k| f(&mut scratch, k)).collect();
        }
        let next = AtomicUsize::new(0);
        let done = self.map(workers, |_| {
            let mut scratch = init();
            let mut out = Vec::new();
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= n {
                    break out;
                }
                out.push((k, f(&mut scratch, k)));
            }
        });
        let mut all: Vec<(usize, R)> = done.into_iter().flatten().collect();
        all.sort_unstable_by_key(|(k, _)| *k);
        all.into_iter().map(|(_, r)| r).collect()
    }

    /// Runs both closures, in parallel where allowed.
    pub fn join<A: Send, B: Send>(
        self,
        a: impl FnOnce() -> A + Send,
        b: impl FnOnce() -> B + Send,
    ) -> (A, B) {
        match self {
            Parallelism::Sequential => (a(), b()),
            Parallelism::Rayon => rayon::join(a, b),
        }
    }

    /// Calls `f(chunk_index, chunk)` on consecutive chunks of `chunk` elements.
    pub fn for_each_chunk<T: Send>(
        self,
        data: &mut [T],
        chunk: usize,
        f: impl Fn(usize, &mut [T]) + Sync + Send,
    ) {
        let chunk = chunk.max(1);
        match self {
            Parallelism::Sequential => {
                data.chunks_mut(chunk).enumerate().for_each(|(i, c)| f(i, c))
            }
            Parallelism::Rayon => data.par_chunks_mut(chunk).enumerate().for_each(|(i, c)| f(i, c)),
        }
    }

    /// Calls `f(item)` on every element of `items`.
    pub fn for_each_mut<T: Send>(self, items: &mut [T], f: impl Fn(&mut T) + Sync + Send) {
        match self {
            Parallelism::Sequential => items.iter_mut().for_each(f),
            Parallelism::Rayon => items.par_iter_mut().for_each(f),
        }
    }

    /// A chunk length that gives each worker a few chunks of at least `min` elements.
    pub fn chunk_len(self, len: usize, min: usize) -> usize {
        let per = len.div_ceil(self.workers() * 4);
        per.max(min).max(1)
    }
}

impl Parallelism {
    /// Calls `f(k, a_k, b_k)` on the `k`-th chunks of two equally long slices.
    pub fn zip_chunks2<T: Send>(
        self,
        a: &mut [T],
        b: &mut [T],
        chunk: usize,
        f: impl Fn(usize, &mut [T], &mut [T]) + Sync + Send,
    ) {
        let chunk = chunk.max(1);
        match self {
            Parallelism::Sequential => a
                .chunks_mut(chunk)
                .zip(b.chunks_mut(chunk))
                .enumerate()
                .for_each(|(k, (a, b))| f(k, a, b)),
            Parallelism::Rayon => a
                .par_chunks_mut(chunk)
                .zip(b.par_chunks_mut(chunk))
                .enumerate()
                .for_each(|(k, (a, b))| f(k, a, b)),
        }
    }

    /// Calls `f(k, a_k, b_k, c_k, d_k)` on the `k`-th chunks of four equally long slices.
    #[allow(clippy::too_many_arguments)]
    pub fn zip_chunks4<T: Send>(
        self,
        a: &mut [T],
        b: &mut [T],
        c: &mut [T],
        d: &mut [T],
        chunk: usize,
        f: impl Fn(usize, &mut [T], &mut [T], &mut [T], &mut [T]) + Sync + Send,
    ) {
        let chunk = chunk.max(1);
        match self {
            Parallelism::Sequential => a
                .chunks_mut(chunk)
                .zip(b.chunks_mut(chunk))
                .zip(c.chunks_mut(chunk))
                .zip(d.chunks_mut(chunk))
                .enumerate()
                .for_each(|(k, (((a, b), c), d))| f(k, a, b, c, d)),
            Parallelism::Rayon => a
                .par_chunks_mut(chunk)
                .zip(b.par_chunks_mut(chunk))
                .zip(c.par_chunks_mut(chunk))
                .zip(d.par_chunks_mut(chunk))
                .enumerate()
                .for_each(|(k, (((a, b), c), d))| f(k, a, b, c, d)),
        }
    }
}
