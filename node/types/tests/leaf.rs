//! Leaves: commitments, the certificate pairing, JSON.
#![allow(missing_docs)]

use doppio_accel::Accel;
use doppio_keys::{
    BlsSecretKey, QuorumCertificate, SchnorrSigningKey, StakeTable, StakeTableEntry, Threshold,
    Vote, VoteAccumulator, VoteData, VoteKind,
};
use doppio_types::{Header, Leaf, LeafCommitment, LeafQueryData};
use doppio_vid::VidCommitment;

fn header(height: u64) -> Header {
    Header {
        chain_config: Default::default(),
        height,
        timestamp: 1_700_000_000 + height,
        l1_head: 0,
        l1_finalized: None,
        payload_commitment: VidCommitment([height as u8; 32]),
        ns_table: vec![0; 4],
        block_merkle_tree_root: Default::default(),
        fee_merkle_tree_root: Default::default(),
        fee_info: Default::default(),
    }
}

/// A QC over `data` from a one-member committee.
fn certify(data: VoteData) -> QuorumCertificate {
    let accel = Accel::cpu().unwrap();
    let sk = BlsSecretKey::from_ikm(&[7; 32]);
    let state = SchnorrSigningKey::from_seed(&[8; 32]).unwrap().ver_key();
    let table = StakeTable::new(vec![StakeTableEntry::new(&sk, 1, state)], &accel).unwrap();
    let mut acc = VoteAccumulator::new(&table, data, Threshold::new(2, 3).unwrap(), accel);
    acc.add(&Vote::new(&sk, data)).unwrap().certificate.expect("one member is a quorum")
}

#[test]
fn every_field_changes_the_leaf_commitment() {
    let genesis = Leaf::genesis(header(0));
    let mut leaf = Leaf {
        view_number: 3,
        parent_commitment: genesis.commit(),
        block_header: header(1),
        justify_qc: Some(certify(genesis.vote_data())),
    };
    let c = leaf.commit();
    assert!(c.to_string().starts_with("LEAF~"), "{c}");
    assert_eq!(c.to_string().parse::<LeafCommitment>().unwrap(), c);
    assert_ne!(c, genesis.commit());

    let mut other = leaf.clone();
    other.view_number = 4;
    assert_ne!(other.commit(), c);
    let mut other = leaf.clone();
    other.parent_commitment = LeafCommitment([1; 32]);
    assert_ne!(other.commit(), c);
    let mut other = leaf.clone();
    other.block_header.timestamp += 1;
    assert_ne!(other.commit(), c);
    let mut other = leaf.clone();
    other.justify_qc = None;
    assert_ne!(other.commit(), c);

    let json = serde_json::to_string(&leaf).unwrap();
    assert_eq!(serde_json::from_str::<Leaf>(&json).unwrap(), leaf);
    leaf.justify_qc.as_mut().unwrap().data.view = 9;
    assert_ne!(leaf.commit(), c, "the justify QC's view is committed to");
}

#[test]
fn leaf_query_data_needs_a_qc_over_the_leaf() {
    let leaf = Leaf::genesis(header(0));
    let qc = certify(leaf.vote_data());
    let data = LeafQueryData::new(leaf.clone(), qc.clone()).unwrap();
    assert_eq!(data.height(), 0);
    assert_eq!(data.hash(), leaf.commit());
    assert_eq!(data.block_hash(), leaf.block_hash());

    let other = Leaf::genesis(header(1));
    let err = LeafQueryData::new(other.clone(), qc).unwrap_err();
    assert_eq!(err.expected, other.commit());
    let timeout = VoteData { kind: VoteKind::Timeout, ..leaf.vote_data() };
    assert!(LeafQueryData::new(leaf, certify(timeout)).is_err());
}

#[test]
fn malformed_leaf_commitments_name_the_problem() {
    let err = "BLOCK~AAAA".parse::<LeafCommitment>().unwrap_err();
    assert_eq!(err.kind, "LEAF");
    assert!(err.to_string().contains("invalid LEAF commitment"), "{err}");
    assert!("not tagged".parse::<LeafCommitment>().is_err());
    let short = tagged_base64::TaggedBase64::new("LEAF", &[1, 2, 3]).unwrap().to_string();
    let err = short.parse::<LeafCommitment>().unwrap_err();
    assert!(err.reason.contains("3 bytes, expected 32"), "{err}");
}
