//! Sign-in attempts (a password, or an activation code and a new password) and their
//! throttling, per account and per client address. Both pages fill the same counters, so a
//! guesser gains nothing by switching pages. Keys are keyed digests: neither logins nor
//! addresses are stored.

use std::net::IpAddr;

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

use crate::db::DbError;
use crate::state::AppState;
use crate::web::i18n::Messages;

/// The counters one attempt touches.
pub struct Attempts {
    account: String,
    address: Option<String>,
}

impl Attempts {
    /// The counters of `login` (already normalised) from this client. The address is the TCP
    /// peer's, or the first `X-Forwarded-For` hop when a trusted proxy stands in front.
    pub fn new(state: &AppState, login: &str, peer: Option<IpAddr>, headers: &HeaderMap) -> Attempts {
        let ip = match state.config.trust_forwarded_for {
            true => crate::web::forwarded_ip(headers).or(peer),
            false => peer,
        };
        let key = |v: &str| crate::secret::hmac_b64(&state.csrf_secret, v);
        Attempts {
            account: format!("acct:{}", key(login)),
            address: ip.map(|ip| format!("addr:{}", key(&ip.to_string()))),
        }
    }

    /// Seconds until this account or address may try again, if either is locked.
    pub async fn locked_for(&self, state: &AppState) -> Result<Option<i64>, DbError> {
        let mut longest = None;
        for key in std::iter::once(&self.account).chain(self.address.as_ref()) {
            longest = longest.max(state.throttle.locked_for(key).await?);
        }
        Ok(longest)
    }

    /// Counts a failure on both counters.
    pub async fn failed(&self, state: &AppState) -> Result<(), DbError> {
        let window = state.config.throttle_window.as_secs() as i64;
        state.throttle.fail(&self.account, state.config.max_failures_per_account, window).await?;
        if let Some(k) = &self.address {
            state.throttle.fail(k, state.config.max_failures_per_address, window).await?;
        }
        Ok(())
    }

    /// A success clears the account's counter (not the address's: one success from a shared
    /// address must not reset what other accounts' failures counted).
    pub async fn succeeded(&self, state: &AppState) -> Result<(), DbError> {
        state.throttle.clear(&self.account).await
    }
}

/// The "too many attempts" sentence, with the minutes left.
pub fn throttled_message(t: &'static Messages, secs: i64) -> String {
    format!("{} {}).", t.throttled, (secs + 59) / 60)
}

/// Adds `Retry-After` (RFC 9110 §10.2.3) to a throttled answer.
pub fn retry_after(mut res: Response, secs: i64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}
