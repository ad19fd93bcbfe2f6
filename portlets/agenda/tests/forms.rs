//! The event form through the router: a refused form comes back `422` with what was typed and
//! each error beside its field (French and English); a weekly event is stored as one rule and
//! drawn on each of its days, an edit keeps it in its agenda, one day can be taken out, and a
//! deletion removes it.
#![allow(clippy::unwrap_used)]

mod pages;

use ent_portlet_agenda::MIGRATIONS;
use ent_portlet_agenda::recurrence::Recurrence;
use pages::{Agenda, TODAY, day, shown};

fn weekly<'a>(title: &'a str, scope: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("scope", scope),
        ("title", title),
        ("place", "Piscine Jean-Bouin"),
        ("start_date", "2025-03-04"),
        ("start_time", "14:00"),
        ("end_time", "15:00"),
        ("repeat", "weekly"),
        ("interval", "1"),
        ("weekday", "TU"),
        ("weekday", "TH"),
        ("monthly", "day"),
        ("ends", "until"),
        ("until", "2025-07-04"),
        ("exceptions", "2025-04-15\n17/04/2025"),
    ]
}

/// Fields changed from a good post, and the error said in French and in English.
type Case = (&'static [(&'static str, &'static str)], &'static str, &'static str);

ent_storage::both_backends!(MIGRATIONS; refused_forms_come_back_with_what_was_typed, |db| async move {
    let h = Agenda::new(db);
    let teacher = &h.net.teacher_a1;
    let cases: &[Case] = &[
        (&[("title", "")], "Indiquez un titre.", "Give a title."),
        (&[("end_time", "13:00")], "La fin vient avant le début.", "The end comes before the start."),
        (
            &[("start_date", "2025-03-30"), ("start_time", "02:30"), ("end_time", "03:30"), ("weekday", "SU")],
            "Cette heure n&#39;existe pas",
            "This time does not exist",
        ),
        (&[("until", "2025-02-01")], "La répétition s&#39;arrête avant le premier jour.", "The repetition ends before"),
        (&[("ends", "count"), ("count", "0")], "Un nombre de 1 à 1000.", "A number from 1 to 1000."),
        (&[("exceptions", "le 15 avril")], "n&#39;est pas une date", "is not a date"),
        (&[("interval", "100")], "Un nombre de 1 à 99.", "A number from 1 to 99."),
    ];
    for (changes, fr, en) in cases {
        let mut fields = weekly("Piscine", "class:class-a1");
        fields.retain(|(k, _)| !changes.iter().any(|(c, _)| c == k));
        fields.extend(changes.iter().copied());
        for (lang, words) in [("fr", fr), ("en", en)] {
            let a = h.post_in(teacher, "/view/events", &fields, lang).await;
            assert_eq!(a.status, 422, "{changes:?}");
            h.assert_fragment_rules(&a.body);
            assert!(a.body.contains(words), "{changes:?} {lang}: {}", a.body);
            assert!(a.body.contains("aria-invalid=\"true\""), "{changes:?}");
            // What was typed is there again, the class chosen too.
            assert!(a.body.contains("Piscine Jean-Bouin") || changes.iter().any(|(k, _)| *k == "place"));
            assert!(a.body.contains("<option value=\"class:class-a1\" selected>"), "{}", a.body);
        }
    }
    assert!(h.store.feed_events(&[h.scope_of("a1").0], chrono::DateTime::UNIX_EPOCH).await.unwrap().is_empty());
});

ent_storage::both_backends!(MIGRATIONS; a_weekly_event_is_one_rule_drawn_on_its_days, |db| async move {
    let h = Agenda::new(db);
    let (teacher, parent) = (&h.net.teacher_a1, &h.net.parent_a1);
    let a = h.post(teacher, "/view/events", &weekly("Piscine", "class:class-a1")).await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(a.location(), "/view/week?date=2025-03-04");
    let stored = h.store.feed_events(&[h.scope_of("a1").0], chrono::DateTime::UNIX_EPOCH).await.unwrap();
    assert_eq!(stored.len(), 1, "one rule, not copies");
    let event = &stored[0];
    let rule = event.content.schedule.recurrence().map(Recurrence::to_rule_text);
    assert_eq!(rule.as_deref(), Some("FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20250704"));
    assert_eq!(event.content.schedule.exceptions().len(), 2);
    assert_eq!(event.author.name(), "Camille Bernard");

    // The parent sees it on Tuesdays and Thursdays, not on the days taken out.
    let april = shown(&h.get(parent, "/view/month?month=2025-04").await.body, &h.base);
    let days: Vec<String> = april.iter().map(|s| s.first_day.to_string()).collect();
    assert_eq!(
        days,
        ["2025-04-01", "2025-04-03", "2025-04-08", "2025-04-10", "2025-04-22", "2025-04-24", "2025-04-29"]
    );
    // Its page says how it repeats, in the parent's language.
    let page = h.get_en(parent, &format!("/view/events/{}?date=2025-04-08", event.id)).await;
    assert!(page.body.contains("Every week on Tuesday and Thursday, until Friday 4 July 2025"), "{}", page.body);
    assert!(page.body.contains("datetime=\"2025-04-08T14:00:00+02:00\""), "summer time: {}", page.body);
    assert!(!page.body.contains("/edit") && !page.body.contains("<form"), "a parent only reads");

    // The teacher takes one day out, then changes the time; the event stays in its class.
    let a = h.post(teacher, &format!("/view/events/{}/skip", event.id), &[("day", "2025-04-08")]).await;
    assert_eq!(a.status, 303);
    let skipped = h.store.get(&event.id).await.unwrap().unwrap();
    assert!(skipped.content.schedule.exceptions().contains(&day("2025-04-08")));
    let a = h.post(teacher, &format!("/view/events/{}/skip", event.id), &[("day", "2025-04-09")]).await;
    assert_eq!(a.status, 400, "a day without an occurrence");
    let edit = h.get(teacher, &format!("/view/events/{}/edit", event.id)).await;
    assert!(edit.body.contains("2025-04-08") && edit.body.contains("value=\"2025-07-04\""), "{}", edit.body);
    let mut fields = weekly("Piscine (nouvel horaire)", "class:class-a2");
    fields.retain(|(k, _)| *k != "start_time");
    fields.push(("start_time", "13:30"));
    let a = h.post(teacher, &format!("/view/events/{}", event.id), &fields).await;
    assert_eq!(a.status, 303, "{}", a.body);
    let changed = h.store.get(&event.id).await.unwrap().unwrap();
    assert_eq!(changed.scope, event.scope, "an event stays in its agenda");
    assert_eq!(changed.content.title.as_str(), "Piscine (nouvel horaire)");

    let a = h.post(teacher, &format!("/view/events/{}/delete", event.id), &[]).await;
    assert_eq!(a.status, 303);
    assert!(h.store.get(&event.id).await.unwrap().is_none());
    assert!(shown(&h.get(parent, "/view/month?month=2025-04").await.body, &h.base).is_empty());
});

ent_storage::both_backends!(MIGRATIONS; all_day_events_over_several_days_are_on_each, |db| async move {
    let h = Agenda::new(db);
    let director = &h.net.director_a;
    let fields = [
        ("scope", "school:0750001A"),
        ("title", "Classe verte"),
        ("all_day", "1"),
        ("start_date", "2025-03-05"),
        ("end_date", "2025-03-07"),
        ("repeat", "none"),
    ];
    let a = h.post(director, "/view/events", &fields).await;
    assert_eq!(a.status, 303, "{}", a.body);
    let week = h.get(&h.net.pupil_a2, &format!("/view/week?date={TODAY}")).await.body;
    assert_eq!(week.matches("Classe verte").count(), 3, "{week}");
    assert!(week.contains("jusqu&#39;au vendredi 7 mars") && week.contains("dernier jour"), "{week}");
    let page = h.get(&h.net.pupil_a2, "/fragment/summary").await.body;
    assert!(page.contains("Demain :") && page.contains("Classe verte"), "{page}");
});
