//! Pippenger MSM over BN254 G1 with signed-digit windows and batch-affine buckets.
//!
//! For each window of at least [`STREAM_MIN`] points, points stream into affine
//! buckets: a bucket's first point waits in its slot, the next one is queued with it,
//! and a full queue of pairs is added with one shared field inversion (about 5M + 1S per
//! addition, against 8M + 2S for the XYZZ mixed addition arkworks uses), each sum going
//! back into its bucket the same way. Smaller windows sort their points into bucket
//! order and halve every bucket's list round by round with the same additions.
//! The weighted bucket sum `Σ (b+1)·B_b` is split into row and column sums so that it,
//! too, is mostly batch-affine ([`weighted_sum`]). Below [`BATCH_AFFINE_MIN`] points,
//! buckets accumulate directly in XYZZ form, where queueing would not pay.

use ark_bn254::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::{AdditiveGroup, AffineRepr};
use ark_ff::{Field, One, PrimeField, Zero};

use super::xyzz::{Xyzz, running_sum};
use crate::{
    field::{FqMod, add, fq, fq_limbs, mul, sub},
    parallel::Parallelism,
};

/// Bits in a BN254 scalar.
const SCALAR_BITS: usize = 254;
/// Smallest MSM for which the batch-affine bucket method pays (measured in benches).
pub(crate) const BATCH_AFFINE_MIN: usize = 1 << 8;
/// Relative cost of an XYZZ addition against a batch-affine one (used to pick windows).
const XYZZ_COST: f64 = 1.7;

/// `Σ scalars[i]·bases[i]`; equal lengths.
pub(crate) fn msm(bases: &[G1Affine], scalars: &[Fr], par: Parallelism) -> G1Projective {
    debug_assert_eq!(bases.len(), scalars.len());
    let n = bases.len();
    if n == 0 {
        return G1Projective::zero();
    }
    let batch_affine = n >= BATCH_AFFINE_MIN;
    let c = window_bits(n, batch_affine);
    let digits = SignedDigits::new(bases, scalars, c, par);
    let sums = par.map_with(digits.windows, Scratch::default, |scratch, w| {
        let row = digits.row(w);
        if batch_affine {
            window_sum_batch_affine(scratch, bases, row, c)
        } else {
            window_sum_xyzz(bases, row, c)
        }
    });
    combine_windows(&sums, c)
}

/// Picks the window width minimising (windows) × (additions + bucket reduction).
pub(crate) fn window_bits(n: usize, batch_affine: bool) -> usize {
    let add = if batch_affine { 1.0 } else { XYZZ_COST };
    let cost = |c: usize| {
        let buckets = 1usize << (c - 1);
        // Split reduction: two batch-affine additions per bucket plus sorting.
        let reduce =
            if batch_affine && buckets >= SPLIT_REDUCTION_MIN { 2.2 } else { 2.0 * XYZZ_COST };
        window_count(c) as f64 * (n as f64 * add + buckets as f64 * reduce)
    };
    (2..=16).min_by(|a, b| cost(*a).total_cmp(&cost(*b))).unwrap_or(8)
}

/// Windows needed so that the top signed digit stays within `[0, 2^(c-1)]`.
pub(crate) fn window_count(c: usize) -> usize {
    (SCALAR_BITS + 1).div_ceil(c)
}

/// Signed digits of every scalar, window-major: `row(w)[i]` is digit `w` of scalar `i`.
///
/// Digits of windows below the top lie in `[-2^(c-1), 2^(c-1))`; the top digit lies in
/// `[0, 2^(c-1)]`. Identity bases get all-zero digits so they are skipped.
pub(crate) struct SignedDigits {
    digits: Vec<i32>,
    n: usize,
    pub(crate) windows: usize,
}

impl SignedDigits {
    pub(crate) fn new(bases: &[G1Affine], scalars: &[Fr], c: usize, par: Parallelism) -> Self {
        let n = scalars.len();
        let windows = window_count(c);
        let mut digits = vec![0i32; n * windows];
        let chunk = par.chunk_len(n, 1024);
        let out = SharedSlice(digits.as_mut_ptr());
        par.map(n.div_ceil(chunk), |k| {
            let out = &out;
            let mut buf = [0i32; SCALAR_BITS + 1];
            for i in k * chunk..((k + 1) * chunk).min(n) {
                if bases[i].is_zero() {
                    continue;
                }
                recode(&scalars[i], c, windows, &mut buf);
                for (w, d) in buf[..windows].iter().enumerate() {
                    // SAFETY: index `w * n + i` is written only by the task owning point
                    // `i`, chunks of points are disjoint, and `digits` outlives `par.map`.
                    unsafe { out.0.add(w * n + i).write(*d) };
                }
            }
        });
        SignedDigits { digits, n, windows }
    }

    pub(crate) fn row(&self, w: usize) -> &[i32] {
        &self.digits[w * self.n..(w + 1) * self.n]
    }
}

struct SharedSlice(*mut i32);
// SAFETY: used only for writes to disjoint indices from parallel tasks (see `SignedDigits`).
unsafe impl Sync for SharedSlice {}
// SAFETY: as above; the pointer is only dereferenced while the owning Vec is alive.
unsafe impl Send for SharedSlice {}

/// Signed-digit recoding of one scalar into `windows` digits of `c` bits.
pub(crate) fn recode(scalar: &Fr, c: usize, windows: usize, out: &mut [i32]) {
    let limbs = scalar.into_bigint().0;
    let half = 1i64 << (c - 1);
    let mut carry = 0i64;
    for (w, slot) in out[..windows].iter_mut().enumerate() {
        let raw = bits(&limbs, w * c, c) as i64 + carry;
        if w + 1 < windows && raw >= half {
            *slot = (raw - (1 << c)) as i32;
            carry = 1;
        } else {
            *slot = raw as i32;
            carry = 0;
        }
    }
    debug_assert_eq!(carry, 0);
}

/// `c` bits of `limbs` starting at bit `start` (bits past the end read as zero).
fn bits(limbs: &[u64; 4], start: usize, c: usize) -> u64 {
    let (limb, shift) = (start / 64, start % 64);
    if limb >= 4 {
        return 0;
    }
    let mut v = limbs[limb] >> shift;
    if shift + c > 64 && limb + 1 < 4 {
        v |= limbs[limb + 1] << (64 - shift);
    }
    v & ((1u64 << c) - 1)
}

/// `Σ_w 2^(w·c) · sums[w]` by Horner's rule from the top window.
fn combine_windows(sums: &[G1Projective], c: usize) -> G1Projective {
    let mut acc = G1Projective::zero();
    for s in sums.iter().rev() {
        for _ in 0..c {
            acc.double_in_place();
        }
        acc += s;
    }
    acc
}

/// One window with buckets accumulated in XYZZ coordinates.
pub(crate) fn window_sum_xyzz(bases: &[G1Affine], digits: &[i32], c: usize) -> G1Projective {
    let mut buckets = vec![Xyzz::ZERO; 1 << (c - 1)];
    for (p, &d) in bases.iter().zip(digits) {
        match d.signum() {
            1 => buckets[d as usize - 1].add_affine(p),
            -1 => buckets[d.unsigned_abs() as usize - 1].sub_affine(p),
            _ => {}
        }
    }
    let mut running = Xyzz::ZERO;
    let mut total = Xyzz::ZERO;
    for b in buckets.iter().rev() {
        running.add_assign(b);
        total.add_assign(&running);
    }
    total.into_projective()
}

/// Buffers of the batch-affine window sum, kept by a worker from window to window: a
/// window of a large MSM handles tens of megabytes of points, and fresh allocations of
/// that size are fresh pages the kernel must fault in and zero every time.
#[derive(Default)]
pub(crate) struct Scratch {
    buckets: AffineBuckets,
    sorted: SortScratch,
}

/// From this many points a window streams its points into affine buckets
/// ([`AffineBuckets`]); below, it sorts them into bucket order and halves each
/// bucket's list round by round, whose sorted copy (under 2 MB) stays in cache. Against
/// arkworks, alternating runs on a 2-vCPU EPYC measured the streamed buckets about 7%
/// slower at 2^12 points, no better at 2^14 and 2^18 (within the runs' spread), and
/// faster at 2^20 (1.86–2.03× against 1.61–1.92×), where sorting writes tens of
/// megabytes at random.
const STREAM_MIN: usize = 1 << 15;

/// One window with buckets accumulated by batch-affine additions.
pub(crate) fn window_sum_batch_affine(
    scratch: &mut Scratch,
    bases: &[G1Affine],
    digits: &[i32],
    c: usize,
) -> G1Projective {
    if digits.len() < STREAM_MIN {
        let sorted = &mut scratch.sorted;
        sort_into_buckets(sorted, 1 << (c - 1), |f| {
            for (p, &d) in bases.iter().zip(digits) {
                if d != 0 {
                    f(d.unsigned_abs() as usize - 1, p, d < 0);
                }
            }
        });
        reduce_buckets(sorted);
        return weighted_sum(&dense(&sorted.points, &sorted.lens));
    }
    let buckets = &mut scratch.buckets;
    buckets.reset(1 << (c - 1));
    for (i, (p, &d)) in bases.iter().zip(digits).enumerate() {
        if let Some(&ahead) = digits.get(i + PREFETCH_AHEAD) {
            // Digit 0 wraps to no bucket.
            buckets.prefetch((ahead.unsigned_abs() as usize).wrapping_sub(1));
        }
        match d.signum() {
            1 => buckets.add(d as usize - 1, *p),
            -1 => buckets.add(d.unsigned_abs() as usize - 1, -*p),
            _ => {}
        }
    }
    buckets.finish();
    weighted_sum(&buckets.sums())
}

/// Below this many buckets the weighted sum is a plain running sum.
const SPLIT_REDUCTION_MIN: usize = 1 << 8;

/// `Σ (b+1)·B_b`. With many buckets, weights are split as `w = u·S + v`:
/// `Σ w·B_w = S·Σ u·R_u + Σ v·C_v` with row sums `R_u = Σ_v B_(uS+v)` and column sums
/// `C_v = Σ_u B_(uS+v)`. The row and column sums are one more bucket accumulation done
/// with batch-affine additions (two cheap additions per bucket instead of the two XYZZ
/// additions of a running sum); only √-sized running sums remain.
fn weighted_sum(buckets: &[Option<&G1Affine>]) -> G1Projective {
    let nb = buckets.len();
    if nb < SPLIT_REDUCTION_MIN {
        return running_sum(buckets.iter().rev().copied());
    }
    let s = nb.trailing_zeros().div_ceil(2);
    let (width, rows) = (1usize << s, (nb >> s) + 1);
    // Bucket space: row u ≥ 1 at u - 1, column v ≥ 1 at rows - 1 + v - 1.
    let mut acc = AffineBuckets::default();
    acc.reset(rows - 1 + width - 1);
    for (b, p) in buckets.iter().enumerate() {
        let Some(p) = p else { continue };
        let (u, v) = ((b + 1) >> s, (b + 1) & (width - 1));
        if u > 0 {
            acc.add(u - 1, **p);
        }
        if v > 0 {
            acc.add(rows - 1 + v - 1, **p);
        }
    }
    acc.finish();
    let sums = acc.sums();
    let mut total = running_sum(sums[..rows - 1].iter().rev().copied());
    for _ in 0..s {
        total.double_in_place();
    }
    total + running_sum(sums[rows - 1..].iter().rev().copied())
}

/// Buffers of the sorted window sum.
#[derive(Default)]
struct SortScratch {
    points: Vec<G1Affine>,
    next: Vec<G1Affine>,
    lens: Vec<u32>,
    cursor: Vec<u32>,
    jobs: Vec<(u32, u32)>,
    inverses: Vec<[u64; 4]>,
}

/// Each bucket's single point (or none) after [`reduce_buckets`].
fn dense<'a>(points: &'a [G1Affine], lens: &[u32]) -> Vec<Option<&'a G1Affine>> {
    let mut next = points.iter();
    lens.iter().map(|&l| if l == 1 { next.next() } else { None }).collect()
}

/// Halves every bucket's list (`scratch.points` in `scratch.lens` runs) round by round
/// until each holds at most one point.
fn reduce_buckets(scratch: &mut SortScratch) {
    let SortScratch { points, next, lens, jobs, inverses, .. } = scratch;
    while lens.iter().any(|&l| l > 1) {
        jobs.clear();
        let mut offset = 0u32;
        for len in lens.iter_mut() {
            let l = *len;
            jobs.extend((0..l / 2).map(|j| (offset + 2 * j, offset + 2 * j + 1)));
            if l % 2 == 1 {
                jobs.push((offset + l - 1, NO_POINT));
            }
            offset += l;
            *len = l.div_ceil(2);
        }
        next.clear();
        next.resize(jobs.len(), G1Affine::identity());
        add_index_pairs(points, jobs, next, inverses);
        std::mem::swap(points, next);
    }
}

/// Counting sort of points into `buckets` lists, into `scratch.points` with the lists'
/// lengths in `scratch.lens`. `visit` calls its argument with `(bucket, point, negate)`
/// for every item, the same way each time (it runs twice): sorted copies are written
/// once and then read sequentially by every round, which measured faster than sorting
/// indices and gathering the points at random.
fn sort_into_buckets(
    scratch: &mut SortScratch,
    buckets: usize,
    visit: impl Fn(&mut dyn FnMut(usize, &G1Affine, bool)),
) {
    let SortScratch { points, lens, cursor, .. } = scratch;
    lens.clear();
    lens.resize(buckets, 0);
    visit(&mut |b, _, _| lens[b] += 1);
    cursor.clear();
    let mut total = 0u32;
    for &l in lens.iter() {
        cursor.push(total);
        total += l;
    }
    // Reused pages: only the slots of this window are rewritten (no fresh allocation
    // to fault in), and every slot is written by exactly one item below.
    points.clear();
    points.resize(total as usize, G1Affine::identity());
    visit(&mut |b, p, negate| {
        points[cursor[b] as usize] = if negate { -*p } else { *p };
        cursor[b] += 1;
    });
}

/// Marks a job that copies its first point unchanged.
const NO_POINT: u32 = u32::MAX;

/// `out[k] = src[a_k] + src[b_k]` for every job, with one inversion per block.
fn add_index_pairs(
    src: &[G1Affine],
    jobs: &[(u32, u32)],
    out: &mut [G1Affine],
    products: &mut Vec<[u64; 4]>,
) {
    let get = |i: u32| (i != NO_POINT).then(|| &src[i as usize]);
    for (block, out) in jobs.chunks(INVERSION_BLOCK).zip(out.chunks_mut(INVERSION_BLOCK)) {
        let pair = |k: usize| (&src[block[k].0 as usize], get(block[k].1));
        add_batch(block.len(), pair, products, |k, sum| out[k] = sum);
    }
}

/// Fewest pairs handed to the AVX-512 IFMA lanes.
const IFMA_MIN: usize = 16;

/// The batch-affine addition both paths share: `emit(k, p_k + q_k)` for the `len` pairs
/// `pair(k)` (`q_k` absent: `p_k` alone), their slopes' denominators inverted together
/// with one field inversion (Montgomery's trick, the running products in `products`).
/// Where the CPU has AVX-512 IFMA, the plain additions (distinct x-coordinates, no
/// identity) run eight at a time on its lanes ([`super::ifma`]) and only the rest
/// (doublings, cancellations, copies) here.
#[inline(always)]
fn add_batch<'a>(
    len: usize,
    pair: impl Fn(usize) -> (&'a G1Affine, Option<&'a G1Affine>),
    products: &mut Vec<[u64; 4]>,
    mut emit: impl FnMut(usize, G1Affine),
) {
    #[cfg(target_arch = "x86_64")]
    if len >= IFMA_MIN && super::ifma::available() {
        return add_batch_ifma(len, pair, products, emit);
    }
    add_batch_scalar(len, pair, products, &mut emit)
}

/// [`add_batch`] with the plain additions on the IFMA lanes.
#[cfg(target_arch = "x86_64")]
fn add_batch_ifma<'a>(
    len: usize,
    pair: impl Fn(usize) -> (&'a G1Affine, Option<&'a G1Affine>),
    products: &mut Vec<[u64; 4]>,
    mut emit: impl FnMut(usize, G1Affine),
) {
    use std::cell::RefCell;
    thread_local! {
        static SCRATCH: RefCell<(Vec<u32>, Vec<u32>, super::ifma::Scratch)> =
            RefCell::default();
    }
    SCRATCH.with_borrow_mut(|(plain, other, lanes)| {
        plain.clear();
        other.clear();
        for k in 0..len {
            let (p, q) = pair(k);
            match classify(p, q) {
                Kind::Add => plain.push(k as u32),
                _ => other.push(k as u32),
            }
        }
        let plain_pair = |i: usize| {
            let (p, q) = pair(plain[i] as usize);
            (p, q.unwrap_or(p))
        };
        let sink = |i: usize, sum: G1Affine| emit(plain[i] as usize, sum);
        // SAFETY: `available()` checked AVX-512 F and IFMA; every pair is an addition
        // of two points with distinct x-coordinates, neither the identity (`Kind::Add`).
        unsafe { super::ifma::add_pairs(plain.len(), plain_pair, lanes, sink) };
        add_batch_scalar(other.len(), |i| pair(other[i] as usize), products, &mut |i, sum| {
            emit(other[i] as usize, sum)
        });
    });
}

/// [`add_batch`] on the scalar field arithmetic.
#[inline(always)]
fn add_batch_scalar<'a>(
    len: usize,
    pair: impl Fn(usize) -> (&'a G1Affine, Option<&'a G1Affine>),
    products: &mut Vec<[u64; 4]>,
    emit: &mut impl FnMut(usize, G1Affine),
) {
    if len == 0 {
        return;
    }
    products.clear();
    let mut acc = *fq_limbs(&Fq::one());
    for k in 0..len {
        products.push(acc);
        let (p, q) = pair(k);
        if let Some(den) = denominator(p, q) {
            acc = mul::<FqMod>(&acc, &den);
        }
    }
    // Every factor is non-zero: x-coordinates differ, and BN254 G1 has no point with y = 0.
    let mut inv = *fq_limbs(&fq(acc).inverse().unwrap_or_else(Fq::zero));
    for k in (0..len).rev() {
        let (p, q) = pair(k);
        let sum = match denominator(p, q) {
            Some(den) => {
                let i = mul::<FqMod>(&inv, &products[k]);
                inv = mul::<FqMod>(&inv, &den);
                affine_sum(p, q, &i)
            }
            None => match classify(p, q) {
                Kind::CopySecond => *q.unwrap_or(p),
                Kind::Zero => G1Affine::identity(),
                _ => *p,
            },
        };
        emit(k, sum);
    }
}

/// Affine bucket sums built by streaming points in: the first point of a bucket waits
/// in its slot, the next one leaves the slot empty and queues the pair, and a full
/// queue is added with one shared inversion, each sum going back into its bucket the
/// same way. Only the slots (`2^(c-1)` points, a few megabytes) are touched at random;
/// points and pairs stream sequentially, where sorting every point of a window into
/// bucket order first wrote tens of megabytes at random.
#[derive(Default)]
struct AffineBuckets {
    slots: Vec<G1Affine>,
    full: Vec<bool>,
    queue: Vec<(u32, G1Affine, G1Affine)>,
    sums: Vec<(u32, G1Affine)>,
    products: Vec<[u64; 4]>,
}

/// How many points ahead the streamed window asks for a bucket's slot: far enough for
/// a load from memory to arrive before the point gets there.
const PREFETCH_AHEAD: usize = 8;

/// A hint to load the cache lines holding `*p` (its first and last byte); no effect on
/// what the program computes.
#[inline(always)]
fn prefetch<T>(p: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint without architectural effect, valid for any address;
    // both addresses lie inside `*p`.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let first = p as *const T as *const i8;
        _mm_prefetch::<_MM_HINT_T0>(first);
        _mm_prefetch::<_MM_HINT_T0>(first.add(size_of::<T>().saturating_sub(1)));
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Pairs added per shared inversion.
const QUEUE: usize = 2048;
/// Additions of the sorted path that share one inversion.
const INVERSION_BLOCK: usize = 512;

impl AffineBuckets {
    fn reset(&mut self, buckets: usize) {
        self.slots.clear();
        self.slots.resize(buckets, G1Affine::identity());
        self.full.clear();
        self.full.resize(buckets, false);
        self.queue.clear();
    }

    /// Asks for bucket `b`'s slot in cache ahead of its use (no bucket past the end).
    #[inline(always)]
    fn prefetch(&self, b: usize) {
        if let (Some(slot), Some(full)) = (self.slots.get(b), self.full.get(b)) {
            prefetch(slot);
            prefetch(full);
        }
    }

    /// Adds `p` to bucket `b`.
    #[inline(always)]
    fn add(&mut self, b: usize, p: G1Affine) {
        self.place(b, p);
        if self.queue.len() >= QUEUE {
            self.add_queued();
        }
    }

    /// Puts `p` in bucket `b`'s slot, or queues it with the point waiting there.
    #[inline(always)]
    fn place(&mut self, b: usize, p: G1Affine) {
        if p.is_zero() {
            return;
        }
        if self.full[b] {
            self.full[b] = false;
            self.queue.push((b as u32, self.slots[b], p));
        } else {
            self.slots[b] = p;
            self.full[b] = true;
        }
    }

    /// Adds every queued pair; the sums go back to their buckets and may queue new
    /// pairs, which wait for the next call.
    fn add_queued(&mut self) {
        let mut queue = std::mem::take(&mut self.queue);
        add_pairs(&queue, &mut self.sums, &mut self.products);
        queue.clear();
        self.queue = queue;
        for k in 0..self.sums.len() {
            if let Some(&(ahead, _)) = self.sums.get(k + PREFETCH_AHEAD) {
                self.prefetch(ahead as usize);
            }
            let (b, p) = self.sums[k];
            self.place(b as usize, p);
        }
    }

    /// Adds pairs until every bucket is one point or empty.
    fn finish(&mut self) {
        while !self.queue.is_empty() {
            self.add_queued();
        }
    }

    fn sums(&self) -> Vec<Option<&G1Affine>> {
        self.slots.iter().zip(&self.full).map(|(p, &f)| f.then_some(p)).collect()
    }
}

/// `sums ← (bucket, p + q)` for every queued `(bucket, p, q)`, with one inversion.
fn add_pairs(
    pairs: &[(u32, G1Affine, G1Affine)],
    sums: &mut Vec<(u32, G1Affine)>,
    products: &mut Vec<[u64; 4]>,
) {
    sums.clear();
    sums.resize(pairs.len(), (0, G1Affine::identity()));
    let pair = |k: usize| (&pairs[k].1, Some(&pairs[k].2));
    add_batch(pairs.len(), pair, products, |k, sum| sums[k] = (pairs[k].0, sum));
}

#[derive(Clone, Copy)]
enum Kind {
    Add,
    Double,
    CopyFirst,
    CopySecond,
    Zero,
}

fn classify(p: &G1Affine, q: Option<&G1Affine>) -> Kind {
    match q {
        None => Kind::CopyFirst,
        Some(q) if q.is_zero() => Kind::CopyFirst,
        Some(_) if p.is_zero() => Kind::CopySecond,
        Some(q) if p.x != q.x => Kind::Add,
        Some(q) if p.y == q.y => Kind::Double,
        Some(_) => Kind::Zero,
    }
}

/// The denominator of the slope of `p + q` when it needs one: `x_q − x_p` for an
/// addition, `2·y_p` for a doubling.
#[inline(always)]
fn denominator(p: &G1Affine, q: Option<&G1Affine>) -> Option<[u64; 4]> {
    match (classify(p, q), q) {
        (Kind::Add, Some(q)) => Some(sub::<FqMod>(fq_limbs(&q.x), fq_limbs(&p.x))),
        (Kind::Double, _) => Some(add::<FqMod>(fq_limbs(&p.y), fq_limbs(&p.y))),
        _ => None,
    }
}

/// `p + q` (or `2p` when `q` is absent or equal) given the inverse of the denominator.
#[inline(always)]
fn affine_sum(p: &G1Affine, q: Option<&G1Affine>, den_inv: &[u64; 4]) -> G1Affine {
    let (px, py) = (fq_limbs(&p.x), fq_limbs(&p.y));
    let (lambda, qx) = match q {
        Some(q) if q.x != p.x => {
            let dy = sub::<FqMod>(fq_limbs(&q.y), py);
            (mul::<FqMod>(&dy, den_inv), *fq_limbs(&q.x))
        }
        _ => {
            // Doubling on y² = x³ + 3: λ = 3x² / 2y.
            let xx = mul::<FqMod>(px, px);
            let three_xx = add::<FqMod>(&add::<FqMod>(&xx, &xx), &xx);
            (mul::<FqMod>(&three_xx, den_inv), *px)
        }
    };
    let x3 = sub::<FqMod>(&sub::<FqMod>(&mul::<FqMod>(&lambda, &lambda), px), &qx);
    let y3 = sub::<FqMod>(&mul::<FqMod>(&lambda, &sub::<FqMod>(px, &x3)), py);
    G1Affine::new_unchecked(fq(x3), fq(y3))
}

/// Many MSMs over shared bases. Each vector's windows are independent jobs, and all
/// the batch's jobs share the workers, so that five wire polynomials on two cores keep
/// both busy to the end (one MSM per worker left one idle for the fifth). Vectors below
/// [`BATCH_AFFINE_MIN`] points run whole, one job each.
pub(crate) fn msm_batch(
    bases: &[G1Affine],
    scalars: &[&[Fr]],
    par: Parallelism,
) -> Vec<G1Projective> {
    let (small, large): (Vec<usize>, Vec<usize>) =
        (0..scalars.len()).partition(|&j| scalars[j].len() < BATCH_AFFINE_MIN);
    let mut out = vec![G1Projective::zero(); scalars.len()];
    let sums = par.map(small.len(), |k| {
        let s = scalars[small[k]];
        msm(&bases[..s.len()], s, Parallelism::Sequential)
    });
    for (&j, sum) in small.iter().zip(sums) {
        out[j] = sum;
    }
    let digits: Vec<(usize, SignedDigits)> = large
        .iter()
        .map(|&j| {
            let s = scalars[j];
            let c = window_bits(s.len(), true);
            (c, SignedDigits::new(&bases[..s.len()], s, c, par))
        })
        .collect();
    let jobs: Vec<(usize, usize)> = digits
        .iter()
        .enumerate()
        .flat_map(|(v, (_, d))| (0..d.windows).map(move |w| (v, w)))
        .collect();
    let window_sums = par.map_with(jobs.len(), Scratch::default, |scratch, k| {
        let (v, w) = jobs[k];
        let (c, d) = &digits[v];
        window_sum_batch_affine(scratch, bases, d.row(w), *c)
    });
    let mut next = window_sums.into_iter();
    for (&j, (c, d)) in large.iter().zip(&digits) {
        let sums: Vec<G1Projective> = next.by_ref().take(d.windows).collect();
        out[j] = combine_windows(&sums, *c);
    }
    out
}
