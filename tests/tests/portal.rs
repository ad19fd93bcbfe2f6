//! The workspace end to end over HTTP: the real provider, the real portal (an `openidconnect`
//! relying party) and the real portlets, each on its own port, wired by the same `stack` module
//! as `ent demo`. What only the assembled system can show: a login through the provider reaches
//! portlets with tokens exchanged for each, a portlet token opens no other portlet, a logout at
//! the provider ends the portal session over the back channel, and a stopped portlet does not
//! hold the home page.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use ent::stack;
use ent_e2e::workspace::Workspace;
use ent_e2e::{Browser, DEMO_PASSWORD, parse_forms};
use reqwest::StatusCode;
use url::Url;

const DEADLINE_MS: u64 = 600;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teacher_signs_in_and_the_home_page_gathers_both_portlets() -> Result<()> {
    let w = Workspace::start(DEADLINE_MS).await?;
    let teacher = w.sign_in("enseignant.demo").await?;
    let (status, html) = w.home(&teacher).await?;
    assert_eq!(status, StatusCode::OK);
    // Both cards came from their portlets (their own texts), none is a placeholder.
    assert!(html.contains("Cahier de textes") && html.contains("Carnet de liaison"), "{html}");
    assert!(html.contains("/p/homework/") && html.contains("/p/liaison/"), "links into the portlets: {html}");
    assert!(!html.contains("indisponible") && !html.contains("unavailable"), "a placeholder: {html}");
    // A full view opens inside the portal.
    let res = teacher.http().get(format!("{}/p/homework/", w.stack.portal_url)).send().await?;
    assert_eq!(res.status(), StatusCode::OK);
    // A pupil's home page has the same portlets, seen as a pupil.
    let pupil = w.sign_in("eleve.demo").await?;
    let (status, html) = w.home(&pupil).await?;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Cahier de textes"), "{html}");
    // Staff see neither portlet, and cannot reach them by URL.
    let staff = w.sign_in("personnel.demo").await?;
    let (_, html) = w.home(&staff).await?;
    assert!(!html.contains("/p/homework/"), "{html}");
    let res = staff.http().get(format!("{}/p/homework/", w.stack.portal_url)).send().await?;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    w.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_exchanged_for_one_portlet_opens_no_other() -> Result<()> {
    let w = Workspace::start(DEADLINE_MS).await?;
    // The portal's own credentials are the stack's; exchange as a portal would, with a token
    // obtained through a real login of a first-party client allowed to exchange.
    let mut spec = w.idp.client_spec(false, true);
    spec.grant_types.push(stack::TOKEN_EXCHANGE.into());
    let client = w.idp.add_client(spec).await?;
    let browser = Browser::with_credentials("parent.demo", DEMO_PASSWORD)?;
    let grant = w.idp.authorize_code(&browser, &client, "openid profile ent").await?;
    let access = w.idp.redeem_code(&client, &grant).await?.ok()?["access_token"].as_str().unwrap().to_string();
    let exchanged = w
        .idp
        .token(
            &client,
            &[
                ("grant_type", stack::TOKEN_EXCHANGE),
                ("subject_token", &access),
                ("subject_token_type", "urn:ietf:params:oauth:token-type:access_token"),
                ("resource", stack::HOMEWORK.resource),
            ],
        )
        .await?
        .ok()?;
    let token = exchanged["access_token"].as_str().context("no access_token")?;
    let http = reqwest::Client::new();
    let at = |server: &ent_portlet_kit::server::Server| format!("{}/fragment/summary", server.url());
    let res = http.get(at(&w.stack.homework)).bearer_auth(token).send().await?;
    assert_eq!(res.status(), StatusCode::OK, "the homework portlet accepts its own token");
    let res = http.get(at(&w.stack.liaison)).bearer_auth(token).send().await?;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "the liaison portlet refuses a homework token");
    // Nor does the user's own access token (audience: the client) open a portlet.
    let res = http.get(at(&w.stack.homework)).bearer_auth(&access).send().await?;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    w.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_at_the_provider_ends_the_portal_session() -> Result<()> {
    let w = Workspace::start(DEADLINE_MS).await?;
    let parent = w.sign_in("parent.demo").await?;
    let (_, html) = w.home(&parent).await?;
    assert!(html.contains("Carnet de liaison"), "signed in: {html}");
    // The same browser signs out at the provider directly (from another tool, say): the
    // provider asks for confirmation, then tells the portal over the back channel.
    let res = parent.http().get(w.idp.url("/logout")).send().await?;
    let page = res.text().await?;
    let form = parse_forms(&page).into_iter().find(|f| f.method.eq_ignore_ascii_case("post")).context("no form")?;
    let action = Url::parse(&w.idp.url("/logout"))?.join(&form.action)?;
    let mut data = form.hidden_values();
    if let Some(b) = form.fields.iter().find(|f| f.tag == "button" && !f.name.is_empty()) {
        data.push((b.name.clone(), b.value.clone()));
    }
    let res = parent
        .http()
        .post(action)
        .header("origin", Url::parse(w.idp.issuer())?.origin().ascii_serialization())
        .form(&data)
        .send()
        .await?;
    assert!(res.status().is_success() || res.status().is_redirection(), "logout answered {}", res.status());
    // Delivery is asynchronous (an outbox): give it a few seconds.
    let started = Instant::now();
    loop {
        let (status, html) = w.home(&parent).await?;
        if status == StatusCode::OK && !html.contains("Carnet de liaison") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "the portal session outlived the logout: {html}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    w.stop().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_portlet_does_not_hold_the_home_page() -> Result<()> {
    let w = Workspace::start(DEADLINE_MS).await?;
    let teacher = w.sign_in("enseignant.demo").await?;
    let (status, _) = w.home(&teacher).await?;
    assert_eq!(status, StatusCode::OK);
    w.stack.homework.abort();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let (status, html) = w.home(&teacher).await?;
    let elapsed = started.elapsed();
    assert_eq!(status, StatusCode::OK);
    assert!(elapsed < Duration::from_millis(DEADLINE_MS + 700), "the home page took {elapsed:?}");
    // The liaison card is there; the homework card shows its last good fragment or a placeholder.
    assert!(html.contains("Carnet de liaison"), "{html}");
    assert!(html.contains("Cahier de textes"), "the homework card keeps its place: {html}");
    w.stop().await;
    Ok(())
}
