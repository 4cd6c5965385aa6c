//! Quorum certificates (an aggregate signature plus a signer bit vector in stake-table
//! order) and the vote accumulator that forms them.
//!
//! Verification is one pairing check per certificate: the signers' keys are summed on the
//! acceleration layer and the aggregate signature is checked against the sum. Keys are
//! safe to sum because every key in a [`StakeTable`] has a checked proof of possession.

use std::{borrow::Borrow, collections::BTreeMap};

use blst::{
    BLST_ERROR, blst_p1, blst_p1_affine, blst_p1_affine_is_inf, blst_p1_to_affine, blst_p2,
    blst_p2_affine, blst_p2_to_affine,
};
use doppio_accel::{Accel, AccelError, BlsTriple};
use serde::{Deserialize, Serialize};

use crate::{
    bls::{BlsPublicKey, BlsSignature, DST_SIG},
    stake_table::StakeTable,
    vote::{Vote, VoteData},
};

/// Why a certificate or a vote was rejected.
#[derive(Debug, thiserror::Error)]
pub enum QcError {
    /// A threshold that is not a fraction in [0, 1).
    #[error("invalid threshold {num}/{den}: need 0 <= num < den")]
    InvalidThreshold {
        /// Numerator.
        num: u32,
        /// Denominator.
        den: u32,
    },
    /// The bit vector does not cover the stake table exactly.
    #[error("signer bit vector has {found} bits, the stake table {expected} entries")]
    BitVectorLength {
        /// Bits in the certificate.
        found: usize,
        /// Entries in the stake table.
        expected: usize,
    },
    /// Bits set past the end of the bit vector, or a word count that does not match.
    #[error("signer bit vector is malformed: {words} words for {len} bits, or padding bits set")]
    BitVectorMalformed {
        /// Words present.
        words: usize,
        /// Bits claimed.
        len: usize,
    },
    /// The signers' stake does not pass the threshold.
    #[error("signers hold {signed} of {total} stake; more than {num}/{den} is needed")]
    InsufficientStake {
        /// Stake of the signers.
        signed: u128,
        /// Total stake.
        total: u128,
        /// Threshold numerator.
        num: u32,
        /// Threshold denominator.
        den: u32,
    },
    /// The aggregate signature does not verify against the signers' keys.
    #[error("aggregate signature does not verify for the {signers} signers")]
    InvalidSignature {
        /// Number of signers.
        signers: usize,
    },
    /// A vote from a key outside the stake table.
    #[error("vote from {key}, which is not in the stake table")]
    NotMember {
        /// The key.
        key: BlsPublicKey,
    },
    /// A second vote from the same key.
    #[error("duplicate vote from stake-table entry {index}")]
    DuplicateVote {
        /// Entry index.
        index: usize,
    },
    /// A vote whose signature does not verify, found when checked on its own (a second,
    /// different signature from a key that already voted is checked that way).
    #[error("the vote from stake-table entry {index} has an invalid signature")]
    InvalidVote {
        /// Entry index.
        index: usize,
    },
    /// A vote on something else than the accumulator collects.
    #[error("vote is for {found:?}, the accumulator collects {expected:?}")]
    WrongVoteData {
        /// What the accumulator collects.
        expected: VoteData,
        /// What the vote is for.
        found: VoteData,
    },
    /// A vote after the certificate was formed.
    #[error("a certificate was already formed for {data:?}")]
    AlreadyCertified {
        /// What was certified.
        data: VoteData,
    },
    /// The acceleration layer failed.
    #[error("acceleration layer: {0}")]
    Accel(#[from] AccelError),
}

/// A stake threshold: passed when the signers hold **strictly more** than
/// `num / den` of the total stake.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Threshold {
    num: u32,
    den: u32,
}

impl Threshold {
    /// More than two thirds: quorum and DA certificates.
    pub const SUPERMAJORITY: Threshold = Threshold { num: 2, den: 3 };
    /// More than one third: enough to include one honest node.
    pub const ONE_THIRD: Threshold = Threshold { num: 1, den: 3 };

    /// More than `num / den`, with `0 ≤ num < den`.
    pub fn new(num: u32, den: u32) -> Result<Self, QcError> {
        if den == 0 || num >= den {
            return Err(QcError::InvalidThreshold { num, den });
        }
        Ok(Threshold { num, den })
    }

    /// Whether `stake` out of `total` passes. Totals are at most 2^96 (checked by the
    /// stake table), so the products fit a `u128`.
    pub fn passed(&self, stake: u128, total: u128) -> bool {
        stake * u128::from(self.den) > total * u128::from(self.num)
    }

    fn check(&self, signed: u128, total: u128) -> Result<(), QcError> {
        if self.passed(signed, total) {
            return Ok(());
        }
        Err(QcError::InsufficientStake { signed, total, num: self.num, den: self.den })
    }
}

/// Which stake-table entries signed, one bit per entry in table order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignerBits {
    len: usize,
    words: Vec<u64>,
}

impl SignerBits {
    /// `len` bits, all clear.
    pub fn new(len: usize) -> Self {
        SignerBits { len, words: vec![0; len.div_ceil(64)] }
    }

    /// Number of bits.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no bits.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Sets bit `i`; ignored past the end.
    pub fn set(&mut self, i: usize) {
        if i < self.len {
            self.words[i / 64] |= 1 << (i % 64);
        }
    }

    /// Clears bit `i`; ignored past the end.
    pub fn clear(&mut self, i: usize) {
        if i < self.len {
            self.words[i / 64] &= !(1 << (i % 64));
        }
    }

    /// Bit `i`; false past the end.
    pub fn get(&self, i: usize) -> bool {
        i < self.len && self.words[i / 64] >> (i % 64) & 1 == 1
    }

    /// Number of set bits.
    pub fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Indices of set bits, ascending.
    pub fn ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(k, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                (w != 0).then(|| {
                    let bit = w.trailing_zeros() as usize;
                    w &= w - 1;
                    k * 64 + bit
                })
            })
        })
    }

    /// Words match the length and no padding bit is set (a deserialized value may not).
    fn well_formed(&self) -> bool {
        let pad = self.len % 64;
        self.words.len() == self.len.div_ceil(64)
            && (pad == 0 || self.words.last().is_none_or(|w| w >> pad == 0))
    }
}

/// A certificate: enough stake signed `data`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuorumCertificate {
    /// What was signed.
    pub data: VoteData,
    /// Who signed, in stake-table order.
    pub signers: SignerBits,
    /// Sum of the signers' signatures.
    pub signature: BlsSignature,
}

impl QuorumCertificate {
    /// Checks the bit vector against `table`, the signers' stake against `threshold`, and
    /// the aggregate signature against the sum of the signers' keys (summed on `accel`):
    /// one pairing check.
    pub fn verify(
        &self,
        table: &StakeTable,
        threshold: Threshold,
        accel: &Accel,
    ) -> Result<(), QcError> {
        if !self.signers.well_formed() {
            return Err(QcError::BitVectorMalformed {
                words: self.signers.words.len(),
                len: self.signers.len,
            });
        }
        if self.signers.len() != table.len() {
            return Err(QcError::BitVectorLength {
                found: self.signers.len(),
                expected: table.len(),
            });
        }
        let signed: u128 = self.signers.ones().map(|i| table.entries()[i].stake).sum();
        threshold.check(signed, table.total_stake())?;
        let keys: Vec<blst_p1_affine> = self.signers.ones().map(|i| table.points()[i]).collect();
        let agg_key = to_affine_g1(&accel.bls_sum_g1(&keys));
        if aggregate_verifies(&agg_key, &self.data, &self.signature) {
            Ok(())
        } else {
            Err(QcError::InvalidSignature { signers: keys.len() })
        }
    }
}

fn to_affine_g1(p: &blst_p1) -> blst_p1_affine {
    let mut out = blst_p1_affine::default();
    // SAFETY: both pointers refer to live, initialised points.
    unsafe { blst_p1_to_affine(&mut out, p) };
    out
}

fn to_affine_g2(p: &blst_p2) -> blst_p2_affine {
    let mut out = blst_p2_affine::default();
    // SAFETY: both pointers refer to live, initialised points.
    unsafe { blst_p2_to_affine(&mut out, p) };
    out
}

/// `e(agg_key, H(data)) == e(g1, signature)`; false for an identity key.
fn aggregate_verifies(agg_key: &blst_p1_affine, data: &VoteData, sig: &BlsSignature) -> bool {
    // SAFETY: the pointer refers to a live, initialised point.
    if unsafe { blst_p1_affine_is_inf(agg_key) } {
        // The identity: an empty signer set (proofs of possession rule out cancelling keys).
        return false;
    }
    // A sum of validated keys is in the subgroup; no need to check it again.
    let key = BlsPublicKey::from_point_unchecked(*agg_key);
    // The signature was validated (subgroup) when decoded, or is a sum of validated ones.
    sig.inner().verify(false, &data.message(), DST_SIG, &[], &key, false)
        == BLST_ERROR::BLST_SUCCESS
}

/// What [`VoteAccumulator::add`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddOutcome {
    /// The certificate, once enough valid stake has voted.
    pub certificate: Option<QuorumCertificate>,
    /// Stake-table entries whose votes were found invalid and dropped by this call.
    pub dropped: Vec<usize>,
    /// Stake of the votes held now.
    pub stake: u128,
}

/// Collects votes on one [`VoteData`] until their stake passes the threshold, then
/// forms a certificate.
///
/// Votes are not verified one by one on arrival. When the threshold is passed, keys and
/// signatures are summed on the acceleration layer and checked with one pairing; only
/// if that fails are the bad votes found, by bisection with batch verification
/// ([`Accel::bls_batch_verify`]), dropped, and the remaining votes tried again.
///
/// The stake table is held through `T` (a reference, an `Arc`, …), so an accumulator can
/// live next to the table it counts against.
#[derive(Debug)]
pub struct VoteAccumulator<T: Borrow<StakeTable>> {
    table: T,
    data: VoteData,
    threshold: Threshold,
    accel: Accel,
    votes: BTreeMap<usize, BlsSignature>,
    stake: u128,
    certified: bool,
}

impl<T: Borrow<StakeTable>> VoteAccumulator<T> {
    /// An empty accumulator for votes on `data`.
    pub fn new(table: T, data: VoteData, threshold: Threshold, accel: Accel) -> Self {
        VoteAccumulator {
            table,
            data,
            threshold,
            accel,
            votes: BTreeMap::new(),
            stake: 0,
            certified: false,
        }
    }

    /// What this accumulator collects votes on.
    pub fn data(&self) -> &VoteData {
        &self.data
    }

    fn table(&self) -> &StakeTable {
        self.table.borrow()
    }

    /// Stake of the votes held (not yet verified).
    pub fn stake(&self) -> u128 {
        self.stake
    }

    /// Adds a vote. Rejects votes on other data, from non-members, and a second vote
    /// from the same key; returns the certificate when the threshold is passed by votes
    /// that verify.
    ///
    /// A second vote from a key with a *different* signature is checked on its own: BLS
    /// signatures are unique, so if it verifies the vote held for that key was forged,
    /// and it is replaced (reported in [`AddOutcome::dropped`]); if it does not, it is
    /// rejected with [`QcError::InvalidVote`]. A forged vote that arrives first therefore
    /// never shuts out the signer's real one.
    pub fn add(&mut self, vote: &Vote) -> Result<AddOutcome, QcError> {
        if self.certified {
            return Err(QcError::AlreadyCertified { data: self.data });
        }
        if vote.data != self.data {
            return Err(QcError::WrongVoteData { expected: self.data, found: vote.data });
        }
        let index =
            self.table().index_of(&vote.signer).ok_or(QcError::NotMember { key: vote.signer })?;
        let mut dropped = Vec::new();
        match self.votes.get(&index) {
            Some(held) if *held == vote.signature => return Err(QcError::DuplicateVote { index }),
            Some(_) => {
                if vote.verify().is_err() {
                    return Err(QcError::InvalidVote { index });
                }
                self.votes.insert(index, vote.signature);
                dropped.push(index);
            }
            None => {
                self.votes.insert(index, vote.signature);
                self.stake += self.table().entries()[index].stake;
            }
        }
        let mut outcome = self.try_certify()?;
        dropped.append(&mut outcome.dropped);
        outcome.dropped = dropped;
        Ok(outcome)
    }

    fn try_certify(&mut self) -> Result<AddOutcome, QcError> {
        let mut dropped = Vec::new();
        while self.threshold.passed(self.stake, self.table().total_stake()) {
            if let Some(qc) = self.aggregate() {
                self.certified = true;
                return Ok(AddOutcome { certificate: Some(qc), dropped, stake: self.stake });
            }
            let bad = self.find_bad()?;
            if bad.is_empty() {
                // The aggregate failed yet the batch passed: cannot happen with valid
                // points; stop rather than loop.
                break;
            }
            for i in &bad {
                self.votes.remove(i);
                self.stake -= self.table().entries()[*i].stake;
            }
            dropped.extend(bad);
        }
        Ok(AddOutcome { certificate: None, dropped, stake: self.stake })
    }

    /// Sums keys and signatures on accel and checks them with one pairing.
    fn aggregate(&self) -> Option<QuorumCertificate> {
        let keys: Vec<blst_p1_affine> =
            self.votes.keys().map(|&i| self.table().points()[i]).collect();
        let sigs: Vec<blst_p2_affine> = self.votes.values().map(|s| s.point()).collect();
        let agg_key = to_affine_g1(&self.accel.bls_sum_g1(&keys));
        let signature =
            BlsSignature::from_point_unchecked(to_affine_g2(&self.accel.bls_sum_g2(&sigs)));
        if !aggregate_verifies(&agg_key, &self.data, &signature) {
            return None;
        }
        let mut signers = SignerBits::new(self.table().len());
        self.votes.keys().for_each(|&i| signers.set(i));
        Some(QuorumCertificate { data: self.data, signers, signature })
    }

    /// The invalid votes, by bisection: a failing set is split; the left half is
    /// batch-verified; if it passes, the right half must hold a bad vote and is split
    /// without being checked; if it fails, both halves are searched.
    fn find_bad(&self) -> Result<Vec<usize>, QcError> {
        let message = self.data.message();
        let triples: Vec<(usize, BlsTriple<'_>)> = self
            .votes
            .iter()
            .map(|(&i, s)| {
                let t = BlsTriple {
                    public_key: self.table().points()[i],
                    message: &message,
                    signature: s.point(),
                };
                (i, t)
            })
            .collect();
        let mut bad = Vec::new();
        self.bisect(&triples, true, &mut bad)?;
        Ok(bad)
    }

    fn bisect(
        &self,
        set: &[(usize, BlsTriple<'_>)],
        known_bad: bool,
        bad: &mut Vec<usize>,
    ) -> Result<(), QcError> {
        if set.is_empty() {
            return Ok(());
        }
        if !known_bad && self.batch_ok(set)? {
            return Ok(());
        }
        if set.len() == 1 {
            bad.push(set[0].0);
            return Ok(());
        }
        let (left, right) = set.split_at(set.len() / 2);
        let left_ok = self.batch_ok(left)?;
        if !left_ok {
            self.bisect(left, true, bad)?;
        }
        // If the left half passed, the bad vote is on the right; otherwise check it.
        self.bisect(right, left_ok, bad)
    }

    fn batch_ok(&self, set: &[(usize, BlsTriple<'_>)]) -> Result<bool, QcError> {
        let triples: Vec<BlsTriple<'_>> = set.iter().map(|(_, t)| *t).collect();
        Ok(self.accel.bls_batch_verify(&triples, DST_SIG)?)
    }
}
