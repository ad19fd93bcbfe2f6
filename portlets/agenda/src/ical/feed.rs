//! The subscription feed: one VCALENDAR with the events a person may see (and their schools'
//! holidays), which Apple Calendar, Google Calendar, Thunderbird and Outlook poll.
//!
//! What they need from it: a `VTIMEZONE` for Europe/Paris (Outlook does not know IANA names
//! without one), times written in that zone so that recurring events keep their wall-clock time,
//! rules kept as `RRULE`/`EXDATE` rather than copies, all-day events as `VALUE=DATE` with an
//! exclusive `DTEND`, a `UID` that never changes for an event (so an edited event replaces its
//! old version instead of appearing twice), and a refresh hint (`REFRESH-INTERVAL`, RFC 7986,
//! and `X-PUBLISHED-TTL`, which Outlook and Apple read) of one hour.

use chrono::{DateTime, Utc};

use super::lines::{escape, push_folded};
use crate::holidays::HolidayPeriod;
use crate::model::{Event, When};
use crate::paris::{self, ParisTime, TZID};

/// How often subscribers are asked to fetch the feed again.
pub const REFRESH: &str = "PT1H";

/// Europe/Paris by the EU rule (since 1996): summer time from the last Sunday of March at 02:00
/// to the last Sunday of October at 03:00, local time. A test checks it against the IANA
/// database for every year the agenda accepts.
pub(crate) const VTIMEZONE: &[&str] = &[
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Paris",
    "X-LIC-LOCATION:Europe/Paris",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
];

/// What the feed says about itself.
#[derive(Clone, Debug)]
pub struct FeedInfo<'a> {
    /// The calendar's name in the subscriber's application (user-facing: in their language).
    pub name: &'a str,
    /// The host part of every `UID` (the portal's host): UIDs must be unique worldwide.
    pub uid_domain: &'a str,
    /// When the feed is written (the `DTSTAMP` of holidays, which have no edit time).
    pub generated_at: DateTime<Utc>,
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn stamp_secs(secs: i64) -> String {
    stamp(DateTime::from_timestamp(secs, 0).unwrap_or_default())
}

/// `NAME;TZID=Europe/Paris:local`, or UTC for the second pass of the autumn hour (which the
/// zone's local reading would put an hour early).
fn timed(name: &str, t: &ParisTime) -> String {
    if paris::resolve(t.naive_local()) == *t {
        format!("{name};TZID={TZID}:{}", t.format("%Y%m%dT%H%M%S"))
    } else {
        format!("{name}:{}", stamp(t.with_timezone(&Utc)))
    }
}

/// The feed, CRLF-terminated lines folded at 75 octets.
pub fn write_feed(info: &FeedInfo<'_>, events: &[Event], holidays: &[HolidayPeriod]) -> String {
    let mut out = String::new();
    let mut line = |s: &str| push_folded(&mut out, s);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line("PRODID:-//ENT//Agenda//FR");
    line("CALSCALE:GREGORIAN");
    line(&format!("NAME:{}", escape(info.name)));
    line(&format!("X-WR-CALNAME:{}", escape(info.name)));
    line(&format!("X-WR-TIMEZONE:{TZID}"));
    line(&format!("REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}"));
    line(&format!("X-PUBLISHED-TTL:{REFRESH}"));
    for l in VTIMEZONE {
        line(l);
    }
    for event in events {
        let content = &event.content;
        let when = content.schedule.when();
        line("BEGIN:VEVENT");
        line(&format!("UID:{}@{}", event.id, info.uid_domain));
        line(&format!("DTSTAMP:{}", stamp_secs(event.updated_at)));
        line(&format!("CREATED:{}", stamp_secs(event.created_at)));
        line(&format!("LAST-MODIFIED:{}", stamp_secs(event.updated_at)));
        line(&format!("SUMMARY:{}", escape(content.title.as_str())));
        if let Some(place) = &content.place {
            line(&format!("LOCATION:{}", escape(place.as_str())));
        }
        if let Some(description) = &content.description {
            line(&format!("DESCRIPTION:{}", escape(description.as_str())));
        }
        match when {
            When::AllDay { first, last } => {
                let end = last.succ_opt().unwrap_or(*last);
                line(&format!("DTSTART;VALUE=DATE:{}", first.format("%Y%m%d")));
                line(&format!("DTEND;VALUE=DATE:{}", end.format("%Y%m%d")));
                line("TRANSP:TRANSPARENT");
            }
            When::Timed { start, end } => {
                line(&timed("DTSTART", start));
                line(&timed("DTEND", end));
                line("TRANSP:OPAQUE");
            }
        }
        if let Some(rule) = content.schedule.recurrence() {
            line(&format!("RRULE:{}", rule.to_ical(when)));
            // One line per exception: some clients read only the first value of a list.
            for day in content.schedule.exceptions() {
                match when.on_day(*day) {
                    When::AllDay { first, .. } => line(&format!("EXDATE;VALUE=DATE:{}", first.format("%Y%m%d"))),
                    When::Timed { start, .. } => line(&timed("EXDATE", &start)),
                }
            }
        }
        line("END:VEVENT");
    }
    let mut seen = Vec::new();
    for period in holidays {
        // Two schools of one zone hold the same periods: each once.
        if seen.contains(&period) {
            continue;
        }
        seen.push(period);
        let key = format!("{}|{}|{}", period.name(), period.first(), period.last());
        let digest = ent_web::secret::sha256_hex(&key);
        line("BEGIN:VEVENT");
        line(&format!("UID:holiday-{}-{}@{}", period.first().format("%Y%m%d"), &digest[..16], info.uid_domain));
        line(&format!("DTSTAMP:{}", stamp(info.generated_at)));
        line(&format!("SUMMARY:{}", escape(period.name())));
        line(&format!("DTSTART;VALUE=DATE:{}", period.first().format("%Y%m%d")));
        let end = period.last().succ_opt().unwrap_or(period.last());
        line(&format!("DTEND;VALUE=DATE:{}", end.format("%Y%m%d")));
        line("TRANSP:TRANSPARENT");
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Weekday};

    use super::*;

    /// The VTIMEZONE's two rules, read from its text, give the IANA database's changes.
    #[test]
    fn the_vtimezone_matches_the_zone_database_for_every_accepted_year() {
        let block = |kind: &str| {
            let begin = VTIMEZONE.iter().position(|l| *l == format!("BEGIN:{kind}")).unwrap();
            let end = VTIMEZONE.iter().position(|l| *l == format!("END:{kind}")).unwrap();
            let get = |name: &str| {
                VTIMEZONE[begin..end].iter().find_map(|l| l.strip_prefix(&format!("{name}:"))).unwrap().to_string()
            };
            let offset = |s: String| {
                let sign = if s.starts_with('-') { -1 } else { 1 };
                sign * (s[1..3].parse::<i64>().unwrap() * 3600 + s[3..5].parse::<i64>().unwrap() * 60)
            };
            let start = NaiveDateTime::parse_from_str(&get("DTSTART"), "%Y%m%dT%H%M%S").unwrap();
            let rule = get("RRULE");
            assert!(rule.contains("FREQ=YEARLY") && rule.contains("BYDAY=-1SU"), "{rule}");
            let month: u32 = rule.split(';').find_map(|p| p.strip_prefix("BYMONTH=")).unwrap().parse().unwrap();
            (start.time(), month, offset(get("TZOFFSETFROM")), offset(get("TZOFFSETTO")))
        };
        for kind in ["DAYLIGHT", "STANDARD"] {
            let (time, month, from, to) = block(kind);
            for year in 2000..=2099 {
                let last = NaiveDate::from_ymd_opt(year, month + 1, 1).unwrap().pred_opt().unwrap();
                let sunday = last - Duration::days(i64::from(last.weekday().num_days_from_sunday()));
                assert_eq!(sunday.weekday(), Weekday::Sun);
                let change = Utc.from_utc_datetime(&(sunday.and_time(time) - Duration::seconds(from)));
                assert_eq!(i64::from(paris::offset_seconds(change - Duration::seconds(1))), from, "{kind} {year}");
                assert_eq!(i64::from(paris::offset_seconds(change)), to, "{kind} {year}");
            }
        }
    }
}
