//! `FeeContract` deposits read from the L1, and the fee-account credits they make.

use std::collections::BTreeMap;

use alloy::primitives::{Address, U256};

/// One `Deposit(user, amount)` event and the L1 block it is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deposit {
    /// The L1 block.
    pub l1_block: u64,
    /// The credited fee account.
    pub user: Address,
    /// Wei deposited.
    pub amount: U256,
}

/// Deposits of a block range, in L1 order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Deposits {
    /// The deposits, by block then log order.
    pub deposits: Vec<Deposit>,
    /// `eth_getLogs` requests made to read them (one per bounded sub-range).
    pub requests: u64,
}

impl Deposits {
    pub(crate) fn push(&mut self, deposit: Deposit) {
        self.deposits.push(deposit);
    }

    /// What each fee account is credited by the deposits in blocks `after + 1 ..= upto`:
    /// a header whose finalized L1 block moves from `after` to `upto` credits exactly
    /// these. Sums saturate at `U256::MAX` (unreachable with real ether).
    pub fn credits(&self, after: u64, upto: u64) -> BTreeMap<Address, U256> {
        let mut credits = BTreeMap::new();
        for d in self.deposits.iter().filter(|d| d.l1_block > after && d.l1_block <= upto) {
            let entry = credits.entry(d.user).or_insert(U256::ZERO);
            *entry = entry.saturating_add(d.amount);
        }
        credits
    }
}
