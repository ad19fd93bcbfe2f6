//! The consent screen (OIDC Core §3.1.2.4): a school's own tool asks, the user allows or
//! refuses, and the answer is remembered per person and client. First-party clients skip it.
//! The form takes only a request parked for the consent by this browser, in the session it was
//! parked for (see `flow`): a request waiting for a fresh login cannot be consented to instead.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::authorize::{issue_code, redirect_error, server_error_page};
use super::flow::{Step, at_step};
use super::login::form_csp;
use crate::state::AppState;
use crate::store::audit::AuditEvent;
use crate::web::csrf;
use crate::web::i18n::{Lang, Messages, Texts};
use crate::web::pages::{self, Chrome, ConsentPage};

#[derive(Deserialize)]
pub struct ConsentQuery {
    req: Option<String>,
    lang: Option<String>,
}

#[derive(Deserialize)]
pub struct ConsentForm {
    csrf: Option<String>,
    req: Option<String>,
    lang: Option<String>,
    decision: Option<String>,
}

fn describe(t: &'static Messages, scope: &str) -> &'static str {
    match scope {
        "openid" => t.scope_openid,
        "profile" => t.scope_profile,
        "email" => t.scope_email,
        "ent" => t.scope_ent,
        "offline_access" => t.scope_offline,
        _ => "",
    }
}

/// GET /consent?req=…
pub async fn page(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<ConsentQuery>) -> Response {
    let lang = Lang::negotiate(q.lang.as_deref(), &headers);
    let t = lang.t();
    let parked = match at_step(&state, &headers, q.req.as_deref(), Step::Consent, lang).await {
        Ok(p) => p,
        Err(page) => return page,
    };
    let (req_id, req) = (&parked.id, &parked.req);
    let client_name = match state.clients.get(&req.client_id).await {
        Ok(Some(c)) => c.name,
        Ok(None) => return pages::error(StatusCode::BAD_REQUEST, lang, t.error_unknown_client),
        Err(e) => return server_error_page(lang, e),
    };
    let token = csrf::issue(&state.csrf_secret, state.cookies, &headers);
    let chrome = Chrome::with_switch(lang, format!("/consent?req={req_id}&lang={}", lang.other().code()));
    let scopes = req.scopes.iter().map(|s| describe(t, s)).filter(|d| !d.is_empty()).collect();
    let page = ConsentPage { chrome, client_name: &client_name, scopes, csrf: &token.token, req: req_id };
    let mut res = pages::render(StatusCode::OK, &page);
    res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, form_csp(&req.redirect_uri));
    if let Some(c) = token.set_cookie {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

/// POST /consent
pub async fn submit(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<ConsentForm>) -> Response {
    let lang = Lang::negotiate(form.lang.as_deref(), &headers);
    let t = lang.t();
    if !csrf::check(&state.csrf_secret, state.cookies, &headers, &state.origin, form.csrf.as_deref()) {
        return pages::error(StatusCode::FORBIDDEN, lang, t.error_csrf);
    }
    let parked = match at_step(&state, &headers, form.req.as_deref(), Step::Consent, lang).await {
        Ok(p) => p,
        Err(page) => return page,
    };
    let Some(session) = parked.session.clone() else {
        return pages::error(StatusCode::BAD_REQUEST, lang, t.error_request_expired);
    };
    // Answered once: a second post (another tab, a double click) finds nothing.
    match parked.take(&state).await {
        Ok(true) => {}
        Ok(false) => return pages::error(StatusCode::BAD_REQUEST, lang, t.error_request_expired),
        Err(e) => return server_error_page(lang, e),
    }
    let req = parked.req;
    let allowed = form.decision.as_deref() == Some("allow");
    state
        .audit(
            AuditEvent::new("consent", if allowed { "ok" } else { "denied" })
                .person(&session.person_id)
                .client(&req.client_id)
                .detail(json!({ "scopes": req.scopes })),
        )
        .await;
    if !allowed {
        return redirect_error(&state, &req.redirect_uri, "access_denied", "the user refused", req.state.as_deref());
    }
    if let Err(e) = state.sessions.record_consent(&session.person_id, &req.client_id, &req.scopes).await {
        return server_error_page(lang, e);
    }
    issue_code(&state, &req, &session, lang).await
}
