//! Revocation (RFC 7009), introspection (RFC 7662) and UserInfo (OIDC Core §5.3, RFC 6750).

use ent_idp::jose::Alg;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_tokens_introspect_inactive() {
    let p = Provider::start().await;
    let (b, t) = p.tokens(PORTAL, TEACHER, TEACHER_PW).await;
    let active = p.introspect(&t.access_token).await;
    assert_eq!(active["active"], true);
    assert_eq!(active["client_id"], PORTAL);
    assert_eq!(active["iss"], p.issuer.as_str());

    // Revoking the access token: it alone goes (RFC 7009 §2.1 leaves the grant to the server).
    let r = p.post("/revoke", &p.auth(PORTAL), &[("token", &t.access_token)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(p.introspect(&t.access_token).await, json!({"active": false}));
    let ui = p.userinfo(Some(&t.access_token)).await;
    assert_oauth_error(&ui, StatusCode::UNAUTHORIZED, "invalid_token");

    // Revoking a refresh token revokes its grant: the other access token of the grant too.
    let (code, pkce) = b.code_silently(PORTAL).await;
    let t2 = Tokens::of(&p.redeem(PORTAL, &code, &pkce.verifier, PORTAL_CB).await);
    let r =
        p.post("/revoke", &p.auth(PORTAL), &[("token", &t2.refresh_token), ("token_type_hint", "refresh_token")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(p.introspect(&t2.refresh_token).await, json!({"active": false}));
    assert_eq!(p.introspect(&t2.access_token).await, json!({"active": false}));
    let refresh = p.refresh(PORTAL, &t2.refresh_token).await;
    assert_oauth_error(&refresh, StatusCode::BAD_REQUEST, "invalid_grant");

    // Unknown tokens: 200 at revocation (RFC 7009 §2.2), inactive at introspection.
    let r = p.post("/revoke", &p.auth(PORTAL), &[("token", "no-such-token")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(p.introspect("no-such-token").await, json!({"active": false}));

    // Another client cannot revoke the portal's tokens (RFC 7009 §2.1), nor see them.
    let (_b3, t3) = p.tokens(PORTAL, PARENT, PARENT_PW).await;
    let r = p.post("/revoke", &p.auth(TOOL), &[("token", &t3.refresh_token)]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(p.introspect(&t3.refresh_token).await["active"], true);
    let seen_by_tool = p.post("/introspect", &p.auth(TOOL), &[("token", &t3.access_token)]).await;
    assert_eq!(seen_by_tool.json(), json!({"active": false}));
}

/// RFC 7662 §2.1: the caller must authenticate; this provider reserves introspection to
/// confidential clients.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn introspection_requires_an_authenticated_confidential_client() {
    let p = Provider::start().await;
    let (_b, t) = p.tokens(SPA, PUPIL, PUPIL_PW).await;

    let by_public = p.post("/introspect", &p.auth(SPA), &[("token", &t.access_token)]).await;
    assert_oauth_error(&by_public, StatusCode::UNAUTHORIZED, "invalid_client");
    let anonymous = p.post("/introspect", &Auth::Nothing, &[("token", &t.access_token)]).await;
    assert_oauth_error(&anonymous, StatusCode::UNAUTHORIZED, "invalid_client");
    let wrong = p.post("/introspect", &Auth::Basic(PORTAL.into(), "wrong".into()), &[("token", &t.access_token)]).await;
    assert_oauth_error(&wrong, StatusCode::UNAUTHORIZED, "invalid_client");
    assert!(wrong.header("www-authenticate").is_some());
    let bearer = p
        .api
        .post(p.url("/introspect"))
        .bearer_auth(&t.access_token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={}", t.access_token))
        .send()
        .await
        .expect("introspect");
    assert_eq!(Resp::read(bearer).await.status, StatusCode::UNAUTHORIZED);
    for r in [&by_public, &anonymous, &wrong] {
        assert_eq!(r.header("cache-control"), Some("no-store"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn userinfo_refuses_missing_wrong_and_forged_tokens() {
    let p = Provider::start().await;
    let (_b, t) = p.tokens(PORTAL, TEACHER, TEACHER_PW).await;

    // Control.
    let ok = p.userinfo(Some(&t.access_token)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.json()["sub"], "sub-t1");

    // No token: 401 with a Bearer challenge and no error code (RFC 6750 §3.1).
    let none = p.userinfo(None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    let challenge = none.header("www-authenticate").expect("WWW-Authenticate");
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    assert!(!challenge.contains("error="), "{challenge}");

    // Tokens in the query string are not accepted (RFC 6750 §2.3 is optional, and URLs leak).
    let in_query =
        p.api.get(p.url(&format!("/userinfo?access_token={}", t.access_token))).send().await.expect("userinfo");
    assert_eq!(in_query.status(), StatusCode::UNAUTHORIZED);

    // The ID token is not an access token.
    let r = p.userinfo(Some(&t.id_token)).await;
    assert_invalid_token(&r);

    // An altered signature, an altered payload, a truncated token, the refresh token.
    let parts: Vec<&str> = t.access_token.split('.').collect();
    let mut sig: Vec<u8> = parts[2].bytes().collect();
    sig[10] = if sig[10] == b'A' { b'B' } else { b'A' };
    let bad_sig = format!("{}.{}.{}", parts[0], parts[1], String::from_utf8(sig).expect("ascii"));
    let (_, mut claims) = jwt_parts(&t.access_token);
    claims["scope"] = json!("openid profile email ent");
    let bad_payload = format!("{}.{}.{}", parts[0], b64json(&claims), parts[2]);
    let truncated = format!("{}.{}.", parts[0], parts[1]);
    for (what, token) in [
        ("altered signature", bad_sig.as_str()),
        ("altered payload", bad_payload.as_str()),
        ("no signature", truncated.as_str()),
        ("refresh token", t.refresh_token.as_str()),
        ("garbage", "garbage"),
    ] {
        let r = p.userinfo(Some(token)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what}: {}", r.body);
        assert_invalid_token(&r);
    }
}

/// RFC 9068 §4: the resource refuses a JWT without `typ: at+jwt`, even signed by one of the
/// provider's own keys (an ID token or any other JWT it signs must not pass as an access token).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn userinfo_refuses_a_provider_signed_jwt_that_is_not_typed_at_jwt() {
    let p = Provider::start().await;
    let (_b, t) = p.tokens(PORTAL, TEACHER, TEACHER_PW).await;
    let (header, claims) = jwt_parts(&t.access_token);
    let alg: Alg = header["alg"].as_str().expect("alg").parse().expect("alg");
    let signer = p.state().keys.get().signer(alg).expect("current key");
    // The key is the one the JWKS publishes.
    let jwks = p.api.get(p.url("/jwks")).send().await.expect("jwks");
    let jwks: serde_json::Value = jwks.json().await.expect("jwks json");
    assert!(
        jwks["keys"].as_array().expect("keys").iter().any(|k| k["kid"] == signer.kid()),
        "the signer is in the JWKS"
    );

    // Control: re-signed as at+jwt, the same claims are accepted.
    let good = signer.sign_json(Some("at+jwt"), &claims).expect("sign");
    assert_eq!(p.userinfo(Some(&good)).await.status, StatusCode::OK);

    for typ in [None, Some("JWT"), Some("jwt"), Some("id_token+jwt"), Some("logout+jwt")] {
        let token = signer.sign_json(typ, &claims).expect("sign");
        let r = p.userinfo(Some(&token)).await;
        assert_invalid_token(&r);
    }
    // With the claims of the ID token too.
    let (_, id_claims) = jwt_parts(&t.id_token);
    let id_as_jwt = signer.sign_json(Some("JWT"), &id_claims).expect("sign");
    assert_invalid_token(&p.userinfo(Some(&id_as_jwt)).await);
}

#[track_caller]
fn assert_invalid_token(r: &Resp) {
    assert_oauth_error(r, StatusCode::UNAUTHORIZED, "invalid_token");
    let challenge = r.header("www-authenticate").expect("WWW-Authenticate");
    assert!(challenge.starts_with("Bearer") && challenge.contains("error=\"invalid_token\""), "{challenge}");
}

/// A grant has a maximum age (`grant_max_age`): once it is over, every token hanging on it is
/// dead, at the token endpoint and at introspection alike (RFC 7662 §2.2: `active` means the
/// token can be used now).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_of_an_expired_grant_introspect_inactive() {
    let p = Provider::with_config(|c| c.grant_max_age = std::time::Duration::from_secs(2)).await;
    at_start_of_second().await;
    let (_b, t) = p.tokens(PORTAL, TEACHER, TEACHER_PW).await;
    let live = p.introspect(&t.refresh_token).await;
    assert_eq!(live["active"], true);
    // The refresh token's `exp` is not later than the end of its grant.
    let now = ent_idp::db::now();
    assert!(
        live["exp"].as_i64().is_some_and(|exp| exp <= now + 2),
        "exp {} beyond the grant's end ({now} + 2)",
        live["exp"]
    );
    assert_eq!(p.introspect(&t.access_token).await["active"], true);
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;

    let refresh = p.refresh(PORTAL, &t.refresh_token).await;
    assert_oauth_error(&refresh, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(p.introspect(&t.access_token).await, json!({"active": false}));
    assert_eq!(
        p.introspect(&t.refresh_token).await,
        json!({"active": false}),
        "the refresh token outlives its grant at introspection"
    );
}
