//! The provider's signing keys: ES256 (P-256) for every app, and RS256 (RSA 2048)
//! for an app registered with `id_token_signed_response_alg = "RS256"`; each made
//! on first need and kept in the database sealed with the server secret, so that
//! every instance signs with the same keys and publishes the same JWKS. A rotation
//! adds keys that sign from then on; the old ones stay in the JWKS, retired, until
//! every token they signed has expired (OIDC Core §10.1.1).
//!
//! Signing is kanidm's `compact_jwt`: it builds on `crypto-glue`, as webauthn-rs
//! 0.6 does, so there is one crypto stack and no C to compile (`jsonwebtoken` 12's
//! pure-Rust backend does not resolve beside webauthn-rs 0.6.2, whose `rsa` it
//! conflicts with, and its other backend compiles aws-lc). It never signs or
//! accepts `alg: none`.

use std::sync::Arc;

use compact_jwt::crypto::JwsRs256Signer;
use compact_jwt::{Jwk, JwsEs256Signer, JwsSigner};

use super::super::{Auth, AuthError, AuthResult};
use crate::clock::UnixTime;
use crate::config::IdTokenAlg;
use crate::crypto::Sealer;
use crate::store::SigningKeyRow;

/// A key that signs ID tokens, of either algorithm.
pub(crate) enum Signer {
    Es256(JwsEs256Signer),
    Rs256(JwsRs256Signer),
}

impl Signer {
    /// Its id, as the JWKS and a token's header say it.
    #[cfg(test)]
    pub(crate) fn kid(&self) -> &str {
        match self {
            Self::Es256(signer) => signer.get_kid(),
            Self::Rs256(signer) => signer.get_kid(),
        }
    }

    /// A signed compact JWS of `token`.
    pub(crate) fn sign(&self, token: &compact_jwt::OidcToken) -> Result<String, String> {
        let signed = match self {
            Self::Es256(signer) => signer.sign(token),
            Self::Rs256(signer) => signer.sign(token),
        };
        signed.map(|s| s.to_string()).map_err(|e| format!("{e:?}"))
    }
}

/// How long an opened signing key is used before the database is asked again:
/// a rotation by another instance (or `bmauth keys rotate`) signs everywhere
/// within this, and the old key stays published meanwhile.
const SIGNER_CACHE_SECS: i64 = 60;

/// The signing keys opened lately, by algorithm, with when they were read.
#[derive(Default)]
pub(crate) struct SignerCache(std::sync::Mutex<Vec<(IdTokenAlg, Arc<Signer>, UnixTime)>>);

impl SignerCache {
    fn get(&self, alg: IdTokenAlg, now: UnixTime) -> Option<Arc<Signer>> {
        let cached = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cached
            .iter()
            .find(|(a, _, at)| *a == alg && now - at < SIGNER_CACHE_SECS)
            .map(|(_, signer, _)| signer.clone())
    }

    fn put(&self, alg: IdTokenAlg, signer: Arc<Signer>, now: UnixTime) {
        let mut cached = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cached.retain(|(a, _, _)| *a != alg);
        cached.push((alg, signer, now));
    }

    fn clear(&self) {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }
}

/// A new signing key: its id, its private key as DER (to seal and store), and its
/// public half as a JWK (for the JWKS).
pub(crate) fn new_key(alg: IdTokenAlg) -> Result<(String, Vec<u8>, Jwk), String> {
    let error = |e: compact_jwt::JwtError| format!("{e:?}");
    match alg {
        IdTokenAlg::ES256 => {
            let signer = JwsEs256Signer::generate_es256().map_err(error)?;
            let der = signer.private_key_to_der().map_err(error)?;
            let public = signer.public_key_as_jwk().map_err(error)?;
            Ok((signer.get_kid().to_string(), der.to_vec(), public))
        }
        IdTokenAlg::RS256 => {
            let signer = JwsRs256Signer::generate_rs256().map_err(error)?;
            let der = signer.private_key_to_der().map_err(error)?;
            let public = signer.public_key_as_jwk().map_err(error)?;
            Ok((signer.get_kid().to_string(), der.to_vec(), public))
        }
    }
}

/// The signer a stored key makes.
pub(crate) fn signer_from_der(alg: IdTokenAlg, der: &[u8]) -> Result<Signer, String> {
    let error = |e: compact_jwt::JwtError| format!("{e:?}");
    match alg {
        IdTokenAlg::ES256 => JwsEs256Signer::from_es256_der(der)
            .map(Signer::Es256)
            .map_err(error),
        IdTokenAlg::RS256 => JwsRs256Signer::from_rs256_der(der)
            .map(Signer::Rs256)
            .map_err(error),
    }
}

impl Auth {
    fn key_sealer(&self) -> Sealer {
        Sealer::for_signing_keys(&self.secret)
    }

    /// Makes and stores a signing key; with `rotate`, the others of its algorithm
    /// stop signing.
    async fn add_signing_key(&self, alg: IdTokenAlg, rotate: bool) -> AuthResult<String> {
        let (kid, der, public) =
            new_key(alg).map_err(|e| AuthError::internal("making a signing key", e))?;
        let public_jwk = serde_json::to_string(&public)
            .map_err(|e| AuthError::internal("writing a signing key", e))?;
        let row = SigningKeyRow {
            kid: kid.clone(),
            alg: alg.as_str().into(),
            sealed_private: self.key_sealer().seal(&der),
            public_jwk,
            created_at: self.now(),
            retired_at: None,
        };
        self.store.add_signing_key(&row, rotate).await?;
        Ok(kid)
    }

    /// The newest key of `alg` that is not retired, if there is one.
    async fn live_key(&self, alg: IdTokenAlg) -> AuthResult<Option<SigningKeyRow>> {
        Ok(self
            .store
            .signing_keys()
            .await?
            .into_iter()
            .find(|k| k.retired_at.is_none() && k.alg == alg.as_str()))
    }

    /// The key of `alg` that signs now, made on first use.
    pub(crate) async fn current_signing_key(&self, alg: IdTokenAlg) -> AuthResult<Arc<Signer>> {
        let now = self.now();
        if let Some(signer) = self.signers.get(alg, now) {
            return Ok(signer);
        }
        let row = match self.live_key(alg).await? {
            Some(row) => row,
            None => {
                self.add_signing_key(alg, false).await?;
                self.live_key(alg)
                    .await?
                    .ok_or_else(|| AuthError::internal("making a signing key", "none stored"))?
            }
        };
        let der = self
            .key_sealer()
            .open(&row.sealed_private)
            .map_err(|e| AuthError::internal("opening a signing key", e))?;
        let signer = Arc::new(
            signer_from_der(alg, &der)
                .map_err(|e| AuthError::internal("reading a signing key", e))?,
        );
        self.signers.put(alg, signer.clone(), now);
        Ok(signer)
    }

    /// Makes sure the JWKS holds a key for every algorithm an app may be sent
    /// (ES256 always; RS256 once an app is registered for it), so that an app never
    /// sees a token whose key it could not have fetched.
    pub(crate) async fn ensure_signing_keys(&self) -> AuthResult<()> {
        self.current_signing_key(IdTokenAlg::ES256).await?;
        if self
            .clients()
            .await?
            .iter()
            .any(|c| c.id_token_alg == IdTokenAlg::RS256)
        {
            self.current_signing_key(IdTokenAlg::RS256).await?;
        }
        Ok(())
    }

    /// The public keys tokens may be signed with: every key, retired ones too, for
    /// the JWKS (a retired key stays until its last token has expired).
    pub(crate) async fn public_keys(&self) -> AuthResult<Vec<Jwk>> {
        self.store
            .signing_keys()
            .await?
            .iter()
            .map(|row| {
                serde_json::from_str(&row.public_jwk)
                    .map_err(|e| AuthError::internal("reading a public key", e))
            })
            .collect()
    }

    /// A rotation (`bmauth keys rotate`): new keys sign from now on (an RS256 one
    /// too, if there was one); the old ones stay in the JWKS. Returns the new ES256
    /// key's id.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth) -> Result<(), bmauth::AuthError> {
    /// let kid = bmauth.auth().rotate_signing_key().await?;
    /// println!("now signing with {kid}");
    /// # Ok(()) }
    /// ```
    pub async fn rotate_signing_key(&self) -> AuthResult<String> {
        if self.live_key(IdTokenAlg::RS256).await?.is_some() {
            self.add_signing_key(IdTokenAlg::RS256, true).await?;
        }
        let kid = self.add_signing_key(IdTokenAlg::ES256, true).await?;
        // This instance signs with the new keys at once; others within a minute.
        self.signers.clear();
        Ok(kid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use compact_jwt::{JwsSignerToVerifier, JwsVerifier, OidcSubject, OidcToken};

    #[test]
    fn a_stored_key_signs_what_its_public_key_verifies() {
        let (kid, der, public) = new_key(IdTokenAlg::ES256).unwrap();
        let serialised = serde_json::to_value(&public).unwrap();
        assert_eq!(serialised["kty"], "EC");
        assert_eq!(serialised["crv"], "P-256");
        // Read back from storage, as another instance would.
        let Signer::Es256(signer) = signer_from_der(IdTokenAlg::ES256, &der).unwrap() else {
            panic!("an ES256 key");
        };
        assert_eq!(signer.get_kid(), kid);
        let token = OidcToken {
            iss: "http://localhost:3000/".parse().unwrap(),
            sub: OidcSubject::S("ada".into()),
            aud: "app".into(),
            iat: 1_800_000_000,
            nbf: None,
            exp: 1_800_000_600,
            auth_time: None,
            nonce: None,
            at_hash: None,
            acr: None,
            amr: None,
            azp: None,
            jti: None,
            s_claims: Default::default(),
            claims: Default::default(),
        };
        let signed = signer.sign(&token).unwrap();
        let verified = signer
            .get_verifier()
            .unwrap()
            .verify(&signed.invalidate())
            .unwrap()
            .verify_exp(1_800_000_100)
            .unwrap();
        assert_eq!(verified.sub, OidcSubject::S("ada".into()));
    }
}
