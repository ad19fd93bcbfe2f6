//! Running the browser scripts of `tests/browser` (playwright-core driving Debian's Chromium):
//! where they live, which Chromium, running one and checking its steps, and the one-time preparation (Node.js and Chromium present,
//! the npm packages installed), skipped with a notice when something is missing unless `CI` or
//! `ENT_REQUIRE_BROWSER` is set.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{Result, bail, ensure};

use crate::node;

/// `tests/browser`: the scripts and their npm packages.
pub fn dir() -> PathBuf {
    node::workspace_root().join("tests").join("browser")
}

/// The Chromium to drive: `ENT_CHROMIUM`, or Debian's.
pub fn chromium() -> String {
    std::env::var("ENT_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

/// Where screenshots go: `ENT_SCREENSHOTS`, or `tests/browser/screenshots` (git-ignored).
pub fn screenshots() -> PathBuf {
    std::env::var_os("ENT_SCREENSHOTS")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| dir().join("screenshots"))
}

/// `Ok(true)` when the browser tests can run (once per test process); `Ok(false)` (with a notice)
/// when Node.js or Chromium is missing and nothing requires them.
pub fn ready() -> Result<bool> {
    static DONE: OnceLock<Result<bool, String>> = OnceLock::new();
    DONE.get_or_init(|| {
        let run = || {
            let required = ["CI", "ENT_REQUIRE_BROWSER"];
            if !node::available("node", &required, "the browser (Node.js)")? {
                return Ok(false);
            }
            if !node::available(&chromium(), &required, "the browser (Chromium)")? {
                return Ok(false);
            }
            node::npm_ci(&dir(), "playwright-core")?;
            Ok(true)
        };
        run().map_err(|e: anyhow::Error| format!("{e:#}"))
    })
    .clone()
    .map_err(anyhow::Error::msg)
}

/// Runs `tests/browser/{script}` with `vars` (and `ENT_CHROMIUM`) within `limit`; it passes only
/// when its last line is `success` and every one of `steps` is a line of its output. On failure
/// the error carries the script's whole output.
pub async fn run(
    script: &str,
    vars: Vec<(&str, String)>,
    limit: Duration,
    success: &str,
    steps: &[&str],
) -> Result<node::ScriptOutput> {
    let mut vars = vars;
    vars.push(("ENT_CHROMIUM", chromium()));
    // Without ENT_SCREENSHOTS in `vars`, none from the caller's environment either.
    let clear: &[&str] = if vars.iter().any(|(k, _)| *k == "ENT_SCREENSHOTS") { &[] } else { &["ENT_SCREENSHOTS"] };
    let out = node::run_script(&dir().join(script), clear, &vars, limit).await?;
    if !(out.success && out.last_line().is_some_and(|l| l == success)) {
        bail!("{script} failed\n--- stdout ---\n{}\n--- stderr ---\n{}", out.stdout, out.stderr);
    }
    for step in steps {
        ensure!(out.stdout.lines().any(|l| l == *step), "{script}: missing step {step:?}:\n{}", out.stdout);
    }
    Ok(out)
}
