//! Directory sync: brings the school directory (LDAP, LDIF, or a generated one) into the provider.

pub mod generate;
