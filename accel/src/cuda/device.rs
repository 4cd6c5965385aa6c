//! [`CudaBackend`]: device discovery, GPU-memory admission, resident prepared bases, pinned
//! staging, and the host side of the MSM, NTT and EC-NTT kernels, with the CPU backend for
//! everything else.

use std::{
    collections::HashSet,
    ffi::{CStr, c_char, c_int, c_void},
    sync::{Arc, Mutex, MutexGuard, Weak},
};

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ff::{Field, Zero};
use blst::{blst_p1, blst_p1_affine, blst_p2, blst_p2_affine};

use super::{
    convert, ec_ntt, ffi,
    pinned::PinnedBuffer,
    resident::{Admission, ResidentSets},
};
use crate::{
    Backend, BackendKind, BlsTriple, Coset, Metrics, NttDirection, Op, PreparedBases,
    cpu::CpuBackend, metrics::DeviceWork,
};

/// `cudaErrorInsufficientDriver`: what the runtime answers on a host without the driver.
const CUDA_ERROR_NO_DRIVER: c_int = 35;
/// The kernels are built for sm_90 (H100/H200); older devices cannot run them.
const MIN_COMPUTE_MAJOR: c_int = 9;
/// Device memory left free beyond a job's estimate (other processes, driver, fragmentation).
const HEADROOM_BYTES: u64 = 512 << 20;
/// Estimated device bytes per MSM point: the affine point (64), the scalar (32), its
/// window digits and sort temporaries (about 4 bytes per window each, ~20 windows).
const MSM_BYTES_PER_POINT: u64 = 64 + 32 + 160;
/// Estimated fixed MSM allocations: buckets (2^(c-1) per window, 128 bytes each) and
/// per-block partial sums, for windows up to 16 bits.
const MSM_FIXED_BYTES: u64 = 256 << 20;
/// Estimated fixed NTT allocations: twiddle tables and partial-root tables.
const NTT_FIXED_BYTES: u64 = 64 << 20;
/// Streaming multiprocessors assumed when sizing sppark's per-SM MSM buffers: more than
/// any device the kernels are built for has (H100 and H200: 132).
const MAX_SMS: u64 = 256;
/// Estimated device bytes per scalar of an MSM over resident points: the scalar (32) and
/// its window digits and sort temporaries (about 4 bytes per window each, ~20 windows).
const RESIDENT_MSM_BYTES_PER_POINT: u64 = 32 + 160;
/// Estimated per-call fixed allocations of an MSM over resident points (its buckets are
/// part of the resident set).
const RESIDENT_MSM_FIXED_BYTES: u64 = 32 << 20;
/// Device bytes per EC-NTT point: the Jacobian copy (96), the XYZZ working copy (128) and
/// half a twiddle (16).
const EC_NTT_BYTES_PER_POINT: u64 = 96 + 128 + 16;
/// At most this fraction (1/N) of the device's memory is kept by resident sets; a larger
/// set runs as a plain batched MSM that uploads its bases per call.
const RESIDENT_MAX_SHARE: u64 = 2;

/// Why a job did not run on the device (it then runs on the CPU).
#[derive(Debug, thiserror::Error)]
pub(crate) enum CudaError {
    /// The CUDA runtime or sppark reported an error.
    #[error("{call} failed with CUDA error {code}: {message}")]
    Runtime {
        /// What was called.
        call: &'static str,
        /// The `cudaError_t` code.
        code: i32,
        /// Its description.
        message: String,
    },
    /// The job's estimated memory exceeds what the device has free.
    #[error("needs about {need} bytes of GPU memory, {free} free (headroom {HEADROOM_BYTES})")]
    DoesNotFit {
        /// Estimated bytes.
        need: u64,
        /// Free bytes reported by the device.
        free: u64,
    },
    /// The device returned limbs that are not a field element or a point not on the curve.
    #[error("the device returned an invalid {what}")]
    BadOutput {
        /// What was invalid.
        what: &'static str,
    },
    /// A resident set the job needs is not on the device, or holds fewer points than the
    /// job (neither is expected: jobs hold the device while they use a set, and Accel checks
    /// lengths).
    #[error("prepared bases {id} are not resident on the device (or too short for the job)")]
    NotResident {
        /// The set's id.
        id: u64,
    },
    /// A prepared base set too large to keep on the device.
    #[error("{bytes} bytes of prepared bases exceed the resident limit of {limit} bytes")]
    TooLargeToKeep {
        /// Estimated device bytes of the set.
        bytes: u64,
        /// The limit (a share of the device's memory).
        limit: u64,
    },
}

/// The device this backend runs on.
#[derive(Clone, Debug)]
struct DeviceInfo {
    name: String,
    major: c_int,
    minor: c_int,
    total_mem: usize,
}

/// MSM, NTT and EC-NTT over BN254 on device 0; every other operation on the CPU backend.
#[derive(Debug)]
pub(crate) struct CudaBackend {
    device: DeviceInfo,
    cpu: Arc<CpuBackend>,
    metrics: Arc<Metrics>,
    /// The device's state behind its lock. One job on the device at a time: sppark's
    /// streams are not shared between callers, and a free-memory check is only a
    /// reservation if no other job allocates meanwhile.
    state: Arc<Mutex<DeviceState>>,
}

/// What the backend keeps for the device, touched only under its lock.
#[derive(Debug, Default)]
struct DeviceState {
    resident: ResidentSets<ResidentHandle>,
    /// Ids whose `PreparedBases` already carries our drop hook.
    hooked: HashSet<u64>,
    pinned: PinnedBuffer,
}

/// An sppark `msm_t` holding a prepared base set on the device; freed on drop.
#[derive(Debug)]
struct ResidentHandle {
    ptr: *mut c_void,
    points: usize,
}

// SAFETY: the handle is an opaque pointer to a C++ object that the backend only uses (and
// frees) while holding its device lock, never from two threads at once.
unsafe impl Send for ResidentHandle {}

impl Drop for ResidentHandle {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from doppio_bn254_msm_resident_new and is freed exactly once,
        // here; callers hold the device lock (ResidentSets lives in DeviceState).
        let status = unsafe { ffi::doppio_bn254_msm_resident_free(self.ptr) };
        if let Err(e) = sppark("freeing resident bases", status) {
            tracing::warn!(points = self.points, reason = %e, "accel cuda: resident bases leaked");
        }
    }
}

/// Device time of a job from the milliseconds a kernel wrapper reported (negative: unknown).
fn device_nanos(ms: f32) -> u64 {
    if ms.is_finite() && ms > 0.0 { (f64::from(ms) * 1e6) as u64 } else { 0 }
}

/// Device bytes of a resident set of `n` points: what sppark's `msm_t` constructor
/// allocates (msm/pippenger.cuh, 0.1.16): one bucket (XYZZ, 128 bytes) per window and
/// digit, plus 8 per SM for partial sums, a 4-byte histogram entry per bucket, and the
/// points (affine, 64 bytes; their count rounded up to a warp).
fn resident_bytes(n: usize) -> u64 {
    let n = (n as u64).next_multiple_of(32);
    let lg2 = |x: u64| u64::from(63 - x.max(1).leading_zeros());
    let wbits = if n > 192 { lg2(n + n / 2).saturating_sub(8).clamp(10, 18) } else { 10 };
    let windows = (254 - 1) / wbits + 1; // BN254 Fr has 254 bits
    let buckets = windows << (wbits - 1);
    (buckets + 8 * MAX_SMS) * 128 + buckets * 4 + n * 64
}

fn error_string(code: c_int) -> String {
    // SAFETY: cudaGetErrorString returns a pointer to a static zero-terminated string for
    // any code (a generic one for unknown codes), never null.
    let ptr = unsafe { ffi::doppio_cuda_error_string(code) };
    if ptr.is_null() {
        return format!("CUDA error {code}");
    }
    // SAFETY: non-null, zero-terminated and static, as above.
    unsafe { CStr::from_ptr(ptr) }.to_string_lossy().into_owned()
}

fn runtime(call: &'static str, code: c_int) -> Result<(), CudaError> {
    match code {
        0 => Ok(()),
        code => Err(CudaError::Runtime { call, code, message: error_string(code) }),
    }
}

fn sppark(call: &'static str, status: sppark::Error) -> Result<(), CudaError> {
    match status.code {
        0 => Ok(()),
        code => Err(CudaError::Runtime {
            call,
            code,
            message: format!("{} ({status})", error_string(code)),
        }),
    }
}

/// Device 0, or why there is none this backend can use.
fn find_device() -> Result<DeviceInfo, String> {
    let mut count: c_int = 0;
    // SAFETY: `count` is a valid, writable c_int for the duration of the call.
    let code = unsafe { ffi::doppio_cuda_device_count(&mut count) };
    if code == CUDA_ERROR_NO_DRIVER {
        return Err(format!(
            "no NVIDIA driver (cudaGetDeviceCount: error {code}, {}); this build needs driver 580 or newer (CUDA 13.0)",
            error_string(code)
        ));
    }
    runtime("cudaGetDeviceCount", code).map_err(|e| e.to_string())?;
    if count == 0 {
        return Err("the NVIDIA driver reports no CUDA device".into());
    }
    let mut name = [0 as c_char; 256];
    let (mut major, mut minor, mut total_mem) = (0, 0, 0usize);
    // SAFETY: every pointer is valid and writable; `name` has the length passed with it.
    let code = unsafe {
        ffi::doppio_cuda_device_info(
            0,
            name.as_mut_ptr(),
            name.len(),
            &mut major,
            &mut minor,
            &mut total_mem,
        )
    };
    runtime("cudaGetDeviceProperties", code).map_err(|e| e.to_string())?;
    // SAFETY: doppio_cuda_device_info wrote a zero-terminated string within `name`.
    let name = unsafe { CStr::from_ptr(name.as_ptr()) }.to_string_lossy().into_owned();
    let device = DeviceInfo { name, major, minor, total_mem };
    if major < MIN_COMPUTE_MAJOR {
        return Err(format!(
            "device 0 ({}) has compute capability {major}.{minor}; this build's kernels are for sm_90 (H100/H200) and newer",
            device.name
        ));
    }
    // SAFETY: no arguments; sppark enumerates devices once behind a function-local static.
    if !unsafe { ffi::cuda_available() } {
        return Err(format!(
            "sppark cannot use device 0 ({}): it needs cooperative launch support",
            device.name
        ));
    }
    Ok(device)
}

impl CudaBackend {
    /// The backend on device 0, or why this host cannot run it.
    pub(crate) fn discover(cpu: Arc<CpuBackend>, metrics: Arc<Metrics>) -> Result<Self, String> {
        let device = find_device()?;
        Ok(CudaBackend { device, cpu, metrics, state: Arc::default() })
    }

    /// One line naming the device, for logs.
    pub(crate) fn description(&self) -> String {
        let d = &self.device;
        format!(
            "{} (compute {}.{}, {} MiB; nvcc {})",
            d.name,
            d.major,
            d.minor,
            d.total_mem >> 20,
            env!("DOPPIO_NVCC_VERSION")
        )
    }

    /// The device, held until the guard drops.
    fn lock(&self) -> MutexGuard<'_, DeviceState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Admits a job needing `need` device bytes: checks the free memory (updating the
    /// memory gauge) and evicts resident sets other than `keep` if that makes it fit.
    fn admit(
        &self,
        state: &mut DeviceState,
        need: u64,
        keep: Option<u64>,
    ) -> Result<(), CudaError> {
        let free = self.free_memory()?;
        match state.resident.plan(free, need, HEADROOM_BYTES, keep) {
            Admission::Fits => Ok(()),
            Admission::DoesNotFit => Err(CudaError::DoesNotFit { need, free }),
            Admission::Evict(ids) => {
                for id in ids {
                    if let Some(handle) = state.resident.remove(id) {
                        tracing::info!(
                            id,
                            points = handle.points,
                            need,
                            "accel cuda: evicting resident bases to make room"
                        );
                    }
                }
                self.metrics.set_resident_bytes(state.resident.bytes());
                // The estimate of what eviction frees may be off: check again.
                let free = self.free_memory()?;
                if need.saturating_add(HEADROOM_BYTES) > free {
                    return Err(CudaError::DoesNotFit { need, free });
                }
                Ok(())
            }
        }
    }

    /// The device's free memory; sets the memory-in-use gauge.
    fn free_memory(&self) -> Result<u64, CudaError> {
        let (mut free, mut total) = (0usize, 0usize);
        // SAFETY: both pointers are valid and writable for the duration of the call.
        runtime("cudaMemGetInfo", unsafe { ffi::doppio_cuda_mem_info(&mut free, &mut total) })?;
        self.metrics.set_device_memory_used(total.saturating_sub(free) as u64);
        Ok(free as u64)
    }

    /// Logs why `op` left the device and counts the fallback; the caller runs the CPU.
    fn fall_back(&self, op: Op, size: usize, why: &CudaError) {
        tracing::warn!(%op, size, reason = %why, "accel cuda: running on the cpu instead");
        self.metrics.record_fallback(op, BackendKind::Cuda);
    }

    fn record(&self, op: Op, work: DeviceWork) {
        self.metrics.record_device(op, BackendKind::Cuda, work);
    }

    /// sppark's form of `bases`, converted on the CPU pool.
    fn points(&self, bases: &[G1Affine]) -> Vec<ffi::AffineLimbs> {
        self.cpu.run(|par| convert::affine_batch(bases, par))
    }

    /// MSM on the device over `points[..scalars.len()]` (already in sppark's form), or over
    /// the resident set `resident` when given (`points` is then empty).
    fn try_msm(
        &self,
        state: &mut DeviceState,
        op: Op,
        points: &[ffi::AffineLimbs],
        resident: Option<u64>,
        scalars: &[Fr],
    ) -> Result<G1Projective, CudaError> {
        let n = scalars.len();
        if n == 0 {
            return Ok(G1Projective::zero());
        }
        let need = match resident {
            Some(_) => RESIDENT_MSM_BYTES_PER_POINT * n as u64 + RESIDENT_MSM_FIXED_BYTES,
            None => MSM_BYTES_PER_POINT * n as u64 + MSM_FIXED_BYTES,
        };
        self.admit(state, need, resident)?;
        let mut limbs = state.pinned.stage::<ffi::Limbs>(n);
        self.cpu.run(|par| convert::scalar_batch_into(&mut limbs, scalars, None, par));
        let (mut out, mut ms) = ([0u64; 12], -1.0f32);
        let status = match resident {
            Some(id) => {
                let handle = state.resident.touch(id).ok_or(CudaError::NotResident { id })?;
                if n > handle.points {
                    // Accel checks lengths against the prepared bases; never read past them.
                    return Err(CudaError::NotResident { id });
                }
                // SAFETY: `handle` is a live resident set of `handle.points ≥ n` points,
                // `limbs` holds n scalars, `out` room for one Jacobian point; the call is
                // synchronous.
                unsafe {
                    ffi::doppio_bn254_msm_resident(handle.ptr, &mut out, n, limbs.as_ptr(), &mut ms)
                }
            }
            None => {
                let points = &points[..n];
                // SAFETY: `points` and `limbs` hold `n` elements each in the layout msm.cu
                // documents, `out` has room for one Jacobian point; all outlive the call,
                // which is synchronous (sppark copies to and from the device and waits).
                unsafe {
                    ffi::doppio_bn254_msm(&mut out, points.as_ptr(), n, limbs.as_ptr(), &mut ms)
                }
            }
        };
        sppark("msm_t::invoke", status)?;
        let uploaded_points = if resident.is_some() { 0 } else { 64 * n as u64 };
        self.record(
            op,
            DeviceWork {
                nanos: device_nanos(ms),
                to_device: 32 * n as u64 + uploaded_points,
                from_device: 96,
            },
        );
        convert::projective_from_limbs(&out).ok_or(CudaError::BadOutput { what: "MSM point" })
    }

    /// Makes `prepared` resident (uploading it unless it is), evicting others if needed.
    fn make_resident(
        &self,
        state: &mut DeviceState,
        prepared: &PreparedBases,
    ) -> Result<(), CudaError> {
        let id = prepared.id();
        if state.resident.touch(id).is_some() {
            return Ok(());
        }
        let n = prepared.len();
        if n == 0 {
            // sppark sizes an empty msm_t for 2^17-bucket windows: nothing worth keeping.
            return Err(CudaError::NotResident { id });
        }
        let bytes = resident_bytes(n);
        let limit = self.device.total_mem as u64 / RESIDENT_MAX_SHARE;
        if bytes > limit {
            return Err(CudaError::TooLargeToKeep { bytes, limit });
        }
        // Room for the set and for one MSM over all of it.
        let call = RESIDENT_MSM_BYTES_PER_POINT * n as u64 + RESIDENT_MSM_FIXED_BYTES;
        self.admit(state, bytes + call, None)?;
        // Keep the total under the limit too, oldest sets first.
        while state.resident.bytes() + bytes > limit {
            let Some(oldest) = state.resident.oldest() else { break };
            tracing::info!(id = oldest, limit, "accel cuda: evicting resident bases (limit)");
            drop(state.resident.remove(oldest));
        }
        let points = self.points(prepared.bases());
        let mut ptr = std::ptr::null_mut();
        // SAFETY: `points` holds n points in msm.cu's layout and outlives the call, which
        // uploads them synchronously; `ptr` is a valid out-pointer.
        let status = unsafe { ffi::doppio_bn254_msm_resident_new(&mut ptr, points.as_ptr(), n) };
        sppark("msm_t (resident bases)", status)?;
        if ptr.is_null() {
            return Err(CudaError::BadOutput { what: "resident set handle" });
        }
        state.resident.insert(id, ResidentHandle { ptr, points: n }, bytes);
        self.metrics.set_resident_bytes(state.resident.bytes());
        self.record(
            Op::MsmBatchPrepared,
            DeviceWork { nanos: 0, to_device: 64 * n as u64, from_device: 0 },
        );
        tracing::info!(
            id,
            points = n,
            bytes,
            resident_sets = state.resident.len(),
            resident_bytes = state.resident.bytes(),
            "accel cuda: prepared bases resident on the device"
        );
        if state.hooked.insert(id) {
            let weak: Weak<Mutex<DeviceState>> = Arc::downgrade(&self.state);
            let metrics = self.metrics.clone();
            prepared.on_drop(move |id| {
                let Some(state) = weak.upgrade() else { return };
                let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
                state.hooked.remove(&id);
                drop(state.resident.remove(id)); // frees the device memory
                metrics.set_resident_bytes(state.resident.bytes());
            });
        }
        Ok(())
    }

    /// Batched MSM over shared bases on the device, vector by vector (a vector that fails
    /// runs on the CPU alone, counted as a fallback of `op`).
    fn msm_batch_on_device(
        &self,
        op: Op,
        bases: &[G1Affine],
        scalars: &[&[Fr]],
    ) -> Vec<G1Projective> {
        let longest = scalars.iter().map(|s| s.len()).max().unwrap_or(0);
        let points = self.points(&bases[..longest]);
        scalars
            .iter()
            .map(|s| {
                let on_device = self.try_msm(&mut self.lock(), op, &points, None, s);
                on_device.unwrap_or_else(|e| {
                    self.fall_back(op, s.len(), &e);
                    self.cpu.msm(&bases[..s.len()], s)
                })
            })
            .collect()
    }

    /// NTT on the device; `values` is untouched unless it succeeds.
    fn try_ntt(
        &self,
        op: Op,
        values: &mut [Fr],
        direction: NttDirection,
        coset: Coset,
    ) -> Result<(), CudaError> {
        let n = values.len();
        if n <= 1 {
            return Ok(()); // size 1: the identity in every direction and coset
        }
        let offset = match coset {
            Coset::None => None,
            Coset::Offset(g) => Some(g),
        };
        let inverse = direction == NttDirection::Inverse;
        // Forward on a coset: scale coefficient i by g^i first; inverse: scale result i by
        // g^-i after (arkworks' get_coset convention, any offset).
        let (before, after) = match (inverse, offset) {
            (false, g) => (g, None),
            (true, g) => (None, g.and_then(|g| g.inverse())),
        };
        let mut state = self.lock();
        let state = &mut *state;
        self.admit(state, 32 * n as u64 + NTT_FIXED_BYTES, None)?;
        let mut limbs = state.pinned.stage::<ffi::Limbs>(n);
        self.cpu.run(|par| convert::scalar_batch_into(&mut limbs, values, before, par));
        let mut ms = -1.0f32;
        // SAFETY: `limbs` holds exactly 2^lg elements (n is a power of two checked by
        // Accel) in the layout ntt.cu documents; the call is synchronous.
        let status = unsafe {
            ffi::doppio_bn254_ntt(limbs.as_mut_ptr(), n.trailing_zeros(), inverse, &mut ms)
        };
        sppark("NTT::Base", status)?;
        let bytes = 32 * n as u64;
        self.record(
            op,
            DeviceWork { nanos: device_nanos(ms), to_device: bytes, from_device: bytes },
        );
        // Validate everything before writing, so that a bad output leaves `values` intact.
        if !limbs.iter().all(|l| convert::fr_from_limbs(*l).is_some()) {
            return Err(CudaError::BadOutput { what: "NTT element" });
        }
        let written = self.cpu.run(|par| convert::write_scalars(values, &limbs, after, par));
        debug_assert!(written, "limbs were validated above");
        Ok(())
    }

    /// EC-NTT on the device; `points` is untouched unless it succeeds.
    fn try_ec_ntt(
        &self,
        points: &mut [G1Projective],
        direction: NttDirection,
    ) -> Result<(), CudaError> {
        let n = points.len();
        if n <= 1 {
            return Ok(()); // size 1: the identity in both directions
        }
        let (twiddles, scale) = self.cpu.run(|par| ec_ntt::twiddles(n, direction, par));
        let mut state = self.lock();
        let state = &mut *state;
        self.admit(state, EC_NTT_BYTES_PER_POINT * n as u64 + NTT_FIXED_BYTES, None)?;
        let mut limbs = state.pinned.stage::<ffi::JacobianLimbs>(n);
        self.cpu.run(|par| convert::jacobian_batch_into(&mut limbs, points, par));
        let scale_ptr = scale.as_ref().map_or(std::ptr::null(), |s| s as *const ffi::Limbs);
        let mut ms = -1.0f32;
        // SAFETY: `limbs` holds n = 2^lg Jacobian points (12 limbs each), `twiddles` n/2
        // canonical scalars, `scale_ptr` one scalar or null, as ec_ntt.cu documents; all
        // outlive the call, which is synchronous.
        let code = unsafe {
            ffi::doppio_bn254_ec_ntt(
                limbs.as_mut_ptr().cast(),
                n.trailing_zeros(),
                twiddles.as_ptr(),
                scale_ptr,
                &mut ms,
            )
        };
        runtime("doppio_bn254_ec_ntt", code)?;
        let to_device = (96 + 16) * n as u64 + if scale.is_some() { 32 } else { 0 };
        self.record(
            Op::EcNtt,
            DeviceWork { nanos: device_nanos(ms), to_device, from_device: 96 * n as u64 },
        );
        let out = self
            .cpu
            .run(|par| convert::projective_batch(&limbs, par))
            .ok_or(CudaError::BadOutput { what: "EC-NTT point" })?;
        points.copy_from_slice(&out);
        Ok(())
    }
}

impl Backend for CudaBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Cuda
    }

    fn msm(&self, bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
        let points = self.points(bases);
        let on_device = self.try_msm(&mut self.lock(), Op::Msm, &points, None, scalars);
        on_device.unwrap_or_else(|e| {
            self.fall_back(Op::Msm, scalars.len(), &e);
            self.cpu.msm(bases, scalars)
        })
    }

    fn msm_batch(&self, bases: &[G1Affine], scalars: &[&[Fr]]) -> Vec<G1Projective> {
        // Bases converted once; one device MSM per vector.
        self.msm_batch_on_device(Op::MsmBatch, bases, scalars)
    }

    fn prepare(&self, prepared: &PreparedBases) {
        if prepared.is_empty() {
            return;
        }
        // Best effort: a set that cannot be made resident now is tried again at its first
        // use, and runs as a plain batched MSM if it still cannot.
        if let Err(e) = self.make_resident(&mut self.lock(), prepared) {
            tracing::info!(points = prepared.len(), reason = %e, "accel cuda: bases not resident yet");
        }
    }

    fn msm_batch_prepared(&self, prepared: &PreparedBases, scalars: &[&[Fr]]) -> Vec<G1Projective> {
        let op = Op::MsmBatchPrepared;
        if scalars.iter().all(|s| s.is_empty()) {
            return vec![G1Projective::zero(); scalars.len()]; // nothing to upload or run
        }
        let mut state = self.lock();
        if let Err(e) = self.make_resident(&mut state, prepared) {
            drop(state);
            tracing::info!(
                points = prepared.len(),
                reason = %e,
                "accel cuda: prepared bases not resident; uploading them with each MSM"
            );
            return self.msm_batch_on_device(op, prepared.bases(), scalars);
        }
        // One device MSM per vector over the resident points, the device held throughout
        // (so the set cannot be evicted meanwhile); the vectors that fail run on the CPU
        // afterwards, outside the device lock, with the CPU's prepared tables.
        let mut out: Vec<Option<G1Projective>> = scalars
            .iter()
            .map(|s| {
                self.try_msm(&mut state, op, &[], Some(prepared.id()), s)
                    .map_err(|e| self.fall_back(op, s.len(), &e))
                    .ok()
            })
            .collect();
        drop(state);
        let failed: Vec<usize> = (0..out.len()).filter(|i| out[*i].is_none()).collect();
        if !failed.is_empty() {
            let vectors: Vec<&[Fr]> = failed.iter().map(|i| scalars[*i]).collect();
            for (i, p) in failed.into_iter().zip(self.cpu.msm_batch_prepared(prepared, &vectors)) {
                out[i] = Some(p);
            }
        }
        out.into_iter().map(|p| p.unwrap_or_default()).collect()
    }

    fn ntt(&self, values: &mut [Fr], direction: NttDirection, coset: Coset) {
        if let Err(e) = self.try_ntt(Op::Ntt, values, direction, coset) {
            self.fall_back(Op::Ntt, values.len(), &e);
            self.cpu.ntt(values, direction, coset);
        }
    }

    fn ntt_batch(&self, batch: &mut [&mut [Fr]], direction: NttDirection, coset: Coset) {
        for values in batch.iter_mut() {
            if let Err(e) = self.try_ntt(Op::NttBatch, values, direction, coset) {
                self.fall_back(Op::NttBatch, values.len(), &e);
                self.cpu.ntt(values, direction, coset);
            }
        }
    }

    fn ec_ntt(&self, points: &mut [G1Projective], direction: NttDirection) {
        if let Err(e) = self.try_ec_ntt(points, direction) {
            self.fall_back(Op::EcNtt, points.len(), &e);
            self.cpu.ec_ntt(points, direction);
        }
    }

    fn ec_scale(&self, points: &mut [G1Projective], scalars: &[Fr]) {
        self.cpu.ec_scale(points, scalars)
    }

    fn bls_sum_g1(&self, points: &[blst_p1_affine]) -> blst_p1 {
        self.cpu.bls_sum_g1(points)
    }

    fn bls_sum_g2(&self, points: &[blst_p2_affine]) -> blst_p2 {
        self.cpu.bls_sum_g2(points)
    }

    fn bls_batch_verify(&self, triples: &[BlsTriple<'_>], dst: &[u8], randomness: &[u64]) -> bool {
        self.cpu.bls_batch_verify(triples, dst, randomness)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_set_sizes_follow_sppark_allocations() {
        const MIB: u64 = 1 << 20;
        // Small sets: 10-bit windows (26 of them), buckets of 512 per window.
        let small = (26 * 512 + 8 * MAX_SMS) * 128 + 26 * 512 * 4;
        assert_eq!(resident_bytes(1), small + 32 * 64, "rounded up to a warp");
        assert_eq!(resident_bytes(3000), small + 3008 * 64);
        // 2^24 points: 16-bit windows (16 of them): 64 MiB of buckets, 1 GiB of points.
        let big = resident_bytes(1 << 24);
        assert_eq!(big, (16 * (1 << 15) + 8 * MAX_SMS) * 128 + 16 * (1 << 15) * 4 + (1 << 30));
        assert!(big < 1100 * MIB);
        // Monotone in the number of points across the window-size steps.
        let sizes: Vec<u64> = (4..=26).map(|lg| resident_bytes(1 << lg)).collect();
        assert!(sizes.windows(2).all(|w| w[0] <= w[1]), "{sizes:?}");
    }

    #[test]
    fn device_time_from_reported_milliseconds() {
        assert_eq!(device_nanos(1.5), 1_500_000);
        assert_eq!(device_nanos(-1.0), 0, "unknown");
        assert_eq!(device_nanos(f32::NAN), 0);
        assert_eq!(device_nanos(0.0), 0);
    }
}
