//! Token introspection (RFC 7662), for authenticated confidential clients only. A client may
//! introspect the tokens issued to it and the access tokens addressed to it (`aud`); anything
//! else is `{"active": false}`, like an unknown token, so nothing leaks.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::authorize::{duplicated, form_urlencoded_pairs, single};
use super::client_auth::authenticate;
use super::error::OAuthError;
use super::tokens::verify_access;
use crate::state::AppState;

pub async fn introspect(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match handle(&state, &headers, &body).await {
        Ok(v) => {
            let mut res = Json(v).into_response();
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => e.into_response(),
    }
}

async fn handle(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<Value, OAuthError> {
    let pairs = form_urlencoded_pairs(body);
    if let Some(dup) = duplicated(&pairs) {
        return Err(OAuthError::invalid_request(format!("parameter {dup} is repeated")));
    }
    let client = authenticate(state, headers, &pairs).await?.client;
    if client.is_public() {
        return Err(OAuthError::invalid_client(false));
    }
    let token = single(&pairs, "token").ok_or_else(|| OAuthError::invalid_request("token is required"))?;
    let inactive = json!({ "active": false });

    if let Some((grant, exp)) = state.grants.grant_of_refresh(token, Some(&client.id)).await? {
        if grant.revoked {
            return Ok(inactive);
        }
        let person = state.directory.person(&grant.person_id).await?;
        let sub = person.map(|p| super::claims::subject_for(state, &client, &p.public_sub));
        return Ok(json!({
            "active": true,
            "token_type": "refresh_token",
            "client_id": grant.client_id,
            "scope": grant.scope,
            "sub": sub,
            "exp": exp,
            "iss": state.config.issuer_str(),
        }));
    }
    let Ok((claims, grant)) = verify_access(state, token).await else {
        return Ok(inactive);
    };
    // A user's token dies with the account: a disabled person's tokens are inactive at once.
    if let Some(grant) = &grant
        && state.directory.person(&grant.person_id).await?.is_none_or(|p| p.disabled)
    {
        return Ok(inactive);
    }
    let own_audience = client.audience.as_deref().is_some_and(|a| a == claims.aud);
    if claims.client_id != client.id && claims.aud != client.id && !own_audience {
        return Ok(inactive);
    }
    Ok(json!({
        "active": true,
        "token_type": "Bearer",
        "client_id": claims.client_id,
        "scope": claims.scope,
        "sub": claims.sub,
        "aud": claims.aud,
        "iss": claims.iss,
        "exp": claims.exp,
        "iat": claims.iat,
        "jti": claims.jti,
    }))
}
