//! The notebook's store on SQLite and PostgreSQL: what a note records when posted, signatures
//! that happen once (even two at the same instant), reminders at most hourly, threads, read marks.
#![allow(clippy::unwrap_used)]

use ent_portlet_kit::now;
use ent_portlet_kit::storage::both_backends;
use ent_portlet_liaison::MIGRATIONS;
use ent_portlet_liaison::store::{Concerned, Kind, NewNote, Person, Scope, Store};

fn person(sub: &str, name: &str) -> Person {
    Person { sub: sub.into(), name: name.into() }
}

/// A note to class A1: Léa (one parent with authority) and Noé (none).
fn class_note(signature: bool) -> NewNote {
    NewNote {
        kind: Kind::Class,
        school: "0750001A".into(),
        class_id: "class-a1".into(),
        class_name: "CM1 A".into(),
        author: person("teacher-a1", "Camille Bernard"),
        whole_class: true,
        title: "Sortie au musée".into(),
        body: "Jeudi, prévoir un pique-nique.".into(),
        needs_signature: signature,
        pupils: vec![
            Concerned {
                sub: "pupil-a1".into(),
                name: "Léa Dupont".into(),
                signers: vec![person("parent-a1", "Marie Dupont")],
            },
            Concerned { sub: "pupil-a1-bis".into(), name: "Noé Martin".into(), signers: vec![] },
        ],
    }
}

both_backends!(MIGRATIONS; a_note_records_its_pupils_and_signers, |db| async move {
    let store = Store::new(db);
    let at = now();
    let id = store.create_note(&class_note(true), at).await.unwrap();
    let note = store.note(&id).await.unwrap().unwrap();
    assert_eq!((note.kind, note.title.as_str(), note.needs_signature, note.created_at), (Kind::Class, "Sortie au musée", true, at));
    assert!(note.whole_class && note.last_reminder_at.is_none());
    let pupils: Vec<String> = store.pupils(&id).await.unwrap().into_iter().map(|p| p.name).collect();
    assert_eq!(pupils, ["Léa Dupont", "Noé Martin"]);
    let expected = store.expected(&id).await.unwrap();
    assert_eq!(expected.len(), 1);
    assert_eq!((expected[0].pupil_sub.as_str(), expected[0].parent_sub.as_str()), ("pupil-a1", "parent-a1"));
    assert!(expected[0].signed_at.is_none());
    assert!(store.concerns(&id, "pupil-a1-bis").await.unwrap());
    assert!(!store.concerns(&id, "pupil-a2").await.unwrap());
    assert!(store.note("0123456789abcdef0123456789abcdef").await.unwrap().is_none());
    // Without a signature asked, nobody is expected to sign.
    let quiet = store.create_note(&class_note(false), at).await.unwrap();
    assert!(store.expected(&quiet).await.unwrap().is_empty());
});

both_backends!(MIGRATIONS; signing_is_once_and_only_for_expected_signers, |db| async move {
    let store = Store::new(db);
    let id = store.create_note(&class_note(true), now()).await.unwrap();
    assert!(store.sign(&id, "pupil-a1", "parent-a1", "Marie Dupont", 100).await.unwrap());
    // A second click changes nothing, not even the date.
    assert!(!store.sign(&id, "pupil-a1", "parent-a1", "Marie Dupont", 200).await.unwrap());
    let e = store.expected(&id).await.unwrap();
    assert_eq!((e[0].signed_at, e[0].signer_name.as_deref()), (Some(100), Some("Marie Dupont")));
    // Not expected: another parent, another pupil, a pupil without signers.
    assert!(!store.sign(&id, "pupil-a1", "parent-a1-bis", "Paul Dupont", 100).await.unwrap());
    assert!(!store.sign(&id, "pupil-a1-bis", "parent-a1", "Marie Dupont", 100).await.unwrap());
    assert!(!store.sign(&id, "pupil-a2", "parent-a2", "Karim Roux", 100).await.unwrap());
    let counts = store.counts(&[id.as_str()]).await.unwrap();
    assert_eq!((counts[&id].signed, counts[&id].expected), (1, 1));
    assert!(store.to_sign("parent-a1", "pupil-a1").await.unwrap().is_empty());
});

both_backends!(MIGRATIONS; two_signatures_at_once_make_one_row, |db| async move {
    let store = Store::new(db.clone());
    let id = store.create_note(&class_note(true), now()).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (store, id) = (store.clone(), id.clone());
        tasks.push(tokio::spawn(async move { store.sign(&id, "pupil-a1", "parent-a1", "Marie Dupont", 1000 + i).await }));
    }
    let mut added = 0;
    for t in tasks {
        added += i32::from(t.await.unwrap().unwrap());
    }
    assert_eq!(added, 1);
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signatures WHERE note_id = $1")
        .bind(&id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(rows, 1);
});

both_backends!(MIGRATIONS; reminders_are_at_most_hourly, |db| async move {
    let store = Store::new(db);
    let id = store.create_note(&class_note(true), 0).await.unwrap();
    assert!(store.remind(&id, "teacher-a1", 10_000).await.unwrap());
    assert!(!store.remind(&id, "teacher-a1", 10_000 + 3599).await.unwrap());
    assert!(store.remind(&id, "teacher-a1", 10_000 + 3600).await.unwrap());
    assert_eq!(store.reminders(&id).await.unwrap(), 2);
    assert_eq!(store.note(&id).await.unwrap().unwrap().last_reminder_at, Some(13_600));
    // No reminder for a note that asks no signature.
    let quiet = store.create_note(&class_note(false), 0).await.unwrap();
    assert!(!store.remind(&quiet, "teacher-a1", 10_000).await.unwrap());
    assert_eq!(store.reminders(&quiet).await.unwrap(), 0);
});

both_backends!(MIGRATIONS; threads_are_per_pupil_and_know_what_is_new, |db| async move {
    let store = Store::new(db);
    let id = store.create_note(&class_note(true), 0).await.unwrap();
    store.add_message(&id, "pupil-a1", &person("parent-a1", "Marie Dupont"), "parent", "Bien reçu.", 10).await.unwrap();
    store.add_message(&id, "pupil-a1-bis", &person("teacher-a1", "Camille Bernard"), "teacher", "Pour Noé.", 11).await.unwrap();
    let thread = store.thread(&id, "pupil-a1").await.unwrap();
    assert_eq!(thread.len(), 1);
    assert_eq!((thread[0].author_name.as_str(), thread[0].body.as_str()), ("Marie Dupont", "Bien reçu."));
    // The teacher has one new reply in the class; the parent none (their own).
    assert_eq!(store.unread_for_classes("teacher-a1", &["class-a1"]).await.unwrap(), 1);
    assert_eq!(store.unread_for_pupils("parent-a1", &["pupil-a1"]).await.unwrap(), 0);
    let seen = store.thread(&id, "pupil-a1").await.unwrap().last().unwrap().id;
    store.mark_read(&id, "pupil-a1", "teacher-a1", 20, seen).await.unwrap();
    assert_eq!(store.unread_for_classes("teacher-a1", &["class-a1"]).await.unwrap(), 0);
    // An answer in the same second as the parent's last look is still new to them.
    store.add_message(&id, "pupil-a1", &person("teacher-a1", "Camille Bernard"), "teacher", "Merci !", 10).await.unwrap();
    assert_eq!(store.unread_for_pupils("parent-a1", &["pupil-a1"]).await.unwrap(), 1);
    // A page shown earlier and marked late does not take the mark backwards.
    store.mark_read(&id, "pupil-a1", "teacher-a1", 40, 0).await.unwrap();
    assert_eq!(store.unread_for_classes("teacher-a1", &["class-a1"]).await.unwrap(), 0);
    assert_eq!(store.thread_sizes(&id).await.unwrap()["pupil-a1"], 2);
});

both_backends!(MIGRATIONS; lists_by_class_school_and_pupil, |db| async move {
    let store = Store::new(db);
    let a1 = store.create_note(&class_note(true), 10).await.unwrap();
    let mut to_noe = class_note(false);
    to_noe.whole_class = false;
    to_noe.pupils.remove(0);
    let noe = store.create_note(&to_noe, 20).await.unwrap();
    let parent_note = NewNote {
        kind: Kind::Parent,
        author: person("parent-a1", "Marie Dupont"),
        whole_class: false,
        needs_signature: false,
        title: "Absence".into(),
        pupils: vec![Concerned { sub: "pupil-a1".into(), name: "Léa Dupont".into(), signers: vec![] }],
        ..class_note(false)
    };
    let asked = store.create_note(&parent_note, 30).await.unwrap();
    let mut other_school = class_note(true);
    other_school.school = "0750002B".into();
    other_school.class_id = "class-b1".into();
    other_school.pupils = vec![Concerned { sub: "pupil-b1".into(), name: "Hugo Petit".into(), signers: vec![] }];
    let b1 = store.create_note(&other_school, 40).await.unwrap();

    let ids = |notes: Vec<ent_portlet_liaison::store::Note>| notes.into_iter().map(|n| n.id).collect::<Vec<_>>();
    assert_eq!(ids(store.list(&Scope::Classes(&["class-a1"]), 10).await.unwrap()), [asked.as_str(), noe.as_str(), a1.as_str()]);
    assert_eq!(ids(store.list(&Scope::School { school: "0750001A", class: None }, 10).await.unwrap()), [asked.as_str(), noe.as_str(), a1.as_str()]);
    assert_eq!(ids(store.list(&Scope::School { school: "0750002B", class: None }, 10).await.unwrap()), [b1.as_str()]);
    // Léa's parents see the notes about her; Léa herself not what her parents wrote.
    assert_eq!(ids(store.list(&Scope::Pupil { sub: "pupil-a1", with_parent_notes: true }, 10).await.unwrap()), [asked.as_str(), a1.as_str()]);
    assert_eq!(ids(store.list(&Scope::Pupil { sub: "pupil-a1", with_parent_notes: false }, 10).await.unwrap()), [a1.as_str()]);
    assert_eq!(ids(store.list(&Scope::Pupil { sub: "pupil-a1-bis", with_parent_notes: false }, 10).await.unwrap()), [noe.as_str(), a1.as_str()]);
    // The teacher has a new parent note; its author has read it.
    assert_eq!(ids(store.unread_parent_notes("teacher-a1", &["class-a1"]).await.unwrap()), [asked.as_str()]);
    assert!(store.unread_parent_notes("parent-a1", &["class-a1"]).await.unwrap().is_empty());
    let figures = store.school_counts("0750001A").await.unwrap();
    assert_eq!((figures.notes, figures.awaiting, figures.parent_notes), (3, 1, 1));
    assert_eq!(store.school_classes("0750001A").await.unwrap(), [("class-a1".to_string(), "CM1 A".to_string())]);
    assert_eq!(store.pupil_name("pupil-a1").await.unwrap().as_deref(), Some("Léa Dupont"));
});
