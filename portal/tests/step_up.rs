//! Step-up (RFC 9470): a portlet that answers a view or a post with `401` and
//! `error="insufficient_user_authentication", max_age="N"` sends the person to sign in again
//! with that `max_age`, which the authorization request carries; the callback refuses an ID token
//! whose `auth_time` is older, and otherwise lands on the portlet's way back (`x-ent-return`),
//! kept only when it is a view of that same portlet. A plain `401 invalid_token` is unchanged.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use common::{Bench, Portlet, csrf_of};
use ent_portal::Profile;

fn cookie_value(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")).map(|r| r.split(';').next().unwrap().to_string()))
}

fn query(location: &str) -> HashMap<String, String> {
    let url = url::Url::parse("http://portal.invalid").unwrap().join(location).unwrap();
    url.query_pairs().into_owned().collect()
}

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_string()
}

async fn bench() -> (Bench, Portlet, String) {
    let homework = Portlet::start("homework", false).await;
    let liaison = Portlet::start("liaison", false).await;
    let bench = Bench::start(vec![homework.config(&[Profile::Pupil]), liaison.config(&[Profile::Pupil])]).await;
    let pupil = bench.session("pupil-login", "pupil").await;
    (bench, homework, pupil)
}

/// The view `step-up` of the homework portlet, whose way back is `back`: where the portal sends
/// the browser (a `/login?…`).
async fn step_up(bench: &Bench, cookie: &str, back: Option<&str>) -> String {
    let mut path = "/p/homework/step-up".to_string();
    if let Some(b) = back {
        path.push_str(&format!("?back={}", url::form_urlencoded::byte_serialize(b.as_bytes()).collect::<String>()));
    }
    let res = bench.get(&path, cookie).await;
    assert_eq!(res.status(), 303, "{path}");
    location(&res)
}

/// Follows a `/login?…` through the fake provider to the callback's answer; returns the
/// authorization request's query and that answer.
async fn sign_in(bench: &Bench, login: &str, cookie: &str) -> (HashMap<String, String>, reqwest::Response) {
    let res = bench.get(login, cookie).await;
    assert_eq!(res.status(), 303);
    let state = cookie_value(&res, "ent_portal_login").unwrap();
    let authorize = location(&res);
    assert!(authorize.starts_with(&format!("{}/authorize?", bench.provider.url)), "{authorize}");
    let res = bench.http.get(&authorize).send().await.unwrap();
    let callback = location(&res);
    let res =
        bench.http.get(&callback).header("cookie", format!("ent_portal_login={state}; {cookie}")).send().await.unwrap();
    (query(&authorize), res)
}

#[tokio::test]
async fn a_step_up_signs_in_again_with_max_age_and_comes_back_to_the_portlets_page() {
    let (bench, homework, pupil) = bench().await;
    let login = step_up(&bench, &pupil, Some("/view/drafts/d1?done=signed_in")).await;
    let q = query(&login);
    assert!(login.starts_with("/login?"), "{login}");
    assert_eq!(q["return"], "/p/homework/drafts/d1?done=signed_in");
    assert_eq!(q["max_age"], "300");
    // Asked once: a new portlet token would not be a more recent sign-in.
    assert_eq!(homework.seen.lock().unwrap().len(), 1);

    let (authorize, res) = sign_in(&bench, &login, &pupil).await;
    assert_eq!(authorize["max_age"], "300", "the authorization request carries max_age");
    assert_eq!(authorize["scope"], "openid profile ent offline_access");
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/p/homework/drafts/d1?done=signed_in");
    let session = cookie_value(&res, "ent_portal").unwrap();
    assert_ne!(format!("ent_portal={session}"), pupil, "a new session");
    bench.finish().await;
}

#[tokio::test]
async fn a_sign_in_older_than_max_age_is_refused() {
    let (bench, _homework, pupil) = bench().await;
    let login = step_up(&bench, &pupil, Some("/view/drafts/d1")).await;
    // The provider let the person through on their hour-old sign-in.
    bench.provider.auth_age.store(3600, Ordering::SeqCst);
    let (_, res) = sign_in(&bench, &login, &pupil).await;
    assert_eq!(res.status(), 401);
    assert!(cookie_value(&res, "ent_portal").is_none(), "no new session");
    let page = res.text().await.unwrap();
    assert!(page.contains("confirmiez votre identité"), "{page}");
    // The person's session goes on: the home page still knows them.
    let home = bench.get("/", &pupil).await.text().await.unwrap();
    assert!(home.contains("Léa Dupont") || home.contains("/p/homework/"), "{home}");

    // An ordinary sign-in asks no max_age, and an old auth_time is no reason to refuse it.
    let (authorize, res) = sign_in(&bench, "/login?return=/p/homework/x", &pupil).await;
    assert!(!authorize.contains_key("max_age"));
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/p/homework/x");
    bench.finish().await;
}

#[tokio::test]
async fn a_hostile_way_back_is_not_followed() {
    let (bench, _homework, pupil) = bench().await;
    for hostile in [
        "//evil.example/",
        "https://evil.example/view/x",
        "/view/../../admin",
        "/view/%2e%2e/%2e%2e/admin",
        "/view/..%2F..%2Fadmin",
        "/view//evil.example/",
        "/view\\..\\admin",
        "/p/liaison/notes",
        "/view/../../p/liaison/notes",
        "/viewer",
        "view/x",
        "javascript:alert(1)",
        "",
    ] {
        let login = step_up(&bench, &pupil, Some(hostile)).await;
        let back = &query(&login)["return"];
        // The page the person was on: the view that asked.
        assert!(back.starts_with("/p/homework/step-up?back="), "{hostile:?} gave {back:?}");
    }
    // The portlet's own views are kept, mapped under its base.
    for (back, kept) in [
        ("/view", "/p/homework/"),
        ("/view?week=2026-W49", "/p/homework/?week=2026-W49"),
        ("/view/notes/n%201?done=signed_in&x=%2F%2F", "/p/homework/notes/n%201?done=signed_in&x=%2F%2F"),
    ] {
        let login = step_up(&bench, &pupil, Some(back)).await;
        assert_eq!(query(&login)["return"], kept, "{back:?}");
    }
    // No way back at all: the page the person was on.
    let login = step_up(&bench, &pupil, None).await;
    assert_eq!(query(&login)["return"], "/p/homework/step-up");
    bench.finish().await;
}

#[tokio::test]
async fn a_post_that_asks_for_a_step_up_comes_back_to_its_form() {
    let (bench, homework, pupil) = bench().await;
    let origin = bench.portal.local_url();
    let post = |back: Option<&str>, referer: Option<String>| {
        let mut path = "/p/homework/step-up".to_string();
        if let Some(b) = back {
            path.push_str(&format!("?back={}", url::form_urlencoded::byte_serialize(b.as_bytes()).collect::<String>()));
        }
        let mut req = bench
            .http
            .post(bench.url(&path))
            .header("cookie", &pupil)
            .header("origin", &origin)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("text=Bonjour&_csrf={}", csrf_of(&pupil)));
        if let Some(r) = referer {
            req = req.header("referer", r);
        }
        async move { req.send().await.unwrap() }
    };
    let res = post(Some("/view/drafts/d1"), None).await;
    assert_eq!(res.status(), 303);
    assert_eq!(query(&location(&res))["return"], "/p/homework/drafts/d1");
    assert_eq!(query(&location(&res))["max_age"], "300");
    // Without a way back: the page of the form, when the portal showed it; else the portlet.
    let res = post(None, Some(format!("{origin}/p/homework/drafts/new?class=c1"))).await;
    assert_eq!(query(&location(&res))["return"], "/p/homework/drafts/new?class=c1");
    let res = post(Some("//evil.example/"), Some("https://evil.example/p/homework/x".into())).await;
    assert_eq!(query(&location(&res))["return"], "/p/homework/");
    let res = post(None, None).await;
    assert_eq!(query(&location(&res))["return"], "/p/homework/");
    assert_eq!(homework.seen.lock().unwrap().iter().filter(|s| s.method == "POST").count(), 4);
    bench.finish().await;
}

#[tokio::test]
async fn a_refused_token_keeps_its_behaviour() {
    let (bench, homework, pupil) = bench().await;
    let res = bench.get("/p/homework/refused", &pupil).await;
    // A new token is tried once, then the person sees that the service did not answer.
    assert_eq!(res.status(), 502);
    assert!(res.headers().get("location").is_none());
    assert_eq!(homework.seen.lock().unwrap().len(), 2);
    // A max_age that is not a number is no sign-in.
    let res = bench.get("/login?return=/&max_age=soon", &pupil).await;
    assert_eq!(res.status(), 400);
    bench.finish().await;
}
