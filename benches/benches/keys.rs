//! Staking keys: certificate verification (100 / 1,000 / 10,000 signers) beside blst's
//! `fast_aggregate_verify`, and batch verification of 1,000 votes on distinct messages
//! beside verifying them one by one with blst.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use doppio_accel::Accel;
use doppio_benches::keys::{Committee, VoteSet};

fn keys(c: &mut Criterion) {
    let accel = Accel::cpu().expect("cpu backend");
    let mut g = c.benchmark_group("qc_verify");
    g.sample_size(20);
    for n in [100, 1_000, 10_000] {
        let committee = Committee::new(n, &accel);
        let blst_keys = committee.blst_keys();
        assert!(committee.verify(&accel) && committee.blst_verify(&blst_keys));
        g.bench_function(format!("signers={n} backend=cpu"), |b| {
            b.iter(|| committee.verify(&accel))
        });
        g.bench_function(format!("signers={n} baseline=blst-fast-aggregate-verify"), |b| {
            b.iter(|| committee.blst_verify(&blst_keys))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("verify_votes");
    g.sample_size(10);
    let votes = VoteSet::new(1_000);
    assert!(votes.batch_verify(&accel) && votes.one_by_one());
    g.bench_function("n=1000 backend=cpu", |b| b.iter(|| votes.batch_verify(&accel)));
    g.bench_function("n=1000 baseline=blst-one-by-one", |b| b.iter(|| votes.one_by_one()));
    g.finish();
}

criterion_group!(benches, keys);
criterion_main!(benches);
