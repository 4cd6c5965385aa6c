//! The node's L1: the head and finalized block its headers refer to, and the
//! `FeeContract` deposits that credit fee accounts.
//!
//! A header whose `l1_finalized` moves from the parent's block `a` to block `b` credits
//! every `Deposit` event of blocks `a + 1 ..= b` (exclusive of the parent's block,
//! inclusive of its own; a parent without an `l1_finalized` counts from block 0), before
//! the block's fee is charged. [`L1Fees`] reads those deposits in the background as the
//! L1 finalizes blocks and answers credit requests synchronously from what it has read,
//! so that block building, the header validator and the decide path compute the same
//! credits from the same ranges. A range ending past the last finalized block it has read
//! is refused ([`L1HeaderError::NotFinalizedHere`]), as a header referring to it is.

use std::{
    collections::{BTreeMap, VecDeque},
    sync::{Arc, RwLock, Weak},
    time::{Duration, Instant},
};

use alloy_primitives::{Address, U256};
use doppio_l1::{Deposit, L1Client};
use doppio_types::{Header, L1BlockInfo};
use tokio::sync::watch;

/// Why a header's L1 references or credits are refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum L1HeaderError {
    /// `l1_finalized` is before the parent's (or dropped).
    #[error(
        "header at height {height}: l1_finalized {proposed:?} goes back from the parent's block {parent}"
    )]
    FinalizedBackwards {
        /// The header's height.
        height: u64,
        /// The parent's finalized block number.
        parent: u64,
        /// The header's (`None`: dropped).
        proposed: Option<u64>,
    },
    /// `l1_finalized` names the parent's block number with another hash or timestamp.
    #[error("header at height {height}: l1_finalized block {number} differs from the parent's")]
    FinalizedRewritten {
        /// The header's height.
        height: u64,
        /// The block number.
        number: u64,
    },
    /// `l1_head` is before the parent's.
    #[error("header at height {height}: l1_head {proposed} goes back from the parent's {parent}")]
    HeadBackwards {
        /// The header's height.
        height: u64,
        /// The parent's head.
        parent: u64,
        /// The header's.
        proposed: u64,
    },
    /// `l1_finalized` is a block this node's L1 has not finalized (or whose deposits it
    /// has not read) yet.
    #[error(
        "header at height {height}: l1_finalized block {proposed} is not finalized on this node's L1 yet (it has read up to {read:?})"
    )]
    NotFinalizedHere {
        /// The header's height.
        height: u64,
        /// The header's finalized block number.
        proposed: u64,
        /// The last finalized block whose deposits this node has read.
        read: Option<u64>,
    },
    /// The L1 references differ from the parent's on a node without an L1 client.
    #[error(
        "header at height {height}: l1_head or l1_finalized differs from the parent's and this node has no L1 (--l1-provider-url)"
    )]
    NoL1 {
        /// The header's height.
        height: u64,
    },
    /// The credits asked for start before the first block this node reads deposits from.
    #[error(
        "header at height {height}: deposits after L1 block {after:?} are not read by this node (it reads those after {start:?})"
    )]
    BeforeStart {
        /// The header's height.
        height: u64,
        /// The parent's finalized block.
        after: Option<u64>,
        /// The block this node reads deposits after.
        start: Option<u64>,
    },
    /// `l1_finalized` names a block this node's L1 finalized with another hash or
    /// timestamp (checked for the finalized blocks this node polled).
    #[error(
        "header at height {height}: l1_finalized block {number} is not the block of that number on this node's L1"
    )]
    NotThisL1 {
        /// The header's height.
        height: u64,
        /// The block number.
        number: u64,
    },
    /// The header's chain config names another fee contract than the one read.
    #[error(
        "header at height {height}: chain config fee_contract {header:?} is not the contract this node reads ({read:?})"
    )]
    OtherFeeContract {
        /// The header's height.
        height: u64,
        /// The header's chain config's contract.
        header: Option<Address>,
        /// The one this node reads.
        read: Option<Address>,
    },
}

/// Where the chain is on the L1 after some block: the references of its header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct L1Refs {
    /// `l1_head`.
    pub head: u64,
    /// `l1_finalized`.
    pub finalized: Option<L1BlockInfo>,
}

impl L1Refs {
    /// The references of `header`.
    pub fn of(header: &Header) -> Self {
        L1Refs { head: header.l1_head, finalized: header.l1_finalized }
    }
}

/// The credits `header` makes after a block whose references are `parent`: its L1
/// references are checked (neither goes back; without an L1 they must not move), then
/// the deposits between the two finalized blocks are summed per account.
pub fn header_credits(
    parent: &L1Refs,
    header: &Header,
    l1: Option<&L1Fees>,
) -> Result<BTreeMap<Address, U256>, L1HeaderError> {
    let proposed = L1Refs::of(header);
    refs_credits(parent, &proposed, header.chain_config.fee_contract, header.height, l1)
}

/// [`header_credits`] for the references `proposed` of the header at `height`, whose
/// chain config names `fee_contract`: what a leader checks before it builds the header.
pub fn refs_credits(
    parent: &L1Refs,
    proposed: &L1Refs,
    fee_contract: Option<Address>,
    height: u64,
    l1: Option<&L1Fees>,
) -> Result<BTreeMap<Address, U256>, L1HeaderError> {
    if proposed.head < parent.head {
        return Err(L1HeaderError::HeadBackwards {
            height,
            parent: parent.head,
            proposed: proposed.head,
        });
    }
    if let Some(p) = parent.finalized {
        match proposed.finalized {
            Some(b) if b.number > p.number => {}
            Some(b) if b.number == p.number && b != p => {
                return Err(L1HeaderError::FinalizedRewritten { height, number: b.number });
            }
            Some(b) if b.number == p.number => {}
            other => {
                return Err(L1HeaderError::FinalizedBackwards {
                    height,
                    parent: p.number,
                    proposed: other.map(|b| b.number),
                });
            }
        }
    }
    let moved = proposed.finalized.filter(|b| Some(*b) != parent.finalized);
    let Some(l1) = l1 else {
        return match (moved, proposed.head == parent.head) {
            (None, true) => Ok(BTreeMap::new()),
            _ => Err(L1HeaderError::NoL1 { height }),
        };
    };
    let Some(to) = moved else { return Ok(BTreeMap::new()) };
    let read = l1.fee_contract();
    if fee_contract != read {
        return Err(L1HeaderError::OtherFeeContract { height, header: fee_contract, read });
    }
    l1.credits_to_block(height, parent.finalized.map(|b| b.number), &to)
}

/// Adds `credits` to the accounts of `tree` (sums saturate at `U256::MAX`, unreachable
/// with real ether). Balances only grow, so the order does not change the root; the map
/// is ordered anyway.
pub fn apply_credits(tree: &mut doppio_types::FeeMerkleTree, credits: &BTreeMap<Address, U256>) {
    for (account, amount) in credits {
        let balance = tree.balance(account).saturating_add(*amount);
        tree.set_balance(*account, balance);
    }
}

/// The L1 as the node reads it: the head, the finalized blocks seen, the deposits of
/// every finalized block after the start. Cheap to clone.
#[derive(Clone, Debug)]
pub struct L1Fees {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: L1Client,
    fee_contract: Option<Address>,
    /// Deposits are read in blocks after this one (`None`: from block 0).
    start: Option<u64>,
    read: RwLock<Read>,
    /// The last finalized block whose deposits are read.
    read_tx: watch::Sender<Option<u64>>,
}

#[derive(Debug, Default)]
struct Read {
    head: u64,
    /// The last finalized block whose deposits are read.
    finalized: Option<L1BlockInfo>,
    /// Deposits of blocks `start + 1 ..= finalized`, in L1 order.
    deposits: Vec<Deposit>,
    /// Finalized blocks as they were read, with when (for [`L1Fees::proposal`]).
    recent: VecDeque<(Instant, L1BlockInfo)>,
    /// The last [`SEEN`] finalized blocks polled, by number, to check headers against.
    seen: BTreeMap<u64, L1BlockInfo>,
}

/// Finalized blocks remembered for proposals.
const RECENT: usize = 16;
/// Finalized blocks remembered to check headers' `l1_finalized` against.
const SEEN: usize = 4096;

impl L1Fees {
    /// Starts reading `client`'s L1: its head and finalized block every polling
    /// interval, and the `fee_contract` deposits (none without one) of the finalized
    /// blocks after `start` (`None`: from block 0). The reading task stops when the last
    /// clone is dropped.
    pub fn start(client: L1Client, fee_contract: Option<Address>, start: Option<u64>) -> Self {
        let inner = Arc::new(Inner {
            client,
            fee_contract,
            start,
            read: RwLock::new(Read::default()),
            read_tx: watch::channel(None).0,
        });
        tokio::spawn(follow(Arc::downgrade(&inner)));
        L1Fees { inner }
    }

    /// The client.
    pub fn client(&self) -> &L1Client {
        &self.inner.client
    }

    /// The fee contract whose deposits are read.
    pub fn fee_contract(&self) -> Option<Address> {
        self.inner.fee_contract
    }

    /// The last finalized block whose deposits are read.
    pub fn finalized(&self) -> Option<L1BlockInfo> {
        self.inner.read.read().expect("L1 read lock").finalized
    }

    /// What a leader puts in a header now: the latest head, and the latest finalized
    /// block read at least one polling interval ago (so that replicas polling as often
    /// have most likely read it too; `None` before there is one).
    pub fn proposal(&self) -> L1Refs {
        let read = self.inner.read.read().expect("L1 read lock");
        let settle = self.inner.client.options().polling_interval;
        let finalized =
            read.recent.iter().rev().find(|(at, _)| at.elapsed() >= settle).map(|(_, b)| *b);
        L1Refs { head: read.head, finalized }
    }

    /// Waits until the deposits of finalized block `number` are read.
    pub async fn wait_read(&self, number: u64) {
        let mut rx = self.inner.read_tx.subscribe();
        let _ = rx.wait_for(|n| n.is_some_and(|n| n >= number)).await;
    }

    /// The deposits of blocks `after + 1 ..= block` (`after = None`: from block 0)
    /// summed per account, for the header at `height`; `block` is checked against the
    /// finalized block of that number if this node polled it.
    pub fn credits_to_block(
        &self,
        height: u64,
        after: Option<u64>,
        block: &L1BlockInfo,
    ) -> Result<BTreeMap<Address, U256>, L1HeaderError> {
        let upto = block.number;
        let start = self.inner.start;
        if after < start {
            return Err(L1HeaderError::BeforeStart { height, after, start });
        }
        let read = self.inner.read.read().expect("L1 read lock");
        let read_upto = read.finalized.map(|b| b.number);
        if read.seen.get(&upto).is_some_and(|seen| seen != block) {
            return Err(L1HeaderError::NotThisL1 { height, number: upto });
        }
        if read_upto.is_none_or(|r| upto > r) {
            return Err(L1HeaderError::NotFinalizedHere {
                height,
                proposed: upto,
                read: read_upto,
            });
        }
        let mut credits = BTreeMap::new();
        let from = after.map_or(0, |a| a + 1);
        for d in read.deposits.iter().filter(|d| d.l1_block >= from && d.l1_block <= upto) {
            let entry = credits.entry(d.user).or_insert(U256::ZERO);
            *entry = entry.saturating_add(d.amount);
        }
        Ok(credits)
    }
}

#[cfg(test)]
impl L1Fees {
    /// Records `block` as read and finalized, with no deposits, as a poll would.
    fn record(&self, block: L1BlockInfo) {
        let mut read = self.inner.read.write().expect("L1 read lock");
        read.finalized = Some(block);
        read.seen.insert(block.number, block);
    }
}

/// The reading task: polls head and finalized block, then reads the deposits of the
/// newly finalized blocks; an L1 failure is logged and retried at the next poll.
async fn follow(inner: Weak<Inner>) {
    loop {
        let Some(me) = inner.upgrade() else { return };
        let interval = me.client.options().polling_interval;
        if let Err(e) = poll(&me).await {
            tracing::warn!(error = %e, "L1: reading head, finalized block or deposits failed");
        }
        drop(me);
        tokio::time::sleep(interval).await;
    }
}

async fn poll(me: &Inner) -> Result<(), doppio_l1::L1Error> {
    let snapshot = me.client.snapshot().await?;
    let last = me.read.read().expect("L1 read lock").finalized.map(|b| b.number);
    me.read.write().expect("L1 read lock").head = snapshot.head;
    let Some(finalized) = snapshot.finalized else { return Ok(()) };
    let from = last.or(me.start).map_or(0, |n| n + 1);
    if finalized.number < from {
        return Ok(());
    }
    let deposits = match me.fee_contract {
        Some(contract) => me.client.deposits(contract, from, finalized.number).await?.deposits,
        None => Vec::new(),
    };
    let mut read = me.read.write().expect("L1 read lock");
    if !deposits.is_empty() {
        tracing::info!(count = deposits.len(), from, to = finalized.number, "L1 deposits read");
    }
    read.deposits.extend(deposits);
    read.finalized = Some(finalized);
    read.recent.push_back((Instant::now(), finalized));
    read.seen.insert(finalized.number, finalized);
    if read.seen.len() > SEEN {
        read.seen.pop_first();
    }
    if read.recent.len() > RECENT {
        read.recent.pop_front();
    }
    drop(read);
    me.read_tx.send_replace(Some(finalized.number));
    Ok(())
}

/// Time between the progress lines of [`wait_for_genesis`].
pub const GENESIS_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// The genesis `[l1_finalized]` block `number`, once the L1 has finalized it (a node
/// started earlier waits here, logging the L1's finalized block as it goes).
pub async fn wait_for_genesis(client: &L1Client, number: u64) -> L1BlockInfo {
    let wait = client.wait_for_finalized(number);
    tokio::pin!(wait);
    loop {
        tokio::select! {
            block = &mut wait => return block,
            _ = tokio::time::sleep(GENESIS_LOG_INTERVAL) => {
                let now = client.finalized().await.ok().flatten().map(|b| b.number);
                tracing::info!(genesis = number, finalized = ?now, "waiting for the genesis L1 block to be finalized");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use alloy_primitives::B256;
    use doppio_consensus::HeaderValidator;
    use doppio_types::{ChainConfig, FeeMerkleTree, Genesis, Leaf};
    use doppio_vid::VidCommitment;

    use super::*;
    use crate::{
        state::{LeafState, StateError},
        validator::{ChainValidator, Speculative},
    };

    fn block(number: u64) -> L1BlockInfo {
        L1BlockInfo {
            number,
            timestamp: U256::from(number * 12),
            hash: B256::repeat_byte(number as u8),
        }
    }

    fn header(height: u64, head: u64, finalized: Option<u64>) -> Header {
        Header {
            chain_config: ChainConfig::default(),
            height,
            timestamp: 1_700_000_000,
            l1_head: head,
            l1_finalized: finalized.map(block),
            payload_commitment: VidCommitment([0; 32]),
            ns_table: vec![0, 0, 0, 0],
            block_merkle_tree_root: B256::ZERO,
            fee_merkle_tree_root: B256::ZERO,
            fee_info: Default::default(),
        }
    }

    fn parent(head: u64, finalized: Option<u64>) -> L1Refs {
        L1Refs { head, finalized: finalized.map(block) }
    }

    /// An L1 whose only URL is dead: it never reads a finalized block.
    fn dead_l1() -> L1Fees {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let url = format!("http://127.0.0.1:{port}").parse().unwrap();
        let client = L1Client::new(&[url], Default::default()).unwrap();
        L1Fees::start(client, None, Some(10))
    }

    #[test]
    fn finalized_going_back_or_dropped_is_refused() {
        let err = header_credits(&parent(20, Some(10)), &header(3, 20, Some(9)), None);
        let want = L1HeaderError::FinalizedBackwards { height: 3, parent: 10, proposed: Some(9) };
        assert_eq!(err, Err(want));
        let err = header_credits(&parent(20, Some(10)), &header(3, 20, None), None);
        let want = L1HeaderError::FinalizedBackwards { height: 3, parent: 10, proposed: None };
        assert_eq!(err, Err(want));
        let mut rewritten = header(3, 20, Some(10));
        rewritten.l1_finalized.as_mut().unwrap().hash = B256::ZERO;
        let err = header_credits(&parent(20, Some(10)), &rewritten, None);
        assert_eq!(err, Err(L1HeaderError::FinalizedRewritten { height: 3, number: 10 }));
        let err = header_credits(&parent(20, Some(10)), &header(3, 19, Some(10)), None);
        let want = L1HeaderError::HeadBackwards { height: 3, parent: 20, proposed: 19 };
        assert_eq!(err, Err(want));
    }

    #[test]
    fn without_an_l1_the_references_must_stay_the_parents() {
        let same = header_credits(&parent(20, Some(10)), &header(3, 20, Some(10)), None);
        assert_eq!(same, Ok(BTreeMap::new()));
        let err = header_credits(&parent(20, Some(10)), &header(3, 21, Some(10)), None);
        assert_eq!(err, Err(L1HeaderError::NoL1 { height: 3 }));
        let err = header_credits(&parent(20, Some(10)), &header(3, 20, Some(11)), None);
        assert_eq!(err, Err(L1HeaderError::NoL1 { height: 3 }));
    }

    #[tokio::test]
    async fn a_block_not_final_on_this_l1_or_before_its_start_is_refused() {
        let l1 = dead_l1();
        let err = header_credits(&parent(20, Some(10)), &header(3, 20, Some(12)), Some(&l1));
        let want = L1HeaderError::NotFinalizedHere { height: 3, proposed: 12, read: None };
        assert_eq!(err, Err(want));
        assert_eq!(
            l1.credits_to_block(3, Some(9), &block(12)),
            Err(L1HeaderError::BeforeStart { height: 3, after: Some(9), start: Some(10) })
        );
        let mut other = header(3, 20, Some(12));
        other.chain_config.fee_contract = Some(Address::repeat_byte(1));
        let err = header_credits(&parent(20, Some(10)), &other, Some(&l1));
        assert!(matches!(err, Err(L1HeaderError::OtherFeeContract { height: 3, .. })), "{err:?}");
        // A block this node polled, with another hash.
        l1.record(block(12));
        let mut forged = header(3, 20, Some(12));
        forged.l1_finalized.as_mut().unwrap().hash = B256::ZERO;
        let err = header_credits(&parent(20, Some(10)), &forged, Some(&l1));
        assert_eq!(err, Err(L1HeaderError::NotThisL1 { height: 3, number: 12 }));
        let ok = header_credits(&parent(20, Some(10)), &header(3, 20, Some(12)), Some(&l1));
        assert_eq!(ok, Ok(BTreeMap::new()), "no fee contract, no deposits");
        // Unchanged references need nothing from the L1.
        let same = header_credits(&parent(20, Some(10)), &header(3, 25, Some(10)), Some(&l1));
        assert_eq!(same, Ok(BTreeMap::new()));
    }

    #[test]
    fn leaf_state_and_validator_refuse_a_finalized_block_going_back() {
        let genesis_header = header(0, 20, Some(10));
        let state = LeafState {
            block_tree: doppio_types::BlockMerkleTree::new(),
            fee_tree: FeeMerkleTree::new(),
            l1_refs: L1Refs::of(&genesis_header),
            l1: None,
        };
        let mut back = header(1, 20, Some(9));
        back.block_merkle_tree_root = state.block_tree.root().into();
        back.fee_merkle_tree_root = state.fee_tree.root().into();
        let err = state.apply(&back).unwrap_err();
        let want = L1HeaderError::FinalizedBackwards { height: 1, parent: 10, proposed: Some(9) };
        assert!(matches!(&err, StateError::L1(e) if *e == want), "{err:?}");

        // The same header proposed to a replica: its validator refuses it, and accepts
        // it with the parent's finalized block.
        let genesis = Genesis::from_toml_str(
            "[chain_config]\nchain_id = 35353\nbase_fee = '0 wei'\nmax_block_size = '30kb'\n\
             fee_recipient = '0x0000000000000000000000000000000000000000'\n\
             [header]\ntimestamp = \"2023-11-14T22:13:20Z\"\n[stake_table]\ncapacity = 10\n",
        )
        .unwrap();
        back.chain_config = genesis.chain_config;
        let parent_leaf = Leaf::genesis(genesis_header);
        let states = Arc::new(Mutex::new(Speculative::new(&parent_leaf, state.clone())));
        let validator = ChainValidator::new(Arc::new(genesis), states);
        let leaf = |h: Header| Leaf {
            view_number: 1,
            parent_commitment: parent_leaf.commit(),
            block_header: h,
            justify_qc: None,
        };
        let refused = validator.validate(&parent_leaf, &leaf(back.clone())).unwrap_err();
        assert!(
            refused.reason.contains("goes back from the parent's block 10"),
            "{}",
            refused.reason
        );
        let mut ok = back;
        ok.l1_finalized = Some(block(10));
        validator.validate(&parent_leaf, &leaf(ok)).unwrap();
    }
}
