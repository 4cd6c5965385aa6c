//! arkworks ↔ sppark data: both keep BN254 field elements as four little-endian 64-bit
//! limbs in Montgomery form (arkworks `Fp(BigInt)` with R = 2^256; sppark's `fp_t`/`fr_t`
//! are `mont_t` over the same moduli and R), so conversion is a copy of the limbs.
//! The copy is explicit rather than a cast of arkworks' structs, whose Rust layout is not
//! guaranteed (and `G1Affine` carries an `infinity` flag that sppark does not read).

use ark_bn254::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInt, BigInteger, Field, PrimeField, Zero};

use super::ffi::{AffineLimbs, JacobianLimbs, Limbs};
use crate::parallel::Parallelism;

/// Below this many elements conversions run on the calling thread.
const PARALLEL_MIN: usize = 1 << 14;

fn par(par: Parallelism, n: usize) -> Parallelism {
    if n < PARALLEL_MIN { Parallelism::Sequential } else { par }
}

/// The Montgomery limbs of a scalar.
pub(super) fn fr_limbs(s: &Fr) -> Limbs {
    s.0.0
}

/// A scalar from Montgomery limbs the device produced, reduced once if needed; `None` if
/// they are not below twice the modulus (not a field element).
pub(super) fn fr_from_limbs(limbs: Limbs) -> Option<Fr> {
    reduce::<Fr>(limbs).map(Fr::new_unchecked)
}

/// sppark's affine form of a point: (x, y) limbs, the identity as (0, 0).
pub(super) fn affine_limbs(p: &G1Affine) -> AffineLimbs {
    let mut out = [0u64; 8];
    if !p.is_zero() {
        out[..4].copy_from_slice(&p.x.0.0);
        out[4..].copy_from_slice(&p.y.0.0);
    }
    out
}

/// The Jacobian point sppark wrote (arkworks' `G1Projective` is Jacobian too), checked to
/// be on the curve; `None` for limbs that are not field elements or not a curve point.
pub(super) fn projective_from_limbs(limbs: &JacobianLimbs) -> Option<G1Projective> {
    let coordinate = |i: usize| -> Option<Fq> {
        let mut l = [0u64; 4];
        l.copy_from_slice(&limbs[4 * i..4 * i + 4]);
        reduce::<Fq>(l).map(Fq::new_unchecked)
    };
    let (x, y, z) = (coordinate(0)?, coordinate(1)?, coordinate(2)?);
    if z.is_zero() {
        return Some(G1Projective::zero());
    }
    let p = G1Projective::new_unchecked(x, y, z);
    p.into_affine().is_on_curve().then_some(p)
}

/// `limbs` as a canonical Montgomery representative of `F` (below the modulus): device
/// arithmetic may leave values in [p, 2p).
fn reduce<F: PrimeField<BigInt = BigInt<4>>>(limbs: Limbs) -> Option<BigInt<4>> {
    let mut v = BigInt(limbs);
    if v >= F::MODULUS {
        v.sub_with_borrow(&F::MODULUS);
    }
    (v < F::MODULUS).then_some(v)
}

/// arkworks' Jacobian coordinates of `p` as limbs (X, Y, Z; Montgomery form; the identity
/// has Z = 0), the EC-NTT kernel's input layout.
pub(super) fn jacobian_limbs(p: &G1Projective) -> JacobianLimbs {
    let mut out = [0u64; 12];
    for (i, c) in [p.x, p.y, p.z].iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&c.0.0);
    }
    out
}

/// Affine limbs of `points`, converted on `parallelism`.
pub(super) fn affine_batch(points: &[G1Affine], parallelism: Parallelism) -> Vec<AffineLimbs> {
    let mut out = vec![[0u64; 8]; points.len()];
    let chunk = parallelism.chunk_len(points.len(), 1024);
    par(parallelism, points.len()).for_each_chunk(&mut out, chunk, |i, c| {
        for (o, p) in c.iter_mut().zip(&points[i * chunk..]) {
            *o = affine_limbs(p);
        }
    });
    out
}

/// Montgomery limbs of `scalars`, element `i` first multiplied by `weights^i` when given
/// (the coset offset powers of an NTT), converted on `parallelism`.
#[cfg(test)]
pub(super) fn scalar_batch(
    scalars: &[Fr],
    weights: Option<Fr>,
    parallelism: Parallelism,
) -> Vec<Limbs> {
    let mut out = vec![[0u64; 4]; scalars.len()];
    scalar_batch_into(&mut out, scalars, weights, parallelism);
    out
}

/// [`scalar_batch`] into `out` (`out.len() == scalars.len()`), e.g. a pinned buffer.
pub(super) fn scalar_batch_into(
    out: &mut [Limbs],
    scalars: &[Fr],
    weights: Option<Fr>,
    parallelism: Parallelism,
) {
    let chunk = parallelism.chunk_len(scalars.len(), 1024);
    par(parallelism, scalars.len()).for_each_chunk(out, chunk, |i, c| {
        let start = i * chunk;
        let mut w = weights.map(|g| (g, g.pow([start as u64])));
        for (o, s) in c.iter_mut().zip(&scalars[start..]) {
            *o = match &mut w {
                Some((g, w)) => {
                    let v = *s * *w;
                    *w *= *g;
                    fr_limbs(&v)
                }
                None => fr_limbs(s),
            };
        }
    });
}

/// Jacobian limbs of `points` into `out` (`out.len() == points.len()`).
pub(super) fn jacobian_batch_into(
    out: &mut [JacobianLimbs],
    points: &[G1Projective],
    parallelism: Parallelism,
) {
    let chunk = parallelism.chunk_len(points.len(), 256);
    par(parallelism, points.len()).for_each_chunk(out, chunk, |i, c| {
        for (o, p) in c.iter_mut().zip(&points[i * chunk..]) {
            *o = jacobian_limbs(p);
        }
    });
}

/// The points the device wrote, each checked (field elements, on the curve); `None` if
/// any is invalid.
pub(super) fn projective_batch(
    limbs: &[JacobianLimbs],
    parallelism: Parallelism,
) -> Option<Vec<G1Projective>> {
    let mut out = vec![G1Projective::zero(); limbs.len()];
    let ok = std::sync::atomic::AtomicBool::new(true);
    let chunk = parallelism.chunk_len(limbs.len(), 256);
    par(parallelism, limbs.len()).for_each_chunk(&mut out, chunk, |i, c| {
        for (o, l) in c.iter_mut().zip(&limbs[i * chunk..]) {
            match projective_from_limbs(l) {
                Some(p) => *o = p,
                None => ok.store(false, std::sync::atomic::Ordering::Relaxed),
            }
        }
    });
    ok.into_inner().then_some(out)
}

/// Writes device results back into `values`, each multiplied by `weight^i` when given (the
/// inverse coset powers); `false` if any limbs are not a field element (then `values` may
/// be partly written: callers keep the input elsewhere).
pub(super) fn write_scalars(
    values: &mut [Fr],
    limbs: &[Limbs],
    weights: Option<Fr>,
    parallelism: Parallelism,
) -> bool {
    let ok = std::sync::atomic::AtomicBool::new(true);
    let chunk = parallelism.chunk_len(values.len(), 1024);
    par(parallelism, values.len()).for_each_chunk(values, chunk, |i, c| {
        let start = i * chunk;
        let mut w = weights.map(|g| (g, g.pow([start as u64])));
        for (v, l) in c.iter_mut().zip(&limbs[start..]) {
            let Some(x) = fr_from_limbs(*l) else {
                ok.store(false, std::sync::atomic::Ordering::Relaxed);
                return;
            };
            *v = match &mut w {
                Some((g, w)) => {
                    let y = x * *w;
                    *w *= *g;
                    y
                }
                None => x,
            };
        }
    });
    ok.into_inner()
}

#[cfg(test)]
mod tests {
    //! The host side of the device data, checked without a GPU.

    use ark_bn254::{Fq, Fr, G1Affine, G1Projective};
    use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
    use ark_ff::{Field, One, PrimeField, UniformRand, Zero};
    use rand::SeedableRng;

    use super::*;

    fn rng() -> rand_chacha::ChaCha20Rng {
        rand_chacha::ChaCha20Rng::seed_from_u64(7)
    }

    /// A Jacobian point in sppark's output layout.
    fn jacobian(x: Fq, y: Fq, z: Fq) -> JacobianLimbs {
        let mut out = [0u64; 12];
        for (i, c) in [x, y, z].iter().enumerate() {
            out[4 * i..4 * i + 4].copy_from_slice(&c.0.0);
        }
        out
    }

    #[test]
    fn points_round_trip_through_sppark_layout() {
        let mut r = rng();
        let p = (G1Projective::generator() * Fr::rand(&mut r)).into_affine();
        let limbs = affine_limbs(&p);
        assert_eq!(limbs[..4], p.x.0.0);
        assert_eq!(limbs[4..], p.y.0.0);
        assert_eq!(affine_limbs(&G1Affine::zero()), [0; 8], "identity is (0, 0) for sppark");
        // A Jacobian point with Z ≠ 1 reads back as the same point.
        let z = Fq::from(5u64);
        let (x, y) = (p.x * z.square(), p.y * z.square() * z);
        let back = projective_from_limbs(&jacobian(x, y, z)).expect("valid point");
        assert_eq!(back.into_affine(), p);
        let identity = jacobian(Fq::one(), Fq::one(), Fq::zero());
        assert_eq!(projective_from_limbs(&identity), Some(G1Projective::zero()));
    }

    #[test]
    fn invalid_device_output_is_refused() {
        let g = G1Affine::generator();
        let off_curve = jacobian(g.x, g.y + Fq::one(), Fq::one());
        assert_eq!(projective_from_limbs(&off_curve), None);
        assert_eq!(fr_from_limbs([u64::MAX; 4]), None, "not below 2r");
    }

    #[test]
    fn unreduced_limbs_are_reduced_once() {
        // x + r in limbs (below 2r: the lazily reduced form device arithmetic may leave).
        let x = Fr::from(12345u64);
        let mut limbs = BigInt(x.0.0);
        assert!(!limbs.add_with_carry(&Fr::MODULUS));
        assert_eq!(fr_from_limbs(limbs.0), Some(x));
        assert_eq!(fr_from_limbs(fr_limbs(&x)), Some(x));
    }

    #[test]
    fn coset_weights_are_powers_in_order_on_every_strategy() {
        let mut r = rng();
        let values: Vec<Fr> = (0..40_000).map(|_| Fr::rand(&mut r)).collect();
        let g = Fr::from(7u64);
        let want: Vec<Fr> =
            values.iter().enumerate().map(|(i, v)| *v * g.pow([i as u64])).collect();
        for par in [Parallelism::Sequential, Parallelism::Rayon] {
            let limbs = scalar_batch(&values, Some(g), par);
            let got: Vec<Fr> = limbs.iter().map(|l| fr_from_limbs(*l).unwrap()).collect();
            assert!(got == want, "{par:?}");
            let mut back = vec![Fr::zero(); values.len()];
            assert!(write_scalars(&mut back, &limbs, g.inverse(), par));
            assert!(back == values, "{par:?}");
        }
    }
}
