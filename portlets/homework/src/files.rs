//! Attached files: their names and types as stored, and the download answer. A file is served
//! with its stored type only when that type is in an allow-list of documents and pictures that
//! browsers do not run; anything else (HTML, SVG, scripts) goes out as
//! `application/octet-stream`. Always `Content-Disposition: attachment`, with a sanitised name.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Types served as themselves.
pub const SAFE_TYPES: [&str; 16] = [
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "text/plain",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.oasis.opendocument.graphics",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
];

const FALLBACK_TYPE: &str = "application/octet-stream";
const MAX_NAME_CHARS: usize = 120;

/// A stored content type: the bare media type, lowercase, or the fallback when it is not one.
pub fn normalize_type(raw: &str) -> String {
    let essence = raw.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let token = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b));
    match essence.split_once('/') {
        Some((kind, sub)) if token(kind) && token(sub) && essence.len() <= 127 => essence,
        _ => FALLBACK_TYPE.to_string(),
    }
}

/// The type a stored file is served with.
pub fn served_type(stored: &str) -> &'static str {
    SAFE_TYPES.iter().find(|t| t.eq_ignore_ascii_case(stored)).copied().unwrap_or(FALLBACK_TYPE)
}

/// A file name fit to show and to send back: the last path segment (browsers on Windows send
/// the whole path), no control characters, quotes, separators or leading dots, at most
/// [`MAX_NAME_CHARS`] characters; "fichier" when nothing is left.
pub fn sanitize_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String =
        base.chars().map(|c| if c.is_control() || "\"'`;:*?<>|%".contains(c) { '_' } else { c }).collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let short: String = trimmed.chars().rev().take(MAX_NAME_CHARS).collect::<Vec<_>>().into_iter().rev().collect();
    if short.is_empty() { "fichier".to_string() } else { short }
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266, RFC 8187).
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).collect();
    let ascii = ascii.replace(['"', '\\'], "_");
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// The download answer.
pub fn download(name: &str, stored_type: &str, data: Vec<u8>) -> Response {
    let mut res = (StatusCode::OK, data).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(served_type(stored_type)));
    let disposition =
        HeaderValue::from_str(&content_disposition(name)).unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    h.insert(header::CONTENT_DISPOSITION, disposition);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// "12 Ko" / "1,2 Mo" (French) or "12 KB" / "1.2 MB".
pub fn human_size(bytes: i64, lang: ent_portlet_kit::Lang) -> String {
    let (kb, mb) = (lang.pick("Ko", "KB"), lang.pick("Mo", "MB"));
    if bytes < 1024 * 1024 {
        format!("{} {kb}", (bytes + 1023) / 1024)
    } else {
        let tenths = (bytes * 10 + 512 * 1024) / (1024 * 1024);
        let sep = lang.pick(",", ".");
        format!("{}{sep}{} {mb}", tenths / 10, tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_and_markup() {
        assert_eq!(sanitize_name("C:\\Users\\prof\\Fiche 1.pdf"), "Fiche 1.pdf");
        assert_eq!(sanitize_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_name("..hidden"), "hidden");
        assert_eq!(sanitize_name("a\"b\r\n.pdf"), "a_b__.pdf");
        assert_eq!(sanitize_name(""), "fichier");
        assert_eq!(sanitize_name(&"x".repeat(300)).chars().count(), MAX_NAME_CHARS);
    }

    #[test]
    fn only_safe_types_are_served_as_themselves() {
        assert_eq!(served_type("application/pdf"), "application/pdf");
        assert_eq!(served_type("text/html"), FALLBACK_TYPE);
        assert_eq!(served_type("image/svg+xml"), FALLBACK_TYPE);
        assert_eq!(normalize_type("Image/PNG; charset=x"), "image/png");
        assert_eq!(normalize_type("text/html\r\nX: y"), FALLBACK_TYPE);
        assert_eq!(normalize_type(""), FALLBACK_TYPE);
    }

    #[test]
    fn dispositions_are_quoted_and_encoded() {
        assert_eq!(
            content_disposition("Poésie.pdf"),
            "attachment; filename=\"Po_sie.pdf\"; filename*=UTF-8''Po%C3%A9sie.pdf"
        );
        assert!(HeaderValue::from_str(&content_disposition(&sanitize_name("a\nb\"c.txt"))).is_ok());
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_size(2048, ent_portlet_kit::Lang::Fr), "2 Ko");
        assert_eq!(human_size(1_300_000, ent_portlet_kit::Lang::En), "1.2 MB");
    }
}
