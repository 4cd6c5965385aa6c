//! Errors of VID: parameters, dispersal, verification, recovery and range proofs.

use doppio_accel::AccelError;
use doppio_kzg::KzgError;

/// Everything VID can reject, each naming what is wrong.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum VidError {
    /// `n ≥ 1`, `1 ≤ k ≤ n` and `n ≤ MAX_STORAGE_NODES` do not hold.
    #[error(
        "invalid VID parameters: {num_storage_nodes} storage nodes, recovery threshold {recovery_threshold}: {reason}"
    )]
    InvalidParams {
        /// `n`.
        num_storage_nodes: usize,
        /// `k`.
        recovery_threshold: usize,
        /// Which condition fails.
        reason: &'static str,
    },
    /// The payload is larger than VID accepts.
    #[error("payload of {len} bytes exceeds the maximum of {max}")]
    PayloadTooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The common data does not hash to the commitment.
    #[error("the common data does not match the payload commitment")]
    CommonMismatch,
    /// The common data contradicts itself or this instance's parameters.
    #[error("malformed common data: {0}")]
    MalformedCommon(String),
    /// A share's index is not a storage node.
    #[error("share index {index} is out of range for {num_storage_nodes} storage nodes")]
    IndexOutOfRange {
        /// The index.
        index: u32,
        /// `n`.
        num_storage_nodes: usize,
    },
    /// A share holds the wrong number of evaluations.
    #[error("share {index} holds {got} evaluations, the payload has {expected} polynomials")]
    WrongEvalCount {
        /// The share's index.
        index: u32,
        /// Evaluations in the share.
        got: usize,
        /// Polynomials in the payload.
        expected: usize,
    },
    /// The evaluations with the Merkle path do not lead to the common root.
    #[error("share {index}: evaluations or Merkle path do not match the committed root")]
    MerkleMismatch {
        /// The share's index.
        index: u32,
    },
    /// The aggregate KZG proof does not verify the evaluations.
    #[error("share {index}: the aggregate KZG opening does not verify")]
    AggregateProofInvalid {
        /// The share's index.
        index: u32,
    },
    /// Fewer distinct shares than the recovery threshold.
    #[error("{got} shares given, {needed} needed to recover the payload")]
    NotEnoughShares {
        /// Shares given.
        got: usize,
        /// The recovery threshold.
        needed: usize,
    },
    /// Two shares carry the same index.
    #[error("share index {index} appears more than once")]
    DuplicateShare {
        /// The repeated index.
        index: u32,
    },
    /// The decoded polynomials do not match the commitments.
    #[error("the recovered payload does not match the polynomial commitments")]
    RecoveredMismatch,
    /// The decoded scalars are not a payload encoding.
    #[error("malformed payload encoding: {0}")]
    MalformedPayload(&'static str),
    /// The range is not within the payload.
    #[error("byte range {start}..{end} is not within the payload of {len} bytes")]
    RangeOutOfBounds {
        /// Start of the range.
        start: usize,
        /// End of the range (exclusive).
        end: usize,
        /// Payload length.
        len: usize,
    },
    /// A range proof's parts have the wrong shape for its range.
    #[error("malformed range proof: {0}")]
    MalformedRangeProof(String),
    /// The claimed bytes are not the payload's bytes in that range.
    #[error("the bytes of range {start}..{end} do not match the commitment")]
    RangeMismatch {
        /// Start of the range.
        start: usize,
        /// End of the range (exclusive).
        end: usize,
    },
    /// Bytes that are not a valid encoding of a VID object.
    #[error("cannot decode {what}: {reason}")]
    Decode {
        /// The object.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// KZG refused an operation (for example, an SRS too small for `k`).
    #[error(transparent)]
    Kzg(#[from] KzgError),
    /// The acceleration layer refused an operation.
    #[error(transparent)]
    Accel(#[from] AccelError),
}
