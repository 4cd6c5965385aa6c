//! The scheme: dispersal, share verification, recovery and range proofs.

use std::{
    ops::Range,
    time::{Duration, Instant},
};

use ark_bn254::{Fr, G1Affine};
use ark_ec::CurveGroup;
use ark_ff::{FftField, Field, One, PrimeField, UniformRand, Zero};
use ark_serialize::CanonicalSerialize;
use doppio_accel::{Accel, Coset, NttDirection};
use doppio_kzg::{CommitKey, Opening, Srs, VerifierKey};
use sha3::{Digest, Keccak256};

use crate::{
    decode::Decoder,
    encoding::{BYTES_PER_ELEM, bytes_to_elems_with, elem_count, elems_to_bytes, padding},
    error::VidError,
    fk23::Fk23,
    merkle::{MerkleTree, leaf_hash, verify_path},
    types::{RangeProof, VidCommitment, VidCommon, VidShare},
};

/// The most storage nodes an instance supports.
pub const MAX_STORAGE_NODES: usize = 1 << 16;
/// The largest payload accepted, in bytes.
pub const MAX_PAYLOAD_BYTES: usize = 1 << 30;

/// Number of storage nodes `n` and recovery threshold `k`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VidParams {
    /// `n`: how many shares a dispersal makes.
    pub num_storage_nodes: usize,
    /// `k`: how many shares recover the payload (the polynomials' coefficient count).
    pub recovery_threshold: usize,
}

impl VidParams {
    /// Checks `1 ≤ k ≤ n ≤ MAX_STORAGE_NODES`.
    pub fn new(num_storage_nodes: usize, recovery_threshold: usize) -> Result<Self, VidError> {
        let fail =
            |reason| VidError::InvalidParams { num_storage_nodes, recovery_threshold, reason };
        if num_storage_nodes == 0 {
            return Err(fail("there must be at least one storage node"));
        }
        if num_storage_nodes > MAX_STORAGE_NODES {
            return Err(fail("more storage nodes than the supported maximum of 65,536"));
        }
        if recovery_threshold == 0 {
            return Err(fail("the recovery threshold must be at least 1"));
        }
        if recovery_threshold > num_storage_nodes {
            return Err(fail("the recovery threshold exceeds the number of storage nodes"));
        }
        Ok(VidParams { num_storage_nodes, recovery_threshold })
    }
}

/// The result of a dispersal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dispersal {
    /// The payload commitment.
    pub commitment: VidCommitment,
    /// Data every storage node keeps to verify shares.
    pub common: VidCommon,
    /// One share per storage node, share `i` for node `i`.
    pub shares: Vec<VidShare>,
}

/// Where a dispersal spent its time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DisperseTimings {
    /// Encoding the payload and committing to its polynomials (batched MSM).
    pub commit: Duration,
    /// Evaluating the polynomials at the storage nodes' points (batched NTT).
    pub evaluate: Duration,
    /// Transposing evaluations, hashing leaves and building the Merkle tree.
    pub hash: Duration,
    /// The aggregate polynomial's openings at all points (FK23: NTT, scalar products,
    /// EC-NTTs) and assembling the shares.
    pub open: Duration,
}

/// A VID instance: parameters, a commit key prepared on the acceleration layer, and the
/// precomputed FK23 transform of the SRS.
#[derive(Debug)]
pub struct Vid {
    params: VidParams,
    accel: Accel,
    ck: CommitKey,
    vk: VerifierKey,
    domain: usize,
    omega: Fr,
    fk: Fk23,
}

impl Vid {
    /// Builds an instance; the SRS must hold `k` powers of τ.
    pub fn new(params: VidParams, srs: &Srs, accel: Accel) -> Result<Self, VidError> {
        let params = VidParams::new(params.num_storage_nodes, params.recovery_threshold)?;
        let degree = params.recovery_threshold - 1;
        let ck = srs.commit_key(degree, &accel)?;
        let fk = Fk23::new(&accel, ck.powers(), degree)?;
        let domain = params.num_storage_nodes.next_power_of_two();
        let omega = Fr::get_root_of_unity(domain as u64).expect("2-adicity 28 covers 2^16");
        Ok(Vid { params, accel, ck, vk: srs.verifier_key(), domain, omega, fk })
    }

    /// The parameters.
    pub fn params(&self) -> VidParams {
        self.params
    }

    /// The acceleration layer this instance runs on.
    pub fn accel(&self) -> &Accel {
        &self.accel
    }

    fn k(&self) -> usize {
        self.params.recovery_threshold
    }

    fn n(&self) -> usize {
        self.params.num_storage_nodes
    }

    /// Payload bytes per polynomial.
    pub fn bytes_per_poly(&self) -> usize {
        self.k() * BYTES_PER_ELEM
    }

    /// Number of polynomials for a payload of `len` bytes.
    pub fn poly_count(&self, len: usize) -> usize {
        elem_count(len).div_ceil(self.k())
    }

    /// Disperses `payload` into `n` shares.
    pub fn disperse(&self, payload: &[u8]) -> Result<Dispersal, VidError> {
        self.disperse_timed(payload).map(|(d, _)| d)
    }

    /// [`Vid::disperse`], with the time of each step.
    pub fn disperse_timed(&self, payload: &[u8]) -> Result<(Dispersal, DisperseTimings), VidError> {
        let mut t = DisperseTimings::default();
        let encoded = self.encode_and_commit(payload, &mut t)?;
        let start = Instant::now();
        let r = challenge(&encoded.commitment);
        let aggregate = self.aggregate(&encoded.polys, r);
        let proofs = self.fk.open_all(&self.accel, &aggregate, self.domain, self.n())?;
        let shares = encoded
            .columns
            .into_iter()
            .zip(proofs)
            .enumerate()
            .map(|(i, (evals, aggregate_proof))| VidShare {
                index: i as u32,
                evals,
                aggregate_proof,
                merkle_path: encoded.tree.path(i),
            })
            .collect();
        t.open = start.elapsed();
        let dispersal =
            Dispersal { commitment: encoded.commitment, common: encoded.common, shares };
        Ok((dispersal, t))
    }

    /// The commitment [`Vid::disperse`] would produce, without the openings.
    pub fn commit_only(&self, payload: &[u8]) -> Result<VidCommitment, VidError> {
        Ok(self.encode_and_commit(payload, &mut DisperseTimings::default())?.commitment)
    }

    fn encode_and_commit(
        &self,
        payload: &[u8],
        t: &mut DisperseTimings,
    ) -> Result<Encoded, VidError> {
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Err(VidError::PayloadTooLarge { len: payload.len(), max: MAX_PAYLOAD_BYTES });
        }
        let start = Instant::now();
        let elems = self.accel.cpu_parallelism(|par| bytes_to_elems_with(payload, par));
        let polys: Vec<Vec<Fr>> = elems.chunks(self.k()).map(|c| c.to_vec()).collect();
        let refs: Vec<&[Fr]> = polys.iter().map(|p| p.as_slice()).collect();
        let poly_commits = self.ck.commit_batch(&self.accel, &refs)?;
        t.commit = start.elapsed();

        let start = Instant::now();
        let mut evals: Vec<Vec<Fr>> = polys
            .iter()
            .map(|p| {
                let mut v = p.clone();
                v.resize(self.domain, Fr::zero());
                v
            })
            .collect();
        let mut refs: Vec<&mut [Fr]> = evals.iter_mut().map(|v| v.as_mut_slice()).collect();
        self.accel.ntt_batch(&mut refs, NttDirection::Forward, Coset::None)?;
        t.evaluate = start.elapsed();

        let start = Instant::now();
        let n = self.n();
        let (columns, leaves) = self.accel.cpu_parallelism(|par| {
            let columns: Vec<Vec<Fr>> =
                par.map(n, |i| evals.iter().map(|e| e[i]).collect::<Vec<Fr>>());
            let leaves = par.map(n, |i| leaf_hash(i as u32, &columns[i]));
            (columns, leaves)
        });
        let tree = self.accel.cpu_parallelism(|par| MerkleTree::new(leaves, par));
        let common = VidCommon {
            poly_commits,
            merkle_root: tree.root(),
            payload_byte_len: payload.len() as u64,
            num_storage_nodes: n as u32,
            recovery_threshold: self.k() as u32,
        };
        let commitment = common.commitment();
        t.hash = start.elapsed();
        Ok(Encoded { polys, columns, tree, common, commitment })
    }

    /// `Σ rʲ·pⱼ`, padded to `k` coefficients.
    fn aggregate(&self, polys: &[Vec<Fr>], r: Fr) -> Vec<Fr> {
        let mut out = vec![Fr::zero(); self.k()];
        let mut rj = Fr::one();
        for p in polys {
            for (o, c) in out.iter_mut().zip(p) {
                *o += rj * c;
            }
            rj *= r;
        }
        out
    }

    /// Checks that `common` belongs to `commitment` and fits this instance.
    pub fn check_common(
        &self,
        common: &VidCommon,
        commitment: &VidCommitment,
    ) -> Result<(), VidError> {
        self.check_common_shape(common)?;
        if common.commitment() != *commitment {
            return Err(VidError::CommonMismatch);
        }
        Ok(())
    }

    fn check_common_shape(&self, common: &VidCommon) -> Result<(), VidError> {
        let (n, k) = (common.num_storage_nodes as usize, common.recovery_threshold as usize);
        if (n, k) != (self.n(), self.k()) {
            return Err(VidError::MalformedCommon(format!(
                "made for {n} storage nodes with threshold {k}, this instance has {} and {}",
                self.n(),
                self.k()
            )));
        }
        let len = usize::try_from(common.payload_byte_len).unwrap_or(usize::MAX);
        if len > MAX_PAYLOAD_BYTES {
            return Err(VidError::MalformedCommon(format!("payload length {len} is too large")));
        }
        let expected = self.poly_count(len);
        if common.poly_commits.len() != expected {
            return Err(VidError::MalformedCommon(format!(
                "{} polynomial commitments for a {len}-byte payload, which has {expected} polynomials",
                common.poly_commits.len()
            )));
        }
        Ok(())
    }

    fn check_share_shape(&self, share: &VidShare, common: &VidCommon) -> Result<(), VidError> {
        if share.index as usize >= self.n() {
            return Err(VidError::IndexOutOfRange {
                index: share.index,
                num_storage_nodes: self.n(),
            });
        }
        if share.evals.len() != common.poly_commits.len() {
            return Err(VidError::WrongEvalCount {
                index: share.index,
                got: share.evals.len(),
                expected: common.poly_commits.len(),
            });
        }
        Ok(())
    }

    fn check_merkle(&self, share: &VidShare, common: &VidCommon) -> Result<(), VidError> {
        let leaf = leaf_hash(share.index, &share.evals);
        if !verify_path(
            &common.merkle_root,
            self.n(),
            share.index as usize,
            &leaf,
            &share.merkle_path,
        ) {
            return Err(VidError::MerkleMismatch { index: share.index });
        }
        Ok(())
    }

    /// Verifies a share: common data against the commitment, the Merkle path of the
    /// evaluations, and the aggregate opening (one MSM over the polynomial commitments,
    /// one pairing check).
    pub fn verify_share(
        &self,
        share: &VidShare,
        common: &VidCommon,
        commitment: &VidCommitment,
    ) -> Result<(), VidError> {
        self.check_common(common, commitment)?;
        self.check_share_shape(share, common)?;
        self.check_merkle(share, common)?;
        let r = challenge(commitment);
        let powers = powers_of(r, share.evals.len());
        let aggregate_commit = self.accel.msm(&common.poly_commits, &powers)?.into_affine();
        let value = share.evals.iter().zip(&powers).map(|(e, p)| *e * p).sum();
        let point = self.omega.pow([u64::from(share.index)]);
        let opening = Opening { value, proof: share.aggregate_proof };
        if !self.vk.verify(&aggregate_commit, point, &opening) {
            return Err(VidError::AggregateProofInvalid { index: share.index });
        }
        Ok(())
    }

    /// Recovers the payload from at least `k` shares with distinct indices. Shares are
    /// checked against the Merkle root, and the decoded polynomials against the
    /// polynomial commitments (a random linear combination), so a wrong payload is an
    /// error rather than a result.
    pub fn recover_payload(
        &self,
        shares: &[VidShare],
        common: &VidCommon,
    ) -> Result<Vec<u8>, VidError> {
        self.check_common_shape(common)?;
        let mut order: Vec<&VidShare> = shares.iter().collect();
        order.sort_by_key(|s| s.index);
        for pair in order.windows(2) {
            if pair[0].index == pair[1].index {
                return Err(VidError::DuplicateShare { index: pair[0].index });
            }
        }
        if order.len() < self.k() {
            return Err(VidError::NotEnoughShares { got: order.len(), needed: self.k() });
        }
        let used = &order[..self.k()];
        for s in used {
            self.check_share_shape(s, common)?;
        }
        self.accel.cpu_parallelism(|par| {
            par.map(used.len(), |t| self.check_merkle(used[t], common))
                .into_iter()
                .collect::<Result<(), _>>()
        })?;
        let positions: Vec<usize> = used.iter().map(|s| s.index as usize).collect();
        let decoder = Decoder::new(&self.accel, self.domain, &positions)?;
        let values: Vec<Vec<Fr>> = (0..common.poly_commits.len())
            .map(|j| used.iter().map(|s| s.evals[j]).collect())
            .collect();
        let polys = decoder.decode(&self.accel, &values)?;
        let refs: Vec<&[Fr]> = polys.iter().map(|p| p.as_slice()).collect();
        if !self.matches_commitments(&common.poly_commits, &refs)? {
            return Err(VidError::RecoveredMismatch);
        }
        let elems: Vec<Fr> = polys.into_iter().flatten().collect();
        let payload = elems_to_bytes(&elems)?;
        if payload.len() as u64 != common.payload_byte_len {
            return Err(VidError::MalformedPayload(
                "the decoded length differs from the common data's",
            ));
        }
        Ok(payload)
    }

    /// Whether `polys` are the committed polynomials, by a random linear combination:
    /// `Σ ρʲ·Cⱼ = commit(Σ ρʲ·pⱼ)` for a fresh random `ρ` (a mismatch escapes with
    /// probability at most `m / |Fr|`).
    fn matches_commitments(&self, commits: &[G1Affine], polys: &[&[Fr]]) -> Result<bool, VidError> {
        let rho = Fr::rand(&mut rand::rngs::OsRng);
        let powers = powers_of(rho, polys.len());
        let mut combined = vec![Fr::zero(); self.k()];
        for (p, w) in polys.iter().zip(&powers) {
            for (c, x) in combined.iter_mut().zip(*p) {
                *c += *w * x;
            }
        }
        let lhs = self.accel.msm(commits, &powers)?;
        let rhs = self.ck.commit(&self.accel, &combined)?;
        Ok(lhs.into_affine() == rhs)
    }

    /// The byte span `[lo, hi)` of the polynomials that bytes `[start, end)` touch,
    /// clipped to the payload's length.
    fn span(&self, start: usize, end: usize, len: usize) -> (usize, usize) {
        if start == end {
            return (start, start);
        }
        let p = self.bytes_per_poly();
        ((start / p) * p, ((end - 1) / p + 1).saturating_mul(p).min(len))
    }

    /// Proves that `payload[range]` are the payload's bytes in `range`.
    pub fn prove_range(&self, payload: &[u8], range: Range<usize>) -> Result<RangeProof, VidError> {
        let (start, end, len) = (range.start, range.end, payload.len());
        if start > end || end > len {
            return Err(VidError::RangeOutOfBounds { start, end, len });
        }
        let (lo, hi) = self.span(start, end, len);
        Ok(RangeProof {
            start: start as u64,
            end: end as u64,
            prefix: payload[lo..start].to_vec(),
            suffix: payload[end..hi].to_vec(),
        })
    }

    /// Verifies that `bytes` are the committed payload's bytes in `proof`'s range.
    pub fn verify_range(
        &self,
        commitment: &VidCommitment,
        common: &VidCommon,
        bytes: &[u8],
        proof: &RangeProof,
    ) -> Result<(), VidError> {
        self.check_common(common, commitment)?;
        let len = common.payload_byte_len as usize;
        let to_usize = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
        let (start, end) = (to_usize(proof.start), to_usize(proof.end));
        if start > end || end > len {
            return Err(VidError::RangeOutOfBounds { start, end, len });
        }
        if bytes.len() != end - start {
            return Err(VidError::MalformedRangeProof(format!(
                "{} bytes claimed for the {}-byte range {start}..{end}",
                bytes.len(),
                end - start
            )));
        }
        let (lo, hi) = self.span(start, end, len);
        if proof.prefix.len() != start - lo || proof.suffix.len() != hi - end {
            return Err(VidError::MalformedRangeProof(format!(
                "prefix of {} and suffix of {} bytes, {} and {} expected for range {start}..{end}",
                proof.prefix.len(),
                proof.suffix.len(),
                start - lo,
                hi - end
            )));
        }
        if start == end {
            return Ok(());
        }
        let p = self.bytes_per_poly();
        let (first, last) = (lo / p, (end - 1) / p);
        let mut segment = Vec::with_capacity((last + 1 - first) * p);
        segment.extend_from_slice(&proof.prefix);
        segment.extend_from_slice(bytes);
        segment.extend_from_slice(&proof.suffix);
        segment.extend(padding(len, hi, (last + 1) * p));
        let elems: Vec<Fr> =
            segment.chunks(BYTES_PER_ELEM).map(Fr::from_le_bytes_mod_order).collect();
        let polys: Vec<&[Fr]> = elems.chunks(self.k()).collect();
        if !self.matches_commitments(&common.poly_commits[first..=last], &polys)? {
            return Err(VidError::RangeMismatch { start, end });
        }
        Ok(())
    }
}

struct Encoded {
    polys: Vec<Vec<Fr>>,
    columns: Vec<Vec<Fr>>,
    tree: MerkleTree,
    common: VidCommon,
    commitment: VidCommitment,
}

/// `1, x, x², …` (`count` of them).
pub(crate) fn powers_of(x: Fr, count: usize) -> Vec<Fr> {
    let mut out = Vec::with_capacity(count);
    let mut p = Fr::one();
    for _ in 0..count {
        out.push(p);
        p *= x;
    }
    out
}

impl VidCommon {
    /// The payload commitment this common data belongs to:
    /// `keccak("DOPPIO-VID-COMMIT-V1" ‖ n ‖ k ‖ len ‖ root ‖ polynomial commitments)`.
    pub fn commitment(&self) -> VidCommitment {
        commitment_of(self)
    }
}

fn commitment_of(common: &VidCommon) -> VidCommitment {
    let mut h = Keccak256::new();
    h.update(b"DOPPIO-VID-COMMIT-V1");
    h.update(common.num_storage_nodes.to_be_bytes());
    h.update(common.recovery_threshold.to_be_bytes());
    h.update(common.payload_byte_len.to_be_bytes());
    h.update(common.merkle_root);
    let mut buf = Vec::with_capacity(common.poly_commits.len() * 32);
    for c in &common.poly_commits {
        c.serialize_compressed(&mut buf).expect("writing to a Vec cannot fail");
    }
    h.update(&buf);
    VidCommitment(h.finalize().into())
}

/// The Fiat–Shamir challenge `r`: 64 bytes of Keccak output reduced into Fr.
pub(crate) fn challenge(commitment: &VidCommitment) -> Fr {
    let mut wide = [0u8; 64];
    for (half, out) in wide.chunks_mut(32).enumerate() {
        let mut h = Keccak256::new();
        h.update(b"DOPPIO-VID-CHALLENGE-V1");
        h.update(commitment.0);
        h.update([half as u8]);
        out.copy_from_slice(&h.finalize());
    }
    Fr::from_le_bytes_mod_order(&wide)
}
