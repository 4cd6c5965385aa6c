//! A leader's side: asking for a block, sending the payload to the DA committee and the
//! shares to every member, collecting DA votes and quorum votes, proposing.

use doppio_keys::{QuorumCertificate, Threshold, Vote, VoteAccumulator, VoteData, VoteKind};
use doppio_types::{Header, Leaf, LeafCommitment, Payload};
use doppio_vid::Dispersal;

use super::{Block, Consensus, FUTURE_VIEWS, MAX_CANDIDATES, Recipient, Rejected};
use crate::{
    action::Action,
    message::{DaProposal, Message, Proposal, SignedProposal, VidShareMessage, proposal_message},
    validate::HeaderValidator,
};

impl<V: HeaderValidator> Consensus<V> {
    /// Asks the driver for a block once this node leads the current view, is done
    /// waiting for the members' highest QCs, and holds the leaf its high QC certifies
    /// (fetching it otherwise).
    pub(super) fn try_build(&mut self) {
        let view = self.view;
        if self.safety.last_proposed_view >= view {
            return;
        }
        let Some(lead) = self.views.get(&view).and_then(|s| s.lead.as_ref()) else {
            return;
        };
        if !lead.wait_done || lead.requested.is_some() {
            return;
        }
        let Some(justify) = self.safety.high_qc.clone() else {
            return; // the genesis QC is not formed yet
        };
        let previous = view - 1; // a leader's view is never 0: view 0 has no proposal
        if justify.data.view != previous
            && self.last_tc.as_ref().is_none_or(|tc| tc.data.view != previous)
        {
            return; // restarted into this view: no certificate to propose with
        }
        let parent_commitment = LeafCommitment(justify.data.commitment);
        let Some(parent) = self.leaves.get(&parent_commitment).cloned() else {
            self.fetch(parent_commitment);
            return;
        };
        if let Some(lead) = self.views.get_mut(&view).and_then(|s| s.lead.as_mut()) {
            lead.requested = Some(justify);
        }
        self.actions.push(Action::BuildBlock { view, parent });
    }

    /// The driver's block: signs the leaf, records that this view is proposed in (the
    /// persisted state), then sends the payload to the DA committee and each member its
    /// share.
    pub(super) fn on_block_built(
        &mut self,
        view: u64,
        header: Header,
        payload: Payload,
        dispersal: Dispersal,
    ) -> Result<(), Rejected> {
        let justify = self.block_request(view)?;
        let mismatch = |reason| Err(Rejected::BlockMismatch { view, reason });
        if header.payload_commitment != dispersal.commitment {
            return mismatch("the header does not commit to the dispersal");
        }
        if dispersal.common.commitment() != dispersal.commitment {
            return mismatch("the dispersal's common data is not its commitment's");
        }
        if dispersal.shares.len() != self.config.committee.len() {
            return mismatch("the dispersal does not have one share per member");
        }
        let parent_commitment = LeafCommitment(justify.data.commitment);
        let parent_height = self.leaves.get(&parent_commitment).map(|l| l.height());
        if parent_height.and_then(|h| h.checked_add(1)) != Some(header.height) {
            return mismatch("the header's height does not follow its parent's");
        }
        let leaf = Leaf {
            view_number: view,
            parent_commitment,
            block_header: header,
            justify_qc: Some(justify.clone()),
        };
        let signature = self.config.key.sign(&proposal_message(view, &leaf.commit()));
        let timeout_certificate =
            if justify.data.view + 1 == view { None } else { self.last_tc.clone() };
        let commitment = dispersal.commitment;
        let da_data = VoteData { kind: VoteKind::Da, view, commitment: commitment.0 };
        let da_table = self.config.committee.da_table().clone();
        let accel = self.config.accel.clone();
        if let Some(lead) = self.views.get_mut(&view).and_then(|s| s.lead.as_mut()) {
            lead.block = Some(Block { leaf, timeout_certificate, signature });
            lead.da_votes =
                Some(VoteAccumulator::new(da_table, da_data, Threshold::SUPERMAJORITY, accel));
        }
        self.safety.last_proposed_view = view;
        self.persist();
        self.send_block(view, payload, dispersal);
        Ok(())
    }

    /// The justify QC of the block asked for in `view`, if one was asked and not yet
    /// built.
    fn block_request(&self, view: u64) -> Result<QuorumCertificate, Rejected> {
        let lead = self.views.get(&view).and_then(|s| s.lead.as_ref());
        match lead {
            Some(lead) if view == self.view && lead.block.is_none() => {
                lead.requested.clone().ok_or(Rejected::UnexpectedBlock { view })
            }
            _ => Err(Rejected::UnexpectedBlock { view }),
        }
    }

    fn send_block(&mut self, view: u64, payload: Payload, dispersal: Dispersal) {
        let da = DaProposal {
            view,
            payload: payload.bytes().to_vec(),
            ns_table: payload.ns_table().bytes().to_vec(),
            payload_commitment: dispersal.commitment,
        };
        for &member in self.config.committee.da_members().to_vec().iter() {
            self.hold(Recipient::One(member), Message::DaProposal(da.clone()));
        }
        let common = dispersal.common;
        for (i, share) in dispersal.shares.into_iter().enumerate() {
            let m = VidShareMessage { view, share, common: common.clone() };
            self.hold(Recipient::One(i), Message::VidShare(m));
        }
    }

    /// A vote: quorum votes are collected by the next view's leader, DA votes by the
    /// view's leader; timeout votes travel in timeout messages.
    pub(super) fn on_vote(&mut self, vote: Vote) -> Result<(), Rejected> {
        match vote.data.kind {
            VoteKind::Quorum => self.on_quorum_vote(vote),
            VoteKind::Da => self.on_da_vote(vote),
            VoteKind::Timeout => Err(Rejected::Malformed {
                view: vote.data.view,
                reason: "a timeout vote outside a timeout message",
            }),
        }
    }

    /// A quorum vote on a leaf of view `u`, collected by the leader of `u + 1` (and by
    /// everyone for the genesis leaf until it is certified). The first vote for each leaf
    /// is checked on its own, so that forged votes cannot open accumulators that crowd
    /// out the real one, and each member opens at most one; later ones are checked in
    /// aggregate by the accumulator.
    fn on_quorum_vote(&mut self, vote: Vote) -> Result<(), Rejected> {
        let view = vote.data.view;
        let genesis = self.safety.high_qc.is_none() && vote.data == self.anchor.leaf.vote_data();
        if !genesis {
            if self.leader(view.saturating_add(1)) != self.me() {
                return Err(Rejected::NotCollecting { view });
            }
            if view.saturating_add(1) < self.view {
                return Err(Rejected::StaleView { view, current: self.view });
            }
            if view > self.view.saturating_add(FUTURE_VIEWS) {
                return Err(Rejected::TooFarAhead { view, current: self.view });
            }
        }
        let table = self.config.committee.stake_table().clone();
        let Some(signer) = table.index_of(&vote.signer) else {
            let source = doppio_keys::QcError::NotMember { key: vote.signer };
            return Err(Rejected::vote(view, source));
        };
        let accel = self.config.accel.clone();
        let state = self.view_state(view);
        if state.qc_formed {
            let source = doppio_keys::QcError::AlreadyCertified { data: vote.data };
            return Err(Rejected::vote(view, source));
        }
        if !state.votes.contains_key(&vote.data.commitment) {
            // A member's valid votes over made-up leaves would otherwise fill the
            // candidates before the real leaf's first vote arrives.
            if state.openers.contains(&signer) {
                return Err(Rejected::SecondCandidate { view, signer });
            }
            if state.votes.len() >= MAX_CANDIDATES {
                return Err(Rejected::TooManyCandidates { view });
            }
            vote.verify().map_err(|_| {
                Rejected::vote(view, doppio_keys::QcError::InvalidVote { index: signer })
            })?;
            state.openers.insert(signer);
            let acc = VoteAccumulator::new(table, vote.data, Threshold::SUPERMAJORITY, accel);
            state.votes.insert(vote.data.commitment, acc);
        }
        let acc =
            state.votes.get_mut(&vote.data.commitment).ok_or(Rejected::NotCollecting { view })?;
        let outcome = acc.add(&vote).map_err(|source| Rejected::vote(view, source))?;
        if !outcome.dropped.is_empty() {
            tracing::warn!(view, dropped = ?outcome.dropped, "invalid quorum votes dropped");
        }
        if let Some(qc) = outcome.certificate {
            state.qc_formed = true;
            self.observe_qc(&qc);
        }
        Ok(())
    }

    /// A DA vote on this node's payload of view `u`.
    fn on_da_vote(&mut self, vote: Vote) -> Result<(), Rejected> {
        let view = vote.data.view;
        let Some(lead) = self.views.get_mut(&view).and_then(|s| s.lead.as_mut()) else {
            return Err(Rejected::NotCollecting { view });
        };
        let Some(acc) = lead.da_votes.as_mut() else {
            return Err(Rejected::NotCollecting { view });
        };
        let outcome = acc.add(&vote).map_err(|source| Rejected::vote(view, source))?;
        if !outcome.dropped.is_empty() {
            tracing::warn!(view, dropped = ?outcome.dropped, "invalid DA votes dropped");
        }
        if let Some(certificate) = outcome.certificate {
            self.propose(view, certificate);
        }
        Ok(())
    }

    /// Broadcasts the signed proposal once the DA certificate is formed.
    fn propose(&mut self, view: u64, da_certificate: QuorumCertificate) {
        if view != self.view {
            return; // the view ended before the payload was certified available
        }
        let Some(lead) = self.views.get_mut(&view).and_then(|s| s.lead.as_mut()) else {
            return;
        };
        let Some(block) = lead.block.clone().filter(|_| !lead.proposed) else {
            return;
        };
        lead.proposed = true;
        let proposal = Proposal {
            leaf: block.leaf,
            timeout_certificate: block.timeout_certificate,
            da_certificate,
        };
        let signed = SignedProposal { proposal, signature: block.signature };
        self.hold(Recipient::All, Message::Proposal(Box::new(signed)));
    }
}
