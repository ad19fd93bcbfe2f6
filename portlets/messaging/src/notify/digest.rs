//! The daily digest run: for each confirmed subscription, once a day at [`DIGEST_HOUR`] Paris
//! time — moved to when every one of the person's schools' notification hours are open — one
//! e-mail saying how many unread messages were delivered since the last digest and from whom.
//! Never a message's subject or text. A day with nothing unread sends nothing (and still counts
//! as that day's digest). The kit runs it every [`INTERVAL_SECS`] on one instance at a time;
//! each digest is claimed by a conditional update before its mail leaves, and given back if the
//! mail could not be sent, so nobody gets a day's digest twice.

use std::collections::HashMap;

use ent_portlet_kit::calendar::Date;
use ent_portlet_kit::jobs::{Job, JobError};
use ent_portlet_kit::mail::{Mail, Mailer};
use ent_portlet_kit::window::Window;

use super::texts::texts;
use crate::App;
use crate::store::Store;
use crate::store::digest::Subscription;

/// Seconds after noon (Paris) of the digest's hour: 17:00, when families are home.
pub const DIGEST_HOUR: i64 = 5 * 3600;
/// How often the run looks for digests due.
pub const INTERVAL_SECS: u64 = 900;
/// Subscriptions read at a time.
const BATCH: i64 = 200;

/// Messaging's jobs: the digest, when the portlet can send mail.
pub fn jobs(state: App) -> Vec<Job> {
    if state.mailer().is_none() {
        return Vec::new();
    }
    vec![Job::new("digest", INTERVAL_SECS, move || {
        let state = state.clone();
        async move {
            let Some(mailer) = state.mailer() else { return Ok(()) };
            run(&state.store, mailer, state.now()).await.map(|_| ())
        }
    })]
}

/// The first moment after `last` at which the next digest may go: the next 17:00, or the first
/// moment after it when all these hours are open (the first window's alone when they never are
/// together within a week).
pub fn next_due(last: i64, windows: &[Window]) -> i64 {
    let day = Date::paris(last);
    let mut at = day.paris_noon() + DIGEST_HOUR;
    if at <= last {
        at = day.add_days(1).paris_noon() + DIGEST_HOUR;
    }
    match windows.first() {
        None => Window::default().next_open(at),
        Some(first) => together(windows, at).unwrap_or_else(|| first.next_open(at)),
    }
}

/// Whether a digest may leave at `now`: every school's hours allow it, or (when they are never
/// open together) the first school's do — the rule [`next_due`] follows, checked again because a
/// run may come long after the moment it found (the service was down over a weekend).
pub fn open(now: i64, windows: &[Window]) -> bool {
    match windows.first() {
        None => Window::default().allows(now),
        Some(first) => match together(windows, now) {
            Some(t) => t == now,
            None => first.allows(now),
        },
    }
}

/// The first moment from `from` at which all these hours are open, within about a week.
fn together(windows: &[Window], from: i64) -> Option<i64> {
    let mut t = from;
    for _ in 0..64 {
        t = windows.iter().fold(t, |t, w| w.next_open(t));
        if windows.iter().all(|w| w.allows(t)) {
            return Some(t);
        }
        if t - from > 8 * 24 * 3600 {
            break;
        }
    }
    None
}

/// What one run did (counts only: nothing personal).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sent {
    pub mails: usize,
    pub quiet: usize,
    pub failed: usize,
}

/// Sends the digests due at `now`.
pub async fn run(store: &Store, mailer: &Mailer, now: i64) -> Result<Sent, JobError> {
    let mut windows: HashMap<String, Window> = HashMap::new();
    let mut sent = Sent::default();
    let mut after = String::new();
    loop {
        // A digest at most every 12 hours, whatever the hours say.
        let batch = store.digests_due(now - 12 * 3600, &after, BATCH).await?;
        let Some(last) = batch.last() else { break };
        after = last.sub.clone();
        for s in &batch {
            let mut hours = Vec::new();
            for school in &s.schools {
                if !windows.contains_key(school) {
                    windows.insert(school.clone(), store.window(school).await?);
                }
                hours.extend(windows.get(school).cloned());
            }
            let since = s.last_sent_at.or(s.confirmed_at).unwrap_or(s.created_at);
            if now < next_due(since, &hours) || !open(now, &hours) {
                continue;
            }
            one(store, mailer, s, since, now, &mut sent).await?;
        }
        if (batch.len() as i64) < BATCH {
            break;
        }
    }
    if sent.mails + sent.failed > 0 {
        tracing::info!(mails = sent.mails, quiet = sent.quiet, failed = sent.failed, "digests sent");
    }
    Ok(sent)
}

async fn one(
    store: &Store,
    mailer: &Mailer,
    s: &Subscription,
    since: i64,
    now: i64,
    sent: &mut Sent,
) -> Result<(), JobError> {
    if !store.claim_digest(&s.sub, s.last_sent_at, now).await? {
        return Ok(());
    }
    let unread = store.unread_since(&s.sub, since).await?;
    if unread.count == 0 {
        sent.quiet += 1;
        return Ok(());
    }
    let t = texts(s.lang);
    let others = unread.author_count - unread.authors.len() as i64;
    let from = t.from_whom(&unread.authors, others);
    let mail = Mail {
        to: s.email.clone(),
        subject: t.digest_subject(unread.count),
        text: t.digest_text(unread.count, &from, s.link.as_deref()),
    };
    match mailer.send(mail).await {
        Ok(()) => sent.mails += 1,
        Err(e) => {
            sent.failed += 1;
            tracing::warn!(error = %e, "a digest could not be sent; it will be tried again");
            store.release_digest(&s.sub, now, s.last_sent_at).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paris(y: i64, m: u32, d: u32, h: i64, min: i64) -> i64 {
        Date::from_ymd(y, m, d).expect("day").paris_noon() + (h - 12) * 3600 + min * 60
    }

    #[test]
    fn the_digest_goes_at_five_on_school_days() {
        let w = [Window::default()];
        // Tuesday 8 December 2026, 09:00 → the same day at 17:00.
        assert_eq!(next_due(paris(2026, 12, 8, 9, 0), &w), paris(2026, 12, 8, 17, 0));
        // After Tuesday's digest → Wednesday 17:00.
        assert_eq!(next_due(paris(2026, 12, 8, 17, 0), &w), paris(2026, 12, 9, 17, 0));
        // Friday's → Saturday 17:00 is closed: Monday 07:00.
        assert_eq!(next_due(paris(2026, 12, 11, 17, 5), &w), paris(2026, 12, 14, 7, 0));
    }

    #[test]
    fn an_overdue_digest_still_waits_for_the_hours() {
        let w = [Window::default()];
        assert!(!open(paris(2026, 12, 11, 21, 0), &w), "Friday 21:00");
        assert!(!open(paris(2026, 12, 12, 10, 0), &w), "Saturday morning");
        assert!(open(paris(2026, 12, 14, 7, 0), &w), "Monday 07:00");
        assert!(open(paris(2026, 12, 14, 7, 0), &[]), "no hours stored: the default");
        let never_together: Window = "sat 08:00-12:00".parse().expect("hours");
        assert!(open(paris(2026, 12, 14, 9, 0), &[Window::default(), never_together]));
    }

    #[test]
    fn several_schools_wait_for_all_their_hours() {
        let late: Window = "mon-fri 18:00-20:00".parse().expect("hours");
        let w = [Window::default(), late];
        assert_eq!(next_due(paris(2026, 12, 8, 9, 0), &w), paris(2026, 12, 8, 18, 0));
        let never_together: Window = "sat 08:00-12:00".parse().expect("hours");
        let w = [Window::default(), never_together];
        // No moment is open in both: the first school's hours decide.
        assert_eq!(next_due(paris(2026, 12, 8, 9, 0), &w), paris(2026, 12, 8, 17, 0));
    }
}
