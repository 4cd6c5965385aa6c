//! [`Accel`]: the handle callers use. It checks inputs once, picks a backend per call,
//! and records metrics.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ff::Zero;
use blst::{blst_p1, blst_p1_affine, blst_p2, blst_p2_affine};
use rand::{RngCore, SeedableRng};

use crate::{
    AccelError, Metrics, PreparedBases,
    backend::{Backend, BackendKind, BlsTriple, Coset, NttDirection, Op},
    config::{AccelConfig, BackendChoice, CrossoverTable},
    cpu::CpuBackend,
    cuda,
    parallel::Parallelism,
};

/// Largest supported NTT: `2^MAX_LOG_NTT` elements.
pub const MAX_LOG_NTT: u32 = 26;

/// The acceleration layer: cheap to clone and share between threads.
#[derive(Clone, Debug)]
pub struct Accel {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    choice: BackendChoice,
    cpu: Arc<CpuBackend>,
    /// The CUDA backend where this build and host can run it.
    cuda: Option<Arc<dyn Backend>>,
    table: Option<CrossoverTable>,
    metrics: Arc<Metrics>,
}

impl Accel {
    /// Builds the layer from its configuration and logs what it chose.
    ///
    /// Asking for `cuda` where it cannot run is an error; `auto` falls back to the CPU.
    pub fn new(config: &AccelConfig) -> Result<Self, AccelError> {
        let portable = crate::field::Portable::from_env()
            .map_err(|reason| AccelError::PortableSwitch { reason })?;
        if portable != crate::field::Portable::default() {
            tracing::info!(
                mulx_adx_off = portable.adx,
                ifma_lanes_off = portable.ifma,
                "DOPPIO_ACCEL_PORTABLE turns CPU paths off"
            );
        }
        let cpu = Arc::new(CpuBackend::new(config.threads)?);
        let metrics = Arc::new(Metrics::default());
        let cuda = match config.backend {
            BackendChoice::Cpu => Err("not asked for (--accel-backend cpu)".to_owned()),
            _ => cuda::discover(cpu.clone(), metrics.clone()),
        };
        let (cuda, cuda_status) = match cuda {
            Ok((backend, device)) => (Some(backend), format!("available on {device}")),
            Err(reason) if config.backend == BackendChoice::Cuda => {
                return Err(AccelError::BackendUnavailable { backend: BackendKind::Cuda, reason });
            }
            Err(reason) => (None, format!("unavailable ({reason})")),
        };
        let table = config.profile.as_deref().map(CrossoverTable::load).transpose()?;
        match config.backend {
            BackendChoice::Auto => tracing::info!(
                cpu_threads = cpu.threads(),
                crossover_table = ?config.profile,
                "accel backend auto: cuda {cuda_status}; {}",
                match (&cuda, &table) {
                    (Some(_), Some(_)) => "picking per operation and size from the crossover table",
                    (Some(_), None) => "no crossover table, so cpu for every operation",
                    (None, _) => "using cpu",
                }
            ),
            BackendChoice::Cuda => tracing::info!(
                cpu_threads = cpu.threads(),
                "accel backend cuda: {cuda_status}; msm, ntt and ec_ntt on the device, the rest on cpu"
            ),
            BackendChoice::Cpu => tracing::info!(cpu_threads = cpu.threads(), "accel backend cpu"),
        }
        Ok(Accel { inner: Arc::new(Inner { choice: config.backend, cpu, cuda, table, metrics }) })
    }

    /// A CPU-only layer with one thread per core; what tests and tools use by default.
    pub fn cpu() -> Result<Self, AccelError> {
        Self::new(&AccelConfig::cpu(0))
    }

    /// Runs `f` on the CPU backend's worker pool, with the parallelism to use there.
    ///
    /// For the work around the layer's operations (hashing, transposes) that should
    /// respect `--accel-threads` instead of spreading over a global pool.
    pub fn cpu_parallelism<R: Send>(&self, f: impl FnOnce(Parallelism) -> R + Send) -> R {
        self.inner.cpu.run(f)
    }

    /// The configured choice.
    pub fn choice(&self) -> BackendChoice {
        self.inner.choice
    }

    /// The backends that can run here, CPU first.
    pub fn available(&self) -> Vec<BackendKind> {
        let mut out = vec![BackendKind::Cpu];
        if self.inner.cuda.is_some() {
            out.push(BackendKind::Cuda);
        }
        out
    }

    /// Counters per operation and backend.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The backend that runs `op` on `size` elements.
    ///
    /// `cuda` runs the operations the CUDA backend covers on the device (the others on the
    /// CPU); `auto` follows the crossover table among the available backends.
    pub fn backend_for(&self, op: Op, size: usize) -> BackendKind {
        let chosen = match (self.inner.choice, &self.inner.table) {
            (BackendChoice::Cuda, _) => BackendKind::Cuda,
            (BackendChoice::Auto, Some(table)) => {
                table.choose(op, size, &self.available()).unwrap_or(BackendKind::Cpu)
            }
            _ => BackendKind::Cpu,
        };
        match chosen {
            BackendKind::Cuda if self.inner.cuda.is_some() && cuda::covers(op) => chosen,
            _ => BackendKind::Cpu,
        }
    }

    fn backend(&self, op: Op, size: usize) -> &dyn Backend {
        match (self.backend_for(op, size), &self.inner.cuda) {
            (BackendKind::Cpu, _) => &*self.inner.cpu,
            (BackendKind::Cuda, Some(cuda)) => &**cuda,
            (other, None) => {
                // Unreachable: backend_for names cuda only where it is available.
                self.inner.metrics.record_fallback(op, other);
                &*self.inner.cpu
            }
        }
    }

    fn timed<R>(&self, op: Op, size: usize, f: impl FnOnce(&dyn Backend) -> R) -> R {
        let backend = self.backend(op, size);
        let start = Instant::now();
        let out = f(backend);
        self.record(op, backend.kind(), size, start.elapsed());
        out
    }

    fn record(&self, op: Op, backend: BackendKind, size: usize, took: Duration) {
        self.inner.metrics.record(op, backend, size, took);
    }

    /// `Σ scalars[i]·bases[i]` over BN254 G1. Empty input gives the identity.
    pub fn msm(&self, bases: &[G1Affine], scalars: &[Fr]) -> Result<G1Projective, AccelError> {
        if bases.len() != scalars.len() {
            return Err(AccelError::LengthMismatch { bases: bases.len(), scalars: scalars.len() });
        }
        if bases.is_empty() {
            return Ok(G1Projective::zero());
        }
        Ok(self.timed(Op::Msm, bases.len(), |b| b.msm(bases, scalars)))
    }

    /// One MSM per scalar vector over shared bases: vector `j` is multiplied with
    /// `bases[..scalars[j].len()]`, so a vector longer than `bases` is an error.
    pub fn msm_batch(
        &self,
        bases: &[G1Affine],
        scalars: &[&[Fr]],
    ) -> Result<Vec<G1Projective>, AccelError> {
        if let Some((index, s)) = scalars.iter().enumerate().find(|(_, s)| s.len() > bases.len()) {
            return Err(AccelError::TooManyScalars { index, len: s.len(), bases: bases.len() });
        }
        let size = scalars.iter().map(|s| s.len()).max().unwrap_or(0);
        Ok(self.timed(Op::MsmBatch, size, |b| b.msm_batch(bases, scalars)))
    }

    /// Prepares `bases` for many [`Accel::msm_batch_prepared`] calls (a KZG commit key):
    /// the backend that will run them precomputes what it keeps (window tables on the CPU,
    /// a copy resident in device memory on CUDA, freed when the result is dropped).
    pub fn prepare_bases(&self, bases: Vec<G1Affine>) -> PreparedBases {
        let prepared = PreparedBases::new(bases);
        self.backend(Op::MsmBatchPrepared, prepared.len()).prepare(&prepared);
        prepared
    }

    /// [`Accel::msm_batch`] over prepared bases: vector `j` is multiplied with the first
    /// `scalars[j].len()` bases.
    pub fn msm_batch_prepared(
        &self,
        prepared: &PreparedBases,
        scalars: &[&[Fr]],
    ) -> Result<Vec<G1Projective>, AccelError> {
        let bases = prepared.len();
        if let Some((index, s)) = scalars.iter().enumerate().find(|(_, s)| s.len() > bases) {
            return Err(AccelError::TooManyScalars { index, len: s.len(), bases });
        }
        let size = scalars.iter().map(|s| s.len()).sum();
        Ok(self.timed(Op::MsmBatchPrepared, size, |b| b.msm_batch_prepared(prepared, scalars)))
    }

    /// In-place NTT over BN254 Fr, ordered like arkworks' `Radix2EvaluationDomain`.
    pub fn ntt(
        &self,
        values: &mut [Fr],
        direction: NttDirection,
        coset: Coset,
    ) -> Result<(), AccelError> {
        check_ntt_size(values.len())?;
        check_coset(coset)?;
        self.timed(Op::Ntt, values.len(), |b| b.ntt(values, direction, coset));
        Ok(())
    }

    /// In-place NTTs of many vectors of one length.
    pub fn ntt_batch(
        &self,
        batch: &mut [&mut [Fr]],
        direction: NttDirection,
        coset: Coset,
    ) -> Result<(), AccelError> {
        let Some(first) = batch.first() else { return Ok(()) };
        let expected = first.len();
        if let Some((index, v)) = batch.iter().enumerate().find(|(_, v)| v.len() != expected) {
            return Err(AccelError::NttBatchLengthMismatch { index, len: v.len(), expected });
        }
        check_ntt_size(expected)?;
        check_coset(coset)?;
        self.timed(Op::NttBatch, expected, |b| b.ntt_batch(batch, direction, coset));
        Ok(())
    }

    /// In-place NTT over BN254 G1 points, ordered like arkworks' FFT over group elements.
    pub fn ec_ntt(
        &self,
        points: &mut [G1Projective],
        direction: NttDirection,
    ) -> Result<(), AccelError> {
        check_ntt_size(points.len())?;
        self.timed(Op::EcNtt, points.len(), |b| b.ec_ntt(points, direction));
        Ok(())
    }

    /// Point-wise products `points[i] ← scalars[i]·points[i]` over BN254 G1 (the
    /// diagonal step of a circulant product over points, as in FK23 openings).
    pub fn ec_scale(&self, points: &mut [G1Projective], scalars: &[Fr]) -> Result<(), AccelError> {
        if points.len() != scalars.len() {
            return Err(AccelError::LengthMismatch { bases: points.len(), scalars: scalars.len() });
        }
        self.timed(Op::EcScale, points.len(), |b| b.ec_scale(points, scalars));
        Ok(())
    }

    /// Sum of BLS12-381 G1 points (public-key aggregation); empty gives the identity.
    pub fn bls_sum_g1(&self, points: &[blst_p1_affine]) -> blst_p1 {
        self.timed(Op::BlsSumG1, points.len(), |b| b.bls_sum_g1(points))
    }

    /// Sum of BLS12-381 G2 points (signature aggregation); empty gives the identity.
    pub fn bls_sum_g2(&self, points: &[blst_p2_affine]) -> blst_p2 {
        self.timed(Op::BlsSumG2, points.len(), |b| b.bls_sum_g2(points))
    }

    /// Checks all `triples` at once with fresh random 64-bit weights: true only if every
    /// signature is valid (up to a 2^-64 chance), false if any is not.
    ///
    /// Signatures are checked for subgroup membership here; public keys are trusted to
    /// have been validated (with proof of possession) when they entered the stake table.
    pub fn bls_batch_verify(
        &self,
        triples: &[BlsTriple<'_>],
        dst: &[u8],
    ) -> Result<bool, AccelError> {
        let mut rng = rand_chacha::ChaCha20Rng::from_entropy();
        let weights: Vec<u64> = (0..triples.len()).map(|_| nonzero_u64(&mut rng)).collect();
        self.bls_batch_verify_with(triples, dst, &weights)
    }

    /// [`Accel::bls_batch_verify`] with caller-chosen non-zero weights (for reproducible
    /// tests and cross-backend comparison). Zero weights are replaced by one.
    pub fn bls_batch_verify_with(
        &self,
        triples: &[BlsTriple<'_>],
        dst: &[u8],
        weights: &[u64],
    ) -> Result<bool, AccelError> {
        if triples.is_empty() {
            return Err(AccelError::EmptyBlsBatch);
        }
        if weights.len() != triples.len() {
            return Err(AccelError::WeightCountMismatch {
                triples: triples.len(),
                weights: weights.len(),
            });
        }
        let weights: Vec<u64> = weights.iter().map(|w| (*w).max(1)).collect();
        Ok(self.timed(Op::BlsBatchVerify, triples.len(), |b| {
            b.bls_batch_verify(triples, dst, &weights)
        }))
    }
}

fn nonzero_u64(rng: &mut impl RngCore) -> u64 {
    loop {
        let w = rng.next_u64();
        if w != 0 {
            return w;
        }
    }
}

/// Checks that `size` is a supported NTT size.
pub fn check_ntt_size(size: usize) -> Result<(), AccelError> {
    if !size.is_power_of_two() {
        return Err(AccelError::NttSizeNotPowerOfTwo { size });
    }
    if size.trailing_zeros() > MAX_LOG_NTT {
        return Err(AccelError::NttSizeTooLarge { size, max_log: MAX_LOG_NTT });
    }
    Ok(())
}

fn check_coset(coset: Coset) -> Result<(), AccelError> {
    match coset {
        Coset::Offset(g) if g.is_zero() => Err(AccelError::ZeroCosetOffset),
        _ => Ok(()),
    }
}
