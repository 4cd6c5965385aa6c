//! The byte form shared by messages and the persisted safety state: one version byte,
//! then the value in CBOR. CBOR is self-describing, so every serde type of the node
//! round-trips (including those that look at what they are given), and a decoder never
//! trusts a length it reads: it fills buffers as bytes actually arrive, from an input
//! whose size was bounded first.

use serde::{Serialize, de::DeserializeOwned};

/// Why bytes could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// No bytes at all.
    #[error("empty input")]
    Empty,
    /// More bytes than the bound allows; nothing was parsed.
    #[error("{len} bytes exceed the limit of {max}")]
    TooLarge {
        /// Bytes given.
        len: usize,
        /// The bound.
        max: usize,
    },
    /// A version this build does not speak.
    #[error("unsupported version {found} (this node speaks version {supported})")]
    UnsupportedVersion {
        /// The version byte.
        found: u8,
        /// The version understood.
        supported: u8,
    },
    /// The body is not a valid encoding (bad CBOR, a missing or mistyped field, a point
    /// off its curve, an unknown variant, …).
    #[error("malformed body: {0}")]
    Malformed(String),
    /// Bytes left after a complete value.
    #[error("{count} trailing bytes after the value")]
    TrailingBytes {
        /// How many.
        count: usize,
    },
}

/// Why a value could not be encoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The encoding is longer than the bound a receiver applies.
    #[error("the encoding takes {len} bytes, more than the limit of {max}")]
    TooLarge {
        /// Bytes the encoding takes.
        len: usize,
        /// The bound.
        max: usize,
    },
    /// A field refused to serialise.
    #[error("serialisation failed: {0}")]
    Serialize(String),
}

/// `version ‖ CBOR(value)`, refused when longer than `max`.
pub(crate) fn encode<T: Serialize>(
    version: u8,
    value: &T,
    max: usize,
) -> Result<Vec<u8>, EncodeError> {
    let mut out = vec![version];
    ciborium::into_writer(value, &mut out).map_err(|e| EncodeError::Serialize(e.to_string()))?;
    if out.len() > max {
        return Err(EncodeError::TooLarge { len: out.len(), max });
    }
    Ok(out)
}

/// Decodes [`encode`]'s output: the size is checked before anything is parsed.
pub(crate) fn decode<T: DeserializeOwned>(
    version: u8,
    bytes: &[u8],
    max: usize,
) -> Result<T, DecodeError> {
    if bytes.len() > max {
        return Err(DecodeError::TooLarge { len: bytes.len(), max });
    }
    let (&found, mut body) = bytes.split_first().ok_or(DecodeError::Empty)?;
    if found != version {
        return Err(DecodeError::UnsupportedVersion { found, supported: version });
    }
    let value =
        ciborium::from_reader(&mut body).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    if !body.is_empty() {
        return Err(DecodeError::TrailingBytes { count: body.len() });
    }
    Ok(value)
}

/// Serde for byte vectors as one CBOR byte string (not an array of small integers) in
/// binary formats, and as `0x`-prefixed hex in human-readable ones.
pub(crate) mod bytes {
    use serde::{Deserialize, Deserializer, Serializer, de};

    /// Writes `bytes`.
    pub(crate) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(&format_args!("0x{}", hex::encode(bytes)))
        } else {
            s.serialize_bytes(bytes)
        }
    }

    /// Reads what [`serialize`] writes.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        if d.is_human_readable() {
            let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
            let digits = s.strip_prefix("0x").ok_or_else(|| de::Error::custom("missing 0x"))?;
            hex::decode(digits).map_err(de::Error::custom)
        } else {
            d.deserialize_byte_buf(BytesVisitor)
        }
    }

    struct BytesVisitor;

    impl<'de> de::Visitor<'de> for BytesVisitor {
        type Value = Vec<u8>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a byte string")
        }

        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
            Ok(v.to_vec())
        }

        fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
            Ok(v)
        }
    }
}
