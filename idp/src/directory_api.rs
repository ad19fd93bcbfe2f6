//! The directory API for the ENT's own services: a class's teachers, pupils and the pupils'
//! parents (`GET /directory/v1/classes/{class_id}`), a school's classes
//! (`GET /directory/v1/schools/{uai}/classes`), the adults who work at a school
//! (`GET /directory/v1/schools/{uai}/staff`) and the network's schools
//! (`GET /directory/v1/schools`), for a portlet that needs more than the user's own claims (the
//! liaison notebook needs a class's families, a director's views the school's classes, a
//! message to the staff its recipients). See `docs/portlets.md`.
//!
//! Bearer tokens only (RFC 6750), minted by client credentials for the directory resource
//! (`directory_resource`, RFC 8707) with the scope `directory.read`, by a first-party client.
//! The calling service applies its own entitlement check (is the user a teacher of the class?)
//! before showing any of it; this API answers the service, not a user.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::oauth::error::OAuthError;
use crate::oauth::tokens::verify_access;
use crate::oauth::userinfo::bearer;
use crate::state::AppState;
use crate::store::directory::SchoolName;

/// The scope a service needs to read the directory.
pub const SCOPE: &str = "directory.read";

/// GET /directory/v1/classes/{class_id}
pub async fn class(State(state): State<AppState>, headers: HeaderMap, Path(class_id): Path<String>) -> Response {
    let result = async {
        authorize(&state, &headers).await?;
        state
            .directory
            .class_roster(&class_id)
            .await?
            .ok_or_else(|| OAuthError::new(StatusCode::NOT_FOUND, "not_found", "no such class"))
    }
    .await;
    answer(result)
}

/// GET /directory/v1/schools/{uai}/classes
pub async fn school_classes(State(state): State<AppState>, headers: HeaderMap, Path(uai): Path<String>) -> Response {
    let result = async {
        authorize(&state, &headers).await?;
        state
            .directory
            .school_classes(&uai)
            .await?
            .ok_or_else(|| OAuthError::new(StatusCode::NOT_FOUND, "not_found", "no such school"))
    }
    .await;
    answer(result)
}

/// GET /directory/v1/schools/{uai}/staff
pub async fn school_staff(State(state): State<AppState>, headers: HeaderMap, Path(uai): Path<String>) -> Response {
    let result = async {
        authorize(&state, &headers).await?;
        state
            .directory
            .school_staff(&uai)
            .await?
            .ok_or_else(|| OAuthError::new(StatusCode::NOT_FOUND, "not_found", "no such school"))
    }
    .await;
    answer(result)
}

/// GET /directory/v1/schools
pub async fn schools(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let result = async {
        authorize(&state, &headers).await?;
        Ok(Schools { schools: state.directory.schools().await? })
    }
    .await;
    answer(result)
}

#[derive(serde::Serialize)]
struct Schools {
    schools: Vec<SchoolName>,
}

fn answer<T: serde::Serialize>(result: Result<T, OAuthError>) -> Response {
    match result {
        Ok(body) => {
            let mut res = Json(body).into_response();
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => e.into_response(),
    }
}

/// The token must be ours, alive, addressed to the directory, carry `directory.read`, and have
/// been issued to a first-party client.
async fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), OAuthError> {
    let token = bearer(headers, None)?;
    let (claims, _) = verify_access(state, &token).await?;
    if claims.aud != state.config.directory_resource {
        return Err(OAuthError::invalid_token("the token is not for the directory"));
    }
    if !claims.scopes().any(|s| s == SCOPE) {
        return Err(OAuthError::insufficient_scope("the directory.read scope is required"));
    }
    match state.clients.get(&claims.client_id).await? {
        Some(c) if c.first_party => Ok(()),
        Some(_) => Err(OAuthError::insufficient_scope("the directory is for first-party services only")),
        None => Err(OAuthError::invalid_token("the client no longer exists")),
    }
}
