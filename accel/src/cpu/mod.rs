//! The CPU backend: our own kernels on a dedicated rayon pool.

pub(crate) mod bls;
pub(crate) mod fixed;
pub(crate) mod ifma;
pub(crate) mod msm;
pub(crate) mod ntt;
pub(crate) mod xyzz;

use ark_bn254::{Fr, G1Affine, G1Projective};
use blst::{blst_p1, blst_p1_affine, blst_p2, blst_p2_affine};

use crate::{
    AccelError, PreparedBases,
    backend::{Backend, BackendKind, BlsTriple, Coset, NttDirection},
    parallel::Parallelism,
};

/// Runs every operation on a rayon pool of its own with the configured thread count.
#[derive(Debug)]
pub struct CpuBackend {
    pool: rayon::ThreadPool,
    threads: usize,
}

impl CpuBackend {
    /// A backend with `threads` workers; 0 means one per available core.
    pub fn new(threads: usize) -> Result<Self, AccelError> {
        let threads = match threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("accel-cpu-{i}"))
            .build()
            .map_err(|e| AccelError::ThreadPool { threads, reason: e.to_string() })?;
        Ok(CpuBackend { pool, threads })
    }

    /// Number of worker threads.
    pub fn threads(&self) -> usize {
        self.threads
    }

    pub(crate) fn run<R: Send>(&self, f: impl FnOnce(Parallelism) -> R + Send) -> R {
        if self.threads == 1 {
            f(Parallelism::Sequential)
        } else {
            self.pool.install(|| f(Parallelism::Rayon))
        }
    }
}

fn offset(coset: Coset) -> Option<Fr> {
    match coset {
        Coset::None => None,
        Coset::Offset(g) => Some(g),
    }
}

impl Backend for CpuBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Cpu
    }

    fn msm(&self, bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
        self.run(|par| msm::msm(bases, scalars, par))
    }

    fn msm_batch(&self, bases: &[G1Affine], scalars: &[&[Fr]]) -> Vec<G1Projective> {
        self.run(|par| msm::msm_batch(bases, scalars, par))
    }

    fn prepare(&self, prepared: &PreparedBases) {
        self.run(|par| {
            prepared.cpu_table(par);
        });
    }

    fn msm_batch_prepared(&self, prepared: &PreparedBases, scalars: &[&[Fr]]) -> Vec<G1Projective> {
        self.run(|par| match prepared.cpu_table(par) {
            Some(table) => table.msm_batch(scalars, par),
            None => msm::msm_batch(prepared.bases(), scalars, par),
        })
    }

    fn ntt(&self, values: &mut [Fr], direction: NttDirection, coset: Coset) {
        self.run(|par| ntt::ntt(values, direction, offset(coset), par))
    }

    fn ntt_batch(&self, batch: &mut [&mut [Fr]], direction: NttDirection, coset: Coset) {
        self.run(|par| {
            if batch.len() >= 2 * par.workers() {
                par.for_each_mut(batch, |v| {
                    ntt::ntt(v, direction, offset(coset), Parallelism::Sequential)
                });
            } else {
                for v in batch.iter_mut() {
                    ntt::ntt(v, direction, offset(coset), par);
                }
            }
        })
    }

    fn ec_ntt(&self, points: &mut [G1Projective], direction: NttDirection) {
        self.run(|par| ntt::ntt(points, direction, None, par))
    }

    fn ec_scale(&self, points: &mut [G1Projective], scalars: &[Fr]) {
        self.run(|par| {
            let chunk = par.chunk_len(points.len(), 2);
            par.for_each_chunk(points, chunk, |k, ps| {
                for (p, s) in ps.iter_mut().zip(&scalars[k * chunk..]) {
                    *p = xyzz::mul_glv(p, s);
                }
            })
        })
    }

    fn bls_sum_g1(&self, points: &[blst_p1_affine]) -> blst_p1 {
        self.run(|par| bls::sum::<bls::G1>(points, par))
    }

    fn bls_sum_g2(&self, points: &[blst_p2_affine]) -> blst_p2 {
        self.run(|par| bls::sum::<bls::G2>(points, par))
    }

    fn bls_batch_verify(&self, triples: &[BlsTriple<'_>], dst: &[u8], randomness: &[u64]) -> bool {
        self.run(|par| bls::batch_verify(triples, dst, randomness, par))
    }
}
