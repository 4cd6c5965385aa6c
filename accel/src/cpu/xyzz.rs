//! BN254 G1 points in extended Jacobian (XYZZ) coordinates on our branch-free field
//! arithmetic: `x = X/ZZ`, `y = Y/ZZZ`, `ZZ³ = ZZZ²`; `ZZ = 0` is the identity.
//!
//! Formulas from the Explicit-Formulas Database (`g1p/auto-shortw-xyzz.html`, a = 0):
//! `madd-2008-s`, `add-2008-s`, `dbl-2008-s`.

use ark_bn254::{Fq, G1Affine, G1Projective, g1::Config};
use ark_ec::{AffineRepr, short_weierstrass::Bucket};
use ark_ff::Field;

use crate::field::{FqMod, add as fadd, fq, fq_limbs, mul as fmul, sub as fsub};

type L = [u64; 4];
const ZERO: L = [0; 4];

#[inline(always)]
fn add(a: &L, b: &L) -> L {
    fadd::<FqMod>(a, b)
}
#[inline(always)]
fn sub(a: &L, b: &L) -> L {
    fsub::<FqMod>(a, b)
}
#[inline(always)]
fn mul(a: &L, b: &L) -> L {
    fmul::<FqMod>(a, b)
}

/// A point in XYZZ coordinates.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Xyzz {
    x: L,
    y: L,
    zz: L,
    zzz: L,
}

impl Xyzz {
    /// The identity.
    pub(crate) const ZERO: Xyzz = Xyzz { x: ZERO, y: ZERO, zz: ZERO, zzz: ZERO };

    #[inline(always)]
    fn is_zero(&self) -> bool {
        self.zz == ZERO
    }

    /// `self += p`, `p` affine (the identity is skipped).
    #[inline]
    pub(crate) fn add_affine(&mut self, p: &G1Affine) {
        if p.is_zero() {
            return;
        }
        self.add_xy(fq_limbs(&p.x), fq_limbs(&p.y));
    }

    /// `self -= p`, `p` affine.
    #[inline]
    pub(crate) fn sub_affine(&mut self, p: &G1Affine) {
        if p.is_zero() {
            return;
        }
        self.add_xy(fq_limbs(&p.x), &sub(&ZERO, fq_limbs(&p.y)));
    }

    /// madd-2008-s: 8M + 2S.
    #[inline(always)]
    fn add_xy(&mut self, x2: &L, y2: &L) {
        let one = *fq_limbs(&Fq::ONE);
        if self.is_zero() {
            *self = Xyzz { x: *x2, y: *y2, zz: one, zzz: one };
            return;
        }
        let u2 = mul(x2, &self.zz);
        let s2 = mul(y2, &self.zzz);
        let p = sub(&u2, &self.x);
        let r = sub(&s2, &self.y);
        if p == ZERO {
            // Equal points (rare): double them as an XYZZ point with ZZ = ZZZ = 1.
            let p2 = Xyzz { x: *x2, y: *y2, zz: one, zzz: one };
            *self = if r == ZERO { p2.double() } else { Self::ZERO };
            return;
        }
        let pp = mul(&p, &p);
        let ppp = mul(&p, &pp);
        let q = mul(&self.x, &pp);
        let x3 = sub(&sub(&mul(&r, &r), &ppp), &add(&q, &q));
        let y3 = sub(&mul(&r, &sub(&q, &x3)), &mul(&self.y, &ppp));
        self.x = x3;
        self.y = y3;
        self.zz = mul(&self.zz, &pp);
        self.zzz = mul(&self.zzz, &ppp);
    }

    /// dbl-2008-s.
    #[inline(never)]
    pub(crate) fn double(&self) -> Xyzz {
        if self.is_zero() {
            return *self;
        }
        let u = add(&self.y, &self.y);
        let v = mul(&u, &u);
        let w = mul(&u, &v);
        let s = mul(&self.x, &v);
        let xx = mul(&self.x, &self.x);
        let m = add(&add(&xx, &xx), &xx);
        let x3 = sub(&mul(&m, &m), &add(&s, &s));
        let y3 = sub(&mul(&m, &sub(&s, &x3)), &mul(&w, &self.y));
        Xyzz { x: x3, y: y3, zz: mul(&v, &self.zz), zzz: mul(&w, &self.zzz) }
    }

    /// add-2008-s: `self += other`, 12M + 2S.
    #[inline]
    pub(crate) fn add_assign(&mut self, o: &Xyzz) {
        if o.is_zero() {
            return;
        }
        if self.is_zero() {
            *self = *o;
            return;
        }
        let u1 = mul(&self.x, &o.zz);
        let u2 = mul(&o.x, &self.zz);
        let s1 = mul(&self.y, &o.zzz);
        let s2 = mul(&o.y, &self.zzz);
        let p = sub(&u2, &u1);
        let r = sub(&s2, &s1);
        if p == ZERO {
            *self = if r == ZERO { self.double() } else { Self::ZERO };
            return;
        }
        let pp = mul(&p, &p);
        let ppp = mul(&p, &pp);
        let q = mul(&u1, &pp);
        let x3 = sub(&sub(&mul(&r, &r), &ppp), &add(&q, &q));
        let y3 = sub(&mul(&r, &sub(&q, &x3)), &mul(&s1, &ppp));
        self.x = x3;
        self.y = y3;
        self.zz = mul(&mul(&self.zz, &o.zz), &pp);
        self.zzz = mul(&mul(&self.zzz, &o.zzz), &ppp);
    }

    /// Converts to arkworks' projective form.
    /// From Jacobian coordinates (`x = X/Z²`, `y = Y/Z³`): `ZZ = Z²`, `ZZZ = Z³`.
    pub(crate) fn from_projective(p: &G1Projective) -> Xyzz {
        let z = fq_limbs(&p.z);
        let zz = mul(z, z);
        Xyzz { x: *fq_limbs(&p.x), y: *fq_limbs(&p.y), zzz: mul(&zz, z), zz }
    }

    pub(crate) fn into_projective(self) -> G1Projective {
        let b: Bucket<Config> =
            Bucket { x: fq(self.x), y: fq(self.y), zz: fq(self.zz), zzz: fq(self.zzz) };
        b.into()
    }
}

/// `Σ (b+1)·bucket[b]` from the top bucket down: two additions per bucket.
pub(crate) fn running_sum<'a>(
    buckets_top_down: impl Iterator<Item = Option<&'a G1Affine>>,
) -> G1Projective {
    let mut running = Xyzz::ZERO;
    let mut total = Xyzz::ZERO;
    for b in buckets_top_down {
        if let Some(p) = b {
            running.add_affine(p);
        }
        total.add_assign(&running);
    }
    total.into_projective()
}

/// `k·p` with the GLV endomorphism (`k = ±k₁ ± λ·k₂`, both halves about 128 bits):
/// a width-4 NAF of each half over the odd multiples `P, 3P, 5P, 7P` and their images
/// under the endomorphism `(x, y) ↦ (β·x, y)`, sharing one chain of doublings, in XYZZ
/// coordinates on our field arithmetic — about 52 additions instead of the 96 of
/// arkworks' joint double-and-add. Used for the EC-NTT's twiddles and `ec_scale`.
pub(crate) fn mul_glv(p: &G1Projective, k: &ark_bn254::Fr) -> G1Projective {
    use ark_ec::scalar_mul::glv::GLVConfig;
    use ark_ff::{BigInteger, PrimeField};

    let ((positive1, k1), (positive2, k2)) = Config::scalar_decomposition(*k);
    let base = Xyzz::from_projective(p);
    let two = base.double();
    let mut odd = [base; 4];
    for i in 1..4 {
        odd[i] = odd[i - 1];
        odd[i].add_assign(&two);
    }
    let beta = fq_limbs(&<Config as GLVConfig>::ENDO_COEFFS[0]);
    let endo = odd.map(|q| Xyzz { x: mul(&q.x, beta), ..q });
    let naf = |k: ark_bn254::Fr| k.into_bigint().find_wnaf(4).expect("width 4 is supported");
    let (naf1, naf2) = (naf(k1), naf(k2));
    let mut acc = Xyzz::ZERO;
    for i in (0..naf1.len().max(naf2.len())).rev() {
        acc = acc.double();
        for (digits, table, positive) in [(&naf1, &odd, positive1), (&naf2, &endo, positive2)] {
            let d = digits.get(i).copied().unwrap_or(0);
            if d != 0 {
                let q = &table[(d.unsigned_abs() / 2) as usize];
                if (d > 0) == positive {
                    acc.add_assign(q);
                } else {
                    acc.add_assign(&Xyzz { y: sub(&ZERO, &q.y), ..*q });
                }
            }
        }
    }
    acc.into_projective()
}
