//! The provider's cookies: names, flags, and reading them back.
//!
//! Names carry an `ent_idp_` prefix because browsers share cookies between ports of one host
//! (the portal and portlets run beside the provider in the demo). Behind https the names take
//! the `__Host-` prefix and the `Secure` flag, which pins them to this exact origin.

pub const SESSION: &str = "ent_idp_session";
pub const CSRF: &str = "ent_idp_csrf";
/// A password login waiting for its passkey step.
pub const PENDING_LOGIN: &str = "ent_idp_login";
/// The browser that parked an authorization request (its hash is stored with the request).
pub const FLOW: &str = "ent_idp_flow";

pub use ent_web::CookiePolicy;
