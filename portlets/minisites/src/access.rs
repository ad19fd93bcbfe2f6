//! Who may see and do what on a mini-site, from the kit's `Identity` (which fails closed) and
//! the site's class, school, visibility and writers. docs/portlet-minisites.md has the table:
//!
//! | who | reads the published pages | writes (a pupil's versions wait) | approves, rejects, edits, restores, sets up |
//! |---|---|---|---|
//! | a pupil of the class | yes | yes, if the site is the whole class's or names them | no |
//! | a parent of a pupil of the class | yes | no | no |
//! | a teacher of the class | yes | yes, published at once | yes |
//! | the school's director | yes | yes, published at once | yes, and alone makes a site public |
//! | a pupil, parent or teacher of another class of the school | if the site is the school's or public | no | no |
//! | anyone else of the ENT | no (a public site is read on the sites' origin) | no | no |
//!
//! A pending or rejected version is seen by its site's writers only. Staff, city agents and
//! admins have no class content: every page is a `403` to them. Anything one may not read is a
//! `404`; what one may read but not do, a `403`.

use ent_portlet_kit::{Identity, Lang, PortletError, Profile};

use crate::model::{VersionState, Visibility};
use crate::store::{Site, Version};

/// The profiles with class content only: the others get `403` on every page.
pub fn has_pages(who: &Identity, lang: Lang) -> Result<(), PortletError> {
    if who.has_class_content() { Ok(()) } else { Err(PortletError::Forbidden(lang)) }
}

/// Whether this person belongs to that school as a pupil, a parent of one of its pupils, a
/// teacher or its director.
pub fn in_school(who: &Identity, school: &str) -> bool {
    match who.profile {
        Profile::Pupil => who.pupil_classes().any(|c| c.school == school),
        Profile::Parent => who.children().iter().any(|c| c.school.as_deref() == Some(school)),
        Profile::Teacher => who.taught_classes().any(|c| c.school == school),
        Profile::Director => who.is_director_of(school) || who.taught_classes().any(|c| c.school == school),
        Profile::Staff | Profile::CityAgent | Profile::Admin => false,
    }
}

/// The schools whose sites this person may read some of.
pub fn schools(who: &Identity) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: &str| {
        if !s.is_empty() && !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    };
    match who.profile {
        Profile::Pupil => who.pupil_classes().for_each(|c| add(&c.school)),
        Profile::Parent => who.children().iter().filter_map(|c| c.school.as_deref()).for_each(&mut add),
        Profile::Teacher | Profile::Director => {
            who.taught_classes().for_each(|c| add(&c.school));
            who.directed_schools().for_each(&mut add);
        }
        Profile::Staff | Profile::CityAgent | Profile::Admin => {}
    }
    out
}

/// May read the site's published pages in the ENT (and be given a link to its origin).
pub fn can_read(who: &Identity, site: &Site) -> bool {
    who.can_read_class(&site.class_id, &site.school)
        || (site.effective() >= Visibility::School && in_school(who, &site.school))
}

/// May approve, reject, edit at once, restore and set the site up: a teacher of the class, the
/// school's director.
pub fn can_moderate(who: &Identity, site: &Site) -> bool {
    who.can_write_class(&site.class_id, &site.school)
}

/// May write pages: its moderators, and the pupils of the class the site is written by.
pub fn can_write(who: &Identity, site: &Site) -> bool {
    can_moderate(who, site)
        || (who.pupil_classes().any(|c| c.id == site.class_id && c.school == site.school)
            && (site.members.is_empty() || site.members.contains(&who.sub)))
}

/// May make the site public: the school's director alone.
pub fn can_approve_public(who: &Identity, site: &Site) -> bool {
    who.is_director_of(&site.school)
}

/// May see this version: a published one, whoever reads the site; a pending or rejected one,
/// the site's writers.
pub fn can_see_version(who: &Identity, site: &Site, v: &Version) -> bool {
    match v.state {
        VersionState::Published => can_read(who, site),
        VersionState::Pending | VersionState::Rejected => can_write(who, site),
    }
}

/// The site, if this person may read it; `404` otherwise (and `403` for profiles without
/// class content).
pub fn readable(who: &Identity, site: Option<Site>, lang: Lang) -> Result<Site, PortletError> {
    has_pages(who, lang)?;
    site.filter(|s| can_read(who, s)).ok_or(PortletError::NotFound(lang))
}

/// `403` unless `allowed`: for an act on a thing the person may see.
pub fn require(allowed: bool, lang: Lang) -> Result<(), PortletError> {
    if allowed { Ok(()) } else { Err(PortletError::Forbidden(lang)) }
}
