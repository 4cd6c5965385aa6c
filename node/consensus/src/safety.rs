//! The safety state: what a node must remember across restarts so that it never signs
//! two different things in one view, and never votes against its lock.

use doppio_keys::QuorumCertificate;
use doppio_types::Leaf;
use serde::{Deserialize, Serialize};

use crate::codec::{self, DecodeError, EncodeError};

/// Version byte of the persisted form.
pub const SAFETY_STATE_VERSION: u8 = 1;

/// The most undecided leaves kept in the safety state; past it the oldest are dropped
/// (only a stall of that many voted views without a decision gets there).
pub const MAX_UNDECIDED_LEAVES: usize = 128;

/// A bound on the persisted form: four numbers, two certificates and up to
/// [`MAX_UNDECIDED_LEAVES`] leaves of a few kilobytes each.
pub const MAX_SAFETY_STATE_BYTES: usize = 4 << 20;

/// What the driver persists on [`crate::Action::Persist`] and hands back to
/// [`crate::Consensus::new`] after a restart.
///
/// Views are "at most": `last_voted_view = 7` means no quorum vote for any view up to 7
/// may be signed again. View 0 is the genesis view, which has no proposal, so 0 also
/// means "none yet" (the genesis vote is exempt: it is the same vote every time).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafetyState {
    /// Highest view with a quorum vote signed.
    pub last_voted_view: u64,
    /// Highest view with a timeout vote signed; no quorum vote is signed in it afterwards.
    pub last_timeout_view: u64,
    /// Highest view with a DA vote signed.
    pub last_da_vote_view: u64,
    /// Highest view this node proposed in (as leader); it never proposes there again.
    pub last_proposed_view: u64,
    /// The lock: the highest justify QC of a proposal this node voted for. It only votes
    /// for proposals whose justify QC is at least as high.
    pub locked_qc: Option<QuorumCertificate>,
    /// The highest quorum certificate known (what a new leader extends).
    pub high_qc: Option<QuorumCertificate>,
    /// The leaves this node voted for that are not decided yet, oldest first. Not needed
    /// for safety but for liveness: every certified leaf was voted for by an honest
    /// member, which keeps it across a crash, so the chain the QCs point to can always
    /// be fetched, extended and decided even if every member restarts.
    pub undecided_leaves: Vec<Leaf>,
}

impl SafetyState {
    /// The persisted form: a version byte, then CBOR.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        codec::encode(SAFETY_STATE_VERSION, self, MAX_SAFETY_STATE_BYTES)
    }

    /// Decodes [`SafetyState::encode`] output.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        codec::decode(SAFETY_STATE_VERSION, bytes, MAX_SAFETY_STATE_BYTES)
    }

    /// Records that this node votes for `leaf`.
    pub(crate) fn voted_for(&mut self, leaf: &Leaf) {
        if !self.undecided_leaves.contains(leaf) {
            self.undecided_leaves.push(leaf.clone());
        }
        let excess = self.undecided_leaves.len().saturating_sub(MAX_UNDECIDED_LEAVES);
        self.undecided_leaves.drain(..excess);
    }

    /// Forgets the leaves at or below the last decided view.
    pub(crate) fn decided_up_to(&mut self, view: u64) {
        self.undecided_leaves.retain(|l| l.view_number > view);
    }

    /// The view of the lock (0 before any).
    pub fn locked_view(&self) -> u64 {
        self.locked_qc.as_ref().map_or(0, |qc| qc.data.view)
    }

    /// The highest view any field mentions: a restarted node resumes there.
    pub fn highest_view(&self) -> u64 {
        let qc_view = self.high_qc.as_ref().map_or(0, |qc| qc.data.view + 1);
        [
            self.last_voted_view,
            self.last_timeout_view,
            self.last_da_vote_view,
            self.last_proposed_view,
            qc_view,
        ]
        .into_iter()
        .max()
        .unwrap_or(0)
    }
}
