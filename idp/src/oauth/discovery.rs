//! OpenID Provider Metadata (OIDC Discovery §3, RFC 8414) and the JWKS (RFC 7517). The metadata
//! lists only what the provider really does.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::claims::{SUPPORTED_CLAIMS, SUPPORTED_SCOPES};
use crate::jose::Alg;
use crate::state::AppState;

pub fn metadata(state: &AppState) -> Value {
    let c = &state.config;
    let algs: Vec<&str> = Alg::ALL.iter().map(Alg::as_str).collect();
    json!({
        "issuer": c.issuer_str(),
        "authorization_endpoint": c.endpoint("/authorize"),
        "token_endpoint": c.endpoint("/token"),
        "userinfo_endpoint": c.endpoint("/userinfo"),
        "jwks_uri": c.endpoint("/jwks"),
        "end_session_endpoint": c.endpoint("/logout"),
        "revocation_endpoint": c.endpoint("/revoke"),
        "introspection_endpoint": c.endpoint("/introspect"),
        "scopes_supported": SUPPORTED_SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials", super::exchange::GRANT_TYPE],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": algs,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": SUPPORTED_CLAIMS,
        "claim_types_supported": ["normal"],
        "acr_values_supported": [crate::passkey::ACR_PASSKEY, crate::passkey::ACR_PASSWORD],
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "ui_locales_supported": ["fr", "en"],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
        "frontchannel_logout_supported": false,
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
    })
}

/// GET /.well-known/openid-configuration
pub async fn configuration(State(state): State<AppState>) -> Response {
    cacheable(Json(metadata(&state)).into_response(), "public, max-age=300")
}

/// GET /.well-known/oauth-authorization-server (RFC 8414): the same document.
pub async fn oauth_metadata(State(state): State<AppState>) -> Response {
    configuration(State(state)).await
}

/// GET /jwks: previous, current and next keys. Caches may keep it a few minutes: the next key
/// is published a whole rotation period before it signs anything.
pub async fn jwks(State(state): State<AppState>) -> Response {
    let keys = state.keys.get();
    let mut res = keys.jwks_json.clone().into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/jwk-set+json"));
    cacheable(res, "public, max-age=300")
}

fn cacheable(mut res: Response, cc: &'static str) -> Response {
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cc));
    res.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    res
}
