//! The block Merkle tree: an append-only Keccak-256 Merkle tree of header commitments,
//! whose root each header carries for the blocks before it.
//!
//! A binary tree of fixed height [`HEIGHT`] (2^32 leaves), empty positions being the
//! hashes of empty subtrees (`zero[0] = [0; 32]`, `zero[l+1] = node(zero[l], zero[l])`),
//! so the root is defined for any number of leaves and a proof always has `HEIGHT`
//! siblings. Leaves are `keccak(0x00 ‖ commitment)`, inner nodes `keccak(0x01 ‖ left ‖
//! right)`. The tree keeps every complete subtree's hash, so appends and proofs cost
//! `O(HEIGHT)` hashes; [`BlockMerkleTree::frontier`] is the proof of the last leaf, which
//! is what a node catching up needs to go on appending.

use sha3::{Digest, Keccak256};

/// Levels of the tree: up to 2^32 blocks.
pub const HEIGHT: usize = 32;

pub use crate::merkle_hash::Hash;
use crate::merkle_hash::{node, zero};

fn leaf_hash(commitment: &Hash) -> Hash {
    let mut h = Keccak256::new();
    h.update([0u8]);
    h.update(commitment);
    h.finalize().into()
}

/// The tree is full.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
#[error("the block Merkle tree is full (2^32 leaves)")]
pub struct TreeFull;

/// Proof that a leaf is at an index: its `HEIGHT` siblings, bottom up.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BlockProof {
    /// The leaf's index (block height).
    pub index: u64,
    /// The leaf (header commitment).
    pub leaf: Hash,
    /// Siblings from the leaf level up.
    pub siblings: Vec<Hash>,
}

impl BlockProof {
    /// The root this proof leads to.
    pub fn root(&self) -> Option<Hash> {
        if self.siblings.len() != HEIGHT || self.index >> HEIGHT != 0 {
            return None;
        }
        let mut acc = leaf_hash(&self.leaf);
        for (l, s) in self.siblings.iter().enumerate() {
            acc = if (self.index >> l) & 1 == 0 { node(&acc, s) } else { node(s, &acc) };
        }
        Some(acc)
    }

    /// Whether the proof leads to `root`.
    pub fn verify(&self, root: &Hash) -> bool {
        self.root().as_ref() == Some(root)
    }
}

/// The append-only tree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockMerkleTree {
    /// The header commitments, in order.
    commitments: Vec<Hash>,
    /// `complete[l][i]`: the hash of the complete subtree of height `l` at position `i`.
    complete: Vec<Vec<Hash>>,
    /// Leaves below this index are not known (a tree rebuilt from a frontier).
    known_from: u64,
}

impl BlockMerkleTree {
    /// An empty tree.
    pub fn new() -> Self {
        BlockMerkleTree {
            commitments: Vec::new(),
            complete: vec![Vec::new(); HEIGHT + 1],
            known_from: 0,
        }
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.commitments.len() as u64
    }

    /// Whether the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a header commitment.
    pub fn push(&mut self, commitment: &Hash) -> Result<(), TreeFull> {
        if self.complete.is_empty() {
            *self = Self::new();
        }
        if self.len() >> HEIGHT != 0 {
            return Err(TreeFull);
        }
        self.commitments.push(*commitment);
        self.complete[0].push(leaf_hash(commitment));
        self.carry();
        Ok(())
    }

    /// Hashes the complete subtrees that end at the last leaf. (In a tree rebuilt from
    /// a frontier, the levels above hold placeholders before the path; `resize` keeps
    /// every parent at its position.)
    fn carry(&mut self) {
        let mut l = 0;
        while l < HEIGHT && self.complete[l].len().is_multiple_of(2) {
            let level = &self.complete[l];
            let count = level.len();
            let parent = node(&level[count - 2], &level[count - 1]);
            self.complete[l + 1].resize(count / 2 - 1, [0; 32]);
            self.complete[l + 1].push(parent);
            l += 1;
        }
    }

    /// The hash of the subtree of height `l` at position `i`, complete or not.
    fn subtree(&self, l: usize, i: u64) -> Hash {
        if let Some(h) = self.complete.get(l).and_then(|v| v.get(i as usize)) {
            return *h;
        }
        if l == 0 || i << l >= self.len() {
            return *zero(l);
        }
        node(&self.subtree(l - 1, 2 * i), &self.subtree(l - 1, 2 * i + 1))
    }

    /// The root.
    pub fn root(&self) -> Hash {
        self.subtree(HEIGHT, 0)
    }

    /// Proof of leaf `index`, if the tree has it (a tree rebuilt from a frontier only
    /// proves the leaves from the frontier's on).
    pub fn proof(&self, index: u64) -> Option<BlockProof> {
        if index < self.known_from {
            return None;
        }
        let leaf = *self.commitments.get(usize::try_from(index).ok()?)?;
        let siblings = (0..HEIGHT).map(|l| self.subtree(l, (index >> l) ^ 1)).collect();
        Some(BlockProof { index, leaf, siblings })
    }

    /// The proof of the last leaf: what a node catching up needs to go on appending.
    pub fn frontier(&self) -> Option<BlockProof> {
        self.proof(self.len().checked_sub(1)?)
    }

    /// Rebuilds a tree's appendable state from its frontier: the same root and
    /// `len`, able to take new leaves, but without proofs of earlier leaves.
    pub fn from_frontier(frontier: &BlockProof) -> Option<Self> {
        frontier.root()?;
        let len = frontier.index + 1;
        let mut tree = Self::new();
        // At each level, the left siblings on the frontier's path are complete subtrees.
        for l in 0..HEIGHT {
            let i = len.checked_sub(1)? >> l;
            if i & 1 == 1 {
                let pos = (i ^ 1) as usize;
                tree.complete[l].resize(pos, [0; 32]);
                tree.complete[l].push(frontier.siblings[l]);
            }
        }
        tree.known_from = len - 1;
        tree.commitments.resize((len - 1) as usize, [0; 32]);
        tree.commitments.push(frontier.leaf);
        tree.complete[0].resize((len - 1) as usize, [0; 32]);
        tree.complete[0].push(leaf_hash(&frontier.leaf));
        tree.carry();
        Some(tree)
    }
}
