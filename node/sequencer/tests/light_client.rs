//! The light-client pipeline end to end: nodes sign their light-client state on every
//! decide and serve the signatures; on anvil (SKIPPED without it unless
//! `DOPPIO_REQUIRE_ANVIL=1`) five in-process nodes post them to the state relay server,
//! the prover (CPU, the contract's capacity-10 key) proves the relay's bundle and posts
//! it to `LightClient`, which then holds a recent state equal to the nodes'; a restarted
//! prover resumes from the L1 state and moves it forward; `dev-node`'s own pipeline
//! (anvil, contracts, relay, prover) brings its light client up to its chain.
#![allow(missing_docs)]

mod common;

use std::{
    path::Path,
    time::{Duration, Instant},
};

use alloy::{primitives::Address, providers::ProviderBuilder, signers::local::PrivateKeySigner};
use common::net::{N, Net, driver_config, wait_all};
use doppio_accel::Accel;
use doppio_contracts::{bindings::LightClient, keys::contract_keys};
use doppio_keys::StakeTableEntry;
use doppio_l1::{
    DevL1, L1Client,
    deploy::{DeployConfig, deploy, sol_state},
    dev::{DEV_KEYS, anvil_for_tests, fast_options},
};
use doppio_light_client::state::LightClientState;
use doppio_sequencer::{
    dev_l1::light_client_table,
    run::{RunningNode, start_with},
    state_signer::light_client_state,
};
use doppio_state_prover::{
    StateSignatureRequest, SyncOutcome,
    prover::{ProverConfig, StateProver},
    relay::{Relay, serve},
};
use doppio_storage::LeafId;
use serde_json::Value;

/// Node `i` of `net`, posting its state signatures to `relay`.
async fn start_node(
    net: &Net,
    dir: &Path,
    i: usize,
    relay: &reqwest::Url,
) -> (RunningNode, String) {
    let genesis = common::write_genesis(dir, common::GENESIS);
    let mut launch = common::launch(&dir.join(format!("node{i}")), common::node_args(&genesis));
    launch.node.state_signer.state_relay_server_url = Some(relay.clone());
    let (keys, membership) = (net.keys[i].clone(), Some(net.membership(i)));
    let running = start_with(&launch, keys, vec![], membership, driver_config()).await.unwrap();
    let url = format!("http://127.0.0.1:{}", running.api.unwrap().port());
    (running, url)
}

/// The light-client state of `node`'s stored block at `height`.
async fn node_state(node: &RunningNode, height: u64) -> LightClientState {
    let leaf = node.node.storage().leaf(LeafId::Height(height)).await.unwrap();
    light_client_state(&leaf.leaf)
}

/// `GET {url}/v0/state-signature/block/{height}`: status and body.
async fn signature(client: &reqwest::Client, url: &str, height: &str) -> (u16, Value) {
    let r = client.get(format!("{url}/v0/state-signature/block/{height}")).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_serves_verifiable_state_signatures_and_decides_with_its_relay_down() {
    let dir = tempfile::tempdir().unwrap();
    let genesis = common::write_genesis(dir.path(), common::GENESIS);
    let mut launch = common::launch(dir.path(), common::node_args(&genesis));
    // Nothing listens on port 1: the relay is down for the whole test.
    launch.node.state_signer.state_relay_server_url = Some("http://127.0.0.1:1/".parse().unwrap());
    let (running, url) = common::start(&launch, 41).await;
    let key = common::keys(41).state.ver_key();
    let client = reqwest::Client::new();
    common::net::wait_height(&client, &url, 6, 30).await;

    for h in [1u64, 4] {
        let (status, body) = signature(&client, &url, &h.to_string()).await;
        assert_eq!(status, 200, "{body}");
        let signed: StateSignatureRequest = serde_json::from_value(body).unwrap();
        assert_eq!(signed.key, key, "signed with the node's state key");
        let state = signed.state.to_state().unwrap();
        assert_eq!(state, node_state(&running, h).await, "the node's state at height {h}");
        key.verify(&state.to_fields(), &signed.signature).unwrap();
        // A signature is not valid for another height's state.
        let other = node_state(&running, h + 1).await;
        assert!(key.verify(&other.to_fields(), &signed.signature).is_err());
    }

    let (status, body) = signature(&client, &url, "1000000").await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["status"], 404);
    assert!(body["message"].as_str().unwrap().contains("no state signature for block 1000000"));
    let (status, body) = signature(&client, &url, "ten").await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap().contains("`ten`"), "{body}");

    // The relay being unreachable held nothing up, and the failures were counted.
    let metrics = client.get(format!("{url}/v0/status/metrics")).send().await.unwrap();
    let text = metrics.text().await.unwrap();
    let retried = text
        .lines()
        .find(|l| l.starts_with("doppio_state_signature_relay_total{outcome=\"retried\"}"))
        .unwrap_or_else(|| panic!("no retry counter in\n{text}"));
    assert!(!retried.ends_with(" 0"), "{retried}");
    assert!(text.lines().any(|l| l.starts_with("doppio_state_signatures_total ")));
    running.stop().await;
}

/// Runs `prover` until it posts an update; returns the state it posted and the node
/// height just before the update that succeeded began.
async fn update(prover: &StateProver, node: &RunningNode) -> (LightClient::LightClientState, u64) {
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let before = node.node.block_height();
        match prover.sync_once().await {
            Ok(SyncOutcome::Updated { state, proof_time, .. }) => {
                eprintln!("update to height {} proved in {proof_time:?}", state.block_height);
                let s = LightClient::LightClientState {
                    viewNum: state.view_number,
                    blockHeight: state.block_height,
                    blockCommRoot: state.block_comm_root,
                };
                return (s, before);
            }
            Ok(other) => eprintln!("prover: {other:?}"),
            Err(e) => eprintln!("prover: {e}"),
        }
        assert!(Instant::now() < deadline, "no light-client update within 240 s");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nodes_sign_the_relay_bundles_the_prover_posts_and_a_restarted_prover_resumes()
-> anyhow::Result<()> {
    let Some(anvil) = anvil_for_tests("light-client pipeline on anvil") else { return Ok(()) };
    let l1 = DevL1::start_with(anvil).await?;
    let net = Net::new();
    let members: Vec<_> =
        net.keys.iter().map(|k| StakeTableEntry::new(&k.staking, 1, k.state.ver_key())).collect();
    let table = light_client_table(&members)?;
    let deployer: PrivateKeySigner = DEV_KEYS[0].parse()?;
    let wallet = ProviderBuilder::new().wallet(deployer).connect_http(l1.url());
    let config = DeployConfig {
        genesis: LightClientState::of_block(0, 0, &[0; 32]),
        stake_table: table.state(),
        history_entries: 8,
        permissioned_prover: Address::ZERO,
    };
    let deployment = deploy(&wallet, &config).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let relay_url: reqwest::Url = format!("http://{}/", listener.local_addr()?).parse()?;
    serve(listener, Relay::new(table.clone(), 64));

    let dir = tempfile::tempdir()?;
    let mut nodes = Vec::new();
    for i in 0..N {
        nodes.push(start_node(&net, dir.path(), i, &relay_url).await);
    }
    let urls: Vec<String> = nodes.iter().map(|n| n.1.clone()).collect();
    let client = reqwest::Client::new();
    wait_all(&client, &urls, 3).await;

    let accel = Accel::cpu()?;
    let keys_accel = accel.clone();
    let pk = tokio::task::spawn_blocking(move || contract_keys(&keys_accel)).await??.0;
    let prover_config = ProverConfig {
        relay_url,
        light_client: deployment.light_client,
        signer: DEV_KEYS[1].parse()?,
        update_interval: Duration::from_millis(200),
        retry_interval: Duration::from_millis(100),
    };
    let new_prover = || -> anyhow::Result<StateProver> {
        let l1 = L1Client::new(&[l1.url()], fast_options())?;
        Ok(StateProver::new(prover_config.clone(), l1, table.clone(), pk.clone(), accel.clone()))
    };
    let light_client = LightClient::new(deployment.light_client, l1.provider());

    // The first update: a recent height, and exactly the nodes' state at that height.
    let (posted, before) = update(&new_prover()?, &nodes[0].0).await;
    let stored = light_client.finalizedState().call().await?;
    assert_eq!(stored, posted, "what the prover read back is what L1 holds");
    let height = stored.blockHeight;
    assert!(height > 0, "the genesis state was replaced");
    assert!(
        height + 20 >= before,
        "the proved state is recent: height {height}, the node was at {before} when the update began"
    );
    for (node, _) in &nodes {
        let expected = sol_state(&node_state(node, height).await)?;
        assert_eq!(stored, expected, "LightClient holds node {}'s state", node.node.index());
    }
    // Every node served its signature on that state.
    for (i, url) in urls.iter().enumerate() {
        let (status, body) = signature(&client, url, &height.to_string()).await;
        assert_eq!(status, 200, "node {i}: {body}");
        let signed: StateSignatureRequest = serde_json::from_value(body)?;
        assert_eq!(signed.key, net.keys[i].state.ver_key());
        assert_eq!(sol_state(&signed.state.to_state()?)?, stored, "node {i}");
    }

    // A new prover resumes from L1: it starts from the stored state and only moves it up.
    let restarted = new_prover()?;
    let resumed = restarted.finalized_state().await?;
    assert_eq!((resumed.view_number, resumed.block_height), (stored.viewNum, height));
    let (next, _) = update(&restarted, &nodes[0].0).await;
    assert!(next.blockHeight > height, "next update {} above {height}", next.blockHeight);
    assert!(next.viewNum > stored.viewNum);
    let now = light_client.finalizedState().call().await?;
    assert_eq!(now, next);
    assert_eq!(sol_state(&node_state(&nodes[0].0, next.blockHeight).await)?, next);
    let metrics = restarted.metrics_text();
    assert!(
        metrics.contains(&format!("light_client_finalized_height {}", next.blockHeight)),
        "{metrics}"
    );

    for (node, _) in nodes {
        node.stop().await;
    }
    Ok(())
}

/// Polls the prover's metrics until `light_client_finalized_height` is above zero.
async fn finalized_height(client: &reqwest::Client, metrics: &str) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        if let Ok(r) = client.get(metrics).send().await
            && let Ok(text) = r.text().await
            && let Some(h) = text
                .lines()
                .find_map(|l| l.strip_prefix("light_client_finalized_height "))
                .and_then(|v| v.trim().parse::<u64>().ok())
            && h > 0
        {
            return h;
        }
        assert!(Instant::now() < deadline, "{metrics}: no light-client update within 240 s");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_node_runs_its_own_l1_relay_and_prover() -> anyhow::Result<()> {
    use clap::Parser;
    use doppio_sequencer::dev_node::{self, DevNodeArgs};
    if anvil_for_tests("dev-node's light-client pipeline").is_none() {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let genesis = common::write_genesis(dir.path(), common::GENESIS);
    let mut argv: Vec<std::ffi::OsString> =
        ["dev-node", "--port", "0", "--block-interval", "100ms", "--accel-backend", "cpu"]
            .map(Into::into)
            .into();
    argv.extend(["--path".into(), dir.path().join("data").into()]);
    argv.extend(["--genesis-file".into(), genesis.into()]);
    let args = DevNodeArgs::try_parse_from(argv)?;
    let dev = dev_node::start(&args, vec![]).await?;
    let pipeline = dev.light_client.as_ref().expect("anvil is installed: the pipeline runs");
    let described = pipeline.describe().join("\n");
    for part in ["dev L1 (anvil): http://127.0.0.1:", "LightClient: 0x", "/api/state", "/metrics"] {
        assert!(described.contains(part), "{part} in\n{described}");
    }
    let client = reqwest::Client::new();
    let metrics = format!("http://{}/metrics", pipeline.prover_metrics);
    let height = finalized_height(&client, &metrics).await;
    let light_client = LightClient::new(pipeline.deployment.light_client, pipeline.l1.provider());
    let stored = light_client.finalizedState().call().await?;
    assert!(stored.blockHeight >= height, "L1 {} vs metrics {height}", stored.blockHeight);
    assert_eq!(sol_state(&node_state(&dev.node, stored.blockHeight).await)?, stored);
    dev.stop().await;
    Ok(())
}
