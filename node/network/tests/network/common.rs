//! Nodes on loopback with keys derived from staking keys, and deadlines.

use std::{collections::HashSet, future::Future, time::Duration};

use doppio_keys::{BlsSecretKey, peer::libp2p_keypair};
use doppio_network::{
    BootstrapNode, InboundMessage, Keypair, Multiaddr, NetworkConfig, NetworkHandle, PeerId, start,
};
use tokio::sync::mpsc;

/// Deadline of every wait in these tests.
pub(crate) const DEADLINE: Duration = Duration::from_secs(30);

/// `fut`, or a failure naming `what` after [`DEADLINE`].
pub(crate) async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(DEADLINE, fut).await {
        Ok(v) => v,
        Err(_) => panic!("timed out after {DEADLINE:?}: {what}"),
    }
}

/// Polls `check` every 50 ms until it holds, failing after [`DEADLINE`].
pub(crate) async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    within(what, async {
        while !check().await {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
}

/// The libp2p key of test node `i`, derived as a node derives it from its staking key.
pub(crate) fn keypair(i: u8) -> Keypair {
    libp2p_keypair(&BlsSecretKey::from_ikm(&[i; 32]))
}

/// A running node.
pub(crate) struct Node {
    pub(crate) handle: NetworkHandle,
    pub(crate) inbound: mpsc::Receiver<InboundMessage>,
    /// Its listen address.
    pub(crate) address: Multiaddr,
}

impl Node {
    pub(crate) fn peer(&self) -> PeerId {
        self.handle.local_peer_id()
    }

    /// This node as a bootstrap entry.
    pub(crate) fn bootstrap(&self) -> BootstrapNode {
        let addr = format!("{}/p2p/{}", self.address, self.peer());
        addr.parse().expect("a listen address is a QUIC multiaddress")
    }

    /// The next inbound message.
    pub(crate) async fn recv(&mut self) -> InboundMessage {
        within("an inbound message", self.inbound.recv()).await.expect("network running")
    }

    /// Fails if a message arrives within `wait`.
    pub(crate) async fn expect_silence(&mut self, wait: Duration) {
        if let Ok(Some(m)) = tokio::time::timeout(wait, self.inbound.recv()).await {
            panic!("unexpected message from {}: {:?}", m.from, m.bytes);
        }
    }

    pub(crate) async fn connected(&self) -> HashSet<PeerId> {
        self.handle.connected_peers().await.expect("network running").into_iter().collect()
    }

    pub(crate) async fn broadcast_peers(&self) -> HashSet<PeerId> {
        self.handle.broadcast_peers().await.expect("network running").into_iter().collect()
    }
}

/// A configuration on 127.0.0.1 (port 0 unless `config.bind` is changed) with fast
/// maintenance.
pub(crate) fn config(bootstrap: Vec<BootstrapNode>, members: HashSet<PeerId>) -> NetworkConfig {
    let mut config = NetworkConfig::loopback(bootstrap, members);
    config.maintenance_interval = Duration::from_millis(250);
    config.send_timeout = Duration::from_secs(10);
    config
}

/// Starts a node.
pub(crate) async fn node(keypair: Keypair, config: NetworkConfig) -> Node {
    let (handle, inbound) = within("start", start(keypair, config)).await.expect("node starts");
    let addresses = handle.listen_addresses().await.expect("running");
    let address = addresses.into_iter().next().expect("listening");
    Node { handle, inbound, address }
}

/// Waits until every node is connected to every other.
pub(crate) async fn fully_connected(nodes: &[Node]) {
    for n in nodes {
        let want: HashSet<PeerId> =
            nodes.iter().map(Node::peer).filter(|p| *p != n.peer()).collect();
        eventually("full connectivity", || async { n.connected().await.is_superset(&want) }).await;
    }
}

/// Waits until every node's broadcasts reach every other directly.
pub(crate) async fn fully_subscribed(nodes: &[Node]) {
    for n in nodes {
        let want: HashSet<PeerId> =
            nodes.iter().map(Node::peer).filter(|p| *p != n.peer()).collect();
        eventually("broadcast subscriptions", || async {
            n.broadcast_peers().await.is_superset(&want)
        })
        .await;
    }
}
