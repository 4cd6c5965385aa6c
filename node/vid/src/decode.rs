//! Reed–Solomon erasure decoding with NTTs.
//!
//! Known: the values of polynomials of degree `< k` at `k` points `ω^i, i ∈ S`, of the
//! subgroup `H` of size `N`. With `Z(X) = Π_{i ∉ S} (X − ω^i)` (vanishing on the missing
//! points), `E = p·Z` has degree `< N` and is known on all of `H`: `p(ω^i)·Z(ω^i)` on
//! `S`, zero elsewhere. One inverse NTT gives `E`; on a coset `gH`, where `Z` has no
//! root, `p = E / Z` point-wise, and an inverse coset NTT gives `p`'s coefficients.
//! Three NTTs of size `N` per polynomial instead of `O(k²)` Lagrange interpolation; `Z`
//! is built once per set of shares with a product tree.

use ark_bn254::Fr;
use ark_ff::{FftField, Field, One, Zero, batch_inversion};
use ark_poly::{DenseUVPolynomial, univariate::DensePolynomial};
use doppio_accel::{Accel, Coset, NttDirection};

use crate::error::VidError;

/// What is shared by every polynomial decoded from one set of share positions.
pub(crate) struct Decoder {
    domain: usize,
    positions: Vec<usize>,
    /// `Z(ω^i)` for each known position.
    z_known: Vec<Fr>,
    /// `1 / Z(g·ω^i)` for every `i < N`.
    z_coset_inv: Vec<Fr>,
    offset: Fr,
}

impl Decoder {
    /// A decoder for values known at `ω_N^i` for the distinct `positions` (`< N`).
    pub(crate) fn new(accel: &Accel, domain: usize, positions: &[usize]) -> Result<Self, VidError> {
        let omega = Fr::get_root_of_unity(domain as u64).expect("2-adicity 28 covers the domain");
        let mut known = vec![false; domain];
        for &i in positions {
            known[i] = true;
        }
        let roots: Vec<Fr> =
            (0..domain).filter(|&i| !known[i]).map(|i| omega.pow([i as u64])).collect();
        let z = vanishing(&roots);
        let mut on_h = z.coeffs.clone();
        on_h.resize(domain, Fr::zero());
        let mut on_coset = on_h.clone();
        accel.ntt(&mut on_h, NttDirection::Forward, Coset::None)?;
        let offset = Fr::GENERATOR;
        accel.ntt(&mut on_coset, NttDirection::Forward, Coset::Offset(offset))?;
        batch_inversion(&mut on_coset);
        Ok(Decoder {
            domain,
            positions: positions.to_vec(),
            z_known: positions.iter().map(|&i| on_h[i]).collect(),
            z_coset_inv: on_coset,
            offset,
        })
    }

    /// Coefficients (`k` of them, `k` = number of positions) of every polynomial whose
    /// values at the positions are `values[j]`.
    pub(crate) fn decode(
        &self,
        accel: &Accel,
        values: &[Vec<Fr>],
    ) -> Result<Vec<Vec<Fr>>, VidError> {
        let k = self.positions.len();
        let mut work: Vec<Vec<Fr>> = accel.cpu_parallelism(|par| {
            par.map(values.len(), |j| {
                let mut e = vec![Fr::zero(); self.domain];
                for ((&i, y), z) in self.positions.iter().zip(&values[j]).zip(&self.z_known) {
                    e[i] = *y * z;
                }
                e
            })
        });
        let mut refs: Vec<&mut [Fr]> = work.iter_mut().map(|v| v.as_mut_slice()).collect();
        accel.ntt_batch(&mut refs, NttDirection::Inverse, Coset::None)?;
        accel.ntt_batch(&mut refs, NttDirection::Forward, Coset::Offset(self.offset))?;
        accel.cpu_parallelism(|par| {
            par.for_each_mut(&mut refs, |v| {
                for (x, zi) in v.iter_mut().zip(&self.z_coset_inv) {
                    *x *= zi;
                }
            })
        });
        accel.ntt_batch(&mut refs, NttDirection::Inverse, Coset::Offset(self.offset))?;
        for v in &mut work {
            v.truncate(k);
        }
        Ok(work)
    }
}

/// `Π (X − r)` over `roots`, by a product tree (FFT multiplication for large halves).
fn vanishing(roots: &[Fr]) -> DensePolynomial<Fr> {
    match roots {
        [] => DensePolynomial::from_coefficients_vec(vec![Fr::one()]),
        [r] => DensePolynomial::from_coefficients_vec(vec![-*r, Fr::one()]),
        _ => {
            let (a, b) = roots.split_at(roots.len() / 2);
            &vanishing(a) * &vanishing(b)
        }
    }
}
