//! RP-initiated logout: the `id_token_hint` must be an ID token this provider signed, and the
//! `post_logout_redirect_uri` must be registered, exactly; otherwise an error page, no redirect
//! and no logout.

use ent_idp::jose::{Alg, SigningKey};
use ent_idp::web::i18n::EN;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::*;

fn logout_query(pairs: &[(&str, &str)]) -> String {
    let q = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    format!("/logout?{q}")
}

/// The browser still has its session: a silent authorization still yields a code.
async fn assert_still_signed_in(b: &Browser) {
    let (code, _) = b.code_silently(PORTAL).await;
    assert!(!code.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_id_token_hints_are_refused() {
    let p = Provider::start().await;
    let (b, tokens) = p.tokens(PORTAL, TEACHER, TEACHER_PW).await;
    let (header, payload) = jwt_parts(&tokens.id_token);
    let kid = header["kid"].as_str().expect("kid").to_string();
    let alg: Alg = header["alg"].as_str().expect("alg").parse().expect("alg");
    let payload64 = tokens.id_token.split('.').nth(1).expect("payload");

    // alg none, with and without the real kid, with and without a signature.
    let none = format!("{}.{payload64}.", b64json(&json!({"alg": "none"})));
    let none_kid = format!("{}.{payload64}.", b64json(&json!({"alg": "none", "kid": kid, "typ": "JWT"})));
    let none_sig = format!(
        "{}.{payload64}.{}",
        b64json(&json!({"alg": "none", "kid": kid})),
        tokens.id_token.split('.').nth(2).expect("signature")
    );
    // A foreign key under the real kid, and under a kid nobody published.
    let foreign_same_kid =
        SigningKey::generate(alg, kid.clone()).expect("key").sign_json(None, &payload).expect("sign");
    let foreign_unknown_kid =
        SigningKey::generate(alg, "not-a-published-kid").expect("key").sign_json(None, &payload).expect("sign");
    // A foreign key of another algorithm under the real kid.
    let other_alg = if alg == Alg::EdDsa { Alg::Es256 } else { Alg::EdDsa };
    let foreign_other_alg =
        SigningKey::generate(other_alg, kid.clone()).expect("key").sign_json(None, &payload).expect("sign");
    // The real signature over an altered payload.
    let mut altered = payload.clone();
    altered["sub"] = json!("someone-else");
    let parts: Vec<&str> = tokens.id_token.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], b64json(&altered), parts[2]);

    let hints = [
        ("alg none", none.as_str()),
        ("alg none with the real kid", none_kid.as_str()),
        ("alg none with the real signature", none_sig.as_str()),
        ("foreign key, real kid", foreign_same_kid.as_str()),
        ("foreign key, unknown kid", foreign_unknown_kid.as_str()),
        ("foreign key of another alg, real kid", foreign_other_alg.as_str()),
        ("tampered payload", tampered.as_str()),
        ("garbage", "not.a.jwt"),
    ];
    for (what, hint) in hints {
        for with_redirect in [true, false] {
            let mut q = vec![("id_token_hint", hint), ("state", "bye-1")];
            if with_redirect {
                q.push(("post_logout_redirect_uri", PORTAL_BYE));
            }
            let r = b.get(&logout_query(&q)).await;
            assert_error_page(&r, StatusCode::BAD_REQUEST, EN.error_bad_logout);
            assert!(
                !r.set_cookies().iter().any(|c| c.starts_with("ent_idp_session=")),
                "{what}: the session cookie is not touched"
            );
        }
    }
    assert_still_signed_in(&b).await;
    assert_eq!(p.introspect(&tokens.refresh_token).await["active"], true);

    // Control: the genuine hint signs the user out without asking, and goes back to the client.
    let r = b
        .get(&logout_query(&[
            ("id_token_hint", &tokens.id_token),
            ("post_logout_redirect_uri", PORTAL_BYE),
            ("state", "bye-1"),
        ]))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some(format!("{PORTAL_BYE}?state=bye-1").as_str()));
    assert_eq!(p.introspect(&tokens.refresh_token).await, json!({"active": false}));
    let silent = b.authorize(&AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new()).set("prompt", "none")).await;
    assert_redirect_error(&silent, &p, PORTAL_CB, "login_required", Some("st-123"));
}

/// An access token is signed by the same keys, but it is not an ID token: as a hint it must be
/// refused, or any resource server holding the user's access token could sign the user out
/// without confirmation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_token_is_not_an_id_token_hint() {
    let p = Provider::start().await;
    let (b, tokens) = p.tokens(PORTAL, TEACHER, TEACHER_PW).await;
    let r = b
        .get(&logout_query(&[("id_token_hint", &tokens.access_token), ("post_logout_redirect_uri", PORTAL_BYE)]))
        .await;
    assert_error_page(&r, StatusCode::BAD_REQUEST, EN.error_bad_logout);
    assert_still_signed_in(&b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unregistered_post_logout_redirect_uri_is_refused_without_redirect() {
    let p = Provider::start().await;
    let (b, tokens) = p.tokens(PORTAL, TEACHER, TEACHER_PW).await;
    let near_misses = [
        "http://localhost:9999/bye/",
        "http://localhost:9999/Bye",
        "http://LOCALHOST:9999/bye",
        "http://localhost:9998/bye",
        "http://localhost:9999/bye?next=http://evil.example",
        "http://localhost:9999/bye/extra",
        "http://evil.example/bye",
        // A login redirect URI is not a logout one.
        PORTAL_CB,
    ];
    for uri in near_misses {
        for q in [
            vec![("id_token_hint", tokens.id_token.as_str()), ("post_logout_redirect_uri", uri)],
            vec![("client_id", PORTAL), ("post_logout_redirect_uri", uri)],
            vec![("post_logout_redirect_uri", uri)],
        ] {
            let r = b.get(&logout_query(&q)).await;
            assert_error_page(&r, StatusCode::BAD_REQUEST, EN.error_bad_logout);
        }
    }
    // Registered for the portal, asked for another client.
    let r = b.get(&logout_query(&[("client_id", TOOL), ("post_logout_redirect_uri", PORTAL_BYE)])).await;
    assert_error_page(&r, StatusCode::BAD_REQUEST, EN.error_bad_logout);
    // A hint for one client with another client_id.
    let r = b.get(&logout_query(&[("id_token_hint", &tokens.id_token), ("client_id", TOOL)])).await;
    assert_error_page(&r, StatusCode::BAD_REQUEST, EN.error_bad_logout);
    assert_still_signed_in(&b).await;

    // Without a hint, the user is asked to confirm (no silent logout by a third party).
    let r = b.get(&logout_query(&[("client_id", PORTAL), ("post_logout_redirect_uri", PORTAL_BYE)])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.location().is_none());
    assert!(r.text().contains(EN.logout_question), "{}", r.body);
    assert_still_signed_in(&b).await;
}

/// A link on another site cannot sign anyone out: without a hint naming the signed-in user the
/// provider only asks, and the confirmation needs the form's CSRF token from our own origin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_logout_only_asks_and_a_forged_confirmation_is_refused() {
    let p = Provider::start().await;
    let (b, _) = p.tokens(PORTAL, TEACHER, TEACHER_PW).await;

    let page = b.get("/logout").await;
    assert_eq!(page.status, StatusCode::OK, "a confirmation page: {}", page.body);
    assert!(!page.sets_session(), "nothing signed out yet");
    assert_still_signed_in(&b).await;
    let csrf = hidden(&page.body, "csrf");

    for (what, form, headers) in [
        ("no CSRF token", vec![("confirm", "yes")], vec![("origin", p.url("").trim_end_matches('/').to_string())]),
        (
            "a forged token",
            vec![("confirm", "yes"), ("csrf", "forged")],
            vec![("origin", p.url("").trim_end_matches('/').to_string())],
        ),
        (
            "another origin",
            vec![("confirm", "yes"), ("csrf", csrf.as_str())],
            vec![("origin", "https://evil.example".to_string())],
        ),
    ] {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = b.post_form("/logout", &form, &headers).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{what}: {}", r.body);
        assert_still_signed_in(&b).await;
    }
}
