//! KZG commitments, openings and their verification, with the MSMs on the
//! acceleration layer.

use std::sync::Arc;

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup, pairing::Pairing};
use ark_ff::Zero;
use doppio_accel::{Accel, PreparedBases};

use crate::error::KzgError;

/// Commits to polynomials given by their coefficients (lowest degree first).
#[derive(Clone, Debug)]
pub struct CommitKey {
    bases: Arc<PreparedBases>,
}

/// Verifies openings: `[1]₁`, `[1]₂` and `[τ]₂`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    /// The G1 generator.
    pub g: G1Affine,
    /// The G2 generator.
    pub h: G2Affine,
    /// `[τ]₂`.
    pub tau_h: G2Affine,
}

/// The value of a polynomial at a point and the proof of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opening {
    /// `p(z)`.
    pub value: Fr,
    /// `[(p(X) − p(z)) / (X − z)]₁`.
    pub proof: G1Affine,
}

impl CommitKey {
    pub(crate) fn new(bases: PreparedBases) -> Self {
        CommitKey { bases: Arc::new(bases) }
    }

    /// A key over powers `[τ^i]₁` kept elsewhere (a serialised proving key holds its own
    /// copy), its bases prepared on `accel`. The caller vouches for the powers: they are
    /// not checked against an SRS here.
    pub fn from_powers(accel: &Accel, powers: Vec<G1Affine>) -> Self {
        CommitKey::new(accel.prepare_bases(powers))
    }

    /// The largest degree this key commits to.
    pub fn max_degree(&self) -> usize {
        self.bases.len().saturating_sub(1)
    }

    /// `[τ^i]₁` for `i ≤ max_degree`.
    pub fn powers(&self) -> &[G1Affine] {
        self.bases.bases()
    }

    fn check(&self, len: usize) -> Result<(), KzgError> {
        if len > self.bases.len() {
            return Err(KzgError::SrsTooSmall {
                degree: len - 1,
                needed: len,
                available: self.bases.len(),
            });
        }
        Ok(())
    }

    /// `[p(τ)]₁`.
    pub fn commit(&self, accel: &Accel, coeffs: &[Fr]) -> Result<G1Affine, KzgError> {
        self.check(coeffs.len())?;
        Ok(accel.msm(&self.powers()[..coeffs.len()], coeffs)?.into_affine())
    }

    /// Commitments to many polynomials at once (one batched MSM over shared bases).
    pub fn commit_batch(&self, accel: &Accel, polys: &[&[Fr]]) -> Result<Vec<G1Affine>, KzgError> {
        if let Some(p) = polys.iter().max_by_key(|p| p.len()) {
            self.check(p.len())?;
        }
        let sums = accel.msm_batch_prepared(&self.bases, polys)?;
        Ok(G1Projective::normalize_batch(&sums))
    }

    /// Opens `p` at `point`.
    pub fn open(&self, accel: &Accel, coeffs: &[Fr], point: Fr) -> Result<Opening, KzgError> {
        self.check(coeffs.len())?;
        let (quotient, value) = divide_by_linear(coeffs, point);
        let proof = self.commit(accel, &quotient)?;
        Ok(Opening { value, proof })
    }
}

/// `(q, p(z))` with `p(X) = q(X)·(X − z) + p(z)` (synthetic division).
pub fn divide_by_linear(coeffs: &[Fr], z: Fr) -> (Vec<Fr>, Fr) {
    let Some((&top, rest)) = coeffs.split_last() else { return (Vec::new(), Fr::zero()) };
    let mut quotient = vec![Fr::zero(); rest.len()];
    let mut acc = top;
    for (i, &c) in rest.iter().enumerate().rev() {
        quotient[i] = acc;
        acc = c + z * acc;
    }
    (quotient, acc)
}

impl VerifierKey {
    /// Whether `opening` proves `p(point) = opening.value` for the `p` committed to.
    ///
    /// Checks `e(C − v·[1]₁ + z·π, [1]₂) = e(π, [τ]₂)`, which is
    /// `e(C − [v]₁, [1]₂) = e(π, [τ − z]₂)` without a G2 scalar multiplication.
    pub fn verify(&self, commitment: &G1Affine, point: Fr, opening: &Opening) -> bool {
        let lhs = commitment.into_group() - self.g * opening.value + opening.proof * point;
        let pairing = Bn254::multi_pairing(
            [lhs.into_affine(), (-opening.proof.into_group()).into_affine()],
            [self.h, self.tau_h],
        );
        pairing.is_zero()
    }
}
