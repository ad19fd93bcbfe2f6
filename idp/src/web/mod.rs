//! What the provider's web layer shares: cookies, CSRF, languages, pages, security headers,
//! and the client address the per-address limits count.

pub mod cookies;
pub mod csrf;
pub mod i18n;
pub mod pages;

use axum::http::{HeaderName, HeaderValue, header};

pub use ent_web::client::{PeerAddr, address_key, client_address};

/// Headers every response carries (the page handlers set a stricter CSP where needed).
pub fn security_headers() -> Vec<(HeaderName, HeaderValue)> {
    vec![
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (header::REFERRER_POLICY, HeaderValue::from_static("same-origin")),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        ),
        (HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin")),
        (HeaderName::from_static("permissions-policy"), HeaderValue::from_static("interest-cohort=()")),
    ]
}
