//! What people write for others to read (a forum post, a pupil's page): Markdown, made HTML by
//! pulldown-cmark and then cleaned by ammonia's allow-list, so that no HTML a writer typed ever
//! reaches a reader as markup.
//!
//! Two lines of defence. While reading the Markdown, raw HTML (a block or inline) becomes text,
//! shown as typed; a picture whose address is not one of the ENT's own becomes its alternative
//! text; headings start at the level the page gives. Then ammonia keeps only the tags and
//! attributes below, only `http`/`https` links (relative and other schemes are dropped: a
//! `javascript:` or `data:` address never survives), gives every link
//! `rel="noopener noreferrer nofollow ugc"`, and strips comments, classes, styles and events.
//!
//! ```
//! use ent_portlet_kit::richtext::RichText;
//! let rules = RichText::new().images_from("/p/forum/files/").headings_from(3);
//! let html = rules.to_html("# Sortie\n\n**Merci** ![x](https://evil.example/x.png)\n\n<script>alert(1)</script>");
//! assert_eq!(
//!     html.as_str(),
//!     "<h3>Sortie</h3>\n<p><strong>Merci</strong> x</p>\n<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
//! );
//! ```

use std::borrow::Cow;
use std::collections::HashSet;

use ammonia::{Builder, UrlRelative, UrlRelativeEvaluate};
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::views::Html;

/// The tags a reader may receive.
const TAGS: &[&str] = &[
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

/// What every link gets: no access to the page that opened it, no referrer, no credit from
/// search engines, and the mark of user-generated content.
pub const LINK_REL: &str = "noopener noreferrer nofollow ugc";

/// The rules of one kind of text: where its pictures may come from, where its headings start.
#[derive(Clone, Debug)]
pub struct RichText {
    images: Vec<String>,
    first_heading: u8,
}

impl Default for RichText {
    fn default() -> Self {
        RichText::new()
    }
}

impl RichText {
    /// No pictures, headings from `<h1>`.
    pub fn new() -> RichText {
        RichText { images: Vec::new(), first_heading: 1 }
    }

    /// Pictures whose address starts with `prefix` (the ENT's own storage: a path such as
    /// `/p/forum/files/`, or an origin and path) are kept; every other picture shows its
    /// alternative text. Repeatable.
    pub fn images_from(mut self, prefix: impl Into<String>) -> RichText {
        let prefix = prefix.into();
        if !prefix.is_empty() {
            self.images.push(prefix);
        }
        self
    }

    /// A Markdown `#` heading becomes `<h{level}>` (and `##` the next), so that what people
    /// write ranks below the page's own headings; capped at `<h6>`.
    pub fn headings_from(mut self, level: u8) -> RichText {
        self.first_heading = level.clamp(1, 6);
        self
    }

    /// Whether a picture at this address may be shown.
    fn image_allowed(&self, url: &str) -> bool {
        // An address with a dot segment, a backslash or an escape could leave the prefix once
        // the browser reads it.
        let plain = !url.contains("..") && !url.contains('\\') && !url.contains('%') && !url.contains("//");
        let origin_relative = url.starts_with('/');
        self.images.iter().any(|p| {
            url.starts_with(p.as_str())
                && if origin_relative { plain } else { !url[p.len()..].contains("..") && !url.contains('\\') }
        })
    }

    /// The HTML of `markdown`, safe to place in a page.
    pub fn to_html(&self, markdown: &str) -> Html {
        let mut options = Options::empty();
        options.insert(Options::ENABLE_TABLES);
        options.insert(Options::ENABLE_STRIKETHROUGH);
        let mut in_dropped_image = 0usize;
        let events = Parser::new_ext(markdown, options).filter_map(|event| match event {
            // Raw HTML is text, as typed.
            Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
            Event::Start(Tag::HtmlBlock) => Some(Event::Start(Tag::Paragraph)),
            Event::End(TagEnd::HtmlBlock) => Some(Event::End(TagEnd::Paragraph)),
            Event::Start(Tag::Heading { level, .. }) => Some(Event::Start(Tag::Heading {
                level: self.shift(level),
                id: None,
                classes: Vec::new(),
                attrs: Vec::new(),
            })),
            Event::End(TagEnd::Heading(level)) => Some(Event::End(TagEnd::Heading(self.shift(level)))),
            Event::Start(Tag::Image { ref dest_url, .. }) if !self.image_allowed(dest_url) => {
                in_dropped_image += 1;
                None
            }
            Event::End(TagEnd::Image) if in_dropped_image > 0 => {
                in_dropped_image -= 1;
                None
            }
            other => Some(other),
        });
        let mut raw = String::with_capacity(markdown.len() * 3 / 2);
        pulldown_cmark::html::push_html(&mut raw, events);
        Html::cleaned(self.cleaner().clean(&raw).to_string())
    }

    fn shift(&self, level: HeadingLevel) -> HeadingLevel {
        let n = (level as u8).saturating_add(self.first_heading - 1).min(6);
        HeadingLevel::try_from(usize::from(n)).unwrap_or(HeadingLevel::H6)
    }

    fn cleaner(&self) -> Builder<'static> {
        let mut b = Builder::empty();
        b.tags(TAGS.iter().copied().collect::<HashSet<_>>())
            .tag_attributes(
                [("a", ["href", "title"].into()), ("img", ["src", "alt", "title"].into()), ("ol", ["start"].into())]
                    .into_iter()
                    .collect(),
            )
            .url_schemes(["http", "https"].into())
            .link_rel(Some(LINK_REL))
            .clean_content_tags(["script", "style"].into())
            .strip_comments(true);
        if self.images.is_empty() {
            b.url_relative(UrlRelative::Deny);
        } else {
            // Relative addresses stay only on pictures that passed the reading above; a link
            // is never relative (the portal's base is not the writer's to choose).
            b.url_relative(UrlRelative::Custom(Box::new(Pictures(self.clone()))));
            let images = self.clone();
            b.attribute_filter(move |element, attribute, value| match (element, attribute) {
                ("img", "src") if !images.image_allowed(value) => None,
                ("a", "href") if value.starts_with('/') => None,
                _ => Some(value.into()),
            });
        }
        b
    }
}

/// The relative addresses kept: pictures of the ENT's storage.
struct Pictures(RichText);

impl<'a> UrlRelativeEvaluate<'a> for Pictures {
    fn evaluate<'url>(&self, url: &'url str) -> Option<Cow<'url, str>> {
        self.0.image_allowed(url).then_some(Cow::Borrowed(url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(markdown: &str) -> String {
        RichText::new().images_from("/p/forum/files/").to_html(markdown).as_str().to_string()
    }

    #[test]
    fn markdown_is_formatted() {
        assert_eq!(html("*a* **b** ~~c~~ `d`"), "<p><em>a</em> <strong>b</strong> <del>c</del> <code>d</code></p>\n");
        assert_eq!(html("- un\n- deux"), "<ul>\n<li>un</li>\n<li>deux</li>\n</ul>\n");
        assert_eq!(html("3. trois\n4. quatre"), "<ol start=\"3\">\n<li>trois</li>\n<li>quatre</li>\n</ol>\n");
        assert_eq!(html("> cité"), "<blockquote>\n<p>cité</p>\n</blockquote>\n");
        assert_eq!(html("```js\nalert(1)\n```"), "<pre><code>alert(1)\n</code></pre>\n");
        assert!(html("| a | b |\n|---|:-:|\n| 1 | 2 |").starts_with("<table><thead><tr><th>a</th>"));
    }

    #[test]
    fn links_are_absolute_and_marked() {
        assert_eq!(
            html("[musée](https://musee.example/visite)"),
            "<p><a href=\"https://musee.example/visite\" rel=\"noopener noreferrer nofollow ugc\">musée</a></p>\n"
        );
        assert_eq!(
            html("<https://musee.example>"),
            "<p><a href=\"https://musee.example\" rel=\"noopener noreferrer nofollow ugc\">https://musee.example</a></p>\n"
        );
        for bad in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](vbscript:msgbox)",
            "[x](/admin)",
            "[x](//evil.example)",
            "[x](../../view)",
        ] {
            let out = html(bad);
            assert!(!out.contains("href"), "{bad} → {out}");
        }
    }

    #[test]
    fn raw_html_is_text() {
        assert_eq!(html("<b onclick=x>gras</b>"), "<p>&lt;b onclick=x&gt;gras&lt;/b&gt;</p>\n");
        assert_eq!(
            html("<div>\n<script>alert(1)</script>\n</div>"),
            "<p>&lt;div&gt;\n&lt;script&gt;alert(1)&lt;/script&gt;\n&lt;/div&gt;</p>\n"
        );
        assert_eq!(html("<!-- caché -->"), "<p>&lt;!-- caché --&gt;</p>\n");
    }

    #[test]
    fn pictures_only_from_the_ents_storage() {
        assert_eq!(html("![chat](/p/forum/files/12)"), "<p><img src=\"/p/forum/files/12\" alt=\"chat\"></p>\n");
        for bad in [
            "![chat](https://evil.example/x.png)",
            "![chat](/p/forum/files/../../admin)",
            "![chat](/p/forum/files/%2e%2e/x)",
            "![chat](/p/other/files/1)",
            "![chat](javascript:alert(1))",
            "![chat](data:image/svg+xml,<svg onload=alert(1)>)",
        ] {
            let out = html(bad);
            assert!(!out.contains("<img"), "{bad} → {out}");
            assert!(out.contains("chat"), "the alternative text stays: {out}");
        }
        assert!(!RichText::new().to_html("![chat](/p/forum/files/12)").as_str().contains("<img"), "no picture allowed");
    }

    #[test]
    fn headings_start_at_the_pages_level() {
        let rules = RichText::new().headings_from(3);
        assert_eq!(rules.to_html("# a\n## b\n#### c").as_str(), "<h3>a</h3>\n<h4>b</h4>\n<h6>c</h6>\n");
        assert_eq!(RichText::new().to_html("# a {#id .class}").as_str(), "<h1>a {#id .class}</h1>\n");
    }
}
