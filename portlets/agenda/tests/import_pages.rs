//! Imports through the router: real-world `.ics` exports (Google, Thunderbird) into a class's
//! agenda with their recurrence rules, the report of what was left out said in plain French and
//! English, a second import updating rather than doubling; a school's holidays from the
//! ministry's CSV (the zone asked for when the file holds several), shown to the families; and
//! who may import where.
#![allow(clippy::unwrap_used)]

mod pages;

use ent_portlet_agenda::MIGRATIONS;
use ent_portlet_agenda::model::Uai;
use ent_portlet_kit::testing::{SCHOOL_A, TestFile, multipart};
use ent_portlet_kit::{Identity, testing::Answer};
use pages::{Agenda, day, shown};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn file(name: &str, data: Vec<u8>) -> TestFile {
    TestFile { field: "file", file_name: name.into(), content_type: "text/calendar", data }
}

async fn post_file(h: &Agenda, who: &Identity, path: &str, fields: &[(&str, &str)], f: TestFile, lang: &str) -> Answer {
    let (content_type, body) = multipart(fields, &[f]);
    let req = h.request("POST", Some(&h.token(who)), path, lang).header("content-type", content_type);
    h.call(req.body(axum::body::Body::from(body)).unwrap()).await
}

// A file the ministry's open data would give (two zones; a teachers' row).
const CSV: &str = "\u{feff}description;population;start_date;end_date;location;zones;annee_scolaire\n\
    Vacances de Printemps;-;2025-04-11T22:00:00+00:00;2025-04-27T22:00:00+00:00;Lyon;Zone A;2024-2025\n\
    Vacances de Printemps;-;2025-04-18T22:00:00+00:00;2025-05-04T22:00:00+00:00;Paris;Zone C;2024-2025\n\
    Pont de l'Ascension;-;2025-05-28T22:00:00+00:00;2025-06-01T22:00:00+00:00;Lyon;Zone A;2024-2025\n\
    Vacances d'Été;Enseignants;2025-07-04T22:00:00+00:00;2025-08-31T22:00:00+00:00;Lyon;Zone A;2024-2025\n\
    Vacances d'Été;Élèves;2025-07-04T22:00:00+00:00;2025-08-31T22:00:00+00:00;Lyon;Zone A;2024-2025\n";

ent_storage::both_backends!(MIGRATIONS; a_google_export_joins_a_class_agenda_once, |db| async move {
    let h = Agenda::new(db);
    let teacher = &h.net.teacher_a1;
    let form = h.get(teacher, "/view/import").await;
    assert_eq!(form.status, 200);
    h.assert_fragment_rules(&form.body);
    assert!(form.body.contains("class:class-a1") && !form.body.contains("value=\"personal\""), "{}", form.body);

    let a = post_file(&h, teacher, "/view/import", &[("scope", "class:class-a1")], file("cm1.ics", fixture("google-cm1.ics")), "fr").await;
    assert_eq!(a.status, 200, "{}", a.body);
    h.assert_fragment_rules(&a.body);
    assert!(a.body.contains("« Classe CM1 A » : 5 événement(s) ajouté(s), 0 mis à jour, 0 élément(s) laissé(s) de côté."), "{}", a.body);
    assert!(a.body.contains("date modifiée d&#39;une série"), "the changed occurrence is said: {}", a.body);
    // Again: the same events, updated.
    let a = post_file(&h, teacher, "/view/import", &[("scope", "class:class-a1")], file("cm1.ics", fixture("google-cm1.ics")), "en").await;
    assert!(a.body.contains("“Class CM1 A”: 0 event(s) added, 5 updated, 0 item(s) left out."), "{}", a.body);
    let stored = h.store.feed_events(&[h.scope_of("a1").0], chrono::DateTime::UNIX_EPOCH).await.unwrap();
    assert_eq!(stored.len(), 5);
    // The pupil's month shows the weekly swimming lesson, as a rule expanded.
    let september = shown(&h.get(&h.net.pupil_a1, "/view/month?month=2025-09").await.body, &h.base);
    assert!(september.len() >= 4, "{september:?}");
    // Its name is now known to a parent's tab.
    let week = h.get(&h.net.parent_a1, "/view/week").await.body;
    assert!(week.contains("Léa · CM1 A"), "{week}");
});

ent_storage::both_backends!(MIGRATIONS; what_is_left_out_is_said_in_words, |db| async move {
    let h = Agenda::new(db);
    let director = &h.net.director_a;
    let thunderbird = || file("perso.ics", fixture("thunderbird-perso.ics"));
    let a = post_file(&h, director, "/view/import", &[("scope", "school:0750001A")], thunderbird(), "fr").await;
    assert_eq!(a.status, 200, "{}", a.body);
    for words in [
        "Anniversaire de Léa",
        "répétition YEARLY non prise en charge",
        "Acheter du papier crépon",
        "c&#39;est une tâche, pas un événement",
        "Laissé de côté",
    ] {
        assert!(a.body.contains(words), "{words}: {}", a.body);
    }
    let a = post_file(&h, director, "/view/import", &[("scope", "class:class-a2")], thunderbird(), "en").await;
    for words in ["YEARLY repetition not supported", "a task, not an event", "Left out"] {
        assert!(a.body.contains(words), "{words}: {}", a.body);
    }
    // Not a calendar: the form again, with why.
    let a = post_file(&h, director, "/view/import", &[("scope", "class:class-a2")], file("x.ics", b"hello".to_vec()), "fr").await;
    assert_eq!(a.status, 422);
    assert!(a.body.contains("n&#39;est pas un agenda iCalendar") && a.body.contains("<form"), "{}", a.body);
});

ent_storage::both_backends!(MIGRATIONS; only_writers_import_and_only_where_they_write, |db| async move {
    let h = Agenda::new(db);
    let n = &h.net;
    let ics = || file("cm1.ics", fixture("google-cm1.ics"));
    let cases: [(&Identity, &str, u16); 7] = [
        (&n.pupil_a1, "class:class-a1", 403),
        (&n.parent_a1, "class:class-a1", 403),
        (&n.staff_a, "personal", 403),
        (&n.teacher_a1, "personal", 403),
        (&n.teacher_a1, "school:0750001A", 403),
        (&n.teacher_a2, "class:class-a1", 404),
        (&n.director_b, "class:class-a1", 404),
    ];
    for (who, scope, status) in cases {
        let a = post_file(&h, who, "/view/import", &[("scope", scope)], ics(), "fr").await;
        assert_eq!(a.status, status, "{} into {scope}", who.sub);
    }
    for key in ["a1", "sa"] {
        assert!(h.store.feed_events(&[h.scope_of(key).0], chrono::DateTime::UNIX_EPOCH).await.unwrap().is_empty());
    }
});

ent_storage::both_backends!(MIGRATIONS; a_director_imports_the_ministry_calendar, |db| async move {
    let h = Agenda::new(db);
    let director = &h.net.director_a;
    let csv = || TestFile { field: "file", file_name: "fr-en-calendrier-scolaire.csv".into(), content_type: "text/csv", data: CSV.as_bytes().to_vec() };
    let school = [("school", SCHOOL_A), ("zone", ""), ("location", "")];
    let a = post_file(&h, director, "/view/holidays", &school, csv(), "fr").await;
    assert_eq!(a.status, 422);
    assert!(a.body.contains("plusieurs zones (Zone A, Zone C)"), "{}", a.body);
    let a = post_file(&h, director, "/view/holidays", &[("school", SCHOOL_A), ("zone", "Zone B")], csv(), "fr").await;
    assert_eq!(a.status, 422);
    assert!(a.body.contains("Aucune période pour « Zone B »"), "{}", a.body);
    let a = post_file(&h, director, "/view/holidays", &[("school", SCHOOL_A), ("zone", "Zone A")], csv(), "fr").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.body.contains("3 période(s) de vacances enregistrée(s) pour « Zone A »"), "{}", a.body);
    let page = h.get(director, "/view/holidays").await.body;
    assert!(page.contains("Zone A : 3 période(s), du samedi 12 avril 2025 au dimanche 31 août 2025"), "{page}");
    let uai = Uai::parse(SCHOOL_A).unwrap();
    assert_eq!(h.store.holiday_on(&uai, day("2025-04-12")).await.unwrap().map(|p| p.name().to_string()).as_deref(), Some("Vacances de Printemps"));

    // The families of the school see them; another school's do not.
    let week = h.get(&h.net.parent_a2, "/view/week?date=2025-04-14").await.body;
    assert!(week.contains("Vacances de Printemps : du samedi 12 avril 2025 au dimanche 27 avril 2025"), "{week}");
    assert!(!h.get(&h.net.parent_b1, "/view/week?date=2025-04-14").await.body.contains("Vacances"));
    // Someone else's school, or no school at all.
    let a = post_file(&h, &h.net.director_b, "/view/holidays", &[("school", SCHOOL_A), ("zone", "Zone A")], csv(), "fr").await;
    assert_eq!(a.status, 404);
    let a = post_file(&h, &h.net.teacher_a1, "/view/holidays", &[("school", SCHOOL_A), ("zone", "Zone A")], csv(), "fr").await;
    assert_eq!(a.status, 403);
});
