//! MSM over BN254 G1: ours beside arkworks `VariableBaseMSM`.
#![allow(missing_docs)]

use ark_bn254::Fr;
use criterion::{Criterion, criterion_group, criterion_main};
use doppio_accel::{Accel, reference};
use doppio_benches::{bench_logs, inputs};

fn msm(c: &mut Criterion) {
    let accel = Accel::cpu().expect("cpu backend");
    let mut g = c.benchmark_group("msm");
    g.sample_size(10);
    for log in bench_logs(&[4, 8, 10, 12, 14, 16, 18, 20], &[22]) {
        let n = 1usize << log;
        let (b, s) = (inputs::points(n, 1), inputs::scalars(n, 2));
        g.bench_function(format!("n=2^{log} backend=cpu"), |x| x.iter(|| accel.msm(&b, &s)));
        g.bench_function(format!("n=2^{log} baseline=arkworks"), |x| {
            x.iter(|| reference::arkworks_msm(&b, &s))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("msm_batch");
    g.sample_size(10);
    for log in [10, 14] {
        let n = 1usize << log;
        let b = inputs::points(n, 1);
        let vecs: Vec<Vec<Fr>> = (0..16).map(|i| inputs::scalars(n, 10 + i)).collect();
        let refs: Vec<&[Fr]> = vecs.iter().map(|v| v.as_slice()).collect();
        g.bench_function(format!("n=2^{log} x16 backend=cpu"), |x| {
            x.iter(|| accel.msm_batch(&b, &refs))
        });
        g.bench_function(format!("n=2^{log} x16 baseline=arkworks"), |x| {
            x.iter(|| refs.iter().map(|s| reference::arkworks_msm(&b, s)).collect::<Vec<_>>())
        });
    }
    g.finish();
}

criterion_group!(benches, msm);
criterion_main!(benches);
