//! The libp2p identity a node derives from its staking key, so operators manage one
//! secret and the peer id is a pure function of it.

use libp2p_identity::{Keypair, PeerId, ed25519};
use sha2::{Digest, Sha256};

use crate::bls::BlsSecretKey;

/// Domain tag of the keyed hash that derives the libp2p ed25519 secret.
pub const LIBP2P_KEY_DST: &[u8] = b"DOPPIO_LIBP2P_ED25519_V1";

/// The node's libp2p keypair: ed25519 with secret
/// `SHA-256(LIBP2P_KEY_DST ‖ staking secret key (32 bytes, big endian))`.
pub fn libp2p_keypair(staking: &BlsSecretKey) -> Keypair {
    let mut secret: [u8; 32] = Sha256::new()
        .chain_update(LIBP2P_KEY_DST)
        .chain_update(*staking.to_bytes())
        .finalize()
        .into();
    // Any 32 bytes are a valid ed25519 secret; the input is zeroized by the call.
    let secret = ed25519::SecretKey::try_from_bytes(&mut secret).expect("32-byte ed25519 secret");
    Keypair::from(ed25519::Keypair::from(secret))
}

/// The peer id of [`libp2p_keypair`].
pub fn peer_id(staking: &BlsSecretKey) -> PeerId {
    libp2p_keypair(staking).public().to_peer_id()
}
