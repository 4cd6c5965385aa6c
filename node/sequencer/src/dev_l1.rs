//! The light-client pipeline of a dev network (`demo`, `dev-node`): anvil as the L1
//! ([`doppio_l1::DevL1`]), `FeeContract` and `LightClient` deployed on it with the stake
//! table of the network's state keys, the state relay server and the state prover
//! (service mode, CPU or GPU as the nodes' `--accel-backend` says) in this process. The
//! nodes get the relay's URL as `--state-relay-server-url`.
//!
//! `LightClient`'s verifying key is compiled in for [`CONTRACT_CAPACITY`] stake-table
//! entries over the insecure dev SRS, so the pipeline serves networks of at most that
//! many nodes, and its proofs are worthless outside a dev network.

use std::{net::SocketAddr, time::Duration};

use alloy::{primitives::Address, providers::ProviderBuilder, signers::local::PrivateKeySigner};
use anyhow::Context;
use clap::Args;
use doppio_accel::Accel;
use doppio_contracts::keys::{CONTRACT_CAPACITY, contract_keys};
use doppio_l1::{
    DevL1, DevL1Error, L1Client, L1Error, L1Options,
    deploy::{DEFAULT_HISTORY_ENTRIES, DeployConfig, DeployError, Deployment, deploy},
    dev::DEV_KEYS,
};
use doppio_light_client::{
    state::{LightClientState, StakeTableEntry},
    table::{StakeTable, StakeTableFileError},
};
use doppio_state_prover::{
    prover::{ProverConfig, StateProver, cache_cosets, serve_metrics},
    relay::{DEFAULT_MAX_STATES, Relay, serve},
};
use reqwest::Url;
use tokio::{net::TcpListener, task::JoinHandle};

use crate::cli::NodeArgs;

/// Interval between the dev prover's updates (a proof at capacity 10 takes seconds).
pub const DEV_PROVER_INTERVAL: Duration = Duration::from_secs(10);
/// Delay before the dev prover retries a failed update.
pub const DEV_PROVER_RETRY: Duration = Duration::from_secs(2);

/// Whether `demo` and `dev-node` run the dev L1 and the light-client pipeline.
#[derive(Clone, Debug, Default, Args)]
pub struct DevL1Args {
    /// Run without the dev L1 (anvil), the state relay server and the state prover.
    /// Without anvil installed (scripts/foundry.sh, or `DOPPIO_ANVIL`) they are skipped
    /// with a warning.
    #[arg(long, env = "DOPPIO_NO_DEV_L1")]
    pub no_dev_l1: bool,
}

/// Why the pipeline could not start.
#[derive(Debug, thiserror::Error)]
pub enum DevL1PipelineError {
    /// Anvil is missing or did not start.
    #[error("dev L1: {0}")]
    DevL1(#[from] DevL1Error),
    /// More nodes than the contract's verifying key has room for.
    #[error(
        "the dev LightClient's verifying key has room for {capacity} stake-table entries, \
         not {nodes} nodes: run fewer nodes, or --no-dev-l1"
    )]
    TooManyNodes {
        /// Nodes asked for.
        nodes: usize,
        /// The capacity.
        capacity: usize,
    },
    /// The stake table is not a valid light-client table.
    #[error(transparent)]
    Table(#[from] StakeTableFileError),
    /// Deploying the contracts failed (boxed: alloy's errors are large).
    #[error(transparent)]
    Deploy(Box<DeployError>),
    /// The L1 client could not be made.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// A port could not be bound.
    #[error("binding the {what} to 127.0.0.1:{port}: {source}")]
    Bind {
        /// The relay server or the prover's metrics.
        what: &'static str,
        /// The port.
        port: u16,
        /// The error.
        source: std::io::Error,
    },
}

/// The light-client stake table of a network's members (`(BLS key, state key, stake)`,
/// in stake-table order), padded to [`CONTRACT_CAPACITY`], with a threshold of strictly
/// more than two thirds of the stake, as consensus certificates need.
pub fn light_client_table(
    members: &[doppio_keys::StakeTableEntry],
) -> Result<StakeTable, DevL1PipelineError> {
    if members.len() > CONTRACT_CAPACITY {
        return Err(DevL1PipelineError::TooManyNodes {
            nodes: members.len(),
            capacity: CONTRACT_CAPACITY,
        });
    }
    let entries: Vec<StakeTableEntry> = members
        .iter()
        .map(|m| StakeTableEntry {
            bls_key: m.staking_key.to_bytes(),
            schnorr_key: m.state_key,
            amount: m.stake,
        })
        .collect();
    let total = entries.iter().fold(0u128, |acc, e| acc.saturating_add(e.amount));
    Ok(StakeTable::new(entries, CONTRACT_CAPACITY, total / 3 * 2 + (total % 3) * 2 / 3 + 1)?)
}

/// The relay listens on the nodes' API base port plus this.
pub const RELAY_PORT_OFFSET: u16 = 101;
/// The prover serves its metrics on the nodes' API base port plus this.
pub const PROVER_METRICS_PORT_OFFSET: u16 = 100;

/// Where the pipeline's parts listen: `0` picks a free port.
#[derive(Clone, Copy, Debug)]
pub struct PipelinePorts {
    /// The state relay server.
    pub relay: u16,
    /// The prover's `/metrics`.
    pub prover_metrics: u16,
}

impl PipelinePorts {
    /// The ports beside APIs from `base` on: `base` plus [`RELAY_PORT_OFFSET`] and
    /// [`PROVER_METRICS_PORT_OFFSET`]; free ports when `base` is 0.
    pub fn beside(base: u16) -> anyhow::Result<Self> {
        let offset = |o: u16| {
            if base == 0 { Ok(0) } else { base.checked_add(o).context("port past 65535") }
        };
        Ok(PipelinePorts {
            relay: offset(RELAY_PORT_OFFSET)?,
            prover_metrics: offset(PROVER_METRICS_PORT_OFFSET)?,
        })
    }
}

/// The pipeline `demo` and `dev-node` run beside their nodes, for their `members`, its
/// ports beside the APIs from `api_base_port` on: none with `--no-dev-l1` or with
/// `--l1-provider-url` (the nodes have an L1 of their own); otherwise started as
/// [`start_or_warn`] does, and `node`'s `--state-relay-server-url` set to its relay
/// unless one is given.
pub async fn start_beside(
    dev: &DevL1Args,
    node: &mut NodeArgs,
    members: &[doppio_keys::StakeTableEntry],
    api_base_port: u16,
) -> anyhow::Result<Option<DevL1Pipeline>> {
    if dev.no_dev_l1 {
        return Ok(None);
    }
    if !node.l1.l1_provider_url.is_empty() {
        tracing::info!("--l1-provider-url given: no dev L1, contracts, relay or prover started");
        return Ok(None);
    }
    let table = light_client_table(members)?;
    let accel = Accel::new(&node.accel).context("acceleration layer")?;
    let pipeline = start_or_warn(table, PipelinePorts::beside(api_base_port)?, accel).await?;
    let relay = &mut node.state_signer.state_relay_server_url;
    if let (Some(p), None) = (&pipeline, &relay) {
        *relay = Some(p.relay_url.clone());
    }
    Ok(pipeline)
}

/// A running dev L1 with the contracts, relay and prover; stopped on [`DevL1Pipeline::stop`]
/// (or drop: anvil is killed with it).
pub struct DevL1Pipeline {
    /// Anvil.
    pub l1: DevL1,
    /// The contracts.
    pub deployment: Deployment,
    /// The relay server's base URL (what the nodes post to).
    pub relay_url: Url,
    /// Where the prover serves `/metrics`.
    pub prover_metrics: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

impl DevL1Pipeline {
    /// Starts anvil, deploys the contracts for `table` (genesis state: view 0, height 0,
    /// root 0), starts the relay, and starts the prover in the background (its proving
    /// key takes a few seconds to make; its metrics answer once it is made).
    pub async fn start(
        table: StakeTable,
        ports: PipelinePorts,
        accel: Accel,
    ) -> Result<Self, DevL1PipelineError> {
        let l1 = DevL1::start().await?;
        let deployer: PrivateKeySigner = DEV_KEYS[0].parse().expect("a valid dev key");
        let wallet = ProviderBuilder::new().wallet(deployer).connect_http(l1.url());
        let config = DeployConfig {
            genesis: LightClientState::of_block(0, 0, &[0; 32]),
            stake_table: table.state(),
            history_entries: DEFAULT_HISTORY_ENTRIES,
            permissioned_prover: Address::ZERO,
        };
        let deployment =
            deploy(&wallet, &config).await.map_err(|e| DevL1PipelineError::Deploy(Box::new(e)))?;
        let relay_listener = bind("state relay server", ports.relay).await?;
        let relay_url: Url = format!(
            "http://{}/",
            relay_listener.local_addr().map_err(|source| {
                DevL1PipelineError::Bind { what: "state relay server", port: ports.relay, source }
            })?
        )
        .parse()
        .expect("a loopback URL");
        let metrics_listener = bind("state prover metrics", ports.prover_metrics).await?;
        let prover_metrics = metrics_listener.local_addr().map_err(|source| {
            DevL1PipelineError::Bind { what: "state prover metrics", port: 0, source }
        })?;
        let relay = serve(relay_listener, Relay::new(table.clone(), DEFAULT_MAX_STATES));
        let prover_config = ProverConfig {
            relay_url: relay_url.clone(),
            light_client: deployment.light_client,
            signer: DEV_KEYS[1].parse().expect("a valid dev key"),
            update_interval: DEV_PROVER_INTERVAL,
            retry_interval: DEV_PROVER_RETRY,
        };
        let l1_client = L1Client::new(&[l1.url()], L1Options::default())?;
        let prover =
            tokio::spawn(run_prover(prover_config, l1_client, table, accel, metrics_listener));
        Ok(DevL1Pipeline { l1, deployment, relay_url, prover_metrics, tasks: vec![relay, prover] })
    }

    /// What to print next to the nodes' API addresses.
    pub fn describe(&self) -> Vec<String> {
        let d = &self.deployment;
        vec![
            format!("dev L1 (anvil): {}", self.l1.url()),
            format!("  FeeContract: {}, LightClient: {}", d.fee_contract, d.light_client),
            format!("state relay server: {}api/state", self.relay_url),
            format!("state prover metrics: http://{}/metrics", self.prover_metrics),
        ]
    }

    /// Stops the relay and the prover, then anvil.
    pub async fn stop(self) {
        for t in &self.tasks {
            t.abort();
        }
        for t in self.tasks {
            let _ = t.await;
        }
        drop(self.l1);
    }
}

/// Starts the pipeline, or, when anvil is not installed, warns and returns `None` (the
/// network runs without a light client).
pub async fn start_or_warn(
    table: StakeTable,
    ports: PipelinePorts,
    accel: Accel,
) -> Result<Option<DevL1Pipeline>, DevL1PipelineError> {
    match DevL1Pipeline::start(table.clone(), ports, accel.clone()).await {
        Ok(p) => Ok(Some(p)),
        Err(DevL1PipelineError::DevL1(e @ DevL1Error::NoAnvil(_))) => {
            if install_anvil().await {
                return DevL1Pipeline::start(table, ports, accel).await.map(Some);
            }
            tracing::warn!("{e}: running without the dev L1 and the light-client pipeline");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Installs anvil with `scripts/foundry.sh` (npm, once) where it is not installed and
/// `DOPPIO_ANVIL` names no other binary — so that the README's `demo` command shows the
/// whole pipeline on a fresh machine. True when the script succeeded.
async fn install_anvil() -> bool {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/foundry.sh");
    if std::env::var_os("DOPPIO_ANVIL").is_some() || !script.is_file() {
        return false;
    }
    tracing::info!("anvil is not installed: installing it from npm with scripts/foundry.sh (once)");
    let status = tokio::process::Command::new("bash")
        .arg(&script)
        .stdout(std::process::Stdio::null())
        .status()
        .await;
    match status {
        Ok(s) if s.success() => true,
        Ok(s) => {
            tracing::warn!("scripts/foundry.sh failed ({s}); see its output above");
            false
        }
        Err(e) => {
            tracing::warn!("cannot run scripts/foundry.sh: {e}");
            false
        }
    }
}

async fn bind(what: &'static str, port: u16) -> Result<TcpListener, DevL1PipelineError> {
    TcpListener::bind(("127.0.0.1", port)).await.map_err(|source| DevL1PipelineError::Bind {
        what,
        port,
        source,
    })
}

/// Makes the proving key of the contract's circuit, then serves the metrics and runs the
/// prover service.
async fn run_prover(
    config: ProverConfig,
    l1: L1Client,
    table: StakeTable,
    accel: Accel,
    metrics: TcpListener,
) {
    let keys_accel = accel.clone();
    // Capacity 10: the coset cache costs 176 MB and saves about half of each proof's NTTs.
    let keys = move || {
        let (pk, _vk) = contract_keys(&keys_accel)?;
        cache_cosets(&pk, &keys_accel)?;
        Ok::<_, anyhow::Error>(pk)
    };
    let pk = match tokio::task::spawn_blocking(keys).await {
        Ok(Ok(pk)) => pk,
        Ok(Err(e)) => return tracing::error!("state prover: making the proving key: {e}"),
        Err(e) => return tracing::error!("state prover: the key task failed: {e}"),
    };
    let prover = StateProver::new(config, l1, table, pk, accel);
    let server = serve_metrics(metrics, prover.clone());
    tracing::info!("state prover running");
    prover.run().await;
    server.abort();
}

#[cfg(test)]
mod tests {
    use doppio_keys::{Scheme, keygen::derive_keys};

    use super::*;

    fn members(stakes: &[u128]) -> Vec<doppio_keys::StakeTableEntry> {
        stakes
            .iter()
            .enumerate()
            .map(|(i, &stake)| {
                let k = derive_keys(&[9; 32], i as u64, Scheme::All).unwrap();
                let state = k.state.unwrap().ver_key();
                doppio_keys::StakeTableEntry::new(&k.staking.unwrap(), stake, state)
            })
            .collect()
    }

    #[test]
    fn the_threshold_is_strictly_more_than_two_thirds() {
        for (stakes, threshold) in
            [(vec![1], 1), (vec![1; 3], 3), (vec![1; 4], 3), (vec![1; 5], 4), (vec![1; 6], 5)]
        {
            let table = light_client_table(&members(&stakes)).unwrap();
            assert_eq!(table.threshold(), threshold, "stakes {stakes:?}");
            assert_eq!(table.capacity(), CONTRACT_CAPACITY);
        }
        let big = light_client_table(&members(&[u128::MAX / 2, u128::MAX / 2])).unwrap();
        assert!(big.threshold() > u128::MAX / 3 * 2 - 2, "no overflow near u128::MAX");
    }

    #[test]
    fn more_nodes_than_the_contract_key_holds_are_refused() {
        let err = light_client_table(&members(&[1; CONTRACT_CAPACITY + 1])).unwrap_err();
        assert!(
            matches!(err, DevL1PipelineError::TooManyNodes { nodes: 11, capacity: 10 }),
            "{err}"
        );
    }
}
