//! The home page card (`GET /fragment/summary`): the day-before reminder (a notice of what
//! starts tomorrow in the person's agenda), the school holidays under way or about to start, and
//! the next days' occurrences (today's still to come, then a week ahead), each linking to its
//! event. Everyone has a card: staff, city agents and admins see their own events.

use axum::extract::State;
use axum::response::Response;
use chrono::Duration;
use ent_portlet_kit::views;
use ent_portlet_kit::{Ctx, Identity, Link, PortletError};

use crate::App;
use crate::access::Reach;
use crate::days;
use crate::recurrence::Window;
use crate::templates::{NextLine, SummaryPage};
use crate::texts::texts;
use crate::views::line;

/// How far ahead the card looks, in days after today.
const DAYS_AHEAD: i64 = 7;
/// Lines shown: a card is a glance, the views hold the rest.
const MAX_LINES: usize = 6;

/// GET /fragment/summary
pub async fn summary(State(state): State<App>, who: Identity, ctx: Ctx) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let reach = Reach::of(&state, &who, ctx.lang).await?;
    let scopes = reach.own();
    let today = days::naive(state.today());
    let tomorrow = today + Duration::days(1);
    let last = today + Duration::days(DAYS_AHEAD);
    let now = chrono::DateTime::from_timestamp(state.now(), 0).unwrap_or_default();
    let window = Window::days(today, last).map_err(PortletError::internal)?;
    let agenda = state.store.agenda(&scopes, &window).await?;

    let mut page = SummaryPage {
        t,
        tomorrow: Vec::new(),
        holiday: None,
        next: Vec::new(),
        more: 0,
        open_href: ctx.href(&Link::to("/view/week")),
    };
    for (event, when) in agenda.iter() {
        let first = when.first_day();
        if first == tomorrow {
            page.tomorrow.push(line(&ctx, t, &reach, event, when, first));
        }
        // What is over is no longer "next".
        if when.end_instant() <= now {
            continue;
        }
        if page.next.len() == MAX_LINES {
            page.more += 1;
            continue;
        }
        let shown = first.max(today);
        let day = if shown == today {
            t.today_cap.to_string()
        } else if shown == tomorrow {
            t.tomorrow_cap.to_string()
        } else {
            days::short(shown, ctx.lang)
        };
        page.next.push(NextLine { day, line: line(&ctx, t, &reach, event, when, shown) });
    }

    let periods = state.store.holidays_between(&Reach::schools(&scopes), today, last).await?;
    page.holiday = periods.first().map(|p| {
        if p.covers(today) {
            t.holidays_until(p.name(), &days::long(p.last(), ctx.lang))
        } else {
            t.holidays_from(p.name(), &days::long(p.first(), ctx.lang))
        }
    });
    views::page(&page)
}
