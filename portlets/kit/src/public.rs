//! A portlet's public routes (`/public/…`): what the portal forwards from `/pub/{portlet}/…` to
//! anyone, without a session, a token or a cookie (docs/portlets.md), such as a calendar feed
//! opened by the secret in its path. Such a route trusts nothing of the request but its path;
//! what it needs beyond that is here: the client's address the portal saw (for per-address
//! limits, [`ClientAddress`]), and the answers every public route gives alike ([`not_found`],
//! [`too_many`]) so that a refusal says nothing of why.

use std::net::IpAddr;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ent_web::client::{PeerAddr, client_address};

/// The path prefix of a portlet's public routes.
pub const PREFIX: &str = "/public";

/// The client's address as the portal saw it. The portal is the one proxy in front of a portlet
/// and writes the address it computed as the last `X-Forwarded-For` value of a public request;
/// `None` when the request came from elsewhere without one (then limits count it with every other
/// such request, never not at all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let PeerAddr(peer) = PeerAddr::from_request_parts(parts, state).await?;
        Ok(ClientAddress(client_address(1, peer, &parts.headers)))
    }
}

impl ClientAddress {
    /// What a per-address limit counts (an IPv4 address, an IPv6 /64), or `unknown`.
    pub fn key(&self) -> String {
        self.0.map(ent_web::client::address_key).unwrap_or_else(|| "unknown".into())
    }
}

/// The one "not found" of public routes: the same status and body whatever the reason (an
/// unknown secret, a revoked one, a malformed path), so that an answer tells nothing.
pub fn not_found() -> Response {
    plain(StatusCode::NOT_FOUND, "Not found\n")
}

/// Over a limit: `429` with `Retry-After` in seconds (RFC 9110 §10.2.3).
pub fn too_many(retry_after_secs: i64) -> Response {
    let mut res = plain(StatusCode::TOO_MANY_REQUESTS, "Too many requests\n");
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs.max(1)));
    res
}

fn plain(status: StatusCode, body: &'static str) -> Response {
    let mut res = (status, body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    async fn address(forwarded: &[&str]) -> ClientAddress {
        let mut req = Request::builder().uri("/public/x");
        for f in forwarded {
            req = req.header("x-forwarded-for", *f);
        }
        let (mut parts, ()) = req.body(()).unwrap_or_default().into_parts();
        match ClientAddress::from_request_parts(&mut parts, &()).await {
            Ok(a) => a,
            Err(never) => match never {},
        }
    }

    #[tokio::test]
    async fn the_portals_value_is_the_address() {
        // What the client wrote itself (left) is not read: the portal's value is the last.
        assert_eq!(address(&["203.0.113.9, 198.51.100.7"]).await.key(), "198.51.100.7");
        assert_eq!(address(&["2001:db8:1:2::5"]).await.key(), "2001:db8:1:2::/64");
        assert_eq!(address(&[]).await.key(), "unknown");
    }

    #[tokio::test]
    async fn refusals_say_nothing_of_why() {
        let res = too_many(0);
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(res.headers()[header::RETRY_AFTER], "1");
        assert_eq!(not_found().status(), StatusCode::NOT_FOUND);
    }
}
