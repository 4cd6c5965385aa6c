#![doc = include_str!("../README.md")]

pub mod prover;
pub mod relay;
pub mod wire;

/// Logging for the binaries: `RUST_LOG`'s directives plus `info`.
pub fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::from_default_env()
                .add_directive(tracing::level_filters::LevelFilter::INFO.into()),
        )
        .init();
}

pub use prover::{ProverArgs, ProverError, StateProver, SyncOutcome};
pub use relay::{Relay, RelayArgs, RelayError};
pub use wire::{
    SignedStateBundle, StateJson, StateSignatureRequest, SubmitError, post_state_signature,
    sign_state,
};
