#![doc = include_str!("../README.md")]

pub mod circuit;
mod error;
mod keys;
mod poly;
mod prover;
pub mod sample;
mod solidity;
pub mod transcript;
mod verifier;

pub use circuit::{
    Appended, Circuit, CircuitError, Fragment, GateKind, MAX_QUINARY_DIGITS, NUM_SELECTORS,
    NUM_WIRES, PointVariable, QuinaryDigit, Selectors, Variable, quinary_digits,
};
pub use error::PlonkError;
pub use keys::{MAX_DOMAIN, ProvingKey, VerifyingKey, g2_bytes, preprocess};
pub use poly::matrix_inverse;
pub use prover::{Proof, prove, quotient_len, quotient_split, srs_degree};
pub use solidity::{SELECTOR_NAMES, SOLIDITY_KEY_WORDS, SOLIDITY_PROOF_WORDS};
pub use transcript::Transcript;
pub use verifier::{challenges, verify};
