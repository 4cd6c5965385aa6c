//! Poseidon and Schnorr against the vectors of `tests/vectors` (circomlibjs and an
//! independent JavaScript implementation), plus rejection of malformed keys, signatures
//! and tampered messages.

use std::str::FromStr;

use ark_ec::{CurveGroup, PrimeGroup};
use ark_ed_on_bn254::{EdwardsAffine, EdwardsProjective, Fq, Fr as Scalar};
use ark_ff::{BigInteger, One, PrimeField, Zero};
use ark_serialize::CanonicalSerialize;
use doppio_light_client::{
    Field, SchnorrError, SchnorrSignature, SchnorrSigningKey, SchnorrVerKey, poseidon,
    schnorr::{self, MAX_MESSAGE_LEN},
    state::sponge_commit,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::Value;

fn field(v: &Value) -> Field {
    Field::from_str(v.as_str().expect("decimal string")).expect("field element")
}

fn vectors(name: &str) -> Value {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("vector file")).expect("json")
}

#[test]
fn poseidon_matches_circomlibjs() {
    let file = vectors("poseidon.json");
    let vs = file["vectors"].as_array().expect("vectors");
    assert_eq!(vs.len(), 48, "three vectors for each width 1..=16");
    for v in vs {
        let inputs: Vec<Field> = v["inputs"].as_array().unwrap().iter().map(field).collect();
        assert_eq!(poseidon::hash(&inputs).unwrap(), field(&v["output"]), "inputs {inputs:?}");
    }
}

#[test]
fn poseidon_of_one_is_the_published_circomlib_value() {
    // circomlib's own test (test/poseidoncircuit.js) and every circom-compatible library.
    let expected = Field::from_str(
        "18586133768512220936620570745912940619677854269274689475585506675881198879027",
    )
    .unwrap();
    assert_eq!(poseidon::hash(&[Field::from(1u64)]).unwrap(), expected);
}

#[test]
fn capacity_hashes_and_sponge_commitments_match_circomlibjs() {
    let file = vectors("poseidon_capacity.json");
    let hashes = file["hashes"].as_array().expect("hashes");
    assert_eq!(hashes.len(), 12, "three capacities for each width 2..=5");
    for v in hashes {
        let inputs: Vec<Field> = v["inputs"].as_array().unwrap().iter().map(field).collect();
        let capacity = field(&v["capacity"]);
        let output = field(&v["output"]);
        assert_eq!(poseidon::hash_with_capacity(capacity, &inputs).unwrap(), output);
        assert_ne!(poseidon::hash(&inputs).unwrap(), output, "the capacity matters");
    }
    let sponge = file["sponge"].as_array().expect("sponge");
    assert_eq!(sponge.len(), 9);
    for v in sponge {
        let elements: Vec<Field> = v["elements"].as_array().unwrap().iter().map(field).collect();
        assert_eq!(
            sponge_commit(&elements),
            field(&v["commitment"]),
            "{} elements",
            elements.len()
        );
        // One chunk: circomlibjs `poseidon(chunk, len)` with the chunk zero-padded.
        if (1..=3).contains(&elements.len()) {
            let mut chunk = elements.clone();
            chunk.resize(3, Field::zero());
            let len = Field::from(elements.len() as u64);
            assert_eq!(poseidon::hash_with_capacity(len, &chunk).unwrap(), field(&v["commitment"]));
        }
    }
    // The empty list is the permutation of [0, 0, 0, 0].
    assert_eq!(sponge_commit(&[]), poseidon::hash(&[Field::zero(); 3]).unwrap());
}

fn key(scalar: &Value) -> SchnorrSigningKey {
    SchnorrSigningKey::from_scalar(Scalar::from_str(scalar.as_str().unwrap()).unwrap()).unwrap()
}

fn point(v: &Value) -> (Fq, Fq) {
    (field(&v["x"]), field(&v["y"]))
}

#[test]
fn schnorr_matches_the_independent_implementation() {
    let file = vectors("schnorr.json");
    assert_eq!(field(&file["challenge_tag"]), schnorr::challenge_tag());
    let vs = file["vectors"].as_array().unwrap();
    assert_eq!(vs.len(), 16);
    // About one challenge hash in seven is out of range: some vectors reach the retry.
    let retried = vs.iter().filter(|v| v["attempt"].as_u64().unwrap() > 0).count();
    assert!(retried > 0, "no vector exercises the signer's retry");
    for v in vs {
        let sk = key(&v["secret_key"]);
        let pk = sk.ver_key();
        assert_eq!((pk.point().x, pk.point().y), point(&v["public_key"]));
        let msg: Vec<Field> = v["message"].as_array().unwrap().iter().map(field).collect();
        assert_eq!(schnorr::message_digest(&msg).unwrap(), field(&v["digest"]));
        let sig = sk.sign(&msg).unwrap();
        assert_eq!((sig.r().x, sig.r().y), point(&v["r"]), "R for {msg:?}");
        assert_eq!(sig.s(), Scalar::from_str(v["s"].as_str().unwrap()).unwrap());
        pk.verify(&msg, &sig).unwrap();
        // The challenge is the hash's low 128 bits.
        let c = schnorr::challenge(&sig.r(), &pk, &msg).unwrap();
        assert!(c.into_bigint().num_bits() <= schnorr::CHALLENGE_BITS as u32);
    }
}

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(42)
}

fn msg(n: u64) -> Vec<Field> {
    (0..n).map(|i| Field::from(i * 7 + 3)).collect()
}

/// A signature refused for what it is: one whose challenge hash changed is as likely
/// (about 14%) to be out of range as any hash.
fn refused(result: Result<(), SchnorrError>) -> bool {
    matches!(result, Err(SchnorrError::InvalidSignature | SchnorrError::ChallengeOutOfRange))
}

#[test]
fn schnorr_round_trip_and_tampering() {
    let sk = SchnorrSigningKey::generate(&mut rng());
    let pk = sk.ver_key();
    let m = msg(7);
    let sig = sk.sign(&m).unwrap();
    pk.verify(&m, &sig).unwrap();
    assert_eq!(sk.sign(&m).unwrap(), sig, "deterministic nonce");

    let mut tampered = m.clone();
    tampered[3] += Field::one();
    assert!(refused(pk.verify(&tampered, &sig)));
    assert!(refused(pk.verify(&m[..6], &sig)));

    let other = SchnorrSigningKey::generate(&mut ChaCha20Rng::seed_from_u64(7)).ver_key();
    assert!(refused(other.verify(&m, &sig)));

    let mut bytes = sig.to_bytes();
    bytes[40] ^= 1; // inside s
    let bad_s = SchnorrSignature::from_bytes(&bytes).unwrap();
    assert!(matches!(pk.verify(&m, &bad_s), Err(SchnorrError::InvalidSignature)));
    let other_r = sk.sign(&msg(2)).unwrap().to_bytes();
    let mut swapped = sig.to_bytes();
    swapped[..32].copy_from_slice(&other_r[..32]);
    let bad_r = SchnorrSignature::from_bytes(&swapped).unwrap();
    assert!(refused(pk.verify(&m, &bad_r)));
}

#[test]
fn message_length_limits() {
    let sk = SchnorrSigningKey::generate(&mut rng());
    let sig = sk.sign(&msg(MAX_MESSAGE_LEN as u64)).unwrap();
    sk.ver_key().verify(&msg(MAX_MESSAGE_LEN as u64), &sig).unwrap();
    let sig0 = sk.sign(&[]).unwrap();
    sk.ver_key().verify(&[], &sig0).unwrap();
    let long = msg(MAX_MESSAGE_LEN as u64 + 1);
    assert!(matches!(sk.sign(&long), Err(SchnorrError::MessageTooLong { len: 16, max: 15 })));
    assert!(matches!(
        sk.ver_key().verify(&long, &sig),
        Err(SchnorrError::MessageTooLong { len: 16, max: 15 })
    ));
}

#[test]
fn tagged_strings_round_trip() {
    let sk = SchnorrSigningKey::generate(&mut rng());
    let pk = sk.ver_key();
    let sig = sk.sign(&msg(3)).unwrap();
    let (sk_s, pk_s, sig_s) = (sk.to_string(), pk.to_string(), sig.to_string());
    assert!(sk_s.starts_with("SCHNORR_SIGNING_KEY~"), "{sk_s}");
    assert!(pk_s.starts_with("SCHNORR_VER_KEY~"), "{pk_s}");
    assert!(sig_s.starts_with("SCHNORR_SIG~"), "{sig_s}");
    assert_eq!(sk_s.parse::<SchnorrSigningKey>().unwrap(), sk);
    assert_eq!(pk_s.parse::<SchnorrVerKey>().unwrap(), pk);
    assert_eq!(sig_s.parse::<SchnorrSignature>().unwrap(), sig);

    let json = serde_json::to_string(&pk).unwrap();
    assert_eq!(json, format!("\"{pk_s}\""));
    assert_eq!(serde_json::from_str::<SchnorrVerKey>(&json).unwrap(), pk);
    assert!(serde_json::from_str::<SchnorrVerKey>("\"SCHNORR_VER_KEY~AAAA\"").is_err());
}

#[test]
fn malformed_strings_are_rejected() {
    let key = SchnorrSigningKey::generate(&mut rng()).ver_key();
    let pk = key.to_string();
    assert!(matches!(
        tagged("SCHNORR_SIG", &key.to_bytes()).parse::<SchnorrVerKey>(),
        Err(SchnorrError::WrongTag { expected: "SCHNORR_VER_KEY", .. })
    ));
    assert!(matches!(
        pk.replace("SCHNORR_VER_KEY", "BLS_VER_KEY").parse::<SchnorrVerKey>(),
        Err(SchnorrError::Encoding(_)) // the checksum covers the tag
    ));
    assert!(matches!("no delimiter".parse::<SchnorrVerKey>(), Err(SchnorrError::Encoding(_))));
    // Flip one base64 character: the checksum catches it.
    let mut chars: Vec<char> = pk.chars().collect();
    let i = "SCHNORR_VER_KEY~".len() + 3;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    let flipped: String = chars.into_iter().collect();
    assert!(matches!(flipped.parse::<SchnorrVerKey>(), Err(SchnorrError::Encoding(_))));
}

fn tagged(tag: &str, bytes: &[u8]) -> String {
    tagged_base64::TaggedBase64::new(tag, bytes).unwrap().to_string()
}

fn compressed(p: &EdwardsAffine) -> Vec<u8> {
    let mut out = vec![];
    p.serialize_compressed(&mut out).unwrap();
    out
}

/// A point of order 2 on the curve: (0, -1).
fn order_two() -> EdwardsAffine {
    EdwardsAffine::new_unchecked(Fq::zero(), -Fq::one())
}

#[test]
fn bad_points_are_rejected() {
    let identity = compressed(&EdwardsAffine::zero());
    assert!(matches!(
        tagged("SCHNORR_VER_KEY", &identity).parse::<SchnorrVerKey>(),
        Err(SchnorrError::Identity { .. })
    ));
    let g = EdwardsProjective::generator();
    let mixed = (g * Scalar::from(5u64) + order_two()).into_affine();
    assert!(mixed.is_on_curve());
    assert!(matches!(
        tagged("SCHNORR_VER_KEY", &compressed(&mixed)).parse::<SchnorrVerKey>(),
        Err(SchnorrError::NotInSubgroup { .. })
    ));
    // y with no x on the curve: search a few small y values.
    let off_curve = (2u64..100)
        .map(|y| {
            let mut b = vec![];
            Fq::from(y).serialize_compressed(&mut b).unwrap();
            b
        })
        .find(|b| {
            SchnorrVerKey::from_bytes(b)
                .is_err_and(|e| matches!(e, SchnorrError::NotOnCurve { .. }))
        });
    assert!(off_curve.is_some(), "some small y has no point");
    assert!(matches!(
        tagged("SCHNORR_VER_KEY", &[1, 2, 3]).parse::<SchnorrVerKey>(),
        Err(SchnorrError::WrongLength { expected: 32, found: 3, .. })
    ));
    // R of a signature gets the same checks.
    let sk = SchnorrSigningKey::generate(&mut rng());
    let mut sig = sk.sign(&msg(1)).unwrap().to_bytes();
    sig[..32].copy_from_slice(&compressed(&mixed));
    assert!(matches!(SchnorrSignature::from_bytes(&sig), Err(SchnorrError::NotInSubgroup { .. })));
}

#[test]
fn bad_scalars_are_rejected() {
    assert!(matches!(SchnorrSigningKey::from_bytes(&[0; 32]), Err(SchnorrError::ZeroSigningKey)));
    let mut order = [0u8; 32];
    order.copy_from_slice(&Scalar::MODULUS.to_bytes_le_vec());
    assert!(matches!(
        SchnorrSigningKey::from_bytes(&order),
        Err(SchnorrError::NonCanonicalScalar { .. })
    ));
    let sk = SchnorrSigningKey::generate(&mut rng());
    let mut sig = sk.sign(&msg(1)).unwrap().to_bytes();
    sig[32..].copy_from_slice(&order);
    assert!(matches!(
        SchnorrSignature::from_bytes(&sig),
        Err(SchnorrError::NonCanonicalScalar { .. })
    ));
}

#[test]
fn seeded_keys_are_deterministic() {
    let a = SchnorrSigningKey::from_seed(&[9; 32]).unwrap();
    let b = SchnorrSigningKey::from_seed(&[9; 32]).unwrap();
    let c = SchnorrSigningKey::from_seed(&[8; 32]).unwrap();
    assert_eq!(a, b);
    assert_ne!(a.ver_key(), c.ver_key());
    assert!(!format!("{a:?}").contains(&a.to_string()), "Debug must not print the secret");
}

trait ToBytesLeVec {
    fn to_bytes_le_vec(&self) -> Vec<u8>;
}

impl<B: ark_ff::BigInteger> ToBytesLeVec for B {
    fn to_bytes_le_vec(&self) -> Vec<u8> {
        self.to_bytes_le()
    }
}
