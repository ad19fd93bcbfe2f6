//! A page's Markdown as HTML, safe to show: the one place the mini-sites turn what pupils wrote
//! into markup, through the kit's `richtext` (Markdown by pulldown-cmark, raw HTML kept as
//! text, then ammonia's allow-list: only `http(s)` links, each `rel="noopener noreferrer
//! nofollow ugc"`, no script, style, event or class survives).
//!
//! Pictures: on the sites' origin, a page may show its own site's pictures (`img/{id}`,
//! relative to the page, so that the signed link in the path is kept); in the ENT's pages none
//! is loaded (the portal's origin never fetches from the sites'), each shows its description.

use ent_portlet_kit::richtext::RichText;
use ent_portlet_kit::views::Html;

/// Where the text is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// A page of the ENT, under the page's `<h2>` title.
    Ent,
    /// The published site, under the page's `<h1>` title, with its pictures at `pictures`.
    Site { pictures: &'static str },
}

/// What `text` shows as, sanitised.
pub fn markdown(text: &str, place: Place) -> Html {
    let rules = match place {
        Place::Ent => RichText::new().headings_from(3),
        Place::Site { pictures } => RichText::new().images_from(pictures).headings_from(2),
    };
    rules.to_html(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: Place = Place::Site { pictures: "img/" };

    #[test]
    fn nothing_written_survives_as_markup() {
        for place in [Place::Ent, SITE] {
            let out = markdown(
                "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))",
                place,
            )
            .to_string();
            assert!(!out.contains("<script") && !out.contains("<img") && !out.contains("javascript:"), "{out}");
        }
    }

    #[test]
    fn a_site_shows_its_own_pictures_only() {
        let md =
            "![chat](img/0123456789abcdef0123456789abcdef) ![x](https://evil.example/x.png) ![y](img/../../s/other)";
        let site = markdown(md, SITE).to_string();
        assert!(site.contains("<img src=\"img/0123456789abcdef0123456789abcdef\" alt=\"chat\""), "{site}");
        assert!(!site.contains("evil.example") && !site.contains(".."), "{site}");
        let ent = markdown(md, Place::Ent).to_string();
        assert!(!ent.contains("<img") && ent.contains("chat"), "{ent}");
    }

    #[test]
    fn headings_rank_below_the_page_title_and_links_are_marked() {
        assert!(markdown("# Titre", Place::Ent).to_string().starts_with("<h3>"));
        assert!(markdown("# Titre", SITE).to_string().starts_with("<h2>"));
        let link = markdown("[site](https://example.org)", SITE).to_string();
        assert!(link.contains("rel=\"noopener noreferrer nofollow ugc\""), "{link}");
    }
}
