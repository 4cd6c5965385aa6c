//! The CUDA backend against the CPU backend, operation by operation, on random and edge-case
//! inputs. Every device test skips with a message (and passes) where this build lacks the
//! `cuda` feature or the host has no usable GPU: they never assert that a device exists.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{FftField, Field, One, Zero};
use doppio_accel::{
    Accel, AccelConfig, AccelError, BackendChoice, BackendKind, Coset, NttDirection, Op,
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

/// Asserts that `op` ran on the device `calls` times and never fell back to the CPU.
fn assert_ran_on_device(gpu: &Accel, op: Op, calls: u64) {
    let m = gpu.metrics().snapshot();
    let cell = m.iter().find(|m| m.op == op && m.backend == BackendKind::Cuda);
    let (got, fallbacks) = cell.map_or((0, 0), |m| (m.calls, m.fallbacks));
    assert_eq!((got, fallbacks), (calls, 0), "{op}: calls and fallbacks on cuda");
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
    for op in [Op::Msm, Op::MsmBatch, Op::MsmBatchPrepared, Op::Ntt, Op::NttBatch] {
        assert_eq!(gpu.backend_for(op, 1 << 10), BackendKind::Cuda, "{op}");
    }
    for op in [Op::EcNtt, Op::EcScale, Op::BlsSumG1, Op::BlsSumG2, Op::BlsBatchVerify] {
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
    cpu.ec_ntt(&mut want, NttDirection::Forward).unwrap();
    gpu.ec_ntt(&mut got, NttDirection::Forward).unwrap();
    assert_eq!(G1Projective::normalize_batch(&got), G1Projective::normalize_batch(&want));
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
    }
}
