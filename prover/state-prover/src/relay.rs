//! The state relay server: nodes POST their signatures on light-client states, the
//! prover GETs the newest state whose signers carry the threshold stake.
//!
//! Only keys in the stake table are accepted, and only signatures that verify. Memory is
//! bounded: at most `max_states` distinct states are held (the lowest heights are dropped
//! first), each with at most one signature per stake-table entry, and states at or below
//! the newest complete bundle are refused and dropped.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, State, rejection::JsonRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::post,
};
use doppio_contracts::encode::EncodeError;
use doppio_light_client::{SchnorrSignature, SchnorrVerKey, table::StakeTable};

use crate::wire::{BundleSignature, SignedStateBundle, StateJson, StateSignatureRequest};

/// Default `--max-states`.
pub const DEFAULT_MAX_STATES: usize = 64;
/// Largest request body accepted (a signature request is about 300 bytes).
pub const MAX_BODY_BYTES: usize = 4096;

/// The relay server's flags.
#[derive(Clone, Debug, clap::Args)]
pub struct RelayArgs {
    /// Port to listen on.
    #[arg(long, env = "ESPRESSO_STATE_RELAY_SERVER_PORT", default_value_t = 8083)]
    pub port: u16,
    /// The stake table (JSON: see `doppio_light_client::table`).
    #[arg(long, env = "DOPPIO_STAKE_TABLE")]
    pub stake_table: std::path::PathBuf,
    /// Most distinct states held at once.
    #[arg(long, env = "DOPPIO_STATE_RELAY_MAX_STATES", default_value_t = DEFAULT_MAX_STATES)]
    pub max_states: usize,
}

/// Why a request was refused (each a 4xx with `{"error": "..."}`).
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The body is not a valid request (status from the JSON extractor: 400, 415 or 422).
    #[error("{message}")]
    BadRequest {
        /// Status to answer with.
        status: StatusCode,
        /// What the extractor said.
        message: String,
    },
    /// A key that is not in the stake table.
    #[error("key {0} is not in the stake table")]
    UnknownKey(SchnorrVerKey),
    /// A signature that does not verify on the state with the key.
    #[error("the signature does not verify on this state with key {0}")]
    BadSignature(SchnorrVerKey),
    /// A root that is not a field element.
    #[error("state: {0}")]
    BadState(#[from] EncodeError),
    /// A state no newer than the newest bundle, or older than every state held.
    #[error("state at height {height} is too old: {reason}")]
    Stale {
        /// Its height.
        height: u64,
        /// Why.
        reason: String,
    },
    /// No state has enough stake yet.
    #[error("no state has signatures carrying the threshold stake yet")]
    NoBundle,
}

impl IntoResponse for RelayError {
    fn into_response(self) -> Response {
        let status = match &self {
            RelayError::BadRequest { status, .. } => *status,
            RelayError::UnknownKey(_) => StatusCode::FORBIDDEN,
            RelayError::BadSignature(_) | RelayError::BadState(_) => StatusCode::BAD_REQUEST,
            RelayError::Stale { .. } => StatusCode::CONFLICT,
            RelayError::NoBundle => StatusCode::NOT_FOUND,
        };
        (status, Json(serde_json::json!({ "error": self.to_string() }))).into_response()
    }
}

impl From<JsonRejection> for RelayError {
    fn from(r: JsonRejection) -> Self {
        RelayError::BadRequest { status: r.status(), message: r.body_text() }
    }
}

/// Signatures collected for one state.
#[derive(Debug, Default)]
struct Pending {
    /// By stake-table index.
    signatures: BTreeMap<usize, SchnorrSignature>,
    stake: u128,
}

/// The relay's state, independent of HTTP.
#[derive(Debug)]
pub struct Relay {
    table: StakeTable,
    max_states: usize,
    /// Ordered by height, then view, then root.
    states: BTreeMap<StateJson, Pending>,
    /// The newest state that reached the threshold.
    newest: Option<StateJson>,
}

/// What a submission did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accepted {
    /// A new signature; the state's stake is now this.
    Added {
        /// Stake of the state's signers.
        stake: u128,
    },
    /// The same key had already signed this state.
    AlreadyHad,
}

impl Relay {
    /// A relay for `table` holding at most `max_states` states (at least 1).
    pub fn new(table: StakeTable, max_states: usize) -> Self {
        Relay { table, max_states: max_states.max(1), states: BTreeMap::new(), newest: None }
    }

    /// Number of states held (for tests and metrics).
    pub fn states_held(&self) -> usize {
        self.states.len()
    }

    /// Checks and records a signature.
    pub fn submit(&mut self, req: &StateSignatureRequest) -> Result<Accepted, RelayError> {
        let (index, entry) = self.table.find(&req.key).ok_or(RelayError::UnknownKey(req.key))?;
        let state = req.state.to_state()?;
        req.key
            .verify(&state.to_fields(), &req.signature)
            .map_err(|_| RelayError::BadSignature(req.key))?;
        if let Some(newest) = self.newest
            && req.state.block_height <= newest.block_height
            && req.state != newest
        {
            return Err(RelayError::Stale {
                height: req.state.block_height,
                reason: format!("a bundle for height {} exists", newest.block_height),
            });
        }
        let amount = entry.amount;
        if !self.states.contains_key(&req.state) && self.states.len() >= self.max_states {
            let lowest = *self.states.keys().next().expect("max_states ≥ 1");
            if req.state < lowest {
                return Err(RelayError::Stale {
                    height: req.state.block_height,
                    reason: format!("older than the {} states held", self.max_states),
                });
            }
            self.states.remove(&lowest);
        }
        let pending = self.states.entry(req.state).or_default();
        if pending.signatures.insert(index, req.signature).is_some() {
            return Ok(Accepted::AlreadyHad);
        }
        pending.stake = pending.stake.saturating_add(amount);
        let stake = pending.stake;
        if stake >= self.table.threshold() && self.newest.is_none_or(|n| req.state > n) {
            self.newest = Some(req.state);
            // Older states can never be served again.
            self.states = self.states.split_off(&req.state);
        }
        Ok(Accepted::Added { stake })
    }

    /// The newest state whose signers reach the threshold, with every signature held.
    pub fn bundle(&self) -> Result<SignedStateBundle, RelayError> {
        let state = self.newest.ok_or(RelayError::NoBundle)?;
        let pending = &self.states[&state];
        let entries = self.table.entries();
        Ok(SignedStateBundle {
            state,
            signatures: pending
                .signatures
                .iter()
                .map(|(&i, &signature)| BundleSignature { key: entries[i].schnorr_key, signature })
                .collect(),
            accumulated_weight: pending.stake.to_string(),
            threshold: self.table.threshold().to_string(),
        })
    }
}

type Shared = Arc<Mutex<Relay>>;

/// The HTTP routes: `POST /api/state`, `GET /api/state` (Espresso's relay routes).
pub fn router(relay: Relay) -> Router {
    let shared: Shared = Arc::new(Mutex::new(relay));
    Router::new()
        .route("/api/state", post(post_state).get(get_state))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(shared)
}

async fn post_state(
    State(relay): State<Shared>,
    body: Result<Json<StateSignatureRequest>, JsonRejection>,
) -> Result<Json<serde_json::Value>, RelayError> {
    let Json(req) = body?;
    let accepted = relay.lock().expect("relay lock").submit(&req)?;
    Ok(Json(match accepted {
        Accepted::Added { stake } => {
            serde_json::json!({ "accepted": true, "stake": stake.to_string() })
        }
        Accepted::AlreadyHad => {
            serde_json::json!({ "accepted": false, "reason": "already signed" })
        }
    }))
}

async fn get_state(State(relay): State<Shared>) -> Result<Json<SignedStateBundle>, RelayError> {
    Ok(Json(relay.lock().expect("relay lock").bundle()?))
}

/// Serves `relay` on `listener` until the task is dropped or aborted.
pub fn serve(listener: tokio::net::TcpListener, relay: Relay) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router(relay)).await {
            tracing::error!(error = %e, "state relay server stopped");
        }
    })
}
