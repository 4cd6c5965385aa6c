//! Proves one state update for a full stake table of the given capacity (every entry
//! signs) and reports gate count, times and the share of the layer's MSMs and NTTs.
//!
//! `cargo run --release -p doppio-light-client --example prove_state_update -- 200 [cache] [coefficients]`
//! (`cache`: then prove again with the key's coset evaluations cached, as the state
//! prover does by default; `coefficients`: commit to the wires from their coefficients,
//! as a key without the SRS's Lagrange basis does)

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
    // What the wire commitments over the Lagrange basis pay for: the witness's values.
    let signatures = dev
        .signing_keys()
        .iter()
        .map(|k| k.sign(&state.to_fields()).map(Some))
        .collect::<Result<Vec<_>, _>>()?;
    let table = dev.table();
    let witness =
        state_update_circuit(capacity, table.entries(), dev.threshold(), &state, &signatures)?;
    let [zero, small, medium, full] = witness.wire_value_sizes();
    drop(witness);
    let share = |k: usize| 100.0 * k as f64 / (5 * domain) as f64;
    println!(
        "wire slots: {:.1}% zero, {:.1}% below 2^8, {:.1}% below 2^64, {:.1}% full-size",
        share(zero),
        share(small),
        share(medium),
        share(full)
    );
    let start = Instant::now();
    let srs = Srs::insecure_dev(doppio_plonk::srs_degree(shape.domain_size()), 1);
    drop(shape);
    let (pk, vk) = setup(&srs, capacity, &accel)?;
    drop(srs);
    let flags: Vec<String> = std::env::args().skip(2).collect();
    let has = |flag: &str| flags.iter().any(|f| f == flag);
    let pk = if has("coefficients") { pk.without_lagrange_basis() } else { pk };
    println!("wires committed over the Lagrange basis: {}", pk.has_lagrange_basis());
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
    if has("cache") {
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
