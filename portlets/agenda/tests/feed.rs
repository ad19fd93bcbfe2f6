//! The subscription feed as two independent iCalendar parsers read it, compared with what the
//! views show: the `ical` crate for its lines and properties (with the `rrule` crate, on the
//! feed's own zoned times, for the occurrences), and `calcard` (Stalwart's library) with its own
//! recurrence expansion. The events cover both clock changes, the 31st of the month, exceptions,
//! all-day and multi-day events, and texts that need escaping and folding.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufReader;

use chrono::{DateTime, NaiveDateTime, Utc};
use common::{Occ, calcard_occurrences, day, ours, rrule_occurrences};
use ent_portlet_agenda::agenda::Agenda;
use ent_portlet_agenda::holidays::HolidayPeriod;
use ent_portlet_agenda::ical::{FeedInfo, write_feed};
use ent_portlet_agenda::model::{
    Author, ClassId, Description, Event, EventContent, EventId, Place, Schedule, Scope, Sub, Title, When,
};
use ent_portlet_agenda::recurrence::{Recurrence, Window};

const DOMAIN: &str = "ent.example.fr";

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn event(title: &str, schedule: Schedule) -> Event {
    Event {
        id: EventId::new(),
        scope: Scope::Class(ClassId::parse("cm1-b").unwrap()),
        author: Author::new(Sub::parse("teacher-1").unwrap(), "Camille Bernard"),
        content: EventContent { title: Title::parse(title).unwrap(), place: None, description: None, schedule },
        import_uid: None,
        created_at: 1_756_000_000,
        updated_at: 1_756_100_000,
    }
}

fn rule(when: When, text: &str, exceptions: &[&str]) -> Schedule {
    Schedule::repeating(when, Recurrence::parse(text).unwrap(), exceptions.iter().map(|d| day(d)).collect()).unwrap()
}

fn timed(start: &str, end: &str) -> When {
    When::timed(at(start), at(end)).unwrap()
}

fn all_day(first: &str, last: &str) -> When {
    When::all_day(day(first), day(last)).unwrap()
}

fn events() -> Vec<Event> {
    let mut lesson = event(
        "Piscine",
        rule(
            timed("2025-09-02 08:30", "2025-09-02 09:30"),
            "FREQ=WEEKLY;BYDAY=TU;UNTIL=20260630",
            &["2025-10-21", "2025-10-28"],
        ),
    );
    lesson.content.place = Place::parse("Piscine Jean-Bouin, bassin n°2; entrée B").unwrap();
    let mut texts = event(
        "Réunion parents-professeurs: CM1; CE2, \"salle\" \\ B",
        Schedule::once(timed("2025-11-13 17:30", "2025-11-13 19:00")),
    );
    texts.content.description = Description::parse(&format!(
        "Ordre du jour :\n- bilan du trimestre, sorties;\n- questions diverses\n{}",
        "Élèves et familles bienvenus — « goûter » offert. ".repeat(12)
    ))
    .unwrap();
    vec![
        lesson,
        texts,
        event(
            "Paie des intervenants",
            rule(timed("2025-10-31 18:00", "2025-10-31 18:30"), "FREQ=MONTHLY;BYMONTHDAY=31;COUNT=6", &[]),
        ),
        event("Classe verte", Schedule::once(all_day("2026-05-18", "2026-05-22"))),
        event(
            "Marché de printemps",
            rule(all_day("2025-09-26", "2025-09-26"), "FREQ=MONTHLY;BYDAY=-1FR", &["2025-12-26"]),
        ),
        event(
            "Étude du soir",
            rule(timed("2026-03-23 16:30", "2026-03-23 17:30"), "FREQ=DAILY;COUNT=10", &["2026-03-28", "2026-03-29"]),
        ),
        event(
            "Conseil d'école",
            rule(
                timed("2025-09-09 18:00", "2025-09-09 20:00"),
                "FREQ=MONTHLY;BYDAY=2TU;INTERVAL=3;UNTIL=20260630",
                &[],
            ),
        ),
        event(
            "Réunion d'équipe",
            rule(timed("2025-09-08 17:00", "2025-09-08 18:00"), "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;WKST=SU", &[]),
        ),
        event("Journée entière en automne", rule(all_day("2025-10-24", "2025-10-27"), "FREQ=WEEKLY;COUNT=2", &[])),
        // The second pass of the autumn hour: only a UTC time says which one.
        event(
            "Nuit de l'heure d'hiver",
            Schedule::once(
                When::between(
                    DateTime::parse_from_rfc3339("2025-10-26T01:30:00Z").unwrap().with_timezone(&Utc),
                    DateTime::parse_from_rfc3339("2025-10-26T02:00:00Z").unwrap().with_timezone(&Utc),
                )
                .unwrap(),
            ),
        ),
    ]
}

fn holidays() -> Vec<HolidayPeriod> {
    let p = HolidayPeriod::new("Vacances de la Toussaint", day("2025-10-18"), day("2025-11-02")).unwrap();
    vec![p.clone(), p]
}

fn feed(events: &[Event]) -> String {
    let info = FeedInfo {
        name: "Agenda — CM1 B",
        uid_domain: DOMAIN,
        generated_at: DateTime::parse_from_rfc3339("2025-09-01T06:00:00Z").unwrap().with_timezone(&Utc),
    };
    write_feed(&info, events, &holidays())
}

fn school_year() -> Window {
    Window::days(day("2025-09-01"), day("2026-08-31")).unwrap()
}

/// What the views show, by feed UID.
fn views(events: Vec<Event>) -> BTreeMap<String, Vec<Occ>> {
    let agenda = Agenda::of(events, &school_year());
    assert!(!agenda.truncated);
    let mut out: BTreeMap<String, Vec<Occ>> = BTreeMap::new();
    for (event, when) in agenda.iter() {
        out.entry(format!("{}@{DOMAIN}", event.id)).or_default().push(ours(when));
    }
    for occs in out.values_mut() {
        occs.sort();
    }
    out
}

#[test]
fn lines_are_crlf_folded_at_75_octets() {
    let text = feed(&events());
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    assert!(!text.replace("\r\n", "").contains('\n'), "no bare line feed");
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
    }
    assert!(text.contains("\r\n "), "the long description was folded");
}

#[test]
fn the_ical_crate_reads_every_property_back() {
    let events = events();
    let text = feed(&events);
    let mut parser = ical::IcalParser::new(BufReader::new(text.as_bytes()));
    let cal = parser.next().unwrap().unwrap();
    assert!(parser.next().is_none(), "one calendar");
    let prop = |name: &str| cal.properties.iter().find(|p| p.name == name).unwrap();
    assert_eq!(prop("REFRESH-INTERVAL").value.as_deref(), Some("PT1H"));
    let params = prop("REFRESH-INTERVAL").params.clone().unwrap();
    assert_eq!(params, [("VALUE".to_string(), vec!["DURATION".to_string()])]);
    assert_eq!(prop("X-PUBLISHED-TTL").value.as_deref(), Some("PT1H"));
    assert_eq!(prop("VERSION").value.as_deref(), Some("2.0"));
    assert_eq!(cal.timezones.len(), 1);
    let tz = &cal.timezones[0];
    assert_eq!(tz.properties.iter().find(|p| p.name == "TZID").unwrap().value.as_deref(), Some("Europe/Paris"));
    assert_eq!(tz.transitions.len(), 2, "STANDARD and DAYLIGHT");

    // Each event once (the holiday twice in the list, once in the feed), each with its UID.
    assert_eq!(cal.events.len(), events.len() + 1);
    let uids: BTreeSet<String> = cal
        .events
        .iter()
        .map(|e| e.properties.iter().find(|p| p.name == "UID").unwrap().value.clone().unwrap())
        .collect();
    assert_eq!(uids.len(), cal.events.len());
    for event in &events {
        let uid = format!("{}@{DOMAIN}", event.id);
        let parsed = cal
            .events
            .iter()
            .find(|e| e.properties.iter().any(|p| p.name == "UID" && p.value.as_deref() == Some(uid.as_str())))
            .unwrap();
        let get = |name: &str| parsed.properties.iter().find(|p| p.name == name).and_then(|p| p.value.clone());
        // The ical crate leaves TEXT escaped: undo it as RFC 5545 says.
        let unescape = |s: String| s.replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\");
        assert_eq!(get("SUMMARY").map(unescape).as_deref(), Some(event.content.title.as_str()));
        assert_eq!(get("LOCATION").map(unescape), event.content.place.as_ref().map(|p| p.to_string()));
        assert_eq!(get("DESCRIPTION").map(unescape), event.content.description.as_ref().map(|d| d.to_string()));
        assert_eq!(get("DTSTAMP").as_deref(), Some("20250825T053320Z"));
        let schedule = &event.content.schedule;
        assert_eq!(get("RRULE"), schedule.recurrence().map(|r| r.to_ical(schedule.when())));
        let exdates = parsed.properties.iter().filter(|p| p.name == "EXDATE").count();
        assert_eq!(exdates, schedule.exceptions().len());
    }
}

#[test]
fn the_ical_crate_and_rrule_find_the_occurrences_the_views_show() {
    let events = events();
    let text = feed(&events);
    let mut got = rrule_occurrences(&text, &school_year());
    let holiday: Vec<String> = got.keys().filter(|k| k.starts_with("holiday-")).cloned().collect();
    assert_eq!(holiday.len(), 1);
    assert_eq!(got.remove(&holiday[0]).unwrap(), [Occ::Days(day("2025-10-18"), day("2025-11-02"))]);
    assert_eq!(got, views(events));
}

#[test]
fn calcard_finds_the_occurrences_the_views_show() {
    let events = events();
    let text = feed(&events);
    let mut got = calcard_occurrences(&text, &school_year());
    let holiday: Vec<String> = got.keys().filter(|k| k.starts_with("holiday-")).cloned().collect();
    assert_eq!(got.remove(&holiday[0]).unwrap(), [Occ::Days(day("2025-10-18"), day("2025-11-02"))]);
    let want = views(events);
    for (uid, occs) in &want {
        assert_eq!(got.get(uid), Some(occs), "{uid}");
    }
    assert_eq!(got, want);
}

#[test]
fn the_views_keep_local_times_that_the_parsers_agree_on() {
    // Spot checks of what the comparisons above cover as a whole.
    let events = events();
    let shown = views(events.clone());
    let lesson = &shown[&format!("{}@{DOMAIN}", events[0].id)];
    let starts: Vec<String> = lesson
        .iter()
        .filter_map(|o| match o {
            Occ::Span(s, _) => Some(ent_portlet_agenda::paris::at(*s).to_rfc3339()),
            Occ::Days(..) => None,
        })
        .filter(|s| s.starts_with("2025-10") || s.starts_with("2025-11-04") || s.starts_with("2026-03-31"))
        .collect();
    assert_eq!(
        starts,
        [
            "2025-10-07T08:30:00+02:00",
            "2025-10-14T08:30:00+02:00",
            "2025-11-04T08:30:00+01:00",
            "2026-03-31T08:30:00+02:00",
        ],
        "the Toussaint exceptions are gone; 8:30 on both sides of each change"
    );
    let pay = &shown[&format!("{}@{DOMAIN}", events[2].id)];
    let days: Vec<String> = pay
        .iter()
        .filter_map(|o| match o {
            Occ::Span(s, _) => Some(ent_portlet_agenda::paris::at(*s).date_naive().to_string()),
            Occ::Days(..) => None,
        })
        .collect();
    assert_eq!(days, ["2025-10-31", "2025-12-31", "2026-01-31", "2026-03-31", "2026-05-31", "2026-07-31"]);
}
