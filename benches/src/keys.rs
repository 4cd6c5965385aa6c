//! Staking-key workloads: certificate verification and vote batch verification, with
//! their blst baselines, shared by `benches/keys.rs` and `hwprofile`.

use std::{hint::black_box, time::Duration};

use blst::{
    BLST_ERROR, blst_p2_affine, blst_p2_to_affine,
    min_pk::{PublicKey, Signature},
};
use doppio_accel::{Accel, BlsTriple, ProfileRow};
use doppio_keys::{
    BlsSecretKey, BlsSignature, QuorumCertificate, SignerBits, StakeTable, StakeTableEntry,
    Threshold, Vote, VoteData, VoteKind, bls::DST_SIG,
};
use doppio_light_client::SchnorrSigningKey;
use rayon::prelude::*;

use crate::sweep::{Extent, time_pair};

/// Certificate verification, size = signers.
pub const QC_VERIFY: &str = "qc.verify";
/// Batch verification of votes on distinct messages, size = votes.
pub const VERIFY_VOTES: &str = "bls.verify_votes";
/// Both, in the order `hwprofile` runs them.
pub const OPS: [&str; 2] = [QC_VERIFY, VERIFY_VOTES];

/// Sizes per operation.
pub fn sizes(op: &str, extent: Extent) -> Vec<usize> {
    match (op, extent) {
        (QC_VERIFY, Extent::Standard) => vec![100, 1_000, 10_000],
        (QC_VERIFY, Extent::Quick) => vec![100],
        (_, Extent::Standard) => vec![1_000],
        (_, Extent::Quick) => vec![16],
    }
}

fn secret(i: usize) -> BlsSecretKey {
    let mut ikm = [0u8; 32];
    ikm[..8].copy_from_slice(&(i as u64).to_le_bytes());
    ikm[8] = 0x5a;
    BlsSecretKey::from_ikm(&ikm)
}

/// `n` stakers with stake 1 each, all of whom signed one certificate.
pub struct Committee {
    /// Signing keys, in table order.
    pub keys: Vec<BlsSecretKey>,
    /// The stake table.
    pub table: StakeTable,
    /// A certificate signed by every staker.
    pub qc: QuorumCertificate,
}

impl Committee {
    /// Builds the committee (seconds for 10,000 stakers: every key signs twice).
    pub fn new(n: usize, accel: &Accel) -> Self {
        let keys: Vec<BlsSecretKey> = (0..n).into_par_iter().map(secret).collect();
        let state = SchnorrSigningKey::from_seed(&[7; 32]).expect("non-zero").ver_key();
        let entries = keys.par_iter().map(|k| StakeTableEntry::new(k, 1, state)).collect();
        let table = StakeTable::new(entries, accel).expect("valid stake table");
        let data = VoteData { kind: VoteKind::Quorum, view: 1, commitment: [3; 32] };
        let msg = data.message();
        let sigs: Vec<blst_p2_affine> = keys.par_iter().map(|k| k.sign(&msg).point()).collect();
        let mut agg = blst_p2_affine::default();
        // SAFETY: both pointers refer to live, initialised points.
        unsafe { blst_p2_to_affine(&mut agg, &accel.bls_sum_g2(&sigs)) };
        let signature = BlsSignature::from_bytes(&Signature::from(agg).to_bytes()).expect("valid");
        let mut signers = SignerBits::new(n);
        (0..n).for_each(|i| signers.set(i));
        Committee { keys, table, qc: QuorumCertificate { data, signers, signature } }
    }

    /// Ours: `QuorumCertificate::verify` (keys summed on accel, one pairing).
    pub fn verify(&self, accel: &Accel) -> bool {
        self.qc.verify(&self.table, Threshold::SUPERMAJORITY, accel).is_ok()
    }

    /// Baseline: blst's `fast_aggregate_verify` over the signers' keys.
    pub fn blst_verify(&self, keys: &[PublicKey]) -> bool {
        let refs: Vec<&PublicKey> = keys.iter().collect();
        let sig = Signature::from_bytes(&self.qc.signature.to_bytes()).expect("valid");
        sig.fast_aggregate_verify(true, &self.qc.data.message(), DST_SIG, &refs)
            == BLST_ERROR::BLST_SUCCESS
    }

    /// The staking keys as blst keys, for the baseline.
    pub fn blst_keys(&self) -> Vec<PublicKey> {
        self.table.entries().iter().map(|e| PublicKey::from(e.staking_key.point())).collect()
    }
}

/// `n` votes, each on its own view (so on distinct messages), from distinct keys.
pub struct VoteSet {
    votes: Vec<Vote>,
    messages: Vec<Vec<u8>>,
}

impl VoteSet {
    /// Makes the votes.
    pub fn new(n: usize) -> Self {
        let votes: Vec<Vote> = (0..n)
            .into_par_iter()
            .map(|i| {
                let data = VoteData { kind: VoteKind::Quorum, view: i as u64, commitment: [1; 32] };
                Vote::new(&secret(i), data)
            })
            .collect();
        let messages = votes.iter().map(|v| v.data.message().to_vec()).collect();
        VoteSet { votes, messages }
    }

    /// Ours: one `Accel::bls_batch_verify` over all votes.
    pub fn batch_verify(&self, accel: &Accel) -> bool {
        let triples: Vec<BlsTriple<'_>> = self
            .votes
            .iter()
            .zip(&self.messages)
            .map(|(v, m)| BlsTriple {
                public_key: v.signer.point(),
                message: m,
                signature: v.signature.point(),
            })
            .collect();
        accel.bls_batch_verify(&triples, DST_SIG) == Ok(true)
    }

    /// Baseline: blst `verify` of each vote in turn (signature subgroup check included,
    /// as in the batch).
    pub fn one_by_one(&self) -> bool {
        self.votes.iter().zip(&self.messages).all(|(v, m)| {
            let sig = Signature::from(v.signature.point());
            let pk = PublicKey::from(v.signer.point());
            sig.verify(true, m, DST_SIG, &[], &pk, false) == BLST_ERROR::BLST_SUCCESS
        })
    }
}

/// Times `op` at `size`, ours and the baseline alternating (see [`time_pair`]).
pub fn measure(accel: &Accel, op: &str, size: usize, budget: Duration) -> ProfileRow {
    let ((ms, baseline_ms), baseline) = if op == QC_VERIFY {
        let c = Committee::new(size, accel);
        let keys = c.blst_keys();
        let t = time_pair(
            budget,
            || assert!(black_box(c.verify(accel))),
            || assert!(black_box(c.blst_verify(&keys))),
        );
        (t, "blst fast_aggregate_verify")
    } else {
        let v = VoteSet::new(size);
        let t = time_pair(
            budget,
            || assert!(black_box(v.batch_verify(accel))),
            || assert!(black_box(v.one_by_one())),
        );
        (t, "blst verify, one vote at a time")
    };
    ProfileRow {
        op: op.into(),
        size,
        backend: accel.backend_for(doppio_accel::Op::BlsSumG1, size),
        ms,
        baseline: baseline.into(),
        baseline_ms,
    }
}
