//! The home page's card (`GET /fragment/summary`): the newest threads of one's forums, marked
//! when one has not read them; for a moderator, what waits for them — held posts and open
//! reports — the daily digest of moderation, always up to date.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use ent_portlet_kit::views::{self, Items};
use ent_portlet_kit::{Ctx, Identity, Link, PortletError};

use crate::App;
use crate::forums::{forum_title, thread_item};
use crate::texts::{Texts, texts};
use crate::views::{moderated_forums, my_forums};

/// Threads shown on the card.
const SHOWN: i64 = 5;

#[derive(Template)]
#[template(path = "summary.html")]
struct SummaryPage {
    t: &'static Texts,
    lines: Vec<(String, String)>,
    items: Items,
    forums_href: String,
}

pub async fn summary(State(state): State<App>, who: Identity, ctx: Ctx) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let forums = my_forums(&state, &who).await?;
    let ids: Vec<_> = forums.iter().map(|f| &f.id).collect();
    // Each thread says which forum it is in.
    let items = state
        .store
        .latest_threads(&ids, &who.sub, SHOWN)
        .await?
        .iter()
        .map(|l| {
            let mut item = thread_item(&ctx, t, l);
            if let Some(f) = forums.iter().find(|f| f.id == l.thread.forum_id) {
                item.meta = format!("{} · {}", forum_title(t, f), item.meta);
            }
            item
        })
        .collect();
    let mut lines = Vec::new();
    let moderated = moderated_forums(&state, &who).await?;
    let ids: Vec<_> = moderated.iter().map(|f| &f.id).collect();
    let waiting = state.store.waiting(&ids).await?;
    if waiting.held > 0 || waiting.reports > 0 {
        lines.push((ctx.href(&Link::to("/view/moderation")), t.waiting_line(waiting.held, waiting.reports)));
    }
    views::page(&SummaryPage {
        t,
        lines,
        items: Items { items, empty: t.no_thread_yet.into() },
        forums_href: ctx.href(&Link::to("/view/forums")),
    })
}
