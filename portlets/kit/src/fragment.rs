//! The fragment conventions of docs/portlets.md: what the portal tells a portlet about the page
//! it is drawing ([`Ctx`]: language, base path, CSRF token), HTML fragment responses, redirects
//! after a post, and the one error type at a portlet's HTTP edge ([`PortletError`]).

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::link::Link;
use crate::verify::TokenError;

/// The classes the portal's stylesheet defines (docs/portlets.md): fragments use no other.
pub const STYLE_CLASSES: [&str; 24] = [
    "card",
    "list",
    "item",
    "meta",
    "muted",
    "badge",
    "badge-ok",
    "badge-warn",
    "tabs",
    "tab",
    "current",
    "form",
    "field",
    "error",
    "hint",
    "button",
    "button-secondary",
    "link-button",
    "table",
    "notice",
    "empty",
    "week",
    "day",
    "pagination",
];

/// The user's language (`ent-web`): French unless the portal says English.
pub use ent_web::Lang;

/// What the portal tells the portlet about the page (headers `Accept-Language`, `X-Ent-Base`,
/// `X-Ent-Csrf`, `X-Ent-Public-Base`). Links are written with `ctx.href(&Link)`; every form
/// carries `ctx.csrf`; an address to give out (a calendar subscription) with
/// `ctx.public_href(&Link)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ctx {
    pub lang: Lang,
    /// The path under which the portal shows this portlet (`/p/homework`), or empty.
    pub base: String,
    /// The portal's CSRF token, to be sent back as the `_csrf` field of every form.
    pub csrf: String,
    /// The absolute URL under which the portal serves this portlet's public routes without a
    /// session (`https://ent.example/pub/agenda` for its `/public/…`), or empty.
    pub public_base: String,
}

impl Ctx {
    pub fn from_headers(headers: &HeaderMap) -> Ctx {
        let base = headers.get("x-ent-base").and_then(|v| v.to_str().ok()).filter(|b| is_safe_base(b)).unwrap_or("");
        let csrf = headers
            .get("x-ent-csrf")
            .and_then(|v| v.to_str().ok())
            .filter(|c| c.len() <= 256 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b)))
            .unwrap_or("");
        let public_base =
            headers.get("x-ent-public-base").and_then(|v| v.to_str().ok()).filter(|b| is_safe_public_base(b));
        Ctx {
            lang: Lang::negotiate(None, headers),
            base: base.trim_end_matches('/').to_string(),
            csrf: csrf.to_string(),
            public_base: public_base.unwrap_or("").trim_end_matches('/').to_string(),
        }
    }

    /// The host of the portal's public address (`ent.example`), when the portal gave it.
    pub fn public_host(&self) -> Option<String> {
        url::Url::parse(&self.public_base).ok().and_then(|u| u.host_str().map(str::to_owned))
    }
}

/// An absolute http(s) URL of plain characters, without credentials, query or fragment: it is
/// given out to people and written into pages.
fn is_safe_public_base(b: &str) -> bool {
    let plain = b.len() <= 256 && b.bytes().all(|c| c.is_ascii_alphanumeric() || b"/-_.:[]".contains(&c));
    plain
        && url::Url::parse(b).is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some()
                && u.username().is_empty()
                && u.password().is_none()
                && u.query().is_none()
                && u.fragment().is_none()
        })
}

/// A base path is an absolute path of plain segments: nothing that could leave the portal's
/// origin or break out of an attribute.
fn is_safe_base(b: &str) -> bool {
    b.starts_with('/')
        && !b.starts_with("//")
        && b.len() <= 128
        && b.bytes().all(|c| c.is_ascii_alphanumeric() || b"/-_".contains(&c))
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Ctx::from_headers(&parts.headers))
    }
}

/// An HTML fragment answer: never cached (it is one person's view).
pub fn html(body: String) -> Response {
    html_with_status(StatusCode::OK, body)
}

pub fn html_with_status(status: StatusCode, body: String) -> Response {
    let mut res = (status, body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// After a successful post: `303 See Other` to a portlet view path (`/view/…`), which the
/// portal rewrites under its base.
pub fn see_other(link: &Link) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(&link.path()) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// Escapes text for HTML (for the few fragments written without a template).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The one error type at a portlet's HTTP edge. A 5xx says nothing internal; the log keeps the
/// cause (never personal data).
#[derive(Debug, thiserror::Error)]
pub enum PortletError {
    /// No token, or a token this portlet does not accept (RFC 6750 §3.1).
    #[error("unauthorized: {0}")]
    Unauthorized(#[from] TokenError),
    /// The identity may not do this.
    #[error("forbidden")]
    Forbidden(Lang),
    /// No such thing, or a thing the identity may not know exists.
    #[error("not found")]
    NotFound(Lang),
    /// A form that cannot be accepted: the fragment to show again, with its errors.
    #[error("unprocessable form")]
    Form(String),
    /// Something the portlet depends on is missing or down (the directory, say): the text,
    /// in the user's words, says what cannot be done for now.
    #[error("unavailable")]
    Unavailable(String),
    /// The identity may do this, but only after proving again who they are, within `max_age`
    /// seconds (RFC 9470 step-up). `back` is the portlet path to return to once they have.
    #[error("a more recent authentication is required")]
    StepUp { max_age: i64, back: Option<Link> },
    /// A request the portlet cannot read (bad query or form encoding).
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl PortletError {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        PortletError::Internal(e.to_string())
    }
}

impl From<ent_storage::DbError> for PortletError {
    fn from(e: ent_storage::DbError) -> Self {
        PortletError::Internal(e.to_string())
    }
}

impl From<sqlx::Error> for PortletError {
    fn from(e: sqlx::Error) -> Self {
        PortletError::Internal(e.to_string())
    }
}

/// The header that names, to the portal, the portlet path to come back to after a step-up.
pub const RETURN_HEADER: &str = "x-ent-return";

/// `401` with `WWW-Authenticate: Bearer error="insufficient_user_authentication", max_age="N"`
/// (RFC 9470 §3): the portal signs the person in again with that `max_age` and comes back to
/// `back` (in `x-ent-return`).
fn step_up(max_age: i64, back: Option<&Link>) -> Response {
    let mut res =
        message(StatusCode::UNAUTHORIZED, "Confirmez votre identité pour continuer. / Confirm who you are to go on.");
    let challenge = format!("Bearer error=\"insufficient_user_authentication\", max_age=\"{}\"", max_age.max(0));
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    if let Some(v) = back.and_then(|b| HeaderValue::from_str(&b.path()).ok()) {
        res.headers_mut().insert(RETURN_HEADER, v);
    }
    res
}

fn message(status: StatusCode, text: &str) -> Response {
    html_with_status(status, format!("<div class=\"card notice\" role=\"alert\"><p>{}</p></div>", escape(text)))
}

impl IntoResponse for PortletError {
    fn into_response(self) -> Response {
        match self {
            PortletError::Unauthorized(e) => {
                tracing::info!(reason = %e, "token refused");
                let mut res = message(StatusCode::UNAUTHORIZED, "Session expirée. / Session expired.");
                // RFC 6750 §3: the error code only, no description that could help an attacker.
                res.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
                res
            }
            PortletError::Forbidden(lang) => message(StatusCode::FORBIDDEN, crate::texts::kit::texts(lang).forbidden),
            PortletError::NotFound(lang) => message(StatusCode::NOT_FOUND, crate::texts::kit::texts(lang).not_found),
            PortletError::Form(fragment) => html_with_status(StatusCode::UNPROCESSABLE_ENTITY, fragment),
            PortletError::Unavailable(text) => message(StatusCode::SERVICE_UNAVAILABLE, &text),
            PortletError::StepUp { max_age, back } => step_up(max_age, back.as_ref()),
            PortletError::BadRequest(why) => {
                tracing::info!(%why, "bad request");
                message(StatusCode::BAD_REQUEST, "Requête invalide. / Invalid request.")
            }
            PortletError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                message(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Une erreur est survenue ; réessayez plus tard. / Something went wrong; try again later.",
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn french_unless_english_is_asked() {
        let lang = |h: &[(&'static str, &'static str)]| Ctx::from_headers(&headers(h)).lang;
        assert_eq!(lang(&[]), Lang::Fr);
        assert_eq!(lang(&[("accept-language", "en")]), Lang::En);
        assert_eq!(lang(&[("accept-language", "en-GB,en;q=0.8")]), Lang::En);
        assert_eq!(lang(&[("accept-language", "de")]), Lang::Fr);
    }

    #[test]
    fn a_step_up_names_the_max_age_and_the_way_back() {
        let back = Link::to("/view/drafts/d1").q("done", "signed_in");
        let res = PortletError::StepUp { max_age: 900, back: Some(back) }.into_response();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            res.headers()[header::WWW_AUTHENTICATE],
            "Bearer error=\"insufficient_user_authentication\", max_age=\"900\""
        );
        assert_eq!(res.headers()[RETURN_HEADER], "/view/drafts/d1?done=signed_in");
        let bare = PortletError::StepUp { max_age: 60, back: None }.into_response();
        assert!(bare.headers().get(RETURN_HEADER).is_none());
    }

    #[test]
    fn unsafe_bases_are_dropped() {
        let ctx = |b: &'static str| Ctx::from_headers(&headers(&[("x-ent-base", b)]));
        assert_eq!(ctx("/p/homework").base, "/p/homework");
        assert_eq!(ctx("/p/homework/").href(&Link::to("/view/week")), "/p/homework/week");
        for bad in ["//evil.example", "https://evil.example", "/p/\"><script>", "p/x", "/p/../x."] {
            assert_eq!(ctx(bad).base, "", "{bad}");
        }
    }

    #[test]
    fn public_bases_are_absolute_plain_urls() {
        let ctx = |b: &'static str| Ctx::from_headers(&headers(&[("x-ent-public-base", b)]));
        assert_eq!(ctx("https://ent.example/pub/agenda/").public_base, "https://ent.example/pub/agenda");
        assert_eq!(ctx("http://localhost:8402/pub/agenda").public_host().as_deref(), Some("localhost"));
        for bad in [
            "/pub/agenda",
            "javascript:alert(1)",
            "https://u:p@ent.example/pub",
            "https://ent.example/?a=\"",
            "ftp://x/y",
        ] {
            assert_eq!(ctx(bad).public_base, "", "{bad}");
        }
    }

    #[test]
    fn csrf_tokens_with_markup_are_dropped() {
        let ctx = Ctx::from_headers(&headers(&[("x-ent-csrf", "abc\"><b>")]));
        assert_eq!(ctx.csrf, "");
        let ctx = Ctx::from_headers(&headers(&[("x-ent-csrf", "Ab-9_x.~")]));
        assert_eq!(ctx.csrf, "Ab-9_x.~");
    }

    #[test]
    fn escaping_covers_attributes() {
        assert_eq!(escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}
