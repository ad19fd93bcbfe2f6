//! A thread's page (`GET /view/t/{id}`, and `GET /view/p/{id}` for the page holding a post):
//! its posts a page at a time, each with its quote, its badges (new for this reader, waiting,
//! hidden, edited by), the buttons to quote and report it and, for moderators, to approve,
//! hide and edit it, lock and move the thread; the reply form. Opening a page marks its posts
//! read. Starting a thread (`/view/f/{id}/new`) and replying (`POST /view/t/{id}/reply`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use ent_portlet_kit::field::{self, Errors, Problem};
use ent_portlet_kit::views::{self, Anchor, Badge, Html, Notice, Pagination};
use ent_portlet_kit::{Ctx, Identity, Link, PortletError, Posted, see_other};

use crate::App;
use crate::access::{can_moderate, can_write, is_held};
use crate::forums::forum_title;
use crate::model::{CategoryId, PostId, PostState, ThreadState};
use crate::store::{Actor, Forum, NewPost, Post, Thread};
use crate::texts::{Texts, texts};
use crate::views::{
    PER_PAGE, PageQuery, pages, post_html, readable_forum, readable_post, readable_thread, viewer, when,
};

/// A title's length, in characters.
pub const TITLE_MAX: usize = 150;
/// A post's length, in characters of Markdown.
pub const BODY_MAX: usize = 10_000;

/// A post as the page shows it.
struct Shown {
    id: String,
    author: String,
    at: String,
    badges: Vec<Badge>,
    edited: Option<String>,
    quote: Option<(String, Html)>,
    body: Html,
    quote_href: Option<String>,
    report_action: Option<String>,
    approve_action: Option<String>,
    hide_action: Option<String>,
    edit_href: Option<String>,
}

/// The reply form as it is drawn (again, after an error).
#[derive(Default)]
struct ReplyForm {
    action: String,
    body: String,
    error: Option<String>,
    quote: String,
    quote_label: Option<String>,
}

/// What moderators may do to the whole thread.
struct ThreadTools {
    lock_action: String,
    locked: bool,
    move_action: String,
    categories: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "thread.html")]
struct ThreadPage<'a> {
    t: &'static Texts,
    csrf: &'a str,
    forum_title: String,
    forum_href: String,
    title: String,
    badges: Vec<Badge>,
    notice: Option<Notice>,
    posts: Vec<Shown>,
    pagination: Pagination,
    reply: Option<ReplyForm>,
    locked_note: bool,
    tools: Option<ThreadTools>,
}

/// GET /view/t/{id}?page=…&quote=…&done=…
pub async fn show(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, PortletError> {
    let (forum, thread) = readable_thread(&state, &who, ctx.lang, &id).await?;
    let t = texts(ctx.lang);
    let notice = done_notice(t, q.done.as_deref());
    let mut form = ReplyForm::default();
    if let Some(quoted) = q.quote.as_deref().and_then(PostId::parse)
        && let Some(p) = state.store.post(&quoted).await?
        && quotable(&p, &thread)
    {
        form.quote_label = Some(t.quoting(&p.author_name));
        form.quote = p.id.to_string();
    }
    let html = page(&state, &who, &ctx, &forum, &thread, q.page(), notice, form).await?;
    Ok(ent_portlet_kit::html(html))
}

/// GET /view/p/{id}: the page of its thread that holds the post.
pub async fn permalink(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortletError> {
    let (forum, thread, post) = readable_post(&state, &who, ctx.lang, &id).await?;
    let before = state.store.posts_before(&post, viewer(&who, &forum)).await?;
    let html = page(&state, &who, &ctx, &forum, &thread, before / PER_PAGE + 1, None, ReplyForm::default()).await?;
    Ok(ent_portlet_kit::html(html))
}

fn done_notice(t: &Texts, done: Option<&str>) -> Option<Notice> {
    let text = match done? {
        "held" => t.done_held,
        "reported" => t.done_reported,
        "approved" => t.done_approved,
        "hidden" => t.done_hidden,
        "edited" => t.done_edited,
        "locked" => t.done_locked,
        "unlocked" => t.done_unlocked,
        _ => return None,
    };
    Some(Notice::status(text))
}

/// A post one may quote in this thread: a visible post of the same thread.
fn quotable(p: &Post, thread: &Thread) -> bool {
    p.thread_id == thread.id && p.state == PostState::Visible
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &App,
    who: &Identity,
    ctx: &Ctx,
    forum: &Forum,
    thread: &Thread,
    page: i64,
    notice: Option<Notice>,
    mut form: ReplyForm,
) -> Result<String, PortletError> {
    let t = texts(ctx.lang);
    let moderates = can_moderate(who, forum);
    let (posts, total) = state.store.posts(&thread.id, viewer(who, forum), (page - 1) * PER_PAGE, PER_PAGE).await?;
    let read_before = state.store.read_seq(&who.sub, &thread.id).await?;
    let quoted_ids: Vec<&PostId> = posts.iter().filter_map(|p| p.quote_of.as_ref()).collect();
    let quoted = state.store.posts_by_ids(&quoted_ids).await?;
    let open = thread.state == ThreadState::Open;
    let writes = can_write(who, forum) && (!thread.locked || moderates);
    let here = Link::to(format!("/view/t/{}", thread.id));
    let shown = posts
        .iter()
        .map(|p| {
            let mut badges = Vec::new();
            match p.state {
                PostState::Held => badges.push(Badge::warn(t.badge_held)),
                PostState::Hidden => badges.push(Badge::warn(t.badge_hidden)),
                PostState::Visible => {
                    if read_before > 0 && p.seq.is_some_and(|s| s > read_before) && p.author_sub != who.sub {
                        badges.push(Badge::ok(t.badge_new));
                    }
                }
            }
            let quote = p.quote_of.as_ref().map(|q| match quoted.iter().find(|x| &x.id == q) {
                Some(x) if x.state == PostState::Visible || moderates => (t.wrote(&x.author_name), post_html(&x.body)),
                _ => (t.quote_gone.to_string(), Html::default()),
            });
            let visible = p.state == PostState::Visible;
            let at_post = |action: &str| ctx.href(&Link::to(format!("/view/p/{}/{action}", p.id)));
            Shown {
                id: p.id.to_string(),
                author: p.author_name.clone(),
                at: when(p.created_at, ctx.lang),
                badges,
                edited: p.edited_by_name.as_ref().map(|n| t.edited_by(n)),
                quote,
                body: post_html(&p.body),
                quote_href: (writes && open && visible)
                    .then(|| ctx.href(&here.clone().q("page", page.to_string()).q("quote", p.id.as_str()))),
                report_action: (visible && p.author_sub != who.sub).then(|| at_post("report")),
                approve_action: (moderates && p.state == PostState::Held).then(|| at_post("approve")),
                hide_action: (moderates && p.state != PostState::Hidden).then(|| at_post("hide")),
                edit_href: moderates.then(|| at_post("edit")),
            }
        })
        .collect();
    if let Some(last) = posts.iter().filter(|p| p.state == PostState::Visible).filter_map(|p| p.seq).max()
        && last > read_before
    {
        state.store.mark_read(&who.sub, &thread.id, last).await?;
    }
    let at_page = |n: i64| ctx.href(&here.clone().q("page", n.to_string()));
    let pagination = Pagination {
        label: t.pages.into(),
        previous: (page > 1).then(|| Anchor { label: t.previous.into(), href: at_page(page - 1) }),
        next: (page < pages(total)).then(|| Anchor { label: t.next.into(), href: at_page(page + 1) }),
    };
    let mut badges = Vec::new();
    match thread.state {
        ThreadState::Held => badges.push(Badge::warn(t.badge_held)),
        ThreadState::Hidden => badges.push(Badge::warn(t.badge_hidden)),
        ThreadState::Open => {}
    }
    if thread.locked {
        badges.push(Badge::plain(t.badge_locked));
    }
    let reply = (writes && open).then(|| {
        form.action = ctx.href(&Link::to(format!("/view/t/{}/reply", thread.id)));
        form
    });
    let tools = if moderates {
        let categories = state.store.categories(&forum.id).await?;
        Some(ThreadTools {
            lock_action: ctx.href(&Link::to(format!("/view/t/{}/lock", thread.id))),
            locked: thread.locked,
            move_action: ctx.href(&Link::to(format!("/view/t/{}/move", thread.id))),
            categories: categories
                .into_iter()
                .map(|c| {
                    let current = c.id == thread.category_id;
                    (c.id.to_string(), c.name, current)
                })
                .collect(),
        })
    } else {
        None
    };
    views::render(&ThreadPage {
        t,
        csrf: &ctx.csrf,
        forum_title: forum_title(t, forum),
        forum_href: ctx.href(&Link::to(format!("/view/f/{}", forum.id))),
        title: thread.title.clone(),
        badges,
        notice,
        posts: shown,
        pagination,
        reply,
        locked_note: thread.locked,
        tools,
    })
}

/// POST /view/t/{id}/reply: `body`, and `quote` (an earlier visible post of the thread).
pub async fn reply(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    posted: Posted,
) -> Result<Response, PortletError> {
    let (forum, thread) = readable_thread(&state, &who, ctx.lang, &id).await?;
    let moderates = can_moderate(&who, &forum);
    if !can_write(&who, &forum) || (thread.locked && !moderates) || thread.state != ThreadState::Open {
        return Err(PortletError::Forbidden(ctx.lang));
    }
    let t = texts(ctx.lang);
    // `None`: a quote that cannot be (said the same way whatever the reason); `Some(None)`: none.
    let quote = match posted.text("quote").trim() {
        "" => Some(None),
        raw => match PostId::parse(raw) {
            Some(id) => state.store.post(&id).await?.filter(|p| quotable(p, &thread)).map(Some),
            None => None,
        },
    };
    let body = field::required(&field::multiline(posted.text("body")), BODY_MAX);
    let (Some(quote), Ok(body)) = (&quote, &body) else {
        let error = match (&quote, &body) {
            (None, _) => t.quote_refused.to_string(),
            (_, Err(p)) => body_problem(t, *p),
            _ => t.quote_refused.to_string(),
        };
        let form = ReplyForm {
            body: posted.text("body").to_string(),
            error: Some(error),
            quote: quote.flatten().map(|p| p.id.to_string()).unwrap_or_default(),
            ..ReplyForm::default()
        };
        let (_, total) = state.store.posts(&thread.id, viewer(&who, &forum), 0, 1).await?;
        let html = page(&state, &who, &ctx, &forum, &thread, pages(total), None, form).await?;
        return Err(PortletError::Form(html));
    };
    let held = is_held(&who, &forum, false);
    let new =
        NewPost { author_sub: &who.sub, author_name: who.display_name(), author_profile: who.profile, body, held };
    let post_id = state.store.reply(&thread, &new, quote.as_ref().map(|p| &p.id), state.now()).await?;
    let post =
        state.store.post(&post_id).await?.ok_or_else(|| PortletError::internal("a post just written is missing"))?;
    let before = state.store.posts_before(&post, viewer(&who, &forum)).await?;
    let link = Link::to(format!("/view/t/{}", thread.id))
        .q("page", (before / PER_PAGE + 1).to_string())
        .q_opt("done", held.then_some("held"));
    Ok(see_other(&link))
}

/// A post's text problem in the reader's words.
pub fn body_problem(t: &Texts, p: Problem) -> String {
    match p {
        Problem::TooLong { max } => t.too_long(max),
        _ => t.body_missing.to_string(),
    }
}

#[derive(Template)]
#[template(path = "new_thread.html")]
struct NewThreadPage<'a> {
    t: &'static Texts,
    csrf: &'a str,
    forum_title: String,
    forum_href: String,
    action: String,
    categories: Vec<(String, String, bool)>,
    title: String,
    body: String,
    errors: Errors,
    held_note: bool,
}

/// GET /view/f/{id}/new?category=…
pub async fn new_form(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, PortletError> {
    let forum = readable_forum(&state, &who, ctx.lang, &id).await?;
    if !can_write(&who, &forum) {
        return Err(PortletError::Forbidden(ctx.lang));
    }
    let html =
        new_page(&state, &who, &ctx, &forum, q.category.as_deref().unwrap_or(""), "", "", Errors::default()).await?;
    Ok(ent_portlet_kit::html(html))
}

#[allow(clippy::too_many_arguments)]
async fn new_page(
    state: &App,
    who: &Identity,
    ctx: &Ctx,
    forum: &Forum,
    category: &str,
    title: &str,
    body: &str,
    errors: Errors,
) -> Result<String, PortletError> {
    let t = texts(ctx.lang);
    let categories = state.store.categories(&forum.id).await?;
    views::render(&NewThreadPage {
        t,
        csrf: &ctx.csrf,
        forum_title: forum_title(t, forum),
        forum_href: ctx.href(&Link::to(format!("/view/f/{}", forum.id))),
        action: ctx.href(&Link::to(format!("/view/f/{}/new", forum.id))),
        categories: categories
            .into_iter()
            .map(|c| {
                let chosen = c.id.as_str() == category;
                (c.id.to_string(), c.name, chosen)
            })
            .collect(),
        title: title.to_string(),
        body: body.to_string(),
        errors,
        held_note: is_held(who, forum, true),
    })
}

/// POST /view/f/{id}/new: `category`, `title`, `body`.
pub async fn create(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    posted: Posted,
) -> Result<Response, PortletError> {
    let forum = readable_forum(&state, &who, ctx.lang, &id).await?;
    if !can_write(&who, &forum) {
        return Err(PortletError::Forbidden(ctx.lang));
    }
    let t = texts(ctx.lang);
    let categories = state.store.categories(&forum.id).await?;
    let mut errors = Errors::default();
    let category = errors.check(
        "category",
        CategoryId::parse(posted.text("category"))
            .ok_or(Problem::NotAChoice)
            .and_then(|c| field::choice(c.as_str(), &categories, |k| k.id.as_str()).map(|k| k.id.clone())),
        |_| t.category_missing.into(),
    );
    let title =
        errors.check("title", field::required(&field::one_line(posted.text("title")), TITLE_MAX), |p| match p {
            Problem::TooLong { max } => t.too_long(max),
            _ => t.title_missing.into(),
        });
    let body =
        errors.check("body", field::required(&field::multiline(posted.text("body")), BODY_MAX), |p| body_problem(t, p));
    let (Some(category), Some(title), Some(body)) = (category, title, body) else {
        let html = new_page(
            &state,
            &who,
            &ctx,
            &forum,
            posted.text("category"),
            posted.text("title"),
            posted.text("body"),
            errors,
        )
        .await?;
        return Err(PortletError::Form(html));
    };
    let held = is_held(&who, &forum, true);
    let new = NewPost {
        author_sub: &who.sub,
        author_name: who.display_name(),
        author_profile: who.profile,
        body: &body,
        held,
    };
    let (thread, _) = state.store.create_thread(&forum.id, &category, &title, &new, state.now()).await?;
    Ok(see_other(&Link::to(format!("/view/t/{thread}")).q_opt("done", held.then_some("held"))))
}

/// Who does a moderation act.
pub fn actor(who: &Identity) -> Actor<'_> {
    Actor { sub: &who.sub, name: who.display_name() }
}
