//! [`CudaBackend`]: device discovery, GPU-memory admission, and the host side of the MSM and
//! NTT kernels, with the CPU backend for everything else.

use std::{
    ffi::{CStr, c_char, c_int},
    sync::{Arc, Mutex},
};

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ff::{Field, Zero};
use blst::{blst_p1, blst_p1_affine, blst_p2, blst_p2_affine};

use super::{convert, ffi};
use crate::{
    Backend, BackendKind, BlsTriple, Coset, Metrics, NttDirection, Op, PreparedBases,
    cpu::CpuBackend,
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
}

/// The device this backend runs on.
#[derive(Clone, Debug)]
struct DeviceInfo {
    name: String,
    major: c_int,
    minor: c_int,
    total_mem: usize,
}

/// MSM and NTT over BN254 on device 0; every other operation on the CPU backend.
#[derive(Debug)]
pub(crate) struct CudaBackend {
    device: DeviceInfo,
    cpu: Arc<CpuBackend>,
    metrics: Arc<Metrics>,
    /// One job on the device at a time: sppark's streams are not shared between callers,
    /// and a free-memory check is only a reservation if no other job allocates meanwhile.
    device_lock: Mutex<()>,
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
        Ok(CudaBackend { device, cpu, metrics, device_lock: Mutex::new(()) })
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

    /// Runs `job` on the device if its estimated memory fits, holding the device.
    fn on_device<R>(
        &self,
        need: u64,
        job: impl FnOnce() -> Result<R, CudaError>,
    ) -> Result<R, CudaError> {
        let _held = self.device_lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (mut free, mut total) = (0usize, 0usize);
        // SAFETY: both pointers are valid and writable for the duration of the call.
        runtime("cudaMemGetInfo", unsafe { ffi::doppio_cuda_mem_info(&mut free, &mut total) })?;
        let free = free as u64;
        if need.saturating_add(HEADROOM_BYTES) > free {
            return Err(CudaError::DoesNotFit { need, free });
        }
        job()
    }

    /// Logs why `op` left the device and counts the fallback; the caller runs the CPU.
    fn fall_back(&self, op: Op, size: usize, why: &CudaError) {
        tracing::warn!(%op, size, reason = %why, "accel cuda: running on the cpu instead");
        self.metrics.record_fallback(op, BackendKind::Cuda);
    }

    /// sppark's form of `bases`, converted on the CPU pool.
    fn points(&self, bases: &[G1Affine]) -> Vec<ffi::AffineLimbs> {
        self.cpu.run(|par| convert::affine_batch(bases, par))
    }

    /// MSM on the device over `points[..scalars.len()]` (already in sppark's form).
    fn try_msm(
        &self,
        points: &[ffi::AffineLimbs],
        scalars: &[Fr],
    ) -> Result<G1Projective, CudaError> {
        let n = scalars.len();
        if n == 0 {
            return Ok(G1Projective::zero());
        }
        let points = &points[..n];
        let need = MSM_BYTES_PER_POINT * n as u64 + MSM_FIXED_BYTES;
        let limbs = self.cpu.run(|par| convert::scalar_batch(scalars, None, par));
        let mut out = [0u64; 12];
        self.on_device(need, || {
            // SAFETY: `points` and `limbs` hold `n` elements each in the layout msm.cu
            // documents, `out` has room for one Jacobian point; all outlive the call, which
            // is synchronous (sppark copies to and from the device and waits).
            let status =
                unsafe { ffi::doppio_bn254_msm(&mut out, points.as_ptr(), n, limbs.as_ptr()) };
            sppark("mult_pippenger", status)
        })?;
        convert::projective_from_limbs(&out).ok_or(CudaError::BadOutput { what: "MSM point" })
    }

    /// NTT on the device; `values` is untouched unless it succeeds.
    fn try_ntt(
        &self,
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
        let mut limbs = self.cpu.run(|par| convert::scalar_batch(values, before, par));
        let need = 32 * n as u64 + NTT_FIXED_BYTES;
        self.on_device(need, || {
            // SAFETY: `limbs` holds exactly 2^lg elements (n is a power of two checked by
            // Accel) in the layout ntt.cu documents; the call is synchronous.
            let status =
                unsafe { ffi::doppio_bn254_ntt(limbs.as_mut_ptr(), n.trailing_zeros(), inverse) };
            sppark("NTT::Base", status)
        })?;
        // Validate everything before writing, so that a bad output leaves `values` intact.
        if !limbs.iter().all(|l| convert::fr_from_limbs(*l).is_some()) {
            return Err(CudaError::BadOutput { what: "NTT element" });
        }
        let written = self.cpu.run(|par| convert::write_scalars(values, &limbs, after, par));
        debug_assert!(written, "limbs were validated above");
        Ok(())
    }
}

impl Backend for CudaBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Cuda
    }

    fn msm(&self, bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
        self.try_msm(&self.points(bases), scalars).unwrap_or_else(|e| {
            self.fall_back(Op::Msm, scalars.len(), &e);
            self.cpu.msm(bases, scalars)
        })
    }

    fn msm_batch(&self, bases: &[G1Affine], scalars: &[&[Fr]]) -> Vec<G1Projective> {
        // Bases converted once; one device MSM per vector, and a vector that fails runs on
        // the CPU alone.
        let longest = scalars.iter().map(|s| s.len()).max().unwrap_or(0);
        let points = self.points(&bases[..longest]);
        scalars
            .iter()
            .map(|s| {
                self.try_msm(&points, s).unwrap_or_else(|e| {
                    self.fall_back(Op::MsmBatch, s.len(), &e);
                    self.cpu.msm(&bases[..s.len()], s)
                })
            })
            .collect()
    }

    fn msm_batch_prepared(&self, prepared: &PreparedBases, scalars: &[&[Fr]]) -> Vec<G1Projective> {
        self.msm_batch(prepared.bases(), scalars)
    }

    fn ntt(&self, values: &mut [Fr], direction: NttDirection, coset: Coset) {
        if let Err(e) = self.try_ntt(values, direction, coset) {
            self.fall_back(Op::Ntt, values.len(), &e);
            self.cpu.ntt(values, direction, coset);
        }
    }

    fn ntt_batch(&self, batch: &mut [&mut [Fr]], direction: NttDirection, coset: Coset) {
        for values in batch.iter_mut() {
            if let Err(e) = self.try_ntt(values, direction, coset) {
                self.fall_back(Op::NttBatch, values.len(), &e);
                self.cpu.ntt(values, direction, coset);
            }
        }
    }

    fn ec_ntt(&self, points: &mut [G1Projective], direction: NttDirection) {
        self.cpu.ec_ntt(points, direction)
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
