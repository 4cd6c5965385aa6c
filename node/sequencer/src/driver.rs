//! The consensus driver: one task that feeds [`Consensus`] its events — messages from the
//! network, timers, storage acknowledgements, blocks built, leaves fetched — and carries
//! out its actions: the safety state persisted in storage before any vote it records
//! leaves, messages sent over `doppio-network`, blocks built from the mempool and
//! dispersed with VID on accel, leaves fetched from peers, decided blocks stored.
//!
//! On the wire every network message starts with a tag byte: [`TAG_CONSENSUS`] (a
//! consensus [`Message`] in its own versioned encoding follows), [`TAG_FETCH`] (a leaf
//! commitment: "send me this leaf") and [`TAG_LEAF`] (the answer: CBOR of the leaf and,
//! when the answering node has it, the block's payload).

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use doppio_consensus::{
    Action, Anchor, Consensus, ConsensusConfig, DecidedLeaf, Message, Rejected, SafetyState, Timer,
    Timing,
};
use doppio_network::{InboundMessage, NetworkHandle, PeerId};
use doppio_storage::LeafId;
use doppio_types::{Leaf, LeafCommitment, Payload, Transaction, TxCommitment};
use doppio_vid::Dispersal;
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, mpsc};

use crate::{
    api_peers::ApiPeers,
    node::{BuiltBlock, Node, NodeError, block_data},
    validator::{ChainValidator, Speculative},
};

/// Tag of a consensus message.
pub const TAG_CONSENSUS: u8 = 0;
/// Tag of a leaf request.
pub const TAG_FETCH: u8 = 1;
/// Tag of a leaf answer.
pub const TAG_LEAF: u8 = 2;

/// Default bound on leaf requests sent per second.
pub const DEFAULT_FETCH_RATE_LIMIT: u32 = 50;

/// Why the driver cannot start.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The node.
    #[error(transparent)]
    Node(#[from] NodeError),
    /// Storage.
    #[error("storage: {0}")]
    Storage(#[from] doppio_storage::StorageError),
    /// The stored safety state does not decode.
    #[error("stored consensus state: {0}")]
    SafetyState(#[from] doppio_consensus::DecodeError),
    /// Consensus refused its configuration.
    #[error("consensus: {0}")]
    Consensus(#[from] doppio_consensus::ConsensusError),
    /// A network of several members without a network.
    #[error("{members} members but no network")]
    NoNetwork {
        /// Members.
        members: usize,
    },
}

/// How this node reaches the other members.
pub struct Transport {
    /// The network.
    pub handle: NetworkHandle,
    /// Its inbound messages.
    pub inbound: mpsc::Receiver<InboundMessage>,
    /// The peer id of each member, in stake-table order.
    pub peers: Vec<PeerId>,
}

/// A rewrite of every consensus message the driver sends: `(recipient, message)` (`None`:
/// broadcast) in, the messages to send instead out.
pub type Rewrite = dyn Fn(Option<usize>, Message) -> Vec<(Option<usize>, Message)> + Send + Sync;

/// Driver options.
#[derive(Clone)]
pub struct DriverConfig {
    /// View timing.
    pub timing: Timing,
    /// Most leaf requests sent per second.
    pub fetch_rate_limit: u32,
    /// Fault injection: a node given a rewrite sends what it returns instead of what
    /// consensus asked for — how the tests make a real node a Byzantine leader
    /// (equivocating, sending invalid headers or corrupted VID shares). `None` in every
    /// binary.
    pub byzantine: Option<Arc<Rewrite>>,
    /// Other nodes' HTTP APIs to fetch missing leaves and payloads from, besides the
    /// members over libp2p.
    pub api_peers: Option<ApiPeers>,
}

impl Default for DriverConfig {
    fn default() -> Self {
        DriverConfig {
            timing: Timing::default(),
            fetch_rate_limit: DEFAULT_FETCH_RATE_LIMIT,
            byzantine: None,
            api_peers: None,
        }
    }
}

impl std::fmt::Debug for DriverConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DriverConfig")
            .field("timing", &self.timing)
            .field("fetch_rate_limit", &self.fetch_rate_limit)
            .field("byzantine", &self.byzantine.is_some())
            .field("api_peers", &self.api_peers)
            .finish()
    }
}

/// A leaf answer.
#[derive(Serialize, Deserialize)]
struct LeafReply {
    leaf: Leaf,
    /// Payload bytes and namespace table.
    payload: Option<(Vec<u8>, Vec<u8>)>,
}

enum Event {
    Timer(Timer),
    Built(u64, Box<Result<BuiltBlock, NodeError>>),
    /// A leaf (and maybe its payload) fetched over a peer's HTTP API.
    Fetched(Box<(Leaf, Option<Payload>)>),
}

/// Payloads that arrived with fetched leaves, for the decider.
#[derive(Default)]
struct FetchedPayloads {
    payloads: Mutex<HashMap<LeafCommitment, Payload>>,
    arrived: Notify,
}

struct Driver {
    node: Node,
    consensus: Consensus<ChainValidator>,
    net: Option<NetworkHandle>,
    peers: Vec<PeerId>,
    peer_index: HashMap<PeerId, usize>,
    speculative: Arc<Mutex<Speculative>>,
    events: mpsc::UnboundedSender<Event>,
    decide: mpsc::UnboundedSender<Vec<DecidedLeaf>>,
    /// Transactions in blocks this node built that are not decided, by view.
    in_flight: BTreeMap<u64, Vec<TxCommitment>>,
    payloads: Arc<FetchedPayloads>,
    fetch_window: (Instant, u32),
    config: DriverConfig,
}

/// Runs consensus for `node` until `shutdown` resolves. With one member `transport` may
/// be `None` (the node is its own network).
pub async fn run(
    node: Node,
    transport: Option<Transport>,
    config: DriverConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), DriverError> {
    let members = node.committee().len();
    let (net, mut inbound, peers) = match transport {
        Some(t) => (Some(t.handle), Some(t.inbound), t.peers),
        None if members == 1 => (None, None, Vec::new()),
        None => return Err(DriverError::NoNetwork { members }),
    };
    let state = node.state().await;
    let stored = node.storage().block_height().await? > 0;
    let anchor = if stored {
        Anchor { leaf: state.decided.leaf.clone(), qc: Some(state.decided.qc.clone()) }
    } else {
        Anchor { leaf: state.decided.leaf.clone(), qc: None }
    };
    let restored = match node.storage().consensus_state().await? {
        Some(bytes) => Some(SafetyState::decode(&bytes)?),
        None => None,
    };
    let mut speculative = Speculative::new(&state.decided.leaf, state.leaf_state());
    for leaf in restored.iter().flat_map(|s| s.undecided_leaves.iter()) {
        speculative.add_leaf(leaf);
    }
    let speculative = Arc::new(Mutex::new(speculative));
    let validator = ChainValidator::new(Arc::new(node.genesis().clone()), speculative.clone());
    let consensus = Consensus::new(
        ConsensusConfig {
            committee: node.committee().clone(),
            index: node.index(),
            key: node.keys().staking.clone(),
            vid: node.vid_handle(),
            accel: node.accel().clone(),
            timing: config.timing,
        },
        validator,
        anchor,
        restored,
    )?;
    let (events, mut events_rx) = mpsc::unbounded_channel();
    let (decide, decide_rx) = mpsc::unbounded_channel();
    let payloads = Arc::new(FetchedPayloads::default());
    let decider = tokio::spawn(decider(
        node.clone(),
        decide_rx,
        payloads.clone(),
        speculative.clone(),
        net.clone().map(|n| (n, peers.clone())),
        config.api_peers.clone(),
    ));
    let peer_index = peers.iter().enumerate().map(|(i, p)| (*p, i)).collect();
    let mut driver = Driver {
        node,
        consensus,
        net,
        peers,
        peer_index,
        speculative,
        events,
        decide,
        in_flight: BTreeMap::new(),
        payloads,
        fetch_window: (Instant::now(), 0),
        config,
    };
    driver.carry_out().await;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            Some(m) = recv(&mut inbound) => driver.on_inbound(m),
            Some(e) = events_rx.recv() => driver.on_event(e),
        }
        driver.carry_out().await;
    }
    decider.abort();
    if let Some(net) = &driver.net {
        net.shutdown().await;
    }
    Ok(())
}

async fn recv(rx: &mut Option<mpsc::Receiver<InboundMessage>>) -> Option<InboundMessage> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

fn tagged(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 1);
    out.push(tag);
    out.extend_from_slice(body);
    out
}

impl Driver {
    fn on_inbound(&mut self, m: InboundMessage) {
        let Some(&from) = self.peer_index.get(&m.from) else {
            tracing::debug!(peer = %m.from, "message from a peer outside the stake table");
            return;
        };
        let Some((&tag, body)) = m.bytes.split_first() else { return };
        match tag {
            TAG_CONSENSUS => match Message::decode(body) {
                Ok(message) => {
                    let (kind, view) = (message.kind(), message.view());
                    if let Err(e) = self.consensus.handle_message(from, message) {
                        tracing::debug!(from, kind, view, "message refused: {e}");
                        let metrics = self.node.metrics();
                        metrics.messages_refused.with_label_values(&[e.reason()]).inc();
                        if matches!(e, Rejected::InvalidCertificate { .. }) {
                            metrics.invalid_qc.inc();
                        }
                    }
                }
                Err(e) => {
                    tracing::debug!(from, "undecodable consensus message: {e}");
                    self.node.metrics().messages_refused.with_label_values(&["undecodable"]).inc();
                }
            },
            TAG_FETCH => match <[u8; 32]>::try_from(body) {
                Ok(c) => self.answer_fetch(from, LeafCommitment(c)),
                Err(_) => tracing::debug!(from, "malformed leaf request"),
            },
            TAG_LEAF => self.on_leaf_reply(from, body),
            other => tracing::debug!(from, tag = other, "message with an unknown tag"),
        }
    }

    fn answer_fetch(&self, to: usize, commitment: LeafCommitment) {
        let Some(net) = self.net.clone() else { return };
        let peer = self.peers[to];
        let in_memory = self.consensus.leaf(&commitment).cloned();
        let storage = self.node.storage().clone();
        tokio::spawn(async move {
            let leaf = match in_memory {
                Some(l) => l,
                None => match storage.leaf(LeafId::Hash(commitment)).await {
                    Ok(l) => l.leaf,
                    Err(_) => return,
                },
            };
            let payload = storage
                .payload(doppio_storage::BlockId::Height(leaf.height()))
                .await
                .ok()
                .map(|p| (p.bytes().to_vec(), p.ns_table().bytes().to_vec()));
            let mut body = Vec::new();
            if ciborium::into_writer(&LeafReply { leaf, payload }, &mut body).is_ok() {
                let _ = net.send(peer, tagged(TAG_LEAF, &body)).await;
            }
        });
    }

    fn on_leaf_reply(&mut self, from: usize, body: &[u8]) {
        let reply: LeafReply = match ciborium::from_reader(body) {
            Ok(r) => r,
            Err(e) => return tracing::debug!(from, "malformed leaf answer: {e}"),
        };
        let payload = reply.payload.and_then(|(bytes, ns)| Payload::from_parts(bytes, ns).ok());
        self.take_fetched(reply.leaf, payload);
    }

    /// A fetched leaf: consensus uses it only if it asked for its commitment; its payload
    /// waits for the decider, which checks it against the header.
    fn take_fetched(&mut self, leaf: Leaf, payload: Option<Payload>) {
        let commitment = leaf.commit();
        if let Some(p) = payload {
            self.payloads.payloads.lock().expect("payloads lock").insert(commitment, p);
            self.payloads.arrived.notify_waiters();
        }
        self.speculative.lock().expect("speculative lock").add_leaf(&leaf);
        if let Err(e) = self.consensus.fetched(leaf) {
            tracing::trace!(%commitment, "fetched leaf not used: {e}");
        }
    }

    fn on_event(&mut self, e: Event) {
        match e {
            Event::Timer(t) => self.consensus.timer_fired(t),
            Event::Built(view, built) => match *built {
                Ok(b) => self.built(view, b),
                Err(e) => tracing::error!(view, "building a block failed: {e}"),
            },
            Event::Fetched(fetched) => {
                let (leaf, payload) = *fetched;
                self.take_fetched(leaf, payload);
            }
        }
    }

    fn built(&mut self, view: u64, b: BuiltBlock) {
        match self.consensus.block_built(view, b.header, b.payload, b.dispersal) {
            Ok(()) => {
                self.in_flight.insert(view, b.transactions);
            }
            Err(e) => tracing::warn!(view, "built block refused: {e}"),
        }
    }

    /// Carries out the actions consensus asks for, and those they lead to.
    async fn carry_out(&mut self) {
        let mut queue: Vec<Action> = self.consensus.poll_actions();
        while !queue.is_empty() {
            let batch = std::mem::take(&mut queue);
            let last_persist = batch.iter().rposition(|a| matches!(a, Action::Persist { .. }));
            for (i, action) in batch.into_iter().enumerate() {
                match action {
                    // A later snapshot in the batch replaces this one (and acknowledges it).
                    Action::Persist { .. } if Some(i) != last_persist => {}
                    Action::Persist { seq, state } => self.persist(seq, &state).await,
                    other => self.act(other),
                }
            }
            queue = self.consensus.poll_actions();
        }
        self.node.metrics().current_view.set(self.consensus.view() as i64);
    }

    async fn persist(&mut self, seq: u64, state: &SafetyState) {
        let bytes = match state.encode() {
            Ok(b) => b,
            Err(e) => return tracing::error!("cannot encode the safety state: {e}"),
        };
        // Until this succeeds nothing it records is released: a failed write holds the
        // votes back (the node times out rather than sign unrecorded).
        match self.node.storage().save_consensus_state(&bytes).await {
            Ok(()) => {
                if let Err(e) = self.consensus.persisted(seq) {
                    tracing::error!("persist acknowledgement refused: {e}");
                }
            }
            Err(e) => tracing::error!("saving the safety state failed: {e}"),
        }
    }

    fn act(&mut self, action: Action) {
        match action {
            Action::Persist { .. } => {}
            Action::Send { to, message } => self.send_rewritten(Some(to), message),
            Action::Broadcast { message } => self.send_rewritten(None, message),
            Action::ScheduleTimer { timer, after } => {
                let events = self.events.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(after).await;
                    let _ = events.send(Event::Timer(timer));
                });
            }
            Action::BuildBlock { view, parent } => self.build(view, parent),
            Action::Fetch { commitment } => self.fetch(commitment),
            Action::Decide { leaves } => self.decided(leaves),
        }
    }

    fn send_rewritten(&self, to: Option<usize>, message: Message) {
        match &self.config.byzantine {
            None => self.send(to, &message),
            Some(rewrite) => rewrite(to, message).iter().for_each(|(to, m)| self.send(*to, m)),
        }
    }

    fn send(&self, to: Option<usize>, message: &Message) {
        let Some(net) = self.net.clone() else { return };
        let bytes = match message.encode() {
            Ok(b) => tagged(TAG_CONSENSUS, &b),
            Err(e) => return tracing::error!(kind = message.kind(), "cannot encode: {e}"),
        };
        let peer = to.and_then(|i| self.peers.get(i).copied());
        let kind = message.kind();
        tokio::spawn(async move {
            let result = match peer {
                Some(p) => net.send(p, bytes).await,
                None => net.broadcast(bytes).await,
            };
            if let Err(e) = result {
                tracing::debug!(kind, ?peer, "not sent: {e}");
            }
        });
    }

    fn build(&self, view: u64, parent: Leaf) {
        let state = self.speculative.lock().expect("speculative lock").state_after(&parent);
        let Some(state) = state else {
            return tracing::warn!(view, "no state after the parent: cannot build a block");
        };
        // Left out of the block: this node's blocks not decided yet, and every undecided
        // ancestor whose payload it holds (from a DA proposal, or fetched with the leaf),
        // so that a transaction sent to several members goes in one of them. The
        // ancestors' transactions are parsed and hashed in the task, not in the driver's
        // loop or under the fetched payloads' lock.
        let mut exclude: HashSet<TxCommitment> =
            self.in_flight.values().flatten().copied().collect();
        let ancestors: Vec<Payload> = {
            let fetched = self.payloads.payloads.lock().expect("payloads lock");
            let undecided = self.consensus.undecided_payloads(&parent.commit()).into_iter();
            undecided.filter_map(|(leaf, p)| p.or_else(|| fetched.get(&leaf)).cloned()).collect()
        };
        let (node, events) = (self.node.clone(), self.events.clone());
        tokio::spawn(async move {
            for payload in &ancestors {
                exclude.extend(payload.transactions().iter().map(Transaction::commit));
            }
            tokio::time::sleep(node.block_interval()).await;
            let built = node.build_block(view, &parent, &state, &exclude).await;
            let _ = events.send(Event::Built(view, Box::new(built)));
        });
    }

    /// Asks for a leaf within `--fetch-rate-limit` requests a second: with API peers one
    /// of them over HTTP first (one request, answered from a store), then as many other
    /// members over libp2p as the budget leaves.
    fn fetch(&mut self, commitment: LeafCommitment) {
        let (start, used) = &mut self.fetch_window;
        if start.elapsed() >= Duration::from_secs(1) {
            (*start, *used) = (Instant::now(), 0);
        }
        let budget = self.config.fetch_rate_limit.saturating_sub(*used) as usize;
        if budget == 0 {
            // Consensus asks again at the next view timer.
            return tracing::debug!(%commitment, "fetch rate limit reached");
        }
        let turn = *used as usize;
        let http = usize::from(self.config.api_peers.is_some());
        if let Some(peers) = self.config.api_peers.clone() {
            let events = self.events.clone();
            tokio::spawn(async move {
                if let Some(fetched) = peers.leaf(commitment, turn).await {
                    let _ = events.send(Event::Fetched(Box::new(fetched)));
                }
            });
        }
        let mut others = match &self.net {
            Some(_) => other_members(&self.peers, self.node.index()),
            None => Vec::new(),
        };
        // A budget smaller than the membership asks different members in turn.
        if !others.is_empty() {
            let by = turn % others.len();
            others.rotate_left(by);
        }
        others.truncate(budget - http);
        *used += (http + others.len()) as u32;
        if let Some(net) = self.net.clone() {
            send_fetch(net, others, commitment);
        }
    }

    fn decided(&mut self, leaves: Vec<DecidedLeaf>) {
        let me = self.node.index();
        let mut done = Vec::new();
        let mut top = 0;
        for d in &leaves {
            let view = d.leaf.leaf.view_number;
            top = top.max(view);
            if self.node.committee().leader(view) == me
                && let Some(txs) = self.in_flight.remove(&view)
            {
                done.extend(txs);
            }
        }
        // Decided transactions leave the mempool before the next block is built; those
        // of this node's blocks that were not decided become eligible again.
        self.node.remove_from_mempool(&done);
        self.in_flight.retain(|v, _| *v > top);
        let _ = self.decide.send(leaves);
    }
}

/// Every member's peer id but this node's (`me` is its index in the stake table).
fn other_members(peers: &[PeerId], me: usize) -> Vec<PeerId> {
    peers.iter().enumerate().filter(|(i, _)| *i != me).map(|(_, p)| *p).collect()
}

fn send_fetch(net: NetworkHandle, peers: Vec<PeerId>, commitment: LeafCommitment) {
    for peer in peers {
        let net = net.clone();
        tokio::spawn(async move {
            let _ = net.send(peer, tagged(TAG_FETCH, &commitment.0)).await;
        });
    }
}

/// Stores decided leaves in order. A leaf decided without its block data (it was fetched)
/// gets it from the payload a peer sent with it, re-dispersed here (which gives this
/// node's share and checks the payload against the header's commitment); until a peer
/// sends it, the decider asks again and waits.
async fn decider(
    node: Node,
    mut rx: mpsc::UnboundedReceiver<Vec<DecidedLeaf>>,
    payloads: Arc<FetchedPayloads>,
    speculative: Arc<Mutex<Speculative>>,
    net: Option<(NetworkHandle, Vec<PeerId>)>,
    api_peers: Option<ApiPeers>,
) {
    let empty = match empty_dispersal(&node) {
        Ok(d) => d,
        Err(e) => return tracing::error!("cannot disperse the empty payload: {e}"),
    };
    while let Some(leaves) = rx.recv().await {
        for d in leaves {
            let commitment = d.leaf.leaf.commit();
            let mut turn = 0;
            let block = loop {
                if let Some(b) = block_of(&node, &d, &empty, &payloads).await {
                    break b;
                }
                if let Some((net, peers)) = &net {
                    send_fetch(net.clone(), other_members(peers, node.index()), commitment);
                }
                if let Some(p) = &api_peers
                    && let Some(payload) = p.payload(d.leaf.height(), turn).await
                {
                    payloads.payloads.lock().expect("payloads lock").insert(commitment, payload);
                    turn += 1;
                    // A wrong payload (dropped by block_of): the next peer at once, but
                    // no more than one round of them between waits.
                    if turn % p.len() != 0 {
                        continue;
                    }
                }
                let _ =
                    tokio::time::timeout(Duration::from_secs(1), payloads.arrived.notified()).await;
            };
            payloads.payloads.lock().expect("payloads lock").remove(&commitment);
            if let Err(e) = store_genesis_first(&node, &d, &empty).await {
                tracing::error!("storing the genesis block failed: {e}");
            }
            match node.apply_decided(block).await {
                Ok(_) => {
                    let state = node.state().await.leaf_state();
                    speculative.lock().expect("speculative lock").decided(&d.leaf.leaf, state);
                }
                Err(e) => {
                    tracing::error!(height = d.leaf.height(), "storing a decided block failed: {e}")
                }
            }
        }
    }
}

/// A node that joined after the others certified genesis learns of it only as the
/// parent of block 1, whose justify QC is genesis's certificate: it stores genesis with
/// that certificate before block 1.
async fn store_genesis_first(
    node: &Node,
    d: &DecidedLeaf,
    empty: &(Payload, Dispersal),
) -> Result<(), NodeError> {
    if d.leaf.height() != 1 || node.storage().block_height().await? != 0 {
        return Ok(());
    }
    let genesis = node.state().await.decided.leaf;
    let qc = d.leaf.leaf.justify_qc.clone().ok_or_else(|| NodeError::NotExtending {
        height: 1,
        reason: "block 1 carries no certificate of genesis".into(),
    })?;
    let leaf = doppio_types::LeafQueryData::new(genesis, qc)
        .map_err(|e| NodeError::NotExtending { height: 0, reason: e.to_string() })?;
    let block = block_data(leaf, Some(empty.0.clone()), empty.1.clone(), node.index());
    node.apply_decided(block).await.map(|_| ())
}

fn empty_dispersal(node: &Node) -> Result<(Payload, Dispersal), NodeError> {
    let payload = Payload::from_transactions(&[])?;
    let dispersal = node.vid().disperse(payload.bytes())?;
    Ok((payload, dispersal))
}

/// The block data of a decided leaf, if this node has (or was sent) what it needs.
async fn block_of(
    node: &Node,
    d: &DecidedLeaf,
    empty: &(Payload, Dispersal),
    payloads: &FetchedPayloads,
) -> Option<doppio_storage::BlockData> {
    let header = &d.leaf.leaf.block_header;
    let index = node.index();
    if header.payload_commitment == empty.1.commitment {
        return Some(block_data(d.leaf.clone(), Some(empty.0.clone()), empty.1.clone(), index));
    }
    if let Some(common) = &d.vid_common
        && (d.payload.is_some() || d.vid_share.is_some())
    {
        return Some(doppio_storage::BlockData {
            leaf: d.leaf.clone(),
            payload: d.payload.clone(),
            vid_common: common.clone(),
            vid_share: d.vid_share.clone(),
        });
    }
    let payload = d.payload.clone().or_else(|| {
        payloads.payloads.lock().expect("payloads lock").get(&d.leaf.leaf.commit()).cloned()
    })?;
    let vid = node.vid_handle();
    let bytes = payload.bytes().to_vec();
    let dispersal = tokio::task::spawn_blocking(move || vid.disperse(&bytes)).await.ok()?.ok()?;
    if dispersal.commitment != header.payload_commitment {
        tracing::warn!(height = header.height, "a fetched payload does not match its header");
        payloads.payloads.lock().expect("payloads lock").remove(&d.leaf.leaf.commit());
        return None;
    }
    Some(block_data(d.leaf.clone(), Some(payload), dispersal, index))
}
