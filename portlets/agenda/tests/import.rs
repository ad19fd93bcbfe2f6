//! The import of `.ics` files written the way Google Calendar, Outlook and Thunderbird export
//! them (tests/fixtures: recurring events across the clock changes, exceptions, a moved and a
//! cancelled occurrence, Windows time-zone names, `BYSETPOS`, the 31st of the month, all-day and
//! multi-day events, a task and a yearly birthday that the agenda does not take). What the
//! import keeps is expanded and compared, event by event, with what `calcard` expands from the
//! same file.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;

use common::{Occ, calcard_occurrences, day, ours};
use ent_portlet_agenda::ical::{ImportNote, ImportReport, SkipReason, import_ics};
use ent_portlet_agenda::model::When;
use ent_portlet_agenda::recurrence::{RecurrenceError, Window};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn school_year() -> Window {
    Window::days(day("2025-09-01"), day("2026-08-31")).unwrap()
}

/// The imported occurrences in the school year, by the `UID` of the series they belong to (a
/// changed occurrence's UID is its series' and the occurrence it replaces).
fn imported_occurrences(report: &ImportReport) -> BTreeMap<String, Vec<Occ>> {
    let mut out: BTreeMap<String, Vec<Occ>> = BTreeMap::new();
    for e in &report.events {
        let series = e.uid.as_str().split('/').next().unwrap().to_string();
        for when in e.content.schedule.occurrences(&school_year()).occurrences {
            out.entry(series.clone()).or_default().push(ours(&when));
        }
    }
    for occs in out.values_mut() {
        occs.sort();
    }
    out
}

/// Every series the import kept expands as calcard expands it.
fn agrees_with_calcard(text: &str, report: &ImportReport) {
    let ours = imported_occurrences(report);
    let theirs = calcard_occurrences(text, &school_year());
    assert!(!ours.is_empty());
    for (uid, occs) in &ours {
        assert_eq!(theirs.get(uid), Some(occs), "{uid}");
    }
}

fn local_starts(report: &ImportReport, title: &str) -> Vec<String> {
    let e = report.events.iter().find(|e| e.content.title.as_str() == title).unwrap();
    e.content
        .schedule
        .occurrences(&school_year())
        .occurrences
        .iter()
        .map(|w| match w {
            When::Timed { start, .. } => start.to_rfc3339(),
            When::AllDay { first, last } => format!("{first}..{last}"),
        })
        .collect()
}

#[test]
fn a_google_calendar_export() {
    let text = fixture("google-cm1.ics");
    let report = import_ics(&text).unwrap();
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    let titles: Vec<&str> = report.events.iter().map(|e| e.content.title.as_str()).collect();
    assert_eq!(
        titles,
        ["Piscine", "Sortie au musée", "Bibliothèque", "Classe de découverte", "Piscine (horaire décalé)"]
    );

    let piscine = &report.events[0];
    assert_eq!(piscine.content.place.as_ref().unwrap().as_str(), "Piscine Jean-Bouin, 12 rue des Écoles, 69003 Lyon");
    assert_eq!(
        piscine.content.description.as_ref().unwrap().as_str(),
        "Apporter : maillot, bonnet, serviette.\nLe bus part à 8h15 de la cour."
    );
    let rule = piscine.content.schedule.recurrence().unwrap();
    assert_eq!(rule.to_rule_text(), "FREQ=WEEKLY;BYDAY=TH;UNTIL=20260625");
    let exceptions: Vec<String> = piscine.content.schedule.exceptions().iter().map(|d| d.to_string()).collect();
    assert_eq!(exceptions, ["2025-10-23", "2025-10-30", "2025-11-06", "2025-12-18"], "moved and cancelled ones too");
    let starts = local_starts(&report, "Piscine");
    assert_eq!(starts.len(), 39);
    assert_eq!(starts[0], "2025-09-04T08:30:00+02:00");
    assert!(starts.contains(&"2025-11-13T08:30:00+01:00".to_string()));
    assert_eq!(starts.last().unwrap(), "2026-06-25T08:30:00+02:00");
    assert_eq!(local_starts(&report, "Piscine (horaire décalé)"), ["2025-11-06T10:00:00+01:00"]);
    assert_eq!(report.events[4].notes, [ImportNote::ChangedOccurrence]);
    assert_eq!(report.events[4].uid.as_str(), "5k2v8q1m3n7p9r4t6w0y2a4c6e@google.com/20251106T083000");

    // Across the spring change, 13:30 stays 13:30.
    assert_eq!(
        local_starts(&report, "Bibliothèque"),
        [
            "2026-03-02T13:30:00+01:00",
            "2026-03-09T13:30:00+01:00",
            "2026-03-16T13:30:00+01:00",
            "2026-03-23T13:30:00+01:00",
            "2026-03-30T13:30:00+02:00",
            "2026-04-06T13:30:00+02:00",
        ]
    );
    assert_eq!(local_starts(&report, "Classe de découverte"), ["2026-05-18..2026-05-22"]);
    agrees_with_calcard(&text, &report);
}

#[test]
fn an_outlook_export() {
    let text = fixture("outlook-ecole.ics");
    let report = import_ics(&text).unwrap();
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    let titles: Vec<&str> = report.events.iter().map(|e| e.content.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Réunion d'équipe",
            "Journée pédagogique (pas de classe)",
            "Conseil des maîtres",
            "Relevé des présences cantine"
        ]
    );
    assert!(report.events.iter().all(|e| e.notes.is_empty()), "Romance Standard Time is Paris");
    assert!(report.events[0].uid.as_str().starts_with("040000008200E00074C5B7101A82E008"));

    let meeting = local_starts(&report, "Réunion d'équipe");
    assert_eq!(meeting.len(), 21, "every other Monday, one exception, the last on UNTIL");
    assert!(!meeting.iter().any(|s| s.starts_with("2025-10-20")));
    assert_eq!(meeting.last().unwrap(), "2026-06-29T17:00:00+02:00");
    assert!(meeting.contains(&"2025-11-03T17:00:00+01:00".to_string()));
    // Exchange's BYSETPOS=1;BYDAY=TU is the first Tuesday.
    let council = &report.events[2];
    assert_eq!(council.content.schedule.recurrence().unwrap().to_rule_text(), "FREQ=MONTHLY;BYDAY=1TU;COUNT=6");
    let days: Vec<String> = local_starts(&report, "Conseil des maîtres").iter().map(|s| s[..10].to_string()).collect();
    assert_eq!(days, ["2025-09-02", "2025-10-07", "2025-11-04", "2025-12-02", "2026-01-06", "2026-02-03"]);
    // The 31st: months without one are skipped, COUNT counts occurrences.
    let days: Vec<String> =
        local_starts(&report, "Relevé des présences cantine").iter().map(|s| s[..10].to_string()).collect();
    assert_eq!(days, ["2025-10-31", "2025-12-31", "2026-01-31", "2026-03-31", "2026-05-31", "2026-07-31"]);
    assert_eq!(local_starts(&report, "Journée pédagogique (pas de classe)"), ["2025-11-05..2025-11-05"]);
    agrees_with_calcard(&text, &report);
}

#[test]
fn a_thunderbird_export() {
    let text = fixture("thunderbird-perso.ics");
    let report = import_ics(&text).unwrap();
    let skipped: Vec<(Option<&str>, &SkipReason)> =
        report.skipped.iter().map(|s| (s.title.as_deref(), &s.reason)).collect();
    assert_eq!(
        skipped,
        [
            (
                Some("Anniversaire de Léa"),
                &SkipReason::Recurrence(RecurrenceError::UnsupportedFrequency("YEARLY".into()))
            ),
            (Some("Acheter du papier crépon"), &SkipReason::NotAnEvent("VTODO".into())),
        ]
    );
    // "Every weekday but Wednesday", as Thunderbird writes it: a daily rule with days.
    let help = &report.events[0];
    assert_eq!(
        help.content.schedule.recurrence().unwrap().to_rule_text(),
        "FREQ=WEEKLY;BYDAY=MO,TU,TH,FR;UNTIL=20251219"
    );
    let starts = local_starts(&report, "Aide aux devoirs");
    assert_eq!(starts.len(), 27, "seven weeks of four days, less 11 November");
    assert!(!starts.iter().any(|s| s.starts_with("2025-11-11")));
    assert_eq!(starts.last().unwrap(), "2025-12-19T16:30:00+01:00");
    assert_eq!(
        local_starts(&report, "Marché de Noël de l'école"),
        ["2025-12-12..2025-12-12", "2025-12-13..2025-12-13", "2025-12-14..2025-12-14"]
    );
    assert_eq!(
        local_starts(&report, "Répétition de la chorale des parents"),
        [
            "2026-03-11T20:00:00+01:00",
            "2026-03-18T20:00:00+01:00",
            "2026-03-25T20:00:00+01:00",
            "2026-04-01T20:00:00+02:00",
            "2026-04-08T20:00:00+02:00",
        ]
    );
    agrees_with_calcard(&text, &report);
}

#[test]
fn the_feed_of_imported_events_reads_back_the_same() {
    // Imported, then written as a feed, then imported again: the same occurrences.
    use chrono::Utc;
    use ent_portlet_agenda::ical::{FeedInfo, write_feed};
    use ent_portlet_agenda::model::{Author, ClassId, Event, EventId, Scope, Sub};
    for name in ["google-cm1.ics", "outlook-ecole.ics", "thunderbird-perso.ics"] {
        let first = import_ics(&fixture(name)).unwrap();
        let events: Vec<Event> = first
            .events
            .iter()
            .map(|i| Event {
                id: EventId::new(),
                scope: Scope::Class(ClassId::parse("c").unwrap()),
                author: Author::anonymous(Sub::parse("s").unwrap()),
                content: i.content.clone(),
                import_uid: Some(i.uid.clone()),
                created_at: 0,
                updated_at: 0,
            })
            .collect();
        let info = FeedInfo { name: "x", uid_domain: "example.org", generated_at: Utc::now() };
        let again = import_ics(&write_feed(&info, &events, &[])).unwrap();
        assert!(again.skipped.is_empty());
        let a: Vec<Vec<Occ>> = imported_occurrences(&first).into_values().collect();
        let mut a: Vec<Occ> = a.into_iter().flatten().collect();
        let b: Vec<Vec<Occ>> = imported_occurrences(&again).into_values().collect();
        let mut b: Vec<Occ> = b.into_iter().flatten().collect();
        a.sort();
        b.sort();
        assert_eq!(a, b, "{name}");
    }
}
