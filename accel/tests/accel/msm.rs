use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::CurveGroup;
use ark_ff::{BigInteger, Field, One, PrimeField, Zero};
use doppio_accel::{AccelError, kernels, parallel::Parallelism, reference};
use proptest::prelude::*;

use crate::{accel, random_points, random_scalars};

fn check(bases: &[G1Affine], scalars: &[Fr]) {
    let expected = reference::naive_msm(bases, scalars);
    let got = accel().msm(bases, scalars).unwrap();
    assert_eq!(got.into_affine(), expected.into_affine(), "n = {}", bases.len());
    let seq = kernels::msm(bases, scalars, Parallelism::Sequential);
    assert_eq!(seq.into_affine(), got.into_affine(), "sequential vs parallel, n = {}", bases.len());
}

#[test]
fn empty_msm_is_identity() {
    assert!(accel().msm(&[], &[]).unwrap().is_zero());
}

#[test]
fn length_mismatch_is_a_typed_error() {
    let b = random_points(3, 1);
    let s = random_scalars(2, 2);
    assert_eq!(accel().msm(&b, &s), Err(AccelError::LengthMismatch { bases: 3, scalars: 2 }));
}

#[test]
fn small_sizes_match_naive() {
    for n in [1, 2, 3, 4, 5, 7, 8, 9, 16, 31, 33, 100] {
        check(&random_points(n, n as u64), &random_scalars(n, 1000 + n as u64));
    }
}

#[test]
fn sizes_around_the_batch_affine_threshold_match_naive() {
    let t = kernels::BATCH_AFFINE_MIN;
    for n in [t - 1, t, t + 1, 2 * t + 3] {
        check(&random_points(n, n as u64), &random_scalars(n, 7 + n as u64));
    }
}

#[test]
fn large_sizes_match_arkworks() {
    // Below 2^15 points a window sorts its points; from 2^15 on it streams them.
    for n in [1 << 12, 5000, 1 << 15] {
        let b = random_points(n, 11);
        let s = random_scalars(n, 12);
        let got = accel().msm(&b, &s).unwrap();
        assert_eq!(got.into_affine(), reference::arkworks_msm(&b, &s).into_affine(), "n = {n}");
    }
}

/// Streamed buckets (2^15 points and more) meet the same point twice in one bucket
/// (a doubling) and a point and its negation (a cancellation) over and over.
#[test]
fn streamed_buckets_double_and_cancel() {
    let n = (1 << 15) + 77;
    let distinct = random_points(64, 13);
    let scalars = random_scalars(128, 14);
    let b: Vec<G1Affine> = (0..n)
        .map(|i| if (i / 128) % 3 == 1 { -distinct[i % 64] } else { distinct[i % 64] })
        .collect();
    let s: Vec<Fr> = (0..n).map(|i| scalars[i % 128]).collect();
    let got = accel().msm(&b, &s).unwrap();
    assert_eq!(got.into_affine(), reference::arkworks_msm(&b, &s).into_affine());
    // Every point cancelled by its negation: the sum is the identity.
    let m = n - n % 2;
    let pairs: Vec<G1Affine> =
        (0..m).map(|i| if i % 2 == 0 { b[i / 2] } else { -b[i / 2] }).collect();
    let same: Vec<Fr> = (0..m).map(|i| s[i / 2]).collect();
    assert!(accel().msm(&pairs, &same).unwrap().is_zero());
}

#[test]
fn special_scalars() {
    let minus_one = -Fr::one();
    let max = Fr::from_bigint(Fr::MODULUS_MINUS_ONE_DIV_TWO).unwrap();
    let specials = [Fr::zero(), Fr::one(), minus_one, Fr::from(2u64), max, max + Fr::one()];
    for n in [6, 300, 600] {
        let b = random_points(n, 21);
        let s: Vec<Fr> = (0..n).map(|i| specials[i % specials.len()]).collect();
        check(&b, &s);
    }
}

#[test]
fn window_boundary_scalars() {
    // 2^k - 1, 2^k and 2^k + 1 for every k exercise every carry in the signed recoding.
    let mut s = Vec::new();
    for k in 0..254u64 {
        let p = Fr::from(2u64).pow([k]);
        s.extend([p - Fr::one(), p, p + Fr::one()]);
    }
    let b = random_points(s.len(), 22);
    check(&b, &s);
    check(&b[..40], &s[..40]);
}

#[test]
fn all_zero_scalars_give_identity() {
    for n in [5, 700] {
        let b = random_points(n, 23);
        assert!(accel().msm(&b, &vec![Fr::zero(); n]).unwrap().is_zero());
    }
}

#[test]
fn identity_and_repeated_points() {
    for n in [10, 513, 2000] {
        let mut b = random_points(n, 24);
        for i in (0..n).step_by(3) {
            b[i] = G1Affine::identity();
        }
        for i in (1..n).step_by(5) {
            b[i] = b[0];
        }
        check(&b, &random_scalars(n, 25));
    }
}

#[test]
fn all_equal_points_and_scalars() {
    // Same point in the same bucket many times: doubling inside the batch-affine rounds.
    for n in [9, 1024] {
        let b = vec![random_points(1, 26)[0]; n];
        let s = vec![random_scalars(1, 27)[0]; n];
        check(&b, &s);
    }
}

#[test]
fn opposite_points_cancel() {
    // P and −P with equal scalars land in one bucket and must cancel to the identity.
    let n = 800;
    let half = random_points(n / 2, 28);
    let b: Vec<G1Affine> = half.iter().flat_map(|p| [*p, -*p]).collect();
    let s: Vec<Fr> = random_scalars(n / 2, 29).into_iter().flat_map(|x| [x, x]).collect();
    assert!(accel().msm(&b, &s).unwrap().is_zero());
    let mut s2 = s.clone();
    s2[0] += Fr::one();
    check(&b, &s2);
}

#[test]
fn batch_matches_single_msms_and_checks_lengths() {
    let b = random_points(600, 30);
    let vecs: Vec<Vec<Fr>> =
        [0, 1, 17, 300, 600].iter().map(|&l| random_scalars(l, l as u64)).collect();
    let refs: Vec<&[Fr]> = vecs.iter().map(|v| v.as_slice()).collect();
    let got = accel().msm_batch(&b, &refs).unwrap();
    for (v, g) in vecs.iter().zip(&got) {
        assert_eq!(g.into_affine(), reference::naive_msm(&b[..v.len()], v).into_affine());
    }
    // Many small vectors take the across-vectors path.
    let many: Vec<Vec<Fr>> = (0..9).map(|i| random_scalars(40, 100 + i)).collect();
    let refs: Vec<&[Fr]> = many.iter().map(|v| v.as_slice()).collect();
    let got = accel().msm_batch(&b, &refs).unwrap();
    for (v, g) in many.iter().zip(&got) {
        assert_eq!(g.into_affine(), reference::naive_msm(&b[..40], v).into_affine());
    }
    let long = random_scalars(601, 31);
    assert_eq!(
        accel().msm_batch(&b, &[&long[..10], &long]),
        Err(AccelError::TooManyScalars { index: 1, len: 601, bases: 600 })
    );
}

#[test]
fn digits_recompose_the_scalar() {
    // Σ d_w · 2^(w·c) = s for every window width, checked with exact integers in Fr.
    let scalars = random_scalars(20, 32);
    for c in 2..=16usize {
        for s in scalars.iter().chain([&-Fr::one(), &Fr::zero()]) {
            let mut sum = Fr::zero();
            for (w, d) in doppio_accel::kernels::signed_digits(s, c).iter().enumerate() {
                let top = w + 1 == doppio_accel::kernels::window_count(c);
                let half = 1i32 << (c - 1);
                assert!(if top { (0..=half).contains(d) } else { (-half..half).contains(d) });
                sum += Fr::from(*d as i64) * Fr::from(2u64).pow([(w * c) as u64]);
            }
            assert_eq!(sum, *s, "c = {c}");
        }
    }
    let _ = G1Projective::zero();
    assert_eq!(Fr::MODULUS.num_bits(), 254);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn random_msms_match_naive(n in 0usize..400, seed in any::<u64>()) {
        let b = random_points(n, seed);
        let s = random_scalars(n, seed ^ 0x5eed);
        let got = accel().msm(&b, &s).unwrap();
        prop_assert_eq!(got.into_affine(), reference::naive_msm(&b, &s).into_affine());
    }
}

#[test]
fn portable_field_arithmetic_gives_the_same_msm_and_ntt() {
    // The MULX/ADX and AVX-512 IFMA paths (where detected) and the portable path must
    // agree bit for bit: sorted windows (3,000 points) and streamed ones (2^15 + 5).
    let sizes = [3000, (1 << 15) + 5];
    let bases: Vec<_> = sizes.iter().map(|&n| random_points(n, 40 + n as u64)).collect();
    let scalars: Vec<_> = sizes.iter().map(|&n| random_scalars(n, 41 + n as u64)).collect();
    let msms = || -> Vec<_> {
        bases.iter().zip(&scalars).map(|(b, s)| kernels::msm(b, s, Parallelism::Rayon)).collect()
    };
    let fast = msms();
    let mut v = random_scalars(1 << 14, 42);
    let mut w = v.clone();
    kernels::ntt(&mut v, doppio_accel::NttDirection::Forward, None, Parallelism::Rayon);
    kernels::force_portable_field(true);
    assert!(!kernels::msm_uses_ifma() && !kernels::field_uses_adx());
    let portable = msms();
    kernels::ntt(&mut w, doppio_accel::NttDirection::Forward, None, Parallelism::Rayon);
    kernels::force_portable_field(false);
    assert_eq!(v, w);
    for ((f, p), (b, s)) in fast.iter().zip(&portable).zip(bases.iter().zip(&scalars)) {
        assert_eq!(f.into_affine(), p.into_affine(), "{} points", b.len());
        assert_eq!(f.into_affine(), reference::arkworks_msm(b, s).into_affine());
    }
}

fn check_prepared(bases: &[G1Affine], vecs: &[Vec<Fr>]) {
    let accel = accel();
    let prepared = accel.prepare_bases(bases.to_vec());
    let refs: Vec<&[Fr]> = vecs.iter().map(|v| v.as_slice()).collect();
    let got = accel.msm_batch_prepared(&prepared, &refs).unwrap();
    assert_eq!(got.len(), vecs.len());
    for (j, (v, g)) in vecs.iter().zip(&got).enumerate() {
        let want = reference::naive_msm(&bases[..v.len()], v).into_affine();
        assert_eq!(g.into_affine(), want, "vector {j} of length {}", v.len());
    }
}

#[test]
fn prepared_batch_matches_naive_for_commitment_shapes() {
    let bases = random_points(32, 40);
    // Many full vectors (one chunk boundary crossed), short ones, an empty one.
    let mut vecs: Vec<Vec<Fr>> = (0..70).map(|i| random_scalars(32, 1000 + i)).collect();
    vecs.extend([0, 1, 5, 31].iter().map(|&l| random_scalars(l, 77 + l as u64)));
    vecs.push(vec![]);
    check_prepared(&bases, &vecs);
    let prepared = accel().prepare_bases(bases);
    assert_eq!(prepared.cpu_window(), Some(11));
}

#[test]
fn prepared_batch_special_scalars_and_points() {
    let p = random_points(2, 41);
    let two_p = (p[0] + p[0]).into_affine();
    // Identity, repeated, opposite and doubled bases force every special case of the
    // affine additions (doubling, cancellation to zero, identity operands).
    let bases = vec![p[0], p[0], -p[0], G1Affine::identity(), two_p, p[1]];
    let minus_one = -Fr::one();
    let top = Fr::from(Fr::MODULUS_BIT_SIZE as u64);
    let vecs = vec![
        vec![Fr::one(); 6],
        vec![Fr::zero(); 6],
        vec![minus_one, Fr::one(), Fr::one(), Fr::one(), Fr::one(), Fr::zero()],
        vec![Fr::from(2u64), Fr::zero(), Fr::zero(), Fr::one(), minus_one, Fr::zero()],
        vec![minus_one; 6],
        vec![top, top, top, top, top, top],
        vec![Fr::from(u64::MAX); 6],
    ];
    check_prepared(&bases, &vecs);
}

#[test]
fn prepared_batch_without_a_table_and_length_errors() {
    // 2,100 bases exceed the table budget even with 4-bit windows: plain batched MSM.
    let bases = random_points(2100, 42);
    let accel = accel();
    let prepared = accel.prepare_bases(bases.clone());
    assert_eq!(prepared.cpu_window(), None);
    let vecs = [random_scalars(2100, 43), random_scalars(7, 44)];
    let refs: Vec<&[Fr]> = vecs.iter().map(|v| v.as_slice()).collect();
    let got = accel.msm_batch_prepared(&prepared, &refs).unwrap();
    assert_eq!(got[0].into_affine(), reference::arkworks_msm(&bases, &vecs[0]).into_affine());
    assert_eq!(got[1].into_affine(), reference::naive_msm(&bases[..7], &vecs[1]).into_affine());
    let small = accel.prepare_bases(bases[..3].to_vec());
    assert_eq!(
        accel.msm_batch_prepared(&small, &[&vecs[1][..2], &vecs[1]]),
        Err(AccelError::TooManyScalars { index: 1, len: 7, bases: 3 })
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn random_prepared_batches_match_naive(
        bases in 1usize..80, vectors in 0usize..40, seed in any::<u64>()
    ) {
        let b = random_points(bases, seed);
        let vecs: Vec<Vec<Fr>> = (0..vectors)
            .map(|i| random_scalars((seed as usize + i * 7) % (bases + 1), seed ^ i as u64))
            .collect();
        check_prepared(&b, &vecs);
    }
}

#[test]
fn prepared_batch_with_short_scalars_uses_fewer_windows_correctly() {
    // Payload scalars have 248 bits; the batch then needs fewer windows. Check the
    // boundary of every bit length near a multiple of the window width.
    let bases = random_points(32, 45);
    let mut rng = crate::rng(46);
    for bits in [1u32, 10, 11, 12, 21, 22, 23, 32, 33, 34, 246, 247, 248, 249, 253, 254] {
        let top = (0..bits).fold(Fr::zero(), |acc, _| acc + acc + Fr::one()); // 2^bits − 1
        let vecs: Vec<Vec<Fr>> = (0..5)
            .map(|j| {
                (0..32)
                    .map(|i| match (i + j) % 3 {
                        0 => top,
                        1 => Fr::from(rand::Rng::r#gen::<u8>(&mut rng) as u64),
                        _ => Fr::zero(),
                    })
                    .collect()
            })
            .collect();
        check_prepared(&bases, &vecs);
    }
}
