use blst::{
    BLST_ERROR, blst_p1, blst_p1_affine, blst_p1_is_equal, blst_p2, blst_p2_affine,
    blst_p2_is_equal,
    min_pk::{PublicKey, SecretKey, Signature},
};
use doppio_accel::{AccelError, BlsTriple, reference};
use rand::RngCore;

use crate::{accel, rng};

const DST: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

struct Signed {
    pk: PublicKey,
    msg: Vec<u8>,
    sig: Signature,
}

fn signed(n: usize, seed: u64) -> Vec<Signed> {
    let mut r = rng(seed);
    (0..n)
        .map(|i| {
            let mut ikm = [0u8; 32];
            r.fill_bytes(&mut ikm);
            let sk = SecretKey::key_gen(&ikm, &[]).unwrap();
            let msg = format!("vote {i} seed {seed}").into_bytes();
            let sig = sk.sign(&msg, DST, &[]);
            Signed { pk: sk.sk_to_pk(), msg, sig }
        })
        .collect()
}

fn triples(s: &[Signed]) -> Vec<BlsTriple<'_>> {
    s.iter()
        .map(|s| BlsTriple {
            public_key: blst_p1_affine::from(s.pk),
            message: &s.msg,
            signature: blst_p2_affine::from(s.sig),
        })
        .collect()
}

fn eq1(a: &blst_p1, b: &blst_p1) -> bool {
    // SAFETY: both pointers refer to live points.
    unsafe { blst_p1_is_equal(a, b) }
}

fn eq2(a: &blst_p2, b: &blst_p2) -> bool {
    // SAFETY: both pointers refer to live points.
    unsafe { blst_p2_is_equal(a, b) }
}

#[test]
fn sums_match_serial_blst() {
    let signed = signed(300, 1);
    let a = accel();
    for n in [0usize, 1, 2, 299, 300] {
        let mut pks: Vec<blst_p1_affine> = signed[..n].iter().map(|s| s.pk.into()).collect();
        let mut sigs: Vec<blst_p2_affine> = signed[..n].iter().map(|s| s.sig.into()).collect();
        // Repeated points and the identity must be summed correctly too.
        if n > 2 {
            pks[1] = pks[0];
            sigs[1] = sigs[0];
            pks[2] = blst_p1_affine::default();
            sigs[2] = blst_p2_affine::default();
        }
        assert!(eq1(&a.bls_sum_g1(&pks), &reference::blst_serial_sum_g1(&pks)), "g1 n = {n}");
        assert!(eq2(&a.bls_sum_g2(&sigs), &reference::blst_serial_sum_g2(&sigs)), "g2 n = {n}");
    }
}

#[test]
fn large_sums_match_serial_blst() {
    let signed = signed(40, 2);
    let pks: Vec<blst_p1_affine> = (0..5000).map(|i| signed[i % 40].pk.into()).collect();
    let sigs: Vec<blst_p2_affine> = (0..3000).map(|i| signed[(i * 7) % 40].sig.into()).collect();
    let a = accel();
    assert!(eq1(&a.bls_sum_g1(&pks), &reference::blst_serial_sum_g1(&pks)));
    assert!(eq2(&a.bls_sum_g2(&sigs), &reference::blst_serial_sum_g2(&sigs)));
}

#[test]
fn batch_verify_accepts_valid_and_rejects_one_bad_signature() {
    let a = accel();
    let signed = signed(33, 3);
    for s in &signed {
        assert_eq!(s.sig.verify(true, &s.msg, DST, &[], &s.pk, true), BLST_ERROR::BLST_SUCCESS);
    }
    for n in [1usize, 2, 33] {
        let t = triples(&signed[..n]);
        assert_eq!(a.bls_batch_verify(&t, DST), Ok(true), "n = {n}");
        // One signature swapped for another signer's: the batch must fail.
        let mut bad = t.clone();
        bad[n - 1].signature = blst_p2_affine::from(signed[(n) % 33].sig);
        assert_eq!(a.bls_batch_verify(&bad, DST), Ok(false), "n = {n}");
        // A message changed under a valid signature.
        let mut bad = t.clone();
        bad[0].message = b"another message";
        assert_eq!(a.bls_batch_verify(&bad, DST), Ok(false));
        // The wrong domain separation tag.
        assert_eq!(a.bls_batch_verify(&t, b"BLS_SIG_OTHER_TAG_"), Ok(false));
    }
}

#[test]
fn batch_verify_rejects_swapped_signatures_that_cancel() {
    // Swapping two signatures keeps the plain aggregate valid; random weights catch it.
    let a = accel();
    let signed = signed(4, 4);
    let mut t = triples(&signed);
    let s0 = t[0].signature;
    t[0].signature = t[1].signature;
    t[1].signature = s0;
    assert_eq!(a.bls_batch_verify(&t, DST), Ok(false));
    assert_eq!(
        a.bls_batch_verify_with(&t, DST, &[1, 1, 1, 1]),
        Ok(true),
        "unit weights are fooled"
    );
}

#[test]
fn batch_verify_rejects_identity_and_non_subgroup_signatures() {
    let a = accel();
    let signed = signed(3, 5);
    let mut t = triples(&signed);
    t[2].signature = blst_p2_affine::default();
    assert_eq!(a.bls_batch_verify(&t, DST), Ok(false));
    // A point on the curve but outside the subgroup: decompress a crafted encoding.
    let mut t = triples(&signed);
    t[1].signature = non_subgroup_g2();
    assert_eq!(a.bls_batch_verify(&t, DST), Ok(false));
}

/// A point on the BLS12-381 G2 curve outside the prime-order subgroup, found by trying
/// x-coordinates until one decompresses without the subgroup check.
fn non_subgroup_g2() -> blst_p2_affine {
    let mut bytes = [0u8; 96];
    for i in 0..=255u8 {
        bytes[0] = 0x80; // compressed, sign bit clear
        bytes[95] = i;
        let mut p = blst_p2_affine::default();
        // SAFETY: `bytes` is 96 bytes, `p` is a valid output location.
        let ok =
            unsafe { blst::blst_p2_uncompress(&mut p, bytes.as_ptr()) } == BLST_ERROR::BLST_SUCCESS;
        // SAFETY: `p` is initialised.
        if ok && !unsafe { blst::blst_p2_affine_in_g2(&p) } {
            return p;
        }
    }
    panic!("no non-subgroup point among 256 candidates");
}

#[test]
fn batch_verify_input_errors() {
    let a = accel();
    assert_eq!(a.bls_batch_verify(&[], DST), Err(AccelError::EmptyBlsBatch));
    let signed = signed(2, 6);
    let t = triples(&signed);
    assert_eq!(
        a.bls_batch_verify_with(&t, DST, &[5]),
        Err(AccelError::WeightCountMismatch { triples: 2, weights: 1 })
    );
}
