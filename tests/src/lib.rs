//! Helpers shared by the end-to-end tests: a provider started on a free port with the demo
//! directory in it ([`TestIdp`]), a small scripted browser that logs in through the real HTML
//! forms ([`Browser`]), the whole workspace around it (`workspace::Workspace`: portal and
//! portlets as `ent demo` starts them), and raw OAuth requests (PKCE pairs, token, revocation and userinfo
//! calls) for tests that want to see the wire.
//!
//! ```ignore
//! let idp = TestIdp::start().await?;
//! let client = idp.confidential_client(true).await?;
//! let browser = idp.browser("eleve.demo")?;
//! let grant = idp.authorize_code(&browser, &client, ALL_SCOPES).await?;
//! let tokens = idp.redeem_code(&client, &grant).await?.ok()?;
//! ```

pub mod browser;
pub mod node;
pub mod workspace;

use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use ent_directory_sync::generate::{DemoAccount, GenerateOptions, Generated, generate};
use ent_idp::admin::{ClientSpec, register_client};
use ent_idp::app::Server;
use ent_idp::store::directory::Person;
use ent_idp::testing::DbGuard;
use ent_idp::{AppState, Config};
use reqwest::header::{ORIGIN, REFERER};
use reqwest::redirect::Policy;
use serde_json::Value;
use tokio::net::TcpListener;
use url::Url;

pub use ent_idp::jose::Alg;

/// A random suffix for names of temporary things.
pub fn random_suffix() -> String {
    ent_idp::secret::new_id()
}
pub use reqwest::StatusCode;

/// The password every demo account gets in tests.
pub const DEMO_PASSWORD: &str = "cartable-bleu-42";

/// Every scope a test client is registered with (and usually asks for).
pub const ALL_SCOPES: &str = "openid profile email ent offline_access";

/// The relying party's (never contacted) origin: redirect URIs live there.
pub const RP_ORIGIN: &str = "http://localhost:8089";

/// How long any single HTTP exchange of a test may take.
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// How many pages and redirects a browser flow may go through before giving up.
const MAX_STEPS: usize = 12;

/// How to start a [`TestIdp`].
#[derive(Clone, Debug, Default)]
pub struct StartOptions {
    /// `sqlite://…` or `postgres://…`; `None`: a fresh SQLite file, removed with the provider.
    pub database_url: Option<String>,
    /// The issuer string; `None`: `http://localhost:<port>` of this instance's own listener.
    /// Give another instance's issuer to run a second instance of the same provider.
    pub issuer: Option<String>,
    /// Skip importing the demo directory and setting the demo passwords (a second instance on
    /// an already seeded database).
    pub skip_seed: bool,
    /// Directories whose people log in by LDAP bind.
    pub ldap_login: Vec<ent_idp::ldap_login::LdapLoginSource>,
}

/// A running provider, in the spirit of zero-to-production's `TestApp`.
pub struct TestIdp {
    server: Server,
    issuer: String,
    base_url: String,
    generated: Generated,
    http: reqwest::Client,
    guard: Option<DbGuard>,
}

impl Drop for TestIdp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A client registered for a test.
#[derive(Clone, Debug)]
pub struct TestClient {
    pub id: String,
    /// `None` for a public client.
    pub secret: Option<String>,
    pub redirect_uri: String,
    pub post_logout_redirect_uri: String,
    pub first_party: bool,
}

impl TestClient {
    pub fn is_public(&self) -> bool {
        self.secret.is_none()
    }
}

/// A PKCE pair (RFC 7636, S256).
#[derive(Clone, Debug)]
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    /// A fresh verifier of 43 characters and its S256 challenge.
    pub fn new() -> Self {
        let verifier = ent_idp::secret::random_token(32);
        let challenge = ent_idp::secret::pkce_s256(&verifier);
        Pkce { verifier, challenge }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

/// What a browser authorization produced, with what the request that asked for it needs to
/// redeem it.
#[derive(Clone, Debug)]
pub struct CodeGrant {
    pub code: String,
    pub pkce: Pkce,
    pub state: String,
    pub nonce: String,
    pub redirect_uri: String,
    pub outcome: AuthOutcome,
}

/// An HTTP answer: its status and its JSON body (`Null` when empty or not JSON).
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub json: Value,
    pub text: String,
}

impl Reply {
    async fn read(res: reqwest::Response) -> Result<Reply> {
        let status = res.status();
        let text = res.text().await.context("reading a response body")?;
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok(Reply { status, json, text })
    }

    /// The JSON body of a 2xx answer, or an error that shows the answer.
    pub fn ok(self) -> Result<Value> {
        ensure!(self.status.is_success(), "expected success, got {}: {}", self.status, self.text);
        Ok(self.json)
    }

    /// The OAuth `error` code of the body, if any.
    pub fn error(&self) -> Option<&str> {
        self.json.get("error").and_then(Value::as_str)
    }

    /// A string member of the JSON body.
    pub fn str(&self, key: &str) -> Result<String> {
        json_str(&self.json, key)
    }
}

/// A string member of a JSON object.
pub fn json_str(v: &Value, key: &str) -> Result<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned).with_context(|| format!("no string {key:?} in {v}"))
}

/// The one PHC string all demo accounts share (argon2 is slow on purpose: hash once).
fn demo_phc() -> Result<String> {
    static PHC: OnceLock<String> = OnceLock::new();
    if let Some(phc) = PHC.get() {
        return Ok(phc.clone());
    }
    let phc = ent_idp::password::hash_blocking(DEMO_PASSWORD).context("hashing the demo password")?;
    Ok(PHC.get_or_init(|| phc).clone())
}

/// A plain HTTP client for API calls: no cookies, no redirects followed.
pub fn api_client() -> Result<reqwest::Client> {
    reqwest::Client::builder().redirect(Policy::none()).timeout(HTTP_TIMEOUT).build().context("building an HTTP client")
}

impl TestIdp {
    /// A provider on a fresh SQLite database, seeded with the demo directory.
    pub async fn start() -> Result<TestIdp> {
        Self::start_with(StartOptions::default()).await
    }

    /// A provider on the given database (which the caller created and will remove), seeded.
    pub async fn start_with_db_url(url: &str) -> Result<TestIdp> {
        Self::start_with(StartOptions { database_url: Some(url.to_string()), ..StartOptions::default() }).await
    }

    pub async fn start_with(opts: StartOptions) -> Result<TestIdp> {
        let listener = TcpListener::bind("127.0.0.1:0").await.context("binding 127.0.0.1:0")?;
        let addr = listener.local_addr().context("reading the bound address")?;
        // localhost, not 127.0.0.1: passkeys (WebAuthn) refuse IP addresses as relying parties.
        let base_url = format!("http://localhost:{}", addr.port());
        let issuer = opts.issuer.clone().unwrap_or_else(|| base_url.clone());
        let (database_url, guard) = match opts.database_url {
            Some(url) => (url, None),
            None => {
                let (url, guard) = ent_idp::testing::sqlite_shared_url();
                (url, Some(guard))
            }
        };
        let mut config =
            Config::new(Url::parse(&issuer).with_context(|| format!("issuer {issuer:?}"))?, database_url.clone());
        config.listen = addr;
        config.ldap_login = opts.ldap_login.clone();
        // These tests sign in by scripted HTTP, with passwords: nobody is made to register a
        // passkey (the passkey flows have their own tests in idp/tests and passkeys_browser.rs).
        config.passkey_policy = ent_idp::passkey::PasskeyPolicy::uniform(ent_idp::passkey::Requirement::Offered);
        let state = AppState::init(config).await.with_context(|| format!("starting the provider on {database_url}"))?;
        let generated = generate(&GenerateOptions::default());
        if !opts.skip_seed {
            state.directory.import(&generated.snapshot).await.context("importing the demo directory")?;
            let phc = demo_phc()?;
            for account in &generated.demo_accounts {
                state
                    .directory
                    .set_password(&account.person_id, &phc)
                    .await
                    .with_context(|| format!("setting the password of {}", account.login))?;
            }
        }
        let server = ent_idp::app::serve(listener, state).await.context("serving the provider")?;
        Ok(TestIdp {
            server,
            issuer: issuer.trim_end_matches('/').to_string(),
            base_url,
            generated,
            http: api_client()?,
            guard,
        })
    }

    /// Stops serving, closes the database pool and removes the database this provider created
    /// (dropping the `TestIdp` does the same, without waiting).
    pub async fn stop(mut self) {
        self.server.abort();
        self.server.state.db.pool.close().await;
        if let Some(guard) = self.guard.take() {
            guard.cleanup().await;
        }
    }

    /// The issuer string (`iss` of every token), without a trailing slash.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// This instance's own listener (`http://localhost:<port>`); the issuer unless another was
    /// given.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// An absolute URL on this instance's listener.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn state(&self) -> &AppState {
        &self.server.state
    }

    pub fn server(&self) -> &Server {
        &self.server
    }

    /// The generated demo directory (the same on every instance: the generator is seeded).
    pub fn directory(&self) -> &Generated {
        &self.generated
    }

    pub fn demo_account(&self, login: &str) -> Result<&DemoAccount> {
        self.generated
            .demo_accounts
            .iter()
            .find(|a| a.login == login)
            .with_context(|| format!("no demo account {login}"))
    }

    /// A person as the provider's directory has them.
    pub async fn person(&self, login: &str) -> Result<Person> {
        self.state().directory.person_by_login(login).await?.with_context(|| format!("no person with login {login}"))
    }

    /// The public subject of a person (what first-party clients see).
    pub async fn public_sub(&self, login: &str) -> Result<String> {
        Ok(self.person(login).await?.public_sub)
    }

    /// Public subjects of the children of a person, from the directory.
    pub async fn children_public_subs(&self, login: &str) -> Result<Vec<String>> {
        let parent = self.person(login).await?;
        let mut subs = Vec::new();
        for (p, child, _) in &self.generated.snapshot.guardianships {
            if *p == parent.id {
                let child =
                    self.state().directory.person(child).await?.with_context(|| format!("child {child} missing"))?;
                subs.push(child.public_sub);
            }
        }
        subs.sort();
        Ok(subs)
    }

    /// A browser that logs in as a demo account.
    pub fn browser(&self, login: &str) -> Result<Browser> {
        Browser::with_credentials(login, DEMO_PASSWORD)
    }

    // ----- Clients -----

    /// The usual test registration: all scopes, redirect `RP_ORIGIN/callback`, post-logout
    /// `RP_ORIGIN/bye`, authorization_code + refresh_token (+ client_credentials when
    /// confidential), RS256 ID tokens, a generated id.
    pub fn client_spec(&self, public: bool, first_party: bool) -> ClientSpec {
        let mut spec = ClientSpec::new(
            if first_party { "Portail (test)" } else { "Outil d'école (test)" },
            vec![format!("{RP_ORIGIN}/callback")],
        );
        spec.post_logout_redirect_uris = vec![format!("{RP_ORIGIN}/bye")];
        spec.public = public;
        spec.first_party = first_party;
        spec.scopes = ALL_SCOPES.split(' ').map(str::to_owned).collect();
        spec.grant_types = vec!["authorization_code".into(), "refresh_token".into()];
        if !public {
            spec.grant_types.push("client_credentials".into());
        }
        spec
    }

    /// Registers a client; returns its id and, for a confidential client, its secret.
    pub async fn register_client(&self, spec: ClientSpec) -> Result<(String, Option<String>)> {
        let state = self.state();
        let registered = register_client(&state.clients, &state.audit, spec).await.context("registering a client")?;
        Ok((registered.client.id, registered.secret))
    }

    /// Registers a client and keeps what a test needs to use it.
    pub async fn add_client(&self, spec: ClientSpec) -> Result<TestClient> {
        let redirect_uri = spec.redirect_uris.first().cloned().context("a client without a redirect URI")?;
        let post_logout_redirect_uri = spec.post_logout_redirect_uris.first().cloned().unwrap_or_default();
        let first_party = spec.first_party;
        let (id, secret) = self.register_client(spec).await?;
        Ok(TestClient { id, secret, redirect_uri, post_logout_redirect_uri, first_party })
    }

    /// A confidential client (`client_secret_basic`), first-party (public `sub`, no consent) or
    /// third-party (pairwise `sub`, consent).
    pub async fn confidential_client(&self, first_party: bool) -> Result<TestClient> {
        self.add_client(self.client_spec(false, first_party)).await
    }

    /// A confidential client whose ID tokens are signed with `alg`.
    pub async fn confidential_client_with_alg(&self, first_party: bool, alg: Alg) -> Result<TestClient> {
        let mut spec = self.client_spec(false, first_party);
        spec.id_token_alg = alg;
        self.add_client(spec).await
    }

    /// A public client (no secret, PKCE only): a third-party single-page app.
    pub async fn public_client(&self) -> Result<TestClient> {
        self.add_client(self.client_spec(true, false)).await
    }

    // ----- Authorization -----

    /// An authorization URL on this instance's listener.
    pub fn authorization_url(
        &self,
        client: &TestClient,
        scope: &str,
        pkce: &Pkce,
        state: &str,
        nonce: &str,
        extra: &[(&str, &str)],
    ) -> Result<Url> {
        let mut url = Url::parse(&self.url("/authorize"))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &client.id)
            .append_pair("redirect_uri", &client.redirect_uri)
            .append_pair("scope", scope)
            .append_pair("state", state)
            .append_pair("nonce", nonce)
            .append_pair("code_challenge", &pkce.challenge)
            .append_pair("code_challenge_method", "S256")
            .extend_pairs(extra);
        Ok(url)
    }

    /// Runs an authorization request through the browser (log in, consent) on this instance's
    /// listener and returns the code, checking `state` and `iss` (RFC 9207) on the way back.
    /// Browser flows must go through an instance whose listener is the issuer's origin (the
    /// forms check `Origin` against the issuer).
    pub async fn authorize_code(&self, browser: &Browser, client: &TestClient, scope: &str) -> Result<CodeGrant> {
        let pkce = Pkce::new();
        let state = ent_idp::secret::random_token(12);
        let nonce = ent_idp::secret::random_token(12);
        let url = self.authorization_url(client, scope, &pkce, &state, &nonce, &[])?;
        let outcome = browser.authorize_detailed(&url).await?;
        let code = outcome.code()?;
        ensure!(
            query_param(&outcome.callback, "state").as_deref() == Some(state.as_str()),
            "state not returned intact: {}",
            outcome.callback
        );
        ensure!(
            query_param(&outcome.callback, "iss").as_deref() == Some(self.issuer()),
            "iss (RFC 9207) is not {}: {}",
            self.issuer(),
            outcome.callback
        );
        Ok(CodeGrant { code, pkce, state, nonce, redirect_uri: client.redirect_uri.clone(), outcome })
    }

    // ----- Raw OAuth requests (on this instance's listener) -----

    /// POST /token with the client's authentication (HTTP Basic, or `client_id` for a public
    /// client) and the given parameters.
    pub async fn token(&self, client: &TestClient, params: &[(&str, &str)]) -> Result<Reply> {
        post_with_client(&self.http, &self.url("/token"), client, params).await
    }

    pub async fn redeem_code(&self, client: &TestClient, grant: &CodeGrant) -> Result<Reply> {
        self.token(
            client,
            &[
                ("grant_type", "authorization_code"),
                ("code", &grant.code),
                ("redirect_uri", &grant.redirect_uri),
                ("code_verifier", &grant.pkce.verifier),
            ],
        )
        .await
    }

    pub async fn refresh(&self, client: &TestClient, refresh_token: &str) -> Result<Reply> {
        self.token(client, &[("grant_type", "refresh_token"), ("refresh_token", refresh_token)]).await
    }

    /// POST /revoke (RFC 7009).
    pub async fn revoke(&self, client: &TestClient, token: &str) -> Result<Reply> {
        post_with_client(&self.http, &self.url("/revoke"), client, &[("token", token)]).await
    }

    /// POST /introspect (RFC 7662).
    pub async fn introspect(&self, client: &TestClient, token: &str) -> Result<Reply> {
        post_with_client(&self.http, &self.url("/introspect"), client, &[("token", token)]).await
    }

    /// GET /userinfo with a bearer token.
    pub async fn userinfo(&self, access_token: &str) -> Result<Reply> {
        let res =
            self.http.get(self.url("/userinfo")).bearer_auth(access_token).send().await.context("GET /userinfo")?;
        Reply::read(res).await
    }

    /// GET a path of this instance.
    pub async fn get(&self, path: &str) -> Result<Reply> {
        let res = self.http.get(self.url(path)).send().await.with_context(|| format!("GET {path}"))?;
        Reply::read(res).await
    }

    /// Verifies a JWT with the keys this instance holds now (any supported algorithm) and
    /// returns its claims; `iss`, `exp` and `aud` are not checked.
    pub fn verify_jwt(&self, token: &str) -> Result<Value> {
        let keys = self.state().keys.get();
        let (_, claims) = ent_idp::jose::verify(token, keys.verifiers(), &Alg::ALL)
            .map_err(|e| anyhow::anyhow!("JWT does not verify: {e}"))?;
        Ok(claims)
    }
}

/// POST a form to a token-endpoint-like URL, authenticated as the client.
pub async fn post_with_client(
    http: &reqwest::Client,
    url: &str,
    client: &TestClient,
    params: &[(&str, &str)],
) -> Result<Reply> {
    let mut form: Vec<(&str, &str)> = params.to_vec();
    let mut req = http.post(url);
    match &client.secret {
        Some(secret) => req = req.basic_auth(&client.id, Some(secret)),
        None => form.push(("client_id", &client.id)),
    }
    let res = req.form(&form).send().await.with_context(|| format!("POST {url}"))?;
    Reply::read(res).await
}

/// The unverified header and claims of a compact JWS.
pub fn jwt_parts(token: &str) -> Result<(Value, Value)> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        bail!("not a compact JWS: {token}");
    };
    let decode = |s: &str| -> Result<Value> {
        let bytes = ent_idp::jose::b64url_decode(s).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(serde_json::from_slice(&bytes)?)
    };
    Ok((decode(h)?, decode(p)?))
}

/// The value of a query parameter.
pub fn query_param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

// ----- The browser -----

/// What the browser answers on a consent page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny,
}

/// A scripted browser: a cookie jar, no automatic redirects (it follows them itself, on the
/// provider's origin only), and the real login and consent forms.
pub struct Browser {
    http: reqwest::Client,
    credentials: Option<(String, String)>,
    decision: Decision,
}

/// Where an authorization ended, and which pages it went through.
#[derive(Clone, Debug)]
pub struct AuthOutcome {
    /// The redirect to the client's redirect URI (with `code` or `error`, `state`, `iss`).
    pub callback: Url,
    pub login_form_shown: bool,
    pub consent_shown: bool,
}

impl AuthOutcome {
    /// The code, or an error naming the OAuth error the provider sent back.
    pub fn code(&self) -> Result<String> {
        if let Some(e) = query_param(&self.callback, "error") {
            bail!(
                "authorization failed: {e}: {}",
                query_param(&self.callback, "error_description").unwrap_or_default()
            );
        }
        query_param(&self.callback, "code").with_context(|| format!("no code in {}", self.callback))
    }
}

impl Browser {
    /// A browser with an empty cookie jar and no credentials (it fails on a login form).
    pub fn new() -> Result<Browser> {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .timeout(HTTP_TIMEOUT)
            .build()
            .context("building the browser's HTTP client")?;
        Ok(Browser { http, credentials: None, decision: Decision::Allow })
    }

    /// A browser that types these credentials into login forms.
    pub fn with_credentials(login: &str, password: &str) -> Result<Browser> {
        let mut b = Browser::new()?;
        b.credentials = Some((login.to_string(), password.to_string()));
        Ok(b)
    }

    /// What to answer on consent pages (allow by default).
    pub fn set_decision(&mut self, decision: Decision) {
        self.decision = decision;
    }

    /// The underlying HTTP client (with the cookie jar).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Follows an authorization URL to the redirect back to the client and returns that URL.
    pub async fn authorize(&self, url: &Url) -> Result<Url> {
        Ok(self.authorize_detailed(url).await?.callback)
    }

    /// Like [`authorize`](Self::authorize), also saying which pages were shown.
    pub async fn authorize_detailed(&self, url: &Url) -> Result<AuthOutcome> {
        let redirect_uri = query_param(url, "redirect_uri").context("the authorization URL has no redirect_uri")?;
        let redirect = Url::parse(&redirect_uri).context("redirect_uri is not a URL")?;
        let provider = url.origin();
        let mut login_form_shown = false;
        let mut consent_shown = false;
        let mut current = url.clone();
        let mut res = self.http.get(url.clone()).send().await.with_context(|| format!("GET {url}"))?;
        for _ in 0..MAX_STEPS {
            if res.status().is_redirection() {
                let location = res
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .with_context(|| format!("{} without Location at {current}", res.status()))?;
                let next = current.join(location).with_context(|| format!("bad Location {location:?}"))?;
                if next.origin() == redirect.origin() && next.path() == redirect.path() {
                    return Ok(AuthOutcome { callback: next, login_form_shown, consent_shown });
                }
                ensure!(next.origin() == provider, "redirected away from the provider, to {next}");
                res = self.http.get(next.clone()).send().await.with_context(|| format!("GET {next}"))?;
                current = next;
                continue;
            }
            let status = res.status();
            let html = res.text().await.context("reading a page")?;
            ensure!(status == StatusCode::OK, "the provider answered {status} at {current}: {}", page_text(&html));
            let forms = parse_forms(&html);
            if let Some(form) = forms.iter().find(|f| f.field("password").is_some()) {
                ensure!(!login_form_shown, "the login form came back after submitting it: {}", page_text(&html));
                let (login, password) =
                    self.credentials.as_ref().context("a login form, but this browser has no credentials")?;
                let mut data = form.hidden_values();
                data.push(("login".into(), login.clone()));
                data.push(("password".into(), password.clone()));
                login_form_shown = true;
                let (action, r) = self.submit(&current, form, &data).await?;
                current = action;
                res = r;
            } else if let Some(form) = forms.iter().find(|f| f.button("decision").is_some()) {
                ensure!(!consent_shown, "the consent page came back after answering it");
                let mut data = form.hidden_values();
                let answer = match self.decision {
                    Decision::Allow => "allow",
                    Decision::Deny => "deny",
                };
                ensure!(
                    form.fields.iter().any(|f| f.name == "decision" && f.value == answer),
                    "the consent form has no {answer} button"
                );
                data.push(("decision".into(), answer.into()));
                consent_shown = true;
                let (action, r) = self.submit(&current, form, &data).await?;
                current = action;
                res = r;
            } else {
                bail!("unexpected page at {current} (neither login nor consent): {}", page_text(&html));
            }
        }
        bail!("no redirect to {redirect} after {MAX_STEPS} steps (last: {current})")
    }

    /// Posts a form like a browser would: to its action, with `Origin` and `Referer`.
    async fn submit(&self, page: &Url, form: &Form, data: &[(String, String)]) -> Result<(Url, reqwest::Response)> {
        ensure!(form.method.eq_ignore_ascii_case("post"), "form method {}", form.method);
        let action = page.join(&form.action).with_context(|| format!("bad form action {:?}", form.action))?;
        let res = self
            .http
            .post(action.clone())
            .header(ORIGIN, page.origin().ascii_serialization())
            .header(REFERER, page.as_str())
            .form(data)
            .send()
            .await
            .with_context(|| format!("POST {action}"))?;
        Ok((action, res))
    }
}

// ----- Minimal HTML forms -----

/// A form of a page: its action, method and controls (inputs and buttons).
#[derive(Clone, Debug, Default)]
pub struct Form {
    pub action: String,
    pub method: String,
    pub fields: Vec<Field>,
}

/// An `<input>` or `<button>` with its (unescaped) attributes.
#[derive(Clone, Debug, Default)]
pub struct Field {
    /// `input` or `button`.
    pub tag: String,
    /// The `type` attribute (`text` for inputs and `submit` for buttons when absent).
    pub kind: String,
    pub name: String,
    pub value: String,
}

impl Form {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.tag == "input" && f.name == name)
    }

    pub fn button(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.tag == "button" && f.name == name)
    }

    /// The names and values of the hidden inputs.
    pub fn hidden_values(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .filter(|f| f.tag == "input" && f.kind == "hidden" && !f.name.is_empty())
            .map(|f| (f.name.clone(), f.value.clone()))
            .collect()
    }
}

/// One tag: its lower-case name (`/form` for a closing tag) and attributes.
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// The tags of an HTML document, in order (text, comments and doctype skipped).
fn scan_tags(html: &str) -> Vec<Tag> {
    let chars: Vec<char> = html.chars().collect();
    let mut tags = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '<' {
            i += 1;
            continue;
        }
        if chars[i..].starts_with(&['<', '!', '-', '-']) {
            // Comment: skip to `-->`.
            let mut j = i + 4;
            while j < chars.len() && !chars[j..].starts_with(&['-', '-', '>']) {
                j += 1;
            }
            i = j + 3;
            continue;
        }
        i += 1;
        let mut name = String::new();
        while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '/') {
            name.push(chars[i].to_ascii_lowercase());
            i += 1;
        }
        let mut attrs = Vec::new();
        loop {
            while i < chars.len() && (chars[i].is_whitespace() || chars[i] == '/') {
                i += 1;
            }
            if i >= chars.len() || chars[i] == '>' {
                i += 1;
                break;
            }
            let mut key = String::new();
            while i < chars.len() && !chars[i].is_whitespace() && !"=>/".contains(chars[i]) {
                key.push(chars[i].to_ascii_lowercase());
                i += 1;
            }
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            let mut value = String::new();
            if i < chars.len() && chars[i] == '=' {
                i += 1;
                while i < chars.len() && chars[i].is_whitespace() {
                    i += 1;
                }
                if i < chars.len() && (chars[i] == '"' || chars[i] == '\'') {
                    let quote = chars[i];
                    i += 1;
                    while i < chars.len() && chars[i] != quote {
                        value.push(chars[i]);
                        i += 1;
                    }
                    i += 1;
                } else {
                    while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '>' {
                        value.push(chars[i]);
                        i += 1;
                    }
                }
            }
            if key.is_empty() {
                // Not an attribute: skip the odd character.
                i += 1;
                continue;
            }
            attrs.push((key, html_unescape(&value)));
        }
        if !name.is_empty() && name != "/" {
            tags.push(Tag { name, attrs });
        }
    }
    tags
}

/// The forms of a page with their inputs and buttons.
pub fn parse_forms(html: &str) -> Vec<Form> {
    let mut forms = Vec::new();
    let mut current: Option<Form> = None;
    for tag in scan_tags(html) {
        match tag.name.as_str() {
            "form" => {
                if let Some(f) = current.take() {
                    forms.push(f);
                }
                current = Some(Form {
                    action: tag.attr("action").unwrap_or("").to_string(),
                    method: tag.attr("method").unwrap_or("get").to_string(),
                    fields: Vec::new(),
                });
            }
            "/form" => {
                if let Some(f) = current.take() {
                    forms.push(f);
                }
            }
            "input" | "button" => {
                if let Some(f) = current.as_mut() {
                    let default_kind = if tag.name == "input" { "text" } else { "submit" };
                    f.fields.push(Field {
                        kind: tag.attr("type").unwrap_or(default_kind).to_lowercase(),
                        name: tag.attr("name").unwrap_or("").to_string(),
                        value: tag.attr("value").unwrap_or("").to_string(),
                        tag: tag.name,
                    });
                }
            }
            _ => {}
        }
    }
    if let Some(f) = current {
        forms.push(f);
    }
    forms
}

/// Decodes the character references askama writes (`&amp; &lt; &gt; &quot; &#x27; &#39;`), and
/// numeric references in general.
pub fn html_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        let decoded = rest.find(';').and_then(|end| {
            let entity = &rest[1..end];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The visible text of a page (tags dropped, whitespace collapsed, cut at 600 characters), for
/// error messages.
pub fn page_text(html: &str) -> String {
    let body = html.find("<body").map_or(html, |i| &html[i..]);
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = html_unescape(&text.split_whitespace().collect::<Vec<_>>().join(" "));
    text.chars().take(600).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_escapes() {
        let html = r#"<!doctype html><html><body><!-- <form action="/no"> -->
<form method="post" action="/login?x=1&amp;y=2">
  <input type="hidden" name="csrf" value="a&amp;b&quot;c&#x27;d&lt;&gt;&#39;">
  <input type=hidden name=req value=R1>
  <input id="login" name="login" type="text" value="" required autofocus>
  <input name="password" type="password" required>
  <button type="submit" name="decision" value="allow">OK</button>
  <button name="decision" value="deny" class="secondary">Non</button>
</form></body></html>"#;
        let forms = parse_forms(html);
        assert_eq!(forms.len(), 1);
        let f = &forms[0];
        assert_eq!(f.action, "/login?x=1&y=2");
        assert_eq!(f.method, "post");
        assert_eq!(
            f.hidden_values(),
            vec![("csrf".to_string(), "a&b\"c'd<>'".to_string()), ("req".to_string(), "R1".to_string())]
        );
        assert!(f.field("password").is_some());
        assert_eq!(f.button("decision").map(|b| b.kind.as_str()), Some("submit"));
        assert_eq!(f.fields.iter().filter(|x| x.tag == "button").count(), 2);
    }

    #[test]
    fn unescape_leaves_stray_ampersands() {
        assert_eq!(html_unescape("a & b &zz; &#233;"), "a & b &zz; é");
        assert_eq!(page_text("<body><p>Hello&nbsp;<b>you</b></p></body>"), "Hello\u{a0} you");
    }
}
