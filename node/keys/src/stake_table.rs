//! The stake table: staking keys with a checked proof of possession, their stake, and
//! their state keys, in a fixed order that certificate bit vectors follow.

use std::collections::HashMap;

use blst::blst_p1_affine;
use doppio_accel::{Accel, AccelError, BlsTriple};
use doppio_light_client::SchnorrVerKey;
use serde::{Deserialize, Serialize};

use crate::bls::{BlsPublicKey, BlsSecretKey, ProofOfPossession};

/// Largest total stake: `2^96` keeps `stake × denominator` of any threshold (a `u32`) in
/// a `u128`. Stakes are in the smallest unit (e.g. wei), so this is ~7.9·10^10 ETH.
pub const MAX_TOTAL_STAKE: u128 = 1 << 96;

/// Why a stake table was rejected.
#[derive(Debug, thiserror::Error)]
pub enum StakeTableError {
    /// No entries.
    #[error("the stake table is empty")]
    Empty,
    /// An entry whose proof of possession does not verify.
    #[error("entry {index}: invalid proof of possession for {key}")]
    InvalidProofOfPossession {
        /// Entry index.
        index: usize,
        /// Its staking key.
        key: BlsPublicKey,
    },
    /// An entry with zero stake.
    #[error("entry {index}: stake is zero")]
    ZeroStake {
        /// Entry index.
        index: usize,
    },
    /// A staking key listed twice.
    #[error("entry {index}: staking key {key} already at entry {first}")]
    DuplicateKey {
        /// Entry index.
        index: usize,
        /// Index of its first occurrence.
        first: usize,
        /// The key.
        key: BlsPublicKey,
    },
    /// The acceleration layer failed.
    #[error("acceleration layer: {0}")]
    Accel(#[from] AccelError),
    /// The stakes add up to more than [`MAX_TOTAL_STAKE`].
    #[error("total stake exceeds the maximum of {max}")]
    TotalStakeTooLarge {
        /// [`MAX_TOTAL_STAKE`].
        max: u128,
    },
}

/// One staker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StakeTableEntry {
    /// BLS verification key, signs votes.
    pub staking_key: BlsPublicKey,
    /// Proof of possession of `staking_key`, checked when the table is built.
    pub proof_of_possession: ProofOfPossession,
    /// Stake, in the smallest unit.
    pub stake: u128,
    /// Schnorr key that signs light-client states.
    pub state_key: SchnorrVerKey,
}

impl StakeTableEntry {
    /// The entry for a staker holding `staking` (the proof of possession is made here).
    pub fn new(staking: &BlsSecretKey, stake: u128, state_key: SchnorrVerKey) -> Self {
        StakeTableEntry {
            staking_key: staking.public_key(),
            proof_of_possession: staking.proof_of_possession(),
            stake,
            state_key,
        }
    }
}

/// A validated stake table.
#[derive(Clone, Debug)]
pub struct StakeTable {
    entries: Vec<StakeTableEntry>,
    points: Vec<blst_p1_affine>,
    index: HashMap<BlsPublicKey, usize>,
    total: u128,
}

impl StakeTable {
    /// Checks every entry: non-zero stake, distinct keys, total, and the proofs of
    /// possession, batch-verified on `accel` (one by one only when the batch fails, to
    /// name the first bad entry).
    pub fn new(entries: Vec<StakeTableEntry>, accel: &Accel) -> Result<Self, StakeTableError> {
        if entries.is_empty() {
            return Err(StakeTableError::Empty);
        }
        let mut index = HashMap::with_capacity(entries.len());
        let mut total: u128 = 0;
        for (i, e) in entries.iter().enumerate() {
            if let Some(&first) = index.get(&e.staking_key) {
                return Err(StakeTableError::DuplicateKey { index: i, first, key: e.staking_key });
            }
            if e.stake == 0 {
                return Err(StakeTableError::ZeroStake { index: i });
            }
            total = total
                .checked_add(e.stake)
                .filter(|t| *t <= MAX_TOTAL_STAKE)
                .ok_or(StakeTableError::TotalStakeTooLarge { max: MAX_TOTAL_STAKE })?;
            index.insert(e.staking_key, i);
        }
        check_proofs(&entries, accel)?;
        let points = entries.iter().map(|e| e.staking_key.point()).collect();
        Ok(StakeTable { entries, points, index, total })
    }

    /// Entries, in table order.
    pub fn entries(&self) -> &[StakeTableEntry] {
        &self.entries
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Always false: a table has at least one entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sum of all stakes.
    pub fn total_stake(&self) -> u128 {
        self.total
    }

    /// Position of a staking key.
    pub fn index_of(&self, key: &BlsPublicKey) -> Option<usize> {
        self.index.get(key).copied()
    }

    /// Staking keys as raw points, in table order.
    pub(crate) fn points(&self) -> &[blst_p1_affine] {
        &self.points
    }
}

fn check_proofs(entries: &[StakeTableEntry], accel: &Accel) -> Result<(), StakeTableError> {
    let messages: Vec<[u8; 48]> = entries.iter().map(|e| e.staking_key.to_bytes()).collect();
    let triples: Vec<BlsTriple<'_>> = entries
        .iter()
        .zip(&messages)
        .map(|(e, m)| BlsTriple {
            public_key: e.staking_key.point(),
            message: m,
            signature: e.proof_of_possession.point(),
        })
        .collect();
    if accel.bls_batch_verify(&triples, crate::bls::DST_POP)? {
        return Ok(());
    }
    for (index, e) in entries.iter().enumerate() {
        if e.staking_key.verify_proof_of_possession(&e.proof_of_possession).is_err() {
            return Err(StakeTableError::InvalidProofOfPossession { index, key: e.staking_key });
        }
    }
    // The batch failed but every proof passed alone: only a 2^-64 weight collision
    // does that; the individual checks are authoritative.
    Ok(())
}
