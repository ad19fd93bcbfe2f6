//! Several portal instances on one database, as a scaled-out deployment runs them: a session
//! opened on one is served by the other, and a refresh needed by both at once happens once
//! (a refresh token presented twice would make the provider revoke the whole grant).
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::Ordering;

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
