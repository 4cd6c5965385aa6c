#![doc = include_str!("../README.md")]

pub mod circuit;
pub mod dev;
pub mod gadgets;
pub mod poseidon;
pub mod schnorr;
pub mod state;
pub mod table;
pub mod tagged;

pub use ark_bn254::Fr as Field;
pub use schnorr::{
    SchnorrError, SchnorrSignature, SchnorrSigningKey, SchnorrVerKey, TAG_SCHNORR_SIG,
    TAG_SCHNORR_SIGNING_KEY, TAG_SCHNORR_VER_KEY,
};
