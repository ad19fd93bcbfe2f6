//! The mini-sites in a real browser (Debian's Chromium driven by playwright-core) across the
//! workspace as `ent demo` starts it (the portlets empty): the teacher starts the class's site, a
//! pupil writes a page with XSS payloads in it, the teacher publishes it, a parent reads it in
//! the ENT and then on the sites' own origin, where none of the payloads runs and the browser
//! holds no cookie. axe-core finds no serious or critical violation on the sites' list, the
//! editor and the published page. One browser run (`tests/browser/minisites.mjs`), timed.
//!
//! Needs `/usr/bin/chromium` (or `ENT_CHROMIUM`) and Node.js; skipped with a notice when they
//! are missing, unless `CI` or `ENT_REQUIRE_BROWSER` is set.

use std::time::{Duration, Instant};

use anyhow::Result;
use ent_e2e::DEMO_PASSWORD;
use ent_e2e::workspace::Workspace;

const SUCCESS: &str = "minisites: all checks passed";

const STEPS: &[&str] = &["ok teacher-started", "ok pupil-wrote", "ok teacher-approved", "ok parent-read-the-site"];

/// How long the home page waits for each portlet (the portal's default).
const FRAGMENT_DEADLINE_MS: u64 = 800;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pupil_writes_the_teacher_publishes_a_parent_reads_on_the_sites_origin() -> Result<()> {
    if !ent_e2e::browser::ready()? {
        return Ok(());
    }
    let started = Instant::now();
    let w = Workspace::start(FRAGMENT_DEADLINE_MS).await?;
    let shots = ent_e2e::browser::screenshots();
    std::fs::create_dir_all(&shots)?;
    let vars = vec![
        ("ENT_PORTAL_URL", w.portal_url().to_string()),
        ("ENT_PASSWORD", DEMO_PASSWORD.to_string()),
        ("ENT_SCREENSHOTS", shots.display().to_string()),
    ];
    let out = ent_e2e::browser::run("minisites.mjs", vars, Duration::from_secs(180), SUCCESS, STEPS).await;
    w.stop().await;
    println!("{}", out?.stdout);
    println!("the scenario took {:.1} s (workspace and browser)", started.elapsed().as_secs_f64());
    Ok(())
}

/// Every payload of the kit's XSS corpus, as a page of a site, read in the ENT and on the sites'
/// origin with the pages' CSP switched off: the sanitising alone keeps each from running.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_payload_of_the_xss_corpus_runs_even_without_the_csp() -> Result<()> {
    if !ent_e2e::browser::ready()? {
        return Ok(());
    }
    let w = Workspace::start(FRAGMENT_DEADLINE_MS).await?;
    let vars = vec![("ENT_PORTAL_URL", w.portal_url().to_string()), ("ENT_PASSWORD", DEMO_PASSWORD.to_string())];
    let steps = ["ok ent", "ok site"];
    let out = ent_e2e::browser::run(
        "minisites_xss.mjs",
        vars,
        Duration::from_secs(600),
        "minisites-xss: no payload ran",
        &steps,
    )
    .await;
    w.stop().await;
    println!("{}", out?.stdout);
    Ok(())
}
