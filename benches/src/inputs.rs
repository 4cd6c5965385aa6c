//! Deterministic bench inputs, cheap to make even at 2^22 elements.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::UniformRand;
use blst::{
    blst_p1_affine, blst_p2_affine,
    min_pk::{PublicKey, SecretKey, Signature},
};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// The domain separation tag Doppio's staking keys sign under.
pub const BLS_DST: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

/// A seeded generator.
pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// `n` uniformly random scalars.
pub fn scalars(n: usize, seed: u64) -> Vec<Fr> {
    let mut r = rng(seed);
    (0..n).map(|_| Fr::rand(&mut r)).collect()
}

/// `n` distinct G1 points: a walk `Pᵢ = Pᵢ₋₁ + Q[i mod 64]` from random steps, one
/// addition per point instead of one scalar multiplication.
pub fn points(n: usize, seed: u64) -> Vec<G1Affine> {
    let mut r = rng(seed);
    let g = G1Projective::generator();
    let steps: Vec<G1Projective> = (0..64).map(|_| g * Fr::rand(&mut r)).collect();
    let mut acc = g * Fr::rand(&mut r);
    let walk: Vec<G1Projective> = (0..n)
        .map(|i| {
            acc += steps[i % 64];
            acc
        })
        .collect();
    G1Projective::normalize_batch(&walk)
}

/// Signed votes: `n` distinct keys, each signing its own message.
pub struct Votes {
    /// Public keys.
    pub keys: Vec<PublicKey>,
    /// Messages.
    pub messages: Vec<Vec<u8>>,
    /// Signatures.
    pub signatures: Vec<Signature>,
}

impl Votes {
    /// `n` valid votes.
    pub fn new(n: usize, seed: u64) -> Self {
        let mut r = rng(seed);
        let mut votes = Votes { keys: vec![], messages: vec![], signatures: vec![] };
        for i in 0..n {
            let mut ikm = [0u8; 32];
            r.fill_bytes(&mut ikm);
            let sk = SecretKey::key_gen(&ikm, &[]).expect("32-byte ikm");
            let msg = format!("vote {i}").into_bytes();
            votes.signatures.push(sk.sign(&msg, BLS_DST, &[]));
            votes.keys.push(sk.sk_to_pk());
            votes.messages.push(msg);
        }
        votes
    }

    /// Public keys as raw points.
    pub fn key_points(&self) -> Vec<blst_p1_affine> {
        self.keys.iter().map(|k| (*k).into()).collect()
    }

    /// Signatures as raw points.
    pub fn signature_points(&self) -> Vec<blst_p2_affine> {
        self.signatures.iter().map(|s| (*s).into()).collect()
    }
}
