//! Hooks for tests (the `test-support` feature): read the store's rows, make a
//! server secret that several test instances share. Not for production code.

pub use crate::store::{ColumnInfo, CredentialRow, PinRow, Store, StoreError, Table, UserRow};

/// A new random server secret, base64, for the `server_secret` key.
pub fn new_server_secret() -> String {
    crate::crypto::ServerSecret::generate().to_base64()
}

/// Lower-case hex, for names made of random bytes.
pub fn hex(bytes: &[u8]) -> String {
    crate::crypto::hex(bytes)
}
