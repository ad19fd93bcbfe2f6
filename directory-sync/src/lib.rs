//! Directory sync: brings the school directory (LDAP, LDIF, or a generated one) into the provider.

pub mod filter;
pub mod generate;
pub mod ldif_in;
pub mod ldif_out;
pub mod mapping;
pub mod run;
pub mod source;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
