//! Straightforward implementations of dispersal and recovery, for tests and as the
//! baseline of benches: arkworks' MSM for every commitment, Horner evaluation at every
//! point, one KZG opening per storage node, and Lagrange interpolation for recovery.
//! They produce exactly the objects [`crate::Vid`] produces.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{FftField, Field, Zero};
use doppio_accel::parallel::Parallelism;
use doppio_kzg::{Srs, divide_by_linear};

use crate::{
    Dispersal, VidCommon, VidError, VidParams, VidShare,
    encoding::{bytes_to_elems, elems_to_bytes},
    merkle::{MerkleTree, leaf_hash},
    vid::{challenge, powers_of},
};

fn commit(srs: &Srs, coeffs: &[Fr]) -> G1Affine {
    G1Projective::msm(&srs.powers_g1()[..coeffs.len()], coeffs)
        .expect("equal lengths")
        .into_affine()
}

fn horner(coeffs: &[Fr], x: Fr) -> Fr {
    coeffs.iter().rev().fold(Fr::zero(), |acc, c| acc * x + c)
}

/// Dispersal the long way; `srs` needs `k` powers.
pub fn disperse(params: VidParams, srs: &Srs, payload: &[u8]) -> Dispersal {
    let (n, k) = (params.num_storage_nodes, params.recovery_threshold);
    let omega = Fr::get_root_of_unity(n.next_power_of_two() as u64).expect("supported size");
    let elems = bytes_to_elems(payload);
    let polys: Vec<&[Fr]> = elems.chunks(k).collect();
    let poly_commits: Vec<G1Affine> = polys.iter().map(|p| commit(srs, p)).collect();
    let points: Vec<Fr> = (0..n).map(|i| omega.pow([i as u64])).collect();
    let columns: Vec<Vec<Fr>> =
        points.iter().map(|&x| polys.iter().map(|p| horner(p, x)).collect()).collect();
    let leaves = columns.iter().enumerate().map(|(i, c)| leaf_hash(i as u32, c)).collect();
    let tree = MerkleTree::new(leaves, Parallelism::Sequential);
    let common = VidCommon {
        poly_commits,
        merkle_root: tree.root(),
        payload_byte_len: payload.len() as u64,
        num_storage_nodes: n as u32,
        recovery_threshold: k as u32,
    };
    let commitment = common.commitment();
    let r = challenge(&commitment);
    let mut aggregate = vec![Fr::zero(); k];
    for (p, w) in polys.iter().zip(powers_of(r, polys.len())) {
        for (a, c) in aggregate.iter_mut().zip(*p) {
            *a += w * c;
        }
    }
    let shares = columns
        .into_iter()
        .enumerate()
        .map(|(i, evals)| {
            let (quotient, _) = divide_by_linear(&aggregate, points[i]);
            VidShare {
                index: i as u32,
                evals,
                aggregate_proof: commit(srs, &quotient),
                merkle_path: tree.path(i),
            }
        })
        .collect();
    Dispersal { commitment, common, shares }
}

/// Recovery by Lagrange interpolation from the first `k` shares (no checks beyond
/// their count; the scheme's `recover_payload` is the checked one).
pub fn recover_payload(params: VidParams, shares: &[VidShare]) -> Result<Vec<u8>, VidError> {
    let k = params.recovery_threshold;
    if shares.len() < k {
        return Err(VidError::NotEnoughShares { got: shares.len(), needed: k });
    }
    let omega = Fr::get_root_of_unity(params.num_storage_nodes.next_power_of_two() as u64)
        .expect("supported size");
    let xs: Vec<Fr> = shares[..k].iter().map(|s| omega.pow([u64::from(s.index)])).collect();
    let basis: Vec<Vec<Fr>> = (0..k).map(|t| lagrange_basis(&xs, t)).collect();
    let polys = shares[0].evals.len();
    let mut elems = Vec::with_capacity(polys * k);
    for j in 0..polys {
        let mut coeffs = vec![Fr::zero(); k];
        for (t, b) in basis.iter().enumerate() {
            let y = shares[t].evals[j];
            for (c, bc) in coeffs.iter_mut().zip(b) {
                *c += y * bc;
            }
        }
        elems.extend(coeffs);
    }
    elems_to_bytes(&elems)
}

/// Coefficients of the Lagrange basis polynomial that is 1 at `xs[t]` and 0 at the others.
fn lagrange_basis(xs: &[Fr], t: usize) -> Vec<Fr> {
    let mut num = vec![Fr::from(1u64)];
    let mut den = Fr::from(1u64);
    for (i, &x) in xs.iter().enumerate() {
        if i == t {
            continue;
        }
        let mut next = vec![Fr::zero(); num.len() + 1];
        for (d, c) in num.iter().enumerate() {
            next[d + 1] += c;
            next[d] -= x * c;
        }
        num = next;
        den *= xs[t] - x;
    }
    let inv = den.inverse().expect("distinct points");
    num.iter().map(|c| *c * inv).collect()
}

/// Share verification with arkworks' MSM and no precomputation: the same checks as
/// [`crate::Vid::verify_share`], as a baseline.
pub fn verify_share(
    params: VidParams,
    srs: &Srs,
    share: &VidShare,
    common: &VidCommon,
    commitment: &crate::VidCommitment,
) -> Result<(), VidError> {
    if common.commitment() != *commitment {
        return Err(VidError::CommonMismatch);
    }
    let n = params.num_storage_nodes;
    let leaf = leaf_hash(share.index, &share.evals);
    let root = &common.merkle_root;
    if !crate::merkle::verify_path(root, n, share.index as usize, &leaf, &share.merkle_path) {
        return Err(VidError::MerkleMismatch { index: share.index });
    }
    let powers = powers_of(challenge(commitment), share.evals.len());
    let aggregate = G1Projective::msm(&common.poly_commits, &powers)
        .map_err(|_| VidError::WrongEvalCount {
            index: share.index,
            got: share.evals.len(),
            expected: common.poly_commits.len(),
        })?
        .into_affine();
    let value = share.evals.iter().zip(&powers).map(|(e, p)| *e * p).sum();
    let omega = Fr::get_root_of_unity(n.next_power_of_two() as u64).expect("supported size");
    let opening = doppio_kzg::Opening { value, proof: share.aggregate_proof };
    if !srs.verifier_key().verify(&aggregate, omega.pow([u64::from(share.index)]), &opening) {
        return Err(VidError::AggregateProofInvalid { index: share.index });
    }
    Ok(())
}
