//! BLS12-381 staking keys, min-pk (keys in G1, signatures in G2) through blst, with the
//! IETF ciphersuite `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_` and its proof of
//! possession.

use std::hash::{Hash, Hasher};

use blst::{
    BLST_ERROR, blst_p1_affine, blst_p2_affine,
    min_pk::{PublicKey, SecretKey, Signature},
};
use tagged_base64::Tb64Error;

use doppio_light_client::{tagged::TagError, tagged_string};

/// Domain separation tag of signatures (the IETF proof-of-possession ciphersuite).
pub const DST_SIG: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
/// Domain separation tag of proofs of possession.
pub const DST_POP: &[u8] = b"BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

/// Tag of a verification (public) key string.
pub const TAG_BLS_VER_KEY: &str = "BLS_VER_KEY";
/// Tag of a signing (private) key string.
pub const TAG_BLS_SIGNING_KEY: &str = "BLS_SIGNING_KEY";
/// Tag of a signature string; proofs of possession are signatures and use it too.
pub const TAG_BLS_SIG: &str = "BLS_SIG";

/// Compressed public key bytes.
pub const PUBLIC_KEY_LEN: usize = 48;
/// Compressed signature bytes.
pub const SIGNATURE_LEN: usize = 96;
/// Secret key bytes (big endian, as in the IETF draft).
pub const SECRET_KEY_LEN: usize = 32;

/// Why a BLS key, signature or proof was rejected.
#[derive(Debug, thiserror::Error)]
pub enum BlsError {
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
    /// Bad compression flags or a coordinate not below the field modulus.
    #[error("{what}: malformed point encoding")]
    BadEncoding {
        /// What was decoded.
        what: &'static str,
    },
    /// The bytes name no point of the curve.
    #[error("{what}: not a point on BLS12-381")]
    NotOnCurve {
        /// What was decoded.
        what: &'static str,
    },
    /// A curve point outside the prime-order subgroup.
    #[error("{what}: point not in the prime-order subgroup")]
    NotInSubgroup {
        /// What was decoded.
        what: &'static str,
    },
    /// The identity (point at infinity).
    #[error("{what}: the identity point is not allowed")]
    Identity {
        /// What was decoded.
        what: &'static str,
    },
    /// A secret key of zero or not below the group order.
    #[error("secret key is zero or not below the group order")]
    InvalidSecretKey,
    /// The signature does not verify for this key and message.
    #[error("invalid BLS signature")]
    InvalidSignature,
    /// The proof of possession does not verify for this key.
    #[error("invalid proof of possession for {key}")]
    InvalidProofOfPossession {
        /// The key it was meant to prove.
        key: Box<BlsPublicKey>,
    },
}

impl BlsError {
    pub(crate) fn from_tag(expected: &'static str, e: TagError) -> Self {
        match e {
            TagError::Encoding(e) => BlsError::Encoding(e),
            TagError::WrongTag(found) => BlsError::WrongTag { expected, found },
        }
    }

    fn from_blst(e: BLST_ERROR, what: &'static str) -> Self {
        match e {
            BLST_ERROR::BLST_POINT_NOT_ON_CURVE => BlsError::NotOnCurve { what },
            BLST_ERROR::BLST_POINT_NOT_IN_GROUP => BlsError::NotInSubgroup { what },
            BLST_ERROR::BLST_PK_IS_INFINITY => BlsError::Identity { what },
            _ => BlsError::BadEncoding { what },
        }
    }
}

fn check_len(bytes: &[u8], expected: usize, what: &'static str) -> Result<(), BlsError> {
    if bytes.len() != expected {
        return Err(BlsError::WrongLength { what, expected, found: bytes.len() });
    }
    Ok(())
}

/// A staking signing key.
#[derive(Clone)]
pub struct BlsSecretKey(SecretKey);

/// A staking verification key: a validated (on the curve, in the subgroup, not the
/// identity) G1 point.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct BlsPublicKey(PublicKey);

/// A signature: a validated G2 point.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct BlsSignature(Signature);

/// A proof of possession: the key's signature over its own compressed encoding under
/// [`DST_POP`]. Required for every key that enters a stake table, so that no one can
/// register a key chosen as a function of other keys (rogue-key attack).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ProofOfPossession(Signature);

impl BlsSecretKey {
    /// The IETF `KeyGen` of 32 or more bytes of key material.
    pub fn from_ikm(ikm: &[u8; 32]) -> Self {
        // blst only fails for ikm shorter than 32 bytes, which the type rules out.
        Self(SecretKey::key_gen(ikm, &[]).expect("32 bytes of key material"))
    }

    /// A fresh key from `rng`.
    pub fn generate(rng: &mut (impl rand::RngCore + rand::CryptoRng)) -> Self {
        let mut ikm = zeroize::Zeroizing::new([0u8; 32]);
        rng.fill_bytes(ikm.as_mut());
        Self::from_ikm(&ikm)
    }

    /// The verification key.
    pub fn public_key(&self) -> BlsPublicKey {
        BlsPublicKey(self.0.sk_to_pk())
    }

    /// Signs `msg` under [`DST_SIG`].
    pub fn sign(&self, msg: &[u8]) -> BlsSignature {
        BlsSignature(self.0.sign(msg, DST_SIG, &[]))
    }

    /// The proof of possession of this key.
    pub fn proof_of_possession(&self) -> ProofOfPossession {
        ProofOfPossession(self.0.sign(&self.public_key().to_bytes(), DST_POP, &[]))
    }

    /// 32 bytes, big endian.
    pub fn to_bytes(&self) -> zeroize::Zeroizing<[u8; SECRET_KEY_LEN]> {
        zeroize::Zeroizing::new(self.0.to_bytes())
    }

    /// Decodes [`BlsSecretKey::to_bytes`]; zero and values ≥ r are rejected.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BlsError> {
        check_len(bytes, SECRET_KEY_LEN, "BLS signing key")?;
        SecretKey::from_bytes(bytes).map(Self).map_err(|_| BlsError::InvalidSecretKey)
    }
}

impl std::fmt::Debug for BlsSecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BlsSecretKey(<redacted>, public {})", self.public_key())
    }
}

impl PartialEq for BlsSecretKey {
    fn eq(&self, other: &Self) -> bool {
        *self.to_bytes() == *other.to_bytes()
    }
}

impl Eq for BlsSecretKey {}

impl BlsPublicKey {
    /// Verifies `sig` on `msg` (one pairing check).
    pub fn verify(&self, msg: &[u8], sig: &BlsSignature) -> Result<(), BlsError> {
        // Both points were validated when they were decoded or made.
        match sig.0.verify(false, msg, DST_SIG, &[], &self.0, false) {
            BLST_ERROR::BLST_SUCCESS => Ok(()),
            _ => Err(BlsError::InvalidSignature),
        }
    }

    /// Verifies a proof of possession of this key.
    pub fn verify_proof_of_possession(&self, pop: &ProofOfPossession) -> Result<(), BlsError> {
        match pop.0.verify(false, &self.to_bytes(), DST_POP, &[], &self.0, false) {
            BLST_ERROR::BLST_SUCCESS => Ok(()),
            _ => Err(BlsError::InvalidProofOfPossession { key: Box::new(*self) }),
        }
    }

    /// 48 bytes, compressed (ZCash/IETF serialization).
    pub fn to_bytes(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.0.to_bytes()
    }

    /// Decodes [`BlsPublicKey::to_bytes`], rejecting points off the curve, outside the
    /// subgroup, and the identity.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BlsError> {
        const WHAT: &str = "BLS verification key";
        check_len(bytes, PUBLIC_KEY_LEN, WHAT)?;
        let pk = PublicKey::from_bytes(bytes).map_err(|e| BlsError::from_blst(e, WHAT))?;
        pk.validate().map_err(|e| BlsError::from_blst(e, WHAT))?;
        Ok(Self(pk))
    }

    /// The raw affine point, for the acceleration layer.
    pub fn point(&self) -> blst_p1_affine {
        self.0.into()
    }

    /// A key from a point the caller has validated (e.g. an aggregate of validated keys).
    pub(crate) fn from_point_unchecked(p: blst_p1_affine) -> PublicKey {
        PublicKey::from(p)
    }
}

impl Hash for BlsPublicKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.to_bytes().hash(state)
    }
}

impl std::fmt::Debug for BlsPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BlsPublicKey({self})")
    }
}

fn decode_sig(bytes: &[u8], what: &'static str) -> Result<Signature, BlsError> {
    check_len(bytes, SIGNATURE_LEN, what)?;
    let sig = Signature::from_bytes(bytes).map_err(|e| BlsError::from_blst(e, what))?;
    sig.validate(true).map_err(|e| BlsError::from_blst(e, what))?;
    Ok(sig)
}

impl BlsSignature {
    /// 96 bytes, compressed.
    pub fn to_bytes(&self) -> [u8; SIGNATURE_LEN] {
        self.0.to_bytes()
    }

    /// Decodes [`BlsSignature::to_bytes`] with the same checks as keys.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BlsError> {
        decode_sig(bytes, "BLS signature").map(Self)
    }

    /// The raw affine point, for the acceleration layer.
    pub fn point(&self) -> blst_p2_affine {
        self.0.into()
    }

    /// A signature from the sum of validated signatures. The identity is allowed here:
    /// a certificate whose aggregate is the identity simply fails to verify.
    pub(crate) fn from_point_unchecked(p: blst_p2_affine) -> Self {
        Self(Signature::from(p))
    }

    pub(crate) fn inner(&self) -> &Signature {
        &self.0
    }
}

impl std::fmt::Debug for BlsSignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BlsSignature({self})")
    }
}

impl ProofOfPossession {
    /// 96 bytes, compressed.
    pub fn to_bytes(&self) -> [u8; SIGNATURE_LEN] {
        self.0.to_bytes()
    }

    /// The raw affine point, for the acceleration layer.
    pub fn point(&self) -> blst_p2_affine {
        self.0.into()
    }

    /// Decodes [`ProofOfPossession::to_bytes`] with the same checks as signatures.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BlsError> {
        decode_sig(bytes, "BLS proof of possession").map(Self)
    }
}

impl std::fmt::Debug for ProofOfPossession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ProofOfPossession({self})")
    }
}

tagged_string!(BlsPublicKey, TAG_BLS_VER_KEY, BlsError);
tagged_string!(BlsSecretKey, TAG_BLS_SIGNING_KEY, BlsError);
tagged_string!(BlsSignature, TAG_BLS_SIG, BlsError);
tagged_string!(ProofOfPossession, TAG_BLS_SIG, BlsError);
