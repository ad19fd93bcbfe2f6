//! What every response shares: cookies (names and flags), the per-session CSRF token, the
//! security headers, and the language middleware.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::i18n::Lang;
use crate::secret;
use crate::state::PortalState;

pub const SESSION: &str = "ent_portal";
pub const LANG: &str = "ent_portal_lang";
pub const LOGIN: &str = "ent_portal_login";

/// Cookies (`ent-web`): SameSite=Lax for every portal cookie, since the provider's redirect back
/// is a cross-site top-level GET that must carry them.
pub use ent_web::CookiePolicy;

/// The SameSite of every portal cookie.
pub const SAME_SITE: &str = "Lax";

/// The session's CSRF token: HMAC(session cookie, label). Only a page served to that session can
/// know it; portlets receive it (`X-Ent-Csrf`) to put in their forms but cannot derive the cookie.
pub fn csrf_token(session_cookie: &str) -> String {
    secret::hmac_b64(session_cookie.as_bytes(), "ent-portal csrf v1")
}

/// Whether a POST comes from our own pages: same-origin by `Sec-Fetch-Site` and `Origin` when the
/// browser sends them, and the session's token, compared in constant time.
pub fn csrf_ok(headers: &HeaderMap, own_origin: &str, session_cookie: &str, presented: Option<&str>) -> bool {
    if !ent_web::same_origin(headers, own_origin) {
        return false;
    }
    presented.is_some_and(|p| secret::ct_eq(&csrf_token(session_cookie), p))
}

/// Security headers on every response; handlers may set stricter ones first (downloads do).
pub async fn security_headers(State(state): State<PortalState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let csp = format!(
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self' {}; \
         frame-ancestors 'none'; base-uri 'none'",
        state.config.issuer_origin()
    );
    let mut set = |name: HeaderName, value: HeaderValue| {
        if !h.contains_key(&name) {
            h.insert(name, value);
        }
    };
    if let Ok(v) = HeaderValue::from_str(&csp) {
        set(header::CONTENT_SECURITY_POLICY, v);
    }
    set(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    set(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Not no-referrer: under it Chrome sends `Origin: null` on form posts, which CSRF refuses.
    set(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    set(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
    set(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if state.config.secure() {
        set(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    res
}

/// Picks the request's language (`?lang=`, then the cookie, then `Accept-Language`, then French),
/// puts it in the request's extensions, and remembers an explicit choice in a cookie.
pub async fn language(State(state): State<PortalState>, mut req: Request, next: Next) -> Response {
    let cookies = state.cookies();
    let explicit = req
        .uri()
        .query()
        .and_then(|q| url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "lang").map(|(_, v)| v.into_owned()))
        .and_then(|v| Lang::parse(&v));
    let lang = explicit
        .or_else(|| cookies.get(req.headers(), LANG).and_then(|v| Lang::parse(&v)))
        .or_else(|| Lang::from_accept_language(req.headers()))
        .unwrap_or_default();
    req.extensions_mut().insert(lang);
    let mut res = next.run(req).await;
    if let Some(l) = explicit {
        res.headers_mut().append(header::SET_COOKIE, cookies.set(LANG, l.code(), SAME_SITE, Some(365 * 24 * 3600)));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_needs_the_session_token_and_our_origin() {
        let token = csrf_token("cookie");
        let h = HeaderMap::new();
        assert!(csrf_ok(&h, "http://portal", "cookie", Some(&token)));
        assert!(!csrf_ok(&h, "http://portal", "other", Some(&token)));
        assert!(!csrf_ok(&h, "http://portal", "cookie", None));
        let mut cross = HeaderMap::new();
        cross.insert(header::ORIGIN, "http://evil.example".parse().unwrap());
        assert!(!csrf_ok(&cross, "http://portal", "cookie", Some(&token)));
        let mut fetch = HeaderMap::new();
        fetch.insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert!(!csrf_ok(&fetch, "http://portal", "cookie", Some(&token)));
    }
}
