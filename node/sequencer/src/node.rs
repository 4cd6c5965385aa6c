//! A single node that decides blocks on its own: it is the whole stake table and its own
//! DA committee. Each block is built from the mempool, dispersed with VID on the
//! acceleration layer, certified with the node's BLS key, and written to storage with the
//! chain state in one transaction. The consensus network (another crate) replaces the
//! "certify on its own" step; everything else stays.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use alloy_primitives::{Address, U256};
use doppio_accel::Accel;
use doppio_keys::{NodeKeys, StakeTable, StakeTableEntry, Threshold, Vote, VoteAccumulator};
use doppio_kzg::Srs;
use doppio_storage::{BlockData, Storage, StorageError};
use doppio_types::{
    ChainConfig, FeeInfo, Genesis, Header, L1BlockInfo, Leaf, LeafQueryData, Payload, Transaction,
    TxCommitment, genesis::L1Finalized, genesis::UpgradeMode,
};
use doppio_vid::{Dispersal, Vid, VidError, VidParams};
use tokio::sync::{RwLock, watch};

use crate::{
    mempool::{Mempool, MempoolConfig, MempoolError},
    metrics::NodeMetrics,
    state::{ChainState, StateError, block_fee, charge_fee, genesis_fee_tree},
};

/// Default VID parameters: 128 shares, any 32 recover the payload.
pub const DEFAULT_VID_SHARES: usize = 128;
/// Default VID recovery threshold.
pub const DEFAULT_VID_THRESHOLD: usize = 32;
/// Default time between blocks.
pub const DEFAULT_BLOCK_INTERVAL: Duration = Duration::from_millis(1000);

/// Why the node cannot start or decide.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// Storage failed.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    /// VID failed.
    #[error("VID: {0}")]
    Vid(#[from] VidError),
    /// Chain state.
    #[error(transparent)]
    State(#[from] StateError),
    /// The block Merkle tree holds 2^32 blocks.
    #[error(transparent)]
    TreeFull(#[from] doppio_types::block_merkle::TreeFull),
    /// The node's key does not make a stake table or a certificate.
    #[error("keys: {0}")]
    Keys(String),
    /// The block payload could not be laid out.
    #[error("payload: {0}")]
    Payload(#[from] doppio_types::PayloadError),
    /// Storage holds a chain from another genesis or another key.
    #[error("storage holds another chain: {0}")]
    WrongChain(String),
    /// A blocking task died.
    #[error("internal task failed: {0}")]
    Task(String),
}

/// What a node needs to run.
pub struct NodeConfig {
    /// The chain's genesis.
    pub genesis: Genesis,
    /// The node's keys.
    pub keys: NodeKeys,
    /// The fee account of the node's block builder.
    pub builder_account: Address,
    /// Time between blocks.
    pub block_interval: Duration,
    /// Mempool bounds.
    pub mempool: MempoolConfig,
    /// VID shares and recovery threshold.
    pub vid: VidParams,
    /// The SRS for VID commitments.
    pub srs: Arc<Srs>,
    /// The acceleration layer.
    pub accel: Accel,
}

/// One decided block, as the decide loop reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decided {
    /// Its height.
    pub height: u64,
    /// Its view.
    pub view: u64,
    /// Transactions it holds.
    pub transactions: usize,
    /// Payload bytes.
    pub payload_bytes: usize,
}

/// A running node; cheap to clone.
#[derive(Clone)]
pub struct Node {
    inner: Arc<Inner>,
}

struct Inner {
    genesis: Genesis,
    keys: NodeKeys,
    builder_account: Address,
    block_interval: Duration,
    stake_table: StakeTable,
    storage: Storage,
    vid: Arc<Vid>,
    accel: Accel,
    mempool: Mutex<Mempool>,
    state: RwLock<ChainState>,
    /// Held for a whole decide, so that the state read to build a block is still the
    /// state when the block is stored, while readers only wait for the storage write.
    deciding: tokio::sync::Mutex<()>,
    metrics: NodeMetrics,
    /// Number of decided blocks (the next height), with the time of the last decide.
    height: watch::Sender<(u64, Instant)>,
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// The chain config in force for a block proposed in `view` at unix time `now`: the
/// genesis config, replaced by each upgrade whose proposal window has opened (a
/// single-node chain certifies an upgrade as soon as it may be proposed).
pub fn chain_config_at(genesis: &Genesis, view: u64, now: u64) -> ChainConfig {
    let mut config = genesis.chain_config;
    for upgrade in &genesis.upgrades {
        let open = match upgrade.mode {
            UpgradeMode::View { start_proposing_view, .. } => view >= start_proposing_view,
            UpgradeMode::Time { start_proposing_time, .. } => {
                now as i64 >= start_proposing_time.unix_timestamp()
            }
        };
        if let (true, Some(c)) = (open, upgrade.chain_config) {
            config = c;
        }
    }
    config
}

fn l1_of(genesis: &Genesis) -> (u64, Option<L1BlockInfo>) {
    match genesis.l1_finalized {
        None => (0, None),
        Some(L1Finalized::Number { number }) => (number, None),
        Some(L1Finalized::Block { number, timestamp, hash }) => {
            (number, Some(L1BlockInfo { number, timestamp, hash }))
        }
    }
}

impl Node {
    /// Opens the node on `storage`: resumes from the last decided block there, or decides
    /// the genesis block of `config.genesis` into an empty store.
    pub async fn start(config: NodeConfig, storage: Storage) -> Result<Node, NodeError> {
        let entry = StakeTableEntry::new(&config.keys.staking, 1, config.keys.state.ver_key());
        let stake_table = StakeTable::new(vec![entry], &config.accel)
            .map_err(|e| NodeError::Keys(e.to_string()))?;
        let vid = Vid::new(config.vid, &config.srs, config.accel.clone())?;
        let state = match storage.latest_state().await? {
            Some((height, bytes)) => ChainState::from_bytes(height, &bytes)?,
            None => genesis_state(&config, &vid, &stake_table, &storage).await?,
        };
        let genesis_header = storage.header(doppio_storage::BlockId::Height(0)).await?;
        if genesis_header.timestamp != config.genesis.header.timestamp.unix_timestamp() as u64
            || genesis_header.chain_config != config.genesis.chain_config
        {
            return Err(NodeError::WrongChain(
                "its genesis header differs from the genesis file's (timestamp or chain config)"
                    .into(),
            ));
        }
        let height = state.next_height();
        let metrics = NodeMetrics::new();
        metrics.current_view.set(state.view as i64);
        metrics.last_decided_view.set(state.decided.leaf.view_number as i64);
        metrics.last_synced_block_height.set(state.decided.height() as i64);
        tracing::info!(height = state.decided.height(), view = state.view, "chain state loaded");
        let node = Node {
            inner: Arc::new(Inner {
                genesis: config.genesis,
                keys: config.keys,
                builder_account: config.builder_account,
                block_interval: config.block_interval,
                stake_table,
                storage,
                vid: Arc::new(vid),
                accel: config.accel,
                mempool: Mutex::new(Mempool::new(config.mempool)),
                state: RwLock::new(state),
                deciding: tokio::sync::Mutex::new(()),
                metrics,
                height: watch::channel((height, Instant::now())).0,
            }),
        };
        // The QC of the stored tip must be ours: a store written with another key is
        // another chain, and extending it would mix certificates.
        let tip = node.inner.state.read().await.decided.clone();
        tip.qc.verify(&node.inner.stake_table, quorum(), &node.inner.accel).map_err(|e| {
            NodeError::WrongChain(format!(
                "the certificate of block {} does not verify with this node's key: {e}",
                tip.height()
            ))
        })?;
        Ok(node)
    }

    /// Storage.
    pub fn storage(&self) -> &Storage {
        &self.inner.storage
    }

    /// Metrics.
    pub fn metrics(&self) -> &NodeMetrics {
        &self.inner.metrics
    }

    /// The acceleration layer.
    pub fn accel(&self) -> &Accel {
        &self.inner.accel
    }

    /// The VID instance blocks are dispersed with.
    pub fn vid(&self) -> &Vid {
        &self.inner.vid
    }

    /// A shared handle on the VID instance, for blocking tasks.
    pub fn vid_handle(&self) -> Arc<Vid> {
        self.inner.vid.clone()
    }

    /// The genesis.
    pub fn genesis(&self) -> &Genesis {
        &self.inner.genesis
    }

    /// The stake table (this node alone).
    pub fn stake_table(&self) -> &StakeTable {
        &self.inner.stake_table
    }

    /// The block builder's fee account.
    pub fn builder_account(&self) -> Address {
        self.inner.builder_account
    }

    /// Time between blocks.
    pub fn block_interval(&self) -> Duration {
        self.inner.block_interval
    }

    /// Number of decided blocks (the next height to decide).
    pub fn block_height(&self) -> u64 {
        self.inner.height.borrow().0
    }

    /// Time since the last decide (or since start, before the first).
    pub fn time_since_last_decide(&self) -> Duration {
        self.inner.height.borrow().1.elapsed()
    }

    /// Watches the block height.
    pub fn subscribe(&self) -> watch::Receiver<(u64, Instant)> {
        self.inner.height.subscribe()
    }

    /// A copy of the chain state after the last decided block.
    pub async fn state(&self) -> ChainState {
        self.inner.state.read().await.clone()
    }

    /// The chain config for the next block.
    pub async fn current_chain_config(&self) -> ChainConfig {
        let view = self.inner.state.read().await.view + 1;
        chain_config_at(&self.inner.genesis, view, unix_now())
    }

    /// Accepts a transaction into the mempool.
    pub async fn submit(&self, tx: Transaction) -> Result<TxCommitment, MempoolError> {
        let max_block_size = self.current_chain_config().await.max_block_size;
        let mut pool = self.inner.mempool.lock().expect("mempool lock");
        let result = pool.insert(tx, max_block_size);
        let m = &self.inner.metrics;
        match &result {
            Ok(_) => m.transactions_submitted.inc(),
            Err(_) => m.transactions_rejected.inc(),
        }
        m.outstanding_transactions.set(pool.len() as i64);
        m.outstanding_transactions_memory_size.set(pool.bytes() as i64);
        result
    }

    /// Transactions waiting.
    pub fn mempool_len(&self) -> usize {
        self.inner.mempool.lock().expect("mempool lock").len()
    }

    /// Builds, disperses, certifies and stores the next block. The state is only read
    /// while the block is built and dispersed; it is locked for writing for the storage
    /// write alone.
    pub async fn decide_next(&self) -> Result<Decided, NodeError> {
        let started = Instant::now();
        let inner = &self.inner;
        let _deciding = inner.deciding.lock().await;
        let (view, now, parent, block_root, mut fee_tree) = {
            let state = inner.state.read().await;
            let now = unix_now().max(state.decided.leaf.block_header.timestamp);
            let root = state.block_tree.root();
            (state.view + 1, now, state.decided.clone(), root, state.fee_tree.clone())
        };
        let chain_config = chain_config_at(&inner.genesis, view, now);
        let mut picked =
            inner.mempool.lock().expect("mempool lock").select(chain_config.max_block_size);

        // The builder pays for what it proposes; an unfunded builder proposes empty blocks.
        let mut payload = Payload::from_transactions(picked.iter().map(|(_, t)| t))?;
        let mut fee = block_fee(chain_config.base_fee, payload.bytes().len() as u64)?;
        if let Err(e) =
            charge_fee(&mut fee_tree, inner.builder_account, chain_config.fee_recipient, fee)
        {
            if !picked.is_empty() {
                inner.metrics.unfunded_builder_blocks.inc();
                tracing::warn!("{e}; proposing an empty block");
            }
            (picked, payload, fee) = (Vec::new(), Payload::from_transactions(&[])?, U256::ZERO);
        }

        let vid = inner.vid.clone();
        let disperse_start = Instant::now();
        let (payload, dispersal) = tokio::task::spawn_blocking(move || {
            let dispersal = vid.disperse(payload.bytes());
            (payload, dispersal)
        })
        .await
        .map_err(|e| NodeError::Task(e.to_string()))?;
        let dispersal = dispersal?;
        inner.metrics.vid_disperse_seconds.observe(disperse_start.elapsed().as_secs_f64());

        let header = Header {
            chain_config,
            height: parent.height() + 1,
            timestamp: now,
            l1_head: parent.leaf.block_header.l1_head,
            l1_finalized: parent.leaf.block_header.l1_finalized,
            payload_commitment: dispersal.commitment,
            ns_table: payload.ns_table().bytes().to_vec(),
            block_merkle_tree_root: block_root.into(),
            fee_merkle_tree_root: fee_tree.root().into(),
            fee_info: FeeInfo { account: inner.builder_account, amount: fee.into() },
        };
        let leaf = Leaf {
            view_number: view,
            parent_commitment: parent.leaf.commit(),
            block_header: header,
            justify_qc: Some(parent.qc),
        };
        let decided = certified(&inner.keys, &inner.stake_table, &inner.accel, leaf)?;
        let out = Decided {
            height: decided.height(),
            view,
            transactions: picked.len(),
            payload_bytes: payload.bytes().len(),
        };
        let block = block_data(decided.clone(), payload, dispersal);

        // The state is updated in place and saved with the block; if the write fails, the
        // saved state is reloaded, so memory never runs ahead of storage.
        let mut state = inner.state.write().await;
        state.block_tree.push(&decided.block_hash().0)?;
        state.view = view;
        state.decided = decided;
        state.fee_tree = fee_tree;
        if let Err(e) = inner.storage.append_decided(&block, &state.to_bytes()).await {
            *state = reload(&inner.storage).await?;
            return Err(e.into());
        }
        drop(state);
        self.after_decide(&out, &picked, started);
        Ok(out)
    }

    fn after_decide(
        &self,
        out: &Decided,
        picked: &[(TxCommitment, Transaction)],
        started: Instant,
    ) {
        let inner = &self.inner;
        let done: Vec<TxCommitment> = picked.iter().map(|(c, _)| *c).collect();
        let (len, bytes) = {
            let mut pool = inner.mempool.lock().expect("mempool lock");
            pool.remove(&done);
            (pool.len(), pool.bytes())
        };
        let m = &inner.metrics;
        m.outstanding_transactions.set(len as i64);
        m.outstanding_transactions_memory_size.set(bytes as i64);
        m.current_view.set(out.view as i64);
        m.last_decided_view.set(out.view as i64);
        m.last_decided_time.set(unix_now() as i64);
        m.last_synced_block_height.set(out.height as i64);
        m.transactions_decided.inc_by(out.transactions as u64);
        if out.transactions == 0 {
            m.empty_blocks_proposed.inc();
        }
        m.decide_seconds.observe(started.elapsed().as_secs_f64());
        inner.height.send_replace((out.height + 1, Instant::now()));
        tracing::debug!(height = out.height, txs = out.transactions, "decided");
    }

    /// Decides a block every block interval until `shutdown` resolves; a failed decide is
    /// logged and retried at the next tick with the state reloaded from storage.
    pub async fn run(&self, shutdown: impl std::future::Future<Output = ()>) {
        let mut ticker = tokio::time::interval(self.inner.block_interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                _ = ticker.tick() => {
                    if let Err(e) = self.decide_next().await {
                        tracing::error!("deciding a block failed: {e}");
                    }
                }
            }
        }
    }
}

/// The share of stake a certificate needs.
fn quorum() -> Threshold {
    Threshold::new(2, 3).expect("2/3 is a valid threshold")
}

/// `leaf` with a certificate from this node's single-member stake table.
fn certified(
    keys: &NodeKeys,
    table: &StakeTable,
    accel: &Accel,
    leaf: Leaf,
) -> Result<LeafQueryData, NodeError> {
    let data = leaf.vote_data();
    let mut acc = VoteAccumulator::new(table, data, quorum(), accel.clone());
    let qc = acc
        .add(&Vote::new(&keys.staking, data))
        .map_err(|e| NodeError::Keys(e.to_string()))?
        .certificate
        .ok_or_else(|| NodeError::Keys("the node's vote is not a quorum of its table".into()))?;
    LeafQueryData::new(leaf, qc).map_err(|e| NodeError::Keys(e.to_string()))
}

/// What storage keeps of a decided block: the payload and this node's share.
fn block_data(leaf: LeafQueryData, payload: Payload, dispersal: Dispersal) -> BlockData {
    BlockData {
        leaf,
        payload: Some(payload),
        vid_common: dispersal.common,
        vid_share: dispersal.shares.into_iter().next(),
    }
}

/// The state saved with the last stored block.
async fn reload(storage: &Storage) -> Result<ChainState, NodeError> {
    let (height, bytes) = storage.latest_state().await?.ok_or_else(|| {
        NodeError::WrongChain("storage lost its chain state while the node ran".into())
    })?;
    Ok(ChainState::from_bytes(height, &bytes)?)
}

/// Decides the genesis block into an empty store.
async fn genesis_state(
    config: &NodeConfig,
    vid: &Vid,
    table: &StakeTable,
    storage: &Storage,
) -> Result<ChainState, NodeError> {
    let genesis = &config.genesis;
    let payload = Payload::from_transactions(&[])?;
    let dispersal = vid.disperse(payload.bytes())?;
    let fee_tree = genesis_fee_tree(genesis);
    let block_tree = doppio_types::BlockMerkleTree::new();
    let (l1_head, l1_finalized) = l1_of(genesis);
    let header = Header {
        chain_config: genesis.chain_config,
        height: 0,
        timestamp: genesis.header.timestamp.unix_timestamp().max(0) as u64,
        l1_head,
        l1_finalized,
        payload_commitment: dispersal.commitment,
        ns_table: payload.ns_table().bytes().to_vec(),
        block_merkle_tree_root: block_tree.root().into(),
        fee_merkle_tree_root: fee_tree.root().into(),
        fee_info: FeeInfo::default(),
    };
    let decided = certified(&config.keys, table, &config.accel, Leaf::genesis(header))?;
    let mut block_tree = block_tree;
    block_tree.push(&decided.block_hash().0)?;
    let block = block_data(decided.clone(), payload, dispersal);
    let state = ChainState { view: 0, decided, block_tree, fee_tree };
    storage.append_decided(&block, &state.to_bytes()).await?;
    tracing::info!(commitment = %state.decided.block_hash(), "genesis block decided");
    Ok(state)
}
