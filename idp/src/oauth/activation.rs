//! The activation page: the first login of a parent or a pupil who has no password yet. They
//! type their login, the code printed on the school's letter (see [`crate::activation`]) and a
//! new password; the code is used once, the password set, and the parked authorization request
//! resumed exactly as after a password login.
//!
//! The page is the login page's sibling and keeps its guarantees: the same CSRF check, the same
//! throttling (the same per-account and per-address counters, so a wrong code counts as a failed
//! login) and no user enumeration: an unknown login, a wrong code, a used code and an expired
//! code get the same answer. The password rules are checked before the code is even looked at,
//! so a refused password says nothing about the code, and does not use it.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::attempts::{Attempts, retry_after, throttled_message};
use super::authorize::{AuthRequest, server_error_page};
use super::flow::{Step, at_step};
use super::login::{Proof, form_csp, sign_in};
use crate::state::AppState;
use crate::store::audit::AuditEvent;
use crate::web::i18n::{Lang, Messages, Texts};
use crate::web::pages::{self, ActivatePage, Chrome};
use crate::web::{PeerAddr, csrf};

/// The shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;

#[derive(Deserialize)]
pub struct ActivateQuery {
    req: Option<String>,
    lang: Option<String>,
}

#[derive(Deserialize)]
pub struct ActivateForm {
    csrf: Option<String>,
    req: Option<String>,
    lang: Option<String>,
    #[serde(default)]
    login: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirmation: String,
}

/// GET /activate?req=…
pub async fn page(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<ActivateQuery>) -> Response {
    let lang = Lang::negotiate(q.lang.as_deref(), &headers);
    let parked = match at_step(&state, &headers, q.req.as_deref(), Step::Login, lang).await {
        Ok(p) => p,
        Err(page) => return page,
    };
    let hint = parked.req.login_hint.clone().unwrap_or_default();
    let form = Shown { login: &hint, code: "" };
    render(&state, &headers, lang, &parked.req, &parked.id, form, StatusCode::OK, String::new())
}

/// POST /activate
pub async fn submit(
    State(state): State<AppState>,
    PeerAddr(peer): PeerAddr,
    headers: HeaderMap,
    Form(form): Form<ActivateForm>,
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
    // The counters of the login page: a wrong code and a wrong password fill the same ones.
    let attempts = Attempts::new(&state, &login, peer, &headers);
    let blank = Shown { login: &login, code: "" };

    // The new password first: a refusal here neither tries nor uses the code, nor counts.
    if let Some(why) = password_refusal(t, &login, &form.password, &form.confirmation) {
        let shown = Shown { login: &login, code: form.code.trim() };
        return render(&state, &headers, lang, req, req_id, shown, StatusCode::BAD_REQUEST, why.into());
    }

    // Counted first; over the limit, say so and for how long, and do not even look at the code.
    match attempts.admit(&state).await {
        Ok(Some(secs)) => {
            state.audit(AuditEvent::new("activation.redeem", "throttled").client(&req.client_id)).await;
            let msg = throttled_message(t, secs);
            let res = render(&state, &headers, lang, req, req_id, blank, StatusCode::TOO_MANY_REQUESTS, msg);
            return retry_after(res, secs);
        }
        Ok(None) => {}
        Err(e) => return server_error_page(lang, e),
    }

    let person = match state.directory.person_by_login(&login).await {
        Ok(p) => p.filter(|p| !p.disabled),
        Err(e) => return server_error_page(lang, e),
    };
    // The same query whether or not the login names somebody (an id that matches no code).
    let live = match state.activation.is_live(person.as_ref().map_or("", |p| p.id.as_str()), &form.code).await {
        Ok(live) => live,
        Err(e) => return server_error_page(lang, e),
    };
    let redeemed = match (&person, live) {
        (Some(p), true) => {
            let phc = match state.passwords.hash(&form.password).await {
                Ok(h) => h,
                Err(e) => return server_error_page(lang, e),
            };
            // Uses the code and sets the password together; a code used meanwhile sets nothing.
            match state.activation.redeem_with_password(&p.id, &form.code, &phc).await {
                Ok(done) => done,
                Err(e) => return server_error_page(lang, e),
            }
        }
        _ => false,
    };
    let person = match (redeemed, person) {
        (true, Some(p)) => p,
        (_, person) => {
            let mut ev = AuditEvent::new("activation.redeem", "bad_code").client(&req.client_id);
            if let Some(p) = &person {
                ev = ev.person(&p.id);
            }
            state.audit(ev).await;
            let msg = t.activation_failed.into();
            return render(&state, &headers, lang, req, req_id, blank, StatusCode::UNAUTHORIZED, msg);
        }
    };

    if let Err(e) = attempts.succeeded(&state).await {
        return server_error_page(lang, e);
    }
    state.audit(AuditEvent::new("activation.redeem", "ok").person(&person.id).client(&req.client_id)).await;
    sign_in(&state, &headers, lang, &person, parked, Proof::password("activation"), false).await
}

/// Why a new password is refused, if it is: too short, the login itself, or not confirmed.
pub fn password_refusal(t: &'static Messages, login: &str, password: &str, confirmation: &str) -> Option<&'static str> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        Some(t.password_too_short)
    } else if password.trim().to_lowercase() == login.trim().to_lowercase() {
        Some(t.password_is_login)
    } else if password != confirmation {
        Some(t.password_mismatch)
    } else {
        None
    }
}

/// What the form shows again.
#[derive(Clone, Copy)]
struct Shown<'a> {
    login: &'a str,
    code: &'a str,
}

#[allow(clippy::too_many_arguments)]
fn render(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    req: &AuthRequest,
    req_id: &str,
    shown: Shown<'_>,
    status: StatusCode,
    message: String,
) -> Response {
    let token = csrf::issue(&state.csrf_secret, state.cookies, headers);
    let switch = format!("/activate?req={}&lang={}", urlencode(req_id), lang.other().code());
    let page = ActivatePage {
        chrome: Chrome::with_switch(lang, switch),
        message,
        csrf: &token.token,
        req: req_id,
        login: shown.login,
        code: shown.code,
    };
    let mut res = pages::render(status, &page);
    // The form ends in a redirect to the client, as the login form does.
    res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, form_csp(&req.redirect_uri));
    if let Some(c) = token.set_cookie {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res.into_response()
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::{EN, FR};

    #[test]
    fn password_rules_each_have_their_message() {
        let t = &FR;
        assert_eq!(password_refusal(t, "lea.martin", "court", "court"), Some(FR.password_too_short));
        assert_eq!(password_refusal(t, "lea.martin", "neuf-car.", "neuf-car."), Some(FR.password_too_short));
        // Characters, not bytes: nine accented letters are still too short.
        assert_eq!(password_refusal(t, "x", "ééééééééé", "ééééééééé"), Some(FR.password_too_short));
        assert_eq!(password_refusal(t, "lea.martin", "Lea.Martin", "Lea.Martin"), Some(FR.password_is_login));
        assert_eq!(
            password_refusal(t, "lea.martin", "trois-petits-chats", "trois-petits-chat"),
            Some(FR.password_mismatch)
        );
        assert_eq!(password_refusal(t, "lea.martin", "trois-petits-chats", "trois-petits-chats"), None);
        assert_eq!(password_refusal(&EN, "x", "short", "short"), Some(EN.password_too_short));
    }
}
