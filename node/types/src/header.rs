//! Block headers and the L1 and fee information they carry.
//!
//! The header commitment is `keccak("DOPPIO-HEADER-V1" ‖ fields)` with every field in a
//! fixed-width big-endian form (variable-length fields prefixed by their length), shown as
//! tagged base64 `BLOCK~…`.

use alloy_primitives::{Address, B256, U256};
use doppio_vid::VidCommitment;
use serde::{Deserialize, Serialize};
use sha3::{Digest, Keccak256};

use crate::chain_config::{ChainConfig, FeeAmount};

/// An L1 block the sequencer refers to (its finalized block).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct L1BlockInfo {
    /// Block number.
    pub number: u64,
    /// Block timestamp (seconds).
    pub timestamp: U256,
    /// Block hash.
    pub hash: B256,
}

/// The fee a block's builder pays and from which account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FeeInfo {
    /// The paying account.
    pub account: Address,
    /// The amount, `base_fee × payload size`.
    pub amount: FeeAmount,
}

/// A block header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The chain's parameters in force for this block.
    pub chain_config: ChainConfig,
    /// Block height (genesis is 0).
    pub height: u64,
    /// Unix time in seconds.
    pub timestamp: u64,
    /// Latest L1 block number the sequencer had seen.
    pub l1_head: u64,
    /// Latest finalized L1 block, if any yet.
    pub l1_finalized: Option<L1BlockInfo>,
    /// VID commitment of the payload.
    pub payload_commitment: VidCommitment,
    /// The payload's namespace table (base64 in JSON).
    #[serde(with = "crate::transaction::base64_bytes")]
    pub ns_table: Vec<u8>,
    /// Root of the Merkle tree of previous block commitments.
    pub block_merkle_tree_root: B256,
    /// Root of the fee-account Merkle tree after this block.
    pub fee_merkle_tree_root: B256,
    /// The fee paid for this block.
    pub fee_info: FeeInfo,
}

/// The tag of header commitments.
pub const TAG_BLOCK: &str = "BLOCK";

crate::commitment::commitment_type!(
    /// A header commitment (`BLOCK~…`).
    HeaderCommitment,
    TAG_BLOCK
);

fn chain_config_bytes(h: &mut Keccak256, c: &ChainConfig) {
    h.update(c.chain_id.to_be_bytes::<32>());
    h.update(c.max_block_size.to_be_bytes());
    h.update(c.base_fee.0.to_be_bytes::<32>());
    h.update(c.fee_recipient);
    match c.fee_contract {
        Some(a) => {
            h.update([1]);
            h.update(a);
        }
        None => h.update([0]),
    }
}

impl Header {
    /// The header's commitment.
    pub fn commit(&self) -> HeaderCommitment {
        let mut h = Keccak256::new();
        h.update(b"DOPPIO-HEADER-V1");
        chain_config_bytes(&mut h, &self.chain_config);
        h.update(self.height.to_be_bytes());
        h.update(self.timestamp.to_be_bytes());
        h.update(self.l1_head.to_be_bytes());
        match &self.l1_finalized {
            Some(b) => {
                h.update([1]);
                h.update(b.number.to_be_bytes());
                h.update(b.timestamp.to_be_bytes::<32>());
                h.update(b.hash);
            }
            None => h.update([0]),
        }
        h.update(self.payload_commitment.0);
        h.update((self.ns_table.len() as u64).to_be_bytes());
        h.update(&self.ns_table);
        h.update(self.block_merkle_tree_root);
        h.update(self.fee_merkle_tree_root);
        h.update(self.fee_info.account);
        h.update(self.fee_info.amount.0.to_be_bytes::<32>());
        HeaderCommitment(h.finalize().into())
    }
}
