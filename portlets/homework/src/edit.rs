//! Writing the diary: the entry form (new, edit), its posts (create, update, delete) and file
//! downloads. Only teachers (for their classes) and directors (for their school) write; each
//! post is one transaction, and a refused form comes back as `422` with everything typed.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use ent_portlet_kit::access::{self as choose, Choice};
use ent_portlet_kit::upload::{self, human_size};
use ent_portlet_kit::views::{self, render};
use ent_portlet_kit::{Ctx, Identity, Link, PortletError, Posted, see_other};

use crate::App;
use crate::access::{self, EntryAccess};
use crate::forms::EntryForm;
use crate::store::{Entry, Placement, Updated};
use crate::templates::{ClassOption, FormPage, StoredFile};
use crate::texts::texts;
use crate::views::{ViewQuery, view_link};
use ent_portlet_kit::calendar::Date;

/// The week of an entry's day, in its class: where a post sends the browser.
fn week_of(class_id: &str, day: Date) -> Link {
    Link::to("/view/week").q("class", class_id).q("date", day.iso())
}

fn new_page<'a>(ctx: &'a Ctx, choices: &[Choice], form: &'a EntryForm) -> FormPage<'a> {
    let t = texts(ctx.lang);
    let selected = choices.iter().find(|c| c.class.id == form.class).or(choices.first());
    FormPage {
        t,
        ctx,
        title: t.write_entry.to_string(),
        action: ctx.href(&Link::to("/view/entries")),
        classes: choices
            .iter()
            .map(|c| ClassOption { value: c.class.id.clone(), label: c.label(ctx.lang), selected: Some(c) == selected })
            .collect(),
        class_name: String::new(),
        form,
        files: Vec::new(),
        submit: t.save.to_string(),
        cancel_href: ctx.href(&view_link("week", selected, Date::parse(&form.day))),
        delete_action: None,
    }
}

fn edit_page<'a>(ctx: &'a Ctx, entry: &Entry, form: &'a EntryForm) -> FormPage<'a> {
    let t = texts(ctx.lang);
    FormPage {
        t,
        ctx,
        title: t.edit_entry.to_string(),
        action: ctx.href(&Link::to(format!("/view/entries/{}", entry.id))),
        classes: Vec::new(),
        class_name: entry.placement.class_name.clone(),
        form,
        files: entry
            .files
            .iter()
            .map(|f| StoredFile {
                id: f.id.clone(),
                name: f.name.clone(),
                size: human_size(f.size, ctx.lang),
                checked: form.remove_files.contains(&f.id),
            })
            .collect(),
        submit: t.save_changes.to_string(),
        cancel_href: ctx.href(&week_of(&entry.placement.class_id, entry.content.day)),
        delete_action: Some(ctx.href(&Link::to(format!("/view/entries/{}/delete", entry.id)))),
    }
}

/// The classes one may write for, or 403 when there are none (nothing to write in).
async fn writable(state: &App, who: &Identity, ctx: &Ctx) -> Result<Vec<Choice>, PortletError> {
    access::require_writer(who, ctx)?;
    let choices = access::writable(state, who).await?;
    if choices.is_empty() {
        return Err(PortletError::Forbidden(ctx.lang));
    }
    Ok(choices)
}

/// GET /view/entries/new?class=&date=
pub async fn new_form(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Query(q): Query<ViewQuery>,
) -> Result<Response, PortletError> {
    let choices = writable(&state, &who, &ctx).await?;
    let choice =
        choose::select(&choices, q.class.as_deref(), None, ctx.lang)?.ok_or(PortletError::NotFound(ctx.lang))?;
    let day = match q.date.as_deref().and_then(Date::parse) {
        Some(d) => d,
        None => state.today().school_day_from(),
    };
    let form = EntryForm::blank(&choice.class.id, day);
    views::page(&new_page(&ctx, &choices, &form))
}

/// POST /view/entries
pub async fn create(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    posted: Posted,
) -> Result<Response, PortletError> {
    let choices = writable(&state, &who, &ctx).await?;
    let mut form = EntryForm::from_posted(&posted);
    // A class one may not write for is not a form error: it is someone else's (404).
    let choice = choices.iter().find(|c| c.class.id == form.class).ok_or(PortletError::NotFound(ctx.lang))?;
    let content = form.validate(ctx.lang);
    let new_files = form.check_files(&posted.files, 0, ctx.lang);
    let Some(content) = content.filter(|_| !form.has_errors()) else {
        return Err(PortletError::Form(render(&new_page(&ctx, &choices, &form))?));
    };
    let placement = Placement {
        school: choice.class.school.clone(),
        class_id: choice.class.id.clone(),
        class_name: choice.class.name.clone(),
        author_sub: who.sub.clone(),
        author_name: who.display_name().to_string(),
    };
    state.store.create(&placement, &content, &new_files).await?;
    tracing::info!(class = %placement.class_id, "homework entry written");
    Ok(see_other(&week_of(&placement.class_id, content.day)))
}

/// GET /view/entries/{id}/edit
pub async fn edit_form(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortletError> {
    access::require_writer(&who, &ctx)?;
    let entry = access::entry_to_write(&state.store, &who, &ctx, &id).await?;
    let form = EntryForm::of(&entry);
    views::page(&edit_page(&ctx, &entry, &form))
}

/// POST /view/entries/{id}
pub async fn update(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    posted: Posted,
) -> Result<Response, PortletError> {
    access::require_writer(&who, &ctx)?;
    let entry = access::entry_to_write(&state.store, &who, &ctx, &id).await?;
    let mut form = EntryForm::from_posted(&posted);
    // The class of an entry does not change; only the entry's own files can be removed.
    form.class = entry.placement.class_id.clone();
    form.remove_files.retain(|f| entry.files.iter().any(|e| &e.id == f));
    form.remove_files.sort();
    form.remove_files.dedup();
    let content = form.validate(ctx.lang);
    let kept = entry.files.len().saturating_sub(form.remove_files.len());
    let new_files = form.check_files(&posted.files, kept, ctx.lang);
    let refuse = |form: &EntryForm| -> Result<Response, PortletError> {
        Err(PortletError::Form(render(&edit_page(&ctx, &entry, form))?))
    };
    let Some(content) = content.filter(|_| !form.has_errors()) else {
        return refuse(&form);
    };
    match state.store.update(&entry.id, &content, &form.remove_files, &new_files).await? {
        Updated::Done => Ok(see_other(&week_of(&entry.placement.class_id, content.day))),
        Updated::NoSuchEntry => Err(PortletError::NotFound(ctx.lang)),
        Updated::TooManyFiles => {
            form.files_error = Some(texts(ctx.lang).too_many_files_now.into());
            refuse(&form)
        }
    }
}

/// POST /view/entries/{id}/delete
pub async fn delete(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortletError> {
    access::require_writer(&who, &ctx)?;
    let entry = access::entry_to_write(&state.store, &who, &ctx, &id).await?;
    if !state.store.delete(&entry.id).await? {
        return Err(PortletError::NotFound(ctx.lang));
    }
    tracing::info!(class = %entry.placement.class_id, "homework entry deleted");
    Ok(see_other(&week_of(&entry.placement.class_id, entry.content.day)))
}

/// GET /view/files/{id} — a file of an entry one may read; 404 for any other.
pub async fn download(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortletError> {
    access::require_diary(&who, &ctx)?;
    let not_found = || PortletError::NotFound(ctx.lang);
    let (meta, entry_id) = state.store.file_meta(&id).await?.ok_or_else(not_found)?;
    let entry = state.store.get(&entry_id).await?.ok_or_else(not_found)?;
    if access::entry_access(&who, &entry) == EntryAccess::None {
        return Err(not_found());
    }
    let data = state.store.file_data(&meta.id).await?.ok_or_else(not_found)?;
    Ok(upload::download(&meta.name, &meta.content_type, data))
}
