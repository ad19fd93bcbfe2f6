//! The demo's school tool: a small relying party built on the `openidconnect` crate, as a
//! school's own tool would link to ENT. It signs in (code flow + PKCE), checks the ID token and
//! the RFC 9207 `iss`, and shows what the tool received: the ID token's claims and UserInfo.
//! It stands in until the portal arrives; it talks to the provider over HTTP only.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl,
    Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::Deserialize;
use tokio::net::TcpListener;

type Client =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

#[derive(Clone)]
pub struct DemoApp {
    issuer: String,
    app_url: String,
    client_id: String,
    client_secret: String,
    http: reqwest::Client,
    /// state → (PKCE verifier, nonce): pending sign-ins of this one demo process.
    pending: Arc<Mutex<HashMap<String, (String, String)>>>,
}

impl DemoApp {
    pub fn new(issuer: &str, app_url: &str, client_id: &str, client_secret: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
        Ok(DemoApp {
            issuer: issuer.into(),
            app_url: app_url.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            http,
            pending: Arc::default(),
        })
    }

    async fn client(&self) -> anyhow::Result<(Client, CoreProviderMetadata)> {
        let meta = CoreProviderMetadata::discover_async(IssuerUrl::new(self.issuer.clone())?, &self.http)
            .await
            .context("discovery failed")?;
        let client = CoreClient::from_provider_metadata(
            meta.clone(),
            ClientId::new(self.client_id.clone()),
            Some(ClientSecret::new(self.client_secret.clone())),
        )
        .set_redirect_uri(RedirectUrl::new(format!("{}/callback", self.app_url))?);
        Ok((client, meta))
    }
}

pub async fn serve(listener: TcpListener, app: DemoApp) -> std::io::Result<()> {
    let router = Router::new()
        .route("/", get(home))
        .route("/login", get(login))
        .route("/callback", get(callback))
        .with_state(app);
    axum::serve(listener, router).await
}

fn page(title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{t}</title><style>body{{font:16px/1.5 system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}}\
         pre{{background:#f4f6fb;padding:1rem;overflow:auto}}a.button{{display:inline-block;padding:.6rem 1.1rem;background:#2457c5;color:#fff;border-radius:.3rem;text-decoration:none}}</style>\
         </head><body><h1>{t}</h1>{body}</body></html>",
        t = escape(title)
    );
    let mut res = Html(html).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
    );
    res
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

async fn home(State(app): State<DemoApp>) -> Response {
    page(
        "Outil de l'école (démo)",
        &format!(
            "<p>Cet outil se connecte à l'ENT ({}) comme le ferait un outil de l'école.</p>\
             <p><a class=\"button\" href=\"/login\">Se connecter avec l'ENT</a></p>",
            escape(&app.issuer)
        ),
    )
}

async fn login(State(app): State<DemoApp>) -> Response {
    let (client, _) = match app.client().await {
        Ok(c) => c,
        Err(e) => return failure(&format!("{e:#}")),
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .add_scopes(["profile", "email", "ent"].map(|s| Scope::new(s.into())))
        .set_pkce_challenge(challenge)
        .url();
    if let Ok(mut pending) = app.pending.lock() {
        if pending.len() > 1000 {
            pending.clear();
        }
        pending.insert(csrf.secret().clone(), (verifier.secret().clone(), nonce.secret().clone()));
    }
    Redirect::to(url.as_str()).into_response()
}

#[derive(Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn callback(State(app): State<DemoApp>, _headers: HeaderMap, Query(cb): Query<Callback>) -> Response {
    if cb.iss.as_deref() != Some(app.issuer.as_str()) {
        return failure("the response does not come from the expected provider (RFC 9207 iss)");
    }
    if let Some(e) = cb.error {
        return failure(&format!("{e}: {}", cb.error_description.unwrap_or_default()));
    }
    let pending = cb.state.as_ref().and_then(|s| app.pending.lock().ok().and_then(|mut p| p.remove(s)));
    let (Some((verifier, nonce)), Some(code)) = (pending, cb.code) else {
        return failure("unknown or reused state");
    };
    match finish(&app, code, verifier, nonce).await {
        Ok(body) => page("Connecté", &body),
        Err(e) => failure(&format!("{e:#}")),
    }
}

async fn finish(app: &DemoApp, code: String, verifier: String, nonce: String) -> anyhow::Result<String> {
    let (client, meta) = app.client().await?;
    let token = client
        .exchange_code(AuthorizationCode::new(code))?
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(&app.http)
        .await
        .context("code exchange failed")?;
    let id_token = token.id_token().context("no ID token")?;
    let claims = id_token.claims(&client.id_token_verifier(), &Nonce::new(nonce)).context("ID token refused")?;
    let userinfo_url = meta.userinfo_endpoint().context("no userinfo endpoint")?.url().clone();
    let userinfo: serde_json::Value = app
        .http
        .get(userinfo_url)
        .bearer_auth(token.access_token().secret())
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let logout = format!(
        "{}/logout?id_token_hint={}&post_logout_redirect_uri={}",
        app.issuer,
        id_token,
        url::form_urlencoded::byte_serialize(format!("{}/", app.app_url).as_bytes()).collect::<String>()
    );
    Ok(format!(
        "<p>ID token checked (signature, issuer, audience, nonce). Subject seen by this tool (pairwise): <code>{}</code></p>\
         <h2>UserInfo</h2><pre>{}</pre><p><a class=\"button\" href=\"{}\">Se déconnecter</a></p>",
        escape(claims.subject().as_str()),
        escape(&serde_json::to_string_pretty(&userinfo)?),
        escape(&logout)
    ))
}

fn failure(msg: &str) -> Response {
    let mut res = page("Erreur", &format!("<p>{}</p><p><a href=\"/\">Recommencer</a></p>", escape(msg)));
    *res.status_mut() = StatusCode::BAD_REQUEST;
    res
}
