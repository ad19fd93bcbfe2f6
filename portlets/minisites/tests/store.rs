//! The store on both backends: versions numbered in order, a decision taken once, what a page
//! shows, restoring, the menu's order, what changes a site's access version (and so ends the
//! links minted before), the director's approval, pictures kept byte for byte.
#![allow(clippy::unwrap_used)]

use ent_portlet_kit::KnownClasses;
use ent_portlet_kit::storage::both_backends;
use ent_portlet_minisites::model::{VersionState, Visibility};
use ent_portlet_minisites::store::{NewSite, Settings, Writing};
use ent_portlet_minisites::{MIGRATIONS, Store};

fn new_site<'a>(title: &'a str) -> NewSite<'a> {
    NewSite { school: "0750001A", class_id: "c1", class_name: "CM1 A", title, created_by: "t1" }
}

fn writing<'a>(title: &'a str, body: &'a str, author: &'a str, publish: bool) -> Writing<'a> {
    Writing { title, body, author_sub: author, author_name: author, publish }
}

both_backends!(MIGRATIONS; versions_are_numbered_and_decided_once, |db| async move {
    let store = Store::new(db);
    let site = store.create_site(&new_site("Journal"), 100).await.unwrap();
    let (page, v1) = store.create_page(&site, &writing("A", "pupil's", "p1", false), 100).await.unwrap();
    assert!(store.current(&page).await.unwrap().is_none(), "a pending version shows nothing");
    assert_eq!(store.pending(&site).await.unwrap().len(), 1);
    // Two decisions at once: one wins.
    let (a, b) = tokio::join!(store.decide(&v1, true, "T", 200), store.decide(&v1, false, "D", 200));
    assert!(a.unwrap() ^ b.unwrap(), "exactly one decision counts");
    let v = store.version(&v1).await.unwrap().unwrap();
    assert!(matches!(v.state, VersionState::Published | VersionState::Rejected));
    assert!(store.pending(&site).await.unwrap().is_empty());
    let v2 = store.add_version(&page, &writing("A", "teacher's", "t1", true), 300).await.unwrap();
    let v3 = store.add_version(&page, &writing("A", "pupil's again", "p1", false), 400).await.unwrap();
    let numbers: Vec<i64> = store.versions(&page).await.unwrap().iter().map(|v| v.number).collect();
    assert_eq!(numbers, vec![3, 2, 1]);
    assert_eq!(store.current(&page).await.unwrap().unwrap().id, v2);
    // Approving an older proposal later makes it the one shown: the most recently published.
    assert!(store.decide(&v3, true, "T", 500).await.unwrap());
    assert_eq!(store.current(&page).await.unwrap().unwrap().id, v3);
    let restored = store.restore(&v2, "t1", "T", 600).await.unwrap().unwrap();
    let current = store.current(&page).await.unwrap().unwrap();
    assert_eq!((current.id, current.number, current.restored_from), (restored, 4, Some(2)));
    // A pending or rejected version cannot be restored.
    let v5 = store.add_version(&page, &writing("A", "x", "p1", false), 700).await.unwrap();
    assert!(store.restore(&v5, "t1", "T", 800).await.unwrap().is_none());
});

both_backends!(MIGRATIONS; access_version_moves_when_who_sees_changes, |db| async move {
    let store = Store::new(db);
    let id = store.create_site(&new_site("Journal"), 100).await.unwrap();
    let v0 = store.site(&id).await.unwrap().unwrap().access_version;
    let set = |title: &'static str, visibility, members: &'static [String], director| Settings { title, visibility, members, director };
    // A new title changes nothing of who sees it.
    let s = store.update_site(&id, &set("Journal 2", Visibility::Class, &[], None), 200).await.unwrap().unwrap();
    assert_eq!((s.title.as_str(), s.access_version), ("Journal 2", v0));
    // Public asked by a teacher: seen by the school, a change.
    let s = store.update_site(&id, &set("J", Visibility::Public, &[], None), 300).await.unwrap().unwrap();
    assert_eq!((s.effective(), s.access_version), (Visibility::School, v0 + 1));
    assert!(s.awaits_public_approval());
    assert!(store.approve_public(&id, "Anne", 400).await.unwrap());
    assert!(!store.approve_public(&id, "Anne", 401).await.unwrap(), "once");
    let s = store.site(&id).await.unwrap().unwrap();
    assert_eq!((s.effective(), s.access_version, s.public_approved_by.as_deref()), (Visibility::Public, v0 + 2, Some("Anne")));
    // Back to the class: the approval goes.
    let s = store.update_site(&id, &set("J", Visibility::Class, &[], None), 500).await.unwrap().unwrap();
    assert_eq!((s.public_approved_at, s.access_version), (None, v0 + 3));
    // Other writers: a change.
    static MEMBERS: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| vec!["p1".to_string()]);
    let s = store.update_site(&id, &set("J", Visibility::Class, &MEMBERS, None), 600).await.unwrap().unwrap();
    assert_eq!((s.members.clone(), s.access_version), (MEMBERS.clone(), v0 + 4));
    // The director making it public approves it at once.
    let s = store.update_site(&id, &set("J", Visibility::Public, &MEMBERS, Some("Anne")), 700).await.unwrap().unwrap();
    assert_eq!(s.effective(), Visibility::Public);
    assert!(store.update_site(&"0".repeat(32).parse().unwrap(), &set("J", Visibility::Class, &[], None), 1).await.unwrap().is_none());
});

both_backends!(MIGRATIONS; menus_pictures_and_known_classes, |db| async move {
    let store = Store::new(db);
    let site = store.create_site(&new_site("Journal"), 100).await.unwrap();
    let other = store.create_site(&new_site("Autre"), 100).await.unwrap();
    let (a, _) = store.create_page(&site, &writing("A", "a", "t1", true), 100).await.unwrap();
    let (b, _) = store.create_page(&site, &writing("B", "b", "t1", true), 100).await.unwrap();
    let (c, _) = store.create_page(&site, &writing("C", "c", "t1", true), 100).await.unwrap();
    let order = || async { store.pages(&site).await.unwrap().into_iter().map(|p| p.id).collect::<Vec<_>>() };
    store.move_page(&c, true).await.unwrap();
    assert_eq!(order().await, vec![a.clone(), c.clone(), b.clone()]);
    store.move_page(&a, true).await.unwrap(); // already first: nothing
    store.move_page(&b, false).await.unwrap(); // already last: nothing
    assert_eq!(order().await, vec![a.clone(), c.clone(), b.clone()]);
    store.move_page(&a, false).await.unwrap();
    assert_eq!(order().await, vec![c, a, b]);
    let bytes: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    let pic = store.add_picture(&site, "chat.png", "image/png", &bytes, "p1", 100).await.unwrap();
    let (meta, data) = store.picture(&site, &pic).await.unwrap().unwrap();
    assert_eq!((meta.size, data), (5000, bytes));
    assert!(store.picture(&other, &pic).await.unwrap().is_none(), "a picture belongs to its site");
    assert_eq!(store.pictures(&site).await.unwrap().len(), 1);
    assert_eq!(store.known_class("c1").await.unwrap().map(|c| c.name), Some("CM1 A".into()));
    assert_eq!(store.known_school_classes("0750001A").await.unwrap().len(), 1);
    assert!(store.known_school_classes("0750002B").await.unwrap().is_empty());
});
