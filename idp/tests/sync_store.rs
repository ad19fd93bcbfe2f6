#![allow(clippy::unwrap_used)]

//! The directory sync's apply step, on SQLite and PostgreSQL: stable keys across renames,
//! departures (deactivation, sessions and grants ended), the deactivation threshold, dry runs,
//! conflicts reported and skipped, RFC 4533 present lists and delete lists, the cookie.

use ent_idp::both_backends;
use ent_idp::db::Db;
use ent_idp::store::directory::DirectoryStore;
use ent_idp::store::sessions::SessionStore;
use ent_idp::store::sync::{ApplyOptions, ApplyReport, Kind, Link, LinkKind, LinkSides, Mark, Mode, Staged, SyncStore};

const SRC: &str = "annuaire";

fn school(key: &str, uai: &str) -> Staged {
    Staged {
        key: key.into(),
        ldap_uuid: Some(format!("uuid-{key}")),
        dn: format!("ENTStructureUAI={uai},ou=structures,dc=ent,dc=test"),
        name: format!("École {uai}"),
        code: Some(uai.into()),
        ..Default::default()
    }
}

fn class(key: &str, name: &str) -> Staged {
    Staged {
        key: key.into(),
        ldap_uuid: Some(format!("uuid-{key}")),
        dn: format!("cn={name},ou=groups,dc=ent,dc=test"),
        name: name.into(),
        code: Some("CM1".into()),
        ..Default::default()
    }
}

fn person(key: &str, login: &str, profile: &str) -> Staged {
    Staged {
        key: key.into(),
        ldap_uuid: Some(format!("uuid-{key}")),
        dn: format!("uid={login},ou=people,dc=ent,dc=test"),
        name: format!("Nom {key}"),
        given_name: Some(format!("Prénom {key}")),
        login: Some(login.into()),
        profile: Some(profile.into()),
        email: Some(format!("{login}@example.org")),
        ..Default::default()
    }
}

fn link(from: &str, kind: LinkKind, to: &str) -> Link {
    Link { from_key: from.into(), kind, to_dn: to.into(), extra: None }
}

const SCHOOL_DN: &str = "ENTStructureUAI=0691234A,ou=structures,dc=ent,dc=test";
const CLASS_DN: &str = "cn=CM1-A,ou=groups,dc=ent,dc=test";

fn opts(mode: Mode) -> ApplyOptions {
    ApplyOptions {
        mode,
        dry_run: false,
        max_departed_share: 0.10,
        force: false,
        cookie: None,
        sides: LinkSides {
            memberships_on_people: true,
            memberships_on_classes: false,
            parents_on_pupils: true,
            children_on_parents: true,
        },
    }
}

/// A school, a class, a teacher, `pupils` pupils (each with one parent).
async fn full_run(sync: &SyncStore, pupils: usize, opts: &ApplyOptions) -> ApplyReport {
    let run = sync.begin_run(SRC).await.unwrap();
    sync.stage(&run, Kind::School, &[school("s1", "0691234A")], &[], &[]).await.unwrap();
    sync.stage(&run, Kind::Class, &[class("c1", "CM1-A")], &[link("c1", LinkKind::ClassSchool, SCHOOL_DN)], &[])
        .await
        .unwrap();
    let mut people = vec![person("t1", "prof.un", "teacher")];
    let mut links = vec![link("t1", LinkKind::TeacherClass, CLASS_DN), link("t1", LinkKind::PersonSchool, SCHOOL_DN)];
    for i in 0..pupils {
        let (k, p) = (format!("e{i}"), format!("r{i}"));
        people.push(person(&k, &format!("eleve.{i}"), "pupil"));
        people.push(person(&p, &format!("parent.{i}"), "parent"));
        links.push(link(&k, LinkKind::PupilClass, CLASS_DN));
        links.push(link(&k, LinkKind::PersonSchool, SCHOOL_DN));
        links.push(link(&k, LinkKind::Parent { legal: true }, &format!("uid=parent.{i},ou=people,dc=ent,dc=test")));
    }
    sync.stage(&run, Kind::Person, &people, &links, &[]).await.unwrap();
    sync.apply(&run, SRC, opts).await.unwrap()
}

async fn active(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM people WHERE disabled = 0").fetch_one(&db.pool).await.unwrap()
}

both_backends!(full_sync_adds_everything_and_links_it, |db| async move {
    let sync = SyncStore::new(db.clone());
    let report = full_run(&sync, 3, &opts(Mode::Full)).await;
    assert!(report.applied, "{report:?}");
    assert_eq!((report.schools.added, report.classes.added, report.people.added), (1, 1, 7));
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    let dir = DirectoryStore::new(db.clone());
    let pupil = dir.person_by_login("eleve.0").await.unwrap().unwrap();
    assert_eq!(pupil.email, None, "no e-mail is kept for pupils");
    let a = dir.affiliations(&pupil.id).await.unwrap();
    assert_eq!(a.schools, vec!["0691234A".to_string()]);
    assert_eq!(a.classes.len(), 1);
    let parent = dir.person_by_login("parent.0").await.unwrap().unwrap();
    let a = dir.affiliations(&parent.id).await.unwrap();
    assert_eq!(a.children.len(), 1);
    let child = &a.children[0];
    assert_eq!((child.sub.as_str(), child.legal_guardian), (pupil.public_sub.as_str(), true));
    assert_eq!(child.given_name, pupil.given_name);
    let (_, class_name, uai) = child.class.clone().expect("the child's class");
    assert_eq!((class_name.is_empty(), uai.as_str()), (false, "0691234A"));
    // A second identical run changes nothing.
    let again = full_run(&sync, 3, &opts(Mode::Full)).await;
    assert_eq!((again.people.added, again.people.updated, again.people.removed), (0, 0, 0), "{again:?}");
});

both_backends!(a_renamed_entry_is_the_same_person, |db| async move {
    let sync = SyncStore::new(db.clone());
    full_run(&sync, 1, &opts(Mode::Full)).await;
    let dir = DirectoryStore::new(db.clone());
    let before = dir.person_by_login("eleve.0").await.unwrap().unwrap();
    let run = sync.begin_run(SRC).await.unwrap();
    let mut renamed = person("e0", "eleve.zero", "pupil");
    renamed.dn = "uid=eleve.zero,ou=moved,dc=ent,dc=test".into();
    sync.stage(&run, Kind::Person, &[renamed], &[link("e0", LinkKind::PupilClass, CLASS_DN)], &[]).await.unwrap();
    let report = sync.apply(&run, SRC, &opts(Mode::Deletes)).await.unwrap();
    assert_eq!((report.people.added, report.people.updated), (0, 1));
    let after = dir.person_by_login("eleve.zero").await.unwrap().unwrap();
    assert_eq!((after.id, after.public_sub), (before.id, before.public_sub), "same id and sub after a rename");
    assert!(dir.person_by_login("eleve.0").await.unwrap().is_none());
});

both_backends!(departures_deactivate_and_end_sessions, |db| async move {
    let sync = SyncStore::new(db.clone());
    full_run(&sync, 20, &opts(Mode::Full)).await;
    let dir = DirectoryStore::new(db.clone());
    let leaver = dir.person_by_login("eleve.19").await.unwrap().unwrap();
    let sessions = SessionStore::new(db.clone());
    let (cookie, _) = sessions.create(&leaver.id, &["pwd".into()], 3600).await.unwrap();
    // Pupil 19 and parent 19 are gone: 2 of 41 (< 10 %).
    let report = full_run(&sync, 19, &opts(Mode::Full)).await;
    assert!(report.applied);
    assert_eq!(report.people.removed, 2);
    let gone = dir.person(&leaver.id).await.unwrap().unwrap();
    assert!(gone.disabled, "a departed person is deactivated at once");
    assert!(sessions.find(&cookie).await.unwrap().is_none(), "and signed out");
    // Back in the directory: reactivated, same person.
    let report = full_run(&sync, 20, &opts(Mode::Full)).await;
    assert_eq!(report.people.returned, 2);
    assert!(!dir.person(&leaver.id).await.unwrap().unwrap().disabled);
    // Purge after retention: nothing is old enough yet.
    assert_eq!(sync.purge_departed(SRC, 3600).await.unwrap(), 0);
});

both_backends!(threshold_stops_the_run_and_changes_nothing, |db| async move {
    let sync = SyncStore::new(db.clone());
    full_run(&sync, 10, &opts(Mode::Full)).await;
    let before = active(&db).await;
    // Half the pupils disappear: far above 10 %.
    let report = full_run(&sync, 5, &opts(Mode::Full)).await;
    assert!(!report.applied);
    assert!(report.stopped.as_deref().unwrap_or("").contains("--force"), "{report:?}");
    assert_eq!(active(&db).await, before, "nothing changed");
    let forced = full_run(&sync, 5, &ApplyOptions { force: true, ..opts(Mode::Full) }).await;
    assert!(forced.applied);
    assert_eq!(active(&db).await, before - 10);
});

both_backends!(dry_run_reports_and_changes_nothing, |db| async move {
    let sync = SyncStore::new(db.clone());
    let report = full_run(&sync, 2, &ApplyOptions { dry_run: true, ..opts(Mode::Full) }).await;
    assert!(!report.applied);
    assert_eq!(report.people.added, 5);
    assert!(report.samples.iter().any(|(what, dn)| what == "person added" && dn.contains("eleve.0")));
    assert_eq!(active(&db).await, 0);
    assert_eq!(sync.cookie(SRC).await.unwrap(), None);
});

both_backends!(conflicting_entries_are_reported_and_skipped, |db| async move {
    let sync = SyncStore::new(db.clone());
    let run = sync.begin_run(SRC).await.unwrap();
    sync.stage(&run, Kind::School, &[school("s1", "0691234A")], &[], &[]).await.unwrap();
    let a = person("a", "homonyme", "teacher");
    let mut b = person("b", "homonyme", "teacher");
    b.dn = "uid=homonyme2,ou=people,dc=ent,dc=test".into();
    let dup = sync.stage(&run, Kind::Person, &[a, b, person("a", "autre", "teacher")], &[], &[]).await.unwrap();
    assert_eq!(dup, vec!["a".to_string()], "a key given twice: the first entry wins");
    let report = sync.apply(&run, SRC, &opts(Mode::Full)).await.unwrap();
    assert!(report.applied);
    assert_eq!(report.people.added, 1);
    assert_eq!(report.rejected.len(), 1, "{:?}", report.rejected);
    assert!(report.rejected[0].0.contains("homonyme2") && report.rejected[0].1.contains("login"));
});

both_backends!(present_list_and_delete_list, |db| async move {
    let sync = SyncStore::new(db.clone());
    full_run(&sync, 30, &opts(Mode::Full)).await;
    // RFC 4533 present list: everything present but pupil 29 (and nothing sent in full).
    let run = sync.begin_run(SRC).await.unwrap();
    let mut marks: Vec<(String, Mark)> = vec![("uuid-s1".into(), Mark::Present), ("uuid-c1".into(), Mark::Present)];
    marks.push(("uuid-t1".into(), Mark::Present));
    for i in 0..30 {
        if i != 29 {
            marks.push((format!("uuid-e{i}"), Mark::Present));
        }
        marks.push((format!("uuid-r{i}"), Mark::Present));
    }
    sync.stage(&run, Kind::Person, &[], &[], &marks).await.unwrap();
    let report = sync
        .apply(&run, SRC, &ApplyOptions { cookie: Some("rid=000,csn=1".into()), ..opts(Mode::PresentList) })
        .await
        .unwrap();
    assert!(report.applied);
    assert_eq!((report.people.removed, report.classes.removed, report.schools.removed), (1, 0, 0), "{report:?}");
    assert_eq!(sync.cookie(SRC).await.unwrap().as_deref(), Some("rid=000,csn=1"), "cookie stored with the changes");
    // Explicit deletes: parent 28.
    let run = sync.begin_run(SRC).await.unwrap();
    sync.stage(&run, Kind::Person, &[], &[], &[("uuid-r28".into(), Mark::Deleted)]).await.unwrap();
    let report = sync.apply(&run, SRC, &opts(Mode::Deletes)).await.unwrap();
    assert_eq!(report.people.removed, 1);
    let dir = DirectoryStore::new(db.clone());
    assert!(dir.person_by_login("parent.28").await.unwrap().unwrap().disabled);
    assert!(!dir.person_by_login("parent.27").await.unwrap().unwrap().disabled);
});

both_backends!(a_dead_run_leaves_nothing_behind, |db| async move {
    let sync = SyncStore::new(db.clone());
    full_run(&sync, 2, &opts(Mode::Full)).await;
    let before = active(&db).await;
    // A run that staged entries and then died (never applied).
    let run = sync.begin_run(SRC).await.unwrap();
    sync.stage(&run, Kind::Person, &[person("x", "nouveau", "teacher")], &[], &[]).await.unwrap();
    drop(run);
    assert_eq!(active(&db).await, before);
    // The next run clears it and applies only what it read.
    let report = full_run(&sync, 2, &opts(Mode::Full)).await;
    assert_eq!(report.people.added, 0);
    let staged: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sync_entries").fetch_one(&db.pool).await.unwrap();
    assert_eq!(staged, 0);
});

/// A school staged with its commune (INSEE code and name), or without one.
fn school_in(key: &str, uai: &str, city: Option<(&str, &str)>) -> Staged {
    Staged {
        city_code: city.map(|(code, _)| code.into()),
        city_name: city.map(|(_, name)| name.into()),
        ..school(key, uai)
    }
}

/// A person staged as serving the commune `code`.
fn serving(key: &str, login: &str, profile: &str, code: &str) -> Staged {
    Staged { city_code: Some(code.into()), ..person(key, login, profile) }
}

/// Two schools of Lyon, one of no known city; agents of Lyon and of Vénissieux (no school),
/// and a teacher whose entry names a city too.
async fn city_run(sync: &SyncStore, lyon_name: &str) -> ApplyReport {
    let run = sync.begin_run(SRC).await.unwrap();
    let schools = [
        school_in("s1", "0691234A", Some(("69123", lyon_name))),
        school_in("s2", "0691235B", Some(("69123", lyon_name))),
        school_in("s3", "0691236C", None),
    ];
    sync.stage(&run, Kind::School, &schools, &[], &[]).await.unwrap();
    let people = [
        serving("a1", "agent.lyon", "city_agent", "69123"),
        serving("a2", "agent.venissieux", "city_agent", "69259"),
        serving("t1", "prof.un", "teacher", "69123"),
    ];
    sync.stage(&run, Kind::Person, &people, &[link("t1", LinkKind::PersonSchool, SCHOOL_DN)], &[]).await.unwrap();
    sync.apply(&run, SRC, &opts(Mode::Full)).await.unwrap()
}

both_backends!(cities_are_applied_and_agents_of_a_city_without_school_reported, |db| async move {
    let sync = SyncStore::new(db.clone());
    let report = city_run(&sync, "Lyon").await;
    assert!(report.applied && report.rejected.is_empty(), "{report:?}");
    // The Vénissieux agent, reported by DN; nobody else.
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert_eq!(report.warnings[0].0, "uid=agent.venissieux,ou=people,dc=ent,dc=test");
    assert!(report.warnings[0].1.contains("69259"), "{:?}", report.warnings);

    let dir = DirectoryStore::new(db.clone());
    let agent = dir.person_by_login("agent.lyon").await.unwrap().unwrap();
    let a = dir.affiliations(&agent.id).await.unwrap();
    assert_eq!(a.city.as_ref().map(|c| (c.code.as_str(), c.name.as_str())), Some(("69123", "Lyon")));
    assert_eq!(a.schools, ["0691234A", "0691235B"], "the school of no known city is nobody's");
    let other = dir.person_by_login("agent.venissieux").await.unwrap().unwrap();
    let a = dir.affiliations(&other.id).await.unwrap();
    assert_eq!((a.city, a.schools.len()), (None, 0));
    let teacher = dir.person_by_login("prof.un").await.unwrap().unwrap();
    let kept: Option<String> = sqlx::query_scalar("SELECT city_code FROM people WHERE id = $1")
        .bind(&teacher.id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(kept, None, "only a city agent's city is kept");

    // The same run changes nothing; a renamed commune updates both of its schools.
    let again = city_run(&sync, "Lyon").await;
    assert_eq!((again.schools.updated, again.people.updated), (0, 0), "{again:?}");
    let renamed = city_run(&sync, "Lyon (Rhône)").await;
    assert_eq!(renamed.schools.updated, 2, "{renamed:?}");
    let a = dir.affiliations(&agent.id).await.unwrap();
    assert_eq!(a.city.map(|c| c.name).as_deref(), Some("Lyon (Rhône)"));
});

both_backends!(a_school_staged_with_half_a_city_has_none, |db| async move {
    let sync = SyncStore::new(db.clone());
    let run = sync.begin_run(SRC).await.unwrap();
    let half = Staged { city_code: Some("69123".into()), ..school("s1", "0691234A") };
    sync.stage(&run, Kind::School, &[half], &[], &[]).await.unwrap();
    sync.stage(&run, Kind::Person, &[serving("a1", "agent.lyon", "city_agent", "69123")], &[], &[]).await.unwrap();
    let report = sync.apply(&run, SRC, &opts(Mode::Full)).await.unwrap();
    assert!(report.applied, "{report:?}");
    let city: Option<String> = sqlx::query_scalar("SELECT city_code FROM schools").fetch_one(&db.pool).await.unwrap();
    assert_eq!(city, None, "a code without a name is not guessed into a city");
    assert_eq!(report.warnings.len(), 1, "the agent's city has no school: {:?}", report.warnings);
});
