//! The school's side: the messages waiting for review (teachers for their pupils and families,
//! the director for everyone), the reported messages (the director), and the settings (the
//! director, and the network's admins for any school): each profile's switch, who may write to
//! whom, frozen accounts, retraction of what one account sent, and the audit of all of it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use ent_portlet_kit::views::{self, Badge, Html, Notice, Tab, Tabs};
use ent_portlet_kit::{Ctx, Identity, Link, PortletError, Posted, Profile, see_other};

use crate::App;
use crate::access;
use crate::book::Book;
use crate::conversation::shown_text;
use crate::model::{Mode, fold};
use crate::policy::{self, Audience, SENDERS};
use crate::sending;
use crate::store::Message;
use crate::store::school::EVERY_SCHOOL;
use crate::texts::{Texts, texts};
use crate::views::{Folder, PageQuery, hold_reason, nav, pick_school, to_line, when, writing_schools};

/// Retraction periods offered, in hours.
const RETRACT_HOURS: [i64; 5] = [1, 6, 24, 72, 168];

/// A message shown to a reviewer or the director, with its actions.
pub struct Card {
    pub id: String,
    pub school: String,
    pub author: String,
    pub author_sub: String,
    pub at: String,
    pub to: String,
    pub subject: String,
    pub paragraphs: Vec<Vec<(String, Option<String>)>>,
    pub files: Vec<(String, String)>,
    pub badge: Option<Badge>,
    pub why: String,
    pub can_manage: bool,
}

async fn card(
    state: &App,
    who: &Identity,
    ctx: &Ctx,
    t: &Texts,
    m: &Message,
    why: String,
) -> Result<Card, PortletError> {
    let files = state
        .store
        .attachments(&[m.id.as_str()])
        .await?
        .into_iter()
        .map(|f| (ctx.href(&Link::to(format!("/view/files/{}", f.id))), f.name))
        .collect();
    Ok(Card {
        id: m.id.clone(),
        school: m.school.clone(),
        author: m.author_name.clone(),
        author_sub: m.author_sub.clone(),
        at: when(m.sent_at.unwrap_or(m.created_at), ctx.lang),
        to: format!("{} ({})", to_line(&m.to, t), t.recipient_count(m.recipient_count)),
        subject: m.subject.clone(),
        paragraphs: shown_text(ctx, &m.body),
        files,
        badge: m.hold_reason.map(|r| Badge::warn(hold_reason(Some(r), t))),
        why,
        can_manage: access::can_manage(who, &m.school),
    })
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage<'a> {
    t: &'static Texts,
    nav: Html,
    heading: &'static str,
    intro: &'static str,
    empty: &'static str,
    cards: Vec<Card>,
    notice: Option<Notice>,
    csrf: &'a str,
    base: String,
    reports: bool,
    hours: [i64; 5],
}

/// GET /view/review
pub async fn review(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let schools = access::reviewed_schools(&who);
    if schools.is_empty() {
        return Err(PortletError::Forbidden(ctx.lang));
    }
    let mut cards = Vec::new();
    for school in &schools {
        for m in state.store.held(school).await?.iter().filter(|m| access::can_review(&who, m)) {
            cards.push(card(&state, &who, &ctx, t, m, String::new()).await?);
        }
    }
    views::page(&ReviewPage {
        t,
        nav: nav(&state, &who, &ctx, Folder::Review, "").await?,
        heading: t.review,
        intro: t.review_intro,
        empty: t.review_empty,
        cards,
        notice: q.done.as_deref().and_then(|d| done(d, t)).map(Notice::status),
        csrf: &ctx.csrf,
        base: ctx.href(&Link::to("/view")),
        reports: false,
        hours: RETRACT_HOURS,
    })
}

fn done(d: &str, t: &Texts) -> Option<&'static str> {
    match d {
        "released" => Some(t.done_released),
        "refused" => Some(t.done_refused),
        "frozen" => Some(t.done_frozen),
        "unfrozen" => Some(t.done_unfrozen),
        "retracted" => Some(t.done_retracted),
        "closed" => Some(t.done_closed),
        "saved" => Some(t.done_saved),
        _ => None,
    }
}

/// POST /view/review/{id} (`action` release or refuse)
pub async fn decide(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, PortletError> {
    let Some(m) = state.store.message(&id).await? else { return Err(PortletError::NotFound(ctx.lang)) };
    if m.state != crate::model::State::Held || !access::can_review(&who, &m) {
        return Err(PortletError::NotFound(ctx.lang));
    }
    let release = match form.text("action") {
        "release" => true,
        "refuse" => false,
        _ => return Err(PortletError::BadRequest("unknown review action".into())),
    };
    state.store.review(&m, release, &who.sub, state.now()).await?;
    Ok(see_other(&Link::to("/view/review").q("done", if release { "released" } else { "refused" })))
}

/// GET /view/reports
pub async fn reports(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let schools: Vec<String> = who.directed_schools().map(str::to_owned).collect();
    if schools.is_empty() && who.profile != Profile::Admin {
        return Err(PortletError::Forbidden(ctx.lang));
    }
    let mut cards = Vec::new();
    for school in &schools {
        for r in state.store.open_reports(school).await? {
            let why = t.reported_by(&r.reporter_name, &when(r.at, ctx.lang), &r.reason);
            cards.push(card(&state, &who, &ctx, t, &r.message, why).await?);
        }
    }
    views::page(&ReviewPage {
        t,
        nav: nav(&state, &who, &ctx, Folder::Reports, "").await?,
        heading: t.reports,
        intro: t.reports_intro,
        empty: t.reports_empty,
        cards,
        notice: q.done.as_deref().and_then(|d| done(d, t)).map(Notice::status),
        csrf: &ctx.csrf,
        base: ctx.href(&Link::to("/view")),
        reports: true,
        hours: RETRACT_HOURS,
    })
}

/// POST /view/reports/{id}/close
pub async fn close_report(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortletError> {
    let Some(m) = state.store.message(&id).await? else { return Err(PortletError::NotFound(ctx.lang)) };
    if !who.is_director_of(&m.school) || !state.store.is_reported(&id, &m.school).await? {
        return Err(PortletError::NotFound(ctx.lang));
    }
    state.store.close_reports(&m, &who.sub, state.now()).await?;
    Ok(see_other(&Link::to("/view/reports").q("done", "closed")))
}

/// The school a manager acts on: one they direct, or for an admin any the directory has.
pub(crate) async fn managed_school(
    state: &App,
    who: &Identity,
    ctx: &Ctx,
    asked: Option<&str>,
) -> Result<(String, Vec<String>), PortletError> {
    let offered: Vec<String> = if who.profile == Profile::Admin {
        writing_schools(state, who).await?
    } else {
        who.directed_schools().map(str::to_owned).collect()
    };
    match pick_school(&offered, asked, ctx.lang)? {
        Some(s) if access::can_manage(who, &s) => Ok((s, offered)),
        _ => Err(PortletError::Forbidden(ctx.lang)),
    }
}

/// One rule of the settings table.
pub struct RuleCell {
    pub name: String,
    pub allowed: bool,
    pub editable: bool,
}

pub struct RuleRow {
    pub sender: &'static str,
    pub cells: Vec<RuleCell>,
}

pub struct ModeRow {
    pub profile: String,
    pub label: &'static str,
    pub mode: Mode,
}

/// A person found in the school, for the freeze and retraction forms.
pub struct Found {
    pub sub: String,
    pub label: String,
    pub frozen: bool,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage<'a> {
    t: &'static Texts,
    nav: Html,
    schools: Tabs,
    school: String,
    notice: Option<Notice>,
    csrf: &'a str,
    base: String,
    modes: Vec<ModeRow>,
    audiences: Vec<&'static str>,
    rules: Vec<RuleRow>,
    frozen: Vec<(String, String, String, String)>,
    query: String,
    found: Vec<Found>,
    hours: [i64; 5],
    notify: crate::notify::HoursForm,
    audit: Vec<(String, String, String)>,
}

fn audit_action(code: &str, t: &Texts) -> &'static str {
    match code {
        "rule" => t.audit_rule,
        "mode" => t.audit_mode,
        "hours" => t.audit_hours,
        "freeze" => t.audit_freeze,
        "unfreeze" => t.audit_unfreeze,
        "retract" => t.audit_retract,
        "release" => t.audit_release,
        "refuse" => t.audit_refuse,
        "report_closed" => t.audit_report_closed,
        _ => "—",
    }
}

fn profile_label(p: Profile, t: &Texts) -> &'static str {
    match p {
        Profile::Pupil => t.profile_pupils,
        Profile::Parent => t.profile_parents,
        Profile::Teacher => t.profile_teachers,
        Profile::Staff => t.profile_staff,
        Profile::Director => t.profile_directors,
        Profile::CityAgent => t.profile_city_agents,
        Profile::Admin => t.profile_admins,
    }
}

fn audience_label(a: Audience, t: &Texts) -> &'static str {
    match a {
        Audience::ClassTeachers => t.aud_class_teachers,
        Audience::ClassPupils => t.aud_class_pupils,
        Audience::ClassParents => t.aud_class_parents,
        Audience::SchoolTeachers => t.aud_school_teachers,
        Audience::SchoolPupils => t.aud_school_pupils,
        Audience::SchoolParents => t.aud_school_parents,
        Audience::SchoolStaff => t.aud_school_staff,
        Audience::SchoolDirectors => t.aud_school_directors,
    }
}

/// GET /view/settings?school=&q=
pub async fn settings(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let (school, offered) = managed_school(&state, &who, &ctx, q.school.as_deref()).await?;
    let modes = state
        .store
        .modes(&school)
        .await?
        .into_iter()
        .map(|(p, mode)| ModeRow { profile: p.as_str().into(), label: profile_label(p, t), mode })
        .collect();
    let rules = state.store.rules(&school).await?;
    let rule_rows = SENDERS
        .iter()
        .map(|&p| RuleRow {
            sender: profile_label(p, t),
            cells: Audience::ALL
                .iter()
                .map(|&a| RuleCell {
                    name: format!("{}:{}", p.as_str(), a),
                    allowed: rules.allows(p, a),
                    editable: policy::default_rule(p, a).editable,
                })
                .collect(),
        })
        .collect();
    let frozen = state
        .store
        .freezes(&school)
        .await?
        .into_iter()
        .map(|f| {
            let scope = if f.school == EVERY_SCHOOL { t.everywhere.to_string() } else { f.school.clone() };
            (f.sub, f.school, f.name, format!("{scope} · {}", when(f.at, ctx.lang)))
        })
        .collect::<Vec<_>>();
    let query: String = q.q.as_deref().unwrap_or("").trim().chars().take(100).collect();
    let mut found = Vec::new();
    if fold(&query).chars().count() >= 2
        && let Ok(Some(book)) = sending::load_book(state.directory(), &school).await
    {
        let folded = fold(&query);
        for m in book.members.iter().filter(|m| fold(&m.name).contains(&folded)).take(30) {
            found.push(Found {
                sub: m.sub.clone(),
                label: m.name.clone(),
                frozen: frozen.iter().any(|(sub, _, _, _)| *sub == m.sub),
            });
        }
    }
    let audit = state
        .store
        .audit_log(&school, 50)
        .await?
        .into_iter()
        .map(|a| (when(a.at, ctx.lang), audit_action(&a.action, t).to_string(), a.detail))
        .collect();
    let tabs = offered
        .iter()
        .take(50)
        .map(|s| Tab {
            label: s.clone(),
            href: ctx.href(&Link::to("/view/settings").q("school", s)),
            current: *s == school,
        })
        .collect::<Vec<_>>();
    let notify = crate::notify::hours_form(&state, &ctx, &school).await?;
    views::page(&SettingsPage {
        t,
        nav: nav(&state, &who, &ctx, Folder::Settings, "").await?,
        schools: Tabs::new(t.schools, if tabs.len() > 1 { tabs } else { Vec::new() }),
        school,
        notice: q
            .done
            .as_deref()
            .and_then(|d| done(d, t).or_else(|| crate::notify::done(d, crate::notify::texts(ctx.lang))))
            .map(Notice::status),
        csrf: &ctx.csrf,
        base: ctx.href(&Link::to("/view")),
        notify,
        modes,
        audiences: Audience::ALL.iter().map(|&a| audience_label(a, t)).collect(),
        rules: rule_rows,
        frozen: frozen
            .into_iter()
            .map(|(sub, school, name, meta)| (sub, school, format!("{name} ({meta})"), String::new()))
            .collect(),
        query,
        found,
        hours: RETRACT_HOURS,
        audit,
    })
}

/// POST /view/settings/find: the person search posts, then reads as a GET.
pub async fn find(State(state): State<App>, who: Identity, ctx: Ctx, form: Posted) -> Result<Response, PortletError> {
    let (school, _) = managed_school(&state, &who, &ctx, Some(form.text("school"))).await?;
    let q: String = form.text("q").trim().chars().take(100).collect();
    Ok(see_other(&Link::to("/view/settings").q("school", &school).q("q", q)))
}

/// POST /view/settings/modes: every profile's switch.
pub async fn set_modes(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    form: Posted,
) -> Result<Response, PortletError> {
    let (school, _) = managed_school(&state, &who, &ctx, Some(form.text("school"))).await?;
    let now = state.now();
    for profile in SENDERS {
        let Some(raw) = form.get(&format!("mode:{}", profile.as_str())) else { continue };
        let mode: Mode = raw.parse().map_err(PortletError::BadRequest)?;
        if state.store.mode(&school, profile).await? != mode {
            state.store.set_mode(&school, profile, mode, &who.sub, now).await?;
            tracing::info!(profile = profile.as_str(), mode = mode.as_str(), "a school's messaging switch changed");
        }
    }
    Ok(see_other(&Link::to("/view/settings").q("school", &school).q("done", "saved")))
}

/// POST /view/settings/rules: the editable rules, ticked or not.
pub async fn set_rules(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    form: Posted,
) -> Result<Response, PortletError> {
    let (school, _) = managed_school(&state, &who, &ctx, Some(form.text("school"))).await?;
    let now = state.now();
    let rules = state.store.rules(&school).await?;
    let ticked = form.all("allow");
    for profile in SENDERS {
        for audience in Audience::ALL {
            if !policy::default_rule(profile, audience).editable {
                continue;
            }
            let name = format!("{}:{}", profile.as_str(), audience);
            let allowed = ticked.contains(&name.as_str());
            if rules.allows(profile, audience) != allowed {
                state.store.set_rule(&school, profile, audience, allowed, &who.sub, now).await?;
            }
        }
    }
    Ok(see_other(&Link::to("/view/settings").q("school", &school).q("done", "saved")))
}

/// The person a freeze or retraction names: a member of the school's directory, or the author
/// of a message of the school.
async fn person(state: &App, school: &str, sub: &str) -> Result<Option<String>, PortletError> {
    if let Ok(Some(book)) = sending::load_book(state.directory(), school).await
        && let Some(m) = Book::member(&book, sub)
    {
        return Ok(Some(m.name.clone()));
    }
    Ok(state.store.author_name_in(school, sub).await?)
}

fn back(form: &Posted, school: &str, done: &str) -> Response {
    match form.text("back") {
        "review" => see_other(&Link::to("/view/review").q("done", done)),
        "reports" => see_other(&Link::to("/view/reports").q("done", done)),
        _ => see_other(&Link::to("/view/settings").q("school", school).q("done", done)),
    }
}

/// POST /view/freeze (`school`, `sub`, `action` freeze or unfreeze; an admin's freeze holds
/// everywhere)
pub async fn freeze(State(state): State<App>, who: Identity, ctx: Ctx, form: Posted) -> Result<Response, PortletError> {
    let (school, _) = managed_school(&state, &who, &ctx, Some(form.text("school"))).await?;
    let sub = form.text("sub");
    let scope = if who.profile == Profile::Admin { EVERY_SCHOOL } else { school.as_str() };
    let now = state.now();
    match form.text("action") {
        "unfreeze" => {
            let scope = if form.text("scope") == EVERY_SCHOOL && who.profile == Profile::Admin {
                EVERY_SCHOOL
            } else {
                school.as_str()
            };
            if !state.store.unfreeze(sub, scope, &who.sub, now).await? {
                return Err(PortletError::NotFound(ctx.lang));
            }
            Ok(back(&form, &school, "unfrozen"))
        }
        _ => {
            let Some(name) = person(&state, &school, sub).await? else { return Err(PortletError::NotFound(ctx.lang)) };
            if sub == who.sub {
                return Err(PortletError::Forbidden(ctx.lang));
            }
            state.store.freeze(sub, &name, scope, &who.sub, now).await?;
            tracing::info!("an account's sending was frozen");
            Ok(back(&form, &school, "frozen"))
        }
    }
}

/// POST /view/retract (`school`, `sub`, `hours`): takes out of every inbox what the account
/// sent in the school in the last hours.
pub async fn retract(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    form: Posted,
) -> Result<Response, PortletError> {
    let (school, _) = managed_school(&state, &who, &ctx, Some(form.text("school"))).await?;
    let sub = form.text("sub");
    let hours: i64 = form.text("hours").parse().map_err(|_| PortletError::BadRequest("hours".into()))?;
    if !RETRACT_HOURS.contains(&hours) {
        return Err(PortletError::BadRequest("hours".into()));
    }
    if person(&state, &school, sub).await?.is_none() {
        return Err(PortletError::NotFound(ctx.lang));
    }
    let now = state.now();
    let n = state.store.retract(&school, sub, now - hours * 3600, now, &who.sub, now).await?;
    tracing::info!(messages = n, "messages were retracted");
    Ok(back(&form, &school, "retracted"))
}

impl Mode {
    pub fn is(&self, name: &str) -> bool {
        self.as_str() == name
    }
}
