//! Hooks for tests (the `test-support` feature): read the store's rows, make a
//! server secret that several test instances share. Not for production code.

pub use crate::model::{CeremonyKind, PinPurpose};
pub use crate::store::{
    CeremonyRow, ColumnInfo, CredentialRow, CredentialUse, EventRow, PinRow, SessionRow, Store,
    StoreError, Table, UserRow,
};

/// Lower-case hex, for names made of random bytes.
pub fn hex(bytes: &[u8]) -> String {
    crate::crypto::hex(bytes)
}

/// The account id an API answer named (`user.id`), for looking at its rows.
pub fn user_id(text: &str) -> crate::auth::UserId {
    crate::auth::UserId::from_text(text)
}

/// A passkey id from its raw bytes.
pub fn credential_id(raw: &[u8]) -> crate::auth::CredentialId {
    crate::auth::CredentialId::from_raw(raw)
}
