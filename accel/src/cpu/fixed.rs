//! Many MSMs over one small set of fixed bases, with precomputed window tables.
//!
//! KZG commitments to many short polynomials (a VID payload is about a thousand
//! polynomials of 32 coefficients per MiB) are MSMs that all use the same SRS bases. A
//! Pippenger MSM of 32 points pays mostly for its bucket reductions; with a table of
//! `d · 2^(c·w) · B_i` for every base, window and digit, an MSM becomes a plain sum of
//! one table point per non-zero signed digit (about `32 · 255/c` points) with no
//! doublings at all. Every MSM of a chunk is one "bucket" of the batch-affine reduction
//! in [`super::msm`], so all their additions share inversions.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup};
use ark_ff::Zero;

use super::msm::{dense, recode, reduce_buckets, sort_into_buckets, window_count};
use crate::parallel::Parallelism;

/// Upper bound on a table's size; larger base sets use the plain batched MSM.
pub(crate) const TABLE_BUDGET_BYTES: usize = 64 << 20;
/// Widest window tried (a wider one doubles the table for ~12% fewer additions).
const MAX_WINDOW: usize = 8;
/// Narrowest window worth a table.
const MIN_WINDOW: usize = 4;
/// MSMs reduced together: enough to amortise inversions, few enough to stay in cache.
const CHUNK: usize = 32;

/// `d · 2^(c·w) · bases[i]` for `d` in `1..=2^(c-1)`, every window `w` and base `i`.
#[derive(Debug)]
pub(crate) struct FixedBaseTable {
    c: usize,
    windows: usize,
    bases: usize,
    points: Vec<G1Affine>,
}

fn table_bytes(bases: usize, c: usize) -> usize {
    bases * window_count(c) * (1 << (c - 1)) * std::mem::size_of::<G1Affine>()
}

impl FixedBaseTable {
    /// The table for `bases` with the widest window within [`TABLE_BUDGET_BYTES`], or
    /// `None` when even the narrowest window would exceed it.
    pub(crate) fn new(bases: &[G1Affine], par: Parallelism) -> Option<Self> {
        let c = (MIN_WINDOW..=MAX_WINDOW)
            .rev()
            .find(|&c| table_bytes(bases.len(), c) <= TABLE_BUDGET_BYTES)?;
        let windows = window_count(c);
        let half = 1usize << (c - 1);
        let mut points = vec![G1Affine::identity(); bases.len() * windows * half];
        par.for_each_chunk(&mut points, windows * half, |i, out| {
            let mut row = Vec::with_capacity(half);
            let mut base = G1Projective::from(bases[i]);
            for w in 0..windows {
                row.clear();
                let mut acc = base;
                for _ in 0..half {
                    row.push(acc);
                    acc += base;
                }
                out[w * half..(w + 1) * half].copy_from_slice(&G1Projective::normalize_batch(&row));
                for _ in 0..c {
                    base.double_in_place();
                }
            }
        });
        Some(FixedBaseTable { c, windows, bases: bases.len(), points })
    }

    /// Window width in bits.
    pub(crate) fn window(&self) -> usize {
        self.c
    }

    fn entry(&self, base: usize, window: usize, digit: i32) -> G1Affine {
        let half = 1usize << (self.c - 1);
        let p =
            self.points[(base * self.windows + window) * half + digit.unsigned_abs() as usize - 1];
        if digit < 0 { -p } else { p }
    }

    /// One MSM per vector, vector `j` over the first `scalars[j].len()` bases.
    pub(crate) fn msm_batch(&self, scalars: &[&[Fr]], par: Parallelism) -> Vec<G1Projective> {
        debug_assert!(scalars.iter().all(|s| s.len() <= self.bases));
        let chunks = scalars.len().div_ceil(CHUNK);
        par.map(chunks, |k| self.chunk(&scalars[k * CHUNK..((k + 1) * CHUNK).min(scalars.len())]))
            .into_iter()
            .flatten()
            .collect()
    }

    fn chunk(&self, scalars: &[&[Fr]]) -> Vec<G1Projective> {
        let w = self.windows;
        let mut digits: Vec<Vec<i32>> = Vec::with_capacity(scalars.len());
        for s in scalars {
            let mut d = vec![0i32; s.len() * w];
            for (scalar, out) in s.iter().zip(d.chunks_mut(w)) {
                if !scalar.is_zero() {
                    recode(scalar, self.c, w, out);
                }
            }
            digits.push(d);
        }
        let (points, lens) = sort_into_buckets(scalars.len(), |f| {
            for (j, d) in digits.iter().enumerate() {
                for (i, row) in d.chunks(w).enumerate() {
                    for (window, &digit) in row.iter().enumerate() {
                        if digit != 0 {
                            let p = self.entry(i, window, digit);
                            f(j, &p, false);
                        }
                    }
                }
            }
        });
        let (points, lens) = reduce_buckets(points, lens);
        dense(&points, &lens)
            .into_iter()
            .map(|p| p.map_or(G1Projective::zero(), |p| p.into_group()))
            .collect()
    }
}
