//! The verifier: replays the transcript, builds the linearisation commitment and checks
//! both openings with one two-pairing product.

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM, pairing::Pairing};
use ark_ff::{Field, One, Zero, batch_inversion};

use crate::{
    circuit::{NUM_SELECTORS, NUM_WIRES},
    error::PlonkError,
    keys::VerifyingKey,
    poly::root_of_unity,
    prover::{Challenges, Proof, linearisation},
    transcript::Transcript,
};

/// The transcript's challenges, replayed from a proof.
pub(crate) struct Replayed {
    pub(crate) ch: Challenges,
    pub(crate) v: Fr,
    pub(crate) u: Fr,
}

/// Replays the Fiat–Shamir transcript of `proof` (the order is documented in the README).
pub(crate) fn replay(vk: &VerifyingKey, inputs: &[Fr], proof: &Proof) -> Replayed {
    let mut t = Transcript::new(vk.digest());
    t.append_fields(inputs);
    t.append_points(&proof.wire_comms);
    let beta = t.challenge();
    let gamma = t.challenge();
    t.append_point(&proof.z_comm);
    let alpha = t.challenge();
    t.append_points(&proof.quotient_comms);
    let zeta = t.challenge();
    t.append_fields(&proof.wire_evals);
    t.append_fields(&proof.sigma_evals);
    t.append_field(&proof.z_shift_eval);
    let v = t.challenge();
    t.append_point(&proof.opening);
    t.append_point(&proof.shift_opening);
    let u = t.challenge();
    Replayed { ch: Challenges { beta, gamma, alpha, zeta }, v, u }
}

/// The transcript's challenges `[β, γ, α, ζ, v, u]` for `proof` and `public_inputs`, as
/// the verifier replays them (for comparison with other verifiers, such as the Solidity
/// one). Returns [`PlonkError::PublicInputCount`] when the key expects another number of
/// inputs.
pub fn challenges(
    vk: &VerifyingKey,
    public_inputs: &[Fr],
    proof: &Proof,
) -> Result<[Fr; 6], PlonkError> {
    if public_inputs.len() as u64 != vk.num_inputs {
        return Err(PlonkError::PublicInputCount {
            expected: vk.num_inputs as usize,
            got: public_inputs.len(),
        });
    }
    let Replayed { ch, v, u } = replay(vk, public_inputs, proof);
    Ok([ch.beta, ch.gamma, ch.alpha, ch.zeta, v, u])
}

/// `Lᵢ(ζ) = ωⁱ·(ζⁿ − 1) / (n·(ζ − ωⁱ))` for `i < count` (at least `L₀`).
fn lagrange(n: usize, omega: Fr, zeta: Fr, zh: Fr, count: usize) -> Vec<Fr> {
    let mut points = Vec::with_capacity(count.max(1));
    let mut w = Fr::one();
    for _ in 0..count.max(1) {
        points.push(w);
        w *= omega;
    }
    let mut denoms: Vec<Fr> = points.iter().map(|w| Fr::from(n as u64) * (zeta - w)).collect();
    batch_inversion(&mut denoms);
    points.iter().zip(denoms).map(|(w, d)| *w * zh * d).collect()
}

/// Checks `proof` for `public_inputs` against `vk`.
///
/// Returns [`PlonkError::InvalidProof`] when the proof does not verify, and
/// [`PlonkError::PublicInputCount`] or [`PlonkError::MalformedKey`] for inputs that do
/// not fit the key.
pub fn verify(vk: &VerifyingKey, public_inputs: &[Fr], proof: &Proof) -> Result<(), PlonkError> {
    let n = vk.check_shape()?;
    if public_inputs.len() as u64 != vk.num_inputs {
        return Err(PlonkError::PublicInputCount {
            expected: vk.num_inputs as usize,
            got: public_inputs.len(),
        });
    }
    let Replayed { ch, v, u } = replay(vk, public_inputs, proof);
    let zeta = ch.zeta;
    let zh = zeta.pow([n as u64]) - Fr::one();
    if zh.is_zero() {
        return Err(PlonkError::InvalidProof("the evaluation point lies in the domain"));
    }
    let omega = root_of_unity(n);
    let lag = lagrange(n, omega, zeta, zh, public_inputs.len());
    let pi: Fr = public_inputs.iter().zip(&lag).map(|(x, l)| *x * l).sum();
    let l0 = lag[0];
    let (w, s) = (&proof.wire_evals, &proof.sigma_evals);
    let lin = linearisation(n, &vk.k, &ch, w, s, proof.z_shift_eval, l0);
    // r(ζ) = −c₀: the constant part of the constraint at ζ (the output's −w̄₄ included).
    let c0 = pi
        - w[NUM_WIRES - 1]
        - ch.alpha.square() * l0
        - ch.alpha * proof.z_shift_eval * lin.sigma_product * (w[NUM_WIRES - 1] + ch.gamma);
    let zeta_omega = zeta * omega;

    let mut bases: Vec<G1Affine> = Vec::with_capacity(NUM_SELECTORS + 20);
    let mut scalars: Vec<Fr> = Vec::with_capacity(NUM_SELECTORS + 20);
    let mut push = |b: G1Affine, s: Fr| {
        bases.push(b);
        scalars.push(s);
    };
    vk.selector_comms.iter().zip(lin.selectors).for_each(|(b, s)| push(*b, s));
    push(proof.z_comm, lin.z + u);
    push(vk.sigma_comms[NUM_WIRES - 1], lin.sigma_last);
    push(proof.quotient_comms[0], lin.quotient[0]);
    push(proof.quotient_comms[1], lin.quotient[1]);
    // Batched at ζ with powers of v: r, w₀ … w₄, σ₀ … σ₃.
    let mut value = -c0;
    let mut power = Fr::one();
    let opened = proof.wire_comms.iter().chain(&vk.sigma_comms[..NUM_WIRES - 1]);
    for (comm, eval) in opened.zip(w.iter().chain(s)) {
        power *= v;
        push(*comm, power);
        value += power * eval;
    }
    value += u * proof.z_shift_eval;
    push(proof.opening, zeta);
    push(proof.shift_opening, u * zeta_omega);
    push(vk.g, -value);
    let rhs = G1Projective::msm(&bases, &scalars).expect("bases and scalars have equal lengths");
    let lhs = proof.opening.into_group() + proof.shift_opening * u;
    // e(W + u·W', [τ]₂) = e(F − E + ζ·W + uζω·W', [1]₂)
    let check = Bn254::multi_pairing([lhs.into_affine(), (-rhs).into_affine()], [vk.tau_h, vk.h]);
    if !check.is_zero() {
        return Err(PlonkError::InvalidProof("the pairing check failed"));
    }
    Ok(())
}
