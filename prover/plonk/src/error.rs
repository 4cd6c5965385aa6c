//! Errors of preprocessing, proving and verification.

use doppio_accel::AccelError;
use doppio_kzg::KzgError;

use crate::circuit::CircuitError;

/// What went wrong preprocessing, proving or verifying.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlonkError {
    /// The circuit is malformed or its witness does not satisfy it.
    #[error(transparent)]
    Circuit(#[from] CircuitError),
    /// A KZG operation failed; [`KzgError::SrsTooSmall`] when the SRS is too small for
    /// the circuit.
    #[error(transparent)]
    Kzg(#[from] KzgError),
    /// The acceleration layer refused an operation.
    #[error(transparent)]
    Accel(#[from] AccelError),
    /// The circuit needs a larger domain than the prover supports.
    #[error("the circuit needs a domain of {domain} rows; at most {max} are supported")]
    CircuitTooLarge {
        /// The domain size the circuit needs.
        domain: usize,
        /// The largest supported domain.
        max: usize,
    },
    /// The circuit's shape differs from the one the key was made for.
    #[error("the circuit does not fit the proving key: {what} is {circuit}, the key has {key}")]
    KeyMismatch {
        /// What differs.
        what: &'static str,
        /// The circuit's value.
        circuit: usize,
        /// The key's value.
        key: usize,
    },
    /// A (deserialised) key whose parts do not fit together.
    #[error("malformed key: {0}")]
    MalformedKey(&'static str),
    /// The verifier got a different number of public inputs than the key expects.
    #[error("{got} public inputs given, the verifying key expects {expected}")]
    PublicInputCount {
        /// What the key expects.
        expected: usize,
        /// What was given.
        got: usize,
    },
    /// A name for generated code that is not an identifier.
    #[error("{0:?} is not a Solidity identifier")]
    InvalidIdentifier(String),
    /// Words of a key or proof in the Solidity verifier's layout that encode no valid
    /// value (the message names the field and the reason).
    #[error("invalid Solidity encoding: {0}")]
    InvalidEncoding(String),
    /// The proof does not verify.
    #[error("the proof is invalid: {0}")]
    InvalidProof(&'static str),
}
