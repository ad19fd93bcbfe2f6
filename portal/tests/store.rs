//! The session store on SQLite and PostgreSQL: sessions found only by their cookie, sealed,
//! ended by idle time, absolute life and logout; sign-ins used once; jtis remembered once.
#![allow(clippy::unwrap_used)]

use ent_portal::db::{Db, now};
use ent_portal::store::{LoginRequest, NewSession, SessionSecrets, Store};
use ent_portal::testing;

fn new_session(sub: &str, sid: &str) -> NewSession {
    NewSession {
        sub: sub.into(),
        sid: Some(sid.into()),
        profile: "parent".into(),
        secrets: SessionSecrets {
            name: "Marc Dupont".into(),
            access_token: "at".into(),
            refresh_token: Some("rt".into()),
            id_token: "it".into(),
        },
        access_expires_at: now() + 300,
    }
}

async fn exercise(db: Db) {
    let store = Store::new(db.clone());
    let t = now();
    let cookie = store.create(&new_session("s1", "sid1"), t, t + 3600).await.unwrap();
    assert_eq!(cookie.len(), 43, "256-bit cookie");
    let s = store.load(&cookie, t, 600).await.unwrap().unwrap();
    assert_eq!(s.sub, "s1");
    assert_eq!(s.secrets.refresh_token.as_deref(), Some("rt"));
    assert_eq!(s.profile, Some(ent_portal::Profile::Parent));
    // The table holds neither the cookie nor the tokens nor the name.
    let (id_hash, sealed): (String, String) =
        sqlx::query_as("SELECT id_hash, sealed FROM sessions").fetch_one(&db.pool).await.unwrap();
    assert_ne!(id_hash, cookie);
    assert!(!sealed.contains("Marc") && !sealed.contains("\"rt\""));
    assert!(store.load("not-a-cookie", t, 600).await.unwrap().is_none());
    // Idle and absolute ends.
    assert!(store.load(&cookie, t + 601, 600).await.unwrap().is_none());
    let c2 = store.create(&new_session("s1", "sid2"), t, t + 100).await.unwrap();
    assert!(store.load(&c2, t + 100, 600).await.unwrap().is_none());

    // Refresh lease: one holder at a time.
    let c3 = store.create(&new_session("s2", "sid3"), t, t + 3600).await.unwrap();
    let s3 = store.load(&c3, t, 600).await.unwrap().unwrap();
    assert!(store.claim_refresh(&s3.id_hash, t, t + 30).await.unwrap());
    assert!(!store.claim_refresh(&s3.id_hash, t + 1, t + 31).await.unwrap());
    let mut secrets = s3.secrets.clone();
    secrets.access_token = "at2".into();
    store.update_tokens(&s3, &secrets, t + 900).await.unwrap();
    let s3b = store.load(&c3, t, 600).await.unwrap().unwrap();
    assert_eq!(s3b.secrets.access_token, "at2");
    assert_eq!(s3b.access_expires_at, t + 900);
    assert!(store.claim_refresh(&s3.id_hash, t + 1, t + 31).await.unwrap(), "the lease was given back");

    // Logout by sid, then by sub.
    let c4 = store.create(&new_session("s2", "sid4"), t, t + 3600).await.unwrap();
    assert_eq!(store.delete_for_logout(Some("s2"), Some("sid3")).await.unwrap().len(), 1);
    assert!(store.load(&c3, t, 600).await.unwrap().is_none());
    assert!(store.load(&c4, t, 600).await.unwrap().is_some());
    assert_eq!(store.delete_for_logout(Some("s2"), None).await.unwrap().len(), 1);
    assert!(store.load(&c4, t, 600).await.unwrap().is_none());

    // Sign-ins: once, and not after they expire.
    let req = LoginRequest { nonce: "n".into(), verifier: "v".into(), return_to: "/".into(), max_age: None };
    store.put_login("state-1", &req, t + 600).await.unwrap();
    assert_eq!(store.take_login("state-1", t).await.unwrap().unwrap().verifier, "v");
    assert!(store.take_login("state-1", t).await.unwrap().is_none());
    store.put_login("state-2", &req, t + 600).await.unwrap();
    assert!(store.take_login("state-2", t + 601).await.unwrap().is_none());

    // jtis.
    assert!(store.remember_jti("j1", t + 120).await.unwrap());
    assert!(!store.remember_jti("j1", t + 120).await.unwrap());
    store.purge(t + 10_000, 600).await.unwrap();
    assert!(store.remember_jti("j1", t + 20_000).await.unwrap(), "purged once expired");
}

#[tokio::test]
async fn sqlite_store() {
    let t = testing::sqlite().await;
    exercise(t.db.clone()).await;
    t.cleanup().await;
}

#[tokio::test]
async fn postgres_store() {
    let Some(t) = testing::postgres().await else { return };
    exercise(t.db.clone()).await;
    t.cleanup().await;
}
