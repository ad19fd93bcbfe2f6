//! Checking a portlet token (RFC 9068 access token, RFC 8725 JWT best practices): the signature
//! against the provider's published keys, `typ: at+jwt`, an algorithm allow-list, `iss`, `aud`
//! (this portlet alone), expiry with a small leeway; then the claims become an [`Identity`].
//!
//! The keys come from the provider's JWKS, cached. A token naming an unknown `kid` triggers one
//! refetch, at most every [`REFETCH_INTERVAL`]: a key rotation needs no restart, and a flood of
//! tokens with made-up `kid`s costs the provider one request every few seconds, not one each.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tokio::sync::{Mutex, RwLock};

use crate::identity::{Child, ClassRef, Identity, Profile, SchoolRole};

/// The signature algorithms the provider uses. Anything else (`none`, HMAC) is refused.
pub const ALGORITHMS: [Algorithm; 3] = [Algorithm::ES256, Algorithm::RS256, Algorithm::EdDSA];

/// Clock skew tolerated on `exp` (seconds).
pub const LEEWAY_SECS: u64 = 30;

/// The least time between two JWKS fetches caused by unknown `kid`s.
pub const REFETCH_INTERVAL: Duration = Duration::from_secs(5);

/// Keys older than this are refetched on the next verification, in case a key was withdrawn.
const MAX_KEYS_AGE: Duration = Duration::from_secs(600);

/// Why a token was refused. The text goes to the log and to `WWW-Authenticate`, never a secret.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("no bearer token")]
    Missing,
    #[error("malformed token")]
    Malformed,
    #[error("token type is not at+jwt")]
    WrongType,
    #[error("algorithm not allowed")]
    Algorithm,
    #[error("unknown signing key")]
    UnknownKey,
    #[error("invalid token: {0}")]
    Invalid(String),
    #[error("token lacks the ENT claims")]
    NoEntClaims,
    #[error("the provider's keys are unavailable")]
    KeysUnavailable,
}

/// One verification key, with the algorithm it may be used with.
#[derive(Clone)]
struct Key {
    alg: Algorithm,
    key: DecodingKey,
}

/// Where keys come from.
enum Source {
    /// The provider's JWKS, fetched over HTTP.
    Remote { url: String, http: reqwest::Client },
    /// Fixed keys (tests, or a deployment that pins keys).
    Static,
}

struct Cache {
    keys: HashMap<String, Key>,
    fetched: Option<Instant>,
}

/// Verifies portlet tokens for one audience. Cheap to share (`Arc`).
pub struct Verifier {
    issuer: String,
    audience: String,
    source: Source,
    cache: RwLock<Cache>,
    /// The time of the last fetch attempt; the lock also makes concurrent refetches one.
    last_attempt: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier").field("issuer", &self.issuer).field("audience", &self.audience).finish()
    }
}

/// The claims of a portlet token (docs/portlets.md).
#[derive(Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    scope: String,
    exp: i64,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    ent_profile: Option<String>,
    #[serde(default)]
    ent_schools: Vec<String>,
    #[serde(default)]
    ent_classes: Vec<ClassRef>,
    #[serde(default)]
    ent_children: Vec<Child>,
    #[serde(default)]
    ent_roles: Vec<SchoolRole>,
    #[serde(default)]
    auth_time: Option<i64>,
    #[serde(default)]
    ent_session_start: Option<i64>,
}

impl Verifier {
    /// A verifier that reads the keys from the provider's JWKS at `jwks_url`.
    pub fn remote(issuer: &str, audience: &str, jwks_url: &str) -> Arc<Self> {
        crate::crypto::install();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Arc::new(Verifier {
            issuer: issuer.to_string(),
            audience: audience.to_string(),
            source: Source::Remote { url: jwks_url.to_string(), http },
            cache: RwLock::new(Cache { keys: HashMap::new(), fetched: None }),
            last_attempt: Mutex::new(None),
        })
    }

    /// A verifier with fixed keys: a JWKS document (`{"keys": [...]}`).
    pub fn with_jwks(issuer: &str, audience: &str, jwks: &serde_json::Value) -> Result<Arc<Self>, TokenError> {
        crate::crypto::install();
        let keys = parse_jwks(jwks);
        if keys.is_empty() {
            return Err(TokenError::KeysUnavailable);
        }
        Ok(Arc::new(Verifier {
            issuer: issuer.to_string(),
            audience: audience.to_string(),
            source: Source::Static,
            cache: RwLock::new(Cache { keys, fetched: Some(Instant::now()) }),
            last_attempt: Mutex::new(None),
        }))
    }

    pub fn audience(&self) -> &str {
        &self.audience
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Checks a token and returns who it names.
    pub async fn verify(&self, token: &str) -> Result<Identity, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        // RFC 9068 §2.1: `at+jwt` (the media type form is equivalent, RFC 7515 §4.1.9).
        let typ = header.typ.as_deref().unwrap_or("").to_ascii_lowercase();
        if typ != "at+jwt" && typ != "application/at+jwt" {
            return Err(TokenError::WrongType);
        }
        if !ALGORITHMS.contains(&header.alg) {
            return Err(TokenError::Algorithm);
        }
        let kid = header.kid.ok_or(TokenError::UnknownKey)?;
        let key = self.key(&kid).await?;
        // The key's own algorithm decides, not the header's claim (RFC 8725 §3.1).
        if key.alg != header.alg {
            return Err(TokenError::Algorithm);
        }
        let mut validation = Validation::new(key.alg);
        validation.leeway = LEEWAY_SECS;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(token, &key.key, &validation)
            .map_err(|e| TokenError::Invalid(e.kind_name()))?;
        identity(data.claims)
    }

    /// The key with this id: from the cache, or after one (rate-limited) refetch.
    async fn key(&self, kid: &str) -> Result<Key, TokenError> {
        {
            let cache = self.cache.read().await;
            let fresh = cache.fetched.is_some_and(|t| t.elapsed() < MAX_KEYS_AGE);
            if let Some(k) = cache.keys.get(kid)
                && (fresh || matches!(self.source, Source::Static))
            {
                return Ok(k.clone());
            }
        }
        let Source::Remote { url, http } = &self.source else {
            return Err(TokenError::UnknownKey);
        };
        let mut last = self.last_attempt.lock().await;
        // Another request may have refetched while this one waited for the lock.
        if let Some(k) = self.cache.read().await.keys.get(kid)
            && last.is_some_and(|t| t.elapsed() < REFETCH_INTERVAL)
        {
            return Ok(k.clone());
        }
        if last.is_some_and(|t| t.elapsed() < REFETCH_INTERVAL) {
            return Err(TokenError::UnknownKey);
        }
        *last = Some(Instant::now());
        match fetch(http, url).await {
            Some(keys) => {
                let mut cache = self.cache.write().await;
                cache.keys = keys;
                cache.fetched = Some(Instant::now());
                cache.keys.get(kid).cloned().ok_or(TokenError::UnknownKey)
            }
            None => {
                // Keep serving known keys while the provider is unreachable.
                let cache = self.cache.read().await;
                cache.keys.get(kid).cloned().ok_or(TokenError::KeysUnavailable)
            }
        }
    }
}

trait KindName {
    fn kind_name(&self) -> String;
}

impl KindName for jsonwebtoken::errors::Error {
    /// The error's kind without key material: `ExpiredSignature`, `InvalidAudience`, …
    fn kind_name(&self) -> String {
        let s = format!("{:?}", self.kind());
        s.split(['(', ' ']).next().unwrap_or("Invalid").to_string()
    }
}

async fn fetch(http: &reqwest::Client, url: &str) -> Option<HashMap<String, Key>> {
    let res = http.get(url).send().await.ok()?;
    if !res.status().is_success() {
        tracing::warn!(status = %res.status(), "the provider's JWKS could not be fetched");
        return None;
    }
    let doc: serde_json::Value = res.json().await.ok()?;
    let keys = parse_jwks(&doc);
    (!keys.is_empty()).then_some(keys)
}

/// The usable signing keys of a JWKS document; keys of unknown kinds are skipped, not fatal.
fn parse_jwks(doc: &serde_json::Value) -> HashMap<String, Key> {
    let mut out = HashMap::new();
    let Some(list) = doc.get("keys").and_then(|k| k.as_array()) else {
        return out;
    };
    for value in list {
        let Ok(jwk) = serde_json::from_value::<Jwk>(value.clone()) else {
            continue;
        };
        let (Some(kid), Some(alg)) = (jwk.common.key_id.clone(), key_alg(value)) else {
            continue;
        };
        if value.get("use").and_then(|u| u.as_str()).is_some_and(|u| u != "sig") {
            continue;
        }
        if let Ok(key) = DecodingKey::from_jwk(&jwk) {
            out.insert(kid, Key { alg, key });
        }
    }
    out
}

/// The algorithm a JWK is for: its `alg`, which the provider always publishes.
fn key_alg(value: &serde_json::Value) -> Option<Algorithm> {
    match value.get("alg")?.as_str()? {
        "ES256" => Some(Algorithm::ES256),
        "RS256" => Some(Algorithm::RS256),
        "EdDSA" => Some(Algorithm::EdDSA),
        _ => None,
    }
}

fn identity(c: Claims) -> Result<Identity, TokenError> {
    let profile = c.ent_profile.as_deref().and_then(Profile::parse).ok_or(TokenError::NoEntClaims)?;
    if c.sub.is_empty() {
        return Err(TokenError::Invalid("EmptySubject".into()));
    }
    Ok(Identity {
        sub: c.sub,
        name: c.name,
        profile,
        schools: c.ent_schools,
        classes: c.ent_classes,
        children: c.ent_children,
        roles: c.ent_roles,
        client_id: c.client_id,
        scopes: c.scope.split_whitespace().map(str::to_owned).collect(),
        expires_at: c.exp,
        auth_time: c.auth_time,
        session_start: c.ent_session_start,
    })
}
