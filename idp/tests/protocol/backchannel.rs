//! OpenID Connect Back-Channel Logout 1.0, sent by the provider: a client's receiver gets a
//! logout token it can check (signature from the JWKS, `typ`, `aud`, `sid` of its ID token,
//! the event, no nonce) when the session ends at the provider; a receiver that fails is retried
//! and the notice kept until it answers.

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use ent_idp::admin::{ClientSpec, register_client};
use ent_idp::jose::Alg;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::harness::*;

const BC_CLIENT: &str = "bc-tool";
const BC_CB: &str = "https://bc-tool.example/cb";

/// What a receiver got: (content type, body) per post.
type Posts = Arc<Mutex<Vec<(Option<String>, String)>>>;

/// A client's back-channel logout endpoint: records what it receives, answers `status`.
struct Receiver {
    url: String,
    received: Posts,
    status: Arc<AtomicU16>,
    server: tokio::task::JoinHandle<()>,
}

type Shared = (Posts, Arc<AtomicU16>);

async fn receive(State((received, status)): State<Shared>, headers: HeaderMap, body: String) -> AxumStatus {
    let ct = headers.get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    received.lock().await.push((ct, body));
    AxumStatus::from_u16(status.load(Ordering::SeqCst)).unwrap_or(AxumStatus::INTERNAL_SERVER_ERROR)
}

impl Receiver {
    async fn start(status: u16) -> Receiver {
        let received = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(AtomicU16::new(status));
        let app = axum::Router::new()
            .route("/backchannel-logout", axum::routing::post(receive))
            .with_state((received.clone(), status.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind receiver");
        let url = format!("http://127.0.0.1:{}/backchannel-logout", listener.local_addr().expect("addr").port());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { url, received, status, server }
    }

    /// Waits until `n` posts have arrived; returns them all.
    async fn wait_for(&self, n: usize) -> Vec<(Option<String>, String)> {
        for _ in 0..200 {
            let got = self.received.lock().await.clone();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the receiver got {} posts, expected {n}", self.received.lock().await.len());
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Registers the third-party tool with a back-channel URI; returns its secret.
async fn register_bc_client(p: &Provider, uri: &str) -> String {
    let mut spec = ClientSpec::new("Outil avec déconnexion", vec![BC_CB.into()]);
    spec.id = Some(BC_CLIENT.into());
    spec.id_token_alg = Alg::Es256;
    spec.backchannel_logout_uri = Some(uri.into());
    p.register(spec).await.secret.expect("secret")
}

/// Signs in to the tool (login and consent), then to the portal silently: one provider session,
/// two clients. Returns the browser and the tool's ID token.
async fn sign_in_to_both(p: &Provider, secret: &str) -> (Browser, String) {
    let b = p.browser();
    let pkce = Pkce::new();
    let url = b.login(&AuthParams::new(BC_CLIENT, BC_CB, &pkce), TEACHER, TEACHER_PW).await;
    let r = p
        .token(
            &Auth::Basic(BC_CLIENT.into(), secret.into()),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code_of(&url)),
                ("code_verifier", &pkce.verifier),
                ("redirect_uri", BC_CB),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id_token = r.json()["id_token"].as_str().expect("id_token").to_string();
    let (code, pkce) = b.code_silently(PORTAL).await;
    Tokens::of(&p.redeem(PORTAL, &code, &pkce.verifier, PORTAL_CB).await);
    (b, id_token)
}

async fn logout(b: &Browser, id_token: &str) {
    let q = url::form_urlencoded::Serializer::new(String::new()).append_pair("id_token_hint", id_token).finish();
    let r = b.get(&format!("/logout?{q}")).await;
    assert_eq!(r.status, StatusCode::OK, "logged out without a question: {}", r.body);
}

fn logout_token_of(body: &str) -> String {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    assert_eq!(pairs.len(), 1, "only logout_token is posted: {body}");
    assert_eq!(pairs[0].0, "logout_token");
    pairs[0].1.clone()
}

async fn wait_until_delivered(p: &Provider) {
    for _ in 0..200 {
        if p.state().logout_notices.pending().await.expect("pending").is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the notice was not removed after a 2xx");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_at_the_provider_posts_a_valid_logout_token() {
    let p = Provider::start().await;
    let receiver = Receiver::start(200).await;
    let secret = register_bc_client(&p, &receiver.url).await;
    let (b, id_token) = sign_in_to_both(&p, &secret).await;
    let (_, id_claims) = jwt_parts(&id_token);
    assert!(id_claims["sid"].is_string(), "the ID token names the session: {id_claims}");

    logout(&b, &id_token).await;
    let got = receiver.wait_for(1).await;
    let (content_type, body) = &got[0];
    assert_eq!(content_type.as_deref(), Some("application/x-www-form-urlencoded"));
    let token = logout_token_of(body);

    // As the client checks it (Back-Channel Logout 1.0 §2.6).
    let (header, c) = p.verify_with_jwks(&token).await;
    assert_eq!(header.typ.as_deref(), Some("logout+jwt"));
    assert_eq!(header.alg, "ES256", "signed like the client's ID tokens");
    assert_eq!(c["iss"], p.issuer.as_str());
    assert_eq!(c["aud"], BC_CLIENT);
    assert_eq!(c["sub"], id_claims["sub"], "the client's (pairwise) subject");
    assert_ne!(c["sub"], "sub-t1");
    assert_eq!(c["sid"], id_claims["sid"], "the sid of the client's ID token");
    assert_eq!(c["events"], json!({"http://schemas.openid.net/event/backchannel-logout": {}}));
    assert!(c.get("nonce").is_none(), "a logout token never has a nonce: {c}");
    assert!(c["jti"].as_str().is_some_and(|j| !j.is_empty()));
    let iat = c["iat"].as_i64().expect("iat");
    assert_eq!(c["exp"].as_i64(), Some(iat + 120));
    assert!((iat - ent_idp::db::now()).abs() <= 5);

    // Delivered: the notice goes; the portal (no back-channel URI) got nothing, nor a second post.
    wait_until_delivered(&p).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received.lock().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_receiver_is_retried_and_the_notice_kept_until_it_answers() {
    let p = Provider::start().await;
    let receiver = Receiver::start(500).await;
    let secret = register_bc_client(&p, &receiver.url).await;
    let (b, id_token) = sign_in_to_both(&p, &secret).await;
    logout(&b, &id_token).await;

    receiver.wait_for(1).await;
    // Kept, with the attempt counted and a retry scheduled about ten seconds later.
    let mut kept = Vec::new();
    for _ in 0..100 {
        kept = p.state().logout_notices.pending().await.expect("pending");
        if kept.first().is_some_and(|(_, due)| *due > ent_idp::db::now() + 5) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(kept.len(), 1, "{kept:?}");
    let (notice, due) = &kept[0];
    assert_eq!(notice.attempts, 1);
    assert!(*due > ent_idp::db::now() + 5 && *due <= ent_idp::db::now() + 11, "retry in about 10 s: {due}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received.lock().await.len(), 1, "not before the backoff");

    // The receiver is back; the retry comes (made due now rather than waiting ten seconds).
    receiver.status.store(200, Ordering::SeqCst);
    p.state().logout_notices.make_all_due().await.expect("due");
    p.state().logout_notices_queued.notify_one();
    let got = receiver.wait_for(2).await;
    wait_until_delivered(&p).await;
    let first = jwt_parts(&logout_token_of(&got[0].1)).1;
    let second = jwt_parts(&logout_token_of(&got[1].1)).1;
    assert_eq!((first["sub"].clone(), first["sid"].clone()), (second["sub"].clone(), second["sid"].clone()));
    assert_ne!(first["jti"], second["jti"], "each post is a new token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_and_registration_of_back_channel_logout() {
    let p = Provider::start().await;
    let meta: Value = p
        .api
        .get(p.url("/.well-known/openid-configuration"))
        .send()
        .await
        .expect("discovery")
        .json()
        .await
        .expect("json");
    assert_eq!(meta["backchannel_logout_supported"], true);
    assert_eq!(meta["backchannel_logout_session_supported"], true);

    let state = p.state();
    for bad in ["http://tool.example/bc", "https://tool.example/bc#x", "/bc", "fr.ecole.app:/bc"] {
        let mut spec = ClientSpec::new("Outil", vec![TOOL_CB.into()]);
        spec.backchannel_logout_uri = Some(bad.into());
        assert!(register_client(&state.clients, &state.audit, spec).await.is_err(), "{bad} accepted");
    }
    let mut spec = ClientSpec::new("Outil", vec![TOOL_CB.into()]);
    spec.backchannel_logout_uri = Some("https://tool.example/bc".into());
    let r = register_client(&state.clients, &state.audit, spec).await.expect("register");
    let stored = state.clients.get(&r.client.id).await.expect("get").expect("client");
    assert_eq!(stored.backchannel_logout_uri.as_deref(), Some("https://tool.example/bc"));
}
