//! Minting and checking the provider's JWTs: ID tokens (OIDC Core §2) and RFC 9068 access tokens.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::error::OAuthError;
use crate::db::now;
use crate::jose::{self, Alg};
use crate::secret;
use crate::state::AppState;

/// RFC 9068 §2.2 claims, plus `gid`: the grant the token hangs on (opaque), so that revoking
/// the grant ends the token's life at introspection and userinfo; plus, for tokens minted by
/// token exchange only, when the person's browser session began (`ent_session_start`) and the
/// user's claims for the resource (`extra`) — both absent from ordinary access tokens.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub client_id: String,
    pub scope: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gid: Option<String>,
    /// Unix time the person's sign-in session at the provider began: a re-authentication keeps
    /// it where `auth_time` moves, so a portlet can tell an old session from a young one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ent_session_start: Option<i64>,
    #[serde(flatten, default)]
    pub extra: Map<String, Value>,
}

impl AccessClaims {
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split_whitespace()
    }
}

/// Signs an access token with the configured access-token algorithm.
pub fn mint_access(state: &AppState, claims: &AccessClaims) -> Result<String, OAuthError> {
    let keys = state.keys.get();
    let signer = keys.signer(state.config.access_token_alg).ok_or_else(OAuthError::server_error)?;
    Ok(signer.sign(Some("at+jwt"), claims)?)
}

/// New access-token claims, valid from now for the configured lifetime.
pub fn access_claims(
    state: &AppState,
    sub: String,
    aud: String,
    client_id: &str,
    scope: &str,
    auth_time: Option<i64>,
    gid: Option<String>,
) -> AccessClaims {
    let iat = now();
    AccessClaims {
        iss: state.config.issuer_str(),
        sub,
        aud,
        client_id: client_id.to_string(),
        scope: scope.to_string(),
        exp: iat + state.config.access_token_ttl.as_secs() as i64,
        iat,
        jti: secret::new_id(),
        auth_time,
        gid,
        ent_session_start: None,
        extra: Map::new(),
    }
}

/// What an ID token says beyond the user claims.
pub struct IdTokenFacts<'a> {
    pub alg: Alg,
    pub client_id: &'a str,
    pub sub: &'a str,
    pub auth_time: i64,
    pub amr: &'a [String],
    pub nonce: Option<&'a str>,
    pub access_token: Option<&'a str>,
    pub session_id: Option<&'a str>,
}

/// The `sid` a client sees for a provider session: a per-client digest, so that the ID token
/// and the back-channel logout token can name the session without revealing the provider's
/// session key, and two clients cannot match their sessions.
pub fn session_id_for(state: &AppState, client_id: &str, session_id_hash: &str) -> String {
    secret::hmac_b64(&state.pairwise_secret, &format!("sid\u{1f}{client_id}\u{1f}{session_id_hash}"))
}

/// Signs an ID token with the client's chosen algorithm.
pub fn mint_id_token(state: &AppState, f: &IdTokenFacts<'_>, user: Map<String, Value>) -> Result<String, OAuthError> {
    let iat = now();
    let mut claims = user;
    claims.insert("iss".into(), json!(state.config.issuer_str()));
    claims.insert("sub".into(), json!(f.sub));
    claims.insert("aud".into(), json!(f.client_id));
    claims.insert("azp".into(), json!(f.client_id));
    claims.insert("iat".into(), json!(iat));
    claims.insert("exp".into(), json!(iat + state.config.id_token_ttl.as_secs() as i64));
    claims.insert("auth_time".into(), json!(f.auth_time));
    claims.insert("amr".into(), json!(f.amr));
    claims.insert("acr".into(), json!(crate::passkey::acr_for(f.amr)));
    if let Some(n) = f.nonce {
        claims.insert("nonce".into(), json!(n));
    }
    if let Some(at) = f.access_token {
        claims.insert("at_hash".into(), json!(jose::left_hash(f.alg, at)));
    }
    if let Some(sid) = f.session_id {
        claims.insert("sid".into(), json!(session_id_for(state, f.client_id, sid)));
    }
    let keys = state.keys.get();
    let signer = keys.signer(f.alg).ok_or_else(OAuthError::server_error)?;
    Ok(signer.sign_json(None, &Value::Object(claims))?)
}

/// Checks one of our access tokens: signature by a published key, `typ`, issuer and expiry;
/// then that it was not revoked and that its grant still stands.
pub async fn verify_access(
    state: &AppState,
    token: &str,
) -> Result<(AccessClaims, Option<crate::store::grants::Grant>), OAuthError> {
    let keys = state.keys.get();
    let (header, claims) =
        jose::verify(token, keys.verifiers(), &Alg::ALL).map_err(|_| OAuthError::invalid_token("invalid token"))?;
    if !header
        .typ
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("at+jwt") || t.eq_ignore_ascii_case("application/at+jwt"))
    {
        return Err(OAuthError::invalid_token("not an access token"));
    }
    let claims: AccessClaims =
        serde_json::from_value(claims).map_err(|_| OAuthError::invalid_token("invalid token claims"))?;
    if claims.iss != state.config.issuer_str() {
        return Err(OAuthError::invalid_token("foreign issuer"));
    }
    if claims.exp <= now() {
        return Err(OAuthError::invalid_token("token expired"));
    }
    if state.grants.is_jti_revoked(&claims.jti).await? {
        return Err(OAuthError::invalid_token("token revoked"));
    }
    // A user's token lives as long as its grant; the grant is returned so that callers need
    // not read it again.
    let grant = match &claims.gid {
        Some(gid) => match state.grants.get(gid).await? {
            Some(g) if !g.revoked && g.expires_at > now() => Some(g),
            _ => return Err(OAuthError::invalid_token("token revoked")),
        },
        None => None,
    };
    Ok((claims, grant))
}
