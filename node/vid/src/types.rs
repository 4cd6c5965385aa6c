//! The objects VID produces, with their binary encodings and serde support.
//!
//! Every type has a canonical binary form (`to_bytes` / `from_bytes`: arkworks'
//! compressed encoding, points checked on decoding) and serialises with serde as that
//! form: a `0x`-prefixed hex string in human-readable formats (JSON, TOML), raw bytes in
//! binary ones.

use ark_bn254::{Fr, G1Affine};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};

use crate::{error::VidError, merkle::Hash};

/// The payload commitment: a Keccak-256 hash binding the parameters, the payload
/// length, the polynomial commitments and the Merkle root of the shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, CanonicalSerialize, CanonicalDeserialize)]
pub struct VidCommitment(pub [u8; 32]);

/// What every storage node receives besides its share: enough to verify any share.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct VidCommon {
    /// KZG commitments to the payload's polynomials.
    pub poly_commits: Vec<G1Affine>,
    /// Root of the Merkle tree over the storage nodes' evaluation vectors.
    pub merkle_root: Hash,
    /// Payload length in bytes.
    pub payload_byte_len: u64,
    /// `n`.
    pub num_storage_nodes: u32,
    /// `k`.
    pub recovery_threshold: u32,
}

/// One storage node's share.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct VidShare {
    /// The storage node's index (its evaluation point is `ω^index`).
    pub index: u32,
    /// Every polynomial's value at `ω^index`.
    pub evals: Vec<Fr>,
    /// KZG opening of the aggregate polynomial `Σ rʲ·pⱼ` at `ω^index`.
    pub aggregate_proof: G1Affine,
    /// Merkle path of the evaluations.
    pub merkle_path: Vec<Hash>,
}

/// Proof that bytes `[start, end)` of a committed payload are given bytes: the payload
/// bytes around the range that complete the polynomials it touches.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct RangeProof {
    /// Start of the range.
    pub start: u64,
    /// End of the range (exclusive).
    pub end: u64,
    /// Payload bytes from the first touched polynomial's start up to `start`.
    pub prefix: Vec<u8>,
    /// Payload bytes from `end` up to the last touched polynomial's end (or the payload's).
    pub suffix: Vec<u8>,
}

macro_rules! codec {
    ($ty:ty, $what:literal) => {
        impl $ty {
            /// The canonical binary encoding.
            pub fn to_bytes(&self) -> Vec<u8> {
                let mut out = Vec::with_capacity(self.compressed_size());
                self.serialize_compressed(&mut out).expect("writing to a Vec cannot fail");
                out
            }

            /// Decodes [`Self::to_bytes`] output; points are checked to be valid.
            pub fn from_bytes(mut bytes: &[u8]) -> Result<Self, VidError> {
                let v = Self::deserialize_compressed(&mut bytes)
                    .map_err(|e| VidError::Decode { what: $what, reason: e.to_string() })?;
                if !bytes.is_empty() {
                    let reason = format!("{} trailing bytes", bytes.len());
                    return Err(VidError::Decode { what: $what, reason });
                }
                Ok(v)
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let bytes = self.to_bytes();
                if s.is_human_readable() {
                    s.serialize_str(&format!("0x{}", hex::encode(bytes)))
                } else {
                    s.serialize_bytes(&bytes)
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                use serde::de::Error;
                let bytes = if d.is_human_readable() {
                    let s = <String as serde::Deserialize>::deserialize(d)?;
                    let digits = s.strip_prefix("0x").unwrap_or(&s);
                    hex::decode(digits).map_err(D::Error::custom)?
                } else {
                    <Vec<u8> as serde::Deserialize>::deserialize(d)?
                };
                Self::from_bytes(&bytes).map_err(D::Error::custom)
            }
        }
    };
}

codec!(VidCommitment, "VID commitment");
codec!(VidCommon, "VID common data");
codec!(VidShare, "VID share");
codec!(RangeProof, "VID range proof");

impl std::fmt::Display for VidCommitment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}
