#![allow(clippy::unwrap_used)]

//! The back-channel logout outbox on SQLite and PostgreSQL: notices queued in the transaction
//! that ends a session (a logout, a departure applied by the directory sync), one per client
//! with a back-channel URI, and claimed by one deliverer only, however many ask at once.
//!
//! Run: `cargo test -p ent-idp --features testing --test logout_notices_store`.

use std::collections::HashSet;

use ent_idp::both_backends;
use ent_idp::db::{Db, now};
use ent_idp::jose::Alg;
use ent_idp::model::Profile;
use ent_idp::store::clients::{Client, ClientStore};
use ent_idp::store::directory::{DirectoryStore, Person, Snapshot};
use ent_idp::store::grants::{GrantStore, NewCode};
use ent_idp::store::logout_notices::LogoutNoticeStore;
use ent_idp::store::sessions::SessionStore;
use ent_idp::store::sync::{ApplyOptions, Kind, LinkSides, Mode, Staged, SyncStore};

/// Has a back-channel URI.
const PORTAL: &str = "portal";
/// Has none.
const TOOL: &str = "tool";

fn client(id: &str, backchannel: bool) -> Client {
    Client {
        id: id.into(),
        name: format!("Client {id}"),
        secret_hash: Some(ent_idp::secret::sha256_hex("secret")),
        first_party: id == PORTAL,
        redirect_uris: vec![format!("https://{id}.example.org/cb")],
        post_logout_redirect_uris: vec![],
        grant_types: vec!["authorization_code".into()],
        scopes: vec!["openid".into()],
        id_token_alg: Alg::Rs256,
        audience: None,
        resources: vec![],
        backchannel_logout_uri: backchannel.then(|| format!("https://{id}.example.org/backchannel")),
    }
}

async fn clients(db: &Db) {
    let store = ClientStore::new(db.clone());
    store.insert(&client(PORTAL, true)).await.unwrap();
    store.insert(&client(TOOL, false)).await.unwrap();
}

fn person(id: &str) -> Person {
    Person {
        id: id.into(),
        public_sub: format!("sub-{id}"),
        login: id.into(),
        profile: Profile::Teacher,
        given_name: "G".into(),
        family_name: "F".into(),
        email: None,
        external_id: None,
        disabled: false,
    }
}

async fn grant(db: &Db, client: &str, person: &str, session: Option<&str>) -> String {
    let code = NewCode { redirect_uri: "https://x/cb".into(), code_challenge: "c".into(), nonce: None, ttl_secs: 60 };
    let (g, _) = GrantStore::new(db.clone())
        .create_with_code(client, person, session, "openid", now(), Some(now()), &["pwd".into()], 3600, &code)
        .await
        .unwrap();
    g.id
}

async fn revoked(db: &Db, grant: &str) -> bool {
    !GrantStore::new(db.clone()).is_active(grant).await.unwrap()
}

both_backends!(a_logout_queues_one_notice_per_client_with_a_backchannel_uri, |db| async move {
    clients(&db).await;
    DirectoryStore::new(db.clone())
        .import(&Snapshot { people: vec![person("a"), person("b")], ..Snapshot::default() })
        .await
        .unwrap();
    let sessions = SessionStore::new(db.clone());
    let (_, s) = sessions.create("a", &["pwd".into()], 3600).await.unwrap();
    let (_, other) = sessions.create("b", &["pwd".into()], 3600).await.unwrap();
    // Two grants of the portal in the session (a silent re-authorization), one of the tool,
    // and a grant of the portal in another person's session.
    let g1 = grant(&db, PORTAL, "a", Some(&s.id_hash)).await;
    let g2 = grant(&db, PORTAL, "a", Some(&s.id_hash)).await;
    let g3 = grant(&db, TOOL, "a", Some(&s.id_hash)).await;
    let g4 = grant(&db, PORTAL, "b", Some(&other.id_hash)).await;

    assert!(sessions.end(&s.id_hash).await.unwrap());
    let notices = LogoutNoticeStore::new(db.clone());
    let pending = notices.pending().await.unwrap();
    assert_eq!(pending.len(), 1, "{pending:?}");
    let (n, due) = &pending[0];
    assert_eq!((n.client_id.as_str(), n.public_sub.as_str()), (PORTAL, "sub-a"));
    assert_eq!(n.session_id.as_deref(), Some(s.id_hash.as_str()));
    assert_eq!(n.attempts, 0);
    assert!(*due <= now());
    for g in [&g1, &g2, &g3] {
        assert!(revoked(&db, g).await, "the session's grants are revoked");
    }
    assert!(!revoked(&db, &g4).await, "another session's grant stands");
    // Ending it again: no session, no new notice.
    assert!(!sessions.end(&s.id_hash).await.unwrap());
    assert_eq!(notices.pending().await.unwrap().len(), 1);
});

fn staged(key: &str, profile: &str) -> Staged {
    Staged {
        key: key.into(),
        ldap_uuid: Some(format!("uuid-{key}")),
        dn: format!("uid={key},ou=people,dc=ent,dc=test"),
        name: format!("Nom {key}"),
        given_name: Some("Prénom".into()),
        login: Some(key.into()),
        profile: Some(profile.into()),
        ..Default::default()
    }
}

fn opts(dry_run: bool) -> ApplyOptions {
    ApplyOptions {
        mode: Mode::Full,
        dry_run,
        max_departed_share: 0.10,
        force: true,
        cookie: None,
        sides: LinkSides {
            memberships_on_people: true,
            memberships_on_classes: false,
            parents_on_pupils: true,
            children_on_parents: true,
        },
    }
}

async fn sync_people(sync: &SyncStore, keys: &[&str], dry_run: bool) {
    let run = sync.begin_run("annuaire").await.unwrap();
    let people: Vec<Staged> = keys.iter().map(|k| staged(k, "teacher")).collect();
    sync.stage(&run, Kind::Person, &people, &[], &[]).await.unwrap();
    let report = sync.apply(&run, "annuaire", &opts(dry_run)).await.unwrap();
    assert_eq!(report.applied, !dry_run, "{report:?}");
}

both_backends!(a_departure_applied_by_the_sync_queues_notices_without_a_session, |db| async move {
    clients(&db).await;
    let sync = SyncStore::new(db.clone());
    sync_people(&sync, &["stays", "leaves"], false).await;
    let dir = DirectoryStore::new(db.clone());
    let leaver = dir.person_by_login("leaves").await.unwrap().unwrap();
    let stayer = dir.person_by_login("stays").await.unwrap().unwrap();
    let sessions = SessionStore::new(db.clone());
    let (_, s1) = sessions.create(&leaver.id, &["pwd".into()], 3600).await.unwrap();
    let (_, s2) = sessions.create(&leaver.id, &["pwd".into()], 3600).await.unwrap();
    let g1 = grant(&db, PORTAL, &leaver.id, Some(&s1.id_hash)).await;
    let g2 = grant(&db, PORTAL, &leaver.id, Some(&s2.id_hash)).await;
    grant(&db, TOOL, &leaver.id, Some(&s1.id_hash)).await;
    grant(&db, PORTAL, &stayer.id, None).await;
    let notices = LogoutNoticeStore::new(db.clone());

    // A dry run queues nothing.
    sync_people(&sync, &["stays"], true).await;
    assert!(notices.pending().await.unwrap().is_empty());

    sync_people(&sync, &["stays"], false).await;
    let pending = notices.pending().await.unwrap();
    // One notice for the portal, naming the person only: every session of theirs ends.
    assert_eq!(pending.len(), 1, "{pending:?}");
    let (n, _) = &pending[0];
    assert_eq!(
        (n.client_id.as_str(), n.public_sub.as_str(), n.session_id.as_deref()),
        (PORTAL, &*leaver.public_sub, None)
    );
    assert!(revoked(&db, &g1).await && revoked(&db, &g2).await);
    assert!(dir.person(&leaver.id).await.unwrap().unwrap().disabled);

    // A run that changes nothing queues nothing more.
    sync_people(&sync, &["stays"], false).await;
    assert_eq!(notices.pending().await.unwrap().len(), 1);
});

async fn queue(db: &Db, n: usize) {
    let t = now();
    for i in 0..n {
        sqlx::query(
            "INSERT INTO logout_notices (client_id, public_sub, session_id, created_at, attempts, next_attempt_at) \
             VALUES ($1, $2, NULL, $3, 0, $3)",
        )
        .bind(PORTAL)
        .bind(format!("sub-{i}"))
        .bind(t)
        .execute(&db.writer)
        .await
        .unwrap();
    }
}

both_backends!(a_claimed_notice_is_not_due_again_before_its_lease_ends, |db| async move {
    clients(&db).await;
    queue(&db, 1).await;
    let store = LogoutNoticeStore::new(db.clone());
    let first = store.claim_due(10, 60).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].attempts, 1);
    assert!(store.claim_due(10, 60).await.unwrap().is_empty(), "leased");
    // A failed delivery scheduled for later: still not due.
    store.retry_at(first[0].id, now() + 30).await.unwrap();
    assert!(store.claim_due(10, 60).await.unwrap().is_empty());
    // Due again: taken again, one more attempt.
    store.retry_at(first[0].id, now() - 1).await.unwrap();
    let again = store.claim_due(10, 60).await.unwrap();
    assert_eq!((again[0].id, again[0].attempts), (first[0].id, 2));
    store.remove(again[0].id).await.unwrap();
    assert!(store.pending().await.unwrap().is_empty());
});

both_backends!(two_deliverers_never_claim_the_same_notice, |t: &TestDb| async move {
    clients(&t.db).await;
    const N: usize = 120;
    queue(&t.db, N).await;
    // Two provider instances: two pools on one database.
    let other = ent_idp::db::connect(&t.url).await.unwrap();
    let mut tasks = Vec::new();
    for db in [t.db.clone(), other.clone(), t.db.clone(), other.clone()] {
        tasks.push(tokio::spawn(async move {
            let store = LogoutNoticeStore::new(db);
            let mut mine = Vec::new();
            loop {
                let batch = store.claim_due(7, 600).await.unwrap();
                if batch.is_empty() {
                    return mine;
                }
                mine.extend(batch.into_iter().map(|n| n.id));
            }
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let distinct: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), N, "every notice claimed exactly once");
    assert_eq!(distinct.len(), N);
    other.pool.close().await;
});
