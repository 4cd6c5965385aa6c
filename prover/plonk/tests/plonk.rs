//! Completeness, soundness, the satisfiability checker, serialisation and the Solidity
//! export, on circuits that use every gate kind.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ed_on_bn254::EdwardsAffine;
use ark_ff::{Field, One, UniformRand, Zero};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use doppio_accel::Accel;
use doppio_kzg::{KzgError, Srs};
use doppio_plonk::{
    Circuit, CircuitError, GateKind, PlonkError, Proof, ProvingKey, Selectors, VerifyingKey,
    preprocess, prove, srs_degree, verify,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn accel() -> Accel {
    Accel::cpu().expect("cpu backend")
}

/// `y = x³ + x + 5` with `x` private and `y` public.
fn cubic(x: u64) -> Circuit {
    cubic_with_square(x).0
}

/// [`cubic`] and the variable holding `x²`.
fn cubic_with_square(x: u64) -> (Circuit, doppio_plonk::Variable) {
    let mut c = Circuit::new();
    let xv = Fr::from(x);
    let y = c.public_input(xv * xv * xv + xv + Fr::from(5u64));
    let x = c.witness(xv);
    let x2 = c.mul(x, x).unwrap();
    let x3 = c.mul(x2, x).unwrap();
    let five = c.constant(Fr::from(5u64));
    let s = c.add(x3, x).unwrap();
    let out = c.add(s, five).unwrap();
    c.enforce_equal(out, y).unwrap();
    (c, x2)
}

/// Every gadget: Edwards additions, Poseidon-style rounds, range checks, booleans,
/// selection, custom gates, and three public inputs declared between other gates.
fn gadgets(seed: u64) -> Circuit {
    let mut r = rng(seed);
    let mut c = Circuit::new();
    let p = EdwardsAffine::rand(&mut r);
    let q = EdwardsAffine::rand(&mut r);
    let sum: EdwardsAffine = (p + q).into_affine();
    let pv = c.point_witness(p.x, p.y);
    let qv = c.point_witness(q.x, q.y);
    let s = c.ecc_add(pv, qv).unwrap();
    let sx = c.public_input(sum.x);
    c.enforce_equal(s.x, sx).unwrap();
    // Doubling goes through the same complete formula.
    let d = c.ecc_add(s, s).unwrap();
    let double = (sum + sum).into_affine();
    c.enforce_constant(d.y, double.y).unwrap();

    let state: Vec<_> = (0..3).map(|_| c.witness(Fr::rand(&mut r))).collect();
    let m = [Fr::from(5u64), Fr::from(3u64), Fr::from(7u64), Fr::zero()];
    let mut round = c
        .pow5_lc([state[0], state[1], state[2], c.zero()], Fr::from(2u64), m, Fr::from(11u64))
        .unwrap();
    for _ in 0..4 {
        round = c.pow5(round).unwrap();
    }
    let hash = c.value(round).unwrap();
    let hv = c.public_input(hash);
    c.enforce_equal(round, hv).unwrap();

    let small = c.witness(Fr::from(1_000_003u64));
    let bits = c.range_check(small, 20).unwrap();
    assert_eq!(bits.len(), 20);
    let b = c.bool_witness(true);
    let chosen = c.select(b, small, state[0]).unwrap();
    c.enforce_equal(chosen, small).unwrap();
    let prod = c.mul_add([small, small, b, state[1]], [Fr::from(3u64), -Fr::one()]).unwrap();
    let lc = c
        .lc([small, b, state[2], prod], [Fr::one(), Fr::from(9u64), -Fr::one(), Fr::one()])
        .unwrap();
    let lcv = c.value(lc).unwrap();
    let out = c.public_input(lcv);
    c.enforce_equal(lc, out).unwrap();
    // A hand-built gate: 2·a + b − out = 0.
    let a = c.witness(Fr::from(4u64));
    let o = c.witness(Fr::from(9u64));
    let sel = Selectors {
        q_lc: [Fr::from(2u64), Fr::one(), Fr::zero(), Fr::zero()],
        ..Default::default()
    };
    c.gate([a, c.one(), c.zero(), c.zero(), o], sel).unwrap();
    c.enforce_bool(c.one()).unwrap();
    c
}

/// `gates` random arithmetic gates over a growing set of variables, with `inputs` public inputs.
fn random_circuit(gates: usize, inputs: usize, seed: u64) -> Circuit {
    random_circuit_with_outputs(gates, inputs, seed).0
}

/// [`random_circuit`] and the variables its gates output.
fn random_circuit_with_outputs(
    gates: usize,
    inputs: usize,
    seed: u64,
) -> (Circuit, Vec<doppio_plonk::Variable>) {
    let mut r = rng(seed);
    let mut c = Circuit::new();
    let mut vars: Vec<_> = (0..inputs).map(|_| c.public_input(Fr::rand(&mut r))).collect();
    vars.push(c.witness(Fr::rand(&mut r)));
    while c.num_gates() < gates {
        let a = vars[r.gen_range(0..vars.len())];
        let b = vars[r.gen_range(0..vars.len())];
        let v = match r.gen_range(0..4) {
            0 => c.add(a, b).unwrap(),
            1 => c.mul(a, b).unwrap(),
            2 => c.pow5(a).unwrap(),
            _ => c
                .lc([a, b, a, b], [Fr::from(3u64), Fr::from(5u64), Fr::one(), Fr::rand(&mut r)])
                .unwrap(),
        };
        vars.push(v);
    }
    let outputs = vars.split_off(inputs + 1);
    (c, outputs)
}

fn setup(c: &Circuit, seed: u64) -> (ProvingKey, VerifyingKey, Proof) {
    let accel = accel();
    let srs = Srs::insecure_dev(srs_degree(c.domain_size()), 7);
    c.check_satisfied().expect("the test circuit is satisfied");
    let (pk, vk) = preprocess(&srs, c, &accel).expect("preprocess");
    let proof = prove(&accel, &pk, c, &mut rng(seed)).expect("prove");
    (pk, vk, proof)
}

#[test]
fn proofs_of_satisfied_circuits_verify() {
    let circuits = [cubic(3), gadgets(1), random_circuit(300, 4, 2), random_circuit(100, 0, 3)];
    for (i, c) in circuits.iter().enumerate() {
        let (_, vk, proof) = setup(c, i as u64);
        verify(&vk, &c.public_inputs(), &proof).unwrap_or_else(|e| panic!("circuit {i}: {e}"));
    }
}

#[test]
fn proofs_are_randomised_and_all_verify() {
    let c = cubic(9);
    let accel = accel();
    let (pk, vk, p1) = setup(&c, 1);
    let p2 = prove(&accel, &pk, &c, &mut rng(2)).unwrap();
    assert_ne!(p1, p2, "blinding makes proofs differ");
    assert_ne!(p1.wire_comms, p2.wire_comms);
    verify(&vk, &c.public_inputs(), &p2).unwrap();
}

#[test]
fn a_changed_public_input_is_rejected() {
    let c = gadgets(4);
    let (_, vk, proof) = setup(&c, 4);
    let inputs = c.public_inputs();
    for i in 0..inputs.len() {
        let mut changed = inputs.clone();
        changed[i] += Fr::one();
        assert!(
            matches!(verify(&vk, &changed, &proof), Err(PlonkError::InvalidProof(_))),
            "input {i}"
        );
    }
    assert_eq!(
        verify(&vk, &inputs[..2], &proof),
        Err(PlonkError::PublicInputCount { expected: 3, got: 2 })
    );
}

#[test]
fn every_tampered_proof_element_is_rejected() {
    let c = random_circuit(60, 2, 5);
    let (_, vk, proof) = setup(&c, 5);
    let inputs = c.public_inputs();
    verify(&vk, &inputs, &proof).unwrap();
    let bump = |p: &mut G1Affine| *p = (*p + G1Affine::generator()).into_affine();
    let mut tampered: Vec<Proof> = Vec::new();
    for i in 0..5 {
        let mut p = proof.clone();
        bump(&mut p.wire_comms[i]);
        tampered.push(p);
        let mut p = proof.clone();
        p.wire_evals[i] += Fr::one();
        tampered.push(p);
    }
    for i in 0..4 {
        let mut p = proof.clone();
        p.sigma_evals[i] += Fr::one();
        tampered.push(p);
    }
    let mut p = proof.clone();
    bump(&mut p.z_comm);
    tampered.push(p);
    for i in 0..2 {
        let mut p = proof.clone();
        bump(&mut p.quotient_comms[i]);
        tampered.push(p);
    }
    // The pieces swapped: their sum at X = 1 is unchanged, at ζ it is not.
    let mut p = proof.clone();
    p.quotient_comms.swap(0, 1);
    tampered.push(p);
    let mut p = proof.clone();
    p.z_shift_eval += Fr::one();
    tampered.push(p);
    let mut p = proof.clone();
    bump(&mut p.opening);
    tampered.push(p);
    let mut p = proof.clone();
    bump(&mut p.shift_opening);
    tampered.push(p);
    assert_eq!(tampered.len(), 21);
    for (i, p) in tampered.iter().enumerate() {
        assert!(matches!(verify(&vk, &inputs, p), Err(PlonkError::InvalidProof(_))), "element {i}");
    }
}

#[test]
fn a_proof_fails_under_another_circuits_key() {
    // Same domain and input count, different gates.
    let (a, b) = (random_circuit(200, 2, 6), random_circuit(200, 2, 7));
    assert_eq!(a.domain_size(), b.domain_size());
    let (_, _, proof) = setup(&a, 6);
    let (_, vk_b, _) = setup(&b, 7);
    assert!(matches!(verify(&vk_b, &a.public_inputs(), &proof), Err(PlonkError::InvalidProof(_))));
    // A key over another SRS (another τ) rejects it too.
    let accel = accel();
    let other_srs = Srs::insecure_dev(srs_degree(a.domain_size()), 8);
    let (_, vk_other) = preprocess(&other_srs, &a, &accel).unwrap();
    assert!(matches!(
        verify(&vk_other, &a.public_inputs(), &proof),
        Err(PlonkError::InvalidProof(_))
    ));
}

#[test]
fn the_checker_names_the_first_broken_gate() {
    let (mut c, x2) = cubic_with_square(3);
    c.check_satisfied().unwrap();
    c.set_value(x2, Fr::from(10u64)).unwrap();
    // Rows: 0 public input, 1–2 the constants 0 and 1, 3 x·x.
    let err = c.check_satisfied().unwrap_err();
    assert_eq!(err, CircuitError::GateUnsatisfied { index: 3, kind: GateKind::Mul });
    let (pk, _, _) = setup(&cubic(3), 1);
    let e = prove(&accel(), &pk, &c, &mut rng(1)).unwrap_err();
    assert_eq!(e, PlonkError::Circuit(err));

    // A range check of a value that does not fit fails at its final equality.
    let mut c = Circuit::new();
    let v = c.witness(Fr::from(1u64 << 10));
    c.range_check(v, 10).unwrap();
    let err = c.check_satisfied().unwrap_err();
    assert_eq!(
        err,
        CircuitError::GateUnsatisfied { index: c.num_gates() - 1, kind: GateKind::Equal }
    );
    // A non-boolean value held by a boolean gate.
    let mut c = Circuit::new();
    let b = c.bool_witness(true);
    c.set_value(b, Fr::from(2u64)).unwrap();
    assert_eq!(
        c.check_satisfied(),
        Err(CircuitError::GateUnsatisfied { index: 2, kind: GateKind::Boolean })
    );
    // An Edwards addition fed a point that is not the sum.
    let mut c = Circuit::new();
    let (p, q) = (EdwardsAffine::rand(&mut rng(9)), EdwardsAffine::rand(&mut rng(10)));
    let (pv, qv) = (c.point_witness(p.x, p.y), c.point_witness(q.x, q.y));
    let s = c.ecc_add(pv, qv).unwrap();
    c.check_satisfied().unwrap();
    c.set_value(s.y, Fr::from(5u64)).unwrap();
    assert!(matches!(
        c.check_satisfied(),
        Err(CircuitError::GateUnsatisfied { kind: GateKind::EdwardsAddY, .. })
    ));
}

#[test]
fn variables_of_another_circuit_are_refused() {
    let mut big = Circuit::new();
    let far = (0..10).map(|_| big.witness(Fr::one())).last().unwrap();
    let mut c = Circuit::new();
    assert_eq!(
        c.add(far, far),
        Err(CircuitError::UnknownVariable { index: far.index(), count: 2 })
    );
    assert_eq!(
        c.range_check(c.one(), 300).unwrap_err(),
        CircuitError::RangeTooWide { bits: 300, max: 254 }
    );
}

#[test]
fn a_too_small_srs_is_a_typed_error() {
    let c = random_circuit(100, 1, 10);
    let n = c.domain_size();
    // Enough for the wires and z (n + 3 powers), not for the quotient's blinded low
    // piece of degree 5n/2 + 4.
    let srs = Srs::insecure_dev(5 * n / 2 + 3, 7);
    let err = preprocess(&srs, &c, &accel()).unwrap_err();
    assert_eq!(
        err,
        PlonkError::Kzg(KzgError::SrsTooSmall {
            degree: 5 * n / 2 + 4,
            needed: 5 * n / 2 + 5,
            available: 5 * n / 2 + 4
        })
    );
    assert_eq!(srs_degree(n), 5 * n / 2 + 4);
}

#[test]
fn a_circuit_of_another_shape_is_refused_by_the_key() {
    let (pk, _, _) = setup(&cubic(2), 1);
    let big = random_circuit(40, 1, 11);
    assert!(matches!(
        prove(&accel(), &pk, &big, &mut rng(1)),
        Err(PlonkError::KeyMismatch { what: "the domain size", .. })
    ));
    let mut other = Circuit::new();
    other.public_input(Fr::one());
    other.public_input(Fr::one());
    for _ in 0..6 {
        other.enforce_bool(other.one()).unwrap();
    }
    assert_eq!(other.domain_size(), pk.domain_size());
    assert!(matches!(
        prove(&accel(), &pk, &other, &mut rng(1)),
        Err(PlonkError::KeyMismatch { what: "the public input count", circuit: 2, key: 1 })
    ));
}

fn round_trip<T: CanonicalSerialize + CanonicalDeserialize>(x: &T) -> T {
    let mut bytes = Vec::new();
    x.serialize_compressed(&mut bytes).unwrap();
    let back = T::deserialize_compressed(&bytes[..]).unwrap();
    let mut raw = Vec::new();
    x.serialize_uncompressed(&mut raw).unwrap();
    T::deserialize_uncompressed(&raw[..]).unwrap();
    // A truncated encoding is an error, not a panic.
    assert!(T::deserialize_compressed(&bytes[..bytes.len() - 1]).is_err());
    back
}

#[test]
fn keys_and_proofs_round_trip_through_serialisation() {
    let c = gadgets(12);
    let (pk, vk, proof) = setup(&c, 12);
    let proof2 = round_trip(&proof);
    assert_eq!(proof2, proof);
    let vk2 = round_trip(&vk);
    assert_eq!(vk2, vk);
    let pk2 = round_trip(&pk);
    assert_eq!(pk2, pk);
    assert_eq!(pk2.verifying_key(), &vk);
    // A proof made with the deserialised proving key verifies under the deserialised key.
    let proof3 = prove(&accel(), &pk2, &c, &mut rng(13)).unwrap();
    verify(&vk2, &c.public_inputs(), &proof3).unwrap();
    // Proof size: 10 compressed G1 points (the quotient in two) and 10 field elements.
    assert_eq!(proof.compressed_size(), 10 * 32 + 10 * 32);
}

#[test]
fn the_verifying_key_exports_as_solidity_constants() {
    let c = cubic(3);
    let (_, vk, _) = setup(&c, 1);
    let src = vk.solidity_library("TestVk").unwrap();
    for bad in ["", "1Vk", "Vk-2", "Vk {"] {
        assert_eq!(vk.solidity_library(bad), Err(PlonkError::InvalidIdentifier(bad.into())));
    }
    let mut malformed = vk.clone();
    malformed.domain_size = 3;
    assert!(matches!(malformed.solidity_library("Vk"), Err(PlonkError::MalformedKey(_))));
    assert!(src.contains("library TestVk {"));
    assert!(src.contains(&format!("uint256 internal constant DOMAIN_SIZE = {};", vk.domain_size)));
    assert!(src.contains("uint256 internal constant NUM_INPUTS = 1;"));
    let digest: String = vk.digest().iter().map(|b| format!("{b:02x}")).collect();
    assert!(src.contains(&format!("bytes32 internal constant VK_DIGEST = 0x{digest};")));
    let (x, _) = vk.selector_comms[4].xy().unwrap();
    let hex = doppio_plonk::transcript::field_bytes(&x)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    assert!(src.contains(&format!("uint256 internal constant Q_MUL0_X = 0x{hex};")));
    // 3 domain words, the input count, 5 coset constants, 15 points × 2, 2 G2 points × 4.
    assert_eq!(src.matches("uint256 internal constant").count(), 3 + 1 + 5 + 30 + 8);
    assert!(src.trim_end().ends_with('}'));
}

#[test]
fn the_verifying_key_digest_covers_every_field() {
    let c = cubic(3);
    let (_, vk, _) = setup(&c, 1);
    let mut other = vk.clone();
    other.sigma_comms[4] = (G1Projective::generator() * Fr::from(3u64)).into_affine();
    assert_ne!(other.digest(), vk.digest());
    let mut other = vk.clone();
    other.num_inputs += 1;
    assert_ne!(other.digest(), vk.digest());
    // The encoding: tag, 7 words, 15 points (9 selectors, 5 σ, [1]₁), 2 G2 points.
    assert_eq!(vk.encode().len(), 15 + 7 * 32 + 15 * 64 + 2 * 128);
    assert_eq!(vk.g, G1Affine::generator());
    assert_eq!(Fr::from(vk.domain_size).inverse().unwrap() * Fr::from(vk.domain_size), Fr::one());
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Preprocessing is deterministic for a given SRS and proving for a given RNG: these
/// digests change only when the key layout, the transcript or the prover's arithmetic does.
#[test]
fn the_key_digest_and_a_seeded_proof_are_pinned() {
    use sha3::{Digest, Keccak256};
    let c = cubic(3);
    let (_, vk, proof) = setup(&c, 1);
    let mut bytes = Vec::new();
    proof.serialize_compressed(&mut bytes).unwrap();
    assert_eq!(
        hex(&vk.digest()),
        "1de1884e3a389870bd59fe55632bc858609d00c5d2ab591ef63d883fb9e4f2b1"
    );
    assert_eq!(
        hex(&Keccak256::digest(&bytes)),
        "e716769f37d6e9bdad1909c7bd8e0b000de9406f27e9b93602af3a6a54583f67"
    );
}

#[test]
fn malformed_verifying_keys_are_refused() {
    let c = cubic(3);
    let (_, vk, proof) = setup(&c, 1);
    let inputs = c.public_inputs();
    let mut bad = vk.clone();
    bad.domain_size = 12;
    assert!(matches!(verify(&bad, &inputs, &proof), Err(PlonkError::MalformedKey(_))));
    let mut bad = vk.clone();
    bad.num_inputs = bad.domain_size + 1;
    assert!(matches!(verify(&bad, &inputs, &proof), Err(PlonkError::MalformedKey(_))));
    let mut bad = vk.clone();
    bad.k[1] = Fr::from(2u64);
    assert!(matches!(verify(&bad, &inputs, &proof), Err(PlonkError::MalformedKey(_))));
    // A proving key whose encoding was cut short of its powers does not deserialise.
    let (pk, _, _) = setup(&c, 1);
    let mut bytes = Vec::new();
    pk.serialize_compressed(&mut bytes).unwrap();
    assert!(ProvingKey::deserialize_compressed(&bytes[..bytes.len() - 32]).is_err());
}

/// The prover's MSMs and NTTs all go through the acceleration layer: 10 commitments in
/// 4 calls, and 5 + 5 + 1 + 1 + 5·(|coset batch| + 1) transforms in 14 calls; with the
/// key's coset evaluations cached, the permutation polynomials' batch goes too.
#[test]
fn the_prover_runs_its_msms_and_ntts_on_the_layer() {
    use doppio_accel::Op;
    let c = gadgets(14);
    let (pk, vk, _) = setup(&c, 14);
    let accel = accel();
    let proof = prove(&accel, &pk, &c, &mut rng(15)).unwrap();
    verify(&vk, &c.public_inputs(), &proof).unwrap();
    let calls = |op: Op| {
        accel.metrics().snapshot().iter().filter(|m| m.op == op).map(|m| m.calls).sum::<u64>()
    };
    // Wires, the quotient's pieces and the openings in batches; z alone.
    assert_eq!(calls(Op::MsmBatchPrepared), 3);
    assert_eq!(calls(Op::Msm), 1);
    // z, PI and the quotient's 5 interpolations alone; wires, σ and the 5 cosets in batches.
    assert_eq!(calls(Op::Ntt), 7);
    assert_eq!(calls(Op::NttBatch), 7);

    pk.cache_coset_evaluations(&accel).unwrap();
    let (ntt, batches) = (calls(Op::Ntt), calls(Op::NttBatch));
    let cached = prove(&accel, &pk, &c, &mut rng(16)).unwrap();
    verify(&vk, &c.public_inputs(), &cached).unwrap();
    assert_eq!(calls(Op::Ntt) - ntt, 7);
    // Wires and the 5 cosets' dynamic polynomials; σ's values come from the cache.
    assert_eq!(calls(Op::NttBatch) - batches, 6);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(6))]

    /// Random circuits prove and verify; changing any gate's output is caught by the checker.
    #[test]
    fn random_circuits_prove_and_broken_witnesses_are_caught(
        gates in 10usize..120,
        inputs in 0usize..4,
        seed in 0u64..1000,
        victim in 0usize..1000,
    ) {
        let (c, outputs) = random_circuit_with_outputs(gates, inputs, seed);
        let (_, vk, proof) = setup(&c, seed);
        proptest::prop_assert!(verify(&vk, &c.public_inputs(), &proof).is_ok());
        let mut broken = c.clone();
        let target = outputs[victim % outputs.len()];
        let old = broken.value(target).unwrap();
        broken.set_value(target, old + Fr::one()).unwrap();
        let caught = matches!(broken.check_satisfied(), Err(CircuitError::GateUnsatisfied { .. }));
        proptest::prop_assert!(caught, "a changed gate output went unnoticed");
    }
}

/// With the key's coset evaluations cached a proof is byte-identical to one without,
/// for the same randomness.
#[test]
fn cached_coset_evaluations_give_the_same_proof() {
    let c = gadgets(16);
    let (pk, vk, _) = setup(&c, 16);
    let accel = accel();
    let plain = prove(&accel, &pk, &c, &mut rng(17)).unwrap();
    let cached_pk = pk.clone();
    cached_pk.cache_coset_evaluations(&accel).unwrap();
    cached_pk.cache_coset_evaluations(&accel).unwrap();
    let cached = prove(&accel, &cached_pk, &c, &mut rng(17)).unwrap();
    assert_eq!(cached, plain);
    verify(&vk, &c.public_inputs(), &cached).unwrap();
    // The cache is not part of the key's identity or encoding.
    assert_eq!(cached_pk, pk);
    assert_eq!(cached_pk.compressed_size(), pk.compressed_size());
}

/// Wires committed to from their values over the SRS's Lagrange basis give the proof
/// committed to from their coefficients, byte for byte.
#[test]
fn wires_committed_over_the_lagrange_basis_give_the_same_proof() {
    let c = gadgets(18);
    let (pk, vk, _) = setup(&c, 18);
    assert!(pk.has_lagrange_basis());
    let accel = accel();
    let by_values = prove(&accel, &pk, &c, &mut rng(19)).unwrap();
    let plain = pk.without_lagrange_basis();
    assert!(!plain.has_lagrange_basis());
    let by_coefficients = prove(&accel, &plain, &c, &mut rng(19)).unwrap();
    assert_eq!(by_values, by_coefficients);
    verify(&vk, &c.public_inputs(), &by_values).unwrap();
    // The basis is part of the key and its encoding; a key without one round-trips too.
    assert_ne!(plain, pk);
    assert_eq!(round_trip(&plain), plain);
}

#[test]
fn wire_value_sizes_count_every_slot_of_the_domain() {
    let mut c = Circuit::new();
    let b = c.bool_witness(true);
    let wide = c.witness(Fr::from(1u64 << 40));
    let big = c.witness(-Fr::one());
    c.mul(b, wide).unwrap();
    c.add(big, big).unwrap();
    let [zero, small, medium, full] = c.wire_value_sizes();
    assert_eq!(zero + small + medium + full, 5 * c.domain_size());
    // The row fixing the constant 1 holds it once, the boolean row holds 1 twice; b·wide
    // has 1, 2^40 and 2^40; big + big has −1, −1 and −2, full-size field elements.
    assert_eq!((small, medium, full), (4, 2, 3));
}

/// A key from a Powers-of-Tau file prepared for phase 2 (made by snarkjs) takes the
/// file's Lagrange basis, and its proofs are those of the same key without it.
#[test]
fn a_key_from_a_prepared_ptau_file_commits_over_its_lagrange_basis() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../kzg/tests/data/pot5.ptau");
    let accel = accel();
    let c = cubic(3);
    let srs = Srs::from_ptau(&path, srs_degree(c.domain_size()), &accel).unwrap();
    let (pk, vk) = preprocess(&srs, &c, &accel).unwrap();
    assert!(pk.has_lagrange_basis());
    let proof = prove(&accel, &pk, &c, &mut rng(20)).unwrap();
    verify(&vk, &c.public_inputs(), &proof).unwrap();
    let plain = prove(&accel, &pk.without_lagrange_basis(), &c, &mut rng(20)).unwrap();
    assert_eq!(plain, proof);
}

#[test]
fn proofs_are_the_same_with_and_without_the_cpu_lanes() {
    // Where the CPU has the AVX-512 IFMA lanes, the quotient's rows are evaluated eight
    // at a time (and the layer's MSMs and NTTs use them); the portable arithmetic must
    // give the same proof byte for byte. 3,000 gates: several row chunks.
    let c = random_circuit(3000, 4, 9);
    let (_, _, fast) = setup(&c, 5);
    doppio_accel::kernels::force_portable_field(true);
    let (_, _, portable) = setup(&c, 5);
    doppio_accel::kernels::force_portable_field(false);
    assert_eq!(fast, portable);
}
