//! An in-process provider for protocol tests: a fresh SQLite database, a tiny directory (one
//! school, a teacher, a pupil and her parent), three clients, and an HTTP client that behaves
//! like a browser (cookies kept, redirects not followed, so that every hop can be checked).

use std::time::Duration;

use ent_idp::admin::{ClientSpec, Registered, register_client};
use ent_idp::app::{Server, serve};
use ent_idp::config::Config;
use ent_idp::model::Profile;
use ent_idp::state::AppState;
use ent_idp::store::directory::{Class, ClassRole, Person, School, Snapshot};
use ent_idp::testing::{self, TestDb};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::net::TcpListener;
use url::Url;

// ----- Fixtures -----

/// Confidential, first-party (no consent, public `sub`).
pub const PORTAL: &str = "portal";
pub const PORTAL_CB: &str = "http://localhost:9999/callback";
pub const PORTAL_BYE: &str = "http://localhost:9999/bye";
/// Confidential, third-party (consent, pairwise `sub`).
pub const TOOL: &str = "tool";
pub const TOOL_CB: &str = "https://tool.example/cb";
/// Public (no secret), first-party.
pub const SPA: &str = "spa";
pub const SPA_CB: &str = "http://127.0.0.1:8888/cb";

pub const TEACHER: &str = "marie.curie";
pub const TEACHER_PW: &str = "tableau-noir-1867";
pub const PUPIL: &str = "lea.martin";
pub const PUPIL_PW: &str = "cartable-bleu-42";
pub const PARENT: &str = "paul.martin";
pub const PARENT_PW: &str = "cahier-de-liaison-7";

/// Confidential, first-party, client credentials only: a portlet, also a resource server.
pub const HOMEWORK: &str = "portlet-homework";
pub const HOMEWORK_RESOURCE: &str = "urn:ent:portlet:homework";

/// The provider's directory API (the default `directory_resource`), which the portlet reads.
pub const DIRECTORY_RESOURCE: &str = "urn:ent:directory";

/// RFC 8693 token exchange, which the portal may use.
pub const EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// A login that names nobody.
pub const NOBODY: &str = "personne.inconnue";

fn person(id: &str, login: &str, profile: Profile, disabled: bool) -> Person {
    Person {
        id: id.into(),
        public_sub: format!("sub-{id}"),
        login: login.into(),
        profile,
        given_name: format!("Given-{id}"),
        family_name: format!("Family-{id}"),
        email: (!profile.is_minor()).then(|| format!("{id}@example.org")),
        external_id: None,
        disabled,
    }
}

fn snapshot() -> Snapshot {
    Snapshot {
        schools: vec![School {
            id: "s1".into(),
            uai: "0750001A".into(),
            name: "École Jules Ferry".into(),
            external_id: None,
            city: None,
        }],
        classes: vec![Class {
            id: "c1".into(),
            school_id: "s1".into(),
            name: "CM1-A".into(),
            level: Some("CM1".into()),
            external_id: None,
        }],
        people: vec![
            person("t1", TEACHER, Profile::Teacher, false),
            person("p1", PUPIL, Profile::Pupil, false),
            person("g1", PARENT, Profile::Parent, false),
        ],
        person_schools: vec![("t1".into(), "s1".into()), ("p1".into(), "s1".into()), ("g1".into(), "s1".into())],
        class_members: vec![
            ("c1".into(), "t1".into(), ClassRole::Teacher),
            ("c1".into(), "p1".into(), ClassRole::Pupil),
        ],
        guardianships: vec![("g1".into(), "p1".into(), true)],
        staff_roles: vec![],
        agent_cities: vec![],
    }
}

// ----- The provider -----

pub struct Provider {
    pub server: Server,
    /// `http://localhost:<port>`, exactly the `iss` of every token and redirect.
    pub issuer: String,
    /// `http://127.0.0.1:<port>`, where requests are sent (the listener is IPv4 only).
    pub base: String,
    pub portal_secret: String,
    pub tool_secret: String,
    pub homework_secret: String,
    /// A client without cookies (a relying party's back end).
    pub api: reqwest::Client,
    _db: TestDb,
}

impl Drop for Provider {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Provider {
    pub async fn start() -> Provider {
        Provider::with_config(|_| {}).await
    }

    /// A provider whose configuration `tweak` adjusted (lifetimes, throttling).
    pub async fn with_config(tweak: impl FnOnce(&mut Config)) -> Provider {
        let db = testing::sqlite().await;
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let issuer = format!("http://localhost:{}", addr.port());
        let mut config = Config::new(Url::parse(&issuer).expect("issuer"), db.url.clone());
        config.listen = addr;
        tweak(&mut config);
        let state = AppState::with_db(config, db.db.clone()).await.expect("provider state");

        state.directory.import(&snapshot()).await.expect("import directory");
        for (id, pw) in [("t1", TEACHER_PW), ("p1", PUPIL_PW), ("g1", PARENT_PW)] {
            set_password(&state, id, pw).await;
        }

        let mut portal = ClientSpec::new("Portail ENT", vec![PORTAL_CB.into()]);
        portal.id = Some(PORTAL.into());
        portal.first_party = true;
        portal.post_logout_redirect_uris = vec![PORTAL_BYE.into()];
        portal.scopes = ["openid", "profile", "email", "ent", "offline_access"].map(String::from).to_vec();
        portal.grant_types.push(EXCHANGE.into());
        let portal = register(&state, portal).await;

        // A portlet: a first-party resource server that reads the directory.
        let mut homework = ClientSpec::new("Cahier de textes", vec![]);
        homework.id = Some(HOMEWORK.into());
        homework.first_party = true;
        homework.grant_types = vec!["client_credentials".into()];
        homework.scopes = vec!["directory.read".into()];
        homework.audience = Some(HOMEWORK_RESOURCE.into());
        homework.resources = vec![DIRECTORY_RESOURCE.into()];
        let homework = register(&state, homework).await;

        let mut tool = ClientSpec::new("Outil de l'école", vec![TOOL_CB.into()]);
        tool.id = Some(TOOL.into());
        let tool = register(&state, tool).await;

        let mut spa = ClientSpec::new("Appli mobile", vec![SPA_CB.into()]);
        spa.id = Some(SPA.into());
        spa.public = true;
        spa.first_party = true;
        let spa = register(&state, spa).await;
        assert!(spa.secret.is_none(), "a public client has no secret");

        let server = serve(listener, state).await.expect("serve");
        let api = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client");
        Provider {
            server,
            issuer,
            base: format!("http://{addr}"),
            portal_secret: portal.secret.expect("portal secret"),
            tool_secret: tool.secret.expect("tool secret"),
            homework_secret: homework.secret.expect("portlet secret"),
            api,
            _db: db,
        }
    }

    pub fn state(&self) -> &AppState {
        &self.server.state
    }

    /// The listener's URL for a path (or for an absolute URL under the issuer).
    pub fn url(&self, path: &str) -> String {
        let path = path.strip_prefix(&self.issuer).unwrap_or(path);
        format!("{}{path}", self.base)
    }

    /// A new browser (its own cookie jar).
    pub fn browser(&self) -> Browser {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("en"));
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .timeout(Duration::from_secs(30))
            .build()
            .expect("browser");
        Browser { http, base: self.base.clone(), origin: self.issuer.clone() }
    }

    pub fn secret(&self, client: &str) -> &str {
        match client {
            PORTAL => &self.portal_secret,
            TOOL => &self.tool_secret,
            HOMEWORK => &self.homework_secret,
            other => panic!("no secret for {other}"),
        }
    }

    /// The usual way for a client to authenticate: Basic for confidential ones, `client_id`
    /// alone for public ones.
    pub fn auth(&self, client: &str) -> Auth {
        match client {
            SPA => Auth::None(SPA.into()),
            c => Auth::Basic(c.into(), self.secret(c).into()),
        }
    }

    /// POSTs a form to a back-channel endpoint (token, revoke, introspect).
    pub async fn post(&self, path: &str, auth: &Auth, params: &[(&str, &str)]) -> Resp {
        let mut form: Vec<(String, String)> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let mut req = self.api.post(self.url(path));
        match auth {
            Auth::Basic(id, secret) => req = req.basic_auth(enc(id), Some(enc(secret))),
            Auth::Post(id, secret) => {
                form.push(("client_id".into(), id.clone()));
                form.push(("client_secret".into(), secret.clone()));
            }
            Auth::None(id) => form.push(("client_id".into(), id.clone())),
            Auth::Nothing => {}
            Auth::BasicAndPost(id, secret) => {
                req = req.basic_auth(enc(id), Some(enc(secret)));
                form.push(("client_id".into(), id.clone()));
                form.push(("client_secret".into(), secret.clone()));
            }
        }
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&form).finish();
        let res = req
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("request");
        Resp::read(res).await
    }

    pub async fn token(&self, auth: &Auth, params: &[(&str, &str)]) -> Resp {
        self.post("/token", auth, params).await
    }

    /// Redeems a code at the token endpoint.
    pub async fn redeem(&self, client: &str, code: &str, verifier: &str, redirect: &str) -> Resp {
        self.token(
            &self.auth(client),
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("code_verifier", verifier),
                ("redirect_uri", redirect),
            ],
        )
        .await
    }

    pub async fn refresh(&self, client: &str, refresh_token: &str) -> Resp {
        self.token(&self.auth(client), &[("grant_type", "refresh_token"), ("refresh_token", refresh_token)]).await
    }

    /// Introspects a token as the portal (RFC 7662).
    pub async fn introspect(&self, token: &str) -> Value {
        let r = self.post("/introspect", &self.auth(PORTAL), &[("token", token)]).await;
        assert_eq!(r.status, StatusCode::OK, "introspection: {}", r.body);
        r.json()
    }

    /// Exchanges a subject access token for a token addressed to `resource` (RFC 8693).
    pub async fn exchange(&self, auth: &Auth, subject: &str, resource: &str, scope: Option<&str>) -> Resp {
        let mut params = vec![
            ("grant_type", EXCHANGE),
            ("subject_token", subject),
            ("subject_token_type", ACCESS_TOKEN_TYPE),
            ("resource", resource),
        ];
        if let Some(s) = scope {
            params.push(("scope", s));
        }
        self.token(auth, &params).await
    }

    /// Verifies a JWS with the keys the provider publishes at its `jwks_uri`, as a relying party
    /// would; returns the header and the claims.
    pub async fn verify_with_jwks(&self, token: &str) -> (ent_idp::jose::Header, Value) {
        let jwks: Value = self.api.get(self.url("/jwks")).send().await.expect("jwks").json().await.expect("jwks json");
        let keys: Vec<ent_idp::jose::VerifyingKey> = jwks["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .map(|k| ent_idp::jose::VerifyingKey::from_jwk(k).expect("jwk"))
            .collect();
        ent_idp::jose::verify(token, &keys, &ent_idp::jose::Alg::ALL).expect("signature by a published key")
    }

    /// A whole authorization-code flow for the portal with these scopes.
    pub async fn portal_tokens(&self, login: &str, password: &str, scope: &str) -> (Browser, Tokens) {
        let browser = self.browser();
        let pkce = Pkce::new();
        let params = AuthParams::new(PORTAL, PORTAL_CB, &pkce).set("scope", scope);
        let url = browser.login(&params, login, password).await;
        let tokens = Tokens::of(&self.redeem(PORTAL, &code_of(&url), &pkce.verifier, PORTAL_CB).await);
        (browser, tokens)
    }

    pub async fn userinfo(&self, bearer: Option<&str>) -> Resp {
        let mut req = self.api.get(self.url("/userinfo"));
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        Resp::read(req.send().await.expect("userinfo")).await
    }

    /// A whole authorization-code flow in a new browser: log in, get a code, redeem it.
    pub async fn tokens(&self, client: &str, login: &str, password: &str) -> (Browser, Tokens) {
        let browser = self.browser();
        let tokens = browser.tokens_for(self, client, login, password).await;
        (browser, tokens)
    }

    /// Registers one more client.
    pub async fn register(&self, spec: ClientSpec) -> Registered {
        register(self.state(), spec).await
    }

    /// Adds (or replaces) a person of the school, with a password.
    pub async fn add_person(&self, id: &str, login: &str, password: &str, disabled: bool) {
        self.add_person_as(id, login, password, Profile::Teacher, disabled).await;
    }

    /// Adds (or replaces) a person of the school with this profile, with a password.
    pub async fn add_person_as(&self, id: &str, login: &str, password: &str, profile: Profile, disabled: bool) {
        let snap = Snapshot {
            people: vec![person(id, login, profile, disabled)],
            person_schools: vec![(id.into(), "s1".into())],
            ..Snapshot::default()
        };
        self.state().directory.import(&snap).await.expect("import person");
        set_password(self.state(), id, password).await;
    }
}

async fn register(state: &AppState, spec: ClientSpec) -> Registered {
    register_client(&state.clients, &state.audit, spec).await.expect("register client")
}

async fn set_password(state: &AppState, id: &str, password: &str) {
    let pw = password.to_string();
    let phc = tokio::task::spawn_blocking(move || ent_idp::password::hash_blocking(&pw))
        .await
        .expect("hashing task")
        .expect("hash");
    state.directory.set_password(id, &phc).await.expect("set password");
}

/// RFC 6749 §2.3.1: the Basic credentials are form-urlencoded first.
fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// How a client authenticates at the back-channel endpoints.
#[derive(Clone, Debug)]
pub enum Auth {
    /// `client_secret_basic`
    Basic(String, String),
    /// `client_secret_post`
    Post(String, String),
    /// `none`: `client_id` in the body (public clients)
    None(String),
    /// No client identification at all
    Nothing,
    /// Two methods at once (forbidden, RFC 6749 §2.3)
    BasicAndPost(String, String),
}

// ----- Responses -----

#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Resp {
    pub async fn read(res: reqwest::Response) -> Resp {
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.text().await.expect("body");
        Resp { status, headers, body }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }

    pub fn set_cookies(&self) -> Vec<&str> {
        self.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).collect()
    }

    /// Whether the response sets the provider's session cookie to a non-empty value.
    pub fn sets_session(&self) -> bool {
        self.set_cookies()
            .iter()
            .any(|c| c.strip_prefix("ent_idp_session=").is_some_and(|rest| !rest.starts_with(';') && !rest.is_empty()))
    }

    /// The body with HTML entities of the templates decoded.
    pub fn text(&self) -> String {
        unescape(&self.body)
    }
}

pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let decoded = rest.find(';').and_then(|end| {
            let c = match &rest[1..end] {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                e => e
                    .strip_prefix("#x")
                    .or_else(|| e.strip_prefix("#X"))
                    .map(|h| u32::from_str_radix(h, 16))
                    .or_else(|| e.strip_prefix('#').map(str::parse::<u32>))
                    .and_then(Result::ok)
                    .and_then(char::from_u32),
            }?;
            Some((c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
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

/// The value of a hidden input of a provider form.
pub fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).unwrap_or_else(|| panic!("no hidden input {name} in:\n{body}")) + marker.len();
    let len = body[start..].find('"').expect("end of value");
    unescape(&body[start..start + len])
}

// ----- Assertions -----

/// An OAuth JSON error (RFC 6749 §5.2) with this status and code.
#[track_caller]
pub fn assert_oauth_error(r: &Resp, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "status for {code}: {}", r.body);
    assert_eq!(r.json()["error"], code, "error code: {}", r.body);
    assert!(
        r.header("content-type").is_some_and(|c| c.starts_with("application/json")),
        "content type of an OAuth error: {:?}",
        r.header("content-type")
    );
}

/// An error page shown to the user: nothing goes back to the client.
#[track_caller]
pub fn assert_error_page(r: &Resp, status: StatusCode, message: &str) {
    assert_eq!(r.status, status, "status: {}", r.body);
    assert!(r.location().is_none(), "an error page must not redirect, got Location {:?}", r.location());
    assert!(
        r.header("content-type").is_some_and(|c| c.starts_with("text/html")),
        "an error page is HTML: {:?}",
        r.header("content-type")
    );
    assert!(r.text().contains(message), "the page should say {message:?}:\n{}", r.body);
}

/// A 303 back to `redirect_uri` carrying `error`, the request's `state` and `iss` (RFC 6749
/// §4.1.2.1, RFC 9207), and no code.
#[track_caller]
pub fn assert_redirect_error(r: &Resp, p: &Provider, redirect_uri: &str, error: &str, state: Option<&str>) {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "expected a redirect: {}", r.body);
    let location = r.location().expect("Location");
    let url = Url::parse(location).expect("absolute Location");
    assert_eq!(location.split('?').next(), Some(redirect_uri), "the error goes to the registered redirect URI");
    let q = Query::of(&url);
    assert_eq!(q.get("error"), Some(error), "error in {location}");
    assert_eq!(q.get("state"), state, "state in {location}");
    assert_eq!(q.get("iss"), Some(p.issuer.as_str()), "iss in {location}");
    assert_eq!(q.get("code"), None, "no code with an error");
    q.assert_no_duplicates();
}

/// Query parameters, in order.
pub struct Query(pub Vec<(String, String)>);

impl Query {
    pub fn of(url: &Url) -> Query {
        Query(url.query_pairs().into_owned().collect())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    #[track_caller]
    pub fn assert_no_duplicates(&self) {
        let mut names: Vec<&str> = self.0.iter().map(|(k, _)| k.as_str()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "repeated parameters: {:?}", self.0);
    }
}

// ----- Authorization requests -----

/// A PKCE pair (RFC 7636).
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Pkce {
        let verifier = ent_idp::secret::new_secret();
        let challenge = ent_idp::secret::pkce_s256(&verifier);
        Pkce { verifier, challenge }
    }
}

/// The parameters of an authorization request, in order (repeats allowed).
#[derive(Clone, Debug)]
pub struct AuthParams {
    pub pairs: Vec<(String, String)>,
}

impl AuthParams {
    /// A valid request: code flow, S256, state and nonce.
    pub fn new(client: &str, redirect_uri: &str, pkce: &Pkce) -> AuthParams {
        AuthParams {
            pairs: [
                ("response_type", "code"),
                ("client_id", client),
                ("redirect_uri", redirect_uri),
                ("scope", "openid profile"),
                ("state", "st-123"),
                ("nonce", "n-456"),
                ("code_challenge", pkce.challenge.as_str()),
                ("code_challenge_method", "S256"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        }
    }

    /// Replaces every value of `name` (or adds it).
    pub fn set(mut self, name: &str, value: &str) -> Self {
        self.pairs.retain(|(k, _)| k != name);
        self.pairs.push((name.into(), value.into()));
        self
    }

    pub fn remove(mut self, name: &str) -> Self {
        self.pairs.retain(|(k, _)| k != name);
        self
    }

    /// Adds one more value (a repeat when the name is already there).
    pub fn add(mut self, name: &str, value: &str) -> Self {
        self.pairs.push((name.into(), value.into()));
        self
    }

    pub fn query(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&self.pairs).finish()
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// The hidden fields of a login (or consent) form.
#[derive(Clone, Debug)]
pub struct Form {
    pub csrf: String,
    pub req: String,
    pub lang: String,
}

impl Form {
    pub fn of(body: &str) -> Form {
        Form { csrf: hidden(body, "csrf"), req: hidden(body, "req"), lang: hidden(body, "lang") }
    }
}

/// What the token endpoint returned for a code.
#[derive(Clone, Debug)]
pub struct Tokens {
    pub access_token: String,
    pub id_token: String,
    pub refresh_token: String,
}

impl Tokens {
    #[track_caller]
    pub fn of(r: &Resp) -> Tokens {
        assert_eq!(r.status, StatusCode::OK, "token response: {}", r.body);
        let v = r.json();
        let s = |k: &str| v[k].as_str().unwrap_or_else(|| panic!("no {k} in {v}")).to_string();
        Tokens { access_token: s("access_token"), id_token: s("id_token"), refresh_token: s("refresh_token") }
    }
}

// ----- The browser -----

pub struct Browser {
    pub http: reqwest::Client,
    /// Where requests go.
    pub base: String,
    /// The issuer, which is also the origin the provider's own pages post from (and the `iss`
    /// of every redirect back to a client).
    pub origin: String,
}

impl Browser {
    pub async fn get(&self, path_or_url: &str) -> Resp {
        let url =
            if path_or_url.starts_with('/') { format!("{}{path_or_url}", self.base) } else { path_or_url.to_string() };
        Resp::read(self.http.get(url).send().await.expect("GET")).await
    }

    /// POSTs a form with the given extra headers (`Origin` is not added here).
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)], headers: &[(&str, &str)]) -> Resp {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let mut req = self
            .http
            .request(Method::POST, format!("{}{path}", self.base))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Resp::read(req.send().await.expect("POST")).await
    }

    /// GET /authorize with these parameters.
    pub async fn authorize(&self, params: &AuthParams) -> Resp {
        self.get(&format!("/authorize?{}", params.query())).await
    }

    /// Follows the authorization request to the login page and reads its form.
    pub async fn open_login(&self, params: &AuthParams) -> Form {
        let r = self.authorize(params).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "authorize: {}", r.body);
        let to = r.location().expect("Location").to_string();
        assert!(to.starts_with("/login?"), "expected the login page, got {to}");
        let page = self.get(&to).await;
        assert_eq!(page.status, StatusCode::OK, "login page: {}", page.body);
        Form::of(&page.body)
    }

    /// Submits the login form from the provider's own origin.
    pub async fn submit_login(&self, form: &Form, login: &str, password: &str) -> Resp {
        self.post_form(
            "/login",
            &[("csrf", &form.csrf), ("req", &form.req), ("lang", &form.lang), ("login", login), ("password", password)],
            &[("origin", &self.origin)],
        )
        .await
    }

    /// Logs in for an authorization request (consenting when asked) and returns the redirect
    /// back to the client, which carries the code.
    pub async fn login(&self, params: &AuthParams, login: &str, password: &str) -> Url {
        let form = self.open_login(params).await;
        let r = self.submit_login(&form, login, password).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "login: {}", r.body);
        let mut to = r.location().expect("Location").to_string();
        if to.starts_with("/consent?") {
            to = self.consent(&to, "allow").await;
        }
        let url = Url::parse(&to).unwrap_or_else(|_| panic!("not a redirect to the client: {to}"));
        let redirect_uri = params.get("redirect_uri").expect("redirect_uri");
        assert_eq!(to.split('?').next(), Some(redirect_uri));
        let q = Query::of(&url);
        assert_eq!(q.get("iss"), Some(self.origin.as_str()), "RFC 9207 iss");
        assert_eq!(q.get("state"), params.get("state"), "state is echoed");
        url
    }

    /// Answers the consent page; returns where the provider sends the browser.
    pub async fn consent(&self, page_path: &str, decision: &str) -> String {
        let page = self.get(page_path).await;
        assert_eq!(page.status, StatusCode::OK, "consent page: {}", page.body);
        let form = Form::of(&page.body);
        let r = self
            .post_form(
                "/consent",
                &[("csrf", &form.csrf), ("req", &form.req), ("lang", &form.lang), ("decision", decision)],
                &[("origin", &self.origin)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "consent: {}", r.body);
        r.location().expect("Location").to_string()
    }

    /// Logs in and returns the code and the PKCE verifier that goes with it.
    pub async fn code_for(&self, client: &str, login: &str, password: &str) -> (String, Pkce) {
        let pkce = Pkce::new();
        let params = AuthParams::new(client, redirect_of(client), &pkce);
        let url = self.login(&params, login, password).await;
        (code_of(&url), pkce)
    }

    /// A code for a browser that is already signed in (no login page).
    pub async fn code_silently(&self, client: &str) -> (String, Pkce) {
        let pkce = Pkce::new();
        let params = AuthParams::new(client, redirect_of(client), &pkce).set("prompt", "none");
        let r = self.authorize(&params).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "authorize: {}", r.body);
        let url = Url::parse(r.location().expect("Location")).expect("redirect to the client");
        (code_of(&url), pkce)
    }

    pub async fn tokens_for(&self, p: &Provider, client: &str, login: &str, password: &str) -> Tokens {
        let (code, pkce) = self.code_for(client, login, password).await;
        Tokens::of(&p.redeem(client, &code, &pkce.verifier, redirect_of(client)).await)
    }
}

pub fn redirect_of(client: &str) -> &'static str {
    match client {
        PORTAL => PORTAL_CB,
        TOOL => TOOL_CB,
        SPA => SPA_CB,
        other => panic!("unknown fixture client {other}"),
    }
}

/// The code of a successful authorization response (checking `state` and `iss` on the way).
#[track_caller]
pub fn code_of(url: &Url) -> String {
    let q = Query::of(url);
    assert_eq!(q.get("error"), None, "authorization failed: {url}");
    assert!(q.get("iss").is_some(), "RFC 9207 iss missing: {url}");
    q.assert_no_duplicates();
    q.get("code").unwrap_or_else(|| panic!("no code in {url}")).to_string()
}

// ----- JWTs -----

/// The decoded header and payload of a compact JWS (no verification).
pub fn jwt_parts(token: &str) -> (Value, Value) {
    let mut it = token.split('.');
    let mut part = || {
        let bytes = ent_idp::jose::b64url_decode(it.next().expect("JWS part")).expect("base64url");
        serde_json::from_slice::<Value>(&bytes).expect("JSON")
    };
    let header = part();
    let payload = part();
    (header, payload)
}

pub fn b64json(v: &Value) -> String {
    ent_idp::jose::b64url(&serde_json::to_vec(v).expect("JSON"))
}

/// RFC 6749 §4.1.2.1 and §5.2: `error_description` is limited to %x20-21 / %x23-5B / %x5D-7E
/// (printable ASCII without `"` and `\`).
pub fn rfc6749_description_chars(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

/// Waits until the start of a wall-clock second: the provider counts lifetimes in whole seconds,
/// so a test that must finish within a short lifetime starts right after a tick.
pub async fn at_start_of_second() {
    loop {
        let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").subsec_millis();
        if ms < 200 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(u64::from(1005 - ms))).await;
    }
}
