//! A software passkey authenticator speaking the WebAuthn JSON a browser would send,
//! signing with P-256 for real. Every field can be bent to test the server's checks.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ciborium::Value as Cbor;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub fn b64(data: &[u8]) -> String {
    B64.encode(data)
}

pub fn unb64(text: &str) -> Vec<u8> {
    B64.decode(text).expect("base64url")
}

struct Credential {
    id: Vec<u8>,
    key: SigningKey,
    user_handle: Vec<u8>,
    rp_id: String,
    counter: u32,
}

/// One device's authenticator. `origin` is where the "browser" says it is.
pub struct Authenticator {
    pub origin: String,
    /// Whether the person passes the biometric check (the UV flag).
    pub user_verified: bool,
    /// Sign for this RP id instead of the one the server asked for.
    pub rp_id_override: Option<String>,
    /// What `getTransports()` reports at registration.
    pub transports: Vec<&'static str>,
    credentials: Vec<Credential>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct NotAllowed;

impl Authenticator {
    pub fn new(origin: &str) -> Self {
        Self {
            origin: origin.into(),
            user_verified: true,
            rp_id_override: None,
            transports: vec!["internal"],
            credentials: Vec::new(),
        }
    }

    fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "type": kind,
            "challenge": challenge,
            "origin": self.origin,
            "crossOrigin": false,
        }))
        .unwrap()
    }

    fn flags(&self, attested: bool) -> u8 {
        let mut flags = 0x01; // UP
        if self.user_verified {
            flags |= 0x04;
        }
        if attested {
            flags |= 0x40;
        }
        flags
    }

    /// `navigator.credentials.create()` for `options` = `{"publicKey": {...}}`.
    pub fn create(&mut self, options: &Value) -> Value {
        let pk = &options["publicKey"];
        let rp_id = self
            .rp_id_override
            .clone()
            .unwrap_or_else(|| pk["rp"]["id"].as_str().unwrap().to_string());
        let challenge = pk["challenge"].as_str().unwrap();
        let user_handle = unb64(pk["user"]["id"].as_str().unwrap());
        let id: [u8; 32] = rand::random();
        let secret: [u8; 32] = rand::random();
        let key = SigningKey::from_bytes(&secret.into()).unwrap();
        let point = key.verifying_key().to_encoded_point(false);
        let cose_key = Cbor::Map(vec![
            (Cbor::Integer(1.into()), Cbor::Integer(2.into())),
            (Cbor::Integer(3.into()), Cbor::Integer((-7).into())),
            (Cbor::Integer((-1).into()), Cbor::Integer(1.into())),
            (
                Cbor::Integer((-2).into()),
                Cbor::Bytes(point.x().unwrap().to_vec()),
            ),
            (
                Cbor::Integer((-3).into()),
                Cbor::Bytes(point.y().unwrap().to_vec()),
            ),
        ]);
        let mut cose = Vec::new();
        ciborium::into_writer(&cose_key, &mut cose).unwrap();

        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(self.flags(true));
        auth_data.extend_from_slice(&0u32.to_be_bytes());
        auth_data.extend_from_slice(&[0x42; 16]); // AAGUID
        auth_data.extend_from_slice(&(id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&id);
        auth_data.extend_from_slice(&cose);
        let attestation = Cbor::Map(vec![
            (Cbor::Text("fmt".into()), Cbor::Text("none".into())),
            (Cbor::Text("attStmt".into()), Cbor::Map(vec![])),
            (Cbor::Text("authData".into()), Cbor::Bytes(auth_data)),
        ]);
        let mut attestation_object = Vec::new();
        ciborium::into_writer(&attestation, &mut attestation_object).unwrap();

        let client_data = self.client_data("webauthn.create", challenge);
        self.credentials.push(Credential {
            id: id.to_vec(),
            key,
            user_handle,
            rp_id,
            counter: 0,
        });
        json!({
            "id": b64(&id),
            "rawId": b64(&id),
            "type": "public-key",
            "response": {
                "attestationObject": b64(&attestation_object),
                "clientDataJSON": b64(&client_data),
                "transports": self.transports,
            },
            "clientExtensionResults": {},
        })
    }

    /// `navigator.credentials.get()`: signs with a credential this device holds and
    /// the server allows, or fails as a browser would.
    pub fn get(&mut self, options: &Value) -> Result<Value, NotAllowed> {
        let pk = &options["publicKey"];
        let allowed: Vec<Vec<u8>> = pk["allowCredentials"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|c| unb64(c["id"].as_str().unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        let rp_id = pk["rpId"].as_str().unwrap().to_string();
        let index = self
            .credentials
            .iter()
            .position(|c| c.rp_id == rp_id && (allowed.is_empty() || allowed.contains(&c.id)))
            .ok_or(NotAllowed)?;
        let challenge = pk["challenge"].as_str().unwrap().to_string();
        Ok(self.sign_with(index, &challenge))
    }

    /// Signs `challenge` with this device's `index`th credential, whatever the server allows.
    pub fn sign_with(&mut self, index: usize, challenge: &str) -> Value {
        let flags = self.flags(false);
        let client_data = self.client_data("webauthn.get", challenge);
        let credential = &mut self.credentials[index];
        credential.counter += 1;
        let rp_id = self.rp_id_override.as_deref().unwrap_or(&credential.rp_id);
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(flags);
        auth_data.extend_from_slice(&credential.counter.to_be_bytes());
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let signature: Signature = credential.key.sign(&signed);
        json!({
            "id": b64(&credential.id),
            "rawId": b64(&credential.id),
            "type": "public-key",
            "response": {
                "authenticatorData": b64(&auth_data),
                "clientDataJSON": b64(&client_data),
                "signature": b64(signature.to_der().as_bytes()),
                "userHandle": b64(&credential.user_handle),
            },
            "clientExtensionResults": {},
        })
    }

    /// Sets the signature counter of this device's `index`th credential (a clone
    /// of the key would lag behind the original).
    pub fn set_counter(&mut self, index: usize, counter: u32) {
        self.credentials[index].counter = counter;
    }

    pub fn credential_id(&self, index: usize) -> String {
        b64(&self.credentials[index].id)
    }
}
