//! OpenID Connect Back-Channel Logout 1.0, sent by the provider: the deliverer takes due notices
//! from the outbox (`store::logout_notices`), posts a logout token to each client's
//! `backchannel_logout_uri`, and retries with backoff until the client answers 2xx or a day has
//! passed.
//!
//! It runs in every provider process (spawned by `app::serve`): a logout at this instance wakes
//! it at once; notices queued elsewhere (the directory sync is another process, or another
//! instance) are found by polling every few seconds. The claim is exclusive across instances.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::task::JoinSet;

use super::claims::subject_for;
use super::tokens::session_id_for;
use crate::db::{DbError, now};
use crate::secret;
use crate::state::AppState;
use crate::store::audit::AuditEvent;
use crate::store::clients::Client;
use crate::store::logout_notices::Notice;

/// The event a logout token carries (Back-Channel Logout 1.0 §2.4).
pub const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// The logout token's JWS `typ` (§2.4, as recommended by RFC 8725 §3.11).
pub const TYP: &str = "logout+jwt";

/// How long a logout token is valid: enough for the post and a slow receiver.
const TOKEN_TTL_SECS: i64 = 120;
/// How long a post may take; the client's tardiness must not hold the outbox.
const POST_TIMEOUT: Duration = Duration::from_secs(5);
/// A claimed notice is not due again before this, even if its deliverer died mid-post.
const LEASE_SECS: i64 = 60;
/// Notices claimed at once.
const BATCH: i64 = 50;
/// How often to look for notices queued by other processes.
const POLL: Duration = Duration::from_secs(3);
/// First retry after this; then doubling, at most [`MAX_BACKOFF_SECS`].
const FIRST_BACKOFF_SECS: i64 = 10;
const MAX_BACKOFF_SECS: i64 = 3600;
/// A notice still undelivered this long after the logout is given up (and audited).
const GIVE_UP_AFTER_SECS: i64 = 24 * 3600;

/// The deliverer's loop: runs until the task is aborted.
pub async fn run(state: AppState) {
    let http = match http_client() {
        Ok(h) => h,
        Err(e) => {
            tracing::error!(error = %e, "back-channel logout: no HTTP client, notices stay queued");
            return;
        }
    };
    loop {
        match deliver_due(&state, &http).await {
            // A full batch: more may be waiting.
            Ok(n) if n as i64 == BATCH => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "back-channel logout: delivery round failed"),
        }
        tokio::select! {
            _ = state.logout_notices_queued.notified() => {}
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}

/// The client the deliverer posts with: short timeout, no redirects (a redirect could carry the
/// token elsewhere), no cookies.
pub fn http_client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder().timeout(POST_TIMEOUT).redirect(reqwest::redirect::Policy::none()).build()
}

/// Claims the due notices and delivers them concurrently. Returns how many were claimed.
pub async fn deliver_due(state: &AppState, http: &reqwest::Client) -> Result<usize, DbError> {
    let notices = state.logout_notices.claim_due(BATCH, LEASE_SECS).await?;
    let claimed = notices.len();
    let mut posts = JoinSet::new();
    for notice in notices {
        let (state, http) = (state.clone(), http.clone());
        posts.spawn(async move { deliver(&state, &http, notice).await });
    }
    while let Some(done) = posts.join_next().await {
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "back-channel logout: could not record a delivery"),
            Err(e) => tracing::error!(error = %e, "back-channel logout: delivery task failed"),
        }
    }
    Ok(claimed)
}

async fn deliver(state: &AppState, http: &reqwest::Client, notice: Notice) -> Result<(), DbError> {
    let client = state.clients.get(&notice.client_id).await?;
    // The client no longer wants notices (or is gone): nothing to deliver.
    let Some((client, uri)) = client.and_then(|c| c.backchannel_logout_uri.clone().map(|u| (c, u))) else {
        return state.logout_notices.remove(notice.id).await;
    };
    let token = match logout_token(state, &client, &notice) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, client = %client.id, "back-channel logout: cannot sign the logout token");
            return reschedule(state, &notice).await;
        }
    };
    let body = url::form_urlencoded::Serializer::new(String::new()).append_pair("logout_token", &token).finish();
    let sent = http
        .post(&uri)
        .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await;
    match sent {
        Ok(res) if res.status().is_success() => state.logout_notices.remove(notice.id).await,
        Ok(res) => {
            tracing::warn!(client = %client.id, status = %res.status(), attempt = notice.attempts, "back-channel logout refused");
            reschedule(state, &notice).await
        }
        Err(e) => {
            // The error names the URL, which is the client's, not the person's.
            tracing::warn!(client = %client.id, error = %e, attempt = notice.attempts, "back-channel logout failed");
            reschedule(state, &notice).await
        }
    }
}

/// After a failed attempt: due again after the backoff, or given up once a day has passed.
async fn reschedule(state: &AppState, notice: &Notice) -> Result<(), DbError> {
    let t = now();
    let at = t + backoff_secs(notice.attempts);
    if at > notice.created_at + GIVE_UP_AFTER_SECS {
        state.logout_notices.remove(notice.id).await?;
        state
            .audit(
                AuditEvent::new("logout.backchannel", "given_up")
                    .client(&notice.client_id)
                    .detail(json!({ "attempts": notice.attempts })),
            )
            .await;
        return Ok(());
    }
    state.logout_notices.retry_at(notice.id, at).await
}

/// 10 s after the first attempt, doubling, at most an hour.
pub fn backoff_secs(attempts: i64) -> i64 {
    let doublings = attempts.saturating_sub(1).clamp(0, 20) as u32;
    FIRST_BACKOFF_SECS.saturating_mul(1 << doublings).min(MAX_BACKOFF_SECS)
}

/// The logout token (§2.4): signed like the client's ID tokens, `typ: logout+jwt`; the `sub`
/// the client knows, the `sid` its ID tokens carried (when one session ended), the event, and
/// never a nonce.
pub fn logout_token(state: &AppState, client: &Client, notice: &Notice) -> Result<String, crate::jose::JoseError> {
    let iat = now();
    let mut claims = json!({
        "iss": state.config.issuer_str(),
        "aud": client.id,
        "iat": iat,
        "exp": iat + TOKEN_TTL_SECS,
        "jti": secret::new_id(),
        "sub": subject_for(state, client, &notice.public_sub),
        "events": { EVENT: {} },
    });
    if let (Some(sid), Value::Object(map)) = (&notice.session_id, &mut claims) {
        map.insert("sid".into(), json!(session_id_for(state, &client.id, sid)));
    }
    let keys = state.keys.get();
    let signer = keys.signer(client.id_token_alg).ok_or(crate::jose::JoseError::UnknownKey)?;
    signer.sign_json(Some(TYP), &claims)
}

#[cfg(test)]
mod tests {
    use super::backoff_secs;

    #[test]
    fn backoff_doubles_from_ten_seconds_up_to_an_hour() {
        let steps: Vec<i64> = (1..=11).map(backoff_secs).collect();
        assert_eq!(steps, vec![10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]);
        assert_eq!(backoff_secs(0), 10);
        assert_eq!(backoff_secs(i64::MAX), 3600);
    }
}
