#![allow(clippy::unwrap_used)]

//! The passkey store on SQLite and PostgreSQL: named passkeys per person with their dates and
//! backup flags, ceremony state taken once (bound, expiring), waiting logins, the reset and its
//! notice.
//!
//! Run: `cargo test -p ent-idp --features testing --test passkeys_store`.

use ent_idp::both_backends;
use ent_idp::db::Db;
use ent_idp::model::Profile;
use ent_idp::store::directory::{DirectoryStore, Person, Snapshot};
use ent_idp::store::passkeys::{Ceremony, PasskeyStore, backup_flags, cred_id_text};
use url::Url;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::{Passkey, Uuid, WebauthnBuilder};

fn person(id: &str) -> Person {
    Person {
        id: id.into(),
        public_sub: format!("sub-{id}"),
        login: id.into(),
        profile: Profile::Director,
        given_name: "G".into(),
        family_name: "F".into(),
        email: None,
        external_id: None,
        disabled: false,
    }
}

async fn people(db: &Db) {
    let snap = Snapshot { people: vec![person("d1"), person("d2")], ..Snapshot::default() };
    DirectoryStore::new(db.clone()).import(&snap).await.unwrap();
}

/// A real passkey, registered by the software authenticator.
fn passkey(handle: Uuid) -> Passkey {
    let origin = Url::parse("http://localhost:8400").unwrap();
    let webauthn = WebauthnBuilder::new("localhost", &origin).unwrap().build().unwrap();
    let (ccr, state) = webauthn.start_passkey_registration(handle, "d", "D", None).unwrap();
    let mut authenticator = SoftPasskey::new(true);
    let reg = authenticator.do_registration(origin, ccr).unwrap();
    webauthn.finish_passkey_registration(&reg, &state).unwrap()
}

both_backends!(passkeys_are_listed_renamed_used_and_removed_per_person, |db| async move {
    people(&db).await;
    let store = PasskeyStore::new(db.clone());
    assert_eq!(store.user_handle("d1").await.unwrap(), None);
    let handle = Uuid::new_v4();
    let pk = passkey(handle);
    let id = store.add("d1", &handle.to_string(), "Téléphone", &pk).await.unwrap();
    let second = store.add("d1", &handle.to_string(), "Clé USB", &passkey(handle)).await.unwrap();
    assert_eq!(store.user_handle("d1").await.unwrap(), Some(handle.to_string()));
    assert_eq!(store.count("d1").await.unwrap(), 2);
    assert_eq!(store.count("d2").await.unwrap(), 0);

    let listed = store.list("d1").await.unwrap();
    assert_eq!(listed.len(), 2);
    let first = listed.iter().find(|p| p.id == id).unwrap();
    assert_eq!(first.name, "Téléphone");
    assert_eq!(first.cred_id, cred_id_text(pk.cred_id()));
    assert_eq!(first.passkey, pk);
    assert_eq!((first.backup_eligible, first.backup_state), backup_flags(&pk));
    assert!(first.created_at > 0);
    assert_eq!(first.last_used_at, None);

    // Found only under its own user handle.
    let found = store.by_credential(&handle.to_string(), &first.cred_id).await.unwrap().unwrap();
    assert_eq!(found.person_id, "d1");
    assert!(store.by_credential(&Uuid::new_v4().to_string(), &first.cred_id).await.unwrap().is_none());

    store.record_use(&id, &pk).await.unwrap();
    assert!(store.by_credential(&handle.to_string(), &first.cred_id).await.unwrap().unwrap().last_used_at.is_some());

    // Another person can neither rename nor remove it.
    assert!(!store.rename("d2", &id, "À moi").await.unwrap());
    assert!(!store.remove("d2", &id).await.unwrap());
    assert!(store.rename("d1", &id, "Téléphone perso").await.unwrap());
    assert_eq!(store.list("d1").await.unwrap().iter().find(|p| p.id == id).unwrap().name, "Téléphone perso");
    assert!(store.remove("d1", &second).await.unwrap());
    assert!(!store.remove("d1", &second).await.unwrap());
    assert_eq!(store.count("d1").await.unwrap(), 1);

    // A credential id is registered once.
    assert!(store.add("d2", &Uuid::new_v4().to_string(), "Copie", &pk).await.is_err());
});

both_backends!(ceremony_state_is_taken_once_by_its_kind_and_binding, |db| async move {
    let store = PasskeyStore::new(db.clone());
    let id = store.put_challenge(Ceremony::Register, "session:abc", "{\"s\":1}", 300).await.unwrap();
    assert_eq!(store.take_challenge(&id, Ceremony::Authenticate, "session:abc").await.unwrap(), None);
    assert_eq!(store.take_challenge(&id, Ceremony::Register, "session:other").await.unwrap(), None);
    assert_eq!(
        store.take_challenge(&id, Ceremony::Register, "session:abc").await.unwrap().as_deref(),
        Some("{\"s\":1}")
    );
    // A replay finds nothing.
    assert_eq!(store.take_challenge(&id, Ceremony::Register, "session:abc").await.unwrap(), None);
    // An expired state is never given out, and housekeeping removes it.
    let old = store.put_challenge(Ceremony::Discover, "req:r1", "{}", -1).await.unwrap();
    assert_eq!(store.take_challenge(&old, Ceremony::Discover, "req:r1").await.unwrap(), None);
    store.purge_expired().await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webauthn_challenges").fetch_one(&db.pool).await.unwrap();
    assert_eq!(left, 0);
});

both_backends!(concurrent_takes_of_one_state_give_it_once, |db| async move {
    let store = PasskeyStore::new(db.clone());
    let id = store.put_challenge(Ceremony::Discover, "req:r2", "{}", 300).await.unwrap();
    let (a, b) = tokio::join!(
        store.take_challenge(&id, Ceremony::Discover, "req:r2"),
        store.take_challenge(&id, Ceremony::Discover, "req:r2")
    );
    assert_eq!([a.unwrap(), b.unwrap()].iter().filter(|s| s.is_some()).count(), 1);
});

both_backends!(waiting_logins_belong_to_their_request_and_end_once, |db| async move {
    people(&db).await;
    let store = PasskeyStore::new(db.clone());
    let cookie = store.start_pending("d1", "req-1", "pwd", 600).await.unwrap();
    assert!(store.pending(&cookie, "req-2").await.unwrap().is_none());
    assert!(store.pending("forged", "req-1").await.unwrap().is_none());
    let p = store.pending(&cookie, "req-1").await.unwrap().unwrap();
    assert_eq!((p.person_id.as_str(), p.method.as_str()), ("d1", "pwd"));
    assert!(store.finish_pending(&p.id_hash).await.unwrap());
    assert!(!store.finish_pending(&p.id_hash).await.unwrap());
    assert!(store.pending(&cookie, "req-1").await.unwrap().is_none());
    let expired = store.start_pending("d1", "req-3", "pwd", -1).await.unwrap();
    assert!(store.pending(&expired, "req-3").await.unwrap().is_none());
});

both_backends!(a_reset_removes_every_passkey_and_leaves_one_notice, |db| async move {
    people(&db).await;
    let store = PasskeyStore::new(db.clone());
    let handle = Uuid::new_v4();
    store.add("d1", &handle.to_string(), "A", &passkey(handle)).await.unwrap();
    store.add("d1", &handle.to_string(), "B", &passkey(handle)).await.unwrap();
    store.add("d2", "other", "C", &passkey(Uuid::new_v4())).await.unwrap();
    assert!(!store.has_reset_notice("d1").await.unwrap());
    store.dismiss_invitation("d1").await.unwrap();
    assert!(store.invitation_dismissed_at("d1").await.unwrap().is_some());
    assert_eq!(store.invitation_dismissed_at("d2").await.unwrap(), None);

    assert_eq!(store.reset("d1").await.unwrap(), 2);
    assert_eq!(store.count("d1").await.unwrap(), 0);
    assert_eq!(store.count("d2").await.unwrap(), 1);
    assert!(store.has_reset_notice("d1").await.unwrap());
    // Told once.
    assert!(store.take_reset_notice("d1").await.unwrap());
    assert!(!store.take_reset_notice("d1").await.unwrap());
    assert!(!store.take_reset_notice("d2").await.unwrap());
    // The dismissal survives the reset and the notice.
    assert!(store.invitation_dismissed_at("d1").await.unwrap().is_some());
});

both_backends!(a_first_passkey_is_stored_only_for_a_person_without_one, |db| async move {
    people(&db).await;
    let store = PasskeyStore::new(db.clone());
    let handle = Uuid::new_v4();
    // Ten concurrent first registrations for one person: exactly one is stored.
    let keys: Vec<Passkey> = (0..10).map(|_| passkey(handle)).collect();
    let tasks: Vec<_> = keys
        .into_iter()
        .map(|pk| {
            let store = store.clone();
            tokio::spawn(async move { store.add_first("d1", &handle.to_string(), "Téléphone", &pk).await })
        })
        .collect();
    let mut stored = 0;
    for task in tasks {
        if task.await.unwrap().unwrap().is_some() {
            stored += 1;
        }
    }
    assert_eq!(stored, 1);
    assert_eq!(store.count("d1").await.unwrap(), 1);
    // Once a person has one, a "first" passkey is refused and nothing is stored.
    assert!(store.add_first("d1", &handle.to_string(), "Clé", &passkey(handle)).await.unwrap().is_none());
    assert_eq!(store.count("d1").await.unwrap(), 1);
    // Another person is not affected.
    assert!(store.add_first("d2", &Uuid::new_v4().to_string(), "Clé", &passkey(handle)).await.unwrap().is_some());
});
