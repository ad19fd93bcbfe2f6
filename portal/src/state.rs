//! `PortalState`: the configuration, the session store, the HTTP client, the provider's cached
//! metadata, and the in-memory caches (exchanged tokens, last good fragments).

use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderMap;

use crate::assembly::LastGood;
use crate::backchannel::Keys;
use crate::config::{ConfigError, PortalConfig, PortletConfig, Profile};
use crate::db::{Db, DbError, now};
use crate::error::PortalError;
use crate::provider::Provider;
use crate::store::{Session, Store};
use crate::tokens::TokenCache;
use crate::web::{CookiePolicy, SESSION};

/// The HTTP client's total timeout for one request to the provider or a portlet, from connecting
/// to the last byte of the answer. The refresh lease (`tokens::REFRESH_LEASE`) is derived from
/// it: a refresh token still in flight must never be presented by another instance.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(30);
/// The part of [`HTTP_TIMEOUT`] a connection may take.
pub const HTTP_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct PortalState {
    pub config: Arc<PortalConfig>,
    pub store: Store,
    /// For the provider and the portlets: no redirects followed (a portlet's 303 is ours to
    /// rewrite; discovery must not be bounced elsewhere).
    pub http: reqwest::Client,
    pub provider: Arc<Provider>,
    pub tokens: Arc<TokenCache>,
    pub fragments: Arc<LastGood>,
    /// Portlets whose fragments are paused after repeated failures.
    pub breakers: Arc<crate::breaker::Breakers>,
    /// The provider's keys for back-channel logout tokens.
    pub logout_keys: Arc<Keys>,
    /// Per-address counts (sign-ins started).
    pub throttle: ent_storage::throttle::ThrottleStore,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot open the database: {0}")]
    Db(#[from] DbError),
    #[error("cannot listen on {0}: {1}")]
    Bind(std::net::SocketAddr, std::io::Error),
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

impl PortalState {
    /// Checks the configuration and opens (and migrates) the database it names.
    pub async fn init(config: PortalConfig) -> Result<Self, StartError> {
        config.validate()?;
        let db = crate::db::connect(&config.database_url).await?;
        Self::with_db(config, db)
    }

    /// A state over an already-opened database (tests share one between states).
    pub fn with_db(config: PortalConfig, db: Db) -> Result<Self, StartError> {
        config.validate()?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(HTTP_CONNECT_TIMEOUT)
            .timeout(HTTP_TIMEOUT)
            .build()?;
        let provider = Arc::new(Provider::new(&config, http.clone()));
        Ok(PortalState {
            config: Arc::new(config),
            throttle: ent_storage::throttle::ThrottleStore::new(db.clone()),
            store: Store::new(db),
            http,
            provider,
            tokens: Arc::new(TokenCache::default()),
            fragments: Arc::new(LastGood::default()),
            breakers: Arc::default(),
            logout_keys: Arc::new(Keys::default()),
        })
    }

    pub fn cookies(&self) -> CookiePolicy {
        CookiePolicy { secure: self.config.secure() }
    }

    /// The portlets a profile may use, in the configured order. No profile, no portlet.
    pub fn visible_portlets(&self, profile: Option<Profile>) -> impl Iterator<Item = &PortletConfig> {
        self.config.portlets.iter().filter(move |p| p.allows(profile))
    }

    /// The request's live session, if its cookie names one.
    pub async fn session(&self, headers: &HeaderMap) -> Result<Option<Session>, PortalError> {
        let Some(cookie) = self.cookies().get(headers, SESSION) else {
            return Ok(None);
        };
        Ok(self.store.load(&cookie, now(), self.config.session_idle_secs as i64).await?)
    }

    /// Ends one session here: its row and its cached portlet tokens.
    pub async fn end_session(&self, id_hash: &str) -> Result<(), PortalError> {
        self.store.delete_hash(id_hash).await?;
        self.tokens.drop_session(id_hash);
        Ok(())
    }
}
