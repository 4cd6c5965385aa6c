//! Per-operation, per-backend counters (calls, time, elements, fallbacks, device time and
//! bytes moved between host and device) and the device gauges (memory in use, resident
//! bases).

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
    device_nanos: AtomicU64,
    bytes_to_device: AtomicU64,
    bytes_from_device: AtomicU64,
}

/// Counters for every (operation, backend) pair and the device gauges; cheap to update
/// from any thread.
#[derive(Default)]
pub struct Metrics {
    cells: [[Cell; BACKENDS]; OPS],
    device_memory_used: AtomicU64,
    resident_bytes: AtomicU64,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("ops", &self.snapshot())
            .field("device", &self.device())
            .finish()
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
    /// Jobs meant for this backend that it handed to the CPU instead (a device error, a
    /// job that did not fit in device memory, an invalid device result). The call still
    /// counts under this backend, with the CPU's time.
    pub fallbacks: u64,
    /// Time the device spent on this operation's jobs, in nanoseconds (CUDA event time from
    /// before the first copy to the device to after the last copy back); 0 on the CPU.
    pub device_nanos: u64,
    /// Bytes of inputs (points, scalars, twiddles) copied from the host to the device.
    pub bytes_to_device: u64,
    /// Bytes of results copied from the device to the host.
    pub bytes_from_device: u64,
}

/// The device gauges: what the CUDA backend last saw; all zero without a device.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeviceGauges {
    /// Device memory in use (total − free) at the backend's last memory query, all
    /// processes included.
    pub memory_used_bytes: u64,
    /// Device memory held by prepared bases kept resident between calls (estimate).
    pub resident_bytes: u64,
}

/// What one device job did, for [`Metrics::record_device`].
#[cfg_attr(not(feature = "cuda"), allow(dead_code))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct DeviceWork {
    /// Device time of the job.
    pub(crate) nanos: u64,
    /// Bytes copied to the device.
    pub(crate) to_device: u64,
    /// Bytes copied back.
    pub(crate) from_device: u64,
}

fn index(op: Op, backend: BackendKind) -> (usize, usize) {
    let o = Op::ALL.iter().position(|x| *x == op).unwrap_or(0);
    let b = BackendKind::ALL.iter().position(|x| *x == backend).unwrap_or(0);
    (o, b)
}

impl Metrics {
    fn cell(&self, op: Op, backend: BackendKind) -> &Cell {
        let (o, b) = index(op, backend);
        &self.cells[o][b]
    }

    pub(crate) fn record(&self, op: Op, backend: BackendKind, elements: usize, took: Duration) {
        let cell = self.cell(op, backend);
        cell.calls.fetch_add(1, Ordering::Relaxed);
        cell.nanos.fetch_add(u64::try_from(took.as_nanos()).unwrap_or(u64::MAX), Ordering::Relaxed);
        cell.elements.fetch_add(elements as u64, Ordering::Relaxed);
    }

    pub(crate) fn record_fallback(&self, op: Op, backend: BackendKind) {
        self.cell(op, backend).fallbacks.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds a device job's time and transfers to `op` on `backend`.
    #[cfg_attr(not(feature = "cuda"), allow(dead_code))]
    pub(crate) fn record_device(&self, op: Op, backend: BackendKind, work: DeviceWork) {
        let cell = self.cell(op, backend);
        cell.device_nanos.fetch_add(work.nanos, Ordering::Relaxed);
        cell.bytes_to_device.fetch_add(work.to_device, Ordering::Relaxed);
        cell.bytes_from_device.fetch_add(work.from_device, Ordering::Relaxed);
    }

    /// Sets the device-memory-in-use gauge.
    #[cfg_attr(not(feature = "cuda"), allow(dead_code))]
    pub(crate) fn set_device_memory_used(&self, bytes: u64) {
        self.device_memory_used.store(bytes, Ordering::Relaxed);
    }

    /// Sets the resident-bases gauge.
    #[cfg_attr(not(feature = "cuda"), allow(dead_code))]
    pub(crate) fn set_resident_bytes(&self, bytes: u64) {
        self.resident_bytes.store(bytes, Ordering::Relaxed);
    }

    /// The device gauges.
    pub fn device(&self) -> DeviceGauges {
        DeviceGauges {
            memory_used_bytes: self.device_memory_used.load(Ordering::Relaxed),
            resident_bytes: self.resident_bytes.load(Ordering::Relaxed),
        }
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
                    device_nanos: c.device_nanos.load(Ordering::Relaxed),
                    bytes_to_device: c.bytes_to_device.load(Ordering::Relaxed),
                    bytes_from_device: c.bytes_from_device.load(Ordering::Relaxed),
                };
                if m.calls > 0 || m.fallbacks > 0 {
                    out.push(m);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_work_adds_up_per_operation_and_backend() {
        let m = Metrics::default();
        m.record(Op::Msm, BackendKind::Cuda, 10, Duration::from_millis(1));
        m.record_device(
            Op::Msm,
            BackendKind::Cuda,
            DeviceWork { nanos: 5, to_device: 960, from_device: 96 },
        );
        m.record_device(
            Op::Msm,
            BackendKind::Cuda,
            DeviceWork { nanos: 1, to_device: 40, from_device: 0 },
        );
        m.record_device(Op::Msm, BackendKind::Cuda, DeviceWork::default());
        let s = m.snapshot();
        assert_eq!(s.len(), 1);
        let cell = s[0];
        assert_eq!((cell.op, cell.backend), (Op::Msm, BackendKind::Cuda));
        assert_eq!(
            (cell.device_nanos, cell.bytes_to_device, cell.bytes_from_device),
            (6, 1000, 96)
        );
        m.set_device_memory_used(7 << 30);
        m.set_resident_bytes(1 << 20);
        assert_eq!(
            m.device(),
            DeviceGauges { memory_used_bytes: 7 << 30, resident_bytes: 1 << 20 }
        );
    }
}
