//! Login with the directory's own password: for people whose entry carries one (per the sync
//! mapping), the provider checks the password with an LDAP simple bind as that person's DN.
//!
//! Nothing the user types reaches an LDAP filter: the DN comes from the provider's database
//! (recorded by the sync), and the password only travels in the bind. An empty password is
//! refused before any bind (RFC 4513 §5.1.2: an empty password is an unauthenticated bind, which
//! many servers accept).
//!
//! Each source is checked at start ([`LdapLogins::new`]): how it keeps the password off the
//! network (`ldap_transport`), and its CA file.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings};
use serde::Deserialize;

use crate::ldap_transport::{self, SourceKind, Transport, TransportError};

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
    /// Accept `ldap://` without StartTLS to a host that is not this machine: passwords then
    /// cross the network in clear. Refused at start unless set.
    #[serde(default)]
    pub allow_plaintext: bool,
}

impl LdapLoginSource {
    /// A source with the default settings.
    pub fn new(name: impl Into<String>, url: impl Into<String>) -> Self {
        LdapLoginSource {
            name: name.into(),
            url: url.into(),
            starttls: false,
            ca_file: None,
            timeout_secs: timeout(),
            allow_plaintext: false,
        }
    }
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

/// A configuration the provider cannot start with.
#[derive(Debug, thiserror::Error)]
pub enum LdapLoginConfigError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("LDAP login source {0:?} is configured twice")]
    Duplicate(String),
    #[error("LDAP login source {name:?}: ca_file: {error}")]
    CaFile { name: String, error: String },
}

/// The configured directories, checked at start.
#[derive(Default)]
pub struct LdapLogins {
    by_name: HashMap<String, Arc<Directory>>,
}

impl LdapLogins {
    /// Checks every source (transport, CA file).
    pub fn new(sources: &[LdapLoginSource]) -> Result<Self, LdapLoginConfigError> {
        let mut by_name = HashMap::new();
        for src in sources {
            ldap_transport::check(&Transport {
                kind: SourceKind::Login,
                name: &src.name,
                url: &src.url,
                starttls: src.starttls,
                allow_plaintext: src.allow_plaintext,
            })?;
            let tls = match &src.ca_file {
                Some(ca) => Some(Arc::new(
                    tls_config(ca)
                        .map_err(|e| LdapLoginConfigError::CaFile { name: src.name.clone(), error: e.to_string() })?,
                )),
                None => None,
            };
            let directory = Directory { source: src.clone(), tls };
            if by_name.insert(src.name.clone(), Arc::new(directory)).is_some() {
                return Err(LdapLoginConfigError::Duplicate(src.name.clone()));
            }
        }
        Ok(LdapLogins { by_name })
    }

    /// The directory of a sync source, when the provider is configured for it.
    pub fn get(&self, name: &str) -> Option<Arc<Directory>> {
        self.by_name.get(name).cloned()
    }
}

/// One directory, with its TLS configuration read at start.
pub struct Directory {
    source: LdapLoginSource,
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl Directory {
    /// The source's name (for logs).
    pub fn name(&self) -> &str {
        &self.source.name
    }

    /// `Ok(true)` when the directory accepts the password for this DN, `Ok(false)` when it
    /// refuses it (wrong password, unknown DN); `Err` when the directory cannot be reached.
    pub async fn check(&self, dn: &str, password: &str) -> Result<bool, LdapLoginError> {
        if password.is_empty() || dn.is_empty() {
            return Ok(false);
        }
        let timeout = Duration::from_secs(self.source.timeout_secs);
        let mut ldap = self.connect(timeout).await?;
        let answer = bind(&mut ldap, dn, password, timeout).await;
        let _ = ldap.unbind().await;
        answer
    }

    async fn connect(&self, timeout: Duration) -> Result<Ldap, LdapLoginError> {
        let mut settings = LdapConnSettings::new().set_conn_timeout(timeout).set_starttls(self.source.starttls);
        if let Some(tls) = &self.tls {
            settings = settings.set_config(tls.clone());
        }
        let (conn, ldap) = LdapConnAsync::with_settings(settings, &self.source.url).await?;
        ldap3::drive!(conn);
        Ok(ldap)
    }
}

/// One simple bind. Result codes that answer the question are `Ok`; anything else (a timeout,
/// a broken connection, a server error) is `Err`.
async fn bind(ldap: &mut Ldap, dn: &str, password: &str, timeout: Duration) -> Result<bool, LdapLoginError> {
    ldap.with_timeout(timeout);
    let result = ldap.simple_bind(dn, password).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_checked_at_start() {
        assert!(LdapLogins::new(&[LdapLoginSource::new("annuaire", "ldaps://annuaire.ville.example")]).is_ok());
        let err = LdapLogins::new(&[LdapLoginSource::new("annuaire", "ldap://annuaire.ville.example")])
            .err()
            .expect("plaintext");
        assert!(matches!(err, LdapLoginConfigError::Transport(TransportError::Plaintext { .. })), "{err}");
        let twice = LdapLoginSource::new("annuaire", "ldap://localhost");
        let err = LdapLogins::new(&[twice.clone(), twice]).err().expect("duplicate");
        assert_eq!(err.to_string(), "LDAP login source \"annuaire\" is configured twice");
        let missing_ca = LdapLoginSource {
            ca_file: Some("/nonexistent/ca.pem".into()),
            ..LdapLoginSource::new("annuaire", "ldaps://annuaire.ville.example")
        };
        let err = LdapLogins::new(&[missing_ca]).err().expect("ca file");
        assert!(err.to_string().starts_with("LDAP login source \"annuaire\": ca_file: "), "{err}");
    }
}
