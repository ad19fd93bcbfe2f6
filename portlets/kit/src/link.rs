//! The one way a portlet names its own pages: a [`Link`] is a portlet path (`/view/notes/1`)
//! with its query values encoded. The same value becomes a link in a page under the portal's
//! base (`ctx.href(&link)` → `/p/liaison/notes/1`) and the `Location` of a `303` after a post
//! (`see_other(&link)` → `/view/notes/1`, which the portal rewrites). Two forms of one path
//! written by hand once drifted apart; now there is only this one.

use crate::fragment::Ctx;

/// A path of this portlet, with its query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    path: String,
    query: Vec<(String, String)>,
}

impl Link {
    /// A portlet path, as the routes name it: `/view/week`, `/view/notes/{id}`.
    pub fn to(path: impl Into<String>) -> Link {
        Link { path: path.into(), query: Vec::new() }
    }

    /// Adds `key=value` to the query (encoded when written).
    pub fn q(mut self, key: &str, value: impl AsRef<str>) -> Link {
        self.query.push((key.to_string(), value.as_ref().to_string()));
        self
    }

    /// Adds `key=value` when there is a value.
    pub fn q_opt(self, key: &str, value: Option<impl AsRef<str>>) -> Link {
        match value {
            Some(v) => self.q(key, v),
            None => self,
        }
    }

    /// The portlet's own path with its query: what a `303` names.
    pub fn path(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&self.query).finish();
        format!("{}?{query}", self.path)
    }
}

impl Ctx {
    /// The link in a page: under the portal's base, where the portal serves `/view/x` as
    /// `{base}/x`. A path outside `/view` is linked as it is.
    pub fn href(&self, link: &Link) -> String {
        let path = link.path();
        let rest = path.strip_prefix("/view").filter(|r| r.is_empty() || r.starts_with(['/', '?']));
        format!("{}{}", self.base, rest.unwrap_or(&path))
    }

    /// The absolute address of one of this portlet's public routes (`/public/…`), as the portal
    /// serves it to anyone without a session: `{public_base}/…`. `None` when the portal did not
    /// say its public address, or the link is not a public route.
    pub fn public_href(&self, link: &Link) -> Option<String> {
        let path = link.path();
        let rest = path.strip_prefix("/public").filter(|r| r.starts_with('/'))?;
        (!self.public_base.is_empty()).then(|| format!("{}{rest}", self.public_base))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Ctx {
        Ctx { base: "/p/liaison".into(), ..Ctx::default() }
    }

    #[test]
    fn one_link_for_pages_and_redirects() {
        let link = Link::to("/view/notes/1").q("pupil", "a b&c");
        assert_eq!(link.path(), "/view/notes/1?pupil=a+b%26c");
        assert_eq!(ctx().href(&link), "/p/liaison/notes/1?pupil=a+b%26c");
        assert_eq!(ctx().href(&Link::to("/view").q("class", "a")), "/p/liaison?class=a");
        assert_eq!(ctx().href(&Link::to("/view")), "/p/liaison");
        assert_eq!(ctx().href(&Link::to("/viewer")), "/p/liaison/viewer");
        assert_eq!(Link::to("/view/week").q_opt("date", None::<&str>).path(), "/view/week");
    }

    #[test]
    fn public_links_are_absolute_under_the_public_base() {
        let ctx = Ctx { public_base: "https://ent.example/pub/agenda".into(), ..Ctx::default() };
        assert_eq!(
            ctx.public_href(&Link::to("/public/feed/abc.ics")).as_deref(),
            Some("https://ent.example/pub/agenda/feed/abc.ics")
        );
        assert_eq!(ctx.public_href(&Link::to("/view/week")), None, "a view is not public");
        assert_eq!(ctx.public_href(&Link::to("/publicity/x")), None);
        assert_eq!(Ctx::default().public_href(&Link::to("/public/feed/x")), None, "no public base, no address");
    }
}
