//! What nodes send each other, and its wire form.
//!
//! On the wire a message is one version byte ([`WIRE_VERSION`]) followed by the
//! [`Message`] in CBOR. [`Message::decode`] refuses inputs over [`MAX_MESSAGE_BYTES`]
//! before parsing anything, an unknown version, malformed bodies and trailing bytes, each
//! with its own [`DecodeError`] variant; it never panics.

use doppio_keys::{BlsError, BlsPublicKey, BlsSecretKey, BlsSignature, QuorumCertificate, Vote};
use doppio_types::{Leaf, LeafCommitment};
use doppio_vid::{VidCommitment, VidCommon, VidShare};
use serde::{Deserialize, Serialize};

use crate::codec::{self, DecodeError, EncodeError};

/// The wire version this build speaks.
pub const WIRE_VERSION: u8 = 1;

/// The largest encoded message accepted: room for a DA proposal of a 16 MiB payload.
pub const MAX_MESSAGE_BYTES: usize = 17 << 20;

/// Prefix of the message a leader signs for a proposal. Its length differs from the
/// vote domain's, so a proposal signature can never pass as a vote or the reverse.
pub const PROPOSAL_DOMAIN: &[u8] = b"DOPPIO_PROPOSAL_V1";

/// A leader's proposal for its view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// The proposed leaf: view, parent, header and the justify QC that certifies the
    /// parent.
    pub leaf: Leaf,
    /// The timeout certificate of the previous view, present exactly when the justify QC
    /// is not from the previous view.
    pub timeout_certificate: Option<QuorumCertificate>,
    /// The DA committee's certificate that the payload behind the header's payload
    /// commitment is available.
    pub da_certificate: QuorumCertificate,
}

impl Proposal {
    /// The view proposed in.
    pub fn view(&self) -> u64 {
        self.leaf.view_number
    }
}

/// A proposal signed by its view's leader: proposals are broadcast and relayed, so the
/// signature, not the connection, says who proposed; two signed proposals of one view
/// with different leaves prove the leader equivocated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedProposal {
    /// The proposal.
    pub proposal: Proposal,
    /// The leader's signature over [`proposal_message`] of the view and leaf commitment.
    pub signature: BlsSignature,
}

/// What a leader signs: `PROPOSAL_DOMAIN ‖ view (u64 BE) ‖ leaf commitment`.
pub fn proposal_message(view: u64, leaf: &LeafCommitment) -> Vec<u8> {
    let mut out = Vec::with_capacity(PROPOSAL_DOMAIN.len() + 8 + 32);
    out.extend_from_slice(PROPOSAL_DOMAIN);
    out.extend_from_slice(&view.to_be_bytes());
    out.extend_from_slice(&leaf.0);
    out
}

impl SignedProposal {
    /// `proposal` signed with `key`.
    pub fn sign(key: &BlsSecretKey, proposal: Proposal) -> Self {
        let signature = key.sign(&proposal_message(proposal.view(), &proposal.leaf.commit()));
        SignedProposal { proposal, signature }
    }

    /// Checks the signature against `leader`'s key (one pairing check).
    pub fn verify(&self, leader: &BlsPublicKey) -> Result<(), BlsError> {
        let message = proposal_message(self.proposal.view(), &self.proposal.leaf.commit());
        leader.verify(&message, &self.signature)
    }
}

/// The payload of a view, sent by its leader to each DA committee member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaProposal {
    /// The view.
    pub view: u64,
    /// The payload bytes.
    #[serde(with = "codec::bytes")]
    pub payload: Vec<u8>,
    /// The payload's namespace table.
    #[serde(with = "codec::bytes")]
    pub ns_table: Vec<u8>,
    /// The VID commitment of the payload, which the header will carry.
    pub payload_commitment: VidCommitment,
}

/// One node's VID share of a view's payload, sent by the leader to that node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VidShareMessage {
    /// The view.
    pub view: u64,
    /// The share; its index is the receiver's stake-table index.
    pub share: VidShare,
    /// The dispersal's common data, which determines the payload commitment.
    pub common: VidCommon,
}

/// A timeout vote, broadcast, with what lets a lagging receiver catch up and the next
/// leader extend the highest certified leaf.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeoutMessage {
    /// The vote (kind timeout, the view timed out, commitment all zeros).
    pub vote: Vote,
    /// The sender's highest quorum certificate.
    pub high_qc: Option<QuorumCertificate>,
    /// The timeout certificate that brought the sender into the view, if one did.
    pub timeout_certificate: Option<QuorumCertificate>,
}

/// Every message of the protocol.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Message {
    /// A leader's proposal, broadcast. (The variants carrying certificates are boxed:
    /// they are several times the size of the others.)
    Proposal(Box<SignedProposal>),
    /// A payload for the DA committee, from the leader to each DA member.
    DaProposal(DaProposal),
    /// A VID share, from the leader to its node.
    VidShare(VidShareMessage),
    /// A quorum vote (to the next view's leader) or a DA vote (to the view's leader).
    Vote(Vote),
    /// A timeout vote, broadcast.
    Timeout(Box<TimeoutMessage>),
}

impl From<SignedProposal> for Message {
    fn from(p: SignedProposal) -> Self {
        Message::Proposal(Box::new(p))
    }
}

impl From<TimeoutMessage> for Message {
    fn from(t: TimeoutMessage) -> Self {
        Message::Timeout(Box::new(t))
    }
}

impl Message {
    /// The view the message is about.
    pub fn view(&self) -> u64 {
        match self {
            Message::Proposal(p) => p.proposal.view(),
            Message::DaProposal(p) => p.view,
            Message::VidShare(s) => s.view,
            Message::Vote(v) => v.data.view,
            Message::Timeout(t) => t.vote.data.view,
        }
    }

    /// A short name of the variant, for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Proposal(_) => "proposal",
            Message::DaProposal(_) => "da_proposal",
            Message::VidShare(_) => "vid_share",
            Message::Vote(_) => "vote",
            Message::Timeout(_) => "timeout",
        }
    }

    /// The wire form: [`WIRE_VERSION`] then CBOR; refused past [`MAX_MESSAGE_BYTES`].
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        codec::encode(WIRE_VERSION, self, MAX_MESSAGE_BYTES)
    }

    /// Decodes [`Message::encode`] output of at most [`MAX_MESSAGE_BYTES`].
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::decode_with_limit(bytes, MAX_MESSAGE_BYTES)
    }

    /// Decodes with a tighter (or looser) size bound, e.g. the chain's block size limit
    /// plus overhead.
    pub fn decode_with_limit(bytes: &[u8], max: usize) -> Result<Self, DecodeError> {
        codec::decode(WIRE_VERSION, bytes, max)
    }
}
