//! The hook through which the node checks a proposed header against its parent's state.

use doppio_types::Leaf;

/// Why a proposed header is invalid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct InvalidHeader {
    /// What is wrong, for logs.
    pub reason: String,
}

impl InvalidHeader {
    /// An error with `reason`.
    pub fn new(reason: impl Into<String>) -> Self {
        InvalidHeader { reason: reason.into() }
    }
}

/// Checks a proposed leaf's header against the chain state after its parent (fees, Merkle
/// roots, L1 references, timestamps, chain config). The state machine has already checked
/// what it can alone: the view, the parent link and height, the justify QC, the DA
/// certificate and this node's VID share.
///
/// It is called at most once per proposal, and only for proposals the node would
/// otherwise vote for; it must be deterministic for a given pair.
pub trait HeaderValidator {
    /// `Ok` when `proposed` may extend `parent`.
    fn validate(&self, parent: &Leaf, proposed: &Leaf) -> Result<(), InvalidHeader>;
}

impl<F: Fn(&Leaf, &Leaf) -> Result<(), InvalidHeader>> HeaderValidator for F {
    fn validate(&self, parent: &Leaf, proposed: &Leaf) -> Result<(), InvalidHeader> {
        self(parent, proposed)
    }
}
