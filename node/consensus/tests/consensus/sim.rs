//! A seeded, deterministic simulator: the nodes' state machines, driven exactly as the
//! crate documentation asks of a driver, over a simulated network with delays, drops,
//! reordering and partitions, crashes and restarts from the persisted safety state, and
//! Byzantine members. All cryptography is real (BLS keys, certificates, VID).
//!
//! Time is in simulated milliseconds; one event queue ordered by (time, sequence) and one
//! ChaCha generator make a run a function of its seed.

use std::{
    cmp::Reverse,
    collections::{BTreeMap, BinaryHeap},
};

use doppio_consensus::{
    Action, Anchor, Consensus, Message, SafetyState, SignedProposal, TimeoutMessage, Timer, Timing,
};
use doppio_keys::{BlsSecretKey, Vote, VoteData, VoteKind};
use doppio_types::{Leaf, LeafCommitment, LeafQueryData};
use rand::{Rng, SeedableRng, seq::SliceRandom};
use rand_chacha::ChaCha20Rng;

use crate::fixture::{Fixture, SimValidator, build_block, transactions};

/// What one simulation runs.
#[derive(Clone, Debug)]
pub(crate) struct SimConfig {
    pub(crate) seed: u64,
    pub(crate) stakes: Vec<u128>,
    pub(crate) da: Vec<bool>,
    /// VID recovery threshold.
    pub(crate) vid_threshold: usize,
    /// Members that behave Byzantine (they are never crashed).
    pub(crate) byzantine: Vec<usize>,
    /// Rounds of one asynchronous ("chaos") period followed by one synchronous ("calm")
    /// period.
    pub(crate) rounds: usize,
    pub(crate) chaos_ms: u64,
    pub(crate) calm_ms: u64,
    /// The bound on message delay once the network is synchronous.
    pub(crate) delta_ms: u64,
    pub(crate) timing: Timing,
    /// Whether chaos periods crash and restart honest members.
    pub(crate) crashes: bool,
    /// Whether chaos periods partition the network.
    pub(crate) partitions: bool,
}

impl SimConfig {
    /// Four members of equal stake, all in the DA committee, member 3 Byzantine.
    pub(crate) fn four(seed: u64, rounds: usize) -> Self {
        SimConfig {
            seed,
            stakes: vec![1, 1, 1, 1],
            da: vec![true; 4],
            vid_threshold: 2,
            byzantine: vec![3],
            rounds,
            chaos_ms: 3_000,
            calm_ms: 5_000,
            delta_ms: 10,
            timing: Timing {
                view_timeout: std::time::Duration::from_millis(120),
                max_view_timeout: std::time::Duration::from_millis(800),
                propose_wait: std::time::Duration::from_millis(25),
            },
            crashes: true,
            partitions: true,
        }
    }

    /// Five members with unequal stakes (total 10; the Byzantine member 4 holds 3, less
    /// than a third), DA members 0, 2, 3, 4.
    pub(crate) fn five_weighted(seed: u64, rounds: usize) -> Self {
        SimConfig {
            stakes: vec![2, 1, 2, 2, 3],
            da: vec![true, false, true, true, true],
            byzantine: vec![4],
            ..SimConfig::four(seed, rounds)
        }
    }
}

/// A safety violation: two different leaves decided at one height.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Conflict {
    pub(crate) height: u64,
    pub(crate) first: (usize, LeafCommitment),
    pub(crate) second: (usize, LeafCommitment),
}

/// Every honest decision, by height, across all nodes.
#[derive(Default, Debug)]
pub(crate) struct SafetyChecker {
    decided: BTreeMap<u64, (usize, LeafCommitment)>,
}

impl SafetyChecker {
    /// Records that `node` decided `leaf` at `height`; a different leaf already decided
    /// there by anyone is a conflict.
    pub(crate) fn record(
        &mut self,
        node: usize,
        height: u64,
        leaf: LeafCommitment,
    ) -> Result<(), Conflict> {
        match self.decided.get(&height) {
            Some(&(first_node, first)) if first != leaf => {
                Err(Conflict { height, first: (first_node, first), second: (node, leaf) })
            }
            Some(_) => Ok(()),
            None => {
                self.decided.insert(height, (node, leaf));
                Ok(())
            }
        }
    }

    /// Heights decided by anyone.
    pub(crate) fn heights(&self) -> usize {
        self.decided.len()
    }
}

/// Every vote and proposal honest nodes sent, to check that none signed two different
/// things in one view — across crashes and restarts.
#[derive(Default, Debug)]
pub(crate) struct SignatureLedger {
    signed: BTreeMap<(usize, u8, u64), [u8; 32]>,
}

/// An honest member signed two different things of one kind in one view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DoubleSign {
    pub(crate) member: usize,
    pub(crate) kind: u8,
    pub(crate) view: u64,
}

impl SignatureLedger {
    /// Records that `member` signed `commitment` as `kind` (vote kinds 1–3, proposals 0)
    /// in `view`.
    pub(crate) fn record(
        &mut self,
        member: usize,
        kind: u8,
        view: u64,
        commitment: [u8; 32],
    ) -> Result<(), DoubleSign> {
        match self.signed.insert((member, kind, view), commitment) {
            Some(before) if before != commitment => Err(DoubleSign { member, kind, view }),
            _ => Ok(()),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.signed.len()
    }
}

/// What a run saw.
#[derive(Default, Debug)]
pub(crate) struct Stats {
    /// Rejected inputs by error variant.
    pub(crate) rejected: BTreeMap<String, u64>,
    pub(crate) delivered: u64,
    pub(crate) dropped: u64,
    pub(crate) crashes: u64,
    pub(crate) restarts: u64,
    pub(crate) timeouts_sent: u64,
    pub(crate) blocks_built: u64,
    pub(crate) fetches: u64,
    /// For each calm period: the views it took from its start until every honest member
    /// decided something new (`None`: it did not happen before the period ended).
    pub(crate) recovery_views: Vec<Option<u64>>,
    pub(crate) conflicts: Vec<Conflict>,
    pub(crate) double_signs: Vec<DoubleSign>,
    /// A node's decided leaves that do not form a chain.
    pub(crate) broken_chains: Vec<String>,
}

impl Stats {
    pub(crate) fn rejected(&self, variant: &str) -> u64 {
        self.rejected.get(variant).copied().unwrap_or(0)
    }
}

enum Event {
    Deliver { to: usize, from: usize, bytes: Vec<u8> },
    Timer { node: usize, epoch: u64, timer: Timer },
    Persisted { node: usize, epoch: u64, seq: u64, state: Vec<u8> },
    Build { node: usize, epoch: u64, view: u64, parent: Leaf },
    Fetched { node: usize, epoch: u64, leaf: Leaf },
    Crash { node: usize },
    Restart { node: usize },
}

struct Scheduled {
    time: u64,
    seq: u64,
    event: Event,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.time, self.seq).cmp(&(other.time, other.seq))
    }
}

struct SimNode {
    sm: Option<Consensus<SimValidator>>,
    /// Incremented at each crash: events of a former life are ignored.
    epoch: u64,
    /// The persisted safety state.
    disk: Option<Vec<u8>>,
    /// Decided leaves, in order (the node's storage).
    storage: Vec<LeafQueryData>,
    byzantine: bool,
}

/// Network conditions of the current period.
#[derive(Clone, Debug)]
struct Net {
    drop: f64,
    min_delay: u64,
    max_delay: u64,
    /// Partition group of each member, if partitioned.
    groups: Option<Vec<u8>>,
}

pub(crate) struct Sim {
    pub(crate) cfg: SimConfig,
    pub(crate) fixture: Fixture,
    rng: ChaCha20Rng,
    now: u64,
    seq: u64,
    queue: BinaryHeap<Reverse<Scheduled>>,
    nodes: Vec<SimNode>,
    net: Net,
    pub(crate) checker: SafetyChecker,
    pub(crate) ledger: SignatureLedger,
    pub(crate) stats: Stats,
    /// A Byzantine member's key outside the stake table, for votes from a non-member.
    outsider: BlsSecretKey,
    /// Old messages a Byzantine member replays.
    replay: Vec<Vec<u8>>,
}

impl Sim {
    pub(crate) fn new(cfg: SimConfig) -> Self {
        let fixture = Fixture::new(&cfg.stakes, &cfg.da, cfg.vid_threshold);
        let synchronous = Net { drop: 0.0, min_delay: 1, max_delay: cfg.delta_ms, groups: None };
        let mut sim = Sim {
            rng: ChaCha20Rng::seed_from_u64(cfg.seed),
            now: 0,
            seq: 0,
            queue: BinaryHeap::new(),
            nodes: Vec::new(),
            net: synchronous,
            checker: SafetyChecker::default(),
            ledger: SignatureLedger::default(),
            stats: Stats::default(),
            outsider: crate::fixture::staking_key(1_000),
            replay: Vec::new(),
            fixture,
            cfg,
        };
        for i in 0..sim.cfg.stakes.len() {
            let byzantine = sim.cfg.byzantine.contains(&i);
            sim.nodes.push(SimNode {
                sm: None,
                epoch: 0,
                disk: None,
                storage: Vec::new(),
                byzantine,
            });
            sim.boot(i);
        }
        sim
    }

    fn n(&self) -> usize {
        self.nodes.len()
    }

    pub(crate) fn honest(&self) -> Vec<usize> {
        (0..self.n()).filter(|&i| !self.nodes[i].byzantine).collect()
    }

    /// Highest view among live honest nodes.
    pub(crate) fn max_view(&self) -> u64 {
        self.honest()
            .iter()
            .filter_map(|&i| self.nodes[i].sm.as_ref())
            .map(|s| s.view())
            .max()
            .unwrap_or(0)
    }

    /// Each member's view, safety state and last decision, for failure messages.
    pub(crate) fn dump(&self) -> String {
        let mut out = String::new();
        for (i, n) in self.nodes.iter().enumerate() {
            let Some(sm) = n.sm.as_ref() else {
                out.push_str(&format!("{i}: down\n"));
                continue;
            };
            let s = sm.safety_state();
            let qv = |q: &Option<doppio_keys::QuorumCertificate>| q.as_ref().map(|q| q.data.view);
            out.push_str(&format!(
                "{i}: view {} voted {} timeout {} da {} proposed {} lock {:?} high {:?} decided {} (view {})\n",
                sm.view(),
                s.last_voted_view,
                s.last_timeout_view,
                s.last_da_vote_view,
                s.last_proposed_view,
                qv(&s.locked_qc),
                qv(&s.high_qc),
                n.storage.len(),
                sm.last_decided().leaf.view_number,
            ));
        }
        out
    }

    /// Decided leaves of member `i`.
    pub(crate) fn decided(&self, i: usize) -> &[LeafQueryData] {
        &self.nodes[i].storage
    }

    /// Starts (or restarts) member `i` from its storage and persisted safety state.
    fn boot(&mut self, i: usize) {
        let node = &self.nodes[i];
        let anchor = match node.storage.last() {
            Some(d) => Anchor { leaf: d.leaf.clone(), qc: Some(d.qc.clone()) },
            None => Anchor { leaf: self.fixture.genesis.clone(), qc: None },
        };
        let restored = node.disk.as_ref().map(|b| SafetyState::decode(b).expect("own disk"));
        let config = self.fixture.config(i, self.cfg.timing);
        let sm = Consensus::new(config, SimValidator, anchor, restored).expect("valid start");
        self.nodes[i].sm = Some(sm);
        self.after(i);
    }

    fn schedule(&mut self, delay: u64, event: Event) {
        self.seq += 1;
        self.queue.push(Reverse(Scheduled { time: self.now + delay, seq: self.seq, event }));
    }

    /// Runs the configured rounds of chaos and calm, then one more calm period.
    pub(crate) fn run(&mut self) {
        for _ in 0..self.cfg.rounds {
            self.chaos_period();
            self.calm_period();
        }
    }

    /// An asynchronous period: long delays (beyond the view timeout), drops, maybe a
    /// partition, maybe crashes of honest members at random moments.
    fn chaos_period(&mut self) {
        let end = self.now + self.cfg.chaos_ms;
        self.net = Net {
            drop: self.rng.gen_range(0.05..0.35),
            min_delay: 1,
            max_delay: self.rng.gen_range(self.cfg.delta_ms..300),
            groups: None,
        };
        if self.cfg.partitions && self.rng.gen_bool(0.6) {
            let groups = (0..self.n()).map(|_| self.rng.gen_range(0..2u8)).collect();
            self.net.groups = Some(groups);
        }
        if self.cfg.crashes {
            for i in self.honest() {
                if self.rng.gen_bool(0.4) {
                    let at = self.rng.gen_range(0..self.cfg.chaos_ms);
                    self.schedule(at, Event::Crash { node: i });
                    if self.rng.gen_bool(0.5) {
                        let back = self.rng.gen_range(at..self.cfg.chaos_ms);
                        self.schedule(back, Event::Restart { node: i });
                    }
                }
            }
        }
        self.run_until(end);
    }

    /// A synchronous period: every crashed member restarts, no drops, delays within Δ.
    /// Records how many views it took until every honest member decided something new.
    fn calm_period(&mut self) {
        let end = self.now + self.cfg.calm_ms;
        self.net = Net { drop: 0.0, min_delay: 1, max_delay: self.cfg.delta_ms, groups: None };
        for i in 0..self.n() {
            if self.nodes[i].sm.is_none() {
                self.restart(i);
            }
        }
        let start_view = self.max_view();
        let counts: Vec<usize> = (0..self.n()).map(|i| self.nodes[i].storage.len()).collect();
        let mut recovered = None;
        while self.now < end {
            let step = (self.now + self.cfg.delta_ms).min(end);
            self.run_until(step);
            let all = self.honest().iter().all(|&i| {
                let s = &self.nodes[i].storage;
                s.len() > counts[i] && s.last().is_some_and(|d| d.leaf.view_number > start_view)
            });
            if all && recovered.is_none() {
                recovered = Some(self.max_view() - start_view);
            }
        }
        self.stats.recovery_views.push(recovered);
    }

    fn run_until(&mut self, end: u64) {
        while let Some(Reverse(next)) = self.queue.peek() {
            if next.time > end {
                break;
            }
            let Some(Reverse(next)) = self.queue.pop() else { break };
            self.now = next.time;
            self.handle(next.event);
        }
        self.now = end;
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Deliver { to, from, bytes } => self.deliver(to, from, bytes),
            Event::Timer { node, epoch, timer } => {
                if let Some(sm) = self.live(node, epoch) {
                    sm.timer_fired(timer);
                    self.after(node);
                }
            }
            Event::Persisted { node, epoch, seq, state } => {
                if self.live(node, epoch).is_some() {
                    // The write completes now: durable, then acknowledged.
                    self.nodes[node].disk = Some(state);
                    let sm = self.nodes[node].sm.as_mut().expect("live");
                    sm.persisted(seq).expect("a sequence it emitted");
                    self.after(node);
                }
            }
            Event::Build { node, epoch, view, parent } => self.build(node, epoch, view, parent),
            Event::Fetched { node, epoch, leaf } => {
                if let Some(sm) = self.live(node, epoch) {
                    let result = sm.fetched(leaf);
                    self.note(result);
                    self.after(node);
                }
            }
            Event::Crash { node } => self.crash(node),
            Event::Restart { node } => {
                if self.nodes[node].sm.is_none() {
                    self.restart(node);
                }
            }
        }
    }

    fn live(&mut self, node: usize, epoch: u64) -> Option<&mut Consensus<SimValidator>> {
        let n = &mut self.nodes[node];
        if n.epoch != epoch {
            return None;
        }
        n.sm.as_mut()
    }

    fn crash(&mut self, node: usize) {
        let n = &mut self.nodes[node];
        if n.sm.take().is_some() {
            n.epoch += 1;
            self.stats.crashes += 1;
        }
    }

    fn restart(&mut self, node: usize) {
        self.stats.restarts += 1;
        self.boot(node);
    }

    fn note<T>(&mut self, result: Result<T, doppio_consensus::Rejected>) {
        if let Err(e) = result {
            let debug = format!("{e:?}");
            let mut variant: String =
                debug.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if let doppio_consensus::Rejected::Vote { source, .. } = &e {
                let inner = format!("{source:?}");
                variant.push(':');
                variant.extend(inner.chars().take_while(|c| c.is_alphanumeric()));
            }
            *self.stats.rejected.entry(variant).or_default() += 1;
        }
    }

    fn deliver(&mut self, to: usize, from: usize, bytes: Vec<u8>) {
        let Some(sm) = self.nodes[to].sm.as_mut() else {
            return;
        };
        self.stats.delivered += 1;
        let message = match Message::decode(&bytes) {
            Ok(m) => m,
            Err(_) => {
                *self.stats.rejected.entry("Decode".into()).or_default() += 1;
                return;
            }
        };
        let proposal = match &message {
            Message::Proposal(p) => Some(p.proposal.leaf.clone()),
            _ => None,
        };
        let result = sm.handle_message(from, message);
        self.note(result);
        self.after(to);
        if let (true, Some(leaf)) = (self.nodes[to].byzantine, proposal) {
            self.forge_votes(to, &leaf);
        }
    }

    /// Carries out member `i`'s actions, in order.
    fn after(&mut self, i: usize) {
        let Some(sm) = self.nodes[i].sm.as_mut() else {
            return;
        };
        let actions = sm.poll_actions();
        let epoch = self.nodes[i].epoch;
        for action in actions {
            match action {
                Action::Persist { seq, state } => {
                    let state = state.encode().expect("small");
                    let delay = self.rng.gen_range(0..3);
                    self.schedule(delay, Event::Persisted { node: i, epoch, seq, state });
                }
                Action::Send { to, message } => self.send(i, vec![to], message),
                Action::Broadcast { message } => {
                    let others = (0..self.n()).filter(|&j| j != i).collect();
                    self.send(i, others, message)
                }
                Action::ScheduleTimer { timer, after } => {
                    let delay = after.as_millis() as u64;
                    self.schedule(delay, Event::Timer { node: i, epoch, timer });
                }
                Action::BuildBlock { view, parent } => {
                    let delay = self.rng.gen_range(1..4);
                    self.schedule(delay, Event::Build { node: i, epoch, view, parent });
                }
                Action::Fetch { commitment } => self.fetch(i, epoch, commitment),
                Action::Decide { leaves } => {
                    for d in leaves {
                        self.store_decided(i, d.leaf);
                    }
                }
            }
        }
    }

    fn store_decided(&mut self, i: usize, d: LeafQueryData) {
        let node = &mut self.nodes[i];
        if let Some(last) = node.storage.last()
            && (d.leaf.parent_commitment != last.hash() || d.height() != last.height() + 1)
        {
            self.stats.broken_chains.push(format!(
                "node {i}: height {} after {}",
                d.height(),
                last.height()
            ));
        }
        if !node.byzantine
            && let Err(c) = self.checker.record(i, d.height(), d.hash())
        {
            self.stats.conflicts.push(c);
        }
        node.storage.push(d);
    }

    /// Looks the leaf up at a random other live member (its memory or its storage) and
    /// answers after a network delay; a Byzantine member answers with another leaf.
    fn fetch(&mut self, i: usize, epoch: u64, commitment: LeafCommitment) {
        self.stats.fetches += 1;
        let mut peers: Vec<usize> = (0..self.n()).filter(|&j| j != i).collect();
        peers.shuffle(&mut self.rng);
        for j in peers {
            let node = &self.nodes[j];
            let Some(sm) = node.sm.as_ref() else { continue };
            let found = sm.leaf(&commitment).cloned().or_else(|| {
                node.storage.iter().rev().find(|d| d.hash() == commitment).map(|d| d.leaf.clone())
            });
            let leaf = match (found, node.byzantine) {
                (_, true) => self.fixture.genesis.clone(),
                (Some(leaf), false) => leaf,
                (None, false) => continue,
            };
            if !self.reachable(j, i) {
                return;
            }
            let delay = 2 * self.delay();
            self.schedule(delay, Event::Fetched { node: i, epoch, leaf });
            return;
        }
    }

    fn build(&mut self, node: usize, epoch: u64, view: u64, parent: Leaf) {
        if self.live(node, epoch).is_none() {
            return;
        }
        self.stats.blocks_built += 1;
        let invalid = self.nodes[node].byzantine && self.rng.gen_bool(0.3);
        let txs = transactions(self.rng.r#gen());
        let now_secs = 1_700_000_000 + self.now / 1000;
        let (header, payload, dispersal) =
            build_block(&self.fixture.vid, &parent, &txs, now_secs, invalid);
        let sm = self.nodes[node].sm.as_mut().expect("live");
        let result = sm.block_built(view, header, payload, dispersal);
        self.note(result);
        self.after(node);
    }

    fn reachable(&self, from: usize, to: usize) -> bool {
        self.net.groups.as_ref().is_none_or(|g| g[from] == g[to])
    }

    fn delay(&mut self) -> u64 {
        self.rng.gen_range(self.net.min_delay..=self.net.max_delay)
    }

    /// Sends `message` from `from` to each of `to`, through the wire encoding, each copy
    /// with its own delay (so copies overtake each other) or dropped.
    fn send(&mut self, from: usize, to: Vec<usize>, message: Message) {
        if self.nodes[from].byzantine {
            return self.send_byzantine(from, to, message);
        }
        self.record_signed(from, &message);
        let bytes = message.encode().expect("messages fit");
        for j in to {
            self.transmit(from, j, bytes.clone());
        }
        if self.replay.len() < 64 && self.rng.gen_bool(0.02) {
            self.replay.push(bytes);
        }
    }

    fn transmit(&mut self, from: usize, to: usize, bytes: Vec<u8>) {
        if !self.reachable(from, to) || self.rng.gen_bool(self.net.drop) {
            self.stats.dropped += 1;
            return;
        }
        let delay = self.delay();
        self.schedule(delay, Event::Deliver { to, from, bytes });
    }

    /// Checks, for honest senders, that nothing signed conflicts with what they signed
    /// before in the same view (their whole history, across restarts).
    fn record_signed(&mut self, from: usize, message: &Message) {
        let entry = match message {
            Message::Vote(v) => Some((v.data.kind as u8, v.data.view, v.data.commitment)),
            Message::Timeout(t) => {
                self.stats.timeouts_sent += 1;
                Some((VoteKind::Timeout as u8, t.vote.data.view, t.vote.data.commitment))
            }
            Message::Proposal(p) => Some((0, p.proposal.view(), p.proposal.leaf.commit().0)),
            _ => None,
        };
        if let Some((kind, view, commitment)) = entry
            && let Err(d) = self.ledger.record(from, kind, view, commitment)
        {
            self.stats.double_signs.push(d);
        }
    }

    fn key(&self, i: usize) -> &BlsSecretKey {
        &self.fixture.keys[i]
    }

    /// A Byzantine member's sending: equivocating proposals, corrupted shares, and now
    /// and then garbage, replays and messages only a leader may send.
    fn send_byzantine(&mut self, from: usize, to: Vec<usize>, message: Message) {
        match message {
            Message::Proposal(p) if to.len() > 1 => self.equivocate(from, to, *p),
            Message::VidShare(mut m) if self.rng.gen_bool(0.5) => {
                let n = self.n() as u32;
                let other = self.fixture.vid.disperse(&[m.view as u8; 40]).expect("small");
                if self.rng.gen_bool(0.5) {
                    m.share.merkle_path =
                        other.shares[((m.share.index + 1) % n) as usize].merkle_path.clone();
                } else {
                    m.share.aggregate_proof = other.shares[0].aggregate_proof;
                }
                self.send_honestly(from, to, Message::VidShare(m));
            }
            other => self.send_honestly(from, to, other),
        }
        self.mischief(from);
    }

    fn send_honestly(&mut self, from: usize, to: Vec<usize>, message: Message) {
        let bytes = message.encode().expect("fits");
        for j in to {
            self.transmit(from, j, bytes.clone());
        }
    }

    /// Two proposals for one view: the real one to half the members, one with another
    /// timestamp (so another leaf, same payload and DA certificate) to the rest.
    fn equivocate(&mut self, from: usize, mut to: Vec<usize>, real: SignedProposal) {
        to.shuffle(&mut self.rng);
        let mut other = real.proposal.clone();
        other.leaf.block_header.timestamp += 1;
        let other = SignedProposal::sign(self.key(from), other);
        let half = to.len() / 2;
        let (a, b) = to.split_at(half);
        self.send_honestly(from, a.to_vec(), Message::from(real.clone()));
        self.send_honestly(from, b.to_vec(), Message::from(other.clone()));
        // Some members get both, in either order.
        if self.rng.gen_bool(0.5) {
            let j = to[self.rng.gen_range(0..to.len())];
            let extra = if a.contains(&j) { other } else { real };
            self.send_honestly(from, vec![j], Message::from(extra));
        }
    }

    /// On seeing a proposal, a Byzantine member sends the next leader votes forged in
    /// the honest members' names (its own signature under their keys), its own vote
    /// twice, and a vote from a key outside the stake table; now and then a forged
    /// timeout.
    fn forge_votes(&mut self, byz: usize, leaf: &Leaf) {
        let data = leaf.vote_data();
        let next = self.fixture.committee.leader(data.view + 1);
        let forged_sig = self.key(byz).sign(&data.message());
        for i in self.honest() {
            let signer = self.key(i).public_key();
            let vote = Vote { data, signer, signature: forged_sig };
            self.send_honestly(byz, vec![next], Message::Vote(vote));
        }
        let own = Vote::new(self.key(byz), data);
        self.send_honestly(byz, vec![next, next], Message::Vote(own));
        let outsider = Vote::new(&self.outsider, data);
        self.send_honestly(byz, vec![next], Message::Vote(outsider));
        if self.rng.gen_bool(0.3) {
            let victim = self.honest()[0];
            let t = VoteData { kind: VoteKind::Timeout, view: data.view, commitment: [0; 32] };
            let vote = Vote {
                data: t,
                signer: self.key(victim).public_key(),
                signature: self.key(byz).sign(&t.message()),
            };
            let m = TimeoutMessage { vote, high_qc: None, timeout_certificate: None };
            let all = (0..self.n()).filter(|&j| j != byz).collect();
            self.send_honestly(byz, all, Message::from(m));
        }
    }

    /// Garbage bytes, truncated or replayed messages, and shares claiming to come from a
    /// leader they do not.
    fn mischief(&mut self, from: usize) {
        if !self.rng.gen_bool(0.1) {
            return;
        }
        let to = self.rng.gen_range(0..self.n());
        if to == from {
            return;
        }
        let bytes = match self.rng.gen_range(0..3) {
            0 => (0..self.rng.gen_range(0..200)).map(|_| self.rng.r#gen()).collect(),
            1 if !self.replay.is_empty() => {
                let mut b = self.replay[self.rng.gen_range(0..self.replay.len())].clone();
                if self.rng.gen_bool(0.5) {
                    b.truncate(b.len() / 2);
                }
                b
            }
            _ => {
                let view = self.max_view() + 1;
                let d = self.fixture.vid.disperse(b"not the leader's").expect("small");
                let share = d.shares[to].clone();
                let m = doppio_consensus::VidShareMessage { view, share, common: d.common };
                Message::VidShare(m).encode().expect("fits")
            }
        };
        self.transmit(from, to, bytes);
    }
}
