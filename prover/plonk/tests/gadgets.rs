//! The Edwards scalar multiplications against arkworks, and a proof over them.

use ark_bn254::Fr;
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ed_on_bn254::{EdwardsAffine, EdwardsProjective, Fr as Scalar};
use ark_ff::{BigInteger, PrimeField, UniformRand, Zero};
use doppio_accel::Accel;
use doppio_kzg::Srs;
use doppio_plonk::{
    Circuit, CircuitError, GateKind, MAX_QUINARY_DIGITS, QuinaryDigit, preprocess, prove,
    quinary_digits, verify,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// The scalar's bits as a witness, constrained by a range check.
fn scalar_bits(c: &mut Circuit, k: Scalar) -> Vec<doppio_plonk::Variable> {
    let v = c.witness(Fr::from_le_bytes_mod_order(&k.into_bigint().to_bytes_le()));
    c.range_check(v, Scalar::MODULUS_BIT_SIZE as usize).unwrap()
}

/// The scalar's base-5 digits as a witness, constrained by a base-5 range check.
fn scalar_digits(c: &mut Circuit, k: Scalar) -> Vec<QuinaryDigit> {
    let v = c.witness(Fr::from_le_bytes_mod_order(&k.into_bigint().to_bytes_le()));
    c.range_check_quinary(v, MAX_QUINARY_DIGITS).unwrap()
}

/// `ecc_scalar_mul` against arkworks for scalars of every bit length up to 9 and 128,
/// with its row count: `10⌈n/2⌉` rows for `n ≥ 1` bits.
#[test]
fn windowed_variable_base_matches_arkworks() {
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let p = EdwardsAffine::rand(&mut rng);
    for n in (0usize..=9).chain([128]) {
        let random: Vec<bool> = (0..n).map(|_| rng.gen_bool(0.5)).collect();
        for bits in [vec![false; n], vec![true; n], random] {
            let mut c = Circuit::new();
            let vars: Vec<_> = bits.iter().map(|&b| c.bool_witness(b)).collect();
            let pv = c.point_witness(p.x, p.y);
            let before = c.num_gates();
            let out = c.ecc_scalar_mul(&vars, pv).unwrap();
            let rows = c.num_gates() - before;
            c.check_satisfied().unwrap();
            let mut limbs = [0u64; 3];
            for (i, _) in bits.iter().enumerate().filter(|(_, b)| **b) {
                limbs[i / 64] |= 1 << (i % 64);
            }
            let want = p.mul_bigint(limbs).into_affine();
            let got = (c.value(out.x).unwrap(), c.value(out.y).unwrap());
            assert_eq!(got, (want.x, want.y), "{n} bits {bits:?}");
            assert_eq!(rows, 10 * n.div_ceil(2), "{n} bits");
            // A wrong selection is caught: flip the last window's output x.
            if n > 0 {
                c.set_value(out.x, c.value(out.x).unwrap() + Fr::from(1u64)).unwrap();
                assert!(c.check_satisfied().is_err(), "{n} bits");
            }
        }
    }
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
        let digits = scalar_digits(&mut c, k);
        let kg = c.ecc_fixed_base_mul(&digits, &g).unwrap();
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

/// `k·base` for the integer `Σ digitsᵢ·5ⁱ`, by arkworks (Horner from the top digit).
fn native_fixed_base(digits: &[u8], base: EdwardsAffine) -> EdwardsAffine {
    let mut acc = EdwardsProjective::zero();
    for &d in digits.iter().rev() {
        acc = acc * Scalar::from(5u64) + base * Scalar::from(u64::from(d));
    }
    acc.into_affine()
}

/// `ecc_fixed_base_mul` over base-5 digit witnesses: the result, checked against
/// arkworks, and the rows it took (the digits' own rows not counted).
fn fixed_base_case(digits: &[u8], base: EdwardsAffine) -> usize {
    let mut c = Circuit::new();
    let vars: Vec<_> = digits.iter().map(|&d| c.quinary_digit(Fr::from(d))).collect();
    let before = c.num_gates();
    let out = c.ecc_fixed_base_mul(&vars, &base).unwrap();
    let rows = c.num_gates() - before;
    c.check_satisfied().unwrap();
    let want = native_fixed_base(digits, base);
    let n = digits.len();
    assert_eq!((c.value(out.x).unwrap(), c.value(out.y).unwrap()), (want.x, want.y), "{n} digits");
    rows
}

#[test]
fn windowed_fixed_base_matches_arkworks() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let g = EdwardsAffine::generator();
    let bases = [g, (g * Scalar::rand(&mut rng)).into_affine()];
    for base in bases {
        for n in [0usize, 1, 2, 3, 4, 5, 54, 108, MAX_QUINARY_DIGITS] {
            let random: Vec<u8> = (0..n).map(|_| rng.gen_range(0..5)).collect();
            let mut one = vec![0; n];
            if n > 0 {
                one[0] = 1;
            }
            for digits in [vec![0; n], one, vec![4; n], random] {
                let rows = fixed_base_case(&digits, base);
                // One row per coordinate per window, two per addition after the first.
                let expected = if n == 0 { 0 } else { 4 * n - 2 };
                assert_eq!(rows, expected, "{n} digits");
            }
        }
    }
    // The group order's digits (a scalar ≡ 0) and order − 1 (−base): sums that pass
    // through ±(the next window's multiple) and end at the identity.
    let order = quinary_digits(&Scalar::MODULUS.0, MAX_QUINARY_DIGITS);
    fixed_base_case(&order, g);
    let minus_one = quinary_digits(&(-Scalar::from(1u64)).into_bigint().0, MAX_QUINARY_DIGITS);
    fixed_base_case(&minus_one, g);
    // 5^109 − 1, the largest scalar the digits hold, above the order.
    fixed_base_case(&[4; MAX_QUINARY_DIGITS], g);
}

#[test]
fn too_many_digits_are_a_typed_error() {
    let mut c = Circuit::new();
    let digits: Vec<_> =
        (0..=MAX_QUINARY_DIGITS).map(|_| c.quinary_digit(Fr::from(0u64))).collect();
    let g = EdwardsAffine::generator();
    let want = CircuitError::QuinaryTooWide { digits: 110, max: 109 };
    assert_eq!(c.ecc_fixed_base_mul(&digits, &g).unwrap_err(), want);
    let one = c.one();
    assert_eq!(c.range_check_quinary(one, 110).unwrap_err(), want);
}

/// The digit rows accept exactly 0…4, and the square row catches a wrong square.
#[test]
fn quinary_digits_are_checked() {
    for v in 0..=4u64 {
        let mut c = Circuit::new();
        c.quinary_digit(Fr::from(v));
        c.check_satisfied().unwrap();
    }
    for v in [Fr::from(5u64), -Fr::from(1u64), Fr::from(1u64) / Fr::from(2u64)] {
        let mut c = Circuit::new();
        let before = c.num_gates();
        c.quinary_digit(v);
        assert_eq!(
            c.check_satisfied(),
            Err(CircuitError::GateUnsatisfied { index: before + 1, kind: GateKind::QuinaryDigit })
        );
    }
    // A "square" that is not: d = 2 with d² claimed 9 fails its square row first.
    let mut c = Circuit::new();
    let before = c.num_gates();
    let d = c.quinary_digit(Fr::from(2u64));
    c.set_value(d.square, Fr::from(9u64)).unwrap();
    assert_eq!(
        c.check_satisfied(),
        Err(CircuitError::GateUnsatisfied { index: before, kind: GateKind::DigitSquare })
    );
}

/// `5^109 < r < 5^110`: 109 digits never wrap, 110 could.
#[test]
fn the_most_digits_fit_the_field() {
    use ark_ff::BigInteger256;
    let r = Fr::MODULUS;
    let top = quinary_digits(&r.0, MAX_QUINARY_DIGITS + 1);
    assert!(top[MAX_QUINARY_DIGITS] > 0, "r ≥ 5^109");
    let rest = quinary_digits(&r.0, MAX_QUINARY_DIGITS + 2);
    assert_eq!(rest[MAX_QUINARY_DIGITS + 1], 0, "r < 5^110");
    // Digits round-trip: Σ dᵢ·5ⁱ rebuilds the limbs.
    let v = BigInteger256::new([7, 11, 13, 17]);
    let ds = quinary_digits(&v.0, 120);
    let back = ds.iter().rev().fold(Fr::from(0u64), |acc, &d| acc * Fr::from(5u64) + Fr::from(d));
    assert_eq!(back, Fr::from(v));
}

#[test]
fn a_quinary_witness_truncates_to_its_digits() {
    let mut c = Circuit::new();
    let (v, ds) = c.quinary_witness(Fr::from(3 * 25 + 4u64), 3).unwrap();
    assert_eq!(c.value(v).unwrap(), Fr::from(79u64));
    let digits: Vec<Fr> = ds.iter().map(|d| c.value(d.d).unwrap()).collect();
    assert_eq!(digits, [4u64, 0, 3].map(Fr::from));
    let (w, _) = c.quinary_witness(Fr::from(125 + 7u64), 3).unwrap();
    assert_eq!(c.value(w).unwrap(), Fr::from(7u64), "132 keeps its low three digits");
    c.check_satisfied().unwrap();
}

#[test]
fn a_quinary_range_check_accepts_below_the_bound_only() {
    for (value, digits, ok) in [(124u64, 3, true), (125, 3, false), (0, 0, true), (1, 0, false)] {
        let mut c = Circuit::new();
        let v = c.witness(Fr::from(value));
        let ds = c.range_check_quinary(v, digits).unwrap();
        assert_eq!(ds.len(), digits);
        match c.check_satisfied() {
            Ok(()) => assert!(ok, "{value} < 5^{digits} accepted"),
            Err(e) => {
                assert!(!ok, "{value} rejected: {e}");
                assert!(matches!(e, CircuitError::GateUnsatisfied { kind: GateKind::Equal, .. }));
            }
        }
    }
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
    let d = c.quinary_digit(Fr::from(3u64));
    let before = c.num_gates();
    let out = c.ecc_fixed_base_mul(&[d], &EdwardsAffine::generator()).unwrap();
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
    let want_g = (EdwardsAffine::generator() * k).into_affine();
    let mut c = Circuit::new();
    let (x, y) = (c.public_input(want.x), c.public_input(want.y));
    let (gx, gy) = (c.public_input(want_g.x), c.public_input(want_g.y));
    let bits = scalar_bits(&mut c, k);
    let pv = c.point_witness(p.x, p.y);
    let kp = c.ecc_scalar_mul(&bits, pv).unwrap();
    c.enforce_equal(kp.x, x).unwrap();
    c.enforce_equal(kp.y, y).unwrap();
    // The base-5 digit and window rows in a proof too.
    let digits = scalar_digits(&mut c, k);
    let kg = c.ecc_fixed_base_mul(&digits, &EdwardsAffine::generator()).unwrap();
    c.enforce_equal(kg.x, gx).unwrap();
    c.enforce_equal(kg.y, gy).unwrap();
    let accel = Accel::cpu().unwrap();
    let srs = Srs::insecure_dev(doppio_plonk::srs_degree(c.domain_size()), 3);
    let (pk, vk) = preprocess(&srs, &c, &accel).unwrap();
    let proof = prove(&accel, &pk, &c, &mut rng).unwrap();
    verify(&vk, &[want.x, want.y, want_g.x, want_g.y], &proof).unwrap();
    let other = (p * (k + Scalar::from(1u64))).into_affine();
    assert!(verify(&vk, &[other.x, other.y, want_g.x, want_g.y], &proof).is_err());
    let other_g = (EdwardsAffine::generator() * (k + Scalar::from(1u64))).into_affine();
    assert!(verify(&vk, &[want.x, want.y, other_g.x, other_g.y], &proof).is_err());
    // Claiming another result: the final equality gate is named.
    c.set_value(x, other.x).unwrap();
    assert!(matches!(
        c.check_satisfied(),
        Err(CircuitError::GateUnsatisfied { kind: GateKind::Equal, .. })
    ));
}
