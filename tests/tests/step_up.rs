//! Step-up through the real provider and the real portal (RFC 9470): a portlet that wants a
//! sign-in more recent than the person's answers with the kit's `PortletError::StepUp`; the
//! portal sends the browser to the provider with that `max_age`; the provider, whose clock has
//! moved on since the sign-in, shows its login page again; the person types their password and
//! lands back on the portlet's page, whose token now carries a fresh `auth_time` and the same
//! `ent_session_start` (the session is as old as before).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use anyhow::{Context, Result, ensure};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ent_e2e::{Browser, DEMO_PASSWORD, TestIdp, query_param};
use ent_idp::admin::ClientSpec;
use ent_portal::{PortalConfig, PortalState, PortletConfig, Profile};
use ent_portlet_kit::{Link, PortletError, Verifier};
use tokio::net::TcpListener;
use url::Url;

const RESOURCE: &str = "urn:ent:portlet:broadcast";
/// How recent a sign-in the portlet wants (seconds).
const MAX_AGE: i64 = 300;

/// A portlet's one view: it wants a sign-in made after `after` (the test moves it), and shows
/// the token's `auth_time` and `ent_session_start` once it has one.
#[derive(Clone)]
struct Broadcast {
    verifier: Arc<Verifier>,
    after: Arc<AtomicI64>,
}

async fn view(State(b): State<Broadcast>, headers: HeaderMap) -> Response {
    let token =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let who = match b.verifier.verify(token.unwrap_or("")).await {
        Ok(who) => who,
        Err(e) => return PortletError::Unauthorized(e).into_response(),
    };
    if who.auth_time.is_none_or(|at| at <= b.after.load(Ordering::SeqCst)) {
        let back = Link::to("/view/send").q("done", "signed_in");
        return PortletError::StepUp { max_age: MAX_AGE, back: Some(back) }.into_response();
    }
    let line = format!("auth_time={} session_start={}", who.auth_time.unwrap_or(0), who.session_start.unwrap_or(0));
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], format!("<p id=\"seen\">{line}</p>")).into_response()
}

fn seen(page: &str, name: &str) -> Result<i64> {
    let start = page.find(&format!("{name}=")).with_context(|| format!("no {name} in {page}"))? + name.len() + 1;
    let digits: String = page[start..].chars().take_while(char::is_ascii_digit).collect();
    Ok(digits.parse()?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_up_through_the_provider_refreshes_auth_time_and_keeps_the_session_start() -> Result<()> {
    let idp = TestIdp::start().await?;

    // The portlet, registered as the stack registers one.
    let mut spec = ClientSpec::new("Diffusion", vec![]);
    spec.id = Some("portlet-broadcast".into());
    spec.first_party = true;
    spec.grant_types = vec!["client_credentials".into()];
    spec.audience = Some(RESOURCE.into());
    idp.register_client(spec).await?;
    let after = Arc::new(AtomicI64::new(0));
    let verifier = Verifier::remote(idp.issuer(), RESOURCE, &idp.url("/jwks"));
    let app = axum::Router::new()
        .route("/view/send", axum::routing::get(view))
        .with_state(Broadcast { verifier, after: after.clone() });
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let portlet_url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    // The portal, registered as the stack registers it.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let portal_url = format!("http://localhost:{}", listener.local_addr()?.port());
    let mut spec = ClientSpec::new("Portail ENT", vec![format!("{portal_url}/callback")]);
    spec.id = Some("portal".into());
    spec.first_party = true;
    spec.grant_types = vec!["authorization_code".into(), "refresh_token".into(), ent::stack::TOKEN_EXCHANGE.into()];
    spec.scopes = ["openid", "profile", "ent", "offline_access"].map(String::from).to_vec();
    let (_, secret) = idp.register_client(spec).await?;
    let mut config =
        PortalConfig::new(Url::parse(idp.issuer())?, "portal", &secret.context("secret")?, Url::parse(&portal_url)?);
    config.portlets = vec![PortletConfig {
        name: "broadcast".into(),
        url: Url::parse(&portlet_url)?,
        resource: RESOURCE.into(),
        title_fr: "Diffusion".into(),
        title_en: "Broadcast".into(),
        profiles: vec![Profile::Director, Profile::Teacher],
    }];
    let db = ent_portal::testing::sqlite().await;
    let portal = ent_portal::serve(listener, PortalState::with_db(config, db.db.clone())?).await?;

    // The teacher signs in at the portal.
    let browser = Browser::with_credentials("enseignant.demo", DEMO_PASSWORD)?;
    let res = browser.http().get(format!("{portal_url}/login")).send().await?;
    let callback = browser.authorize(&Url::parse(res.headers()["location"].to_str()?)?).await?;
    ensure!(browser.http().get(callback).send().await?.status() == StatusCode::SEE_OTHER, "signed in");
    // The portlet takes any sign-in so far: the token's auth_time and session start.
    let page = browser.http().get(format!("{portal_url}/p/broadcast/send")).send().await?.text().await?;
    let (started, signed_in) = (seen(&page, "session_start")?, seen(&page, "auth_time")?);
    assert_eq!(started, signed_in, "a first sign-in starts the session: {page}");

    // Ten minutes later the portlet wants a sign-in made after that one, within five minutes.
    idp.state().clock.advance(600);
    after.store(signed_in, Ordering::SeqCst);
    let res = browser.http().get(format!("{portal_url}/p/broadcast/send")).send().await?;
    ensure!(res.status() == StatusCode::SEE_OTHER, "step-up answered {}", res.status());
    let login = Url::parse(&portal_url)?.join(res.headers()["location"].to_str()?)?;
    assert_eq!(query_param(&login, "max_age").as_deref(), Some("300"));
    assert_eq!(query_param(&login, "return").as_deref(), Some("/p/broadcast/send?done=signed_in"));
    let res = browser.http().get(login).send().await?;
    let authorize = Url::parse(res.headers()["location"].to_str()?)?;
    assert_eq!(query_param(&authorize, "max_age").as_deref(), Some("300"), "the provider is asked max_age");
    let outcome = browser.authorize_detailed(&authorize).await?;
    assert!(outcome.login_form_shown, "the provider asked for the password again");
    let res = browser.http().get(outcome.callback.clone()).send().await?;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/p/broadcast/send?done=signed_in");

    // Back on the portlet's page: a fresh auth_time, the same session start.
    let res = browser.http().get(format!("{portal_url}/p/broadcast/send?done=signed_in")).send().await?;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await?;
    assert_eq!(seen(&page, "session_start")?, started, "{page}");
    assert!(seen(&page, "auth_time")? >= signed_in + 600, "{page}");

    portal.abort();
    db.cleanup().await;
    idp.stop().await;
    Ok(())
}
