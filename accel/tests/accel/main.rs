//! Tests of the acceleration layer against naive, arkworks and blst references.
#![allow(missing_docs)]

mod bls;
mod config;
mod cuda;
mod msm;
mod ntt;

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::UniformRand;
use doppio_accel::Accel;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

pub fn accel() -> Accel {
    Accel::cpu().expect("cpu backend")
}

/// Random points made cheaply: multiples of the generator by random scalars.
pub fn random_points(n: usize, seed: u64) -> Vec<G1Affine> {
    let mut r = rng(seed);
    let g = G1Projective::generator();
    let pts: Vec<G1Projective> = (0..n).map(|_| g * Fr::rand(&mut r)).collect();
    G1Projective::normalize_batch(&pts)
}

pub fn random_scalars(n: usize, seed: u64) -> Vec<Fr> {
    let mut r = rng(seed);
    (0..n).map(|_| Fr::rand(&mut r)).collect()
}
