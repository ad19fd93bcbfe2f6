//! Who may see and write which diary, decided only from the kit's `Identity` checks and its
//! chooser (`ent_portlet_kit::access`), failing closed. A diary is a class's: the tabs are the
//! kit's choices (a class, or a parent's child), a director's classes the directory's; here are
//! the diary's own rules: who has a diary, who writes, and what one may do with an entry.
//!
//! Reads of something one may not read are 404 (its existence is not revealed); pupils, parents
//! and profiles without a diary get 403 on every write; a teacher or director asking for a class
//! or entry outside their reach gets 404.

use ent_portlet_kit::access::{self, Choice};
use ent_portlet_kit::{ClassInfo, Ctx, DbError, Identity, KnownClasses, PortletError};

use crate::App;
use crate::store::{Entry, Store};

/// How far back the classes the diary holds for a school look (a school year and a little).
const KNOWN_CLASSES_SECS: i64 = 400 * 86_400;

/// The classes the diary holds entries for: a parent's child's class gets its name from them,
/// and a director keeps reaching them when the directory does not answer.
impl KnownClasses for Store {
    async fn known_class(&self, id: &str) -> Result<Option<ClassInfo>, DbError> {
        self.class(id).await
    }

    async fn known_school_classes(&self, school: &str) -> Result<Vec<ClassInfo>, DbError> {
        self.school_classes(school, ent_portlet_kit::now() - KNOWN_CLASSES_SECS).await
    }
}

/// Refuses the views to profiles without class content (staff, city agents, admins): 403.
pub fn require_diary(who: &Identity, ctx: &Ctx) -> Result<(), PortletError> {
    if who.has_class_content() { Ok(()) } else { Err(PortletError::Forbidden(ctx.lang)) }
}

/// Only teachers and directors write; everyone else gets 403 on every write route.
pub fn require_writer(who: &Identity, ctx: &Ctx) -> Result<(), PortletError> {
    if who.writes_for_classes() { Ok(()) } else { Err(PortletError::Forbidden(ctx.lang)) }
}

/// The diaries this person may open, in tab order.
pub async fn readable(state: &App, who: &Identity) -> Result<Vec<Choice>, PortletError> {
    access::choices(who, state.directory(), &state.store).await
}

/// The classes this person may write for: those they teach and, for a director, the classes of
/// their school.
pub async fn writable(state: &App, who: &Identity) -> Result<Vec<Choice>, PortletError> {
    let classes = access::writable_classes(who, state.directory(), &state.store).await?;
    Ok(classes.into_iter().map(Choice::of_class).collect())
}

/// What one may do with an existing entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryAccess {
    /// Not even know it exists (404).
    None,
    Read,
    /// Edit and delete: its author while still writing for the class, or the school's director.
    Write,
}

pub fn entry_access(who: &Identity, entry: &Entry) -> EntryAccess {
    let p = &entry.placement;
    if !who.can_read_class(&p.class_id, &p.school) {
        return EntryAccess::None;
    }
    let author = p.author_sub == who.sub && who.can_write_class(&p.class_id, &p.school);
    if author || who.is_director_of(&p.school) { EntryAccess::Write } else { EntryAccess::Read }
}

/// The entry, if this person may change it: 404 when it does not exist or they may not know
/// it does, 403 when they may only read it.
pub async fn entry_to_write(store: &Store, who: &Identity, ctx: &Ctx, id: &str) -> Result<Entry, PortletError> {
    let entry = store.get(id).await?.ok_or(PortletError::NotFound(ctx.lang))?;
    match entry_access(who, &entry) {
        EntryAccess::None => Err(PortletError::NotFound(ctx.lang)),
        EntryAccess::Read => Err(PortletError::Forbidden(ctx.lang)),
        EntryAccess::Write => Ok(entry),
    }
}
