//! `/v0/submit/submit`: a transaction into the mempool; returns its commitment.

use axum::{
    Json, Router,
    body::Bytes,
    extract::{State, rejection::BytesRejection},
    http::StatusCode,
    routing::post,
};
use doppio_types::{Transaction, TxCommitment};

use super::{ApiState, error::ApiError};

pub(crate) fn router() -> Router<ApiState> {
    Router::new().route("/submit", post(submit))
}

/// Reads the body itself so that every way a body can be wrong gets a JSON error naming
/// it: too large (413), not JSON or not a transaction (400, with serde's line and column).
async fn submit(
    State(s): State<ApiState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<TxCommitment>, ApiError> {
    let body = body.map_err(|e| ApiError {
        status: if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            StatusCode::PAYLOAD_TOO_LARGE
        } else {
            StatusCode::BAD_REQUEST
        },
        message: format!("request body: {}", e.body_text()),
    })?;
    let tx: Transaction = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "body is not a transaction {{\"namespace\": <u32>, \"payload\": \"<base64>\"}}: {e}"
        ))
    })?;
    Ok(Json(s.node.submit(tx).await?))
}
