//! The ENT's pages of a site's pages: reading a page, writing a new version (a pupil's waits for
//! a teacher, a teacher's is published), a page's history, one version (where a teacher
//! approves, rejects, or puts an earlier one back), and the menu's order.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use ent_portlet_kit::views::{self, Badge, Html, Item, Items, Notice};
use ent_portlet_kit::{Ctx, Identity, Link, PortletError, Posted, see_other};

use crate::App;
use crate::access;
use crate::model::VersionState;
use crate::render::{self, Place};
use crate::sites::{self, Draft};
use crate::store::{Page, Site, Version, Writing};
use crate::texts::{Texts, texts};
use crate::views::{self as shared, DoneQuery, MAX_BODY};

/// What one wrote, checked: a title and a body within the limits, or the error to show.
fn checked<'a>(t: &Texts, title: &str, body: &'a str) -> Result<(String, &'a str), &'static str> {
    let Some(title) = shared::title(title) else { return Err(t.title_missing) };
    if body.trim().is_empty() {
        return Err(t.body_missing);
    }
    if body.chars().count() > MAX_BODY {
        return Err(t.too_long);
    }
    Ok((title, body))
}

/// `POST /view/s/{id}/pages`: a new page; a pupil's first version waits for a teacher.
pub async fn create(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, PortletError> {
    let lang = ctx.lang;
    let site = shared::site(&state, &who, &id, lang).await?;
    access::require(access::can_write(&who, &site), lang)?;
    let t = texts(lang);
    let (title, body) = match checked(t, form.text("title"), form.text("body")) {
        Ok(ok) => ok,
        Err(error) => {
            let draft = Draft { error, title: form.text("title"), body: form.text("body") };
            return Err(PortletError::Form(
                sites::site_page(&state, &who, &ctx, &site, None, Some(draft), None).await?,
            ));
        }
    };
    let publish = access::can_moderate(&who, &site);
    let w = Writing { title: &title, body, author_sub: &who.sub, author_name: who.display_name(), publish };
    let (page, _) = state.store.create_page(&site.id, &w, state.now()).await?;
    Ok(see_other(&Link::to(format!("/view/p/{page}")).q("done", if publish { "published" } else { "waiting" })))
}

struct Current {
    title: String,
    meta: String,
    html: Html,
}

#[derive(Template)]
#[template(path = "page.html")]
struct PageView {
    t: &'static Texts,
    back: String,
    notice: Option<Notice>,
    current: Option<Current>,
    heading: String,
    history_href: String,
    writer: bool,
    moderator: bool,
    has_pending: bool,
    pending: Items,
    write_action: String,
    error: Option<&'static str>,
    edit_title: String,
    edit_body: String,
    pictures: Html,
    csrf: String,
}

fn version_meta(t: &Texts, v: &Version, ctx: &Ctx) -> String {
    let at = v.published_at.unwrap_or(v.created_at);
    let mut meta = t.version_meta(v.number, &v.author_name, &shared::when(at, ctx.lang));
    if let Some(n) = v.restored_from {
        meta = format!("{meta} · {}", t.restored(n));
    }
    if let Some(by) = &v.decided_by {
        meta = format!("{meta} · {}", t.decided(by));
    }
    meta
}

async fn page_view(
    state: &App,
    who: &Identity,
    ctx: &Ctx,
    site: &Site,
    page: &Page,
    notice: Option<Notice>,
    draft: Option<Draft<'_>>,
) -> Result<String, PortletError> {
    let t = texts(ctx.lang);
    let writer = access::can_write(who, site);
    let moderator = access::can_moderate(who, site);
    let current = state.store.current(&page.id).await?;
    let versions = if writer { state.store.versions(&page.id).await? } else { Vec::new() };
    let pending: Vec<&Version> = versions.iter().filter(|v| v.state == VersionState::Pending).collect();
    // The form starts from one's own latest proposal, else from what is online.
    let mine = pending.iter().find(|v| v.author_sub == who.sub).copied();
    let start = mine.or(current.as_ref()).or(versions.first());
    let pending_items = pending
        .iter()
        .map(|v| Item {
            href: ctx.href(&Link::to(format!("/view/v/{}", v.id))),
            title: v.title.clone(),
            meta: version_meta(t, v, ctx),
            badges: vec![Badge::warn(t.badge_pending)],
        })
        .collect();
    let pictures = if writer { crate::pictures::part(state, ctx, site, None).await? } else { Html::default() };
    views::render(&PageView {
        t,
        back: ctx.href(&Link::to(format!("/view/s/{}", site.id))),
        notice,
        heading: versions.first().map(|v| v.title.clone()).unwrap_or_default(),
        current: current.as_ref().map(|c| Current {
            title: c.title.clone(),
            meta: version_meta(t, c, ctx),
            html: render::markdown(&c.body, Place::Ent),
        }),
        history_href: ctx.href(&Link::to(format!("/view/p/{}/history", page.id))),
        writer,
        moderator,
        has_pending: !pending.is_empty(),
        pending: Items { items: pending_items, empty: String::new() },
        write_action: ctx.href(&Link::to(format!("/view/p/{}", page.id))),
        error: draft.as_ref().map(|d| d.error),
        edit_title: draft
            .as_ref()
            .map(|d| d.title.to_string())
            .or_else(|| start.map(|v| v.title.clone()))
            .unwrap_or_default(),
        edit_body: draft
            .as_ref()
            .map(|d| d.body.to_string())
            .or_else(|| start.map(|v| v.body.clone()))
            .unwrap_or_default(),
        pictures,
        csrf: ctx.csrf.clone(),
    })
}

/// `GET /view/p/{id}`.
pub async fn show(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PortletError> {
    let (site, page) = shared::page(&state, &who, &id, ctx.lang).await?;
    Ok(ent_portlet_kit::html(page_view(&state, &who, &ctx, &site, &page, q.notice(ctx.lang), None).await?))
}

/// `POST /view/p/{id}`: a new version; a pupil's waits for a teacher, a teacher's is online.
pub async fn write(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, PortletError> {
    let lang = ctx.lang;
    let (site, page) = shared::page(&state, &who, &id, lang).await?;
    access::require(access::can_write(&who, &site), lang)?;
    let (title, body) = match checked(texts(lang), form.text("title"), form.text("body")) {
        Ok(ok) => ok,
        Err(error) => {
            let draft = Draft { error, title: form.text("title"), body: form.text("body") };
            return Err(PortletError::Form(page_view(&state, &who, &ctx, &site, &page, None, Some(draft)).await?));
        }
    };
    let publish = access::can_moderate(&who, &site);
    let w = Writing { title: &title, body, author_sub: &who.sub, author_name: who.display_name(), publish };
    state.store.add_version(&page.id, &w, state.now()).await?;
    Ok(see_other(&Link::to(format!("/view/p/{}", page.id)).q("done", if publish { "published" } else { "waiting" })))
}

#[derive(Template)]
#[template(path = "history.html")]
struct HistoryView {
    t: &'static Texts,
    back: String,
    title: String,
    items: Items,
}

/// `GET /view/p/{id}/history`: the published versions, newest first; the site's writers also
/// see the pending and rejected ones.
pub async fn history(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortletError> {
    let (site, page) = shared::page(&state, &who, &id, ctx.lang).await?;
    let t = texts(ctx.lang);
    let current = state.store.current(&page.id).await?;
    let versions: Vec<Version> =
        state.store.versions(&page.id).await?.into_iter().filter(|v| access::can_see_version(&who, &site, v)).collect();
    let items = versions
        .iter()
        .map(|v| {
            let badge = if current.as_ref().is_some_and(|c| c.id == v.id) {
                Badge::ok(t.badge_current)
            } else {
                match v.state {
                    VersionState::Published => Badge::plain(t.state(v.state)),
                    _ => Badge::warn(t.state(v.state)),
                }
            };
            Item {
                href: ctx.href(&Link::to(format!("/view/v/{}", v.id))),
                title: v.title.clone(),
                meta: version_meta(t, v, &ctx),
                badges: vec![badge],
            }
        })
        .collect();
    views::page(&HistoryView {
        t,
        back: ctx.href(&Link::to(format!("/view/p/{}", page.id))),
        title: current.or(versions.first().cloned()).map(|v| v.title).unwrap_or_default(),
        items: Items { items, empty: String::new() },
    })
}

#[derive(Template)]
#[template(path = "version.html")]
struct VersionView {
    t: &'static Texts,
    back: String,
    title: String,
    badge: Badge,
    meta: String,
    html: Html,
    can_decide: bool,
    decide_action: String,
    can_restore: bool,
    restore_action: String,
    csrf: String,
}

/// `GET /view/v/{id}`: one version; a teacher decides a pending one or puts an earlier one back.
pub async fn version(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortletError> {
    let (site, page, v) = shared::version(&state, &who, &id, ctx.lang).await?;
    let t = texts(ctx.lang);
    let moderator = access::can_moderate(&who, &site);
    let current = state.store.current(&page.id).await?;
    let is_current = current.as_ref().is_some_and(|c| c.id == v.id);
    views::page(&VersionView {
        t,
        back: ctx.href(&Link::to(format!("/view/p/{}", page.id))),
        title: v.title.clone(),
        badge: if is_current { Badge::ok(t.badge_current) } else { Badge::plain(t.state(v.state)) },
        meta: version_meta(t, &v, &ctx),
        html: render::markdown(&v.body, Place::Ent),
        can_decide: moderator && v.state == VersionState::Pending,
        decide_action: ctx.href(&Link::to(format!("/view/v/{}/decide", v.id))),
        can_restore: moderator && v.state == VersionState::Published && !is_current,
        restore_action: ctx.href(&Link::to(format!("/view/v/{}/restore", v.id))),
        csrf: ctx.csrf.clone(),
    })
}

/// `POST /view/v/{id}/decide` (`action=approve|reject`): a teacher of the class or the director.
pub async fn decide(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, PortletError> {
    let lang = ctx.lang;
    let (site, page, v) = shared::version(&state, &who, &id, lang).await?;
    access::require(access::can_moderate(&who, &site), lang)?;
    let publish = match form.text("action") {
        "approve" => true,
        "reject" => false,
        _ => return Err(PortletError::BadRequest("unknown action".into())),
    };
    let done = match state.store.decide(&v.id, publish, who.display_name(), state.now()).await? {
        true if publish => "published",
        true => "rejected",
        false => "already",
    };
    Ok(see_other(&Link::to(format!("/view/p/{}", page.id)).q("done", done)))
}

/// `POST /view/v/{id}/restore`: an earlier published version becomes the newest.
pub async fn restore(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortletError> {
    let lang = ctx.lang;
    let (site, page, v) = shared::version(&state, &who, &id, lang).await?;
    access::require(access::can_moderate(&who, &site), lang)?;
    let done = match state.store.restore(&v.id, &who.sub, who.display_name(), state.now()).await? {
        Some(_) => "restored",
        None => "already",
    };
    Ok(see_other(&Link::to(format!("/view/p/{}", page.id)).q("done", done)))
}

/// `POST /view/p/{id}/move` (`dir=up|down`): the menu's order, by a teacher or the director.
pub async fn move_page(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, PortletError> {
    let lang = ctx.lang;
    let (site, page) = shared::page(&state, &who, &id, lang).await?;
    access::require(access::can_moderate(&who, &site), lang)?;
    state.store.move_page(&page.id, form.text("dir") == "up").await?;
    Ok(see_other(&Link::to(format!("/view/s/{}", site.id)).q("done", "saved")))
}
