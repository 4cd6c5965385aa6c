//! `/v0/catchup/`: the state a node needs to catch up at a decided height — fee-account
//! balances with Merkle proofs, and the block Merkle tree's frontier. "At height `h`"
//! means after applying block `h`: the proofs lead to the roots in header `h + 1`
//! (block tree) and header `h` (fee tree).

use alloy_primitives::{Address, U256};
use axum::{
    Json, Router,
    extract::{Path, State},
    routing::get,
};
use doppio_types::{BlockMerkleTree, FeeMerkleTree, FeeProof, block_merkle::BlockProof};
use serde::Serialize;

use super::{
    ApiState,
    error::{ApiError, height, parse},
};
use crate::state::replay_fees;

/// Headers read per storage query while replaying.
const REPLAY_CHUNK: u64 = 1000;

/// A fee account's balance with its proof.
#[derive(Serialize)]
pub struct AccountQueryData {
    /// The account.
    pub account: Address,
    /// Its balance in wei.
    pub balance: U256,
    /// Proof against the fee Merkle root of header `height`.
    pub proof: FeeProof,
}

pub(crate) fn router() -> Router<ApiState> {
    Router::new()
        .route("/{height}/account/{address}", get(account))
        .route("/{height}/blocks", get(blocks))
}

/// The block and fee trees after block `h`.
async fn trees_at(s: &ApiState, h: u64) -> Result<(BlockMerkleTree, FeeMerkleTree), ApiError> {
    let state = s.node.state().await;
    let tip = state.decided.height();
    if h > tip {
        return Err(ApiError::not_found(format!("height {h} is not decided yet (tip {tip})")));
    }
    if h == tip {
        return Ok((state.block_tree, state.fee_tree));
    }
    let mut headers = Vec::new();
    let mut from = 0;
    while from <= h {
        let until = (from + REPLAY_CHUNK).min(h + 1);
        headers.extend(s.storage.header_range(from, until).await?);
        from = until;
    }
    let fees = replay_fees(s.node.genesis(), &headers, s.node.l1())
        .map_err(|e| ApiError::internal(e.to_string()))?;
    if fees.root() != headers[h as usize].fee_merkle_tree_root {
        return Err(ApiError::internal(format!(
            "replayed fee accounts at height {h} do not match its header's fee root"
        )));
    }
    let mut blocks = BlockMerkleTree::new();
    for header in &headers {
        blocks.push(&header.commit().0).map_err(|e| ApiError::internal(e.to_string()))?;
    }
    Ok((blocks, fees))
}

async fn account(
    State(s): State<ApiState>,
    Path((h, a)): Path<(String, String)>,
) -> Result<Json<AccountQueryData>, ApiError> {
    let h = height(&h)?;
    let account: Address = parse(&a, "fee account address (0x + 40 hex digits)")?;
    let (_, fees) = trees_at(&s, h).await?;
    Ok(Json(AccountQueryData {
        account,
        balance: fees.balance(&account),
        proof: fees.proof(&account),
    }))
}

async fn blocks(
    State(s): State<ApiState>,
    Path(h): Path<String>,
) -> Result<Json<Option<BlockProof>>, ApiError> {
    let (blocks, _) = trees_at(&s, height(&h)?).await?;
    Ok(Json(blocks.frontier()))
}
