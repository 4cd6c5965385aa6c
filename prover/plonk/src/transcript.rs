//! The Fiat–Shamir transcript: Keccak-256 over big-endian words, as the EVM hashes them.
//!
//! The transcript keeps a 32-byte state and a buffer. Field elements are appended as
//! 32-byte big-endian integers, G1 points as `x ‖ y` (each 32 bytes, big-endian; the
//! identity as `0 ‖ 0`, as the EVM precompiles encode it). A challenge is
//! `d = keccak256(state ‖ buffer)`; the state becomes `d`, the buffer is emptied, and the
//! challenge is `d` read as a big-endian integer, reduced modulo the BN254 scalar field
//! order `r`. A Solidity verifier therefore computes each challenge as
//! `uint256(keccak256(abi.encodePacked(state, items...))) % r`.

use ark_bn254::{Fr, G1Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use sha3::{Digest, Keccak256};

/// A Keccak-256 Fiat–Shamir transcript.
#[derive(Clone, Debug)]
pub struct Transcript {
    state: [u8; 32],
    buffer: Vec<u8>,
}

/// `x` as 32 big-endian bytes.
pub fn field_bytes<F: PrimeField>(x: &F) -> [u8; 32] {
    let mut out = [0u8; 32];
    let be = x.into_bigint().to_bytes_be();
    out[32 - be.len()..].copy_from_slice(&be);
    out
}

/// `x ‖ y`, each 32 big-endian bytes; the identity is 64 zero bytes.
pub fn point_bytes(p: &G1Affine) -> [u8; 64] {
    let mut out = [0u8; 64];
    if let Some((x, y)) = p.xy() {
        out[..32].copy_from_slice(&field_bytes(&x));
        out[32..].copy_from_slice(&field_bytes(&y));
    }
    out
}

impl Transcript {
    /// A transcript whose state starts as `initial` (the verifying key's digest).
    pub fn new(initial: [u8; 32]) -> Self {
        Transcript { state: initial, buffer: Vec::new() }
    }

    /// The current 32-byte state.
    pub fn state(&self) -> [u8; 32] {
        self.state
    }

    /// Appends a field element (32 bytes, big-endian).
    pub fn append_field(&mut self, x: &Fr) {
        self.buffer.extend_from_slice(&field_bytes(x));
    }

    /// Appends field elements in order.
    pub fn append_fields(&mut self, xs: &[Fr]) {
        xs.iter().for_each(|x| self.append_field(x));
    }

    /// Appends a G1 point (`x ‖ y`, 64 bytes).
    pub fn append_point(&mut self, p: &G1Affine) {
        self.buffer.extend_from_slice(&point_bytes(p));
    }

    /// Appends G1 points in order.
    pub fn append_points(&mut self, ps: &[G1Affine]) {
        ps.iter().for_each(|p| self.append_point(p));
    }

    /// `keccak256(state ‖ buffer)` mod `r`; the digest becomes the state.
    pub fn challenge(&mut self) -> Fr {
        let mut h = Keccak256::new();
        h.update(self.state);
        h.update(&self.buffer);
        self.state = h.finalize().into();
        self.buffer.clear();
        Fr::from_be_bytes_mod_order(&self.state)
    }
}
