//! The `keygen` and `pub-key` command lines; the binaries only parse and call these.

use std::{io::Write, path::PathBuf};

use doppio_light_client::SchnorrSigningKey;

use crate::{
    bls::BlsSecretKey,
    key_file::vars,
    keygen::{self, KeygenError, Scheme},
    peer,
};

/// `keygen`: writes `DIR/0.env … DIR/(N-1).env` with a node's keys each.
#[derive(Clone, Debug, clap::Parser)]
#[command(name = "keygen", about = "Generate staking (BLS) and state (Schnorr) key files")]
pub struct KeygenCli {
    /// 32-byte hex seed: the same seed gives the same keys. Without it, keys come from
    /// the operating system's randomness.
    #[arg(long, value_parser = keygen::parse_seed)]
    pub seed: Option<[u8; 32]>,
    /// Which keys to generate.
    #[arg(long, value_enum, default_value_t = Scheme::All)]
    pub scheme: Scheme,
    /// Number of key files.
    #[arg(short = 'n', long = "num", default_value_t = 1)]
    pub num: u64,
    /// Output folder (created if missing).
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// Replace existing key files.
    #[arg(long)]
    pub overwrite: bool,
}

impl KeygenCli {
    /// Generates and writes the keys; prints each file's public keys to `stdout`.
    pub fn run(&self, stdout: &mut impl Write) -> Result<(), KeygenError> {
        let seed = zeroize::Zeroizing::new(self.seed.unwrap_or_else(keygen::random_seed));
        let keys = (0..self.num)
            .map(|i| keygen::derive_keys(&seed, i, self.scheme))
            .collect::<Result<Vec<_>, _>>()?;
        let paths = keygen::write_key_files(&self.out, &keys, self.overwrite)?;
        let io = |source| KeygenError::Io { path: "<stdout>".into(), source };
        for (path, k) in paths.iter().zip(&keys) {
            writeln!(stdout, "{}:", path.display()).map_err(io)?;
            if let Some(sk) = &k.staking {
                writeln!(stdout, "  {}={}", vars::PUBLIC_STAKING_KEY, sk.public_key())
                    .map_err(io)?;
            }
            if let Some(sk) = &k.state {
                writeln!(stdout, "  {}={}", vars::PUBLIC_STATE_KEY, sk.ver_key()).map_err(io)?;
            }
        }
        Ok(())
    }
}

/// `pub-key`: the public half of a private key.
#[derive(Clone, Debug, clap::Parser)]
#[command(name = "pub-key", about = "Print the public key (and libp2p peer id) of a private key")]
pub struct PubKeyCli {
    /// `BLS_SIGNING_KEY~…` or `SCHNORR_SIGNING_KEY~…`.
    pub private_key: String,
}

/// Why `pub-key` failed.
#[derive(Debug, thiserror::Error)]
pub enum PubKeyError {
    /// A malformed BLS key.
    #[error("invalid BLS signing key: {0}")]
    Bls(#[from] crate::bls::BlsError),
    /// A malformed Schnorr key.
    #[error("invalid Schnorr signing key: {0}")]
    Schnorr(#[from] doppio_light_client::SchnorrError),
    /// Neither tag.
    #[error("expected a BLS_SIGNING_KEY~… or SCHNORR_SIGNING_KEY~… string")]
    UnknownKind,
}

impl PubKeyCli {
    /// The output lines (`NAME=VALUE`).
    pub fn output(&self) -> Result<String, PubKeyError> {
        let key = self.private_key.trim();
        if key.starts_with(crate::bls::TAG_BLS_SIGNING_KEY) {
            let sk: BlsSecretKey = key.parse()?;
            Ok(format!(
                "{}={}\nSTAKING_KEY_PROOF_OF_POSSESSION={}\nLIBP2P_PEER_ID={}\n",
                vars::PUBLIC_STAKING_KEY,
                sk.public_key(),
                sk.proof_of_possession(),
                peer::peer_id(&sk)
            ))
        } else if key.starts_with(doppio_light_client::TAG_SCHNORR_SIGNING_KEY) {
            let sk: SchnorrSigningKey = key.parse()?;
            Ok(format!("{}={}\n", vars::PUBLIC_STATE_KEY, sk.ver_key()))
        } else {
            Err(PubKeyError::UnknownKind)
        }
    }
}
