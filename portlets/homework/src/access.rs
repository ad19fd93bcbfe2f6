//! Who may see and write which diary, decided only from the kit's `Identity` checks and failing
//! closed. A diary is a class's: the choices below are the classes a person may open (tabs), the
//! ones they may write for, and what they may do with one entry.
//!
//! Reads of something one may not read are 404 (its existence is not revealed); pupils, parents
//! and profiles without a diary get 403 on every write; a teacher or director asking for a class
//! or entry outside their reach gets 404.

use ent_portlet_kit::{Ctx, Identity, PortletError, Profile};

use crate::store::{Entry, Store};

/// How far back a director's class list looks (a school year and a little).
const KNOWN_CLASSES_SECS: i64 = 400 * 86_400;

/// A diary one may open: a class, reached as a class (`class=`) or, for a parent, as a child
/// (`child=`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// `class` or `child`: the query parameter that selects this tab.
    pub key: &'static str,
    pub value: String,
    pub class_id: String,
    /// Empty when unknown (a new class, for a parent).
    pub class_name: String,
    /// The school's UAI; empty when the token does not say (a parent's child).
    pub school: String,
    /// For a parent, the child's rank (1, 2, …), used when the token carries no first name.
    pub child_rank: Option<usize>,
    /// For a parent, the child's first name from the token's `ent_children`.
    pub child_name: Option<String>,
}

impl Choice {
    /// The tab's words: the class name, or "Léa · CM1 A" for a parent ("Enfant 1 · CM1 A" when
    /// the token carries no first name).
    pub fn label(&self, ctx: &Ctx) -> String {
        let class =
            if self.class_name.is_empty() { ctx.t("Classe", "Class").to_string() } else { self.class_name.clone() };
        match (&self.child_name, self.child_rank) {
            (Some(name), _) => format!("{name} · {class}"),
            (None, Some(n)) => format!("{} {n} · {class}", ctx.t("Enfant", "Child")),
            (None, None) => class,
        }
    }
}

/// Profiles that have no diary at all: every view answers 403.
pub fn has_diary(who: &Identity) -> bool {
    matches!(who.profile, Profile::Pupil | Profile::Parent | Profile::Teacher | Profile::Director)
}

/// Refuses the views to profiles without a diary.
pub fn require_diary(who: &Identity, ctx: &Ctx) -> Result<(), PortletError> {
    if has_diary(who) { Ok(()) } else { Err(PortletError::Forbidden(ctx.lang)) }
}

/// Only teachers and directors write; everyone else gets 403 on every write route.
pub fn require_writer(who: &Identity, ctx: &Ctx) -> Result<(), PortletError> {
    if matches!(who.profile, Profile::Teacher | Profile::Director) {
        Ok(())
    } else {
        Err(PortletError::Forbidden(ctx.lang))
    }
}

/// The diaries this person may open, in tab order.
pub async fn readable(store: &Store, who: &Identity) -> Result<Vec<Choice>, PortletError> {
    let mut out: Vec<Choice> = Vec::new();
    match who.profile {
        Profile::Pupil => {
            for c in who.pupil_classes() {
                out.push(class_choice(&c.id, &c.name, &c.school));
            }
        }
        Profile::Parent => {
            for (i, child) in who.children().iter().enumerate() {
                let Some(class_id) = child.class.as_deref() else { continue };
                // The token names the child's class but not its name or school: the portlet's own
                // entries do, once the class has one.
                let known = store.class(class_id).await?;
                out.push(Choice {
                    key: "child",
                    value: child.sub.clone(),
                    class_id: class_id.to_string(),
                    class_name: known.as_ref().map(|k| k.name.clone()).unwrap_or_default(),
                    school: known.map(|k| k.school).unwrap_or_default(),
                    child_rank: Some(i + 1),
                    child_name: child.given_name.clone(),
                });
            }
        }
        Profile::Teacher | Profile::Director => out = writable(store, who).await?,
        Profile::Staff | Profile::CityAgent | Profile::Admin => {}
    }
    out.retain(|c| who.can_read_class(&c.class_id, &c.school));
    Ok(out)
}

/// The classes this person may write for: the classes they teach and, for a director, the
/// classes of their school that the portlet knows (a class appears once someone wrote for it).
pub async fn writable(store: &Store, who: &Identity) -> Result<Vec<Choice>, PortletError> {
    let mut out: Vec<Choice> = who.taught_classes().map(|c| class_choice(&c.id, &c.name, &c.school)).collect();
    let since = ent_portlet_kit::now() - KNOWN_CLASSES_SECS;
    for school in who.directed_schools() {
        for k in store.school_classes(school, since).await? {
            if !out.iter().any(|c| c.class_id == k.id) {
                out.push(class_choice(&k.id, &k.name, &k.school));
            }
        }
    }
    out.retain(|c| who.can_write_class(&c.class_id, &c.school));
    Ok(out)
}

fn class_choice(id: &str, name: &str, school: &str) -> Choice {
    Choice {
        key: "class",
        value: id.to_string(),
        class_id: id.to_string(),
        class_name: name.to_string(),
        school: school.to_string(),
        child_rank: None,
        child_name: None,
    }
}

/// The tab a request asks for (`child=` first, then `class=`), the first one when it names
/// none, or 404 when it names one this person may not open.
pub fn select<'a>(
    choices: &'a [Choice],
    class: Option<&str>,
    child: Option<&str>,
    ctx: &Ctx,
) -> Result<Option<&'a Choice>, PortletError> {
    let found = match (child.filter(|c| !c.is_empty()), class.filter(|c| !c.is_empty())) {
        (Some(sub), _) => choices.iter().find(|c| c.key == "child" && c.value == sub),
        (None, Some(id)) => choices.iter().find(|c| c.class_id == id),
        (None, None) => return Ok(choices.first()),
    };
    found.map(Some).ok_or(PortletError::NotFound(ctx.lang))
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
