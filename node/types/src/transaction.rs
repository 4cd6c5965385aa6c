//! Transactions: a namespace and opaque bytes, with a Keccak commitment.
//!
//! JSON: `{"namespace": 12648430, "payload": "<standard base64>"}`. The commitment is
//! `keccak("DOPPIO-TX-V1" ‖ namespace (u32 LE) ‖ payload length (u64 LE) ‖ payload)`,
//! shown as tagged base64 `TX~…`.

use std::fmt;

use base64::{Engine, engine::general_purpose::STANDARD};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha3::{Digest, Keccak256};

/// A rollup's namespace id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NamespaceId(pub u32);

impl fmt::Display for NamespaceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A transaction: opaque bytes for one namespace.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Transaction {
    /// The namespace (rollup) it belongs to.
    pub namespace: NamespaceId,
    /// Its bytes, base64 in JSON.
    #[serde(with = "base64_bytes")]
    pub payload: Vec<u8>,
}

impl Transaction {
    /// A transaction of `payload` in `namespace`.
    pub fn new(namespace: NamespaceId, payload: Vec<u8>) -> Self {
        Transaction { namespace, payload }
    }

    /// Its commitment.
    pub fn commit(&self) -> TxCommitment {
        let mut h = Keccak256::new();
        h.update(b"DOPPIO-TX-V1");
        h.update(self.namespace.0.to_le_bytes());
        h.update((self.payload.len() as u64).to_le_bytes());
        h.update(&self.payload);
        TxCommitment(h.finalize().into())
    }
}

/// The tag of transaction commitments.
pub const TAG_TX: &str = "TX";

crate::commitment::commitment_type!(
    /// A transaction commitment (`TX~…`).
    TxCommitment,
    TAG_TX
);

/// Serde for bytes as standard base64 (with padding).
pub mod base64_bytes {
    use super::*;

    /// Writes `bytes` as a base64 string.
    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    /// Reads a base64 string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        STANDARD
            .decode(s.as_bytes())
            .map_err(|e| serde::de::Error::custom(format!("invalid base64 payload: {e}")))
    }
}
