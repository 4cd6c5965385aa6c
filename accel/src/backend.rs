//! The backend interface: the unchecked core that every backend implements.
//!
//! Callers use [`crate::Accel`], which checks lengths and sizes once and then calls a
//! backend; backends may assume those preconditions.

use std::fmt;

use ark_bn254::{Fr, G1Affine, G1Projective};
use blst::{blst_p1, blst_p1_affine, blst_p2, blst_p2_affine};
use serde::{Deserialize, Serialize};

use crate::PreparedBases;

/// Which implementation runs an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// rayon + run-time detected CPU features; always built.
    Cpu,
    /// NVIDIA GPUs.
    Cuda,
}

impl BackendKind {
    /// All backends, in a fixed order.
    pub const ALL: [BackendKind; 2] = [BackendKind::Cpu, BackendKind::Cuda];

    /// The lowercase name used in flags, logs, metrics and profiles.
    pub const fn name(self) -> &'static str {
        match self {
            BackendKind::Cpu => "cpu",
            BackendKind::Cuda => "cuda",
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The operations of the layer, as named in metrics, benches and the hardware profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// MSM over BN254 G1.
    Msm,
    /// Many MSMs over shared BN254 G1 bases.
    MsmBatch,
    /// Many MSMs over bases prepared once ([`crate::PreparedBases`]).
    MsmBatchPrepared,
    /// NTT (any direction, plain or coset) over BN254 Fr.
    Ntt,
    /// Many NTTs of one size over BN254 Fr.
    NttBatch,
    /// NTT over BN254 G1 points.
    EcNtt,
    /// Point-wise products of G1 points with scalars.
    EcScale,
    /// Sum of BLS12-381 G1 points.
    BlsSumG1,
    /// Sum of BLS12-381 G2 points.
    BlsSumG2,
    /// Random-linear-combination batch verification of BLS signatures.
    BlsBatchVerify,
}

impl Op {
    /// All operations, in a fixed order.
    pub const ALL: [Op; 10] = [
        Op::Msm,
        Op::MsmBatch,
        Op::MsmBatchPrepared,
        Op::Ntt,
        Op::NttBatch,
        Op::EcNtt,
        Op::EcScale,
        Op::BlsSumG1,
        Op::BlsSumG2,
        Op::BlsBatchVerify,
    ];

    /// The snake_case name used in metrics and profiles.
    pub const fn name(self) -> &'static str {
        match self {
            Op::Msm => "msm",
            Op::MsmBatch => "msm_batch",
            Op::MsmBatchPrepared => "msm_batch_prepared",
            Op::Ntt => "ntt",
            Op::NttBatch => "ntt_batch",
            Op::EcNtt => "ec_ntt",
            Op::EcScale => "ec_scale",
            Op::BlsSumG1 => "bls_sum_g1",
            Op::BlsSumG2 => "bls_sum_g2",
            Op::BlsBatchVerify => "bls_batch_verify",
        }
    }

    /// Parses a name produced by [`Op::name`].
    pub fn from_name(name: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.name() == name)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Direction of a transform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NttDirection {
    /// Coefficients to evaluations.
    Forward,
    /// Evaluations to coefficients.
    Inverse,
}

/// Where an NTT evaluates: the subgroup itself or a coset `offset · H`.
///
/// Matches arkworks' `Radix2EvaluationDomain::new(n)` (no offset) and
/// `.get_coset(offset)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Coset {
    /// The multiplicative subgroup `H` of size `n`.
    #[default]
    None,
    /// The coset `offset · H`; the offset must be non-zero.
    Offset(Fr),
}

/// One BLS signature to check: public key in G1, signature in G2 (min-pk).
#[derive(Clone, Copy, Debug)]
pub struct BlsTriple<'a> {
    /// The signer's public key; callers validate keys when they enter a stake table.
    pub public_key: blst_p1_affine,
    /// The signed message (hashed to G2 with the caller's domain separation tag).
    pub message: &'a [u8],
    /// The signature; checked for subgroup membership during verification.
    pub signature: blst_p2_affine,
}

/// The unchecked core of a backend. [`crate::Accel`] validates inputs first.
pub trait Backend: Send + Sync + fmt::Debug {
    /// Which backend this is.
    fn kind(&self) -> BackendKind;

    /// `Σ scalars[i]·bases[i]`; `bases.len() == scalars.len()`.
    fn msm(&self, bases: &[G1Affine], scalars: &[Fr]) -> G1Projective;

    /// One MSM per scalar vector, vector `j` over `bases[..scalars[j].len()]`.
    fn msm_batch(&self, bases: &[G1Affine], scalars: &[&[Fr]]) -> Vec<G1Projective>;

    /// Precomputes whatever this backend keeps for `prepared` (nothing by default).
    fn prepare(&self, prepared: &PreparedBases) {
        let _ = prepared;
    }

    /// [`Backend::msm_batch`] over prepared bases; by default over the bases as they are.
    fn msm_batch_prepared(&self, prepared: &PreparedBases, scalars: &[&[Fr]]) -> Vec<G1Projective> {
        self.msm_batch(prepared.bases(), scalars)
    }

    /// In-place NTT; `values.len()` is a power of two no larger than `2^MAX_LOG_NTT`.
    fn ntt(&self, values: &mut [Fr], direction: NttDirection, coset: Coset);

    /// In-place NTTs of vectors that all have the same valid length.
    fn ntt_batch(&self, batch: &mut [&mut [Fr]], direction: NttDirection, coset: Coset);

    /// In-place NTT over G1 points (subgroup only); valid power-of-two length.
    fn ec_ntt(&self, points: &mut [G1Projective], direction: NttDirection);

    /// `points[i] ← scalars[i]·points[i]`; equal lengths.
    fn ec_scale(&self, points: &mut [G1Projective], scalars: &[Fr]);

    /// Sum of BLS12-381 G1 points (public-key aggregation).
    fn bls_sum_g1(&self, points: &[blst_p1_affine]) -> blst_p1;

    /// Sum of BLS12-381 G2 points (signature aggregation).
    fn bls_sum_g2(&self, points: &[blst_p2_affine]) -> blst_p2;

    /// Random-linear-combination batch verification; `triples` is non-empty.
    /// `randomness` holds one non-zero 64-bit weight per triple.
    fn bls_batch_verify(&self, triples: &[BlsTriple<'_>], dst: &[u8], randomness: &[u64]) -> bool;
}
