//! The HTTP API, in the module layout of the Espresso query service: `/healthcheck`,
//! `/version`, and under `/v0/` the modules the node was started with.

pub mod availability;
pub mod catchup;
pub mod config;
pub mod error;
pub mod status;
pub mod submit;

use std::{net::SocketAddr, sync::Arc};

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, Request},
    http::{Method, Uri},
    routing::get,
    serve::Listener,
};
use doppio_storage::Storage;
use serde::Serialize;
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{OwnedSemaphorePermit, Semaphore},
};

pub use error::ApiError;

use crate::node::Node;

/// Default bound on simultaneous connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// Which modules are served.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Modules {
    /// `/v0/availability/` and `/v0/node/`.
    pub query: bool,
    /// `/v0/submit/`.
    pub submit: bool,
    /// `/v0/status/`.
    pub status: bool,
    /// `/v0/catchup/`.
    pub catchup: bool,
    /// `/v0/config/`.
    pub config: bool,
}

impl Modules {
    /// Every module.
    pub fn all() -> Self {
        Modules { query: true, submit: true, status: true, catchup: true, config: true }
    }
}

/// How the API is served.
#[derive(Clone, Debug)]
pub struct ApiConfig {
    /// Modules to serve.
    pub modules: Modules,
    /// Most simultaneous connections; more wait to be accepted.
    pub max_connections: usize,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// What `/v0/config/env` shows (already filtered by [`config::public_env`]).
    pub env: Vec<(String, String)>,
}

/// What every handler reads.
#[derive(Clone)]
pub struct ApiState {
    pub(crate) node: Node,
    pub(crate) storage: Storage,
    pub(crate) env: Arc<Vec<(String, String)>>,
}

/// Body limit for a chain whose largest block is `max_block_size` bytes: a transaction's
/// bytes in base64 (4/3) plus room for the JSON around them.
pub fn body_limit(max_block_size: u64) -> usize {
    usize::try_from(max_block_size).unwrap_or(usize::MAX / 2).saturating_mul(4) / 3 + 4096
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
}

#[derive(Serialize)]
struct Version {
    app_version: &'static str,
    api_version: &'static str,
}

/// The router of `config.modules` over `node`.
pub fn router(node: Node, config: &ApiConfig) -> Router {
    let state =
        ApiState { storage: node.storage().clone(), node, env: Arc::new(config.env.clone()) };
    let m = config.modules;
    let mut v0 = Router::new();
    if m.query {
        v0 = v0.nest("/availability", availability::router()).nest("/node", status::node_router());
    }
    if m.status {
        v0 = v0.nest("/status", status::status_router());
    }
    if m.submit {
        v0 = v0.nest("/submit", submit::router());
    }
    if m.catchup {
        v0 = v0.nest("/catchup", catchup::router());
    }
    if m.config {
        v0 = v0.nest("/config", config::router());
    }
    // Served with any module, as Espresso's node serves it: the relay and provers ask
    // every node for its signature on a state.
    v0 = v0.nest("/state-signature", crate::state_signer::router());
    Router::new()
        .route("/healthcheck", get(|| async { Json(Health { status: "available" }) }))
        .route(
            "/version",
            get(|| async {
                Json(Version { app_version: env!("CARGO_PKG_VERSION"), api_version: "0.1" })
            }),
        )
        .nest("/v0", v0)
        .fallback(unknown_route)
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .with_state(state)
}

async fn unknown_route(method: Method, uri: Uri, _req: Request) -> ApiError {
    ApiError::not_found(format!(
        "no route {method} {uri}; this node serves /healthcheck, /version and the /v0/ modules it was started with"
    ))
}

/// A TCP listener that holds at most `max` connections open: the next is accepted when
/// one closes.
pub struct LimitedListener {
    inner: TcpListener,
    permits: Arc<Semaphore>,
}

impl LimitedListener {
    /// Wraps `inner`.
    pub fn new(inner: TcpListener, max: usize) -> Self {
        LimitedListener { inner, permits: Arc::new(Semaphore::new(max.max(1))) }
    }
}

/// A connection holding its permit.
pub struct LimitedStream {
    stream: TcpStream,
    _permit: OwnedSemaphorePermit,
}

impl tokio::io::AsyncRead for LimitedStream {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for LimitedStream {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

impl Listener for LimitedListener {
    type Io = LimitedStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let permit = self.permits.clone().acquire_owned().await.expect("semaphore never closed");
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => return (LimitedStream { stream, _permit: permit }, addr),
                Err(e) => {
                    // Accept errors (descriptor limits, aborted handshakes) are transient.
                    tracing::warn!("accepting a connection failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// Serves the API on `listener` until `shutdown` resolves.
pub async fn serve(
    node: Node,
    config: ApiConfig,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(node, &config);
    let listener = LimitedListener::new(listener, config.max_connections);
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
