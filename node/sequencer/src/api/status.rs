//! `/v0/node/` (chain summary from storage) and `/v0/status/` (this node's consensus
//! status and Prometheus metrics).

use axum::{
    Json, Router,
    extract::{Path, State},
    http::header,
    response::IntoResponse,
    routing::get,
};
use doppio_storage::BlockId;
use doppio_vid::VidShare;
use serde::Serialize;

use super::{
    ApiState,
    error::{ApiError, height, range},
};

/// How complete this node's store is.
#[derive(Serialize)]
pub struct SyncStatus {
    /// Blocks decided.
    pub block_height: u64,
    /// Highest pruned height, if any.
    pub pruned_height: Option<u64>,
    /// Blocks missing between the oldest kept and the tip (a single node decides every
    /// block itself, so none are missing unless pruned).
    pub missing_blocks: u64,
    /// Whether the node has every block it should keep.
    pub is_fully_synced: bool,
}

pub(crate) fn node_router() -> Router<ApiState> {
    Router::new()
        .route("/block-height", get(block_height))
        .route("/transactions/count", get(tx_count))
        .route("/transactions/count/{from}/{until}", get(tx_count_range))
        .route("/payloads/total-size", get(payload_size))
        .route("/payloads/total-size/{from}/{until}", get(payload_size_range))
        .route("/sync-status", get(sync_status))
        .route("/vid/share/{height}", get(vid_share))
}

pub(crate) fn status_router() -> Router<ApiState> {
    Router::new()
        .route("/block-height", get(block_height))
        .route("/time-since-last-decide", get(time_since_last_decide))
        .route("/success-rate", get(success_rate))
        .route("/metrics", get(metrics))
}

async fn block_height(State(s): State<ApiState>) -> Json<u64> {
    Json(s.node.block_height())
}

async fn tx_count(State(s): State<ApiState>) -> Result<Json<u64>, ApiError> {
    Ok(Json(s.storage.count_transactions(0, s.node.block_height()).await?))
}

async fn tx_count_range(
    State(s): State<ApiState>,
    Path((from, until)): Path<(String, String)>,
) -> Result<Json<u64>, ApiError> {
    let (from, until) = range(&from, &until)?;
    Ok(Json(s.storage.count_transactions(from, until).await?))
}

async fn payload_size(State(s): State<ApiState>) -> Result<Json<u64>, ApiError> {
    Ok(Json(s.storage.payload_size(0, s.node.block_height()).await?))
}

async fn payload_size_range(
    State(s): State<ApiState>,
    Path((from, until)): Path<(String, String)>,
) -> Result<Json<u64>, ApiError> {
    let (from, until) = range(&from, &until)?;
    Ok(Json(s.storage.payload_size(from, until).await?))
}

async fn sync_status(State(s): State<ApiState>) -> Result<Json<SyncStatus>, ApiError> {
    let block_height = s.storage.block_height().await?;
    let pruned_height = s.storage.pruned_height().await?;
    let missing_blocks = s.node.block_height().saturating_sub(block_height);
    Ok(Json(SyncStatus {
        block_height,
        pruned_height,
        missing_blocks,
        is_fully_synced: missing_blocks == 0,
    }))
}

async fn vid_share(
    State(s): State<ApiState>,
    Path(h): Path<String>,
) -> Result<Json<VidShare>, ApiError> {
    Ok(Json(s.storage.vid_share(BlockId::Height(height(&h)?)).await?))
}

async fn time_since_last_decide(State(s): State<ApiState>) -> Json<u64> {
    Json(s.node.time_since_last_decide().as_secs())
}

/// Decided views over views; a single node decides in every view it proposes in.
async fn success_rate(State(s): State<ApiState>) -> Json<f64> {
    let m = s.node.metrics();
    let views = m.current_view.get().max(1) as f64;
    Json(m.last_decided_view.get() as f64 / views)
}

async fn metrics(State(s): State<ApiState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        s.node.metrics().render(s.node.accel()),
    )
}
