//! The directory API for portlets (`GET /directory/v1/classes/{id}` and
//! `/directory/v1/schools/{uai}/classes`, docs/portlets.md): rosters and class lists for a
//! first-party service's directory token, and RFC 6750 refusals for anything else.

use ent_idp::admin::ClientSpec;
use ent_idp::model::Profile;
use ent_idp::oauth::tokens::{access_claims, mint_access};
use ent_idp::store::directory::{ClassRole, Person, Snapshot};
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::*;

const DIRECTORY: &str = "urn:ent:directory";

async fn get_class(p: &Provider, class: &str, bearer: Option<&str>) -> Resp {
    let mut req = p.api.get(p.url(&format!("/directory/v1/classes/{class}")));
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    Resp::read(req.send().await.expect("directory request")).await
}

async fn client_credentials(p: &Provider, auth: &Auth, params: &[(&str, &str)]) -> Resp {
    let mut all = vec![("grant_type", "client_credentials")];
    all.extend_from_slice(params);
    p.token(auth, &all).await
}

/// The portlet's directory token.
async fn directory_token(p: &Provider) -> String {
    let r = client_credentials(p, &p.auth(HOMEWORK), &[("resource", DIRECTORY), ("scope", "directory.read")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (_, claims) = jwt_parts(r.json()["access_token"].as_str().expect("token"));
    assert_eq!(claims["aud"], DIRECTORY);
    r.json()["access_token"].as_str().expect("token").to_string()
}

#[track_caller]
fn assert_bearer_error(r: &Resp, status: StatusCode, code: &str) {
    assert_oauth_error(r, status, code);
    let challenge = r.header("www-authenticate").expect("WWW-Authenticate");
    assert!(challenge.starts_with("Bearer") && challenge.contains(&format!("error=\"{code}\"")), "{challenge}");
}

fn person(id: &str, login: &str, profile: Profile, disabled: bool) -> Person {
    Person {
        id: id.into(),
        public_sub: format!("sub-{id}"),
        login: login.into(),
        profile,
        given_name: format!("Given-{id}"),
        family_name: format!("Family-{id}"),
        email: None,
        external_id: None,
        disabled,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portlet_reads_a_class_roster_without_disabled_people() {
    let p = Provider::start().await;
    // A second pupil who left (disabled), with a parent; a second parent of Léa who left.
    let snap = Snapshot {
        people: vec![
            person("p2", "gone.pupil", Profile::Pupil, true),
            person("g2", "gone.parent", Profile::Parent, false),
            person("g3", "gone.parent2", Profile::Parent, true),
        ],
        class_members: vec![("c1".into(), "p2".into(), ClassRole::Pupil)],
        guardianships: vec![("g2".into(), "p2".into(), true), ("g3".into(), "p1".into(), false)],
        ..Snapshot::default()
    };
    p.state().directory.import(&snap).await.expect("import");

    let token = directory_token(&p).await;
    let r = get_class(&p, "c1", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(
        r.json(),
        json!({
            "id": "c1", "name": "CM1-A", "school": "0750001A",
            "teachers": [{"sub": "sub-t1", "name": "Given-t1 Family-t1"}],
            "pupils": [{"sub": "sub-p1", "name": "Given-p1 Family-p1",
                        "guardians": [{"sub": "sub-g1", "name": "Given-g1 Family-g1", "legal_guardian": true}]}],
        })
    );

    // Unknown class: a JSON 404.
    let r = get_class(&p, "no-such-class", Some(&token)).await;
    assert_oauth_error(&r, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_directory_refuses_tokens_that_are_not_for_it() {
    let p = Provider::start().await;

    // No token: a bare challenge (RFC 6750 §3.1).
    let r = get_class(&p, "c1", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.header("www-authenticate").is_some_and(|h| h.starts_with("Bearer")));
    assert_bearer_error(&get_class(&p, "c1", Some("garbage")).await, StatusCode::UNAUTHORIZED, "invalid_token");

    // The portlet's token for itself (no resource): another audience.
    let r = client_credentials(&p, &p.auth(HOMEWORK), &[("scope", "directory.read")]).await;
    let own = r.json()["access_token"].as_str().expect("token").to_string();
    assert_bearer_error(&get_class(&p, "c1", Some(&own)).await, StatusCode::UNAUTHORIZED, "invalid_token");

    // A user's token for the portal, and the portlet token exchanged from it.
    let (_b, t) = p.portal_tokens(TEACHER, TEACHER_PW, "openid profile ent").await;
    assert_bearer_error(&get_class(&p, "c1", Some(&t.access_token)).await, StatusCode::UNAUTHORIZED, "invalid_token");
    let ex = p.exchange(&p.auth(PORTAL), &t.access_token, HOMEWORK_RESOURCE, None).await;
    let portlet = ex.json()["access_token"].as_str().expect("token").to_string();
    assert_bearer_error(&get_class(&p, "c1", Some(&portlet)).await, StatusCode::UNAUTHORIZED, "invalid_token");
    // Exchange does not lead to the directory either.
    let ex = p.exchange(&p.auth(PORTAL), &t.access_token, DIRECTORY, None).await;
    assert_oauth_error(&ex, StatusCode::BAD_REQUEST, "invalid_target");

    // A directory token without the scope.
    let r = client_credentials(&p, &p.auth(HOMEWORK), &[("resource", DIRECTORY)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let unscoped = r.json()["access_token"].as_str().expect("token").to_string();
    assert_bearer_error(&get_class(&p, "c1", Some(&unscoped)).await, StatusCode::FORBIDDEN, "insufficient_scope");

    // A revoked directory token.
    let token = directory_token(&p).await;
    let r = p.post("/revoke", &p.auth(HOMEWORK), &[("token", &token)]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_bearer_error(&get_class(&p, "c1", Some(&token)).await, StatusCode::UNAUTHORIZED, "invalid_token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_first_party_clients_registered_for_it_read_the_directory() {
    let p = Provider::start().await;
    // A school's tool registered for client credentials, the scope and even the resource.
    let mut spec = ClientSpec::new("Robot d'un éditeur", vec![]);
    spec.id = Some("vendor-robot".into());
    spec.grant_types = vec!["client_credentials".into()];
    spec.scopes = vec!["directory.read".into()];
    spec.resources = vec![DIRECTORY.into()];
    let robot = Auth::Basic("vendor-robot".into(), p.register(spec).await.secret.expect("secret"));
    let r = client_credentials(&p, &robot, &[("resource", DIRECTORY), ("scope", "directory.read")]).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_target");

    // A first-party client not registered with the scope.
    let mut spec = ClientSpec::new("Autre portlet", vec![]);
    spec.id = Some("portlet-other".into());
    spec.first_party = true;
    spec.grant_types = vec!["client_credentials".into()];
    spec.scopes = vec!["notes.read".into()];
    spec.resources = vec![DIRECTORY.into()];
    let other = Auth::Basic("portlet-other".into(), p.register(spec).await.secret.expect("secret"));
    let r = client_credentials(&p, &other, &[("resource", DIRECTORY), ("scope", "directory.read")]).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_scope");

    // Even a genuine signature does not let a third-party client in.
    let state = p.state();
    let claims =
        access_claims(state, "vendor-robot".into(), DIRECTORY.into(), "vendor-robot", "directory.read", None, None);
    let forged = mint_access(state, &claims).expect("sign");
    assert_bearer_error(&get_class(&p, "c1", Some(&forged)).await, StatusCode::FORBIDDEN, "insufficient_scope");
    // Control: the same token for the first-party portlet is accepted.
    let claims = access_claims(state, HOMEWORK.into(), DIRECTORY.into(), HOMEWORK, "directory.read", None, None);
    let genuine = mint_access(state, &claims).expect("sign");
    assert_eq!(get_class(&p, "c1", Some(&genuine)).await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portlet_reads_a_schools_classes_under_the_same_rules() {
    let p = Provider::start().await;
    let token = directory_token(&p).await;
    let get = |uai: &str, bearer: Option<String>| {
        let mut req = p.api.get(p.url(&format!("/directory/v1/schools/{uai}/classes")));
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        async move { Resp::read(req.send().await.expect("directory request")).await }
    };
    let r = get("0750001A", Some(token.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), json!({ "school": "0750001A", "classes": [{ "id": "c1", "name": "CM1-A" }] }));
    assert_oauth_error(&get("9999999Z", Some(token)).await, StatusCode::NOT_FOUND, "not_found");
    // A user's portlet token is not a directory token.
    let (_b, t) = p.portal_tokens(TEACHER, TEACHER_PW, "openid profile ent").await;
    let ex = p.exchange(&p.auth(PORTAL), &t.access_token, HOMEWORK_RESOURCE, None).await;
    let portlet = ex.json()["access_token"].as_str().expect("token").to_string();
    assert_bearer_error(&get("0750001A", Some(portlet)).await, StatusCode::UNAUTHORIZED, "invalid_token");
    assert_eq!(get("0750001A", None).await.status, StatusCode::UNAUTHORIZED);
}
