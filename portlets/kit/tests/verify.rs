//! The token check every portlet relies on, attacked: each refusal below is a way a stolen,
//! forged or misdirected token could otherwise open a portlet.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ent_portlet_kit::testing::{ISSUER, Network, TestIssuer};
use ent_portlet_kit::{Identity, TokenError, Verifier};
use serde_json::{Value, json};
use tokio::sync::RwLock;

const AUD: &str = "urn:ent:portlet:homework";

fn setup() -> (TestIssuer, Arc<Verifier>, Network) {
    let issuer = TestIssuer::new();
    let verifier = issuer.verifier(AUD);
    (issuer, verifier, Network::new())
}

#[tokio::test]
async fn a_valid_token_gives_the_identity_it_names() {
    let (issuer, verifier, net) = setup();
    let who = verifier.verify(&issuer.token(&net.parent_a1, AUD)).await.unwrap();
    assert_eq!(who.sub, net.parent_a1.sub);
    assert_eq!(who.profile, net.parent_a1.profile);
    assert_eq!(who.children, net.parent_a1.children);
    assert!(who.is_legal_guardian_of(&net.pupil_a1.sub));
}

#[tokio::test]
async fn a_token_for_another_portlet_is_refused() {
    let (issuer, verifier, net) = setup();
    let token = issuer.token(&net.teacher_a1, "urn:ent:portlet:liaison");
    assert_eq!(verifier.verify(&token).await, Err(TokenError::Invalid("InvalidAudience".into())));
}

#[tokio::test]
async fn a_token_from_another_issuer_is_refused() {
    let (issuer, verifier, net) = setup();
    let token = issuer.token_with(&net.teacher_a1, AUD, |c| {
        c.insert("iss".into(), json!("https://evil.example"));
    });
    assert_eq!(verifier.verify(&token).await, Err(TokenError::Invalid("InvalidIssuer".into())));
}

#[tokio::test]
async fn an_expired_token_is_refused_beyond_the_leeway() {
    let (issuer, verifier, net) = setup();
    let now = ent_portlet_kit::now();
    let token = issuer.token_with(&net.teacher_a1, AUD, |c| {
        c.insert("exp".into(), json!(now - 120));
    });
    assert_eq!(verifier.verify(&token).await, Err(TokenError::Invalid("ExpiredSignature".into())));
    let token = issuer.token_with(&net.teacher_a1, AUD, |c| {
        c.insert("exp".into(), json!(now - 5));
    });
    assert!(verifier.verify(&token).await.is_ok(), "a few seconds of clock skew are tolerated");
}

#[tokio::test]
async fn a_forged_signature_is_refused() {
    let (_, verifier, net) = setup();
    // Another key published under the same key id.
    let forger = TestIssuer::with_kid("test-key");
    let token = forger.token(&net.director_a, AUD);
    assert_eq!(verifier.verify(&token).await, Err(TokenError::Invalid("InvalidSignature".into())));
}

#[tokio::test]
async fn a_tampered_payload_is_refused() {
    let (issuer, verifier, net) = setup();
    let token = issuer.token(&net.teacher_a1, AUD);
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    claims["ent_profile"] = json!("director");
    claims["ent_roles"] = json!([{ "school": "0750001A", "role": "director" }]);
    parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    assert_eq!(verifier.verify(&parts.join(".")).await, Err(TokenError::Invalid("InvalidSignature".into())));
}

fn unsigned(header: Value, claims: Value, signature: &str) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap()),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap()),
        signature
    )
}

#[tokio::test]
async fn alg_none_and_hmac_are_refused() {
    let (issuer, verifier, net) = setup();
    let claims = Value::Object(issuer.claims(&net.teacher_a1, AUD));
    let none = unsigned(json!({"alg": "none", "typ": "at+jwt", "kid": "test-key"}), claims.clone(), "");
    assert!(verifier.verify(&none).await.is_err());
    // HS256 "signed" with the public key as the secret (the classic key-confusion attack).
    let hs = unsigned(json!({"alg": "HS256", "typ": "at+jwt", "kid": "test-key"}), claims, "AAAA");
    assert_eq!(verifier.verify(&hs).await, Err(TokenError::Algorithm));
}

#[tokio::test]
async fn an_id_token_or_untyped_jwt_is_not_an_access_token() {
    let (issuer, verifier, net) = setup();
    let claims = issuer.claims(&net.teacher_a1, AUD);
    assert_eq!(verifier.verify(&issuer.sign_with_type(&claims, None)).await, Err(TokenError::WrongType));
    assert_eq!(verifier.verify(&issuer.sign_with_type(&claims, Some("JWT"))).await, Err(TokenError::WrongType));
    assert!(verifier.verify(&issuer.sign_with_type(&claims, Some("application/at+jwt"))).await.is_ok());
}

#[tokio::test]
async fn a_token_without_ent_claims_or_with_an_unknown_profile_is_refused() {
    let (issuer, verifier, net) = setup();
    let token = issuer.token_with(&net.teacher_a1, AUD, |c| {
        c.remove("ent_profile");
    });
    assert_eq!(verifier.verify(&token).await, Err(TokenError::NoEntClaims));
    let token = issuer.token_with(&net.teacher_a1, AUD, |c| {
        c.insert("ent_profile".into(), json!("superuser"));
    });
    assert_eq!(verifier.verify(&token).await, Err(TokenError::NoEntClaims));
}

#[tokio::test]
async fn garbage_is_malformed() {
    let (_, verifier, _) = setup();
    for junk in ["", "abc", "a.b.c", "....", "eyJhbGciOiJFUzI1NiJ9.e30"] {
        assert!(verifier.verify(junk).await.is_err(), "{junk}");
    }
}

// ----- Keys fetched from the provider -----

#[derive(Clone)]
struct Jwks {
    doc: Arc<RwLock<Value>>,
    hits: Arc<AtomicUsize>,
}

async fn serve_jwks(doc: Value) -> (String, Jwks) {
    let jwks = Jwks { doc: Arc::new(RwLock::new(doc)), hits: Arc::new(AtomicUsize::new(0)) };
    let app = Router::new()
        .route(
            "/jwks",
            get(|State(j): State<Jwks>| async move {
                j.hits.fetch_add(1, Ordering::SeqCst);
                axum::Json(j.doc.read().await.clone())
            }),
        )
        .with_state(jwks.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, jwks)
}

#[tokio::test]
async fn a_rotated_key_is_picked_up_without_restart() {
    let net = Network::new();
    let old = TestIssuer::with_kid("k1");
    let (url, jwks) = serve_jwks(old.jwks()).await;
    let verifier = Verifier::remote(ISSUER, AUD, &url);
    assert!(verifier.verify(&old.token(&net.teacher_a1, AUD)).await.is_ok());
    assert_eq!(jwks.hits.load(Ordering::SeqCst), 1);
    // The provider publishes a new key; the verifier has not seen it yet. Wait out the refetch
    // interval that the first fetch started.
    let new = TestIssuer::with_kid("k2");
    *jwks.doc.write().await = json!({ "keys": [old.jwks()["keys"][0].clone(), new.jwks()["keys"][0].clone()] });
    tokio::time::sleep(ent_portlet_kit::verify::REFETCH_INTERVAL).await;
    assert!(verifier.verify(&new.token(&net.teacher_a1, AUD)).await.is_ok());
    assert_eq!(jwks.hits.load(Ordering::SeqCst), 2);
    // Known keys need no fetch.
    assert!(verifier.verify(&old.token(&net.teacher_a1, AUD)).await.is_ok());
    assert_eq!(jwks.hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_flood_of_unknown_key_ids_costs_the_provider_one_request() {
    let net = Network::new();
    let real = TestIssuer::with_kid("real");
    let (url, jwks) = serve_jwks(real.jwks()).await;
    let verifier = Verifier::remote(ISSUER, AUD, &url);
    let mut tasks = Vec::new();
    for i in 0..200 {
        let v = verifier.clone();
        let token = TestIssuer::with_kid(&format!("made-up-{i}")).token(&net.teacher_a1, AUD);
        tasks.push(tokio::spawn(async move { v.verify(&token).await }));
    }
    for t in tasks {
        assert!(t.await.unwrap().is_err());
    }
    assert_eq!(jwks.hits.load(Ordering::SeqCst), 1, "unknown kids must not hammer the provider");
    // And the real key still works.
    assert!(verifier.verify(&real.token(&net.teacher_a1, AUD)).await.is_ok());
}

#[tokio::test]
async fn an_unreachable_provider_refuses_unknown_keys_and_keeps_known_ones() {
    let net = Network::new();
    let verifier = Verifier::remote(ISSUER, AUD, "http://127.0.0.1:9/jwks");
    let token = TestIssuer::new().token(&net.teacher_a1, AUD);
    assert_eq!(verifier.verify(&token).await, Err(TokenError::KeysUnavailable));
}

// ----- The extractor -----

#[derive(Clone)]
struct AppState {
    verifier: Arc<Verifier>,
}

impl axum::extract::FromRef<AppState> for Arc<Verifier> {
    fn from_ref(s: &AppState) -> Arc<Verifier> {
        s.verifier.clone()
    }
}

async fn whoami(who: Identity) -> String {
    who.sub
}

#[tokio::test]
async fn the_extractor_admits_only_bearer_tokens_for_this_portlet() {
    use tower::ServiceExt;
    let (issuer, verifier, net) = setup();
    let app = Router::new().route("/whoami", get(whoami)).with_state(AppState { verifier });
    let call = |auth: Option<String>| {
        let app = app.clone();
        async move {
            let mut req = axum::http::Request::get("/whoami");
            if let Some(a) = auth {
                req = req.header("authorization", a);
            }
            app.oneshot(req.body(axum::body::Body::empty()).unwrap()).await.unwrap()
        }
    };
    let ok = call(Some(format!("Bearer {}", issuer.token(&net.pupil_a1, AUD)))).await;
    assert_eq!(ok.status(), 200);
    let ok = call(Some(format!("bearer {}", issuer.token(&net.pupil_a1, AUD)))).await;
    assert_eq!(ok.status(), 200, "the scheme is case-insensitive");
    for auth in [
        None,
        Some("Basic dXNlcjpwYXNz".to_string()),
        Some("Bearer ".to_string()),
        Some(format!("Bearer {}", issuer.token(&net.pupil_a1, "urn:ent:portlet:liaison"))),
    ] {
        let res = call(auth.clone()).await;
        assert_eq!(res.status(), 401, "{auth:?}");
        assert_eq!(res.headers()["www-authenticate"], "Bearer error=\"invalid_token\"");
    }
}
