//! The directory API for portlets (`GET /directory/v1/classes/{id}`,
//! `/directory/v1/schools/{uai}/classes`, `/directory/v1/schools/{uai}/staff` and
//! `/directory/v1/schools`, docs/portlets.md): rosters, class lists, a school's staff and the
//! network's schools for a first-party service's directory token, and RFC 6750 refusals for
//! anything else.

use ent_idp::admin::ClientSpec;
use ent_idp::model::Profile;
use ent_idp::oauth::tokens::{access_claims, mint_access};
use ent_idp::store::directory::{ClassRole, Person, School, Snapshot};
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

async fn get_path(p: &Provider, path: &str, bearer: Option<&str>) -> Resp {
    let mut req = p.api.get(p.url(path));
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    Resp::read(req.send().await.expect("directory request")).await
}

/// Who works at the harness's school besides its teacher: a director named by the school's
/// role only, a secretary, a teacher linked only through a class (and directing another
/// school), a teacher who left, a city agent and an administrator listed in the school; and a
/// pupil and a parent who hold roles in it.
fn school_with_staff() -> Snapshot {
    let second =
        School {
            id: "s2".into(), uai: "0750002B".into(), name: "Collège Arago".into(), external_id: None, city: None
        };
    Snapshot {
        schools: vec![second],
        people: vec![
            person("d1", "dir.ecole", Profile::Director, false),
            person("st1", "secretariat", Profile::Staff, false),
            person("t2", "prof.cm1", Profile::Teacher, false),
            person("t3", "prof.partie", Profile::Teacher, true),
            person("ca1", "agent.ville", Profile::CityAgent, false),
            person("ad1", "admin.ent", Profile::Admin, false),
        ],
        person_schools: vec![
            ("st1".into(), "s1".into()),
            ("t3".into(), "s1".into()),
            ("ca1".into(), "s1".into()),
            ("ad1".into(), "s1".into()),
        ],
        class_members: vec![("c1".into(), "t2".into(), ClassRole::Teacher)],
        staff_roles: vec![
            ("d1".into(), "s1".into(), "director".into()),
            ("st1".into(), "s1".into(), "secretary".into()),
            ("st1".into(), "s1".into(), "accountant".into()),
            ("t2".into(), "s2".into(), "director".into()),
            ("g1".into(), "s1".into(), "director".into()),
            ("p1".into(), "s1".into(), "delegate".into()),
        ],
        ..Snapshot::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portlet_reads_who_works_at_a_school_and_nothing_more() {
    let p = Provider::start().await;
    p.state().directory.import(&school_with_staff()).await.expect("import");
    let token = directory_token(&p).await;

    let r = get_path(&p, "/directory/v1/schools/0750001A/staff", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    // By family name; roles at this school only; each entry exactly these four fields.
    assert_eq!(
        r.json(),
        json!({
            "school": "0750001A",
            "staff": [
                {"sub": "sub-d1", "name": "Given-d1 Family-d1", "profile": "director", "roles": ["director"]},
                {"sub": "sub-st1", "name": "Given-st1 Family-st1", "profile": "staff",
                 "roles": ["accountant", "secretary"]},
                {"sub": "sub-t1", "name": "Given-t1 Family-t1", "profile": "teacher", "roles": []},
                {"sub": "sub-t2", "name": "Given-t2 Family-t2", "profile": "teacher", "roles": []},
            ],
        })
    );
    // The pupil and the parent, though they hold roles in the school, and people who left,
    // city agents and administrators are never staff; no e-mail address goes out.
    for absent in ["sub-p1", "sub-g1", "sub-t3", "sub-ca1", "sub-ad1", "@example.org"] {
        assert!(!r.body.contains(absent), "{absent} in {}", r.body);
    }

    // The teacher who directs the other school is its staff, with that role.
    let r = get_path(&p, "/directory/v1/schools/0750002B/staff", Some(&token)).await;
    assert_eq!(
        r.json(),
        json!({"school": "0750002B", "staff": [
            {"sub": "sub-t2", "name": "Given-t2 Family-t2", "profile": "teacher", "roles": ["director"]},
        ]})
    );

    let r = get_path(&p, "/directory/v1/schools/9999999Z/staff", Some(&token)).await;
    assert_oauth_error(&r, StatusCode::NOT_FOUND, "not_found");

    // The network's schools, by name.
    let r = get_path(&p, "/directory/v1/schools", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(
        r.json(),
        json!({"schools": [
            {"uai": "0750002B", "name": "Collège Arago"},
            {"uai": "0750001A", "name": "École Jules Ferry"},
        ]})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_staff_and_the_schools_are_refused_to_tokens_that_are_not_for_the_directory() {
    let p = Provider::start().await;
    let paths = ["/directory/v1/schools/0750001A/staff", "/directory/v1/schools"];

    // The portlet's token for itself (another audience), a user's token and the portlet token
    // exchanged from it, a directory token without the scope.
    let r = client_credentials(&p, &p.auth(HOMEWORK), &[("scope", "directory.read")]).await;
    let own = r.json()["access_token"].as_str().expect("token").to_string();
    let (_b, t) = p.portal_tokens(TEACHER, TEACHER_PW, "openid profile ent").await;
    let ex = p.exchange(&p.auth(PORTAL), &t.access_token, HOMEWORK_RESOURCE, None).await;
    let portlet = ex.json()["access_token"].as_str().expect("token").to_string();
    let r = client_credentials(&p, &p.auth(HOMEWORK), &[("resource", DIRECTORY)]).await;
    let unscoped = r.json()["access_token"].as_str().expect("token").to_string();
    // A genuine signature for a third-party client.
    let state = p.state();
    let claims =
        access_claims(state, "vendor-robot".into(), DIRECTORY.into(), "vendor-robot", "directory.read", None, None);
    let third_party = mint_access(state, &claims).expect("sign");
    let mut spec = ClientSpec::new("Robot d'un éditeur", vec![]);
    spec.id = Some("vendor-robot".into());
    spec.grant_types = vec!["client_credentials".into()];
    spec.scopes = vec!["directory.read".into()];
    p.register(spec).await;

    for path in paths {
        let r = get_path(&p, path, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
        assert!(!r.body.contains("sub-"), "{path}: {}", r.body);
        for wrong in [&own, &t.access_token, &portlet] {
            assert_bearer_error(&get_path(&p, path, Some(wrong)).await, StatusCode::UNAUTHORIZED, "invalid_token");
        }
        assert_bearer_error(&get_path(&p, path, Some(&unscoped)).await, StatusCode::FORBIDDEN, "insufficient_scope");
        let r = get_path(&p, path, Some(&third_party)).await;
        assert_bearer_error(&r, StatusCode::FORBIDDEN, "insufficient_scope");
        assert!(!r.body.contains("sub-"), "{path}: {}", r.body);
    }
    // Control: the first-party portlet's directory token reads both.
    let token = directory_token(&p).await;
    for path in paths {
        assert_eq!(get_path(&p, path, Some(&token)).await.status, StatusCode::OK, "{path}");
    }
}
