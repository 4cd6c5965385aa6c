#![doc = include_str!("../README.md")]

pub mod bls;
pub mod cli;
pub mod key_file;
pub mod keygen;
pub mod peer;
pub mod qc;
pub mod stake_table;
pub mod vote;

pub use bls::{BlsError, BlsPublicKey, BlsSecretKey, BlsSignature, ProofOfPossession};
pub use doppio_light_client::{SchnorrSignature, SchnorrSigningKey, SchnorrVerKey};
pub use key_file::{KeyArgs, KeyFileError, NodeKeys};
pub use keygen::{KeygenError, Scheme};
pub use qc::{QcError, QuorumCertificate, SignerBits, Threshold, VoteAccumulator};
pub use stake_table::{StakeTable, StakeTableEntry, StakeTableError};
pub use vote::{Vote, VoteData, VoteKind};
