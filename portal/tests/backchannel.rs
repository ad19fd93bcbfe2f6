//! Back-channel logout: a valid logout token ends the session; forged, misaddressed, stale,
//! replayed or malformed ones are refused with 400 and end nothing.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Bench, Portlet, Provider};
use ent_portal::Profile;
use ent_portal::db::now;
use serde_json::{Value, json};

const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

fn claims(bench: &Bench, sub: &str, sid: &str) -> Value {
    json!({
        "iss": bench.provider.url, "aud": common::CLIENT_ID, "iat": now(), "exp": now() + 120,
        "jti": uuid_like(), "sub": sub, "sid": sid, "events": { EVENT: {} },
    })
}

fn uuid_like() -> String {
    ent_portal::secret::random_token(16)
}

async fn post(bench: &Bench, token: &str) -> reqwest::Response {
    bench.http.post(bench.url("/backchannel-logout")).form(&[("logout_token", token)]).send().await.unwrap()
}

async fn signed_in(bench: &Bench, cookie: &str) -> bool {
    bench.get("/p/homework/x", cookie).await.status() == 200
}

async fn setup() -> (Bench, String) {
    let homework = Portlet::start("homework", false).await;
    let bench = Bench::start(vec![homework.config(&[Profile::Parent])]).await;
    let cookie = bench.session("parent-1", "parent").await;
    assert!(signed_in(&bench, &cookie).await);
    (bench, cookie)
}

#[tokio::test]
async fn a_valid_logout_token_ends_the_session_and_its_portlet_tokens() {
    let (bench, cookie) = setup().await;
    let other = bench.session("parent-2", "parent").await;
    let id_hash = ent_portal::secret::sha256_hex(cookie.trim_start_matches("ent_portal="));
    assert_eq!(bench.state().tokens.cached_for(&id_hash), 1);
    let token = bench.provider.sign(Some("logout+jwt"), "k1", &claims(&bench, "parent-1", "sid-parent-1"));
    let res = post(&bench, &token).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(!signed_in(&bench, &cookie).await);
    assert_eq!(bench.state().tokens.cached_for(&id_hash), 0);
    assert!(signed_in(&bench, &other).await, "another family's session ended");
    // A plain JWT typ and a sub alone (every session of the person) are accepted too.
    let again = bench.session("parent-2", "parent").await;
    let mut c = claims(&bench, "parent-2", "");
    c.as_object_mut().unwrap().remove("sid");
    assert_eq!(post(&bench, &bench.provider.sign(Some("JWT"), "k1", &c)).await.status(), 200);
    assert!(!signed_in(&bench, &other).await && !signed_in(&bench, &again).await);
    bench.finish().await;
}

#[tokio::test]
async fn attacks_are_refused() {
    let (bench, cookie) = setup().await;
    let p = &bench.provider;
    let base = claims(&bench, "parent-1", "sid-parent-1");
    let with = |key: &str, v: Value| {
        let mut c = base.clone();
        c[key] = v;
        c.as_object_mut().unwrap().insert("jti".into(), json!(uuid_like()));
        c
    };
    let without = |key: &str| {
        let mut c = with("jti", json!(uuid_like()));
        c.as_object_mut().unwrap().remove(key);
        c
    };
    let forged = Provider::start().await; // same kid, another key
    let cases: Vec<(&str, String)> = vec![
        ("wrong aud", p.sign(Some("logout+jwt"), "k1", &with("aud", json!("someone-else")))),
        ("wrong iss", p.sign(Some("logout+jwt"), "k1", &with("iss", json!("https://evil.example")))),
        ("forged signature", forged.sign(Some("logout+jwt"), "k1", &with("jti", json!(uuid_like())))),
        ("unknown kid", p.sign(Some("logout+jwt"), "k9", &with("jti", json!(uuid_like())))),
        ("missing events", p.sign(Some("logout+jwt"), "k1", &without("events"))),
        ("wrong event", p.sign(Some("logout+jwt"), "k1", &with("events", json!({"http://example/other": {}})))),
        ("nonce present", p.sign(Some("logout+jwt"), "k1", &with("nonce", json!("n")))),
        ("expired", p.sign(Some("logout+jwt"), "k1", &with("exp", json!(now() - 600)))),
        ("stale iat", p.sign(Some("logout+jwt"), "k1", &with("iat", json!(now() - 3600)))),
        ("no sub nor sid", {
            let mut c = without("sub");
            c.as_object_mut().unwrap().remove("sid");
            p.sign(Some("logout+jwt"), "k1", &c)
        }),
        ("no jti", p.sign(Some("logout+jwt"), "k1", &without("jti"))),
        ("an ID token's typ", p.sign(Some("at+jwt"), "k1", &with("jti", json!(uuid_like())))),
        ("not a JWT", "not.a.jwt".into()),
    ];
    for (what, token) in cases {
        let res = post(&bench, &token).await;
        assert_eq!(res.status(), 400, "{what}");
        assert_eq!(res.headers()["cache-control"], "no-store");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "invalid_request", "{what}");
        assert!(signed_in(&bench, &cookie).await, "{what} ended the session");
    }
    // alg none.
    let head = base64_json(&json!({"alg": "none", "typ": "logout+jwt", "kid": "k1"}));
    let none = format!("{head}.{}.", base64_json(&with("jti", json!(uuid_like()))));
    assert_eq!(post(&bench, &none).await.status(), 400);
    let res = bench.http.post(bench.url("/backchannel-logout")).form(&[("other", "x")]).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(signed_in(&bench, &cookie).await);
    bench.finish().await;
}

fn base64_json(v: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
}

#[tokio::test]
async fn a_replayed_logout_token_is_refused() {
    let (bench, cookie) = setup().await;
    let token = bench.provider.sign(Some("logout+jwt"), "k1", &claims(&bench, "parent-1", "sid-parent-1"));
    assert_eq!(post(&bench, &token).await.status(), 200);
    assert!(!signed_in(&bench, &cookie).await);
    let res = post(&bench, &token).await;
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error_description"], "replayed");
    bench.finish().await;
}
