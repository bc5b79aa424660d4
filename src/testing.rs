//! Hooks for tests (the `test-support` feature): read the store's rows, make a
//! server secret that several test instances share. Not for production code.

pub use crate::store::{ColumnInfo, CredentialRow, PinRow, Store, StoreError, Table, UserRow};

/// Lower-case hex, for names made of random bytes.
pub fn hex(bytes: &[u8]) -> String {
    crate::crypto::hex(bytes)
}

/// The account id an API answer named (`user.id`), for looking at its rows.
pub fn user_id(text: &str) -> crate::core::UserId {
    crate::core::UserId::from_text(text)
}
