//! The one error type at the HTTP edge. Handlers return it; the `render_errors` middleware, which
//! knows the request's language, turns it into a polite page. 5xx pages say nothing internal:
//! the cause goes to the log (without personal data).

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::i18n::{Lang, Texts};
use crate::pages::{self, Chrome};

#[derive(Clone, Debug, thiserror::Error)]
pub enum PortalError {
    #[error("not found")]
    NotFound,
    #[error("bad request")]
    BadRequest,
    #[error("csrf check failed")]
    Csrf,
    #[error("body too large")]
    TooLarge,
    /// Over a per-address limit; the seconds to wait.
    #[error("too many requests from this address")]
    TooMany(i64),
    #[error("sign-in failed: {0}")]
    Login(String),
    /// A sign-in asked with `max_age` (a portlet's step-up) whose `auth_time` is older.
    #[error("sign-in not recent enough: {0}")]
    NotRecent(String),
    #[error("portlet unavailable: {0}")]
    Upstream(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl PortalError {
    pub fn status(&self) -> StatusCode {
        match self {
            PortalError::NotFound => StatusCode::NOT_FOUND,
            PortalError::BadRequest | PortalError::Login(_) => StatusCode::BAD_REQUEST,
            PortalError::NotRecent(_) => StatusCode::UNAUTHORIZED,
            PortalError::Csrf => StatusCode::FORBIDDEN,
            PortalError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            PortalError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            PortalError::Upstream(_) => StatusCode::BAD_GATEWAY,
            PortalError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The page, in the user's language.
    pub fn page(&self, lang: Lang) -> Response {
        let t = lang.t();
        let msg = match self {
            PortalError::NotFound => t.not_found,
            PortalError::BadRequest => t.bad_request,
            PortalError::Csrf => t.csrf,
            PortalError::TooLarge => t.too_large,
            PortalError::TooMany(_) => t.too_many,
            PortalError::Login(_) => t.login_failed,
            PortalError::NotRecent(_) => t.not_recent,
            PortalError::Upstream(_) => t.upstream,
            PortalError::Internal(_) => t.server,
        };
        let mut res = pages::message(self.status(), Chrome::guest(lang, "/"), msg);
        if let PortalError::TooMany(wait) = self
            && let Ok(v) = axum::http::HeaderValue::from_str(&wait.to_string())
        {
            // RFC 9110 §10.2.3
            res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
        }
        res
    }
}

impl From<crate::db::DbError> for PortalError {
    fn from(e: crate::db::DbError) -> Self {
        PortalError::Internal(e.to_string())
    }
}

/// The response carries the error itself; `render_errors` draws the page.
impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        match &self {
            PortalError::Internal(cause) => tracing::error!(cause = %cause, "internal error"),
            PortalError::Upstream(cause) | PortalError::Login(cause) | PortalError::NotRecent(cause) => {
                tracing::warn!(cause = %cause, "{self}")
            }
            _ => {}
        }
        let mut res = self.status().into_response();
        res.extensions_mut().insert(self);
        res
    }
}

/// Draws the page of an error a handler returned, in the request's language.
pub async fn render_errors(lang: Lang, req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    match res.extensions().get::<PortalError>() {
        Some(e) => e.page(lang),
        None => res,
    }
}
