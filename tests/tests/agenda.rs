//! The agenda across the workspace, as `ent demo` starts it: a teacher writes a weekly event for
//! the class through the portal, a parent of the class sees it on the home page, makes a private
//! address and a calendar application (a client with no cookie) reads the feed through the
//! portal's public route; the route reaches no view; deleting the address ends it.
#![allow(clippy::unwrap_used)]

use anyhow::{Context, Result};
use ent_e2e::workspace::Workspace;
use ent_e2e::{Browser, html_unescape, parse_forms};
use ent_portlet_kit::calendar::Date;
use reqwest::StatusCode;

const DEADLINE_MS: u64 = 2000;

/// The portal's CSRF token in a page's post form.
fn csrf(page: &str) -> Result<String> {
    let form = parse_forms(page).into_iter().find(|f| f.method.eq_ignore_ascii_case("post")).context("no form")?;
    Ok(form.fields.iter().find(|f| f.name == "_csrf").context("no _csrf")?.value.clone())
}

async fn page(browser: &Browser, url: &str) -> Result<String> {
    let res = browser.http().get(url).send().await?;
    anyhow::ensure!(res.status() == StatusCode::OK, "{url} answered {}", res.status());
    Ok(res.text().await?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weekly_class_event_reaches_the_family_and_its_private_feed() -> Result<()> {
    let w = Workspace::start(DEADLINE_MS).await?;
    let portal = w.portal_url().to_string();
    let tomorrow = Date::today().add_days(1);

    let teacher = w.sign_in("enseignant.demo").await?;
    let form = page(&teacher, &format!("{portal}/p/agenda/events/new")).await?;
    let class =
        form.split("value=\"class:").nth(1).and_then(|s| s.split('"').next()).context("no class to write for")?;
    let scope = format!("class:{}", html_unescape(class));
    let fields = [
        ("_csrf", csrf(&form)?),
        ("scope", scope),
        ("title", "Sortie au planétarium".into()),
        ("start_date", tomorrow.iso()),
        ("start_time", "10:00".into()),
        ("end_time", "11:30".into()),
        ("repeat", "weekly".into()),
        ("interval", "1".into()),
        ("monthly", "day".into()),
        ("ends", "never".into()),
    ];
    let res = teacher.http().post(format!("{portal}/p/agenda/events")).form(&fields).send().await?;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", res.text().await?);
    assert!(res.headers()["location"].to_str()?.starts_with("/p/agenda/week?"));

    let parent = w.sign_in("parent.demo").await?;
    let (status, home) = w.home(&parent).await?;
    assert_eq!(status, StatusCode::OK);
    assert!(
        home.contains("Sortie au planétarium") && home.contains(&format!("datetime=\"{}T10:00", tomorrow.iso())),
        "{home}"
    );
    assert!(home.contains("Demain :"), "tomorrow's reminder: {home}");

    let sub = page(&parent, &format!("{portal}/p/agenda/subscription")).await?;
    let res =
        parent.http().post(format!("{portal}/p/agenda/subscription")).form(&[("_csrf", csrf(&sub)?)]).send().await?;
    assert_eq!(res.status(), StatusCode::OK);
    let made = res.text().await?;
    let address =
        made.split("id=\"sub-address\" value=\"").nth(1).and_then(|s| s.split('"').next()).context("no address")?;
    let address = html_unescape(address);
    assert!(address.starts_with(&format!("{portal}/pub/agenda/feed/")) && address.ends_with(".ics"), "{address}");

    // A calendar application: no cookie, no token, only the address.
    let app = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let res = app.get(&address).send().await?;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/calendar; charset=utf-8");
    assert!(res.headers().get("set-cookie").is_none());
    let feed = res.text().await?;
    for line in ["SUMMARY:Sortie au planétarium", "RRULE:FREQ=WEEKLY", "BEGIN:VTIMEZONE", "X-PUBLISHED-TTL:PT1H"] {
        assert!(feed.contains(line), "{line}: {feed}");
    }
    // The public route names public paths only.
    for path in ["/pub/agenda/view/week", "/pub/agenda/%2e%2e/view/week", "/pub/agenda/feed/x.ics"] {
        assert_eq!(app.get(format!("{portal}{path}")).send().await?.status(), StatusCode::NOT_FOUND, "{path}");
    }

    let sub = page(&parent, &format!("{portal}/p/agenda/subscription")).await?;
    assert!(!sub.contains(&address), "the address is shown once");
    let revoke = parse_forms(&sub).into_iter().find(|f| f.action.ends_with("/revoke")).context("no revoke form")?;
    let token = revoke.fields.iter().find(|f| f.name == "_csrf").context("no _csrf")?.value.clone();
    let res = parent.http().post(format!("{portal}{}", revoke.action)).form(&[("_csrf", token)]).send().await?;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(&address).send().await?.status(), StatusCode::NOT_FOUND, "a deleted address opens nothing");
    w.stop().await;
    Ok(())
}
