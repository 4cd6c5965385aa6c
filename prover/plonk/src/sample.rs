//! A sample circuit of a chosen size, for benches, the hardware profile and examples.

use ark_bn254::Fr;
use ark_ec::CurveGroup;
use ark_ed_on_bn254::EdwardsAffine;
use ark_ff::UniformRand;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::Circuit;

/// Just under `2^log` rows (so its domain is `2^log`) mixing the gate kinds of the
/// light-client circuit — Edwards additions, S-boxes, products, booleans — so every
/// selector class is active. Deterministic in `log`; satisfied by construction.
pub fn circuit(log: u32) -> Circuit {
    let rows = (1usize << log).saturating_sub(4);
    let mut r = ChaCha20Rng::seed_from_u64(u64::from(log));
    let mut c = Circuit::new();
    let x = c.public_input(Fr::rand(&mut r));
    let p = EdwardsAffine::rand(&mut r);
    let mut acc = c.point_witness(p.x, p.y);
    let q = (p + p).into_affine();
    let qv = c.point_witness(q.x, q.y);
    let mut h = x;
    while c.num_gates() + 5 <= rows {
        acc = c.ecc_add(acc, qv).expect("own variables");
        h = c.pow5(h).expect("own variables");
        h = c.mul(h, acc.x).expect("own variables");
        c.enforce_bool(c.one()).expect("own variables");
    }
    c
}
