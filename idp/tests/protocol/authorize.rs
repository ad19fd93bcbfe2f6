//! The authorization endpoint: which errors stay with the user (error page) and which go back
//! to the client (303 with `error`, `state` and `iss`).

use ent_idp::web::i18n::EN;
use reqwest::StatusCode;

use crate::harness::*;

/// Near misses of `http://localhost:9999/callback`: every one is a different URI (exact string
/// comparison, RFC 6749 §3.1.2.3, OAuth 2.0 Security BCP §4.1.3), so the user gets an error page
/// and the browser is never sent to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unregistered_redirect_uris_get_an_error_page_and_no_redirect() {
    let p = Provider::start().await;
    let b = p.browser();
    let pkce = Pkce::new();

    // The registered URI works (control).
    let ok = b.authorize(&AuthParams::new(PORTAL, PORTAL_CB, &pkce)).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert!(ok.location().is_some_and(|l| l.starts_with("/login?")));

    let near_misses = [
        "http://localhost:9999/callback/",
        "http://localhost:9998/callback",
        "http://localhost/callback",
        "http://localhost:9999/Callback",
        "http://LOCALHOST:9999/callback",
        "http://Localhost:9999/callback",
        "http://localhost:9999/callback/extra",
        "http://localhost:9999/callback?x=1",
        "http://localhost:9999/callback?",
        "http://localhost:9999/callback#frag",
        "https://localhost:9999/callback",
        "http://127.0.0.1:9999/callback",
        "http://localhost:9999/callback%2F",
        "http://localhost:9999//callback",
        "http://localhost:9999/./callback",
        "http://localhost:9999/callback/../callback",
        "http://evil.example/callback",
        " http://localhost:9999/callback",
        "http://localhost:9999/callback ",
        "http://user@localhost:9999/callback",
        // Registered, but for another client.
        TOOL_CB,
        SPA_CB,
    ];
    for uri in near_misses {
        let r = b.authorize(&AuthParams::new(PORTAL, uri, &pkce).set("redirect_uri", uri)).await;
        assert_error_page(&r, StatusCode::BAD_REQUEST, EN.error_bad_redirect);
        assert!(
            !r.body.contains("error=") && !r.body.contains("st-123"),
            "nothing of the request is echoed for {uri:?}"
        );
    }

    // The POST binding of the endpoint (OIDC Core §3.1.2.1) follows the same rules.
    let bad = AuthParams::new(PORTAL, PORTAL_CB, &pkce).set("redirect_uri", "http://localhost:9999/callback/");
    let f: Vec<(&str, &str)> = bad.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = b.post_form("/authorize", &f, &[]).await;
    assert_error_page(&r, StatusCode::BAD_REQUEST, EN.error_bad_redirect);
    let token = AuthParams::new(PORTAL, PORTAL_CB, &pkce).set("response_type", "token");
    let f: Vec<(&str, &str)> = token.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = b.post_form("/authorize", &f, &[]).await;
    assert_redirect_error(&r, &p, PORTAL_CB, "unsupported_response_type", Some("st-123"));

    // Missing, empty, and repeated (one good, one bad; and the good one twice).
    let missing = b.authorize(&AuthParams::new(PORTAL, PORTAL_CB, &pkce).remove("redirect_uri")).await;
    assert_error_page(&missing, StatusCode::BAD_REQUEST, EN.error_bad_redirect);
    let empty = b.authorize(&AuthParams::new(PORTAL, PORTAL_CB, &pkce).set("redirect_uri", "")).await;
    assert_error_page(&empty, StatusCode::BAD_REQUEST, EN.error_bad_redirect);
    for extra in ["http://evil.example/cb", PORTAL_CB] {
        let twice = b.authorize(&AuthParams::new(PORTAL, PORTAL_CB, &pkce).add("redirect_uri", extra)).await;
        assert_error_page(&twice, StatusCode::BAD_REQUEST, EN.error_bad_redirect);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_or_missing_client_gets_an_error_page() {
    let p = Provider::start().await;
    let b = p.browser();
    let pkce = Pkce::new();
    for client in ["nobody", "Portal", "portal ", "portal\u{0}"] {
        let r = b.authorize(&AuthParams::new(client, PORTAL_CB, &pkce)).await;
        assert_error_page(&r, StatusCode::BAD_REQUEST, EN.error_unknown_client);
    }
    let missing = b.authorize(&AuthParams::new(PORTAL, PORTAL_CB, &pkce).remove("client_id")).await;
    assert_error_page(&missing, StatusCode::BAD_REQUEST, EN.error_unknown_client);
    let twice = b.authorize(&AuthParams::new(PORTAL, PORTAL_CB, &pkce).add("client_id", TOOL)).await;
    assert_error_page(&twice, StatusCode::BAD_REQUEST, EN.error_unknown_client);
}

/// RFC 7636 and the Security BCP: S256 is required; `plain` or a missing method is refused, and
/// since the redirect URI is valid the refusal goes back to the client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pkce_is_required_with_s256() {
    let p = Provider::start().await;
    let b = p.browser();
    let pkce = Pkce::new();
    for client in [PORTAL, SPA] {
        let cb = redirect_of(client);
        let base = AuthParams::new(client, cb, &pkce);
        let cases = [
            ("missing code_challenge", base.clone().remove("code_challenge")),
            (
                "missing code_challenge and method",
                base.clone().remove("code_challenge").remove("code_challenge_method"),
            ),
            ("method plain", base.clone().set("code_challenge_method", "plain").set("code_challenge", &pkce.verifier)),
            ("missing method", base.clone().remove("code_challenge_method")),
            ("method s256", base.clone().set("code_challenge_method", "s256")),
            ("challenge too short", base.clone().set("code_challenge", "abc")),
            (
                "challenge with a bad character",
                base.clone().set("code_challenge", &format!("{}+", &pkce.challenge[..42])),
            ),
        ];
        for (what, params) in cases {
            let r = b.authorize(&params).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{client}, {what}: {}", r.body);
            assert_redirect_error(&r, &p, cb, "invalid_request", Some("st-123"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_go_back_to_the_client_with_the_right_error() {
    let p = Provider::start().await;
    let b = p.browser();
    let pkce = Pkce::new();
    let base = AuthParams::new(PORTAL, PORTAL_CB, &pkce);
    let cases = [
        ("repeated scope", base.clone().add("scope", "openid email"), "invalid_request"),
        ("repeated code_challenge", base.clone().add("code_challenge", &pkce.challenge), "invalid_request"),
        ("repeated response_type", base.clone().add("response_type", "code"), "invalid_request"),
        ("response_type=token", base.clone().set("response_type", "token"), "unsupported_response_type"),
        ("response_type=id_token", base.clone().set("response_type", "id_token"), "unsupported_response_type"),
        ("response_type=code token", base.clone().set("response_type", "code token"), "unsupported_response_type"),
        ("missing response_type", base.clone().remove("response_type"), "invalid_request"),
        ("unknown scope", base.clone().set("scope", "openid admin"), "invalid_scope"),
        ("missing scope", base.clone().remove("scope"), "invalid_scope"),
        ("response_mode=fragment", base.clone().set("response_mode", "fragment"), "invalid_request"),
        ("request object", base.clone().set("request", "eyJhbGciOiJub25lIn0.e30."), "request_not_supported"),
        ("request_uri", base.clone().set("request_uri", "https://evil.example/req"), "request_uri_not_supported"),
        ("unknown prompt", base.clone().set("prompt", "sometimes"), "invalid_request"),
        ("prompt=none with login", base.clone().set("prompt", "none login"), "invalid_request"),
        ("negative max_age", base.clone().set("max_age", "-1"), "invalid_request"),
    ];
    for (what, params, error) in cases {
        let r = b.authorize(&params).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{what}: {}", r.body);
        assert_redirect_error(&r, &p, PORTAL_CB, error, Some("st-123"));
    }

    // A scope the provider knows but this client was not registered for.
    let tool_pkce = Pkce::new();
    let r = b.authorize(&AuthParams::new(TOOL, TOOL_CB, &tool_pkce).set("scope", "openid email")).await;
    assert_redirect_error(&r, &p, TOOL_CB, "invalid_scope", Some("st-123"));

    // Without a state, none comes back.
    let r = b.authorize(&base.clone().remove("state").set("response_type", "token")).await;
    assert_redirect_error(&r, &p, PORTAL_CB, "unsupported_response_type", None);
}

/// OIDC Core §3.1.2.6: `prompt=none` without a session is `login_required`, sent back with
/// `state` and `iss`; with a session but no consent, `consent_required`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prompt_none_without_session_is_login_required() {
    let p = Provider::start().await;
    let b = p.browser();
    for client in [PORTAL, TOOL, SPA] {
        let cb = redirect_of(client);
        let r = b.authorize(&AuthParams::new(client, cb, &Pkce::new()).set("prompt", "none")).await;
        assert_redirect_error(&r, &p, cb, "login_required", Some("st-123"));
    }

    // Signed in at the portal; the third-party tool has no consent yet.
    b.code_for(PORTAL, TEACHER, TEACHER_PW).await;
    let r = b.authorize(&AuthParams::new(TOOL, TOOL_CB, &Pkce::new()).set("prompt", "none")).await;
    assert_redirect_error(&r, &p, TOOL_CB, "consent_required", Some("st-123"));
    // …and the portal now answers silently with a code.
    let (code, _) = b.code_silently(PORTAL).await;
    assert!(!code.is_empty());
}

/// Refused consent is `access_denied` at the client (OIDC Core §3.1.2.6).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_consent_is_access_denied() {
    let p = Provider::start().await;
    let b = p.browser();
    let params = AuthParams::new(TOOL, TOOL_CB, &Pkce::new());
    let form = b.open_login(&params).await;
    let r = b.submit_login(&form, PARENT, PARENT_PW).await;
    let to = r.location().expect("Location").to_string();
    assert!(to.starts_with("/consent?"), "a third-party client asks: {to}");
    let back = b.consent(&to, "deny").await;
    let url = url::Url::parse(&back).expect("redirect to the client");
    let q = Query::of(&url);
    assert_eq!(back.split('?').next(), Some(TOOL_CB));
    assert_eq!(q.get("error"), Some("access_denied"));
    assert_eq!(q.get("state"), Some("st-123"));
    assert_eq!(q.get("iss"), Some(p.issuer.as_str()));
    assert_eq!(q.get("code"), None);
}

/// RFC 6749 §4.1.2.1: `error_description` is printable ASCII without `"` and `\`. Whatever the
/// request contained, what goes back to the client stays within that set (and so cannot carry
/// an attacker's message in another script to the client's error page).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_descriptions_stay_within_the_rfc_6749_character_set() {
    let p = Provider::start().await;
    let b = p.browser();
    let pkce = Pkce::new();
    let base = AuthParams::new(PORTAL, PORTAL_CB, &pkce);
    let cases = [
        (base.clone().add("\"é\\", "1").add("\"é\\", "2"), "invalid_request"),
        (base.clone().set("scope", "openid \"Votre_compte_est_suspendu\\»"), "invalid_scope"),
    ];
    for (params, error) in cases {
        let r = b.authorize(&params).await;
        assert_redirect_error(&r, &p, PORTAL_CB, error, Some("st-123"));
        let url = url::Url::parse(r.location().expect("Location")).expect("URL");
        let q = Query::of(&url);
        let desc = q.get("error_description").unwrap_or_default();
        assert!(rfc6749_description_chars(desc), "{error}: {desc:?}");
    }
}

/// What an unauthenticated request may make the provider store is bounded: no parameter over
/// 512 bytes is parked (`invalid_request` back to the client, nothing stored).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_long_parameters_are_refused_and_nothing_is_parked() {
    let p = Provider::start().await;
    let b = p.browser();
    let long = "x".repeat(513);
    let longest = "x".repeat(512);
    for name in ["state", "nonce", "login_hint", "ui_locales", "acr_values", "scope", "prompt", "max_age", "foo"] {
        let params = AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new()).set(name, &long);
        let r = b.authorize(&params).await;
        let expected_state = if name == "state" { Some(long.as_str()) } else { Some("st-123") };
        assert_redirect_error(&r, &p, PORTAL_CB, "invalid_request", expected_state);
    }
    assert_eq!(parked(&p).await, 0, "nothing parked");
    // 512 bytes are accepted.
    let r = b.authorize(&AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new()).set("state", &longest)).await;
    assert!(r.location().is_some_and(|l| l.starts_with("/login?")), "{:?}", r.location());
    assert_eq!(parked(&p).await, 1);
}

async fn parked(p: &Provider) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM pending_requests").fetch_one(&p.state().db.pool).await.expect("count")
}

/// The database size, pages in the write-ahead log included.
async fn database_bytes(p: &Provider) -> i64 {
    let pool = &p.state().db.pool;
    let pages: i64 = sqlx::query_scalar("PRAGMA page_count").fetch_one(pool).await.expect("page_count");
    let size: i64 = sqlx::query_scalar("PRAGMA page_size").fetch_one(pool).await.expect("page_size");
    pages * size
}

/// 10,000 hostile authorization requests from one address, each with every stored parameter
/// at its longest: the address parks its allowance for the minute, the rest are refused with
/// `Retry-After`, and the database grows by well under the few megabytes allowed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_authorization_requests_parks_a_bounded_number_of_rows() {
    let p = Provider::start().await;
    let allowance = p.state().config.max_parked_per_address;
    let before = database_bytes(&p).await;
    let full = "x".repeat(512);
    let query = AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())
        .set("state", &full)
        .set("nonce", &full)
        .set("login_hint", &full)
        .set("ui_locales", &full)
        .set("acr_values", &full)
        .query();
    let url = format!("{}/authorize?{query}", p.base);
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(32));
    let tasks: Vec<_> = (0..10_000)
        .map(|_| {
            let (http, url, gate) = (p.api.clone(), url.clone(), gate.clone());
            tokio::spawn(async move {
                let _permit = gate.acquire().await.expect("permit");
                let r = http.get(url).send().await.expect("authorize");
                (r.status(), r.headers().get("retry-after").and_then(|v| v.to_str().ok()?.parse::<i64>().ok()))
            })
        })
        .collect();
    let (mut parked_now, mut refused) = (0, 0);
    for task in tasks {
        match task.await.expect("task") {
            (StatusCode::SEE_OTHER, _) => parked_now += 1,
            (StatusCode::TOO_MANY_REQUESTS, Some(wait)) if (1..=60).contains(&wait) => refused += 1,
            other => panic!("unexpected answer {other:?}"),
        }
    }
    // Most of them within one minute: at most two windows' allowance went through.
    assert!(parked_now >= allowance && parked_now <= 2 * allowance, "{parked_now} parked");
    assert_eq!(parked_now + refused, 10_000);
    assert_eq!(parked(&p).await, parked_now);
    let grown = database_bytes(&p).await - before;
    println!("10,000 hostile requests: {parked_now} parked, the database grew by {grown} bytes");
    assert!(grown < 5 * 1024 * 1024, "the database grew by {grown} bytes");
}
