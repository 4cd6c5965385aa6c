//! The hardware-profile sweep: each operation at each size, ours beside its baseline.

use std::{
    hint::black_box,
    time::{Duration, Instant},
};

use ark_bn254::{Fr, G1Projective};
use ark_ff::FftField;
use blst::{BLST_ERROR, min_pk::Signature};
use doppio_accel::{Accel, BlsTriple, Coset, NttDirection, Op, ProfileRow, reference};

use crate::inputs::{self, BLS_DST, Votes};

/// Which sizes to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extent {
    /// A short sweep (seconds), for smoke tests.
    Quick,
    /// The standard sweep, up to 2^20 (2^22 for NTT).
    Standard,
}

/// log2 sizes per operation.
pub fn sizes(op: Op, extent: Extent) -> Vec<u32> {
    match (op, extent) {
        (Op::Msm, Extent::Standard) => vec![4, 6, 8, 10, 12, 14, 16, 18, 20],
        (Op::Msm, Extent::Quick) => vec![4, 8, 12],
        (Op::MsmBatch, Extent::Standard) => vec![10, 14],
        (Op::MsmBatch, Extent::Quick) => vec![8],
        (Op::MsmBatchPrepared, Extent::Standard) => vec![15, 18],
        (Op::MsmBatchPrepared, Extent::Quick) => vec![10],
        (Op::Ntt, Extent::Standard) => vec![10, 12, 14, 16, 17, 18, 19, 20, 21, 22],
        (Op::Ntt, Extent::Quick) => vec![10, 14],
        (Op::NttBatch, Extent::Standard) => vec![12, 16],
        (Op::NttBatch, Extent::Quick) => vec![10],
        (Op::EcNtt, Extent::Standard) => vec![6, 8, 10],
        (Op::EcNtt, Extent::Quick) => vec![4],
        (Op::EcScale, Extent::Standard) => vec![6, 10],
        (Op::EcScale, Extent::Quick) => vec![4],
        (Op::BlsSumG1 | Op::BlsSumG2, Extent::Standard) => vec![10, 14],
        (Op::BlsSumG1 | Op::BlsSumG2, Extent::Quick) => vec![8],
        (Op::BlsBatchVerify, Extent::Standard) => vec![4, 7, 10],
        (Op::BlsBatchVerify, Extent::Quick) => vec![2],
    }
}

/// Vectors in one batched MSM or NTT.
pub const BATCH: usize = 16;

/// Bases of the prepared batched MSM rows (VID's recovery threshold).
pub const PREPARED_BASES: usize = 32;

/// Best time of each of two closures, in milliseconds, run alternately (ours, baseline,
/// ours, …) so that both see the same load on a shared machine: one warm-up each, then
/// at least 3 rounds, until `budget` is spent, at most 25.
pub fn time_pair(budget: Duration, mut ours: impl FnMut(), mut base: impl FnMut()) -> (f64, f64) {
    let run = |f: &mut dyn FnMut()| {
        let t = Instant::now();
        f();
        t.elapsed().as_secs_f64() * 1e3
    };
    run(&mut ours);
    run(&mut base);
    let (mut best_ours, mut best_base) = (f64::INFINITY, f64::INFINITY);
    let start = Instant::now();
    let mut rounds = 0;
    while rounds < 3 || (start.elapsed() < budget && rounds < 25) {
        best_ours = best_ours.min(run(&mut ours));
        best_base = best_base.min(run(&mut base));
        rounds += 1;
    }
    (best_ours, best_base)
}

/// Times our `op` at `2^log` elements on `accel`, and its baseline on the same inputs.
pub fn measure(accel: &Accel, op: Op, log: u32, budget: Duration) -> ProfileRow {
    let n = 1usize << log;
    let backend = accel.backend_for(op, n);
    let ((ms, baseline_ms), baseline) = match op {
        Op::Msm => {
            let (b, s) = (inputs::points(n, 1), inputs::scalars(n, 2));
            let t = time_pair(
                budget,
                || drop(black_box(accel.msm(&b, &s))),
                || drop(black_box(reference::arkworks_msm(&b, &s))),
            );
            (t, "arkworks VariableBaseMSM")
        }
        Op::MsmBatch => {
            let b = inputs::points(n, 1);
            let vecs: Vec<Vec<Fr>> =
                (0..BATCH).map(|i| inputs::scalars(n, 10 + i as u64)).collect();
            let refs: Vec<&[Fr]> = vecs.iter().map(|v| v.as_slice()).collect();
            let t = time_pair(
                budget,
                || drop(black_box(accel.msm_batch(&b, &refs))),
                || refs.iter().for_each(|s| drop(black_box(reference::arkworks_msm(&b, s)))),
            );
            (t, "arkworks VariableBaseMSM, one per vector")
        }
        Op::MsmBatchPrepared => {
            // VID's shape: `n / 32` commitments to 32-coefficient polynomials.
            let b = inputs::points(PREPARED_BASES, 1);
            let vecs: Vec<Vec<Fr>> = (0..n / PREPARED_BASES)
                .map(|i| inputs::scalars(PREPARED_BASES, 100 + i as u64))
                .collect();
            let refs: Vec<&[Fr]> = vecs.iter().map(|v| v.as_slice()).collect();
            let prepared = accel.prepare_bases(b.clone());
            let t = time_pair(
                budget,
                || drop(black_box(accel.msm_batch_prepared(&prepared, &refs))),
                || refs.iter().for_each(|s| drop(black_box(reference::arkworks_msm(&b, s)))),
            );
            (t, "arkworks VariableBaseMSM, one per 32-scalar vector")
        }
        Op::Ntt => {
            let (mut ours, mut base) = (inputs::scalars(n, 3), inputs::scalars(n, 3));
            let dir = NttDirection::Forward;
            let t = time_pair(
                budget,
                || drop(black_box(accel.ntt(&mut ours, dir, Coset::None))),
                || reference::arkworks_ntt(&mut base, dir, Coset::None),
            );
            (t, "arkworks Radix2EvaluationDomain::fft")
        }
        Op::NttBatch => {
            let make = || (0..BATCH).map(|i| inputs::scalars(n, 20 + i as u64)).collect::<Vec<_>>();
            let (mut ours, mut base) = (make(), make());
            let (dir, coset) = (NttDirection::Forward, Coset::Offset(Fr::GENERATOR));
            let t = time_pair(
                budget,
                || {
                    let mut refs: Vec<&mut [Fr]> =
                        ours.iter_mut().map(|v| v.as_mut_slice()).collect();
                    drop(black_box(accel.ntt_batch(&mut refs, dir, coset)));
                },
                || base.iter_mut().for_each(|v| reference::arkworks_ntt(v, dir, coset)),
            );
            (t, "arkworks coset fft, one per vector")
        }
        Op::EcNtt => {
            let make =
                || inputs::points(n, 4).into_iter().map(Into::into).collect::<Vec<G1Projective>>();
            let (mut ours, mut base) = (make(), make());
            let dir = NttDirection::Forward;
            let t = time_pair(
                budget,
                || drop(black_box(accel.ec_ntt(&mut ours, dir))),
                || reference::arkworks_ec_ntt(&mut base, dir),
            );
            (t, "arkworks fft over G1")
        }
        Op::EcScale => {
            let points: Vec<G1Projective> =
                inputs::points(n, 5).into_iter().map(Into::into).collect();
            let scalars = inputs::scalars(n, 6);
            let (mut ours, mut base) = (points.clone(), points);
            let t = time_pair(
                budget,
                || drop(black_box(accel.ec_scale(&mut ours, &scalars))),
                || {
                    use rayon::prelude::*;
                    base.par_iter_mut().zip(&scalars).for_each(|(p, s)| *p *= s)
                },
            );
            (t, "arkworks scalar multiplication (GLV), rayon over points")
        }
        Op::BlsSumG1 => {
            let keys = Votes::new(64, 5).key_points();
            let pts: Vec<_> = (0..n).map(|i| keys[i % 64]).collect();
            let t = time_pair(
                budget,
                || drop(black_box(accel.bls_sum_g1(&pts))),
                || drop(black_box(reference::blst_serial_sum_g1(&pts))),
            );
            (t, "blst, one addition at a time")
        }
        Op::BlsSumG2 => {
            let sigs = Votes::new(64, 6).signature_points();
            let pts: Vec<_> = (0..n).map(|i| sigs[i % 64]).collect();
            let t = time_pair(
                budget,
                || drop(black_box(accel.bls_sum_g2(&pts))),
                || drop(black_box(reference::blst_serial_sum_g2(&pts))),
            );
            (t, "blst, one addition at a time")
        }
        Op::BlsBatchVerify => {
            let votes = Votes::new(n, 7);
            let (keys, sigs) = (votes.key_points(), votes.signature_points());
            let triples: Vec<BlsTriple<'_>> = (0..n)
                .map(|i| BlsTriple {
                    public_key: keys[i],
                    message: &votes.messages[i],
                    signature: sigs[i],
                })
                .collect();
            let t = time_pair(
                budget,
                || assert_eq!(accel.bls_batch_verify(&triples, BLS_DST), Ok(true)),
                || assert!(blst_multi_verify(&votes)),
            );
            (t, "blst verify_multiple_aggregate_signatures")
        }
    };
    ProfileRow {
        op: op.name().into(),
        size: n,
        backend,
        ms,
        baseline: baseline.into(),
        baseline_ms,
    }
}

/// blst's own random-linear-combination batch verification.
pub fn blst_multi_verify(votes: &Votes) -> bool {
    let msgs: Vec<&[u8]> = votes.messages.iter().map(|m| m.as_slice()).collect();
    let pks: Vec<_> = votes.keys.iter().collect();
    let sigs: Vec<&Signature> = votes.signatures.iter().collect();
    let mut r = inputs::rng(8);
    let rands: Vec<blst::blst_scalar> = (0..pks.len())
        .map(|_| {
            let mut s = blst::blst_scalar::default();
            rand::RngCore::fill_bytes(&mut r, &mut s.b[..8]);
            s.b[0] |= 1;
            s
        })
        .collect();
    Signature::verify_multiple_aggregate_signatures(
        &msgs, BLS_DST, &pks, false, &sigs, true, &rands, 64,
    ) == BLST_ERROR::BLST_SUCCESS
}

/// Renders rows as the markdown table `hwprofile` prints.
pub fn markdown(rows: &[ProfileRow]) -> String {
    let mut out = String::from(
        "| operation | size | backend | ours (ms) | baseline | baseline (ms) | speedup |\n|---|---:|---|---:|---|---:|---:|\n",
    );
    for r in rows {
        out += &format!(
            "| {} | {} | {} | {:.3} | {} | {:.3} | {:.2}× |\n",
            r.op,
            size_label(r.size),
            r.backend,
            r.ms,
            r.baseline,
            r.baseline_ms,
            r.baseline_ms / r.ms
        );
    }
    out
}

/// `2^k` for powers of two (the accel sweeps), the plain number otherwise (signers, votes).
fn size_label(size: usize) -> String {
    if size.is_power_of_two() { format!("2^{}", size.trailing_zeros()) } else { size.to_string() }
}
