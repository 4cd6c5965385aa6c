use ark_bn254::{Fr, G1Projective};
use ark_ec::CurveGroup;
use ark_ff::{FftField, Zero};
use doppio_accel::{
    AccelError, Coset, MAX_LOG_NTT, NttDirection, check_ntt_size, kernels, parallel::Parallelism,
    reference,
};
use proptest::prelude::*;

use crate::{accel, random_points, random_scalars};

const DIRS: [NttDirection; 2] = [NttDirection::Forward, NttDirection::Inverse];

fn cosets() -> [Coset; 3] {
    [Coset::None, Coset::Offset(Fr::GENERATOR), Coset::Offset(Fr::from(7u64))]
}

#[test]
fn matches_arkworks_at_every_size_and_path() {
    // Sizes cover the in-cache block, one radix-2 layer and fused radix-4 layers.
    let a = accel();
    for log in (0..=14).chain([16, 17]) {
        let n = 1usize << log;
        let input = random_scalars(n, log as u64);
        for dir in DIRS {
            for coset in cosets() {
                let mut ours = input.clone();
                a.ntt(&mut ours, dir, coset).unwrap();
                let mut ark = input.clone();
                reference::arkworks_ntt(&mut ark, dir, coset);
                assert_eq!(ours, ark, "n = 2^{log}, {dir:?}, {coset:?}");
            }
        }
    }
}

#[test]
fn small_sizes_match_the_quadratic_dft() {
    for log in 0..=5 {
        let input = random_scalars(1 << log, 40 + log as u64);
        for dir in DIRS {
            for coset in cosets() {
                let mut ours = input.clone();
                accel().ntt(&mut ours, dir, coset).unwrap();
                assert_eq!(ours, reference::naive_dft(&input, dir, coset), "2^{log} {dir:?}");
            }
        }
    }
}

#[test]
fn sequential_equals_parallel() {
    for log in [3, 11, 12, 13, 15] {
        let input = random_scalars(1 << log, 50 + log as u64);
        for dir in DIRS {
            let mut seq = input.clone();
            kernels::ntt(&mut seq, dir, Some(Fr::GENERATOR), Parallelism::Sequential);
            let mut par = input.clone();
            kernels::ntt(&mut par, dir, Some(Fr::GENERATOR), Parallelism::Rayon);
            assert_eq!(seq, par, "2^{log} {dir:?}");
        }
    }
}

#[test]
fn edge_inputs() {
    for n in [1usize, 2, 1 << 13] {
        for v in [Fr::zero(), -Fr::from(1u64)] {
            let input = vec![v; n];
            let mut ours = input.clone();
            accel().ntt(&mut ours, NttDirection::Forward, Coset::None).unwrap();
            let mut ark = input.clone();
            reference::arkworks_ntt(&mut ark, NttDirection::Forward, Coset::None);
            assert_eq!(ours, ark);
        }
    }
}

#[test]
fn bad_sizes_are_typed_errors() {
    let a = accel();
    for n in [0usize, 3, 6, 1000] {
        let mut v = vec![Fr::zero(); n];
        assert_eq!(
            a.ntt(&mut v, NttDirection::Forward, Coset::None),
            Err(AccelError::NttSizeNotPowerOfTwo { size: n })
        );
    }
    assert_eq!(
        check_ntt_size(1 << (MAX_LOG_NTT + 1)),
        Err(AccelError::NttSizeTooLarge { size: 1 << (MAX_LOG_NTT + 1), max_log: MAX_LOG_NTT })
    );
    assert_eq!(check_ntt_size(1 << MAX_LOG_NTT), Ok(()));
    let mut v = vec![Fr::zero(); 4];
    assert_eq!(
        a.ntt(&mut v, NttDirection::Forward, Coset::Offset(Fr::zero())),
        Err(AccelError::ZeroCosetOffset)
    );
}

#[test]
fn batch_matches_single_and_checks_lengths() {
    let a = accel();
    for count in [1usize, 3, 9] {
        let inputs: Vec<Vec<Fr>> =
            (0..count).map(|i| random_scalars(1 << 10, 60 + i as u64)).collect();
        let mut batch = inputs.clone();
        let mut refs: Vec<&mut [Fr]> = batch.iter_mut().map(|v| v.as_mut_slice()).collect();
        a.ntt_batch(&mut refs, NttDirection::Inverse, Coset::Offset(Fr::GENERATOR)).unwrap();
        for (inp, out) in inputs.iter().zip(&batch) {
            let mut single = inp.clone();
            a.ntt(&mut single, NttDirection::Inverse, Coset::Offset(Fr::GENERATOR)).unwrap();
            assert_eq!(&single, out);
        }
    }
    let mut x = vec![Fr::zero(); 8];
    let mut y = vec![Fr::zero(); 4];
    let mut refs: Vec<&mut [Fr]> = vec![&mut x, &mut y];
    assert_eq!(
        a.ntt_batch(&mut refs, NttDirection::Forward, Coset::None),
        Err(AccelError::NttBatchLengthMismatch { index: 1, len: 4, expected: 8 })
    );
}

#[test]
fn ec_ntt_matches_quadratic_dft_and_arkworks() {
    let a = accel();
    for log in 0..=4 {
        let pts: Vec<G1Projective> =
            random_points(1 << log, 70 + log as u64).iter().map(|p| (*p).into()).collect();
        for dir in DIRS {
            let mut ours = pts.clone();
            a.ec_ntt(&mut ours, dir).unwrap();
            let naive = reference::naive_dft(&pts, dir, Coset::None);
            assert_eq!(
                reference::to_affine(&ours),
                reference::to_affine(&naive),
                "2^{log} {dir:?}"
            );
        }
    }
    for log in [12, 13] {
        let pts: Vec<G1Projective> =
            random_points(1 << log, 80).iter().map(|p| (*p).into()).collect();
        for dir in DIRS {
            let mut ours = pts.clone();
            a.ec_ntt(&mut ours, dir).unwrap();
            let mut ark = pts.clone();
            reference::arkworks_ec_ntt(&mut ark, dir);
            assert_eq!(reference::to_affine(&ours), reference::to_affine(&ark), "2^{log} {dir:?}");
            let mut seq = pts.clone();
            kernels::ec_ntt(&mut seq, dir, Parallelism::Sequential);
            assert_eq!(reference::to_affine(&seq), reference::to_affine(&ours));
        }
        let mut round = pts.clone();
        a.ec_ntt(&mut round, NttDirection::Forward).unwrap();
        a.ec_ntt(&mut round, NttDirection::Inverse).unwrap();
        assert_eq!(G1Projective::normalize_batch(&round), G1Projective::normalize_batch(&pts));
    }
    let mut bad = vec![G1Projective::zero(); 5];
    assert_eq!(
        a.ec_ntt(&mut bad, NttDirection::Forward),
        Err(AccelError::NttSizeNotPowerOfTwo { size: 5 })
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    #[test]
    fn round_trips(log in 0u32..15, seed in any::<u64>(), coset in 0usize..3) {
        let input = random_scalars(1 << log, seed);
        let coset = cosets()[coset];
        let mut v = input.clone();
        accel().ntt(&mut v, NttDirection::Forward, coset).unwrap();
        accel().ntt(&mut v, NttDirection::Inverse, coset).unwrap();
        prop_assert_eq!(v, input);
    }
}

#[test]
#[ignore = "slow: 2^26 elements (about 6 GiB with twiddles); run with --ignored"]
fn slow_largest_ntt_round_trips_and_evaluates() {
    // The largest supported size: output 1 must equal Σ a_j·ω^j, and the inverse must
    // give the input back.
    let n = 1usize << MAX_LOG_NTT;
    let input = random_scalars(n, 90);
    let mut v = input.clone();
    accel().ntt(&mut v, NttDirection::Forward, Coset::None).unwrap();
    let omega = Fr::get_root_of_unity(n as u64).unwrap();
    let (mut x, mut expected) = (Fr::from(1u64), Fr::zero());
    for a in &input {
        expected += *a * x;
        x *= omega;
    }
    assert_eq!(v[1], expected);
    accel().ntt(&mut v, NttDirection::Inverse, Coset::None).unwrap();
    assert!(v == input, "2^{MAX_LOG_NTT} round trip");
}

#[test]
fn glv_scalar_multiplication_matches_arkworks() {
    use ark_ec::PrimeGroup;
    use ark_ff::One;
    use doppio_accel::kernels::g1_mul;
    let points = random_points(20, 60);
    let scalars = random_scalars(20, 61);
    for (p, k) in points.iter().zip(&scalars) {
        let p = G1Projective::from(*p);
        assert_eq!(g1_mul(&p, k).into_affine(), (p * k).into_affine());
    }
    let g = G1Projective::generator();
    let omega = Fr::get_root_of_unity(1 << 10).unwrap();
    for k in [Fr::zero(), Fr::one(), -Fr::one(), Fr::from(2u64), omega, -omega, Fr::from(u64::MAX)]
    {
        assert_eq!(g1_mul(&g, &k).into_affine(), (g * k).into_affine(), "k = {k}");
    }
    assert!(g1_mul(&G1Projective::zero(), &scalars[0]).is_zero());
}

#[test]
fn ec_scale_matches_arkworks_and_checks_lengths() {
    let mut points: Vec<G1Projective> = random_points(37, 62).into_iter().map(Into::into).collect();
    points[3] = G1Projective::zero();
    let mut scalars = random_scalars(37, 63);
    scalars[5] = Fr::zero();
    scalars[6] = -Fr::from(1u64);
    let want: Vec<G1Projective> = points.iter().zip(&scalars).map(|(p, s)| *p * s).collect();
    let a = accel();
    a.ec_scale(&mut points, &scalars).unwrap();
    assert_eq!(G1Projective::normalize_batch(&points), G1Projective::normalize_batch(&want));
    assert_eq!(
        a.ec_scale(&mut points[..3], &scalars),
        Err(AccelError::LengthMismatch { bases: 3, scalars: 37 })
    );
    a.ec_scale(&mut [], &[]).unwrap();
}
