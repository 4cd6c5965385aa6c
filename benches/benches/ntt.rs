//! NTT over BN254 Fr: ours beside arkworks `Radix2EvaluationDomain`.
#![allow(missing_docs)]

use ark_bn254::Fr;
use ark_ff::FftField;
use criterion::{Criterion, criterion_group, criterion_main};
use doppio_accel::{Accel, Coset, NttDirection, reference};
use doppio_benches::{bench_logs, inputs};

fn ntt(c: &mut Criterion) {
    let accel = Accel::cpu().expect("cpu backend");
    let cases = [
        ("ntt", NttDirection::Forward, Coset::None),
        ("intt", NttDirection::Inverse, Coset::None),
        ("coset_ntt", NttDirection::Forward, Coset::Offset(Fr::GENERATOR)),
    ];
    for (name, dir, coset) in cases {
        let mut g = c.benchmark_group(name);
        g.sample_size(10);
        for log in bench_logs(&[10, 12, 14, 16, 18, 20], &[22]) {
            let mut v = inputs::scalars(1 << log, 3);
            g.bench_function(format!("n=2^{log} backend=cpu"), |x| {
                x.iter(|| accel.ntt(&mut v, dir, coset).expect("valid size"))
            });
            g.bench_function(format!("n=2^{log} baseline=arkworks"), |x| {
                x.iter(|| reference::arkworks_ntt(&mut v, dir, coset))
            });
        }
        g.finish();
    }
}

criterion_group!(benches, ntt);
criterion_main!(benches);
