//! A replica's side: checking proposals, DA payloads and VID shares, and voting.

use doppio_keys::{QuorumCertificate, Vote, VoteData, VoteKind};
use doppio_types::Payload;

use super::{Consensus, FUTURE_VIEWS, Recipient, Rejected};
use crate::{
    committee::CertificateKind,
    message::{DaProposal, Message, Proposal, SignedProposal, VidShareMessage},
    validate::HeaderValidator,
};

impl<V: HeaderValidator> Consensus<V> {
    /// A proposal: authenticity and equivocation first, then its structure and
    /// certificates (which may move this node to the proposal's view), then the vote.
    pub(super) fn on_proposal(&mut self, signed: SignedProposal) -> Result<(), Rejected> {
        let p = &signed.proposal;
        let view = p.view();
        if view == 0 {
            return Err(Rejected::Malformed { view, reason: "no proposal is made in view 0" });
        }
        if view < self.view {
            return Err(Rejected::StaleView { view, current: self.view });
        }
        let commitment = p.leaf.commit();
        let seen = self.views.get(&view).and_then(|s| s.proposal);
        if seen == Some(commitment) {
            return Err(Rejected::Duplicate { view, kind: "proposal" });
        }
        let leader = self.leader(view);
        let key = self.config.committee.key(leader).copied();
        if key.is_none_or(|k| signed.verify(&k).is_err()) {
            return Err(Rejected::InvalidProposalSignature { view, leader });
        }
        if let Some(first) = seen {
            return Err(Rejected::Equivocation { view, first, second: commitment });
        }
        let justify = self.check_proposal(p)?;
        self.view_state(view).proposal = Some(commitment);
        self.observe_qc(&justify);
        if let Some(tc) = &p.timeout_certificate {
            self.observe_tc(tc);
        }
        let leaf = p.leaf.clone();
        let state = self.view_state(view);
        state.pending = Some(signed.proposal);
        state.header_ok = false;
        self.leaf_known(leaf) // stores it, then votes if it can
    }

    /// What a proposal must be, whatever the node's state: a justify QC over its parent
    /// from an earlier view, a timeout certificate of the previous view exactly when the
    /// justify QC is older, and a DA certificate over the header's payload; all three
    /// verify. Returns the justify QC.
    fn check_proposal(&self, p: &Proposal) -> Result<QuorumCertificate, Rejected> {
        let view = p.view();
        let malformed = |reason| Err(Rejected::Malformed { view, reason });
        let Some(justify) = &p.leaf.justify_qc else {
            return malformed("no justify QC");
        };
        if justify.data.kind != VoteKind::Quorum || justify.data.view >= view {
            return malformed("the justify QC is not a quorum certificate of an earlier view");
        }
        if justify.data.commitment != p.leaf.parent_commitment.0 {
            return malformed("the justify QC does not certify the parent");
        }
        let previous = view - 1;
        match (&p.timeout_certificate, justify.data.view == previous) {
            (Some(_), true) => {
                return malformed("a timeout certificate with a QC of the previous view");
            }
            (None, false) => return malformed("no timeout certificate for the previous view"),
            (Some(tc), false) if tc.data.view != previous => {
                return malformed("the timeout certificate is not for the previous view");
            }
            _ => {}
        }
        let da = VoteData {
            kind: VoteKind::Da,
            view,
            commitment: p.leaf.block_header.payload_commitment.0,
        };
        if p.da_certificate.data != da {
            return malformed("the DA certificate is not over this view's payload");
        }
        self.check_certificate(view, CertificateKind::Quorum, justify)?;
        if let Some(tc) = &p.timeout_certificate {
            self.check_certificate(view, CertificateKind::Timeout, tc)?;
        }
        self.check_certificate(view, CertificateKind::Da, &p.da_certificate)?;
        Ok(justify.clone())
    }

    /// Votes for the current view's pending proposal once everything it needs is here
    /// (its parent leaf, this node's VID share) and it passes the checks that depend on
    /// this node: not voted or timed out in the view, not below the lock, header valid,
    /// share for the header's payload. The vote leaves after the safety state recording
    /// it is persisted.
    pub(super) fn try_vote(&mut self, view: u64) -> Result<(), Rejected> {
        if view != self.view {
            return Ok(());
        }
        let Some(p) = self.views.get(&view).and_then(|s| s.pending.clone()) else {
            return Ok(());
        };
        if self.safety.last_voted_view >= view || self.safety.last_timeout_view >= view {
            self.view_state(view).pending = None;
            return Ok(());
        }
        let Some(justify) = p.leaf.justify_qc.clone() else {
            return Ok(()); // refused on arrival; never pending
        };
        let locked_view = self.safety.locked_view();
        if justify.data.view < locked_view {
            self.view_state(view).pending = None;
            let justify_view = justify.data.view;
            return Err(Rejected::BelowLock { view, justify_view, locked_view });
        }
        if !self.header_checked(view, &p)? {
            return Ok(());
        }
        let Some((_, common)) = self.views.get(&view).and_then(|s| s.share.clone()) else {
            return Ok(());
        };
        let (share, header) = (common.commitment(), p.leaf.block_header.payload_commitment);
        if share != header {
            self.view_state(view).pending = None;
            return Err(Rejected::ShareMismatch { view, share, header });
        }
        self.view_state(view).pending = None;
        self.safety.last_voted_view = view;
        self.safety.voted_for(&p.leaf);
        if self.safety.locked_qc.is_none() || justify.data.view > locked_view {
            self.safety.locked_qc = Some(justify);
        }
        self.persist();
        let vote = Vote::new(&self.config.key, p.leaf.vote_data());
        let to = self.leader(view.saturating_add(1));
        self.hold(Recipient::One(to), Message::Vote(vote));
        Ok(())
    }

    /// Whether the pending proposal's header is known valid: `Ok(false)` while its parent
    /// is being fetched; an invalid header drops the proposal.
    fn header_checked(&mut self, view: u64, p: &Proposal) -> Result<bool, Rejected> {
        if self.views.get(&view).is_some_and(|s| s.header_ok) {
            return Ok(true);
        }
        let Some(parent) = self.leaves.get(&p.leaf.parent_commitment) else {
            self.fetch(p.leaf.parent_commitment);
            return Ok(false);
        };
        let checked = if parent.height().checked_add(1) != Some(p.leaf.height()) {
            Err(format!("height {} after parent height {}", p.leaf.height(), parent.height()))
        } else {
            self.validator.validate(parent, &p.leaf).map_err(|e| e.reason)
        };
        let state = self.view_state(view);
        match checked {
            Ok(()) => {
                state.header_ok = true;
                Ok(true)
            }
            Err(reason) => {
                state.pending = None;
                Err(Rejected::InvalidHeader { view, reason })
            }
        }
    }

    /// This node's VID share, from the view's leader: verified on arrival against the
    /// commitment its common data determines, kept until the proposal shows whether it
    /// is the header's.
    pub(super) fn on_vid_share(&mut self, from: usize, m: VidShareMessage) -> Result<(), Rejected> {
        let view = m.view;
        self.check_direct(from, view)?;
        if m.share.index as usize != self.me() {
            return Err(Rejected::ShareNotForMe { view, index: m.share.index });
        }
        if let Some((share, common)) = self.views.get(&view).and_then(|s| s.share.as_ref()) {
            if *share == m.share && *common == m.common {
                return Err(Rejected::Duplicate { view, kind: "VID share" });
            }
            return Err(Rejected::Conflicting { view, kind: "VID share" });
        }
        let commitment = m.common.commitment();
        self.config
            .vid
            .verify_share(&m.share, &m.common, &commitment)
            .map_err(|source| Rejected::BadVidShare { view, source })?;
        self.view_state(view).share = Some((m.share, m.common));
        self.try_vote(view)
    }

    /// A DA proposal, from the view's leader to this DA member: the payload must parse
    /// with its namespace table and have the claimed VID commitment. The DA vote leaves
    /// after the safety state recording it is persisted.
    pub(super) fn on_da_proposal(&mut self, from: usize, m: DaProposal) -> Result<(), Rejected> {
        let view = m.view;
        if !self.config.committee.is_da(self.me()) {
            return Err(Rejected::NotDaMember { view });
        }
        self.check_direct(from, view)?;
        if self.safety.last_da_vote_view >= view {
            let same =
                self.views.get(&view).and_then(|s| s.payload.as_ref()).is_some_and(|(p, c)| {
                    *c == m.payload_commitment && p.bytes() == m.payload.as_slice()
                });
            if same {
                return Err(Rejected::Duplicate { view, kind: "DA proposal" });
            }
            return Err(Rejected::AlreadyVoted { view, kind: "DA" });
        }
        let payload = Payload::from_parts(m.payload, m.ns_table)
            .map_err(|source| Rejected::InvalidPayload { view, source })?;
        let computed = self
            .config
            .vid
            .commit_only(payload.bytes())
            .map_err(|source| Rejected::Vid { view, source })?;
        if computed != m.payload_commitment {
            let claimed = m.payload_commitment;
            return Err(Rejected::PayloadCommitmentMismatch { view, computed, claimed });
        }
        self.view_state(view).payload = Some((payload, computed));
        self.safety.last_da_vote_view = view;
        self.persist();
        let data = VoteData { kind: VoteKind::Da, view, commitment: computed.0 };
        let vote = Vote::new(&self.config.key, data);
        self.hold(Recipient::One(self.leader(view)), Message::Vote(vote));
        Ok(())
    }

    /// A message only the leader sends, directly, for a view near the current one.
    fn check_direct(&self, from: usize, view: u64) -> Result<(), Rejected> {
        let expected = self.leader(view);
        if from != expected {
            return Err(Rejected::WrongSender { view, expected, found: from });
        }
        if view < self.view {
            return Err(Rejected::StaleView { view, current: self.view });
        }
        if view > self.view.saturating_add(FUTURE_VIEWS) {
            return Err(Rejected::TooFarAhead { view, current: self.view });
        }
        Ok(())
    }
}
