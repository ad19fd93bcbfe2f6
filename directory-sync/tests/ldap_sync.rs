//! `ent sync` against a real OpenLDAP slapd (started by the harness, on its own port and
//! folder): full sync, incremental syncs (RFC 4533) after adds, modifies, renames, moves and
//! deletes, a restart that turns deletes into a present list, a rebuilt directory that makes the
//! cookie stale (e-syncRefreshRequired, or the whole content), the deactivation threshold, a
//! malformed entry, the server killed mid-sync, and TLS. Every test runs on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use ent_directory_sync::generate::{GenerateOptions, Generated, generate};
use ent_directory_sync::ldif_out::{LdifOptions, write_ldif_with};
use ent_directory_sync::run::{RunOptions, RunReport, SyncConfig, run_ldap};
use ent_directory_sync::source::{Source, SourceError};
use ent_directory_sync::testing::{Slapd, SlapdOptions, require_slapd};
use ent_idp::both_backends;
use ent_idp::db::Db;
use ent_idp::store::directory::DirectoryStore;
use ent_idp::store::sync::{Mode, SyncStore};

const BASE: &str = "dc=ent,dc=test";

struct Fixture {
    slapd: Slapd,
    generated: Generated,
    dir: PathBuf,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn fixture(opts: GenerateOptions, slapd_opts: SlapdOptions) -> Fixture {
    let generated = generate(&opts);
    let dir = std::env::temp_dir().join(format!("ent-ldap-sync-{}", ent_idp::secret::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ldif = dir.join("directory.ldif");
    let mut file = std::fs::File::create(&ldif).unwrap();
    write_ldif_with(&generated, BASE, &LdifOptions { demo_password: Some("mot-de-passe-annuaire") }, &mut file)
        .unwrap();
    let slapd = Slapd::start(SlapdOptions { ldif: Some(ldif), ..slapd_opts }).await.unwrap();
    std::fs::write(dir.join("bind-password"), slapd.sync_password()).unwrap();
    Fixture { slapd, generated, dir }
}

impl Fixture {
    fn config(&self, extra: &str) -> SyncConfig {
        SyncConfig::from_toml(&format!(
            "preset = \"sdet\"\n[source]\nname = \"annuaire\"\nurl = \"{}\"\nbind_dn = \"{}\"\nbind_password_file = \"{}\"\n\
             base_dn = \"{BASE}\"\npage_size = 50\n{extra}",
            self.slapd.url(),
            self.slapd.sync_dn(),
            self.dir.join("bind-password").display()
        ))
        .unwrap()
    }
}

async fn sync(db: &Db, cfg: &SyncConfig, opts: RunOptions) -> RunReport {
    let report = run_ldap(db, cfg, &opts, &|_| {}).await.unwrap();
    eprintln!("{}", report.summary());
    report
}

fn people_of(g: &Generated) -> i64 {
    g.snapshot.people.len() as i64
}

both_backends!(full_then_incremental_sync, |db| async move {
    if !require_slapd() {
        return;
    }
    let f = fixture(GenerateOptions::default(), SlapdOptions { sessionlog: true, ..Default::default() }).await;
    let cfg = f.config("");
    // Full sync: everything, paged (50 per page), with a cookie taken for next time.
    let r = sync(&db, &cfg, RunOptions::default()).await;
    assert_eq!(r.mode, Mode::Full);
    assert!(r.apply.applied && r.apply.rejected.is_empty(), "{:?}", r.apply.rejected);
    assert_eq!(r.apply.people.added, people_of(&f.generated));
    assert_eq!(r.apply.schools.added, f.generated.snapshot.schools.len() as i64);
    assert_eq!(r.apply.classes.added, f.generated.snapshot.classes.len() as i64);
    let dir = DirectoryStore::new(db.clone());
    let parent = dir.person_by_login("parent.demo").await.unwrap().unwrap();
    assert!(!dir.affiliations(&parent.id).await.unwrap().children.is_empty());

    // Nothing changed: an incremental run reads nothing and removes nothing.
    let r = sync(&db, &cfg, RunOptions::default()).await;
    assert_ne!(r.mode, Mode::Full, "the cookie allows an incremental run");
    assert_eq!((r.apply.people.added, r.apply.people.removed), (0, 0), "{}", r.summary());

    // Changes: a new teacher, a renamed parent, a pupil moved to another class, a deleted parent.
    let pupil = dir.person_by_login("eleve.demo").await.unwrap().unwrap();
    let classes = &f.generated.snapshot.classes;
    let (school_uai, other_class) = {
        let school = &f.generated.snapshot.schools[0];
        (school.uai.clone(), classes.iter().find(|c| c.name != "CP-A").unwrap().name.clone())
    };
    let victim = f
        .generated
        .snapshot
        .people
        .iter()
        .find(|p| p.profile == ent_idp::model::Profile::Parent && p.login != "parent.demo")
        .unwrap()
        .login
        .clone();
    let changes = format!(
        "dn: uid=prof.nouveau,ou=people,{BASE}\nchangetype: add\nobjectClass: inetOrgPerson\nobjectClass: ENTPerson\n\
         objectClass: ENTAuxEnseignant\nuid: prof.nouveau\ncn: Nouveau Prof\nsn: Nouveau\ngivenName: Prof\n\
         ENTPersonJointure: NOUVEAU-1\nENTPersonLogin: prof.nouveau\nENTPersonProfils: National_ENS\n\
         ENTPersonStructRattach: ENTStructureUAI={school_uai},ou=structures,{BASE}\n\n\
         dn: uid=parent.demo,ou=people,{BASE}\nchangetype: modrdn\nnewrdn: uid=parent.renomme\ndeleteoldrdn: 1\n\n\
         dn: uid=parent.renomme,ou=people,{BASE}\nchangetype: modify\nreplace: ENTPersonLogin\nENTPersonLogin: parent.renomme\n-\n\n\
         dn: uid=eleve.demo,ou=people,{BASE}\nchangetype: modify\nreplace: ENTEleveClasses\n\
         ENTEleveClasses: cn={school_uai}-{other_class},ou=groups,{BASE}\n-\n\n\
         dn: uid={victim},ou=people,{BASE}\nchangetype: delete\n"
    );
    f.slapd.modify(&changes).await.unwrap();
    let r = sync(&db, &cfg, RunOptions::default()).await;
    assert!(r.apply.applied, "{}", r.summary());
    assert_eq!(r.apply.people.added, 1, "{}", r.summary());
    assert_eq!(r.apply.people.removed, 1, "{}", r.summary());
    let renamed = dir.person_by_login("parent.renomme").await.unwrap().expect("renamed parent found by the new login");
    assert_eq!((renamed.id.clone(), renamed.public_sub.clone()), (parent.id, parent.public_sub), "same person");
    let a = dir.affiliations(&pupil.id).await.unwrap();
    assert_eq!(a.classes.len(), 1);
    assert_eq!(a.classes[0].1, other_class, "moved between classes");
    assert!(dir.person_by_login(&victim).await.unwrap().unwrap().disabled, "deleted → deactivated");

    // A delete the client has not seen when the server restarts (the session log is in memory,
    // so it is lost) reaches the client through the present list instead.
    let mut f = f;
    f.slapd.modify(&format!("dn: uid=prof.nouveau,ou=people,{BASE}\nchangetype: delete\n")).await.unwrap();
    f.slapd.restart().await.unwrap();
    let r = sync(&db, &cfg, RunOptions::default()).await;
    assert_eq!(r.mode, Mode::PresentList, "{}", r.summary());
    assert_eq!(r.apply.people.removed, 1, "{}", r.summary());
    assert!(dir.person_by_login("prof.nouveau").await.unwrap().unwrap().disabled);
    assert!(!dir.person_by_login("eleve.demo").await.unwrap().unwrap().disabled, "the others stay");
    drop(f);
});

both_backends!(threshold_and_malformed_entries, |db| async move {
    if !require_slapd() {
        return;
    }
    let f = fixture(GenerateOptions::default(), SlapdOptions::default()).await;
    let cfg = f.config("[policy]\nmax_departed_share = 0.05\n");
    sync(&db, &cfg, RunOptions::default()).await;
    // A malformed entry (no profile the mapping knows) is reported by DN and skipped.
    f.slapd
        .modify(&format!(
            "dn: uid=bizarre,ou=people,{BASE}\nchangetype: add\nobjectClass: inetOrgPerson\nobjectClass: ENTPerson\n\
             uid: bizarre\ncn: B\nsn: B\nENTPersonJointure: B-1\nENTPersonLogin: bizarre\nENTPersonProfils: National_???\n"
        ))
        .await
        .unwrap();
    // A quarter of the pupils disappear: above 5 %.
    let pupils: Vec<String> = f
        .generated
        .snapshot
        .people
        .iter()
        .filter(|p| p.profile == ent_idp::model::Profile::Pupil && p.login != "eleve.demo")
        .map(|p| p.login.clone())
        .collect();
    let gone = &pupils[..pupils.len() / 4];
    let deletes: String =
        gone.iter().map(|l| format!("dn: uid={l},ou=people,{BASE}\nchangetype: delete\n\n")).collect();
    f.slapd.modify(&deletes).await.unwrap();
    let r = sync(&db, &cfg, RunOptions { full: true, ..Default::default() }).await;
    assert_eq!(r.exit_code(), 4, "{}", r.summary());
    let dir = DirectoryStore::new(db.clone());
    assert!(!dir.person_by_login(&gone[0]).await.unwrap().unwrap().disabled, "stopped: nothing changed");
    let r = sync(&db, &cfg, RunOptions { full: true, force: true, ..Default::default() }).await;
    assert!(r.apply.applied);
    assert_eq!(r.apply.people.removed, gone.len() as i64);
    assert_eq!(r.exit_code(), 3, "applied, with a skipped entry");
    assert!(
        r.apply.rejected.iter().any(|(dn, why)| dn.contains("bizarre") && why.contains("profile")),
        "{:?}",
        r.apply.rejected
    );
    assert!(dir.person_by_login(&gone[0]).await.unwrap().unwrap().disabled);
});

both_backends!(server_killed_mid_sync_changes_nothing, |db| async move {
    if !require_slapd() {
        return;
    }
    let opts = GenerateOptions { schools: 8, classes_per_school: 10, pupils_per_class: 25, ..Default::default() };
    let mut f = fixture(opts, SlapdOptions::default()).await;
    let cfg = f.config("");
    let pid = f.slapd.pid().unwrap();
    let killed = AtomicBool::new(false);
    // Kill slapd (SIGKILL) as soon as the first thousand entries are read.
    let kill = |n: u64| {
        if n >= 1000 && !killed.swap(true, Ordering::SeqCst) {
            let _ = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
    };
    let result = run_ldap(&db, &cfg, &RunOptions::default(), &kill).await;
    assert!(killed.load(Ordering::SeqCst), "the directory was read far enough to kill the server");
    assert!(result.is_err(), "the run fails");
    let people = DirectoryStore::new(db.clone()).count_people().await.unwrap();
    assert_eq!(people, 0, "nothing was written");
    assert_eq!(ent_idp::store::sync::SyncStore::new(db.clone()).staged_rows().await.unwrap(), 0, "staging is clean");
    // The server comes back: the next run does everything.
    f.slapd.restart().await.unwrap();
    let r = sync(&db, &cfg, RunOptions::default()).await;
    assert_eq!(r.apply.people.added, people_of(&f.generated));
});

both_backends!(starttls_and_ldaps_with_a_private_ca, |db| async move {
    if !require_slapd() {
        return;
    }
    let f = fixture(GenerateOptions::default(), SlapdOptions { tls: true, ..Default::default() }).await;
    let ca = f.slapd.ca_pem_path().unwrap();
    let ldaps = f.slapd.ldaps_url().unwrap();
    let mut cfg = f.config(&format!("starttls = true\nca_file = \"{}\"\n", ca.display()));
    let r = sync(&db, &cfg, RunOptions::default()).await;
    assert!(r.apply.applied);
    cfg.source.starttls = false;
    cfg.source.url = ldaps;
    let r = sync(&db, &cfg, RunOptions { full: true, ..Default::default() }).await;
    assert!(r.apply.applied);
    assert_eq!(r.apply.people.added, 0);
    // Without the CA the server is not trusted.
    cfg.source.ca_file = None;
    assert!(run_ldap(&db, &cfg, &RunOptions { full: true, ..Default::default() }, &|_| {}).await.is_err());
});

both_backends!(a_pupil_moves_to_another_school, |db| async move {
    if !require_slapd() {
        return;
    }
    let opts = GenerateOptions { schools: 2, ..Default::default() };
    let f = fixture(opts, SlapdOptions { sessionlog: true, ..Default::default() }).await;
    let cfg = f.config("");
    sync(&db, &cfg, RunOptions::default()).await;
    let snap = &f.generated.snapshot;
    let dir = DirectoryStore::new(db.clone());
    let pupil = dir.person_by_login("eleve.demo").await.unwrap().unwrap();
    let before = dir.affiliations(&pupil.id).await.unwrap();
    let other = snap.schools.iter().find(|s| !before.schools.contains(&s.uai)).unwrap();
    let class = snap.classes.iter().find(|c| c.school_id == other.id).unwrap();
    f.slapd
        .modify(&format!(
            "dn: uid=eleve.demo,ou=people,{BASE}\nchangetype: modify\nreplace: ENTPersonStructRattach\n\
             ENTPersonStructRattach: ENTStructureUAI={uai},ou=structures,{BASE}\n-\nreplace: ENTEleveClasses\n\
             ENTEleveClasses: cn={uai}-{name},ou=groups,{BASE}\n-\n",
            uai = other.uai,
            name = class.name
        ))
        .await
        .unwrap();
    let r = sync(&db, &cfg, RunOptions::default()).await;
    assert_eq!(r.apply.people.removed, 0, "{}", r.summary());
    let after = dir.affiliations(&pupil.id).await.unwrap();
    assert_eq!(after.schools, vec![other.uai.clone()], "attached to the new school only");
    assert_eq!(after.classes.len(), 1);
    assert_eq!((after.classes[0].1.as_str(), after.classes[0].2.as_str()), (class.name.as_str(), other.uai.as_str()));
    assert_eq!(dir.person_by_login("eleve.demo").await.unwrap().unwrap().public_sub, pupil.public_sub, "same person");
});

both_backends!(a_server_without_syncprov_gets_full_reads_that_still_see_deletions, |db| async move {
    if !require_slapd() {
        return;
    }
    let f = fixture(GenerateOptions::default(), SlapdOptions { no_syncprov: true, ..Default::default() }).await;
    let cfg = f.config("");
    let r = sync(&db, &cfg, RunOptions::default()).await;
    assert!(r.apply.applied, "{}", r.summary());
    assert_eq!(r.apply.people.added, people_of(&f.generated));
    let victim = f
        .generated
        .snapshot
        .people
        .iter()
        .find(|p| p.login != "parent.demo" && p.profile == ent_idp::model::Profile::Parent)
        .unwrap();
    f.slapd.modify(&format!("dn: uid={},ou=people,{BASE}\nchangetype: delete\n", victim.login)).await.unwrap();
    let r = sync(&db, &cfg, RunOptions::default()).await;
    assert_eq!(r.mode, Mode::Full, "no cookie without syncprov: every run is a full read");
    assert_eq!(r.apply.people.removed, 1, "{}", r.summary());
    assert!(DirectoryStore::new(db.clone()).person_by_login(&victim.login).await.unwrap().unwrap().disabled);
});

both_backends!(sasl_external_over_ldapi, |db| async move {
    if !require_slapd() {
        return;
    }
    let f = fixture(GenerateOptions::default(), SlapdOptions::default()).await;
    let mut cfg = f.config("");
    cfg.source.url = f.slapd.ldapi_url();
    cfg.source.bind_dn = None;
    cfg.source.sasl_external = true;
    let r = sync(&db, &cfg, RunOptions::default()).await;
    assert!(r.apply.applied, "{}", r.summary());
    assert_eq!(
        r.apply.people.added,
        people_of(&f.generated),
        "SASL EXTERNAL maps to the sync account, which reads all"
    );
});

/// What [`rebuilt_directory`] saw.
struct Rebuilt {
    /// The sync right after the rebuild.
    report: RunReport,
    /// What slapd answered the old cookie (read directly, before that sync).
    answer: Result<Mode, SourceError>,
    old_cookie: String,
    new_cookie: Option<String>,
}

/// A full sync, then the directory is rebuilt from its export, as after a reinstall or a
/// restore: the same entries with the same entryUUIDs on a new server, every one with a new
/// entryCSN, so that no entry is as old as the cookie's CSN and syncprov cannot tell what
/// changed. Then, on the new server, a teacher is added, a parent's surname changed and another
/// parent deleted, and the sync runs with the old cookie.
async fn rebuilt_directory(db: &Db, reload_hint: bool) -> (Rebuilt, Fixture) {
    let slapd_opts = SlapdOptions { sessionlog: true, reload_hint, ..Default::default() };
    let mut f = fixture(GenerateOptions::default(), slapd_opts.clone()).await;
    let r = sync(db, &f.config(""), RunOptions::default()).await;
    assert_eq!(r.apply.people.added, people_of(&f.generated));
    let store = SyncStore::new(db.clone());
    let old_cookie = store.cookie("annuaire").await.unwrap().expect("a cookie after the full sync");

    // slapd's entryCSN index keys keep whole seconds: an entry written in the cookie's second
    // could be as old as the cookie, so syncprov would take the cookie as still usable. A
    // real rebuild comes later than that.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    f.slapd = Slapd::start(SlapdOptions { ldif: Some(f.dir.join("directory.ldif")), ..slapd_opts }).await.unwrap();
    std::fs::write(f.dir.join("bind-password"), f.slapd.sync_password()).unwrap();
    let cfg = f.config("");
    let school_uai = f.generated.snapshot.schools[0].uai.clone();
    let victim = f
        .generated
        .snapshot
        .people
        .iter()
        .find(|p| p.profile == ent_idp::model::Profile::Parent && p.login != "parent.demo")
        .unwrap()
        .login
        .clone();
    f.slapd
        .modify(&format!(
            "dn: uid=prof.nouveau,ou=people,{BASE}\nchangetype: add\nobjectClass: inetOrgPerson\nobjectClass: ENTPerson\n\
             objectClass: ENTAuxEnseignant\nuid: prof.nouveau\ncn: Nouveau Prof\nsn: Nouveau\ngivenName: Prof\n\
             ENTPersonJointure: NOUVEAU-1\nENTPersonLogin: prof.nouveau\nENTPersonProfils: National_ENS\n\
             ENTPersonStructRattach: ENTStructureUAI={school_uai},ou=structures,{BASE}\n\n\
             dn: uid=parent.demo,ou=people,{BASE}\nchangetype: modify\nreplace: sn\nsn: Reconstruit\n-\n\n\
             dn: uid={victim},ou=people,{BASE}\nchangetype: delete\n"
        ))
        .await
        .unwrap();

    // What slapd answers the old cookie, read without the sync around it.
    let (tx, _rx) = tokio::sync::mpsc::channel(100_000);
    let mut source = Source::connect(&cfg.source).await.unwrap();
    let answer = source
        .read_changes(&cfg.mapper.search_filter(), &cfg.mapper.attributes(), &old_cookie, &tx)
        .await
        .map(|outcome| outcome.mode);
    source.close().await;

    let report = sync(db, &cfg, RunOptions::default()).await;
    assert!(report.apply.applied && report.apply.rejected.is_empty(), "{}", report.summary());
    assert_eq!((report.apply.people.added, report.apply.people.removed), (1, 1), "{}", report.summary());
    let dir = DirectoryStore::new(db.clone());
    assert!(!dir.person_by_login("prof.nouveau").await.unwrap().unwrap().disabled, "added");
    assert_eq!(dir.person_by_login("parent.demo").await.unwrap().unwrap().family_name, "Reconstruit", "modified");
    assert!(dir.person_by_login(&victim).await.unwrap().unwrap().disabled, "deleted → deactivated");
    assert!(!dir.person_by_login("eleve.demo").await.unwrap().unwrap().disabled, "the others stay");
    let new_cookie = store.cookie("annuaire").await.unwrap();

    // The new cookie works: the next run is incremental and finds nothing to do.
    let next = sync(db, &cfg, RunOptions::default()).await;
    assert_ne!(next.mode, Mode::Full, "{}", next.summary());
    assert_eq!((next.read, next.apply.people.added, next.apply.people.removed), (0, 0, 0), "{}", next.summary());
    (Rebuilt { report, answer, old_cookie, new_cookie }, f)
}

both_backends!(a_stale_cookie_gets_refresh_required_then_a_full_read, |db| async move {
    if !require_slapd() {
        return;
    }
    let (r, _f) = rebuilt_directory(&db, true).await;
    assert!(
        matches!(r.answer, Err(SourceError::RefreshRequired)),
        "slapd answers e-syncRefreshRequired: {:?}",
        r.answer
    );
    assert_eq!(r.report.mode, Mode::Full, "the sync fell back to a full read: {}", r.report.summary());
    let new_cookie = r.new_cookie.expect("the full read stored a cookie of the new server");
    assert_ne!(new_cookie, r.old_cookie);
});

both_backends!(without_the_reload_hint_a_stale_cookie_gets_the_whole_content, |db| async move {
    if !require_slapd() {
        return;
    }
    // slapd's default: it ignores a cookie it cannot continue from and sends every entry, with
    // no explicit deletes; what it did not send is gone (RFC 4533 §3.4, present phase).
    let (r, f) = rebuilt_directory(&db, false).await;
    assert!(matches!(r.answer, Ok(Mode::PresentList)), "{:?}", r.answer);
    assert_eq!(r.report.mode, Mode::PresentList, "{}", r.report.summary());
    assert!(r.report.read as i64 >= people_of(&f.generated), "the whole content: {}", r.report.summary());
    assert_ne!(r.new_cookie.expect("a cookie"), r.old_cookie);
});
