//! `/v0/config/`: the consensus configuration and the node's environment, never a secret.

use axum::{Json, Router, extract::State, routing::get};
use doppio_keys::BlsPublicKey;
use doppio_types::ChainConfig;
use serde::Serialize;

use super::ApiState;

/// Words in a variable name that mark its value as secret.
const SECRET_MARKERS: [&str; 8] =
    ["PRIVATE", "PASSWORD", "SECRET", "MNEMONIC", "TOKEN", "_URI", "DATABASE_URL", "L1_PROVIDER"];

/// What replaces a secret's value.
pub const REDACTED: &str = "<redacted>";

/// The `ESPRESSO_*` and `DOPPIO_*` variables of `vars`, with every secret's value
/// replaced by [`REDACTED`] (private keys, passwords, mnemonics, tokens, database URIs,
/// which may embed a password, and L1 provider URLs, which often embed an API key).
pub fn public_env(vars: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = vars
        .into_iter()
        .filter(|(k, _)| k.starts_with("ESPRESSO_") || k.starts_with("DOPPIO_"))
        .map(|(k, v)| {
            let secret = SECRET_MARKERS.iter().any(|m| k.contains(m));
            let v = if secret { REDACTED.to_owned() } else { v };
            (k, v)
        })
        .collect();
    out.sort();
    out
}

/// One stake-table entry as the config shows it.
#[derive(Serialize)]
pub struct StakeEntry {
    /// BLS staking key.
    pub stake_key: BlsPublicKey,
    /// Schnorr state key.
    pub state_ver_key: String,
    /// Stake.
    pub stake: String,
}

/// The consensus configuration.
#[derive(Serialize)]
pub struct HotshotConfig {
    /// The stake table.
    pub known_nodes_with_stake: Vec<StakeEntry>,
    /// The DA committee (the same nodes).
    pub known_da_nodes: Vec<StakeEntry>,
    /// Time between blocks, in milliseconds.
    pub block_interval_ms: u64,
    /// VID shares per block.
    pub vid_num_storage_nodes: usize,
    /// VID shares that recover a payload.
    pub vid_recovery_threshold: usize,
    /// Chain config of the next block.
    pub chain_config: ChainConfig,
    /// Genesis header timestamp (unix seconds).
    pub genesis_timestamp: i64,
    /// The block builder's fee account.
    pub builder_account: alloy_primitives::Address,
}

pub(crate) fn router() -> Router<ApiState> {
    Router::new().route("/hotshot", get(hotshot)).route("/env", get(env))
}

async fn hotshot(State(s): State<ApiState>) -> Json<HotshotConfig> {
    let entries = || {
        s.node
            .stake_table()
            .entries()
            .iter()
            .map(|e| StakeEntry {
                stake_key: e.staking_key,
                state_ver_key: e.state_key.to_string(),
                stake: e.stake.to_string(),
            })
            .collect::<Vec<_>>()
    };
    let params = s.node.vid().params();
    Json(HotshotConfig {
        known_nodes_with_stake: entries(),
        known_da_nodes: entries(),
        block_interval_ms: s.node.block_interval().as_millis() as u64,
        vid_num_storage_nodes: params.num_storage_nodes,
        vid_recovery_threshold: params.recovery_threshold,
        chain_config: s.node.current_chain_config().await,
        genesis_timestamp: s.node.genesis().header.timestamp.unix_timestamp(),
        builder_account: s.node.builder_account(),
    })
}

async fn env(State(s): State<ApiState>) -> Json<Vec<(String, String)>> {
    Json(s.env.as_ref().clone())
}
