//! The relay's JSON: what nodes POST and what the prover GETs.
//!
//! ```json
//! POST /api/state  {"key": "SCHNORR_VER_KEY~…", "state": {"view_number": 10, "block_height": 5,
//!                   "block_comm_root": "0x…"}, "signature": "SCHNORR_SIG~…"}
//! GET  /api/state  {"state": {…}, "signatures": [{"key": "…", "signature": "…"}],
//!                   "accumulated_weight": "33", "threshold": "22"}
//! ```

use alloy::primitives::U256;
use doppio_contracts::encode::{EncodeError, field, state_words};
use doppio_light_client::{SchnorrSignature, SchnorrVerKey, state::LightClientState};
use serde::{Deserialize, Serialize};

/// A light-client state on the wire: view and height as integers, the root as a
/// `0x` hex word below the BN254 scalar field order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateJson {
    /// The view number.
    pub view_number: u64,
    /// The block height.
    pub block_height: u64,
    /// The block-commitment Merkle root (a BN254 scalar).
    pub block_comm_root: U256,
}

impl StateJson {
    /// The state as field elements, refusing a root `≥ r`.
    pub fn to_state(&self) -> Result<LightClientState, EncodeError> {
        Ok(LightClientState {
            view_number: self.view_number.into(),
            block_height: self.block_height.into(),
            block_comm_root: field(self.block_comm_root, "block_comm_root")?,
        })
    }

    /// A state whose view and height fit `u64`.
    pub fn from_state(state: &LightClientState) -> Result<Self, EncodeError> {
        let (view_number, block_height, block_comm_root) = state_words(state)?;
        Ok(StateJson { view_number, block_height, block_comm_root })
    }
}

/// A node's signature on a state (`POST /api/state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateSignatureRequest {
    /// The signer's state key.
    pub key: SchnorrVerKey,
    /// The state signed.
    pub state: StateJson,
    /// Its Schnorr signature on `state.to_fields()`.
    pub signature: SchnorrSignature,
}

/// One signer of a bundle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleSignature {
    /// The state key.
    pub key: SchnorrVerKey,
    /// Its signature.
    pub signature: SchnorrSignature,
}

/// The newest state whose signers carry the threshold stake (`GET /api/state`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedStateBundle {
    /// The state.
    pub state: StateJson,
    /// Its signers, in stake-table order.
    pub signatures: Vec<BundleSignature>,
    /// Their stake (decimal: `u128`).
    pub accumulated_weight: String,
    /// The stake needed (decimal).
    pub threshold: String,
}

/// Why a signature could not be handed to the relay.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The state's view or height does not fit `u64`, or the message is malformed.
    #[error("state: {0}")]
    State(String),
    /// The relay could not be reached.
    #[error("relay {url}: {source}")]
    Http {
        /// The URL.
        url: String,
        /// The error.
        source: reqwest::Error,
    },
    /// The relay refused the signature (its status and `error` text).
    #[error("relay refused the signature: {status}: {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The relay's message.
        message: String,
    },
}

/// The request a node sends after a decide: its signature on `state` with its state key.
pub fn sign_state(
    key: &doppio_light_client::SchnorrSigningKey,
    state: &LightClientState,
) -> Result<StateSignatureRequest, SubmitError> {
    Ok(StateSignatureRequest {
        key: key.ver_key(),
        state: StateJson::from_state(state).map_err(|e| SubmitError::State(e.to_string()))?,
        signature: key.sign(&state.to_fields()).map_err(|e| SubmitError::State(e.to_string()))?,
    })
}

/// POSTs `req` to the relay at `relay_url` (its base URL, e.g. `http://host:8083/`).
/// A 409 (the relay already has a newer bundle) is a refusal like any other 4xx; a node
/// may log and drop it.
pub async fn post_state_signature(
    http: &reqwest::Client,
    relay_url: &str,
    req: &StateSignatureRequest,
) -> Result<(), SubmitError> {
    let url = format!("{}/api/state", relay_url.trim_end_matches('/'));
    let response = http
        .post(&url)
        .json(req)
        .send()
        .await
        .map_err(|source| SubmitError::Http { url: url.clone(), source })?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    let message = body["error"].as_str().unwrap_or_default().to_string();
    Err(SubmitError::Refused { status: status.as_u16(), message })
}
