//! The folders: inbox and archive (conversations, unread first by their badge), sent (every
//! message one wrote, with its state: waiting for review, recalled, retracted), drafts, and
//! search in one's own messages. Every list pages without a ceiling.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use ent_portlet_kit::views::{self, Anchor, Badge, Html, Item, Items, Notice, Pagination};
use ent_portlet_kit::{Ctx, Identity, Link, PortletError, Posted, see_other};

use crate::App;
use crate::store::Page;
use crate::texts::texts;
use crate::views::{Folder, PageQuery, message_item, nav, when};

#[derive(Template)]
#[template(path = "folder.html")]
struct FolderPage {
    nav: Html,
    heading: String,
    notice: Option<Notice>,
    items: Items,
    pagination: Pagination,
}

fn pagination(
    ctx: &Ctx,
    path: &str,
    q: Option<&str>,
    page: Page,
    more: bool,
    label: &str,
    t: &crate::texts::Texts,
) -> Pagination {
    let link = |n: i64| ctx.href(&Link::to(path).q_opt("q", q).q("page", n.to_string()));
    Pagination {
        label: label.into(),
        previous: (page.number > 1).then(|| Anchor { label: t.newer.into(), href: link(page.number - 1) }),
        next: more.then(|| Anchor { label: t.older.into(), href: link(page.number + 1) }),
    }
}

/// GET /view, /view/inbox
pub async fn inbox(state: State<App>, who: Identity, ctx: Ctx, q: Query<PageQuery>) -> Result<Response, PortletError> {
    conversations(state, who, ctx, q, false).await
}

/// GET /view/archive
pub async fn archive(
    state: State<App>,
    who: Identity,
    ctx: Ctx,
    q: Query<PageQuery>,
) -> Result<Response, PortletError> {
    conversations(state, who, ctx, q, true).await
}

async fn conversations(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
    archived: bool,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let page = Page::new(q.page);
    let hidden = state.store.schools_off(who.profile).await?;
    let (listed, more) = state.store.conversations(&who.sub, archived, &hidden, page).await?;
    let items = listed
        .iter()
        .map(|c| Item {
            href: ctx.href(&Link::to(format!("/view/c/{}", c.conversation_id))),
            title: if c.subject.is_empty() { t.no_subject.into() } else { c.subject.clone() },
            meta: format!("{} · {}", c.last_author, when(c.last_at, ctx.lang)),
            badges: if c.unread > 0 { vec![Badge::warn(t.unread_badge(c.unread))] } else { Vec::new() },
        })
        .collect();
    let (folder, path, heading, empty) = if archived {
        (Folder::Archive, "/view/archive", t.archive, t.archive_empty)
    } else {
        (Folder::Inbox, "/view/inbox", t.inbox, t.inbox_empty)
    };
    let notice = q.done.as_deref().and_then(|d| done_notice(d, t)).map(Notice::status);
    views::page(&FolderPage {
        nav: nav(&state, &who, &ctx, folder, "").await?,
        heading: heading.into(),
        notice,
        items: Items { items, empty: empty.into() },
        pagination: pagination(&ctx, path, None, page, more, t.pages, t),
    })
}

/// What a redirect after an action says.
pub fn done_notice(done: &str, t: &crate::texts::Texts) -> Option<&'static str> {
    match done {
        "deleted" => Some(t.done_deleted),
        "recalled" => Some(t.done_recalled),
        "archived" => Some(t.done_archived),
        "reported" => Some(t.done_reported),
        "saved" => Some(t.done_saved),
        "signed_in" => Some(t.done_signed_in),
        _ => None,
    }
}

/// GET /view/sent
pub async fn sent(state: State<App>, who: Identity, ctx: Ctx, q: Query<PageQuery>) -> Result<Response, PortletError> {
    own(state, who, ctx, q, false).await
}

/// GET /view/drafts
pub async fn drafts(state: State<App>, who: Identity, ctx: Ctx, q: Query<PageQuery>) -> Result<Response, PortletError> {
    own(state, who, ctx, q, true).await
}

async fn own(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
    drafts: bool,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let page = Page::new(q.page);
    let (mine, more) = state.store.own(&who.sub, drafts, page).await?;
    let items = mine.iter().map(|s| message_item(&ctx, t, &s.message, true)).collect();
    let (folder, path, heading, empty) = if drafts {
        (Folder::Drafts, "/view/drafts", t.drafts, t.drafts_empty)
    } else {
        (Folder::Sent, "/view/sent", t.sent, t.sent_empty)
    };
    let notice = q.done.as_deref().and_then(|d| done_notice(d, t)).map(Notice::status);
    views::page(&FolderPage {
        nav: nav(&state, &who, &ctx, folder, "").await?,
        heading: heading.into(),
        notice,
        items: Items { items, empty: empty.into() },
        pagination: pagination(&ctx, path, None, page, more, t.pages, t),
    })
}

/// GET /view/search?q=
pub async fn search(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let page = Page::new(q.page);
    let query: String = q.q.as_deref().unwrap_or("").trim().chars().take(200).collect();
    let (items, more, empty) = if query.chars().count() < 2 {
        (Vec::new(), false, t.search_too_short)
    } else {
        let hidden = state.store.schools_off(who.profile).await?;
        let (found, more) = state.store.search_except(&who.sub, &query, &hidden, page).await?;
        let items = found.iter().map(|f| message_item(&ctx, t, &f.message, f.message.author_sub == who.sub)).collect();
        (items, more, t.search_nothing)
    };
    views::page(&FolderPage {
        nav: nav(&state, &who, &ctx, Folder::Search, &query).await?,
        heading: t.search_results(&query),
        notice: None,
        items: Items { items, empty: empty.into() },
        pagination: pagination(&ctx, "/view/search", Some(&query), page, more, t.pages, t),
    })
}

/// POST /view/search: the search form posts (every form of a portlet does), then reads as a GET.
pub async fn search_post(_who: Identity, form: Posted) -> Result<Response, PortletError> {
    let q: String = form.text("q").trim().chars().take(200).collect();
    Ok(see_other(&Link::to("/view/search").q("q", q)))
}
