//! The words every layer shares: the ids of accounts and passkeys, the cookie
//! tokens, and the values stored in the database as text. A leaf: it uses nothing
//! of the crate but `crypto` (tokens are random and hashed) and `clock` (times), so
//! the store, the mail and the rules all build on it and never on each other
//! upwards (`tests/layers.rs` checks it).

mod allow;
mod host;
mod ids;
pub mod redirect;
mod stored;
pub mod token;

pub use crate::clock::UnixTime;
pub use allow::AllowList;
pub use host::HostName;
pub use ids::{CredentialId, UserId};
pub use stored::{CeremonyKind, LinkOrigin, LinkState, PasskeyOrigin, PinPurpose};
pub use token::{AccessToken, AuthorizationCode, BrowserToken, RefreshToken, SessionToken, Token};
