//! Four honest nodes and a Byzantine member (node 4's keys on a bare libp2p endpoint)
//! over real QUIC on loopback. The Byzantine member never proposes or votes honestly;
//! instead it sends votes in other members' names (forged), its own votes over made-up
//! leaves (again and again: duplicates), DA proposals whose payload does not match the
//! commitment, VID shares of another payload, unrequested leaves and malformed bytes of
//! every kind. The honest nodes pass its views by timeout certificates, keep deciding the
//! same chain, and no certificate ever counts the Byzantine member.
//!
//! A second network has a Byzantine *leader*: member 4 runs a real node whose outgoing
//! messages are rewritten (`DriverConfig::byzantine`). In its views it equivocates, one
//! of its two proposals carrying an invalid header, and one member's VID share arrives
//! corrupted; none of its blocks is ever decided and the rest agree on one chain.
#![allow(missing_docs)]

mod common;

use std::{sync::Arc, time::Duration};

use alloy_primitives::B256;
use common::net::{N, Net, driver_config, same_chain, wait_all, wait_decided};
use doppio_consensus::{DaProposal, Message, SignedProposal, VidShareMessage};
use doppio_keys::{Vote, VoteData, VoteKind};
use doppio_network::NetworkConfig;
use doppio_sequencer::driver::{TAG_CONSENSUS, TAG_FETCH, TAG_LEAF};
use doppio_storage::{BlockId, LeafId};
use doppio_types::{NamespaceId, Transaction};

const BYZANTINE: usize = N - 1;

/// A leaf answer in the driver's wire form.
#[derive(serde::Serialize)]
struct LeafReply<'a> {
    leaf: &'a doppio_types::Leaf,
    payload: Option<(Vec<u8>, Vec<u8>)>,
}

fn tagged(tag: u8, body: &[u8]) -> Vec<u8> {
    [&[tag][..], body].concat()
}

fn consensus(m: &Message) -> Vec<u8> {
    tagged(TAG_CONSENSUS, &m.encode().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_byzantine_member_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let net = Net::new();
    let mut nodes = Vec::new();
    for i in 0..BYZANTINE {
        nodes.push(net.start(dir.path(), i).await);
    }
    let urls: Vec<String> = nodes.iter().map(|n| n.1.clone()).collect();
    let client = reqwest::Client::new();

    // The Byzantine member's endpoint: its real key and port, a member for the others.
    let mut config =
        NetworkConfig::loopback(net.membership(BYZANTINE).network.bootstrap, Default::default());
    config.bind = net.membership(BYZANTINE).network.bind;
    config.members = net.peers.iter().copied().collect();
    let keypair = doppio_keys::peer::libp2p_keypair(&net.keys[BYZANTINE].staking);
    let (byz, _inbound) = doppio_network::start(keypair, config).await.unwrap();

    wait_all(&client, &urls, 3).await;
    let storage = nodes[0].0.node.storage().clone();
    let b = storage.header(BlockId::Height(2)).await.unwrap();
    let payload_a = storage.payload(BlockId::Height(1)).await.unwrap();
    let common_b = storage.vid_common(BlockId::Height(2)).await.unwrap();
    let share_b = storage.vid_share(BlockId::Height(2)).await.unwrap();
    let leaf = storage.leaf(LeafId::Height(1)).await.unwrap().leaf;

    let tx = Transaction::new(NamespaceId(7), b"decided despite a Byzantine member".to_vec());
    client.post(format!("{}/v0/submit/submit", urls[1])).json(&tx).send().await.unwrap();

    let attack = async {
        let mut k = 0u64;
        loop {
            k += 1;
            let view = nodes[0].0.node.metrics().current_view.get() as u64;
            let made_up = [k as u8; 32];
            let data = VoteData { kind: VoteKind::Quorum, view, commitment: made_up };
            // Signed by the Byzantine key in member 0's name.
            let forged = Vote {
                data,
                signer: net.keys[0].staking.public_key(),
                signature: net.keys[BYZANTINE].staking.sign(&data.message()),
            };
            let own = Vote::new(&net.keys[BYZANTINE].staking, data);
            let da = DaProposal {
                view,
                payload: payload_a.bytes().to_vec(),
                ns_table: payload_a.ns_table().bytes().to_vec(),
                payload_commitment: b.payload_commitment,
            };
            let share = VidShareMessage { view, share: share_b.clone(), common: common_b.clone() };
            let mut leaf_answer = vec![TAG_LEAF];
            let reply = LeafReply { leaf: &leaf, payload: None };
            ciborium::into_writer(&reply, &mut leaf_answer).unwrap();
            let messages = [
                consensus(&Message::Vote(forged)),
                consensus(&Message::Vote(own)),
                consensus(&Message::Vote(own)),
                consensus(&Message::DaProposal(da)),
                consensus(&Message::VidShare(share)),
                leaf_answer,
                tagged(TAG_CONSENSUS, &[0xff; 40]),
                tagged(TAG_FETCH, &[1, 2, 3]),
                tagged(TAG_LEAF, b"not cbor"),
                tagged(0x7f, b"unknown tag"),
                Vec::new(),
            ];
            for m in &messages {
                let _ = byz.broadcast(m.clone()).await;
                for i in 0..BYZANTINE {
                    let _ = byz.send(net.peers[i], m.clone()).await;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let check = async {
        wait_decided(&client, &urls, &tx.commit().to_string()).await;
        let top = nodes.iter().map(|n| n.0.node.block_height()).min().unwrap();
        wait_all(&client, &urls, top + N as u64).await;
        top + N as u64
    };
    let top = tokio::select! {
        _ = attack => unreachable!(),
        top = check => top,
    };
    same_chain(&client, &urls, top).await;
    // The honest nodes counted what they refused, by reason.
    let refused = |reason: &str| -> u64 {
        let counts = nodes.iter().map(|(running, _)| {
            running.node.metrics().messages_refused.with_label_values(&[reason]).get()
        });
        counts.sum()
    };
    for reason in ["wrong_sender", "second_candidate", "vote_invalid_signature", "undecodable"] {
        assert!(refused(reason) > 0, "no message refused as {reason}");
    }
    // Its votes over made-up leaves never filled a collector's candidates, so no real
    // vote was turned away for want of room.
    assert_eq!(refused("too_many_candidates"), 0, "made-up leaves crowded out a real one");
    // Every stored certificate verifies, and none counts the Byzantine member: its
    // votes (its own over made-up leaves, or forged in another's name) never joined one.
    for (running, _) in &nodes {
        let node = &running.node;
        for h in 0..top {
            let qc = node.storage().leaf(LeafId::Height(h)).await.unwrap().qc;
            node.committee()
                .verify(doppio_consensus::CertificateKind::Quorum, &qc, node.accel())
                .unwrap();
            assert!(!qc.signers.get(BYZANTINE), "the QC of block {h} counts the Byzantine member");
        }
    }
    byz.shutdown().await;
    for (running, _) in nodes {
        running.stop().await;
    }
}

/// Member 4's rewrite: in its views the real proposal goes to members 0 and 1 only, and
/// a second proposal of the same view — its header claiming another fee-state root,
/// signed all the same — goes to members 2 and 3 and is broadcast (so members 0 and 1
/// see both: equivocation); member 2's VID share arrives with a corrupted Merkle path.
/// Everything else it sends (DA proposals, votes, timeouts) is honest.
fn equivocate(key: doppio_keys::BlsSecretKey) -> Arc<doppio_sequencer::driver::Rewrite> {
    Arc::new(move |to, message| match message {
        Message::Proposal(real) => {
            let mut invalid = real.proposal.clone();
            invalid.leaf.block_header.fee_merkle_tree_root = B256::repeat_byte(0xbd);
            let invalid = Message::Proposal(Box::new(SignedProposal::sign(&key, invalid)));
            let real = Message::Proposal(real);
            vec![
                (Some(0), real.clone()),
                (Some(1), real),
                (Some(2), invalid.clone()),
                (Some(3), invalid.clone()),
                (None, invalid),
            ]
        }
        Message::VidShare(mut m) if to == Some(2) => {
            for node in &mut m.share.merkle_path {
                node[0] ^= 1;
            }
            vec![(to, Message::VidShare(m))]
        }
        other => vec![(to, other)],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_byzantine_leader_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let net = Net::with_keys(150);
    let mut nodes = Vec::new();
    for i in 0..N {
        let mut driver = driver_config();
        if i == BYZANTINE {
            driver.byzantine = Some(equivocate(net.keys[i].staking.clone()));
        }
        nodes.push(net.start_with_driver(dir.path(), i, driver).await);
    }
    let honest: Vec<String> = nodes[..BYZANTINE].iter().map(|n| n.1.clone()).collect();
    let client = reqwest::Client::new();

    let tx = Transaction::new(NamespaceId(7), b"decided despite a Byzantine leader".to_vec());
    client.post(format!("{}/v0/submit/submit", honest[1])).json(&tx).send().await.unwrap();
    wait_decided(&client, &honest, &tx.commit().to_string()).await;
    // Several of the Byzantine leader's views pass meanwhile.
    let top = nodes.iter().map(|n| n.0.node.block_height()).min().unwrap() + 2 * N as u64;
    wait_all(&client, &honest, top).await;
    same_chain(&client, &honest, top).await;
    let (storage, committee) = (nodes[0].0.node.storage(), nodes[0].0.node.committee());
    let mut view = 0;
    for h in 1..top {
        view = storage.leaf(LeafId::Height(h)).await.unwrap().leaf.view_number;
        assert_ne!(
            committee.leader(view),
            BYZANTINE,
            "block {h} is from view {view}, the Byzantine leader's: an equivocating leader was followed"
        );
    }
    assert!(
        view > 2 * N as u64,
        "the Byzantine leader's views did not pass twice (last view {view})"
    );
    for (running, _) in nodes {
        running.stop().await;
    }
}
