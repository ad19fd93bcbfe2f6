//! Protocol tests: the provider over HTTP, in process, against the refusals that RFC 6749, 7636,
//! 7009, 7662, 6750, 9207 and OpenID Connect (Core, Discovery, RP-Initiated Logout) require, and
//! where each error goes (an error page for the user vs. a redirect back to the client).
//!
//! Run: `cargo test -p ent-idp --features testing --test protocol`.

mod harness;

mod activation;
mod authorize;
mod backchannel;
mod client_targets;
mod consent;
mod directory_api;
mod discovery;
mod exchange;
mod login;
mod logout;
mod passkeys;
mod resources;
mod session_start;
mod start;
mod steps;
mod token;
