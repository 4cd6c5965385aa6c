//! Declarations of the functions in `accel/cuda/*.cu` and sppark's `all_gpus.cpp`.
//!
//! Every pointer argument points to host memory laid out as described in the `.cu` files
//! (little-endian 64-bit limbs, Montgomery form unless said otherwise); the device copies
//! are the callee's business. `device_ms` out-parameters get the device time of the call
//! in milliseconds, or a negative value where it could not be measured.

use std::ffi::{c_char, c_int, c_void};

/// One BN254 base or scalar field element: four little-endian limbs, Montgomery form.
pub(super) type Limbs = [u64; 4];
/// An affine BN254 G1 point as sppark reads it: x then y; (0, 0) is the identity.
pub(super) type AffineLimbs = [u64; 8];
/// A Jacobian BN254 G1 point as sppark writes it: X, Y, Z; Z = 0 is the identity.
pub(super) type JacobianLimbs = [u64; 12];

unsafe extern "C" {
    /// `out ← Σ scalars[i]·points[i]` with sppark's Pippenger; `npoints` of each.
    pub(super) fn doppio_bn254_msm(
        out: *mut JacobianLimbs,
        points: *const AffineLimbs,
        npoints: usize,
        scalars: *const Limbs,
        device_ms: *mut f32,
    ) -> sppark::Error;

    /// Uploads `npoints` points into a new resident set (sppark `msm_t`) and writes its
    /// handle (null unless it succeeds); synchronous.
    pub(super) fn doppio_bn254_msm_resident_new(
        handle: *mut *mut c_void,
        points: *const AffineLimbs,
        npoints: usize,
    ) -> sppark::Error;

    /// `out ← Σ scalars[i]·points[i]` over the first `npoints` points of a resident set
    /// (at most as many as it holds).
    pub(super) fn doppio_bn254_msm_resident(
        handle: *mut c_void,
        out: *mut JacobianLimbs,
        npoints: usize,
        scalars: *const Limbs,
        device_ms: *mut f32,
    ) -> sppark::Error;

    /// Frees a resident set (leaks it instead after a device error); the handle is dead
    /// afterwards either way.
    pub(super) fn doppio_bn254_msm_resident_free(handle: *mut c_void) -> sppark::Error;

    /// In-place NTT of `2^lg_domain_size` elements, natural order in and out; the inverse
    /// includes the factor `1/n`.
    pub(super) fn doppio_bn254_ntt(
        inout: *mut Limbs,
        lg_domain_size: u32,
        inverse: bool,
        device_ms: *mut f32,
    ) -> sppark::Error;

    /// In-place EC-NTT of `2^lg_n` Jacobian points (`ec_ntt.cu`): `twiddles` holds `n/2`
    /// canonical (not Montgomery) integers ω^k, `scale` one (1/n) or null. Returns the
    /// `cudaError_t` code.
    pub(super) fn doppio_bn254_ec_ntt(
        inout: *mut u64,
        lg_n: u32,
        twiddles: *const Limbs,
        scale: *const Limbs,
        device_ms: *mut f32,
    ) -> c_int;

    /// The same transform on the CPU with the kernel's code (tests); false if out of memory.
    #[cfg(test)]
    pub(super) fn doppio_bn254_ec_ntt_host(
        inout: *mut u64,
        lg_n: u32,
        twiddles: *const Limbs,
        scale: *const Limbs,
    ) -> bool;

    /// `cudaHostAlloc` of `bytes` page-locked bytes; `*ptr` is null unless it succeeds.
    /// Returns the `cudaError_t` code.
    pub(super) fn doppio_cuda_host_alloc(ptr: *mut *mut c_void, bytes: usize) -> c_int;

    /// `cudaFreeHost`; returns the `cudaError_t` code.
    pub(super) fn doppio_cuda_host_free(ptr: *mut c_void) -> c_int;

    /// `cudaGetDeviceCount`; returns the `cudaError_t` code (0 = success).
    pub(super) fn doppio_cuda_device_count(count: *mut c_int) -> c_int;

    /// Name (zero-terminated, at most `name_len` bytes), compute capability and memory of
    /// device `id`; returns the `cudaError_t` code.
    pub(super) fn doppio_cuda_device_info(
        id: c_int,
        name: *mut c_char,
        name_len: usize,
        major: *mut c_int,
        minor: *mut c_int,
        total_mem: *mut usize,
    ) -> c_int;

    /// `cudaMemGetInfo` of the current device; returns the `cudaError_t` code.
    pub(super) fn doppio_cuda_mem_info(free: *mut usize, total: *mut usize) -> c_int;

    /// `cudaGetErrorString`: a static string, never freed.
    pub(super) fn doppio_cuda_error_string(code: c_int) -> *const c_char;

    /// sppark's: whether it found a device it can use (compute capability ≥ 7.0 with
    /// cooperative launch).
    pub(super) fn cuda_available() -> bool;
}
