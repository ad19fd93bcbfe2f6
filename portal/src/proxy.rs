//! Full views under `/p/{portlet}/…`: the portal forwards the request to the portlet's
//! `/view/…` with the portlet token, then shows an HTML answer inside its chrome, passes any
//! other content type through as a download, and rewrites a `303` under its own base. Form posts
//! are checked against the session's CSRF token first, which is then stripped. A portlet that
//! asks for a more recent sign-in (RFC 9470) sends the person to sign in again (`step_up`).

use std::convert::Infallible;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use reqwest::Method;

use crate::assembly::to_login;
use crate::config::PortletConfig;
use crate::error::PortalError;
use crate::i18n::Lang;
use crate::pages::{self, Chrome, ViewPage};
use crate::redirect::see_other;
use crate::state::PortalState;
use crate::step_up;
use crate::store::Session;
use crate::tokens::{self, TokenError};
use crate::upstream;
use crate::web::csrf_ok;

/// Views are pages, not archives: an HTML answer larger than this is refused.
const MAX_VIEW_HTML: usize = 2 * 1024 * 1024;
/// Form posts, files included.
pub const MAX_POST_BODY: usize = 10 * 1024 * 1024;
const CSRF_FIELD: &str = "_csrf";

/// How long a full view may take before the person gets the "not answering" page.
const VIEW_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// GET /p/{portlet}/{*path}
pub async fn get(
    State(state): State<PortalState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, PortalError> {
    let (portlet, path) = target(&state, &uri)?;
    let Some(mut session) = state.session(&headers).await? else {
        return Ok(login_then(uri.path()));
    };
    let portlet = allowed(&state, &session, &portlet)?;
    match tokens::ensure_fresh_soon(&state, &mut session).await {
        Ok(()) => {}
        Err(TokenError::SessionEnded) => return Ok(to_login(&state)),
        Err(TokenError::Other(e)) => return Err(e),
    }
    // A portlet the home page found failing again and again: say so at once rather than let
    // the person wait for it (the breaker lets one request through when its pause ends).
    if !state.breakers.allow(&portlet.name) {
        return Err(PortalError::Upstream(format!("{} is paused after repeated failures", portlet.name)));
    }
    let mut retried = false;
    loop {
        let token = tokens::portlet_token(&state, &session, &portlet).await?;
        let res = upstream::request(&state, &session, &portlet, &token, lang, Method::GET, &path)
            .timeout(VIEW_TIMEOUT)
            .send()
            .await
            .map_err(|e| {
                state.breakers.failure(&portlet.name);
                PortalError::Upstream(e.without_url().to_string())
            })?;
        if res.status() == reqwest::StatusCode::UNAUTHORIZED
            && let Some(max_age) = step_up::requested(res.headers())
        {
            // A sign-in more recent than `max_age` is wanted: a new token would not be one.
            let here = (&Method::GET, &uri, &headers);
            return Ok(step_up::sign_in_again(&state, &portlet, max_age, res.headers(), here));
        }
        if res.status() == reqwest::StatusCode::UNAUTHORIZED && !retried {
            // A token the portlet no longer takes (keys rotated, revoked): exchange anew, once.
            state.tokens.drop_token(&session.id_hash, &portlet.name);
            retried = true;
            continue;
        }
        return relay(&state, &session, &portlet, lang, &uri, res).await;
    }
}

/// POST /p/{portlet}/{*path}
pub async fn post(
    State(state): State<PortalState>,
    lang: Lang,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PortalError> {
    let (portlet, path) = target(&state, &uri)?;
    let Some(mut session) = state.session(&headers).await? else {
        return Ok(to_login(&state));
    };
    let portlet = allowed(&state, &session, &portlet)?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE { PortalError::TooLarge } else { PortalError::BadRequest }
    })?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (presented, stripped) = strip_csrf(&content_type, body).await?;
    if !csrf_ok(&headers, &state.config.public_origin(), &session.cookie, presented.as_deref()) {
        return Err(PortalError::Csrf);
    }
    match tokens::ensure_fresh_soon(&state, &mut session).await {
        Ok(()) => {}
        Err(TokenError::SessionEnded) => return Ok(to_login(&state)),
        Err(TokenError::Other(e)) => return Err(e),
    }
    let token = tokens::portlet_token(&state, &session, &portlet).await?;
    let res = upstream::request(&state, &session, &portlet, &token, lang, Method::POST, &path)
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(stripped)
        .send()
        .await
        .map_err(|e| PortalError::Upstream(e.without_url().to_string()))?;
    if res.status() == reqwest::StatusCode::UNAUTHORIZED
        && let Some(max_age) = step_up::requested(res.headers())
    {
        // The post is not kept: once signed in again, the person comes back to its page.
        let here = (&Method::POST, &uri, &headers);
        return Ok(step_up::sign_in_again(&state, &portlet, max_age, res.headers(), here));
    }
    if res.status() == reqwest::StatusCode::UNAUTHORIZED {
        // Not retried: a post is not repeated behind the user's back.
        state.tokens.drop_token(&session.id_hash, &portlet.name);
    }
    relay(&state, &session, &portlet, lang, &uri, res).await
}

/// The portlet named in the URL and the portlet path (`/view/…?query`) it maps to.
fn target(state: &PortalState, uri: &Uri) -> Result<(String, String), PortalError> {
    target_under(state, uri, "/p/", "/view")
}

/// The portlet named in a URL under `prefix` (`/p/`, `/pub/`) and the portlet path under `to`
/// (`/view`, `/public`) it maps to, query kept. Traversal, empty segments (which would smuggle
/// `//host`) and backslashes are refused: nothing outside `to` can be named.
pub(crate) fn target_under(
    state: &PortalState,
    uri: &Uri,
    prefix: &str,
    to: &str,
) -> Result<(String, String), PortalError> {
    let rest = uri.path().strip_prefix(prefix).ok_or(PortalError::NotFound)?;
    let (name, tail) = rest.split_once('/').unwrap_or((rest, ""));
    if state.config.portlet(name).is_none() {
        return Err(PortalError::NotFound);
    }
    let segments: Vec<&str> = tail.split('/').collect();
    for (i, seg) in segments.iter().enumerate() {
        let decoded = url::form_urlencoded::parse(format!("s={}", seg.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let last = i + 1 == segments.len();
        if (seg.is_empty() && !last)
            || decoded == "."
            || decoded == ".."
            || decoded.contains(['/', '\\', '\0'])
            || seg.contains('\\')
        {
            return Err(PortalError::NotFound);
        }
    }
    let mut path = format!("{to}/{tail}");
    if let Some(q) = uri.query() {
        path.push('?');
        path.push_str(q);
    }
    Ok((name.to_string(), path))
}

/// The portlet, if the session's profile may use it; otherwise it does not exist (404).
fn allowed(state: &PortalState, session: &Session, name: &str) -> Result<PortletConfig, PortalError> {
    state.visible_portlets(session.profile).find(|p| p.name == name).cloned().ok_or(PortalError::NotFound)
}

fn login_then(path: &str) -> Response {
    let q: String = url::form_urlencoded::Serializer::new(String::new()).append_pair("return", path).finish();
    see_other(&format!("/login?{q}"))
}

/// Takes the `_csrf` field out of a form body (urlencoded: the other pairs are kept byte for
/// byte; multipart: the other parts are written again with their headers and the same boundary).
async fn strip_csrf(content_type: &str, body: Bytes) -> Result<(Option<String>, Bytes), PortalError> {
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match mime.as_str() {
        "application/x-www-form-urlencoded" => {
            let text = std::str::from_utf8(&body).map_err(|_| PortalError::BadRequest)?;
            let mut token = None;
            let mut kept = Vec::new();
            for pair in text.split('&').filter(|p| !p.is_empty()) {
                match url::form_urlencoded::parse(pair.as_bytes()).next() {
                    Some((k, v)) if k == CSRF_FIELD => {
                        if token.replace(v.into_owned()).is_some() {
                            return Err(PortalError::Csrf);
                        }
                    }
                    _ => kept.push(pair),
                }
            }
            Ok((token, Bytes::from(kept.join("&"))))
        }
        "multipart/form-data" => {
            let boundary = multer::parse_boundary(content_type).map_err(|_| PortalError::BadRequest)?;
            let stream = futures_util::stream::once(async move { Ok::<Bytes, Infallible>(body) });
            let mut form = multer::Multipart::new(stream, boundary.clone());
            let mut token = None;
            let mut out = Vec::new();
            while let Some(field) = form.next_field().await.map_err(|_| PortalError::BadRequest)? {
                if field.name() == Some(CSRF_FIELD) && field.file_name().is_none() {
                    let v = field.text().await.map_err(|_| PortalError::BadRequest)?;
                    if token.replace(v).is_some() {
                        return Err(PortalError::Csrf);
                    }
                    continue;
                }
                out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
                for (name, value) in field.headers() {
                    out.extend_from_slice(name.as_str().as_bytes());
                    out.extend_from_slice(b": ");
                    out.extend_from_slice(value.as_bytes());
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(&field.bytes().await.map_err(|_| PortalError::BadRequest)?);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
            Ok((token, Bytes::from(out)))
        }
        _ => Err(PortalError::BadRequest),
    }
}

/// Turns the portlet's answer into ours.
async fn relay(
    state: &PortalState,
    session: &Session,
    portlet: &PortletConfig,
    lang: Lang,
    uri: &Uri,
    res: reqwest::Response,
) -> Result<Response, PortalError> {
    let status = res.status();
    if status.is_redirection() {
        let location = res.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("");
        let ours = rewrite_location(portlet, location)
            .ok_or_else(|| PortalError::Upstream(format!("{} redirected outside its views", portlet.name)))?;
        return Ok(see_other(&ours));
    }
    if upstream::is_html(res.headers()) {
        if res.content_length().is_some_and(|l| l as usize > MAX_VIEW_HTML) {
            return Err(PortalError::Upstream("view too large".into()));
        }
        let body = res.bytes().await.map_err(|e| PortalError::Upstream(e.without_url().to_string()))?;
        if body.len() > MAX_VIEW_HTML {
            return Err(PortalError::Upstream("view too large".into()));
        }
        let html = String::from_utf8_lossy(&body).into_owned();
        let ours = if status.is_server_error() || status == reqwest::StatusCode::UNAUTHORIZED {
            // The cause is in the portlet's log; the user sees its short fragment in our frame.
            StatusCode::BAD_GATEWAY
        } else {
            StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY)
        };
        let title = match lang {
            Lang::Fr => portlet.title_fr.clone(),
            Lang::En => portlet.title_en.clone(),
        };
        let chrome = Chrome::for_session(state, lang, session, Some(&portlet.name), uri.path());
        return Ok(pages::render(ours, &ViewPage { chrome, title, html }));
    }
    if !status.is_success() {
        return Err(match status.as_u16() {
            404 => PortalError::NotFound,
            400..=499 => PortalError::BadRequest,
            _ => PortalError::Upstream(format!("{} answered {status}", portlet.name)),
        });
    }
    Ok(download(res))
}

/// A non-HTML answer, passed through as an attachment that the browser neither sniffs nor runs.
fn download(res: reqwest::Response) -> Response {
    let src = res.headers().clone();
    let content_type = src
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok())
        .unwrap_or_else(|| HeaderValue::from_static("application/octet-stream"));
    let disposition = src
        .get(reqwest::header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.trim_start().to_ascii_lowercase().starts_with("attachment"))
        .and_then(|v| HeaderValue::from_str(v).ok())
        .unwrap_or_else(|| HeaderValue::from_static("attachment"));
    let length = res.content_length();
    let mut out = Response::new(Body::from_stream(res.bytes_stream()));
    let h = out.headers_mut();
    h.insert(header::CONTENT_TYPE, content_type);
    h.insert(header::CONTENT_DISPOSITION, disposition);
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(l) = length {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(l));
    }
    out
}

/// A portlet's `Location` (`/view/…`, its own absolute URL, or already under `/p/{name}/`) as a
/// portal path; anything pointing elsewhere is refused.
pub fn rewrite_location(portlet: &PortletConfig, location: &str) -> Option<String> {
    let own_base = format!("/p/{}/", portlet.name);
    let path = if location.starts_with('/') && !location.starts_with("//") && !location.contains('\\') {
        location.to_string()
    } else {
        let url = url::Url::parse(location).ok()?;
        if url.origin() != portlet.url.origin() {
            return None;
        }
        let path = url.path().strip_prefix(portlet.url.path().trim_end_matches('/'))?.to_string();
        match url.query() {
            Some(q) => format!("{path}?{q}"),
            None => path,
        }
    };
    if path.starts_with(&own_base) {
        return Some(path);
    }
    let tail = path.strip_prefix("/view")?;
    match tail.chars().next() {
        None => Some(own_base),
        Some('/') => Some(format!("/p/{}{tail}", portlet.name)),
        Some('?') => Some(format!("{own_base}{tail}")),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn portlet() -> PortletConfig {
        PortletConfig {
            name: "homework".into(),
            url: url::Url::parse("http://127.0.0.1:9000").unwrap(),
            resource: "urn:ent:portlet:homework".into(),
            title_fr: "Cahier de textes".into(),
            title_en: "Homework".into(),
            profiles: vec![],
        }
    }

    #[test]
    fn locations_are_rewritten_under_the_base() {
        let p = portlet();
        assert_eq!(rewrite_location(&p, "/view/items/3?ok=1").as_deref(), Some("/p/homework/items/3?ok=1"));
        assert_eq!(rewrite_location(&p, "/view").as_deref(), Some("/p/homework/"));
        assert_eq!(rewrite_location(&p, "http://127.0.0.1:9000/view/x").as_deref(), Some("/p/homework/x"));
        assert_eq!(rewrite_location(&p, "/p/homework/x").as_deref(), Some("/p/homework/x"));
        assert_eq!(rewrite_location(&p, "https://evil.example/view/x"), None);
        assert_eq!(rewrite_location(&p, "//evil.example/view/x"), None);
        assert_eq!(rewrite_location(&p, "/admin"), None);
        assert_eq!(rewrite_location(&p, "/viewer"), None);
    }

    #[tokio::test]
    async fn csrf_is_stripped_from_urlencoded_forms() {
        let (t, body) =
            strip_csrf("application/x-www-form-urlencoded", Bytes::from("a=1&_csrf=tok%2B&b=x+y")).await.unwrap();
        assert_eq!(t.as_deref(), Some("tok+"));
        assert_eq!(&body[..], b"a=1&b=x+y");
        assert!(strip_csrf("application/x-www-form-urlencoded", Bytes::from("_csrf=a&_csrf=b")).await.is_err());
        assert!(strip_csrf("application/json", Bytes::from("{}")).await.is_err());
    }
}
