//! Directory reads against a fake provider: the client-credentials token is asked once and
//! reused, answers are cached, a 404 is `None`, and an id can never add path segments. (The same
//! reads against the real provider: `tests/tests/directory.rs`.)
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use ent_portlet_kit::{Directory, Profile, SchoolName, StaffRole};
use serde_json::json;

#[derive(Clone, Default)]
struct Hits {
    tokens: Arc<AtomicUsize>,
    reads: Arc<AtomicUsize>,
    paths: Arc<std::sync::Mutex<Vec<String>>>,
}

async fn fake_provider() -> (String, Hits) {
    let hits = Hits::default();
    let app = Router::new()
        .route(
            "/token",
            post(|State(h): State<Hits>| async move {
                h.tokens.fetch_add(1, Ordering::SeqCst);
                axum::Json(json!({"access_token": "dir-token", "token_type": "Bearer", "expires_in": 300}))
            }),
        )
        .route(
            "/directory/v1/classes/{id}",
            get(|State(h): State<Hits>, Path(id): Path<String>| async move {
                h.reads.fetch_add(1, Ordering::SeqCst);
                h.paths.lock().unwrap().push(id.clone());
                if id != "c1" {
                    return StatusCode::NOT_FOUND.into_response();
                }
                axum::Json(json!({"id": "c1", "name": "CM1 A", "school": "0750001A", "teachers": [], "pupils": []}))
                    .into_response()
            }),
        )
        .route(
            "/directory/v1/schools/{uai}/classes",
            get(|State(h): State<Hits>| async move {
                h.reads.fetch_add(1, Ordering::SeqCst);
                axum::Json(json!({"school": "0750001A", "classes": [{"id": "c1", "name": "CM1 A"}]}))
            }),
        )
        .route(
            "/directory/v1/schools/{uai}/staff",
            get(|State(h): State<Hits>, Path(uai): Path<String>| async move {
                h.reads.fetch_add(1, Ordering::SeqCst);
                if uai != "0750001A" {
                    return StatusCode::NOT_FOUND.into_response();
                }
                axum::Json(json!({"school": "0750001A", "staff": [
                    {"sub": "d1", "name": "Claire Dubois", "profile": "director", "roles": ["director"]},
                    {"sub": "s1", "name": "Jean Roux", "profile": "staff", "roles": ["secrétaire"]},
                    {"sub": "t1", "name": "Camille Martin", "profile": "teacher", "roles": []},
                ]}))
                .into_response()
            }),
        )
        .route(
            "/directory/v1/schools",
            get(|State(h): State<Hits>| async move {
                h.reads.fetch_add(1, Ordering::SeqCst);
                axum::Json(json!({"schools": [{"uai": "0750001A", "name": "École A"}]}))
            }),
        )
        .with_state(hits.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, hits)
}

#[tokio::test]
async fn rosters_and_class_lists_are_read_once_with_one_token() {
    let (url, hits) = fake_provider().await;
    let dir = Directory::remote(&url, "portlet-x", "secret");
    for _ in 0..3 {
        assert_eq!(dir.class("c1").await.unwrap().unwrap().name, "CM1 A");
        let classes = dir.school_classes("0750001A").await.unwrap().unwrap();
        assert_eq!(classes[0].id, "c1");
    }
    assert_eq!(hits.tokens.load(Ordering::SeqCst), 1, "one client-credentials token");
    assert_eq!(hits.reads.load(Ordering::SeqCst), 2, "answers are cached");
    assert_eq!(dir.class("nope").await.unwrap(), None);
}

#[tokio::test]
async fn an_id_stays_one_path_segment() {
    let (url, hits) = fake_provider().await;
    let dir = Directory::remote(&url, "portlet-x", "secret");
    assert_eq!(dir.class("../schools/0750001A/classes").await.unwrap(), None);
    assert_eq!(hits.paths.lock().unwrap().as_slice(), ["../schools/0750001A/classes"]);
}

#[tokio::test]
async fn a_schools_staff_and_the_schools_are_read_once_with_typed_profiles_and_roles() {
    let (url, hits) = fake_provider().await;
    let dir = Directory::remote(&url, "portlet-x", "secret");
    for _ in 0..3 {
        let staff = dir.school_staff("0750001A").await.unwrap().unwrap();
        assert_eq!(staff.school, "0750001A");
        let profiles: Vec<Profile> = staff.staff.iter().map(|m| m.profile).collect();
        assert_eq!(profiles, [Profile::Director, Profile::Staff, Profile::Teacher]);
        assert_eq!(staff.staff[0].roles, [StaffRole::Director]);
        assert_eq!(staff.staff[1].roles, [StaffRole::Other("secrétaire".into())]);
        assert!(staff.staff[2].roles.is_empty());
        let schools = dir.schools().await.unwrap();
        assert_eq!(schools, [SchoolName { uai: "0750001A".into(), name: "École A".into() }]);
    }
    assert_eq!(hits.tokens.load(Ordering::SeqCst), 1, "one client-credentials token");
    assert_eq!(hits.reads.load(Ordering::SeqCst), 2, "answers are cached");
    assert_eq!(dir.school_staff("9999999Z").await.unwrap(), None);
}
