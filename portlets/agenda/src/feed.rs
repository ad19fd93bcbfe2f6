//! The public feed route (`GET /public/feed/{token}.ics`, through the portal's
//! `/pub/agenda/feed/{token}.ics`): a person's agenda as iCalendar for the applications they
//! subscribe with — no login, the token in the path is the only key. What it shows is what the
//! token's owner could read (their events, the classes and schools kept with the token) and
//! those schools' holidays. An unknown, revoked or malformed token is the one `404` of public
//! routes. Each address may ask [`PER_ADDRESS`] times an hour, counted before the token is even
//! looked up, and each token [`PER_TOKEN`] times (an address copied around is soon useless):
//! past it, `429` with `Retry-After`. Calendars are told to come back hourly (the feed's
//! `REFRESH-INTERVAL` and `X-PUBLISHED-TTL`), and `Cache-Control` says the same.

use std::sync::atomic::Ordering;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration};
use ent_portlet_kit::public::{self, ClientAddress};
use ent_portlet_kit::{Ctx, PortletError};
use ent_web::secret::hmac_b64;

use crate::App;
use crate::ical::{FeedInfo, write_feed};
use crate::model::Uai;
use crate::store::feed_since;
use crate::texts::texts;

/// The window of the counts, in seconds.
pub const WINDOW_SECS: i64 = 3600;
/// Feeds one address may ask for per window (a school's or a family's network, several
/// devices and applications each polling hourly, and room for their retries).
pub const PER_ADDRESS: i64 = 300;
/// Feeds one token may be asked for per window (a person's few devices, polling hourly).
pub const PER_TOKEN: i64 = 60;
/// How long a fetched feed may be kept: the feed's `REFRESH` (`PT1H`).
pub const MAX_AGE_SECS: i64 = 3600;
/// Every so many feeds asked for, the counts whose window ended are purged.
const PURGE_EVERY: u64 = 500;
/// How far ahead the feed's holidays reach.
const HOLIDAYS_AHEAD_DAYS: i64 = 400;
/// The `UID` domain when the portal did not say its host.
const UID_DOMAIN: &str = "ent.invalid";

/// The key of the counts' digests: neither addresses nor tokens are stored.
async fn throttle_key(state: &App) -> Result<String, PortletError> {
    if let Some(key) = state.throttle_key.get() {
        return Ok(key.clone());
    }
    let key = state.store.secret("throttle").await?;
    Ok(state.throttle_key.get_or_init(|| key).clone())
}

/// Counts one request on `key`; the answer to give when it is over `max`.
async fn over(state: &App, key: &str, max: i64, now: i64) -> Result<Option<Response>, PortletError> {
    let counted = state.throttle.count(key, WINDOW_SECS, now).await?;
    Ok(counted.refused(max, now).map(public::too_many))
}

/// GET /public/feed/{token}.ics
pub async fn feed(
    State(state): State<App>,
    ctx: Ctx,
    address: ClientAddress,
    Path(file): Path<String>,
) -> Result<Response, PortletError> {
    let now = state.now();
    let key = throttle_key(&state).await?;
    if state.feeds_asked.fetch_add(1, Ordering::Relaxed) % PURGE_EVERY == PURGE_EVERY - 1 {
        state.throttle.purge_expired(WINDOW_SECS, now).await?;
    }
    let by_address = format!("feed-address:{}", hmac_b64(key.as_bytes(), &address.key()));
    if let Some(refused) = over(&state, &by_address, PER_ADDRESS, now).await? {
        return Ok(refused);
    }
    let token = file.strip_suffix(".ics").unwrap_or(&file);
    let Some(access) = state.store.feed_access(token).await? else {
        return Ok(public::not_found());
    };
    let by_token = format!("feed-token:{}", hmac_b64(key.as_bytes(), token));
    if let Some(refused) = over(&state, &by_token, PER_TOKEN, now).await? {
        return Ok(refused);
    }

    let at = DateTime::from_timestamp(now, 0).unwrap_or_default();
    let since = feed_since(at);
    let events = state.store.feed_events(&access.readable(), since).await?;
    let schools: Vec<Uai> = access.scopes.schools().iter().cloned().collect();
    let (first, last) = (crate::paris::day_of(since), crate::paris::day_of(at + Duration::days(HOLIDAYS_AHEAD_DAYS)));
    let holidays = state.store.holidays_between(&schools, first, last).await?;
    let domain = ctx.public_host().unwrap_or_else(|| UID_DOMAIN.to_string());
    let info = FeedInfo { name: texts(ctx.lang).feed_name, uid_domain: &domain, generated_at: at };
    let body = write_feed(&info, &events, &holidays);

    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/calendar; charset=utf-8"));
    // The feed is one person's: no shared cache keeps it, and calendars keep it an hour.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_str(&format!("private, max-age={MAX_AGE_SECS}")).map_err(PortletError::internal)?,
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cache_lasts_what_the_feed_says() {
        assert_eq!(crate::ical::REFRESH, format!("PT{}H", super::MAX_AGE_SECS / 3600));
    }
}
