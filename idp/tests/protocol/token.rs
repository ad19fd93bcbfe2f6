//! The token endpoint: PKCE, one-time codes, refresh-token rotation, client authentication and
//! grant types (RFC 6749 §5.2 error codes).

use std::time::Duration;

use ent_idp::admin::ClientSpec;
use reqwest::StatusCode;

use crate::harness::*;

fn code_params<'a>(code: &'a str, verifier: &'a str, redirect: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("grant_type", "authorization_code"), ("code", code), ("code_verifier", verifier), ("redirect_uri", redirect)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_verifier_is_invalid_request_and_wrong_verifier_is_invalid_grant() {
    let p = Provider::start().await;
    let b = p.browser();
    let (code, pkce) = b.code_for(PORTAL, TEACHER, TEACHER_PW).await;
    let auth = p.auth(PORTAL);

    // Missing or malformed verifier: the request is invalid, the code is not spent.
    let missing =
        p.token(&auth, &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", PORTAL_CB)]).await;
    assert_oauth_error(&missing, StatusCode::BAD_REQUEST, "invalid_request");
    let empty = p.token(&auth, &code_params(&code, "", PORTAL_CB)).await;
    assert_oauth_error(&empty, StatusCode::BAD_REQUEST, "invalid_request");
    let short = p.token(&auth, &code_params(&code, "short", PORTAL_CB)).await;
    assert_oauth_error(&short, StatusCode::BAD_REQUEST, "invalid_request");
    Tokens::of(&p.redeem(PORTAL, &code, &pkce.verifier, PORTAL_CB).await);

    // A well-formed verifier that does not match: invalid_grant, and the code is spent.
    let (code, pkce) = b.code_silently(PORTAL).await;
    let wrong = Pkce::new();
    let r = p.redeem(PORTAL, &code, &wrong.verifier, PORTAL_CB).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    // The challenge itself is not a verifier either.
    let (code2, pkce2) = b.code_silently(PORTAL).await;
    let r = p.redeem(PORTAL, &code2, &pkce2.challenge, PORTAL_CB).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    let r = p.redeem(PORTAL, &code, &pkce.verifier, PORTAL_CB).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
}

/// RFC 6749 §4.1.3: the redirect_uri must be the very one of the authorization request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_uri_must_match_at_the_token_endpoint() {
    let p = Provider::start().await;
    let b = p.browser();
    let (code, pkce) = b.code_for(PORTAL, TEACHER, TEACHER_PW).await;
    let r = p.redeem(PORTAL, &code, &pkce.verifier, "http://localhost:9999/callback/").await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    let (code, pkce) = b.code_silently(PORTAL).await;
    let r = p
        .token(
            &p.auth(PORTAL),
            &[("grant_type", "authorization_code"), ("code", &code), ("code_verifier", &pkce.verifier)],
        )
        .await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_request");
}

/// RFC 6749 §4.1.2 / §10.5: a code is used once; a second use is refused and SHOULD revoke the
/// tokens already issued on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_replay_is_refused_and_revokes_the_first_tokens() {
    let p = Provider::start().await;
    let b = p.browser();
    let (code, pkce) = b.code_for(PORTAL, TEACHER, TEACHER_PW).await;
    let first = Tokens::of(&p.redeem(PORTAL, &code, &pkce.verifier, PORTAL_CB).await);
    assert_eq!(p.introspect(&first.access_token).await["active"], true);
    assert_eq!(p.introspect(&first.refresh_token).await["active"], true);

    let again = p.redeem(PORTAL, &code, &pkce.verifier, PORTAL_CB).await;
    assert_oauth_error(&again, StatusCode::BAD_REQUEST, "invalid_grant");

    assert_eq!(p.introspect(&first.access_token).await, serde_json::json!({"active": false}));
    assert_eq!(p.introspect(&first.refresh_token).await, serde_json::json!({"active": false}));
    let refresh = p.refresh(PORTAL, &first.refresh_token).await;
    assert_oauth_error(&refresh, StatusCode::BAD_REQUEST, "invalid_grant");
    let ui = p.userinfo(Some(&first.access_token)).await;
    assert_oauth_error(&ui, StatusCode::UNAUTHORIZED, "invalid_token");
}

/// RFC 6749 §4.1.3: the code was issued to another client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_of_another_client_is_invalid_grant() {
    let p = Provider::start().await;
    let b = p.browser();
    let (code, pkce) = b.code_for(PORTAL, TEACHER, TEACHER_PW).await;

    let by_tool = p.token(&p.auth(TOOL), &code_params(&code, &pkce.verifier, PORTAL_CB)).await;
    assert_oauth_error(&by_tool, StatusCode::BAD_REQUEST, "invalid_grant");
    let by_tool_own_cb = p.token(&p.auth(TOOL), &code_params(&code, &pkce.verifier, TOOL_CB)).await;
    assert_oauth_error(&by_tool_own_cb, StatusCode::BAD_REQUEST, "invalid_grant");
    let by_spa = p.token(&p.auth(SPA), &code_params(&code, &pkce.verifier, PORTAL_CB)).await;
    assert_oauth_error(&by_spa, StatusCode::BAD_REQUEST, "invalid_grant");

    // The attempts neither spent the code nor revoked anything: its client still redeems it.
    let tokens = Tokens::of(&p.redeem(PORTAL, &code, &pkce.verifier, PORTAL_CB).await);
    assert_eq!(p.introspect(&tokens.access_token).await["active"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_code_is_invalid_grant() {
    let p = Provider::with_config(|c| c.code_ttl = Duration::from_secs(1)).await;
    let b = p.browser();
    let (code, pkce) = b.code_for(PORTAL, TEACHER, TEACHER_PW).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = p.redeem(PORTAL, &code, &pkce.verifier, PORTAL_CB).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");

    // A fresh code redeemed at once works (the lifetime is short, not zero).
    at_start_of_second().await;
    let (code, pkce) = b.code_silently(PORTAL).await;
    Tokens::of(&p.redeem(PORTAL, &code, &pkce.verifier, PORTAL_CB).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_or_garbage_code_is_invalid_grant() {
    let p = Provider::start().await;
    let pkce = Pkce::new();
    for code in ["nope", &ent_idp::secret::new_secret()] {
        let r = p.redeem(PORTAL, code, &pkce.verifier, PORTAL_CB).await;
        assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    }
}

/// Security BCP §4.14.2: a refresh token is rotated; presenting a spent one revokes the grant,
/// so the token that replaced it dies too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_token_reuse_revokes_the_whole_grant() {
    let p = Provider::start().await;
    let (_b, first) = p.tokens(PORTAL, TEACHER, TEACHER_PW).await;

    let rotated = p.refresh(PORTAL, &first.refresh_token).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    let rotated = rotated.json();
    let rt2 = rotated["refresh_token"].as_str().expect("rotated token");
    let at2 = rotated["access_token"].as_str().expect("access token");
    assert_ne!(rt2, first.refresh_token);
    assert_eq!(p.introspect(at2).await["active"], true);

    // The spent token again: refused, and the whole grant goes.
    let reuse = p.refresh(PORTAL, &first.refresh_token).await;
    assert_oauth_error(&reuse, StatusCode::BAD_REQUEST, "invalid_grant");
    let next = p.refresh(PORTAL, rt2).await;
    assert_oauth_error(&next, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(p.introspect(at2).await, serde_json::json!({"active": false}));
    assert_eq!(p.introspect(&first.access_token).await, serde_json::json!({"active": false}));
    assert_eq!(p.introspect(rt2).await, serde_json::json!({"active": false}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_token_of_another_client_is_invalid_grant() {
    let p = Provider::start().await;
    let (_b, t) = p.tokens(PORTAL, TEACHER, TEACHER_PW).await;
    let r = p.refresh(TOOL, &t.refresh_token).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    let r = p.refresh(SPA, &t.refresh_token).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    // Not a reuse: the owner can still refresh.
    let r = p.refresh(PORTAL, &t.refresh_token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A wider scope than granted is invalid_scope (RFC 6749 §6).
    let rt = r.json()["refresh_token"].as_str().expect("rt").to_string();
    let wider = p
        .token(
            &p.auth(PORTAL),
            &[("grant_type", "refresh_token"), ("refresh_token", &rt), ("scope", "openid profile email")],
        )
        .await;
    assert_oauth_error(&wider, StatusCode::BAD_REQUEST, "invalid_scope");
}

/// RFC 6749 §2.3 and §5.2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_authentication_failures() {
    let p = Provider::start().await;
    let b = p.browser();
    let (code, pkce) = b.code_for(PORTAL, TEACHER, TEACHER_PW).await;
    let params = code_params(&code, &pkce.verifier, PORTAL_CB);
    let basic_challenge = |r: &Resp| {
        let h = r.header("www-authenticate").unwrap_or_default().to_string();
        assert!(h.to_ascii_lowercase().starts_with("basic"), "WWW-Authenticate: Basic expected, got {h:?}");
    };

    // Unknown client, both ways.
    let r = p.token(&Auth::Basic("ghost".into(), "whatever".into()), &params).await;
    assert_oauth_error(&r, StatusCode::UNAUTHORIZED, "invalid_client");
    basic_challenge(&r);
    let r = p.token(&Auth::Post("ghost".into(), "whatever".into()), &params).await;
    assert_oauth_error(&r, StatusCode::UNAUTHORIZED, "invalid_client");
    let r = p.token(&Auth::None("ghost".into()), &params).await;
    assert_oauth_error(&r, StatusCode::UNAUTHORIZED, "invalid_client");

    // Wrong secret, both ways; another client's secret.
    let r = p.token(&Auth::Basic(PORTAL.into(), "wrong".into()), &params).await;
    assert_oauth_error(&r, StatusCode::UNAUTHORIZED, "invalid_client");
    basic_challenge(&r);
    let r = p.token(&Auth::Post(PORTAL.into(), "wrong".into()), &params).await;
    assert_oauth_error(&r, StatusCode::UNAUTHORIZED, "invalid_client");
    let r = p.token(&Auth::Basic(PORTAL.into(), p.tool_secret.clone()), &params).await;
    assert_oauth_error(&r, StatusCode::UNAUTHORIZED, "invalid_client");
    basic_challenge(&r);

    // No authentication at all; a confidential client without its secret; a public client
    // presenting a secret; a Basic header that is not Basic.
    let r = p.token(&Auth::Nothing, &params).await;
    assert_oauth_error(&r, StatusCode::UNAUTHORIZED, "invalid_client");
    let r = p.token(&Auth::None(PORTAL.into()), &params).await;
    assert_oauth_error(&r, StatusCode::UNAUTHORIZED, "invalid_client");
    let r = p.token(&Auth::Post(SPA.into(), "made-up".into()), &params).await;
    assert_oauth_error(&r, StatusCode::UNAUTHORIZED, "invalid_client");
    let bad_header = p
        .api
        .post(p.url("/token"))
        .header("authorization", "Basic !!!not-base64")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=authorization_code")
        .send()
        .await
        .expect("token");
    let r = Resp::read(bad_header).await;
    assert_oauth_error(&r, StatusCode::UNAUTHORIZED, "invalid_client");
    basic_challenge(&r);

    // Two methods at once.
    let r = p.token(&Auth::BasicAndPost(PORTAL.into(), p.portal_secret.clone()), &params).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_request");

    // None of this spent the code.
    Tokens::of(&p.redeem(PORTAL, &code, &pkce.verifier, PORTAL_CB).await);
    // And client_secret_post works too.
    let (code, pkce) = b.code_silently(PORTAL).await;
    let r = p
        .token(&Auth::Post(PORTAL.into(), p.portal_secret.clone()), &code_params(&code, &pkce.verifier, PORTAL_CB))
        .await;
    Tokens::of(&r);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grant_type_errors() {
    let p = Provider::start().await;
    let portal = p.auth(PORTAL);

    for gt in ["password", "implicit", "urn:ietf:params:oauth:grant-type:device_code", "Authorization_Code"] {
        let r = p.token(&portal, &[("grant_type", gt)]).await;
        assert_oauth_error(&r, StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let r = p.token(&portal, &[]).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_request");
    let r = p.token(&portal, &[("grant_type", "authorization_code"), ("grant_type", "refresh_token")]).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_request");

    // client_credentials: RFC 6749 §4.4 reserves it to confidential clients. The public client
    // is identified (auth method `none`) but not allowed the grant: unauthorized_client (§5.2).
    let r = p.token(&p.auth(SPA), &[("grant_type", "client_credentials")]).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "unauthorized_client");
    // A confidential client not registered for it: unauthorized_client too.
    let r = p.token(&portal, &[("grant_type", "client_credentials")]).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "unauthorized_client");

    // Control: a client registered for client_credentials gets a token.
    let mut spec = ClientSpec::new("Robot", vec![]);
    spec.id = Some("robot".into());
    spec.grant_types = vec!["client_credentials".into()];
    spec.scopes = vec!["notes.read".into()];
    let robot = p.register(spec).await;
    let robot_auth = Auth::Basic("robot".into(), robot.secret.expect("secret"));
    let r = p.token(&robot_auth, &[("grant_type", "client_credentials"), ("scope", "notes.read")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = p.token(&robot_auth, &[("grant_type", "client_credentials"), ("scope", "openid")]).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_scope");
    // …but it may not use the code flow.
    let r = p.token(&robot_auth, &code_params("x", &Pkce::new().verifier, PORTAL_CB)).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "unauthorized_client");
}

/// RFC 6749 §5.1: token responses (and errors) are not cached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_responses_are_not_cached() {
    let p = Provider::start().await;
    let b = p.browser();
    let (code, pkce) = b.code_for(PORTAL, TEACHER, TEACHER_PW).await;
    let ok = p.redeem(PORTAL, &code, &pkce.verifier, PORTAL_CB).await;
    assert_eq!(ok.status, StatusCode::OK);
    let err = p.redeem(PORTAL, &code, &pkce.verifier, PORTAL_CB).await;
    assert_eq!(err.status, StatusCode::BAD_REQUEST);
    let refreshed = p.refresh(PORTAL, &ent_idp::secret::new_secret()).await;
    for r in [&ok, &err, &refreshed] {
        assert_eq!(r.header("cache-control"), Some("no-store"), "{}", r.body);
        assert_eq!(r.header("pragma"), Some("no-cache"));
    }
    let v = ok.json();
    assert_eq!(v["token_type"], "Bearer");
    assert!(v["expires_in"].as_i64().is_some_and(|s| s > 0));
}

/// RFC 6749 §5.2: `error_description` is printable ASCII without `"` and `\`, whatever the
/// request contained.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_error_descriptions_stay_within_the_rfc_6749_character_set() {
    let p = Provider::start().await;
    let (_b, t) = p.tokens(PORTAL, TEACHER, TEACHER_PW).await;
    let repeated = p.token(&p.auth(PORTAL), &[("grant_type", "refresh_token"), ("\"é\\", "1"), ("\"é\\", "2")]).await;
    assert_oauth_error(&repeated, StatusCode::BAD_REQUEST, "invalid_request");
    let scope = p
        .token(
            &p.auth(PORTAL),
            &[("grant_type", "refresh_token"), ("refresh_token", &t.refresh_token), ("scope", "openid \"é\\")],
        )
        .await;
    assert_oauth_error(&scope, StatusCode::BAD_REQUEST, "invalid_scope");
    for r in [&repeated, &scope] {
        let v = r.json();
        let desc = v["error_description"].as_str().unwrap_or_default();
        assert!(rfc6749_description_chars(desc), "{desc:?}");
    }
}
