//! The forum in a real browser (Debian's Chromium driven by playwright-core) across the
//! workspace as `ent demo` starts it (the portlets empty): the teacher starts a thread in the
//! class's forum and writes every payload of the kit's XSS corpus
//! (`portlets/kit/tests/xss/payloads.txt`) as a reply through the page's form; the teacher and
//! the pupil read every page of it, and none runs — `window.__xss`, which each payload would
//! set, stays unset, in the portal's pages and with the same markup loaded again without the
//! portal's CSP. axe-core finds no serious or critical violation on the forum, the new-thread
//! form and the thread. One browser run (`tests/browser/forum.mjs`), timed.
//!
//! Needs `/usr/bin/chromium` (or `ENT_CHROMIUM`) and Node.js; skipped with a notice when they
//! are missing, unless `CI` or `ENT_REQUIRE_BROWSER` is set.

use std::time::{Duration, Instant};

use anyhow::Result;
use ent_e2e::DEMO_PASSWORD;
use ent_e2e::workspace::Workspace;

const SUCCESS: &str = "forum: all checks passed";

/// The steps the script reports, in order; each must have passed.
const STEPS: &[&str] = &["ok teacher-read", "ok pupil-read"];

/// How long the home page waits for each portlet (the portal's default).
const FRAGMENT_DEADLINE_MS: u64 = 800;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_payload_of_the_corpus_runs_in_a_forum_thread() -> Result<()> {
    if !ent_e2e::browser::ready()? {
        return Ok(());
    }
    let started = Instant::now();
    let w = Workspace::start(FRAGMENT_DEADLINE_MS).await?;
    let shots = ent_e2e::browser::screenshots();
    std::fs::create_dir_all(&shots)?;
    let payloads = ent_e2e::node::workspace_root().join("portlets/kit/tests/xss/payloads.txt");
    let vars = vec![
        ("ENT_PORTAL_URL", w.portal_url().to_string()),
        ("ENT_PASSWORD", DEMO_PASSWORD.to_string()),
        ("ENT_PAYLOADS", payloads.display().to_string()),
        ("ENT_SCREENSHOTS", shots.display().to_string()),
    ];
    let out = ent_e2e::browser::run("forum.mjs", vars, Duration::from_secs(400), SUCCESS, STEPS).await;
    w.stop().await;
    println!("{}", out?.stdout);
    println!("the scenario took {:.1} s (workspace and browser)", started.elapsed().as_secs_f64());
    Ok(())
}
