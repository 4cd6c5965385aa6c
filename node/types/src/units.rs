//! Parsing of quantities written with units, as they appear in genesis files.
//!
//! * [`parse_uint`]: a plain unsigned integer, decimal (`"35353"`) or hex (`"0x8a19"`).
//! * [`parse_wei`]: an amount of wei: a plain integer (decimal or hex) or a number with a
//!   unit `wei`, `gwei`, `eth` or `ether` (case-insensitive), e.g. `"2 gwei"`,
//!   `"0.5 ether"`. Decimals are allowed only where they give a whole number of wei.
//! * [`parse_byte_size`]: a size in bytes: a plain integer or a number with a unit. Decimal
//!   units `kb`/`mb`/`gb`/`tb` (and the short `k`/`m`/`g`/`t`) are powers of 1000, binary
//!   units `kib`/`mib`/`gib`/`tib` powers of 1024, and `b`/`byte`/`bytes` is one byte;
//!   case-insensitive, with or without a space (`"1mb"`, `"30 KB"`, `"1.5 KiB"`). The
//!   result must be a whole number of bytes that fits in a `u64`.
//!
//! These functions never panic: every malformed input is a [`UnitError`], which says what
//! is wrong but not which field it came from; callers add the field and the value.

use alloy_primitives::U256;

/// Why a quantity could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    /// The input was empty or only whitespace.
    #[error("empty value")]
    Empty,
    /// The input was negative.
    #[error("negative values are not allowed")]
    Negative,
    /// The numeric part was not a (decimal or hex) number.
    #[error(
        "`{0}` is not a number (expected digits, optionally with one decimal point, or 0x-prefixed hex)"
    )]
    NotANumber(String),
    /// The unit after the number is not one this quantity accepts.
    #[error("unknown unit `{unit}` (expected one of: {expected})")]
    UnknownUnit {
        /// The unit as written.
        unit: String,
        /// The units that are accepted.
        expected: &'static str,
    },
    /// A decimal that does not give a whole number of the base unit (`0.5 wei`).
    #[error("not a whole number of {base}")]
    Fractional {
        /// The base unit (`wei`, `bytes`).
        base: &'static str,
    },
    /// The value is too large for its type.
    #[error("value does not fit in {max}")]
    Overflow {
        /// The type or bound exceeded.
        max: &'static str,
    },
}

/// Units accepted by [`parse_wei`], for error messages.
const WEI_UNITS: &str = "wei, gwei, eth, ether (or none, meaning wei)";
/// Units accepted by [`parse_byte_size`], for error messages.
const BYTE_UNITS: &str = "b, bytes, kb, mb, gb, tb, kib, mib, gib, tib (or none, meaning bytes)";

/// Parses an unsigned integer with no unit: decimal digits or `0x`-prefixed hex.
pub fn parse_uint(s: &str) -> Result<U256, UnitError> {
    let (number, unit) = split(s)?;
    if let Some(hex) = hex_digits(number) {
        return if unit.is_empty() {
            parse_hex(hex)
        } else {
            Err(UnitError::NotANumber(s.trim().to_owned()))
        };
    }
    if !unit.is_empty() || number.contains('.') {
        return Err(UnitError::NotANumber(s.trim().to_owned()));
    }
    scale(number, U256::from(1u8), "units")
}

/// Parses an amount of wei (see the [module docs](self) for the accepted forms).
pub fn parse_wei(s: &str) -> Result<U256, UnitError> {
    let (number, unit) = split(s)?;
    if let Some(hex) = hex_digits(number) {
        return match unit.to_ascii_lowercase().as_str() {
            "" | "wei" => parse_hex(hex),
            _ => Err(UnitError::NotANumber(s.trim().to_owned())),
        };
    }
    let exponent: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "wei" => 0,
        "gwei" => 9,
        "eth" | "ether" => 18,
        _ => {
            return Err(UnitError::UnknownUnit { unit: unit.to_owned(), expected: WEI_UNITS });
        }
    };
    let multiplier = U256::from(10u8).pow(U256::from(exponent));
    scale(number, multiplier, "wei")
}

/// Parses a size in bytes (see the [module docs](self) for the accepted forms).
pub fn parse_byte_size(s: &str) -> Result<u64, UnitError> {
    let (number, unit) = split(s)?;
    let bytes = if let Some(hex) = hex_digits(number) {
        match unit.to_ascii_lowercase().as_str() {
            "" | "b" | "byte" | "bytes" => parse_hex(hex)?,
            _ => return Err(UnitError::NotANumber(s.trim().to_owned())),
        }
    } else {
        scale(number, byte_multiplier(unit)?, "bytes")?
    };
    u64::try_from(bytes).map_err(|_| UnitError::Overflow { max: "u64 bytes" })
}

/// The number of bytes in one `unit`.
fn byte_multiplier(unit: &str) -> Result<U256, UnitError> {
    let (base, power): (u64, u64) = match unit.to_ascii_lowercase().as_str() {
        "" | "b" | "byte" | "bytes" => (1, 0),
        "k" | "kb" => (1000, 1),
        "m" | "mb" => (1000, 2),
        "g" | "gb" => (1000, 3),
        "t" | "tb" => (1000, 4),
        "kib" => (1024, 1),
        "mib" => (1024, 2),
        "gib" => (1024, 3),
        "tib" => (1024, 4),
        _ => {
            return Err(UnitError::UnknownUnit { unit: unit.to_owned(), expected: BYTE_UNITS });
        }
    };
    Ok(U256::from(base).pow(U256::from(power)))
}

/// Splits trimmed input into its numeric part and its (trimmed) unit.
fn split(s: &str) -> Result<(&str, &str), UnitError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(UnitError::Empty);
    }
    if s.starts_with('-') {
        return Err(UnitError::Negative);
    }
    // Hex numbers run to the first non-alphanumeric character, so that `0xff` is not read
    // as the number `0` with unit `xff`.
    let is_hex = s.len() > 1 && (s.starts_with("0x") || s.starts_with("0X"));
    let end = s
        .find(
            |c: char| {
                if is_hex { !c.is_ascii_alphanumeric() } else { !(c.is_ascii_digit() || c == '.') }
            },
        )
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(end);
    if number.is_empty() {
        return Err(UnitError::NotANumber(s.to_owned()));
    }
    Ok((number, unit.trim()))
}

/// The digits of a `0x`-prefixed number, or `None` if `number` is not hex-prefixed.
fn hex_digits(number: &str) -> Option<&str> {
    number.strip_prefix("0x").or_else(|| number.strip_prefix("0X"))
}

/// Parses hex digits (without the prefix) into a `U256`.
fn parse_hex(digits: &str) -> Result<U256, UnitError> {
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(UnitError::NotANumber(format!("0x{digits}")));
    }
    U256::from_str_radix(digits, 16).map_err(|_| UnitError::Overflow { max: "256 bits" })
}

/// Computes `number × multiplier` exactly, where `number` is decimal digits with at most
/// one decimal point; the result must be a whole number of `base`.
fn scale(number: &str, multiplier: U256, base: &'static str) -> Result<U256, UnitError> {
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    let well_formed = !int.is_empty()
        && int.chars().all(|c| c.is_ascii_digit())
        && frac.chars().all(|c| c.is_ascii_digit())
        && (frac.is_empty() != number.contains('.'));
    if !well_formed {
        return Err(UnitError::NotANumber(number.to_owned()));
    }
    // Trailing zeros after the point change nothing; dropping them keeps `1.500…0` exact.
    let frac = frac.trim_end_matches('0');
    let digits = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(U256::ZERO);
    }
    let overflow = UnitError::Overflow { max: "256 bits" };
    let mantissa = U256::from_str_radix(digits, 10).map_err(|_| overflow.clone())?;
    let scaled = mantissa.checked_mul(multiplier).ok_or(overflow)?;
    let mut divisor = U256::from(1u8);
    for _ in 0..frac.len() {
        // A divisor beyond 2^256 exceeds any non-zero `scaled`, so the value is fractional.
        divisor = divisor.checked_mul(U256::from(10u8)).ok_or(UnitError::Fractional { base })?;
    }
    if scaled % divisor != U256::ZERO {
        return Err(UnitError::Fractional { base });
    }
    Ok(scaled / divisor)
}
