//! The block Merkle tree against a naive root, its proofs, and rebuilding from a frontier.
#![allow(missing_docs)]

use doppio_types::{BlockMerkleTree, block_merkle::HEIGHT};
use sha3::{Digest, Keccak256};

fn commitment(i: u64) -> [u8; 32] {
    Keccak256::digest(i.to_le_bytes()).into()
}

fn hash(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Keccak256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// The root computed level by level over a zero-padded array.
fn naive_root(leaves: &[[u8; 32]]) -> [u8; 32] {
    let mut level: Vec<[u8; 32]> = leaves.iter().map(|c| hash(&[&[0], c])).collect();
    let mut zero = [0u8; 32];
    for _ in 0..HEIGHT {
        if level.len() % 2 == 1 {
            level.push(zero);
        }
        level = level.chunks(2).map(|p| hash(&[&[1], &p[0], &p[1]])).collect();
        if level.is_empty() {
            level.push(hash(&[&[1], &zero, &zero]));
        }
        zero = hash(&[&[1], &zero, &zero]);
    }
    level[0]
}

#[test]
fn roots_match_the_naive_tree_and_every_proof_verifies() {
    let mut tree = BlockMerkleTree::new();
    let mut leaves = Vec::new();
    assert_eq!(tree.root(), naive_root(&[]));
    assert!(tree.frontier().is_none());
    for i in 0..40u64 {
        leaves.push(commitment(i));
        tree.push(&leaves[i as usize]).unwrap();
        let root = tree.root();
        assert_eq!(root, naive_root(&leaves), "{} leaves", leaves.len());
        for j in 0..=i {
            let p = tree.proof(j).unwrap();
            assert_eq!(p.leaf, leaves[j as usize]);
            assert!(p.verify(&root), "leaf {j} of {}", i + 1);
        }
        assert!(tree.proof(i + 1).is_none());
    }
    let root = tree.root();
    let good = tree.proof(17).unwrap();
    let mut bad = good.clone();
    bad.leaf[0] ^= 1;
    assert!(!bad.verify(&root));
    let mut bad = good.clone();
    bad.index = 18;
    assert!(!bad.verify(&root));
    let mut bad = good.clone();
    bad.siblings[3][0] ^= 1;
    assert!(!bad.verify(&root));
    let mut bad = good.clone();
    bad.siblings.pop();
    assert!(!bad.verify(&root));
    let mut bad = good;
    bad.index = 1 << 40;
    assert!(!bad.verify(&root));
}

#[test]
fn a_tree_rebuilt_from_its_frontier_appends_the_same_way() {
    for n in [1u64, 2, 3, 4, 5, 7, 8, 13, 16, 31, 33] {
        let mut tree = BlockMerkleTree::new();
        for i in 0..n {
            tree.push(&commitment(i)).unwrap();
        }
        let frontier = tree.frontier().unwrap();
        let json = serde_json::to_string(&frontier).unwrap();
        let frontier: doppio_types::BlockProof = serde_json::from_str(&json).unwrap();
        let mut rebuilt = BlockMerkleTree::from_frontier(&frontier).unwrap();
        assert_eq!(rebuilt.root(), tree.root(), "n = {n}");
        assert_eq!(rebuilt.len(), n);
        assert!(rebuilt.proof(n - 1).unwrap().verify(&tree.root()));
        if n > 1 {
            assert!(rebuilt.proof(0).is_none(), "earlier leaves are unknown");
        }
        for i in n..n + 20 {
            tree.push(&commitment(i)).unwrap();
            rebuilt.push(&commitment(i)).unwrap();
            assert_eq!(rebuilt.root(), tree.root(), "n = {n}, after leaf {i}");
            assert!(rebuilt.proof(i).unwrap().verify(&tree.root()));
        }
    }
    let mut bad = BlockMerkleTree::new();
    bad.push(&commitment(0)).unwrap();
    let mut f = bad.frontier().unwrap();
    f.siblings.pop();
    assert!(BlockMerkleTree::from_frontier(&f).is_none());
}
