//! Signing in and out with the provider (OpenID Connect, through the `openidconnect` crate):
//! authorization code with PKCE S256, state and nonce kept server-side for ten minutes and used
//! once, the state also bound to the browser by a cookie (no login CSRF); the ID token checked by
//! the crate (signature, issuer, audience, expiry, nonce, and `auth_time` against the `max_age`
//! of a portlet's step-up); RFC 9207 `iss` checked.

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use openidconnect::core::{CoreAuthenticationFlow, CoreJsonWebKey, CoreJwsSigningAlgorithm};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, CsrfToken, LanguageTag, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, Scope, TokenResponse,
};
use serde::Deserialize;

use crate::db::now;
use crate::error::PortalError;
use crate::i18n::Lang;
use crate::provider::{EntClient, EntTokenResponse};
use crate::redirect::{local_return, see_other};
use crate::secret;
use crate::state::PortalState;
use crate::store::{LoginRequest, NewSession, SessionSecrets};
use crate::web::{LOGIN, SAME_SITE, SESSION, csrf_ok};
use ent_web::client::{PeerAddr, address_key, client_address};

/// How long a sign-in may take at the provider.
const LOGIN_TTL: i64 = 600;
const DEFAULT_TOKEN_SECS: i64 = 300;

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(rename = "return")]
    return_to: Option<String>,
    /// A portlet's step-up (`step_up`): the sign-in must be at most this many seconds old.
    max_age: Option<String>,
}

/// How far the provider's clock and ours may disagree when `auth_time` is checked against a
/// `max_age`.
const AUTH_TIME_LEEWAY: i64 = 30;

/// The window of the sign-ins an address may start.
pub(crate) const LOGIN_WINDOW_SECS: i64 = 60;

/// GET /login: to the provider's authorization endpoint.
pub async fn login(
    State(state): State<PortalState>,
    PeerAddr(peer): PeerAddr,
    headers: HeaderMap,
    lang: Lang,
    Query(q): Query<LoginQuery>,
) -> Result<Response, PortalError> {
    // Each sign-in started is a stored row: what one address may make the portal store is bounded.
    if let Some(ip) = client_address(state.config.trusted_proxy_hops, peer, &headers) {
        let key = format!("login:{}", secret::hmac_b64(state.config.client_secret.as_bytes(), &address_key(ip)));
        let t = now();
        let counted = state.throttle.count(&key, LOGIN_WINDOW_SECS, t).await?;
        if let Some(wait) = counted.refused(state.config.max_logins_per_address, t) {
            return Err(PortalError::TooMany(wait));
        }
    }
    let max_age = match q.max_age.as_deref().filter(|m| !m.is_empty()) {
        None => None,
        Some(m) => Some(m.parse::<u32>().map_err(|_| PortalError::BadRequest)?),
    };
    let meta = state.provider.metadata().await?;
    let client = state.provider.client(&meta)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .add_scopes(["profile", "ent", "offline_access"].map(|s| Scope::new(s.into())))
        .set_pkce_challenge(challenge)
        .add_ui_locale(LanguageTag::new(lang.code().into()));
    if let Some(m) = max_age {
        // OIDC Core §3.1.2.1: the provider makes the person sign in again unless they did
        // within `max_age` seconds.
        request = request.set_max_age(std::time::Duration::from_secs(u64::from(m)));
    }
    let (url, csrf, nonce) = request.url();
    let req = LoginRequest {
        nonce: nonce.secret().clone(),
        verifier: verifier.secret().clone(),
        return_to: local_return(&state.config.public_url, q.return_to.as_deref()),
        max_age: max_age.map(i64::from),
    };
    state.store.put_login(csrf.secret(), &req, now() + LOGIN_TTL).await?;
    let mut res = see_other(url.as_str());
    res.headers_mut().append(header::SET_COOKIE, state.cookies().set(LOGIN, csrf.secret(), SAME_SITE, Some(LOGIN_TTL)));
    Ok(res)
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
}

/// GET /callback: the provider's answer; on success a new session and its cookie.
pub async fn callback(
    State(state): State<PortalState>,
    headers: HeaderMap,
    Query(cb): Query<CallbackQuery>,
) -> Result<Response, PortalError> {
    let cookies = state.cookies();
    let bound = cookies.get(&headers, LOGIN);
    let Some(st) = cb.state.as_deref() else {
        return Err(PortalError::Login("no state".into()));
    };
    // The state must be the one this browser started with, and known here (used once).
    if !bound.as_deref().is_some_and(|b| secret::ct_eq(b, st)) {
        return Err(PortalError::Login("state not bound to this browser".into()));
    }
    let Some(req) = state.store.take_login(st, now()).await? else {
        return Err(PortalError::Login("unknown, used or expired state".into()));
    };
    // RFC 9207: the answer comes from our provider (mix-up defence).
    if cb.iss.as_deref() != Some(state.provider.issuer()) {
        return Err(PortalError::Login("iss missing or not our issuer".into()));
    }
    if let Some(e) = cb.error {
        return Err(PortalError::Login(format!("provider said {e}")));
    }
    let code = cb.code.ok_or_else(|| PortalError::Login("no code".into()))?;
    let meta = state.provider.metadata().await?;
    let client = state.provider.client(&meta)?;
    let token: EntTokenResponse = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| PortalError::Internal(e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(req.verifier))
        .request_async(&state.http)
        .await
        .map_err(|e| PortalError::Login(format!("code exchange failed: {e}")))?;
    let id_token = token.id_token().ok_or_else(|| PortalError::Login("no ID token".into()))?;
    let nonce = Nonce::new(req.nonce);
    let claims = match id_token.claims(&verifier(&client, req.max_age), &nonce) {
        Ok(c) => c.clone(),
        Err(ClaimsVerificationError::InvalidAuthTime(why)) => return Err(PortalError::NotRecent(why)),
        Err(first) => {
            // Perhaps a key published since our copy of the JWKS: read it again, once.
            let meta = state.provider.refetch().await?;
            let client = state.provider.client(&meta)?;
            id_token
                .claims(&verifier(&client, req.max_age), &nonce)
                .map_err(|e| PortalError::Login(format!("ID token refused: {first}; {e}")))?
                .clone()
        }
    };
    let name = claims
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.to_string())
        .or_else(|| claims.preferred_username().map(|u| u.to_string()))
        .unwrap_or_default();
    let extra = claims.additional_claims();
    let t = now();
    let new = NewSession {
        sub: claims.subject().to_string(),
        sid: extra.sid.clone(),
        profile: extra.ent_profile.clone().unwrap_or_default(),
        secrets: SessionSecrets {
            name,
            access_token: token.access_token().secret().clone(),
            refresh_token: token.refresh_token().map(|r| r.secret().clone()),
            id_token: id_token.to_string(),
        },
        access_expires_at: t + token.expires_in().map(|d| d.as_secs() as i64).unwrap_or(DEFAULT_TOKEN_SECS),
    };
    // A session cookie from before is replaced, its session ended: never reuse an id.
    if let Some(old) = cookies.get(&headers, SESSION) {
        state.end_session(&secret::sha256_hex(&old)).await?;
    }
    let cookie = state.store.create(&new, t, t + state.config.session_max_secs as i64).await?;
    // Checked again: a sign-in stored by an older version of the portal may hold anything.
    let mut res = see_other(&local_return(&state.config.public_url, Some(&req.return_to)));
    res.headers_mut().append(header::SET_COOKIE, cookies.set(SESSION, &cookie, SAME_SITE, None));
    res.headers_mut().append(header::SET_COOKIE, cookies.clear(LOGIN));
    Ok(res)
}

/// OIDC Core §3.1.2.1: after a sign-in asked with `max_age`, the ID token's `auth_time` must be
/// present and at most `max_age` seconds old (with a little leeway for the clocks), or the
/// sign-in is refused: the provider did not make the person prove who they are again.
fn recent_enough(auth_time: Option<i64>, max_age: Option<i64>, now: i64) -> Result<(), String> {
    let Some(max_age) = max_age else { return Ok(()) };
    match auth_time {
        None => Err("no auth_time in the ID token".into()),
        Some(at) if now - at > max_age + AUTH_TIME_LEEWAY => {
            Err(format!("auth_time is {}s old, more than max_age {max_age}s", now - at))
        }
        Some(_) => Ok(()),
    }
}

/// The ID token check: the crate's (signature, `iss`, `aud`, `azp`, `exp`, `iat`), with the
/// provider's three asymmetric algorithms allowed (RS256 by default; ES256 or EdDSA when the
/// client is registered so); HMAC and `none` stay refused; and `auth_time` within `max_age` when
/// the sign-in asked for one.
fn verifier(client: &EntClient, max_age: Option<i64>) -> openidconnect::IdTokenVerifier<'_, CoreJsonWebKey> {
    client
        .id_token_verifier()
        .set_allowed_algs([
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            CoreJwsSigningAlgorithm::EcdsaP256Sha256,
            CoreJwsSigningAlgorithm::EdDsa,
        ])
        .set_auth_time_verifier_fn(move |at| recent_enough(at.map(|a| a.timestamp()), max_age, now()))
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

/// POST /logout: ends the portal session, then the provider's (RP-initiated logout).
pub async fn logout(
    State(state): State<PortalState>,
    lang: Lang,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Result<Response, PortalError> {
    let cookies = state.cookies();
    let Some(session) = state.session(&headers).await? else {
        let mut res = see_other("/");
        res.headers_mut().append(header::SET_COOKIE, cookies.clear(SESSION));
        return Ok(res);
    };
    if !csrf_ok(&headers, &state.config.public_origin(), &session.cookie, form.csrf.as_deref()) {
        return Err(PortalError::Csrf);
    }
    state.end_session(&session.id_hash).await?;
    let target = match state.provider.metadata().await {
        Ok(meta) => match &meta.additional_metadata().end_session_endpoint {
            Some(end) => {
                let mut url = end.url().clone();
                url.query_pairs_mut()
                    .append_pair("id_token_hint", &session.secrets.id_token)
                    .append_pair("post_logout_redirect_uri", &state.config.post_logout_redirect_uri())
                    .append_pair("client_id", &state.config.client_id)
                    .append_pair("ui_locales", lang.code());
                url.to_string()
            }
            None => "/".to_string(),
        },
        // The portal session is over whatever happens; the provider's may outlive it.
        Err(_) => "/".to_string(),
    };
    let mut res = see_other(&target);
    res.headers_mut().append(header::SET_COOKIE, cookies.clear(SESSION));
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::recent_enough;

    #[test]
    fn auth_time_must_be_within_max_age() {
        let now = 1_800_000_000;
        assert!(recent_enough(None, None, now).is_ok(), "no max_age asked: nothing to check");
        assert!(recent_enough(Some(now - 100_000), None, now).is_ok());
        assert!(recent_enough(Some(now - 10), Some(300), now).is_ok());
        assert!(recent_enough(Some(now - 300), Some(300), now).is_ok());
        assert!(recent_enough(Some(now - 20), Some(0), now).is_ok(), "within the clocks' leeway");
        assert!(recent_enough(Some(now - 400), Some(300), now).is_err());
        assert!(recent_enough(Some(now - 3600), Some(0), now).is_err());
        assert!(recent_enough(None, Some(300), now).is_err(), "a max_age asked needs an auth_time");
    }
}
