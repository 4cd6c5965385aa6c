//! Errors of the SRS loader and of KZG operations.

use std::path::PathBuf;

use doppio_accel::AccelError;

/// What went wrong reading a Powers-of-Tau (`.ptau`) file.
#[derive(Debug, thiserror::Error)]
pub enum PtauError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file does not start with the `ptau` magic bytes.
    #[error("not a Powers-of-Tau file (magic bytes {found:?}, expected \"ptau\")")]
    BadMagic {
        /// The first four bytes.
        found: [u8; 4],
    },
    /// A format version this loader does not read.
    #[error("unsupported .ptau version {0} (this loader reads version 1)")]
    UnsupportedVersion(u32),
    /// The file ends inside a header or section.
    #[error("file truncated: {what} needs {needed} bytes at offset {offset}, the file has {len}")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Where.
        offset: u64,
        /// How many bytes it needed.
        needed: u64,
        /// The file's length.
        len: u64,
    },
    /// A section the loader needs is absent.
    #[error("section {id} ({name}) is missing")]
    MissingSection {
        /// Section number.
        id: u32,
        /// What it holds.
        name: &'static str,
    },
    /// The header describes another curve or field size.
    #[error("the file is for another curve (field size {n8} bytes, modulus {modulus})")]
    WrongCurve {
        /// Bytes per field element.
        n8: u32,
        /// The modulus as stored (hex, big-endian).
        modulus: String,
    },
    /// The file holds fewer powers than asked for.
    #[error(
        "SRS too small: {needed} G1 powers of tau needed, the file (power {power}) holds {available}"
    )]
    TooSmall {
        /// Powers needed (`max_degree + 1`).
        needed: usize,
        /// Powers the file holds.
        available: usize,
        /// The file's power.
        power: u32,
    },
    /// A section is shorter than the header's power implies.
    #[error("section {id} holds {len} bytes, {expected} expected for power {power}")]
    SectionSize {
        /// Section number.
        id: u32,
        /// Its length.
        len: u64,
        /// The expected length.
        expected: u64,
        /// The file's power.
        power: u32,
    },
    /// A coordinate is not a canonical field element.
    #[error("{group} point {index}: coordinate is not below the field modulus")]
    NonCanonical {
        /// `G1` or `G2`.
        group: &'static str,
        /// Index within its section.
        index: usize,
    },
    /// A point is not on the curve, not in the prime-order subgroup, or the identity.
    #[error("{group} point {index} is not a valid point of the prime-order subgroup")]
    InvalidPoint {
        /// `G1` or `G2`.
        group: &'static str,
        /// Index within its section.
        index: usize,
    },
    /// The points are not successive powers of one secret (pairing check failed).
    #[error("the powers in the file are not consistent ({0})")]
    Inconsistent(&'static str),
    /// The acceleration layer refused the consistency MSM.
    #[error(transparent)]
    Accel(#[from] AccelError),
}

/// Errors of KZG operations.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum KzgError {
    /// The SRS has too few powers for this degree.
    #[error("SRS too small: degree {degree} needs {needed} powers of tau, the SRS has {available}")]
    SrsTooSmall {
        /// The polynomial degree asked for.
        degree: usize,
        /// Powers needed (`degree + 1`).
        needed: usize,
        /// Powers available.
        available: usize,
    },
    /// The acceleration layer refused an operation.
    #[error(transparent)]
    Accel(#[from] AccelError),
    /// The SRS's Lagrange basis for a domain could not be had: it could not be read, or
    /// it does not match the powers of tau.
    #[error("Lagrange basis of the domain of {domain} points: {reason}")]
    LagrangeBasis {
        /// The domain size.
        domain: usize,
        /// What is wrong.
        reason: String,
    },
}
