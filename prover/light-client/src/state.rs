//! The light-client state, the stake table and its commitments, computed natively the
//! way the circuit computes them.

use ark_bn254::Fr;
use ark_ff::{PrimeField, Zero};

use crate::{poseidon, schnorr::SchnorrVerKey};

/// Default number of stake-table entries the circuit has room for.
pub const DEFAULT_CAPACITY: usize = 200;

/// Bits of a stake amount or threshold: amounts are `u128`.
pub const AMOUNT_BITS: usize = 128;

/// What the light client follows: the latest finalized view, its block height and the
/// root of the block-commitment Merkle tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LightClientState {
    /// The view number.
    pub view_number: Fr,
    /// The block height.
    pub block_height: Fr,
    /// The root of the block Merkle tree.
    pub block_comm_root: Fr,
}

impl LightClientState {
    /// The signed message and the circuit's first three public inputs.
    pub fn to_fields(&self) -> [Fr; 3] {
        [self.view_number, self.block_height, self.block_comm_root]
    }

    /// The state of a decided block: its view and height, and the block Merkle root its
    /// header carries (32 bytes, read big endian and reduced modulo the BN254 scalar
    /// field order, as [`block_comm_root`] does).
    pub fn of_block(view_number: u64, block_height: u64, block_merkle_root: &[u8; 32]) -> Self {
        LightClientState {
            view_number: view_number.into(),
            block_height: block_height.into(),
            block_comm_root: block_comm_root(block_merkle_root),
        }
    }
}

/// A 32-byte block Merkle root (Keccak-256) as the field element the light client
/// signs: read big endian, reduced modulo the BN254 scalar field order `r`. The root is
/// a hash, so finding two roots equal modulo `r` is as hard as a 254-bit collision.
pub fn block_comm_root(root: &[u8; 32]) -> Fr {
    Fr::from_be_bytes_mod_order(root)
}

/// What a state update is checked against: commitments to the stake table's keys and
/// amounts, and the stake needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StakeTableState {
    /// Commitment to the BLS keys.
    pub bls_key_comm: Fr,
    /// Commitment to the Schnorr keys.
    pub schnorr_key_comm: Fr,
    /// Commitment to the amounts.
    pub amount_comm: Fr,
    /// Stake the signers must reach (below `2^128`).
    pub threshold: Fr,
}

impl StakeTableState {
    /// The circuit's last four public inputs.
    pub fn to_fields(&self) -> [Fr; 4] {
        [self.bls_key_comm, self.schnorr_key_comm, self.amount_comm, self.threshold]
    }
}

/// One stake-table entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StakeTableEntry {
    /// The BLS12-381 staking key, compressed (48 bytes).
    pub bls_key: [u8; 48],
    /// The Schnorr state key.
    pub schnorr_key: SchnorrVerKey,
    /// The stake.
    pub amount: u128,
}

/// The field elements one entry contributes to each commitment, padding included:
/// BLS key (two 24-byte big-endian halves), Schnorr key `(x, y)` (the identity for
/// padding), amount.
pub(crate) struct EntryFields {
    pub(crate) bls: [Fr; 2],
    pub(crate) schnorr: [Fr; 2],
    pub(crate) amount: Fr,
}

impl EntryFields {
    pub(crate) fn of(entry: Option<&StakeTableEntry>) -> Self {
        match entry {
            Some(e) => {
                let p = e.schnorr_key.point();
                // 24 bytes are below the modulus: no reduction, so this is injective.
                let half = |b: &[u8]| Fr::from_be_bytes_mod_order(b);
                EntryFields {
                    bls: [half(&e.bls_key[..24]), half(&e.bls_key[24..])],
                    schnorr: [p.x, p.y],
                    amount: Fr::from(e.amount),
                }
            }
            None => EntryFields {
                bls: [Fr::zero(); 2],
                schnorr: [Fr::zero(), Fr::from(1u64)],
                amount: Fr::zero(),
            },
        }
    }
}

/// Elements absorbed per permutation by [`sponge_commit`]: the width-4 permutation's
/// rate.
pub const SPONGE_RATE: usize = 3;

/// The commitment of a list: a sponge over circomlib's width-4 Poseidon permutation. The
/// state starts as `[len, 0, 0, 0]` (the capacity element holds the element count, so
/// lists of different lengths are kept apart and zero padding is unambiguous); each chunk
/// of [`SPONGE_RATE`] elements (the last one padded with zeros) is added to elements
/// `1 … 3` and the state permuted; the commitment is element 0 after the last
/// permutation (circomlib's output). The empty list absorbs one all-zero chunk: it
/// commits to the permutation of `[0, 0, 0, 0]`. A list of at most three elements
/// commits to circomlibjs `poseidon(chunk, len)`.
pub fn sponge_commit(elements: &[Fr]) -> Fr {
    let mut state = [Fr::from(elements.len() as u64), Fr::zero(), Fr::zero(), Fr::zero()];
    let chunks: Vec<&[Fr]> =
        if elements.is_empty() { vec![&[]] } else { elements.chunks(SPONGE_RATE).collect() };
    for chunk in chunks {
        state[1..].iter_mut().zip(chunk).for_each(|(s, e)| *s += e);
        poseidon::permute(&mut state);
    }
    state[0]
}

/// The stake-table state of `entries` padded to `capacity` (padding: zero BLS key, the
/// identity as Schnorr key, zero amount), with `threshold`.
pub fn stake_table_state(
    entries: &[StakeTableEntry],
    capacity: usize,
    threshold: u128,
) -> StakeTableState {
    let fields: Vec<EntryFields> = (0..capacity).map(|i| EntryFields::of(entries.get(i))).collect();
    let flat = |f: fn(&EntryFields) -> Vec<Fr>| -> Vec<Fr> { fields.iter().flat_map(f).collect() };
    StakeTableState {
        bls_key_comm: sponge_commit(&flat(|e| e.bls.to_vec())),
        schnorr_key_comm: sponge_commit(&flat(|e| e.schnorr.to_vec())),
        amount_comm: sponge_commit(&flat(|e| vec![e.amount])),
        threshold: Fr::from(threshold),
    }
}
