//! What the state machine asks its driver to do.

use std::time::Duration;

use doppio_types::{Leaf, LeafCommitment, LeafQueryData, Payload};
use doppio_vid::{VidCommon, VidShare};

use crate::{message::Message, safety::SafetyState};

/// A timer the driver runs and reports back with [`crate::Consensus::timer_fired`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Timer {
    /// The view's timeout: if the view has not moved on by then, the node times out.
    View(u64),
    /// A leader that entered its view through a timeout certificate waits this long for
    /// the other members' timeout messages (and the highest QC they carry) before it
    /// builds its block, unless every member's arrives sooner.
    ProposeWait(u64),
}

impl Timer {
    /// The view the timer belongs to; a timer of a view the node has left is ignored.
    pub fn view(&self) -> u64 {
        match self {
            Timer::View(v) | Timer::ProposeWait(v) => *v,
        }
    }
}

/// A decided leaf with everything this node holds for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecidedLeaf {
    /// The leaf and the quorum certificate that certifies it.
    pub leaf: LeafQueryData,
    /// The payload, if this node is a DA member and received it (a leaf learned through
    /// [`Action::Fetch`] comes without).
    pub payload: Option<Payload>,
    /// The dispersal's common data, if this node received its share.
    pub vid_common: Option<VidCommon>,
    /// This node's VID share, if it received it.
    pub vid_share: Option<VidShare>,
}

/// One thing for the driver to do. Actions come out of
/// [`crate::Consensus::poll_actions`] in the order they must be carried out; see the
/// crate documentation for the contract of each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Write `state` durably, then call [`crate::Consensus::persisted`] with `seq`.
    /// Messages that depend on it (votes, timeouts, proposals) are only released after
    /// that call. Snapshots are whole, and acknowledging `seq` acknowledges every earlier
    /// one, so a driver may skip writing a snapshot that a later one replaces.
    Persist {
        /// Sequence number to acknowledge.
        seq: u64,
        /// The full safety state.
        state: SafetyState,
    },
    /// Send `message` to member `to`.
    Send {
        /// Stake-table index of the receiver (never this node: messages to itself are
        /// handled inside).
        to: usize,
        /// The message.
        message: Message,
    },
    /// Send `message` to every other member.
    Broadcast {
        /// The message.
        message: Message,
    },
    /// Call [`crate::Consensus::timer_fired`] with `timer` after `after`. Timers are
    /// never cancelled: one that fires late is ignored.
    ScheduleTimer {
        /// Which timer.
        timer: Timer,
        /// When, from now.
        after: Duration,
    },
    /// This node leads `view`: build a block on `parent` (payload from the mempool,
    /// header valid against the state after `parent`), disperse its payload with VID
    /// into one share per member, and hand it to [`crate::Consensus::block_built`].
    BuildBlock {
        /// The view.
        view: u64,
        /// The leaf to extend.
        parent: Leaf,
    },
    /// Fetch the leaf with this commitment from peers (or storage) and hand it to
    /// [`crate::Consensus::fetched`]. Best effort: outstanding fetches are asked for
    /// again each time a view timer fires.
    Fetch {
        /// The leaf's commitment (certified, so any source will do).
        commitment: LeafCommitment,
    },
    /// These leaves are decided, in increasing height, each extending the previous one
    /// (and the first one extending the last leaf decided before).
    Decide {
        /// The leaves.
        leaves: Vec<DecidedLeaf>,
    },
}
