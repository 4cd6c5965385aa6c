//! BLS12-381 point sums and batch verification through blst, split across workers.

use blst::{
    BLST_ERROR, Pairing, blst_p1, blst_p1_add_or_double, blst_p1_add_or_double_affine,
    blst_p1_affine, blst_p1s_add, blst_p2, blst_p2_add_or_double, blst_p2_add_or_double_affine,
    blst_p2_affine, blst_p2s_add,
};

use crate::{backend::BlsTriple, parallel::Parallelism};

/// Points per task: blst's bulk addition shares inversions across a chunk, so chunks stay
/// large.
const SUM_CHUNK: usize = 1 << 10;
/// Signatures per pairing accumulator.
const VERIFY_CHUNK: usize = 4;

/// The blst operations a point sum needs, for G1 and G2 alike.
pub(crate) trait BlstGroup {
    /// Affine point.
    type Affine: Sync;
    /// Projective point; `Default` is the identity.
    type Point: Default + Copy + Send;
    /// blst's bulk addition of affine points (shared inversions).
    ///
    /// # Safety
    /// `points` must hold `n` valid pointers to initialised points.
    unsafe fn bulk_add(out: *mut Self::Point, points: *const *const Self::Affine, n: usize);
    /// `a + b`.
    fn add(a: &Self::Point, b: &Self::Point) -> Self::Point;
    /// `a + b`, `b` affine.
    fn add_affine(a: &Self::Point, b: &Self::Affine) -> Self::Point;
}

/// BLS12-381 G1 (public keys).
pub(crate) struct G1;
/// BLS12-381 G2 (signatures).
pub(crate) struct G2;

impl BlstGroup for G1 {
    type Affine = blst_p1_affine;
    type Point = blst_p1;
    unsafe fn bulk_add(out: *mut blst_p1, points: *const *const blst_p1_affine, n: usize) {
        // SAFETY: forwarded from the caller's contract.
        unsafe { blst_p1s_add(out, points, n) }
    }
    fn add(a: &blst_p1, b: &blst_p1) -> blst_p1 {
        let mut out = blst_p1::default();
        // SAFETY: all pointers refer to live, initialised points.
        unsafe { blst_p1_add_or_double(&mut out, a, b) };
        out
    }
    fn add_affine(a: &blst_p1, b: &blst_p1_affine) -> blst_p1 {
        let mut out = blst_p1::default();
        // SAFETY: all pointers refer to live, initialised points.
        unsafe { blst_p1_add_or_double_affine(&mut out, a, b) };
        out
    }
}

impl BlstGroup for G2 {
    type Affine = blst_p2_affine;
    type Point = blst_p2;
    unsafe fn bulk_add(out: *mut blst_p2, points: *const *const blst_p2_affine, n: usize) {
        // SAFETY: forwarded from the caller's contract.
        unsafe { blst_p2s_add(out, points, n) }
    }
    fn add(a: &blst_p2, b: &blst_p2) -> blst_p2 {
        let mut out = blst_p2::default();
        // SAFETY: all pointers refer to live, initialised points.
        unsafe { blst_p2_add_or_double(&mut out, a, b) };
        out
    }
    fn add_affine(a: &blst_p2, b: &blst_p2_affine) -> blst_p2 {
        let mut out = blst_p2::default();
        // SAFETY: all pointers refer to live, initialised points.
        unsafe { blst_p2_add_or_double_affine(&mut out, a, b) };
        out
    }
}

/// Sum of points: blst's batch-affine bulk addition per chunk, chunks in parallel.
pub(crate) fn sum<G: BlstGroup>(points: &[G::Affine], par: Parallelism) -> G::Point {
    let chunk = par.chunk_len(points.len(), SUM_CHUNK);
    let partial = par.map(points.len().div_ceil(chunk), |k| {
        let part = &points[k * chunk..((k + 1) * chunk).min(points.len())];
        let ptrs: Vec<*const G::Affine> = part.iter().map(|p| p as *const _).collect();
        let mut out = G::Point::default();
        // SAFETY: `ptrs` holds `ptrs.len()` valid pointers into `part`, alive for the call.
        unsafe { G::bulk_add(&mut out, ptrs.as_ptr(), ptrs.len()) };
        out
    });
    partial.iter().fold(G::Point::default(), |acc, p| G::add(&acc, p))
}

/// Sum of points added one at a time (the reference).
pub(crate) fn serial_sum<G: BlstGroup>(points: &[G::Affine]) -> G::Point {
    points.iter().fold(G::Point::default(), |acc, p| G::add_affine(&acc, p))
}

/// `Π e(r_i·pk_i, H(m_i)) == e(g1, Σ r_i·sig_i)`, with one Miller-loop accumulator per
/// task, merged before a single final exponentiation.
pub(crate) fn batch_verify(
    triples: &[BlsTriple<'_>],
    dst: &[u8],
    weights: &[u64],
    par: Parallelism,
) -> bool {
    let chunk = par.chunk_len(triples.len(), VERIFY_CHUNK);
    let parts = par.map(triples.len().div_ceil(chunk), |k| {
        let range = k * chunk..((k + 1) * chunk).min(triples.len());
        let mut pairing = Pairing::new(true, dst);
        for (t, w) in triples[range.clone()].iter().zip(&weights[range]) {
            let err = pairing.mul_n_aggregate(
                &t.public_key,
                false,
                &t.signature,
                true,
                &w.to_le_bytes(),
                64,
                t.message,
                &[],
            );
            if err != BLST_ERROR::BLST_SUCCESS {
                return None;
            }
        }
        pairing.commit();
        Some(pairing)
    });
    let mut parts = parts.into_iter();
    let Some(Some(mut acc)) = parts.next() else { return false };
    for p in parts {
        match p {
            Some(p) if acc.merge(&p) == BLST_ERROR::BLST_SUCCESS => {}
            _ => return false,
        }
    }
    acc.finalverify(None)
}
