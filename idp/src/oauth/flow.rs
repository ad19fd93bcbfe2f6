//! A parked authorization request and the step of the login it waits for.
//!
//! `/authorize` parks a validated request while the person signs in or consents. Signing in has
//! steps, each with its own form: the login page (a password, an activation code or a passkey
//! alone), the passkey after the password or the first passkey's registration, the invitation to
//! create a passkey, the consent. The parked request records the step it waits for and the
//! browser that parked it (the hash of a cookie set then); the steps after the login also record
//! the provider session they continue. Each step's form accepts only a request parked for that
//! step, by that browser, in that session, and moves it on with one conditional `UPDATE`.
//!
//! Without this, a request parked for `prompt=login` (or `max_age`, or a passkey the client
//! asks for) could be posted straight to the consent or the invitation form by anyone with a
//! live session and come back with a code, skipping the fresh login that OpenID Connect Core
//! §3.1.2.1 requires; and a request parked in one browser could be finished in another.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::authorize::{AuthRequest, current_session, server_error_page};
use crate::db::DbError;
use crate::secret;
use crate::state::AppState;
use crate::store::audit::AuditEvent;
use crate::store::sessions::{Parking, Session};
use crate::web::cookies::FLOW;
use crate::web::i18n::{Lang, Texts};
use crate::web::pages;

pub use crate::store::sessions::Step;

/// How long a parked request waits for the person (every step together).
pub const PARKED_TTL_SECS: i64 = 30 * 60;

/// A request parked for a step, found for this browser.
#[derive(Clone, Debug)]
pub struct Parked {
    pub id: String,
    pub req: AuthRequest,
    pub step: Step,
    /// For the steps after the login: the live session of this browser that the step continues.
    pub session: Option<Session>,
    browser_hash: String,
}

impl Parked {
    /// Moves the request on to `to` (with the session that step continues); false when it is
    /// no longer at its step (another answer moved it first).
    pub async fn advance(&self, state: &AppState, to: Step, session_hash: Option<&str>) -> Result<bool, DbError> {
        state.sessions.advance_request(&self.id, &self.browser_hash, self.step, to, session_hash).await
    }

    /// Takes the request out, once, at its step; false when another answer took it first.
    pub async fn take(&self, state: &AppState) -> Result<bool, DbError> {
        Ok(state.sessions.take_request(&self.id, &self.browser_hash, self.step).await?.is_some())
    }
}

/// Why a form's request cannot go on.
#[derive(Debug)]
pub enum Refusal {
    /// Unknown, spent, expired, parked by another browser, or its session has ended.
    Expired,
    /// Parked by this browser, but waiting for another step: a step was skipped.
    WrongStep,
    Server(DbError),
}

impl From<DbError> for Refusal {
    fn from(e: DbError) -> Self {
        Refusal::Server(e)
    }
}

impl Refusal {
    /// The page a browser is shown.
    pub fn page(self, lang: Lang) -> Response {
        let t = lang.t();
        match self {
            Refusal::Expired => pages::error(StatusCode::BAD_REQUEST, lang, t.error_request_expired),
            Refusal::WrongStep => pages::error(StatusCode::BAD_REQUEST, lang, t.error_wrong_step),
            Refusal::Server(e) => server_error_page(lang, e),
        }
    }

    /// The answer of a JSON endpoint (the passkey script's).
    pub fn json(self) -> Response {
        let (status, error) = match self {
            Refusal::Expired => (StatusCode::BAD_REQUEST, "request expired"),
            Refusal::WrongStep => (StatusCode::FORBIDDEN, "wrong step"),
            Refusal::Server(e) => {
                tracing::error!(error = %e, "parked request lookup failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "server")
            }
        };
        (status, axum::Json(json!({ "error": error }))).into_response()
    }
}

/// This browser's binding: the hash of its flow cookie, and the cookie to set when it has none.
fn binding(state: &AppState, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match state.cookies.get(headers, FLOW) {
        Some(v) => (secret::sha256_hex(&v), None),
        None => {
            let v = secret::new_secret();
            (secret::sha256_hex(&v), Some(flow_cookie(state, &v)))
        }
    }
}

/// The flow cookie: `Lax`, since the browser arrives at `/authorize` from the client's site and
/// must carry it on the redirect to the login page; it lives as long as a parked request.
fn flow_cookie(state: &AppState, value: &str) -> HeaderValue {
    state.cookies.set(FLOW, value, "Lax", Some(PARKED_TTL_SECS))
}

/// Parks `req` for `step` in this browser (with the session a step after the login continues);
/// returns its id and, when the browser had no flow cookie yet, the cookie to set.
pub async fn park(
    state: &AppState,
    headers: &HeaderMap,
    req: &AuthRequest,
    step: Step,
    session_hash: Option<&str>,
) -> Result<(String, Option<HeaderValue>), DbError> {
    let (browser_hash, set_cookie) = binding(state, headers);
    let params_json = serde_json::to_string(req).map_err(|e| DbError::Corrupt(format!("parked request: {e}")))?;
    let parking = Parking {
        client_id: &req.client_id,
        params_json: &params_json,
        step,
        browser_hash: &browser_hash,
        session_hash,
    };
    let id = state.sessions.park_request(&parking, PARKED_TTL_SECS).await?;
    Ok((id, set_cookie))
}

/// The request a form names, parked for `step` by this browser (and, after the login, in this
/// browser's live session), or why not. A request at another step is audited: a step was skipped.
pub async fn find(state: &AppState, headers: &HeaderMap, req_id: Option<&str>, step: Step) -> Result<Parked, Refusal> {
    let Some(id) = req_id.filter(|r| !r.is_empty()) else { return Err(Refusal::Expired) };
    // No flow cookie: nothing this browser parked.
    let Some(cookie) = state.cookies.get(headers, FLOW) else { return Err(Refusal::Expired) };
    let browser_hash = secret::sha256_hex(&cookie);
    let Some(row) = state.sessions.parked_request(id, &browser_hash).await? else { return Err(Refusal::Expired) };
    let req: AuthRequest = serde_json::from_str(&row.params).map_err(|_| Refusal::Expired)?;
    if row.step != step {
        state
            .audit(
                AuditEvent::new("login", "step_refused")
                    .client(&req.client_id)
                    .detail(json!({ "waits_for": row.step.as_str(), "posted_to": step.as_str() })),
            )
            .await;
        return Err(Refusal::WrongStep);
    }
    let session = match (matches!(step, Step::Invitation | Step::Consent), row.session_hash) {
        (false, _) => None,
        (true, None) => return Err(Refusal::Expired),
        (true, Some(expected)) => match current_session(state, headers).await? {
            Some(s) if secret::ct_eq(&s.id_hash, &expected) => Some(s),
            _ => return Err(Refusal::Expired),
        },
    };
    Ok(Parked { id: id.to_string(), req, step, session, browser_hash })
}

/// [`find`] for a page: the refusal drawn in the request's language.
pub async fn at_step(
    state: &AppState,
    headers: &HeaderMap,
    req_id: Option<&str>,
    step: Step,
    lang: Lang,
) -> Result<Parked, Response> {
    find(state, headers, req_id, step).await.map_err(|r| r.page(lang))
}
