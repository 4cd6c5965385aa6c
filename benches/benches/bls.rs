//! BLS12-381 aggregation and batch verification: ours beside blst used the plain way.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use doppio_accel::{Accel, BlsTriple, reference};
use doppio_benches::{
    inputs::{BLS_DST, Votes},
    sweep::blst_multi_verify,
};

fn bls(c: &mut Criterion) {
    let accel = Accel::cpu().expect("cpu backend");
    let votes = Votes::new(1024, 5);
    let (keys, sigs) = (votes.key_points(), votes.signature_points());
    let mut g = c.benchmark_group("bls_sum");
    for log in [10, 14, 16] {
        let n = 1usize << log;
        let k: Vec<_> = (0..n).map(|i| keys[i % keys.len()]).collect();
        let s: Vec<_> = (0..n).map(|i| sigs[i % sigs.len()]).collect();
        g.bench_function(format!("g1 n=2^{log} backend=cpu"), |x| x.iter(|| accel.bls_sum_g1(&k)));
        g.bench_function(format!("g1 n=2^{log} baseline=blst-serial"), |x| {
            x.iter(|| reference::blst_serial_sum_g1(&k))
        });
        g.bench_function(format!("g2 n=2^{log} backend=cpu"), |x| x.iter(|| accel.bls_sum_g2(&s)));
        g.bench_function(format!("g2 n=2^{log} baseline=blst-serial"), |x| {
            x.iter(|| reference::blst_serial_sum_g2(&s))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("bls_batch_verify");
    g.sample_size(10);
    for log in [4, 7, 10] {
        let n = 1usize << log;
        let small = Votes::new(n, 6);
        let (k, s) = (small.key_points(), small.signature_points());
        let triples: Vec<BlsTriple<'_>> = (0..n)
            .map(|i| BlsTriple { public_key: k[i], message: &small.messages[i], signature: s[i] })
            .collect();
        g.bench_function(format!("n=2^{log} backend=cpu"), |x| {
            x.iter(|| accel.bls_batch_verify(&triples, BLS_DST))
        });
        g.bench_function(format!("n=2^{log} baseline=blst-multi"), |x| {
            x.iter(|| blst_multi_verify(&small))
        });
    }
    g.finish();
}

criterion_group!(benches, bls);
criterion_main!(benches);
