//! The handle to the network and how it starts: [`start`] binds the swarm of
//! [`crate::swarm`], runs it on a tokio task, and returns a [`NetworkHandle`] and the
//! inbound messages.

use std::collections::HashSet;

use libp2p::{Multiaddr, PeerId, identity::Keypair};
use tokio::sync::{mpsc, oneshot};

use crate::{
    MessageKind,
    config::{ConfigError, NetworkConfig, quic_multiaddr},
    metrics::NetworkMetrics,
    swarm::{Task, build_swarm, listen},
};

/// A network that cannot start or has stopped.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// A bad configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// libp2p refused to build the node.
    #[error("cannot build the libp2p node: {0}")]
    Build(String),
    /// The bind address cannot be listened on.
    #[error("cannot listen on {address}: {reason}")]
    Listen {
        /// The address.
        address: Multiaddr,
        /// Why.
        reason: String,
    },
    /// The network task has stopped.
    #[error("the network has shut down")]
    Closed,
}

/// A message that was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Larger than this node's limit for its kind; nothing was sent.
    #[error("{kind} message of {size} bytes exceeds the limit of {max}")]
    TooLarge {
        /// Broadcast or direct.
        kind: MessageKind,
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The target is not in the member set.
    #[error("peer {0} is not a member")]
    NotMember(PeerId),
    /// The target is this node.
    #[error("cannot send a direct message to this node itself")]
    ToSelf,
    /// No connected peer subscribes to broadcasts yet.
    #[error("no peer to broadcast to (none connected and subscribed yet)")]
    NoPeers,
    /// The message could not be delivered (dial failure, timeout, closed connection,
    /// a frame the receiver refused).
    #[error("message to {peer} not delivered: {reason}")]
    Undeliverable {
        /// The target.
        peer: PeerId,
        /// What failed.
        reason: String,
    },
    /// The receiver dropped it (it does not count this node as a member, or its queue
    /// is full).
    #[error("peer {0} refused the message")]
    Refused(PeerId),
    /// The broadcast failed locally.
    #[error("broadcast failed: {0}")]
    Broadcast(String),
    /// The network task has stopped.
    #[error("the network has shut down")]
    Closed,
}

/// A message from a member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboundMessage {
    /// The member that sent it (for a broadcast, its author, whoever forwarded it).
    pub from: PeerId,
    /// How it came.
    pub kind: MessageKind,
    /// Its bytes, opaque here.
    pub bytes: Vec<u8>,
}

pub(crate) enum Command {
    Broadcast(Vec<u8>, oneshot::Sender<Result<(), SendError>>),
    Send(PeerId, Vec<u8>, oneshot::Sender<Result<(), SendError>>),
    ConnectedPeers(oneshot::Sender<Vec<PeerId>>),
    BroadcastPeers(oneshot::Sender<Vec<PeerId>>),
    ListenAddresses(oneshot::Sender<Vec<Multiaddr>>),
    SetMembers(HashSet<PeerId>, oneshot::Sender<()>),
    Shutdown(oneshot::Sender<()>),
}

/// The handle to a running network; clones share it. The network stops on
/// [`NetworkHandle::shutdown`] or when every handle is dropped.
#[derive(Clone, Debug)]
pub struct NetworkHandle {
    commands: mpsc::Sender<Command>,
    local: PeerId,
    metrics: NetworkMetrics,
    max_broadcast_size: usize,
    max_direct_size: usize,
}

/// Starts the network with `keypair` (from `doppio_keys::peer::libp2p_keypair`): binds,
/// waits until it listens, and returns the handle and the inbound messages.
pub async fn start(
    keypair: Keypair,
    config: NetworkConfig,
) -> Result<(NetworkHandle, mpsc::Receiver<InboundMessage>), NetworkError> {
    config.validate()?;
    let bind = config.bind.resolve("--libp2p-bind-address").await?;
    let advertise = match &config.advertise {
        Some(a) => Some(a.resolve("--libp2p-advertise-address").await?),
        None => None,
    };
    let metrics = NetworkMetrics::new();
    let local = keypair.public().to_peer_id();
    let mut swarm = build_swarm(keypair, &config, &metrics)?;
    listen(&mut swarm, bind).await?;
    if let Some(addr) = advertise {
        swarm.add_external_address(quic_multiaddr(addr));
    }
    let (inbound_tx, inbound_rx) = mpsc::channel(config.inbound_queue);
    let (commands, commands_rx) = mpsc::channel(1024);
    let handle = NetworkHandle {
        commands,
        local,
        metrics: metrics.clone(),
        max_broadcast_size: config.max_broadcast_size,
        max_direct_size: config.max_direct_size,
    };
    let task = Task::new(swarm, config, metrics, inbound_tx);
    tokio::spawn(task.run(commands_rx));
    Ok((handle, inbound_rx))
}

impl NetworkHandle {
    /// This node's peer id.
    pub fn local_peer_id(&self) -> PeerId {
        self.local
    }

    /// The counters.
    pub fn metrics(&self) -> &NetworkMetrics {
        &self.metrics
    }

    /// Publishes `bytes` to every member (not to this node itself). Fails with
    /// [`SendError::NoPeers`] while no connected member subscribes yet.
    pub async fn broadcast(&self, bytes: Vec<u8>) -> Result<(), SendError> {
        check_size(MessageKind::Broadcast, bytes.len(), self.max_broadcast_size)?;
        self.ask(|reply| Command::Broadcast(bytes, reply)).await.map_err(|_| SendError::Closed)?
    }

    /// Sends `bytes` to `peer` and waits for its acknowledgement, dialling it first when
    /// not connected.
    pub async fn send(&self, peer: PeerId, bytes: Vec<u8>) -> Result<(), SendError> {
        check_size(MessageKind::Direct, bytes.len(), self.max_direct_size)?;
        if peer == self.local {
            return Err(SendError::ToSelf);
        }
        self.ask(|reply| Command::Send(peer, bytes, reply)).await.map_err(|_| SendError::Closed)?
    }

    /// Peers with at least one open connection.
    pub async fn connected_peers(&self) -> Result<Vec<PeerId>, NetworkError> {
        self.ask(Command::ConnectedPeers).await
    }

    /// Connected peers subscribed to broadcasts: those a broadcast reaches directly.
    pub async fn broadcast_peers(&self) -> Result<Vec<PeerId>, NetworkError> {
        self.ask(Command::BroadcastPeers).await
    }

    /// The addresses this node listens on (with the real port when bound to port 0).
    pub async fn listen_addresses(&self) -> Result<Vec<Multiaddr>, NetworkError> {
        self.ask(Command::ListenAddresses).await
    }

    /// Replaces the member set: new members may connect; removed ones are disconnected
    /// and refused from now on.
    pub async fn set_members(&self, members: HashSet<PeerId>) -> Result<(), NetworkError> {
        self.ask(|reply| Command::SetMembers(members, reply)).await
    }

    /// Closes every connection and stops the network; returns once the listening port
    /// is released. Other handles then fail with `Closed`.
    pub async fn shutdown(&self) {
        // An error means it has already stopped.
        let _ = self.ask(Command::Shutdown).await;
    }

    async fn ask<T>(
        &self,
        command: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, NetworkError> {
        let (tx, rx) = oneshot::channel();
        self.commands.send(command(tx)).await.map_err(|_| NetworkError::Closed)?;
        rx.await.map_err(|_| NetworkError::Closed)
    }
}

fn check_size(kind: MessageKind, size: usize, max: usize) -> Result<(), SendError> {
    if size > max {
        return Err(SendError::TooLarge { kind, size, max });
    }
    Ok(())
}
