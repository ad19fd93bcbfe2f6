//! panva's openid-client (an OpenID-certified relying-party library) against the provider:
//! `tests/rp-node/flow.mjs` runs the whole flow, logout included (see its README).
//!
//! Needs Node.js ≥ 20. Without `node`, the tests print a skip notice and pass, unless `CI` or
//! `ENT_REQUIRE_NODE` is set, in which case they fail.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use ent_e2e::{DEMO_PASSWORD, TestClient, TestIdp};

/// The whole flow takes a second or two; leave room for a slow CI machine.
const FLOW_TIMEOUT: Duration = Duration::from_secs(180);

const SUCCESS: &str = "rp-node: all checks passed";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from(".."))
}

fn rp_node_dir() -> PathBuf {
    workspace_root().join("tests").join("rp-node")
}

fn node_required() -> bool {
    ["CI", "ENT_REQUIRE_NODE"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|s| !s.trim().is_empty() && s.trim() != "0" && s != "false"))
}

/// `Ok(true)` when node runs; `Ok(false)` (skip) when it does not and is not required.
fn node_available() -> Result<bool> {
    let found = std::process::Command::new("node").arg("--version").stdin(Stdio::null()).output();
    match found {
        Ok(out) if out.status.success() => Ok(true),
        other => {
            let why = match other {
                Ok(out) => format!("`node --version` exited with {}", out.status),
                Err(e) => format!("cannot run `node`: {e}"),
            };
            if node_required() {
                bail!("Node.js is required (CI or ENT_REQUIRE_NODE is set) but {why}");
            }
            eprintln!(
                "skipping the openid-client (Node.js) tests: {why}; \
                 install Node.js ≥ 20, or set ENT_REQUIRE_NODE=1 to make this a failure"
            );
            Ok(false)
        }
    }
}

/// `npm ci` once per run: once per process (OnceLock), and under a file lock across processes.
fn ensure_node_modules() -> Result<()> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| install().map_err(|e| format!("{e:#}"))).clone().map_err(anyhow::Error::msg)
}

fn install() -> Result<()> {
    let dir = rp_node_dir();
    let installed = || dir.join("node_modules").join("openid-client").is_dir();
    if installed() {
        return Ok(());
    }
    let lock_path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rp-node-npm-ci.lock");
    let lock = std::fs::File::create(&lock_path).with_context(|| format!("creating {}", lock_path.display()))?;
    lock.lock().with_context(|| format!("locking {}", lock_path.display()))?;
    if installed() {
        return Ok(());
    }
    eprintln!("rp-node: npm ci --prefix {}", dir.display());
    let out = std::process::Command::new("npm")
        .arg("ci")
        .arg("--prefix")
        .arg(&dir)
        .arg("--no-audit")
        .arg("--no-fund")
        .stdin(Stdio::null())
        .output()
        .context("running npm ci (is npm installed?)")?;
    ensure!(
        out.status.success() && installed(),
        "npm ci failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

/// Runs flow.mjs for a client and checks it passed every step.
async fn run_flow(idp: &TestIdp, client: &TestClient, login: &str, pairwise: bool) -> Result<()> {
    let script = rp_node_dir().join("flow.mjs");
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg(&script)
        .current_dir(workspace_root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    // Nothing from the caller's environment may change the run.
    for var in ["ENT_CLIENT_SECRET", "ENT_SCOPE", "ENT_EXPECT_PAIRWISE", "ENT_PUBLIC_SUB", "ENT_RP_VERBOSE"] {
        cmd.env_remove(var);
    }
    cmd.env("ENT_ISSUER", idp.issuer())
        .env("ENT_CLIENT_ID", &client.id)
        .env("ENT_REDIRECT_URI", &client.redirect_uri)
        .env("ENT_POST_LOGOUT_REDIRECT_URI", &client.post_logout_redirect_uri)
        .env("ENT_LOGIN", login)
        .env("ENT_PASSWORD", DEMO_PASSWORD);
    if let Some(secret) = &client.secret {
        cmd.env("ENT_CLIENT_SECRET", secret);
    }
    if pairwise {
        cmd.env("ENT_EXPECT_PAIRWISE", "1").env("ENT_PUBLIC_SUB", idp.public_sub(login).await?);
    }
    let child = cmd.spawn().with_context(|| format!("spawning node {}", script.display()))?;
    let out = tokio::time::timeout(FLOW_TIMEOUT, child.wait_with_output())
        .await
        .with_context(|| format!("flow.mjs did not finish within {FLOW_TIMEOUT:?}"))?
        .context("waiting for flow.mjs")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stdout.lines().rev().find(|l| !l.trim().is_empty());
    let passed = out.status.success() && last.is_some_and(|l| l.starts_with(SUCCESS));
    if !passed {
        bail!(
            "flow.mjs failed ({}) for client {} ({})\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
            out.status,
            client.id,
            if client.is_public() { "public" } else { "confidential" }
        );
    }
    println!("{stdout}");
    Ok(())
}

/// Node available and the dependencies installed? `Ok(false)`: skip.
fn prepare() -> Result<bool> {
    if !node_available()? {
        return Ok(false);
    }
    ensure_node_modules()?;
    Ok(true)
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
