//! The network task: one libp2p swarm (QUIC) driven on tokio.
//!
//! Behaviours: an allow list (the member set: other peers' connections are refused,
//! and removing a member closes its connections), gossipsub on one topic for broadcasts,
//! request-response ([`crate::codec`]) for direct messages, identify (peers learn each
//! other's listen addresses) and kademlia (a node that knows only a bootstrap node finds
//! the others). A maintenance tick redials bootstrap nodes and members that are not
//! connected, looking members up in the DHT when no address is known.

use std::{
    collections::{HashMap, HashSet},
    net::SocketAddr,
    time::Duration,
};

use futures_util::StreamExt;
use libp2p::{
    Multiaddr, PeerId, StreamProtocol, Swarm, allow_block_list, gossipsub, identify,
    identity::Keypair,
    kad::{self, store::MemoryStore},
    request_response::{self, OutboundRequestId, ProtocolSupport},
    swarm::{
        DialError, ListenError, NetworkBehaviour, SwarmEvent,
        dial_opts::{DialOpts, PeerCondition},
    },
};
use tokio::sync::{mpsc, oneshot};

use crate::{
    MessageKind,
    codec::{Ack, DIRECT_PROTOCOL, DirectCodec},
    config::{BootstrapNode, NetworkConfig, quic_multiaddr, strip_p2p},
    metrics::{DropReason, NetworkMetrics},
    service::{Command, InboundMessage, NetworkError, SendError},
};

/// The broadcast topic (its version is that of the broadcast format).
pub const BROADCAST_TOPIC: &str = "/doppio/broadcast/1";
/// Kademlia's protocol: a private DHT, apart from the public IPFS one.
pub const KAD_PROTOCOL: StreamProtocol = StreamProtocol::new("/doppio/kad/1");
/// Identify's protocol version string.
pub const IDENTIFY_PROTOCOL: &str = "/doppio/id/1";
/// Room for gossipsub's framing (signature, key, topic, sequence number) around a
/// broadcast's bytes. Frames over `max_broadcast_size + GOSSIP_OVERHEAD` are discarded
/// by gossipsub itself; up to that, [`DropReason::Oversized`] counts them.
pub const GOSSIP_OVERHEAD: usize = 64 << 10;
/// How long shutdown waits for connections to close cleanly.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
/// How long start waits for the listener.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(10);
/// A DHT lookup of a member gives up after this long (and is retried at a later tick).
const KAD_QUERY_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections without traffic are kept this long (members are redialled anyway).
const IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(3600);

#[derive(NetworkBehaviour)]
pub(crate) struct Behaviour {
    members: allow_block_list::Behaviour<allow_block_list::AllowedPeers>,
    gossipsub: gossipsub::Behaviour,
    direct: request_response::Behaviour<DirectCodec>,
    identify: identify::Behaviour,
    kad: kad::Behaviour<MemoryStore>,
}

pub(crate) fn build_swarm(
    keypair: Keypair,
    config: &NetworkConfig,
    metrics: &NetworkMetrics,
) -> Result<Swarm<Behaviour>, NetworkError> {
    let build = |e: String| NetworkError::Build(e);
    let gossip_config = gossipsub::ConfigBuilder::default()
        .validation_mode(gossipsub::ValidationMode::Strict)
        .validate_messages()
        .max_transmit_size(config.max_broadcast_size + GOSSIP_OVERHEAD)
        .build()
        .map_err(|e| build(e.to_string()))?;
    let mut gossipsub = gossipsub::Behaviour::new(
        gossipsub::MessageAuthenticity::Signed(keypair.clone()),
        gossip_config,
    )
    .map_err(|e| build(e.to_owned()))?;
    gossipsub
        .subscribe(&gossipsub::IdentTopic::new(BROADCAST_TOPIC))
        .map_err(|e| build(e.to_string()))?;
    let direct = request_response::Behaviour::with_codec(
        DirectCodec::new(config.max_direct_size, metrics.clone()),
        [(DIRECT_PROTOCOL, ProtocolSupport::Full)],
        request_response::Config::default().with_request_timeout(config.send_timeout),
    );
    let local = keypair.public().to_peer_id();
    let identify = identify::Behaviour::new(identify::Config::new(
        IDENTIFY_PROTOCOL.to_owned(),
        keypair.public(),
    ));
    let mut kad_config = kad::Config::new(KAD_PROTOCOL);
    kad_config.set_query_timeout(KAD_QUERY_TIMEOUT);
    let mut kad = kad::Behaviour::with_config(local, MemoryStore::new(local), kad_config);
    // Every member serves the DHT; there are no light clients to protect from queries.
    kad.set_mode(Some(kad::Mode::Server));
    let mut members = allow_block_list::Behaviour::default();
    for peer in &config.members {
        members.allow_peer(*peer);
    }
    let behaviour = Behaviour { members, gossipsub, direct, identify, kad };
    Ok(libp2p::SwarmBuilder::with_existing_identity(keypair)
        .with_tokio()
        .with_quic()
        .with_behaviour(|_| behaviour)
        .map_err(|e| build(e.to_string()))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(IDLE_CONNECTION_TIMEOUT))
        .build())
}

/// Listens on `bind` and waits for the listener's first address (the real port when
/// `bind` asks for port 0).
pub(crate) async fn listen(
    swarm: &mut Swarm<Behaviour>,
    bind: SocketAddr,
) -> Result<(), NetworkError> {
    let address = quic_multiaddr(bind);
    let fail = |reason: String| NetworkError::Listen { address: address.clone(), reason };
    swarm.listen_on(address.clone()).map_err(|e| fail(e.to_string()))?;
    let wait = async {
        loop {
            match swarm.select_next_some().await {
                SwarmEvent::NewListenAddr { .. } => return Ok(()),
                SwarmEvent::ListenerClosed { reason: Err(e), .. } => return Err(e.to_string()),
                SwarmEvent::ListenerError { error, .. } => return Err(error.to_string()),
                _ => {}
            }
        }
    };
    match tokio::time::timeout(LISTEN_TIMEOUT, wait).await {
        Ok(result) => result.map_err(fail),
        Err(_) => Err(fail("no listen address within 10 s".to_owned())),
    }
}

/// Where a direct message's outcome goes.
type Reply = oneshot::Sender<Result<(), SendError>>;

/// A direct message waiting for its acknowledgement.
struct PendingSend {
    peer: PeerId,
    len: usize,
    reply: Reply,
}

/// The swarm and what the task keeps around it.
pub(crate) struct Task {
    swarm: Swarm<Behaviour>,
    config: NetworkConfig,
    metrics: NetworkMetrics,
    inbound: mpsc::Sender<InboundMessage>,
    topic: gossipsub::IdentTopic,
    connected: HashSet<PeerId>,
    pending: HashMap<OutboundRequestId, PendingSend>,
    /// DHT lookups of members in flight, one per member at most.
    lookups: HashMap<kad::QueryId, PeerId>,
    resolved: mpsc::UnboundedSender<Multiaddr>,
    resolved_rx: mpsc::UnboundedReceiver<Multiaddr>,
}

impl Task {
    pub(crate) fn new(
        swarm: Swarm<Behaviour>,
        config: NetworkConfig,
        metrics: NetworkMetrics,
        inbound: mpsc::Sender<InboundMessage>,
    ) -> Self {
        let (resolved, resolved_rx) = mpsc::unbounded_channel();
        Task {
            swarm,
            config,
            metrics,
            inbound,
            topic: gossipsub::IdentTopic::new(BROADCAST_TOPIC),
            connected: HashSet::new(),
            pending: HashMap::new(),
            lookups: HashMap::new(),
            resolved,
            resolved_rx,
        }
    }

    pub(crate) async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        let local = *self.swarm.local_peer_id();
        for node in self.config.bootstrap.clone() {
            if let Some(peer) = node.peer().filter(|p| *p != local) {
                self.swarm.behaviour_mut().kad.add_address(&peer, node.address().clone());
            }
        }
        let mut tick = tokio::time::interval(self.config.maintenance_interval);
        let done = loop {
            tokio::select! {
                event = self.swarm.select_next_some() => self.on_swarm_event(event),
                command = commands.recv() => match command {
                    Some(Command::Shutdown(done)) => break Some(done),
                    Some(command) => self.on_command(command),
                    // Every handle is gone.
                    None => break None,
                },
                Some(address) = self.resolved_rx.recv() => self.dial_address(address),
                _ = tick.tick() => self.maintain(),
            }
        };
        self.close().await;
        if let Some(done) = done {
            let _ = done.send(());
        }
    }

    /// Disconnects every peer and waits (briefly) for the connections to close, so
    /// peers see the node leave at once rather than after an idle timeout.
    async fn close(mut self) {
        for peer in self.connected.clone() {
            let _ = self.swarm.disconnect_peer_id(peer);
        }
        let drain = async {
            while !self.connected.is_empty() {
                if let SwarmEvent::ConnectionClosed { peer_id, num_established: 0, .. } =
                    self.swarm.select_next_some().await
                {
                    self.connected.remove(&peer_id);
                }
            }
        };
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, drain).await;
        self.metrics.set_connected_peers(0);
        for (_, PendingSend { peer, reply, .. }) in self.pending.drain() {
            let _ = reply.send(Err(SendError::Undeliverable {
                peer,
                reason: "the network shut down".to_owned(),
            }));
        }
        drop(self.swarm);
    }

    fn on_command(&mut self, command: Command) {
        match command {
            Command::Broadcast(bytes, reply) => {
                let _ = reply.send(self.broadcast(bytes));
            }
            Command::Send(peer, bytes, reply) => self.send(peer, bytes, reply),
            Command::ConnectedPeers(reply) => {
                let _ = reply.send(self.connected.iter().copied().collect());
            }
            Command::BroadcastPeers(reply) => {
                let hash = self.topic.hash();
                let peers = self.swarm.behaviour().gossipsub.all_peers();
                let subscribed = peers.filter(|(_, topics)| topics.contains(&&hash));
                let _ = reply.send(subscribed.map(|(p, _)| *p).collect());
            }
            Command::ListenAddresses(reply) => {
                let _ = reply.send(self.swarm.listeners().cloned().collect());
            }
            Command::SetMembers(members, reply) => {
                self.set_members(members);
                let _ = reply.send(());
            }
            // The run loop stops on it before calling this.
            Command::Shutdown(done) => {
                let _ = done.send(());
            }
        }
    }

    fn broadcast(&mut self, bytes: Vec<u8>) -> Result<(), SendError> {
        let len = bytes.len();
        let topic = self.topic.clone();
        match self.swarm.behaviour_mut().gossipsub.publish(topic, bytes) {
            Ok(_) => {
                self.metrics.sent(MessageKind::Broadcast, len);
                Ok(())
            }
            Err(gossipsub::PublishError::NoPeersSubscribedToTopic) => Err(SendError::NoPeers),
            Err(e) => Err(SendError::Broadcast(e.to_string())),
        }
    }

    fn send(&mut self, peer: PeerId, bytes: Vec<u8>, reply: Reply) {
        if !self.config.members.contains(&peer) {
            let _ = reply.send(Err(SendError::NotMember(peer)));
            return;
        }
        let len = bytes.len();
        let id = self.swarm.behaviour_mut().direct.send_request(&peer, bytes);
        self.pending.insert(id, PendingSend { peer, len, reply });
    }

    fn set_members(&mut self, members: HashSet<PeerId>) {
        let allow = &mut self.swarm.behaviour_mut().members;
        for gone in self.config.members.difference(&members) {
            // The allow list closes the peer's connections.
            allow.disallow_peer(*gone);
        }
        for new in members.difference(&self.config.members) {
            allow.allow_peer(*new);
        }
        self.config.members = members;
    }

    fn is_member(&self, peer: &PeerId) -> bool {
        self.config.members.contains(peer)
    }

    /// Hands a message to the consumer; `false` when its queue is full.
    fn deliver(&self, from: PeerId, kind: MessageKind, bytes: Vec<u8>) -> bool {
        let len = bytes.len();
        match self.inbound.try_send(InboundMessage { from, kind, bytes }) {
            Ok(()) => {
                self.metrics.received(kind, len);
                true
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.metrics.drop_message(DropReason::QueueFull);
                false
            }
            // The consumer is gone: the node is stopping.
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    fn on_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(e)) => self.on_gossip(e),
            SwarmEvent::Behaviour(BehaviourEvent::Direct(e)) => self.on_direct(e),
            SwarmEvent::Behaviour(BehaviourEvent::Identify(e)) => self.on_identify(e),
            SwarmEvent::Behaviour(BehaviourEvent::Kad(e)) => self.on_kad(e),
            SwarmEvent::ConnectionEstablished { peer_id, .. } => {
                self.connected.insert(peer_id);
                self.metrics.set_connected_peers(self.connected.len());
                tracing::debug!(%peer_id, "connected");
            }
            SwarmEvent::ConnectionClosed { peer_id, num_established: 0, .. } => {
                self.connected.remove(&peer_id);
                self.metrics.set_connected_peers(self.connected.len());
                tracing::debug!(%peer_id, "disconnected");
            }
            SwarmEvent::IncomingConnectionError {
                error: ListenError::Denied { cause }, ..
            }
            | SwarmEvent::OutgoingConnectionError { error: DialError::Denied { cause }, .. }
                if cause.downcast_ref::<allow_block_list::NotAllowed>().is_some() =>
            {
                self.metrics.connection_denied();
            }
            SwarmEvent::OutgoingConnectionError { peer_id, error, .. } => {
                tracing::debug!(?peer_id, "dial failed: {error}");
            }
            SwarmEvent::NewListenAddr { address, .. } => {
                tracing::info!(%address, "libp2p listening");
            }
            _ => {}
        }
    }

    fn on_gossip(&mut self, event: gossipsub::Event) {
        let gossipsub::Event::Message { propagation_source, message_id, message } = event else {
            return;
        };
        let verdict = match message.source {
            Some(author) if self.is_member(&author) && self.is_member(&propagation_source) => {
                if message.data.len() > self.config.max_broadcast_size {
                    self.metrics.drop_message(DropReason::Oversized);
                    gossipsub::MessageAcceptance::Reject
                } else if self.deliver(author, MessageKind::Broadcast, message.data) {
                    gossipsub::MessageAcceptance::Accept
                } else {
                    // Not forwarded: this node has not processed it.
                    gossipsub::MessageAcceptance::Ignore
                }
            }
            _ => {
                self.metrics.drop_message(DropReason::NonMember);
                gossipsub::MessageAcceptance::Reject
            }
        };
        let gossip = &mut self.swarm.behaviour_mut().gossipsub;
        gossip.report_message_validation_result(&message_id, &propagation_source, verdict);
    }

    fn on_direct(&mut self, event: request_response::Event<Vec<u8>, Ack>) {
        use request_response::{Event, Message};
        match event {
            Event::Message { peer, message: Message::Request { request, channel, .. }, .. } => {
                let ack = if !self.is_member(&peer) {
                    self.metrics.drop_message(DropReason::NonMember);
                    Ack::Refused
                } else if self.deliver(peer, MessageKind::Direct, request) {
                    Ack::Accepted
                } else {
                    Ack::Refused
                };
                // Fails only if the sender has gone; nothing to do then.
                let _ = self.swarm.behaviour_mut().direct.send_response(channel, ack);
            }
            Event::Message { message: Message::Response { request_id, response }, .. } => {
                if let Some(PendingSend { peer, len, reply }) = self.pending.remove(&request_id) {
                    let result = match response {
                        Ack::Accepted => {
                            self.metrics.sent(MessageKind::Direct, len);
                            Ok(())
                        }
                        Ack::Refused => Err(SendError::Refused(peer)),
                    };
                    let _ = reply.send(result);
                }
            }
            Event::OutboundFailure { peer, request_id, error, .. } => {
                if let Some(PendingSend { reply, .. }) = self.pending.remove(&request_id) {
                    let reason = error.to_string();
                    let _ = reply.send(Err(SendError::Undeliverable { peer, reason }));
                }
            }
            Event::InboundFailure { peer, error, .. } => {
                tracing::debug!(%peer, "inbound direct message failed: {error}");
            }
            Event::ResponseSent { .. } => {}
        }
    }

    fn on_identify(&mut self, event: identify::Event) {
        if let identify::Event::Received { peer_id, info, .. } = event {
            for address in info.listen_addrs {
                if BootstrapNode::from_multiaddr(address.clone()).is_ok() {
                    self.swarm.behaviour_mut().kad.add_address(&peer_id, strip_p2p(&address));
                }
            }
        }
    }

    fn on_kad(&mut self, event: kad::Event) {
        let kad::Event::OutboundQueryProgressed { id, result, step, .. } = event else {
            return;
        };
        if step.last {
            self.lookups.remove(&id);
        }
        if let kad::QueryResult::GetClosestPeers(Ok(ok)) = result {
            for peer in ok.peers {
                if self.is_member(&peer.peer_id) && !self.connected.contains(&peer.peer_id) {
                    let opts = DialOpts::peer_id(peer.peer_id)
                        .addresses(peer.addrs)
                        .condition(PeerCondition::DisconnectedAndNotDialing)
                        .build();
                    let _ = self.swarm.dial(opts);
                }
            }
        }
    }

    /// Redials bootstrap nodes and members that are not connected, and looks up members
    /// whose addresses are unknown.
    fn maintain(&mut self) {
        let local = *self.swarm.local_peer_id();
        for node in self.config.bootstrap.clone() {
            let wanted = match node.peer() {
                // A list shared by every node (the orchestrator's) names this node too.
                Some(peer) if peer == local => false,
                Some(peer) => !self.connected.contains(&peer) && self.is_member(&peer),
                // A bare address is dialled only while this node is alone.
                None => self.connected.is_empty(),
            };
            if wanted {
                self.dial_bootstrap(&node);
            }
        }
        let missing: Vec<PeerId> = self
            .config
            .members
            .iter()
            .filter(|p| **p != local && !self.connected.contains(p))
            .copied()
            .collect();
        for peer in missing {
            let opts =
                DialOpts::peer_id(peer).condition(PeerCondition::DisconnectedAndNotDialing).build();
            let unknown = matches!(self.swarm.dial(opts), Err(DialError::NoAddresses));
            let looking = self.lookups.values().any(|p| *p == peer);
            if unknown && !looking && !self.connected.is_empty() {
                let id = self.swarm.behaviour_mut().kad.get_closest_peers(peer);
                self.lookups.insert(id, peer);
            }
        }
    }

    fn dial_bootstrap(&mut self, node: &BootstrapNode) {
        if !node.needs_resolution() {
            self.dial_address(with_peer(node.address().clone(), node.peer()));
            return;
        }
        // Names are resolved on every attempt, so a node that moves is found again.
        let (node, resolved) = (node.clone(), self.resolved.clone());
        tokio::spawn(async move {
            match resolve(node.address()).await {
                Ok(address) => {
                    let _ = resolved.send(with_peer(address, node.peer()));
                }
                Err(e) => tracing::debug!(%node, "cannot resolve bootstrap node: {e}"),
            }
        });
    }

    fn dial_address(&mut self, address: Multiaddr) {
        if let Err(e) = self.swarm.dial(address.clone()) {
            tracing::debug!(%address, "cannot dial bootstrap node: {e}");
        }
    }
}

/// `address` with `/p2p/<peer>` when the peer is known.
fn with_peer(address: Multiaddr, peer: Option<PeerId>) -> Multiaddr {
    match peer {
        Some(peer) => address.with(libp2p::multiaddr::Protocol::P2p(peer)),
        None => address,
    }
}

/// `/dns*/host/udp/P/quic-v1` → `/ip*/A/udp/P/quic-v1`.
async fn resolve(address: &Multiaddr) -> std::io::Result<Multiaddr> {
    use libp2p::multiaddr::Protocol;
    let mut parts = address.iter();
    let (host, want_v6) = match parts.next() {
        Some(Protocol::Dns(h)) => (h, None),
        Some(Protocol::Dns4(h)) => (h, Some(false)),
        Some(Protocol::Dns6(h)) => (h, Some(true)),
        _ => return Ok(address.clone()),
    };
    let Some(Protocol::Udp(port)) = parts.next() else {
        return Ok(address.clone());
    };
    let found = tokio::net::lookup_host((host.as_ref(), port))
        .await?
        .find(|a| want_v6.is_none_or(|v6| a.is_ipv6() == v6))
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no address"))?;
    Ok(quic_multiaddr(found))
}
