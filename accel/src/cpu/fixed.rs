//! Many MSMs over one small set of fixed bases, with precomputed window tables.
//!
//! KZG commitments to many short polynomials (a VID payload is about a thousand
//! polynomials of 32 coefficients per MiB) are MSMs that all use the same SRS bases. A
//! Pippenger MSM of 32 points pays mostly for its bucket reductions; with a table of
//! `d · 2^(c·w) · B_i` for every base, window and digit, an MSM becomes a plain sum of
//! one table point per non-zero signed digit (about `32 · 255/c` points) with no
//! doublings at all. The MSMs of a chunk advance in lock-step, one table window at a
//! time, with affine accumulators whose additions share one inversion per step.

use ark_bn254::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup};
use ark_ff::{BigInteger, Field, One, PrimeField, Zero};

use super::msm::{recode, window_count};
use crate::{
    field::{FqMod, fq, fq_limbs, mul, sub},
    parallel::Parallelism,
};

/// Upper bound on a table's size; larger base sets use the plain batched MSM.
pub(crate) const TABLE_BUDGET_BYTES: usize = 64 << 20;
/// Widest window tried. Every lane of a step reads the same window of the table, which
/// stays in cache however wide it is, so wider windows pay until the table outgrows its
/// budget (32 bases get 11 bits; 10 bits measured ~15% faster than 8).
const MAX_WINDOW: usize = 12;
/// Narrowest window worth a table.
const MIN_WINDOW: usize = 4;

/// `d · 2^(c·w) · bases[i]` for `d` in `1..=2^(c-1)`, every window `w` and base `i`.
#[derive(Debug)]
pub(crate) struct FixedBaseTable {
    c: usize,
    windows: usize,
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
        Some(FixedBaseTable { c, windows, points })
    }

    /// Window width in bits.
    pub(crate) fn window(&self) -> usize {
        self.c
    }

    /// One MSM per vector, vector `j` over the first `scalars[j].len()` bases.
    pub(crate) fn msm_batch(&self, scalars: &[&[Fr]], par: Parallelism) -> Vec<G1Projective> {
        if scalars.is_empty() {
            return Vec::new();
        }
        // Few long vectors are cut into pieces over consecutive bases, so that enough
        // lanes share each inversion; the pieces' sums are added at the end.
        let longest = scalars.iter().map(|s| s.len()).max().unwrap_or(0).max(1);
        let per_worker = scalars.len().div_ceil(par.workers());
        let pieces = MIN_LANES.div_ceil(per_worker).clamp(1, longest);
        let piece = longest.div_ceil(pieces);
        let jobs: Vec<Job<'_>> = scalars
            .iter()
            .enumerate()
            .flat_map(|(j, s)| {
                (0..s.len().div_ceil(piece).max(1)).map(move |p| {
                    let lo = (p * piece).min(s.len());
                    Job {
                        vector: j,
                        first_base: lo,
                        scalars: &s[lo..((p + 1) * piece).min(s.len())],
                    }
                })
            })
            .collect();
        // One chunk of lanes per worker: more lanes per inversion, and the table window
        // that a step reads is shared by the lanes of a piece.
        let chunk = jobs.len().div_ceil(par.workers()).clamp(1, MAX_LANES);
        let sums = par.map(jobs.len().div_ceil(chunk), |k| {
            self.lanes(&jobs[k * chunk..((k + 1) * chunk).min(jobs.len())])
        });
        let mut out = vec![G1Projective::zero(); scalars.len()];
        for (job, sum) in jobs.iter().zip(sums.into_iter().flatten()) {
            out[job.vector] += sum;
        }
        out
    }

    /// Sums of table points for many vectors in lock-step: at step `(base, window)` every
    /// lane with a non-zero digit adds one point of its table window to its affine
    /// accumulator, and all those additions share one inversion.
    fn lanes(&self, jobs: &[Job<'_>]) -> Vec<G1Projective> {
        let m = jobs.len();
        let bases = jobs.iter().map(|j| j.scalars.len()).max().unwrap_or(0);
        // Only the windows the largest scalar needs (payload scalars have 248 bits).
        let bits = jobs.iter().flat_map(|j| j.scalars).map(|x| x.into_bigint().num_bits());
        let w = ((bits.max().unwrap_or(0) as usize + 1).div_ceil(self.c)).min(self.windows);
        // digits[(i * w + window) * m + lane]
        let mut digits = vec![0i16; bases * w * m];
        let mut buf = vec![0i32; w];
        for (lane, job) in jobs.iter().enumerate() {
            for (i, scalar) in job.scalars.iter().enumerate() {
                if scalar.is_zero() {
                    continue;
                }
                recode(scalar, self.c, w, &mut buf);
                for (window, &d) in buf.iter().enumerate() {
                    digits[(i * w + window) * m + lane] = d as i16;
                }
            }
        }
        let half = 1usize << (self.c - 1);
        let mut acc = vec![Lane::ZERO; m];
        let mut batch = Batch::default();
        for (step, row) in digits.chunks_exact(m).enumerate() {
            let (i, window) = (step / w, step % w);
            batch.clear();
            for ((lane, &d), job) in row.iter().enumerate().zip(jobs) {
                if d != 0 {
                    let start = ((job.first_base + i) * self.windows + window) * half;
                    let p = &self.points[start + d.unsigned_abs() as usize - 1];
                    batch.push(&mut acc[lane], lane, p, d < 0);
                }
            }
            batch.finish(&mut acc);
        }
        acc.into_iter().map(Lane::into_projective).collect()
    }
}

/// Most lanes (MSMs or pieces of them) accumulated together by one worker.
const MAX_LANES: usize = 2048;
/// Lanes per worker below which vectors are cut into pieces: an inversion costs about
/// as much as a hundred additions, so it should be shared by a few hundred.
const MIN_LANES: usize = 256;

/// A piece of one MSM: `scalars` against the bases from `first_base` on.
struct Job<'a> {
    vector: usize,
    first_base: usize,
    scalars: &'a [Fr],
}

/// An affine accumulator in Montgomery limbs.
#[derive(Clone, Copy)]
struct Lane {
    x: [u64; 4],
    y: [u64; 4],
    zero: bool,
}

impl Lane {
    const ZERO: Lane = Lane { x: [0; 4], y: [0; 4], zero: true };

    fn into_projective(self) -> G1Projective {
        if self.zero {
            G1Projective::zero()
        } else {
            G1Affine::new_unchecked(fq(self.x), fq(self.y)).into_group()
        }
    }
}

/// Pending additions of one step with their running product of denominators.
#[derive(Default)]
struct Batch {
    /// (lane, x, y) of the point to add.
    items: Vec<(usize, [u64; 4], [u64; 4])>,
    /// Prefix products of the denominators before each item.
    prefix: Vec<[u64; 4]>,
    product: [u64; 4],
}

impl Batch {
    fn clear(&mut self) {
        self.items.clear();
        self.prefix.clear();
        self.product = *fq_limbs(&Fq::one());
    }

    /// Queues `acc += ±p`; trivial cases (an empty accumulator, equal x-coordinates)
    /// are resolved at once.
    fn push(&mut self, acc: &mut Lane, lane: usize, p: &G1Affine, negate: bool) {
        if p.is_zero() {
            return;
        }
        let (x, y) = (*fq_limbs(&p.x), *fq_limbs(&p.y));
        let y = if negate { sub::<FqMod>(&[0; 4], &y) } else { y };
        if acc.zero {
            *acc = Lane { x, y, zero: false };
        } else if acc.x == x {
            *acc = rare_sum(acc, &x, &y);
        } else {
            self.prefix.push(self.product);
            self.product = mul::<FqMod>(&self.product, &sub::<FqMod>(&x, &acc.x));
            self.items.push((lane, x, y));
        }
    }

    /// Completes the queued additions with one inversion.
    fn finish(&mut self, acc: &mut [Lane]) {
        if self.items.is_empty() {
            return;
        }
        // Non-zero: every factor is a difference of distinct x-coordinates.
        let mut inv = *fq_limbs(&fq(self.product).inverse().unwrap_or_else(Fq::zero));
        for (k, (lane, x, y)) in self.items.iter().enumerate().rev() {
            let a = &mut acc[*lane];
            let den = sub::<FqMod>(x, &a.x);
            let den_inv = mul::<FqMod>(&inv, &self.prefix[k]);
            inv = mul::<FqMod>(&inv, &den);
            let lambda = mul::<FqMod>(&sub::<FqMod>(y, &a.y), &den_inv);
            let x3 = sub::<FqMod>(&sub::<FqMod>(&mul::<FqMod>(&lambda, &lambda), &a.x), x);
            let y3 = sub::<FqMod>(&mul::<FqMod>(&lambda, &sub::<FqMod>(&a.x, &x3)), &a.y);
            *a = Lane { x: x3, y: y3, zero: false };
        }
    }
}

/// `acc + (x, y)` when the x-coordinates are equal: a doubling or the identity.
fn rare_sum(acc: &Lane, x: &[u64; 4], y: &[u64; 4]) -> Lane {
    let p = G1Affine::new_unchecked(fq(acc.x), fq(acc.y));
    let q = G1Affine::new_unchecked(fq(*x), fq(*y));
    let s = (p.into_group() + q).into_affine();
    if s.is_zero() {
        Lane::ZERO
    } else {
        Lane { x: *fq_limbs(&s.x), y: *fq_limbs(&s.y), zero: false }
    }
}
