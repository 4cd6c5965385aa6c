#![doc = include_str!("../README.md")]

pub mod action;
mod codec;
pub mod committee;
mod machine;
pub mod message;
pub mod safety;
pub mod validate;

pub use action::{Action, DecidedLeaf, Timer};
pub use codec::{DecodeError, EncodeError};
pub use committee::{CertificateError, CertificateKind, Committee, CommitteeError};
pub use machine::{
    Anchor, Consensus, ConsensusConfig, ConsensusError, DEFAULT_MAX_VIEW_TIMEOUT,
    DEFAULT_PROPOSE_WAIT, DEFAULT_VIEW_TIMEOUT, FUTURE_VIEWS, MAX_VIEW, Rejected, Timing,
};
pub use message::{
    DaProposal, MAX_MESSAGE_BYTES, Message, Proposal, SignedProposal, TimeoutMessage,
    VidShareMessage, WIRE_VERSION,
};
pub use safety::SafetyState;
pub use validate::{HeaderValidator, InvalidHeader};
