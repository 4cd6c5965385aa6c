//! `demo`: a local network on loopback — the orchestrator and N nodes in one process,
//! each with its own SQLite store under `--path`, its HTTP API on `--base-port + i` and
//! its libp2p QUIC endpoint on `--libp2p-base-port + i`. Nodes register with the
//! orchestrator in index order, get the peer list (stake table, DA flags, bootstrap
//! addresses) from it and start consensus once all have joined. Keys are made on the first
//! run and kept under `--path/keys`, so a second run on the same folder resumes the chain.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    num::NonZeroUsize,
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::Context;
use clap::Parser;
use doppio_keys::{
    NodeKeys, Scheme, StakeTableEntry,
    key_file::load_key_file,
    keygen::{derive_keys, key_file_path, random_seed, write_key_files},
};
use doppio_network::{
    HostPort, NetworkConfig,
    config::quic_multiaddr,
    orchestrator::{
        Registration,
        client::{Backoff, OrchestratorClient},
        server,
    },
};
use doppio_storage::StorageConfig;
use reqwest::Url;

use crate::{
    api::{DEFAULT_MAX_CONNECTIONS, Modules},
    cli::{HttpArgs, Launch, NodeArgs},
    dev_l1::{self, DevL1Args, DevL1Pipeline},
    driver::{DEFAULT_FETCH_RATE_LIMIT, DriverConfig},
    run::{Membership, RunningNode, start_with},
};

/// Default data folder.
pub const DEFAULT_DEMO_DIR: &str = "data/demo";
/// Default first API port.
pub const DEFAULT_BASE_PORT: u16 = 24000;
/// Default first libp2p (UDP) port.
pub const DEFAULT_LIBP2P_BASE_PORT: u16 = 25000;
/// Default orchestrator port.
pub const DEFAULT_ORCHESTRATOR_PORT: u16 = 24999;

/// `demo` options.
#[derive(Debug, Parser)]
#[command(name = "demo", version, about = "A local Doppio network: the orchestrator and N nodes")]
pub struct DemoArgs {
    /// Number of nodes.
    #[arg(long, default_value_t = 5)]
    pub nodes: usize,

    /// Data folder: keys and one SQLite store per node.
    #[arg(long, default_value = DEFAULT_DEMO_DIR)]
    pub path: PathBuf,

    /// Node i serves its API on this port + i.
    #[arg(long, default_value_t = DEFAULT_BASE_PORT)]
    pub base_port: u16,

    /// Node i listens for libp2p QUIC on this UDP port + i.
    #[arg(long, default_value_t = DEFAULT_LIBP2P_BASE_PORT)]
    pub libp2p_base_port: u16,

    /// Port of the orchestrator.
    #[arg(long, default_value_t = DEFAULT_ORCHESTRATOR_PORT)]
    pub orchestrator_port: u16,

    /// Most leaf requests a node sends per second while catching up.
    #[arg(long, env = "DOPPIO_FETCH_RATE_LIMIT", default_value_t = DEFAULT_FETCH_RATE_LIMIT)]
    pub fetch_rate_limit: u32,

    /// Node options (genesis file, block interval, accel…), the same for every node.
    #[command(flatten)]
    pub node: NodeArgs,

    /// The dev L1 and light-client pipeline (relay on `--base-port + 101`, prover
    /// metrics on `--base-port + 100`).
    #[command(flatten)]
    pub dev_l1: DevL1Args,
}

/// Each demo node's stake, in consensus and in the light client's stake table.
pub const NODE_STAKE: u128 = 1;

/// A running demo network.
pub struct Demo {
    /// The nodes, in index order.
    pub nodes: Vec<RunningNode>,
    /// Their API addresses.
    pub apis: Vec<SocketAddr>,
    /// The dev L1 with the relay and the prover, unless disabled or anvil is missing.
    pub light_client: Option<DevL1Pipeline>,
    orchestrator: tokio::task::JoinHandle<()>,
}

impl Demo {
    /// Stops every node and the orchestrator.
    pub async fn stop(self) {
        for n in self.nodes {
            n.stop().await;
        }
        self.orchestrator.abort();
        if let Some(p) = self.light_client {
            p.stop().await;
        }
    }
}

/// The keys of `n` nodes under `dir`: read back, or made (random) on the first run.
pub fn demo_keys(dir: &Path, n: usize) -> anyhow::Result<Vec<NodeKeys>> {
    if !key_file_path(dir, 0).exists() {
        let seed = random_seed();
        let keys: Vec<_> =
            (0..n as u64).map(|i| derive_keys(&seed, i, Scheme::All)).collect::<Result<_, _>>()?;
        write_key_files(dir, &keys, false)
            .with_context(|| format!("writing demo keys to {}", dir.display()))?;
    }
    (0..n as u64)
        .map(|i| {
            let path = key_file_path(dir, i);
            load_key_file(&path).with_context(|| format!("key file {}", path.display()))
        })
        .collect()
}

fn port(base: u16, i: usize) -> anyhow::Result<u16> {
    u16::try_from(base as usize + i).context("port past 65535")
}

/// Starts the orchestrator and the nodes; resolves once every node runs.
pub async fn start(args: &DemoArgs) -> anyhow::Result<Demo> {
    let n = NonZeroUsize::new(args.nodes).context("--nodes must be at least 1")?;
    let keys = demo_keys(&args.path.join("keys"), n.get())?;
    let mut node_args = args.node.clone();
    let members: Vec<_> = keys
        .iter()
        .map(|k| StakeTableEntry::new(&k.staking, NODE_STAKE, k.state.ver_key()))
        .collect();
    let light_client =
        dev_l1::start_beside(&args.dev_l1, &mut node_args, &members, args.base_port).await?;
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, args.orchestrator_port))
        .await
        .with_context(|| format!("binding the orchestrator to port {}", args.orchestrator_port))?;
    let orchestrator_url: Url = format!("http://{}/", listener.local_addr()?).parse()?;
    let orchestrator = tokio::spawn(async move {
        if let Err(e) = server::serve(listener, n, std::future::pending()).await {
            tracing::error!("orchestrator stopped: {e}");
        }
    });
    let client = OrchestratorClient::new(orchestrator_url);
    // Registration in index order, so that each node gets the index of its key file
    // (and a restarted demo the same stake table).
    for (i, k) in keys.iter().enumerate() {
        let reg = registration(args, i, k)?;
        let got = client.register(&reg).await.context("registering with the orchestrator")?;
        anyhow::ensure!(got.index == i, "node {i} was given index {}", got.index);
    }
    let backoff = Backoff { timeout: Duration::from_secs(30), ..Backoff::default() };
    let mut nodes = Vec::new();
    let mut apis = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let (_, peers) = client.join(&registration(args, i, k)?, backoff).await?;
        let bind = HostPort::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port(args.libp2p_base_port, i)?);
        let bootstrap = peers.bootstrap_nodes().map_err(anyhow::Error::msg)?;
        let membership = Membership {
            entries: peers.stake_table_entries(),
            da: peers.nodes.iter().map(|p| p.registration.da).collect(),
            peers: peers.nodes.iter().map(|p| p.registration.peer_id).collect(),
            index: i,
            network: NetworkConfig::new(bind, bootstrap, peers.members()),
        };
        let launch = Launch {
            node: node_args.clone(),
            http: Some(HttpArgs {
                port: port(args.base_port, i)?,
                max_connections: DEFAULT_MAX_CONNECTIONS,
            }),
            storage: StorageConfig::Sqlite { path: args.path.join(format!("node-{i}")) },
            pruning: None,
            modules: Modules::all(),
            cluster: None,
        };
        let driver =
            DriverConfig { fetch_rate_limit: args.fetch_rate_limit, ..DriverConfig::default() };
        let running = start_with(&launch, k.clone(), vec![], Some(membership), driver)
            .await
            .with_context(|| format!("starting node {i}"))?;
        apis.extend(running.api);
        nodes.push(running);
    }
    Ok(Demo { nodes, apis, light_client, orchestrator })
}

fn registration(args: &DemoArgs, i: usize, k: &NodeKeys) -> anyhow::Result<Registration> {
    let addr = SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port(args.libp2p_base_port, i)?);
    let api: Url = format!("http://127.0.0.1:{}/", port(args.base_port, i)?).parse()?;
    Ok(Registration::new(
        &k.staking,
        k.state.ver_key(),
        quic_multiaddr(addr),
        NODE_STAKE,
        true,
        api,
    ))
}
