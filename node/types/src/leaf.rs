//! Leaves: a header in its place in the chain of views, with the certificate that
//! justified proposing it.
//!
//! The leaf commitment is `keccak("DOPPIO-LEAF-V1" ‖ view (u64 BE) ‖ parent commitment ‖
//! header commitment ‖ justify QC)` where the QC is one byte `0` when absent (genesis only)
//! or `1 ‖ kind ‖ view (u64 BE) ‖ certified commitment`, shown as tagged base64 `LEAF~…`.
//! The QC's signature is not committed to: any valid aggregate for the same data certifies
//! the same thing.

use doppio_keys::{QuorumCertificate, VoteData, VoteKind};
use serde::{Deserialize, Serialize};
use sha3::{Digest, Keccak256};

use crate::header::{Header, HeaderCommitment};

/// The tag of leaf commitments.
pub const TAG_LEAF: &str = "LEAF";

crate::commitment::commitment_type!(
    /// A leaf commitment (`LEAF~…`).
    LeafCommitment,
    TAG_LEAF
);

/// A proposal in its view: what consensus decides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leaf {
    /// The view that proposed it.
    pub view_number: u64,
    /// The parent leaf's commitment; all zeros for genesis.
    pub parent_commitment: LeafCommitment,
    /// The block header.
    pub block_header: Header,
    /// The certificate of the parent that justified this proposal; `None` only for genesis.
    pub justify_qc: Option<QuorumCertificate>,
}

impl Leaf {
    /// The genesis leaf of a chain: view 0, no parent, no justify QC.
    pub fn genesis(header: Header) -> Self {
        Leaf {
            view_number: 0,
            parent_commitment: LeafCommitment([0; 32]),
            block_header: header,
            justify_qc: None,
        }
    }

    /// Block height of the header.
    pub fn height(&self) -> u64 {
        self.block_header.height
    }

    /// The header's commitment (the block hash).
    pub fn block_hash(&self) -> HeaderCommitment {
        self.block_header.commit()
    }

    /// The leaf's commitment.
    pub fn commit(&self) -> LeafCommitment {
        let mut h = Keccak256::new();
        h.update(b"DOPPIO-LEAF-V1");
        h.update(self.view_number.to_be_bytes());
        h.update(self.parent_commitment.0);
        h.update(self.block_hash().0);
        match &self.justify_qc {
            None => h.update([0]),
            Some(qc) => {
                h.update([1, qc.data.kind as u8]);
                h.update(qc.data.view.to_be_bytes());
                h.update(qc.data.commitment);
            }
        }
        LeafCommitment(h.finalize().into())
    }

    /// What a quorum vote for this leaf signs.
    pub fn vote_data(&self) -> VoteData {
        VoteData { kind: VoteKind::Quorum, view: self.view_number, commitment: self.commit().0 }
    }
}

/// A decided leaf with the quorum certificate that certifies it, as the availability API
/// serves it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeafQueryData {
    /// The leaf.
    pub leaf: Leaf,
    /// A quorum certificate over [`Leaf::vote_data`].
    pub qc: QuorumCertificate,
}

/// A certificate that does not certify the leaf it is stored with.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the QC certifies {found:?}, not leaf {expected} in view {view}")]
pub struct QcMismatch {
    /// The leaf's commitment.
    pub expected: LeafCommitment,
    /// The leaf's view.
    pub view: u64,
    /// What the QC certifies.
    pub found: VoteData,
}

impl LeafQueryData {
    /// Pairs `leaf` with `qc`, checking that `qc` is over this leaf (not its signature:
    /// that needs the stake table, see [`QuorumCertificate::verify`]).
    pub fn new(leaf: Leaf, qc: QuorumCertificate) -> Result<Self, QcMismatch> {
        let expected = leaf.vote_data();
        if qc.data != expected {
            return Err(QcMismatch {
                expected: leaf.commit(),
                view: leaf.view_number,
                found: qc.data,
            });
        }
        Ok(LeafQueryData { leaf, qc })
    }

    /// Block height.
    pub fn height(&self) -> u64 {
        self.leaf.height()
    }

    /// The leaf's commitment.
    pub fn hash(&self) -> LeafCommitment {
        self.leaf.commit()
    }

    /// The block hash.
    pub fn block_hash(&self) -> HeaderCommitment {
        self.leaf.block_hash()
    }
}
