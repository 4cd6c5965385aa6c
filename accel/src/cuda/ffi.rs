//! Declarations of the functions in `accel/cuda/*.cu` and sppark's `all_gpus.cpp`.
//!
//! Every pointer argument points to host memory laid out as described in the `.cu` files
//! (little-endian 64-bit limbs, Montgomery form); the device copies are sppark's business.

use std::ffi::{c_char, c_int};

/// One BN254 base or scalar field element: four little-endian limbs, Montgomery form.
pub(super) type Limbs = [u64; 4];
/// An affine BN254 G1 point as sppark reads it: x then y; (0, 0) is the identity.
pub(super) type AffineLimbs = [u64; 8];
/// A Jacobian BN254 G1 point as sppark writes it: X, Y, Z; Z = 0 is the identity.
pub(super) type JacobianLimbs = [u64; 12];

unsafe extern "C" {
    /// `out ← Σ scalars[i]·points[i]` with sppark's `mult_pippenger`; `npoints` of each.
    pub(super) fn doppio_bn254_msm(
        out: *mut JacobianLimbs,
        points: *const AffineLimbs,
        npoints: usize,
        scalars: *const Limbs,
    ) -> sppark::Error;

    /// In-place NTT of `2^lg_domain_size` elements, natural order in and out; the inverse
    /// includes the factor `1/n`.
    pub(super) fn doppio_bn254_ntt(
        inout: *mut Limbs,
        lg_domain_size: u32,
        inverse: bool,
    ) -> sppark::Error;

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
