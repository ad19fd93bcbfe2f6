//! The diary's store on both backends: entries with their items and files, all-or-nothing
//! updates, the lists the views read, and deletion of everything an entry holds.
#![allow(clippy::unwrap_used)]

use ent_portlet_homework::store::{Content, Item, MAX_FILES, NewFile, Placement, Store, Updated};
use ent_portlet_homework::{Date, MIGRATIONS};

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn placement(class: &str, school: &str) -> Placement {
    Placement {
        school: school.into(),
        class_id: class.into(),
        class_name: format!("Classe {class}"),
        author_sub: "teacher".into(),
        author_name: "Camille Bernard".into(),
    }
}

fn content(day: &str, done: &str, items: &[(&str, &str)]) -> Content {
    Content {
        day: d(day),
        done: done.into(),
        items: items.iter().map(|(t, due)| Item { text: t.to_string(), due: d(due) }).collect(),
    }
}

fn file(name: &str, bytes: &[u8]) -> NewFile {
    NewFile { name: name.into(), content_type: "application/pdf".into(), data: bytes.to_vec().into() }
}

ent_storage::both_backends!(MIGRATIONS; an_entry_keeps_its_items_and_files, |db| async move {
    let store = Store::new(db);
    let c = content("2025-03-04", "Lecture", &[("Poésie", "2025-03-06"), ("Fiche", "2025-03-05")]);
    let id = store.create(&placement("c1", "S"), &c, &[file("fiche.pdf", b"%PDF-1.4 \x00\xff")]).await.unwrap();
    let e = store.get(&id).await.unwrap().unwrap();
    assert_eq!(e.content, c, "items keep their order");
    assert_eq!(e.placement, placement("c1", "S"));
    assert_eq!(e.files.len(), 1);
    assert_eq!(e.files[0].size, 11);
    let (meta, entry) = store.file_meta(&e.files[0].id).await.unwrap().unwrap();
    assert_eq!((meta.name.as_str(), entry.as_str()), ("fiche.pdf", id.as_str()));
    assert_eq!(store.file_data(&meta.id).await.unwrap().unwrap(), b"%PDF-1.4 \x00\xff");
    assert!(store.get("nope").await.unwrap().is_none());
});

ent_storage::both_backends!(MIGRATIONS; lists_are_per_class_and_by_day, |db| async move {
    let store = Store::new(db);
    store.create(&placement("c1", "S"), &content("2025-03-04", "mardi", &[("A", "2025-03-06")]), &[]).await.unwrap();
    store.create(&placement("c1", "S"), &content("2025-03-03", "lundi", &[("B", "2025-03-04")]), &[]).await.unwrap();
    store.create(&placement("c1", "S"), &content("2025-03-10", "suivante", &[]), &[]).await.unwrap();
    store.create(&placement("c2", "S"), &content("2025-03-04", "autre classe", &[("C", "2025-03-06")]), &[]).await.unwrap();
    store.create(&placement("c9", "T"), &content("2025-03-04", "autre école", &[]), &[]).await.unwrap();

    let week = store.class_entries("c1", d("2025-03-03"), d("2025-03-07")).await.unwrap();
    let done: Vec<&str> = week.iter().map(|e| e.content.done.as_str()).collect();
    assert_eq!(done, ["lundi", "mardi"]);
    assert_eq!(week[1].content.items[0].text, "A");

    let due = store.class_due("c1", d("2025-03-04"), d("2025-03-31"), 10).await.unwrap();
    let texts: Vec<&str> = due.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(texts, ["B", "A"], "by due day");
    assert_eq!(due[1].given_on, d("2025-03-04"));

    let counts = store.school_counts("S", d("2025-03-03"), d("2025-03-07")).await.unwrap();
    assert_eq!((counts.get("c1"), counts.get("c2"), counts.get("c9")), (Some(&2), Some(&1), None));
    let classes = store.school_classes("S", 0).await.unwrap();
    let ids: Vec<&str> = classes.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["c1", "c2"]);
    assert_eq!(store.class("c9").await.unwrap().unwrap().school, "T");
});

ent_storage::both_backends!(MIGRATIONS; an_update_is_all_or_nothing, |db| async move {
    let store = Store::new(db);
    let files: Vec<NewFile> = (0..MAX_FILES - 1).map(|i| file(&format!("f{i}.pdf"), b"x")).collect();
    let id = store.create(&placement("c1", "S"), &content("2025-03-04", "v1", &[("A", "2025-03-06")]), &files).await.unwrap();
    let before = store.get(&id).await.unwrap().unwrap();

    // Two more files would make one too many: nothing changes, not even the text.
    let v2 = content("2025-03-05", "v2", &[("B", "2025-03-07")]);
    let outcome = store.update(&id, &v2, &[], &[file("a.pdf", b"a"), file("b.pdf", b"b")]).await.unwrap();
    assert_eq!(outcome, Updated::TooManyFiles);
    assert_eq!(store.get(&id).await.unwrap().unwrap(), before);

    // Removing one makes room; a file of another entry cannot be removed through this one.
    let other = store.create(&placement("c1", "S"), &content("2025-03-04", "o", &[]), &[file("o.pdf", b"o")]).await.unwrap();
    let other_file = store.get(&other).await.unwrap().unwrap().files[0].id.clone();
    let removed = vec![before.files[0].id.clone(), other_file];
    let outcome = store.update(&id, &v2, &removed, &[file("a.pdf", b"a"), file("b.pdf", b"b")]).await.unwrap();
    assert_eq!(outcome, Updated::Done);
    let after = store.get(&id).await.unwrap().unwrap();
    assert_eq!(after.content, v2);
    assert_eq!(after.files.len(), MAX_FILES);
    assert_eq!(store.get(&other).await.unwrap().unwrap().files.len(), 1);
    assert_eq!(store.update("nope", &v2, &[], &[]).await.unwrap(), Updated::NoSuchEntry);
});

ent_storage::both_backends!(MIGRATIONS; a_deleted_entry_takes_its_items_and_files, |db| async move {
    let store = Store::new(db);
    let id = store
        .create(&placement("c1", "S"), &content("2025-03-04", "x", &[("A", "2025-03-06")]), &[file("f.pdf", b"x")])
        .await
        .unwrap();
    let file_id = store.get(&id).await.unwrap().unwrap().files[0].id.clone();
    assert!(store.delete(&id).await.unwrap());
    assert!(!store.delete(&id).await.unwrap());
    assert!(store.get(&id).await.unwrap().is_none());
    assert!(store.file_meta(&file_id).await.unwrap().is_none());
    assert!(store.class_due("c1", d("2025-03-01"), d("2025-03-31"), 10).await.unwrap().is_empty());
});

ent_storage::both_backends!(MIGRATIONS; the_database_refuses_oversized_files, |db| async move {
    // The limit is the application's; the table repeats it, so no path around the code stores more.
    let store = Store::new(db.clone());
    let id = store.create(&placement("c1", "S"), &content("2025-03-04", "x", &[]), &[]).await.unwrap();
    let big = vec![0u8; 5 * 1024 * 1024 + 1];
    let refused = sqlx::query(
        "INSERT INTO files (id, entry_id, name, content_type, size, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind("f")
    .bind(&id)
    .bind("big.bin")
    .bind("application/octet-stream")
    .bind(big.len() as i64)
    .bind(big)
    .bind(0i64)
    .execute(&db.writer)
    .await;
    assert!(refused.is_err());
});
