//! The authorization endpoint (OIDC Core §3.1.2, RFC 6749 §4.1, RFC 7636, RFC 9207).
//!
//! Errors go back to the client only once its `redirect_uri` is known to be registered for it
//! (exact string match); before that the user sees an error page (RFC 6749 §4.1.2.1).
//! Every redirect back carries `iss` (RFC 9207).

use std::collections::HashSet;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use url::Url;

use super::attempts::{admit_parking, retry_after};
use super::claims::SUPPORTED_SCOPES;
use super::flow::{self, Step};
use crate::state::AppState;
use crate::store::clients::Client;
use crate::store::grants::NewCode;
use crate::store::sessions::Session;
use crate::web::PeerAddr;
use crate::web::cookies::SESSION;
use crate::web::i18n::{Lang, Texts};
use crate::web::pages;

/// The longest value of a parameter (but `redirect_uri`, matched exactly against the registered
/// ones): what a request parks is bounded, whoever sends it.
pub const MAX_PARAM_BYTES: usize = 512;

/// A validated authorization request, as parked while the user logs in or consents.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuthRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: String,
    pub prompt: Vec<String>,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    pub ui_locales: Option<String>,
    /// Requested authentication context classes (OIDC Core §3.1.2.1), in order of preference.
    #[serde(default)]
    pub acr_values: Vec<String>,
}

impl AuthRequest {
    /// Whether the client asks for a login with a passkey (see `passkey::acr_values_require_passkey`).
    pub fn requires_passkey(&self) -> bool {
        crate::passkey::acr_values_require_passkey(&self.acr_values)
    }
    pub fn lang(&self, headers: &HeaderMap) -> Lang {
        Lang::negotiate(self.ui_locales.as_deref(), headers)
    }
    fn prompts(&self, p: &str) -> bool {
        self.prompt.iter().any(|x| x == p)
    }
}

/// GET /authorize
pub async fn get(
    State(state): State<AppState>,
    PeerAddr(peer): PeerAddr,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    handle(state, peer, headers, q.unwrap_or_default().as_bytes()).await
}

/// POST /authorize (form-encoded, OIDC Core §3.1.2.1)
pub async fn post(
    State(state): State<AppState>,
    PeerAddr(peer): PeerAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(state, peer, headers, &body).await
}

async fn handle(state: AppState, peer: Option<std::net::IpAddr>, headers: HeaderMap, raw: &[u8]) -> Response {
    let pairs: Vec<(String, String)> = form_urlencoded_pairs(raw);
    let lang = Lang::negotiate(single(&pairs, "ui_locales").or(single(&pairs, "lang")), &headers);
    let t = lang.t();
    let page_error = |msg: &str, detail: &str| pages::message_page_error(StatusCode::BAD_REQUEST, lang, msg, detail);

    // 1. The client and its redirect URI, before anything may go back to it.
    let Some(client_id) = single(&pairs, "client_id") else {
        return page_error(t.error_unknown_client, "client_id missing");
    };
    let client = match state.clients.get(client_id).await {
        Ok(Some(c)) => c,
        Ok(None) => return page_error(t.error_unknown_client, "unknown client_id"),
        Err(e) => return server_error_page(lang, e),
    };
    let Some(redirect_uri) = single(&pairs, "redirect_uri") else {
        return page_error(t.error_bad_redirect, "redirect_uri missing");
    };
    if !client.redirect_uris.iter().any(|r| r == redirect_uri) || count(&pairs, "redirect_uri") != 1 {
        return page_error(t.error_bad_redirect, "redirect_uri is not registered for this client");
    }
    let st = single(&pairs, "state").map(str::to_owned);
    let back = |code: &str, desc: &str| redirect_error(&state, redirect_uri, code, desc, st.as_deref());

    // 2. From here on, errors are the client's to handle.
    if let Some(dup) = duplicated(&pairs) {
        return back("invalid_request", &format!("parameter {dup} is repeated"));
    }
    if let Some((long, _)) = pairs.iter().find(|(k, v)| k != "redirect_uri" && v.len() > MAX_PARAM_BYTES) {
        return back("invalid_request", &format!("parameter {long} is longer than {MAX_PARAM_BYTES} bytes"));
    }
    if has(&pairs, "request") {
        return back("request_not_supported", "request objects are not supported");
    }
    if has(&pairs, "request_uri") {
        return back("request_uri_not_supported", "request_uri is not supported");
    }
    match single(&pairs, "response_type") {
        None => return back("invalid_request", "response_type is required"),
        Some("code") => {}
        Some(_) => {
            return back("unsupported_response_type", "only response_type=code is supported");
        }
    }
    if let Some(mode) = single(&pairs, "response_mode")
        && mode != "query"
    {
        return back("invalid_request", "only response_mode=query is supported");
    }
    if !client.allows_grant("authorization_code") {
        return back("unauthorized_client", "this client may not use the authorization code flow");
    }
    let scopes: Vec<String> = single(&pairs, "scope").unwrap_or("").split_whitespace().map(str::to_owned).collect();
    if scopes.is_empty() {
        return back("invalid_scope", "scope is required");
    }
    if let Some(bad) = scopes.iter().find(|s| !SUPPORTED_SCOPES.contains(&s.as_str()) || !client.scopes.contains(s)) {
        return back("invalid_scope", &format!("scope {bad} is not available to this client"));
    }
    let Some(challenge) = single(&pairs, "code_challenge") else {
        return back("invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256");
    };
    if single(&pairs, "code_challenge_method") != Some("S256") {
        return back("invalid_request", "code_challenge_method must be S256");
    }
    if !valid_challenge(challenge) {
        return back("invalid_request", "code_challenge must be 43 to 128 unreserved characters");
    }
    let prompt: Vec<String> = single(&pairs, "prompt").unwrap_or("").split_whitespace().map(str::to_owned).collect();
    if prompt.iter().any(|p| !matches!(p.as_str(), "none" | "login" | "consent" | "select_account")) {
        return back("invalid_request", "unsupported prompt value");
    }
    if prompt.iter().any(|p| p == "none") && prompt.len() > 1 {
        return back("invalid_request", "prompt=none cannot be combined with other values");
    }
    let max_age = match single(&pairs, "max_age").map(str::parse::<i64>) {
        None => None,
        Some(Ok(v)) if v >= 0 => Some(v),
        Some(_) => return back("invalid_request", "max_age must be a non-negative integer"),
    };
    let req = AuthRequest {
        client_id: client.id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        scopes,
        state: st.clone(),
        nonce: single(&pairs, "nonce").map(str::to_owned),
        code_challenge: challenge.to_owned(),
        prompt,
        max_age,
        login_hint: single(&pairs, "login_hint").map(str::to_owned),
        ui_locales: single(&pairs, "ui_locales").map(str::to_owned),
        acr_values: single(&pairs, "acr_values").unwrap_or("").split_whitespace().map(str::to_owned).collect(),
    };
    // What an address may make the provider store: a parked request, or a grant and its code.
    match admit_parking(&state, peer, &headers).await {
        Ok(None) => {}
        Ok(Some(wait)) => {
            let res = pages::error(StatusCode::TOO_MANY_REQUESTS, lang, t.error_too_many_requests);
            return retry_after(res, wait);
        }
        Err(e) => return server_error_page(lang, e),
    }
    proceed(&state, &headers, &client, req, false).await
}

/// Moves a validated request on: to the login page, the consent page, or back to the client
/// with a code. `fresh_login` is set right after the user logged in for this request.
pub async fn proceed(
    state: &AppState,
    headers: &HeaderMap,
    client: &Client,
    req: AuthRequest,
    fresh_login: bool,
) -> Response {
    let lang = req.lang(headers);
    let session = match current_session(state, headers).await {
        Ok(s) => s,
        Err(e) => return server_error_page(lang, e),
    };
    let person = match &session {
        Some(s) => match state.directory.person(&s.person_id).await {
            Ok(p) => p.filter(|p| !p.disabled),
            Err(e) => return server_error_page(lang, e),
        },
        None => None,
    };
    let too_old = |s: &Session| req.max_age.is_some_and(|m| m == 0 || state.clock.now() - s.auth_time > m);
    // A client that asks for a passkey sends a session opened without one back to the login.
    let too_weak = |s: &Session| req.requires_passkey() && !crate::passkey::has_passkey(&s.amr);
    let need_login = match (&session, &person) {
        (Some(s), Some(_)) => {
            too_weak(s) || (!fresh_login && (req.prompts("login") || req.prompts("select_account") || too_old(s)))
        }
        _ => true,
    };
    if need_login {
        if req.prompts("none") {
            return redirect_error(
                state,
                &req.redirect_uri,
                "login_required",
                "the user must log in",
                req.state.as_deref(),
            );
        }
        return park_and_go(state, headers, &req, Step::Login, None, lang).await;
    }
    let (Some(session), Some(person)) = (session, person) else {
        return park_and_go(state, headers, &req, Step::Login, None, lang).await;
    };
    let needs_consent = if client.first_party && !req.prompts("consent") {
        false
    } else {
        match state.sessions.consented_scopes(&person.id, &client.id).await {
            Ok(given) => req.prompts("consent") || req.scopes.iter().any(|s| !given.contains(s)),
            Err(e) => return server_error_page(lang, e),
        }
    };
    if needs_consent {
        if req.prompts("none") {
            return redirect_error(
                state,
                &req.redirect_uri,
                "consent_required",
                "the user must consent",
                req.state.as_deref(),
            );
        }
        return park_and_go(state, headers, &req, Step::Consent, Some(&session.id_hash), lang).await;
    }
    issue_code(state, &req, &session, lang).await
}

/// Creates the grant and its code, and sends the browser back to the client.
pub async fn issue_code(state: &AppState, req: &AuthRequest, session: &Session, lang: Lang) -> Response {
    let code = NewCode {
        redirect_uri: req.redirect_uri.clone(),
        code_challenge: req.code_challenge.clone(),
        nonce: req.nonce.clone(),
        ttl_secs: state.config.code_ttl.as_secs() as i64,
    };
    let created = state
        .grants
        .create_with_code(
            &req.client_id,
            &session.person_id,
            Some(&session.id_hash),
            &req.scopes.join(" "),
            session.auth_time,
            Some(session.started_at),
            &session.amr,
            state.config.grant_max_age.as_secs() as i64,
            &code,
        )
        .await;
    match created {
        Ok((_grant, code)) => {
            let mut params = vec![("code", code.as_str())];
            if let Some(s) = &req.state {
                params.push(("state", s));
            }
            redirect_to(&req.redirect_uri, &params, &state.config.issuer_str())
        }
        Err(e) => server_error_page(lang, e),
    }
}

/// Parks the request for the login or the consent, in this browser, and sends it there.
async fn park_and_go(
    state: &AppState,
    headers: &HeaderMap,
    req: &AuthRequest,
    step: Step,
    session_hash: Option<&str>,
    lang: Lang,
) -> Response {
    let page = if step == Step::Consent { "/consent" } else { "/login" };
    match flow::park(state, headers, req, step, session_hash).await {
        Ok((id, set_cookie)) => {
            let mut res = see_other(&format!("{page}?req={id}&lang={}", lang.code()));
            if let Some(c) = set_cookie {
                res.headers_mut().append(header::SET_COOKIE, c);
            }
            res
        }
        Err(e) => server_error_page(lang, e),
    }
}

/// The live provider session named by the request's cookie.
pub async fn current_session(state: &AppState, headers: &HeaderMap) -> Result<Option<Session>, crate::db::DbError> {
    match state.cookies.get(headers, SESSION) {
        Some(v) => state.sessions.find(&v).await,
        None => Ok(None),
    }
}

/// An error sent back to the client (RFC 6749 §4.1.2.1, with RFC 9207 `iss`).
pub fn redirect_error(state: &AppState, redirect_uri: &str, code: &str, desc: &str, st: Option<&str>) -> Response {
    let desc = super::error::description_text(desc);
    let mut params = vec![("error", code), ("error_description", desc.as_str())];
    if let Some(s) = st {
        params.push(("state", s));
    }
    redirect_to(redirect_uri, &params, &state.config.issuer_str())
}

fn redirect_to(redirect_uri: &str, params: &[(&str, &str)], issuer: &str) -> Response {
    match Url::parse(redirect_uri) {
        Ok(mut url) => {
            {
                let mut q = url.query_pairs_mut();
                for (k, v) in params {
                    q.append_pair(k, v);
                }
                q.append_pair("iss", issuer);
            }
            see_other(url.as_str())
        }
        Err(_) => (StatusCode::BAD_REQUEST, "invalid redirect_uri").into_response(),
    }
}

/// A 303 that no cache keeps.
pub fn see_other(location: &str) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

pub fn server_error_page(lang: Lang, e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "authorization flow failed");
    pages::error(StatusCode::INTERNAL_SERVER_ERROR, lang, lang.t().error_server)
}

/// RFC 7636 §4.2: 43 to 128 characters of `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`.
fn valid_challenge(c: &str) -> bool {
    (43..=128).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

pub fn form_urlencoded_pairs(raw: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw).into_owned().collect()
}

/// The value of a parameter given exactly once and not empty (RFC 6749 §3.1: empty means absent).
pub fn single<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    let mut it = pairs.iter().filter(|(k, v)| k == name && !v.is_empty());
    let first = it.next()?;
    if it.next().is_some() { None } else { Some(first.1.as_str()) }
}

fn count(pairs: &[(String, String)], name: &str) -> usize {
    pairs.iter().filter(|(k, _)| k == name).count()
}

fn has(pairs: &[(String, String)], name: &str) -> bool {
    pairs.iter().any(|(k, v)| k == name && !v.is_empty())
}

/// The first parameter that appears more than once (RFC 6749 §3.1 forbids it).
pub fn duplicated(pairs: &[(String, String)]) -> Option<&str> {
    let mut seen = HashSet::new();
    pairs.iter().map(|(k, _)| k.as_str()).find(|k| !seen.insert(*k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_format() {
        assert!(valid_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        assert!(!valid_challenge("short"));
        assert!(!valid_challenge(&"a".repeat(129)));
        assert!(!valid_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"));
    }

    #[test]
    fn repeated_parameters_are_found() {
        let p = form_urlencoded_pairs(b"a=1&b=2&a=3");
        assert_eq!(duplicated(&p), Some("a"));
        assert_eq!(single(&p, "a"), None);
        assert_eq!(single(&p, "b"), Some("2"));
    }
}
