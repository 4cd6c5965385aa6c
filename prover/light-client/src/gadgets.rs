//! Circuit gadgets for the light-client circuit, over `doppio-plonk`: circomlib Poseidon,
//! computing exactly [`crate::poseidon::hash`] and [`crate::poseidon::hash_with_capacity`]
//! inside a circuit, the stake-table commitment [`crate::state::sponge_commit`], and the
//! Schnorr signature check of [`crate::schnorr`].

use ark_bn254::Fr;
use ark_ec::{AffineRepr, twisted_edwards::TECurveConfig};
use ark_ed_on_bn254::{EdwardsAffine, EdwardsConfig};
use ark_ff::{BigInteger, Field, One, PrimeField, Zero};
use doppio_plonk::{
    Circuit, CircuitError, MAX_QUINARY_DIGITS, PointVariable, QuinaryDigit, Selectors, Variable,
    quinary_digits,
};

use crate::{
    poseidon::{self, FULL_ROUNDS, MAX_INPUTS, PARTIAL_ROUNDS, PoseidonError},
    schnorr::{
        CHALLENGE_BITS, CHALLENGE_HIGH_BOUND, MAX_MESSAGE_LEN, SchnorrSignature, challenge_halves,
        challenge_tag,
    },
    state::SPONGE_RATE,
};

/// Why a gadget could not be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GadgetError {
    /// The circuit refused a variable.
    #[error(transparent)]
    Circuit(#[from] CircuitError),
    /// Poseidon's input count.
    #[error(transparent)]
    Poseidon(#[from] PoseidonError),
    /// A signed message longer than the scheme allows.
    #[error("a signed message has at most {max} elements, got {len}")]
    MessageTooLong {
        /// Elements given.
        len: usize,
        /// [`MAX_MESSAGE_LEN`].
        max: usize,
    },
}

/// One term of a sum: `lin·v + sbox·v⁵`. Only a sum's first term may have an S-box (the
/// gate raises `w₀` alone to the fifth power).
#[derive(Clone, Copy)]
struct Term {
    var: Variable,
    lin: Fr,
    sbox: Fr,
}

impl Term {
    fn linear(var: Variable, lin: Fr) -> Term {
        Term { var, lin, sbox: Fr::zero() }
    }

    fn value(&self, c: &Circuit) -> Result<Fr, CircuitError> {
        let v = c.value(self.var)?;
        Ok(self.lin * v + self.sbox * v.pow([5]))
    }
}

/// `Σ terms + constant` in chained gates: four terms in the first gate (the first term's
/// S-box on `w₀`), then three per gate with the running sum on the fourth wire; the
/// constant goes into the last gate.
fn sum(c: &mut Circuit, terms: &[Term], constant: Fr) -> Result<Variable, CircuitError> {
    debug_assert!(terms.iter().skip(1).all(|t| t.sbox.is_zero()), "S-box on the first term only");
    let mut acc: Option<Variable> = None;
    let mut rest = terms;
    loop {
        let room = if acc.is_some() { 3 } else { 4 };
        let (now, later) = rest.split_at(rest.len().min(room));
        let mut wires = [c.zero(); 5];
        let mut sel = Selectors::default();
        let mut total = Fr::zero();
        for (slot, t) in now.iter().enumerate() {
            (wires[slot], sel.q_lc[slot]) = (t.var, t.lin);
            total += t.value(c)?;
        }
        if acc.is_none() {
            sel.q_hash = now.first().map_or(Fr::zero(), |t| t.sbox);
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

/// A linear combination `Σ kᵢ·vᵢ + constant` of circuit variables, kept symbolic until
/// a gate needs it as one variable.
#[derive(Clone, Default)]
struct Lc {
    terms: Vec<(Variable, Fr)>,
    constant: Fr,
}

impl Lc {
    fn of(v: Variable) -> Lc {
        Lc { terms: vec![(v, Fr::one())], constant: Fr::zero() }
    }

    fn constant(k: Fr) -> Lc {
        Lc { terms: vec![], constant: k }
    }

    /// The sum's terms, for [`sum`].
    fn linear_terms(&self) -> Vec<Term> {
        self.terms.iter().map(|&(v, k)| Term::linear(v, k)).collect()
    }

    /// `self += k·other`, merging the terms of shared variables.
    fn add_scaled(&mut self, other: &Lc, k: Fr) {
        for &(v, c) in &other.terms {
            match self.terms.iter_mut().find(|(w, _)| *w == v) {
                Some((_, d)) => *d += k * c,
                None => self.terms.push((v, k * c)),
            }
        }
        self.constant += k * other.constant;
    }

    /// `Σ kᵢ·partsᵢ`.
    fn combine<'a>(parts: impl IntoIterator<Item = (&'a Lc, Fr)>) -> Lc {
        let mut out = Lc::default();
        parts.into_iter().for_each(|(l, k)| out.add_scaled(l, k));
        out
    }

    /// A variable holding the value: the variable itself for `1·v`, else a chained sum.
    fn materialize(&self, c: &mut Circuit) -> Result<Variable, CircuitError> {
        let terms: Vec<Term> = self
            .terms
            .iter()
            .filter(|(_, k)| !k.is_zero())
            .map(|&(v, k)| Term::linear(v, k))
            .collect();
        match terms.as_slice() {
            [] => Ok(c.constant(self.constant)),
            [t] if t.lin.is_one() && self.constant.is_zero() => Ok(t.var),
            _ => sum(c, &terms, self.constant),
        }
    }
}

/// circomlib `Poseidon(n)` of `inputs` (1 ≤ n ≤ 16) inside `c`, equal to
/// [`poseidon::hash`] on the inputs' values: [`poseidon_hash_with_capacity`] with a zero
/// capacity.
pub fn poseidon_hash(c: &mut Circuit, inputs: &[Variable]) -> Result<Variable, GadgetError> {
    let zero = c.zero();
    poseidon_hash_with_capacity(c, zero, inputs)
}

/// Element 0 of the permutation of `[capacity, inputs…]` (1 ≤ n ≤ 16 inputs) inside `c`,
/// equal to [`poseidon::hash_with_capacity`] on the values.
///
/// Widths up to four: each state variable already holds the next round's constants
/// (folded into the gates that compute it), a full round first raises elements
/// `1 … t − 1` to the fifth power (a gate each; element 0's S-box stays in the first
/// gate of each sum), and every round costs one gate per output
/// (`t + 8(t − 1) + (R − 1)·t + 1` gates for `R` rounds: 212 for `t = 3`, 281 for `t = 4`).
///
/// Wider states (the message digest's): the state is kept as linear combinations; a
/// full round materialises each element (a chained sum) and raises it to the fifth
/// power, and the partial rounds run in the sparse basis of `poseidon::sparse`: per
/// round one element materialised and one S-box, the others updated symbolically and
/// materialised every third round (about seven gates per partial round instead of
/// `t·⌈(t − 1)/3⌉`).
pub fn poseidon_hash_with_capacity(
    c: &mut Circuit,
    capacity: Variable,
    inputs: &[Variable],
) -> Result<Variable, GadgetError> {
    if inputs.is_empty() {
        return Err(PoseidonError::NoInputs.into());
    }
    if inputs.len() > MAX_INPUTS {
        return Err(PoseidonError::TooManyInputs { len: inputs.len(), max: MAX_INPUTS }.into());
    }
    let start: Vec<Lc> =
        std::iter::once(capacity).chain(inputs.iter().copied()).map(Lc::of).collect();
    if start.len() > 4 {
        return Ok(poseidon_sparse(c, start)?);
    }
    Ok(permute_dense(c, &start, 1)?[0])
}

/// The dense permutation (width `t = start.len()`, 2 ≤ t ≤ 4) of the state whose element
/// `i` is the value of `start[i]`; the first `outputs` elements of the result.
///
/// The first gates add the round constants, so a linear combination in `start` (a
/// sponge's state plus the absorbed chunk) costs nothing extra while it fits one gate
/// (four terms). The last round computes only the `outputs` elements asked for: one gate
/// each.
fn permute_dense(
    c: &mut Circuit,
    start: &[Lc],
    outputs: usize,
) -> Result<Vec<Variable>, CircuitError> {
    let t = start.len();
    debug_assert!((2..=4).contains(&t) && (1..=t).contains(&outputs));
    let (rc, mds) = poseidon::parameters(t);
    let partial = PARTIAL_ROUNDS[t - 2];
    let rounds = FULL_ROUNDS + partial;
    let mut state = Vec::with_capacity(t);
    for (i, lc) in start.iter().enumerate() {
        state.push(sum(c, &lc.linear_terms(), lc.constant + rc[i])?);
    }
    for round in 0..rounds {
        let full = round < FULL_ROUNDS / 2 || round >= FULL_ROUNDS / 2 + partial;
        let last = round + 1 == rounds;
        if full {
            for v in state.iter_mut().skip(1) {
                *v = c.pow5(*v)?;
            }
        }
        let mut next = Vec::with_capacity(t);
        for (i, row) in mds.iter().enumerate().take(if last { outputs } else { t }) {
            let mut terms: Vec<Term> =
                state.iter().zip(row).map(|(&var, &m)| Term::linear(var, m)).collect();
            terms[0] = Term { var: state[0], lin: Fr::zero(), sbox: row[0] };
            let constant = if last { Fr::zero() } else { rc[(round + 1) * t + i] };
            next.push(sum(c, &terms, constant)?);
        }
        state = next;
    }
    Ok(state)
}

/// [`poseidon_hash_with_capacity`] for widths above four (see there), from the state
/// `[capacity, inputs…]`.
fn poseidon_sparse(c: &mut Circuit, mut state: Vec<Lc>) -> Result<Variable, CircuitError> {
    let t = state.len();
    let (rc, mds) = poseidon::parameters(t);
    let partial = PARTIAL_ROUNDS[t - 2];
    let plan = poseidon::sparse_plan(t);
    let half = FULL_ROUNDS / 2;
    let full_round = |c: &mut Circuit, state: &mut Vec<Lc>, round: usize| {
        let mut ys = Vec::with_capacity(t);
        for (i, s) in state.iter_mut().enumerate() {
            s.constant += rc[round * t + i];
            let x = s.materialize(c)?;
            ys.push(Lc::of(c.pow5(x)?));
        }
        *state = mds.iter().map(|row| Lc::combine(ys.iter().zip(row.iter().copied()))).collect();
        Ok::<_, CircuitError>(())
    };
    for round in 0..half {
        full_round(c, &mut state, round)?;
    }
    // The partial rounds in the sparse basis: u = state at first (P₀ = I).
    let mut u = state;
    for round in &plan.rounds {
        let v: Vec<Lc> = u
            .iter()
            .zip(&round.constants)
            .map(|(l, k)| Lc { terms: l.terms.clone(), constant: l.constant + k })
            .collect();
        let x = v[0].materialize(c)?;
        let y = Lc::of(c.pow5(x)?);
        let first = Lc::combine(
            std::iter::once((&y, plan.corner)).chain(v[1..].iter().zip(round.row.iter().copied())),
        );
        u = std::iter::once(first)
            .chain(v[1..].iter().zip(&round.column).map(|(l, k)| {
                let mut l = l.clone();
                l.add_scaled(&y, *k);
                l
            }))
            .collect();
        // Elements 1… gain one S-box output per round: materialise them once they fill a
        // gate, so element 0's sum stays within four gates.
        if u[1..].iter().any(|l| l.terms.len() >= 4) {
            for l in u[1..].iter_mut() {
                *l = Lc::of(l.materialize(c)?);
            }
        }
    }
    let mut state = vec![u[0].clone()];
    state.extend(plan.back.iter().map(|row| Lc::combine(u[1..].iter().zip(row.iter().copied()))));
    for round in half + partial..FULL_ROUNDS + partial {
        full_round(c, &mut state, round)?;
    }
    state[0].materialize(c)
}

/// Base-5 digits of a Schnorr response `s` (least significant first): the scalar field
/// of ed-on-BN254 is below `5^109` (its modulus has 251 bits).
const SCALAR_DIGITS: usize = MAX_QUINARY_DIGITS;

/// A Schnorr signature held in circuit variables.
#[derive(Clone, Debug)]
pub struct SignatureVariables {
    /// The commitment `R`.
    pub r: PointVariable,
    /// The response `s` as constrained base-5 digits, least significant first.
    pub s_digits: Vec<QuinaryDigit>,
}

/// Adds `sig` to `c`: `R` as a point, `s` as 109 constrained base-5 digits.
pub fn signature_witness(c: &mut Circuit, sig: &SchnorrSignature) -> SignatureVariables {
    let (r, s) = (sig.r(), sig.s().into_bigint());
    SignatureVariables {
        r: c.point_witness(r.x, r.y),
        s_digits: quinary_digits(&s.0, SCALAR_DIGITS)
            .into_iter()
            .map(|d| c.quinary_digit(Fr::from(d)))
            .collect(),
    }
}

/// A padding entry's signature: `R` the identity, `s = 0`; the same gates as
/// [`signature_witness`], so the circuit's shape does not depend on who signed.
pub fn padding_signature_witness(c: &mut Circuit) -> SignatureVariables {
    SignatureVariables {
        r: c.point_witness(Fr::zero(), Fr::one()),
        s_digits: (0..SCALAR_DIGITS).map(|_| c.quinary_digit(Fr::zero())).collect(),
    }
}

/// [`crate::state::sponge_commit`] inside a circuit: per chunk of three elements one
/// dense width-4 permutation, the chunk added to the state in the gates that add the
/// first round constants. 284 gates per chunk (all four outputs), 281 for the last.
pub fn sponge_commit(c: &mut Circuit, elements: &[Variable]) -> Result<Variable, GadgetError> {
    let len = Fr::from(elements.len() as u64);
    let mut state = vec![Lc::constant(len), Lc::default(), Lc::default(), Lc::default()];
    let chunks: Vec<&[Variable]> =
        if elements.is_empty() { vec![&[]] } else { elements.chunks(SPONGE_RATE).collect() };
    let mut out = Vec::new();
    for (k, chunk) in chunks.iter().enumerate() {
        for (s, &e) in state[1..].iter_mut().zip(chunk.iter()) {
            s.add_scaled(&Lc::of(e), Fr::one());
        }
        let outputs = if k + 1 == chunks.len() { 1 } else { state.len() };
        out = permute_dense(c, &state, outputs)?;
        state = out.iter().copied().map(Lc::of).collect();
    }
    Ok(out[0])
}

/// Constrains `p` to lie on ed-on-BN254: `a·x² + y² = 1 + d·x²y²` (three gates).
pub fn enforce_on_curve(c: &mut Circuit, p: PointVariable) -> Result<(), CircuitError> {
    let (a, d) = (EdwardsConfig::COEFF_A, EdwardsConfig::COEFF_D);
    let x2 = c.mul(p.x, p.x)?;
    let y2 = c.mul(p.y, p.y)?;
    let zero = c.zero();
    let sel = Selectors {
        q_lc: [a, Fr::one(), Fr::zero(), Fr::zero()],
        q_mul: [-d, Fr::zero()],
        q_c: -Fr::one(),
        ..Default::default()
    };
    c.gate([x2, y2, zero, zero, zero], sel)
}

/// Base-5 digits of the challenge hash's high half `hi`: the bound
/// ([`CHALLENGE_HIGH_BOUND`]) is `5^54`.
const HIGH_DIGITS: usize = 54;
const _: () = assert!(CHALLENGE_HIGH_BOUND == 5u128.pow(HIGH_DIGITS as u32));

/// Boolean witnesses for the low `n` bits of `value`, least significant first.
fn bits_of(c: &mut Circuit, value: Fr, n: usize) -> Vec<Variable> {
    let repr = value.into_bigint();
    (0..n).map(|i| c.bool_witness(repr.get_bit(i))).collect()
}

/// The challenge of the hash `h` ([`crate::schnorr::challenge_of_hash`]): its low half
/// `lo` as 128 boolean variables (least significant first), the split
/// `h = lo + 2^128·hi` constrained to be the canonical one.
///
/// `lo` is 128 booleans and `hi` is built from 54 base-5 digits, so as integers
/// `0 ≤ hi < 5^54` and `lo + 2^128·hi < 2^128·5^54 < p`: the integer below `p` equal to
/// `h`, of which there is one. (A "negative" `hi`, a field element near `p`, has no
/// 54-digit form, so `h − p` gives no second split; neither does `h + p`, whose high
/// half is at least `⌊p / 2^128⌋ > 5^54`.) 298 rows (128 + 43 for `lo`, 108 + 18 for
/// `hi`, 1 link); a hash whose `hi` is not below `5^54` has no satisfying witness.
pub fn challenge_bits(c: &mut Circuit, h: Variable) -> Result<Vec<Variable>, CircuitError> {
    let (lo, hi) = challenge_halves(c.value(h)?);
    challenge_bits_with(c, h, lo, Fr::from(hi))
}

/// [`challenge_bits`] with the prover's split `(lo, hi)` given (tests forge it).
fn challenge_bits_with(
    c: &mut Circuit,
    h: Variable,
    lo: u128,
    hi: Fr,
) -> Result<Vec<Variable>, CircuitError> {
    let lo_bits = bits_of(c, Fr::from(lo), CHALLENGE_BITS);
    let (hi, _) = c.quinary_witness(hi, HIGH_DIGITS)?;
    let whole = c.shift_in_bits(hi, &lo_bits)?;
    c.enforce_equal(whole, h)?;
    Ok(lo_bits)
}

/// The message digest [`crate::schnorr::message_digest`], `Poseidon(TAG, m…)`, inside a
/// circuit: computed once for all the signatures on one message.
pub fn message_digest(c: &mut Circuit, message: &[Variable]) -> Result<Variable, GadgetError> {
    if message.len() > MAX_MESSAGE_LEN {
        return Err(GadgetError::MessageTooLong { len: message.len(), max: MAX_MESSAGE_LEN });
    }
    let tag = c.constant(challenge_tag());
    let inputs: Vec<Variable> = std::iter::once(tag).chain(message.iter().copied()).collect();
    poseidon_hash(c, &inputs)
}

/// Constrains `sig` to be a valid Schnorr signature by `pk` on the message whose
/// [`message_digest`] is `digest` when the boolean `enabled` is 1, exactly as
/// [`crate::schnorr::SchnorrVerKey::verify`] checks it: `R` on the curve,
/// `h` = element 0 of the width-3 permutation of `[digest, R.x, PK.x]`, split into its
/// unique halves `lo + 2^128·hi` with `hi < 5^54` ([`challenge_bits`]), then
/// `s·G = R + lo·PK` with the whole `R`. When `enabled` is 0 only `R`'s curve membership
/// is enforced, so padding entries carry any on-curve point (the identity): the split is
/// then of `enabled·h = 0`, which always has one. `pk` is trusted to be a point of the
/// prime-order subgroup (stake-table keys are validated when registered), which is what
/// lets the hash take `PK.x` alone (see [`crate::schnorr`]).
pub fn schnorr_verify_if(
    c: &mut Circuit,
    enabled: Variable,
    pk: PointVariable,
    digest: Variable,
    sig: &SignatureVariables,
) -> Result<(), GadgetError> {
    enforce_on_curve(c, sig.r)?;
    let h = poseidon_hash_with_capacity(c, digest, &[sig.r.x, pk.x])?;
    let h = c.mul(enabled, h)?;
    let c_bits = challenge_bits(c, h)?;
    let lhs = c.ecc_fixed_base_mul(&sig.s_digits, &EdwardsAffine::generator())?;
    let c_pk = c.ecc_scalar_mul(&c_bits, pk)?;
    let rhs = c.ecc_add(sig.r, c_pk)?;
    let sel = Selectors { q_mul: [Fr::one(), -Fr::one()], ..Default::default() };
    let z = c.zero();
    for (l, r) in [(lhs.x, rhs.x), (lhs.y, rhs.y)] {
        // enabled·l − enabled·r = 0
        c.gate([enabled, l, enabled, r, z], sel)?;
    }
    Ok(())
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
            let gates = c.num_gates() - before;
            // The dense layout: one gate per output (t ≤ 4) or a chained sum per output.
            let per_output = if t <= 4 { 1 } else { 1 + (t - 4).div_ceil(3) };
            let dense = t + FULL_ROUNDS * (t - 1) + ((rounds - 1) * t + 1) * per_output;
            if t == 9 {
                // The old (V2) Schnorr challenge's width: 729 gates instead of 1,966.
                assert_eq!(gates, 729);
            }
            if t == 3 {
                // The challenge hash's width.
                assert_eq!(gates, 212);
            }
            if t <= 4 {
                assert_eq!(gates, dense, "n = {n}");
            } else {
                assert!(gates < dense, "n = {n}: {gates} gates, dense {dense}");
            }
        }
    }

    #[test]
    fn the_capacity_gadget_matches_the_native_hash_for_every_width() {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        for n in 1..=MAX_INPUTS {
            let values: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let capacity = Fr::rand(&mut rng);
            let mut c = Circuit::new();
            let cap = c.witness(capacity);
            let vars: Vec<Variable> = values.iter().map(|v| c.witness(*v)).collect();
            let h = poseidon_hash_with_capacity(&mut c, cap, &vars).unwrap();
            let native = poseidon::hash_with_capacity(capacity, &values).unwrap();
            assert_eq!(c.value(h).unwrap(), native, "n = {n}");
            assert_ne!(native, poseidon::hash(&values).unwrap(), "n = {n}");
            c.check_satisfied().unwrap();
            // The capacity is constrained: another value breaks the circuit.
            c.set_value(cap, capacity + Fr::one()).unwrap();
            assert!(c.check_satisfied().is_err(), "n = {n}");
        }
        let mut c = Circuit::new();
        let one = c.one();
        assert_eq!(
            poseidon_hash_with_capacity(&mut c, one, &[]),
            Err(GadgetError::Poseidon(PoseidonError::NoInputs))
        );
    }

    #[test]
    fn the_sponge_gadget_matches_the_native_commitment() {
        let mut rng = ChaCha20Rng::seed_from_u64(12);
        for len in [0usize, 1, 2, 3, 4, 7, 400] {
            let values: Vec<Fr> = (0..len).map(|_| Fr::rand(&mut rng)).collect();
            let mut c = Circuit::new();
            let vars: Vec<Variable> = values.iter().map(|v| c.witness(*v)).collect();
            let before = c.num_gates();
            let comm = sponge_commit(&mut c, &vars).unwrap();
            assert_eq!(c.value(comm).unwrap(), crate::state::sponge_commit(&values), "len {len}");
            c.check_satisfied().unwrap();
            // 284 gates per chunk of three (281 for the last, whose last round computes
            // element 0 alone), the empty list one chunk.
            let chunks = len.div_ceil(SPONGE_RATE).max(1);
            assert_eq!(c.num_gates() - before, 284 * (chunks - 1) + 281, "len {len}");
            if let Some(&first) = vars.first() {
                c.set_value(first, values[0] + Fr::one()).unwrap();
                assert!(c.check_satisfied().is_err(), "len {len}");
            }
        }
    }

    fn signed(seed: u8, message: &[Fr]) -> (crate::SchnorrVerKey, SchnorrSignature) {
        let key = crate::SchnorrSigningKey::from_seed(&[seed; 32]).unwrap();
        (key.ver_key(), key.sign(message).unwrap())
    }

    /// A circuit checking `sig` by `pk` on `message` (all as witnesses), enabled or not,
    /// and the gates of the check itself (after the digest and the witnesses).
    fn verify_circuit_gates(
        pk: &crate::SchnorrVerKey,
        message: &[Fr],
        sig: &SchnorrSignature,
        enabled: bool,
    ) -> (Circuit, usize) {
        let mut c = Circuit::new();
        let e = c.bool_witness(enabled);
        let p = pk.point();
        let pkv = c.point_witness(p.x, p.y);
        let m: Vec<Variable> = message.iter().map(|v| c.witness(*v)).collect();
        let digest = message_digest(&mut c, &m).unwrap();
        assert_eq!(c.value(digest).unwrap(), crate::schnorr::message_digest(message).unwrap());
        let before = c.num_gates();
        let sv = signature_witness(&mut c, sig);
        schnorr_verify_if(&mut c, e, pkv, digest, &sv).unwrap();
        let gates = c.num_gates() - before;
        (c, gates)
    }

    fn verify_circuit(
        pk: &crate::SchnorrVerKey,
        message: &[Fr],
        sig: &SchnorrSignature,
        enabled: bool,
    ) -> Circuit {
        verify_circuit_gates(pk, message, sig, enabled).0
    }

    #[test]
    fn valid_signatures_satisfy_the_gadget_and_others_do_not() {
        let state = [Fr::from(7u64), Fr::from(42u64), Fr::from(99u64)];
        let (pk, sig) = signed(1, &state);
        pk.verify(&state, &sig).unwrap();
        let (c, gates) = verify_circuit_gates(&pk, &state, &sig, true);
        c.check_satisfied().unwrap();
        // A signature over another state, by another key, or with another response.
        let other_state = [Fr::from(8u64), Fr::from(42u64), Fr::from(99u64)];
        assert!(verify_circuit(&pk, &other_state, &sig, true).check_satisfied().is_err());
        let (other_pk, other_sig) = signed(2, &state);
        assert!(verify_circuit(&other_pk, &state, &sig, true).check_satisfied().is_err());
        assert!(verify_circuit(&pk, &state, &other_sig, true).check_satisfied().is_err());
        // Disabled (a padding entry), a bad signature is not checked.
        verify_circuit(&other_pk, &state, &sig, false).check_satisfied().unwrap();
        // R on the curve 3, the challenge hash (width 3) 212, enabled·h 1, the
        // challenge's split 298 (base-5 high half), s's 109 base-5 digits 218 and s·G
        // 434 (base-5 windows), c·PK 640 (2-bit windows over 128 bits), R + c·PK 2, the
        // two gated equalities 2: 1,810 per signature (2,768 with V2's width-9 hash of R,
        // PK and the message, booleans for s and hi, bitwise c·PK).
        assert_eq!(gates, 1_810);
        // Too long a message for the digest.
        let mut c = Circuit::new();
        let long = vec![c.one(); MAX_MESSAGE_LEN + 1];
        assert_eq!(
            message_digest(&mut c, &long),
            Err(GadgetError::MessageTooLong { len: MAX_MESSAGE_LEN + 1, max: MAX_MESSAGE_LEN })
        );
    }

    #[test]
    fn a_signature_proof_verifies() {
        let state = [Fr::from(1u64), Fr::from(2u64), Fr::from(3u64)];
        let (pk, sig) = signed(3, &state);
        let c = verify_circuit(&pk, &state, &sig, true);
        let accel = Accel::cpu().unwrap();
        let srs = Srs::insecure_dev(doppio_plonk::srs_degree(c.domain_size()), 5);
        let (prover_key, vk) = preprocess(&srs, &c, &accel).unwrap();
        let proof = prove(&accel, &prover_key, &c, &mut ChaCha20Rng::seed_from_u64(4)).unwrap();
        verify(&vk, &[], &proof).unwrap();
    }

    /// `2^128` as a field element.
    fn two_128() -> Fr {
        Fr::from(u128::MAX) + Fr::one()
    }

    /// A circuit splitting the hash `h` with the witness `(lo, hi)`.
    fn split_circuit(h: Fr, split: Option<(u128, Fr)>) -> Circuit {
        let mut c = Circuit::new();
        let hv = c.witness(h);
        let bits = match split {
            Some((lo, hi)) => challenge_bits_with(&mut c, hv, lo, hi).unwrap(),
            None => challenge_bits(&mut c, hv).unwrap(),
        };
        assert_eq!(bits.len(), CHALLENGE_BITS);
        c
    }

    #[test]
    fn only_the_canonical_split_below_the_bound_satisfies() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let bound = Fr::from(CHALLENGE_HIGH_BOUND);
        let largest = bound * two_128() - Fr::one(); // hi = 5^54 − 1, lo = 2^128 − 1
        let mut checked = 0;
        for h in [Fr::zero(), Fr::one(), Fr::rand(&mut rng), Fr::rand(&mut rng), largest] {
            if crate::schnorr::challenge_of_hash(h).is_err() {
                continue; // a random h with hi ≥ 5^54: probability about 14%
            }
            let c = split_circuit(h, None);
            c.check_satisfied().unwrap();
            assert_eq!(c.num_gates() - Circuit::new().num_gates(), 298);
            checked += 1;
        }
        assert!(checked >= 3);
        // Hashes whose high half is the bound or above have no satisfying split.
        for (h, high) in [
            (bound * two_128(), CHALLENGE_HIGH_BOUND),
            (bound * two_128() + Fr::from(u128::MAX), CHALLENGE_HIGH_BOUND),
            (-Fr::one(), challenge_halves(-Fr::one()).1),
        ] {
            assert!(split_circuit(h, None).check_satisfied().is_err(), "{h}");
            let (lo, hi) = challenge_halves(h);
            assert_eq!(hi, high);
            assert!(split_circuit(h, Some((lo, Fr::from(hi)))).check_satisfied().is_err());
        }
        // h + p as the integer: hi ≥ p >> 128 > 5^54 (the upper bound catches it).
        let h = Fr::from(5u64);
        let (p_lo, p_hi_int) = challenge_halves(Fr::zero() - Fr::one()); // p − 1
        let (lo, carry) = (p_lo + 1).overflowing_add(5);
        let forged_hi = Fr::from(p_hi_int) + Fr::from(carry as u64);
        assert_eq!(Fr::from(lo) + two_128() * forged_hi, h);
        assert!(split_circuit(h, Some((lo, forged_hi))).check_satisfied().is_err());
        // h − p as the integer, i.e. a "negative" hi: no 54-digit form.
        let h = -Fr::from(1u64); // h − p = −1 = (2^128 − 1) + 2^128·(−1)
        let (lo, hi) = (u128::MAX, -Fr::one());
        assert_eq!(Fr::from(lo) + two_128() * hi, h);
        assert!(split_circuit(h, Some((lo, hi))).check_satisfied().is_err());
        // The same for a hash that has a valid split: the largest, whose h − p split has
        // hi = 5^54 − 1 − (p >> 128), negative.
        let (p_lo_minus_1, p_hi_int) = challenge_halves(-Fr::one());
        let (h_lo, h_hi) = challenge_halves(largest);
        let lo = h_lo - (p_lo_minus_1 + 1);
        let hi = Fr::from(h_hi) - Fr::from(p_hi_int);
        assert_eq!(Fr::from(lo) + two_128() * hi, largest);
        assert!(split_circuit(largest, Some((lo, hi))).check_satisfied().is_err());
        split_circuit(largest, Some((h_lo, Fr::from(h_hi)))).check_satisfied().unwrap();
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
        let srs = Srs::insecure_dev(doppio_plonk::srs_degree(c.domain_size()), 5);
        let (pk, vk) = preprocess(&srs, &c, &accel).unwrap();
        let proof = prove(&accel, &pk, &c, &mut rng).unwrap();
        verify(&vk, &[digest], &proof).unwrap();
        assert!(verify(&vk, &[digest + Fr::one()], &proof).is_err());
        c.set_value(public, digest + Fr::one()).unwrap();
        let err = c.check_satisfied().unwrap_err();
        assert!(matches!(err, CircuitError::GateUnsatisfied { kind: GateKind::Equal, .. }));
    }
}
