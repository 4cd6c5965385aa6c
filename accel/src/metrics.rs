//! Per-operation, per-backend counters: calls, time, elements and fallbacks.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use crate::backend::{BackendKind, Op};

const OPS: usize = Op::ALL.len();
const BACKENDS: usize = BackendKind::ALL.len();

#[derive(Default)]
struct Cell {
    calls: AtomicU64,
    nanos: AtomicU64,
    elements: AtomicU64,
    fallbacks: AtomicU64,
}

/// Counters for every (operation, backend) pair; cheap to update from any thread.
#[derive(Default)]
pub struct Metrics {
    cells: [[Cell; BACKENDS]; OPS],
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.snapshot()).finish()
    }
}

/// A copy of the counters of one (operation, backend) pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpMetrics {
    /// The operation.
    pub op: Op,
    /// The backend that ran it.
    pub backend: BackendKind,
    /// Number of calls.
    pub calls: u64,
    /// Total time spent, in nanoseconds.
    pub nanos: u64,
    /// Total input elements (points, scalars or signatures).
    pub elements: u64,
    /// Calls that were meant for another backend and ran here instead.
    pub fallbacks: u64,
}

fn index(op: Op, backend: BackendKind) -> (usize, usize) {
    let o = Op::ALL.iter().position(|x| *x == op).unwrap_or(0);
    let b = BackendKind::ALL.iter().position(|x| *x == backend).unwrap_or(0);
    (o, b)
}

impl Metrics {
    pub(crate) fn record(&self, op: Op, backend: BackendKind, elements: usize, took: Duration) {
        let (o, b) = index(op, backend);
        let cell = &self.cells[o][b];
        cell.calls.fetch_add(1, Ordering::Relaxed);
        cell.nanos.fetch_add(u64::try_from(took.as_nanos()).unwrap_or(u64::MAX), Ordering::Relaxed);
        cell.elements.fetch_add(elements as u64, Ordering::Relaxed);
    }

    pub(crate) fn record_fallback(&self, op: Op, backend: BackendKind) {
        let (o, b) = index(op, backend);
        self.cells[o][b].fallbacks.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters of every pair that has been used.
    pub fn snapshot(&self) -> Vec<OpMetrics> {
        let mut out = Vec::new();
        for (o, op) in Op::ALL.iter().enumerate() {
            for (b, backend) in BackendKind::ALL.iter().enumerate() {
                let c = &self.cells[o][b];
                let m = OpMetrics {
                    op: *op,
                    backend: *backend,
                    calls: c.calls.load(Ordering::Relaxed),
                    nanos: c.nanos.load(Ordering::Relaxed),
                    elements: c.elements.load(Ordering::Relaxed),
                    fallbacks: c.fallbacks.load(Ordering::Relaxed),
                };
                if m.calls > 0 || m.fallbacks > 0 {
                    out.push(m);
                }
            }
        }
        out
    }
}
