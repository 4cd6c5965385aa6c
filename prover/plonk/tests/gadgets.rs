//! The Edwards scalar multiplications against arkworks, and a proof over them.

use ark_bn254::Fr;
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ed_on_bn254::{EdwardsAffine, EdwardsProjective, Fr as Scalar};
use ark_ff::{BigInteger, PrimeField, UniformRand};
use doppio_accel::Accel;
use doppio_kzg::Srs;
use doppio_plonk::{Circuit, CircuitError, GateKind, preprocess, prove, verify};
use rand::{Rng, SeedableRng};
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

/// `k·base` for the integer whose bits (least significant first) are `bits`, by arkworks.
fn native_fixed_base(bits: &[bool], base: EdwardsAffine) -> EdwardsAffine {
    let mut limbs = vec![0u64; bits.len().div_ceil(64)];
    for (i, _) in bits.iter().enumerate().filter(|(_, b)| **b) {
        limbs[i / 64] |= 1 << (i % 64);
    }
    base.mul_bigint(limbs).into_affine()
}

/// `ecc_fixed_base_mul` over `bits` (boolean witnesses): the result, checked against
/// arkworks, and the rows it took.
fn fixed_base_case(bits: &[bool], base: EdwardsAffine) -> usize {
    let mut c = Circuit::new();
    let vars: Vec<_> = bits.iter().map(|&b| c.bool_witness(b)).collect();
    let before = c.num_gates();
    let out = c.ecc_fixed_base_mul(&vars, &base).unwrap();
    let rows = c.num_gates() - before;
    c.check_satisfied().unwrap();
    let want = native_fixed_base(bits, base);
    let n = bits.len();
    assert_eq!((c.value(out.x).unwrap(), c.value(out.y).unwrap()), (want.x, want.y), "{n} bits");
    rows
}

#[test]
fn windowed_fixed_base_matches_arkworks() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let g = EdwardsAffine::generator();
    let bases = [g, (g * Scalar::rand(&mut rng)).into_affine()];
    for base in bases {
        for n in [0usize, 1, 2, 3, 4, 5, 8, 127, 128, 251, 254] {
            let random: Vec<bool> = (0..n).map(|_| rng.gen_bool(0.5)).collect();
            let mut one = vec![false; n];
            if n > 0 {
                one[0] = true;
            }
            for bits in [vec![false; n], one, vec![true; n], random] {
                let rows = fixed_base_case(&bits, base);
                // One row per coordinate per window, two per addition after the first.
                let expected = if n == 0 { 0 } else { 4 * n.div_ceil(2) - 2 };
                assert_eq!(rows, expected, "{n} bits");
            }
        }
    }
    // The group order's bits (a scalar ≡ 0) and order − 1 (−base): sums that pass
    // through ±(the next window's multiple) and end at the identity.
    let order = Scalar::MODULUS;
    let bits: Vec<bool> = (0..251).map(|i| order.get_bit(i)).collect();
    fixed_base_case(&bits, g);
    let minus_one = (-Scalar::from(1u64)).into_bigint();
    let bits: Vec<bool> = (0..251).map(|i| minus_one.get_bit(i)).collect();
    fixed_base_case(&bits, g);
}

/// `ecc_add`'s formulas are complete (no exceptional pair of curve points) because,
/// with `a = 1` a square, `d` is not a square in the base field.
#[test]
fn edwards_d_is_not_a_square() {
    use ark_ec::twisted_edwards::TECurveConfig;
    use ark_ff::{Field, LegendreSymbol};
    let d = ark_ed_on_bn254::EdwardsConfig::COEFF_D;
    assert_eq!(d.legendre(), LegendreSymbol::QuadraticNonResidue);
    assert_eq!(ark_ed_on_bn254::EdwardsConfig::COEFF_A, Fr::from(1u64));
}

#[test]
fn a_wrong_fixed_base_window_is_named() {
    let mut c = Circuit::new();
    let (b0, b1) = (c.bool_witness(true), c.bool_witness(true));
    let before = c.num_gates();
    let out = c.ecc_fixed_base_mul(&[b0, b1], &EdwardsAffine::generator()).unwrap();
    c.check_satisfied().unwrap();
    // One window, no addition: the output is the window's row, which catches another x.
    c.set_value(out.x, c.value(out.x).unwrap() + Fr::from(1u64)).unwrap();
    assert_eq!(
        c.check_satisfied(),
        Err(CircuitError::GateUnsatisfied { index: before, kind: GateKind::FixedBaseWindow })
    );
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
