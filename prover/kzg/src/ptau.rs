//! Reader for the Powers-of-Tau file format of snarkjs (`.ptau`, version 1).
//!
//! Layout: the magic `ptau`, a `u32` version and a `u32` section count, then sections,
//! each a `u32` id, a `u64` byte length and its data. Section 1 is the header (`n8`, the
//! base-field modulus in `n8` little-endian bytes, the power, the ceremony power);
//! section 2 holds `2^(power+1) − 1` G1 points `[τ^i]₁`, section 3 `2^power` G2 points
//! `[τ^i]₂`. Coordinates are little-endian Montgomery forms with `R = 2^256`, the same
//! representation arkworks uses for BN254, so limbs are taken as they are after a
//! range check. Only the prefix of each section that is asked for is read, so a
//! ceremony file of 2^28 powers serves a small SRS quickly.
//!
//! Files prepared for phase 2 (`snarkjs powersoftau prepare phase2`, as the published
//! `powersOfTau28_hez_final_NN.ptau` files are) add section 12: for every `p` from 0 to
//! `power + 1`, the `2^p` G1 points `[Lᵢ(τ)]₁` of the Lagrange basis of the domain of
//! the `2^p`-th roots of unity, in the order of `ωⁱ`, one domain after the other (so
//! the domain of `2^k` starts at point `2^k − 1`).

use std::{
    fs::File,
    io::{Read, Seek, SeekFrom},
    path::Path,
};

use ark_bn254::{Fq, Fq2, G1Affine, G2Affine};
use ark_ff::{BigInt, BigInteger, PrimeField};

use crate::error::PtauError;

const G1_BYTES: u64 = 64;
const G2_BYTES: u64 = 128;

/// The powers read from a `.ptau` file (unvalidated beyond field ranges).
#[derive(Debug)]
pub(crate) struct PtauPowers {
    pub(crate) power: u32,
    pub(crate) g1: Vec<G1Affine>,
    pub(crate) g2: Vec<G2Affine>,
}

struct Reader {
    file: File,
    len: u64,
}

impl Reader {
    fn read_at(
        &mut self,
        offset: u64,
        buf: &mut [u8],
        what: &'static str,
    ) -> Result<(), PtauError> {
        let needed = buf.len() as u64;
        if offset.checked_add(needed).is_none_or(|end| end > self.len) {
            return Err(PtauError::Truncated { what, offset, needed, len: self.len });
        }
        self.file.seek(SeekFrom::Start(offset)).map_err(io_error)?;
        self.file.read_exact(buf).map_err(io_error)
    }

    fn u32_at(&mut self, offset: u64, what: &'static str) -> Result<u32, PtauError> {
        let mut b = [0u8; 4];
        self.read_at(offset, &mut b, what)?;
        Ok(u32::from_le_bytes(b))
    }

    fn u64_at(&mut self, offset: u64, what: &'static str) -> Result<u64, PtauError> {
        let mut b = [0u8; 8];
        self.read_at(offset, &mut b, what)?;
        Ok(u64::from_le_bytes(b))
    }
}

// The path is attached by the caller, which knows it.
fn io_error(source: std::io::Error) -> PtauError {
    PtauError::Io { path: Default::default(), source }
}

/// Section id → (data offset, data length).
fn sections(r: &mut Reader) -> Result<Vec<(u32, u64, u64)>, PtauError> {
    let mut magic = [0u8; 4];
    r.read_at(0, &mut magic, "magic")?;
    if &magic != b"ptau" {
        return Err(PtauError::BadMagic { found: magic });
    }
    let version = r.u32_at(4, "version")?;
    if version != 1 {
        return Err(PtauError::UnsupportedVersion(version));
    }
    let count = r.u32_at(8, "section count")?;
    let mut out = Vec::new();
    let mut offset = 12u64;
    for _ in 0..count {
        let id = r.u32_at(offset, "section header")?;
        let len = r.u64_at(offset + 4, "section header")?;
        let data = offset + 12;
        if data.checked_add(len).is_none_or(|end| end > r.len) {
            return Err(PtauError::Truncated {
                what: "section",
                offset: data,
                needed: len,
                len: r.len,
            });
        }
        out.push((id, data, len));
        offset = data + len;
    }
    Ok(out)
}

fn find(
    sections: &[(u32, u64, u64)],
    id: u32,
    name: &'static str,
) -> Result<(u64, u64), PtauError> {
    sections
        .iter()
        .find(|s| s.0 == id)
        .map(|s| (s.1, s.2))
        .ok_or(PtauError::MissingSection { id, name })
}

/// Opens `path` and runs `f` on it, naming the file in I/O errors.
fn with_file<T>(
    path: &Path,
    f: impl FnOnce(&mut Reader) -> Result<T, PtauError>,
) -> Result<T, PtauError> {
    let with_path = |e: PtauError| match e {
        PtauError::Io { source, .. } => PtauError::Io { path: path.to_owned(), source },
        other => other,
    };
    let file = File::open(path).map_err(io_error).map_err(with_path)?;
    let len = file.metadata().map_err(io_error).map_err(with_path)?.len();
    f(&mut Reader { file, len }).map_err(with_path)
}

/// Checks the header's curve and returns its power.
fn header_power(r: &mut Reader, sections: &[(u32, u64, u64)]) -> Result<u32, PtauError> {
    let (header, _) = find(sections, 1, "header")?;
    let n8 = r.u32_at(header, "header")?;
    let mut modulus = vec![0u8; n8.min(64) as usize];
    r.read_at(header + 4, &mut modulus, "header")?;
    let bn254_q = Fq::MODULUS.to_bytes_le();
    if n8 != 32 || modulus != bn254_q {
        let hex = modulus.iter().rev().map(|b| format!("{b:02x}")).collect();
        return Err(PtauError::WrongCurve { n8, modulus: hex });
    }
    let power = r.u32_at(header + 4 + 32, "header")?;
    if power > 32 {
        return Err(PtauError::SectionSize { id: 1, len: 0, expected: 0, power });
    }
    Ok(power)
}

/// Reads `g1_count` powers from section 2 and `g2_count` from section 3 (each at most
/// what the file holds; the caller checks the counts it got).
pub(crate) fn read(path: &Path, g1_count: usize, g2_count: usize) -> Result<PtauPowers, PtauError> {
    with_file(path, |r| {
        let sections = sections(r)?;
        let power = header_power(r, &sections)?;
        let g1_total = (1u64 << (power + 1)) - 1;
        let g2_total = 1u64 << power;
        let g1 =
            read_points(r, &sections, 2, "tauG1", G1_BYTES, g1_total, power, g1_count, g1_point)?;
        let g2 =
            read_points(r, &sections, 3, "tauG2", G2_BYTES, g2_total, power, g2_count, g2_point)?;
        Ok(PtauPowers { power, g1, g2 })
    })
}

/// The Lagrange basis of the domain of `n = 2^k` points from section 12, or `None` when
/// the file has no section 12 (it was not prepared for phase 2) or no basis that large.
pub(crate) fn read_lagrange(path: &Path, n: usize) -> Result<Option<Vec<G1Affine>>, PtauError> {
    with_file(path, |r| {
        let sections = sections(r)?;
        if !sections.iter().any(|s| s.0 == LAGRANGE_G1) {
            return Ok(None);
        }
        let power = header_power(r, &sections)?;
        if !n.is_power_of_two() || n as u64 > 1u64 << (power + 1) {
            return Ok(None);
        }
        let (offset, len) = find(&sections, LAGRANGE_G1, "lagrangeG1")?;
        let total = (1u64 << (power + 2)) - 1;
        if len < total * G1_BYTES {
            let expected = total * G1_BYTES;
            return Err(PtauError::SectionSize { id: LAGRANGE_G1, len, expected, power });
        }
        let first = n as u64 - 1;
        let mut bytes = vec![0u8; n * G1_BYTES as usize];
        r.read_at(offset + first * G1_BYTES, &mut bytes, "lagrangeG1")?;
        let points = bytes.chunks_exact(G1_BYTES as usize).enumerate().map(|(i, b)| g1_point(b, i));
        points.collect::<Result<_, _>>().map(Some)
    })
}

/// Section 12 of a file prepared for phase 2: Lagrange bases of G1.
const LAGRANGE_G1: u32 = 12;

#[allow(clippy::too_many_arguments)]
fn read_points<P>(
    r: &mut Reader,
    sections: &[(u32, u64, u64)],
    id: u32,
    name: &'static str,
    size: u64,
    total: u64,
    power: u32,
    wanted: usize,
    parse: fn(&[u8], usize) -> Result<P, PtauError>,
) -> Result<Vec<P>, PtauError> {
    let (offset, len) = find(sections, id, name)?;
    if len < total * size {
        return Err(PtauError::SectionSize { id, len, expected: total * size, power });
    }
    let count = (wanted as u64).min(total);
    let mut bytes = vec![0u8; (count * size) as usize];
    r.read_at(offset, &mut bytes, name)?;
    bytes.chunks_exact(size as usize).enumerate().map(|(i, b)| parse(b, i)).collect()
}

fn fq(bytes: &[u8], group: &'static str, index: usize) -> Result<Fq, PtauError> {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        *limb = u64::from_le_bytes(chunk.try_into().expect("8-byte chunk"));
    }
    let mont = BigInt::new(limbs);
    if mont >= Fq::MODULUS {
        return Err(PtauError::NonCanonical { group, index });
    }
    // The file stores Montgomery forms with R = 2^256, as arkworks does internally.
    Ok(Fq::new_unchecked(mont))
}

fn g1_point(b: &[u8], index: usize) -> Result<G1Affine, PtauError> {
    let (x, y) = (fq(&b[..32], "G1", index)?, fq(&b[32..], "G1", index)?);
    let p = G1Affine::new_unchecked(x, y);
    if !p.is_on_curve() || !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(PtauError::InvalidPoint { group: "G1", index });
    }
    Ok(p)
}

fn g2_point(b: &[u8], index: usize) -> Result<G2Affine, PtauError> {
    let c = |i: usize| fq(&b[32 * i..32 * (i + 1)], "G2", index);
    let p = G2Affine::new_unchecked(Fq2::new(c(0)?, c(1)?), Fq2::new(c(2)?, c(3)?));
    if !p.is_on_curve() || !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(PtauError::InvalidPoint { group: "G2", index });
    }
    Ok(p)
}
