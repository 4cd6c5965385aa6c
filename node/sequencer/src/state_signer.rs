//! Light-client state signatures: after every decide the node signs the light-client
//! state of each newly decided block — `[view, height, block Merkle root]` as BN254
//! field elements ([`LightClientState::of_block`], the header's root of the blocks
//! before it, as Espresso signs) — with its Schnorr state key, keeps the signatures of
//! the last [`DEFAULT_KEEP`] heights in memory, serves them at
//! `GET /v0/state-signature/block/:height`, and hands them to the state relay server
//! (`--state-relay-server-url`) from a background task that retries with backoff and
//! never holds up consensus.
//!
//! The signer follows the node's block height (a `watch`, so it never blocks the decide
//! path) and reads the leaves it has not signed yet from storage, so a burst of decides
//! is signed in full, in order.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Json, Router,
    extract::{Path, State},
    routing::get,
};
use clap::Args;
use doppio_light_client::{SchnorrSigningKey, state::LightClientState};
use doppio_state_prover::{StateSignatureRequest, SubmitError, post_state_signature, sign_state};
use doppio_storage::LeafId;
use doppio_types::Leaf;
use prometheus::{IntCounter, IntCounterVec, Opts, Registry};
use reqwest::Url;
use tokio::{sync::mpsc, task::JoinHandle};

use crate::{
    api::{ApiError, ApiState},
    node::Node,
};

/// Heights whose signatures the node keeps.
pub const DEFAULT_KEEP: usize = 1000;
/// Signatures waiting for the relay; past this the oldest waiting ones are dropped.
pub const RELAY_QUEUE: usize = 256;
/// First delay before retrying an unreachable relay; it doubles up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// Longest delay between retries.
pub const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Where the node sends its state signatures.
#[derive(Clone, Debug, Default, Args)]
pub struct StateSignerArgs {
    /// Base URL of the state relay server (`state-relay-server`); without it the node
    /// signs and serves its signatures but sends them nowhere.
    #[arg(long, env = "ESPRESSO_STATE_RELAY_SERVER_URL")]
    pub state_relay_server_url: Option<Url>,
}

/// Why a state could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum StateSignerError {
    /// Reading the leaf from storage failed.
    #[error("leaf {height}: {source}")]
    Storage {
        /// Its height.
        height: u64,
        /// The error.
        source: doppio_storage::StorageError,
    },
    /// The state could not be signed.
    #[error("signing the state of block {height}: {source}")]
    Sign {
        /// Its height.
        height: u64,
        /// The error.
        source: SubmitError,
    },
}

/// The light-client state of a decided leaf.
pub fn light_client_state(leaf: &Leaf) -> LightClientState {
    LightClientState::of_block(
        leaf.view_number,
        leaf.height(),
        &leaf.block_header.block_merkle_tree_root.0,
    )
}

/// The signatures of the most recent heights, bounded; cheap to clone.
#[derive(Clone, Debug)]
pub struct StateSignatures {
    inner: Arc<Mutex<BTreeMap<u64, StateSignatureRequest>>>,
    keep: usize,
}

impl StateSignatures {
    /// An empty store keeping at most `keep` heights (at least one).
    pub fn new(keep: usize) -> Self {
        StateSignatures { inner: Arc::default(), keep: keep.max(1) }
    }

    /// Adds the signature of `height`, dropping the lowest heights past the bound.
    pub fn insert(&self, height: u64, signed: StateSignatureRequest) {
        let mut map = self.inner.lock().expect("signature map lock");
        map.insert(height, signed);
        while map.len() > self.keep {
            map.pop_first();
        }
    }

    /// The signature of `height`, if kept.
    pub fn get(&self, height: u64) -> Option<StateSignatureRequest> {
        self.inner.lock().expect("signature map lock").get(&height).copied()
    }

    /// The lowest and highest heights kept.
    pub fn range(&self) -> Option<(u64, u64)> {
        let map = self.inner.lock().expect("signature map lock");
        Some((*map.first_key_value()?.0, *map.last_key_value()?.0))
    }

    /// Number of heights kept.
    pub fn len(&self) -> usize {
        self.inner.lock().expect("signature map lock").len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The signer's counters, in the node's registry.
#[derive(Clone, Debug)]
struct SignerMetrics {
    signed: IntCounter,
    relay: IntCounterVec,
}

impl SignerMetrics {
    fn new(registry: &Registry) -> Self {
        let signed = IntCounter::new(
            "doppio_state_signatures_total",
            "Light-client states signed with the node's state key",
        )
        .expect("valid metric");
        let relay = IntCounterVec::new(
            Opts::new(
                "doppio_state_signature_relay_total",
                "State signatures handed to the relay, by outcome",
            ),
            &["outcome"],
        )
        .expect("valid metric");
        // A second registration (a restarted signer on the same node) keeps counting in
        // the first one's series; only the registry refuses, so ignore it.
        let _ = registry.register(Box::new(signed.clone()));
        let _ = registry.register(Box::new(relay.clone()));
        SignerMetrics { signed, relay }
    }
}

/// Signs the state of the leaf at `height` from `node`'s storage with `key`.
pub async fn sign_height(
    node: &Node,
    key: &SchnorrSigningKey,
    height: u64,
) -> Result<StateSignatureRequest, StateSignerError> {
    let leaf = node
        .storage()
        .leaf(LeafId::Height(height))
        .await
        .map_err(|source| StateSignerError::Storage { height, source })?;
    sign_state(key, &light_client_state(&leaf.leaf))
        .map_err(|source| StateSignerError::Sign { height, source })
}

/// Starts the signer of `node` (and, with a relay URL, the task that posts to it); both
/// end when `stop` resolves.
pub fn spawn(
    node: Node,
    relay: Option<Url>,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> JoinHandle<()> {
    let metrics = SignerMetrics::new(node.metrics().registry());
    let (tx, rx) = mpsc::channel(RELAY_QUEUE);
    let poster = relay.map(|url| tokio::spawn(post_loop(url, rx, metrics.clone())));
    tokio::spawn(async move {
        tokio::select! {
            () = sign_loop(&node, tx, &metrics) => {}
            () = stop => {}
        }
        if let Some(p) = poster {
            p.abort();
        }
    })
}

/// Signs every height from the tip at start on, as the block height moves.
async fn sign_loop(node: &Node, tx: mpsc::Sender<StateSignatureRequest>, m: &SignerMetrics) {
    let store = node.state_signatures().clone();
    let key = node.keys().state.clone();
    let mut heights = node.subscribe();
    // Heights below `next` are signed (or too old to keep).
    let mut next = node.block_height().saturating_sub(1);
    loop {
        let stored = heights.borrow_and_update().0;
        next = next.max(stored.saturating_sub(store.keep as u64));
        while next < stored {
            match sign_height(node, &key, next).await {
                Ok(signed) => {
                    store.insert(next, signed);
                    m.signed.inc();
                    if tx.try_send(signed).is_err() {
                        m.relay.with_label_values(&["dropped"]).inc();
                    }
                    next += 1;
                }
                Err(e) => {
                    // A pruned or unreadable leaf: skip it rather than stall every later
                    // height (the relay only needs recent states).
                    tracing::warn!("state signer: {e}; skipping this height");
                    next += 1;
                }
            }
        }
        if heights.changed().await.is_err() {
            return;
        }
    }
}

/// Posts queued signatures to the relay in order. An unreachable relay is retried with
/// backoff; while it is down only the newest waiting signature is kept (the relay
/// refuses states below its newest bundle, so older ones would be late). A refusal (a
/// 4xx such as 409, the relay already past this state) is logged and dropped.
async fn post_loop(url: Url, mut rx: mpsc::Receiver<StateSignatureRequest>, m: SignerMetrics) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a plain HTTP client");
    while let Some(mut signed) = rx.recv().await {
        let mut backoff = FIRST_BACKOFF;
        loop {
            match post_state_signature(&http, url.as_str(), &signed).await {
                Ok(()) => {
                    m.relay.with_label_values(&["accepted"]).inc();
                    break;
                }
                Err(SubmitError::Refused { status, message }) => {
                    m.relay.with_label_values(&["refused"]).inc();
                    tracing::debug!(
                        height = signed.state.block_height,
                        status,
                        "relay refused the state signature: {message}"
                    );
                    break;
                }
                Err(e) => {
                    m.relay.with_label_values(&["retried"]).inc();
                    tracing::warn!(height = signed.state.block_height, "state relay: {e}");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    while let Ok(newer) = rx.try_recv() {
                        m.relay.with_label_values(&["dropped"]).inc();
                        signed = newer;
                    }
                }
            }
        }
    }
}

/// `GET /v0/state-signature/block/:height`.
pub fn router() -> Router<ApiState> {
    Router::new().route("/block/{height}", get(signature_at))
}

async fn signature_at(
    State(state): State<ApiState>,
    Path(height): Path<String>,
) -> Result<Json<StateSignatureRequest>, ApiError> {
    let height = crate::api::error::height(&height)?;
    let store = state.node.state_signatures();
    store.get(height).map(Json).ok_or_else(|| {
        let kept = match store.range() {
            Some((lo, hi)) => format!("this node keeps heights {lo} to {hi}"),
            None => "this node has signed no state yet".to_string(),
        };
        ApiError::not_found(format!("no state signature for block {height}: {kept}"))
    })
}

#[cfg(test)]
mod tests {
    use doppio_light_client::SchnorrSigningKey;

    use super::*;

    fn signed(key: &SchnorrSigningKey, h: u64) -> StateSignatureRequest {
        sign_state(key, &LightClientState::of_block(h + 1, h, &[h as u8; 32])).unwrap()
    }

    #[test]
    fn the_store_keeps_the_newest_heights() {
        let key = SchnorrSigningKey::from_seed(&[7; 32]).unwrap();
        let store = StateSignatures::new(3);
        assert!(store.is_empty());
        assert_eq!(store.range(), None);
        for h in 0..10 {
            store.insert(h, signed(&key, h));
            assert!(store.len() <= 3);
        }
        assert_eq!(store.range(), Some((7, 9)));
        assert!(store.get(6).is_none());
        let got = store.get(8).unwrap();
        assert_eq!(got.state.block_height, 8);
        key.ver_key().verify(&got.state.to_state().unwrap().to_fields(), &got.signature).unwrap();
    }

    #[test]
    fn the_signed_root_is_the_header_root_reduced_mod_r() {
        use alloy::primitives::U256;
        let r = U256::from_str_radix(
            "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001",
            16,
        )
        .unwrap();
        let json = |root: [u8; 32]| {
            doppio_state_prover::StateJson::from_state(&LightClientState::of_block(3, 2, &root))
                .unwrap()
        };
        let top = json([0xff; 32]);
        assert_eq!(top.block_comm_root, U256::MAX % r);
        assert_eq!((top.view_number, top.block_height), (3, 2));
        let mut small = [0u8; 32];
        small[31] = 5;
        small[0] = 0x12;
        assert_eq!(json(small).block_comm_root, U256::from_be_bytes(small), "below r: unchanged");
    }

    #[test]
    fn a_store_keeps_at_least_one_height() {
        let key = SchnorrSigningKey::from_seed(&[8; 32]).unwrap();
        let store = StateSignatures::new(0);
        store.insert(4, signed(&key, 4));
        store.insert(5, signed(&key, 5));
        assert_eq!(store.range(), Some((5, 5)));
    }
}
