//! The diary's read views: a class's week (Monday–Friday, with previous and next weeks), one
//! day, and "à faire" (what is due from today, by due day). The tabs are the diaries the person
//! may open (classes; children for a parent); asking for any other is 404.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::response::Response;
use ent_portlet_kit::{Ctx, Identity, PortletError, Profile, html};
use serde::Deserialize;

use crate::HomeworkState;
use crate::access::{self, Choice, EntryAccess};
use crate::store::{DueItem, Entry};
use crate::templates::{self, DayView, DiaryPage, DueGroup, DueView, EntryView, Link, Mode, Tab};
use ent_portlet_kit::calendar::Date;

/// How far ahead "à faire" looks, and how many lines it shows at most.
const DUE_DAYS_AHEAD: i64 = 60;
const DUE_LIMIT: i64 = 200;

/// The query of every view: which diary (`class=` or, for a parent, `child=`) and which day.
#[derive(Debug, Default, Deserialize)]
pub struct ViewQuery {
    pub class: Option<String>,
    pub child: Option<String>,
    pub date: Option<String>,
}

impl ViewQuery {
    /// The day asked for, today when none; a malformed one is a bad request.
    fn day(&self, today: Date) -> Result<Date, PortletError> {
        match self.date.as_deref().filter(|d| !d.is_empty()) {
            None => Ok(today),
            Some(d) => Date::parse(d).ok_or_else(|| PortletError::BadRequest("date".into())),
        }
    }
}

/// A link to a view for a diary and a day.
pub fn view_href(ctx: &Ctx, view: &str, choice: Option<&Choice>, day: Option<Date>) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    if let Some(c) = choice {
        q.append_pair(c.key, &c.value);
    }
    if let Some(d) = day {
        q.append_pair("date", &d.iso());
    }
    let q = q.finish();
    if q.is_empty() { ctx.link(&format!("/{view}")) } else { ctx.link(&format!("/{view}?{q}")) }
}

/// What every view starts with: the diaries one may open and the one asked for.
struct Opened {
    choices: Vec<Choice>,
    selected: Option<Choice>,
}

async fn open(state: &HomeworkState, who: &Identity, ctx: &Ctx, q: &ViewQuery) -> Result<Opened, PortletError> {
    access::require_diary(who, ctx)?;
    let choices = access::readable(&state.store, who).await?;
    let selected = access::select(&choices, q.class.as_deref(), q.child.as_deref(), ctx)?.cloned();
    Ok(Opened { choices, selected })
}

fn page<'a>(ctx: &'a Ctx, who: &Identity, opened: &Opened, mode: Mode, day: Date) -> DiaryPage<'a> {
    let view = match mode {
        Mode::Week => "week",
        Mode::Day => "day",
        Mode::Due => "due",
    };
    let selected = opened.selected.as_ref();
    let tabs = if opened.choices.len() > 1 || who.profile == Profile::Parent {
        opened
            .choices
            .iter()
            .map(|c| Tab {
                label: c.label(ctx),
                href: view_href(ctx, view, Some(c), (mode != Mode::Due).then_some(day)),
                current: selected == Some(c),
            })
            .collect()
    } else {
        Vec::new()
    };
    let mode_tab = |m: Mode, name: &str, fr: &str, en: &str| Tab {
        label: ctx.t(fr, en).to_string(),
        href: view_href(ctx, name, selected, (m != Mode::Due).then_some(day)),
        current: m == mode,
    };
    let modes = vec![
        mode_tab(Mode::Week, "week", "Semaine", "Week"),
        mode_tab(Mode::Day, "day", "Jour", "Day"),
        mode_tab(Mode::Due, "due", "À faire", "To do"),
    ];
    let title = match selected {
        Some(c) => format!("{} · {}", ctx.t("Cahier de textes", "Homework diary"), c.label(ctx)),
        None => ctx.t("Cahier de textes", "Homework diary").to_string(),
    };
    let write_href = selected
        .filter(|c| who.can_write_class(&c.class_id, &c.school))
        .map(|c| view_href(ctx, "entries/new", Some(c), Some(day.school_day_from())));
    let empty = selected.is_none().then(|| empty_text(ctx, who));
    DiaryPage {
        ctx,
        title,
        heading: String::new(),
        tabs_label: if who.profile == Profile::Parent {
            ctx.t("Enfants", "Children").to_string()
        } else {
            ctx.t("Classes", "Classes").to_string()
        },
        tabs,
        modes,
        mode,
        previous: None,
        next: None,
        write_href,
        days: Vec::new(),
        due_groups: Vec::new(),
        empty,
    }
}

/// The polite words when there is no diary to show.
fn empty_text(ctx: &Ctx, who: &Identity) -> String {
    match who.profile {
        Profile::Teacher => ctx.t("Vous n'avez pas de classe pour le moment.", "You have no class for now."),
        Profile::Director => ctx.t(
            "Aucune classe de l'école n'a encore de cahier de textes.",
            "No class of the school has a homework diary yet.",
        ),
        _ => ctx.t("Aucun cahier de textes pour le moment.", "No homework diary for now."),
    }
    .to_string()
}

fn entry_views(ctx: &Ctx, who: &Identity, entries: &[Entry], day: Date) -> Vec<EntryView> {
    entries
        .iter()
        .filter(|e| e.content.day == day)
        .map(|e| EntryView::new(ctx, e, access::entry_access(who, e) == EntryAccess::Write))
        .collect()
}

fn day_view(ctx: &Ctx, who: &Identity, entries: &[Entry], due: &[DueItem], day: Date, today: Date) -> DayView {
    DayView {
        iso: day.iso(),
        label: day.long(ctx.lang),
        is_today: day == today,
        entries: entry_views(ctx, who, entries, day),
        due: due.iter().filter(|d| d.due == day).map(|d| DueView::new(ctx.lang, d)).collect(),
    }
}

/// GET /view/week?class=|child=&date= — the school week holding `date` (this week by default).
pub async fn week(
    State(state): State<HomeworkState>,
    who: Identity,
    ctx: Ctx,
    Query(q): Query<ViewQuery>,
) -> Result<Response, PortletError> {
    let today = state.today();
    let opened = open(&state, &who, &ctx, &q).await?;
    let day = q.day(today)?;
    let mut p = page(&ctx, &who, &opened, Mode::Week, day);
    if let Some(c) = &opened.selected {
        let week = day.school_week();
        let entries = state.store.class_entries(&c.class_id, week[0], week[4]).await?;
        let due = state.store.class_due(&c.class_id, week[0], week[4], DUE_LIMIT).await?;
        p.heading = format!("{} {}", ctx.t("Semaine du", "Week of"), week[0].long(ctx.lang));
        p.days = week.iter().map(|d| day_view(&ctx, &who, &entries, &due, *d, today)).collect();
        let (prev, next) = (week[0].add_days(-7), week[0].add_days(7));
        p.previous = Some(Link {
            label: ctx.t("Semaine précédente", "Previous week").into(),
            href: view_href(&ctx, "week", Some(c), Some(prev)),
        });
        p.next = Some(Link {
            label: ctx.t("Semaine suivante", "Next week").into(),
            href: view_href(&ctx, "week", Some(c), Some(next)),
        });
    }
    Ok(html(templates::render(&p)?))
}

/// GET /view/day?class=|child=&date= — one day (today by default).
pub async fn day(
    State(state): State<HomeworkState>,
    who: Identity,
    ctx: Ctx,
    Query(q): Query<ViewQuery>,
) -> Result<Response, PortletError> {
    let today = state.today();
    let opened = open(&state, &who, &ctx, &q).await?;
    let day = q.day(today)?;
    let mut p = page(&ctx, &who, &opened, Mode::Day, day);
    if let Some(c) = &opened.selected {
        let entries = state.store.class_entries(&c.class_id, day, day).await?;
        let due = state.store.class_due(&c.class_id, day, day, DUE_LIMIT).await?;
        p.heading = day.long(ctx.lang);
        p.days = vec![day_view(&ctx, &who, &entries, &due, day, today)];
        let (prev, next) = (day.previous_school_day(), day.next_school_day());
        p.previous = Some(Link { label: prev.short(ctx.lang), href: view_href(&ctx, "day", Some(c), Some(prev)) });
        p.next = Some(Link { label: next.short(ctx.lang), href: view_href(&ctx, "day", Some(c), Some(next)) });
    }
    Ok(html(templates::render(&p)?))
}

/// GET /view/due?class=|child= — what is due from today, by due day.
pub async fn due(
    State(state): State<HomeworkState>,
    who: Identity,
    ctx: Ctx,
    Query(q): Query<ViewQuery>,
) -> Result<Response, PortletError> {
    let today = state.today();
    let opened = open(&state, &who, &ctx, &q).await?;
    let mut p = page(&ctx, &who, &opened, Mode::Due, today);
    if let Some(c) = &opened.selected {
        let items = state.store.class_due(&c.class_id, today, today.add_days(DUE_DAYS_AHEAD), DUE_LIMIT).await?;
        let mut groups: BTreeMap<Date, Vec<DueView>> = BTreeMap::new();
        for i in &items {
            groups.entry(i.due).or_default().push(DueView::new(ctx.lang, i));
        }
        p.heading = ctx.t("Travail à faire à partir d'aujourd'hui", "Homework due from today").to_string();
        p.due_groups = groups
            .into_iter()
            .map(|(d, items)| DueGroup {
                iso: d.iso(),
                label: d.long(ctx.lang),
                badge: templates::relative_day(ctx.lang, today, d),
                items,
            })
            .collect();
    }
    Ok(html(templates::render(&p)?))
}
