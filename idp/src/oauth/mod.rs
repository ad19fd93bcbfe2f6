//! The OpenID Connect and OAuth 2.0 endpoints.

pub mod account;
pub mod activation;
pub mod attempts;
pub mod authorize;
pub mod backchannel;
pub mod claims;
pub mod client_auth;
pub mod consent;
pub mod discovery;
pub mod error;
pub mod exchange;
pub mod flow;
pub mod introspect;
pub mod login;
pub mod logout;
pub mod passkeys;
pub mod revoke;
pub mod token;
pub mod tokens;
pub mod userinfo;
