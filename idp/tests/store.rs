//! The store conformance suite: every behaviour the provider relies on, checked on SQLite and on
//! PostgreSQL (`name::sqlite` and `name::postgres`; the latter are skipped when no server answers,
//! see `ent_idp::testing`).
//!
//! Run: `cargo test -p ent-idp --features testing --test store`.

use ent_idp::both_backends;
use ent_idp::db::{Backend, Db};
use ent_idp::jose::{self, Alg};
use ent_idp::model::Profile;
use ent_idp::secret;
use ent_idp::store::audit::{AuditEvent, AuditStore};
use ent_idp::store::clients::{Client, ClientStore, InsertError};
use ent_idp::store::directory::{ChildLink, Class, ClassRole, DirectoryStore, Person, School, Snapshot};
use ent_idp::store::grants::{GrantStore, NewCode, Refusal};
use ent_idp::store::keys::{KeyState, KeyStore};
use ent_idp::store::sessions::{ParkedRow, Parking, SessionStore, Step};
use ent_idp::store::settings::SettingsStore;
use ent_idp::store::throttle::{Counted, ThrottleStore};
use serde_json::json;

// ----- Fixtures -----

/// pupil1 as parent1's `ent_children` names them: public sub, class (id, name, school), authority.
fn child_link(class: &str, class_name: &str, legal_guardian: bool) -> ChildLink {
    ChildLink {
        sub: "sub-pupil1".into(),
        class: Some((class.into(), class_name.into(), "0750001A".into())),
        legal_guardian,
        given_name: "Given pupil1".into(),
    }
}

const PORTAL: &str = "portal";
const OTHER_CLIENT: &str = "cantine";

fn school(id: &str, uai: &str) -> School {
    School {
        id: id.into(),
        uai: uai.into(),
        name: format!("École {uai}"),
        external_id: Some(format!("ext-{id}")),
        city: None,
    }
}

fn class(id: &str, school_id: &str, name: &str) -> Class {
    Class {
        id: id.into(),
        school_id: school_id.into(),
        name: name.into(),
        level: Some("CM1".into()),
        external_id: None,
    }
}

fn person(id: &str, login: &str, profile: Profile, email: Option<&str>) -> Person {
    Person {
        id: id.into(),
        public_sub: format!("sub-{id}"),
        login: login.into(),
        profile,
        given_name: format!("Given {id}"),
        family_name: format!("Family {id}"),
        email: email.map(Into::into),
        external_id: Some(format!("ext-{id}")),
        disabled: false,
    }
}

/// Two schools; a pupil in CM1-A of the first, her parent, and a teacher of CM1-A and CM2-B.
fn snapshot() -> Snapshot {
    Snapshot {
        schools: vec![school("s1", "0750001A"), school("s2", "0750002B")],
        classes: vec![class("c1a", "s1", "CM1-A"), class("c1b", "s1", "CM1-B"), class("c2b", "s2", "CM2-B")],
        people: vec![
            person("pupil1", "Lea.Martin", Profile::Pupil, Some("lea@example.org")),
            person("parent1", "paul.martin", Profile::Parent, Some("paul@example.org")),
            person("teacher1", "anne.prof", Profile::Teacher, Some("anne@example.org")),
        ],
        person_schools: vec![
            ("pupil1".into(), "s1".into()),
            ("teacher1".into(), "s1".into()),
            ("teacher1".into(), "s2".into()),
        ],
        class_members: vec![
            ("c1a".into(), "pupil1".into(), ClassRole::Pupil),
            ("c1a".into(), "teacher1".into(), ClassRole::Teacher),
            ("c2b".into(), "teacher1".into(), ClassRole::Teacher),
        ],
        guardianships: vec![("parent1".into(), "pupil1".into(), true)],
        staff_roles: vec![("teacher1".into(), "s1".into(), "teacher".into())],
        agent_cities: vec![],
    }
}

fn client(id: &str, secret: Option<&str>) -> Client {
    Client {
        id: id.into(),
        name: format!("Client {id}"),
        secret_hash: secret.map(secret::sha256_hex),
        first_party: id == PORTAL,
        redirect_uris: vec![format!("https://{id}.example.org/cb")],
        post_logout_redirect_uris: vec![format!("https://{id}.example.org/")],
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        scopes: vec!["openid".into(), "profile".into(), "ent".into()],
        id_token_alg: Alg::Es256,
        audience: Some(format!("https://{id}.example.org")),
        resources: vec![],
        backchannel_logout_uri: None,
    }
}

/// The directory snapshot plus two clients: what grants, sessions and consents hang off.
async fn seed(db: &Db) {
    DirectoryStore::new(db.clone()).import(&snapshot()).await.expect("import");
    let clients = ClientStore::new(db.clone());
    clients.insert(&client(PORTAL, Some("portal-secret"))).await.expect("insert portal");
    clients.insert(&client(OTHER_CLIENT, None)).await.expect("insert other client");
}

fn code(ttl_secs: i64) -> NewCode {
    NewCode {
        redirect_uri: "https://portal.example.org/cb".into(),
        code_challenge: secret::pkce_s256("verifier"),
        nonce: Some("n-0S6_WzA2Mj".into()),
        ttl_secs,
    }
}

/// A grant for the pupil at the portal, with its code.
async fn grant_with_code(grants: &GrantStore, code_ttl: i64) -> (String, String) {
    let (grant, code) = grants
        .create_with_code(
            PORTAL,
            "pupil1",
            Some("session-hash"),
            "openid profile",
            1_700_000_000,
            Some(1_699_990_000),
            &["pwd".to_string()],
            3600,
            &code(code_ttl),
        )
        .await
        .expect("create_with_code");
    (grant.id, code)
}

async fn count(db: &Db, sql: &'static str, arg: &str) -> i64 {
    sqlx::query_scalar(sql).bind(arg.to_string()).fetch_one(&db.pool).await.expect("count")
}

// ----- Database -----

both_backends!(migrations_apply_twice, |t: &TestDb| async move {
    let again = ent_idp::db::connect(&t.url).await.expect("second connect");
    assert_eq!(again.backend, t.db.backend);
    let third = ent_idp::db::connect(&t.url).await.expect("third connect");
    // The schema is there once, and usable from every instance.
    SettingsStore::new(again.clone())
        .get_or_create("probe", || "1".into())
        .await
        .expect("write through second instance");
    let seen = SettingsStore::new(third.clone())
        .get_or_create("probe", || "2".into())
        .await
        .expect("read through third instance");
    assert_eq!(seen, "1");
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&t.db.pool)
        .await
        .expect("migrations table");
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
        .expect("migrations dir")
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql")))
        .count() as i64;
    assert_eq!(applied, files);
    again.pool.close().await;
    third.pool.close().await;
});

/// Two provider instances starting at once on one PostgreSQL database both come up.
#[test]
fn postgres_instances_start_concurrently() {
    ent_idp::testing::run(async {
        let Some((url, guard)) = ent_idp::testing::postgres_shared_url().await else {
            return;
        };
        let (a, b) = tokio::join!(ent_idp::db::connect(&url), ent_idp::db::connect(&url));
        let (a, b) = (a.expect("first instance"), b.expect("second instance"));
        assert_eq!(a.backend, Backend::Postgres);
        KeyStore::new(a.clone()).ensure(Alg::EdDsa).await.expect("ensure");
        assert_eq!(KeyStore::new(b.clone()).active().await.expect("active").len(), 2);
        a.pool.close().await;
        b.pool.close().await;
        guard.cleanup().await;
    });
}

// ----- Directory -----

both_backends!(directory_import_and_lookup, |db| async move {
    let dir = DirectoryStore::new(db);
    dir.import(&snapshot()).await.expect("import");
    assert_eq!(dir.count_people().await.expect("count"), 3);

    // Logins are stored lower-cased and looked up case-insensitively (and trimmed).
    for login in ["lea.martin", "LEA.MARTIN", "Lea.Martin", "  lea.martin "] {
        let p = dir.person_by_login(login).await.expect("lookup").unwrap_or_else(|| panic!("{login:?} not found"));
        assert_eq!(p.id, "pupil1");
        assert_eq!(p.login, "lea.martin");
        assert_eq!(p.profile, Profile::Pupil);
        assert_eq!(p.public_sub, "sub-pupil1");
    }
    assert!(dir.person_by_login("nobody").await.expect("lookup").is_none());

    // Minors' e-mail addresses are never stored; adults' are.
    let pupil = dir.person("pupil1").await.expect("person").expect("pupil");
    assert_eq!(pupil.email, None);
    let parent = dir.person("parent1").await.expect("person").expect("parent");
    assert_eq!(parent.email.as_deref(), Some("paul@example.org"));
    assert!(!parent.disabled);

    let pupil_aff = dir.affiliations("pupil1").await.expect("affiliations");
    assert_eq!(pupil_aff.schools, vec!["0750001A".to_string()]);
    assert_eq!(
        pupil_aff.classes,
        vec![("c1a".to_string(), "CM1-A".to_string(), "0750001A".to_string(), "pupil".to_string())]
    );
    assert!(pupil_aff.children.is_empty());

    // A parent sees the child's public sub and class, never the internal id.
    let parent_aff = dir.affiliations("parent1").await.expect("affiliations");
    assert_eq!(parent_aff.children, vec![child_link("c1a", "CM1-A", true)]);
    assert!(parent_aff.classes.is_empty());

    // A teacher sees the classes taught, with the role, across schools.
    let teacher_aff = dir.affiliations("teacher1").await.expect("affiliations");
    assert_eq!(teacher_aff.schools, vec!["0750001A".to_string(), "0750002B".to_string()]);
    assert_eq!(
        teacher_aff.classes,
        vec![
            ("c1a".to_string(), "CM1-A".to_string(), "0750001A".to_string(), "teacher".to_string()),
            ("c2b".to_string(), "CM2-B".to_string(), "0750002B".to_string(), "teacher".to_string()),
        ]
    );
    assert_eq!(teacher_aff.roles, vec![("0750001A".to_string(), "teacher".to_string())]);

    // Passwords are per person and replaceable.
    assert_eq!(dir.password_hash("pupil1").await.expect("hash"), None);
    dir.set_password("pupil1", "$argon2id$v=19$first").await.expect("set");
    dir.set_password("pupil1", "$argon2id$v=19$second").await.expect("replace");
    assert_eq!(dir.password_hash("pupil1").await.expect("hash").as_deref(), Some("$argon2id$v=19$second"));
});

both_backends!(directory_reimport_replaces_links, |db| async move {
    let dir = DirectoryStore::new(db);
    dir.import(&snapshot()).await.expect("first import");

    // Next sync: the pupil moved to CM1-B, the teacher no longer teaches in the second school,
    // the parent's link is no longer legal guardianship, and names changed.
    let mut next = snapshot();
    next.class_members =
        vec![("c1b".into(), "pupil1".into(), ClassRole::Pupil), ("c1a".into(), "teacher1".into(), ClassRole::Teacher)];
    next.person_schools = vec![("pupil1".into(), "s1".into()), ("teacher1".into(), "s1".into())];
    next.guardianships = vec![("parent1".into(), "pupil1".into(), false)];
    next.people[0].family_name = "Martin-Durand".into();
    next.people[1].email = Some("paul.new@example.org".into());
    next.schools[1].name = "École renommée".into();
    next.classes[0].name = "CM1 A".into();
    dir.import(&next).await.expect("second import");

    assert_eq!(dir.count_people().await.expect("count"), 3);
    let pupil = dir.person("pupil1").await.expect("person").expect("pupil");
    assert_eq!(pupil.family_name, "Martin-Durand");
    assert_eq!(pupil.public_sub, "sub-pupil1");
    let parent = dir.person("parent1").await.expect("person").expect("parent");
    assert_eq!(parent.email.as_deref(), Some("paul.new@example.org"));

    let pupil_aff = dir.affiliations("pupil1").await.expect("affiliations");
    assert_eq!(
        pupil_aff.classes,
        vec![("c1b".to_string(), "CM1-B".to_string(), "0750001A".to_string(), "pupil".to_string())],
        "the pupil is in the new class only"
    );
    let parent_aff = dir.affiliations("parent1").await.expect("affiliations");
    assert_eq!(parent_aff.children, vec![child_link("c1b", "CM1-B", false)]);
    let teacher_aff = dir.affiliations("teacher1").await.expect("affiliations");
    assert_eq!(teacher_aff.schools, vec!["0750001A".to_string()]);
    assert_eq!(
        teacher_aff.classes,
        vec![("c1a".to_string(), "CM1 A".to_string(), "0750001A".to_string(), "teacher".to_string())]
    );

    // A guardianship dropped from the directory is gone too.
    let mut last = next.clone();
    last.guardianships.clear();
    dir.import(&last).await.expect("third import");
    assert!(dir.affiliations("parent1").await.expect("affiliations").children.is_empty());
});

both_backends!(directory_disabled_child_is_not_listed, |db| async move {
    let dir = DirectoryStore::new(db);
    let mut snap = snapshot();
    snap.people[0].disabled = true;
    dir.import(&snap).await.expect("import");
    assert!(dir.person("pupil1").await.expect("person").expect("pupil").disabled);
    assert!(dir.affiliations("parent1").await.expect("affiliations").children.is_empty());
});

both_backends!(directory_class_roster, |db| async move {
    let dir = DirectoryStore::new(db);
    dir.import(&snapshot()).await.expect("import");
    // A second pupil of CM1-A who left, and a second, disabled parent of the first.
    let mut gone = person("pupil2", "gone.pupil", Profile::Pupil, None);
    gone.disabled = true;
    let mut gone_parent = person("parent2", "gone.parent", Profile::Parent, None);
    gone_parent.disabled = true;
    dir.import(&Snapshot {
        people: vec![gone, gone_parent],
        class_members: vec![("c1a".into(), "pupil2".into(), ClassRole::Pupil)],
        guardianships: vec![("parent2".into(), "pupil1".into(), false)],
        ..Snapshot::default()
    })
    .await
    .expect("import");

    let r = dir.class_roster("c1a").await.expect("roster").expect("class");
    assert_eq!((r.id.as_str(), r.name.as_str(), r.school.as_str()), ("c1a", "CM1-A", "0750001A"));
    assert_eq!(
        serde_json::to_value(&r.teachers).expect("json"),
        json!([{"sub": "sub-teacher1", "name": "Given teacher1 Family teacher1"}])
    );
    assert_eq!(
        serde_json::to_value(&r.pupils).expect("json"),
        json!([{"sub": "sub-pupil1", "name": "Given pupil1 Family pupil1",
                "guardians": [{"sub": "sub-parent1", "name": "Given parent1 Family parent1", "legal_guardian": true}]}])
    );
    // A class with nobody in it, and no class at all.
    let empty = dir.class_roster("c1b").await.expect("roster").expect("class");
    assert!(empty.teachers.is_empty() && empty.pupils.is_empty());
    assert!(dir.class_roster("nope").await.expect("roster").is_none());
});

// A school's staff: listed in it, teaching one of its classes, or holding a role in it; only
// active teachers, directors and staff, with their roles there; in two queries.
both_backends!(directory_school_staff_and_schools, |db| async move {
    let dir = DirectoryStore::new(db);
    dir.import(&snapshot()).await.expect("import");
    let mut gone = person("teacher2", "gone.teacher", Profile::Teacher, None);
    gone.disabled = true;
    dir.import(&Snapshot {
        people: vec![
            person("director1", "la.directrice", Profile::Director, Some("dir@example.org")),
            person("staff1", "le.secretaire", Profile::Staff, None),
            person("teacher3", "prof.cm1b", Profile::Teacher, None),
            gone,
        ],
        person_schools: vec![("staff1".into(), "s1".into()), ("teacher2".into(), "s1".into())],
        class_members: vec![("c1b".into(), "teacher3".into(), ClassRole::Teacher)],
        staff_roles: vec![
            ("director1".into(), "s1".into(), "director".into()),
            ("parent1".into(), "s1".into(), "director".into()),
            ("pupil1".into(), "s1".into(), "delegate".into()),
        ],
        ..Snapshot::default()
    })
    .await
    .expect("import staff");

    let staff = dir.school_staff("0750001A").await.expect("staff").expect("school");
    assert_eq!(
        serde_json::to_value(&staff).expect("json"),
        json!({"school": "0750001A", "staff": [
            {"sub": "sub-director1", "name": "Given director1 Family director1", "profile": "director",
             "roles": ["director"]},
            {"sub": "sub-staff1", "name": "Given staff1 Family staff1", "profile": "staff", "roles": []},
            {"sub": "sub-teacher1", "name": "Given teacher1 Family teacher1", "profile": "teacher",
             "roles": ["teacher"]},
            {"sub": "sub-teacher3", "name": "Given teacher3 Family teacher3", "profile": "teacher", "roles": []},
        ]})
    );
    // The other school: its teacher through its class, without the first school's role.
    let other = dir.school_staff("0750002B").await.expect("staff").expect("school");
    assert_eq!(
        serde_json::to_value(&other).expect("json"),
        json!({"school": "0750002B", "staff": [
            {"sub": "sub-teacher1", "name": "Given teacher1 Family teacher1", "profile": "teacher", "roles": []},
        ]})
    );
    assert!(dir.school_staff("9999999Z").await.expect("staff").is_none());

    let schools = serde_json::to_value(dir.schools().await.expect("schools")).expect("json");
    assert_eq!(
        schools,
        json!([{"uai": "0750001A", "name": "École 0750001A"}, {"uai": "0750002B", "name": "École 0750002B"}])
    );
});

both_backends!(directory_import_is_all_or_nothing, |db| async move {
    let dir = DirectoryStore::new(db);
    let mut bad = snapshot();
    // A class of an unknown school violates a foreign key: nothing of the snapshot is kept.
    bad.classes.push(class("c9", "no-such-school", "CP"));
    assert!(dir.import(&bad).await.is_err());
    assert_eq!(dir.count_people().await.expect("count"), 0);
    assert!(dir.person_by_login("lea.martin").await.expect("lookup").is_none());
});

// ----- Clients -----

both_backends!(clients_insert_get_list_remove, |db| async move {
    let clients = ClientStore::new(db);
    assert!(clients.list().await.expect("list").is_empty());
    clients.insert(&client(PORTAL, Some("portal-secret"))).await.expect("insert");
    clients.insert(&client(OTHER_CLIENT, None)).await.expect("insert");

    let portal = clients.get(PORTAL).await.expect("get").expect("portal");
    let expected = client(PORTAL, Some("portal-secret"));
    assert_eq!(portal.name, expected.name);
    assert_eq!(portal.secret_hash, expected.secret_hash);
    assert!(portal.first_party);
    assert!(!portal.is_public());
    assert_eq!(portal.redirect_uris, expected.redirect_uris);
    assert_eq!(portal.post_logout_redirect_uris, expected.post_logout_redirect_uris);
    assert_eq!(portal.grant_types, expected.grant_types);
    assert!(portal.allows_grant("refresh_token"));
    assert!(!portal.allows_grant("client_credentials"));
    assert_eq!(portal.scopes, expected.scopes);
    assert_eq!(portal.id_token_alg, Alg::Es256);
    assert_eq!(portal.audience, expected.audience);

    assert!(clients.get("nope").await.expect("get").is_none());
    let by_aud = clients.by_audience("https://cantine.example.org").await.expect("by_audience").expect("cantine");
    assert_eq!(by_aud.id, OTHER_CLIENT);
    assert!(by_aud.is_public());

    let ids: Vec<String> = clients.list().await.expect("list").into_iter().map(|c| c.id).collect();
    assert_eq!(ids, vec![OTHER_CLIENT.to_string(), PORTAL.to_string()]);

    assert!(clients.remove(OTHER_CLIENT).await.expect("remove"));
    assert!(!clients.remove(OTHER_CLIENT).await.expect("remove again"));
    assert!(clients.get(OTHER_CLIENT).await.expect("get").is_none());
    assert_eq!(clients.list().await.expect("list").len(), 1);
});

both_backends!(clients_duplicate_id_is_refused, |db| async move {
    let clients = ClientStore::new(db);
    clients.insert(&client(PORTAL, Some("a"))).await.expect("insert");
    let mut again = client(PORTAL, None);
    again.audience = Some("https://elsewhere.example.org".into());
    let err = clients.insert(&again).await.expect_err("duplicate id must fail");
    assert!(matches!(&err, InsertError::IdTaken(id) if id == PORTAL), "{err:?}");
    // The first one is untouched.
    let kept = clients.get(PORTAL).await.expect("get").expect("portal");
    assert!(kept.secret_matches("a"));
});

both_backends!(clients_audiences_are_unique_but_may_be_absent, |db| async move {
    let clients = ClientStore::new(db);
    clients.insert(&client(PORTAL, Some("a"))).await.expect("insert");
    // Another client claiming the portal's audience: refused, typed, naming the holder.
    let mut squatter = client("squatter", Some("b"));
    squatter.audience = Some(format!("https://{PORTAL}.example.org"));
    let err = clients.insert(&squatter).await.expect_err("a taken audience must be refused");
    match &err {
        InsertError::AudienceTaken { audience, holder } => {
            assert_eq!(audience, &format!("https://{PORTAL}.example.org"));
            assert_eq!(holder, PORTAL);
        }
        other => panic!("not AudienceTaken: {other:?}"),
    }
    assert!(clients.get("squatter").await.expect("get").is_none(), "nothing stored");
    let by_aud = clients.by_audience(&format!("https://{PORTAL}.example.org")).await.expect("by_audience");
    assert_eq!(by_aud.expect("holder").id, PORTAL);
    // Several clients without an audience.
    for id in ["tool-a", "tool-b", "tool-c"] {
        let mut c = client(id, Some("s"));
        c.audience = None;
        clients.insert(&c).await.expect("no audience");
    }
});

both_backends!(clients_registered_resources_round_trip, |db| async move {
    let clients = ClientStore::new(db);
    let mut robot = client("robot", Some("s"));
    robot.grant_types = vec!["client_credentials".into()];
    robot.resources = vec!["urn:ent:directory".into(), "https://api.example.org".into()];
    clients.insert(&robot).await.expect("insert");
    let stored = clients.get("robot").await.expect("get").expect("robot");
    assert_eq!(stored.resources, robot.resources);
    assert!(stored.allows_resource("https://api.example.org"));
    assert!(!stored.allows_resource("https://api.example.org/"), "compared by exact string");
    assert!(!stored.allows_resource("https://robot.example.org"), "its own audience is not a registered resource");
    clients.insert(&client(PORTAL, Some("a"))).await.expect("insert");
    assert!(clients.get(PORTAL).await.expect("get").expect("portal").resources.is_empty());
});

both_backends!(clients_secrets, |db| async move {
    let clients = ClientStore::new(db);
    clients.insert(&client(PORTAL, Some("right"))).await.expect("insert");
    clients.insert(&client(OTHER_CLIENT, None)).await.expect("insert");
    let portal = clients.get(PORTAL).await.expect("get").expect("portal");
    assert!(portal.secret_matches("right"));
    assert!(!portal.secret_matches("wrong"));
    assert!(!portal.secret_matches(""));
    // A public client matches no secret at all.
    let public = clients.get(OTHER_CLIENT).await.expect("get").expect("public");
    assert!(!public.secret_matches(""));

    assert!(clients.set_secret_hash(PORTAL, &secret::sha256_hex("new")).await.expect("set"));
    let portal = clients.get(PORTAL).await.expect("get").expect("portal");
    assert!(portal.secret_matches("new"));
    assert!(!portal.secret_matches("right"));
    // A public client does not become confidential by accident.
    assert!(!clients.set_secret_hash(OTHER_CLIENT, &secret::sha256_hex("x")).await.expect("set"));
});

both_backends!(clients_remove_cascades, |db| async move {
    seed(&db).await;
    let grants = GrantStore::new(db.clone());
    let sessions = SessionStore::new(db.clone());
    let (grant_id, code) = grant_with_code(&grants, 60).await;
    let refresh = grants.issue_refresh(&grant_id, 3600).await.expect("issue");
    sessions.record_consent("pupil1", PORTAL, &["openid".into()]).await.expect("consent");

    assert!(ClientStore::new(db.clone()).remove(PORTAL).await.expect("remove"));
    assert!(grants.get(&grant_id).await.expect("get").is_none());
    assert!(!grants.is_active(&grant_id).await.expect("is_active"));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM auth_codes WHERE grant_id = $1", &grant_id).await, 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM refresh_tokens WHERE grant_id = $1", &grant_id).await, 0);
    assert!(grants.grant_of_refresh(&refresh, None).await.expect("lookup").is_none());
    assert!(grants.redeem_code(&code, PORTAL).await.expect("redeem").is_err());
    assert!(sessions.consented_scopes("pupil1", PORTAL).await.expect("consents").is_empty());
});

// ----- Signing keys -----

async fn states(keys: &KeyStore, alg: Alg) -> Vec<(String, KeyState)> {
    keys.active()
        .await
        .expect("active")
        .into_iter()
        .filter(|k| k.key.alg() == alg)
        .map(|k| (k.key.kid().to_string(), k.state))
        .collect()
}

fn one(states: &[(String, KeyState)], state: KeyState) -> String {
    let found: Vec<&String> = states.iter().filter(|(_, s)| *s == state).map(|(k, _)| k).collect();
    assert_eq!(found.len(), 1, "expected one {state:?} key in {states:?}");
    found[0].clone()
}

async fn stored_state(db: &Db, kid: &str) -> String {
    sqlx::query_scalar("SELECT state FROM signing_keys WHERE kid = $1")
        .bind(kid.to_string())
        .fetch_one(&db.pool)
        .await
        .expect("state")
}

both_backends!(keys_ensure_creates_current_and_next_once, |db| async move {
    let keys = KeyStore::new(db.clone());
    for alg in Alg::ALL {
        keys.ensure(alg).await.expect("ensure");
        let first = states(&keys, alg).await;
        assert_eq!(first.len(), 2, "{alg}: {first:?}");
        let current = one(&first, KeyState::Current);
        let next = one(&first, KeyState::Next);
        assert_ne!(current, next);

        keys.ensure(alg).await.expect("ensure again");
        let second = states(&keys, alg).await;
        assert_eq!(second.len(), 2, "{alg}: ensure added keys: {second:?}");
        assert_eq!(one(&second, KeyState::Current), current);
        assert_eq!(one(&second, KeyState::Next), next);
    }
    assert_eq!(keys.active().await.expect("active").len(), 2 * Alg::ALL.len());
});

both_backends!(keys_rotate, |db| async move {
    let keys = KeyStore::new(db.clone());
    for alg in Alg::ALL {
        keys.ensure(alg).await.expect("ensure");
        let s0 = states(&keys, alg).await;
        let (c0, n0) = (one(&s0, KeyState::Current), one(&s0, KeyState::Next));

        let now_current = keys.rotate(alg).await.expect("rotate");
        assert_eq!(now_current, n0, "{alg}: next becomes current");
        let s1 = states(&keys, alg).await;
        assert_eq!(s1.len(), 3, "{alg}: {s1:?}");
        assert_eq!(one(&s1, KeyState::Current), n0);
        assert_eq!(one(&s1, KeyState::Previous), c0);
        let n1 = one(&s1, KeyState::Next);
        assert!(n1 != c0 && n1 != n0, "{alg}: a fresh next key");

        let now_current = keys.rotate(alg).await.expect("rotate again");
        assert_eq!(now_current, n1);
        let s2 = states(&keys, alg).await;
        assert_eq!(s2.len(), 3, "{alg}: {s2:?}");
        assert_eq!(one(&s2, KeyState::Current), n1);
        assert_eq!(one(&s2, KeyState::Previous), n0);
        let n2 = one(&s2, KeyState::Next);
        assert!(![c0.as_str(), n0.as_str(), n1.as_str()].contains(&n2.as_str()));
        // The first key is retired: kept in the table, no longer active.
        assert!(s2.iter().all(|(k, _)| *k != c0));
        assert_eq!(stored_state(&db, &c0).await, "retired");
    }
    // Other algorithms' keys are not touched by one algorithm's rotation.
    assert_eq!(keys.active().await.expect("active").len(), 3 * Alg::ALL.len());
    assert_eq!(keys.purge_retired().await.expect("purge"), Alg::ALL.len() as u64);
    assert_eq!(keys.active().await.expect("active").len(), 3 * Alg::ALL.len());
});

both_backends!(keys_round_trip_and_sign, |db| async move {
    let keys = KeyStore::new(db.clone());
    for alg in Alg::ALL {
        keys.ensure(alg).await.expect("ensure");
    }
    keys.rotate(Alg::Rs256).await.expect("rotate");
    // Two independent loads, as two provider instances would do: what one signs, the other's
    // published keys verify.
    let signer = keys.active().await.expect("load");
    let verifier = KeyStore::new(db.clone()).active().await.expect("load again");
    assert_eq!(signer.len(), verifier.len());
    let published: Vec<jose::VerifyingKey> = verifier.iter().map(|k| k.key.verifying_key()).collect();
    for stored in &signer {
        let key = &stored.key;
        let twin = verifier.iter().find(|k| k.key.kid() == key.kid()).expect("same kid in both loads");
        assert_eq!(key.verifying_key().to_jwk(), twin.key.verifying_key().to_jwk());
        assert_eq!(stored.state, twin.state);

        let claims = json!({"iss": "https://idp.example.org", "sub": "s", "kid_was": key.kid()});
        let token = key.sign_json(Some("JWT"), &claims).expect("sign");
        let (header, got) = jose::verify(&token, &published, &[key.alg()]).expect("verify");
        assert_eq!(header.kid.as_deref(), Some(key.kid()));
        assert_eq!(got, claims);
        // And with exactly its own verifying key.
        jose::verify(&token, &[key.verifying_key()], &[key.alg()]).expect("own key");
    }
});

both_backends!(keys_concurrent_ensure, |db| async move {
    for alg in Alg::ALL {
        let (a, b) = (KeyStore::new(db.clone()), KeyStore::new(db.clone()));
        let (ra, rb) = tokio::join!(a.ensure(alg), b.ensure(alg));
        ra.expect("first ensure");
        rb.expect("second ensure");
        let s = states(&a, alg).await;
        assert_eq!(s.len(), 2, "{alg}: {s:?}");
        one(&s, KeyState::Current);
        one(&s, KeyState::Next);
    }
    // Same again from two runtime tasks (really in parallel on the multi-threaded runtime).
    let db2 = db.clone();
    let (ra, rb) = tokio::join!(
        tokio::spawn(async move { KeyStore::new(db2).ensure(Alg::Rs256).await }),
        tokio::spawn({
            let db = db.clone();
            async move { KeyStore::new(db).ensure(Alg::Rs256).await }
        })
    );
    ra.expect("task").expect("ensure");
    rb.expect("task").expect("ensure");
    assert_eq!(KeyStore::new(db).active().await.expect("active").len(), 2 * Alg::ALL.len());
});

// ----- Grants: authorization codes -----

both_backends!(codes_redeem_once, |db| async move {
    seed(&db).await;
    let grants = GrantStore::new(db);
    let (grant_id, code) = grant_with_code(&grants, 60).await;
    assert!(grants.is_active(&grant_id).await.expect("is_active"));

    let redeemed = grants.redeem_code(&code, PORTAL).await.expect("redeem").expect("first redemption succeeds");
    assert_eq!(redeemed.grant.id, grant_id);
    assert_eq!(redeemed.grant.client_id, PORTAL);
    assert_eq!(redeemed.grant.person_id, "pupil1");
    assert_eq!(redeemed.grant.session_id.as_deref(), Some("session-hash"));
    assert_eq!(redeemed.grant.scope, "openid profile");
    assert_eq!(redeemed.grant.auth_time, 1_700_000_000);
    assert_eq!(redeemed.grant.session_start, Some(1_699_990_000));
    assert_eq!(redeemed.grant.amr, vec!["pwd".to_string()]);
    assert!(!redeemed.grant.revoked);
    assert_eq!(redeemed.redirect_uri, "https://portal.example.org/cb");
    assert_eq!(redeemed.code_challenge, secret::pkce_s256("verifier"));
    assert_eq!(redeemed.nonce.as_deref(), Some("n-0S6_WzA2Mj"));
    assert_eq!(grants.grants_of_session("session-hash").await.expect("of session"), vec![grant_id.clone()]);

    // A second use is a replay: refused, and the grant is revoked.
    assert_eq!(grants.redeem_code(&code, PORTAL).await.expect("redeem").err(), Some(Refusal::Replayed));
    assert!(!grants.is_active(&grant_id).await.expect("is_active"));
    assert!(grants.get(&grant_id).await.expect("get").expect("grant").revoked);
    assert!(grants.grants_of_session("session-hash").await.expect("of session").is_empty());
});

both_backends!(codes_are_bound_to_their_client, |db| async move {
    seed(&db).await;
    let grants = GrantStore::new(db);
    let (grant_id, code) = grant_with_code(&grants, 60).await;
    assert_eq!(grants.redeem_code(&code, OTHER_CLIENT).await.expect("redeem").err(), Some(Refusal::Invalid));
    // Not a replay: the grant lives on and the right client still redeems the code.
    assert!(grants.is_active(&grant_id).await.expect("is_active"));
    let redeemed = grants.redeem_code(&code, PORTAL).await.expect("redeem").expect("the right client redeems");
    assert_eq!(redeemed.grant.id, grant_id);
    assert_eq!(grants.redeem_code("not-a-code", PORTAL).await.expect("redeem").err(), Some(Refusal::Invalid));
});

both_backends!(codes_expire, |db| async move {
    seed(&db).await;
    let grants = GrantStore::new(db);
    let (grant_id, code) = grant_with_code(&grants, -1).await;
    assert_eq!(grants.redeem_code(&code, PORTAL).await.expect("redeem").err(), Some(Refusal::Invalid));
    // An expired code is not a replay: the grant is not revoked for it.
    assert!(grants.is_active(&grant_id).await.expect("is_active"));
});

// Two redemptions at once are a replay: at most one gets the grant, the other is refused as a
// replay, and the grant ends revoked (RFC 6749 §4.1.2). The winner may also be refused, when the
// replay revokes the grant before it has read it: that is fine, its tokens would be dead anyway.
both_backends!(codes_concurrent_redemption, |db| async move {
    seed(&db).await;
    let grants = GrantStore::new(db);
    for _round in 0..5 {
        let (grant_id, code) = grant_with_code(&grants, 60).await;
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let (grants, code) = (grants.clone(), code.clone());
                tokio::spawn(async move { grants.redeem_code(&code, PORTAL).await })
            })
            .collect();
        let mut outcomes = Vec::new();
        for task in tasks {
            outcomes.push(task.await.expect("task").expect("redeem").map(|r| r.grant.id));
        }
        let won = outcomes.iter().filter(|o| o.is_ok()).count();
        assert!(won <= 1, "two redemptions won: {outcomes:?}");
        assert!(outcomes.contains(&Err(Refusal::Replayed)), "the second use is a replay: {outcomes:?}");
        assert!(!grants.is_active(&grant_id).await.expect("is_active"));
    }
});

// ----- Grants: refresh tokens -----

async fn live_grant(grants: &GrantStore) -> String {
    let (grant_id, code) = grant_with_code(grants, 60).await;
    grants.redeem_code(&code, PORTAL).await.expect("redeem").expect("redeemed");
    grant_id
}

both_backends!(refresh_rotation_and_replay, |db| async move {
    seed(&db).await;
    let grants = GrantStore::new(db);
    let grant_id = live_grant(&grants).await;
    let first = grants.issue_refresh(&grant_id, 3600).await.expect("issue");
    let (g, token_exp) = grants.grant_of_refresh(&first, Some(PORTAL)).await.expect("lookup").expect("live token");
    assert_eq!(g.id, grant_id);
    assert!(token_exp > ent_idp::db::now());

    let (grant, second) =
        grants.rotate_refresh(&first, PORTAL, 3600).await.expect("rotate").expect("first rotation succeeds");
    assert_eq!(grant.id, grant_id);
    assert_ne!(second, first);
    assert!(grants.grant_of_refresh(&first, None).await.expect("lookup").is_none(), "a spent token is not live");
    assert!(grants.grant_of_refresh(&second, Some(PORTAL)).await.expect("lookup").is_some());

    // Replaying the spent token revokes the grant, and with it the token that replaced it.
    assert_eq!(grants.rotate_refresh(&first, PORTAL, 3600).await.expect("rotate").err(), Some(Refusal::Replayed));
    assert!(!grants.is_active(&grant_id).await.expect("is_active"));
    assert!(
        grants.rotate_refresh(&second, PORTAL, 3600).await.expect("rotate").is_err(),
        "the newer token of a revoked grant must not rotate"
    );
    assert!(grants.grant_of_refresh(&second, None).await.expect("lookup").is_none());
});

both_backends!(refresh_is_bound_to_its_client, |db| async move {
    seed(&db).await;
    let grants = GrantStore::new(db);
    let grant_id = live_grant(&grants).await;
    let token = grants.issue_refresh(&grant_id, 3600).await.expect("issue");
    assert_eq!(grants.rotate_refresh(&token, OTHER_CLIENT, 3600).await.expect("rotate").err(), Some(Refusal::Invalid));
    assert!(grants.grant_of_refresh(&token, Some(OTHER_CLIENT)).await.expect("lookup").is_none());
    // The grant is untouched and the right client still rotates.
    assert!(grants.is_active(&grant_id).await.expect("is_active"));
    grants.rotate_refresh(&token, PORTAL, 3600).await.expect("rotate").expect("the right client rotates");
    assert_eq!(grants.rotate_refresh("not-a-token", PORTAL, 3600).await.expect("rotate").err(), Some(Refusal::Invalid));
});

both_backends!(refresh_expires, |db| async move {
    seed(&db).await;
    let grants = GrantStore::new(db);
    let grant_id = live_grant(&grants).await;
    let token = grants.issue_refresh(&grant_id, -1).await.expect("issue");
    assert_eq!(grants.rotate_refresh(&token, PORTAL, 3600).await.expect("rotate").err(), Some(Refusal::Invalid));
    assert!(grants.grant_of_refresh(&token, None).await.expect("lookup").is_none());
    assert!(grants.is_active(&grant_id).await.expect("is_active"));
});

both_backends!(refresh_concurrent_rotation, |db| async move {
    seed(&db).await;
    let grants = GrantStore::new(db);
    for _round in 0..5 {
        let grant_id = live_grant(&grants).await;
        let token = grants.issue_refresh(&grant_id, 3600).await.expect("issue");
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let (grants, token) = (grants.clone(), token.clone());
                tokio::spawn(async move { grants.rotate_refresh(&token, PORTAL, 3600).await })
            })
            .collect();
        let mut ok = 0;
        for task in tasks {
            if task.await.expect("task").expect("rotate").is_ok() {
                ok += 1;
            }
        }
        assert_eq!(ok, 1, "exactly one rotation of a token wins");
    }
});

both_backends!(revoked_access_tokens, |db| async move {
    let grants = GrantStore::new(db);
    assert!(!grants.is_jti_revoked("jti-1").await.expect("check"));
    let exp = ent_idp::db::now() + 600;
    grants.revoke_jti("jti-1", exp).await.expect("revoke");
    grants.revoke_jti("jti-1", exp).await.expect("revoking twice is fine");
    assert!(grants.is_jti_revoked("jti-1").await.expect("check"));
    assert!(!grants.is_jti_revoked("jti-2").await.expect("check"));
});

both_backends!(revoke_grant_kills_refresh_tokens, |db| async move {
    seed(&db).await;
    let grants = GrantStore::new(db);
    let grant_id = live_grant(&grants).await;
    let token = grants.issue_refresh(&grant_id, 3600).await.expect("issue");
    assert!(grants.grant_of_refresh(&token, Some(PORTAL)).await.expect("lookup").is_some());
    assert!(grants.revoke_grant(&grant_id, "logout").await.expect("revoke"));
    assert!(!grants.revoke_grant(&grant_id, "logout").await.expect("revoke again"), "already revoked");
    assert!(grants.grant_of_refresh(&token, Some(PORTAL)).await.expect("lookup").is_none());
    assert!(!grants.is_active(&grant_id).await.expect("is_active"));
    assert!(grants.rotate_refresh(&token, PORTAL, 3600).await.expect("rotate").is_err());
});

// A refresh token never outlives its grant: once the grant's absolute lifetime is over, the
// token is not live (introspection and revocation rely on this).
both_backends!(refresh_of_expired_grant_is_not_live, |db| async move {
    seed(&db).await;
    let grants = GrantStore::new(db);
    // A grant whose absolute lifetime is over, with a refresh token that would outlive it.
    let (grant, _code) = grants
        .create_with_code(PORTAL, "pupil1", None, "openid", 1_700_000_000, None, &["pwd".to_string()], -1, &code(60))
        .await
        .expect("create");
    let token = grants.issue_refresh(&grant.id, 3600).await.expect("issue");
    assert!(!grants.is_active(&grant.id).await.expect("is_active"));
    assert!(grants.rotate_refresh(&token, PORTAL, 3600).await.expect("rotate").is_err());
    assert!(
        grants.grant_of_refresh(&token, Some(PORTAL)).await.expect("lookup").is_none(),
        "a refresh token of an expired grant must not introspect as live"
    );
});

// ----- Sessions, parked requests, consents -----

both_backends!(sessions_create_find_delete, |db| async move {
    seed(&db).await;
    let sessions = SessionStore::new(db);
    let amr = vec!["pwd".to_string(), "mfa".to_string()];
    let (cookie, session) = sessions.create("pupil1", &amr, 3600).await.expect("create");
    assert_eq!(session.id_hash, secret::sha256_hex(&cookie));
    assert_ne!(session.id_hash, cookie, "only the hash is stored");

    let found = sessions.find(&cookie).await.expect("find").expect("live");
    assert_eq!(found, session);
    assert_eq!(found.amr, amr);
    assert!(sessions.find("other-cookie").await.expect("find").is_none());
    assert!(sessions.find(&session.id_hash).await.expect("find").is_none(), "the stored hash is not a cookie");

    assert!(sessions.delete(&session.id_hash).await.expect("delete"));
    assert!(!sessions.delete(&session.id_hash).await.expect("delete again"));
    assert!(sessions.find(&cookie).await.expect("find").is_none());

    let (expired, _) = sessions.create("pupil1", &amr, -1).await.expect("create expired");
    assert!(sessions.find(&expired).await.expect("find").is_none());
    sessions.purge_expired().await.expect("purge");
});

// A sign-in of the same person over a live session of theirs goes on with that session: its
// start kept, its grants moved, the old cookie dead. Anyone else's session, an ended one or an
// expired one, and the session starts anew.
both_backends!(sessions_reopened_by_their_person_keep_their_start, |db| async move {
    seed(&db).await;
    let sessions = SessionStore::new(db.clone());
    let grants = GrantStore::new(db);
    let amr = vec!["pwd".to_string()];
    let t = ent_idp::db::now();
    let (c1, s1) = sessions.open("pupil1", &amr, 3600, t, None).await.expect("open");
    assert_eq!((s1.auth_time, s1.started_at), (t, t));
    let (grant, _) = grants
        .create_with_code(PORTAL, "pupil1", Some(&s1.id_hash), "openid", t, Some(t), &amr, 3600, &code(60))
        .await
        .expect("grant");

    let again = vec!["pwd".to_string(), "hwk".to_string()];
    let (c2, s2) = sessions.open("pupil1", &again, 3600, t + 100, Some(&s1.id_hash)).await.expect("reopen");
    assert_eq!((s2.auth_time, s2.started_at, s2.amr.clone()), (t + 100, t, again));
    assert_eq!(sessions.find(&c2).await.expect("find"), Some(s2.clone()));
    assert!(sessions.find(&c1).await.expect("find").is_none(), "the old cookie opens nothing");
    assert_eq!(grants.grants_of_session(&s2.id_hash).await.expect("grants"), vec![grant.id.clone()]);
    assert!(grants.grants_of_session(&s1.id_hash).await.expect("grants").is_empty());
    // A logout now ends the grant given before the re-authentication.
    assert!(sessions.end(&s2.id_hash).await.expect("end"));
    assert!(!grants.is_active(&grant.id).await.expect("active"));

    // After the logout: a new session.
    let (_, s3) = sessions.open("pupil1", &amr, 3600, t + 200, Some(&s2.id_hash)).await.expect("open");
    assert_eq!(s3.started_at, t + 200);
    // Someone else in the same browser: a new session, and the pupil's is not touched.
    let (_, other) = sessions.open("parent1", &amr, 3600, t + 300, Some(&s3.id_hash)).await.expect("open");
    assert_eq!(other.started_at, t + 300);
    let (c3, _) = sessions.open("pupil1", &amr, 3600, t + 400, Some(&s3.id_hash)).await.expect("reopen");
    assert_eq!(sessions.find(&c3).await.expect("find").expect("live").started_at, t + 200);
    // An expired session is not continued.
    let (_, dead) = sessions.open("teacher1", &amr, -1, t, None).await.expect("open");
    let (_, fresh) = sessions.open("teacher1", &amr, 3600, t + 500, Some(&dead.id_hash)).await.expect("open");
    assert_eq!(fresh.started_at, t + 500);
});

// Two sign-ins racing on one session: at most one continues it.
both_backends!(a_session_is_continued_once, |db| async move {
    seed(&db).await;
    let sessions = SessionStore::new(db);
    let amr = vec!["pwd".to_string()];
    let t = ent_idp::db::now();
    let (_, s1) = sessions.open("pupil1", &amr, 3600, t - 1000, None).await.expect("open");
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let (sessions, amr, old) = (sessions.clone(), amr.clone(), s1.id_hash.clone());
            tokio::spawn(async move { sessions.open("pupil1", &amr, 3600, t + i, Some(&old)).await })
        })
        .collect();
    let mut continued = 0;
    for task in tasks {
        let (_, s) = task.await.expect("task").expect("open");
        if s.started_at == t - 1000 {
            continued += 1;
        } else {
            assert_eq!(s.started_at, s.auth_time);
        }
    }
    assert_eq!(continued, 1);
});

fn parking<'a>(params: &'a str, step: Step, browser: &'a str, session: Option<&'a str>) -> Parking<'a> {
    Parking { client_id: PORTAL, params_json: params, step, browser_hash: browser, session_hash: session }
}

both_backends!(parked_requests_are_single_use_and_bound_to_their_browser, |db| async move {
    let sessions = SessionStore::new(db);
    let params = r#"{"client_id":"portal","scope":"openid","state":"xyz"}"#;
    let id = sessions.park_request(&parking(params, Step::Login, "browser-a", None), 600).await.expect("park");
    let row = ParkedRow { params: params.to_string(), step: Step::Login, session_hash: None };
    assert_eq!(sessions.parked_request(&id, "browser-a").await.expect("peek"), Some(row.clone()));
    assert_eq!(sessions.parked_request(&id, "browser-a").await.expect("peek"), Some(row), "looking does not consume");
    // Another browser finds nothing, and cannot take it or move it on.
    assert!(sessions.parked_request(&id, "browser-b").await.expect("peek").is_none());
    assert!(sessions.take_request(&id, "browser-b", Step::Login).await.expect("take").is_none());
    assert!(!sessions.advance_request(&id, "browser-b", Step::Login, Step::Consent, None).await.expect("advance"));
    // Nor can it be taken at another step than its own.
    assert!(sessions.take_request(&id, "browser-a", Step::Consent).await.expect("take").is_none());
    assert_eq!(sessions.take_request(&id, "browser-a", Step::Login).await.expect("take").as_deref(), Some(params));
    assert!(sessions.take_request(&id, "browser-a", Step::Login).await.expect("take again").is_none());
    assert!(sessions.parked_request(&id, "browser-a").await.expect("peek").is_none());

    let stale = sessions.park_request(&parking(params, Step::Login, "browser-a", None), -1).await.expect("park");
    assert!(sessions.parked_request(&stale, "browser-a").await.expect("peek").is_none());
    assert!(sessions.take_request(&stale, "browser-a", Step::Login).await.expect("take").is_none());
});

both_backends!(parked_requests_move_through_their_steps_once, |db| async move {
    let sessions = SessionStore::new(db);
    let id = sessions.park_request(&parking("{}", Step::Login, "b", None), 600).await.expect("park");
    // Only from the step it is at.
    assert!(
        !sessions.advance_request(&id, "b", Step::SecondFactor, Step::Invitation, Some("s")).await.expect("advance")
    );
    assert!(sessions.advance_request(&id, "b", Step::Login, Step::SecondFactor, None).await.expect("advance"));
    assert!(!sessions.advance_request(&id, "b", Step::Login, Step::SecondFactor, None).await.expect("again"));
    assert!(
        sessions.advance_request(&id, "b", Step::SecondFactor, Step::Invitation, Some("s")).await.expect("advance")
    );
    let row = sessions.parked_request(&id, "b").await.expect("peek").expect("parked");
    assert_eq!((row.step, row.session_hash.as_deref()), (Step::Invitation, Some("s")));
    assert!(sessions.take_request(&id, "b", Step::Login).await.expect("take").is_none());
    assert!(sessions.take_request(&id, "b", Step::Invitation).await.expect("take").is_some());
});

both_backends!(parked_request_taken_or_moved_once_under_concurrency, |db| async move {
    let sessions = SessionStore::new(db);
    let id = sessions.park_request(&parking("{}", Step::Consent, "b", Some("s")), 600).await.expect("park");
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let (sessions, id) = (sessions.clone(), id.clone());
            tokio::spawn(async move { sessions.take_request(&id, "b", Step::Consent).await })
        })
        .collect();
    let mut taken = 0;
    for task in tasks {
        if task.await.expect("task").expect("take").is_some() {
            taken += 1;
        }
    }
    assert_eq!(taken, 1);

    let id = sessions.park_request(&parking("{}", Step::Login, "b", None), 600).await.expect("park");
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let (sessions, id) = (sessions.clone(), id.clone());
            tokio::spawn(async move { sessions.advance_request(&id, "b", Step::Login, Step::Enrol, None).await })
        })
        .collect();
    let mut moved = 0;
    for task in tasks {
        if task.await.expect("task").expect("advance") {
            moved += 1;
        }
    }
    assert_eq!(moved, 1);
});

both_backends!(consents_record_and_read_back, |db| async move {
    seed(&db).await;
    let sessions = SessionStore::new(db);
    assert!(sessions.consented_scopes("parent1", OTHER_CLIENT).await.expect("read").is_empty());
    let first = vec!["openid".to_string(), "profile".to_string()];
    sessions.record_consent("parent1", OTHER_CLIENT, &first).await.expect("record");
    assert_eq!(sessions.consented_scopes("parent1", OTHER_CLIENT).await.expect("read"), first);
    let wider = vec!["openid".to_string(), "profile".to_string(), "ent".to_string()];
    sessions.record_consent("parent1", OTHER_CLIENT, &wider).await.expect("record again");
    assert_eq!(sessions.consented_scopes("parent1", OTHER_CLIENT).await.expect("read"), wider);
    // Per person and per client.
    assert!(sessions.consented_scopes("parent1", PORTAL).await.expect("read").is_empty());
    assert!(sessions.consented_scopes("teacher1", OTHER_CLIENT).await.expect("read").is_empty());
});

// ----- Throttle -----

both_backends!(throttle_counts_attempts_in_windows, |db| async move {
    let throttle = ThrottleStore::new(db);
    let key = format!("acct:{}", secret::sha256_hex("lea.martin"));
    let other = format!("addr:{}", secret::sha256_hex("192.0.2.1"));
    let t = 1_000_000;

    for n in 1..=3 {
        let c = throttle.count(&key, 300, t + n).await.expect("count");
        assert_eq!(c, Counted { count: n, window_ends: t + 1 + 300 }, "the window starts at the first attempt");
        assert_eq!(c.refused(3, t + n), None);
    }
    // The fourth is over the limit: refused until the window closes.
    let fourth = throttle.count(&key, 300, t + 10).await.expect("count");
    assert_eq!(fourth.count, 4);
    assert_eq!(fourth.refused(3, t + 10), Some(291));
    // Keys are independent.
    assert_eq!(throttle.count(&other, 300, t + 10).await.expect("count").count, 1);
    // A new window once the last one closed.
    let later = throttle.count(&key, 300, t + 301).await.expect("count");
    assert_eq!(later, Counted { count: 1, window_ends: t + 601 });

    // An attempt given back, and never below zero.
    throttle.uncount(&other).await.expect("uncount");
    throttle.uncount(&other).await.expect("uncount");
    assert_eq!(throttle.count(&other, 300, t + 20).await.expect("count").count, 1);

    throttle.clear(&key).await.expect("clear");
    assert_eq!(throttle.count(&key, 300, t + 302).await.expect("count").count, 1);
    // Purged once the longest window has passed since the key's window started.
    throttle.purge_expired(300, t + 302 + 299).await.expect("purge");
    assert_eq!(throttle.count(&key, 300, t + 302 + 299).await.expect("count").count, 2);
    throttle.purge_expired(300, t + 302 + 300).await.expect("purge");
    assert_eq!(throttle.count(&key, 10_000, t + 302 + 300).await.expect("count").count, 1);
});

both_backends!(throttle_concurrent_attempts_each_get_their_own_count, |db| async move {
    let throttle = ThrottleStore::new(db);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let throttle = throttle.clone();
            tokio::spawn(async move { throttle.count("acct:x", 300, 1_000_000).await })
        })
        .collect();
    let mut seen = Vec::new();
    for task in tasks {
        seen.push(task.await.expect("task").expect("count").count);
    }
    seen.sort_unstable();
    // Every attempt saw a different count: exactly `max` of them are within any limit.
    assert_eq!(seen, (1..=20).collect::<Vec<i64>>());
});

// ----- Audit -----

both_backends!(audit_recent_is_newest_first, |db| async move {
    let audit = AuditStore::new(db);
    assert!(audit.recent(10).await.expect("recent").is_empty());
    let events = [
        AuditEvent::new("login", "bad_credentials").client(PORTAL),
        AuditEvent::new("login", "ok").person("pupil1").client(PORTAL),
        AuditEvent::new("token.revoke", "ok").client(OTHER_CLIENT).detail(json!({"kind": "refresh_token"})),
    ];
    for e in &events {
        audit.record(e).await.expect("record");
    }
    let recent = audit.recent(10).await.expect("recent");
    let expected: Vec<AuditEvent> = events.iter().rev().cloned().collect();
    assert_eq!(recent, expected);
    let last_two = audit.recent(2).await.expect("recent");
    assert_eq!(last_two, expected[..2].to_vec());
    assert_eq!(last_two[0].detail.as_deref(), Some(r#"{"kind":"refresh_token"}"#));
});

// ----- Settings -----

both_backends!(settings_are_created_once, |db| async move {
    let settings = SettingsStore::new(db.clone());
    let first = settings.get_or_create("pairwise_secret", || "first".into()).await.expect("create");
    assert_eq!(first, "first");
    let again = SettingsStore::new(db).get_or_create("pairwise_secret", || "second".into()).await.expect("read");
    assert_eq!(again, "first");
    let other = settings.get_or_create("other", || "x".into()).await.expect("other");
    assert_eq!(other, "x");
});

both_backends!(settings_concurrent_first_start_agrees, |db| async move {
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let settings = SettingsStore::new(db.clone());
            tokio::spawn(async move { settings.get_or_create("pairwise_secret", move || format!("value-{i}")).await })
        })
        .collect();
    let mut values = Vec::new();
    for task in tasks {
        values.push(task.await.expect("task").expect("get_or_create"));
    }
    values.dedup();
    assert_eq!(values.len(), 1, "every instance reads the same value: {values:?}");
});

// ----- Upgrades -----

/// The provider's migrations older than `version`: a database as an earlier release left it.
fn migrations_before(version: i64) -> ent_storage::Migrations {
    let keep = |all: &'static sqlx::migrate::Migrator| -> &'static sqlx::migrate::Migrator {
        let older = all.iter().filter(|m| m.version < version).cloned().collect();
        Box::leak(Box::new(sqlx::migrate::Migrator::with_migrations(older)))
    };
    let all = ent_idp::db::MIGRATIONS;
    ent_storage::Migrations { sqlite: keep(all.sqlite), postgres: keep(all.postgres) }
}

async fn insert_raw_client(db: &Db, id: &str, first_party: bool, grants: &str, scopes: &str, audience: Option<&str>) {
    sqlx::query(
        "INSERT INTO clients (id, name, secret_hash, first_party, redirect_uris, post_logout_redirect_uris, \
         grant_types, scopes, id_token_alg, audience, created_at) \
         VALUES ($1, $1, 'h', $2, '[]', '[]', $3, $4, 'RS256', $5, 0)",
    )
    .bind(id)
    .bind(first_party as i64)
    .bind(grants)
    .bind(scopes)
    .bind(audience)
    .execute(&db.writer)
    .await
    .expect("insert a client the old way");
}

// Services registered before clients had resources keep what they could ask for: a first-party
// client_credentials client with directory.read keeps the directory, nobody else gets anything.
ent_storage::both_backends!(migrations_before(8); upgrading_keeps_directory_reads, |old: &TestDb| async move {
    let (cc, directory) = (r#"["client_credentials"]"#, r#"["directory.read"]"#);
    insert_raw_client(&old.db, "portlet-homework", true, cc, directory, Some("urn:ent:portlet:homework")).await;
    insert_raw_client(&old.db, "vendor-robot", false, cc, directory, None).await;
    insert_raw_client(&old.db, "robot", true, cc, r#"["notes.read"]"#, None).await;
    insert_raw_client(&old.db, "portal", true, r#"["authorization_code"]"#, r#"["openid"]"#, None).await;
    let upgraded = Db::connect(&old.url, &ent_idp::db::MIGRATIONS).await.expect("upgrade");
    let clients = ClientStore::new(upgraded.clone());
    let resources = |id: &'static str| {
        let clients = clients.clone();
        async move { clients.get(id).await.expect("get").expect(id).resources }
    };
    assert_eq!(resources("portlet-homework").await, vec!["urn:ent:directory".to_string()]);
    for id in ["vendor-robot", "robot", "portal"] {
        assert!(resources(id).await.is_empty(), "{id}");
    }
    upgraded.pool.close().await;
    upgraded.writer.close().await;
});

// Two clients that shared an audience stop the upgrade (as docs/operations.md says): the
// provider does not start with an ambiguous resource.
ent_storage::both_backends!(migrations_before(8); upgrading_refuses_shared_audiences, |old: &TestDb| async move {
    let cc = r#"["client_credentials"]"#;
    insert_raw_client(&old.db, "portlet-homework", true, cc, "[]", Some("urn:ent:portlet:homework")).await;
    insert_raw_client(&old.db, "impostor", false, cc, "[]", Some("urn:ent:portlet:homework")).await;
    let upgraded = Db::connect(&old.url, &ent_idp::db::MIGRATIONS).await;
    assert!(matches!(upgraded, Err(ent_idp::db::DbError::Migrate(_))), "{upgraded:?}");
});

// Sessions and grants of before the session start: each began with its sign-in.
ent_storage::both_backends!(migrations_before(12); upgrading_gives_sessions_and_grants_their_start, |old: &TestDb| async move {
    seed(&old.db).await;
    sqlx::query(
        "INSERT INTO sessions (id_hash, person_id, auth_time, amr, created_at, expires_at) \
         VALUES ('old-session', 'pupil1', 1700000000, '[\"pwd\"]', 1700000000, $1)",
    )
    .bind(ent_idp::db::now() + 3600)
    .execute(&old.db.writer)
    .await
    .expect("an old session");
    sqlx::query(
        "INSERT INTO grants (id, client_id, person_id, session_id, scope, auth_time, amr, created_at, expires_at) \
         VALUES ('old-grant', 'portal', 'pupil1', 'old-session', 'openid', 1700000000, '[\"pwd\"]', 1700000000, $1)",
    )
    .bind(ent_idp::db::now() + 3600)
    .execute(&old.db.writer)
    .await
    .expect("an old grant");
    let upgraded = Db::connect(&old.url, &ent_idp::db::MIGRATIONS).await.expect("upgrade");
    let started: Option<i64> = sqlx::query_scalar("SELECT started_at FROM sessions WHERE id_hash = 'old-session'")
        .fetch_one(&upgraded.pool)
        .await
        .expect("session");
    assert_eq!(started, Some(1_700_000_000));
    let grant = GrantStore::new(upgraded.clone()).get("old-grant").await.expect("get").expect("grant");
    assert_eq!(grant.session_start, Some(1_700_000_000));
    upgraded.pool.close().await;
    upgraded.writer.close().await;
});
