//! The whole workspace for a test or a benchmark: a provider with the demo directory
//! ([`TestIdp`]) and, around it, the portal and the portlets started by `ent::stack` exactly as
//! `ent demo` starts them (their SQLite files in a temporary folder, removed afterwards), with
//! the sign-in of a person at the portal through the provider's real login page.

use anyhow::{Result, ensure};
use ent::stack::{self, Stack, StackOptions};
use reqwest::StatusCode;
use url::Url;

use crate::{Browser, DEMO_PASSWORD, TestIdp, query_param};

/// The provider, the portal and the portlets, running.
pub struct Workspace {
    pub idp: TestIdp,
    pub stack: Stack,
    data: TempDir,
}

/// A folder removed when dropped.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Workspace {
    /// Everything on free ports; the portal waits `deadline_ms` for each portlet's fragment.
    pub async fn start(deadline_ms: u64) -> Result<Workspace> {
        Workspace::around(TestIdp::start().await?, deadline_ms).await
    }

    /// The portal and the portlets around a provider already started.
    pub async fn around(idp: TestIdp, deadline_ms: u64) -> Result<Workspace> {
        let data = TempDir(std::env::temp_dir().join(format!("ent-e2e-workspace-{}", crate::random_suffix())));
        let stack = stack::start(
            idp.state(),
            &StackOptions {
                data: data.0.clone(),
                host: "localhost".into(),
                portal_port: 0,
                portlet_ports: stack::free_ports(),
                idp_url: idp.base_url().to_string(),
                fragment_deadline_ms: Some(deadline_ms),
                demo: None,
                mail: None,
            },
        )
        .await?;
        Ok(Workspace { idp, stack, data })
    }

    pub fn portal_url(&self) -> &str {
        &self.stack.portal_url
    }

    /// Signs in at the portal as a browser would: the portal's `/login` → the provider's login
    /// page (the password typed) → the portal's callback. The demo password is used.
    pub async fn sign_in(&self, login: &str) -> Result<Browser> {
        self.sign_in_with(login, DEMO_PASSWORD).await
    }

    pub async fn sign_in_with(&self, login: &str, password: &str) -> Result<Browser> {
        let browser = Browser::with_credentials(login, password)?;
        let res = self.sign_in_again(&browser, "").await?;
        ensure!(res.status() == StatusCode::SEE_OTHER, "the callback answered {}: {}", res.status(), res.text().await?);
        Ok(browser)
    }

    /// One sign-in at the portal, `/login{query}` → the provider → the portal's callback, and the
    /// callback's answer as it came (not followed). A browser already signed in at the provider
    /// goes through without a login page, so this costs one authorization round-trip.
    pub async fn sign_in_again(&self, browser: &Browser, query: &str) -> Result<reqwest::Response> {
        let res = browser.http().get(format!("{}/login{query}", self.stack.portal_url)).send().await?;
        ensure!(res.status() == StatusCode::SEE_OTHER, "portal /login answered {}", res.status());
        let authorize = Url::parse(res.headers()["location"].to_str()?)?;
        ensure!(authorize.as_str().starts_with(self.idp.issuer()), "the portal sent the browser to {authorize}");
        let callback = browser.authorize(&authorize).await?;
        ensure!(query_param(&callback, "iss").as_deref() == Some(self.idp.issuer()), "no iss in {callback}");
        Ok(browser.http().get(callback).send().await?)
    }

    /// The portal's home page as this browser sees it.
    pub async fn home(&self, browser: &Browser) -> Result<(StatusCode, String)> {
        let res = browser.http().get(format!("{}/", self.stack.portal_url)).send().await?;
        Ok((res.status(), res.text().await?))
    }

    /// Stops the services and removes their data.
    pub async fn stop(self) {
        let Workspace { idp, stack, data } = self;
        stack.abort();
        idp.stop().await;
        drop(data);
    }
}
