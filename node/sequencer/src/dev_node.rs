//! `dev-node`: one node that is its own stake table and DA committee, with SQLite under a
//! data folder and every API module on one port.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Parser;
use doppio_keys::{
    NodeKeys, Scheme, StakeTableEntry,
    key_file::load_key_file,
    keygen::{derive_keys, key_file_path, random_seed, write_key_files},
};
use doppio_storage::StorageConfig;

use crate::{
    api::{DEFAULT_MAX_CONNECTIONS, Modules},
    cli::{DEFAULT_API_PORT, HttpArgs, Launch, NodeArgs},
    dev_l1::{self, DevL1Args, DevL1Pipeline},
    run::{self, RunningNode},
};

/// Default data folder, relative to the working directory.
pub const DEFAULT_DATA_DIR: &str = "data/dev-node";

/// `dev-node` options.
#[derive(Debug, Parser)]
#[command(
    name = "dev-node",
    version,
    about = "A single Doppio node with every API module, for development"
)]
pub struct DevNodeArgs {
    /// Port of the HTTP API (0 picks a free one).
    #[arg(long, env = "ESPRESSO_SEQUENCER_API_PORT", default_value_t = DEFAULT_API_PORT)]
    pub port: u16,

    /// Data folder: the SQLite database and, unless keys are given, the node's dev keys.
    #[arg(long, env = "ESPRESSO_SEQUENCER_STORAGE_PATH", default_value = DEFAULT_DATA_DIR)]
    pub path: PathBuf,

    /// Node options.
    #[command(flatten)]
    pub node: NodeArgs,

    /// The dev L1 and light-client pipeline (relay on `--port + 101`, prover metrics on
    /// `--port + 100`; free ports with `--port 0`).
    #[command(flatten)]
    pub dev_l1: DevL1Args,
}

impl DevNodeArgs {
    /// The launch description: SQLite in `path`, every module, archival.
    pub fn launch(&self) -> Launch {
        Launch {
            node: self.node.clone(),
            http: Some(HttpArgs { port: self.port, max_connections: DEFAULT_MAX_CONNECTIONS }),
            storage: StorageConfig::Sqlite { path: self.path.clone() },
            pruning: None,
            modules: Modules::all(),
            cluster: None,
        }
    }

    /// The keys: those given by option, else the dev keys kept in the data folder, made
    /// fresh (random) on the first run so that restarts extend the same chain.
    pub fn keys(&self) -> anyhow::Result<NodeKeys> {
        let k = &self.node.keys;
        if k.key_file.is_some() || k.private_staking_key.is_some() || k.private_state_key.is_some()
        {
            return Ok(k.load()?);
        }
        dev_keys(&self.path.join("keys"))
    }
}

/// A running dev node with its light-client pipeline, if any.
pub struct DevNode {
    /// The node.
    pub node: RunningNode,
    /// The dev L1 with the relay and the prover.
    pub light_client: Option<DevL1Pipeline>,
}

impl DevNode {
    /// Stops the node, then the pipeline.
    pub async fn stop(self) {
        self.node.stop().await;
        if let Some(p) = self.light_client {
            p.stop().await;
        }
    }
}

/// Starts the dev L1 pipeline for this node alone (stake 1, as the node's own stake
/// table has it; skipped with `--no-dev-l1` or without anvil), then the node, posting
/// its state signatures to the pipeline's relay. `env` is what `/v0/config/env` shows.
pub async fn start(args: &DevNodeArgs, env: Vec<(String, String)>) -> anyhow::Result<DevNode> {
    let keys = args.keys()?;
    let mut launch = args.launch();
    let member = StakeTableEntry::new(&keys.staking, 1, keys.state.ver_key());
    let light_client =
        dev_l1::start_beside(&args.dev_l1, &mut launch.node, &[member], args.port).await?;
    let node = run::start(&launch, keys, env).await?;
    Ok(DevNode { node, light_client })
}

/// Loads `dir/0.env`, writing fresh random keys there first if it does not exist.
pub fn dev_keys(dir: &Path) -> anyhow::Result<NodeKeys> {
    let path = key_file_path(dir, 0);
    if !path.exists() {
        let keys = derive_keys(&random_seed(), 0, Scheme::All)?;
        write_key_files(dir, &[keys], false)
            .with_context(|| format!("writing dev keys to {}", dir.display()))?;
        tracing::info!("fresh dev keys written to {}", path.display());
    }
    Ok(load_key_file(&path)?)
}
