//! Prove and verify times by circuit size: `plonk.prove/n=2^k backend=cpu`.
//!
//! The circuit mixes the gate kinds the light-client circuit uses (Edwards additions,
//! Poseidon-style rounds, multiplications, booleans) so every selector is active.
//! `DOPPIO_PLONK_BENCH_LOG` picks the sizes (comma-separated `k`, default `10,12,14`).

use criterion::{Criterion, criterion_group, criterion_main};
use doppio_accel::Accel;
use doppio_kzg::Srs;
use doppio_plonk::{preprocess, prove, verify};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn sizes() -> Vec<u32> {
    std::env::var("DOPPIO_PLONK_BENCH_LOG")
        .ok()
        .map(|s| s.split(',').filter_map(|k| k.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10, 12, 14])
}

fn bench(c: &mut Criterion) {
    let accel = Accel::cpu().expect("cpu backend");
    for log in sizes() {
        let circ = doppio_plonk::sample::circuit(log);
        let srs = Srs::insecure_dev(doppio_plonk::srs_degree(circ.domain_size()), 1);
        let (pk, vk) = preprocess(&srs, &circ, &accel).expect("preprocess");
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let proof = prove(&accel, &pk, &circ, &mut rng).expect("prove");
        verify(&vk, &circ.public_inputs(), &proof).expect("the proof verifies");
        let mut group = c.benchmark_group("plonk.prove");
        group.sample_size(10);
        group.bench_function(format!("n=2^{log} backend=cpu"), |b| {
            b.iter(|| prove(&accel, &pk, &circ, &mut rng).expect("prove"))
        });
        group.finish();
        let mut group = c.benchmark_group("plonk.verify");
        group.bench_function(format!("n=2^{log}"), |b| {
            b.iter(|| verify(&vk, &circ.public_inputs(), &proof).expect("verify"))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
