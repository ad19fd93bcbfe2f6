//! The agenda's views: a week (Monday to Friday, and the weekend when something is on it) and a
//! month (the days with something on them), of the person's own agenda or of one tab (a class,
//! a parent's child: that class's events and its school's), with the school holidays of the
//! period. Asking for a tab one may not open is 404. Each occurrence links to its event on the
//! day it starts, and carries its start in a `<time datetime>`.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Datelike, Duration, NaiveDate};
use ent_portlet_kit::access::Choice;
use ent_portlet_kit::views::{self, Anchor, Badge, Day, Days, Layout, Pagination, Tab, Tabs};
use ent_portlet_kit::{Ctx, Identity, Link, PortletError};
use serde::Deserialize;

use crate::App;
use crate::access::{Reach, scope_value, selected};
use crate::agenda::Agenda;
use crate::days;
use crate::holidays::{self, HolidayPeriod};
use crate::model::{Scope, When};
use crate::recurrence::Window;
use crate::templates::{self, AgendaPage, Mode, OccurrenceLine};
use crate::texts::{Texts, texts};
use crate::words;

/// The query of the views: which tab (`class=` or, for a parent, `child=`; none: the person's
/// own agenda), which week (`date=`) or month (`month=YYYY-MM`).
#[derive(Debug, Default, Deserialize)]
pub struct ViewQuery {
    pub class: Option<String>,
    pub child: Option<String>,
    pub date: Option<String>,
    pub month: Option<String>,
}

impl ViewQuery {
    /// The day asked for, today when none; a malformed one is a bad request.
    fn day(&self, today: NaiveDate) -> Result<NaiveDate, PortletError> {
        match self.date.as_deref().filter(|d| !d.is_empty()) {
            None => Ok(today),
            Some(d) => {
                ent_portlet_kit::Date::parse(d).map(days::naive).ok_or_else(|| PortletError::BadRequest("date".into()))
            }
        }
    }

    /// The first day of the month asked for, this month when none.
    fn month(&self, today: NaiveDate) -> Result<NaiveDate, PortletError> {
        match self.month.as_deref().filter(|m| !m.is_empty()) {
            None => Ok(today.with_day(1).unwrap_or(today)),
            Some(m) => days::parse_month(m).ok_or_else(|| PortletError::BadRequest("month".into())),
        }
    }
}

/// A view of a tab: a link in a page, or where a post sends the browser.
pub fn view_link(view: &str, choice: Option<&Choice>) -> Link {
    Link::to(format!("/view/{view}")).choice(choice)
}

/// The week holding `day`, in the tab that shows `scope` (the person's own agenda when it is in
/// it): where a post about an event sends the browser.
pub fn week_of(reach: &Reach, scope: &Scope, day: NaiveDate) -> Link {
    let tab = match scope {
        Scope::Class(id) if !reach.own().contains(scope) => Some(id.to_string()),
        _ => None,
    };
    Link::to("/view/week").q_opt("class", tab).q("date", day.to_string())
}

/// The link to an event, on the day of one of its occurrences.
pub fn event_link(id: &str, day: NaiveDate) -> Link {
    Link::to(format!("/view/events/{id}")).q("date", day.to_string())
}

/// How an occurrence reads on `day` (its first day, or a later day it covers).
pub fn line(
    ctx: &Ctx,
    t: &Texts,
    reach: &Reach,
    event: &crate::model::Event,
    when: &When,
    day: NaiveDate,
) -> OccurrenceLine {
    let first = when.first_day();
    let (datetime, said) = match when {
        When::AllDay { first, last } => {
            let said = if first == last {
                t.all_day.to_string()
            } else if day == *first {
                t.until_short(&days::short(*last, ctx.lang))
            } else if day == *last {
                t.last_day_of_it.to_string()
            } else {
                t.continued.to_string()
            };
            (first.to_string(), said)
        }
        When::Timed { start, end } => {
            let said = if start.date_naive() == end.date_naive() || when.last_day() == start.date_naive() {
                format!("{}–{}", days::clock(start), days::clock(end))
            } else if day == first {
                t.from_then_until(
                    &days::clock(start),
                    &format!("{} {}", days::short(end.date_naive(), ctx.lang), days::clock(end)),
                )
            } else {
                t.until_time(&days::clock(end))
            };
            (start.to_rfc3339(), said)
        }
    };
    OccurrenceLine {
        href: ctx.href(&event_link(event.id.as_str(), first)),
        title: event.content.title.to_string(),
        datetime,
        when: said,
        place: event.content.place.as_ref().map(|p| p.to_string()),
        scope: reach.label(&event.scope, t),
    }
}

/// The lines of each day of `first..=last` (an occurrence over several days is on each).
fn lines_by_day(
    ctx: &Ctx,
    t: &Texts,
    reach: &Reach,
    agenda: &Agenda,
    first: NaiveDate,
    last: NaiveDate,
) -> BTreeMap<NaiveDate, Vec<OccurrenceLine>> {
    let mut out: BTreeMap<NaiveDate, Vec<OccurrenceLine>> = BTreeMap::new();
    for (event, when) in agenda.iter() {
        let mut day = when.first_day().max(first);
        while day <= when.last_day().min(last) {
            out.entry(day).or_default().push(line(ctx, t, reach, event, when, day));
            day += Duration::days(1);
        }
    }
    out
}

/// What every view starts with: what the person reaches, the tab asked for.
async fn open(state: &App, who: &Identity, ctx: &Ctx, q: &ViewQuery) -> Result<(Reach, Option<Choice>), PortletError> {
    let reach = Reach::of(state, who, ctx.lang).await?;
    let choice = selected(&reach, q.class.as_deref(), q.child.as_deref(), ctx.lang)?.cloned();
    crate::subscription::refresh(state, &reach).await?;
    Ok((reach, choice))
}

/// The scopes a tab shows.
fn scopes_of(reach: &Reach, choice: Option<&Choice>) -> Vec<Scope> {
    match choice {
        Some(c) => reach.of_choice(c),
        None => reach.own(),
    }
}

/// The page around a week or a month: title, tabs, modes, actions.
fn page(
    ctx: &Ctx,
    t: &'static Texts,
    who: &Identity,
    reach: &Reach,
    choice: Option<&Choice>,
    mode: Mode,
    day: NaiveDate,
) -> AgendaPage {
    let at = |link: Link| match mode {
        Mode::Week => link.q("date", day.to_string()),
        Mode::Month => link.q("month", days::month_key(day)),
    };
    let view = match mode {
        Mode::Week => "week",
        Mode::Month => "month",
    };
    let mut tabs = Vec::new();
    if !reach.choices.is_empty() {
        tabs.push(Tab {
            label: t.my_agenda.into(),
            href: ctx.href(&at(view_link(view, None))),
            current: choice.is_none(),
        });
        for c in &reach.choices {
            tabs.push(Tab {
                label: c.label(ctx.lang),
                href: ctx.href(&at(view_link(view, Some(c)))),
                current: choice == Some(c),
            });
        }
    }
    let modes = vec![
        Tab {
            label: t.week.into(),
            href: ctx.href(&view_link("week", choice).q("date", day.to_string())),
            current: mode == Mode::Week,
        },
        Tab {
            label: t.month.into(),
            href: ctx.href(&view_link("month", choice).q("month", days::month_key(day))),
            current: mode == Mode::Month,
        },
    ];
    // Adding an event: in the tab's class when one may write there.
    let here = choice.and_then(|c| reach.of_choice(c).into_iter().find(|s| matches!(s, Scope::Class(_))));
    let add = Link::to("/view/events/new")
        .q_opt("scope", here.filter(|s| reach.can_write(who, s)).map(|s| scope_value(&s)))
        .q("date", day.to_string());
    let mut actions = vec![Anchor { label: t.add_event.into(), href: ctx.href(&add) }];
    if reach.targets(who, t).iter().any(|target| !matches!(target.scope, Scope::Personal(_))) {
        actions.push(Anchor { label: t.import_ics.into(), href: ctx.href(&Link::to("/view/import")) });
    }
    if !reach.directed.is_empty() {
        actions.push(Anchor { label: t.school_holidays.into(), href: ctx.href(&Link::to("/view/holidays")) });
    }
    actions.push(Anchor { label: t.subscribe.into(), href: ctx.href(&Link::to("/view/subscription")) });
    let title = match choice {
        Some(c) => t.agenda_of(&c.label(ctx.lang)),
        None => t.my_agenda.to_string(),
    };
    AgendaPage {
        title,
        tabs: Tabs::new(t.agendas, tabs),
        modes: Tabs::new(t.view_modes, modes),
        heading: String::new(),
        pagination: Pagination::default(),
        actions,
        notices: Vec::new(),
        week: None,
        month: Vec::new(),
        empty: None,
    }
}

/// The holidays of the scopes' schools over `first..=last`, as notices, and the periods.
async fn holidays_of(
    state: &App,
    t: &Texts,
    scopes: &[Scope],
    first: NaiveDate,
    last: NaiveDate,
) -> Result<(Vec<String>, Vec<HolidayPeriod>), PortletError> {
    let periods = state.store.holidays_between(&Reach::schools(scopes), first, last).await?;
    Ok((periods.iter().map(|p| words::period(p, t)).collect(), periods))
}

fn day_cell(
    t: &'static Texts,
    lang: ent_portlet_kit::Lang,
    day: NaiveDate,
    today: NaiveDate,
    periods: &[HolidayPeriod],
    lines: Vec<OccurrenceLine>,
) -> Result<Day, PortletError> {
    let holiday = holidays::covering(periods, day).map(|p| p.name().to_string());
    Ok(Day {
        iso: day.to_string(),
        label: days::long(day, lang),
        badge: (day == today).then(|| Badge::plain(t.today)),
        body: templates::day_body(t, holiday, lines)?,
    })
}

/// GET /view/week?class=|child=&date= — the week holding `date` (this week by default).
pub async fn week(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Query(q): Query<ViewQuery>,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let today = days::naive(state.today());
    let day = q.day(today)?;
    let (reach, choice) = open(&state, &who, &ctx, &q).await?;
    let mut p = page(&ctx, t, &who, &reach, choice.as_ref(), Mode::Week, day);
    let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
    let sunday = monday + Duration::days(6);
    let scopes = scopes_of(&reach, choice.as_ref());
    let window = Window::days(monday, sunday).map_err(PortletError::internal)?;
    let agenda = state.store.agenda(&scopes, &window).await?;
    let mut by_day = lines_by_day(&ctx, t, &reach, &agenda, monday, sunday);
    let (notices, periods) = holidays_of(&state, t, &scopes, monday, sunday).await?;
    p.notices = notices;
    if agenda.truncated {
        p.notices.push(t.truncated.into());
    }
    let mut cells = Vec::new();
    for i in 0..7 {
        let d = monday + Duration::days(i);
        let lines = by_day.remove(&d).unwrap_or_default();
        // The weekend only when something is on it: school weeks are five days.
        if i >= 5 && lines.is_empty() {
            continue;
        }
        cells.push(day_cell(t, ctx.lang, d, today, &periods, lines)?);
    }
    p.heading = t.week_of(&days::long(monday, ctx.lang));
    p.week = Some(Days { layout: Layout::Week, days: cells });
    let choice = choice.as_ref();
    let (prev, next) = (monday - Duration::days(7), monday + Duration::days(7));
    p.pagination = Pagination {
        label: t.weeks.into(),
        previous: Some(Anchor {
            label: t.previous_week.into(),
            href: ctx.href(&view_link("week", choice).q("date", prev.to_string())),
        }),
        next: Some(Anchor {
            label: t.next_week.into(),
            href: ctx.href(&view_link("week", choice).q("date", next.to_string())),
        }),
    };
    views::page(&p)
}

/// GET /view/month?class=|child=&month=YYYY-MM — the days of a month with something on them.
pub async fn month(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Query(q): Query<ViewQuery>,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let today = days::naive(state.today());
    let first = q.month(today)?;
    let last = days::month_end(first);
    let (reach, choice) = open(&state, &who, &ctx, &q).await?;
    let mut p = page(&ctx, t, &who, &reach, choice.as_ref(), Mode::Month, first);
    let scopes = scopes_of(&reach, choice.as_ref());
    let window = Window::days(first, last).map_err(PortletError::internal)?;
    let agenda = state.store.agenda(&scopes, &window).await?;
    let (notices, periods) = holidays_of(&state, t, &scopes, first, last).await?;
    p.notices = notices;
    if agenda.truncated {
        p.notices.push(t.truncated.into());
    }
    for (d, lines) in lines_by_day(&ctx, t, &reach, &agenda, first, last) {
        p.month.push(day_cell(t, ctx.lang, d, today, &periods, lines)?);
    }
    if p.month.is_empty() {
        p.empty = Some(t.nothing_this_month.into());
    }
    p.heading = words::month(first, t);
    let choice = choice.as_ref();
    let prev = (first - Duration::days(1)).with_day(1).unwrap_or(first);
    let next = last + Duration::days(1);
    p.pagination = Pagination {
        label: t.months.into(),
        previous: Some(Anchor {
            label: words::month(prev, t),
            href: ctx.href(&view_link("month", choice).q("month", days::month_key(prev))),
        }),
        next: Some(Anchor {
            label: words::month(next, t),
            href: ctx.href(&view_link("month", choice).q("month", days::month_key(next))),
        }),
    };
    views::page(&p)
}
