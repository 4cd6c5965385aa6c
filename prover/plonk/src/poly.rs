//! Small polynomial helpers around the acceleration layer's NTTs.

use ark_bn254::Fr;
use ark_ff::{FftField, Field, One, Zero};
use rayon::prelude::*;

/// Elements per rayon task in element-wise loops.
const CHUNK: usize = 1 << 12;

/// The generator of the subgroup of order `n` (a power of two), as arkworks and the
/// acceleration layer's NTTs use it.
pub(crate) fn root_of_unity(n: usize) -> Fr {
    Fr::get_root_of_unity(n as u64).expect("n is a power of two within the two-adicity")
}

/// `[1, x, x², …, x^(n−1)]`.
pub(crate) fn powers(x: Fr, n: usize) -> Vec<Fr> {
    let mut out = vec![Fr::zero(); n];
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, chunk)| {
        let mut p = x.pow([(c * CHUNK) as u64]);
        for v in chunk {
            *v = p;
            p *= x;
        }
    });
    out
}

/// `p(x)` for coefficients `p` (lowest degree first).
pub(crate) fn evaluate(p: &[Fr], x: Fr) -> Fr {
    let step = x.pow([CHUNK as u64]);
    let partial: Vec<Fr> = p
        .par_chunks(CHUNK)
        .map(|chunk| chunk.iter().rev().fold(Fr::zero(), |acc, c| acc * x + c))
        .collect();
    partial.iter().rev().fold(Fr::zero(), |acc, c| acc * step + c)
}

/// `p mod (X^n − c)`: the polynomial that agrees with `p` on every coset `o·H` with
/// `o^n = c`, so an NTT of size `n` evaluates `p` there even when `deg p ≥ n`.
#[cfg(test)]
pub(crate) fn fold(p: &[Fr], n: usize, c: Fr) -> Vec<Fr> {
    let mut out = vec![Fr::zero(); n];
    fold_into(&mut out, p, c);
    out
}

/// [`fold`] into a buffer of `n` entries (reused across cosets: no fresh pages).
pub(crate) fn fold_into(out: &mut [Fr], p: &[Fr], c: Fr) {
    let n = out.len();
    let low = p.len().min(n);
    copy(&mut out[..low], &p[..low]);
    out[low..].iter_mut().for_each(|o| *o = Fr::zero());
    let mut factor = Fr::one();
    for high in p.chunks(n).skip(1) {
        factor *= c;
        out.par_iter_mut().zip(high.par_iter()).for_each(|(o, h)| *o += factor * h);
    }
}

/// `out ← src` in parallel chunks.
pub(crate) fn copy(out: &mut [Fr], src: &[Fr]) {
    out.par_chunks_mut(CHUNK).zip(src.par_chunks(CHUNK)).for_each(|(o, s)| o.copy_from_slice(s));
}

/// Adds `blind(X)·(X^n − 1)` to `p` (degree below `n`), giving `n + blind.len()`
/// coefficients: the same values on the subgroup, and hiding ones elsewhere.
pub(crate) fn blind(mut p: Vec<Fr>, n: usize, blind: &[Fr]) -> Vec<Fr> {
    p.resize(n + blind.len(), Fr::zero());
    for (i, b) in blind.iter().enumerate() {
        p[i] -= b;
        p[n + i] += b;
    }
    p
}

/// The top `K` coefficients of a polynomial of nominal degree `deg`: `c[i]` is the
/// coefficient of `X^(deg − i)`. Sums and products of such summaries are exact in their
/// top `K` coefficients (lower coefficients of the operands only reach lower ones), which
/// is how the prover gets the quotient's highest coefficients without evaluating it on
/// a sixth coset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Top<const K: usize> {
    pub(crate) deg: usize,
    pub(crate) c: [Fr; K],
}

impl<const K: usize> Top<K> {
    /// The summary of `p` read as a polynomial of degree `deg` (missing coefficients are
    /// zero).
    pub(crate) fn of(p: &[Fr], deg: usize) -> Self {
        Top { deg, c: std::array::from_fn(|i| coefficient(p, deg, i)) }
    }

    /// `p(ω·X)`: coefficient `k` times `ωᵏ`.
    pub(crate) fn of_shifted(p: &[Fr], deg: usize, omega: Fr) -> Self {
        let mut top = Top::of(p, deg);
        let mut power = omega.pow([deg.saturating_sub(K - 1) as u64]);
        for c in top.c.iter_mut().take(deg + 1).rev() {
            *c *= power;
            power *= omega;
        }
        top
    }

    /// The constant `a`.
    pub(crate) fn constant(a: Fr) -> Self {
        Top::of(&[a], 0)
    }

    /// Coefficient of `Xᵏ`, which must lie among the top `K` or above the degree.
    fn at(&self, k: usize) -> Fr {
        match self.deg.checked_sub(k) {
            Some(i) => {
                debug_assert!(i < K, "coefficient below the summary");
                self.c.get(i).copied().unwrap_or_default()
            }
            None => Fr::zero(),
        }
    }

    pub(crate) fn add(&self, other: &Self) -> Self {
        let deg = self.deg.max(other.deg);
        Top {
            deg,
            c: std::array::from_fn(|i| match deg.checked_sub(i) {
                Some(k) => self.at(k) + other.at(k),
                None => Fr::zero(),
            }),
        }
    }

    pub(crate) fn scale(&self, a: Fr) -> Self {
        Top { deg: self.deg, c: self.c.map(|x| x * a) }
    }

    pub(crate) fn mul(&self, other: &Self) -> Self {
        Top {
            deg: self.deg + other.deg,
            c: std::array::from_fn(|i| (0..=i).map(|j| self.c[j] * other.c[i - j]).sum()),
        }
    }
}

fn coefficient(p: &[Fr], deg: usize, i: usize) -> Fr {
    deg.checked_sub(i).and_then(|k| p.get(k)).copied().unwrap_or_default()
}

/// The inverse of the Vandermonde matrix `V[j][k] = xⱼᵏ` for distinct `xⱼ` (the
/// matrices here are 5 × 5).
pub(crate) fn vandermonde_inverse(xs: &[Fr]) -> Vec<Vec<Fr>> {
    let m = xs.len();
    let a: Vec<Vec<Fr>> = xs.iter().map(|x| (0..m).map(|k| x.pow([k as u64])).collect()).collect();
    matrix_inverse(&a).expect("distinct points")
}

/// The inverse of the square matrix `a` (rows) by Gauss–Jordan elimination; `None` when
/// it is singular.
pub fn matrix_inverse(a: &[Vec<Fr>]) -> Option<Vec<Vec<Fr>>> {
    let m = a.len();
    let mut a = a.to_vec();
    let mut inv: Vec<Vec<Fr>> = (0..m)
        .map(|j| (0..m).map(|k| if j == k { Fr::one() } else { Fr::zero() }).collect())
        .collect();
    for col in 0..m {
        let pivot = (col..m).find(|&r| !a[r][col].is_zero())?;
        a.swap(col, pivot);
        inv.swap(col, pivot);
        let scale = a[col][col].inverse()?;
        a[col].iter_mut().chain(inv[col].iter_mut()).for_each(|v| *v *= scale);
        for r in (0..m).filter(|&r| r != col) {
            let f = a[r][col];
            if f.is_zero() {
                continue;
            }
            for k in 0..m {
                let (ac, ic) = (a[col][k], inv[col][k]);
                a[r][k] -= f * ac;
                inv[r][k] -= f * ic;
            }
        }
    }
    Some(inv)
}

#[cfg(test)]
mod tests {
    use ark_ff::UniformRand;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    use super::*;

    fn naive(p: &[Fr], x: Fr) -> Fr {
        p.iter().enumerate().map(|(i, c)| *c * x.pow([i as u64])).sum()
    }

    #[test]
    fn evaluate_and_fold_match_naive_evaluation() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for len in [0, 1, 5, CHUNK + 3, 3 * CHUNK] {
            let p: Vec<Fr> = (0..len).map(|_| Fr::rand(&mut rng)).collect();
            let x = Fr::rand(&mut rng);
            assert_eq!(evaluate(&p, x), naive(&p, x), "len {len}");
        }
        let n = 8;
        let p: Vec<Fr> = (0..19).map(|_| Fr::rand(&mut rng)).collect();
        let o = Fr::rand(&mut rng);
        let folded = fold(&p, n, o.pow([n as u64]));
        let omega = root_of_unity(n);
        for i in 0..n {
            let x = o * omega.pow([i as u64]);
            assert_eq!(naive(&folded, x), naive(&p, x));
        }
        assert_eq!(powers(o, 5), (0..5).map(|i| o.pow([i])).collect::<Vec<_>>());
    }

    /// The prover relies on the layer's coset NTT evaluating at `o·ωⁱ` in natural order
    /// and its inverse interpolating from there.
    #[test]
    fn accel_coset_ntt_matches_naive_evaluation() {
        use doppio_accel::{Accel, Coset, NttDirection};
        let accel = Accel::cpu().unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        for n in [8, 64] {
            let p: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let o = Fr::rand(&mut rng);
            let mut evals = p.clone();
            accel.ntt(&mut evals, NttDirection::Forward, Coset::Offset(o)).unwrap();
            let omega = root_of_unity(n);
            for (i, e) in evals.iter().enumerate() {
                assert_eq!(*e, naive(&p, o * omega.pow([i as u64])), "n {n}, i {i}");
            }
            accel.ntt(&mut evals, NttDirection::Inverse, Coset::Offset(o)).unwrap();
            assert_eq!(evals, p);
        }
    }

    #[test]
    fn top_coefficients_of_sums_and_products_match_the_full_polynomials() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let rand_poly = |rng: &mut ChaCha20Rng, len: usize| -> Vec<Fr> {
            (0..len).map(|_| Fr::rand(rng)).collect()
        };
        let product = |a: &[Fr], b: &[Fr]| -> Vec<Fr> {
            let mut out = vec![Fr::zero(); a.len() + b.len() - 1];
            for (i, x) in a.iter().enumerate() {
                for (j, y) in b.iter().enumerate() {
                    out[i + j] += *x * y;
                }
            }
            out
        };
        let (a, b, c) = (rand_poly(&mut rng, 20), rand_poly(&mut rng, 13), rand_poly(&mut rng, 3));
        let omega = root_of_unity(16);
        let shifted: Vec<Fr> =
            a.iter().enumerate().map(|(k, x)| *x * omega.pow([k as u64])).collect();
        // (a(ωX) + 3)·b + c, in full and in summaries of its top 8 coefficients.
        let mut full = shifted.clone();
        full[0] += Fr::from(3u64);
        let mut full = product(&full, &b);
        for (f, x) in full.iter_mut().zip(&c) {
            *f += x;
        }
        let top = Top::<8>::of_shifted(&a, 19, omega)
            .add(&Top::constant(Fr::from(3u64)))
            .mul(&Top::of(&b, 12))
            .add(&Top::of(&c, 2));
        assert_eq!(top.deg, 31);
        assert_eq!(top, Top::of(&full, 31));
        // A summary wider than the polynomial: everything below degree 0 is zero.
        let small = Top::<8>::of(&c, 2).mul(&Top::of(&c, 2)).scale(Fr::from(5u64));
        let expected: Vec<Fr> = product(&c, &c).iter().map(|x| *x * Fr::from(5u64)).collect();
        assert_eq!(small, Top::of(&expected, 4));
        assert_eq!(small.c[5..], [Fr::zero(); 3]);
    }

    #[test]
    fn vandermonde_inverse_inverts() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let xs: Vec<Fr> = (0..6).map(|_| Fr::rand(&mut rng)).collect();
        let inv = vandermonde_inverse(&xs);
        for (j, x) in xs.iter().enumerate() {
            for l in 0..6 {
                // (V · V⁻¹)[j][l] = Σₖ xⱼᵏ · V⁻¹[k][l]
                let entry: Fr =
                    inv.iter().enumerate().map(|(k, row)| x.pow([k as u64]) * row[l]).sum();
                assert_eq!(entry, if j == l { Fr::one() } else { Fr::zero() });
            }
        }
    }

    #[test]
    fn a_singular_matrix_has_no_inverse() {
        let singular = vec![vec![Fr::one(), Fr::from(2u64)], vec![Fr::from(2u64), Fr::from(4u64)]];
        assert!(matrix_inverse(&singular).is_none());
        let swapped = vec![vec![Fr::zero(), Fr::from(3u64)], vec![Fr::from(2u64), Fr::zero()]];
        let inv = matrix_inverse(&swapped).unwrap();
        assert_eq!(
            inv,
            vec![
                vec![Fr::zero(), Fr::from(2u64).inverse().unwrap()],
                vec![Fr::from(3u64).inverse().unwrap(), Fr::zero()]
            ]
        );
    }

    #[test]
    fn blinding_keeps_values_on_the_subgroup() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let n = 8;
        let p: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let b = [Fr::rand(&mut rng), Fr::rand(&mut rng)];
        let q = blind(p.clone(), n, &b);
        assert_eq!(q.len(), n + 2);
        let omega = root_of_unity(n);
        for i in 0..n {
            let x = omega.pow([i as u64]);
            assert_eq!(naive(&q, x), naive(&p, x));
        }
        assert_ne!(q, p);
    }
}
