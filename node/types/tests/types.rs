//! Transactions, payload layout, namespace tables and namespace proofs.
#![allow(missing_docs)]

use doppio_accel::Accel;
use doppio_kzg::Srs;
use doppio_types::{
    NamespaceId, NamespaceProof, NsProofError, NsTable, Payload, PayloadError, Transaction,
    TxCommitment, payload::parse_namespace,
};
use doppio_vid::{Vid, VidError, VidParams};
use proptest::prelude::*;

fn tx(ns: u32, bytes: &[u8]) -> Transaction {
    Transaction::new(NamespaceId(ns), bytes.to_vec())
}

#[test]
fn transaction_json_and_commitment() {
    let t = tx(12648430, b"hello");
    let json = serde_json::to_string(&t).unwrap();
    assert_eq!(json, r#"{"namespace":12648430,"payload":"aGVsbG8="}"#);
    assert_eq!(serde_json::from_str::<Transaction>(&json).unwrap(), t);
    let err =
        serde_json::from_str::<Transaction>(r#"{"namespace":1,"payload":"***"}"#).unwrap_err();
    assert!(err.to_string().contains("invalid base64"), "{err}");
    assert!(serde_json::from_str::<Transaction>(r#"{"namespace":-1,"payload":""}"#).is_err());
    assert!(serde_json::from_str::<Transaction>(r#"{"payload":""}"#).is_err());

    let c = t.commit();
    let s = c.to_string();
    assert!(s.starts_with("TX~"), "{s}");
    assert_eq!(s.parse::<TxCommitment>().unwrap(), c);
    assert_ne!(tx(12648431, b"hello").commit(), c);
    assert_ne!(tx(12648430, b"hellp").commit(), c);
    let wrong = "HASH~".to_owned() + &s[3..];
    assert!(wrong.parse::<TxCommitment>().is_err());
    assert!("TX~notbase64!".parse::<TxCommitment>().is_err());
}

#[test]
fn payload_groups_namespaces_in_order_of_first_appearance() {
    let txs = [tx(7, b"a"), tx(3, b"bb"), tx(7, b""), tx(9, b"dddd"), tx(3, b"e")];
    let p = Payload::from_transactions(&txs).unwrap();
    let order: Vec<u32> = p.ns_table().entries().iter().map(|(n, _)| n.0).collect();
    assert_eq!(order, [7, 3, 9]);
    assert_eq!(p.namespace_transactions(NamespaceId(7)), [tx(7, b"a"), tx(7, b"")]);
    assert_eq!(p.namespace_transactions(NamespaceId(3)), [tx(3, b"bb"), tx(3, b"e")]);
    assert!(p.namespace_transactions(NamespaceId(4)).is_empty());
    assert_eq!(p.transactions().len(), 5);
    // The exact layout: namespace 7 = count 2, ends [1, 1], "a".
    assert_eq!(&p.bytes()[..13], &[2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, b'a']);
    assert_eq!(&p.ns_table().bytes()[..12], &[3, 0, 0, 0, 7, 0, 0, 0, 13, 0, 0, 0]);
    let again = Payload::from_parts(p.bytes().to_vec(), p.ns_table().bytes().to_vec()).unwrap();
    assert_eq!(again, p);
    let empty = Payload::from_transactions(&[]).unwrap();
    assert!(empty.bytes().is_empty() && empty.transactions().is_empty());
}

fn table(entries: &[(u32, u32)]) -> Vec<u8> {
    let mut out = (entries.len() as u32).to_le_bytes().to_vec();
    for (ns, end) in entries {
        out.extend_from_slice(&ns.to_le_bytes());
        out.extend_from_slice(&end.to_le_bytes());
    }
    out
}

#[test]
fn malformed_namespace_tables_are_typed_errors() {
    let e = NsTable::parse(vec![], 0).unwrap_err();
    assert_eq!(e, PayloadError::TableLength { len: 0, count: None });
    let mut t = table(&[(1, 4)]);
    t.push(0);
    assert!(matches!(
        NsTable::parse(t, 4),
        Err(PayloadError::TableLength { len: 13, count: Some(1) })
    ));
    assert!(matches!(
        NsTable::parse(table(&[(1, 8), (2, 4)]), 8),
        Err(PayloadError::BadNamespaceOffset { index: 1, .. })
    ));
    assert!(matches!(
        NsTable::parse(table(&[(1, 9)]), 8),
        Err(PayloadError::BadNamespaceOffset { index: 0, end: 9, .. })
    ));
    assert_eq!(
        NsTable::parse(table(&[(1, 4)]), 8),
        Err(PayloadError::Uncovered { covered: 4, payload_len: 8 })
    );
    assert_eq!(
        NsTable::parse(table(&[(1, 4), (1, 8)]), 8),
        Err(PayloadError::DuplicateNamespace(NamespaceId(1)))
    );
    // A count of u32::MAX with a short table is a length error, not an allocation.
    assert!(matches!(
        NsTable::parse(u32::MAX.to_le_bytes().to_vec(), 0),
        Err(PayloadError::TableLength { .. })
    ));
}

#[test]
fn malformed_namespaces_are_typed_errors() {
    let ns = NamespaceId(5);
    assert!(matches!(parse_namespace(ns, &[1, 0]), Err(PayloadError::BadNamespace { .. })));
    let huge = u32::MAX.to_le_bytes();
    assert!(matches!(parse_namespace(ns, &huge), Err(PayloadError::BadNamespace { .. })));
    // One transaction ending past the body.
    let bad = [1, 0, 0, 0, 9, 0, 0, 0, b'x'];
    assert!(matches!(parse_namespace(ns, &bad), Err(PayloadError::BadNamespace { .. })));
    // Trailing bytes.
    let bad = [1, 0, 0, 0, 1, 0, 0, 0, b'x', b'y'];
    let e = parse_namespace(ns, &bad).unwrap_err();
    assert!(e.to_string().contains("trailing"), "{e}");
    assert_eq!(parse_namespace(ns, &[0, 0, 0, 0]).unwrap(), Vec::<Vec<u8>>::new());
    // A payload whose table is fine but whose namespace bytes are not.
    let e = Payload::from_parts(bad.to_vec(), table(&[(5, 10)])).unwrap_err();
    assert!(matches!(e, PayloadError::BadNamespace { namespace: NamespaceId(5), .. }));
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(payload in proptest::collection::vec(any::<u8>(), 0..200),
                                   table in proptest::collection::vec(any::<u8>(), 0..40)) {
        if let Ok(p) = Payload::from_parts(payload.clone(), table) {
            // Whatever parses re-encodes to the same bytes.
            let again = Payload::from_transactions(&p.transactions()).unwrap();
            prop_assert_eq!(again.bytes(), &payload[..]);
        }
    }

    #[test]
    fn transactions_round_trip(txs in proptest::collection::vec(
        (0u32..5, proptest::collection::vec(any::<u8>(), 0..40)), 0..20)) {
        let txs: Vec<Transaction> = txs.into_iter().map(|(n, b)| tx(n, &b)).collect();
        let p = Payload::from_transactions(&txs).unwrap();
        let back = Payload::from_parts(p.bytes().to_vec(), p.ns_table().bytes().to_vec()).unwrap();
        let mut want = txs.clone();
        // Grouping keeps namespaces in order of first appearance and transactions in order.
        let order: Vec<NamespaceId> = p.ns_table().entries().iter().map(|(n, _)| *n).collect();
        want.sort_by_key(|t| order.iter().position(|n| *n == t.namespace));
        prop_assert_eq!(back.transactions(), want);
    }
}

#[test]
fn namespace_proofs_verify_against_the_payload_commitment() {
    let srs = Srs::insecure_dev(8, 3);
    let vid = Vid::new(VidParams::new(10, 4).unwrap(), &srs, Accel::cpu().unwrap()).unwrap();
    let txs: Vec<Transaction> =
        (0..60).map(|i| tx(i % 4, &vec![i as u8; 17 + 3 * i as usize])).collect();
    let p = Payload::from_transactions(&txs).unwrap();
    let d = vid.disperse(p.bytes()).unwrap();
    let table = p.ns_table();
    for ns in 0..4 {
        let ns = NamespaceId(ns);
        let proof = NamespaceProof::new(&vid, &p, ns).unwrap();
        let got = proof.verify(&vid, &d.commitment, &d.common, table).unwrap();
        assert_eq!(got, p.namespace_transactions(ns));
        // Survives JSON.
        let json = serde_json::to_string(&proof).unwrap();
        assert_eq!(serde_json::from_str::<NamespaceProof>(&json).unwrap(), proof);
    }
    let proof = NamespaceProof::new(&vid, &p, NamespaceId(2)).unwrap();
    let mut tampered = proof.clone();
    let last = tampered.ns_bytes.len() - 1;
    tampered.ns_bytes[last] ^= 1;
    assert!(matches!(
        tampered.verify(&vid, &d.commitment, &d.common, table),
        Err(NsProofError::Vid(VidError::RangeMismatch { .. }))
    ));
    let mut other = proof.clone();
    other.namespace = NamespaceId(1);
    assert!(matches!(
        other.verify(&vid, &d.commitment, &d.common, table),
        Err(NsProofError::WrongRange { .. })
    ));
    assert_eq!(
        NamespaceProof::new(&vid, &p, NamespaceId(9)).unwrap_err(),
        NsProofError::NotInBlock(NamespaceId(9))
    );
    let mut absent = proof.clone();
    absent.namespace = NamespaceId(9);
    assert_eq!(
        absent.verify(&vid, &d.commitment, &d.common, table).unwrap_err(),
        NsProofError::NotInBlock(NamespaceId(9))
    );
    let other_block = vid.disperse(&p.bytes()[1..]).unwrap();
    assert!(proof.verify(&vid, &other_block.commitment, &other_block.common, table).is_err());
}

#[test]
fn header_json_round_trips_and_every_field_changes_the_commitment() {
    use alloy_primitives::{Address, B256, U256};
    use doppio_types::{ChainConfig, FeeInfo, Header, L1BlockInfo};
    let srs = Srs::insecure_dev(3, 4);
    let vid = Vid::new(VidParams::new(4, 2).unwrap(), &srs, Accel::cpu().unwrap()).unwrap();
    let p = Payload::from_transactions(&[tx(1, b"abc")]).unwrap();
    let header = Header {
        chain_config: ChainConfig::default(),
        height: 7,
        timestamp: 1_700_000_000,
        l1_head: 100,
        l1_finalized: Some(L1BlockInfo {
            number: 90,
            timestamp: U256::from(5u64),
            hash: B256::repeat_byte(9),
        }),
        payload_commitment: vid.commit_only(p.bytes()).unwrap(),
        ns_table: p.ns_table().bytes().to_vec(),
        block_merkle_tree_root: B256::repeat_byte(1),
        fee_merkle_tree_root: B256::repeat_byte(2),
        fee_info: FeeInfo { account: Address::repeat_byte(3), amount: 42u64.into() },
    };
    let json = serde_json::to_string(&header).unwrap();
    assert_eq!(serde_json::from_str::<Header>(&json).unwrap(), header);
    let c = header.commit();
    assert!(c.to_string().starts_with("BLOCK~"));
    let changes: [fn(&mut Header); 11] = [
        |h| h.chain_config.max_block_size += 1,
        |h| h.height += 1,
        |h| h.timestamp += 1,
        |h| h.l1_head += 1,
        |h| h.l1_finalized = None,
        |h| h.payload_commitment.0[0] ^= 1,
        |h| h.ns_table.push(0),
        |h| h.block_merkle_tree_root = B256::ZERO,
        |h| h.fee_merkle_tree_root = B256::ZERO,
        |h| h.fee_info.amount = 43u64.into(),
        |h| h.fee_info.account = Address::ZERO,
    ];
    for (i, change) in changes.iter().enumerate() {
        let mut h = header.clone();
        change(&mut h);
        assert_ne!(h.commit(), c, "change {i} left the commitment unchanged");
    }
}
