//! Namespace proofs: a namespace's transactions with a VID range proof that they are
//! exactly the payload bytes the namespace table gives it, under the header's payload
//! commitment.

use doppio_vid::{RangeProof, Vid, VidCommitment, VidCommon, VidError};
use serde::{Deserialize, Serialize};

use crate::{
    payload::{NsTable, Payload, PayloadError, parse_namespace},
    transaction::{NamespaceId, Transaction},
};

/// Why a namespace proof was not made or did not verify.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum NsProofError {
    /// The namespace table has no such namespace.
    #[error("namespace {0} is not in the block")]
    NotInBlock(NamespaceId),
    /// The proof is for another namespace or byte range than the table says.
    #[error(
        "proof covers bytes {got:?}, the namespace table gives namespace {namespace} bytes {want:?}"
    )]
    WrongRange {
        /// The namespace.
        namespace: NamespaceId,
        /// The proof's range.
        got: std::ops::Range<u64>,
        /// The table's range.
        want: std::ops::Range<u64>,
    },
    /// The VID range proof failed.
    #[error(transparent)]
    Vid(#[from] VidError),
    /// The proven bytes are not a well-formed namespace.
    #[error(transparent)]
    Payload(#[from] PayloadError),
}

/// A namespace's bytes and the proof that they are the committed payload's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceProof {
    /// The namespace.
    pub namespace: NamespaceId,
    /// The namespace's bytes (its transactions, in the payload layout).
    #[serde(with = "crate::transaction::base64_bytes")]
    pub ns_bytes: Vec<u8>,
    /// VID range proof of those bytes.
    pub proof: RangeProof,
}

impl NamespaceProof {
    /// Proves `namespace` of `payload` (dispersed with `vid`).
    pub fn new(vid: &Vid, payload: &Payload, namespace: NamespaceId) -> Result<Self, NsProofError> {
        let range =
            payload.ns_table().find(namespace).ok_or(NsProofError::NotInBlock(namespace))?;
        let proof = vid.prove_range(payload.bytes(), range.clone())?;
        Ok(NamespaceProof { namespace, ns_bytes: payload.bytes()[range].to_vec(), proof })
    }

    /// Verifies the proof against a header's payload commitment and namespace table and
    /// the VID common data, and returns the namespace's transactions.
    pub fn verify(
        &self,
        vid: &Vid,
        commitment: &VidCommitment,
        common: &VidCommon,
        ns_table: &NsTable,
    ) -> Result<Vec<Transaction>, NsProofError> {
        let namespace = self.namespace;
        let range = ns_table.find(namespace).ok_or(NsProofError::NotInBlock(namespace))?;
        let want = range.start as u64..range.end as u64;
        if (self.proof.start..self.proof.end) != want {
            return Err(NsProofError::WrongRange {
                namespace,
                got: self.proof.start..self.proof.end,
                want,
            });
        }
        vid.verify_range(commitment, common, &self.ns_bytes, &self.proof)?;
        let txs = parse_namespace(namespace, &self.ns_bytes)?;
        Ok(txs.into_iter().map(|payload| Transaction { namespace, payload }).collect())
    }
}
