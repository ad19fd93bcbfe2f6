//! Passkeys in the login: the ceremony options (`POST /passkeys/options`, for the provider's
//! script), a passkey alone on the login page (discoverable credentials: no login typed), the
//! passkey after a password, the first passkey's registration when the policy requires one, and
//! the invitation (or the reset notice) after a password login.
//!
//! Every ceremony's state stays in the database, bound to what started it — the login request
//! and this browser's CSRF cookie for a passkey alone, the waiting login for the passkey step and
//! the first registration, the provider session for the account page — and is taken once. Each
//! step takes only a request parked for it by this browser (see `flow`), and a waiting login may
//! register a passkey only when the person has none: otherwise the password alone could add the
//! passkey that the next step asks for.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, DiscoverableKey, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Uuid,
};

use super::attempts::{admit_parking, retry_after};
use super::authorize::{AuthRequest, current_session, see_other, server_error_page};
use super::flow::{Parked, Step, at_step, find};
use super::login::{Proof, client_origin, resume, sign_in};
use crate::passkey::Requirement;
use crate::secret;
use crate::state::AppState;
use crate::store::audit::AuditEvent;
use crate::store::directory::Person;
use crate::store::passkeys::{Ceremony, PendingLogin, StoredPasskey, cred_id_text};
use crate::web::cookies::{CSRF, PENDING_LOGIN, SESSION};
use crate::web::i18n::{Lang, Texts};
use crate::web::pages::{self, Chrome, PasskeyPage};
use crate::web::{PeerAddr, csrf};

/// How long a ceremony may take, from the options to the answer.
pub const CEREMONY_TTL_SECS: i64 = 5 * 60;

/// The longest passkey name kept.
pub const MAX_NAME_CHARS: usize = 60;

#[derive(Deserialize)]
pub struct OptionsRequest {
    ceremony: String,
    csrf: Option<String>,
    req: Option<String>,
}

/// What a registration's state keeps beside webauthn-rs's: the user handle it was made for.
#[derive(serde::Serialize, Deserialize)]
pub(crate) struct RegistrationState {
    pub handle: String,
    pub state: PasskeyRegistration,
}

fn json_error(status: StatusCode, error: &str) -> Response {
    (status, Json(json!({ "error": error }))).into_response()
}

/// The binding of a passkey-alone ceremony: the login request, in this browser (its CSRF cookie).
fn discover_binding(state: &AppState, headers: &HeaderMap, req_id: &str) -> String {
    let cookie = state.cookies.get(headers, CSRF).unwrap_or_default();
    format!("req:{req_id}:{}", secret::sha256_hex(&cookie))
}

fn pending_binding(p: &PendingLogin) -> String {
    format!("pending:{}", p.id_hash)
}

fn session_binding(id_hash: &str) -> String {
    format!("session:{id_hash}")
}

/// The waiting login of this browser for this request.
pub(crate) async fn pending_login(
    state: &AppState,
    headers: &HeaderMap,
    req_id: &str,
) -> Result<Option<PendingLogin>, crate::db::DbError> {
    match state.cookies.get(headers, PENDING_LOGIN) {
        Some(v) => state.passkeys.pending(&v, req_id).await,
        None => Ok(None),
    }
}

/// POST /passkeys/options: starts a ceremony and answers its options (JSON) with the id of its
/// stored state, which the form posts back with the authenticator's answer.
pub async fn options(
    State(state): State<AppState>,
    PeerAddr(peer): PeerAddr,
    headers: HeaderMap,
    Json(body): Json<OptionsRequest>,
) -> Response {
    let Some(webauthn) = state.webauthn.clone() else {
        return json_error(StatusCode::NOT_FOUND, "passkeys are off");
    };
    if !csrf::check(&state.csrf_secret, state.cookies, &headers, &state.origin, body.csrf.as_deref()) {
        return json_error(StatusCode::FORBIDDEN, "csrf");
    }
    let req_id = body.req.filter(|r| !r.is_empty());
    let started = match body.ceremony.as_str() {
        "discover" => {
            let Some(req_id) = req_id else { return json_error(StatusCode::BAD_REQUEST, "req") };
            if let Err(refusal) = find(&state, &headers, Some(&req_id), Step::Login).await {
                return refusal.json();
            }
            // Nobody is known yet: what an address may make the provider store is bounded.
            match admit_parking(&state, peer, &headers).await {
                Ok(None) => {}
                Ok(Some(wait)) => return retry_after(json_error(StatusCode::TOO_MANY_REQUESTS, "too many"), wait),
                Err(e) => return server_error_json(e),
            }
            let Ok((rcr, st)) = webauthn.start_discoverable_authentication() else {
                return json_error(StatusCode::INTERNAL_SERVER_ERROR, "webauthn");
            };
            let binding = discover_binding(&state, &headers, &req_id);
            (Ceremony::Discover, binding, serde_json::to_string(&st), serde_json::to_value(&rcr))
        }
        "authenticate" => {
            let Some(req_id) = req_id else { return json_error(StatusCode::BAD_REQUEST, "req") };
            if let Err(refusal) = find(&state, &headers, Some(&req_id), Step::SecondFactor).await {
                return refusal.json();
            }
            let pending = match pending_login(&state, &headers, &req_id).await {
                Ok(Some(p)) => p,
                Ok(None) => return json_error(StatusCode::FORBIDDEN, "no waiting login"),
                Err(e) => return server_error_json(e),
            };
            let keys: Vec<Passkey> = match state.passkeys.list(&pending.person_id).await {
                Ok(k) => k.into_iter().map(|k| k.passkey).collect(),
                Err(e) => return server_error_json(e),
            };
            if keys.is_empty() {
                return json_error(StatusCode::CONFLICT, "no passkey");
            }
            let Ok((rcr, st)) = webauthn.start_passkey_authentication(&keys) else {
                return json_error(StatusCode::INTERNAL_SERVER_ERROR, "webauthn");
            };
            (Ceremony::Authenticate, pending_binding(&pending), serde_json::to_string(&st), serde_json::to_value(&rcr))
        }
        "register" => {
            // The first passkey of a waiting login (a request at the enrolment step), or one
            // more from a signed-in browser (the account page, the invitation after a login).
            let waiting = match &req_id {
                Some(r) => match pending_login(&state, &headers, r).await {
                    Ok(p) => p,
                    Err(e) => return server_error_json(e),
                },
                None => None,
            };
            if let Some(p) = &waiting {
                match state.passkeys.count(&p.person_id).await {
                    Ok(0) => {}
                    Ok(_) => {
                        state
                            .audit(AuditEvent::new("passkey.register", "refused_has_passkey").person(&p.person_id))
                            .await;
                        return json_error(StatusCode::FORBIDDEN, "has passkey");
                    }
                    Err(e) => return server_error_json(e),
                }
                if let Err(refusal) = find(&state, &headers, req_id.as_deref(), Step::Enrol).await {
                    return refusal.json();
                }
            }
            let (person_id, binding) = match waiting {
                Some(p) => (p.person_id.clone(), pending_binding(&p)),
                None => match current_session(&state, &headers).await {
                    Ok(Some(s)) => (s.person_id.clone(), session_binding(&s.id_hash)),
                    Ok(None) => return json_error(StatusCode::FORBIDDEN, "not signed in"),
                    Err(e) => return server_error_json(e),
                },
            };
            let person = match state.directory.person(&person_id).await {
                Ok(Some(p)) if !p.disabled => p,
                Ok(_) => return json_error(StatusCode::FORBIDDEN, "not signed in"),
                Err(e) => return server_error_json(e),
            };
            let (handle, existing) = match registration_context(&state, &person).await {
                Ok(c) => c,
                Err(e) => return server_error_json(e),
            };
            let display = format!("{} {}", person.given_name, person.family_name);
            let Ok((ccr, st)) = webauthn.start_passkey_registration(handle, &person.login, &display, Some(existing))
            else {
                return json_error(StatusCode::INTERNAL_SERVER_ERROR, "webauthn");
            };
            let ccr = crate::passkey::require_discoverable(ccr);
            let kept = RegistrationState { handle: handle.to_string(), state: st };
            (Ceremony::Register, binding, serde_json::to_string(&kept), serde_json::to_value(&ccr))
        }
        _ => return json_error(StatusCode::BAD_REQUEST, "ceremony"),
    };
    let (kind, binding, Ok(kept), Ok(options)) = started else {
        return json_error(StatusCode::INTERNAL_SERVER_ERROR, "serialisation");
    };
    match state.passkeys.put_challenge(kind, &binding, &kept, CEREMONY_TTL_SECS).await {
        Ok(id) => {
            let mut res = Json(json!({ "challenge": id, "options": options })).into_response();
            res.headers_mut().insert(header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => server_error_json(e),
    }
}

fn server_error_json(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "passkey options failed");
    json_error(StatusCode::INTERNAL_SERVER_ERROR, "server")
}

/// The user handle of a person's passkeys (a new one for a first passkey) and the credential
/// ids they already have (the authenticator is asked not to register one of them twice).
async fn registration_context(
    state: &AppState,
    person: &Person,
) -> Result<(Uuid, Vec<webauthn_rs::prelude::CredentialID>), crate::db::DbError> {
    let handle = state.passkeys.user_handle(&person.id).await?.and_then(|h| Uuid::parse_str(&h).ok());
    let existing = state.passkeys.list(&person.id).await?.into_iter().map(|k| k.passkey.cred_id().clone()).collect();
    Ok((handle.unwrap_or_else(Uuid::new_v4), existing))
}

/// What became of a registration's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Registration {
    Added,
    /// Expired, replayed, or not a valid credential.
    Refused,
    /// A first passkey was asked for and the person already has one: nothing stored.
    HasPasskey,
}

/// Finishes a registration whose state was bound to `binding` and stores the passkey under the
/// name the form gives; with `first_only`, only if the person has no passkey yet (checked again
/// in the transaction that stores it).
pub(crate) async fn finish_registration(
    state: &AppState,
    person: &Person,
    binding: &str,
    form: &CeremonyForm,
    first_only: bool,
) -> Result<Registration, crate::db::DbError> {
    let Some(webauthn) = state.webauthn.clone() else { return Ok(Registration::Refused) };
    let Some((kept, answer)) =
        take_ceremony::<RegistrationState, RegisterPublicKeyCredential>(state, form, Ceremony::Register, binding)
            .await?
    else {
        return Ok(Registration::Refused);
    };
    let Ok(passkey) = webauthn.finish_passkey_registration(&answer, &kept.state) else {
        state.audit(AuditEvent::new("passkey.register", "refused").person(&person.id)).await;
        return Ok(Registration::Refused);
    };
    let name = clean_name(form.name.as_deref().unwrap_or(""), person.profile.as_str());
    let added = match first_only {
        true => state.passkeys.add_first(&person.id, &kept.handle, &name, &passkey).await?,
        false => Some(state.passkeys.add(&person.id, &kept.handle, &name, &passkey).await?),
    };
    if added.is_none() {
        state.audit(AuditEvent::new("passkey.register", "refused_has_passkey").person(&person.id)).await;
        return Ok(Registration::HasPasskey);
    }
    let (eligible, backed_up) = crate::store::passkeys::backup_flags(&passkey);
    state
        .audit(
            AuditEvent::new("passkey.register", "ok")
                .person(&person.id)
                .detail(json!({"backup_eligible": eligible, "backup_state": backed_up})),
        )
        .await;
    Ok(Registration::Added)
}

/// A passkey's name: trimmed, control characters dropped, at most `MAX_NAME_CHARS`.
pub fn clean_name(name: &str, fallback: &str) -> String {
    let n: String =
        name.chars().filter(|c| !c.is_control()).collect::<String>().trim().chars().take(MAX_NAME_CHARS).collect();
    if n.is_empty() { fallback.to_string() } else { n }
}

/// The form that carries an authenticator's answer back.
#[derive(Deserialize)]
pub struct CeremonyForm {
    pub csrf: Option<String>,
    pub req: Option<String>,
    pub lang: Option<String>,
    #[serde(default)]
    pub challenge: String,
    #[serde(default)]
    pub credential: String,
    pub name: Option<String>,
}

/// POST /login/passkey: a passkey alone. The authenticator names the person (its user handle);
/// the credential must be one of theirs, still registered.
pub async fn discover(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<CeremonyForm>) -> Response {
    let lang = Lang::negotiate(form.lang.as_deref(), &headers);
    let t = lang.t();
    if !csrf::check(&state.csrf_secret, state.cookies, &headers, &state.origin, form.csrf.as_deref()) {
        return pages::error(StatusCode::FORBIDDEN, lang, t.error_csrf);
    }
    let parked = match at_step(&state, &headers, form.req.as_deref(), Step::Login, lang).await {
        Ok(p) => p,
        Err(page) => return page,
    };
    let binding = discover_binding(&state, &headers, &parked.id);
    let verified = match verify_discoverable(&state, &binding, &form).await {
        Ok(v) => v,
        Err(e) => return server_error_page(lang, e),
    };
    let Some(person) = verified else {
        state.audit(AuditEvent::new("login", "passkey_refused").client(&parked.req.client_id)).await;
        let message = t.passkey_refused.into();
        return super::login::render(
            &state,
            &headers,
            lang,
            &parked.req,
            &parked.id,
            "",
            StatusCode::UNAUTHORIZED,
            message,
        )
        .await;
    };
    sign_in(&state, &headers, lang, &person, parked, Proof::passkey(), false).await
}

/// The person a passkey-alone answer proves, once; `None` when it proves nobody.
async fn verify_discoverable(
    state: &AppState,
    binding: &str,
    form: &CeremonyForm,
) -> Result<Option<Person>, crate::db::DbError> {
    let Some(webauthn) = state.webauthn.clone() else { return Ok(None) };
    let Some((kept, answer)) =
        take_ceremony::<DiscoverableAuthentication, PublicKeyCredential>(state, form, Ceremony::Discover, binding)
            .await?
    else {
        return Ok(None);
    };
    let Ok((handle, cred_id)) = webauthn.identify_discoverable_authentication(&answer) else { return Ok(None) };
    let Some(stored) = state.passkeys.by_credential(&handle.to_string(), &cred_id_text(cred_id)).await? else {
        return Ok(None);
    };
    let Ok(result) =
        webauthn.finish_discoverable_authentication_v2(&answer, kept, DiscoverableKey::from(&stored.passkey))
    else {
        return Ok(None);
    };
    let Some(person) = state.directory.person(&stored.person_id).await?.filter(|p| !p.disabled) else {
        return Ok(None);
    };
    record_use(state, stored, &result).await?;
    Ok(Some(person))
}

#[derive(Deserialize)]
pub struct StepQuery {
    req: Option<String>,
    lang: Option<String>,
}

/// The request parked for `step` (the passkey step or the first passkey) that a page names, with
/// this browser's waiting login for it; or the page that says why not.
async fn waiting(
    state: &AppState,
    headers: &HeaderMap,
    req: Option<&str>,
    step: Step,
    lang: Lang,
) -> Result<(Parked, PendingLogin, Person), Response> {
    let parked = at_step(state, headers, req, step, lang).await?;
    let expired = || pages::error(StatusCode::BAD_REQUEST, lang, lang.t().error_request_expired);
    let pending = match pending_login(state, headers, &parked.id).await {
        Ok(Some(p)) => p,
        Ok(None) => return Err(expired()),
        Err(e) => return Err(server_error_page(lang, e)),
    };
    let person = match state.directory.person(&pending.person_id).await {
        Ok(Some(p)) if !p.disabled => p,
        Ok(_) => return Err(expired()),
        Err(e) => return Err(server_error_page(lang, e)),
    };
    Ok((parked, pending, person))
}

/// A passkey step page with its CSP (the provider's script; forms may lead to the client) and
/// the CSRF cookie when the browser had none.
fn step_page(
    req: &AuthRequest,
    status: StatusCode,
    page: &PasskeyPage<'_>,
    set_cookie: Option<HeaderValue>,
) -> Response {
    let mut res = pages::render(status, page);
    res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, pages::passkey_csp(&client_origin(&req.redirect_uri)));
    if let Some(c) = set_cookie {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

/// GET /login/second-factor: the passkey after the password.
pub async fn second_factor_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<StepQuery>,
) -> Response {
    let lang = Lang::negotiate(q.lang.as_deref(), &headers);
    let (parked, _, _) = match waiting(&state, &headers, q.req.as_deref(), Step::SecondFactor, lang).await {
        Ok(w) => w,
        Err(page) => return page,
    };
    render_second_factor(&state, &headers, lang, &parked.id, &parked.req, StatusCode::OK, String::new())
}

fn render_second_factor(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    req_id: &str,
    req: &AuthRequest,
    status: StatusCode,
    message: String,
) -> Response {
    let t = lang.t();
    let token = csrf::issue(&state.csrf_secret, state.cookies, headers);
    let page = PasskeyPage {
        chrome: Chrome::with_switch(lang, format!("/login/second-factor?req={req_id}&lang={}", lang.other().code())),
        title: t.passkey_step_title,
        intro: t.passkey_step_intro,
        notice: "",
        message,
        csrf: &token.token,
        req: req_id,
        action: "/login/second-factor",
        ceremony: "authenticate",
        button: t.passkey_step_button,
        name_field: false,
        later_action: "",
        later_label: "",
    };
    step_page(req, status, &page, token.set_cookie.clone())
}

/// POST /login/second-factor: the answer to the passkey step; the login completes.
pub async fn second_factor(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CeremonyForm>,
) -> Response {
    let lang = Lang::negotiate(form.lang.as_deref(), &headers);
    let t = lang.t();
    if !csrf::check(&state.csrf_secret, state.cookies, &headers, &state.origin, form.csrf.as_deref()) {
        return pages::error(StatusCode::FORBIDDEN, lang, t.error_csrf);
    }
    let (parked, pending, person) = match waiting(&state, &headers, form.req.as_deref(), Step::SecondFactor, lang).await
    {
        Ok(w) => w,
        Err(page) => return page,
    };
    let ok = match verify_second_factor(&state, &pending, &form).await {
        Ok(ok) => ok,
        Err(e) => return server_error_page(lang, e),
    };
    if !ok {
        let client = &parked.req.client_id;
        state.audit(AuditEvent::new("login", "passkey_refused").person(&person.id).client(client)).await;
        let message = t.passkey_refused.into();
        return render_second_factor(
            &state,
            &headers,
            lang,
            &parked.id,
            &parked.req,
            StatusCode::UNAUTHORIZED,
            message,
        );
    }
    match state.passkeys.finish_pending(&pending.id_hash).await {
        Ok(true) => {}
        Ok(false) => return pages::error(StatusCode::BAD_REQUEST, lang, t.error_request_expired),
        Err(e) => return server_error_page(lang, e),
    }
    let mut res =
        sign_in(&state, &headers, lang, &person, parked, Proof::password_and_passkey(&pending.method), false).await;
    res.headers_mut().append(header::SET_COOKIE, state.cookies.clear(PENDING_LOGIN));
    res
}

/// Whether the answer proves one of the waiting person's passkeys, once.
async fn verify_second_factor(
    state: &AppState,
    pending: &PendingLogin,
    form: &CeremonyForm,
) -> Result<bool, crate::db::DbError> {
    let Some(webauthn) = state.webauthn.clone() else { return Ok(false) };
    let binding = pending_binding(pending);
    let Some((kept, answer)) =
        take_ceremony::<PasskeyAuthentication, PublicKeyCredential>(state, form, Ceremony::Authenticate, &binding)
            .await?
    else {
        return Ok(false);
    };
    // The state allows only this person's passkeys (as they were when the step began).
    let Ok(result) = webauthn.finish_passkey_authentication(&answer, &kept) else { return Ok(false) };
    let Some(handle) = state.passkeys.user_handle(&pending.person_id).await? else { return Ok(false) };
    // Still registered: a passkey removed since the step began is refused.
    let Some(stored) = state.passkeys.by_credential(&handle, &cred_id_text(result.cred_id())).await? else {
        return Ok(false);
    };
    if stored.person_id != pending.person_id {
        return Ok(false);
    }
    record_use(state, stored, &result).await?;
    Ok(true)
}

/// The ceremony state kept for this challenge, taken (so a second answer to it finds nothing)
/// and parsed, with the browser's answer parsed; `None` when the challenge is unknown, spent,
/// expired or bound to something else, or when either side does not parse.
async fn take_ceremony<S: DeserializeOwned, A: DeserializeOwned>(
    state: &AppState,
    form: &CeremonyForm,
    ceremony: Ceremony,
    binding: &str,
) -> Result<Option<(S, A)>, crate::db::DbError> {
    let Some(kept) = state.passkeys.take_challenge(&form.challenge, ceremony, binding).await? else {
        return Ok(None);
    };
    let (Ok(kept), Ok(answer)) = (serde_json::from_str::<S>(&kept), serde_json::from_str::<A>(&form.credential)) else {
        return Ok(None);
    };
    Ok(Some((kept, answer)))
}

/// Stores what an assertion updates on the passkey (counter, backup state), as webauthn-rs asks.
async fn record_use(
    state: &AppState,
    stored: StoredPasskey,
    result: &AuthenticationResult,
) -> Result<(), crate::db::DbError> {
    let mut passkey = stored.passkey;
    passkey.update_credential(result);
    state.passkeys.record_use(&stored.id, &passkey).await
}

/// GET /login/enrol: the first passkey of a person whose profile requires one.
pub async fn enrol_page(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<StepQuery>) -> Response {
    let lang = Lang::negotiate(q.lang.as_deref(), &headers);
    let (parked, _, person) = match waiting(&state, &headers, q.req.as_deref(), Step::Enrol, lang).await {
        Ok(w) => w,
        Err(page) => return page,
    };
    let told = match state.passkeys.take_reset_notice(&person.id).await {
        Ok(t) => t,
        Err(e) => return server_error_page(lang, e),
    };
    render_enrol(&state, &headers, lang, &parked.id, &parked.req, told, StatusCode::OK, String::new())
}

#[allow(clippy::too_many_arguments)]
fn render_enrol(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    req_id: &str,
    req: &AuthRequest,
    reset: bool,
    status: StatusCode,
    message: String,
) -> Response {
    let t = lang.t();
    let token = csrf::issue(&state.csrf_secret, state.cookies, headers);
    let page = PasskeyPage {
        chrome: Chrome::with_switch(lang, format!("/login/enrol?req={req_id}&lang={}", lang.other().code())),
        title: t.enrol_title,
        intro: t.enrol_intro,
        notice: if reset { t.reset_notice } else { "" },
        message,
        csrf: &token.token,
        req: req_id,
        action: "/login/enrol",
        ceremony: "register",
        button: t.passkey_create_button,
        name_field: true,
        later_action: "",
        later_label: "",
    };
    step_page(req, status, &page, token.set_cookie.clone())
}

/// POST /login/enrol: the first passkey is registered; the passkey step follows, with it. Only
/// for a person without any passkey: one who has a passkey must use it, or a password alone
/// would add the passkey that the next step asks for.
pub async fn enrol(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<CeremonyForm>) -> Response {
    let lang = Lang::negotiate(form.lang.as_deref(), &headers);
    let t = lang.t();
    if !csrf::check(&state.csrf_secret, state.cookies, &headers, &state.origin, form.csrf.as_deref()) {
        return pages::error(StatusCode::FORBIDDEN, lang, t.error_csrf);
    }
    let (parked, pending, person) = match waiting(&state, &headers, form.req.as_deref(), Step::Enrol, lang).await {
        Ok(w) => w,
        Err(page) => return page,
    };
    let has_passkey = || pages::error(StatusCode::FORBIDDEN, lang, t.enrol_has_passkey);
    match state.passkeys.count(&person.id).await {
        Ok(0) => {}
        Ok(_) => {
            state.audit(AuditEvent::new("passkey.register", "refused_has_passkey").person(&person.id)).await;
            return has_passkey();
        }
        Err(e) => return server_error_page(lang, e),
    }
    match finish_registration(&state, &person, &pending_binding(&pending), &form, true).await {
        Ok(Registration::Added) => {}
        Ok(Registration::HasPasskey) => return has_passkey(),
        Ok(Registration::Refused) => {
            let message = t.passkey_failed.into();
            return render_enrol(
                &state,
                &headers,
                lang,
                &parked.id,
                &parked.req,
                false,
                StatusCode::BAD_REQUEST,
                message,
            );
        }
        Err(e) => return server_error_page(lang, e),
    }
    match parked.advance(&state, Step::SecondFactor, None).await {
        Ok(true) => see_other(&format!("/login/second-factor?req={}&lang={}", parked.id, lang.code())),
        Ok(false) => pages::error(StatusCode::BAD_REQUEST, lang, t.error_request_expired),
        Err(e) => server_error_page(lang, e),
    }
}

/// The signed-in person of this browser and their session cookie value.
pub(crate) async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(Person, String, String)>, crate::db::DbError> {
    let Some(cookie) = state.cookies.get(headers, SESSION) else { return Ok(None) };
    let Some(session) = state.sessions.find(&cookie).await? else { return Ok(None) };
    let person = state.directory.person(&session.person_id).await?.filter(|p| !p.disabled);
    Ok(person.map(|p| (p, cookie, session.id_hash)))
}

/// GET /login/invitation: after a password login, the reset notice and/or the invitation to
/// create a passkey, before going back to the client.
pub async fn invitation_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<StepQuery>,
) -> Response {
    let lang = Lang::negotiate(q.lang.as_deref(), &headers);
    let t = lang.t();
    let parked = match at_step(&state, &headers, q.req.as_deref(), Step::Invitation, lang).await {
        Ok(p) => p,
        Err(page) => return page,
    };
    let (req_id, req) = (&parked.id, &parked.req);
    let person = match signed_in(&state, &headers).await {
        Ok(Some((p, _, _))) => p,
        Ok(None) => return pages::error(StatusCode::BAD_REQUEST, lang, t.error_request_expired),
        Err(e) => return server_error_page(lang, e),
    };
    let told = match state.passkeys.take_reset_notice(&person.id).await {
        Ok(t) => t,
        Err(e) => return server_error_page(lang, e),
    };
    let offer = match offered(&state, &person).await {
        Ok(o) => o,
        Err(e) => return server_error_page(lang, e),
    };
    let token = csrf::issue(&state.csrf_secret, state.cookies, &headers);
    let page = PasskeyPage {
        chrome: Chrome::with_switch(lang, format!("/login/invitation?req={req_id}&lang={}", lang.other().code())),
        title: if offer { t.invitation_title } else { t.account_title },
        intro: if offer { t.invitation_intro } else { "" },
        notice: if told { t.reset_notice } else { "" },
        message: String::new(),
        csrf: &token.token,
        req: req_id,
        action: if offer { "/account/passkeys" } else { "" },
        ceremony: "register",
        button: t.passkey_create_button,
        name_field: true,
        later_action: "/login/invitation",
        later_label: if offer { t.invitation_later } else { t.continue_button },
    };
    step_page(req, StatusCode::OK, &page, token.set_cookie.clone())
}

/// Whether a signed-in person without a passkey is invited to create one.
async fn offered(state: &AppState, person: &Person) -> Result<bool, crate::db::DbError> {
    let requirement = state.config.passkey_policy.of(person.profile);
    Ok(state.webauthn.is_some() && requirement != Requirement::NotAsked && state.passkeys.count(&person.id).await? == 0)
}

#[derive(Deserialize)]
pub struct ContinueForm {
    csrf: Option<String>,
    req: Option<String>,
    lang: Option<String>,
}

/// POST /login/invitation: "not now" (or "continue" after a notice): back to the client.
pub async fn invitation_continue(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<ContinueForm>,
) -> Response {
    let lang = Lang::negotiate(form.lang.as_deref(), &headers);
    let t = lang.t();
    if !csrf::check(&state.csrf_secret, state.cookies, &headers, &state.origin, form.csrf.as_deref()) {
        return pages::error(StatusCode::FORBIDDEN, lang, t.error_csrf);
    }
    let parked = match at_step(&state, &headers, form.req.as_deref(), Step::Invitation, lang).await {
        Ok(p) => p,
        Err(page) => return page,
    };
    let (person, cookie) = match signed_in(&state, &headers).await {
        Ok(Some((p, c, _))) => (p, c),
        Ok(None) => return pages::error(StatusCode::BAD_REQUEST, lang, t.error_request_expired),
        Err(e) => return server_error_page(lang, e),
    };
    match offered(&state, &person).await {
        Ok(true) => {
            if let Err(e) = state.passkeys.dismiss_invitation(&person.id).await {
                return server_error_page(lang, e);
            }
        }
        Ok(false) => {}
        Err(e) => return server_error_page(lang, e),
    }
    resume(&state, &headers, lang, &cookie, parked).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_name("  Téléphone\u{7} ", "x"), "Téléphone");
        assert_eq!(clean_name("   ", "x"), "x");
        assert_eq!(clean_name(&"a".repeat(100), "x").chars().count(), MAX_NAME_CHARS);
    }
}
