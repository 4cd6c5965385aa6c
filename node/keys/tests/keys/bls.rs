//! BLS keys against @noble/curves vectors, encodings and their rejection rules, PoP.

use std::str::FromStr;

use blst::{
    blst_p1, blst_p1_add_or_double, blst_p1_affine, blst_p1_cneg, blst_p1_from_affine,
    blst_p1_to_affine,
};
use doppio_keys::{
    BlsError, BlsPublicKey, BlsSecretKey, BlsSignature, ProofOfPossession,
    bls::{DST_POP, DST_SIG},
};
use serde_json::Value;

fn vectors() -> Value {
    let path = format!("{}/tests/vectors/bls.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

pub(crate) fn key(i: u8) -> BlsSecretKey {
    BlsSecretKey::from_ikm(&[i; 32])
}

#[test]
fn matches_noble_curves() {
    let file = vectors();
    assert_eq!(file["dst_sig"].as_str().unwrap().as_bytes(), DST_SIG);
    assert_eq!(file["dst_pop"].as_str().unwrap().as_bytes(), DST_POP);
    let vs = file["vectors"].as_array().unwrap();
    assert_eq!(vs.len(), 4);
    for v in vs {
        let sk = BlsSecretKey::from_bytes(&bytes(&v["secret_key"])).unwrap();
        let pk = sk.public_key();
        assert_eq!(pk.to_bytes().to_vec(), bytes(&v["public_key"]));
        assert_eq!(sk.proof_of_possession().to_bytes().to_vec(), bytes(&v["proof_of_possession"]));
        let pop = ProofOfPossession::from_bytes(&bytes(&v["proof_of_possession"])).unwrap();
        pk.verify_proof_of_possession(&pop).unwrap();
        for s in v["signatures"].as_array().unwrap() {
            let msg = bytes(&s["message"]);
            assert_eq!(sk.sign(&msg).to_bytes().to_vec(), bytes(&s["signature"]));
            let sig = BlsSignature::from_bytes(&bytes(&s["signature"])).unwrap();
            pk.verify(&msg, &sig).unwrap();
        }
    }
}

#[test]
fn aggregate_matches_noble_curves() {
    let agg = &vectors()["aggregate"];
    let keys: Vec<BlsPublicKey> = agg["public_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| BlsPublicKey::from_bytes(&bytes(k)).unwrap())
        .collect();
    let accel = doppio_accel::Accel::cpu().unwrap();
    let points: Vec<_> = keys.iter().map(|k| k.point()).collect();
    let sum = accel.bls_sum_g1(&points);
    let mut affine = blst_p1_affine::default();
    // SAFETY: both pointers refer to live, initialised points.
    unsafe { blst_p1_to_affine(&mut affine, &sum) };
    let sum_key = blst::min_pk::PublicKey::from(affine);
    assert_eq!(sum_key.to_bytes().to_vec(), bytes(&agg["aggregate_public_key"]));
    let agg_sig = BlsSignature::from_bytes(&bytes(&agg["aggregate_signature"])).unwrap();
    let agg_pk = BlsPublicKey::from_bytes(&bytes(&agg["aggregate_public_key"])).unwrap();
    agg_pk.verify(&bytes(&agg["message"]), &agg_sig).unwrap();
}

#[test]
fn sign_verify_round_trip_and_tampering() {
    let sk = key(1);
    let pk = sk.public_key();
    let sig = sk.sign(b"hello");
    pk.verify(b"hello", &sig).unwrap();
    assert!(matches!(pk.verify(b"hellp", &sig), Err(BlsError::InvalidSignature)));
    assert!(matches!(key(2).public_key().verify(b"hello", &sig), Err(BlsError::InvalidSignature)));
    assert!(matches!(pk.verify(b"hello", &sk.sign(b"other")), Err(BlsError::InvalidSignature)));
    // A proof of possession is not a signature on the key bytes under the signing DST.
    let pop = sk.proof_of_possession();
    assert!(
        pk.verify(&pk.to_bytes(), &BlsSignature::from_bytes(&pop.to_bytes()).unwrap()).is_err()
    );
}

#[test]
fn tagged_strings_round_trip() {
    let sk = key(3);
    let (pk, sig, pop) = (sk.public_key(), sk.sign(b"m"), sk.proof_of_possession());
    let s = (sk.to_string(), pk.to_string(), sig.to_string(), pop.to_string());
    assert!(s.0.starts_with("BLS_SIGNING_KEY~"), "{}", s.0);
    assert!(s.1.starts_with("BLS_VER_KEY~"), "{}", s.1);
    assert!(s.2.starts_with("BLS_SIG~"), "{}", s.2);
    assert!(s.3.starts_with("BLS_SIG~"), "{}", s.3);
    assert_eq!(BlsSecretKey::from_str(&s.0).unwrap(), sk);
    assert_eq!(BlsPublicKey::from_str(&s.1).unwrap(), pk);
    assert_eq!(BlsSignature::from_str(&s.2).unwrap(), sig);
    assert_eq!(ProofOfPossession::from_str(&s.3).unwrap(), pop);
    let json = serde_json::to_string(&pk).unwrap();
    assert_eq!(json, format!("\"{}\"", s.1));
    assert_eq!(serde_json::from_str::<BlsPublicKey>(&json).unwrap(), pk);
    assert!(!format!("{sk:?}").contains(&s.0), "Debug must not print the secret");
}

fn tagged(tag: &str, bytes: &[u8]) -> String {
    tagged_base64::TaggedBase64::new(tag, bytes).unwrap().to_string()
}

#[test]
fn malformed_strings_are_rejected() {
    let pk = key(4).public_key();
    assert!(matches!(
        tagged("BLS_SIG", &pk.to_bytes()).parse::<BlsPublicKey>(),
        Err(BlsError::WrongTag { expected: "BLS_VER_KEY", .. })
    ));
    assert!(matches!("BLS_VER_KEY".parse::<BlsPublicKey>(), Err(BlsError::Encoding(_))));
    assert!(matches!("BLS_VER_KEY~!!!".parse::<BlsPublicKey>(), Err(BlsError::Encoding(_))));
    let mut s: Vec<char> = pk.to_string().chars().collect();
    let i = s.len() - 5;
    s[i] = if s[i] == 'A' { 'B' } else { 'A' };
    assert!(matches!(
        s.iter().collect::<String>().parse::<BlsPublicKey>(),
        Err(BlsError::Encoding(_))
    ));
    assert!(matches!(
        tagged("BLS_VER_KEY", &[0; 47]).parse::<BlsPublicKey>(),
        Err(BlsError::WrongLength { expected: 48, found: 47, .. })
    ));
}

#[test]
fn identity_and_bad_points_are_rejected() {
    // Compressed identity: 0xc0 then zeros.
    let mut inf = [0u8; 48];
    inf[0] = 0xc0;
    assert!(matches!(BlsPublicKey::from_bytes(&inf), Err(BlsError::Identity { .. })));
    let mut inf_sig = [0u8; 96];
    inf_sig[0] = 0xc0;
    assert!(matches!(BlsSignature::from_bytes(&inf_sig), Err(BlsError::Identity { .. })));
    assert!(matches!(ProofOfPossession::from_bytes(&inf_sig), Err(BlsError::Identity { .. })));
    // No compression flag: bad encoding for 48 bytes.
    let mut raw = key(5).public_key().to_bytes();
    raw[0] &= 0x7f;
    assert!(matches!(BlsPublicKey::from_bytes(&raw), Err(BlsError::BadEncoding { .. })));
    // Search x values until one is off the curve and one is on the curve but outside G1
    // (the cofactor of G1 is large, so almost every curve point is outside the subgroup).
    let (mut off, mut outside) = (false, false);
    for x in 1u8..=64 {
        let mut b = [0u8; 48];
        b[0] = 0x80;
        b[47] = x;
        match BlsPublicKey::from_bytes(&b) {
            Err(BlsError::NotOnCurve { .. }) => off = true,
            Err(BlsError::NotInSubgroup { .. }) => outside = true,
            other => panic!("x = {x}: unexpected {other:?}"),
        }
    }
    assert!(off && outside, "off curve seen: {off}, outside subgroup seen: {outside}");
    let mut b = [0u8; 96];
    b[0] = 0x80;
    b[95] = 1;
    assert!(matches!(
        BlsSignature::from_bytes(&b),
        Err(BlsError::NotOnCurve { .. } | BlsError::NotInSubgroup { .. })
    ));
}

#[test]
fn bad_secret_keys_are_rejected() {
    assert!(matches!(BlsSecretKey::from_bytes(&[0; 32]), Err(BlsError::InvalidSecretKey)));
    assert!(matches!(BlsSecretKey::from_bytes(&[0xff; 32]), Err(BlsError::InvalidSecretKey)));
    assert!(matches!(
        BlsSecretKey::from_bytes(&[1; 31]),
        Err(BlsError::WrongLength { expected: 32, .. })
    ));
}

/// `a - b` on G1.
pub(crate) fn sub_keys(a: &BlsPublicKey, b: &BlsPublicKey) -> [u8; 48] {
    let (pa, pb) = (a.point(), b.point());
    let (mut ja, mut jb, mut sum) = (blst_p1::default(), blst_p1::default(), blst_p1::default());
    let mut out = blst_p1_affine::default();
    // SAFETY: all pointers refer to live, initialised points.
    unsafe {
        blst_p1_from_affine(&mut ja, &pa);
        blst_p1_from_affine(&mut jb, &pb);
        blst_p1_cneg(&mut jb, true);
        blst_p1_add_or_double(&mut sum, &ja, &jb);
        blst_p1_to_affine(&mut out, &sum);
    }
    blst::min_pk::PublicKey::from(out).to_bytes()
}

/// `a + b` on G1, through the acceleration layer.
pub(crate) fn add_keys(a: &BlsPublicKey, b: &BlsPublicKey) -> BlsPublicKey {
    let accel = doppio_accel::Accel::cpu().unwrap();
    let sum = accel.bls_sum_g1(&[a.point(), b.point()]);
    let mut out = blst_p1_affine::default();
    // SAFETY: both pointers refer to live, initialised points.
    unsafe { blst_p1_to_affine(&mut out, &sum) };
    BlsPublicKey::from_bytes(&blst::min_pk::PublicKey::from(out).to_bytes()).unwrap()
}

/// The attacker's rogue key `R = a·G - H` against the honest key `H`.
pub(crate) fn rogue_key(attacker: &BlsSecretKey, honest: &BlsPublicKey) -> BlsPublicKey {
    BlsPublicKey::from_bytes(&sub_keys(&attacker.public_key(), honest)).unwrap()
}

#[test]
fn rogue_key_cannot_prove_possession() {
    // The attacker knows `a` and the honest key H; it publishes R = a·G - H, so that
    // H + R = a·G and it alone can sign "for both".
    let honest = key(6).public_key();
    let attacker = key(7);
    let rogue = rogue_key(&attacker, &honest);
    let msg = b"view 9";
    let forged = attacker.sign(msg);
    // The attack is real without proofs of possession: a's signature verifies for H + R.
    add_keys(&honest, &rogue).verify(msg, &forged).unwrap();
    // The attacker cannot prove possession of R (it does not know R's discrete log); the
    // proofs it can make fail.
    for pop in [attacker.proof_of_possession(), key(6).proof_of_possession()] {
        assert!(matches!(
            rogue.verify_proof_of_possession(&pop),
            Err(BlsError::InvalidProofOfPossession { .. })
        ));
    }
}
