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

use super::xyzz::mul_glv;
use crate::{
    backend::NttDirection,
    field::{self, FrMod, fr, fr_limbs},
    parallel::Parallelism,
};

/// Sub-transforms of at most this many elements are done in one go, in cache.
const BLOCK: usize = 1 << 13;
/// Twiddle tables up to this log-size are kept for later calls.
const MAX_CACHED_LOG: u32 = 22;

/// An element an NTT can transform.
pub(crate) trait NttElem: Copy + Send + Sync {
    /// Fewest elements worth a parallel task of their own: sub-transforms split down to
    /// this size, layers into chunks of about this many butterflies. A point butterfly
    /// costs a scalar multiplication (thousands of field multiplications), so EC-NTTs
    /// split much finer than field NTTs.
    const GRAIN: usize;
    /// `(a, b) ← (a + b, (a − b)·w)`.
    fn butterfly(a: &mut Self, b: &mut Self, w: &Fr);
    /// `(a, b) ← (a + b, a − b)`.
    fn butterfly_unit(a: &mut Self, b: &mut Self);
    /// `self ← self·s`.
    fn scale(&mut self, s: &Fr);
    /// `butterfly(lo[j], hi[j], w[j])` for every `j`, `w[0]` being one when
    /// `unit_first`.
    #[inline(always)]
    fn butterfly_row(lo: &mut [Self], hi: &mut [Self], w: &[Fr], unit_first: bool) {
        butterfly_row_scalar(lo, hi, w, unit_first)
    }
    /// `values[i] ← values[i]·x·gⁱ`.
    #[inline(always)]
    fn scale_powers(values: &mut [Self], x: Fr, g: Fr) {
        scale_powers_scalar(values, x, g)
    }
    /// Two fused DIF layers on the quadruples `(x0[j], x1[j], x2[j], x3[j])`, `j` counted
    /// from `base` in a layer of quarter `q` ([`radix4_layer`]).
    #[inline(always)]
    fn radix4_row(x: [&mut [Self]; 4], w: &[Fr], base: usize, q: usize) {
        radix4_row_scalar(x, w, base, q)
    }
}

fn scale_powers_scalar<T: NttElem>(values: &mut [T], mut x: Fr, g: Fr) {
    for v in values {
        v.scale(&x);
        x *= g;
    }
}

fn butterfly_row_scalar<T: NttElem>(lo: &mut [T], hi: &mut [T], w: &[Fr], unit_first: bool) {
    for (j, (a, b)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
        if j == 0 && unit_first {
            T::butterfly_unit(a, b);
        } else {
            T::butterfly(a, b, &w[j]);
        }
    }
}

fn radix4_row_scalar<T: NttElem>(x: [&mut [T]; 4], w: &[Fr], base: usize, q: usize) {
    let [x0, x1, x2, x3] = x;
    for (j, (((a0, a1), a2), a3)) in
        x0.iter_mut().zip(x1.iter_mut()).zip(x2.iter_mut()).zip(x3.iter_mut()).enumerate()
    {
        let j = base + j;
        // Layer n/2: (j, j+2q) by ω_n^j and (j+q, j+3q) by ω_n^(j+q).
        if j == 0 {
            T::butterfly_unit(a0, a2);
        } else {
            T::butterfly(a0, a2, &w[j]);
        }
        T::butterfly(a1, a3, &w[j + q]);
        // Layer n/4 on both halves: (j, j+q) by ω_(n/2)^j = ω_n^(2j).
        if j == 0 {
            T::butterfly_unit(a0, a1);
            T::butterfly_unit(a2, a3);
        } else {
            let w2 = &w[2 * j];
            T::butterfly(a0, a1, w2);
            T::butterfly(a2, a3, w2);
        }
    }
}

impl NttElem for Fr {
    const GRAIN: usize = 1 << 9;
    #[inline(always)]
    fn butterfly(a: &mut Self, b: &mut Self, w: &Fr) {
        let (x, y) = (fr_limbs(a), fr_limbs(b));
        let t = field::sub::<FrMod>(x, y);
        *a = fr(field::add::<FrMod>(x, y));
        *b = fr(field::mul::<FrMod>(&t, fr_limbs(w)));
    }
    #[inline(always)]
    fn butterfly_unit(a: &mut Self, b: &mut Self) {
        let (x, y) = (fr_limbs(a), fr_limbs(b));
        let t = field::sub::<FrMod>(x, y);
        *a = fr(field::add::<FrMod>(x, y));
        *b = fr(t);
    }
    #[inline(always)]
    fn scale(&mut self, s: &Fr) {
        *self *= s;
    }
    /// Eight butterflies at a time on the IFMA lanes where the CPU has them (a twiddle
    /// of one multiplies exactly, so the unit first twiddle needs no special case).
    #[inline(always)]
    fn butterfly_row(lo: &mut [Self], hi: &mut [Self], w: &[Fr], unit_first: bool) {
        let mut done = 0;
        #[cfg(target_arch = "x86_64")]
        if super::ifma::fr_available() {
            // SAFETY: `fr_available` checked AVX-512 F and IFMA and the `Fr` layout.
            done = unsafe { super::ifma::butterflies_fr(lo, hi, w) };
        }
        butterfly_row_scalar(&mut lo[done..], &mut hi[done..], &w[done..], unit_first && done == 0)
    }
    #[inline(always)]
    fn scale_powers(values: &mut [Self], x: Fr, g: Fr) {
        let mut done = 0;
        #[cfg(target_arch = "x86_64")]
        if super::ifma::fr_available() {
            // SAFETY: as in `butterfly_row`.
            done = unsafe { super::ifma::scale_powers_fr(values, x, g) };
        }
        scale_powers_scalar(&mut values[done..], x * g.pow([done as u64]), g)
    }
    #[inline(always)]
    fn radix4_row(x: [&mut [Self]; 4], w: &[Fr], base: usize, q: usize) {
        let mut done = 0;
        let [x0, x1, x2, x3] = x;
        #[cfg(target_arch = "x86_64")]
        if super::ifma::fr_available() {
            // SAFETY: as in `butterfly_row`.
            done = unsafe { super::ifma::radix4_fr([x0, x1, x2, x3], w, base, q) };
        }
        radix4_row_scalar(
            [&mut x0[done..], &mut x1[done..], &mut x2[done..], &mut x3[done..]],
            w,
            base + done,
            q,
        )
    }
}

impl NttElem for G1Projective {
    const GRAIN: usize = 2;
    #[inline]
    fn butterfly(a: &mut Self, b: &mut Self, w: &Fr) {
        let t = *a - *b;
        *a += *b;
        *b = mul_glv(&t, w);
    }
    #[inline]
    fn butterfly_unit(a: &mut Self, b: &mut Self) {
        let t = *a - *b;
        *a += *b;
        *b = t;
    }
    #[inline]
    fn scale(&mut self, s: &Fr) {
        *self = mul_glv(self, s);
    }
}

/// Powers of the roots of unity used by a transform of size `n = 2^log_n`.
pub(crate) struct Twiddles {
    /// `levels[k][j] = ω_(2^k)^j` for `j < 2^(k-1)`, for every sub-transform size up to
    /// `n`: each sub-transform reads its twiddles contiguously instead of striding
    /// through the top table. About `n` field elements in all.
    levels: Vec<Vec<Fr>>,
}

impl Twiddles {
    fn new(log_n: u32, par: Parallelism) -> Self {
        let n = 1usize << log_n;
        let omega = Fr::get_root_of_unity(n as u64).expect("BN254 Fr has 2-adicity 28");
        let top = powers(omega, n / 2, par);
        let mut levels: Vec<Vec<Fr>> = (1..log_n)
            .map(|k| {
                let stride = n >> k;
                (0..1usize << (k - 1)).map(|j| top[j * stride]).collect()
            })
            .collect();
        levels.insert(0, Vec::new());
        levels.push(top);
        Twiddles { levels }
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

    /// `ω_m^j` for `j < m/2`.
    #[inline(always)]
    fn for_size(&self, m: usize) -> &[Fr] {
        &self.levels[m.trailing_zeros() as usize]
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
    let chunk = par.chunk_len(values.len(), 8 * T::GRAIN);
    par.for_each_chunk(values, chunk, |k, c| {
        T::scale_powers(c, start * g.pow([(k * chunk) as u64]), g)
    });
}

/// Forward transform, natural order in and out.
fn forward<T: NttElem>(values: &mut [T], tw: &Twiddles, par: Parallelism) {
    dif(values, tw, par);
    bit_reverse(values, par);
}

/// Size of the sub-transforms finished in one go: cache-sized, and small enough that
/// every worker gets at least two.
fn leaf_size<T: NttElem>(n: usize, par: Parallelism) -> usize {
    BLOCK.min((n / (2 * par.workers())).max(T::GRAIN))
}

/// Decimation in frequency: natural order in, bit-reversed order out.
pub(crate) fn dif<T: NttElem>(x: &mut [T], tw: &Twiddles, par: Parallelism) {
    dif_rec(x, tw, leaf_size::<T>(x.len(), par), par)
}

fn dif_rec<T: NttElem>(x: &mut [T], tw: &Twiddles, leaf: usize, par: Parallelism) {
    let n = x.len();
    if n <= leaf {
        dif_block(x, tw);
        return;
    }
    let w = tw.for_size(n);
    if n >= 4 * leaf {
        radix4_layer(x, w, par);
        let q = n / 4;
        let (x01, x23) = x.split_at_mut(2 * q);
        let (x0, x1) = x01.split_at_mut(q);
        let (x2, x3) = x23.split_at_mut(q);
        par.join(
            || par.join(|| dif_rec(x0, tw, leaf, par), || dif_rec(x1, tw, leaf, par)),
            || par.join(|| dif_rec(x2, tw, leaf, par), || dif_rec(x3, tw, leaf, par)),
        );
    } else {
        radix2_layer(x, w, par);
        let (lo, hi) = x.split_at_mut(n / 2);
        par.join(|| dif_rec(lo, tw, leaf, par), || dif_rec(hi, tw, leaf, par));
    }
}

/// One DIF layer over the whole (sub-)array: pairs `(j, j + n/2)`; `w[j] = ω_n^j`.
fn radix2_layer<T: NttElem>(x: &mut [T], w: &[Fr], par: Parallelism) {
    let h = x.len() / 2;
    let (lo, hi) = x.split_at_mut(h);
    let chunk = par.chunk_len(h, 2 * T::GRAIN);
    par.zip_chunks2(lo, hi, chunk, |k, lo, hi| {
        let base = k * chunk;
        T::butterfly_row(lo, hi, &w[base..], base == 0);
    });
}

/// Two DIF layers fused: quadruples `(j, j + q, j + 2q, j + 3q)`, `q = n/4`;
/// `w[j] = ω_n^j`.
fn radix4_layer<T: NttElem>(x: &mut [T], w: &[Fr], par: Parallelism) {
    let q = x.len() / 4;
    let (x01, x23) = x.split_at_mut(2 * q);
    let (x0, x1) = x01.split_at_mut(q);
    let (x2, x3) = x23.split_at_mut(q);
    let chunk = par.chunk_len(q, T::GRAIN);
    par.zip_chunks4(x0, x1, x2, x3, chunk, |k, x0, x1, x2, x3| {
        T::radix4_row([x0, x1, x2, x3], w, k * chunk, q);
    });
}

/// All layers of a transform that fits in cache.
fn dif_block<T: NttElem>(x: &mut [T], tw: &Twiddles) {
    let mut h = x.len() / 2;
    while h >= 1 {
        let w = tw.for_size(2 * h);
        for block in x.chunks_exact_mut(2 * h) {
            let (lo, hi) = block.split_at_mut(h);
            T::butterfly_row(lo, hi, w, true);
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
