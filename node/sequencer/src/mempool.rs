//! The mempool: submitted transactions waiting for a block, bounded in count and bytes,
//! deduplicated by commitment, taken in submission order.

use std::collections::{HashSet, VecDeque};

use doppio_types::{NamespaceId, Transaction, TxCommitment};

/// Default bound on the number of waiting transactions.
pub const DEFAULT_MAX_TRANSACTIONS: usize = 10_000;
/// Default bound on the waiting transactions' payload bytes (64 MiB).
pub const DEFAULT_MAX_BYTES: usize = 64 << 20;

/// Bytes a block payload spends on a namespace besides its transactions: the transaction
/// count.
const NS_OVERHEAD: usize = 4;
/// Bytes a block payload spends on each transaction besides its bytes: its end offset.
const TX_OVERHEAD: usize = 4;

/// Mempool bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MempoolConfig {
    /// Most transactions waiting at once.
    pub max_transactions: usize,
    /// Most payload bytes waiting at once.
    pub max_bytes: usize,
}

impl Default for MempoolConfig {
    fn default() -> Self {
        MempoolConfig { max_transactions: DEFAULT_MAX_TRANSACTIONS, max_bytes: DEFAULT_MAX_BYTES }
    }
}

/// Why a transaction was not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MempoolError {
    /// It could never fit in a block.
    #[error(
        "transaction of {size} bytes cannot fit in a block: the largest that fits is {max} bytes (max_block_size {max_block_size} less {NS_OVERHEAD} + {TX_OVERHEAD} bytes of layout)"
    )]
    TooLarge {
        /// The transaction's payload bytes.
        size: usize,
        /// The largest payload that fits.
        max: usize,
        /// The chain's block size bound.
        max_block_size: u64,
    },
    /// The mempool is at its bound; retry later.
    #[error(
        "mempool full: {transactions} transactions, {bytes} bytes waiting (bounds {max_transactions} and {max_bytes})"
    )]
    Full {
        /// Transactions waiting.
        transactions: usize,
        /// Bytes waiting.
        bytes: usize,
        /// The count bound.
        max_transactions: usize,
        /// The byte bound.
        max_bytes: usize,
    },
}

/// Waiting transactions.
#[derive(Debug, Default)]
pub struct Mempool {
    config: MempoolConfig,
    queue: VecDeque<(TxCommitment, Transaction)>,
    waiting: HashSet<TxCommitment>,
    bytes: usize,
}

/// The largest transaction payload a block of `max_block_size` bytes can hold.
pub fn max_transaction_size(max_block_size: u64) -> usize {
    usize::try_from(max_block_size).unwrap_or(usize::MAX).saturating_sub(NS_OVERHEAD + TX_OVERHEAD)
}

impl Mempool {
    /// An empty mempool.
    pub fn new(config: MempoolConfig) -> Self {
        Mempool { config, ..Default::default() }
    }

    /// Adds `tx` unless the same transaction is already waiting; either way returns its
    /// commitment. `max_block_size` is the current chain config's bound.
    pub fn insert(
        &mut self,
        tx: Transaction,
        max_block_size: u64,
    ) -> Result<TxCommitment, MempoolError> {
        let size = tx.payload.len();
        let max = max_transaction_size(max_block_size);
        if size > max {
            return Err(MempoolError::TooLarge { size, max, max_block_size });
        }
        let commitment = tx.commit();
        if self.waiting.contains(&commitment) {
            return Ok(commitment);
        }
        if self.queue.len() >= self.config.max_transactions
            || self.bytes + size > self.config.max_bytes
        {
            return Err(MempoolError::Full {
                transactions: self.queue.len(),
                bytes: self.bytes,
                max_transactions: self.config.max_transactions,
                max_bytes: self.config.max_bytes,
            });
        }
        self.waiting.insert(commitment);
        self.bytes += size;
        self.queue.push_back((commitment, tx));
        Ok(commitment)
    }

    /// Transactions waiting.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Payload bytes waiting.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Whether `commitment` is waiting.
    pub fn contains(&self, commitment: &TxCommitment) -> bool {
        self.waiting.contains(commitment)
    }

    /// The oldest transactions whose block payload (namespace headers, offsets and bytes)
    /// fits in `max_block_size` bytes; a transaction that does not fit is skipped, not a
    /// stop, so one large transaction does not hold back small ones behind it.
    pub fn select(&self, max_block_size: u64) -> Vec<(TxCommitment, Transaction)> {
        self.select_excluding(max_block_size, &HashSet::new())
    }

    /// [`Mempool::select`] skipping `exclude`: transactions already in a block this node
    /// proposed that is not decided yet (a leader builds on undecided blocks).
    pub fn select_excluding(
        &self,
        max_block_size: u64,
        exclude: &HashSet<TxCommitment>,
    ) -> Vec<(TxCommitment, Transaction)> {
        let budget = usize::try_from(max_block_size).unwrap_or(usize::MAX);
        let mut used = 0usize;
        let mut namespaces: HashSet<NamespaceId> = HashSet::new();
        let mut picked = Vec::new();
        for (c, tx) in self.queue.iter().filter(|(c, _)| !exclude.contains(c)) {
            let ns_cost = if namespaces.contains(&tx.namespace) { 0 } else { NS_OVERHEAD };
            let cost = ns_cost + TX_OVERHEAD + tx.payload.len();
            if used + cost <= budget {
                used += cost;
                namespaces.insert(tx.namespace);
                picked.push((*c, tx.clone()));
            }
        }
        picked
    }

    /// Removes the given transactions (they were decided).
    pub fn remove(&mut self, decided: &[TxCommitment]) {
        let decided: HashSet<&TxCommitment> = decided.iter().collect();
        let bytes = &mut self.bytes;
        let waiting = &mut self.waiting;
        self.queue.retain(|(c, tx)| {
            let keep = !decided.contains(c);
            if !keep {
                *bytes -= tx.payload.len();
                waiting.remove(c);
            }
            keep
        });
    }
}

#[cfg(test)]
mod tests {
    use doppio_types::Payload;

    use super::*;

    fn tx(ns: u32, len: usize, fill: u8) -> Transaction {
        Transaction::new(NamespaceId(ns), vec![fill; len])
    }

    #[test]
    fn duplicates_wait_once_and_bounds_hold() {
        let mut pool = Mempool::new(MempoolConfig { max_transactions: 2, max_bytes: 100 });
        let a = pool.insert(tx(1, 10, 1), 1000).unwrap();
        assert_eq!(pool.insert(tx(1, 10, 1), 1000).unwrap(), a);
        assert_eq!((pool.len(), pool.bytes()), (1, 10));
        assert!(matches!(pool.insert(tx(1, 91, 2), 1000), Err(MempoolError::Full { .. })));
        pool.insert(tx(2, 90, 3), 1000).unwrap();
        let err = pool.insert(tx(3, 1, 4), 1000).unwrap_err();
        assert!(err.to_string().contains("mempool full: 2 transactions"), "{err}");
        pool.remove(&[a]);
        assert_eq!((pool.len(), pool.bytes()), (1, 90));
        assert!(!pool.contains(&a));
        pool.insert(tx(1, 10, 1), 1000).unwrap();
    }

    #[test]
    fn transactions_that_can_never_fit_are_refused() {
        let mut pool = Mempool::default();
        assert_eq!(max_transaction_size(100), 92);
        pool.insert(tx(1, 92, 0), 100).unwrap();
        let err = pool.insert(tx(1, 93, 0), 100).unwrap_err();
        assert_eq!(err, MempoolError::TooLarge { size: 93, max: 92, max_block_size: 100 });
    }

    #[test]
    fn selection_fits_the_real_payload_layout() {
        let mut pool = Mempool::default();
        for (i, (ns, len)) in [(1, 30), (2, 50), (1, 20), (3, 5), (2, 1)].into_iter().enumerate() {
            pool.insert(tx(ns, len, i as u8), 10_000).unwrap();
        }
        for budget in [0u64, 8, 37, 38, 70, 100, 120, 200] {
            let picked = pool.select(budget);
            let txs: Vec<Transaction> = picked.iter().map(|(_, t)| t.clone()).collect();
            let payload = Payload::from_transactions(&txs).unwrap();
            assert!(payload.bytes().len() as u64 <= budget, "budget {budget}");
            // Nothing skipped would have fitted as well.
            for (c, t) in pool.queue.iter().filter(|(c, _)| !picked.iter().any(|(p, _)| p == c)) {
                let mut more = txs.clone();
                more.push(t.clone());
                let bigger = Payload::from_transactions(&more).unwrap();
                assert!(bigger.bytes().len() as u64 > budget, "{c} fits in {budget}");
            }
        }
        assert_eq!(pool.select(200).len(), 5);
    }
}
