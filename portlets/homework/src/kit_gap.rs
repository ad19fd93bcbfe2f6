//! What every portlet needs and the kit does not give yet (to move into `portlets/kit`).
//!
//! `server::wrap` admits bodies up to `server::BODY_LIMIT` (10 MiB, "attached files included"),
//! but axum's body extractors (`Bytes`, `Form`) stop at their own default of 2 MB unless a route
//! says otherwise: a portlet taking files must raise that limit to the kit's, or every upload
//! above 2 MB is refused with a bare 413 before the handler can answer with its form.

use axum::extract::DefaultBodyLimit;
use ent_portlet_kit::server::BODY_LIMIT;

/// Lets handlers read bodies up to the kit's limit (which `server::wrap` still enforces).
pub fn body_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(BODY_LIMIT)
}
