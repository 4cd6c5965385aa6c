//! Real keys, a real committee, real VID, a genesis leaf, a block builder and a header
//! validator: what a driver supplies, in their simplest honest form.

use std::sync::{Arc, OnceLock};

use doppio_accel::Accel;
use doppio_consensus::{
    Anchor, Committee, Consensus, ConsensusConfig, HeaderValidator, InvalidHeader, Timing,
};
use doppio_keys::{BlsSecretKey, SchnorrSigningKey, StakeTable, StakeTableEntry};
use doppio_kzg::Srs;
use doppio_types::{ChainConfig, FeeInfo, Header, Leaf, NamespaceId, Payload, Transaction};
use doppio_vid::{Dispersal, Vid, VidParams};

fn srs() -> &'static Srs {
    static SRS: OnceLock<Srs> = OnceLock::new();
    SRS.get_or_init(|| Srs::insecure_dev(8, 7))
}

/// Member `i`'s staking key.
pub(crate) fn staking_key(i: usize) -> BlsSecretKey {
    let mut ikm = [0x5a; 32];
    ikm[..8].copy_from_slice(&(i as u64).to_be_bytes());
    BlsSecretKey::from_ikm(&ikm)
}

/// Everything shared by the members of one test network.
#[derive(Clone)]
pub(crate) struct Fixture {
    pub(crate) keys: Vec<BlsSecretKey>,
    pub(crate) committee: Committee,
    pub(crate) vid: Arc<Vid>,
    pub(crate) accel: Accel,
    pub(crate) genesis: Leaf,
}

impl Fixture {
    /// Members with `stakes`, DA members marked in `da`, VID recovering from `k` shares.
    pub(crate) fn new(stakes: &[u128], da: &[bool], k: usize) -> Self {
        let accel = Accel::cpu().unwrap();
        let keys: Vec<BlsSecretKey> = (0..stakes.len()).map(staking_key).collect();
        let entries = keys
            .iter()
            .zip(stakes)
            .enumerate()
            .map(|(i, (key, &stake))| {
                let state = SchnorrSigningKey::from_seed(&[i as u8 + 1; 32]).unwrap().ver_key();
                StakeTableEntry::new(key, stake, state)
            })
            .collect();
        let table = StakeTable::new(entries, &accel).unwrap();
        let committee = Committee::new(table, da, &accel).unwrap();
        let params = VidParams::new(stakes.len(), k).unwrap();
        let vid = Arc::new(Vid::new(params, srs(), accel.clone()).unwrap());
        let genesis = genesis_leaf(&vid);
        Fixture { keys, committee, vid, accel, genesis }
    }

    /// Four members of equal stake, all in the DA committee (so that it, too, survives
    /// one faulty member).
    pub(crate) fn four() -> Self {
        Fixture::new(&[1, 1, 1, 1], &[true; 4], 2)
    }

    /// Five members of equal stake, the first four in the DA committee.
    pub(crate) fn five() -> Self {
        Fixture::new(&[1; 5], &[true, true, true, true, false], 2)
    }

    pub(crate) fn config(&self, index: usize, timing: Timing) -> ConsensusConfig {
        ConsensusConfig {
            committee: self.committee.clone(),
            index,
            key: self.keys[index].clone(),
            vid: self.vid.clone(),
            accel: self.accel.clone(),
            timing,
        }
    }

    /// Member `index` starting at genesis with no persisted state.
    pub(crate) fn node(&self, index: usize, timing: Timing) -> Consensus<SimValidator> {
        let anchor = Anchor { leaf: self.genesis.clone(), qc: None };
        Consensus::new(self.config(index, timing), SimValidator, anchor, None).unwrap()
    }
}

fn genesis_leaf(vid: &Vid) -> Leaf {
    let payload = Payload::from_transactions(&[]).unwrap();
    let header = Header {
        chain_config: ChainConfig::default(),
        height: 0,
        timestamp: 1_700_000_000,
        l1_head: 10,
        l1_finalized: None,
        payload_commitment: vid.commit_only(payload.bytes()).unwrap(),
        ns_table: payload.ns_table().bytes().to_vec(),
        block_merkle_tree_root: Default::default(),
        fee_merkle_tree_root: Default::default(),
        fee_info: FeeInfo::default(),
    };
    Leaf::genesis(header)
}

/// A block on `parent`: the transactions' payload, dispersed, and a header that
/// [`SimValidator`] accepts (or, with `invalid`, one it refuses: an L1 head that jumps).
pub(crate) fn build_block(
    vid: &Vid,
    parent: &Leaf,
    txs: &[Transaction],
    now_secs: u64,
    invalid: bool,
) -> (Header, Payload, Dispersal) {
    let payload = Payload::from_transactions(txs).unwrap();
    let dispersal = vid.disperse(payload.bytes()).unwrap();
    let p = &parent.block_header;
    let header = Header {
        height: p.height + 1,
        timestamp: p.timestamp.max(now_secs),
        l1_head: if invalid { p.l1_head + 5 } else { p.l1_head },
        payload_commitment: dispersal.commitment,
        ns_table: payload.ns_table().bytes().to_vec(),
        ..p.clone()
    };
    (header, payload, dispersal)
}

/// A few small transactions in two namespaces, from `seed`.
pub(crate) fn transactions(seed: u64) -> Vec<Transaction> {
    (0..(seed % 3 + 1))
        .map(|i| {
            let len = 16 + (seed.wrapping_mul(7).wrapping_add(i * 13) % 64) as usize;
            let byte = (seed.wrapping_mul(31).wrapping_add(i)) as u8;
            Transaction::new(NamespaceId(1 + (i % 2) as u32), vec![byte; len])
        })
        .collect()
}

/// The node's header rules in this test network: same chain config, time never goes
/// back, the L1 head moves by at most one.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SimValidator;

impl HeaderValidator for SimValidator {
    fn validate(&self, parent: &Leaf, proposed: &Leaf) -> Result<(), InvalidHeader> {
        let (p, h) = (&parent.block_header, &proposed.block_header);
        if h.chain_config != p.chain_config {
            return Err(InvalidHeader::new("chain config changed"));
        }
        if h.timestamp < p.timestamp {
            return Err(InvalidHeader::new("timestamp goes back"));
        }
        if h.l1_head < p.l1_head || h.l1_head > p.l1_head + 1 {
            return Err(InvalidHeader::new(format!("L1 head {} after {}", h.l1_head, p.l1_head)));
        }
        Ok(())
    }
}

impl Fixture {
    /// A real certificate over `data`, signed by `signers` (stake-table indices; for DA
    /// data, DA members), formed by the accumulator.
    pub(crate) fn certificate(
        &self,
        data: doppio_keys::VoteData,
        signers: &[usize],
    ) -> doppio_keys::QuorumCertificate {
        let table = match data.kind {
            doppio_keys::VoteKind::Da => self.committee.da_table(),
            _ => self.committee.stake_table(),
        };
        let mut acc = doppio_keys::VoteAccumulator::new(
            table.clone(),
            data,
            doppio_keys::Threshold::SUPERMAJORITY,
            self.accel.clone(),
        );
        for &i in signers {
            if let Some(qc) =
                acc.add(&doppio_keys::Vote::new(&self.keys[i], data)).unwrap().certificate
            {
                return qc;
            }
        }
        panic!("signers {signers:?} are not a supermajority");
    }
}
