//! The requests and answers of the JSON API, and its errors, by the same sections
//! as `routes.rs`.

mod account;
mod admin;
mod errors;
mod link;
mod sign_in;

pub use account::*;
pub use admin::*;
pub use errors::*;
pub use link::*;
pub use sign_in::*;
