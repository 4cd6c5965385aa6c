//! The wire format of messages and the persisted safety state.

use doppio_consensus::{
    DaProposal, DecodeError, MAX_MESSAGE_BYTES, Message, Proposal, SafetyState, SignedProposal,
    TimeoutMessage, VidShareMessage, WIRE_VERSION,
};
use doppio_keys::{Vote, VoteData, VoteKind};
use doppio_types::Leaf;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use crate::fixture::{Fixture, build_block, transactions};

/// One message of each kind, built from real keys, certificates and a real dispersal.
fn samples(f: &Fixture) -> Vec<Message> {
    let genesis_qc = f.certificate(f.genesis.vote_data(), &[0, 1, 2]);
    let (header, payload, dispersal) = build_block(&f.vid, &f.genesis, &transactions(5), 0, false);
    let da_data = VoteData { kind: VoteKind::Da, view: 2, commitment: dispersal.commitment.0 };
    let timeout = VoteData { kind: VoteKind::Timeout, view: 1, commitment: [0; 32] };
    let tc = f.certificate(timeout, &[1, 2, 3]);
    let leaf = Leaf {
        view_number: 2,
        parent_commitment: f.genesis.commit(),
        block_header: header,
        justify_qc: Some(genesis_qc.clone()),
    };
    let proposal = Proposal {
        leaf: leaf.clone(),
        timeout_certificate: Some(tc.clone()),
        da_certificate: f.certificate(da_data, &[0, 1, 2]),
    };
    vec![
        Message::from(SignedProposal::sign(&f.keys[2], proposal)),
        Message::DaProposal(DaProposal {
            view: 2,
            payload: payload.bytes().to_vec(),
            ns_table: payload.ns_table().bytes().to_vec(),
            payload_commitment: dispersal.commitment,
        }),
        Message::VidShare(VidShareMessage {
            view: 2,
            share: dispersal.shares[1].clone(),
            common: dispersal.common.clone(),
        }),
        Message::Vote(Vote::new(&f.keys[0], leaf.vote_data())),
        Message::from(TimeoutMessage {
            vote: Vote::new(&f.keys[3], VoteData { view: 2, ..timeout }),
            high_qc: Some(genesis_qc),
            timeout_certificate: Some(tc),
        }),
    ]
}

#[test]
fn every_message_round_trips_through_the_wire_and_json() {
    let f = Fixture::four();
    let messages = samples(&f);
    assert_eq!(messages.len(), 5);
    for m in messages {
        let bytes = m.encode().unwrap();
        assert_eq!(bytes[0], WIRE_VERSION);
        assert_eq!(Message::decode(&bytes).unwrap(), m, "{}", m.kind());
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<Message>(&json).unwrap(), m, "{} as JSON", m.kind());
    }
}

#[test]
fn payload_bytes_travel_as_one_byte_string() {
    let f = Fixture::four();
    let m = DaProposal {
        view: 1,
        payload: vec![0xff; 1000],
        ns_table: vec![0; 4],
        payload_commitment: f.vid.commit_only(&[]).unwrap(),
    };
    let bytes = Message::DaProposal(m).encode().unwrap();
    // A CBOR array of 1000 bytes >= 0x18 would take 2000 bytes.
    assert!(bytes.len() < 1_200, "{} bytes", bytes.len());
}

#[test]
fn decoding_refuses_bad_input_with_typed_errors() {
    let f = Fixture::four();
    let good = samples(&f)[3].encode().unwrap();
    assert_eq!(Message::decode(&[]), Err(DecodeError::Empty));
    let big = vec![WIRE_VERSION; MAX_MESSAGE_BYTES + 1];
    assert_eq!(
        Message::decode(&big),
        Err(DecodeError::TooLarge { len: MAX_MESSAGE_BYTES + 1, max: MAX_MESSAGE_BYTES })
    );
    assert_eq!(
        Message::decode_with_limit(&good, 10),
        Err(DecodeError::TooLarge { len: good.len(), max: 10 })
    );
    let mut other_version = good.clone();
    other_version[0] = 2;
    assert_eq!(
        Message::decode(&other_version),
        Err(DecodeError::UnsupportedVersion { found: 2, supported: WIRE_VERSION })
    );
    let mut trailing = good.clone();
    trailing.extend_from_slice(&[0, 0]);
    assert_eq!(Message::decode(&trailing), Err(DecodeError::TrailingBytes { count: 2 }));
    assert!(matches!(Message::decode(&good[..good.len() - 1]), Err(DecodeError::Malformed(_))));
    assert!(matches!(Message::decode(&[WIRE_VERSION, 0xff]), Err(DecodeError::Malformed(_))));
}

#[test]
fn a_forged_point_in_a_vote_is_a_decode_error() {
    let f = Fixture::four();
    let m = &samples(&f)[3];
    let Message::Vote(v) = m else { unreachable!() };
    let json = serde_json::to_string(m).unwrap();
    let sig = v.signature.to_string();
    // Flip a character of the signature's tagged base64: the checksum or the point fails.
    let mut chars: Vec<char> = sig.chars().collect();
    let k = chars.len() - 10;
    chars[k] = if chars[k] == 'A' { 'B' } else { 'A' };
    let bad: String = chars.into_iter().collect();
    let json = json.replace(&sig, &bad);
    let tampered: Result<Message, _> = serde_json::from_str(&json);
    assert!(tampered.is_err());
}

#[test]
fn random_and_mutated_bytes_never_panic() {
    let f = Fixture::four();
    let encoded: Vec<Vec<u8>> = samples(&f).iter().map(|m| m.encode().unwrap()).collect();
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let mut accepted = 0;
    for i in 0..3_000 {
        let bytes = if i % 3 == 0 {
            let len = rng.gen_range(0..300);
            let mut b: Vec<u8> = (0..len).map(|_| rng.r#gen()).collect();
            if let Some(first) = b.first_mut() {
                *first = WIRE_VERSION;
            }
            b
        } else {
            let mut b = encoded[i % encoded.len()].clone();
            for _ in 0..rng.gen_range(1..4) {
                let k = rng.gen_range(1..b.len());
                b[k] = rng.r#gen();
            }
            b
        };
        if Message::decode(&bytes).is_ok() {
            accepted += 1;
        }
    }
    // Mutations of payload bytes or padding can still decode; most inputs must not.
    assert!(accepted < 1_000, "{accepted} of 3000 corrupted inputs decoded");
}

#[test]
fn safety_state_round_trips_and_refuses_other_versions() {
    let f = Fixture::four();
    let qc = f.certificate(f.genesis.vote_data(), &[0, 1, 3]);
    let state = SafetyState {
        last_voted_view: 7,
        last_timeout_view: 8,
        last_da_vote_view: 9,
        last_proposed_view: 4,
        locked_qc: Some(qc.clone()),
        high_qc: Some(qc),
        undecided_leaves: vec![f.genesis.clone()],
    };
    let bytes = state.encode().unwrap();
    assert_eq!(SafetyState::decode(&bytes).unwrap(), state);
    assert_eq!(state.highest_view(), 9);
    let mut other = bytes.clone();
    other[0] = 9;
    assert!(matches!(
        SafetyState::decode(&other),
        Err(DecodeError::UnsupportedVersion { found: 9, .. })
    ));
    assert_eq!(SafetyState::decode(&[]), Err(DecodeError::Empty));
}
