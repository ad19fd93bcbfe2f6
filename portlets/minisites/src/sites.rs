//! The ENT's pages of sites: the sites one may read (and the form to start one, for a class's
//! teachers and the director), a site's page (its menu, the link that opens it on the sites'
//! origin, what waits for review, the new-page form, its settings), and the posts that set a
//! site up and let the director make it public.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use ent_portlet_kit::access as kit_access;
use ent_portlet_kit::views::{self, Badge, Html, Item, Items, Notice};
use ent_portlet_kit::{Ctx, Identity, Link, PortletError, Posted, see_other};

use crate::access;
use crate::links;
use crate::model::Visibility;
use crate::store::{NewSite, Settings, Site};
use crate::texts::{Texts, texts};
use crate::views::{self as shared, DoneQuery};
use crate::{App, pictures};

#[derive(Template)]
#[template(path = "sites.html")]
struct SitesPage {
    t: &'static Texts,
    notice: Option<Notice>,
    items: Items,
    classes: Vec<(String, String)>,
    create_action: String,
    csrf: String,
    error: Option<&'static str>,
    title: String,
}

/// The sites this person may read, in their schools' order.
pub async fn readable_sites(state: &App, who: &Identity) -> Result<Vec<Site>, PortletError> {
    let mut out = Vec::new();
    for school in access::schools(who) {
        out.extend(state.store.school_sites(&school).await?.into_iter().filter(|s| access::can_read(who, s)));
    }
    Ok(out)
}

async fn sites_page(
    state: &App,
    who: &Identity,
    ctx: &Ctx,
    notice: Option<Notice>,
    error: Option<&'static str>,
    title: &str,
) -> Result<String, PortletError> {
    let t = texts(ctx.lang);
    let mut items = Vec::new();
    for s in readable_sites(state, who).await? {
        let mut badges = vec![Badge::plain(t.short(s.effective()))];
        if access::can_moderate(who, &s) {
            let waiting = state.store.pending(&s.id).await?.len();
            if waiting > 0 {
                badges.push(Badge::warn(t.waiting_count(waiting)));
            }
        }
        items.push(Item {
            href: ctx.href(&Link::to(format!("/view/s/{}", s.id))),
            title: s.title.clone(),
            meta: s.class_name.clone(),
            badges,
        });
    }
    let classes = kit_access::writable_classes(who, state.directory(), &state.store).await?;
    views::render(&SitesPage {
        t,
        notice,
        items: Items { items, empty: t.no_sites.into() },
        classes: classes.into_iter().map(|c| (c.id, c.name)).collect(),
        create_action: ctx.href(&Link::to("/view/sites")),
        csrf: ctx.csrf.clone(),
        error,
        title: title.to_string(),
    })
}

/// `GET /view`: the sites one may read.
pub async fn list(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PortletError> {
    access::has_pages(&who, ctx.lang)?;
    Ok(ent_portlet_kit::html(sites_page(&state, &who, &ctx, q.notice(ctx.lang), None, "").await?))
}

/// `POST /view/sites`: a teacher of the class or the director starts a site.
pub async fn create(State(state): State<App>, who: Identity, ctx: Ctx, form: Posted) -> Result<Response, PortletError> {
    let lang = ctx.lang;
    access::has_pages(&who, lang)?;
    let t = texts(lang);
    let class_id = form.text("class");
    let classes = kit_access::writable_classes(&who, state.directory(), &state.store).await?;
    let Some(class) = classes.into_iter().find(|c| c.id == class_id) else {
        // A class one reads but does not teach: 403; any other: it may not be known.
        return Err(if who.readable_class_ids().contains(&class_id) {
            PortletError::Forbidden(lang)
        } else {
            PortletError::NotFound(lang)
        });
    };
    let Some(title) = shared::title(form.text("title")) else {
        let page = sites_page(&state, &who, &ctx, None, Some(t.title_missing), form.text("title")).await?;
        return Err(PortletError::Form(page));
    };
    let new = NewSite {
        school: &class.school,
        class_id: &class.id,
        class_name: &class.name,
        title: &title,
        created_by: &who.sub,
    };
    let id = state.store.create_site(&new, state.now()).await?;
    tracing::info!(site = %id, "site created");
    Ok(see_other(&Link::to(format!("/view/s/{id}")).q("done", "saved")))
}

/// One line of the menu.
struct MenuLine {
    href: String,
    title: String,
    badges: Vec<Badge>,
    move_action: String,
}

#[derive(Template)]
#[template(path = "site.html")]
struct SitePage {
    t: &'static Texts,
    back: String,
    title: String,
    class_name: String,
    visibility: Badge,
    notice: Option<Notice>,
    awaits_public: bool,
    open_href: Option<String>,
    public: bool,
    menu: Vec<MenuLine>,
    moderator: bool,
    writer: bool,
    pending: Items,
    new_page_action: String,
    error: Option<&'static str>,
    draft_title: String,
    draft_body: String,
    pictures: Html,
    settings_action: String,
    visibilities: Vec<(&'static str, &'static str, bool)>,
    pupils: Vec<(String, String, bool)>,
    director_approves: bool,
    public_action: String,
    csrf: String,
}

/// What a new-page form that failed shows again.
pub struct Draft<'a> {
    pub error: &'static str,
    pub title: &'a str,
    pub body: &'a str,
}

/// A site's page in the ENT.
pub async fn site_page(
    state: &App,
    who: &Identity,
    ctx: &Ctx,
    site: &Site,
    notice: Option<Notice>,
    draft: Option<Draft<'_>>,
    picture_error: Option<&'static str>,
) -> Result<String, PortletError> {
    let t = texts(ctx.lang);
    let moderator = access::can_moderate(who, site);
    let writer = access::can_write(who, site);
    let mut menu = Vec::new();
    for page in state.store.pages(&site.id).await? {
        let current = state.store.current(&page.id).await?;
        if current.is_none() && !writer {
            continue;
        }
        let versions = if writer { state.store.versions(&page.id).await? } else { Vec::new() };
        let title = current.as_ref().or(versions.first()).map(|v| v.title.clone()).unwrap_or_default();
        let mut badges = Vec::new();
        if current.is_none() {
            badges.push(Badge::warn(t.badge_unpublished));
        }
        if versions.iter().any(|v| v.state == crate::model::VersionState::Pending) {
            badges.push(Badge::warn(t.badge_pending));
        }
        menu.push(MenuLine {
            href: ctx.href(&Link::to(format!("/view/p/{}", page.id))),
            title,
            badges,
            move_action: ctx.href(&Link::to(format!("/view/p/{}/move", page.id))),
        });
    }
    let mut pending = Vec::new();
    if moderator {
        for v in state.store.pending(&site.id).await? {
            pending.push(Item {
                href: ctx.href(&Link::to(format!("/view/v/{}", v.id))),
                title: v.title.clone(),
                meta: t.version_meta(v.number, &v.author_name, &shared::when(v.created_at, ctx.lang)),
                badges: vec![Badge::warn(t.badge_pending)],
            });
        }
    }
    let pupils = if moderator { class_pupils(state, site).await } else { Vec::new() };
    let effective = site.effective();
    let pictures = if writer { pictures::part(state, ctx, site, picture_error).await? } else { Html::default() };
    views::render(&SitePage {
        t,
        back: ctx.href(&Link::to("/view/")),
        title: site.title.clone(),
        class_name: site.class_name.clone(),
        visibility: Badge::plain(t.short(effective)),
        notice,
        awaits_public: site.awaits_public_approval(),
        open_href: state.origin().map(|o| links::open(o, site, state.now())),
        public: effective == Visibility::Public,
        menu,
        moderator,
        writer,
        pending: Items { items: pending, empty: t.nothing_to_review.into() },
        new_page_action: ctx.href(&Link::to(format!("/view/s/{}/pages", site.id))),
        error: draft.as_ref().map(|d| d.error),
        draft_title: draft.as_ref().map(|d| d.title.to_string()).unwrap_or_default(),
        draft_body: draft.as_ref().map(|d| d.body.to_string()).unwrap_or_default(),
        pictures,
        settings_action: ctx.href(&Link::to(format!("/view/s/{}/settings", site.id))),
        visibilities: Visibility::ALL.into_iter().map(|v| (v.as_str(), t.long(v), v == site.visibility)).collect(),
        pupils: pupils
            .into_iter()
            .map(|(sub, name)| {
                let checked = site.members.contains(&sub);
                (sub, name, checked)
            })
            .collect(),
        director_approves: site.awaits_public_approval() && access::can_approve_public(who, site),
        public_action: ctx.href(&Link::to(format!("/view/s/{}/public", site.id))),
        csrf: ctx.csrf.clone(),
    })
}

/// The class's pupils, from the directory (none when it does not answer).
async fn class_pupils(state: &App, site: &Site) -> Vec<(String, String)> {
    let Some(directory) = state.directory() else { return Vec::new() };
    match directory.class(&site.class_id).await {
        Ok(Some(roster)) => roster.pupils.into_iter().map(|p| (p.sub, p.name)).collect(),
        Ok(None) => Vec::new(),
        Err(e) => {
            tracing::warn!(error = %e, "the class roster is unavailable");
            Vec::new()
        }
    }
}

/// `GET /view/s/{id}`.
pub async fn show(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PortletError> {
    let site = shared::site(&state, &who, &id, ctx.lang).await?;
    Ok(ent_portlet_kit::html(site_page(&state, &who, &ctx, &site, q.notice(ctx.lang), None, None).await?))
}

/// `POST /view/s/{id}/settings`: title, visibility and writers, by a teacher of the class or
/// the director. Public waits for the director, unless the director sets it.
pub async fn settings(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, PortletError> {
    let lang = ctx.lang;
    let site = shared::site(&state, &who, &id, lang).await?;
    access::require(access::can_moderate(&who, &site), lang)?;
    let Some(title) = shared::title(form.text("title")) else {
        let draft = Draft { error: texts(lang).title_missing, title: "", body: "" };
        return Err(PortletError::Form(site_page(&state, &who, &ctx, &site, None, Some(draft), None).await?));
    };
    let visibility = form.text("visibility").parse::<Visibility>().unwrap_or(site.visibility);
    // Only the class's pupils can be its writers; without the roster, the writers stay.
    let roster = class_pupils(&state, &site).await;
    let members: Vec<String> = if roster.is_empty() {
        site.members.clone()
    } else {
        form.all("member").into_iter().filter(|m| roster.iter().any(|(sub, _)| sub == m)).map(str::to_owned).collect()
    };
    let director = access::can_approve_public(&who, &site).then(|| who.display_name());
    let settings = Settings { title: &title, visibility, members: &members, director };
    state.store.update_site(&site.id, &settings, state.now()).await?;
    Ok(see_other(&Link::to(format!("/view/s/{}", site.id)).q("done", "saved")))
}

/// `POST /view/s/{id}/public`: the director lets a site asked to be public be public.
pub async fn approve_public(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortletError> {
    let site = shared::site(&state, &who, &id, ctx.lang).await?;
    access::require(access::can_approve_public(&who, &site), ctx.lang)?;
    let done = if state.store.approve_public(&site.id, who.display_name(), state.now()).await? {
        tracing::info!(site = %site.id, "site made public");
        "public"
    } else {
        "already"
    };
    Ok(see_other(&Link::to(format!("/view/s/{}", site.id)).q("done", done)))
}
