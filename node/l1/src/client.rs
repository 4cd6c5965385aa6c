//! The L1 client: every request goes to the current provider and, when it fails or
//! times out, to the next one (the switch sticks); callers that must not give up
//! ([`L1Client::retry`]) back off exponentially between rounds.

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::Duration,
};

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, U256},
    providers::{Provider, RootProvider},
    rpc::types::Filter,
    sol_types::SolEvent,
    transports::{TransportError, http::reqwest::Url},
};
use doppio_contracts::bindings::FeeContract;
use doppio_types::L1BlockInfo;
use tokio::sync::watch;

use crate::deposits::{Deposit, Deposits};

/// Longest back-off, as a multiple of the retry delay.
pub const MAX_BACKOFF_FACTOR: u32 = 32;

/// Why an L1 request failed.
#[derive(Debug, thiserror::Error)]
pub enum L1Error {
    /// No provider URL was given.
    #[error("no L1 provider URL given (--l1-provider-url / ESPRESSO_SEQUENCER_L1_PROVIDER)")]
    NoProviders,
    /// Every provider failed this request once.
    #[error("{what}: all {count} L1 providers failed; last ({url}): {last}")]
    AllProvidersFailed {
        /// The request.
        what: &'static str,
        /// Providers tried.
        count: usize,
        /// The last one tried.
        url: String,
        /// Its error.
        last: String,
    },
    /// A block range with its end before its start, or an events range of 0.
    #[error("{what}: {reason}")]
    BadRange {
        /// The request.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A block the L1 says it has, missing from its answer.
    #[error("L1 block {0} is missing from the provider's answer")]
    MissingBlock(u64),
    /// A log that does not decode as the event it was filtered for.
    #[error("undecodable FeeContract Deposit log in block {block:?}: {reason}")]
    BadLog {
        /// Its block.
        block: Option<u64>,
        /// The decoding error.
        reason: String,
    },
}

/// Timing of the client (see [`crate::L1Args`] for the flags).
#[derive(Clone, Copy, Debug)]
pub struct L1Options {
    /// Most blocks per `eth_getLogs`.
    pub events_max_block_range: u64,
    /// Interval between polls of the head and the finalized block.
    pub polling_interval: Duration,
    /// First back-off after a failed round over every provider.
    pub retry_delay: Duration,
    /// Time one request may take before the next provider is tried.
    pub request_timeout: Duration,
}

impl Default for L1Options {
    fn default() -> Self {
        L1Options {
            events_max_block_range: crate::args::DEFAULT_EVENTS_MAX_BLOCK_RANGE,
            polling_interval: Duration::from_secs(7),
            retry_delay: Duration::from_secs(1),
            request_timeout: Duration::from_secs(10),
        }
    }
}

/// What the follower last saw of the L1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct L1Snapshot {
    /// The latest block number.
    pub head: u64,
    /// The latest finalized block, once there is one.
    pub finalized: Option<L1BlockInfo>,
}

/// A client of one or more L1 JSON-RPC providers for the same chain.
#[derive(Clone, Debug)]
pub struct L1Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    providers: Vec<(Url, RootProvider)>,
    current: AtomicUsize,
    switches: AtomicU64,
    failures: AtomicU64,
    options: L1Options,
}

impl L1Client {
    /// A client over `urls`, tried in this order.
    pub fn new(urls: &[Url], options: L1Options) -> Result<Self, L1Error> {
        if urls.is_empty() {
            return Err(L1Error::NoProviders);
        }
        if options.events_max_block_range == 0 {
            return Err(L1Error::BadRange {
                what: "--l1-events-max-block-range",
                reason: "must be at least 1".into(),
            });
        }
        let providers =
            urls.iter().map(|u| (u.clone(), RootProvider::new_http(u.clone()))).collect();
        let inner = Inner {
            providers,
            current: AtomicUsize::new(0),
            switches: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            options,
        };
        Ok(L1Client { inner: Arc::new(inner) })
    }

    /// The client's options.
    pub fn options(&self) -> &L1Options {
        &self.inner.options
    }

    /// The URL requests go to now.
    pub fn current_url(&self) -> &Url {
        &self.inner.providers[self.inner.current.load(Ordering::Relaxed)].0
    }

    /// How many times the client moved to another provider.
    pub fn switches(&self) -> u64 {
        self.inner.switches.load(Ordering::Relaxed)
    }

    /// How many single requests failed (on any provider).
    pub fn failures(&self) -> u64 {
        self.inner.failures.load(Ordering::Relaxed)
    }

    /// Runs `f` on the current provider, then on each other one in turn until one
    /// answers; the one that answered becomes current.
    pub async fn call<T, F, Fut>(&self, what: &'static str, f: F) -> Result<T, L1Error>
    where
        F: Fn(RootProvider) -> Fut,
        Fut: Future<Output = Result<T, TransportError>>,
    {
        let inner = &self.inner;
        let n = inner.providers.len();
        let start = inner.current.load(Ordering::Relaxed);
        let mut failed = None;
        for k in 0..n {
            let i = (start + k) % n;
            let (url, provider) = &inner.providers[i];
            let error = match tokio::time::timeout(
                inner.options.request_timeout,
                f(provider.clone()),
            )
            .await
            {
                Ok(Ok(value)) => {
                    if i != start {
                        inner.current.store(i, Ordering::Relaxed);
                        inner.switches.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(%url, what, "L1: switched provider");
                    }
                    return Ok(value);
                }
                Ok(Err(e)) => e.to_string(),
                Err(_) => format!("no answer in {:?}", inner.options.request_timeout),
            };
            inner.failures.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(%url, what, %error, "L1 request failed");
            failed = Some((url.to_string(), error));
        }
        let (url, last) = failed.expect("at least one provider");
        Err(L1Error::AllProvidersFailed { what, count: n, url, last })
    }

    /// [`Self::call`] until it succeeds, backing off from the retry delay, doubling up to
    /// [`MAX_BACKOFF_FACTOR`] times it. For loops that must outlive an L1 outage.
    pub async fn retry<T, F, Fut>(&self, what: &'static str, f: F) -> T
    where
        F: Fn(RootProvider) -> Fut,
        Fut: Future<Output = Result<T, TransportError>>,
    {
        let base = self.inner.options.retry_delay;
        let mut delay = base;
        loop {
            match self.call(what, &f).await {
                Ok(v) => return v,
                Err(e) => {
                    tracing::warn!(error = %e, retry_in = ?delay, "L1 unavailable");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(base * MAX_BACKOFF_FACTOR);
                }
            }
        }
    }

    /// The latest block number.
    pub async fn head(&self) -> Result<u64, L1Error> {
        self.call("eth_blockNumber", |p| async move { p.get_block_number().await }).await
    }

    /// The latest finalized block (`None` while the chain has none).
    pub async fn finalized(&self) -> Result<Option<L1BlockInfo>, L1Error> {
        self.block_info(BlockNumberOrTag::Finalized).await
    }

    /// Number, timestamp and hash of a block (`None` if the L1 does not have it).
    pub async fn block_info(
        &self,
        block: BlockNumberOrTag,
    ) -> Result<Option<L1BlockInfo>, L1Error> {
        let block = self
            .call("eth_getBlockByNumber", |p| async move { p.get_block_by_number(block).await })
            .await?;
        Ok(block.map(|b| L1BlockInfo {
            number: b.header.number,
            timestamp: U256::from(b.header.timestamp),
            hash: b.header.hash,
        }))
    }

    /// Head and finalized block now.
    pub async fn snapshot(&self) -> Result<L1Snapshot, L1Error> {
        Ok(L1Snapshot { head: self.head().await?, finalized: self.finalized().await? })
    }

    /// Waits until block `number` is finalized (polling, riding out outages) and returns it.
    /// A node whose genesis names an `l1_finalized` block that is not final yet waits here.
    pub async fn wait_for_finalized(&self, number: u64) -> L1BlockInfo {
        loop {
            let finalized = self
                .retry("eth_getBlockByNumber", |p| async move {
                    p.get_block_by_number(BlockNumberOrTag::Finalized).await
                })
                .await;
            if let Some(f) = finalized
                && f.header.number >= number
            {
                let block = self
                    .retry("eth_getBlockByNumber", |p| async move {
                        p.get_block_by_number(BlockNumberOrTag::Number(number)).await
                    })
                    .await;
                if let Some(b) = block {
                    return L1BlockInfo {
                        number,
                        timestamp: U256::from(b.header.timestamp),
                        hash: b.header.hash,
                    };
                }
            }
            tracing::info!(number, "waiting for L1 block to be finalized");
            tokio::time::sleep(self.inner.options.polling_interval).await;
        }
    }

    /// Follows the L1 head and finalized block, polling at the polling interval and
    /// backing off while every provider fails; the task ends when every receiver is gone.
    pub fn follow(&self) -> watch::Receiver<L1Snapshot> {
        let (tx, rx) = watch::channel(L1Snapshot::default());
        let client = self.clone();
        tokio::spawn(async move {
            loop {
                let mut delay = client.inner.options.retry_delay;
                let snapshot = loop {
                    match client.snapshot().await {
                        Ok(s) => break s,
                        Err(e) => {
                            tracing::warn!(error = %e, retry_in = ?delay, "L1 follower");
                            tokio::time::sleep(delay).await;
                            let max = client.inner.options.retry_delay * MAX_BACKOFF_FACTOR;
                            delay = (delay * 2).min(max);
                        }
                    }
                };
                tx.send_if_modified(|s| std::mem::replace(s, snapshot) != snapshot);
                tokio::select! {
                    _ = tx.closed() => return,
                    _ = tokio::time::sleep(client.inner.options.polling_interval) => {}
                }
            }
        });
        rx
    }

    /// What a header credits to fee accounts when its finalized L1 block moves from
    /// `previous` to `finalized`: the deposits in blocks `previous + 1 ..= finalized`
    /// (nothing when it does not move).
    pub async fn fee_credits(
        &self,
        fee_contract: Address,
        previous: u64,
        finalized: u64,
    ) -> Result<std::collections::BTreeMap<Address, U256>, L1Error> {
        if finalized <= previous {
            return Ok(Default::default());
        }
        let deposits = self.deposits(fee_contract, previous + 1, finalized).await?;
        Ok(deposits.credits(previous, finalized))
    }

    /// `FeeContract` `Deposit` events in blocks `from..=to`, read in requests of at most
    /// `events_max_block_range` blocks each.
    pub async fn deposits(
        &self,
        fee_contract: Address,
        from: u64,
        to: u64,
    ) -> Result<Deposits, L1Error> {
        if to < from {
            return Err(L1Error::BadRange {
                what: "deposits",
                reason: format!("block range {from}..={to} ends before it starts"),
            });
        }
        let step = self.inner.options.events_max_block_range;
        let mut deposits = Deposits::default();
        let mut start = from;
        loop {
            let end = start.saturating_add(step - 1).min(to);
            let filter = Filter::new()
                .address(fee_contract)
                .event_signature(FeeContract::Deposit::SIGNATURE_HASH)
                .from_block(start)
                .to_block(end);
            let logs = self
                .call("eth_getLogs", |p| {
                    let filter = filter.clone();
                    async move { p.get_logs(&filter).await }
                })
                .await?;
            deposits.requests += 1;
            for log in logs {
                let block = log.block_number;
                let decoded = log
                    .log_decode::<FeeContract::Deposit>()
                    .map_err(|e| L1Error::BadLog { block, reason: e.to_string() })?;
                let l1_block = block.ok_or(L1Error::BadLog {
                    block,
                    reason: "a pending log (no block number)".into(),
                })?;
                let event = decoded.inner.data;
                deposits.push(Deposit { l1_block, user: event.user, amount: event.amount });
            }
            if end == to {
                return Ok(deposits);
            }
            start = end + 1;
        }
    }
}
