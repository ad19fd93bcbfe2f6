//! Passkeys over HTTP with webauthn-authenticator-rs's software passkey playing the authenticator:
//! registration from the account page, a passkey alone, the passkey after a password, the policy
//! forcing a first passkey, and the refusals (a replayed assertion, an assertion passed off as
//! another person's, a removed passkey, `acr_values` that a person without a passkey cannot meet,
//! a reset by an administrator).
//!
//! The software passkey cannot answer without an allow list and never sets the user handle: the
//! tests put the credential in the allow list and the handle in the answer (the handle is not
//! signed, which is why the provider checks it against the credential).

use ent_idp::model::Profile;
use ent_idp::passkey::{ACR_PASSKEY, Requirement};
use reqwest::StatusCode;
use serde_json::{Value, json};
use url::Url;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse, Uuid};
use webauthn_rs_proto::{AllowCredentials, AuthenticatorTransport, UserVerificationPolicy};

use super::harness::*;

const DIRECTOR: &str = "jeanne.directrice";
const DIRECTOR_PW: &str = "bureau-de-la-directrice-1";

/// A software authenticator and what it registered.
struct Key {
    soft: SoftPasskey,
    cred_id: Vec<u8>,
}

impl Key {
    fn new() -> Key {
        Key { soft: SoftPasskey::new(true), cred_id: Vec::new() }
    }
}

async fn options(browser: &Browser, ceremony: &str, csrf: &str, req: Option<&str>) -> (String, Value) {
    let mut body = json!({ "ceremony": ceremony, "csrf": csrf });
    if let Some(r) = req {
        body["req"] = json!(r);
    }
    let res = browser
        .http
        .post(format!("{}/passkeys/options", browser.base))
        .header("origin", &browser.origin)
        .json(&body)
        .send()
        .await
        .expect("options");
    let r = Resp::read(res).await;
    assert_eq!(r.status, StatusCode::OK, "options {ceremony}: {}", r.body);
    let v = r.json();
    (v["challenge"].as_str().expect("challenge id").to_string(), v["options"].clone())
}

/// Registers a passkey through `action` (the account page, or the first passkey of a login).
async fn register(p: &Provider, browser: &Browser, key: &mut Key, csrf: &str, req: Option<&str>, action: &str) -> Resp {
    let (challenge, opts) = options(browser, "register", csrf, req).await;
    let mut ccr: CreationChallengeResponse = serde_json::from_value(opts).expect("creation options");
    let selection = ccr.public_key.authenticator_selection.as_mut().expect("authenticator selection");
    assert!(selection.require_resident_key, "a discoverable credential is required");
    assert_eq!(selection.user_verification, UserVerificationPolicy::Required);
    // The software passkey refuses to be asked for a resident key (it is one in effect: it
    // answers for any credential it made); the server's request was checked above.
    selection.require_resident_key = false;
    selection.resident_key = None;
    let answer = key.soft.do_registration(Url::parse(&p.issuer).expect("origin"), ccr).expect("registration");
    key.cred_id = answer.raw_id.to_vec();
    let credential = serde_json::to_string(&answer).expect("json");
    let mut form = vec![("csrf", csrf), ("challenge", challenge.as_str()), ("credential", credential.as_str())];
    form.push(("name", "Téléphone"));
    if let Some(r) = req {
        form.push(("req", r));
    }
    form.push(("lang", "en"));
    browser.post_form(action, &form, &[("origin", &browser.origin)]).await
}

/// Signs in for the portal with a password, then registers a passkey from the account page.
async fn with_passkey(p: &Provider, login: &str, password: &str) -> (Browser, Key) {
    let browser = p.browser();
    let (code, pkce) = browser.code_for(PORTAL, login, password).await;
    Tokens::of(&p.redeem(PORTAL, &code, &pkce.verifier, PORTAL_CB).await);
    let page = browser.get("/account").await;
    assert_eq!(page.status, StatusCode::OK, "account: {}", page.body);
    assert!(page.body.contains("No passkey is registered"), "{}", page.body);
    let csrf = hidden(&page.body, "csrf");
    let mut key = Key::new();
    let r = register(p, &browser, &mut key, &csrf, None, "/account/passkeys").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some("/account?lang=en&done=added"));
    (browser, key)
}

/// The assertion of a passkey alone, as a browser would post it: `handle` is the user handle
/// the authenticator reports.
async fn discover_answer(
    p: &Provider,
    browser: &Browser,
    key: &mut Key,
    form: &Form,
    handle: &str,
) -> Vec<(String, String)> {
    let (challenge, opts) = options(browser, "discover", &form.csrf, Some(&form.req)).await;
    let mut rcr: RequestChallengeResponse = serde_json::from_value(opts).expect("request options");
    assert!(rcr.public_key.allow_credentials.is_empty(), "a passkey alone names no credential");
    rcr.public_key.allow_credentials.push(AllowCredentials {
        type_: "public-key".into(),
        id: key.cred_id.clone(),
        transports: Some(vec![AuthenticatorTransport::Internal]),
    });
    let mut answer = key.soft.do_authentication(Url::parse(&p.issuer).expect("origin"), rcr).expect("assertion");
    let uuid = Uuid::parse_str(handle).expect("uuid");
    answer.response.user_handle = Some(uuid.as_bytes().to_vec());
    vec![
        ("csrf".into(), form.csrf.clone()),
        ("req".into(), form.req.clone()),
        ("lang".into(), "en".into()),
        ("challenge".into(), challenge),
        ("credential".into(), serde_json::to_string(&answer).expect("json")),
    ]
}

async fn post(browser: &Browser, path: &str, form: &[(String, String)]) -> Resp {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    browser.post_form(path, &pairs, &[("origin", &browser.origin)]).await
}

async fn handle_of(p: &Provider, person_id: &str) -> String {
    p.state().passkeys.user_handle(person_id).await.expect("handle").expect("a passkey")
}

/// The ID token's claims after redeeming the code of a redirect back to the portal.
async fn id_claims(p: &Provider, r: &Resp, pkce: &Pkce) -> Value {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let url = Url::parse(r.location().expect("Location")).expect("redirect to the client");
    let tokens = Tokens::of(&p.redeem(PORTAL, &code_of(&url), &pkce.verifier, PORTAL_CB).await);
    jwt_parts(&tokens.id_token).1
}

#[tokio::test]
async fn a_passkey_registered_from_the_account_page_signs_in_alone() {
    let p = Provider::start().await;
    let (account, mut key) = with_passkey(&p, TEACHER, TEACHER_PW).await;
    let page = account.get("/account?lang=en").await;
    assert!(page.body.contains("Téléphone"), "the passkey is listed: {}", page.body);
    let audit = p.state().audit.recent(10).await.expect("audit");
    let reg = audit.iter().find(|e| e.event == "passkey.register").expect("registration audited");
    assert_eq!(reg.person_id.as_deref(), Some("t1"));
    assert!(!reg.detail.as_deref().unwrap_or("").contains("Téléphone"), "no name in the audit");

    // Another browser: the login page offers the passkey, and the passkey alone signs in.
    let browser = p.browser();
    let pkce = Pkce::new();
    let params = AuthParams::new(PORTAL, PORTAL_CB, &pkce);
    let form = browser.open_login(&params).await;
    let login_page = browser.get(&format!("/login?req={}&lang=fr", form.req)).await;
    assert!(login_page.body.contains("Se connecter avec une clé d&#39;accès"), "{}", login_page.body);
    assert!(login_page.body.contains(r#"<script src="/assets/passkeys.js" defer></script>"#));
    let csp = login_page.header("content-security-policy").expect("csp");
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    let answer = discover_answer(&p, &browser, &mut key, &form, &handle_of(&p, "t1").await).await;
    let r = post(&browser, "/login/passkey", &answer).await;
    let claims = id_claims(&p, &r, &pkce).await;
    assert_eq!(claims["amr"], json!(["hwk", "user", "mfa"]));
    assert_eq!(claims["acr"], json!(ACR_PASSKEY));
    let last_used = p.state().passkeys.list("t1").await.expect("list")[0].last_used_at;
    assert!(last_used.is_some(), "the use is recorded");

    // The same assertion replayed into a new login request finds no ceremony to finish.
    let other = p.browser();
    let again = other.open_login(&AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await;
    let replay: Vec<(String, String)> = answer
        .iter()
        .map(|(k, v)| match k.as_str() {
            "req" => (k.clone(), again.req.clone()),
            "csrf" => (k.clone(), again.csrf.clone()),
            _ => (k.clone(), v.clone()),
        })
        .collect();
    let r = post(&other, "/login/passkey", &replay).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "a replay must not sign in: {}", r.body);
}

#[tokio::test]
async fn an_assertion_is_refused_for_another_person_and_once_the_passkey_is_removed() {
    let p = Provider::start().await;
    let (teacher, mut teacher_key) = with_passkey(&p, TEACHER, TEACHER_PW).await;
    let (_parent, _) = with_passkey(&p, PARENT, PARENT_PW).await;

    // The teacher's key, claiming the parent's user handle: refused.
    let browser = p.browser();
    let pkce = Pkce::new();
    let form = browser.open_login(&AuthParams::new(PORTAL, PORTAL_CB, &pkce)).await;
    let answer = discover_answer(&p, &browser, &mut teacher_key, &form, &handle_of(&p, "g1").await).await;
    let r = post(&browser, "/login/passkey", &answer).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert!(r.body.contains("This passkey is not recognised"), "{}", r.body);
    assert!(!r.sets_session());

    // Removed from the account page: the same key no longer signs in.
    let handle = handle_of(&p, "t1").await;
    let page = teacher.get("/account?lang=en").await;
    let id = p.state().passkeys.list("t1").await.expect("list")[0].id.clone();
    let r = teacher
        .post_form(
            "/account/passkeys/remove",
            &[("csrf", &hidden(&page.body, "csrf")), ("id", &id), ("lang", "en")],
            &[("origin", &teacher.origin)],
        )
        .await;
    assert_eq!(r.location(), Some("/account?lang=en&done=removed"));
    assert_eq!(p.state().passkeys.count("t1").await.expect("count"), 0);
    let audit = p.state().audit.recent(5).await.expect("audit");
    assert!(audit.iter().any(|e| e.event == "passkey.remove" && e.person_id.as_deref() == Some("t1")));
    let form = browser.open_login(&AuthParams::new(PORTAL, PORTAL_CB, &pkce)).await;
    let answer = discover_answer(&p, &browser, &mut teacher_key, &form, &handle).await;
    let r = post(&browser, "/login/passkey", &answer).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);

    // Nobody else's passkey can be removed or renamed either (the parent's, by the teacher).
    let parents = p.state().passkeys.list("g1").await.expect("list")[0].id.clone();
    let r = teacher
        .post_form(
            "/account/passkeys/remove",
            &[("csrf", &hidden(&page.body, "csrf")), ("id", &parents), ("lang", "en")],
            &[("origin", &teacher.origin)],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(p.state().passkeys.count("g1").await.expect("count"), 1);
}

#[tokio::test]
async fn the_policy_walks_a_director_through_a_first_passkey_then_asks_for_it_after_the_password() {
    let p = Provider::start().await;
    p.add_person_as("d1", DIRECTOR, DIRECTOR_PW, Profile::Director, false).await;
    assert_eq!(p.state().config.passkey_policy.of(Profile::Director), Requirement::Required);

    // First login: the password is right, but no session until a passkey exists.
    let browser = p.browser();
    let pkce = Pkce::new();
    let params = AuthParams::new(PORTAL, PORTAL_CB, &pkce);
    let form = browser.open_login(&params).await;
    let r = browser.submit_login(&form, DIRECTOR, DIRECTOR_PW).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some(format!("/login/enrol?req={}&lang=en", form.req).as_str()));
    assert!(!r.sets_session(), "no session before the passkey");
    let enrol = browser.get(r.location().expect("Location")).await;
    assert_eq!(enrol.status, StatusCode::OK);
    assert!(enrol.body.contains("Create your passkey"), "{}", enrol.body);
    let csrf = hidden(&enrol.body, "csrf");
    // Without the waiting login's cookie (another browser), nothing can be registered.
    let stranger = p.browser();
    let res = stranger
        .http
        .post(format!("{}/passkeys/options", stranger.base))
        .header("origin", &stranger.origin)
        .json(&json!({"ceremony": "register", "csrf": csrf, "req": form.req}))
        .send()
        .await
        .expect("options");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let mut key = Key::new();
    let r = register(&p, &browser, &mut key, &csrf, Some(&form.req), "/login/enrol").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some(format!("/login/second-factor?req={}&lang=en", form.req).as_str()));

    // Then the passkey step, with the new passkey: the login completes.
    let r = second_factor(&p, &browser, &mut key, &form.req).await;
    let claims = id_claims(&p, &r, &pkce).await;
    assert_eq!(claims["amr"], json!(["pwd", "hwk", "user", "mfa"]));
    assert_eq!(claims["acr"], json!(ACR_PASSKEY));

    // Next time: the password leads to the passkey step, and a replayed answer to it fails.
    let browser = p.browser();
    let pkce = Pkce::new();
    let form = browser.open_login(&AuthParams::new(PORTAL, PORTAL_CB, &pkce)).await;
    let r = browser.submit_login(&form, DIRECTOR, DIRECTOR_PW).await;
    assert_eq!(r.location(), Some(format!("/login/second-factor?req={}&lang=en", form.req).as_str()));
    let page = browser.get(r.location().expect("Location")).await;
    let csrf = hidden(&page.body, "csrf");
    let answer = second_factor_answer(&p, &browser, &mut key, &csrf, &form.req).await;
    let first = post(&browser, "/login/second-factor", &answer).await;
    let claims = id_claims(&p, &first, &pkce).await;
    assert_eq!(claims["amr"], json!(["pwd", "hwk", "user", "mfa"]));
    let replay = post(&browser, "/login/second-factor", &answer).await;
    assert_ne!(replay.status, StatusCode::SEE_OTHER, "{}", replay.body);
}

async fn second_factor_answer(
    p: &Provider,
    browser: &Browser,
    key: &mut Key,
    csrf: &str,
    req: &str,
) -> Vec<(String, String)> {
    let (challenge, opts) = options(browser, "authenticate", csrf, Some(req)).await;
    let rcr: RequestChallengeResponse = serde_json::from_value(opts).expect("request options");
    assert_eq!(rcr.public_key.allow_credentials.len(), 1, "the person's passkeys only");
    let answer = key.soft.do_authentication(Url::parse(&p.issuer).expect("origin"), rcr).expect("assertion");
    vec![
        ("csrf".into(), csrf.to_string()),
        ("req".into(), req.to_string()),
        ("lang".into(), "en".into()),
        ("challenge".into(), challenge),
        ("credential".into(), serde_json::to_string(&answer).expect("json")),
    ]
}

async fn second_factor(p: &Provider, browser: &Browser, key: &mut Key, req: &str) -> Resp {
    let page = browser.get(&format!("/login/second-factor?req={req}&lang=en")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = hidden(&page.body, "csrf");
    let answer = second_factor_answer(p, browser, key, &csrf, req).await;
    post(browser, "/login/second-factor", &answer).await
}

#[tokio::test]
async fn a_client_asking_for_a_passkey_gets_one_or_an_error() {
    let p = Provider::start().await;
    // A teacher without a passkey: refused with the OIDC error, after the password.
    let browser = p.browser();
    let pkce = Pkce::new();
    let params = AuthParams::new(PORTAL, PORTAL_CB, &pkce).set("acr_values", ACR_PASSKEY);
    let form = browser.open_login(&params).await;
    let r = browser.submit_login(&form, TEACHER, TEACHER_PW).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let url = Url::parse(r.location().expect("Location")).expect("back to the client");
    let q = Query::of(&url);
    assert_eq!(q.get("error"), Some("unmet_authentication_requirements"), "{url}");
    assert_eq!(q.get("state"), Some("st-123"));
    assert!(!r.sets_session());

    // With a passkey: the password leads to the passkey step, and the token says so.
    let (signed_in, mut key) = with_passkey(&p, TEACHER, TEACHER_PW).await;
    // The existing session (password only) is not enough for this client: back to the login.
    let r = signed_in.authorize(&params.clone().set("prompt", "none")).await;
    let url = Url::parse(r.location().expect("Location")).expect("back to the client");
    assert_eq!(Query::of(&url).get("error"), Some("login_required"));
    let browser = p.browser();
    let form = browser.open_login(&params).await;
    let r = browser.submit_login(&form, TEACHER, TEACHER_PW).await;
    assert_eq!(r.location(), Some(format!("/login/second-factor?req={}&lang=en", form.req).as_str()));
    let r = second_factor(&p, &browser, &mut key, &form.req).await;
    let claims = id_claims(&p, &r, &pkce).await;
    assert_eq!(claims["acr"], json!(ACR_PASSKEY));

    // Discovery advertises both classes.
    let meta = p.api.get(p.url("/.well-known/openid-configuration")).send().await.expect("discovery");
    let meta: Value = meta.json().await.expect("json");
    assert!(meta["acr_values_supported"].as_array().expect("acr_values_supported").contains(&json!(ACR_PASSKEY)));
}

#[tokio::test]
async fn a_password_login_says_pwd_and_the_password_class() {
    let p = Provider::start().await;
    let (_, tokens) = p.tokens(PORTAL, PUPIL, PUPIL_PW).await;
    let claims = jwt_parts(&tokens.id_token).1;
    assert_eq!(claims["amr"], json!(["pwd"]));
    assert_eq!(claims["acr"], json!(ent_idp::passkey::ACR_PASSWORD));
}

#[tokio::test]
async fn a_reset_removes_the_passkeys_and_the_person_is_told_at_the_next_login() {
    let p = Provider::start().await;
    let (_, _) = with_passkey(&p, PARENT, PARENT_PW).await;
    let removed = reset(&p, PARENT).await.expect("reset");
    assert_eq!(removed, 1);
    assert_eq!(p.state().passkeys.count("g1").await.expect("count"), 0);
    let audit = p.state().audit.recent(5).await.expect("audit");
    assert!(audit.iter().any(|e| e.event == "passkey.reset" && e.person_id.as_deref() == Some("g1")));

    // The next password login shows the notice before going back to the client.
    let browser = p.browser();
    let pkce = Pkce::new();
    let form = browser.open_login(&AuthParams::new(PORTAL, PORTAL_CB, &pkce)).await;
    let r = browser.submit_login(&form, PARENT, PARENT_PW).await;
    assert_eq!(r.location(), Some(format!("/login/invitation?req={}&lang=en", form.req).as_str()));
    let page = browser.get(r.location().expect("Location")).await;
    assert!(page.body.contains("Your passkeys were removed by an ENT administrator"), "{}", page.body);
    let r = browser
        .post_form(
            "/login/invitation",
            &[("csrf", &hidden(&page.body, "csrf")), ("req", &form.req), ("lang", "en")],
            &[("origin", &browser.origin)],
        )
        .await;
    let claims = id_claims(&p, &r, &pkce).await;
    assert_eq!(claims["amr"], json!(["pwd"]));
    // Told once.
    assert!(!p.state().passkeys.has_reset_notice("g1").await.expect("notice"));
    assert!(reset(&p, NOBODY).await.is_err());
}

async fn reset(p: &Provider, login: &str) -> Result<u64, ent_idp::admin::AdminError> {
    let s = p.state();
    ent_idp::admin::reset_passkeys(&s.directory, &s.passkeys, &s.audit, login).await
}

/// A person who has a passkey must use it: after the password alone, the waiting login can
/// register no other (which the next step would then accept), and the passkey they have still
/// works.
#[tokio::test]
async fn a_password_alone_cannot_add_a_passkey_to_an_account_that_has_one() {
    let p = Provider::start().await;
    p.add_person_as("d1", DIRECTOR, DIRECTOR_PW, Profile::Director, false).await;
    // The director's passkey A, made at a first login.
    let browser = p.browser();
    let form = browser.open_login(&AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await;
    browser.submit_login(&form, DIRECTOR, DIRECTOR_PW).await;
    let enrol = browser.get(&format!("/login/enrol?req={}&lang=en", form.req)).await;
    let mut a = Key::new();
    let r = register(&p, &browser, &mut a, &hidden(&enrol.body, "csrf"), Some(&form.req), "/login/enrol").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(p.state().passkeys.count("d1").await.expect("count"), 1);

    // The attacker knows the password: the passkey step follows…
    let attacker = p.browser();
    let pkce = Pkce::new();
    let form = attacker.open_login(&AuthParams::new(PORTAL, PORTAL_CB, &pkce)).await;
    let r = attacker.submit_login(&form, DIRECTOR, DIRECTOR_PW).await;
    assert_eq!(r.location(), Some(format!("/login/second-factor?req={}&lang=en", form.req).as_str()));
    let page = attacker.get(r.location().expect("Location")).await;
    let csrf = hidden(&page.body, "csrf");
    // …and registering passkey B under that waiting login is refused at the options…
    let res = attacker
        .http
        .post(format!("{}/passkeys/options", attacker.base))
        .header("origin", &attacker.origin)
        .json(&json!({"ceremony": "register", "csrf": csrf, "req": form.req}))
        .send()
        .await
        .expect("options");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // …and at the enrolment form, whatever it is sent.
    let r = attacker
        .post_form(
            "/login/enrol",
            &[("csrf", &csrf), ("req", &form.req), ("lang", "en"), ("challenge", "x"), ("credential", "{}")],
            &[("origin", &attacker.origin)],
        )
        .await;
    assert!(matches!(r.status, StatusCode::BAD_REQUEST | StatusCode::FORBIDDEN), "{} {}", r.status, r.body);
    assert!(r.location().is_none() && !r.sets_session(), "{}", r.body);
    // B is not stored, no session was opened, and the refusal is audited.
    assert_eq!(p.state().passkeys.count("d1").await.expect("count"), 1);
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE person_id = 'd1'")
        .fetch_one(&p.state().db.pool)
        .await
        .expect("sessions");
    assert_eq!(sessions, 0, "no session: the first login stopped after registering A");
    let audit = p.state().audit.recent(10).await.expect("audit");
    assert!(audit.iter().any(|e| e.outcome == "refused_has_passkey" && e.person_id.as_deref() == Some("d1")));

    // The director's own passkey still finishes a login.
    let owner = p.browser();
    let pkce = Pkce::new();
    let form = owner.open_login(&AuthParams::new(PORTAL, PORTAL_CB, &pkce)).await;
    owner.submit_login(&form, DIRECTOR, DIRECTOR_PW).await;
    let r = second_factor(&p, &owner, &mut a, &form.req).await;
    let claims = id_claims(&p, &r, &pkce).await;
    assert_eq!(claims["amr"], json!(["pwd", "hwk", "user", "mfa"]));
}

/// Two first logins of the same person, in two browsers, each at the enrolment: the first
/// passkey registered wins; the other is refused and stores nothing.
#[tokio::test]
async fn of_two_first_enrolments_only_one_stores_a_passkey() {
    let p = Provider::start().await;
    p.add_person_as("d1", DIRECTOR, DIRECTOR_PW, Profile::Director, false).await;
    let mut started = Vec::new();
    for _ in 0..2 {
        let b = p.browser();
        let form = b.open_login(&AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new())).await;
        let r = b.submit_login(&form, DIRECTOR, DIRECTOR_PW).await;
        assert_eq!(r.location(), Some(format!("/login/enrol?req={}&lang=en", form.req).as_str()));
        let page = b.get(r.location().expect("Location")).await;
        let csrf = hidden(&page.body, "csrf");
        // Both get their registration options while the director has no passkey.
        let (challenge, opts) = options(&b, "register", &csrf, Some(&form.req)).await;
        started.push((b, form, csrf, challenge, opts));
    }
    let mut outcomes = Vec::new();
    for (b, form, csrf, challenge, opts) in started {
        let mut ccr: CreationChallengeResponse = serde_json::from_value(opts).expect("creation options");
        let selection = ccr.public_key.authenticator_selection.as_mut().expect("selection");
        selection.require_resident_key = false;
        selection.resident_key = None;
        let mut key = Key::new();
        let answer = key.soft.do_registration(Url::parse(&p.issuer).expect("origin"), ccr).expect("registration");
        let credential = serde_json::to_string(&answer).expect("json");
        let fields = [
            ("csrf", csrf.as_str()),
            ("req", form.req.as_str()),
            ("lang", "en"),
            ("challenge", challenge.as_str()),
            ("credential", credential.as_str()),
        ];
        outcomes.push(b.post_form("/login/enrol", &fields, &[("origin", &b.origin)]).await);
    }
    assert_eq!(outcomes[0].status, StatusCode::SEE_OTHER, "{}", outcomes[0].body);
    assert_eq!(outcomes[1].status, StatusCode::FORBIDDEN, "{}", outcomes[1].body);
    assert!(outcomes[1].text().contains(ent_idp::web::i18n::EN.enrol_has_passkey), "{}", outcomes[1].body);
    assert_eq!(p.state().passkeys.count("d1").await.expect("count"), 1);
}
