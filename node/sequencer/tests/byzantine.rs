//! Four honest nodes and a Byzantine member (node 4's keys on a bare libp2p endpoint)
//! over real QUIC on loopback. The Byzantine member never proposes or votes honestly;
//! instead it sends votes in other members' names (forged), its own votes over made-up
//! leaves (again and again: duplicates), DA proposals whose payload does not match the
//! commitment, VID shares of another payload, unrequested leaves and malformed bytes of
//! every kind. The honest nodes pass its views by timeout certificates, keep deciding the
//! same chain, and no certificate ever counts the Byzantine member.
#![allow(missing_docs)]

mod common;

use std::time::Duration;

use common::net::{N, Net, same_chain, wait_all, wait_decided};
use doppio_consensus::{DaProposal, Message, VidShareMessage};
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
