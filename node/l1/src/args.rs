//! `L1Args`: the L1 client's flags, with Espresso's names and environment variables.

use std::time::Duration;

use alloy::transports::http::reqwest::Url;

use crate::client::{L1Client, L1Error, L1Options};

/// Default `--l1-events-max-block-range`: blocks per `eth_getLogs` request.
pub const DEFAULT_EVENTS_MAX_BLOCK_RANGE: u64 = 10_000;
/// Default `--l1-polling-interval`.
pub const DEFAULT_POLLING_INTERVAL: &str = "7s";
/// Default `--l1-retry-delay`: the first back-off after a failure (it doubles up to 32×).
pub const DEFAULT_RETRY_DELAY: &str = "1s";
/// Default `--l1-request-timeout`.
pub const DEFAULT_REQUEST_TIMEOUT: &str = "10s";

/// How to reach the L1 and how often to poll it.
#[derive(Clone, Debug, clap::Args)]
pub struct L1Args {
    /// L1 JSON-RPC URLs, comma-separated: the first is used until it fails, then the
    /// next. None: the dev node starts anvil on loopback.
    #[arg(long = "l1-provider-url", env = "ESPRESSO_SEQUENCER_L1_PROVIDER", value_delimiter = ',')]
    pub l1_provider_url: Vec<Url>,

    /// Most blocks one `eth_getLogs` request covers when reading events.
    #[arg(long, env = "ESPRESSO_SEQUENCER_L1_EVENTS_MAX_BLOCK_RANGE", default_value_t = DEFAULT_EVENTS_MAX_BLOCK_RANGE)]
    pub l1_events_max_block_range: u64,

    /// How often to poll the L1 for its head and finalized block.
    #[arg(long, env = "ESPRESSO_SEQUENCER_L1_POLLING_INTERVAL", default_value = DEFAULT_POLLING_INTERVAL, value_parser = humantime::parse_duration)]
    pub l1_polling_interval: Duration,

    /// First delay after a failed L1 request; it doubles on each failure, up to 32×.
    #[arg(long, env = "ESPRESSO_SEQUENCER_L1_RETRY_DELAY", default_value = DEFAULT_RETRY_DELAY, value_parser = humantime::parse_duration)]
    pub l1_retry_delay: Duration,

    /// How long one L1 request may take before the next URL is tried.
    #[arg(long, env = "ESPRESSO_SEQUENCER_L1_REQUEST_TIMEOUT", default_value = DEFAULT_REQUEST_TIMEOUT, value_parser = humantime::parse_duration)]
    pub l1_request_timeout: Duration,
}

impl Default for L1Args {
    /// No L1: no provider URL, the default timings.
    fn default() -> Self {
        let parse = |s: &str| humantime::parse_duration(s).expect("a valid default duration");
        L1Args {
            l1_provider_url: Vec::new(),
            l1_events_max_block_range: DEFAULT_EVENTS_MAX_BLOCK_RANGE,
            l1_polling_interval: parse(DEFAULT_POLLING_INTERVAL),
            l1_retry_delay: parse(DEFAULT_RETRY_DELAY),
            l1_request_timeout: parse(DEFAULT_REQUEST_TIMEOUT),
        }
    }
}

impl L1Args {
    /// The client options these flags describe.
    pub fn options(&self) -> L1Options {
        L1Options {
            events_max_block_range: self.l1_events_max_block_range,
            polling_interval: self.l1_polling_interval,
            retry_delay: self.l1_retry_delay,
            request_timeout: self.l1_request_timeout,
        }
    }

    /// A client of the given URLs, or `None` when no URL is given (no L1).
    pub fn client(&self) -> Result<Option<L1Client>, L1Error> {
        if self.l1_provider_url.is_empty() {
            return Ok(None);
        }
        L1Client::new(&self.l1_provider_url, self.options()).map(Some)
    }
}
