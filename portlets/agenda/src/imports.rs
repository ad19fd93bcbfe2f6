//! Files brought into the agenda: an `.ics` calendar into a class's or a school's agenda (for
//! those who write there), and a school's holidays from the ministry's open-data calendar (CSV)
//! or an `.ics` (for its director). The answer to an accepted file is the report of what it
//! did — kept, changed on the way, left out and why — in plain words, shown once (`200`); a
//! file that cannot be read comes back with the form (`422`). Importing the same calendar again
//! updates what it brought the first time.

use axum::extract::{Query, State};
use axum::response::Response;
use ent_portlet_kit::upload::Upload;
use ent_portlet_kit::views::{self, Anchor, render};
use ent_portlet_kit::{Ctx, Identity, Lang, Link, PortletError, Posted};

use crate::App;
use crate::access::{Reach, Target};
use crate::days;
use crate::edit::{NewQuery, target_of};
use crate::holidays::{self, HolidayImport, Zone};
use crate::ical::{self, MAX_IMPORT_BYTES};
use crate::model::{Author, Scope, Uai};
use crate::templates::{Choice, HolidayRow, HolidaysPage, ImportPage, ReportLine, ReportPage};
use crate::texts::{Texts, texts};
use crate::views::week_of;
use crate::words;

/// The class and school agendas one may import into; 403 when there are none.
fn import_targets(reach: &Reach, who: &Identity, t: &Texts, lang: Lang) -> Result<Vec<Target>, PortletError> {
    let targets: Vec<Target> =
        reach.targets(who, t).into_iter().filter(|target| !matches!(target.scope, Scope::Personal(_))).collect();
    if targets.is_empty() { Err(PortletError::Forbidden(lang)) } else { Ok(targets) }
}

fn import_page<'a>(
    ctx: &'a Ctx,
    t: &'static Texts,
    targets: &[Target],
    selected: &str,
    error: Option<String>,
) -> ImportPage<'a> {
    ImportPage {
        t,
        ctx,
        action: ctx.href(&Link::to("/view/import")),
        targets: targets
            .iter()
            .map(|target| Choice {
                value: target.value(),
                label: target.label.clone(),
                selected: target.value() == selected,
            })
            .collect(),
        error,
        scope_error: None,
        back_href: ctx.href(&Link::to("/view/week")),
    }
}

/// The posted file's text: `Err` with the words to show when there is none, it is too large,
/// or it is not text.
fn file_text(posted: &Posted, max: usize, t: &Texts) -> Result<String, String> {
    let file: &Upload = posted.files.iter().find(|f| f.field == "file").ok_or_else(|| t.choose_file.to_string())?;
    if file.data.len() > max {
        return Err(t.file_too_large(max / (1024 * 1024)));
    }
    String::from_utf8(file.data.to_vec()).map_err(|_| t.not_text.to_string())
}

/// GET /view/import?scope=
pub async fn events_form(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Query(q): Query<NewQuery>,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let reach = Reach::of(&state, &who, ctx.lang).await?;
    let targets = import_targets(&reach, &who, t, ctx.lang)?;
    views::page(&import_page(&ctx, t, &targets, q.scope.as_deref().unwrap_or(""), None))
}

/// POST /view/import (multipart: `scope`, `file`)
pub async fn events_post(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    posted: Posted,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let reach = Reach::of(&state, &who, ctx.lang).await?;
    let targets = import_targets(&reach, &who, t, ctx.lang)?;
    let value = posted.text("scope");
    let target = target_of(&reach, &targets, value, ctx.lang)?;
    if matches!(target.scope, Scope::Personal(_)) {
        return Err(PortletError::Forbidden(ctx.lang));
    }
    let refuse = |why: String| -> Result<Response, PortletError> {
        Err(PortletError::Form(render(&import_page(&ctx, t, &targets, value, Some(why)))?))
    };
    let text = match file_text(&posted, MAX_IMPORT_BYTES, t) {
        Ok(text) => text,
        Err(why) => return refuse(why),
    };
    let report = match ical::import_ics(&text) {
        Ok(report) => report,
        Err(e) => return refuse(words::import_error(&e, t)),
    };
    if let Some(class) = &target.class {
        state.store.remember_class(class, state.now()).await?;
    }
    let author = Author::new(reach.me.clone(), who.display_name());
    let counts = state.store.import(&target.scope, &author, &report.events).await?;
    tracing::info!(
        scope = target.scope.kind().as_str(),
        created = counts.created,
        updated = counts.updated,
        "calendar imported"
    );
    let changed = report
        .events
        .iter()
        .filter(|e| !e.notes.is_empty())
        .map(|e| ReportLine {
            what: t.line_titled(e.line, e.content.title.as_str()),
            why: e.notes.iter().map(|n| words::note(n, t)).collect::<Vec<_>>().join(" ; "),
        })
        .collect();
    let skipped = report
        .skipped
        .iter()
        .map(|s| ReportLine {
            what: t.line_titled(s.line, s.title.as_deref().or(s.uid.as_deref()).unwrap_or("—")),
            why: words::skip_reason(&s.reason, t),
        })
        .collect();
    let first = report.events.iter().map(|e| e.content.schedule.when().first_day()).min();
    let day = first.unwrap_or_else(|| days::naive(state.today()));
    let page = ReportPage {
        title: t.import_done.into(),
        summary: t.import_summary(counts.created, counts.updated, report.skipped.len(), &target.label),
        changed_heading: t.changed_on_the_way.into(),
        changed,
        skipped_heading: t.left_out.into(),
        skipped,
        links: vec![
            Anchor { label: t.see_in_agenda.into(), href: ctx.href(&week_of(&reach, &target.scope, day)) },
            Anchor { label: t.import_another.into(), href: ctx.href(&Link::to("/view/import")) },
        ],
    };
    views::page(&page)
}

/// The schools this person directs; 403 when none.
fn directed(reach: &Reach, lang: Lang) -> Result<&[Uai], PortletError> {
    if reach.directed.is_empty() { Err(PortletError::Forbidden(lang)) } else { Ok(&reach.directed) }
}

/// How a school is named where no token says its name: "your school", or its UAI among several.
fn school_label(t: &Texts, schools: &[Uai], uai: &Uai) -> String {
    if schools.len() > 1 { t.school_with_uai(uai.as_str()) } else { t.your_school.to_string() }
}

/// The holidays page with what each school has; `form` the values typed, errors.
async fn holidays_page_of<'a>(
    state: &App,
    ctx: &'a Ctx,
    t: &'static Texts,
    schools: &[Uai],
    form: (&str, &str, &str),
    errors: (Option<String>, Option<String>),
) -> Result<HolidaysPage<'a>, PortletError> {
    let (selected, zone, location) = form;
    let mut rows = Vec::new();
    for uai in schools {
        for s in state.store.holiday_summary(uai).await? {
            rows.push(HolidayRow {
                school: school_label(t, schools, uai),
                text: t.holidays_held(
                    s.zone.as_str(),
                    s.periods,
                    &days::long(s.first, ctx.lang),
                    &days::long(s.last, ctx.lang),
                ),
            });
        }
    }
    Ok(HolidaysPage {
        t,
        ctx,
        action: ctx.href(&Link::to("/view/holidays")),
        rows,
        schools: schools
            .iter()
            .map(|u| Choice {
                value: u.to_string(),
                label: school_label(t, schools, u),
                selected: u.as_str() == selected,
            })
            .collect(),
        zone: zone.to_string(),
        location: location.to_string(),
        error: errors.0,
        zone_error: errors.1,
        back_href: ctx.href(&Link::to("/view/week")),
    })
}

/// GET /view/holidays
pub async fn holidays_page(State(state): State<App>, who: Identity, ctx: Ctx) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let reach = Reach::of(&state, &who, ctx.lang).await?;
    let schools = directed(&reach, ctx.lang)?;
    views::page(&holidays_page_of(&state, &ctx, t, schools, ("", "", ""), (None, None)).await?)
}

/// POST /view/holidays (multipart: `school`, `file`, `zone`, `location`)
pub async fn holidays_post(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    posted: Posted,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let reach = Reach::of(&state, &who, ctx.lang).await?;
    let schools = directed(&reach, ctx.lang)?;
    let school =
        schools.iter().find(|u| u.as_str() == posted.text("school")).ok_or(PortletError::NotFound(ctx.lang))?;
    let (zone_typed, location) = (posted.text("zone").trim(), posted.text("location").trim());
    let form = (school.as_str(), zone_typed, location);
    let text = match file_text(&posted, holidays::MAX_FILE_BYTES, t) {
        Ok(text) => text,
        Err(why) => return refused(&state, &ctx, t, schools, form, (Some(why), None)).await,
    };
    let is_ics = text.trim_start_matches('\u{feff}').trim_start().starts_with("BEGIN:VCALENDAR");
    let read: Result<(Zone, HolidayImport), (Option<String>, Option<String>)> = if is_ics {
        let zone = Zone::new(zone_typed).or_else(|| Zone::new(t.imported_calendar));
        match (zone, holidays::from_ics(&text)) {
            (Some(zone), Ok(found)) => Ok((zone, found)),
            (_, Err(e)) => Err((Some(words::holiday_error(&e, t)), None)),
            (None, Ok(_)) => Err((None, Some(t.zone_missing.into()))),
        }
    } else {
        read_ministry_csv(&text, zone_typed, location, t)
    };
    let (zone, found) = match read {
        Ok(read) => read,
        Err(errors) => return refused(&state, &ctx, t, schools, form, errors).await,
    };
    let stored = state.store.replace_holidays(school, &zone, &found.periods).await?;
    tracing::info!(periods = stored, "holidays imported");
    let page = ReportPage {
        title: t.holidays_done.into(),
        summary: t.holidays_summary(stored, zone.as_str(), found.skipped.len()),
        changed_heading: String::new(),
        changed: Vec::new(),
        skipped_heading: t.left_out.into(),
        skipped: found
            .skipped
            .iter()
            .map(|(line, problem)| ReportLine { what: t.line_n(*line), why: words::row_problem(problem, t) })
            .collect(),
        links: vec![
            Anchor { label: t.school_holidays.into(), href: ctx.href(&Link::to("/view/holidays")) },
            Anchor { label: t.back_to_agenda.into(), href: ctx.href(&Link::to("/view/month")) },
        ],
    };
    views::page(&page)
}

/// The holidays form again, with what was typed and why the file was refused (`422`).
async fn refused(
    state: &App,
    ctx: &Ctx,
    t: &'static Texts,
    schools: &[Uai],
    form: (&str, &str, &str),
    errors: (Option<String>, Option<String>),
) -> Result<Response, PortletError> {
    let page = holidays_page_of(state, ctx, t, schools, form, errors).await?;
    Err(PortletError::Form(render(&page)?))
}

/// The ministry's CSV: the zone typed, or the file's only zone; the errors for the form
/// otherwise (the whole file, the zone field).
fn read_ministry_csv(
    text: &str,
    zone_typed: &str,
    location: &str,
    t: &Texts,
) -> Result<(Zone, HolidayImport), (Option<String>, Option<String>)> {
    let zones = holidays::zones_in_csv(text).map_err(|e| (Some(words::holiday_error(&e, t)), None))?;
    let names = zones.iter().map(Zone::as_str).collect::<Vec<_>>().join(", ");
    let zone = match Zone::new(zone_typed) {
        Some(zone) => zone,
        None => match zones.as_slice() {
            [only] => only.clone(),
            [] => return Err((Some(t.no_zone_in_file.into()), None)),
            _ => return Err((None, Some(t.which_zone(&names)))),
        },
    };
    let location = (!location.is_empty()).then_some(location);
    let found =
        holidays::from_ministry_csv(text, &zone, location).map_err(|e| (Some(words::holiday_error(&e, t)), None))?;
    if found.periods.is_empty() {
        return Err((None, Some(t.zone_not_in_file(zone.as_str(), &names))));
    }
    Ok((zone, found))
}
