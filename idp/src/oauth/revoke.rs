//! Token revocation (RFC 7009). A refresh token revokes its whole grant (§2.1: the access tokens
//! of the grant go with it); an access token is listed as revoked until it expires. Unknown,
//! invalid or foreign tokens get the same 200 answer, so the endpoint tells nothing (§2.2).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::authorize::{duplicated, form_urlencoded_pairs, single};
use super::client_auth::authenticate;
use super::error::OAuthError;
use crate::jose::{self, Alg};
use crate::state::AppState;
use crate::store::audit::AuditEvent;

pub async fn revoke(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match handle(&state, &headers, &body).await {
        Ok(()) => {
            let mut res = StatusCode::OK.into_response();
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => e.into_response(),
    }
}

async fn handle(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<(), OAuthError> {
    let pairs = form_urlencoded_pairs(body);
    if let Some(dup) = duplicated(&pairs) {
        return Err(OAuthError::invalid_request(format!("parameter {dup} is repeated")));
    }
    let client = authenticate(state, headers, &pairs).await?.client;
    let token = single(&pairs, "token").ok_or_else(|| OAuthError::invalid_request("token is required"))?;
    // Try the hinted type first; fall back to the other (RFC 7009 §2.1).
    if let Some((grant, _)) = state.grants.grant_of_refresh(token, Some(&client.id)).await? {
        state.grants.revoke_grant(&grant.id, "revoked_by_client").await?;
        state
            .audit(
                AuditEvent::new("token.revoke", "ok")
                    .person(&grant.person_id)
                    .client(&client.id)
                    .detail(serde_json::json!({"type": "refresh_token"})),
            )
            .await;
        return Ok(());
    }
    let keys = state.keys.get();
    if let Ok((header, claims)) = jose::verify(token, keys.verifiers(), &Alg::ALL) {
        let is_access = header.typ.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("at+jwt"));
        let ours = claims.get("client_id").and_then(|v| v.as_str()) == Some(client.id.as_str());
        if let (true, true, Some(jti), Some(exp)) =
            (is_access, ours, claims.get("jti").and_then(|v| v.as_str()), claims.get("exp").and_then(|v| v.as_i64()))
        {
            state.grants.revoke_jti(jti, exp).await?;
            state
                .audit(
                    AuditEvent::new("token.revoke", "ok")
                        .client(&client.id)
                        .detail(serde_json::json!({"type": "access_token"})),
                )
                .await;
        }
    }
    Ok(())
}
