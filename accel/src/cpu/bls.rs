//! BLS12-381 point sums and batch verification through blst, split across workers.

use blst::{
    BLST_ERROR, Pairing, blst_p1, blst_p1_add_or_double, blst_p1_affine, blst_p1s_add, blst_p2,
    blst_p2_add_or_double, blst_p2_affine, blst_p2s_add,
};

use crate::{backend::BlsTriple, parallel::Parallelism};

/// Points per task: blst's bulk addition shares inversions across a chunk, so chunks stay
/// large.
const SUM_CHUNK: usize = 1 << 10;
/// Signatures per pairing accumulator.
const VERIFY_CHUNK: usize = 4;

/// Sum of G1 points; blst's batch-affine bulk addition per chunk, chunks in parallel.
pub(crate) fn sum_g1(points: &[blst_p1_affine], par: Parallelism) -> blst_p1 {
    let chunk = par.chunk_len(points.len(), SUM_CHUNK);
    let partial = par.map(points.len().div_ceil(chunk), |k| {
        let part = &points[k * chunk..((k + 1) * chunk).min(points.len())];
        let ptrs: Vec<*const blst_p1_affine> = part.iter().map(|p| p as *const _).collect();
        let mut out = blst_p1::default();
        // SAFETY: `ptrs` holds `ptrs.len()` valid pointers into `part`, alive for the call.
        unsafe { blst_p1s_add(&mut out, ptrs.as_ptr(), ptrs.len()) };
        out
    });
    partial.iter().fold(blst_p1::default(), |acc, p| {
        let mut out = blst_p1::default();
        // SAFETY: all pointers refer to live, initialised points.
        unsafe { blst_p1_add_or_double(&mut out, &acc, p) };
        out
    })
}

/// Sum of G2 points; as [`sum_g1`].
pub(crate) fn sum_g2(points: &[blst_p2_affine], par: Parallelism) -> blst_p2 {
    let chunk = par.chunk_len(points.len(), SUM_CHUNK);
    let partial = par.map(points.len().div_ceil(chunk), |k| {
        let part = &points[k * chunk..((k + 1) * chunk).min(points.len())];
        let ptrs: Vec<*const blst_p2_affine> = part.iter().map(|p| p as *const _).collect();
        let mut out = blst_p2::default();
        // SAFETY: `ptrs` holds `ptrs.len()` valid pointers into `part`, alive for the call.
        unsafe { blst_p2s_add(&mut out, ptrs.as_ptr(), ptrs.len()) };
        out
    });
    partial.iter().fold(blst_p2::default(), |acc, p| {
        let mut out = blst_p2::default();
        // SAFETY: all pointers refer to live, initialised points.
        unsafe { blst_p2_add_or_double(&mut out, &acc, p) };
        out
    })
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
