//! The state machine: one [`Consensus`] per node, fed events by its driver, asking for
//! actions in return. It does no I/O and reads no clock.

mod decide;
mod leader;
mod replica;
mod view;

use std::{
    collections::{BTreeMap, BTreeSet, VecDeque},
    sync::Arc,
    time::Duration,
};

use doppio_accel::Accel;
use doppio_keys::{BlsSecretKey, QcError, QuorumCertificate, StakeTable, VoteAccumulator};
use doppio_types::{Leaf, LeafCommitment, PayloadError, QcMismatch};
use doppio_vid::{Dispersal, Vid, VidCommitment, VidCommon, VidError, VidShare};

use crate::{
    action::{Action, Timer},
    committee::{CertificateError, CertificateKind, Committee},
    message::Message,
    safety::SafetyState,
    validate::HeaderValidator,
};

/// Default first view timeout.
pub const DEFAULT_VIEW_TIMEOUT: Duration = Duration::from_secs(2);
/// Default cap on the view timeout, which doubles with each view in a row that ends in a
/// timeout certificate.
pub const DEFAULT_MAX_VIEW_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time a leader entering its view by a timeout certificate waits for the other
/// members' highest QCs.
pub const DEFAULT_PROPOSE_WAIT: Duration = Duration::from_millis(300);

/// Messages about views further ahead than this are refused (certificates they carry are
/// still used): a node that far behind catches up through certificates, not by buffering.
pub const FUTURE_VIEWS: u64 = 8;

/// Views kept in memory behind the current one when nothing is decided.
const RETAINED_VIEWS: u64 = 256;
/// Most leaves fetched at once.
const MAX_FETCHES: usize = 64;
/// Most distinct leaves one view's votes may be collected for (an equivocating leader
/// makes two; anything past a handful is spam).
const MAX_CANDIDATES: usize = 4;
/// Views above this are refused, so that `view + 1` never overflows.
pub const MAX_VIEW: u64 = u64::MAX / 2;

/// View timing; the driver runs the timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// The first view timeout after progress.
    pub view_timeout: Duration,
    /// The cap of the doubling view timeout.
    pub max_view_timeout: Duration,
    /// How long a leader entering its view by a timeout certificate waits for the other
    /// members' highest QCs (about two network delays).
    pub propose_wait: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            view_timeout: DEFAULT_VIEW_TIMEOUT,
            max_view_timeout: DEFAULT_MAX_VIEW_TIMEOUT,
            propose_wait: DEFAULT_PROPOSE_WAIT,
        }
    }
}

/// What a node needs to take part.
#[derive(Clone)]
pub struct ConsensusConfig {
    /// The members.
    pub committee: Committee,
    /// This node's stake-table index.
    pub index: usize,
    /// This node's staking key (the entry at `index` must be its public key).
    pub key: BlsSecretKey,
    /// VID with one storage node per member, to check shares and DA payloads.
    pub vid: Arc<Vid>,
    /// The acceleration layer certificates are checked on.
    pub accel: Accel,
    /// View timing.
    pub timing: Timing,
}

/// The last decided leaf, from which a node starts: the genesis leaf (with no QC yet: the
/// members certify it first) or the last leaf in storage with its QC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    /// The leaf.
    pub leaf: Leaf,
    /// Its quorum certificate; `None` only for a genesis leaf not yet certified.
    pub qc: Option<QuorumCertificate>,
}

/// Why a node could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ConsensusError {
    /// `index` is not a stake-table entry.
    #[error("index {index} is outside the stake table of {members} members")]
    IndexOutOfRange {
        /// The index.
        index: usize,
        /// Members.
        members: usize,
    },
    /// The key is not the one at `index`.
    #[error("the staking key is not the stake table's entry {index}")]
    KeyMismatch {
        /// The index.
        index: usize,
    },
    /// VID is not set up with one storage node per member.
    #[error("VID has {vid} storage nodes, the committee {members} members")]
    VidSize {
        /// VID's storage nodes.
        vid: usize,
        /// Members.
        members: usize,
    },
    /// Only a genesis (view 0) anchor may come without a QC.
    #[error("the anchor at view {view} has no quorum certificate")]
    AnchorWithoutQc {
        /// The anchor's view.
        view: u64,
    },
    /// The anchor's QC is over another leaf.
    #[error("anchor: {0}")]
    AnchorQcMismatch(#[from] QcMismatch),
    /// A certificate given at start does not verify.
    #[error("{what}: {source}")]
    InvalidCertificate {
        /// Which one.
        what: &'static str,
        /// Why.
        source: CertificateError,
    },
}

/// Why an input was refused. Nothing it carried was counted; the node goes on.
#[derive(Debug, thiserror::Error)]
pub enum Rejected {
    /// A sender index outside the stake table.
    #[error("sender {index} is not a member")]
    NotMember {
        /// The index.
        index: usize,
    },
    /// A message only the view's leader may send directly came from someone else.
    #[error("view {view}: only the leader {expected} sends this, not {found}")]
    WrongSender {
        /// The view.
        view: u64,
        /// Its leader.
        expected: usize,
        /// The sender.
        found: usize,
    },
    /// A view past [`MAX_VIEW`].
    #[error("view {view} is out of range")]
    ViewOutOfRange {
        /// The view.
        view: u64,
    },
    /// A message about a view this node has left.
    #[error("view {view} is over (current view {current})")]
    StaleView {
        /// The message's view.
        view: u64,
        /// This node's view.
        current: u64,
    },
    /// A message about a view too far ahead.
    #[error("view {view} is too far ahead (current view {current})")]
    TooFarAhead {
        /// The message's view.
        view: u64,
        /// This node's view.
        current: u64,
    },
    /// The same message again.
    #[error("view {view}: duplicate {kind}")]
    Duplicate {
        /// The view.
        view: u64,
        /// The message kind.
        kind: &'static str,
    },
    /// A message that breaks the protocol's structure.
    #[error("view {view}: malformed: {reason}")]
    Malformed {
        /// The view.
        view: u64,
        /// What is wrong.
        reason: &'static str,
    },
    /// A proposal not signed by its view's leader.
    #[error("view {view}: the proposal is not signed by the leader {leader}")]
    InvalidProposalSignature {
        /// The view.
        view: u64,
        /// Its leader.
        leader: usize,
    },
    /// The leader signed two different proposals for one view.
    #[error("view {view}: the leader equivocated ({first} and {second})")]
    Equivocation {
        /// The view.
        view: u64,
        /// The leaf of the first proposal seen.
        first: LeafCommitment,
        /// The leaf of this one.
        second: LeafCommitment,
    },
    /// A certificate that does not verify.
    #[error("view {view}: invalid {kind:?} certificate: {source}")]
    InvalidCertificate {
        /// The view of the message carrying it.
        view: u64,
        /// Which certificate.
        kind: CertificateKind,
        /// Why.
        source: CertificateError,
    },
    /// The proposed header is invalid (the crate's checks or the node's validator).
    #[error("view {view}: invalid header: {reason}")]
    InvalidHeader {
        /// The view.
        view: u64,
        /// Why.
        reason: String,
    },
    /// The proposal extends a leaf below this node's lock.
    #[error(
        "view {view}: the proposal extends view {justify_view}, below the lock at {locked_view}"
    )]
    BelowLock {
        /// The view.
        view: u64,
        /// The view its justify QC certifies.
        justify_view: u64,
        /// The lock's view.
        locked_view: u64,
    },
    /// A VID share that does not verify.
    #[error("view {view}: bad VID share: {source}")]
    BadVidShare {
        /// The view.
        view: u64,
        /// Why.
        source: VidError,
    },
    /// A VID share for another member.
    #[error("view {view}: the VID share has index {index}, not this node's")]
    ShareNotForMe {
        /// The view.
        view: u64,
        /// Its index.
        index: u32,
    },
    /// The leader sent a second, different share or payload for one view.
    #[error("view {view}: a second, different {kind} from the leader")]
    Conflicting {
        /// The view.
        view: u64,
        /// The message kind.
        kind: &'static str,
    },
    /// The share is for another payload than the proposal's header commits to.
    #[error("view {view}: the VID share is for payload {share}, the header commits to {header}")]
    ShareMismatch {
        /// The view.
        view: u64,
        /// The share's payload commitment.
        share: VidCommitment,
        /// The header's.
        header: VidCommitment,
    },
    /// A DA proposal to a node outside the DA committee.
    #[error("view {view}: this node is not in the DA committee")]
    NotDaMember {
        /// The view.
        view: u64,
    },
    /// A DA payload that does not parse with its namespace table.
    #[error("view {view}: invalid payload: {source}")]
    InvalidPayload {
        /// The view.
        view: u64,
        /// Why.
        source: PayloadError,
    },
    /// A DA payload whose VID commitment is not the one claimed.
    #[error("view {view}: the payload's VID commitment is {computed}, not the claimed {claimed}")]
    PayloadCommitmentMismatch {
        /// The view.
        view: u64,
        /// Computed from the payload.
        computed: VidCommitment,
        /// Claimed by the message.
        claimed: VidCommitment,
    },
    /// VID could not process a payload.
    #[error("view {view}: VID: {source}")]
    Vid {
        /// The view.
        view: u64,
        /// Why.
        source: VidError,
    },
    /// This node already signed something else of this kind in this view.
    #[error("view {view}: already voted ({kind})")]
    AlreadyVoted {
        /// The view.
        view: u64,
        /// The vote kind.
        kind: &'static str,
    },
    /// A vote sent to a node that does not collect it.
    #[error("view {view}: this node does not collect these votes")]
    NotCollecting {
        /// The vote's view.
        view: u64,
    },
    /// A vote refused by its accumulator (non-member, duplicate, invalid signature,
    /// other data, already certified).
    #[error("view {view}: vote refused: {source}")]
    Vote {
        /// The vote's view.
        view: u64,
        /// Why.
        source: Box<QcError>,
    },
    /// Votes for more leaves of one view than an honest (or equivocating) leader makes.
    #[error("view {view}: votes for too many different leaves")]
    TooManyCandidates {
        /// The view.
        view: u64,
    },
    /// A member's vote for a second leaf of one view it opened a candidate in: each
    /// member opens at most one, so that no member can crowd out the real leaf.
    #[error("view {view}: member {signer} already voted for another leaf of this view")]
    SecondCandidate {
        /// The view.
        view: u64,
        /// The member's stake-table index.
        signer: usize,
    },
    /// A block this node did not ask for, or for a view it has left.
    #[error("view {view}: no block was requested")]
    UnexpectedBlock {
        /// The view.
        view: u64,
    },
    /// A built block that does not fit what was asked.
    #[error("view {view}: the built block is inconsistent: {reason}")]
    BlockMismatch {
        /// The view.
        view: u64,
        /// What is wrong.
        reason: &'static str,
    },
    /// A leaf that was not asked for.
    #[error("leaf {commitment} was not requested")]
    UnrequestedLeaf {
        /// Its commitment.
        commitment: LeafCommitment,
    },
    /// An acknowledgement of a snapshot never emitted.
    #[error("persist sequence {seq} was never emitted (latest {latest})")]
    UnknownPersist {
        /// The acknowledged sequence.
        seq: u64,
        /// The latest emitted.
        latest: u64,
    },
}

impl Rejected {
    /// The refusal's kind in snake case (`wrong_sender`, `second_candidate`, …; votes by
    /// why: `vote_after_certificate`, which honest members' late votes get, apart from
    /// `vote_invalid_signature` and the rest): a metric label that stays the same
    /// whatever the view or member.
    pub fn reason(&self) -> &'static str {
        match self {
            Rejected::NotMember { .. } => "not_member",
            Rejected::WrongSender { .. } => "wrong_sender",
            Rejected::ViewOutOfRange { .. } => "view_out_of_range",
            Rejected::StaleView { .. } => "stale_view",
            Rejected::TooFarAhead { .. } => "too_far_ahead",
            Rejected::Duplicate { .. } => "duplicate",
            Rejected::Malformed { .. } => "malformed",
            Rejected::InvalidProposalSignature { .. } => "invalid_proposal_signature",
            Rejected::Equivocation { .. } => "equivocation",
            Rejected::InvalidCertificate { .. } => "invalid_certificate",
            Rejected::InvalidHeader { .. } => "invalid_header",
            Rejected::BelowLock { .. } => "below_lock",
            Rejected::BadVidShare { .. } => "bad_vid_share",
            Rejected::ShareNotForMe { .. } => "share_not_for_me",
            Rejected::Conflicting { .. } => "conflicting",
            Rejected::ShareMismatch { .. } => "share_mismatch",
            Rejected::NotDaMember { .. } => "not_da_member",
            Rejected::InvalidPayload { .. } => "invalid_payload",
            Rejected::PayloadCommitmentMismatch { .. } => "payload_commitment_mismatch",
            Rejected::Vid { .. } => "vid",
            Rejected::AlreadyVoted { .. } => "already_voted",
            Rejected::NotCollecting { .. } => "not_collecting",
            Rejected::Vote { source, .. } => match **source {
                QcError::AlreadyCertified { .. } => "vote_after_certificate",
                QcError::DuplicateVote { .. } => "vote_duplicate",
                QcError::NotMember { .. } => "vote_not_member",
                QcError::InvalidVote { .. } | QcError::InvalidSignature { .. } => {
                    "vote_invalid_signature"
                }
                QcError::WrongVoteData { .. } => "vote_wrong_data",
                _ => "vote_error",
            },
            Rejected::TooManyCandidates { .. } => "too_many_candidates",
            Rejected::SecondCandidate { .. } => "second_candidate",
            Rejected::UnexpectedBlock { .. } => "unexpected_block",
            Rejected::BlockMismatch { .. } => "block_mismatch",
            Rejected::UnrequestedLeaf { .. } => "unrequested_leaf",
            Rejected::UnknownPersist { .. } => "unknown_persist",
        }
    }

    /// A vote refused for `source`.
    fn vote(view: u64, source: QcError) -> Self {
        Rejected::Vote { view, source: Box::new(source) }
    }
}

/// Who a held message goes to once its snapshot is durable.
#[derive(Clone, Copy, Debug)]
enum Recipient {
    One(usize),
    All,
}

/// A leader's block, signed, waiting for its DA certificate.
#[derive(Clone, Debug)]
struct Block {
    leaf: Leaf,
    timeout_certificate: Option<QuorumCertificate>,
    signature: doppio_keys::BlsSignature,
}

/// What this node does as the leader of a view.
#[derive(Debug, Default)]
struct Lead {
    /// Done waiting for the members' highest QCs (at once when entered by a QC).
    wait_done: bool,
    /// The justify QC of the block asked of the driver.
    requested: Option<QuorumCertificate>,
    block: Option<Block>,
    da_votes: Option<VoteAccumulator<Arc<StakeTable>>>,
    proposed: bool,
}

/// What a node holds about one view.
#[derive(Debug, Default)]
struct ViewState {
    /// Leaf of the first authentic proposal seen (equivocation check).
    proposal: Option<LeafCommitment>,
    /// A checked proposal this node has neither voted for nor refused yet.
    pending: Option<crate::message::Proposal>,
    /// The validator accepted the pending proposal's header.
    header_ok: bool,
    /// This node's VID share and the common data.
    share: Option<(VidShare, VidCommon)>,
    /// The DA payload (DA members).
    payload: Option<(doppio_types::Payload, VidCommitment)>,
    /// Quorum votes on this view's leaves (as the next leader), by leaf commitment.
    votes: BTreeMap<[u8; 32], VoteAccumulator<Arc<StakeTable>>>,
    /// Members whose vote, verified on its own, opened one of `votes`' candidates.
    openers: BTreeSet<usize>,
    qc_formed: bool,
    /// Timeout votes for this view, until the certificate forms.
    timeouts: Option<VoteAccumulator<Arc<StakeTable>>>,
    /// Members whose (verified) timeout votes arrived.
    timed_out: BTreeSet<usize>,
    tc: Option<QuorumCertificate>,
    lead: Option<Lead>,
}

/// How a view was entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    /// By a QC of the previous view: its leader proposes at once.
    Qc,
    /// By a TC: the leader first gathers the members' highest QCs.
    Tc,
    /// At start.
    Start,
}

/// One node's consensus state machine.
///
/// Feed it events ([`Consensus::handle_message`], [`Consensus::timer_fired`],
/// [`Consensus::persisted`], [`Consensus::block_built`], [`Consensus::fetched`]) and
/// carry out, in order, what [`Consensus::poll_actions`] returns after each. See the
/// crate documentation for the protocol and the contract.
pub struct Consensus<V> {
    config: ConsensusConfig,
    validator: V,
    safety: SafetyState,
    /// Sequence of the latest snapshot emitted, and of the latest acknowledged.
    persist_seq: u64,
    durable_seq: u64,
    /// Messages waiting for their snapshot to be durable.
    held: VecDeque<(u64, Recipient, Message)>,
    /// Messages to this node, handled after the current input.
    local: VecDeque<Message>,
    actions: Vec<Action>,
    view: u64,
    timeouts_in_a_row: u32,
    last_tc: Option<QuorumCertificate>,
    anchor: Anchor,
    leaves: BTreeMap<LeafCommitment, Leaf>,
    views: BTreeMap<u64, ViewState>,
    /// Leaves asked of the driver, with the view each was asked in.
    fetching: BTreeMap<LeafCommitment, u64>,
    /// The highest QC whose decide waits for fetched leaves.
    decide_target: Option<QuorumCertificate>,
}

impl<V: HeaderValidator> Consensus<V> {
    /// A node starting from `anchor` (the genesis leaf, or the last decided leaf and its
    /// QC from storage), with the safety state it persisted before, if any. Its first
    /// actions (a view timer, the genesis vote) wait in [`Consensus::poll_actions`].
    pub fn new(
        config: ConsensusConfig,
        validator: V,
        anchor: Anchor,
        restored: Option<SafetyState>,
    ) -> Result<Self, ConsensusError> {
        check_config(&config)?;
        check_anchor(&config, &anchor)?;
        let mut safety = restored.unwrap_or_default();
        check_safety(&config, &safety)?;
        if qc_view(&anchor.qc) > qc_view(&safety.high_qc) || safety.high_qc.is_none() {
            safety.high_qc = anchor.qc.clone().or(safety.high_qc);
        }
        let start = safety.highest_view().max(anchor.leaf.view_number);
        let anchor_view = anchor.leaf.view_number;
        safety.decided_up_to(anchor_view);
        let mut leaves = BTreeMap::from([(anchor.leaf.commit(), anchor.leaf.clone())]);
        leaves.extend(safety.undecided_leaves.iter().map(|l| (l.commit(), l.clone())));
        let mut node = Consensus {
            config,
            validator,
            safety,
            persist_seq: 0,
            durable_seq: 0,
            held: VecDeque::new(),
            local: VecDeque::new(),
            actions: Vec::new(),
            view: 0,
            timeouts_in_a_row: 0,
            last_tc: None,
            leaves,
            anchor,
            views: BTreeMap::new(),
            fetching: BTreeMap::new(),
            decide_target: None,
        };
        node.start(start);
        node.drain_local();
        Ok(node)
    }

    /// Handles a message from member `from`. `from` must be the peer the message came
    /// from directly over an authenticated connection: DA proposals and VID shares are
    /// accepted only from their view's leader that way. Proposals and votes carry their
    /// own signatures and may be relayed.
    pub fn handle_message(&mut self, from: usize, message: Message) -> Result<(), Rejected> {
        if from >= self.config.committee.len() {
            return Err(Rejected::NotMember { index: from });
        }
        let result = self.dispatch(from, message);
        self.drain_local();
        result
    }

    /// Handles a timer set by [`Action::ScheduleTimer`]; timers of views left are ignored.
    pub fn timer_fired(&mut self, timer: Timer) {
        if timer.view() == self.view {
            match timer {
                Timer::View(_) => self.view_timer(),
                Timer::ProposeWait(_) => self.propose_wait_over(),
            }
        }
        self.drain_local();
    }

    /// The snapshot of [`Action::Persist`] `seq` (and so every earlier one) is durable:
    /// releases the messages that waited for it.
    pub fn persisted(&mut self, seq: u64) -> Result<(), Rejected> {
        if seq > self.persist_seq {
            return Err(Rejected::UnknownPersist { seq, latest: self.persist_seq });
        }
        self.durable_seq = self.durable_seq.max(seq);
        while self.held.front().is_some_and(|(s, _, _)| *s <= self.durable_seq) {
            if let Some((_, to, message)) = self.held.pop_front() {
                self.release(to, message);
            }
        }
        self.drain_local();
        Ok(())
    }

    /// The block asked for by [`Action::BuildBlock`]: its header, payload and dispersal
    /// (the header must commit to the dispersal, which must have one share per member).
    pub fn block_built(
        &mut self,
        view: u64,
        header: doppio_types::Header,
        payload: doppio_types::Payload,
        dispersal: Dispersal,
    ) -> Result<(), Rejected> {
        let result = self.on_block_built(view, header, payload, dispersal);
        self.drain_local();
        result
    }

    /// A leaf asked for by [`Action::Fetch`], from any source: it is accepted only if its
    /// commitment is one asked for.
    pub fn fetched(&mut self, leaf: Leaf) -> Result<(), Rejected> {
        let commitment = leaf.commit();
        if self.fetching.remove(&commitment).is_none() {
            return Err(Rejected::UnrequestedLeaf { commitment });
        }
        let result = self.leaf_known(leaf);
        self.drain_local();
        result
    }

    /// The actions produced since the last call, in the order to carry them out.
    pub fn poll_actions(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.actions)
    }

    /// The current view.
    pub fn view(&self) -> u64 {
        self.view
    }

    /// This node's stake-table index.
    pub fn index(&self) -> usize {
        self.config.index
    }

    /// The safety state in memory (possibly ahead of what was persisted).
    pub fn safety_state(&self) -> &SafetyState {
        &self.safety
    }

    /// The last decided leaf and its QC.
    pub fn last_decided(&self) -> &Anchor {
        &self.anchor
    }

    /// A leaf this node holds, to answer a peer's fetch.
    pub fn leaf(&self, commitment: &LeafCommitment) -> Option<&Leaf> {
        self.leaves.get(commitment)
    }

    /// The undecided blocks from `tip` back to the last decided leaf (`tip` first; none
    /// when `tip` is decided), each with its payload where this DA member received it in
    /// a DA proposal. A leader keeps their transactions out of the block it builds on
    /// `tip`, so that a transaction sent to several members is not decided twice.
    pub fn undecided_payloads(
        &self,
        tip: &LeafCommitment,
    ) -> Vec<(LeafCommitment, Option<&doppio_types::Payload>)> {
        let decided = self.anchor.leaf.commit();
        let mut out = Vec::new();
        let mut at = *tip;
        while at != decided {
            let Some(leaf) = self.leaves.get(&at) else { break };
            if leaf.view_number <= self.anchor.leaf.view_number {
                break; // a branch that does not reach the decided leaf
            }
            let held = self.views.get(&leaf.view_number).and_then(|v| v.payload.as_ref());
            let payload = held
                .filter(|(_, commitment)| *commitment == leaf.block_header.payload_commitment)
                .map(|(payload, _)| payload);
            out.push((at, payload));
            at = leaf.parent_commitment;
        }
        out
    }

    fn dispatch(&mut self, from: usize, message: Message) -> Result<(), Rejected> {
        let view = message.view();
        if view > MAX_VIEW {
            return Err(Rejected::ViewOutOfRange { view });
        }
        match message {
            Message::Proposal(p) => self.on_proposal(*p),
            Message::DaProposal(p) => self.on_da_proposal(from, p),
            Message::VidShare(s) => self.on_vid_share(from, s),
            Message::Vote(v) => self.on_vote(v),
            Message::Timeout(t) => self.on_timeout(*t),
        }
    }

    /// Handles the messages this node sent itself, and what they lead to.
    fn drain_local(&mut self) {
        while let Some(message) = self.local.pop_front() {
            let (kind, view) = (message.kind(), message.view());
            if let Err(e) = self.dispatch(self.config.index, message) {
                tracing::debug!(kind, view, "own message not used: {e}");
            }
        }
    }

    /// Emits the safety state for the driver to persist.
    fn persist(&mut self) {
        self.persist_seq += 1;
        self.actions.push(Action::Persist { seq: self.persist_seq, state: self.safety.clone() });
    }

    /// Sends `message` once the latest snapshot is durable (at once if it is).
    fn hold(&mut self, to: Recipient, message: Message) {
        if self.durable_seq >= self.persist_seq {
            self.release(to, message);
        } else {
            self.held.push_back((self.persist_seq, to, message));
        }
    }

    fn release(&mut self, to: Recipient, message: Message) {
        match to {
            Recipient::One(i) if i == self.config.index => self.local.push_back(message),
            Recipient::One(to) => self.actions.push(Action::Send { to, message }),
            Recipient::All => {
                self.local.push_back(message.clone());
                self.actions.push(Action::Broadcast { message });
            }
        }
    }

    fn me(&self) -> usize {
        self.config.index
    }

    fn leader(&self, view: u64) -> usize {
        self.config.committee.leader(view)
    }

    fn view_state(&mut self, view: u64) -> &mut ViewState {
        self.views.entry(view).or_default()
    }

    /// Checks a certificate, skipping those already known to be valid.
    fn check_certificate(
        &self,
        view: u64,
        kind: CertificateKind,
        cert: &QuorumCertificate,
    ) -> Result<(), Rejected> {
        let known = [&self.safety.high_qc, &self.safety.locked_qc, &self.last_tc, &self.anchor.qc];
        if known.iter().any(|k| k.as_ref() == Some(cert)) {
            return Ok(());
        }
        self.config
            .committee
            .verify(kind, cert, &self.config.accel)
            .map_err(|source| Rejected::InvalidCertificate { view, kind, source })
    }

    /// Asks the driver for a leaf, once.
    fn fetch(&mut self, commitment: LeafCommitment) {
        if self.leaves.contains_key(&commitment) || self.fetching.len() >= MAX_FETCHES {
            return;
        }
        if !self.fetching.contains_key(&commitment) {
            self.fetching.insert(commitment, self.view);
            self.actions.push(Action::Fetch { commitment });
        }
    }
}

fn qc_view(qc: &Option<QuorumCertificate>) -> u64 {
    qc.as_ref().map_or(0, |qc| qc.data.view)
}

fn check_config(config: &ConsensusConfig) -> Result<(), ConsensusError> {
    let members = config.committee.len();
    let key = config
        .committee
        .key(config.index)
        .ok_or(ConsensusError::IndexOutOfRange { index: config.index, members })?;
    if *key != config.key.public_key() {
        return Err(ConsensusError::KeyMismatch { index: config.index });
    }
    let vid = config.vid.params().num_storage_nodes;
    if vid != members {
        return Err(ConsensusError::VidSize { vid, members });
    }
    Ok(())
}

fn check_anchor(config: &ConsensusConfig, anchor: &Anchor) -> Result<(), ConsensusError> {
    let Some(qc) = &anchor.qc else {
        if anchor.leaf.view_number != 0 {
            return Err(ConsensusError::AnchorWithoutQc { view: anchor.leaf.view_number });
        }
        return Ok(());
    };
    doppio_types::LeafQueryData::new(anchor.leaf.clone(), qc.clone())?;
    config
        .committee
        .verify(CertificateKind::Quorum, qc, &config.accel)
        .map_err(|source| ConsensusError::InvalidCertificate { what: "anchor QC", source })
}

fn check_safety(config: &ConsensusConfig, safety: &SafetyState) -> Result<(), ConsensusError> {
    for (what, qc) in [("locked QC", &safety.locked_qc), ("high QC", &safety.high_qc)] {
        if let Some(qc) = qc {
            config
                .committee
                .verify(CertificateKind::Quorum, qc, &config.accel)
                .map_err(|source| ConsensusError::InvalidCertificate { what, source })?;
        }
    }
    Ok(())
}
