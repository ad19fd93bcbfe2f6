//! Notifications that leave the ENT: a parent's daily e-mail digest (asked for on
//! `/view/notifications`, the address confirmed by a code mailed to it, stopped there too, which
//! erases the address) and each school's notification hours (set by its director on the settings
//! page). Messages are delivered at once; only these e-mails wait for the hours. The run that
//! sends the digests is [`digest`].

pub mod digest;
mod texts;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use ent_portlet_kit::mail::Mail;
use ent_portlet_kit::views::{self, Html, Notice};
use ent_portlet_kit::window::Window;
use ent_portlet_kit::{Ctx, Identity, Link, PortletError, Posted, Profile, see_other};
use ent_storage::bucket::{Rate, Taken};
use ent_web::secret::{random_bytes, sha256_hex};

use crate::App;
use crate::book;
use crate::store::digest::{Confirmation, NewSubscription};
use crate::views::{Folder, PageQuery, nav};
pub use texts::{Texts, texts};

/// Confirmation codes one person may ask for: three, then one an hour.
const CODES: Rate = Rate { capacity: 3, per_hour: 1 };

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage<'a> {
    t: &'static Texts,
    nav: Html,
    notice: Option<Notice>,
    error: Option<String>,
    action: String,
    csrf: &'a str,
    state: Shown,
    email: String,
}

/// What the page shows.
enum Shown {
    /// No mail on this ENT, or not a parent.
    Closed(&'static str),
    Ask,
    Pending(String),
    Active(String),
}

impl Shown {
    fn is(&self, what: &str) -> bool {
        matches!(
            (self, what),
            (Shown::Closed(_), "closed")
                | (Shown::Ask, "ask")
                | (Shown::Pending(_), "pending")
                | (Shown::Active(_), "active")
        )
    }

    fn text(&self, t: &Texts) -> String {
        match self {
            Shown::Closed(why) => why.to_string(),
            Shown::Ask => String::new(),
            Shown::Pending(email) => t.pending(email),
            Shown::Active(email) => t.active(email),
        }
    }
}

/// Who may ask for a digest: parents, where the ENT sends mail.
fn closed(state: &App, who: &Identity, t: &'static Texts) -> Option<&'static str> {
    if state.mailer().is_none() {
        Some(t.unavailable)
    } else if who.profile != Profile::Parent {
        Some(t.parents_only)
    } else {
        None
    }
}

async fn page(
    state: &App,
    who: &Identity,
    ctx: &Ctx,
    notice: Option<Notice>,
    error: Option<String>,
) -> Result<String, PortletError> {
    let t = texts(ctx.lang);
    let shown = match closed(state, who, t) {
        Some(why) => Shown::Closed(why),
        None => match state.store.subscription(&who.sub).await? {
            None => Shown::Ask,
            Some(s) if s.confirmed => Shown::Active(s.email),
            Some(s) => Shown::Pending(s.email),
        },
    };
    views::render(&NotificationsPage {
        t,
        nav: nav(state, who, ctx, Folder::Notifications, "").await?,
        notice,
        error,
        action: ctx.href(&Link::to("/view/notifications")),
        csrf: &ctx.csrf,
        email: match &shown {
            Shown::Pending(e) | Shown::Active(e) => e.clone(),
            _ => String::new(),
        },
        state: shown,
    })
}

/// GET /view/notifications
pub async fn show(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let notice = q.done.as_deref().and_then(|d| done(d, t)).map(Notice::status);
    Ok(ent_portlet_kit::html(page(&state, &who, &ctx, notice, None).await?))
}

pub(crate) fn done(what: &str, t: &'static Texts) -> Option<&'static str> {
    match what {
        "code_sent" => Some(t.code_sent),
        "confirmed" => Some(t.confirmed),
        "stopped" => Some(t.stopped),
        "too_many" => Some(t.too_many),
        "hours" => Some(t.hours_saved),
        "bad_hours" => Some(t.bad_hours),
        _ => None,
    }
}

/// An address a person may give: one `@`, a dotted domain, no spaces, quotes or brackets (the
/// mailer checks it again).
pub fn plausible_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else { return false };
    e.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && e.chars().all(|c| c.is_ascii_graphic() && !"<>()[]\\,;:\"".contains(c) || (!c.is_ascii() && !c.is_control()))
}

/// The inbox's address at the portal, from what the portal said of its public address.
fn inbox_link(ctx: &Ctx) -> Option<String> {
    let origin = url::Url::parse(&ctx.public_base).ok()?.origin();
    origin.is_tuple().then(|| format!("{}{}", origin.ascii_serialization(), ctx.href(&Link::to("/view/inbox"))))
}

/// POST /view/notifications (`action`: `subscribe` with `email`, `confirm` with `code`, `stop`)
pub async fn post(State(state): State<App>, who: Identity, ctx: Ctx, form: Posted) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    if closed(&state, &who, t).is_some() {
        return Err(PortletError::Forbidden(ctx.lang));
    }
    let now = state.now();
    let refuse = |error: &str| {
        let error = error.to_string();
        let (state, who, ctx) = (&state, &who, &ctx);
        async move { Err(PortletError::Form(page(state, who, ctx, None, Some(error)).await?)) }
    };
    match form.text("action") {
        "subscribe" => {
            let email = form.text("email").trim().to_string();
            if !plausible_email(&email) {
                return refuse(t.bad_email).await;
            }
            if let Taken::Refused(_) =
                state.store.buckets.take(&format!("digest-code:{}", who.sub), 1, CODES, now).await?
            {
                return refuse(t.slow_down).await;
            }
            let code = format!("{:06}", u32::from_be_bytes(random_bytes(4).try_into().unwrap_or([0; 4])) % 1_000_000);
            let Some(mailer) = state.mailer() else { return Err(PortletError::Forbidden(ctx.lang)) };
            let mail = Mail { to: email.clone(), subject: t.code_subject.into(), text: t.code_text(&code) };
            if let Err(e) = mailer.send(mail).await {
                tracing::warn!(error = %e, "a confirmation code could not be mailed");
                return refuse(if e.is_transient() { t.mail_failed } else { t.bad_email }).await;
            }
            let schools = book::own_schools(&who);
            let link = inbox_link(&ctx);
            let s = NewSubscription {
                sub: &who.sub,
                email: &email,
                lang: ctx.lang,
                schools: &schools,
                link: link.as_deref(),
                code_hash: &sha256_hex(&code),
            };
            state.store.subscribe(&s, now).await?;
            Ok(see_other(&Link::to("/view/notifications").q("done", "code_sent")))
        }
        "confirm" => {
            let code: String = form.text("code").chars().filter(|c| !c.is_whitespace()).collect();
            match state.store.confirm(&who.sub, &sha256_hex(&code), now).await? {
                Confirmation::Confirmed => Ok(see_other(&Link::to("/view/notifications").q("done", "confirmed"))),
                Confirmation::Wrong(left) => refuse(&t.wrong_code(left)).await,
                Confirmation::TooMany => Ok(see_other(&Link::to("/view/notifications").q("done", "too_many"))),
                Confirmation::Nothing => Ok(see_other(&Link::to("/view/notifications"))),
            }
        }
        "stop" => {
            state.store.unsubscribe(&who.sub).await?;
            Ok(see_other(&Link::to("/view/notifications").q("done", "stopped")))
        }
        _ => Err(PortletError::BadRequest("unknown notifications action".into())),
    }
}

/// The hours' part of the settings page.
pub struct HoursForm {
    pub t: &'static Texts,
    pub action: String,
    pub hours: String,
}

/// The settings page's form for the school's hours.
pub async fn hours_form(state: &App, ctx: &Ctx, school: &str) -> Result<HoursForm, PortletError> {
    Ok(HoursForm {
        t: texts(ctx.lang),
        action: ctx.href(&Link::to("/view/settings/hours")),
        hours: state.store.window(school).await?.to_string(),
    })
}

/// POST /view/settings/hours (`school`, `hours`)
pub async fn set_hours(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    form: Posted,
) -> Result<Response, PortletError> {
    let (school, _) = crate::manage::managed_school(&state, &who, &ctx, Some(form.text("school"))).await?;
    let Ok(window) = form.text("hours").parse::<Window>() else {
        return Ok(see_other(&Link::to("/view/settings").q("school", &school).q("done", "bad_hours")));
    };
    state.store.set_window(&school, &window, &who.sub, state.now()).await?;
    Ok(see_other(&Link::to("/view/settings").q("school", &school).q("done", "hours")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_people_type() {
        for ok in ["marie.dupont@example.fr", "a+ent@mail.example.org", "élodie@exemple.fr"] {
            assert!(plausible_email(ok), "{ok}");
        }
        for bad in [
            "",
            "no-at.example.fr",
            "a@b",
            "a@.fr",
            "a b@example.fr",
            "a@example.fr\r\nBcc: x@y.z",
            "<a@b.fr>",
            "a@b@c.fr",
        ] {
            assert!(!plausible_email(bad), "{bad}");
        }
    }
}
