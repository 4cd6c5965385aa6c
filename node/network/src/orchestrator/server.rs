//! The orchestrator's HTTP service (axum):
//!
//! * `POST /v0/orchestrator/register` with a [`Registration`] as JSON → `200`
//!   [`Registered`] (`index`, `registered`, `num_nodes`). Registering again with the same
//!   staking key and the same fields returns the same index; different fields under a
//!   registered staking key, a peer id or state key registered by another node, or a
//!   new node once all `num_nodes` have joined are `409`.
//! * `GET /v0/orchestrator/peers` → `200` [`PeerList`] once every node has registered,
//!   `503` with `Retry-After` before.
//! * `GET /v0/orchestrator/status` → [`Status`]; `GET /healthcheck`.
//!
//! Errors are JSON `{"status": <code>, "message": "…"}` as in the node's API.

use std::{
    net::{Ipv4Addr, SocketAddr},
    num::NonZeroUsize,
    sync::{Arc, Mutex},
};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{DefaultBodyLimit, State, rejection::BytesRejection},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::Value;
use tokio::net::TcpListener;

use super::{
    PEERS_ROUTE, PeerList, REGISTER_ROUTE, Registered, RegisteredNode, Registration, STATUS_ROUTE,
    Status,
};

/// Default port (the one nodes' `--orchestrator-url` defaults to in Espresso).
pub const DEFAULT_PORT: u16 = 8080;
/// Largest request body: a registration is well under 2 KiB.
pub const MAX_BODY_BYTES: usize = 64 << 10;
/// Seconds a node is told to wait before asking for the peer list again.
pub const RETRY_AFTER_SECS: u64 = 1;

/// `orchestrator` options (Espresso's names).
#[derive(Clone, Debug, clap::Parser)]
#[command(
    name = "orchestrator",
    version,
    about = "Bootstrap service: nodes register and fetch the peer list"
)]
pub struct OrchestratorArgs {
    /// Port to serve on (all interfaces).
    #[arg(short, long, env = "ESPRESSO_ORCHESTRATOR_PORT", default_value_t = DEFAULT_PORT)]
    pub port: u16,
    /// Number of nodes in the network; the peer list is served once all have registered.
    #[arg(short, long, env = "ESPRESSO_ORCHESTRATOR_NUM_NODES")]
    pub num_nodes: NonZeroUsize,
}

impl OrchestratorArgs {
    /// The address to listen on.
    pub fn bind_address(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::UNSPECIFIED, self.port))
    }
}

/// An error response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrchestratorApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// What was wrong.
    pub message: String,
}

impl OrchestratorApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        OrchestratorApiError { status, message: message.into() }
    }
}

impl IntoResponse for OrchestratorApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "status": self.status.as_u16(), "message": self.message });
        (self.status, Json(body)).into_response()
    }
}

/// The registrations.
#[derive(Debug)]
struct Book {
    num_nodes: usize,
    nodes: Vec<Registration>,
}

impl Book {
    fn register(&mut self, reg: Registration) -> Result<Registered, OrchestratorApiError> {
        let conflict = |m: String| OrchestratorApiError::new(StatusCode::CONFLICT, m);
        if let Some(index) = self.nodes.iter().position(|n| n.staking_key == reg.staking_key) {
            if self.nodes[index] != reg {
                return Err(conflict(format!(
                    "staking_key {} is registered (index {index}) with other fields; \
                     a registration cannot be changed",
                    reg.staking_key
                )));
            }
            return Ok(self.registered(index));
        }
        if let Some(i) = self.nodes.iter().position(|n| n.peer_id == reg.peer_id) {
            return Err(conflict(format!("peer_id {} is registered by node {i}", reg.peer_id)));
        }
        if let Some(i) = self.nodes.iter().position(|n| n.state_key == reg.state_key) {
            return Err(conflict(format!("state_key {} is registered by node {i}", reg.state_key)));
        }
        if self.nodes.len() == self.num_nodes {
            return Err(conflict(format!("all {} nodes have registered", self.num_nodes)));
        }
        self.nodes.push(reg);
        Ok(self.registered(self.nodes.len() - 1))
    }

    fn registered(&self, index: usize) -> Registered {
        Registered { index, registered: self.nodes.len(), num_nodes: self.num_nodes }
    }

    fn status(&self) -> Status {
        Status {
            registered: self.nodes.len(),
            num_nodes: self.num_nodes,
            ready: self.nodes.len() == self.num_nodes,
        }
    }
}

type Shared = Arc<Mutex<Book>>;

fn lock(book: &Shared) -> std::sync::MutexGuard<'_, Book> {
    // A panic while holding the lock cannot leave a half-written registration (a push
    // is the only write), so a poisoned lock is still consistent.
    book.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The orchestrator's routes for a network of `num_nodes`.
pub fn router(num_nodes: NonZeroUsize) -> Router {
    let book: Shared = Arc::new(Mutex::new(Book { num_nodes: num_nodes.get(), nodes: Vec::new() }));
    Router::new()
        .route("/healthcheck", get(|| async { Json(serde_json::json!({ "status": "available" })) }))
        .route(REGISTER_ROUTE, post(register))
        .route(PEERS_ROUTE, get(peers))
        .route(STATUS_ROUTE, get(status))
        .fallback(|| async {
            OrchestratorApiError::new(
                StatusCode::NOT_FOUND,
                format!("no such route; routes: POST {REGISTER_ROUTE}, GET {PEERS_ROUTE}, GET {STATUS_ROUTE}"),
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(book)
}

/// Serves `router(num_nodes)` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    num_nodes: NonZeroUsize,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(num_nodes)).with_graceful_shutdown(shutdown).await
}

async fn register(
    State(book): State<Shared>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Registered>, OrchestratorApiError> {
    let body = body.map_err(|e| OrchestratorApiError::new(e.status(), e.body_text()))?;
    let value: Value = serde_json::from_slice(&body).map_err(|e| {
        OrchestratorApiError::new(StatusCode::BAD_REQUEST, format!("body is not JSON: {e}"))
    })?;
    let reg = Registration::from_json(&value)
        .map_err(|e| OrchestratorApiError::new(StatusCode::BAD_REQUEST, e))?;
    let (peer, address) = (reg.peer_id, reg.libp2p_address.clone());
    let registered = lock(&book).register(reg)?;
    tracing::info!(index = registered.index, %peer, %address, "node registered");
    Ok(Json(registered))
}

async fn peers(State(book): State<Shared>) -> Response {
    let book = lock(&book);
    let status = book.status();
    if !status.ready {
        let body = serde_json::json!({
            "status": 503,
            "message": format!(
                "{} of {} nodes have registered; retry later",
                status.registered, status.num_nodes
            ),
            "registered": status.registered,
            "num_nodes": status.num_nodes,
        });
        let retry = [(header::RETRY_AFTER, RETRY_AFTER_SECS.to_string())];
        return (StatusCode::SERVICE_UNAVAILABLE, retry, Json(body)).into_response();
    }
    let nodes = book.nodes.iter().cloned().enumerate();
    let list = PeerList {
        nodes: nodes.map(|(index, registration)| RegisteredNode { index, registration }).collect(),
    };
    Json(list.to_json()).into_response()
}

async fn status(State(book): State<Shared>) -> Json<Status> {
    Json(lock(&book).status())
}
