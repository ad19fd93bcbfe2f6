//! Passkeys in a real browser (Debian's Chromium driven by playwright-core, with a virtual
//! authenticator from the DevTools WebAuthn domain): a passkey registered from the provider's
//! account page signs in alone after a logout, and the relying party's ID token says so (`amr`).
//!
//! Needs `/usr/bin/chromium` (or `ENT_CHROMIUM`) and Node.js; skipped with a notice when they
//! are missing, unless `CI` or `ENT_REQUIRE_BROWSER` is set.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use ent_e2e::{ALL_SCOPES, DEMO_PASSWORD, Pkce, TestIdp, query_param};
use url::Url;

const SUCCESS: &str = "passkeys: all checks passed";

/// The payload of a compact JWS (not verified: the token came straight from the token endpoint).
fn jwt_claims(token: &str) -> Result<serde_json::Value> {
    let payload = token.split('.').nth(1).context("not a JWS")?;
    let bytes = ent_idp::jose::b64url_decode(payload).context("base64url")?;
    Ok(serde_json::from_slice(&bytes)?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passkey_registered_at_the_account_page_signs_in_alone_in_chromium() -> Result<()> {
    if !ent_e2e::browser::ready()? {
        return Ok(());
    }
    let idp = TestIdp::start().await?;
    let client = idp.confidential_client(false).await?;
    let first = Pkce::new();
    let second = Pkce::new();
    let url1 = idp.authorization_url(&client, ALL_SCOPES, &first, "st-1", "n-1", &[])?;
    let url2 = idp.authorization_url(&client, ALL_SCOPES, &second, "st-2", "n-2", &[])?;
    let vars = vec![
        ("ENT_ISSUER", idp.issuer().to_string()),
        ("ENT_AUTHORIZE_URL", url1.to_string()),
        ("ENT_AUTHORIZE_URL_2", url2.to_string()),
        ("ENT_REDIRECT_URI", client.redirect_uri.clone()),
        ("ENT_LOGIN", "parent.demo".to_string()),
        ("ENT_PASSWORD", DEMO_PASSWORD.to_string()),
    ];
    let steps = ["ok authenticator", "ok password-login", "ok register", "ok logout", "ok passkey-login"];
    let out = ent_e2e::browser::run("passkeys.mjs", vars, Duration::from_secs(180), SUCCESS, &steps).await?;
    let callback = out.stdout.lines().find_map(|l| l.strip_prefix("callback ")).context("no callback line")?;
    let callback = Url::parse(callback)?;
    ensure!(query_param(&callback, "state").as_deref() == Some("st-2"), "not the passkey login: {callback}");
    let code = query_param(&callback, "code").context("no code")?;
    let tokens = idp
        .token(
            &client,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", &client.redirect_uri),
                ("code_verifier", &second.verifier),
            ],
        )
        .await?
        .ok()?;
    let id_token = tokens.get("id_token").and_then(|t| t.as_str()).context("no ID token")?;
    let claims = jwt_claims(id_token)?;
    let amr: Vec<&str> = claims["amr"].as_array().context("no amr")?.iter().filter_map(|v| v.as_str()).collect();
    ensure!(amr.contains(&"hwk") && !amr.contains(&"pwd"), "the passkey alone: amr {amr:?}");
    ensure!(claims["acr"] == "urn:ent:acr:passkey", "acr: {}", claims["acr"]);
    let parent = idp.person("parent.demo").await?;
    ensure!(idp.state().passkeys.count(&parent.id).await? == 1, "one passkey registered");
    let audit = idp.state().audit.recent(30).await?;
    ensure!(audit.iter().any(|e| e.event == "passkey.register" && e.outcome == "ok"), "registration not audited");
    idp.stop().await;
    Ok(())
}
