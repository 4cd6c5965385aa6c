//! The fee Merkle tree against a naive recursive root, with membership and absence proofs.
#![allow(missing_docs)]

use alloy_primitives::{Address, U256};
use doppio_types::{FeeMerkleTree, fee_merkle::FEE_HEIGHT};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use sha3::{Digest, Keccak256};

fn hash(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Keccak256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

fn bit(a: &Address, i: usize) -> bool {
    (a.0[i / 8] >> (7 - i % 8)) & 1 == 1
}

/// The root by recursion over the accounts under each node.
fn naive(accounts: &[(Address, U256)], depth: usize) -> [u8; 32] {
    if depth == FEE_HEIGHT {
        return match accounts {
            [(a, b)] => hash(&[&[0], a.as_slice(), &b.to_be_bytes::<32>()]),
            [] => [0; 32],
            _ => unreachable!("distinct addresses"),
        };
    }
    if accounts.is_empty() {
        let mut z = [0u8; 32];
        for _ in depth..FEE_HEIGHT {
            z = hash(&[&[1], &z, &z]);
        }
        return z;
    }
    let (right, left): (Vec<_>, Vec<_>) = accounts.iter().partition(|(a, _)| bit(a, depth));
    hash(&[&[1], &naive(&left, depth + 1), &naive(&right, depth + 1)])
}

fn funded(tree: &FeeMerkleTree, all: &[Address]) -> Vec<(Address, U256)> {
    all.iter().map(|a| (*a, tree.balance(a))).filter(|(_, b)| !b.is_zero()).collect()
}

#[test]
fn roots_match_the_naive_tree_and_proofs_verify() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let mut accounts: Vec<Address> =
        (0..30).map(|_| Address::from(rng.r#gen::<[u8; 20]>())).collect();
    // Neighbours that share long prefixes.
    accounts.push(Address::ZERO);
    accounts.push(Address::with_last_byte(1));
    accounts.push(Address::repeat_byte(0xff));
    let mut tree = FeeMerkleTree::new();
    let empty_root = tree.root();
    assert_eq!(empty_root, naive(&[], 0));
    for (i, a) in accounts.iter().enumerate() {
        tree.set_balance(*a, U256::from(1_000 + i as u64));
        assert_eq!(tree.root(), naive(&funded(&tree, &accounts), 0), "after {i}");
    }
    let root = tree.root();
    for a in &accounts {
        let p = tree.proof(a);
        assert_eq!(p.balance, tree.balance(a));
        assert!(p.verify(&root));
        let mut bad = p.clone();
        bad.balance += U256::from(1u64);
        assert!(!bad.verify(&root));
        let mut bad = p.clone();
        bad.siblings[100][0] ^= 1;
        assert!(!bad.verify(&root));
    }
    // An unfunded account proves a zero balance; claiming one fails.
    let stranger = Address::repeat_byte(0x42);
    let p = tree.proof(&stranger);
    assert!(p.balance.is_zero() && p.verify(&root));
    let mut bad = p;
    bad.balance = U256::from(5u64);
    assert!(!bad.verify(&root));
    // Updates and removals keep matching; removing everything gives the empty root.
    tree.set_balance(accounts[3], U256::from(7u64));
    tree.set_balance(accounts[4], U256::ZERO);
    assert_eq!(tree.root(), naive(&funded(&tree, &accounts), 0));
    assert_eq!(tree.len(), accounts.len() - 1);
    for a in &accounts {
        tree.set_balance(*a, U256::ZERO);
    }
    assert!(tree.is_empty());
    assert_eq!(tree.root(), empty_root);
}

#[test]
fn the_root_does_not_depend_on_insertion_order() {
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let accounts: Vec<(Address, U256)> =
        (0..20).map(|i| (Address::from(rng.r#gen::<[u8; 20]>()), U256::from(i + 1))).collect();
    let mut a = FeeMerkleTree::new();
    let mut b = FeeMerkleTree::new();
    for (acc, bal) in &accounts {
        a.set_balance(*acc, *bal);
    }
    for (acc, bal) in accounts.iter().rev() {
        b.set_balance(*acc, *bal);
    }
    assert_eq!(a.root(), b.root());
    let json = serde_json::to_string(&a.proof(&accounts[0].0)).unwrap();
    let p: doppio_types::FeeProof = serde_json::from_str(&json).unwrap();
    assert!(p.verify(&b.root()));
}
