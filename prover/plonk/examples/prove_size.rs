//! Proves one circuit of `2^k` rows and reports times, the share of prove time spent in
//! the acceleration layer's MSMs and NTTs, and the proof's verification time.
//!
//! `cargo run --release -p doppio-plonk --example prove_size -- 16`
//! (run under `/usr/bin/time -v` to read the peak memory).

#[path = "../benches/support/sample_circuit.rs"]
mod sample_circuit;

use std::time::Instant;

use doppio_accel::{Accel, Op};
use doppio_kzg::Srs;
use doppio_plonk::{preprocess, prove, verify};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn seconds(nanos: u64) -> f64 {
    nanos as f64 / 1e9
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let log: u32 = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(14);
    let accel = Accel::cpu()?;
    let start = Instant::now();
    let c = sample_circuit::circuit(log);
    println!("circuit: {} gates, domain 2^{log}, built in {:.2?}", c.num_gates(), start.elapsed());
    let start = Instant::now();
    let srs = Srs::insecure_dev(c.domain_size() + 2, 1);
    println!("dev SRS: {:.2?}", start.elapsed());
    let start = Instant::now();
    let (pk, vk) = preprocess(&srs, &c, &accel)?;
    println!("preprocess: {:.2?}", start.elapsed());
    drop(srs);
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    // A first proof prepares the commit key; time the second.
    prove(&accel, &pk, &c, &mut rng)?;
    let before = accel.metrics().snapshot();
    let start = Instant::now();
    let proof = prove(&accel, &pk, &c, &mut rng)?;
    let took = start.elapsed();
    let after = accel.metrics().snapshot();
    let spent = |ops: &[Op]| -> u64 {
        let total = |m: &[doppio_accel::OpMetrics]| -> u64 {
            m.iter().filter(|o| ops.contains(&o.op)).map(|o| o.nanos).sum()
        };
        total(&after) - total(&before)
    };
    let msm = spent(&[Op::Msm, Op::MsmBatch, Op::MsmBatchPrepared]);
    let ntt = spent(&[Op::Ntt, Op::NttBatch]);
    let total = took.as_nanos() as u64;
    println!(
        "prove: {took:.2?} (MSM {:.2} s = {:.0}%, NTT {:.2} s = {:.0}%, rest {:.2} s = {:.0}%)",
        seconds(msm),
        100.0 * msm as f64 / total as f64,
        seconds(ntt),
        100.0 * ntt as f64 / total as f64,
        seconds(total.saturating_sub(msm + ntt)),
        100.0 * total.saturating_sub(msm + ntt) as f64 / total as f64,
    );
    let inputs = c.public_inputs();
    verify(&vk, &inputs, &proof)?;
    let runs = 50;
    let start = Instant::now();
    for _ in 0..runs {
        verify(&vk, &inputs, &proof)?;
    }
    println!("verify: {:.2?} (mean of {runs})", start.elapsed() / runs);
    Ok(())
}
