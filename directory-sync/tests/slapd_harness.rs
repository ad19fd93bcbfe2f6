//! The slapd test harness against the generated directory: what a sync client sees (paged
//! search, RFC 4533 refresh, TLS), binds, changes, restarts. Skipped without slapd unless `CI`
//! or `ENT_REQUIRE_SLAPD` is set.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use ent_directory_sync::generate::{GenerateOptions, Generated, REFERENCE, generate};
use ent_directory_sync::ldif_out::{LdifCounts, LdifOptions, person_dn, profile_value, write_ldif_with};
use ent_directory_sync::testing::{Slapd, SlapdOptions, require_slapd};
use ent_idp::model::Profile;
use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::controls::{
    ControlType, EntryState, RefreshMode, SyncDone, SyncInfo, SyncRequest, SyncState, parse_syncinfo,
};
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, Scope, SearchEntry};

const DEMO_PASSWORD: &str = "demo-password";

/// A generated LDIF file, deleted on drop.
struct LdifFile {
    path: PathBuf,
    generated: Generated,
    counts: LdifCounts,
}

impl LdifFile {
    fn new(options: &(impl Into<ent_directory_sync::generate::Network> + Copy)) -> LdifFile {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let generated = generate(options);
        let name = format!("ent-harness-{}-{}.ldif", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let path = std::env::temp_dir().join(name);
        let mut file = std::fs::File::create(&path).expect("create LDIF");
        let ldif_options = LdifOptions { demo_password: Some(DEMO_PASSWORD) };
        let counts = write_ldif_with(&generated, "dc=ent,dc=test", &ldif_options, &mut file).expect("write LDIF");
        LdifFile { path, generated, counts }
    }

    fn options(&self) -> SlapdOptions {
        SlapdOptions { ldif: Some(self.path.clone()), ..SlapdOptions::default() }
    }
}

impl Drop for LdifFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Every entry under `base` matching `filter`, by pages of 25 (RFC 2696).
async fn paged(ldap: &mut Ldap, base: &str, filter: &str, attrs: Vec<&str>) -> Vec<SearchEntry> {
    let adapters: Vec<Box<dyn Adapter<_, _>>> = vec![Box::new(EntriesOnly::new()), Box::new(PagedResults::new(25))];
    let mut search = ldap.streaming_search_with(adapters, base, Scope::Subtree, filter, attrs).await.expect("search");
    let mut entries = Vec::new();
    while let Some(entry) = search.next().await.expect("next entry") {
        entries.push(SearchEntry::construct(entry));
    }
    search.finish().await.success().expect("paged search result");
    entries
}

fn values<'a>(entry: &'a SearchEntry, attr: &str) -> Vec<&'a str> {
    entry.attrs.get(attr).map(|v| v.iter().map(String::as_str).collect()).unwrap_or_default()
}

/// What a refreshOnly content synchronization (RFC 4533) brought.
#[derive(Debug)]
struct Refresh {
    /// DNs of the entries sent in full (state add or modify).
    sent: Vec<String>,
    /// How many entries were said present (unchanged), one by one or in syncIdSet lists.
    present: usize,
    /// UUIDs said deleted (syncIdSet with refreshDeletes, or entries with state delete).
    deleted: Vec<String>,
    cookie: Vec<u8>,
}

async fn refresh(ldap: &mut Ldap, cookie: Option<Vec<u8>>) -> Refresh {
    let request = SyncRequest { mode: RefreshMode::RefreshOnly, cookie, reload_hint: false };
    let mut search = ldap
        .with_controls(request)
        .streaming_search("dc=ent,dc=test", Scope::Subtree, "(objectClass=*)", vec!["entryUUID"])
        .await
        .expect("sync search");
    let (mut sent, mut present, mut deleted) = (Vec::new(), 0, Vec::new());
    while let Some(entry) = search.next().await.expect("next") {
        if entry.is_intermediate() {
            if let SyncInfo::SyncIdSet { sync_uuids, refresh_deletes, .. } = parse_syncinfo(entry) {
                if refresh_deletes {
                    deleted.extend(sync_uuids.iter().map(|u| uuid_text(u)));
                } else {
                    present += sync_uuids.len();
                }
            }
            continue;
        }
        let state = entry.1.iter().find(|c| matches!(c.0, Some(ControlType::SyncState))).expect("a SyncState control");
        let state = state.1.parse::<SyncState>();
        match state.state {
            EntryState::Add | EntryState::Modify => sent.push(SearchEntry::construct(entry).dn),
            EntryState::Present => present += 1,
            EntryState::Delete => deleted.push(uuid_text(&state.entry_uuid)),
        }
    }
    let result = search.finish().await;
    let done = result.ctrls.iter().find(|c| matches!(c.0, Some(ControlType::SyncDone))).expect("a SyncDone control");
    let cookie = done.1.parse::<SyncDone>().cookie.expect("a cookie");
    result.success().expect("sync result");
    Refresh { sent, present, deleted, cookie }
}

fn uuid_text(raw: &[u8]) -> String {
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

#[tokio::test]
async fn paged_search_returns_every_person_as_generated() {
    if !require_slapd() {
        return;
    }
    let ldif = LdifFile::new(&GenerateOptions::default());
    let slapd = Slapd::start(ldif.options()).await.expect("slapd");
    eprintln!("demo directory ({} entries): {:?}", ldif.counts.entries(), slapd.timings());
    let mut ldap = slapd.bind(slapd.sync_dn(), slapd.sync_password()).await.expect("sync bind");
    let people = paged(&mut ldap, slapd.base_dn(), "(objectClass=ENTPerson)", vec!["*", "entryUUID"]).await;
    let snap = &ldif.generated.snapshot;
    assert_eq!(people.len(), snap.people.len());
    let by_login: HashMap<&str, &SearchEntry> = people.iter().map(|e| (values(e, "uid")[0], e)).collect();
    for person in &snap.people {
        let entry = by_login[person.login.as_str()];
        let external_id = person.external_id.as_deref().expect("external id");
        assert_eq!(entry.dn, person_dn(&person.login, slapd.base_dn()));
        assert_eq!(values(entry, "entryUUID"), [external_id]);
        assert_eq!(values(entry, "ENTPersonJointure"), [external_id]);
        assert_eq!(values(entry, "ENTPersonLogin"), [person.login.as_str()]);
        assert_eq!(values(entry, "ENTPersonProfils"), [profile_value(person.profile)]);
        assert_eq!(values(entry, "sn"), [person.family_name.as_str()]);
        assert_eq!(values(entry, "givenName"), [person.given_name.as_str()]);
        assert!(values(entry, "userPassword").is_empty(), "the sync account reads no password");
        match person.profile {
            Profile::Pupil => {
                assert_eq!(values(entry, "ENTEleveClasses").len(), 1);
                let legal = values(entry, "ENTEleveAutoriteParentale");
                assert!(!legal.is_empty() && legal.iter().all(|p| values(entry, "ENTEleveParents").contains(p)));
            }
            Profile::Parent => assert!(!values(entry, "ENTAuxPersRelEleveEleve").is_empty()),
            Profile::Teacher | Profile::Director => assert!(!values(entry, "ENTAuxEnsClasses").is_empty()),
            Profile::Staff => assert_eq!(values(entry, "ENTPersonFonctions"), ["secretariat"]),
            Profile::CityAgent | Profile::Admin => assert!(values(entry, "ENTPersonStructRattach").is_empty()),
        }
    }
    // Schools and classes, with the generator's UUIDs too.
    let schools = paged(&mut ldap, slapd.base_dn(), "(objectClass=ENTStructure)", vec!["entryUUID"]).await;
    let classes =
        paged(&mut ldap, slapd.base_dn(), "(objectClass=ENTGroupe)", vec!["entryUUID", "member", "cn", "description"])
            .await;
    assert_eq!(schools.len(), snap.schools.len());
    assert_eq!(classes.len(), snap.classes.len());
    let class_uuids: HashSet<&str> = classes.iter().map(|c| values(c, "entryUUID")[0]).collect();
    assert!(snap.classes.iter().all(|c| class_uuids.contains(c.external_id.as_deref().expect("class external id"))));
    for class in &classes {
        // The class's name, as the sdet preset reads it (the first cn), and the RDN value.
        let name = values(class, "description")[0];
        let uai = &class.dn["cn=".len()..class.dn.find('-').expect("cn=<uai>-<name>")];
        assert_eq!(values(class, "cn"), [name.to_string(), format!("{uai}-{name}")]);
    }
    let members: usize = classes.iter().map(|c| values(c, "member").len()).sum();
    assert_eq!(members, snap.class_members.len());
    // Even asked by name, the password stays hidden from the sync account.
    let (found, _) = ldap
        .search(&person_dn("eleve.demo", slapd.base_dn()), Scope::Base, "(objectClass=*)", vec!["userPassword"])
        .await
        .expect("search")
        .success()
        .expect("result");
    assert_eq!(found.len(), 1);
    assert!(SearchEntry::construct(found[0].clone()).attrs.is_empty());
    ldap.unbind().await.expect("unbind");
}

#[tokio::test]
async fn demo_accounts_bind_with_their_password() {
    if !require_slapd() {
        return;
    }
    let ldif = LdifFile::new(&GenerateOptions::default());
    assert_eq!(ldif.counts.passwords, 7);
    let slapd = Slapd::start(ldif.options()).await.expect("slapd");
    for account in &ldif.generated.demo_accounts {
        let dn = person_dn(&account.login, slapd.base_dn());
        let mut ldap = slapd.bind(&dn, DEMO_PASSWORD).await.expect("demo bind");
        let whoami = ldap.extended(ldap3::exop::WhoAmI).await.expect("whoami").success().expect("whoami result");
        assert!(whoami.0.val.is_some());
        ldap.unbind().await.expect("unbind");
        assert!(slapd.bind(&dn, "wrong password").await.is_err(), "{} with a wrong password", account.login);
    }
    // Nobody else has a password.
    let other = ldif.generated.snapshot.people.iter().find(|p| p.profile == Profile::Pupil && p.login != "eleve.demo");
    let dn = person_dn(&other.expect("another pupil").login, slapd.base_dn());
    assert!(slapd.bind(&dn, DEMO_PASSWORD).await.is_err());
    // The admin may do anything; the sync account may write nothing.
    slapd.bind(slapd.admin_dn(), slapd.admin_password()).await.expect("admin bind");
    let mut sync = slapd.bind(slapd.sync_dn(), slapd.sync_password()).await.expect("sync bind");
    assert!(sync.delete(&dn).await.expect("delete request").success().is_err());
}

#[tokio::test]
async fn changes_survive_a_restart_and_a_kill() {
    if !require_slapd() {
        return;
    }
    let ldif = LdifFile::new(&GenerateOptions::default());
    let mut slapd = Slapd::start(ldif.options()).await.expect("slapd");
    let base = slapd.base_dn().to_string();
    let snap = &ldif.generated.snapshot;
    let pupils: Vec<&str> = snap
        .people
        .iter()
        .filter(|p| p.profile == Profile::Pupil && p.login != "eleve.demo")
        .map(|p| p.login.as_str())
        .collect();
    let (renamed, deleted) = (pupils[0], pupils[1]);
    slapd
        .modify(&format!(
            "dn: uid={renamed},ou=people,{base}\nchangetype: modrdn\nnewrdn: uid={renamed}.renamed\ndeleteoldrdn: 1\n\n\
             dn: uid={deleted},ou=people,{base}\nchangetype: delete\n\n\
             dn: uid=eleve.demo,ou=people,{base}\nchangetype: modify\nreplace: displayName\ndisplayName:: w4lsw6h2ZQ==\n-\n"
        ))
        .await
        .expect("modify");
    let check = |slapd: &Slapd| {
        let slapd_url = slapd.url();
        let (dn, password) = (slapd.sync_dn().to_string(), slapd.sync_password().to_string());
        let (renamed, deleted, base) = (renamed.to_string(), deleted.to_string(), base.clone());
        async move {
            let (conn, mut ldap) = LdapConnAsync::new(&slapd_url).await.expect("connect");
            ldap3::drive!(conn);
            ldap.simple_bind(&dn, &password).await.expect("bind").success().expect("sync bind");
            let people = paged(&mut ldap, &base, "(objectClass=ENTPerson)", vec!["uid", "displayName"]).await;
            let logins: HashSet<&str> = people.iter().map(|e| values(e, "uid")[0]).collect();
            assert!(logins.contains(format!("{renamed}.renamed").as_str()) && !logins.contains(renamed.as_str()));
            assert!(!logins.contains(deleted.as_str()));
            let demo = people.iter().find(|e| values(e, "uid") == ["eleve.demo"]).expect("demo pupil");
            assert_eq!(values(demo, "displayName"), ["Élève"]);
            people.len()
        }
    };
    assert_eq!(check(&slapd).await, snap.people.len() - 1);
    let pid = slapd.pid().expect("running");
    slapd.restart().await.expect("restart");
    assert_ne!(slapd.pid(), Some(pid));
    assert_eq!(check(&slapd).await, snap.people.len() - 1);
    slapd.kill().expect("kill");
    assert_eq!(slapd.pid(), None);
    assert!(slapd.connect().await.is_err(), "nothing listens after a kill");
    slapd.restart().await.expect("start after a kill");
    assert_eq!(check(&slapd).await, snap.people.len() - 1);
    // A bad change fails with the server's reason.
    let err = slapd
        .modify(&format!("dn: uid=nobody,ou=people,{base}\nchangetype: delete\n"))
        .await
        .expect_err("no such entry");
    assert!(format!("{err:#}").contains("uid=nobody"), "{err:#}");
}

#[tokio::test]
async fn starttls_and_ldaps_with_the_private_ca() {
    if !require_slapd() {
        return;
    }
    let slapd = Slapd::start(SlapdOptions { tls: true, ..SlapdOptions::default() }).await.expect("slapd");
    assert!(slapd.ca_pem_path().expect("CA").is_file());
    // StartTLS on the plain port.
    let settings = slapd.tls_settings().expect("settings").set_starttls(true);
    let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &slapd.url()).await.expect("StartTLS");
    ldap3::drive!(conn);
    ldap.simple_bind(slapd.sync_dn(), slapd.sync_password())
        .await
        .expect("bind")
        .success()
        .expect("bind over StartTLS");
    let people = paged(&mut ldap, slapd.base_dn(), "(objectClass=organizationalUnit)", vec!["ou"]).await;
    assert_eq!(people.len(), 4, "structures, groups, people, system");
    // LDAPS.
    let url = slapd.ldaps_url().expect("ldaps");
    let (conn, mut ldap) =
        LdapConnAsync::with_settings(slapd.tls_settings().expect("settings"), &url).await.expect("LDAPS");
    ldap3::drive!(conn);
    ldap.simple_bind(slapd.sync_dn(), slapd.sync_password()).await.expect("bind").success().expect("bind over LDAPS");
    // Without the private CA, the certificate is refused.
    let refused = match LdapConnAsync::new(&url).await {
        Err(_) => true,
        Ok((conn, mut ldap)) => {
            ldap3::drive!(conn);
            ldap.simple_bind(slapd.sync_dn(), slapd.sync_password()).await.is_err()
        }
    };
    assert!(refused, "a server certificate of an unknown CA");
    // StartTLS is refused by a server without TLS.
    let plain = Slapd::start(SlapdOptions::default()).await.expect("slapd");
    assert!(plain.ldaps_url().is_none() && plain.ca_pem_path().is_none());
    let settings = LdapConnSettings::new().set_starttls(true).set_config(slapd.rustls_config().expect("config"));
    assert!(LdapConnAsync::with_settings(settings, &plain.url()).await.is_err());
}

#[tokio::test]
async fn sync_refresh_with_a_sessionlog_lists_deletes() {
    if !require_slapd() {
        return;
    }
    let ldif = LdifFile::new(&GenerateOptions::default());
    let mut slapd = Slapd::start(SlapdOptions { sessionlog: true, ..ldif.options() }).await.expect("slapd");
    let base = slapd.base_dn().to_string();
    let mut ldap = slapd.bind(slapd.sync_dn(), slapd.sync_password()).await.expect("sync bind");
    let first = refresh(&mut ldap, None).await;
    assert_eq!(first.sent.len(), ldif.counts.entries() + 2, "the generated entries, ou=system and the sync account");
    assert!(first.deleted.is_empty() && first.present == 0);
    assert!(String::from_utf8_lossy(&first.cookie).contains("csn="), "{}", String::from_utf8_lossy(&first.cookie));

    // A change and a delete: with the session log, the delete comes as the entry's UUID.
    let snap = &ldif.generated.snapshot;
    let mut parents = snap.people.iter().filter(|p| p.profile == Profile::Parent && p.login != "parent.demo");
    let gone = parents.next().expect("a parent");
    let changed = snap.people.iter().find(|p| p.profile == Profile::Teacher).expect("a teacher");
    slapd
        .modify(&format!(
            "dn: uid={},ou=people,{base}\nchangetype: delete\n\n\
             dn: uid={},ou=people,{base}\nchangetype: modify\nreplace: mail\nmail: new@demo.ent.example\n-\n",
            gone.login, changed.login
        ))
        .await
        .expect("modify");
    let delta = refresh(&mut ldap, Some(first.cookie)).await;
    assert_eq!(delta.sent, [person_dn(&changed.login, &base)]);
    assert_eq!(delta.deleted, [gone.external_id.clone().expect("external id")]);
    assert_eq!(delta.present, 0);

    // A delete the client has not seen when slapd restarts: the session log, in memory, is
    // gone, so it shows as a present phase (every UUID still there; the client deletes what
    // was not listed).
    let other = parents.next().expect("another parent");
    slapd.modify(&format!("dn: uid={},ou=people,{base}\nchangetype: delete\n", other.login)).await.expect("delete");
    slapd.restart().await.expect("restart");
    let mut ldap = slapd.bind(slapd.sync_dn(), slapd.sync_password()).await.expect("sync bind");
    let after = refresh(&mut ldap, Some(delta.cookie.clone())).await;
    eprintln!("after a restart: {} sent, {} present, deleted {:?}", after.sent.len(), after.present, after.deleted);
    assert!(after.sent.is_empty() && after.deleted.is_empty(), "{after:?}");
    assert_eq!(after.present, ldif.counts.entries() + 2 - 2, "every entry but the two deleted");
    assert_ne!(after.cookie, delta.cookie);

    // Changes after the restart are logged again: the next delete comes as its UUID.
    let third = parents.next().expect("a third parent");
    slapd.modify(&format!("dn: uid={},ou=people,{base}\nchangetype: delete\n", third.login)).await.expect("delete");
    let last = refresh(&mut ldap, Some(after.cookie)).await;
    assert_eq!(last.deleted, [third.external_id.clone().expect("external id")], "{last:?}");
}

#[tokio::test]
async fn sync_refresh_without_a_sessionlog_sends_the_present_list() {
    if !require_slapd() {
        return;
    }
    let ldif = LdifFile::new(&GenerateOptions::default());
    let slapd = Slapd::start(ldif.options()).await.expect("slapd");
    let base = slapd.base_dn().to_string();
    let mut ldap = slapd.bind(slapd.sync_dn(), slapd.sync_password()).await.expect("sync bind");
    let first = refresh(&mut ldap, None).await;
    let gone = ldif.generated.snapshot.people.iter().find(|p| p.profile == Profile::Parent).expect("a parent");
    slapd.modify(&format!("dn: uid={},ou=people,{base}\nchangetype: delete\n", gone.login)).await.expect("delete");
    let delta = refresh(&mut ldap, Some(first.cookie)).await;
    eprintln!(
        "without a session log: {} sent, {} present, deleted {:?}",
        delta.sent.len(),
        delta.present,
        delta.deleted
    );
    assert!(delta.sent.is_empty() && delta.deleted.is_empty(), "{delta:?}");
    assert_eq!(delta.present, first.sent.len() - 1);
}

/// The reference deployment: its LDIF has the expected entries, and slapadd loads it.
#[tokio::test]
async fn reference_directory_loads() {
    let started = Instant::now();
    let ldif = LdifFile::new(&GenerateOptions::reference());
    let generated_in = started.elapsed();
    let c = ldif.counts;
    assert_eq!((c.containers, c.schools, c.classes), (4, REFERENCE.schools, REFERENCE.classes));
    let snap = &ldif.generated.snapshot;
    assert_eq!(c.people, snap.people.len());
    let count = |profile| snap.people.iter().filter(|p| p.profile == profile).count();
    assert_eq!(count(Profile::Pupil), REFERENCE.pupils);
    assert_eq!(count(Profile::Teacher) + count(Profile::Director), REFERENCE.teachers);
    let parents = count(Profile::Parent);
    assert!(parents.abs_diff(REFERENCE.parents) * 50 <= REFERENCE.parents, "{parents} parents");
    if !require_slapd() {
        return;
    }
    let slapd = Slapd::start(ldif.options()).await.expect("slapd");
    let t = slapd.timings();
    eprintln!(
        "reference directory: {} entries, generated and written in {generated_in:?}; config {:?}, slapadd {:?}, start {:?}",
        c.entries(),
        t.config,
        t.load,
        t.start
    );
    let mut ldap = slapd.bind(slapd.sync_dn(), slapd.sync_password()).await.expect("sync bind");
    let started = Instant::now();
    let people = paged(&mut ldap, slapd.base_dn(), "(objectClass=ENTPerson)", vec!["entryUUID"]).await;
    eprintln!("paged search of {} people: {:?}", people.len(), started.elapsed());
    assert_eq!(people.len(), c.people);
}
