#![doc = include_str!("../README.md")]

pub mod codec;
pub mod config;
pub mod metrics;
pub mod orchestrator;
pub mod service;
mod swarm;

pub use swarm::{BROADCAST_TOPIC, GOSSIP_OVERHEAD, IDENTIFY_PROTOCOL, KAD_PROTOCOL};

use std::fmt;

pub use config::{BootstrapNode, ConfigError, HostPort, NetworkArgs, NetworkConfig};
pub use libp2p::{Multiaddr, PeerId, identity::Keypair, multiaddr};
pub use metrics::{DropReason, NetworkMetrics};
pub use service::{InboundMessage, NetworkError, NetworkHandle, SendError, start};

/// How a message travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// To every member, through gossipsub (proposals).
    Broadcast,
    /// To one member, acknowledged (votes, DA proposals, VID shares).
    Direct,
}

impl MessageKind {
    /// Both kinds.
    pub const ALL: [MessageKind; 2] = [MessageKind::Broadcast, MessageKind::Direct];

    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            MessageKind::Broadcast => "broadcast",
            MessageKind::Direct => "direct",
        }
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}
