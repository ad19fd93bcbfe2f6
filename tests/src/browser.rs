//! Running the browser scripts of `tests/browser` (playwright-core driving Debian's Chromium):
//! where they live, which Chromium, and the one-time preparation (Node.js and Chromium present,
//! the npm packages installed), skipped with a notice when something is missing unless `CI` or
//! `ENT_REQUIRE_BROWSER` is set.

use std::path::PathBuf;
use std::sync::OnceLock;

use anyhow::Result;

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
