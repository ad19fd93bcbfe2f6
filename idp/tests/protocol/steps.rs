//! The steps of a sign-in cannot be skipped or finished elsewhere: a request parked for the
//! login (because the client asked `prompt=login`, `max_age=0` or a passkey) is refused by every
//! later step's form, and a request parked in one browser is refused in another. Each attack
//! checks the exact refusal and that nothing was issued: no code, no grant, no session.

use ent_idp::passkey::ACR_PASSKEY;
use ent_idp::web::i18n::EN;
use reqwest::StatusCode;

use super::harness::*;

/// The forms that come after the login page, and what each posts beside `csrf`, `req`, `lang`.
const LATER_STEPS: [(&str, &[(&str, &str)]); 5] = [
    ("/login/second-factor", &[("challenge", "x"), ("credential", "{}")]),
    ("/login/enrol", &[("challenge", "x"), ("credential", "{}"), ("name", "Clé")]),
    ("/login/invitation", &[]),
    ("/account/passkeys", &[("challenge", "x"), ("credential", "{}"), ("name", "Clé")]),
    ("/consent", &[("decision", "allow")]),
];

async fn grants(p: &Provider) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM grants").fetch_one(&p.state().db.pool).await.expect("count grants")
}

async fn sessions(p: &Provider) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM sessions").fetch_one(&p.state().db.pool).await.expect("count sessions")
}

/// Posts `form`'s request to `path` with that step's fields, from the provider's own origin.
async fn post_step(b: &Browser, path: &str, extra: &[(&str, &str)], form: &Form) -> Resp {
    let mut fields = vec![("csrf", form.csrf.as_str()), ("req", form.req.as_str()), ("lang", "en")];
    fields.extend_from_slice(extra);
    b.post_form(path, &fields, &[("origin", &b.origin)]).await
}

/// A refusal that issued nothing: an error page (no redirect anywhere, so no code) and no
/// session cookie.
#[track_caller]
fn assert_nothing_issued(r: &Resp, what: &str) {
    let refused = [StatusCode::BAD_REQUEST, StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN];
    assert!(refused.contains(&r.status), "{what}: {} {}", r.status, r.body);
    assert!(r.location().is_none(), "{what}: redirected to {:?}", r.location());
    assert!(!r.sets_session(), "{what}: a session was opened");
}

/// A signed-in browser (the teacher, for the portal).
async fn signed_in(p: &Provider) -> Browser {
    let b = p.browser();
    b.code_for(PORTAL, TEACHER, TEACHER_PW).await;
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_parked_for_a_fresh_login_is_refused_by_every_later_step() {
    let p = Provider::start().await;
    let b = signed_in(&p).await;
    let cases = [("prompt", "login"), ("max_age", "0"), ("acr_values", ACR_PASSKEY)];
    for (name, value) in cases {
        for client in [TOOL, PORTAL] {
            let params = AuthParams::new(client, redirect_of(client), &Pkce::new()).set(name, value);
            // The live session is not enough: the login page, with a request parked for it.
            let form = b.open_login(&params).await;
            let (grants_before, sessions_before) = (grants(&p).await, sessions(&p).await);
            for (path, extra) in LATER_STEPS {
                let what = format!("{client} {name}={value} posted to {path}");
                let r = post_step(&b, path, extra, &form).await;
                assert_nothing_issued(&r, &what);
                assert!(r.text().contains(EN.error_wrong_step), "{what}: {}", r.body);
            }
            assert_eq!(grants(&p).await, grants_before, "{client} {name}: no grant");
            assert_eq!(sessions(&p).await, sessions_before, "{client} {name}: no session");
            // Each attempt was audited as a skipped step.
            let refused = p.state().audit.recent(50).await.expect("audit");
            let skipped = refused.iter().filter(|e| e.event == "login" && e.outcome == "step_refused").count();
            assert!(skipped >= LATER_STEPS.len(), "{skipped} audit records");

            // The request is intact: only the login itself goes on with it.
            if value == ACR_PASSKEY {
                // The teacher has no passkey: the client's requirement cannot be met.
                let r = b.submit_login(&form, TEACHER, TEACHER_PW).await;
                assert_redirect_error(&r, &p, redirect_of(client), "unmet_authentication_requirements", Some("st-123"));
                continue;
            }
            let r = b.submit_login(&form, TEACHER, TEACHER_PW).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
            let mut to = r.location().expect("Location").to_string();
            if to.starts_with("/consent?") {
                to = b.consent(&to, "allow").await;
            }
            code_of(&url::Url::parse(&to).expect("back to the client"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_parked_in_one_browser_is_refused_in_another() {
    let p = Provider::start().await;
    // The victim's browser parks a request for the login…
    let victim = p.browser();
    let form = victim.open_login(&AuthParams::new(TOOL, TOOL_CB, &Pkce::new())).await;
    // …which another browser, signed in or not, can neither open nor finish, even with a
    // right password (that would sign the victim's tool in as the attacker).
    for attacker in [p.browser(), signed_in(&p).await] {
        let page = attacker.get(&format!("/login?req={}&lang=en", form.req)).await;
        assert_error_page(&page, StatusCode::BAD_REQUEST, EN.error_request_expired);
        // The attacker's own form token (its own CSRF cookie), with the victim's request.
        let own = AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new()).set("prompt", "login");
        let csrf = attacker.open_login(&own).await.csrf;
        let stolen = Form { csrf, req: form.req.clone(), lang: "en".into() };
        let grants_before = grants(&p).await;
        let r = attacker.submit_login(&stolen, PUPIL, PUPIL_PW).await;
        assert_error_page(&r, StatusCode::BAD_REQUEST, EN.error_request_expired);
        assert!(!r.sets_session());
        for (path, extra) in LATER_STEPS {
            let r = post_step(&attacker, path, extra, &stolen).await;
            assert_nothing_issued(&r, &format!("another browser posted to {path}"));
        }
        assert_eq!(grants(&p).await, grants_before);
    }
    // The victim's own login still goes on.
    let r = victim.submit_login(&form, PARENT, PARENT_PW).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().expect("Location").starts_with("/consent?"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consent_belongs_to_its_browser_and_its_session() {
    let p = Provider::start().await;
    let victim = signed_in(&p).await;
    // A school's tool asks the signed-in teacher: the request waits at the consent.
    let r = victim.authorize(&AuthParams::new(TOOL, TOOL_CB, &Pkce::new())).await;
    let to = r.location().expect("Location").to_string();
    assert!(to.starts_with("/consent?"), "{to}");
    let page = victim.get(&to).await;
    let form = Form::of(&page.body);

    // Another signed-in browser cannot answer it.
    let attacker = signed_in(&p).await;
    let csrf = attacker.open_login(&AuthParams::new(PORTAL, PORTAL_CB, &Pkce::new()).set("prompt", "login")).await.csrf;
    let stolen = Form { csrf, req: form.req.clone(), lang: "en".into() };
    let grants_before = grants(&p).await;
    let r = post_step(&attacker, "/consent", &[("decision", "allow")], &stolen).await;
    assert_nothing_issued(&r, "another browser's consent");
    // The consent's request is not the invitation's, nor the login's.
    for path in ["/login/invitation", "/login"] {
        let r = post_step(&victim, path, &[("login", TEACHER), ("password", TEACHER_PW)], &form).await;
        assert_nothing_issued(&r, path);
        assert!(r.text().contains(EN.error_wrong_step), "{path}: {}", r.body);
    }
    assert_eq!(grants(&p).await, grants_before);

    // The victim's own answer goes through, once.
    let r = post_step(&victim, "/consent", &[("decision", "allow")], &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    code_of(&url::Url::parse(r.location().expect("Location")).expect("back to the client"));
    let again = post_step(&victim, "/consent", &[("decision", "allow")], &form).await;
    assert_error_page(&again, StatusCode::BAD_REQUEST, EN.error_request_expired);
}
