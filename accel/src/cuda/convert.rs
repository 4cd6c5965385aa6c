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
pub(super) fn scalar_batch(
    scalars: &[Fr],
    weights: Option<Fr>,
    parallelism: Parallelism,
) -> Vec<Limbs> {
    let mut out = vec![[0u64; 4]; scalars.len()];
    let chunk = parallelism.chunk_len(scalars.len(), 1024);
    par(parallelism, scalars.len()).for_each_chunk(&mut out, chunk, |i, c| {
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
    out
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
