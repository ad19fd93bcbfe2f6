//! The private address and its feed, through the router as the portal forwards them: the
//! address is shown once, the feed it opens is read by two independent iCalendar parsers
//! (`calcard` with its own recurrence expansion; the `ical` crate with `rrule` on the feed's own
//! zoned times) and its occurrences are exactly those the person's month views show; what the
//! person may not see is not in it. Making a new address ends the old one, deleting it ends it:
//! the same 404 as for any unknown address. Each address and each client address may ask a
//! bounded number of times an hour: then 429 with `Retry-After`, until the window ends.
#![allow(clippy::unwrap_used)]

mod common;
mod pages;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use common::{Occ, calcard_occurrences, rrule_occurrences};
use ent_portlet_agenda::MIGRATIONS;
use ent_portlet_agenda::holidays::{HolidayPeriod, Zone};
use ent_portlet_agenda::model::{Author, EventContent, Schedule, Sub, Title, Uai, When};
use ent_portlet_agenda::paris;
use ent_portlet_agenda::recurrence::{Recurrence, Window};
use ent_portlet_kit::testing::Answer;
use pages::{Agenda, Shown, at, day, shown};

const FEED_PER_TOKEN: usize = 60;
const FEED_PER_ADDRESS: usize = 300;

async fn event(h: &Agenda, key: &str, title: &str, schedule: Schedule) {
    let (scope, author) = h.scope_of(key);
    let author = Author::new(Sub::parse(&author.sub).unwrap(), author.display_name());
    let content = EventContent { title: Title::parse(title).unwrap(), place: None, description: None, schedule };
    h.store.create(&scope, &author, &content).await.unwrap();
}

fn repeating(when: When, rule: &str, exceptions: &[&str]) -> Schedule {
    Schedule::repeating(when, Recurrence::parse(rule).unwrap(), exceptions.iter().map(|d| day(d)).collect()).unwrap()
}

/// A spring term: a weekly lesson across the clock change with a day out, a week away, the
/// school's monthly meeting, the parent's own appointment; and what the parent may not see.
async fn term(h: &Agenda) {
    let lesson = When::timed(at("2025-03-04 08:30"), at("2025-03-04 09:30")).unwrap();
    event(h, "a1", "Piscine", repeating(lesson, "FREQ=WEEKLY;BYDAY=TU;UNTIL=20250630", &["2025-04-15"])).await;
    event(h, "a1", "Classe verte", Schedule::once(When::all_day(day("2025-05-12"), day("2025-05-16")).unwrap())).await;
    let meeting = When::timed(at("2025-03-28 17:00"), at("2025-03-28 18:00")).unwrap();
    event(h, "sa", "Conseil d'école", repeating(meeting, "FREQ=MONTHLY;BYDAY=-1FR;COUNT=4", &[])).await;
    event(
        h,
        "pp",
        "Rendez-vous orthophoniste",
        Schedule::once(When::timed(at("2025-03-20 18:00"), at("2025-03-20 18:45")).unwrap()),
    )
    .await;
    let elsewhere = Schedule::once(When::timed(at("2025-03-06 10:00"), at("2025-03-06 11:00")).unwrap());
    for (key, title) in [("a2", "secret-class-a2"), ("sb", "secret-school-b"), ("pt", "secret-own-teacher-a1")] {
        event(h, key, title, elsewhere.clone()).await;
    }
    let spring = HolidayPeriod::new("Vacances de printemps", day("2025-04-12"), day("2025-04-27")).unwrap();
    let uai = Uai::parse(ent_portlet_kit::testing::SCHOOL_A).unwrap();
    h.store.replace_holidays(&uai, &Zone::new("Zone A").unwrap(), &[spring]).await.unwrap();
}

/// Makes an address as the subscription page does; the token in it.
async fn subscribe(h: &Agenda, who: &ent_portlet_kit::Identity) -> String {
    let a = h.post(who, "/view/subscription", &[]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    h.assert_fragment_rules(&a.body);
    let address = a.body.split("id=\"sub-address\" value=\"").nth(1).unwrap().split('"').next().unwrap();
    let prefix = format!("{}/feed/", h.public_base);
    assert!(address.starts_with(&prefix) && address.ends_with(".ics"), "{address}");
    address.trim_start_matches(&prefix).trim_end_matches(".ics").to_string()
}

async fn feed(h: &Agenda, token: &str, client: &str) -> Answer {
    h.get_public(&format!("/public/feed/{token}.ics"), client).await
}

/// A parser's occurrences as the views' lines: the event, its first day, its start.
fn as_shown(by_uid: std::collections::BTreeMap<String, Vec<Occ>>) -> BTreeSet<Shown> {
    let mut out = BTreeSet::new();
    for (uid, occs) in by_uid {
        let Some(id) = uid.strip_suffix("@ent.test") else { continue };
        if id.starts_with("holiday-") {
            continue;
        }
        for occ in occs {
            out.insert(match occ {
                Occ::Days(first, _) => Shown { event: id.to_string(), first_day: first, start: None },
                Occ::Span(start, _) => {
                    Shown { event: id.to_string(), first_day: paris::day_of(start), start: Some(start) }
                }
            });
        }
    }
    out
}

ent_storage::both_backends!(MIGRATIONS; the_feed_shows_what_the_views_show_and_nothing_else, |db| async move {
    let h = Agenda::new(db);
    term(&h).await;
    let parent = &h.net.parent_a1;
    let token = subscribe(&h, parent).await;

    let a = feed(&h, &token, "198.51.100.7").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.headers["content-type"], "text/calendar; charset=utf-8");
    assert_eq!(a.headers["cache-control"], "private, max-age=3600");
    let text = a.body;
    for line in ["REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL:PT1H", "TZID:Europe/Paris", "SUMMARY:Vacances de printemps"] {
        assert!(text.contains(line), "{line}");
    }
    for hidden in ["secret-class-a2", "secret-school-b", "secret-own-teacher-a1"] {
        assert!(!text.contains(hidden), "{hidden} is in the parent's feed");
    }

    // What the parent's month views show, March to June.
    let mut views = BTreeSet::new();
    for month in ["2025-03", "2025-04", "2025-05", "2025-06"] {
        let page = h.get(parent, &format!("/view/month?month={month}")).await.body;
        views.extend(shown(&page, &h.base));
        if month == "2025-04" {
            assert!(page.contains("Vacances de printemps"), "the holidays are in April's view");
        }
    }
    assert!(views.len() > 20, "{views:?}");
    let window = Window::days(day("2025-03-01"), day("2025-06-30")).unwrap();
    assert_eq!(as_shown(calcard_occurrences(&text, &window)), views, "calcard");
    assert_eq!(as_shown(rrule_occurrences(&text, &window)), views, "ical and rrule");
    // The lesson keeps its 8:30 on both sides of the clock change.
    let starts: Vec<String> = views
        .iter()
        .filter_map(|s| s.start)
        .map(|t: DateTime<Utc>| paris::at(t).format("%H:%M").to_string())
        .filter(|t| t.starts_with("08"))
        .collect();
    assert!(starts.len() > 10 && starts.iter().all(|t| t == "08:30"), "{starts:?}");
});

ent_storage::both_backends!(MIGRATIONS; a_new_address_ends_the_old_one_and_deleting_ends_it, |db| async move {
    let h = Agenda::new(db);
    let pupil = &h.net.pupil_a1;
    let page = h.get(pupil, "/view/subscription").await.body;
    assert!(page.contains("Vous n&#39;avez pas d&#39;adresse privée.") && page.contains("Thunderbird"), "{page}");
    let first = subscribe(&h, pupil).await;
    let page = h.get(pupil, "/view/subscription").await.body;
    assert!(page.contains("a été créée le ") && !page.contains(&first), "shown once: {page}");
    let second = subscribe(&h, pupil).await;
    assert_ne!(first, second);
    let unknown = feed(&h, &first, "198.51.100.7").await;
    assert_eq!(unknown.status, 404, "the old address is gone");
    assert_eq!(feed(&h, &second, "198.51.100.7").await.status, 200);

    let a = h.post(pupil, "/view/subscription/revoke", &[]).await;
    assert_eq!((a.status.as_u16(), a.location().as_str()), (303, "/view/subscription"));
    let revoked = feed(&h, &second, "198.51.100.7").await;
    assert_eq!(revoked.status, 404);
    let malformed = feed(&h, "not-a-token", "198.51.100.7").await;
    let made_up = feed(&h, &"A".repeat(43), "198.51.100.7").await;
    for other in [&revoked, &malformed, &made_up] {
        assert_eq!((other.status, &other.body), (unknown.status, &unknown.body), "one 404 whatever the reason");
    }
    // Without the portal's public address, no address is made.
    let req = h.request("POST", Some(&h.token(pupil)), "/view/subscription", "fr");
    let mut req = req.body(axum::body::Body::empty()).unwrap();
    req.headers_mut().remove("x-ent-public-base");
    let a = h.call(req).await;
    assert_eq!(a.status, 503);
    assert!(h.store.feed_token_dates(&Sub::parse(&pupil.sub).unwrap()).await.unwrap().is_none());
});

ent_storage::both_backends!(MIGRATIONS; each_address_and_each_client_is_rate_limited, |db| async move {
    let h = Agenda::new(db);
    let token = subscribe(&h, &h.net.parent_a2).await;
    // One token, from several clients: its own limit.
    for i in 0..FEED_PER_TOKEN {
        let a = feed(&h, &token, &format!("203.0.113.{}", i % 50)).await;
        assert_eq!(a.status, 200, "request {i}");
    }
    let a = feed(&h, &token, "203.0.113.99").await;
    assert_eq!(a.status, 429);
    let wait: i64 = a.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=3600).contains(&wait), "{wait}");
    h.clock.advance(wait);
    assert_eq!(feed(&h, &token, "203.0.113.99").await.status, 200, "the window ended");

    // One client, guessing: its own limit, before any address is looked up.
    for i in 0..FEED_PER_ADDRESS {
        let a = feed(&h, &format!("{:0>43}", i), "192.0.2.10").await;
        assert_eq!(a.status, 404, "guess {i}");
    }
    let a = feed(&h, &token, "192.0.2.10").await;
    assert_eq!(a.status, 429, "the guessing client is refused even a right address");
    assert!(a.headers.contains_key("retry-after"));
    assert_eq!(feed(&h, &token, "192.0.2.11").await.status, 200, "another client is not");
    // An IPv6 household counts as one network.
    for i in 0..FEED_PER_ADDRESS {
        feed(&h, "x", &format!("2001:db8:1:2::{:x}", i + 1)).await;
    }
    assert_eq!(feed(&h, &token, "2001:db8:1:2::ffff").await.status, 429);
});
