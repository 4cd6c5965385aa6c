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

#[cfg(test)]
mod tests {
    use ark_ec::AffineRepr;

    use super::*;

    fn from_hex(s: &str) -> Fr {
        let s = format!("{:0>64}", s.trim_start_matches("0x"));
        let bytes: Vec<u8> =
            (0..32).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap()).collect();
        Fr::from_be_bytes_mod_order(&bytes)
    }

    /// Vectors from `tests/vectors/transcript.py`, an independent pure-Python Keccak.
    #[test]
    fn challenges_match_the_independent_vectors() {
        let mut t = Transcript::new([0; 32]);
        t.append_field(&Fr::from(1u64));
        t.append_point(&G1Affine::generator());
        let c1 = t.challenge();
        assert_eq!(
            c1,
            from_hex("0x2f895909d19bddb7123b553c6cd0e40a803cb13db8325d2f74cc08532e06d65a")
        );
        assert_eq!(
            t.challenge(),
            from_hex("0x9db526b78520dd13f7a6e8f3cad8bcd9cf0fc7d5c188c6d725ee83195b96e83")
        );
        t.append_field(&-Fr::from(1u64));
        assert_eq!(
            t.challenge(),
            from_hex("0x896d2a1a3acaf605764949d3717153c13c9966652aafdfa0dde19fbb2bf5d35")
        );
    }

    #[test]
    fn encodings_are_big_endian_words() {
        let one = field_bytes(&Fr::from(1u64));
        assert_eq!(one[31], 1);
        assert!(one[..31].iter().all(|b| *b == 0));
        let g = point_bytes(&G1Affine::generator());
        assert_eq!((g[31], g[63]), (1, 2));
        assert_eq!(point_bytes(&G1Affine::identity()), [0; 64]);
        let r_minus_one = field_bytes(&-Fr::from(1u64));
        assert_eq!(r_minus_one[..4], [0x30, 0x64, 0x4e, 0x72]);
    }
}
