//! CSRF protection of the provider's forms (login, consent, logout).
//!
//! Signed double-submit: the browser holds a random value in an HttpOnly, SameSite=Strict cookie
//! and the form carries HMAC(server secret, that value). A cross-site page can neither read the
//! cookie nor compute the HMAC. On top of it, a POST whose `Origin` (or `Sec-Fetch-Site`) says it
//! came from another site is refused.

use axum::http::{HeaderMap, HeaderValue};

use super::cookies::{CSRF, CookiePolicy};
use crate::secret;

/// A form's token, and the cookie to set when the browser had none yet.
pub struct FormToken {
    pub token: String,
    pub set_cookie: Option<HeaderValue>,
}

/// The token to embed in a form served with this request.
pub fn issue(key: &[u8], cookies: CookiePolicy, headers: &HeaderMap) -> FormToken {
    match cookies.get(headers, CSRF) {
        Some(value) => FormToken { token: secret::hmac_b64(key, &value), set_cookie: None },
        None => {
            let value = secret::new_secret();
            FormToken {
                token: secret::hmac_b64(key, &value),
                set_cookie: Some(cookies.set(CSRF, &value, "Strict", None)),
            }
        }
    }
}

/// Whether a POST carries a valid token and comes from our own origin.
pub fn check(
    key: &[u8],
    cookies: CookiePolicy,
    headers: &HeaderMap,
    own_origin: &str,
    presented: Option<&str>,
) -> bool {
    if !ent_web::same_origin(headers, own_origin) {
        return false;
    }
    match (cookies.get(headers, CSRF), presented) {
        (Some(value), Some(token)) => secret::ct_eq(&secret::hmac_b64(key, &value), token),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;

    fn with_cookie(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, format!("{CSRF}={v}").parse().unwrap());
        h
    }

    #[test]
    fn accepts_own_token_and_refuses_others() {
        let key = b"k";
        let policy = CookiePolicy { secure: false };
        let h = with_cookie("abc");
        let t = issue(key, policy, &h);
        assert!(t.set_cookie.is_none());
        assert!(check(key, policy, &h, "http://localhost:1", Some(&t.token)));
        assert!(!check(key, policy, &h, "http://localhost:1", None));
        assert!(!check(key, policy, &h, "http://localhost:1", Some("forged")));
        assert!(!check(key, policy, &with_cookie("other"), "http://localhost:1", Some(&t.token)));
        let mut cross = h.clone();
        cross.insert(header::ORIGIN, "http://evil.example".parse().unwrap());
        assert!(!check(key, policy, &cross, "http://localhost:1", Some(&t.token)));
        let mut fetch = h.clone();
        fetch.insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert!(!check(key, policy, &fetch, "http://localhost:1", Some(&t.token)));
    }
}
