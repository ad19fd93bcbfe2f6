//! Portlets' public routes: `GET`/`HEAD /pub/{portlet}/{path}` is forwarded to the portlet's
//! `/public/{path}` for anyone, signed in or not (a calendar application fetching a private feed
//! by the secret in its address; later, pupils' mini-sites). It carries nothing of a session:
//! no `Authorization`, no cookie, no CSRF token; only the language, where the portal serves the
//! portlet's public routes, and the client's address (one `X-Forwarded-For` value, the one the
//! portal computed), so that the portlet can count per address. Only `/public/…` can be named
//! that way (the path checks of the views' proxy), the answer is bounded in size, and only the
//! headers a document needs come back: never a cookie.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use ent_web::client::{PeerAddr, client_address};
use reqwest::Method;

use crate::error::PortalError;
use crate::i18n::Lang;
use crate::proxy::target_under;
use crate::state::PortalState;
use crate::upstream::{X_ENT_PUBLIC_BASE, public_base};

/// The largest public answer passed on (a school's calendar feed is well under a megabyte).
pub const MAX_PUBLIC_BODY: usize = 8 * 1024 * 1024;

/// How long a public answer may take.
const PUBLIC_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The portlet's headers that reach the client; any other is dropped (`Set-Cookie` first).
const PASSED: [header::HeaderName; 6] = [
    header::CONTENT_TYPE,
    header::CACHE_CONTROL,
    header::CONTENT_DISPOSITION,
    header::ETAG,
    header::LAST_MODIFIED,
    header::EXPIRES,
];

/// GET (and HEAD) /pub/{portlet}/{*path}
pub async fn get(
    State(state): State<PortalState>,
    PeerAddr(peer): PeerAddr,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, PortalError> {
    let (name, path) = target_under(&state, &uri, "/pub/", "/public")?;
    let portlet = state.config.portlet(&name).ok_or(PortalError::NotFound)?;
    let mut req = state
        .http
        .request(Method::GET, format!("{}{}", portlet.base(), path))
        .timeout(PUBLIC_TIMEOUT)
        .header(reqwest::header::ACCEPT_LANGUAGE, lang.code())
        .header(X_ENT_PUBLIC_BASE, public_base(&state, portlet));
    // The one address the portlet may count: what the portal itself takes as the client's.
    if let Some(ip) = client_address(state.config.trusted_proxy_hops, peer, &headers) {
        req = req.header("x-forwarded-for", ip.to_string());
    }
    let res = req.send().await.map_err(|e| PortalError::Upstream(e.without_url().to_string()))?;
    let status = res.status();
    match status.as_u16() {
        200..=299 | 304 => relay(res).await,
        // The same page whatever the portlet's reason, as for an unknown portlet.
        404 => Err(PortalError::NotFound),
        429 => Ok(too_many(res.headers())),
        400..=499 => Err(PortalError::BadRequest),
        _ => Err(PortalError::Upstream(format!("{} answered {status} on a public route", portlet.name))),
    }
}

/// A successful answer, its body bounded, with the headers of [`PASSED`] and a sandbox.
async fn relay(mut res: reqwest::Response) -> Result<Response, PortalError> {
    let too_large = || PortalError::Upstream("public answer too large".into());
    if res.content_length().is_some_and(|l| l > MAX_PUBLIC_BODY as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(|e| PortalError::Upstream(e.without_url().to_string()))? {
        if body.len() + chunk.len() > MAX_PUBLIC_BODY {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    let mut out = Response::new(Body::from(body));
    *out.status_mut() = StatusCode::from_u16(res.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let h = out.headers_mut();
    for name in PASSED {
        if let Some(v) = res.headers().get(name.as_str()).and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok()) {
            h.insert(name, v);
        }
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Whatever it is, nothing in it runs in the portal's origin.
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    Ok(out)
}

/// The portlet's limit, said as it said it: `429` and its `Retry-After`.
fn too_many(from: &reqwest::header::HeaderMap) -> Response {
    let wait = from
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u32>().ok())
        .unwrap_or(60);
    let mut out = Response::new(Body::from("Too many requests\n"));
    *out.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    let h = out.headers_mut();
    h.insert(header::RETRY_AFTER, HeaderValue::from(wait));
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    out
}
