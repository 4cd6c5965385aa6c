//! Five nodes in one process over real libp2p QUIC on loopback, each with its own SQLite
//! store and API: transactions submitted to different nodes are decided once and read
//! back identically (blocks and namespace proofs) from every node; a stopped node is
//! caught up and votes again after its restart; a stopped leader is passed by timeout
//! certificates. A node restarted with `--state-peers` and a fetch budget of one request a
//! second (which the HTTP request takes whole) catches up from the peers' HTTP APIs.
#![allow(missing_docs)]

mod common;

use std::time::Duration;

use common::net::{
    N, Net, driver_config, height, same_everywhere, wait_all, wait_decided, wait_height,
};
use doppio_sequencer::api_peers::ApiPeers;
use doppio_storage::LeafId;
use doppio_types::{NamespaceId, Transaction};

/// Held by each test for its whole run: the two tests start five nodes each, too much
/// load side by side on a 2-core machine.
static ONE_NETWORK_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_nodes_decide_catch_up_and_pass_a_dead_leader() {
    let _serial = ONE_NETWORK_AT_A_TIME.lock().await;
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
    // And one transaction to all five: whichever leader takes it first, the next ones
    // build on that block undecided and must leave it out.
    let everywhere = Transaction::new(NamespaceId(10), b"sent to every member".to_vec());
    for url in &urls {
        let r = client.post(format!("{url}/v0/submit/submit")).json(&everywhere).send().await;
        assert!(r.unwrap().status().is_success(), "submit to {url}");
    }
    let mut heights = Vec::new();
    for h in hashes.iter().chain([&everywhere.commit().to_string()]) {
        heights.push(wait_decided(&client, &urls, h).await.0);
    }
    // Each transaction once: every block's transactions are distinct, and the blocks and
    // namespace proofs are identical on every node. A second copy would come within the
    // few blocks built while the first was undecided, so a few more are read.
    let top = *heights.iter().max().unwrap() + 4;
    wait_all(&client, &urls, top + 1).await;
    let mut total = 0;
    for h in 0..=top {
        let block = same_everywhere(&client, &urls, &format!("/v0/availability/block/{h}")).await;
        assert!(block.is_object());
        for ns in 7..11 {
            let path = format!("/v0/availability/block/{h}/namespace/{ns}");
            let proof = same_everywhere(&client, &urls, &path).await;
            total += proof["transactions"].as_array().map_or(0, Vec::len);
        }
    }
    assert_eq!(total, hashes.len() + 1, "every transaction decided exactly once");

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
    // Sent to the member after the dead leader: the one before it never gets a block
    // certified (its proposals' votes go to the dead leader), and mempools are per node,
    // so a transaction sent only there waits for the restart (node/sequencer/README.md).
    let to = &urls[(leader + 1) % N];
    let tx = Transaction::new(NamespaceId(8), b"after the leader died".to_vec());
    client.post(format!("{to}/v0/submit/submit")).json(&tx).send().await.unwrap();
    wait_decided(&client, &live, &tx.commit().to_string()).await;

    for (running, _) in nodes.into_iter().flatten() {
        running.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restarted_node_catches_up_from_state_peers() {
    let _serial = ONE_NETWORK_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let net = Net::with_keys(200);
    let mut nodes = Vec::new();
    for i in 0..N {
        nodes.push(net.start(dir.path(), i).await);
    }
    let urls: Vec<String> = nodes.iter().map(|n| n.1.clone()).collect();
    let client = reqwest::Client::new();
    wait_all(&client, &urls, 2).await;

    let (running, _) = nodes.pop().unwrap();
    running.stop().await;
    let live = &urls[..N - 1];
    let tx = Transaction::new(NamespaceId(9), b"decided while 4 is down".to_vec());
    client.post(format!("{}/v0/submit/submit", urls[1])).json(&tx).send().await.unwrap();
    let (at, _) = wait_decided(&client, live, &tx.commit().to_string()).await;
    let target = height(&client, &urls[0]).await.max(at + 1) + 3;
    wait_all(&client, live, target).await;

    // One fetch a second, taken by the HTTP request: the missed leaves come from the
    // peers' APIs (the first of which is down), their payloads with them.
    let mut driver = driver_config();
    driver.fetch_rate_limit = 1;
    let peers = ["http://127.0.0.1:1/", &urls[0], &urls[2]];
    driver.api_peers = ApiPeers::new(peers.iter().map(|u| u.parse().unwrap()).collect());
    let (running, url4) = net.start_with_driver(dir.path(), N - 1, driver).await;
    wait_height(&client, &url4, target, 90).await;
    let all: Vec<String> = live.iter().cloned().chain([url4]).collect();
    assert_eq!(wait_decided(&client, &all, &tx.commit().to_string()).await.0, at);
    let stored = running.node.storage().payload(doppio_storage::BlockId::Height(at)).await;
    assert!(stored.is_ok(), "block {at}'s payload was not fetched");
    running.stop().await;
    for (running, _) in nodes {
        running.stop().await;
    }
}
