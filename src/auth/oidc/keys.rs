//! The provider's signing keys: ES256 (P-256), made on first start and kept in the
//! database sealed with the server secret, so that every instance signs with the
//! same key and publishes the same JWKS. A rotation adds a key that signs from then
//! on; the old one stays in the JWKS, retired, until every token it signed has
//! expired (OIDC Core §10.1.1).
//!
//! Signing is kanidm's `compact_jwt`: it builds on `crypto-glue`, as webauthn-rs
//! 0.6 does, so there is one crypto stack and no C to compile (`jsonwebtoken` 12's
//! pure-Rust backend does not resolve beside webauthn-rs 0.6.2, whose `rsa` it
//! conflicts with, and its other backend compiles aws-lc). It never signs or
//! accepts `alg: none`.

use compact_jwt::{Jwk, JwsEs256Signer, JwsSigner};

use super::super::{Auth, AuthError, AuthResult};
use crate::crypto::Sealer;
use crate::store::SigningKeyRow;

/// A new signing key: its id, its private key as DER (to seal and store), and its
/// public half as a JWK (for the JWKS).
pub(crate) fn new_es256_key() -> Result<(String, Vec<u8>, Jwk), String> {
    let signer = JwsEs256Signer::generate_es256().map_err(|e| format!("{e:?}"))?;
    let der = signer.private_key_to_der().map_err(|e| format!("{e:?}"))?;
    let public = signer.public_key_as_jwk().map_err(|e| format!("{e:?}"))?;
    Ok((signer.get_kid().to_string(), der.to_vec(), public))
}

/// The signer a stored key makes.
pub(crate) fn signer_from_der(der: &[u8]) -> Result<JwsEs256Signer, String> {
    JwsEs256Signer::from_es256_der(der).map_err(|e| format!("{e:?}"))
}

impl Auth {
    fn key_sealer(&self) -> Sealer {
        Sealer::for_signing_keys(&self.secret)
    }

    /// Makes and stores a signing key; with `rotate`, the others stop signing.
    async fn add_signing_key(&self, rotate: bool) -> AuthResult<String> {
        let (kid, der, public) =
            new_es256_key().map_err(|e| AuthError::internal("making a signing key", e))?;
        let public_jwk = serde_json::to_string(&public)
            .map_err(|e| AuthError::internal("writing a signing key", e))?;
        let row = SigningKeyRow {
            kid: kid.clone(),
            alg: "ES256".into(),
            sealed_private: self.key_sealer().seal(&der),
            public_jwk,
            created_at: self.now(),
            retired_at: None,
        };
        self.store.add_signing_key(&row, rotate).await?;
        Ok(kid)
    }

    /// The key that signs now: the newest one not retired, made on first use.
    pub(crate) async fn current_signing_key(&self) -> AuthResult<JwsEs256Signer> {
        let keys = self.store.signing_keys().await?;
        let row = match keys.into_iter().find(|k| k.retired_at.is_none()) {
            Some(row) => row,
            None => {
                self.add_signing_key(false).await?;
                self.store
                    .signing_keys()
                    .await?
                    .into_iter()
                    .find(|k| k.retired_at.is_none())
                    .ok_or_else(|| AuthError::internal("making a signing key", "none stored"))?
            }
        };
        let der = self
            .key_sealer()
            .open(&row.sealed_private)
            .map_err(|e| AuthError::internal("opening a signing key", e))?;
        signer_from_der(&der).map_err(|e| AuthError::internal("reading a signing key", e))
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

    /// A rotation (`bmauth keys rotate`): a new key signs from now on; the old ones
    /// stay in the JWKS. Returns the new key's id.
    ///
    /// ```no_run
    /// # async fn run(bmauth: bmauth::BmAuth) -> Result<(), bmauth::AuthError> {
    /// let kid = bmauth.auth().rotate_signing_key().await?;
    /// println!("now signing with {kid}");
    /// # Ok(()) }
    /// ```
    pub async fn rotate_signing_key(&self) -> AuthResult<String> {
        self.add_signing_key(true).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use compact_jwt::{JwsSignerToVerifier, JwsVerifier, OidcSubject, OidcToken};

    #[test]
    fn a_stored_key_signs_what_its_public_key_verifies() {
        let (kid, der, public) = new_es256_key().unwrap();
        let serialised = serde_json::to_value(&public).unwrap();
        assert_eq!(serialised["kty"], "EC");
        assert_eq!(serialised["crv"], "P-256");
        // Read back from storage, as another instance would.
        let signer = signer_from_der(&der).unwrap();
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
