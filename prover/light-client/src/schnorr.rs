//! Schnorr signatures over ed-on-BN254 with a Poseidon challenge: the light-client state
//! keys. The scheme is described in the crate README.
//!
//! The challenge (`V3`) hashes a digest of the message, `d = Poseidon(TAG, m…)`, with
//! `R.x` and `PK.x` only: `h` = element 0 of the width-3 permutation of `[d, R.x, PK.x]`.
//! The digest is shared by every signer of a state, so the circuit computes it once, and
//! the per-signer hash is the narrowest Poseidon. The x-coordinates are enough: on
//! ed-on-BN254 the two points with a given `x` are `P` and `−P + T` (`T = (0, −1)` the
//! point of order 2), and only one of them lies in the prime-order subgroup. `PK` is
//! validated to lie there, so `PK.x` determines `PK` (key prefixing holds); a verifying
//! `R` equals `s·G − c·PK`, also in the subgroup, so `R.x` determines the `R` of any
//! accepting signature (`R` stays bound). Verification uses the whole `R`.

use std::fmt;

use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ed_on_bn254::{EdwardsAffine, EdwardsProjective, Fr as Scalar};
use ark_ff::{BigInteger, PrimeField, Zero};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use sha2::{Digest, Sha512};
use tagged_base64::Tb64Error;
use zeroize::Zeroize;

use crate::{Field, poseidon, tagged::TagError};

/// Tag of a verification (public) key string.
pub const TAG_SCHNORR_VER_KEY: &str = "SCHNORR_VER_KEY";
/// Tag of a signing (private) key string.
pub const TAG_SCHNORR_SIGNING_KEY: &str = "SCHNORR_SIGNING_KEY";
/// Tag of a signature string.
pub const TAG_SCHNORR_SIG: &str = "SCHNORR_SIG";

/// Most message elements a signature covers: the message digest hashes
/// `1 + len ≤ poseidon::MAX_INPUTS` inputs.
pub const MAX_MESSAGE_LEN: usize = poseidon::MAX_INPUTS - 1;
/// Domain tag, first input of the message digest: the ASCII bytes of
/// `DOPPIO_SCHNORR_SIG_V3` read as a big-endian integer. (`V1` took the whole hash
/// modulo the group order as the challenge, `V2` hashed `R`, `PK` and the message in one
/// wide Poseidon with the bound `⌊p / 2^128⌋`; the tag keeps the schemes apart.)
pub const CHALLENGE_TAG: &[u8] = b"DOPPIO_SCHNORR_SIG_V3";
/// Bits of a challenge: the low half of the challenge hash.
pub const CHALLENGE_BITS: usize = 128;
/// `5^54` (a 126-bit number): the challenge hash's high half must be below it. It is
/// below `⌊p / 2^128⌋`, so `lo + 2^128·hi < p` and the split of a hash into halves is
/// unique (what the circuit relies on); a power of five so that the circuit can check
/// the bound with base-5 digits. An honest hash misses it with probability about 14%.
pub const CHALLENGE_HIGH_BOUND: u128 = 5u128.pow(54);
/// `⌊p / 2^128⌋` for the BN254 scalar field order `p`.
const MODULUS_HIGH_HALF: u128 = {
    let limbs = <Field as PrimeField>::MODULUS.0;
    (limbs[2] as u128) | ((limbs[3] as u128) << 64)
};
const _: () = assert!(CHALLENGE_HIGH_BOUND <= MODULUS_HIGH_HALF);
const _: () = assert!(CHALLENGE_HIGH_BOUND < 1 << 126);
/// Prefix of the SHA-512 input that derives the nonce.
pub const NONCE_DST: &[u8] = b"DOPPIO_SCHNORR_NONCE_V1";
/// Prefix of the SHA-512 input that derives a signing key from a 32-byte seed.
pub const KEYGEN_DST: &[u8] = b"DOPPIO_SCHNORR_KEYGEN_V1";

/// Bytes of an encoded point (compressed, arkworks layout) and of a scalar (little endian).
const POINT_LEN: usize = 32;
const SCALAR_LEN: usize = 32;

/// Why a Schnorr key or signature was rejected.
#[derive(Debug, thiserror::Error)]
pub enum SchnorrError {
    /// Not a tagged base64 string, or its checksum does not match.
    #[error("invalid tagged base64 string: {0}")]
    Encoding(#[from] Tb64Error),
    /// A tagged base64 string with another tag.
    #[error("wrong tag: expected `{expected}`, found `{found}`")]
    WrongTag {
        /// The tag this type uses.
        expected: &'static str,
        /// The tag in the string.
        found: String,
    },
    /// The payload has the wrong size.
    #[error("{what}: expected {expected} bytes, found {found}")]
    WrongLength {
        /// What was decoded.
        what: &'static str,
        /// Bytes it takes.
        expected: usize,
        /// Bytes given.
        found: usize,
    },
    /// The bytes name no point of the curve.
    #[error("{what}: not a point on ed-on-BN254")]
    NotOnCurve {
        /// What was decoded.
        what: &'static str,
    },
    /// A curve point outside the prime-order subgroup (a small-order component).
    #[error("{what}: point not in the prime-order subgroup")]
    NotInSubgroup {
        /// What was decoded.
        what: &'static str,
    },
    /// The identity point, which no honest key or nonce produces.
    #[error("{what}: the identity point is not allowed")]
    Identity {
        /// What was decoded.
        what: &'static str,
    },
    /// A scalar not below the group order (non-canonical encoding).
    #[error("{what}: scalar not below the group order")]
    NonCanonicalScalar {
        /// What was decoded.
        what: &'static str,
    },
    /// A signing key of zero.
    #[error("the signing key is zero")]
    ZeroSigningKey,
    /// A message too long for one challenge hash.
    #[error("message has {len} field elements; at most {max} can be signed")]
    MessageTooLong {
        /// Elements given.
        len: usize,
        /// [`MAX_MESSAGE_LEN`].
        max: usize,
    },
    /// The nonce hash reduced to zero (probability 2^-251; re-sign a different message).
    #[error("the derived nonce is zero")]
    DegenerateNonce,
    /// The challenge hash's high half is not below [`CHALLENGE_HIGH_BOUND`] (probability
    /// about 14% for an honest hash): no such signature is valid, and signers retry with
    /// another nonce.
    #[error("the challenge hash's high half is not below 5^54")]
    ChallengeOutOfRange,
    /// The signature does not verify for this key and message.
    #[error("invalid Schnorr signature")]
    InvalidSignature,
}

/// A signing key: a non-zero scalar of the prime-order subgroup.
#[derive(Clone, PartialEq, Eq)]
pub struct SchnorrSigningKey(Scalar);

/// A verification key: `sk·G`, a non-identity point of the prime-order subgroup.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SchnorrVerKey(EdwardsAffine);

/// A signature `(R, s)` with `s·G = R + c·PK`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SchnorrSignature {
    r: EdwardsAffine,
    s: Scalar,
}

impl Drop for SchnorrSigningKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SchnorrSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SchnorrSigningKey(<redacted>, public {})", self.ver_key())
    }
}

impl SchnorrSigningKey {
    /// A signing key from a non-zero scalar.
    pub fn from_scalar(scalar: Scalar) -> Result<Self, SchnorrError> {
        if scalar.is_zero() {
            return Err(SchnorrError::ZeroSigningKey);
        }
        Ok(Self(scalar))
    }

    /// The key derived from 32 bytes of seed: `SHA-512(KEYGEN_DST ‖ seed)` read little
    /// endian, reduced modulo the group order.
    pub fn from_seed(seed: &[u8; 32]) -> Result<Self, SchnorrError> {
        let digest = Sha512::new().chain_update(KEYGEN_DST).chain_update(seed).finalize();
        Self::from_scalar(Scalar::from_le_bytes_mod_order(&digest))
    }

    /// A fresh key from `rng`.
    pub fn generate(rng: &mut (impl rand::RngCore + rand::CryptoRng)) -> Self {
        loop {
            let mut seed = [0u8; 32];
            rng.fill_bytes(&mut seed);
            if let Ok(key) = Self::from_seed(&seed) {
                seed.zeroize();
                return key;
            }
        }
    }

    /// The secret scalar.
    pub fn scalar(&self) -> Scalar {
        self.0
    }

    /// The matching verification key.
    pub fn ver_key(&self) -> SchnorrVerKey {
        SchnorrVerKey((EdwardsProjective::generator() * self.0).into_affine())
    }

    /// Signs `message` (at most [`MAX_MESSAGE_LEN`] field elements) deterministically.
    pub fn sign(&self, message: &[Field]) -> Result<SchnorrSignature, SchnorrError> {
        self.sign_with(message, challenge_of_digest)
    }

    /// Signs with `challenge_of`, retrying with the next nonce while it answers
    /// [`SchnorrError::ChallengeOutOfRange`] (tests substitute it to reach the retry).
    fn sign_with(
        &self,
        message: &[Field],
        challenge_of: impl Fn(&EdwardsAffine, &SchnorrVerKey, Field) -> Result<Scalar, SchnorrError>,
    ) -> Result<SchnorrSignature, SchnorrError> {
        let digest = message_digest(message)?;
        let pk = self.ver_key();
        let mut attempt = 0u64;
        loop {
            let k = self.nonce(message, attempt)?;
            let r = (EdwardsProjective::generator() * k).into_affine();
            match challenge_of(&r, &pk, digest) {
                Ok(c) => return Ok(SchnorrSignature { r, s: k + c * self.0 }),
                Err(SchnorrError::ChallengeOutOfRange) => attempt += 1,
                Err(e) => return Err(e),
            }
        }
    }

    /// `k = SHA-512(NONCE_DST ‖ sk ‖ m₀ ‖ … ‖ mₙ₋₁ [‖ attempt])` mod order, every value 32
    /// bytes little endian and `attempt` 8 bytes little endian, left out for the first.
    fn nonce(&self, message: &[Field], attempt: u64) -> Result<Scalar, SchnorrError> {
        let mut h = Sha512::new().chain_update(NONCE_DST).chain_update(scalar_bytes(&self.0));
        for m in message {
            h.update(m.into_bigint().to_bytes_le());
        }
        if attempt > 0 {
            h.update(attempt.to_le_bytes());
        }
        let k = Scalar::from_le_bytes_mod_order(&h.finalize());
        if k.is_zero() { Err(SchnorrError::DegenerateNonce) } else { Ok(k) }
    }

    /// The 32-byte little-endian encoding of the scalar.
    pub fn to_bytes(&self) -> [u8; SCALAR_LEN] {
        scalar_bytes(&self.0)
    }

    /// Decodes [`SchnorrSigningKey::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SchnorrError> {
        Self::from_scalar(decode_scalar(bytes, "schnorr signing key")?)
    }
}

impl SchnorrVerKey {
    /// The point.
    pub fn point(&self) -> EdwardsAffine {
        self.0
    }

    /// Checks `sig` on `message`: the challenge hash's high half below
    /// [`CHALLENGE_HIGH_BOUND`] ([`SchnorrError::ChallengeOutOfRange`] otherwise), then
    /// `s·G == R + c·PK`.
    pub fn verify(&self, message: &[Field], sig: &SchnorrSignature) -> Result<(), SchnorrError> {
        let c = challenge(&sig.r, self, message)?;
        let lhs = EdwardsProjective::generator() * sig.s;
        let rhs = sig.r.into_group() + self.0 * c;
        if lhs == rhs { Ok(()) } else { Err(SchnorrError::InvalidSignature) }
    }

    /// The 32-byte compressed encoding (arkworks: y little endian, sign of x in the top bit).
    pub fn to_bytes(&self) -> [u8; POINT_LEN] {
        point_bytes(&self.0)
    }

    /// Decodes [`SchnorrVerKey::to_bytes`], rejecting points off the curve, outside the
    /// prime-order subgroup, and the identity.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SchnorrError> {
        decode_point(bytes, "schnorr verification key").map(Self)
    }
}

impl SchnorrSignature {
    /// The commitment `R`.
    pub fn r(&self) -> EdwardsAffine {
        self.r
    }

    /// The response `s`.
    pub fn s(&self) -> Scalar {
        self.s
    }

    /// `R` compressed (32 bytes) followed by `s` little endian (32 bytes).
    pub fn to_bytes(&self) -> [u8; POINT_LEN + SCALAR_LEN] {
        let mut out = [0u8; POINT_LEN + SCALAR_LEN];
        out[..POINT_LEN].copy_from_slice(&point_bytes(&self.r));
        out[POINT_LEN..].copy_from_slice(&scalar_bytes(&self.s));
        out
    }

    /// Decodes [`SchnorrSignature::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SchnorrError> {
        check_len(bytes, POINT_LEN + SCALAR_LEN, "schnorr signature")?;
        let r = decode_point(&bytes[..POINT_LEN], "schnorr signature R")?;
        let s = decode_scalar(&bytes[POINT_LEN..], "schnorr signature s")?;
        Ok(Self { r, s })
    }
}

/// The challenge of `R` and `PK` on `message`: [`challenge_of_digest`] of
/// [`message_digest`].
pub fn challenge(
    r: &EdwardsAffine,
    pk: &SchnorrVerKey,
    message: &[Field],
) -> Result<Scalar, SchnorrError> {
    challenge_of_digest(r, pk, message_digest(message)?)
}

/// The message digest `d = Poseidon(TAG, m₀, …, mₙ₋₁)`, one for all signers of `message`.
pub fn message_digest(message: &[Field]) -> Result<Field, SchnorrError> {
    check_message(message)?;
    let mut inputs = vec![challenge_tag()];
    inputs.extend_from_slice(message);
    poseidon::hash(&inputs)
        .map_err(|_| SchnorrError::MessageTooLong { len: message.len(), max: MAX_MESSAGE_LEN })
}

/// The challenge hash `h`: element 0 of the width-3 Poseidon permutation of
/// `[d, R.x, PK.x]` (circomlibjs `poseidon([R.x, PK.x], d)`).
pub fn challenge_hash(r: &EdwardsAffine, pk: &SchnorrVerKey, digest: Field) -> Field {
    poseidon::hash_with_capacity(digest, &[r.x, pk.0.x]).expect("two inputs")
}

/// The challenge for a message digest: [`challenge_hash`] split as `lo + 2^128·hi`,
/// `c = lo` ([`challenge_of_hash`]).
pub fn challenge_of_digest(
    r: &EdwardsAffine,
    pk: &SchnorrVerKey,
    digest: Field,
) -> Result<Scalar, SchnorrError> {
    challenge_of_hash(challenge_hash(r, pk, digest))
}

/// The halves `(lo, hi)` of a hash's canonical integer `lo + 2^128·hi`.
pub fn challenge_halves(h: Field) -> (u128, u128) {
    let limbs = h.into_bigint().0;
    let half = |a: u64, b: u64| (a as u128) | ((b as u128) << 64);
    (half(limbs[0], limbs[1]), half(limbs[2], limbs[3]))
}

/// The challenge `lo` of a hash, or [`SchnorrError::ChallengeOutOfRange`] when its high
/// half is not below [`CHALLENGE_HIGH_BOUND`].
pub fn challenge_of_hash(h: Field) -> Result<Scalar, SchnorrError> {
    let (lo, hi) = challenge_halves(h);
    if hi >= CHALLENGE_HIGH_BOUND {
        return Err(SchnorrError::ChallengeOutOfRange);
    }
    Ok(Scalar::from(lo))
}

/// [`CHALLENGE_TAG`] as a field element.
pub fn challenge_tag() -> Field {
    Field::from_be_bytes_mod_order(CHALLENGE_TAG)
}

fn check_message(message: &[Field]) -> Result<(), SchnorrError> {
    if message.len() > MAX_MESSAGE_LEN {
        return Err(SchnorrError::MessageTooLong { len: message.len(), max: MAX_MESSAGE_LEN });
    }
    Ok(())
}

fn check_len(bytes: &[u8], expected: usize, what: &'static str) -> Result<(), SchnorrError> {
    if bytes.len() != expected {
        return Err(SchnorrError::WrongLength { what, expected, found: bytes.len() });
    }
    Ok(())
}

fn scalar_bytes(s: &Scalar) -> [u8; SCALAR_LEN] {
    let mut out = [0u8; SCALAR_LEN];
    out.copy_from_slice(&s.into_bigint().to_bytes_le());
    out
}

fn point_bytes(p: &EdwardsAffine) -> [u8; POINT_LEN] {
    let mut out = [0u8; POINT_LEN];
    p.serialize_compressed(&mut out[..]).expect("a point fits 32 bytes");
    out
}

fn decode_scalar(bytes: &[u8], what: &'static str) -> Result<Scalar, SchnorrError> {
    check_len(bytes, SCALAR_LEN, what)?;
    Scalar::deserialize_compressed(bytes).map_err(|_| SchnorrError::NonCanonicalScalar { what })
}

fn decode_point(bytes: &[u8], what: &'static str) -> Result<EdwardsAffine, SchnorrError> {
    check_len(bytes, POINT_LEN, what)?;
    let p = EdwardsAffine::deserialize_with_mode(bytes, Compress::Yes, Validate::No)
        .map_err(|_| SchnorrError::NotOnCurve { what })?;
    if !p.is_on_curve() {
        return Err(SchnorrError::NotOnCurve { what });
    }
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(SchnorrError::NotInSubgroup { what });
    }
    if p.is_zero() {
        return Err(SchnorrError::Identity { what });
    }
    Ok(p)
}

impl SchnorrError {
    /// The error for a tagged string that failed before its payload was read.
    pub(crate) fn from_tag(expected: &'static str, e: TagError) -> Self {
        match e {
            TagError::Encoding(e) => SchnorrError::Encoding(e),
            TagError::WrongTag(found) => SchnorrError::WrongTag { expected, found },
        }
    }
}

crate::tagged_string!(SchnorrVerKey, TAG_SCHNORR_VER_KEY, SchnorrError);
crate::tagged_string!(SchnorrSigningKey, TAG_SCHNORR_SIGNING_KEY, SchnorrError);
crate::tagged_string!(SchnorrSignature, TAG_SCHNORR_SIG, SchnorrError);

impl fmt::Debug for SchnorrVerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SchnorrVerKey({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_high_bound_keeps_every_split_below_the_modulus() {
        let p = <Field as PrimeField>::MODULUS;
        assert_eq!(Field::from(MODULUS_HIGH_HALF).into_bigint(), p >> 128);
        let five = Field::from(5u64);
        assert_eq!(
            Field::from(CHALLENGE_HIGH_BOUND),
            (0..54).fold(Field::from(1u64), |a, _| a * five)
        );
        // The largest valid split, (2^128 − 1) + 2^128·(5^54 − 1), is a canonical integer
        // (below p): as a field element it splits back into the same halves.
        let two_128 = Field::from(u128::MAX) + Field::from(1u64);
        let largest = Field::from(CHALLENGE_HIGH_BOUND) * two_128 - Field::from(1u64);
        assert_eq!(challenge_halves(largest), (u128::MAX, CHALLENGE_HIGH_BOUND - 1));
    }

    #[test]
    fn about_one_hash_in_seven_is_out_of_range() {
        // 1 − 2^128·5^54 / p ≈ 0.137: count over 2,000 hashes.
        let out = (0..2_000u64)
            .filter(|i| challenge_of_hash(poseidon::hash(&[Field::from(*i)]).unwrap()).is_err())
            .count();
        assert!((200..350).contains(&out), "{out} of 2000 out of range");
    }

    #[test]
    fn the_challenge_hash_is_the_capacity_hash_of_the_digest() {
        let key = SchnorrSigningKey::from_seed(&[5; 32]).unwrap();
        let pk = key.ver_key();
        let m = [Field::from(1u64), Field::from(2u64), Field::from(3u64)];
        let d = message_digest(&m).unwrap();
        let tag = challenge_tag();
        assert_eq!(d, poseidon::hash(&[tag, m[0], m[1], m[2]]).unwrap());
        let r = (EdwardsProjective::generator() * Scalar::from(77u64)).into_affine();
        let mut state = [d, r.x, pk.point().x];
        poseidon::permute(&mut state);
        assert_eq!(challenge_hash(&r, &pk, d), state[0]);
        // R.y and PK.y are not hashed: −R + T has the same x (and is outside the subgroup).
        let t = EdwardsAffine::new_unchecked(Field::from(0u64), -Field::from(1u64));
        let twin = ((-r.into_group()) + t).into_affine();
        assert_eq!((twin.x, twin.y == r.y), (r.x, false));
        assert!(!twin.is_in_correct_subgroup_assuming_on_curve());
        assert_eq!(challenge_hash(&twin, &pk, d), challenge_hash(&r, &pk, d));
        // Verification checks the whole R: a signature with R's twin (same challenge) fails.
        let sig = key.sign(&m).unwrap();
        pk.verify(&m, &sig).unwrap();
        let r = sig.r();
        let twin = ((-r.into_group()) + t).into_affine();
        let forged = SchnorrSignature { r: twin, s: sig.s() };
        assert!(matches!(pk.verify(&m, &forged), Err(SchnorrError::InvalidSignature)));
    }

    #[test]
    fn challenges_are_the_low_half_below_the_bound() {
        let two_128 = Field::from(u128::MAX) + Field::from(1u64);
        let top = Field::from(CHALLENGE_HIGH_BOUND) * two_128; // hi = 5^54, lo = 0
        assert!(matches!(challenge_of_hash(top), Err(SchnorrError::ChallengeOutOfRange)));
        assert!(matches!(
            challenge_of_hash(-Field::from(1u64)),
            Err(SchnorrError::ChallengeOutOfRange)
        ));
        let below = top - Field::from(1u64); // hi = 5^54 − 1, lo = 2^128 − 1
        assert_eq!(challenge_halves(below), (u128::MAX, CHALLENGE_HIGH_BOUND - 1));
        assert_eq!(challenge_of_hash(below).unwrap(), Scalar::from(u128::MAX));
        let h = Field::from(7u64) * two_128 + Field::from(5u64);
        assert_eq!(challenge_halves(h), (5, 7));
        assert_eq!(challenge_of_hash(h).unwrap(), Scalar::from(5u64));
    }

    #[test]
    fn signing_retries_with_the_next_nonce_when_the_challenge_is_out_of_range() {
        let key = SchnorrSigningKey::from_seed(&[3; 32]).unwrap();
        let m = [Field::from(1u64), Field::from(2u64)];
        let first = key.sign(&m).unwrap();
        // Pretend the first nonce's challenge hash had hi ≥ 5^54.
        let picky = |r: &EdwardsAffine, pk: &SchnorrVerKey, d: Field| {
            if *r == first.r() {
                Err(SchnorrError::ChallengeOutOfRange)
            } else {
                challenge_of_digest(r, pk, d)
            }
        };
        let retried = key.sign_with(&m, picky).unwrap();
        let k1 = key.nonce(&m, 1).unwrap();
        assert_eq!(retried.r(), (EdwardsProjective::generator() * k1).into_affine());
        assert_ne!(retried.r(), first.r());
        key.ver_key().verify(&m, &retried).unwrap();
        // Other errors are not retried.
        let failing = |_: &EdwardsAffine, _: &SchnorrVerKey, _: Field| -> Result<Scalar, _> {
            Err(SchnorrError::InvalidSignature)
        };
        assert!(matches!(key.sign_with(&m, failing), Err(SchnorrError::InvalidSignature)));
    }
}
