//! NTT over BN254 G1 points: ours beside arkworks' FFT over group elements.
#![allow(missing_docs)]

use ark_bn254::G1Projective;
use criterion::{Criterion, criterion_group, criterion_main};
use doppio_accel::{Accel, NttDirection, reference};
use doppio_benches::{bench_logs, inputs};

fn ec_ntt(c: &mut Criterion) {
    let accel = Accel::cpu().expect("cpu backend");
    let mut g = c.benchmark_group("ec_ntt");
    g.sample_size(10);
    for log in bench_logs(&[6, 8, 10, 12], &[14]) {
        let mut p: Vec<G1Projective> =
            inputs::points(1 << log, 4).into_iter().map(Into::into).collect();
        g.bench_function(format!("n=2^{log} backend=cpu"), |x| {
            x.iter(|| accel.ec_ntt(&mut p, NttDirection::Forward).expect("valid size"))
        });
        g.bench_function(format!("n=2^{log} baseline=arkworks"), |x| {
            x.iter(|| reference::arkworks_ec_ntt(&mut p, NttDirection::Forward))
        });
    }
    g.finish();
}

criterion_group!(benches, ec_ntt);
criterion_main!(benches);
