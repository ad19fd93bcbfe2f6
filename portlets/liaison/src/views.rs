//! The list of notes (`GET /view/notes`) and what every view shares: the profile gate, loading a
//! note the reader may read (anything else is a 404, as if it did not exist), rosters, children's
//! names, links. One note and its threads are in `note_view`, the forms to write in `compose`.

use std::collections::HashMap;

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use ent_portlet_kit::calendar::format_instant;
use ent_portlet_kit::directory::ClassRoster;
use ent_portlet_kit::form::Pairs;
use ent_portlet_kit::views::{self, Badge, Item, Items, Notice, Tab, Tabs};
use ent_portlet_kit::{Ctx, DbError, Identity, Link, PortletError, Profile};

use crate::access;
use crate::store::{Expected, Kind, Note, Person, Scope};
use crate::templates::{Line, ListPage};
use crate::texts::{Texts, texts};
use crate::{App, Store};

/// How many notes a list shows.
const LIST_LIMIT: i64 = 100;

/// Staff, city agents and admins have no notebook: every view is refused to them.
pub(crate) fn gate(who: &Identity, ctx: &Ctx) -> Result<(), PortletError> {
    if access::has_notebook(who) { Ok(()) } else { Err(PortletError::Forbidden(ctx.lang)) }
}

/// A note the reader may read (anything else is "not found"), with those of the pupils it
/// concerns that the reader may see (`access::can_see_pupil`): every one for the class's staff,
/// a family's own children, a pupil themselves. Only [`load`] makes one, so no page can draw a
/// pupil, a signature or a thread of another family: it is never given them.
pub(crate) struct Loaded {
    pub note: Note,
    pupils: Vec<Person>,
}

impl Loaded {
    /// The concerned pupils this reader may see, by name.
    pub fn pupils(&self) -> &[Person] {
        &self.pupils
    }

    /// Whether the note concerns this pupil, as far as this reader may know.
    pub fn concerns(&self, pupil_sub: &str) -> bool {
        self.pupils.iter().any(|p| p.sub == pupil_sub)
    }

    pub fn pupil_name(&self, pupil_sub: &str) -> &str {
        self.pupils.iter().find(|p| p.sub == pupil_sub).map(|p| p.name.as_str()).unwrap_or("—")
    }

    /// The note's expected signers and their signatures, for the pupils this reader sees: a
    /// family gets its own children's, never how the other families stand.
    pub async fn expected(&self, store: &Store) -> Result<Vec<Expected>, DbError> {
        if !self.note.needs_signature {
            return Ok(Vec::new());
        }
        let mut expected = store.expected(&self.note.id).await?;
        expected.retain(|e| self.concerns(&e.pupil_sub));
        Ok(expected)
    }
}

pub(crate) async fn load(store: &Store, who: &Identity, ctx: &Ctx, id: &str) -> Result<Loaded, PortletError> {
    let not_found = || PortletError::NotFound(ctx.lang);
    if !crate::store::is_note_id(id) {
        return Err(not_found());
    }
    let note = store.note(id).await?.ok_or_else(not_found)?;
    let pupils = store.pupils(id).await?;
    let subs: Vec<String> = pupils.iter().map(|p| p.sub.clone()).collect();
    if !access::can_read_note(who, &note, &subs) {
        return Err(not_found());
    }
    // The whole list decided whether the note may be read; what is kept is what may be shown.
    let pupils = pupils.into_iter().filter(|p| access::can_see_pupil(who, &note, &p.sub)).collect();
    Ok(Loaded { note, pupils })
}

pub(crate) fn note_path(id: &str) -> Link {
    Link::to(format!("/view/notes/{id}"))
}

pub(crate) fn thread_path(id: &str, pupil_sub: &str) -> Link {
    Link::to(format!("/view/notes/{id}/thread")).q("pupil", pupil_sub)
}

/// The roster of a class, or the 503 answer when the directory is absent or down.
pub(crate) async fn roster(state: &App, t: &Texts, class_id: &str) -> Result<Option<ClassRoster>, Response> {
    let Some(directory) = state.directory() else {
        return Err(PortletError::Unavailable(t.directory_unavailable.into()).into_response());
    };
    directory.class(class_id).await.map_err(|e| {
        tracing::warn!(error = %e, "directory read failed");
        PortletError::Unavailable(t.directory_unavailable.into()).into_response()
    })
}

/// The display names of a parent's children: from the directory when it answers, otherwise
/// from the notes that concern them.
pub(crate) async fn child_names(state: &App, who: &Identity) -> HashMap<String, String> {
    let mut names = HashMap::new();
    for child in who.children() {
        let mut name = None;
        if let (Some(directory), Some(class)) = (state.directory(), child.class.as_deref())
            && let Ok(Some(roster)) = directory.class(class).await
        {
            name = roster.pupil(&child.sub).map(|p| p.name.clone());
        }
        if name.is_none() {
            name = state.store.pupil_name(&child.sub).await.ok().flatten();
        }
        if let Some(name) = name {
            names.insert(child.sub.clone(), name);
        }
    }
    names
}

pub(crate) fn child_label<'a>(names: &'a HashMap<String, String>, sub: &str, t: &'a Texts) -> &'a str {
    names.get(sub).map(String::as_str).unwrap_or(t.your_child)
}

pub(crate) fn notice(text: &str) -> Result<Response, PortletError> {
    views::page(&Notice::status(text))
}

// ----- The list -----

pub async fn list(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    RawQuery(query): RawQuery,
) -> Result<Response, PortletError> {
    gate(&who, &ctx)?;
    let t = texts(ctx.lang);
    let q = Pairs::query(query.as_deref());
    let page = match who.profile {
        Profile::Parent => parent_list(&state, &who, &ctx, t, q.get("child")).await?,
        Profile::Pupil => pupil_list(&state, &who, &ctx, t).await?,
        _ => staff_list(&state, &who, &ctx, t, q.get("class")).await?,
    };
    views::page(&page)
}

async fn parent_list(
    state: &App,
    who: &Identity,
    ctx: &Ctx,
    t: &'static Texts,
    child: Option<&str>,
) -> Result<ListPage, PortletError> {
    let children = who.children();
    let current = match child {
        Some(sub) => Some(who.child(sub).ok_or(PortletError::NotFound(ctx.lang))?),
        None => children.first(),
    };
    let names = child_names(state, who).await;
    let tabs = if children.len() > 1 {
        children
            .iter()
            .map(|c| Tab {
                href: ctx.href(&Link::to("/view/notes").q("child", &c.sub)),
                label: child_label(&names, &c.sub, t).to_string(),
                current: current.is_some_and(|cur| cur.sub == c.sub),
            })
            .collect()
    } else {
        Vec::new()
    };
    let (heading, items, actions) = match current {
        None => (t.notebook.to_string(), Vec::new(), Vec::new()),
        Some(child) => {
            let notes =
                state.store.list(&Scope::Pupil { sub: &child.sub, with_parent_notes: true }, LIST_LIMIT).await?;
            let pending: Vec<String> =
                state.store.to_sign(&who.sub, &child.sub).await?.into_iter().map(|n| n.id).collect();
            let items = notes
                .iter()
                .map(|n| {
                    let mut item = item(ctx, t, n);
                    if pending.contains(&n.id) {
                        item.badges.push(Badge::warn(t.to_sign));
                        if n.last_reminder_at.is_some() {
                            item.badges.push(Badge::warn(t.reminder_badge));
                        }
                    }
                    item
                })
                .collect();
            let actions = vec![Line {
                href: ctx.href(&Link::to("/view/ask").q("child", &child.sub)),
                text: t.write_to_teacher.to_string(),
            }];
            (t.notebook_of(child_label(&names, &child.sub, t)), items, actions)
        }
    };
    Ok(ListPage { t, heading, tabs: Tabs::new(t.children, tabs), actions, items: Items { items, ..Items::default() } })
}

async fn pupil_list(state: &App, who: &Identity, ctx: &Ctx, t: &'static Texts) -> Result<ListPage, PortletError> {
    let notes = state.store.list(&Scope::Pupil { sub: &who.sub, with_parent_notes: false }, LIST_LIMIT).await?;
    let items = notes.iter().map(|n| item(ctx, t, n)).collect();
    Ok(ListPage {
        t,
        heading: t.my_notes.to_string(),
        tabs: Tabs::default(),
        actions: vec![],
        items: Items { items, ..Items::default() },
    })
}

/// Teachers see their classes' notes; a director the whole school's, class by class.
async fn staff_list(
    state: &App,
    who: &Identity,
    ctx: &Ctx,
    t: &'static Texts,
    class: Option<&str>,
) -> Result<ListPage, PortletError> {
    let taught: Vec<(&str, &str)> = who.taught_classes().map(|c| (c.id.as_str(), c.name.as_str())).collect();
    let school = who.directed_schools().next().map(str::to_owned);
    let school_classes: Vec<(String, String)> =
        ent_portlet_kit::access::director_classes(who, state.directory(), &state.store)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
    let first_taught: Vec<&str> = taught.iter().map(|(id, _)| *id).take(1).collect();
    let scope = match (class, &school) {
        (Some(c), _) if taught.iter().any(|(id, _)| *id == c) => Scope::Classes(class.as_slice()),
        (Some(c), Some(s)) if school_classes.iter().any(|(id, _)| id == c) => {
            Scope::School { school: s, class: Some(c) }
        }
        // A class the reader may not know of, or one without notes: nothing to show either way.
        (Some(_), _) => return Err(PortletError::NotFound(ctx.lang)),
        (None, Some(s)) => Scope::School { school: s, class: None },
        (None, None) => Scope::Classes(&first_taught),
    };
    let notes = state.store.list(&scope, LIST_LIMIT).await?;
    let current = match &scope {
        Scope::Classes(c) => c.first().map(|c| c.to_string()),
        Scope::School { class, .. } => class.map(str::to_owned),
        Scope::Pupil { .. } => None,
    };
    let mut tabs: Vec<Tab> = Vec::new();
    if school.is_some() {
        tabs.push(Tab {
            href: ctx.href(&Link::to("/view/notes")),
            label: t.all_classes.to_string(),
            current: current.is_none(),
        });
    }
    let mut seen: Vec<&str> = Vec::new();
    for (id, name) in taught.iter().copied().chain(school_classes.iter().map(|(i, n)| (i.as_str(), n.as_str()))) {
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        tabs.push(Tab {
            href: ctx.href(&Link::to("/view/notes").q("class", id)),
            label: name.to_string(),
            current: current.as_deref() == Some(id),
        });
    }
    if tabs.len() < 2 {
        tabs.clear();
    }
    let ids: Vec<&str> = notes.iter().map(|n| n.id.as_str()).collect();
    let counts = state.store.counts(&ids).await?;
    let items = notes
        .iter()
        .map(|n| {
            let mut item = item(ctx, t, n);
            if let Some(c) = counts.get(&n.id) {
                let text = t.signed_count(c.signed, c.expected);
                item.badges.push(if c.signed == c.expected { Badge::ok(text) } else { Badge::warn(text) });
            }
            item
        })
        .collect();
    let new_note = Link::to("/view/notes/new").q_opt("class", current.as_deref());
    let actions = vec![Line { href: ctx.href(&new_note), text: t.new_note.to_string() }];
    let heading = if school.is_some() && current.is_none() { t.notes_of_school } else { t.notebook };
    Ok(ListPage {
        t,
        heading: heading.to_string(),
        tabs: Tabs::new(t.classes, tabs),
        actions,
        items: Items { items, ..Items::default() },
    })
}

/// A note as a line of a list.
pub(crate) fn item(ctx: &Ctx, t: &Texts, n: &Note) -> Item {
    let mut badges = Vec::new();
    if n.kind == Kind::Parent {
        badges.push(Badge::plain(t.from_parent));
    }
    Item {
        href: ctx.href(&note_path(&n.id)),
        title: n.title.clone(),
        meta: t.by_on(&n.author_name, &format_instant(n.created_at, t.lang), &n.class_name),
        badges,
    }
}
