//! 32-byte Keccak commitments shown as tagged base64 (`TX~…`, `BLOCK~…`, `LEAF~…`), the
//! way the Espresso query service shows them.

use std::fmt;

/// A string that is not a commitment of the expected kind.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid {kind} commitment `{value}`: {reason}")]
pub struct CommitmentError {
    /// The tag expected (`TX`, `BLOCK`, `LEAF`).
    pub kind: &'static str,
    /// The string given.
    pub value: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Parses `s` as tagged base64 with `tag` and a 32-byte value.
pub(crate) fn parse_tagged(s: &str, tag: &'static str) -> Result<[u8; 32], CommitmentError> {
    let fail = |reason: String| CommitmentError { kind: tag, value: s.to_owned(), reason };
    let tb = tagged_base64::TaggedBase64::parse(s.trim()).map_err(|e| fail(e.to_string()))?;
    if tb.tag() != tag {
        return Err(fail(format!("tag `{}`, expected `{tag}`", tb.tag())));
    }
    tb.value().try_into().map_err(|v: Vec<u8>| fail(format!("{} bytes, expected 32", v.len())))
}

/// Writes `bytes` as tagged base64 with `tag`.
pub(crate) fn fmt_tagged(f: &mut fmt::Formatter<'_>, tag: &str, bytes: &[u8; 32]) -> fmt::Result {
    let tb = tagged_base64::TaggedBase64::new(tag, bytes).expect("commitment tags are valid");
    write!(f, "{tb}")
}

/// Declares a 32-byte commitment type with its tag: `Display`/`FromStr` as tagged base64,
/// serde as that string.
macro_rules! commitment_type {
    ($(#[$doc:meta])* $name:ident, $tag:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub [u8; 32]);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                $crate::commitment::fmt_tagged(f, $tag, &self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::commitment::CommitmentError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $crate::commitment::parse_tagged(s, $tag).map($name)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use commitment_type;
