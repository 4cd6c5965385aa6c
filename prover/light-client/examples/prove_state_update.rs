//! Proves one state update for a full stake table of the given capacity (every entry
//! signs) and reports gate count, times and the share of the layer's MSMs and NTTs.
//!
//! `cargo run --release -p doppio-light-client --example prove_state_update -- 200 [cache]`
//! (`cache`: then prove again with the key's coset evaluations cached, as the state
//! prover does by default)

use std::time::Instant;

use doppio_accel::{Accel, Op};
use doppio_kzg::Srs;
use doppio_light_client::{
    circuit::{setup, state_update_circuit, verify_state_update},
    dev::{DevStakeTable, dev_state},
    state::DEFAULT_CAPACITY,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let capacity: usize =
        std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(DEFAULT_CAPACITY);
    let accel = Accel::cpu()?;
    let dev = DevStakeTable::new(capacity, capacity, 1)?;
    let state = dev_state(1, 1);
    let start = Instant::now();
    let shape = state_update_circuit(capacity, &[], 0, &state, &[])?;
    let (gates, domain) = (shape.num_gates(), shape.domain_size());
    println!(
        "capacity {capacity}: {gates} gates, domain {domain}, built in {:.2?}",
        start.elapsed()
    );
    let start = Instant::now();
    let srs = Srs::insecure_dev(doppio_plonk::srs_degree(shape.domain_size()), 1);
    drop(shape);
    let (pk, vk) = setup(&srs, capacity, &accel)?;
    drop(srs);
    println!("dev SRS + setup: {:.2?}", start.elapsed());
    let timed_prove = |label: &str| -> Result<_, Box<dyn std::error::Error>> {
        let before = accel.metrics().snapshot();
        let start = Instant::now();
        let proof = dev.prove(&accel, &pk, &state, 3)?;
        let took = start.elapsed();
        let after = accel.metrics().snapshot();
        let spent = |ops: &[Op]| -> f64 {
            let total = |m: &[doppio_accel::OpMetrics]| -> u64 {
                m.iter().filter(|o| ops.contains(&o.op)).map(|o| o.nanos).sum()
            };
            (total(&after) - total(&before)) as f64 / 1e9
        };
        let msm = spent(&[Op::Msm, Op::MsmBatch, Op::MsmBatchPrepared]);
        let ntt = spent(&[Op::Ntt, Op::NttBatch]);
        println!("{label}: {took:.2?} (MSM {msm:.2} s, NTT {ntt:.2} s)");
        Ok(proof)
    };
    let mut proof = timed_prove("prove (native checks, witness, proof)")?;
    if std::env::args().nth(2).as_deref() == Some("cache") {
        let start = Instant::now();
        pk.cache_coset_evaluations(&accel)?;
        println!("cache coset evaluations: {:.2?}", start.elapsed());
        proof = timed_prove("prove (cached cosets)")?;
    }
    // The stake table's commitments (native Poseidon over every entry) are the caller's,
    // computed once per table: outside the verification's time.
    let table_state = dev.state();
    let start = Instant::now();
    verify_state_update(&vk, &state, &table_state, &proof)?;
    println!("verify: {:.2?}", start.elapsed());
    Ok(())
}
