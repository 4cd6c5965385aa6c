//! The `.ptau` loader against snarkjs' own reading of its file, corruptions of that
//! file, and KZG commitments and openings.
#![allow(missing_docs)]

use std::{path::PathBuf, str::FromStr};

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{One, UniformRand, Zero};
use doppio_accel::Accel;
use doppio_kzg::{KzgError, PtauError, Srs, SrsOrigin, divide_by_linear};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn accel() -> Accel {
    Accel::cpu().expect("cpu backend")
}

fn fq(s: &serde_json::Value) -> Fq {
    Fq::from_str(s.as_str().expect("decimal string")).expect("field element")
}

fn fq2(v: &serde_json::Value) -> Fq2 {
    Fq2::new(fq(&v[0]), fq(&v[1]))
}

#[test]
fn ptau_powers_match_snarkjs() {
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data("pot5.json")).unwrap()).unwrap();
    let g1: Vec<G1Affine> = json["tauG1"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| G1Affine::new(fq(&p[0]), fq(&p[1])))
        .collect();
    let g2: Vec<G2Affine> = json["tauG2"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| G2Affine::new(fq2(&p[0]), fq2(&p[1])))
        .collect();
    assert_eq!(g1.len(), 63);
    let srs = Srs::from_ptau(&data("pot5.ptau"), 62, &accel()).unwrap();
    assert_eq!(srs.max_degree(), 62);
    assert_eq!(srs.powers_g1(), &g1[..]);
    assert_eq!(srs.powers_g2(), &[g2[0], g2[1]]);
    assert_eq!(srs.origin(), &SrsOrigin::Ptau { path: data("pot5.ptau"), power: 5 });
    assert!(!srs.is_insecure());
    // A prefix is read and checked on its own.
    let small = Srs::from_ptau(&data("pot5.ptau"), 3, &accel()).unwrap();
    assert_eq!(small.powers_g1(), &g1[..4]);
}

#[test]
fn ptau_too_small_is_a_typed_error() {
    let err = Srs::from_ptau(&data("pot5.ptau"), 63, &accel()).unwrap_err();
    assert!(matches!(err, PtauError::TooSmall { needed: 64, available: 63, power: 5 }), "{err}");
}

/// Data offset of a section of the committed file.
fn section(bytes: &[u8], id: u32) -> usize {
    let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap());
    let mut offset = 12;
    for _ in 0..u32_at(8) {
        let len = u64::from_le_bytes(bytes[offset + 4..offset + 12].try_into().unwrap()) as usize;
        if u32_at(offset) == id {
            return offset + 12;
        }
        offset += 12 + len;
    }
    panic!("section {id} not found");
}

fn load_corrupted(name: &str, corrupt: impl FnOnce(&mut Vec<u8>)) -> PtauError {
    let mut bytes = std::fs::read(data("pot5.ptau")).unwrap();
    corrupt(&mut bytes);
    let path = std::env::temp_dir().join(format!("doppio-kzg-{}-{name}.ptau", std::process::id()));
    std::fs::write(&path, &bytes).unwrap();
    let err = Srs::from_ptau(&path, 30, &accel()).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    err
}

#[test]
fn corrupted_ptau_files_are_rejected_with_the_matching_error() {
    let e = load_corrupted("magic", |b| b[0] = b'x');
    assert!(matches!(e, PtauError::BadMagic { found } if &found == b"xtau"), "{e}");
    let e = load_corrupted("version", |b| b[4] = 2);
    assert!(matches!(e, PtauError::UnsupportedVersion(2)), "{e}");
    let e = load_corrupted("curve", |b| {
        let h = section(b, 1);
        b[h + 4] ^= 1;
    });
    assert!(matches!(e, PtauError::WrongCurve { n8: 32, .. }), "{e}");
    let e = load_corrupted("truncated", |b| b.truncate(b.len() - 100));
    assert!(matches!(e, PtauError::Truncated { .. }), "{e}");
    let e = load_corrupted("noncanonical", |b| {
        let s = section(b, 2);
        b[s + 64 * 3..s + 64 * 3 + 32].fill(0xff);
    });
    assert!(matches!(e, PtauError::NonCanonical { group: "G1", index: 3 }), "{e}");
    let e = load_corrupted("offcurve", |b| {
        let s = section(b, 2);
        b[s + 64 * 5 + 32] ^= 1;
    });
    assert!(matches!(e, PtauError::InvalidPoint { group: "G1", index: 5 }), "{e}");
    let e = load_corrupted("g2", |b| {
        let s = section(b, 3);
        b[s + 128 + 64] ^= 1;
    });
    assert!(matches!(e, PtauError::InvalidPoint { group: "G2", index: 1 }), "{e}");
    let e = load_corrupted("swapped", |b| {
        let s = section(b, 2);
        let (p2, p3): (Vec<u8>, Vec<u8>) =
            (b[s + 128..s + 192].to_vec(), b[s + 192..s + 256].to_vec());
        b[s + 128..s + 192].copy_from_slice(&p3);
        b[s + 192..s + 256].copy_from_slice(&p2);
    });
    assert!(matches!(e, PtauError::Inconsistent(_)), "{e}");
    let e = load_corrupted("missing", |b| {
        let h = section(b, 3) - 12;
        b[h] = 99;
    });
    assert!(matches!(e, PtauError::MissingSection { id: 3, .. }), "{e}");
    let e = Srs::from_ptau(&data("no-such-file.ptau"), 3, &accel()).unwrap_err();
    assert!(matches!(&e, PtauError::Io { path, .. } if path.ends_with("no-such-file.ptau")), "{e}");
}

fn poly(len: usize, seed: u64) -> Vec<Fr> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    (0..len).map(|_| Fr::rand(&mut rng)).collect()
}

fn eval(coeffs: &[Fr], z: Fr) -> Fr {
    coeffs.iter().rev().fold(Fr::zero(), |acc, c| acc * z + c)
}

#[test]
fn dev_srs_is_deterministic_and_labelled() {
    let a = Srs::insecure_dev(16, 7);
    assert!(a.is_insecure());
    assert_eq!(a.origin(), &SrsOrigin::InsecureDev { seed: 7 });
    assert_eq!(a.powers_g1(), Srs::insecure_dev(16, 7).powers_g1());
    assert_ne!(a.powers_g1()[1], Srs::insecure_dev(16, 8).powers_g1()[1]);
    assert_eq!(a.powers_g1()[0], G1Affine::generator());
    assert_eq!(a.max_degree(), 16);
}

#[test]
fn openings_verify_and_tampering_fails() {
    let accel = accel();
    for srs in [Srs::insecure_dev(40, 1), Srs::from_ptau(&data("pot5.ptau"), 40, &accel).unwrap()] {
        let ck = srs.commit_key(40, &accel).unwrap();
        let vk = srs.verifier_key();
        let p = poly(41, 2);
        let c = ck.commit(&accel, &p).unwrap();
        let z = Fr::from(12345u64);
        let o = ck.open(&accel, &p, z).unwrap();
        assert_eq!(o.value, eval(&p, z));
        assert!(vk.verify(&c, z, &o));
        let mut bad = o;
        bad.value += Fr::one();
        assert!(!vk.verify(&c, z, &bad));
        assert!(!vk.verify(&c, z + Fr::one(), &o));
        let other = ck.commit(&accel, &poly(41, 3)).unwrap();
        assert!(!vk.verify(&other, z, &o));
        let mut bad = o;
        bad.proof = (bad.proof + G1Affine::generator()).into();
        assert!(!vk.verify(&c, z, &bad));
    }
}

#[test]
fn batch_commitments_match_single_ones_and_sizes_are_checked() {
    let accel = accel();
    let srs = Srs::insecure_dev(31, 4);
    let ck = srs.commit_key(31, &accel).unwrap();
    assert_eq!(ck.max_degree(), 31);
    let polys: Vec<Vec<Fr>> = (0..40).map(|i| poly(1 + i % 32, i as u64)).collect();
    let refs: Vec<&[Fr]> = polys.iter().map(|p| p.as_slice()).collect();
    let batch = ck.commit_batch(&accel, &refs).unwrap();
    for (p, c) in polys.iter().zip(&batch) {
        assert_eq!(*c, ck.commit(&accel, p).unwrap());
    }
    assert_eq!(ck.commit(&accel, &[]).unwrap(), G1Affine::identity());
    let too_long = poly(33, 9);
    let want = KzgError::SrsTooSmall { degree: 32, needed: 33, available: 32 };
    assert_eq!(ck.commit(&accel, &too_long), Err(want.clone()));
    assert_eq!(ck.commit_batch(&accel, &[&too_long[..3], &too_long]), Err(want));
    assert_eq!(
        srs.commit_key(32, &accel).unwrap_err(),
        KzgError::SrsTooSmall { degree: 32, needed: 33, available: 32 }
    );
}

proptest::proptest! {
    #[test]
    fn synthetic_division_matches_evaluation(len in 0usize..40, seed in 0u64..1000, z in 0u64..1000) {
        let p = poly(len, seed);
        let z = Fr::from(z);
        let (q, v) = divide_by_linear(&p, z);
        proptest::prop_assert_eq!(v, eval(&p, z));
        // p(X) = q(X)(X − z) + v at a random point.
        let x = Fr::from(seed + 7);
        proptest::prop_assert_eq!(eval(&p, x), eval(&q, x) * (x - z) + v);
    }
}

/// `Σ eᵢ·basis[i]` against the commitment to the coefficients of the polynomial taking
/// the values `e` on the domain, computed by the naive inverse DFT.
fn assert_lagrange_commits_like_powers(srs: &Srs, n: usize) {
    use ark_ec::CurveGroup;
    use ark_ff::{FftField, Field};
    let basis = srs.lagrange_basis(n, &accel()).unwrap().expect("a basis");
    assert_eq!(basis.len(), n);
    let values = poly(n, n as u64);
    let omega_inv = Fr::get_root_of_unity(n as u64).unwrap().inverse().unwrap();
    let n_inv = Fr::from(n as u64).inverse().unwrap();
    let coeffs: Vec<Fr> = (0..n)
        .map(|j| {
            let w = omega_inv.pow([j as u64]);
            n_inv * values.iter().rev().fold(Fr::zero(), |acc, v| acc * w + v)
        })
        .collect();
    let by_basis: ark_bn254::G1Projective =
        basis.iter().zip(&values).map(|(p, v)| p.into_group() * v).sum();
    let by_powers = srs.commit_key(n - 1, &accel()).unwrap().commit(&accel(), &coeffs).unwrap();
    assert_eq!(by_basis.into_affine(), by_powers, "domain {n}");
}

#[test]
fn lagrange_bases_of_the_dev_srs_and_of_a_prepared_ptau_commit_like_the_powers() {
    let dev = Srs::insecure_dev(40, 9);
    let file = Srs::from_ptau(&data("pot5.ptau"), 62, &accel()).unwrap();
    for n in [1, 2, 4, 8, 16, 32] {
        assert_lagrange_commits_like_powers(&dev, n);
        assert_lagrange_commits_like_powers(&file, n);
    }
    // Domains the SRS cannot serve are refused by name.
    let e = file.lagrange_basis(64, &accel()).unwrap_err();
    assert_eq!(e, KzgError::SrsTooSmall { degree: 63, needed: 64, available: 63 });
    let e = dev.lagrange_basis(12, &accel()).unwrap_err();
    assert!(matches!(e, KzgError::LagrangeBasis { domain: 12, .. }), "{e}");
}

/// The Lagrange basis of the domain of 8 from a copy of the prepared file with `corrupt`
/// applied to its bytes.
fn lagrange_of_corrupted(
    name: &str,
    corrupt: impl FnOnce(&mut Vec<u8>),
) -> Result<Option<Vec<G1Affine>>, KzgError> {
    let mut bytes = std::fs::read(data("pot5.ptau")).unwrap();
    corrupt(&mut bytes);
    let path = std::env::temp_dir().join(format!("doppio-kzg-{}-{name}.ptau", std::process::id()));
    std::fs::write(&path, &bytes).unwrap();
    let result = Srs::from_ptau(&path, 30, &accel()).unwrap().lagrange_basis(8, &accel());
    std::fs::remove_file(&path).unwrap();
    result
}

#[test]
fn a_corrupted_or_missing_lagrange_section_is_refused_or_skipped() {
    // The domain of 8 starts at point 7 of section 12.
    let at = |b: &[u8], i: usize| section(b, 12) + 64 * (7 + i);
    let e = lagrange_of_corrupted("lagrange-swapped", |b| {
        let (p, q) = (at(b, 2), at(b, 3));
        let (x, y) = (b[p..p + 64].to_vec(), b[q..q + 64].to_vec());
        b[p..p + 64].copy_from_slice(&y);
        b[q..q + 64].copy_from_slice(&x);
    })
    .unwrap_err();
    assert!(
        matches!(&e, KzgError::LagrangeBasis { domain: 8, reason } if reason.contains("not the Lagrange basis")),
        "{e}"
    );
    let e = lagrange_of_corrupted("lagrange-offcurve", |b| {
        let p = at(b, 5);
        b[p + 32] ^= 1;
    })
    .unwrap_err();
    assert!(
        matches!(&e, KzgError::LagrangeBasis { domain: 8, reason } if reason.contains("point 5")),
        "{e}"
    );
    // A file that was not prepared for phase 2 has no basis: the caller commits with
    // the powers instead.
    let none = lagrange_of_corrupted("lagrange-missing", |b| {
        let h = section(b, 12) - 12;
        b[h] = 99;
    })
    .unwrap();
    assert!(none.is_none());
}
