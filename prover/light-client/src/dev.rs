//! Deterministic stake tables and signed state updates for tests, benches, the contracts'
//! diff-test CLI and dev networks. **Insecure**: the keys come from public seeds, so
//! anyone can sign for these tables — never use them for real stake.

use ark_bn254::Fr;
use doppio_accel::Accel;
use doppio_plonk::{Proof, ProvingKey};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::{
    SchnorrSigningKey,
    circuit::{LightClientError, StateUpdate, prove_state_update},
    state::{LightClientState, StakeTableEntry, StakeTableState, stake_table_state},
    table::StakeTable,
};

/// A stake table of `len` entries whose Schnorr keys derive from `seed`, padded to
/// `capacity`, with a threshold of two thirds of the stake (rounded up).
#[derive(Clone, Debug)]
pub struct DevStakeTable {
    keys: Vec<SchnorrSigningKey>,
    entries: Vec<StakeTableEntry>,
    capacity: usize,
    threshold: u128,
}

impl DevStakeTable {
    /// Entries `i < len` hold key `from_seed(seed ‖ i)`, BLS key bytes `i + 1`, stake `10 + i`.
    pub fn new(len: usize, capacity: usize, seed: u64) -> Result<Self, LightClientError> {
        if len > capacity {
            return Err(LightClientError::CapacityExceeded { len, capacity });
        }
        let keys: Vec<SchnorrSigningKey> = (0..len)
            .map(|i| {
                let mut bytes = [0u8; 32];
                bytes[..8].copy_from_slice(&seed.to_be_bytes());
                bytes[8..16].copy_from_slice(&(i as u64).to_be_bytes());
                SchnorrSigningKey::from_seed(&bytes).expect("a seed gives a nonzero key")
            })
            .collect();
        let entries: Vec<StakeTableEntry> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| StakeTableEntry {
                bls_key: [i as u8 + 1; 48],
                schnorr_key: k.ver_key(),
                amount: 10 + i as u128,
            })
            .collect();
        let total: u128 = entries.iter().map(|e| e.amount).sum();
        Ok(DevStakeTable { keys, entries, capacity, threshold: (2 * total).div_ceil(3) })
    }

    /// The entries.
    pub fn entries(&self) -> &[StakeTableEntry] {
        &self.entries
    }

    /// The state signing keys, in table order (insecure: derived from a public seed).
    pub fn signing_keys(&self) -> &[SchnorrSigningKey] {
        &self.keys
    }

    /// The stake the signers must reach.
    pub fn threshold(&self) -> u128 {
        self.threshold
    }

    /// The table as a checked [`StakeTable`] (what the relay, the prover and `deploy` read).
    pub fn table(&self) -> StakeTable {
        StakeTable::new(self.entries.clone(), self.capacity, self.threshold)
            .expect("a dev table is valid")
    }

    /// The stake-table state every update is verified against.
    pub fn state(&self) -> StakeTableState {
        stake_table_state(&self.entries, self.capacity, self.threshold)
    }

    /// Proves `state` with every entry signing it.
    pub fn prove(
        &self,
        accel: &Accel,
        pk: &ProvingKey,
        state: &LightClientState,
        rng_seed: u64,
    ) -> Result<Proof, LightClientError> {
        let signers: Vec<_> = self
            .keys
            .iter()
            .enumerate()
            .map(|(i, k)| (i, k.sign(&state.to_fields()).expect("a 3-element message")))
            .collect();
        let update = StateUpdate {
            stake_table: &self.entries,
            threshold: self.threshold,
            state,
            signers: &signers,
        };
        let mut rng = ChaCha20Rng::seed_from_u64(rng_seed);
        prove_state_update(accel, pk, self.capacity, &update, &mut rng)
    }
}

/// The `i`-th state of a dev chain from `seed`: view `10·i`, height `5·i`, and a root
/// that depends on both.
pub fn dev_state(seed: u64, i: u64) -> LightClientState {
    LightClientState {
        view_number: Fr::from(10 * i),
        block_height: Fr::from(5 * i),
        block_comm_root: Fr::from(seed) * Fr::from(1_000_003u64) + Fr::from(i),
    }
}
