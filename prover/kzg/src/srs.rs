//! The structured reference string: powers of a secret `τ` in G1 and G2.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup, ScalarMul, pairing::Pairing};
use ark_ff::{FftField, Field, UniformRand, Zero};
use doppio_accel::{Accel, Coset, NttDirection};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::{
    error::{KzgError, PtauError},
    kzg::{CommitKey, VerifierKey},
    ptau,
};

/// Where an SRS came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SrsOrigin {
    /// [`Srs::insecure_dev`]: `τ` is derived from a public seed, so anyone can forge
    /// proofs and open commitments to anything. Tests and demos only.
    InsecureDev {
        /// The seed `τ` was derived from.
        seed: u64,
    },
    /// A Powers-of-Tau ceremony file.
    Ptau {
        /// The file.
        path: PathBuf,
        /// Its power (it holds `2^power` G2 powers).
        power: u32,
    },
}

/// Powers `[τ^i]₁` for `i ≤ max_degree` and `[1]₂, [τ]₂`.
#[derive(Clone, Debug)]
pub struct Srs {
    g1: Arc<[G1Affine]>,
    g2: [G2Affine; 2],
    origin: SrsOrigin,
}

impl Srs {
    /// A deterministic SRS whose secret is derived from `seed`: **insecure** — whoever
    /// knows the seed knows `τ`. Logged loudly; never use it in production.
    pub fn insecure_dev(max_degree: usize, seed: u64) -> Srs {
        tracing::warn!(
            max_degree,
            seed,
            "using an INSECURE development SRS: its secret is derived from a public seed; \
             never use it outside tests and demos"
        );
        let tau = dev_tau(seed);
        let mut powers = Vec::with_capacity(max_degree + 1);
        let mut p = Fr::ONE;
        for _ in 0..=max_degree {
            powers.push(p);
            p *= tau;
        }
        let g1 = G1Projective::generator().batch_mul(&powers);
        let g2 = [G2Affine::generator(), (G2Projective::generator() * tau).into_affine()];
        Srs { g1: g1.into(), g2, origin: SrsOrigin::InsecureDev { seed } }
    }

    /// Loads powers up to `max_degree` from a Powers-of-Tau file in the snarkjs format
    /// (for example the published `powersOfTau28_hez_final_NN.ptau` files) and checks
    /// them: canonical coordinates, points of the prime-order subgroups, the generators
    /// first, and successive powers of one secret (a random-linear-combination pairing
    /// check whose MSMs run on `accel`).
    pub fn from_ptau(path: &Path, max_degree: usize, accel: &Accel) -> Result<Srs, PtauError> {
        let powers = ptau::read(path, max_degree + 1, 2)?;
        if powers.g1.len() < max_degree + 1 {
            return Err(PtauError::TooSmall {
                needed: max_degree + 1,
                available: powers.g1.len(),
                power: powers.power,
            });
        }
        let g2 = [powers.g2[0], powers.g2[1]];
        check_powers(&powers.g1, &g2, accel)?;
        tracing::info!(path = %path.display(), power = powers.power, max_degree, "loaded SRS");
        let origin = SrsOrigin::Ptau { path: path.to_owned(), power: powers.power };
        Ok(Srs { g1: powers.g1.into(), g2, origin })
    }

    /// The largest polynomial degree this SRS commits to.
    pub fn max_degree(&self) -> usize {
        self.g1.len() - 1
    }

    /// Where the SRS came from.
    pub fn origin(&self) -> &SrsOrigin {
        &self.origin
    }

    /// Whether this is a development SRS with a publicly known secret.
    pub fn is_insecure(&self) -> bool {
        matches!(self.origin, SrsOrigin::InsecureDev { .. })
    }

    /// `[τ^i]₁` for `i ≤ max_degree`.
    pub fn powers_g1(&self) -> &[G1Affine] {
        &self.g1
    }

    /// `[1]₂` and `[τ]₂`.
    pub fn powers_g2(&self) -> &[G2Affine; 2] {
        &self.g2
    }

    /// A key committing to polynomials of degree at most `degree`, its bases prepared
    /// on `accel` for batched commitments.
    pub fn commit_key(&self, degree: usize, accel: &Accel) -> Result<CommitKey, KzgError> {
        if degree > self.max_degree() {
            return Err(KzgError::SrsTooSmall {
                degree,
                needed: degree + 1,
                available: self.g1.len(),
            });
        }
        Ok(CommitKey::new(accel.prepare_bases(self.g1[..=degree].to_vec())))
    }

    /// `[Lᵢ(τ)]₁` for `i < n`: the Lagrange basis of the domain of the `n`-th roots of
    /// unity (`ω = Fr::get_root_of_unity(n)`, `Lᵢ(ωʲ) = [i = j]`), so that
    /// `Σ eᵢ·[Lᵢ(τ)]₁` commits to the polynomial of degree below `n` that takes the values
    /// `e` on the domain, without transforming them, and zero or small values cost
    /// the MSM little. A dev SRS computes it from its secret; a `.ptau` file gives it when
    /// it was prepared for phase 2 (section 12) and it is checked against the powers
    /// here (a random combination of the basis against the same combination's
    /// coefficients on the powers, two MSMs of `n` on `accel`). `None` for a file
    /// without the section.
    ///
    /// `n` must be a power of two of at most `max_degree + 1`
    /// ([`KzgError::SrsTooSmall`] otherwise); a basis that cannot be read or does not
    /// match the powers is [`KzgError::LagrangeBasis`].
    pub fn lagrange_basis(
        &self,
        n: usize,
        accel: &Accel,
    ) -> Result<Option<Vec<G1Affine>>, KzgError> {
        let refuse = |reason: String| KzgError::LagrangeBasis { domain: n, reason };
        let Some(omega) = n.is_power_of_two().then(|| Fr::get_root_of_unity(n as u64)).flatten()
        else {
            return Err(refuse("the domain size is not a power of two of BN254 Fr".into()));
        };
        if n > self.g1.len() {
            return Err(KzgError::SrsTooSmall {
                degree: n - 1,
                needed: n,
                available: self.g1.len(),
            });
        }
        match &self.origin {
            // Derived from the secret the powers were: nothing to check.
            SrsOrigin::InsecureDev { seed } => Ok(Some(dev_lagrange(dev_tau(*seed), omega, n))),
            SrsOrigin::Ptau { path, .. } => {
                let Some(basis) =
                    ptau::read_lagrange(path, n).map_err(|e| refuse(e.to_string()))?
                else {
                    return Ok(None);
                };
                check_lagrange(&self.g1[..n], &basis, accel).map_err(refuse)?;
                Ok(Some(basis))
            }
        }
    }

    /// The key that verifies openings.
    pub fn verifier_key(&self) -> VerifierKey {
        VerifierKey { g: self.g1[0], h: self.g2[0], tau_h: self.g2[1] }
    }
}

fn dev_tau(seed: u64) -> Fr {
    Fr::rand(&mut ChaCha20Rng::seed_from_u64(seed))
}

/// `Lᵢ(τ) = ωⁱ·(τⁿ − 1) / (n·(τ − ωⁱ))` times the generator.
fn dev_lagrange(tau: Fr, omega: Fr, n: usize) -> Vec<G1Affine> {
    let mut points = Vec::with_capacity(n);
    let mut w = Fr::ONE;
    for _ in 0..n {
        points.push(w);
        w *= omega;
    }
    let zh = tau.pow([n as u64]) - Fr::ONE;
    let scalars: Vec<Fr> = if zh.is_zero() {
        // τ is itself a root of unity: Lᵢ(τ) is 1 at that root and 0 elsewhere.
        points.iter().map(|&w| if w == tau { Fr::ONE } else { Fr::zero() }).collect()
    } else {
        let mut denominators: Vec<Fr> = points.iter().map(|&w| tau - w).collect();
        ark_ff::batch_inversion(&mut denominators);
        let scale = zh * Fr::from(n as u64).inverse().expect("n < r");
        points.iter().zip(&denominators).map(|(&w, &d)| w * d * scale).collect()
    };
    G1Projective::generator().batch_mul(&scalars)
}

/// Checks `basis[i] = [Lᵢ(τ)]₁` against `powers[j] = [τʲ]₁` (`j < n`): for random
/// values `ρ`, `Σ ρᵢ·basis[i]` must equal `Σ cⱼ·powers[j]` with `c` the coefficients of
/// the polynomial taking the values `ρ` on the domain.
fn check_lagrange(powers: &[G1Affine], basis: &[G1Affine], accel: &Accel) -> Result<(), String> {
    let mut rng = ChaCha20Rng::from_entropy();
    let rho: Vec<Fr> = (0..basis.len()).map(|_| Fr::rand(&mut rng)).collect();
    let mut coeffs = rho.clone();
    accel.ntt(&mut coeffs, NttDirection::Inverse, Coset::None).map_err(|e| e.to_string())?;
    let by_basis = accel.msm(basis, &rho).map_err(|e| e.to_string())?;
    let by_powers = accel.msm(powers, &coeffs).map_err(|e| e.to_string())?;
    if by_basis != by_powers {
        return Err("the points are not the Lagrange basis of the powers of tau".into());
    }
    Ok(())
}

/// Checks that `g1[i] = [τ^i]₁` and `g2 = [1]₂, [τ]₂` for one `τ`.
fn check_powers(g1: &[G1Affine], g2: &[G2Affine; 2], accel: &Accel) -> Result<(), PtauError> {
    if g1[0] != G1Affine::generator() || g2[0] != G2Affine::generator() {
        return Err(PtauError::Inconsistent("the first powers are not the generators"));
    }
    if g1.len() < 2 {
        return Ok(());
    }
    // e(Σ ρ_i·[τ^(i+1)]₁, [1]₂) = e(Σ ρ_i·[τ^i]₁, [τ]₂) for random ρ: every step multiplies by τ.
    let mut rng = ChaCha20Rng::from_entropy();
    let rho: Vec<Fr> = (1..g1.len()).map(|_| Fr::rand(&mut rng)).collect();
    let high = accel.msm(&g1[1..], &rho)?;
    let low = accel.msm(&g1[..g1.len() - 1], &rho)?;
    if high.is_zero() || low.is_zero() {
        return Err(PtauError::Inconsistent("a combination of the powers is the identity"));
    }
    let check = Bn254::multi_pairing([high.into_affine(), -low.into_affine()], [g2[0], g2[1]]);
    if !check.is_zero() {
        return Err(PtauError::Inconsistent(
            "G1 powers are not successive powers of the G2 secret",
        ));
    }
    Ok(())
}
