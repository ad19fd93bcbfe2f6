//! The service as the `ent` command starts it: `build` from a `PortletConfig` connects the
//! database, binds port 0 and checks tokens against the provider's JWKS over HTTP. Without
//! client credentials there is no directory: notes are read, not written (503).
#![allow(clippy::unwrap_used)]

use ent_portlet_kit::PortletConfig;
use ent_portlet_kit::storage::testing::sqlite_shared_url;
use ent_portlet_kit::testing::{CLASS_A1, ISSUER, Network, TestIssuer, serve_jwks};
use ent_portlet_liaison::PORTLET;

const AUD: &str = "urn:ent:portlet:liaison";

#[tokio::test]
async fn build_serves_on_port_0_with_the_providers_keys() {
    let issuer = TestIssuer::new();
    let jwks_url = serve_jwks(&issuer).await;

    let (database_url, guard) = sqlite_shared_url();
    let config = PortletConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        issuer: ISSUER.into(),
        resource: AUD.into(),
        jwks_url: Some(jwks_url),
        database_url,
        client_id: None,
        client_secret: None,
        mail: None,
        origin: None,
    };
    let server = PORTLET.build(config).await.unwrap();
    assert_ne!(server.addr.port(), 0);
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let url = server.url();
    assert_eq!(http.get(format!("{url}/health")).send().await.unwrap().text().await.unwrap(), "ok");

    let net = Network::new();
    let res = http
        .get(format!("{url}/fragment/summary"))
        .bearer_auth(issuer.token(&net.parent_a1, AUD))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    let body = res.text().await.unwrap();
    assert!(body.contains("To sign for") && !body.contains("Carnet"), "an English summary: {body}");

    let res = http
        .post(format!("{url}/view/notes"))
        .bearer_auth(issuer.token(&net.teacher_a1, AUD))
        .form(&[("class", CLASS_A1), ("title", "T"), ("body", "B")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    assert!(res.text().await.unwrap().contains("annuaire"));

    let res = http
        .get(format!("{url}/fragment/summary"))
        .bearer_auth(issuer.token(&net.parent_a1, "urn:ent:portlet:homework"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    server.shutdown().await.unwrap();
    guard.cleanup().await;
}
