//! The login page: password sign-in that opens the provider session (single sign-on), then
//! resumes the parked authorization request.
//!
//! No user enumeration: an unknown login, a disabled account and a wrong password get the same
//! answer after the same work (a decoy hash is verified). Attempts are counted per account and
//! per client address before anything is verified (see `attempts`), with a plain message saying
//! when to try again. The page takes only a request parked for the login by this browser (see
//! `flow`).

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::attempts::{Attempts, retry_after, throttled_message};
use super::authorize::{AuthRequest, proceed, redirect_error, see_other, server_error_page};
use super::flow::{Parked, Step, at_step};
use crate::passkey::Requirement;
use crate::state::AppState;
use crate::store::audit::AuditEvent;
use crate::store::directory::Person;
use crate::web::cookies::{PENDING_LOGIN, SESSION};
use crate::web::i18n::{Lang, Texts};
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
    /// Set by the page's script when this device can make a passkey.
    passkey_capable: Option<String>,
}

/// GET /login?req=…
pub async fn page(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    let lang = Lang::negotiate(q.lang.as_deref(), &headers);
    let parked = match at_step(&state, &headers, q.req.as_deref(), Step::Login, lang).await {
        Ok(p) => p,
        Err(page) => return page,
    };
    let hint = parked.req.login_hint.clone().unwrap_or_default();
    render(&state, &headers, lang, &parked.req, &parked.id, &hint, StatusCode::OK, String::new()).await
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
    let parked = match at_step(&state, &headers, form.req.as_deref(), Step::Login, lang).await {
        Ok(p) => p,
        Err(page) => return page,
    };
    let (req_id, req) = (parked.id.as_str(), &parked.req);
    let login = form.login.trim().to_lowercase();
    let attempts = Attempts::new(&state, &login, peer, &headers);

    // Counted first; over the limit, say so and for how long, and do not even look at the password.
    match attempts.admit(&state).await {
        Ok(Some(secs)) => {
            state.audit(AuditEvent::new("login", "throttled").client(&req.client_id)).await;
            let msg = throttled_message(t, secs);
            let res = render(&state, &headers, lang, req, req_id, &login, StatusCode::TOO_MANY_REQUESTS, msg).await;
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
                Ok(Some((source, dn))) => state.ldap_login.get(&source).map(|directory| (directory, dn)),
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
            let (checked, _) =
                tokio::join!(src.check(&dn, &form.password), state.passwords.verify(&form.password, None));
            match checked {
                Ok(ok) => ok,
                Err(e) => {
                    tracing::error!(error = %e, source = %src.name(), "LDAP login: the directory cannot be reached");
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
                req,
                req_id,
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
    let capable = form.passkey_capable.as_deref() == Some("1");
    sign_in(&state, &headers, lang, &person, parked, Proof::password(method), capable).await
}

/// What a person proved to get here: the method (audit) and the `amr` (RFC 8176) it earns.
#[derive(Clone, Debug)]
pub struct Proof {
    /// `pwd`, `ldap`, `activation`, `passkey`, or a password method followed by `+passkey`.
    pub method: String,
    pub amr: Vec<String>,
}

impl Proof {
    /// A password (or a directory password, or an activation code and a new password).
    pub fn password(method: &str) -> Proof {
        Proof { method: method.to_string(), amr: vec!["pwd".to_string()] }
    }
    /// A passkey alone.
    pub fn passkey() -> Proof {
        Proof { method: "passkey".to_string(), amr: crate::passkey::amr_passkey() }
    }
    /// A password method followed by a passkey.
    pub fn password_and_passkey(first: &str) -> Proof {
        Proof { method: format!("{first}+passkey"), amr: crate::passkey::amr_password_and_passkey() }
    }
}

/// How long a password login may wait for its passkey step (or its first passkey).
const PENDING_LOGIN_TTL_SECS: i64 = 10 * 60;

/// After a proof: the passkey step when the policy or the client asks for one and it was not
/// made yet; otherwise the provider session (single sign-on) and the parked authorization
/// request resumed, through the invitation to create a passkey when there is one to show.
/// `parked` is at the step the proof was made for (the login, or the passkey step).
/// `capable`: the login page found that this device can make a passkey.
pub(crate) async fn sign_in(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    person: &Person,
    parked: Parked,
    proof: Proof,
    capable: bool,
) -> Response {
    let t = lang.t();
    let (req_id, req) = (parked.id.as_str(), &parked.req);
    let strong = crate::passkey::has_passkey(&proof.amr);
    let requirement = match state.webauthn {
        Some(_) => state.config.passkey_policy.of(person.profile),
        None => Requirement::NotAsked,
    };
    if !strong && (requirement == Requirement::Required || req.requires_passkey()) {
        let n = match state.passkeys.count(&person.id).await {
            Ok(n) => n,
            Err(e) => return server_error_page(lang, e),
        };
        if n == 0 && requirement != Requirement::Required {
            // The client wants a passkey and this person has none to give: refused (OIDC Core
            // §3.1.2.6), the request spent.
            state
                .audit(
                    AuditEvent::new("login", "acr_unmet")
                        .person(&person.id)
                        .client(&req.client_id)
                        .detail(json!({"method": proof.method})),
                )
                .await;
            if let Err(e) = parked.take(state).await {
                return server_error_page(lang, e);
            }
            return redirect_error(
                state,
                &req.redirect_uri,
                "unmet_authentication_requirements",
                "this client requires a passkey and the user has none",
                req.state.as_deref(),
            );
        }
        if state.webauthn.is_none() {
            return pages::error(StatusCode::SERVICE_UNAVAILABLE, lang, t.error_server);
        }
        // The password was right; the passkey step (or, for a person without any passkey, the
        // first passkey's registration) is still to come. Only a person without a passkey may
        // register one before the passkey step: otherwise the password alone could add one.
        let next = if n == 0 { Step::Enrol } else { Step::SecondFactor };
        match parked.advance(state, next, None).await {
            Ok(true) => {}
            Ok(false) => return pages::error(StatusCode::BAD_REQUEST, lang, t.error_request_expired),
            Err(e) => return server_error_page(lang, e),
        }
        let cookie = match state.passkeys.start_pending(&person.id, req_id, &proof.method, PENDING_LOGIN_TTL_SECS).await
        {
            Ok(c) => c,
            Err(e) => return server_error_page(lang, e),
        };
        state
            .audit(
                AuditEvent::new("login", if n == 0 { "passkey_enrolment" } else { "passkey_step" })
                    .person(&person.id)
                    .client(&req.client_id)
                    .detail(json!({"method": proof.method})),
            )
            .await;
        let page = if n == 0 { "/login/enrol" } else { "/login/second-factor" };
        let mut res = see_other(&format!("{page}?req={req_id}&lang={}", lang.code()));
        res.headers_mut().append(
            header::SET_COOKIE,
            state.cookies.set(PENDING_LOGIN, &cookie, "Strict", Some(PENDING_LOGIN_TTL_SECS)),
        );
        return res;
    }

    // The session this browser already has, if it is this person's, goes on (its start kept);
    // anyone else's, or none, and a new session starts now.
    let previous = state.cookies.get(headers, SESSION).map(|v| crate::secret::sha256_hex(&v));
    let ttl = state.config.session_ttl.as_secs() as i64;
    let (cookie, session) =
        match state.sessions.open(&person.id, &proof.amr, ttl, state.clock.now(), previous.as_deref()).await {
            Ok(s) => s,
            Err(e) => return server_error_page(lang, e),
        };
    state
        .audit(
            AuditEvent::new("login", "ok")
                .person(&person.id)
                .client(&req.client_id)
                .detail(json!({"method": proof.method})),
        )
        .await;
    let set_session = state.cookies.set(SESSION, &cookie, "Lax", Some(state.config.session_ttl.as_secs() as i64));

    // A notice of reset to give, or an invitation to create a passkey: a page before the client.
    let invite = match invitation_due(state, person, &proof, requirement, capable).await {
        Ok(due) => due,
        Err(e) => return server_error_page(lang, e),
    };
    if invite {
        // The invitation continues this session only.
        match parked.advance(state, Step::Invitation, Some(&session.id_hash)).await {
            Ok(true) => {}
            Ok(false) => return pages::error(StatusCode::BAD_REQUEST, lang, t.error_request_expired),
            Err(e) => return server_error_page(lang, e),
        }
        let mut res = see_other(&format!("/login/invitation?req={req_id}&lang={}", lang.code()));
        res.headers_mut().append(header::SET_COOKIE, set_session);
        return res;
    }
    let mut res = resume(state, headers, lang, &cookie, parked).await;
    res.headers_mut().append(header::SET_COOKIE, set_session);
    res
}

/// Whether a signed-in person is shown the invitation page before going back to the client:
/// when an administrator reset their passkeys since their last login, or when the policy offers
/// passkeys, the device can make one, they have none and did not say "not now" lately.
async fn invitation_due(
    state: &AppState,
    person: &Person,
    proof: &Proof,
    requirement: Requirement,
    capable: bool,
) -> Result<bool, crate::db::DbError> {
    if state.webauthn.is_none() || crate::passkey::has_passkey(&proof.amr) {
        return Ok(false);
    }
    if state.passkeys.has_reset_notice(&person.id).await? {
        return Ok(true);
    }
    if requirement != Requirement::Offered || !capable {
        return Ok(false);
    }
    if state.passkeys.count(&person.id).await? > 0 {
        return Ok(false);
    }
    let dismissed = state.passkeys.invitation_dismissed_at(&person.id).await?;
    Ok(dismissed.is_none_or(|at| crate::db::now() - at > INVITATION_QUIET_SECS))
}

/// How long "not now" keeps the invitation away.
const INVITATION_QUIET_SECS: i64 = 30 * 24 * 3600;

/// Takes the parked request out at its step and moves it on (consent, or back to the client
/// with a code) for the session whose cookie value is `session_cookie`, just opened or
/// continued by this step (so the login is fresh for `prompt=login` and `max_age`).
pub(crate) async fn resume(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    session_cookie: &str,
    parked: Parked,
) -> Response {
    let client = match state.clients.get(&parked.req.client_id).await {
        Ok(Some(c)) => c,
        Ok(None) => return pages::error(StatusCode::BAD_REQUEST, lang, lang.t().error_unknown_client),
        Err(e) => return server_error_page(lang, e),
    };
    // The request is spent, once; `proceed` parks it again if consent is still needed.
    match parked.take(state).await {
        Ok(true) => {}
        Ok(false) => return pages::error(StatusCode::BAD_REQUEST, lang, lang.t().error_request_expired),
        Err(e) => return server_error_page(lang, e),
    }
    // The session cookie first, then the browser's other cookies (its flow cookie binds what
    // `proceed` may park again).
    let mut headers_with_session = headers.clone();
    headers_with_session.remove(header::COOKIE);
    if let Ok(v) = HeaderValue::from_str(&format!("{}={session_cookie}", state.cookies.name(SESSION))) {
        headers_with_session.append(header::COOKIE, v);
    }
    for v in headers.get_all(header::COOKIE) {
        headers_with_session.append(header::COOKIE, v.clone());
    }
    proceed(state, &headers_with_session, &client, parked.req, true).await
}

/// CSP for pages whose form ends in a redirect to the client: Chrome applies `form-action` to
/// the redirect chain, so the client's origin must be allowed there.
pub fn form_csp(redirect_uri: &str) -> HeaderValue {
    let origin = client_origin(redirect_uri);
    HeaderValue::from_str(&format!(
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' {origin}; frame-ancestors 'none'; base-uri 'none'"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'; style-src 'self'; frame-ancestors 'none'"))
}

/// The origin of a client's redirect URI ("" when it has none to speak of).
pub fn client_origin(redirect_uri: &str) -> String {
    let origin = url::Url::parse(redirect_uri).map(|u| u.origin().ascii_serialization()).unwrap_or_default();
    if origin == "null" { String::new() } else { origin }
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn render(
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
    let passkeys = state.webauthn.is_some();
    let page =
        LoginPage { chrome, client_name: &client_name, message, csrf: &token.token, req: req_id, login, passkeys };
    let mut res = pages::render(status, &page);
    // The passkey button needs the provider's one script; without passkeys the page has none.
    let csp = match passkeys {
        true => pages::passkey_csp(&client_origin(&req.redirect_uri)),
        false => form_csp(&req.redirect_uri),
    };
    res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, csp);
    if let Some(c) = token.set_cookie {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res.into_response()
}
