//! Deterministic stake tables for benches, examples and tests. **Insecure**: every
//! signing key is derived from its index, so anyone can sign for these tables.

use crate::{
    SchnorrError, SchnorrSignature, SchnorrSigningKey,
    state::{LightClientState, StakeTableEntry},
};

/// A stake table of `len` entries of stake 1 whose Schnorr keys derive from their index
/// (and whose BLS key bytes are the index repeated: the circuit only commits to them).
#[derive(Clone, Debug)]
pub struct DevStakeTable {
    /// The signing keys, entry by entry.
    pub keys: Vec<SchnorrSigningKey>,
    /// The table.
    pub entries: Vec<StakeTableEntry>,
}

impl DevStakeTable {
    /// The table of `len` entries.
    pub fn new(len: usize) -> Result<Self, SchnorrError> {
        let keys = (0..len)
            .map(|i| {
                let mut seed = [0u8; 32];
                seed.chunks_mut(8).for_each(|c| c.copy_from_slice(&(i as u64 + 1).to_le_bytes()));
                SchnorrSigningKey::from_seed(&seed)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let entries = keys
            .iter()
            .enumerate()
            .map(|(i, k)| StakeTableEntry {
                bls_key: [i as u8; 48],
                schnorr_key: k.ver_key(),
                amount: 1,
            })
            .collect();
        Ok(Self { keys, entries })
    }

    /// More than two thirds of the stake: `⌈2·len/3⌉`.
    pub fn threshold(&self) -> u128 {
        (self.entries.len() as u128 * 2).div_ceil(3)
    }

    /// Every entry's signature on `state`, as [`crate::circuit::StateUpdate::signers`].
    pub fn sign_all(
        &self,
        state: &LightClientState,
    ) -> Result<Vec<(usize, SchnorrSignature)>, SchnorrError> {
        self.keys
            .iter()
            .enumerate()
            .map(|(i, k)| k.sign(&state.to_fields()).map(|s| (i, s)))
            .collect()
    }
}
