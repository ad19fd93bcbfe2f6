//! What the portal sends to a portlet with every request (docs/portlets.md): the portlet token,
//! the user's language, the base path the portlet writes its links under, the session's CSRF
//! token for its forms, and the address where the portal serves the portlet's public routes.
//! Nothing else of the browser's request goes through: no cookies, no client address (a public
//! route, which has no session, gets the client's address instead: `public`).

use reqwest::{Method, RequestBuilder};

use crate::config::PortletConfig;
use crate::i18n::Lang;
use crate::state::PortalState;
use crate::store::Session;
use crate::web::csrf_token;

pub const X_ENT_BASE: &str = "x-ent-base";
pub const X_ENT_CSRF: &str = "x-ent-csrf";
pub const X_ENT_PUBLIC_BASE: &str = "x-ent-public-base";

/// The path under which the portal shows a portlet.
pub fn base_path(portlet: &PortletConfig) -> String {
    format!("/p/{}", portlet.name)
}

/// The absolute URL under which the portal serves a portlet's public routes (`/public/…`):
/// `{public_url}/pub/{name}`.
pub fn public_base(state: &PortalState, portlet: &PortletConfig) -> String {
    format!("{}/pub/{}", state.config.public_url.as_str().trim_end_matches('/'), portlet.name)
}

/// A request to `{portlet}{path}` (path starts with `/`) with the contract's headers.
pub fn request(
    state: &PortalState,
    session: &Session,
    portlet: &PortletConfig,
    token: &str,
    lang: Lang,
    method: Method,
    path_and_query: &str,
) -> RequestBuilder {
    state
        .http
        .request(method, format!("{}{}", portlet.base(), path_and_query))
        .bearer_auth(token)
        .header(reqwest::header::ACCEPT_LANGUAGE, lang.code())
        .header(X_ENT_BASE, base_path(portlet))
        .header(X_ENT_CSRF, csrf_token(&session.cookie))
        .header(X_ENT_PUBLIC_BASE, public_base(state, portlet))
}

/// Whether a response's content type is HTML (a fragment to show inside the chrome).
pub fn is_html(headers: &reqwest::header::HeaderMap) -> bool {
    headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("text/html"))
}
