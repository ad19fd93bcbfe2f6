//! A page's Markdown as HTML, safe to show: the one place the mini-sites turn what pupils wrote
//! into markup, so that the sanitiser behind it is one line to change.
//!
//! The kit's shared `richtext` module (Markdown, then an allow-list sanitiser) is not in the
//! kit yet: until it is, the text is shown as escaped paragraphs, with no markup at all — safe,
//! only plainer. `pictures` is the address prefix pictures may come from (the site's own
//! `img/` on the sites' origin; none in the ENT's pages).

use askama::filters::HtmlSafe;
use ent_portlet_kit::fragment::escape;
use ent_portlet_kit::views::paragraphs;

/// HTML made here from what someone wrote, already sanitised: a template places it as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rendered(String);

impl std::fmt::Display for Rendered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl HtmlSafe for Rendered {}

/// What `text` shows as, sanitised.
pub fn markdown(text: &str, pictures: Option<&str>) -> Rendered {
    let _ = pictures;
    Rendered(paragraphs(text).iter().map(|p| format!("<p>{}</p>\n", escape(p))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_written_survives_as_markup() {
        let out = markdown("<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>", Some("img/")).to_string();
        assert!(!out.contains("<script") && !out.contains("<img"), "{out}");
    }
}
