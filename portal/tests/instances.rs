//! Several portal instances on one database, as a scaled-out deployment runs them: a session
//! opened on one is served by the other, and a refresh needed by both at once happens once,
//! however slow the provider (a refresh token presented twice would make the provider revoke the
//! whole grant).
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::{CLIENT_ID, CLIENT_SECRET, Portlet, Provider};
use ent_portal::testing::{TestDb, TestSession};
use ent_portal::{PortalConfig, PortalState, Profile, Server};
use tokio::net::TcpListener;

async fn instance(provider: &Provider, db: &TestDb, portlet: &Portlet) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let public = format!("http://{}", listener.local_addr().unwrap());
    let mut config = PortalConfig::new(
        url::Url::parse(&provider.url).unwrap(),
        CLIENT_ID,
        CLIENT_SECRET,
        url::Url::parse(&public).unwrap(),
    );
    config.portlets = vec![portlet.config(&[Profile::Parent])];
    ent_portal::serve(listener, PortalState::with_db(config, db.db.clone()).unwrap()).await.unwrap()
}

async fn two_instances_refresh_once(db: TestDb) {
    let provider = Provider::start().await;
    let homework = Portlet::start("homework", false).await;
    let a = instance(&provider, &db, &homework).await;
    let b = instance(&provider, &db, &homework).await;
    let mut s = TestSession::new("parent-1", "parent");
    s.access_ttl = 5; // within the refresh margin on both
    let cookie = format!("ent_portal={}", s.create(&a.state).await);
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut tasks = Vec::new();
    for server in [&a, &b, &a, &b, &a, &b] {
        let (http, url, cookie) = (http.clone(), format!("{}/", server.local_url()), cookie.clone());
        tasks.push(tokio::spawn(async move {
            let res = http.get(url).header("cookie", cookie).send().await.unwrap();
            (res.status(), res.text().await.unwrap())
        }));
    }
    for t in tasks {
        let (status, html) = t.await.unwrap();
        assert_eq!(status, 200);
        assert!(html.contains("summary of homework"), "served by either instance: {html}");
    }
    assert_eq!(provider.refreshes.load(Ordering::SeqCst), 1, "one refresh across both instances");
    assert_eq!(provider.refresh_tokens_seen.lock().unwrap().as_slice(), ["refresh-parent-1"]);
    a.abort();
    b.abort();
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_two_instances_refresh_once() {
    two_instances_refresh_once(ent_portal::testing::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_instances_refresh_once() {
    let Some(db) = ent_portal::testing::postgres().await else { return };
    two_instances_refresh_once(db).await;
}

/// A refresh slower than the portal's old 30 s lease, each of its requests within the HTTP
/// client's 30 s timeout: a cold discovery (6 s) and a slow token endpoint (27 s). Instance A
/// starts it; 30.5 s later instance B needs a refresh too. B must wait for A's result rather than
/// take the lease over and present the same refresh token (which revokes the grant at a real
/// provider); the person stays signed in on both.
async fn a_refresh_slower_than_the_old_lease_happens_once(db: TestDb) {
    let provider = Provider::start().await;
    let homework = Portlet::start("homework", false).await;
    let a = instance(&provider, &db, &homework).await;
    let b = instance(&provider, &db, &homework).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    // B has read the provider's metadata already; A has not.
    assert_eq!(http.get(format!("{}/login", b.local_url())).send().await.unwrap().status(), 303);
    provider.discovery_delay_ms.store(6_000, Ordering::SeqCst);
    provider.slow_refresh_ms.store(27_000, Ordering::SeqCst);
    let mut s = TestSession::new("parent-2", "parent");
    s.access_ttl = 25; // within the refresh margin, valid for 25 s more
    s.refresh_token = Some("slow-parent-2".into());
    let cookie = format!("ent_portal={}", s.create(&a.state).await);
    let started = Instant::now();
    let res = http.get(format!("{}/", a.local_url())).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(res.status(), 200, "A goes on with the current access token while it refreshes");
    tokio::time::sleep(Duration::from_millis(30_500).saturating_sub(started.elapsed())).await;
    // The access token has expired; A's refresh is still in flight (it lands at about 33.3 s).
    let _ = http.get(format!("{}/", b.local_url())).header("cookie", &cookie).send().await.unwrap();
    while provider.refresh_tokens_seen.lock().unwrap().len() < 2 && started.elapsed() < Duration::from_secs(36) {
        let rotated = a.state.store.load(&cookie["ent_portal=".len()..], ent_portal::db::now(), 600).await.unwrap();
        if rotated.is_some_and(|s| s.secrets.refresh_token.as_deref() == Some("refresh-rotated-1")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        provider.refresh_tokens_seen.lock().unwrap().as_slice(),
        ["slow-parent-2"],
        "the refresh token was presented once"
    );
    let res = http.get(format!("{}/", b.local_url())).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("summary of homework"), "still signed in, on B");
    assert_eq!(provider.refreshes.load(Ordering::SeqCst), 1);
    a.abort();
    b.abort();
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_refresh_slower_than_the_old_lease_happens_once() {
    a_refresh_slower_than_the_old_lease_happens_once(ent_portal::testing::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_refresh_slower_than_the_old_lease_happens_once() {
    let Some(db) = ent_portal::testing::postgres().await else { return };
    a_refresh_slower_than_the_old_lease_happens_once(db).await;
}
