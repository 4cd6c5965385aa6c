//! Votes: a staking key's signature over a domain-separated commitment of what is voted
//! on (kind, view, data commitment).

use serde::{Deserialize, Serialize};

use crate::bls::{BlsError, BlsPublicKey, BlsSecretKey, BlsSignature};

/// Prefix of every vote's signed message; bump the version when the layout changes.
pub const VOTE_DOMAIN: &[u8] = b"DOPPIO_VOTE_V1";

/// Bytes of a signed vote message: domain, kind, view, commitment.
pub const VOTE_MESSAGE_LEN: usize = VOTE_DOMAIN.len() + 1 + 8 + 32;

/// What a vote is for. The byte values are part of the signed message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum VoteKind {
    /// A quorum vote on a proposal.
    Quorum = 1,
    /// A DA committee vote that the payload is available.
    Da = 2,
    /// A timeout vote for a view.
    Timeout = 3,
}

/// What is voted on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VoteData {
    /// Kind of vote.
    pub kind: VoteKind,
    /// View number.
    pub view: u64,
    /// Commitment to the data (leaf, payload, …); all zeros for a timeout.
    pub commitment: [u8; 32],
}

impl VoteData {
    /// The signed message: `VOTE_DOMAIN ‖ kind (1 byte) ‖ view (8 bytes, big endian) ‖
    /// commitment (32 bytes)`; fixed length, so no two vote data share a message.
    pub fn message(&self) -> [u8; VOTE_MESSAGE_LEN] {
        let mut out = [0u8; VOTE_MESSAGE_LEN];
        let (domain, rest) = out.split_at_mut(VOTE_DOMAIN.len());
        domain.copy_from_slice(VOTE_DOMAIN);
        rest[0] = self.kind as u8;
        rest[1..9].copy_from_slice(&self.view.to_be_bytes());
        rest[9..].copy_from_slice(&self.commitment);
        out
    }
}

/// One signed vote.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    /// What is voted on.
    pub data: VoteData,
    /// Who votes.
    pub signer: BlsPublicKey,
    /// The signer's signature over [`VoteData::message`].
    pub signature: BlsSignature,
}

impl Vote {
    /// `key`'s vote on `data`.
    pub fn new(key: &BlsSecretKey, data: VoteData) -> Self {
        Vote { data, signer: key.public_key(), signature: key.sign(&data.message()) }
    }

    /// Checks this vote alone (one pairing check). Accumulators avoid this; see
    /// [`crate::qc::VoteAccumulator`].
    pub fn verify(&self) -> Result<(), BlsError> {
        self.signer.verify(&self.data.message(), &self.signature)
    }
}
