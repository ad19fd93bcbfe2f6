//! RFC 8707 with client_credentials: a client gets tokens only for the resources it is
//! registered for (`ent client add --resource`); any other registered audience is
//! `invalid_target`, and no token is issued.

use ent_idp::admin::{AdminError, ClientSpec, register_client};
use reqwest::StatusCode;

use crate::harness::*;

const B_API: &str = "https://b.example/api";
const A_API: &str = "https://a-partner.example/api";

/// A resource server registered under `audience` (it asks for no tokens itself).
async fn service(p: &Provider, id: &str, audience: &str) {
    let mut spec = ClientSpec::new(format!("Service {id}"), vec![]);
    spec.id = Some(id.into());
    spec.grant_types = vec!["client_credentials".into()];
    spec.audience = Some(audience.into());
    p.register(spec).await;
}

async fn client_credentials(p: &Provider, auth: &Auth, resource: &str) -> Resp {
    p.token(auth, &[("grant_type", "client_credentials"), ("resource", resource)]).await
}

#[track_caller]
fn assert_no_token(r: &Resp) {
    assert_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_target");
    assert!(r.json().get("access_token").is_none(), "a token was issued: {}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_gets_tokens_only_for_its_registered_resources() {
    let p = Provider::start().await;
    service(&p, "service-b", B_API).await;
    service(&p, "partner-of-a", A_API).await;
    // Client A: a school's tool with client_credentials, registered for its partner's API.
    let mut spec = ClientSpec::new("Outil A", vec![]);
    spec.id = Some("tool-a".into());
    spec.grant_types = vec!["client_credentials".into()];
    spec.resources = vec![A_API.into()];
    let a = Auth::Basic("tool-a".into(), p.register(spec).await.secret.expect("secret"));

    // The attack: A asks for B's audience, then a portlet's, then the portal's and the
    // directory: refused, no token.
    for resource in [B_API, HOMEWORK_RESOURCE, PORTAL, DIRECTORY_RESOURCE] {
        let r = client_credentials(&p, &a, resource).await;
        assert_no_token(&r);
        assert_eq!(r.header("cache-control"), Some("no-store"));
    }
    // Near misses of the registered string are other resources.
    for resource in [&format!("{A_API}/"), "HTTPS://a-partner.example/api", "https://a-partner.example/api#x"] {
        assert_no_token(&client_credentials(&p, &a, resource).await);
    }

    // Control: A asks for the resource it is registered for, and gets a token for exactly it.
    let r = client_credentials(&p, &a, A_API).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (_, claims) = jwt_parts(r.json()["access_token"].as_str().expect("token"));
    assert_eq!(claims["aud"], A_API);
    assert_eq!(claims["client_id"], "tool-a");
    // Without a resource, a token for itself, as before.
    let r = p.token(&a, &[("grant_type", "client_credentials")]).await;
    let (_, claims) = jwt_parts(r.json()["access_token"].as_str().expect("token"));
    assert_eq!(claims["aud"], "tool-a");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_party_portlet_reads_the_directory_and_nothing_else() {
    let p = Provider::start().await;
    service(&p, "portlet-liaison", "urn:ent:portlet:liaison").await;
    service(&p, "service-b", B_API).await;
    let homework = p.auth(HOMEWORK);
    // Registered for the directory: a token for it.
    let r = client_credentials(&p, &homework, DIRECTORY_RESOURCE).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (_, claims) = jwt_parts(r.json()["access_token"].as_str().expect("token"));
    assert_eq!(claims["aud"], DIRECTORY_RESOURCE);
    // Being first-party opens no other service.
    for resource in ["urn:ent:portlet:liaison", B_API, HOMEWORK_RESOURCE] {
        assert_no_token(&client_credentials(&p, &homework, resource).await);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audience_names_one_service() {
    let p = Provider::start().await;
    let state = p.state();
    // A second client claiming the homework portlet's audience would receive its tokens at
    // introspection and be the target of its exchanges: refused.
    let mut spec = ClientSpec::new("Faux cahier", vec![]);
    spec.id = Some("fake-homework".into());
    spec.grant_types = vec!["client_credentials".into()];
    spec.audience = Some(HOMEWORK_RESOURCE.into());
    let err = register_client(&state.clients, &state.audit, spec).await.err().expect("a taken audience");
    assert!(
        matches!(&err, AdminError::AudienceTaken { audience, holder } if audience == HOMEWORK_RESOURCE && holder == HOMEWORK),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the audience urn:ent:portlet:homework is already registered for the client portlet-homework: an audience \
         names one service"
    );
    assert!(state.clients.get("fake-homework").await.expect("get").is_none());
    assert_eq!(state.clients.by_audience(HOMEWORK_RESOURCE).await.expect("by audience").expect("holder").id, HOMEWORK);
}
