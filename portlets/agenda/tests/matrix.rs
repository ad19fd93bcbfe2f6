//! The entitlement matrix: every route × everyone in the kit's network × every seeded agenda
//! (three classes, two schools, four people's own). The tables below are the rule, written out;
//! the test checks each cell — the status, and which agendas' words a page holds and must not
//! hold — on both backends. A family never sees another class's events, nor a pupil; staff,
//! city agents and admins see their own events only.
#![allow(clippy::unwrap_used)]

mod pages;

use ent_portlet_agenda::MIGRATIONS;
use ent_portlet_kit::Identity;
use ent_portlet_kit::testing::{CLASS_A1, CLASS_A2, CLASS_B1, Expect, Matrix, Route, SCHOOL_A, SCHOOL_B};
use pages::{Agenda, SEEDED, TODAY};

/// Per person: the agendas of their own view (and home card, and feed), those they may read,
/// those they may write. Keys of `pages::SEEDED`.
const TABLE: [(&str, &str, &str, &str); 16] = [
    // label, own, readable, writable
    ("teacher_a1", "a1 sa pt", "a1 sa pt", "a1 pt"),
    ("teacher_a2", "a2 sa", "a2 sa", "a2"),
    ("teacher_b1", "b1 sb", "b1 sb", "b1"),
    ("director_a", "sa", "a1 a2 sa", "a1 a2 sa"),
    ("director_b", "sb", "b1 sb", "b1 sb"),
    ("pupil_a1", "a1 sa pu", "a1 sa pu", "pu"),
    ("pupil_a1_bis", "a1 sa", "a1 sa", ""),
    ("pupil_a2", "a2 sa", "a2 sa", ""),
    ("pupil_b1", "b1 sb", "b1 sb", ""),
    ("parent_a1", "a1 sa pp", "a1 sa pp", "pp"),
    ("parent_a1_no_authority", "a1 sa", "a1 sa", ""),
    ("parent_a2", "a2 sa", "a2 sa", ""),
    ("parent_b1", "b1 sb", "b1 sb", ""),
    ("staff_a", "ps", "ps", "ps"),
    ("city_agent", "", "", ""),
    ("admin", "", "", ""),
];

/// The classes and schools of the network, by key.
const CLASSES: [(&str, &str, &str); 3] = [("a1", CLASS_A1, "sa"), ("a2", CLASS_A2, "sa"), ("b1", CLASS_B1, "sb")];
const SCHOOLS: [(&str, &str); 2] = [("sa", SCHOOL_A), ("sb", SCHOOL_B)];

fn has(set: &str, key: &str) -> bool {
    set.split_whitespace().any(|k| k == key)
}

/// 200 showing exactly the agendas of `shown`.
fn showing(shown: &str) -> Expect {
    let mut e = Expect::status(200);
    for s in SEEDED {
        e = if has(shown, s.key) { e.showing(s.secret) } else { e.hiding(s.secret) };
    }
    e
}

/// `ok` for what one writes, 403 for what one only reads, 404 for the rest.
fn write_status(key: &str, readable: &str, writable: &str, ok: u16) -> u16 {
    if has(writable, key) {
        ok
    } else if has(readable, key) {
        403
    } else {
        404
    }
}

async fn reads(
    m: &mut Matrix<'_>,
    label: &str,
    who: &Identity,
    (own, readable, writable): (&str, &str, &str),
    events: &[String],
) {
    // The person's own agenda: week, month, home card, in both languages for the card.
    for path in [format!("/view/week?date={TODAY}"), "/view/month?month=2025-03".into(), "/fragment/summary".into()] {
        m.check(label, who, &Route::get(path), &showing(own)).await;
    }
    // A class's tab: that class and its school, for those who may read the class.
    for (key, id, school) in CLASSES {
        for view in [format!("week?class={id}&date={TODAY}"), format!("month?class={id}&month=2025-03")] {
            let e = if has(readable, key) { showing(&format!("{key} {school}")) } else { Expect::status(404) };
            m.check(label, who, &Route::get(format!("/view/{view}")), &e).await;
        }
    }
    // A parent's child's tab.
    let child = if label.starts_with("parent_a1") { showing("a1 sa") } else { Expect::status(404) };
    m.check(label, who, &Route::get(format!("/view/week?child=pupil-a1&date={TODAY}")), &child).await;
    // Each event's page: its words for those who may read it; the way to change it for those who
    // may write it.
    for (s, id) in SEEDED.iter().zip(events) {
        let route = Route::get(format!("/view/events/{id}"));
        let e = if has(readable, s.key) {
            let edit = format!("/events/{id}/edit");
            let e = Expect::status(200).showing(s.secret);
            if has(writable, s.key) { e.showing(edit) } else { e.hiding(edit) }
        } else {
            Expect::status(404).hiding(s.secret)
        };
        m.check(label, who, &route, &e).await;
    }
}

/// A target's form value for a seeded agenda's key (a person's own is always `personal`).
fn scope_value(key: &str) -> String {
    if let Some((_, id, _)) = CLASSES.iter().find(|(k, ..)| *k == key) {
        return format!("class:{id}");
    }
    if let Some((_, uai)) = SCHOOLS.iter().find(|(k, _)| *k == key) {
        return format!("school:{uai}");
    }
    "personal".into()
}

async fn writes(h: &Agenda, m: &mut Matrix<'_>, label: &str, who: &Identity, readable: &str, writable: &str) {
    for key in ["a1", "a2", "b1", "sa", "sb"] {
        let value = scope_value(key);
        let status = write_status(key, readable, writable, 200);
        m.check(label, who, &Route::get(format!("/view/events/new?scope={value}")), &Expect::status(status)).await;
        let title = format!("written by {label} in {key}");
        let fields = [
            ("scope", value.as_str()),
            ("title", title.as_str()),
            ("start_date", TODAY),
            ("start_time", "10:00"),
            ("end_time", "11:00"),
            ("repeat", "none"),
        ];
        let status = write_status(key, readable, writable, 303);
        let answer = m.check(label, who, &Route::post("/view/events", &fields), &Expect::status(status)).await;
        let (scope, _) = h.scope_of(key);
        let window = ent_portlet_agenda::recurrence::Window::day(pages::day(TODAY));
        let stored = h.store.events_in(&[scope], &window).await.unwrap();
        if stored.iter().any(|e| e.content.title.as_str() == title) != (status == 303) {
            m.fail(format!("{label} create in {key}: stored is not {}", status == 303));
        }
        if status == 303 && !answer.location().starts_with("/view/week?") {
            m.fail(format!("{label} create in {key}: went on to {}", answer.location()));
        }
    }
    // One's own agenda: everyone.
    let fields =
        [("scope", "personal"), ("title", "mine"), ("start_date", TODAY), ("all_day", "1"), ("repeat", "none")];
    m.check(label, who, &Route::post("/view/events", &fields), &Expect::status(303)).await;

    // Changing and deleting: fresh events, so that the seeded ones stay.
    for s in SEEDED {
        let fresh = h.seed(s.key, "fresh").await;
        let status = write_status(s.key, readable, writable, 303);
        let fields = [("title", "changed"), ("start_date", TODAY), ("all_day", "1"), ("repeat", "none")];
        m.check(
            label,
            who,
            &Route::get(format!("/view/events/{fresh}/edit")),
            &Expect::status(write_status(s.key, readable, writable, 200)),
        )
        .await;
        m.check(label, who, &Route::post(format!("/view/events/{fresh}"), &fields), &Expect::status(status)).await;
        let changed = h.store.get(&fresh).await.unwrap().unwrap().content.title.as_str() == "changed";
        if changed != (status == 303) {
            m.fail(format!("{label} update in {}: changed is {changed}", s.key));
        }
        m.check(label, who, &Route::post(format!("/view/events/{fresh}/delete"), &[]), &Expect::status(status)).await;
        let gone = h.store.get(&fresh).await.unwrap().is_none();
        if gone != (status == 303) {
            m.fail(format!("{label} delete in {}: gone is {gone}", s.key));
        }
        if !gone {
            h.store.delete(&fresh).await.unwrap();
        }
    }
}

ent_storage::both_backends!(MIGRATIONS; everyone_reads_and_writes_exactly_what_the_table_says, |db| async move {
    let h = Agenda::new(db);
    let events: Vec<String> = h.seed_all().await.iter().map(|id| id.to_string()).collect();
    let everyone = h.net.everyone();
    assert_eq!(everyone.len(), TABLE.len(), "every identity of the network has a row");
    let mut m = Matrix::new(&h.h);
    for ((label, who), (row, own, readable, writable)) in everyone.iter().zip(TABLE) {
        assert_eq!(*label, row);
        reads(&mut m, label, who, (own, readable, writable), &events).await;
        // Who imports (a class's or a school's writers), who imports holidays (directors); the
        // subscription page is everyone's.
        let imports = if writable.split_whitespace().any(|k| k.len() == 2 && !k.starts_with('p')) { 200 } else { 403 };
        m.check(label, who, &Route::get("/view/import"), &Expect::status(imports)).await;
        let holidays = if label.starts_with("director") { 200 } else { 403 };
        m.check(label, who, &Route::get("/view/holidays"), &Expect::status(holidays)).await;
        m.check(label, who, &Route::get("/view/subscription"), &Expect::status(200)).await;
    }
    for ((label, who), (_, _, readable, writable)) in everyone.iter().zip(TABLE) {
        writes(&h, &mut m, label, who, readable, writable).await;
    }
    m.finish();
});

ent_storage::both_backends!(MIGRATIONS; the_home_card_speaks_english_and_keeps_other_families_out, |db| async move {
    let h = Agenda::new(db);
    h.seed_all().await;
    for ((label, who), (_, own, ..)) in h.net.everyone().iter().zip(TABLE) {
        let a = h.get_en(who, "/fragment/summary").await;
        assert_eq!(a.status, 200, "{label}");
        h.assert_fragment_rules(&a.body);
        assert!(a.body.contains("Open the calendar") && !a.body.contains("Ouvrir"), "{label}: {}", a.body);
        for s in SEEDED {
            assert_eq!(a.body.contains(s.secret), has(own, s.key), "{label} {}", s.key);
        }
        if !own.is_empty() {
            assert!(a.body.contains("Tomorrow:"), "{label}: tomorrow's reminder: {}", a.body);
        }
    }
});

ent_storage::both_backends!(MIGRATIONS; a_token_for_another_portlet_opens_nothing, |db| async move {
    let h = Agenda::new(db);
    let token = h.issuer.token(&h.net.parent_a1, "urn:ent:portlet:homework");
    for path in ["/fragment/summary", "/view/week", "/view/subscription"] {
        assert_eq!(h.get_with_token(&token, path, "fr").await.status, 401, "{path}");
    }
    let a = h.post_with_token(None, "/view/events", &[("scope", "personal"), ("title", "x")], "fr").await;
    assert_eq!(a.status, 401);
});
