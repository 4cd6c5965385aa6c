//! A real node on loopback: submit, find the transaction in a block, verify its namespace
//! proof; every kind of bad request; streams; catchup; metrics; restart.
#![allow(missing_docs)]

mod common;

use std::time::Duration;

use alloy_primitives::{Address, U256};
use base64::{Engine, engine::general_purpose::STANDARD};
use common::*;
use doppio_accel::Accel;
use doppio_kzg::Srs;
use doppio_sequencer::node::vid_params_for;
use doppio_sequencer::run::DEV_SRS_SEED;
use doppio_types::{
    FeeProof, Header, LeafQueryData, NamespaceId, NamespaceProof, NsTable, Transaction,
    TxCommitment, block_merkle::BlockProof,
};
use doppio_vid::{Vid, VidCommon};
use futures_util::StreamExt;
use serde_json::Value;

fn test_vid() -> Vid {
    let srs = Srs::insecure_dev(4, DEV_SRS_SEED);
    Vid::new(vid_params_for(1).unwrap(), &srs, Accel::cpu().unwrap()).unwrap()
}

async fn get_json(client: &reqwest::Client, url: &str) -> (u16, Value) {
    let resp = client.get(url).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

/// Checks an error response: the status, and a message mentioning `needle`.
async fn expect_error(resp: reqwest::Response, status: u16, needle: &str) {
    assert_eq!(resp.status().as_u16(), status, "expected {status} mentioning `{needle}`");
    let body: Value = resp.json().await.unwrap();
    let message = body["message"].as_str().unwrap();
    assert_eq!(body["status"], status);
    assert!(message.contains(needle), "message `{message}` lacks `{needle}`");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submitted_transactions_are_decided_with_verifiable_namespace_proofs() {
    let dir = tempfile::tempdir().unwrap();
    let launch = launch(dir.path(), node_args(&write_genesis(dir.path(), GENESIS)));
    let (node, url) = start(&launch, 1).await;
    let client = reqwest::Client::new();

    let tx = Transaction::new(NamespaceId(12648430), b"hello rollup".to_vec());
    let other = Transaction::new(NamespaceId(7), vec![0xab; 300]);
    let resp = client.post(format!("{url}/v0/submit/submit")).json(&tx).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let hash: TxCommitment = resp.json().await.unwrap();
    assert_eq!(hash, tx.commit());
    client.post(format!("{url}/v0/submit/submit")).json(&other).send().await.unwrap();

    let found: Value = wait_for(
        &client,
        &format!("{url}/v0/availability/transaction/hash/{hash}"),
        |_: &Value| true,
    )
    .await;
    let height = found["height"].as_u64().unwrap();
    assert_eq!(serde_json::from_value::<Transaction>(found["transaction"].clone()).unwrap(), tx);
    let index = found["index"].as_u64().unwrap();
    let (status, by_index) =
        get_json(&client, &format!("{url}/v0/availability/transaction/{height}/{index}")).await;
    assert_eq!(status, 200);
    assert_eq!(by_index["hash"], hash.to_string());

    // The namespace's transactions come with a proof that verifies against the header.
    let (_, header) = get_json(&client, &format!("{url}/v0/availability/header/{height}")).await;
    let header: Header = serde_json::from_value(header).unwrap();
    let (_, common) =
        get_json(&client, &format!("{url}/v0/availability/vid/common/{height}")).await;
    let common: VidCommon = serde_json::from_value(common["common"].clone()).unwrap();
    let (status, ns) =
        get_json(&client, &format!("{url}/v0/availability/block/{height}/namespace/12648430"))
            .await;
    assert_eq!(status, 200);
    let proof: NamespaceProof = serde_json::from_value(ns["proof"].clone()).unwrap();
    let table = NsTable::parse(header.ns_table.clone(), common.payload_byte_len as usize).unwrap();
    let vid = test_vid();
    let txs = proof.verify(&vid, &header.payload_commitment, &common, &table).unwrap();
    assert_eq!(txs, vec![tx.clone()]);
    assert_eq!(
        serde_json::from_value::<Vec<Transaction>>(ns["transactions"].clone()).unwrap(),
        txs
    );
    // A proof of another block's namespace does not verify against this header.
    let mut forged = proof.clone();
    forged.ns_bytes[8] ^= 1;
    assert!(forged.verify(&vid, &header.payload_commitment, &common, &table).is_err());
    // A namespace the block lacks: no transactions, no proof.
    let (_, absent) =
        get_json(&client, &format!("{url}/v0/availability/block/{height}/namespace/99")).await;
    assert_eq!(absent["transactions"], serde_json::json!([]));
    assert!(absent["proof"].is_null());

    // The block, the leaf and the payload agree with the header.
    let (_, block) = get_json(&client, &format!("{url}/v0/availability/block/{height}")).await;
    assert_eq!(block["hash"], header.commit().to_string());
    let payload = STANDARD.decode(block["payload"]["payload"].as_str().unwrap()).unwrap();
    assert_eq!(vid.commit_only(&payload).unwrap(), header.payload_commitment);
    let (_, by_hash) =
        get_json(&client, &format!("{url}/v0/availability/block/hash/{}", header.commit())).await;
    assert_eq!(by_hash["height"], height);
    let (_, leaf) = get_json(&client, &format!("{url}/v0/availability/leaf/{height}")).await;
    let leaf: LeafQueryData = serde_json::from_value(leaf).unwrap();
    assert_eq!(leaf.leaf.block_header, header);
    let (_, range) =
        get_json(&client, &format!("{url}/v0/availability/leaf/0/{}", height + 1)).await;
    let range: Vec<LeafQueryData> = serde_json::from_value(range).unwrap();
    assert_eq!(range.len() as u64, height + 1);
    for pair in range.windows(2) {
        assert_eq!(pair[1].leaf.parent_commitment, pair[0].leaf.commit(), "leaves chain");
    }

    // The builder paid base_fee × payload bytes to the fee recipient.
    let fee = U256::from(payload.len());
    assert_eq!(header.fee_info.amount.0, fee);
    let builder: Address = BUILDER.parse().unwrap();
    let (_, acct) =
        get_json(&client, &format!("{url}/v0/catchup/{height}/account/{builder}")).await;
    let proof: FeeProof = serde_json::from_value(acct["proof"].clone()).unwrap();
    assert!(proof.verify(&header.fee_merkle_tree_root.0));
    let (_, before) =
        get_json(&client, &format!("{url}/v0/catchup/{}/account/{builder}", height - 1)).await;
    let before: U256 = serde_json::from_value(before["balance"].clone()).unwrap();
    let after: U256 = serde_json::from_value(acct["balance"].clone()).unwrap();
    assert_eq!(before - after, fee);
    let (_, frontier) = get_json(&client, &format!("{url}/v0/catchup/{height}/blocks")).await;
    let frontier: BlockProof = serde_json::from_value(frontier).unwrap();
    assert_eq!(frontier.index, height);
    let next: Header =
        wait_for(&client, &format!("{url}/v0/availability/header/{}", height + 1), |_: &Header| {
            true
        })
        .await;
    assert_eq!(frontier.root(), Some(next.block_merkle_tree_root.0));

    // Node summary.
    let (_, count) = get_json(&client, &format!("{url}/v0/node/transactions/count")).await;
    assert!(count.as_u64().unwrap() >= 2);
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let launch = launch(dir.path(), node_args(&write_genesis(dir.path(), GENESIS)));
    let (node, url) = start(&launch, 2).await;
    let client = reqwest::Client::new();
    let submit = format!("{url}/v0/submit/submit");
    let post = |body: String| {
        client.post(&submit).header("content-type", "application/json").body(body).send()
    };

    expect_error(post("{not json".into()).await.unwrap(), 400, "not a transaction").await;
    expect_error(
        post(r#"{"namespace": 1, "payload": "***"}"#.into()).await.unwrap(),
        400,
        "invalid base64",
    )
    .await;
    expect_error(
        post(r#"{"namespace": -1, "payload": ""}"#.into()).await.unwrap(),
        400,
        "namespace",
    )
    .await;
    // Fits the body limit, but not a 10 kB block.
    let big = Transaction::new(NamespaceId(1), vec![1; 9_995]);
    expect_error(
        post(serde_json::to_string(&big).unwrap()).await.unwrap(),
        413,
        "cannot fit in a block",
    )
    .await;
    // Over the body limit.
    let huge = Transaction::new(NamespaceId(1), vec![1; 50_000]);
    expect_error(post(serde_json::to_string(&huge).unwrap()).await.unwrap(), 413, "request body")
        .await;

    let get = |path: &str| client.get(format!("{url}{path}")).send();
    expect_error(get("/v0/nothing/here").await.unwrap(), 404, "no route GET /v0/nothing/here")
        .await;
    expect_error(get("/v0/availability/block/999999").await.unwrap(), 404, "999999").await;
    expect_error(
        get("/v0/availability/leaf/xyz").await.unwrap(),
        400,
        "`xyz` is not a block height",
    )
    .await;
    expect_error(get("/v0/availability/leaf/0/1000").await.unwrap(), 400, "at most 100").await;
    expect_error(get("/v0/availability/header/5/2").await.unwrap(), 400, "empty range").await;
    expect_error(get("/v0/availability/block/hash/BLOCK~zz").await.unwrap(), 400, "block hash")
        .await;
    expect_error(get("/v0/availability/transaction/hash/TX~AAAA").await.unwrap(), 400, "TX~").await;
    expect_error(get("/v0/catchup/999999/blocks").await.unwrap(), 404, "not decided yet").await;
    expect_error(get("/v0/catchup/0/account/0x12").await.unwrap(), 400, "address").await;
    let unknown = Transaction::new(NamespaceId(5), b"never submitted".to_vec()).commit();
    expect_error(
        get(&format!("/v0/availability/transaction/hash/{unknown}")).await.unwrap(),
        404,
        "",
    )
    .await;

    // The node kept running through all of it (and stores genesis once it certified it).
    wait_for(&client, &format!("{url}/v0/status/block-height"), |h: &u64| *h >= 1).await;
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_metrics_config_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let launch = launch(dir.path(), node_args(&write_genesis(dir.path(), GENESIS)));
    let (node, url) = start(&launch, 3).await;
    let client = reqwest::Client::new();

    // A leaf stream from 0 delivers consecutive, chained leaves as they are decided.
    let ws = url.replace("http://", "ws://") + "/v0/availability/stream/leaves/0";
    let (mut socket, _) = tokio_tungstenite::connect_async(ws).await.unwrap();
    let mut previous: Option<LeafQueryData> = None;
    for expected in 0..5u64 {
        let msg = tokio::time::timeout(Duration::from_secs(30), socket.next()).await.unwrap();
        let leaf: LeafQueryData =
            serde_json::from_str(msg.unwrap().unwrap().to_text().unwrap()).unwrap();
        assert_eq!(leaf.height(), expected);
        if let Some(p) = &previous {
            assert_eq!(leaf.leaf.parent_commitment, p.leaf.commit());
        }
        previous = Some(leaf);
    }
    drop(socket);

    let metrics = client.get(format!("{url}/v0/status/metrics")).send().await.unwrap();
    let text = metrics.text().await.unwrap();
    for name in [
        "consensus_current_view",
        "consensus_last_decided_view",
        "consensus_outstanding_transactions",
        "doppio_vid_disperse_seconds_count",
        "accel_calls_total{op=\"msm_batch_prepared\",backend=\"cpu\"}",
        "accel_device_resident_bytes 0",
    ] {
        assert!(text.contains(name), "metrics lack {name}:\n{text}");
    }
    let (_, hotshot) = get_json(&client, &format!("{url}/v0/config/hotshot")).await;
    assert_eq!(hotshot["vid_num_storage_nodes"], 1);
    assert!(
        hotshot["known_nodes_with_stake"][0]["stake_key"]
            .as_str()
            .unwrap()
            .starts_with("BLS_VER_KEY~")
    );
    assert!(!hotshot.to_string().contains("SIGNING_KEY"), "no private key in the config");
    let (_, health) = get_json(&client, &format!("{url}/healthcheck")).await;
    assert_eq!(health["status"], "available");

    // Stop, restart on the same folder: the chain continues from where it was.
    let before: u64 =
        get_json(&client, &format!("{url}/v0/node/block-height")).await.1.as_u64().unwrap();
    let tip: LeafQueryData = serde_json::from_value(
        get_json(&client, &format!("{url}/v0/availability/leaf/{}", before - 1)).await.1,
    )
    .unwrap();
    node.stop().await;
    let (node, url) = start(&launch, 3).await;
    let next: LeafQueryData =
        wait_for(&client, &format!("{url}/v0/availability/leaf/{before}"), |_: &LeafQueryData| {
            true
        })
        .await;
    assert_eq!(next.leaf.parent_commitment, tip.leaf.commit());
    node.stop().await;

    // Another key cannot extend this chain.
    let err = doppio_sequencer::run::start(&launch, keys(4), vec![]).await.err().unwrap();
    assert!(format!("{err:#}").contains("does not verify with this stake table"), "{err:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfunded_builder_proposes_empty_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = node_args(&write_genesis(dir.path(), GENESIS));
    args.builder_account = Some(Address::repeat_byte(0x77));
    let (node, url) = start(&launch(dir.path(), args), 5).await;
    let client = reqwest::Client::new();
    let tx = Transaction::new(NamespaceId(1), b"no one pays".to_vec());
    let resp = client.post(format!("{url}/v0/submit/submit")).json(&tx).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let start_height = node.node.block_height();
    wait_for(&client, &format!("{url}/v0/node/block-height"), |h: &u64| *h >= start_height + 5)
        .await;
    let (_, count) = get_json(&client, &format!("{url}/v0/node/transactions/count")).await;
    assert_eq!(count, 0);
    assert_eq!(node.node.mempool_len(), 1, "the transaction waits for a funded builder");
    assert!(node.node.metrics().unfunded_builder_blocks.get() >= 1);
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_bound_wait_for_one_to_close() {
    let dir = tempfile::tempdir().unwrap();
    let mut launch = launch(dir.path(), node_args(&write_genesis(dir.path(), GENESIS)));
    launch.http.as_mut().unwrap().max_connections = 1;
    let (node, url) = start(&launch, 6).await;
    let holder = tokio::net::TcpStream::connect(node.api.unwrap()).await.unwrap();
    // Give the server time to accept the idle connection, which takes the only permit.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let client = reqwest::Client::new();
    let waiting = client.get(format!("{url}/healthcheck")).send();
    let waiting = tokio::spawn(waiting);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!waiting.is_finished(), "a second connection was served while the first was open");
    drop(holder);
    let resp = tokio::time::timeout(Duration::from_secs(10), waiting).await.unwrap().unwrap();
    assert_eq!(resp.unwrap().status(), 200);
    node.stop().await;
}

#[test]
fn the_env_route_never_shows_a_secret() {
    use doppio_sequencer::api::config::{REDACTED, public_env};
    let vars = [
        ("ESPRESSO_SEQUENCER_API_PORT", "24000"),
        ("ESPRESSO_SEQUENCER_PRIVATE_STAKING_KEY", "BLS_SIGNING_KEY~secret"),
        ("ESPRESSO_SEQUENCER_PRIVATE_STATE_KEY", "SCHNORR_SIGNING_KEY~secret"),
        ("ESPRESSO_SEQUENCER_POSTGRES_PASSWORD", "hunter2"),
        ("ESPRESSO_SEQUENCER_POSTGRES_URI", "postgres://u:hunter2@h/db"),
        ("ESPRESSO_BUILDER_ETH_MNEMONIC", "test test test"),
        ("ESPRESSO_SEQUENCER_L1_PROVIDER", "https://l1.example/v3/apikey"),
        ("ESPRESSO_SEQUENCER_L1_POLLING_INTERVAL", "7s"),
        ("HOME", "/root"),
    ];
    let shown = public_env(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let text = format!("{shown:?}");
    assert!(!text.contains("secret") && !text.contains("hunter2") && !text.contains("test test"));
    assert!(!text.contains("apikey"), "L1 provider URLs may embed an API key");
    assert!(!text.contains("HOME"), "only ESPRESSO_ and DOPPIO_ variables");
    assert!(shown.contains(&("ESPRESSO_SEQUENCER_API_PORT".into(), "24000".into())));
    assert!(shown.contains(&("ESPRESSO_SEQUENCER_L1_POLLING_INTERVAL".into(), "7s".into())));
    assert_eq!(shown.iter().filter(|(_, v)| v == REDACTED).count(), 6);
}
