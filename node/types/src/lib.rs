#![doc = include_str!("../README.md")]

pub mod ns_proof;
pub mod payload;
pub mod transaction;

pub use ns_proof::{NamespaceProof, NsProofError};
pub use payload::{NsTable, Payload, PayloadError};
pub use transaction::{NamespaceId, Transaction, TxCommitment};
