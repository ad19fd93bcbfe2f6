//! What the feed and import tests share: occurrences as plain values (a day for all-day events,
//! two instants for timed ones), as the agenda draws them and as an independent iCalendar
//! library (`calcard`, Stalwart's parser with its own recurrence expansion) reads a file.
//!
//! calcard 0.3.14 differs from RFC 5545 in three ways that real files meet, so the file it is
//! given is adjusted for them, never what the agenda reads: it compares a UTC `UNTIL` with the
//! floating wall-clock times it expands (an occurrence on `UNTIL` itself, as Google writes it,
//! is lost), so `UNTIL` is handed over as Paris wall-clock time; it matches a changed occurrence
//! to its series only when both carry the same `SEQUENCE` (Google raises the changed one's), so
//! `SEQUENCE` lines are left out; and it returns cancelled occurrences as events, which a
//! calendar hides, so they are dropped from its output.
#![allow(clippy::unwrap_used, dead_code)]

use std::collections::BTreeMap;
use std::io::BufReader;
use std::str::FromStr;

use calcard::icalendar::{ICalendar, ICalendarProperty, ICalendarValue, dates::TimeOrDelta};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use ent_portlet_agenda::model::When;
use ent_portlet_agenda::paris;
use ent_portlet_agenda::recurrence::Window;

/// An occurrence reduced to what a calendar shows.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Occ {
    /// An all-day occurrence: its Paris days.
    Days(NaiveDate, NaiveDate),
    /// A timed occurrence: start and end.
    Span(DateTime<Utc>, DateTime<Utc>),
}

pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn ours(when: &When) -> Occ {
    match when {
        When::AllDay { first, last } => Occ::Days(*first, *last),
        When::Timed { start, end } => Occ::Span(start.with_timezone(&Utc), end.with_timezone(&Utc)),
    }
}

fn overlaps(occ: &Occ, window: &Window) -> bool {
    match occ {
        Occ::Days(first, last) => {
            let start = paris::midnight(*first).with_timezone(&Utc);
            let end = paris::midnight(last.succ_opt().unwrap()).with_timezone(&Utc);
            start < window.end() && end > window.start()
        }
        Occ::Span(s, e) => *s < window.end() && (*e > window.start() || (s == e && *s >= window.start())),
    }
}

/// The file with the adjustments of the module docs.
fn for_calcard(text: &str) -> String {
    let unfolded = text.replace("\r\n ", "").replace("\r\n\t", "");
    let mut out = String::new();
    for line in unfolded.split("\r\n") {
        if line.starts_with("SEQUENCE:") {
            continue;
        }
        if let Some(rule) = line.strip_prefix("RRULE:") {
            let parts: Vec<String> = rule
                .split(';')
                .map(|part| match part.strip_prefix("UNTIL=").and_then(|u| u.strip_suffix('Z')) {
                    Some(utc) => {
                        let t = chrono::NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").unwrap().and_utc();
                        format!("UNTIL={}", paris::at(t).format("%Y%m%dT%H%M%S"))
                    }
                    None => part.to_string(),
                })
                .collect();
            out.push_str(&format!("RRULE:{}\r\n", parts.join(";")));
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out
}

pub fn parse_calcard(text: &str) -> ICalendar {
    match calcard::Parser::new(text).entry() {
        calcard::Entry::ICalendar(cal) => cal,
        other => panic!("calcard did not read a calendar: {other:?}"),
    }
}

/// The occurrences calcard expands from a file, in the window, by `UID`, sorted.
pub fn calcard_occurrences(text: &str, window: &Window) -> BTreeMap<String, Vec<Occ>> {
    let cal = parse_calcard(&for_calcard(text));
    // The limit is shared by every event of the file, and a rule without end runs on to the
    // year 9999 (about 400,000 weekly occurrences): enough for all.
    let expanded = cal.expand_dates(paris::ZONE, 10_000_000);
    assert!(expanded.errors.is_empty(), "calcard: {:?}", expanded.errors);
    let mut out: BTreeMap<String, Vec<Occ>> = BTreeMap::new();
    for e in expanded.events {
        let comp = cal.component_by_id(e.comp_id).unwrap();
        let cancelled = comp
            .property(&ICalendarProperty::Status)
            .and_then(|p| p.values.first())
            .and_then(|v| v.as_text())
            .is_some_and(|s| s.eq_ignore_ascii_case("CANCELLED"));
        if cancelled {
            continue;
        }
        let uid = comp.uid().unwrap().to_string();
        let all_day = comp
            .property(&ICalendarProperty::Dtstart)
            .and_then(|p| p.values.first())
            .is_some_and(|v| matches!(v, ICalendarValue::PartialDateTime(p) if p.hour.is_none()));
        let start = e.start.with_timezone(&Utc);
        let end = match e.end {
            TimeOrDelta::Time(t) => t.with_timezone(&Utc),
            TimeOrDelta::Delta(d) => start + d,
        };
        let occ = if all_day {
            // Days, not instants: a one-day length added to a 25-hour day lands before midnight.
            let first = paris::day_of(start);
            let last = paris::day_of(end - Duration::hours(2)).max(first);
            Occ::Days(first, last)
        } else {
            Occ::Span(start, end)
        };
        if overlaps(&occ, window) {
            out.entry(uid).or_default().push(occ);
        }
    }
    for occs in out.values_mut() {
        occs.sort();
    }
    out
}

/// The feed's DTSTART, RRULE and EXDATE lines as the `ical` crate parsed them, expanded by the
/// `rrule` crate in the feed's zone (not on wall-clock times, as the agenda does).
pub fn rrule_occurrences(text: &str, window: &Window) -> BTreeMap<String, Vec<Occ>> {
    let mut parser = ical::IcalParser::new(BufReader::new(text.as_bytes()));
    let cal = parser.next().unwrap().unwrap();
    let line = |p: &ical::property::Property| {
        let params: String = p.params.iter().flatten().map(|(k, v)| format!(";{k}={}", v.join(","))).collect();
        format!("{}{params}:{}", p.name, p.value.clone().unwrap_or_default())
    };
    let mut out: BTreeMap<String, Vec<Occ>> = BTreeMap::new();
    for e in &cal.events {
        let get = |name: &str| e.properties.iter().find(|p| p.name == name).unwrap();
        let uid = get("UID").value.clone().unwrap();
        let all_day = get("DTSTART").params.iter().flatten().any(|(k, v)| k == "VALUE" && v[0] == "DATE");
        let mut set = vec![line(get("DTSTART"))];
        set.extend(e.properties.iter().filter(|p| p.name == "RRULE" || p.name == "EXDATE").map(line));
        if !set.iter().any(|l| l.starts_with("RRULE")) {
            // The rrule crate wants a rule: a one-off event is a rule of one.
            set.push("RRULE:FREQ=DAILY;COUNT=1".into());
        }
        let set = rrule::RRuleSet::from_str(&set.join("\n")).unwrap_or_else(|err| panic!("{uid}: {err}"));
        let start = *set.get_dt_start();
        let dates = set.all(1000).dates;
        let end = |v: &str| {
            if all_day {
                let d = chrono::NaiveDate::parse_from_str(v, "%Y%m%d").unwrap();
                start.with_timezone(&Utc) + (d - start.date_naive())
            } else if let Some(utc) = v.strip_suffix('Z') {
                NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").unwrap().and_utc()
            } else {
                let local = NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S").unwrap();
                ent_portlet_agenda::paris::resolve(local).with_timezone(&Utc)
            }
        };
        let length = end(get("DTEND").value.as_deref().unwrap()) - start.with_timezone(&Utc);
        for d in dates {
            let occ = if all_day {
                let first = d.date_naive();
                Occ::Days(first, first + Duration::days(length.num_days() - 1))
            } else {
                Occ::Span(d.with_timezone(&Utc), d.with_timezone(&Utc) + length)
            };
            let (s, e) = match &occ {
                Occ::Days(f, l) => (
                    ent_portlet_agenda::paris::midnight(*f).with_timezone(&Utc),
                    ent_portlet_agenda::paris::midnight(l.succ_opt().unwrap()).with_timezone(&Utc),
                ),
                Occ::Span(s, e) => (*s, *e),
            };
            if s < window.end() && (e > window.start() || (s == e && s >= window.start())) {
                out.entry(uid.clone()).or_default().push(occ);
            }
        }
    }
    for occs in out.values_mut() {
        occs.sort();
    }
    out
}
