//! One event (`GET /view/events/{id}?date=`): what, when (the occurrence asked for, or the
//! first), how it repeats, its exceptions, where, its description, whose agenda it is in and
//! who wrote it (class and school events only). Those who may write it get the links to edit
//! it, delete it, or remove the one occurrence shown. An event one may not read is 404.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::NaiveDate;
use ent_portlet_kit::views::{self, paragraphs};
use ent_portlet_kit::{Ctx, Identity, Lang, Link, PortletError};
use serde::Deserialize;

use crate::App;
use crate::access::Reach;
use crate::days;
use crate::model::{Event, EventId, Scope, When};
use crate::recurrence::Window;
use crate::templates::EventPage;
use crate::texts::texts;
use crate::views::week_of;
use crate::words;

/// Which occurrence: the day it starts on.
#[derive(Debug, Default, Deserialize)]
pub struct OccurrenceQuery {
    pub date: Option<String>,
}

/// What one may do with an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Right {
    Read,
    Write,
}

/// The event, if this person may read it (404 otherwise, whether it exists or not), and whether
/// they may change it.
pub async fn load(
    state: &App,
    reach: &Reach,
    who: &Identity,
    lang: Lang,
    id: &str,
) -> Result<(Event, Right), PortletError> {
    let id = EventId::parse(id).ok_or(PortletError::NotFound(lang))?;
    let event = state.store.get(&id).await?.ok_or(PortletError::NotFound(lang))?;
    if reach.can_write(who, &event.scope) {
        Ok((event, Right::Write))
    } else if reach.can_read(&event.scope) {
        Ok((event, Right::Read))
    } else {
        Err(PortletError::NotFound(lang))
    }
}

/// The event, if this person may change it: 404 when they may not read it, 403 when they may
/// only read it.
pub async fn load_to_write(
    state: &App,
    reach: &Reach,
    who: &Identity,
    lang: Lang,
    id: &str,
) -> Result<Event, PortletError> {
    match load(state, reach, who, lang, id).await? {
        (event, Right::Write) => Ok(event),
        (_, Right::Read) => Err(PortletError::Forbidden(lang)),
    }
}

/// The occurrence of `event` that starts on `day`, if it has one.
pub fn occurrence_on(event: &Event, day: NaiveDate) -> Option<When> {
    let found = event.content.schedule.occurrences(&Window::day(day)).occurrences;
    found.into_iter().find(|w| w.first_day() == day)
}

/// GET /view/events/{id}?date=
pub async fn show(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<OccurrenceQuery>,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let reach = Reach::of(&state, &who, ctx.lang).await?;
    let (event, right) = load(&state, &reach, &who, ctx.lang, &id).await?;
    let schedule = &event.content.schedule;
    let asked = q.date.as_deref().and_then(ent_portlet_kit::Date::parse).map(days::naive);
    let shown = asked.and_then(|d| occurrence_on(&event, d));
    let when = shown.clone().unwrap_or_else(|| schedule.when().clone());
    let datetime = match &when {
        When::AllDay { first, .. } => first.to_string(),
        When::Timed { start, .. } => start.to_rfc3339(),
    };
    let exceptions: Vec<String> = schedule.exceptions().iter().map(|d| days::short(*d, ctx.lang)).collect();
    let author = match event.scope {
        Scope::Personal(_) => None,
        _ => Some(event.author.name()).filter(|n| !n.is_empty()).map(|n| t.written_by(n)),
    };
    let writable = right == Right::Write;
    let base = format!("/view/events/{}", event.id);
    let skip = match (&shown, schedule.recurrence()) {
        (Some(w), Some(_)) if writable => Some((
            ctx.href(&Link::to(format!("{base}/skip"))),
            w.first_day().to_string(),
            t.skip_this_day(&days::short(w.first_day(), ctx.lang)),
        )),
        _ => None,
    };
    let page = EventPage {
        t,
        ctx: &ctx,
        title: event.content.title.to_string(),
        scope: reach.label(&event.scope, t),
        when: words::when(&when, t),
        datetime,
        repeats: words::repeats(schedule, t),
        exceptions: exceptions.join(", "),
        place: event.content.place.as_ref().map(|p| p.to_string()),
        paragraphs: event.content.description.as_ref().map(|d| paragraphs(d.as_str())).unwrap_or_default(),
        author,
        back_href: ctx.href(&week_of(&reach, &event.scope, when.first_day())),
        edit_href: writable.then(|| ctx.href(&Link::to(format!("{base}/edit")))),
        delete_action: writable.then(|| ctx.href(&Link::to(format!("{base}/delete")))),
        skip,
    };
    views::page(&page)
}
