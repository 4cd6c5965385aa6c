#![doc = include_str!("../README.md")]

pub mod block_merkle;
pub mod chain_config;
mod commitment;
pub mod fee_merkle;
pub mod genesis;
pub mod header;
pub mod leaf;
mod merkle_hash;
pub mod ns_proof;
pub mod payload;
pub mod transaction;
pub mod units;

pub use block_merkle::{BlockMerkleTree, BlockProof};
pub use chain_config::{ChainConfig, FeeAmount};
pub use commitment::CommitmentError;
pub use fee_merkle::{FeeMerkleTree, FeeProof};
pub use genesis::Genesis;
pub use header::{FeeInfo, Header, HeaderCommitment, L1BlockInfo};
pub use leaf::{Leaf, LeafCommitment, LeafQueryData, QcMismatch};
pub use ns_proof::{NamespaceProof, NsProofError};
pub use payload::{NsTable, Payload, PayloadError};
pub use transaction::{NamespaceId, Transaction, TxCommitment};
