//! The user's tokens: the access token refreshed shortly before it expires (one refresh per
//! session at a time), and the portlet tokens got by RFC 8693 token exchange, cached in memory per
//! (session, portlet) until shortly before they expire.
//!
//! Why single-flight: the provider rotates refresh tokens and treats a spent one as theft,
//! revoking the whole grant. Two parallel refreshes of one session would log the user out. So a
//! refresh takes a per-session lock in this process and a lease in the database (other portal
//! instances), and page assembly refreshes before it launches its parallel fetches.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use openidconnect::core::CoreErrorResponseType;
use openidconnect::{OAuth2TokenResponse, RefreshToken, RequestTokenError, TokenResponse};
use serde::Deserialize;

use crate::config::PortletConfig;
use crate::db::now;
use crate::error::PortalError;
use crate::provider::EntClient;
use crate::state::{HTTP_TIMEOUT, PortalState};
use crate::store::{Session, SessionSecrets};

/// What the refresh lease allows beyond the token request: two waits for a database connection
/// (10 s each on PostgreSQL, where instances share the lease) and the whole second the lease is
/// counted in (claimed at second `t`, it may have started up to a second later).
const REFRESH_LEASE_MARGIN: Duration = Duration::from_secs(30);
/// How long one refresh may hold the database lease: longer than everything the refresh waits for
/// while it holds it, or a slow provider would let another instance take the lease over and
/// present the same refresh token, which revokes the grant and signs the person out. Under the
/// lease there is the token request, bounded by the HTTP client's total timeout, and the database
/// reads and writes around it (the provider's metadata is read before the lease is taken).
const REFRESH_LEASE: Duration = Duration::from_secs(HTTP_TIMEOUT.as_secs() + REFRESH_LEASE_MARGIN.as_secs());
const REFRESH_LEASE_SECS: i64 = REFRESH_LEASE.as_secs() as i64;
// The lease outlasts the token request's whole timeout (connecting included) by more than the
// second of clock granularity: checked at compile time, so the two cannot drift apart again.
const _: () = assert!(REFRESH_LEASE.as_secs() > HTTP_TIMEOUT.as_secs() + 1);

/// Access tokens whose response says nothing of their life are taken to last this long.
const DEFAULT_TOKEN_SECS: i64 = 300;
/// Beyond this many cached portlet tokens the expired ones are swept.
const MAX_EXCHANGED: usize = 50_000;

pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// Why the user's tokens could not be made usable.
#[derive(Debug)]
pub enum TokenError {
    /// The provider refused the refresh token: the session is over (and was deleted).
    SessionEnded,
    Other(PortalError),
}

impl From<PortalError> for TokenError {
    fn from(e: PortalError) -> Self {
        TokenError::Other(e)
    }
}

#[derive(Default)]
pub struct TokenCache {
    exchanged: Mutex<HashMap<(String, String), (String, Instant)>>,
    refresh_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl TokenCache {
    fn get(&self, id_hash: &str, portlet: &str, margin: Duration) -> Option<String> {
        let map = self.exchanged.lock().ok()?;
        let (token, until) = map.get(&(id_hash.to_string(), portlet.to_string()))?;
        (Instant::now() + margin < *until).then(|| token.clone())
    }

    fn put(&self, id_hash: &str, portlet: &str, token: String, until: Instant) {
        if let Ok(mut map) = self.exchanged.lock() {
            if map.len() >= MAX_EXCHANGED {
                let now = Instant::now();
                map.retain(|_, (_, u)| *u > now);
                if map.len() >= MAX_EXCHANGED {
                    map.clear();
                }
            }
            map.insert((id_hash.to_string(), portlet.to_string()), (token, until));
        }
    }

    /// Forgets one portlet token (the portlet said 401).
    pub fn drop_token(&self, id_hash: &str, portlet: &str) {
        if let Ok(mut map) = self.exchanged.lock() {
            map.remove(&(id_hash.to_string(), portlet.to_string()));
        }
    }

    /// Forgets every portlet token of a session (logout).
    pub fn drop_session(&self, id_hash: &str) {
        if let Ok(mut map) = self.exchanged.lock() {
            map.retain(|(h, _), _| h != id_hash);
        }
    }

    /// How many portlet tokens a session holds (tests).
    pub fn cached_for(&self, id_hash: &str) -> usize {
        self.exchanged.lock().map(|m| m.keys().filter(|(h, _)| h == id_hash).count()).unwrap_or(0)
    }

    fn lock_for(&self, id_hash: &str) -> Arc<tokio::sync::Mutex<()>> {
        match self.refresh_locks.lock() {
            Ok(mut locks) => {
                // Locks nobody holds or waits for go away, so the map stays as small as the traffic.
                locks.retain(|_, l| Arc::strong_count(l) > 1);
                locks.entry(id_hash.to_string()).or_default().clone()
            }
            Err(_) => Arc::default(),
        }
    }
}

/// How long a page waits for a refresh before going on with the token it has (while that is
/// still valid).
const REFRESH_WAIT: Duration = Duration::from_secs(3);

/// [`ensure_fresh`], without holding the page hostage to a slow provider. The refresh runs in a
/// task of its own, so that it always completes and stores the rotated refresh token: a refresh
/// cancelled halfway would leave the portal holding a spent token, and its next use would revoke
/// the user's whole grant (reuse detection). The page waits at most [`REFRESH_WAIT`]; then it
/// goes on with the current access token if it is still valid.
pub async fn ensure_fresh_soon(state: &PortalState, session: &mut Session) -> Result<(), TokenError> {
    let margin = state.config.token_margin_secs as i64;
    if session.access_expires_at - margin > now() {
        return Ok(());
    }
    let (state2, mut s2) = (state.clone(), session.clone());
    let task = tokio::spawn(async move {
        let r = ensure_fresh(&state2, &mut s2).await;
        (r, s2)
    });
    match tokio::time::timeout(REFRESH_WAIT, task).await {
        Ok(Ok((r, fresh))) => {
            *session = fresh;
            r
        }
        Ok(Err(e)) => Err(TokenError::Other(PortalError::Upstream(format!("refresh task: {e}")))),
        Err(_) if session.access_expires_at > now() + 5 => {
            tracing::warn!("token refresh is slow: going on with the current access token");
            Ok(())
        }
        Err(_) => {
            Err(TokenError::Other(PortalError::Upstream("the provider did not answer the refresh in time".into())))
        }
    }
}

/// Makes the session's access token good for at least the margin, refreshing it if needed.
pub async fn ensure_fresh(state: &PortalState, session: &mut Session) -> Result<(), TokenError> {
    let margin = state.config.token_margin_secs as i64;
    if session.access_expires_at - margin > now() {
        return Ok(());
    }
    // The provider's endpoints before the lease, not under it: a discovery is two more requests,
    // each up to the client's timeout, that the lease would have to cover.
    let client = match state.provider.metadata().await.and_then(|meta| state.provider.client(&meta)) {
        Ok(client) => client,
        Err(e) if session.access_expires_at > now() => {
            tracing::warn!(error = %e, "no provider metadata for a refresh; the current access token is kept");
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    let lock = state.tokens.lock_for(&session.id_hash);
    let _held = lock.lock().await;
    let idle = state.config.session_idle_secs as i64;
    // Another request may have refreshed while this one waited.
    for _ in 0..50 {
        let Some(current) = state.store.load(&session.cookie, now(), idle).await.map_err(PortalError::from)? else {
            state.tokens.drop_session(&session.id_hash);
            return Err(TokenError::SessionEnded);
        };
        *session = current;
        if session.access_expires_at - margin > now() {
            return Ok(());
        }
        let t = now();
        if state.store.claim_refresh(&session.id_hash, t, t + REFRESH_LEASE_SECS).await.map_err(PortalError::from)? {
            // Another instance may have refreshed and given the lease back between our read
            // and our claim: read again under the lease, or we would present a spent token.
            let Some(current) = state.store.load(&session.cookie, now(), idle).await.map_err(PortalError::from)? else {
                state.tokens.drop_session(&session.id_hash);
                return Err(TokenError::SessionEnded);
            };
            *session = current;
            if session.access_expires_at - margin > now() {
                state.store.release_refresh(&session.id_hash).await.map_err(PortalError::from)?;
                return Ok(());
            }
            return refresh(state, session, &client).await;
        }
        // Another instance holds the lease: wait for its result.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if session.access_expires_at > now() {
        Ok(())
    } else {
        Err(TokenError::Other(PortalError::Upstream("token refresh did not complete".into())))
    }
}

/// Runs the refresh grant (the caller holds the lease).
async fn refresh(state: &PortalState, session: &mut Session, client: &EntClient) -> Result<(), TokenError> {
    let Some(refresh_token) = session.secrets.refresh_token.clone() else {
        // No refresh token (no offline_access granted): the session lasts as long as its token.
        state.store.release_refresh(&session.id_hash).await.map_err(PortalError::from)?;
        if session.access_expires_at > now() {
            return Ok(());
        }
        state.end_session(&session.id_hash).await?;
        return Err(TokenError::SessionEnded);
    };
    let refresh_token = RefreshToken::new(refresh_token);
    let request = client.exchange_refresh_token(&refresh_token);
    let result = match request {
        Ok(r) => r.request_async(&state.http).await,
        Err(e) => return Err(TokenError::Other(PortalError::Internal(e.to_string()))),
    };
    match result {
        Ok(token) => {
            let secrets = SessionSecrets {
                name: session.secrets.name.clone(),
                access_token: token.access_token().secret().clone(),
                refresh_token: token
                    .refresh_token()
                    .map(|r| r.secret().clone())
                    .or_else(|| session.secrets.refresh_token.clone()),
                // A refreshed ID token, when sent, is the better logout hint.
                id_token: token.id_token().map(|t| t.to_string()).unwrap_or_else(|| session.secrets.id_token.clone()),
            };
            let expires = now() + token.expires_in().map(|d| d.as_secs() as i64).unwrap_or(DEFAULT_TOKEN_SECS);
            state.store.update_tokens(session, &secrets, expires).await.map_err(PortalError::from)?;
            session.secrets = secrets;
            session.access_expires_at = expires;
            // Portlet tokens minted from the old access token stay valid until they expire.
            Ok(())
        }
        Err(RequestTokenError::ServerResponse(e)) if *e.error() == CoreErrorResponseType::InvalidGrant => {
            state.end_session(&session.id_hash).await?;
            Err(TokenError::SessionEnded)
        }
        Err(e) => {
            state.store.release_refresh(&session.id_hash).await.map_err(PortalError::from)?;
            if session.access_expires_at > now() {
                // The old token still works for a while: do not fail the page over a passing error.
                tracing::warn!(error = %e, "token refresh failed; the current access token is kept");
                Ok(())
            } else {
                Err(TokenError::Other(PortalError::Upstream(format!("token refresh failed: {e}"))))
            }
        }
    }
}

#[derive(Deserialize)]
struct ExchangeResponse {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: String,
}

/// The session's token for one portlet: from the cache, or by token exchange (RFC 8693).
pub async fn portlet_token(
    state: &PortalState,
    session: &Session,
    portlet: &PortletConfig,
) -> Result<String, PortalError> {
    let margin = state.config.token_margin();
    if let Some(t) = state.tokens.get(&session.id_hash, &portlet.name, margin) {
        return Ok(t);
    }
    let meta = state.provider.metadata().await?;
    let endpoint = meta
        .token_endpoint()
        .ok_or_else(|| PortalError::Upstream("the provider has no token endpoint".into()))?
        .url()
        .clone();
    // client_secret_basic (RFC 6749 §2.3.1): both parts form-urlencoded before base64.
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let basic = STANDARD.encode(format!("{}:{}", enc(state.provider.client_id()), enc(state.provider.client_secret())));
    let started = Instant::now();
    let res = state
        .http
        .post(endpoint)
        .header(reqwest::header::AUTHORIZATION, format!("Basic {basic}"))
        .header(reqwest::header::ACCEPT, "application/json")
        .form(&[
            ("grant_type", TOKEN_EXCHANGE),
            ("subject_token", session.secrets.access_token.as_str()),
            ("subject_token_type", ACCESS_TOKEN_TYPE),
            ("resource", portlet.resource.as_str()),
        ])
        .send()
        .await
        .map_err(|e| PortalError::Upstream(format!("token exchange: {}", e.without_url())))?;
    let status = res.status();
    let body = res.bytes().await.map_err(|e| PortalError::Upstream(format!("token exchange: {}", e.without_url())))?;
    if !status.is_success() {
        let error = serde_json::from_slice::<ErrorBody>(&body).map(|b| b.error).unwrap_or_default();
        return Err(PortalError::Upstream(format!("token exchange refused: {status} {error}")));
    }
    let token: ExchangeResponse = serde_json::from_slice(&body)
        .map_err(|e| PortalError::Upstream(format!("token exchange: unreadable answer: {e}")))?;
    if token.token_type.as_deref().is_some_and(|t| !t.eq_ignore_ascii_case("bearer")) {
        return Err(PortalError::Upstream("token exchange: not a bearer token".into()));
    }
    let life = Duration::from_secs(token.expires_in.unwrap_or(60));
    state.tokens.put(&session.id_hash, &portlet.name, token.access_token.clone(), started + life);
    Ok(token.access_token)
}
