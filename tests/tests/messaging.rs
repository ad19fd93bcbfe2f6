//! Messaging in a real browser (Debian's Chromium driven by playwright-core) across the
//! workspace as `ent demo` starts it (the portlets empty): a parent finds their child's teacher
//! in the picker and writes; the teacher sees the message unread in the inbox and answers; the
//! parent's home page shows the unread answer on the messaging card; the pupil is offered no
//! parent, and a send forged with a parent's address is refused with the reason shown. axe-core
//! finds no serious or critical violation on the inbox, the compose form and the conversation.
//! One browser run (`tests/browser/messaging.mjs`), timed.
//!
//! Needs `/usr/bin/chromium` (or `ENT_CHROMIUM`) and Node.js; skipped with a notice when they
//! are missing, unless `CI` or `ENT_REQUIRE_BROWSER` is set.

use std::time::{Duration, Instant};

use anyhow::Result;
use ent_e2e::DEMO_PASSWORD;
use ent_e2e::workspace::Workspace;

const SUCCESS: &str = "messaging: all checks passed";

/// The steps the script reports, in order; each must have passed.
const STEPS: &[&str] =
    &["ok parent-sent", "ok teacher-answered", "ok parent-home", "ok pupil-no-parent", "ok pupil-forged-refused"];

/// How long the home page waits for each portlet (the portal's default).
const FRAGMENT_DEADLINE_MS: u64 = 800;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_writes_to_the_teacher_and_a_pupil_cannot_write_to_a_parent() -> Result<()> {
    if !ent_e2e::browser::ready()? {
        return Ok(());
    }
    let started = Instant::now();
    let w = Workspace::start(FRAGMENT_DEADLINE_MS).await?;
    let name = |p: &ent_idp::store::directory::Person| format!("{} {}", p.given_name, p.family_name);
    let teacher = w.idp.person("enseignant.demo").await?;
    let parent = w.idp.person("parent.demo").await?;
    let shots = ent_e2e::browser::screenshots();
    std::fs::create_dir_all(&shots)?;
    let vars = vec![
        ("ENT_PORTAL_URL", w.portal_url().to_string()),
        ("ENT_PASSWORD", DEMO_PASSWORD.to_string()),
        ("ENT_TEACHER_NAME", name(&teacher)),
        ("ENT_PARENT_NAME", name(&parent)),
        ("ENT_PARENT_SUB", parent.public_sub.clone()),
        ("ENT_SCREENSHOTS", shots.display().to_string()),
    ];
    let out = ent_e2e::browser::run("messaging.mjs", vars, Duration::from_secs(180), SUCCESS, STEPS).await;
    w.stop().await;
    println!("{}", out?.stdout);
    println!("the scenario took {:.1} s (workspace and browser)", started.elapsed().as_secs_f64());
    Ok(())
}
