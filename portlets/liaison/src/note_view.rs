//! One note (`GET /view/notes/{id}`) as its reader may see it: the text; for the class's staff
//! whom it concerns, the table of signatures, the reminder and the threads by pupil; for a
//! parent which of their children it concerns, their signatures and threads; for a pupil
//! whether their parents signed. And one thread (`GET /view/notes/{id}/thread?pupil=…`).
//! Showing a thread marks it read for the reader. Pupils come from `Loaded`, already limited
//! to those the reader may see.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use ent_portlet_kit::calendar::format_instant;
use ent_portlet_kit::form::Pairs;
use ent_portlet_kit::views::{Badge, Cell, Item, Items, Row, Table, paragraphs, render};
use ent_portlet_kit::{Ctx, Identity, Link, PortletError, Profile, html};

use crate::App;
use crate::access;
use crate::store::{Expected, Kind, Note, Person};
use crate::templates::{self, MAX_BODY, MessageView, OwnSignature, SignatureTable, ThreadBlock, ThreadPage};
use crate::texts::{Texts, texts};
use crate::views::{Loaded, gate, load, note_path, thread_path};

// ----- One note -----

pub async fn note(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortletError> {
    gate(&who, &ctx)?;
    let loaded = load(&state.store, &who, &ctx, &id).await?;
    Ok(html(note_page(&state, &who, &ctx, &loaded, Problem::None).await?))
}

/// What went wrong with a post shown on the note's page.
pub(crate) enum Problem {
    None,
    /// An error about the note (a reminder refused).
    Note(String),
}

/// The note's page as this reader may see it.
pub(crate) async fn note_page(
    state: &App,
    who: &Identity,
    ctx: &Ctx,
    loaded: &Loaded,
    problem: Problem,
) -> Result<String, PortletError> {
    let t = texts(ctx.lang);
    let note = &loaded.note;
    let staff = access::is_staff_of(who, note);
    let names = names(loaded.pupils());
    let audience = match note.kind {
        Kind::Parent => t.parent_note_about(&names),
        Kind::Class if note.whole_class => t.to_whole_class(&note.class_name),
        Kind::Class if staff => t.to_pupils(&names),
        // A family's own children only: "for the families of" would claim a list it is not shown.
        Kind::Class => t.concerns(&names),
    };
    let mut page = templates::NotePage {
        t,
        ctx,
        back_href: ctx.href(&Link::to("/view/notes")),
        title: note.title.clone(),
        meta: t.by_on(&note.author_name, &format_instant(note.created_at, t.lang), &note.class_name),
        audience,
        badges: Vec::new(),
        error: match problem {
            Problem::Note(e) => Some(e),
            Problem::None => None,
        },
        paragraphs: paragraphs(&note.body),
        signatures: None,
        own_signatures: Vec::new(),
        thread_links: Items::default(),
        threads: Vec::new(),
        max_body: MAX_BODY,
    };
    if note.kind == Kind::Parent {
        page.badges.push(Badge::plain(t.from_parent));
    }
    let expected = loaded.expected(&state.store).await?;
    if staff {
        if note.needs_signature {
            page.signatures = Some(signature_table(state, who, ctx, t, loaded, &expected).await?);
        }
        if note.kind == Kind::Class {
            let sizes = state.store.thread_sizes(&note.id).await?;
            page.thread_links.items = loaded
                .pupils()
                .iter()
                .map(|p| {
                    let n = sizes.get(&p.sub).copied().unwrap_or(0);
                    Item {
                        href: ctx.href(&thread_path(&note.id, &p.sub)),
                        title: p.name.clone(),
                        meta: t.messages(n),
                        badges: Vec::new(),
                    }
                })
                .collect();
        }
    }
    match who.profile {
        Profile::Parent => {
            for pupil in loaded.pupils().iter().filter(|p| who.child(&p.sub).is_some()) {
                if note.needs_signature {
                    page.own_signatures.push(own_signature(ctx, t, who, note, &expected, pupil));
                }
            }
        }
        Profile::Pupil if note.needs_signature => {
            let signed = expected.iter().any(|e| e.pupil_sub == who.sub && e.signed_at.is_some());
            let has_signers = expected.iter().any(|e| e.pupil_sub == who.sub);
            if has_signers {
                page.badges.push(if signed { Badge::ok(t.parents_signed) } else { Badge::warn(t.parents_not_signed) });
            }
        }
        _ => {}
    }
    // Threads shown in the page: a parent's own children's, and a parent note's one thread.
    let inline: Vec<&Person> = loaded
        .pupils()
        .iter()
        .filter(|p| (note.kind == Kind::Parent || !staff) && access::can_read_thread(who, note, &p.sub))
        .collect();
    for pupil in inline {
        page.threads.push(thread_block(state, who, ctx, t, note, pupil, None, String::new()).await?);
    }
    render(&page)
}

fn names(pupils: &[Person]) -> String {
    pupils.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
}

async fn signature_table(
    state: &App,
    who: &Identity,
    ctx: &Ctx,
    t: &Texts,
    loaded: &Loaded,
    expected: &[Expected],
) -> Result<SignatureTable, PortletError> {
    let note = &loaded.note;
    let mut rows = Vec::new();
    let mut without = 0;
    for pupil in loaded.pupils() {
        let mine: Vec<_> = expected.iter().filter(|e| e.pupil_sub == pupil.sub).collect();
        if mine.is_empty() {
            without += 1;
            rows.push(Row {
                head: pupil.name.clone(),
                cells: vec![Cell::Text("—".into()), Cell::Badge(Badge::plain(t.no_signer))],
            });
        }
        for e in mine {
            let badge = match (e.signed_at, &e.signer_name) {
                (Some(at), Some(by)) => Badge::ok(t.signed_on(&format_instant(at, t.lang), by)),
                _ => Badge::warn(t.not_signed),
            };
            rows.push(Row {
                head: pupil.name.clone(),
                cells: vec![Cell::Text(e.parent_name.clone()), Cell::Badge(badge)],
            });
        }
    }
    let signed = expected.iter().filter(|e| e.signed_at.is_some()).count() as i64;
    let mut counts = t.signed_count(signed, expected.len() as i64);
    if without > 0 {
        counts = format!("{counts} — {}", t.no_signer_for(without));
    }
    let reminded = match note.last_reminder_at {
        Some(at) => t.last_reminder(&format_instant(at, t.lang), state.store.reminders(&note.id).await?),
        None => String::new(),
    };
    Ok(SignatureTable {
        counts,
        table: Table {
            caption: t.signatures_caption.into(),
            columns: vec![t.pupil.into(), t.parent.into(), t.status.into()],
            rows,
        },
        reminded,
        // The button shows only when a reminder would be accepted.
        can_remind: access::can_remind(who, note)
            && (signed as usize) < expected.len()
            && note.last_reminder_at.is_none_or(|at| at <= state.now() - crate::store::REMINDER_INTERVAL_SECS),
        remind_action: ctx.href(&Link::to(format!("/view/notes/{}/remind", note.id))),
    })
}

fn own_signature(
    ctx: &Ctx,
    t: &Texts,
    who: &Identity,
    note: &Note,
    expected: &[Expected],
    pupil: &Person,
) -> OwnSignature {
    let mine = expected.iter().find(|e| e.pupil_sub == pupil.sub && e.parent_sub == who.sub);
    let others_signed: Vec<_> = expected.iter().filter(|e| e.pupil_sub == pupil.sub && e.signed_at.is_some()).collect();
    let (status, can_sign, reminded) = match mine {
        Some(e) => match (e.signed_at, &e.signer_name) {
            (Some(at), Some(by)) => (t.signed_on(&format_instant(at, t.lang), by), false, false),
            _ => (t.not_signed.to_string(), access::can_sign(who, note, &pupil.sub), note.last_reminder_at.is_some()),
        },
        None => {
            // Not an expected signer: the note can be read, not signed; say whether it was.
            let status = match others_signed.first() {
                Some(e) => t.signed_on(
                    &format_instant(e.signed_at.unwrap_or(0), t.lang),
                    e.signer_name.as_deref().unwrap_or("—"),
                ),
                None => t.not_signed.to_string(),
            };
            (format!("{status} — {}", t.cannot_sign_no_authority), false, false)
        }
    };
    OwnSignature {
        anchor: format!("sign-{}", short(&pupil.sub)),
        pupil_sub: pupil.sub.clone(),
        heading: t.signature_for(&pupil.name),
        status,
        reminded,
        can_sign,
        action: ctx.href(&Link::to(format!("/view/notes/{}/sign", note.id))),
    }
}

/// An id for HTML anchors derived from a sub (subs may hold characters ids should not).
fn short(sub: &str) -> String {
    sub.bytes().filter(u8::is_ascii_alphanumeric).take(40).map(char::from).collect()
}

/// A thread, marked read by this reader now.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn thread_block(
    state: &App,
    who: &Identity,
    ctx: &Ctx,
    t: &Texts,
    note: &Note,
    pupil: &Person,
    error: Option<String>,
    value: String,
) -> Result<ThreadBlock, PortletError> {
    let messages = state.store.thread(&note.id, &pupil.sub).await?;
    let last = messages.last().map_or(0, |m| m.id);
    state.store.mark_read(&note.id, &pupil.sub, &who.sub, state.now(), last).await?;
    Ok(ThreadBlock {
        anchor: format!("thread-{}", short(&pupil.sub)),
        pupil_sub: pupil.sub.clone(),
        heading: t.thread_of(&pupil.name),
        messages: messages
            .iter()
            .map(|m| MessageView {
                author: m.author_name.clone(),
                when: format_instant(m.created_at, t.lang),
                paragraphs: paragraphs(&m.body),
            })
            .collect(),
        can_write: access::can_write_thread(who, note, &pupil.sub),
        action: ctx.href(&Link::to(format!("/view/notes/{}/reply", note.id))),
        error,
        value,
    })
}

// ----- One thread -----

pub async fn thread(
    State(state): State<App>,
    who: Identity,
    ctx: Ctx,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, PortletError> {
    gate(&who, &ctx)?;
    let loaded = load(&state.store, &who, &ctx, &id).await?;
    let q = Pairs::query(query.as_deref());
    let pupil = q.get("pupil").unwrap_or("");
    if !loaded.concerns(pupil) || !access::can_read_thread(&who, &loaded.note, pupil) {
        return Err(PortletError::NotFound(ctx.lang));
    }
    Ok(html(thread_page(&state, &who, &ctx, &loaded, pupil, None, String::new()).await?))
}

pub(crate) async fn thread_page(
    state: &App,
    who: &Identity,
    ctx: &Ctx,
    loaded: &Loaded,
    pupil_sub: &str,
    error: Option<String>,
    value: String,
) -> Result<String, PortletError> {
    let t = texts(ctx.lang);
    let pupil = Person { sub: pupil_sub.to_string(), name: loaded.pupil_name(pupil_sub).to_string() };
    let th = thread_block(state, who, ctx, t, &loaded.note, &pupil, error, value).await?;
    render(&ThreadPage {
        t,
        ctx,
        back_href: ctx.href(&note_path(&loaded.note.id)),
        back_text: format!("{} {}", t.back_to_note, loaded.note.title),
        th,
        max_body: MAX_BODY,
    })
}
