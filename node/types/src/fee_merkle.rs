//! The fee Merkle tree: a sparse Keccak-256 Merkle tree of fee-account balances keyed
//! by address, whose root each header carries.
//!
//! Height 160: the path of an account is its address, most significant bit first.
//! A funded account's leaf is `keccak(0x00 ‖ address ‖ balance as 32 bytes BE)`; an
//! account with no balance is an empty leaf, so a proof of a zero balance is a proof of
//! absence. Inner nodes are `keccak(0x01 ‖ left ‖ right)`; empty subtrees hash to the
//! zero hashes (`zero[0] = [0; 32]`). Only non-empty nodes are stored, so an update or a
//! proof costs 160 hashes whatever the number of accounts.

use std::collections::HashMap;

use alloy_primitives::{Address, U256};
use sha3::{Digest, Keccak256};

/// Depth of the tree: one level per address bit.
pub const FEE_HEIGHT: usize = 160;

pub use crate::merkle_hash::Hash;
use crate::merkle_hash::{node, zero};

fn leaf(account: &Address, balance: &U256) -> Hash {
    if balance.is_zero() {
        return [0; 32];
    }
    let mut h = Keccak256::new();
    h.update([0u8]);
    h.update(account);
    h.update(balance.to_be_bytes::<32>());
    h.finalize().into()
}

/// Bit `i` (most significant first) of an address.
fn bit(a: &Address, i: usize) -> bool {
    (a.0[i / 8] >> (7 - i % 8)) & 1 == 1
}

/// The first `depth` bits of `a`, the rest cleared: a node's key at that depth.
fn prefix(a: &Address, depth: usize) -> [u8; 20] {
    let mut out = [0u8; 20];
    let full = depth / 8;
    out[..full].copy_from_slice(&a.0[..full]);
    if !depth.is_multiple_of(8) {
        out[full] = a.0[full] & (0xffu8 << (8 - depth % 8));
    }
    out
}

fn with_bit(p: &[u8; 20], i: usize, value: bool) -> [u8; 20] {
    let mut out = *p;
    if value {
        out[i / 8] |= 1 << (7 - i % 8);
    } else {
        out[i / 8] &= !(1 << (7 - i % 8));
    }
    out
}

/// Proof of an account's balance (zero for an account not in the tree).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FeeProof {
    /// The account.
    pub account: Address,
    /// Its balance in wei.
    pub balance: U256,
    /// Siblings from the leaf up (`FEE_HEIGHT` of them).
    pub siblings: Vec<Hash>,
}

impl FeeProof {
    /// The root this proof leads to.
    pub fn root(&self) -> Option<Hash> {
        if self.siblings.len() != FEE_HEIGHT {
            return None;
        }
        let mut acc = leaf(&self.account, &self.balance);
        for (k, s) in self.siblings.iter().enumerate() {
            let depth = FEE_HEIGHT - 1 - k;
            acc = if bit(&self.account, depth) { node(s, &acc) } else { node(&acc, s) };
        }
        Some(acc)
    }

    /// Whether the proof leads to `root`.
    pub fn verify(&self, root: &Hash) -> bool {
        self.root().as_ref() == Some(root)
    }
}

/// Fee-account balances with their Merkle tree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeeMerkleTree {
    balances: HashMap<Address, U256>,
    /// Non-empty nodes by (depth, key prefix); depth 0 is the root, 160 the leaves.
    nodes: HashMap<(u8, [u8; 20]), Hash>,
}

impl FeeMerkleTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    fn get(&self, depth: usize, key: &[u8; 20]) -> Hash {
        self.nodes.get(&(depth as u8, *key)).copied().unwrap_or(*zero(FEE_HEIGHT - depth))
    }

    fn set(&mut self, depth: usize, key: [u8; 20], h: Hash) {
        if h == *zero(FEE_HEIGHT - depth) {
            self.nodes.remove(&(depth as u8, key));
        } else {
            self.nodes.insert((depth as u8, key), h);
        }
    }

    /// The root.
    pub fn root(&self) -> Hash {
        self.get(0, &[0; 20])
    }

    /// An account's balance (zero if it has none).
    pub fn balance(&self, account: &Address) -> U256 {
        self.balances.get(account).copied().unwrap_or_default()
    }

    /// Funded accounts and their balances, in no particular order.
    pub fn accounts(&self) -> impl Iterator<Item = (&Address, &U256)> {
        self.balances.iter()
    }

    /// Number of funded accounts.
    pub fn len(&self) -> usize {
        self.balances.len()
    }

    /// Whether no account is funded.
    pub fn is_empty(&self) -> bool {
        self.balances.is_empty()
    }

    /// Sets an account's balance (zero removes it) and updates the path to the root.
    pub fn set_balance(&mut self, account: Address, balance: U256) {
        if balance.is_zero() {
            self.balances.remove(&account);
        } else {
            self.balances.insert(account, balance);
        }
        self.set(FEE_HEIGHT, account.0.0, leaf(&account, &balance));
        for depth in (0..FEE_HEIGHT).rev() {
            let key = prefix(&account, depth);
            let left = self.get(depth + 1, &with_bit(&key, depth, false));
            let right = self.get(depth + 1, &with_bit(&key, depth, true));
            self.set(depth, key, node(&left, &right));
        }
    }

    /// The proof of an account's balance (a proof of absence for an unfunded one).
    pub fn proof(&self, account: &Address) -> FeeProof {
        let siblings = (0..FEE_HEIGHT)
            .rev()
            .map(|depth| {
                let own = prefix(account, depth + 1);
                self.get(depth + 1, &with_bit(&own, depth, !bit(account, depth)))
            })
            .collect();
        FeeProof { account: *account, balance: self.balance(account), siblings }
    }
}
