//! Tagged base64 strings (Espresso's format, through the `tagged-base64` crate) with the
//! tag checked, and a macro giving a type `Display`, `FromStr` and serde as that string
//! (used by the Schnorr keys here and the BLS keys of `doppio-keys`).

use tagged_base64::{TaggedBase64, Tb64Error};

/// Encodes `bytes` under `tag`.
pub fn encode(tag: &'static str, bytes: &[u8]) -> String {
    TaggedBase64::new(tag, bytes).expect("our tags are valid tagged base64 tags").to_string()
}

/// What a tagged string failed on, before the payload is looked at.
#[derive(Debug)]
pub enum TagError {
    /// Not tagged base64 or a bad checksum.
    Encoding(Tb64Error),
    /// Another tag.
    WrongTag(String),
}

/// Decodes a string under `tag`, returning the payload.
pub fn decode(s: &str, tag: &'static str) -> Result<Vec<u8>, TagError> {
    let tb = TaggedBase64::parse(s.trim()).map_err(TagError::Encoding)?;
    if tb.tag() != tag {
        return Err(TagError::WrongTag(tb.tag()));
    }
    Ok(tb.value())
}

/// `Display`/`FromStr` as the tagged string of `to_bytes`/`from_bytes`, serde as that
/// string. `$err` must have `from_tag(tag, TagError) -> $err` and `From` for the
/// type's `from_bytes` error. Shared by the Schnorr keys here and the BLS keys of
/// `doppio-keys`.
#[macro_export]
macro_rules! tagged_string {
    ($ty:ty, $tag:expr, $err:ty) => {
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&$crate::tagged::encode($tag, self.to_bytes().as_ref()))
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $err;
            fn from_str(s: &str) -> Result<Self, $err> {
                let bytes =
                    $crate::tagged::decode(s, $tag).map_err(|e| <$err>::from_tag($tag, e))?;
                Self::from_bytes(&bytes)
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
                ser.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(de)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
