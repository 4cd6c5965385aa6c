//! Catch-up over other nodes' HTTP APIs (`--state-peers`, `--api-peers`): a leaf this node
//! is missing is asked of each peer in turn at `/v0/availability/leaf/hash/:hash`, with
//! the block's payload from `/v0/availability/payload/:height`. Nothing fetched here is
//! trusted: consensus takes a leaf only under the commitment it asked for (which the
//! certificates of its descendants fix), and the decider keeps a payload only if its VID
//! commitment is the header's. Peers that fail or answer wrongly are skipped.

use std::{sync::Arc, time::Duration};

use base64::{Engine, engine::general_purpose::STANDARD};
use doppio_types::{Leaf, LeafCommitment, Payload};
use reqwest::Url;
use serde::Deserialize;

/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// The peers' APIs and a client for them.
#[derive(Clone, Debug)]
pub struct ApiPeers {
    client: reqwest::Client,
    urls: Arc<Vec<Url>>,
}

#[derive(Deserialize)]
struct LeafAnswer {
    leaf: Leaf,
}

#[derive(Deserialize)]
struct PayloadAnswer {
    data: PayloadParts,
}

#[derive(Deserialize)]
struct PayloadParts {
    ns_table: String,
    payload: String,
}

impl ApiPeers {
    /// The peers at `urls` (their API roots, e.g. `http://10.0.0.2:24000/`); `None` when
    /// there are none.
    pub fn new(urls: Vec<Url>) -> Option<Self> {
        if urls.is_empty() {
            return None;
        }
        // Paths are joined onto the roots: `http://h/api` must read as `http://h/api/`.
        let urls = urls
            .into_iter()
            .map(|mut u| {
                if !u.path().ends_with('/') {
                    u.set_path(&format!("{}/", u.path()));
                }
                u
            })
            .collect();
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .expect("a client without TLS options builds");
        Some(ApiPeers { client, urls: Arc::new(urls) })
    }

    /// How many peers there are (at least one: an empty list is `None` in
    /// [`ApiPeers::new`]).
    pub(crate) fn len(&self) -> usize {
        self.urls.len()
    }

    /// The leaf of `commitment` with its payload when a peer has it, from the first peer
    /// (starting at `start`, in turn) whose leaf has that commitment.
    pub async fn leaf(
        &self,
        commitment: LeafCommitment,
        start: usize,
    ) -> Option<(Leaf, Option<Payload>)> {
        for k in 0..self.urls.len() {
            let url = &self.urls[(start + k) % self.urls.len()];
            let path = format!("v0/availability/leaf/hash/{commitment}");
            let Some(answer) = self.get::<LeafAnswer>(url, &path).await else { continue };
            if answer.leaf.commit() != commitment {
                tracing::debug!(%url, %commitment, "a peer answered with another leaf");
                continue;
            }
            let payload = self.payload_from(url, answer.leaf.height()).await;
            return Some((answer.leaf, payload));
        }
        None
    }

    /// The payload of block `height` from any peer (the caller checks it against the
    /// header).
    pub async fn payload(&self, height: u64, start: usize) -> Option<Payload> {
        for k in 0..self.urls.len() {
            let url = &self.urls[(start + k) % self.urls.len()];
            if let Some(p) = self.payload_from(url, height).await {
                return Some(p);
            }
        }
        None
    }

    async fn payload_from(&self, url: &Url, height: u64) -> Option<Payload> {
        let answer: PayloadAnswer =
            self.get(url, &format!("v0/availability/payload/{height}")).await?;
        let bytes = STANDARD.decode(answer.data.payload).ok()?;
        let ns_table = STANDARD.decode(answer.data.ns_table).ok()?;
        Payload::from_parts(bytes, ns_table)
            .inspect_err(|e| tracing::debug!(%url, height, "a peer's payload is malformed: {e}"))
            .ok()
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, base: &Url, path: &str) -> Option<T> {
        let url = base.join(path).ok()?;
        let response = self.client.get(url.clone()).send().await;
        match response.and_then(|r| r.error_for_status()) {
            Ok(r) => r
                .json()
                .await
                .inspect_err(|e| tracing::debug!(%url, "undecodable answer: {e}"))
                .ok(),
            Err(e) => {
                tracing::debug!(%url, "peer request failed: {e}");
                None
            }
        }
    }
}
