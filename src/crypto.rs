//! Secrets: the server secret, keyed hashes, random tokens and sealed (encrypted)
//! storage. Every keyed hash names its purpose so one value can never stand in for
//! another (a PIN hash is not a decoy credential id is not a ceremony key).

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// What a keyed hash is for. Part of the MAC input, so hashes of one purpose never
/// match another's.
#[derive(Debug, Clone, Copy)]
pub enum HashPurpose {
    Pin,
    CeremonyKey,
    DecoyCredential,
    OutboxSealKey,
    LinkCode,
    SigningKeySeal,
}

impl HashPurpose {
    fn label(self) -> &'static [u8] {
        match self {
            Self::Pin => b"bmauth/pin/v1",
            Self::CeremonyKey => b"bmauth/ceremony/v1",
            Self::DecoyCredential => b"bmauth/decoy-credential/v1",
            Self::OutboxSealKey => b"bmauth/outbox-seal/v1",
            Self::LinkCode => b"bmauth/link-code/v1",
            Self::SigningKeySeal => b"bmauth/signing-key-seal/v1",
        }
    }
}

/// The server secret (at least 32 bytes), from configuration as base64. Never
/// printed: `Debug` is redacted. Generate one with `openssl rand -base64 32`.
#[derive(Clone)]
pub struct ServerSecret(Vec<u8>);

impl std::str::FromStr for ServerSecret {
    type Err = SecretError;

    fn from_str(text: &str) -> Result<Self, SecretError> {
        Self::from_base64(text)
    }
}

impl serde::Serialize for ServerSecret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> serde::Deserialize<'de> for ServerSecret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::from_base64(&text).map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Debug for ServerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerSecret(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the server secret is not valid base64")]
    NotBase64,
    #[error("the server secret must be at least 32 bytes (it is {0})")]
    TooShort(usize),
}

impl ServerSecret {
    /// The shortest secret accepted, in bytes.
    pub const MIN_LEN: usize = 32;

    /// Reads a secret written in base64 (standard or URL-safe).
    pub fn from_base64(text: &str) -> Result<Self, SecretError> {
        let bytes = STANDARD
            .decode(text.trim())
            .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim()))
            .map_err(|_| SecretError::NotBase64)?;
        if bytes.len() < Self::MIN_LEN {
            return Err(SecretError::TooShort(bytes.len()));
        }
        Ok(Self(bytes))
    }

    /// 32 fresh random bytes.
    pub fn generate() -> Self {
        Self(random_bytes::<32>().to_vec())
    }

    /// The secret in standard base64, as the configuration takes it.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(&self.0)
    }

    fn mac(&self, purpose: HashPurpose, parts: &[&[u8]]) -> HmacSha256 {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.0).expect("HMAC takes any key");
        mac.update(purpose.label());
        for part in parts {
            // Length-prefix each part so ("ab","c") and ("a","bc") differ.
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac
    }

    /// HMAC-SHA256 over the purpose and the parts.
    pub(crate) fn keyed_hash(&self, purpose: HashPurpose, parts: &[&[u8]]) -> [u8; 32] {
        self.mac(purpose, parts).finalize().into_bytes().into()
    }

    /// Constant-time comparison of a stored keyed hash with the hash of `parts`.
    pub(crate) fn verify_keyed_hash(
        &self,
        purpose: HashPurpose,
        parts: &[&[u8]],
        expected: &[u8],
    ) -> bool {
        self.mac(purpose, parts).verify_slice(expected).is_ok()
    }
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

pub fn b64url(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

pub fn from_b64url(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()
}

pub fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// AES-256-GCM under a key derived from the server secret, for data that must be
/// stored but not readable from a database dump (mail bodies that carry a PIN).
#[derive(Clone)]
pub struct Sealer {
    key: [u8; 32],
}

#[derive(Debug, thiserror::Error)]
#[error("sealed data could not be opened")]
pub struct OpenError;

impl Sealer {
    const NONCE_LEN: usize = 12;
    const TAG_LEN: usize = 16;

    pub fn new(secret: &ServerSecret) -> Self {
        Self {
            key: secret.keyed_hash(HashPurpose::OutboxSealKey, &[]),
        }
    }

    /// A sealer of its own for the OpenID Connect provider's signing keys: a key
    /// derived for that purpose only.
    pub fn for_signing_keys(secret: &ServerSecret) -> Self {
        Self {
            key: secret.keyed_hash(HashPurpose::SigningKeySeal, &[]),
        }
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&self.key.into())
    }

    /// Nonce, then ciphertext, then tag.
    pub fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let nonce = random_bytes::<{ Self::NONCE_LEN }>();
        // Only a plaintext of many gigabytes could fail to encrypt.
        let ciphertext_and_tag = self
            .cipher()
            .encrypt(&nonce.into(), plaintext)
            .expect("AES-256-GCM encryption");
        [nonce.as_slice(), &ciphertext_and_tag].concat()
    }

    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, OpenError> {
        if sealed.len() < Self::NONCE_LEN + Self::TAG_LEN {
            return Err(OpenError);
        }
        let (nonce, ciphertext_and_tag) = sealed.split_at(Self::NONCE_LEN);
        let nonce: [u8; Self::NONCE_LEN] = nonce.try_into().map_err(|_| OpenError)?;
        self.cipher()
            .decrypt(&nonce.into(), ciphertext_and_tag)
            .map_err(|_| OpenError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_hashes_differ_by_purpose_and_part_boundaries() {
        let secret = ServerSecret::generate();
        let a = secret.keyed_hash(HashPurpose::Pin, &[b"ab", b"c"]);
        assert_ne!(a, secret.keyed_hash(HashPurpose::Pin, &[b"a", b"bc"]));
        assert_ne!(
            a,
            secret.keyed_hash(HashPurpose::CeremonyKey, &[b"ab", b"c"])
        );
        assert!(secret.verify_keyed_hash(HashPurpose::Pin, &[b"ab", b"c"], &a));
        assert!(!secret.verify_keyed_hash(HashPurpose::Pin, &[b"ab", b"d"], &a));
    }

    #[test]
    fn sealed_data_opens_only_with_the_same_secret_and_untouched() {
        let sealer = Sealer::new(&ServerSecret::generate());
        let sealed = sealer.seal(b"PIN 123456");
        assert_eq!(sealer.open(&sealed).unwrap(), b"PIN 123456");
        assert!(!sealed.windows(6).any(|w| w == b"123456"));
        let mut tampered = sealed.clone();
        tampered[14] ^= 1;
        assert!(sealer.open(&tampered).is_err());
        assert!(
            Sealer::new(&ServerSecret::generate())
                .open(&sealed)
                .is_err()
        );
        assert!(sealer.open(b"short").is_err());
    }

    #[test]
    fn secrets_must_be_long_enough_and_never_print() {
        assert!(matches!(
            ServerSecret::from_base64("c2hvcnQ="),
            Err(SecretError::TooShort(5))
        ));
        assert!(matches!(
            ServerSecret::from_base64("!!"),
            Err(SecretError::NotBase64)
        ));
        let secret = ServerSecret::generate();
        assert_eq!(
            ServerSecret::from_base64(&secret.to_base64()).unwrap().0,
            secret.0
        );
        assert_eq!(format!("{secret:?}"), "ServerSecret(<redacted>)");
    }
}
