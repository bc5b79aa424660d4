//! End-to-end tests of the JSON API over real HTTP, on SQLite and PostgreSQL, with
//! a software authenticator that really signs and a real SMTP server catching PINs.

mod support;

mod account;
mod admin;
mod admin_routes;
mod email_change;
mod embedding;
mod forward;
mod guards;
mod health;
mod instances;
mod link;
mod link_risk;
mod load;
mod nearby;
mod new_device;
mod oidc;
mod own_account;
mod pins;
mod recovery;
mod recovery_link;
mod schema;
mod sign_in;
mod sign_up;
mod undo;
