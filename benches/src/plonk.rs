//! `plonk.prove` rows of the hardware profile: the prover by circuit size (rows), and the
//! light-client state-update circuit by stake-table capacity.
//!
//! The baseline is not run here: it is jellyfish's TurboPlonk prover (BN254, two threads,
//! otherwise idle) as measured on the project's 2-core reference VM — 1.6 s at 2^14 rows,
//! 6.0 s at 2^16, 25 s at 2^18, about 100 s at 2^20 — interpolated in log–log space. For
//! the light-client rows it is Espresso's light-client circuit for the same capacity
//! (just under 2^20 gates at capacity 200, so about 5,243 gates per entry) on that prover.
//! The ratio therefore compares against that machine: read it as "faster than the
//! reference" only on a machine of that kind.

use std::time::{Duration, Instant};

use doppio_accel::{Accel, Op, ProfileRow};
use doppio_kzg::Srs;
use doppio_light_client::{
    circuit::{setup, state_update_circuit},
    dev::{DevStakeTable, dev_state},
};
use doppio_plonk::{preprocess, prove, sample};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::sweep::Extent;

/// `(log2 rows, ms)` of the reference prover on the 2-core reference VM.
const JELLYFISH_MS: [(f64, f64); 4] =
    [(14.0, 1_600.0), (16.0, 6_000.0), (18.0, 25_000.0), (20.0, 100_000.0)];

/// Gates of Espresso's light-client circuit per stake-table entry (2^20 / 200).
const ESPRESSO_GATES_PER_ENTRY: usize = 5_243;

/// The reference prover's time for a domain of `rows` rows (a power of two), in ms:
/// piecewise linear in log–log space, extended with the nearest segment's slope.
pub fn jellyfish_reference_ms(rows: usize) -> f64 {
    let x = (rows.max(2) as f64).log2();
    let i =
        JELLYFISH_MS.iter().skip(1).position(|&(k, _)| x <= k).unwrap_or(JELLYFISH_MS.len() - 2);
    let ((x0, y0), (x1, y1)) = (JELLYFISH_MS[i], JELLYFISH_MS[i + 1]);
    let slope = (y1.log2() - y0.log2()) / (x1 - x0);
    (y0.log2() + slope * (x - x0)).exp2()
}

/// Domain sizes (log2) of the `plonk.prove` rows.
pub fn prove_sizes(extent: Extent) -> Vec<u32> {
    match extent {
        Extent::Quick => vec![10],
        Extent::Standard => vec![14, 16, 18],
    }
}

/// Stake-table capacities of the `plonk.prove.light_client` rows.
pub fn light_client_capacities(extent: Extent) -> Vec<usize> {
    match extent {
        Extent::Quick => vec![1],
        Extent::Standard => vec![10, 100, 200],
    }
}

/// Best time of `prove` in ms: one warm-up (it prepares the key's commit key), then runs
/// until `budget` is spent, at least one.
fn best_ms(budget: Duration, mut prove: impl FnMut()) -> f64 {
    prove();
    let start = Instant::now();
    let mut best = f64::INFINITY;
    while best.is_infinite() || start.elapsed() < budget {
        let t = Instant::now();
        prove();
        best = best.min(t.elapsed().as_secs_f64() * 1e3);
    }
    best
}

/// `plonk.prove` on the sample circuit of `2^log` rows (every selector class active),
/// then `plonk.prove.cached`: the same key after
/// [`doppio_plonk::ProvingKey::cache_coset_evaluations`], as the state prover runs it.
pub fn prove_rows(
    accel: &Accel,
    log: u32,
    budget: Duration,
    progress: &mut dyn FnMut(&str),
) -> [ProfileRow; 2] {
    let c = sample::circuit(log);
    let srs = Srs::insecure_dev(doppio_plonk::srs_degree(c.domain_size()), 1);
    let (pk, _vk) = preprocess(&srs, &c, accel).expect("the sample circuit preprocesses");
    drop(srs);
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let mut time = || {
        best_ms(budget, || {
            drop(prove(accel, &pk, &c, &mut rng).expect("the sample circuit proves"))
        })
    };
    let ms = time();
    pk.cache_coset_evaluations(accel).expect("the key's coset evaluations");
    let cached_ms = time();
    let rows = c.domain_size();
    progress(&format!(
        "plonk.prove 2^{log} rows ({} gates): {ms:.0} ms, {cached_ms:.0} ms with the coset cache",
        c.num_gates()
    ));
    let row = |op: &str, ms| ProfileRow {
        op: op.into(),
        size: rows,
        backend: accel.backend_for(Op::Msm, rows),
        ms,
        baseline: "jellyfish TurboPlonk, same rows, 2-core reference VM (not run here)".into(),
        baseline_ms: jellyfish_reference_ms(rows),
    };
    [row("plonk.prove", ms), row("plonk.prove.cached", cached_ms)]
}

/// `plonk.prove.light_client`: one state update signed by every entry of a full stake
/// table of `capacity` entries, native checks and witness included (`size` = capacity),
/// then `plonk.prove.light_client.cached`: the same after
/// [`doppio_plonk::ProvingKey::cache_coset_evaluations`], the state prover's default.
pub fn light_client_rows(
    accel: &Accel,
    capacity: usize,
    budget: Duration,
    progress: &mut dyn FnMut(&str),
) -> [ProfileRow; 2] {
    let dev = DevStakeTable::new(capacity, capacity, 1).expect("dev keys");
    let state = dev_state(1, 1);
    let shape = state_update_circuit(capacity, &[], 0, &state, &[]).expect("the circuit builds");
    let (gates, rows) = (shape.num_gates(), shape.domain_size());
    drop(shape);
    progress(&format!(
        "plonk.prove.light_client capacity {capacity}: {gates} gates, setting up 2^{} rows …",
        rows.ilog2()
    ));
    let srs = Srs::insecure_dev(doppio_plonk::srs_degree(rows), 1);
    let (pk, _vk) = setup(&srs, capacity, accel).expect("the light-client circuit preprocesses");
    drop(srs);
    let mut rng_seed = 3;
    let mut time = || {
        best_ms(budget, || {
            rng_seed += 1;
            drop(dev.prove(accel, &pk, &state, rng_seed).expect("the update proves"))
        })
    };
    let ms = time();
    pk.cache_coset_evaluations(accel).expect("the key's coset evaluations");
    let cached_ms = time();
    progress(&format!(
        "plonk.prove.light_client capacity {capacity}: {ms:.0} ms, {cached_ms:.0} ms with the coset cache"
    ));
    let espresso_rows = (capacity * ESPRESSO_GATES_PER_ENTRY).next_power_of_two();
    let row = |op: &str, ms| ProfileRow {
        op: op.into(),
        size: capacity,
        backend: accel.backend_for(Op::Msm, rows),
        ms,
        baseline: format!(
            "Espresso's circuit (2^{} rows) on jellyfish TurboPlonk, 2-core reference VM (not run here); ours {gates} gates",
            espresso_rows.ilog2()
        ),
        baseline_ms: jellyfish_reference_ms(espresso_rows),
    };
    [row("plonk.prove.light_client", ms), row("plonk.prove.light_client.cached", cached_ms)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_interpolation_hits_the_measured_points() {
        for (log, ms) in JELLYFISH_MS {
            let got = jellyfish_reference_ms(1 << log as u32);
            assert!((got - ms).abs() < 1e-6 * ms, "2^{log}: {got} != {ms}");
        }
        // Between points it is monotone; outside, it extends the slope.
        let (a, b, c) = (
            jellyfish_reference_ms(1 << 15),
            jellyfish_reference_ms(1 << 17),
            jellyfish_reference_ms(1 << 12),
        );
        assert!(1_600.0 < a && a < 6_000.0 && 6_000.0 < b && b < 25_000.0, "{a} {b}");
        assert!((c - 1_600.0 / (6_000.0f64 / 1_600.0)).abs() < 1e-6 * c, "{c}");
    }
}
