//! Errors of the acceleration layer.

use std::path::PathBuf;

use crate::backend::BackendKind;

/// Everything the acceleration layer can refuse, each naming the bad value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccelError {
    /// An MSM was given a different number of bases and scalars.
    #[error("MSM length mismatch: {bases} bases but {scalars} scalars")]
    LengthMismatch {
        /// Number of bases given.
        bases: usize,
        /// Number of scalars given.
        scalars: usize,
    },
    /// A batched MSM was given a scalar vector longer than the shared bases.
    #[error(
        "batched MSM: scalar vector {index} has {len} scalars but only {bases} bases are given"
    )]
    TooManyScalars {
        /// Position of the offending vector in the batch.
        index: usize,
        /// Its length.
        len: usize,
        /// Number of shared bases.
        bases: usize,
    },
    /// An NTT size that is not a power of two (zero included).
    #[error("NTT size {size} is not a power of two")]
    NttSizeNotPowerOfTwo {
        /// The size given.
        size: usize,
    },
    /// An NTT size above the supported maximum.
    #[error("NTT size {size} exceeds the maximum of 2^{max_log}")]
    NttSizeTooLarge {
        /// The size given.
        size: usize,
        /// log2 of the largest supported size.
        max_log: u32,
    },
    /// A batched NTT whose vectors do not all have the same length.
    #[error("batched NTT: vector {index} has length {len}, expected {expected} like vector 0")]
    NttBatchLengthMismatch {
        /// Position of the offending vector.
        index: usize,
        /// Its length.
        len: usize,
        /// Length of the first vector.
        expected: usize,
    },
    /// A coset offset of zero does not define a coset.
    #[error("coset offset must be non-zero")]
    ZeroCosetOffset,
    /// BLS batch verification was asked to verify nothing.
    #[error("BLS batch verification needs at least one (key, message, signature) triple")]
    EmptyBlsBatch,
    /// BLS batch verification was given a different number of weights and triples.
    #[error("BLS batch verification: {weights} weights for {triples} triples")]
    WeightCountMismatch {
        /// Number of triples.
        triples: usize,
        /// Number of weights.
        weights: usize,
    },
    /// The requested backend cannot be used in this build or on this host.
    #[error("accel backend `{backend}` is unavailable: {reason}")]
    BackendUnavailable {
        /// The backend asked for.
        backend: BackendKind,
        /// Why it cannot be used.
        reason: String,
    },
    /// The CPU thread pool could not be created.
    #[error("could not start {threads} accel CPU threads: {reason}")]
    ThreadPool {
        /// Threads asked for.
        threads: usize,
        /// The error from the thread-pool builder.
        reason: String,
    },
    /// `DOPPIO_ACCEL_PORTABLE` holds a value that names no CPU path.
    #[error("DOPPIO_ACCEL_PORTABLE: {reason}")]
    PortableSwitch {
        /// What is wrong with the value.
        reason: String,
    },
    /// The crossover table (a `hwprofile --json` file) could not be read or parsed.
    #[error("accel crossover table {path}: {reason}")]
    CrossoverTable {
        /// File that was read.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}
