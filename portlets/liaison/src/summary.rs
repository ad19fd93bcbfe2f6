//! The home page's card (`GET /fragment/summary`): for a parent, what is left to sign for each
//! child and the new replies; for a teacher, the notes awaiting signatures with their counts and
//! the new notes and replies from parents; for a pupil, the latest notes about them; for a
//! director, the school's figures. Other profiles get a polite empty state.

use axum::extract::State;
use axum::response::Response;
use ent_portlet_kit::views::{self, Badge, Items};
use ent_portlet_kit::{Ctx, Identity, Link, PortletError, Profile};

use crate::App;
use crate::access;
use crate::store::Scope;
use crate::templates::{Line, Section, SummaryPage};
use crate::texts::{Texts, texts};
use crate::views::{child_label, child_names, item};

/// Lines per section.
const SHOWN: usize = 5;

pub async fn summary(State(state): State<App>, who: Identity, ctx: Ctx) -> Result<Response, PortletError> {
    let t = texts(ctx.lang);
    let mut page = SummaryPage {
        t,
        sections: Vec::new(),
        lines: Vec::new(),
        empty: t.nothing_for_profile,
        more_href: String::new(),
    };
    if access::has_notebook(&who) {
        page.more_href = ctx.href(&Link::to("/view/notes"));
        page.empty = t.no_notes;
        match who.profile {
            Profile::Parent => parent(&state, &who, &ctx, t, &mut page).await?,
            Profile::Pupil => pupil(&state, &who, &ctx, t, &mut page).await?,
            _ => {
                teacher(&state, &who, &ctx, t, &mut page).await?;
                director(&state, &who, &ctx, t, &mut page).await?;
            }
        }
    }
    views::page(&page)
}

async fn parent(
    state: &App,
    who: &Identity,
    ctx: &Ctx,
    t: &'static Texts,
    page: &mut SummaryPage<'_>,
) -> Result<(), PortletError> {
    let names = child_names(state, who).await;
    for child in who.children() {
        let name = child_label(&names, &child.sub, t);
        if who.is_legal_guardian_of(&child.sub) {
            let notes = state.store.to_sign(&who.sub, &child.sub).await?;
            let items = notes
                .iter()
                .take(SHOWN)
                .map(|n| {
                    let mut i = item(ctx, t, n);
                    i.badges.push(Badge::warn(t.to_sign));
                    if n.last_reminder_at.is_some() {
                        i.badges.push(Badge::warn(t.reminder_badge));
                    }
                    i
                })
                .collect();
            page.sections.push(Section {
                heading: t.to_sign_for(name),
                items: Items { items, empty: t.nothing_to_sign.into() },
            });
        } else {
            // Nothing is theirs to sign: the latest notes about the child instead.
            let scope = Scope::Pupil { sub: &child.sub, with_parent_notes: true };
            let notes = state.store.list(&scope, SHOWN as i64).await?;
            let items = notes.iter().map(|n| item(ctx, t, n)).collect();
            page.sections
                .push(Section { heading: t.latest_about(name), items: Items { items, empty: t.no_notes.into() } });
        }
        let unread = state.store.unread_for_pupils(&who.sub, &[child.sub.as_str()]).await?;
        if unread > 0 {
            page.lines.push(Line {
                href: ctx.href(&Link::to("/view/notes").q("child", &child.sub)),
                text: format!("{name} : {}", t.new_replies(unread)),
            });
        }
    }
    Ok(())
}

async fn pupil(
    state: &App,
    who: &Identity,
    ctx: &Ctx,
    t: &'static Texts,
    page: &mut SummaryPage<'_>,
) -> Result<(), PortletError> {
    let notes = state.store.list(&Scope::Pupil { sub: &who.sub, with_parent_notes: false }, SHOWN as i64).await?;
    if !notes.is_empty() {
        let items = notes.iter().map(|n| item(ctx, t, n)).collect();
        page.sections
            .push(Section { heading: t.latest_notes.to_string(), items: Items { items, empty: t.no_notes.into() } });
    }
    Ok(())
}

async fn teacher(
    state: &App,
    who: &Identity,
    ctx: &Ctx,
    t: &'static Texts,
    page: &mut SummaryPage<'_>,
) -> Result<(), PortletError> {
    let classes: Vec<&str> = who.taught_classes().map(|c| c.id.as_str()).collect();
    if classes.is_empty() {
        return Ok(());
    }
    for class in who.taught_classes() {
        let notes = state.store.list(&Scope::Classes(&[class.id.as_str()]), 50).await?;
        let ids: Vec<&str> = notes.iter().filter(|n| n.needs_signature).map(|n| n.id.as_str()).collect();
        let counts = state.store.counts(&ids).await?;
        let items = notes
            .iter()
            .filter_map(|n| {
                let c = counts.get(&n.id)?;
                (c.signed < c.expected).then(|| {
                    let mut i = item(ctx, t, n);
                    i.badges.push(Badge::warn(t.signed_count(c.signed, c.expected)));
                    i
                })
            })
            .take(SHOWN)
            .collect();
        page.sections.push(Section {
            heading: t.awaiting_in(&class.name),
            items: Items { items, empty: t.nothing_awaiting.into() },
        });
    }
    let fresh = state.store.unread_parent_notes(&who.sub, &classes).await?;
    let items = fresh
        .iter()
        .take(SHOWN)
        .map(|n| {
            let mut i = item(ctx, t, n);
            i.badges = vec![Badge::warn(t.from_parent)];
            i
        })
        .collect();
    page.sections.push(Section {
        heading: t.new_parent_notes.to_string(),
        items: Items { items, empty: t.no_new_parent_notes.into() },
    });
    let unread = state.store.unread_for_classes(&who.sub, &classes).await?;
    if unread > 0 {
        page.lines.push(Line { href: ctx.href(&Link::to("/view/notes")), text: t.new_replies(unread) });
    }
    Ok(())
}

async fn director(
    state: &App,
    who: &Identity,
    ctx: &Ctx,
    t: &'static Texts,
    page: &mut SummaryPage<'_>,
) -> Result<(), PortletError> {
    for school in who.directed_schools() {
        let c = state.store.school_counts(school).await?;
        for text in t.school_figures(c.notes, c.awaiting, c.parent_notes) {
            page.lines.push(Line { href: ctx.href(&Link::to("/view/notes")), text });
        }
    }
    Ok(())
}
