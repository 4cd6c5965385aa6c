//! The node's chain: the mempool, block building (payload from the mempool, VID dispersal
//! on the acceleration layer, a header over the state after its parent), and decided
//! blocks written to storage with the chain state in one transaction. Consensus (the
//! driver in [`crate::driver`]) decides which blocks; a network of one member is its own
//! stake table and DA committee.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use alloy_primitives::{Address, U256};
use doppio_accel::Accel;
use doppio_consensus::{CertificateKind, Committee};
use doppio_keys::{NodeKeys, QuorumCertificate, SignerBits, StakeTable, Vote};
use doppio_kzg::Srs;
use doppio_storage::{BlockData, Storage, StorageError};
use doppio_types::{
    ChainConfig, FeeInfo, Genesis, Header, L1BlockInfo, Leaf, LeafQueryData, Payload, Transaction,
    TxCommitment, genesis::L1Finalized, genesis::UpgradeMode,
};
use doppio_vid::{Dispersal, Vid, VidError, VidParams};
use tokio::sync::{RwLock, watch};

use crate::{
    l1::{L1Fees, L1Refs, apply_credits, refs_credits, wait_for_genesis},
    mempool::{Mempool, MempoolConfig, MempoolError},
    metrics::NodeMetrics,
    state::{ChainState, LeafState, StateError, block_fee, charge_fee, genesis_fee_tree},
    state_signer::StateSignatures,
};

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
    /// A decided block that does not extend the stored chain.
    #[error("decided block at height {height} does not extend the stored chain: {reason}")]
    NotExtending {
        /// Its height.
        height: u64,
        /// Why.
        reason: String,
    },
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
    /// The members of consensus (one member: a network of this node alone).
    pub committee: Committee,
    /// This node's index in the stake table.
    pub index: usize,
    /// The fee account of the node's block builder.
    pub builder_account: Address,
    /// Least time between a block and the next this node builds on it.
    pub block_interval: Duration,
    /// Mempool bounds.
    pub mempool: MempoolConfig,
    /// VID shares (one per member) and recovery threshold.
    pub vid: VidParams,
    /// The SRS for VID commitments.
    pub srs: Arc<Srs>,
    /// The acceleration layer.
    pub accel: Accel,
    /// The L1 headers refer to and fee deposits come from; `None`: headers keep the
    /// genesis file's L1 block and no deposits are credited.
    pub l1: Option<L1Fees>,
}

/// The VID parameters of a committee of `members`: one share per member, and any third
/// of them (at least one) recovers the payload, so the honest members alone always can.
pub fn vid_params_for(members: usize) -> Result<VidParams, VidError> {
    VidParams::new(members, members.div_ceil(3).max(1))
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

/// A block built by this node as leader, for consensus to propose.
pub struct BuiltBlock {
    /// The header.
    pub header: Header,
    /// The payload.
    pub payload: Payload,
    /// Its dispersal, one share per member.
    pub dispersal: Dispersal,
    /// The mempool transactions it holds.
    pub transactions: Vec<TxCommitment>,
}

/// A running node; cheap to clone.
#[derive(Clone)]
pub struct Node {
    inner: Arc<Inner>,
}

struct Inner {
    genesis: Genesis,
    keys: NodeKeys,
    committee: Committee,
    index: usize,
    builder_account: Address,
    block_interval: Duration,
    storage: Storage,
    vid: Arc<Vid>,
    accel: Accel,
    mempool: Mutex<Mempool>,
    state: RwLock<ChainState>,
    /// Held for a whole decide, so that decided blocks are stored one at a time, in order.
    deciding: tokio::sync::Mutex<()>,
    metrics: NodeMetrics,
    l1: Option<L1Fees>,
    /// Number of stored blocks (the next height), with the time of the last decide.
    height: watch::Sender<(u64, Instant)>,
    /// This node's signatures on recent light-client states.
    state_signatures: StateSignatures,
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// How far ahead of this node's clock a proposed header's timestamp may be.
pub const MAX_CLOCK_DRIFT_SECS: u64 = 12;

/// The chain config in force for a block proposed in `view` at unix time `now`: the
/// genesis config, replaced by each upgrade whose proposal window has opened.
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

/// Checks the fields of `proposed`'s header that do not depend on the trees: timestamp and
/// chain config. (Heights, the parent link and the payload commitment are checked by
/// consensus; the L1 references and the Merkle roots by [`LeafState::apply`].)
pub fn check_header_fields(
    genesis: &Genesis,
    parent: &Leaf,
    proposed: &Leaf,
) -> Result<(), String> {
    let (p, h) = (&parent.block_header, &proposed.block_header);
    if h.timestamp < p.timestamp {
        return Err(format!("timestamp {} is before the parent's {}", h.timestamp, p.timestamp));
    }
    if h.timestamp > unix_now() + MAX_CLOCK_DRIFT_SECS {
        return Err(format!("timestamp {} is in the future", h.timestamp));
    }
    if h.chain_config != chain_config_at(genesis, proposed.view_number, h.timestamp) {
        return Err("chain config is not the one in force".into());
    }
    Ok(())
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
    /// Opens the node on `storage`: resumes from the last decided block there, or starts
    /// from the genesis block of `config.genesis` (stored once consensus certifies it).
    pub async fn start(config: NodeConfig, storage: Storage) -> Result<Node, NodeError> {
        let vid = Vid::new(config.vid, &config.srs, config.accel.clone())?;
        let stored = storage.latest_state().await?;
        let mut state = match &stored {
            Some((height, bytes)) => ChainState::from_bytes(*height, bytes)?,
            None => {
                let l1_genesis = genesis_l1_block(&config).await;
                genesis_state(&config, &vid, l1_genesis)?
            }
        };
        state.l1 = config.l1.clone();
        if stored.is_some() {
            check_stored_chain(&config, &storage, &state).await?;
        }
        let height = storage.block_height().await?;
        let metrics = NodeMetrics::new();
        metrics.current_view.set(state.view as i64);
        metrics.last_decided_view.set(state.decided.leaf.view_number as i64);
        metrics.last_synced_block_height.set(state.decided.height() as i64);
        tracing::info!(height = state.decided.height(), view = state.view, "chain state loaded");
        Ok(Node {
            inner: Arc::new(Inner {
                genesis: config.genesis,
                keys: config.keys,
                committee: config.committee,
                index: config.index,
                builder_account: config.builder_account,
                block_interval: config.block_interval,
                storage,
                vid: Arc::new(vid),
                accel: config.accel,
                mempool: Mutex::new(Mempool::new(config.mempool)),
                state: RwLock::new(state),
                deciding: tokio::sync::Mutex::new(()),
                metrics,
                l1: config.l1,
                height: watch::channel((height, Instant::now())).0,
                state_signatures: StateSignatures::new(crate::state_signer::DEFAULT_KEEP),
            }),
        })
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

    /// The node's keys.
    pub fn keys(&self) -> &NodeKeys {
        &self.inner.keys
    }

    /// The members of consensus.
    pub fn committee(&self) -> &Committee {
        &self.inner.committee
    }

    /// This node's stake-table index.
    pub fn index(&self) -> usize {
        self.inner.index
    }

    /// The stake table.
    pub fn stake_table(&self) -> &StakeTable {
        self.inner.committee.stake_table()
    }

    /// The block builder's fee account.
    pub fn builder_account(&self) -> Address {
        self.inner.builder_account
    }

    /// Least time between blocks.
    pub fn block_interval(&self) -> Duration {
        self.inner.block_interval
    }

    /// The node's L1 (`None`: none configured).
    pub fn l1(&self) -> Option<&L1Fees> {
        self.inner.l1.as_ref()
    }

    /// Number of stored blocks (the next height to store).
    pub fn block_height(&self) -> u64 {
        self.inner.height.borrow().0
    }

    /// Time since the last decide (or since start, before the first).
    pub fn time_since_last_decide(&self) -> Duration {
        self.inner.height.borrow().1.elapsed()
    }

    /// This node's signatures on recent light-client states ([`crate::state_signer`]).
    pub fn state_signatures(&self) -> &StateSignatures {
        &self.inner.state_signatures
    }

    /// Watches the block height.
    pub fn subscribe(&self) -> watch::Receiver<(u64, Instant)> {
        self.inner.height.subscribe()
    }

    /// A copy of the chain state after the last decided block (before genesis is
    /// certified: the genesis state, whose certificate is a placeholder).
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

    /// Builds the block of `view` on `parent` (whose state is `parent_state`): with an
    /// L1, its current head and finalized block (never before the parent's) and the
    /// deposits finalized since the parent's credited; the oldest mempool transactions
    /// not in `exclude` that fit, the fee charged to the builder (an unfunded builder
    /// proposes an empty block), the payload dispersed with VID.
    pub async fn build_block(
        &self,
        view: u64,
        parent: &Leaf,
        parent_state: &LeafState,
        exclude: &HashSet<TxCommitment>,
    ) -> Result<BuiltBlock, NodeError> {
        let inner = &self.inner;
        let now = unix_now().max(parent.block_header.timestamp);
        let chain_config = chain_config_at(&inner.genesis, view, now);
        let mut picked = inner
            .mempool
            .lock()
            .expect("mempool lock")
            .select_excluding(chain_config.max_block_size, exclude);
        let (l1_refs, credits) = self.l1_for_block(parent, &chain_config);
        let mut credited = parent_state.fee_tree.clone();
        apply_credits(&mut credited, &credits);
        let mut fee_tree = credited.clone();
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
            fee_tree = credited;
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
        if picked.is_empty() {
            inner.metrics.empty_blocks_proposed.inc();
        }
        let header = Header {
            chain_config,
            height: parent.height() + 1,
            timestamp: now,
            l1_head: l1_refs.head,
            l1_finalized: l1_refs.finalized,
            payload_commitment: dispersal.commitment,
            ns_table: payload.ns_table().bytes().to_vec(),
            block_merkle_tree_root: parent_state.block_tree.root().into(),
            fee_merkle_tree_root: fee_tree.root().into(),
            fee_info: FeeInfo { account: inner.builder_account, amount: fee.into() },
        };
        let transactions = picked.into_iter().map(|(c, _)| c).collect();
        Ok(BuiltBlock { header, payload, dispersal, transactions })
    }

    /// The L1 references of a block on `parent` and the credits they bring in: without an
    /// L1, the parent's references and none; with one, its latest head and finalized
    /// block, never before the parent's. When the credits cannot be read (the chain
    /// config names another fee contract), the finalized block stays the parent's.
    fn l1_for_block(
        &self,
        parent: &Leaf,
        chain_config: &ChainConfig,
    ) -> (L1Refs, std::collections::BTreeMap<Address, U256>) {
        let parent_refs = L1Refs::of(&parent.block_header);
        let Some(l1) = &self.inner.l1 else { return (parent_refs, Default::default()) };
        let now = l1.proposal();
        let head = now.head.max(parent_refs.head);
        let finalized = match (parent_refs.finalized, now.finalized) {
            (Some(p), Some(n)) if n.number > p.number => Some(n),
            (None, Some(n)) => Some(n),
            (p, _) => p,
        };
        let proposed = L1Refs { head, finalized };
        let height = parent.height() + 1;
        match refs_credits(&parent_refs, &proposed, chain_config.fee_contract, height, Some(l1)) {
            Ok(credits) => (proposed, credits),
            Err(e) => {
                tracing::warn!("{e}; l1_finalized stays at the parent's");
                (L1Refs { head, finalized: parent_refs.finalized }, Default::default())
            }
        }
    }

    /// Stores a decided block (the next height; heights already stored are skipped) with
    /// the chain state after it, then updates the state in memory, the mempool and the
    /// metrics. `started` is when consensus reported it, for the decide-time metric.
    pub async fn apply_decided(&self, block: BlockData) -> Result<Option<Decided>, NodeError> {
        let inner = &self.inner;
        let _deciding = inner.deciding.lock().await;
        let stored = inner.storage.block_height().await?;
        let height = block.leaf.height();
        if height < stored {
            return Ok(None);
        }
        self.wait_for_l1(&block.leaf.leaf.block_header).await;
        let mut state = inner.state.write().await;
        let next = if stored == 0 {
            if block.leaf.leaf != state.decided.leaf {
                return Err(NodeError::NotExtending {
                    height,
                    reason: "the first block stored must be this genesis".into(),
                });
            }
            ChainState { decided: block.leaf.clone(), ..state.clone() }
        } else {
            let tip = &state.decided;
            if height != tip.height() + 1 || block.leaf.leaf.parent_commitment != tip.leaf.commit()
            {
                return Err(NodeError::NotExtending {
                    height,
                    reason: format!("its parent is not the stored tip at height {}", tip.height()),
                });
            }
            let after = state.leaf_state().apply(&block.leaf.leaf.block_header)?;
            ChainState {
                view: block.leaf.leaf.view_number,
                decided: block.leaf.clone(),
                block_tree: after.block_tree,
                fee_tree: after.fee_tree,
                l1: state.l1.clone(),
            }
        };
        inner.storage.append_decided(&block, &next.to_bytes()).await?;
        *state = next;
        drop(state);
        let txs = block.payload.as_ref().map(Payload::transactions).unwrap_or_default();
        let out = Decided {
            height,
            view: block.leaf.leaf.view_number,
            transactions: txs.len(),
            payload_bytes: block.payload.as_ref().map_or(0, |p| p.bytes().len()),
        };
        let done: Vec<TxCommitment> = txs.iter().map(Transaction::commit).collect();
        self.after_decide(&out, &done);
        Ok(Some(out))
    }

    /// With an L1, waits until the deposits up to `header`'s finalized L1 block are read
    /// (a block the network decided may refer to one this node's L1 has not finalized
    /// yet), logging while it waits.
    async fn wait_for_l1(&self, header: &Header) {
        let (Some(l1), Some(b)) = (&self.inner.l1, header.l1_finalized) else { return };
        while tokio::time::timeout(Duration::from_secs(10), l1.wait_read(b.number)).await.is_err() {
            tracing::info!(
                height = header.height,
                l1_finalized = b.number,
                read = ?l1.finalized().map(|f| f.number),
                "decided block waits for this node's L1 to finalize its L1 block"
            );
        }
    }

    /// Removes decided transactions from the mempool.
    pub fn remove_from_mempool(&self, done: &[TxCommitment]) {
        let (len, bytes) = {
            let mut pool = self.inner.mempool.lock().expect("mempool lock");
            pool.remove(done);
            (pool.len(), pool.bytes())
        };
        let m = &self.inner.metrics;
        m.outstanding_transactions.set(len as i64);
        m.outstanding_transactions_memory_size.set(bytes as i64);
    }

    fn after_decide(&self, out: &Decided, done: &[TxCommitment]) {
        let inner = &self.inner;
        self.remove_from_mempool(done);
        let m = &inner.metrics;
        m.last_decided_view.set(out.view as i64);
        m.last_decided_time.set(unix_now() as i64);
        m.last_synced_block_height.set(out.height as i64);
        m.transactions_decided.inc_by(out.transactions as u64);
        let since = inner.height.borrow().1.elapsed();
        m.decide_seconds.observe(since.as_secs_f64());
        inner.height.send_replace((out.height + 1, Instant::now()));
        tracing::debug!(height = out.height, txs = out.transactions, "decided");
    }
}

/// Checks that the stored chain is this genesis's, certified by this committee.
async fn check_stored_chain(
    config: &NodeConfig,
    storage: &Storage,
    state: &ChainState,
) -> Result<(), NodeError> {
    let genesis_header = storage.header(doppio_storage::BlockId::Height(0)).await?;
    if genesis_header.timestamp != config.genesis.header.timestamp.unix_timestamp() as u64
        || genesis_header.chain_config != config.genesis.chain_config
    {
        return Err(NodeError::WrongChain(
            "its genesis header differs from the genesis file's (timestamp or chain config)".into(),
        ));
    }
    // The QC of the stored tip must be this committee's: a store written by another
    // stake table is another chain, and extending it would mix certificates.
    let tip = &state.decided;
    config.committee.verify(CertificateKind::Quorum, &tip.qc, &config.accel).map_err(|e| {
        NodeError::WrongChain(format!(
            "the certificate of block {} does not verify with this stake table: {e}",
            tip.height()
        ))
    })
}

/// What storage keeps of a decided block: the payload and this node's share.
pub fn block_data(
    leaf: LeafQueryData,
    payload: Option<Payload>,
    dispersal: Dispersal,
    index: usize,
) -> BlockData {
    BlockData {
        leaf,
        payload,
        vid_common: dispersal.common,
        vid_share: dispersal.shares.into_iter().nth(index),
    }
}

/// With an L1 and a genesis `[l1_finalized]` given by number alone, that block once the
/// L1 has finalized it (waiting for it); `None` otherwise.
async fn genesis_l1_block(config: &NodeConfig) -> Option<L1BlockInfo> {
    let l1 = config.l1.as_ref()?;
    match config.genesis.l1_finalized {
        Some(L1Finalized::Number { number }) => Some(wait_for_genesis(l1.client(), number).await),
        _ => None,
    }
}

/// The genesis header of `config`: an empty payload dispersed with the committee's VID;
/// `l1_block` replaces a genesis `[l1_finalized]` given by number.
fn genesis_header(
    config: &NodeConfig,
    vid: &Vid,
    l1_block: Option<L1BlockInfo>,
) -> Result<(Header, LeafState), NodeError> {
    let genesis = &config.genesis;
    let payload = Payload::from_transactions(&[])?;
    let dispersal = vid.disperse(payload.bytes())?;
    let fee_tree = genesis_fee_tree(genesis);
    let block_tree = doppio_types::BlockMerkleTree::new();
    let (l1_head, mut l1_finalized) = l1_of(genesis);
    if l1_block.is_some() {
        l1_finalized = l1_block;
    }
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
    let l1_refs = L1Refs::of(&header);
    Ok((header, LeafState { block_tree, fee_tree, l1_refs, l1: config.l1.clone() }))
}

/// The state before anything is stored: the genesis block, whose certificate is a
/// placeholder (this node's signature alone, not a quorum) until the members certify
/// genesis and [`Node::apply_decided`] stores it with the real one. It is never stored.
fn genesis_state(
    config: &NodeConfig,
    vid: &Vid,
    l1_block: Option<L1BlockInfo>,
) -> Result<ChainState, NodeError> {
    let (header, trees) = genesis_header(config, vid, l1_block)?;
    let leaf = Leaf::genesis(header);
    let data = leaf.vote_data();
    let mut signers = SignerBits::new(config.committee.len());
    signers.set(config.index);
    let signature = Vote::new(&config.keys.staking, data).signature;
    let qc = QuorumCertificate { data, signers, signature };
    let decided = LeafQueryData::new(leaf, qc).map_err(|e| NodeError::Keys(e.to_string()))?;
    let mut block_tree = trees.block_tree;
    block_tree.push(&decided.block_hash().0)?;
    Ok(ChainState { view: 0, decided, block_tree, fee_tree: trees.fee_tree, l1: trees.l1 })
}
