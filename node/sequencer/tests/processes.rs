//! Four `sequencer` processes join through an orchestrator (run in the test) over real
//! libp2p QUIC on loopback: each registers, gets its index and the peer list, starts when
//! all four have joined, and a transaction submitted to one is decided in the same block
//! at every node. One node is then killed (SIGKILL): the other three keep deciding. The
//! orchestrator is stopped, and the node, restarted on its store, address and key, joins
//! from the peer list it saved (`--network-config`), catches up and serves what was
//! decided while it was down.
//!
//! A second network of four processes has no orchestrator at all: a static network
//! config file, assembled from the nodes' registrations, is all they are given.
#![allow(missing_docs)]

mod common;

use std::num::NonZeroUsize;

use common::{
    net::{free_udp_port, wait_decided},
    spawn_node,
};
use doppio_keys::{
    Scheme,
    keygen::{derive_keys, key_file_path, write_key_files},
};
use doppio_network::orchestrator::{Registration, client::OrchestratorClient, file};
use doppio_types::{NamespaceId, Transaction};
use tokio::process::{Child, Command};

const NODES: usize = 4;
const GENESIS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../genesis/demo.toml");

/// Starts node `i` with `join` (the options that say how it finds the network).
async fn spawn(dir: &std::path::Path, i: usize, port: u16, join: Vec<String>) -> (Child, String) {
    spawn_node(
        Command::new(env!("CARGO_BIN_EXE_sequencer"))
            .arg("--key-file")
            .arg(key_file_path(&dir.join("keys"), i as u64))
            .args([
                "--genesis-file",
                GENESIS,
                "--accel-backend",
                "cpu",
                "--block-interval",
                "100ms",
            ])
            .args(["--libp2p-bind-address", &format!("127.0.0.1:{port}")])
            .args(join)
            .args(["--", "http", "--port", "0", "--", "query", "--", "submit", "--", "storage-fs"])
            .arg("--path")
            .arg(dir.join(format!("node{i}")))
            .env("RUST_LOG", "warn"),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequencers_join_through_the_orchestrator_and_decide() {
    let dir = tempfile::tempdir().unwrap();
    let keys: Vec<_> =
        (0..NODES as u64).map(|i| derive_keys(&[9; 32], i, Scheme::All).unwrap()).collect();
    write_key_files(&dir.path().join("keys"), &keys, false).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let orchestrator = format!("http://{}", listener.local_addr().unwrap());
    let n = NonZeroUsize::new(NODES).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(doppio_network::orchestrator::server::serve(listener, n, async {
        let _ = stopped.await;
    }));
    let files: Vec<String> = (0..NODES)
        .map(|i| dir.path().join(format!("network{i}.json")).to_str().unwrap().to_owned())
        .collect();
    let join = |i: usize| {
        let args = ["--orchestrator-url", &orchestrator, "--network-config", &files[i]];
        args.map(str::to_owned).to_vec()
    };

    // The nodes start at once; each waits in the orchestrator for the others.
    let ports: Vec<u16> = (0..NODES).map(|_| free_udp_port()).collect();
    let spawns = (0..NODES).map(|i| spawn(dir.path(), i, ports[i], join(i)));
    let mut nodes: Vec<(Child, String)> = futures_util::future::join_all(spawns).await;
    let mut urls: Vec<String> = nodes.iter().map(|n| n.1.clone()).collect();

    let client = reqwest::Client::new();
    let tx = Transaction::new(NamespaceId(3), b"through the orchestrator".to_vec());
    let r = client.post(format!("{}/v0/submit/submit", urls[2])).json(&tx).send().await.unwrap();
    assert!(r.status().is_success());
    let (height, _) = wait_decided(&client, &urls, &tx.commit().to_string()).await;
    assert!(height >= 1);

    // The orchestrator numbered the nodes in the order they registered (a race): find
    // each process's index from the QUIC port it registered.
    let peers = OrchestratorClient::new(orchestrator.parse().unwrap())
        .peers()
        .await
        .unwrap()
        .expect("every node registered");
    let index_of = |i: usize| {
        let port = format!("/udp/{}/", ports[i]);
        let node = peers.nodes.iter().find(|n| {
            n.registration.bootstrap_node().unwrap().address().to_string().contains(&port)
        });
        node.expect("registered with its port").index
    };

    // SIGKILL the last process; the other three (3 of 4 stake, more than 2/3) keep deciding.
    let last = NODES - 1;
    nodes[last].0.kill().await.unwrap();
    // Submitted to the member that leads the view after the dead one's: transactions are
    // not gossiped between mempools, and the member leading the view *before* the dead
    // one never gets a block certified while it is down (the votes for its proposals go
    // to the dead leader), so a transaction sent only to that member waits for the restart.
    let dead = index_of(last);
    let next = (0..last).find(|&i| index_of(i) == (dead + 1) % NODES).unwrap();
    let tx = Transaction::new(NamespaceId(3), b"while node 3 is dead".to_vec());
    let r = client.post(format!("{}/v0/submit/submit", urls[next])).json(&tx).send().await.unwrap();
    assert!(r.status().is_success());
    let (height, _) = wait_decided(&client, &urls[..last], &tx.commit().to_string()).await;
    // Every node saved the orchestrator's peer list.
    for file in &files {
        let saved = doppio_network::orchestrator::file::read(file.as_ref()).unwrap();
        assert_eq!(saved, peers, "{file}");
    }
    // Restarted with the orchestrator gone, it joins from its saved peer list, catches up
    // past that block and agrees on it.
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    nodes[last] = spawn(dir.path(), last, ports[last], join(last)).await;
    urls[last] = nodes[last].1.clone();
    let (again, _) = wait_decided(&client, &urls, &tx.commit().to_string()).await;
    assert_eq!(again, height);
    drop(nodes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequencers_start_from_a_static_network_config() {
    let dir = tempfile::tempdir().unwrap();
    let keys: Vec<_> =
        (0..NODES as u64).map(|i| derive_keys(&[11; 32], i, Scheme::All).unwrap()).collect();
    write_key_files(&dir.path().join("keys"), &keys, false).unwrap();
    let ports: Vec<u16> = (0..NODES).map(|_| free_udp_port()).collect();
    // What `network-config registration` prints for each node and `assemble` writes.
    let registrations = keys.iter().zip(&ports).map(|(k, port)| {
        let staking = k.staking.as_ref().unwrap();
        let address = format!("/ip4/127.0.0.1/udp/{port}/quic-v1").parse().unwrap();
        let api = "http://127.0.0.1:1/".parse().unwrap();
        Registration::new(staking, k.state.as_ref().unwrap().ver_key(), address, 1, true, api)
    });
    let list = file::assemble(registrations.collect()).unwrap();
    let config = dir.path().join("network.json");
    file::write(&config, &list).unwrap();
    let join = vec!["--network-config".to_owned(), config.to_str().unwrap().to_owned()];

    let spawns = (0..NODES).map(|i| spawn(dir.path(), i, ports[i], join.clone()));
    let nodes: Vec<(Child, String)> = futures_util::future::join_all(spawns).await;
    let urls: Vec<String> = nodes.iter().map(|n| n.1.clone()).collect();
    let client = reqwest::Client::new();
    let tx = Transaction::new(NamespaceId(4), b"no orchestrator".to_vec());
    let r = client.post(format!("{}/v0/submit/submit", urls[1])).json(&tx).send().await.unwrap();
    assert!(r.status().is_success());
    let (height, _) = wait_decided(&client, &urls, &tx.commit().to_string()).await;
    assert!(height >= 1);
    drop(nodes);
}
