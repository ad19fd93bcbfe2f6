//! Writing a message: the form (subject, text, files, recipients), kept as a draft at every step
//! so that nothing typed is lost — searching for a person, saving, a refusal, a request to sign
//! in again. The picker offers only the groups and people the school's rules allow the writer;
//! what is sent is checked again, on the server, when it is sent (`sending`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use ent_portlet_kit::field::{self, Problem};
use ent_portlet_kit::views::{self, Html, Notice, Tab, Tabs};
use ent_portlet_kit::{Ctx, Identity, Link, PortletError, Posted, see_other};

use crate::App;
use crate::book::{self, Book};
use crate::files;
use crate::limits;
use crate::model::{State as MessageState, fold};
use crate::policy::{self, Address, Group, Rules};
use crate::sending::{self, Refusal};
use crate::store::{DraftText, Message};
use crate::texts::{Texts, texts};
use crate::views::{Folder, PageQuery, group_label, nav, pick_school, writing_schools};

/// The longest subject and text, in characters.
pub const MAX_SUBJECT: usize = 200;
pub const MAX_BODY: usize = 10_000;
/// People listed without a search when the writer may reach at most this many.
const LIST_ALL_UNDER: usize = 60;
/// People a search shows at most.
const SEARCH_SHOWS: usize = 50;

/// A checkbox of the picker.
pub struct Pick {
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "compose.html")]
struct ComposePage<'a> {
    t: &'static Texts,
    nav: Html,
    schools: Tabs,
    action: String,
    csrf: &'a str,
    school: String,
    reply: bool,
    subject: String,
    body: String,
    chosen: Vec<Pick>,
    groups: Vec<Pick>,
    people: Vec<Pick>,
    query: String,
    people_hint: String,
    cap_hint: String,
    files: Vec<(String, String, String)>,
    files_hint: String,
    error: Option<String>,
    notice: Option<Notice>,
    can_delete: bool,
}

/// What the form holds.
struct Typed {
    subject: String,
    body: String,
    addresses: Vec<String>,
}

fn typed(form: &Posted) -> Typed {
    let mut addresses: Vec<String> = Vec::new();
    for a in form.all("to") {
        if a.parse::<Address>().is_ok() && !addresses.iter().any(|x| x == a) {
            addresses.push(a.to_string());
        }
    }
    Typed {
        subject: field::one_line(form.text("subject")).chars().take(MAX_SUBJECT).collect(),
        body: field::multiline(form.text("body")).chars().take(MAX_BODY + 1).collect(),
        addresses,
    }
}

/// GET /view/new?school=&to=
pub async fn new(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> Result<Response, PortletError> {
    let schools = writing_schools(&state, &who).await?;
    let Some(school) = pick_school(&schools, q.school.as_deref(), ctx.lang)? else {
        return Err(PortletError::Forbidden(ctx.lang));
    };
    let draft = Message::blank(&school, &who);
    let page = form_page(&state, &who, &ctx, &draft, &schools, q.q.as_deref().unwrap_or(""), None, None).await?;
    views::page(&page)
}

/// GET /view/drafts/{id}?q=
pub async fn edit(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, PortletError> {
    let Some(draft) = state.store.draft(&id, &who.sub).await? else { return Err(PortletError::NotFound(ctx.lang)) };
    let t = texts(ctx.lang);
    let notice = q.done.as_deref().and_then(|d| crate::folders::done_notice(d, t)).map(Notice::status);
    let page = form_page(&state, &who, &ctx, &draft, &[], q.q.as_deref().unwrap_or(""), None, notice).await?;
    views::page(&page)
}

/// POST /view/new: a new draft from the form, then what the button asked.
pub async fn create(State(state): State<App>, who: Identity, ctx: Ctx, form: Posted) -> Result<Response, PortletError> {
    let schools = writing_schools(&state, &who).await?;
    let Some(school) = pick_school(&schools, Some(form.text("school")), ctx.lang)? else {
        return Err(PortletError::Forbidden(ctx.lang));
    };
    let typed = typed(&form);
    let classes = book::sender(&who, &school).classes;
    let id = state
        .store
        .create_draft(
            &DraftText {
                school: &school,
                author_sub: &who.sub,
                author_name: who.display_name(),
                author_profile: who.profile,
                author_classes: &classes,
                conversation_id: None,
                subject: &typed.subject,
                body: &typed.body,
                addresses: &typed.addresses,
            },
            state.now(),
        )
        .await?;
    act(&state, &who, &ctx, &id, &form).await
}

/// POST /view/drafts/{id}: the draft rewritten from the form, then what the button asked.
pub async fn update(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, PortletError> {
    let Some(draft) = state.store.draft(&id, &who.sub).await? else { return Err(PortletError::NotFound(ctx.lang)) };
    if form.text("action") == "delete" {
        state.store.delete_draft(&id, &who.sub).await?;
        return Ok(see_other(&Link::to("/view/drafts").q("done", "deleted")));
    }
    let typed = typed(&form);
    let classes = book::sender(&who, &draft.school).classes;
    let text = DraftText {
        school: &draft.school,
        author_sub: &who.sub,
        author_name: who.display_name(),
        author_profile: who.profile,
        author_classes: &classes,
        conversation_id: draft.conversation_id.as_deref(),
        // A reply keeps its conversation's subject.
        subject: if draft.conversation_id.is_some() { &draft.subject } else { &typed.subject },
        body: &typed.body,
        addresses: &typed.addresses,
    };
    if !state.store.update_draft(&id, &text, state.now()).await? {
        return Err(PortletError::NotFound(ctx.lang));
    }
    act(&state, &who, &ctx, &id, &form).await
}

/// After the draft is saved: attach the files, then search, save, drop a file, or send.
async fn act(state: &App, who: &Identity, ctx: &Ctx, id: &str, form: &Posted) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let now = state.now();
    let kept = state.store.attachments(&[id]).await?.len();
    if let Some(problem) = files::attach(state, who, id, kept, &form.files, t, now).await? {
        return refuse(state, who, ctx, id, problem).await;
    }
    let action = form.text("action");
    if let Some(file) = action.strip_prefix("detach:") {
        state.store.detach(file, &who.sub).await?;
        return Ok(see_other(&Link::to(format!("/view/drafts/{id}"))));
    }
    match action {
        "find" => {
            let q: String = form.text("q").trim().chars().take(100).collect();
            Ok(see_other(&Link::to(format!("/view/drafts/{id}")).q("q", q)))
        }
        "send" => send(state, who, ctx, id).await,
        _ => Ok(see_other(&Link::to(format!("/view/drafts/{id}")).q("done", "saved"))),
    }
}

async fn send(state: &App, who: &Identity, ctx: &Ctx, id: &str) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let Some(draft) = state.store.draft(id, &who.sub).await? else { return Err(PortletError::NotFound(ctx.lang)) };
    let subject = if draft.conversation_id.is_some() {
        Ok(draft.subject.clone())
    } else {
        field::required(&draft.subject, MAX_SUBJECT)
    };
    if let Err(p) = subject {
        return refuse(state, who, ctx, id, subject_problem(p, t)).await;
    }
    match field::required(&draft.body, MAX_BODY) {
        Ok(_) => {}
        Err(Problem::Missing) => return refuse(state, who, ctx, id, t.body_missing.into()).await,
        Err(_) => return refuse(state, who, ctx, id, t.body_too_long(MAX_BODY)).await,
    }
    match sending::send(&state.store, state.directory(), who, &draft, state.now()).await? {
        Ok(m) => {
            let sent = if m.state == MessageState::Held { "held" } else { "ok" };
            let conversation = m.conversation_id.unwrap_or_default();
            Ok(see_other(&Link::to(format!("/view/c/{conversation}")).q("sent", sent)))
        }
        Err(Refusal::SignInAgain) => Err(step_up(id)),
        Err(refusal) => refuse(state, who, ctx, id, refusal_text(&refusal, t)).await,
    }
}

fn subject_problem(p: Problem, t: &Texts) -> String {
    match p {
        Problem::Missing => t.subject_missing.into(),
        _ => t.subject_too_long(MAX_SUBJECT),
    }
}

/// The draft's form again, with what went wrong (`422`).
async fn refuse(state: &App, who: &Identity, ctx: &Ctx, id: &str, error: String) -> Result<Response, PortletError> {
    let Some(draft) = state.store.draft(id, &who.sub).await? else { return Err(PortletError::NotFound(ctx.lang)) };
    let page = form_page(state, who, ctx, &draft, &[], "", Some(error), None).await?;
    Err(PortletError::Form(views::render(&page)?))
}

/// Asks the portal for a fresh sign-in, then back to the draft (RFC 9470).
pub fn step_up(draft_id: &str) -> PortletError {
    PortletError::StepUp {
        max_age: limits::BROADCAST_AUTH_MAX_AGE,
        back: Some(Link::to(format!("/view/drafts/{draft_id}")).q("done", "signed_in")),
    }
}

/// A refusal in the writer's words.
pub fn refusal_text(r: &Refusal, t: &Texts) -> String {
    match r {
        Refusal::Closed => t.refused_closed.into(),
        Refusal::Frozen => t.refused_frozen.into(),
        Refusal::NotYourSchool => t.refused_school.into(),
        Refusal::NoRecipient => t.refused_no_recipient.into(),
        Refusal::NotAllowed(Some(name)) => t.refused_person(name),
        Refusal::NotAllowed(None) => t.refused_unknown.into(),
        Refusal::GroupNotAllowed => t.refused_group.into(),
        Refusal::TooMany(cap) => t.refused_too_many(*cap),
        Refusal::SignInAgain => t.sign_in_again.into(),
        Refusal::DirectoryUnavailable => t.directory_down.into(),
    }
}

/// The groups a school offers, in the picker's order.
fn candidate_groups(book: &Book) -> Vec<Group> {
    let mut out = Vec::new();
    for c in &book.classes {
        out.push(Group::ClassTeachers(c.id.clone()));
        out.push(Group::ClassPupils(c.id.clone()));
        out.push(Group::ClassParents(c.id.clone()));
    }
    out.extend([
        Group::SchoolDirectors,
        Group::SchoolStaff,
        Group::SchoolTeachers,
        Group::SchoolPupils,
        Group::SchoolParents,
    ]);
    out
}

fn address_label(a: &Address, book: Option<&Book>, repliable: &[(String, String)], t: &Texts) -> String {
    match a {
        Address::Person(sub) => repliable
            .iter()
            .find(|(s, _)| s == sub)
            .map(|(_, n)| n.clone())
            .or_else(|| book.and_then(|b| b.member(sub)).map(|m| m.name.clone()))
            .unwrap_or_else(|| t.unknown_person.into()),
        Address::Group(g) => {
            let (kind, class) = match g {
                Group::ClassPupils(c) => ("class_pupils", Some(c)),
                Group::ClassParents(c) => ("class_parents", Some(c)),
                Group::ClassTeachers(c) => ("class_teachers", Some(c)),
                Group::SchoolTeachers => ("school_teachers", None),
                Group::SchoolStaff => ("school_staff", None),
                Group::SchoolDirectors => ("school_directors", None),
                Group::SchoolParents => ("school_parents", None),
                Group::SchoolPupils => ("school_pupils", None),
            };
            let class_name = class.and_then(|c| book.and_then(|b| b.class_name(c)));
            group_label(kind, class_name, t)
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn form_page<'a>(
    state: &App,
    who: &Identity,
    ctx: &'a Ctx,
    draft: &Message,
    schools: &[String],
    query: &str,
    error: Option<String>,
    notice: Option<Notice>,
) -> Result<ComposePage<'a>, PortletError> {
    let t = texts(ctx.lang);
    let school = draft.school.clone();
    // Without the directory the form still opens (a reply, a draft to finish later): the
    // picker is empty and sending says why.
    let book = sending::load_book(state.directory(), &school).await.unwrap_or_else(|e| {
        tracing::warn!(error = ?e, "the directory is unavailable for the picker");
        None
    });
    let repliable = match &draft.conversation_id {
        Some(c) => sending::repliable(&state.store, c, who).await?,
        None => Vec::new(),
    };
    let rules: Rules = state.store.rules(&school).await?;
    let sender = book::sender(who, &school);
    let chosen: Vec<Pick> = draft
        .addresses
        .iter()
        .filter_map(|a| a.parse::<Address>().ok())
        .map(|a| Pick { label: address_label(&a, book.as_ref(), &repliable, t), value: a.to_string() })
        .collect();
    let is_chosen = |v: &str| chosen.iter().any(|c| c.value == v);
    let mut groups = Vec::new();
    let mut people = Vec::new();
    let mut people_hint = String::new();
    if let Some(book) = &book {
        for g in candidate_groups(book) {
            let members =
                book.members.iter().filter(|m| g.contains(m) && policy::may_write(&rules, &sender, m)).count();
            let value = Address::Group(g.clone()).to_string();
            if members == 0 || !policy::may_address(&rules, &sender, &g) || is_chosen(&value) {
                continue;
            }
            let label = format!("{} ({members})", address_label(&Address::Group(g), Some(book), &[], t));
            groups.push(Pick { value, label });
        }
        let reachable: Vec<&policy::Member> =
            book.members.iter().filter(|m| policy::may_write(&rules, &sender, m)).collect();
        let folded = fold(query);
        let listed: Vec<&&policy::Member> = if folded.chars().count() >= 2 {
            reachable.iter().filter(|m| fold(&m.name).contains(&folded)).take(SEARCH_SHOWS).collect()
        } else if reachable.len() <= LIST_ALL_UNDER {
            reachable.iter().collect()
        } else {
            people_hint = t.people_search_hint.into();
            Vec::new()
        };
        for m in listed {
            let value = Address::Person(m.sub.clone()).to_string();
            if !is_chosen(&value) {
                people.push(Pick { value, label: member_label(m, book, t) });
            }
        }
        if folded.chars().count() >= 2 && people.is_empty() {
            people_hint = t.people_none_found.into();
        }
    } else if draft.conversation_id.is_none() {
        people_hint = t.directory_down.into();
    }
    let files = state
        .store
        .attachments(&[draft.id.as_str()])
        .await?
        .into_iter()
        .map(|f| (format!("detach:{}", f.id), f.name, ent_portlet_kit::upload::human_size(f.size, ctx.lang)))
        .collect();
    let tabs = schools
        .iter()
        .map(|s| Tab { label: s.clone(), href: ctx.href(&Link::to("/view/new").q("school", s)), current: *s == school })
        .collect::<Vec<_>>();
    let action = if draft.id.is_empty() {
        ctx.href(&Link::to("/view/new"))
    } else {
        ctx.href(&Link::to(format!("/view/drafts/{}", draft.id)))
    };
    Ok(ComposePage {
        t,
        nav: nav(state, who, ctx, if draft.id.is_empty() { Folder::Compose } else { Folder::Drafts }, "").await?,
        schools: Tabs::new(t.schools, if tabs.len() > 1 { tabs } else { Vec::new() }),
        action,
        csrf: &ctx.csrf,
        school,
        reply: draft.conversation_id.is_some(),
        subject: draft.subject.clone(),
        body: draft.body.clone(),
        chosen,
        groups,
        people,
        query: query.to_string(),
        people_hint,
        cap_hint: t.cap_hint(limits::max_recipients(who.profile)),
        files,
        files_hint: files::limits_hint(state, who, t).await?,
        error,
        notice,
        can_delete: !draft.id.is_empty(),
    })
}

/// A person in the picker: their name and what they are in the school.
fn member_label(m: &policy::Member, book: &Book, t: &Texts) -> String {
    let classes: Vec<&str> = m.classes.iter().filter_map(|c| book.class_name(c)).collect();
    let what = match m.kind {
        policy::Kind::Pupil => t.kind_pupil,
        policy::Kind::Parent => t.kind_parent,
        policy::Kind::Teacher => t.kind_teacher,
        policy::Kind::Director => t.kind_director,
        policy::Kind::Staff => t.kind_staff,
    };
    if classes.is_empty() {
        format!("{} — {what}", m.name)
    } else {
        format!("{} — {what}, {}", m.name, classes.join(", "))
    }
}

impl Message {
    /// A form not yet saved.
    fn blank(school: &str, who: &Identity) -> Message {
        Message {
            id: String::new(),
            conversation_id: None,
            school: school.to_string(),
            author_sub: who.sub.clone(),
            author_name: who.display_name().to_string(),
            author_profile: who.profile,
            author_classes: Vec::new(),
            subject: String::new(),
            body: String::new(),
            addresses: Vec::new(),
            to: Vec::new(),
            state: MessageState::Draft,
            hold_reason: None,
            recipient_count: 0,
            session_start: None,
            created_at: 0,
            sent_at: None,
            ended_at: None,
        }
    }
}
