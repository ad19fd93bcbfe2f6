//! Login with the directory's own password: for people whose entry carries one (per the sync
//! mapping), the provider checks the password with an LDAP simple bind as that person's DN.
//!
//! Nothing the user types reaches an LDAP filter: the DN comes from the provider's database
//! (recorded by the sync), and the password only travels in the bind. An empty password is
//! refused before any bind (RFC 4513 §5.1.2: an empty password is an unauthenticated bind, which
//! many servers accept).

use std::sync::Arc;
use std::time::Duration;

use ldap3::{LdapConnAsync, LdapConnSettings};
use serde::Deserialize;

/// A directory whose people log in by bind (`[[idp.ldap_login]]` in the configuration).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LdapLoginSource {
    /// The sync source's name (`[source] name` of the sync configuration).
    pub name: String,
    pub url: String,
    #[serde(default)]
    pub starttls: bool,
    pub ca_file: Option<String>,
    #[serde(default = "timeout")]
    pub timeout_secs: u64,
}

fn timeout() -> u64 {
    10
}

#[derive(Debug, thiserror::Error)]
pub enum LdapLoginError {
    #[error("LDAP: {0}")]
    Ldap(#[from] ldap3::LdapError),
    #[error("LDAP TLS setup: {0}")]
    Tls(String),
}

/// `Ok(true)` when the directory accepts the password for this DN, `Ok(false)` when it refuses
/// it (wrong password, unknown DN); `Err` when the directory cannot be reached.
pub async fn check(src: &LdapLoginSource, dn: &str, password: &str) -> Result<bool, LdapLoginError> {
    if password.is_empty() || dn.is_empty() {
        return Ok(false);
    }
    let mut settings =
        LdapConnSettings::new().set_conn_timeout(Duration::from_secs(src.timeout_secs)).set_starttls(src.starttls);
    if let Some(ca) = &src.ca_file {
        settings = settings.set_config(Arc::new(tls_config(ca)?));
    }
    let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &src.url).await?;
    ldap3::drive!(conn);
    ldap.with_timeout(Duration::from_secs(src.timeout_secs));
    let result = ldap.simple_bind(dn, password).await?;
    let _ = ldap.unbind().await;
    // 49: invalidCredentials; 32: noSuchObject (some servers); 53: unwillingToPerform (locked).
    match result.rc {
        0 => Ok(true),
        49 | 32 | 53 => Ok(false),
        _ => Err(LdapLoginError::Ldap(ldap3::LdapError::from(result))),
    }
}

/// A rustls client configuration trusting exactly the CAs of a PEM file (a private CA).
pub fn tls_config(ca_file: &str) -> Result<rustls::ClientConfig, LdapLoginError> {
    use rustls_pki_types::pem::PemObject;
    let tls = |e: &dyn std::fmt::Display| LdapLoginError::Tls(format!("{ca_file}: {e}"));
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pki_types::CertificateDer::pem_file_iter(ca_file).map_err(|e| tls(&e))? {
        roots.add(cert.map_err(|e| tls(&e))?).map_err(|e| tls(&e))?;
    }
    if roots.is_empty() {
        return Err(tls(&"no certificate"));
    }
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| tls(&e))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}
