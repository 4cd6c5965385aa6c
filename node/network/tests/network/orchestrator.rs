//! The orchestrator over HTTP: registration, idempotence, conflicts, not-ready then
//! ready, malformed input, and nodes that join through it and then talk over libp2p.

use std::{collections::HashSet, num::NonZeroUsize, time::Duration};

use doppio_keys::{BlsSecretKey, SchnorrSigningKey};
use doppio_network::{
    HostPort, MessageKind, Multiaddr,
    orchestrator::{
        PEERS_ROUTE, REGISTER_ROUTE, Registration,
        client::{Backoff, OrchestratorClient, OrchestratorError},
        server::serve,
    },
};
use reqwest::{StatusCode, Url};
use serde_json::Value;

use crate::common::{config, fully_subscribed, keypair, node, within};

/// Starts an orchestrator for `n` nodes on a free port; returns its URL.
async fn orchestrator(n: usize) -> Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap()).parse().unwrap();
    let n = NonZeroUsize::new(n).unwrap();
    tokio::spawn(serve(listener, n, std::future::pending()));
    url
}

fn registration(seed: u8, address: Multiaddr) -> Registration {
    let staking = BlsSecretKey::from_ikm(&[seed; 32]);
    let state = SchnorrSigningKey::from_seed(&[seed; 32]).unwrap().ver_key();
    let api = format!("http://127.0.0.1:{}", 24000 + u16::from(seed)).parse().unwrap();
    Registration::new(&staking, state, address, 1000, seed.is_multiple_of(2), api)
}

fn address(port: u16) -> Multiaddr {
    format!("/ip4/127.0.0.1/udp/{port}/quic-v1").parse().unwrap()
}

/// POSTs `body` to the registration route; returns status and JSON body.
async fn post_raw(base: &Url, body: impl Into<reqwest::Body>) -> (StatusCode, Value) {
    let url = base.join(REGISTER_ROUTE).unwrap();
    let r = reqwest::Client::new().post(url).body(body).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.expect("error bodies are JSON"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_indices_idempotence_and_readiness() {
    let base = orchestrator(3).await;
    let client = OrchestratorClient::new(base.clone());
    let regs: Vec<Registration> =
        (0..4).map(|i| registration(i, address(5000 + u16::from(i)))).collect();

    assert_eq!(client.peers().await.unwrap(), None);
    let raw = reqwest::get(base.join(PEERS_ROUTE).unwrap()).await.unwrap();
    assert_eq!(raw.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(raw.headers()["retry-after"], "1");
    let body: Value = raw.json().await.unwrap();
    assert_eq!((body["status"].as_u64(), body["registered"].as_u64()), (Some(503), Some(0)));

    assert_eq!(client.register(&regs[0]).await.unwrap().index, 0);
    assert_eq!(client.register(&regs[1]).await.unwrap().index, 1);
    // The same registration again: the same index, no new node.
    let again = client.register(&regs[0]).await.unwrap();
    assert_eq!((again.index, again.registered, again.num_nodes), (0, 2, 3));
    assert_eq!(client.peers().await.unwrap(), None);
    let status = client.status().await.unwrap();
    assert_eq!((status.registered, status.ready), (2, false));

    // A registered staking key with other fields, or another node's peer id: conflicts.
    let mut moved = regs[1].clone();
    moved.libp2p_address = address(6000);
    let err = client.register(&moved).await.unwrap_err();
    assert!(
        matches!(err, OrchestratorError::Refused { status: StatusCode::CONFLICT, .. }),
        "{err}"
    );
    let mut stolen = regs[2].clone();
    stolen.peer_id = regs[0].peer_id;
    let err = client.register(&stolen).await.unwrap_err();
    assert!(err.to_string().contains("peer_id"), "{err}");

    assert_eq!(client.register(&regs[2]).await.unwrap().index, 2);
    let list = client.peers().await.unwrap().expect("all registered");
    let got: Vec<&Registration> = list.nodes.iter().map(|n| &n.registration).collect();
    assert_eq!(got, regs[..3].iter().collect::<Vec<_>>());
    assert_eq!(list.nodes.iter().map(|n| n.index).collect::<Vec<_>>(), [0, 1, 2]);
    assert!(client.status().await.unwrap().ready);
    // Full: a fourth node is refused; a known one still gets its index.
    let err = client.register(&regs[3]).await.unwrap_err();
    assert!(
        matches!(err, OrchestratorError::Refused { status: StatusCode::CONFLICT, .. }),
        "{err}"
    );
    assert_eq!(client.register(&regs[2]).await.unwrap().index, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_input_gets_json_4xx() {
    let base = orchestrator(2).await;
    let good = registration(7, address(7000)).to_json();

    let (status, body) = post_raw(&base, "not json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["status"], 400);
    assert!(body["message"].as_str().unwrap().contains("not JSON"), "{body}");

    let cases: [(&str, Value, &str); 4] = [
        ("stake", Value::from("lots"), "stake"),
        ("peer_id", Value::from("12D3"), "peer_id"),
        ("libp2p_address", Value::from("/ip4/127.0.0.1/tcp/1"), "QUIC"),
        (
            "proof_of_possession",
            registration(8, address(1)).to_json()["proof_of_possession"].clone(),
            "does not verify",
        ),
    ];
    for (field, value, expect) in cases {
        let mut v = good.clone();
        v[field] = value;
        let (status, body) = post_raw(&base, v.to_string()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(expect) && message.contains(field), "{field}: {message}");
    }
    let (status, body) = post_raw(&base, "[]").await;
    assert_eq!((status, body["status"].as_u64()), (StatusCode::BAD_REQUEST, Some(400)));
    let (status, _) = post_raw(&base, vec![b' '; 100 << 10]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let r = reqwest::get(base.join("/v0/orchestrator/nope").unwrap()).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], 404);
    // Nothing above registered anything.
    let client = OrchestratorClient::new(base);
    assert_eq!(client.status().await.unwrap().registered, 0);
}

/// Three nodes join through the orchestrator (the first waits, with backoff, for the
/// others), then start their networks with the peer list as bootstrap list and member
/// set, as a sequencer does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_join_through_the_orchestrator_and_talk() {
    let base = orchestrator(3).await;
    let backoff = Backoff {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(400),
        timeout: Duration::from_secs(30),
    };
    let ports: Vec<u16> = (0..3).map(|_| free_udp_port()).collect();
    let mut joins = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let reg = registration(40 + i as u8, address(*port));
        assert_eq!(reg.peer_id, keypair(40 + i as u8).public().to_peer_id());
        let client = OrchestratorClient::new(base.clone());
        joins.push(tokio::spawn(async move { client.join(&reg, backoff).await }));
        if i == 0 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            assert!(!joins[0].is_finished(), "the peer list was served before all joined");
        }
    }
    let mut lists = Vec::new();
    let mut indices = HashSet::new();
    for (i, join) in joins.into_iter().enumerate() {
        let (registered, list) = within("join", join).await.unwrap().unwrap();
        // Nodes 1 and 2 register concurrently: either may come first.
        let entry = &list.nodes[registered.index].registration;
        assert_eq!(entry.peer_id, keypair(40 + i as u8).public().to_peer_id());
        assert_eq!(registered.num_nodes, 3);
        indices.insert(registered.index);
        lists.push(list);
    }
    assert_eq!(indices, HashSet::from([0, 1, 2]));
    assert_eq!(lists[0].nodes[0].registration.peer_id, keypair(40).public().to_peer_id());
    assert!(lists.windows(2).all(|w| w[0] == w[1]), "every node sees the same list");
    let list = &lists[0];
    let mut nodes = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        // Its own entry in the bootstrap list is harmless.
        let mut c = config(list.bootstrap_nodes().unwrap(), list.members());
        c.bind = HostPort::new([127, 0, 0, 1].into(), *port);
        nodes.push(node(keypair(40 + i as u8), c).await);
    }
    fully_subscribed(&nodes).await;
    within("broadcast", nodes[2].handle.broadcast(b"hello".to_vec())).await.unwrap();
    for n in &mut nodes[..2] {
        let m = n.recv().await;
        assert_eq!((m.kind, m.bytes), (MessageKind::Broadcast, b"hello".to_vec()));
    }
    within("send", nodes[0].handle.send(nodes[1].peer(), b"vote".to_vec())).await.unwrap();
    assert_eq!(nodes[1].recv().await.bytes, b"vote");
}

/// A UDP port free a moment ago (the OS does not hand it out again at once).
fn free_udp_port() -> u16 {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.local_addr().unwrap().port()
}
