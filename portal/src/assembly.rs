//! The home page: every visible portlet's summary fragment, fetched in parallel, each within the
//! deadline. A portlet that is slow or down shows its last good fragment (marked as possibly out
//! of date) or a polite placeholder; the page never waits beyond the deadline, and after a few
//! failures in a row not even that long (see `breaker`).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use reqwest::Method;

use crate::config::PortletConfig;
use crate::error::PortalError;
use crate::i18n::Lang;
use crate::pages::{self, Card, Chrome, HomePage, WelcomePage};
use crate::redirect::see_other;
use crate::state::PortalState;
use crate::store::Session;
use crate::tokens::{self, TokenError};
use crate::upstream;
use crate::web::SESSION;

/// A fragment larger than this is refused (a card is a few lines).
const MAX_FRAGMENT: usize = 64 * 1024;
/// The last good fragments kept, in bytes altogether; the oldest go first.
const LAST_GOOD_BUDGET: usize = 32 * 1024 * 1024;

/// The last fragment each (person, portlet, language) got, bounded in total size. Keyed by the
/// person's `sub`: one family's card can never be shown to another.
#[derive(Default)]
pub struct LastGood {
    inner: Mutex<LastGoodInner>,
}

#[derive(Default)]
struct LastGoodInner {
    map: HashMap<(String, String, Lang), String>,
    order: VecDeque<(String, String, Lang)>,
    bytes: usize,
}

impl LastGood {
    pub fn put(&self, sub: &str, portlet: &str, lang: Lang, html: &str) {
        let Ok(mut g) = self.inner.lock() else { return };
        let key = (sub.to_string(), portlet.to_string(), lang);
        match g.map.insert(key.clone(), html.to_string()) {
            Some(old) => g.bytes -= old.len(),
            None => g.order.push_back(key),
        }
        g.bytes += html.len();
        while g.bytes > LAST_GOOD_BUDGET {
            let Some(oldest) = g.order.pop_front() else { break };
            if let Some(old) = g.map.remove(&oldest) {
                g.bytes -= old.len();
            }
        }
    }

    pub fn get(&self, sub: &str, portlet: &str, lang: Lang) -> Option<String> {
        let g = self.inner.lock().ok()?;
        g.map.get(&(sub.to_string(), portlet.to_string(), lang)).cloned()
    }

    /// Forgets a person's fragments (back-channel logout of all their sessions).
    pub fn forget(&self, sub: &str) {
        let Ok(mut g) = self.inner.lock() else { return };
        let LastGoodInner { map, order, bytes } = &mut *g;
        map.retain(|(s, _, _), html| {
            let keep = s != sub;
            if !keep {
                *bytes -= html.len();
            }
            keep
        });
        order.retain(|(s, _, _)| s != sub);
    }
}

/// GET /
pub async fn home(State(state): State<PortalState>, lang: Lang, headers: HeaderMap) -> Result<Response, PortalError> {
    let Some(mut session) = state.session(&headers).await? else {
        return Ok(pages::render(StatusCode::OK, &WelcomePage { chrome: Chrome::guest(lang, "/") }));
    };
    // Refresh once, before the parallel fetches (see `tokens`).
    match tokens::ensure_fresh_soon(&state, &mut session).await {
        Ok(()) => {}
        Err(TokenError::SessionEnded) => return Ok(to_login(&state)),
        Err(TokenError::Other(e)) => return Err(e),
    }
    let portlets: Vec<PortletConfig> = state.visible_portlets(session.profile).cloned().collect();
    let deadline = state.config.fragment_deadline();
    let mut tasks = Vec::with_capacity(portlets.len());
    for p in &portlets {
        let (state, session, p) = (state.clone(), session.clone(), p.clone());
        tasks.push(tokio::spawn(async move {
            if !state.breakers.allow(&p.name) {
                return None;
            }
            match tokio::time::timeout(deadline, fetch_summary(&state, &session, &p, lang)).await {
                Ok(Ok(html)) => {
                    state.breakers.success(&p.name);
                    Some(html)
                }
                Ok(Err(e)) => {
                    tracing::warn!(portlet = %p.name, error = %e, "fragment unavailable");
                    None
                }
                Err(_) => {
                    state.breakers.failure(&p.name);
                    tracing::warn!(portlet = %p.name, "fragment deadline passed");
                    None
                }
            }
        }));
    }
    let mut cards = Vec::with_capacity(portlets.len());
    for (p, task) in portlets.iter().zip(tasks) {
        let fresh = task.await.ok().flatten();
        let title = match lang {
            Lang::Fr => p.title_fr.clone(),
            Lang::En => p.title_en.clone(),
        };
        let href = format!("/p/{}/", p.name);
        let card = match fresh {
            Some(html) => {
                state.fragments.put(&session.sub, &p.name, lang, &html);
                Card { href, title, html: Some(html), outdated: false }
            }
            None => {
                let last = state.fragments.get(&session.sub, &p.name, lang);
                Card { href, title, outdated: last.is_some(), html: last }
            }
        };
        cards.push(card);
    }
    let chrome = Chrome::for_session(&state, lang, &session, None, "/");
    Ok(pages::render(StatusCode::OK, &HomePage { chrome, cards }))
}

/// One portlet's summary fragment: 200 and HTML, or an error.
async fn fetch_summary(
    state: &PortalState,
    session: &Session,
    p: &PortletConfig,
    lang: Lang,
) -> Result<String, PortalError> {
    let token = tokens::portlet_token(state, session, p).await?;
    let res = upstream::request(state, session, p, &token, lang, Method::GET, "/fragment/summary")
        .send()
        .await
        .map_err(|e| {
            // The portlet itself is unreachable (refused, reset, timed out): it counts.
            state.breakers.failure(&p.name);
            PortalError::Upstream(e.without_url().to_string())
        })?;
    let status = res.status();
    if status.is_server_error() {
        state.breakers.failure(&p.name);
    }
    if status == reqwest::StatusCode::UNAUTHORIZED {
        state.tokens.drop_token(&session.id_hash, &p.name);
    }
    if status != reqwest::StatusCode::OK || !upstream::is_html(res.headers()) {
        return Err(PortalError::Upstream(format!("summary answered {status}")));
    }
    if res.content_length().is_some_and(|l| l as usize > MAX_FRAGMENT) {
        return Err(PortalError::Upstream("summary too large".into()));
    }
    let body = res.bytes().await.map_err(|e| PortalError::Upstream(e.without_url().to_string()))?;
    if body.len() > MAX_FRAGMENT {
        return Err(PortalError::Upstream("summary too large".into()));
    }
    String::from_utf8(body.to_vec()).map_err(|_| PortalError::Upstream("summary is not UTF-8".into()))
}

/// The session is over: forget the cookie and sign in again.
pub fn to_login(state: &PortalState) -> Response {
    let mut res = see_other("/login");
    res.headers_mut().append(header::SET_COOKIE, state.cookies().clear(SESSION));
    res
}
