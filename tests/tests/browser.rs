//! The provider's pages in a real browser (Debian's Chromium driven by playwright-core): the
//! French login page, the wrong-password message, the consent screen, accessibility (axe-core),
//! and a code that the client then redeems. A real browser checks what scripted HTTP cannot:
//! the CSP (including `form-action` across the redirect to the client), cookie flags, and the
//! `Origin` header browsers really send.
//!
//! Needs `/usr/bin/chromium` (or `ENT_CHROMIUM`) and Node.js; skipped with a notice when they
//! are missing, unless `CI` or `ENT_REQUIRE_BROWSER` is set.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use ent_e2e::{ALL_SCOPES, DEMO_PASSWORD, Pkce, TestIdp, query_param};
use url::Url;

const SUCCESS: &str = "browser: all checks passed";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_signs_in_to_a_school_tool_in_chromium() -> Result<()> {
    if !ent_e2e::browser::ready()? {
        return Ok(());
    }
    let idp = TestIdp::start().await?;
    let client = idp.confidential_client(false).await?;
    let pkce = Pkce::new();
    let url = idp.authorization_url(&client, ALL_SCOPES, &pkce, "st-browser", "n-browser", &[])?;
    let vars = vec![
        ("ENT_AUTHORIZE_URL", url.to_string()),
        ("ENT_REDIRECT_URI", client.redirect_uri.clone()),
        ("ENT_LOGIN", "parent.demo".to_string()),
        ("ENT_PASSWORD", DEMO_PASSWORD.to_string()),
    ];
    let steps = ["ok login-page", "ok wrong-password", "ok consent"];
    let out = ent_e2e::browser::run("login.mjs", vars, Duration::from_secs(180), SUCCESS, &steps).await?;
    let callback = out.stdout.lines().find_map(|l| l.strip_prefix("callback ")).context("no callback line")?;
    let callback = Url::parse(callback)?;
    ensure!(query_param(&callback, "state").as_deref() == Some("st-browser"), "state lost: {callback}");
    ensure!(query_param(&callback, "iss").as_deref() == Some(idp.issuer()), "no RFC 9207 iss: {callback}");
    let code = query_param(&callback, "code").context("no code")?;
    let tokens = idp
        .token(
            &client,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", &client.redirect_uri),
                ("code_verifier", &pkce.verifier),
            ],
        )
        .await?
        .ok()?;
    ensure!(tokens.get("id_token").is_some(), "no ID token: {tokens}");
    // The wrong password was audited as a failure, the right one as a login, with no names.
    let audit = idp.state().audit.recent(20).await?;
    ensure!(audit.iter().any(|e| e.event == "login" && e.outcome == "bad_credentials"), "failure not audited");
    ensure!(audit.iter().any(|e| e.event == "login" && e.outcome == "ok"), "login not audited");
    ensure!(audit.iter().any(|e| e.event == "consent" && e.outcome == "ok"), "consent not audited");
    ensure!(
        !audit.iter().any(|e| e.detail.as_deref().unwrap_or("").contains("parent.demo")),
        "a login name reached the audit trail"
    );
    idp.stop().await;
    Ok(())
}
