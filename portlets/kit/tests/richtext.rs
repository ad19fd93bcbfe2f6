//! Every payload of `tests/xss/payloads.txt`, alone and inside ordinary Markdown, comes out of
//! `richtext` with no script, no event attribute, no frame, style or form, and no link or picture
//! address but `https://`/`http://` links and the ENT's own pictures. The portlets' browser tests
//! load the same corpus in Chromium and check that nothing runs.
#![allow(clippy::unwrap_used)]

use ent_portlet_kit::richtext::{LINK_REL, RichText};

/// The corpus: one payload per line, `\n` for a line break, `#` lines are comments.
pub fn payloads() -> Vec<String> {
    include_str!("xss/payloads.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.replace("\\n", "\n"))
        .collect()
}

/// The tags (name and attributes, lowercased) of a cleaned output.
fn tags(html: &str) -> Vec<String> {
    html.split('<').skip(1).map(|t| t.split('>').next().unwrap_or("").to_ascii_lowercase()).collect()
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    tag.split(&format!(" {name}=\"")).nth(1).map(|v| v.split('"').next().unwrap_or(""))
}

const ALLOWED: &[&str] = &[
    "a",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
];

fn check(payload: &str, html: &str) {
    for tag in tags(html) {
        let name = tag.trim_start_matches('/').split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or("");
        assert!(ALLOWED.contains(&name), "tag <{tag}> from {payload:?}: {html}");
        let attrs: Vec<&str> = tag.split('"').step_by(2).flat_map(|p| p.split_whitespace()).skip(1).collect();
        for attr in attrs {
            let key = attr.trim_end_matches('=');
            assert!(
                ["href", "rel", "src", "alt", "title", "start"].contains(&key),
                "attribute {key} in <{tag}> from {payload:?}"
            );
        }
        if let Some(href) = attribute(&tag, "href") {
            assert!(href.starts_with("https://") || href.starts_with("http://"), "href {href} from {payload:?}");
            assert_eq!(attribute(&tag, "rel"), Some(LINK_REL), "a link without rel from {payload:?}");
        }
        if let Some(src) = attribute(&tag, "src") {
            assert!(src.starts_with("/p/forum/files/") && !src.contains(".."), "src {src} from {payload:?}");
        }
    }
}

#[test]
fn no_payload_survives() {
    let rules = RichText::new().images_from("/p/forum/files/").headings_from(3);
    let corpus = payloads();
    assert!(corpus.len() >= 100, "the corpus holds {} payloads", corpus.len());
    for payload in &corpus {
        for text in [payload.clone(), format!("Bonjour **à tous** :\n\n{payload}\n\n- fin")] {
            let html = rules.to_html(&text);
            check(payload, html.as_str());
        }
    }
}

#[test]
fn ordinary_writing_survives() {
    let rules = RichText::new().images_from("/p/forum/files/");
    let html = rules.to_html(
        "## La sortie\n\nNous irons au [musée](https://musee.example) mardi.\n\n![Le bus](/p/forum/files/4)\n\n1. Goûter\n2. Casquette",
    );
    assert_eq!(
        html.as_str(),
        "<h2>La sortie</h2>\n<p>Nous irons au <a href=\"https://musee.example\" rel=\"noopener noreferrer nofollow ugc\">musée</a> mardi.</p>\n\
         <p><img src=\"/p/forum/files/4\" alt=\"Le bus\"></p>\n<ol>\n<li>Goûter</li>\n<li>Casquette</li>\n</ol>\n"
    );
}
