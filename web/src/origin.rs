//! Whether a form post comes from our own pages, as far as the browser says: `Sec-Fetch-Site`
//! (`same-origin`, or `none` for a user-typed navigation) and `Origin` must not name another
//! site. Both headers are optional (older browsers); the CSRF token remains the check that
//! always applies.

use axum::http::{HeaderMap, header};

pub fn same_origin(headers: &HeaderMap, own_origin: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && site != "same-origin"
        && site != "none"
    {
        return false;
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
        && origin != own_origin
    {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(name: &'static str, value: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_static(value));
        h
    }

    #[test]
    fn foreign_sites_are_refused() {
        let own = "https://ent.example";
        assert!(same_origin(&HeaderMap::new(), own));
        assert!(same_origin(&with("origin", "https://ent.example"), own));
        assert!(same_origin(&with("sec-fetch-site", "same-origin"), own));
        assert!(!same_origin(&with("origin", "https://evil.example"), own));
        assert!(!same_origin(&with("origin", "null"), own));
        assert!(!same_origin(&with("sec-fetch-site", "cross-site"), own));
        assert!(!same_origin(&with("sec-fetch-site", "same-site"), own));
    }
}
