//! BMAuth's wire types, shared by the server, the browser client (compiled to
//! WebAssembly) and anyone writing another client: requests and answers, the
//! stable error codes, the routes, and the policy numbers a client shows.
//!
//! WebAuthn options and credentials travel as the standard WebAuthn JSON (binary
//! fields base64url); they are [`serde_json::Value`] here so that a client need not
//! compile a WebAuthn library.
//!
//! ```
//! use bmauth_proto::routes::{Endpoint, RegisterBegin};
//! use bmauth_proto::SignUpRequest;
//!
//! let body: <RegisterBegin as Endpoint>::Request =
//!     SignUpRequest { email: "ada@example.com".into(), invitation: None };
//! assert_eq!(RegisterBegin::PATH, "/auth/register/begin");
//! assert_eq!(serde_json::to_value(&body).unwrap()["email"], "ada@example.com");
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod messages;
pub mod policy;
mod redirect;
pub mod routes;

pub use messages::*;
pub use redirect::safe_next;
