//! Field elements, keys and proofs as the contracts' `uint256` words.

use alloy::primitives::U256;
use ark_bn254::Fr;
use doppio_light_client::state::{LightClientState, StakeTableState};
use doppio_plonk::{PlonkError, Proof, VerifyingKey, transcript::field_bytes};

/// Why a value cannot be given to (or read from) the contracts.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EncodeError {
    /// A light-client view or height that does not fit the contract's `uint64`.
    #[error("{what} {value} does not fit in 64 bits")]
    TooLarge {
        /// The field.
        what: &'static str,
        /// Its value.
        value: Fr,
    },
    /// A word that is not a canonical field element (`≥ r`).
    #[error("{what}: {value:#x} is not below the BN254 scalar field order")]
    NotCanonical {
        /// The field.
        what: &'static str,
        /// Its value.
        value: U256,
    },
    /// The key or proof words encode nothing valid.
    #[error(transparent)]
    Plonk(#[from] PlonkError),
}

/// `x` as a `uint256`.
pub fn word(x: &Fr) -> U256 {
    U256::from_be_bytes(field_bytes(x))
}

/// A `uint256` as a field element, refusing values `≥ r`.
pub fn field(value: U256, what: &'static str) -> Result<Fr, EncodeError> {
    let bytes: [u8; 32] = value.to_be_bytes();
    let x = <Fr as ark_ff::PrimeField>::from_be_bytes_mod_order(&bytes);
    if field_bytes(&x) != bytes {
        return Err(EncodeError::NotCanonical { what, value });
    }
    Ok(x)
}

/// `x` as a `uint64` (views and heights).
pub fn small(x: &Fr, what: &'static str) -> Result<u64, EncodeError> {
    let w = word(x);
    u64::try_from(w).map_err(|_| EncodeError::TooLarge { what, value: *x })
}

fn words(raw: Vec<[u8; 32]>) -> Vec<U256> {
    raw.into_iter().map(U256::from_be_bytes).collect()
}

fn raw(words: &[U256]) -> Vec<[u8; 32]> {
    words.iter().map(|w| w.to_be_bytes()).collect()
}

/// The key in the verifier's `uint256[42]` layout.
pub fn vk_words(vk: &VerifyingKey) -> Result<Vec<U256>, EncodeError> {
    Ok(words(vk.solidity_words()?))
}

/// The key back from its words (every point and derived constant checked).
pub fn vk_from_words(words: &[U256]) -> Result<VerifyingKey, EncodeError> {
    Ok(VerifyingKey::from_solidity_words(&raw(words))?)
}

/// The proof in the verifier's calldata layout (`PlonkVerifier.Proof`, 30 words).
pub fn proof_words(proof: &Proof) -> Vec<U256> {
    words(proof.solidity_words())
}

/// The proof back from its words (points on the curve, evaluations canonical).
pub fn proof_from_words(words: &[U256]) -> Result<Proof, EncodeError> {
    Ok(Proof::from_solidity_words(&raw(words))?)
}

/// `(view, height, root)` as the contract's `LightClientState` fields.
pub fn state_words(state: &LightClientState) -> Result<(u64, u64, U256), EncodeError> {
    Ok((
        small(&state.view_number, "view number")?,
        small(&state.block_height, "block height")?,
        word(&state.block_comm_root),
    ))
}

/// `(blsKeyComm, schnorrKeyComm, amountComm, threshold)`.
pub fn stake_table_words(table: &StakeTableState) -> [U256; 4] {
    table.to_fields().map(|x| word(&x))
}
