//! Where the data lives and how long it is kept, as library types and as clap options
//! with the names and `ESPRESSO_SEQUENCER_*` variables of the Espresso node.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// The SQLite database file inside the storage folder.
pub const SQLITE_FILE: &str = "doppio.sqlite";
/// Default Postgres host.
pub const DEFAULT_POSTGRES_HOST: &str = "localhost";
/// Default Postgres port.
pub const DEFAULT_POSTGRES_PORT: u16 = 5432;
/// Default Postgres database.
pub const DEFAULT_POSTGRES_DATABASE: &str = "postgres";
/// Default Postgres user.
pub const DEFAULT_POSTGRES_USER: &str = "postgres";
/// Default size of the Postgres connection pool (Espresso's default).
pub const DEFAULT_MAX_CONNECTIONS: u32 = 25;

/// Default pruning threshold: 3 TB.
pub const DEFAULT_PRUNING_THRESHOLD: u64 = 3_000_000_000_000;
/// Default minimum retention: one day.
pub const DEFAULT_MINIMUM_RETENTION: Duration = Duration::from_secs(24 * 3600);
/// Default target retention: seven days.
pub const DEFAULT_TARGET_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);
/// Default number of blocks deleted per database transaction.
pub const DEFAULT_BATCH_SIZE: u64 = 1000;
/// Default maximum usage, in basis points of the threshold: 80%.
pub const DEFAULT_MAX_USAGE: u16 = 8000;
/// Default interval between pruner runs: one hour.
pub const DEFAULT_PRUNER_INTERVAL: Duration = Duration::from_secs(3600);

/// Which database backs the store.
#[derive(Clone, Debug)]
pub enum StorageConfig {
    /// An embedded SQLite database, the file [`SQLITE_FILE`] inside `path`.
    Sqlite {
        /// A folder; created if missing.
        path: PathBuf,
    },
    /// A Postgres server.
    Postgres(PostgresOptions),
}

/// How to reach a Postgres server.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    /// A `postgres://user:password@host:port/database?…` URI; when set, it replaces host,
    /// port, database and user, while `password` and `use_tls` still apply on top.
    pub uri: Option<String>,
    /// Server host name or address.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Database name.
    pub database: String,
    /// User name.
    pub user: String,
    /// Password, if the server asks for one.
    pub password: Option<String>,
    /// Require TLS (without it, connections are unencrypted).
    pub use_tls: bool,
    /// Size of the connection pool.
    pub max_connections: u32,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            uri: None,
            host: DEFAULT_POSTGRES_HOST.into(),
            port: DEFAULT_POSTGRES_PORT,
            database: DEFAULT_POSTGRES_DATABASE.into(),
            user: DEFAULT_POSTGRES_USER.into(),
            password: None,
            use_tls: false,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Shows a URI with its password replaced by `***`.
fn redact_uri(uri: &str) -> String {
    let Some((scheme, rest)) = uri.split_once("://") else { return "***".into() };
    let Some((auth, host)) = rest.rsplit_once('@') else { return uri.into() };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => uri.into(),
    }
}

// Written by hand so that the password never reaches a log.
impl fmt::Debug for PostgresOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresOptions")
            .field("uri", &self.uri.as_deref().map(redact_uri))
            .field("host", &self.host)
            .field("port", &self.port)
            .field("database", &self.database)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("use_tls", &self.use_tls)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

/// How much to keep on a DA node that prunes (archival nodes keep everything and have
/// no pruning config).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PruningConfig {
    /// Disk usage in bytes above which data older than `minimum_retention` is pruned too.
    pub pruning_threshold: Option<u64>,
    /// Data younger than this is never pruned.
    pub minimum_retention: Duration,
    /// Data older than this is always pruned.
    pub target_retention: Duration,
    /// Blocks deleted per database transaction.
    pub batch_size: u64,
    /// Once pruning for space starts, it goes on until usage is below this fraction of
    /// the threshold, in basis points (0 to 10000).
    pub max_usage: u16,
    /// Time between pruner runs.
    pub interval: Duration,
}

impl Default for PruningConfig {
    fn default() -> Self {
        PruningConfig {
            pruning_threshold: Some(DEFAULT_PRUNING_THRESHOLD),
            minimum_retention: DEFAULT_MINIMUM_RETENTION,
            target_retention: DEFAULT_TARGET_RETENTION,
            batch_size: DEFAULT_BATCH_SIZE,
            max_usage: DEFAULT_MAX_USAGE,
            interval: DEFAULT_PRUNER_INTERVAL,
        }
    }
}

impl PruningConfig {
    /// Checks the values that would make the pruner misbehave.
    pub fn validate(&self) -> Result<(), crate::StorageError> {
        let bad = |msg: String| Err(crate::StorageError::Config(msg));
        if self.batch_size == 0 {
            return bad("pruner batch size must be at least 1, got 0".into());
        }
        if self.max_usage > 10_000 {
            return bad(format!(
                "pruner max usage is in basis points (0..=10000), got {}",
                self.max_usage
            ));
        }
        if self.minimum_retention > self.target_retention {
            return bad(format!(
                "pruner minimum retention ({}) is longer than the target retention ({})",
                humantime::format_duration(self.minimum_retention),
                humantime::format_duration(self.target_retention)
            ));
        }
        if self.interval.is_zero() {
            return bad("pruner interval must be positive, got 0s".into());
        }
        Ok(())
    }
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s)
        .map_err(|e| format!("invalid duration `{s}` (try 1h, 1d, 7d): {e}"))
}

/// `storage-fs`: an embedded SQLite database in a folder.
#[derive(Clone, Debug, clap::Args)]
pub struct StorageFsArgs {
    /// Folder for the node's data; the SQLite database is `doppio.sqlite` inside it.
    #[arg(long, env = "ESPRESSO_SEQUENCER_STORAGE_PATH")]
    pub path: PathBuf,
    /// Pruning (DA nodes) or archival mode.
    #[command(flatten)]
    pub pruning: PruningArgs,
}

impl StorageFsArgs {
    /// The storage configuration these options describe.
    pub fn into_config(self) -> StorageConfig {
        StorageConfig::Sqlite { path: self.path }
    }
}

/// `storage-sql`: a Postgres server.
#[derive(Clone, clap::Args)]
pub struct StorageSqlArgs {
    /// Postgres URI, `postgres://user:password@host:port/database`; replaces host, port,
    /// database and user (password and TLS options still apply).
    #[arg(long, env = "ESPRESSO_SEQUENCER_POSTGRES_URI")]
    pub uri: Option<String>,
    /// Postgres host.
    #[arg(long, env = "ESPRESSO_SEQUENCER_POSTGRES_HOST", default_value = DEFAULT_POSTGRES_HOST)]
    pub host: String,
    /// Postgres port.
    #[arg(long, env = "ESPRESSO_SEQUENCER_POSTGRES_PORT", default_value_t = DEFAULT_POSTGRES_PORT)]
    pub port: u16,
    /// Database name.
    #[arg(long, env = "ESPRESSO_SEQUENCER_POSTGRES_DATABASE", default_value = DEFAULT_POSTGRES_DATABASE)]
    pub database: String,
    /// Postgres user.
    #[arg(long, env = "ESPRESSO_SEQUENCER_POSTGRES_USER", default_value = DEFAULT_POSTGRES_USER)]
    pub user: String,
    /// Password of the Postgres user.
    #[arg(long, env = "ESPRESSO_SEQUENCER_POSTGRES_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// Require TLS to the server.
    #[arg(long, env = "ESPRESSO_SEQUENCER_POSTGRES_USE_TLS")]
    pub use_tls: bool,
    /// Maximum number of connections to the database.
    #[arg(long, env = "ESPRESSO_SEQUENCER_DATABASE_MAX_CONNECTIONS", default_value_t = DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: u32,
    /// Pruning (DA nodes) or archival mode.
    #[command(flatten)]
    pub pruning: PruningArgs,
}

impl StorageSqlArgs {
    /// The storage configuration these options describe.
    pub fn into_config(self) -> StorageConfig {
        StorageConfig::Postgres(PostgresOptions {
            uri: self.uri,
            host: self.host,
            port: self.port,
            database: self.database,
            user: self.user,
            password: self.password,
            use_tls: self.use_tls,
            max_connections: self.max_connections,
        })
    }
}

// By hand: the password and the URI (which may hold one) stay out of logs.
impl fmt::Debug for StorageSqlArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StorageSqlArgs")
            .field("options", &self.clone().into_config())
            .field("pruning", &self.pruning)
            .finish()
    }
}

/// Archival mode (the default: keep everything) or pruning for DA nodes.
#[derive(Clone, Debug, clap::Args)]
pub struct PruningArgs {
    /// Prune old data (DA-node mode), with the pruner options below or their defaults.
    #[arg(long, env = "ESPRESSO_SEQUENCER_POSTGRES_PRUNE", conflicts_with = "archive")]
    pub prune: bool,
    /// Keep everything (the default; conflicts with --prune).
    #[arg(long, env = "ESPRESSO_SEQUENCER_ARCHIVE")]
    pub archive: bool,
    /// Disk usage in bytes above which data older than the minimum retention is pruned.
    #[arg(long, env = "ESPRESSO_SEQUENCER_PRUNER_PRUNING_THRESHOLD", default_value_t = DEFAULT_PRUNING_THRESHOLD)]
    pub pruning_threshold: u64,
    /// Data younger than this is never pruned (e.g. `1d`).
    #[arg(long, env = "ESPRESSO_SEQUENCER_PRUNER_MINIMUM_RETENTION", default_value = "1d", value_parser = parse_duration)]
    pub minimum_retention: Duration,
    /// Data older than this is pruned (e.g. `7d`).
    #[arg(long, env = "ESPRESSO_SEQUENCER_PRUNER_TARGET_RETENTION", default_value = "7d", value_parser = parse_duration)]
    pub target_retention: Duration,
    /// Blocks deleted per database transaction.
    #[arg(long, env = "ESPRESSO_SEQUENCER_PRUNER_BATCH_SIZE", default_value_t = DEFAULT_BATCH_SIZE)]
    pub batch_size: u64,
    /// Pruning for space stops below this share of the threshold, in basis points.
    #[arg(long, env = "ESPRESSO_SEQUENCER_PRUNER_MAX_USAGE", default_value_t = DEFAULT_MAX_USAGE)]
    pub max_usage: u16,
    /// Time between pruner runs (e.g. `1h`).
    #[arg(long, env = "ESPRESSO_SEQUENCER_PRUNER_INTERVAL", default_value = "1h", value_parser = parse_duration)]
    pub interval: Duration,
}

impl PruningArgs {
    /// The pruning configuration, or `None` in archival mode (no `--prune`).
    pub fn into_config(self) -> Result<Option<PruningConfig>, crate::StorageError> {
        if !self.prune {
            return Ok(None);
        }
        let cfg = PruningConfig {
            pruning_threshold: Some(self.pruning_threshold),
            minimum_retention: self.minimum_retention,
            target_retention: self.target_retention,
            batch_size: self.batch_size,
            max_usage: self.max_usage,
            interval: self.interval,
        };
        cfg.validate()?;
        Ok(Some(cfg))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Fs {
        #[command(flatten)]
        args: StorageFsArgs,
    }

    #[derive(Parser)]
    struct Sql {
        #[command(flatten)]
        args: StorageSqlArgs,
    }

    #[test]
    fn defaults_come_from_the_library_constants() {
        let sql = Sql::parse_from(["t"]).args;
        let StorageConfig::Postgres(o) = sql.clone().into_config() else { panic!() };
        assert_eq!(o, PostgresOptions::default());
        assert_eq!(sql.pruning.into_config().unwrap(), None, "archival by default");
        let fs = Fs::parse_from(["t", "--path", "/d", "--prune"]).args;
        assert_eq!(fs.pruning.clone().into_config().unwrap(), Some(PruningConfig::default()));
        assert!(
            matches!(fs.into_config(), StorageConfig::Sqlite { path } if path == std::path::Path::new("/d"))
        );
    }

    #[test]
    fn flags_set_every_field() {
        let sql = Sql::parse_from([
            "t",
            "--uri",
            "postgres://u:hunter2@h/db",
            "--host",
            "db.example",
            "--port",
            "6543",
            "--database",
            "seq",
            "--user",
            "me",
            "--password",
            "hunter2",
            "--use-tls",
            "--max-connections",
            "3",
            "--prune",
            "--pruning-threshold",
            "1000",
            "--minimum-retention",
            "1h",
            "--target-retention",
            "2d",
            "--batch-size",
            "7",
            "--max-usage",
            "5000",
            "--interval",
            "30s",
        ])
        .args;
        let pruning = sql.pruning.clone().into_config().unwrap().unwrap();
        assert_eq!(
            pruning,
            PruningConfig {
                pruning_threshold: Some(1000),
                minimum_retention: Duration::from_secs(3600),
                target_retention: Duration::from_secs(2 * 86400),
                batch_size: 7,
                max_usage: 5000,
                interval: Duration::from_secs(30),
            }
        );
        let shown = format!("{sql:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("u:***@h/db") && shown.contains("db.example"), "{shown}");
        let StorageConfig::Postgres(o) = sql.into_config() else { panic!() };
        assert_eq!((o.port, o.user.as_str(), o.use_tls, o.max_connections), (6543, "me", true, 3));
        assert!(!format!("{o:?}").contains("hunter2"));
    }

    #[test]
    fn bad_values_are_refused_with_the_value() {
        let err = Fs::try_parse_from(["t", "--path", "d", "--target-retention", "soon"])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("invalid duration `soon`"), "{err}");
        assert!(Fs::try_parse_from(["t", "--path", "d", "--prune", "--archive"]).is_err());
        let args = Fs::parse_from(["t", "--path", "d", "--prune", "--batch-size", "0"]).args;
        let err = args.pruning.into_config().unwrap_err().to_string();
        assert!(err.contains("batch size must be at least 1, got 0"), "{err}");
        let args = Fs::parse_from(["t", "--path", "d", "--prune", "--max-usage", "10001"]).args;
        assert!(args.pruning.into_config().unwrap_err().to_string().contains("10001"));
        let args =
            Fs::parse_from(["t", "--path", "d", "--prune", "--minimum-retention", "30d"]).args;
        assert!(args.pruning.into_config().unwrap_err().to_string().contains("minimum retention"));
    }

    #[test]
    fn uris_are_redacted() {
        assert_eq!(redact_uri("postgres://u:p@h:1/d"), "postgres://u:***@h:1/d");
        assert_eq!(redact_uri("postgres://u@h/d"), "postgres://u@h/d");
        assert_eq!(redact_uri("postgres://h/d"), "postgres://h/d");
        assert_eq!(redact_uri("garbage:p@x"), "***");
    }
}
