//! The home page card (`GET /fragment/summary`): for a pupil or a parent, what is due today and
//! on the next school day (per child for a parent) and how much is due this week; for a
//! teacher, today's entries per class with a link to write one; for a director, the number of
//! entries this week per class. Profiles without a diary get a polite empty state.

use axum::extract::State;
use axum::response::Response;
use ent_portlet_kit::access::Choice;
use ent_portlet_kit::views::{self, Anchor, paragraphs};
use ent_portlet_kit::{Ctx, Identity, Link, PortletError, Profile};

use crate::App;
use crate::access;
use crate::templates::{DirectorRow, FamilyBlock, SummaryPage, TeacherBlock};

use crate::texts::{Texts, texts};
use crate::views::view_link;
use ent_portlet_kit::calendar::Date;

/// Lines shown per block: a card is a glance, the views hold the rest.
const MAX_LINES: usize = 4;
/// Characters of an entry shown on a teacher's card.
const LINE_CHARS: usize = 80;

/// GET /fragment/summary
pub async fn summary(State(state): State<App>, who: Identity, ctx: Ctx) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let today = state.today();
    let mut page =
        SummaryPage { t, family: Vec::new(), teacher: Vec::new(), director: Vec::new(), empty: None, more: None };
    match who.profile {
        Profile::Pupil | Profile::Parent => {
            let choices = access::readable(&state, &who).await?;
            let labelled = who.profile == Profile::Parent;
            for c in &choices {
                page.family.push(family_block(&state, &ctx, t, c, today, labelled).await?);
            }
            if choices.is_empty() {
                page.empty = Some(t.no_diary.into());
            }
        }
        Profile::Teacher | Profile::Director => {
            let taught: Vec<Choice> =
                access::writable(&state, &who).await?.into_iter().filter(|c| who.is_teacher_of(&c.class.id)).collect();
            for c in &taught {
                page.teacher.push(teacher_block(&state, &ctx, t, c, today).await?);
            }
            if who.profile == Profile::Director {
                page.director = director_rows(&state, &who, &ctx, t, today).await?;
            }
            if page.teacher.is_empty() && page.director.is_empty() {
                page.empty = Some(t.no_class_has_diary.into());
            }
        }
        Profile::Staff | Profile::CityAgent | Profile::Admin => {
            page.empty = Some(t.nothing_for_profile.into());
        }
    }
    if who.has_class_content() && page.empty.is_none() {
        page.more = Some(Anchor { label: t.open_diary.into(), href: ctx.href(&Link::to("/view/week")) });
    }
    views::page(&page)
}

async fn family_block(
    state: &App,
    ctx: &Ctx,
    t: &Texts,
    c: &Choice,
    today: Date,
    labelled: bool,
) -> Result<FamilyBlock, PortletError> {
    let next = today.next_school_day();
    let week = today.school_week();
    let near = state.store.class_due(&c.class.id, today, next, 100).await?;
    let week_items = state.store.class_due(&c.class.id, week[0], week[4], 500).await?;
    let take = |day: Date| near.iter().filter(|i| i.due == day).take(MAX_LINES).map(|i| i.text.clone()).collect();
    let week_text = t.tasks_this_week(week_items.len());
    let next_label = if next == today.add_days(1) {
        t.due_tomorrow.to_string()
    } else {
        t.due_on_weekday(next.weekday_name(ctx.lang))
    };
    Ok(FamilyBlock {
        label: labelled.then(|| c.label(ctx.lang)),
        today: if today.is_school_day() { take(today) } else { Vec::new() },
        next: take(next),
        next_label,
        week_text,
        href: ctx.href(&view_link("due", Some(c), None)),
    })
}

async fn teacher_block(
    state: &App,
    ctx: &Ctx,
    t: &Texts,
    c: &Choice,
    today: Date,
) -> Result<TeacherBlock, PortletError> {
    let entries = state.store.class_entries(&c.class.id, today, today).await?;
    let today_text = t.entries_today(entries.len());
    let mut shown = Vec::new();
    for e in &entries {
        let first =
            paragraphs(&e.content.done).into_iter().next().or_else(|| e.content.items.first().map(|i| i.text.clone()));
        if let Some(line) = first {
            shown.push(shorten(&line));
        }
    }
    shown.truncate(MAX_LINES);
    Ok(TeacherBlock {
        class_name: c.label(ctx.lang),
        today_text,
        lines: shown,
        view_href: ctx.href(&view_link("week", Some(c), None)),
        write_href: ctx.href(&view_link("entries/new", Some(c), Some(today.school_day_from()))),
    })
}

async fn director_rows(
    state: &App,
    who: &Identity,
    ctx: &Ctx,
    t: &Texts,
    today: Date,
) -> Result<Vec<DirectorRow>, PortletError> {
    let week = today.school_week();
    let classes = access::writable(state, who).await?;
    let mut rows = Vec::new();
    for school in who.directed_schools() {
        let counts = state.store.school_counts(school, week[0], week[4]).await?;
        for c in classes.iter().filter(|c| c.class.school == school) {
            let n = counts.get(&c.class.id).copied().unwrap_or(0);
            rows.push(DirectorRow {
                class_name: c.label(ctx.lang),
                count_text: t.entries_this_week(n),
                href: ctx.href(&view_link("week", Some(c), None)),
            });
        }
    }
    Ok(rows)
}

/// The first [`LINE_CHARS`] characters, with an ellipsis when cut.
fn shorten(s: &str) -> String {
    if s.chars().count() <= LINE_CHARS {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(LINE_CHARS - 1).collect();
        out.push('…');
        out
    }
}
