//! The back-channel logout receiver (OpenID Connect Back-Channel Logout 1.0 §2.4–2.8): the
//! provider posts a signed logout token when a session ends there; the portal checks it and ends
//! the matching sessions. Signatures are checked by `jsonwebtoken` (aws-lc-rs) against the
//! provider's JWKS, cached and refetched, at most every ten seconds, when a token names an
//! unknown key.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Form, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::db::now;
use crate::state::PortalState;

pub const LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// The algorithms the provider signs with; anything else (`none`, HMAC) is refused.
const ALGS: [Algorithm; 3] = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA];
/// A logout token issued longer ago than this is refused (with `LEEWAY` for clock skew).
const MAX_AGE: i64 = 300;
const LEEWAY: i64 = 60;
const MIN_REFETCH: Duration = Duration::from_secs(10);
const JWKS_TTL: Duration = Duration::from_secs(300);

/// The provider's signing keys, as `jsonwebtoken` reads them.
#[derive(Default)]
pub struct Keys {
    cached: Mutex<Option<(Instant, Vec<Jwk>)>>,
}

impl Keys {
    /// The key named `kid`, refetching the JWKS when it is stale or (rate-limited) lacks the kid.
    async fn find(&self, state: &PortalState, kid: &str) -> Result<Option<Jwk>, String> {
        let mut cached = self.cached.lock().await;
        let fresh = cached.as_ref().is_some_and(|(at, _)| at.elapsed() < JWKS_TTL);
        if fresh && let Some(k) = cached.as_ref().and_then(|(_, keys)| by_kid(keys, kid)) {
            return Ok(Some(k));
        }
        let may_refetch = cached.as_ref().is_none_or(|(at, _)| !fresh || at.elapsed() >= MIN_REFETCH);
        if may_refetch {
            let keys = fetch(state).await?;
            *cached = Some((Instant::now(), keys));
        }
        Ok(cached.as_ref().and_then(|(_, keys)| by_kid(keys, kid)))
    }
}

fn by_kid(keys: &[Jwk], kid: &str) -> Option<Jwk> {
    keys.iter().find(|k| k.common.key_id.as_deref() == Some(kid)).cloned()
}

async fn fetch(state: &PortalState) -> Result<Vec<Jwk>, String> {
    let meta = state.provider.metadata().await.map_err(|e| e.to_string())?;
    let url = meta.jwks_uri().url().clone();
    let doc: Value = state
        .http
        .get(url)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    // Keys of kinds this library does not read are skipped rather than failing the whole set.
    let keys = doc.get("keys").and_then(Value::as_array).cloned().unwrap_or_default();
    Ok(keys.into_iter().filter_map(|k| serde_json::from_value(k).ok()).collect())
}

#[derive(Deserialize)]
struct LogoutClaims {
    iat: i64,
    exp: i64,
    jti: String,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    sid: Option<String>,
    #[serde(default)]
    events: Option<HashMap<String, Value>>,
    #[serde(default)]
    nonce: Option<Value>,
}

/// What was wrong with a logout token (said to the provider, never anything personal).
struct Refusal(&'static str);

fn refuse(why: Refusal) -> Response {
    tracing::warn!(reason = why.0, "back-channel logout refused");
    let mut res = (StatusCode::BAD_REQUEST, Json(json!({ "error": "invalid_request", "error_description": why.0 })))
        .into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// POST /backchannel-logout
pub async fn receive(State(state): State<PortalState>, Form(form): Form<HashMap<String, String>>) -> Response {
    let Some(token) = form.get("logout_token") else {
        return refuse(Refusal("logout_token missing"));
    };
    match verify(&state, token).await {
        Ok(claims) => match end_sessions(&state, claims).await {
            Ok(()) => {
                let mut res = StatusCode::OK.into_response();
                res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                res
            }
            Err(e) => {
                tracing::error!(error = %e, "back-channel logout: store failure");
                let mut res = StatusCode::INTERNAL_SERVER_ERROR.into_response();
                res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                res
            }
        },
        Err(why) => refuse(why),
    }
}

async fn verify(state: &PortalState, token: &str) -> Result<LogoutClaims, Refusal> {
    let head = jsonwebtoken::decode_header(token).map_err(|_| Refusal("not a JWT"))?;
    if !ALGS.contains(&head.alg) {
        return Err(Refusal("algorithm not accepted"));
    }
    // RFC 8417 / Back-Channel Logout 1.0 §2.4: `logout+jwt` is recommended, plain JWT allowed.
    if let Some(typ) = head.typ.as_deref() {
        let typ = typ.to_ascii_lowercase();
        let typ = typ.strip_prefix("application/").unwrap_or(&typ);
        if typ != "logout+jwt" && typ != "jwt" {
            return Err(Refusal("wrong typ"));
        }
    }
    if head.crit.is_some() {
        return Err(Refusal("crit not supported"));
    }
    let kid = head.kid.as_deref().ok_or(Refusal("no kid"))?;
    let jwk = state.logout_keys.find(state, kid).await.map_err(|_| Refusal("keys unavailable"))?;
    let jwk = jwk.ok_or(Refusal("unknown key"))?;
    if let Some(alg) = jwk.common.key_algorithm
        && alg != jsonwebtoken::jwk::KeyAlgorithm::from(head.alg)
    {
        return Err(Refusal("key and algorithm do not match"));
    }
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| Refusal("unusable key"))?;
    let mut v = Validation::new(head.alg);
    v.set_issuer(&[state.provider.issuer()]);
    v.set_audience(&[state.provider.client_id()]);
    v.set_required_spec_claims(&["exp", "iss", "aud"]);
    v.leeway = LEEWAY as u64;
    let claims = jsonwebtoken::decode::<LogoutClaims>(token, &key, &v)
        .map_err(|e| {
            Refusal(match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidSignature => "bad signature",
                jsonwebtoken::errors::ErrorKind::InvalidIssuer => "wrong issuer",
                jsonwebtoken::errors::ErrorKind::InvalidAudience => "wrong audience",
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => "expired",
                jsonwebtoken::errors::ErrorKind::MissingRequiredClaim(_) => "claim missing",
                _ => "invalid token",
            })
        })?
        .claims;
    let t = now();
    if claims.iat > t + LEEWAY || claims.iat < t - MAX_AGE - LEEWAY {
        return Err(Refusal("iat not recent"));
    }
    if !claims.events.as_ref().and_then(|e| e.get(LOGOUT_EVENT)).is_some_and(Value::is_object) {
        return Err(Refusal("no back-channel logout event"));
    }
    // §2.6: a nonce would make it an ID token in disguise.
    if claims.nonce.is_some() {
        return Err(Refusal("nonce present"));
    }
    if claims.sub.is_none() && claims.sid.is_none() {
        return Err(Refusal("neither sub nor sid"));
    }
    if claims.jti.is_empty() {
        return Err(Refusal("no jti"));
    }
    let first =
        state.store.remember_jti(&claims.jti, claims.exp.max(t) + LEEWAY).await.map_err(|_| Refusal("store"))?;
    if !first {
        return Err(Refusal("replayed"));
    }
    Ok(claims)
}

async fn end_sessions(state: &PortalState, claims: LogoutClaims) -> Result<(), crate::db::DbError> {
    let ended = state.store.delete_for_logout(claims.sub.as_deref(), claims.sid.as_deref()).await?;
    for id_hash in &ended {
        state.tokens.drop_session(id_hash);
    }
    if claims.sid.is_none()
        && let Some(sub) = &claims.sub
    {
        // Every session of the person is over: their remembered fragments go too.
        state.fragments.forget(sub);
    }
    Ok(())
}
