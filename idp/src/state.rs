//! The provider's shared state: configuration, stores, keys and secrets, built once at start.

use std::sync::Arc;

use crate::config::Config;
use crate::db::Db;
use crate::keyring::Keyring;
use crate::password::Passwords;
use crate::store::{
    activation::ActivationStore,
    audit::{AuditEvent, AuditStore},
    clients::ClientStore,
    directory::DirectoryStore,
    grants::GrantStore,
    keys::KeyStore,
    logout_notices::LogoutNoticeStore,
    passkeys::PasskeyStore,
    sessions::SessionStore,
    settings::SettingsStore,
    throttle::ThrottleStore,
};
use crate::web::cookies::CookiePolicy;

/// Cheap to clone: everything sits behind one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub config: Config,
    pub db: Db,
    pub clients: ClientStore,
    pub directory: DirectoryStore,
    pub sessions: SessionStore,
    pub grants: GrantStore,
    pub throttle: ThrottleStore,
    pub audit: AuditStore,
    pub activation: ActivationStore,
    pub logout_notices: LogoutNoticeStore,
    pub passkeys: PasskeyStore,
    /// The directories whose people log in by bind, each with its connection pool.
    pub ldap_login: crate::ldap_login::LdapLogins,
    /// The passkeys' relying party; `None` when passkeys are off (an IP-address issuer with no
    /// WebAuthn settings).
    pub webauthn: Option<Arc<webauthn_rs::Webauthn>>,
    /// Wakes the back-channel logout deliverer when this instance queued notices.
    pub logout_notices_queued: tokio::sync::Notify,
    pub keys: Keyring,
    pub passwords: Passwords,
    /// The time of the attempt limits and of sign-ins (`auth_time`, a session's start, `max_age`):
    /// tests move it to end a lock or to age a session.
    pub clock: ent_storage::Clock,
    pub cookies: CookiePolicy,
    /// Keys pairwise subjects (OIDC Core §8.1): shared by every instance, kept in `settings`.
    pub pairwise_secret: Vec<u8>,
    /// Keys form tokens and throttling digests.
    pub csrf_secret: Vec<u8>,
    /// The issuer's origin (`scheme://host:port`), which browser POSTs must come from.
    pub origin: String,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    #[error(transparent)]
    Keys(#[from] crate::store::keys::KeyStoreError),
    #[error(transparent)]
    Password(#[from] crate::password::PasswordError),
    #[error("passkeys: {0}")]
    Passkeys(#[from] crate::passkey::RelyingPartyError),
    #[error(transparent)]
    LdapLogin(#[from] crate::ldap_login::LdapLoginConfigError),
    #[error("cannot listen on {0}: {1}")]
    Bind(std::net::SocketAddr, std::io::Error),
}

impl AppState {
    /// Connects to the database, applies migrations, and loads or creates keys and secrets.
    pub async fn init(config: Config) -> Result<Self, StartError> {
        let db = crate::db::connect(&config.database_url).await?;
        Self::with_db(config, db).await
    }

    pub async fn with_db(config: Config, db: Db) -> Result<Self, StartError> {
        // Configuration first: a bad one stops the provider before it touches the database.
        let ldap_login = crate::ldap_login::LdapLogins::new(&config.ldap_login)?;
        let settings = SettingsStore::new(db.clone());
        let pairwise = settings.get_or_create("pairwise_secret", crate::secret::new_secret).await?;
        let csrf = settings.get_or_create("csrf_secret", crate::secret::new_secret).await?;
        let keys = Keyring::load(KeyStore::new(db.clone())).await?;
        let origin = config.issuer.origin().ascii_serialization();
        let webauthn = crate::passkey::relying_party(&config)?;
        if webauthn.is_none() {
            tracing::warn!("passkeys are off: the issuer's host is an IP address and no webauthn_rp_id is configured");
        }
        Ok(AppState(Arc::new(Inner {
            cookies: CookiePolicy { secure: config.secure_cookies() },
            clients: ClientStore::new(db.clone()),
            directory: DirectoryStore::new(db.clone()),
            sessions: SessionStore::new(db.clone()),
            grants: GrantStore::new(db.clone()),
            throttle: ThrottleStore::new(db.clone()),
            audit: AuditStore::new(db.clone()),
            activation: ActivationStore::new(db.clone()),
            logout_notices: LogoutNoticeStore::new(db.clone()),
            passkeys: PasskeyStore::new(db.clone()),
            ldap_login,
            webauthn,
            logout_notices_queued: tokio::sync::Notify::new(),
            passwords: Passwords::new(None)?,
            clock: ent_storage::Clock::default(),
            pairwise_secret: pairwise.into_bytes(),
            csrf_secret: csrf.into_bytes(),
            keys,
            origin,
            config,
            db,
        })))
    }

    /// Writes an audit record; a failure to audit is logged loudly but does not fail the request
    /// it describes (the request already happened).
    pub async fn audit(&self, event: AuditEvent) {
        if let Err(e) = self.audit.record(&event).await {
            tracing::error!(error = %e, event = %event.event, "audit record could not be written");
        }
    }
}
