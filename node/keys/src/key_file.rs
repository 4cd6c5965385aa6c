//! Loading a node's private keys: from a key file written by `keygen`, or from two
//! options / environment variables. [`KeyArgs`] is the `clap::Args` struct binaries
//! flatten.

use std::path::{Path, PathBuf};

use doppio_light_client::{SchnorrError, SchnorrSigningKey, SchnorrVerKey};

use crate::bls::{BlsError, BlsPublicKey, BlsSecretKey};

/// The variable names of key files (and of the environment), as Espresso names them.
pub mod vars {
    /// Public staking key (`BLS_VER_KEY~…`), informative.
    pub const PUBLIC_STAKING_KEY: &str = "ESPRESSO_SEQUENCER_PUBLIC_STAKING_KEY";
    /// Private staking key (`BLS_SIGNING_KEY~…`).
    pub const PRIVATE_STAKING_KEY: &str = "ESPRESSO_SEQUENCER_PRIVATE_STAKING_KEY";
    /// Public state key (`SCHNORR_VER_KEY~…`), informative.
    pub const PUBLIC_STATE_KEY: &str = "ESPRESSO_SEQUENCER_PUBLIC_STATE_KEY";
    /// Private state key (`SCHNORR_SIGNING_KEY~…`).
    pub const PRIVATE_STATE_KEY: &str = "ESPRESSO_SEQUENCER_PRIVATE_STATE_KEY";
    /// Path of a key file.
    pub const KEY_FILE: &str = "ESPRESSO_SEQUENCER_KEY_FILE";
}

/// Why keys could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The key file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// A line that is not `NAME=VALUE`, a comment or blank.
    #[error("{}:{line}: expected NAME=VALUE, found {text:?}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// Line number, from 1.
        line: usize,
        /// The line.
        text: String,
    },
    /// A variable given twice.
    #[error("{}:{line}: {name} is set again (first on line {first})", path.display())]
    Repeated {
        /// The file.
        path: PathBuf,
        /// Line number, from 1.
        line: usize,
        /// Line of the first setting.
        first: usize,
        /// The variable.
        name: &'static str,
    },
    /// A malformed staking key.
    #[error("{origin}: {name}: {source}")]
    StakingKey {
        /// Where: `FILE:LINE`, or the option and variable.
        origin: String,
        /// The variable.
        name: &'static str,
        /// What is wrong.
        source: BlsError,
    },
    /// A malformed state key.
    #[error("{origin}: {name}: {source}")]
    StateKey {
        /// Where: `FILE:LINE`, or the option and variable.
        origin: String,
        /// The variable.
        name: &'static str,
        /// What is wrong.
        source: SchnorrError,
    },
    /// A public key in the file that does not belong to the private key beside it.
    #[error("{}:{line}: {name} does not match the private key in the file", path.display())]
    PublicKeyMismatch {
        /// The file.
        path: PathBuf,
        /// Line number, from 1.
        line: usize,
        /// The variable.
        name: &'static str,
    },
    /// A required private key is absent (a partial key file or a missing option).
    #[error("{origin}: {name} is missing")]
    Missing {
        /// The file, or the options.
        origin: String,
        /// The variable.
        name: &'static str,
    },
    /// Both a key file and explicit keys.
    #[error("give either --key-file or --private-staking-key/--private-state-key, not both")]
    Conflict,
}

/// A node's private keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeKeys {
    /// BLS staking key.
    pub staking: BlsSecretKey,
    /// Schnorr state key.
    pub state: SchnorrSigningKey,
}

/// Where a node's keys come from.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct KeyArgs {
    /// Key file written by `keygen` (`NAME=VALUE` lines).
    #[arg(long, env = vars::KEY_FILE)]
    pub key_file: Option<PathBuf>,
    /// Private staking key, `BLS_SIGNING_KEY~…`.
    #[arg(long, env = vars::PRIVATE_STAKING_KEY, hide_env_values = true)]
    pub private_staking_key: Option<String>,
    /// Private state key, `SCHNORR_SIGNING_KEY~…`.
    #[arg(long, env = vars::PRIVATE_STATE_KEY, hide_env_values = true)]
    pub private_state_key: Option<String>,
}

impl KeyArgs {
    /// Loads the keys from the file, or from the two keys.
    pub fn load(&self) -> Result<NodeKeys, KeyFileError> {
        let explicit = self.private_staking_key.is_some() || self.private_state_key.is_some();
        match (&self.key_file, explicit) {
            (Some(_), true) => Err(KeyFileError::Conflict),
            (Some(path), false) => load_key_file(path),
            (None, _) => self.load_explicit(),
        }
    }

    fn load_explicit(&self) -> Result<NodeKeys, KeyFileError> {
        const STAKING: &str = "--private-staking-key / ESPRESSO_SEQUENCER_PRIVATE_STAKING_KEY";
        const STATE: &str = "--private-state-key / ESPRESSO_SEQUENCER_PRIVATE_STATE_KEY";
        let missing = |name| KeyFileError::Missing { origin: "options".into(), name };
        let staking =
            self.private_staking_key.as_deref().ok_or(missing(vars::PRIVATE_STAKING_KEY))?;
        let state = self.private_state_key.as_deref().ok_or(missing(vars::PRIVATE_STATE_KEY))?;
        Ok(NodeKeys {
            staking: parse_staking(staking, STAKING.into())?,
            state: parse_state(state, STATE.into())?,
        })
    }
}

fn parse_staking(value: &str, origin: String) -> Result<BlsSecretKey, KeyFileError> {
    value.parse().map_err(|source| KeyFileError::StakingKey {
        origin,
        name: vars::PRIVATE_STAKING_KEY,
        source,
    })
}

fn parse_state(value: &str, origin: String) -> Result<SchnorrSigningKey, KeyFileError> {
    value.parse().map_err(|source| KeyFileError::StateKey {
        origin,
        name: vars::PRIVATE_STATE_KEY,
        source,
    })
}

/// Reads a key file.
pub fn load_key_file(path: &Path) -> Result<NodeKeys, KeyFileError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| KeyFileError::Io { path: path.into(), source })?;
    parse_key_file(&text, path)
}

/// The four variables of a key file, each with its value and line.
#[derive(Default)]
struct Lines<'a> {
    values: [Option<(&'a str, usize)>; 4],
}

const NAMES: [&str; 4] = [
    vars::PUBLIC_STAKING_KEY,
    vars::PRIVATE_STAKING_KEY,
    vars::PUBLIC_STATE_KEY,
    vars::PRIVATE_STATE_KEY,
];

/// Parses key-file text (`path` only names the file in errors). Blank lines, `#`
/// comments, an `export ` prefix, quotes around values and other variables are allowed.
pub fn parse_key_file(text: &str, path: &Path) -> Result<NodeKeys, KeyFileError> {
    let mut lines = Lines::default();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let syntax = || KeyFileError::Syntax { path: path.into(), line: n + 1, text: raw.into() };
        let (name, value) =
            line.strip_prefix("export ").unwrap_or(line).split_once('=').ok_or_else(syntax)?;
        let name = name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(syntax());
        }
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
        if let Some(k) = NAMES.iter().position(|v| *v == name) {
            if let Some((_, first)) = lines.values[k] {
                return Err(KeyFileError::Repeated {
                    path: path.into(),
                    line: n + 1,
                    first,
                    name: NAMES[k],
                });
            }
            lines.values[k] = Some((value, n + 1));
        }
    }
    lines.keys(path)
}

impl Lines<'_> {
    fn keys(&self, path: &Path) -> Result<NodeKeys, KeyFileError> {
        let at = |line: usize| format!("{}:{line}", path.display());
        let get = |k: usize| {
            self.values[k].ok_or_else(|| KeyFileError::Missing {
                origin: path.display().to_string(),
                name: NAMES[k],
            })
        };
        let (staking, line) = get(1)?;
        let staking = parse_staking(staking, at(line))?;
        let (state, line) = get(3)?;
        let state = parse_state(state, at(line))?;
        let mismatch =
            |line, name| KeyFileError::PublicKeyMismatch { path: path.into(), line, name };
        if let Some((public, line)) = self.values[0] {
            let pk: BlsPublicKey = public.parse().map_err(|source| KeyFileError::StakingKey {
                origin: at(line),
                name: NAMES[0],
                source,
            })?;
            if pk != staking.public_key() {
                return Err(mismatch(line, NAMES[0]));
            }
        }
        if let Some((public, line)) = self.values[2] {
            let pk: SchnorrVerKey = public.parse().map_err(|source| KeyFileError::StateKey {
                origin: at(line),
                name: NAMES[2],
                source,
            })?;
            if pk != state.ver_key() {
                return Err(mismatch(line, NAMES[2]));
            }
        }
        Ok(NodeKeys { staking, state })
    }
}
