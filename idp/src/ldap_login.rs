//! Login with the directory's own password: for people whose entry carries one (per the sync
//! mapping), the provider checks the password with an LDAP simple bind as that person's DN.
//!
//! Nothing the user types reaches an LDAP filter: the DN comes from the provider's database
//! (recorded by the sync), and the password only travels in the bind. An empty password is
//! refused before any bind (RFC 4513 §5.1.2: an empty password is an unauthenticated bind, which
//! many servers accept).
//!
//! Each directory is reached through a small pool ([`Directory`]): at the morning rush a burst of
//! logins must not open a connection (and a TLS handshake) each, nor more connections than the
//! directory is willing to serve. A pooled connection is only ever used for binds: each check
//! binds as the next person, which replaces whatever identity the connection had (a failed bind
//! leaves it anonymous, RFC 4511 §4.2.1), and no other operation is ever sent on it, so nobody's
//! rights are borrowed by the next check. A connection that failed in any way is dropped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings};
use serde::Deserialize;
use tokio::sync::Semaphore;

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
    /// Connections kept open to this directory, at most; as many binds run at once.
    #[serde(default = "pool_size")]
    pub pool_size: usize,
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
            pool_size: pool_size(),
        }
    }
}

fn timeout() -> u64 {
    10
}

fn pool_size() -> usize {
    4
}

/// A connection unused for this long is closed rather than reused: a firewall may have
/// forgotten it silently, and a bind on it would wait for the whole timeout.
const IDLE_LIMIT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum LdapLoginError {
    #[error("LDAP: {0}")]
    Ldap(#[from] ldap3::LdapError),
    #[error("LDAP TLS setup: {0}")]
    Tls(String),
    #[error("every connection to the directory stayed busy for {0:?}")]
    Busy(Duration),
}

/// A configuration the provider cannot start with.
#[derive(Debug, thiserror::Error)]
pub enum LdapLoginConfigError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("LDAP login source {0:?}: pool_size must be at least 1")]
    PoolSize(String),
    #[error("LDAP login source {0:?} is configured twice")]
    Duplicate(String),
    #[error("LDAP login source {name:?}: ca_file: {error}")]
    CaFile { name: String, error: String },
}

/// The configured directories, each with its pool; built once at start.
#[derive(Default)]
pub struct LdapLogins {
    by_name: HashMap<String, Arc<Directory>>,
}

impl LdapLogins {
    /// Checks every source (transport, pool size, CA file) and sets up its pool; connections
    /// are opened on first use.
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
            if src.pool_size == 0 {
                return Err(LdapLoginConfigError::PoolSize(src.name.clone()));
            }
            let tls = match &src.ca_file {
                Some(ca) => Some(Arc::new(
                    tls_config(ca)
                        .map_err(|e| LdapLoginConfigError::CaFile { name: src.name.clone(), error: e.to_string() })?,
                )),
                None => None,
            };
            let directory = Directory {
                permits: Semaphore::new(src.pool_size),
                idle: Mutex::new(Vec::new()),
                source: src.clone(),
                tls,
            };
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

/// One directory and its pool: at most `pool_size` connections, each in use by one check or idle.
pub struct Directory {
    source: LdapLoginSource,
    tls: Option<Arc<rustls::ClientConfig>>,
    /// One permit per connection that may exist: a check holds one from before it takes or
    /// opens a connection until it has put it back or dropped it.
    permits: Semaphore,
    /// Connections waiting for the next check (most recently used last). Never held across an
    /// await.
    idle: Mutex<Vec<(Ldap, Instant)>>,
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
        let _permit = match tokio::time::timeout(timeout, self.permits.acquire()).await {
            Ok(Ok(permit)) => permit,
            // The semaphore is never closed; a wait beyond the timeout is the directory's slowness.
            Ok(Err(_)) | Err(_) => return Err(LdapLoginError::Busy(timeout)),
        };
        // A reused connection may have been closed by the server meanwhile (idle timeout,
        // restart): then one more try on a new connection.
        if let Some(mut ldap) = self.take_idle()
            && let Ok(answer) = bind(&mut ldap, dn, password, timeout).await
        {
            self.put_back(ldap);
            return Ok(answer);
        }
        let mut ldap = self.connect(timeout).await?;
        let answer = bind(&mut ldap, dn, password, timeout).await?;
        self.put_back(ldap);
        Ok(answer)
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

    /// The most recently used idle connection still open; older ones are closed (dropping the
    /// last handle ends the connection).
    fn take_idle(&self) -> Option<Ldap> {
        let mut idle = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        while let Some((mut ldap, since)) = idle.pop() {
            if since.elapsed() < IDLE_LIMIT && !ldap.is_closed() {
                return Some(ldap);
            }
        }
        None
    }

    fn put_back(&self, mut ldap: Ldap) {
        if ldap.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        idle.push((ldap, Instant::now()));
    }
}

/// One simple bind. Result codes that answer the question are `Ok`; anything else (a timeout,
/// a broken connection, a server error) is `Err`, and the connection is not to be reused.
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
        let empty = LdapLoginSource { pool_size: 0, ..LdapLoginSource::new("annuaire", "ldap://127.0.0.1") };
        let err = LdapLogins::new(&[empty]).err().expect("pool size");
        assert_eq!(err.to_string(), "LDAP login source \"annuaire\": pool_size must be at least 1");
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
