//! Step-up authentication (RFC 9470): a portlet that wants a recent sign-in before it does
//! something (a broadcast, a signature) answers `401` with `WWW-Authenticate: Bearer
//! error="insufficient_user_authentication", max_age="N"` and, in `x-ent-return`, the portlet
//! path to come back to. The portal then sends the browser to its own sign-in with that
//! `max_age`, which the authorization request carries to the provider and the callback checks
//! against the ID token's `auth_time` (`oidc`).
//!
//! The way back is the portlet's word, so it is kept only if it is a view of that same portlet
//! (`/view/…`, mapped under the portlet's base as a `303` is): no other portlet, no other site,
//! nothing that climbs out of the portlet's base. Otherwise the person comes back to the page
//! they were on.

use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::Response;

use crate::config::PortletConfig;
use crate::proxy::{rewrite_location, target_under};
use crate::redirect::{local_return, see_other};
use crate::state::PortalState;

/// The header in which a portlet names the path to come back to (the kit's `RETURN_HEADER`).
pub const RETURN_HEADER: &str = "x-ent-return";

/// The most a portlet may ask for: anything longer is no step-up at all (a year).
const MAX_AGE_LIMIT: u32 = 366 * 24 * 3600;

/// The `max_age` a portlet's answer asks for, if it is a step-up challenge (RFC 9470 §3):
/// a `Bearer` challenge with `error="insufficient_user_authentication"` and a `max_age`.
pub fn requested(headers: &reqwest::header::HeaderMap) -> Option<u32> {
    headers.get_all(reqwest::header::WWW_AUTHENTICATE).iter().filter_map(|v| v.to_str().ok()).find_map(|challenge| {
        let params = bearer_params(challenge)?;
        let value = |name: &str| params.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
        if value("error")? != "insufficient_user_authentication" {
            return None;
        }
        value("max_age")?.parse::<u32>().ok().filter(|m| *m <= MAX_AGE_LIMIT)
    })
}

/// The auth-params of a `Bearer` challenge (RFC 9110 §11.2), quoted strings unquoted.
fn bearer_params(challenge: &str) -> Option<Vec<(String, String)>> {
    let challenge = challenge.trim_start();
    let scheme = challenge.get(..6)?;
    let rest = challenge.get(6..)?;
    if !scheme.eq_ignore_ascii_case("bearer") || !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    let mut params = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ' ' || *c == ',') {
            chars.next();
        }
        let name: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=' && *c != ',' && *c != ' ')).collect();
        if name.is_empty() {
            return Some(params);
        }
        while chars.next_if_eq(&' ').is_some() {}
        chars.next_if_eq(&'=')?;
        while chars.next_if_eq(&' ').is_some() {}
        let value = if chars.next_if_eq(&'"').is_some() {
            let mut v = String::new();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => v.push(chars.next()?),
                    c => v.push(c),
                }
            }
            v
        } else {
            std::iter::from_fn(|| chars.next_if(|c| *c != ',' && *c != ' ')).collect()
        };
        params.push((name, value));
    }
}

/// Where the portlet asks the person to come back to, as a portal path under this portlet's
/// base; `None` unless it is one of the portlet's own views that the proxy would open.
pub fn return_path(state: &PortalState, portlet: &PortletConfig, raw: &str) -> Option<String> {
    let is_view = raw == "/view" || raw.starts_with("/view/") || raw.starts_with("/view?");
    if !is_view || raw.chars().any(|c| c.is_control() || c == '\\') {
        return None;
    }
    let mapped = rewrite_location(portlet, raw)?;
    // The checks of the proxy itself: this portlet, no dot segment, no empty segment, no
    // encoded slash or backslash.
    let uri: Uri = mapped.parse().ok()?;
    let (name, _) = target_under(state, &uri, "/p/", "/view").ok()?;
    let kept = local_return(&state.config.public_url, Some(&mapped));
    (name == portlet.name && kept.starts_with(&format!("/p/{}/", portlet.name))).then_some(kept)
}

/// The page the person was on when the portlet asked: the view itself for a `GET`; for a post,
/// the page the form was on (the `Referer` of a page of the portal), or the portlet's first view.
fn current_page(
    state: &PortalState,
    portlet: &PortletConfig,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> String {
    if method == Method::GET {
        let here = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        return local_return(&state.config.public_url, Some(here));
    }
    let public = &state.config.public_url;
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .filter(|r| r.origin() == public.origin())
        .map(|r| local_return(public, Some(&r[url::Position::BeforePath..url::Position::AfterQuery])))
        .filter(|p| p != "/")
        .unwrap_or_else(|| format!("/p/{}/", portlet.name))
}

/// The request a portlet's step-up challenge becomes: `303` to the portal's sign-in with the
/// way back and `max_age`.
pub fn sign_in_again(
    state: &PortalState,
    portlet: &PortletConfig,
    max_age: u32,
    answer: &reqwest::header::HeaderMap,
    request: (&Method, &Uri, &HeaderMap),
) -> Response {
    let (method, uri, headers) = request;
    let back = answer
        .get(RETURN_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|raw| return_path(state, portlet, raw))
        .unwrap_or_else(|| current_page(state, portlet, method, uri, headers));
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("return", &back)
        .append_pair("max_age", &max_age.to_string())
        .finish();
    see_other(&format!("/login?{q}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge(value: &str) -> reqwest::header::HeaderMap {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(reqwest::header::WWW_AUTHENTICATE, value.parse().unwrap());
        h
    }

    #[test]
    fn a_step_up_challenge_names_its_max_age() {
        let asked = |v: &str| requested(&challenge(v));
        assert_eq!(asked("Bearer error=\"insufficient_user_authentication\", max_age=\"900\""), Some(900));
        assert_eq!(asked("bearer max_age=60,error=insufficient_user_authentication"), Some(60));
        assert_eq!(
            asked(
                "Bearer realm=\"ent\", error=\"insufficient_user_authentication\", error_description=\"a, b\", max_age=\"0\""
            ),
            Some(0)
        );
    }

    #[test]
    fn anything_else_is_no_step_up() {
        for v in [
            "Bearer error=\"invalid_token\"",
            "Bearer error=\"invalid_token\", max_age=\"900\"",
            "Bearer error=\"insufficient_user_authentication\"",
            "Bearer error=\"insufficient_user_authentication\", max_age=\"soon\"",
            "Bearer error=\"insufficient_user_authentication\", max_age=\"-1\"",
            "Bearer error=\"insufficient_user_authentication\", max_age=\"99999999999\"",
            "Basic error=\"insufficient_user_authentication\", max_age=\"900\"",
            "Bearererror=\"insufficient_user_authentication\", max_age=\"900\"",
            "Bearer error=\"insufficient_user_authentication, max_age=\"900\"",
            "Bearer",
        ] {
            assert_eq!(requested(&challenge(v)), None, "{v}");
        }
        assert_eq!(requested(&reqwest::header::HeaderMap::new()), None);
    }
}
