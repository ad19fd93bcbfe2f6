//! The diary's read views: a class's week (Monday–Friday, with previous and next weeks), one
//! day, and "à faire" (what is due from today, by due day). The tabs are the diaries the person
//! may open (classes; children for a parent); asking for any other is 404.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::response::Response;
use ent_portlet_kit::access::{self as choose, Choice};
use ent_portlet_kit::views::{self, Anchor, Badge, Day, Days, Layout, Pagination, Tab, Tabs};
use ent_portlet_kit::{Ctx, Identity, Link, PortletError, Profile};
use serde::Deserialize;

use crate::App;
use crate::access::{self, EntryAccess};
use crate::store::{DueItem, Entry};
use crate::templates::{self, DiaryPage, DueGroup, DueView, EntryView, Mode};
use crate::texts::{Texts, texts};
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

/// A view (`week`, `day`, `due`, `entries/new`) of a diary on a day: a link in a page, or where
/// a post sends the browser.
pub fn view_link(view: &str, choice: Option<&Choice>, day: Option<Date>) -> Link {
    Link::to(format!("/view/{view}")).choice(choice).q_opt("date", day.map(|d| d.iso()))
}

/// What every view starts with: the diaries one may open and the one asked for.
struct Opened {
    choices: Vec<Choice>,
    selected: Option<Choice>,
}

async fn open(state: &App, who: &Identity, ctx: &Ctx, q: &ViewQuery) -> Result<Opened, PortletError> {
    access::require_diary(who, ctx)?;
    let choices = access::readable(state, who).await?;
    let selected = choose::select(&choices, q.class.as_deref(), q.child.as_deref(), ctx.lang)?.cloned();
    Ok(Opened { choices, selected })
}

fn page(ctx: &Ctx, t: &'static Texts, who: &Identity, opened: &Opened, mode: Mode, day: Date) -> DiaryPage {
    let view = match mode {
        Mode::Week => "week",
        Mode::Day => "day",
        Mode::Due => "due",
    };
    let dated = |m: Mode| (m != Mode::Due).then_some(day);
    let selected = opened.selected.as_ref();
    let tabs = if opened.choices.len() > 1 || who.profile == Profile::Parent {
        opened
            .choices
            .iter()
            .map(|c| Tab {
                label: c.label(ctx.lang),
                href: ctx.href(&view_link(view, Some(c), dated(mode))),
                current: selected == Some(c),
            })
            .collect()
    } else {
        Vec::new()
    };
    let mode_tab = |m: Mode, name: &str, words: &str| Tab {
        label: words.to_string(),
        href: ctx.href(&view_link(name, selected, dated(m))),
        current: m == mode,
    };
    let modes = vec![
        mode_tab(Mode::Week, "week", t.week),
        mode_tab(Mode::Day, "day", t.day),
        mode_tab(Mode::Due, "due", t.to_do),
    ];
    let title = match selected {
        Some(c) => t.diary_of(&c.label(ctx.lang)),
        None => t.diary.to_string(),
    };
    let write_href = selected
        .filter(|c| who.can_write_class(&c.class.id, &c.class.school))
        .map(|c| ctx.href(&view_link("entries/new", Some(c), Some(day.school_day_from()))));
    let empty = selected.is_none().then(|| empty_text(t, who));
    DiaryPage {
        t,
        title,
        heading: String::new(),
        tabs: Tabs::new(if who.profile == Profile::Parent { t.children } else { t.classes }, tabs),
        modes: Tabs::new(t.view_modes, modes),
        mode,
        pagination: Pagination::default(),
        write_href,
        days: None,
        due_groups: Vec::new(),
        empty,
    }
}

/// The polite words when there is no diary to show.
fn empty_text(t: &Texts, who: &Identity) -> String {
    match who.profile {
        Profile::Teacher => t.no_class_teacher,
        Profile::Director => t.no_class_school,
        _ => t.no_diary,
    }
    .to_string()
}

fn day_cell(
    ctx: &Ctx,
    t: &'static Texts,
    who: &Identity,
    entries: &[Entry],
    due: &[DueItem],
    day: Date,
    today: Date,
) -> Result<Day, PortletError> {
    let entries = entries
        .iter()
        .filter(|e| e.content.day == day)
        .map(|e| EntryView::new(ctx, e, access::entry_access(who, e) == EntryAccess::Write))
        .collect();
    let due = due.iter().filter(|d| d.due == day).map(|d| DueView::new(ctx.lang, d)).collect();
    Ok(Day {
        iso: day.iso(),
        label: day.long(ctx.lang),
        badge: (day == today).then(|| Badge::plain(t.today)),
        body: templates::day_body(t, entries, due)?,
    })
}

/// GET /view/week?class=|child=&date= — the school week holding `date` (this week by default).
pub async fn week(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Query(q): Query<ViewQuery>,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let today = state.today();
    let opened = open(&state, &who, &ctx, &q).await?;
    let day = q.day(today)?;
    let mut p = page(&ctx, t, &who, &opened, Mode::Week, day);
    if let Some(c) = &opened.selected {
        let week = day.school_week();
        let entries = state.store.class_entries(&c.class.id, week[0], week[4]).await?;
        let due = state.store.class_due(&c.class.id, week[0], week[4], DUE_LIMIT).await?;
        p.heading = t.week_of(&week[0].long(ctx.lang));
        let days = week.iter().map(|d| day_cell(&ctx, t, &who, &entries, &due, *d, today)).collect::<Result<_, _>>()?;
        p.days = Some(Days { layout: Layout::Week, days });
        let (prev, next) = (week[0].add_days(-7), week[0].add_days(7));
        p.pagination = Pagination {
            label: t.weeks.into(),
            previous: Some(Anchor {
                label: t.previous_week.into(),
                href: ctx.href(&view_link("week", Some(c), Some(prev))),
            }),
            next: Some(Anchor { label: t.next_week.into(), href: ctx.href(&view_link("week", Some(c), Some(next))) }),
        };
    }
    views::page(&p)
}

/// GET /view/day?class=|child=&date= — one day (today by default).
pub async fn day(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Query(q): Query<ViewQuery>,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let today = state.today();
    let opened = open(&state, &who, &ctx, &q).await?;
    let day = q.day(today)?;
    let mut p = page(&ctx, t, &who, &opened, Mode::Day, day);
    if let Some(c) = &opened.selected {
        let entries = state.store.class_entries(&c.class.id, day, day).await?;
        let due = state.store.class_due(&c.class.id, day, day, DUE_LIMIT).await?;
        p.heading = day.long(ctx.lang);
        p.days = Some(Days { layout: Layout::Day, days: vec![day_cell(&ctx, t, &who, &entries, &due, day, today)?] });
        let (prev, next) = (day.previous_school_day(), day.next_school_day());
        p.pagination = Pagination {
            label: t.days.into(),
            previous: Some(Anchor {
                label: prev.short(ctx.lang),
                href: ctx.href(&view_link("day", Some(c), Some(prev))),
            }),
            next: Some(Anchor { label: next.short(ctx.lang), href: ctx.href(&view_link("day", Some(c), Some(next))) }),
        };
    }
    views::page(&p)
}

/// GET /view/due?class=|child= — what is due from today, by due day.
pub async fn due(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Query(q): Query<ViewQuery>,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let today = state.today();
    let opened = open(&state, &who, &ctx, &q).await?;
    let mut p = page(&ctx, t, &who, &opened, Mode::Due, today);
    if let Some(c) = &opened.selected {
        let items = state.store.class_due(&c.class.id, today, today.add_days(DUE_DAYS_AHEAD), DUE_LIMIT).await?;
        let mut groups: BTreeMap<Date, Vec<DueView>> = BTreeMap::new();
        for i in &items {
            groups.entry(i.due).or_default().push(DueView::new(ctx.lang, i));
        }
        p.heading = t.due_from_today.to_string();
        p.due_groups = groups
            .into_iter()
            .map(|(d, items)| DueGroup {
                iso: d.iso(),
                label: d.long(ctx.lang),
                badge: templates::relative_day(t, today, d).map(Badge::warn),
                items,
            })
            .collect();
    }
    views::page(&p)
}
