//! A conversation: the messages one sees in it (delivered to them, or theirs), each with its
//! files; for the author, who read it and the recall button while it can be recalled; for a
//! recipient, the report button; the reply form; archiving. Opening it marks what one received
//! in it as read. Also the page every link in a message goes through before leaving the ENT.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use ent_portlet_kit::views::{self, Badge, Html, Notice};
use ent_portlet_kit::{Ctx, Identity, Link, PortletError, Posted, see_other};
use serde::Deserialize;

use crate::App;
use crate::compose;
use crate::files;
use crate::model::State as MessageState;
use crate::sending::{self, Refusal};
use crate::store::{Attachment, DraftText};
use crate::text::{self, Run};
use crate::texts::{Texts, texts};
use crate::views::{Folder, hold_reason, nav, state_badge, to_line, when};

/// A message as the page shows it.
pub struct Shown {
    pub id: String,
    pub author: String,
    pub at: String,
    pub to: String,
    /// Each paragraph's runs: text, with the address of the leaving page when it is a link.
    pub paragraphs: Vec<Vec<(String, Option<String>)>>,
    pub files: Vec<(String, String, String)>,
    pub badges: Vec<Badge>,
    pub status: String,
    pub recall_action: Option<String>,
    pub report_action: Option<String>,
    pub retracted: bool,
}

#[derive(Template)]
#[template(path = "conversation.html")]
struct ConversationPage<'a> {
    t: &'static Texts,
    nav: Html,
    subject: String,
    notice: Option<Notice>,
    messages: Vec<Shown>,
    csrf: &'a str,
    reply_action: String,
    reply_to: String,
    archive_action: String,
    archived: bool,
    error: Option<String>,
    body: String,
    files_hint: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ConversationQuery {
    pub sent: Option<String>,
}

/// GET /view/c/{id}
pub async fn show(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<ConversationQuery>,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let notice = match q.sent.as_deref() {
        Some("ok") => Some(Notice::status(t.sent_ok)),
        Some("held") => Some(Notice::status(t.sent_held)),
        _ => None,
    };
    views::page(&page(&state, &who, &ctx, &id, notice, None, "").await?)
}

async fn page<'a>(
    state: &App,
    who: &Identity,
    ctx: &'a Ctx,
    id: &str,
    notice: Option<Notice>,
    error: Option<String>,
    body: &str,
) -> Result<ConversationPage<'a>, PortletError> {
    let t = texts(ctx.lang);
    let Some((school, subject)) = state.store.conversation(id).await? else {
        return Err(PortletError::NotFound(ctx.lang));
    };
    let messages = state.store.visible(id, &who.sub).await?;
    if messages.is_empty() || state.store.schools_off(who.profile).await?.contains(&school) {
        return Err(PortletError::NotFound(ctx.lang));
    }
    state.store.mark_read(id, &who.sub, state.now()).await?;
    let ids: Vec<&str> = messages.iter().map(|m| m.id.as_str()).collect();
    let files = state.store.attachments(&ids).await?;
    let own: Vec<&str> = messages.iter().filter(|m| m.author_sub == who.sub).map(|m| m.id.as_str()).collect();
    let reads = state.store.read_counts(&own).await?;
    let now = state.now();
    let mut shown = Vec::new();
    for m in &messages {
        let mine = m.author_sub == who.sub;
        let retracted = m.state == MessageState::Retracted;
        let status = match (mine, m.state) {
            (true, MessageState::Held) => format!("{} {}", t.held_explained, hold_reason(m.hold_reason, t)),
            (true, MessageState::Sent) => {
                let r = reads.get(&m.id).copied().unwrap_or_default();
                t.read_by(r.read, r.total)
            }
            _ => String::new(),
        };
        let recall = mine && state.store.recallable(m, now).await?;
        shown.push(Shown {
            id: m.id.clone(),
            author: m.author_name.clone(),
            at: when(m.sent_at.unwrap_or(m.created_at), ctx.lang),
            to: to_line(&m.to, t),
            paragraphs: if retracted && !mine { Vec::new() } else { shown_text(ctx, &m.body) },
            files: files_of(ctx, &files, &m.id),
            badges: if mine { state_badge(m, t).into_iter().collect() } else { Vec::new() },
            status,
            recall_action: recall.then(|| ctx.href(&Link::to(format!("/view/m/{}/recall", m.id)))),
            report_action: (!mine).then(|| ctx.href(&Link::to(format!("/view/m/{}/report", m.id)))),
            retracted,
        });
    }
    let reply_to =
        messages.iter().rev().find(|m| m.state == MessageState::Sent).map(|m| m.id.clone()).unwrap_or_default();
    Ok(ConversationPage {
        t,
        nav: nav(state, who, ctx, Folder::None, "").await?,
        subject,
        notice,
        messages: shown,
        csrf: &ctx.csrf,
        reply_action: ctx.href(&Link::to(format!("/view/c/{id}/reply"))),
        reply_to,
        archive_action: ctx.href(&Link::to(format!("/view/c/{id}/archive"))),
        archived: state.store.archived(id, &who.sub).await?,
        error,
        body: body.to_string(),
        files_hint: files::limits_hint(state, who, t).await?,
    })
}

/// A text's paragraphs, its links through the leaving page.
pub fn shown_text(ctx: &Ctx, body: &str) -> Vec<Vec<(String, Option<String>)>> {
    text::paragraphs(body)
        .into_iter()
        .map(|runs| {
            runs.into_iter()
                .map(|r| match r {
                    Run::Text(s) => (s, None),
                    Run::Link(url) => {
                        let href = ctx.href(&Link::to("/view/out").q("url", &url));
                        (url, Some(href))
                    }
                })
                .collect()
        })
        .collect()
}

/// The files of a message: (href, name, size).
fn files_of(ctx: &Ctx, files: &[Attachment], message: &str) -> Vec<(String, String, String)> {
    files
        .iter()
        .filter(|f| f.message_id == message)
        .map(|f| {
            (
                ctx.href(&Link::to(format!("/view/files/{}", f.id))),
                f.name.clone(),
                ent_portlet_kit::upload::human_size(f.size, ctx.lang),
            )
        })
        .collect()
}

/// POST /view/c/{id}/reply: answers the author of the message named (`reply_to`), or for one's
/// own message writes again to the same addresses. Refused, the reply stays as a draft.
pub async fn reply(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let Some((school, subject)) = state.store.conversation(&id).await? else {
        return Err(PortletError::NotFound(ctx.lang));
    };
    let visible = state.store.visible(&id, &who.sub).await?;
    let Some(answered) = visible.iter().find(|m| m.id == form.text("reply_to") && m.state == MessageState::Sent) else {
        return Err(PortletError::NotFound(ctx.lang));
    };
    let body = ent_portlet_kit::field::multiline(form.text("body"));
    let body_problem = match ent_portlet_kit::field::required(&body, compose::MAX_BODY) {
        Ok(_) => None,
        Err(ent_portlet_kit::field::Problem::Missing) => Some(t.body_missing.to_string()),
        Err(_) => Some(t.body_too_long(compose::MAX_BODY)),
    };
    if let Some(error) = body_problem {
        let page = page(&state, &who, &ctx, &id, None, Some(error), &body).await?;
        return Err(PortletError::Form(views::render(&page)?));
    }
    let addresses: Vec<String> = if answered.author_sub == who.sub {
        answered.addresses.clone()
    } else {
        vec![format!("p:{}", answered.author_sub)]
    };
    let classes: Vec<&str> = crate::book::sender(&who, &school).classes;
    let now = state.now();
    let draft_id = state
        .store
        .create_draft(
            &DraftText {
                school: &school,
                author_sub: &who.sub,
                author_name: who.display_name(),
                author_profile: who.profile,
                author_classes: &classes,
                conversation_id: Some(&id),
                subject: &subject,
                body: &body,
                addresses: &addresses,
            },
            now,
        )
        .await?;
    if let Some(problem) = files::attach(&state, &who, &draft_id, 0, &form.files, t, now).await? {
        let page = page(&state, &who, &ctx, &id, None, Some(problem), &body).await?;
        return Err(PortletError::Form(views::render(&page)?));
    }
    let Some(draft) = state.store.draft(&draft_id, &who.sub).await? else {
        return Err(PortletError::NotFound(ctx.lang));
    };
    match sending::send(&state.store, state.directory(), &who, &draft, now).await? {
        Ok(m) => {
            let sent = if m.state == MessageState::Held { "held" } else { "ok" };
            Ok(see_other(&Link::to(format!("/view/c/{id}")).q("sent", sent)))
        }
        Err(Refusal::SignInAgain) => Err(compose::step_up(&draft_id)),
        Err(refusal) => {
            let error = format!("{} {}", compose::refusal_text(&refusal, t), t.kept_as_draft);
            let page = page(&state, &who, &ctx, &id, None, Some(error), &body).await?;
            Err(PortletError::Form(views::render(&page)?))
        }
    }
}

/// POST /view/c/{id}/archive (`archived=1` or `0`)
pub async fn archive(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, PortletError> {
    let archived = form.text("archived") == "1";
    if !state.store.set_archived(&id, &who.sub, archived).await? {
        return Err(PortletError::NotFound(ctx.lang));
    }
    Ok(if archived {
        see_other(&Link::to("/view/inbox").q("done", "archived"))
    } else {
        see_other(&Link::to(format!("/view/c/{id}")))
    })
}

/// POST /view/m/{id}/recall
pub async fn recall(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortletError> {
    let Some(m) = state.store.message(&id).await?.filter(|m| m.author_sub == who.sub) else {
        return Err(PortletError::NotFound(ctx.lang));
    };
    if !state.store.recall(&id, &who.sub, state.now()).await? {
        let t = texts(ctx.lang);
        let conversation = m.conversation_id.clone().unwrap_or_default();
        let page = page(&state, &who, &ctx, &conversation, None, Some(t.recall_too_late.into()), "").await?;
        return Err(PortletError::Form(views::render(&page)?));
    }
    Ok(see_other(&Link::to("/view/sent").q("done", "recalled")))
}

/// POST /view/m/{id}/report: a recipient sends the message to the school's director.
pub async fn report(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, PortletError> {
    let Some(m) = state.store.message(&id).await? else { return Err(PortletError::NotFound(ctx.lang)) };
    if m.author_sub == who.sub || !state.store.received(&id, &who.sub).await? {
        return Err(PortletError::NotFound(ctx.lang));
    }
    let reason: String = form.text("reason").trim().chars().take(500).collect();
    state.store.report(&m, &who.sub, who.display_name(), &reason, state.now()).await?;
    tracing::info!("a message was reported");
    Ok(see_other(&Link::to("/view/inbox").q("done", "reported")))
}

#[derive(Template)]
#[template(path = "out.html")]
struct OutPage {
    t: &'static Texts,
    url: String,
    back: String,
}

#[derive(Debug, Deserialize)]
pub struct OutQuery {
    pub url: Option<String>,
}

/// GET /view/out?url=: the page a link in a message goes through: it says the site is outside
/// the ENT and lets the reader go on.
pub async fn out(_who: Identity, ctx: Ctx, Query(q): Query<OutQuery>) -> Result<Response, PortletError> {
    let url = q.url.unwrap_or_default();
    if !text::is_link(&url) {
        return Err(PortletError::NotFound(ctx.lang));
    }
    views::page(&OutPage { t: texts(ctx.lang), url, back: ctx.href(&Link::to("/view/inbox")) })
}
