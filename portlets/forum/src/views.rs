//! What the pages share: finding the forum, thread or post a path names and checking the
//! reader may know it exists (404 otherwise), the forums one has (made on first use), the ones
//! one moderates, how many things a page holds, and a post's text made HTML.

use ent_portlet_kit::access::{self as kit_access, ClassInfo};
use ent_portlet_kit::richtext::RichText;
use ent_portlet_kit::views::Html;
use ent_portlet_kit::{Identity, Lang, PortletError, Profile, calendar};
use serde::Deserialize;

use crate::App;
use crate::access::{can_moderate, can_read, can_write, works_at};
use crate::model::{ForumId, PostId, PostState, Scope, ThreadId, ThreadState};
use crate::store::{Forum, Post, Thread, Viewer};

/// Threads on a page of a forum, posts on a page of a thread.
pub const PER_PAGE: i64 = 20;

/// `?page=N` (from 1), with the category a forum page shows and what a post just did.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    pub page: Option<i64>,
    pub category: Option<String>,
    pub quote: Option<String>,
    pub done: Option<String>,
}

impl PageQuery {
    /// The page asked for, from 1.
    pub fn page(&self) -> i64 {
        self.page.unwrap_or(1).clamp(1, 100_000)
    }
}

/// The number of pages `total` things fill (at least one).
pub fn pages(total: i64) -> i64 {
    ((total + PER_PAGE - 1) / PER_PAGE).max(1)
}

/// What a reader sees of a forum.
pub fn viewer<'a>(who: &'a Identity, f: &Forum) -> Viewer<'a> {
    if can_moderate(who, f) { Viewer::Moderator { sub: &who.sub } } else { Viewer::Member { sub: &who.sub } }
}

/// The forum a path names, when this person may read it; 404 otherwise.
pub async fn readable_forum(state: &App, who: &Identity, lang: Lang, raw: &str) -> Result<Forum, PortletError> {
    let id = ForumId::parse(raw).ok_or(PortletError::NotFound(lang))?;
    match state.store.forum(&id).await? {
        Some(f) if can_read(who, &f) => Ok(f),
        _ => Err(PortletError::NotFound(lang)),
    }
}

/// Whether this viewer sees the thread at all.
pub fn sees_thread(who: &Identity, f: &Forum, t: &Thread) -> bool {
    can_moderate(who, f) || t.state == ThreadState::Open || (t.state == ThreadState::Held && t.author_sub == who.sub)
}

/// Whether this viewer sees the post: a moderator every post; anyone else a visible post of a
/// thread they see, and their own held posts.
pub fn sees_post(who: &Identity, f: &Forum, t: &Thread, p: &Post) -> bool {
    if can_moderate(who, f) {
        return true;
    }
    sees_thread(who, f, t)
        && match p.state {
            PostState::Visible => true,
            PostState::Held => p.author_sub == who.sub,
            PostState::Hidden => false,
        }
}

/// The thread a path names with its forum, when this person sees it; 404 otherwise.
pub async fn readable_thread(
    state: &App,
    who: &Identity,
    lang: Lang,
    raw: &str,
) -> Result<(Forum, Thread), PortletError> {
    let id = ThreadId::parse(raw).ok_or(PortletError::NotFound(lang))?;
    let thread = state.store.thread(&id).await?.ok_or(PortletError::NotFound(lang))?;
    let forum = state.store.forum(&thread.forum_id).await?.ok_or(PortletError::NotFound(lang))?;
    if can_read(who, &forum) && sees_thread(who, &forum, &thread) {
        Ok((forum, thread))
    } else {
        Err(PortletError::NotFound(lang))
    }
}

/// The post a path names with its thread and forum, when this person sees it; 404 otherwise
/// (a hidden post is not known to exist but by moderators).
pub async fn readable_post(
    state: &App,
    who: &Identity,
    lang: Lang,
    raw: &str,
) -> Result<(Forum, Thread, Post), PortletError> {
    let id = PostId::parse(raw).ok_or(PortletError::NotFound(lang))?;
    let post = state.store.post(&id).await?.ok_or(PortletError::NotFound(lang))?;
    let (forum, thread) = readable_thread(state, who, lang, post.thread_id.as_str()).await?;
    if sees_post(who, &forum, &thread, &post) { Ok((forum, thread, post)) } else { Err(PortletError::NotFound(lang)) }
}

/// The forums this person reads: their school's and their classes' (a school forum for the
/// adults who work there, a class forum for its pupils, teachers and director are made on
/// first use; pupils and families find those opened to them). School forums first.
pub async fn my_forums(state: &App, who: &Identity) -> Result<Vec<Forum>, PortletError> {
    let mut out: Vec<Forum> = Vec::new();
    for school in candidate_schools(who) {
        let forum = match state.store.forum_of(&Scope::School, &school).await? {
            Some(f) => Some(f),
            None if works_at(who, &school) => {
                let name = school_name(state, &school).await;
                Some(state.store.ensure_forum(&Scope::School, &school, &name, state.now()).await?)
            }
            None => None,
        };
        out.extend(forum.filter(|f| can_read(who, f)));
    }
    for class in candidate_classes(state, who).await? {
        let scope = Scope::Class { class_id: class.id.clone() };
        let forum = match state.store.forum_of(&scope, &class.school).await? {
            Some(f) => Some(f),
            None if !class.school.is_empty() && may_open_class(who, &scope, &class.school) => {
                let name = if class.name.is_empty() { class.id.clone() } else { class.name.clone() };
                Some(state.store.ensure_forum(&scope, &class.school, &name, state.now()).await?)
            }
            None => None,
        };
        if let Some(f) = forum.filter(|f| can_read(who, f) && !out.iter().any(|o| o.id == f.id)) {
            out.push(f);
        }
    }
    Ok(out)
}

/// The forums this person moderates.
pub async fn moderated_forums(state: &App, who: &Identity) -> Result<Vec<Forum>, PortletError> {
    if !who.writes_for_classes() {
        return Ok(Vec::new());
    }
    Ok(my_forums(state, who).await?.into_iter().filter(|f| can_moderate(who, f)).collect())
}

/// Whether this person may have this class's forum made: its pupils, its teachers and the
/// school's director (those who write in it).
fn may_open_class(who: &Identity, scope: &Scope, school: &str) -> bool {
    let probe = Forum {
        id: ForumId::stored(String::new()),
        scope: scope.clone(),
        school: school.to_string(),
        name: String::new(),
        mode: Default::default(),
        open_families: false,
        open_pupils: false,
        open_parents: false,
    };
    can_write(who, &probe)
}

/// The schools whose forum this person might read.
fn candidate_schools(who: &Identity) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: &str| {
        if !s.is_empty() && !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    };
    match who.profile {
        Profile::Staff | Profile::Teacher | Profile::Director => {
            who.directed_schools().for_each(&mut add);
            who.taught_classes().for_each(|c| add(&c.school));
            who.schools.iter().for_each(|s| add(s));
        }
        Profile::Pupil => who.pupil_classes().for_each(|c| add(&c.school)),
        Profile::Parent => who.children().iter().filter_map(|c| c.school.as_deref()).for_each(add),
        Profile::CityAgent | Profile::Admin => {}
    }
    out
}

/// The classes whose forum this person might read: a pupil's class, a parent's children's,
/// a teacher's classes and a director's school's.
async fn candidate_classes(state: &App, who: &Identity) -> Result<Vec<ClassInfo>, PortletError> {
    Ok(match who.profile {
        Profile::Pupil => who
            .pupil_classes()
            .map(|c| ClassInfo { id: c.id.clone(), name: c.name.clone(), school: c.school.clone() })
            .collect(),
        Profile::Parent => who
            .children()
            .iter()
            .filter_map(|c| {
                Some(ClassInfo {
                    id: c.class.clone()?,
                    name: c.class_name.clone().unwrap_or_default(),
                    school: c.school.clone().unwrap_or_default(),
                })
            })
            .collect(),
        Profile::Teacher | Profile::Director => {
            kit_access::writable_classes(who, state.directory(), &state.store).await?
        }
        Profile::Staff | Profile::CityAgent | Profile::Admin => Vec::new(),
    })
}

/// A school's name from the directory, or its UAI while the directory does not say.
async fn school_name(state: &App, uai: &str) -> String {
    let Some(directory) = state.directory() else { return uai.to_string() };
    match directory.schools().await {
        Ok(schools) => schools.into_iter().find(|s| s.uai == uai).map_or_else(|| uai.to_string(), |s| s.name),
        Err(e) => {
            tracing::warn!(error = %e, "the directory's schools are unavailable");
            uai.to_string()
        }
    }
}

/// A post's Markdown as the HTML readers get: the kit's rules (raw HTML kept as text, the
/// allow-list, links marked, no picture: the forum stores none), headings below the page's.
pub fn post_html(body: &str) -> Html {
    RichText::new().headings_from(4).to_html(body)
}

/// An instant in Paris time.
pub fn when(unix: i64, lang: Lang) -> String {
    calendar::format_instant(unix, lang)
}
