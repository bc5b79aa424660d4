//! BMAuth as an OpenID Connect provider: the rules, by concern, as designed in
//! `docs/designs/oidc-provider.md`. Work in progress: the signing keys and the
//! registered clients so far.

pub(crate) mod authorize;
pub(crate) mod clients;
pub(crate) mod keys;
pub(crate) mod tokens;
