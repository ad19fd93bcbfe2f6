//! Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3):
//! `client_secret_basic`, `client_secret_post`, and `none` for public clients. A client uses
//! one method per request; an unknown client and a wrong secret get the same answer.

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::authorize::single;
use super::error::OAuthError;
use crate::state::AppState;
use crate::store::clients::Client;

/// How the client proved who it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Basic,
    Post,
    None,
}

pub struct Authenticated {
    pub client: Client,
    pub method: Method,
}

/// Identifies and authenticates the calling client.
pub async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    pairs: &[(String, String)],
) -> Result<Authenticated, OAuthError> {
    let basic = basic_credentials(headers)?;
    let body_id = single(pairs, "client_id");
    let body_secret = single(pairs, "client_secret");
    let (id, secret, method) = match (basic, body_secret) {
        (Some(_), Some(_)) => {
            return Err(OAuthError::invalid_request("use one client authentication method"));
        }
        (Some((id, secret)), None) => {
            if body_id.is_some_and(|b| b != id) {
                return Err(OAuthError::invalid_request("client_id does not match the authenticated client"));
            }
            (id, Some(secret), Method::Basic)
        }
        (None, Some(secret)) => match body_id {
            Some(id) => (id.to_string(), Some(secret.to_string()), Method::Post),
            None => return Err(OAuthError::invalid_client(false)),
        },
        (None, None) => match body_id {
            Some(id) => (id.to_string(), None, Method::None),
            None => return Err(OAuthError::invalid_client(false)),
        },
    };
    let is_basic = method == Method::Basic;
    let Some(client) = state.clients.get(&id).await? else {
        return Err(OAuthError::invalid_client(is_basic));
    };
    let ok = match (&secret, client.is_public()) {
        (Some(s), false) => client.secret_matches(s),
        (None, true) => true,
        _ => false,
    };
    if !ok {
        return Err(OAuthError::invalid_client(is_basic));
    }
    Ok(Authenticated { client, method })
}

/// RFC 6749 §2.3.1: `Basic base64(urlencode(id) ":" urlencode(secret))`.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| OAuthError::invalid_client(true))?;
    let Some(encoded) = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic ")) else {
        return Err(OAuthError::invalid_client(true));
    };
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| OAuthError::invalid_client(true))?;
    let decoded = String::from_utf8(decoded).map_err(|_| OAuthError::invalid_client(true))?;
    let (id, secret) = decoded.split_once(':').ok_or_else(|| OAuthError::invalid_client(true))?;
    let dec = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
    };
    Ok(Some((dec(id), dec(secret))))
}
