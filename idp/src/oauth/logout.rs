//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0). The `id_token_hint` must be an
//! ID token this provider signed (expired is fine, `alg: none` or a foreign key is not); the
//! `post_logout_redirect_uri` must be registered for the client, exactly. Without a hint that
//! names the signed-in user, the user is asked to confirm, so a third party cannot sign anyone
//! out with a link. Logging out ends the provider session, revokes the grants made in it, and
//! queues a back-channel logout notice for each client with a back-channel URI that got one.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::Value;
use url::Url;

use super::authorize::{current_session, form_urlencoded_pairs, see_other, server_error_page, single};
use super::claims::subject_for;
use crate::jose::{self, Alg};
use crate::state::AppState;
use crate::store::audit::AuditEvent;
use crate::web::cookies::SESSION;
use crate::web::csrf;
use crate::web::i18n::{Lang, Texts};
use crate::web::pages::{self, Chrome, LogoutPage};

pub async fn get(State(state): State<AppState>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    handle(&state, &headers, &form_urlencoded_pairs(q.unwrap_or_default().as_bytes()), false).await
}

pub async fn post(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    handle(&state, &headers, &form_urlencoded_pairs(&body), true).await
}

async fn handle(state: &AppState, headers: &HeaderMap, p: &[(String, String)], is_post: bool) -> Response {
    let lang = Lang::negotiate(single(p, "ui_locales").or(single(p, "lang")), headers);
    let t = lang.t();
    let bad = |detail: &str| pages::message_page_error(StatusCode::BAD_REQUEST, lang, t.error_bad_logout, detail);

    // The hint: our signature, our issuer; its audience names the client.
    let hint = match single(p, "id_token_hint") {
        None => None,
        Some(token) => {
            let keys = state.keys.get();
            match jose::verify(token, keys.verifiers(), &Alg::ALL) {
                // An ID token carries no `typ` (or "JWT"); an access token (`at+jwt`) is no hint.
                Ok((header, claims))
                    if claims.get("iss").and_then(Value::as_str) == Some(&state.config.issuer_str())
                        && header.typ.as_deref().is_none_or(|t| t.eq_ignore_ascii_case("JWT")) =>
                {
                    Some(claims)
                }
                _ => return bad("id_token_hint is not an ID token issued by this provider"),
            }
        }
    };
    let hint_aud = hint.as_ref().and_then(|c| match c.get("aud") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(a)) => a.first().and_then(Value::as_str).map(str::to_owned),
        _ => None,
    });
    let client_id = match (hint_aud, single(p, "client_id")) {
        (Some(a), Some(c)) if a != c => return bad("client_id does not match the id_token_hint"),
        (Some(a), _) => Some(a),
        (None, c) => c.map(str::to_owned),
    };
    let client = match &client_id {
        Some(id) => match state.clients.get(id).await {
            Ok(Some(c)) => Some(c),
            Ok(None) => return bad("unknown client"),
            Err(e) => return server_error_page(lang, e),
        },
        None => None,
    };
    let redirect = single(p, "post_logout_redirect_uri");
    if let Some(uri) = redirect {
        match &client {
            Some(c) if c.post_logout_redirect_uris.iter().any(|r| r == uri) => {}
            _ => return bad("post_logout_redirect_uri is not registered for this client"),
        }
    }
    let st = single(p, "state");

    let session = match current_session(state, headers).await {
        Ok(s) => s,
        Err(e) => return server_error_page(lang, e),
    };
    if let Some(session) = &session {
        let confirmed = if is_post {
            if !csrf::check(&state.csrf_secret, state.cookies, headers, &state.origin, single(p, "csrf")) {
                return pages::error(StatusCode::FORBIDDEN, lang, t.error_csrf);
            }
            single(p, "confirm") == Some("yes")
        } else {
            // A hint naming the signed-in user is the user's own application asking.
            match (&hint, &client) {
                (Some(h), Some(c)) => match state.directory.person(&session.person_id).await {
                    Ok(Some(person)) => {
                        h.get("sub").and_then(Value::as_str) == Some(&subject_for(state, c, &person.public_sub))
                    }
                    Ok(None) => true,
                    Err(e) => return server_error_page(lang, e),
                },
                _ => false,
            }
        };
        if !confirmed {
            return confirm_page(
                state,
                headers,
                lang,
                redirect.unwrap_or(""),
                client_id.as_deref().unwrap_or(""),
                st.unwrap_or(""),
            );
        }
        if let Err(e) = end_session(state, session).await {
            return server_error_page(lang, e);
        }
    }
    let mut res = match redirect.and_then(|u| Url::parse(u).ok()) {
        Some(mut url) => {
            if let Some(s) = st {
                url.query_pairs_mut().append_pair("state", s);
            }
            see_other(url.as_str())
        }
        None => pages::message(StatusCode::OK, lang, t.logout_title, t.logged_out, ""),
    };
    res.headers_mut().append(header::SET_COOKIE, state.cookies.clear(SESSION));
    res
}

async fn end_session(state: &AppState, session: &crate::store::sessions::Session) -> Result<(), crate::db::DbError> {
    // Grants revoked, session deleted and back-channel notices queued in one transaction.
    state.sessions.end(&session.id_hash).await?;
    state.logout_notices_queued.notify_one();
    state.audit(AuditEvent::new("logout", "ok").person(&session.person_id)).await;
    Ok(())
}

fn confirm_page(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    redirect: &str,
    client_id: &str,
    st: &str,
) -> Response {
    let token = csrf::issue(&state.csrf_secret, state.cookies, headers);
    let chrome = Chrome::new(lang);
    let page = LogoutPage { chrome, csrf: &token.token, post_logout_redirect_uri: redirect, client_id, state: st };
    let mut res = pages::render(StatusCode::OK, &page);
    if !redirect.is_empty() {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, super::login::form_csp(redirect));
    }
    if let Some(c) = token.set_cookie {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}
