//! A school morning in a real browser (Debian's Chromium driven by playwright-core) across the
//! assembled workspace: the provider, the portal and the portlets, started together as
//! `ent demo` starts them. Each person has their own browser context and signs in through the
//! provider's login page. The teacher writes today's lesson with a task due on the next school
//! day, a note asking every family of the class to sign, and a weekly event in the class's agenda
//! that began last week; the parent sees all three on the home page — the event at its next
//! occurrence — (also on a phone-sized screen, one column, nothing wider than the screen, and the
//! agenda there too) and signs; the teacher sees the signature; the pupil, the director, the staff member, the
//! city agent and the admin each get the home page of their profile. On the way: axe-core finds
//! no serious or critical accessibility violation, the console shows no error but the missing
//! favicon, the CSP allows no inline script, every form post carries the portal's `_csrf` and
//! comes back as a `303` to a view, every link of the pages seen answers, the portlets use only
//! the classes of docs/portlets.md and the portal's stylesheet styles them, and `?lang=en` turns
//! the page into English. Screenshots of every home page go to `ENT_SCREENSHOTS`
//! (`tests/browser/screenshots/` by default).
//!
//! Needs `/usr/bin/chromium` (or `ENT_CHROMIUM`) and Node.js; skipped with a notice when they
//! are missing, unless `CI` or `ENT_REQUIRE_BROWSER` is set.

use std::time::Duration;

use anyhow::{Result, ensure};
use ent_e2e::DEMO_PASSWORD;
use ent_e2e::workspace::Workspace;
use ent_portlet_kit::calendar::Date;

const SUCCESS: &str = "morning: all checks passed";

/// The steps the script reports, in order; each must have passed.
const STEPS: &[&str] = &[
    "ok teacher-home",
    "ok homework-written",
    "ok note-written",
    "ok agenda-event-written",
    "ok parent-home",
    "ok parent-phone",
    "ok parent-signed",
    "ok teacher-sees-signature",
    "ok pupil-home",
    "ok director-home",
    "ok staff-home",
    "ok city-agent-home",
    "ok admin-home",
    "ok english",
];

/// How long the home page waits for each portlet (the portal's default).
const FRAGMENT_DEADLINE_MS: u64 = 800;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_school_morning_in_chromium() -> Result<()> {
    if !ent_e2e::browser::ready()? {
        return Ok(());
    }
    let w = Workspace::start(FRAGMENT_DEADLINE_MS).await?;
    // The lesson is today's, or the last school day's at a weekend; the task is due on the next
    // school day, which the home page cards announce.
    let today = Date::today();
    let lesson = if today.is_school_day() { today } else { today.previous_school_day() };
    let due = today.next_school_day();
    let shots = ent_e2e::browser::screenshots();
    std::fs::create_dir_all(&shots)?;
    let profiles = ["teacher", "parent", "pupil", "director", "staff", "city-agent", "admin"];
    let home_shot = |name: &str| shots.join(format!("home-{name}.png"));
    for name in profiles {
        // A screenshot left by an earlier run proves nothing.
        let _ = std::fs::remove_file(home_shot(name));
    }
    let vars = vec![
        ("ENT_PORTAL_URL", w.portal_url().to_string()),
        ("ENT_PASSWORD", DEMO_PASSWORD.to_string()),
        ("ENT_LESSON_DAY", lesson.iso()),
        ("ENT_DUE_DAY", due.iso()),
        // A weekly event that began five days ago: its next occurrence is in two days.
        ("ENT_AGENDA_FIRST", today.add_days(-5).iso()),
        ("ENT_AGENDA_NEXT", today.add_days(2).iso()),
        ("ENT_SCREENSHOTS", shots.display().to_string()),
    ];
    let out = ent_e2e::browser::run("morning.mjs", vars, Duration::from_secs(300), SUCCESS, STEPS).await;
    w.stop().await;
    println!("{}", out?.stdout);
    for name in profiles {
        let file = home_shot(name);
        ensure!(file.metadata().is_ok_and(|m| m.len() > 0), "no screenshot {}", file.display());
    }
    Ok(())
}
