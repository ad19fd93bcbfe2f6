//! Writing events: the form (new, edit) and its posts (create, update, delete, remove one
//! occurrence). Where one may write is [`Reach::targets`]: one's own agenda, the classes one
//! writes for, the school one directs. A scope one may read but not write is 403; one one may
//! not read, 404. Each post is one transaction; a refused form comes back as `422` with
//! everything typed; a success is a `303` to the week of the event.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use ent_portlet_kit::views::{self, render};
use ent_portlet_kit::{Ctx, Identity, Lang, Link, PortletError, Posted, see_other};
use serde::Deserialize;

use crate::App;
use crate::access::{Reach, Target, scope_value};
use crate::days;
use crate::event_page::{load_to_write, occurrence_on};
use crate::forms::{ENDS, EventForm, MONTHLY, REPEATS, WEEKDAYS, nth_of};
use crate::model::{Author, ClassId, Schedule, Scope, Uai};
use crate::templates::{Choice, FormPage};
use crate::texts::{Texts, texts};
use crate::views::week_of;
use crate::words;

/// The query of the new form: where (a target's value) and which day.
#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    pub scope: Option<String>,
    pub date: Option<String>,
}

/// The scope a form's value names for this person (`None`: nothing one could name).
pub fn parse_scope(reach: &Reach, value: &str) -> Option<Scope> {
    match value.split_once(':') {
        None if value == "personal" => Some(Scope::Personal(reach.me.clone())),
        Some(("school", uai)) => Uai::parse(uai).map(Scope::School),
        Some(("class", id)) => ClassId::parse(id).map(Scope::Class),
        _ => None,
    }
}

/// The target a post names: 404 for a scope one may not read (or that means nothing), 403 for
/// one one may read but not write.
pub fn target_of(reach: &Reach, targets: &[Target], value: &str, lang: Lang) -> Result<Target, PortletError> {
    let scope = parse_scope(reach, value).ok_or(PortletError::NotFound(lang))?;
    match targets.iter().find(|t| t.scope == scope) {
        Some(target) => Ok(target.clone()),
        None if reach.can_read(&scope) => Err(PortletError::Forbidden(lang)),
        None => Err(PortletError::NotFound(lang)),
    }
}

fn choices<'a>(values: &[&'a str], selected: &str, label: impl Fn(&'a str) -> String) -> Vec<Choice> {
    values.iter().map(|v| Choice { value: v.to_string(), label: label(v), selected: *v == selected }).collect()
}

/// The form page, new (`targets` offered) or edit (`scope_label` shown).
fn form_page<'a>(
    ctx: &'a Ctx,
    t: &'static Texts,
    form: &'a EventForm,
    targets: &[Target],
    scope_label: String,
    action: String,
    cancel_href: String,
) -> FormPage<'a> {
    let editing = targets.is_empty();
    let start = form.start_day();
    let weekday = start.map(|d| words::weekday(chrono::Datelike::weekday(&d), t.lang));
    let monthly_label = |v: &str| match (v, start) {
        ("day", Some(d)) => t.monthly_on_day(&chrono::Datelike::day(&d).to_string()),
        ("nth", Some(d)) => match nth_of(d).and_then(|n| n.nth()) {
            Some(n) => t.monthly_on_nth(&words::ordinal(n, t.lang), weekday.unwrap_or("")),
            None => t.monthly_same_weekday.to_string(),
        },
        ("last", Some(_)) => t.monthly_on_last(weekday.unwrap_or("")),
        ("day", None) => t.monthly_same_day.to_string(),
        ("nth", None) => t.monthly_same_weekday.to_string(),
        _ => t.monthly_last_weekday.to_string(),
    };
    FormPage {
        t,
        ctx,
        title: if editing { t.edit_event } else { t.new_event }.to_string(),
        action,
        targets: targets
            .iter()
            .map(|target| Choice {
                value: target.value(),
                label: target.label.clone(),
                selected: target.value() == form.scope,
            })
            .collect(),
        scope_label,
        form,
        repeats: choices(&REPEATS, &form.repeat, |v| {
            match v {
                "daily" => t.repeat_daily,
                "weekly" => t.repeat_weekly,
                "monthly" => t.repeat_monthly,
                _ => t.repeat_none,
            }
            .to_string()
        }),
        weekdays: WEEKDAYS
            .iter()
            .map(|(d, code)| {
                (code.to_string(), words::weekday(*d, t.lang).to_string(), form.weekdays.iter().any(|w| w == code))
            })
            .collect(),
        monthly: choices(&MONTHLY, &form.monthly, monthly_label),
        ends: choices(&ENDS, &form.ends, |v| {
            match v {
                "until" => t.ends_until,
                "count" => t.ends_count,
                _ => t.ends_never,
            }
            .to_string()
        }),
        submit: if editing { t.save_changes } else { t.save }.to_string(),
        cancel_href,
    }
}

/// GET /view/events/new?scope=&date=
pub async fn new_form(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Query(q): Query<NewQuery>,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let reach = Reach::of(&state, &who, ctx.lang).await?;
    let targets = reach.targets(&who, t);
    let target = match q.scope.as_deref().filter(|s| !s.is_empty()) {
        Some(value) => target_of(&reach, &targets, value, ctx.lang)?,
        None => targets.first().cloned().ok_or(PortletError::Forbidden(ctx.lang))?,
    };
    let today = days::naive(state.today());
    let day = q.date.as_deref().and_then(ent_portlet_kit::Date::parse).map(days::naive).unwrap_or(today);
    let form = EventForm::blank(&target.value(), day);
    let cancel = ctx.href(&week_of(&reach, &target.scope, day));
    let action = ctx.href(&Link::to("/view/events"));
    views::page(&form_page(&ctx, t, &form, &targets, String::new(), action, cancel))
}

/// POST /view/events
pub async fn create(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    posted: Posted,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let reach = Reach::of(&state, &who, ctx.lang).await?;
    let targets = reach.targets(&who, t);
    let mut form = EventForm::from_posted(&posted);
    let target = target_of(&reach, &targets, &form.scope, ctx.lang)?;
    let Some(content) = form.validate(ctx.lang) else {
        let day = form.start_day().unwrap_or_else(|| days::naive(state.today()));
        let cancel = ctx.href(&week_of(&reach, &target.scope, day));
        let action = ctx.href(&Link::to("/view/events"));
        return Err(PortletError::Form(render(&form_page(&ctx, t, &form, &targets, String::new(), action, cancel))?));
    };
    if let Some(class) = &target.class {
        state.store.remember_class(class, state.now()).await?;
    }
    let author = Author::new(reach.me.clone(), who.display_name());
    state.store.create(&target.scope, &author, &content).await?;
    tracing::info!(scope = target.scope.kind().as_str(), "agenda event written");
    Ok(see_other(&week_of(&reach, &target.scope, content.schedule.when().first_day())))
}

/// GET /view/events/{id}/edit
pub async fn edit_form(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let reach = Reach::of(&state, &who, ctx.lang).await?;
    let event = load_to_write(&state, &reach, &who, ctx.lang, &id).await?;
    let form = EventForm::of(&scope_value(&event.scope), &event);
    let cancel = ctx.href(&Link::to(format!("/view/events/{}", event.id)));
    let action = ctx.href(&Link::to(format!("/view/events/{}", event.id)));
    views::page(&form_page(&ctx, t, &form, &[], reach.label(&event.scope, t), action, cancel))
}

/// POST /view/events/{id}
pub async fn update(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    posted: Posted,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let reach = Reach::of(&state, &who, ctx.lang).await?;
    let event = load_to_write(&state, &reach, &who, ctx.lang, &id).await?;
    let mut form = EventForm::from_posted(&posted);
    // An event stays in the agenda it was written in.
    form.scope = scope_value(&event.scope);
    let Some(content) = form.validate(ctx.lang) else {
        let cancel = ctx.href(&Link::to(format!("/view/events/{}", event.id)));
        let action = ctx.href(&Link::to(format!("/view/events/{}", event.id)));
        let page = form_page(&ctx, t, &form, &[], reach.label(&event.scope, t), action, cancel);
        return Err(PortletError::Form(render(&page)?));
    };
    if !state.store.update(&event.id, &content).await? {
        return Err(PortletError::NotFound(ctx.lang));
    }
    Ok(see_other(&week_of(&reach, &event.scope, content.schedule.when().first_day())))
}

/// POST /view/events/{id}/delete
pub async fn delete(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortletError> {
    let reach = Reach::of(&state, &who, ctx.lang).await?;
    let event = load_to_write(&state, &reach, &who, ctx.lang, &id).await?;
    state.store.delete(&event.id).await?;
    Ok(see_other(&week_of(&reach, &event.scope, days::naive(state.today()))))
}

/// POST /view/events/{id}/skip (`day=`): the occurrence of that day no longer happens.
pub async fn skip(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    posted: Posted,
) -> Result<Response, PortletError> {
    let reach = Reach::of(&state, &who, ctx.lang).await?;
    let event = load_to_write(&state, &reach, &who, ctx.lang, &id).await?;
    let bad = || PortletError::BadRequest("day".into());
    let day = ent_portlet_kit::Date::parse(posted.text("day")).map(days::naive).ok_or_else(bad)?;
    let schedule = &event.content.schedule;
    let (Some(rule), Some(_)) = (schedule.recurrence(), occurrence_on(&event, day)) else {
        return Err(bad());
    };
    let mut exceptions = schedule.exceptions().clone();
    exceptions.insert(day);
    let mut content = event.content.clone();
    content.schedule = Schedule::repeating(schedule.when().clone(), rule.clone(), exceptions).map_err(|_| bad())?;
    state.store.update(&event.id, &content).await?;
    Ok(see_other(&week_of(&reach, &event.scope, day)))
}
