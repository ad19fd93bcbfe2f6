//! The forms to write (`GET /view/notes/new`, `GET /view/ask`): a note to a class or to chosen
//! families, with the class's roster read from the directory; a parent's note to the teachers.
//! The posts are in `forms`, which draws these forms again with their errors.

use std::collections::HashMap;

use axum::extract::{RawQuery, State};
use axum::response::Response;
use ent_portlet_kit::directory::ClassRoster;
use ent_portlet_kit::field::Errors;
use ent_portlet_kit::form::Pairs;
use ent_portlet_kit::views::{self, Tab, Tabs};
use ent_portlet_kit::{Ctx, Identity, Link, PortletError, Profile};

use crate::App;
use crate::access;
use crate::templates::{AskPage, MAX_BODY, MAX_TITLE, NewNotePage, NoteValues, PupilChoice};
use crate::texts::{Texts, texts};
use crate::views::{child_label, child_names, gate, notice, roster};

// ----- The note form -----

pub async fn new_note(
    State(state): State<App>,
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
    let choices: Vec<(String, String)> =
        ent_portlet_kit::access::writable_classes(&who, state.directory(), &state.store)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
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
    let page = note_form(&ctx, t, &choices, &roster, NoteValues::default(), &[], Errors::default());
    views::page(&page)
}

pub(crate) fn note_form<'a>(
    ctx: &'a Ctx,
    t: &'static Texts,
    choices: &[(String, String)],
    roster: &ClassRoster,
    values: NoteValues,
    checked: &[&str],
    errors: Errors,
) -> NewNotePage<'a> {
    let tabs = if choices.len() > 1 {
        choices
            .iter()
            .map(|(id, name)| Tab {
                href: ctx.href(&Link::to("/view/notes/new").q("class", id)),
                label: name.clone(),
                current: *id == roster.id,
            })
            .collect()
    } else {
        Vec::new()
    };
    NewNotePage {
        t,
        ctx,
        tabs: Tabs::new(t.classes, tabs),
        action: ctx.href(&Link::to("/view/notes")),
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
    State(state): State<App>,
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
    let page = ask_form(&ctx, t, &who, &names, &child.sub, NoteValues::default(), Errors::default());
    views::page(&page)
}

pub(crate) fn ask_form<'a>(
    ctx: &'a Ctx,
    t: &'static Texts,
    who: &Identity,
    names: &HashMap<String, String>,
    child_sub: &str,
    values: NoteValues,
    errors: Errors,
) -> AskPage<'a> {
    let children = who.children();
    let tabs = if children.len() > 1 {
        children
            .iter()
            .map(|c| Tab {
                href: ctx.href(&Link::to("/view/ask").q("child", &c.sub)),
                label: child_label(names, &c.sub, t).to_string(),
                current: c.sub == child_sub,
            })
            .collect()
    } else {
        Vec::new()
    };
    AskPage {
        t,
        ctx,
        tabs: Tabs::new(t.children, tabs),
        action: ctx.href(&Link::to("/view/ask")),
        child_sub: child_sub.to_string(),
        child_name: child_label(names, child_sub, t).to_string(),
        values,
        errors,
        max_title: MAX_TITLE,
        max_body: MAX_BODY,
    }
}
