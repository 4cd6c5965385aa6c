//! Poseidon's partial rounds with sparse matrices (the Poseidon paper, appendix B), for
//! the circuit gadget: the same permutation, with most of each partial round's linear
//! layer moved out of the rounds.
//!
//! Write the MDS matrix as `M = [[m₀₀, rᵀ], [c, M̂]]` (`M̂` the lower right
//! `(t − 1) × (t − 1)` block). A partial round `s ← M·σ₀(s + Cᵢ)` (`σ₀` the S-box on
//! element 0 alone) commutes with `P = diag(1, P̂)`: `σ₀(P·v) = P·σ₀(v)`. With the
//! state kept as `s = Pᵢ·u`, `Pᵢ = diag(1, M̂ⁱ)`, round `i + 1` is
//!
//! ```text
//! v = u + Pᵢ⁻¹·Cᵢ₊₁,   y = (v₀)⁵,
//! u₀ ← m₀₀·y + rᵀM̂ⁱ · v₁..,   uⱼ ← vⱼ + (M̂⁻⁽ⁱ⁺¹⁾c)ⱼ · y   (j ≥ 1)
//! ```
//!
//! because `M·Pᵢ = Pᵢ₊₁·[[m₀₀, rᵀM̂ⁱ], [M̂⁻⁽ⁱ⁺¹⁾c, I]]`. Elements `1 … t − 1` change by
//! a multiple of `y` only, so the gadget keeps them as linear combinations and
//! materialises one element per round. After the last partial round, `s = P_R·u`.
//! `M̂` is a square submatrix of a Cauchy matrix, hence invertible.

use ark_bn254::Fr;
use ark_ff::{One, Zero};
use doppio_plonk::matrix_inverse;

/// One partial round in the transformed basis.
pub(crate) struct SparseRound {
    /// `Pᵢ⁻¹·Cᵢ₊₁`: the round's constants, transformed (element 0 unchanged).
    pub(crate) constants: Vec<Fr>,
    /// `rᵀM̂ⁱ`: the new element 0's coefficients of `v₁ … v_{t−1}`.
    pub(crate) row: Vec<Fr>,
    /// `M̂⁻⁽ⁱ⁺¹⁾c`: the coefficients of `y` added to elements `1 … t − 1`.
    pub(crate) column: Vec<Fr>,
}

/// The partial rounds of one width in the transformed basis.
pub(crate) struct SparsePlan {
    /// `m₀₀`.
    pub(crate) corner: Fr,
    /// One entry per partial round.
    pub(crate) rounds: Vec<SparseRound>,
    /// `M̂^R` (`R` partial rounds): `s = diag(1, M̂^R)·u` after the last round.
    pub(crate) back: Vec<Vec<Fr>>,
}

fn mat_mul(a: &[Vec<Fr>], b: &[Vec<Fr>]) -> Vec<Vec<Fr>> {
    let n = b.len();
    a.iter()
        .map(|row| (0..b[0].len()).map(|j| (0..n).map(|k| row[k] * b[k][j]).sum()).collect())
        .collect()
}

fn mat_vec(a: &[Vec<Fr>], v: &[Fr]) -> Vec<Fr> {
    a.iter().map(|row| row.iter().zip(v).map(|(x, y)| *x * y).sum()).collect()
}

fn vec_mat(v: &[Fr], a: &[Vec<Fr>]) -> Vec<Fr> {
    (0..a[0].len()).map(|j| v.iter().zip(a).map(|(x, row)| *x * row[j]).sum()).collect()
}

fn identity(n: usize) -> Vec<Vec<Fr>> {
    (0..n).map(|i| (0..n).map(|j| if i == j { Fr::one() } else { Fr::zero() }).collect()).collect()
}

impl SparsePlan {
    /// The plan for MDS matrix `mds` (`t × t`, row major) and the partial rounds'
    /// constants `constants[i]` (`t` each, in round order).
    pub(crate) fn new(mds: &[Vec<Fr>], constants: &[&[Fr]]) -> SparsePlan {
        let t = mds.len();
        let hat: Vec<Vec<Fr>> = mds[1..].iter().map(|row| row[1..].to_vec()).collect();
        let hat_inv =
            matrix_inverse(&hat).expect("a Cauchy MDS matrix's submatrices are invertible");
        let r = mds[0][1..].to_vec();
        let c: Vec<Fr> = mds[1..].iter().map(|row| row[0]).collect();
        // Pᵢ⁻¹'s block M̂⁻ⁱ, rᵀM̂ⁱ and M̂ⁱ, starting at i = 0.
        let (mut p_inv, mut row, mut power) = (identity(t - 1), r, identity(t - 1));
        let mut rounds = Vec::with_capacity(constants.len());
        for k in constants {
            let mut transformed = vec![k[0]];
            transformed.extend(mat_vec(&p_inv, &k[1..]));
            p_inv = mat_mul(&hat_inv, &p_inv);
            rounds.push(SparseRound {
                constants: transformed,
                row: row.clone(),
                column: mat_vec(&p_inv, &c),
            });
            row = vec_mat(&row, &hat);
            power = mat_mul(&hat, &power);
        }
        SparsePlan { corner: mds[0][0], rounds, back: power }
    }

    /// The partial rounds applied to `state` natively, through the transformed basis
    /// (for tests against the plain permutation).
    #[cfg(test)]
    pub(crate) fn apply(&self, state: &mut [Fr]) {
        use ark_ff::Field;
        let mut u = state.to_vec();
        for round in &self.rounds {
            let v: Vec<Fr> = u.iter().zip(&round.constants).map(|(a, b)| *a + b).collect();
            let y = v[0].square().square() * v[0];
            u[0] = self.corner * y + round.row.iter().zip(&v[1..]).map(|(a, b)| *a * b).sum::<Fr>();
            for j in 1..u.len() {
                u[j] = v[j] + round.column[j - 1] * y;
            }
        }
        state[0] = u[0];
        let rest = mat_vec(&self.back, &u[1..]);
        state[1..].copy_from_slice(&rest);
    }
}

#[cfg(test)]
mod tests {
    use ark_ff::{Field, UniformRand};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    use super::*;
    use crate::poseidon::{FULL_ROUNDS, MAX_INPUTS, PARTIAL_ROUNDS, parameters, sparse_plan};

    /// The partial rounds as the permutation runs them.
    fn plain(state: &mut [Fr], rc: &[Fr], mds: &[Vec<Fr>], partial: usize) {
        let t = state.len();
        for round in FULL_ROUNDS / 2..FULL_ROUNDS / 2 + partial {
            state.iter_mut().enumerate().for_each(|(i, s)| *s += rc[round * t + i]);
            state[0] = state[0].square().square() * state[0];
            let next = mat_vec(mds, state);
            state.copy_from_slice(&next);
        }
    }

    #[test]
    fn the_sparse_rounds_equal_the_plain_ones_for_every_width() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        for t in 2..=MAX_INPUTS + 1 {
            let (rc, mds) = parameters(t);
            let partial = PARTIAL_ROUNDS[t - 2];
            // The gadget's plan, built once per width from the same constants.
            let plan = sparse_plan(t);
            let start: Vec<Fr> = (0..t).map(|_| Fr::rand(&mut rng)).collect();
            let (mut a, mut b) = (start.clone(), start);
            plain(&mut a, rc, mds, partial);
            plan.apply(&mut b);
            assert_eq!(a, b, "t = {t}");
        }
    }

    #[test]
    fn the_mds_matrix_is_inverted() {
        let (_, mds) = parameters(9);
        let inv = matrix_inverse(mds).unwrap();
        assert_eq!(mat_mul(mds, &inv), identity(9));
    }
}
