//! The relay over real HTTP on loopback, and the prover against anvil with real proofs
//! (the committed contract key: capacity 10 over the dev SRS). Anvil tests print SKIPPED
//! without anvil, unless `DOPPIO_REQUIRE_ANVIL=1`.

use std::time::Duration;

use alloy::{
    primitives::{Address, U256},
    providers::ProviderBuilder,
    signers::local::PrivateKeySigner,
};
use doppio_accel::Accel;
use doppio_contracts::{
    bindings::LightClient,
    keys::{CONTRACT_CAPACITY, contract_keys},
};
use doppio_l1::{
    L1Client,
    deploy::{DeployConfig, deploy},
    dev::{DEV_KEYS, DevL1, anvil_for_tests, fast_options},
};
use doppio_light_client::{
    SchnorrSigningKey,
    dev::{DevStakeTable, dev_state},
    state::LightClientState,
};
use doppio_state_prover::{
    StateJson, StateSignatureRequest, SubmitError, SyncOutcome, post_state_signature,
    prover::{ProverConfig, StateProver, serve_metrics},
    relay::{Relay, RelayError, serve},
    sign_state,
};
use serde_json::Value;

const SEED: u64 = 77;

fn request(key: &SchnorrSigningKey, state: &LightClientState) -> StateSignatureRequest {
    sign_state(key, state).unwrap()
}

async fn start_relay(table: &DevStakeTable, max_states: usize) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    serve(listener, Relay::new(table.table(), max_states));
    url
}

async fn post(url: &str, body: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{url}api/state"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn get(url: &str) -> (u16, Value) {
    let r = reqwest::get(format!("{url}api/state")).await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

fn error_text(v: &Value) -> String {
    v["error"].as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_serves_a_bundle_only_for_known_keys_valid_signatures_and_enough_stake() {
    // Stakes 10, 11, 12, 13: threshold ⌈2·46/3⌉ = 31.
    let table = DevStakeTable::new(4, CONTRACT_CAPACITY, SEED).unwrap();
    let keys = table.signing_keys();
    let stranger = DevStakeTable::new(4, CONTRACT_CAPACITY, SEED + 1).unwrap();
    let url = start_relay(&table, 8).await;
    let state = dev_state(SEED, 1);
    let json = |r: &StateSignatureRequest| serde_json::to_string(r).unwrap();

    // Keys outside the table, however much they sign: 403, nothing held.
    for k in stranger.signing_keys() {
        let (status, body) = post(&url, &json(&request(k, &state))).await;
        assert_eq!(status, 403, "{body}");
        assert!(error_text(&body).contains("not in the stake table"), "{body}");
    }
    // Signatures on another state: 400.
    for k in keys {
        let mut r = request(k, &dev_state(SEED, 2));
        r.state = StateJson::from_state(&state).unwrap();
        let (status, body) = post(&url, &json(&r)).await;
        assert_eq!(status, 400, "{body}");
        assert!(error_text(&body).contains("does not verify"), "{body}");
    }
    assert_eq!(get(&url).await.0, 404, "no bundle from refused signatures");

    // Malformed bodies: typed 4xx naming the problem.
    let (status, body) = post(&url, "{\"key\": 1}").await;
    assert!((400..500).contains(&status), "{status} {body}");
    assert!(error_text(&body).contains("key"), "{body}");
    let mut r = serde_json::to_value(request(&keys[0], &state)).unwrap();
    r["state"]["block_comm_root"] = Value::String(format!("{:#x}", U256::MAX));
    let (status, body) = post(&url, &r.to_string()).await;
    assert_eq!(status, 400, "{body}");
    assert!(error_text(&body).contains("block_comm_root"), "{body}");
    let (status, _) = post(&url, &"x".repeat(10_000)).await;
    assert_eq!(status, 413, "bodies are bounded");

    // Too little stake: 10, then 21 — still no bundle; 33 ≥ 31 — a bundle.
    for (i, expected) in [(0usize, 404u16), (1, 404), (2, 200)] {
        let (status, body) = post(&url, &json(&request(&keys[i], &state))).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(get(&url).await.0, expected, "after signer {i}");
    }
    let (_, again) = post(&url, &json(&request(&keys[0], &state))).await;
    assert_eq!(again["accepted"], false, "a repeated signature is not counted twice");
    let (_, bundle) = get(&url).await;
    assert_eq!(bundle["accumulated_weight"], "33");
    assert_eq!(bundle["threshold"], "31");
    assert_eq!(bundle["signatures"].as_array().unwrap().len(), 3);
    assert_eq!(bundle["state"]["block_height"], 5);

    // A state older than the bundle: 409, which the node-side client reports typed.
    let (status, body) = post(&url, &json(&request(&keys[3], &dev_state(SEED, 0)))).await;
    assert_eq!(status, 409, "{body}");
    let old = request(&keys[3], &dev_state(SEED, 0));
    let err = post_state_signature(&reqwest::Client::new(), &url, &old).await.unwrap_err();
    assert!(matches!(err, SubmitError::Refused { status: 409, .. }), "{err}");
}

#[test]
fn relay_memory_is_bounded_by_max_states() {
    let table = DevStakeTable::new(4, CONTRACT_CAPACITY, SEED).unwrap();
    let mut relay = Relay::new(table.table(), 3);
    for i in 1..=6 {
        relay.submit(&request(&table.signing_keys()[0], &dev_state(SEED, i))).unwrap();
        assert!(relay.states_held() <= 3);
    }
    // The lowest heights went first: an older state than all held is refused.
    let err = relay.submit(&request(&table.signing_keys()[1], &dev_state(SEED, 1))).unwrap_err();
    assert!(matches!(err, RelayError::Stale { height: 5, .. }), "{err}");
    // The newest ones still collect stake and make a bundle.
    for k in &table.signing_keys()[1..3] {
        relay.submit(&request(k, &dev_state(SEED, 6))).unwrap();
    }
    assert_eq!(relay.bundle().unwrap().state.block_height, 30);
    assert_eq!(relay.states_held(), 1, "states below the bundle are dropped");
}

async fn stored(l1: &DevL1, address: Address) -> LightClient::LightClientState {
    LightClient::new(address, l1.provider()).finalizedState().call().await.unwrap()
}

/// Every node of the table signs `state` and posts it as the sequencer will.
async fn sign_all(url: &str, table: &DevStakeTable, state: &LightClientState) {
    let http = reqwest::Client::new();
    for k in table.signing_keys() {
        post_state_signature(&http, url, &request(k, state)).await.unwrap();
    }
    // Again: the relay answers, without counting them twice.
    post_state_signature(&http, url, &request(&table.signing_keys()[0], state)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prover_updates_light_client_resumes_after_restart_and_survives_an_l1_outage()
-> anyhow::Result<()> {
    let Some(anvil) = anvil_for_tests("state prover on anvil") else { return Ok(()) };
    let mut l1 = DevL1::start_with(anvil).await?;
    let signer: PrivateKeySigner = DEV_KEYS[1].parse()?;
    let wallet = ProviderBuilder::new().wallet(signer.clone()).connect_http(l1.url());
    let table = DevStakeTable::new(CONTRACT_CAPACITY, CONTRACT_CAPACITY, SEED)?;
    let config = DeployConfig {
        genesis: dev_state(SEED, 0),
        stake_table: table.state(),
        history_entries: 8,
        permissioned_prover: Address::ZERO,
    };
    let deployment = deploy(&wallet, &config).await?;
    let relay = start_relay(&table, 16).await;
    let accel = Accel::cpu()?;
    let (pk, _) = contract_keys(&accel)?;
    let prover_config = ProverConfig {
        relay_url: relay.parse()?,
        light_client: deployment.light_client,
        signer,
        update_interval: Duration::from_millis(200),
        retry_interval: Duration::from_millis(100),
    };
    let new_prover = || -> anyhow::Result<StateProver> {
        let client = L1Client::new(&[l1.url()], fast_options())?;
        Ok(StateProver::new(
            prover_config.clone(),
            client,
            table.table(),
            pk.clone(),
            accel.clone(),
        ))
    };
    let prover = new_prover()?;
    assert_eq!(prover.sync_once().await?, SyncOutcome::NoBundle);

    // A bundle for state 1: proved, accepted, stored.
    let state1 = dev_state(SEED, 1);
    sign_all(&relay, &table, &state1).await;
    let outcome = prover.sync_once().await?;
    let SyncOutcome::Updated { state, proof_time, cycle_time, gas_used } = outcome else {
        panic!("expected an update, got {outcome:?}")
    };
    println!("capacity-10 update: proof {proof_time:?}, cycle {cycle_time:?}, {gas_used} gas");
    assert_eq!(state, StateJson::from_state(&state1)?);
    assert_eq!(stored(&l1, deployment.light_client).await, doppio_l1::deploy::sol_state(&state1)?);

    // Metrics over HTTP.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let metrics_url = format!("http://{}/metrics", listener.local_addr()?);
    serve_metrics(listener, prover.clone());
    let text = reqwest::get(&metrics_url).await?.text().await?;
    for line in [
        "light_client_finalized_height 5",
        "state_prover_proofs_total{backend=\"cpu\"} 1",
        "state_prover_updates_total 1",
        "state_prover_proof_seconds_count 1",
        "state_prover_cycle_seconds_count 1",
    ] {
        assert!(text.contains(line), "metrics lack {line:?}:\n{text}");
    }

    // A restarted prover reads the L1 state and does not prove the same bundle again.
    let restarted = new_prover()?;
    assert_eq!(
        restarted.sync_once().await?,
        SyncOutcome::UpToDate { l1_height: 5, bundle_height: 5 }
    );

    // The L1 goes away: updates fail (counted), the service keeps retrying, and once the
    // L1 is back the next bundle lands.
    let chain = l1.pause().await?;
    let state2 = dev_state(SEED, 2);
    sign_all(&relay, &table, &state2).await;
    let err = restarted.sync_once().await.expect_err("no L1");
    assert!(err.to_string().contains("L1 providers failed"), "{err}");
    assert!(restarted.metrics_text().contains("state_prover_failures_total{stage=\"l1\"} 1"));
    let service = tokio::spawn({
        let p = restarted.clone();
        async move { p.run().await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    l1.resume(chain).await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    // The gauge moves once the update is final and read back from L1.
    while !restarted.metrics_text().contains("light_client_finalized_height 10") {
        assert!(
            std::time::Instant::now() < deadline,
            "the service did not update after the outage"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    service.abort();
    assert_eq!(stored(&l1, deployment.light_client).await, doppio_l1::deploy::sol_state(&state2)?);
    assert!(restarted.metrics_text().contains("state_prover_updates_total 1"));
    Ok(())
}
