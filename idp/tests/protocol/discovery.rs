//! Discovery (OIDC Discovery §3/§4, RFC 8414): what the metadata says is true.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_is_consistent_with_the_provider() {
    let p = Provider::start().await;
    let r = p.api.get(p.url("/.well-known/openid-configuration")).send().await.expect("discovery");
    let r = Resp::read(r).await;
    assert_eq!(r.status, StatusCode::OK);
    let meta = r.json();

    // §4.3: the issuer is exactly the one the configuration was fetched under.
    assert_eq!(meta["issuer"], Value::from(p.issuer.as_str()));
    assert_eq!(meta["code_challenge_methods_supported"], serde_json::json!(["S256"]));
    assert_eq!(meta["response_types_supported"], serde_json::json!(["code"]));
    assert_eq!(meta["authorization_response_iss_parameter_supported"], true);
    assert!(meta["scopes_supported"].as_array().is_some_and(|s| s.iter().any(|v| v == "openid")));
    let algs = meta["id_token_signing_alg_values_supported"].as_array().expect("algs");
    assert!(algs.iter().any(|a| a == "RS256"), "RS256 is required");
    assert!(!algs.iter().any(|a| a == "none"));

    // Every endpoint is under the issuer and answers (with the method it is meant for).
    let endpoints = [
        ("authorization_endpoint", Method::GET),
        ("token_endpoint", Method::POST),
        ("userinfo_endpoint", Method::GET),
        ("jwks_uri", Method::GET),
        ("end_session_endpoint", Method::GET),
        ("revocation_endpoint", Method::POST),
        ("introspection_endpoint", Method::POST),
    ];
    for (name, method) in endpoints {
        let url = meta[name].as_str().unwrap_or_else(|| panic!("{name} missing"));
        assert!(url.starts_with(&format!("{}/", p.issuer)), "{name} {url} is not under the issuer");
        let res = p
            .api
            .request(method.clone(), p.url(url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("")
            .send()
            .await
            .expect("endpoint");
        let status = res.status();
        assert!(
            status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
            "{name} {method} {url}: {status}"
        );
        assert!(!status.is_server_error(), "{name}: {status}");
    }

    // The JWKS holds public keys with kids, and no private members.
    let jwks = p.api.get(p.url("/jwks")).send().await.expect("jwks");
    let jwks: Value = jwks.json().await.expect("jwks json");
    let keys = jwks["keys"].as_array().expect("keys");
    assert!(!keys.is_empty());
    for k in keys {
        assert!(k["kid"].is_string(), "{k}");
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(k.get(private).is_none(), "private member {private} in {k}");
        }
    }

    // RFC 8414 metadata: the same document.
    let oauth = p.api.get(p.url("/.well-known/oauth-authorization-server")).send().await.expect("oauth metadata");
    let oauth: Value = oauth.json().await.expect("json");
    assert_eq!(oauth, meta);
}

/// Browsers ask every site for `/favicon.ico`: the provider answers with the ENT's icon.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_provider_has_an_icon() {
    let p = Provider::start().await;
    let b = p.browser();
    let ico = b.get("/favicon.ico").await;
    assert_eq!(ico.status, StatusCode::OK);
    assert_eq!(ico.header("content-type"), Some("image/x-icon"));
    let svg = b.get("/assets/icon.svg").await;
    assert_eq!(svg.header("content-type"), Some("image/svg+xml"));
    let login =
        b.get(b.authorize(&AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await.location().expect("Location")).await;
    assert!(login.body.contains(r#"<link rel="icon" href="/assets/icon.svg" type="image/svg+xml">"#), "{}", login.body);
}
