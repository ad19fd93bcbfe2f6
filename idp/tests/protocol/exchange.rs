//! Token exchange (RFC 8693) for the portal's portlets (RFC 8707 resources): what the issued
//! token says, and every way a client might try to get a token it should not have.

use std::time::Duration;

use ent_idp::admin::ClientSpec;
use ent_idp::model::{City, Profile};
use ent_idp::passkey::{PasskeyPolicy, Requirement};
use ent_idp::store::directory::{School, Snapshot};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::*;

const FULL: &str = "openid profile ent offline_access";

#[track_caller]
fn exchanged(r: &Resp) -> (String, Value) {
    assert_eq!(r.status, StatusCode::OK, "exchange: {}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let v = r.json();
    assert_eq!(v["issued_token_type"], ACCESS_TOKEN_TYPE);
    assert_eq!(v["token_type"], "Bearer");
    (v["access_token"].as_str().expect("access_token").to_string(), v)
}

/// Another first-party, confidential client allowed to exchange (a second portal).
async fn second_portal(p: &Provider) -> Auth {
    let mut spec = ClientSpec::new("Autre portail", vec!["http://localhost:9998/cb".into()]);
    spec.id = Some("portal-b".into());
    spec.first_party = true;
    spec.scopes = ["openid", "profile", "ent"].map(String::from).to_vec();
    spec.grant_types.push(EXCHANGE.into());
    let r = p.register(spec).await;
    Auth::Basic("portal-b".into(), r.secret.expect("secret"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exchanged_token_is_for_the_portlet_and_carries_the_users_claims() {
    let p = Provider::start().await;
    let (_b, t) = p.portal_tokens(PARENT, PARENT_PW, FULL).await;
    let (_, subject) = jwt_parts(&t.access_token);

    let r = p.exchange(&p.auth(PORTAL), &t.access_token, HOMEWORK_RESOURCE, None).await;
    let (token, v) = exchanged(&r);
    // The default scope is the subject's, without offline_access.
    assert_eq!(v["scope"], "openid profile ent");
    assert_eq!(v["expires_in"], 300);

    let (header, c) = p.verify_with_jwks(&token).await;
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    assert_eq!(header.alg, "ES256");
    assert_eq!(c["iss"], p.issuer.as_str());
    assert_eq!(c["aud"], HOMEWORK_RESOURCE);
    assert_eq!(c["sub"], "sub-g1");
    assert_eq!(c["sub"], subject["sub"]);
    assert_eq!(c["client_id"], PORTAL);
    assert_eq!(c["scope"], "openid profile ent");
    assert_eq!(c["auth_time"], subject["auth_time"]);
    assert_ne!(c["jti"], subject["jti"]);
    assert_eq!(c["exp"].as_i64().expect("exp") - c["iat"].as_i64().expect("iat"), 300);
    assert_eq!(c["name"], "Given-g1 Family-g1");
    assert_eq!(c["ent_profile"], "parent");
    assert_eq!(c["ent_schools"], json!(["0750001A"]));
    assert_eq!(c["ent_classes"], json!([]));
    assert_eq!(c["ent_roles"], json!([]));
    // The child as the portlet (first-party) sees her: her public subject.
    assert_eq!(
        c["ent_children"],
        json!([{"sub": "sub-p1", "class": "c1", "class_name": "CM1-A", "school": "0750001A", "legal_guardian": true, "given_name": "Given-p1"}])
    );
    // Without `profile`, no names at all: not the parent's, not the children's.
    let r = p.exchange(&p.auth(PORTAL), &t.access_token, HOMEWORK_RESOURCE, Some("openid ent")).await;
    let (narrow, _) = exchanged(&r);
    let (_, n) = p.verify_with_jwks(&narrow).await;
    assert!(n.get("name").is_none(), "{n}");
    // The class's name is not a person's: it stays, so that the pages name the class.
    assert_eq!(
        n["ent_children"],
        json!([{"sub": "sub-p1", "class": "c1", "class_name": "CM1-A", "school": "0750001A", "legal_guardian": true}])
    );
    // Nothing beyond what portlets need.
    for absent in ["given_name", "family_name", "preferred_username", "email", "nonce", "at_hash"] {
        assert!(c.get(absent).is_none(), "{absent} must not be in a portlet token: {c}");
    }

    // The portlet, as the resource server, may introspect it; the tool may not.
    let seen = p.post("/introspect", &p.auth(HOMEWORK), &[("token", &token)]).await;
    assert_eq!(seen.json()["active"], true, "{}", seen.body);
    assert_eq!(seen.json()["aud"], HOMEWORK_RESOURCE);
    let by_tool = p.post("/introspect", &p.auth(TOOL), &[("token", &token)]).await;
    assert_eq!(by_tool.json(), json!({"active": false}));

    // The portlet cannot trade its token at UserInfo for more than it carries.
    let ui = p.userinfo(Some(&token)).await;
    assert_oauth_error(&ui, StatusCode::UNAUTHORIZED, "invalid_token");

    // The act is audited, without personal data.
    let events = p.state().audit.recent(20).await.expect("audit");
    let e = events.iter().find(|e| e.event == "token.exchange").expect("token.exchange audited");
    assert_eq!(e.outcome, "ok");
    assert_eq!(e.client_id.as_deref(), Some(PORTAL));
    let detail = e.detail.as_deref().unwrap_or_default();
    assert!(!detail.contains("sub-g1") && !detail.contains("Given-g1"), "{detail}");

    // A narrower scope: no claims of the scopes left out.
    let r = p.exchange(&p.auth(PORTAL), &t.access_token, HOMEWORK_RESOURCE, Some("openid")).await;
    let (token, v) = exchanged(&r);
    assert_eq!(v["scope"], "openid");
    let (_, c) = jwt_parts(&token);
    for absent in ["name", "ent_profile", "ent_schools", "ent_classes", "ent_children", "ent_roles", "ent_city"] {
        assert!(c.get(absent).is_none(), "{absent} without its scope: {c}");
    }
    let r = p.exchange(&p.auth(PORTAL), &t.access_token, HOMEWORK_RESOURCE, Some("ent")).await;
    let (_, c) = jwt_parts(&exchanged(&r).0);
    assert!(c.get("name").is_none() && c["ent_profile"] == "parent", "{c}");

    // A teacher's classes.
    let (_b, t) = p.portal_tokens(TEACHER, TEACHER_PW, FULL).await;
    let (_, c) = jwt_parts(&exchanged(&p.exchange(&p.auth(PORTAL), &t.access_token, HOMEWORK_RESOURCE, None).await).0);
    assert_eq!(c["ent_classes"], json!([{"id": "c1", "name": "CM1-A", "school": "0750001A", "role": "teacher"}]));
    assert!(c.get("ent_children").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_city_agents_portlet_token_carries_their_city_and_its_schools() {
    // Passkeys only offered: the agent signs in with a password, like the other tests' people.
    let p = Provider::with_config(|c| c.passkey_policy = PasskeyPolicy::uniform(Requirement::Offered)).await;
    p.add_person_as("a1", "agent.ville", "services-de-la-ville-75", Profile::CityAgent, false).await;
    let paris = City { code: "75056".into(), name: "Paris".into() };
    let school = School {
        id: "s1".into(),
        uai: "0750001A".into(),
        name: "École Jules Ferry".into(),
        external_id: None,
        city: Some(paris),
    };
    let snap =
        Snapshot { schools: vec![school], agent_cities: vec![("a1".into(), "75056".into())], ..Default::default() };
    p.state().directory.import(&snap).await.expect("import");

    let (_b, t) = p.portal_tokens("agent.ville", "services-de-la-ville-75", FULL).await;
    let r = p.exchange(&p.auth(PORTAL), &t.access_token, HOMEWORK_RESOURCE, None).await;
    let (_, c) = p.verify_with_jwks(&exchanged(&r).0).await;
    assert_eq!(c["ent_profile"], "city_agent");
    assert_eq!(c["ent_city"], json!({"code": "75056", "name": "Paris"}));
    assert_eq!(c["ent_schools"], json!(["0750001A"]));
    // Nobody else carries a city.
    let (_b, t) = p.portal_tokens(TEACHER, TEACHER_PW, FULL).await;
    let (_, c) = jwt_parts(&exchanged(&p.exchange(&p.auth(PORTAL), &t.access_token, HOMEWORK_RESOURCE, None).await).0);
    assert!(c.get("ent_city").is_none(), "{c}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_advertises_token_exchange() {
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
    assert!(meta["grant_types_supported"].as_array().expect("grant types").iter().any(|g| g == EXCHANGE));
}

/// Only a first-party confidential client registered for the grant type may exchange.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_without_the_grant_type_may_not_exchange() {
    let p = Provider::start().await;
    let (_b, t) = p.portal_tokens(TEACHER, TEACHER_PW, FULL).await;

    // The school's tool, the public app, the portlet itself.
    for auth in [p.auth(TOOL), p.auth(SPA), p.auth(HOMEWORK)] {
        let r = p.exchange(&auth, &t.access_token, HOMEWORK_RESOURCE, None).await;
        assert_oauth_error(&r, StatusCode::BAD_REQUEST, "unauthorized_client");
    }
    // With its own token, the tool is still refused.
    let (_b, tool) = p.tokens(TOOL, TEACHER, TEACHER_PW).await;
    let r = p.exchange(&p.auth(TOOL), &tool.access_token, HOMEWORK_RESOURCE, None).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "unauthorized_client");
    // A first-party confidential client without the grant type.
    let mut spec = ClientSpec::new("Sans échange", vec!["http://localhost:9997/cb".into()]);
    spec.id = Some("no-exchange".into());
    spec.first_party = true;
    let secret = p.register(spec).await.secret.expect("secret");
    let r = p.exchange(&Auth::Basic("no-exchange".into(), secret), &t.access_token, HOMEWORK_RESOURCE, None).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "unauthorized_client");

    // Registration refuses the grant type to public and third-party clients.
    let state = p.state();
    let mut public = ClientSpec::new("Appli", vec![SPA_CB.into()]);
    public.public = true;
    public.first_party = true;
    public.grant_types.push(EXCHANGE.into());
    assert!(ent_idp::admin::register_client(&state.clients, &state.audit, public).await.is_err());
    let mut third = ClientSpec::new("Outil", vec![TOOL_CB.into()]);
    third.grant_types.push(EXCHANGE.into());
    assert!(ent_idp::admin::register_client(&state.clients, &state.audit, third).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subject_tokens_of_another_client_or_already_exchanged_are_invalid_grant() {
    let p = Provider::start().await;
    let portal_b = second_portal(&p).await;
    let (_b, t) = p.portal_tokens(TEACHER, TEACHER_PW, FULL).await;

    // The portal's token presented by another portal.
    let r = p.exchange(&portal_b, &t.access_token, HOMEWORK_RESOURCE, None).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    // The tool's token presented by the portal.
    let (_b, tool) = p.tokens(TOOL, TEACHER, TEACHER_PW).await;
    let r = p.exchange(&p.auth(PORTAL), &tool.access_token, HOMEWORK_RESOURCE, None).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");

    // An exchanged token (client_id is the portal, aud the portlet) cannot be exchanged again.
    let (portlet_token, _) = exchanged(&p.exchange(&p.auth(PORTAL), &t.access_token, HOMEWORK_RESOURCE, None).await);
    let r = p.exchange(&p.auth(PORTAL), &portlet_token, HOMEWORK_RESOURCE, None).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");

    // The ID token, the refresh token, a token the portlet got for itself, garbage.
    let cc = p
        .token(&p.auth(HOMEWORK), &[("grant_type", "client_credentials"), ("scope", "directory.read")])
        .await
        .json()["access_token"]
        .as_str()
        .expect("cc token")
        .to_string();
    for (what, token) in [
        ("id token", t.id_token.as_str()),
        ("refresh token", t.refresh_token.as_str()),
        ("client credentials token", cc.as_str()),
        ("garbage", "not-a-token"),
    ] {
        let r = p.exchange(&p.auth(PORTAL), token, HOMEWORK_RESOURCE, None).await;
        assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
        assert!(!r.body.contains(token), "{what}: the token is not echoed");
    }
    // Tampered: the portlet's token with its aud rewritten to the portal.
    let (_, mut claims) = jwt_parts(&portlet_token);
    claims["aud"] = json!(PORTAL);
    let parts: Vec<&str> = portlet_token.split('.').collect();
    let forged = format!("{}.{}.{}", parts[0], b64json(&claims), parts[2]);
    let r = p.exchange(&p.auth(PORTAL), &forged, HOMEWORK_RESOURCE, None).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_registered_first_party_resource_is_a_target() {
    let p = Provider::start().await;
    let (_b, t) = p.portal_tokens(TEACHER, TEACHER_PW, FULL).await;
    // A third-party API registered with an audience.
    let mut api = ClientSpec::new("API d'un éditeur", vec![]);
    api.id = Some("vendor-api".into());
    api.grant_types = vec!["client_credentials".into()];
    api.audience = Some("https://vendor.example/api".into());
    p.register(api).await;

    for resource in [
        "urn:ent:portlet:unknown",
        "https://vendor.example/api",
        "urn:ent:directory",
        PORTAL,
        "urn:ent:portlet:homework ",
        "",
    ] {
        let r = p.exchange(&p.auth(PORTAL), &t.access_token, resource, None).await;
        assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_target");
    }
    let no_resource = p
        .token(
            &p.auth(PORTAL),
            &[("grant_type", EXCHANGE), ("subject_token", &t.access_token), ("subject_token_type", ACCESS_TOKEN_TYPE)],
        )
        .await;
    assert_oauth_error(&no_resource, StatusCode::BAD_REQUEST, "invalid_target");
    let two = p
        .token(
            &p.auth(PORTAL),
            &[
                ("grant_type", EXCHANGE),
                ("subject_token", &t.access_token),
                ("subject_token_type", ACCESS_TOKEN_TYPE),
                ("resource", HOMEWORK_RESOURCE),
                ("resource", "https://vendor.example/api"),
            ],
        )
        .await;
    assert_oauth_error(&two, StatusCode::BAD_REQUEST, "invalid_target");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_exchange_requests_are_invalid_request_and_scope_cannot_grow() {
    let p = Provider::start().await;
    let (_b, t) = p.portal_tokens(TEACHER, TEACHER_PW, "openid profile").await;
    let base = |extra: &[(&'static str, &'static str)]| {
        let mut v: Vec<(&str, String)> = vec![
            ("grant_type", EXCHANGE.to_string()),
            ("subject_token", t.access_token.clone()),
            ("resource", HOMEWORK_RESOURCE.to_string()),
        ];
        v.extend(extra.iter().map(|(k, val)| (*k, val.to_string())));
        v
    };
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("no subject_token_type", base(&[])),
        ("id_token type", base(&[("subject_token_type", "urn:ietf:params:oauth:token-type:id_token")])),
        ("refresh_token type", base(&[("subject_token_type", "urn:ietf:params:oauth:token-type:refresh_token")])),
        ("jwt type", base(&[("subject_token_type", "urn:ietf:params:oauth:token-type:jwt")])),
        (
            "requested id_token",
            base(&[
                ("subject_token_type", ACCESS_TOKEN_TYPE),
                ("requested_token_type", "urn:ietf:params:oauth:token-type:id_token"),
            ]),
        ),
        (
            "actor token",
            base(&[
                ("subject_token_type", ACCESS_TOKEN_TYPE),
                ("actor_token", "x"),
                ("actor_token_type", ACCESS_TOKEN_TYPE),
            ]),
        ),
    ];
    for (what, params) in cases {
        let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = p.token(&p.auth(PORTAL), &params).await;
        assert_eq!(r.json()["error"], "invalid_request", "{what}: {}", r.body);
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what}");
    }
    let no_subject = p
        .token(
            &p.auth(PORTAL),
            &[("grant_type", EXCHANGE), ("subject_token_type", ACCESS_TOKEN_TYPE), ("resource", HOMEWORK_RESOURCE)],
        )
        .await;
    assert_oauth_error(&no_subject, StatusCode::BAD_REQUEST, "invalid_request");

    // Control: the access_token type, asked explicitly.
    let ok = p
        .token(
            &p.auth(PORTAL),
            &[
                ("grant_type", EXCHANGE),
                ("subject_token", &t.access_token),
                ("subject_token_type", ACCESS_TOKEN_TYPE),
                ("requested_token_type", ACCESS_TOKEN_TYPE),
                ("resource", HOMEWORK_RESOURCE),
            ],
        )
        .await;
    assert_eq!(exchanged(&ok).1["scope"], "openid profile");

    // More scope than the subject token: ent, email, offline access, an API scope.
    for scope in ["openid profile ent", "email", "openid offline_access", "directory.read", "openid profile admin"] {
        let r = p.exchange(&p.auth(PORTAL), &t.access_token, HOMEWORK_RESOURCE, Some(scope)).await;
        assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_scope");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_subject_token_cannot_be_exchanged_and_takes_its_exchanged_tokens_along() {
    let p = Provider::start().await;

    // /revoke of the access token itself.
    let (b, t) = p.portal_tokens(TEACHER, TEACHER_PW, FULL).await;
    let r = p.post("/revoke", &p.auth(PORTAL), &[("token", &t.access_token)]).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = p.exchange(&p.auth(PORTAL), &t.access_token, HOMEWORK_RESOURCE, None).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");

    // /revoke of the refresh token revokes the grant: the portlet token dies with it.
    let (code, pkce) = b.code_silently(PORTAL).await;
    let t2 = Tokens::of(&p.redeem(PORTAL, &code, &pkce.verifier, PORTAL_CB).await);
    let (portlet, _) = exchanged(&p.exchange(&p.auth(PORTAL), &t2.access_token, HOMEWORK_RESOURCE, None).await);
    assert_eq!(p.introspect(&portlet).await["active"], true);
    let r = p.post("/revoke", &p.auth(PORTAL), &[("token", &t2.refresh_token)]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(p.introspect(&portlet).await, json!({"active": false}));
    let r = p.exchange(&p.auth(PORTAL), &t2.access_token, HOMEWORK_RESOURCE, None).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");

    // Logout at the provider.
    let (code, pkce) = b.code_silently(PORTAL).await;
    let t3 = Tokens::of(&p.redeem(PORTAL, &code, &pkce.verifier, PORTAL_CB).await);
    let (portlet, _) = exchanged(&p.exchange(&p.auth(PORTAL), &t3.access_token, HOMEWORK_RESOURCE, None).await);
    let q = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("id_token_hint", t3.id_token.as_str()), ("post_logout_redirect_uri", PORTAL_BYE)])
        .finish();
    let r = b.get(&format!("/logout?{q}")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = p.exchange(&p.auth(PORTAL), &t3.access_token, HOMEWORK_RESOURCE, None).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(p.introspect(&portlet).await, json!({"active": false}));
}

/// The portlet token never outlives the subject token, and an expired subject is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exchanged_token_never_outlives_the_subject_token() {
    let p = Provider::with_config(|c| c.access_token_ttl = Duration::from_secs(3)).await;
    at_start_of_second().await;
    let (_b, t) = p.portal_tokens(TEACHER, TEACHER_PW, FULL).await;
    let (_, subject) = jwt_parts(&t.access_token);
    let (token, v) = exchanged(&p.exchange(&p.auth(PORTAL), &t.access_token, HOMEWORK_RESOURCE, None).await);
    let (_, c) = jwt_parts(&token);
    assert!(c["exp"].as_i64() <= subject["exp"].as_i64(), "exp {} after the subject's {}", c["exp"], subject["exp"]);
    assert!(v["expires_in"].as_i64().is_some_and(|e| e <= 3), "{v}");

    tokio::time::sleep(Duration::from_millis(3200)).await;
    let r = p.exchange(&p.auth(PORTAL), &t.access_token, HOMEWORK_RESOURCE, None).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(p.introspect(&token).await, json!({"active": false}));

    // The configured bound applies when the subject lives longer.
    let p = Provider::with_config(|c| c.exchange_token_ttl = Duration::from_secs(60)).await;
    let (_b, t) = p.portal_tokens(TEACHER, TEACHER_PW, FULL).await;
    let (_, v) = exchanged(&p.exchange(&p.auth(PORTAL), &t.access_token, HOMEWORK_RESOURCE, None).await);
    assert_eq!(v["expires_in"], 60);
}

/// A person deactivated since the subject token was issued gets no portlet token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_person_gets_no_portlet_token() {
    let p = Provider::start().await;
    p.add_person("t9", "jean.valjean", "bagnard-24601-x", false).await;
    let (_b, t) = p.portal_tokens("jean.valjean", "bagnard-24601-x", FULL).await;
    p.add_person("t9", "jean.valjean", "bagnard-24601-x", true).await;
    let r = p.exchange(&p.auth(PORTAL), &t.access_token, HOMEWORK_RESOURCE, None).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
}
