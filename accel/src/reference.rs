//! Reference implementations the fast paths are tested and benchmarked against: naive
//! definitions, arkworks and blst used the plain way.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{FftField, Field, One, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use blst::{blst_p1, blst_p1_affine, blst_p2, blst_p2_affine};

use crate::{
    backend::{Coset, NttDirection},
    cpu::bls,
};

/// `Σ sᵢ·Pᵢ` one scalar multiplication at a time.
pub fn naive_msm(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    bases.iter().zip(scalars).map(|(p, s)| *p * s).sum()
}

/// arkworks' `VariableBaseMSM::msm` (the baseline our MSM is measured against).
pub fn arkworks_msm(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    G1Projective::msm(bases, scalars).expect("equal lengths")
}

fn domain(n: usize, coset: Coset) -> Radix2EvaluationDomain<Fr> {
    let d = Radix2EvaluationDomain::<Fr>::new(n).expect("power-of-two size within 2^28");
    match coset {
        Coset::None => d,
        Coset::Offset(g) => d.get_coset(g).expect("non-zero offset"),
    }
}

/// arkworks' `Radix2EvaluationDomain` transform (the NTT baseline), in place.
pub fn arkworks_ntt(values: &mut Vec<Fr>, direction: NttDirection, coset: Coset) {
    let d = domain(values.len(), coset);
    match direction {
        NttDirection::Forward => d.fft_in_place(values),
        NttDirection::Inverse => d.ifft_in_place(values),
    }
}

/// arkworks' FFT over G1 points (the EC-NTT baseline), in place.
pub fn arkworks_ec_ntt(points: &mut Vec<G1Projective>, direction: NttDirection) {
    let d = domain(points.len(), Coset::None);
    match direction {
        NttDirection::Forward => d.fft_in_place(points),
        NttDirection::Inverse => d.ifft_in_place(points),
    }
}

/// `O(n²)` DFT over any element with `Fr` scalars: `out[i] = Σ_j a_j · (g·ω^i)^j`
/// (forward) or its inverse.
pub fn naive_dft<T>(values: &[T], direction: NttDirection, coset: Coset) -> Vec<T>
where
    T: Copy + Zero + std::ops::Mul<Fr, Output = T>,
{
    let n = values.len();
    let omega = Fr::get_root_of_unity(n as u64).expect("power-of-two size");
    let g = match coset {
        Coset::None => Fr::one(),
        Coset::Offset(g) => g,
    };
    let n_inv = Fr::from(n as u64).inverse().expect("n > 0");
    (0..n)
        .map(|i| match direction {
            NttDirection::Forward => {
                let x = g * omega.pow([i as u64]);
                eval(values, x, Fr::one())
            }
            NttDirection::Inverse => {
                // a_i = n⁻¹ g⁻ⁱ Σ_j y_j ω^(-ij)
                let x = omega.inverse().expect("root").pow([i as u64]);
                let scale = n_inv * g.inverse().expect("non-zero").pow([i as u64]);
                eval(values, x, scale)
            }
        })
        .collect()
}

fn eval<T>(values: &[T], x: Fr, scale: Fr) -> T
where
    T: Copy + Zero + std::ops::Mul<Fr, Output = T>,
{
    let mut acc = T::zero();
    let mut pow = scale;
    for v in values {
        acc = acc + *v * pow;
        pow *= x;
    }
    acc
}

/// Sum of G1 points added one at a time (what blst's aggregation does).
pub fn blst_serial_sum_g1(points: &[blst_p1_affine]) -> blst_p1 {
    bls::serial_sum::<bls::G1>(points)
}

/// Sum of G2 points added one at a time.
pub fn blst_serial_sum_g2(points: &[blst_p2_affine]) -> blst_p2 {
    bls::serial_sum::<bls::G2>(points)
}

/// Normalises a batch of projective points for comparison.
pub fn to_affine(points: &[G1Projective]) -> Vec<G1Affine> {
    G1Projective::normalize_batch(points)
}
