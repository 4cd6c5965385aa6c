//! Payload bytes ↔ BN254 scalars.
//!
//! The payload is followed by one `0x01` byte and zero bytes up to a multiple of
//! [`BYTES_PER_ELEM`]; each 31-byte chunk is a little-endian integer below 2^248, so
//! below the scalar field's modulus. Decoding drops the trailing zeros and the marker,
//! so every byte string — the empty one, and those ending in zero bytes — round-trips.
//! Zero scalars that fill the last polynomial decode to zero bytes and are dropped the
//! same way.

use ark_bn254::Fr;
use ark_ff::PrimeField;
use doppio_accel::parallel::Parallelism;

use crate::error::VidError;

/// Payload bytes per scalar.
pub const BYTES_PER_ELEM: usize = 31;
/// The byte that ends every payload before its zero padding.
const MARKER: u8 = 0x01;

/// Scalars encoding `payload` (at least one).
pub fn bytes_to_elems(payload: &[u8]) -> Vec<Fr> {
    bytes_to_elems_with(payload, Parallelism::Sequential)
}

/// [`bytes_to_elems`] with a parallel strategy.
pub(crate) fn bytes_to_elems_with(payload: &[u8], par: Parallelism) -> Vec<Fr> {
    let full = payload.len() / BYTES_PER_ELEM;
    let mut out = vec![Fr::from(0u64); full + 1];
    let chunk = par.chunk_len(full, 1 << 12);
    par.for_each_chunk(&mut out[..full], chunk, |k, elems| {
        let bytes = &payload[k * chunk * BYTES_PER_ELEM..];
        for (e, b) in elems.iter_mut().zip(bytes.chunks_exact(BYTES_PER_ELEM)) {
            *e = Fr::from_le_bytes_mod_order(b);
        }
    });
    let mut last = payload[full * BYTES_PER_ELEM..].to_vec();
    last.push(MARKER);
    out[full] = Fr::from_le_bytes_mod_order(&last);
    out
}

/// Number of scalars [`bytes_to_elems`] makes of `len` bytes.
pub fn elem_count(len: usize) -> usize {
    (len + 1).div_ceil(BYTES_PER_ELEM)
}

/// Appends the 31 payload bytes of `elem`; an element of 2^248 or more cannot come from
/// [`bytes_to_elems`].
pub(crate) fn push_elem_bytes(elem: &Fr, out: &mut Vec<u8>) -> Result<(), VidError> {
    let limbs = elem.into_bigint().0;
    if limbs[3] >> 56 != 0 {
        return Err(VidError::MalformedPayload("a scalar does not encode 31 bytes"));
    }
    for limb in &limbs[..3] {
        out.extend_from_slice(&limb.to_le_bytes());
    }
    out.extend_from_slice(&limbs[3].to_le_bytes()[..7]);
    Ok(())
}

/// The payload encoded by `elems` (trailing zero scalars allowed).
pub fn elems_to_bytes(elems: &[Fr]) -> Result<Vec<u8>, VidError> {
    let mut out = Vec::with_capacity(elems.len() * BYTES_PER_ELEM);
    for e in elems {
        push_elem_bytes(e, &mut out)?;
    }
    strip_padding(out)
}

/// Drops the zero padding and the marker.
pub(crate) fn strip_padding(mut bytes: Vec<u8>) -> Result<Vec<u8>, VidError> {
    let end = bytes.iter().rposition(|&b| b != 0);
    match end {
        Some(i) if bytes[i] == MARKER => {
            bytes.truncate(i);
            Ok(bytes)
        }
        _ => Err(VidError::MalformedPayload("the padding marker is missing")),
    }
}

/// The padded byte stream's bytes `[from, to)` past the payload end `len`: the marker at
/// `len`, zeros after it.
pub(crate) fn padding(len: usize, from: usize, to: usize) -> impl Iterator<Item = u8> {
    (from.max(len)..to).map(move |i| if i == len { MARKER } else { 0 })
}
