//! Radix-2/4 decimation-in-frequency NTT, generic over the element type so that the same
//! code transforms field elements and G1 points (EC-NTT).
//!
//! Layout: the top layers run as fused radix-4 passes over the whole array (two layers
//! per pass over memory, split among workers), then the transform recurses depth-first
//! into independent sub-transforms until they fit in cache ([`BLOCK`]), which finish with
//! per-layer contiguous twiddles. Twiddles equal to one are skipped. Output is put into
//! natural order by a bit-reversal permutation; the inverse is the forward transform
//! with its outputs `1..n` reversed, so one twiddle table serves both directions.

use std::sync::{Arc, Mutex};

use ark_bn254::{Fr, G1Projective};
use ark_ff::{FftField, Field, One};

use crate::{backend::NttDirection, parallel::Parallelism};

/// Sub-transforms of at most this many elements are done in one go, in cache.
const BLOCK: usize = 1 << 11;
/// Twiddle tables up to this log-size are kept for later calls.
const MAX_CACHED_LOG: u32 = 22;

/// An element an NTT can transform.
pub(crate) trait NttElem: Copy + Send + Sync {
    /// `(a, b) ← (a + b, (a − b)·w)`.
    fn butterfly(a: &mut Self, b: &mut Self, w: &Fr);
    /// `(a, b) ← (a + b, a − b)`.
    fn butterfly_unit(a: &mut Self, b: &mut Self);
    /// `self ← self·s`.
    fn scale(&mut self, s: &Fr);
}

impl NttElem for Fr {
    #[inline(always)]
    fn butterfly(a: &mut Self, b: &mut Self, w: &Fr) {
        let t = *a - *b;
        *a += *b;
        *b = t * w;
    }
    #[inline(always)]
    fn butterfly_unit(a: &mut Self, b: &mut Self) {
        let t = *a - *b;
        *a += *b;
        *b = t;
    }
    #[inline(always)]
    fn scale(&mut self, s: &Fr) {
        *self *= s;
    }
}

impl NttElem for G1Projective {
    #[inline]
    fn butterfly(a: &mut Self, b: &mut Self, w: &Fr) {
        let t = *a - *b;
        *a += *b;
        *b = t * w;
    }
    #[inline]
    fn butterfly_unit(a: &mut Self, b: &mut Self) {
        let t = *a - *b;
        *a += *b;
        *b = t;
    }
    #[inline]
    fn scale(&mut self, s: &Fr) {
        *self *= s;
    }
}

/// Powers of the `n`-th root of unity used by a transform of size `n = 2^log_n`.
pub(crate) struct Twiddles {
    log_n: u32,
    /// `ω_n^j` for `j < n/2` (only when `n > BLOCK`).
    big: Vec<Fr>,
    /// For each layer half-size `h = 1, 2, 4, …, min(n, BLOCK)/2`: `ω_{2h}^j`, `j < h`,
    /// stored from offset `h - 1`.
    small: Vec<Fr>,
}

impl Twiddles {
    fn new(log_n: u32, par: Parallelism) -> Self {
        let n = 1usize << log_n;
        let omega = Fr::get_root_of_unity(n as u64).expect("BN254 Fr has 2-adicity 28");
        let big = if n > BLOCK { powers(omega, n / 2, par) } else { Vec::new() };
        let top = n.min(BLOCK);
        let mut small = Vec::with_capacity(top.saturating_sub(1));
        let mut h = 1;
        while h < top {
            // ω_{2h} = ω_n^(n / 2h).
            let root = omega.pow([(n / (2 * h)) as u64]);
            small.extend(powers(root, h, Parallelism::Sequential));
            h *= 2;
        }
        Twiddles { log_n, big, small }
    }

    /// Cached twiddles for size `2^log_n`.
    pub(crate) fn get(log_n: u32, par: Parallelism) -> Arc<Twiddles> {
        static CACHE: Mutex<Vec<Option<Arc<Twiddles>>>> = Mutex::new(Vec::new());
        if log_n > MAX_CACHED_LOG {
            return Arc::new(Twiddles::new(log_n, par));
        }
        if let Some(t) = CACHE.lock().ok().and_then(|c| c.get(log_n as usize).cloned().flatten()) {
            return t;
        }
        let t = Arc::new(Twiddles::new(log_n, par));
        if let Ok(mut cache) = CACHE.lock() {
            if cache.len() <= log_n as usize {
                cache.resize(log_n as usize + 1, None);
            }
            cache[log_n as usize] = Some(t.clone());
        }
        t
    }

    #[inline(always)]
    fn layer(&self, h: usize) -> &[Fr] {
        &self.small[h - 1..2 * h - 1]
    }
}

/// `[1, g, g², …, g^(len-1)]`.
pub(crate) fn powers(g: Fr, len: usize, par: Parallelism) -> Vec<Fr> {
    let mut out = vec![Fr::one(); len];
    let chunk = par.chunk_len(len, 1 << 12);
    par.for_each_chunk(&mut out, chunk, |k, c| {
        let mut x = g.pow([(k * chunk) as u64]);
        for v in c {
            *v = x;
            x *= g;
        }
    });
    out
}

/// In-place transform in arkworks' `Radix2EvaluationDomain` order. For field elements a
/// coset offset may be given; `values.len()` is a power of two.
pub(crate) fn ntt<T: NttElem>(
    values: &mut [T],
    direction: NttDirection,
    offset: Option<Fr>,
    par: Parallelism,
) {
    let n = values.len();
    if n <= 1 {
        return;
    }
    let tw = Twiddles::get(n.trailing_zeros(), par);
    match direction {
        NttDirection::Forward => {
            if let Some(g) = offset {
                distribute_powers(values, Fr::one(), g, par);
            }
            forward(values, &tw, par);
        }
        NttDirection::Inverse => {
            forward(values, &tw, par);
            values[1..].reverse();
            let n_inv = Fr::from(n as u64).inverse().expect("n is a power of two");
            let g_inv = offset.map_or(Fr::one(), |g| g.inverse().expect("offset checked non-zero"));
            distribute_powers(values, n_inv, g_inv, par);
        }
    }
}

/// `values[i] ← values[i] · start · g^i`.
fn distribute_powers<T: NttElem>(values: &mut [T], start: Fr, g: Fr, par: Parallelism) {
    let chunk = par.chunk_len(values.len(), 1 << 12);
    par.for_each_chunk(values, chunk, |k, c| {
        let mut x = start * g.pow([(k * chunk) as u64]);
        for v in c {
            v.scale(&x);
            x *= g;
        }
    });
}

/// Forward transform, natural order in and out.
fn forward<T: NttElem>(values: &mut [T], tw: &Twiddles, par: Parallelism) {
    dif(values, tw, par);
    bit_reverse(values, par);
}

/// Decimation in frequency: natural order in, bit-reversed order out.
pub(crate) fn dif<T: NttElem>(x: &mut [T], tw: &Twiddles, par: Parallelism) {
    let n = x.len();
    if n <= BLOCK {
        dif_block(x, tw);
        return;
    }
    // ω_n^j = big[j · stride] for this sub-transform of size n.
    let stride = (1usize << tw.log_n) / n;
    if n >= 4 * BLOCK {
        radix4_layer(x, tw, stride, par);
        let q = n / 4;
        let (x01, x23) = x.split_at_mut(2 * q);
        let (x0, x1) = x01.split_at_mut(q);
        let (x2, x3) = x23.split_at_mut(q);
        par.join(
            || par.join(|| dif(x0, tw, par), || dif(x1, tw, par)),
            || par.join(|| dif(x2, tw, par), || dif(x3, tw, par)),
        );
    } else {
        radix2_layer(x, tw, stride, par);
        let (lo, hi) = x.split_at_mut(n / 2);
        par.join(|| dif(lo, tw, par), || dif(hi, tw, par));
    }
}

/// One DIF layer over the whole (sub-)array: pairs `(j, j + n/2)`.
fn radix2_layer<T: NttElem>(x: &mut [T], tw: &Twiddles, stride: usize, par: Parallelism) {
    let h = x.len() / 2;
    let (lo, hi) = x.split_at_mut(h);
    let chunk = par.chunk_len(h, 1 << 10);
    par.zip_chunks2(lo, hi, chunk, |k, lo, hi| {
        let base = k * chunk;
        for (j, (a, b)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
            let j = base + j;
            if j == 0 {
                T::butterfly_unit(a, b);
            } else {
                T::butterfly(a, b, &tw.big[j * stride]);
            }
        }
    });
}

/// Two DIF layers fused: quadruples `(j, j + q, j + 2q, j + 3q)`, `q = n/4`.
fn radix4_layer<T: NttElem>(x: &mut [T], tw: &Twiddles, stride: usize, par: Parallelism) {
    let q = x.len() / 4;
    let (x01, x23) = x.split_at_mut(2 * q);
    let (x0, x1) = x01.split_at_mut(q);
    let (x2, x3) = x23.split_at_mut(q);
    let chunk = par.chunk_len(q, 1 << 9);
    par.zip_chunks4(x0, x1, x2, x3, chunk, |k, x0, x1, x2, x3| {
        let base = k * chunk;
        for (j, (((a0, a1), a2), a3)) in
            x0.iter_mut().zip(x1.iter_mut()).zip(x2.iter_mut()).zip(x3.iter_mut()).enumerate()
        {
            let j = base + j;
            // Layer n/2: (j, j+2q) by ω_n^j and (j+q, j+3q) by ω_n^(j+q).
            if j == 0 {
                T::butterfly_unit(a0, a2);
            } else {
                T::butterfly(a0, a2, &tw.big[j * stride]);
            }
            T::butterfly(a1, a3, &tw.big[(j + q) * stride]);
            // Layer n/4 on both halves: (j, j+q) by ω_(n/2)^j = ω_n^(2j).
            if j == 0 {
                T::butterfly_unit(a0, a1);
                T::butterfly_unit(a2, a3);
            } else {
                let w = &tw.big[2 * j * stride];
                T::butterfly(a0, a1, w);
                T::butterfly(a2, a3, w);
            }
        }
    });
}

/// All layers of a transform that fits in cache.
fn dif_block<T: NttElem>(x: &mut [T], tw: &Twiddles) {
    let mut h = x.len() / 2;
    while h >= 1 {
        let w = tw.layer(h);
        for block in x.chunks_exact_mut(2 * h) {
            let (lo, hi) = block.split_at_mut(h);
            T::butterfly_unit(&mut lo[0], &mut hi[0]);
            for j in 1..h {
                T::butterfly(&mut lo[j], &mut hi[j], &w[j]);
            }
        }
        h /= 2;
    }
}

/// Puts a bit-reversed array into natural order (or back).
pub(crate) fn bit_reverse<T: NttElem>(x: &mut [T], par: Parallelism) {
    let n = x.len();
    let log_n = n.trailing_zeros();
    if log_n == 0 {
        return;
    }
    let shift = usize::BITS - log_n;
    let ptr = SharedPtr(x.as_mut_ptr());
    let chunk = par.chunk_len(n, 1 << 12);
    par.map(n.div_ceil(chunk), |k| {
        let ptr = &ptr;
        for i in k * chunk..((k + 1) * chunk).min(n) {
            let r = i.reverse_bits() >> shift;
            if i < r {
                // SAFETY: `i < r < n`, and each pair {i, r} is swapped only by the task
                // owning its smaller index `i`; no other pair touches either element.
                unsafe { std::ptr::swap(ptr.0.add(i), ptr.0.add(r)) };
            }
        }
    });
}

struct SharedPtr<T>(*mut T);
// SAFETY: only used for swaps of disjoint index pairs from parallel tasks (see above).
unsafe impl<T: Send> Sync for SharedPtr<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Send for SharedPtr<T> {}
