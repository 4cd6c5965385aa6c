//! The circuit builder: variables, gates over five wires, public inputs, gadgets, and a
//! satisfiability checker that names the first failing gate.
//!
//! Every gate checks
//!
//! ```text
//! Σᵢ q_lcᵢ·wᵢ + q_mul₀·w₀w₁ + q_mul₁·w₂w₃ + q_hash·w₀⁵ + q_ecc·w₀w₁w₂w₃w₄ + q_c + PI − w₄ = 0
//! ```
//!
//! over the wires `w₀ … w₄` (`w₄` is the output wire, `i < 4` in the sum). The output
//! has no selector of its own: a gate that outputs nothing holds the zero variable on
//! `w₄`. Nine selectors, each a commitment the verifier multiplies (on the EVM, one
//! ecMul each, 6,000 gas), so the gate keeps only those the circuits need. Wires hold
//! variables; two wires holding one variable are a copy constraint. Public inputs take
//! the first rows, one per input, whatever order the builder was called in.

use std::{
    collections::HashMap,
    fmt,
    hash::{BuildHasherDefault, Hasher},
};

use ark_bn254::Fr;
use ark_ec::{AffineRepr, CurveGroup, twisted_edwards::TECurveConfig};
use ark_ed_on_bn254::{EdwardsAffine, EdwardsConfig, EdwardsProjective};
use ark_ff::{BigInteger, Field, One, PrimeField, Zero};
use rayon::prelude::*;

/// Wires per gate: four inputs and an output.
pub const NUM_WIRES: usize = 5;

/// Selectors per gate, in the order of [`Selectors::to_array`].
pub const NUM_SELECTORS: usize = 9;

/// Errors of the circuit builder and the satisfiability checker.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CircuitError {
    /// A variable that this circuit did not create.
    #[error("variable {index} does not exist (the circuit has {count})")]
    UnknownVariable {
        /// The variable's index.
        index: usize,
        /// How many variables the circuit has.
        count: usize,
    },
    /// A gate's equation does not hold for the witness.
    #[error("gate {index} ({kind}) is not satisfied")]
    GateUnsatisfied {
        /// The gate's row (public-input rows first).
        index: usize,
        /// What the gate was built for.
        kind: GateKind,
    },
    /// A range check wider than the field.
    #[error("a range check of {bits} bits is wider than the field ({max} bits at most)")]
    RangeTooWide {
        /// Bits asked for.
        bits: usize,
        /// The widest supported check.
        max: usize,
    },
    /// A base-5 range check or scalar wider than the field.
    #[error("{digits} base-5 digits are wider than the field ({max} at most)")]
    QuinaryTooWide {
        /// Digits asked for.
        digits: usize,
        /// The most supported: `5^max < r`.
        max: usize,
    },
    /// A fragment ([`Circuit::fragment`]) with public inputs of its own: they must be the
    /// circuit's first rows, so only the circuit itself makes them.
    #[error("a fragment has {count} public inputs; only the circuit itself takes them")]
    PublicInputInFragment {
        /// Public inputs the fragment made.
        count: usize,
    },
}

/// A wire value: an index into the circuit's witness.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Variable(pub(crate) usize);

impl Variable {
    /// The variable's index in the witness.
    pub fn index(self) -> usize {
        self.0
    }
}

/// A point of ed-on-BN254 (twisted Edwards, affine) held in two variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PointVariable {
    /// The x coordinate.
    pub x: Variable,
    /// The y coordinate.
    pub y: Variable,
}

/// `p`, `2p` and the cross terms `Δ = 3p − 2p − p + O` (coordinate-wise) of a variable
/// base's 2-bit windows.
struct WindowTable {
    p1: PointVariable,
    p2: PointVariable,
    dx: Variable,
    dy: Variable,
}

/// A base-5 digit and its square, made by [`Circuit::quinary_digit`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuinaryDigit {
    /// The digit `d ∈ {0, 1, 2, 3, 4}`.
    pub d: Variable,
    /// `d²`.
    pub square: Variable,
}

/// The most base-5 digits a range check or a fixed-base scalar takes: `5^109 < r < 5^110`
/// (`r` the BN254 scalar field's modulus), so 109 digits accumulate without wrapping.
pub const MAX_QUINARY_DIGITS: usize = 109;

/// The low `n` base-5 digits of the integer with little-endian 64-bit `limbs`, least
/// significant first.
pub fn quinary_digits(limbs: &[u64], n: usize) -> Vec<u8> {
    let mut limbs = limbs.to_vec();
    (0..n)
        .map(|_| {
            let mut rem = 0u128;
            for l in limbs.iter_mut().rev() {
                let cur = (rem << 64) | u128::from(*l);
                *l = (cur / 5) as u64;
                rem = cur % 5;
            }
            rem as u8
        })
        .collect()
}

/// The selector values of one gate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Selectors {
    /// Linear coefficients of `w₀ … w₃`.
    pub q_lc: [Fr; 4],
    /// Coefficients of `w₀w₁` and `w₂w₃`.
    pub q_mul: [Fr; 2],
    /// Coefficient of `w₀⁵` (a Poseidon S-box).
    pub q_hash: Fr,
    /// The constant term.
    pub q_c: Fr,
    /// Coefficient of `w₀w₁w₂w₃w₄` (twisted Edwards addition).
    pub q_ecc: Fr,
}

impl Selectors {
    /// `q_lc₀..₃, q_mul₀..₁, q_hash, q_c, q_ecc`: the order of selector polynomials in
    /// keys, transcripts and the Solidity constants.
    pub fn to_array(&self) -> [Fr; NUM_SELECTORS] {
        let [l0, l1, l2, l3] = self.q_lc;
        let [m0, m1] = self.q_mul;
        [l0, l1, l2, l3, m0, m1, self.q_hash, self.q_c, self.q_ecc]
    }
}

/// Index of `q_hash` (the `w₀⁵` term) in [`Selectors::to_array`].
pub(crate) const SELECTOR_HASH: usize = 6;
/// Index of `q_ecc` (the `w₀w₁w₂w₃w₄` term) in [`Selectors::to_array`].
pub(crate) const SELECTOR_ECC: usize = 8;

/// The left side of the gate equation for selectors `q`, wire values `w` and public
/// input `pi`; terms with a zero selector are skipped.
pub(crate) fn gate_value(q: &[Fr; NUM_SELECTORS], w: &[Fr; NUM_WIRES], pi: Fr) -> Fr {
    let mut acc = pi + q[7] - w[4];
    for i in 0..4 {
        if !q[i].is_zero() {
            acc += q[i] * w[i];
        }
    }
    if !q[4].is_zero() {
        acc += q[4] * w[0] * w[1];
    }
    if !q[5].is_zero() {
        acc += q[5] * w[2] * w[3];
    }
    if !q[SELECTOR_HASH].is_zero() {
        acc += q[SELECTOR_HASH] * w[0].square().square() * w[0];
    }
    if !q[SELECTOR_ECC].is_zero() {
        acc += q[SELECTOR_ECC] * w[0] * w[1] * w[2] * w[3] * w[4];
    }
    acc
}

/// What a gate was built for; named by the satisfiability checker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GateKind {
    /// Binds a public input to its variable.
    PublicInput,
    /// Fixes a variable to a constant.
    Constant,
    /// `a + b`.
    Add,
    /// `a − b`.
    Sub,
    /// `a · b`.
    Mul,
    /// A linear combination of up to four variables.
    LinearCombination,
    /// `q₀·ab + q₁·cd`.
    MulAdd,
    /// `q·a⁵ + Σ qᵢ·xᵢ + c` (a Poseidon S-box).
    Power5,
    /// `a = b`.
    Equal,
    /// `a ∈ {0, 1}`.
    Boolean,
    /// One step of a range check's bit or digit accumulation.
    RangeAccumulate,
    /// `d·d = d²` for a base-5 digit `d`.
    DigitSquare,
    /// `d(d − 1)(d − 2)(d − 3)(d − 4) = 0`: `d` is a base-5 digit.
    QuinaryDigit,
    /// The x coordinate of a twisted Edwards addition.
    EdwardsAddX,
    /// The y coordinate of a twisted Edwards addition.
    EdwardsAddY,
    /// `b ? x : y`.
    Select,
    /// One coordinate of a fixed-base window's multiple, `v[d]` for a base-5 digit `d`.
    FixedBaseWindow,
    /// Built by [`Circuit::gate`] with caller-chosen selectors.
    Custom,
    /// Filling up to the domain size.
    Padding,
}

impl fmt::Display for GateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// One row of the circuit.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Gate {
    pub(crate) wires: [Variable; NUM_WIRES],
    pub(crate) selectors: Selectors,
    pub(crate) kind: GateKind,
}

/// A row as the circuit stores it: its selectors are an index into the circuit's table
/// of distinct selector sets. Circuits repeat a few thousand sets over hundreds of
/// thousands of rows (every signature's gadgets use the same constants), and a row of
/// nine inline selectors is 300 bytes: at capacity 200 the light-client circuit's rows
/// took 160 MB of fresh memory per proof, and the page faults cost more than building
/// the gates.
#[derive(Clone, Copy, Debug)]
struct StoredGate {
    wires: [Variable; NUM_WIRES],
    selectors: u32,
    kind: GateKind,
}

/// A selector set's Montgomery limbs, its key in the table.
type SelectorKey = [[u64; 4]; NUM_SELECTORS];

/// Multiply–rotate hashing of the limbs: the default SipHash costs more than the rest of
/// a gate's construction.
#[derive(Default)]
struct LimbHasher(u64);

impl Hasher for LimbHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

const ZERO: Variable = Variable(0);
const ONE: Variable = Variable(1);

/// Smallest domain: the quotient's degree bound needs `n ≥ 4`; 8 leaves room.
pub(crate) const MIN_DOMAIN: usize = 8;

/// A circuit under construction, holding its witness.
///
/// Variable 0 is fixed to zero and variable 1 to one; padding rows use the zero
/// variable. Methods that take variables check that they belong to this circuit.
#[derive(Clone, Debug)]
pub struct Circuit {
    values: Vec<Fr>,
    public_gates: Vec<StoredGate>,
    gates: Vec<StoredGate>,
    /// Distinct selector sets; entry 0 is the all-zero set.
    selector_sets: Vec<Selectors>,
    selector_ids: HashMap<SelectorKey, u32, BuildHasherDefault<LimbHasher>>,
    /// For a fragment: the parent's variables that its variables `2, 3, …` stand for.
    imports: Vec<Variable>,
}

/// Part of a circuit built apart from it, for instance on another thread, and then
/// added at its end with [`Circuit::append`]; made by [`Circuit::fragment`]. It builds
/// like a circuit (it dereferences to one), but it is not one to prove: its zero and
/// one variables are fixed by the parent's rows, not by its own.
#[derive(Clone, Debug)]
pub struct Fragment(Circuit);

impl std::ops::Deref for Fragment {
    type Target = Circuit;

    fn deref(&self) -> &Circuit {
        &self.0
    }
}

impl std::ops::DerefMut for Fragment {
    fn deref_mut(&mut self) -> &mut Circuit {
        &mut self.0
    }
}

/// Where an appended fragment's variables went in the circuit.
#[derive(Clone, Debug)]
pub struct Appended {
    imports: Vec<Variable>,
    offset: usize,
}

impl Appended {
    /// The circuit's variable for the fragment's variable `v`.
    pub fn var(&self, v: Variable) -> Variable {
        let k = self.imports.len();
        match v.0 {
            0 | 1 => v,
            i if i < 2 + k => self.imports[i - 2],
            i => Variable(self.offset + i - 2 - k),
        }
    }
}

impl Default for Circuit {
    fn default() -> Self {
        Self::new()
    }
}

impl Circuit {
    /// An empty circuit with its zero and one constants.
    pub fn new() -> Self {
        let mut c = Circuit::rowless(vec![]);
        c.push_constant_gate(ZERO, Fr::zero());
        c.push_constant_gate(ONE, Fr::one());
        c
    }

    /// No rows yet; variables 0 and 1 hold zero and one, then one per import (whose
    /// values the caller fills in); the all-zero selector set is entry 0 of the table.
    fn rowless(imports: Vec<Variable>) -> Self {
        let mut c = Circuit {
            values: vec![Fr::zero(), Fr::one()],
            public_gates: vec![],
            gates: vec![],
            selector_sets: vec![],
            selector_ids: HashMap::default(),
            imports,
        };
        c.selector_id(Selectors::default());
        c
    }

    /// An empty fragment of this circuit, to build apart and [`append`](Self::append)
    /// later: variable `imports[j]` of this circuit is the fragment's `j`-th returned
    /// variable, and the fragment's zero and one are this circuit's. Rows the circuit
    /// gains in the meantime come before the fragment's.
    pub fn fragment(
        &self,
        imports: &[Variable],
    ) -> Result<(Fragment, Vec<Variable>), CircuitError> {
        self.check(imports)?;
        let mut f = Circuit::rowless(imports.to_vec());
        f.values.extend(imports.iter().map(|v| self.values[v.0]));
        Ok((Fragment(f), (0..imports.len()).map(|j| Variable(2 + j)).collect()))
    }

    /// Adds `fragment`'s rows at the end of this circuit and its own variables (not the
    /// imported ones) to this circuit's; returns where its variables went.
    pub fn append(&mut self, fragment: Fragment) -> Result<Appended, CircuitError> {
        let f = fragment.0;
        if !f.public_gates.is_empty() {
            return Err(CircuitError::PublicInputInFragment { count: f.public_gates.len() });
        }
        self.check(&f.imports)?;
        let map = Appended { offset: self.values.len(), imports: f.imports };
        self.values.extend_from_slice(&f.values[2 + map.imports.len()..]);
        let ids: Vec<u32> = f.selector_sets.iter().map(|s| self.selector_id(*s)).collect();
        self.gates.extend(f.gates.iter().map(|g| StoredGate {
            wires: g.wires.map(|v| map.var(v)),
            selectors: ids[g.selectors as usize],
            kind: g.kind,
        }));
        Ok(map)
    }

    /// The variable fixed to zero.
    pub fn zero(&self) -> Variable {
        ZERO
    }

    /// The variable fixed to one.
    pub fn one(&self) -> Variable {
        ONE
    }

    /// Number of variables.
    pub fn num_variables(&self) -> usize {
        self.values.len()
    }

    /// Number of gates, public-input gates included, padding excluded.
    pub fn num_gates(&self) -> usize {
        self.public_gates.len() + self.gates.len()
    }

    /// Number of public inputs.
    pub fn num_public_inputs(&self) -> usize {
        self.public_gates.len()
    }

    /// The domain size the circuit is proved over: the gate count rounded up to a power
    /// of two, at least 8.
    pub fn domain_size(&self) -> usize {
        self.num_gates().max(MIN_DOMAIN).next_power_of_two()
    }

    /// The public inputs' values, in the order they were created.
    pub fn public_inputs(&self) -> Vec<Fr> {
        self.public_gates.iter().map(|g| self.values[g.wires[4].0]).collect()
    }

    /// The value a variable holds.
    pub fn value(&self, v: Variable) -> Result<Fr, CircuitError> {
        self.check(&[v])?;
        Ok(self.values[v.0])
    }

    /// Changes a variable's value without touching the gates: for tests and debugging
    /// of circuits (a broken witness is then named by [`Circuit::check_satisfied`]).
    pub fn set_value(&mut self, v: Variable, value: Fr) -> Result<(), CircuitError> {
        self.check(&[v])?;
        self.values[v.0] = value;
        Ok(())
    }

    /// A new private variable holding `value`, constrained by nothing yet.
    pub fn witness(&mut self, value: Fr) -> Variable {
        self.values.push(value);
        Variable(self.values.len() - 1)
    }

    /// A new public input holding `value`.
    pub fn public_input(&mut self, value: Fr) -> Variable {
        let v = self.witness(value);
        let wires = [ZERO, ZERO, ZERO, ZERO, v];
        let selectors = self.selector_id(Selectors::default());
        self.public_gates.push(StoredGate { wires, selectors, kind: GateKind::PublicInput });
        v
    }

    /// Adds a gate with caller-chosen selectors.
    pub fn gate(
        &mut self,
        wires: [Variable; NUM_WIRES],
        selectors: Selectors,
    ) -> Result<(), CircuitError> {
        self.check(&wires)?;
        self.push(wires, selectors, GateKind::Custom);
        Ok(())
    }

    fn check(&self, vars: &[Variable]) -> Result<(), CircuitError> {
        match vars.iter().find(|v| v.0 >= self.values.len()) {
            Some(v) => Err(CircuitError::UnknownVariable { index: v.0, count: self.values.len() }),
            None => Ok(()),
        }
    }

    fn push(&mut self, wires: [Variable; NUM_WIRES], selectors: Selectors, kind: GateKind) {
        let selectors = self.selector_id(selectors);
        self.gates.push(StoredGate { wires, selectors, kind });
    }

    /// The index of `selectors` in the table, added if new.
    fn selector_id(&mut self, selectors: Selectors) -> u32 {
        let key: SelectorKey = selectors.to_array().map(|f| f.0.0);
        let sets = &mut self.selector_sets;
        *self.selector_ids.entry(key).or_insert_with(|| {
            sets.push(selectors);
            u32::try_from(sets.len() - 1).expect("fewer than 2^32 distinct selector sets")
        })
    }

    fn push_constant_gate(&mut self, v: Variable, c: Fr) {
        let selectors = Selectors {
            q_lc: [Fr::one(), Fr::zero(), Fr::zero(), Fr::zero()],
            q_c: -c,
            ..Default::default()
        };
        self.push([v, ZERO, ZERO, ZERO, ZERO], selectors, GateKind::Constant);
    }

    /// A new variable fixed to `c`.
    pub fn constant(&mut self, c: Fr) -> Variable {
        let v = self.witness(c);
        self.push_constant_gate(v, c);
        v
    }

    /// Constrains `v` to equal `c`.
    pub fn enforce_constant(&mut self, v: Variable, c: Fr) -> Result<(), CircuitError> {
        self.check(&[v])?;
        self.push_constant_gate(v, c);
        Ok(())
    }

    /// `Σ coeffs[i]·vars[i]` in one gate.
    pub fn lc(&mut self, vars: [Variable; 4], coeffs: [Fr; 4]) -> Result<Variable, CircuitError> {
        self.lc_kind(vars, coeffs, Fr::zero(), GateKind::LinearCombination)
    }

    /// `Σ coeffs[i]·vars[i] + constant` in one gate of `kind`.
    fn lc_kind(
        &mut self,
        vars: [Variable; 4],
        coeffs: [Fr; 4],
        constant: Fr,
        kind: GateKind,
    ) -> Result<Variable, CircuitError> {
        self.check(&vars)?;
        let value = (0..4).map(|i| coeffs[i] * self.values[vars[i].0]).sum::<Fr>() + constant;
        let out = self.witness(value);
        let [a, b, c, d] = vars;
        let selectors = Selectors { q_lc: coeffs, q_c: constant, ..Default::default() };
        self.push([a, b, c, d, out], selectors, kind);
        Ok(out)
    }

    /// `a + b`.
    pub fn add(&mut self, a: Variable, b: Variable) -> Result<Variable, CircuitError> {
        let (one, zero) = (Fr::one(), Fr::zero());
        self.lc_kind([a, b, ZERO, ZERO], [one, one, zero, zero], zero, GateKind::Add)
    }

    /// `a − b`.
    pub fn sub(&mut self, a: Variable, b: Variable) -> Result<Variable, CircuitError> {
        let (one, zero) = (Fr::one(), Fr::zero());
        self.lc_kind([a, b, ZERO, ZERO], [one, -one, zero, zero], zero, GateKind::Sub)
    }

    /// `q[0]·a·b + q[1]·c·d` in one gate.
    pub fn mul_add(&mut self, vars: [Variable; 4], q: [Fr; 2]) -> Result<Variable, CircuitError> {
        self.mul_add_kind(vars, q, GateKind::MulAdd)
    }

    fn mul_add_kind(
        &mut self,
        vars: [Variable; 4],
        q: [Fr; 2],
        kind: GateKind,
    ) -> Result<Variable, CircuitError> {
        self.check(&vars)?;
        let w = vars.map(|v| self.values[v.0]);
        let out = self.witness(q[0] * w[0] * w[1] + q[1] * w[2] * w[3]);
        let [a, b, c, d] = vars;
        self.push([a, b, c, d, out], Selectors { q_mul: q, ..Default::default() }, kind);
        Ok(out)
    }

    /// `a · b`.
    pub fn mul(&mut self, a: Variable, b: Variable) -> Result<Variable, CircuitError> {
        self.mul_add_kind([a, b, ZERO, ZERO], [Fr::one(), Fr::zero()], GateKind::Mul)
    }

    /// `sbox·vars[0]⁵ + Σ lin[i]·vars[i] + constant` in one gate: a Poseidon S-box with
    /// up to four linear terms of the round's sums.
    pub fn pow5_lc(
        &mut self,
        vars: [Variable; 4],
        sbox: Fr,
        lin: [Fr; 4],
        constant: Fr,
    ) -> Result<Variable, CircuitError> {
        self.check(&vars)?;
        let value = sbox * self.values[vars[0].0].pow([5])
            + (0..4).map(|i| lin[i] * self.values[vars[i].0]).sum::<Fr>()
            + constant;
        let out = self.witness(value);
        let [a, b, c, d] = vars;
        let selectors = Selectors { q_hash: sbox, q_lc: lin, q_c: constant, ..Default::default() };
        self.push([a, b, c, d, out], selectors, GateKind::Power5);
        Ok(out)
    }

    /// `a⁵`.
    pub fn pow5(&mut self, a: Variable) -> Result<Variable, CircuitError> {
        let zero = Fr::zero();
        self.pow5_lc([a, ZERO, ZERO, ZERO], Fr::one(), [zero; 4], zero)
    }

    /// Constrains `a = b`.
    pub fn enforce_equal(&mut self, a: Variable, b: Variable) -> Result<(), CircuitError> {
        self.check(&[a, b])?;
        let q_lc = [Fr::one(), -Fr::one(), Fr::zero(), Fr::zero()];
        self.push(
            [a, b, ZERO, ZERO, ZERO],
            Selectors { q_lc, ..Default::default() },
            GateKind::Equal,
        );
        Ok(())
    }

    /// Constrains `a ∈ {0, 1}` (`a·a − a = 0`).
    pub fn enforce_bool(&mut self, a: Variable) -> Result<(), CircuitError> {
        self.check(&[a])?;
        self.push_bool_unchecked(a);
        Ok(())
    }

    /// A new boolean variable holding `bit`.
    pub fn bool_witness(&mut self, bit: bool) -> Variable {
        let v = self.witness(Fr::from(bit));
        self.push_bool_unchecked(v);
        v
    }

    fn push_bool_unchecked(&mut self, a: Variable) {
        let selectors = Selectors {
            q_lc: [-Fr::one(), Fr::zero(), Fr::zero(), Fr::zero()],
            q_mul: [Fr::one(), Fr::zero()],
            ..Default::default()
        };
        self.push([a, a, ZERO, ZERO, ZERO], selectors, GateKind::Boolean);
    }

    /// `bit ? x : y` for a boolean `bit` (not checked here): `bit·x − bit·y + y`.
    pub fn select(
        &mut self,
        bit: Variable,
        x: Variable,
        y: Variable,
    ) -> Result<Variable, CircuitError> {
        self.check(&[bit, x, y])?;
        let (b, vx, vy) = (self.values[bit.0], self.values[x.0], self.values[y.0]);
        let out = self.witness(b * vx - b * vy + vy);
        let selectors = Selectors {
            q_mul: [Fr::one(), -Fr::one()],
            q_lc: [Fr::zero(), Fr::zero(), Fr::zero(), Fr::one()],
            ..Default::default()
        };
        // Wires (bit, x, bit, y): q_mul₀·bit·x − q_mul₁·bit·y + w₃ = y.
        self.push([bit, x, bit, y, out], selectors, GateKind::Select);
        Ok(out)
    }

    /// Constrains `a < 2^bits` and returns its bits, least significant first.
    ///
    /// One boolean gate per bit and one accumulation gate per three bits. A value that
    /// does not fit makes the last accumulation gate fail, which the satisfiability
    /// checker reports. With 254 bits (the field's size) this is a decomposition, not a
    /// range check, and not a unique one: values below `2^254 − r` have a second,
    /// `a + r`; compare the bits with the modulus where uniqueness matters.
    pub fn range_check(&mut self, a: Variable, bits: usize) -> Result<Vec<Variable>, CircuitError> {
        let max = Fr::MODULUS_BIT_SIZE as usize;
        if bits > max {
            return Err(CircuitError::RangeTooWide { bits, max });
        }
        self.check(&[a])?;
        let repr = self.values[a.0].into_bigint();
        let bit_vars: Vec<Variable> =
            (0..bits).map(|i| self.bool_witness(repr.get_bit(i))).collect();
        let acc = self.shift_in_bits(ZERO, &bit_vars)?;
        self.enforce_equal(acc, a)?;
        Ok(bit_vars)
    }

    /// `2ⁿ·acc + Σᵢ bitsᵢ·2ⁱ` for the `n` `bits` (least significant first; their booleanity
    /// is the caller's): most significant first, three bits per gate,
    /// `acc' = 8·acc + 4·b₂ + 2·b₁ + b₀`.
    pub fn shift_in_bits(
        &mut self,
        acc: Variable,
        bits: &[Variable],
    ) -> Result<Variable, CircuitError> {
        self.shift_in_digits(acc, bits, 2)
    }

    /// `radixⁿ·acc + Σᵢ digitsᵢ·radixⁱ` for the `n` `digits` (least significant first),
    /// three per gate: `acc' = radix³·acc + radix²·d₂ + radix·d₁ + d₀`.
    fn shift_in_digits(
        &mut self,
        acc: Variable,
        digits: &[Variable],
        radix: u64,
    ) -> Result<Variable, CircuitError> {
        self.check(&[acc])?;
        self.check(digits)?;
        let radix = Fr::from(radix);
        let (mut acc, mut high) = (acc, digits.len());
        while high > 0 {
            let low = high.saturating_sub(3);
            let mut vars = [acc, ZERO, ZERO, ZERO];
            let mut coeffs = [radix.pow([(high - low) as u64]), Fr::zero(), Fr::zero(), Fr::zero()];
            for (slot, i) in (low..high).rev().enumerate() {
                vars[slot + 1] = digits[i];
                coeffs[slot + 1] = radix.pow([(i - low) as u64]);
            }
            acc = self.lc_kind(vars, coeffs, Fr::zero(), GateKind::RangeAccumulate)?;
            high = low;
        }
        Ok(acc)
    }

    /// A new base-5 digit holding `value`, in two rows: `d·d = d²` on wires
    /// `(d, d, 0, 0, d²)`, and `d⁵ − 10d⁴ + 35d³ − 50d² + 24d = 0` (the product
    /// `d(d − 1)(d − 2)(d − 3)(d − 4)`) on wires `(d, d², d², d², 0)`: the S-box column
    /// gives `d⁵`, the two products `d³` and `d⁴`. Two rows for `log₂5 ≈ 2.32` bits,
    /// where booleans take one row a bit. A value outside `{0, …, 4}` fails the second
    /// row; the satisfiability checker names it.
    pub fn quinary_digit(&mut self, value: Fr) -> QuinaryDigit {
        let d = self.witness(value);
        let square = self.witness(value.square());
        let zero = Fr::zero();
        let sq = Selectors { q_mul: [Fr::one(), zero], ..Default::default() };
        self.push([d, d, ZERO, ZERO, square], sq, GateKind::DigitSquare);
        let digit = Selectors {
            q_lc: [Fr::from(24u64), -Fr::from(50u64), zero, zero],
            q_mul: [Fr::from(35u64), -Fr::from(10u64)],
            q_hash: Fr::one(),
            ..Default::default()
        };
        self.push([d, square, square, square, ZERO], digit, GateKind::QuinaryDigit);
        QuinaryDigit { d, square }
    }

    /// Constrains `a < 5^digits` and returns its base-5 digits, least significant first:
    /// [`Circuit::quinary_witness`] and an equality, about one row per bit where
    /// [`Circuit::range_check`] takes four per three. A value that does not fit fails
    /// the equality.
    pub fn range_check_quinary(
        &mut self,
        a: Variable,
        digits: usize,
    ) -> Result<Vec<QuinaryDigit>, CircuitError> {
        self.check(&[a])?;
        let (acc, ds) = self.quinary_witness(self.values[a.0], digits)?;
        self.enforce_equal(acc, a)?;
        Ok(ds)
    }

    /// A new variable `Σᵢ dᵢ·5ⁱ` over `digits` new base-5 digits (least significant
    /// first) holding the low digits of `value`: a value below `5^digits` by
    /// construction. Two rows a digit ([`Circuit::quinary_digit`]) and one accumulation
    /// row per three digits. `value` at or above `5^digits` is truncated to its low
    /// digits, so a caller equating the result with another variable sees that fail.
    pub fn quinary_witness(
        &mut self,
        value: Fr,
        digits: usize,
    ) -> Result<(Variable, Vec<QuinaryDigit>), CircuitError> {
        if digits > MAX_QUINARY_DIGITS {
            return Err(CircuitError::QuinaryTooWide { digits, max: MAX_QUINARY_DIGITS });
        }
        let limbs = value.into_bigint().0;
        let ds: Vec<QuinaryDigit> = quinary_digits(&limbs, digits)
            .into_iter()
            .map(|d| self.quinary_digit(Fr::from(d)))
            .collect();
        let vars: Vec<Variable> = ds.iter().map(|d| d.d).collect();
        let acc = self.shift_in_digits(ZERO, &vars, 5)?;
        Ok((acc, ds))
    }

    /// A point held in two new private variables (its curve membership is not checked).
    pub fn point_witness(&mut self, x: Fr, y: Fr) -> PointVariable {
        PointVariable { x: self.witness(x), y: self.witness(y) }
    }

    /// `p + q` on ed-on-BN254 in two gates (the complete twisted Edwards formulas).
    ///
    /// Row 1, wires `(x₁, y₂, x₂, y₁, x₃)`: `x₁y₂ + x₂y₁ − d·x₁y₂x₂y₁x₃ − x₃ = 0`.
    /// Row 2, wires `(x₁, x₂, y₁, y₂, y₃)`: `y₁y₂ − a·x₁x₂ + d·x₁x₂y₁y₂y₃ − y₃ = 0`.
    pub fn ecc_add(
        &mut self,
        p: PointVariable,
        q: PointVariable,
    ) -> Result<PointVariable, CircuitError> {
        self.check(&[p.x, p.y, q.x, q.y])?;
        let (a, d) = (EdwardsConfig::COEFF_A, EdwardsConfig::COEFF_D);
        let [x1, y1, x2, y2] = [p.x, p.y, q.x, q.y].map(|v| self.values[v.0]);
        let t = d * x1 * x2 * y1 * y2;
        let (nx, ny) = (x1 * y2 + x2 * y1, y1 * y2 - a * x1 * x2);
        let (dx, dy) = (Fr::one() + t, Fr::one() - t);
        // One inversion for both denominators (the witness's main cost). Off-curve inputs
        // can make a denominator zero; that output is then 0 and its gate fails in the
        // checker.
        let (x3, y3) = match (dx * dy).inverse() {
            Some(inv) => (nx * dy * inv, ny * dx * inv),
            None => (nx * dx.inverse().unwrap_or_default(), ny * dy.inverse().unwrap_or_default()),
        };
        let out = self.point_witness(x3, y3);
        let sx = Selectors { q_mul: [Fr::one(), Fr::one()], q_ecc: -d, ..Default::default() };
        self.push([p.x, q.y, q.x, p.y, out.x], sx, GateKind::EdwardsAddX);
        let sy = Selectors { q_mul: [-a, Fr::one()], q_ecc: d, ..Default::default() };
        self.push([p.x, q.x, p.y, q.y, out.y], sy, GateKind::EdwardsAddY);
        Ok(out)
    }

    /// The identity `(0, 1)` of ed-on-BN254, on the constant variables.
    pub fn ecc_identity(&self) -> PointVariable {
        PointVariable { x: ZERO, y: ONE }
    }

    /// `k·p` for the scalar whose bits (least significant first, each already
    /// constrained boolean, e.g. by [`Circuit::range_check`]) are `bits`, in 2-bit
    /// windows from the top: `acc ← 4·acc + Tⱼ` with `Tⱼ = (b₂ⱼ + 2b₂ⱼ₊₁)·p` selected
    /// from `O, p, 2p, 3p` in four rows ([`Circuit::ecc_variable_window`]), two doublings
    /// and an addition (six rows): five rows per bit where bitwise double-and-add takes
    /// six. `2p`, `3p` and the selection's two cross terms take six rows once; `10w`
    /// rows for `w = ⌈n/2⌉ ≥ 1` windows (an odd top bit is a 1-bit window), the identity
    /// for no bits. The formulas are complete, so any scalar and point of the curve work.
    pub fn ecc_scalar_mul(
        &mut self,
        bits: &[Variable],
        p: PointVariable,
    ) -> Result<PointVariable, CircuitError> {
        self.check(bits)?;
        self.check(&[p.x, p.y])?;
        if bits.is_empty() {
            return Ok(self.ecc_identity());
        }
        let p2 = self.ecc_add(p, p)?;
        let p3 = self.ecc_add(p2, p)?;
        let one = Fr::one();
        let zero = Fr::zero();
        // Δ = P₃ − P₂ − P₁ + P₀ coordinate-wise, with P₀ = (0, 1).
        let delta = [one, -one, -one, zero];
        let dx = self.lc([p3.x, p2.x, p.x, ZERO], delta)?;
        let dy = self.lc_kind([p3.y, p2.y, p.y, ZERO], delta, one, GateKind::LinearCombination)?;
        let table = WindowTable { p1: p, p2, dx, dy };
        let mut acc: Option<PointVariable> = None;
        for window in bits.chunks(2).rev() {
            let (b0, b1) = (window[0], window.get(1).copied().unwrap_or(ZERO));
            let t = self.ecc_variable_window(b0, b1, &table);
            acc = Some(match acc {
                None => t,
                Some(a) => {
                    let a2 = self.ecc_add(a, a)?;
                    let a4 = self.ecc_add(a2, a2)?;
                    self.ecc_add(a4, t)?
                }
            });
        }
        Ok(acc.unwrap_or_else(|| self.ecc_identity()))
    }

    /// `(b₀ + 2b₁)·p` for boolean `b₀`, `b₁` from `O, p, 2p, 3p`, four rows: each
    /// coordinate is `P₀ + b₀·(P₁ − P₀ + b₁·Δ) + b₁·(P₂ − P₀)`, first `t = P₁ − P₀ + b₁·Δ`
    /// (wires `(b₁, Δ, P₁, 0, t)`), then `b₀·t + b₁·P₂ − b₁·P₀ + P₀` (wires
    /// `(b₀, t, b₁, P₂, out)`), with `P₀ = (0, 1)`.
    fn ecc_variable_window(
        &mut self,
        b0: Variable,
        b1: Variable,
        table: &WindowTable,
    ) -> PointVariable {
        let (one, zero) = (Fr::one(), Fr::zero());
        let mut coordinate = |p1: Variable, p2: Variable, delta: Variable, p0: Fr| {
            let [vb0, vb1, v1, v2, vd] = [b0, b1, p1, p2, delta].map(|v| self.values[v.0]);
            let tv = v1 - p0 + vb1 * vd;
            let t = self.witness(tv);
            let first = Selectors {
                q_mul: [one, zero],
                q_lc: [zero, zero, one, zero],
                q_c: -p0,
                ..Default::default()
            };
            self.push([b1, delta, p1, ZERO, t], first, GateKind::Select);
            let out = self.witness(vb0 * tv + vb1 * v2 - vb1 * p0 + p0);
            let second = Selectors {
                q_mul: [one, one],
                q_lc: [zero, zero, -p0, zero],
                q_c: p0,
                ..Default::default()
            };
            self.push([b0, t, b1, p2, out], second, GateKind::Select);
            out
        };
        let x = coordinate(table.p1.x, table.p2.x, table.dx, zero);
        let y = coordinate(table.p1.y, table.p2.y, table.dy, one);
        PointVariable { x, y }
    }

    /// `k·base` for a point `base` fixed by the circuit and the scalar `k = Σⱼ dⱼ·5ʲ`
    /// whose base-5 digits (least significant first, from [`Circuit::quinary_digit`]) are
    /// `digits`: window `j` selects `Tⱼ = dⱼ·5ʲ·base` from five constants in one row per
    /// coordinate ([`Circuit::fixed_window_row`]) and adds it to the sum (two rows); the
    /// first window starts the sum. `4n − 2` rows for `n ≥ 1` digits, the identity for
    /// none; with the digits' own two rows each, about 2.6 rows per bit of the scalar,
    /// against 3 for 2-bit windows over booleans.
    ///
    /// Every `Tⱼ` and partial sum is a point of the curve, and the twisted Edwards
    /// formulas of [`Circuit::ecc_add`] are complete on ed-on-BN254 (`a = 1` a square,
    /// `d` a non-square), so no sum of multiples hits an exceptional case, whatever the
    /// scalar (zero, a multiple of the group order, sums equal to `±Tⱼ`).
    pub fn ecc_fixed_base_mul(
        &mut self,
        digits: &[QuinaryDigit],
        base: &EdwardsAffine,
    ) -> Result<PointVariable, CircuitError> {
        if digits.len() > MAX_QUINARY_DIGITS {
            let max = MAX_QUINARY_DIGITS;
            return Err(CircuitError::QuinaryTooWide { digits: digits.len(), max });
        }
        for d in digits {
            self.check(&[d.d, d.square])?;
        }
        // Coefficients of the degree-4 polynomial through (i, vᵢ), i = 0…4: row k of
        // the inverse Vandermonde matrix of 0…4, applied to the values.
        let nodes: Vec<Fr> = (0..5u64).map(Fr::from).collect();
        let interpolate = crate::poly::vandermonde_inverse(&nodes);
        // Every window's table `k·5ʲ·base` (k = 0…4), made affine with one inversion.
        let mut multiple = base.into_group(); // 5ʲ·base
        let mut tables = Vec::with_capacity(5 * digits.len());
        for _ in digits {
            let start = tables.len();
            tables.push(EdwardsProjective::zero());
            for k in 1..5 {
                tables.push(tables[start + k - 1] + multiple);
            }
            multiple += tables[start + 4];
        }
        let points = EdwardsProjective::normalize_batch(&tables);
        let coeffs = |v: [Fr; 5]| -> [Fr; 5] {
            std::array::from_fn(|k| (0..5).map(|i| interpolate[k][i] * v[i]).sum())
        };
        let mut acc: Option<PointVariable> = None;
        for (&digit, p) in digits.iter().zip(points.chunks_exact(5)) {
            let x = self.fixed_window_row(digit, coeffs(std::array::from_fn(|i| p[i].x)));
            let y = self.fixed_window_row(digit, coeffs(std::array::from_fn(|i| p[i].y)));
            let t = PointVariable { x, y };
            acc = Some(match acc {
                None => t,
                Some(a) => self.ecc_add(a, t)?,
            });
        }
        Ok(acc.unwrap_or_else(|| self.ecc_identity()))
    }

    /// The row `out = c₀ + c₁d + c₂d² + c₃d³ + c₄d⁴` on wires `(d, d², d², d², out)`
    /// (`q_lc₀ = c₁`, `q_lc₁ = c₂`, `q_mul₀ = c₃`, `q_mul₁ = c₄`, `q_c = c₀`).
    fn fixed_window_row(&mut self, digit: QuinaryDigit, c: [Fr; 5]) -> Variable {
        let (d, sq) = (self.values[digit.d.0], self.values[digit.square.0]);
        let out = self.witness(c[0] + c[1] * d + c[2] * sq + c[3] * d * sq + c[4] * sq * sq);
        let zero = Fr::zero();
        let selectors = Selectors {
            q_lc: [c[1], c[2], zero, zero],
            q_mul: [c[3], c[4]],
            q_c: c[0],
            ..Default::default()
        };
        let QuinaryDigit { d, square } = digit;
        self.push([d, square, square, square, out], selectors, GateKind::FixedBaseWindow);
        out
    }

    /// Row `i` of the padded circuit: public-input gates, then the others, then padding.
    pub(crate) fn row(&self, i: usize) -> Gate {
        match self.stored(i) {
            Some(g) => Gate {
                wires: g.wires,
                selectors: self.selector_sets[g.selectors as usize],
                kind: g.kind,
            },
            None => Gate {
                wires: [ZERO; NUM_WIRES],
                selectors: Selectors::default(),
                kind: GateKind::Padding,
            },
        }
    }

    /// The variables on row `i`'s wires (all the zero variable on padding rows).
    pub(crate) fn wires(&self, i: usize) -> [Variable; NUM_WIRES] {
        self.stored(i).map_or([ZERO; NUM_WIRES], |g| g.wires)
    }

    /// Row `i` as stored, `None` on padding rows.
    fn stored(&self, i: usize) -> Option<&StoredGate> {
        let p = self.public_gates.len();
        if i < p { self.public_gates.get(i) } else { self.gates.get(i - p) }
    }

    /// The witness value of every variable.
    pub(crate) fn values(&self) -> &[Fr] {
        &self.values
    }

    /// How the witness values on the domain's `5n` wire slots are spread:
    /// `[zero, below 2^8, below 2^64, the rest]` slot counts (what the wire commitments
    /// over the Lagrange basis cost depends on).
    pub fn wire_value_sizes(&self) -> [usize; 4] {
        let counts = (0..self.domain_size()).into_par_iter().map(|i| {
            let mut c = [0usize; 4];
            for v in self.wires(i) {
                let bits = self.values[v.0].into_bigint().num_bits();
                c[match bits {
                    0 => 0,
                    1..=8 => 1,
                    9..=64 => 2,
                    _ => 3,
                }] += 1;
            }
            c
        });
        counts.reduce(|| [0; 4], |a, b| std::array::from_fn(|k| a[k] + b[k]))
    }

    /// Checks every gate against the witness, in row order, and names the first that
    /// fails. Copy constraints hold by construction (wires hold variables).
    pub fn check_satisfied(&self) -> Result<(), CircuitError> {
        let inputs = self.public_inputs();
        let fails = |i: &usize| {
            let gate = self.row(*i);
            let w = gate.wires.map(|v| self.values[v.0]);
            let pi = inputs.get(*i).copied().unwrap_or_default();
            !gate_value(&gate.selectors.to_array(), &w, pi).is_zero()
        };
        match (0..self.num_gates()).into_par_iter().find_first(fails) {
            Some(index) => Err(CircuitError::GateUnsatisfied { index, kind: self.row(index).kind }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows give back the selectors they were built with, and a set that many rows use
    /// is stored once.
    #[test]
    fn rows_share_their_selector_sets() {
        let mut c = Circuit::new();
        let custom = |k: u64| Selectors {
            q_lc: [Fr::one(), Fr::zero(), Fr::zero(), Fr::zero()],
            q_c: Fr::from(k % 3 + 2),
            ..Default::default()
        };
        let mut expected = vec![];
        for k in 0..1000u64 {
            let a = c.bool_witness(k % 2 == 1);
            let z = c.zero();
            c.gate([a, z, z, z, z], custom(k)).unwrap();
            expected.push(custom(k));
        }
        // Rows 0 and 1 fix the constants; then a boolean gate and a custom one per k.
        for (k, want) in expected.iter().enumerate() {
            assert_eq!(c.row(2 + 2 * k + 1).selectors, *want, "row of k = {k}");
            assert_eq!(c.row(2 + 2 * k).kind, GateKind::Boolean);
        }
        // The all-zero set, the two constants, the boolean gate and three custom sets.
        assert_eq!(c.selector_sets.len(), 7);
        assert_eq!(c.row(c.domain_size() - 1).selectors, Selectors::default(), "padding");
    }

    /// A few gadgets on `x` and a shared `k`; returns the last output.
    fn part(c: &mut Circuit, x: Variable, k: Variable) -> Variable {
        let y = c.mul(x, k).unwrap();
        let bits = c.range_check(y, 16).unwrap();
        let z = c.select(bits[0], x, y).unwrap();
        let five = c.constant(Fr::from(5u64));
        c.mul_add([z, five, y, c.one()], [Fr::one(), Fr::from(3u64)]).unwrap()
    }

    fn assert_same_rows(a: &Circuit, b: &Circuit) {
        assert_eq!(a.num_gates(), b.num_gates());
        assert_eq!(a.values, b.values);
        for i in 0..a.num_gates() {
            let (ra, rb) = (a.row(i), b.row(i));
            assert_eq!(
                (ra.wires, ra.kind, ra.selectors),
                (rb.wires, rb.kind, rb.selectors),
                "row {i}"
            );
        }
    }

    /// Fragments built apart and appended in order give the circuit built in one piece,
    /// row for row and variable for variable.
    #[test]
    fn appended_fragments_equal_the_circuit_built_in_one_piece() {
        let build = |parallel: bool| {
            let mut c = Circuit::new();
            let input = c.public_input(Fr::from(7u64));
            let k = c.witness(Fr::from(11u64));
            let mut acc = c.zero();
            for i in 1..=6u64 {
                let out = if parallel {
                    let (mut f, imported) = c.fragment(&[k]).unwrap();
                    let x = f.witness(Fr::from(i * 100));
                    let out = part(&mut f, x, imported[0]);
                    c.append(f).unwrap().var(out)
                } else {
                    let x = c.witness(Fr::from(i * 100));
                    part(&mut c, x, k)
                };
                acc = c.add(acc, out).unwrap();
            }
            c.enforce_equal(acc, input).unwrap();
            c
        };
        let (whole, pieces) = (build(false), build(true));
        assert_same_rows(&whole, &pieces);
        assert_eq!(pieces.public_inputs(), vec![Fr::from(7u64)]);
    }

    /// The parent's checker covers appended rows: a fragment's broken witness is named.
    #[test]
    fn a_broken_fragment_is_named_and_public_inputs_stay_with_the_circuit() {
        let mut c = Circuit::new();
        let k = c.witness(Fr::from(3u64));
        let (mut f, imported) = c.fragment(&[k]).unwrap();
        let x = f.witness(Fr::from(4u64));
        let y = f.mul(x, imported[0]).unwrap();
        f.set_value(y, Fr::from(13u64)).unwrap();
        let rows_before = c.num_gates();
        let map = c.append(f).unwrap();
        assert_eq!(c.value(map.var(y)).unwrap(), Fr::from(13u64));
        assert_eq!(map.var(imported[0]), k);
        assert_eq!(
            c.check_satisfied(),
            Err(CircuitError::GateUnsatisfied { index: rows_before, kind: GateKind::Mul })
        );
        let (mut f, _) = c.fragment(&[]).unwrap();
        f.public_input(Fr::one());
        assert_eq!(c.append(f).unwrap_err(), CircuitError::PublicInputInFragment { count: 1 });
        let unknown = Variable(c.num_variables());
        assert!(matches!(c.fragment(&[unknown]), Err(CircuitError::UnknownVariable { .. })));
    }
}
