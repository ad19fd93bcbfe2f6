//! The home page's card (`GET /fragment/summary`): how many messages wait unread and the last
//! three received; for a reviewer, the messages waiting for review; for a director, the reports.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use ent_portlet_kit::views::{self, Badge, Item, Items};
use ent_portlet_kit::{Ctx, Identity, Link, PortletError};

use crate::App;
use crate::access;
use crate::texts::{Texts, texts};
use crate::views::when;

/// Messages shown on the card.
const SHOWN: i64 = 3;

#[derive(Template)]
#[template(path = "summary.html")]
struct SummaryPage {
    t: &'static Texts,
    unread: String,
    items: Items,
    lines: Vec<(String, String)>,
    inbox_href: String,
    new_href: String,
}

pub async fn summary(State(state): State<App>, who: Identity, ctx: Ctx) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let hidden = state.store.schools_off(who.profile).await?;
    let unread = state.store.unread_count(&who.sub, &hidden).await?;
    let items = state
        .store
        .latest_received(&who.sub, &hidden, SHOWN)
        .await?
        .into_iter()
        .map(|(m, is_unread)| Item {
            href: ctx.href(&Link::to(format!("/view/c/{}", m.conversation_id.as_deref().unwrap_or("")))),
            title: if m.subject.is_empty() { t.no_subject.into() } else { m.subject.clone() },
            meta: format!("{} · {}", m.author_name, when(m.sent_at.unwrap_or(m.created_at), ctx.lang)),
            badges: if is_unread { vec![Badge::warn(t.new_badge)] } else { Vec::new() },
        })
        .collect();
    let mut lines = Vec::new();
    let mut waiting = 0;
    for school in access::reviewed_schools(&who) {
        waiting += state.store.held(&school).await?.iter().filter(|m| access::can_review(&who, m)).count();
    }
    if waiting > 0 {
        lines.push((ctx.href(&Link::to("/view/review")), t.review_waiting(waiting)));
    }
    let mut reported = 0;
    for school in who.directed_schools() {
        reported += state.store.open_reports(school).await?.len();
    }
    if reported > 0 {
        lines.push((ctx.href(&Link::to("/view/reports")), t.reports_waiting(reported)));
    }
    views::page(&SummaryPage {
        t,
        unread: if unread > 0 { t.unread_summary(unread) } else { t.no_unread.into() },
        items: Items { items, empty: t.inbox_empty.into() },
        lines,
        inbox_href: ctx.href(&Link::to("/view/inbox")),
        new_href: ctx.href(&Link::to("/view/new")),
    })
}
