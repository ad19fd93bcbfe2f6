//! Files sent with a form and served back: the type a file is stored with (what its bytes are,
//! when they can be recognised), its name fit to show, the per-portlet limits ([`FileRules`]),
//! and the download answer. A file is served with its stored type only when that type is in an
//! allow-list of documents and pictures that browsers do not run; anything else (HTML, SVG,
//! scripts) goes out as `application/octet-stream`, always as an attachment.

use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::Lang;
use crate::texts::kit::texts;

/// A file part of a post.
#[derive(Clone, Debug)]
pub struct Upload {
    /// The form field it came in.
    pub field: String,
    /// The file name the browser sent (a path, sometimes).
    pub name: String,
    /// The content type the browser declared.
    pub declared_type: String,
    pub data: Bytes,
}

/// A file accepted under a portlet's rules: its name sanitised, its type decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    pub name: String,
    pub content_type: String,
    pub data: Bytes,
}

/// A portlet's limits on files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileRules {
    /// The largest file, in bytes.
    pub max_bytes: usize,
    /// The most files one thing (an entry, a note) holds.
    pub max_files: usize,
}

/// Why files were refused, for the portlet to say in its words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileProblem {
    /// This file (its sanitised name) is larger than the limit.
    TooLarge(String),
    /// The files kept and added would be more than the limit.
    TooMany,
}

impl FileRules {
    /// The uploads that keep the rules, with `kept` files already held; the first problem, if any.
    pub fn check(&self, uploads: &[Upload], kept: usize) -> (Vec<Accepted>, Option<FileProblem>) {
        let mut out = Vec::new();
        let mut problem = None;
        for u in uploads {
            let name = sanitize_name(&u.name);
            if u.data.len() > self.max_bytes {
                problem = Some(FileProblem::TooLarge(name));
                continue;
            }
            out.push(Accepted { name, content_type: stored_type(&u.declared_type, &u.data), data: u.data.clone() });
        }
        if problem.is_none() && kept + out.len() > self.max_files {
            problem = Some(FileProblem::TooMany);
        }
        (out, problem)
    }
}

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

pub const FALLBACK_TYPE: &str = "application/octet-stream";
const MAX_NAME_CHARS: usize = 120;

/// What the bytes are, when their first bytes say so: a picture or a PDF by its signature,
/// and markup a browser would run (HTML, SVG, XML) as the fallback type whatever was declared.
/// `None` when the bytes do not tell.
pub fn sniff(data: &[u8]) -> Option<&'static str> {
    let starts = |magic: &[u8]| data.starts_with(magic);
    if starts(b"%PDF-") {
        return Some("application/pdf");
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Some("image/png");
    }
    if starts(b"\xff\xd8\xff") {
        return Some("image/jpeg");
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Some("image/gif");
    }
    if data.len() >= 12 && starts(b"RIFF") && &data[8..12] == b"WEBP" {
        return Some("image/webp");
    }
    // Markup, after blanks and a byte-order mark: never served as what it claims to be.
    let head: Vec<u8> = data
        .strip_prefix(b"\xef\xbb\xbf")
        .unwrap_or(data)
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(64)
        .map(u8::to_ascii_lowercase)
        .collect();
    let markup = [&b"<!doctype"[..], b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml", b"<iframe"];
    if markup.iter().any(|m| head.starts_with(m)) {
        return Some(FALLBACK_TYPE);
    }
    None
}

/// The type a file is stored with: what its bytes are when [`sniff`] recognises them, else the
/// declared type (normalised).
pub fn stored_type(declared: &str, data: &[u8]) -> String {
    match sniff(data) {
        Some(t) => t.to_string(),
        None => normalize_type(declared),
    }
}

/// A content type as stored: the bare media type, lowercase, or the fallback when it is not one.
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
pub fn human_size(bytes: i64, lang: Lang) -> String {
    let t = texts(lang);
    if bytes < 1024 * 1024 {
        t.size(&((bytes + 1023) / 1024).to_string(), t.kilobytes)
    } else {
        let tenths = (bytes * 10 + 512 * 1024) / (1024 * 1024);
        t.size(&format!("{}{}{}", tenths / 10, t.decimal_separator, tenths % 10), t.megabytes)
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
    fn the_bytes_decide_when_they_can() {
        assert_eq!(stored_type("application/pdf", b"\x89PNG\r\n\x1a\n...."), "image/png");
        assert_eq!(stored_type("application/pdf", b"  <!DOCTYPE html><script>"), FALLBACK_TYPE);
        assert_eq!(stored_type("image/png", b"\xef\xbb\xbf<svg onload=x>"), FALLBACK_TYPE);
        assert_eq!(stored_type("text/plain", b"Lire la page 12"), "text/plain");
        assert_eq!(stored_type("Application/PDF", b"%%%%"), "application/pdf", "unknown bytes keep the declared type");
    }

    #[test]
    fn rules_bound_size_and_count() {
        let rules = FileRules { max_bytes: 4, max_files: 2 };
        let up = |name: &str, data: &'static [u8]| Upload {
            field: "files".into(),
            name: name.into(),
            declared_type: "text/plain".into(),
            data: Bytes::from_static(data),
        };
        let (ok, problem) = rules.check(&[up("a", b"1234"), up("dir/b", b"12345")], 0);
        assert_eq!((ok.len(), problem), (1, Some(FileProblem::TooLarge("b".into()))));
        let (_, problem) = rules.check(&[up("a", b"1"), up("b", b"2")], 1);
        assert_eq!(problem, Some(FileProblem::TooMany));
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
        assert_eq!(human_size(2048, Lang::Fr), "2 Ko");
        assert_eq!(human_size(1_300_000, Lang::En), "1.2 MB");
        assert_eq!(human_size(1_300_000, Lang::Fr), "1,2 Mo");
    }
}
