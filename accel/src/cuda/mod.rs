//! The CUDA backend: BN254 MSM, Fr NTT and G1 EC-NTT on an NVIDIA GPU through sppark's kernels
//! (`accel/cuda/*.cu`, compiled by build.rs with the `cuda` feature).
//!
//! Always compiled: [`discover`] answers why the backend cannot run (this build lacks the
//! feature, no driver, no device, a device the kernels were not built for), so callers
//! never need a `cfg`. With the feature, [`discover`] returns a backend that runs
//! [`covers`]'s operations on the device and every other one on the CPU backend.

use std::sync::Arc;

use crate::{Backend, Metrics, Op, cpu::CpuBackend};

#[cfg(feature = "cuda")]
mod convert;
#[cfg(feature = "cuda")]
mod device;
#[cfg(feature = "cuda")]
mod ec_ntt;
#[cfg(feature = "cuda")]
mod ffi;
#[cfg(feature = "cuda")]
mod pinned;
#[cfg(feature = "cuda")]
mod resident;

/// Whether the CUDA backend runs `op` on the device (the others run on the CPU).
pub(crate) fn covers(op: Op) -> bool {
    matches!(op, Op::Msm | Op::MsmBatch | Op::MsmBatchPrepared | Op::Ntt | Op::NttBatch | Op::EcNtt)
}

/// The CUDA backend where this build and host can run it, else why not.
///
/// `cpu` runs the operations the device does not cover and the jobs that fail or do not
/// fit on the device; such fallbacks are counted in `metrics`.
#[cfg(feature = "cuda")]
pub(crate) fn discover(
    cpu: Arc<CpuBackend>,
    metrics: Arc<Metrics>,
) -> Result<(Arc<dyn Backend>, String), String> {
    let backend = device::CudaBackend::discover(cpu, metrics)?;
    let description = backend.description();
    Ok((Arc::new(backend), description))
}

/// The CUDA backend where this build and host can run it, else why not.
#[cfg(not(feature = "cuda"))]
pub(crate) fn discover(
    cpu: Arc<CpuBackend>,
    metrics: Arc<Metrics>,
) -> Result<(Arc<dyn Backend>, String), String> {
    let _ = (cpu, metrics);
    Err("this build of Doppio does not include the CUDA backend \
         (build doppio-accel with `--features cuda`)"
        .into())
}
