//! Where the portal sends a browser. The `return` of `/login?return=…` is in a link anyone can
//! craft, and it comes back as the `Location` of the callback once the person has signed in: it
//! must lead to a page of the portal and nowhere else, whatever a browser makes of it (browsers
//! drop tabs and newlines from a URL, read `\` as `/`, map full-width dots in host names, and
//! take `//host` for another site). So it is parsed as a browser would parse it, against the
//! portal's URL, and kept only as the path and query that parse gave, on the portal's origin.
//!
//! And a `Location` that cannot be a header would turn a successful sign-in into a 500: every
//! redirect the portal answers goes through [`see_other`], which falls back to the home page.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use url::Url;

/// Longer return paths are not kept (the sign-in in progress is stored in the database).
const MAX_RETURN: usize = 2000;

/// `raw` as a path of the portal (`/…` and its query, re-serialised), or `/`.
pub fn local_return(public_url: &Url, raw: Option<&str>) -> String {
    raw.and_then(|r| local_path(public_url, r)).unwrap_or_else(|| "/".to_string())
}

fn local_path(base: &Url, raw: &str) -> Option<String> {
    // Refused before parsing what the parser would silently drop or reinterpret: control
    // characters (tabs and newlines vanish, so `/\t/host` becomes `//host`) and backslashes.
    let path_absolute = raw.starts_with('/') && !raw.starts_with("//");
    if raw.len() > MAX_RETURN || !path_absolute || raw.chars().any(|c| c.is_control() || c == '\\') {
        return None;
    }
    let url = base.join(raw).ok()?;
    if url.origin() != base.origin() {
        return None;
    }
    let mut local = url.path().to_string();
    if let Some(query) = url.query() {
        local.push('?');
        local.push_str(query);
    }
    // Dot segments are resolved by the parse (`/.//host` is `//host`): checked again.
    let still_local = local.starts_with('/') && !local.starts_with("//") && !local.starts_with("/\\");
    (still_local && local.len() <= MAX_RETURN).then_some(local)
}

/// A `303 See Other` to `location`; to `/` if `location` cannot be a header value.
pub fn see_other(location: &str) -> Response {
    let value = HeaderValue::from_str(location).unwrap_or_else(|_| {
        tracing::warn!("a redirect target that cannot be a header: sent to the home page instead");
        HeaderValue::from_static("/")
    });
    (StatusCode::SEE_OTHER, [(header::LOCATION, value)]).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn portal() -> Url {
        Url::parse("https://ent.example/").unwrap()
    }

    fn ret(raw: &str) -> String {
        local_return(&portal(), Some(raw))
    }

    #[test]
    fn paths_of_the_portal_are_kept() {
        assert_eq!(ret("/p/homework/view/x?y=1"), "/p/homework/view/x?y=1");
        assert_eq!(ret("/"), "/");
        assert_eq!(ret("/p/liaison/?a=b%20c"), "/p/liaison/?a=b%20c");
        // Odd but harmless: re-serialised as a browser would send it, still a path of ours.
        assert_eq!(ret("/%2F%2Fevil.example/"), "/%2F%2Fevil.example/");
        assert_eq!(ret("/%5Cevil.example"), "/%5Cevil.example");
        assert_eq!(ret("/\u{ff0f}evil.example"), "/%EF%BC%8Fevil.example");
        assert_eq!(ret("/@evil.example"), "/@evil.example");
        assert_eq!(ret("/p/a b"), "/p/a%20b");
        // A fragment never reaches a server: it is not kept.
        assert_eq!(ret("/p/x#top"), "/p/x");
        assert_eq!(local_return(&portal(), None), "/");
    }

    #[test]
    fn anything_a_browser_could_read_as_another_site_is_refused() {
        let long = format!("/p/{}", "a".repeat(10 * 1024));
        for hostile in [
            "",
            "/\t/evil.example/",
            "\t//evil.example/",
            "/\n/evil.example/",
            "/\r\n/evil.example/",
            "/p\r\nSet-Cookie: x=1",
            "/\u{0}/evil.example",
            "/\u{7f}/evil.example",
            "/\u{85}/evil.example",
            "//evil.example/",
            "/\\evil.example/",
            "\\\\evil.example",
            "\\/evil.example",
            "%2F%2Fevil.example",
            "/\t/evil\u{ff0e}example",
            "//evil\u{3002}example",
            "\u{ff0f}\u{ff0f}evil.example",
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "https://evil.example/",
            "https://ent.example.evil.example/",
            " //evil.example",
            "/.//evil.example",
            "/..//evil.example",
            "/%2e%2e//evil.example",
            "/p/../..//evil.example",
            "//ent.example@evil.example/",
            "p/homework",
            long.as_str(),
        ] {
            assert_eq!(ret(hostile), "/", "{hostile:?}");
        }
    }

    #[test]
    fn what_is_kept_is_always_a_header_value() {
        for raw in ["/p/é?q=à", "/p/\u{202e}x", "/p/%0d%0a", "/p/\"<>`{}"] {
            let kept = ret(raw);
            assert!(HeaderValue::from_str(&kept).is_ok(), "{raw:?} gave {kept:?}");
            assert!(kept.starts_with('/') && !kept.starts_with("//"), "{raw:?} gave {kept:?}");
        }
    }

    #[test]
    fn a_location_that_cannot_be_a_header_goes_home() {
        let res = see_other("/p/x\r\nSet-Cookie: x=1");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()[header::LOCATION], "/");
        let res = see_other("/p/homework/view/x?y=1");
        assert_eq!(res.headers()[header::LOCATION], "/p/homework/view/x?y=1");
    }
}
