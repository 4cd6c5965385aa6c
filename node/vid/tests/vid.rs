//! Dispersal, verification, recovery and range proofs, with every corruption the
//! verifier must catch.
#![allow(missing_docs)]

use std::sync::OnceLock;

use ark_bn254::{Fr, G1Affine};
use ark_ec::AffineRepr;
use ark_ff::One;
use doppio_accel::Accel;
use doppio_kzg::Srs;
use doppio_vid::{
    RangeProof, Vid, VidCommitment, VidCommon, VidError, VidParams, VidShare, encoding,
    merkle::{MerkleTree, leaf_hash},
};
use proptest::prelude::*;
use rand::{Rng, SeedableRng, seq::SliceRandom};
use rand_chacha::ChaCha20Rng;
use sha3::{Digest, Keccak256};

fn srs() -> &'static Srs {
    static SRS: OnceLock<Srs> = OnceLock::new();
    SRS.get_or_init(|| Srs::insecure_dev(1024, 42))
}

fn vid(n: usize, k: usize) -> Vid {
    Vid::new(VidParams::new(n, k).unwrap(), srs(), Accel::cpu().unwrap()).unwrap()
}

fn payload(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    (0..len).map(|_| rng.r#gen()).collect()
}

fn roundtrip(vid: &Vid, data: &[u8], rng: &mut ChaCha20Rng) {
    let VidParams { num_storage_nodes: n, recovery_threshold: k } = vid.params();
    let d = vid.disperse(data).unwrap();
    assert_eq!(d.shares.len(), n);
    assert_eq!(vid.commit_only(data).unwrap(), d.commitment);
    // Spot-check shares (all of them for small n).
    let step = (n / 16).max(1);
    for s in d.shares.iter().step_by(step) {
        vid.verify_share(s, &d.common, &d.commitment).unwrap();
    }
    let mut shares = d.shares.clone();
    shares.shuffle(rng);
    let got = vid.recover_payload(&shares[..k], &d.common).unwrap();
    assert_eq!(got, data, "n = {n}, k = {k}, {} bytes", data.len());
}

#[test]
fn any_k_shares_recover_small_payloads() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for (n, k) in [(1, 1), (2, 1), (2, 2), (3, 2), (5, 5), (7, 3), (16, 4), (17, 17), (100, 33)] {
        let vid = vid(n, k);
        for len in [0, 1, 30, 31, 32, 61, 62, 63, 1000] {
            roundtrip(&vid, &payload(len, len as u64), &mut rng);
        }
        // Trailing zeros and all-zero payloads round-trip exactly.
        roundtrip(&vid, &[0u8; 31], &mut rng);
        roundtrip(&vid, &[1, 0, 0, 0], &mut rng);
        roundtrip(&vid, &[0u8; 100], &mut rng);
    }
}

#[test]
fn large_payloads_and_many_nodes() {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    roundtrip(&vid(128, 32), &payload(300_000, 3), &mut rng);
    roundtrip(&vid(1000, 334), &payload(200_000, 4), &mut rng);
    roundtrip(&vid(1024, 1), &payload(5_000, 5), &mut rng);
    roundtrip(&vid(1024, 1024), &payload(40_000, 6), &mut rng);
}

#[test]
fn every_k_subset_of_a_small_instance_recovers() {
    let vid = vid(6, 3);
    let data = payload(500, 7);
    let d = vid.disperse(&data).unwrap();
    for a in 0..6 {
        for b in a + 1..6 {
            for c in b + 1..6 {
                let picked = [d.shares[c].clone(), d.shares[a].clone(), d.shares[b].clone()];
                assert_eq!(vid.recover_payload(&picked, &d.common).unwrap(), data);
            }
        }
    }
    // More than k shares are fine too.
    assert_eq!(vid.recover_payload(&d.shares, &d.common).unwrap(), data);
}

#[test]
fn invalid_parameters_are_typed_errors() {
    for (n, k) in [(0, 0), (0, 1), (3, 0), (3, 4), (70_000, 3)] {
        assert!(matches!(VidParams::new(n, k), Err(VidError::InvalidParams { .. })), "{n} {k}");
    }
    let small = Srs::insecure_dev(7, 1);
    let err = Vid::new(VidParams::new(16, 9).unwrap(), &small, Accel::cpu().unwrap()).unwrap_err();
    assert!(matches!(err, VidError::Kzg(doppio_kzg::KzgError::SrsTooSmall { needed: 9, .. })));
}

struct Fixture {
    vid: Vid,
    data: Vec<u8>,
    commitment: VidCommitment,
    common: VidCommon,
    shares: Vec<VidShare>,
}

fn fixture() -> Fixture {
    let vid = vid(10, 4);
    let data = payload(2_000, 9);
    let d = vid.disperse(&data).unwrap();
    Fixture { vid, data, commitment: d.commitment, common: d.common, shares: d.shares }
}

#[test]
fn corrupted_shares_are_rejected_with_typed_errors() {
    let f = fixture();
    let check = |s: &VidShare| f.vid.verify_share(s, &f.common, &f.commitment);
    let good = f.shares[3].clone();
    check(&good).unwrap();

    let mut s = good.clone();
    s.evals[5] += Fr::one();
    assert_eq!(check(&s), Err(VidError::MerkleMismatch { index: 3 }));

    let mut s = good.clone();
    s.merkle_path[1][0] ^= 1;
    assert_eq!(check(&s), Err(VidError::MerkleMismatch { index: 3 }));
    let mut s = good.clone();
    s.merkle_path.pop();
    assert_eq!(check(&s), Err(VidError::MerkleMismatch { index: 3 }));

    let mut s = good.clone();
    s.aggregate_proof = (s.aggregate_proof + G1Affine::generator()).into();
    assert_eq!(check(&s), Err(VidError::AggregateProofInvalid { index: 3 }));
    let mut s = good.clone();
    s.aggregate_proof = f.shares[4].aggregate_proof;
    assert_eq!(check(&s), Err(VidError::AggregateProofInvalid { index: 3 }));

    let mut s = good.clone();
    s.index = 4;
    assert_eq!(check(&s), Err(VidError::MerkleMismatch { index: 4 }));
    let mut s = good.clone();
    s.index = 10;
    assert_eq!(check(&s), Err(VidError::IndexOutOfRange { index: 10, num_storage_nodes: 10 }));

    let mut s = good.clone();
    s.evals.pop();
    assert!(matches!(check(&s), Err(VidError::WrongEvalCount { index: 3, .. })));

    // Common data that does not belong to the commitment.
    let mut common = f.common.clone();
    common.poly_commits[0] = common.poly_commits[1];
    assert_eq!(f.vid.verify_share(&good, &common, &f.commitment), Err(VidError::CommonMismatch));
    let other = f.vid.commit_only(&payload(2_000, 10)).unwrap();
    assert_eq!(f.vid.verify_share(&good, &f.common, &other), Err(VidError::CommonMismatch));
    let mut common = f.common.clone();
    common.payload_byte_len += 1000;
    assert!(matches!(
        f.vid.verify_share(&good, &common, &f.commitment),
        Err(VidError::MalformedCommon(_))
    ));
    // A share checked by an instance with other parameters.
    let other_vid = vid(10, 5);
    assert!(matches!(
        other_vid.verify_share(&good, &f.common, &f.commitment),
        Err(VidError::MalformedCommon(_))
    ));
}

/// A dishonest disperser changes one node's evaluations and builds the Merkle tree and
/// the commitment over the changed data: the Merkle paths are right, but the
/// evaluations are not those of the committed polynomials, so verification fails and
/// recovery through that share is an error instead of a wrong payload.
#[test]
fn evaluations_inconsistent_with_the_polynomials_are_caught() {
    let f = fixture();
    let mut shares = f.shares.clone();
    shares[2].evals[0] += Fr::one();
    let leaves = shares.iter().map(|s| leaf_hash(s.index, &s.evals)).collect();
    let tree = MerkleTree::new(leaves, doppio_accel::parallel::Parallelism::Sequential);
    for s in shares.iter_mut() {
        s.merkle_path = tree.path(s.index as usize);
    }
    let mut common = f.common.clone();
    common.merkle_root = tree.root();
    let commitment = common.commitment();
    assert_eq!(
        f.vid.verify_share(&shares[2], &common, &commitment),
        Err(VidError::AggregateProofInvalid { index: 2 })
    );
    let picked = [shares[2].clone(), shares[5].clone(), shares[7].clone(), shares[9].clone()];
    assert_eq!(f.vid.recover_payload(&picked, &common), Err(VidError::RecoveredMismatch));
    let picked = [shares[1].clone(), shares[5].clone(), shares[7].clone(), shares[9].clone()];
    assert_eq!(f.vid.recover_payload(&picked, &common).unwrap(), f.data);
}

#[test]
fn recovery_rejects_too_few_duplicate_and_corrupted_shares() {
    let f = fixture();
    let s = &f.shares;
    assert_eq!(
        f.vid.recover_payload(&s[..3], &f.common),
        Err(VidError::NotEnoughShares { got: 3, needed: 4 })
    );
    let dup = [s[0].clone(), s[1].clone(), s[2].clone(), s[1].clone()];
    assert_eq!(f.vid.recover_payload(&dup, &f.common), Err(VidError::DuplicateShare { index: 1 }));
    let mut bad = s[..4].to_vec();
    bad[2].evals[3] += Fr::one();
    assert_eq!(f.vid.recover_payload(&bad, &f.common), Err(VidError::MerkleMismatch { index: 2 }));
    let mut bad = s[..4].to_vec();
    bad[1].index = 99;
    assert!(matches!(
        f.vid.recover_payload(&bad, &f.common),
        Err(VidError::IndexOutOfRange { index: 99, .. })
    ));
    assert_eq!(
        f.vid.recover_payload(&[], &f.common),
        Err(VidError::NotEnoughShares { got: 0, needed: 4 })
    );
}

#[test]
fn range_proofs_verify_and_reject_tampering() {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    for (n, k, len) in [(10, 4, 2_000), (8, 1, 300), (16, 16, 1_000), (128, 32, 20_000)] {
        let vid = vid(n, k);
        let data = payload(len, len as u64);
        let d = vid.disperse(&data).unwrap();
        let verify =
            |bytes: &[u8], p: &RangeProof| vid.verify_range(&d.commitment, &d.common, bytes, p);
        let mut ranges = vec![0..0, 0..1, 0..len, len - 1..len, len..len, 10..11, 5..300];
        for _ in 0..20 {
            let a = rng.gen_range(0..len);
            let b = rng.gen_range(a..=len.min(a + 3_000));
            ranges.push(a..b);
        }
        for r in ranges {
            let proof = vid.prove_range(&data, r.clone()).unwrap();
            verify(&data[r.clone()], &proof).unwrap();
            if r.is_empty() {
                continue;
            }
            let mut tampered = data[r.clone()].to_vec();
            let i = rng.gen_range(0..tampered.len());
            tampered[i] ^= 0x40;
            assert_eq!(
                verify(&tampered, &proof),
                Err(VidError::RangeMismatch { start: r.start, end: r.end })
            );
            // The same bytes claimed one position later.
            if r.end < len {
                let shifted = vid.prove_range(&data, r.start + 1..r.end + 1).unwrap();
                let claim = &data[r.clone()];
                if claim != &data[r.start + 1..r.end + 1] {
                    assert_eq!(
                        verify(claim, &shifted),
                        Err(VidError::RangeMismatch { start: r.start + 1, end: r.end + 1 })
                    );
                }
            }
            // Wrong-length claims and proofs are malformed, not mismatches.
            assert!(matches!(
                verify(&data[r.start..r.end - 1], &proof),
                Err(VidError::MalformedRangeProof(_))
            ));
            let mut p = proof.clone();
            p.suffix.push(0);
            assert!(matches!(verify(&data[r.clone()], &p), Err(VidError::MalformedRangeProof(_))));
        }
        // Against another payload's commitment.
        let other = vid.disperse(&payload(len, 999)).unwrap();
        let proof = vid.prove_range(&data, 3..40).unwrap();
        assert_eq!(
            vid.verify_range(&other.commitment, &other.common, &data[3..40], &proof),
            Err(VidError::RangeMismatch { start: 3, end: 40 })
        );
        assert_eq!(
            vid.verify_range(&other.commitment, &d.common, &data[3..40], &proof),
            Err(VidError::CommonMismatch)
        );
        assert_eq!(
            vid.prove_range(&data, len - 1..len + 1),
            Err(VidError::RangeOutOfBounds { start: len - 1, end: len + 1, len })
        );
        let mut p = proof.clone();
        p.end = len as u64 + 5;
        assert!(matches!(verify(&data[3..40], &p), Err(VidError::RangeOutOfBounds { .. })));
    }
}

#[test]
fn objects_serialise_and_bad_encodings_are_errors() {
    let f = fixture();
    let share = &f.shares[0];
    assert_eq!(&VidShare::from_bytes(&share.to_bytes()).unwrap(), share);
    assert_eq!(VidCommon::from_bytes(&f.common.to_bytes()).unwrap(), f.common);
    assert_eq!(VidCommitment::from_bytes(&f.commitment.to_bytes()).unwrap(), f.commitment);
    let json = serde_json::to_string(&(share, &f.common, &f.commitment)).unwrap();
    let back: (VidShare, VidCommon, VidCommitment) = serde_json::from_str(&json).unwrap();
    assert_eq!((&back.0, &back.1, &back.2), (share, &f.common, &f.commitment));
    let proof = f.vid.prove_range(&f.data, 7..900).unwrap();
    let back: RangeProof = serde_json::from_str(&serde_json::to_string(&proof).unwrap()).unwrap();
    assert_eq!(back, proof);

    let bytes = share.to_bytes();
    assert!(matches!(
        VidShare::from_bytes(&bytes[..bytes.len() - 1]),
        Err(VidError::Decode { .. })
    ));
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(VidShare::from_bytes(&longer), Err(VidError::Decode { .. })));
    // A polynomial commitment whose x-coordinate is not a field element is rejected.
    let mut common_bytes = f.common.to_bytes();
    common_bytes[8..40].fill(0xff);
    assert!(VidCommon::from_bytes(&common_bytes).is_err());
    assert!(serde_json::from_str::<VidShare>("\"0x1234\"").is_err());
    // An absurd length prefix is an error, not an allocation.
    let mut huge = bytes.clone();
    huge[4..12].fill(0xff);
    assert!(matches!(VidShare::from_bytes(&huge), Err(VidError::Decode { .. })));
}

fn keccak_hex(bytes: &[u8]) -> String {
    hex::encode(Keccak256::digest(bytes))
}

/// Pins the encodings: a failure here means the format changed. If that is intended,
/// update the hashes from the assertion message (and say so in the commit).
#[test]
fn encodings_are_pinned() {
    let srs = Srs::insecure_dev(8, 2024);
    let vid = Vid::new(VidParams::new(8, 3).unwrap(), &srs, Accel::cpu().unwrap()).unwrap();
    let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
    let d = vid.disperse(&data).unwrap();
    let shares: Vec<u8> = d.shares.iter().flat_map(|s| s.to_bytes()).collect();
    let got = [
        hex::encode(d.commitment.0),
        keccak_hex(&d.common.to_bytes()),
        keccak_hex(&shares),
        keccak_hex(&vid.prove_range(&data, 100..200).unwrap().to_bytes()),
    ];
    let want = [
        "f2ae7f400885a70db65954123437c7c9019709418d1c1f8c15a59c06fc92b4db",
        "ad526198ad5029516417c0bec28924d8fc82ef11e6d07a137ac9c45e8531b236",
        "42f633b43349c2310c20477eeb6ffbbac08ea2830fd98496796fbd4e98ea7e3d",
        "5e3bf2e16b7e2ef977a016f597c3f7d6208a3f9b2a2c183b44d74ac5defd5a68",
    ];
    assert_eq!(got, want, "pinned VID encodings changed");
}

proptest! {
    #[test]
    fn payload_encoding_round_trips(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        let elems = encoding::bytes_to_elems(&data);
        prop_assert_eq!(elems.len(), encoding::elem_count(data.len()));
        prop_assert_eq!(encoding::elems_to_bytes(&elems).unwrap(), data.clone());
        let mut padded = elems.clone();
        padded.extend([Fr::from(0u64); 3]);
        prop_assert_eq!(encoding::elems_to_bytes(&padded).unwrap(), data);
    }
}

#[test]
fn malformed_encodings_are_errors() {
    assert!(matches!(encoding::elems_to_bytes(&[]), Err(VidError::MalformedPayload(_))));
    assert!(matches!(
        encoding::elems_to_bytes(&[Fr::from(0u64)]),
        Err(VidError::MalformedPayload(_))
    ));
    assert!(matches!(encoding::elems_to_bytes(&[-Fr::one()]), Err(VidError::MalformedPayload(_))));
    assert!(matches!(
        encoding::elems_to_bytes(&[Fr::from(2u64)]),
        Err(VidError::MalformedPayload(_))
    ));
}

#[test]
fn accelerated_dispersal_equals_the_reference_one() {
    let mut rng = ChaCha20Rng::seed_from_u64(12);
    for (n, k, len) in [(1, 1, 10), (5, 2, 400), (16, 5, 3_000), (33, 33, 2_000), (100, 34, 9_000)]
    {
        let params = VidParams::new(n, k).unwrap();
        let vid = vid(n, k);
        let data = payload(len, len as u64 + 1);
        let ours = vid.disperse(&data).unwrap();
        let reference = doppio_vid::reference::disperse(params, srs(), &data);
        assert_eq!(ours, reference, "n = {n}, k = {k}");
        for s in &ours.shares {
            doppio_vid::reference::verify_share(params, srs(), s, &ours.common, &ours.commitment)
                .unwrap();
        }
        let mut shares = ours.shares.clone();
        shares.shuffle(&mut rng);
        assert_eq!(doppio_vid::reference::recover_payload(params, &shares).unwrap(), data);
    }
}
