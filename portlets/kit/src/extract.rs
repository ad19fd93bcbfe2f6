//! The axum extractor that admits a request only with a valid token for *this* portlet: the
//! handler's `Identity` argument is the proof that the check was made.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;

use crate::fragment::PortletError;
use crate::identity::Identity;
use crate::verify::{TokenError, Verifier};

impl<S> FromRequestParts<S> for Identity
where
    Arc<Verifier>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = PortletError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or(TokenError::Missing)?;
        let verifier = Arc::<Verifier>::from_ref(state);
        Ok(verifier.verify(token).await?)
    }
}

/// The token of an `Authorization: Bearer …` header (RFC 6750 §2.1; the scheme is
/// case-insensitive). Tokens in the query or the body are not accepted.
fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}
