//! The chain's global parameters: chain id, block size limit, base fee and fee addresses.
//!
//! Follows Espresso's `ChainConfig` (v0.1 fields). In a genesis file it is the
//! `[chain_config]` table:
//!
//! ```toml
//! [chain_config]
//! chain_id = 999999999            # integer, or a decimal / 0x-hex string
//! base_fee = '1 gwei'             # wei: integer, decimal/hex string, or with a unit
//! max_block_size = '1mb'          # bytes: integer or with a unit (kb = 1000, kib = 1024)
//! fee_recipient = '0x0000000000000000000000000000000000000000'
//! fee_contract = '0xa15bb66138824a1c7167f5e85b957d04dd34e468'   # optional
//! ```
//!
//! See [`crate::units`] for the accepted unit forms. Addresses are `0x` and 40 hex digits;
//! one written in mixed case must carry a valid EIP-55 checksum, so that a mistyped
//! checksummed address is caught rather than used.
//!
//! Serde serialises to canonical forms: `chain_id` and `base_fee` as decimal strings (a
//! `U256` does not fit a JSON or TOML number), `max_block_size` as an integer (a decimal
//! string above `i64::MAX`, which TOML integers cannot hold), addresses checksummed.
//! Deserialising accepts every form the genesis file accepts and rejects unknown fields.

use std::fmt;
use std::str::FromStr;

use alloy_primitives::{Address, U256};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use toml::{Table, Value};

use crate::units::{UnitError, parse_byte_size, parse_uint, parse_wei};

/// Chain id of a development chain, as in Espresso's default (arbitrarily chosen there).
pub const DEV_CHAIN_ID: u64 = 35353;
/// Default maximum block size: 30 KiB, Espresso's current default (`30720`).
pub const DEFAULT_MAX_BLOCK_SIZE: u64 = 30 * 1024;

/// The fields of a `[chain_config]` table, for unknown-field errors.
const FIELDS: &[&str] =
    &["chain_id", "max_block_size", "base_fee", "fee_recipient", "fee_contract"];

/// Why a chain config, or one of its values, is invalid. `field` is the full path of the
/// field in the file (e.g. `chain_config.base_fee`), `value` the value as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainConfigError {
    /// A required field is absent.
    #[error("missing required field `{field}`")]
    Missing {
        /// Path of the missing field.
        field: String,
    },
    /// A field that a chain config does not have (often a typo).
    #[error("unknown field `{field}` (expected one of: {expected})")]
    UnknownField {
        /// Path of the unknown field.
        field: String,
        /// The fields that are accepted.
        expected: String,
    },
    /// A value of the wrong TOML/JSON type (e.g. a float or a boolean for a number).
    #[error("`{field}` = {value}: expected {expected}")]
    WrongType {
        /// Path of the field.
        field: String,
        /// The value as written.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// A number or quantity that does not parse.
    #[error("`{field}` = {value}: {source}")]
    Unit {
        /// Path of the field.
        field: String,
        /// The value as written.
        value: String,
        /// What is wrong with it.
        source: UnitError,
    },
    /// A value of the right type that is not acceptable (bad address, zero size, ...).
    #[error("`{field}` = {value}: {reason}")]
    Invalid {
        /// Path of the field.
        field: String,
        /// The value as written.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// An amount of wei (fees, balances).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FeeAmount(pub U256);

impl From<u64> for FeeAmount {
    fn from(wei: u64) -> Self {
        Self(U256::from(wei))
    }
}

impl From<U256> for FeeAmount {
    fn from(wei: U256) -> Self {
        Self(wei)
    }
}

impl fmt::Display for FeeAmount {
    /// Decimal wei, without a unit.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for FeeAmount {
    type Err = UnitError;

    /// Any form accepted by [`parse_wei`] (`"1 gwei"`, `"0x10"`, `"1000"`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_wei(s).map(Self)
    }
}

impl Serialize for FeeAmount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FeeAmount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        parse_fee(&value, "amount").map_err(serde::de::Error::custom)
    }
}

/// Global parameters of a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChainConfig {
    /// Chain id, distinguishing this chain from others (and from its test networks).
    pub chain_id: U256,
    /// Maximum size of a block's payload, in bytes.
    pub max_block_size: u64,
    /// Minimum fee per byte of payload, in wei.
    pub base_fee: FeeAmount,
    /// Account that receives the fees paid by block builders.
    pub fee_recipient: Address,
    /// L1 fee contract through which accounts deposit; `None` turns deposits off.
    pub fee_contract: Option<Address>,
}

impl Default for ChainConfig {
    /// A development chain, with Espresso's defaults: chain id 35353, 30 KiB blocks, no
    /// fees, fees to the zero address, no fee contract.
    fn default() -> Self {
        Self {
            chain_id: U256::from(DEV_CHAIN_ID),
            max_block_size: DEFAULT_MAX_BLOCK_SIZE,
            base_fee: FeeAmount::default(),
            fee_recipient: Address::ZERO,
            fee_contract: None,
        }
    }
}

impl ChainConfig {
    /// Reads a chain config from a TOML table found at `path` (e.g. `chain_config`, or
    /// `upgrade[0].fee.chain_config`; empty for a top-level table). Errors name the field
    /// by its full path.
    pub fn from_toml_table(table: &Table, path: &str) -> Result<Self, ChainConfigError> {
        if let Some(key) = table.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(ChainConfigError::UnknownField {
                field: join(path, key),
                expected: FIELDS.join(", "),
            });
        }
        let field = |key: &str| {
            let name = join(path, key);
            match table.get(key) {
                Some(value) => Ok((value, name)),
                None => Err(ChainConfigError::Missing { field: name }),
            }
        };
        let (value, name) = field("chain_id")?;
        let chain_id = parse_chain_id(value, &name)?;
        let (value, name) = field("max_block_size")?;
        let max_block_size = parse_block_size(value, &name)?;
        let (value, name) = field("base_fee")?;
        let base_fee = parse_fee(value, &name)?;
        let (value, name) = field("fee_recipient")?;
        let fee_recipient = parse_address(value, &name)?;
        let fee_contract = match table.get("fee_contract") {
            Some(value) => Some(parse_address(value, &join(path, "fee_contract"))?),
            None => None,
        };
        Ok(Self { chain_id, max_block_size, base_fee, fee_recipient, fee_contract })
    }
}

impl Serialize for ChainConfig {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = 4 + usize::from(self.fee_contract.is_some());
        let mut s = serializer.serialize_struct("ChainConfig", len)?;
        s.serialize_field("chain_id", &self.chain_id.to_string())?;
        if i64::try_from(self.max_block_size).is_ok() {
            s.serialize_field("max_block_size", &self.max_block_size)?;
        } else {
            s.serialize_field("max_block_size", &self.max_block_size.to_string())?;
        }
        s.serialize_field("base_fee", &self.base_fee)?;
        s.serialize_field("fee_recipient", &self.fee_recipient.to_checksum(None))?;
        if let Some(contract) = self.fee_contract {
            s.serialize_field("fee_contract", &contract.to_checksum(None))?;
        }
        s.end()
    }
}

impl<'de> Deserialize<'de> for ChainConfig {
    /// Accepts every form of the genesis file (through a TOML value, so JSON integers above
    /// `i64::MAX` must be written as strings).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let table = Table::deserialize(deserializer)?;
        Self::from_toml_table(&table, "").map_err(serde::de::Error::custom)
    }
}

/// `path.key`, or `key` alone at the top level.
pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

/// A non-negative TOML integer, or the error for a negative one.
fn non_negative(value: i64, field: &str) -> Result<u64, ChainConfigError> {
    u64::try_from(value).map_err(|_| ChainConfigError::Unit {
        field: field.to_owned(),
        value: value.to_string(),
        source: UnitError::Negative,
    })
}

/// Applies a string parser to a string value, naming the field and value on error.
fn parse_str<T>(
    value: &Value,
    field: &str,
    expected: &'static str,
    parse: impl Fn(&str) -> Result<T, UnitError>,
) -> Result<T, ChainConfigError> {
    let Value::String(s) = value else {
        return Err(wrong_type(value, field, expected));
    };
    parse(s).map_err(|source| ChainConfigError::Unit {
        field: field.to_owned(),
        value: value.to_string(),
        source,
    })
}

/// The error for a value of the wrong type.
fn wrong_type(value: &Value, field: &str, expected: &'static str) -> ChainConfigError {
    ChainConfigError::WrongType { field: field.to_owned(), value: value.to_string(), expected }
}

/// A chain id: an integer, or a decimal or hex string.
fn parse_chain_id(value: &Value, field: &str) -> Result<U256, ChainConfigError> {
    const EXPECTED: &str = "an integer or a decimal/hex string";
    match value {
        Value::Integer(i) => Ok(U256::from(non_negative(*i, field)?)),
        _ => parse_str(value, field, EXPECTED, parse_uint),
    }
}

/// A block size: a positive integer number of bytes, or a string with a unit.
fn parse_block_size(value: &Value, field: &str) -> Result<u64, ChainConfigError> {
    const EXPECTED: &str = "an integer number of bytes or a size string like '1 MB'";
    let bytes = match value {
        Value::Integer(i) => non_negative(*i, field)?,
        _ => parse_str(value, field, EXPECTED, parse_byte_size)?,
    };
    if bytes == 0 {
        return Err(ChainConfigError::Invalid {
            field: field.to_owned(),
            value: value.to_string(),
            reason: "a block must be allowed at least one byte".to_owned(),
        });
    }
    Ok(bytes)
}

/// An amount of wei: an integer, or a string (decimal, hex, or with a unit).
pub(crate) fn parse_fee(value: &Value, field: &str) -> Result<FeeAmount, ChainConfigError> {
    const EXPECTED: &str = "an integer number of wei or a string like '1 gwei'";
    match value {
        Value::Integer(i) => Ok(FeeAmount::from(non_negative(*i, field)?)),
        _ => parse_str(value, field, EXPECTED, parse_wei).map(FeeAmount),
    }
}

/// An EVM address: a string `0x` + 40 hex digits, checksummed if in mixed case.
pub(crate) fn parse_address(value: &Value, field: &str) -> Result<Address, ChainConfigError> {
    let Value::String(s) = value else {
        return Err(wrong_type(value, field, "an address string '0x…' (20 bytes)"));
    };
    parse_address_str(s).map_err(|reason| ChainConfigError::Invalid {
        field: field.to_owned(),
        value: value.to_string(),
        reason,
    })
}

/// Parses `0x` + 40 hex digits; a mixed-case address must have a valid EIP-55 checksum.
pub(crate) fn parse_address_str(s: &str) -> Result<Address, String> {
    let Some(hex) = s.strip_prefix("0x") else {
        return Err("an address must start with 0x".to_owned());
    };
    if hex.len() != 40 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err("an address must be 0x followed by 40 hex digits (20 bytes)".to_owned());
    }
    let mixed_case =
        hex.chars().any(|c| c.is_ascii_lowercase()) && hex.chars().any(|c| c.is_ascii_uppercase());
    if mixed_case {
        return Address::parse_checksummed(s, None)
            .map_err(|_| "mixed-case address with an invalid EIP-55 checksum".to_owned());
    }
    Address::from_str(s).map_err(|e| e.to_string())
}
