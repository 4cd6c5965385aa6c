//! Proves one circuit of `2^k` rows and reports times, the share of prove time spent in
//! the acceleration layer's MSMs and NTTs, and the proof's verification time.
//!
//! `cargo run --release -p doppio-plonk --example prove_size -- 16 [cache]`
//! (`cache`: also time a proof with the key's coset evaluations cached)
//! (run under `/usr/bin/time -v` to read the peak memory).

use std::time::Instant;

use doppio_accel::{Accel, Op};
use doppio_kzg::Srs;
use doppio_plonk::{Circuit, PlonkError, Proof, ProvingKey, preprocess, prove, verify};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// User + system CPU seconds of this process (Linux; 0 elsewhere), which a loaded
/// machine distorts less than wall time.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(") ").map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn timed_prove(
    label: &str,
    accel: &Accel,
    pk: &ProvingKey,
    c: &Circuit,
    rng: &mut ChaCha20Rng,
) -> Result<Proof, PlonkError> {
    let before = accel.metrics().snapshot();
    let (start, cpu) = (Instant::now(), cpu_seconds());
    let proof = prove(accel, pk, c, rng)?;
    let (took, cpu) = (start.elapsed(), cpu_seconds() - cpu);
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
    let rest = total.saturating_sub(msm + ntt);
    let share = |x: u64| 100.0 * x as f64 / total as f64;
    println!(
        "{label}: {took:.2?}, {cpu:.2} CPU s (MSM {:.2} s = {:.0}%, NTT {:.2} s = {:.0}%, rest {:.2} s = {:.0}%)",
        seconds(msm),
        share(msm),
        seconds(ntt),
        share(ntt),
        seconds(rest),
        share(rest),
    );
    Ok(proof)
}

fn seconds(nanos: u64) -> f64 {
    nanos as f64 / 1e9
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let log: u32 = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(14);
    let accel = Accel::cpu()?;
    let start = Instant::now();
    let c = doppio_plonk::sample::circuit(log);
    println!("circuit: {} gates, domain 2^{log}, built in {:.2?}", c.num_gates(), start.elapsed());
    let start = Instant::now();
    let srs = Srs::insecure_dev(doppio_plonk::srs_degree(c.domain_size()), 1);
    println!("dev SRS: {:.2?}", start.elapsed());
    let start = Instant::now();
    let (pk, vk) = preprocess(&srs, &c, &accel)?;
    println!("preprocess: {:.2?}", start.elapsed());
    drop(srs);
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    // A first proof prepares the commit key; time the second.
    prove(&accel, &pk, &c, &mut rng)?;
    let proof = timed_prove("prove", &accel, &pk, &c, &mut rng)?;
    if std::env::args().nth(2).as_deref() == Some("cache") {
        let start = Instant::now();
        pk.cache_coset_evaluations(&accel)?;
        println!("cache coset evaluations: {:.2?}", start.elapsed());
        timed_prove("prove (cached cosets)", &accel, &pk, &c, &mut rng)?;
    }
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
