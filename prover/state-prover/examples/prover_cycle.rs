//! Measures the prover on a dev L1: proof time per update and the cycle (bundle fetched
//! → update final on L1) with the CPU backend, at the committed contract key's capacity
//! (10, every entry signing). Needs anvil (scripts/foundry.sh).
//!
//! `cargo run --release -p doppio-state-prover --example prover_cycle -- [UPDATES [nocache]]`
//! (the proving key caches its coset evaluations, as the daemon does, unless `nocache`)

use std::time::Duration;

use alloy::{primitives::Address, providers::ProviderBuilder, signers::local::PrivateKeySigner};
use doppio_accel::Accel;
use doppio_contracts::keys::{CONTRACT_CAPACITY, contract_keys};
use doppio_l1::{
    L1Client, L1Options,
    deploy::{DeployConfig, deploy},
    dev::{DEV_KEYS, DevL1},
};
use doppio_light_client::dev::{DevStakeTable, dev_state};
use doppio_state_prover::{
    StateJson, StateSignatureRequest, SyncOutcome,
    prover::{ProverConfig, StateProver},
    relay::{Relay, serve},
};

const SEED: u64 = 3;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let updates: u64 = std::env::args().nth(1).map(|a| a.parse()).transpose()?.unwrap_or(3);
    let l1 = DevL1::start().await?;
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let relay_url = format!("http://{}/", listener.local_addr()?);
    serve(listener, Relay::new(table.table(), 16));

    let accel = Accel::cpu()?;
    let setup = std::time::Instant::now();
    let (pk, _) = contract_keys(&accel)?;
    println!("proving key (capacity {CONTRACT_CAPACITY}): {:?}", setup.elapsed());
    // As the daemon does by default (`--coset-cache`); `nocache` as second argument measures
    // without.
    if std::env::args().nth(2).as_deref() != Some("nocache") {
        let start = std::time::Instant::now();
        doppio_state_prover::prover::cache_cosets(&pk, &accel)?;
        println!("coset evaluations cached: {:?}", start.elapsed());
    }
    let client = L1Client::new(&[l1.url()], L1Options::default())?;
    let prover_config = ProverConfig {
        relay_url: relay_url.parse()?,
        light_client: deployment.light_client,
        signer,
        update_interval: Duration::from_secs(1),
        retry_interval: Duration::from_secs(1),
    };
    let prover = StateProver::new(prover_config, client, table.table(), pk, accel);
    let http = reqwest::Client::new();
    let (mut proofs, mut cycles) = (Vec::new(), Vec::new());
    for i in 1..=updates {
        let state = dev_state(SEED, i);
        for k in table.signing_keys() {
            let req = StateSignatureRequest {
                key: k.ver_key(),
                state: StateJson::from_state(&state)?,
                signature: k.sign(&state.to_fields())?,
            };
            http.post(format!("{relay_url}api/state"))
                .json(&req)
                .send()
                .await?
                .error_for_status()?;
        }
        match prover.sync_once().await? {
            SyncOutcome::Updated { proof_time, cycle_time, gas_used, .. } => {
                println!(
                    "update {i}: proof {proof_time:.2?}, cycle {cycle_time:.2?}, {gas_used} gas"
                );
                proofs.push(proof_time);
                cycles.push(cycle_time);
            }
            other => anyhow::bail!("update {i}: expected an update, got {other:?}"),
        }
    }
    proofs.sort();
    cycles.sort();
    let median = |v: &[Duration]| v[v.len() / 2];
    println!(
        "median of {updates}: proof {:.2?}, cycle {:.2?} (cycle − proof = fetch, L1 reads, transaction, receipt)",
        median(&proofs),
        median(&cycles)
    );
    Ok(())
}
