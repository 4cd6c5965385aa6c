//! A Keccak-256 Merkle tree over the storage nodes' evaluation vectors.
//!
//! Leaves are `keccak(0x00 ‖ index as u32 BE ‖ evaluations, 32 bytes LE each)`, inner
//! nodes `keccak(0x01 ‖ left ‖ right)`; the tree is padded to a power of two with
//! all-zero leaves. The prefixes keep leaves and inner nodes apart.

use ark_bn254::Fr;
use ark_ff::PrimeField;
use doppio_accel::parallel::Parallelism;
use sha3::{Digest, Keccak256};

/// A 32-byte Keccak-256 digest.
pub type Hash = [u8; 32];

/// The leaf hash of node `index`'s evaluations.
pub fn leaf_hash(index: u32, evals: &[Fr]) -> Hash {
    let mut h = Keccak256::new();
    h.update([0u8]);
    h.update(index.to_be_bytes());
    let mut buf = Vec::with_capacity(evals.len().min(1024) * 32);
    for chunk in evals.chunks(1024) {
        buf.clear();
        for e in chunk {
            // Little-endian canonical bytes, without a Vec per element.
            for limb in e.into_bigint().0 {
                buf.extend_from_slice(&limb.to_le_bytes());
            }
        }
        h.update(&buf);
    }
    h.finalize().into()
}

fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Keccak256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Every level of the tree, leaves first.
#[derive(Debug)]
pub struct MerkleTree {
    levels: Vec<Vec<Hash>>,
}

impl MerkleTree {
    /// The tree over `leaves` (at least one).
    pub fn new(mut leaves: Vec<Hash>, par: Parallelism) -> Self {
        leaves.resize(leaves.len().next_power_of_two(), [0; 32]);
        let mut levels = vec![leaves];
        while levels.last().is_some_and(|l| l.len() > 1) {
            let below = levels.last().expect("non-empty");
            let next = par.map(below.len() / 2, |i| node_hash(&below[2 * i], &below[2 * i + 1]));
            levels.push(next);
        }
        MerkleTree { levels }
    }

    /// The root.
    pub fn root(&self) -> Hash {
        self.levels.last().expect("at least one level")[0]
    }

    /// The siblings from leaf `index` up to the root.
    pub fn path(&self, index: usize) -> Vec<Hash> {
        let mut out = Vec::with_capacity(self.levels.len() - 1);
        let mut i = index;
        for level in &self.levels[..self.levels.len() - 1] {
            out.push(level[i ^ 1]);
            i >>= 1;
        }
        out
    }
}

/// Whether `leaf` sits at `index` under `root` in a tree of `leaves` leaves.
pub fn verify_path(root: &Hash, leaves: usize, index: usize, leaf: &Hash, path: &[Hash]) -> bool {
    let height = leaves.next_power_of_two().trailing_zeros() as usize;
    if index >= leaves || path.len() != height {
        return false;
    }
    let mut acc = *leaf;
    let mut i = index;
    for sibling in path {
        acc = if i & 1 == 0 { node_hash(&acc, sibling) } else { node_hash(sibling, &acc) };
        i >>= 1;
    }
    acc == *root
}
