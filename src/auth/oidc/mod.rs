//! BMAuth as an OpenID Connect provider: the rules, one concern per file, as
//! designed in `docs/designs/oidc-provider.md`. Where a code is issued:
//! `authorize`; exchanged, and a refresh token rotated: `tokens`; what an ID token
//! says: `id_token`; revoked: `revocation`; signing out: `logout`; which apps and
//! how they prove it: `clients`; the signing keys: `keys`.

pub(crate) mod authorize;
pub(crate) mod clients;
pub(crate) mod id_token;
pub(crate) mod keys;
pub(crate) mod logout;
pub(crate) mod revocation;
pub(crate) mod tokens;
