//! Proves one state update for a full stake table of the given capacity (every entry
//! signs) and reports gate count, times and the share of the layer's MSMs and NTTs.
//!
//! `cargo run --release -p doppio-light-client --example prove_state_update -- 200`

use std::time::Instant;

use ark_bn254::Fr;
use doppio_accel::{Accel, Op};
use doppio_kzg::Srs;
use doppio_light_client::{
    circuit::{StateUpdate, prove_state_update, setup, state_update_circuit, verify_state_update},
    dev::DevStakeTable,
    state::{DEFAULT_CAPACITY, LightClientState, stake_table_state},
};
use rand::SeedableRng;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let capacity: usize =
        std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(DEFAULT_CAPACITY);
    let accel = Accel::cpu()?;
    let dev = DevStakeTable::new(capacity)?;
    let table = &dev.entries;
    let state = LightClientState {
        view_number: Fr::from(10u64),
        block_height: Fr::from(5u64),
        block_comm_root: Fr::from(77u64),
    };
    let signers = dev.sign_all(&state)?;
    let threshold = dev.threshold();
    let shape = state_update_circuit(capacity, &[], 0, &state, &[])?;
    println!("capacity {capacity}: {} gates, domain {}", shape.num_gates(), shape.domain_size());
    let start = Instant::now();
    let srs = Srs::insecure_dev(shape.domain_size() + 2, 1);
    drop(shape);
    let (pk, vk) = setup(&srs, capacity, &accel)?;
    drop(srs);
    println!("dev SRS + setup: {:.2?}", start.elapsed());
    let update = StateUpdate { stake_table: table, threshold, state: &state, signers: &signers };
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    let before = accel.metrics().snapshot();
    let start = Instant::now();
    let proof = prove_state_update(&accel, &pk, capacity, &update, &mut rng)?;
    let took = start.elapsed();
    let after = accel.metrics().snapshot();
    let spent = |ops: &[Op]| -> f64 {
        let total = |m: &[doppio_accel::OpMetrics]| -> u64 {
            m.iter().filter(|o| ops.contains(&o.op)).map(|o| o.nanos).sum()
        };
        (total(&after) - total(&before)) as f64 / 1e9
    };
    let (msm, ntt) =
        (spent(&[Op::Msm, Op::MsmBatch, Op::MsmBatchPrepared]), spent(&[Op::Ntt, Op::NttBatch]));
    println!("prove (native checks, witness, proof): {took:.2?} (MSM {msm:.2} s, NTT {ntt:.2} s)");
    let table_state = stake_table_state(table, capacity, threshold);
    let start = Instant::now();
    verify_state_update(&vk, &state, &table_state, &proof)?;
    println!("verify: {:.2?}", start.elapsed());
    Ok(())
}
