//! Export of a verifying key as a Solidity library of constants.

use std::fmt::Write;

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{Field, PrimeField, Zero};

use crate::{
    circuit::{NUM_SELECTORS, NUM_WIRES},
    error::PlonkError,
    keys::{VerifyingKey, coset_constants, g2_bytes},
    poly::root_of_unity,
    prover::Proof,
    transcript::field_bytes,
};

/// Names of the selector commitments, in key order.
pub const SELECTOR_NAMES: [&str; NUM_SELECTORS] =
    ["Q_LC0", "Q_LC1", "Q_LC2", "Q_LC3", "Q_MUL0", "Q_MUL1", "Q_HASH", "Q_C", "Q_ECC"];

/// Word offsets of the permutation commitments, `[1]₁`, `[1]₂` and `[τ]₂` in that layout.
const SIGMA_WORD: usize = 4 + 2 * NUM_SELECTORS;
const G_WORD: usize = SIGMA_WORD + 2 * NUM_WIRES;
const H_WORD: usize = G_WORD + 2;
const TAU_H_WORD: usize = H_WORD + 4;

/// Words of a verifying key in the layout of `contracts/src/PlonkVerifier.sol`
/// (`uint256[42]`): `n`, the input count, `ω`, the transcript's initial state, the 9
/// selector and 5 permutation commitments as `x, y`, `[1]₁`, then `[1]₂` and `[τ]₂` in
/// the precompile order (`x.c1, x.c0, y.c1, y.c0`).
pub const SOLIDITY_KEY_WORDS: usize = TAU_H_WORD + 4;

/// Words of a proof in the Solidity verifier's calldata layout: the 5 wire commitments,
/// `[z]`, `[t_lo]`, `[t_hi]` (each `x, y`), `w̄₀ … w̄₄`, `σ̄₀ … σ̄₃`, `z̄ω`, then `W` and
/// `W'` — the order the transcript reads them.
pub const SOLIDITY_PROOF_WORDS: usize = 30;

/// A big-endian word as a canonical element of `F` (below its modulus), or an error
/// naming `what`.
fn canonical<F: PrimeField>(word: &[u8; 32], what: &str) -> Result<F, PlonkError> {
    let x = F::from_be_bytes_mod_order(word);
    if field_bytes(&x) != *word {
        return Err(PlonkError::InvalidEncoding(format!(
            "{what}: {} is not below the field modulus",
            hex_word(word)
        )));
    }
    Ok(x)
}

/// `x, y` as a G1 point (`0, 0` is the identity), checked on the curve.
fn g1_from_words(x: &[u8; 32], y: &[u8; 32], what: &str) -> Result<G1Affine, PlonkError> {
    let (x, y): (Fq, Fq) = (canonical(x, what)?, canonical(y, what)?);
    if x.is_zero() && y.is_zero() {
        return Ok(G1Affine::identity());
    }
    let p = G1Affine::new_unchecked(x, y);
    // BN254's G1 has cofactor 1: on the curve means in the group.
    if !p.is_on_curve() {
        return Err(PlonkError::InvalidEncoding(format!("{what}: ({x}, {y}) is not on the curve")));
    }
    Ok(p)
}

/// `x.c1, x.c0, y.c1, y.c0` as a G2 point, checked on the curve and in the subgroup.
fn g2_from_words(w: &[[u8; 32]], what: &str) -> Result<G2Affine, PlonkError> {
    let c = |i: usize| canonical::<Fq>(&w[i], what);
    let (x, y) = (Fq2::new(c(1)?, c(0)?), Fq2::new(c(3)?, c(2)?));
    let p = G2Affine::new_unchecked(x, y);
    if !p.is_on_curve() || !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(PlonkError::InvalidEncoding(format!("{what}: not a point of G2")));
    }
    Ok(p)
}

fn point_words(p: &G1Affine) -> [[u8; 32]; 2] {
    let (x, y) = p.xy().unwrap_or_default();
    [field_bytes(&x), field_bytes(&y)]
}

impl Proof {
    /// The proof in the Solidity verifier's calldata layout ([`SOLIDITY_PROOF_WORDS`]).
    pub fn solidity_words(&self) -> Vec<[u8; 32]> {
        let points = self.wire_comms.iter().chain([&self.z_comm]).chain(&self.quotient_comms);
        let mut words: Vec<[u8; 32]> = points.flat_map(point_words).collect();
        let evals = self.wire_evals.iter().chain(&self.sigma_evals).chain([&self.z_shift_eval]);
        words.extend(evals.map(field_bytes));
        words.extend(point_words(&self.opening));
        words.extend(point_words(&self.shift_opening));
        words
    }

    /// Reads [`Proof::solidity_words`] back, refusing what the Solidity verifier refuses:
    /// a wrong word count, coordinates or evaluations not below their modulus, points off
    /// the curve ([`PlonkError::InvalidEncoding`], naming the field).
    pub fn from_solidity_words(words: &[[u8; 32]]) -> Result<Proof, PlonkError> {
        if words.len() != SOLIDITY_PROOF_WORDS {
            return Err(PlonkError::InvalidEncoding(format!(
                "a proof has {SOLIDITY_PROOF_WORDS} words, got {}",
                words.len()
            )));
        }
        let point = |i: usize, what: &str| g1_from_words(&words[2 * i], &words[2 * i + 1], what);
        let eval = |i: usize, what: &str| canonical::<Fr>(&words[16 + i], what);
        let mut wire_comms = [G1Affine::identity(); NUM_WIRES];
        for (j, c) in wire_comms.iter_mut().enumerate() {
            *c = point(j, &format!("wire commitment {j}"))?;
        }
        let mut wire_evals = [Fr::zero(); NUM_WIRES];
        for (j, e) in wire_evals.iter_mut().enumerate() {
            *e = eval(j, &format!("wire evaluation {j}"))?;
        }
        let mut sigma_evals = [Fr::zero(); NUM_WIRES - 1];
        for (j, e) in sigma_evals.iter_mut().enumerate() {
            *e = eval(NUM_WIRES + j, &format!("permutation evaluation {j}"))?;
        }
        let tail = |i: usize, what: &str| g1_from_words(&words[i], &words[i + 1], what);
        Ok(Proof {
            wire_comms,
            z_comm: point(5, "permutation product commitment")?,
            quotient_comms: [
                point(6, "low quotient commitment")?,
                point(7, "high quotient commitment")?,
            ],
            wire_evals,
            sigma_evals,
            z_shift_eval: eval(9, "shifted permutation product evaluation")?,
            opening: tail(26, "opening proof")?,
            shift_opening: tail(28, "shifted opening proof")?,
        })
    }
}

fn hex_word(bytes: &[u8; 32]) -> String {
    let mut s = String::from("0x");
    bytes.iter().for_each(|b| write!(s, "{b:02x}").expect("writing to a String"));
    s
}

fn word<F: PrimeField>(x: &F) -> String {
    hex_word(&field_bytes(x))
}

fn constant(out: &mut String, name: &str, value: &str) {
    writeln!(out, "    uint256 internal constant {name} = {value};").expect("writing to a String");
}

fn g1(out: &mut String, name: &str, p: &G1Affine) {
    let (x, y) = p.xy().unwrap_or_default();
    constant(out, &format!("{name}_X"), &word(&x));
    constant(out, &format!("{name}_Y"), &word(&y));
}

fn g2(out: &mut String, name: &str, p: &G2Affine) {
    let (x, y) = p.xy().unwrap_or_default();
    // The precompile's order: imaginary part first.
    constant(out, &format!("{name}_X1"), &word(&x.c1));
    constant(out, &format!("{name}_X0"), &word(&x.c0));
    constant(out, &format!("{name}_Y1"), &word(&y.c1));
    constant(out, &format!("{name}_Y0"), &word(&y.c0));
}

impl VerifyingKey {
    /// The key as the Solidity verifier reads it ([`SOLIDITY_KEY_WORDS`] big-endian
    /// words); a malformed key is an error.
    pub fn solidity_words(&self) -> Result<Vec<[u8; 32]>, PlonkError> {
        let domain = self.check_shape()?;
        let mut words = vec![
            field_bytes(&Fr::from(self.domain_size)),
            field_bytes(&Fr::from(self.num_inputs)),
            field_bytes(&root_of_unity(domain)),
            self.digest(),
        ];
        for p in self.selector_comms.iter().chain(&self.sigma_comms).chain([&self.g]) {
            let (x, y) = p.xy().unwrap_or_default();
            words.extend([field_bytes(&x), field_bytes(&y)]);
        }
        for p in [&self.h, &self.tau_h] {
            let g2 = g2_bytes(p);
            words.extend(
                g2.chunks_exact(32).map(|w| <[u8; 32]>::try_from(w).expect("32-byte chunks")),
            );
        }
        debug_assert_eq!(words.len(), SOLIDITY_KEY_WORDS);
        Ok(words)
    }

    /// Reads [`VerifyingKey::solidity_words`] back: every point is checked (G2 in its
    /// subgroup), and `ω` and the digest must be those of the key the words describe
    /// ([`PlonkError::InvalidEncoding`] otherwise; [`PlonkError::MalformedKey`] for a
    /// domain or input count the verifier does not support).
    pub fn from_solidity_words(words: &[[u8; 32]]) -> Result<VerifyingKey, PlonkError> {
        if words.len() != SOLIDITY_KEY_WORDS {
            return Err(PlonkError::InvalidEncoding(format!(
                "a key has {SOLIDITY_KEY_WORDS} words, got {}",
                words.len()
            )));
        }
        let small = |w: &[u8; 32], what: &str| -> Result<u64, PlonkError> {
            if w[..24].iter().any(|b| *b != 0) {
                return Err(PlonkError::InvalidEncoding(format!(
                    "{what}: {} is too large",
                    hex_word(w)
                )));
            }
            Ok(u64::from_be_bytes(w[24..].try_into().expect("8 bytes")))
        };
        let point = |i: usize, what: &str| g1_from_words(&words[i], &words[i + 1], what);
        let mut selector_comms = [G1Affine::identity(); NUM_SELECTORS];
        for (s, c) in selector_comms.iter_mut().enumerate() {
            *c = point(4 + 2 * s, SELECTOR_NAMES[s])?;
        }
        let mut sigma_comms = [G1Affine::identity(); NUM_WIRES];
        for (j, c) in sigma_comms.iter_mut().enumerate() {
            *c = point(SIGMA_WORD + 2 * j, &format!("SIGMA{j}"))?;
        }
        let vk = VerifyingKey {
            domain_size: small(&words[0], "domain size")?,
            num_inputs: small(&words[1], "public input count")?,
            k: coset_constants(),
            selector_comms,
            sigma_comms,
            g: point(G_WORD, "G1")?,
            h: g2_from_words(&words[H_WORD..TAU_H_WORD], "H")?,
            tau_h: g2_from_words(&words[TAU_H_WORD..], "TAU_H")?,
        };
        let expected = vk.solidity_words()?;
        for (i, what) in [(2, "OMEGA"), (3, "VK_DIGEST")] {
            if words[i] != expected[i] {
                return Err(PlonkError::InvalidEncoding(format!(
                    "{what} is {}, the key's is {}",
                    hex_word(&words[i]),
                    hex_word(&expected[i])
                )));
            }
        }
        Ok(vk)
    }

    /// Solidity source of a library named `name` holding this key's constants: the
    /// domain (`DOMAIN_SIZE`, `DOMAIN_SIZE_INV`, `OMEGA`), `NUM_INPUTS`, the transcript's
    /// initial state `VK_DIGEST`, the coset constants `K0 … K4`, every commitment as
    /// `<NAME>_X` / `<NAME>_Y` (selectors as in [`SELECTOR_NAMES`], then `SIGMA0 … SIGMA4`,
    /// `G1`), and `[1]₂`, `[τ]₂` as `H_*`, `TAU_H_*` in the precompile's coordinate order;
    /// and `verifyingKey()`, the same key as `uint256[42]` in the layout of
    /// [`VerifyingKey::solidity_words`], for `contracts/src/PlonkVerifier.sol`.
    ///
    /// A malformed key or a `name` that is not a Solidity identifier is an error.
    pub fn solidity_library(&self, name: &str) -> Result<String, PlonkError> {
        let domain = self.check_shape()?;
        let mut chars = name.chars();
        let starts_well = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !starts_well || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(PlonkError::InvalidIdentifier(name.to_owned()));
        }
        let n = Fr::from(self.domain_size);
        let mut out = String::new();
        out.push_str("// SPDX-License-Identifier: Apache-2.0\n");
        out.push_str(
            "// Generated by doppio-plonk (VerifyingKey::solidity_library); do not edit.\n",
        );
        out.push_str("pragma solidity ^0.8.20;\n\n");
        writeln!(out, "/// Constants of a Doppio Plonk verifying key.\nlibrary {name} {{")
            .expect("String");
        constant(&mut out, "DOMAIN_SIZE", &self.domain_size.to_string());
        constant(&mut out, "DOMAIN_SIZE_INV", &word(&n.inverse().unwrap_or_default()));
        constant(&mut out, "OMEGA", &word(&root_of_unity(domain)));
        constant(&mut out, "NUM_INPUTS", &self.num_inputs.to_string());
        writeln!(out, "    bytes32 internal constant VK_DIGEST = {};", hex_word(&self.digest()))
            .expect("String");
        for (i, k) in self.k.iter().enumerate() {
            constant(&mut out, &format!("K{i}"), &word(k));
        }
        for (name, p) in SELECTOR_NAMES.iter().zip(&self.selector_comms) {
            g1(&mut out, name, p);
        }
        for (i, p) in self.sigma_comms.iter().enumerate() {
            g1(&mut out, &format!("SIGMA{i}"), p);
        }
        g1(&mut out, "G1", &self.g);
        g2(&mut out, "H", &self.h);
        g2(&mut out, "TAU_H", &self.tau_h);
        write!(
            out,
            "\n    /// The key in PlonkVerifier's layout (`uint256[{SOLIDITY_KEY_WORDS}]`).\n    \
             function verifyingKey() internal pure returns (uint256[{SOLIDITY_KEY_WORDS}] memory vk) {{\n        \
             assembly (\"memory-safe\") {{\n",
        )
        .expect("String");
        for (i, word) in self.solidity_words()?.iter().enumerate() {
            writeln!(out, "            mstore(add(vk, {:#x}), {})", 32 * i, hex_word(word))
                .expect("String");
        }
        out.push_str("        }\n    }\n}\n");
        Ok(out)
    }
}
