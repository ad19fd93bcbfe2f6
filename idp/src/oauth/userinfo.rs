//! The UserInfo endpoint (OIDC Core §5.3): the claims of the token's granted scopes, for the
//! same `sub` as the ID token. Bearer token in the `Authorization` header (RFC 6750 §2.1) or,
//! for POST, in the form body (§2.2).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::authorize::{form_urlencoded_pairs, single};
use super::claims::user_claims;
use super::error::OAuthError;
use super::tokens::verify_access;
use crate::state::AppState;

pub async fn get(State(state): State<AppState>, headers: HeaderMap) -> Response {
    respond(handle(&state, &headers, None).await)
}

pub async fn post(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    respond(handle(&state, &headers, Some(&body)).await)
}

fn respond(r: Result<Value, OAuthError>) -> Response {
    match r {
        Ok(v) => {
            let mut res = Json(v).into_response();
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => e.into_response(),
    }
}

/// The bearer token of a request: header, or form body (never the query string).
pub fn bearer(headers: &HeaderMap, body: Option<&[u8]>) -> Result<String, OAuthError> {
    let from_header = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| {
        let (scheme, token) = v.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
    });
    let from_body = body.and_then(|b| single(&form_urlencoded_pairs(b), "access_token").map(str::to_owned));
    match (from_header, from_body) {
        (Some(_), Some(_)) => Err(OAuthError::invalid_request("send the token one way only")),
        (Some(t), None) | (None, Some(t)) => Ok(t),
        (None, None) => {
            let mut e = OAuthError::invalid_token("bearer token required");
            e.www_authenticate = Some("Bearer realm=\"ent\"".into());
            Err(e)
        }
    }
}

async fn handle(state: &AppState, headers: &HeaderMap, body: Option<&[u8]>) -> Result<Value, OAuthError> {
    let token = bearer(headers, body)?;
    let (claims, grant) = verify_access(state, &token).await?;
    let scopes: Vec<&str> = claims.scopes().collect();
    if !scopes.contains(&"openid") {
        return Err(OAuthError::insufficient_scope("the openid scope is required"));
    }
    let grant = grant.ok_or_else(|| OAuthError::invalid_token("not a user token"))?;
    // Only the token the client got for itself: a portlet token (token exchange, addressed to
    // the portlet) must not buy from UserInfo more than the claims it carries.
    if claims.aud != grant.client_id {
        return Err(OAuthError::invalid_token("the token is not addressed to this client"));
    }
    let client =
        state.clients.get(&grant.client_id).await?.ok_or_else(|| OAuthError::invalid_token("client removed"))?;
    let person = state
        .directory
        .person(&grant.person_id)
        .await?
        .filter(|p| !p.disabled)
        .ok_or_else(|| OAuthError::invalid_token("account no longer active"))?;
    let mut out = user_claims(state, &client, &person, &scopes).await?;
    out.insert("sub".into(), json!(claims.sub));
    Ok(Value::Object(out))
}
