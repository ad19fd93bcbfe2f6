//! OAuth 2.0 Token Exchange (RFC 8693) with resource indicators (RFC 8707): a first-party
//! service (the portal) trades the access token a user gave it for a short token addressed to
//! one first-party resource (a portlet), carrying the user's claims, so that the portlet needs
//! no call back to the provider and never sees a token it could replay elsewhere.
//!
//! The subject token must be one of ours, alive, issued to the requesting client and addressed
//! to it: a token already exchanged (addressed to a portlet) cannot be exchanged again. The new
//! token hangs on the same grant, so revoking the grant (logout, `/revoke`, a deactivation)
//! kills it at introspection too. It carries the subject token's `auth_time` and the grant's
//! session start (`ent_session_start`): how recently the person proved who they are, and how old
//! their session is.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::authorize::single;
use super::claims::user_claims;
use super::error::OAuthError;
use super::tokens::{AccessClaims, mint_access, verify_access};
use crate::db::now;
use crate::secret;
use crate::state::AppState;
use crate::store::audit::AuditEvent;
use crate::store::clients::Client;

/// The grant type (RFC 8693 §2.1).
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// The only token type accepted and issued (RFC 8693 §3).
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// User claims a portlet token carries: `name` (scope `profile`) and the ENT claims (scope
/// `ent`). Given and family names, the login and e-mail stay out: no portlet needs them.
const RELEASED_CLAIMS: [&str; 7] =
    ["name", "ent_profile", "ent_schools", "ent_classes", "ent_children", "ent_roles", "ent_city"];

/// RFC 8707 §2: the resource is missing, unknown or not allowed.
pub fn invalid_target(d: impl Into<String>) -> OAuthError {
    OAuthError::new(StatusCode::BAD_REQUEST, "invalid_target", d)
}

/// Handles `grant_type=urn:ietf:params:oauth:grant-type:token-exchange` for an authenticated client.
pub async fn exchange(state: &AppState, client: &Client, p: &[(String, String)]) -> Result<Value, OAuthError> {
    // Only the ENT's own confidential services: the token carries public subjects and the
    // user's claims, which a school's tool (pairwise subjects) must never receive.
    if client.is_public() || !client.first_party || !client.allows_grant(GRANT_TYPE) {
        return Err(OAuthError::unauthorized_client("this client may not use token exchange"));
    }
    if single(p, "actor_token").is_some() || single(p, "actor_token_type").is_some() {
        return Err(OAuthError::invalid_request("actor_token is not supported (no delegation)"));
    }
    let subject_token =
        single(p, "subject_token").ok_or_else(|| OAuthError::invalid_request("subject_token is required"))?;
    match single(p, "subject_token_type") {
        Some(ACCESS_TOKEN_TYPE) => {}
        Some(_) => return Err(OAuthError::invalid_request("subject_token_type must be the access_token type")),
        None => return Err(OAuthError::invalid_request("subject_token_type is required")),
    }
    if single(p, "requested_token_type").is_some_and(|t| t != ACCESS_TOKEN_TYPE) {
        return Err(OAuthError::invalid_request("only access tokens are issued"));
    }
    if single(p, "audience").is_some() {
        return Err(invalid_target("name the service with resource, not audience"));
    }
    let resource = single(p, "resource").ok_or_else(|| invalid_target("resource is required"))?;

    // The subject token: signature, typ, issuer, expiry, revocation, grant. Any refusal there
    // is the subject token's fault (invalid_grant); a database failure stays a server error.
    let (subject, grant) = verify_access(state, subject_token).await.map_err(|e| match e.code {
        "invalid_token" => OAuthError::invalid_grant("subject_token is invalid, expired or revoked"),
        _ => e,
    })?;
    if subject.client_id != client.id || subject.aud != client.id {
        return Err(OAuthError::invalid_grant("subject_token was not issued to this client"));
    }
    let grant = grant.ok_or_else(|| OAuthError::invalid_grant("subject_token is not a user's token"))?;
    let Some(person) = state.directory.person(&grant.person_id).await?.filter(|p| !p.disabled) else {
        return Err(OAuthError::invalid_grant("the account is no longer active"));
    };

    let target = match state.clients.by_audience(resource).await? {
        Some(c) if c.first_party && resource != state.config.directory_resource => c,
        _ => return Err(invalid_target("resource is not a first-party service")),
    };

    let granted: Vec<&str> = subject.scopes().collect();
    let scopes: Vec<&str> = match single(p, "scope") {
        None => granted.iter().copied().filter(|s| *s != "offline_access").collect(),
        Some(asked) => {
            if let Some(bad) = asked.split_whitespace().find(|s| !granted.contains(s)) {
                return Err(OAuthError::invalid_scope(format!("scope {bad} is not in the subject token")));
            }
            // No refresh token comes out of an exchange: offline access means nothing here.
            asked.split_whitespace().filter(|s| *s != "offline_access").collect()
        }
    };
    let scope = scopes.join(" ");

    let iat = now();
    let ttl = state.config.exchange_token_ttl.as_secs() as i64;
    let exp = (iat + ttl).min(subject.exp);
    let mut extra = Map::new();
    if scopes.contains(&"profile") || scopes.contains(&"ent") {
        // The claims as the resource would see them: its subjects for the children.
        let mut all = user_claims(state, &target, &person, &scopes).await?;
        for name in RELEASED_CLAIMS {
            if let Some(v) = all.remove(name) {
                extra.insert(name.into(), v);
            }
        }
    }
    let claims = AccessClaims {
        iss: state.config.issuer_str(),
        sub: subject.sub,
        aud: resource.to_string(),
        client_id: client.id.clone(),
        scope: scope.clone(),
        exp,
        iat,
        jti: secret::new_id(),
        auth_time: subject.auth_time,
        gid: Some(grant.id.clone()),
        ent_session_start: grant.session_start,
        extra,
    };
    let access = mint_access(state, &claims)?;
    state
        .audit(
            AuditEvent::new("token.exchange", "ok")
                .client(&client.id)
                .person(&grant.person_id)
                .detail(json!({ "resource": resource, "scope": scope })),
        )
        .await;
    Ok(json!({
        "access_token": access,
        "issued_token_type": ACCESS_TOKEN_TYPE,
        "token_type": "Bearer",
        "expires_in": exp - iat,
        "scope": scope,
    }))
}
