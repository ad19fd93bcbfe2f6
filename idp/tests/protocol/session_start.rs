//! `ent_session_start` and `auth_time` in portlet tokens: the start of the person's sign-in
//! session at the provider, which a re-authentication in the same browser (`prompt=login`,
//! `max_age`) keeps while `auth_time` moves; a sign-in after a logout, or of someone else, starts
//! a new session; refreshed tokens carry the start of their grant's session. Time moves by the
//! provider's clock, not by waiting.

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::*;

const SCOPE: &str = "openid profile ent";
/// How far the clock moves between the sign-ins.
const LATER: i64 = 3600;

/// The claims of the portlet token exchanged from the portal's access token.
async fn portlet_claims(p: &Provider, access_token: &str) -> Value {
    let r = p.exchange(&p.auth(PORTAL), access_token, HOMEWORK_RESOURCE, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    jwt_parts(r.json()["access_token"].as_str().expect("access_token")).1
}

/// (started_at, auth_time) of the live sessions of a person at the provider.
async fn sessions_of(p: &Provider, person: &str) -> Vec<(i64, i64)> {
    sqlx::query_as("SELECT started_at, auth_time FROM sessions WHERE person_id = $1 ORDER BY auth_time")
        .bind(person)
        .fetch_all(&p.state().db.pool)
        .await
        .expect("sessions")
}

/// The portal's tokens for a sign-in in this browser with these extra parameters.
async fn sign_in_again(p: &Provider, b: &Browser, login: &str, password: &str, extra: &[(&str, &str)]) -> Tokens {
    let pkce = Pkce::new();
    let mut params = AuthParams::new(PORTAL, PORTAL_CB, &pkce).set("scope", SCOPE);
    for (k, v) in extra {
        params = params.set(k, v);
    }
    let url = b.login(&params, login, password).await;
    Tokens::of(&p.redeem(PORTAL, &code_of(&url), &pkce.verifier, PORTAL_CB).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portlet_token_names_the_session_start_and_the_last_authentication() {
    let p = Provider::start().await;
    let (_b, t) = p.portal_tokens(TEACHER, TEACHER_PW, SCOPE).await;
    let [(started, authenticated)] = sessions_of(&p, "t1").await[..] else { panic!("one session") };
    assert_eq!(started, authenticated, "a first sign-in starts the session");
    let c = portlet_claims(&p, &t.access_token).await;
    assert_eq!(c["ent_session_start"].as_i64(), Some(started));
    assert_eq!(c["auth_time"].as_i64(), Some(authenticated));
    // The portal's own token and ID token do not carry it: it is for portlets.
    assert!(jwt_parts(&t.access_token).1.get("ent_session_start").is_none());
    assert!(jwt_parts(&t.id_token).1.get("ent_session_start").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_re_authentication_keeps_the_session_start_and_moves_auth_time() {
    let p = Provider::start().await;
    let (b, first) = p.portal_tokens(TEACHER, TEACHER_PW, SCOPE).await;
    let start = portlet_claims(&p, &first.access_token).await["ent_session_start"].as_i64().expect("start");

    // An hour later a portlet asks for a recent sign-in: max_age sends the person to the login.
    p.state().clock.advance(LATER);
    let again = sign_in_again(&p, &b, TEACHER, TEACHER_PW, &[("max_age", "300")]).await;
    let c = portlet_claims(&p, &again.access_token).await;
    assert_eq!(c["ent_session_start"].as_i64(), Some(start), "the session is as old as before");
    let auth_time = c["auth_time"].as_i64().expect("auth_time");
    assert!(auth_time >= start + LATER, "auth_time {auth_time} moved on from {start}");
    assert_eq!(jwt_parts(&again.id_token).1["auth_time"].as_i64(), Some(auth_time));
    // One session for the person, under the new cookie; prompt=login later keeps it too.
    assert_eq!(sessions_of(&p, "t1").await, vec![(start, auth_time)]);
    p.state().clock.advance(LATER);
    let third = sign_in_again(&p, &b, TEACHER, TEACHER_PW, &[("prompt", "login")]).await;
    let c = portlet_claims(&p, &third.access_token).await;
    assert_eq!(c["ent_session_start"].as_i64(), Some(start));
    assert!(c["auth_time"].as_i64() >= Some(start + 2 * LATER));

    // The grant of the first sign-in still names the same session start when refreshed.
    let r = p.refresh(PORTAL, &first.refresh_token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let refreshed = r.json()["access_token"].as_str().expect("access_token").to_string();
    let c = portlet_claims(&p, &refreshed).await;
    assert_eq!(c["ent_session_start"].as_i64(), Some(start));
    assert_eq!(c["auth_time"].as_i64(), Some(start), "the first grant's authentication");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refreshed_tokens_keep_their_session_start() {
    let p = Provider::start().await;
    let (_b, t) = p.portal_tokens(TEACHER, TEACHER_PW, SCOPE).await;
    let start = portlet_claims(&p, &t.access_token).await["ent_session_start"].as_i64().expect("start");
    p.state().clock.advance(LATER);
    let mut refresh = t.refresh_token;
    for _ in 0..2 {
        let r = p.refresh(PORTAL, &refresh).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        refresh = r.json()["refresh_token"].as_str().expect("refresh_token").to_string();
        let c = portlet_claims(&p, r.json()["access_token"].as_str().expect("access_token")).await;
        assert_eq!(c["ent_session_start"].as_i64(), Some(start));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_after_a_logout_or_of_someone_else_starts_a_new_session() {
    let p = Provider::start().await;
    let (b, t) = p.portal_tokens(TEACHER, TEACHER_PW, SCOPE).await;
    let start = portlet_claims(&p, &t.access_token).await["ent_session_start"].as_i64().expect("start");

    // Someone else signs in in the same browser: their own, new session.
    p.state().clock.advance(LATER);
    let parent = sign_in_again(&p, &b, PARENT, PARENT_PW, &[("prompt", "login")]).await;
    let c = portlet_claims(&p, &parent.access_token).await;
    let parent_start = c["ent_session_start"].as_i64().expect("start");
    assert!(parent_start >= start + LATER, "{parent_start} is a new start");
    assert_eq!(c["ent_session_start"], c["auth_time"]);
    // The teacher's session was not theirs to continue, nor to end.
    assert_eq!(sessions_of(&p, "t1").await, vec![(start, start)]);

    // The parent signs out; the next sign-in in this browser is a new session too.
    let q = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("id_token_hint", parent.id_token.as_str()), ("post_logout_redirect_uri", PORTAL_BYE)])
        .finish();
    let r = b.get(&format!("/logout?{q}")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(sessions_of(&p, "g1").await.is_empty());
    p.state().clock.advance(LATER);
    let next = sign_in_again(&p, &b, PARENT, PARENT_PW, &[]).await;
    let c = portlet_claims(&p, &next.access_token).await;
    let next_start = c["ent_session_start"].as_i64().expect("start");
    assert!(next_start >= parent_start + LATER, "{next_start} is a new start after the logout");
}
