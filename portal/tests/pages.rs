//! Page assembly: navigation per profile, the home page within its deadline whatever the
//! portlets do, the last good fragment, and the headers portlets receive.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::{Bench, Portlet, csrf_of};
use ent_portal::Profile;

#[tokio::test]
async fn a_pupil_never_sees_a_teacher_only_portlet() {
    let homework = Portlet::start("homework", false).await;
    let marks = Portlet::start("marks", false).await;
    let bench = Bench::start(vec![
        homework.config(&[Profile::Pupil, Profile::Parent, Profile::Teacher]),
        marks.config(&[Profile::Teacher]),
    ])
    .await;
    let pupil = bench.session("pupil-1", "pupil").await;
    let teacher = bench.session("teacher-1", "teacher").await;

    let page = bench.get("/", &pupil).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("href=\"/p/homework/\""));
    assert!(!html.contains("/p/marks/"), "a teacher-only portlet in a pupil's page");
    assert!(!html.contains("Titre marks"));
    assert!(html.contains("theme-pupil"));
    assert!(html.contains("<html lang=\"fr\""));
    assert!(marks.seen.lock().unwrap().is_empty(), "the teacher-only portlet was asked for a pupil");
    // Not even by URL.
    assert_eq!(bench.get("/p/marks/", &pupil).await.status(), 404);
    assert_eq!(bench.get("/p/marks/anything", &pupil).await.status(), 404);
    assert!(marks.seen.lock().unwrap().is_empty());

    let html = bench.get("/", &teacher).await.text().await.unwrap();
    assert!(html.contains("/p/marks/") && html.contains("/p/homework/") && html.contains("theme-teacher"));

    // An unknown profile sees nothing (fail closed).
    let odd = bench.session("odd-1", "martian").await;
    let html = bench.get("/", &odd).await.text().await.unwrap();
    assert!(!html.contains("/p/homework/"));
    assert_eq!(bench.get("/p/homework/", &odd).await.status(), 404);
    bench.finish().await;
}

#[tokio::test]
async fn signed_out_visitors_get_the_welcome_page_and_views_send_them_to_login() {
    let homework = Portlet::start("homework", false).await;
    let bench = Bench::start(vec![homework.config(&[Profile::Pupil])]).await;
    let res = bench.get("/", "").await;
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("default-src 'none'") && csp.contains(&format!("form-action 'self' {}", bench.provider.url)));
    assert_eq!(res.headers()["referrer-policy"], "same-origin");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    assert!(html.contains("href=\"/login\"") && html.contains("class=\"skip\""));
    let res = bench.get("/p/homework/list", "").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?return=%2Fp%2Fhomework%2Flist");
    bench.finish().await;
}

#[tokio::test]
async fn english_on_request() {
    let homework = Portlet::start("homework", false).await;
    let bench = Bench::start(vec![homework.config(&[Profile::Parent])]).await;
    let parent = bench.session("parent-1", "parent").await;
    let res = bench.get("/?lang=en", &parent).await;
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(set_cookie.starts_with("ent_portal_lang=en"));
    let html = res.text().await.unwrap();
    assert!(
        html.contains("<html lang=\"en\"")
            && html.contains("Title homework")
            && html.contains("summary of homework in en")
    );
    let html = bench.get("/", &format!("{parent}; ent_portal_lang=en")).await.text().await.unwrap();
    assert!(html.contains("Sign out"));
    let html = bench
        .http
        .get(bench.url("/"))
        .header("cookie", &parent)
        .header("accept-language", "en-GB,en;q=0.8")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<html lang=\"en\""));
    bench.finish().await;
}

#[tokio::test]
async fn the_home_page_does_not_wait_for_a_hung_or_dead_portlet() {
    let good = Portlet::start("homework", false).await;
    let slow = Portlet::start("slow", true).await;
    let dead = Portlet::dead("dead").await;
    let all = [Profile::Pupil];
    let bench = Bench::start(vec![good.config(&all), slow.config(&all), dead.config(&all)]).await;
    let pupil = bench.session("pupil-2", "pupil").await;
    // The first page pays for discovery too; measure a warm one as well.
    for _ in 0..2 {
        let started = Instant::now();
        let res = bench.get("/", &pupil).await;
        let elapsed = started.elapsed();
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap();
        assert!(elapsed < Duration::from_millis(800 + 700), "the page took {elapsed:?}");
        assert!(html.contains("summary of homework in fr"));
        assert!(html.contains("Titre slow") && html.contains("Titre dead"));
        assert_eq!(html.matches("class=\"muted unavailable\"").count(), 2);
    }
    bench.finish().await;
}

#[tokio::test]
async fn after_repeated_timeouts_a_hung_portlet_no_longer_costs_the_deadline() {
    let good = Portlet::start("homework", false).await;
    let slow = Portlet::start("slow", true).await;
    let all = [Profile::Pupil];
    let bench = Bench::start(vec![good.config(&all), slow.config(&all)]).await;
    let pupil = bench.session("pupil-3", "pupil").await;
    // Three pages wait out the deadline for the hung portlet…
    for _ in 0..3 {
        let started = Instant::now();
        assert_eq!(bench.get("/", &pupil).await.status(), 200);
        assert!(started.elapsed() >= Duration::from_millis(750), "the hung portlet was asked");
    }
    // …then its fragments are paused: the page comes at the speed of the healthy portlet, and
    // its full view says at once that it is not answering.
    let started = Instant::now();
    let res = bench.get("/p/slow/anything", &pupil).await;
    assert_eq!(res.status(), 502);
    assert!(started.elapsed() < Duration::from_millis(400), "the view waited for a paused portlet");
    for _ in 0..3 {
        let started = Instant::now();
        let res = bench.get("/", &pupil).await;
        let elapsed = started.elapsed();
        let html = res.text().await.unwrap();
        assert!(elapsed < Duration::from_millis(400), "the page still waited: {elapsed:?}");
        assert!(html.contains("summary of homework in fr") && html.contains("Titre slow"));
    }
    bench.finish().await;
}

#[tokio::test]
async fn a_portlet_that_dies_shows_its_last_good_fragment_marked_outdated() {
    let homework = Portlet::start("homework", false).await;
    let bench = Bench::start(vec![homework.config(&[Profile::Pupil])]).await;
    let pupil = bench.session("pupil-3", "pupil").await;
    let other = bench.session("pupil-4", "pupil").await;
    let html = bench.get("/", &pupil).await.text().await.unwrap();
    assert!(html.contains("summary of homework") && !html.contains("outdated"));
    homework.alive.store(false, Ordering::SeqCst);
    let html = bench.get("/", &pupil).await.text().await.unwrap();
    assert!(html.contains("summary of homework"), "the last good fragment is gone");
    assert!(html.contains("badge outdated"));
    // Another child never gets this child's remembered card.
    let html = bench.get("/", &other).await.text().await.unwrap();
    assert!(!html.contains("summary of homework"));
    assert!(html.contains("muted unavailable"));
    bench.finish().await;
}

#[tokio::test]
async fn portlets_receive_the_contract_headers_and_nothing_of_the_browser() {
    let homework = Portlet::start("homework", false).await;
    let bench = Bench::start(vec![homework.config(&[Profile::Teacher])]).await;
    let teacher = bench.session("teacher-2", "teacher").await;
    let res = bench
        .http
        .get(bench.url("/p/homework/list?week=3"))
        .header("cookie", format!("{teacher}; other=1"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("<h1>view list</h1>"));
    assert!(html.contains("action=\"/p/homework/items\""));
    assert!(html.contains("aria-current=\"page\">Title homework"));
    let seen = homework.last();
    assert_eq!(seen.path, "/view/list");
    let h = &seen.headers;
    assert_eq!(h["authorization"], "Bearer pt|urn:ent:portlet:homework|access-teacher-2");
    assert_eq!(h["accept-language"], "en");
    assert_eq!(h["x-ent-base"], "/p/homework");
    assert_eq!(h["x-ent-csrf"].to_str().unwrap(), csrf_of(&teacher));
    assert!(h.get("cookie").is_none(), "the browser's cookies reached a portlet");
    // The home page's fetch carries the same headers (French by default).
    let _ = bench.get("/", &teacher).await;
    let seen = homework.last();
    assert_eq!(seen.path, "/fragment/summary");
    assert_eq!(seen.headers["accept-language"], "fr");
    assert_eq!(seen.headers["x-ent-base"], "/p/homework");
    // One exchange served both requests (cached per session and portlet).
    assert_eq!(bench.provider.exchanges.load(Ordering::SeqCst), 1);
    bench.finish().await;
}

/// Browsers ask every site for `/favicon.ico`: the portal answers with its icon, and its pages
/// name the SVG one.
#[tokio::test]
async fn the_portal_has_an_icon() {
    let bench = Bench::start(vec![]).await;
    let ico = bench.get("/favicon.ico", "").await;
    assert_eq!(ico.status(), 200);
    assert_eq!(ico.headers()["content-type"], "image/x-icon");
    assert!(!ico.bytes().await.unwrap().is_empty());
    let svg = bench.get("/static/icon.svg", "").await;
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    let page = bench.get("/", "").await.text().await.unwrap();
    assert!(page.contains(r#"<link rel="icon" href="/static/icon.svg" type="image/svg+xml">"#));
    bench.finish().await;
}
