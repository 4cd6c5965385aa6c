//! A stake table as a JSON file: what the relay server checks signatures against, what
//! the prover proves with and what `deploy` commits to on L1.
//!
//! ```json
//! { "capacity": 10, "threshold": "44",
//!   "entries": [ { "bls_key": "0x<96 hex digits>", "state_ver_key": "SCHNORR_VER_KEY~…", "stake": "10" } ] }
//! ```
//!
//! Stakes and the threshold are decimal strings (`u128` does not fit a JSON number).

use serde::{Deserialize, Serialize};

use crate::{
    SchnorrVerKey,
    state::{StakeTableEntry, StakeTableState, stake_table_state},
};

/// Why a stake-table file is refused.
#[derive(Debug, thiserror::Error)]
pub enum StakeTableFileError {
    /// Not JSON of the expected shape (serde names the field).
    #[error("stake table JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A field's value is malformed.
    #[error("stake table: {field} = {value:?}: {reason}")]
    Invalid {
        /// The field (with the entry's index).
        field: String,
        /// Its value.
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// More entries than the capacity.
    #[error("stake table: {len} entries do not fit capacity {capacity}")]
    TooManyEntries {
        /// Entries given.
        len: usize,
        /// The capacity.
        capacity: usize,
    },
    /// The threshold is zero or more than the total stake.
    #[error(
        "stake table: threshold {threshold} must be positive and at most the total stake {total}"
    )]
    BadThreshold {
        /// The threshold.
        threshold: u128,
        /// The sum of the stakes.
        total: u128,
    },
    /// The same state key twice.
    #[error("stake table: entry {index} repeats the state key {key}")]
    DuplicateKey {
        /// The second entry's index.
        index: usize,
        /// The key.
        key: SchnorrVerKey,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    bls_key: String,
    state_ver_key: SchnorrVerKey,
    stake: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    capacity: usize,
    threshold: String,
    entries: Vec<RawEntry>,
}

/// A checked stake table: entries, the circuit capacity it is padded to, the threshold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StakeTable {
    entries: Vec<StakeTableEntry>,
    capacity: usize,
    threshold: u128,
}

impl StakeTable {
    /// Checks the table: at most `capacity` entries, distinct state keys, stakes and the
    /// threshold below `2^128` (they are `u128`), `0 < threshold ≤ Σ stake`.
    pub fn new(
        entries: Vec<StakeTableEntry>,
        capacity: usize,
        threshold: u128,
    ) -> Result<Self, StakeTableFileError> {
        if entries.len() > capacity {
            return Err(StakeTableFileError::TooManyEntries { len: entries.len(), capacity });
        }
        for (i, e) in entries.iter().enumerate() {
            if entries[..i].iter().any(|o| o.schnorr_key == e.schnorr_key) {
                return Err(StakeTableFileError::DuplicateKey { index: i, key: e.schnorr_key });
            }
        }
        let total = entries.iter().fold(0u128, |acc, e| acc.saturating_add(e.amount));
        if threshold == 0 || threshold > total {
            return Err(StakeTableFileError::BadThreshold { threshold, total });
        }
        Ok(StakeTable { entries, capacity, threshold })
    }

    /// The entries, in table order.
    pub fn entries(&self) -> &[StakeTableEntry] {
        &self.entries
    }

    /// The circuit capacity the table is padded to.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The stake a bundle of signatures must reach.
    pub fn threshold(&self) -> u128 {
        self.threshold
    }

    /// The commitments the contract and the circuit check updates against.
    pub fn state(&self) -> StakeTableState {
        stake_table_state(&self.entries, self.capacity, self.threshold)
    }

    /// The index and entry of a state key.
    pub fn find(&self, key: &SchnorrVerKey) -> Option<(usize, &StakeTableEntry)> {
        self.entries.iter().enumerate().find(|(_, e)| &e.schnorr_key == key)
    }

    /// The table as the JSON file format.
    pub fn to_json(&self) -> String {
        let raw = RawTable {
            capacity: self.capacity,
            threshold: self.threshold.to_string(),
            entries: self
                .entries
                .iter()
                .map(|e| RawEntry {
                    bls_key: format!("0x{}", hex::encode(e.bls_key)),
                    state_ver_key: e.schnorr_key,
                    stake: e.amount.to_string(),
                })
                .collect(),
        };
        serde_json::to_string_pretty(&raw).expect("plain data serialises")
    }

    /// Parses and checks the JSON file format.
    pub fn from_json(text: &str) -> Result<Self, StakeTableFileError> {
        let raw: RawTable = serde_json::from_str(text)?;
        let entries = raw
            .entries
            .into_iter()
            .enumerate()
            .map(|(i, e)| {
                Ok(StakeTableEntry {
                    bls_key: parse_bls(&e.bls_key, i)?,
                    schnorr_key: e.state_ver_key,
                    amount: parse_amount(&e.stake, &format!("entries[{i}].stake"))?,
                })
            })
            .collect::<Result<Vec<_>, StakeTableFileError>>()?;
        let threshold = parse_amount(&raw.threshold, "threshold")?;
        StakeTable::new(entries, raw.capacity, threshold)
    }
}

fn parse_bls(text: &str, index: usize) -> Result<[u8; 48], StakeTableFileError> {
    let invalid = |reason| StakeTableFileError::Invalid {
        field: format!("entries[{index}].bls_key"),
        value: text.to_string(),
        reason,
    };
    let digits = text.strip_prefix("0x").ok_or_else(|| invalid("must start with 0x"))?;
    let bytes = hex::decode(digits).map_err(|_| invalid("not hexadecimal"))?;
    bytes.try_into().map_err(|_| invalid("must be 48 bytes (a compressed BLS12-381 key)"))
}

fn parse_amount(text: &str, field: &str) -> Result<u128, StakeTableFileError> {
    // Amounts are u128: below 2^AMOUNT_BITS by construction.
    text.parse::<u128>().map_err(|_| StakeTableFileError::Invalid {
        field: field.to_string(),
        value: text.to_string(),
        reason: "not a decimal integer below 2^128",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dev::DevStakeTable;

    #[test]
    fn json_round_trip_and_typed_refusals() {
        let table = DevStakeTable::new(3, 10, 7).unwrap().table();
        let json = table.to_json();
        assert_eq!(StakeTable::from_json(&json).unwrap(), table);

        let bad_stake = json.replacen("\"stake\": \"10\"", "\"stake\": \"-1\"", 1);
        let err = StakeTable::from_json(&bad_stake).unwrap_err();
        assert!(err.to_string().contains("entries[0].stake"), "{err}");
        let bad_bls = json.replacen("\"bls_key\": \"0x", "\"bls_key\": \"", 1);
        let err = StakeTable::from_json(&bad_bls).unwrap_err();
        assert!(err.to_string().contains("entries[0].bls_key"), "{err}");
        let high = json.replacen(&format!("\"{}\"", table.threshold()), "\"1000\"", 1);
        assert!(matches!(
            StakeTable::from_json(&high),
            Err(StakeTableFileError::BadThreshold { threshold: 1000, total: 33 })
        ));
        let small = json.replacen("\"capacity\": 10", "\"capacity\": 2", 1);
        assert!(matches!(
            StakeTable::from_json(&small),
            Err(StakeTableFileError::TooManyEntries { len: 3, capacity: 2 })
        ));
        let mut entries = table.entries().to_vec();
        entries.push(entries[0]);
        assert!(matches!(
            StakeTable::new(entries, 10, 5),
            Err(StakeTableFileError::DuplicateKey { index: 3, .. })
        ));
    }
}
