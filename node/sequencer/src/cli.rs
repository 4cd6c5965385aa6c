//! The `sequencer` command line in the module syntax of the Espresso node docs:
//!
//! ```text
//! sequencer [options] -- http --port P [--max-connections N] -- query
//!     -- storage-fs --path D | storage-sql [--uri U | --host … ] -- submit -- status
//!     -- catchup -- config
//! sequencer -- help <module>
//! ```
//!
//! Each module at most once; `query` needs `http` and a storage module, the other API
//! modules need `http`; a storage module is always needed (decided blocks go there).

use std::{path::PathBuf, time::Duration};

use alloy_primitives::Address;
use clap::{Args, CommandFactory, FromArgMatches, Parser};
use doppio_accel::AccelConfig;
use doppio_keys::KeyArgs;
use doppio_l1::L1Args;
use doppio_storage::{PruningArgs, PruningConfig, StorageConfig, StorageFsArgs, StorageSqlArgs};

use crate::{
    api::DEFAULT_MAX_CONNECTIONS,
    mempool::{DEFAULT_MAX_BYTES, DEFAULT_MAX_TRANSACTIONS},
    state_signer::StateSignerArgs,
};

/// Default genesis file, relative to the working directory.
pub const DEFAULT_GENESIS_FILE: &str = "genesis/demo.toml";
/// Default API port (the Espresso dev node's).
pub const DEFAULT_API_PORT: u16 = 24000;

/// A command line that cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// clap's own message (unknown flag, bad value, `--help`).
    #[error("{0}")]
    Clap(#[from] clap::Error),
    /// A module name that does not exist.
    #[error("unknown module `{0}`; modules: {modules}", modules = MODULE_NAMES.join(", "))]
    UnknownModule(String),
    /// A module given twice.
    #[error("module `{0}` is given twice")]
    Duplicate(&'static str),
    /// A module without one it needs.
    #[error("module `{module}` needs {needs}")]
    Missing {
        /// The module.
        module: &'static str,
        /// What it needs.
        needs: &'static str,
    },
    /// A module option with a bad value.
    #[error("{0}")]
    Invalid(String),
    /// `-- help` without a known module.
    #[error("usage: sequencer -- help <module>; modules: {modules}", modules = MODULE_NAMES.join(", "))]
    Help,
}

/// The modules.
pub const MODULE_NAMES: [&str; 8] =
    ["http", "query", "storage-fs", "storage-sql", "submit", "status", "catchup", "config"];

/// Parses a duration such as `500ms`, `2s`, `1m`, `1h`, `7d`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("`{s}` is not a duration like 500ms, 2s, 1h"))?;
    let secs = |k: u64| Duration::from_secs(n.saturating_mul(k));
    match unit.trim() {
        "ms" => Ok(Duration::from_millis(n)),
        "" | "s" => Ok(secs(1)),
        "m" | "min" => Ok(secs(60)),
        "h" => Ok(secs(3600)),
        "d" => Ok(secs(86_400)),
        other => Err(format!("unknown unit `{other}` in `{s}`: use ms, s, m, h or d")),
    }
}

/// Options every node takes (the part before the first `--`).
#[derive(Clone, Debug, Args)]
pub struct NodeArgs {
    /// Genesis TOML file.
    #[arg(long, env = "ESPRESSO_SEQUENCER_GENESIS_FILE", default_value = DEFAULT_GENESIS_FILE)]
    pub genesis_file: PathBuf,

    /// Keys.
    #[command(flatten)]
    pub keys: KeyArgs,

    /// Fee account the node's block builder pays from; defaults to the first account
    /// funded in the genesis file.
    #[arg(long, env = "ESPRESSO_SEQUENCER_BUILDER_ACCOUNT")]
    pub builder_account: Option<Address>,

    /// Time between blocks.
    #[arg(long, env = "DOPPIO_BLOCK_INTERVAL", default_value = "1s", value_parser = parse_duration)]
    pub block_interval: Duration,

    /// Powers-of-Tau file (`.ptau`) for VID commitments; without it the node uses the
    /// insecure dev SRS and says so loudly.
    #[arg(long, env = "DOPPIO_SRS_PATH")]
    pub srs_path: Option<PathBuf>,

    /// Most transactions waiting in the mempool.
    #[arg(long, env = "DOPPIO_MEMPOOL_MAX_TRANSACTIONS", default_value_t = DEFAULT_MAX_TRANSACTIONS)]
    pub mempool_max_transactions: usize,

    /// Most bytes waiting in the mempool.
    #[arg(long, env = "DOPPIO_MEMPOOL_MAX_BYTES", default_value_t = DEFAULT_MAX_BYTES)]
    pub mempool_max_bytes: usize,

    /// The acceleration layer.
    #[command(flatten)]
    pub accel: AccelConfig,

    /// Where light-client state signatures go.
    #[command(flatten)]
    pub state_signer: StateSignerArgs,

    /// The L1 (`--l1-provider-url` and its timings). Without a URL the node runs
    /// without an L1: headers keep the genesis file's L1 block, no deposits are credited.
    #[command(flatten)]
    pub l1: L1Args,

    /// The `FeeContract` whose `Deposit` events credit fee accounts (the variable the
    /// `deploy` output writes). It replaces `fee_contract` in every chain config of the
    /// genesis file, so every node of a chain must be given the same one.
    #[arg(long, env = "ESPRESSO_SEQUENCER_FEE_CONTRACT_ADDRESS")]
    pub fee_contract_address: Option<Address>,
}

/// `sequencer [options]`.
#[derive(Debug, Parser)]
#[command(
    name = "sequencer",
    version,
    about = "Doppio sequencer node",
    after_help = "Modules follow the options, each after `--`: \
        http, query, storage-fs, storage-sql, submit, status, catchup, config. \
        `sequencer -- help <module>` shows a module's options."
)]
struct Global {
    #[command(flatten)]
    node: NodeArgs,
    #[command(flatten)]
    cluster: ClusterArgs,
}

/// How a `sequencer` joins a network of several nodes. With `--network-config FILE`
/// naming a file that exists, the stake table and bootstrap list come from it (a static
/// configuration: no orchestrator is asked). Otherwise, with `--orchestrator-url`, it
/// registers there (its QUIC address, keys, stake, DA flag, API URL), takes the stake
/// table and bootstrap list from the peer list, starts once every node has joined, and
/// writes the peer list to `--network-config` when given (a restart then needs no
/// orchestrator). With neither the node is a network of its own.
#[derive(Clone, Debug, Args)]
pub struct ClusterArgs {
    /// libp2p options and the orchestrator.
    #[command(flatten)]
    pub network: doppio_network::NetworkArgs,

    /// The network config file (the orchestrator's peer list as JSON; `network-config`
    /// makes one for a network without an orchestrator): read when it exists, written
    /// after joining through the orchestrator when it does not.
    #[arg(long, env = "DOPPIO_NETWORK_CONFIG")]
    pub network_config: Option<std::path::PathBuf>,

    /// Other nodes' HTTP APIs (comma-separated URLs) to fetch missing leaves and
    /// payloads from while catching up, besides the members over libp2p.
    #[arg(long, env = "ESPRESSO_SEQUENCER_STATE_PEERS", value_delimiter = ',')]
    pub state_peers: Vec<reqwest::Url>,

    /// More HTTP APIs to catch up from (the union with `--state-peers` is used: this
    /// node rebuilds its state from the blocks, so both serve the same fetches).
    #[arg(long, env = "ESPRESSO_SEQUENCER_API_PEERS", value_delimiter = ',')]
    pub api_peers: Vec<reqwest::Url>,

    /// Most leaf requests sent per second while catching up.
    #[arg(long, env = "ESPRESSO_SEQUENCER_FETCH_RATE_LIMIT", default_value_t = crate::driver::DEFAULT_FETCH_RATE_LIMIT)]
    pub fetch_rate_limit: u32,

    /// This node's stake, registered with the orchestrator.
    #[arg(long, env = "DOPPIO_STAKE", default_value_t = 1)]
    pub stake: u128,

    /// Whether this node registers as a DA committee member.
    #[arg(long, env = "ESPRESSO_SEQUENCER_IS_DA", default_value_t = true, action = clap::ArgAction::Set)]
    pub is_da: bool,
}

/// `-- http`.
#[derive(Clone, Debug, Parser)]
#[command(name = "http", about = "Serve the HTTP API")]
pub struct HttpArgs {
    /// Port of the HTTP API.
    #[arg(long, env = "ESPRESSO_SEQUENCER_API_PORT", default_value_t = DEFAULT_API_PORT)]
    pub port: u16,
    /// Most simultaneous connections.
    #[arg(long, env = "ESPRESSO_SEQUENCER_MAX_CONNECTIONS", default_value_t = DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,
}

/// A module without options.
#[derive(Clone, Debug, Parser)]
struct NoOptions {}

#[derive(Clone, Debug, Parser)]
#[command(name = "storage-fs", about = "Keep decided blocks in an SQLite database in a folder")]
struct StorageFsCommand {
    #[command(flatten)]
    args: StorageFsArgs,
}

#[derive(Clone, Debug, Parser)]
#[command(name = "storage-sql", about = "Keep decided blocks in Postgres")]
struct StorageSqlCommand {
    #[command(flatten)]
    args: StorageSqlArgs,
}

/// A parsed command line.
#[derive(Clone, Debug)]
pub struct Launch {
    /// The node's options.
    pub node: NodeArgs,
    /// `http`, if given.
    pub http: Option<HttpArgs>,
    /// Where decided blocks go.
    pub storage: StorageConfig,
    /// Pruning, for a DA node; `None` keeps everything (archival).
    pub pruning: Option<PruningConfig>,
    /// API modules.
    pub modules: crate::api::Modules,
    /// How it joins a larger network; `None`: a network of its own.
    pub cluster: Option<ClusterArgs>,
}

/// What a command line asks for.
#[derive(Debug)]
pub enum Command {
    /// Run the node.
    Run(Box<Launch>),
    /// Print this text (help for a module) and exit successfully.
    Help(String),
}

fn module_help(name: &str) -> Result<String, CliError> {
    let mut cmd = match name {
        "http" => HttpArgs::command(),
        "storage-fs" => StorageFsCommand::command(),
        "storage-sql" => StorageSqlCommand::command(),
        "query" | "submit" | "status" | "catchup" | "config" => {
            return Ok(format!(
                "module `{name}` has no options; it needs `http`{}",
                if name == "query" { " and a storage module" } else { "" }
            ));
        }
        _ => return Err(CliError::Help),
    };
    Ok(cmd.render_long_help().to_string())
}

fn parse_group<P: Parser>(name: &str, args: &[String]) -> Result<P, CliError> {
    let argv = std::iter::once(name.to_owned()).chain(args.iter().cloned());
    Ok(P::try_parse_from(argv)?)
}

/// Parses `sequencer` arguments (without the program name).
pub fn parse(args: &[String]) -> Result<Command, CliError> {
    let mut groups = args.split(|a| a == "--");
    let global = groups.next().unwrap_or_default();
    let Global { node, cluster } =
        Global::from_arg_matches(&Global::command().try_get_matches_from(
            std::iter::once("sequencer".to_owned()).chain(global.iter().cloned()),
        )?)?;
    let cluster = Some(cluster);
    let mut http = None;
    let mut storage: Option<(StorageConfig, Option<PruningConfig>)> = None;
    let mut modules = crate::api::Modules::default();
    let mut seen: Vec<&'static str> = Vec::new();
    for group in groups {
        let Some((name, rest)) = group.split_first() else { continue };
        if name == "help" {
            let module = rest.first().ok_or(CliError::Help)?;
            return Ok(Command::Help(module_help(module)?));
        }
        let name = MODULE_NAMES
            .into_iter()
            .find(|m| m == name)
            .ok_or_else(|| CliError::UnknownModule(name.clone()))?;
        if seen.contains(&name) {
            return Err(CliError::Duplicate(name));
        }
        seen.push(name);
        match name {
            "http" => http = Some(parse_group::<HttpArgs>(name, rest)?),
            "storage-fs" | "storage-sql" if storage.is_some() => {
                return Err(CliError::Duplicate("storage (storage-fs and storage-sql)"));
            }
            "storage-fs" => {
                let a = parse_group::<StorageFsCommand>(name, rest)?.args;
                let p = pruning(&a.pruning)?;
                storage = Some((a.into_config(), p));
            }
            "storage-sql" => {
                let a = parse_group::<StorageSqlCommand>(name, rest)?.args;
                let p = pruning(&a.pruning)?;
                storage = Some((a.into_config(), p));
            }
            _ => {
                parse_group::<NoOptions>(name, rest)?;
                match name {
                    "query" => modules.query = true,
                    "submit" => modules.submit = true,
                    "status" => modules.status = true,
                    "catchup" => modules.catchup = true,
                    _ => modules.config = true,
                }
            }
        }
    }
    check_dependencies(&seen, http.is_some(), storage.is_some())?;
    let (storage, pruning) = storage.expect("checked above");
    Ok(Command::Run(Box::new(Launch { node, http, storage, pruning, modules, cluster })))
}

fn pruning(args: &PruningArgs) -> Result<Option<PruningConfig>, CliError> {
    args.clone().into_config().map_err(|e| CliError::Invalid(e.to_string()))
}

fn check_dependencies(seen: &[&'static str], http: bool, storage: bool) -> Result<(), CliError> {
    for m in seen {
        if ["query", "submit", "status", "catchup", "config"].contains(m) && !http {
            return Err(CliError::Missing { module: m, needs: "the `http` module" });
        }
    }
    if seen.contains(&"query") && !storage {
        return Err(CliError::Missing {
            module: "query",
            needs: "a storage module (storage-fs or storage-sql)",
        });
    }
    if !storage {
        return Err(CliError::Missing {
            module: "sequencer",
            needs: "a storage module for decided blocks: `-- storage-fs --path DIR` or `-- storage-sql …`",
        });
    }
    Ok(())
}
