//! Tests of unit parsing, `ChainConfig` and the genesis file format.

use std::path::Path;
use std::str::FromStr;

use alloy_primitives::{Address, B256, U256};
use doppio_types::chain_config::{ChainConfig, FeeAmount};
use doppio_types::genesis::{Genesis, GenesisError, L1Finalized, UpgradeMode, Version};
use doppio_types::units::{UnitError, parse_byte_size, parse_uint, parse_wei};
use proptest::prelude::*;

const ETH: u128 = 1_000_000_000_000_000_000;
const GWEI: u128 = 1_000_000_000;

const CHAIN_CONFIG: &str = r#"
chain_id = 999999999
base_fee = '1 wei'
max_block_size = '1mb'
fee_recipient = '0x0000000000000000000000000000000000000000'
"#;

/// A minimal valid genesis file followed by `extra` TOML.
fn genesis_with(extra: &str) -> String {
    format!(
        "[chain_config]{CHAIN_CONFIG}\n[header]\ntimestamp = 0\n\n[stake_table]\ncapacity = 10\n{extra}"
    )
}

/// A genesis file whose `[chain_config]` has `line` appended (overriding nothing:
/// `line` sets a field absent from the base, or the base omits it via `without`).
fn chain_config_with(without: &str, line: &str) -> String {
    let config: String = CHAIN_CONFIG
        .lines()
        .filter(|l| without.is_empty() || !l.starts_with(without))
        .map(|l| format!("{l}\n"))
        .collect();
    format!(
        "[chain_config]\n{config}{line}\n[header]\ntimestamp = 0\n[stake_table]\ncapacity = 1\n"
    )
}

fn parse(text: &str) -> Result<Genesis, GenesisError> {
    Genesis::from_toml_str(text)
}

/// Asserts that `text` fails and that the message contains every one of `parts`.
fn assert_err(text: &str, parts: &[&str]) -> String {
    let err = parse(text).expect_err("expected an error").to_string();
    for part in parts {
        assert!(err.contains(part), "error {err:?} should contain {part:?}");
    }
    err
}

fn base_fee(value: &str) -> Result<Genesis, GenesisError> {
    parse(&chain_config_with("base_fee", &format!("base_fee = {value}")))
}

fn block_size(value: &str) -> Result<Genesis, GenesisError> {
    parse(&chain_config_with("max_block_size", &format!("max_block_size = {value}")))
}

// ---------------------------------------------------------------- units: wei

#[test]
fn wei_every_form() {
    let cases: &[(&str, u128)] = &[
        ("0", 0),
        ("1", 1),
        ("1000", 1000),
        ("0x10", 16),
        ("0XfF", 255),
        ("1 wei", 1),
        ("1wei", 1),
        ("7 WEI", 7),
        ("2 gwei", 2 * GWEI),
        ("2 GWei", 2 * GWEI),
        ("1.5 gwei", 1_500_000_000),
        ("0.000000001 gwei", 1),
        ("1 eth", ETH),
        ("1 ETH", ETH),
        ("0.5 ether", ETH / 2),
        ("  3  Ether  ", 3 * ETH),
        ("1.000000000000000000000 eth", ETH),
        ("0.000000000000000001 eth", 1),
        ("00012 wei", 12),
        ("2.0 wei", 2),
    ];
    for (input, expected) in cases {
        assert_eq!(parse_wei(input), Ok(U256::from(*expected)), "input {input:?}");
    }
}

#[test]
fn wei_errors() {
    assert_eq!(parse_wei(""), Err(UnitError::Empty));
    assert_eq!(parse_wei("   "), Err(UnitError::Empty));
    assert_eq!(parse_wei("-1"), Err(UnitError::Negative));
    assert_eq!(parse_wei("-1 gwei"), Err(UnitError::Negative));
    assert_eq!(parse_wei("0.5 wei"), Err(UnitError::Fractional { base: "wei" }));
    assert_eq!(parse_wei("0.0000000000000000001 eth"), Err(UnitError::Fractional { base: "wei" }));
    assert!(matches!(
        parse_wei("1 btc"),
        Err(UnitError::UnknownUnit { unit, .. }) if unit == "btc"
    ));
    assert!(matches!(parse_wei("1 kwei"), Err(UnitError::UnknownUnit { .. })));
    assert!(matches!(parse_wei("gwei"), Err(UnitError::NotANumber(_))));
    assert!(matches!(parse_wei("1.2.3 wei"), Err(UnitError::NotANumber(_))));
    assert!(matches!(parse_wei("1. wei"), Err(UnitError::NotANumber(_))));
    assert!(matches!(parse_wei("0x"), Err(UnitError::NotANumber(_))));
    assert!(matches!(parse_wei("0xfg"), Err(UnitError::NotANumber(_))));
    assert!(matches!(parse_wei("0x10 gwei"), Err(UnitError::NotANumber(_))));
    // 2^256 and beyond.
    let too_big = format!("{}0", U256::MAX);
    assert!(matches!(parse_wei(&too_big), Err(UnitError::Overflow { .. })));
    assert!(matches!(parse_wei(&format!("{} eth", U256::MAX)), Err(UnitError::Overflow { .. })));
    assert!(matches!(
        parse_wei(&format!("0x1{}", "0".repeat(64))),
        Err(UnitError::Overflow { .. })
    ));
    // Exactly U256::MAX is fine.
    assert_eq!(parse_wei(&U256::MAX.to_string()), Ok(U256::MAX));
}

// ---------------------------------------------------------------- units: bytes

#[test]
fn byte_size_every_form() {
    let cases: &[(&str, u64)] = &[
        ("0", 0),
        ("1234", 1234),
        ("0x400", 1024),
        ("1b", 1),
        ("12 bytes", 12),
        ("1 byte", 1),
        ("10kb", 10_000),
        ("30 KB", 30_000),
        ("1mb", 1_000_000),
        ("1MB", 1_000_000),
        ("1 GB", 1_000_000_000),
        ("2 tb", 2_000_000_000_000),
        ("1k", 1000),
        ("1KiB", 1024),
        ("1MiB", 1_048_576),
        ("1 mib", 1_048_576),
        ("1 GiB", 1 << 30),
        ("1 TiB", 1 << 40),
        ("1.5 KiB", 1536),
        ("2.5 MB", 2_500_000),
        ("0.001 kb", 1),
        ("  4  kB ", 4000),
    ];
    for (input, expected) in cases {
        assert_eq!(parse_byte_size(input), Ok(*expected), "input {input:?}");
    }
    assert_eq!(parse_byte_size(&u64::MAX.to_string()), Ok(u64::MAX));
}

#[test]
fn byte_size_errors() {
    assert_eq!(parse_byte_size(""), Err(UnitError::Empty));
    assert_eq!(parse_byte_size("-1 kb"), Err(UnitError::Negative));
    assert_eq!(parse_byte_size("0.1 KiB"), Err(UnitError::Fractional { base: "bytes" }));
    assert_eq!(parse_byte_size("1.5"), Err(UnitError::Fractional { base: "bytes" }));
    assert!(matches!(
        parse_byte_size("1 pb"),
        Err(UnitError::UnknownUnit { unit, .. }) if unit == "pb"
    ));
    assert!(matches!(parse_byte_size("1 megabyte"), Err(UnitError::UnknownUnit { .. })));
    assert!(matches!(parse_byte_size("mb"), Err(UnitError::NotANumber(_))));
    // u64::MAX + 1, and sizes that only overflow after applying the unit.
    assert!(matches!(parse_byte_size("18446744073709551616"), Err(UnitError::Overflow { .. })));
    assert!(matches!(parse_byte_size("20000000000 GB"), Err(UnitError::Overflow { .. })));
    assert!(matches!(parse_byte_size("17000000 TiB"), Err(UnitError::Overflow { .. })));
}

#[test]
fn uint_forms_and_errors() {
    assert_eq!(parse_uint("35353"), Ok(U256::from(35353)));
    assert_eq!(parse_uint("0x8a19"), Ok(U256::from(0x8a19)));
    assert!(matches!(parse_uint("1.5"), Err(UnitError::NotANumber(_))));
    assert!(matches!(parse_uint("1 wei"), Err(UnitError::NotANumber(_))));
    assert_eq!(parse_uint("-3"), Err(UnitError::Negative));
    assert_eq!(parse_uint(""), Err(UnitError::Empty));
}

proptest! {
    /// Any amount written as whole gwei, or as eth with up to 18 decimals, parses exactly.
    #[test]
    fn wei_units_agree(gwei in any::<u64>(), frac in 0u64..1_000_000_000_000_000_000) {
        prop_assert_eq!(parse_wei(&format!("{gwei} gwei")), Ok(U256::from(gwei) * U256::from(GWEI)));
        let eth = format!("{}.{frac:018} eth", gwei);
        let expected = U256::from(gwei) * U256::from(ETH) + U256::from(frac);
        prop_assert_eq!(parse_wei(&eth), Ok(expected));
    }

    /// A size in KiB is 1024 times the same number in bytes, whenever it fits.
    #[test]
    fn kib_is_1024_bytes(n in any::<u64>()) {
        let kib = parse_byte_size(&format!("{n} KiB"));
        match n.checked_mul(1024) {
            Some(bytes) => prop_assert_eq!(kib, Ok(bytes)),
            None => prop_assert!(matches!(kib, Err(UnitError::Overflow { .. })), "{:?}", kib),
        }
    }

    /// ChainConfig survives a JSON round trip.
    #[test]
    fn chain_config_json_round_trip(
        chain_id in any::<[u64; 4]>(),
        max_block_size in 1u64..,
        fee in any::<[u64; 4]>(),
        recipient in any::<[u8; 20]>(),
        contract in proptest::option::of(any::<[u8; 20]>()),
    ) {
        let config = ChainConfig {
            chain_id: U256::from_limbs(chain_id),
            max_block_size,
            base_fee: FeeAmount(U256::from_limbs(fee)),
            fee_recipient: Address::from(recipient),
            fee_contract: contract.map(Address::from),
        };
        let json = serde_json::to_string(&config).unwrap();
        let back: ChainConfig = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, config);
    }
}

// ---------------------------------------------------------------- ChainConfig

#[test]
fn chain_config_default_is_espresso_dev_chain() {
    let config = ChainConfig::default();
    assert_eq!(config.chain_id, U256::from(35353));
    assert_eq!(config.max_block_size, 30720);
    assert_eq!(config.base_fee, FeeAmount::from(0));
    assert_eq!(config.fee_recipient, Address::ZERO);
    assert_eq!(config.fee_contract, None);
}

#[test]
fn chain_config_json_canonical_form() {
    let config = ChainConfig {
        chain_id: U256::from(999_999_999u64),
        max_block_size: 1_000_000,
        base_fee: FeeAmount::from(GWEI as u64),
        fee_recipient: Address::ZERO,
        fee_contract: None,
    };
    let json = serde_json::to_value(config).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "chain_id": "999999999",
            "max_block_size": 1_000_000,
            "base_fee": "1000000000",
            "fee_recipient": "0x0000000000000000000000000000000000000000",
        })
    );
    let back: ChainConfig = serde_json::from_value(json).unwrap();
    assert_eq!(back, config);
    // Deserialising accepts the human forms too, and rejects unknown fields.
    let human: ChainConfig = serde_json::from_str(
        r#"{"chain_id": "0x3b9ac9ff", "max_block_size": "1mb", "base_fee": "1 gwei",
            "fee_recipient": "0x0000000000000000000000000000000000000000"}"#,
    )
    .unwrap();
    assert_eq!(human, config);
    let err = serde_json::from_str::<ChainConfig>(
        r#"{"chain_id": 1, "max_block_size": 1, "base_fee": 0, "bid_recipient": "0x00",
            "fee_recipient": "0x0000000000000000000000000000000000000000"}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("bid_recipient"), "{err}");
    // A huge block size serialises as a string and still round-trips.
    let huge = ChainConfig { max_block_size: u64::MAX, ..config };
    let back: ChainConfig = serde_json::from_str(&serde_json::to_string(&huge).unwrap()).unwrap();
    assert_eq!(back, huge);
}

#[test]
fn fee_amount_from_str_and_display() {
    assert_eq!(FeeAmount::from_str("2 gwei"), Ok(FeeAmount::from(2 * GWEI as u64)));
    assert_eq!(FeeAmount::from(42).to_string(), "42");
    assert!(FeeAmount::from_str("1 btc").is_err());
}

#[test]
fn chain_config_in_genesis_every_field_form() {
    let text = r#"
[chain_config]
chain_id = "0x3B9AC9FF"
base_fee = '0.5 gwei'
max_block_size = 1048576
fee_recipient = '0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f'
fee_contract = '0xa15bb66138824a1c7167f5e85b957d04dd34e468'
[header]
timestamp = 0
[stake_table]
capacity = 1
"#;
    let genesis = parse(text).unwrap();
    let config = genesis.chain_config;
    assert_eq!(config.chain_id, U256::from(999_999_999u64));
    assert_eq!(config.base_fee, FeeAmount::from(500_000_000));
    assert_eq!(config.max_block_size, 1 << 20);
    assert_eq!(
        config.fee_recipient,
        Address::from_str("0x23618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f").unwrap()
    );
    assert_eq!(
        config.fee_contract,
        Some(Address::from_str("0xa15bb66138824a1c7167f5e85b957d04dd34e468").unwrap())
    );
    // chain_id as a decimal string.
    let g = parse(&chain_config_with("chain_id", "chain_id = '12345'")).unwrap();
    assert_eq!(g.chain_config.chain_id, U256::from(12345));
}

#[test]
fn base_fee_forms_in_genesis() {
    let cases: &[(&str, u128)] = &[
        ("7", 7),
        ("'7'", 7),
        ("'0x1f'", 31),
        ("'1 wei'", 1),
        ("'2 gwei'", 2 * GWEI),
        ("'1 eth'", ETH),
        ("'0.5 Ether'", ETH / 2),
    ];
    for (value, expected) in cases {
        let genesis = base_fee(value).unwrap_or_else(|e| panic!("{value}: {e}"));
        assert_eq!(genesis.chain_config.base_fee.0, U256::from(*expected), "{value}");
    }
}

#[test]
fn base_fee_errors_name_field_and_value() {
    assert_err(
        &chain_config_with("base_fee", "base_fee = -1"),
        &["chain_config.base_fee", "-1", "negative"],
    );
    assert_err(
        &chain_config_with("base_fee", "base_fee = '0.5 wei'"),
        &["chain_config.base_fee", "0.5 wei", "whole number of wei"],
    );
    assert_err(
        &chain_config_with("base_fee", "base_fee = '1 btc'"),
        &["chain_config.base_fee", "1 btc", "unknown unit `btc`"],
    );
    assert_err(
        &chain_config_with("base_fee", "base_fee = ''"),
        &["chain_config.base_fee", "empty"],
    );
    assert_err(
        &chain_config_with("base_fee", "base_fee = 1.5"),
        &["chain_config.base_fee", "1.5", "expected"],
    );
    let huge = format!("base_fee = '{}0'", U256::MAX);
    assert_err(&chain_config_with("base_fee", &huge), &["chain_config.base_fee", "does not fit"]);
    assert!(base_fee("true").is_err());
}

#[test]
fn max_block_size_forms_in_genesis() {
    let cases: &[(&str, u64)] = &[
        ("30000", 30_000),
        ("'1mb'", 1_000_000),
        ("'1MiB'", 1_048_576),
        ("'10kb'", 10_000),
        ("'30 KB'", 30_000),
        ("'1 GB'", 1_000_000_000),
        ("'0x100'", 256),
    ];
    for (value, expected) in cases {
        let genesis = block_size(value).unwrap_or_else(|e| panic!("{value}: {e}"));
        assert_eq!(genesis.chain_config.max_block_size, *expected, "{value}");
    }
}

#[test]
fn max_block_size_errors_name_field_and_value() {
    for (value, reason) in [
        ("-5", "negative"),
        ("0", "at least one byte"),
        ("'0 kb'", "at least one byte"),
        ("'1 PB'", "unknown unit"),
        ("'0.1 KiB'", "whole number of bytes"),
        ("'20000000000 GB'", "does not fit"),
        ("''", "empty"),
        ("1.5", "expected"),
    ] {
        let text = chain_config_with("max_block_size", &format!("max_block_size = {value}"));
        let shown = value.trim_matches('\'');
        assert_err(&text, &["chain_config.max_block_size", shown, reason]);
    }
}

#[test]
fn chain_id_errors() {
    assert_err(
        &chain_config_with("chain_id", "chain_id = -1"),
        &["chain_config.chain_id", "negative"],
    );
    assert_err(
        &chain_config_with("chain_id", "chain_id = 'one'"),
        &["chain_config.chain_id", "one"],
    );
    assert_err(
        &chain_config_with("chain_id", "chain_id = '1 wei'"),
        &["chain_config.chain_id", "1 wei"],
    );
}

#[test]
fn address_errors() {
    assert_err(
        &chain_config_with("fee_recipient", "fee_recipient = '0x1234'"),
        &["chain_config.fee_recipient", "0x1234", "40 hex digits"],
    );
    let no_prefix = "fee_recipient = '0000000000000000000000000000000000000000'";
    assert_err(
        &chain_config_with("fee_recipient", no_prefix),
        &["chain_config.fee_recipient", "start with 0x"],
    );
    // Valid checksum with one letter's case flipped.
    let bad_checksum = "fee_contract = '0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8F'";
    assert_err(&chain_config_with("", bad_checksum), &["chain_config.fee_contract", "checksum"]);
    assert_err(
        &chain_config_with("", "fee_contract = 5"),
        &["chain_config.fee_contract", "address"],
    );
}

#[test]
fn chain_config_missing_and_unknown_fields() {
    assert_err(&chain_config_with("fee_recipient", ""), &["missing", "chain_config.fee_recipient"]);
    assert_err(
        &chain_config_with("", "base_fees = 1"),
        &["unknown field", "chain_config.base_fees"],
    );
    // Espresso's marketplace-only field is not part of this chain config.
    assert_err(
        &chain_config_with("", "bid_recipient = '0x0000000000000000000000000000000000000000'"),
        &["chain_config.bid_recipient"],
    );
}

// ---------------------------------------------------------------- top level, header, stake table

#[test]
fn minimal_genesis_defaults() {
    let genesis = parse(&genesis_with("")).unwrap();
    assert_eq!(genesis.stake_table.capacity, 10);
    assert_eq!(genesis.header.timestamp.unix_timestamp(), 0);
    assert_eq!(genesis.l1_finalized, None);
    assert_eq!(genesis.network, None);
    assert!(genesis.accounts.is_empty());
    assert!(genesis.upgrades.is_empty());
    assert_eq!(genesis.base_version, None);
}

#[test]
fn versions_at_top_level() {
    let text = format!("base_version = \"0.2\"\nupgrade_version = \"0.3\"\n{}", genesis_with(""));
    let genesis = parse(&text).unwrap();
    assert_eq!(genesis.base_version, Some(Version { major: 0, minor: 2 }));
    assert_eq!(genesis.upgrade_version, Some(Version { major: 0, minor: 3 }));
    let bad = format!("base_version = \"0.x\"\n{}", genesis_with(""));
    assert_err(&bad, &["base_version", "0.x"]);
    let float = format!("base_version = 0.2\n{}", genesis_with(""));
    assert_err(&float, &["base_version", "0.2", "version string"]);
}

#[test]
fn unknown_top_level_table_and_field() {
    assert_err(&genesis_with("[stake_tabel]\ncapacity = 3\n"), &["unknown field `stake_tabel`"]);
    let text = format!("chain_idd = 3\n{}", genesis_with(""));
    assert_err(&text, &["unknown field `chain_idd`"]);
    let text = genesis_with("").replace("capacity = 10", "capacity = 10\ncapacityy = 2");
    assert_err(&text, &["unknown field `stake_table.capacityy`"]);
    let text = genesis_with("").replace("timestamp = 0", "timestamp = 0\ntime = 1");
    assert_err(&text, &["unknown field `header.time`"]);
}

#[test]
fn missing_sections() {
    let text = format!("[chain_config]{CHAIN_CONFIG}\n[stake_table]\ncapacity = 1\n");
    assert_err(&text, &["missing", "`header`"]);
    let text = format!("[chain_config]{CHAIN_CONFIG}\n[header]\ntimestamp = 0\n");
    assert_err(&text, &["missing", "`stake_table`"]);
    assert_err(
        "[header]\ntimestamp = 0\n[stake_table]\ncapacity = 1\n",
        &["missing", "`chain_config`"],
    );
    let text = genesis_with("").replace("timestamp = 0", "");
    assert_err(&text, &["missing", "header.timestamp"]);
    assert_err(
        &format!("chain_config = 5\n{}", "[header]\ntimestamp = 0\n"),
        &["chain_config", "a table"],
    );
}

#[test]
fn header_timestamp_forms() {
    let rfc =
        |v: &str| parse(&genesis_with("").replace("timestamp = 0", &format!("timestamp = {v}")));
    let ts = |v: &str| rfc(v).unwrap().header.timestamp.unix_timestamp();
    assert_eq!(ts("1718000000"), 1_718_000_000);
    assert_eq!(ts("\"2024-06-01T00:00:00Z\""), 1_717_200_000);
    assert_eq!(ts("\"2024-06-01T02:00:00+02:00\""), 1_717_200_000);
    // A TOML datetime, unquoted.
    assert_eq!(ts("2024-06-01T00:00:00Z"), 1_717_200_000);
    let err = rfc("\"yesterday\"").unwrap_err().to_string();
    assert!(err.contains("header.timestamp") && err.contains("yesterday"), "{err}");
    let err = rfc("-1").unwrap_err().to_string();
    assert!(err.contains("header.timestamp") && err.contains("-1"), "{err}");
    let err = rfc("2024-06-01T00:00:00").unwrap_err().to_string();
    assert!(err.contains("header.timestamp"), "{err}");
    let err = rfc("true").unwrap_err().to_string();
    assert!(err.contains("header.timestamp") && err.contains("true"), "{err}");
}

#[test]
fn stake_table_capacity() {
    let with = |v: &str| genesis_with("").replace("capacity = 10", &format!("capacity = {v}"));
    assert_eq!(parse(&with("200")).unwrap().stake_table.capacity, 200);
    assert_err(&with("0"), &["stake_table.capacity", "0", "positive"]);
    assert_err(&with("-3"), &["stake_table.capacity", "-3"]);
    assert_err(&with("'ten'"), &["stake_table.capacity", "ten", "integer"]);
}

// ---------------------------------------------------------------- l1_finalized

#[test]
fn l1_finalized_number_only() {
    let genesis = parse(&genesis_with("[l1_finalized]\nnumber = 20987495\n")).unwrap();
    assert_eq!(genesis.l1_finalized, Some(L1Finalized::Number { number: 20_987_495 }));
}

#[test]
fn l1_finalized_full_block() {
    let hash = "0x80f5dd11f2bdda2814cb1ad94ef30a47de02cf28ad68c89e104c00c4e51bb7a5";
    for (ts, expected) in [
        ("\"0x123def\"", 0x123def),
        ("1718000000", 1_718_000_000),
        ("\"1970-01-02T00:00:00Z\"", 86400),
    ] {
        let text = genesis_with(&format!(
            "[l1_finalized]\nnumber = 64\ntimestamp = {ts}\nhash = \"{hash}\"\n"
        ));
        let genesis = parse(&text).unwrap_or_else(|e| panic!("{ts}: {e}"));
        assert_eq!(
            genesis.l1_finalized,
            Some(L1Finalized::Block {
                number: 64,
                timestamp: U256::from(expected),
                hash: B256::from_str(hash).unwrap(),
            })
        );
    }
}

#[test]
fn l1_finalized_errors() {
    let hash = "0x80f5dd11f2bdda2814cb1ad94ef30a47de02cf28ad68c89e104c00c4e51bb7a5";
    assert_err(
        &genesis_with("[l1_finalized]\nnumber = 1\ntimestamp = 5\n"),
        &["missing", "l1_finalized.hash"],
    );
    assert_err(
        &genesis_with(&format!("[l1_finalized]\nnumber = 1\nhash = \"{hash}\"\n")),
        &["missing", "l1_finalized.timestamp"],
    );
    assert_err(
        &genesis_with("[l1_finalized]\ntimestamp = 5\n"),
        &["missing", "l1_finalized.number"],
    );
    assert_err(
        &genesis_with("[l1_finalized]\nnumber = 1\ntimestamp = 5\nhash = \"0x1234\"\n"),
        &["l1_finalized.hash", "0x1234", "64 hex digits"],
    );
    assert_err(&genesis_with("[l1_finalized]\nnumber = -1\n"), &["l1_finalized.number", "-1"]);
    assert_err(
        &genesis_with("[l1_finalized]\nnumber = 1\nblock = 2\n"),
        &["unknown field `l1_finalized.block`"],
    );
    assert_err(
        &genesis_with(&format!(
            "[l1_finalized]\nnumber = 1\ntimestamp = \"soon\"\nhash = \"{hash}\"\n"
        )),
        &["l1_finalized.timestamp", "soon"],
    );
}

// ---------------------------------------------------------------- network

#[test]
fn network_bootstrap_nodes() {
    let nodes = [
        "/ip4/10.0.0.1/tcp/9000",
        "/ip6/::1/udp/9000/quic-v1",
        "/dns4/node-0.example.org/tcp/9000/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN",
        "https://node1.example.org:9000",
        "http://127.0.0.1:8080/",
        "tcp://[::1]:9000",
    ];
    let list = nodes.map(|n| format!("\"{n}\"")).join(", ");
    let genesis =
        parse(&genesis_with(&format!("[network]\nbootstrap_nodes = [{list}]\n"))).unwrap();
    assert_eq!(genesis.network.unwrap().bootstrap_nodes, nodes.map(String::from));
}

#[test]
fn network_errors() {
    let with = |list: &str| genesis_with(&format!("[network]\nbootstrap_nodes = {list}\n"));
    assert_err(&with("[]"), &["network.bootstrap_nodes", "at least one"]);
    assert_err(
        &with("[\"/ip4/1.2.3.4/tcp/1\", \"/ip4/1.2.3.4/tcp/1\"]"),
        &[
            "network.bootstrap_nodes[1]",
            "/ip4/1.2.3.4/tcp/1",
            "duplicate of network.bootstrap_nodes[0]",
        ],
    );
    assert_err(&with("[\"/ip4/1.2.3/tcp/1\"]"), &["network.bootstrap_nodes[0]", "1.2.3", "ip4"]);
    assert_err(&with("[\"/ip4/1.2.3.4/tcp/70000\"]"), &["bootstrap_nodes[0]", "tcp"]);
    assert_err(&with("[\"/ipx/1\"]"), &["bootstrap_nodes[0]", "unknown multiaddr protocol `ipx`"]);
    assert_err(&with("[\"/ip4\"]"), &["bootstrap_nodes[0]", "needs a value"]);
    assert_err(&with("[\"node0:9000\"]"), &["bootstrap_nodes[0]", "node0:9000", "multiaddr"]);
    assert_err(&with("[\"http://:9000\"]"), &["bootstrap_nodes[0]", "no host"]);
    assert_err(&with("[\"http://host:port\"]"), &["bootstrap_nodes[0]", "bad URL port"]);
    assert_err(&with("[\"\"]"), &["bootstrap_nodes[0]", "non-empty"]);
    assert_err(&with("[\"http://a b\"]"), &["bootstrap_nodes[0]", "whitespace"]);
    assert_err(&with("[5]"), &["bootstrap_nodes[0]", "5"]);
    assert_err(&with("\"/ip4/1.2.3.4/tcp/1\""), &["network.bootstrap_nodes", "array"]);
    assert_err(
        &genesis_with("[network]\nbootstrap = []\n"),
        &["unknown field `network.bootstrap`"],
    );
    assert_err(&genesis_with("[network]\n"), &["missing", "network.bootstrap_nodes"]);
}

// ---------------------------------------------------------------- accounts

#[test]
fn accounts_every_amount_form() {
    let text = genesis_with(
        r#"[accounts]
"0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f" = 100000
"0x0000000000000000000000000000000000000000" = '42'
"0x0000000000000000000000000000000000000001" = '0x10'
"0x0000000000000000000000000000000000000002" = '1.5 eth'
"0x0000000000000000000000000000000000000003" = '3 GWEI'
"#,
    );
    let accounts = parse(&text).unwrap().accounts;
    let at = |a: &str| accounts[&Address::from_str(a).unwrap()].0;
    assert_eq!(at("0x23618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f"), U256::from(100_000));
    assert_eq!(at("0x0000000000000000000000000000000000000000"), U256::from(42));
    assert_eq!(at("0x0000000000000000000000000000000000000001"), U256::from(16));
    assert_eq!(at("0x0000000000000000000000000000000000000002"), U256::from(3 * ETH / 2));
    assert_eq!(at("0x0000000000000000000000000000000000000003"), U256::from(3 * GWEI));
    assert_eq!(accounts.len(), 5);
}

#[test]
fn accounts_errors() {
    assert_err(
        &genesis_with("[accounts]\n\"0x1234\" = 1\n"),
        &["accounts.\"0x1234\"", "40 hex digits"],
    );
    assert_err(&genesis_with("[accounts]\nalice = 1\n"), &["accounts.\"alice\"", "0x"]);
    let addr = "0x0000000000000000000000000000000000000001";
    assert_err(
        &genesis_with(&format!("[accounts]\n\"{addr}\" = -5\n")),
        &[&format!("accounts.\"{addr}\""), "-5", "negative"],
    );
    assert_err(
        &genesis_with(&format!("[accounts]\n\"{addr}\" = '0.1 wei'\n")),
        &[&format!("accounts.\"{addr}\""), "0.1 wei", "whole number of wei"],
    );
    // The same address twice, in different case.
    let text = genesis_with(
        "[accounts]\n\"0x00000000000000000000000000000000000000aa\" = 1\n\"0x00000000000000000000000000000000000000AA\" = 2\n",
    );
    let err = assert_err(&text, &["accounts.\"0x", "twice"]);
    assert!(!err.contains("= 1"), "the message shows the key, not the whole table: {err}");
    assert_err(&format!("accounts = 5\n{}", genesis_with("")), &["accounts", "a table"]);
}

// ---------------------------------------------------------------- upgrades

const UPGRADE_CONFIG: &str = r#"chain_id = 999999999
base_fee = '1 gwei'
max_block_size = '2mb'
fee_recipient = '0x0000000000000000000000000000000000000000'
"#;

#[test]
fn upgrade_view_based_with_fee_chain_config() {
    let text = genesis_with(&format!(
        "[[upgrade]]\nversion = \"0.3\"\nstart_proposing_view = 5\nstop_proposing_view = 15\n[upgrade.fee]\n[upgrade.fee.chain_config]\n{UPGRADE_CONFIG}"
    ));
    let upgrades = parse(&text).unwrap().upgrades;
    assert_eq!(upgrades.len(), 1);
    assert_eq!(upgrades[0].version, Version { major: 0, minor: 3 });
    assert_eq!(
        upgrades[0].mode,
        UpgradeMode::View { start_proposing_view: 5, stop_proposing_view: 15 }
    );
    let config = upgrades[0].chain_config.unwrap();
    assert_eq!(config.base_fee, FeeAmount::from(GWEI as u64));
    assert_eq!(config.max_block_size, 2_000_000);
}

#[test]
fn upgrade_time_based_with_direct_chain_config() {
    let text = genesis_with(&format!(
        "[[upgrade]]\nversion = \"0.4\"\nstart_proposing_time = \"2030-01-01T00:00:00Z\"\nstop_proposing_time = 1893542400\n[upgrade.chain_config]\n{UPGRADE_CONFIG}"
    ));
    let upgrades = parse(&text).unwrap().upgrades;
    let UpgradeMode::Time { start_proposing_time, stop_proposing_time } = upgrades[0].mode else {
        panic!("expected a time-based upgrade, got {:?}", upgrades[0].mode);
    };
    assert_eq!(start_proposing_time.unix_timestamp(), 1_893_456_000);
    assert_eq!(stop_proposing_time.unix_timestamp(), 1_893_542_400);
    assert!(upgrades[0].chain_config.is_some());
}

#[test]
fn upgrade_without_chain_config_and_several_upgrades() {
    let text = genesis_with(
        "[[upgrade]]\nversion = \"0.3\"\nstart_proposing_view = 1\nstop_proposing_view = 2\n\
         [[upgrade]]\nversion = \"0.4\"\nstart_proposing_view = 10\nstop_proposing_view = 20\n",
    );
    let upgrades = parse(&text).unwrap().upgrades;
    assert_eq!(upgrades.len(), 2);
    assert_eq!(upgrades[1].version.to_string(), "0.4");
    assert_eq!(upgrades[0].chain_config, None);
}

#[test]
fn upgrade_errors() {
    let up = |body: &str| genesis_with(&format!("[[upgrade]]\n{body}\n"));
    assert_err(
        &up("version = \"0.3\"\nstart_proposing_view = 15\nstop_proposing_view = 5"),
        &["upgrade[0].stop_proposing_view", "5", "greater than start_proposing_view (15)"],
    );
    assert_err(
        &up("version = \"0.3\"\nstart_proposing_view = 5\nstop_proposing_view = 5"),
        &["upgrade[0].stop_proposing_view", "greater than"],
    );
    assert_err(
        &up(
            "version = \"0.3\"\nstart_proposing_time = \"2030-01-02T00:00:00Z\"\nstop_proposing_time = \"2030-01-01T00:00:00Z\"",
        ),
        &["upgrade[0].stop_proposing_time", "2030-01-01T00:00:00Z", "after start_proposing_time"],
    );
    assert_err(
        &up("version = \"0.3\"\nstart_proposing_view = 5"),
        &["missing", "upgrade[0].stop_proposing_view"],
    );
    assert_err(
        &up("version = \"0.3\"\nstop_proposing_time = 5"),
        &["missing", "upgrade[0].start_proposing_time"],
    );
    assert_err(&up("version = \"0.3\""), &["missing", "upgrade[0].start_proposing_view"]);
    assert_err(
        &up(
            "version = \"0.3\"\nstart_proposing_view = 1\nstop_proposing_view = 2\nstart_proposing_time = 5",
        ),
        &["upgrade[0].start_proposing_time", "not both"],
    );
    assert_err(
        &up("start_proposing_view = 1\nstop_proposing_view = 2"),
        &["missing", "upgrade[0].version"],
    );
    assert_err(
        &up("version = \"three\"\nstart_proposing_view = 1\nstop_proposing_view = 2"),
        &["upgrade[0].version", "three"],
    );
    assert_err(
        &up(
            "version = \"0.3\"\nstart_proposing_view = 1\nstop_proposing_view = 2\nstart_voting_view = 1",
        ),
        &["unknown field `upgrade[0].start_voting_view`"],
    );
    assert_err(
        &up("version = \"0.3\"\nstart_proposing_view = -1\nstop_proposing_view = 2"),
        &["upgrade[0].start_proposing_view", "-1"],
    );
    // Repeated version.
    let twice = genesis_with(
        "[[upgrade]]\nversion = \"0.3\"\nstart_proposing_view = 1\nstop_proposing_view = 2\n\
         [[upgrade]]\nversion = \"0.3\"\nstart_proposing_view = 3\nstop_proposing_view = 4\n",
    );
    assert_err(&twice, &["upgrade[1].version", "0.3", "already used by upgrade[0]"]);
    // Chain config errors name the nested path.
    let bad_config = up(&format!(
        "version = \"0.3\"\nstart_proposing_view = 1\nstop_proposing_view = 2\n[upgrade.fee.chain_config]\n{}",
        UPGRADE_CONFIG.replace("'1 gwei'", "'1 gwie'")
    ));
    assert_err(&bad_config, &["upgrade[0].fee.chain_config.base_fee", "1 gwie", "unknown unit"]);
    let typo = up(
        "version = \"0.3\"\nstart_proposing_view = 1\nstop_proposing_view = 2\n[upgrade.fee.chain_confg]\n",
    );
    assert_err(&typo, &["unknown field `upgrade[0].fee.chain_confg`"]);
    let empty_fee =
        up("version = \"0.3\"\nstart_proposing_view = 1\nstop_proposing_view = 2\n[upgrade.fee]\n");
    assert_err(&empty_fee, &["missing", "upgrade[0].fee.chain_config"]);
    let both = up(&format!(
        "version = \"0.3\"\nstart_proposing_view = 1\nstop_proposing_view = 2\n[upgrade.chain_config]\n{UPGRADE_CONFIG}[upgrade.fee.chain_config]\n{UPGRADE_CONFIG}"
    ));
    assert_err(&both, &["upgrade[0].fee", "once"]);
    let marketplace = up(&format!(
        "version = \"0.3\"\nstart_proposing_view = 1\nstop_proposing_view = 2\n[upgrade.marketplace.chain_config]\n{UPGRADE_CONFIG}"
    ));
    assert_err(&marketplace, &["unknown field `upgrade[0].marketplace`"]);
    assert_err(&genesis_with("[upgrade]\nversion = \"0.3\"\n"), &["upgrade", "array of tables"]);
}

// ---------------------------------------------------------------- syntax and files

#[test]
fn toml_syntax_error_keeps_line_and_column() {
    let err = parse("[chain_config]\nchain_id = = 3\n").unwrap_err();
    assert!(matches!(err, GenesisError::Syntax(_)), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("line 2") && msg.contains("column"), "{msg}");
}

#[test]
fn from_file_errors_name_the_path() {
    let missing = Path::new("/nonexistent/doppio/genesis.toml");
    let err = Genesis::from_file(missing).unwrap_err();
    assert!(matches!(err, GenesisError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("/nonexistent/doppio/genesis.toml"), "{err}");

    let dir = std::env::temp_dir().join(format!("doppio-genesis-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(&path, genesis_with("[stake_table2]\n")).unwrap();
    let err = Genesis::from_file(&path).unwrap_err().to_string();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(err.contains("bad.toml") && err.contains("stake_table2"), "{err}");
}

#[test]
fn demo_toml_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../genesis/demo.toml");
    let genesis = Genesis::from_file(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(genesis.chain_config.chain_id, U256::from(999_999_999u64));
    assert_eq!(genesis.chain_config.base_fee, FeeAmount::from(1));
    assert_eq!(genesis.chain_config.max_block_size, 1_000_000);
    assert!(genesis.chain_config.fee_contract.is_some());
    assert_eq!(genesis.stake_table.capacity, 10);
    assert_eq!(genesis.l1_finalized, Some(L1Finalized::Number { number: 0 }));
    assert_eq!(genesis.network.as_ref().map(|n| n.bootstrap_nodes.len()), Some(3));
    assert_eq!(genesis.accounts.len(), 2);
    assert_eq!(genesis.upgrades.len(), 2);
    assert!(matches!(genesis.upgrades[0].mode, UpgradeMode::View { .. }));
    assert!(matches!(genesis.upgrades[1].mode, UpgradeMode::Time { .. }));
    assert_eq!(genesis.base_version.map(|v| v.to_string()), Some("0.2".to_owned()));
}
