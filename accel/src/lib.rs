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

/// Eight BN254 scalar-field values at a time on the CPU's AVX-512 IFMA lanes, for
/// element-wise work outside the accelerated operations (a Plonk quotient's gate
/// evaluation). [`FrLanes::detect`] gives a handle only where the CPU has them; every
/// result equals the scalar field arithmetic's, lane by lane.
pub mod lanes {
    use ark_bn254::Fr;

    #[cfg(target_arch = "x86_64")]
    use crate::cpu::ifma;

    /// Proof that the lanes are available (AVX-512 F and IFMA, `Fr` packed as limbs).
    #[derive(Clone, Copy, Debug)]
    pub struct FrLanes(Token);

    /// Eight field elements in the lanes' form.
    #[derive(Clone, Copy)]
    pub struct Fr8(Repr);

    #[cfg(target_arch = "x86_64")]
    type Token = ();
    #[cfg(target_arch = "x86_64")]
    type Repr = ifma::V8;
    #[cfg(not(target_arch = "x86_64"))]
    type Token = std::convert::Infallible;
    #[cfg(not(target_arch = "x86_64"))]
    type Repr = std::convert::Infallible;

    #[cfg(target_arch = "x86_64")]
    impl FrLanes {
        /// The lanes, where this CPU has them (and `DOPPIO_ACCEL_PORTABLE` does not turn
        /// them off).
        pub fn detect() -> Option<FrLanes> {
            ifma::fr_available().then_some(FrLanes(()))
        }

        /// `xs[0..8]`; panics if `xs` is shorter.
        #[inline]
        pub fn load(self, xs: &[Fr]) -> Fr8 {
            // SAFETY: `self` exists only where `detect` found the features and layout.
            Fr8(unsafe { ifma::load_fr(xs) })
        }

        /// Writes the eight values to `out[0..8]`; panics if `out` is shorter.
        #[inline]
        pub fn store(self, v: Fr8, out: &mut [Fr]) {
            // SAFETY: as in `load`.
            unsafe { ifma::store_fr(v.0, out) }
        }

        /// Eight copies of `x`.
        #[inline]
        pub fn splat(self, x: Fr) -> Fr8 {
            // SAFETY: as in `load`.
            Fr8(unsafe { ifma::V8::splat(&x.0.0) })
        }

        /// `a · b`, lane by lane.
        #[inline]
        pub fn mul(self, a: Fr8, b: Fr8) -> Fr8 {
            // SAFETY: as in `load`.
            Fr8(unsafe { ifma::mul::<crate::field::FrMod>(&a.0, &b.0) })
        }

        /// `a + b`, lane by lane.
        #[inline]
        pub fn add(self, a: Fr8, b: Fr8) -> Fr8 {
            // SAFETY: as in `load`.
            Fr8(unsafe { ifma::add::<crate::field::FrMod>(&a.0, &b.0) })
        }

        /// `a − b`, lane by lane.
        #[inline]
        pub fn sub(self, a: Fr8, b: Fr8) -> Fr8 {
            // SAFETY: as in `load`.
            Fr8(unsafe { ifma::sub::<crate::field::FrMod>(&a.0, &b.0) })
        }
    }

    #[cfg(not(target_arch = "x86_64"))]
    impl FrLanes {
        /// The lanes exist only on x86-64.
        pub fn detect() -> Option<FrLanes> {
            None
        }
        /// See the x86-64 build.
        pub fn load(self, _: &[Fr]) -> Fr8 {
            match self.0 {}
        }
        /// See the x86-64 build.
        pub fn store(self, _: Fr8, _: &mut [Fr]) {
            match self.0 {}
        }
        /// See the x86-64 build.
        pub fn splat(self, _: Fr) -> Fr8 {
            match self.0 {}
        }
        /// See the x86-64 build.
        pub fn mul(self, _: Fr8, _: Fr8) -> Fr8 {
            match self.0 {}
        }
        /// See the x86-64 build.
        pub fn add(self, _: Fr8, _: Fr8) -> Fr8 {
            match self.0 {}
        }
        /// See the x86-64 build.
        pub fn sub(self, _: Fr8, _: Fr8) -> Fr8 {
            match self.0 {}
        }
    }
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
