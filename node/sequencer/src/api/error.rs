//! API errors: JSON `{"status": <code>, "message": "<what was wrong>"}` with the matching
//! HTTP status.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use doppio_storage::StorageError;
use serde::de::DeserializeOwned;

use crate::mempool::MempoolError;

/// An error response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// What was wrong.
    pub message: String,
}

impl ApiError {
    /// 400 Bad Request.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError { status: StatusCode::BAD_REQUEST, message: message.into() }
    }

    /// 404 Not Found.
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError { status: StatusCode::NOT_FOUND, message: message.into() }
    }

    /// 500 Internal Server Error.
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError { status: StatusCode::INTERNAL_SERVER_ERROR, message: message.into() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "status": self.status.as_u16(), "message": self.message });
        (self.status, Json(body)).into_response()
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound { .. } | StorageError::Pruned { .. } => {
                ApiError::not_found(e.to_string())
            }
            other => {
                tracing::error!("storage error behind an API request: {other}");
                ApiError::internal(format!("storage error: {other}"))
            }
        }
    }
}

impl From<MempoolError> for ApiError {
    fn from(e: MempoolError) -> Self {
        let status = match e {
            MempoolError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            MempoolError::Full { .. } => StatusCode::SERVICE_UNAVAILABLE,
        };
        ApiError { status, message: e.to_string() }
    }
}

/// Parses a path segment as a height.
pub(crate) fn height(s: &str) -> Result<u64, ApiError> {
    s.parse().map_err(|_| ApiError::bad_request(format!("`{s}` is not a block height")))
}

/// Parses two path segments as a range of heights `from..until`, which may be empty but
/// not reversed.
pub(crate) fn range(from: &str, until: &str) -> Result<(u64, u64), ApiError> {
    let (from, until) = (height(from)?, height(until)?);
    if until < from {
        return Err(ApiError::bad_request(format!("empty range: until {until} < from {from}")));
    }
    Ok((from, until))
}

/// Parses a path segment as any value that deserialises from a JSON string (commitments,
/// addresses), naming `what` it should have been.
pub(crate) fn parse<T: DeserializeOwned>(s: &str, what: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|e| ApiError::bad_request(format!("`{s}` is not a {what}: {e}")))
}
