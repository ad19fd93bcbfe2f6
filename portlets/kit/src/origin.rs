//! A portlet's own origin: what a portlet serves to browsers directly rather than through the
//! portal, on a listener and a host name of its own (the mini-sites' published pages, on
//! `sites.ecoles.example`). Whatever is served there was written by people of the ENT, so the
//! origin shares nothing with the portal's or the provider's: no cookie is read or set, every
//! answer is sandboxed ([`CSP`]) and never sniffed, no referrer leaves it; and what is not for
//! everyone is opened by short-lived signed links ([`Origin::sign`]) that the portlet mints in
//! its views for the people entitled to follow them.
//!
//! The configuration's `[portlet.origin]` section ([`OriginConfig`]) turns it on; the portlet
//! names the routes it serves there (`Portlet::origin`). The link key signs with HMAC-SHA-256;
//! a link is bound to a scope the portlet chooses (a site and the version of who may see it)
//! and to an expiry.

use std::net::SocketAddr;
use std::time::Duration;

use aws_lc_rs::hmac;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

/// The policy of every answer of a portlet's origin: a sandbox (no script, no form, no
/// same-origin access, even for a document that slipped through), nothing fetched but the
/// origin's own pictures and stylesheets.
pub const CSP: &str = "sandbox; default-src 'none'; img-src 'self'; style-src 'self'";

/// The shortest link key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 32;

/// The `[portlet.origin]` section.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OriginConfig {
    /// Where the origin's listener binds (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// Its address as browsers reach it (`https://sites.ecoles.example`), another host than
    /// the portal's and the provider's.
    pub public_url: String,
    /// The key of the signed links: at least [`MIN_KEY_BYTES`] bytes of secret.
    pub link_key: LinkKey,
}

/// A link key; never printed.
#[derive(Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct LinkKey(Vec<u8>);

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey(…)")
    }
}

/// A key too short to sign with.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the origin's link_key must hold at least {MIN_KEY_BYTES} bytes")]
pub struct ShortKey;

impl TryFrom<String> for LinkKey {
    type Error = ShortKey;
    fn try_from(s: String) -> Result<LinkKey, ShortKey> {
        LinkKey::new(s.into_bytes())
    }
}

impl LinkKey {
    pub fn new(bytes: Vec<u8>) -> Result<LinkKey, ShortKey> {
        if bytes.len() < MIN_KEY_BYTES { Err(ShortKey) } else { Ok(LinkKey(bytes)) }
    }

    /// A fresh random key (`ent demo`: the links of one run die with it).
    pub fn generate() -> Result<LinkKey, aws_lc_rs::error::Unspecified> {
        let mut bytes = vec![0u8; MIN_KEY_BYTES];
        aws_lc_rs::rand::fill(&mut bytes)?;
        Ok(LinkKey(bytes))
    }
}

/// The running origin as the portlet's handlers see it (`state.origin()`): its public address
/// and its link key.
#[derive(Clone, Debug)]
pub struct Origin {
    public_url: String,
    key: LinkKey,
}

impl Origin {
    pub fn new(public_url: &str, key: LinkKey) -> Origin {
        Origin { public_url: public_url.trim_end_matches('/').to_string(), key }
    }

    pub fn from_config(config: &OriginConfig) -> Origin {
        Origin::new(&config.public_url, config.link_key.clone())
    }

    /// The absolute address of one of the origin's paths (`/s/…`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    /// A token that opens `scope` until `until` (seconds since the epoch): `{until}.{mac}`,
    /// URL-safe, to put in a path or a query.
    pub fn sign(&self, scope: &str, until: i64) -> String {
        format!("{until}.{}", URL_SAFE_NO_PAD.encode(self.mac(scope, until).as_ref()))
    }

    /// Whether `token` was signed with this key for `scope` and is still valid at `now`. An
    /// altered token, one for another scope or another key, or an expired one is refused.
    pub fn verify(&self, scope: &str, token: &str, now: i64) -> bool {
        let Some((until, mac)) = token.split_once('.') else { return false };
        let Ok(until) = until.parse::<i64>() else { return false };
        let Ok(mac) = URL_SAFE_NO_PAD.decode(mac) else { return false };
        until > now && hmac::verify(&self.hmac_key(), &message(scope, until), &mac).is_ok()
    }

    fn hmac_key(&self) -> hmac::Key {
        hmac::Key::new(hmac::HMAC_SHA256, &self.key.0)
    }

    fn mac(&self, scope: &str, until: i64) -> hmac::Tag {
        hmac::sign(&self.hmac_key(), &message(scope, until))
    }
}

/// What a link's MAC covers: the scope and the expiry, unambiguously joined.
fn message(scope: &str, until: i64) -> Vec<u8> {
    format!("ent-origin-link\n{}\n{scope}\n{until}", scope.len()).into_bytes()
}

/// The largest request an origin reads: it serves pages, it takes no posts.
const ORIGIN_BODY_LIMIT: usize = 16 * 1024;

/// Wraps the routes an origin serves: no cookie in, no cookie out, the sandbox policy, no
/// sniffing, no referrer, a short timeout, a small body limit, and paths kept out of the log.
pub fn wrap(routes: Router) -> Router {
    routes
        .layer(middleware::from_fn(no_cookies))
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(15)))
        .layer(RequestBodyLimitLayer::new(ORIGIN_BODY_LIMIT))
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            // Paths carry signed links: only the method is logged.
            tracing::info_span!("origin request", method = %req.method())
        }))
}

/// Cookies neither reach the routes nor leave them, whatever a route does.
async fn no_cookies(mut req: Request, next: Next) -> Response {
    req.headers_mut().remove(header::COOKIE);
    let mut res = next.run(req).await;
    res.headers_mut().remove(header::SET_COOKIE);
    res
}

/// A plain-text refusal of the origin (`403`, `404`): the same words whatever the reason.
pub fn refusal(status: StatusCode, text: &'static str) -> Response {
    let mut res = Response::new(axum::body::Body::from(text));
    *res.status_mut() = status;
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tower::ServiceExt;

    fn origin(key: &str) -> Origin {
        Origin::new("https://sites.test/", LinkKey::new(key.as_bytes().to_vec()).unwrap_or_else(|e| panic!("{e}")))
    }

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn links_open_their_scope_until_they_expire() {
        let o = origin(KEY);
        let token = o.sign("site-1:3", 1_000);
        assert!(o.verify("site-1:3", &token, 999));
        assert!(!o.verify("site-1:3", &token, 1_000), "expired");
        assert!(!o.verify("site-1:4", &token, 10), "another version of who may see it");
        assert!(!o.verify("site-2:3", &token, 10), "another site");
        assert!(!origin(&KEY.replace('0', "1")).verify("site-1:3", &token, 10), "another key");
        let later = token.replacen("1000.", "99999.", 1);
        assert!(!o.verify("site-1:3", &later, 10), "an expiry moved by hand");
        for bad in ["", ".", "1000", "1000.", "x.y", "1000.!!"] {
            assert!(!o.verify("site-1:3", bad, 10), "{bad}");
        }
        assert_eq!(o.url("/s/a/"), "https://sites.test/s/a/");
    }

    #[test]
    fn keys_are_long_and_never_printed() {
        assert!(LinkKey::new(b"short".to_vec()).is_err());
        let (a, b) = (
            LinkKey::generate().unwrap_or_else(|e| panic!("{e}")),
            LinkKey::generate().unwrap_or_else(|e| panic!("{e}")),
        );
        assert!(a.0.len() == MIN_KEY_BYTES && a.0 != b.0);
        let config: Result<OriginConfig, _> = serde_json::from_value(serde_json::json!({
            "listen": "127.0.0.1:0", "public_url": "https://sites.test", "link_key": KEY
        }));
        let config = config.unwrap_or_else(|e| panic!("{e}"));
        assert!(!format!("{config:?}").contains(KEY));
    }

    #[tokio::test]
    async fn no_cookie_crosses_and_the_policy_is_exact() {
        let app = wrap(Router::new().route(
            "/",
            get(|req: Request| async move {
                let seen = req.headers().contains_key(header::COOKIE);
                ([(header::SET_COOKIE, "a=b")], if seen { "cookie" } else { "none" })
            }),
        ));
        let req = Request::builder().uri("/").header(header::COOKIE, "session=x").body(axum::body::Body::empty());
        let res = app.oneshot(req.unwrap_or_default()).await.unwrap_or_else(|e| match e {});
        assert!(res.headers().get(header::SET_COOKIE).is_none());
        assert_eq!(res.headers()[header::CONTENT_SECURITY_POLICY], CSP);
        assert_eq!(res.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        let body = axum::body::to_bytes(res.into_body(), 1024).await.unwrap_or_default();
        assert_eq!(&body[..], b"none");
    }
}
