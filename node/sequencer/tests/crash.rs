//! Kill -9 the dev node while it decides blocks under load, restart it, and find every
//! decided block intact: the leaves chain, payloads match their commitments, the saved
//! chain state matches the tip, and every transaction seen decided is still there.
#![allow(missing_docs)]

use std::path::Path;

use doppio_accel::Accel;
use doppio_kzg::Srs;
use doppio_sequencer::node::vid_params_for;
use doppio_sequencer::run::DEV_SRS_SEED;
use doppio_storage::{BlockId, LeafId, Storage, StorageConfig};
use doppio_types::{NamespaceId, Transaction, TxCommitment};
use doppio_vid::Vid;
use tokio::process::{Child, Command};

mod common;

use common::{net::height, spawn_node};

const GENESIS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../genesis/demo.toml");

/// Starts the dev node on a free port; returns the process and its API URL.
async fn spawn(dir: &Path) -> (Child, String) {
    spawn_node(
        Command::new(env!("CARGO_BIN_EXE_dev-node"))
            .args(["--port", "0", "--path"])
            .arg(dir)
            .args(["--genesis-file", GENESIS, "--block-interval", "40ms"])
            .args(["--accel-backend", "cpu"])
            // SIGKILL would leave the dev L1's anvil behind.
            .arg("--no-dev-l1")
            .env("RUST_LOG", "warn"),
    )
    .await
}

/// Submits transactions and records those the API reports decided, until `stop_at`
/// blocks exist; then kills the node with SIGKILL.
async fn load_and_kill(
    client: &reqwest::Client,
    child: &mut Child,
    url: &str,
    stop_at: u64,
    salt: u32,
    decided: &mut Vec<TxCommitment>,
) {
    let mut i = 0u32;
    let mut pending = Vec::new();
    while height(client, url).await < stop_at {
        let tx = Transaction::new(NamespaceId(i % 3), format!("{salt}-{i}").into_bytes());
        i += 1;
        if let Ok(r) = client.post(format!("{url}/v0/submit/submit")).json(&tx).send().await
            && r.status().is_success()
        {
            pending.push(tx.commit());
        }
        let probe = pending.first().copied();
        if let Some(h) = probe
            && client
                .get(format!("{url}/v0/availability/transaction/hash/{h}"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        {
            decided.push(pending.remove(0));
        }
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_nothing_decided() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let mut decided = Vec::new();
    let mut last = 0;
    for round in 0..3u32 {
        let (mut child, url) = spawn(dir.path()).await;
        let restarted = height(&client, &url).await;
        assert!(restarted >= last, "round {round}: height went back from {last} to {restarted}");
        load_and_kill(
            &client,
            &mut child,
            &url,
            restarted + 8 + u64::from(round) * 3,
            round,
            &mut decided,
        )
        .await;
        last = restarted;
    }
    assert!(!decided.is_empty(), "some transactions were decided under load");

    let storage =
        Storage::open(&StorageConfig::Sqlite { path: dir.path().to_owned() }).await.unwrap();
    let tip = storage.block_height().await.unwrap();
    assert!(tip >= 8);
    let (state_height, _) = storage.latest_state().await.unwrap().unwrap();
    assert_eq!(state_height, tip - 1, "the saved chain state is the tip's");
    let vid = Vid::new(
        vid_params_for(1).unwrap(),
        &Srs::insecure_dev(1, DEV_SRS_SEED),
        Accel::cpu().unwrap(),
    )
    .unwrap();
    let mut parent = None;
    for h in 0..tip {
        let leaf = storage.leaf(LeafId::Height(h)).await.unwrap();
        assert_eq!(leaf.height(), h);
        if let Some(p) = parent {
            assert_eq!(leaf.leaf.parent_commitment, p, "block {h} extends its parent");
        }
        parent = Some(leaf.hash());
        let payload = storage.payload(BlockId::Height(h)).await.unwrap();
        let header = &leaf.leaf.block_header;
        assert_eq!(
            vid.commit_only(payload.bytes()).unwrap(),
            header.payload_commitment,
            "block {h}"
        );
        assert_eq!(payload.ns_table().bytes(), &header.ns_table[..]);
        let common = storage.vid_common(BlockId::Height(h)).await.unwrap();
        vid.check_common(&common, &header.payload_commitment).unwrap();
    }
    for tx in &decided {
        storage.transaction_by_hash(*tx).await.unwrap_or_else(|e| panic!("{tx} lost: {e}"));
    }
}
