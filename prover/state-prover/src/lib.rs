#![doc = include_str!("../README.md")]

pub mod prover;
pub mod relay;
pub mod wire;

pub use prover::{ProverArgs, ProverError, StateProver, SyncOutcome};
pub use relay::{Relay, RelayArgs, RelayError};
pub use wire::{
    SignedStateBundle, StateJson, StateSignatureRequest, SubmitError, post_state_signature,
    sign_state,
};
