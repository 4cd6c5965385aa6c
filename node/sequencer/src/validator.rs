//! The header validator consensus calls before this node votes, and the states after
//! undecided leaves it keeps for that and for block building.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use doppio_consensus::{HeaderValidator, InvalidHeader};
use doppio_types::{Genesis, Leaf, LeafCommitment};

use crate::{node::check_header_fields, state::LeafState};

/// The leaves this node has seen since the last decided one, and the state after each
/// whose chain back to a known state it could apply.
#[derive(Default)]
pub struct Speculative {
    states: HashMap<LeafCommitment, (u64, LeafState)>,
    leaves: HashMap<LeafCommitment, Leaf>,
}

impl Speculative {
    /// Starts from the last decided leaf and its state.
    pub fn new(decided: &Leaf, state: LeafState) -> Self {
        let mut s = Speculative::default();
        s.states.insert(decided.commit(), (decided.view_number, state));
        s.leaves.insert(decided.commit(), decided.clone());
        s
    }

    /// Remembers a leaf (its state is computed when asked for).
    pub fn add_leaf(&mut self, leaf: &Leaf) {
        self.leaves.entry(leaf.commit()).or_insert_with(|| leaf.clone());
    }

    /// The state after `leaf`: known, or applied from the nearest ancestor with a known
    /// state through the leaves seen. `None` when the chain back is not known.
    pub fn state_after(&mut self, leaf: &Leaf) -> Option<LeafState> {
        self.add_leaf(leaf);
        let mut chain = Vec::new();
        let mut at = leaf.commit();
        let mut base = loop {
            if let Some((_, s)) = self.states.get(&at) {
                break s.clone();
            }
            let l = self.leaves.get(&at)?;
            chain.push(l.clone());
            at = l.parent_commitment;
            if chain.len() > self.leaves.len() {
                return None;
            }
        };
        for l in chain.into_iter().rev() {
            base = base.apply(&l.block_header).ok()?;
            self.states.insert(l.commit(), (l.view_number, base.clone()));
        }
        Some(base)
    }

    /// Forgets everything below the decided leaf's view, keeping the decided leaf.
    pub fn decided(&mut self, leaf: &Leaf, state: LeafState) {
        let view = leaf.view_number;
        self.states.retain(|_, (v, _)| *v > view);
        self.leaves.retain(|_, l| l.view_number > view);
        self.states.insert(leaf.commit(), (view, state));
        self.leaves.insert(leaf.commit(), leaf.clone());
    }
}

/// Checks proposed headers against the state after their parent: timestamp, chain config,
/// L1 references, the block Merkle root and the fee Merkle root after the fee is charged.
///
/// Not checked yet: that the fee equals the base fee times the payload size (a replica
/// that is not a DA member does not know the size; the VID common data does not carry it).
#[derive(Clone)]
pub struct ChainValidator {
    genesis: Arc<Genesis>,
    states: Arc<Mutex<Speculative>>,
}

impl ChainValidator {
    /// A validator over `states` (shared with the driver).
    pub fn new(genesis: Arc<Genesis>, states: Arc<Mutex<Speculative>>) -> Self {
        ChainValidator { genesis, states }
    }
}

impl HeaderValidator for ChainValidator {
    fn validate(&self, parent: &Leaf, proposed: &Leaf) -> Result<(), InvalidHeader> {
        check_header_fields(&self.genesis, parent, proposed).map_err(InvalidHeader::new)?;
        let mut states = self.states.lock().expect("speculative states lock");
        let before = states
            .state_after(parent)
            .ok_or_else(|| InvalidHeader::new("the state after the parent is not known"))?;
        let after =
            before.apply(&proposed.block_header).map_err(|e| InvalidHeader::new(e.to_string()))?;
        states.add_leaf(proposed);
        states.states.insert(proposed.commit(), (proposed.view_number, after));
        Ok(())
    }
}
