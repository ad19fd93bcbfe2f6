//! The account page at the provider (`/account`): a signed-in person lists, registers, renames
//! and removes their passkeys. Registration and removal are audited (the person's internal id,
//! never the passkey's name).

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;

use super::authorize::{see_other, server_error_page};
use super::flow::{Step, at_step};
use super::login::resume;
use super::passkeys::{CeremonyForm, Registration, clean_name, finish_registration, signed_in};
use crate::state::AppState;
use crate::store::audit::AuditEvent;
use crate::web::csrf;
use crate::web::i18n::{Lang, Texts};
use crate::web::pages::{self, AccountPage, Chrome, PasskeyRow};

#[derive(Deserialize)]
pub struct AccountQuery {
    lang: Option<String>,
    /// What was just done: `added`, `removed`, `renamed`, `bad_name`, `failed`.
    done: Option<String>,
}

/// A date as the account page shows it (UTC day).
fn day(epoch: i64) -> String {
    // Civil-from-days (H. Hinnant), to avoid a date crate for one display.
    let z = epoch.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{d:02}/{m:02}/{y}")
}

/// GET /account
pub async fn page(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<AccountQuery>) -> Response {
    let lang = Lang::negotiate(q.lang.as_deref(), &headers);
    let t = lang.t();
    if state.webauthn.is_none() {
        return pages::message(StatusCode::NOT_FOUND, lang, t.account_title, t.passkeys_off, "");
    }
    let person = match signed_in(&state, &headers).await {
        Ok(Some((p, _, _))) => p,
        Ok(None) => return pages::message(StatusCode::UNAUTHORIZED, lang, t.account_title, t.account_signed_out, ""),
        Err(e) => return server_error_page(lang, e),
    };
    let keys = match state.passkeys.list(&person.id).await {
        Ok(k) => k,
        Err(e) => return server_error_page(lang, e),
    };
    let told = match state.passkeys.take_reset_notice(&person.id).await {
        Ok(t) => t,
        Err(e) => return server_error_page(lang, e),
    };
    let (notice, message) = match q.done.as_deref() {
        Some("added") => (t.account_added, ""),
        Some("removed") => (t.account_removed, ""),
        Some("renamed") => (t.account_renamed, ""),
        Some("bad_name") => ("", t.account_bad_name),
        Some("failed") => ("", t.passkey_failed),
        _ if told => (t.reset_notice, ""),
        _ => ("", ""),
    };
    let rows = keys
        .into_iter()
        .map(|k| PasskeyRow {
            id: k.id,
            name: k.name,
            created: day(k.created_at),
            last_used: k.last_used_at.map(day).unwrap_or_else(|| t.account_never_used.to_string()),
            synced: k.backup_state,
        })
        .collect();
    let token = csrf::issue(&state.csrf_secret, state.cookies, &headers);
    let page = AccountPage {
        chrome: Chrome::with_switch(lang, format!("/account?lang={}", lang.other().code())),
        notice,
        message,
        csrf: &token.token,
        keys: rows,
    };
    let mut res = pages::render(StatusCode::OK, &page);
    res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, pages::passkey_csp(""));
    if let Some(c) = token.set_cookie {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

fn back(lang: Lang, done: &str) -> Response {
    see_other(&format!("/account?lang={}&done={done}", lang.code()))
}

/// POST /account/passkeys: the answer of a registration started from the account page or from
/// the invitation after a login (`req`: a request at the invitation step of this browser and
/// session, which then goes on to the client).
pub async fn register(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<CeremonyForm>) -> Response {
    let lang = Lang::negotiate(form.lang.as_deref(), &headers);
    let t = lang.t();
    if !csrf::check(&state.csrf_secret, state.cookies, &headers, &state.origin, form.csrf.as_deref()) {
        return pages::error(StatusCode::FORBIDDEN, lang, t.error_csrf);
    }
    let (person, cookie, id_hash) = match signed_in(&state, &headers).await {
        Ok(Some(s)) => s,
        Ok(None) => return pages::message(StatusCode::UNAUTHORIZED, lang, t.account_title, t.account_signed_out, ""),
        Err(e) => return server_error_page(lang, e),
    };
    // The invitation's request, checked before the answer is spent on it.
    let parked = match form.req.as_deref().filter(|r| !r.is_empty()) {
        Some(req_id) => match at_step(&state, &headers, Some(req_id), Step::Invitation, lang).await {
            Ok(p) => Some(p),
            Err(page) => return page,
        },
        None => None,
    };
    let added = match finish_registration(&state, &person, &format!("session:{id_hash}"), &form, false).await {
        Ok(r) => r == Registration::Added,
        Err(e) => return server_error_page(lang, e),
    };
    match parked {
        Some(parked) if added => resume(&state, &headers, lang, &cookie, parked).await,
        Some(parked) => {
            let mut res = see_other(&format!("/login/invitation?req={}&lang={}", parked.id, lang.code()));
            res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, pages::passkey_csp(""));
            res
        }
        None => back(lang, if added { "added" } else { "failed" }),
    }
}

#[derive(Deserialize)]
pub struct KeyForm {
    csrf: Option<String>,
    lang: Option<String>,
    #[serde(default)]
    id: String,
    name: Option<String>,
}

/// POST /account/passkeys/rename
pub async fn rename(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<KeyForm>) -> Response {
    let lang = Lang::negotiate(form.lang.as_deref(), &headers);
    let t = lang.t();
    if !csrf::check(&state.csrf_secret, state.cookies, &headers, &state.origin, form.csrf.as_deref()) {
        return pages::error(StatusCode::FORBIDDEN, lang, t.error_csrf);
    }
    let person = match signed_in(&state, &headers).await {
        Ok(Some((p, _, _))) => p,
        Ok(None) => return pages::message(StatusCode::UNAUTHORIZED, lang, t.account_title, t.account_signed_out, ""),
        Err(e) => return server_error_page(lang, e),
    };
    let name = clean_name(form.name.as_deref().unwrap_or(""), "");
    if name.is_empty() {
        return back(lang, "bad_name");
    }
    match state.passkeys.rename(&person.id, &form.id, &name).await {
        Ok(true) => back(lang, "renamed"),
        Ok(false) => pages::error(StatusCode::NOT_FOUND, lang, t.error_bad_request),
        Err(e) => server_error_page(lang, e),
    }
}

/// POST /account/passkeys/remove
pub async fn remove(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<KeyForm>) -> Response {
    let lang = Lang::negotiate(form.lang.as_deref(), &headers);
    let t = lang.t();
    if !csrf::check(&state.csrf_secret, state.cookies, &headers, &state.origin, form.csrf.as_deref()) {
        return pages::error(StatusCode::FORBIDDEN, lang, t.error_csrf);
    }
    let person = match signed_in(&state, &headers).await {
        Ok(Some((p, _, _))) => p,
        Ok(None) => return pages::message(StatusCode::UNAUTHORIZED, lang, t.account_title, t.account_signed_out, ""),
        Err(e) => return server_error_page(lang, e),
    };
    match state.passkeys.remove(&person.id, &form.id).await {
        Ok(true) => {
            state.audit(AuditEvent::new("passkey.remove", "ok").person(&person.id)).await;
            back(lang, "removed")
        }
        Ok(false) => pages::error(StatusCode::NOT_FOUND, lang, t.error_bad_request),
        Err(e) => server_error_page(lang, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days() {
        assert_eq!(day(0), "01/01/1970");
        assert_eq!(day(1_764_460_800), "30/11/2025");
        assert_eq!(day(951_782_400), "29/02/2000");
    }
}
