//! The portal's test bench: a fake provider (discovery, JWKS, token endpoint for exchange and
//! refresh), fake portlets (each a small axum app on port 0 that records what it receives), and
//! a portal on port 0 over a fresh SQLite database.
#![allow(clippy::unwrap_used, dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ent_portal::testing::{TestDb, TestSession};
use ent_portal::{PortalConfig, PortalState, PortletConfig, Profile, Server};
use serde_json::json;
use tokio::net::TcpListener;

pub const CLIENT_ID: &str = "portal";
pub const CLIENT_SECRET: &str = "s3cret/with+chars";

async fn spawn(router: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

// ----- The fake provider -----

/// What a code stands for: (nonce, code_challenge, redirect_uri).
pub type PendingCode = (String, String, String);

#[derive(Clone)]
pub struct Provider {
    pub url: String,
    pub key: Arc<Vec<u8>>,
    pub kid: String,
    pub exchanges: Arc<AtomicUsize>,
    pub refreshes: Arc<AtomicUsize>,
    pub refresh_tokens_seen: Arc<Mutex<Vec<String>>>,
    /// How long a portlet token lives (seconds).
    pub exchange_ttl: Arc<AtomicUsize>,
    /// code → (nonce, code_challenge, redirect_uri), from /authorize.
    pub codes: Arc<Mutex<HashMap<String, PendingCode>>>,
    /// How long the discovery document takes to come (milliseconds).
    pub discovery_delay_ms: Arc<AtomicUsize>,
    /// How long a refresh of a `slow…` refresh token takes beyond the usual 300 ms (milliseconds).
    pub slow_refresh_ms: Arc<AtomicUsize>,
    /// The query of every authorization request, in order.
    pub authorize_queries: Arc<Mutex<Vec<HashMap<String, String>>>>,
    /// How long ago the person last proved who they are, as ID tokens say (`auth_time`, seconds).
    pub auth_age: Arc<AtomicUsize>,
}

impl Provider {
    pub async fn start() -> Provider {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        let public = pair.public_key().as_ref().to_vec();
        let jwk = json!({
            "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": "k1",
            "x": URL_SAFE_NO_PAD.encode(&public[1..33]), "y": URL_SAFE_NO_PAD.encode(&public[33..65]),
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let p = Provider {
            url: url.clone(),
            key: Arc::new(pkcs8.as_ref().to_vec()),
            kid: "k1".into(),
            exchanges: Arc::default(),
            refreshes: Arc::default(),
            refresh_tokens_seen: Arc::default(),
            exchange_ttl: Arc::new(AtomicUsize::new(300)),
            codes: Arc::default(),
            discovery_delay_ms: Arc::default(),
            slow_refresh_ms: Arc::new(AtomicUsize::new(5000)),
            authorize_queries: Arc::default(),
            auth_age: Arc::default(),
        };
        let meta = json!({
            "issuer": url,
            "authorization_endpoint": format!("{url}/authorize"),
            "token_endpoint": format!("{url}/token"),
            "jwks_uri": format!("{url}/jwks"),
            "end_session_endpoint": format!("{url}/logout"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        });
        let jwks = json!({ "keys": [jwk] });
        let router = Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(move |State(p): State<Provider>| async move {
                    let delay = p.discovery_delay_ms.load(Ordering::SeqCst) as u64;
                    tokio::time::sleep(Duration::from_millis(delay)).await;
                    axum::Json(meta)
                }),
            )
            .route("/jwks", get(move || async move { axum::Json(jwks) }))
            .route("/token", post(token))
            .route("/authorize", get(authorize))
            .with_state(p.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        p
    }

    /// Signs claims with the provider's key (`typ` and `kid` as given).
    pub fn sign(&self, typ: Option<&str>, kid: &str, claims: &serde_json::Value) -> String {
        let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        h.typ = typ.map(str::to_string);
        h.kid = Some(kid.into());
        jsonwebtoken::encode(&h, claims, &jsonwebtoken::EncodingKey::from_ec_der(&self.key)).unwrap()
    }
}

async fn token(State(p): State<Provider>, headers: HeaderMap, Form(f): Form<HashMap<String, String>>) -> Response {
    let expected = format!(
        "Basic {}",
        STANDARD.encode(format!(
            "{CLIENT_ID}:{}",
            url::form_urlencoded::byte_serialize(CLIENT_SECRET.as_bytes()).collect::<String>()
        ))
    );
    if headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "invalid_client"}))).into_response();
    }
    match f.get("grant_type").map(String::as_str) {
        Some("urn:ietf:params:oauth:grant-type:token-exchange") => {
            assert_eq!(f.get("subject_token_type").unwrap(), "urn:ietf:params:oauth:token-type:access_token");
            p.exchanges.fetch_add(1, Ordering::SeqCst);
            let token = format!("pt|{}|{}", f["resource"], f["subject_token"]);
            axum::Json(json!({
                "access_token": token, "token_type": "Bearer", "expires_in": p.exchange_ttl.load(Ordering::SeqCst),
                "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
            }))
            .into_response()
        }
        Some("authorization_code") => {
            let Some((nonce, challenge, redirect)) = p.codes.lock().unwrap().remove(&f["code"]) else {
                return (StatusCode::BAD_REQUEST, axum::Json(json!({"error": "invalid_grant"}))).into_response();
            };
            let verifier = f.get("code_verifier").cloned().unwrap_or_default();
            let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
            if URL_SAFE_NO_PAD.encode(digest.as_ref()) != challenge || f.get("redirect_uri") != Some(&redirect) {
                return (StatusCode::BAD_REQUEST, axum::Json(json!({"error": "invalid_grant"}))).into_response();
            }
            let now = ent_portal::db::now();
            let auth_time = now - p.auth_age.load(Ordering::SeqCst) as i64;
            let id_token = p.sign(
                None,
                "k1",
                &json!({
                    "iss": p.url, "aud": CLIENT_ID, "sub": "pupil-login", "iat": now, "exp": now + 600,
                    "nonce": nonce, "sid": "sid-login", "name": "Léa Dupont", "ent_profile": "pupil",
                    "auth_time": auth_time,
                }),
            );
            axum::Json(json!({
                "access_token": "access-login", "token_type": "Bearer", "expires_in": 600,
                "refresh_token": "refresh-login", "id_token": id_token,
            }))
            .into_response()
        }
        Some("refresh_token") => {
            let rt = f["refresh_token"].clone();
            p.refresh_tokens_seen.lock().unwrap().push(rt.clone());
            let n = p.refreshes.fetch_add(1, Ordering::SeqCst) + 1;
            // Slow enough that parallel refreshes, if the portal made them, would overlap.
            tokio::time::sleep(Duration::from_millis(300)).await;
            if rt.starts_with("slow") {
                // A provider that takes its time (by default longer than a page waits).
                tokio::time::sleep(Duration::from_millis(p.slow_refresh_ms.load(Ordering::SeqCst) as u64)).await;
            }
            if rt.starts_with("revoked") {
                return (StatusCode::BAD_REQUEST, axum::Json(json!({"error": "invalid_grant"}))).into_response();
            }
            axum::Json(json!({
                "access_token": format!("access-refreshed-{n}"), "token_type": "Bearer", "expires_in": 600,
                "refresh_token": format!("refresh-rotated-{n}"),
            }))
            .into_response()
        }
        _ => (StatusCode::BAD_REQUEST, axum::Json(json!({"error": "unsupported_grant_type"}))).into_response(),
    }
}

/// A provider that signs the user in at once: back to the client with a code.
async fn authorize(
    State(p): State<Provider>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    p.authorize_queries.lock().unwrap().push(q.clone());
    let code = format!("code-{}", q["state"]);
    p.codes
        .lock()
        .unwrap()
        .insert(code.clone(), (q["nonce"].clone(), q["code_challenge"].clone(), q["redirect_uri"].clone()));
    let mut back = url::Url::parse(&q["redirect_uri"]).unwrap();
    back.query_pairs_mut().append_pair("code", &code).append_pair("state", &q["state"]).append_pair("iss", &p.url);
    (StatusCode::SEE_OTHER, [(header::LOCATION, back.to_string())]).into_response()
}

// ----- Fake portlets -----

/// What a portlet received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

#[derive(Clone)]
pub struct Portlet {
    pub name: String,
    pub url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    pub alive: Arc<AtomicBool>,
}

#[derive(Clone)]
struct PortletState {
    name: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    alive: Arc<AtomicBool>,
    slow: bool,
}

impl Portlet {
    pub async fn start(name: &str, slow: bool) -> Portlet {
        let st = PortletState { name: name.into(), seen: Arc::default(), alive: Arc::new(AtomicBool::new(true)), slow };
        let router = Router::new()
            .route("/fragment/summary", get(summary))
            .route("/view/{*path}", get(view).post(view_post))
            .route("/public/{*path}", get(public).post(public))
            .with_state(st.clone());
        let url = spawn(router).await;
        Portlet { name: name.into(), url, seen: st.seen, alive: st.alive }
    }

    /// A portlet whose port answers nothing.
    pub async fn dead(name: &str) -> Portlet {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        Portlet { name: name.into(), url, seen: Arc::default(), alive: Arc::new(AtomicBool::new(false)) }
    }

    pub fn config(&self, profiles: &[Profile]) -> PortletConfig {
        PortletConfig {
            name: self.name.clone(),
            url: url::Url::parse(&self.url).unwrap(),
            resource: format!("urn:ent:portlet:{}", self.name),
            title_fr: format!("Titre {}", self.name),
            title_en: format!("Title {}", self.name),
            profiles: profiles.to_vec(),
        }
    }

    pub fn last(&self) -> Seen {
        self.seen.lock().unwrap().last().cloned().unwrap()
    }
}

fn record(st: &PortletState, method: &str, path: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    st.seen.lock().unwrap().push(Seen {
        method: method.into(),
        path: path.into(),
        headers: headers.clone(),
        body: body.to_vec(),
    });
    // The contract: a bearer token minted for this portlet.
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    auth.starts_with(&format!("Bearer pt|urn:ent:portlet:{}|", st.name))
}

async fn summary(State(st): State<PortletState>, headers: HeaderMap) -> Response {
    if !record(&st, "GET", "/fragment/summary", &headers, b"") {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if st.slow {
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    if !st.alive.load(Ordering::SeqCst) {
        return (StatusCode::INTERNAL_SERVER_ERROR, "down").into_response();
    }
    let lang = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    html(StatusCode::OK, format!("<p class=\"summary\">summary of {} in {lang}</p>", st.name))
}

fn html(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// `401` asking for a sign-in within five minutes (RFC 9470), with the way back the request's
/// `back` query names (as the portlet would write it, unchecked).
fn step_up(uri: &axum::http::Uri) -> Response {
    let back = uri
        .query()
        .and_then(|q| url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "back"))
        .map(|(_, v)| v.into_owned());
    let mut res = html(StatusCode::UNAUTHORIZED, "<p>confirm who you are</p>".into());
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        "Bearer error=\"insufficient_user_authentication\", max_age=\"300\"".parse().unwrap(),
    );
    if let Some(b) = back.and_then(|b| axum::http::HeaderValue::from_str(&b).ok()) {
        res.headers_mut().insert("x-ent-return", b);
    }
    res
}

async fn view(
    State(st): State<PortletState>,
    Path(path): Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    if !record(&st, "GET", &format!("/view/{path}"), &headers, b"") {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if path == "step-up" {
        return step_up(&uri);
    }
    if path == "refused" {
        let mut res = html(StatusCode::UNAUTHORIZED, "<p>token refused</p>".into());
        res.headers_mut().insert(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"".parse().unwrap());
        return res;
    }
    let base = headers.get("x-ent-base").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let csrf = headers.get("x-ent-csrf").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    match path.as_str() {
        "file.pdf" => (
            [
                (header::CONTENT_TYPE, "application/pdf"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"devoirs.pdf\""),
                (header::SET_COOKIE, "portlet=leak"),
            ],
            "%PDF-1.4 fake",
        )
            .into_response(),
        "inline.svg" => {
            ([(header::CONTENT_TYPE, "image/svg+xml")], "<svg><script>alert(1)</script></svg>").into_response()
        }
        "missing" => html(StatusCode::NOT_FOUND, "<p>nothing here</p>".into()),
        "away" => (StatusCode::SEE_OTHER, [(header::LOCATION, "https://evil.example/")]).into_response(),
        _ => html(
            StatusCode::OK,
            format!(
                "<h1>view {path}</h1><form class=\"form\" method=\"post\" action=\"{base}/items\">\
                 <input type=\"hidden\" name=\"_csrf\" value=\"{csrf}\"><button>ok</button></form>"
            ),
        ),
    }
}

/// A public route: no token is expected, and whatever arrives is recorded.
async fn public(
    State(st): State<PortletState>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path_and_query().map(|p| p.to_string()).unwrap_or_default();
    st.seen.lock().unwrap().push(Seen { method: method.to_string(), path: path.clone(), headers, body: vec![] });
    match uri.path() {
        "/public/feed/ok.ics" => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "private, max-age=3600"),
                (header::SET_COOKIE, "portlet=leak"),
                (header::HeaderName::from_static("x-internal"), "secret"),
            ],
            "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        )
            .into_response(),
        "/public/limited" => {
            (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "120")], "slow down").into_response()
        }
        "/public/big" => vec![b'x'; 9 * 1024 * 1024].into_response(),
        "/public/boom" => (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response(),
        _ => (StatusCode::NOT_FOUND, "gone, and here is why").into_response(),
    }
}

async fn view_post(
    State(st): State<PortletState>,
    Path(path): Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if !record(&st, "POST", &format!("/view/{path}"), &headers, &body) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match path.as_str() {
        "step-up" => step_up(&uri),
        "items" => (StatusCode::SEE_OTHER, [(header::LOCATION, "/view/items/42?saved=1")]).into_response(),
        _ => html(StatusCode::UNPROCESSABLE_ENTITY, "<p class=\"error\">title missing</p>".into()),
    }
}

// ----- The portal -----

pub struct Bench {
    pub portal: Server,
    pub provider: Provider,
    pub db: Option<TestDb>,
    pub http: reqwest::Client,
}

impl Bench {
    pub async fn start(portlets: Vec<PortletConfig>) -> Bench {
        Self::start_with(portlets, |_| {}).await
    }

    pub async fn start_with(portlets: Vec<PortletConfig>, tune: impl FnOnce(&mut PortalConfig)) -> Bench {
        let provider = Provider::start().await;
        let db = ent_portal::testing::sqlite().await;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let public = format!("http://{}", listener.local_addr().unwrap());
        let mut config = PortalConfig::new(
            url::Url::parse(&provider.url).unwrap(),
            CLIENT_ID,
            CLIENT_SECRET,
            url::Url::parse(&public).unwrap(),
        );
        config.portlets = portlets;
        tune(&mut config);
        let state = PortalState::with_db(config, db.db.clone()).unwrap();
        let portal = ent_portal::serve(listener, state).await.unwrap();
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Bench { portal, provider, db: Some(db), http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.portal.local_url())
    }

    pub fn state(&self) -> &PortalState {
        &self.portal.state
    }

    /// A session for `sub` with `profile`; returns the cookie header value.
    pub async fn session(&self, sub: &str, profile: &str) -> String {
        self.session_from(TestSession::new(sub, profile)).await
    }

    pub async fn session_from(&self, s: TestSession) -> String {
        format!("ent_portal={}", s.create(self.state()).await)
    }

    pub async fn get(&self, path: &str, cookie: &str) -> reqwest::Response {
        self.http.get(self.url(path)).header(header::COOKIE, cookie).send().await.unwrap()
    }

    pub async fn finish(mut self) {
        if let Some(db) = self.db.take() {
            self.portal.abort();
            db.cleanup().await;
        }
    }
}

/// The CSRF token a page of this session carries.
pub fn csrf_of(cookie: &str) -> String {
    ent_portal::web::csrf_token(cookie.trim_start_matches("ent_portal="))
}
