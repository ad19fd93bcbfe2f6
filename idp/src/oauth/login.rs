//! The login page: password sign-in that opens the provider session (single sign-on), then
//! resumes the parked authorization request.
//!
//! No user enumeration: an unknown login, a disabled account and a wrong password get the same
//! answer after the same work (a decoy hash is verified). Failures are throttled per account and
//! per client address, with a plain message saying when to try again.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::attempts::{Attempts, retry_after, throttled_message};
use super::authorize::{AuthRequest, proceed, server_error_page};
use crate::state::AppState;
use crate::store::audit::AuditEvent;
use crate::web::cookies::SESSION;
use crate::web::i18n::Lang;
use crate::web::pages::{self, Chrome, LoginPage};
use crate::web::{PeerAddr, csrf};

#[derive(Deserialize)]
pub struct LoginQuery {
    req: Option<String>,
    lang: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    csrf: Option<String>,
    req: Option<String>,
    lang: Option<String>,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

/// GET /login?req=…
pub async fn page(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    let lang = Lang::negotiate(q.lang.as_deref(), &headers);
    let (req_id, req) = match parked_or_page(&state, q.req, lang).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let hint = req.login_hint.clone().unwrap_or_default();
    render(&state, &headers, lang, &req, &req_id, &hint, StatusCode::OK, String::new()).await
}

/// POST /login
pub async fn submit(
    State(state): State<AppState>,
    PeerAddr(peer): PeerAddr,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = Lang::negotiate(form.lang.as_deref(), &headers);
    let t = lang.t();
    if !csrf::check(&state.csrf_secret, state.cookies, &headers, &state.origin, form.csrf.as_deref()) {
        return pages::error(StatusCode::FORBIDDEN, lang, t.error_csrf);
    }
    let (req_id, req) = match parked_or_page(&state, form.req, lang).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let login = form.login.trim().to_lowercase();
    let attempts = Attempts::new(&state, &login, peer, &headers);

    // Throttled? Say so, and for how long; do not even look at the password.
    match attempts.locked_for(&state).await {
        Ok(Some(secs)) => {
            state.audit(AuditEvent::new("login", "throttled").client(&req.client_id)).await;
            let msg = throttled_message(t, secs);
            let res = render(&state, &headers, lang, &req, &req_id, &login, StatusCode::TOO_MANY_REQUESTS, msg).await;
            return retry_after(res, secs);
        }
        Ok(None) => {}
        Err(e) => return server_error_page(lang, e),
    }

    let person = match state.directory.person_by_login(&login).await {
        Ok(p) => p,
        Err(e) => return server_error_page(lang, e),
    };
    let phc = match &person {
        Some(p) if !p.disabled => match state.directory.password_hash(&p.id).await {
            Ok(h) => h,
            Err(e) => return server_error_page(lang, e),
        },
        _ => None,
    };
    // People whose directory password is theirs (per the sync mapping, when the provider is
    // configured for their directory) are checked by an LDAP bind as their recorded DN.
    let bind = match &person {
        Some(p) if !p.disabled && !state.config.ldap_login.is_empty() => {
            match crate::store::sync::SyncStore::new(state.db.clone()).bind_dn(&p.id).await {
                Ok(Some((source, dn))) => {
                    state.config.ldap_login.iter().find(|s| s.name == source).map(|s| (s.clone(), dn))
                }
                Ok(None) => None,
                Err(e) => return server_error_page(lang, e),
            }
        }
        _ => None,
    };
    let method = if bind.is_some() { "ldap" } else { "pwd" };
    let ok = match bind {
        Some((src, dn)) => {
            // The decoy hash keeps the answer's timing the same as for any other account.
            let (checked, _) = tokio::join!(
                crate::ldap_login::check(&src, &dn, &form.password),
                state.passwords.verify(&form.password, None)
            );
            match checked {
                Ok(ok) => ok,
                Err(e) => {
                    tracing::error!(error = %e, source = %src.name, "LDAP login: the directory cannot be reached");
                    return pages::error(StatusCode::SERVICE_UNAVAILABLE, lang, t.error_server);
                }
            }
        }
        None => match state.passwords.verify(&form.password, phc.as_deref()).await {
            Ok(ok) => ok,
            Err(e) => return server_error_page(lang, e),
        },
    };
    let person = match (ok, person) {
        (true, Some(p)) => p,
        (_, person) => {
            if let Err(e) = attempts.failed(&state).await {
                return server_error_page(lang, e);
            }
            let mut ev =
                AuditEvent::new("login", "bad_credentials").client(&req.client_id).detail(json!({"method": "pwd"}));
            if let Some(p) = &person {
                ev = ev.person(&p.id);
            }
            state.audit(ev).await;
            return render(
                &state,
                &headers,
                lang,
                &req,
                &req_id,
                &login,
                StatusCode::UNAUTHORIZED,
                t.bad_credentials.into(),
            )
            .await;
        }
    };

    if let Err(e) = attempts.succeeded(&state).await {
        return server_error_page(lang, e);
    }
    sign_in(&state, &headers, lang, &person.id, &req_id, req, method).await
}

/// Opens the provider session of a person who has just proved who they are (`method`: `pwd`, or
/// `activation` for a code and a new password) and resumes the parked authorization request.
pub(crate) async fn sign_in(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    person_id: &str,
    req_id: &str,
    req: AuthRequest,
    method: &str,
) -> Response {
    let t = lang.t();
    let amr = vec!["pwd".to_string()];
    let (cookie, _session) =
        match state.sessions.create(person_id, &amr, state.config.session_ttl.as_secs() as i64).await {
            Ok(s) => s,
            Err(e) => return server_error_page(lang, e),
        };
    state
        .audit(
            AuditEvent::new("login", "ok").person(person_id).client(&req.client_id).detail(json!({"method": method})),
        )
        .await;
    let client = match state.clients.get(&req.client_id).await {
        Ok(Some(c)) => c,
        Ok(None) => return pages::error(StatusCode::BAD_REQUEST, lang, t.error_unknown_client),
        Err(e) => return server_error_page(lang, e),
    };
    // The request is spent; `proceed` parks it again if consent is still needed.
    if let Err(e) = state.sessions.take_request(req_id).await {
        return server_error_page(lang, e);
    }
    let mut headers_with_session = headers.clone();
    headers_with_session.insert(
        header::COOKIE,
        HeaderValue::from_str(&format!("{}={cookie}", state.cookies.name(SESSION)))
            .unwrap_or_else(|_| HeaderValue::from_static("")),
    );
    let mut res = proceed(state, &headers_with_session, &client, req, true).await;
    res.headers_mut().append(
        header::SET_COOKIE,
        state.cookies.set(SESSION, &cookie, "Lax", Some(state.config.session_ttl.as_secs() as i64)),
    );
    res
}

/// The parked request a page names (`req`), or the "request expired" page.
pub async fn parked_or_page(
    state: &AppState,
    req: Option<String>,
    lang: Lang,
) -> Result<(String, AuthRequest), Response> {
    let expired = || pages::error(StatusCode::BAD_REQUEST, lang, lang.t().error_request_expired);
    let Some(id) = req.filter(|r| !r.is_empty()) else { return Err(expired()) };
    match parked(state, &id).await {
        Ok(Some(r)) => Ok((id, r)),
        Ok(None) => Err(expired()),
        Err(e) => Err(server_error_page(lang, e)),
    }
}

pub async fn parked(state: &AppState, id: &str) -> Result<Option<AuthRequest>, crate::db::DbError> {
    Ok(state.sessions.parked_request(id).await?.and_then(|j| serde_json::from_str(&j).ok()))
}

/// CSP for pages whose form ends in a redirect to the client: Chrome applies `form-action` to
/// the redirect chain, so the client's origin must be allowed there.
pub fn form_csp(redirect_uri: &str) -> HeaderValue {
    let origin = url::Url::parse(redirect_uri).map(|u| u.origin().ascii_serialization()).unwrap_or_default();
    let origin = if origin == "null" { String::new() } else { origin };
    HeaderValue::from_str(&format!(
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' {origin}; frame-ancestors 'none'; base-uri 'none'"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'; style-src 'self'; frame-ancestors 'none'"))
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    req: &AuthRequest,
    req_id: &str,
    login: &str,
    status: StatusCode,
    message: String,
) -> Response {
    let client_name = match state.clients.get(&req.client_id).await {
        Ok(c) => c.map(|c| c.name).unwrap_or_default(),
        Err(e) => return server_error_page(lang, e),
    };
    let token = csrf::issue(&state.csrf_secret, state.cookies, headers);
    let chrome = Chrome::with_switch(lang, format!("/login?req={req_id}&lang={}", lang.other().code()));
    let page = LoginPage { chrome, client_name: &client_name, message, csrf: &token.token, req: req_id, login };
    let mut res = pages::render(status, &page);
    res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, form_csp(&req.redirect_uri));
    if let Some(c) = token.set_cookie {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res.into_response()
}
