//! panva's openid-client (an OpenID-certified relying-party library) against the provider:
//! `tests/rp-node/flow.mjs` runs the whole flow, logout included (see its README).
//!
//! Needs Node.js ≥ 20. Without `node`, the tests print a skip notice and pass, unless `CI` or
//! `ENT_REQUIRE_NODE` is set, in which case they fail.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{Result, bail};
use ent_e2e::node::{self, workspace_root};
use ent_e2e::{DEMO_PASSWORD, TestClient, TestIdp};

/// The whole flow takes a second or two; leave room for a slow CI machine.
const FLOW_TIMEOUT: Duration = Duration::from_secs(180);

const SUCCESS: &str = "rp-node: all checks passed";

fn rp_node_dir() -> PathBuf {
    workspace_root().join("tests").join("rp-node")
}

/// Node available and the dependencies installed? `Ok(false)`: skip.
fn prepare() -> Result<bool> {
    static DONE: OnceLock<Result<bool, String>> = OnceLock::new();
    DONE.get_or_init(|| {
        let run = || {
            if !node::available("node", &["CI", "ENT_REQUIRE_NODE"], "the openid-client (Node.js)")? {
                return Ok(false);
            }
            node::npm_ci(&rp_node_dir(), "openid-client")?;
            Ok(true)
        };
        run().map_err(|e: anyhow::Error| format!("{e:#}"))
    })
    .clone()
    .map_err(anyhow::Error::msg)
}

/// Runs flow.mjs for a client and checks it passed every step.
async fn run_flow(idp: &TestIdp, client: &TestClient, login: &str, pairwise: bool) -> Result<()> {
    let mut vars = vec![
        ("ENT_ISSUER", idp.issuer().to_string()),
        ("ENT_CLIENT_ID", client.id.clone()),
        ("ENT_REDIRECT_URI", client.redirect_uri.clone()),
        ("ENT_POST_LOGOUT_REDIRECT_URI", client.post_logout_redirect_uri.clone()),
        ("ENT_LOGIN", login.to_string()),
        ("ENT_PASSWORD", DEMO_PASSWORD.to_string()),
    ];
    if let Some(secret) = &client.secret {
        vars.push(("ENT_CLIENT_SECRET", secret.clone()));
    }
    if pairwise {
        vars.push(("ENT_EXPECT_PAIRWISE", "1".into()));
        vars.push(("ENT_PUBLIC_SUB", idp.public_sub(login).await?));
    }
    let clear = ["ENT_CLIENT_SECRET", "ENT_SCOPE", "ENT_EXPECT_PAIRWISE", "ENT_PUBLIC_SUB", "ENT_RP_VERBOSE"];
    let out = node::run_script(&rp_node_dir().join("flow.mjs"), &clear, &vars, FLOW_TIMEOUT).await?;
    if !(out.success && out.last_line().is_some_and(|l| l.starts_with(SUCCESS))) {
        bail!(
            "flow.mjs failed for client {} ({})\n--- stdout ---\n{}\n--- stderr ---\n{}",
            client.id,
            if client.is_public() { "public" } else { "confidential" },
            out.stdout,
            out.stderr
        );
    }
    println!("{}", out.stdout);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openid_client_confidential_third_party_with_consent() -> Result<()> {
    if !prepare()? {
        return Ok(());
    }
    let idp = TestIdp::start().await?;
    let client = idp.confidential_client(false).await?;
    run_flow(&idp, &client, "parent.demo", true).await?;
    idp.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openid_client_public_client() -> Result<()> {
    if !prepare()? {
        return Ok(());
    }
    let idp = TestIdp::start().await?;
    let client = idp.public_client().await?;
    run_flow(&idp, &client, "eleve.demo", false).await?;
    idp.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openid_client_confidential_first_party() -> Result<()> {
    if !prepare()? {
        return Ok(());
    }
    let idp = TestIdp::start().await?;
    let client = idp.confidential_client(true).await?;
    run_flow(&idp, &client, "enseignant.demo", false).await?;
    idp.stop().await;
    Ok(())
}
