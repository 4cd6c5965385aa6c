//! The hashing shared by the block and fee Merkle trees: inner nodes are
//! `keccak(0x01 ‖ left ‖ right)`, and an empty subtree of height `h` hashes to `zero(h)`
//! (`zero(0) = [0; 32]`, `zero(h+1) = node(zero(h), zero(h))`).

use std::sync::OnceLock;

use sha3::{Digest, Keccak256};

/// A 32-byte hash.
pub type Hash = [u8; 32];

/// Height of the tallest tree using these hashes (the fee tree's 160 levels).
const MAX_HEIGHT: usize = 160;

/// An inner node.
pub(crate) fn node(left: &Hash, right: &Hash) -> Hash {
    let mut h = Keccak256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The hash of an empty subtree of height `h` (at most 160).
pub(crate) fn zero(h: usize) -> &'static Hash {
    static ZEROS: OnceLock<Vec<Hash>> = OnceLock::new();
    &ZEROS.get_or_init(|| {
        let mut z = vec![[0u8; 32]];
        for l in 0..MAX_HEIGHT {
            let next = node(&z[l], &z[l]);
            z.push(next);
        }
        z
    })[h]
}
