//! A network of nodes in one process over real libp2p QUIC on loopback, and the checks
//! the multi-node tests share.

use std::{net::UdpSocket, path::Path, time::Duration};

use doppio_consensus::Timing;
use doppio_keys::{NodeKeys, StakeTableEntry};
use doppio_network::{BootstrapNode, NetworkConfig, PeerId};
use doppio_sequencer::{
    cli::Launch,
    driver::{DEFAULT_FETCH_RATE_LIMIT, DriverConfig},
    run::{Membership, RunningNode, start_with},
};
use serde_json::Value;

use super::{GENESIS, keys, launch, node_args, write_genesis};

pub const N: usize = 5;

pub fn driver_config() -> DriverConfig {
    DriverConfig {
        timing: Timing {
            view_timeout: Duration::from_millis(1500),
            max_view_timeout: Duration::from_secs(6),
            propose_wait: Duration::from_millis(200),
        },
        fetch_rate_limit: DEFAULT_FETCH_RATE_LIMIT,
        byzantine: None,
        api_peers: None,
    }
}

pub struct Net {
    pub keys: Vec<NodeKeys>,
    pub peers: Vec<PeerId>,
    pub ports: Vec<u16>,
    entries: Vec<StakeTableEntry>,
}

impl Net {
    pub fn new() -> Net {
        Net::with_keys(100)
    }

    /// A network whose member `i` has the keys of seed `first + i`: tests running at once
    /// in one process use different keys, so their nodes never take each other for peers.
    pub fn with_keys(first: u8) -> Net {
        if std::env::var_os("RUST_LOG").is_some() {
            doppio_sequencer::run::init_logging();
        }
        let keys: Vec<NodeKeys> = (0..N).map(|i| keys(first + i as u8)).collect();
        let peers = keys.iter().map(|k| doppio_keys::peer::peer_id(&k.staking)).collect();
        let ports = (0..N).map(|_| free_udp_port()).collect();
        let entries =
            keys.iter().map(|k| StakeTableEntry::new(&k.staking, 1, k.state.ver_key())).collect();
        Net { keys, peers, ports, entries }
    }

    pub fn membership(&self, i: usize) -> Membership {
        let bootstrap = (0..N)
            .filter(|&j| j != i)
            .map(|j| {
                let addr =
                    format!("/ip4/127.0.0.1/udp/{}/quic-v1/p2p/{}", self.ports[j], self.peers[j]);
                BootstrapNode::parse(&addr, "test").unwrap()
            })
            .collect();
        let mut network = NetworkConfig::loopback(bootstrap, Default::default());
        network.bind = doppio_network::HostPort::new([127, 0, 0, 1].into(), self.ports[i]);
        Membership {
            entries: self.entries.clone(),
            da: vec![true; N],
            peers: self.peers.clone(),
            index: i,
            network,
        }
    }

    pub async fn start(&self, dir: &Path, i: usize) -> (RunningNode, String) {
        self.start_with_driver(dir, i, driver_config()).await
    }

    pub async fn start_with_driver(
        &self,
        dir: &Path,
        i: usize,
        driver: DriverConfig,
    ) -> (RunningNode, String) {
        let genesis = write_genesis(dir, GENESIS);
        let launch = launch(&dir.join(format!("node{i}")), node_args(&genesis));
        self.start_launch(&launch, i, driver).await
    }

    /// Starts member `i` as `launch` describes (its own genesis file and options).
    pub async fn start_launch(
        &self,
        launch: &Launch,
        i: usize,
        driver: DriverConfig,
    ) -> (RunningNode, String) {
        let running =
            start_with(launch, self.keys[i].clone(), vec![], Some(self.membership(i)), driver)
                .await
                .unwrap();
        let url = format!("http://127.0.0.1:{}", running.api.unwrap().port());
        (running, url)
    }
}

/// A UDP port free a moment ago, taken below the kernel's ephemeral range (32768 and up
/// on Linux). A port the kernel picked for `:0` can be picked again for the next socket
/// that asks, so between this check and the node's bind another test's client socket
/// could take it; ports outside that range are only taken by explicit binds like this.
pub fn free_udp_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    // Spread the processes apart (pid), then walk: one process never repeats a port.
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let base = 20_000 + (std::process::id() % 400) as u16 * 30;
    loop {
        let port = 20_000 + (base - 20_000 + NEXT.fetch_add(1, Ordering::Relaxed)) % 12_000;
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

pub async fn get(client: &reqwest::Client, url: &str) -> Option<Value> {
    let r = client.get(url).send().await.ok()?;
    if !r.status().is_success() {
        return None;
    }
    r.json().await.ok()
}

pub async fn height(client: &reqwest::Client, url: &str) -> u64 {
    get(client, &format!("{url}/v0/node/block-height")).await.and_then(|v| v.as_u64()).unwrap_or(0)
}

/// Waits (up to `secs`) until `url`'s block height reaches `h`.
pub async fn wait_height(client: &reqwest::Client, url: &str, h: u64, secs: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while height(client, url).await < h {
        assert!(tokio::time::Instant::now() < deadline, "{url} did not reach height {h}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until transaction `hash` is found at every URL; returns its (height, block hash).
pub async fn wait_decided(client: &reqwest::Client, urls: &[String], hash: &str) -> (u64, String) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    let mut found = Vec::new();
    for url in urls {
        loop {
            let v = get(client, &format!("{url}/v0/availability/transaction/hash/{hash}")).await;
            if let Some(v) = v {
                found.push((v["height"].as_u64().unwrap(), v["block_hash"].to_string()));
                break;
            }
            if tokio::time::Instant::now() >= deadline {
                let mut heights = Vec::new();
                for u in urls {
                    heights.push(height(client, u).await);
                }
                panic!("{hash} not decided at {url}; found at {found:?}; heights {heights:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    assert!(found.windows(2).all(|w| w[0] == w[1]), "nodes disagree on {hash}: {found:?}");
    found[0].clone()
}

pub async fn wait_all(client: &reqwest::Client, urls: &[String], h: u64) {
    for url in urls {
        wait_height(client, url, h, 60).await;
    }
}

/// The JSON at `path` from every node, checked equal.
pub async fn same_everywhere(client: &reqwest::Client, urls: &[String], path: &str) -> Value {
    let mut values = Vec::new();
    for url in urls {
        let v = get(client, &format!("{url}{path}")).await;
        values.push(v.unwrap_or_else(|| panic!("{url}{path} not found")));
    }
    assert!(values.windows(2).all(|w| w[0] == w[1]), "nodes differ at {path}");
    values.swap_remove(0)
}

/// Checks that the headers of heights `0..until` are the same at every URL.
pub async fn same_chain(client: &reqwest::Client, urls: &[String], until: u64) {
    for h in 0..until {
        same_everywhere(client, urls, &format!("/v0/availability/header/{h}")).await;
    }
}
