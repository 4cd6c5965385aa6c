//! The state prover: fetches the relay's bundle, skips it unless it is newer than the
//! state `LightClient` holds on L1, proves it on the acceleration layer and calls
//! `newFinalizedState`; as a service it repeats that every update interval and retries
//! failures after the retry interval, with Prometheus metrics on its own port.

use std::{
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use alloy::{
    primitives::Address,
    providers::{ProviderBuilder, RootProvider},
    signers::local::PrivateKeySigner,
    sol_types::SolValue,
    transports::{TransportError, http::reqwest::Url},
};
use axum::{Router, extract::State, routing::get};
use doppio_accel::{Accel, AccelConfig, Op};
use doppio_contracts::{
    bindings::{
        LightClient::{self, LightClientErrors},
        PlonkVerifier,
    },
    encode::{EncodeError, proof_words},
};
use doppio_l1::{L1Args, L1Client, L1Error, deploy::sol_state};
use doppio_light_client::{
    circuit::{LightClientError, StateUpdate, prove_state_update},
    table::StakeTable,
};
use doppio_plonk::{Proof, ProvingKey};
use prometheus::{
    Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

use crate::wire::{SignedStateBundle, StateJson};

/// Default `--freq`.
pub const DEFAULT_UPDATE_INTERVAL: &str = "10m";
/// Default `--retry-interval`.
pub const DEFAULT_RETRY_INTERVAL: &str = "2s";
/// How long to wait for the update's receipt.
pub const RECEIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// The prover's flags.
#[derive(Clone, Debug, clap::Args)]
pub struct ProverArgs {
    /// The state relay server.
    #[arg(long = "relay-server", env = "ESPRESSO_STATE_RELAY_SERVER_URL")]
    pub relay_server: Url,
    /// The LightClient contract (`deploy` prints it).
    #[arg(long, env = "ESPRESSO_SEQUENCER_LIGHT_CLIENT_ADDRESS")]
    pub light_client_address: Address,
    /// Private key (hex) of the L1 account that sends the updates.
    #[arg(long, env = "ESPRESSO_STATE_PROVER_PRIVATE_KEY", hide_env_values = true)]
    pub private_key: PrivateKeySigner,
    /// The stake table (JSON: see `doppio_light_client::table`), as deployed.
    #[arg(long, env = "DOPPIO_STAKE_TABLE")]
    pub stake_table: PathBuf,
    /// Powers-of-Tau file for the proving key; none: the insecure dev SRS of the
    /// committed contract key (dev and test networks only).
    #[arg(long, env = "DOPPIO_SRS_PATH")]
    pub srs_path: Option<PathBuf>,
    /// Interval between updates (service mode).
    #[arg(long, env = "ESPRESSO_STATE_PROVER_UPDATE_INTERVAL", default_value = DEFAULT_UPDATE_INTERVAL, value_parser = humantime::parse_duration)]
    pub freq: Duration,
    /// Delay before retrying a failed update (service mode).
    #[arg(long, env = "ESPRESSO_STATE_PROVER_RETRY_INTERVAL", default_value = DEFAULT_RETRY_INTERVAL, value_parser = humantime::parse_duration)]
    pub retry_interval: Duration,
    /// Port of the metrics server (`/metrics`); none: no server.
    #[arg(long, env = "ESPRESSO_PROVER_SERVICE_PORT")]
    pub port: Option<u16>,
    /// Run as a service; without it, one update and exit.
    #[arg(short, long, env = "ESPRESSO_STATE_PROVER_DAEMON")]
    pub daemon: bool,
    /// Keep the proving key's fixed polynomials evaluated on the quotient's cosets between
    /// proofs: about half of each proof's NTTs fewer, for 6·14·n field elements of memory
    /// (n the circuit's domain: 176 MB at capacity 10, 2.6 GiB at capacity 200).
    #[arg(long, env = "DOPPIO_PROVER_COSET_CACHE", default_value_t = true, action = clap::ArgAction::Set)]
    pub coset_cache: bool,
    /// The L1.
    #[command(flatten)]
    pub l1: L1Args,
    /// The acceleration layer.
    #[command(flatten)]
    pub accel: AccelConfig,
}

/// Why an update failed.
#[derive(Debug, thiserror::Error)]
pub enum ProverError {
    /// The relay server could not be reached or answered an error.
    #[error("relay server {url}: {reason}")]
    Relay {
        /// The URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The bundle names a key that is not in the prover's stake table.
    #[error("the bundle's signer {0} is not in the prover's stake table")]
    UnknownSigner(String),
    /// Reading the L1 failed on every URL.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// The bundle could not be proved (bad signature, not enough stake, ...).
    #[error("proving: {0}")]
    Prove(#[from] LightClientError),
    /// A value does not fit the contract.
    #[error("encoding: {0}")]
    Encode(#[from] EncodeError),
    /// The update transaction failed or reverted.
    #[error("newFinalizedState: {0}")]
    Submit(String),
    /// The proving task panicked.
    #[error("the proving task failed: {0}")]
    Task(String),
}

impl ProverError {
    fn stage(&self) -> &'static str {
        match self {
            ProverError::Relay { .. } | ProverError::UnknownSigner(_) => "relay",
            ProverError::L1(_) => "l1",
            ProverError::Prove(_) | ProverError::Encode(_) | ProverError::Task(_) => "prove",
            ProverError::Submit(_) => "submit",
        }
    }
}

/// What one update did.
#[derive(Clone, Debug, PartialEq)]
pub enum SyncOutcome {
    /// The relay has no bundle yet.
    NoBundle,
    /// The bundle is no newer than the L1's state.
    UpToDate {
        /// Height stored in `LightClient`.
        l1_height: u64,
        /// Height of the bundle.
        bundle_height: u64,
    },
    /// The bundle was proved and accepted on L1.
    Updated {
        /// The new finalized state, read back from L1.
        state: StateJson,
        /// Proving time.
        proof_time: Duration,
        /// Bundle fetched → update final on L1.
        cycle_time: Duration,
        /// Gas of the transaction.
        gas_used: u64,
    },
}

/// What a prover needs besides its keys.
#[derive(Clone, Debug)]
pub struct ProverConfig {
    /// The relay server's base URL.
    pub relay_url: Url,
    /// The LightClient contract.
    pub light_client: Address,
    /// The account that sends updates.
    pub signer: PrivateKeySigner,
    /// Interval between updates (service mode).
    pub update_interval: Duration,
    /// Delay before retrying a failure (service mode).
    pub retry_interval: Duration,
}

#[derive(Debug)]
struct Metrics {
    registry: Registry,
    proof_seconds: Histogram,
    cycle_seconds: Histogram,
    proofs: IntCounterVec,
    updates: IntCounter,
    failures: IntCounterVec,
    finalized_height: IntGauge,
}

impl Metrics {
    fn new() -> Self {
        let registry = Registry::new();
        let buckets = vec![0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0, 640.0];
        let proof_seconds = Histogram::with_opts(
            HistogramOpts::new("state_prover_proof_seconds", "Time to prove one state update")
                .buckets(buckets.clone()),
        )
        .expect("valid metric");
        let cycle_seconds = Histogram::with_opts(
            HistogramOpts::new(
                "state_prover_cycle_seconds",
                "Bundle fetched to update final on L1",
            )
            .buckets(buckets),
        )
        .expect("valid metric");
        let proofs = IntCounterVec::new(
            Opts::new("state_prover_proofs_total", "Proofs made, by accel backend of the MSMs"),
            &["backend"],
        )
        .expect("valid metric");
        let updates =
            IntCounter::new("state_prover_updates_total", "Updates accepted by LightClient")
                .expect("valid metric");
        let failures = IntCounterVec::new(
            Opts::new("state_prover_failures_total", "Failed updates, by stage"),
            &["stage"],
        )
        .expect("valid metric");
        let finalized_height = IntGauge::new(
            "light_client_finalized_height",
            "Block height of LightClient's finalized state, read from L1",
        )
        .expect("valid metric");
        for m in [
            Box::new(proof_seconds.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(cycle_seconds.clone()),
            Box::new(proofs.clone()),
            Box::new(updates.clone()),
            Box::new(failures.clone()),
            Box::new(finalized_height.clone()),
        ] {
            registry.register(m).expect("distinct names");
        }
        Metrics {
            registry,
            proof_seconds,
            cycle_seconds,
            proofs,
            updates,
            failures,
            finalized_height,
        }
    }
}

/// The prover: its stake table, proving key and acceleration layer.
#[derive(Clone, Debug)]
pub struct StateProver {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: ProverConfig,
    l1: L1Client,
    table: StakeTable,
    pk: Arc<ProvingKey>,
    accel: Accel,
    http: reqwest::Client,
    metrics: Metrics,
}

fn contract_error(e: alloy::contract::Error) -> TransportError {
    match e {
        alloy::contract::Error::TransportError(t) => t,
        other => TransportError::local_usage_str(&other.to_string()),
    }
}

/// The proof as the contract's `PlonkVerifier.Proof` (its words, in order).
pub fn contract_proof(proof: &Proof) -> Result<PlonkVerifier::Proof, ProverError> {
    let words = proof_words(proof);
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_be_bytes::<32>()).collect();
    PlonkVerifier::Proof::abi_decode(&bytes).map_err(|e| ProverError::Submit(e.to_string()))
}

impl StateProver {
    /// A prover for `table` with `pk` (the key of the circuit at the table's capacity).
    pub fn new(
        config: ProverConfig,
        l1: L1Client,
        table: StakeTable,
        pk: ProvingKey,
        accel: Accel,
    ) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("a plain HTTP client");
        let inner =
            Inner { config, l1, table, pk: Arc::new(pk), accel, http, metrics: Metrics::new() };
        StateProver { inner: Arc::new(inner) }
    }

    /// The metrics in Prometheus' text format.
    pub fn metrics_text(&self) -> String {
        TextEncoder::new()
            .encode_to_string(&self.inner.metrics.registry.gather())
            .expect("text encoding of valid metrics")
    }

    /// The relay's bundle, or `None` while it has none (404).
    pub async fn fetch_bundle(&self) -> Result<Option<SignedStateBundle>, ProverError> {
        let url = self.inner.config.relay_url.join("api/state").expect("a relative path");
        let relay = |reason: String| ProverError::Relay { url: url.to_string(), reason };
        let response =
            self.inner.http.get(url.clone()).send().await.map_err(|e| relay(e.to_string()))?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !response.status().is_success() {
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            return Err(relay(format!("{status}: {body}")));
        }
        response.json().await.map(Some).map_err(|e| relay(e.to_string()))
    }

    /// `LightClient.finalizedState()` on L1 (the gauge follows it).
    pub async fn finalized_state(&self) -> Result<StateJson, ProverError> {
        let address = self.inner.config.light_client;
        let s = self
            .inner
            .l1
            .call("LightClient.finalizedState", |p: RootProvider| async move {
                LightClient::new(address, p).finalizedState().call().await.map_err(contract_error)
            })
            .await?;
        self.inner.metrics.finalized_height.set(s.blockHeight as i64);
        Ok(StateJson {
            view_number: s.viewNum,
            block_height: s.blockHeight,
            block_comm_root: s.blockCommRoot,
        })
    }

    /// One update: fetch, compare with L1, prove, submit, read back. Failures count in
    /// `state_prover_failures_total{stage}`.
    pub async fn sync_once(&self) -> Result<SyncOutcome, ProverError> {
        let result = self.try_sync().await;
        if let Err(e) = &result {
            self.inner.metrics.failures.with_label_values(&[e.stage()]).inc();
        }
        result
    }

    async fn try_sync(&self) -> Result<SyncOutcome, ProverError> {
        let start = Instant::now();
        let Some(bundle) = self.fetch_bundle().await? else { return Ok(SyncOutcome::NoBundle) };
        let stored = self.finalized_state().await?;
        if bundle.state.block_height <= stored.block_height
            || bundle.state.view_number <= stored.view_number
        {
            return Ok(SyncOutcome::UpToDate {
                l1_height: stored.block_height,
                bundle_height: bundle.state.block_height,
            });
        }
        let proof_start = Instant::now();
        let proof = self.prove(&bundle).await?;
        let proof_time = proof_start.elapsed();
        let gas_used = self.submit(&bundle.state, &proof).await?;
        let state = self.finalized_state().await?;
        let cycle_time = start.elapsed();
        let m = &self.inner.metrics;
        m.proof_seconds.observe(proof_time.as_secs_f64());
        m.cycle_seconds.observe(cycle_time.as_secs_f64());
        m.updates.inc();
        tracing::info!(
            height = state.block_height,
            view = state.view_number,
            ?proof_time,
            ?cycle_time,
            gas_used,
            "light client updated"
        );
        Ok(SyncOutcome::Updated { state, proof_time, cycle_time, gas_used })
    }

    /// Proves the bundle's state on the acceleration layer (on a blocking thread).
    pub async fn prove(&self, bundle: &SignedStateBundle) -> Result<Proof, ProverError> {
        let table = &self.inner.table;
        let signers = bundle
            .signatures
            .iter()
            .map(|s| {
                let (i, _) =
                    table.find(&s.key).ok_or(ProverError::UnknownSigner(s.key.to_string()))?;
                Ok((i, s.signature))
            })
            .collect::<Result<Vec<_>, ProverError>>()?;
        let state = bundle.state.to_state()?;
        let inner = self.inner.clone();
        let backend = inner.accel.backend_for(Op::Msm, inner.pk.domain_size()).name();
        let proof = tokio::task::spawn_blocking(move || {
            let update = StateUpdate {
                stake_table: inner.table.entries(),
                threshold: inner.table.threshold(),
                state: &state,
                signers: &signers,
            };
            prove_state_update(
                &inner.accel,
                &inner.pk,
                inner.table.capacity(),
                &update,
                &mut rand::thread_rng(),
            )
        })
        .await
        .map_err(|e| ProverError::Task(e.to_string()))??;
        self.inner.metrics.proofs.with_label_values(&[backend]).inc();
        Ok(proof)
    }

    /// Sends `newFinalizedState` through the L1 URL in use and waits for its receipt.
    async fn submit(&self, state: &StateJson, proof: &Proof) -> Result<u64, ProverError> {
        let inner = &self.inner;
        let provider = ProviderBuilder::new()
            .wallet(inner.config.signer.clone())
            .connect_http(inner.l1.current_url().clone());
        let contract = LightClient::new(inner.config.light_client, &provider);
        let call =
            contract.newFinalizedState(sol_state(&state.to_state()?)?, contract_proof(proof)?);
        let pending = call.send().await.map_err(|e| {
            let decoded = e.as_decoded_interface_error::<LightClientErrors>();
            ProverError::Submit(match decoded {
                Some(err) => format!("reverted: {err:?}"),
                None => e.to_string(),
            })
        })?;
        let receipt = pending
            .with_timeout(Some(RECEIPT_TIMEOUT))
            .get_receipt()
            .await
            .map_err(|e| ProverError::Submit(e.to_string()))?;
        if !receipt.status() {
            return Err(ProverError::Submit(format!(
                "transaction {} reverted",
                receipt.transaction_hash
            )));
        }
        Ok(receipt.gas_used)
    }

    /// The service: an update, then the update interval (after success) or the retry
    /// interval (after a failure), forever.
    pub async fn run(&self) {
        loop {
            let wait = match self.sync_once().await {
                Ok(outcome) => {
                    tracing::info!(?outcome, "state prover");
                    self.inner.config.update_interval
                }
                Err(e) => {
                    tracing::warn!(error = %e, "state prover: update failed; retrying");
                    self.inner.config.retry_interval
                }
            };
            tokio::time::sleep(wait).await;
        }
    }
}

/// Serves `GET /metrics` for `prover` on `listener`.
pub fn serve_metrics(
    listener: tokio::net::TcpListener,
    prover: StateProver,
) -> tokio::task::JoinHandle<()> {
    let app = Router::new()
        .route("/metrics", get(|State(p): State<StateProver>| async move { p.metrics_text() }))
        .with_state(prover);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "metrics server stopped");
        }
    })
}

/// Evaluates `pk`'s fixed polynomials on the quotient's cosets once, so that every later
/// proof skips those NTTs (`ProvingKey::cache_coset_evaluations`), and logs the time.
pub fn cache_cosets(pk: &ProvingKey, accel: &Accel) -> Result<(), doppio_plonk::PlonkError> {
    let start = std::time::Instant::now();
    pk.cache_coset_evaluations(accel)?;
    tracing::info!(
        domain = pk.domain_size(),
        took = ?start.elapsed(),
        "proving key: coset evaluations cached (--coset-cache=false to save the memory)"
    );
    Ok(())
}

/// Builds a prover from its flags: the stake table file, the proving key for its
/// capacity (from `--srs-path`, or the insecure dev SRS of the committed contract key).
pub fn from_args(args: &ProverArgs) -> anyhow::Result<StateProver> {
    use anyhow::Context;
    let text = std::fs::read_to_string(&args.stake_table)
        .with_context(|| format!("--stake-table {}", args.stake_table.display()))?;
    let table = StakeTable::from_json(&text)?;
    let accel = Accel::new(&args.accel)?;
    let capacity = table.capacity();
    let (pk, _vk) = match &args.srs_path {
        Some(path) => {
            let degree = doppio_contracts::keys::srs_degree(capacity)?;
            let srs = doppio_kzg::Srs::from_ptau(path, degree, &accel)?;
            doppio_contracts::keys::light_client_keys(&srs, capacity, &accel)?
        }
        None => {
            tracing::warn!("no --srs-path: proving over the INSECURE dev SRS (dev networks only)");
            doppio_contracts::keys::dev_keys(
                capacity,
                doppio_contracts::keys::CONTRACT_SRS_SEED,
                &accel,
            )?
        }
    };
    if pk.has_lagrange_basis() {
        tracing::info!("proving key: wires committed to over the SRS's Lagrange basis");
    } else {
        tracing::warn!(
            "the SRS file has no Lagrange basis (section 12 of a .ptau prepared with \
             `snarkjs powersoftau prepare phase2`, as the hez_final files are): wires are \
             committed to from their coefficients, which makes proofs about 10% slower"
        );
    }
    if args.coset_cache {
        cache_cosets(&pk, &accel)?;
    }
    let l1 = L1Client::new(&args.l1.l1_provider_url, args.l1.options())?;
    let config = ProverConfig {
        relay_url: args.relay_server.clone(),
        light_client: args.light_client_address,
        signer: args.private_key.clone(),
        update_interval: args.freq,
        retry_interval: args.retry_interval,
    };
    Ok(StateProver::new(config, l1, table, pk, accel))
}
