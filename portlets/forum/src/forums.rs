//! The list of one's forums (`GET /view`) and a forum's page (`GET /view/f/{id}`): its
//! categories as tabs, the threads of one category, most recently active first, with what the
//! reader has not read, a page at a time.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use ent_portlet_kit::views::{self, Anchor, Badge, Item, Items, Notice, Pagination, Tab, Tabs};
use ent_portlet_kit::{Ctx, Identity, Link, PortletError, Profile};

use crate::App;
use crate::access::{can_moderate, can_write};
use crate::model::{CategoryId, Scope, ThreadState};
use crate::store::{Forum, ThreadLine};
use crate::texts::{Texts, texts};
use crate::views::{PER_PAGE, PageQuery, moderated_forums, my_forums, pages, readable_forum, viewer, when};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    t: &'static Texts,
    forums: Items,
    waiting: Option<(String, String)>,
}

/// GET /view: the forums one reads, and what waits for a moderator.
pub async fn home(State(state): State<App>, who: Identity, ctx: Ctx) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let forums = my_forums(&state, &who).await?;
    if forums.is_empty() && !who.has_class_content() && who.profile != Profile::Staff {
        return Err(PortletError::Forbidden(ctx.lang));
    }
    let ids: Vec<_> = forums.iter().map(|f| &f.id).collect();
    let unread = state.store.unread_threads(&ids, &who.sub).await?;
    let items = forums
        .iter()
        .map(|f| {
            let n = unread.iter().find(|(id, _)| *id == f.id).map_or(0, |(_, n)| *n);
            forum_item(&ctx, t, &who, f, n)
        })
        .collect();
    let moderated = moderated_forums(&state, &who).await?;
    let ids: Vec<_> = moderated.iter().map(|f| &f.id).collect();
    let waiting = state.store.waiting(&ids).await?;
    let waiting = (!moderated.is_empty())
        .then(|| (ctx.href(&Link::to("/view/moderation")), t.waiting_line(waiting.held, waiting.reports)));
    views::page(&HomePage { t, forums: Items { items, empty: t.no_forum.into() }, waiting })
}

/// A forum's name in the reader's words: "Forum de la classe CM1 A", "Forum de l'école …".
pub fn forum_title(t: &Texts, f: &Forum) -> String {
    match f.scope {
        Scope::Class { .. } => t.class_forum(&f.name),
        Scope::School => t.school_forum(&f.name),
    }
}

fn forum_item(ctx: &Ctx, t: &Texts, who: &Identity, f: &Forum, unread: i64) -> Item {
    let mut badges = Vec::new();
    if unread > 0 {
        badges.push(Badge::ok(t.unread_threads(unread)));
    }
    if !can_write(who, f) {
        badges.push(Badge::plain(t.read_only));
    }
    if can_moderate(who, f) {
        badges.push(Badge::plain(t.moderator));
    }
    Item {
        href: ctx.href(&Link::to(format!("/view/f/{}", f.id))),
        title: forum_title(t, f),
        meta: String::new(),
        badges,
    }
}

#[derive(Template)]
#[template(path = "forum.html")]
struct ForumPage {
    t: &'static Texts,
    title: String,
    notice: Option<Notice>,
    categories: Tabs,
    threads: Items,
    pagination: Pagination,
    new_href: Option<String>,
    moderation_href: Option<String>,
    settings_href: Option<String>,
    back_href: String,
}

/// GET /view/f/{id}?category=…&page=…
pub async fn forum(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let f = readable_forum(&state, &who, ctx.lang, &id).await?;
    let categories = state.store.categories(&f.id).await?;
    let asked = q.category.as_deref().filter(|c| !c.is_empty());
    let current = match asked {
        Some(raw) => {
            let id = CategoryId::parse(raw).ok_or(PortletError::NotFound(ctx.lang))?;
            categories.iter().find(|c| c.id == id).ok_or(PortletError::NotFound(ctx.lang))?
        }
        None => categories.first().ok_or_else(|| PortletError::internal("a forum without a category"))?,
    };
    let here = Link::to(format!("/view/f/{}", f.id));
    let tabs = categories
        .iter()
        .map(|c| Tab {
            label: c.name.clone(),
            href: ctx.href(&here.clone().q("category", c.id.as_str())),
            current: c.id == current.id,
        })
        .collect();
    let page = q.page();
    let (lines, total) = state.store.threads(&current.id, viewer(&who, &f), (page - 1) * PER_PAGE, PER_PAGE).await?;
    let at_page = |n: i64| ctx.href(&here.clone().q("category", current.id.as_str()).q("page", n.to_string()));
    let pagination = Pagination {
        label: t.pages.into(),
        previous: (page > 1).then(|| Anchor { label: t.newer.into(), href: at_page(page - 1) }),
        next: (page < pages(total)).then(|| Anchor { label: t.older.into(), href: at_page(page + 1) }),
    };
    let notice = match q.done.as_deref() {
        Some("moved") => Some(Notice::status(t.moved)),
        _ => None,
    };
    let moderates = can_moderate(&who, &f);
    views::page(&ForumPage {
        t,
        title: forum_title(t, &f),
        notice,
        categories: Tabs::new(t.categories, tabs),
        threads: Items { items: lines.iter().map(|l| thread_item(&ctx, t, l)).collect(), empty: t.no_thread.into() },
        pagination,
        new_href: can_write(&who, &f)
            .then(|| ctx.href(&Link::to(format!("/view/f/{}/new", f.id)).q("category", current.id.as_str()))),
        moderation_href: moderates.then(|| ctx.href(&Link::to("/view/moderation"))),
        settings_href: moderates.then(|| ctx.href(&Link::to(format!("/view/f/{}/settings", f.id)))),
        back_href: ctx.href(&Link::to("/view/forums")),
    })
}

/// A thread as a line of a list: its title, who started it, its replies and last activity,
/// and its badges (new for this reader, locked, waiting, hidden).
pub fn thread_item(ctx: &Ctx, t: &Texts, l: &ThreadLine) -> Item {
    let th = &l.thread;
    let mut badges = Vec::new();
    match th.state {
        ThreadState::Held => badges.push(Badge::warn(t.badge_held)),
        ThreadState::Hidden => badges.push(Badge::warn(t.badge_hidden)),
        ThreadState::Open if l.unread => badges.push(Badge::ok(t.badge_new)),
        ThreadState::Open => {}
    }
    if th.locked {
        badges.push(Badge::plain(t.badge_locked));
    }
    Item {
        href: ctx.href(&Link::to(format!("/view/t/{}", th.id))),
        title: th.title.clone(),
        meta: format!("{} · {} · {}", th.author_name, t.replies(l.replies), when(th.last_at, ctx.lang)),
        badges,
    }
}
