#![doc = include_str!("../README.md")]

mod accel;
pub mod backend;
pub mod config;
pub mod cpu;
mod cuda;
mod error;
mod field;
mod metrics;
pub mod parallel;
mod prepared;
pub mod reference;

pub use accel::{Accel, MAX_LOG_NTT, check_ntt_size};
pub use backend::{Backend, BackendKind, BlsTriple, Coset, NttDirection, Op};
pub use config::{AccelConfig, BackendChoice, CrossoverTable, ProfileRow};
pub use error::AccelError;
pub use metrics::{DeviceGauges, Metrics, OpMetrics};
pub use prepared::PreparedBases;

/// The CPU features this process detected at run time that matter to our kernels.
pub fn cpu_features() -> Vec<&'static str> {
    let mut out = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        macro_rules! probe {
            ($($f:tt),*) => {$(if std::arch::is_x86_feature_detected!($f) { out.push($f) })*};
        }
        probe!("adx", "bmi2", "avx2", "avx512f", "avx512ifma");
    }
    #[cfg(target_arch = "aarch64")]
    {
        if std::arch::is_aarch64_feature_detected!("neon") {
            out.push("neon");
        }
    }
    out
}

/// Kernels exposed for tests and benches that compare fast paths with portable ones.
pub mod kernels {
    use ark_bn254::{Fr, G1Affine, G1Projective};

    use crate::{backend::NttDirection, cpu, parallel::Parallelism};

    /// The CPU MSM with an explicit strategy.
    pub fn msm(bases: &[G1Affine], scalars: &[Fr], par: Parallelism) -> G1Projective {
        cpu::msm::msm(bases, scalars, par)
    }

    /// The CPU NTT over Fr with an explicit strategy (`values.len()` a power of two).
    pub fn ntt(values: &mut [Fr], direction: NttDirection, offset: Option<Fr>, par: Parallelism) {
        cpu::ntt::ntt(values, direction, offset, par)
    }

    /// `k·p` as the EC-NTT computes its twiddle products (GLV, XYZZ, our field).
    pub fn g1_mul(p: &G1Projective, k: &Fr) -> G1Projective {
        cpu::xyzz::mul_glv(p, k)
    }

    /// The CPU EC-NTT with an explicit strategy.
    pub fn ec_ntt(points: &mut [G1Projective], direction: NttDirection, par: Parallelism) {
        cpu::ntt::ntt(points, direction, None, par)
    }

    /// Forces the portable field arithmetic (`true`: neither MULX/ADX nor the AVX-512
    /// IFMA lanes) or returns to run-time detection (`false`), so tests and benches can
    /// compare the paths. Process-wide.
    pub fn force_portable_field(portable: bool) {
        crate::field::force_portable(portable);
        cpu::ifma::force_off(portable);
    }

    /// Whether the MULX/ADX field multiplication is in use.
    pub fn field_uses_adx() -> bool {
        crate::field::has_adx()
    }

    /// Whether the MSM's batch-affine additions run on AVX-512 IFMA lanes.
    pub fn msm_uses_ifma() -> bool {
        cpu::ifma::available()
    }

    /// Number of signed-digit windows for a window width of `c` bits.
    pub fn window_count(c: usize) -> usize {
        cpu::msm::window_count(c)
    }

    /// The signed digits of `scalar` for window width `c` (2 ≤ c ≤ 16), lowest first.
    pub fn signed_digits(scalar: &Fr, c: usize) -> Vec<i32> {
        let mut out = vec![0; window_count(c)];
        cpu::msm::recode(scalar, c, out.len(), &mut out);
        out
    }

    /// Smallest MSM that takes the batch-affine path.
    pub const BATCH_AFFINE_MIN: usize = cpu::msm::BATCH_AFFINE_MIN;
}
