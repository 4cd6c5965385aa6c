//! The storage error type.

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// Nothing is stored under that key (and it was not pruned, as far as we can tell).
    #[error("{what} not found")]
    NotFound {
        /// What was asked for, e.g. `leaf at height 7 (block height 5)`.
        what: String,
    },
    /// The data at `height` was pruned; `oldest` is the lowest height still kept.
    #[error("height {height} was pruned: the oldest height kept is {oldest}")]
    Pruned {
        /// The height asked for.
        height: u64,
        /// The lowest height still stored.
        oldest: u64,
    },
    /// A different block is already stored at `height`.
    #[error("a different block is already stored at height {height}")]
    Conflict {
        /// The height of the conflicting block.
        height: u64,
    },
    /// Blocks must be appended at consecutive heights.
    #[error("blocks must be appended in order: expected height {expected}, got {got}")]
    OutOfOrder {
        /// The next height the store accepts.
        expected: u64,
        /// The height given.
        got: u64,
    },
    /// A stored row could not be decoded.
    #[error("corrupt {what}: {reason}")]
    Corrupt {
        /// The row, e.g. `leaf at height 3`.
        what: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The storage configuration is unusable.
    #[error("invalid storage configuration: {0}")]
    Config(String),
    /// The database (SQLite or Postgres) reported an error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Running the schema migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StorageError {
    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        StorageError::NotFound { what: what.into() }
    }

    pub(crate) fn corrupt(what: impl Into<String>, reason: impl ToString) -> Self {
        StorageError::Corrupt { what: what.into(), reason: reason.to_string() }
    }
}
