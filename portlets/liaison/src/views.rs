//! The full views (`GET /view/…`): the list of notes, one note (with its signatures and threads
//! as the reader may see them), one thread, and the forms to write a note. What may be read is
//! decided by [`crate::access`]; anything else is a 404, as if it did not exist.

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use ent_portlet_kit::directory::ClassRoster;
use ent_portlet_kit::{Ctx, Identity, PortletError, Profile, html, now};

use crate::access;
use crate::dates;
use crate::kit_gap::{Pairs, encode, unavailable};
use crate::store::{Kind, Note, Person, Scope};
use crate::templates::{
    self, AskPage, Badge, FormErrors, Item, Line, ListPage, MAX_BODY, MAX_TITLE, MessageView, NewNotePage, NoteValues,
    NoticePage, OwnSignature, PupilChoice, SignatureRow, SignatureTable, Tab, ThreadBlock, ThreadPage,
};
use crate::texts::{Texts, texts};
use crate::{LiaisonState, Store};

/// How many notes a list shows.
const LIST_LIMIT: i64 = 100;

/// Staff, city agents and admins have no notebook: every view is refused to them.
pub(crate) fn gate(who: &Identity, ctx: &Ctx) -> Result<(), PortletError> {
    if access::has_notebook(who) { Ok(()) } else { Err(PortletError::Forbidden(ctx.lang)) }
}

/// A note the reader may read, with the pupils it concerns; anything else is "not found".
pub(crate) struct Loaded {
    pub note: Note,
    pub pupils: Vec<Person>,
}

impl Loaded {
    pub fn concerns(&self, pupil_sub: &str) -> bool {
        self.pupils.iter().any(|p| p.sub == pupil_sub)
    }

    pub fn pupil_name(&self, pupil_sub: &str) -> &str {
        self.pupils.iter().find(|p| p.sub == pupil_sub).map(|p| p.name.as_str()).unwrap_or("—")
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
    Ok(Loaded { note, pupils })
}

pub(crate) fn note_path(id: &str) -> String {
    format!("/view/notes/{id}")
}

pub(crate) fn thread_path(id: &str, pupil_sub: &str) -> String {
    format!("/view/notes/{id}/thread?pupil={}", encode(pupil_sub))
}

/// The roster of a class, or the 503 answer when the directory is absent or down.
pub(crate) async fn roster(state: &LiaisonState, t: &Texts, class_id: &str) -> Result<Option<ClassRoster>, Response> {
    let Some(directory) = &state.directory else {
        return Err(unavailable(t.directory_unavailable));
    };
    directory.class(class_id).await.map_err(|e| {
        tracing::warn!(error = %e, "directory read failed");
        unavailable(t.directory_unavailable)
    })
}

/// The display names of a parent's children: from the directory when it answers, otherwise
/// from the notes that concern them.
pub(crate) async fn child_names(state: &LiaisonState, who: &Identity) -> HashMap<String, String> {
    let mut names = HashMap::new();
    for child in who.children() {
        let mut name = None;
        if let (Some(directory), Some(class)) = (&state.directory, child.class.as_deref())
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

fn notice(text: &str) -> Result<Response, PortletError> {
    Ok(html(templates::render(&NoticePage { role: "status", text })?))
}

// ----- The list -----

pub async fn list(
    State(state): State<LiaisonState>,
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
    Ok(html(templates::render(&page)?))
}

async fn parent_list(
    state: &LiaisonState,
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
                href: ctx.link(&format!("/view/notes?child={}", encode(&c.sub))),
                text: child_label(&names, &c.sub, t).to_string(),
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
                href: ctx.link(&format!("/view/ask?child={}", encode(&child.sub))),
                text: t.write_to_teacher.to_string(),
            }];
            (t.notebook_of(child_label(&names, &child.sub, t)), items, actions)
        }
    };
    Ok(ListPage { t, heading, tabs_label: t.children, tabs, actions, items })
}

async fn pupil_list(
    state: &LiaisonState,
    who: &Identity,
    ctx: &Ctx,
    t: &'static Texts,
) -> Result<ListPage, PortletError> {
    let notes = state.store.list(&Scope::Pupil { sub: &who.sub, with_parent_notes: false }, LIST_LIMIT).await?;
    let items = notes.iter().map(|n| item(ctx, t, n)).collect();
    Ok(ListPage { t, heading: t.my_notes.to_string(), tabs_label: t.classes, tabs: vec![], actions: vec![], items })
}

/// Teachers see their classes' notes; a director the whole school's, class by class.
async fn staff_list(
    state: &LiaisonState,
    who: &Identity,
    ctx: &Ctx,
    t: &'static Texts,
    class: Option<&str>,
) -> Result<ListPage, PortletError> {
    let taught: Vec<(&str, &str)> = who.taught_classes().map(|c| (c.id.as_str(), c.name.as_str())).collect();
    let school = who.directed_schools().next().map(str::to_owned);
    let school_classes = match &school {
        Some(s) => state.store.school_classes(s).await?,
        None => Vec::new(),
    };
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
        tabs.push(Tab { href: ctx.link("/view/notes"), text: t.all_classes.to_string(), current: current.is_none() });
    }
    let mut seen: Vec<&str> = Vec::new();
    for (id, name) in taught.iter().copied().chain(school_classes.iter().map(|(i, n)| (i.as_str(), n.as_str()))) {
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        tabs.push(Tab {
            href: ctx.link(&format!("/view/notes?class={}", encode(id))),
            text: name.to_string(),
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
    let new_href = match &current {
        Some(c) => format!("/view/notes/new?class={}", encode(c)),
        None => "/view/notes/new".into(),
    };
    let actions = vec![Line { href: ctx.link(&new_href), text: t.new_note.to_string() }];
    let heading = if school.is_some() && current.is_none() { t.notes_of_school } else { t.notebook };
    Ok(ListPage { t, heading: heading.to_string(), tabs_label: t.classes, tabs, actions, items })
}

/// A note as a line of a list.
pub(crate) fn item(ctx: &Ctx, t: &Texts, n: &Note) -> Item {
    let mut badges = Vec::new();
    if n.kind == Kind::Parent {
        badges.push(Badge::plain(t.from_parent));
    }
    Item {
        href: ctx.link(&note_path(&n.id)),
        title: n.title.clone(),
        meta: t.by_on(&n.author_name, &dates::format(n.created_at, t.lang), &n.class_name),
        badges,
    }
}

// ----- One note -----

pub async fn note(
    State(state): State<LiaisonState>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortletError> {
    gate(&who, &ctx)?;
    let loaded = load(&state.store, &who, &ctx, &id).await?;
    Ok(html(note_page(&state, &who, &ctx, &loaded, Problem::None).await?))
}

/// What went wrong with a post shown on the note's page.
pub(crate) enum Problem {
    None,
    /// An error about the note (a reminder refused).
    Note(String),
}

/// The note's page as this reader may see it.
pub(crate) async fn note_page(
    state: &LiaisonState,
    who: &Identity,
    ctx: &Ctx,
    loaded: &Loaded,
    problem: Problem,
) -> Result<String, PortletError> {
    let t = texts(ctx.lang);
    let note = &loaded.note;
    let staff = access::is_staff_of(who, note);
    let audience = match note.kind {
        Kind::Parent => t.parent_note_about(&names(&loaded.pupils)),
        Kind::Class if note.whole_class => t.to_whole_class(&note.class_name),
        Kind::Class => t.to_pupils(&names(&loaded.pupils)),
    };
    let mut page = templates::NotePage {
        t,
        ctx,
        back_href: ctx.link("/view/notes"),
        title: note.title.clone(),
        meta: t.by_on(&note.author_name, &dates::format(note.created_at, t.lang), &note.class_name),
        audience,
        badges: Vec::new(),
        error: match problem {
            Problem::Note(e) => Some(e),
            Problem::None => None,
        },
        notice: None,
        paragraphs: templates::paragraphs(&note.body),
        signatures: None,
        own_signatures: Vec::new(),
        thread_links: Vec::new(),
        threads: Vec::new(),
        max_body: MAX_BODY,
    };
    if note.kind == Kind::Parent {
        page.badges.push(Badge::plain(t.from_parent));
    }
    let expected = if note.needs_signature { state.store.expected(&note.id).await? } else { Vec::new() };
    if staff {
        if note.needs_signature {
            page.signatures = Some(signature_table(state, who, ctx, t, loaded, &expected).await?);
        }
        if note.kind == Kind::Class {
            let sizes = state.store.thread_sizes(&note.id).await?;
            page.thread_links = loaded
                .pupils
                .iter()
                .map(|p| {
                    let n = sizes.get(&p.sub).copied().unwrap_or(0);
                    Item {
                        href: ctx.link(&thread_path(&note.id, &p.sub)),
                        title: p.name.clone(),
                        meta: t.messages(n),
                        badges: Vec::new(),
                    }
                })
                .collect();
        }
    }
    match who.profile {
        Profile::Parent => {
            for pupil in loaded.pupils.iter().filter(|p| who.child(&p.sub).is_some()) {
                if note.needs_signature {
                    page.own_signatures.push(own_signature(ctx, t, who, note, &expected, pupil));
                }
            }
        }
        Profile::Pupil if note.needs_signature => {
            let signed = expected.iter().any(|e| e.pupil_sub == who.sub && e.signed_at.is_some());
            let has_signers = expected.iter().any(|e| e.pupil_sub == who.sub);
            if has_signers {
                page.badges.push(if signed { Badge::ok(t.parents_signed) } else { Badge::warn(t.parents_not_signed) });
            }
        }
        _ => {}
    }
    // Threads shown in the page: a parent's own children's, and a parent note's one thread.
    let inline: Vec<&Person> = loaded
        .pupils
        .iter()
        .filter(|p| (note.kind == Kind::Parent || !staff) && access::can_read_thread(who, note, &p.sub))
        .collect();
    for pupil in inline {
        page.threads.push(thread_block(state, who, ctx, t, note, pupil, None, String::new()).await?);
    }
    templates::render(&page)
}

fn names(pupils: &[Person]) -> String {
    pupils.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
}

async fn signature_table(
    state: &LiaisonState,
    who: &Identity,
    ctx: &Ctx,
    t: &Texts,
    loaded: &Loaded,
    expected: &[crate::store::Expected],
) -> Result<SignatureTable, PortletError> {
    let note = &loaded.note;
    let mut rows = Vec::new();
    let mut without = 0;
    for pupil in &loaded.pupils {
        let mine: Vec<_> = expected.iter().filter(|e| e.pupil_sub == pupil.sub).collect();
        if mine.is_empty() {
            without += 1;
            rows.push(SignatureRow {
                pupil: pupil.name.clone(), parent: "—".into(), badge: Badge::plain(t.no_signer)
            });
        }
        for e in mine {
            let badge = match (e.signed_at, &e.signer_name) {
                (Some(at), Some(by)) => Badge::ok(t.signed_on(&dates::format(at, t.lang), by)),
                _ => Badge::warn(t.not_signed),
            };
            rows.push(SignatureRow { pupil: pupil.name.clone(), parent: e.parent_name.clone(), badge });
        }
    }
    let signed = expected.iter().filter(|e| e.signed_at.is_some()).count() as i64;
    let mut counts = t.signed_count(signed, expected.len() as i64);
    if without > 0 {
        counts = format!("{counts} — {}", t.no_signer_for(without));
    }
    let reminded = match note.last_reminder_at {
        Some(at) => t.last_reminder(&dates::format(at, t.lang), state.store.reminders(&note.id).await?),
        None => String::new(),
    };
    Ok(SignatureTable {
        counts,
        rows,
        reminded,
        // The button shows only when a reminder would be accepted.
        can_remind: access::can_remind(who, note)
            && (signed as usize) < expected.len()
            && note.last_reminder_at.is_none_or(|at| at <= now() - crate::store::REMINDER_INTERVAL_SECS),
        remind_action: ctx.link(&format!("/view/notes/{}/remind", note.id)),
    })
}

fn own_signature(
    ctx: &Ctx,
    t: &Texts,
    who: &Identity,
    note: &Note,
    expected: &[crate::store::Expected],
    pupil: &Person,
) -> OwnSignature {
    let mine = expected.iter().find(|e| e.pupil_sub == pupil.sub && e.parent_sub == who.sub);
    let others_signed: Vec<_> = expected.iter().filter(|e| e.pupil_sub == pupil.sub && e.signed_at.is_some()).collect();
    let (status, can_sign, reminded) = match mine {
        Some(e) => match (e.signed_at, &e.signer_name) {
            (Some(at), Some(by)) => (t.signed_on(&dates::format(at, t.lang), by), false, false),
            _ => (t.not_signed.to_string(), access::can_sign(who, note, &pupil.sub), note.last_reminder_at.is_some()),
        },
        None => {
            // Not an expected signer: the note can be read, not signed; say whether it was.
            let status = match others_signed.first() {
                Some(e) => t.signed_on(
                    &dates::format(e.signed_at.unwrap_or(0), t.lang),
                    e.signer_name.as_deref().unwrap_or("—"),
                ),
                None => t.not_signed.to_string(),
            };
            (format!("{status} — {}", t.cannot_sign_no_authority), false, false)
        }
    };
    OwnSignature {
        anchor: format!("sign-{}", short(&pupil.sub)),
        pupil_sub: pupil.sub.clone(),
        heading: t.signature_for(&pupil.name),
        status,
        reminded,
        can_sign,
        action: ctx.link(&format!("/view/notes/{}/sign", note.id)),
    }
}

/// An id for HTML anchors derived from a sub (subs may hold characters ids should not).
fn short(sub: &str) -> String {
    sub.bytes().filter(u8::is_ascii_alphanumeric).take(40).map(char::from).collect()
}

/// A thread, marked read by this reader now.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn thread_block(
    state: &LiaisonState,
    who: &Identity,
    ctx: &Ctx,
    t: &Texts,
    note: &Note,
    pupil: &Person,
    error: Option<String>,
    value: String,
) -> Result<ThreadBlock, PortletError> {
    let messages = state.store.thread(&note.id, &pupil.sub).await?;
    let last = messages.last().map_or(0, |m| m.id);
    state.store.mark_read(&note.id, &pupil.sub, &who.sub, now(), last).await?;
    Ok(ThreadBlock {
        anchor: format!("thread-{}", short(&pupil.sub)),
        pupil_sub: pupil.sub.clone(),
        heading: t.thread_of(&pupil.name),
        messages: messages
            .iter()
            .map(|m| MessageView {
                author: m.author_name.clone(),
                when: dates::format(m.created_at, t.lang),
                paragraphs: templates::paragraphs(&m.body),
            })
            .collect(),
        can_write: access::can_write_thread(who, note, &pupil.sub),
        action: ctx.link(&format!("/view/notes/{}/reply", note.id)),
        error,
        value,
    })
}

// ----- One thread -----

pub async fn thread(
    State(state): State<LiaisonState>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, PortletError> {
    gate(&who, &ctx)?;
    let loaded = load(&state.store, &who, &ctx, &id).await?;
    let q = Pairs::query(query.as_deref());
    let pupil = q.get("pupil").unwrap_or("");
    if !loaded.concerns(pupil) || !access::can_read_thread(&who, &loaded.note, pupil) {
        return Err(PortletError::NotFound(ctx.lang));
    }
    Ok(html(thread_page(&state, &who, &ctx, &loaded, pupil, None, String::new()).await?))
}

pub(crate) async fn thread_page(
    state: &LiaisonState,
    who: &Identity,
    ctx: &Ctx,
    loaded: &Loaded,
    pupil_sub: &str,
    error: Option<String>,
    value: String,
) -> Result<String, PortletError> {
    let t = texts(ctx.lang);
    let pupil = Person { sub: pupil_sub.to_string(), name: loaded.pupil_name(pupil_sub).to_string() };
    let th = thread_block(state, who, ctx, t, &loaded.note, &pupil, error, value).await?;
    templates::render(&ThreadPage {
        t,
        ctx,
        back_href: ctx.link(&note_path(&loaded.note.id)),
        back_text: format!("{} {}", t.back_to_note, loaded.note.title),
        th,
        max_body: MAX_BODY,
    })
}

// ----- The note form -----

pub async fn new_note(
    State(state): State<LiaisonState>,
    who: Identity,
    ctx: Ctx,
    RawQuery(query): RawQuery,
) -> Result<Response, PortletError> {
    gate(&who, &ctx)?;
    if !access::writes_notes(&who) {
        return Err(PortletError::Forbidden(ctx.lang));
    }
    let t = texts(ctx.lang);
    let q = Pairs::query(query.as_deref());
    let mut choices: Vec<(String, String)> = who.taught_classes().map(|c| (c.id.clone(), c.name.clone())).collect();
    for school in who.directed_schools() {
        for c in state.store.school_classes(school).await? {
            if !choices.iter().any(|(id, _)| *id == c.0) {
                choices.push(c);
            }
        }
    }
    let class_id = match q.get("class") {
        Some(c) => c.to_string(),
        None => match choices.first() {
            Some((id, _)) => id.clone(),
            None => return notice(t.no_class_to_write),
        },
    };
    // Refuse what the reader may not write before asking the directory anything.
    if !who.is_teacher_of(&class_id) && who.directed_schools().next().is_none() {
        return Err(PortletError::NotFound(ctx.lang));
    }
    let roster = match roster(&state, t, &class_id).await {
        Ok(Some(r)) if who.can_write_class(&r.id, &r.school) => r,
        Ok(_) => return Err(PortletError::NotFound(ctx.lang)),
        Err(res) => return Ok(res),
    };
    let page = note_form(&ctx, t, &choices, &roster, NoteValues::default(), &[], FormErrors::default());
    Ok(html(templates::render(&page)?))
}

pub(crate) fn note_form<'a>(
    ctx: &'a Ctx,
    t: &'static Texts,
    choices: &[(String, String)],
    roster: &ClassRoster,
    values: NoteValues,
    checked: &[&str],
    errors: FormErrors,
) -> NewNotePage<'a> {
    let tabs = if choices.len() > 1 {
        choices
            .iter()
            .map(|(id, name)| Tab {
                href: ctx.link(&format!("/view/notes/new?class={}", encode(id))),
                text: name.clone(),
                current: *id == roster.id,
            })
            .collect()
    } else {
        Vec::new()
    };
    NewNotePage {
        t,
        ctx,
        tabs,
        action: ctx.link("/view/notes"),
        class_id: roster.id.clone(),
        class_name: roster.name.clone(),
        pupils: roster
            .pupils
            .iter()
            .map(|p| PupilChoice {
                sub: p.sub.clone(),
                name: p.name.clone(),
                checked: checked.contains(&p.sub.as_str()),
            })
            .collect(),
        values,
        errors,
        max_title: MAX_TITLE,
        max_body: MAX_BODY,
    }
}

// ----- The parent's note to the teachers -----

pub async fn ask(
    State(state): State<LiaisonState>,
    who: Identity,
    ctx: Ctx,
    RawQuery(query): RawQuery,
) -> Result<Response, PortletError> {
    gate(&who, &ctx)?;
    if who.profile != Profile::Parent {
        return Err(PortletError::Forbidden(ctx.lang));
    }
    let t = texts(ctx.lang);
    let q = Pairs::query(query.as_deref());
    let child = match q.get("child") {
        Some(sub) => who.child(sub).ok_or(PortletError::NotFound(ctx.lang))?,
        None => match who.children().first() {
            Some(c) => c,
            None => return notice(t.no_child),
        },
    };
    if child.class.is_none() {
        return notice(t.child_without_class);
    }
    let names = child_names(&state, &who).await;
    let page = ask_form(&ctx, t, &who, &names, &child.sub, NoteValues::default(), FormErrors::default());
    Ok(html(templates::render(&page)?))
}

pub(crate) fn ask_form<'a>(
    ctx: &'a Ctx,
    t: &'static Texts,
    who: &Identity,
    names: &HashMap<String, String>,
    child_sub: &str,
    values: NoteValues,
    errors: FormErrors,
) -> AskPage<'a> {
    let children = who.children();
    let tabs = if children.len() > 1 {
        children
            .iter()
            .map(|c| Tab {
                href: ctx.link(&format!("/view/ask?child={}", encode(&c.sub))),
                text: child_label(names, &c.sub, t).to_string(),
                current: c.sub == child_sub,
            })
            .collect()
    } else {
        Vec::new()
    };
    AskPage {
        t,
        ctx,
        tabs,
        action: ctx.link("/view/ask"),
        child_sub: child_sub.to_string(),
        child_name: child_label(names, child_sub, t).to_string(),
        values,
        errors,
        max_title: MAX_TITLE,
        max_body: MAX_BODY,
    }
}
