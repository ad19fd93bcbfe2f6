//! What the portal sends to a portlet with every request (docs/portlets.md): the portlet token,
//! the user's language, the base path the portlet writes its links under, and the session's
//! CSRF token for its forms. Nothing else of the browser's request goes through: no cookies,
//! no client address.

use reqwest::{Method, RequestBuilder};

use crate::config::PortletConfig;
use crate::i18n::Lang;
use crate::state::PortalState;
use crate::store::Session;
use crate::web::csrf_token;

pub const X_ENT_BASE: &str = "x-ent-base";
pub const X_ENT_CSRF: &str = "x-ent-csrf";

/// The path under which the portal shows a portlet.
pub fn base_path(portlet: &PortletConfig) -> String {
    format!("/p/{}", portlet.name)
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
}

/// Whether a response's content type is HTML (a fragment to show inside the chrome).
pub fn is_html(headers: &reqwest::header::HeaderMap) -> bool {
    headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("text/html"))
}
