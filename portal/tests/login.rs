//! Signing in against a fake provider: the authorization request (PKCE S256, state, nonce,
//! scopes, ui_locales), the callback (state bound to the browser and used once, RFC 9207 iss,
//! the ID token checked), and the session it creates.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Bench, Portlet};
use ent_portal::Profile;

fn cookie_value(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")).map(|r| r.split(';').next().unwrap().to_string()))
}

#[tokio::test]
async fn sign_in_creates_a_session_with_the_id_token_claims() {
    let homework = Portlet::start("homework", false).await;
    let bench = Bench::start(vec![homework.config(&[Profile::Pupil])]).await;
    let res = bench.http.get(bench.url("/login?return=/p/homework/list&lang=en")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let login_cookie = cookie_value(&res, "ent_portal_login").unwrap();
    let location = url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
    assert!(location.as_str().starts_with(&format!("{}/authorize?", bench.provider.url)));
    let q: std::collections::HashMap<String, String> = location.query_pairs().into_owned().collect();
    assert_eq!(q["client_id"], common::CLIENT_ID);
    assert_eq!(q["scope"], "openid profile ent offline_access");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["ui_locales"], "en");
    assert_eq!(q["redirect_uri"], format!("{}/callback", bench.portal.local_url()));
    assert_eq!(q["state"], login_cookie);
    assert!(!q["nonce"].is_empty());

    // The provider sends the browser back.
    let res = bench.http.get(location).send().await.unwrap();
    let callback = res.headers()["location"].to_str().unwrap().to_string();
    // Without the browser's login cookie (another browser: login CSRF) it is refused.
    let res = bench.http.get(&callback).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let res =
        bench.http.get(&callback).header("cookie", format!("ent_portal_login={login_cookie}")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/p/homework/list");
    let session = cookie_value(&res, "ent_portal").unwrap();
    assert_eq!(session.len(), 43);
    let set: Vec<String> =
        res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
    assert!(set.iter().any(|c| c.starts_with("ent_portal=") && c.contains("HttpOnly") && c.contains("SameSite=Lax")));
    let html = bench.get("/", &format!("ent_portal={session}")).await.text().await.unwrap();
    assert!(html.contains("Léa Dupont") && html.contains("theme-pupil") && html.contains("/p/homework/"));
    let s = bench.state().store.load(&session, ent_portal::db::now(), 600).await.unwrap().unwrap();
    assert_eq!(s.sid.as_deref(), Some("sid-login"));
    assert_eq!(s.secrets.refresh_token.as_deref(), Some("refresh-login"));
    // The state was used once.
    let res =
        bench.http.get(&callback).header("cookie", format!("ent_portal_login={login_cookie}")).send().await.unwrap();
    assert_eq!(res.status(), 400);
    bench.finish().await;
}

#[tokio::test]
async fn a_callback_from_another_issuer_is_refused() {
    let bench = Bench::start(vec![]).await;
    let res = bench.http.get(bench.url("/login")).send().await.unwrap();
    let state = cookie_value(&res, "ent_portal_login").unwrap();
    let url = format!("{}?code=x&state={state}&iss=https%3A%2F%2Fevil.example", bench.url("/callback"));
    let res = bench.http.get(url).header("cookie", format!("ent_portal_login={state}")).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("pas abouti"));
    bench.finish().await;
}

#[tokio::test]
async fn a_stored_return_that_cannot_be_a_header_still_signs_in_and_goes_home() {
    let bench = Bench::start(vec![]).await;
    let res = bench.http.get(bench.url("/login?return=/p/homework/list")).send().await.unwrap();
    let login_cookie = cookie_value(&res, "ent_portal_login").unwrap();
    let authorize = res.headers()["location"].to_str().unwrap().to_string();
    // A sign-in stored by an older portal, whose check let a newline through.
    sqlx::query("UPDATE login_requests SET return_to = $1")
        .bind("/p/x\r\nSet-Cookie: ent_portal=fixed")
        .execute(&bench.state().store.db().pool)
        .await
        .unwrap();
    let res = bench.http.get(authorize).send().await.unwrap();
    let callback = res.headers()["location"].to_str().unwrap().to_string();
    let res =
        bench.http.get(&callback).header("cookie", format!("ent_portal_login={login_cookie}")).send().await.unwrap();
    // Signed in, and sent home rather than answered 500 (or a header split).
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
    assert_eq!(cookie_value(&res, "ent_portal").unwrap().len(), 43);
    assert!(res.headers().get_all("set-cookie").iter().all(|c| !c.to_str().unwrap().contains("fixed")));
    bench.finish().await;
}

async fn login_requests(bench: &Bench) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM login_requests").fetch_one(&bench.state().store.db().pool).await.unwrap()
}

/// Every sign-in started stores a row: an address may start `max_logins_per_address` a minute,
/// then gets 429 with `Retry-After` and nothing more is stored; behind a trusted proxy, the
/// address the proxy saw counts, not what the client wrote in `X-Forwarded-For`.
#[tokio::test]
async fn sign_ins_started_per_address_are_bounded() {
    for hops in [0, 1] {
        let bench = Bench::start_with(vec![], |c| {
            c.max_logins_per_address = 5;
            c.trusted_proxy_hops = hops;
        })
        .await;
        let start = |forwarded: String| {
            let bench = &bench;
            async move {
                bench.http.get(bench.url("/login?lang=en")).header("x-forwarded-for", forwarded).send().await.unwrap()
            }
        };
        for i in 0..5 {
            let res = start(format!("203.0.113.{i}, 198.51.100.1")).await;
            assert_eq!(res.status(), 303, "sign-in {i}");
        }
        let res = start("203.0.113.99, 198.51.100.1".into()).await;
        assert_eq!(res.status(), 429);
        let wait: i64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&wait), "Retry-After {wait}");
        assert!(res.text().await.unwrap().contains("Too many sign-ins"));
        assert_eq!(login_requests(&bench).await, 5, "nothing stored past the limit");
        // Another client address as the trusted proxy saw it (with no trusted proxy, the header
        // is ignored: it is the same peer).
        let res = start("203.0.113.1, 198.51.100.2".into()).await;
        assert_eq!(res.status(), if hops == 0 { 429 } else { 303 }, "hops {hops}");
        bench.finish().await;
    }
}
