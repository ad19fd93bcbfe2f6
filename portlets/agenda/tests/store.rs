//! The agenda's store on both backends: events and their schedules kept whole, the events of
//! scopes in a window (recurring ones by their rule's span), the day-before reminders, imports
//! that update what an earlier import stored, school holidays, and feed tokens (issued,
//! regenerated, revoked, their scopes refreshed).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use ent_portlet_agenda::MIGRATIONS;
use ent_portlet_agenda::holidays::{HolidayPeriod, Zone};
use ent_portlet_agenda::ical::import_ics;
use ent_portlet_agenda::model::{
    Author, ClassId, Description, EventContent, Place, Schedule, Scope, Sub, Title, Uai, When,
};
use ent_portlet_agenda::recurrence::{Recurrence, Window};
use ent_portlet_agenda::store::{FeedScopes, ImportCounts, Store};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn class(id: &str) -> Scope {
    Scope::Class(ClassId::parse(id).unwrap())
}

fn school(uai: &str) -> Scope {
    Scope::School(Uai::parse(uai).unwrap())
}

fn person(sub: &str) -> Scope {
    Scope::Personal(Sub::parse(sub).unwrap())
}

fn teacher() -> Author {
    Author::new(Sub::parse("teacher-1").unwrap(), "Camille Bernard")
}

fn content(title: &str, schedule: Schedule) -> EventContent {
    EventContent { title: Title::parse(title).unwrap(), place: None, description: None, schedule }
}

fn once(title: &str, first: &str, last: &str) -> EventContent {
    content(title, Schedule::once(When::all_day(day(first), day(last)).unwrap()))
}

fn timed(title: &str, start: &str, end: &str) -> EventContent {
    content(title, Schedule::once(When::timed(at(start), at(end)).unwrap()))
}

fn repeating(title: &str, start: &str, end: &str, rule: &str, exceptions: &[&str]) -> EventContent {
    let schedule = Schedule::repeating(
        When::timed(at(start), at(end)).unwrap(),
        Recurrence::parse(rule).unwrap(),
        exceptions.iter().map(|d| day(d)).collect(),
    )
    .unwrap();
    content(title, schedule)
}

fn titles(agenda: &ent_portlet_agenda::agenda::Agenda) -> Vec<String> {
    agenda.iter().map(|(e, w)| format!("{} {}", w.first_day(), e.content.title)).collect()
}

ent_storage::both_backends!(MIGRATIONS; an_event_is_kept_whole, |db| async move {
    let store = Store::new(db);
    let mut lesson = repeating(
        "Piscine",
        "2025-09-04 08:30",
        "2025-09-04 09:30",
        "FREQ=WEEKLY;BYDAY=TH;UNTIL=20260625",
        &["2025-10-23", "2025-10-30"],
    );
    lesson.place = Place::parse("Piscine Jean-Bouin").unwrap();
    lesson.description = Description::parse("Bonnet obligatoire.\nPrévoir une serviette.").unwrap();
    let id = store.create(&class("cm1-a"), &teacher(), &lesson).await.unwrap();
    let got = store.get(&id).await.unwrap().unwrap();
    assert_eq!(got.content, lesson);
    assert_eq!(got.scope, class("cm1-a"));
    assert_eq!(got.author, teacher());
    assert_eq!(got.import_uid, None);
    assert!(got.created_at > 0 && got.updated_at == got.created_at);

    let trip = once("Classe verte", "2026-05-18", "2026-05-22");
    assert!(store.update(&id, &trip).await.unwrap());
    assert_eq!(store.get(&id).await.unwrap().unwrap().content, trip);
    assert!(store.delete(&id).await.unwrap());
    assert!(!store.delete(&id).await.unwrap());
    assert!(store.get(&id).await.unwrap().is_none());
    assert!(!store.update(&id, &trip).await.unwrap());
});

ent_storage::both_backends!(MIGRATIONS; a_personal_event_keeps_no_name, |db| async move {
    let store = Store::new(db);
    let pupil = Author::new(Sub::parse("pupil-1").unwrap(), "Léa Dupont");
    let id = store.create(&person("pupil-1"), &pupil, &timed("Dentiste", "2025-09-10 17:00", "2025-09-10 17:30")).await.unwrap();
    let got = store.get(&id).await.unwrap().unwrap();
    assert_eq!(got.author.name(), "");
    assert_eq!(got.author.sub.as_str(), "pupil-1");
});

ent_storage::both_backends!(MIGRATIONS; a_window_holds_the_events_of_the_scopes_asked, |db| async move {
    let store = Store::new(db);
    let a = teacher();
    store.create(&class("cp-a"), &a, &timed("Réunion de rentrée", "2025-09-02 17:00", "2025-09-02 18:00")).await.unwrap();
    store.create(&class("cp-b"), &a, &timed("Autre classe", "2025-09-02 17:00", "2025-09-02 18:00")).await.unwrap();
    store.create(&school("0750001A"), &a, &once("Photo de classe", "2025-09-05", "2025-09-05")).await.unwrap();
    store.create(&school("0750002B"), &a, &once("Autre école", "2025-09-05", "2025-09-05")).await.unwrap();
    store.create(&person("parent-1"), &a, &timed("Perso", "2025-09-03 12:00", "2025-09-03 13:00")).await.unwrap();
    store.create(&person("parent-2"), &a, &timed("Perso d'un autre", "2025-09-03 12:00", "2025-09-03 13:00")).await.unwrap();
    // A rule without end, started long ago; one that ended by COUNT; one that ended by UNTIL.
    store.create(&class("cp-a"), &a, &repeating("Chorale", "2024-01-08 10:00", "2024-01-08 11:00", "FREQ=WEEKLY;BYDAY=MO", &[])).await.unwrap();
    store.create(&class("cp-a"), &a, &repeating("Fini (COUNT)", "2024-01-08 10:00", "2024-01-08 11:00", "FREQ=DAILY;COUNT=5", &[])).await.unwrap();
    store.create(&class("cp-a"), &a, &repeating("Fini (UNTIL)", "2024-01-08 10:00", "2024-01-08 11:00", "FREQ=DAILY;UNTIL=20240630", &[])).await.unwrap();
    // Over a week-end that crosses into the window: seen from its last day.
    store.create(&class("cp-a"), &a, &once("Fête", "2025-08-30", "2025-09-01")).await.unwrap();

    let scopes = [class("cp-a"), school("0750001A"), person("parent-1")];
    let week = Window::days(day("2025-09-01"), day("2025-09-07")).unwrap();
    let agenda = store.agenda(&scopes, &week).await.unwrap();
    assert_eq!(
        titles(&agenda),
        [
            "2025-08-30 Fête",
            "2025-09-01 Chorale",
            "2025-09-02 Réunion de rentrée",
            "2025-09-03 Perso",
            "2025-09-05 Photo de classe",
        ]
    );
    let events = store.events_in(&scopes, &week).await.unwrap();
    assert_eq!(events.len(), 5, "the ended rules are not even read");
    assert!(store.events_in(&[], &week).await.unwrap().is_empty());

    // The "next days" card and the day-before reminder.
    let tomorrow = store.tomorrow(&scopes, day("2025-09-04")).await.unwrap();
    assert_eq!(titles(&tomorrow), ["2025-09-05 Photo de classe"]);
    let monday = store.tomorrow(&scopes, day("2025-09-07")).await.unwrap();
    assert_eq!(titles(&monday), ["2025-09-08 Chorale"]);
});

ent_storage::both_backends!(MIGRATIONS; many_scopes_are_asked_in_several_queries, |db| async move {
    let store = Store::new(db);
    let scopes: Vec<Scope> = (0..120).map(|i| class(&format!("c{i}"))).collect();
    for (i, scope) in scopes.iter().enumerate().step_by(7) {
        store.create(scope, &teacher(), &once(&format!("Classe {i}"), "2025-09-05", "2025-09-05")).await.unwrap();
    }
    let week = Window::days(day("2025-09-01"), day("2025-09-07")).unwrap();
    assert_eq!(store.events_in(&scopes, &week).await.unwrap().len(), 18);
});

ent_storage::both_backends!(MIGRATIONS; a_second_import_updates_the_first, |db| async move {
    let store = Store::new(db);
    let v1 = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//FR\r\n\
        BEGIN:VEVENT\r\nUID:rentree@example.org\r\nSUMMARY:Rentrée\r\nDTSTART;VALUE=DATE:20250901\r\nEND:VEVENT\r\n\
        BEGIN:VEVENT\r\nUID:chorale@example.org\r\nSUMMARY:Chorale\r\nDTSTART;TZID=Europe/Paris:20250908T100000\r\nDTEND;TZID=Europe/Paris:20250908T110000\r\nRRULE:FREQ=WEEKLY;BYDAY=MO\r\nEND:VEVENT\r\n\
        END:VCALENDAR\r\n";
    let v2 = v1.replace("SUMMARY:Chorale", "SUMMARY:Chorale (salle 2)").replace(
        "END:VCALENDAR",
        "BEGIN:VEVENT\r\nUID:kermesse@example.org\r\nSUMMARY:Kermesse\r\nDTSTART;VALUE=DATE:20260620\r\nEND:VEVENT\r\nEND:VCALENDAR",
    );
    let scope = school("0750001A");
    let director = Author::new(Sub::parse("director-1").unwrap(), "Dominique Petit");
    let first = store.import(&scope, &director, &import_ics(v1).unwrap().events).await.unwrap();
    assert_eq!(first, ImportCounts { created: 2, updated: 0 });
    let second = store.import(&scope, &director, &import_ics(&v2).unwrap().events).await.unwrap();
    assert_eq!(second, ImportCounts { created: 1, updated: 2 });
    // The same file in another school's agenda is that school's own copy.
    let other = store.import(&school("0750002B"), &director, &import_ics(v1).unwrap().events).await.unwrap();
    assert_eq!(other, ImportCounts { created: 2, updated: 0 });

    let year = Window::days(day("2025-09-01"), day("2026-08-31")).unwrap();
    let events = store.events_in(std::slice::from_ref(&scope), &year).await.unwrap();
    let names: BTreeSet<String> = events.iter().map(|e| e.content.title.to_string()).collect();
    assert_eq!(names, ["Chorale (salle 2)", "Kermesse", "Rentrée"].map(String::from).into());
    assert!(events.iter().all(|e| e.import_uid.is_some()));
});

ent_storage::both_backends!(MIGRATIONS; feed_tokens_open_only_what_their_owner_may_read, |db| async move {
    let store = Store::new(db);
    let owner = Sub::parse("parent-1").unwrap();
    assert_eq!(store.feed_token_dates(&owner).await.unwrap(), None);
    let scopes =
        FeedScopes::new([ClassId::parse("cp-a").unwrap(), ClassId::parse("cm1-b").unwrap()], [Uai::parse("0750001A").unwrap()])
            .unwrap();
    let token = store.issue_feed_token(&owner, &scopes).await.unwrap();
    let access = store.feed_access(token.as_str()).await.unwrap().unwrap();
    assert_eq!(access.owner, owner);
    assert_eq!(access.scopes, scopes);
    assert_eq!(access.readable(), [person("parent-1"), class("cm1-b"), class("cp-a"), school("0750001A")]);
    assert!(store.feed_token_dates(&owner).await.unwrap().is_some());

    // The database keeps only the digest.
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM feed_tokens").fetch_one(&store.db().pool).await.unwrap();
    assert_ne!(stored, token.as_str());
    assert_eq!(stored.len(), 64);

    // Regenerating: the old token opens nothing, the new one does.
    let again = store.issue_feed_token(&owner, &scopes).await.unwrap();
    assert_ne!(again, token);
    assert_eq!(store.feed_access(token.as_str()).await.unwrap(), None);
    assert!(store.feed_access(again.as_str()).await.unwrap().is_some());

    // The scopes are taken again when the person opens the agenda (a child changed class).
    let moved = FeedScopes::new([ClassId::parse("ce1-a").unwrap()], [Uai::parse("0750001A").unwrap()]).unwrap();
    assert!(store.refresh_feed_scopes(&owner, &moved).await.unwrap());
    assert_eq!(store.feed_access(again.as_str()).await.unwrap().unwrap().scopes, moved);
    assert!(!store.refresh_feed_scopes(&Sub::parse("nobody").unwrap(), &moved).await.unwrap());

    // Revoked: nothing, and nothing left behind.
    assert!(store.revoke_feed_token(&owner).await.unwrap());
    assert!(!store.revoke_feed_token(&owner).await.unwrap());
    assert_eq!(store.feed_access(again.as_str()).await.unwrap(), None);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM feed_scopes").fetch_one(&store.db().pool).await.unwrap();
    assert_eq!(left, 0);

    // Anything that is not a token is not even looked up.
    for junk in ["", "x", &"a".repeat(44), "'; DROP TABLE feed_tokens; --"] {
        assert_eq!(store.feed_access(junk).await.unwrap(), None);
    }
    let too_many: Vec<ClassId> = (0..65).map(|i| ClassId::parse(&format!("c{i}")).unwrap()).collect();
    assert!(FeedScopes::new(too_many, []).is_none());
});

ent_storage::both_backends!(MIGRATIONS; a_feed_holds_recent_and_coming_events, |db| async move {
    let store = Store::new(db);
    let a = teacher();
    store.create(&class("cp-a"), &a, &once("L'an dernier", "2024-09-05", "2024-09-05")).await.unwrap();
    store.create(&class("cp-a"), &a, &once("Le mois dernier", "2025-08-05", "2025-08-05")).await.unwrap();
    store.create(&class("cp-a"), &a, &repeating("Chorale", "2024-01-08 10:00", "2024-01-08 11:00", "FREQ=WEEKLY", &[])).await.unwrap();
    store.create(&class("cp-a"), &a, &once("À venir", "2026-01-05", "2026-01-05")).await.unwrap();
    let since: DateTime<Utc> = DateTime::parse_from_rfc3339("2025-06-01T00:00:00Z").unwrap().with_timezone(&Utc);
    let events = store.feed_events(&[class("cp-a")], since).await.unwrap();
    let names: Vec<&str> = events.iter().map(|e| e.content.title.as_str()).collect();
    assert_eq!(names, ["Chorale", "Le mois dernier", "À venir"]);
});

ent_storage::both_backends!(MIGRATIONS; holidays_are_kept_per_school, |db| async move {
    let store = Store::new(db);
    let uai = Uai::parse("0750001A").unwrap();
    let zone = Zone::new("Zone C").unwrap();
    let p = |name: &str, f: &str, l: &str| HolidayPeriod::new(name, day(f), day(l)).unwrap();
    let year1 = [p("Toussaint", "2024-10-19", "2024-11-03"), p("Noël", "2024-12-21", "2025-01-05")];
    let year2 = [p("Toussaint", "2025-10-18", "2025-11-02"), p("Noël", "2025-12-20", "2026-01-04")];
    assert_eq!(store.replace_holidays(&uai, &zone, &year1).await.unwrap(), 2);
    assert_eq!(store.replace_holidays(&uai, &zone, &year2).await.unwrap(), 2);
    // The same year again, corrected: it replaces that year only.
    let year2b = [p("Vacances de la Toussaint", "2025-10-18", "2025-11-02"), p("Vacances de Noël", "2025-12-20", "2026-01-04")];
    assert_eq!(store.replace_holidays(&uai, &zone, &year2b).await.unwrap(), 2);
    assert_eq!(store.replace_holidays(&uai, &zone, &[]).await.unwrap(), 0);

    let all = store.holidays_between(std::slice::from_ref(&uai), day("2024-09-01"), day("2026-08-31")).await.unwrap();
    let names: Vec<&str> = all.iter().map(HolidayPeriod::name).collect();
    assert_eq!(names, ["Toussaint", "Noël", "Vacances de la Toussaint", "Vacances de Noël"]);
    assert_eq!(store.holiday_on(&uai, day("2025-11-02")).await.unwrap().map(|p| p.name().to_string()).as_deref(), Some("Vacances de la Toussaint"));
    assert_eq!(store.holiday_on(&uai, day("2025-11-03")).await.unwrap(), None);
    let other = Uai::parse("0750002B").unwrap();
    assert_eq!(store.holiday_on(&other, day("2025-11-02")).await.unwrap(), None, "another school imported nothing");

    // A parent with children in two schools of one zone sees each period once.
    store.replace_holidays(&other, &zone, &year2b).await.unwrap();
    let both = store.holidays_between(&[uai.clone(), other], day("2025-09-01"), day("2026-08-31")).await.unwrap();
    assert_eq!(both.len(), 2);

    let summary = store.holiday_summary(&uai).await.unwrap();
    assert_eq!(summary.len(), 1);
    assert_eq!((summary[0].zone.as_str(), summary[0].first, summary[0].last, summary[0].periods), ("Zone C", day("2024-10-19"), day("2026-01-04"), 4));
});

ent_storage::both_backends!(MIGRATIONS; the_table_refuses_half_schedules, |db| async move {
    // Either days or instants: no path around the code stores both, or neither.
    let refused = sqlx::query(
        "INSERT INTO events (id, scope_kind, scope_id, title, all_day, first_day, last_day, starts_at, ends_at, \
         span_start, author_sub, created_at, updated_at) \
         VALUES ('x', 'class', 'c', 't', 1, '2025-09-01', '2025-09-01', 0, 0, 0, 's', 0, 0)",
    )
    .execute(&db.writer)
    .await;
    assert!(refused.is_err());
    let refused = sqlx::query(
        "INSERT INTO events (id, scope_kind, scope_id, title, all_day, span_start, author_sub, created_at, updated_at) \
         VALUES ('x', 'group', 'c', 't', 0, 0, 's', 0, 0)",
    )
    .execute(&db.writer)
    .await;
    assert!(refused.is_err());
});
