//! Preprocessing: a circuit's selectors and copy constraints become polynomials, their
//! commitments the verifying key.

use std::sync::OnceLock;

use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{FftField, Field, Zero};
use ark_serialize::{
    CanonicalDeserialize, CanonicalSerialize, Compress, SerializationError, Valid, Validate,
};
use doppio_accel::{Accel, Coset, MAX_LOG_NTT, NttDirection};
use doppio_kzg::{CommitKey, Srs, VerifierKey};
use rayon::prelude::*;
use sha3::{Digest, Keccak256};

use crate::{
    circuit::{Circuit, NUM_SELECTORS, NUM_WIRES},
    error::PlonkError,
    poly::{powers, root_of_unity},
    prover::{QUOTIENT_COSETS, quotient_offsets, srs_degree},
    transcript::{field_bytes, point_bytes},
};

/// The largest domain: the quotient's coset offsets use a root of unity of order `8n`,
/// and BN254's scalar field has two-adicity 28 (the layer's NTTs reach `2^26`).
pub const MAX_DOMAIN: usize = 1 << 25;

const _: () = assert!(MAX_DOMAIN <= 1 << MAX_LOG_NTT);

/// Prefix of the verifying key's encoding, separating it from other Keccak inputs.
const VK_DOMAIN_TAG: &[u8] = b"doppio-plonk-v3";

/// What a verifier needs: domain, coset constants, commitments to the selector and
/// permutation polynomials, and the SRS's `[1]₁`, `[1]₂`, `[τ]₂`.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct VerifyingKey {
    /// Rows of the domain `n` (a power of two).
    pub domain_size: u64,
    /// Number of public inputs (the first rows).
    pub num_inputs: u64,
    /// Coset constants `k₀ … k₄`: wire `j` of row `i` is labelled `kⱼ·ωⁱ`.
    pub k: [Fr; NUM_WIRES],
    /// Commitments to `q_lc₀..₃, q_mul₀..₁, q_hash, q_c, q_ecc`.
    pub selector_comms: [G1Affine; NUM_SELECTORS],
    /// Commitments to the permutation polynomials `σ₀ … σ₄`.
    pub sigma_comms: [G1Affine; NUM_WIRES],
    /// `[1]₁`.
    pub g: G1Affine,
    /// `[1]₂`.
    pub h: G2Affine,
    /// `[τ]₂`.
    pub tau_h: G2Affine,
}

/// The coset constants: powers of the multiplicative generator, so `kᵢ/kⱼ` lies in no
/// subgroup of two-power order and the five cosets `kⱼ·H` are disjoint.
pub(crate) fn coset_constants() -> [Fr; NUM_WIRES] {
    let g = Fr::GENERATOR;
    [Fr::from(1u64), g, g.square(), g.square() * g, g.square().square()]
}

/// 64 bytes of a G2 point in the EVM precompile's order: `x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0`.
pub fn g2_bytes(p: &G2Affine) -> [u8; 128] {
    let mut out = [0u8; 128];
    if let Some((x, y)) = p.xy() {
        for (i, c) in [x.c1, x.c0, y.c1, y.c0].iter().enumerate() {
            out[32 * i..32 * (i + 1)].copy_from_slice(&field_bytes(c));
        }
    }
    out
}

impl VerifyingKey {
    /// The key as the Keccak transcript and a Solidity verifier see it: the tag
    /// `doppio-plonk-v3`, then `n`, the input count and `k₀ … k₄` as 32-byte words, the
    /// 9 selector and 5 permutation commitments (`x ‖ y`), `[1]₁`, and `[1]₂`, `[τ]₂`
    /// in the precompile order.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = VK_DOMAIN_TAG.to_vec();
        out.extend_from_slice(&field_bytes(&Fr::from(self.domain_size)));
        out.extend_from_slice(&field_bytes(&Fr::from(self.num_inputs)));
        self.k.iter().for_each(|k| out.extend_from_slice(&field_bytes(k)));
        for p in self.selector_comms.iter().chain(&self.sigma_comms).chain([&self.g]) {
            out.extend_from_slice(&point_bytes(p));
        }
        out.extend_from_slice(&g2_bytes(&self.h));
        out.extend_from_slice(&g2_bytes(&self.tau_h));
        out
    }

    /// `keccak256(encode())`: the transcript's initial state.
    pub fn digest(&self) -> [u8; 32] {
        Keccak256::digest(self.encode()).into()
    }

    /// The KZG key that checks openings.
    pub fn opening_key(&self) -> VerifierKey {
        VerifierKey { g: self.g, h: self.h, tau_h: self.tau_h }
    }

    /// Checks the shape a deserialised key must have.
    pub(crate) fn check_shape(&self) -> Result<usize, PlonkError> {
        let n = usize::try_from(self.domain_size).unwrap_or(usize::MAX);
        if !n.is_power_of_two() || !(crate::circuit::MIN_DOMAIN..=MAX_DOMAIN).contains(&n) {
            return Err(PlonkError::MalformedKey(
                "the domain size is not a supported power of two",
            ));
        }
        if self.num_inputs > self.domain_size {
            return Err(PlonkError::MalformedKey("more public inputs than rows"));
        }
        if self.k != coset_constants() {
            return Err(PlonkError::MalformedKey("unexpected coset constants"));
        }
        Ok(n)
    }
}

/// What the prover needs beyond the verifying key: selector and permutation
/// polynomials (coefficients) and the SRS powers it commits with.
#[derive(Clone, Debug)]
pub struct ProvingKey {
    pub(crate) vk: VerifyingKey,
    pub(crate) selectors: Vec<Vec<Fr>>,
    pub(crate) sigmas: Vec<Vec<Fr>>,
    powers: Vec<G1Affine>,
    /// `[Lᵢ(τ)]₁` of the domain when the SRS gave it ([`Srs::lagrange_basis`]): the
    /// wires are then committed to from their values, most of which are zero or small.
    lagrange: Option<Vec<G1Affine>>,
    commit_key: OnceLock<CommitKey>,
    lagrange_key: OnceLock<CommitKey>,
    pub(crate) coset_cache: OnceLock<CosetCache>,
}

/// Evaluations of the key's fixed polynomials (`σ₀ … σ₄`, then the selectors in use)
/// on each of the quotient's cosets, and of `σ₀ … σ₄` on the domain itself (the
/// permutation product's).
#[derive(Clone, Debug)]
pub(crate) struct CosetCache {
    pub(crate) active: Vec<usize>,
    pub(crate) cosets: Vec<Vec<Vec<Fr>>>,
    pub(crate) sigma_values: Vec<Vec<Fr>>,
}

impl PartialEq for ProvingKey {
    fn eq(&self, other: &Self) -> bool {
        self.vk == other.vk
            && self.selectors == other.selectors
            && self.sigmas == other.sigmas
            && self.powers == other.powers
            && self.lagrange == other.lagrange
    }
}

impl ProvingKey {
    /// The verifying key that goes with this key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.vk
    }

    /// Rows of the domain.
    pub fn domain_size(&self) -> usize {
        self.vk.domain_size as usize
    }

    /// The commit key over this key's powers, prepared on `accel` on first use.
    pub(crate) fn commit_key(&self, accel: &Accel) -> &CommitKey {
        self.commit_key.get_or_init(|| CommitKey::from_powers(accel, self.powers.clone()))
    }

    /// The commit key over the domain's Lagrange basis, when the key has one: it commits
    /// to the polynomial of degree below `n` with the given values on the domain.
    pub(crate) fn lagrange_key(&self, accel: &Accel) -> Option<&CommitKey> {
        let basis = self.lagrange.as_ref()?;
        Some(self.lagrange_key.get_or_init(|| CommitKey::from_powers(accel, basis.clone())))
    }

    /// The same key without its Lagrange basis: it commits to wires from their
    /// coefficients, as a key from an SRS without the basis does.
    pub fn without_lagrange_basis(&self) -> ProvingKey {
        ProvingKey {
            vk: self.vk.clone(),
            selectors: self.selectors.clone(),
            sigmas: self.sigmas.clone(),
            powers: self.powers.clone(),
            lagrange: None,
            commit_key: self.commit_key.clone(),
            lagrange_key: OnceLock::new(),
            coset_cache: self.coset_cache.clone(),
        }
    }

    /// Whether wires are committed to over the domain's Lagrange basis.
    pub fn has_lagrange_basis(&self) -> bool {
        self.lagrange.is_some()
    }

    /// The selectors that are not identically zero (the others' terms are skipped).
    pub(crate) fn active_selectors(&self) -> Vec<usize> {
        (0..NUM_SELECTORS).filter(|&s| self.selectors[s].iter().any(|c| !c.is_zero())).collect()
    }

    /// Copies `σ₀ … σ₄` and the `active` selectors' coefficients into `bufs` (as many
    /// as there are buffers; none when the evaluations are cached).
    pub(crate) fn fill_fixed(&self, bufs: &mut [Vec<Fr>], active: &[usize]) {
        let sources = self.sigmas.iter().chain(active.iter().map(|&s| &self.selectors[s]));
        for (buf, src) in bufs.iter_mut().zip(sources) {
            crate::poly::copy(buf, src);
        }
    }

    /// Keeps the evaluations of the key's fixed polynomials on the quotient's five cosets,
    /// and of the permutation polynomials on the domain, so that proofs skip those NTTs
    /// (more than half of a proof's transforms).
    ///
    /// Costs `(5·(5 + a) + 5)·n` field elements of memory for `a` selectors in use:
    /// 2.3 GiB at `n = 2^20` with all nine. Off by default; the cache is not serialised.
    /// Idempotent.
    pub fn cache_coset_evaluations(&self, accel: &Accel) -> Result<(), PlonkError> {
        if self.coset_cache.get().is_some() {
            return Ok(());
        }
        let n = self.check_shape()?;
        let active = self.active_selectors();
        let mut cosets = Vec::with_capacity(QUOTIENT_COSETS);
        for offset in quotient_offsets(n) {
            let mut bufs: Vec<Vec<Fr>> =
                (0..NUM_WIRES + active.len()).map(|_| vec![Fr::zero(); n]).collect();
            self.fill_fixed(&mut bufs, &active);
            let mut refs: Vec<&mut [Fr]> = bufs.iter_mut().map(|b| b.as_mut_slice()).collect();
            accel.ntt_batch(&mut refs, NttDirection::Forward, Coset::Offset(offset))?;
            cosets.push(bufs);
        }
        let sigma_values = self.sigma_values(accel)?;
        // A concurrent call may have won the race; its cache is identical.
        let _ = self.coset_cache.set(CosetCache { active, cosets, sigma_values });
        Ok(())
    }

    /// `σ₀ … σ₄` on the domain (what the permutation product reads), transformed from
    /// the coefficients; [`ProvingKey::cache_coset_evaluations`] keeps them.
    pub(crate) fn sigma_values(&self, accel: &Accel) -> Result<Vec<Vec<Fr>>, PlonkError> {
        let mut values = self.sigmas.clone();
        let mut refs: Vec<&mut [Fr]> = values.iter_mut().map(|s| s.as_mut_slice()).collect();
        accel.ntt_batch(&mut refs, NttDirection::Forward, Coset::None)?;
        Ok(values)
    }

    /// Checks the shape a deserialised key must have; returns `n`.
    pub(crate) fn check_shape(&self) -> Result<usize, PlonkError> {
        let n = self.vk.check_shape()?;
        let sized = |v: &Vec<Vec<Fr>>, count| v.len() == count && v.iter().all(|p| p.len() == n);
        if !sized(&self.selectors, NUM_SELECTORS) || !sized(&self.sigmas, NUM_WIRES) {
            return Err(PlonkError::MalformedKey(
                "selector or permutation polynomials of the wrong size",
            ));
        }
        if self.powers.len() != srs_degree(n) + 1 || self.powers[0] != self.vk.g {
            return Err(PlonkError::MalformedKey("SRS powers do not match the domain or [1]₁"));
        }
        if self.lagrange.as_ref().is_some_and(|l| l.len() != n) {
            return Err(PlonkError::MalformedKey("the Lagrange basis does not match the domain"));
        }
        Ok(n)
    }
}

impl Valid for ProvingKey {
    fn check(&self) -> Result<(), SerializationError> {
        self.check_shape().map(|_| ()).map_err(|_| SerializationError::InvalidData)
    }
}

impl CanonicalSerialize for ProvingKey {
    fn serialize_with_mode<W: std::io::Write>(
        &self,
        mut writer: W,
        compress: Compress,
    ) -> Result<(), SerializationError> {
        self.vk.serialize_with_mode(&mut writer, compress)?;
        self.selectors.serialize_with_mode(&mut writer, compress)?;
        self.sigmas.serialize_with_mode(&mut writer, compress)?;
        self.powers.serialize_with_mode(&mut writer, compress)?;
        self.lagrange.serialize_with_mode(&mut writer, compress)
    }

    fn serialized_size(&self, compress: Compress) -> usize {
        self.vk.serialized_size(compress)
            + self.selectors.serialized_size(compress)
            + self.sigmas.serialized_size(compress)
            + self.powers.serialized_size(compress)
            + self.lagrange.serialized_size(compress)
    }
}

impl CanonicalDeserialize for ProvingKey {
    fn deserialize_with_mode<R: std::io::Read>(
        mut reader: R,
        compress: Compress,
        validate: Validate,
    ) -> Result<Self, SerializationError> {
        let pk = ProvingKey {
            vk: VerifyingKey::deserialize_with_mode(&mut reader, compress, validate)?,
            selectors: Vec::deserialize_with_mode(&mut reader, compress, validate)?,
            sigmas: Vec::deserialize_with_mode(&mut reader, compress, validate)?,
            powers: Vec::deserialize_with_mode(&mut reader, compress, validate)?,
            lagrange: Option::deserialize_with_mode(&mut reader, compress, validate)?,
            commit_key: OnceLock::new(),
            lagrange_key: OnceLock::new(),
            coset_cache: OnceLock::new(),
        };
        if validate == Validate::Yes {
            pk.check()?;
        }
        Ok(pk)
    }
}

/// The wire labels `σ(j, i)`: each wire slot points at the next slot holding the same
/// variable, cyclically, labelled `kⱼ·ωⁱ`.
fn permutation_evals(circuit: &Circuit, n: usize, omega_powers: &[Fr]) -> Vec<Vec<Fr>> {
    let k = coset_constants();
    let label = |(j, i): (usize, usize)| k[j] * omega_powers[i];
    let mut sigmas = vec![vec![Fr::zero(); n]; NUM_WIRES];
    let vars = circuit.num_variables();
    let mut first: Vec<Option<(usize, usize)>> = vec![None; vars];
    let mut last: Vec<Option<(usize, usize)>> = vec![None; vars];
    for i in 0..n {
        for (j, v) in circuit.wires(i).iter().enumerate() {
            let slot = (j, i);
            match last[v.0] {
                Some((pj, pi)) => sigmas[pj][pi] = label(slot),
                None => first[v.0] = Some(slot),
            }
            last[v.0] = Some(slot);
        }
    }
    for (f, l) in first.iter().zip(&last) {
        if let (Some(f), Some((lj, li))) = (f, l) {
            sigmas[*lj][*li] = label(*f);
        }
    }
    sigmas
}

/// Turns a circuit into its proving and verifying keys, committing on `accel`.
///
/// The SRS must hold `5n/2 + 5` powers for a domain of `n` rows ([`crate::srs_degree`]:
/// the quotient is committed to in two pieces, the larger of degree `5n/2 + 4`); fewer is
/// [`doppio_kzg::KzgError::SrsTooSmall`], naming the degree and the powers needed.
pub fn preprocess(
    srs: &Srs,
    circuit: &Circuit,
    accel: &Accel,
) -> Result<(ProvingKey, VerifyingKey), PlonkError> {
    let n = circuit.domain_size();
    if n > MAX_DOMAIN {
        return Err(PlonkError::CircuitTooLarge { domain: n, max: MAX_DOMAIN });
    }
    let commit_key = srs.commit_key(srs_degree(n), accel)?;
    let lagrange = srs.lagrange_basis(n, accel)?;
    let omega_powers = powers(root_of_unity(n), n);
    let rows: Vec<[Fr; NUM_SELECTORS]> =
        (0..n).into_par_iter().map(|i| circuit.row(i).selectors.to_array()).collect();
    let mut polys: Vec<Vec<Fr>> =
        (0..NUM_SELECTORS).map(|s| rows.iter().map(|r| r[s]).collect()).collect();
    drop(rows);
    polys.extend(permutation_evals(circuit, n, &omega_powers));
    // With the Lagrange basis the selectors (mostly zeros and small constants) are
    // committed to from their values; the commitments are the same.
    let lagrange_key = OnceLock::new();
    let by_values = match &lagrange {
        Some(basis) => {
            let key = lagrange_key.get_or_init(|| CommitKey::from_powers(accel, basis.clone()));
            let refs: Vec<&[Fr]> = polys.iter().map(|p| p.as_slice()).collect();
            Some(key.commit_batch(accel, &refs)?)
        }
        None => None,
    };
    let mut refs: Vec<&mut [Fr]> = polys.iter_mut().map(|p| p.as_mut_slice()).collect();
    accel.ntt_batch(&mut refs, NttDirection::Inverse, Coset::None)?;
    let comms = match by_values {
        Some(comms) => comms,
        None => {
            let refs: Vec<&[Fr]> = polys.iter().map(|p| p.as_slice()).collect();
            commit_key.commit_batch(accel, &refs)?
        }
    };
    let opening = srs.verifier_key();
    let vk = VerifyingKey {
        domain_size: n as u64,
        num_inputs: circuit.num_public_inputs() as u64,
        k: coset_constants(),
        selector_comms: comms[..NUM_SELECTORS].try_into().expect("9 selector commitments"),
        sigma_comms: comms[NUM_SELECTORS..].try_into().expect("5 permutation commitments"),
        g: opening.g,
        h: opening.h,
        tau_h: opening.tau_h,
    };
    let sigmas = polys.split_off(NUM_SELECTORS);
    let pk = ProvingKey {
        vk: vk.clone(),
        selectors: polys,
        sigmas,
        powers: commit_key.powers().to_vec(),
        lagrange,
        commit_key: OnceLock::from(commit_key),
        lagrange_key,
        coset_cache: OnceLock::new(),
    };
    Ok((pk, vk))
}
