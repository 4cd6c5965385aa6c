//! Five nodes over real libp2p on loopback, split 3 | 2 by their member sets (each side
//! drops the other's connections and messages): neither side holds more than 2/3 of the
//! stake, so neither decides anything while split; after healing, all decide again and
//! hold the same chain.
#![allow(missing_docs)]

mod common;

use std::{collections::HashSet, time::Duration};

use common::net::{N, Net, height, same_chain, wait_all, wait_decided};
use doppio_types::{NamespaceId, Transaction};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_split_network_decides_nothing_and_agrees_after_healing() {
    let dir = tempfile::tempdir().unwrap();
    let net = Net::new();
    let mut nodes = Vec::new();
    for i in 0..N {
        nodes.push(net.start(dir.path(), i).await);
    }
    let urls: Vec<String> = nodes.iter().map(|n| n.1.clone()).collect();
    let client = reqwest::Client::new();
    wait_all(&client, &urls, 3).await;

    // Split {0, 1, 2} | {3, 4}.
    let sides: [Vec<usize>; 2] = [vec![0, 1, 2], vec![3, 4]];
    for side in &sides {
        let members: HashSet<_> = side.iter().map(|&i| net.peers[i]).collect();
        for &i in side {
            nodes[i].0.network.as_ref().unwrap().set_members(members.clone()).await.unwrap();
        }
    }
    // Let what was in flight settle, then nothing more may be decided anywhere.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut split_heights = Vec::new();
    for url in &urls {
        split_heights.push(height(&client, url).await);
    }
    let tx = Transaction::new(NamespaceId(7), b"submitted while split".to_vec());
    // To a node of the minority side: it is decided once the network heals.
    let r = client.post(format!("{}/v0/submit/submit", urls[3])).json(&tx).send().await.unwrap();
    assert!(r.status().is_success());
    tokio::time::sleep(Duration::from_secs(5)).await;
    for (url, before) in urls.iter().zip(&split_heights) {
        assert_eq!(height(&client, url).await, *before, "{url} decided while split");
    }

    // Heal: every side decides again, the transaction once, and the chains agree.
    let all: HashSet<_> = net.peers.iter().copied().collect();
    for (running, _) in &nodes {
        running.network.as_ref().unwrap().set_members(all.clone()).await.unwrap();
    }
    wait_decided(&client, &urls, &tx.commit().to_string()).await;
    let top = split_heights.iter().max().unwrap() + 3;
    wait_all(&client, &urls, top).await;
    same_chain(&client, &urls, top).await;

    for (running, _) in nodes {
        running.stop().await;
    }
}
