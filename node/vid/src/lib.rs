#![doc = include_str!("../README.md")]

mod decode;
pub mod encoding;
mod error;
mod fk23;
pub mod merkle;
pub mod reference;
mod types;
mod vid;

pub use error::VidError;
pub use types::{RangeProof, VidCommitment, VidCommon, VidShare};
pub use vid::{Dispersal, DisperseTimings, MAX_PAYLOAD_BYTES, MAX_STORAGE_NODES, Vid, VidParams};
