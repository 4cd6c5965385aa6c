//! Key generation: per-node key files, deterministic for a seed.

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
};

use doppio_light_client::SchnorrSigningKey;
use sha2::{Digest, Sha256};

use crate::{bls::BlsSecretKey, key_file::vars};

/// Domain tag of the per-index BLS key material.
pub const BLS_DERIVE_DST: &[u8] = b"DOPPIO_KEYGEN_BLS_V1";
/// Domain tag of the per-index Schnorr seed.
pub const SCHNORR_DERIVE_DST: &[u8] = b"DOPPIO_KEYGEN_SCHNORR_V1";

/// Why keys could not be generated or written.
#[derive(Debug, thiserror::Error)]
pub enum KeygenError {
    /// A `--seed` that is not 32 bytes of hex.
    #[error(
        "seed must be 64 hex digits (32 bytes), optionally prefixed by 0x; got {len} characters"
    )]
    BadSeed {
        /// Length of the given string.
        len: usize,
    },
    /// A key file that exists already, without `--overwrite`.
    #[error("{} already exists; pass --overwrite to replace it", path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// Reading or writing failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// A Schnorr key derived to zero (probability 2^-251; use another seed).
    #[error("derived state key is invalid: {0}")]
    StateKey(#[from] doppio_light_client::SchnorrError),
}

/// Which keys to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scheme {
    /// Staking (BLS) and state (Schnorr) keys.
    All,
    /// Staking keys only.
    Bls,
    /// State keys only.
    Schnorr,
}

/// One node's generated keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedKeys {
    /// BLS staking key, unless the scheme is `schnorr`.
    pub staking: Option<BlsSecretKey>,
    /// Schnorr state key, unless the scheme is `bls`.
    pub state: Option<SchnorrSigningKey>,
}

/// Parses a 32-byte hex seed.
pub fn parse_seed(s: &str) -> Result<[u8; 32], KeygenError> {
    let digits = s.trim().trim_start_matches("0x");
    let mut seed = [0u8; 32];
    hex::decode_to_slice(digits, &mut seed).map_err(|_| KeygenError::BadSeed { len: s.len() })?;
    Ok(seed)
}

fn derive(dst: &[u8], seed: &[u8; 32], index: u64) -> zeroize::Zeroizing<[u8; 32]> {
    let h = Sha256::new().chain_update(dst).chain_update(seed).chain_update(index.to_be_bytes());
    zeroize::Zeroizing::new(h.finalize().into())
}

/// The keys of node `index`: BLS from IETF `KeyGen(SHA-256(BLS_DERIVE_DST ‖ seed ‖ index))`,
/// Schnorr from `from_seed(SHA-256(SCHNORR_DERIVE_DST ‖ seed ‖ index))`, `index` as 8
/// bytes big endian.
pub fn derive_keys(
    seed: &[u8; 32],
    index: u64,
    scheme: Scheme,
) -> Result<GeneratedKeys, KeygenError> {
    let staking = (scheme != Scheme::Schnorr)
        .then(|| BlsSecretKey::from_ikm(&derive(BLS_DERIVE_DST, seed, index)));
    let state = (scheme != Scheme::Bls)
        .then(|| SchnorrSigningKey::from_seed(&derive(SCHNORR_DERIVE_DST, seed, index)))
        .transpose()?;
    Ok(GeneratedKeys { staking, state })
}

/// A fresh 32-byte seed from the operating system.
pub fn random_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
    seed
}

/// The `.env` text of one node's keys.
pub fn env_text(keys: &GeneratedKeys) -> String {
    let mut out = String::new();
    if let Some(sk) = &keys.staking {
        out += &format!("{}={}\n", vars::PUBLIC_STAKING_KEY, sk.public_key());
        out += &format!("{}={}\n", vars::PRIVATE_STAKING_KEY, sk);
    }
    if let Some(sk) = &keys.state {
        out += &format!("{}={}\n", vars::PUBLIC_STATE_KEY, sk.ver_key());
        out += &format!("{}={}\n", vars::PRIVATE_STATE_KEY, sk);
    }
    out
}

/// The key file of node `index` in `dir`.
pub fn key_file_path(dir: &Path, index: u64) -> PathBuf {
    dir.join(format!("{index}.env"))
}

/// Writes `DIR/0.env …`, owner-only (0600). Without `overwrite`, fails before writing
/// anything if any of the files exists.
pub fn write_key_files(
    dir: &Path,
    keys: &[GeneratedKeys],
    overwrite: bool,
) -> Result<Vec<PathBuf>, KeygenError> {
    fs::create_dir_all(dir).map_err(|source| KeygenError::Io { path: dir.into(), source })?;
    let paths: Vec<PathBuf> = (0..keys.len() as u64).map(|i| key_file_path(dir, i)).collect();
    if !overwrite && let Some(path) = paths.iter().find(|p| p.exists()) {
        return Err(KeygenError::Exists { path: path.clone() });
    }
    for (path, k) in paths.iter().zip(keys) {
        write_private(path, &env_text(k), overwrite)?;
    }
    Ok(paths)
}

fn write_private(path: &Path, text: &str, overwrite: bool) -> Result<(), KeygenError> {
    let io = |source| KeygenError::Io { path: path.into(), source };
    let mut options = fs::OpenOptions::new();
    options.write(true);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => KeygenError::Exists { path: path.into() },
        _ => io(e),
    })?;
    // An overwritten file keeps its old mode; tighten it before writing secrets.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    file.write_all(text.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)
}
