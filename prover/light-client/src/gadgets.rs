//! Circuit gadgets for the light-client circuit, over `doppio-plonk`: circomlib Poseidon,
//! computing exactly [`crate::poseidon::hash`] inside a circuit.

use ark_bn254::Fr;
use ark_ff::{Field, One, Zero};
use doppio_plonk::{Circuit, CircuitError, Selectors, Variable};

use crate::poseidon::{self, FULL_ROUNDS, MAX_INPUTS, PARTIAL_ROUNDS, PoseidonError};

/// Why a gadget could not be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GadgetError {
    /// The circuit refused a variable.
    #[error(transparent)]
    Circuit(#[from] CircuitError),
    /// Poseidon's input count.
    #[error(transparent)]
    Poseidon(#[from] PoseidonError),
}

/// One term of a sum: `lin·v + sbox·v⁵`.
#[derive(Clone, Copy)]
struct Term {
    var: Variable,
    lin: Fr,
    sbox: Fr,
}

impl Term {
    fn value(&self, c: &Circuit) -> Result<Fr, CircuitError> {
        let v = c.value(self.var)?;
        Ok(self.lin * v + self.sbox * v.pow([5]))
    }
}

/// `Σ terms + constant` in chained gates: four terms in the first gate, then three per
/// gate with the running sum on the fourth wire; the constant goes into the last gate.
fn sum(c: &mut Circuit, terms: &[Term], constant: Fr) -> Result<Variable, CircuitError> {
    let mut acc: Option<Variable> = None;
    let mut rest = terms;
    loop {
        let room = if acc.is_some() { 3 } else { 4 };
        let (now, later) = rest.split_at(rest.len().min(room));
        let mut wires = [c.zero(); 5];
        let mut sel = Selectors { q_o: Fr::one(), ..Default::default() };
        let mut total = Fr::zero();
        for (slot, t) in now.iter().enumerate() {
            (wires[slot], sel.q_lc[slot], sel.q_hash[slot]) = (t.var, t.lin, t.sbox);
            total += t.value(c)?;
        }
        if let Some(a) = acc {
            (wires[3], sel.q_lc[3]) = (a, Fr::one());
            total += c.value(a)?;
        }
        if later.is_empty() {
            sel.q_c = constant;
            total += constant;
        }
        let out = c.witness(total);
        wires[4] = out;
        c.gate(wires, sel)?;
        if later.is_empty() {
            return Ok(out);
        }
        (acc, rest) = (Some(out), later);
    }
}

/// circomlib `Poseidon(n)` of `inputs` (1 ≤ n ≤ 16) inside `c`, equal to
/// [`poseidon::hash`] on the inputs' values.
///
/// Each state variable already holds the next round's constants (folded into the gates
/// that compute it), so a round costs one chained sum per output: `⌈(t − 1)/3⌉` gates
/// for width `t` (three for `t = 9`, the Schnorr challenge), and the last round computes
/// only the output element.
pub fn poseidon_hash(c: &mut Circuit, inputs: &[Variable]) -> Result<Variable, GadgetError> {
    if inputs.is_empty() {
        return Err(PoseidonError::NoInputs.into());
    }
    if inputs.len() > MAX_INPUTS {
        return Err(PoseidonError::TooManyInputs { len: inputs.len(), max: MAX_INPUTS }.into());
    }
    let t = inputs.len() + 1;
    let (rc, mds) = poseidon::parameters(t);
    let partial = PARTIAL_ROUNDS[t - 2];
    let rounds = FULL_ROUNDS + partial;
    let first: Vec<Variable> = std::iter::once(c.zero()).chain(inputs.iter().copied()).collect();
    let mut state = Vec::with_capacity(t);
    for (i, &v) in first.iter().enumerate() {
        state.push(sum(c, &[Term { var: v, lin: Fr::one(), sbox: Fr::zero() }], rc[i])?);
    }
    for round in 0..rounds {
        let full = round < FULL_ROUNDS / 2 || round >= FULL_ROUNDS / 2 + partial;
        let last = round + 1 == rounds;
        let mut next = Vec::with_capacity(t);
        for (i, row) in mds.iter().enumerate().take(if last { 1 } else { t }) {
            let terms: Vec<Term> = state
                .iter()
                .zip(row)
                .enumerate()
                .map(|(j, (&var, &m))| match full || j == 0 {
                    true => Term { var, lin: Fr::zero(), sbox: m },
                    false => Term { var, lin: m, sbox: Fr::zero() },
                })
                .collect();
            let constant = if last { Fr::zero() } else { rc[(round + 1) * t + i] };
            next.push(sum(c, &terms, constant)?);
        }
        state = next;
    }
    Ok(state[0])
}

#[cfg(test)]
mod tests {
    use ark_ff::UniformRand;
    use doppio_accel::Accel;
    use doppio_kzg::Srs;
    use doppio_plonk::{GateKind, preprocess, prove, verify};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    use super::*;

    #[test]
    fn the_gadget_matches_the_native_hash_for_every_width() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for n in 1..=MAX_INPUTS {
            let values: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let mut c = Circuit::new();
            let vars: Vec<Variable> = values.iter().map(|v| c.witness(*v)).collect();
            let before = c.num_gates();
            let h = poseidon_hash(&mut c, &vars).unwrap();
            assert_eq!(c.value(h).unwrap(), poseidon::hash(&values).unwrap(), "n = {n}");
            c.check_satisfied().unwrap();
            let t = n + 1;
            let rounds = FULL_ROUNDS + PARTIAL_ROUNDS[t - 2];
            let per_output = if t <= 4 { 1 } else { 1 + (t - 4).div_ceil(3) };
            assert_eq!(c.num_gates() - before, t + ((rounds - 1) * t + 1) * per_output, "n = {n}");
        }
    }

    #[test]
    fn input_counts_are_checked() {
        let mut c = Circuit::new();
        assert_eq!(poseidon_hash(&mut c, &[]), Err(GadgetError::Poseidon(PoseidonError::NoInputs)));
        let many = vec![c.one(); MAX_INPUTS + 1];
        assert_eq!(
            poseidon_hash(&mut c, &many),
            Err(GadgetError::Poseidon(PoseidonError::TooManyInputs { len: 17, max: 16 }))
        );
    }

    #[test]
    fn a_hash_preimage_proof_verifies_and_a_wrong_digest_is_caught() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let values = [Fr::rand(&mut rng), Fr::rand(&mut rng)];
        let digest = poseidon::hash(&values).unwrap();
        let mut c = Circuit::new();
        let public = c.public_input(digest);
        let vars: Vec<Variable> = values.iter().map(|v| c.witness(*v)).collect();
        let h = poseidon_hash(&mut c, &vars).unwrap();
        c.enforce_equal(h, public).unwrap();
        let accel = Accel::cpu().unwrap();
        let srs = Srs::insecure_dev(c.domain_size() + 2, 5);
        let (pk, vk) = preprocess(&srs, &c, &accel).unwrap();
        let proof = prove(&accel, &pk, &c, &mut rng).unwrap();
        verify(&vk, &[digest], &proof).unwrap();
        assert!(verify(&vk, &[digest + Fr::one()], &proof).is_err());
        c.set_value(public, digest + Fr::one()).unwrap();
        let err = c.check_satisfied().unwrap_err();
        assert!(matches!(err, CircuitError::GateUnsatisfied { kind: GateKind::Equal, .. }));
    }
}
