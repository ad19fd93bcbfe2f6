//! The workspace end to end over HTTP: the real provider, the real portal (an `openidconnect`
//! relying party) and the real portlets, each on its own port, wired by the same `stack` module
//! as `ent demo`. What only the assembled system can show: a login through the provider reaches
//! portlets with tokens exchanged for each, a portlet token opens no other portlet, a logout at
//! the provider, and a departure from the directory brought in by a sync, end the portal session
//! over the back channel, a stopped portlet does not hold the home page, and no `return` value
//! sends a browser elsewhere after it signs in.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use ent::stack;
use ent_directory_sync::generate::{GenerateOptions, Generated, generate};
use ent_directory_sync::run::{RunOptions, SyncConfig, run_ldif};
use ent_e2e::workspace::Workspace;
use ent_e2e::{Browser, DEMO_PASSWORD, StartOptions, TestIdp, parse_forms};
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
    let homework_resource = ent::registry::find("homework")?.resource();
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
                ("resource", &homework_resource),
            ],
        )
        .await?
        .ok()?;
    let token = exchanged["access_token"].as_str().context("no access_token")?;
    let http = reqwest::Client::new();
    let at = |server: &ent_portlet_kit::server::Server| format!("{}/fragment/summary", server.url());
    let res = http.get(at(w.stack.portlet("homework")?)).bearer_auth(token).send().await?;
    assert_eq!(res.status(), StatusCode::OK, "the homework portlet accepts its own token");
    let res = http.get(at(w.stack.portlet("liaison")?)).bearer_auth(token).send().await?;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "the liaison portlet refuses a homework token");
    // Nor does the user's own access token (audience: the client) open a portlet.
    let res = http.get(at(w.stack.portlet("homework")?)).bearer_auth(&access).send().await?;
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
    w.stack.portlet("homework")?.abort();
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

/// Brings a generated directory into the provider as `ent sync` would, through an LDIF export
/// and the `sdet` mapping.
async fn sync(idp: &TestIdp, g: &Generated, dir: &std::path::Path) -> Result<String> {
    let path = dir.join("directory.ldif");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    ent_directory_sync::ldif_out::write_ldif(g, "dc=test,dc=ent", &mut out)?;
    std::io::Write::flush(&mut out)?;
    drop(out);
    let cfg = SyncConfig::from_toml(
        "preset = \"sdet\"\n[source]\nname = \"test\"\nurl = \"ldap://localhost\"\nbase_dn = \"dc=test,dc=ent\"\n",
    )?;
    let report = run_ldif(&idp.state().db, &cfg, &path, &RunOptions::default()).await?;
    Ok(report.summary())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_who_leaves_the_directory_loses_the_portal_session() -> Result<()> {
    let idp = TestIdp::start_with(StartOptions { skip_seed: true, ..StartOptions::default() }).await?;
    let dir = std::env::temp_dir().join(format!("ent-e2e-leave-{}", ent_e2e::random_suffix()));
    std::fs::create_dir_all(&dir)?;
    let mut g = generate(&GenerateOptions::default());
    sync(&idp, &g, &dir).await?;
    let parent = idp.state().directory.person_by_login("parent.demo").await?.context("parent loaded")?;
    let phc = idp.state().passwords.hash(DEMO_PASSWORD).await?;
    idp.state().directory.set_password(&parent.id, &phc).await?;
    let w = Workspace::around(idp, DEADLINE_MS).await?;
    let browser = w.sign_in("parent.demo").await?;
    let (_, html) = w.home(&browser).await?;
    assert!(html.contains("Carnet de liaison"), "signed in: {html}");

    // The family moves away: the next directory export no longer has the parent.
    let gone = g.snapshot.people.iter().find(|p| p.login == "parent.demo").context("in the export")?.id.clone();
    g.snapshot.people.retain(|p| p.id != gone);
    g.snapshot.guardianships.retain(|(parent, _, _)| *parent != gone);
    g.snapshot.person_schools.retain(|(person, _)| *person != gone);
    g.snapshot.class_members.retain(|(_, person, _)| *person != gone);
    g.snapshot.staff_roles.retain(|(person, _, _)| *person != gone);
    let summary = sync(&w.idp, &g, &dir).await?;
    assert!(summary.contains("-1"), "one departure: {summary}");

    // The provider tells the portal over the back channel (its outbox is polled every few
    // seconds): the portal session ends.
    let started = Instant::now();
    loop {
        let (status, html) = w.home(&browser).await?;
        if status == StatusCode::OK && !html.contains("Carnet de liaison") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "the portal session outlived the departure");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    w.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// An open redirect after the sign-in: `/login?return=…` is a link anyone can craft, and the
/// callback sends the browser to `return` once the person has signed in at the real provider.
/// Each value (as the portal reads it, percent-decoded) is signed in with once, with a browser
/// that keeps its provider session, and the callback's `Location` is resolved against the
/// portal's URL as a browser does (WHATWG parsing: tabs and newlines dropped, `\` read as `/`).
/// The sign-in must succeed (a session cookie, never a 500), the browser must land on the
/// portal, and exactly where the table says: hostile values at `/`, harmless odd paths at their
/// re-serialised form, good values where they asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_return_value_sends_the_browser_elsewhere_after_sign_in() -> Result<()> {
    let w = Workspace::start(DEADLINE_MS).await?;
    let portal = Url::parse(w.portal_url())?;
    let browser = w.sign_in("parent.demo").await?;
    let long_local = format!("/p/homework/view/{}", "a".repeat(10 * 1024));
    let long_evil = format!("/\t/evil.example/{}", "a".repeat(10 * 1024));
    // (the value of `return`, where the browser must be sent)
    let table: Vec<(&str, &str)> = vec![
        ("/\t/evil.example/", "/"),
        ("\t//evil.example/", "/"),
        ("/\n/evil.example/", "/"),
        ("/\r\n/evil.example/", "/"),
        ("/p/homework\r\nSet-Cookie: ent_portal=fixed", "/"),
        ("/\u{0}/evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("\\\\evil.example/", "/"),
        ("%2F%2Fevil.example/", "/"),
        ("/%2F%2Fevil.example/", "/%2F%2Fevil.example/"),
        ("/%5Cevil.example/", "/%5Cevil.example/"),
        ("/%5C%5Cevil.example/", "/%5C%5Cevil.example/"),
        ("/%09/evil.example/", "/%09/evil.example/"),
        ("/\t/evil\u{ff0e}example/", "/"),
        ("//evil\u{3002}example/", "/"),
        ("\u{ff0f}\u{ff0f}evil.example/", "/"),
        ("/\u{ff0f}evil.example/", "/%EF%BC%8Fevil.example/"),
        ("javascript:alert(1)", "/"),
        ("/javascript:alert(1)", "/javascript:alert(1)"),
        ("data:text/html,<script>alert(1)</script>", "/"),
        ("https://evil.example/", "/"),
        (" //evil.example/", "/"),
        ("/.//evil.example/", "/"),
        ("/..//evil.example/", "/"),
        ("/%2e%2e//evil.example/", "/"),
        ("/p/../..//evil.example/", "/"),
        ("/@evil.example/", "/@evil.example/"),
        ("//localhost@evil.example/", "/"),
        ("/\t/localhost@evil.example/", "/"),
        (&long_local, "/"),
        (&long_evil, "/"),
        // Good values land where they asked.
        ("/p/homework/view/x?y=1", "/p/homework/view/x?y=1"),
        ("/", "/"),
        ("", "/"),
    ];
    let mut report = Vec::new();
    let mut wrong = Vec::new();
    for (value, expected) in &table {
        let query = format!("?return={}", url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>());
        let res = w.sign_in_again(&browser, &query).await?;
        let status = res.status();
        let location = res.headers().get("location").map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let signed_in = res.headers().get_all("set-cookie").iter().any(|c| c.as_bytes().starts_with(b"ent_portal="));
        let landed = location.as_deref().and_then(|l| portal.join(l).ok());
        let home = landed.as_ref().is_some_and(|u| u.origin() == portal.origin());
        let line = format!(
            "{:<48} -> {} {:<48} lands {}",
            short(value),
            status.as_u16(),
            location.as_deref().map(short).unwrap_or_else(|| "(no Location)".into()),
            landed.map(|u| u.origin().ascii_serialization()).unwrap_or_else(|| "(nowhere)".into()),
        );
        if status != StatusCode::SEE_OTHER || location.as_deref() != Some(*expected) || !home || !signed_in {
            wrong.push(format!("{line}   (expected {}, signed in: {signed_in})", short(expected)));
        }
        report.push(line);
    }
    eprintln!("where each `return` sent the browser:\n{}", report.join("\n"));
    assert!(wrong.is_empty(), "hostile or mishandled return values:\n{}", wrong.join("\n"));
    w.stop().await;
    Ok(())
}

/// A value as a short, escaped line of the report.
fn short(value: &str) -> String {
    let escaped = format!("{value:?}");
    match escaped.char_indices().nth(44) {
        Some((i, _)) => format!("{}…({} bytes)", &escaped[..i], value.len()),
        None => escaped,
    }
}
