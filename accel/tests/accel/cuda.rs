//! The CUDA backend against the CPU backend, operation by operation, on random and edge-case
//! inputs. Every device test skips with a message (and passes) where this build lacks the
//! `cuda` feature or the host has no usable GPU: they never assert that a device exists.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{FftField, Field, One, Zero};
use doppio_accel::{
    Accel, AccelConfig, AccelError, BackendChoice, BackendKind, Coset, NttDirection, Op, OpMetrics,
    ProfileRow,
};

use crate::{accel, random_points, random_scalars};

/// An accel layer with `--accel-backend cuda`, or `None` (after saying why) where the CUDA
/// backend cannot run in this build or on this host.
fn cuda(test: &str) -> Option<Accel> {
    let config = AccelConfig { backend: BackendChoice::Cuda, ..AccelConfig::default() };
    match Accel::new(&config) {
        Ok(accel) => Some(accel),
        Err(AccelError::BackendUnavailable { reason, .. }) => {
            eprintln!("skipping {test}: the CUDA backend is unavailable here: {reason}");
            None
        }
        Err(other) => panic!("unexpected error building a cuda accel layer: {other}"),
    }
}

/// The counters of `op` on `cuda`.
fn cuda_metrics(gpu: &Accel, op: Op) -> Option<OpMetrics> {
    gpu.metrics().snapshot().into_iter().find(|m| m.op == op && m.backend == BackendKind::Cuda)
}

/// Asserts that `op` ran on the device `calls` times and never fell back to the CPU, and
/// that the device's time and transfers were counted.
fn assert_ran_on_device(gpu: &Accel, op: Op, calls: u64) {
    let cell = cuda_metrics(gpu, op);
    let (got, fallbacks) = cell.map_or((0, 0), |m| (m.calls, m.fallbacks));
    assert_eq!((got, fallbacks), (calls, 0), "{op}: calls and fallbacks on cuda");
    let m = cell.expect("counted above");
    assert!(m.device_nanos > 0, "{op}: device time counted: {m:?}");
    assert!(m.bytes_to_device > 0 && m.bytes_from_device > 0, "{op}: transfers counted: {m:?}");
    assert!(gpu.metrics().device().memory_used_bytes > 0, "device memory gauge set");
}

#[test]
fn cuda_choice_is_a_typed_error_or_a_device() {
    let config = AccelConfig { backend: BackendChoice::Cuda, ..AccelConfig::default() };
    match Accel::new(&config) {
        Ok(gpu) => assert!(gpu.available().contains(&BackendKind::Cuda)),
        Err(AccelError::BackendUnavailable { backend, reason }) => {
            assert_eq!(backend, BackendKind::Cuda);
            assert!(!reason.is_empty());
            eprintln!("no CUDA backend here (expected without a GPU): {reason}");
        }
        Err(other) => panic!("unexpected error: {other}"),
    }
}

#[test]
fn auto_without_a_table_runs_everything_on_the_cpu() {
    let auto = Accel::new(&AccelConfig::default()).unwrap();
    for op in Op::ALL {
        assert_eq!(auto.backend_for(op, 1 << 20), BackendKind::Cpu, "{op}");
    }
}

#[test]
fn cuda_choice_keeps_uncovered_operations_on_the_cpu() {
    let Some(gpu) = cuda("cuda_choice_keeps_uncovered_operations_on_the_cpu") else { return };
    for op in [Op::Msm, Op::MsmBatch, Op::MsmBatchPrepared, Op::Ntt, Op::NttBatch, Op::EcNtt] {
        assert_eq!(gpu.backend_for(op, 1 << 10), BackendKind::Cuda, "{op}");
    }
    for op in [Op::EcScale, Op::BlsSumG1, Op::BlsSumG2, Op::BlsBatchVerify] {
        assert_eq!(gpu.backend_for(op, 1 << 10), BackendKind::Cpu, "{op}");
    }
}

/// The sppark BN254 root of unity of order 2^28 (sppark 0.1.16,
/// `ntt/parameters/alt_bn128.h`, `forward_roots_of_unity[28]`, Montgomery limbs) is
/// arkworks' `TWO_ADIC_ROOT_OF_UNITY`: so both transforms evaluate at the same ω^i and the
/// device's NTT needs no reordering to match arkworks. Runs without a GPU.
#[test]
fn sppark_root_of_unity_is_arkworks() {
    let sppark_root: [u64; 4] =
        [0x636e735580d13d9c, 0xa22bf3742445ffd6, 0x56452ac01eb203d8, 0x1860ef942963f9e7];
    assert_eq!(Fr::TWO_ADIC_ROOT_OF_UNITY.0.0, sppark_root);
    assert_eq!(Fr::TWO_ADICITY, 28);
    // sppark's group_gen (the multiplicative generator, Montgomery limbs) is arkworks' 5.
    let sppark_gen: [u64; 4] =
        [0x1b0d0ef99fffffe6, 0xeaba68a3a32a913f, 0x47d8eb76d8dd0689, 0x15d0085520f5bbc3];
    assert_eq!(Fr::GENERATOR.0.0, sppark_gen);
}

fn msm_cases() -> Vec<(&'static str, Vec<G1Affine>, Vec<Fr>)> {
    let g = G1Affine::generator();
    let id = G1Affine::zero();
    let mut cases = vec![
        ("one element", random_points(1, 1), random_scalars(1, 2)),
        ("zero scalars", random_points(100, 3), vec![Fr::zero(); 100]),
        ("identity points", vec![id; 64], random_scalars(64, 4)),
        ("scalar -1 and 1", vec![g, g], vec![-Fr::one(), Fr::one()]),
        ("p and -p", vec![g, -g, g], vec![Fr::from(5u64), Fr::from(5u64), Fr::from(2u64)]),
        ("repeated point", vec![g; 300], random_scalars(300, 5)),
    ];
    let mut mixed_points = random_points(1000, 6);
    let mut mixed_scalars = random_scalars(1000, 7);
    for i in (0..1000).step_by(7) {
        mixed_points[i] = id;
        mixed_scalars[(i + 3) % 1000] = Fr::zero();
    }
    cases.push(("identities and zeros mixed in", mixed_points, mixed_scalars));
    for n in [2, 3, 255, 256, 257, 1000, 4097, (1 << 16) + 5] {
        cases.push(("random", random_points(n, n as u64), random_scalars(n, 10 + n as u64)));
    }
    cases
}

#[test]
fn msm_matches_cpu() {
    let Some(gpu) = cuda("msm_matches_cpu") else { return };
    let cpu = accel();
    let cases = msm_cases();
    for (what, bases, scalars) in &cases {
        let want = cpu.msm(bases, scalars).unwrap();
        let got = gpu.msm(bases, scalars).unwrap();
        assert_eq!(got.into_affine(), want.into_affine(), "{what}, n = {}", bases.len());
    }
    assert_eq!(gpu.msm(&[], &[]).unwrap(), G1Projective::zero(), "empty");
    assert_ran_on_device(&gpu, Op::Msm, cases.len() as u64);
}

#[test]
fn msm_batch_and_prepared_match_cpu() {
    let Some(gpu) = cuda("msm_batch_and_prepared_match_cpu") else { return };
    let cpu = accel();
    let bases = random_points(3000, 20);
    let vectors: Vec<Vec<Fr>> =
        [0, 1, 17, 1024, 3000].iter().map(|&n| random_scalars(n, 21 + n as u64)).collect();
    let refs: Vec<&[Fr]> = vectors.iter().map(Vec::as_slice).collect();
    let want = cpu.msm_batch(&bases, &refs).unwrap();
    assert_eq!(gpu.msm_batch(&bases, &refs).unwrap(), want);
    let prepared = gpu.prepare_bases(bases.clone());
    assert_eq!(gpu.msm_batch_prepared(&prepared, &refs).unwrap(), want);
    assert_ran_on_device(&gpu, Op::MsmBatch, 1);
    assert_ran_on_device(&gpu, Op::MsmBatchPrepared, 1);
}

fn cosets() -> [Coset; 3] {
    [Coset::None, Coset::Offset(Fr::GENERATOR), Coset::Offset(Fr::from(7u64))]
}

#[test]
fn ntt_matches_cpu() {
    let Some(gpu) = cuda("ntt_matches_cpu") else { return };
    let cpu = accel();
    let mut calls = 0;
    for log in (0..=12).chain([16, 20]) {
        let input = random_scalars(1 << log, 30 + log as u64);
        for direction in [NttDirection::Forward, NttDirection::Inverse] {
            for coset in cosets() {
                let mut want = input.clone();
                cpu.ntt(&mut want, direction, coset).unwrap();
                let mut got = input.clone();
                gpu.ntt(&mut got, direction, coset).unwrap();
                calls += 1;
                assert!(got == want, "2^{log} {direction:?} {coset:?}");
            }
        }
    }
    assert_ran_on_device(&gpu, Op::Ntt, calls);
}

#[test]
fn ntt_edge_cases_match_cpu() {
    let Some(gpu) = cuda("ntt_edge_cases_match_cpu") else { return };
    let cpu = accel();
    let n = 1 << 10;
    let mut one_hot = vec![Fr::zero(); n];
    one_hot[1] = Fr::one();
    let inputs = [vec![Fr::zero(); n], vec![Fr::one(); n], vec![-Fr::one(); n], one_hot];
    for input in inputs {
        for direction in [NttDirection::Forward, NttDirection::Inverse] {
            let mut want = input.clone();
            cpu.ntt(&mut want, direction, Coset::None).unwrap();
            let mut got = input.clone();
            gpu.ntt(&mut got, direction, Coset::None).unwrap();
            assert!(got == want, "{direction:?}");
        }
    }
    // Round trip on a coset: inverse(forward(x)) = x.
    let input = random_scalars(1 << 14, 40);
    let mut values = input.clone();
    let coset = Coset::Offset(Fr::from(3u64).square());
    gpu.ntt(&mut values, NttDirection::Forward, coset).unwrap();
    gpu.ntt(&mut values, NttDirection::Inverse, coset).unwrap();
    assert!(values == input, "coset round trip");
}

#[test]
fn ntt_batch_matches_cpu() {
    let Some(gpu) = cuda("ntt_batch_matches_cpu") else { return };
    let cpu = accel();
    let inputs: Vec<Vec<Fr>> = (0..4).map(|i| random_scalars(1 << 12, 50 + i)).collect();
    for coset in cosets() {
        let mut want = inputs.clone();
        let mut want_refs: Vec<&mut [Fr]> = want.iter_mut().map(Vec::as_mut_slice).collect();
        cpu.ntt_batch(&mut want_refs, NttDirection::Forward, coset).unwrap();
        let mut got = inputs.clone();
        let mut got_refs: Vec<&mut [Fr]> = got.iter_mut().map(Vec::as_mut_slice).collect();
        gpu.ntt_batch(&mut got_refs, NttDirection::Forward, coset).unwrap();
        assert!(got == want, "{coset:?}");
    }
    assert_ran_on_device(&gpu, Op::NttBatch, 3);
}

#[test]
fn uncovered_operations_match_cpu_under_cuda_choice() {
    let Some(gpu) = cuda("uncovered_operations_match_cpu_under_cuda_choice") else { return };
    let cpu = accel();
    let g = G1Projective::generator();
    let mut want: Vec<G1Projective> = random_scalars(8, 60).iter().map(|s| g * s).collect();
    let mut got = want.clone();
    let scalars = random_scalars(8, 61);
    cpu.ec_scale(&mut want, &scalars).unwrap();
    gpu.ec_scale(&mut got, &scalars).unwrap();
    assert_eq!(G1Projective::normalize_batch(&got), G1Projective::normalize_batch(&want));
}

/// Points `s·G` for random `s`, with every seventh the identity.
fn random_projective(n: usize, seed: u64) -> Vec<G1Projective> {
    let g = G1Projective::generator();
    let mut points: Vec<G1Projective> = random_scalars(n, seed).iter().map(|s| g * s).collect();
    for p in points.iter_mut().step_by(7) {
        *p = G1Projective::zero();
    }
    points
}

fn same_points(a: &[G1Projective], b: &[G1Projective]) -> bool {
    G1Projective::normalize_batch(a) == G1Projective::normalize_batch(b)
}

#[test]
fn ec_ntt_matches_cpu() {
    let Some(gpu) = cuda("ec_ntt_matches_cpu") else { return };
    let cpu = accel();
    let mut calls = 0;
    for log in 0..=10u32 {
        let input = random_projective(1 << log, 70 + u64::from(log));
        for direction in [NttDirection::Forward, NttDirection::Inverse] {
            let mut want = input.clone();
            cpu.ec_ntt(&mut want, direction).unwrap();
            let mut got = input.clone();
            gpu.ec_ntt(&mut got, direction).unwrap();
            calls += 1;
            assert!(same_points(&got, &want), "2^{log} {direction:?}");
        }
    }
    assert_ran_on_device(&gpu, Op::EcNtt, calls);
}

#[test]
fn ec_ntt_edge_cases_match_cpu() {
    let Some(gpu) = cuda("ec_ntt_edge_cases_match_cpu") else { return };
    let cpu = accel();
    let g = G1Projective::generator();
    let n = 1 << 6;
    let mut one_hot = vec![G1Projective::zero(); n];
    one_hot[1] = g;
    let mut repeated = vec![g; n];
    repeated[3] = -g;
    let inputs = [vec![G1Projective::zero(); n], vec![g; n], vec![-g; n], one_hot, repeated];
    for input in inputs {
        for direction in [NttDirection::Forward, NttDirection::Inverse] {
            let mut want = input.clone();
            cpu.ec_ntt(&mut want, direction).unwrap();
            let mut got = input.clone();
            gpu.ec_ntt(&mut got, direction).unwrap();
            assert!(same_points(&got, &want), "{direction:?}");
        }
    }
    // Round trip: inverse(forward(x)) = x.
    let input = random_projective(1 << 9, 80);
    let mut values = input.clone();
    gpu.ec_ntt(&mut values, NttDirection::Forward).unwrap();
    gpu.ec_ntt(&mut values, NttDirection::Inverse).unwrap();
    assert!(same_points(&values, &input), "round trip");
    let m = cuda_metrics(&gpu, Op::EcNtt).unwrap();
    assert_eq!(m.fallbacks, 0, "{m:?}");
}

#[test]
fn resident_bases_are_uploaded_once_and_reused() {
    let Some(gpu) = cuda("resident_bases_are_uploaded_once_and_reused") else { return };
    let cpu = accel();
    let n = 3000;
    let bases = random_points(n, 90);
    // Prefixes of every length class, the whole set, and an empty vector.
    let lens = [0, 1, 17, 1024, 2999, 3000];
    let vectors: Vec<Vec<Fr>> =
        lens.iter().map(|&len| random_scalars(len, 91 + len as u64)).collect();
    let refs: Vec<&[Fr]> = vectors.iter().map(Vec::as_slice).collect();
    let want = cpu.msm_batch(&bases, &refs).unwrap();
    let prepared = gpu.prepare_bases(bases.clone());
    assert!(gpu.metrics().device().resident_bytes > 0, "resident after prepare_bases");
    let rounds = 40u64;
    for round in 0..rounds {
        assert_eq!(gpu.msm_batch_prepared(&prepared, &refs).unwrap(), want, "round {round}");
    }
    assert_ran_on_device(&gpu, Op::MsmBatchPrepared, rounds);
    // Bases once (64 bytes a point), then only scalars (32 bytes each) per round.
    let scalars: u64 = lens.iter().map(|&l| 32 * l as u64).sum();
    let m = cuda_metrics(&gpu, Op::MsmBatchPrepared).unwrap();
    assert_eq!(m.bytes_to_device, 64 * n as u64 + rounds * scalars, "{m:?}");
    // A second set beside the first; both stay resident and both stay right.
    let other_bases = random_points(500, 92);
    let other = gpu.prepare_bases(other_bases.clone());
    let both = gpu.metrics().device().resident_bytes;
    let short = [&vectors[2][..]];
    assert_eq!(
        gpu.msm_batch_prepared(&other, &short).unwrap(),
        cpu.msm_batch(&other_bases, &short).unwrap()
    );
    assert_eq!(gpu.msm_batch_prepared(&prepared, &refs).unwrap(), want);
    // Dropping a set frees its device memory.
    drop(prepared);
    let after = gpu.metrics().device().resident_bytes;
    assert!(after < both, "dropping a set frees it: {after} < {both}");
    drop(other);
    assert_eq!(gpu.metrics().device().resident_bytes, 0);
    // An empty set is never uploaded; its only MSMs are empty.
    let empty = gpu.prepare_bases(Vec::new());
    let nothing: [&[Fr]; 2] = [&[], &[]];
    assert_eq!(gpu.msm_batch_prepared(&empty, &nothing).unwrap(), vec![G1Projective::zero(); 2]);
    assert_eq!(gpu.metrics().device().resident_bytes, 0);
    let m = cuda_metrics(&gpu, Op::MsmBatchPrepared).unwrap();
    assert_eq!(m.fallbacks, 0, "{m:?}");
}

/// A profile where the device wins from 2^10 on and loses below.
fn profile_rows() -> Vec<ProfileRow> {
    let row = |op: Op, log: u32, backend, ms| ProfileRow {
        op: op.name().into(),
        size: 1 << log,
        backend,
        ms,
        baseline: "arkworks".into(),
        baseline_ms: 1.0,
    };
    let mut rows = Vec::new();
    for op in [Op::Msm, Op::MsmBatch, Op::MsmBatchPrepared, Op::Ntt, Op::NttBatch, Op::EcNtt] {
        rows.push(row(op, 4, BackendKind::Cpu, 1.0));
        rows.push(row(op, 4, BackendKind::Cuda, 5.0));
        rows.push(row(op, 10, BackendKind::Cpu, 50.0));
        rows.push(row(op, 10, BackendKind::Cuda, 2.0));
    }
    rows
}

#[test]
fn auto_follows_the_measured_crossover_for_every_device_operation() {
    let path =
        std::env::temp_dir().join(format!("doppio-accel-profile-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_string(&profile_rows()).unwrap()).unwrap();
    let config = AccelConfig { profile: Some(path.clone()), ..AccelConfig::default() };
    let auto = Accel::new(&config).unwrap();
    let _ = std::fs::remove_file(&path);
    let device = auto.available().contains(&BackendKind::Cuda);
    if !device {
        eprintln!("no CUDA device here: checking that auto keeps everything on the cpu");
    }
    for op in [Op::Msm, Op::MsmBatch, Op::MsmBatchPrepared, Op::Ntt, Op::NttBatch, Op::EcNtt] {
        assert_eq!(auto.backend_for(op, 1), BackendKind::Cpu, "{op}: tiny input");
        assert_eq!(auto.backend_for(op, 1 << 4), BackendKind::Cpu, "{op}: cpu faster");
        let big = if device { BackendKind::Cuda } else { BackendKind::Cpu };
        assert_eq!(auto.backend_for(op, 1 << 10), big, "{op}: device faster");
        assert_eq!(auto.backend_for(op, 1 << 20), big, "{op}: beyond the table");
    }
    assert_eq!(auto.backend_for(Op::EcScale, 1 << 20), BackendKind::Cpu, "not profiled");
}

mod random {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]

        /// Random sizes, with every `zero_every`-th scalar zero and every
        /// `identity_every`-th base the identity.
        #[test]
        fn msm_matches_cpu_at_random_sizes(
            n in 1usize..5000,
            seed in any::<u64>(),
            zero_every in 2usize..50,
            identity_every in 2usize..50,
        ) {
            let Some(gpu) = cuda("msm_matches_cpu_at_random_sizes") else { return Ok(()) };
            let mut bases = random_points(n, seed);
            let mut scalars = random_scalars(n, seed ^ 1);
            for i in (0..n).step_by(zero_every) {
                scalars[i] = Fr::zero();
            }
            for i in (0..n).step_by(identity_every) {
                bases[i] = G1Affine::zero();
            }
            let want = accel().msm(&bases, &scalars).unwrap();
            prop_assert_eq!(gpu.msm(&bases, &scalars).unwrap().into_affine(), want.into_affine());
        }

        #[test]
        fn ntt_matches_cpu_at_random_sizes(
            log in 0u32..16,
            seed in any::<u64>(),
            inverse in any::<bool>(),
            offset in proptest::option::of(1u64..1000),
        ) {
            let Some(gpu) = cuda("ntt_matches_cpu_at_random_sizes") else { return Ok(()) };
            let input = random_scalars(1 << log, seed);
            let direction = if inverse { NttDirection::Inverse } else { NttDirection::Forward };
            let coset = offset.map_or(Coset::None, |g| Coset::Offset(Fr::from(g)));
            let mut want = input.clone();
            accel().ntt(&mut want, direction, coset).unwrap();
            let mut got = input;
            gpu.ntt(&mut got, direction, coset).unwrap();
            prop_assert!(got == want);
        }

        #[test]
        fn ec_ntt_matches_cpu_at_random_sizes(
            log in 0u32..9,
            seed in any::<u64>(),
            inverse in any::<bool>(),
        ) {
            let Some(gpu) = cuda("ec_ntt_matches_cpu_at_random_sizes") else { return Ok(()) };
            let input = random_projective(1 << log, seed);
            let direction = if inverse { NttDirection::Inverse } else { NttDirection::Forward };
            let mut want = input.clone();
            accel().ec_ntt(&mut want, direction).unwrap();
            let mut got = input;
            gpu.ec_ntt(&mut got, direction).unwrap();
            prop_assert!(same_points(&got, &want));
        }
    }
}
