//! Five nodes in one process over real libp2p QUIC on loopback, each with its own SQLite
//! store and API: transactions submitted to different nodes are decided once and read
//! back identically (blocks and namespace proofs) from every node; a stopped node is
//! caught up and votes again after its restart; a stopped leader is passed by timeout
//! certificates.
#![allow(missing_docs)]

mod common;

use std::{net::UdpSocket, path::Path, time::Duration};

use common::{GENESIS, keys, launch, node_args, write_genesis};
use doppio_consensus::Timing;
use doppio_keys::{NodeKeys, StakeTableEntry};
use doppio_network::{BootstrapNode, NetworkConfig, PeerId};
use doppio_sequencer::{
    driver::{DEFAULT_FETCH_RATE_LIMIT, DriverConfig},
    run::{Membership, RunningNode, start_with},
};
use doppio_storage::LeafId;
use doppio_types::{NamespaceId, Transaction};
use serde_json::Value;

const N: usize = 5;

fn driver_config() -> DriverConfig {
    DriverConfig {
        timing: Timing {
            view_timeout: Duration::from_millis(1500),
            max_view_timeout: Duration::from_secs(6),
            propose_wait: Duration::from_millis(200),
        },
        fetch_rate_limit: DEFAULT_FETCH_RATE_LIMIT,
    }
}

struct Net {
    keys: Vec<NodeKeys>,
    peers: Vec<PeerId>,
    ports: Vec<u16>,
    entries: Vec<StakeTableEntry>,
}

impl Net {
    fn new() -> Net {
        let keys: Vec<NodeKeys> = (0..N).map(|i| keys(100 + i as u8)).collect();
        let peers = keys.iter().map(|k| doppio_keys::peer::peer_id(&k.staking)).collect();
        let ports = (0..N).map(|_| free_udp_port()).collect();
        let entries =
            keys.iter().map(|k| StakeTableEntry::new(&k.staking, 1, k.state.ver_key())).collect();
        Net { keys, peers, ports, entries }
    }

    fn membership(&self, i: usize) -> Membership {
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

    async fn start(&self, dir: &Path, i: usize) -> (RunningNode, String) {
        let genesis = write_genesis(dir, GENESIS);
        let launch = launch(&dir.join(format!("node{i}")), node_args(&genesis));
        let running = start_with(
            &launch,
            self.keys[i].clone(),
            vec![],
            Some(self.membership(i)),
            driver_config(),
        )
        .await
        .unwrap();
        let url = format!("http://127.0.0.1:{}", running.api.unwrap().port());
        (running, url)
    }
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn get(client: &reqwest::Client, url: &str) -> Option<Value> {
    let r = client.get(url).send().await.ok()?;
    if !r.status().is_success() {
        return None;
    }
    r.json().await.ok()
}

async fn height(client: &reqwest::Client, url: &str) -> u64 {
    get(client, &format!("{url}/v0/node/block-height")).await.and_then(|v| v.as_u64()).unwrap_or(0)
}

/// Waits (up to `secs`) until `url`'s block height reaches `h`.
async fn wait_height(client: &reqwest::Client, url: &str, h: u64, secs: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while height(client, url).await < h {
        assert!(tokio::time::Instant::now() < deadline, "{url} did not reach height {h}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until transaction `hash` is found at every URL; returns its (height, block hash).
async fn wait_decided(client: &reqwest::Client, urls: &[String], hash: &str) -> (u64, String) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut found = Vec::new();
    for url in urls {
        loop {
            let v = get(client, &format!("{url}/v0/availability/transaction/hash/{hash}")).await;
            if let Some(v) = v {
                found.push((v["height"].as_u64().unwrap(), v["block_hash"].to_string()));
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "{hash} not decided at {url}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    assert!(found.windows(2).all(|w| w[0] == w[1]), "nodes disagree on {hash}: {found:?}");
    found[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_nodes_decide_catch_up_and_pass_a_dead_leader() {
    let dir = tempfile::tempdir().unwrap();
    let net = Net::new();
    let mut nodes = Vec::new();
    for i in 0..N {
        nodes.push(Some(net.start(dir.path(), i).await));
    }
    let mut urls: Vec<String> = nodes.iter().map(|n| n.as_ref().unwrap().1.clone()).collect();
    let client = reqwest::Client::new();

    // Transactions to every node, in three namespaces.
    let mut hashes = Vec::new();
    for i in 0..10u32 {
        let tx = Transaction::new(NamespaceId(7 + i % 3), format!("tx-{i}").into_bytes());
        let url = &urls[i as usize % N];
        let r = client.post(format!("{url}/v0/submit/submit")).json(&tx).send().await.unwrap();
        assert!(r.status().is_success(), "submit to {url}: {}", r.status());
        hashes.push(tx.commit().to_string());
    }
    let mut heights = Vec::new();
    for h in &hashes {
        heights.push(wait_decided(&client, &urls, h).await.0);
    }
    // Each transaction once: every block's transactions are distinct, and the blocks and
    // namespace proofs are identical on every node.
    let top = *heights.iter().max().unwrap();
    wait_all(&client, &urls, top + 1).await;
    let mut total = 0;
    for h in 0..=top {
        let block = same_everywhere(&client, &urls, &format!("/v0/availability/block/{h}")).await;
        assert!(block.is_object());
        for ns in 7..10 {
            let path = format!("/v0/availability/block/{h}/namespace/{ns}");
            let proof = same_everywhere(&client, &urls, &path).await;
            total += proof["transactions"].as_array().map_or(0, Vec::len);
        }
    }
    assert_eq!(total, hashes.len(), "every transaction decided exactly once");

    // Stop node 4: the others keep deciding.
    let (running, _) = nodes[4].take().unwrap();
    running.stop().await;
    let live: Vec<String> = urls[..4].to_vec();
    let before = height(&client, &urls[0]).await;
    wait_all(&client, &live, before + 5).await;
    let tx = Transaction::new(NamespaceId(7), b"while 4 is down".to_vec());
    client.post(format!("{}/v0/submit/submit", urls[1])).json(&tx).send().await.unwrap();
    wait_decided(&client, &live, &tx.commit().to_string()).await;

    // Restart it on its store: it catches up and votes again.
    let (running, url4) = net.start(dir.path(), 4).await;
    let target = height(&client, &urls[0]).await;
    wait_height(&client, &url4, target, 60).await;
    let storage = running.node.storage().clone();
    urls[4] = url4.clone();
    nodes[4] = Some((running, url4));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let h = storage.block_height().await.unwrap() - 1;
        let leaf = storage.leaf(LeafId::Height(h)).await.unwrap();
        if h > target && leaf.qc.signers.get(4) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "node 4 never voted again");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Stop the leader of the coming views: timeout certificates move the others on.
    let view = nodes[0].as_ref().unwrap().0.node.metrics().current_view.get() as u64;
    let leader = ((view + 1) % N as u64) as usize;
    let (running, _) = nodes[leader].take().unwrap();
    running.stop().await;
    let live: Vec<String> = (0..N).filter(|&i| i != leader).map(|i| urls[i].clone()).collect();
    let before = height(&client, &live[0]).await;
    wait_all(&client, &live, before + 2 * N as u64).await;
    let tx = Transaction::new(NamespaceId(8), b"after the leader died".to_vec());
    client.post(format!("{}/v0/submit/submit", live[0])).json(&tx).send().await.unwrap();
    wait_decided(&client, &live, &tx.commit().to_string()).await;

    for (running, _) in nodes.into_iter().flatten() {
        running.stop().await;
    }
}

async fn wait_all(client: &reqwest::Client, urls: &[String], h: u64) {
    for url in urls {
        wait_height(client, url, h, 60).await;
    }
}

/// The JSON at `path` from every node, checked equal.
async fn same_everywhere(client: &reqwest::Client, urls: &[String], path: &str) -> Value {
    let mut values = Vec::new();
    for url in urls {
        let v = get(client, &format!("{url}{path}")).await;
        values.push(v.unwrap_or_else(|| panic!("{url}{path} not found")));
    }
    assert!(values.windows(2).all(|w| w[0] == w[1]), "nodes differ at {path}");
    values.swap_remove(0)
}
