//! Sign-in attempts (a password, a directory password checked by an LDAP bind, or an activation
//! code and a new password) and their limits, per account and per client address. Every page
//! fills the same counters, so a guesser gains nothing by switching pages. Keys are keyed
//! digests: neither logins nor addresses are stored.
//!
//! An attempt is counted before anything is verified ([`Attempts::admit`]): the count is what
//! stops 200 concurrent guesses, not a lock read before them. The account counts every attempt
//! in its window (a success starts it again); the address counts failures only (a success gives
//! its attempt back, so a school's pupils signing in behind one address at 8:20 do not lock it).

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
    /// The counters of `login` (already normalised) from this client (see
    /// [`crate::web::client_address`]).
    pub fn new(state: &AppState, login: &str, peer: Option<IpAddr>, headers: &HeaderMap) -> Attempts {
        let key = |v: &str| crate::secret::hmac_b64(&state.csrf_secret, v);
        Attempts {
            account: format!("acct:{}", key(login)),
            address: client_key(state, peer, headers).map(|a| format!("addr:{a}")),
        }
    }

    /// Counts this attempt on the account, then on the address; `Some(seconds to wait)` when
    /// either is over its limit, and then the attempt must not be tried. An attempt the address
    /// refuses is given back to the account (it was not tried).
    pub async fn admit(&self, state: &AppState) -> Result<Option<i64>, DbError> {
        let t = state.clock.now();
        let window = state.config.throttle_window.as_secs() as i64;
        let account = state.throttle.count(&self.account, window, t).await?;
        if let Some(wait) = account.refused(state.config.max_failures_per_account, t) {
            return Ok(Some(wait));
        }
        if let Some(k) = &self.address {
            let address = state.throttle.count(k, window, t).await?;
            if let Some(wait) = address.refused(state.config.max_failures_per_address, t) {
                state.throttle.uncount(&self.account).await?;
                return Ok(Some(wait));
            }
        }
        Ok(None)
    }

    /// A success starts the account's count again and gives the address its attempt back (one
    /// success from a shared address must not wipe what other accounts' failures counted).
    pub async fn succeeded(&self, state: &AppState) -> Result<(), DbError> {
        state.throttle.clear(&self.account).await?;
        if let Some(k) = &self.address {
            state.throttle.uncount(k).await?;
        }
        Ok(())
    }
}

/// The keyed digest of this client's address (or its IPv6 network), as the limits count it.
pub fn client_key(state: &AppState, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<String> {
    let ip = crate::web::client_address(state.config.trusted_proxy_hops, peer, headers)?;
    Some(crate::secret::hmac_b64(&state.csrf_secret, &crate::web::address_key(ip)))
}

/// Counts one parked request (or passkey-alone ceremony) for this client address; `Some(seconds
/// to wait)` when the address parked its allowance for this minute, and then nothing is stored.
pub async fn admit_parking(
    state: &AppState,
    peer: Option<IpAddr>,
    headers: &HeaderMap,
) -> Result<Option<i64>, DbError> {
    let Some(key) = client_key(state, peer, headers) else { return Ok(None) };
    let t = state.clock.now();
    let counted = state.throttle.count(&format!("park:{key}"), PARKING_WINDOW_SECS, t).await?;
    Ok(counted.refused(state.config.max_parked_per_address, t))
}

/// The window of the parking allowance.
pub const PARKING_WINDOW_SECS: i64 = 60;

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
