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

/// The inverse of the Vandermonde matrix `V[j][k] = xⱼᵏ` for distinct `xⱼ` (the
/// matrices here are 6 × 6).
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
