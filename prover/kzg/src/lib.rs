#![doc = include_str!("../README.md")]

mod error;
mod kzg;
mod ptau;
mod srs;

pub use error::{KzgError, PtauError};
pub use kzg::{CommitKey, Opening, VerifierKey, divide_by_linear};
pub use srs::{Srs, SrsOrigin};
