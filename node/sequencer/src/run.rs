//! Wiring: genesis, keys, acceleration layer, SRS, storage, the node, its API and pruner.

use std::{net::SocketAddr, sync::Arc};

use alloy_primitives::Address;
use anyhow::Context;
use doppio_accel::Accel;
use doppio_consensus::Committee;
use doppio_keys::{NodeKeys, StakeTable, StakeTableEntry};
use doppio_kzg::Srs;
use doppio_l1::L1Args;
use doppio_network::{
    NetworkConfig, NetworkHandle, PeerId,
    config::quic_multiaddr,
    orchestrator::{
        PeerList, Registration,
        client::{Backoff, OrchestratorClient},
    },
};
use doppio_storage::{Storage, spawn_pruner};
use doppio_types::{Genesis, genesis::L1Finalized};
use doppio_vid::VidParams;
use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

use crate::{
    api::{self, ApiConfig},
    api_peers::ApiPeers,
    cli::{ClusterArgs, Launch},
    driver::{self, DriverConfig, Transport},
    l1::L1Fees,
    mempool::MempoolConfig,
    node::{Node, NodeConfig, vid_params_for},
};

/// The members of a network of several nodes and how to reach them.
#[derive(Clone, Debug)]
pub struct Membership {
    /// The stake table, in order.
    pub entries: Vec<StakeTableEntry>,
    /// Which entries are DA members.
    pub da: Vec<bool>,
    /// Each entry's libp2p peer id.
    pub peers: Vec<PeerId>,
    /// This node's index.
    pub index: usize,
    /// The network (its member set is replaced by `peers`).
    pub network: NetworkConfig,
}

/// Seed of the insecure dev SRS the node uses without `--srs-path`.
pub const DEV_SRS_SEED: u64 = 0x0d0b_b10d;

/// A started node: its block loop, API and pruner run until [`RunningNode::stop`].
pub struct RunningNode {
    /// The node.
    pub node: Node,
    /// Where the API listens, if it runs.
    pub api: Option<SocketAddr>,
    /// The consensus network, for a node of several members.
    pub network: Option<NetworkHandle>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningNode {
    /// Resolves when a shutdown is requested.
    fn signal(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.shutdown.subscribe();
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }
    }

    /// Stops the block loop and the API and waits for them.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

/// The builder account: the option, else the first funded genesis account, else none
/// (an unfunded builder proposes empty blocks).
fn builder_account(launch: &Launch, genesis: &Genesis) -> Address {
    launch.node.builder_account.or_else(|| genesis.accounts.keys().next().copied()).unwrap_or_else(
        || {
            tracing::warn!(
                "no builder account given and none funded in the genesis file: blocks will be empty"
            );
            Address::ZERO
        },
    )
}

/// The largest block any chain config of `genesis` allows.
fn largest_block(genesis: &Genesis) -> u64 {
    let upgrades = genesis.upgrades.iter().filter_map(|u| u.chain_config);
    upgrades.map(|c| c.max_block_size).fold(genesis.chain_config.max_block_size, u64::max)
}

/// Starts a node as `launch` describes, with `keys`; `env` is what `/v0/config/env`
/// shows (filtered of secrets here).
pub async fn start(
    launch: &Launch,
    keys: NodeKeys,
    env: Vec<(String, String)>,
) -> anyhow::Result<RunningNode> {
    let Some(cluster) = launch.cluster.as_ref().filter(|c| {
        c.network.orchestrator_url.is_some()
            || c.network_config.as_ref().is_some_and(|p| p.exists())
    }) else {
        if let Some(path) = launch.cluster.as_ref().and_then(|c| c.network_config.as_ref()) {
            anyhow::bail!(
                "--network-config {}: no such file, and no --orchestrator-url to make it from",
                path.display()
            );
        }
        if launch.cluster.as_ref().is_some_and(|c| !c.network.libp2p_bootstrap_nodes.is_empty()) {
            tracing::warn!(
                "bootstrap nodes given without --orchestrator-url or --network-config: the \
                 stake table comes from one of them, so this node runs a network of its own"
            );
        }
        return start_with(launch, keys, env, None, DriverConfig::default()).await;
    };
    let peers = match cluster.network_config.as_ref().filter(|p| p.exists()) {
        Some(path) => {
            let peers = doppio_network::orchestrator::file::read(path)?;
            tracing::info!(
                file = %path.display(),
                nodes = peers.nodes.len(),
                "network from the network config file (the orchestrator is not asked)"
            );
            peers
        }
        None => join_orchestrator(launch, cluster, &keys).await?,
    };
    let membership = membership(cluster, &keys, peers)?;
    let mut api_peers = cluster.state_peers.clone();
    api_peers
        .extend(cluster.api_peers.iter().filter(|u| !cluster.state_peers.contains(u)).cloned());
    let driver = DriverConfig {
        fetch_rate_limit: cluster.fetch_rate_limit,
        api_peers: ApiPeers::new(api_peers),
        ..DriverConfig::default()
    };
    start_with(launch, keys, env, Some(membership), driver).await
}

/// Registers with the orchestrator and waits for the peer list (in registration order),
/// which it writes to `--network-config` when given.
async fn join_orchestrator(
    launch: &Launch,
    cluster: &ClusterArgs,
    keys: &NodeKeys,
) -> anyhow::Result<PeerList> {
    let net = &cluster.network;
    let url = net.orchestrator_url.clone().context("no orchestrator URL")?;
    let advertise = net.libp2p_advertise_address.as_ref().unwrap_or(&net.libp2p_bind_address);
    let addr = advertise.resolve("--libp2p-advertise-address").await?;
    anyhow::ensure!(
        !addr.ip().is_unspecified() && addr.port() != 0,
        "the orchestrator needs an address other nodes can dial: set --libp2p-advertise-address \
         (the bind address is {addr})"
    );
    let api_port = launch.http.as_ref().map_or(crate::cli::DEFAULT_API_PORT, |h| h.port);
    let api: reqwest::Url = format!("http://{}/", SocketAddr::new(addr.ip(), api_port)).parse()?;
    let reg = Registration::new(
        &keys.staking,
        keys.state.ver_key(),
        quic_multiaddr(addr),
        cluster.stake,
        cluster.is_da,
        api,
    );
    let client = OrchestratorClient::new(url);
    let (registered, peers) = client.join(&reg, Backoff::default()).await?;
    tracing::info!(index = registered.index, nodes = peers.nodes.len(), "joined the network");
    if let Some(path) = &cluster.network_config {
        doppio_network::orchestrator::file::write(path, &peers)?;
        tracing::info!(file = %path.display(), "peer list saved: a restart needs no orchestrator");
    }
    Ok(peers)
}

/// The membership `peers` describes: the stake table in its order, this node's index
/// (found by its staking key), and the network with the others as bootstrap nodes (or
/// those the command line names).
fn membership(
    cluster: &ClusterArgs,
    keys: &NodeKeys,
    peers: PeerList,
) -> anyhow::Result<Membership> {
    let me = keys.staking.public_key();
    let index =
        peers.nodes.iter().position(|n| n.registration.staking_key == me).with_context(|| {
            format!("this node's staking key {me} is not in the network's peer list")
        })?;
    let mut args = cluster.network.clone();
    if args.libp2p_bootstrap_nodes.is_empty() {
        let mut others = peers.bootstrap_nodes().map_err(anyhow::Error::msg)?;
        others.remove(index);
        args.libp2p_bootstrap_nodes = others;
    }
    let network = args.into_config(&[] as &[&str], peers.members())?;
    Ok(Membership {
        entries: peers.stake_table_entries(),
        da: peers.nodes.iter().map(|p| p.registration.da).collect(),
        peers: peers.nodes.iter().map(|p| p.registration.peer_id).collect(),
        index,
        network,
    })
}

/// The committee of `membership`, or of this node alone.
fn committee(
    membership: Option<&Membership>,
    keys: &NodeKeys,
    accel: &Accel,
) -> anyhow::Result<(Committee, usize)> {
    let (entries, da, index) = match membership {
        Some(m) => (m.entries.clone(), m.da.clone(), m.index),
        None => (vec![StakeTableEntry::new(&keys.staking, 1, keys.state.ver_key())], vec![true], 0),
    };
    let table = StakeTable::new(entries, accel).context("stake table")?;
    let entry =
        table.entries().get(index).context("this node's index is outside the stake table")?;
    anyhow::ensure!(
        entry.staking_key == keys.staking.public_key(),
        "stake-table entry {index} is not this node's staking key"
    );
    Ok((Committee::new(table, &da, accel).context("committee")?, index))
}

/// Starts a node of the network `membership` describes (`None`: a network of this node
/// alone), running consensus with `driver`.
pub async fn start_with(
    launch: &Launch,
    keys: NodeKeys,
    env: Vec<(String, String)>,
    membership: Option<Membership>,
    driver: DriverConfig,
) -> anyhow::Result<RunningNode> {
    let args = &launch.node;
    let mut genesis = Genesis::from_file(&args.genesis_file)
        .with_context(|| format!("genesis file {}", args.genesis_file.display()))?;
    if let Some(contract) = args.fee_contract_address {
        set_fee_contract(&mut genesis, contract);
    }
    let l1 = l1_fees(&args.l1, &genesis)?;
    let accel = Accel::new(&args.accel).context("acceleration layer")?;
    let (committee, index) = committee(membership.as_ref(), &keys, &accel)?;
    let vid: VidParams = vid_params_for(committee.len()).context("VID parameters")?;
    let degree = vid.recovery_threshold;
    let srs = match &args.srs_path {
        Some(path) => Srs::from_ptau(path, degree, &accel)
            .with_context(|| format!("SRS file {}", path.display()))?,
        None => Srs::insecure_dev(degree, DEV_SRS_SEED),
    };
    let storage = Storage::open(&launch.storage).await.context("opening storage")?;
    let config = NodeConfig {
        committee,
        index,
        builder_account: builder_account(launch, &genesis),
        block_interval: args.block_interval,
        mempool: MempoolConfig {
            max_transactions: args.mempool_max_transactions,
            max_bytes: args.mempool_max_bytes,
        },
        vid,
        srs: Arc::new(srs),
        accel,
        keys,
        genesis,
        l1,
    };
    let max_body_bytes = api::body_limit(largest_block(&config.genesis));
    let node = Node::start(config, storage.clone()).await.context("starting the node")?;
    let (shutdown, _) = watch::channel(false);
    let mut running =
        RunningNode { node: node.clone(), api: None, network: None, shutdown, tasks: Vec::new() };

    if let Some(pruning) = launch.pruning {
        let pruner = spawn_pruner(storage, pruning);
        let stop = running.signal();
        running.tasks.push(tokio::spawn(async move {
            stop.await;
            pruner.abort();
        }));
    }
    if let Some(http) = &launch.http {
        let listener = TcpListener::bind(("0.0.0.0", http.port))
            .await
            .with_context(|| format!("binding the API to port {}", http.port))?;
        running.api = Some(listener.local_addr()?);
        let config = ApiConfig {
            modules: launch.modules,
            max_connections: http.max_connections,
            max_body_bytes,
            env: api::config::public_env(env),
        };
        let stop = running.signal();
        let node = node.clone();
        running.tasks.push(tokio::spawn(async move {
            if let Err(e) = api::serve(node, config, listener, stop).await {
                tracing::error!("the API server stopped: {e}");
            }
        }));
    }
    let transport = match membership {
        Some(m) => Some(start_network(&node, m).await?),
        None => None,
    };
    running.network = transport.as_ref().map(|t| t.handle.clone());
    let relay = args.state_signer.state_relay_server_url.clone();
    running.tasks.push(crate::state_signer::spawn(node.clone(), relay, running.signal()));
    let stop = running.signal();
    running.tasks.push(tokio::spawn(async move {
        if let Err(e) = driver::run(node, transport, driver, stop).await {
            tracing::error!("consensus stopped: {e}");
        }
    }));
    Ok(running)
}

/// Sets `fee_contract` in every chain config of `genesis` (`--fee-contract-address`).
pub fn set_fee_contract(genesis: &mut Genesis, contract: Address) {
    let configs = std::iter::once(&mut genesis.chain_config)
        .chain(genesis.upgrades.iter_mut().filter_map(|u| u.chain_config.as_mut()));
    for config in configs {
        if config.fee_contract.is_some_and(|c| c != contract) {
            tracing::info!(
                genesis = ?config.fee_contract,
                %contract,
                "--fee-contract-address replaces the genesis file's fee contract"
            );
        }
        config.fee_contract = Some(contract);
    }
}

/// The node's L1 from its flags: `None` without `--l1-provider-url`; otherwise it reads
/// the deposits of the genesis chain config's fee contract finalized after the genesis
/// `[l1_finalized]` block (from block 0 without one).
fn l1_fees(args: &L1Args, genesis: &Genesis) -> anyhow::Result<Option<L1Fees>> {
    let Some(client) = args.client().context("L1 client")? else {
        tracing::info!("no --l1-provider-url: headers keep the genesis L1 block, no deposits");
        return Ok(None);
    };
    let start = genesis.l1_finalized.as_ref().map(|f| match *f {
        L1Finalized::Number { number } | L1Finalized::Block { number, .. } => number,
    });
    let contract = genesis.chain_config.fee_contract;
    tracing::info!(url = %client.current_url(), fee_contract = ?contract, "following the L1");
    Ok(Some(L1Fees::start(client, contract, start)))
}

/// Starts the libp2p network with the node's companion libp2p key, its metrics in the
/// node's registry.
async fn start_network(node: &Node, m: Membership) -> anyhow::Result<Transport> {
    let mut config = m.network;
    config.members = m.peers.iter().copied().collect();
    let keypair = doppio_keys::peer::libp2p_keypair(&node.keys().staking);
    let (handle, inbound) =
        doppio_network::start(keypair, config).await.context("starting the network")?;
    handle.metrics().register(node.metrics().registry()).context("network metrics")?;
    Ok(Transport { handle, inbound, peers: m.peers })
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn termination() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Installs the log subscriber (`RUST_LOG`, default `info`).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
