//! Stake tables, certificates and the vote accumulator.

use doppio_accel::{Accel, Op};
use doppio_keys::{
    BlsSecretKey, QcError, SchnorrSigningKey, StakeTable, StakeTableEntry, StakeTableError,
    Threshold, Vote, VoteAccumulator, VoteData, VoteKind,
};

use crate::bls::{key, rogue_key};

fn batch_calls(a: &Accel) -> u64 {
    a.metrics().snapshot().iter().filter(|m| m.op == Op::BlsBatchVerify).map(|m| m.calls).sum()
}

fn accel() -> Accel {
    Accel::cpu().unwrap()
}

fn state_key(i: u8) -> doppio_keys::SchnorrVerKey {
    SchnorrSigningKey::from_seed(&[i; 32]).unwrap().ver_key()
}

/// `n` stakers with stakes 1, 2, …, n.
fn table(n: u8) -> (Vec<BlsSecretKey>, StakeTable) {
    let keys: Vec<_> = (0..n).map(key).collect();
    let entries = keys
        .iter()
        .enumerate()
        .map(|(i, k)| StakeTableEntry::new(k, i as u128 + 1, state_key(i as u8)))
        .collect();
    (keys, StakeTable::new(entries, &accel()).unwrap())
}

fn data(view: u64) -> VoteData {
    VoteData { kind: VoteKind::Quorum, view, commitment: [view as u8; 32] }
}

#[test]
fn vote_messages_are_domain_separated() {
    let a = data(1);
    let mut b = a;
    b.kind = VoteKind::Da;
    let mut c = a;
    c.view = 2;
    let mut d = a;
    d.commitment[31] ^= 1;
    let msgs = [a.message(), b.message(), c.message(), d.message()];
    for i in 0..4 {
        for j in i + 1..4 {
            assert_ne!(msgs[i], msgs[j]);
        }
    }
    assert!(a.message().starts_with(b"DOPPIO_VOTE_V1"));
    let v = Vote::new(&key(0), a);
    v.verify().unwrap();
    let moved = Vote { data: b, ..v };
    assert!(moved.verify().is_err(), "a quorum vote is not a DA vote");
}

#[test]
fn stake_table_rejects_bad_entries() {
    let a = accel();
    assert!(matches!(StakeTable::new(vec![], &a), Err(StakeTableError::Empty)));
    let e0 = StakeTableEntry::new(&key(0), 5, state_key(0));
    let e1 = StakeTableEntry::new(&key(1), 5, state_key(1));
    assert!(matches!(
        StakeTable::new(vec![e0.clone(), e1.clone(), e0.clone()], &a),
        Err(StakeTableError::DuplicateKey { index: 2, first: 0, .. })
    ));
    let zero = StakeTableEntry { stake: 0, ..e1.clone() };
    assert!(matches!(
        StakeTable::new(vec![e0.clone(), zero], &a),
        Err(StakeTableError::ZeroStake { index: 1 })
    ));
    let huge = StakeTableEntry { stake: 1 << 96, ..e1.clone() };
    assert!(matches!(
        StakeTable::new(vec![e0.clone(), huge], &a),
        Err(StakeTableError::TotalStakeTooLarge { .. })
    ));
    // Entry 1 carries entry 0's proof.
    let wrong_pop = StakeTableEntry { proof_of_possession: e0.proof_of_possession, ..e1 };
    assert!(matches!(
        StakeTable::new(vec![e0, wrong_pop], &a),
        Err(StakeTableError::InvalidProofOfPossession { index: 1, .. })
    ));
}

#[test]
fn rogue_key_is_kept_out_of_the_stake_table() {
    let honest = key(0);
    let attacker = key(1);
    let rogue = rogue_key(&attacker, &honest.public_key());
    let entries = vec![
        StakeTableEntry::new(&honest, 1, state_key(0)),
        StakeTableEntry::new(&attacker, 1, state_key(1)),
        // The best the attacker can attach to R: its own proof.
        StakeTableEntry {
            staking_key: rogue,
            proof_of_possession: attacker.proof_of_possession(),
            stake: 10,
            state_key: state_key(2),
        },
    ];
    assert!(matches!(
        StakeTable::new(entries, &accel()),
        Err(StakeTableError::InvalidProofOfPossession { index: 2, .. })
    ));
}

/// Votes from the given signers.
fn votes(keys: &[BlsSecretKey], signers: &[usize], d: VoteData) -> Vec<Vote> {
    signers.iter().map(|&i| Vote::new(&keys[i], d)).collect()
}

#[test]
fn accumulator_certifies_past_two_thirds_and_certificate_verifies() {
    let (keys, t) = table(6); // stakes 1..=6, total 21; need > 14
    let a = accel();
    let mut acc = VoteAccumulator::new(&t, data(3), Threshold::SUPERMAJORITY, a.clone());
    // 6 + 5 + 3 = 14: exactly 2/3 is not enough.
    for v in votes(&keys, &[5, 4, 2], data(3)) {
        let out = acc.add(&v).unwrap();
        assert!(out.certificate.is_none());
    }
    assert_eq!(acc.stake(), 14);
    let out = acc.add(&Vote::new(&keys[0], data(3))).unwrap();
    let qc = out.certificate.expect("15 > 14");
    assert!(out.dropped.is_empty());
    assert_eq!(qc.signers.ones().collect::<Vec<_>>(), vec![0, 2, 4, 5]);
    qc.verify(&t, Threshold::SUPERMAJORITY, &a).unwrap();
    // Serde round trip keeps it valid.
    let json = serde_json::to_string(&qc).unwrap();
    let back: doppio_keys::QuorumCertificate = serde_json::from_str(&json).unwrap();
    back.verify(&t, Threshold::SUPERMAJORITY, &a).unwrap();
    // A further vote is refused.
    assert!(matches!(
        acc.add(&Vote::new(&keys[1], data(3))),
        Err(QcError::AlreadyCertified { .. })
    ));
}

#[test]
fn accumulator_rejects_duplicates_non_members_and_other_data() {
    let (keys, t) = table(4);
    let mut acc = VoteAccumulator::new(&t, data(1), Threshold::SUPERMAJORITY, accel());
    acc.add(&Vote::new(&keys[0], data(1))).unwrap();
    assert!(matches!(
        acc.add(&Vote::new(&keys[0], data(1))),
        Err(QcError::DuplicateVote { index: 0 })
    ));
    assert!(matches!(acc.add(&Vote::new(&key(99), data(1))), Err(QcError::NotMember { .. })));
    assert!(matches!(acc.add(&Vote::new(&keys[1], data(2))), Err(QcError::WrongVoteData { .. })));
    assert_eq!(acc.stake(), 1, "rejected votes add no stake");
}

#[test]
fn a_forged_vote_that_arrives_first_does_not_shut_out_the_real_one() {
    let (keys, t) = table(4); // total 10; need > 6.67
    let t = std::sync::Arc::new(t); // the accumulator may own its table through an Arc
    let d = data(5);
    let mut acc = VoteAccumulator::new(t.clone(), d, Threshold::SUPERMAJORITY, accel());
    let mut forged = Vote::new(&keys[3], d);
    forged.signature = keys[0].sign(&d.message());
    assert_eq!(acc.add(&forged).unwrap().dropped, Vec::<usize>::new());
    assert_eq!(acc.stake(), 4);
    // Another wrong signature for the same key is checked on its own and refused.
    let mut forged_again = forged;
    forged_again.signature = keys[1].sign(&d.message());
    assert!(matches!(acc.add(&forged_again), Err(QcError::InvalidVote { index: 3 })));
    // The real vote replaces the forged one; the stake is counted once.
    let out = acc.add(&Vote::new(&keys[3], d)).unwrap();
    assert_eq!((out.dropped, acc.stake()), (vec![3], 4));
    assert!(matches!(acc.add(&Vote::new(&keys[3], d)), Err(QcError::DuplicateVote { index: 3 })));
    let qc = acc.add(&Vote::new(&keys[2], d)).unwrap().certificate.expect("3 + 4 = 7 > 6.67");
    assert!(qc.signers.get(3) && qc.signers.get(2));
    qc.verify(&t, Threshold::SUPERMAJORITY, &accel()).unwrap();
}

#[test]
fn accumulator_finds_the_bad_vote_by_bisection_and_continues() {
    let (keys, t) = table(16); // total 136; need > 90.67, i.e. 91
    let a = accel();
    let d = data(7);
    let mut acc = VoteAccumulator::new(&t, d, Threshold::SUPERMAJORITY, a.clone());
    // Signer 9 signs the wrong view: its vote claims `d` but carries another signature.
    let mut all = votes(&keys, &(0..16).collect::<Vec<_>>(), d);
    all[9].signature = keys[9].sign(&data(8).message());
    let mut certificate = None;
    let mut dropped = vec![];
    let before = batch_calls(&a);
    for v in &all {
        let out = acc.add(v).unwrap();
        dropped.extend(out.dropped);
        if out.certificate.is_some() {
            certificate = out.certificate;
            break;
        }
    }
    assert_eq!(dropped, vec![9]);
    let batch_calls = batch_calls(&a) - before;
    assert!(
        batch_calls > 0 && batch_calls < 16,
        "bisection, not one check per vote: {batch_calls}"
    );
    let qc = certificate.expect("enough honest stake");
    assert!(!qc.signers.get(9));
    qc.verify(&t, Threshold::SUPERMAJORITY, &a).unwrap();
}

#[test]
fn accumulator_drops_several_bad_votes() {
    let (keys, t) = table(8); // total 36; need > 24
    let a = accel();
    let d = data(2);
    let mut acc = VoteAccumulator::new(&t, d, Threshold::SUPERMAJORITY, a.clone());
    let mut all = votes(&keys, &(0..8).collect::<Vec<_>>(), d);
    for i in [1, 6] {
        all[i].signature = keys[(i + 1) % 8].sign(&d.message());
    }
    let mut dropped = vec![];
    let mut qc = None;
    for v in &all {
        let out = acc.add(v).unwrap();
        dropped.extend(out.dropped);
        qc = qc.or(out.certificate);
    }
    dropped.sort();
    assert_eq!(dropped, vec![1, 6]);
    let qc = qc.expect("36 - 2 - 7 = 27 > 24");
    qc.verify(&t, Threshold::SUPERMAJORITY, &a).unwrap();
}

fn certificate(
    keys: &[BlsSecretKey],
    t: &StakeTable,
    d: VoteData,
) -> doppio_keys::QuorumCertificate {
    let mut acc = VoteAccumulator::new(t, d, Threshold::SUPERMAJORITY, accel());
    votes(keys, &(0..keys.len()).collect::<Vec<_>>(), d)
        .iter()
        .find_map(|v| acc.add(v).unwrap().certificate)
        .unwrap()
}

#[test]
fn bad_certificates_are_rejected() {
    let (keys, t) = table(6);
    let a = accel();
    let d = data(4);
    let qc = certificate(&keys, &t, d);
    qc.verify(&t, Threshold::SUPERMAJORITY, &a).unwrap();

    // Wrong bit-vector length.
    let (_, t7) = table(7);
    assert!(matches!(
        qc.verify(&t7, Threshold::SUPERMAJORITY, &a),
        Err(QcError::BitVectorLength { found: 6, expected: 7 })
    ));
    // Padding bit set / word count wrong (as a deserialized certificate could be).
    let mut json: serde_json::Value = serde_json::to_value(&qc).unwrap();
    json["signers"]["words"][0] = serde_json::json!(u64::MAX);
    let padded: doppio_keys::QuorumCertificate = serde_json::from_value(json).unwrap();
    assert!(matches!(
        padded.verify(&t, Threshold::SUPERMAJORITY, &a),
        Err(QcError::BitVectorMalformed { .. })
    ));
    // A signer claimed who did not sign: the pairing check fails.
    let mut extra = qc.clone();
    let missing = (0..6).find(|&i| !qc.signers.get(i)).unwrap();
    extra.signers.set(missing);
    assert!(matches!(
        extra.verify(&t, Threshold::SUPERMAJORITY, &a),
        Err(QcError::InvalidSignature { .. })
    ));
    // A signer dropped: stake may still pass, but the signature does not.
    let mut fewer = qc.clone();
    fewer.signers.clear(qc.signers.ones().next().unwrap());
    assert!(fewer.verify(&t, Threshold::SUPERMAJORITY, &a).is_err());
    // Insufficient stake: only the heaviest signer, with its own valid signature.
    let mut single = qc.clone();
    single.signers = doppio_keys::SignerBits::new(6);
    single.signers.set(5);
    single.signature = keys[5].sign(&d.message());
    assert!(matches!(
        single.verify(&t, Threshold::SUPERMAJORITY, &a),
        Err(QcError::InsufficientStake { signed: 6, total: 21, .. })
    ));
    single.verify(&t, Threshold::new(1, 4).unwrap(), &a).unwrap(); // 6 > 21/4
    // Another view's data under the same signature.
    let mut moved = qc.clone();
    moved.data.view += 1;
    assert!(matches!(
        moved.verify(&t, Threshold::SUPERMAJORITY, &a),
        Err(QcError::InvalidSignature { .. })
    ));
}

#[test]
fn thresholds_are_strict() {
    assert!(matches!(Threshold::new(3, 3), Err(QcError::InvalidThreshold { .. })));
    assert!(matches!(Threshold::new(1, 0), Err(QcError::InvalidThreshold { .. })));
    let t = Threshold::SUPERMAJORITY;
    assert!(!t.passed(2, 3));
    assert!(t.passed(3, 3));
    assert!(!t.passed(200, 300));
    assert!(t.passed(201, 300));
    assert!(t.passed(1 << 96, 1 << 96));
}
