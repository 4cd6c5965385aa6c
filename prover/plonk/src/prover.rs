//! The prover: five rounds, every NTT and MSM on the acceleration layer.
//!
//! Memory: the quotient is evaluated on five cosets `g·ζʲ·H` of size `n` (`ζ` of order
//! `8n`), one at a time, so only one coset's worth of evaluations (up to 25 vectors of
//! `n`) and the `5n` quotient values are alive at once; a `2^20`-row circuit peaks at
//! about 2.5 GiB.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{FftField, Field, One, UniformRand, Zero, batch_inversion};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use doppio_accel::{
    Accel, Coset, NttDirection,
    lanes::{Fr8, FrLanes},
};
use doppio_kzg::{CommitKey, divide_by_linear};
use rand::RngCore;
use rayon::prelude::*;

use crate::{
    circuit::{Circuit, NUM_SELECTORS, NUM_WIRES, SELECTOR_ECC, SELECTOR_HASH, gate_value},
    error::PlonkError,
    keys::ProvingKey,
    poly::{Top, blind, copy, evaluate, fold_into, powers, root_of_unity, vandermonde_inverse},
    transcript::Transcript,
};

/// Coefficients of the quotient `t` for a domain of `n` rows: its numerator has degree
/// `6n + 7` (`z` of degree `n + 2` times five wires of degree `n + 1`), so `t` has degree
/// `5n + 7`.
pub const fn quotient_len(n: usize) -> usize {
    5 * n + 8
}

/// Where the quotient is cut: `t = t_lo + X^s·t_hi` with `s = (5n + 8)/2` (`n` is a
/// power of two, at least 8), so both pieces have `s` coefficients before blinding.
pub const fn quotient_split(n: usize) -> usize {
    quotient_len(n) / 2
}

/// The largest degree the SRS must commit to for a domain of `n` rows: the blinded low
/// piece of the quotient, `t_lo + b·X^s`, has degree `s = (5n + 8)/2`, so the SRS holds
/// `5n/2 + 5` powers.
pub const fn srs_degree(n: usize) -> usize {
    quotient_split(n)
}

/// Cosets of size `n` the quotient is evaluated on. Its degree is `5n + 7`: five cosets
/// give its coefficients below `5n` once the [`QUOTIENT_TOP`] above are known.
pub(crate) const QUOTIENT_COSETS: usize = 5;

/// The quotient's coefficients from `5n` up, `quotient_len(n) − 5n`.
const QUOTIENT_TOP: usize = 8;

/// A proof: commitments of rounds 1–3, evaluations of round 4, openings of round 5.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Proof {
    /// Commitments to the wire polynomials `w₀ … w₄`.
    pub wire_comms: [G1Affine; NUM_WIRES],
    /// Commitment to the permutation product `z`.
    pub z_comm: G1Affine,
    /// Commitments to the quotient's two pieces, `t_lo + b·X^s` and `t_hi − b`
    /// ([`quotient_split`]).
    pub quotient_comms: [G1Affine; 2],
    /// `wⱼ(ζ)`.
    pub wire_evals: [Fr; NUM_WIRES],
    /// `σⱼ(ζ)` for `j < 4`.
    pub sigma_evals: [Fr; NUM_WIRES - 1],
    /// `z(ζω)`.
    pub z_shift_eval: Fr,
    /// Opening at `ζ` of the linearisation, wires and `σ₀ … σ₃`, batched with powers of `v`.
    pub opening: G1Affine,
    /// Opening of `z` at `ζω`.
    pub shift_opening: G1Affine,
}

/// The scalars shared by prover and verifier once `ζ` and the evaluations are known.
pub(crate) struct Linearisation {
    /// Multipliers of the nine selector polynomials.
    pub(crate) selectors: [Fr; NUM_SELECTORS],
    /// Multiplier of `z`.
    pub(crate) z: Fr,
    /// Multiplier of `σ₄`.
    pub(crate) sigma_last: Fr,
    /// Multipliers of the quotient's pieces: `−Z_H(ζ)` and `−Z_H(ζ)·ζ^s`.
    pub(crate) quotient: [Fr; 2],
    /// `Π_{j<4} (w̄ⱼ + β·σ̄ⱼ + γ)`.
    pub(crate) sigma_product: Fr,
}

/// Challenges `β, γ, α, ζ`.
#[derive(Clone, Copy)]
pub(crate) struct Challenges {
    pub(crate) beta: Fr,
    pub(crate) gamma: Fr,
    pub(crate) alpha: Fr,
    pub(crate) zeta: Fr,
}

/// Computes the linearisation scalars (see the crate README for the polynomial).
pub(crate) fn linearisation(
    n: usize,
    k: &[Fr; NUM_WIRES],
    ch: &Challenges,
    w: &[Fr; NUM_WIRES],
    sigma: &[Fr; NUM_WIRES - 1],
    z_shift: Fr,
    l0: Fr,
) -> Linearisation {
    let Challenges { beta, gamma, alpha, zeta } = *ch;
    let fifth = |x: Fr| x.square().square() * x;
    let selectors = [
        w[0],
        w[1],
        w[2],
        w[3],
        w[0] * w[1],
        w[2] * w[3],
        fifth(w[0]),
        Fr::one(),
        w[0] * w[1] * w[2] * w[3] * w[4],
    ];
    let id_product: Fr = (0..NUM_WIRES).map(|j| w[j] + beta * k[j] * zeta + gamma).product();
    let sigma_product: Fr = (0..NUM_WIRES - 1).map(|j| w[j] + beta * sigma[j] + gamma).product();
    let low = Fr::one() - zeta.pow([n as u64]);
    let quotient = [low, low * zeta.pow([quotient_split(n) as u64])];
    Linearisation {
        selectors,
        z: alpha * id_product + alpha.square() * l0,
        sigma_last: -alpha * beta * z_shift * sigma_product,
        quotient,
        sigma_product,
    }
}

/// Proves that `circuit`'s witness satisfies it, for the key made from the same circuit.
///
/// The witness is checked first ([`Circuit::check_satisfied`]), so an unsatisfied
/// circuit is a typed error naming the gate, not an invalid proof.
pub fn prove<R: RngCore>(
    accel: &Accel,
    pk: &ProvingKey,
    circuit: &Circuit,
    rng: &mut R,
) -> Result<Proof, PlonkError> {
    let n = pk.check_shape()?;
    if circuit.domain_size() != n {
        return Err(PlonkError::KeyMismatch {
            what: "the domain size",
            circuit: circuit.domain_size(),
            key: n,
        });
    }
    let inputs = circuit.public_inputs();
    let key_inputs = pk.vk.num_inputs as usize;
    if inputs.len() != key_inputs {
        return Err(PlonkError::KeyMismatch {
            what: "the public input count",
            circuit: inputs.len(),
            key: key_inputs,
        });
    }
    circuit.check_satisfied()?;
    Prover::new(accel, pk, circuit, n).run(&inputs, rng)
}

struct Prover<'a> {
    accel: &'a Accel,
    pk: &'a ProvingKey,
    circuit: &'a Circuit,
    ck: &'a CommitKey,
    n: usize,
    omega: Fr,
    omega_powers: Vec<Fr>,
}

fn random_vec<R: RngCore>(rng: &mut R, len: usize) -> Vec<Fr> {
    (0..len).map(|_| Fr::rand(rng)).collect()
}

fn as_refs(polys: &[Vec<Fr>]) -> Vec<&[Fr]> {
    polys.iter().map(|p| p.as_slice()).collect()
}

fn as_muts(polys: &mut [Vec<Fr>]) -> Vec<&mut [Fr]> {
    polys.iter_mut().map(|p| p.as_mut_slice()).collect()
}

impl<'a> Prover<'a> {
    fn new(accel: &'a Accel, pk: &'a ProvingKey, circuit: &'a Circuit, n: usize) -> Self {
        let omega = root_of_unity(n);
        let ck = pk.commit_key(accel);
        Prover { accel, pk, circuit, ck, n, omega, omega_powers: powers(omega, n) }
    }

    fn run<R: RngCore>(&self, inputs: &[Fr], rng: &mut R) -> Result<Proof, PlonkError> {
        let n = self.n;
        let mut transcript = Transcript::new(self.pk.vk.digest());
        transcript.append_fields(inputs);

        let mut clock = RoundClock::new();
        // Round 1: wire polynomials, blinded to degree n + 1.
        let wire_evals = self.wire_evaluations();
        let blinds: Vec<Vec<Fr>> = (0..NUM_WIRES).map(|_| random_vec(rng, 2)).collect();
        // Over the Lagrange basis the commitments come from the values, about half of
        // them zero or small, before the transform.
        let by_values = match self.pk.lagrange_key(self.accel) {
            Some(key) => Some(self.commit_blinded_values(key, &wire_evals, &blinds)?),
            None => None,
        };
        // Room for the blinding's two coefficients, so that `blind` does not reallocate.
        let mut wires: Vec<Vec<Fr>> = wire_evals
            .iter()
            .map(|e| {
                let mut w = Vec::with_capacity(n + 2);
                w.extend_from_slice(e);
                w
            })
            .collect();
        self.accel.ntt_batch(&mut as_muts(&mut wires), NttDirection::Inverse, Coset::None)?;
        let wires: Vec<Vec<Fr>> =
            wires.into_iter().zip(&blinds).map(|(w, b)| blind(w, n, b)).collect();
        let wire_comms = match by_values {
            Some(comms) => comms,
            None => self.ck.commit_batch(self.accel, &as_refs(&wires))?,
        };
        transcript.append_points(&wire_comms);
        let beta = transcript.challenge();
        let gamma = transcript.challenge();

        clock.lap();
        // Round 2: the permutation product, blinded to degree n + 2.
        let mut z = self.permutation_product(&wire_evals, beta, gamma)?;
        drop(wire_evals);
        self.accel.ntt(&mut z, NttDirection::Inverse, Coset::None)?;
        let z = blind(z, n, &random_vec(rng, 3));
        let z_comm = self.ck.commit(self.accel, &z)?;
        transcript.append_point(&z_comm);
        let alpha = transcript.challenge();

        clock.lap();
        // Round 3: the quotient in two pieces, t = t_lo + X^s·t_hi, blinded as
        // (t_lo + b·X^s, t_hi − b) so that the pieces alone reveal nothing.
        let mut pi = vec![Fr::zero(); n];
        pi[..inputs.len()].copy_from_slice(inputs);
        self.accel.ntt(&mut pi, NttDirection::Inverse, Coset::None)?;
        let ch = Challenges { beta, gamma, alpha, zeta: Fr::zero() };
        let t = split_quotient(self.quotient(&wires, &z, &pi, &ch)?, n, Fr::rand(rng));
        let quotient_comms = self.ck.commit_batch(self.accel, &as_refs(&t))?;
        transcript.append_points(&quotient_comms);
        let zeta = transcript.challenge();
        let ch = Challenges { zeta, ..ch };

        clock.lap();
        // Round 4: evaluations.
        let mut at_zeta: Vec<&[Fr]> = as_refs(&wires);
        at_zeta.extend(self.pk.sigmas[..NUM_WIRES - 1].iter().map(|s| s.as_slice()));
        let evals: Vec<Fr> = at_zeta.par_iter().map(|p| evaluate(p, zeta)).collect();
        let wire_evals: [Fr; NUM_WIRES] = evals[..NUM_WIRES].try_into().expect("5 wires");
        let sigma_evals: [Fr; NUM_WIRES - 1] = evals[NUM_WIRES..].try_into().expect("4 sigmas");
        let z_shift_eval = evaluate(&z, zeta * self.omega);
        transcript.append_fields(&evals);
        transcript.append_field(&z_shift_eval);
        let v = transcript.challenge();

        clock.lap();
        // Round 5: openings.
        let l0 = lagrange_first(n, zeta);
        let lin = linearisation(n, &self.pk.vk.k, &ch, &wire_evals, &sigma_evals, z_shift_eval, l0);
        let mut combined = self.linearisation_poly(&lin, &z, [&t[0], &t[1]]);
        let mut power = Fr::one();
        for p in at_zeta {
            power *= v;
            combined.par_iter_mut().zip(p.par_iter()).for_each(|(c, x)| *c += power * x);
        }
        let (w_zeta, _) = divide_by_linear(&combined, zeta);
        let (w_shift, _) = divide_by_linear(&z, zeta * self.omega);
        let openings = self.ck.commit_batch(self.accel, &[&w_zeta, &w_shift])?;
        clock.lap();
        tracing::debug!(n, rounds_ms = ?clock.laps_ms(), "plonk proof");
        Ok(Proof {
            wire_comms: wire_comms.try_into().expect("5 wire commitments"),
            z_comm,
            quotient_comms: quotient_comms.try_into().expect("2 quotient pieces"),
            wire_evals,
            sigma_evals,
            z_shift_eval,
            opening: openings[0],
            shift_opening: openings[1],
        })
    }

    /// The commitments to the wires blinded as [`blind`] does, from their values on the
    /// domain: `Σᵢ vᵢ·[Lᵢ(τ)]₁ + Σₖ bₖ·([τ^(n+k)]₁ − [τ^k]₁)`, since `blind` adds
    /// `(b₀ + b₁X)·(Xⁿ − 1)`.
    fn commit_blinded_values(
        &self,
        lagrange: &CommitKey,
        values: &[Vec<Fr>],
        blinds: &[Vec<Fr>],
    ) -> Result<Vec<G1Affine>, PlonkError> {
        let n = self.n;
        let sums = lagrange.commit_batch(self.accel, &as_refs(values))?;
        let powers = self.ck.powers();
        let vanishing: Vec<G1Projective> =
            (0..2).map(|k| powers[n + k].into_group() - powers[k]).collect();
        let blinded: Vec<G1Projective> = sums
            .into_iter()
            .zip(blinds)
            .map(|(sum, b)| sum + vanishing[0] * b[0] + vanishing[1] * b[1])
            .collect();
        Ok(G1Projective::normalize_batch(&blinded))
    }

    /// The witness value on every wire of every row.
    fn wire_evaluations(&self) -> Vec<Vec<Fr>> {
        let values = self.circuit.values();
        (0..NUM_WIRES)
            .map(|j| {
                (0..self.n).into_par_iter().map(|i| values[self.circuit.wires(i)[j].0]).collect()
            })
            .collect()
    }

    /// `z(ω⁰) = 1`, `z(ωⁱ⁺¹) = z(ωⁱ)·Πⱼ (wⱼ + β·kⱼ·ωⁱ + γ) / (wⱼ + β·σⱼ(ωⁱ) + γ)`.
    fn permutation_product(
        &self,
        wires: &[Vec<Fr>],
        beta: Fr,
        gamma: Fr,
    ) -> Result<Vec<Fr>, PlonkError> {
        let n = self.n;
        let computed;
        let sigmas = match self.pk.coset_cache.get() {
            Some(cache) => &cache.sigma_values,
            None => {
                computed = self.pk.sigma_values(self.accel)?;
                &computed
            }
        };
        let k = self.pk.vk.k;
        let (num, mut den): (Vec<Fr>, Vec<Fr>) = (0..n)
            .into_par_iter()
            .map(|i| {
                let x = self.omega_powers[i];
                (0..NUM_WIRES).fold((Fr::one(), Fr::one()), |(a, b), j| {
                    let w = wires[j][i] + gamma;
                    (a * (w + beta * k[j] * x), b * (w + beta * sigmas[j][i]))
                })
            })
            .unzip();
        batch_inversion(&mut den);
        // Room for the blinding's three coefficients.
        let mut z = Vec::with_capacity(n + 3);
        z.resize(n, Fr::one());
        for i in 0..n - 1 {
            z[i + 1] = z[i] * num[i] * den[i];
        }
        debug_assert_eq!(z[n - 1] * num[n - 1] * den[n - 1], Fr::one(), "copy constraints hold");
        Ok(z)
    }

    /// The quotient's [`quotient_len`] coefficients.
    ///
    /// `t` has degree `5n + 7`. An inverse NTT of its values on coset `oⱼ·H` gives
    /// `t mod (Xⁿ − cⱼ) = Σₖ cⱼᵏ·tₖ` (`cⱼ = oⱼⁿ`, `tₖ` the `k`-th block of `n`
    /// coefficients). The last block `t₅` holds only the top [`QUOTIENT_TOP`]
    /// coefficients, which [`Prover::quotient_top`] gets from the top coefficients of
    /// the numerator's factors; with `cⱼ⁵·t₅` taken off, five cosets and the `5 × 5`
    /// Vandermonde system in the `cⱼ` give the other blocks back. Five cosets of size
    /// `n` instead of the usual `8n`-point coset.
    fn quotient(
        &self,
        wires: &[Vec<Fr>],
        z: &[Fr],
        pi: &[Fr],
        ch: &Challenges,
    ) -> Result<Vec<Fr>, PlonkError> {
        let n = self.n;
        let step = root_of_unity(8 * n);
        let offsets: Vec<Fr> =
            (0..QUOTIENT_COSETS as u64).map(|j| Fr::GENERATOR * step.pow([j])).collect();
        let cache = self.pk.coset_cache.get();
        let active = match cache {
            Some(c) => c.active.clone(),
            None => self.pk.active_selectors(),
        };
        let mut blocks = vec![vec![Fr::zero(); n]; QUOTIENT_COSETS];
        // 5 wires, z, PI; then 5 σ and the active selectors unless cached. One buffer
        // each, reused from coset to coset.
        let mut dynamic: Vec<Vec<Fr>> = (0..7).map(|_| vec![Fr::zero(); n]).collect();
        let fixed_count = if cache.is_some() { 0 } else { NUM_WIRES + active.len() };
        let mut fixed: Vec<Vec<Fr>> = (0..fixed_count).map(|_| vec![Fr::zero(); n]).collect();
        for (j, (&offset, block)) in offsets.iter().zip(blocks.iter_mut()).enumerate() {
            let c = offset.pow([n as u64]);
            let sources = wires.iter().map(|w| w.as_slice()).chain([z]);
            for (buf, p) in dynamic.iter_mut().zip(sources) {
                fold_into(buf, p, c);
            }
            copy(&mut dynamic[6], pi);
            self.pk.fill_fixed(&mut fixed, &active);
            let mut batch = as_muts(&mut dynamic);
            batch.extend(as_muts(&mut fixed));
            self.accel.ntt_batch(&mut batch, NttDirection::Forward, Coset::Offset(offset))?;
            let fixed_views = match cache {
                Some(cache) => as_refs(&cache.cosets[j]),
                None => as_refs(&fixed),
            };
            let mut views = as_refs(&dynamic[..6]);
            views.extend_from_slice(&fixed_views[..NUM_WIRES]);
            views.push(&dynamic[6]);
            views.extend_from_slice(&fixed_views[NUM_WIRES..]);
            let evals = CosetEvals::new(views, &active, offset, c, n, &self.omega_powers);
            evals.fill(block, &self.pk.vk.k, ch);
            self.accel.ntt(block, NttDirection::Inverse, Coset::Offset(offset))?;
        }
        drop((dynamic, fixed));
        let top = self.quotient_top(wires, z, ch);
        let cs: Vec<Fr> = offsets.iter().map(|o| o.pow([n as u64])).collect();
        for (block, c) in blocks.iter_mut().zip(&cs) {
            let c5 = c.pow([QUOTIENT_COSETS as u64]);
            block.iter_mut().zip(&top).for_each(|(b, t)| *b -= c5 * t);
        }
        let inv = vandermonde_inverse(&cs);
        let mut t = vec![Fr::zero(); QUOTIENT_COSETS * n];
        t.par_chunks_mut(n).zip(inv.par_iter()).for_each(|(tk, row)| {
            for (j, block) in blocks.iter().enumerate() {
                tk.iter_mut().zip(block).for_each(|(t, f)| *t += row[j] * f);
            }
        });
        t.extend_from_slice(&top);
        debug_assert_eq!(t.len(), quotient_len(n));
        Ok(t)
    }

    /// `t`'s coefficients of `X^(5n)` … `X^(5n + 7)`. `t·(Xⁿ − 1)` is the numerator `N`
    /// and `t` stops below `6n`, so these are `N`'s coefficients of `X^(6n)` and up. Only
    /// the permutation terms (degree `6n + 7`: `z` of degree `n + 2` times five wires of
    /// degree `n + 1`) and the gate's `q_hash·w₀⁵` and `q_ecc·w₀…w₄` (degree `6n + 4`)
    /// reach that high, and the top coefficients of a product depend only on the top
    /// coefficients of its factors.
    fn quotient_top(&self, wires: &[Vec<Fr>], z: &[Fr], ch: &Challenges) -> [Fr; QUOTIENT_TOP] {
        type T = Top<QUOTIENT_TOP>;
        let n = self.n;
        let w: Vec<T> = wires.iter().map(|p| T::of(p, n + 1)).collect();
        let gamma = T::constant(ch.gamma);
        let (mut num, mut den) = (T::of(z, n + 2), T::of_shifted(z, n + 2, self.omega));
        for (wj, sigma) in w.iter().zip(&self.pk.sigmas) {
            // β·kⱼ·X sits far below the top (n ≥ 8), as does every constant.
            num = num.mul(&wj.add(&gamma));
            den = den.mul(&wj.add(&T::of(sigma, n - 1).scale(ch.beta)).add(&gamma));
        }
        let q = |s: usize| T::of(&self.pk.selectors[s], n - 1);
        let fifth = w[0].mul(&w[0]).mul(&w[0]).mul(&w[0]).mul(&w[0]);
        let product = w.iter().skip(1).fold(w[0], |acc, p| acc.mul(p));
        let gate = q(SELECTOR_HASH).mul(&fifth).add(&q(SELECTOR_ECC).mul(&product));
        let numerator = gate.add(&num.add(&den.scale(-Fr::one())).scale(ch.alpha));
        debug_assert_eq!(numerator.deg, quotient_len(n) - 1 + n);
        // c[i] is the coefficient of X^(6n + 7 − i) = t's of X^(5n + 7 − i).
        let mut top = numerator.c;
        top.reverse();
        top
    }

    /// `r(X)`: selectors, `z`, `σ₄` and the quotient's pieces with the linearisation
    /// scalars.
    fn linearisation_poly(&self, lin: &Linearisation, z: &[Fr], t: [&[Fr]; 2]) -> Vec<Fr> {
        let mut r = vec![Fr::zero(); srs_degree(self.n) + 1];
        let mut terms: Vec<(Fr, &[Fr])> = lin
            .selectors
            .iter()
            .copied()
            .zip(self.pk.selectors.iter().map(|s| s.as_slice()))
            .collect();
        terms.push((lin.z, z));
        terms.push((lin.sigma_last, &self.pk.sigmas[NUM_WIRES - 1]));
        terms.push((lin.quotient[0], t[0]));
        terms.push((lin.quotient[1], t[1]));
        r.par_iter_mut().enumerate().for_each(|(i, out)| {
            *out = terms.iter().filter_map(|(s, p)| p.get(i).map(|c| *s * c)).sum();
        });
        r
    }
}

/// Cuts the quotient's [`quotient_len`] coefficients into `t_lo + b·X^s` (`s + 1`
/// coefficients) and `t_hi − b` (`s`), `s` = [`quotient_split`].
fn split_quotient(mut t: Vec<Fr>, n: usize, b: Fr) -> [Vec<Fr>; 2] {
    let s = quotient_split(n);
    let mut high = t.split_off(s);
    t.push(b);
    high[0] -= b;
    [t, high]
}

/// Time spent in each prover round, for the debug log.
struct RoundClock {
    last: std::time::Instant,
    laps: Vec<std::time::Duration>,
}

impl RoundClock {
    fn new() -> Self {
        RoundClock { last: std::time::Instant::now(), laps: Vec::new() }
    }

    fn lap(&mut self) {
        let now = std::time::Instant::now();
        self.laps.push(now - self.last);
        self.last = now;
    }

    fn laps_ms(&self) -> Vec<u128> {
        self.laps.iter().map(|d| d.as_millis()).collect()
    }
}

/// The quotient's coset offsets `5·ζʲ`, `ζ` of order `8n`.
pub(crate) fn quotient_offsets(n: usize) -> Vec<Fr> {
    let step = root_of_unity(8 * n);
    (0..QUOTIENT_COSETS as u64).map(|j| Fr::GENERATOR * step.pow([j])).collect()
}

/// `L₀(ζ) = (ζⁿ − 1) / (n·(ζ − 1))`.
pub(crate) fn lagrange_first(n: usize, zeta: Fr) -> Fr {
    let denom = Fr::from(n as u64) * (zeta - Fr::one());
    (zeta.pow([n as u64]) - Fr::one()) * denom.inverse().unwrap_or_default()
}

/// The challenges and constants of [`CosetEvals::at8`], in every lane.
struct LaneConsts {
    beta: Fr8,
    gamma: Fr8,
    alpha: Fr8,
    beta_k: [Fr8; NUM_WIRES],
    one: Fr8,
    zh_inv: Fr8,
}

impl LaneConsts {
    fn new(l: FrLanes, k: &[Fr; NUM_WIRES], ch: &Challenges, zh_inv: Fr) -> Self {
        LaneConsts {
            beta: l.splat(ch.beta),
            gamma: l.splat(ch.gamma),
            alpha: l.splat(ch.alpha),
            beta_k: k.map(|k| l.splat(ch.beta * k)),
            one: l.splat(Fr::one()),
            zh_inv: l.splat(zh_inv),
        }
    }
}

/// Evaluations on one coset `o·H` of everything the quotient's numerator needs.
struct CosetEvals<'a> {
    polys: Vec<&'a [Fr]>,
    active: &'a [usize],
    xs: Vec<Fr>,
    l0: Vec<Fr>,
    zh_inv: Fr,
    n: usize,
}

impl<'a> CosetEvals<'a> {
    /// `polys`: 5 wires, `z`, 5 sigmas, PI, then the active selectors.
    fn new(
        polys: Vec<&'a [Fr]>,
        active: &'a [usize],
        o: Fr,
        c: Fr,
        n: usize,
        omega_powers: &[Fr],
    ) -> Self {
        let xs: Vec<Fr> = omega_powers.par_iter().map(|w| o * w).collect();
        // L₀(x) = (xⁿ − 1) / (n·(x − 1)) with xⁿ = c on the whole coset.
        let mut l0: Vec<Fr> = xs.par_iter().map(|x| *x - Fr::one()).collect();
        batch_inversion(&mut l0);
        let scale = (c - Fr::one()) * Fr::from(n as u64).inverse().expect("n ≠ 0");
        l0.par_iter_mut().for_each(|l| *l *= scale);
        let zh_inv = (c - Fr::one()).inverse().expect("the coset avoids H");
        CosetEvals { polys, active, xs, l0, zh_inv, n }
    }

    /// `out[i]` = the quotient's numerator over `Z_H` at row `i` of the coset, eight rows
    /// at a time on the CPU's IFMA lanes where it has them (the same values).
    fn fill(&self, out: &mut [Fr], k: &[Fr; NUM_WIRES], ch: &Challenges) {
        const CHUNK: usize = 1 << 10;
        let lanes = FrLanes::detect().map(|l| (l, LaneConsts::new(l, k, ch, self.zh_inv)));
        out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, rows)| {
            let start = c * CHUNK;
            let mut done = 0;
            if let Some((l, consts)) = &lanes {
                while done + 8 <= rows.len() {
                    l.store(self.at8(*l, start + done, consts), &mut rows[done..]);
                    done += 8;
                }
            }
            for (i, out) in rows.iter_mut().enumerate().skip(done) {
                *out = self.at(start + i, k, ch);
            }
        });
    }

    /// [`CosetEvals::at`] for rows `i … i + 7`.
    fn at8(&self, l: FrLanes, i: usize, c: &LaneConsts) -> Fr8 {
        let p = &self.polys;
        let w: [Fr8; NUM_WIRES] = std::array::from_fn(|j| l.load(&p[j][i..]));
        let z = l.load(&p[5][i..]);
        let z_next = if i + 9 <= self.n {
            l.load(&p[5][i + 1..])
        } else {
            let next: [Fr; 8] = std::array::from_fn(|r| p[5][(i + 1 + r) % self.n]);
            l.load(&next)
        };
        // gate_value: PI + q_c − w₄ + Σ q_lcᵢ·wᵢ + q_mul₀·w₀w₁ + q_mul₁·w₂w₃ + q_hash·w₀⁵
        // + q_ecc·w₀w₁w₂w₃w₄, over the active selectors only.
        let mut gate = l.sub(l.load(&p[11][i..]), w[4]);
        for (slot, &s) in self.active.iter().enumerate() {
            let q = l.load(&p[12 + slot][i..]);
            let term = match s {
                0..=3 => l.mul(q, w[s]),
                4 => l.mul(q, l.mul(w[0], w[1])),
                5 => l.mul(q, l.mul(w[2], w[3])),
                SELECTOR_HASH => {
                    let sq = l.mul(w[0], w[0]);
                    l.mul(q, l.mul(l.mul(sq, sq), w[0]))
                }
                SELECTOR_ECC => {
                    let w01 = l.mul(w[0], w[1]);
                    let w23 = l.mul(w[2], w[3]);
                    l.mul(q, l.mul(l.mul(w01, w23), w[4]))
                }
                _ => q,
            };
            gate = l.add(gate, term);
        }
        let x = l.load(&self.xs[i..]);
        let (mut num, mut den) = (z, z_next);
        for j in 0..NUM_WIRES {
            let wg = l.add(w[j], c.gamma);
            num = l.mul(num, l.add(wg, l.mul(c.beta_k[j], x)));
            den = l.mul(den, l.add(wg, l.mul(c.beta, l.load(&p[6 + j][i..]))));
        }
        let boundary = l.mul(l.sub(z, c.one), l.load(&self.l0[i..]));
        let perm = l.add(l.sub(num, den), l.mul(c.alpha, boundary));
        l.mul(l.add(gate, l.mul(c.alpha, perm)), c.zh_inv)
    }

    fn at(&self, i: usize, k: &[Fr; NUM_WIRES], ch: &Challenges) -> Fr {
        let p = &self.polys;
        let w: [Fr; NUM_WIRES] = std::array::from_fn(|j| p[j][i]);
        let (z, z_next) = (p[5][i], p[5][(i + 1) % self.n]);
        let mut q = [Fr::zero(); NUM_SELECTORS];
        for (slot, &s) in self.active.iter().enumerate() {
            q[s] = p[12 + slot][i];
        }
        let gate = gate_value(&q, &w, p[11][i]);
        let x = self.xs[i];
        let (mut num, mut den) = (z, z_next);
        for j in 0..NUM_WIRES {
            let wg = w[j] + ch.gamma;
            num *= wg + ch.beta * k[j] * x;
            den *= wg + ch.beta * p[6 + j][i];
        }
        let boundary = (z - Fr::one()) * self.l0[i];
        (gate + ch.alpha * (num - den + ch.alpha * boundary)) * self.zh_inv
    }
}

#[cfg(test)]
mod tests {
    use ark_ec::CurveGroup;
    use ark_ed_on_bn254::EdwardsAffine;
    use doppio_kzg::Srs;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    use super::*;
    use crate::keys::preprocess;

    /// A circuit with public inputs, Edwards additions and S-boxes.
    fn circuit(rng: &mut ChaCha20Rng) -> Circuit {
        let mut c = Circuit::new();
        let x = c.public_input(Fr::rand(rng));
        let p = EdwardsAffine::rand(rng);
        let q = (p + p).into_affine();
        let (pv, qv) = (c.point_witness(p.x, p.y), c.point_witness(q.x, q.y));
        let s = c.ecc_add(pv, qv).unwrap();
        let h = c.pow5(x).unwrap();
        let m = c.mul(h, s.y).unwrap();
        let v = c.value(m).unwrap();
        let out = c.public_input(v);
        c.enforce_equal(m, out).unwrap();
        c
    }

    /// The quotient from the split-coset NTTs, checked against the constraint evaluated
    /// naively (Horner on every coefficient vector) at a random point.
    #[test]
    fn quotient_matches_the_naive_constraint_at_a_random_point() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let c = circuit(&mut rng);
        let accel = Accel::cpu().unwrap();
        let srs = Srs::insecure_dev(srs_degree(c.domain_size()), 1);
        let (pk, _) = preprocess(&srs, &c, &accel).unwrap();
        let prover = Prover::new(&accel, &pk, &c, pk.domain_size());
        let n = prover.n;
        let wire_evals = prover.wire_evaluations();
        let mut wires = wire_evals.clone();
        accel.ntt_batch(&mut as_muts(&mut wires), NttDirection::Inverse, Coset::None).unwrap();
        let wires: Vec<Vec<Fr>> =
            wires.into_iter().map(|w| blind(w, n, &random_vec(&mut rng, 2))).collect();
        let ch = Challenges {
            beta: Fr::rand(&mut rng),
            gamma: Fr::rand(&mut rng),
            alpha: Fr::rand(&mut rng),
            zeta: Fr::zero(),
        };
        let mut z = prover.permutation_product(&wire_evals, ch.beta, ch.gamma).unwrap();
        accel.ntt(&mut z, NttDirection::Inverse, Coset::None).unwrap();
        let z = blind(z, n, &random_vec(&mut rng, 3));
        let mut pi = vec![Fr::zero(); n];
        pi[..2].copy_from_slice(&c.public_inputs());
        accel.ntt(&mut pi, NttDirection::Inverse, Coset::None).unwrap();
        let t = prover.quotient(&wires, &z, &pi, &ch).unwrap();
        assert_eq!(t.len(), quotient_len(n));
        assert!(!t[quotient_len(n) - 1].is_zero(), "t has degree 5n + 7, no less");

        let x = Fr::rand(&mut rng);
        let w: [Fr; NUM_WIRES] = std::array::from_fn(|j| evaluate(&wires[j], x));
        let q: [Fr; NUM_SELECTORS] = std::array::from_fn(|s| evaluate(&pk.selectors[s], x));
        let sigma: [Fr; NUM_WIRES] = std::array::from_fn(|j| evaluate(&pk.sigmas[j], x));
        let k = pk.vk.k;
        let num: Fr = (0..NUM_WIRES).map(|j| w[j] + ch.beta * k[j] * x + ch.gamma).product();
        let den: Fr = (0..NUM_WIRES).map(|j| w[j] + ch.beta * sigma[j] + ch.gamma).product();
        let zx = evaluate(&z, x);
        let perm = zx * num - evaluate(&z, x * prover.omega) * den;
        let boundary = (zx - Fr::one()) * lagrange_first(n, x);
        let numerator =
            gate_value(&q, &w, evaluate(&pi, x)) + ch.alpha * perm + ch.alpha.square() * boundary;
        let zh = x.pow([n as u64]) - Fr::one();
        assert_eq!(evaluate(&t, x) * zh, numerator);

        // The blinded pieces recombine to t, and neither is a plain slice of it.
        let b = Fr::rand(&mut rng);
        let [lo, hi] = split_quotient(t.clone(), n, b);
        let s = quotient_split(n);
        assert_eq!((lo.len(), hi.len()), (s + 1, s));
        assert_eq!(lo.len() - 1, srs_degree(n));
        assert_eq!(evaluate(&lo, x) + x.pow([s as u64]) * evaluate(&hi, x), evaluate(&t, x));
        assert_ne!(hi[0], t[s], "the high piece is blinded");
    }
}
