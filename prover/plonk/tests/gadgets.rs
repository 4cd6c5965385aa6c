//! The Edwards scalar multiplications against arkworks, and a proof over them.

use ark_bn254::Fr;
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ed_on_bn254::{EdwardsAffine, EdwardsProjective, Fr as Scalar};
use ark_ff::{BigInteger, PrimeField, UniformRand};
use doppio_accel::Accel;
use doppio_kzg::Srs;
use doppio_plonk::{Circuit, CircuitError, GateKind, preprocess, prove, verify};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// The scalar's bits as a witness, constrained by a range check.
fn scalar_bits(c: &mut Circuit, k: Scalar) -> Vec<doppio_plonk::Variable> {
    let v = c.witness(Fr::from_le_bytes_mod_order(&k.into_bigint().to_bytes_le()));
    c.range_check(v, Scalar::MODULUS_BIT_SIZE as usize).unwrap()
}

#[test]
fn scalar_multiplications_match_arkworks() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let g = EdwardsAffine::generator();
    for k in [
        Scalar::from(0u64),
        Scalar::from(1u64),
        Scalar::from(6u64),
        -Scalar::from(1u64),
        Scalar::rand(&mut rng),
    ] {
        let p = EdwardsAffine::rand(&mut rng);
        let mut c = Circuit::new();
        let bits = scalar_bits(&mut c, k);
        let pv = c.point_witness(p.x, p.y);
        let kp = c.ecc_scalar_mul(&bits, pv).unwrap();
        let kg = c.ecc_fixed_base_mul(&bits, &g).unwrap();
        c.check_satisfied().unwrap();
        let want_p = (p * k).into_affine();
        let want_g = (EdwardsProjective::generator() * k).into_affine();
        assert_eq!(
            (c.value(kp.x).unwrap(), c.value(kp.y).unwrap()),
            (want_p.x, want_p.y),
            "k = {k}"
        );
        assert_eq!(
            (c.value(kg.x).unwrap(), c.value(kg.y).unwrap()),
            (want_g.x, want_g.y),
            "k = {k}"
        );
    }
}

#[test]
fn a_scalar_multiplication_proof_verifies_and_a_wrong_result_is_named() {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let k = Scalar::rand(&mut rng);
    let p = EdwardsAffine::rand(&mut rng);
    let want = (p * k).into_affine();
    let mut c = Circuit::new();
    let (x, y) = (c.public_input(want.x), c.public_input(want.y));
    let bits = scalar_bits(&mut c, k);
    let pv = c.point_witness(p.x, p.y);
    let kp = c.ecc_scalar_mul(&bits, pv).unwrap();
    c.enforce_equal(kp.x, x).unwrap();
    c.enforce_equal(kp.y, y).unwrap();
    let accel = Accel::cpu().unwrap();
    let srs = Srs::insecure_dev(doppio_plonk::srs_degree(c.domain_size()), 3);
    let (pk, vk) = preprocess(&srs, &c, &accel).unwrap();
    let proof = prove(&accel, &pk, &c, &mut rng).unwrap();
    verify(&vk, &[want.x, want.y], &proof).unwrap();
    let other = (p * (k + Scalar::from(1u64))).into_affine();
    assert!(verify(&vk, &[other.x, other.y], &proof).is_err());
    // Claiming another result: the final equality gate is named.
    c.set_value(x, other.x).unwrap();
    assert!(matches!(
        c.check_satisfied(),
        Err(CircuitError::GateUnsatisfied { kind: GateKind::Equal, .. })
    ));
}
