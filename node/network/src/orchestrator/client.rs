//! What a node uses to join through the orchestrator: register, then wait (with
//! exponential backoff) until the peer list is served.

use std::time::Duration;

use reqwest::{StatusCode, Url};
use serde_json::Value;

use super::{
    PEERS_ROUTE, PeerList, REGISTER_ROUTE, Registered, Registration, STATUS_ROUTE, Status,
};

/// A failed exchange with the orchestrator.
#[derive(Debug, thiserror::Error)]
pub enum OrchestratorError {
    /// No answer (connection refused, reset, timed out).
    #[error("orchestrator at {url} unreachable: {source}")]
    Unreachable {
        /// The request's URL.
        url: Url,
        /// The HTTP client's error.
        source: reqwest::Error,
    },
    /// The orchestrator refused the request (4xx, 5xx other than "not ready").
    #[error("orchestrator refused {url} ({status}): {message}")]
    Refused {
        /// The request's URL.
        url: Url,
        /// HTTP status.
        status: StatusCode,
        /// Its message.
        message: String,
    },
    /// An answer that is not what the route returns.
    #[error("unexpected answer from {url}: {reason}")]
    BadResponse {
        /// The request's URL.
        url: Url,
        /// What is wrong.
        reason: String,
    },
    /// The orchestrator URL cannot have the routes joined to it.
    #[error("bad orchestrator URL {0}")]
    BadUrl(Url),
    /// The wait ran out.
    #[error("the peer list was not ready within {0:?}")]
    TimedOut(Duration),
}

impl OrchestratorError {
    /// Whether trying again may help: the orchestrator is not up yet or not ready.
    pub fn is_transient(&self) -> bool {
        match self {
            OrchestratorError::Unreachable { .. } => true,
            OrchestratorError::Refused { status, .. } => status.is_server_error(),
            _ => false,
        }
    }
}

/// Exponential backoff: waits `initial`, doubling up to `max`, until `timeout` has passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// First wait.
    pub initial: Duration,
    /// Longest wait.
    pub max: Duration,
    /// Give up after this long.
    pub timeout: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(5),
            timeout: Duration::from_secs(600),
        }
    }
}

/// A client of one orchestrator.
#[derive(Clone, Debug)]
pub struct OrchestratorClient {
    base: Url,
    http: reqwest::Client,
}

/// Per-request timeout.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

impl OrchestratorClient {
    /// A client of the orchestrator at `base` (`http://host:port`).
    pub fn new(base: Url) -> Self {
        let http = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build().unwrap_or_default();
        OrchestratorClient { base, http }
    }

    fn url(&self, route: &str) -> Result<Url, OrchestratorError> {
        self.base.join(route).map_err(|_| OrchestratorError::BadUrl(self.base.clone()))
    }

    /// Registers once.
    pub async fn register(&self, reg: &Registration) -> Result<Registered, OrchestratorError> {
        let url = self.url(REGISTER_ROUTE)?;
        let request = self.http.post(url.clone()).json(&reg.to_json());
        let value = answer(&url, request.send().await).await?;
        serde_json::from_value(value)
            .map_err(|e| OrchestratorError::BadResponse { url, reason: e.to_string() })
    }

    /// The registration count.
    pub async fn status(&self) -> Result<Status, OrchestratorError> {
        let url = self.url(STATUS_ROUTE)?;
        let value = answer(&url, self.http.get(url.clone()).send().await).await?;
        serde_json::from_value(value)
            .map_err(|e| OrchestratorError::BadResponse { url, reason: e.to_string() })
    }

    /// The peer list, or `None` while nodes are still missing.
    pub async fn peers(&self) -> Result<Option<PeerList>, OrchestratorError> {
        let url = self.url(PEERS_ROUTE)?;
        match answer(&url, self.http.get(url.clone()).send().await).await {
            Ok(value) => PeerList::from_json(&value)
                .map(Some)
                .map_err(|reason| OrchestratorError::BadResponse { url, reason }),
            Err(OrchestratorError::Refused { status: StatusCode::SERVICE_UNAVAILABLE, .. }) => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Registers (retrying while the orchestrator is unreachable), then waits until the
    /// peer list is served. Refusals (bad registration, conflicts) end it at once.
    pub async fn join(
        &self,
        reg: &Registration,
        backoff: Backoff,
    ) -> Result<(Registered, PeerList), OrchestratorError> {
        let work = async {
            let mut wait = backoff.initial;
            let registered = loop {
                match self.register(reg).await {
                    Ok(r) => break r,
                    Err(e) if e.is_transient() => {
                        tracing::info!("registering with the orchestrator: {e}; retrying");
                    }
                    Err(e) => return Err(e),
                }
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(backoff.max);
            };
            let mut wait = backoff.initial;
            loop {
                match self.peers().await {
                    Ok(Some(list)) => return Ok((registered, list)),
                    Ok(None) => {}
                    Err(e) if e.is_transient() => tracing::info!("orchestrator: {e}; retrying"),
                    Err(e) => return Err(e),
                }
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(backoff.max);
            }
        };
        tokio::time::timeout(backoff.timeout, work)
            .await
            .unwrap_or(Err(OrchestratorError::TimedOut(backoff.timeout)))
    }
}

/// The JSON body of a 2xx answer, or the error an answer stands for.
async fn answer(
    url: &Url,
    response: Result<reqwest::Response, reqwest::Error>,
) -> Result<Value, OrchestratorError> {
    let unreachable = |source| OrchestratorError::Unreachable { url: url.clone(), source };
    let response = response.map_err(unreachable)?;
    let status = response.status();
    let body = response.bytes().await.map_err(unreachable)?;
    let value: Result<Value, _> = serde_json::from_slice(&body);
    if status.is_success() {
        return value.map_err(|e| OrchestratorError::BadResponse {
            url: url.clone(),
            reason: format!("not JSON: {e}"),
        });
    }
    let message = value
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
    Err(OrchestratorError::Refused { url: url.clone(), status, message })
}
