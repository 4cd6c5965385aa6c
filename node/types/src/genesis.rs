//! The genesis file: the initial state and parameters of a network, in TOML.
//!
//! The format follows the Espresso Sequencer's genesis files (`data/genesis/*.toml` in
//! their repository):
//!
//! ```toml
//! base_version = "0.2"          # optional here (required by Espresso)
//! upgrade_version = "0.3"       # optional here (required by Espresso)
//!
//! [chain_config]                # see crate::chain_config
//! chain_id = 999999999
//! base_fee = '1 gwei'
//! max_block_size = '1mb'
//! fee_recipient = '0x0000000000000000000000000000000000000000'
//!
//! [header]
//! timestamp = "2024-06-01T00:00:00Z"   # RFC 3339 (string or TOML datetime) or unix seconds
//!
//! [l1_finalized]                # optional: `number` only, or number + timestamp + hash
//! number = 20987495
//!
//! [stake_table]
//! capacity = 200                # positive
//!
//! [network]                     # optional (a Doppio addition)
//! bootstrap_nodes = ["/ip4/10.0.0.1/tcp/9000", "https://node0.example.org:9000"]
//!
//! [accounts]                    # optional: initial fee balances
//! "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f" = '10 eth'
//!
//! [[upgrade]]                   # optional, repeatable
//! version = "0.3"
//! start_proposing_view = 5      # or start_proposing_time / stop_proposing_time
//! stop_proposing_view = 15
//! [upgrade.fee.chain_config]    # or [upgrade.chain_config]
//! # ... a full chain config
//! ```
//!
//! Every table and field is checked: unknown ones are errors naming their path, so a typo
//! is never silently ignored. Errors name the field path (`chain_config.base_fee`,
//! `upgrade[1].stop_proposing_view`) and the value as written.
//!
//! Deviations from Espresso, all on the side of strictness or of optional additions:
//! * `base_version` and `upgrade_version` are optional, `[l1_finalized]` is optional.
//! * `[l1_finalized]` accepts `number` alone or all of `number`, `timestamp`, `hash`;
//!   Espresso's third form, `timestamp` alone, is rejected (not needed yet).
//! * Upgrades: `start` must be strictly before `stop` (Espresso allows them equal), a
//!   version may appear only once (Espresso silently keeps the last), the optional voting
//!   fields (`start_voting_view`, ...) and the `[upgrade.marketplace]` type are rejected as
//!   unknown, and a chain config may also be given directly as `[upgrade.chain_config]`.
//! * `[network] bootstrap_nodes` is a Doppio addition.
//! * `stake_table.capacity` must be positive; mixed-case addresses must be checksummed.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use alloy_primitives::{Address, B256, U256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use toml::{Table, Value};

use crate::chain_config::{
    ChainConfig, ChainConfigError, FeeAmount, join, parse_address_str, parse_fee,
};
use crate::units::parse_uint;

/// Top-level keys of a genesis file.
const TOP_LEVEL: &[&str] = &[
    "base_version",
    "upgrade_version",
    "chain_config",
    "header",
    "l1_finalized",
    "stake_table",
    "network",
    "accounts",
    "upgrade",
];

/// Keys of an `[[upgrade]]` entry.
const UPGRADE_FIELDS: &[&str] = &[
    "version",
    "start_proposing_view",
    "stop_proposing_view",
    "start_proposing_time",
    "stop_proposing_time",
    "fee",
    "chain_config",
];

/// Why a genesis file could not be loaded. Field paths are dotted (`chain_config.base_fee`,
/// `upgrade[0].version`) and values are shown as written in TOML.
#[derive(Debug, thiserror::Error)]
pub enum GenesisError {
    /// The file could not be read.
    #[error("cannot read genesis file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file was read but its contents are invalid.
    #[error("genesis file {}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong with its contents.
        source: Box<GenesisError>,
    },
    /// Not valid TOML; the message carries the line and column.
    #[error("malformed genesis TOML: {0}")]
    Syntax(#[from] Box<toml::de::Error>),
    /// A required field or table is absent.
    #[error("missing required field `{field}`")]
    Missing {
        /// Path of the field.
        field: String,
    },
    /// A field or table the format does not have (often a typo).
    #[error("unknown field `{field}` (expected one of: {expected})")]
    UnknownField {
        /// Path of the unknown field.
        field: String,
        /// The fields accepted there.
        expected: String,
    },
    /// A value of the wrong TOML type.
    #[error("`{field}` = {value}: expected {expected}")]
    WrongType {
        /// Path of the field.
        field: String,
        /// The value as written.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// A value of the right type that is not acceptable.
    #[error("`{field}` = {value}: {reason}")]
    Invalid {
        /// Path of the field.
        field: String,
        /// The value as written.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An invalid chain config or amount (the error names the field path).
    #[error(transparent)]
    ChainConfig(#[from] ChainConfigError),
}

/// A protocol version, `major.minor` (e.g. `0.2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Major version.
    pub major: u16,
    /// Minor version.
    pub minor: u16,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for Version {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || "expected a version `major.minor`, e.g. \"0.2\"".to_owned();
        let (major, minor) = s.split_once('.').ok_or_else(err)?;
        let part = |p: &str| {
            if p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) {
                return Err(err());
            }
            p.parse::<u16>().map_err(|_| err())
        };
        Ok(Self { major: part(major)?, minor: part(minor)? })
    }
}

/// Fields of the genesis block header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenesisHeader {
    /// Timestamp of the genesis block (UTC, whole seconds, not before 1970).
    pub timestamp: OffsetDateTime,
}

/// The L1 block from which the chain starts following L1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum L1Finalized {
    /// A block number only; the rest is fetched from L1 once that block is finalized.
    Number {
        /// L1 block number.
        number: u64,
    },
    /// A fully specified, existing L1 block.
    Block {
        /// L1 block number.
        number: u64,
        /// L1 block timestamp, unix seconds.
        timestamp: U256,
        /// L1 block hash.
        hash: B256,
    },
}

/// Initial configuration of the stake table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StakeTableConfig {
    /// Maximum number of entries (positive).
    pub capacity: u64,
}

/// How nodes of the network find each other at first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkConfig {
    /// Multiaddrs (`/ip4/…/tcp/…`) or URLs (`scheme://host:port`): non-empty, no duplicates.
    pub bootstrap_nodes: Vec<String>,
}

/// When an upgrade's new version is proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpgradeMode {
    /// Proposed in views `start..stop`.
    View {
        /// First view in which the upgrade is proposed.
        start_proposing_view: u64,
        /// View from which it is no longer proposed (greater than the start).
        stop_proposing_view: u64,
    },
    /// Proposed between two times.
    Time {
        /// Time from which the upgrade is proposed.
        start_proposing_time: OffsetDateTime,
        /// Time from which it is no longer proposed (after the start).
        stop_proposing_time: OffsetDateTime,
    },
}

/// A scheduled protocol upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upgrade {
    /// The version upgraded to.
    pub version: Version,
    /// When it is proposed.
    pub mode: UpgradeMode,
    /// The chain config in force after the upgrade, if it changes.
    pub chain_config: Option<ChainConfig>,
}

/// A parsed and validated genesis file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Genesis {
    /// Protocol version at genesis.
    pub base_version: Option<Version>,
    /// Version the network is prepared to upgrade to.
    pub upgrade_version: Option<Version>,
    /// Chain parameters at genesis.
    pub chain_config: ChainConfig,
    /// Genesis header fields.
    pub header: GenesisHeader,
    /// L1 block to start from.
    pub l1_finalized: Option<L1Finalized>,
    /// Stake table parameters.
    pub stake_table: StakeTableConfig,
    /// Bootstrap peers.
    pub network: Option<NetworkConfig>,
    /// Initial fee balances.
    pub accounts: BTreeMap<Address, FeeAmount>,
    /// Scheduled upgrades, in file order.
    pub upgrades: Vec<Upgrade>,
}

impl Genesis {
    /// Parses and validates a genesis file's contents.
    pub fn from_toml_str(text: &str) -> Result<Self, GenesisError> {
        let table: Table = toml::from_str(text).map_err(Box::new)?;
        check_fields(&table, "", TOP_LEVEL)?;
        let chain_config = ChainConfig::from_toml_table(
            require_table(&table, "", "chain_config")?,
            "chain_config",
        )?;
        Ok(Self {
            base_version: optional(&table, "", "base_version", parse_version)?,
            upgrade_version: optional(&table, "", "upgrade_version", parse_version)?,
            chain_config,
            header: parse_header(require_table(&table, "", "header")?)?,
            l1_finalized: optional(&table, "", "l1_finalized", parse_l1_finalized)?,
            stake_table: parse_stake_table(require_table(&table, "", "stake_table")?)?,
            network: optional(&table, "", "network", parse_network)?,
            accounts: optional(&table, "", "accounts", parse_accounts)?.unwrap_or_default(),
            upgrades: optional(&table, "", "upgrade", parse_upgrades)?.unwrap_or_default(),
        })
    }

    /// Reads and parses a genesis file; every error names the file.
    pub fn from_file(path: &Path) -> Result<Self, GenesisError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| GenesisError::Io { path: path.to_owned(), source })?;
        Self::from_toml_str(&text)
            .map_err(|e| GenesisError::File { path: path.to_owned(), source: Box::new(e) })
    }
}

/// Rejects keys of `table` (at `path`) that are not in `known`.
fn check_fields(table: &Table, path: &str, known: &[&str]) -> Result<(), GenesisError> {
    match table.keys().find(|k| !known.contains(&k.as_str())) {
        Some(key) => {
            Err(GenesisError::UnknownField { field: join(path, key), expected: known.join(", ") })
        }
        None => Ok(()),
    }
}

/// Parses `table[key]` with `parse` (given the value and its path) if present.
fn optional<T>(
    table: &Table,
    path: &str,
    key: &str,
    parse: impl Fn(&Value, &str) -> Result<T, GenesisError>,
) -> Result<Option<T>, GenesisError> {
    table.get(key).map(|value| parse(value, &join(path, key))).transpose()
}

/// `table[key]`, which must be present.
fn require<'a>(table: &'a Table, path: &str, key: &str) -> Result<&'a Value, GenesisError> {
    table.get(key).ok_or_else(|| GenesisError::Missing { field: join(path, key) })
}

/// `table[key]`, which must be present and a table.
fn require_table<'a>(table: &'a Table, path: &str, key: &str) -> Result<&'a Table, GenesisError> {
    as_table(require(table, path, key)?, &join(path, key))
}

/// `value` as a table.
fn as_table<'a>(value: &'a Value, field: &str) -> Result<&'a Table, GenesisError> {
    value.as_table().ok_or_else(|| wrong_type(value, field, "a table"))
}

/// The error for a value of the wrong type.
fn wrong_type(value: &Value, field: &str, expected: &'static str) -> GenesisError {
    GenesisError::WrongType { field: field.to_owned(), value: value.to_string(), expected }
}

/// The error for an unacceptable value.
fn invalid(value: &Value, field: &str, reason: impl Into<String>) -> GenesisError {
    GenesisError::Invalid {
        field: field.to_owned(),
        value: value.to_string(),
        reason: reason.into(),
    }
}

/// A non-negative integer.
fn parse_u64(value: &Value, field: &str) -> Result<u64, GenesisError> {
    let Value::Integer(i) = value else {
        return Err(wrong_type(value, field, "a non-negative integer"));
    };
    u64::try_from(*i).map_err(|_| invalid(value, field, "must not be negative"))
}

/// A version string `"major.minor"`.
fn parse_version(value: &Value, field: &str) -> Result<Version, GenesisError> {
    let Value::String(s) = value else {
        return Err(wrong_type(value, field, "a version string like \"0.2\""));
    };
    s.parse().map_err(|reason: String| invalid(value, field, reason))
}

/// A time: RFC 3339 (string or TOML offset datetime) or unix seconds, not before 1970.
fn parse_time(value: &Value, field: &str) -> Result<OffsetDateTime, GenesisError> {
    let time = match value {
        Value::Integer(secs) => OffsetDateTime::from_unix_timestamp(*secs)
            .map_err(|e| invalid(value, field, e.to_string()))?,
        Value::String(_) | Value::Datetime(_) => {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            OffsetDateTime::parse(&text, &Rfc3339).map_err(|e| {
                invalid(value, field, format!("not an RFC 3339 date-time with offset: {e}"))
            })?
        }
        _ => {
            return Err(wrong_type(
                value,
                field,
                "an RFC 3339 date-time or an integer number of unix seconds",
            ));
        }
    };
    if time.unix_timestamp() < 0 {
        return Err(invalid(value, field, "must not be before 1970-01-01T00:00:00Z"));
    }
    Ok(time)
}

/// The `[header]` table.
fn parse_header(table: &Table) -> Result<GenesisHeader, GenesisError> {
    check_fields(table, "header", &["timestamp"])?;
    let timestamp = parse_time(require(table, "header", "timestamp")?, "header.timestamp")?;
    Ok(GenesisHeader { timestamp })
}

/// The `[l1_finalized]` table.
fn parse_l1_finalized(value: &Value, path: &str) -> Result<L1Finalized, GenesisError> {
    let table = as_table(value, path)?;
    check_fields(table, path, &["number", "timestamp", "hash"])?;
    let number = parse_u64(require(table, path, "number")?, &join(path, "number"))?;
    if table.len() == 1 {
        return Ok(L1Finalized::Number { number });
    }
    let timestamp = require(table, path, "timestamp")?;
    let timestamp = parse_l1_timestamp(timestamp, &join(path, "timestamp"))?;
    let hash = require(table, path, "hash")?;
    let hash = parse_hash(hash, &join(path, "hash"))?;
    Ok(L1Finalized::Block { number, timestamp, hash })
}

/// An L1 timestamp: unix seconds as an integer or decimal/hex string, or an RFC 3339 time.
fn parse_l1_timestamp(value: &Value, field: &str) -> Result<U256, GenesisError> {
    match value {
        Value::String(s) if !s.contains(['-', ':']) => {
            parse_uint(s).map_err(|e| invalid(value, field, e.to_string()))
        }
        _ => Ok(U256::from(parse_time(value, field)?.unix_timestamp().unsigned_abs())),
    }
}

/// A 32-byte hash `0x` + 64 hex digits.
fn parse_hash(value: &Value, field: &str) -> Result<B256, GenesisError> {
    const EXPECTED: &str = "a hash string '0x…' (32 bytes)";
    let Value::String(s) = value else {
        return Err(wrong_type(value, field, EXPECTED));
    };
    let well_formed = s
        .strip_prefix("0x")
        .is_some_and(|hex| hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()));
    if !well_formed {
        return Err(invalid(value, field, "expected 0x followed by 64 hex digits"));
    }
    B256::from_str(s).map_err(|e| invalid(value, field, e.to_string()))
}

/// The `[stake_table]` table.
fn parse_stake_table(table: &Table) -> Result<StakeTableConfig, GenesisError> {
    check_fields(table, "stake_table", &["capacity"])?;
    let value = require(table, "stake_table", "capacity")?;
    let capacity = parse_u64(value, "stake_table.capacity")?;
    if capacity == 0 {
        return Err(invalid(value, "stake_table.capacity", "must be positive"));
    }
    Ok(StakeTableConfig { capacity })
}

/// The `[network]` table.
fn parse_network(value: &Value, path: &str) -> Result<NetworkConfig, GenesisError> {
    let table = as_table(value, path)?;
    check_fields(table, path, &["bootstrap_nodes"])?;
    let field = join(path, "bootstrap_nodes");
    let list = require(table, path, "bootstrap_nodes")?;
    let Value::Array(items) = list else {
        return Err(wrong_type(list, &field, "an array of strings"));
    };
    if items.is_empty() {
        return Err(invalid(list, &field, "at least one bootstrap node is needed"));
    }
    let mut nodes: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let item_field = format!("{field}[{i}]");
        let Value::String(node) = item else {
            return Err(wrong_type(item, &item_field, "a multiaddr or URL string"));
        };
        check_bootstrap_node(node).map_err(|reason| invalid(item, &item_field, reason))?;
        if let Some(first) = nodes.iter().position(|n| n == node) {
            return Err(invalid(item, &item_field, format!("duplicate of {field}[{first}]")));
        }
        nodes.push(node.clone());
    }
    Ok(NetworkConfig { bootstrap_nodes: nodes })
}

/// Checks that `node` is a multiaddr (`/ip4/1.2.3.4/tcp/9000/p2p/…`) or a URL.
fn check_bootstrap_node(node: &str) -> Result<(), String> {
    if node.is_empty() || node.chars().any(char::is_whitespace) {
        return Err("must be non-empty and contain no whitespace".to_owned());
    }
    if let Some(rest) = node.strip_prefix('/') {
        check_multiaddr(rest)
    } else if let Some((scheme, rest)) = node.split_once("://") {
        check_url(scheme, rest)
    } else {
        Err("expected a multiaddr (/ip4/…/tcp/…) or a URL (scheme://host:port)".to_owned())
    }
}

/// Checks the components of a multiaddr after its leading `/`.
fn check_multiaddr(rest: &str) -> Result<(), String> {
    let mut parts = rest.split('/');
    let mut count = 0;
    while let Some(protocol) = parts.next() {
        count += 1;
        let mut arg = || {
            parts
                .next()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| format!("multiaddr protocol `{protocol}` needs a value"))
        };
        let ok = match protocol {
            "ip4" => arg()?.parse::<Ipv4Addr>().is_ok(),
            "ip6" => arg()?.parse::<Ipv6Addr>().is_ok(),
            "dns" | "dns4" | "dns6" | "dnsaddr" => !arg()?.is_empty(),
            "tcp" | "udp" => arg()?.parse::<u16>().is_ok(),
            "p2p" => arg()?.chars().all(|c| c.is_ascii_alphanumeric()),
            "quic" | "quic-v1" | "ws" | "wss" | "tls" | "noise" | "http" | "https" => true,
            _ => return Err(format!("unknown multiaddr protocol `{protocol}`")),
        };
        if !ok {
            return Err(format!("bad value for multiaddr protocol `{protocol}`"));
        }
    }
    if count == 0 {
        return Err("empty multiaddr".to_owned());
    }
    Ok(())
}

/// Checks a URL's scheme and authority (`host[:port]`).
fn check_url(scheme: &str, rest: &str) -> Result<(), String> {
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if !scheme_ok {
        return Err(format!("bad URL scheme `{scheme}`"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        // An IPv6 host: `[::1]` or `[::1]:9000`.
        let (ip, after) =
            bracketed.split_once(']').ok_or_else(|| "unclosed `[` in URL host".to_owned())?;
        if ip.parse::<Ipv6Addr>().is_err() {
            return Err(format!("bad IPv6 address `{ip}` in URL"));
        }
        match after {
            "" => (ip, None),
            _ => (ip, Some(after.strip_prefix(':').unwrap_or(after))),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err("URL has no host".to_owned());
    }
    if let Some(port) = port
        && port.parse::<u16>().is_err()
    {
        return Err(format!("bad URL port `{port}`"));
    }
    Ok(())
}

/// The `[accounts]` table: address → amount of wei.
fn parse_accounts(value: &Value, path: &str) -> Result<BTreeMap<Address, FeeAmount>, GenesisError> {
    let table = as_table(value, path)?;
    let mut accounts = BTreeMap::new();
    for (key, amount) in table {
        let field = format!("{path}.\"{key}\"");
        let address = parse_address_str(key).map_err(|reason| GenesisError::Invalid {
            field: field.clone(),
            value: format!("\"{key}\""),
            reason,
        })?;
        let amount = parse_fee(amount, &field)?;
        if accounts.insert(address, amount).is_some() {
            return Err(GenesisError::Invalid {
                field,
                value: format!("\"{key}\""),
                reason: "the same account appears twice (addresses ignore case)".to_owned(),
            });
        }
    }
    Ok(accounts)
}

/// The `[[upgrade]]` array.
fn parse_upgrades(value: &Value, path: &str) -> Result<Vec<Upgrade>, GenesisError> {
    let Value::Array(items) = value else {
        return Err(wrong_type(value, path, "an array of tables ([[upgrade]])"));
    };
    let mut upgrades: Vec<Upgrade> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let item_path = format!("{path}[{i}]");
        let upgrade = parse_upgrade(as_table(item, &item_path)?, &item_path)?;
        if let Some(first) = upgrades.iter().position(|u| u.version == upgrade.version) {
            let field = join(&item_path, "version");
            let version = require(as_table(item, &item_path)?, &item_path, "version")?;
            return Err(invalid(version, &field, format!("already used by {path}[{first}]")));
        }
        upgrades.push(upgrade);
    }
    Ok(upgrades)
}

/// One `[[upgrade]]` entry at `path`.
fn parse_upgrade(table: &Table, path: &str) -> Result<Upgrade, GenesisError> {
    check_fields(table, path, UPGRADE_FIELDS)?;
    let version = parse_version(require(table, path, "version")?, &join(path, "version"))?;
    Ok(Upgrade {
        version,
        mode: parse_upgrade_mode(table, path)?,
        chain_config: parse_upgrade_chain_config(table, path)?,
    })
}

/// The view- or time-based schedule of an upgrade.
fn parse_upgrade_mode(table: &Table, path: &str) -> Result<UpgradeMode, GenesisError> {
    let has = |keys: [&str; 2]| keys.iter().any(|k| table.contains_key(*k));
    let views = ["start_proposing_view", "stop_proposing_view"];
    let times = ["start_proposing_time", "stop_proposing_time"];
    match (has(views), has(times)) {
        (true, true) => {
            let key = times.into_iter().find(|k| table.contains_key(*k)).unwrap_or(times[0]);
            let value = require(table, path, key)?;
            Err(invalid(
                value,
                &join(path, key),
                "an upgrade is either view-based or time-based, not both",
            ))
        }
        (false, false) => Err(GenesisError::Missing {
            field: format!("{} (or {})", join(path, views[0]), join(path, times[0])),
        }),
        (true, false) => {
            let [start, stop] = views.map(|k| {
                require(table, path, k).and_then(|v| Ok((v, parse_u64(v, &join(path, k))?)))
            });
            let ((_, start), (stop_value, stop)) = (start?, stop?);
            if stop <= start {
                return Err(invalid(
                    stop_value,
                    &join(path, views[1]),
                    format!("must be greater than {} ({start})", views[0]),
                ));
            }
            Ok(UpgradeMode::View { start_proposing_view: start, stop_proposing_view: stop })
        }
        (false, true) => {
            let [start, stop] = times.map(|k| {
                require(table, path, k).and_then(|v| Ok((v, parse_time(v, &join(path, k))?)))
            });
            let ((start_value, start), (stop_value, stop)) = (start?, stop?);
            if stop <= start {
                return Err(invalid(
                    stop_value,
                    &join(path, times[1]),
                    format!("must be after {} ({start_value})", times[0]),
                ));
            }
            Ok(UpgradeMode::Time { start_proposing_time: start, stop_proposing_time: stop })
        }
    }
}

/// The chain config an upgrade switches to: `[upgrade.fee.chain_config]` (Espresso's form)
/// or `[upgrade.chain_config]`.
fn parse_upgrade_chain_config(
    table: &Table,
    path: &str,
) -> Result<Option<ChainConfig>, GenesisError> {
    match (table.get("fee"), table.get("chain_config")) {
        (Some(fee), Some(_)) => Err(invalid(
            fee,
            &join(path, "fee"),
            format!(
                "give the chain config once: either {path}.fee.chain_config or {path}.chain_config"
            ),
        )),
        (Some(fee), None) => {
            let fee_path = join(path, "fee");
            let fee = as_table(fee, &fee_path)?;
            check_fields(fee, &fee_path, &["chain_config"])?;
            let config = require_table(fee, &fee_path, "chain_config")?;
            Ok(Some(ChainConfig::from_toml_table(config, &join(&fee_path, "chain_config"))?))
        }
        (None, Some(config)) => {
            let config_path = join(path, "chain_config");
            let config = as_table(config, &config_path)?;
            Ok(Some(ChainConfig::from_toml_table(config, &config_path)?))
        }
        (None, None) => Ok(None),
    }
}
