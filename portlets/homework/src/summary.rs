//! The home page card (`GET /fragment/summary`): for a pupil or a parent, what is due today and
//! on the next school day (per child for a parent) and how much is due this week; for a
//! teacher, today's entries per class with a link to write one; for a director, the number of
//! entries this week per class. Profiles without a diary get a polite empty state.

use axum::extract::State;
use axum::response::Response;
use ent_portlet_kit::{Ctx, Identity, PortletError, Profile, html};

use crate::HomeworkState;
use crate::access::{self, Choice};
use crate::templates::{self, DirectorRow, FamilyBlock, Link, SummaryPage, TeacherBlock, lines};
use crate::views::view_href;
use ent_portlet_kit::calendar::Date;

/// Lines shown per block: a card is a glance, the views hold the rest.
const MAX_LINES: usize = 4;
/// Characters of an entry shown on a teacher's card.
const LINE_CHARS: usize = 80;

/// GET /fragment/summary
pub async fn summary(State(state): State<HomeworkState>, who: Identity, ctx: Ctx) -> Result<Response, PortletError> {
    let today = state.today();
    let mut page = SummaryPage {
        ctx: &ctx,
        family: Vec::new(),
        teacher: Vec::new(),
        director: Vec::new(),
        empty: None,
        more: None,
    };
    match who.profile {
        Profile::Pupil | Profile::Parent => {
            let choices = access::readable(&state.store, &who).await?;
            let labelled = who.profile == Profile::Parent;
            for c in &choices {
                page.family.push(family_block(&state, &ctx, c, today, labelled).await?);
            }
            if choices.is_empty() {
                page.empty = Some(ctx.t("Aucun cahier de textes pour le moment.", "No homework diary for now.").into());
            }
        }
        Profile::Teacher | Profile::Director => {
            let taught: Vec<Choice> = access::writable(&state.store, &who)
                .await?
                .into_iter()
                .filter(|c| who.is_teacher_of(&c.class_id))
                .collect();
            for c in &taught {
                page.teacher.push(teacher_block(&state, &ctx, c, today).await?);
            }
            if who.profile == Profile::Director {
                page.director = director_rows(&state, &who, &ctx, today).await?;
            }
            if page.teacher.is_empty() && page.director.is_empty() {
                page.empty = Some(
                    ctx.t("Aucune classe n'a encore de cahier de textes.", "No class has a homework diary yet.").into(),
                );
            }
        }
        Profile::Staff | Profile::CityAgent | Profile::Admin => {
            page.empty = Some(
                ctx.t(
                    "Le cahier de textes est réservé aux classes : rien à afficher ici.",
                    "The homework diary is for classes: nothing to show here.",
                )
                .into(),
            );
        }
    }
    if access::has_diary(&who) && page.empty.is_none() {
        page.more = Some(Link {
            label: ctx.t("Ouvrir le cahier de textes", "Open the homework diary").into(),
            href: ctx.link("/week"),
        });
    }
    Ok(html(templates::render(&page)?))
}

async fn family_block(
    state: &HomeworkState,
    ctx: &Ctx,
    c: &Choice,
    today: Date,
    labelled: bool,
) -> Result<FamilyBlock, PortletError> {
    let next = today.next_school_day();
    let week = today.school_week();
    let near = state.store.class_due(&c.class_id, today, next, 100).await?;
    let week_items = state.store.class_due(&c.class_id, week[0], week[4], 500).await?;
    let take = |day: Date| near.iter().filter(|i| i.due == day).take(MAX_LINES).map(|i| i.text.clone()).collect();
    let n = week_items.len();
    let week_text = match (n, ctx.lang) {
        (0, _) => ctx.t("Rien à faire cette semaine", "Nothing due this week").to_string(),
        (1, _) => ctx.t("1 travail à faire cette semaine", "1 task due this week").to_string(),
        (n, ent_portlet_kit::Lang::Fr) => format!("{n} travaux à faire cette semaine"),
        (n, ent_portlet_kit::Lang::En) => format!("{n} tasks due this week"),
    };
    let next_label = if next == today.add_days(1) {
        ctx.t("Pour demain", "Due tomorrow").to_string()
    } else {
        format!("{} {}", ctx.t("Pour", "Due"), next.weekday_name(ctx.lang))
    };
    Ok(FamilyBlock {
        label: labelled.then(|| c.label(ctx)),
        today: if today.is_school_day() { take(today) } else { Vec::new() },
        next: take(next),
        next_label,
        week_text,
        href: view_href(ctx, "due", Some(c), None),
    })
}

async fn teacher_block(
    state: &HomeworkState,
    ctx: &Ctx,
    c: &Choice,
    today: Date,
) -> Result<TeacherBlock, PortletError> {
    let entries = state.store.class_entries(&c.class_id, today, today).await?;
    let today_text = match entries.len() {
        0 => ctx.t("rien d'écrit aujourd'hui", "nothing written today").to_string(),
        1 => ctx.t("1 séance aujourd'hui", "1 entry today").to_string(),
        n => format!("{n} {}", ctx.t("séances aujourd'hui", "entries today")),
    };
    let mut shown = Vec::new();
    for e in &entries {
        let first =
            lines(&e.content.done).into_iter().next().or_else(|| e.content.items.first().map(|i| i.text.clone()));
        if let Some(line) = first {
            shown.push(shorten(&line));
        }
    }
    shown.truncate(MAX_LINES);
    Ok(TeacherBlock {
        class_name: c.label(ctx),
        today_text,
        lines: shown,
        view_href: view_href(ctx, "week", Some(c), None),
        write_href: view_href(ctx, "entries/new", Some(c), Some(today.school_day_from())),
    })
}

async fn director_rows(
    state: &HomeworkState,
    who: &Identity,
    ctx: &Ctx,
    today: Date,
) -> Result<Vec<DirectorRow>, PortletError> {
    let week = today.school_week();
    let classes = access::writable(&state.store, who).await?;
    let mut rows = Vec::new();
    for school in who.directed_schools() {
        let counts = state.store.school_counts(school, week[0], week[4]).await?;
        for c in classes.iter().filter(|c| c.school == school) {
            let n = counts.get(&c.class_id).copied().unwrap_or(0);
            let count_text = match n {
                0 => ctx.t("aucune séance cette semaine", "no entry this week").to_string(),
                1 => ctx.t("1 séance cette semaine", "1 entry this week").to_string(),
                n => format!("{n} {}", ctx.t("séances cette semaine", "entries this week")),
            };
            rows.push(DirectorRow {
                class_name: c.label(ctx),
                count_text,
                href: view_href(ctx, "week", Some(c), None),
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
