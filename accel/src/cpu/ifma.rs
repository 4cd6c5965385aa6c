//! BN254 base-field arithmetic on eight values at once with AVX-512 IFMA, and the MSM's
//! batch-affine additions on it.
//!
//! A value is five 52-bit limbs, one 512-bit register per limb holding that limb of
//! eight values. `VPMADD52LUQ`/`VPMADD52HUQ` multiply eight pairs of 52-bit limbs and
//! add the low or high 52 bits of the products to 64-bit accumulators, so a Montgomery
//! product is 50 of each for the schoolbook product and the reduction, with carries
//! left in the accumulators until the end. The reduction divides by `2^256` (four
//! 52-bit steps and one of 48 bits), the same Montgomery factor as arkworks and
//! [`crate::field`]: values move between the two forms by regrouping bits only.
//! Every result is reduced to `[0, p)`, so the lanes agree bit for bit with the scalar
//! arithmetic.

use crate::field::CpuPath;

#[cfg(target_arch = "x86_64")]
pub(crate) use imp::*;

/// The lanes: AVX-512 F and IFMA.
static IFMA: CpuPath = CpuPath::new(
    || {
        #[cfg(target_arch = "x86_64")]
        return std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512ifma");
        #[cfg(not(target_arch = "x86_64"))]
        false
    },
    |p| p.ifma,
);

/// Whether the CPU has AVX-512 F and IFMA (detected once) and
/// `DOPPIO_ACCEL_PORTABLE` does not turn the lanes off.
#[inline(always)]
pub(crate) fn available() -> bool {
    IFMA.on()
}

/// Whether the `Fr` lanes can run: [`available`], and `Fr` packed as its limbs.
#[inline(always)]
pub(crate) fn fr_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    return available() && fr_is_packed();
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// Turns the lanes off (`true`) or returns to detection (`false`); for tests and
/// benches that compare the two paths.
pub(crate) fn force_off(off: bool) {
    IFMA.force_off(off);
}

#[cfg(target_arch = "x86_64")]
mod imp {
    use std::arch::x86_64::*;

    use ark_bn254::{Fq, Fr, G1Affine};
    use ark_ff::Field;

    use crate::field::{FqMod, FrMod, Modulus, fq, fq_limbs, fr_limbs};

    const MASK52: u64 = (1 << 52) - 1;
    const MASK48: u64 = (1 << 48) - 1;

    /// Eight field elements, limb `j` of lane `l` in bits 64·l… of `self.0[j]`.
    #[derive(Clone, Copy)]
    pub(crate) struct V8([__m512i; 5]);

    /// 52-bit limbs of the 4×64-bit `a`.
    const fn limbs52(a: [u64; 4]) -> [u64; 5] {
        [
            a[0] & MASK52,
            ((a[0] >> 52) | (a[1] << 12)) & MASK52,
            ((a[1] >> 40) | (a[2] << 24)) & MASK52,
            ((a[2] >> 28) | (a[3] << 36)) & MASK52,
            a[3] >> 16,
        ]
    }

    /// The modulus in 52-bit limbs.
    fn p52<M: Modulus>() -> [u64; 5] {
        const { limbs52(M::P) }
    }

    #[inline]
    #[target_feature(enable = "avx512f")]
    fn splat(x: u64) -> __m512i {
        _mm512_set1_epi64(x as i64)
    }

    impl V8 {
        /// Lanes from eight 4×64-bit values (arkworks' Montgomery limbs) anywhere in
        /// memory.
        #[inline]
        #[target_feature(enable = "avx512f")]
        pub(crate) fn load(values: [&[u64; 4]; 8]) -> V8 {
            // Register k holds values 2k and 2k+1, as eight consecutive values would.
            let r: [__m512i; 4] = std::array::from_fn(|k| {
                let [a, b] = [values[2 * k], values[2 * k + 1]].map(|v| {
                    // SAFETY: each value is 32 readable bytes; unaligned load.
                    unsafe { _mm256_loadu_si256(v.as_ptr() as *const __m256i) }
                });
                _mm512_inserti64x4::<1>(_mm512_castsi256_si512(a), b)
            });
            from_limbs64(transpose_in(r))
        }

        /// The eight values as 4×64-bit limbs.
        #[inline]
        #[target_feature(enable = "avx512f")]
        pub(crate) fn store(self) -> [[u64; 4]; 8] {
            let mut out = [[0u64; 4]; 8];
            for (k, r) in transpose_out(to_limbs64(self)).into_iter().enumerate() {
                // SAFETY: values 2k and 2k+1 of `out` are 64 consecutive writable bytes.
                unsafe { _mm512_storeu_epi64(out[2 * k].as_mut_ptr() as *mut i64, r) };
            }
            out
        }

        /// Eight copies of one 4×64-bit value.
        #[inline]
        #[target_feature(enable = "avx512f")]
        pub(crate) fn splat(value: &[u64; 4]) -> V8 {
            V8(limbs52(*value).map(|x| splat(x)))
        }
    }

    /// 64-bit limbs `a[j]` (limb j of eight values) regrouped into 52-bit ones.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn from_limbs64(a: [__m512i; 4]) -> V8 {
        let m = splat(MASK52);
        V8([
            _mm512_and_si512(a[0], m),
            _mm512_and_si512(
                _mm512_or_si512(_mm512_srli_epi64(a[0], 52), _mm512_slli_epi64(a[1], 12)),
                m,
            ),
            _mm512_and_si512(
                _mm512_or_si512(_mm512_srli_epi64(a[1], 40), _mm512_slli_epi64(a[2], 24)),
                m,
            ),
            _mm512_and_si512(
                _mm512_or_si512(_mm512_srli_epi64(a[2], 28), _mm512_slli_epi64(a[3], 36)),
                m,
            ),
            _mm512_srli_epi64(a[3], 16),
        ])
    }

    /// 52-bit limbs regrouped into 64-bit ones (limb j of eight values in `[j]`).
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn to_limbs64(v: V8) -> [__m512i; 4] {
        let l = v.0;
        [
            _mm512_or_si512(l[0], _mm512_slli_epi64(l[1], 52)),
            _mm512_or_si512(_mm512_srli_epi64(l[1], 12), _mm512_slli_epi64(l[2], 40)),
            _mm512_or_si512(_mm512_srli_epi64(l[2], 24), _mm512_slli_epi64(l[3], 28)),
            _mm512_or_si512(_mm512_srli_epi64(l[3], 36), _mm512_slli_epi64(l[4], 16)),
        ]
    }

    /// Propagates carries so that limbs 0…4 hold 52 bits (limb 5 takes the rest).
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn normalize(t: &mut [__m512i; 6]) {
        let m = splat(MASK52);
        for j in 0..5 {
            t[j + 1] = _mm512_add_epi64(t[j + 1], _mm512_srli_epi64(t[j], 52));
            t[j] = _mm512_and_si512(t[j], m);
        }
    }

    /// `x − y` limb by limb with the borrow propagated: the normalised difference
    /// modulo `2^260` and the mask of the lanes where it is negative.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn sub_limbs(x: &[__m512i; 5], y: &[__m512i; 5]) -> ([__m512i; 5], __mmask8) {
        let m = splat(MASK52);
        let mut d = [_mm512_setzero_si512(); 5];
        let mut borrow = _mm512_setzero_si512();
        for ((d, x), y) in d.iter_mut().zip(x).zip(y) {
            let v = _mm512_sub_epi64(_mm512_sub_epi64(*x, *y), borrow);
            borrow = _mm512_srli_epi64(v, 63);
            *d = _mm512_and_si512(v, m);
        }
        (d, _mm512_test_epi64_mask(borrow, borrow))
    }

    /// `x − p` where that is not negative, else `x` (limbs normalised, `x < 2p`).
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn reduce_once<M: Modulus>(x: [__m512i; 5]) -> V8 {
        let (d, below) = sub_limbs(&x, &p52::<M>().map(|v| splat(v)));
        V8(std::array::from_fn(|j| _mm512_mask_blend_epi64(below, d[j], x[j])))
    }

    /// `a · b · 2^-256 mod p`, reduced (inputs reduced).
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) fn mul<M: Modulus>(a: &V8, b: &V8) -> V8 {
        let (a, b) = (&a.0, &b.0);
        let z = _mm512_setzero_si512();
        let p = p52::<M>().map(|x| splat(x));
        // `-p⁻¹ mod 2^52`.
        let pinv = splat(M::INV & MASK52);
        let mut t = [z; 6];
        for (i, bi) in b.iter().enumerate() {
            for j in 0..5 {
                t[j] = _mm512_madd52lo_epu64(t[j], a[j], *bi);
                t[j + 1] = _mm512_madd52hi_epu64(t[j + 1], a[j], *bi);
            }
            if i < 4 {
                // One 52-bit reduction step: t + m·p ≡ 0 mod 2^52, then drop a limb.
                let m = _mm512_madd52lo_epu64(z, t[0], pinv);
                for j in 0..5 {
                    t[j] = _mm512_madd52lo_epu64(t[j], m, p[j]);
                    t[j + 1] = _mm512_madd52hi_epu64(t[j + 1], m, p[j]);
                }
                let carry = _mm512_srli_epi64(t[0], 52);
                t = [_mm512_add_epi64(t[1], carry), t[2], t[3], t[4], t[5], z];
            }
        }
        // The last 48 bits of the 256: t + m·p ≡ 0 mod 2^48, then shift right by 48.
        normalize(&mut t);
        let m = _mm512_and_si512(_mm512_madd52lo_epu64(z, t[0], pinv), splat(MASK48));
        for j in 0..5 {
            t[j] = _mm512_madd52lo_epu64(t[j], m, p[j]);
            t[j + 1] = _mm512_madd52hi_epu64(t[j + 1], m, p[j]);
        }
        normalize(&mut t);
        let mask = splat(MASK52);
        let r = std::array::from_fn(|j| {
            _mm512_and_si512(
                _mm512_or_si512(_mm512_srli_epi64(t[j], 48), _mm512_slli_epi64(t[j + 1], 4)),
                mask,
            )
        });
        reduce_once::<M>(r)
    }

    /// `a − b mod p` (inputs reduced).
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) fn sub<M: Modulus>(a: &V8, b: &V8) -> V8 {
        let (d, negative) = sub_limbs(&a.0, &b.0);
        // Negative lanes: add p back.
        let e = add_limbs(&d, &p52::<M>().map(|v| splat(v)));
        V8(std::array::from_fn(|j| _mm512_mask_blend_epi64(negative, d[j], e[j])))
    }

    /// `a + b mod p` (inputs reduced).
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) fn add<M: Modulus>(a: &V8, b: &V8) -> V8 {
        reduce_once::<M>(add_limbs(&a.0, &b.0))
    }

    /// `x + y` limb by limb with the carry propagated (normalised, modulo `2^260`).
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn add_limbs(x: &[__m512i; 5], y: &[__m512i; 5]) -> [__m512i; 5] {
        let m = splat(MASK52);
        let mut e = [_mm512_setzero_si512(); 5];
        let mut carry = _mm512_setzero_si512();
        for ((e, x), y) in e.iter_mut().zip(x).zip(y) {
            let v = _mm512_add_epi64(_mm512_add_epi64(*x, *y), carry);
            carry = _mm512_srli_epi64(v, 52);
            *e = _mm512_and_si512(v, m);
        }
        e
    }

    /// Whether `Fr` values lie in memory as their four Montgomery limbs, 32 bytes apart
    /// (checked once: the NTT lanes load eight consecutive values as 256 bytes).
    pub(crate) fn fr_is_packed() -> bool {
        use std::sync::OnceLock;
        static PACKED: OnceLock<bool> = OnceLock::new();
        *PACKED.get_or_init(|| {
            let v = [Fr::from(1u64), Fr::from(2u64)];
            std::mem::size_of::<Fr>() == 32
                && std::ptr::eq(fr_limbs(&v[0]).as_ptr(), v.as_ptr() as *const u64)
                && std::ptr::eq(fr_limbs(&v[1]).as_ptr(), v[1..].as_ptr() as *const u64)
        })
    }

    /// Registers holding eight values in memory order (register k: values 2k and 2k+1)
    /// regrouped by limb (register j: limb j of the eight values).
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn transpose_in(r: [__m512i; 4]) -> [__m512i; 4] {
        std::array::from_fn(|j| {
            let j = j as i64;
            let idx = _mm512_set_epi64(12 + j, 8 + j, 4 + j, j, 12 + j, 8 + j, 4 + j, j);
            let lo = _mm512_permutex2var_epi64(r[0], idx, r[1]);
            let hi = _mm512_permutex2var_epi64(r[2], idx, r[3]);
            _mm512_mask_blend_epi64(0xF0, lo, hi)
        })
    }

    /// The inverse of [`transpose_in`].
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn transpose_out(l: [__m512i; 4]) -> [__m512i; 4] {
        std::array::from_fn(|k| {
            let (a, b) = (2 * k as i64, 2 * k as i64 + 1);
            let idx = _mm512_set_epi64(9 + a, b, 0, 0, 8 + a, a, 0, 0);
            let idx_lo = _mm512_set_epi64(0, 0, 8 + b, b, 0, 0, 8 + a, a);
            let lo = _mm512_permutex2var_epi64(l[0], idx_lo, l[1]);
            let hi = _mm512_permutex2var_epi64(l[2], idx, l[3]);
            _mm512_mask_blend_epi64(0xCC, lo, hi)
        })
    }

    /// Eight consecutive values (`xs.len() >= 8`).
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) fn load_fr(xs: &[Fr]) -> V8 {
        assert!(xs.len() >= 8);
        let ptr = xs.as_ptr() as *const i64;
        // SAFETY: eight `Fr` are 256 readable bytes, laid out as limbs (`fr_is_packed`,
        // checked by the callers); unaligned loads.
        let r: [__m512i; 4] =
            std::array::from_fn(|k| unsafe { _mm512_loadu_epi64(ptr.add(8 * k)) });
        from_limbs64(transpose_in(r))
    }

    /// Stores eight values into `xs[..8]`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) fn store_fr(v: V8, xs: &mut [Fr]) {
        assert!(xs.len() >= 8);
        let ptr = xs.as_mut_ptr() as *mut i64;
        for (k, r) in transpose_out(to_limbs64(v)).into_iter().enumerate() {
            // SAFETY: as in `load_fr`, 64 writable bytes at value 2k.
            unsafe { _mm512_storeu_epi64(ptr.add(8 * k), r) };
        }
    }

    /// `(lo[j], hi[j]) ← (lo[j] + hi[j], (lo[j] − hi[j])·w[j])` for the first
    /// `8·⌊len/8⌋` indices; returns how many were done.
    ///
    /// Callers must have checked [`super::available`] and [`fr_is_packed`].
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) fn butterflies_fr(lo: &mut [Fr], hi: &mut [Fr], w: &[Fr]) -> usize {
        let n = lo.len().min(hi.len()).min(w.len()) / 8 * 8;
        for j in (0..n).step_by(8) {
            let (a, b) = (load_fr(&lo[j..]), load_fr(&hi[j..]));
            let t = sub::<FrMod>(&a, &b);
            store_fr(add::<FrMod>(&a, &b), &mut lo[j..]);
            store_fr(mul::<FrMod>(&t, &load_fr(&w[j..])), &mut hi[j..]);
        }
        n
    }

    /// `values[i] ← values[i]·x·gⁱ` for the first `8·⌊len/8⌋` values; returns how many
    /// were done.
    ///
    /// Callers must have checked [`super::available`] and [`fr_is_packed`].
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) fn scale_powers_fr(values: &mut [Fr], x: Fr, g: Fr) -> usize {
        let n = values.len() / 8 * 8;
        if n == 0 {
            return 0;
        }
        let mut first = [x; 8];
        for l in 1..8 {
            first[l] = first[l - 1] * g;
        }
        let mut xs = V8::load(std::array::from_fn(|l| fr_limbs(&first[l])));
        let step = V8::splat(fr_limbs(&g.pow([8])));
        for j in (0..n).step_by(8) {
            store_fr(mul::<FrMod>(&load_fr(&values[j..]), &xs), &mut values[j..]);
            xs = mul::<FrMod>(&xs, &step);
        }
        n
    }

    /// Two fused DIF layers over quadruples `(x0[j], x1[j], x2[j], x3[j])`, `j` from
    /// `base` in the whole layer, for the first `8·⌊len/8⌋` indices: by `w[j]`,
    /// `w[j + q]`, then `w[2j]` on both halves. Returns how many were done.
    ///
    /// Callers must have checked [`super::available`] and [`fr_is_packed`].
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) fn radix4_fr(x: [&mut [Fr]; 4], w: &[Fr], base: usize, q: usize) -> usize {
        let [x0, x1, x2, x3] = x;
        let n = x0.len().min(x1.len()).min(x2.len()).min(x3.len()) / 8 * 8;
        let bfly = |a: &mut V8, b: &mut V8, w: &V8| {
            let t = sub::<FrMod>(a, b);
            *a = add::<FrMod>(a, b);
            *b = mul::<FrMod>(&t, w);
        };
        for j in (0..n).step_by(8) {
            let g = base + j;
            let mut a =
                [load_fr(&x0[j..]), load_fr(&x1[j..]), load_fr(&x2[j..]), load_fr(&x3[j..])];
            let w2 = V8::load(std::array::from_fn(|l| fr_limbs(&w[2 * (g + l)])));
            let [a0, a1, a2, a3] = &mut a;
            bfly(a0, a2, &load_fr(&w[g..]));
            bfly(a1, a3, &load_fr(&w[g + q..]));
            bfly(a0, a1, &w2);
            bfly(a2, a3, &w2);
            let [a0, a1, a2, a3] = a;
            store_fr(a0, &mut x0[j..]);
            store_fr(a1, &mut x1[j..]);
            store_fr(a2, &mut x2[j..]);
            store_fr(a3, &mut x3[j..]);
        }
        n
    }

    /// Buffers of [`add_pairs`], kept between calls.
    #[derive(Default)]
    pub(crate) struct Scratch {
        dx: Vec<V8>,
        prefix: Vec<V8>,
    }

    /// `emit(k, p_k + q_k)` for `len` pairs of points with distinct x-coordinates
    /// (neither the identity), eight lanes at a time; the slopes' denominators of all
    /// lanes share one field inversion.
    ///
    /// Callers must have checked [`super::available`].
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) fn add_pairs<'a>(
        len: usize,
        pair: impl Fn(usize) -> (&'a G1Affine, &'a G1Affine),
        scratch: &mut Scratch,
        mut emit: impl FnMut(usize, G1Affine),
    ) {
        if len == 0 {
            return;
        }
        let groups = len.div_ceil(8);
        // Lanes past the end repeat the last pair, whose denominator is not zero.
        // Coordinate `which` (0: x₁, 1: x₂, 2: y₁, 3: y₂) of group `g`'s lanes.
        let coords = |g: usize, which: u8| {
            let limbs = std::array::from_fn(|l| {
                let (p, q) = pair((g * 8 + l).min(len - 1));
                fq_limbs(match which {
                    0 => &p.x,
                    1 => &q.x,
                    2 => &p.y,
                    _ => &q.y,
                })
            });
            V8::load(limbs)
        };
        let Scratch { dx, prefix } = scratch;
        dx.clear();
        prefix.clear();
        let mut acc = V8::splat(fq_limbs(&Fq::from(1u64)));
        for g in 0..groups {
            let d = sub::<FqMod>(&coords(g, 1), &coords(g, 0));
            prefix.push(acc);
            acc = mul::<FqMod>(&acc, &d);
            dx.push(d);
        }
        // Invert the eight lanes' products together (non-zero: every factor is a
        // difference of distinct x-coordinates).
        let lanes = invert_lanes(acc.store().map(fq));
        let mut inv = V8::load(std::array::from_fn(|l| fq_limbs(&lanes[l])));
        for g in (0..groups).rev() {
            let den_inv = mul::<FqMod>(&inv, &prefix[g]);
            inv = mul::<FqMod>(&inv, &dx[g]);
            // x₂ = x₁ + (x₂ − x₁): one addition instead of a fourth transposed load.
            let (x1, y1, y2) = (coords(g, 0), coords(g, 2), coords(g, 3));
            let x2 = add::<FqMod>(&x1, &dx[g]);
            let lambda = mul::<FqMod>(&sub::<FqMod>(&y2, &y1), &den_inv);
            let x3 = sub::<FqMod>(&sub::<FqMod>(&mul::<FqMod>(&lambda, &lambda), &x1), &x2);
            let y3 = sub::<FqMod>(&mul::<FqMod>(&lambda, &sub::<FqMod>(&x1, &x3)), &y1);
            let (xs, ys) = (x3.store(), y3.store());
            for l in 0..8.min(len - g * 8) {
                emit(g * 8 + l, G1Affine::new_unchecked(fq(xs[l]), fq(ys[l])));
            }
        }
    }

    /// The inverses of eight non-zero values with one field inversion (Montgomery's
    /// trick), on this thread: arkworks' `batch_inversion` splits its input across the
    /// rayon pool, which for eight values costs two inversions and a fork-join per call.
    fn invert_lanes(values: [Fq; 8]) -> [Fq; 8] {
        let mut prefix = [Fq::from(1u64); 8];
        let mut acc = Fq::from(1u64);
        for (p, v) in prefix.iter_mut().zip(&values) {
            *p = acc;
            acc *= v;
        }
        let mut inv = acc.inverse().unwrap_or_default();
        let mut out = [Fq::from(0u64); 8];
        for l in (0..8).rev() {
            out[l] = inv * prefix[l];
            inv *= values[l];
        }
        out
    }

    #[cfg(test)]
    mod tests {
        use ark_ec::CurveGroup;
        use ark_std::UniformRand;
        use rand::SeedableRng;
        use rand_chacha::ChaCha20Rng;

        use ark_bn254::Fr;
        use ark_ff::PrimeField;

        use super::*;
        use crate::field::{self, FrMod};

        /// Montgomery limbs of zero, ±1, −2 and random values of `F`, and raw limbs
        /// with one bit at a 52-bit limb boundary (all below `p`).
        fn edge_values<F: PrimeField>(limbs_of: impl Fn(&F) -> [u64; 4]) -> Vec<[u64; 4]> {
            let mut rng = ChaCha20Rng::seed_from_u64(1);
            let mut v: Vec<F> = vec![F::zero(), F::one(), -F::one(), -F::from(2u64)];
            v.extend((0..60).map(|_| F::rand(&mut rng)));
            let mut limbs: Vec<[u64; 4]> = v.iter().map(&limbs_of).collect();
            for shift in [51usize, 52, 103, 104, 155, 156, 207, 208, 252] {
                let mut l = [0u64; 4];
                l[shift / 64] = 1 << (shift % 64);
                limbs.push(l);
            }
            limbs.extend([[u64::MAX >> 12, 0, 0, 0], [0, u64::MAX, u64::MAX, 0]]);
            limbs.push(limbs_of(&-F::from(3u64)));
            limbs.push(limbs_of(&F::from(u64::MAX)));
            limbs.push(limbs_of(&-F::from(u64::MAX)));
            limbs
        }

        fn check_field<M: Modulus, F: PrimeField>(
            limbs_of: impl Fn(&F) -> [u64; 4],
            of: impl Fn([u64; 4]) -> F,
            scalar_mul: impl Fn(&[u64; 4], &[u64; 4]) -> [u64; 4],
        ) {
            let values = edge_values::<F>(limbs_of);
            for a in values.chunks_exact(8) {
                for b in values.chunks_exact(8) {
                    let la: [&[u64; 4]; 8] = std::array::from_fn(|l| &a[l]);
                    let lb: [&[u64; 4]; 8] = std::array::from_fn(|l| &b[l]);
                    // SAFETY: the callers checked `available()`.
                    let (prod, diff) = unsafe {
                        let (va, vb) = (V8::load(la), V8::load(lb));
                        (mul::<M>(&va, &vb).store(), sub::<M>(&va, &vb).store())
                    };
                    for l in 0..8 {
                        let (x, y) = (of(a[l]), of(b[l]));
                        assert_eq!(prod[l], scalar_mul(&a[l], &b[l]), "{x} · {y}");
                        assert_eq!(of(prod[l]), x * y, "{x} · {y}");
                        assert_eq!(of(diff[l]), x - y, "{x} − {y}");
                    }
                }
            }
        }

        #[test]
        fn lanes_match_the_scalar_field_arithmetic() {
            if !super::super::available() {
                eprintln!("no AVX-512 IFMA on this CPU: the lanes are not used here");
                return;
            }
            check_field::<FqMod, Fq>(|x| *fq_limbs(x), fq, field::mul::<FqMod>);
            check_field::<FrMod, Fr>(|x| x.0.0, field::fr, field::mul::<FrMod>);
        }

        #[test]
        fn pairs_match_arkworks_additions() {
            if !super::super::available() {
                eprintln!("no AVX-512 IFMA on this CPU: the lanes are not used here");
                return;
            }
            let mut rng = ChaCha20Rng::seed_from_u64(2);
            for len in [1usize, 7, 8, 9, 100] {
                let pts: Vec<(G1Affine, G1Affine)> = (0..len)
                    .map(|_| {
                        (
                            ark_bn254::G1Projective::rand(&mut rng).into_affine(),
                            ark_bn254::G1Projective::rand(&mut rng).into_affine(),
                        )
                    })
                    .collect();
                let mut got = vec![G1Affine::identity(); len];
                let mut scratch = Scratch::default();
                // SAFETY: `available()` checked the CPU features above.
                unsafe {
                    add_pairs(len, |k| (&pts[k].0, &pts[k].1), &mut scratch, |k, s| got[k] = s)
                };
                for (k, (p, q)) in pts.iter().enumerate() {
                    assert_eq!(got[k], (*p + *q).into_affine(), "pair {k} of {len}");
                }
            }
        }
    }
}
