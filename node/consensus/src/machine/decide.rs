//! The two-chain commit rule, and the leaves it needs.

use doppio_keys::QuorumCertificate;
use doppio_types::{Leaf, LeafCommitment, LeafQueryData};

use super::{Anchor, Consensus, Rejected};
use crate::{
    action::{Action, DecidedLeaf},
    validate::HeaderValidator,
};

impl<V: HeaderValidator> Consensus<V> {
    /// A leaf now known (from a proposal or a fetch): kept, and whatever waited for it is
    /// tried again (a decide, this node's block, its vote).
    pub(super) fn leaf_known(&mut self, leaf: Leaf) -> Result<(), Rejected> {
        let commitment = leaf.commit();
        self.fetching.remove(&commitment);
        if leaf.view_number >= self.anchor.leaf.view_number {
            self.leaves.insert(commitment, leaf);
        }
        if let Some(qc) = self.decide_target.clone() {
            self.try_decide(&qc);
        }
        self.try_build();
        self.try_vote(self.view)
    }

    /// The first QC over a genesis anchor certifies it: it is reported decided with it.
    pub(super) fn certify_anchor(&mut self, qc: &QuorumCertificate) {
        if self.anchor.qc.is_some() || qc.data != self.anchor.leaf.vote_data() {
            return;
        }
        self.anchor.qc = Some(qc.clone());
        if let Ok(leaf) = LeafQueryData::new(self.anchor.leaf.clone(), qc.clone()) {
            let decided = DecidedLeaf { leaf, payload: None, vid_common: None, vid_share: None };
            self.actions.push(Action::Decide { leaves: vec![decided] });
        }
    }

    /// Two-chain rule: a QC over leaf `B'` whose justify QC certifies its parent `B` from
    /// the view just before decides `B` and every undecided ancestor. Missing leaves on
    /// the way are fetched, and the decide is tried again when they arrive.
    pub(super) fn try_decide(&mut self, qc: &QuorumCertificate) {
        let anchor_view = self.anchor.leaf.view_number;
        if qc.data.view <= anchor_view.saturating_add(1) {
            return;
        }
        let child_commitment = LeafCommitment(qc.data.commitment);
        let Some(child) = self.leaves.get(&child_commitment) else {
            self.wait_for(qc, child_commitment);
            return;
        };
        let Some(justify) = child.justify_qc.clone() else {
            return;
        };
        if child.view_number != qc.data.view
            || justify.data.view.saturating_add(1) != child.view_number
            || justify.data.view <= anchor_view
        {
            return;
        }
        match self.chain_to_anchor(justify) {
            Ok(chain) => self.decide(chain),
            Err(Some(missing)) => self.wait_for(qc, missing),
            Err(None) => {}
        }
    }

    /// The leaves from just after the anchor up to the one `cert` certifies, each with
    /// its certificate; `Err(Some(c))` when leaf `c` is missing, `Err(None)` when the
    /// chain does not reach the anchor (only possible if more than a third of the stake
    /// is faulty, which the protocol cannot survive; it is logged, nothing is decided).
    fn chain_to_anchor(
        &self,
        mut cert: QuorumCertificate,
    ) -> Result<Vec<LeafQueryData>, Option<LeafCommitment>> {
        let anchor = self.anchor.leaf.commit();
        let anchor_view = self.anchor.leaf.view_number;
        let mut chain = Vec::new();
        loop {
            let commitment = LeafCommitment(cert.data.commitment);
            if commitment == anchor {
                chain.reverse();
                return Ok(chain);
            }
            let leaf = self.leaves.get(&commitment).ok_or(Some(commitment))?;
            let parent_cert = leaf.justify_qc.clone();
            let conflict = leaf.view_number <= anchor_view || parent_cert.is_none();
            match LeafQueryData::new(leaf.clone(), cert) {
                Ok(d) if !conflict => chain.push(d),
                _ => {
                    tracing::error!(
                        leaf = %commitment,
                        anchor = %anchor,
                        "a certified chain does not extend the last decided leaf"
                    );
                    return Err(None);
                }
            }
            cert = parent_cert.ok_or(None)?;
        }
    }

    fn wait_for(&mut self, qc: &QuorumCertificate, missing: LeafCommitment) {
        self.fetch(missing);
        if self.decide_target.as_ref().is_none_or(|t| t.data.view < qc.data.view) {
            self.decide_target = Some(qc.clone());
        }
    }

    fn decide(&mut self, chain: Vec<LeafQueryData>) {
        let Some(last) = chain.last() else {
            return;
        };
        self.anchor = Anchor { leaf: last.leaf.clone(), qc: Some(last.qc.clone()) };
        self.safety.decided_up_to(last.leaf.view_number);
        let leaves: Vec<DecidedLeaf> = chain.into_iter().map(|d| self.decided_leaf(d)).collect();
        self.actions.push(Action::Decide { leaves });
        self.prune();
    }

    /// A decided leaf with this node's payload and share of it, if it has them.
    fn decided_leaf(&self, leaf: LeafQueryData) -> DecidedLeaf {
        let commitment = leaf.leaf.block_header.payload_commitment;
        let state = self.views.get(&leaf.leaf.view_number);
        let payload = state
            .and_then(|s| s.payload.as_ref())
            .filter(|(_, c)| *c == commitment)
            .map(|(p, _)| p.clone());
        let share = state
            .and_then(|s| s.share.as_ref())
            .filter(|(_, common)| common.commitment() == commitment);
        DecidedLeaf {
            payload,
            vid_common: share.map(|(_, c)| c.clone()),
            vid_share: share.map(|(s, _)| s.clone()),
            leaf,
        }
    }
}
