//! Broadcasts, direct messages, discovery, size limits and restarts.

use std::{collections::HashSet, time::Duration};

use doppio_network::{DropReason, HostPort, MessageKind, NetworkError, PeerId, SendError, start};

use crate::common::{
    Node, config, eventually, fully_connected, fully_subscribed, keypair, node, within,
};

/// Five nodes; nodes 1–4 know only node 0. Discovery connects everyone, every ordered
/// pair exchanges a direct message, and broadcasts from two nodes reach all others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_nodes_discover_broadcast_and_message_directly() {
    let keys: Vec<_> = (0..5).map(keypair).collect();
    let members: HashSet<PeerId> = keys.iter().map(|k| k.public().to_peer_id()).collect();
    let mut nodes = vec![node(keys[0].clone(), config(vec![], members.clone())).await];
    let seed = nodes[0].bootstrap();
    for k in &keys[1..] {
        nodes.push(node(k.clone(), config(vec![seed.clone()], members.clone())).await);
    }
    fully_connected(&nodes).await;

    // Direct messages, every ordered pair (both ways), acknowledged at the first try.
    for i in 0..5 {
        for j in 0..5 {
            if i != j {
                let msg = format!("{i}->{j}").into_bytes();
                within("send", nodes[i].handle.send(nodes[j].peer(), msg)).await.unwrap();
            }
        }
    }
    for (j, n) in nodes.iter_mut().enumerate() {
        let mut got = HashSet::new();
        for _ in 0..4 {
            let m = n.recv().await;
            assert_eq!(m.kind, MessageKind::Direct);
            got.insert((m.from, String::from_utf8(m.bytes).unwrap()));
        }
        let want: HashSet<(PeerId, String)> = (0..5)
            .filter(|i| *i != j)
            .map(|i| (keys[i].public().to_peer_id(), format!("{i}->{j}")))
            .collect();
        assert_eq!(got, want, "node {j}");
        assert_eq!(n.handle.metrics().messages_received(MessageKind::Direct), 4);
        assert_eq!(n.handle.metrics().messages_sent(MessageKind::Direct), 4);
    }

    fully_subscribed(&nodes).await;
    for sender in [0, 3] {
        let msg = format!("proposal from {sender}").into_bytes();
        within("broadcast", nodes[sender].handle.broadcast(msg.clone())).await.unwrap();
        let from = nodes[sender].peer();
        for (j, n) in nodes.iter_mut().enumerate() {
            if j != sender {
                let m = n.recv().await;
                assert_eq!((m.from, m.kind, &m.bytes), (from, MessageKind::Broadcast, &msg));
            }
        }
    }
    // Each broadcast arrives once, though gossip may carry it over several paths.
    for n in &mut nodes {
        n.expect_silence(Duration::from_millis(500)).await;
    }
    assert_eq!(nodes[1].handle.metrics().messages_received(MessageKind::Broadcast), 2);
    assert_eq!(nodes[0].handle.metrics().connected_peers(), 4);

    let err = nodes[0].handle.send(nodes[0].peer(), b"x".to_vec()).await.unwrap_err();
    assert_eq!(err, SendError::ToSelf);
    for n in &nodes {
        n.handle.shutdown().await;
    }
    let after = nodes[0].handle.broadcast(b"late".to_vec()).await.unwrap_err();
    assert_eq!(after, SendError::Closed);
    assert!(matches!(nodes[1].handle.connected_peers().await, Err(NetworkError::Closed)));
}

/// The sender refuses what exceeds its limits; a receiver with smaller limits drops
/// (and counts) what a sender with larger ones sends, and the connection survives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_messages_are_refused_and_dropped() {
    let (ka, kb) = (keypair(10), keypair(11));
    let members: HashSet<PeerId> =
        [ka.public().to_peer_id(), kb.public().to_peer_id()].into_iter().collect();
    let a = node(ka, config(vec![], members.clone())).await;
    let mut small = config(vec![a.bootstrap()], members);
    small.max_direct_size = 1000;
    small.max_broadcast_size = 1000;
    let b = node(kb, small).await;
    let mut nodes = [a, b];
    fully_subscribed(&nodes).await;
    let [a, b] = &mut nodes;

    // At the sender: a typed error, nothing sent.
    let err = b.handle.send(a.peer(), vec![0; 1001]).await.unwrap_err();
    assert_eq!(err, SendError::TooLarge { kind: MessageKind::Direct, size: 1001, max: 1000 });
    let err = b.handle.broadcast(vec![0; 1001]).await.unwrap_err();
    assert_eq!(err, SendError::TooLarge { kind: MessageKind::Broadcast, size: 1001, max: 1000 });
    assert_eq!(b.handle.metrics().messages_sent(MessageKind::Direct), 0);

    // At the receiver: dropped before its bytes are read, the sender told it failed.
    let err = within("oversized send", a.handle.send(b.peer(), vec![1; 2000])).await.unwrap_err();
    assert!(matches!(err, SendError::Undeliverable { .. }), "{err:?}");
    assert_eq!(b.handle.metrics().dropped(DropReason::Oversized), 1);
    within("oversized broadcast", a.handle.broadcast(vec![2; 2000])).await.unwrap();
    eventually("the oversized broadcast is counted", || async {
        b.handle.metrics().dropped(DropReason::Oversized) == 2
    })
    .await;
    b.expect_silence(Duration::from_millis(300)).await;

    // Messages at the limit still pass, on the same connections.
    within("send at the limit", a.handle.send(b.peer(), vec![3; 1000])).await.unwrap();
    let m = b.recv().await;
    assert_eq!((m.kind, m.bytes.len()), (MessageKind::Direct, 1000));
    within("broadcast at the limit", a.handle.broadcast(vec![4; 1000])).await.unwrap();
    let m = b.recv().await;
    assert_eq!((m.kind, m.bytes), (MessageKind::Broadcast, vec![4; 1000]));
    assert_eq!(b.handle.metrics().messages_received(MessageKind::Direct), 1);
    assert_eq!(b.handle.metrics().dropped(DropReason::Malformed), 0);
}

/// A node stopped and started again on the same key and port is reconnected and
/// receives direct messages and broadcasts again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_node_reconnects_and_receives() {
    let keys: Vec<_> = (20..23).map(keypair).collect();
    let members: HashSet<PeerId> = keys.iter().map(|k| k.public().to_peer_id()).collect();
    let first = node(keys[0].clone(), config(vec![], members.clone())).await;
    let seed = vec![first.bootstrap()];
    let second = node(keys[1].clone(), config(seed.clone(), members.clone())).await;
    let third = node(keys[2].clone(), config(seed.clone(), members.clone())).await;
    let mut nodes = vec![first, second, third];
    fully_connected(&nodes).await;

    let gone = nodes.pop().expect("three nodes");
    let (peer, port) = (gone.peer(), port_of(&gone));
    gone.handle.shutdown().await;
    for n in &nodes {
        eventually("the stopped node is seen gone", || async {
            !n.connected().await.contains(&peer)
        })
        .await;
    }
    assert!(nodes[0].handle.send(peer, b"while down".to_vec()).await.is_err());

    let mut again = config(seed, members);
    again.bind = HostPort::new([127, 0, 0, 1].into(), port);
    let restarted = restart(keys[2].clone(), again).await;
    assert_eq!(restarted.peer(), peer);
    nodes.push(restarted);
    fully_connected(&nodes).await;
    fully_subscribed(&nodes).await;

    within("send", nodes[0].handle.send(peer, b"welcome back".to_vec())).await.unwrap();
    let m = nodes[2].recv().await;
    assert_eq!(
        (m.from, m.kind, m.bytes),
        (nodes[0].peer(), MessageKind::Direct, b"welcome back".to_vec())
    );
    within("broadcast", nodes[1].handle.broadcast(b"next view".to_vec())).await.unwrap();
    let m = nodes[2].recv().await;
    assert_eq!(
        (m.from, m.kind, m.bytes),
        (nodes[1].peer(), MessageKind::Broadcast, b"next view".to_vec())
    );
    within("reply", nodes[2].handle.send(nodes[1].peer(), b"vote".to_vec())).await.unwrap();
    assert_eq!(nodes[1].recv().await.bytes, b"vote");
}

fn port_of(n: &Node) -> u16 {
    n.address
        .iter()
        .find_map(|p| match p {
            doppio_network::multiaddr::Protocol::Udp(port) => Some(port),
            _ => None,
        })
        .expect("a UDP listen address")
}

/// Starts a node on a port just released, retrying briefly while the OS still holds it.
async fn restart(keypair: doppio_network::Keypair, config: doppio_network::NetworkConfig) -> Node {
    within("restart", async {
        loop {
            match start(keypair.clone(), config.clone()).await {
                Ok((handle, inbound)) => {
                    let address = handle.listen_addresses().await.unwrap().remove(0);
                    return Node { handle, inbound, address };
                }
                Err(NetworkError::Listen { reason, .. }) => {
                    eprintln!("port not free yet: {reason}");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("restart failed: {e}"),
            }
        }
    })
    .await
}
