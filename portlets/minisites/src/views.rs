//! What the ENT's pages share: finding a site, a page or a version for the person asking (and
//! answering `404` for what they may not know exists), the notice after a post, dates, and the
//! limits of what one writes.

use ent_portlet_kit::views::Notice;
use ent_portlet_kit::{Identity, Lang, PortletError, calendar};
use serde::Deserialize;

use crate::App;
use crate::access;
use crate::model::{PageId, SiteId, VersionId};
use crate::store::{Page, Site, Version};
use crate::texts::texts;

/// The longest title, in characters.
pub const MAX_TITLE: usize = 120;
/// The longest page, in characters.
pub const MAX_BODY: usize = 20_000;

/// `?done=…` after a post.
#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    pub done: Option<String>,
}

impl DoneQuery {
    pub fn notice(&self, lang: Lang) -> Option<Notice> {
        self.done.as_deref().and_then(|d| texts(lang).done(d)).map(Notice::status)
    }
}

/// An instant in Paris time.
pub fn when(unix: i64, lang: Lang) -> String {
    calendar::format_instant(unix, lang)
}

/// The site with that id, if this person may read it.
pub async fn site(state: &App, who: &Identity, raw: &str, lang: Lang) -> Result<Site, PortletError> {
    access::has_pages(who, lang)?;
    let Ok(id) = raw.parse::<SiteId>() else { return Err(PortletError::NotFound(lang)) };
    access::readable(who, state.store.site(&id).await?, lang)
}

/// The page with that id and its site, if this person may see it: a page with no published
/// version yet is its site's writers' alone.
pub async fn page(state: &App, who: &Identity, raw: &str, lang: Lang) -> Result<(Site, Page), PortletError> {
    access::has_pages(who, lang)?;
    let Ok(id) = raw.parse::<PageId>() else { return Err(PortletError::NotFound(lang)) };
    let Some(page) = state.store.page(&id).await? else { return Err(PortletError::NotFound(lang)) };
    let site = access::readable(who, state.store.site(&page.site_id).await?, lang)?;
    if !access::can_write(who, &site) && state.store.current(&page.id).await?.is_none() {
        return Err(PortletError::NotFound(lang));
    }
    Ok((site, page))
}

/// The version with that id, its page and site, if this person may see it.
pub async fn version(
    state: &App,
    who: &Identity,
    raw: &str,
    lang: Lang,
) -> Result<(Site, Page, Version), PortletError> {
    access::has_pages(who, lang)?;
    let Ok(id) = raw.parse::<VersionId>() else { return Err(PortletError::NotFound(lang)) };
    let Some(v) = state.store.version(&id).await? else { return Err(PortletError::NotFound(lang)) };
    let (site, page) = self::page(state, who, v.page_id.as_str(), lang).await?;
    if !access::can_see_version(who, &site, &v) {
        return Err(PortletError::NotFound(lang));
    }
    Ok((site, page, v))
}

/// A title as written: trimmed, required, not too long.
pub fn title(raw: &str) -> Option<String> {
    let t = raw.trim();
    (!t.is_empty() && t.chars().count() <= MAX_TITLE).then(|| t.to_string())
}
