//! Views: entering them on certificates, timing out, timeout certificates.

use std::time::Duration;

use doppio_keys::{QuorumCertificate, Vote, VoteAccumulator, VoteData, VoteKind};

use super::{Consensus, Entry, Lead, RETAINED_VIEWS, Recipient, Rejected, qc_view};
use crate::{
    action::{Action, Timer},
    committee::CertificateKind,
    message::{Message, TimeoutMessage},
    validate::HeaderValidator,
};

impl<V: HeaderValidator> Consensus<V> {
    /// Enters the start view and sends what a node sends on arrival.
    pub(super) fn start(&mut self, view: u64) {
        self.view = view;
        self.begin_view(Entry::Start);
    }

    /// Moves to `view` if it is ahead.
    pub(super) fn enter_view(&mut self, view: u64, entry: Entry) {
        if view <= self.view {
            return;
        }
        self.view = view;
        self.timeouts_in_a_row = match entry {
            Entry::Tc => self.timeouts_in_a_row.saturating_add(1),
            Entry::Qc | Entry::Start => 0,
        };
        self.prune();
        self.begin_view(entry);
    }

    fn begin_view(&mut self, entry: Entry) {
        self.schedule_view_timer();
        self.send_genesis_vote();
        let view = self.view;
        if self.leader(view) != self.me() || self.safety.last_proposed_view >= view {
            return;
        }
        let wait_done = entry == Entry::Qc;
        self.view_state(view).lead = Some(Lead { wait_done, ..Lead::default() });
        if wait_done {
            self.try_build();
        } else {
            let after = self.config.timing.propose_wait;
            self.actions.push(Action::ScheduleTimer { timer: Timer::ProposeWait(view), after });
        }
    }

    fn schedule_view_timer(&mut self) {
        let after = self.view_timeout();
        self.actions.push(Action::ScheduleTimer { timer: Timer::View(self.view), after });
    }

    /// Until the genesis leaf is certified, every node sends its vote for it to the
    /// leader of the view it is in (and again each time its view timer fires): the first
    /// leader to gather enough of them proposes on the genesis QC. The vote is the same
    /// signature every time, so repeating it is not voting twice.
    fn send_genesis_vote(&mut self) {
        if self.safety.high_qc.is_some() || self.anchor.qc.is_some() {
            return;
        }
        let vote = Vote::new(&self.config.key, self.anchor.leaf.vote_data());
        let to = self.leader(self.view.max(1));
        self.release(Recipient::One(to), Message::Vote(vote));
    }

    /// A verified quorum certificate: raises the high QC, moves to the next view,
    /// decides what the two-chain rule allows.
    pub(super) fn observe_qc(&mut self, qc: &QuorumCertificate) {
        self.certify_anchor(qc);
        if self.safety.high_qc.is_none() || qc.data.view > qc_view(&self.safety.high_qc) {
            self.safety.high_qc = Some(qc.clone());
        }
        self.enter_view(qc.data.view.saturating_add(1), Entry::Qc);
        self.try_decide(qc);
        self.try_build();
    }

    /// A verified timeout certificate: moves to the next view.
    pub(super) fn observe_tc(&mut self, tc: &QuorumCertificate) {
        if tc.data.view >= qc_view(&self.last_tc) || self.last_tc.is_none() {
            self.last_tc = Some(tc.clone());
        }
        self.enter_view(tc.data.view.saturating_add(1), Entry::Tc);
    }

    /// The view timer fired in the current view: time out (again), ask again for what
    /// is missing, and re-arm.
    pub(super) fn view_timer(&mut self) {
        self.time_out();
        let fetching: Vec<_> = self.fetching.keys().copied().collect();
        for commitment in fetching {
            self.actions.push(Action::Fetch { commitment });
        }
        self.send_genesis_vote();
        self.schedule_view_timer();
    }

    /// Signs a timeout vote for the current view (persisting that first) and broadcasts
    /// it; a node that timed out in a view never votes for a proposal there.
    fn time_out(&mut self) {
        let view = self.view;
        if self.safety.last_timeout_view < view {
            self.safety.last_timeout_view = view;
            self.persist();
        }
        self.view_state(view).pending = None;
        let data = VoteData { kind: VoteKind::Timeout, view, commitment: [0; 32] };
        let timeout_certificate =
            self.last_tc.clone().filter(|tc| tc.data.view.saturating_add(1) == view);
        let message = TimeoutMessage {
            vote: Vote::new(&self.config.key, data),
            high_qc: self.safety.high_qc.clone(),
            timeout_certificate,
        };
        self.hold(Recipient::All, Message::Timeout(Box::new(message)));
    }

    /// A timeout message: its certificates first (they may move this node on), then the
    /// vote, checked on its own (so that forged votes never count toward the one-third
    /// rule), then the timeout certificate if enough stake timed out.
    pub(super) fn on_timeout(&mut self, m: TimeoutMessage) -> Result<(), Rejected> {
        let view = m.vote.data.view;
        if m.vote.data != (VoteData { kind: VoteKind::Timeout, view, commitment: [0; 32] }) {
            return Err(Rejected::Malformed { view, reason: "not a timeout vote" });
        }
        self.timeout_certificates(view, &m)?;
        if view < self.view {
            return Err(Rejected::StaleView { view, current: self.view });
        }
        if view > self.view.saturating_add(super::FUTURE_VIEWS) {
            return Err(Rejected::TooFarAhead { view, current: self.view });
        }
        let committee = &self.config.committee;
        let signer = committee
            .stake_table()
            .index_of(&m.vote.signer)
            .ok_or(Rejected::vote(view, doppio_keys::QcError::NotMember { key: m.vote.signer }))?;
        if self.views.get(&view).is_some_and(|s| s.timed_out.contains(&signer)) {
            return Err(Rejected::Duplicate { view, kind: "timeout" });
        }
        m.vote.verify().map_err(|_| {
            Rejected::vote(view, doppio_keys::QcError::InvalidVote { index: signer })
        })?;
        self.count_timeout(view, signer, &m.vote)
    }

    /// Uses the certificates a timeout message carries, verifying only those that are
    /// news to this node.
    fn timeout_certificates(&mut self, view: u64, m: &TimeoutMessage) -> Result<(), Rejected> {
        if let Some(qc) = &m.high_qc
            && (self.safety.high_qc.is_none() || qc.data.view > qc_view(&self.safety.high_qc))
        {
            self.check_certificate(view, CertificateKind::Quorum, qc)?;
            self.observe_qc(qc);
        }
        if let Some(tc) = &m.timeout_certificate {
            if tc.data.view.saturating_add(1) != view {
                return Err(Rejected::Malformed {
                    view,
                    reason: "the timeout certificate is not for the previous view",
                });
            }
            if tc.data.view >= self.view {
                self.check_certificate(view, CertificateKind::Timeout, tc)?;
                self.observe_tc(tc);
            }
        }
        Ok(())
    }

    fn count_timeout(&mut self, view: u64, signer: usize, vote: &Vote) -> Result<(), Rejected> {
        let table = self.config.committee.stake_table().clone();
        let accel = self.config.accel.clone();
        let state = self.view_state(view);
        state.timed_out.insert(signer);
        let stake: u128 = state.timed_out.iter().map(|&i| table.entries()[i].stake).sum();
        let mut certificate = None;
        if state.tc.is_none() {
            let acc = state.timeouts.get_or_insert_with(|| {
                VoteAccumulator::new(
                    table.clone(),
                    vote.data,
                    doppio_keys::Threshold::SUPERMAJORITY,
                    accel,
                )
            });
            let outcome = acc.add(vote).map_err(|source| Rejected::vote(view, source))?;
            if let Some(tc) = outcome.certificate {
                state.tc = Some(tc.clone());
                certificate = Some(tc);
            }
        }
        if let Some(tc) = certificate {
            self.observe_tc(&tc);
        } else if view == self.view
            && self.safety.last_timeout_view < view
            && self.config.committee.exceeds_one_third(stake)
        {
            // More than a third timed out, so at least one honest member did: join them
            // rather than wait out this node's own timer.
            self.time_out();
        }
        if stake == table.total_stake() && view.saturating_add(1) == self.view {
            self.propose_wait_over();
        }
        Ok(())
    }

    /// The leader has the members' highest QCs (or waited long enough): build.
    pub(super) fn propose_wait_over(&mut self) {
        let view = self.view;
        if let Some(lead) = self.views.get_mut(&view).and_then(|s| s.lead.as_mut()) {
            lead.wait_done = true;
        }
        self.try_build();
    }

    /// Drops what is no longer needed: views and leaves before the last decided leaf,
    /// and, while nothing is decided, the state of views far behind the current one (a
    /// leaf decided later then comes without its payload and share).
    pub(super) fn prune(&mut self) {
        let floor = self.anchor.leaf.view_number.max(self.view.saturating_sub(RETAINED_VIEWS));
        self.views = self.views.split_off(&floor);
        // Leaves are kept back to the anchor: any of them may be on a chain to decide.
        // There is at most one per view (proposals are signed and checked; fetches only
        // bring certified leaves), so this is bounded by the views since the last decide.
        let anchor_view = self.anchor.leaf.view_number;
        self.leaves.retain(|_, leaf| leaf.view_number >= anchor_view);
        // A fetch nothing needed for that long is given up (it is asked again if needed).
        self.fetching.retain(|_, asked| *asked >= floor);
        if self.decide_target.as_ref().is_some_and(|qc| qc.data.view <= anchor_view) {
            self.decide_target = None;
        }
    }

    /// The current view's timeout: the first timeout doubled for each view in a row that
    /// ended without a QC, up to the cap.
    fn view_timeout(&self) -> Duration {
        let t = self.config.timing;
        let factor = 1u32 << self.timeouts_in_a_row.min(16);
        t.view_timeout.saturating_mul(factor).min(t.max_view_timeout)
    }
}
