//! The token endpoint (RFC 6749 §3.2): authorization code (with PKCE, RFC 7636 §4.6),
//! refresh token (rotated on every use, OAuth 2.0 Security BCP §4.14), client credentials, and
//! token exchange (RFC 8693, in `exchange`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::authorize::{duplicated, form_urlencoded_pairs, single};
use super::claims::{subject_for, user_claims};
use super::client_auth::{Authenticated, authenticate};
use super::error::OAuthError;
use super::exchange::{self, invalid_target};
use super::tokens::{IdTokenFacts, access_claims, mint_access, mint_id_token};
use crate::secret;
use crate::state::AppState;
use crate::store::audit::AuditEvent;
use crate::store::clients::Client;
use crate::store::grants::{Grant, Refusal};

/// POST /token
pub async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match handle(&state, &headers, &body).await {
        Ok(v) => no_store(Json(v).into_response()),
        Err(e) => e.into_response(),
    }
}

fn no_store(mut res: Response) -> Response {
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

async fn handle(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<Value, OAuthError> {
    let pairs = form_urlencoded_pairs(body);
    if let Some(dup) = duplicated(&pairs) {
        // RFC 8707 §2 allows several resources; this provider issues a token for one at a time.
        if dup == "resource" {
            return Err(invalid_target("one resource per request"));
        }
        return Err(OAuthError::invalid_request(format!("parameter {dup} is repeated")));
    }
    let Authenticated { client, .. } = authenticate(state, headers, &pairs).await?;
    match single(&pairs, "grant_type") {
        Some("authorization_code") => authorization_code(state, &client, &pairs).await,
        Some("refresh_token") => refresh_token(state, &client, &pairs).await,
        Some("client_credentials") => client_credentials(state, &client, &pairs).await,
        Some(exchange::GRANT_TYPE) => exchange::exchange(state, &client, &pairs).await,
        Some(_) => Err(OAuthError::unsupported_grant_type("grant_type is not supported")),
        None => Err(OAuthError::invalid_request("grant_type is required")),
    }
}

async fn authorization_code(state: &AppState, client: &Client, p: &[(String, String)]) -> Result<Value, OAuthError> {
    if !client.allows_grant("authorization_code") {
        return Err(OAuthError::unauthorized_client("this client may not use authorization_code"));
    }
    let code = single(p, "code").ok_or_else(|| OAuthError::invalid_request("code is required"))?;
    let redirect_uri =
        single(p, "redirect_uri").ok_or_else(|| OAuthError::invalid_request("redirect_uri is required"))?;
    let verifier =
        single(p, "code_verifier").ok_or_else(|| OAuthError::invalid_request("code_verifier is required (PKCE)"))?;
    if !(43..=128).contains(&verifier.len())
        || !verifier.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
    {
        return Err(OAuthError::invalid_request("code_verifier must be 43 to 128 unreserved characters"));
    }
    let redeemed = match state.grants.redeem_code(code, &client.id).await? {
        Ok(r) => r,
        Err(Refusal::Replayed) => {
            state.audit(AuditEvent::new("token.code", "replayed").client(&client.id)).await;
            return Err(OAuthError::invalid_grant("code already used: the tokens issued with it are revoked"));
        }
        Err(Refusal::Invalid) => {
            return Err(OAuthError::invalid_grant("code is invalid, expired, or was issued to another client"));
        }
    };
    if redeemed.redirect_uri != redirect_uri {
        state.grants.revoke_grant(&redeemed.grant.id, "redirect_mismatch").await?;
        return Err(OAuthError::invalid_grant("redirect_uri does not match the authorization request"));
    }
    if !secret::ct_eq(&secret::pkce_s256(verifier), &redeemed.code_challenge) {
        state.grants.revoke_grant(&redeemed.grant.id, "pkce_mismatch").await?;
        return Err(OAuthError::invalid_grant("code_verifier does not match the code_challenge"));
    }
    respond_for_grant(state, client, &redeemed.grant, &redeemed.grant.scope, redeemed.nonce.as_deref(), true).await
}

async fn refresh_token(state: &AppState, client: &Client, p: &[(String, String)]) -> Result<Value, OAuthError> {
    if !client.allows_grant("refresh_token") {
        return Err(OAuthError::unauthorized_client("this client may not use refresh_token"));
    }
    let token = single(p, "refresh_token").ok_or_else(|| OAuthError::invalid_request("refresh_token is required"))?;
    let ttl = state.config.refresh_token_ttl.as_secs() as i64;
    let (grant, fresh) = match state.grants.rotate_refresh(token, &client.id, ttl).await? {
        Ok(v) => v,
        Err(Refusal::Replayed) => {
            state.audit(AuditEvent::new("token.refresh", "reused").client(&client.id)).await;
            return Err(OAuthError::invalid_grant("refresh token already used: the whole grant is revoked"));
        }
        Err(Refusal::Invalid) => {
            return Err(OAuthError::invalid_grant("refresh token is invalid, expired or revoked"));
        }
    };
    let scope = match single(p, "scope") {
        None => grant.scope.clone(),
        Some(asked) => {
            let granted: Vec<&str> = grant.scope.split_whitespace().collect();
            if let Some(bad) = asked.split_whitespace().find(|s| !granted.contains(s)) {
                return Err(OAuthError::invalid_scope(format!("scope {bad} was not granted")));
            }
            asked.to_string()
        }
    };
    let mut v = respond_for_grant(state, client, &grant, &scope, None, false).await?;
    if let Some(obj) = v.as_object_mut() {
        obj.insert("refresh_token".into(), json!(fresh));
    }
    Ok(v)
}

/// Tokens for a person's grant: access token, ID token when `openid` is granted, and a refresh
/// token for a new grant when the client may refresh.
async fn respond_for_grant(
    state: &AppState,
    client: &Client,
    grant: &Grant,
    scope: &str,
    nonce: Option<&str>,
    new_grant: bool,
) -> Result<Value, OAuthError> {
    let Some(person) = state.directory.person(&grant.person_id).await?.filter(|p| !p.disabled) else {
        state.grants.revoke_grant(&grant.id, "account_disabled").await?;
        return Err(OAuthError::invalid_grant("the account is no longer active"));
    };
    let sub = subject_for(state, client, &person.public_sub);
    let claims = access_claims(
        state,
        sub.clone(),
        client.id.clone(),
        &client.id,
        scope,
        Some(grant.auth_time),
        Some(grant.id.clone()),
    );
    let access = mint_access(state, &claims)?;
    let mut out = Map::new();
    out.insert("access_token".into(), json!(access));
    out.insert("token_type".into(), json!("Bearer"));
    out.insert("expires_in".into(), json!(claims.exp - claims.iat));
    out.insert("scope".into(), json!(scope));
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    if scopes.contains(&"openid") {
        let user = user_claims(state, client, &person, &scopes).await?;
        let facts = IdTokenFacts {
            alg: client.id_token_alg,
            client_id: &client.id,
            sub: &sub,
            auth_time: grant.auth_time,
            amr: &grant.amr,
            nonce,
            access_token: Some(&access),
            session_id: grant.session_id.as_deref(),
        };
        out.insert("id_token".into(), json!(mint_id_token(state, &facts, user)?));
    }
    if new_grant && client.allows_grant("refresh_token") {
        let rt = state.grants.issue_refresh(&grant.id, state.config.refresh_token_ttl.as_secs() as i64).await?;
        out.insert("refresh_token".into(), json!(rt));
    }
    Ok(Value::Object(out))
}

async fn client_credentials(state: &AppState, client: &Client, p: &[(String, String)]) -> Result<Value, OAuthError> {
    if client.is_public() || !client.allows_grant("client_credentials") {
        return Err(OAuthError::unauthorized_client("this client may not use client_credentials"));
    }
    let scope = single(p, "scope").unwrap_or("");
    if let Some(bad) = scope.split_whitespace().find(|s| {
        matches!(*s, "openid" | "offline_access" | "profile" | "email" | "ent") || !client.scopes.iter().any(|c| c == s)
    }) {
        return Err(OAuthError::invalid_scope(format!("scope {bad} is not available to this client")));
    }
    let aud = match single(p, "resource") {
        None => client.id.clone(),
        // Only a resource the client is registered for (`ent client add --resource`): being a
        // confidential client is no reason to get tokens for every other service.
        Some(resource) if !client.allows_resource(resource) => {
            return Err(invalid_target("this client is not registered for this resource"));
        }
        // The provider's own directory API, for the ENT's services only.
        Some(resource) if resource == state.config.directory_resource => {
            if !client.first_party {
                return Err(invalid_target("the directory is for first-party services only"));
            }
            resource.to_string()
        }
        Some(resource) => match state.clients.by_audience(resource).await? {
            Some(_) => resource.to_string(),
            None => return Err(invalid_target("resource is not a registered resource server")),
        },
    };
    let claims = access_claims(state, client.id.clone(), aud, &client.id, scope, None, None);
    let access = mint_access(state, &claims)?;
    let mut out = json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": claims.exp - claims.iat,
    });
    if !scope.is_empty() {
        out["scope"] = json!(scope);
    }
    Ok(out)
}
