//! All-point KZG openings with the Feist–Khovratovich method ("FK23").
//!
//! For `f` of degree `d` and any point `z`, the quotient `(f(X) − f(z))/(X − z)` has the
//! commitment `Σ_m z^m·h_m` with `h_m = Σ_{j>m} f_j·[τ^(j−m−1)]₁`, so the proofs at all
//! points of a subgroup are one EC-NTT of the vector `h`. `h` is a Toeplitz matrix (of
//! `f`'s coefficients) times the SRS powers in reverse, computed as a circulant product
//! of size `2D` (`D` the power of two above `d`): an NTT of the coefficients, a
//! point-wise scalar product with the precomputed EC-NTT of the powers, and an inverse
//! EC-NTT. All transforms run on the acceleration layer.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::Zero;
use doppio_accel::{Accel, Coset, NttDirection};

use crate::error::VidError;

/// The precomputed transform of the SRS powers for one degree.
#[derive(Debug)]
pub(crate) struct Fk23 {
    degree: usize,
    size: usize,
    /// EC-NTT of size `2D` of `[τ^(d−1)], …, [τ^0], 0, …`.
    powers_hat: Vec<G1Projective>,
}

impl Fk23 {
    /// Precomputes for polynomials of degree `degree` from `powers[..degree]`.
    pub(crate) fn new(accel: &Accel, powers: &[G1Affine], degree: usize) -> Result<Self, VidError> {
        if degree == 0 {
            return Ok(Fk23 { degree, size: 0, powers_hat: Vec::new() });
        }
        let size = 2 * degree.next_power_of_two();
        let mut v = vec![G1Projective::zero(); size];
        for (slot, p) in v.iter_mut().zip(powers[..degree].iter().rev()) {
            *slot = p.into_group();
        }
        accel.ec_ntt(&mut v, NttDirection::Forward)?;
        Ok(Fk23 { degree, size, powers_hat: v })
    }

    /// Proofs of `f` (coefficients, `degree + 1` of them) at `ω_N^i` for `i < outputs`,
    /// where `ω_N` generates the subgroup of size `domain` (a power of two `≥ D`).
    pub(crate) fn open_all(
        &self,
        accel: &Accel,
        coeffs: &[Fr],
        domain: usize,
        outputs: usize,
    ) -> Result<Vec<G1Affine>, VidError> {
        debug_assert_eq!(coeffs.len(), self.degree + 1);
        if self.degree == 0 {
            // A constant's quotients are zero.
            return Ok(vec![G1Affine::identity(); outputs]);
        }
        let h = self.toeplitz(accel, coeffs)?;
        let mut h: Vec<G1Projective> = h.into_iter().take(self.size / 2).collect();
        h.resize(domain, G1Projective::zero());
        accel.ec_ntt(&mut h, NttDirection::Forward)?;
        h.truncate(outputs);
        Ok(G1Projective::normalize_batch(&h))
    }

    /// `h = T·R` through the circulant embedding; its first `D` entries are meaningful.
    fn toeplitz(&self, accel: &Accel, f: &[Fr]) -> Result<Vec<G1Projective>, VidError> {
        let (d, size) = (self.degree, self.size);
        // First column of the circulant: c_0 = f_d, c_(2D−s) = f_(d−s) for 1 ≤ s < D.
        let mut c = vec![Fr::zero(); size];
        c[0] = f[d];
        for s in 1..size / 2 {
            if s <= d {
                c[size - s] = f[d - s];
            }
        }
        accel.ntt(&mut c, NttDirection::Forward, Coset::None)?;
        let mut y: Vec<G1Projective> =
            accel.cpu_parallelism(|par| par.map(size, |i| self.powers_hat[i] * c[i]));
        accel.ec_ntt(&mut y, NttDirection::Inverse)?;
        Ok(y)
    }
}
