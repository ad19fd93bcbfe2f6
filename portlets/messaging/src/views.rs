//! What the pages share: the row of folders (with the unread count, and the review, reports and
//! settings pages for those who have them), the schools one writes in, the recipients line in
//! the reader's words, a message as a list item, and the page query.

use askama::Template;
use ent_portlet_kit::views::{Badge, Html, Item, Tab, Tabs};
use ent_portlet_kit::{Ctx, Identity, Lang, Link, PortletError, Profile, calendar};
use serde::Deserialize;

use crate::App;
use crate::access;
use crate::book;
use crate::model::{HoldReason, State, ToPart};
use crate::store::Message;
use crate::texts::{Texts, texts};

/// The folders and pages of the row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Folder {
    Inbox,
    Sent,
    Drafts,
    Archive,
    Search,
    Compose,
    Review,
    Reports,
    Settings,
    Notifications,
    None,
}

#[derive(Template)]
#[template(path = "nav.html")]
pub struct Nav {
    pub t: &'static Texts,
    pub tabs: Tabs,
    pub new_href: String,
    pub search_action: String,
    pub query: String,
    pub csrf: String,
}

/// The row of folders, with what this person has waiting.
pub async fn nav(state: &App, who: &Identity, ctx: &Ctx, current: Folder, query: &str) -> Result<Html, PortletError> {
    let t = texts(ctx.lang);
    let hidden = state.store.schools_off(who.profile).await?;
    let unread = state.store.unread_count(&who.sub, &hidden).await?;
    let tab = |label: String, path: &str, folder: Folder| Tab {
        label,
        href: ctx.href(&Link::to(path)),
        current: folder == current,
    };
    let inbox = if unread > 0 { t.inbox_unread(unread) } else { t.inbox.to_string() };
    let mut tabs = vec![
        tab(inbox, "/view/inbox", Folder::Inbox),
        tab(t.sent.into(), "/view/sent", Folder::Sent),
        tab(t.drafts.into(), "/view/drafts", Folder::Drafts),
        tab(t.archive.into(), "/view/archive", Folder::Archive),
    ];
    if who.profile == Profile::Parent {
        tabs.push(tab(crate::notify::texts(ctx.lang).tab.into(), "/view/notifications", Folder::Notifications));
    }
    let reviewed = access::reviewed_schools(who);
    if !reviewed.is_empty() {
        let mut waiting = 0;
        for school in &reviewed {
            waiting += state.store.held(school).await?.iter().filter(|m| access::can_review(who, m)).count();
        }
        let label = if waiting > 0 { t.review_waiting(waiting) } else { t.review.to_string() };
        tabs.push(tab(label, "/view/review", Folder::Review));
    }
    let managed: Vec<String> = who.directed_schools().map(str::to_owned).collect();
    if !managed.is_empty() || who.profile == Profile::Admin {
        let mut reported = 0;
        for school in &managed {
            reported += state.store.open_reports(school).await?.len();
        }
        let label = if reported > 0 { t.reports_waiting(reported) } else { t.reports.to_string() };
        tabs.push(tab(label, "/view/reports", Folder::Reports));
        tabs.push(tab(t.settings.into(), "/view/settings", Folder::Settings));
    }
    Html::of(&Nav {
        t,
        tabs: Tabs::new(t.folders, tabs),
        new_href: ctx.href(&Link::to("/view/new")),
        search_action: ctx.href(&Link::to("/view/search")),
        query: query.to_string(),
        csrf: ctx.csrf.clone(),
    })
}

/// `?page=N`.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    pub page: Option<i64>,
    pub q: Option<String>,
    pub school: Option<String>,
    pub done: Option<String>,
}

/// The recipients line in the reader's words.
pub fn to_line(to: &[ToPart], t: &Texts) -> String {
    to.iter()
        .map(|p| match p {
            ToPart::Person { name } => name.clone(),
            ToPart::Group { kind, class_name } => group_label(kind, class_name.as_deref(), t),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A group's words: "Parents de CM1 A", "Enseignants de l'école".
pub fn group_label(kind: &str, class: Option<&str>, t: &Texts) -> String {
    let class = class.unwrap_or("—");
    match kind {
        "class_pupils" => t.group_class_pupils(class),
        "class_parents" => t.group_class_parents(class),
        "class_teachers" => t.group_class_teachers(class),
        "school_teachers" => t.group_school_teachers.into(),
        "school_staff" => t.group_school_staff.into(),
        "school_directors" => t.group_school_directors.into(),
        "school_parents" => t.group_school_parents.into(),
        "school_pupils" => t.group_school_pupils.into(),
        _ => "—".into(),
    }
}

/// Why a message waits, in the reader's words.
pub fn hold_reason(reason: Option<HoldReason>, t: &Texts) -> &'static str {
    match reason {
        Some(HoldReason::Rate) => t.held_rate,
        Some(HoldReason::SchoolRate) => t.held_school_rate,
        Some(HoldReason::NewSession) => t.held_new_session,
        Some(HoldReason::PupilBroadcast) => t.held_pupil_broadcast,
        None => "",
    }
}

/// A message's state as a badge, for its author.
pub fn state_badge(m: &Message, t: &Texts) -> Option<Badge> {
    match m.state {
        State::Held => Some(Badge::warn(t.badge_held)),
        State::Recalled => Some(Badge::plain(t.badge_recalled)),
        State::Retracted => Some(Badge::warn(t.badge_retracted)),
        State::Refused => Some(Badge::warn(t.badge_refused)),
        State::Draft => Some(Badge::plain(t.badge_draft)),
        State::Sent => None,
    }
}

/// An instant in Paris time.
pub fn when(unix: i64, lang: Lang) -> String {
    calendar::format_instant(unix, lang)
}

/// A message as an item of a list: its subject, who and when, and its state for its author.
pub fn message_item(ctx: &Ctx, t: &Texts, m: &Message, mine: bool) -> Item {
    let href = match (&m.conversation_id, m.state) {
        (_, State::Draft) => ctx.href(&Link::to(format!("/view/drafts/{}", m.id))),
        (Some(c), _) => ctx.href(&Link::to(format!("/view/c/{c}"))),
        (None, _) => ctx.href(&Link::to("/view/sent")),
    };
    let at = when(m.sent_at.unwrap_or(m.created_at), ctx.lang);
    let meta = if mine {
        let to = to_line(&m.to, t);
        if to.is_empty() { at } else { format!("{} {to} · {at}", t.to_prefix) }
    } else {
        format!("{} · {at}", m.author_name)
    };
    let title = if m.subject.is_empty() { t.no_subject.to_string() } else { m.subject.clone() };
    Item { href, title, meta, badges: if mine { state_badge(m, t).into_iter().collect() } else { Vec::new() } }
}

/// The schools this person writes in, by UAI: their own; an admin's, the directory's.
pub async fn writing_schools(state: &App, who: &Identity) -> Result<Vec<String>, PortletError> {
    if who.profile != Profile::Admin {
        return Ok(book::own_schools(who));
    }
    let Some(directory) = state.directory() else { return Ok(Vec::new()) };
    match directory.schools().await {
        Ok(schools) => Ok(schools.into_iter().map(|s| s.uai).collect()),
        Err(e) => {
            tracing::warn!(error = %e, "the directory's schools are unavailable");
            Err(PortletError::Unavailable(texts(Lang::Fr).directory_down.into()))
        }
    }
}

/// The school a request names among those offered, the first when it names none, 404 when
/// it names one not offered.
pub fn pick_school(offered: &[String], asked: Option<&str>, lang: Lang) -> Result<Option<String>, PortletError> {
    match asked.filter(|s| !s.is_empty()) {
        Some(s) => offered.iter().find(|o| *o == s).cloned().map(Some).ok_or(PortletError::NotFound(lang)),
        None => Ok(offered.first().cloned()),
    }
}
