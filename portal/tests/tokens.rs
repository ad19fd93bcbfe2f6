//! The user's tokens: one refresh per session however many requests need it, the rotated refresh
//! token kept, and a refused refresh (invalid_grant) ending the session.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::{Bench, Portlet};
use ent_portal::Profile;
use ent_portal::testing::TestSession;

#[tokio::test]
async fn parallel_requests_refresh_once() {
    let homework = Portlet::start("homework", false).await;
    let liaison = Portlet::start("liaison", false).await;
    let bench = Bench::start(vec![homework.config(&[Profile::Pupil]), liaison.config(&[Profile::Pupil])]).await;
    let mut s = TestSession::new("pupil-7", "pupil");
    s.access_ttl = 5; // within the refresh margin
    let cookie = bench.session_from(s).await;
    let mut tasks = Vec::new();
    for path in ["/", "/", "/p/homework/a", "/p/liaison/b", "/", "/p/homework/c"] {
        let (http, url, cookie) = (bench.http.clone(), bench.url(path), cookie.clone());
        tasks.push(tokio::spawn(async move { http.get(url).header("cookie", cookie).send().await.unwrap().status() }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    assert_eq!(bench.provider.refreshes.load(Ordering::SeqCst), 1, "parallel refreshes would revoke the grant");
    assert_eq!(bench.provider.refresh_tokens_seen.lock().unwrap().as_slice(), ["refresh-pupil-7"]);
    // The portlets got tokens exchanged from the refreshed access token.
    assert!(homework.last().headers["authorization"].to_str().unwrap().ends_with("|access-refreshed-1"));
    bench.finish().await;
}

#[tokio::test]
async fn a_refused_refresh_ends_the_session() {
    let homework = Portlet::start("homework", false).await;
    let bench = Bench::start(vec![homework.config(&[Profile::Pupil])]).await;
    let mut s = TestSession::new("pupil-8", "pupil");
    s.access_ttl = 5;
    s.refresh_token = Some("revoked-1".into());
    let cookie = bench.session_from(s).await;
    let res = bench.get("/", &cookie).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login");
    assert!(res.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    // Gone for good: the next request is a signed-out one.
    let res = bench.get("/", &cookie).await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("href=\"/login\""));
    assert_eq!(bench.provider.refreshes.load(Ordering::SeqCst), 1);
    bench.finish().await;
}

#[tokio::test]
async fn expired_portlet_tokens_are_exchanged_again() {
    let homework = Portlet::start("homework", false).await;
    let bench = Bench::start(vec![homework.config(&[Profile::Pupil])]).await;
    // Tokens that live less than the margin are never reused.
    bench.provider.exchange_ttl.store(10, Ordering::SeqCst);
    let cookie = bench.session("pupil-9", "pupil").await;
    let _ = bench.get("/", &cookie).await;
    let _ = bench.get("/", &cookie).await;
    assert_eq!(bench.provider.exchanges.load(Ordering::SeqCst), 2);
    bench.finish().await;
}

#[tokio::test]
async fn a_slow_refresh_does_not_hold_the_page_and_still_lands() {
    let homework = Portlet::start("homework", false).await;
    let bench = Bench::start(vec![homework.config(&[Profile::Pupil])]).await;
    let mut s = TestSession::new("pupil-10", "pupil");
    s.access_ttl = 20; // still valid, but within the refresh margin
    s.refresh_token = Some("slow-1".into());
    let cookie = bench.session_from(s).await;
    let started = Instant::now();
    let res = bench.get("/", &cookie).await;
    assert_eq!(res.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(4), "the page waited {:?}", started.elapsed());
    // The refresh went on in the background and its rotated token was kept: the next page
    // finds a fresh session and refreshes nothing (a spent token reused would revoke the grant).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let res = bench.get("/", &cookie).await;
    assert_eq!(res.status(), 200);
    assert_eq!(bench.provider.refreshes.load(Ordering::SeqCst), 1);
    bench.finish().await;
}
