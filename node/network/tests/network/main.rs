//! The network over real libp2p (QUIC on loopback, in-process nodes) and the
//! orchestrator over real HTTP. Every wait has a deadline, so a hang is a failure.

mod common;
mod membership;
mod messaging;
mod network_config;
mod orchestrator;
