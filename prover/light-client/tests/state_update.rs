//! The state-update circuit: completeness at capacities 1, 10 and 200, refusals before
//! proving, soundness of the public inputs, and the gate counts at capacities 1, 10, 100
//! and 200.

use ark_bn254::Fr;
use ark_ff::One;
use doppio_accel::Accel;
use doppio_kzg::Srs;
use doppio_light_client::{
    SchnorrSignature, SchnorrSigningKey,
    circuit::{
        LightClientError, StateUpdate, prove_state_update, setup, state_update_circuit,
        verify_state_update,
    },
    state::{DEFAULT_CAPACITY, LightClientState, StakeTableEntry, stake_table_state},
};
use doppio_plonk::{CircuitError, PlonkError};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn keys(n: usize) -> Vec<SchnorrSigningKey> {
    (0..n).map(|i| SchnorrSigningKey::from_seed(&[i as u8 + 1; 32]).unwrap()).collect()
}

fn table(keys: &[SchnorrSigningKey]) -> Vec<StakeTableEntry> {
    keys.iter()
        .enumerate()
        .map(|(i, k)| StakeTableEntry {
            bls_key: [i as u8 + 7; 48],
            schnorr_key: k.ver_key(),
            amount: 10 + i as u128,
        })
        .collect()
}

fn state(view: u64) -> LightClientState {
    LightClientState {
        view_number: Fr::from(view),
        block_height: Fr::from(view / 2),
        block_comm_root: Fr::from(12345u64),
    }
}

fn sign(
    keys: &[SchnorrSigningKey],
    who: &[usize],
    st: &LightClientState,
) -> Vec<(usize, SchnorrSignature)> {
    who.iter().map(|&i| (i, keys[i].sign(&st.to_fields()).unwrap())).collect()
}

/// Proves and verifies an update for `n` entries at `capacity`, signed by `who`; then
/// checks that every changed public input is rejected.
fn round_trip(capacity: usize, n: usize, who: &[usize], threshold: u128) {
    let accel = Accel::cpu().unwrap();
    let ks = keys(n);
    let entries = table(&ks);
    let st = state(40);
    let c = state_update_circuit(capacity, &[], 0, &st, &[]).unwrap();
    let srs = Srs::insecure_dev(doppio_plonk::srs_degree(c.domain_size()), 9);
    let (pk, vk) = setup(&srs, capacity, &accel).unwrap();
    let signers = sign(&ks, who, &st);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let proof = prove_state_update(
        &accel,
        &pk,
        capacity,
        &StateUpdate { stake_table: &entries, threshold, state: &st, signers: &signers },
        &mut rng,
    )
    .unwrap();
    let table_state = stake_table_state(&entries, capacity, threshold);
    verify_state_update(&vk, &st, &table_state, &proof).unwrap();
    let rejected = |s: &LightClientState, t: &doppio_light_client::state::StakeTableState| {
        matches!(
            verify_state_update(&vk, s, t, &proof),
            Err(LightClientError::Plonk(PlonkError::InvalidProof(_)))
        )
    };
    assert!(rejected(&state(41), &table_state));
    assert!(rejected(&LightClientState { block_comm_root: Fr::one(), ..st }, &table_state));
    let mut t = table_state;
    t.threshold += Fr::one();
    assert!(rejected(&st, &t));
    let mut t = table_state;
    t.bls_key_comm += Fr::one();
    assert!(rejected(&st, &t));
    let mut t = table_state;
    t.schnorr_key_comm += Fr::one();
    assert!(rejected(&st, &t));
    let mut t = table_state;
    t.amount_comm += Fr::one();
    assert!(rejected(&st, &t));
}

#[test]
fn capacity_1_update_proves_and_verifies() {
    round_trip(1, 1, &[0], 10);
}

#[test]
fn capacity_10_update_proves_and_verifies() {
    // 7 entries (amounts 10..16), signed by 5 of them: 10 + 12 + 13 + 15 + 16 = 66.
    round_trip(10, 7, &[0, 2, 3, 5, 6], 66);
}

/// The default capacity, proved and verified: 2^19 rows, about a minute and a half here
/// (most of it the key and the proof's MSMs).
#[test]
fn capacity_200_update_proves_and_verifies() {
    // Every entry but the last 66 signs: amounts 10..=143 of 10..=209, 10,251 of 21,900,
    // exactly the threshold.
    let who: Vec<usize> = (0..DEFAULT_CAPACITY - 66).collect();
    round_trip(DEFAULT_CAPACITY, DEFAULT_CAPACITY, &who, 10_251);
}

#[test]
fn bad_updates_are_refused_before_proving() {
    let capacity = 4;
    let accel = Accel::cpu().unwrap();
    let c = state_update_circuit(capacity, &[], 0, &state(1), &[]).unwrap();
    let srs = Srs::insecure_dev(doppio_plonk::srs_degree(c.domain_size()), 9);
    let (pk, _) = setup(&srs, capacity, &accel).unwrap();
    let ks = keys(3);
    let entries = table(&ks);
    let st = state(40);
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let mut attempt =
        |entries: &[StakeTableEntry], threshold, signers: &[(usize, SchnorrSignature)]| {
            prove_state_update(
                &accel,
                &pk,
                capacity,
                &StateUpdate { stake_table: entries, threshold, state: &st, signers },
                &mut rng,
            )
            .unwrap_err()
        };
    // A signature over another state.
    let other = sign(&ks, &[1], &state(39));
    assert_eq!(attempt(&entries, 0, &other), LightClientError::BadSignature { index: 1 });
    // Another signer's signature under this index.
    let swapped = vec![(0, sign(&ks, &[1], &st)[0].1)];
    assert_eq!(attempt(&entries, 0, &swapped), LightClientError::BadSignature { index: 0 });
    // Too little stake: 10 + 11 < 22.
    let two = sign(&ks, &[0, 1], &st);
    assert_eq!(
        attempt(&entries, 22, &two),
        LightClientError::NotEnoughStake { signed: 21, threshold: 22 }
    );
    // A signer outside the table, and one listed twice.
    let outsider = SchnorrSigningKey::from_seed(&[99; 32]).unwrap();
    let outside = vec![(3, outsider.sign(&st.to_fields()).unwrap())];
    assert_eq!(
        attempt(&entries, 0, &outside),
        LightClientError::SignerOutsideTable { index: 3, len: 3 }
    );
    let twice = [two[0], two[0]];
    assert_eq!(attempt(&entries, 0, &twice), LightClientError::DuplicateSigner { index: 0 });
    // More entries than the capacity.
    let big = table(&keys(5));
    assert_eq!(attempt(&big, 0, &[]), LightClientError::CapacityExceeded { len: 5, capacity: 4 });
}

#[test]
fn the_circuit_refuses_what_the_api_refuses() {
    let ks = keys(3);
    let entries = table(&ks);
    let st = state(40);
    let sigs: Vec<_> = sign(&ks, &[0, 1, 2], &st).into_iter().map(|(_, s)| Some(s)).collect();
    state_update_circuit(4, &entries, 33, &st, &sigs).unwrap().check_satisfied().unwrap();
    // Too little stake (10 + 11 + 12 = 33): the surplus range check fails.
    let c = state_update_circuit(4, &entries, 34, &st, &sigs).unwrap();
    assert!(matches!(c.check_satisfied(), Err(CircuitError::GateUnsatisfied { .. })));
    // A signature over another state.
    let mut bad = sigs.clone();
    bad[1] = Some(sign(&ks, &[1], &state(39))[0].1);
    let c = state_update_circuit(4, &entries, 0, &st, &bad).unwrap();
    assert!(matches!(c.check_satisfied(), Err(CircuitError::GateUnsatisfied { .. })));
}

/// The size that matters for L1: the circuit at the default capacity, built and checked
/// (proved by `capacity_200_update_proves_and_verifies`).
#[test]
fn capacity_200_gate_count() {
    let ks = keys(DEFAULT_CAPACITY);
    let entries = table(&ks);
    let st = state(40);
    let sigs: Vec<_> = ks.iter().map(|k| Some(k.sign(&st.to_fields()).unwrap())).collect();
    let c = state_update_circuit(DEFAULT_CAPACITY, &entries, 1000, &st, &sigs).unwrap();
    c.check_satisfied().unwrap();
    println!("capacity {DEFAULT_CAPACITY}: {} gates, domain {}", c.num_gates(), c.domain_size());
    // The README's figures: about 2,420 gates per entry, 1,810 of them the signature,
    // within 2^19 rows.
    assert_eq!((c.num_gates(), c.domain_size()), (484_685, 1 << 19));
}

/// The circuit's shape depends only on the capacity; the README quotes these sizes.
#[test]
fn gate_counts_at_small_capacities() {
    for (capacity, gates, domain) in
        [(1, 3_531, 1 << 12), (10, 25_291, 1 << 15), (100, 242_855, 1 << 18)]
    {
        let c = state_update_circuit(capacity, &[], 0, &state(1), &[]).unwrap();
        println!("capacity {capacity}: {} gates, domain {}", c.num_gates(), c.domain_size());
        assert_eq!((c.num_gates(), c.domain_size()), (gates, domain), "capacity {capacity}");
    }
}
