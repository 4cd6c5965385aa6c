//! The chain state a node carries from block to block: the block Merkle tree of header
//! commitments, the fee-account tree, and the last decided leaf with its certificate.
//! It is written with every decided block, in the same storage transaction, so a restart
//! resumes exactly where the last decide left off.

use alloy_primitives::{Address, B256, U256};
use doppio_types::{
    BlockMerkleTree, FeeAmount, FeeMerkleTree, Genesis, Header, LeafQueryData,
    block_merkle::BlockProof,
};
use serde::{Deserialize, Serialize};

use crate::l1::{L1Fees, L1HeaderError, L1Refs, apply_credits, header_credits};

/// Why a block cannot be applied or a saved state cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The builder's account cannot pay the block's fee.
    #[error("builder account {account} holds {balance} wei, the block's fee is {fee} wei")]
    InsufficientFee {
        /// The builder's account.
        account: Address,
        /// Its balance.
        balance: U256,
        /// The fee.
        fee: U256,
    },
    /// The fee overflows 256 bits.
    #[error("fee overflow: base fee {base_fee} wei × {size} bytes")]
    FeeOverflow {
        /// The base fee.
        base_fee: U256,
        /// The block size.
        size: u64,
    },
    /// The block Merkle tree holds 2^32 blocks.
    #[error(transparent)]
    TreeFull(#[from] doppio_types::block_merkle::TreeFull),
    /// A header whose Merkle roots are not those of the state after its parent.
    #[error("header at height {height}: {what} root is not the one after its parent")]
    RootMismatch {
        /// The header's height.
        height: u64,
        /// `block Merkle tree` or `fee Merkle tree`.
        what: &'static str,
    },
    /// The header's L1 references or the deposits they credit.
    #[error(transparent)]
    L1(#[from] L1HeaderError),
    /// A saved state that does not parse or does not match its own contents.
    #[error("saved chain state at height {height} is unreadable: {reason}")]
    Corrupt {
        /// The height it was saved at.
        height: u64,
        /// What is wrong.
        reason: String,
    },
}

/// The fee a block of `size` bytes pays at `base_fee`.
pub fn block_fee(base_fee: FeeAmount, size: u64) -> Result<U256, StateError> {
    base_fee
        .0
        .checked_mul(U256::from(size))
        .ok_or(StateError::FeeOverflow { base_fee: base_fee.0, size })
}

/// The state after the last decided block.
#[derive(Clone, Debug)]
pub struct ChainState {
    /// The last view this node proposed in.
    pub view: u64,
    /// The last decided leaf and its certificate.
    pub decided: LeafQueryData,
    /// Commitments of every decided header, in height order.
    pub block_tree: BlockMerkleTree,
    /// Fee-account balances after the last decided block.
    pub fee_tree: FeeMerkleTree,
    /// The node's L1, for the credits of the next blocks (`None`: no L1; not saved).
    pub l1: Option<L1Fees>,
}

/// The trees after a block: what the next header commits to. Kept for undecided leaves
/// too (a leader builds on, and a replica checks proposals against, blocks not decided yet).
#[derive(Clone, Debug)]
pub struct LeafState {
    /// Commitments of every header up to and including this block's.
    pub block_tree: BlockMerkleTree,
    /// Fee balances after this block.
    pub fee_tree: FeeMerkleTree,
    /// This block's L1 references.
    pub l1_refs: L1Refs,
    /// The node's L1, for the credits of the next blocks (`None`: no L1).
    pub l1: Option<L1Fees>,
}

impl LeafState {
    /// The state after `header`'s block, applied on this one (the state after its
    /// parent): its L1 references must not go back (nor move, without an L1), and the
    /// header must commit to this block tree's root and to the fee tree after the L1
    /// deposits it brings in are credited and its fee is charged.
    pub fn apply(&self, header: &Header) -> Result<LeafState, StateError> {
        let height = header.height;
        if B256::from(self.block_tree.root()) != header.block_merkle_tree_root {
            return Err(StateError::RootMismatch { height, what: "block Merkle tree" });
        }
        let mut fee_tree = self.fee_tree.clone();
        fee_step(&mut fee_tree, &self.l1_refs, header, self.l1.as_ref())?;
        if B256::from(fee_tree.root()) != header.fee_merkle_tree_root {
            return Err(StateError::RootMismatch { height, what: "fee Merkle tree" });
        }
        let mut block_tree = self.block_tree.clone();
        block_tree.push(&header.commit().0)?;
        Ok(LeafState { block_tree, fee_tree, l1_refs: L1Refs::of(header), l1: self.l1.clone() })
    }
}

/// One block's change to the fee accounts after a block with L1 references `parent`:
/// the deposits `header` brings in are credited, then its fee is charged to its builder.
pub fn fee_step(
    tree: &mut FeeMerkleTree,
    parent: &L1Refs,
    header: &Header,
    l1: Option<&L1Fees>,
) -> Result<(), StateError> {
    let credits = header_credits(parent, header, l1)?;
    apply_credits(tree, &credits);
    let fee = header.fee_info.amount.0;
    charge_fee(tree, header.fee_info.account, header.chain_config.fee_recipient, fee)
}

/// Fee accounts funded at genesis.
pub fn genesis_fee_tree(genesis: &Genesis) -> FeeMerkleTree {
    let mut tree = FeeMerkleTree::new();
    for (account, amount) in &genesis.accounts {
        tree.set_balance(*account, amount.0);
    }
    tree
}

/// Moves `fee` from the builder's account to the fee recipient.
pub fn charge_fee(
    tree: &mut FeeMerkleTree,
    builder: Address,
    recipient: Address,
    fee: U256,
) -> Result<(), StateError> {
    let balance = tree.balance(&builder);
    let rest = balance.checked_sub(fee).ok_or(StateError::InsufficientFee {
        account: builder,
        balance,
        fee,
    })?;
    tree.set_balance(builder, rest);
    let credited = tree.balance(&recipient).saturating_add(fee);
    tree.set_balance(recipient, credited);
    Ok(())
}

/// Replays the L1 credits and fee charges of `headers` (heights 0.. in order) on the
/// genesis accounts: the fee tree after the last of them. Used to serve catchup at past
/// heights.
pub fn replay_fees(
    genesis: &Genesis,
    headers: &[Header],
    l1: Option<&L1Fees>,
) -> Result<FeeMerkleTree, StateError> {
    let mut tree = genesis_fee_tree(genesis);
    let mut refs = headers.first().map(L1Refs::of).unwrap_or_default();
    for h in headers.iter().filter(|h| h.height > 0) {
        fee_step(&mut tree, &refs, h, l1)?;
        refs = L1Refs::of(h);
    }
    Ok(tree)
}

/// The form in which the state is saved: the block tree as its frontier, the fee tree as
/// its accounts.
#[derive(Serialize, Deserialize)]
struct Saved {
    view: u64,
    decided: LeafQueryData,
    block_count: u64,
    block_frontier: Option<BlockProof>,
    accounts: Vec<(Address, U256)>,
    fee_root: B256,
}

impl ChainState {
    /// Bytes to save with the block at `self.decided`'s height.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut accounts: Vec<(Address, U256)> =
            self.fee_tree.accounts().map(|(a, b)| (*a, *b)).collect();
        accounts.sort();
        let saved = Saved {
            view: self.view,
            decided: self.decided.clone(),
            block_count: self.block_tree.len(),
            block_frontier: self.block_tree.frontier(),
            accounts,
            fee_root: self.fee_tree.root().into(),
        };
        serde_json::to_vec(&saved).expect("chain state serialises")
    }

    /// Reads a state saved at `height`, checking it against itself (tree roots, heights).
    pub fn from_bytes(height: u64, bytes: &[u8]) -> Result<Self, StateError> {
        let corrupt = |reason: String| StateError::Corrupt { height, reason };
        let saved: Saved = serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))?;
        if saved.decided.height() != height {
            return Err(corrupt(format!("it holds the leaf of height {}", saved.decided.height())));
        }
        let block_tree = match &saved.block_frontier {
            None => BlockMerkleTree::new(),
            Some(f) => BlockMerkleTree::from_frontier(f)
                .ok_or_else(|| corrupt("invalid block Merkle frontier".into()))?,
        };
        if block_tree.len() != saved.block_count || saved.block_count != height + 1 {
            return Err(corrupt(format!(
                "{} blocks in the block tree for height {height}",
                block_tree.len()
            )));
        }
        let mut fee_tree = FeeMerkleTree::new();
        for (a, b) in saved.accounts {
            fee_tree.set_balance(a, b);
        }
        let root = B256::from(fee_tree.root());
        if root != saved.fee_root || root != saved.decided.leaf.block_header.fee_merkle_tree_root {
            return Err(corrupt("fee accounts do not match the fee Merkle root".into()));
        }
        let (view, decided) = (saved.view, saved.decided);
        Ok(ChainState { view, decided, block_tree, fee_tree, l1: None })
    }

    /// The trees after the decided block.
    pub fn leaf_state(&self) -> LeafState {
        LeafState {
            block_tree: self.block_tree.clone(),
            fee_tree: self.fee_tree.clone(),
            l1_refs: L1Refs::of(&self.decided.leaf.block_header),
            l1: self.l1.clone(),
        }
    }

    /// The next height to decide.
    pub fn next_height(&self) -> u64 {
        self.decided.height() + 1
    }
}
