//! The ENT's icon, served by the provider and the portal: `/favicon.ico` (which browsers ask
//! for on every page, whatever the page says; without it each page logs a 404 in the console)
//! and an SVG for the pages' `<link rel="icon">`. `assets/favicon.ico` holds 16, 32 and 48 pixel
//! renderings of `assets/icon.svg`.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

const ICO: &[u8] = include_bytes!("../assets/favicon.ico");
const SVG: &str = include_str!("../assets/icon.svg");

/// GET /favicon.ico
pub async fn favicon() -> Response {
    with_type(ICO.into_response(), "image/x-icon")
}

/// GET the SVG icon (each service chooses its path).
pub async fn svg() -> Response {
    with_type(SVG.into_response(), "image/svg+xml")
}

fn with_type(mut res: Response, content_type: &'static str) -> Response {
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    res
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_icon_file_holds_three_png_images() {
        // ICONDIR: reserved 0, type 1 (icon), 3 images.
        assert_eq!(&super::ICO[..6], &[0, 0, 1, 0, 3, 0]);
        assert!(super::SVG.starts_with("<svg"));
    }
}
