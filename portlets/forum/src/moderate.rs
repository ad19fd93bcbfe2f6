//! What moderators do — approve a held post, hide a post, edit one ("edited by"), lock and move
//! a thread, close a report, set a forum's mode and openings, add a category — and what
//! readers do for them: report a post. The queue (`GET /view/moderation`) gathers what waits
//! in every forum one moderates: held posts and open reports. Every act is audited by the store.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use ent_portlet_kit::field::{self, Errors, Problem};
use ent_portlet_kit::views::{self, Cell, Html, Notice, Row, Table};
use ent_portlet_kit::{Ctx, Identity, Lang, Link, PortletError, Posted, see_other};

use crate::App;
use crate::access::can_moderate;
use crate::forums::forum_title;
use crate::model::{CategoryId, Mode, PostState, ReportId, Scope};
use crate::store::{Forum, Post, Thread};
use crate::texts::{Texts, texts};
use crate::threads::{BODY_MAX, actor, body_problem};
use crate::views::{PageQuery, moderated_forums, post_html, readable_forum, readable_post, readable_thread, when};

/// After an act on a post: back to its thread, or to the queue.
fn back(posted: &Posted, post: &Post, done: &str) -> Response {
    if posted.text("back") == "queue" {
        see_other(&Link::to("/view/moderation").q("done", done))
    } else {
        see_other(&Link::to(format!("/view/p/{}", post.id)).q("done", done))
    }
}

/// The post a path names, for a moderator of its forum: 404 for who does not see it, 403 for
/// who sees it but does not moderate.
async fn moderated_post(state: &App, who: &Identity, lang: Lang, id: &str) -> Result<Post, PortletError> {
    let (forum, _, post) = readable_post(state, who, lang, id).await?;
    if can_moderate(who, &forum) { Ok(post) } else { Err(PortletError::Forbidden(lang)) }
}

/// The thread a path names with its forum, for a moderator of the forum (404, then 403).
async fn moderated_thread(state: &App, who: &Identity, lang: Lang, id: &str) -> Result<(Forum, Thread), PortletError> {
    let (forum, thread) = readable_thread(state, who, lang, id).await?;
    if can_moderate(who, &forum) { Ok((forum, thread)) } else { Err(PortletError::Forbidden(lang)) }
}

/// POST /view/p/{id}/approve
pub async fn approve(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    posted: Posted,
) -> Result<Response, PortletError> {
    let post = moderated_post(&state, &who, ctx.lang, &id).await?;
    state.store.approve(&post.id, actor(&who), state.now()).await?;
    Ok(back(&posted, &post, "approved"))
}

/// POST /view/p/{id}/hide
pub async fn hide(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    posted: Posted,
) -> Result<Response, PortletError> {
    let post = moderated_post(&state, &who, ctx.lang, &id).await?;
    state.store.hide(&post.id, actor(&who), state.now()).await?;
    if posted.text("back") == "queue" {
        return Ok(see_other(&Link::to("/view/moderation").q("done", "hidden")));
    }
    // A hidden first post hides its thread: back to the forum's threads, where moderators see it.
    Ok(see_other(&Link::to(format!("/view/t/{}", post.thread_id)).q("done", "hidden")))
}

#[derive(Template)]
#[template(path = "edit.html")]
struct EditPage<'a> {
    t: &'static Texts,
    csrf: &'a str,
    back_href: String,
    action: String,
    author: String,
    body: String,
    error: Option<String>,
}

fn edit_page(
    t: &'static Texts,
    ctx: &Ctx,
    post: &Post,
    body: &str,
    error: Option<String>,
) -> Result<String, PortletError> {
    views::render(&EditPage {
        t,
        csrf: &ctx.csrf,
        back_href: ctx.href(&Link::to(format!("/view/p/{}", post.id))),
        action: ctx.href(&Link::to(format!("/view/p/{}/edit", post.id))),
        author: post.author_name.clone(),
        body: body.to_string(),
        error,
    })
}

/// GET /view/p/{id}/edit
pub async fn edit_form(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortletError> {
    let post = moderated_post(&state, &who, ctx.lang, &id).await?;
    Ok(ent_portlet_kit::html(edit_page(texts(ctx.lang), &ctx, &post, &post.body, None)?))
}

/// POST /view/p/{id}/edit: `body`.
pub async fn edit(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    posted: Posted,
) -> Result<Response, PortletError> {
    let post = moderated_post(&state, &who, ctx.lang, &id).await?;
    let t = texts(ctx.lang);
    match field::required(&field::multiline(posted.text("body")), BODY_MAX) {
        Ok(body) => {
            state.store.edit(&post.id, &body, actor(&who), state.now()).await?;
            Ok(see_other(&Link::to(format!("/view/p/{}", post.id)).q("done", "edited")))
        }
        Err(p) => Err(PortletError::Form(edit_page(t, &ctx, &post, posted.text("body"), Some(body_problem(t, p)))?)),
    }
}

/// POST /view/t/{id}/lock: `locked` = 1 or 0.
pub async fn lock(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    posted: Posted,
) -> Result<Response, PortletError> {
    let (_, thread) = moderated_thread(&state, &who, ctx.lang, &id).await?;
    let locked = posted.text("locked") == "1";
    state.store.set_locked(&thread.id, locked, actor(&who), state.now()).await?;
    let done = if locked { "locked" } else { "unlocked" };
    Ok(see_other(&Link::to(format!("/view/t/{}", thread.id)).q("done", done)))
}

/// POST /view/t/{id}/move: `category`, one of the same forum's.
pub async fn move_thread(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    posted: Posted,
) -> Result<Response, PortletError> {
    let (forum, thread) = moderated_thread(&state, &who, ctx.lang, &id).await?;
    let category = CategoryId::parse(posted.text("category")).ok_or(PortletError::NotFound(ctx.lang))?;
    if !state.store.move_thread(&thread.id, &category, actor(&who), state.now()).await? {
        return Err(PortletError::NotFound(ctx.lang));
    }
    Ok(see_other(&Link::to(format!("/view/f/{}", forum.id)).q("category", category.as_str()).q("done", "moved")))
}

/// POST /view/p/{id}/report: `reason` (optional). Whoever reads a visible post may report it.
pub async fn report(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    posted: Posted,
) -> Result<Response, PortletError> {
    let (_, _, post) = readable_post(&state, &who, ctx.lang, &id).await?;
    if post.state != PostState::Visible {
        return Err(PortletError::NotFound(ctx.lang));
    }
    let reason = field::optional(&field::one_line(posted.text("reason")), 500)
        .map_err(|_| PortletError::BadRequest("a report's reason is too long".into()))?;
    state.store.report(&post, actor(&who), &reason, state.now()).await?;
    Ok(see_other(&Link::to(format!("/view/p/{}", post.id)).q("done", "reported")))
}

/// What waits, as the queue shows it.
struct Waiting {
    forum: String,
    thread_href: String,
    author: String,
    at: String,
    body: Html,
    post_id: String,
    /// An open report: who, why, and the action that closes it.
    report: Option<(String, String, String)>,
    held: bool,
}

#[derive(Template)]
#[template(path = "moderation.html")]
struct QueuePage<'a> {
    t: &'static Texts,
    csrf: &'a str,
    base: &'a str,
    notice: Option<Notice>,
    held: Vec<Waiting>,
    reports: Vec<Waiting>,
}

/// GET /view/moderation: every held post and open report of the forums one moderates.
pub async fn queue(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let forums = moderated_forums(&state, &who).await?;
    if forums.is_empty() {
        return Err(PortletError::Forbidden(ctx.lang));
    }
    let ids: Vec<_> = forums.iter().map(|f| &f.id).collect();
    let name = |p: &Post| forums.iter().find(|f| f.id == p.forum_id).map(|f| forum_title(t, f)).unwrap_or_default();
    let shown = |p: &Post, report: Option<(String, String, String)>| Waiting {
        forum: name(p),
        thread_href: ctx.href(&Link::to(format!("/view/p/{}", p.id))),
        author: p.author_name.clone(),
        at: when(p.created_at, ctx.lang),
        body: post_html(&p.body),
        post_id: p.id.to_string(),
        held: p.state == PostState::Held,
        report,
    };
    let held = state.store.held(&ids).await?.iter().map(|p| shown(p, None)).collect();
    let reports = state
        .store
        .open_reports(&ids)
        .await?
        .iter()
        .map(|r| {
            let close = ctx.href(&Link::to(format!("/view/r/{}/close", r.id)));
            let by = t.reported_by(&r.reporter_name, &when(r.at, ctx.lang));
            shown(&r.post, Some((by, r.reason.clone(), close)))
        })
        .collect();
    let notice = match q.done.as_deref() {
        Some("approved") => Some(Notice::status(t.done_approved)),
        Some("hidden") => Some(Notice::status(t.done_hidden)),
        Some("closed") => Some(Notice::status(t.done_closed)),
        _ => None,
    };
    views::page(&QueuePage { t, csrf: &ctx.csrf, base: &ctx.base, notice, held, reports })
}

/// POST /view/r/{id}/close
pub async fn close_report(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortletError> {
    let id = ReportId::parse(&id).ok_or(PortletError::NotFound(ctx.lang))?;
    let report = state.store.open_report(&id).await?.ok_or(PortletError::NotFound(ctx.lang))?;
    let forum = state.store.forum(&report.post.forum_id).await?.ok_or(PortletError::NotFound(ctx.lang))?;
    if !can_moderate(&who, &forum) {
        return Err(PortletError::NotFound(ctx.lang));
    }
    state.store.close_report(&report, actor(&who), state.now()).await?;
    Ok(see_other(&Link::to("/view/moderation").q("done", "closed")))
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage<'a> {
    t: &'static Texts,
    csrf: &'a str,
    title: String,
    forum_href: String,
    action: String,
    category_action: String,
    notice: Option<Notice>,
    modes: Vec<(&'static str, &'static str, bool)>,
    class_forum: bool,
    open_families: bool,
    open_pupils: bool,
    open_parents: bool,
    category_error: Option<String>,
    audit: Table,
}

async fn settings_page(
    state: &App,
    ctx: &Ctx,
    f: &Forum,
    notice: Option<Notice>,
    category_error: Option<String>,
) -> Result<String, PortletError> {
    let t = texts(ctx.lang);
    let lines = state.store.audit_lines(&f.id, 50).await?;
    let rows = lines
        .into_iter()
        .map(|l| Row {
            head: when(l.at, ctx.lang),
            cells: vec![Cell::Text(l.actor_name), Cell::Text(t.act(&l.action).to_string())],
        })
        .collect();
    views::render(&SettingsPage {
        t,
        csrf: &ctx.csrf,
        title: forum_title(t, f),
        forum_href: ctx.href(&Link::to(format!("/view/f/{}", f.id))),
        action: ctx.href(&Link::to(format!("/view/f/{}/settings", f.id))),
        category_action: ctx.href(&Link::to(format!("/view/f/{}/categories", f.id))),
        notice,
        modes: Mode::ALL.into_iter().map(|m| (m.as_str(), t.mode(m), m == f.mode)).collect(),
        class_forum: matches!(f.scope, Scope::Class { .. }),
        open_families: f.open_families,
        open_pupils: f.open_pupils,
        open_parents: f.open_parents,
        category_error,
        audit: Table { caption: t.audit.into(), columns: vec![t.when.into(), t.who.into(), t.what.into()], rows },
    })
}

/// The forum a path names, for its moderators: 404 for who may not read it, 403 for readers.
async fn moderated(state: &App, who: &Identity, ctx: &Ctx, id: &str) -> Result<Forum, PortletError> {
    let f = readable_forum(state, who, ctx.lang, id).await?;
    if can_moderate(who, &f) { Ok(f) } else { Err(PortletError::Forbidden(ctx.lang)) }
}

/// GET /view/f/{id}/settings
pub async fn settings(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, PortletError> {
    let f = moderated(&state, &who, &ctx, &id).await?;
    let notice = (q.done.as_deref() == Some("saved")).then(|| Notice::status(texts(ctx.lang).done_saved));
    Ok(ent_portlet_kit::html(settings_page(&state, &ctx, &f, notice, None).await?))
}

/// POST /view/f/{id}/settings: `mode`; `open_families` (a class forum) or `open_pupils` and
/// `open_parents` (a school forum).
pub async fn save_settings(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    posted: Posted,
) -> Result<Response, PortletError> {
    let f = moderated(&state, &who, &ctx, &id).await?;
    let mode: Mode = posted.text("mode").parse().map_err(PortletError::BadRequest)?;
    let on = |name: &str| posted.text(name) == "1";
    let class = matches!(f.scope, Scope::Class { .. });
    let (families, pupils, parents) =
        if class { (on("open_families"), false, false) } else { (false, on("open_pupils"), on("open_parents")) };
    let now = state.now();
    if mode != f.mode {
        state.store.set_mode(&f.id, mode, actor(&who), now).await?;
    }
    if (families, pupils, parents) != (f.open_families, f.open_pupils, f.open_parents) {
        state.store.set_openings(&f.id, families, pupils, parents, actor(&who), now).await?;
    }
    Ok(see_other(&Link::to(format!("/view/f/{}/settings", f.id)).q("done", "saved")))
}

/// POST /view/f/{id}/categories: `name`.
pub async fn add_category(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    posted: Posted,
) -> Result<Response, PortletError> {
    let f = moderated(&state, &who, &ctx, &id).await?;
    let t = texts(ctx.lang);
    let mut errors = Errors::default();
    let name = errors.check("name", field::required(&field::one_line(posted.text("name")), 60), |p| match p {
        Problem::TooLong { max } => t.too_long(max),
        _ => t.category_name_missing.into(),
    });
    let Some(name) = name else {
        let html = settings_page(&state, &ctx, &f, None, errors.get("name").map(str::to_owned)).await?;
        return Err(PortletError::Form(html));
    };
    let category = state.store.add_category(&f.id, &name, actor(&who), state.now()).await?;
    Ok(see_other(&Link::to(format!("/view/f/{}", f.id)).q("category", category.as_str())))
}
