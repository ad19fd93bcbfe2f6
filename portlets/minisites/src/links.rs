//! The addresses of a published site on the sites' origin. A public site has a plain one
//! (`/s/{site}/pub/`); a class's or a school's site is opened by a signed link
//! (`/s/{site}/{token}/`) that the ENT's pages mint, for ten minutes, for a person entitled to
//! read it. The link is bound to the site and to its `access_version`: when who may see the
//! site changes (a narrower visibility, other writers), the links minted before stop working.
//! The token is in the path, not the query, so that the pages' relative links (`{page}`,
//! `img/{picture}`) carry it without being rewritten.

use ent_portlet_kit::Origin;

use crate::model::{SiteId, Visibility};
use crate::store::Site;

/// How long a signed link opens its site.
pub const LINK_SECS: i64 = 600;

/// The path segment of public sites, in place of a token.
pub const PUBLIC: &str = "pub";

/// What a link is bound to: the site and the version of who may see it.
pub fn scope(site: &SiteId, access_version: i64) -> String {
    format!("minisite:{site}:{access_version}")
}

/// The address to open the site with, for someone the ENT has found entitled to read it.
pub fn open(origin: &Origin, site: &Site, now: i64) -> String {
    let access = match site.effective() {
        Visibility::Public => PUBLIC.to_string(),
        Visibility::Class | Visibility::School => origin.sign(&scope(&site.id, site.access_version), now + LINK_SECS),
    };
    origin.url(&format!("/s/{}/{access}/", site.id))
}

/// Whether `access` (the path segment after the site's id) opens this site at `now`.
pub fn opens(origin: &Origin, site: &Site, access: &str, now: i64) -> bool {
    if access == PUBLIC {
        return site.effective() == Visibility::Public;
    }
    origin.verify(&scope(&site.id, site.access_version), access, now)
}
