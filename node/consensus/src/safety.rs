//! The safety state: what a node must remember across restarts so that it never signs
//! two different things in one view, and never votes against its lock.

use doppio_keys::QuorumCertificate;
use serde::{Deserialize, Serialize};

use crate::codec::{self, DecodeError, EncodeError};

/// Version byte of the persisted form.
pub const SAFETY_STATE_VERSION: u8 = 1;

/// A generous bound on the persisted form (two certificates and four numbers take about
/// a kilobyte for a thousand members).
pub const MAX_SAFETY_STATE_BYTES: usize = 1 << 20;

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
