#![doc = include_str!("../README.md")]

mod config;
mod db;
mod error;
mod prune;
mod storage;

pub use config::{
    DEFAULT_BATCH_SIZE, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_USAGE, DEFAULT_MINIMUM_RETENTION,
    DEFAULT_POSTGRES_DATABASE, DEFAULT_POSTGRES_HOST, DEFAULT_POSTGRES_PORT, DEFAULT_POSTGRES_USER,
    DEFAULT_PRUNER_INTERVAL, DEFAULT_PRUNING_THRESHOLD, DEFAULT_TARGET_RETENTION, PostgresOptions,
    PruningArgs, PruningConfig, SQLITE_FILE, StorageConfig, StorageFsArgs, StorageSqlArgs,
};
pub use error::StorageError;
pub use prune::{PruneReport, spawn_pruner};
pub use storage::{BlockData, BlockId, LeafId, Storage, TransactionRecord};
