//! Small networks driven step by step over a perfect network (instant, in order), with
//! inputs crafted by hand: the happy path, persistence before votes, restarts, timeouts,
//! and the typed refusal of each kind of bad input.

use std::collections::{BTreeSet, VecDeque};

use doppio_consensus::{
    Action, Anchor, Consensus, DaProposal, Message, Rejected, SafetyState, SignedProposal, Timer,
    Timing, VidShareMessage,
};
use doppio_keys::{QcError, Vote, VoteData, VoteKind};
use doppio_types::{Leaf, LeafQueryData};

use crate::{
    fixture::{Fixture, SimValidator, build_block, staking_key, transactions},
    sim::{SafetyChecker, SignatureLedger},
};

/// A perfect network of nodes, with switches to hold persistence and isolate members.
struct Net {
    f: Fixture,
    nodes: Vec<Option<Consensus<SimValidator>>>,
    disks: Vec<Option<SafetyState>>,
    storage: Vec<Vec<LeafQueryData>>,
    inbox: VecDeque<(usize, usize, Message)>,
    /// Blocks asked for, built when nothing is in flight (as a driver builds them
    /// asynchronously; a lone member would otherwise never return to the test).
    builds: VecDeque<(usize, u64, Leaf)>,
    /// Timers set, with their deadline on the network's clock (milliseconds).
    timers: Vec<BTreeSet<(u64, Timer)>>,
    now: u64,
    /// Persist actions not yet acknowledged, for members whose persistence is held.
    held_persists: Vec<Vec<(u64, SafetyState)>>,
    hold_persistence: BTreeSet<usize>,
    isolated: BTreeSet<usize>,
    /// Every message each member sent, in order.
    sent: Vec<Vec<Message>>,
    rejections: Vec<(usize, String)>,
    clock: u64,
    /// Decided leaves that came with their payload, and with this member's own share.
    payloads: Vec<usize>,
    shares: Vec<usize>,
}

impl Net {
    fn new(f: Fixture) -> Self {
        let n = f.committee.len();
        let nodes = (0..n).map(|i| Some(f.node(i, Timing::default()))).collect();
        let mut net = Net {
            f,
            nodes,
            disks: vec![None; n],
            storage: vec![Vec::new(); n],
            inbox: VecDeque::new(),
            builds: VecDeque::new(),
            timers: vec![BTreeSet::new(); n],
            held_persists: vec![Vec::new(); n],
            hold_persistence: BTreeSet::new(),
            isolated: BTreeSet::new(),
            sent: vec![Vec::new(); n],
            rejections: Vec::new(),
            clock: 0,
            now: 0,
            payloads: vec![0; n],
            shares: vec![0; n],
        };
        for i in 0..n {
            net.drain(i);
        }
        net
    }

    fn n(&self) -> usize {
        self.nodes.len()
    }

    fn node(&mut self, i: usize) -> &mut Consensus<SimValidator> {
        self.nodes[i].as_mut().expect("running")
    }

    fn note(&mut self, i: usize, r: Result<(), Rejected>) {
        if let Err(e) = r {
            self.rejections.push((i, format!("{e:?}")));
        }
    }

    /// Carries out member `i`'s actions until it has none left.
    fn drain(&mut self, i: usize) {
        loop {
            let Some(sm) = self.nodes[i].as_mut() else { return };
            let actions = sm.poll_actions();
            if actions.is_empty() {
                return;
            }
            for a in actions {
                self.act(i, a);
            }
        }
    }

    fn act(&mut self, i: usize, action: Action) {
        match action {
            Action::Persist { seq, state } if self.hold_persistence.contains(&i) => {
                self.held_persists[i].push((seq, state));
            }
            Action::Persist { seq, state } => {
                self.disks[i] = Some(state);
                self.node(i).persisted(seq).unwrap();
            }
            Action::Send { to, message } => {
                self.sent[i].push(message.clone());
                self.inbox.push_back((to, i, message));
            }
            Action::Broadcast { message } => {
                self.sent[i].push(message.clone());
                for j in (0..self.n()).filter(|&j| j != i) {
                    self.inbox.push_back((j, i, message.clone()));
                }
            }
            Action::ScheduleTimer { timer, after } => {
                self.timers[i].insert((self.now + after.as_millis() as u64, timer));
            }
            Action::BuildBlock { view, parent } => self.builds.push_back((i, view, parent)),
            Action::Fetch { commitment } => {
                let found = (0..self.n()).filter(|&j| j != i).find_map(|j| {
                    self.nodes[j].as_ref().and_then(|s| s.leaf(&commitment)).cloned()
                });
                if let Some(leaf) = found {
                    let r = self.node(i).fetched(leaf);
                    self.note(i, r);
                }
            }
            Action::Decide { leaves } => {
                for d in leaves {
                    self.payloads[i] += usize::from(d.payload.is_some());
                    let own = d.vid_share.as_ref().is_some_and(|s| s.index as usize == i);
                    self.shares[i] += usize::from(own && d.vid_common.is_some());
                    self.storage[i].push(d.leaf);
                }
            }
        }
    }

    /// Builds the oldest block asked for, if any.
    fn build_next(&mut self) -> bool {
        let Some((i, view, parent)) = self.builds.pop_front() else {
            return false;
        };
        if self.nodes[i].is_some() {
            self.clock += 1;
            let (h, p, d) =
                build_block(&self.f.vid, &parent, &transactions(view), self.clock, false);
            let r = self.node(i).block_built(view, h, p, d);
            self.note(i, r);
            self.drain(i);
        }
        true
    }

    /// Delivers the next message, or else builds the next block; false when there is
    /// neither (isolated members neither send nor hear).
    fn step(&mut self) -> bool {
        let Some((to, from, m)) = self.inbox.pop_front() else {
            return self.build_next();
        };
        if !self.isolated.contains(&to)
            && !self.isolated.contains(&from)
            && self.nodes[to].is_some()
        {
            let r = self.node(to).handle_message(from, m);
            self.note(to, r);
            self.drain(to);
        }
        true
    }

    /// Delivers until nothing is in flight (for networks that stop by themselves).
    fn run(&mut self) {
        let mut steps = 0;
        while self.step() {
            steps += 1;
            assert!(steps < 20_000, "the network does not settle");
        }
    }

    /// Delivers `count` messages, firing timers whenever nothing is in flight.
    fn steps(&mut self, count: usize) {
        for _ in 0..count {
            if !self.step() {
                self.fire_timers();
            }
        }
    }

    /// Moves the clock to the earliest timer deadline (messages are instant, so time
    /// only passes when nothing is in flight) and fires the timers due then; timers of
    /// views a member left are dropped, as a driver may.
    fn fire_timers(&mut self) {
        for i in 0..self.n() {
            let view = self.nodes[i].as_ref().map(|s| s.view());
            self.timers[i].retain(|(_, t)| Some(t.view()) == view);
        }
        let Some(next) = self.timers.iter().filter_map(|t| t.first().map(|(d, _)| *d)).min() else {
            return;
        };
        self.now = self.now.max(next);
        for i in 0..self.n() {
            let due: Vec<(u64, Timer)> =
                self.timers[i].iter().copied().filter(|(d, _)| *d <= self.now).collect();
            for (d, t) in due {
                self.timers[i].remove(&(d, t));
                if self.nodes[i].is_some() {
                    self.node(i).timer_fired(t);
                    self.drain(i);
                }
            }
        }
    }

    fn heights(&self) -> Vec<usize> {
        self.storage.iter().map(Vec::len).collect()
    }

    /// Runs until every running, non-isolated member decided `height` leaves, firing
    /// timers whenever nothing is in flight.
    fn until_decided(&mut self, height: usize) {
        for _ in 0..50_000 {
            let done = (0..self.n())
                .filter(|i| self.nodes[*i].is_some() && !self.isolated.contains(i))
                .all(|i| self.storage[i].len() >= height);
            if done {
                return;
            }
            if !self.step() {
                self.fire_timers();
            }
        }
        let views: Vec<_> = self.nodes.iter().map(|s| s.as_ref().map(|s| s.view())).collect();
        let rejections: Vec<_> =
            self.rejections.iter().filter(|(_, e)| !e.contains("AlreadyCertified")).collect();
        panic!(
            "not decided to {height}: {:?}; views {views:?}, timers {:?}, rejections {rejections:?}",
            self.heights(),
            self.timers
        );
    }

    /// Stops member `i` and starts it again from its disk and storage.
    fn restart(&mut self, i: usize) {
        self.nodes[i] = None;
        self.timers[i].clear();
        self.held_persists[i].clear();
        self.builds.retain(|(j, _, _)| *j != i);
        let anchor = match self.storage[i].last() {
            Some(d) => Anchor { leaf: d.leaf.clone(), qc: Some(d.qc.clone()) },
            None => Anchor { leaf: self.f.genesis.clone(), qc: None },
        };
        let config = self.f.config(i, Timing::default());
        let sm = Consensus::new(config, SimValidator, anchor, self.disks[i].clone()).unwrap();
        self.nodes[i] = Some(sm);
        self.drain(i);
    }

    fn votes_sent(&self, i: usize, kind: VoteKind) -> Vec<VoteData> {
        self.sent[i]
            .iter()
            .filter_map(|m| match m {
                Message::Vote(v) if v.data.kind == kind => Some(v.data),
                Message::Timeout(t) if kind == VoteKind::Timeout => Some(t.vote.data),
                _ => None,
            })
            .collect()
    }
}

/// The accumulator's reason, for a refused vote.
fn vote_error(r: &Result<(), Rejected>) -> Option<&QcError> {
    match r {
        Err(Rejected::Vote { source, .. }) => Some(source),
        _ => None,
    }
}

fn rejected(net: &Net, node: usize, variant: &str) -> usize {
    net.rejections.iter().filter(|(i, e)| *i == node && e.starts_with(variant)).count()
}

#[test]
fn four_honest_members_certify_genesis_and_decide_one_chain() {
    let mut net = Net::new(Fixture::four());
    net.until_decided(6);
    let first: Vec<_> = net.storage[0].iter().map(|d| d.hash()).collect();
    for i in 1..4 {
        let theirs: Vec<_> = net.storage[i].iter().map(|d| d.hash()).collect();
        let common = first.len().min(theirs.len());
        assert_eq!(first[..common], theirs[..common], "member {i} decided another chain");
    }
    let chain = &net.storage[0];
    assert_eq!(chain[0].leaf, net.f.genesis, "genesis is decided first, with its QC");
    for (k, d) in chain.iter().enumerate() {
        assert_eq!(d.height(), k as u64);
        d.qc.verify(
            net.f.committee.stake_table(),
            doppio_keys::Threshold::SUPERMAJORITY,
            &net.f.accel,
        )
        .unwrap();
        if k > 0 {
            assert_eq!(d.leaf.parent_commitment, chain[k - 1].hash());
        }
    }
    // Only late or repeated messages are refused on a perfect network.
    let benign = |e: &String| e.starts_with("Duplicate") || e.contains("AlreadyCertified");
    assert!(net.rejections.iter().all(|(_, e)| benign(e)), "{:?}", net.rejections);
}

#[test]
fn a_single_member_is_its_own_quorum_and_da_committee() {
    // What the dev node will run: one member, leader of every view.
    let mut net = Net::new(Fixture::new(&[5], &[true], 1));
    net.until_decided(4);
    assert_eq!(net.payloads[0], 3, "every decided block but genesis comes with its payload");
    assert!(
        net.timers[0].iter().all(|(_, t)| matches!(t, Timer::View(_))),
        "no timeout was needed"
    );
    assert!(net.votes_sent(0, VoteKind::Timeout).is_empty());
}

#[test]
fn decided_leaves_carry_the_payload_for_da_members_and_the_share_for_all() {
    let mut net = Net::new(Fixture::five());
    net.until_decided(5);
    // Genesis comes without (it was not dispersed through consensus); the rest with.
    let payloads: Vec<usize> = net.payloads.clone();
    assert!(payloads[..4].iter().all(|&p| p >= 4), "DA members hold payloads: {payloads:?}");
    assert_eq!(payloads[4], 0, "member 4 is not in the DA committee");
    assert!(net.shares.iter().all(|&s| s >= 4), "everyone holds its own share: {:?}", net.shares);
}

#[test]
fn votes_leave_only_after_their_safety_state_is_persisted() {
    let mut net = Net::new(Fixture::four());
    net.until_decided(2);
    net.hold_persistence.insert(2);
    let sent_before = net.votes_sent(2, VoteKind::Quorum).len();
    net.steps(300);
    // Member 2 signed votes but holds them: nothing new went out.
    assert!(!net.held_persists[2].is_empty(), "member 2 wanted to persist");
    assert_eq!(net.votes_sent(2, VoteKind::Quorum).len(), sent_before);
    let (seq, state) = net.held_persists[2].last().cloned().unwrap();
    assert!(state.last_voted_view > 0 || state.last_timeout_view > 0);
    // An acknowledgement of a snapshot never emitted is refused.
    assert!(matches!(net.node(2).persisted(seq + 1), Err(Rejected::UnknownPersist { .. })));
    net.disks[2] = Some(state);
    net.hold_persistence.clear();
    net.held_persists[2].clear();
    net.node(2).persisted(seq).unwrap();
    net.drain(2);
    assert!(
        net.votes_sent(2, VoteKind::Quorum).len() + net.votes_sent(2, VoteKind::Timeout).len()
            > sent_before,
        "the acknowledgement released the held messages"
    );
}

#[test]
fn a_member_restarted_at_any_point_never_signs_twice_in_a_view() {
    let mut net = Net::new(Fixture::four());
    net.until_decided(2);
    let mut ledger = SignatureLedger::default();
    // Restart member 1 after every delivered message for a while, sometimes with its
    // persistence held (a crash between the write request and its acknowledgement).
    for round in 0..60 {
        if round % 3 == 0 {
            net.hold_persistence.insert(1);
        }
        if let Some((to, from, m)) = net.inbox.pop_front() {
            if net.nodes[to].is_some() {
                let r = net.node(to).handle_message(from, m);
                net.note(to, r);
                net.drain(to);
            }
        } else if !net.build_next() {
            net.fire_timers();
        }
        if round % 2 == 1 {
            // A crash: what was only requested may or may not have reached the disk.
            if let Some((_, state)) = net.held_persists[1].last().cloned()
                && round % 4 == 1
            {
                net.disks[1] = Some(state);
            }
            net.hold_persistence.clear();
            net.restart(1);
        }
    }
    net.hold_persistence.clear();
    net.until_decided(net.storage[0].len() + 2);
    for (i, sent) in net.sent.iter().enumerate() {
        for m in sent {
            let (kind, view, c) = match m {
                Message::Vote(v) => (v.data.kind as u8, v.data.view, v.data.commitment),
                Message::Timeout(t) => (3, t.vote.data.view, t.vote.data.commitment),
                Message::Proposal(p) => (0, p.proposal.view(), p.proposal.leaf.commit().0),
                _ => continue,
            };
            ledger.record(i, kind, view, c).unwrap_or_else(|d| panic!("{d:?}"));
        }
    }
    assert!(ledger.len() > 20);
}

#[test]
fn a_restarted_member_does_not_vote_again_for_the_proposal_it_voted_for() {
    let mut net = Net::new(Fixture::four());
    net.until_decided(3);
    // Catch a proposal and member 2's share of it on their way.
    net.isolated.insert(2);
    let mut shares = std::collections::BTreeMap::new();
    let mut proposal = None;
    let mut share = None;
    for _ in 0..2_000 {
        let Some((to, from, m)) = net.inbox.pop_front() else {
            if !net.build_next() {
                net.fire_timers();
            }
            continue;
        };
        match (&m, to) {
            (Message::VidShare(s), 2) => {
                shares.insert(s.view, (from, m.clone()));
            }
            // (A proposal whose next leader is member 2 itself would get a vote that
            // never leaves the member.)
            (Message::Proposal(p), 2)
                if shares.contains_key(&p.proposal.view())
                    && net.f.committee.leader(p.proposal.view() + 1) != 2 =>
            {
                share = shares.get(&p.proposal.view()).cloned();
                proposal = Some((from, m.clone()));
                break;
            }
            _ => {}
        }
        if !net.isolated.contains(&to) && !net.isolated.contains(&from) {
            let r = net.node(to).handle_message(from, m);
            net.note(to, r);
            net.drain(to);
        }
    }
    let (pf, proposal) = proposal.expect("a proposal to member 2");
    let (sf, share) = share.expect("a share for member 2");
    let before = net.votes_sent(2, VoteKind::Quorum).len();
    net.node(2).handle_message(sf, share.clone()).unwrap();
    net.node(2).handle_message(pf, proposal.clone()).unwrap();
    net.drain(2);
    assert_eq!(net.votes_sent(2, VoteKind::Quorum).len(), before + 1, "it votes once");
    net.restart(2);
    net.inbox.clear();
    let _ = net.node(2).handle_message(sf, share);
    let _ = net.node(2).handle_message(pf, proposal);
    net.drain(2);
    assert_eq!(
        net.votes_sent(2, VoteKind::Quorum).len(),
        before + 1,
        "and not again after a restart"
    );
}

#[test]
fn the_chain_goes_on_after_every_member_restarts_at_once() {
    let mut net = Net::new(Fixture::four());
    net.until_decided(4);
    net.steps(7);
    // Everyone crashes mid-view; what was in flight is lost. The leaves the QCs point to
    // are not decided yet: only the persisted safety states still hold them.
    for i in 0..4 {
        net.restart(i);
    }
    net.inbox.clear();
    let undecided: usize = net.disks.iter().flatten().map(|s| s.undecided_leaves.len()).sum();
    assert!(undecided > 0, "the restarted members kept the leaves they voted for");
    let height = net.heights().into_iter().max().unwrap();
    net.until_decided(height + 3);
}

#[test]
fn a_crashed_leader_is_passed_by_a_timeout_certificate() {
    let mut net = Net::new(Fixture::four());
    net.until_decided(2);
    let view = net.nodes[0].as_ref().unwrap().view();
    // Take down the leader of the next view.
    let next = net.f.committee.leader(view + 1);
    net.isolated.insert(next);
    let before = net.heights().into_iter().max().unwrap();
    net.until_decided(before + 3);
    for i in (0..4).filter(|&i| i != next) {
        assert!(!net.votes_sent(i, VoteKind::Timeout).is_empty(), "member {i} timed out");
    }
    assert!(net.storage[next].len() < before + 1, "the isolated leader decided nothing more");
}

/// A proposal for the view after member `T`'s current one (which it has seen no
/// proposal for), by that view's leader, extending `T`'s high QC with a timeout
/// certificate of `T`'s view; all certificates real. `tamper` changes it before it is
/// signed. Returns the leader, the proposal, and `T`'s VID share of it.
fn proposal_at(
    net: &mut Net,
    tamper: impl FnOnce(&mut doppio_consensus::Proposal),
) -> (usize, SignedProposal, Message) {
    let f = net.f.clone();
    let node = net.nodes[T].as_ref().unwrap();
    let justify = node.safety_state().high_qc.clone().unwrap();
    let parent = node.leaf(&doppio_types::LeafCommitment(justify.data.commitment)).unwrap().clone();
    let view = node.view() + 1;
    let leader = f.committee.leader(view);
    assert_ne!(leader, T);
    let (header, _payload, dispersal) = build_block(&f.vid, &parent, &transactions(view), 9, false);
    let da = VoteData { kind: VoteKind::Da, view, commitment: dispersal.commitment.0 };
    let tc_data = VoteData { kind: VoteKind::Timeout, view: view - 1, commitment: [0; 32] };
    let leaf = Leaf {
        view_number: view,
        parent_commitment: parent.commit(),
        block_header: header,
        justify_qc: Some(justify),
    };
    let mut proposal = doppio_consensus::Proposal {
        leaf,
        timeout_certificate: Some(f.certificate(tc_data, &[0, 1, 2, 3])),
        da_certificate: f.certificate(da, &[0, 1, 2]),
    };
    tamper(&mut proposal);
    let signed = SignedProposal::sign(&f.keys[leader], proposal);
    let share =
        VidShareMessage { view, share: dispersal.shares[T].clone(), common: dispersal.common };
    (leader, signed, Message::VidShare(share))
}

/// The member crafted inputs are given to.
const T: usize = 1;

/// A network that decided a little, then froze (nothing in flight), with member `T`
/// in a view whose next leader is someone else, for crafted inputs.
fn frozen() -> Net {
    let mut net = Net::new(Fixture::four());
    let mut height = 3;
    loop {
        net.until_decided(height);
        let view = net.nodes[T].as_ref().unwrap().view();
        if net.f.committee.leader(view + 1) != T {
            break;
        }
        height += 1;
    }
    net.isolated.extend(0..4);
    net.run();
    net
}

#[test]
fn proposals_are_refused_for_each_kind_of_fault() {
    let mut net = frozen();
    let f = net.f.clone();
    // Signed by someone other than the leader.
    let (leader, mut p, _) = proposal_at(&mut net, |_| {});
    p.signature = f.keys[(leader + 1) % 4].sign(b"not the proposal");
    let r = net.node(T).handle_message(leader, Message::from(p));
    assert!(matches!(r, Err(Rejected::InvalidProposalSignature { .. })), "{r:?}");
    // A tampered DA certificate.
    let (leader, p, _) =
        proposal_at(&mut net, |p| p.da_certificate.signers = doppio_keys::SignerBits::new(3));
    let r = net.node(T).handle_message(leader, Message::from(p));
    assert!(matches!(r, Err(Rejected::InvalidCertificate { .. })), "{r:?}");
    // A DA certificate over another payload.
    let (leader, p, _) = proposal_at(&mut net, |p| p.da_certificate.data.commitment[0] ^= 1);
    let r = net.node(T).handle_message(leader, Message::from(p));
    assert!(matches!(r, Err(Rejected::Malformed { .. })), "{r:?}");
    // A parent that the justify QC does not certify.
    let (leader, p, _) = proposal_at(&mut net, |p| p.leaf.parent_commitment.0[0] ^= 1);
    let r = net.node(T).handle_message(leader, Message::from(p));
    assert!(matches!(r, Err(Rejected::Malformed { .. })), "{r:?}");
    // No justify QC.
    let (leader, p, _) = proposal_at(&mut net, |p| p.leaf.justify_qc = None);
    let r = net.node(T).handle_message(leader, Message::from(p));
    assert!(matches!(r, Err(Rejected::Malformed { .. })), "{r:?}");
    // From a sender index outside the table.
    let (leader, p, _) = proposal_at(&mut net, |_| {});
    let r = net.node(T).handle_message(9, Message::from(p.clone()));
    assert!(matches!(r, Err(Rejected::NotMember { index: 9 })), "{r:?}");
    // The real one is accepted (no vote yet: no share), then is a duplicate.
    net.node(T).handle_message(leader, Message::from(p.clone())).unwrap();
    let r = net.node(T).handle_message(leader, Message::from(p.clone()));
    assert!(matches!(r, Err(Rejected::Duplicate { .. })), "{r:?}");
    // A second leaf for the same view, signed by the leader: equivocation.
    let mut other = p.proposal.clone();
    other.leaf.block_header.timestamp += 1;
    let other = SignedProposal::sign(&f.keys[leader], other);
    let r = net.node(T).handle_message(leader, Message::from(other));
    assert!(matches!(r, Err(Rejected::Equivocation { .. })), "{r:?}");
    // And once the view moved on, an old proposal is stale.
    let view = p.proposal.view();
    let stale_leader = f.committee.leader(view - 1);
    let mut old = p.proposal.clone();
    old.leaf.view_number = view - 1;
    let old = SignedProposal::sign(&f.keys[stale_leader], old);
    let r = net.node(T).handle_message(stale_leader, Message::from(old));
    assert!(matches!(r, Err(Rejected::StaleView { .. })), "{r:?}");
}

#[test]
fn an_invalid_header_or_a_bad_share_gets_no_vote() {
    let mut net = frozen();
    let f = net.f.clone();
    let before = net.votes_sent(T, VoteKind::Quorum).len();
    // An L1 head that jumps: the validator refuses it.
    let (leader, p, share) = proposal_at(&mut net, |p| p.leaf.block_header.l1_head += 5);
    net.node(T).handle_message(leader, share).unwrap();
    let r = net.node(T).handle_message(leader, Message::from(p));
    assert!(
        matches!(&r, Err(Rejected::InvalidHeader { reason, .. }) if reason.contains("L1 head")),
        "{r:?}"
    );
    net.drain(1);
    assert_eq!(net.votes_sent(T, VoteKind::Quorum).len(), before);

    // A share whose Merkle path belongs to another share, then one from a non-leader,
    // then one for another member.
    let mut net = frozen();
    let (leader, p, share) = proposal_at(&mut net, |_| {});
    let Message::VidShare(mut bad) = share.clone() else { unreachable!() };
    bad.share.merkle_path[0][0] ^= 1;
    let r = net.node(T).handle_message(leader, Message::VidShare(bad));
    assert!(matches!(r, Err(Rejected::BadVidShare { .. })), "{r:?}");
    let r = net.node(T).handle_message((leader + 1) % 4, share.clone());
    assert!(matches!(r, Err(Rejected::WrongSender { .. })), "{r:?}");
    let r = net.node(2).handle_message(leader, share.clone());
    assert!(matches!(r, Err(Rejected::ShareNotForMe { .. })), "{r:?}");
    // A valid share of another payload: kept, but the proposal's header commits to
    // another, so no vote.
    let Message::VidShare(real) = share else { unreachable!() };
    let other = f.vid.disperse(b"another payload").unwrap();
    let foreign =
        VidShareMessage { view: real.view, share: other.shares[1].clone(), common: other.common };
    net.node(T).handle_message(leader, Message::VidShare(foreign)).unwrap();
    let r = net.node(T).handle_message(leader, Message::from(p));
    assert!(matches!(r, Err(Rejected::ShareMismatch { .. })), "{r:?}");
    net.drain(1);
    assert_eq!(net.votes_sent(T, VoteKind::Quorum).len(), before);
}

#[test]
fn da_proposals_are_checked_before_a_da_vote() {
    let mut net = Net::new(Fixture::five());
    net.until_decided(2);
    net.isolated.extend(0..5);
    net.run();
    let f = net.f.clone();
    let view = net.nodes[0].as_ref().unwrap().view() + 1;
    let leader = f.committee.leader(view);
    let payload = doppio_types::Payload::from_transactions(&transactions(3)).unwrap();
    let good = DaProposal {
        view,
        payload: payload.bytes().to_vec(),
        ns_table: payload.ns_table().bytes().to_vec(),
        payload_commitment: f.vid.commit_only(payload.bytes()).unwrap(),
    };
    let member = f.committee.da_members().iter().copied().find(|&m| m != leader).unwrap();
    let outsider = (0..5).find(|&m| !f.committee.is_da(m)).unwrap();
    let r = net.node(outsider).handle_message(leader, Message::DaProposal(good.clone()));
    assert!(matches!(r, Err(Rejected::NotDaMember { .. })), "{r:?}");
    let wrong = DaProposal { payload_commitment: f.vid.commit_only(b"x").unwrap(), ..good.clone() };
    let r = net.node(member).handle_message(leader, Message::DaProposal(wrong));
    assert!(matches!(r, Err(Rejected::PayloadCommitmentMismatch { .. })), "{r:?}");
    let unparsable = DaProposal { ns_table: vec![9, 9, 9], ..good.clone() };
    let r = net.node(member).handle_message(leader, Message::DaProposal(unparsable));
    assert!(matches!(r, Err(Rejected::InvalidPayload { .. })), "{r:?}");
    let r = net.node(member).handle_message((leader + 1) % 5, Message::DaProposal(good.clone()));
    assert!(matches!(r, Err(Rejected::WrongSender { .. })), "{r:?}");
    net.node(member).handle_message(leader, Message::DaProposal(good.clone())).unwrap();
    let r = net.node(member).handle_message(leader, Message::DaProposal(good.clone()));
    assert!(matches!(r, Err(Rejected::Duplicate { .. })), "{r:?}");
    let other = DaProposal {
        payload: vec![],
        ns_table: vec![0, 0, 0, 0],
        payload_commitment: f.vid.commit_only(&[]).unwrap(),
        ..good
    };
    let r = net.node(member).handle_message(leader, Message::DaProposal(other));
    assert!(matches!(r, Err(Rejected::AlreadyVoted { .. })), "{r:?}");
    net.drain(member);
    assert_eq!(net.votes_sent(member, VoteKind::Da).iter().filter(|d| d.view == view).count(), 1);
}

#[test]
fn forged_duplicate_and_foreign_votes_never_form_a_certificate() {
    let mut net = frozen();
    let f = net.f.clone();
    let view = net.nodes[0].as_ref().unwrap().view();
    let collector = f.committee.leader(view + 1);
    let data = VoteData { kind: VoteKind::Quorum, view, commitment: [7; 32] };
    let voters: Vec<usize> = (0..4).filter(|&i| i != collector).collect();
    let forger = voters[0];
    // The first vote for a leaf is checked alone: a forgery is refused outright.
    let forged = |victim: usize| Vote {
        data,
        signer: f.keys[victim].public_key(),
        signature: f.keys[forger].sign(&data.message()),
    };
    let r = net.node(collector).handle_message(forger, Message::Vote(forged(voters[1])));
    assert!(matches!(vote_error(&r), Some(QcError::InvalidVote { .. })), "{r:?}");
    // One real vote opens the accumulator; a forgery in another's name gets in
    // unchecked, then the victim's real vote replaces it.
    net.node(collector)
        .handle_message(forger, Message::Vote(Vote::new(&f.keys[forger], data)))
        .unwrap();
    net.node(collector).handle_message(forger, Message::Vote(forged(voters[1]))).unwrap();
    let r =
        net.node(collector).handle_message(forger, Message::Vote(Vote::new(&f.keys[forger], data)));
    assert!(matches!(vote_error(&r), Some(QcError::DuplicateVote { .. })), "{r:?}");
    let outsider = Vote::new(&staking_key(77), data);
    let r = net.node(collector).handle_message(forger, Message::Vote(outsider));
    assert!(matches!(vote_error(&r), Some(QcError::NotMember { .. })), "{r:?}");
    let r =
        net.node(voters[1]).handle_message(forger, Message::Vote(Vote::new(&f.keys[forger], data)));
    assert!(matches!(r, Err(Rejected::NotCollecting { .. })), "{r:?}");
    let view_before = net.nodes[collector].as_ref().unwrap().view();
    // Two real votes and the forged one: 3 of 4, but the forgery is found and dropped.
    net.node(collector)
        .handle_message(voters[2], Message::Vote(Vote::new(&f.keys[voters[2]], data)))
        .unwrap();
    assert_eq!(
        net.nodes[collector].as_ref().unwrap().view(),
        view_before,
        "no certificate from a forgery"
    );
    // The victim's real vote completes it.
    net.node(collector)
        .handle_message(voters[1], Message::Vote(Vote::new(&f.keys[voters[1]], data)))
        .unwrap();
    assert_eq!(net.nodes[collector].as_ref().unwrap().view(), view + 1, "the real votes certify");
}

#[test]
fn one_member_cannot_crowd_out_the_real_leaf_with_votes_over_made_up_ones() {
    let mut net = frozen();
    let f = net.f.clone();
    let view = net.nodes[0].as_ref().unwrap().view();
    let collector = f.committee.leader(view + 1);
    let voters: Vec<usize> = (0..4).filter(|&i| i != collector).collect();
    let spammer = voters[0];
    let vote = |member: usize, commitment: [u8; 32]| {
        Message::Vote(Vote::new(
            &f.keys[member],
            VoteData { kind: VoteKind::Quorum, view, commitment },
        ))
    };
    // Validly signed votes over made-up leaves: the first opens a candidate, and the
    // rest, past the cap on candidates, are refused before their signatures are checked.
    net.node(collector).handle_message(spammer, vote(spammer, [1; 32])).unwrap();
    // (The cap is four candidates a view.)
    for k in 2..=6u8 {
        let r = net.node(collector).handle_message(spammer, vote(spammer, [k; 32]));
        assert!(
            matches!(r, Err(Rejected::SecondCandidate { signer, .. }) if signer == spammer),
            "{r:?}"
        );
        assert_eq!(r.unwrap_err().reason(), "second_candidate");
    }
    // The real leaf still gets its candidate, and certifies with three votes of four.
    let real = [7; 32];
    net.node(collector).handle_message(voters[1], vote(voters[1], real)).unwrap();
    net.node(collector).handle_message(voters[2], vote(voters[2], real)).unwrap();
    assert_eq!(net.nodes[collector].as_ref().unwrap().view(), view, "two votes of four");
    net.node(collector).handle_message(collector, vote(collector, real)).unwrap();
    assert_eq!(net.nodes[collector].as_ref().unwrap().view(), view + 1, "the real leaf certifies");
}

#[test]
fn a_leader_sees_the_payloads_of_the_undecided_blocks_it_builds_on() {
    let mut net = Net::new(Fixture::four());
    net.until_decided(6);
    let f = net.f.clone();
    let node = net.nodes[0].as_ref().unwrap();
    let decided = node.last_decided().leaf.commit();
    let tip =
        doppio_types::LeafCommitment(node.safety_state().high_qc.as_ref().unwrap().data.commitment);
    // The chain from the highest certified leaf back to the decided one.
    let mut chain = Vec::new();
    let mut at = tip;
    while at != decided {
        let leaf = node.leaf(&at).expect("an undecided leaf is held");
        chain.push(leaf.block_header.payload_commitment);
        at = leaf.parent_commitment;
    }
    assert!(!chain.is_empty(), "nothing undecided after the certified tip");
    let payloads = node.undecided_payloads(&tip);
    let commitments: Vec<_> = payloads
        .iter()
        .map(|(_, p)| f.vid.commit_only(p.expect("a DA member holds it").bytes()).unwrap())
        .collect();
    assert_eq!(commitments, chain, "every undecided block's payload, the tip's first");
    assert!(node.undecided_payloads(&decided).is_empty(), "nothing past the decided leaf");
}

#[test]
fn other_inputs_are_refused_with_typed_errors() {
    let mut net = frozen();
    let f = net.f.clone();
    let view = net.nodes[0].as_ref().unwrap().view();
    let far = view + doppio_consensus::FUTURE_VIEWS + 5;
    let share = f.vid.disperse(b"p").unwrap();
    let m = VidShareMessage { view: far, share: share.shares[0].clone(), common: share.common };
    let r = net.node(0).handle_message(f.committee.leader(far), Message::VidShare(m));
    assert!(matches!(r, Err(Rejected::TooFarAhead { .. })), "{r:?}");
    let t = VoteData { kind: VoteKind::Timeout, view: u64::MAX, commitment: [0; 32] };
    let r = net.node(0).handle_message(1, Message::Vote(Vote::new(&f.keys[1], t)));
    assert!(matches!(r, Err(Rejected::ViewOutOfRange { .. })), "{r:?}");
    let t = VoteData { kind: VoteKind::Timeout, view, commitment: [0; 32] };
    let r = net.node(0).handle_message(1, Message::Vote(Vote::new(&f.keys[1], t)));
    assert!(matches!(r, Err(Rejected::Malformed { .. })), "{r:?}");
    let r = net.node(0).fetched(f.genesis.clone());
    assert!(matches!(r, Err(Rejected::UnrequestedLeaf { .. })), "{r:?}");
    let (h, p, d) = build_block(&f.vid, &f.genesis, &[], 0, false);
    let r = net.node(0).block_built(view, h, p, d);
    assert!(matches!(r, Err(Rejected::UnexpectedBlock { .. })), "{r:?}");
    assert_eq!(rejected(&net, 0, "Equivocation"), 0);
}

#[test]
fn the_safety_checker_and_the_signature_ledger_catch_injected_faults() {
    let mut checker = SafetyChecker::default();
    let (a, b) = (doppio_types::LeafCommitment([1; 32]), doppio_types::LeafCommitment([2; 32]));
    checker.record(0, 5, a).unwrap();
    checker.record(1, 5, a).unwrap();
    let conflict = checker.record(2, 5, b).unwrap_err();
    assert_eq!((conflict.height, conflict.first.0, conflict.second.0), (5, 0, 2));
    let mut ledger = SignatureLedger::default();
    ledger.record(3, 1, 9, [1; 32]).unwrap();
    ledger.record(3, 1, 9, [1; 32]).unwrap();
    assert!(ledger.record(3, 1, 9, [2; 32]).is_err());
    assert!(ledger.record(3, 2, 9, [2; 32]).is_ok(), "another kind is another signature");
}

#[test]
fn a_node_can_move_to_another_thread() {
    // The sequencer runs the state machine on its own task, and crypto-heavy steps on
    // blocking threads.
    fn send<T: Send + 'static>(_: &T) {}
    send(&Fixture::four().node(0, Timing::default()));
}
