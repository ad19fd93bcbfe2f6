//! OAuth 2.0 errors at the HTTP edge (RFC 6749 §5.2): the JSON error object for the token,
//! revocation and introspection endpoints, and `WWW-Authenticate` for bearer resources
//! (RFC 6750 §3). A server error says nothing internal; the log keeps the cause.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::db::DbError;

#[derive(Debug)]
pub struct OAuthError {
    pub status: StatusCode,
    pub code: &'static str,
    pub description: String,
    /// `Basic` for a failed client authentication by HTTP Basic, `Bearer …` for resources.
    pub www_authenticate: Option<String>,
}

impl OAuthError {
    pub fn new(status: StatusCode, code: &'static str, description: impl Into<String>) -> Self {
        OAuthError { status, code, description: description_text(&description.into()), www_authenticate: None }
    }
    pub fn invalid_request(d: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", d)
    }
    pub fn invalid_grant(d: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", d)
    }
    pub fn invalid_scope(d: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_scope", d)
    }
    pub fn unauthorized_client(d: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "unauthorized_client", d)
    }
    pub fn unsupported_grant_type(d: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "unsupported_grant_type", d)
    }
    /// RFC 6749 §5.2: 401, with `WWW-Authenticate` when the client tried HTTP Basic.
    pub fn invalid_client(basic: bool) -> Self {
        let mut e = Self::new(StatusCode::UNAUTHORIZED, "invalid_client", "client authentication failed");
        if basic {
            e.www_authenticate = Some("Basic realm=\"ent\"".into());
        }
        e
    }
    /// RFC 6750 §3.1.
    pub fn invalid_token(d: impl Into<String>) -> Self {
        let d = d.into();
        let mut e = Self::new(StatusCode::UNAUTHORIZED, "invalid_token", d.clone());
        e.www_authenticate =
            Some(format!("Bearer error=\"invalid_token\", error_description=\"{}\"", d.replace('"', "'")));
        e
    }
    pub fn insufficient_scope(d: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::FORBIDDEN, "insufficient_scope", d);
        e.www_authenticate = Some("Bearer error=\"insufficient_scope\"".into());
        e
    }
    pub fn server_error() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "the server could not complete the request")
    }
}

/// RFC 6749 §4.1.2.1 and §5.2: `error_description` is limited to `%x20-21 / %x23-5B / %x5D-7E`.
/// Descriptions may quote a parameter name from the request: anything outside the set becomes
/// `?`, and the text is cut at 200 characters, so a request cannot write into the client's page.
pub fn description_text(s: &str) -> String {
    s.chars()
        .take(200)
        .map(|c| if matches!(c, '\x20'..='\x21' | '\x23'..='\x5b' | '\x5d'..='\x7e') { c } else { '?' })
        .collect()
}

impl From<DbError> for OAuthError {
    fn from(e: DbError) -> Self {
        tracing::error!(error = %e, "database error");
        OAuthError::server_error()
    }
}

impl From<sqlx::Error> for OAuthError {
    fn from(e: sqlx::Error) -> Self {
        OAuthError::from(DbError::from(e))
    }
}

impl From<crate::jose::JoseError> for OAuthError {
    fn from(e: crate::jose::JoseError) -> Self {
        tracing::error!(error = %e, "signing failed");
        OAuthError::server_error()
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut res =
            (self.status, Json(json!({ "error": self.code, "error_description": self.description }))).into_response();
        let h = res.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if let Some(v) = self.www_authenticate.and_then(|v| HeaderValue::from_str(&v).ok()) {
            h.insert(header::WWW_AUTHENTICATE, v);
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::description_text;

    #[test]
    fn descriptions_stay_in_the_rfc_6749_set() {
        assert_eq!(description_text("scope \"<x>\\é is bad"), "scope ?<x>?? is bad");
        assert_eq!(description_text(&"a".repeat(500)).len(), 200);
    }
}
